"""Exact coverage fractions and the minimum-area sieve, against hand-built truth and exactextract."""

import numpy as np
import pytest
import shapely
import shapely.affinity
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.transform import from_origin

from gisplan.zonal import coverage, min_patch_pixels, sieve_small


def dense(cov, n_zones, shape):
    out = np.zeros((n_zones, *shape))
    np.add.at(out, (cov.b_zone, cov.b_row, cov.b_col), cov.b_frac)
    for z, r, c0, c1 in zip(cov.r_zone, cov.r_row, cov.r_c0, cov.r_c1, strict=True):
        out[z, r, c0:c1] += 1
    return out


def test_square_on_half_pixels():
    # 1 m pixels; the square covers 2×2 m starting at half a pixel
    cov = coverage([shapely.box(0.5, 6.5, 2.5, 8.5)], from_origin(0, 10, 1, 1))
    got = dense(cov, 1, (5, 4))[0]
    want = np.zeros((5, 4))
    want[1:4, 0:3] = [[0.25, 0.5, 0.25], [0.5, 1, 0.5], [0.25, 0.5, 0.25]]
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_rotated_square_by_hand():
    # a square of side 2 rotated 45° centred on a pixel corner: each of the four pixels around
    # the centre holds one quarter (1 m²), the 8 others the small triangles
    d = np.sqrt(2)
    diamond = shapely.Polygon([(5 - d, 5), (5, 5 + d), (5 + d, 5), (5, 5 - d)])
    got = dense(coverage([diamond], from_origin(0, 10, 1, 1)), 1, (10, 10))[0]
    assert got.sum() == pytest.approx(4.0)
    # the pixel [4,5]x[5,6] (row 4, col 4): the part of the diamond in it is the unit square
    # minus the triangle beyond the edge x + y = 10 + d ... computed by shapely as a second method
    for r in range(3, 7):
        for c in range(3, 7):
            cell = shapely.box(c, 10 - r - 1, c + 1, 10 - r)
            assert got[r, c] == pytest.approx(diamond.intersection(cell).area, abs=1e-12)


def test_hole_and_multipolygon():
    outer = shapely.box(0, 0, 6, 6).difference(shapely.box(2, 2, 4, 4))
    multi = shapely.MultiPolygon([outer, shapely.box(7.25, 0, 8.75, 1.5)])
    got = dense(coverage([multi], from_origin(0, 6, 1, 1)), 1, (6, 9))[0]
    assert got[2:4, 2:4].sum() == 0  # the hole
    assert got.sum() == pytest.approx(multi.area)
    assert got[5, 7] == pytest.approx(0.75) and got[4, 8] == pytest.approx(0.75 * 0.5)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000))
def test_random_polygons_match_shapely_cell_by_cell(seed):
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 20, (12, 2))
    poly = shapely.convex_hull(shapely.multipoints(pts)).buffer(rng.uniform(0, 2), quad_segs=3)
    hole = shapely.box(*(pts.mean(axis=0) - 1), *(pts.mean(axis=0) + 1))
    poly = poly.difference(hole) if rng.uniform() < 0.5 else poly
    res = rng.uniform(0.7, 2.3)
    t = from_origin(-3.3, 24.1, res, res)
    got = dense(coverage([poly], t), 1, (60, 60))[0]
    rows, cols = np.nonzero(got)
    for r, c in zip(rows[:40], cols[:40], strict=True):
        x0, y1 = t * (c, r)
        cell = shapely.box(x0, y1 - res, x0 + res, y1)
        assert got[r, c] == pytest.approx(poly.intersection(cell).area / res**2, abs=1e-9)
    assert got.sum() * res**2 == pytest.approx(poly.area, rel=1e-9)


def test_matches_exactextract_weighted_sums(tmp_path):
    exactextract = pytest.importorskip("exactextract")
    import geopandas as gpd
    import rasterio

    rng = np.random.default_rng(3)
    data = rng.integers(0, 101, (80, 90)).astype("float32")
    t = from_origin(500_000, 2_400_000, 30, 30)
    path = tmp_path / "r.tif"
    with rasterio.open(path, "w", driver="GTiff", width=90, height=80, count=1, dtype="float32",
                       crs="EPSG:9213", transform=t) as ds:
        ds.write(data, 1)
    polys = []
    for _ in range(8):
        c = rng.uniform([500_300, 2_397_900], [502_400, 2_399_700])
        polys.append(shapely.affinity.rotate(shapely.box(*(c - rng.uniform(100, 500, 2)), *(c + rng.uniform(100, 500, 2))),
                                             rng.uniform(0, 90)))
    gdf = gpd.GeoDataFrame({"id": range(8)}, geometry=polys, crs=9213)
    ee = exactextract.exact_extract(str(path), gdf, ["sum", "count"], include_cols=["id"], output="pandas")
    cov = coverage(gdf.geometry.values, t).clip(80, 90)
    sums = np.bincount(cov.b_zone, weights=cov.b_frac * data[cov.b_row, cov.b_col], minlength=8)
    counts = cov.cells_per_zone(8)
    for z, r, c0, c1 in zip(cov.r_zone, cov.r_row, cov.r_c0, cov.r_c1, strict=True):
        sums[z] += data[r, c0:c1].sum()
    np.testing.assert_allclose(sums, ee["sum"], rtol=1e-6)
    np.testing.assert_allclose(counts, ee["count"], rtol=1e-6)


def test_min_patch_pixels_and_sieve():
    assert min_patch_pixels(0.3e4, 900) == 4  # 30 m: 3 px = 0.27 ha < 0.3, 4 px = 0.36 ha
    assert min_patch_pixels(0.3e4, 100) == 30  # 10 m: 30 px = exactly 0.3 ha, kept
    assert min_patch_pixels(0, 900) == 0
    m = np.zeros((8, 8), bool)
    m[0, 0:3] = True  # 3 px: dropped
    m[3, 0:2] = m[4, 0:2] = True  # 4 px: kept
    m[6, 4] = m[7, 5] = m[6, 6] = m[7, 7] = True  # diagonal chain of 4: 8-connected patch
    eight = sieve_small(m, 4, connectivity=8)
    assert not eight[0].any() and eight[3:5, 0:2].all() and eight[6:, 4:].sum() == 4
    four = sieve_small(m, 4, connectivity=4)
    assert four[6:, 4:].sum() == 0
    # open edges keep patches that may continue beyond the strip
    assert sieve_small(m, 4, open_top=True)[0, 0:3].all()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([1.0, 2.0, 4.0]))
def test_vertices_and_edges_on_grid_lines_match_shapely(seed, snap):
    """Vertices on grid lines or corners and edges along them (cuts that fall on an edge's end,
    vertical and horizontal edges) against shapely, cell by cell, over the whole grid."""
    rng = np.random.default_rng(seed)
    pts = np.round(rng.uniform(0, 14, (9, 2)) * snap) / snap
    poly = shapely.convex_hull(shapely.multipoints(pts))
    if rng.uniform() < 0.5:
        poly = poly.union(shapely.box(*np.sort(np.round(rng.uniform(0, 14, 2))), *np.sort(np.round(rng.uniform(0, 14, 2)))))
    poly = shapely.MultiPolygon([g for g in shapely.get_parts(poly) if g.geom_type == "Polygon"])
    if poly.area == 0:
        return
    t = from_origin(-2, 16, 1, 1)
    got = dense(coverage([poly], t), 1, (20, 20))[0]
    rows, cols = np.indices((20, 20))
    cells = shapely.box(-2 + cols.ravel(), 16 - rows.ravel() - 1, -1 + cols.ravel(), 16 - rows.ravel())
    want = shapely.area(shapely.intersection(poly, cells)).reshape(20, 20)
    np.testing.assert_allclose(got, want, atol=1e-12)
