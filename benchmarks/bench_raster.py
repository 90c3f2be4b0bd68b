"""Raster forest cover per commune: gisplan vs rasterstats and exactextract (and sieve pipelines)."""

from __future__ import annotations

import numpy as np
import rasterio
from _common import DATA, peak_mb, row, timeit


def run(args) -> list[dict]:
    import geopandas as gpd

    from gisplan.indicators.canopy import forest_cover

    zones = gpd.read_file(DATA / "communes.gpkg")
    rows = []
    for res in ([30] if args.quick else [30, 10]):
        canopy, forest = DATA / f"canopy_{res}m.tif", DATA / f"forest_{res}m.tif"
        with rasterio.open(canopy) as ds:
            npx = ds.width * ds.height
        label = f"forest cover, {res} m ({npx / 1e6:.0f} M px), 92 units"

        def decode_once_and_one_pass():
            with rasterio.open(canopy) as ds:
                a = ds.read(1)
            return np.bincount((a >= 10).ravel().view(np.uint8), minlength=2)
        t, _ = timeit(decode_once_and_one_pass, args.repeat)
        rows.append(row(label, "baseline: decode + one bincount", t, args.repeat))

        t, ours = timeit(lambda: forest_cover(canopy, zones, id_column="code", mmu_ha=0), args.repeat)
        mem = peak_mb(f"import geopandas as gpd\nfrom gisplan.indicators.canopy import forest_cover\n"
                      f"forest_cover(r'{canopy}', gpd.read_file(r'{DATA / 'communes.gpkg'}'), id_column='code', mmu_ha=0)")
        rows.append(row(label + ", MMU off", "gisplan (exact fractions)", t, args.repeat, mem))

        import exactextract

        t, ee = timeit(lambda: exactextract.exact_extract(str(forest), zones, ["sum", "count"],
                                                          include_cols=["code"], output="pandas"), args.repeat)
        diff = np.max(np.abs(ee["sum"].to_numpy() * res * res / 1e4 - ours["forest_ha"].to_numpy()))
        rows.append(row(label + ", MMU off", "exactextract", t, args.repeat,
                        check=f"max |Δ forest_ha| vs gisplan {diff:.2e}"))

        from rasterstats import zonal_stats

        t, rs = timeit(lambda: zonal_stats(zones, str(forest), stats=["sum", "count"], nodata=255), args.repeat)
        rs_ha = np.array([r["sum"] or 0 for r in rs]) * res * res / 1e4
        rows.append(row(label + ", MMU off", "rasterstats (pixel centres)", t, args.repeat,
                        check=f"max |Δ forest_ha| vs exact {np.max(np.abs(rs_ha - ours['forest_ha'])):.1f} ha"))

        # what a user holding the canopy raster would write with rasterstats: a threshold function
        t, rs2 = timeit(lambda: zonal_stats(zones, str(canopy), stats=["count"], nodata=255,
                                            add_stats={"forest": lambda a: int((a >= 10).sum())}), args.repeat)
        rs2_ha = np.array([r["forest"] or 0 for r in rs2]) * res * res / 1e4
        rows.append(row(label + ", MMU off", "rasterstats on canopy + threshold function", t, args.repeat,
                        check=f"max |Δ forest_ha| vs exact {np.max(np.abs(rs2_ha - ours['forest_ha'])):.1f} ha"))

        # minimum-area rule on
        t, ours_mmu = timeit(lambda: forest_cover(canopy, zones, id_column="code", mmu_ha=0.3), args.repeat)
        mem = peak_mb(f"import geopandas as gpd\nfrom gisplan.indicators.canopy import forest_cover\n"
                      f"forest_cover(r'{canopy}', gpd.read_file(r'{DATA / 'communes.gpkg'}'), id_column='code', mmu_ha=0.3)")
        rows.append(row(label + ", MMU 0.3 ha", "gisplan", t, args.repeat, mem))

        def sieve_then(tool):
            from rasterio.features import sieve

            with rasterio.open(forest) as ds:
                a = ds.read(1)
                profile = ds.profile
            n_min = int(np.ceil(0.3e4 / (res * res) - 1e-9))
            valid = a != 255
            sieved = sieve(np.where(valid, a, 0).astype("uint8"), size=n_min, connectivity=8)
            # sieve merges small patches into their neighbour: keep only patches that stayed forest
            out = np.where(valid, (sieved == 1) & (a == 1), 255).astype("uint8")
            path = DATA / f"_sieved_{res}m.tif"
            with rasterio.open(path, "w", **profile) as ds:
                ds.write(out, 1)
            if tool == "exactextract":
                return exactextract.exact_extract(str(path), zones, ["sum"], include_cols=["code"], output="pandas")
            return zonal_stats(zones, str(path), stats=["sum"], nodata=255)
        for tool in ("exactextract", "rasterstats"):
            t, _ = timeit(lambda tool=tool: sieve_then(tool), max(1, args.repeat // 2))
            rows.append(row(label + ", MMU 0.3 ha", f"GDAL sieve + {tool}", t, max(1, args.repeat // 2)))
    return rows
