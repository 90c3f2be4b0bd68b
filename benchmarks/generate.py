"""Province-scale benchmark inputs (synthetic), built on demand under benchmarks/_data/.

- communes.gpkg: the 92 communes/wards of the demo province (EPSG:9213)
- canopy_30m.tif, canopy_10m.tif: canopy cover % over the province (uint8, nodata 255),
  patchy forest with many small clumps so that the minimum-area rule matters
- forest_{30m,10m}.tif: the same thresholded at 10 % (0/1), the input the peers are given
- parcels_200k.gpkg: 200,000 forest-status-like parcels tiling the province, plain Voronoi cells
  (~6 vertices each)
- parcels_real_200k.gpkg: the same tiling shaped like surveyed parcels: every edge densified
  every 40 m and the vertices of the tiling displaced by one smooth field (~24 vertices, ~4.2 ha;
  neighbours still share their edges exactly: a valid coverage, no gap, no overlap)
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
    if not (DATA / "parcels_real_200k.gpkg").exists():
        realistic(gpd.read_file(DATA / "parcels_200k.gpkg")).to_file(DATA / "parcels_real_200k.gpkg")
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
    gdf = gpd.GeoDataFrame({"parcel_id": [f"L{i:06d}" for i in range(n)], "origin": rng.choice(["natural", "plantation"], n),
                            "purpose": rng.choice(["special_use", "protection", "production"], n),
                            "meets_criteria": rng.uniform(size=n) < 0.93, "year": 2024}, geometry=cells, crs=9213)
    gdf = gdf[~shapely.is_empty(gdf.geometry.values)]
    gdf.to_file(DATA / "parcels_200k.gpkg")


DENSIFY_M = 40.0  # vertex spacing along the edges of realistic parcels, m
BEND_M = 12.0  # standard deviation of the smooth displacement, m
BEND_WAVELENGTH_M = 400.0  # scale of the displacement field, m


def densify_shared(geoms: np.ndarray, spacing: float = DENSIFY_M) -> np.ndarray:
    """Polygons (no holes) with a vertex every ``spacing`` m or less along every edge.

    Each segment is split in ``ceil(length / spacing)`` equal parts computed from its two end
    points in a fixed order (the smaller coordinate pair first), so the edge a polygon shares
    with its neighbour (traversed the other way) gets bit-identical vertices in both.
    """
    import shapely

    polys, owner = shapely.get_parts(geoms, return_index=True)
    rings, ring_poly = shapely.get_rings(polys, return_index=True)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    last = np.r_[ring_of[1:] != ring_of[:-1], True]  # the closing vertex of each ring
    a, b = xy[:-1][~last[:-1]], xy[1:][~last[:-1]]
    seg_ring = ring_of[:-1][~last[:-1]]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    lo, hi = np.where(swap[:, None], b, a), np.where(swap[:, None], a, b)
    n = np.maximum(np.ceil(np.hypot(*(hi - lo).T) / spacing).astype(np.int64), 1)
    seg = np.repeat(np.arange(len(a)), n)
    k = np.arange(len(seg)) - np.repeat(np.cumsum(n) - n, n)  # 0 .. n-1 from a towards b
    ti = np.where(swap[seg], n[seg] - k, k)  # the same integer on both sides of a shared edge
    t = (ti / n[seg])[:, None]
    pts = lo[seg] + (hi[seg] - lo[seg]) * t
    pts[k == 0] = a[seg[k == 0]]  # segment starts: the original vertex, exactly
    ring_pts = seg_ring[seg]
    closing = np.r_[ring_pts[1:] != ring_pts[:-1], True]
    # close each ring with its first vertex
    first = np.r_[0, np.flatnonzero(closing[:-1]) + 1]
    out = np.insert(pts, np.flatnonzero(closing) + 1, pts[first], axis=0)
    out_ring = np.insert(ring_pts, np.flatnonzero(closing) + 1, ring_pts[first])
    return out, out_ring, ring_poly, owner


def bend(xy: np.ndarray, seed: int = SEED, sigma: float = BEND_M,
         wavelength: float = BEND_WAVELENGTH_M) -> np.ndarray:
    """``xy`` (m) moved by a smooth random displacement field (a function of position only, so
    a vertex shared by neighbours moves to the same place in both)."""
    rng = np.random.default_rng(seed)
    cell = wavelength / 4
    x0, y0 = xy.min(axis=0) - 2 * cell
    shape = (int((xy[:, 1].max() - y0) // cell) + 4, int((xy[:, 0].max() - x0) // cell) + 4)
    out = xy.copy()
    for axis in (0, 1):
        field = ndimage.gaussian_filter(rng.normal(size=shape), 2.0)
        field *= sigma / field.std()
        rows, cols = (xy[:, 1] - y0) / cell, (xy[:, 0] - x0) / cell
        out[:, axis] += ndimage.map_coordinates(field, [rows, cols], order=3, mode="nearest")
    return out


def realistic(plain, spacing: float = DENSIFY_M, *, exact_coverage: bool = True):
    """``plain`` (a coverage of polygons, EPSG:9213) shaped like surveyed parcels: edges densified
    every ``spacing`` m (default ``DENSIFY_M``), then every vertex of the tiling displaced by one smooth field; the
    attributes are kept. Raises when the result is not a valid coverage — unless ``exact_coverage``
    is False, for tilings whose neighbours do not share every vertex (lots cut by commune
    boundaries have T-junctions: the bent edges then differ by centimetres)."""
    import geopandas as gpd
    import shapely

    g = plain.geometry.to_numpy()
    if shapely.get_num_interior_rings(shapely.get_parts(g)).any():
        raise ValueError("parcels with holes are not supported here")
    xy, ring_of, ring_poly, owner = densify_shared(g, spacing)
    xy = bend(xy)
    rings = shapely.linearrings(xy, indices=ring_of)
    polys = shapely.polygons(rings)
    geoms = shapely.multipolygons(polys, indices=owner[ring_poly])
    one = shapely.get_num_geometries(geoms) == 1
    geoms[one] = shapely.get_geometry(geoms[one], 0)
    if not shapely.is_valid(geoms).all():
        raise ValueError(f"{int((~shapely.is_valid(geoms)).sum())} invalid parcels after bending")
    if exact_coverage and not shapely.coverage_is_valid(geoms):
        raise ValueError("the bent parcels are not a valid coverage (gap or overlap)")
    return gpd.GeoDataFrame(plain.drop(columns="geometry"), geometry=geoms, crs=plain.crs)


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


if __name__ == "__main__":
    print(ensure())
