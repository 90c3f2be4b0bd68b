"""Exact coverage fractions and the minimum-area sieve, against hand-built truth, exactextract and
plain scipy labelling."""

import numpy as np
import pytest
import shapely
import shapely.affinity
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.transform import from_origin
from scipy import ndimage

from gisplan import zonal
from gisplan.zonal import coverage, min_patch_pixels, sieve, sieve_small


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


# --- the minimum-area sieve against plain labelling ------------------------------------------------

def _labelled(mask, n_min, connectivity=8, opens=(False, False, False, False), pixel_area=None, min_area=None):
    """The rule written directly: label every patch with scipy, drop those below the minimum that
    touch no open edge (top, bottom, left, right)."""
    structure = np.ones((3, 3), bool) if connectivity == 8 else None
    labels, n = ndimage.label(mask, structure=structure)
    if pixel_area is None:
        size = ndimage.sum_labels(np.ones(mask.shape), labels, np.arange(1, n + 1))
        small = size < n_min
    else:
        area = ndimage.sum_labels(np.broadcast_to(pixel_area, mask.shape), labels, np.arange(1, n + 1))
        small = area < min_area * (1 - 1e-12)
    edges = (labels[0], labels[-1], labels[:, 0], labels[:, -1])
    for is_open, edge in zip(opens, edges, strict=True):
        if is_open:
            small[edge[edge > 0] - 1] = False
    out = mask.copy()
    out[labels > 0] &= ~small[labels[labels > 0] - 1]
    return out


@pytest.fixture(params=["graph", "compiled", "scipy"])
def sparse_graph(request, monkeypatch):
    """Every way of judging the unsettled cells: as a sparse graph however many they are, and by
    labelling the window (the path when many are left) with the compiled union-find (numba) or
    scipy."""
    if request.param == "compiled":
        pytest.importorskip("numba")
    monkeypatch.setattr(sieve, "_JOIN_MAX_SHARE", 1.0 if request.param == "graph" else 0.0)
    monkeypatch.setattr(sieve, "USE_COMPILED", request.param == "compiled")
    monkeypatch.setattr(sieve, "COMPILED_MIN_CELLS", 0)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_min=st.sampled_from([2, 3, 4, 5, 6, 9, 10, 21, 25, 26, 30, 49, 77, 130]),
       connectivity=st.sampled_from([4, 8]), density=st.floats(0.05, 0.95),
       shape=st.tuples(st.integers(1, 45), st.integers(1, 45)), opens=st.tuples(*[st.booleans()] * 4),
       weighted=st.booleans(), path=st.sampled_from(["graph", "default", "scipy"]))
def test_sieve_equals_plain_labelling(seed, n_min, connectivity, density, shape, opens, weighted, path):
    """Random masks (smooth blobs and noise, so that patches of every size and shape occur, many
    touching the array's edges) give the same cells as labelling every patch: every minimum
    (settled by 3 × 3 to 11 × 11 box sums, or labelled above), both connectivities, open edges,
    cell areas per row; the unsettled cells joined as a graph however many they are, the
    default (the window labelled when they are many, compiled if numba is installed), and scipy's
    labelling instead of the compiled one."""
    rng = np.random.default_rng(seed)
    h, w = shape
    smooth = ndimage.uniform_filter(rng.uniform(size=(h, w)), size=int(rng.integers(1, 6)))
    mask = np.where(rng.uniform(size=(h, w)) < 0.15, rng.uniform(size=(h, w)) < density,
                    smooth > np.quantile(smooth, 1 - density))
    pixel_area = rng.uniform(90, 110, (h, 1)) if weighted else None
    min_area = n_min * 100.0 if weighted else None
    saved = sieve._JOIN_MAX_SHARE, sieve.USE_COMPILED, sieve.COMPILED_MIN_CELLS
    sieve._JOIN_MAX_SHARE = 1.0 if path == "graph" else saved[0]
    sieve.USE_COMPILED, sieve.COMPILED_MIN_CELLS = path != "scipy", 0
    try:
        got = sieve_small(mask, n_min, connectivity=connectivity, open_top=opens[0], open_bottom=opens[1],
                          open_left=opens[2], open_right=opens[3], pixel_area=pixel_area, min_area=min_area)
    finally:
        sieve._JOIN_MAX_SHARE, sieve.USE_COMPILED, sieve.COMPILED_MIN_CELLS = saved
    want = _labelled(mask, n_min, connectivity, opens, pixel_area, min_area)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("n_min", [4, 30])
def test_patch_of_exactly_the_minimum_is_kept_and_one_cell_less_dropped(n_min, sparse_graph):
    """By hand: 0.3 ha is 4 cells at 30 m (3.33 → 4) and 30 cells at 10 m. A compact block and a
    one-cell-wide diagonal of exactly ``n_min`` cells are kept (8-connectivity); the same shapes
    one cell short are dropped; with 4-connectivity a diagonal is ``n_min`` patches of one cell."""
    rows = 2 if n_min == 4 else 5  # blocks 2 × 2 and 5 × 6
    cols = n_min // rows
    block = np.zeros((80, 80), bool)
    block[2: 2 + rows, 2: 2 + cols] = True
    short_block = np.zeros((80, 80), bool)
    short_block[12: 12 + rows, 2: 2 + cols] = True
    short_block[12 + rows - 1, 2 + cols - 1] = False
    diag = np.zeros((80, 80), bool)
    diag[22 + np.arange(n_min), 20 + np.arange(n_min)] = True
    short_diag = np.zeros((80, 80), bool)  # running the other way, 3 or more cells from `diag`
    short_diag[22 + np.arange(n_min - 1), 79 - np.arange(n_min - 1)] = True
    m = block | short_block | diag | short_diag
    assert [block.sum(), short_block.sum(), diag.sum(), short_diag.sum()] == [n_min, n_min - 1] * 2
    assert m.sum() == 4 * n_min - 2
    np.testing.assert_array_equal(sieve_small(m, n_min, connectivity=8), block | diag)
    np.testing.assert_array_equal(sieve_small(m, n_min, connectivity=4), block)
    # on a geographic grid (areas per row) the patch's area decides: n_min cells of 99 m² are below
    # n_min × 100 m², the same cells of 101 m² reach it
    for cell, want in ((99.0, np.zeros_like(m)), (101.0, block | diag)):
        got = sieve_small(m, n_min, pixel_area=np.full((80, 1), cell), min_area=n_min * 100.0)
        np.testing.assert_array_equal(got, want)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_min=st.integers(2, 40), connectivity=st.sampled_from([4, 8]),
       density=st.floats(0.05, 0.95), shape=st.tuples(st.integers(1, 40), st.integers(1, 40)),
       opens=st.tuples(*[st.booleans()] * 4), weighted=st.booleans())
def test_compiled_labelling_equals_plain_labelling(seed, n_min, connectivity, density, shape, opens, weighted):
    """The compiled union-find (numba, used for windows with many unsettled cells) keeps the same
    cells as scipy's labelling, on noise (patches of every shape, many on the edges)."""
    pytest.importorskip("numba")
    from gisplan.zonal._sieve_numba import sieve_union_find

    rng = np.random.default_rng(seed)
    mask = rng.uniform(size=shape) < density
    row_area = rng.uniform(90, 110, shape[0]) if weighted else np.empty(0)
    min_area = n_min * 100.0 if weighted else 0.0
    got = sieve_union_find(mask.view(np.uint8), n_min, connectivity == 8, *opens, row_area, min_area)
    want = _labelled(mask, n_min, connectivity, opens, row_area[:, None] if weighted else None,
                     min_area if weighted else None)
    np.testing.assert_array_equal(got, want)


def test_box_sums_count_only_cells_joined_to_the_patch(sparse_graph):
    """Cells of another patch inside the box must not make a small patch look large. 8-connected:
    a 5 × 5 block missing its corner plus 4 cells below (28 cells) and a lone cell touching only
    the missing corner: 29 forest cells in the 7 × 7 box, but no patch of 29 (minimum 29: both
    dropped). 4-connected: a 3 × 3 block and 4 lone cells on the corners of its 5 × 5 box (they
    touch the block only diagonally): 13 cells in the box, patches of 9 and 1 (minimum 13)."""
    m = np.zeros((20, 20), bool)
    m[8:13, 8:13] = True
    m[8, 8] = False
    m[13, 9:13] = True
    m[7, 7] = True
    assert m.sum() == 29 and m[7:14, 7:14].sum() == 29
    assert not sieve_small(m, 29, connectivity=8).any()
    assert sieve_small(m, 28, connectivity=8).sum() == 28  # the block is kept, the lone cell dropped
    m = np.zeros((20, 20), bool)
    m[8:11, 8:11] = True
    m[[7, 7, 11, 11], [7, 11, 7, 11]] = True
    assert m[7:12, 7:12].sum() == 13
    assert not sieve_small(m, 13, connectivity=4).any()
    block = np.zeros_like(m)
    block[8:11, 8:11] = True
    np.testing.assert_array_equal(sieve_small(m, 9, connectivity=4), block)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_min=st.sampled_from([3, 4, 12, 30]), connectivity=st.sampled_from([4, 8]))
def test_windowed_sieve_equals_whole_raster(tmp_path_factory, seed, n_min, connectivity):
    """Streamed in small windows with a halo of ``n_min`` cells (patches cut by window edges and
    by the halo's edge), the forest counted equals the sieve of the whole raster at once."""
    import rasterio

    rng = np.random.default_rng(seed)
    h, w = 37, 41
    smooth = ndimage.uniform_filter(rng.uniform(size=(h, w)), size=3)
    data = np.where((smooth > 0.55) | (rng.uniform(size=(h, w)) < 0.12), 50, 0).astype("uint8")
    path = tmp_path_factory.mktemp("sieve") / "c.tif"
    t = from_origin(0, h * 10.0, 10, 10)
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="uint8", crs="EPSG:9213",
                       transform=t) as ds:
        ds.write(data, 1)

    def classify(arrays, masks, strip):
        kept = sieve_small(arrays[0] >= 10, n_min, connectivity=connectivity, open_top=strip.open_top,
                           open_bottom=strip.open_bottom, open_left=strip.open_left, open_right=strip.open_right)
        return strip.core(kept.astype(np.int8))

    zone = np.array([shapely.box(0, 0, w * 10.0, h * 10.0)], dtype=object)
    sums = zonal.class_sums([str(path)], zone, classify, 2, halo=n_min, strip_rows=int(rng.integers(3, 12)),
                            tile_cols=int(rng.integers(3, 12)))
    assert sums[0, 1] == _labelled(data >= 10, n_min, connectivity).sum()


def test_package_names_are_the_modules_own_and_the_sieve_switches_are_set_on_the_sieve():
    """``gisplan.zonal`` re-exports the objects of its modules; a sieve switch assigned on the
    package (where the sieve would never read it) is refused, naming the module to set it on."""
    from gisplan.zonal import exact_coverage, windows

    assert zonal.coverage is exact_coverage.coverage and zonal.Coverage is exact_coverage.Coverage
    assert zonal.sieve_small is sieve.sieve_small and zonal.min_patch_pixels is sieve.min_patch_pixels
    assert zonal.class_sums is windows.class_sums and zonal.process_window.__module__ == "gisplan.zonal.windows"
    with pytest.raises(AttributeError, match=r"gisplan\.zonal\.sieve\.USE_COMPILED"):
        zonal.USE_COMPILED = False
    assert sieve.USE_COMPILED is True
