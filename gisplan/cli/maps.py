"""`gisplan map THEME` (one interactive map) and `gisplan publish` (the static site)."""

from __future__ import annotations

from pathlib import Path

import click

from gisplan.catalog import load_catalog
from gisplan.cli.layers import catalog_option
from gisplan.errors import OutputExistsError

THEME_IDS = ["overview", "forest_cover", "protected_areas", "mines", "industry", "rivers", "waste", "air",
             "forest_change"]


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
    import shutil

    from gisplan._atomic import write_text
    from gisplan.maps.interactive import make_map
    from gisplan.maps.site import VENDOR, localize

    if out.exists() and not overwrite:
        raise OutputExistsError(f"{out} exists; add --overwrite to replace it")
    m = make_map(theme, catalog=load_catalog(catalog_path), lang=lang)
    page = m.get_root().render()
    if not cdn:
        vendor = out.parent / "assets" / "vendor"
        if not vendor.exists():
            shutil.copytree(VENDOR, vendor, ignore=shutil.ignore_patterns("README.md"))
        page = localize(page)
    write_text(out, page)
    click.echo(f"map {theme} → {out}")


@click.command("publish")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("maps"),
              show_default=True, help="Site folder.")
@catalog_option
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("--cdn", is_flag=True, help="Link Leaflet from public CDNs instead of the vendored copies.")
@click.option("--overwrite", is_flag=True, help="Replace an earlier site in --out.")
def publish_cmd(out_dir, catalog_path, lang, cdn, overwrite):
    """Build the static site: index with a card per map, indicator summary and 2030 targets,
    one page per themed map, and a metadata page."""
    from gisplan.maps.site import publish_site

    index = publish_site(load_catalog(catalog_path), out_dir, lang=lang, cdn=cdn, overwrite=overwrite)
    size = sum(p.stat().st_size for p in out_dir.rglob("*") if p.is_file())
    click.echo(f"site: {index} ({size / 1e6:.1f} MB)")


def register(group: click.Group) -> None:
    """Add `map` and `publish` to the `gisplan` group."""
    group.add_command(map_cmd)
    group.add_command(publish_cmd)
