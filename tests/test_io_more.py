"""Bad and awkward inputs built by hand: MapInfo files in VN-2000, missing CRS in UTM 48N,
empty/null geometries, legacy text under a wrong .cpg, X = northing survey tables, overlapping
polygons, per-feature repair reports."""

import warnings

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from _samples import X0, Y0, sample_frame
from pyproj import Transformer

from gisplan.catalog import load_catalog, load_layer_types
from gisplan.encoding import encode_legacy
from gisplan.errors import AssumedCRSWarning, CRSError, GisplanWarning, RepairWarning
from gisplan.io import read_catalog_layer, read_layer, validate, write_layer

TYPES = load_layer_types()


def _write_raw(gdf, path, **kw):
    """Write with GDAL as another program would (no checks, legacy bytes allowed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, path, **kw)
    return path


# ---------------------------------------------------------------------------------------------
# MapInfo TAB/MIF in VN-2000
@pytest.mark.parametrize("suffix", [".tab", ".mif"])
@pytest.mark.parametrize("epsg", [9213, 3405])
def test_mapinfo_in_vn2000_comes_back_in_place(tmp_path, suffix, epsg):
    gdf = sample_frame(TYPES["waste_sites"], n=3)  # EPSG:9213, around Thái Nguyên city
    path = _write_raw(gdf.to_crs(epsg), tmp_path / f"w{suffix}", driver="MapInfo File")
    # the precondition: GDAL returns the projection on WGS 84 (MapInfo has no VN-2000 datum)
    raw = pyogrio.read_dataframe(path)
    assert "1984" in raw.crs.datum.name and not raw.crs.equals(epsg)
    naive = raw.to_crs(9213).geometry.values
    assert 200 < shapely.distance(naive, gdf.geometry.values).min() < 250  # the ~224 m of FACTS.md
    with pytest.warns(AssumedCRSWarning, match=f"EPSG:{epsg}"):
        back = read_layer(path, layer_type="waste_sites")
    assert back.crs.to_epsg() == 9213
    assert shapely.distance(back.geometry.values, gdf.geometry.values).max() < 1.0
    meta = back.attrs["gisplan"]
    assert meta["crs_assumed"].startswith("assumed VN-2000") and f"EPSG:{epsg}" in meta["crs_assumed"]
    assumed = [i for i in meta["issues"] if i["code"] == "crs_assumed"]
    assert len(assumed) == 1 and assumed[0]["severity"] == "warning" and assumed[0]["file"] == str(path)


def test_mapinfo_really_in_wgs84_utm_is_declared(tmp_path):
    gdf = sample_frame(TYPES["waste_sites"], n=2)
    path = _write_raw(gdf.to_crs(32648), tmp_path / "w.mif", driver="MapInfo File")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a declaration is not an assumption: no warning
        back = read_layer(path, layer_type="waste_sites", assume_crs="EPSG:32648")
    assert shapely.distance(back.geometry.values, gdf.geometry.values).max() < 0.01
    assert back.attrs["gisplan"]["crs_assumed"].startswith("declared WGS 84 / UTM zone 48N")
    assert not [i for i in back.attrs["gisplan"]["issues"] if i["code"] == "crs_assumed"]


def test_mapinfo_override_through_the_catalog(tmp_path):
    gdf = sample_frame(TYPES["waste_sites"], n=2)
    _write_raw(gdf.to_crs(32648), tmp_path / "w.tab", driver="MapInfo File")
    (tmp_path / "catalog.toml").write_text(
        '[catalog]\ntitle = "t"\nbase = "."\n\n[layers.waste]\ntype = "waste_sites"\n'
        'path = "w.tab"\ncrs = "EPSG:32648"\n', encoding="utf-8")
    cat = load_catalog(tmp_path / "catalog.toml")
    back = read_catalog_layer(cat, "waste")
    assert shapely.distance(back.geometry.values, gdf.geometry.values).max() < 0.01


def test_mapinfo_outside_vietnam_is_left_alone(tmp_path):
    # a UTM 48N file whose coordinates are far north of Vietnam is not VN-2000
    gdf = sample_frame(TYPES["waste_sites"], n=1, crs=32648)
    gdf.geometry = [shapely.Point(500_000, 5_000_000)]
    path = _write_raw(gdf, tmp_path / "far.tab", driver="MapInfo File")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = read_layer(path, layer_type="waste_sites", crs=None)
    assert back.crs.to_epsg() == 32648 and back.attrs["gisplan"]["crs_assumed"] is None


# ---------------------------------------------------------------------------------------------
# no CRS: VN-2000 / UTM 48N coordinates
def test_shapefile_without_prj_in_utm48n_is_recognised(tmp_path):
    gdf = sample_frame(TYPES["mines"], n=2)
    _write_raw(gdf.to_crs(3405), tmp_path / "mo.shp", encoding="UTF-8")
    (tmp_path / "mo.prj").unlink()
    with pytest.warns(AssumedCRSWarning, match="EPSG:3405"):
        back = read_layer(tmp_path / "mo.shp", layer_type="mines")
    assert "UTM zone 48N" in back.attrs["gisplan"]["crs_assumed"]
    # same datum: UTM 48N → TM-3 106°30' is a pure projection change, exact to the mm
    assert shapely.distance(back.geometry.values, gdf.geometry.values).max() < 0.001
    assert [i["code"] for i in back.attrs["gisplan"]["issues"]] == ["crs_assumed"]


# ---------------------------------------------------------------------------------------------
# empty and null geometries
def test_empty_and_null_geometries_are_reported_with_layer_column_and_row(tmp_path):
    gdf = sample_frame(TYPES["communes"], n=3)
    gdf.loc[1, "geometry"] = shapely.Polygon()
    gdf.loc[2, "geometry"] = None
    path = write_layer(gdf, tmp_path / "xa.gpkg", layer="xa")
    report = validate(path, layer_type="communes")
    found = [(i.code, i.file, i.layer, i.column, i.row) for i in report.errors]
    assert found == [("empty_geometry", str(path), "xa", "geometry", "10001"),
                     ("empty_geometry", str(path), "xa", "geometry", "10002")]


# ---------------------------------------------------------------------------------------------
# legacy text in shapefiles, with and without a wrong .cpg
NAMES = ["Vườn Quốc gia Ba Bể", "Khu dự trữ thiên nhiên Kim Hỷ", "Khu bảo tồn loài - sinh cảnh Nam Xuân Lạc"]


@pytest.mark.parametrize("cpg", [None, "UTF-8"])
@pytest.mark.parametrize("enc", ["tcvn3", "vni", "cp1258"])
def test_legacy_shapefile_end_to_end(tmp_path, enc, cpg):
    gdf = sample_frame(TYPES["protected_areas"], n=3)
    gdf["name"] = [encode_legacy(n, enc) for n in NAMES]
    _write_raw(gdf, tmp_path / "kbt.shp", encoding="latin1")
    (tmp_path / "kbt.cpg").unlink(missing_ok=True)
    if cpg:
        (tmp_path / "kbt.cpg").write_text(cpg)  # the declaration lies: the bytes are not UTF-8
    ctx = pytest.warns(RepairWarning, match=enc) if enc in ("tcvn3", "vni") else warnings.catch_warnings()
    with ctx:
        back = read_layer(tmp_path / "kbt.shp", layer_type="protected_areas")
    # TCVN3 has no toned capitals: "Vườn", "Khu" start with letters it has, so all survive
    assert list(back["name"]) == NAMES
    assert back.attrs["gisplan"]["encoding"] == {"name": enc}
    decoded = [i for i in back.attrs["gisplan"]["issues"] if i["code"] == "text_decoded"]
    assert [(i["column"], i["severity"]) for i in decoded] == [("name", "warning")]
    assert enc in decoded[0]["message"]


# ---------------------------------------------------------------------------------------------
# CSV: X = northing, Y = easting
def _expected_points(n):
    return [(X0 + 10 + 2000 * i, Y0 + 10) for i in range(n)]


def _station_csv(path, rows, header="ma_tram,ten_tram,medium,mode,X,Y"):
    lines = [header] + [f"KK{i},Trạm {i},air,manual,{a:.2f},{b:.2f}" for i, (a, b) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_csv_with_x_northing_y_easting_is_swapped(tmp_path):
    pts = _expected_points(3)
    csv = _station_csv(tmp_path / "tram.csv", [(y, x) for x, y in pts])  # X = northing
    with pytest.warns(RepairWarning, match="X/Y hold northing/easting"):
        with pytest.warns(AssumedCRSWarning, match="EPSG:9213"):
            st = read_layer(csv, layer_type="monitoring_stations", columns={"ma_tram": "station_id"})
    assert [(p.x, p.y) for p in st.geometry] == pts
    meta = st.attrs["gisplan"]
    assert "swapped" in meta["axes_swapped"]
    assert {i["code"] for i in meta["issues"]} == {"axes_swapped", "crs_assumed"}


def test_csv_swap_with_a_declared_utm48n(tmp_path):
    utm = Transformer.from_crs(9213, 3405, always_xy=True)
    pts = [utm.transform(x, y) for x, y in _expected_points(2)]
    csv = _station_csv(tmp_path / "tram.csv", [(y, x) for x, y in pts])
    with pytest.warns(RepairWarning, match="UTM zone 48N"):
        st = read_layer(csv, layer_type="monitoring_stations", columns={"ma_tram": "station_id"},
                        assume_crs="EPSG:3405", crs=None)
    got = np.array([(p.x, p.y) for p in st.geometry])
    assert np.allclose(got, np.round(pts, 2), atol=0.006)


def test_csv_x_easting_is_kept_and_declared_axes_are_obeyed(tmp_path):
    pts = _expected_points(2)
    plain = _station_csv(tmp_path / "a.csv", pts)
    with pytest.warns(AssumedCRSWarning):
        st = read_layer(plain, layer_type="monitoring_stations", columns={"ma_tram": "station_id"})
    assert [(p.x, p.y) for p in st.geometry] == pts and st.attrs["gisplan"]["axes_swapped"] is None
    swapped = _station_csv(tmp_path / "b.csv", [(y, x) for x, y in pts])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # declared: nothing to warn about
        st = read_layer(swapped, layer_type="monitoring_stations", assume_crs=9213,
                        columns={"ma_tram": "station_id", "X": "northing", "Y": "easting"})
    assert [(p.x, p.y) for p in st.geometry] == pts


def test_csv_mixing_both_axis_orders_is_refused(tmp_path):
    pts = _expected_points(3)
    rows = [(pts[0][1], pts[0][0]), (pts[1][1], pts[1][0]), pts[2]]  # line 4 is easting-first
    csv = _station_csv(tmp_path / "tron.csv", rows)
    with pytest.raises(CRSError, match=r"tron\.csv.*line\(s\) 4.*ambiguous.*'X': 'northing'"):
        read_layer(csv, layer_type="monitoring_stations", columns={"ma_tram": "station_id"})


# ---------------------------------------------------------------------------------------------
# repairs reported for every feature
def test_every_repaired_feature_is_in_the_report(tmp_path):
    n = 25
    gdf = sample_frame(TYPES["urban_areas"], n=n)
    gdf.geometry = [shapely.Polygon([(x, Y0), (x + 100, Y0 + 100), (x + 100, Y0), (x, Y0 + 100)])
                    for x in X0 + 2000 * np.arange(n)]
    path = write_layer(gdf, tmp_path / "u.gpkg")
    report = validate(path, layer_type="urban_areas")
    repaired = [i for i in report.warnings if i.code == "geometry_repaired"]
    ids = list(gdf[TYPES["urban_areas"].id_column])
    assert [i.row for i in repaired] == ids  # all 25, one per feature
    shown = report.capped(20)
    assert sum(i.code == "geometry_repaired" and i.row is not None for i in shown) == 20
    assert shown[-1].message == "… and 5 more rows with the same problem"
    assert "… and 5 more rows" in str(report)


# ---------------------------------------------------------------------------------------------
# overlapping polygons
def _parcels(boxes, crs=9213):
    gdf = sample_frame(TYPES["forest_status"], n=len(boxes), crs=crs)
    gdf["parcel_id"] = [f"P{i}" for i in range(len(boxes))]
    gdf["meets_criteria"] = True
    gdf.geometry = [shapely.box(*b) for b in boxes]
    return gdf


def test_overlapping_forest_parcels_are_errors(tmp_path):
    # a 100 ha commune (1 km × 1 km) with two 80 ha parcels overlapping by 60 ha (160 % cover),
    # a parcel touching P1 with a 0.4 m² sliver, and a duplicate of P3
    boxes = [(X0, Y0, X0 + 800, Y0 + 1000), (X0 + 200, Y0, X0 + 1000, Y0 + 1000),
             (X0 + 1000 - 0.0004, Y0, X0 + 1500, Y0 + 1000), (X0 + 5000, Y0, X0 + 5100, Y0 + 100),
             (X0 + 5000, Y0, X0 + 5100, Y0 + 100)]
    gdf = _parcels(boxes)
    assert gdf.area.sum() / 1e4 - gdf.area.iloc[2] / 1e4 == pytest.approx(160 + 2)  # the inflated total
    report = validate(write_layer(gdf, tmp_path / "htr.gpkg"), layer_type="forest_status")
    found = sorted((i.row, i.message.split(" by ")[0], i.column) for i in report.errors)
    assert found == [("P0", "overlaps P1", "geometry"), ("P3", "overlaps P4", "geometry")]
    msg = {i.row: i.message for i in report.errors}
    assert "600,000.0 m² (60.0000 ha)" in msg["P0"]  # 600 m × 1000 m
    assert "10,000.0 m² (1.0000 ha)" in msg["P3"]  # 100 m × 100 m duplicate
    # the sliver (0.4 m²) counts with a smaller tolerance
    fine = read_layer(tmp_path / "htr.gpkg", layer_type="forest_status", strict=False, overlap_tolerance_m2=0.1)
    rows = sorted(i["row"] for i in fine.attrs["gisplan"]["issues"] if i["code"] == "overlap")
    assert rows == ["P0", "P1", "P3"]
    sliver = next(i for i in fine.attrs["gisplan"]["issues"] if i["row"] == "P1")
    assert "overlaps P2 by 0.4 m²" in sliver["message"]


def test_overlap_area_of_geographic_data_is_in_square_metres(tmp_path):
    gdf = _parcels([(X0, Y0, X0 + 800, Y0 + 1000), (X0 + 200, Y0, X0 + 1000, Y0 + 1000)]).to_crs(4326)
    report = validate(write_layer(gdf, tmp_path / "htr.geojson"), layer_type="forest_status")
    (issue,) = report.errors
    m2 = float(issue.message.split(" by ")[1].split(" m²")[0].replace(",", ""))
    assert m2 == pytest.approx(600_000, rel=1e-4)  # measured after projecting to EPSG:9213


def test_overlapping_communes_and_touching_ones(tmp_path):
    gdf = sample_frame(TYPES["communes"], n=3)
    gdf.geometry = [shapely.box(X0, Y0, X0 + 1000, Y0 + 1000), shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000),
                    shapely.box(X0 + 1500, Y0 + 500, X0 + 2500, Y0 + 1500)]
    report = validate(write_layer(gdf, tmp_path / "xa.gpkg"), layer_type="communes")
    # communes: a warning (official boundaries carry small overlaps), parcels: an error
    overlaps = [i for i in report.issues if i.code == "overlap"]
    assert [(i.severity, i.row) for i in overlaps] == [("warning", "10001")]
    assert "overlaps 10002 by 250,000.0 m² (25.0000 ha)" in overlaps[0].message


def test_overlap_check_on_36000_parcels_finds_the_one_shifted():
    # a 190 × 190 grid of 100 m parcels (36,100) with one parcel shifted onto its neighbour
    n = 190
    ix, iy = np.meshgrid(np.arange(n), np.arange(n))
    x0, y0 = X0 + 100.0 * ix.ravel(), Y0 + 100.0 * iy.ravel()
    geoms = shapely.box(x0, y0, x0 + 100, y0 + 100)
    geoms[5] = shapely.box(x0[5] + 30, y0[5], x0[5] + 130, y0[5] + 100)  # 30 m × 100 m into parcel 6
    gdf = gpd.GeoDataFrame({"parcel_id": [f"P{i}" for i in range(n * n)], "origin": "natural",
                            "purpose": "production", "meets_criteria": True, "year": 2024},
                           geometry=geoms, crs=9213)
    from gisplan.io import validate_frame

    _, report = validate_frame(gdf, TYPES["forest_status"])
    assert [(i.row, i.message.split(" (")[0]) for i in report.errors] == [("P5", "overlaps P6 by 3,000.0 m²")]


def test_demo_layers_have_no_overlaps(demo_small):
    cat = load_catalog(demo_small)
    for name in ("communes", "communes_pre2025", "forest_status_2020", "forest_status_2024"):
        gdf = read_catalog_layer(cat, name, strict=False)
        assert not [i for i in gdf.attrs["gisplan"]["issues"] if i["code"] == "overlap"], name


def test_validate_emits_no_python_warnings(tmp_path):
    gdf = sample_frame(TYPES["mines"], n=2)
    gdf["name"] = [encode_legacy("Mỏ than Khánh Hòa", "tcvn3"), encode_legacy("Mỏ đá Núi Voi", "tcvn3")]
    _write_raw(gdf, tmp_path / "mo.shp", encoding="latin1")
    (tmp_path / "mo.prj").unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error", GisplanWarning)
        report = validate(tmp_path / "mo.shp", layer_type="mines")
    assert report.ok
    assert sorted((i.code, i.column) for i in report.warnings) == [("crs_assumed", "geometry"), ("text_decoded", "name")]


def test_read_is_one_entry_point_for_vectors_and_rasters(demo_small):
    import gisplan
    from gisplan.io import RasterSource

    cat = load_catalog(demo_small)
    communes = gisplan.read("communes", catalog=cat)
    assert isinstance(communes, gpd.GeoDataFrame) and communes.crs.to_epsg() == 9213
    by_name = gisplan.read("tree_cover_2024", catalog=cat)
    by_path = gisplan.read(cat.entry("tree_cover_2024").path)
    for src in (by_name, by_path):
        assert isinstance(src, RasterSource) and src.crs.to_epsg() == 9213
    assert (by_name.width, by_name.height) == (by_path.width, by_path.height)


def test_gisplan_io_names_are_the_functions_not_its_modules():
    """gisplan.io is a package; its public names (those of the former single module) are the
    functions and classes, and no submodule shadows one of them (e.g. ``validate``, ``read``)."""
    import importlib
    import inspect
    import pkgutil

    import gisplan
    import gisplan.io as gio

    for name in gio.__all__:
        assert not inspect.ismodule(getattr(gio, name)), name
    for mod in pkgutil.iter_modules(gio.__path__):
        importlib.import_module(f"gisplan.io.{mod.name}")
        assert mod.name not in gio.__all__, mod.name
    for name in ("read", "read_layer", "read_catalog_layer", "open_raster", "write_layer", "validate"):
        assert inspect.isfunction(getattr(gio, name)) and getattr(gisplan, name) is getattr(gio, name)
    assert gisplan.ValidationReport is gio.ValidationReport
    assert {".shp", ".gpkg", ".csv"} <= gio.VECTOR_SUFFIXES and ".tif" in gio.RASTER_SUFFIXES


def test_a_large_shapefile_read_in_batches_is_the_same_frame(tmp_path, monkeypatch):
    # 1,000 lots in the FRMS field set with TCVN3 text, read in batches of 300 (four batches, two
    # at once) and in one piece: the same rows in the same order, the same decoded values
    import gisplan.io.vector as vector

    n = 1000
    ix, iy = np.arange(n) % 40, np.arange(n) // 40
    geoms = shapely.box(X0 + 100.0 * ix, Y0 + 100.0 * iy, X0 + 100.0 * ix + 100, Y0 + 100.0 * iy + 100)
    names = [encode_legacy(f"Hộ ông Nguyễn Văn {i % 37}", "tcvn3") for i in range(n)]
    lots = gpd.GeoDataFrame({"maxa": 5536, "tk": (ix // 10 + 1).astype(str), "khoanh": (iy // 5 + 1).astype(str),
                             "lo": np.arange(n).astype(str), "dtich": 1.0, "ldlr": np.where(ix % 3, "RTG", "TXB"),
                             "maldlr": np.where(ix % 3, 68, 5), "nggocr": np.where(ix % 3, 2, 1), "malr3": 3,
                             "churung": names}, geometry=geoms, crs=9213)
    path = tmp_path / "lorung.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(lots, path, encoding="latin1")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = read_layer(path, layer_type="forest_status", strict=False)
        monkeypatch.setattr(vector, "BATCH_FEATURES", 300)
        batched = read_layer(path, layer_type="forest_status", strict=False)
    assert len(batched) == n and list(batched.columns) == list(whole.columns)
    assert batched.index.equals(whole.index)
    assert batched.drop(columns="geometry").equals(whole.drop(columns="geometry"))
    assert bool(np.all(shapely.equals_exact(batched.geometry.to_numpy(), whole.geometry.to_numpy(), 0)))
    assert batched["owner"].iloc[999] == "Hộ ông Nguyễn Văn 0" and batched["parcel_id"].iloc[999] == "05536/4/5/999"  # tk 39 // 10 + 1, khoanh 24 // 5 + 1
