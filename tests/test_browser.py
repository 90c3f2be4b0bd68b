"""The published site in headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

Every page is served from 127.0.0.1 with every other request blocked (basemap tiles answered
locally with an empty image): no console errors, the expected features drawn, the legend
visible, and a click on a feature opens a popup with the right name.
"""

import base64
import functools
import http.server
import os
import threading

import pytest

from gisplan.catalog import load_catalog
from gisplan.io import read_catalog_layer
from gisplan.maps.interactive import THEMES

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} not installed (Debian package 'chromium'; make test installs it)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
BLANK_PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNgYAAAAAMAASsJTYQAAAAASUVORK5CYII=")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def site(demo_small, tmp_path_factory):
    from gisplan.maps.site import publish_site

    out = tmp_path_factory.mktemp("site")
    publish_site(load_catalog(demo_small), out)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
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


def _open(browser, url, base):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, outside = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        u = r.request.url
        if u.startswith(base) or u.startswith("file://"):
            return r.continue_()
        if "/tile" in u or u.endswith((".png", ".jpg")) or "{" in u:
            return r.fulfill(status=200, content_type="image/png", body=BLANK_PNG)
        outside.append(u)
        return r.abort()
    page.route("**/*", route)
    page.goto(url)
    if "index.html" not in url:
        page.wait_for_function("window.gisplanCounts !== undefined")
    page.wait_for_timeout(300)
    return page, errors, outside


@pytest.fixture(scope="module")
def expected(demo_small):
    cat = load_catalog(demo_small)
    n = {name: len(read_catalog_layer(cat, name)) for name in
         ("communes", "protected_areas", "mines", "industrial_zones", "river_sections", "waste_sites")}
    return {
        "overview": {"province": 1, "communes": n["communes"], "protected_areas": n["protected_areas"],
                     "mines": n["mines"], "river_sections": n["river_sections"]},
        "forest_cover": {"province": 1, "communes": n["communes"]},
        "protected_areas": {"protected_areas": n["protected_areas"], "communes": n["communes"]},
        "mines": {"communes": n["communes"]},
        "industry": {"river_sections": n["river_sections"]},
        "rivers": {"river_sections": n["river_sections"]},
        "waste": {"waste_sites": n["waste_sites"]},
        "air": {"communes": n["communes"]},
        "forest_change": {"communes": n["communes"]},
    }


@pytest.mark.parametrize("theme", list(THEMES))
def test_page_draws_its_layers(site, browser, expected, theme):
    out, base = site
    page, errors, outside = _open(browser, f"{base}/{theme}.html", base)
    counts = page.evaluate("window.gisplanCounts()")
    for layer, n in expected[theme].items():
        assert counts.get(layer) == n, (theme, layer, counts)
    assert page.locator(".gisplan-legend").is_visible()
    assert page.locator(".gisplan-note").is_visible()
    assert not errors, errors
    assert not [u for u in outside if not u.startswith("https://")], outside
    page.screenshot(path=str(out / f"_shot_{theme}.png"))
    page.close()


def test_click_on_a_commune_opens_its_popup(site, browser, demo_small):
    out, base = site
    communes = read_catalog_layer(load_catalog(demo_small), "communes")
    target = communes.iloc[len(communes) // 2]
    pt = communes.to_crs(4326).geometry.iloc[len(communes) // 2].representative_point()
    page, errors, _ = _open(browser, f"{base}/forest_cover.html", base)
    page.evaluate(f"() => {{ window.gisplanMap.setView([{pt.y}, {pt.x}], 11, {{animate: false}}); }}")
    page.wait_for_timeout(400)
    xy = page.evaluate(f"(() => {{ const p = window.gisplanMap.latLngToContainerPoint([{pt.y}, {pt.x}]);"
                       f" const r = window.gisplanMap.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }})()")
    page.mouse.click(*xy)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=3000)
    assert target["name"] in popup.inner_text()
    assert not errors, errors
    page.close()


def test_parcels_appear_when_zoomed_in_with_popups(site, browser, demo_small):
    out, base = site
    page, errors, _ = _open(browser, f"{base}/forest_cover.html", base)
    assert page.evaluate("window.gisplanCounts()")["forest_status"] == 0  # province view: choropleth only
    parcels = read_catalog_layer(load_catalog(demo_small), "forest_status_2024")
    pt = parcels.to_crs(4326).geometry.iloc[0].representative_point()
    page.evaluate(f"() => {{ window.gisplanMap.setView([{pt.y}, {pt.x}], 14, {{animate: false}}); }}")
    page.wait_for_timeout(500)
    assert page.evaluate("window.gisplanCounts()")["forest_status"] > 0
    xy = page.evaluate(f"(() => {{ const p = window.gisplanMap.latLngToContainerPoint([{pt.y}, {pt.x}]);"
                       f" const r = window.gisplanMap.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }})()")
    page.mouse.click(*xy)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=3000)
    assert parcels["parcel_id"].iloc[0] in popup.inner_text()
    assert not errors, errors
    page.close()


def test_index_and_pages_open_from_file(site, browser):
    out, _ = site
    page, errors, outside = _open(browser, (out / "index.html").as_uri(), "file://")
    assert page.locator(".card").count() == len(THEMES)
    assert "Theo dõi mục tiêu đến năm 2030" in page.inner_text("body")
    page.close()
    page, errors, outside = _open(browser, (out / "rivers.html").as_uri(), "file://")
    assert page.evaluate("window.gisplanCounts()").get("river_sections", 0) > 0
    assert not errors, errors
    page.close()
