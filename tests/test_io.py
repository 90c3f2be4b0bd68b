import datetime as dt
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from _samples import X0, Y0, sample_frame
from pyproj import Transformer
from rasterio.transform import from_origin

from gisplan.catalog import load_layer_types
from gisplan.encoding import encode_legacy
from gisplan.errors import (
    AssumedCRSWarning,
    CRSError,
    LayerNotFoundError,
    OutputExistsError,
    ReadError,
    RepairWarning,
    SchemaError,
    ValidationError,
)
from gisplan.io import open_raster, read_layer, validate, write_layer

TYPES = load_layer_types()
VECTOR_TYPES = [t for t in TYPES.values() if t.kind == "vector"]


@pytest.mark.parametrize("suffix", [".gpkg", ".shp", ".geojson", ".fgb"])
@pytest.mark.parametrize("ltype", VECTOR_TYPES, ids=lambda t: t.id)
def test_every_layer_type_round_trips(tmp_path, ltype, suffix):
    gdf = sample_frame(ltype)
    path = write_layer(gdf, tmp_path / f"{ltype.id}{suffix}")
    back = read_layer(path, layer_type=ltype.id)
    back = back.sort_values(ltype.id_column).reset_index(drop=True)  # FlatGeobuf reorders
    assert back.crs.to_epsg() == 9213
    assert list(back[ltype.id_column]) == list(gdf[ltype.id_column])
    for attr in ltype.attributes.values():
        got, want = list(back[attr.name]), list(gdf[attr.name])
        if attr.type == "float":
            assert np.allclose(got, want), attr.name
        else:
            assert [None if pd.isna(v) else v for v in got] == want, (attr.name, got, want)
    assert np.allclose(back.area, gdf.area)
    assert back.attrs["gisplan"]["layer_type"] == ltype.id


def test_reprojection_uses_the_official_transformation(tmp_path):
    lonlat = gpd.GeoDataFrame(
        {"station_id": ["S1"], "name": ["Trạm Gia Sàng"], "medium": ["air"], "mode": ["automatic"]},
        geometry=[shapely.Point(105.84, 21.59)], crs=4326)
    path = write_layer(lonlat, tmp_path / "st.geojson")
    got = read_layer(path, layer_type="monitoring_stations").geometry.iloc[0]
    x, y = Transformer.from_crs(4326, 9213, always_xy=True).transform(105.84, 21.59)
    assert abs(got.x - x) < 1e-6 and abs(got.y - y) < 1e-6
    kept = read_layer(path, layer_type="monitoring_stations", crs=None)
    assert kept.crs.to_epsg() == 4326


def _write_raw_shp(gdf, path, encoding):
    """Write a shapefile the way old desktop GIS did (legacy bytes, short names, no checks)."""
    gdf = gdf.copy()
    for col in gdf.columns:
        if gdf[col].dtype == object and col != "geometry":
            gdf[col] = gdf[col].map(lambda v: v.replace("ò", "o").replace("ủ", "u") if isinstance(v, str) else v)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # laundered names, lossy text, missing CRS: all intended
        pyogrio.write_dataframe(gdf, path, encoding=encoding)


def test_tcvn3_shapefile_without_cpg_is_decoded(tmp_path):
    gdf = sample_frame(TYPES["protected_areas"], n=2)
    gdf["name"] = [encode_legacy("Vườn Quốc gia Ba Bể", "tcvn3"), encode_legacy("Khu dự trữ thiên nhiên Kim Hỷ", "tcvn3")]
    _write_raw_shp(gdf, tmp_path / "kbt.shp", "latin1")
    (tmp_path / "kbt.cpg").unlink(missing_ok=True)
    with pytest.warns(RepairWarning, match="tcvn3"):
        back = read_layer(tmp_path / "kbt.shp", layer_type="protected_areas")
    assert list(back["name"]) == ["Vườn Quốc gia Ba Bể", "Khu dự trữ thiên nhiên Kim Hỷ"]
    assert back.attrs["gisplan"]["encoding"] == {"name": "tcvn3"}


def test_vni_in_geopackage_and_explicit_override(tmp_path):
    gdf = sample_frame(TYPES["waste_sites"], n=1)
    gdf["name"] = [encode_legacy("Bãi rác Đá Mài", "vni")]
    path = write_layer(gdf, tmp_path / "w.gpkg")
    with pytest.warns(RepairWarning):
        assert read_layer(path, layer_type="waste_sites")["name"].iloc[0] == "Bãi rác Đá Mài"
    with pytest.warns(RepairWarning):
        assert read_layer(path, layer_type="waste_sites", encoding="vni")["name"].iloc[0] == "Bãi rác Đá Mài"


def test_wrong_cpg_is_handled(tmp_path):
    # .cpg claims latin-1 but the DBF holds UTF-8
    gdf = sample_frame(TYPES["urban_areas"], n=1)
    gdf["name"] = ["Thành phố Thái Nguyên"]
    _write_raw_shp(gdf, tmp_path / "u.shp", "UTF-8")
    (tmp_path / "u.cpg").write_text("ISO-8859-1")
    back = read_layer(tmp_path / "u.shp", layer_type="urban_areas")
    assert back["name"].iloc[0] == "Thành phố Thái Nguyên"


def test_missing_prj_recognises_vn2000_and_warns(tmp_path):
    gdf = sample_frame(TYPES["mines"], n=2)
    _write_raw_shp(gdf, tmp_path / "mo.shp", "UTF-8")
    (tmp_path / "mo.prj").unlink()
    with pytest.warns(AssumedCRSWarning, match="EPSG:9213"):
        back = read_layer(tmp_path / "mo.shp", layer_type="mines")
    assert "9213" in back.attrs["gisplan"]["crs_assumed"]
    assert back.geometry.iloc[0].x == pytest.approx(X0 + 10)
    # the user's declaration wins, without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        utm = read_layer(tmp_path / "mo.shp", layer_type="mines", assume_crs="EPSG:9213")
    assert utm.attrs["gisplan"]["crs_assumed"].startswith("declared")


def test_unrecognisable_coordinates_without_crs_are_refused(tmp_path):
    gdf = sample_frame(TYPES["mines"], n=1)
    gdf.geometry = [shapely.Point(12.0, 34.0)]
    _write_raw_shp(gdf.set_crs(None, allow_override=True), tmp_path / "cad.shp", "UTF-8")
    with pytest.raises(CRSError, match=r"cad\.shp has no CRS.*crs = \"EPSG"):
        read_layer(tmp_path / "cad.shp", layer_type="mines")


def test_invalid_geometry_is_repaired_and_reported(tmp_path):
    gdf = sample_frame(TYPES["communes"], n=2)
    x1 = X0 + 2000  # where sample_frame puts feature 1, clear of feature 0
    bowtie = shapely.Polygon([(x1, Y0), (x1 + 100, Y0 + 100), (x1 + 100, Y0), (x1, Y0 + 100)])
    gdf.loc[1, "geometry"] = bowtie
    path = write_layer(gdf, tmp_path / "c.gpkg")
    back = read_layer(path, layer_type="communes")
    assert back.geometry.is_valid.all()
    assert back.geometry.iloc[1].area == pytest.approx(5000.0)  # two triangles of 50×100/2
    issues = back.attrs["gisplan"]["issues"]
    assert [(i["code"], i["row"]) for i in issues] == [("geometry_repaired", "10001")]


def test_bad_values_are_reported_with_column_and_row(tmp_path):
    gdf = sample_frame(TYPES["industrial_zones"], n=3)
    gdf["wwtp_status"] = ["compliant", "maybe", None]
    gdf["zone_id"] = ["KCN1", "KCN1", "KCN3"]
    gdf["wwtp_capacity_m3_day"] = [100.0, -5.0, 10.0]
    path = write_layer(gdf, tmp_path / "kcn.gpkg")
    with pytest.raises(ValidationError) as err:
        read_layer(path, layer_type="industrial_zones")
    report = err.value.report
    found = {(i.code, i.column, i.row) for i in report.errors}
    assert ("not_allowed", "wwtp_status", "KCN1") in found
    assert ("missing_value", "wwtp_status", "KCN3") in found
    assert ("duplicate_id", "zone_id", "KCN1") in found
    assert ("out_of_range", "wwtp_capacity_m3_day", "KCN1") in found
    assert "kcn.gpkg" in str(err.value)
    lenient = read_layer(path, layer_type="industrial_zones", strict=False)
    assert len(lenient) == 3


def test_mixed_geometry_types_are_errors(tmp_path):
    gdf = sample_frame(TYPES["river_sections"], n=2)
    gdf.loc[1, "geometry"] = shapely.Point(X0, Y0)
    report = validate(write_layer(gdf, tmp_path / "r.geojson"), layer_type="river_sections")
    codes = {(i.code, i.row) for i in report.errors}
    assert ("wrong_geometry_type", "10001") in codes or ("wrong_geometry_type", gdf.section_id[1]) in codes
    assert any(i.code == "mixed_geometry" for i in report.warnings)


def test_missing_required_column_names_file_and_columns(tmp_path):
    gdf = sample_frame(TYPES["mines"], n=1).drop(columns=["mineral"])
    path = write_layer(gdf, tmp_path / "m.gpkg")
    with pytest.raises(SchemaError, match=r"m\.gpkg.*mineral.*columns present") as err:
        read_layer(path, layer_type="mines")
    assert isinstance(err.value, ValueError)
    # mapping a differently named column fixes it
    gdf["loai_khoang"] = "than"
    path2 = write_layer(gdf, tmp_path / "m2.gpkg")
    assert read_layer(path2, layer_type="mines", columns={"LOAI_KHOANG": "mineral"})["mineral"].iloc[0] == "than"


def test_empty_layer(tmp_path):
    gdf = sample_frame(TYPES["waste_sites"], n=1).iloc[:0]
    path = write_layer(gdf, tmp_path / "empty.gpkg")
    with pytest.raises(SchemaError, match="empty"):
        read_layer(path, layer_type="waste_sites")


@pytest.mark.parametrize("suffix", [".gpkg", ".shp"])
def test_truncated_files_give_read_errors(tmp_path, suffix):
    path = write_layer(sample_frame(TYPES["communes"], n=50), tmp_path / f"c{suffix}")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ReadError, match=f"c{suffix}"):
        read_layer(path, layer_type="communes")


def test_missing_file_and_layer(tmp_path):
    with pytest.raises(LayerNotFoundError, match="does not exist"):
        read_layer(tmp_path / "nope.gpkg", layer_type="communes")
    path = write_layer(sample_frame(TYPES["communes"]), tmp_path / "c.gpkg", layer="xa")
    with pytest.raises(LayerNotFoundError, match="no layer 'phuong'; layers: xa"):
        read_layer(path, layer_type="communes", layer="phuong")


def test_csv_with_coordinates_and_plain_table(tmp_path):
    csv = tmp_path / "tram.csv"
    csv.write_text("ma_tram,ten_tram,medium,mode,kinh_do,vi_do\nKK1,Trạm Phan Đình Phùng,air,automatic,105.84,21.59\n", encoding="utf-8")
    with pytest.warns(AssumedCRSWarning, match="WGS 84"):
        st = read_layer(csv, layer_type="monitoring_stations", columns={"ma_tram": "station_id"})
    assert st["name"].iloc[0] == "Trạm Phan Đình Phùng"
    assert st.attrs["gisplan"]["crs_assumed"].startswith("assumed WGS 84")
    table = tmp_path / "xa_cu.csv"
    table.write_text("level3_id,commune,new_code\n01234,Xã Hoà Bình,05678\n", encoding="utf-8")
    df = read_layer(table, layer_type="communes_pre2025")
    assert list(df["code"]) == ["01234"] and df["name"].iloc[0] == "Xã Hoà Bình"
    with pytest.raises(SchemaError, match="no coordinate columns"):
        read_layer(table, layer_type="mines")


def test_kml_mapinfo_and_geoparquet(tmp_path):
    gdf = sample_frame(TYPES["waste_sites"], n=2)
    for suffix, driver in ((".kml", "KML"), (".tab", "MapInfo File")):
        path = tmp_path / f"w{suffix}"
        # TAB in WGS 84 degrees (MapInfo files in VN-2000 projections: tests/test_io_more.py)
        pyogrio.write_dataframe(gdf.to_crs(4326), path, driver=driver)
        back = read_layer(path, layer_type="waste_sites", strict=False)
        assert len(back) == 2 and back.crs.to_epsg() == 9213
        assert back.geometry.iloc[0].distance(gdf.geometry.iloc[0]) < 0.1  # TAB stores ~cm precision
    pyogrio.write_dataframe(gdf.to_crs(4326), tmp_path / "w.kmz", driver="LIBKML")
    kmz = read_layer(tmp_path / "w.kmz", layer_type="waste_sites")
    assert list(kmz["name"]) == list(gdf["name"]) and kmz.crs.to_epsg() == 9213
    pq = write_layer(gdf, tmp_path / "w.parquet")
    assert list(read_layer(pq, layer_type="waste_sites")["name"]) == list(gdf["name"])


def test_write_refuses_to_overwrite_and_writes_atomically(tmp_path):
    gdf = sample_frame(TYPES["communes"])
    path = write_layer(gdf, tmp_path / "c.gpkg")
    with pytest.raises(OutputExistsError):
        write_layer(gdf, path)
    back = read_layer(path, layer_type="communes")
    with pytest.raises(ReadError, match="own input"):
        write_layer(back, path, overwrite=True)
    write_layer(gdf, path, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.gpkg"]


def _raster(path, *, crs="EPSG:9213", nodata=255, data=None):
    data = np.full((64, 64), 50, dtype="uint8") if data is None else data
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype=data.dtype, crs=crs, nodata=nodata, transform=from_origin(X0, Y0, 30, 30),
                       tiled=True, blockxsize=32, blockysize=32) as ds:
        ds.write(data, 1)
    return path


def test_open_raster_checks(tmp_path):
    src = open_raster(_raster(tmp_path / "tc.tif"), layer_type="tree_cover")
    assert src.crs.to_epsg() == 9213 and src.pixel_area_ha == pytest.approx(0.09)
    with pytest.raises(CRSError, match="no CRS.*gdal_edit"):
        open_raster(_raster(tmp_path / "nocrs.tif", crs=None))
    declared = open_raster(tmp_path / "nocrs.tif", crs=9213)
    assert declared.crs_declared
    with pytest.raises(SchemaError, match=r"bad\.tif \(1 band\): uint8 values 200 \(sampled\) fall outside the "
                                          r"tree_cover range 0–100 %"):
        open_raster(_raster(tmp_path / "bad.tif", data=np.full((64, 64), 200, dtype="uint8")), layer_type="tree_cover")
    path = _raster(tmp_path / "cut.tif", data=np.random.default_rng(0).integers(0, 100, (64, 64), dtype="uint8"))
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ReadError, match="cut.tif"):
        open_raster(path)


def test_dates_and_booleans_are_coerced(tmp_path):
    gdf = sample_frame(TYPES["mines"], n=3)
    gdf["licence_expiry"] = ["31/12/2020", "2031-06-30", "45000"]
    gdf["operating"] = ["có", "không", "1"]
    back = read_layer(write_layer(gdf, tmp_path / "m.gpkg"), layer_type="mines")
    assert list(back["licence_expiry"]) == [dt.date(2020, 12, 31), dt.date(2031, 6, 30), dt.date(2023, 3, 15)]
    assert list(back["operating"]) == [True, False, True]


def test_read_warnings_point_at_the_callers_line(tmp_path):
    """Repairs announced as Python warnings name the line that called read_layer, not a line of
    gisplan (each step of the read lives in its own module of gisplan.io)."""
    gdf = sample_frame(TYPES["protected_areas"], n=1)
    gdf["name"] = [encode_legacy("Vườn Quốc gia Ba Bể", "tcvn3")]
    _write_raw_shp(gdf, tmp_path / "kbt.shp", "latin1")
    (tmp_path / "kbt.cpg").unlink(missing_ok=True)
    (tmp_path / "kbt.prj").unlink()
    # X = northing, Y = easting: fits the province in VN-2000 only swapped
    csv = tmp_path / "diem.csv"
    csv.write_text(f"x,y,name\n{Y0 + 500},{X0 + 500},a\n{Y0 + 900},{X0 + 700},b\n", encoding="utf-8")
    for path, expected in ((tmp_path / "kbt.shp", {RepairWarning, AssumedCRSWarning}),
                           (csv, {RepairWarning, AssumedCRSWarning})):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            line = _lineno() + 1
            read_layer(path)
        assert {w.category for w in caught} == expected
        assert {(w.filename, w.lineno) for w in caught} == {(__file__, line)}


def _lineno():
    import inspect

    return inspect.currentframe().f_back.f_lineno
