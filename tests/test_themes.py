"""The theme registry shared by the web maps, the print maps, the site and the CLI; maps on layers
that hold only their required columns; deterministic classes shared by web and print maps;
Vietnamese number format; skipped indicators shown; no half-built site after a failure."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import geopandas as gpd
import matplotlib.pyplot as plt
import pytest
import shapely
from click.testing import CliRunner

from gisplan._format import fmt_number
from gisplan.catalog import load_catalog, load_layer_types
from gisplan.cli.main import cli
from gisplan.errors import DataMissingError, OptionError
from gisplan.io import read_catalog_layer
from gisplan.maps import themes
from gisplan.maps.style import NO_DATA_COLOR, NO_DATA_LINE_COLOR, classify
from gisplan.maps.themes import THEMES, export_groups, get_theme, theme_classes, theme_ids
from gisplan.pipeline import Plan, make_map

NO_DATA_VI, NO_DATA_EN = "không có số liệu", "no data"


@pytest.fixture(scope="module")
def catalog(demo_small):
    return load_catalog(demo_small)


@pytest.fixture(scope="module")
def required_only(demo_small, tmp_path_factory) -> Path:
    """The demo catalog with every vector layer rewritten holding only its type's required
    columns (``required = true`` in layers/types.toml); rasters copied as they are."""
    src_catalog = load_catalog(demo_small)
    types = load_layer_types()
    out = tmp_path_factory.mktemp("required_only")
    data = out / "data"
    data.mkdir()
    text = Path(demo_small).read_text(encoding="utf-8")
    for entry in src_catalog:
        target = data / entry.path.name
        if entry.path.suffix == ".shp":  # an FRMS export: decoded, then only gisplan's required columns
            gdf = read_catalog_layer(src_catalog, entry.name, strict=False)
            target = target.with_suffix(".gpkg")
            gdf[types[entry.type].required_columns + [gdf.geometry.name]].to_file(target, driver="GPKG")
            text = text.replace(f'path = "{entry.path.name}"', f'path = "{target.name}"')
        elif entry.path.suffix == ".gpkg":
            gdf = gpd.read_file(entry.path)
            keep = [c for c in types[entry.type].required_columns if c in gdf.columns]
            dropped = [c for c in types[entry.type].attributes if c in gdf.columns and c not in keep]
            assert set(types[entry.type].required_columns) <= set(gdf.columns), entry.name
            gdf[keep + [gdf.geometry.name]].to_file(target, driver="GPKG")
            assert not (set(dropped) & set(gpd.read_file(target).columns))
        else:
            shutil.copy(entry.path, target)
    base = re.search(r'^base = "(.*)"$', text, flags=re.M).group(1)
    path = out / "catalog.toml"
    path.write_text(text.replace(f'base = "{base}"', f'base = "{data.as_posix()}"'), encoding="utf-8")
    return path


# --- one registry ------------------------------------------------------------------------------
def test_one_registry_for_web_print_site_gpkg_and_cli():
    from gisplan.cli.maps import map_cmd
    from gisplan.cli.printing import print_cmd
    from gisplan.maps import print_themes, web_themes

    for cmd in (map_cmd, print_cmd):
        [theme_arg] = [p for p in cmd.params if p.name == "theme"]
        assert list(theme_arg.type.choices) == theme_ids() == list(THEMES)
    types = load_layer_types()
    for t in THEMES.values():
        assert t.title("vi") == t.title_vi and t.title("en", print_map=True) == t.print_title_en
        assert t.print_title_vi.startswith("BẢN ĐỒ")
        for type_id in (*t.layers, *t.optional_layers):
            assert type_id in types, (t.id, type_id)
        for entry in t.legend:
            assert types[entry.type_id].attributes[entry.column].allowed, (t.id, entry)
        # the entry names its drawings; each resolves to a function of its module
        assert web_themes.builder(t) is getattr(web_themes, t.web)
        assert print_themes.drawing(t) is getattr(print_themes, t.printed)
        if t.scheme is not None:  # a choropleth's own table is classed like the map in the GeoPackage
            assert themes.choropleth_theme(t.tables[0]) is t
    # the GeoPackage groups come from the entries, in registry order, the tables without a place last
    assert list(export_groups()) == ["forest", "protected", "mines", "industry", "water", "waste", "air", "hazard"]


@pytest.mark.parametrize(("name", "placed", "group"), [
    ("forest_cover_communes", True, "forest"), ("canopy_forest_cover_2024", True, "forest"),
    ("carbon_communes", True, "forest"), ("forest_cover_protected_areas", True, "protected"),
    ("canopy_change_protected_areas_2020_2024", True, "protected"), ("canopy_change_2020_2024", True, "forest"),
    ("conflicts", True, "protected"), ("mines_to_close", True, "mines"), ("zones_nearest_river", True, "industry"),
    ("river_sections", True, "water"), ("monitoring_stations", True, "air"), ("terrain_communes", True, "hazard"),
    ("hazard_events_landslide", False, "tables"), ("wastewater", False, "tables"), ("targets", False, "tables"),
    ("crosswalk", False, "tables"), ("something_new", True, "tables")])
def test_geopackage_groups_are_those_the_theme_entries_name(name, placed, group):
    from gisplan.export.gpkg import group_of

    assert group_of(name, placed=placed) == group


@pytest.mark.parametrize(("name", "theme"), [("forest_cover_communes", "forest_cover"),
                                             ("canopy_forest_cover_2024", "forest_cover"),
                                             ("land_cover_forest_2024", "forest_cover"),
                                             ("canopy_change_2020_2024", "forest_change"),
                                             ("canopy_change_protected_areas_2020_2024", None),
                                             ("hazard_flash_flood_communes", "hazard"), ("conflicts", None)])
def test_geopackage_choropleths_are_those_the_theme_entries_name(name, theme):
    found = themes.choropleth_theme(name)
    assert (found.id if found is not None else None) == theme


def test_an_unknown_theme_is_an_error_everywhere(catalog, tmp_path):
    plan = Plan(catalog)
    calls = {"get_theme": lambda: get_theme("forests"), "map": lambda: plan.map("forests"),
             "figure": lambda: plan.figure("forests"), "print": lambda: plan.print("forests", tmp_path / "f.png"),
             "publish": lambda: plan.publish(tmp_path / "site", themes=["forests"]),
             "write_map": lambda: plan.write_map("forests", tmp_path / "f.html"),
             "theme_classes": lambda: theme_classes("forests", [1.0, 2.0]),
             "theme_sources": lambda: themes.theme_sources("forests", catalog)}
    for what, call in calls.items():
        with pytest.raises(OptionError, match="unknown theme 'forests'.*forest_cover"):
            call()
        assert not (tmp_path / "site").exists(), what
    for cmd in (["map", "forests", "--out", str(tmp_path / "x.html")], ["print", "forests", "--out", str(tmp_path / "x.png")]):
        bad = CliRunner().invoke(cli, cmd)
        assert bad.exit_code == 2 and "forest_cover" in bad.output
    # a print option the theme does not take
    with pytest.raises(OptionError, match="the rivers print map has no option commune"):
        plan.figure("rivers", commune="02406")


def test_a_theme_is_one_entry(catalog, tmp_path, monkeypatch):
    """A theme added as one registry entry (its drawings those of an existing theme) is drawn on
    the web and print maps, published by the site and its layers grouped in the GeoPackage."""
    entry = themes.Theme("stations", "Trạm quan trắc", "Monitoring stations", "BẢN ĐỒ TRẠM QUAN TRẮC",
                         "MONITORING STATIONS", layers=("monitoring_stations",), optional_layers=("province", "communes"),
                         legend=(themes.LegendEntry("monitoring_stations", "medium", "circle"),),
                         web="points", printed="points",
                         export=themes.Export("stations", "Trạm quan trắc", layers=("roads",)))
    monkeypatch.setitem(THEMES, "stations", entry)
    plan = Plan(catalog)
    stations = read_catalog_layer(catalog, "monitoring_stations")
    province = read_catalog_layer(catalog, "province").union_all()
    inside = stations[stations.geometry.covered_by(province)]
    m = plan.map("stations")
    assert len(_features(m, "monitoring_stations")) == len(inside)
    pm = plan.figure("stations")
    assert pm.title.get_text() == "BẢN ĐỒ TRẠM QUAN TRẮC"
    texts = [t.get_text() for t in pm.legend.get_texts()]
    assert "Không khí" in texts and "Nước mặt" in texts  # the media of types.toml
    plt.close(pm.figure)
    index = plan.publish(tmp_path / "site", themes=["stations"])
    assert (index.parent / "stations.html").exists() and "Monitoring stations" in index.read_text(encoding="utf-8")
    from gisplan.export.gpkg import group_of

    assert "roads" in themes.copied_layers() and group_of("roads") == "stations"
    assert list(export_groups())[-1] == "stations"


# --- optional columns absent --------------------------------------------------------------------
def _features(m, layer: str) -> list[dict]:
    return [f for c in m._children.values() if getattr(c, "data", None) and isinstance(c.data, dict)
            for f in c.data.get("features", []) if f["properties"].get("_layer") == layer]


@pytest.mark.parametrize("theme", list(THEMES))
def test_every_theme_draws_with_required_columns_only(required_only, theme):
    catalog = load_catalog(required_only)
    for lang, words in (("vi", NO_DATA_VI), ("en", NO_DATA_EN)):
        m = make_map(theme, catalog=catalog, lang=lang)
        page = m.get_root().render()
        assert "data-gisplan-legend" in page
        if theme in ("overview", "rivers", "industry"):  # rivers without QCVN class: a legend entry
            assert words in page
        if theme == "mines":  # popups: the licence number and expiry are unknown, in words
            feats = _features(m, "mines")
            assert feats and all(f["properties"]["licence_no"] == words for f in feats)
        pm = Plan(catalog).figure(theme, lang=lang)
        texts = [t.get_text() for t in pm.legend.get_texts()]
        if theme in ("overview", "rivers", "industry"):  # the rivers' QCVN class is unknown
            assert words in texts, texts
        plt.close(pm.figure)


def test_missing_water_quality_is_no_data_never_zero(required_only, catalog):
    m = make_map("rivers", catalog=load_catalog(required_only))
    n = len(read_catalog_layer(catalog, "river_sections"))
    for layer in ("river_sections", "river_sections_wqi", "river_sections_wqi_value"):
        feats = _features(m, layer)
        assert len(feats) == n
        [gj] = [c for c in m._children.values() if getattr(c, "data", None) and c.data.get("features")
                and c.data["features"][0]["properties"]["_layer"] == layer]
        for f in feats:
            p = f["properties"]
            assert p["wqi"] == NO_DATA_VI and p["qcvn_class_label"] == NO_DATA_VI
            assert p["monitoring_date"] == NO_DATA_VI
            # a line of no data: the neutral blue of NO_DATA_LINE_COLOR (grey lines vanish on the
            # grey basemap), never a class colour
            assert gj.style_function(f)["color"] == NO_DATA_LINE_COLOR
    page = m.get_root().render()
    assert "data-gisplan-gradient" not in page  # no VN_WQI value at all: no 0–100 colour bar


def test_cli_publish_map_and_print_with_required_columns_only(required_only, tmp_path):
    runner = CliRunner()
    site = tmp_path / "site"
    res = runner.invoke(cli, ["publish", "--catalog", str(required_only), "--out", str(site)])
    assert res.exit_code == 0, res.output
    assert NO_DATA_VI in (site / "rivers.html").read_text(encoding="utf-8")
    res = runner.invoke(cli, ["map", "overview", "--catalog", str(required_only), "--out", str(tmp_path / "o.html")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["print", "rivers", "--catalog", str(required_only), "--out", str(tmp_path / "r.png"),
                              "--dpi", "40"])
    assert res.exit_code == 0, res.output


# --- classes -------------------------------------------------------------------------------------
def test_classes_are_the_natural_groups_by_hand():
    # three clear groups: Fisher–Jenks must break between them, every time
    values = [1, 2, 3, 10, 11, 12, 30, 31, 32]
    for _ in range(3):
        c = classify(values, k=3, unit="%")
        assert c.edges == (1.0, 3.0, 12.0, 32.0)
    assert c.labels == ("1–3 %", "3–12 %", "12–32 %")
    empty = classify([float("nan")] * 3)
    assert empty.edges == () and list(empty.color_of([1.0, float("nan")])) == [NO_DATA_COLOR] * 2


@pytest.mark.parametrize("theme", ["forest_cover", "forest_change"])
def test_web_and_print_maps_share_their_classes_across_runs(catalog, theme):
    web1 = Plan(catalog).build_map(theme, parcels_data=None).classes
    web2 = Plan(catalog).build_map(theme, parcels_data=None).classes
    pm = Plan(catalog).figure(theme)
    printed = pm.classes
    assert web1.edges == web2.edges == printed.edges and len(web1.edges) >= 4
    assert web1.labels == printed.labels
    texts = [t.get_text() for t in pm.legend.get_texts()]
    assert all(label in texts for label in printed.labels)
    plt.close(pm.figure)
    # the same values classed directly give the same edges
    table = {"forest_cover": "forest_cover_communes", "forest_change": "forest_change_communes"}[theme]
    plan = Plan(catalog)
    values = plan.table(table)[get_theme(theme).scheme.column]
    assert theme_classes(theme, values).edges == web1.edges
    # one plan (one publish): the classes are computed once and shared by the web and print maps
    web = plan.build_map(theme, parcels_data=None).classes
    pm = plan.figure(theme)
    assert pm.classes is web
    plt.close(pm.figure)


# --- number format ------------------------------------------------------------------------------
def test_fmt_number_by_hand():
    assert fmt_number(1234.5, "vi", 1) == "1.234,5"
    assert fmt_number(1234.5, "en", 1) == "1,234.5"
    assert fmt_number(1234567, "vi", 0) == "1.234.567"
    assert fmt_number(0.25, "vi", 2) == "0,25"
    assert fmt_number(None, "vi") == NO_DATA_VI and fmt_number(float("nan"), "en") == NO_DATA_EN


def test_vietnamese_numbers_in_popups_legends_and_print_axes(catalog):
    fc = make_map("forest_cover", catalog=catalog, parcels_data=None)
    feats = _features(fc, "communes")
    big = [f for f in feats if "." in f["properties"]["area_ha"]]
    assert big, "some commune is over 1,000 ha"
    for f in big[:5]:
        assert re.fullmatch(r"\d{1,3}(\.\d{3})+,\d", f["properties"]["area_ha"]), f["properties"]["area_ha"]
    en = _features(make_map("forest_cover", catalog=catalog, parcels_data=None, lang="en"), "communes")
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*\.\d", f["properties"]["area_ha"]) for f in en)
    # legends: the forest-change classes reach beyond ±1,000 ha in the demo
    vi_labels = Plan(catalog).build_map("forest_change").classes.labels
    assert any(re.search(r"\d\.\d{3} ha", lab) for lab in vi_labels), vi_labels
    assert any(re.search(r"\d,\d{3} ha", lab) for lab in Plan(catalog).build_map("forest_change", lang="en").classes.labels)
    # print map: grid labels in km (EPSG:9213 northings are over 2,000 km)
    for lang, pattern in (("vi", r"\d\.\d{3}"), ("en", r"\d,\d{3}")):
        pm = Plan(catalog).figure("rivers", lang=lang)
        ylabels = [t.get_text() for t in pm.ax.get_yticklabels()]
        assert ylabels and all(re.fullmatch(pattern, y) for y in ylabels), ylabels
        plt.close(pm.figure)


# --- skipped indicators, absent data ----------------------------------------------------------
def test_index_lists_skipped_indicators_in_vietnamese(catalog, tmp_path):
    from gisplan.indicators.run import IndicatorResults, run_indicators
    from gisplan.pipeline import publish_site

    results = run_indicators(catalog)
    tables = dict(results.tables)
    tables.pop("conflicts")
    skipped = IndicatorResults(tables=tables, headline=results.headline, meta=results.meta,
                               skipped={"conflicts": "no mines layer"},
                               skipped_vi={"conflicts": "thiếu lớp mỏ khoáng sản"})
    index = publish_site(catalog, tmp_path / "site", results=skipped, themes=["protected_areas"])
    page = index.read_text(encoding="utf-8")
    section = page[page.index("id='skipped'"):]
    assert "thiếu lớp mỏ khoáng sản" in section and "no mines layer" not in section
    # the map of conflicts says "no data" instead of drawing an empty layer as if there were none
    pa = (tmp_path / "site" / "protected_areas.html").read_text(encoding="utf-8")
    assert f"{NO_DATA_VI} (thiếu lớp mỏ khoáng sản)" in pa
    m = make_map("protected_areas", catalog=catalog, results=skipped)
    assert not _features(m, "conflict_mines")


def test_missing_theme_layer_gives_a_card_with_the_reason(required_only, tmp_path):
    from gisplan.pipeline import publish_site

    text = Path(required_only).read_text(encoding="utf-8")
    start = text.index("[layers.mines]")
    end = text.index("[layers.", start + 1)
    no_mines = tmp_path / "catalog.toml"
    no_mines.write_text(text[:start] + text[end:], encoding="utf-8")
    index = publish_site(load_catalog(no_mines), tmp_path / "site", themes=["mines", "rivers"])
    page = index.read_text(encoding="utf-8")
    card = re.search(r"<div class='card nodata' data-theme='mines'>.*?</div>", page).group(0)
    assert "Chưa có số liệu để lập bản đồ này: cần lớp Mỏ khoáng sản." in card, card
    assert not (tmp_path / "site" / "mines.html").exists()
    assert "href='rivers.html'" in page
    res = CliRunner().invoke(cli, ["map", "mines", "--catalog", str(no_mines), "--out", str(tmp_path / "m.html")])
    assert res.exit_code == 2 and "needs the 'mines' layer: add a layer of type 'mines' to the catalog" in res.output
    assert "Traceback" not in res.output and not (tmp_path / "m.html").exists()


# --- no half-built output ----------------------------------------------------------------------
def test_a_failed_publish_leaves_no_half_built_site(catalog, tmp_path, monkeypatch):
    from gisplan.indicators.run import run_indicators
    from gisplan.maps import site

    results = run_indicators(catalog)
    real = site.make_map

    def failing(theme, **kw):
        if theme == "rivers":
            raise RuntimeError("disk on fire")
        return real(theme, **kw)

    monkeypatch.setattr(site, "make_map", failing)
    out = tmp_path / "site"
    with pytest.raises(RuntimeError, match="disk on fire"):
        site.publish_site(catalog, out, results=results, themes=["mines", "rivers"])
    assert not out.exists() or not any(out.iterdir())
    # an earlier site survives a failed rebuild unchanged
    monkeypatch.setattr(site, "make_map", real)
    index = site.publish_site(catalog, out, results=results, themes=["mines"])
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    monkeypatch.setattr(site, "make_map", failing)
    with pytest.raises(RuntimeError):
        site.publish_site(catalog, out, results=results, themes=["mines", "rivers"], overwrite=True)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before and index.exists()


# --- conflicts on the print map -------------------------------------------------------------------
def _conflict_layers():
    """A province (2 km × 1 km), protected area A inside it (0–400 m × 0–400 m) and B wholly outside
    (x 2300–2600 m × y 0–300 m), mine m1 at (100, 500): 100 m from A; mine m2 at (1900, 900):
    √(400² + 600²) = 721 m from B and 1,552 m from A; no industrial zone."""
    x0, y0 = 430_000.0, 2_390_000.0

    def frame(rows, geoms):
        return gpd.GeoDataFrame(rows, geometry=geoms, crs=9213)

    def box(a, b, c, d):
        return shapely.box(x0 + a, y0 + b, x0 + c, y0 + d)

    pas = frame({"feature_id": ["A", "B"], "pa_id": ["A", "B"], "name": ["Khu A", "Khu B"],
                 "category": ["nature_reserve", "national_park"], "zone": ["whole", "whole"]},
                [box(0, 0, 400, 400), box(2300, 0, 2600, 300)])
    mines = frame({"mine_id": ["m1", "m2"], "name": ["Mỏ 1", "Mỏ 2"], "mineral": ["cát", "đá"],
                   "licence_status": ["valid", "valid"], "operating": [True, True]},
                  [shapely.Point(x0 + 100, y0 + 500), shapely.Point(x0 + 1900, y0 + 900)])
    province = frame({"code": ["19"], "name": ["Tỉnh"]}, [box(0, 0, 2000, 1000)])
    communes = frame({"code": ["00001"], "name": ["Xã"], "unit_type": ["xa"]}, [box(0, 0, 2000, 1000)])
    return {"province": province, "communes": communes, "protected_areas": pas, "mines": mines}


@pytest.mark.parametrize(("buffer_m", "expected", "words"), [(500, {"m1"}, "≤ 500 m"), (1000, {"m1", "m2"}, "≤ 1 km")])
def test_print_and_web_conflicts_are_the_runs(buffer_m, expected, words):
    """The print and the web map draw the conflicts of the run: protected areas whole (B, outside
    the province, still conflicts with m2 at 721 m), the distance of the plan's options."""
    from matplotlib.colors import to_hex

    plan = Plan(layers=_conflict_layers(), buffer_m=buffer_m)
    assert set(plan.table("conflicts")["site_id"]) == expected
    pm = plan.figure("protected_areas")
    colour = load_layer_types()["protected_areas"].style["conflict_colors"]["mine"]
    drawn = [c.get_offsets() for c in pm.ax.collections
             if len(c.get_facecolors()) and to_hex(c.get_facecolors()[0]) == colour.lower()]
    assert sum(len(o) for o in drawn) == len(expected)
    texts = [t.get_text() for t in pm.legend.get_texts()]
    assert any(words in t for t in texts)
    plt.close(pm.figure)
    m = plan.map("protected_areas")
    [layer] = [c for c in m._children.values() if getattr(c, "data", None) and isinstance(c.data, dict)
               and c.data.get("features") and c.data["features"][0]["properties"].get("_layer") == "conflict_mines"]
    assert {f["properties"]["name"] for f in layer.data["features"]} == {f"Mỏ {i[1]}" for i in expected}


def _without(catalog_path: Path, tmp_path: Path, *entries: str) -> Path:
    """A copy of a catalog file without the named [layers.*] entries."""
    text = Path(catalog_path).read_text(encoding="utf-8")
    for name in entries:
        start = text.index(f"[layers.{name}]")
        nxt = text.find("[layers.", start + 1)
        text = text[:start] + (text[nxt:] if nxt >= 0 else "")
    out = tmp_path / "catalog.toml"
    out.write_text(text, encoding="utf-8")
    return out


def test_choropleth_without_its_data_is_grey_with_the_reason(demo_small, tmp_path):
    catalog = load_catalog(_without(demo_small, tmp_path, "forest_status_2020", "forest_status_2024"))
    web = Plan(catalog).build_map("forest_cover")
    m = web.map
    feats = _features(m, "communes")
    assert len(feats) == len(read_catalog_layer(catalog, "communes"))
    [gj] = [c for c in m._children.values() if getattr(c, "data", None) and c.data.get("features")
            and c.data["features"][0]["properties"]["_layer"] == "communes" and c.layer_name.startswith("Tỷ lệ")]
    assert {gj.style_function(f)["fillColor"] for f in feats} == {NO_DATA_COLOR}
    assert all(f["properties"]["forest_pct"] == NO_DATA_VI for f in feats)  # never 0 %
    page = m.get_root().render()
    # the reason in a reader's words: the layer that would fill the map, by its title
    title = catalog.layer_type("forest_status").title("vi")
    assert f"không có số liệu (cần lớp {title})" in page and "'forest_status'" not in page
    assert web.classes.edges == ()
    # a print map of no data at all is refused, naming that layer
    for theme in ("forest_cover", "forest_change"):
        with pytest.raises(DataMissingError, match="would show no data anywhere.*type 'forest_status'") as info:
            Plan(catalog).figure(theme, lang="en")
        assert info.value.layers == ("forest_status",)
        assert info.value.reason_vi == f"chưa có số liệu để lập bản đồ này: cần lớp {title}"


@pytest.fixture(scope="module")
def own_types(demo_small, tmp_path_factory) -> Path:
    """The demo catalog with its own types.toml: the mines layer renamed, its licence-status
    classes relabelled and the colour of "expired" changed."""
    from gisplan.catalog import LAYERS_DIR

    out = tmp_path_factory.mktemp("own_types")
    text = (LAYERS_DIR / "types.toml").read_text(encoding="utf-8")
    old = 'labels_vi = ["Còn hiệu lực", "Hết hạn", "Bị thu hồi", "Đã đóng cửa mỏ", "Đang thăm dò"]'
    assert text.count(old) == 1 and text.count('title_vi = "Mỏ khoáng sản"') == 1
    text = (text.replace(old, 'labels_vi = ["GP còn hạn (riêng)", "GP quá hạn (riêng)", "GP thu hồi (riêng)", '
                              '"Mỏ đóng (riêng)", "Thăm dò (riêng)"]')
            .replace('title_vi = "Mỏ khoáng sản"', 'title_vi = "Điểm mỏ của tỉnh"')
            .replace('expired = "#e31a1c"', 'expired = "#123456"'))
    (out / "types.toml").write_text(text, encoding="utf-8")
    cat = Path(demo_small).read_text(encoding="utf-8").replace("[catalog]\n", '[catalog]\ntypes = "types.toml"\n', 1)
    (out / "catalog.toml").write_text(cat, encoding="utf-8")
    return out / "catalog.toml"


RENAMED = {"valid": "GP còn hạn (riêng)", "expired": "GP quá hạn (riêng)", "revoked": "GP thu hồi (riêng)",
           "closed": "Mỏ đóng (riêng)", "exploration": "Thăm dò (riêng)"}


def test_a_catalogs_own_types_label_web_print_and_workbook(own_types, tmp_path):
    import openpyxl
    import pandas as pd

    from gisplan.indicators.run import IndicatorResults
    from gisplan.reports import WORKBOOK, write_reports

    catalog = load_catalog(own_types)
    present = set(read_catalog_layer(catalog, "mines")["licence_status"])
    assert "expired" in present
    # web map: layer name and legend section from the catalog's title, classes and colour from its types
    page = make_map("overview", catalog=catalog).get_root().render()
    assert "Điểm mỏ của tỉnh" in page and "Mỏ khoáng sản" not in page
    assert all(RENAMED[code] in page for code in present)
    assert "#123456" in page and "#e31a1c" not in page
    # print map: the legend texts
    pm = Plan(catalog).figure("overview")
    texts = [t.get_text() for t in pm.legend.get_texts()]
    pm.figure.clear()
    assert "Điểm mỏ của tỉnh" in texts and "Mỏ khoáng sản" not in texts
    assert {RENAMED[code] for code in present} <= set(texts) and "Hết hạn" not in texts
    # workbook: coded values written with the catalog's labels
    table = pd.DataFrame({"mine_id": ["M1", "M2"], "name": ["Mỏ A", "Mỏ B"], "licence_status": ["expired", "valid"]})
    results = IndicatorResults(tables={"expired_mines": table}, meta={"catalog": str(own_types)})
    write_reports(results, tmp_path / "out")
    ws = openpyxl.load_workbook(tmp_path / "out" / WORKBOOK)["Mỏ hết hạn"]
    cells = {c.value for row in ws.iter_rows() for c in row}
    assert {"GP quá hạn (riêng)", "GP còn hạn (riêng)"} <= cells and "Hết hạn" not in cells


def test_communes_with_an_indicator_keep_one_copy_of_a_shared_column():
    """Communes that carry a joined population, and a hazard table with its own population column:
    one ``population`` (the table's), never population_x / population_y that maps cannot find."""
    import pandas as pd
    import shapely

    from gisplan.maps.themes import communes_with

    communes = gpd.GeoDataFrame({"code": ["A", "B"], "name": ["Xã A", "Xã B"], "population": [100, 200]},
                                geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=9213)
    table = pd.DataFrame({"code": ["A"], "name": ["Xã A"], "population": [110.0], "exposed_pct": [12.5]})
    joined = communes_with(communes, table)
    assert sorted(joined.columns) == ["code", "exposed_pct", "geometry", "name", "population"]
    assert joined["population"].tolist()[0] == 110.0 and pd.isna(joined["population"].tolist()[1])
    assert joined["exposed_pct"].tolist()[0] == 12.5 and pd.isna(joined["exposed_pct"].tolist()[1])
    empty = communes_with(communes, None, fill=["exposed_pct", "population", "name"])
    assert empty["exposed_pct"].isna().all() and empty["population"].tolist() == [100, 200]
