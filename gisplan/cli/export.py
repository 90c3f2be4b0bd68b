"""`gisplan export`: the indicators as a styled GeoPackage and QGIS project, or a Shapefile folder."""

from __future__ import annotations

from pathlib import Path

import click

from gisplan.cli.layers import catalog_option


def read_results(folder: Path, catalog):
    """Indicator results read back from a reports folder written by ``gisplan indicators``
    (``csv/*.csv``): ids and codes keep their leading zeros."""
    import pandas as pd

    from gisplan.errors import DataMissingError
    from gisplan.indicators.results import IndicatorResults

    csv_dir = folder / "csv"
    files = sorted(csv_dir.glob("*.csv"))
    if not files:
        raise DataMissingError(f"{csv_dir} holds no indicator CSV; run `gisplan indicators --out {folder}` "
                               "first, or export from the catalog (omit --results)")
    ids = {t.id_column for t in catalog.types.values() if t.id_column} | {
        "code", "pa_id", "site_id", "section_id", "zone_id", "mine_id", "urban_id", "target_id"}
    tables = {}
    for f in files:
        head = pd.read_csv(f, nrows=0).columns
        tables[f.stem] = pd.read_csv(f, dtype={c: str for c in head if c in ids})
    return IndicatorResults(tables=tables, meta={"title": catalog.title, "catalog": str(catalog.path)})


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
def export_cmd(catalog_path, out_dir, results_dir, fmt, project, lang, overwrite):
    """Write every indicator that has a place as a styled layer (EPSG:9213): communes with forest
    cover and change, protected areas, conflicts as lines, river sections, industrial zones, waste
    sites, stations; the 2030 tracker as a table. Styles are those of the web and print maps."""
    from gisplan.catalog import load_catalog
    from gisplan.export import export_results, write_shapefiles
    from gisplan.store import LayerStore

    catalog = load_catalog(catalog_path)
    store = LayerStore(catalog)
    if results_dir is not None:
        results = read_results(results_dir, catalog)
    else:
        from gisplan.indicators.run import run_indicators

        results = run_indicators(catalog, store=store)
    if fmt == "shp":
        paths = write_shapefiles(results, store, out_dir, lang=lang, overwrite=overwrite)
        click.echo(f"{len(paths)} files → {out_dir}")
        return
    written = export_results(results, store, out_dir, lang=lang, overwrite=overwrite, project=project)
    for what, path in written.items():
        click.echo(f"  {what:5} {path}")
    if "qgis" not in written and project is None:
        click.echo("  (no QGIS project: QGIS's Python API was not found; the GeoPackage opens styled in QGIS)")


def register(group: click.Group) -> None:
    """Add `export` to the `gisplan` group."""
    group.add_command(export_cmd)
