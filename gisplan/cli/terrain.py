"""`gisplan terrain` (elevation and slope per unit) and `gisplan hazard` (landslide and
flash-flood susceptibility per commune)."""

from __future__ import annotations

from pathlib import Path

import click

SUFFIXES = (".csv",)


def _write_csv(table, out: Path, *, overwrite: bool, inputs) -> None:
    from gisplan._atomic import atomic_path

    with atomic_path(out, overwrite=overwrite, inputs=inputs) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8-sig")


@click.command("terrain")
@click.option("--dem", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="DEM in metres: GeoTIFF (projected, e.g. EPSG:9213, or in degrees) or SRTM .hgt.")
@click.option("--zones", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Polygons (communes, protected areas…), any CRS.")
@click.option("--id-column", required=True, help="The zones' unique id column.")
@click.option("--layer", default=None, help="Layer inside the zones file (GeoPackage…).")
@click.option("--steep-deg", type=float, default=25.0, show_default=True,
              help="Slope (degrees) above which a cell counts as steep.")
@click.option("--min-observed-pct", type=float, default=90.0, show_default=True,
              help="Zones the DEM covers over less of their area (%) get empty statistics.")
@click.option("--crs", "dem_crs", default=None, help="The DEM's CRS when the file carries none (e.g. EPSG:9213).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Output table (.csv).")
@click.option("--overwrite", is_flag=True, help="Replace --out if it exists (never one of the inputs).")
def terrain_cmd(dem, zones, id_column, layer, steep_deg, min_observed_pct, dem_crs, out, overwrite):
    """Mean and maximum elevation (m), mean slope (°) and share steeper than --steep-deg per zone.

    Cells on zone edges count by the exact fraction inside the zone; slope is computed in metres
    (Horn's 3×3 gradient; a DEM in degrees is measured on the ellipsoid). A zone the DEM does not
    cover gets empty values, never 0. SRTM's 90 m cells smooth short steep slopes.
    """
    from gisplan._atomic import check_output, input_files
    from gisplan.errors import OptionError
    from gisplan.indicators.terrain import terrain_stats

    if out.suffix.lower() not in SUFFIXES:
        raise OptionError(f"--out {out}: write the terrain table as .csv")
    inputs = input_files([dem, zones])
    check_output(out, overwrite=overwrite, inputs=inputs)
    table = terrain_stats(dem, zones, id_column=id_column, layer=layer, steep_deg=steep_deg,
                          min_observed_pct=min_observed_pct, crs=dem_crs)
    _write_csv(table, out, overwrite=overwrite, inputs=inputs)
    ok = table["observed_ok"]
    click.echo(f"{len(table)} zones, {int(ok.sum())} observed by the DEM over ≥ {min_observed_pct:g} % of their "
               f"area ({len(table) - int(ok.sum())} left empty) → {out}")
    if ok.any():
        top = table[ok].sort_values("steep_pct", ascending=False).head(3)
        shown = ", ".join(f"{r[id_column]} ({r['steep_pct']:.1f} %)" for _, r in top.iterrows())
        click.echo(f"steepest (share of area > {steep_deg:g}°): {shown}")


def register(group: click.Group) -> None:
    """Add `terrain` and `hazard` to the `gisplan` group."""
    group.add_command(terrain_cmd)
    hazard = globals().get("hazard_cmd")
    if hazard is not None:
        group.add_command(hazard)
