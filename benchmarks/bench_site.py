"""The forest-status layer on the web: a plain folium GeoJson page vs gisplan's parcels layer,
at 20,000 and 200,000 parcels: page weight, time to draw, renderer JS heap (headless Chromium)."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import statistics
import threading
import time

from _common import DATA, row

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def _pages(n: int, out):
    import folium
    import geopandas as gpd

    from gisplan.maps import parcels_layer
    from gisplan.maps.interactive import make_map
    from gisplan.maps.site import VENDOR, localize

    parcels = gpd.read_file(DATA / "parcels_200k.gpkg").head(n)
    parcels["parcel_id"] = parcels["parcel_id"].astype(str)
    parcels["forest_type"] = None
    units = gpd.read_file(DATA / "communes.gpkg")
    units["name"] = units["code"]
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "assets" / "vendor").exists():
        shutil.copytree(VENDOR, out / "assets" / "vendor")
    # baseline: what a user would write with folium
    m = folium.Map(location=[22.0, 105.85], zoom_start=9, tiles=None)
    m.default_js = m.default_js[:1]  # leaflet only (the rest is not vendored and not needed here)
    m.default_css = m.default_css[:1]
    folium.GeoJson(parcels.to_crs(4326), name="parcels", popup=folium.GeoJsonPopup(fields=["parcel_id", "origin"]),
                   style_function=lambda f: {"color": "#2d572c", "weight": 0.5,
                                             "fillColor": "#1a9850" if f["properties"]["origin"] == "natural" else "#a6d96a"}).add_to(m)
    m.get_root().html.add_child(folium.Element("<script>window.addEventListener('load',()=>{window.benchReady=performance.now();});</script>"))
    base = out / f"folium_{n}.html"
    base.write_text(localize(m.get_root().render()), encoding="utf-8")
    # gisplan
    gm = make_map("forest_cover", layers={"communes": units, "forest_status": parcels},
                  parcels_data=f"data_{n}.js", synthetic=True)
    gm.get_root().html.add_child(folium.Element("<script>window.addEventListener('load',()=>{window.benchReady=performance.now();});</script>"))
    (out / f"data_{n}.js").write_text(parcels_layer.to_script(parcels_layer.encode_parcels(parcels)), encoding="utf-8")
    ours = out / f"gisplan_{n}.html"
    ours.write_text(localize(gm.get_root().render()), encoding="utf-8")
    return base, ours, parcels.to_crs(4326).geometry.iloc[n // 2].representative_point()


def _measure(browser, url, zoom_to=None):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1") else r.abort())
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    t0 = time.perf_counter()
    page.goto(url, timeout=600_000)
    page.wait_for_function("window.benchReady !== undefined", timeout=600_000)
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    load_s = time.perf_counter() - t0
    zoom_s = None
    if zoom_to is not None:
        t1 = time.perf_counter()
        page.evaluate(f"() => {{ window.gisplanMap.setView([{zoom_to.y}, {zoom_to.x}], 14, {{animate: false}}); }}")
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        zoom_s = time.perf_counter() - t1
        assert page.evaluate("window.gisplanParcelCount()") > 0
    heap = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}["JSHeapUsedSize"] / 1e6
    page.close()
    return load_s, zoom_s, heap


def run(args) -> list[dict]:
    if not os.path.exists(CHROMIUM):
        return [row("site", "skipped: no /usr/bin/chromium", 0, 0)]
    from playwright.sync_api import sync_playwright

    out = DATA / "site"
    rows = []
    sizes = [20_000] if args.quick else [20_000, 200_000]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *a, **k: None
    out.mkdir(parents=True, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for n in sizes:
                base, ours, pt = _pages(n, out)
                label = f"forest-status page, {n:,} parcels"
                weight_b = base.stat().st_size / 1e6
                weight_o = (ours.stat().st_size + (out / f"data_{n}.js").stat().st_size) / 1e6
                reps = 1 if n > 50_000 else max(1, args.repeat // 2)
                res = [_measure(browser, f"{url}/{base.name}") for _ in range(reps)]
                rows.append(row(label, "plain folium GeoJson", statistics.median(r[0] for r in res), reps,
                                check=f"page {weight_b:.0f} MB, JS heap {res[-1][2]:.0f} MB"))
                res = [_measure(browser, f"{url}/{ours.name}", zoom_to=pt) for _ in range(reps)]
                rows.append(row(label, "gisplan (canvas parcels by view)", statistics.median(r[0] for r in res), reps,
                                check=f"page {weight_o:.1f} MB, JS heap {res[-1][2]:.0f} MB, "
                                      f"zoom-in to parcels {statistics.median(r[1] for r in res):.2f} s"))
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return rows
