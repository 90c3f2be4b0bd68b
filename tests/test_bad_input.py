"""Bad input as provincial offices have it, built by hand: null and non-finite geometries,
coordinates that reprojection cannot carry, empty and truncated files, multi-layer files,
GeoJSON in metres, Shapefile .prj files with a VN-2000 projection on WGS 84, duplicated unit
codes, ';'-separated CSV with decimal commas, encodings in any case, the catalog's ``where``."""

import json
import unicodedata
import warnings

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from _samples import X0, Y0, sample_frame
from pyproj import Transformer

from gisplan.catalog import load_catalog, load_layer_types
from gisplan.encoding import encode_legacy
from gisplan.errors import (
    AssumedCRSWarning,
    CatalogError,
    CRSError,
    DataMissingError,
    EncodingError,
    LayerNotFoundError,
    ReadError,
    RepairWarning,
    SchemaError,
    ValidationError,
)
from gisplan.io import read_catalog_layer, read_layer, validate

TYPES = load_layer_types()
TO_9213 = Transformer.from_crs(4326, 9213, always_xy=True)

# WKT of .prj files as ArcGIS and MapInfo exports write them for VN-2000 data: the projection's
# parameters are VN-2000's, the datum is WGS 84
PRJ_TM3_WGS84 = (
    'PROJCS["VN_2000_TM3_106_30",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",106.5],PARAMETER["Scale_Factor",0.9999],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
PRJ_UTM48_WGS84 = (
    'PROJCS["WGS_1984_UTM_Zone_48N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",0.9996],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


def _write_raw(gdf, path, **kw):
    """Write with GDAL as another program would (no checks, legacy bytes allowed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, path, **kw)
    return path


def _errors(exc_info, code):
    return [i for i in exc_info.value.report.errors if i.code == code]


# ---------------------------------------------------------------------------------------------
# 1. geometry sanity
def test_null_and_nonfinite_geometries_are_errors_naming_file_layer_and_rows(tmp_path):
    gdf = sample_frame(TYPES["waste_sites"], n=4)
    gdf.geometry = [shapely.Point(X0, Y0), None, shapely.Point(np.nan, Y0), shapely.Point(X0, np.inf)]
    path = _write_raw(gdf, tmp_path / "bai_rac.gpkg", layer="bai_rac")
    with pytest.raises(ValidationError) as exc:
        read_layer(path, layer_type="waste_sites")
    ids = list(gdf["site_id"])
    empty, nonfinite = _errors(exc, "empty_geometry"), _errors(exc, "nonfinite_coordinates")
    assert [i.row for i in empty] == [ids[1]]
    assert [i.row for i in nonfinite] == [ids[2], ids[3]]
    assert all(i.file == str(path) and i.layer == "bai_rac" for i in empty + nonfinite)
    assert "NaN or infinite" in nonfinite[0].message
    assert str(path) in str(exc.value) and "bai_rac" in str(exc.value)
    # lenient: every row is still there (nothing silently dropped), the bad ones without geometry
    back = read_layer(path, layer_type="waste_sites", strict=False)
    assert list(back["site_id"]) == ids
    assert back.geometry.iloc[0].equals(shapely.Point(X0, Y0))
    assert back.geometry.iloc[1:].map(lambda g: g is None or g.is_empty).all()
    # the same without a layer type: the geometry checks need no schema
    report = validate(path)
    assert [(i.code, i.row) for i in report.errors] == [
        ("empty_geometry", 1), ("nonfinite_coordinates", 2), ("nonfinite_coordinates", 3)]


def test_coordinates_not_finite_after_reprojection_are_errors(tmp_path):
    gdf = sample_frame(TYPES["waste_sites"], n=2, crs=4326)
    gdf.geometry = [shapely.Point(105.83, 21.59), shapely.Point(105.83, 91.0)]  # latitude beyond 90°
    path = _write_raw(gdf, tmp_path / "w.gpkg")
    with pytest.raises(ValidationError) as exc:
        read_layer(path, layer_type="waste_sites")
    bad = _errors(exc, "nonfinite_after_reprojection")
    assert [i.row for i in bad] == [gdf["site_id"].iloc[1]]
    assert "WGS 84" in bad[0].message and "VN-2000 / TM-3" in bad[0].message
    back = read_layer(path, layer_type="waste_sites", strict=False)
    x, y = TO_9213.transform(105.83, 21.59)
    assert back.geometry.iloc[0].distance(shapely.Point(x, y)) < 1e-6
    assert back.geometry.iloc[1] is None or back.geometry.iloc[1].is_empty
    assert np.isfinite(back.total_bounds).all()


@pytest.mark.parametrize("name", ["xa.gpkg", "xa.geojson", "xa.shp", "xa.csv", "xa.fgb"])
def test_zero_byte_file_is_a_read_error_naming_it(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(ReadError, match=r"xa\.\w+.*empty \(0 bytes\)"):
        read_layer(path)
    report = validate(path, layer_type="communes")
    assert report.errors and "0 bytes" in report.errors[0].message


def test_shapefile_with_empty_dbf_is_a_read_error(tmp_path):
    _write_raw(sample_frame(TYPES["mines"]), tmp_path / "mo.shp")
    (tmp_path / "mo.dbf").write_bytes(b"")
    with pytest.raises(ReadError, match=r"mo\.dbf is empty"):
        read_layer(tmp_path / "mo.shp")


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp"])
def test_truncated_file_is_a_read_error_naming_it(tmp_path, suffix):
    gdf = sample_frame(TYPES["communes"], n=40)
    path = _write_raw(gdf, tmp_path / f"xa{suffix}")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ReadError, match=f"xa\\{suffix}"):
        read_layer(path, layer_type="communes")


def test_multi_layer_file_without_layer_lists_the_layers(tmp_path):
    path = tmp_path / "tinh.gpkg"
    _write_raw(sample_frame(TYPES["communes"]), path, layer="xa_phuong")
    _write_raw(sample_frame(TYPES["mines"]), path, layer="mo_khoang_san")
    with pytest.raises(LayerNotFoundError) as exc:
        read_layer(path)
    msg = str(exc.value)
    assert "tinh.gpkg" in msg and "xa_phuong" in msg and "mo_khoang_san" in msg
    assert "layer=" in msg and "--layer" in msg
    assert len(read_layer(path, layer="mo_khoang_san")) == 3
    assert read_layer(path, layer="xa_phuong", layer_type="communes").attrs["gisplan"]["layer"] == "xa_phuong"


# ---------------------------------------------------------------------------------------------
# 2. GeoJSON in metres
def _geojson(path, points):
    features = [{"type": "Feature", "properties": {"ten": f"Điểm {i}"},
                 "geometry": {"type": "Point", "coordinates": list(p)}} for i, p in enumerate(points)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


@pytest.mark.parametrize("epsg", [9213, 3405])
def test_geojson_in_vn2000_metres_is_recognised(tmp_path, epsg):
    lonlat = [(105.83, 21.59), (105.9, 21.7)]
    to_src = Transformer.from_crs(4326, epsg, always_xy=True)
    path = _geojson(tmp_path / "tram.geojson", [to_src.transform(*p) for p in lonlat])
    with pytest.warns(AssumedCRSWarning, match=f"RFC 7946.*EPSG:{epsg}"):
        back = read_layer(path)
    truth = [shapely.Point(TO_9213.transform(*p)) for p in lonlat]
    assert shapely.distance(back.geometry.values, truth).max() < 0.01
    assert f"EPSG:{epsg}" in back.attrs["gisplan"]["crs_assumed"]


def test_geojson_in_unknown_metres_is_refused_with_how_to_declare(tmp_path):
    path = _geojson(tmp_path / "cad.geojson", [(1_500_000.0, 3_000_000.0)])
    with pytest.raises(CRSError) as exc:
        read_layer(path)
    msg = str(exc.value)
    assert "cad.geojson" in msg and "RFC 7946" in msg and "--assume-crs" in msg and "crs = " in msg
    back = read_layer(path, assume_crs="EPSG:9213")
    assert back.geometry.iloc[0].equals(shapely.Point(1_500_000.0, 3_000_000.0))


def test_geojson_in_degrees_is_read_as_wgs84_without_warning(tmp_path):
    path = _geojson(tmp_path / "deg.geojson", [(105.83, 21.59)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = read_layer(path)
    assert back.geometry.iloc[0].distance(shapely.Point(TO_9213.transform(105.83, 21.59))) < 1e-6
    assert back.attrs["gisplan"]["crs_assumed"] is None


# ---------------------------------------------------------------------------------------------
# 3. Shapefile .prj with a VN-2000 projection on the WGS 84 datum
@pytest.mark.parametrize(("epsg", "prj"), [(9213, PRJ_TM3_WGS84)])
def test_shapefile_prj_on_wgs84_datum_is_read_as_vn2000(tmp_path, epsg, prj):
    gdf = sample_frame(TYPES["mines"], n=3)  # EPSG:9213, the truth
    _write_raw(gdf.to_crs(epsg), tmp_path / "mo.shp")
    (tmp_path / "mo.prj").write_text(prj, encoding="ascii")
    # the precondition: read as it says, the layer sits ~224 m off
    naive = pyogrio.read_dataframe(tmp_path / "mo.shp").to_crs(9213)
    assert 200 < shapely.distance(naive.geometry.values, gdf.geometry.values).min() < 250
    with pytest.warns(AssumedCRSWarning, match=f"EPSG:{epsg}"):
        back = read_layer(tmp_path / "mo.shp", layer_type="mines")
    assert shapely.distance(back.geometry.values, gdf.geometry.values).max() < 1.0
    meta = back.attrs["gisplan"]
    assert meta["crs_assumed"].startswith("assumed VN-2000")
    assert [i["code"] for i in meta["issues"] if i["code"] == "crs_assumed"] == ["crs_assumed"]
    # declared really WGS 84: taken as it says, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wgs = read_layer(tmp_path / "mo.shp", layer_type="mines",
                         assume_crs="EPSG:32648" if epsg == 3405 else PRJ_TM3_WGS84)
    assert shapely.distance(wgs.geometry.values, naive.geometry.values).max() < 0.01


def test_shapefile_wgs84_utm_is_taken_as_declared(tmp_path):
    # WGS 84 / UTM 48N is what GPS receivers and satellite products write: a .shp saying so is
    # believed (only MapInfo, which cannot record VN-2000, has its UTM re-read as VN-2000)
    gdf = sample_frame(TYPES["mines"], n=3)
    truth = gdf.to_crs(32648)
    _write_raw(truth, tmp_path / "gps.shp")
    (tmp_path / "gps.prj").write_text(PRJ_UTM48_WGS84, encoding="ascii")
    with warnings.catch_warnings():
        warnings.simplefilter("error", AssumedCRSWarning)
        back = read_layer(tmp_path / "gps.shp", layer_type="mines")
    assert shapely.distance(back.geometry.values, gdf.geometry.values).max() < 0.01
    assert back.attrs["gisplan"]["crs_assumed"] is None


def test_shapefile_prj_on_wgs84_outside_vietnam_is_left_alone(tmp_path):
    gdf = sample_frame(TYPES["mines"], n=1)
    gdf.geometry = [shapely.Point(500_000.0, 5_000_000.0)]  # UTM 48N at 45° N
    _write_raw(gdf.set_crs(32648, allow_override=True), tmp_path / "far.shp")
    with warnings.catch_warnings():
        warnings.simplefilter("error", AssumedCRSWarning)
        back = read_layer(tmp_path / "far.shp", layer_type="mines", crs=None)
    assert back.crs.to_epsg() == 32648


# ---------------------------------------------------------------------------------------------
# 4. duplicated unit codes
@pytest.mark.parametrize("type_id", ["communes", "province"])
def test_duplicated_unit_code_is_an_error_naming_code_and_rows(tmp_path, type_id):
    gdf = sample_frame(TYPES[type_id], n=3)
    gdf.loc[2, "code"] = gdf.loc[0, "code"]  # one unit stored as two features
    code = gdf.loc[0, "code"]
    path = _write_raw(gdf, tmp_path / "u.gpkg")
    with pytest.raises(ValidationError) as exc:
        read_layer(path, layer_type=type_id)
    dups = _errors(exc, "duplicate_id")
    assert len(dups) == 2 and {i.row for i in dups} == {code}
    assert f"{code!r} is used by 2 features (rows 0, 2" in dups[0].message
    assert "over 100 %" in dups[0].message
    report = validate(path, layer_type=type_id)
    assert not report.ok and {i.code for i in report.errors} == {"duplicate_id"}


# ---------------------------------------------------------------------------------------------
# 5. CSV with ';' and decimal commas; encodings in any case
def test_semicolon_csv_with_decimal_commas(tmp_path):
    table = sample_frame(TYPES["waste_sites"], n=2).drop(columns="geometry")
    table["capacity_t_day"] = ["12,5", "1.234,5"]
    table["kinh_do"] = ["105,83", "106,02"]
    table["vi_do"] = ["21,59", "21,71"]
    path = tmp_path / "bai_rac.csv"
    table.to_csv(path, sep=";", index=False, encoding="utf-8")
    with pytest.warns(AssumedCRSWarning, match="WGS 84"):
        back = read_layer(path, layer_type="waste_sites")
    truth = [shapely.Point(TO_9213.transform(105.83, 21.59)), shapely.Point(TO_9213.transform(106.02, 21.71))]
    assert shapely.distance(back.geometry.values, truth).max() < 1e-6
    assert list(back["capacity_t_day"]) == [12.5, 1234.5]


@pytest.mark.parametrize("given", ["TCVN3", "Tcvn3", "tcvn3", "ABC"])
def test_encoding_names_ignore_case(tmp_path, given):
    gdf = sample_frame(TYPES["mines"], n=1)
    gdf["name"] = [encode_legacy("Mỏ đá Núi Voi", "tcvn3")]
    _write_raw(gdf, tmp_path / "mo.shp", encoding="latin1")
    with pytest.warns(RepairWarning, match="tcvn3"):
        back = read_layer(tmp_path / "mo.shp", layer_type="mines", encoding=given)
    assert back["name"].iloc[0] == "Mỏ đá Núi Voi"


def test_vni_and_utf8_names_ignore_case_and_unknown_is_refused(tmp_path):
    gdf = sample_frame(TYPES["mines"], n=1)
    gdf["name"] = [encode_legacy("Mỏ đá Núi Voi", "vni")]
    _write_raw(gdf, tmp_path / "vni.shp", encoding="latin1")
    with pytest.warns(RepairWarning, match="vni"):
        assert read_layer(tmp_path / "vni.shp", layer_type="mines", encoding="VNI")["name"].iloc[0] == "Mỏ đá Núi Voi"
    gdf["name"] = ["Mỏ đá Núi Voi"]
    _write_raw(gdf, tmp_path / "u8.shp", encoding="UTF-8")
    assert read_layer(tmp_path / "u8.shp", layer_type="mines", encoding="UTF-8")["name"].iloc[0] == "Mỏ đá Núi Voi"
    with pytest.raises(EncodingError, match="unknown text encoding 'tcvn9'.*tcvn3"):
        read_layer(tmp_path / "u8.shp", layer_type="mines", encoding="tcvn9")


# ---------------------------------------------------------------------------------------------
# 7. the catalog's `where`
def _kbt_tcvn3(tmp_path):
    """Protected areas in a TCVN3 Shapefile with its own column names (TEN, MA)."""
    names = ["Khu bảo tồn Kim Hỷ", "Khu bảo tồn Thần Sa - Phượng Hoàng", "Vườn quốc gia Ba Bể"]
    gdf = sample_frame(TYPES["protected_areas"], n=3).rename(columns={"name": "TEN", "pa_id": "MA"})
    gdf["TEN"] = [encode_legacy(n, "tcvn3") for n in names]
    gdf["MA"] = ["KH", "TSPH", "BB"]
    _write_raw(gdf, tmp_path / "kbt.shp", encoding="latin1")
    cat = tmp_path / "catalog.toml"

    def catalog(where):
        cat.write_text(
            '[layers.kbt]\ntype = "protected_areas"\npath = "kbt.shp"\n'
            'columns = { TEN = "name", MA = "pa_id" }\n' + (f"where = {json.dumps(where)}\n" if where else ""),
            encoding="utf-8")
        return load_catalog(cat)

    return catalog


def test_where_filters_on_decoded_source_columns(tmp_path):
    catalog = _kbt_tcvn3(tmp_path)
    cat = catalog("TEN LIKE 'khu bảo tồn kim h%'")  # lower case: LIKE ignores case, ả/Ả alike
    assert cat.entry("kbt").where == "TEN LIKE 'khu bảo tồn kim h%'"
    with pytest.warns(RepairWarning, match="tcvn3"):
        kh = read_catalog_layer(cat, "kbt")
    assert list(kh["pa_id"]) == ["KH"] and kh["name"].iloc[0] == "Khu bảo tồn Kim Hỷ"
    assert kh.attrs["gisplan"]["where"] == {"filter": "TEN LIKE 'khu bảo tồn kim h%'", "kept": 1, "dropped": 2}
    with pytest.warns(RepairWarning):
        two = read_catalog_layer(catalog("MA IN ('BB', 'TSPH')"), "kbt")
    assert list(two["pa_id"]) == ["TSPH", "BB"]
    with pytest.warns(RepairWarning):
        everything = read_catalog_layer(catalog(None), "kbt")
    assert len(everything) == 3 and everything.attrs["gisplan"]["where"] is None


def test_where_matching_nothing_or_malformed(tmp_path):
    catalog = _kbt_tcvn3(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RepairWarning)
        with pytest.raises(DataMissingError, match=r"catalog entry 'kbt'.*\"MA = 'XX'\".*none of the 3"):
            read_catalog_layer(catalog("MA = 'XX'"), "kbt")
        with pytest.raises(CatalogError, match=r"catalog entry 'kbt': key 'where'.*syntax error.*columns \(feature_id, MA, TEN"):
            read_catalog_layer(catalog("MA = = 'BB'"), "kbt")
        with pytest.raises(CatalogError, match=r"key 'where'.*no such column: TEN_XA"):
            read_catalog_layer(catalog("TEN_XA = 'BB'"), "kbt")
        # read_layer takes the same filter on a path
        assert len(read_layer(tmp_path / "kbt.shp", where="MA <> 'BB'")) == 2


def test_where_keeps_rows_with_problems_out_of_validation(tmp_path):
    gdf = sample_frame(TYPES["mines"], n=3)
    gdf.loc[2, "licence_status"] = "bogus"  # an error, but in a feature the filter drops
    path = _write_raw(gdf, tmp_path / "mo.gpkg")
    back = read_layer(path, layer_type="mines", where=f"mine_id <> '{gdf.loc[2, 'mine_id']}'")
    assert len(back) == 2 and back.attrs["gisplan"]["where"]["dropped"] == 1


def test_convert_output_text_is_nfc(tmp_path):
    """Names typed in NFD (base letter + combining marks) come out NFC."""
    gdf = sample_frame(TYPES["mines"], n=1)
    gdf["name"] = [unicodedata.normalize("NFD", "Mỏ đá Núi Voi")]
    path = _write_raw(gdf, tmp_path / "nfd.gpkg")
    back = read_layer(path)
    assert back["name"].iloc[0] == "Mỏ đá Núi Voi" and unicodedata.is_normalized("NFC", back["name"].iloc[0])
    assert isinstance(back, pd.DataFrame)


# ---------------------------------------------------------------------------------------------
# 8. every vector file of the real public data, read without a layer type
def _real_vector_layers(root):
    for path in sorted(root.glob("*/*")):
        if path.suffix.lower() not in (".gpkg", ".geojson", ".json", ".csv"):
            continue
        try:
            listed = pyogrio.list_layers(path)
        except Exception:  # a .json that is not GeoJSON (a table of names)
            continue
        for name, geometry_type in listed:
            if geometry_type is not None or path.suffix.lower() == ".csv":
                yield path, (str(name) if len(listed) > 1 else None)


def test_every_real_vector_file_reads_without_a_type(real_data):
    seen = 0
    for path, layer in _real_vector_layers(real_data):
        if path.suffix.lower() == ".csv" and not {"lon", "lat", "longitude", "latitude", "x", "y"} & {
                c.lower() for c in pd.read_csv(path, nrows=0).columns}:
            with pytest.raises(SchemaError, match="no coordinate columns"):  # a plain table
                read_layer(path)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # assumed WGS 84 for CSV points, repaired rings
            gdf = read_layer(path, layer=layer)
        where = f"{path.name} {layer or ''}"
        n = pyogrio.read_info(path, layer=layer)["features"]
        assert len(gdf) == n, where  # nothing dropped
        assert gdf.crs.to_epsg() == 9213 and np.isfinite(gdf.total_bounds).all(), where
        assert not gdf.geometry.is_empty.any(), where
        for col in gdf.columns.drop(gdf.geometry.name):
            text = [v for v in gdf[col] if isinstance(v, str)]
            assert all(unicodedata.is_normalized("NFC", v) for v in text), (where, col)
        seen += 1
    assert seen >= 18
    osm = real_data / "osm_geofabrik2018_vvnb" / "osm2018_thai_nguyen.gpkg"
    with pytest.raises(LayerNotFoundError, match="nature_reserves_all_extract.*--layer"):
        read_layer(osm)


def test_tcvn3_field_names_of_a_shapefile_are_decoded(tmp_path):
    """DBF field names are bytes: TCVN3 names (Tªn = Tên) come out in Unicode, and the catalog's
    columns and where may use them (or the names as another program shows them)."""
    names = ["Khu bảo tồn Kim Hỷ", "Vườn quốc gia Ba Bể"]
    gdf = sample_frame(TYPES["mines"], n=2)[["geometry"]]
    gdf[encode_legacy("Tên", "tcvn3")] = [encode_legacy(n, "tcvn3") for n in names]
    gdf[encode_legacy("Diện_tích", "tcvn3")] = [12.5, 30.0]
    _write_raw(gdf, tmp_path / "kbt.shp", encoding="latin1")
    assert "T\u00aan" in pyogrio.read_dataframe(tmp_path / "kbt.shp", encoding="latin1").columns  # the bytes
    with pytest.warns(RepairWarning, match="tcvn3"):
        back = read_layer(tmp_path / "kbt.shp")
    assert list(back.columns.drop("geometry")) == ["Tên", "Diện_tích"]
    assert list(back["Tên"]) == names and list(back["Diện_tích"]) == [12.5, 30.0]
    notes = [i["message"] for i in back.attrs["gisplan"]["issues"] if i["code"] == "text_decoded"]
    assert any("'T\u00aan' → 'Tên'" in m for m in notes)
    with pytest.warns(RepairWarning, match="tcvn3"):
        one = read_layer(tmp_path / "kbt.shp", where="Tên LIKE 'vườn%'")
    assert list(one["Diện_tích"]) == [30.0]


# --- the remaining bad inputs of a delivery: zipped folders, a missing .dbf, NFD names, VN headers ---
def _mines_shp(folder, name="mo"):
    folder.mkdir(parents=True, exist_ok=True)
    gdf = sample_frame(TYPES["mines"], n=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, folder / f"{name}.shp", encoding="UTF-8")
    return gdf


def test_zip_of_a_delivery_folder_is_opened(tmp_path):
    """A zipped folder (giao_nop/mo.shp …), as offices send them: the folder inside is read."""
    import zipfile

    gdf = _mines_shp(tmp_path / "giao_nop")
    archive = tmp_path / "giao_nop.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted((tmp_path / "giao_nop").iterdir()):
            zf.write(f, f"giao_nop/{f.name}")
        zf.writestr("__MACOSX/giao_nop/._mo.shp", b"\0")  # macOS resource forks are ignored
    back = read_layer(archive, layer_type="mines")
    assert list(back["mine_id"]) == list(gdf["mine_id"]) and list(back["name"]) == list(gdf["name"])
    # one GeoPackage in a folder of the zip
    gpkg_zip = tmp_path / "gpkg.zip"
    gdf.to_file(tmp_path / "mo.gpkg")
    with zipfile.ZipFile(gpkg_zip, "w") as zf:
        zf.write(tmp_path / "mo.gpkg", "du_lieu/mo.gpkg")
    assert list(read_layer(gpkg_zip, layer_type="mines")["mine_id"]) == list(gdf["mine_id"])
    # layers in two folders: which one is meant is not guessed
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as zf:
        for f in sorted((tmp_path / "giao_nop").iterdir()):
            zf.write(f, f"a/{f.name}")
            zf.write(f, f"b/{f.name}")
    with pytest.raises(ReadError, match=r"two\.zip: the archive holds layers in several folders \(a, b\)"):
        read_layer(two)
    notes = tmp_path / "notes.zip"
    with zipfile.ZipFile(notes, "w") as zf:
        zf.writestr("docs/readme.txt", "không có lớp")
    with pytest.raises(ReadError, match=r"notes\.zip: the archive holds no layer file \(1 file\(s\): docs/readme\.txt\)"):
        read_layer(notes)


def test_shapefile_without_its_dbf_is_named_as_such(tmp_path):
    _mines_shp(tmp_path)
    (tmp_path / "mo.dbf").unlink()
    with pytest.raises(ReadError, match=r"mo\.shp: its attribute file mo\.dbf is missing"):
        read_layer(tmp_path / "mo.shp")
    report = validate(tmp_path / "mo.shp")
    assert [i.code for i in report.errors] == ["ReadError"] and "mo.dbf is missing" in report.errors[0].message


def test_id_column_given_in_nfc_matches_an_nfd_column_name(tmp_path):
    """A zones file written on macOS keeps its column names in NFD; --id-column typed in NFC
    (or the other way round) names the same column."""
    import geopandas as gpd
    import rasterio
    from rasterio.transform import from_origin

    from gisplan.indicators.canopy import forest_cover

    nfd = unicodedata.normalize("NFD", "mã_xã")
    assert nfd != "mã_xã"
    zones = gpd.GeoDataFrame({nfd: ["A", "B"]}, crs=9213, geometry=[
        shapely.box(X0, Y0 - 300, X0 + 150, Y0), shapely.box(X0 + 150, Y0 - 300, X0 + 300, Y0)])
    raster = tmp_path / "tc.tif"
    data = np.full((10, 10), 80, dtype="uint8")
    data[:, 5:] = 3
    with rasterio.open(raster, "w", driver="GTiff", width=10, height=10, count=1, dtype="uint8", crs="EPSG:9213",
                       nodata=255, transform=from_origin(X0, Y0, 30, 30)) as ds:
        ds.write(data, 1)
    t = forest_cover(raster, zones, id_column=unicodedata.normalize("NFC", "mã_xã"), mmu_ha=0)
    assert list(t.columns[:1]) == ["mã_xã"] and list(t["mã_xã"]) == ["A", "B"]
    assert t["forest_pct"].tolist() == [100.0, 0.0]
    assert list(zones.columns[:1]) == [nfd]  # the caller's frame is not changed


def test_vietnamese_station_headers_are_aliases(tmp_path):
    """ma_tram, ten_tram, moi_truong, hinh_thuc: the station table's usual Vietnamese headers, with
    the Vietnamese labels as values."""
    path = tmp_path / "tram.csv"
    path.write_text("ma_tram,ten_tram,moi_truong,hinh_thuc,lon,lat\n"
                    "KK01,Trạm Hoàng Văn Thụ,Không khí,\"Tự động, liên tục\",105.84,21.59\n"
                    "NM02,Cầu Gia Bảy,Nước mặt,Định kỳ,105.85,21.60\n", encoding="utf-8")
    back = read_layer(path, layer_type="monitoring_stations", assume_crs=4326)
    assert list(back["station_id"]) == ["KK01", "NM02"]
    assert list(back["medium"]) == ["air", "surface_water"] and list(back["mode"]) == ["automatic", "manual"]


def test_a_mapinfo_table_with_tcvn3_text_and_no_charset_is_decoded(tmp_path):
    # MapInfo tables exported by older provincial software: charset "Neutral" and TCVN3 bytes.
    # The text is read byte for byte and decoded (reported), never a decoding error
    import geopandas as gpd

    names = ["Bãi rác Đồng Hỷ", "Bãi rác Phú Bình"]
    legacy = [encode_legacy(n, "tcvn3").encode("latin1") for n in names]
    holders = ["Q" * len(b) for b in legacy]
    gdf = gpd.GeoDataFrame({"site_id": ["BR1", "BR2"], "name": holders, "kind": "landfill"},
                           geometry=[shapely.Point(X0, Y0), shapely.Point(X0 + 500, Y0)], crs=9213)
    path = tmp_path / "bai_rac.tab"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, path, driver="MapInfo File")
    assert b'Charset "Neutral"' in path.read_bytes()
    dat = path.with_suffix(".dat")
    raw = dat.read_bytes()
    for h, b in zip(holders, legacy, strict=True):
        raw = raw.replace(h.encode("ascii"), b, 1)
    dat.write_bytes(raw)
    with pytest.warns(RepairWarning, match="tcvn3"):
        got = read_layer(path, strict=False)
    assert got["name"].tolist() == names
    assert got.attrs["gisplan"]["encoding"] == {"name": "tcvn3"}
