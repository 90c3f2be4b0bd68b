"""Hazard theme: web map (class overlay, communes, events, layer per hazard), print map, site card
without a DEM, GeoPackage layers in the "Thiên tai" group styled by the theme's classes."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from rasterio.transform import from_origin

from gisplan.catalog import load_catalog
from gisplan.indicators.run import run_indicators
from gisplan.maps.themes import THEMES, hazard_classes
from gisplan.store import LayerStore

pytest.importorskip("folium")


@pytest.fixture(scope="module")
def demo(demo_small):
    store = LayerStore(load_catalog(demo_small))
    return store, run_indicators(store=store)


def test_overlay_warp_places_cells_and_colours():
    from gisplan.maps.web_themes import class_overlay_wgs84

    # 2 × 2 cells of 1 km in EPSG:9213 near 106.5° E: classes 1, 5 / 0 (no data), 3
    cls = np.array([[1, 5], [0, 3]], "uint8")
    t = from_origin(500_000, 2_400_000, 1000, 1000)
    rgba, bounds = class_overlay_wgs84(cls, t, "EPSG:9213", ["#000001", "#000002", "#000003", "#000004",
                                                               "#000005"])
    (south, west), (north, east) = bounds
    # the grid's corners in WGS 84 by pyproj, independently of rasterio's warp
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:9213", "EPSG:4326", always_xy=True)
    lon0, lat1 = tr.transform(500_000, 2_400_000)
    lon1, lat0 = tr.transform(502_000, 2_398_000)
    assert west == pytest.approx(lon0, abs=0.002) and east == pytest.approx(lon1, abs=0.002)
    assert north == pytest.approx(lat1, abs=0.002) and south == pytest.approx(lat0, abs=0.002)
    h, w = rgba.shape[:2]
    # the top-left quarter is class 1, the top-right class 5, the bottom-left transparent
    assert tuple(rgba[h // 4, w // 4, :3]) == (0, 0, 1)
    assert tuple(rgba[h // 4, 3 * w // 4, :3]) == (0, 0, 5)
    assert rgba[3 * h // 4, w // 4, 3] == 0
    assert tuple(rgba[3 * h // 4, 3 * w // 4, :3]) == (0, 0, 3)


def test_web_map(demo):
    from gisplan.pipeline import make_map

    store, res = demo
    html = make_map("hazard", store=store, results=res).get_root().render()
    for text in ("Rất thấp", "Rất cao", "không có số liệu", "Lũ quét", "Sạt lở đất", "data:image/png;base64"):
        assert text in html
    # popups in Vietnamese number format: the area of the first commune as 1.234,5
    from gisplan._format import fmt_number

    t = res.tables["hazard_landslide_communes"]
    assert fmt_number(t["area_ha"].iloc[0], "vi", 1) in html
    # the roads drawn (their layer, named in the legend) and each commune's road length in its popup
    import folium

    from gisplan.pipeline import Plan

    m = Plan(store=store, results=res).build_map("hazard").map

    def layers(name):
        return [c for c in m._children.values() if getattr(c, "data", None) and c.data.get("features")
                and c.data["features"][0]["properties"].get("_layer") == name]

    [roads] = layers("roads")
    assert len(roads.data["features"]) == len(store.get("roads"))
    popups = [p for c in layers("communes") for p in c._children.values() if isinstance(p, folium.GeoJsonPopup)]
    assert any("Đường giao thông (km)" in p.aliases and "Đường trong vùng mức cao, rất cao (km)" in p.aliases
               for p in popups)


def test_classes_clipped_to_communes(demo):
    store, res = demo
    cls, result = hazard_classes(store, res, "landslide")
    full = result.classes["landslide"]
    assert cls.shape == full.shape
    assert (cls > 0).sum() < (full > 0).sum()  # the margin around the province is gone
    assert np.all((cls == 0) | (cls == full))


def test_print_map(demo, tmp_path):
    from gisplan.pipeline import print_map

    store, res = demo
    out = print_map("hazard", tmp_path / "hazard.png", store=store, results=res)
    assert out.exists() and out.stat().st_size > 50_000


def test_no_dem_card(demo_small, tmp_path):
    from gisplan.pipeline import publish_site

    text = demo_small.read_text(encoding="utf-8")
    cat = tmp_path / "catalog.toml"
    cat.write_text(text[:text.index("[layers.dem]")] + text[text.index("[layers.hazard_events]"):],
                   encoding="utf-8")
    index = publish_site(load_catalog(cat), tmp_path / "site", themes=["hazard"])
    page = index.read_text(encoding="utf-8")
    assert "data-theme='hazard'" in page and "DEM" in page
    assert not (tmp_path / "site" / "hazard.html").exists()


def test_geopackage_group_and_style(demo, tmp_path):
    from gisplan.export.gpkg import indicator_layers, layer_groups, write_geopackage

    store, res = demo
    assert "hazard" in THEMES
    layers = indicator_layers(res, store)
    groups = layer_groups(layers)
    # the events per class have no place: with the tables; the exposure per commune in its theme's group
    assert "hazard_landslide_communes" in groups["Thiên tai"] and "terrain_communes" in groups["Thiên tai"]
    assert "hazard_events_landslide" in groups["Bảng không có vị trí"]
    path = write_geopackage(res, store, tmp_path / "out.gpkg")
    with sqlite3.connect(path) as con:
        names = {r[0] for r in con.execute("select table_name from gpkg_contents")}
        assert {"hazard_landslide_communes", "hazard_flash_flood_communes", "terrain_communes"} <= names
        qml = con.execute("select styleQML from layer_styles where f_table_name = ?",
                          ("hazard_landslide_communes",)).fetchone()[0]
    assert "exposed_pct" in qml


def test_both_hazard_class_images_are_in_the_layer_control(demo):
    import json

    from gisplan.pipeline import Plan

    store, res = demo
    page = Plan(store=store, results=res).build_map("hazard").map.get_root().render()
    js = page[page.index("L.control.groupedLayers"):]
    js = js[:js.index(".addTo(")]
    theme_group = js[js.index(json.dumps("Lớp chuyên đề")):]  # the theme layers' group
    # the flash-flood image is hidden at first: the control is the only way to show it
    for name in ("Sạt lở đất: mức độ nhạy cảm", "Lũ quét: mức độ nhạy cảm"):
        assert json.dumps(name) in theme_group, name
