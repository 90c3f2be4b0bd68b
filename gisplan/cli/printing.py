"""`gisplan print THEME`: a print map (PDF or PNG) for official documents."""

from __future__ import annotations

from pathlib import Path

import click

from gisplan.cli.i18n import _
from gisplan.cli.layers import catalog_option
from gisplan.cli.options import open_plan, run_options
from gisplan.errors import OptionError
from gisplan.maps.themes import theme_ids


@click.command("print")
@click.argument("theme", type=click.Choice(theme_ids()))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Output .pdf or .png.")
@click.option("--size", type=click.Choice(["A4", "A3"]), default="A4", show_default=True)
@click.option("--orientation", type=click.Choice(["auto", "landscape", "portrait"]), default="auto", show_default=True,
              help="auto: portrait when the area mapped (the province, or the commune) is taller than wide.")
@click.option("--dpi", default=300, show_default=True, help="Resolution (PNG and rasterised parts of PDFs).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("--title", default=None, help="Replace the theme's title.")
@click.option("--labels", type=click.Choice(["all", "communes", "protected_areas", "none"]), default="all",
              show_default=True, help="Names written on the map, placed without overlaps: communes and protected "
                                      "areas (all), one of them, or none.")
@click.option("--option", "theme_options", multiple=True, metavar="KEY=VALUE",
              help="An option of the theme's print map (repeatable), e.g. --option hazard=flash_flood "
                   "for the hazard map.")
@click.option("--commune", default=None, metavar="CODE",
              help="Map one commune/ward (its code or name) at commune scale, every lot labelled: the "
                   "forest_status map (same as --option commune=CODE).")
@catalog_option
@click.option("--overwrite", is_flag=True, help="Replace --out if it exists.")
@run_options
def print_cmd(theme, out, size, orientation, dpi, lang, title, labels, theme_options, commune, catalog_path,
              overwrite, **options):
    """Print map of THEME with title, date of the data, legend, scale bar with the numeric
    scale, north arrow, km grid in VN-2000, names of communes and protected areas, data sources
    and CRS note; Vietnamese text keeps its diacritics. Its numbers are those `gisplan
    indicators` writes with the same options. A map that would show no data anywhere is
    refused with the reason (exit 2) and nothing is written."""
    extra = parse_theme_options(theme_options)
    if commune is not None:
        extra["commune"] = commune
    path = open_plan(catalog_path, **options).print(theme, out, size=size, orientation=orientation, dpi=dpi,
                                                   lang=lang, title=title, overwrite=overwrite, labels=labels,
                                                   **extra)
    click.echo(_("print map {theme} ({size}, {dpi} dpi) → {path}").format(theme=theme, size=size, dpi=dpi, path=path))


def parse_theme_options(pairs: tuple[str, ...]) -> dict[str, str]:
    """``("commune=02406",)`` → ``{"commune": "02406"}``; anything else is an OptionError."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise OptionError(_("--option {pair!r}: write it as KEY=VALUE, e.g. --option commune=02406").format(
                pair=pair))
        out[key.strip()] = value.strip()
    return out


def register(group: click.Group) -> None:
    """Add `print` to the `gisplan` group."""
    group.add_command(print_cmd)
