"""LayerStore: layers read once and clipped to the study area (geometry built by hand)."""

import geopandas as gpd
import pytest
import shapely

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
