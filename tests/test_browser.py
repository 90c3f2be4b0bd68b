"""The published site in headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

Every page is served from 127.0.0.1 and every other request is aborted, basemap tiles
included: the only console errors allowed are Chromium's "Failed to load resource" for tiles
of the basemaps gisplan configures, and the only requests leaving the server are those tiles.
Checked: the number of features drawn per layer (worked out from the demo layers cut to the
province), the legend, the synthetic-data note, a click on a named feature of each theme's main
layer opening a popup with its name, the search box finding a feature by name, and the layout on
a phone (390 × 844): folded legend with its button, title clear of the layer control, the
synthetic-data note in view.

No fixed waits: every step waits for the state it needs (the map's final view, a popup, a search
tip) with generous limits, so a busy machine makes the tests slower, not red.
"""

import functools
import http.server
import os
import re
import sys
import threading
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gisplan.catalog import load_catalog
from gisplan.io import read_catalog_layer
from gisplan.maps.themes import THEMES
from gisplan.maps.web_frame import BASEMAPS

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} not installed (Debian package 'chromium'; make test installs it)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
#: the tile URLs of the basemaps gisplan offers, written out: the only requests allowed to leave
#: the local server (and be aborted), and the only resources allowed to fail
TILE_TEMPLATES = (
    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "https://server.arcgisonline.com/ArcGIS/rest/services/Canvas/World_Light_Gray_Base/MapServer/tile/{z}/{y}/{x}",
    "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
)
TILE_URL = re.compile("|".join(
    re.escape(t).replace(r"\{z\}", r"\d+").replace(r"\{x\}", r"\d+").replace(r"\{y\}", r"\d+") for t in TILE_TEMPLATES))
BUFFER_M = 1000.0  # conflicts: within 1 km of a protected area (run_indicators' default)
WAIT_MS = 60_000  # upper limit of any wait for a state of the page (reached in well under a second)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def test_the_allowlist_is_the_configured_basemaps():
    assert {url for url, _, _ in BASEMAPS} == set(TILE_TEMPLATES)
    assert TILE_URL.fullmatch("https://tile.openstreetmap.org/9/406/223.png")
    assert TILE_URL.fullmatch("https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/9/223/406")
    assert not TILE_URL.fullmatch("https://tile.openstreetmap.org/9/406/223.png.js")
    assert not TILE_URL.fullmatch("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args, **kwargs):
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return  # the page went on before a file was sent whole: not the site's fault
        super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def site(demo_small, tmp_path_factory):
    from gisplan.pipeline import publish_site

    out = tmp_path_factory.mktemp("site")
    publish_site(load_catalog(demo_small), out)
    server = _Server(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield out, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class _Page:
    """A page with every request outside ``base`` aborted; console errors and outside
    requests recorded."""

    def __init__(self, browser, url, base, viewport=DESKTOP):
        self.page = browser.new_page(viewport=viewport)
        self.page.set_default_timeout(WAIT_MS)
        self.console, self.page_errors, self.outside = [], [], []
        self.page.on("console", lambda m: self.console.append(m) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))

        def route(r):
            if r.request.url.startswith(base):
                return r.continue_()
            self.outside.append(r.request.url)
            return r.abort()
        self.page.route("**/*", route)
        self.page.goto(url, wait_until="load")
        if self.page.locator(".folium-map").count():  # a map page (not the index or the metadata)
            self.page.wait_for_function("window.gisplanCounts !== undefined")
            self.wait_still()

    def errors(self) -> list[str]:
        """Console errors other than an aborted basemap tile, and uncaught exceptions."""
        bad = [f"{m.text} ({m.location.get('url')})" for m in self.console
               if not (m.text.startswith("Failed to load resource") and TILE_URL.fullmatch(m.location.get("url") or ""))]
        return bad + self.page_errors

    def not_tiles(self) -> list[str]:
        return [u for u in self.outside if not TILE_URL.fullmatch(u)]

    def wait_still(self, lat=None, lon=None, zoom=None):
        """Wait until the map is at rest (no zoom animation, no pan under way) and, when given,
        at ``zoom`` centred on (lat, lon). Leaflet ignores a setView during an animation, and a
        pan begun before (a popup moving into view) may land after it: whenever the map is at
        rest elsewhere, the view is set again. On a timeout the error names where the map is."""
        if zoom is None:
            predicate = "() => { const m = window.gisplanMap; return !m._animatingZoom && !m._panAnim?._inProgress; }"
        else:
            predicate = (
                f"() => {{ const m = window.gisplanMap;"
                f" if (m._animatingZoom || m._panAnim?._inProgress) return false;"
                f" if (Math.abs(m.getZoom() - {zoom}) < 1e-9 && m.getCenter().distanceTo([{lat}, {lon}]) < 5) return true;"
                f" m.setView([{lat}, {lon}], {zoom}, {{animate: false}}); return false; }}")
        try:
            self.page.wait_for_function(predicate, polling=100)  # not tied to animation frames
        except sync_api.TimeoutError:
            state = self.page.evaluate(
                "() => { const m = window.gisplanMap; const c = m.getCenter();"
                " return {zoom: m.getZoom(), lat: c.lat, lon: c.lng, animatingZoom: !!m._animatingZoom,"
                " panning: !!(m._panAnim && m._panAnim._inProgress), size: [m.getSize().x, m.getSize().y]}; }")
            raise AssertionError(f"the map did not come to rest at zoom {zoom} on ({lat}, {lon}): {state}") from None

    def goto_view(self, lat, lon, zoom):
        """Centre the map on (lat, lon) at ``zoom`` and wait until the parcel cells in view are
        loaded and drawn."""
        self.page.evaluate(f"() => {{ window.gisplanMap.setView([{lat}, {lon}], {zoom}, {{animate: false}}); }}")
        self.wait_still(lat, lon, zoom)
        self.page.wait_for_function("() => !window.gisplanParcelsIdle || window.gisplanParcelsIdle()")

    def click(self, lat, lon, zoom):
        """Centre the map on (lat, lon) at ``zoom`` and click there with the mouse."""
        self.page.evaluate(f"() => {{ window.gisplanMap.setView([{lat}, {lon}], {zoom}, {{animate: false}}); }}")
        self.wait_still(lat, lon, zoom)
        xy = self.page.evaluate(f"() => {{ const p = window.gisplanMap.latLngToContainerPoint([{lat}, {lon}]);"
                                f" const r = window.gisplanMap.getContainer().getBoundingClientRect();"
                                f" return [p.x + r.left, p.y + r.top]; }}")
        self.page.mouse.click(*xy)

    def popup_text(self) -> str:
        popup = self.page.locator(".leaflet-popup-content")
        popup.wait_for(timeout=WAIT_MS)
        return popup.inner_text()

    def box(self, selector: str) -> dict:
        """Bounding box of the first element matching ``selector`` (px, page coordinates)."""
        b = self.page.locator(selector).first.bounding_box()
        assert b is not None, f"{selector} is not displayed"
        return b


def _in_province(gdf: gpd.GeoDataFrame, province: shapely.Geometry) -> gpd.GeoDataFrame:
    """The features a map of the province shows (EPSG:9213): points in it; lines with a length
    inside it; polygons keeping at least 1 % of their area inside it (less is a border sliver)."""
    g = gdf.geometry.to_numpy()
    inside = shapely.intersection(g, province)
    kind = shapely.get_type_id(g)
    keep = np.where(np.isin(kind, (0, 4)), shapely.covered_by(g, province),
                    np.where(np.isin(kind, (1, 2, 5)), shapely.length(inside) > 0,
                             shapely.area(inside) >= 0.01 * shapely.area(g)))
    return gdf[keep]


@pytest.fixture(scope="module")
def layers(demo_small):
    cat = load_catalog(demo_small)
    out = {name: read_catalog_layer(cat, name) for name in
           ("province", "communes", "protected_areas", "mines", "industrial_zones", "river_sections", "waste_sites",
            "monitoring_stations", "urban_areas", "hazard_events", "roads")}
    province = out["province"].union_all()
    return {name: gdf if name in ("province", "communes") else _in_province(gdf, province) for name, gdf in out.items()}


def _near(sites: gpd.GeoDataFrame, pas: gpd.GeoDataFrame) -> int:
    """Sites inside or within BUFFER_M of a protected area (buffer zone excluded) or inside an
    official buffer zone, worked out feature by feature (EPSG:9213, metres)."""
    core = pas[pas["zone"] != "buffer"].geometry
    buffer_zone = pas[pas["zone"] == "buffer"].geometry
    return sum(1 for g in sites.geometry
               if core.distance(g).min() <= BUFFER_M or buffer_zone.intersects(g).any())


@pytest.fixture(scope="module")
def expected(layers):
    """Features drawn per layer on opening each page (hidden layers are not drawn)."""
    n = {name: len(gdf) for name, gdf in layers.items()}
    base = {"province": n["province"], "communes": n["communes"]}
    air_stations = int((layers["monitoring_stations"]["medium"] == "air").sum())
    return {
        "overview": {**base, **{k: n[k] for k in ("protected_areas", "urban_areas", "industrial_zones", "river_sections",
                                                  "mines", "waste_sites", "monitoring_stations")}},
        "forest_cover": {**base, "forest_status": 0},  # parcels only from zoom 12; protected areas hidden
        "protected_areas": {**base, "protected_areas": n["protected_areas"],
                            "conflict_mines": _near(layers["mines"], layers["protected_areas"]),
                            "conflict_industrial_zones": _near(layers["industrial_zones"], layers["protected_areas"])},
        "mines": {**base, "river_sections": n["river_sections"], "mines": n["mines"]},
        "industry": {**base, "river_sections": n["river_sections"], "industrial_zones": n["industrial_zones"]},
        "rivers": {**base, "river_sections": n["river_sections"]},  # the VN_WQI layers are hidden
        "waste": {**base, "waste_sites": n["waste_sites"]},
        "air": {**base, "urban_areas": n["urban_areas"], "monitoring_stations": air_stations},
        # the two years side by side (forest area of each commune, the swipe view); net change hidden
        "forest_change": {**base, "communes": 2 * n["communes"]},
        "forest_status": {**base, "forest_status": 0},  # the lots are drawn from zoom 12
        # the hazard page opens on landslide susceptibility with every recorded event
        "hazard": {**base, "hazard_events": n["hazard_events"], "roads": n["roads"]},
    }


def test_expected_counts_are_not_trivial(expected):
    assert expected["protected_areas"]["conflict_mines"] > 0
    assert 0 < expected["air"]["monitoring_stations"] < expected["overview"]["monitoring_stations"]


@pytest.mark.parametrize("theme", list(THEMES))
def test_page_draws_its_layers(site, browser, expected, theme):
    out, base = site
    p = _Page(browser, f"{base}/{theme}.html", base)
    assert p.page.evaluate("() => window.gisplanCounts()") == expected[theme]
    assert p.page.locator(".gisplan-legend").is_visible()
    assert p.page.locator(".gisplan-note").is_visible()
    assert p.page.locator(".leaflet-control-layers-group-name").count() >= 2  # grouped layer control
    assert not p.errors(), p.errors()
    assert p.outside, "the basemap tiles were not even requested"
    assert not p.not_tiles(), p.not_tiles()
    p.page.screenshot(path=str(out / f"_shot_{theme}.png"))
    p.page.close()


# --- a click on a named feature of each theme's main layer opens a popup with its name --------
#: theme -> (main layer, layers drawn above it or around it that a click could hit instead)
MAIN = {
    "overview": ("mines", ["waste_sites", "monitoring_stations"]),
    "forest_cover": ("communes", []),
    "protected_areas": ("protected_areas", ["mines", "industrial_zones"]),
    "mines": ("mines", ["river_sections"]),
    "industry": ("industrial_zones", []),
    "rivers": ("river_sections", []),
    "waste": ("waste_sites", []),
    "air": ("urban_areas", ["monitoring_stations"]),
    "forest_change": ("communes", []),
    "hazard": ("communes", ["hazard_events"]),
}
CLEAR_M = 400.0  # no other feature this close to the click point (m)


def _click_target(layers, theme):
    """(lat, lon, zoom, name) of a point on one feature of the theme's main layer, at least
    CLEAR_M from every other feature that could take the click (EPSG:9213, metres)."""
    main, above = MAIN[theme]
    gdf = layers[main]
    name_col = "river_name" if main == "river_sections" else "name"
    others = [layers[a].geometry for a in above]
    for i in range(len(gdf)):
        geom, name = gdf.geometry.iloc[i], gdf[name_col].iloc[i]
        same = gdf[gdf[name_col] != name].geometry  # features of the same layer with another name
        if geom.geom_type in ("Point", "MultiPoint"):
            candidates, zoom = [geom.representative_point()], 14
        elif geom.geom_type in ("LineString", "MultiLineString"):
            candidates, zoom = [geom.interpolate(0.5, normalized=True)], 12
        else:  # well inside the polygon, so that simplification for the web cannot move it out;
            # zoom 11 on forest_cover, where parcels cover the communes from zoom 12
            inner = geom.buffer(-150)
            if inner.is_empty:
                continue
            candidates, zoom = [inner.representative_point(), inner.centroid], 11 if theme == "forest_cover" else 12
        for pt in candidates:
            if not geom.buffer(-100).contains(pt) and geom.geom_type in ("Polygon", "MultiPolygon"):
                continue
            if len(same) and same.distance(pt).min() < CLEAR_M:
                continue
            if any(len(o) and o.distance(pt).min() < CLEAR_M for o in others):
                continue
            ll = gpd.GeoSeries([pt], crs=gdf.crs).to_crs(4326).iloc[0]
            return ll.y, ll.x, zoom, name
    raise AssertionError(f"no clear feature to click on the {theme} map")


# the forest-status page's click opens a lot's record: test_forest_status_page_colours_lots_...
@pytest.mark.parametrize("theme", [t for t in THEMES if t != "forest_status"])
def test_click_on_a_feature_opens_its_popup(site, browser, layers, theme):
    out, base = site
    lat, lon, zoom, name = _click_target(layers, theme)
    p = _Page(browser, f"{base}/{theme}.html", base)
    if theme == "forest_change":  # the swipe handle sits at the centre of the map, where the click goes
        p.page.evaluate("() => { const r = document.querySelector('.leaflet-sbs-range'); r.value = 0.95;"
                        " r.dispatchEvent(new Event('input')); }")
    p.click(lat, lon, zoom)
    assert name in p.popup_text()
    assert not p.errors(), p.errors()
    assert not p.not_tiles(), p.not_tiles()
    p.page.close()


@pytest.mark.parametrize("theme,type_id", [("mines", "mines"), ("industry", "industrial_zones"),
                                           ("waste", "waste_sites"), ("forest_cover", "communes")])
def test_search_finds_a_feature_by_name(site, browser, layers, theme, type_id):
    out, base = site
    name = layers[type_id]["name"].iloc[len(layers[type_id]) // 3]
    p = _Page(browser, f"{base}/{theme}.html", base)
    p.page.click(".leaflet-control-search .search-button")
    box = p.page.locator(".leaflet-control-search input.search-input")
    box.fill(name)
    box.press("a")  # a key up makes leaflet-search list the matches; the extra letter is then removed
    box.press("Backspace")
    box.press("Shift")
    p.page.locator(".leaflet-control-search .search-tip").first.wait_for(timeout=WAIT_MS)
    p.page.locator(".leaflet-control-search input.search-input").press("Enter")
    assert name in p.popup_text()
    assert not p.errors(), p.errors()
    p.page.close()


def test_parcels_appear_when_zoomed_in_with_popups(site, browser, demo_small):
    out, base = site
    p = _Page(browser, f"{base}/forest_cover.html", base)
    assert p.page.evaluate("() => window.gisplanCounts()")["forest_status"] == 0  # province view: choropleth only
    parcels = read_catalog_layer(load_catalog(demo_small), "forest_status_2024")
    big = parcels.loc[[parcels.area.idxmax()]]  # well inside it: clear of the simplified edges
    pt = big.buffer(-20).to_crs(4326).iloc[0].representative_point()
    p.goto_view(pt.y, pt.x, 14)  # the cells in view load, then are drawn
    assert p.page.evaluate("() => window.gisplanCounts()")["forest_status"] > 0
    p.click(pt.y, pt.x, 14)
    assert big["parcel_id"].iloc[0] in p.popup_text()
    assert not p.errors(), p.errors()
    p.page.close()


def test_forest_status_page_colours_lots_by_code_and_shows_their_record(site, browser, demo_small):
    """The forest-status page: lots in the standard colour of their status code (TCVN 11565), the
    lot's record in Vietnamese in its popup."""
    from gisplan.forest_codes import status_codes

    out, base = site
    p = _Page(browser, f"{base}/forest_status.html", base)
    lots = read_catalog_layer(load_catalog(demo_small), "forest_status_2024", strict=False)
    big = lots.loc[[lots.area.idxmax()]]
    pt = big.buffer(-20).to_crs(4326).iloc[0].representative_point()
    p.goto_view(pt.y, pt.x, 14)
    assert p.page.evaluate("() => window.gisplanCounts()")["forest_status"] > 0
    p.click(pt.y, pt.x, 14)
    text = p.popup_text()
    code = big["status_code"].iloc[0]
    name = status_codes().label(code)
    assert f"Trạng thái: {code} – {name}" in text.replace("\n", " ")
    assert f"TK {big['compartment'].iloc[0]} · Khoảnh {big['subcompartment'].iloc[0]} · Lô {big['lot'].iloc[0]}" in text
    assert "Chủ rừng: " + big["owner"].iloc[0] in text
    legend = p.page.inner_text(".gisplan-legend") if p.page.locator(".gisplan-legend").count() else p.page.inner_text("body")
    assert f"{code} – {name}" in legend
    assert not p.errors(), p.errors()
    p.page.close()


def test_index_and_pages_open_from_file(site, browser):
    out, _ = site
    p = _Page(browser, (out / "index.html").as_uri(), "file://")
    assert p.page.locator(".card").count() == len(THEMES)
    assert "Theo dõi mục tiêu đến năm 2030" in p.page.inner_text("body")
    assert not p.errors(), p.errors()
    assert not p.outside, p.outside
    p.page.close()
    p = _Page(browser, (out / "rivers.html").as_uri(), "file://")
    assert p.page.evaluate("() => window.gisplanCounts()").get("river_sections", 0) > 0
    assert not p.errors(), p.errors()
    assert not p.not_tiles(), p.not_tiles()
    p.page.close()


# --- phone and desktop layout -------------------------------------------------------------------
def _overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def _inside(a: dict, viewport: dict) -> bool:
    return a["x"] >= 0 and a["y"] >= 0 and a["x"] + a["width"] <= viewport["width"] + 0.5 and \
        a["y"] + a["height"] <= viewport["height"] + 0.5


def _on_top(p: _Page, selector: str) -> bool:
    """Whether the centre of ``selector`` shows that element (nothing drawn over it)."""
    return p.page.evaluate(f"""() => {{ const e = document.querySelector({selector!r});
        const r = e.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return e === hit || e.contains(hit); }}""")


@pytest.mark.parametrize("theme", ["forest_cover", "rivers", "protected_areas"])
def test_phone_layout_folds_the_legend_and_keeps_title_and_note_clear(site, browser, theme):
    out, base = site
    p = _Page(browser, f"{base}/{theme}.html", base, viewport=PHONE)
    body, toggle = p.page.locator(".gisplan-legend-body"), p.page.locator(".gisplan-legend-toggle")
    assert toggle.is_visible() and not body.is_visible()  # folded on a phone
    assert toggle.get_attribute("aria-expanded") == "false"
    title, layers_ctl, note = p.box(".gisplan-title"), p.box(".leaflet-control-layers"), p.box(".gisplan-note")
    assert not _overlap(title, layers_ctl), (title, layers_ctl)
    for box in (title, note, p.box(".gisplan-legend-toggle")):
        assert _inside(box, PHONE), box
    assert not _overlap(note, p.box(".gisplan-legend")) and _on_top(p, ".gisplan-note")
    assert _on_top(p, ".gisplan-title") and _on_top(p, ".gisplan-legend-toggle")
    p.page.screenshot(path=str(out / f"_phone_{theme}.png"))
    toggle.click()
    body.wait_for(state="visible")
    legend = p.box(".gisplan-legend")
    assert _inside(legend, PHONE) and legend["height"] <= 0.6 * PHONE["height"], legend
    p.page.screenshot(path=str(out / f"_phone_{theme}_legend.png"))
    toggle.click()
    body.wait_for(state="hidden")
    assert not p.errors(), p.errors()
    p.page.close()


def test_desktop_legend_open_and_foldable(site, browser):
    out, base = site
    p = _Page(browser, f"{base}/forest_cover.html", base)
    body = p.page.locator(".gisplan-legend-body")
    assert body.is_visible()
    assert not _overlap(p.box(".gisplan-title"), p.box(".leaflet-control-layers"))
    assert _on_top(p, ".gisplan-note")
    toggle = p.page.locator(".gisplan-legend-toggle")
    assert toggle.get_attribute("aria-expanded") == "true"
    toggle.click()
    body.wait_for(state="hidden")
    assert toggle.get_attribute("aria-expanded") == "false"
    p.page.close()


def test_phone_index_fits_the_screen(site, browser):
    out, base = site
    p = _Page(browser, f"{base}/index.html", base, viewport=PHONE)
    assert p.page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    cards = p.page.locator(".card")
    first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
    assert second["y"] > first["y"] + first["height"] - 1  # one card per row
    assert p.page.locator(".note").is_visible()
    p.page.screenshot(path=str(out / "_phone_index.png"), full_page=True)
    p.page.close()


# --- the parcels layer at inventory detail --------------------------------------------------------
def _surveyed_like(n_side: int, size: float = 150.0) -> gpd.GeoDataFrame:
    """``n_side²`` parcels shaped like surveyed ones (EPSG:9213): squares of ``size`` m with a
    vertex every 40 m along their edges, every vertex moved by a smooth function of its
    position (neighbours keep sharing their edges)."""
    x0, y0 = 430_000.0, 2_390_000.0
    g = np.array([shapely.segmentize(shapely.box(x0 + i * size, y0 + j * size, x0 + (i + 1) * size, y0 + (j + 1) * size), 40.0)
                  for i in range(n_side) for j in range(n_side)], dtype=object)
    g = shapely.transform(g, lambda xy: xy + 12.0 * np.c_[np.sin(xy[:, 1] / 170.0), np.cos(xy[:, 0] / 130.0)])
    n = len(g)
    return gpd.GeoDataFrame({"parcel_id": [f"L{i:05d}" for i in range(n)], "origin": ["natural", "plantation"] * (n // 2) + ["natural"] * (n % 2),
                             "purpose": "production", "forest_type": None, "meets_criteria": True}, geometry=g, crs=9213)


def test_detailed_parcels_by_cell_from_file(browser, tmp_path):
    from gisplan.maps import parcels_layer
    from gisplan.maps.interactive import make_map  # the parcels drawn; no indicator
    from gisplan.maps.site import VENDOR, localize

    parcels = _surveyed_like(63)  # 3,969 parcels over 9.5 km: several cells of 0.05°
    communes = gpd.GeoDataFrame({"code": ["A"], "name": ["Xã A"]}, geometry=[parcels.union_all().envelope], crs=9213)
    enc = parcels_layer.encode_parcels(parcels, folder=parcels_layer.FOLDER)
    assert len(enc.cells) > 1
    for rel, text in enc.files().items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    import shutil
    shutil.copytree(VENDOR, tmp_path / "assets" / "vendor")
    m = make_map("forest_cover", layers={"communes": communes, "forest_status": parcels}, parcels_data=enc)
    (tmp_path / "map.html").write_text(localize(m.get_root().render()), encoding="utf-8")
    p = _Page(browser, (tmp_path / "map.html").as_uri(), "file://")
    centre = parcels.union_all().centroid
    c = gpd.GeoSeries([centre], crs=9213).to_crs(4326).iloc[0]
    p.goto_view(c.y, c.x, 10)
    assert p.page.evaluate("() => window.gisplanCounts()")["forest_status"] == 0  # not below zoom 12
    p.goto_view(c.y, c.x, 12)  # all 9.5 km in view: every cell loaded and drawn
    assert p.page.evaluate("() => window.gisplanCounts()")["forest_status"] == len(parcels)
    # close in: a parcel's point well inside it opens that parcel's popup, its neighbour's the neighbour's
    for i in (1000, 1001):
        pt = gpd.GeoSeries([parcels.geometry.iloc[i].buffer(-30).representative_point()], crs=9213).to_crs(4326).iloc[0]
        p.goto_view(pt.y, pt.x, 16)
        assert 0 < p.page.evaluate("() => window.gisplanCounts()")["forest_status"] <= len(parcels)
        p.click(pt.y, pt.x, 16)
        popup = p.page.locator(".leaflet-popup-content", has_text=parcels["parcel_id"].iloc[i])
        popup.wait_for(timeout=WAIT_MS)
        assert "Rừng" in popup.inner_text()
        p.page.evaluate("() => window.gisplanMap.closePopup()")  # it would cover the next point
        p.page.locator(".leaflet-popup").wait_for(state="detached", timeout=WAIT_MS)  # faded out
    assert not p.errors(), p.errors()
    assert not p.not_tiles(), p.not_tiles()
    p.page.close()


# --- a public site for the public -----------------------------------------------------------------
AXE = Path(__file__).parent / "assets" / "axe-core-4.10.3" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_page_passes_axe_wcag_21_aa(site, browser, viewport):
    """axe-core (vendored in tests/assets) finds no WCAG 2.1 A/AA violation on any page of the
    site, on a desktop and on a phone."""
    out, base = site
    pages = sorted(p.name for p in out.glob("*.html"))
    assert {"index.html", "metadata.html", *(f"{t}.html" for t in THEMES)} <= set(pages)
    found = {}
    for name in pages:
        p = _Page(browser, f"{base}/{name}", base, viewport=viewport)
        p.page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        violations = p.page.evaluate(
            "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))", WCAG_AA)
        if violations:
            found[name] = violations
        p.page.close()
    assert not found, found


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_map_pages_lead_back_to_the_index_in_vietnamese_metric_and_zoomable(site, browser, viewport):
    out, base = site
    p = _Page(browser, f"{base}/rivers.html", base, viewport=viewport)
    page = p.page
    back = page.locator("header.gisplan-site a")
    assert back.get_attribute("href") == "index.html" and "Trang chủ" in back.inner_text()
    assert _inside(p.box("header.gisplan-site a"), viewport) and _on_top(p, "header.gisplan-site a")
    assert not _overlap(p.box(".gisplan-title"), p.box("header.gisplan-site"))
    assert "user-scalable=no" not in page.content()
    # the controls speak Vietnamese
    titles = page.evaluate("() => [...document.querySelectorAll('.leaflet-control-container [title]')]"
                           ".map(e => e.getAttribute('title'))")
    for vi in ("Phóng to", "Thu nhỏ", "Toàn màn hình", "Đo khoảng cách và diện tích", "Chọn lớp bản đồ"):
        assert vi in titles, titles
    assert not [t for t in titles if t in ("Zoom in", "Measure distances and areas", "Layers", "Hide MiniMap")]
    if viewport is DESKTOP:
        assert "Ẩn bản đồ nhỏ" in titles
    # the scale in metres and kilometres only
    scale = page.locator(".leaflet-control-scale-line")
    assert scale.count() == 1 and re.fullmatch(r"\d+ k?m", scale.inner_text().strip())
    # the measuring tool writes Vietnamese as it opens
    if viewport is DESKTOP:
        page.hover(".leaflet-control-measure")
        page.locator(".leaflet-control-measure .js-start").wait_for(state="visible")
        text = page.locator(".leaflet-control-measure").inner_text()
        assert "Bắt đầu đo mới" in text and "Create a new measurement" not in text
    p.page.screenshot(path=str(out / f"_header_{viewport['width']}.png"))
    p.page.close()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "pip install" not in index and "'forest_status'" not in index


def test_forest_change_swipes_between_the_two_years(site, browser):
    out, base = site
    p = _Page(browser, f"{base}/forest_change.html", base)
    page = p.page
    slider = page.locator(".leaflet-sbs-range")
    assert slider.get_attribute("aria-label").startswith("Kéo để so sánh hai năm")

    def clips():
        return page.evaluate("() => ['gisplanSwipeLeft', 'gisplanSwipeRight'].map("
                             "n => window.gisplanMap.getPane(n).style.clip)")

    def right_edge(clip):  # rect(top, right, bottom, left)
        return [float(v) for v in re.findall(r"-?[\d.]+", clip)]

    left, right = clips()
    assert left and right and right_edge(left)[1] == pytest.approx(right_edge(right)[3])
    middle = right_edge(left)[1]
    page.evaluate("() => { const r = document.querySelector('.leaflet-sbs-range'); r.value = 0.2;"
                  " r.dispatchEvent(new Event('input')); }")  # the divider to the left: less of the earlier year
    page.wait_for_function(f"() => parseFloat(window.gisplanMap.getPane('gisplanSwipeLeft').style.clip"
                           f".split(',')[1]) < {middle} - 50")
    names = page.evaluate("() => [...document.querySelectorAll('.leaflet-control-layers-overlays label')]"
                          ".map(l => l.innerText.trim())")
    assert any(n.startswith("Diện tích rừng 2020") for n in names) and any(n.startswith("Diện tích rừng 2024") for n in names)
    assert any(n.startswith("Độ che phủ tán cây 2020") for n in names), names
    assert not p.errors(), p.errors()
    page.screenshot(path=str(out / "_swipe.png"))
    p.page.close()
