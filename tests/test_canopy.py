"""Raster forest cover and change: hand-built truth and a brute-force second method."""

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
import shapely.affinity
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.transform import from_origin

from gisplan.errors import CRSError, SchemaError
from gisplan.indicators.canopy import forest_change_raster, forest_cover

X0, Y0, RES = 430_000.0, 2_390_000.0, 30.0
T = from_origin(X0, Y0, RES, RES)


def write(path, data, nodata=255, transform=T, crs="EPSG:9213"):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype="uint8", crs=crs, transform=transform, nodata=nodata,
                       tiled=data.shape[0] >= 16 and data.shape[1] >= 16, blockxsize=16, blockysize=16) as ds:
        ds.write(data.astype("uint8"), 1)
    return path


def cell(r, c):
    return shapely.box(X0 + c * RES, Y0 - (r + 1) * RES, X0 + (c + 1) * RES, Y0 - r * RES)


def brute(zone, forest, valid):
    """Second method: intersect every pixel with the zone (slow, obviously right)."""
    f = o = 0.0
    for r in range(forest.shape[0]):
        for c in range(forest.shape[1]):
            a = zone.intersection(cell(r, c)).area / 1e4
            o += a * valid[r, c]
            f += a * forest[r, c]
    return f, o


def zones(*geoms, crs=9213):
    return gpd.GeoDataFrame({"code": [f"Z{i}" for i in range(len(geoms))]}, geometry=list(geoms), crs=crs)


def test_aligned_square_by_hand(tmp_path):
    data = np.zeros((10, 10))
    data[2:6, 2:6] = 80  # a 4×4 forest block = 16 px × 0.09 ha = 1.44 ha
    path = write(tmp_path / "c.tif", data)
    z = shapely.box(X0 + 60, Y0 - 300, X0 + 300, Y0 - 60)  # rows 2..9, cols 2..9: 64 px
    res = forest_cover(path, zones(z), id_column="code").iloc[0]
    assert res.area_ha == pytest.approx(64 * 0.09)
    assert res.observed_ha == pytest.approx(64 * 0.09)
    assert res.forest_ha == pytest.approx(1.44)
    assert res.forest_pct == pytest.approx(25.0)


def test_half_pixels_rotated_and_holes_against_brute_force(tmp_path):
    rng = np.random.default_rng(1)
    data = np.where(rng.uniform(size=(20, 20)) < 0.5, 70, 3)
    data[:, :8] = 60  # a big patch so the minimum area does not matter here
    path = write(tmp_path / "c.tif", data)
    rot = shapely.affinity.rotate(shapely.box(X0 + 75, Y0 - 455, X0 + 410, Y0 - 95), 27)
    holed = shapely.box(X0 + 15, Y0 - 585, X0 + 590, Y0 - 15).difference(shapely.box(X0 + 200, Y0 - 400, X0 + 320, Y0 - 260))
    got = forest_cover(path, zones(rot, holed), id_column="code", mmu_ha=0)
    for geom, row in zip((rot, holed), got.itertuples(), strict=True):
        f, o = brute(geom, data >= 10, np.ones_like(data))
        assert row.forest_ha == pytest.approx(f, rel=1e-9)
        assert row.observed_ha == pytest.approx(o, rel=1e-9)
        assert row.area_ha == pytest.approx(geom.area / 1e4)
        assert abs(row.forest_pct - f / o * 100) < 0.01


def test_overlapping_zones_are_counted_independently(tmp_path):
    rng = np.random.default_rng(5)
    data = np.where(rng.uniform(size=(20, 20)) < 0.5, 70, 3)
    path = write(tmp_path / "c.tif", data)
    a = shapely.box(X0 + 15, Y0 - 400, X0 + 400, Y0 - 15)
    b = shapely.affinity.rotate(shapely.box(X0 + 200, Y0 - 550, X0 + 580, Y0 - 190), 20)  # overlaps a
    both = forest_cover(path, zones(a, b), id_column="code", mmu_ha=0)
    alone = [forest_cover(path, zones(g), id_column="code", mmu_ha=0).iloc[0] for g in (a, b)]
    for row, single, geom in zip(both.itertuples(), alone, (a, b), strict=True):
        f, o = brute(geom, data >= 10, np.ones_like(data))
        assert row.forest_ha == pytest.approx(single.forest_ha, rel=1e-12) == pytest.approx(f, rel=1e-9)


def test_nodata_is_neither_observed_nor_forest(tmp_path):
    data = np.full((10, 10), 90)
    data[0:5, 0:10] = 255  # cloud over the top half
    path = write(tmp_path / "c.tif", data)
    z = shapely.box(X0, Y0 - 300, X0 + 300, Y0)
    res = forest_cover(path, zones(z), id_column="code").iloc[0]
    assert res.observed_ha == pytest.approx(50 * 0.09)
    assert res.forest_ha == pytest.approx(50 * 0.09)
    assert res.forest_pct == pytest.approx(100.0)
    assert res.observed_pct == pytest.approx(50.0)


def test_minimum_area_patches_just_under_and_over(tmp_path):
    data = np.zeros((12, 12))
    data[1, 1:4] = 50  # 3 px = 0.27 ha < 0.3: not forest
    data[5:7, 1:3] = 50  # 4 px = 0.36 ha: forest
    data[9, 6] = data[10, 7] = data[9, 8] = data[10, 9] = 50  # 4 px touching only at corners
    path = write(tmp_path / "c.tif", data)
    z = zones(shapely.box(X0, Y0 - 360, X0 + 360, Y0))
    eight = forest_cover(path, z, id_column="code").iloc[0]
    assert eight.forest_ha == pytest.approx(8 * 0.09)
    four = forest_cover(path, z, id_column="code", connectivity=4).iloc[0]
    assert four.forest_ha == pytest.approx(4 * 0.09)
    off = forest_cover(path, z, id_column="code", mmu_ha=0).iloc[0]
    assert off.forest_ha == pytest.approx(11 * 0.09)
    # the patch counts whole even where a zone only clips it: the 4-px block is cut by the zone
    half = forest_cover(path, zones(shapely.box(X0, Y0 - 360, X0 + 60, Y0)), id_column="code").iloc[0]
    assert half.forest_ha == pytest.approx(2 * 0.09)


@pytest.mark.parametrize("strip_rows", [1, 3, 5, 64])
def test_strips_give_the_whole_raster_answer(tmp_path, strip_rows):
    rng = np.random.default_rng(7)
    data = (rng.uniform(size=(40, 37)) < 0.35) * 80  # many small patches
    data[rng.uniform(size=data.shape) < 0.05] = 255
    path = write(tmp_path / "c.tif", data)
    z = zones(shapely.affinity.rotate(shapely.box(X0 + 40, Y0 - 1100, X0 + 1000, Y0 - 30), 12),
              shapely.box(X0 + 500, Y0 - 700, X0 + 1050, Y0 - 300))
    whole = forest_cover(path, z, id_column="code", strip_rows=10_000)
    part = forest_cover(path, z, id_column="code", strip_rows=strip_rows)
    np.testing.assert_allclose(part.forest_ha, whole.forest_ha, rtol=1e-12)
    np.testing.assert_allclose(part.observed_ha, whole.observed_ha, rtol=1e-12)


def test_zone_partly_outside_and_other_crs(tmp_path):
    data = np.full((10, 10), 50)
    path = write(tmp_path / "c.tif", data)
    z = shapely.box(X0 - 150, Y0 - 300, X0 + 150, Y0)  # half outside the raster
    res = forest_cover(path, zones(z), id_column="code").iloc[0]
    assert res.area_ha == pytest.approx(9.0) and res.observed_ha == pytest.approx(4.5)
    # the same zone given in WGS 84 is reprojected to the raster's CRS
    ll = zones(z).to_crs(4326)
    res_ll = forest_cover(path, ll, id_column="code").iloc[0]
    assert res_ll.observed_ha == pytest.approx(4.5, rel=1e-5)
    assert ll.geometry.iloc[0].equals(zones(z).to_crs(4326).geometry.iloc[0])  # caller's data unchanged


def test_land_cover_classes(tmp_path):
    data = np.array([[1, 2, 3], [4, 5, 6], [7, 1, 1]])
    path = write(tmp_path / "lc.tif", data, nodata=0)
    res = forest_cover(path, zones(shapely.box(X0, Y0 - 90, X0 + 90, Y0)), id_column="code",
                       forest_classes=[1, 2], mmu_ha=0).iloc[0]
    assert res.forest_ha == pytest.approx(4 * 0.09) and res.observed_ha == pytest.approx(9 * 0.09)


def test_change_between_years(tmp_path):
    before = np.zeros((10, 10))
    after = np.zeros((10, 10))
    before[0:5, :] = 80  # 50 px forest
    after[0:3, :] = 80  # 20 px lost
    after[8:10, 0:5] = 70  # 10 px gained
    after[9, 9] = 255  # one pixel unobserved in 2024
    p0, p1 = write(tmp_path / "a.tif", before), write(tmp_path / "b.tif", after)
    res = forest_change_raster(p0, p1, zones(shapely.box(X0, Y0 - 300, X0 + 300, Y0)), id_column="code").iloc[0]
    assert res.loss_ha == pytest.approx(20 * 0.09)
    assert res.gain_ha == pytest.approx(10 * 0.09)
    assert res.net_ha == pytest.approx(-10 * 0.09)
    assert res.observed_ha == pytest.approx(99 * 0.09)
    other = write(tmp_path / "o.tif", after, transform=from_origin(X0 + 5, Y0, RES, RES))
    with pytest.raises(CRSError, match="same grid"):
        forest_change_raster(p0, other, zones(shapely.box(X0, Y0 - 300, X0 + 300, Y0)), id_column="code")


def test_bad_inputs(tmp_path):
    path = write(tmp_path / "c.tif", np.zeros((4, 4)))
    with pytest.raises(SchemaError, match="no column 'ma_xa'"):
        forest_cover(path, zones(shapely.box(X0, Y0 - 60, X0 + 60, Y0)), id_column="ma_xa")
    nocrs = write(tmp_path / "n.tif", np.zeros((4, 4)), crs=None)
    with pytest.raises(CRSError, match="no CRS"):
        forest_cover(nocrs, zones(shapely.box(X0, Y0 - 60, X0 + 60, Y0)), id_column="code")
    deg = write(tmp_path / "d.tif", np.zeros((4, 4)), crs="EPSG:4326", transform=from_origin(105.8, 21.6, 0.001, 0.001))
    with pytest.raises(CRSError, match="degrees"):
        forest_cover(deg, zones(shapely.box(X0, Y0 - 60, X0 + 60, Y0)), id_column="code")


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.floats(0, 100), st.floats(0, 1))
def test_invariants(seed, threshold, mmu):
    import tempfile
    from pathlib import Path

    rng = np.random.default_rng(seed)
    data = rng.integers(0, 101, (15, 15))
    data[rng.uniform(size=data.shape) < 0.1] = 255
    with tempfile.TemporaryDirectory() as d:
        path = write(Path(d) / "c.tif", data)
        cx, cy = rng.uniform(X0, X0 + 450), rng.uniform(Y0 - 450, Y0)
        z = shapely.affinity.rotate(shapely.box(cx - 100, cy - 150, cx + 120, cy + 90), rng.uniform(0, 90))
        res = forest_cover(path, zones(z), id_column="code", threshold=threshold, mmu_ha=mmu).iloc[0]
    assert 0 <= res.forest_ha <= res.observed_ha + 1e-9 <= res.area_ha + 2e-9
    if res.observed_ha > 0:
        assert 0 <= res.forest_pct <= 100 + 1e-9
