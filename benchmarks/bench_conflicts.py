"""Sites near protected areas: gisplan conflicts vs a plain buffer + spatial join."""

from __future__ import annotations

from _common import DATA, row, timeit


def run(args) -> list[dict]:
    import geopandas as gpd
    import pandas as pd

    from gisplan.indicators.protected import conflicts

    pas = gpd.read_file(DATA / "protected_areas.gpkg")
    sites = gpd.read_file(DATA / "sites.gpkg")
    label = f"conflicts: {len(sites):,} sites, 1 km of or in the buffer zone of {pas.pa_id.nunique()} protected areas"
    t, ours = timeit(lambda: conflicts(pas, mines=sites, buffer_m=1000), args.repeat)
    rows = [row(label, "gisplan (STRtree dwithin, distances)", t, args.repeat)]

    def plain():
        # what a user would write: each area's core buffered by 1 km, united with its official
        # buffer zone (a site anywhere in the buffer zone conflicts), then a spatial join
        core = pas[pas.zone != "buffer"].dissolve("pa_id").reset_index()
        zone = core.assign(geometry=core.buffer(1000))
        bz = pas[pas.zone == "buffer"].dissolve("pa_id").reset_index()[["pa_id", "geometry"]]
        both = pd.concat([zone[["pa_id", "geometry"]], bz]).dissolve("pa_id").reset_index()
        return gpd.sjoin(sites, both, predicate="intersects")
    t, ref = timeit(plain, args.repeat)
    same = set(zip(ours.site_id, ours.pa_id, strict=True)) == set(zip(ref.mine_id, ref.pa_id, strict=True))
    rows.append(row(label, "buffer ∪ buffer zone + sjoin (no distances)", t, args.repeat,
                    check=f"same pairs: {same} ({len(ours)} pairs)"))
    return rows
