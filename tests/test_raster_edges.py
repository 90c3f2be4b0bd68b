"""Raster forest cover at the edges of real data: zones the raster observes only in part, NaN as
nodata, rasters that miss the zones, windowed reading of a huge sparse raster, option ranges,
zones files through the one reader, outputs that would overwrite an input, rasters in degrees.

Every raster is built here with rasterio; expected values are worked out by hand from the
pixels written or, for rasters in degrees, from geodesic polygon areas (pyproj.Geod).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import rasterio.io
import shapely
from click.testing import CliRunner
from pyproj import Geod
from rasterio.transform import from_origin
from rasterio.windows import Window
from scipy import ndimage

from gisplan.cli.main import cli
from gisplan.errors import (
    AssumedCRSWarning,
    GisplanWarning,
    OptionError,
    ReadError,
    SchemaError,
    ValidationError,
)
from gisplan.indicators.canopy import (
    FOREST,
    forest_change_raster,
    forest_change_raster_sets,
    forest_cover,
)
from gisplan.indicators.forest_definition import ForestDefinition

X0, Y0, RES = 430_000.0, 2_390_000.0, 30.0  # 30 m pixels: 0.09 ha; 0.3 ha → 4 pixels
PX_HA = RES * RES / 1e4


def write(path, data, *, nodata=255, dtype="uint8", transform=None, crs="EPSG:9213"):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype=dtype, crs=crs, transform=transform or from_origin(X0, Y0, RES, RES),
                       nodata=nodata) as ds:
        ds.write(data.astype(dtype), 1)
    return path


def box_px(r0, c0, r1, c1):
    """Polygon over pixel rows r0…r1-1, columns c0…c1-1 of the 30 m grid."""
    return shapely.box(X0 + c0 * RES, Y0 - r1 * RES, X0 + c1 * RES, Y0 - r0 * RES)


def zones(*geoms, ids=None, crs=9213):
    ids = ids or [f"Z{i}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"code": ids}, geometry=list(geoms), crs=crs)


def cli_run(*args):
    return CliRunner().invoke(cli, [*map(str, args)])


# --- 1. observed share ---------------------------------------------------------------------------
def test_zones_observed_below_the_minimum_are_flagged_with_nan(tmp_path):
    data = np.full((20, 20), 80)
    data[:, 10:] = 5  # right half: not forest
    data[0:10, 0:5] = 255  # nodata block
    path = write(tmp_path / "c.tif", data)
    # A: rows 0..9, cols 0..9 → 50 of 100 px observed; B: rows 10..19, cols 0..19 → all observed,
    # 100 forest px of 200; C: half outside the raster (cols -10..9 of rows 10..19) → 50 %
    z = zones(box_px(0, 0, 10, 10), box_px(10, 0, 20, 20), box_px(10, -10, 20, 10))
    with pytest.warns(GisplanWarning, match=r"2 of 3 zones .*less than 90 %.*Z0 \(50\.0 %\), Z2 \(50\.0 %\)"):
        t = forest_cover(path, z, id_column="code", mmu_ha=0).set_index("code")
    assert t.loc["Z0", "observed_ha"] == pytest.approx(50 * PX_HA) and t.loc["Z0", "observed_pct"] == pytest.approx(50)
    assert t.loc["Z0", "forest_ha"] == pytest.approx(50 * PX_HA)  # measured, but no percentage
    assert list(t["observed_ok"]) == [False, True, False]
    assert np.isnan(t.loc["Z0", "forest_pct"]) and np.isnan(t.loc["Z2", "forest_pct"])
    assert t.loc["Z1", "forest_pct"] == pytest.approx(50.0) and t.loc["Z1", "observed_pct"] == pytest.approx(100)
    # the threshold is an option: at 50 % every zone here has its percentage
    t50 = forest_cover(path, z, id_column="code", mmu_ha=0, min_observed_pct=50).set_index("code")
    assert t50["observed_ok"].all() and t50.loc["Z0", "forest_pct"] == pytest.approx(100.0)
    assert t50.loc["Z2", "forest_pct"] == pytest.approx(100.0)  # its 100 px inside (cols 0..9) are forest
    # a zone the raster never observed: NaN areas, not 0
    cloud = zones(box_px(0, 0, 10, 5))
    with pytest.warns(GisplanWarning, match=r"Z0 \(0\.0 %\)"):
        c = forest_cover(path, cloud, id_column="code").iloc[0]
    assert c.observed_ha == 0 and np.isnan(c.forest_ha) and np.isnan(c.forest_pct) and not c.observed_ok


def test_change_tables_report_the_observed_share(tmp_path):
    before = np.full((20, 20), 80)
    after = before.copy()
    after[10:20, 0:10] = 3  # 100 px lost
    after[0:10, 10:20] = 255  # unobserved in the second year
    p0, p1 = write(tmp_path / "a.tif", before), write(tmp_path / "b.tif", after)
    communes = zones(box_px(0, 0, 20, 10), box_px(0, 10, 20, 20))
    pas = gpd.GeoDataFrame({"pa_id": ["P1"]}, geometry=[box_px(0, 10, 10, 20)], crs=9213)
    with pytest.warns(GisplanWarning) as rec:
        got = forest_change_raster_sets(p0, p1, {"communes": (communes, "code"), "pas": (pas, "pa_id")})
    messages = [str(w.message) for w in rec]
    assert any("forest change (communes): 1 of 2 zones" in m and "Z1 (50.0 %)" in m for m in messages)
    assert any("forest change (pas): 1 of 1 zones" in m and "P1 (0.0 %)" in m for m in messages)
    c = got["communes"].set_index("code")
    assert list(c.columns[:4]) == ["area_ha", "observed_ha", "observed_pct", "observed_ok"]
    assert c.loc["Z0", "loss_ha"] == pytest.approx(100 * PX_HA) and c.loc["Z0", "net_pct"] == pytest.approx(-50)
    assert not c.loc["Z1", "observed_ok"] and np.isnan(c.loc["Z1", "net_pct"])
    assert c.loc["Z1", "loss_ha"] == 0  # observed half: nothing lost there (a measured 0)
    p = got["pas"].iloc[0]
    assert p.observed_ha == 0 and np.isnan(p.loss_ha) and np.isnan(p.forest_before_ha) and np.isnan(p.net_pct)


# --- 2. NaN is nodata ----------------------------------------------------------------------------
@pytest.mark.parametrize("nodata", [None, -9999.0, float("nan")])
def test_nan_and_inf_are_nodata_in_float_rasters(tmp_path, nodata):
    data = np.full((10, 10), 50.0, dtype="float32")
    data[0:2, :] = np.nan  # 20 px
    data[2, 0:5] = np.inf  # 5 px
    data[2, 5:10] = -np.inf  # 5 px
    data[3, :] = -9999.0 if nodata == -9999.0 else 2.0  # declared nodata, or observed non-forest
    path = write(tmp_path / "f.tif", data, nodata=nodata, dtype="float32")
    t = forest_cover(path, zones(box_px(0, 0, 10, 10)), id_column="code", mmu_ha=0, min_observed_pct=0).iloc[0]
    observed = 100 - 30 - (10 if nodata == -9999.0 else 0)
    assert t.observed_ha == pytest.approx(observed * PX_HA)
    assert t.forest_ha == pytest.approx(60 * PX_HA)  # rows 4..9
    assert t.forest_pct == pytest.approx(60 / observed * 100)


# --- 3. a raster that misses every zone ----------------------------------------------------------
def test_cli_raster_missing_every_zone_is_an_error_not_an_empty_table(tmp_path):
    path = write(tmp_path / "c.tif", np.full((10, 10), 80))
    z = zones(shapely.box(X0 + 5_000, Y0 + 1_000, X0 + 6_000, Y0 + 2_000)).to_crs(4326)
    z.to_file(tmp_path / "z.gpkg")
    res = cli_run("forest-cover", "--raster", path, "--zones", tmp_path / "z.gpkg", "--id-column", "code",
                  "--out", tmp_path / "o.csv")
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "covers none of the 1 zones" in res.output and "raster bounds (430000, 2389700, 430300, 2390000)" in res.output
    assert "zones' bounds (435000, 2391000, 436000, 2392000)" in res.output  # in the raster's CRS
    assert not (tmp_path / "o.csv").exists()


# --- 4. only the zones' window is read ------------------------------------------------------------
@pytest.fixture
def read_log(monkeypatch):
    """Every window read through rasterio's dataset reader (data and masks)."""
    windows = []
    for name in ("read", "read_masks"):
        orig = getattr(rasterio.io.DatasetReader, name)

        def wrapped(self, *args, _orig=orig, **kw):
            win = kw.get("window")
            windows.append((self.height, self.width) if win is None else
                           (int(win.row_off), int(win.col_off), int(win.height), int(win.width)))
            return _orig(self, *args, **kw)
        monkeypatch.setattr(rasterio.io.DatasetReader, name, wrapped)
    return windows


def big_sparse_raster(path):
    """40,000 × 40,000 px of 10 m (400 km square), tiled 512 and deflated; only two blocks are
    written (rows 1024…1535, cols 1536…2559), the rest is sparse nodata: the file is small."""
    t = from_origin(X0, Y0, 10.0, 10.0)
    with rasterio.open(path, "w", driver="GTiff", width=40_000, height=40_000, count=1, dtype="uint8",
                       crs="EPSG:9213", transform=t, nodata=255, tiled=True, blockxsize=512, blockysize=512,
                       compress="deflate", sparse_ok=True) as ds:
        for c0 in (1536, 2048):  # block by block
            block = np.full((512, 512), 5, np.uint8)
            cols = np.arange(c0, c0 + 512)
            block[:, cols < 1700] = 80  # forest west of column 1700
            ds.write(block, 1, window=Window(c0, 1024, 512, 512))
    return path, t


def test_huge_sparse_raster_reads_only_the_window_of_the_zones(tmp_path, read_log):
    path, t = big_sparse_raster(tmp_path / "big.tif")
    assert path.stat().st_size < 200_000
    # zone: rows 1100…1299, cols 1600…1799 (200 × 200 px = 400 ha), forest in cols 1600…1699
    z = zones(shapely.box(t.c + 1600 * 10, t.f - 1300 * 10, t.c + 1800 * 10, t.f - 1100 * 10))
    got = forest_cover(path, z, id_column="code").iloc[0]
    assert got.area_ha == pytest.approx(400.0) and got.observed_ha == pytest.approx(400.0)
    assert got.forest_ha == pytest.approx(200.0) and got.forest_pct == pytest.approx(50.0)
    # the reads: rows 1100…1299 and cols 1600…1799 plus the minimum-area halo (0.3 ha = 30 px)
    halo = 30
    assert read_log, "no reads recorded"
    for r0, c0, h, w in read_log:
        assert 1100 - halo <= r0 and r0 + h <= 1300 + halo, (r0, h)
        assert 1600 - halo <= c0 and c0 + w <= 1800 + halo, (c0, w)
    # the window and its halo, plus the check of what the raster holds inside the zones' extent
    # (200 × 200 cells: read whole, below raster_checks.WHOLE_CELLS)
    assert sum(h * w for _, _, h, w in read_log) <= (200 + 2 * halo) ** 2 + 200 * 200
    # the change path reads the same window of both years
    read_log.clear()
    ch = forest_change_raster(path, path, z, id_column="code").iloc[0]
    assert ch.forest_before_ha == pytest.approx(200.0) and ch.loss_ha == 0
    assert read_log and all(1100 - halo <= r0 and r0 + h <= 1300 + halo and 1600 - halo <= c0
                            and c0 + w <= 1800 + halo for r0, c0, h, w in read_log)


def test_column_halo_keeps_the_whole_raster_answer_for_patches_across_the_window(tmp_path):
    """Patches that cross the window's left and right edges: one of n_min - 1 pixels (dropped)
    and one of n_min + 2 pixels whose part inside the window is smaller than n_min (kept)."""
    data = np.full((30, 40), 2)
    data[12, 8:11] = 80  # 3 px (< 4): crosses the zone's west edge (col 10) → dropped
    data[15, 27:33] = 80  # 6 px: crosses the east edge (col 30) with 3 px inside → kept
    data[20, 3:9] = 80  # 6 px, entirely west of the window halo: irrelevant
    path = write(tmp_path / "c.tif", data)
    z = zones(box_px(5, 10, 25, 30))  # rows 5..24, cols 10..29
    forest = data >= 10
    labels, n = ndimage.label(forest, structure=np.ones((3, 3)))
    kept = forest & (np.bincount(labels.ravel())[labels] >= 4)
    want = kept[5:25, 10:30].sum() * PX_HA  # by the whole-raster rule
    assert want == pytest.approx(3 * PX_HA)
    for strip_rows in (1, 4, 1024):
        got = forest_cover(path, z, id_column="code", strip_rows=strip_rows).iloc[0]
        assert got.forest_ha == pytest.approx(want)


# --- 5. options ----------------------------------------------------------------------------------
def test_forest_definition_holds_the_legal_defaults_and_is_validated():
    assert FOREST == ForestDefinition() == ForestDefinition(threshold=10.0, mmu_ha=0.3)
    with pytest.raises(AttributeError):
        FOREST.threshold = 20  # frozen
    for bad in ({"threshold": -5}, {"threshold": 100.5}, {"threshold": float("nan")}, {"mmu_ha": -1},
                {"mmu_ha": float("inf")}, {"threshold": "10"}):
        with pytest.raises(OptionError):
            ForestDefinition(**bad)


@pytest.mark.parametrize("kw, match", [
    ({"threshold": -5}, "threshold=-5 is outside 0–100"),
    ({"threshold": 101}, "outside 0–100"),
    ({"mmu_ha": -0.1}, "mmu_ha=-0.1 must be ≥ 0"),
    ({"mmu_ha": float("nan")}, "mmu_ha must be a finite number"),
    ({"forest_classes": []}, "non-empty list of integer"),
    ({"forest_classes": "1,2"}, "non-empty list of integer"),
    ({"forest_classes": [1.5]}, "non-empty list of integer"),
    ({"connectivity": 6}, "connectivity=6 must be 4 or 8"),
    ({"min_observed_pct": 120}, "min_observed_pct=120 is outside 0–100"),
])
def test_options_out_of_range_are_option_errors(tmp_path, kw, match):
    path = write(tmp_path / "c.tif", np.full((4, 4), 80))
    z = zones(box_px(0, 0, 4, 4))
    with pytest.raises(OptionError, match=match):
        forest_cover(path, z, id_column="code", **kw)
    with pytest.raises(OptionError, match=match):
        forest_change_raster(path, path, z, id_column="code", **kw)


def test_cli_bad_options_are_messages_not_tracebacks(tmp_path):
    path = write(tmp_path / "c.tif", np.full((4, 4), 80))
    zones(box_px(0, 0, 4, 4)).to_file(tmp_path / "z.gpkg")
    base = ["forest-cover", "--raster", path, "--zones", tmp_path / "z.gpkg", "--id-column", "code",
            "--out", tmp_path / "o.csv"]
    for extra, msg in ((["--forest-classes", "1,a"], "--forest-classes '1,a': give integer class codes"),
                       (["--threshold", "-5"], "threshold=-5.0 is outside 0–100"),
                       (["--mmu-ha", "-1"], "mmu_ha=-1.0 must be ≥ 0"),
                       (["--min-observed-pct", "200"], "min_observed_pct=200.0 is outside 0–100")):
        res = cli_run(*base, *extra)
        assert res.exit_code == 2 and msg in res.output and "Traceback" not in res.output, res.output
    assert not (tmp_path / "o.csv").exists()


# --- 6. zones through the one reader --------------------------------------------------------------
def test_zones_file_without_prj_layer_and_checks(tmp_path):
    data = np.full((10, 10), 80)
    data[:, 5:] = 3
    path = write(tmp_path / "c.tif", data)
    # a Shapefile without .prj in VN-2000 TM-3: recognised (warned), not refused
    z = zones(box_px(0, 0, 10, 10))
    z.to_file(tmp_path / "noprj.shp")
    (tmp_path / "noprj.prj").unlink()
    with pytest.warns(AssumedCRSWarning, match="no CRS; assumed VN-2000"):
        t = forest_cover(path, tmp_path / "noprj.shp", id_column="code", mmu_ha=0).iloc[0]
    assert t.forest_pct == pytest.approx(50.0)
    # the layer of a multi-layer GeoPackage
    gpkg = tmp_path / "multi.gpkg"
    zones(box_px(0, 0, 10, 5), ids=["W"]).to_file(gpkg, layer="west")
    zones(box_px(0, 5, 10, 10), ids=["E"]).to_file(gpkg, layer="east")
    east = forest_cover(path, gpkg, layer="east", id_column="code", mmu_ha=0).iloc[0]
    assert east.code == "E" and east.forest_pct == 0
    res = cli_run("forest-cover", "--raster", path, "--zones", gpkg, "--layer", "west", "--id-column", "code",
                  "--mmu-ha", 0, "--out", tmp_path / "w.csv")
    assert res.exit_code == 0, res.output
    assert pd.read_csv(tmp_path / "w.csv").loc[0, "forest_pct"] == pytest.approx(100.0)
    # a missing id column lists the columns present
    with pytest.raises(SchemaError, match=r"no column 'ma_xa'; columns: code$"):
        forest_cover(path, gpkg, layer="west", id_column="ma_xa")
    res = cli_run("forest-cover", "--raster", path, "--zones", gpkg, "--layer", "west", "--id-column", "ma_xa",
                  "--out", tmp_path / "x.csv")
    assert res.exit_code == 2 and "no column 'ma_xa'; columns: code" in res.output


def test_duplicated_ids_and_missing_geometries_are_errors_naming_rows(tmp_path):
    path = write(tmp_path / "c.tif", np.full((10, 10), 80))
    # one commune stored as two features: once 200 % and 66.7 %, now an error
    dup = zones(box_px(0, 0, 5, 5), box_px(0, 5, 5, 10), box_px(5, 0, 10, 10), ids=["A", "B", "A"])
    with pytest.raises(SchemaError, match=r"'A' at rows 0, 2.*dissolve by 'code'"):
        forest_cover(path, dup, id_column="code")
    with pytest.raises(SchemaError, match=r"'A' at rows 0, 2"):
        forest_change_raster(path, path, dup, id_column="code")
    empty = zones(box_px(0, 0, 5, 5), shapely.Polygon(), None, ids=["A", "B", "C"])
    with pytest.raises(SchemaError, match=r"2 zone\(s\) without a geometry .* row\(s\) 1 \('B'\), 2 \('C'\)"):
        forest_cover(path, empty, id_column="code")
    nulls = zones(box_px(0, 0, 5, 5), box_px(5, 0, 10, 5), ids=["A", None])
    with pytest.raises(SchemaError, match=r"'code' is empty at row\(s\) 1"):
        forest_cover(path, nulls, id_column="code")
    # through a file: the reader's geometry checks name the rows
    empty.to_file(tmp_path / "e.gpkg")
    with pytest.raises(ValidationError, match="row 1: geometry is empty"):
        forest_cover(path, tmp_path / "e.gpkg", id_column="code")
    dup.to_file(tmp_path / "d.gpkg")
    res = cli_run("forest-cover", "--raster", path, "--zones", tmp_path / "d.gpkg", "--id-column", "code",
                  "--out", tmp_path / "o.csv")
    assert res.exit_code == 2 and "'A' at rows 0, 2" in res.output and "Traceback" not in res.output


# --- 7. nothing overwritten ----------------------------------------------------------------------
def test_out_naming_an_input_is_refused_even_with_overwrite(tmp_path):
    path = write(tmp_path / "c.tif", np.full((10, 10), 80))
    z = zones(box_px(0, 0, 10, 10))
    z.to_file(tmp_path / "z.shp")
    z.to_file(tmp_path / "z.gpkg")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for out in (path, tmp_path / "z.gpkg", tmp_path / "sub" / ".." / "z.gpkg", tmp_path / "z.dbf"):
        zarg = tmp_path / ("z.shp" if out.suffix == ".dbf" else "z.gpkg")
        res = cli_run("forest-cover", "--raster", path, "--zones", zarg, "--id-column", "code", "--out", out,
                      "--overwrite")
        assert res.exit_code == 2 and "never writes over its inputs" in res.output, res.output
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


# --- 8. rasters in degrees ------------------------------------------------------------------------
GEOD = Geod(ellps="WGS84")


def geodesic_ha(geom, step=0.0002):
    """Area on the WGS 84 ellipsoid of a lon/lat polygon, densified so edges follow the grid."""
    return abs(GEOD.geometry_area_perimeter(shapely.segmentize(geom, step))[0]) / 1e4


def test_raster_in_degrees_uses_ellipsoidal_areas(tmp_path):
    t = from_origin(105.8, 21.6, 0.001, 0.001)  # ~104 m × 111 m cells over Thái Nguyên
    data = np.full((100, 100), 2, np.uint8)
    data[:, :50] = 80  # forest west of 105.85° E
    data[70, 80:82] = 80  # a 2-cell patch (~2.3 ha)
    data[75, 80:83] = 80  # a 3-cell patch (~3.5 ha)
    path = write(tmp_path / "deg.tif", data, transform=t, crs="EPSG:4326")
    zone = shapely.Polygon([(105.8123, 21.5234), (105.8777, 21.5311), (105.8702, 21.5888), (105.8199, 21.5801)])
    z = gpd.GeoDataFrame({"code": ["Z"]}, geometry=[zone], crs=4326)
    got = forest_cover(path, z, id_column="code", mmu_ha=0).iloc[0]
    west = shapely.box(105.8, 21.5, 105.85, 21.6)
    assert got.area_ha == pytest.approx(geodesic_ha(zone), rel=1e-4)
    assert got.observed_ha == pytest.approx(geodesic_ha(zone), rel=1e-4)
    assert got.forest_ha == pytest.approx(geodesic_ha(zone.intersection(west)), rel=1e-4)
    # the minimum area is measured in hectares on the ellipsoid: 3 ha drops the 2-cell patch only
    pz = gpd.GeoDataFrame({"code": ["P"]}, geometry=[shapely.box(105.875, 21.52, 105.89, 21.53)], crs=4326)
    cell = geodesic_ha(shapely.box(105.88, 21.524, 105.881, 21.525))
    assert 2 * cell < 3 < 3 * cell
    patches = forest_cover(path, pz, id_column="code", mmu_ha=3).iloc[0]
    assert patches.forest_ha == pytest.approx(geodesic_ha(shapely.box(105.880, 21.524, 105.883, 21.525)), rel=1e-4)
    # zones given in VN-2000 are reprojected to the raster's degrees
    in_9213 = z.to_crs(9213)
    again = forest_cover(path, in_9213, id_column="code", mmu_ha=0).iloc[0]
    assert again.forest_ha == pytest.approx(got.forest_ha, rel=1e-3)


def test_open_raster_says_nan_is_nodata_in_float_rasters(tmp_path):
    from gisplan.errors import RepairWarning
    from gisplan.io import open_raster

    data = np.full((8, 8), 40.0, dtype="float32")
    data[0] = np.nan
    path = write(tmp_path / "f.tif", data, nodata=None, dtype="float32")
    with pytest.warns(RepairWarning, match=r"every finite pixel \(NaN and ±inf are nodata\) counts as observed"):
        open_raster(path)
    ints = write(tmp_path / "i.tif", np.full((8, 8), 40), nodata=None)
    with pytest.warns(RepairWarning, match="declares no nodata value: every pixel counts as observed"):
        open_raster(ints)


# --- real rasters over the 92 wards of 2025 ----------------------------------------------------------
WARDS = "bando2025_thanglequoc/thai_nguyen_2025_wards.gpkg"


def test_real_modis_land_cover_over_the_wards(real_data, tmp_path):
    """MCD12C1 2019 (IGBP, 0.05°, Clarke 1866-labelled degrees) covers the whole province: every
    ward is observed, and forest classes 1–5 make about the 30 % of the province that SOURCE.md
    counts by pixel centres."""
    raster = real_data / "modis_mcd12c1_2019_igbp/mcd12c1_2019_igbp_thai_nguyen_window.tif"
    out = tmp_path / "mcd.csv"
    res = cli_run("forest-cover", "--raster", raster, "--zones", real_data / WARDS, "--id-column", "code",
                  "--forest-classes", "1,2,3,4,5", "--out", out)
    assert res.exit_code == 0, res.output
    t = pd.read_csv(out, dtype={"code": str})
    assert len(t) == 92 and t["code"].is_unique and t["observed_ok"].all()
    np.testing.assert_allclose(t["observed_pct"], 100.0, atol=1e-6)
    assert t["forest_ha"].sum() / t["observed_ha"].sum() * 100 == pytest.approx(30, abs=3)


def _as_canopy(src, dst, values):
    """A copy of ``src``'s grid (CRS, transform, nodata) holding ``values`` as one canopy band."""
    with rasterio.open(src) as ds:
        profile = dict(driver="GTiff", width=ds.width, height=ds.height, count=1, crs=ds.crs,
                       transform=ds.transform, nodata=ds.nodata)
    with rasterio.open(dst, "w", dtype=values.dtype, **profile) as out:
        out.write(values, 1)
    return dst


def test_real_srtm_and_modis_reflectance_grids_flag_the_wards_they_do_not_cover(real_data, tmp_path):
    """The SRTM tile covers lon 105–106° E, lat 21–22° N only; the MODIS Aqua composite is a float
    raster with NaN outside its data and no nodata value. Neither is canopy cover (both are refused
    as such: tests/test_raster_checks.py), so canopy values are written on their grids, with their
    nodata: wards outside them come out flagged with NaN, never 0 %."""
    wards = gpd.read_file(real_data / WARDS)
    tile = shapely.box(104.99958333333333, 20.999583333333334, 106.00041666666667, 22.000416666666666)
    inside = wards.geometry.within(tile).to_numpy()
    outside = ~wards.geometry.intersects(tile).to_numpy()
    assert inside.sum() >= 20 and outside.sum() >= 20
    hgt = real_data / "srtm3_n21e105_vvnb/N21E105.hgt"
    with rasterio.open(hgt) as ds:
        z = ds.read(1)
    canopy = np.where(z == -32768, -32768, np.clip(z // 10, 0, 100)).astype("int16")  # SRTM voids kept
    srtm = _as_canopy(hgt, tmp_path / "srtm_grid.tif", canopy)
    with pytest.warns(GisplanWarning, match=r"of 92 zones are observed"):
        t = forest_cover(srtm, real_data / WARDS, id_column="code", threshold=100, mmu_ha=0)
    assert (t.loc[outside, "observed_pct"] == 0).all() and t.loc[outside, ["forest_ha", "forest_pct"]].isna().all().all()
    assert not t.loc[outside, "observed_ok"].any()
    # inside the tile only SRTM voids (-32768) are unobserved: few, so those wards are all kept
    assert (t.loc[inside, "observed_pct"] > 95).all() and t.loc[inside, "forest_pct"].notna().all()
    aqua_file = real_data / "modis_aqua2019_aiproject/modis_aqua_2019_500m_south_thainguyen.tif"
    with rasterio.open(aqua_file) as ds:
        band = ds.read(1)
        assert ds.nodata is None and np.isnan(band).any()
        extent = shapely.box(*ds.bounds)
        rows, cols = np.nonzero(np.isfinite(band))
        xs, ys = rasterio.transform.xy(ds.transform, rows, cols)
    aqua = _as_canopy(aqua_file, tmp_path / "aqua_grid.tif", np.clip(band / 100, 0, 100))  # NaN kept
    finite_centres = shapely.points(np.c_[xs, ys])
    with pytest.warns(GisplanWarning, match=r"92 of 92 zones"):
        a = forest_cover(aqua, real_data / WARDS, id_column="code", threshold=20, mmu_ha=0)
    # NaN pixels are not observed: wards inside the raster's extent without a finite pixel centre
    # are observed (almost) nowhere, not over 100 % as non-forest
    in_extent = wards.geometry.within(extent).to_numpy()
    no_finite = ~np.array([shapely.intersects(g, finite_centres).any() for g in wards.geometry])
    assert (in_extent & no_finite).sum() >= 5
    assert (a.loc[in_extent & no_finite, "observed_pct"] < 5).all()
    assert a["forest_pct"].isna().all() and not a["observed_ok"].any()


def test_unreadable_rasters_and_missing_bands_are_errors_not_tracebacks(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.integers(0, 100, (256, 256)).astype("uint8")
    good = tmp_path / "good.tif"
    with rasterio.open(good, "w", driver="GTiff", width=256, height=256, count=1, dtype="uint8", crs="EPSG:9213",
                       transform=from_origin(X0, Y0, RES, RES), tiled=True, blockxsize=16, blockysize=16,
                       compress="deflate", nodata=255) as ds:
        ds.write(data, 1)
    truncated = tmp_path / "truncated.tif"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    text = tmp_path / "table.tif"
    text.write_text("a,b\n1,2\n", encoding="utf-8")
    z = zones(box_px(0, 0, 256, 256))
    z.to_file(tmp_path / "z.gpkg")
    with pytest.raises(ReadError, match=r"cannot decode (rows .* of )?raster .*truncated\.tif.*truncated or damaged"):
        forest_cover(truncated, z, id_column="code")
    with pytest.raises(ReadError, match=r"cannot read raster .*table\.tif"):
        forest_cover(text, z, id_column="code")
    with pytest.raises(OptionError, match=r"band=3 does not exist in .*good\.tif, which has 1 band"):
        forest_cover(good, z, id_column="code", band=3)
    for raster in (truncated, text):
        res = cli_run("forest-cover", "--raster", raster, "--zones", tmp_path / "z.gpkg", "--id-column", "code",
                      "--out", tmp_path / "o.csv")
        assert res.exit_code == 2 and "Traceback" not in res.output and "Error: cannot" in res.output
    assert not (tmp_path / "o.csv").exists()


def test_cli_summary_never_shows_unknown_as_zero(tmp_path):
    data = np.full((10, 10), 255)  # all nodata
    path = write(tmp_path / "c.tif", data)
    zones(box_px(0, 0, 10, 10)).to_file(tmp_path / "z.gpkg")
    res = cli_run("forest-cover", "--raster", path, "--zones", tmp_path / "z.gpkg", "--id-column", "code",
                  "--out", tmp_path / "o.csv")
    assert res.exit_code == 0, res.output
    assert "no valid pixel in any zone (forest unknown)" in res.output and "0.0 ha" not in res.output
    t = pd.read_csv(tmp_path / "o.csv")
    assert t[["forest_ha", "forest_pct"]].isna().all().all() and t["observed_ha"].eq(0).all()
    assert [ln for ln in res.output.splitlines() if ln.startswith("warning:")] == [
        ln for ln in res.output.splitlines() if "zones are observed" in ln]


def test_invalid_zone_polygons_are_repaired_with_a_warning(tmp_path):
    from gisplan.errors import RepairWarning

    data = np.full((10, 10), 80)
    data[:, 5:] = 3
    path = write(tmp_path / "c.tif", data)
    # a bow-tie over rows 0..9: two triangles of 25 px each, meeting at the centre
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 300, Y0 - 300), (X0 + 300, Y0), (X0, Y0 - 300)])
    assert not bowtie.is_valid
    with pytest.warns(RepairWarning, match=r"1 invalid polygon\(s\) repaired .* row\(s\) 0 \('Z0'\)"):
        t = forest_cover(path, zones(bowtie), id_column="code", mmu_ha=0).iloc[0]
    # the left triangle (x < 150 m) lies on forest, the right one on non-forest: 2.25 ha each
    assert t.area_ha == pytest.approx(2 * 0.5 * 300 * 150 / 1e4)
    assert t.forest_ha == pytest.approx(0.5 * 300 * 150 / 1e4) and t.forest_pct == pytest.approx(50.0)
