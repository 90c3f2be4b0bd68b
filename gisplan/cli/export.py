"""`gisplan export`: the indicators as a styled GeoPackage and QGIS project, or a Shapefile folder."""

from __future__ import annotations

from pathlib import Path

import click

from gisplan.catalog import load_catalog
from gisplan.cli.i18n import _
from gisplan.cli.layers import catalog_option
from gisplan.cli.options import open_plan, run_options
from gisplan.pipeline import Plan
from gisplan.reports import read_results


@click.command("export")
@catalog_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for gisplan_chi_tieu.gpkg and gisplan.qgz (or the Shapefiles).")
@click.option("--results", "results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="A reports folder written by `gisplan indicators` (default: compute "
                                 "the indicators from the catalog).")
@click.option("--format", "fmt", type=click.Choice(["gpkg", "shp"]), default="gpkg", show_default=True,
              help="gpkg: one GeoPackage with styles inside (and a QGIS project); shp: a Shapefile per "
                   "layer with .qml/.sld styles and a UTF-8 .cpg beside it.")
@click.option("--project/--no-project", default=None,
              help="Write the QGIS project (default: when QGIS's Python API is installed).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("--overwrite", is_flag=True, help="Replace an earlier export in --out.")
@run_options
def export_cmd(catalog_path, out_dir, results_dir, fmt, project, lang, overwrite, **options):
    """Write every indicator that has a place as a styled layer (EPSG:9213): communes with forest
    cover and change, protected areas, conflicts as lines, river sections, industrial zones, waste
    sites, stations; the 2030 tracker as a table. Styles are those of the web and print maps."""
    if results_dir is not None:  # the tables of an earlier `gisplan indicators`, shown as they are
        catalog = load_catalog(catalog_path)
        plan = Plan(catalog, results=read_results(results_dir, catalog), strict=options["strict"])
    else:
        plan = open_plan(catalog_path, **options)
    written = plan.export(out_dir, fmt=fmt, lang=lang, overwrite=overwrite, project=project)
    if fmt == "shp":
        click.echo(_("{count} files → {folder}").format(count=len(written["shp"]), folder=out_dir))
        return
    for what, path in written.items():
        click.echo(f"  {what:5} {path}")
    if "qgis" not in written and project is None:
        click.echo("  " + _("(no QGIS project: QGIS's Python API was not found; the GeoPackage opens styled in QGIS)"))


def register(group: click.Group) -> None:
    """Add `export` to the `gisplan` group."""
    group.add_command(export_cmd)
