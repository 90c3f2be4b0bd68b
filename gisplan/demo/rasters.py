"""Rasters of the synthetic demo province: canopy cover 2020/2024 and land cover 2020/2024.

Canopy follows the forest-status parcels (natural forest dense, plantations medium, young
plantations sparse, open land near zero) plus pixel noise, small isolated tree clumps just
under and over the 0.3 ha minimum area, and cloud gaps (nodata). Land cover follows the same
parcels; each town is built up around its centre (a share of its area that grows from 2020 to
2024), the rest of the town keeping the land around it (fields, trees, rivers). Tiled, deflate-compressed
GeoTIFFs with overviews (COG-like), EPSG:9213.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.features import rasterize
from rasterio.transform import from_origin

from gisplan._atomic import atomic_path
from gisplan.catalog import SYNTHETIC_NOTE
from gisplan.demo.geometry import blob, lonlat

CANOPY_NODATA = 255
LANDCOVER_NODATA = 0


#: share of each town's area built up, by land-cover year (the towns grow)
BUILT_SHARE = {2020: 0.38, 2024: 0.45}


def write_rasters(out: Path, layers: dict[str, gpd.GeoDataFrame], res: float,
                  rng: np.random.Generator) -> dict[str, int]:
    """Write tree_cover_2020.tif, tree_cover_2024.tif, land_cover_2020.tif and land_cover_2024.tif
    (the land cover draws nothing from ``rng``); return pixel counts."""
    province = layers["province"].geometry.iloc[0]
    minx, miny, maxx, maxy = province.bounds
    minx, miny = np.floor(minx / res) * res, np.floor(miny / res) * res
    maxx, maxy = np.ceil(maxx / res) * res, np.ceil(maxy / res) * res
    width, height = int(round((maxx - minx) / res)), int(round((maxy - miny) / res))
    transform = from_origin(minx, maxy, res, res)
    shape = (height, width)
    inside = rasterize([(province, 1)], out_shape=shape, transform=transform, fill=0, dtype="uint8").astype(bool)

    p20, p24 = layers["forest_status_2020"], layers["forest_status_2024"]
    ids = np.union1d(p20["parcel_id"].to_numpy(), p24["parcel_id"].to_numpy())
    base = dict(zip(ids, rng.uniform(0, 1, len(ids)), strict=True))  # stable per parcel across years

    def canopy(parcels: gpd.GeoDataFrame, cloud) -> np.ndarray:
        u = parcels["parcel_id"].map(base).to_numpy()
        natural = (parcels["origin"] == "natural").to_numpy()
        young = ~parcels["meets_criteria"].astype(bool).to_numpy()
        value = np.where(natural, 65 + 30 * u, np.where(young, 3 + 17 * u, 45 + 35 * u))
        grid = rasterize(zip(parcels.geometry.values, value, strict=True), out_shape=shape,
                         transform=transform, fill=0, dtype="float32")
        background = grid == 0
        grid = np.where(background, rng.uniform(0, 7, shape), grid) + rng.normal(0, 4, shape)
        _clumps(grid, background, rng, res)
        grid = np.clip(np.round(grid), 0, 100).astype("uint8")
        grid[~inside] = CANOPY_NODATA
        if cloud is not None:
            grid[rasterize([(cloud, 1)], out_shape=shape, transform=transform, fill=0, dtype="uint8") == 1] = CANOPY_NODATA
        return grid

    cloud20 = blob(lonlat(106.15, 22.50), 60e6, rng)
    cloud24 = blob(lonlat(105.70, 22.05), 90e6, rng)
    tags = {"gisplan_note": SYNTHETIC_NOTE, "units": "percent canopy cover", "resolution_m": str(res)}
    c20 = canopy(p20, cloud20)
    write_raster(out / "tree_cover_2020.tif", c20, transform, CANOPY_NODATA, {**tags, "year": "2020"}, Resampling.average)
    c24 = canopy(p24, cloud24)
    write_raster(out / "tree_cover_2024.tif", c24, transform, CANOPY_NODATA, {**tags, "year": "2024"}, Resampling.average)
    del c20

    n = int(inside.sum())
    counts = {"tree_cover_2020": n, "tree_cover_2024": n}
    for year, parcels in ((2020, p20), (2024, p24)):
        lc = land_cover(parcels, layers, BUILT_SHARE[year], shape, transform, res)
        lc[~inside] = LANDCOVER_NODATA
        write_raster(out / f"land_cover_{year}.tif", lc, transform, LANDCOVER_NODATA,
                     {**tags, "units": "class code (layers/types.toml land_cover)", "year": str(year)}, Resampling.mode)
        counts[f"land_cover_{year}"] = n
    return counts


def built_cores(urban: gpd.GeoDataFrame, share: float) -> list:
    """Each town's built-up core: the part of the town within the circle about its inner point
    whose area is ``share`` of the town's (clipped to the town, so a little less at its edge)."""
    cores = []
    for g in urban.geometry.values:
        if g is None or g.is_empty:
            continue
        centre = g.representative_point()
        cores.append(centre.buffer(float(np.sqrt(share * g.area / np.pi)), 64).intersection(g))
    return cores


def land_cover(parcels: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame], built_share: float,
               shape: tuple[int, int], transform, res: float) -> np.ndarray:
    """Land-cover classes of a year: cropland by default, the forest-status parcels (natural,
    planted, young plantations as shrub), the towns' built-up cores and the industrial zones,
    water along the rivers and bare land at the mines."""
    lc = np.full(shape, 4, dtype="uint8")  # cropland by default
    natural = parcels[(parcels["origin"] == "natural") & parcels["meets_criteria"].astype(bool)]
    planted = parcels[(parcels["origin"] == "plantation") & parcels["meets_criteria"].astype(bool)]
    young = parcels[~parcels["meets_criteria"].astype(bool)]
    for gdf, code in ((natural, 1), (planted, 2), (young, 3)):
        if len(gdf):
            rasterize(((g, code) for g in gdf.geometry.values), out=lc, transform=transform)
    built = [g for g in (*built_cores(layers["urban_areas"], built_share), *layers["industrial_zones"].geometry.values)
             if not g.is_empty]
    rasterize(((g, 5) for g in built), out=lc, transform=transform)
    rasterize(((g.buffer(max(res, 45)), 6) for g in layers["river_sections"].geometry.values), out=lc, transform=transform)
    rasterize(((g.buffer(max(res, 60)), 7) for g in layers["mines"].geometry.values), out=lc, transform=transform)
    return lc


def _clumps(grid: np.ndarray, background: np.ndarray, rng: np.random.Generator, res: float) -> None:
    """Scatter small isolated tree clumps of 2–6 pixels in open land (in place)."""
    h, w = grid.shape
    n = max(50, h * w // 20_000)
    rows, cols = rng.integers(3, h - 8, n), rng.integers(3, w - 8, n)
    shapes = {2: [(0, 0), (0, 1)], 3: [(0, 0), (0, 1), (1, 0)], 4: [(0, 0), (0, 1), (1, 0), (1, 1)],
              5: [(0, 0), (0, 1), (1, 0), (1, 1), (2, 1)], 6: [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]}
    sizes = rng.choice(list(shapes), n)
    for r, c, k in zip(rows, cols, sizes, strict=True):
        window = background[r - 2:r + 5, c - 2:c + 5]
        if window.all():
            for dr, dc in shapes[int(k)]:
                grid[r + dr, c + dc] = 40 + rng.uniform(0, 30)


def write_raster(path: Path, data: np.ndarray, transform, nodata: int, tags: dict, resampling) -> None:
    profile = dict(driver="GTiff", width=data.shape[1], height=data.shape[0], count=1, dtype=data.dtype.name,
                   crs="EPSG:9213", transform=transform, nodata=nodata, tiled=True, blockxsize=256,
                   blockysize=256, compress="deflate", predictor=2)
    with atomic_path(path, overwrite=True) as tmp:
        with rasterio.open(tmp, "w", **profile) as ds:
            ds.write(data, 1)
            ds.update_tags(**tags)
            ds.build_overviews([f for f in (2, 4, 8, 16) if min(data.shape) // f >= 64], resampling)
            ds.update_tags(ns="rio_overview", resampling=resampling.name)
