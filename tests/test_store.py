"""LayerStore: layers read once and clipped to the study area (geometry built by hand)."""

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gisplan.catalog import Catalog
from gisplan.errors import DataMissingError
from gisplan.store import LayerStore, clip_to_area

CRS = 9213
X0, Y0 = 430_000.0, 2_390_000.0  # inside Thái Nguyên in EPSG:9213
AREA = shapely.box(X0, Y0, X0 + 10_000, Y0 + 10_000)  # a 10 km × 10 km "province"


def box(x0, y0, x1, y1):
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def test_clip_to_area_by_hand():
    polys = gpd.GeoDataFrame({"id": ["in", "half", "sliver", "out"]}, geometry=[
        box(1000, 1000, 2000, 2000),             # wholly inside: kept as is
        box(9000, 0, 11_000, 1000),              # half inside: 100 of 200 ha kept
        box(9_950, 2000, 19_950, 3000),          # 0.5 % inside (5 of 1,000 ha): sliver
        box(20_000, 0, 21_000, 1000),            # outside
    ], crs=CRS)
    out = clip_to_area(polys, AREA, keep_full_area=True)
    assert list(out["id"]) == ["in", "half"]
    assert out.area.to_list() == pytest.approx([1e6, 1e6])
    assert out["full_area_ha"].to_list() == pytest.approx([100, 200])
    assert out.attrs["gisplan"]["clip"] == {"kept": 1, "cut": 1, "dropped_outside": 1, "dropped_slivers": 1}


def test_clip_lines_and_points():
    lines = gpd.GeoDataFrame({"id": ["cross", "out"]}, geometry=[
        shapely.LineString([(X0 + 5000, Y0 + 5000), (X0 + 25_000, Y0 + 5000)]),  # 5 of 20 km inside
        shapely.LineString([(X0 - 5000, Y0 - 5000), (X0 - 1000, Y0 - 1000)]),
    ], crs=CRS)
    out = clip_to_area(lines, AREA)
    assert list(out["id"]) == ["cross"] and out.length.iloc[0] == pytest.approx(5000)
    pts = gpd.GeoDataFrame({"id": ["in", "edge", "out"]}, geometry=shapely.points(
        [(X0 + 1, Y0 + 1), (X0 + 10_000, Y0 + 5000), (X0 + 10_001, Y0 + 5000)]), crs=CRS)
    out = clip_to_area(pts, AREA)
    assert list(out["id"]) == ["in", "edge"]
    assert out.attrs["gisplan"]["clip"]["dropped_outside"] == 1


def _write(tmp_path, name, gdf):
    path = tmp_path / f"{name}.gpkg"
    gdf.to_file(path, driver="GPKG")
    return path


@pytest.fixture
def catalog(tmp_path):
    prov = gpd.GeoDataFrame({"code": ["19"], "name": ["Tỉnh thử"]}, geometry=[AREA], crs=CRS)
    communes = gpd.GeoDataFrame({"code": ["00001", "00002"], "name": ["Xã A", "Xã B"],
                                 "unit_type": ["xa", "xa"]},
                                geometry=[box(0, 0, 5000, 10_000), box(5000, 0, 10_500, 10_000)], crs=CRS)
    pa = gpd.GeoDataFrame({
        "feature_id": ["T", "C"], "pa_id": ["T", "C"], "name": ["Tam Đảo thử", "Cà Mau thử"],
        "category": ["national_park", "national_park"], "zone": ["whole", "whole"],
    }, geometry=[box(8000, 8000, 12_000, 12_000), box(500_000, 0, 501_000, 1000)], crs=CRS)
    mines = gpd.GeoDataFrame({
        "mine_id": ["m1", "m2"], "name": ["Mỏ 1", "Mỏ 2"], "mineral": ["cát", "đá"],
        "licence_status": ["valid", "valid"], "operating": [True, True], "riverbed": [False, False],
    }, geometry=shapely.points([(X0 + 100, Y0 + 100), (X0 - 100, Y0 + 100)]), crs=CRS)
    for name, gdf in (("province", prov), ("communes", communes), ("protected_areas", pa), ("mines", mines)):
        _write(tmp_path, name, gdf)
    toml = "[catalog]\ntitle = 't'\n" + "".join(
        f"[layers.{n}]\ntype = '{n}'\npath = '{n}.gpkg'\n" for n in ("province", "communes", "protected_areas", "mines"))
    (tmp_path / "catalog.toml").write_text(toml, encoding="utf-8")
    return Catalog(tmp_path / "catalog.toml")


def test_store_clips_to_the_province(catalog):
    store = LayerStore(catalog)
    assert store.study_area.area == pytest.approx(1e8)
    pa = store.get("protected_areas")
    assert list(pa["pa_id"]) == ["T"]                      # Cà Mau dropped
    assert pa.area.iloc[0] == pytest.approx(4e6)           # 2 km × 2 km of 4 × 4 km inside
    assert pa["full_area_ha"].iloc[0] == pytest.approx(1600)
    assert list(store.get("mines")["mine_id"]) == ["m1"]
    # the province and communes are not clipped by the province
    assert store.get("communes").area.sum() == pytest.approx(10_500 * 10_000)
    assert store.get("mines") is store.get("mines")        # read once
    q = {r["layer"]: r for r in store.quality()}
    assert q["protected_areas"]["clip"] == {"kept": 0, "cut": 1, "dropped_outside": 1, "dropped_slivers": 0}
    assert q["mines"]["clip"]["dropped_outside"] == 1


def test_store_missing_and_optional(catalog):
    store = LayerStore(catalog)
    with pytest.raises(DataMissingError, match="river_sections") as info:
        store.get("river_sections")
    assert "thiếu lớp dữ liệu 'river_sections'" in info.value.reason_vi
    assert store.optional("river_sections") is None
    assert store.entries("river_sections") == []
    with pytest.raises(DataMissingError):
        store.get("mines", 1)  # only one mines layer


def test_explicit_study_area_clips_communes(catalog, tmp_path):
    half = gpd.GeoDataFrame({"id": [1]}, geometry=[box(0, 0, 5000, 10_000)], crs=CRS)
    _write(tmp_path, "area", half)
    catalog.study_area = "area.gpkg"  # relative to the catalog file
    store = LayerStore(catalog)
    assert store.study_area.area == pytest.approx(5e7)
    communes = store.get("communes")
    assert list(communes["code"]) == ["00001"]
    assert communes.attrs["gisplan"]["clip"]["dropped_outside"] == 1  # Xã B only touches it
    catalog.study_area = "communes"  # an entry name
    assert LayerStore(catalog).study_area.area == pytest.approx(10_500 * 10_000)


def test_given_layers_and_no_study_area():
    pts = gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.Point(X0, Y0)], crs=CRS)
    store = LayerStore(None, layers={"mines": pts})
    assert store.study_area is None and store.get("mines") is pts
    assert store.optional("communes") is None


# -- real public data: nationwide and regional layers cut to the province ---------------------
def _real_catalog(tmp_path, real, pa_source="heritage"):
    pa = {
        "heritage": """[layers.protected_areas]
type = "protected_areas"
path = "legocity_odv/heritage.geojson"
columns = { Ten = "name", Kieu_BT = "kind" }
defaults = { pa_id = "$name", feature_id = "$name", category = "national_park", zone = "whole" }
""",
        "osm": """[layers.protected_areas]
type = "protected_areas"
path = "osm_geofabrik2018_vvnb/osm2018_thai_nguyen.gpkg"
layer = "nature_reserves_all_extract"
columns = { osm_id = "feature_id" }
defaults = { pa_id = "$feature_id", category = "national_park", zone = "whole" }
""",
    }[pa_source]
    text = f"""[catalog]
title = "real"
base = "{real.as_posix()}"
reference_date = "2025-12-31"

[layers.province]
type = "province"
path = "bando2025_thanglequoc/thai_nguyen_2025_province.geojson"
columns = {{ fullName = "name_full", areaKm2 = "area_km2_official" }}

[layers.communes]
type = "communes"
path = "bando2025_thanglequoc/thai_nguyen_2025_wards.gpkg"
columns = {{ fullName = "name", name = "short_name", areaKm2 = "area_km2_official" }}

[layers.river_sections]
type = "river_sections"
path = "hydroviet_gms/gms_rivers_north_vn.gpkg"
columns = {{ ARCID = "section_id", Sub_Name = "river_name" }}

{pa}"""
    (tmp_path / "real.toml").write_text(text, encoding="utf-8")
    return Catalog(tmp_path / "real.toml")


def _quiet(fn):
    import warnings

    from gisplan.errors import GisplanWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GisplanWarning)  # real wards overlap by a few m²
        return fn()


def test_real_nationwide_layers_are_cut_to_the_province(tmp_path, real_data):
    from gisplan.indicators.run import run_indicators

    store = LayerStore(_real_catalog(tmp_path, real_data))
    prov = gpd.read_file(real_data / "bando2025_thanglequoc/thai_nguyen_2025_province.geojson").to_crs(CRS)
    # heritage: 14 sites of all Vietnam, only Ba Bể (Ramsar, ~10,048 ha) in the province
    pa = store.get("protected_areas")
    assert list(pa["name"]) == ["Vườn quốc gia Ba Bể"]
    raw = gpd.read_file(real_data / "legocity_odv/heritage.geojson").to_crs(CRS)
    ba_be = raw.loc[raw["Ten"] == "Vườn quốc gia Ba Bể"].area.iloc[0] / 1e4
    assert pa["full_area_ha"].iloc[0] == pytest.approx(ba_be, rel=1e-9)
    assert pa["full_area_ha"].iloc[0] == pytest.approx(10_048, rel=0.02)  # outline 9,941 ha
    # rivers of northern Vietnam and China (11,308 km) → the province's few hundred km,
    # checked against geopandas' own clip
    rivers = store.get("river_sections")
    whole = gpd.read_file(real_data / "hydroviet_gms/gms_rivers_north_vn.gpkg").to_crs(CRS)
    assert whole.length.sum() / 1e3 == pytest.approx(11_308, rel=1e-3)
    expected = gpd.clip(whole, prov).length.sum() / 1e3
    assert rivers.length.sum() / 1e3 == pytest.approx(expected, rel=1e-6)
    assert 200 < expected < 600
    res = _quiet(lambda: run_indicators(store=store))
    t = res["protected_areas"].set_index("name")
    assert list(t.index) == ["Vườn quốc gia Ba Bể"] and math.isnan(t["official_area_ha"].iloc[0])
    assert res["river_quality"]["length_km"].sum() == pytest.approx(expected, rel=1e-6)
    assert res["river_quality"]["polluted_km"].isna().all()  # GMS rivers carry no water quality
    assert "conflicts" in res.skipped and "pressures_upstream" in res.skipped


def test_real_protected_area_partly_inside_keeps_its_full_area(tmp_path, real_data):
    from gisplan.indicators.run import run_indicators

    cat = _real_catalog(tmp_path, real_data, "osm")
    res = _quiet(lambda: run_indicators(cat))
    t = res["protected_areas"].set_index("name")
    assert "Vườn quốc gia Tam Đảo" in t.index and "Vườn quốc gia Cát Bà" not in t.index
    raw = gpd.read_file(real_data / "osm_geofabrik2018_vvnb/osm2018_thai_nguyen.gpkg",
                        layer="nature_reserves_all_extract").to_crs(CRS)
    prov = gpd.read_file(real_data / "bando2025_thanglequoc/thai_nguyen_2025_province.geojson").to_crs(CRS)
    tam_dao = raw[raw["name"] == "Vườn quốc gia Tam Đảo"]
    full = tam_dao.area.sum() / 1e4
    inside = gpd.overlay(tam_dao, prov[["geometry"]], how="intersection").area.sum() / 1e4
    row = t.loc["Vườn quốc gia Tam Đảo"]
    assert row["area_ha"] == pytest.approx(full, rel=1e-6)
    assert row["in_province_ha"] == pytest.approx(inside, rel=1e-6)
    assert 0 < row["in_province_pct"] < 60


def test_catalog_summary_shows_what_is_left_in_the_study_area(catalog):
    from gisplan.summary import summarize_catalog

    t = summarize_catalog(catalog).set_index("layer")
    assert t.loc["protected_areas", "study_area"] == "1 of 2 features, 400 ha"  # 2 × 2 km inside
    assert t.loc["mines", "study_area"] == "1 of 2 features, 1 point"
    assert t.loc["communes", "study_area"] == ""  # not clipped by the province


def test_one_entry_is_read_once_whatever_its_index(catalog, monkeypatch):
    import gisplan.store

    calls = []
    real = gisplan.store.read_catalog_layer
    monkeypatch.setattr(gisplan.store, "read_catalog_layer", lambda cat, name, **kw: calls.append(name) or real(cat, name, **kw))
    store = LayerStore(catalog)
    assert store.get("mines", 0) is store.get("mines", -1) is store.optional("mines")
    assert calls.count("mines") == 1
    assert [r["layer"] for r in store.quality()].count("mines") == 1


def test_a_province_layer_of_several_provinces_is_refused(tmp_path):
    from gisplan.errors import SchemaError

    two = gpd.GeoDataFrame({"code": ["19", "20"], "name": ["A", "B"]},
                           geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs=CRS)
    with pytest.raises(SchemaError, match="2 provinces.*where"):
        LayerStore(None, layers={"province": two}).study_area  # noqa: B018


def test_invalid_features_are_clipped_without_geos_errors():
    bowtie = shapely.Polygon([(X0 - 500, Y0), (X0 + 500, Y0 + 1000), (X0 + 500, Y0), (X0 - 500, Y0 + 1000)])
    gdf = gpd.GeoDataFrame({"id": [1]}, geometry=[bowtie], crs=CRS)
    out = clip_to_area(gdf, AREA)
    assert out.area.sum() == pytest.approx(1000 * 500 / 2)  # the right-hand triangle (x 0..500) inside


def test_features_on_the_boundary_are_inside_not_cut():
    # a parcel along the boundary, its edge 1e-10 m outside (a province rebuilt from its communes)
    parcel = shapely.box(X0 + 9000, Y0, X0 + 10_000 + 1e-10, Y0 + 1000)
    gdf = gpd.GeoDataFrame({"id": [1]}, geometry=[parcel], crs=CRS)
    out = clip_to_area(gdf, AREA)
    assert out.attrs["gisplan"]["clip"] == {"kept": 1, "cut": 0, "dropped_outside": 0, "dropped_slivers": 0}
    assert out.geometry.iloc[0].equals(parcel)  # left as it was


def test_study_area_from_the_catalog_file(catalog, tmp_path):
    half = gpd.GeoDataFrame({"id": [1]}, geometry=[box(0, 0, 5000, 10_000)], crs=CRS)
    _write(tmp_path, "area", half)
    text = (tmp_path / "catalog.toml").read_text(encoding="utf-8")
    (tmp_path / "c2.toml").write_text(text.replace("title = 't'", "title = 't'\nstudy_area = 'area.gpkg'"),
                                      encoding="utf-8")
    store = LayerStore(Catalog(tmp_path / "c2.toml"))
    assert store.study_area.area == pytest.approx(5e7) and store.study_area_source == "study_area"
    assert list(store.get("communes")["code"]) == ["00001"]
    # the province entry named as the study area: communes are not clipped by it
    (tmp_path / "c3.toml").write_text(text.replace("title = 't'", "title = 't'\nstudy_area = 'province'"),
                                      encoding="utf-8")
    store = LayerStore(Catalog(tmp_path / "c3.toml"))
    assert store.study_area_source == "province" and len(store.get("communes")) == 2


def test_a_layer_wholly_outside_the_study_area_is_missing_not_empty():
    prov = gpd.GeoDataFrame({"code": ["19"], "name": ["T"]}, geometry=[AREA], crs=CRS)
    far = gpd.GeoDataFrame({"id": [1, 2]}, geometry=[shapely.Point(X0 - 9e4, Y0), shapely.Point(X0 - 8e4, Y0)], crs=CRS)
    store = LayerStore(None, layers={"province": prov, "mines": far})
    with pytest.raises(DataMissingError, match="none of the 2 features of layer 'mines'"):
        store.get("mines")
    assert store.optional("mines") is None
    assert store.unclipped("mines") is far
    assert {r["layer"]: r for r in store.quality()}["mines"]["clip"]["dropped_outside"] == 2
    # an empty layer stays an empty layer (nothing was dropped)
    assert LayerStore(None, layers={"province": prov, "mines": far.iloc[:0]}).get("mines").empty


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-3000, 12_000), st.floats(-3000, 12_000), st.floats(1, 4000), st.floats(1, 4000)),
                min_size=1, max_size=8))
def test_clipped_area_is_the_inside_area_except_slivers(boxes):
    area = shapely.Point(X0 + 5000, Y0 + 5000).buffer(5000, quad_segs=64)  # a many-vertex "province"
    geoms = [box(x, y, x + w, y + h) for x, y, w, h in boxes]
    gdf = gpd.GeoDataFrame({"i": range(len(geoms))}, geometry=geoms, crs=CRS)
    out = clip_to_area(gdf, area)
    inside = shapely.area(shapely.intersection(np.array(geoms, dtype=object), area))
    share = inside / shapely.area(np.array(geoms, dtype=object))
    expected = np.where(share >= 0.01, inside, 0.0)
    got = np.zeros(len(geoms))
    got[out["i"].to_numpy()] = out.area.to_numpy()
    assert got == pytest.approx(expected, rel=2e-9, abs=1e-6)  # whole if within 1e-9
    c = out.attrs["gisplan"]["clip"]
    assert sum(c.values()) == len(geoms)
    assert c["dropped_slivers"] == int(((share > 0) & (share < 0.01)).sum())
