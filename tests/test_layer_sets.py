"""Several catalog layers of one type: protected areas from two sources used together (each area
once, the kept outline and the reason said), other types one layer with the reason; on layers
built by hand and on the real catalog."""

import unicodedata
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from gisplan.catalog import Catalog, load_catalog
from gisplan.layer_sets import used_entries
from gisplan.store import LayerStore

REPO = Path(__file__).resolve().parents[1]
CRS = 9213
X0, Y0 = 430_000.0, 2_390_000.0  # inside Thái Nguyên in EPSG:9213
AREA = shapely.box(X0, Y0, X0 + 10_000, Y0 + 10_000)  # a 10 km × 10 km "province"


def box(x0, y0, x1, y1):
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def pas(rows):
    """Protected areas from (feature_id, pa_id, name, geometry[, decision])."""
    return gpd.GeoDataFrame({
        "feature_id": [r[0] for r in rows], "pa_id": [r[1] for r in rows], "name": [r[2] for r in rows],
        "category": "national_park", "zone": "whole",
        "decision": [r[4] if len(r) > 4 else None for r in rows],
    }, geometry=[r[3] for r in rows], crs=CRS)


BA_BE_A = box(1000, 1000, 4000, 4000)      # 900 ha
BA_BE_B = box(1200, 1200, 4200, 4200)      # the same park drawn by the other source, 900 ha
ONLY_A = box(6000, 6000, 8000, 8000)       # 400 ha
ONLY_B = box(1000, 6000, 3000, 9000)       # 600 ha


def write_catalog(tmp_path, layers: dict, order: list[str], extra: str = "") -> Catalog:
    prov = gpd.GeoDataFrame({"code": ["19"], "name": ["Tỉnh thử"]}, geometry=[AREA], crs=CRS)
    prov.to_file(tmp_path / "province.gpkg", driver="GPKG")
    for name, gdf in layers.items():
        gdf.to_file(tmp_path / f"{name}.gpkg", driver="GPKG")
    toml = "[catalog]\ntitle = 't'\n[layers.province]\ntype = 'province'\npath = 'province.gpkg'\n" + "".join(
        f"[layers.{n}]\ntype = 'protected_areas'\npath = '{n}.gpkg'\nsource = 'nguồn {n}'\n" for n in order) + extra
    (tmp_path / "catalog.toml").write_text(toml, encoding="utf-8")
    return Catalog(tmp_path / "catalog.toml")


@pytest.fixture
def two_sources():
    # the second source writes the park's name in capitals, decomposed (NFD): the same name
    nfd = unicodedata.normalize("NFD", "VƯỜN QUỐC GIA BA BỂ")
    return {"kbt_so": pas([("1", "BB", "Vườn quốc gia Ba Bể", BA_BE_A), ("2", "A", "Khu A", ONLY_A)]),
            "kbt_osm": pas([("9", "osm1", nfd, BA_BE_B), ("2", "osm2", "Khu B", ONLY_B)])}


def test_union_keeps_each_area_once_from_the_layer_listed_first(tmp_path, two_sources):
    store = LayerStore(write_catalog(tmp_path, two_sources, ["kbt_so", "kbt_osm"]))
    got = store.get("protected_areas")
    assert sorted(got["name"]) == ["Khu A", "Khu B", "Vườn quốc gia Ba Bể"]
    assert got.area.sum() / 1e4 == pytest.approx(900 + 400 + 600)  # not 2,800: Ba Bể counted once
    babe = got[got["pa_id"] == "BB"]
    assert babe["entry"].tolist() == ["kbt_so"] and babe.geometry.iloc[0].equals(BA_BE_A)
    # a feature id both layers use is made unique with the layer's name
    assert sorted(got["feature_id"]) == ["1", "2", "kbt_osm:2"]
    ls = store.layer_set("protected_areas")
    assert ls.policy == "union" and ls.used == ("kbt_so", "kbt_osm")
    (dup,) = ls.duplicates
    assert (dup.kept, dup.kept_id, dup.why) == ("kbt_so", "BB", "order")
    assert dup.dropped == (("kbt_osm", "osm1", pytest.approx(900.0)),)
    note = ls.note("vi")
    assert ("Vườn quốc gia Ba Bể: giữ ranh giới của lớp 'kbt_so' (900 ha) vì lớp này đứng trước trong danh mục; "
            "bỏ của lớp 'kbt_osm' (mã osm1, 900 ha)") in note
    assert "the outline of 'kbt_so' (900 ha) is kept, as its layer comes first in the catalog" in ls.note("en")
    # as mapped (not clipped) the same areas are kept
    assert sorted(store.unclipped("protected_areas")["pa_id"]) == ["A", "BB", "osm2"]
    # one entry still reads alone
    assert len(store.get("protected_areas", 0)) == 2


def test_catalog_order_decides_and_a_legal_outline_comes_first(tmp_path, two_sources):
    swapped = LayerStore(write_catalog(tmp_path, two_sources, ["kbt_osm", "kbt_so"]))
    babe = swapped.get("protected_areas")
    babe = babe[babe["name"].str.casefold().str.contains("ba")]
    assert babe["entry"].tolist() == ["kbt_osm"] and babe.geometry.iloc[0].equals(BA_BE_B)
    # the second source's outline carries its establishing decision: it is the legal one, kept
    # whatever the order
    layers = dict(two_sources)
    layers["kbt_osm"] = pas([("9", "osm1", "Vườn quốc gia Ba Bể", BA_BE_B, "83/2002/QĐ-TTg"),
                             ("3", "osm2", "Khu B", ONLY_B)])
    legal = LayerStore(write_catalog(tmp_path, layers, ["kbt_so", "kbt_osm"]))
    got = legal.get("protected_areas")
    assert got.loc[got["name"] == "Vườn quốc gia Ba Bể", "entry"].tolist() == ["kbt_osm"]
    (dup,) = legal.layer_set("protected_areas").duplicates
    assert (dup.kept, dup.why) == ("kbt_osm", "legal")
    assert "vì có căn cứ pháp lý" in legal.layer_set("protected_areas").note("vi")


def test_overlap_under_two_names_is_reported_not_merged(tmp_path, two_sources):
    layers = dict(two_sources)
    # 300 of "Hồ thử"'s 400 ha lie in "Khu A": 75 % of the smaller
    layers["kbt_osm"] = pas([("9", "osm3", "Hồ thử", box(6500, 6000, 8500, 8000))])
    store = LayerStore(write_catalog(tmp_path, layers, ["kbt_so", "kbt_osm"]))
    assert len(store.get("protected_areas")) == 3
    (o,) = store.layer_set("protected_areas").overlaps
    assert (o.a, o.b, o.share) == (("kbt_so", "Khu A"), ("kbt_osm", "Hồ thử"), pytest.approx(0.75))
    assert "chồng lấn 75 % diện tích khu nhỏ hơn" in store.layer_set("protected_areas").note("vi")


def test_run_reports_and_site_say_how_the_layers_were_used(tmp_path, two_sources):
    from gisplan.indicators.run import run_indicators
    from gisplan.maps.site import publish_site
    from gisplan.maps.themes import theme_sources
    from gisplan.reports import summary

    catalog = write_catalog(tmp_path, two_sources, ["kbt_so", "kbt_osm"])
    store = LayerStore(catalog)
    res = run_indicators(catalog, store=store)
    table = res.tables["protected_areas"].set_index("pa_id")
    assert sorted(table.index) == ["A", "BB", "osm2"]
    assert table["in_province_ha"].sum() == pytest.approx(1900)
    (ls,) = res.meta["layer_sets"]
    assert ls["type"] == "protected_areas" and ls["duplicates"][0]["kept"] == "kbt_so"
    md, _html = summary(res)
    assert "## Nhiều lớp dữ liệu cùng loại" in md and ls["note_vi"] in md
    # both layers are drawn, so the map's sources name both
    assert theme_sources("protected_areas", catalog)[:2] == [
        "nguồn kbt_so (Khu bảo tồn thiên nhiên và rừng đặc dụng)", "nguồn kbt_osm (Khu bảo tồn thiên nhiên và rừng đặc dụng)"]
    site = publish_site(catalog, tmp_path / "site", results=res, store=store, themes=["protected_areas"]).parent
    meta = (site / "metadata.html").read_text(encoding="utf-8")
    assert "Nhiều lớp dữ liệu cùng loại" in meta and "giữ ranh giới của lớp &#x27;kbt_so&#x27;" in meta


def test_other_types_use_the_latest_layer_and_say_so(tmp_path):
    from gisplan.maps.themes import theme_sources

    for year in (2020, 2024):
        gpd.GeoDataFrame({"mine_id": [f"m{year}"], "name": ["Mỏ"], "mineral": ["cát"], "licence_status": ["valid"],
                          "operating": [True], "riverbed": [False]},
                         geometry=[shapely.Point(X0 + 100, Y0 + 100)], crs=CRS).to_file(tmp_path / f"m{year}.gpkg")
    extra = "".join(f"[layers.mines_{y}]\ntype = 'mines'\npath = 'm{y}.gpkg'\nyear = {y}\nsource = 'sổ mỏ {y}'\n"
                    for y in (2024, 2020))  # the newer listed first: the year decides, not the order
    catalog = write_catalog(tmp_path, {}, [], extra)
    store = LayerStore(catalog)
    assert store.get("mines")["mine_id"].tolist() == ["m2024"]
    ls = store.layer_set("mines")
    assert (ls.policy, ls.used, ls.unused) == ("latest", ("mines_2024",), {"mines_2020": "older"})
    assert ls.note("vi") == ("Mỏ khoáng sản: danh mục có 2 lớp, chỉ dùng một lớp — lớp 'mines_2024' (2024), năm mới "
                             "nhất; không dùng 'mines_2020' (2020): năm cũ hơn")
    assert [e.name for e in used_entries(catalog, "mines")] == ["mines_2024"]
    assert theme_sources("mines", catalog)[0] == "sổ mỏ 2024 (Mỏ khoáng sản 2024)"
    assert "2020" not in " ".join(theme_sources("mines", catalog))
    assert [s.type_id for s in store.layer_sets()] == ["mines"]


@pytest.mark.realdata
def test_real_catalog_ba_be_once_from_the_ramsar_outline(real_data):
    from gisplan.indicators.protected import protected_area_summary
    from gisplan.maps.themes import theme_sources

    catalog = load_catalog(REPO / "layers" / "real.toml")
    store = LayerStore(catalog)
    got = store.get("protected_areas")
    assert sorted(got["name"]) == ["Vườn quốc gia Ba Bể", "Vườn quốc gia Tam Đảo"]
    entry = dict(zip(got["name"], got["entry"], strict=True))
    assert entry == {"Vườn quốc gia Ba Bể": "protected_areas_ramsar", "Vườn quốc gia Tam Đảo": "protected_areas"}
    (dup,) = store.layer_set("protected_areas").duplicates
    # the Ramsar outline (99.4 km², within 1 % of the park's 10,048 ha) kept, OSM's (104.0 km²) left out
    assert dup.kept == "protected_areas_ramsar" and dup.kept_ha == pytest.approx(9941, abs=5)
    assert dup.dropped == (("protected_areas", "7110785", pytest.approx(10403, abs=5)),)
    table = protected_area_summary(got, store.get("province"))
    assert len(table) == 2 and table["pa_id"].is_unique
    sources = " ".join(theme_sources("protected_areas", catalog))
    assert "LegoCity" in sources and "OpenStreetMap" in sources
