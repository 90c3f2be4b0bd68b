"""Sites near protected areas: gisplan conflicts vs a plain buffer + spatial join."""

from __future__ import annotations

from _common import DATA, row, timeit


def run(args) -> list[dict]:
    import geopandas as gpd

    from gisplan.indicators.protected import conflicts

    pas = gpd.read_file(DATA / "protected_areas.gpkg")
    sites = gpd.read_file(DATA / "sites.gpkg")
    label = f"conflicts: {len(sites):,} sites, 1 km of {pas.pa_id.nunique()} protected areas"
    t, ours = timeit(lambda: conflicts(pas, mines=sites, buffer_m=1000), args.repeat)
    rows = [row(label, "gisplan (STRtree dwithin, distances)", t, args.repeat)]

    def plain():
        core = pas[pas.zone != "buffer"].dissolve("pa_id").reset_index()
        return gpd.sjoin(sites, core.assign(geometry=core.buffer(1000)), predicate="intersects")
    t, ref = timeit(plain, args.repeat)
    same = set(zip(ours.site_id, ours.pa_id, strict=True)) == set(zip(ref.mine_id, ref.pa_id, strict=True))
    rows.append(row(label, "buffer + sjoin (no distances)", t, args.repeat,
                    check=f"same pairs: {same} ({len(ours)} pairs)"))
    return rows
