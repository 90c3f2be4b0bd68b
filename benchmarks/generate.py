"""Province-scale benchmark inputs (synthetic), built on demand under benchmarks/_data/.

- communes.gpkg: the 92 communes/wards of the demo province (EPSG:9213)
- canopy_30m.tif, canopy_10m.tif: canopy cover % over the province (uint8, nodata 255),
  patchy forest with many small clumps so that the minimum-area rule matters
- forest_{30m,10m}.tif: the same thresholded at 10 % (0/1), the input the peers are given
- parcels_200k.gpkg: 200,000 forest-status-like parcels tiling the province
- sites.gpkg: 20,000 point sites (mines/zones) for the conflicts benchmark
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import DATA  # noqa: E402

SEED = 42


def ensure(*, quick: bool = False) -> Path:
    """Build whatever is missing; return the data folder."""
    DATA.mkdir(parents=True, exist_ok=True)
    from gisplan.demo import build_demo

    demo = DATA / "demo"
    build_demo(demo, size="small")
    import geopandas as gpd

    communes = gpd.read_file(demo / "communes.gpkg")
    if not (DATA / "communes.gpkg").exists():
        communes.to_file(DATA / "communes.gpkg")
    if not (DATA / "protected_areas.gpkg").exists():
        gpd.read_file(demo / "protected_areas.gpkg").to_file(DATA / "protected_areas.gpkg")
    province = communes.union_all()
    for res in (30, 10):
        if not (DATA / f"canopy_{res}m.tif").exists():
            _canopy(province, res)
    detailed_units()
    if not (DATA / "parcels_200k.gpkg").exists():
        _parcels(province, 200_000)
    if not (DATA / "sites.gpkg").exists():
        _sites(province, 20_000)
    return DATA


def _canopy(province, res: int) -> None:
    rng = np.random.default_rng(SEED)
    minx, miny, maxx, maxy = province.bounds
    width, height = int((maxx - minx) // res) + 1, int((maxy - miny) // res) + 1
    # smooth field at 300 m, upsampled, plus pixel noise: forest blocks with ragged edges and clumps
    coarse = ndimage.gaussian_filter(rng.normal(size=(height * res // 300 + 2, width * res // 300 + 2)), 2)
    field = ndimage.zoom(coarse, 300 / res, order=1)[:height, :width]
    canopy = np.clip(50 + 60 * field + rng.normal(0, 25, (height, width)), 0, 100).astype("uint8")
    from rasterio.features import rasterize

    transform = from_origin(minx, maxy, res, res)
    inside = rasterize([(province, 1)], out_shape=(height, width), transform=transform, fill=0, dtype="uint8")
    canopy[inside == 0] = 255
    profile = dict(driver="GTiff", width=width, height=height, count=1, dtype="uint8", crs="EPSG:9213",
                   transform=transform, nodata=255, tiled=True, blockxsize=512, blockysize=512,
                   compress="deflate", predictor=2)
    with rasterio.open(DATA / f"canopy_{res}m.tif", "w", **profile) as ds:
        ds.write(canopy, 1)
    forest = np.where(canopy == 255, 255, canopy >= 10).astype("uint8")
    with rasterio.open(DATA / f"forest_{res}m.tif", "w", **profile) as ds:
        ds.write(forest, 1)


def _parcels(province, n: int) -> None:
    import geopandas as gpd
    import shapely

    from gisplan.demo.geometry import random_points_in, voronoi_tiling

    rng = np.random.default_rng(SEED)
    pts = random_points_in(province, n, rng)
    cells = voronoi_tiling(pts, province)
    gdf = gpd.GeoDataFrame({"parcel_id": np.arange(n), "origin": rng.choice(["natural", "plantation"], n),
                            "purpose": rng.choice(["special_use", "protection", "production"], n),
                            "meets_criteria": rng.uniform(size=n) < 0.93}, geometry=cells, crs=9213)
    gdf = gdf[~shapely.is_empty(gdf.geometry.values)]
    gdf.to_file(DATA / "parcels_200k.gpkg")


def _sites(province, n: int) -> None:
    import geopandas as gpd
    import shapely

    from gisplan.demo.geometry import random_points_in

    rng = np.random.default_rng(SEED)
    pts = random_points_in(province, n, rng)
    gdf = gpd.GeoDataFrame({"mine_id": [f"M{i}" for i in range(n)], "name": [f"Mỏ {i}" for i in range(n)],
                            "licence_status": rng.choice(["valid", "expired"], n), "operating": rng.uniform(size=n) < 0.5},
                           geometry=shapely.points(pts), crs=9213)
    gdf.to_file(DATA / "sites.gpkg")


if __name__ == "__main__":
    print(ensure())


def detailed_units() -> Path:
    """The 92 communes with boundaries as detailed as surveyed ones (thousands of vertices):
    Voronoi labels on a 25 m grid, perturbed by a smooth noise field, polygonised."""
    path = DATA / "communes_detailed.gpkg"
    if path.exists():
        return path
    import geopandas as gpd
    import shapely
    from rasterio.features import rasterize, shapes

    communes = gpd.read_file(DATA / "communes.gpkg")
    rng = np.random.default_rng(SEED)
    res = 25.0
    minx, miny, maxx, maxy = communes.total_bounds
    width, height = int((maxx - minx) // res) + 1, int((maxy - miny) // res) + 1
    transform = from_origin(minx, maxy, res, res)
    labels = rasterize(zip(communes.geometry, range(1, len(communes) + 1), strict=True), out_shape=(height, width),
                       transform=transform, fill=0, dtype="int32")
    # shift each pixel's label by a smooth random displacement (wiggly, still a tiling)
    dx = ndimage.zoom(ndimage.gaussian_filter(rng.normal(size=(height // 40 + 2, width // 40 + 2)), 1.5), 40, order=1)
    dy = ndimage.zoom(ndimage.gaussian_filter(rng.normal(size=(height // 40 + 2, width // 40 + 2)), 1.5), 40, order=1)
    rows, cols = np.indices((height, width))
    r2 = np.clip(rows + (dy[:height, :width] * 25).astype(int), 0, height - 1)
    c2 = np.clip(cols + (dx[:height, :width] * 25).astype(int), 0, width - 1)
    wiggly = np.where(labels > 0, labels[r2, c2], 0)
    wiggly = np.where((wiggly == 0) & (labels > 0), labels, wiggly)
    geoms, ids = [], []
    for geom, value in shapes(wiggly, mask=wiggly > 0, transform=transform):
        geoms.append(shapely.geometry.shape(geom))
        ids.append(int(value))
    gdf = gpd.GeoDataFrame({"idx": ids}, geometry=geoms, crs=9213).dissolve("idx").reset_index()
    gdf["code"] = communes["code"].to_numpy()[gdf["idx"] - 1]
    gdf[["code", "geometry"]].to_file(path)
    return path
