"""Map HTML: layers, legends with Vietnamese labels, popups, the synthetic note, no CDN links."""

import re

import folium
import pytest
from geopandas.testing import assert_geodataframe_equal

from gisplan.catalog import SYNTHETIC_NOTE, load_catalog
from gisplan.errors import GisplanError
from gisplan.io import read_catalog_layer
from gisplan.maps.site import CDN_MAP, localize
from gisplan.maps.style import categories, classify
from gisplan.maps.themes import THEMES
from gisplan.pipeline import Plan, make_map


@pytest.fixture(scope="module")
def catalog(demo_small):
    return load_catalog(demo_small)


@pytest.mark.parametrize("theme", list(THEMES))
def test_every_theme_renders_with_legend_and_note(catalog, theme):
    page = make_map(theme, catalog=catalog).get_root().render()
    assert "data-gisplan-legend" in page
    assert SYNTHETIC_NOTE in page
    assert THEMES[theme].title_vi in page
    local = localize(page)
    assert not re.findall(r'(?:src|href)="https?://[^"]+\.(?:js|css)"', local)
    for rel in CDN_MAP.values():
        if f"assets/vendor/{rel}" in local:
            break
    else:
        raise AssertionError("no vendored script linked")


def test_mines_legend_and_popup_labels(catalog):
    page = make_map("mines", catalog=catalog).get_root().render()
    for cat in categories("mines"):
        if cat.code in set(read_catalog_layer(catalog, "mines")["licence_status"]):
            assert cat.label in page and cat.color in page
    assert "Tình trạng giấy phép" in page  # popup alias from types.toml
    en = make_map("mines", catalog=catalog, lang="en").get_root().render()
    assert "Licence status" in en and "Expired" in en


def test_forest_cover_choropleth_classes(catalog):
    m = make_map("forest_cover", catalog=catalog)
    page = m.get_root().render()
    assert "Tỷ lệ che phủ rừng (%)" in page and "Lô rừng" in page
    assert "window.gisplanParcelCells=" in page  # inline parcels
    classes = classify([10.0, 20.0, 35.0, 60.0, 80.0, 90.0], k=3)
    assert classes.edges[0] <= 10 and classes.edges[-1] >= 90
    assert list(classes.color_of([10, 90])) == [classes.colors[0], classes.colors[-1]]


def test_callers_data_unchanged(catalog):
    communes = read_catalog_layer(catalog, "communes")
    before = communes.copy()
    make_map("forest_cover", layers={"communes": communes, "forest_status": read_catalog_layer(catalog, "forest_status_2024"),
                                     "province": read_catalog_layer(catalog, "province")}, parcels_data=None)
    assert communes.crs.to_epsg() == 9213
    assert_geodataframe_equal(communes, before)


def test_unknown_theme_and_missing_layers(catalog):
    with pytest.raises(GisplanError, match="unknown theme"):
        make_map("forests", catalog=catalog)
    with pytest.raises(GisplanError, match="needs"):
        make_map("rivers", layers={"province": read_catalog_layer(catalog, "province")})


def test_localize_refuses_unvendored_scripts():
    with pytest.raises(GisplanError, match="not vendored"):
        localize('<script src="https://example.org/x.js"></script>')


@pytest.mark.parametrize("theme,type_id,column", [("rivers", "river_sections", "qcvn_class"),
                                                  ("mines", "mines", "licence_status"),
                                                  ("industry", "industrial_zones", "wwtp_status")])
def test_features_get_their_category_colour(catalog, theme, type_id, column):
    import json

    m = make_map(theme, catalog=catalog)
    gdf = read_catalog_layer(catalog, [e.name for e in catalog.of_type(type_id)][-1])
    colours = {c.code: c.color for c in categories(type_id, column)}
    layer = next(c for c in m._children.values() if getattr(c, "data", None) and
                 any(f["properties"].get("_layer") == type_id for f in c.data["features"]))
    seen = {}
    for f in layer.data["features"]:
        style = layer.style_function(f)
        seen[f["properties"][column]] = style.get("color") if theme == "rivers" else style.get("fillColor")
    assert seen == {code: colours[code] for code in set(gdf[column])}
    json.dumps(seen)


# --- styling from the catalog, distances from the results, legends, search, layer groups -----
def _layers_of(m, layer):
    """The GeoJson children of ``m`` whose features belong to ``layer`` (their ``_layer``)."""
    return [c for c in m._children.values() if getattr(c, "data", None) and c.data.get("features")
            and c.data["features"][0]["properties"].get("_layer") == layer]


def _popup_aliases(layer) -> list[str]:
    import folium

    [popup] = [c for c in layer._children.values() if isinstance(c, folium.GeoJsonPopup)]
    return list(popup.aliases)


def test_format_distance():
    from gisplan.maps.themes import format_distance

    assert format_distance(500) == "500 m"
    assert format_distance(1000) == "1 km"
    assert format_distance(1500) == "1,5 km"
    assert format_distance(1500, "en") == "1.5 km"
    assert format_distance(2250, "en") == "2.25 km"


def test_conflicts_use_the_distance_of_the_results_and_catalog_colours(catalog):
    # the run's rule: the mines of the province, the protected areas as mapped (whole)
    pas = read_catalog_layer(catalog, "protected_areas")
    province = read_catalog_layer(catalog, "province").union_all()
    mines = read_catalog_layer(catalog, "mines")
    mines = mines[mines.geometry.covered_by(province)]
    core, buffer_zone = pas[pas["zone"] != "buffer"].geometry, pas[pas["zone"] == "buffer"].geometry

    def near(d):  # mines inside, within d m of a protected area, or in its buffer zone
        return sum(1 for g in mines.geometry if core.distance(g).min() <= d or buffer_zone.intersects(g).any())

    colours = catalog.layer_type("protected_areas").style["conflict_colors"]
    default = make_map("protected_areas", catalog=catalog)  # the default distance, 1 km
    page = default.get_root().render()
    assert "hoặc ≤ 1 km)" in page and "≤ 2 km" not in page  # legend
    [layer] = _layers_of(default, "conflict_mines")
    assert len(layer.data["features"]) == near(1000)
    assert {f["properties"]["relation"] for f in layer.data["features"]} <= {"Nằm trong", "Trong vùng đệm", "Gần (≤ 1 km)"}
    assert {layer.style_function(f)["fillColor"] for f in layer.data["features"]} == {colours["mine"]}
    # the popup titles the fields in words, not with the column names
    [popup] = [c for c in layer._children.values() if isinstance(c, folium.GeoJsonPopup)]
    assert popup.aliases == ["Tên", "Khu bảo tồn", "Vị trí so với khu bảo tồn", "Khoảng cách (m)"]
    wide = make_map("protected_areas", catalog=catalog, buffer_m=2000)
    page = wide.get_root().render()
    assert "hoặc ≤ 2 km)" in page and "≤ 1 km" not in page
    [layer] = _layers_of(wide, "conflict_mines")
    assert len(layer.data["features"]) == near(2000) > near(1000)
    assert "Gần (≤ 2 km)" in {f["properties"]["relation"] for f in layer.data["features"]}
    assert colours["mine"] in page and colours["industrial_zone"] in page  # legend swatches


def test_air_map_distance_and_station_colours(catalog):
    st = catalog.layer_type("monitoring_stations")
    stations = read_catalog_layer(catalog, "monitoring_stations")
    m = make_map("air", catalog=catalog, air_distance_m=3000)
    page = m.get_root().render()
    [towns] = _layers_of(m, "urban_areas")
    assert "Có trạm quan trắc không khí (≤ 3 km)" in _popup_aliases(towns)
    [layer] = _layers_of(m, "monitoring_stations")
    province = read_catalog_layer(catalog, "province").union_all()  # the map shows what lies in the province
    air = stations[(stations["medium"] == "air") & stations.geometry.covered_by(province)].set_index("name")["mode"]
    seen = {f["properties"]["name"]: layer.style_function(f)["fillColor"] for f in layer.data["features"]}
    assert seen == {name: st.style["mode_colors"][mode] for name, mode in air.items()}
    for code in set(air):
        assert st.attributes["mode"].label(code, "vi") in page  # legend label from types.toml
    # default of air_monitoring_coverage (0 m): a station counts when it stands in the town
    [towns] = _layers_of(make_map("air", catalog=catalog), "urban_areas")
    assert "Có trạm quan trắc không khí trong đô thị" in _popup_aliases(towns)


def test_forest_change_diverging_classes_in_ha(catalog):
    from gisplan.indicators.change import forest_change_status
    from gisplan.maps.style import PALETTES

    m = make_map("forest_change", catalog=catalog)
    # the net change (the two years' forest areas of the swipe view are the other communes layers)
    [layer] = [c for c in _layers_of(m, "communes") if c.layer_name == "Biến động rừng theo xã"]
    table = forest_change_status(read_catalog_layer(catalog, "forest_status_2020"),
                                 read_catalog_layer(catalog, "forest_status_2024"),
                                 read_catalog_layer(catalog, "communes"), unit_id="code").set_index("code")
    low, high = PALETTES["change"][:3], PALETTES["change"][4:]
    signs = set()
    for f in layer.data["features"]:
        net, fill = table["net_ha"].get(f["properties"]["code"]), layer.style_function(f)["fillColor"]
        if net is None or net != net:
            continue
        assert fill in (low if net <= 0 else high), (net, fill)  # loss red/orange, gain green
        signs.add(net > 0)
    assert signs == {True, False}  # the demo has both losses and gains
    page = m.get_root().render()
    assert re.search(r"-[\d.]+ – 0 ha", page) and re.search(r"0 – [\d.]+ ha", page)  # 0 is a class edge; ha


def test_classify_centre_and_ramp_by_hand():
    from gisplan.maps.style import classify, ramp, wqi_ramp

    c = classify([-300.0, -20.0, 0.0, 5.0, 50.0, 400.0], k=4, palette="change", unit="ha", center=0)
    assert 0.0 in c.edges and c.edges[0] == -300 and c.edges[-1] == 400
    assert all(col in ("#d73027", "#fc8d59", "#fee08b") for col in c.color_of([-300, -20, 0]))
    assert all(col in ("#d9ef8b", "#91cf60", "#1a9850") for col in c.color_of([5, 50, 400]))
    assert c.color_of([400])[0] == "#1a9850" and c.color_of([-300])[0] == "#d73027"  # darkest at the ends
    r = ramp([0, 10], ["#000000", "#ff0000"])
    assert list(r.color_of([0, 5, 10, 20, float("nan")])) == ["#000000", "#800000", "#ff0000", "#ff0000", "#cccccc"]
    w = wqi_ramp()  # band colours of Decision 1460 at the middle of their bands
    assert list(w.color_of([63, 83, 100, 0])) == ["#ffff00", "#00e400", "#3333ff", "#7e0023"]


def test_rivers_continuous_wqi_layer_and_gradient_legend(catalog):
    from gisplan.maps.style import wqi_ramp

    m = make_map("rivers", catalog=catalog)
    page = m.get_root().render()
    assert "data-gisplan-gradient" in page and "linear-gradient(to right, #7e0023 0.0%" in page
    [layer] = _layers_of(m, "river_sections_wqi_value")
    rivers = read_catalog_layer(catalog, "river_sections").set_index("section_id")["wqi"]
    for f in layer.data["features"]:
        wqi = rivers[f["properties"]["section_id"]]
        assert layer.style_function(f)["color"] == wqi_ramp().color_of([round(wqi, 2)])[0]
        assert f["properties"]["wqi"] == f"{wqi:.0f}"  # formatted in Python, integer VN_WQI
    classed = make_map("forest_cover", catalog=catalog).get_root().render()
    assert "data-gisplan-gradient" not in classed  # the choropleth keeps its classed legend


@pytest.mark.parametrize("theme,main", [("mines", "mines"), ("waste", "waste_sites"), ("industry", "industrial_zones"),
                                        ("protected_areas", "protected_areas"), ("air", "urban_areas"),
                                        ("rivers", "river_sections"), ("forest_cover", "communes")])
def test_search_covers_the_theme_layer_and_communes(catalog, theme, main):
    from gisplan.maps.web_frame import _Search

    m = make_map(theme, catalog=catalog)
    [search] = [c for c in m._children.values() if isinstance(c, _Search)]
    searched = {f["properties"]["_layer"] for layer in search.layers for f in layer.data["features"][:1]}
    assert {main, "communes"} <= searched
    for layer in search.layers:
        assert all(f["properties"].get("name") for f in layer.data["features"])  # searched by name
    page = m.get_root().render()
    assert page.count("new L.Control.Search") == 1


def test_layer_control_groups_basemaps_reference_and_theme_layers(catalog):
    import json

    m = make_map("mines", catalog=catalog)
    page = m.get_root().render()
    assert "L.control.groupedLayers" in page and "L.control.layers(" not in page
    js = page[page.index("L.control.groupedLayers"):]
    js = js[:js.index(".addTo(")]
    for name in ("OpenStreetMap", "Nền xám (Esri)", "Lớp tham chiếu", "Lớp chuyên đề", "Xã, phường"):
        assert json.dumps(name) in js, name
    local = localize(page)
    assert "assets/vendor/leaflet-groupedlayercontrol-0.6.1/leaflet.groupedlayercontrol.min.js" in local
    from gisplan.maps.site import VENDOR

    for rel in CDN_MAP.values():
        assert (VENDOR / rel).is_file(), rel


@pytest.mark.parametrize("theme", ["forest_cover", "mines"])
def test_what_the_map_is_built_with_is_returned_not_stashed_on_folium_objects(catalog, theme):

    web = Plan(catalog).build_map(theme)
    assert isinstance(web.map, folium.Map)
    objs = [web.map, *web.map._children.values()]
    assert not [(type(o).__name__, k) for o in objs for k in vars(o) if "gisplan" in k.lower()]
    assert (web.classes is not None) == (theme == "forest_cover")  # the choropleth's classes
    assert web.sections and all(len(s) == 2 for s in web.sections)  # (title, items) per legend section
    page = web.map.get_root().render()
    assert all(label in page for _title, items in web.sections for _c, label, _s in items[:1])


def test_popup_and_legend_titles_are_the_registry_titles(catalog, monkeypatch):
    """The web maps title indicator columns with gisplan.tables: the words typed here are the
    registry's, and a wording fixed in the registry shows on the map."""
    from gisplan import tables

    m = make_map("forest_cover", catalog=catalog)
    [communes] = [c for c in _layers_of(m, "communes") if "Tỷ lệ che phủ rừng (%)" in _popup_aliases(c)]
    assert _popup_aliases(communes) == ["Tên", "Mã", "Diện tích tự nhiên (ha)", "Diện tích rừng (ha)",
                                        "Tỷ lệ che phủ rừng (%)", "Rừng tự nhiên (ha)", "Rừng trồng (ha)"]
    assert tables.column_title("forest_pct") == "Tỷ lệ che phủ rừng (%)"
    en = make_map("forest_change", catalog=catalog, lang="en")
    [layer] = [c for c in _layers_of(en, "communes") if c.layer_name == "Forest change by commune"]
    assert _popup_aliases(layer) == ["Name", "Forest before (ha)", "Forest after (ha)", "Loss (ha)", "Gain (ha)",
                                     "Net change (ha)"]
    [rivers] = _layers_of(make_map("rivers", catalog=catalog), "river_sections")
    assert "Mức VN_WQI" in _popup_aliases(rivers) and tables.column_title("wqi_band") == "Mức VN_WQI"
    # conflicts: the relation's labels of the registry, "near" with the distance used
    [mines] = _layers_of(make_map("protected_areas", catalog=catalog, lang="en"), "conflict_mines")
    assert {f["properties"]["relation"] for f in mines.data["features"]} <= {"Inside", "In the buffer zone",
                                                                            "Near (≤ 1 km)"}
    assert tables.value_label("relation", "buffer_zone", "en") == "In the buffer zone"
    # one fix in the registry: the popup and the legend's heading follow
    monkeypatch.setitem(tables.COLUMNS, "forest_pct", ("Độ che phủ rừng (%)", "Forest cover share (%)"))
    page = make_map("forest_cover", catalog=catalog).get_root().render()
    assert "Độ che phủ rừng (%)" in page and "Tỷ lệ che phủ rừng (%)" not in page


def test_hazard_popups_are_titled_by_the_registry(catalog):
    from gisplan.tables import column_title

    m = make_map("hazard", catalog=catalog, lang="en")
    shares = [_popup_aliases(c) for c in _layers_of(m, "communes")
              if "High and very high (% of area)" in _popup_aliases(c)]
    assert len(shares) == 2  # landslide and flash flood
    assert all({"Natural area (ha)", "Share with DEM data (%)"} <= set(a) for a in shares)
    assert column_title("observed_pct", "en", "hazard_flash_flood_communes") == "Share with DEM data (%)"


def test_print_legend_titles_are_the_registry_titles(catalog):
    from matplotlib.figure import Figure

    from gisplan.maps.print_themes import PrintBuild, draw
    from gisplan.maps.themes import get_theme

    plan = Plan(catalog)

    def labels(theme, lang="vi"):
        build = PrintBuild(get_theme(theme), Figure().add_subplot(), plan.store, plan.theme_results(theme), lang)
        handles, _classes = draw(build)
        return [h.get_label() for h in handles]

    assert labels("forest_cover")[0] == "Tỷ lệ che phủ rừng (%)"
    assert labels("forest_change", "en")[0] == "Net change (ha)"
    conflicts = [t for t in labels("protected_areas") if "cách khu bảo tồn ≤ 1 km" in t]
    assert conflicts == ["Mỏ khoáng sản trong, trong vùng đệm hoặc cách khu bảo tồn ≤ 1 km",
                         "Khu, cụm công nghiệp trong, trong vùng đệm hoặc cách khu bảo tồn ≤ 1 km"]
