"""`gisplan terrain` (elevation and slope per unit) and `gisplan hazard` (landslide and
flash-flood susceptibility per commune)."""

from __future__ import annotations

from pathlib import Path

import click

from gisplan._atomic import atomic_path, check_output, ensure_dir, input_files
from gisplan.cli.i18n import _
from gisplan.cli.options import file_option, folder_option, min_observed
from gisplan.errors import LayerNotFoundError, OptionError, SchemaError
from gisplan.indicators.hazard import (
    HAZARDS,
    NOTE,
    event_success_rate,
    exposure_by_unit,
    susceptibility,
)
from gisplan.indicators.raster_zones import load_zones
from gisplan.indicators.terrain import STEEP_DEG, terrain_stats
from gisplan.io import open_raster, read_layer

SUFFIXES = (".csv",)


def _write_csv(table, out: Path, *, overwrite: bool, inputs) -> None:
    with atomic_path(out, overwrite=overwrite, inputs=inputs) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8-sig")


@click.command("terrain")
@file_option("--dem", "DEM in metres: GeoTIFF (projected, e.g. EPSG:9213, or in degrees) or SRTM .hgt.",
             required=True)
@file_option("--zones", "Polygons (communes, protected areas…), any CRS.", required=True)
@click.option("--id-column", required=True, help="The zones' unique id column.")
@click.option("--layer", default=None, help="Layer inside the zones file (GeoPackage…).")
@click.option("--steep-deg", type=float, default=STEEP_DEG, show_default=True,
              help="Slope (degrees) above which a cell counts as steep.")
@min_observed("Zones the DEM covers over less of their area (%) get empty statistics.")
@click.option("--crs", "dem_crs", default=None, help="The DEM's CRS when the file carries none (e.g. EPSG:9213).")
@file_option("--out", "Output table (.csv).", required=True)
@click.option("--overwrite", is_flag=True, help="Replace --out if it exists (never one of the inputs).")
def terrain_cmd(dem, zones, id_column, layer, steep_deg, min_observed_pct, dem_crs, out, overwrite):
    """Mean and maximum elevation (m), mean slope (°) and share steeper than --steep-deg per zone.

    Cells on zone edges count by the exact fraction inside the zone; slope is computed in metres
    (Horn's 3×3 gradient; a DEM in degrees is measured on the ellipsoid). A zone the DEM does not
    cover gets empty values, never 0. SRTM's 90 m cells smooth short steep slopes.
    """
    if out.suffix.lower() not in SUFFIXES:
        raise OptionError(_("--out {out}: write the terrain table as .csv").format(out=out))
    inputs = input_files([dem, zones])
    check_output(out, overwrite=overwrite, inputs=inputs)
    table = terrain_stats(dem, zones, id_column=id_column, layer=layer, steep_deg=steep_deg,
                          min_observed_pct=min_observed_pct, crs=dem_crs)
    _write_csv(table, out, overwrite=overwrite, inputs=inputs)
    ok = table["observed_ok"]
    click.echo(_("{count} zones, {observed} observed by the DEM over ≥ {pct:g} % of their area ({empty} left "
                 "empty) → {out}").format(count=len(table), observed=int(ok.sum()), pct=min_observed_pct,
                                         empty=len(table) - int(ok.sum()), out=out))
    if ok.any():
        top = table[ok].sort_values("steep_pct", ascending=False).head(3)
        shown = ", ".join(f"{r[id_column]} ({r['steep_pct']:.1f} %)" for _, r in top.iterrows())
        click.echo(_("steepest (share of area > {degrees:g}°): {zones}").format(degrees=steep_deg, zones=shown))


def register(group: click.Group) -> None:
    """Add `terrain` and `hazard` to the `gisplan` group."""
    group.add_command(terrain_cmd)
    group.add_command(hazard_cmd)


def _population_table(value: str | None, communes_columns: list[str]):
    """--population: a column of the communes, or a CSV with code and population columns."""
    if value is None:
        return None
    if value in communes_columns:
        return value
    import pandas as pd

    path = Path(value)
    if not path.exists():
        raise LayerNotFoundError(_("--population {value}: neither a column of the communes nor an existing CSV").format(
            value=value))
    table = pd.read_csv(path, dtype={"code": str}, encoding="utf-8-sig")
    if "code" not in table.columns or "population" not in table.columns:
        raise SchemaError(_("--population {path}: the table needs columns 'code' and 'population'; it has "
                            "{columns}").format(path=path, columns=", ".join(table.columns)))
    return table.set_index("code")["population"]


@click.command("hazard")
@file_option("--dem", "DEM in metres (projected, or in degrees: warped to EPSG:9213 at its resolution).",
             required=True)
@file_option("--communes", "Commune/ward polygons, any CRS.", required=True)
@click.option("--id-column", default="code", show_default=True, help="The communes' unique id column.")
@click.option("--name-column", default="name", show_default=True, help="The communes' name column.")
@file_option("--rivers", "River lines.")
@file_option("--land-cover", "Land-cover class raster (classes of layers/types.toml).")
@file_option("--forest-status", "Forest-status polygons (used for land cover when no --land-cover).")
@file_option("--roads", "Road lines (cut slopes; also the road length exposed).")
@file_option("--faults", "Fault lines.")
@file_option("--geology", "Raster of geology/weathering scores 1–5.")
@file_option("--rainfall", "Rainfall raster (mm).")
@file_option("--urban-areas", "Urban-area polygons (area exposed).")
@file_option("--buildings", "Buildings (points or polygons; count exposed).")
@click.option("--population", default=None,
              help="A population column of the communes, or a CSV with code and population.")
@file_option("--events", "Event inventory (points with event_type landslide|flash_flood|flood): success rate.")
@file_option("--weights", "Weights and class breaks (default layers/hazard.toml; copy it and edit).")
@click.option("--hazard", "hazards", type=click.Choice(["landslide", "flash_flood"]), multiple=True,
              help="Hazard(s) to compute (default both).")
@click.option("--crs", "dem_crs", default=None, help="The DEM's CRS when the file carries none.")
@folder_option("--out", help="Output folder: hazard_by_commune.csv, <hazard>_susceptibility.tif, "
                             "event_success_rate.csv.")
@click.option("--overwrite", is_flag=True, help="Replace outputs that exist (never one of the inputs).")
def hazard_cmd(dem, communes, id_column, name_column, rivers, land_cover, forest_status, roads, faults, geology,
               rainfall, urban_areas, buildings, population, events, weights, hazards, dem_crs, out, overwrite):
    """Landslide and flash-flood susceptibility classes (rất thấp … rất cao) and exposure per commune.

    A weighted overlay of factor scores 1–5 (slope, local relief, distance to rivers, land
    cover, upstream area and wetness index…; weights and breaks in layers/hazard.toml). It is a
    relative susceptibility index, not a probability or a forecast: it says where slides and
    flash floods are more likely than elsewhere, not when. A 90 m DEM cannot show small slides,
    road cuts or narrow gullies. Population exposed assumes people spread evenly over a commune.
    """
    hazards = tuple(hazards) or HAZARDS
    inputs = input_files([dem, communes, rivers, land_cover, forest_status, roads, faults, geology, rainfall,
                          urban_areas, buildings, events, weights,
                          Path(population) if population and Path(population).exists() else None])
    folder = ensure_dir(out)
    targets = [folder / "hazard_by_commune.csv"] + [folder / f"{h}_susceptibility.tif" for h in hazards]
    if events is not None:
        targets.append(folder / "event_success_rate.csv")
    for t in targets:
        check_output(t, overwrite=overwrite, inputs=inputs)
    zones = read_layer(communes, crs=None)
    zones = load_zones(zones, id_column, zones.crs)
    pop = _population_table(population, list(zones.columns))

    def vec(path):
        return read_layer(path, crs=None) if path is not None else None

    # every input is read and checked before anything is computed or written
    fs, rv, rd, ft = vec(forest_status), vec(rivers), vec(roads), vec(faults)
    ub, bd = vec(urban_areas), vec(buildings)
    ev = read_layer(events, layer_type="hazard_events") if events is not None else None
    # the land-cover codes must be the land_cover classes (a file with another legend: a catalog reclass)
    lc = open_raster(land_cover, layer_type="land_cover") if land_cover is not None else None
    result = susceptibility(dem, rivers=rv, land_cover=lc, forest_status=fs, roads=rd, faults=ft,
                            geology=geology, rainfall=rainfall, weights=weights, area=zones, hazards=hazards,
                            crs=dem_crs)
    table = exposure_by_unit(result, zones, id_column=id_column, name_column=name_column, population=pop,
                             urban_areas=ub, buildings=bd, roads=rd)
    rate = event_success_rate(result, ev) if ev is not None else None
    result.write(folder, overwrite=overwrite, inputs=inputs)
    _write_csv(table, folder / "hazard_by_commune.csv", overwrite=overwrite, inputs=inputs)
    click.echo(_("Method: {note}.").format(note=NOTE))
    for hz in hazards:
        used = ", ".join(f"{k} {v * 100:.0f} %" for k, v in result.factors[hz].items())
        click.echo(_("{hazard}: factors {factors}").format(hazard=hz, factors=used))
        sub = table[table["hazard"] == hz]
        known = sub.dropna(subset=["exposed_pct"])
        if len(known):
            top = known.sort_values("exposed_pct", ascending=False).head(3)
            label = "name" if "name" in top.columns else id_column
            shown = ", ".join(f"{r[label]} ({r['exposed_pct']:.1f} %)" for _, r in top.iterrows())
            click.echo("  " + _("largest share in the high and very high classes: {communes}").format(communes=shown))
        unknown = int(sub["exposed_pct"].isna().sum())
        if unknown:
            click.echo("  " + _("{count} commune(s) not covered by the DEM: left empty, not 0").format(count=unknown))
    for note in result.notes:
        click.echo(_("note: {note}").format(note=note), err=True)
    if rate is not None:
        _write_csv(rate, folder / "event_success_rate.csv", overwrite=overwrite, inputs=inputs)
        for hz in hazards:
            sub = rate[(rate["hazard"] == hz) & rate["class"].isin(result.config.exposed)]
            n = int(rate[(rate["hazard"] == hz) & (rate["class"] != "no_data")]["events"].sum())
            if n:
                click.echo(_("{hazard}: {inside} of {count} events in the high and very high classes, which cover "
                             "{pct:.1f} % of the area").format(hazard=hz, inside=int(sub["events"].sum()), count=n,
                                                               pct=sub["area_pct"].sum()))
    click.echo(f"→ {folder}")
