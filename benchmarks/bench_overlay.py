"""Forest-status overlay: 200,000 parcels split by the 92 communes, plain Voronoi parcels
(~6 vertices) and parcels shaped like surveyed ones (~24 vertices, see generate.py)."""

from __future__ import annotations

from _common import DATA, row, timeit

SETS = {"plain": "parcels_200k.gpkg", "realistic": "parcels_real_200k.gpkg"}


def run(args) -> list[dict]:
    import geopandas as gpd
    import shapely

    from gisplan.overlay import clip_by_units

    units = gpd.read_file(DATA / "communes_detailed.gpkg")[["code", "geometry"]]
    rows = []
    for name, fname in SETS.items():
        parcels = gpd.read_file(DATA / fname)
        nv = (shapely.get_num_coordinates(parcels.geometry.to_numpy()) - 1).mean()
        label = (f"overlay {len(parcels):,} {name} parcels (~{nv:.0f} vertices) × {len(units)} units "
                 "(~1,200 vertices each)")
        t, ours = timeit(lambda p=parcels: clip_by_units(p, units, unit_id="code"), args.repeat)
        rows.append(row(label, "gisplan clip_by_units (STRtree)", t, args.repeat))
        n = 1 if args.quick or name == "realistic" else 3
        t, ref = timeit(lambda p=parcels: gpd.overlay(p, units, how="intersection"), n)
        a, b = ours.area.sum(), ref.area.sum()
        rows.append(row(label, "geopandas.overlay", t, n, check=f"area totals differ by {abs(a - b) / b * 100:.2e} %"))
    return rows
