"""`gisplan print THEME`: a print map (PDF or PNG) for official documents."""

from __future__ import annotations

from pathlib import Path

import click

from gisplan.catalog import load_catalog
from gisplan.cli.layers import catalog_option
from gisplan.maps.themes import theme_ids


@click.command("print")
@click.argument("theme", type=click.Choice(theme_ids()))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Output .pdf or .png.")
@click.option("--size", type=click.Choice(["A4", "A3"]), default="A4", show_default=True)
@click.option("--orientation", type=click.Choice(["auto", "landscape", "portrait"]), default="auto", show_default=True,
              help="auto: portrait when the province is taller than wide.")
@click.option("--dpi", default=300, show_default=True, help="Resolution (PNG and rasterised parts of PDFs).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("--title", default=None, help="Replace the theme's title.")
@catalog_option
@click.option("--overwrite", is_flag=True, help="Replace --out if it exists.")
def print_cmd(theme, out, size, orientation, dpi, lang, title, catalog_path, overwrite):
    """Print map of THEME with title, legend, scale bar, north arrow, km grid in VN-2000,
    data source, date and CRS note; Vietnamese text keeps its diacritics."""
    from gisplan.maps.printmap import print_map

    path = print_map(theme, out, catalog=load_catalog(catalog_path), size=size, orientation=orientation, dpi=dpi,
                     lang=lang, title=title, overwrite=overwrite)
    click.echo(f"print map {theme} ({size}, {dpi} dpi) → {path}")


def register(group: click.Group) -> None:
    """Add `print` to the `gisplan` group."""
    group.add_command(print_cmd)
