"""Forest-status overlay: 200,000 parcels split by the 92 communes."""

from __future__ import annotations

from _common import DATA, row, timeit


def run(args) -> list[dict]:
    import geopandas as gpd

    from gisplan.overlay import clip_by_units

    parcels = gpd.read_file(DATA / "parcels_200k.gpkg")
    units = gpd.read_file(DATA / "communes_detailed.gpkg")[["code", "geometry"]]
    label = f"overlay {len(parcels):,} parcels × {len(units)} units (~1,200 vertices each)"
    t, ours = timeit(lambda: clip_by_units(parcels, units, unit_id="code"), args.repeat)
    rows = [row(label, "gisplan clip_by_units (STRtree)", t, args.repeat)]
    n = 1 if args.quick else 3
    t, ref = timeit(lambda: gpd.overlay(parcels, units, how="intersection"), n)
    a, b = ours.area.sum(), ref.area.sum()
    rows.append(row(label, "geopandas.overlay", t, n, check=f"area totals differ by {abs(a - b) / b * 100:.2e} %"))
    return rows
