"""Raster forest cover and change: hand-built truth and a brute-force second method."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
import shapely.affinity
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.transform import from_origin

from gisplan.errors import CRSError, DataMissingError, GisplanWarning, SchemaError
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
    res = forest_cover(path, zones(z), id_column="code", min_observed_pct=50).iloc[0]
    assert res.observed_ha == pytest.approx(50 * 0.09)
    assert res.forest_ha == pytest.approx(50 * 0.09)
    assert res.forest_pct == pytest.approx(100.0)
    assert res.observed_pct == pytest.approx(50.0) and res.observed_ok
    # under the default 90 % observed, the zone is flagged and gets no percentage
    with pytest.warns(GisplanWarning, match=r"1 of 1 zones.*Z0 \(50\.0 %\)"):
        flagged = forest_cover(path, zones(z), id_column="code").iloc[0]
    assert not flagged.observed_ok and np.isnan(flagged.forest_pct)
    assert flagged.forest_ha == pytest.approx(50 * 0.09)


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
    with pytest.warns(GisplanWarning, match="Z0 \\(50.0 %\\)"):
        res = forest_cover(path, zones(z), id_column="code").iloc[0]
    assert res.area_ha == pytest.approx(9.0) and res.observed_ha == pytest.approx(4.5)
    assert res.observed_pct == pytest.approx(50.0) and not res.observed_ok and np.isnan(res.forest_pct)
    # the same zone given in WGS 84 is reprojected to the raster's CRS
    ll = zones(z).to_crs(4326)
    with pytest.warns(GisplanWarning, match="Z0"):
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
    # a raster that misses every zone: an error naming both extents in the raster's CRS
    deg = write(tmp_path / "d.tif", np.zeros((4, 4)), crs="EPSG:4326", transform=from_origin(105.8, 21.6, 0.001, 0.001))
    with pytest.raises(DataMissingError, match=r"d\.tif covers none of the 1 zones: raster bounds "
                                               r"\(105\.80000, 21\.59600, 105\.80400, 21\.60000\), zones' bounds "
                                               r"\(105\.8\d+, 21\.6\d+, .*WGS 84"):
        forest_cover(deg, zones(shapely.box(X0, Y0 - 60, X0 + 60, Y0)), id_column="code")
    far = zones(shapely.box(X0 + 10_000, Y0 - 60, X0 + 10_060, Y0))
    with pytest.raises(DataMissingError, match=r"raster bounds \(430000, 2389880, 430120, 2390000\), "
                                               r"zones' bounds \(440000, 2389940, 440060, 2390000\)"):
        forest_cover(path, far, id_column="code")
    with pytest.raises(DataMissingError, match="covers none"):
        forest_change_raster(path, path, far, id_column="code")


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
        res = forest_cover(path, zones(z), id_column="code", threshold=threshold, mmu_ha=mmu,
                           min_observed_pct=0).iloc[0]
    assert res.observed_ok and res.observed_pct == pytest.approx(res.observed_ha / res.area_ha * 100)
    if res.observed_ha > 0:
        assert 0 <= res.forest_ha <= res.observed_ha + 1e-9 <= res.area_ha + 2e-9
        assert 0 <= res.forest_pct <= 100 + 1e-9
    else:
        assert np.isnan(res.forest_ha) and np.isnan(res.forest_pct)


# --- CRS declared outside the file (catalog entry / open_raster(crs=…) / crs=) ------------------
def test_declared_crs_is_used_and_never_assumed(tmp_path):
    from gisplan.io import open_raster

    rng = np.random.default_rng(4)
    data = np.where(rng.uniform(size=(12, 12)) < 0.6, 80, 2)
    with_crs = write(tmp_path / "w.tif", data)
    nocrs = write(tmp_path / "n.tif", data, crs=None)
    z = zones(shapely.affinity.rotate(shapely.box(X0 + 20, Y0 - 300, X0 + 310, Y0 - 40), 15))
    want = forest_cover(with_crs, z, id_column="code")
    # no CRS in the file and none declared: the clear error, naming the ways to declare it
    with pytest.raises(CRSError, match="no CRS.*declare"):
        forest_cover(nocrs, z, id_column="code")
    with pytest.raises(CRSError, match="no CRS"):
        forest_change_raster(nocrs, nocrs, z, id_column="code")
    # declared with crs=, or through a RasterSource opened with the catalog's/declared CRS
    got = forest_cover(nocrs, z, id_column="code", crs="EPSG:9213")
    pd.testing.assert_frame_equal(got, want)
    src = open_raster(nocrs, crs="EPSG:9213")
    assert src.crs_declared
    pd.testing.assert_frame_equal(forest_cover(src, z, id_column="code"), want)
    # zones in another CRS are reprojected to the declared one
    got_ll = forest_cover(src, z.to_crs(4326), id_column="code")
    np.testing.assert_allclose(got_ll.forest_ha, want.forest_ha, rtol=1e-5)
    # a RasterSource of a file with its own CRS works the same
    pd.testing.assert_frame_equal(forest_cover(open_raster(with_crs), z, id_column="code"), want)
    # change: both years declared
    ch = forest_change_raster(src, open_raster(nocrs, crs=9213), z, id_column="code")
    ch_want = forest_change_raster(with_crs, with_crs, z, id_column="code")
    pd.testing.assert_frame_equal(ch, ch_want)
    ch2 = forest_change_raster(nocrs, with_crs, z, id_column="code", crs="EPSG:9213")
    pd.testing.assert_frame_equal(ch2, ch_want)
    # a declaration that contradicts the file, or a degree CRS, is an error, not a silent choice
    with pytest.raises(CRSError, match="declared"):
        forest_cover(with_crs, z, id_column="code", crs="EPSG:3405")
    with pytest.raises(CRSError, match="contradicts"):
        forest_cover(src, z, id_column="code", crs="EPSG:3405")
    with pytest.raises(CRSError, match="degrees"):
        forest_cover(nocrs, z, id_column="code", crs="EPSG:4326")


def test_change_name_column_and_loss_by_purpose_by_hand(tmp_path):
    before = np.zeros((10, 10))
    after = np.zeros((10, 10))
    before[0:6, :] = 80  # 60 px forest
    after[0:2, :] = 80  # rows 2..5 lost: 40 px
    p0, p1 = write(tmp_path / "a.tif", before), write(tmp_path / "b.tif", after)
    z = zones(shapely.box(X0, Y0 - 300, X0 + 150, Y0), shapely.box(X0 + 150, Y0 - 300, X0 + 300, Y0))
    z["name"] = ["Xã A", "Xã B"]
    # purposes: special-use over columns 0..3, protection over 4..9 above row 4, production below
    fs = gpd.GeoDataFrame(
        {"purpose": ["special_use", "protection", "production", "special_use"]},
        geometry=[shapely.box(X0, Y0 - 300, X0 + 60, Y0), shapely.box(X0 + 120, Y0 - 120, X0 + 300, Y0),
                  shapely.box(X0 + 120, Y0 - 300, X0 + 300, Y0 - 120), shapely.box(X0 + 60, Y0 - 300, X0 + 120, Y0)],
        crs=9213)
    res = forest_change_raster(p0, p1, z, id_column="code", forest_status=fs)
    assert list(res.columns[:2]) == ["code", "name"] and list(res["name"]) == ["Xã A", "Xã B"]
    assert list(res.columns[-3:]) == ["loss_special_use_ha", "loss_protection_ha", "loss_production_ha"]
    a, b = res.iloc[0], res.iloc[1]
    assert a.loss_ha == pytest.approx(20 * 0.09) and b.loss_ha == pytest.approx(20 * 0.09)
    # A (cols 0..4): special-use cols 0..3 → 16 px; protection col 4 rows 2..3 → 2 px; production col 4 rows 4..5 → 2 px
    assert a.loss_special_use_ha == pytest.approx(16 * 0.09)
    assert a.loss_protection_ha == pytest.approx(2 * 0.09) and a.loss_production_ha == pytest.approx(2 * 0.09)
    # B (cols 5..9): protection rows 2..3 → 10 px, production rows 4..5 → 10 px
    assert b.loss_special_use_ha == pytest.approx(0, abs=1e-12)
    assert b.loss_protection_ha == pytest.approx(10 * 0.09) and b.loss_production_ha == pytest.approx(10 * 0.09)
    # without forest status: no purpose columns; without a name column: no name
    plain = forest_change_raster(p0, p1, z.drop(columns="name"), id_column="code")
    assert "name" not in plain and "loss_protection_ha" not in plain
    pd.testing.assert_series_equal(plain["loss_ha"], res["loss_ha"])
    # the dissolved purpose zones give the same answer, and per purpose
    from gisplan.indicators.canopy import purpose_zones

    pz = purpose_zones(fs)
    assert list(pz["purpose"]) == ["special_use", "protection", "production"]
    assert pz.area.sum() == pytest.approx(fs.area.sum())
    again = forest_change_raster(p0, p1, z, id_column="code", forest_status=pz)
    pd.testing.assert_frame_equal(again, res)
    per = forest_change_raster(p0, p1, pz, id_column="purpose").set_index("purpose")
    assert per.loss_ha.to_dict() == pytest.approx({"special_use": 16 * 0.09, "protection": 12 * 0.09,
                                                   "production": 12 * 0.09})


def test_run_indicators_raster_tables_with_crs_declared_in_the_catalog(demo_small, tmp_path):
    """tree-cover files without a CRS, declared `crs = "EPSG:9213"` in the catalog: the raster
    tables are computed (not skipped); change per commune (with names), per protected area and
    per forest purpose."""
    import re

    from gisplan.catalog import load_catalog
    from gisplan.indicators.run import run_indicators

    cat = load_catalog(demo_small)
    text = demo_small.read_text(encoding="utf-8")
    for name in ("tree_cover_2020", "tree_cover_2024"):
        src = cat.entry(name).path
        with rasterio.open(src) as ds:
            profile, arr = ds.profile, ds.read(1)
        profile.pop("crs", None)
        dst = tmp_path / f"{name}_nocrs.tif"
        with rasterio.open(dst, "w", **profile) as out:
            out.write(arr, 1)
        with rasterio.open(dst) as check:
            assert check.crs is None
        text = re.sub(rf'(\[layers\.{name}\][^\[]*?)path = "[^"]+"',
                      lambda m, d=dst: f'{m.group(1)}path = "{d.as_posix()}"\ncrs = "EPSG:9213"', text)
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(text, encoding="utf-8")
    declared = load_catalog(catalog)
    for name in ("tree_cover_2020", "tree_cover_2024"):
        assert declared.entry(name).path.name == f"{name}_nocrs.tif" and declared.entry(name).crs == "EPSG:9213"
    res = run_indicators(declared)
    raster_tables = {"canopy_forest_cover_2020", "canopy_forest_cover_2024", "canopy_change_2020_2024",
                     "canopy_change_protected_areas_2020_2024", "canopy_change_purpose_2020_2024"}
    assert raster_tables <= set(res.tables), res.skipped
    ch = res["canopy_change_2020_2024"]
    communes = res["forest_cover_communes"]
    assert list(ch.columns[:2]) == ["code", "name"] and list(ch["name"]) == list(communes["name"])
    for col in ("loss_ha", "gain_ha", "net_ha", "loss_special_use_ha", "loss_protection_ha", "loss_production_ha"):
        assert col in ch
    assert (ch[["loss_special_use_ha", "loss_protection_ha", "loss_production_ha"]].sum(axis=1)
            <= ch["loss_ha"] + 1e-6).all()
    pa = res["canopy_change_protected_areas_2020_2024"]
    assert list(pa.columns[:2]) == ["pa_id", "name"]
    assert set(pa["pa_id"]) == set(res["forest_change_protected_areas"]["pa_id"])
    assert (pa["loss_ha"] >= 0).all() and pa["loss_special_use_ha"].sum() > 0
    per = res["canopy_change_purpose_2020_2024"].set_index("purpose")
    assert list(per.index[:3]) == ["special_use", "protection", "production"]
    # the communes tile the province, so the per-commune loss by purpose adds up to the per-purpose table
    for p in ("special_use", "protection", "production"):
        assert ch[f"loss_{p}_ha"].sum() == pytest.approx(per.loc[p, "loss_ha"], rel=1e-6, abs=1e-6)
    # same numbers as the rasters with their CRS in the file
    plain = run_indicators(cat)
    pd.testing.assert_frame_equal(plain["canopy_change_2020_2024"], ch)
    pd.testing.assert_frame_equal(plain["canopy_forest_cover_2024"], res["canopy_forest_cover_2024"])


def test_dissolve_of_a_nearly_clean_coverage_equals_the_full_union(caplog):
    """Lots that tile cleanly but for a few (one edge moved by a hair, one lot overlapping its
    neighbour, one duplicated): the clean ones are merged by coverage union, the others added by
    a full union; the result is the full union of them all."""
    import logging

    from gisplan.indicators.canopy_change import _dissolve

    xs, ys = np.meshgrid(np.arange(12) * 200.0 + X0, np.arange(10) * 200.0 + Y0)
    lots = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + 200, ys.ravel() + 200)
    lots[5] = shapely.box(X0 + 1000, Y0, X0 + 1200 + 1e-7, Y0 + 200)  # its right edge misses by 0.1 µm
    lots[30] = shapely.box(X0 + 1200, Y0 + 400, X0 + 1450, Y0 + 600)  # reaches 50 m into its neighbour
    lots = np.r_[lots, [shapely.Point(X0 + 3000, Y0 + 3000).buffer(80), lots[77]]]  # apart; a duplicate
    with caplog.at_level(logging.INFO, logger="gisplan.indicators.canopy_change"):
        merged = _dissolve(lots)
    assert "full union" in caplog.text
    ref = shapely.union_all(lots)
    assert shapely.is_valid(merged)
    assert shapely.area(shapely.symmetric_difference(merged, ref)) < 1e-6
    # by hand: the 12 × 10 grid of 200 m lots, the 50 m strip, the disc apart
    assert shapely.area(merged) == pytest.approx(120 * 200 * 200 + 1e-7 * 200 + shapely.area(lots[-2]))
    clean = _dissolve(shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + 200, ys.ravel() + 200))
    assert shapely.area(clean) == pytest.approx(120 * 200 * 200) and shapely.get_num_geometries(clean) == 1


def test_change_sets_in_one_pass_equal_separate_calls(tmp_path):
    from gisplan.indicators.canopy import PURPOSE_TABLE, forest_change_raster_sets

    rng = np.random.default_rng(12)
    before = np.where(rng.uniform(size=(30, 30)) < 0.6, 80, 3)
    after = np.where(rng.uniform(size=(30, 30)) < 0.5, 80, 3)
    after[0:4, 0:6] = 255
    p0, p1 = write(tmp_path / "a.tif", before), write(tmp_path / "b.tif", after)
    communes = zones(shapely.box(X0, Y0 - 900, X0 + 430, Y0), shapely.box(X0 + 430, Y0 - 900, X0 + 900, Y0))
    communes["name"] = ["A", "B"]
    pas = gpd.GeoDataFrame({"pa_id": ["P1"], "name": ["Khu bảo tồn"]},
                           geometry=[shapely.affinity.rotate(shapely.box(X0 + 200, Y0 - 700, X0 + 650, Y0 - 250), 25)],
                           crs=9213).to_crs(4326)  # another CRS: reprojected to the rasters'
    fs = gpd.GeoDataFrame({"purpose": ["protection", "production", "outside_planning"]},
                          geometry=[shapely.box(X0 + 10, Y0 - 890, X0 + 300, Y0 - 10),
                                    shapely.box(X0 + 300, Y0 - 890, X0 + 890, Y0 - 10),
                                    shapely.box(X0 + 890, Y0 - 890, X0 + 900, Y0 - 10)], crs=9213)
    got = forest_change_raster_sets(p0, p1, {"communes": (communes, "code"), "pas": (pas, "pa_id")}, forest_status=fs,
                                    strip_rows=7)
    assert set(got) == {"communes", "pas", PURPOSE_TABLE}
    for key, (z, col) in {"communes": (communes, "code"), "pas": (pas, "pa_id")}.items():
        alone = forest_change_raster(p0, p1, z, id_column=col, forest_status=fs)
        pd.testing.assert_frame_equal(got[key], alone, rtol=1e-12)
    # special-use is absent: a zero column and an empty row; outside_planning is reported too
    assert list(got["communes"].columns[-4:]) == ["loss_special_use_ha", "loss_protection_ha", "loss_production_ha",
                                                  "loss_outside_planning_ha"]
    assert (got["communes"]["loss_special_use_ha"] == 0).all()
    per = got[PURPOSE_TABLE].set_index("purpose")
    assert list(per.index) == ["special_use", "protection", "production", "outside_planning"]
    assert per.loc["special_use", "area_ha"] == 0 and np.isnan(per.loc["special_use", "net_pct"])
    np.testing.assert_allclose(per["loss_ha"].iloc[1:].to_numpy(),
                               got["communes"][["loss_protection_ha", "loss_production_ha",
                                                "loss_outside_planning_ha"]].sum().to_numpy(), rtol=1e-9)
    # the per-purpose table is the plain change over the dissolved purpose zones
    from gisplan.indicators.canopy import purpose_zones

    # (here summed from the communes' pieces, which cover every purpose zone; with only the
    # protected area, which does not, the purpose zones are counted themselves)
    # (zones must have a geometry: the absent special-use zone is left out of the direct call)
    pz = purpose_zones(fs)
    with pytest.raises(SchemaError, match=r"without a geometry .* row\(s\) 0 \('special_use'\)"):
        forest_change_raster(p0, p1, pz, id_column="purpose")
    direct = forest_change_raster(p0, p1, pz[~pz.is_empty], id_column="purpose").reset_index(drop=True)
    present = got[PURPOSE_TABLE].iloc[1:].reset_index(drop=True)
    pd.testing.assert_frame_equal(present, direct, rtol=1e-9)
    only_pa = forest_change_raster_sets(p0, p1, {"pas": (pas, "pa_id")}, forest_status=fs)
    pd.testing.assert_frame_equal(only_pa[PURPOSE_TABLE].iloc[1:].reset_index(drop=True), direct, rtol=1e-12)
    assert not only_pa[PURPOSE_TABLE]["observed_ok"].iloc[0] and np.isnan(only_pa[PURPOSE_TABLE]["loss_ha"].iloc[0])
    pd.testing.assert_frame_equal(only_pa["pas"], got["pas"], rtol=1e-12)


def test_cli_forest_cover_with_a_declared_raster_crs(tmp_path):
    from click.testing import CliRunner

    from gisplan.cli.main import cli

    data = np.where(np.random.default_rng(5).uniform(size=(12, 12)) < 0.5, 70, 0)
    with_crs = write(tmp_path / "w.tif", data)
    nocrs = write(tmp_path / "n.tif", data, crs=None)
    z = zones(shapely.box(X0 + 15, Y0 - 250, X0 + 290, Y0 - 35))
    z.to_file(tmp_path / "z.gpkg")
    run = CliRunner().invoke
    base = ["forest-cover", "--zones", str(tmp_path / "z.gpkg"), "--id-column", "code"]
    res = run(cli, [*base, "--raster", str(nocrs), "--out", str(tmp_path / "a.csv")])
    assert res.exit_code != 0 and "no CRS" in res.output
    res = run(cli, [*base, "--raster", str(nocrs), "--raster-crs", "EPSG:9213", "--out", str(tmp_path / "a.csv")])
    assert res.exit_code == 0, res.output
    want = forest_cover(with_crs, z, id_column="code")
    got = pd.read_csv(tmp_path / "a.csv", dtype={"code": str})
    np.testing.assert_allclose(got["forest_ha"], want["forest_ha"], rtol=1e-12)


def test_forest_change_raster_refuses_an_unknown_option(tmp_path):
    # its options are forwarded to forest_change_raster_sets: a misspelt one is refused by name
    with pytest.raises(TypeError, match="treshold"):
        forest_change_raster("a.tif", "b.tif", "zones.gpkg", id_column="code", treshold=20)


# TM-3 106°30' on the WGS 84 ellipsoid but in US survey feet (1 ft = 1200/3937 m)
US_FT = "+proj=tmerc +lat_0=0 +lon_0=106.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +units=us-ft +no_defs"


def test_a_raster_in_us_feet_is_measured_in_metres(tmp_path):
    """Cell sizes in feet are converted with the CRS's unit factor: areas in ha and the 0.3 ha
    minimum patch are the same as for the same ground in metres."""
    ft = 1200 / 3937
    x0, y0, res = 1_400_000.0, 7_800_000.0, 100.0  # feet
    px_m2 = (res * ft) ** 2  # 929.03 m² per cell
    data = np.zeros((10, 10))
    data[1:5, 1:5] = 80  # 16 cells = 1.486 ha: kept
    data[8, 6:9] = 80  # 3 cells = 0.279 ha < 0.3 ha: dropped (read as metres it would be 3 ha)
    path = write(tmp_path / "ft.tif", data, transform=from_origin(x0, y0, res, res), crs=US_FT)
    z = zones(shapely.box(x0, y0 - 10 * res, x0 + 10 * res, y0), crs=US_FT)
    got = forest_cover(path, z, id_column="code").iloc[0]
    assert got.area_ha == pytest.approx(100 * px_m2 / 1e4, rel=1e-9)
    assert got.forest_ha == pytest.approx(16 * px_m2 / 1e4, rel=1e-9)
    assert got.forest_pct == pytest.approx(16.0)
    # the same zone given in EPSG:9213 (reprojected to the raster's CRS) covers the same cells
    again = forest_cover(path, z.to_crs(9213), id_column="code").iloc[0]
    assert again.forest_ha == pytest.approx(got.forest_ha, rel=1e-6)
