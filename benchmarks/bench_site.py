"""The web maps in headless Chromium, served from 127.0.0.1 with every other request blocked.

1. The forest-status layer: a plain folium GeoJson page vs gisplan's parcels layer at 20,000 and
   200,000 parcels: page weight; time to draw the layers at the province view (no parcel is
   drawn there by gisplan, whose parcels appear from zoom 12); time to draw after zooming to
   zoom 12 over the densest part of the parcels; renderer memory, i.e. the peak resident set of
   the page's Chromium renderer process (``--type=renderer`` below the launched browser: its
   VmHWM, the kernel's high-water mark) and, as an upper bound, the peak of VmRSS summed over all
   renderer processes (sampled from /proc every 20 ms); and the renderer's JS heap.
2. The demo site (``gisplan publish`` of the full demo): size and load time of every page.

Each measurement launches a fresh browser, so a renderer's memory is that page's alone.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import statistics
import threading
import time
from pathlib import Path

from _common import DATA, row

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
READY = "<script>window.addEventListener('load',()=>{window.benchReady=performance.now();});</script>"
ZOOM = 12  # gisplan's parcels are drawn from this zoom (parcels_layer.MIN_ZOOM)
FRAME = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
#: no zoom animation under way (Leaflet ignores a setView during one)
SETTLED = "() => !window.gisplanMap || !window.gisplanMap._animatingZoom"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args, **kwargs):
        pass


class _Server:
    """A static server on 127.0.0.1 for ``folder`` (a random free port)."""

    def __init__(self, folder: Path):
        handler = functools.partial(_Quiet, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _status_kb(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:  # the process ended
        pass
    return 0


def _renderers() -> list[int]:
    """PIDs of the Chromium renderer processes below this process (the browsers it launched):
    descendants in /proc whose command line has ``--type=renderer``."""
    parent = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    parent[int(d)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    me, out = os.getpid(), []
    for pid in parent:
        q, seen = pid, 0
        while q in parent and q != me and seen < 64:
            q, seen = parent[q], seen + 1
        if q != me or pid == me:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"--type=renderer" in f.read():
                    out.append(pid)
        except OSError:
            continue
    return out


class _RendererMemory:
    """Samples the summed VmRSS of the renderer processes every ``every`` s until stopped.

    ``stop()`` returns (peak of the sum in MB, largest VmHWM of one renderer in MB: the
    kernel's own high-water mark of the page's renderer, which no sampling can miss).
    """

    def __init__(self, every: float = 0.02):
        self.every = every
        self.peak_kb = 0
        self.pids: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def _run(self):
        last_scan = 0.0
        while not self._stop.is_set():
            now = time.perf_counter()
            if now - last_scan > 0.25:  # new renderers appear at navigation; the scan is the costly part
                self.pids.update(_renderers())
                last_scan = now
            self.peak_kb = max(self.peak_kb, sum(_status_kb(p, "VmRSS") for p in self.pids))
            self._stop.wait(self.every)

    def stop(self) -> tuple[float, float]:
        self.pids.update(_renderers())
        self.peak_kb = max(self.peak_kb, sum(_status_kb(p, "VmRSS") for p in self.pids))
        hwm = max((_status_kb(p, "VmHWM") for p in self.pids), default=0)
        self._stop.set()
        self._thread.join()
        return self.peak_kb / 1024, hwm / 1024


def _densest_point(parcels, cell_m: float = 2000.0):
    """(lon, lat) of the centre of the ``cell_m`` square (in the parcels' projected CRS, m)
    holding most parcel centroids."""
    import geopandas as gpd
    import numpy as np
    import shapely

    c = shapely.get_coordinates(parcels.geometry.centroid.to_numpy())
    keys, counts = np.unique(np.floor(c / cell_m).astype(np.int64), axis=0, return_counts=True)
    i, j = keys[counts.argmax()]
    centre = gpd.GeoSeries([shapely.Point((i + 0.5) * cell_m, (j + 0.5) * cell_m)], crs=parcels.crs).to_crs(4326).iloc[0]
    return centre.x, centre.y


def _pages(n: int, out: Path):
    import warnings

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
    if (out / "assets" / "vendor").exists():
        shutil.rmtree(out / "assets" / "vendor")
    shutil.copytree(VENDOR, out / "assets" / "vendor")
    wgs = parcels.to_crs(4326)
    # baseline: what a user would write with folium
    m = folium.Map(location=[22.0, 105.85], zoom_start=9, tiles=None)
    m.default_js = m.default_js[:1]  # leaflet only (the rest is not vendored and not needed here)
    m.default_css = m.default_css[:1]
    folium.GeoJson(wgs, name="parcels", popup=folium.GeoJsonPopup(fields=["parcel_id", "origin"]),
                   style_function=lambda f: {"color": "#2d572c", "weight": 0.5,
                                             "fillColor": "#1a9850" if f["properties"]["origin"] == "natural" else "#a6d96a"}).add_to(m)
    m.get_root().html.add_child(folium.Element(
        f"<script>window.addEventListener('load',()=>{{window.gisplanMap={m.get_name()};"
        "window.benchReady=performance.now();});</script>"))
    base = out / f"folium_{n}.html"
    base.write_text(localize(m.get_root().render()), encoding="utf-8")
    # gisplan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm = make_map("forest_cover", layers={"communes": units, "forest_status": parcels},
                      parcels_data=f"data_{n}.js", synthetic=True)
    gm.get_root().html.add_child(folium.Element(READY))
    (out / f"data_{n}.js").write_text(parcels_layer.to_script(parcels_layer.encode_parcels(parcels)), encoding="utf-8")
    ours = out / f"gisplan_{n}.html"
    ours.write_text(localize(gm.get_root().render()), encoding="utf-8")
    return base, ours, _densest_point(parcels)


def _measure(p, url: str, *, ready: str = "window.benchReady !== undefined", zoom_to=None) -> dict:
    """Load ``url`` in a fresh browser; optionally zoom to ``zoom_to`` (lon, lat) at ``ZOOM``.

    Returns load_s (navigation → load event and layers drawn, two animation frames later),
    zoom_s (setView → drawn), drawn (gisplan parcels drawn after the zoom), heap_mb (JS heap
    used), hwm_mb (peak RSS of the page's renderer: the largest VmHWM of the renderer
    processes), rss_mb (peak of the VmRSS summed over all renderer processes, sampled; shared
    pages counted once per process, so an upper bound).
    """
    browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1") else r.abort())
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        mem = _RendererMemory().start()
        t0 = time.perf_counter()
        page.goto(url, timeout=900_000)
        page.wait_for_function(ready, timeout=900_000)
        page.wait_for_function(SETTLED, timeout=900_000)
        page.evaluate(FRAME)
        out = {"load_s": time.perf_counter() - t0, "zoom_s": None, "drawn": None}
        if zoom_to is not None:
            t1 = time.perf_counter()
            page.evaluate(f"() => {{ window.gisplanMap.setView([{zoom_to[1]}, {zoom_to[0]}], {ZOOM}, {{animate: false}}); }}")
            page.evaluate(FRAME)
            out["zoom_s"] = time.perf_counter() - t1
            assert page.evaluate("() => window.gisplanMap.getZoom()") == ZOOM, "the zoom did not happen"
            out["drawn"] = page.evaluate("() => window.gisplanParcelCount ? window.gisplanParcelCount() : null")
            if "gisplan_" in url:
                assert out["drawn"] > 0, "no parcel drawn after zooming in"
        out["heap_mb"] = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}["JSHeapUsedSize"] / 1e6
        out["rss_mb"], out["hwm_mb"] = mem.stop()
        page.close()
    finally:
        browser.close()
    return out


def _median(res: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in res)


def _parcels_rows(p, args) -> list[dict]:
    out = DATA / "site"
    rows = []
    sizes = [20_000] if args.quick else [20_000, 200_000]
    reps = max(3, args.repeat // 2)  # at least 3 runs, the 200,000-parcel pages included
    out.mkdir(parents=True, exist_ok=True)
    server = _Server(out)
    try:
        for n in sizes:
            base, ours, dense = _pages(n, out)
            label = f"forest-status page, {n:,} parcels"
            weight_b = base.stat().st_size / 1e6
            weight_o = (ours.stat().st_size + (out / f"data_{n}.js").stat().st_size) / 1e6
            for tool, page, weight in (("plain folium GeoJson", base, weight_b),
                                       ("gisplan (canvas parcels by view)", ours, weight_o)):
                res = [_measure(p, f"{server.url}/{page.name}", zoom_to=dense) for _ in range(reps)]
                drawn = res[-1]["drawn"]
                rows.append(row(label, tool, _median(res, "load_s"), reps, peak=_median(res, "hwm_mb"),
                                check=f"page {weight:.1f} MB; zoom {ZOOM} over the densest area drawn in "
                                      f"{_median(res, 'zoom_s'):.2f} s"
                                      + (f" ({drawn:,} parcels)" if drawn is not None else " (all parcels)")
                                      + f"; page's renderer peak RSS {_median(res, 'hwm_mb'):.0f} MB, all renderer "
                                        f"processes summed {_median(res, 'rss_mb'):.0f} MB; "
                                        f"JS heap {_median(res, 'heap_mb'):.0f} MB"))
    finally:
        server.close()
    return rows


def _demo_site_rows(p, args) -> list[dict]:
    """Publish the full demo and time every page."""
    import warnings

    from gisplan.catalog import load_catalog
    from gisplan.demo import build_demo
    from gisplan.maps.site import publish_site

    demo = DATA / "demo_full"
    build_demo(demo, size="full")
    repo = Path(__file__).resolve().parents[1]
    catalog = DATA / "demo_full.toml"
    catalog.write_text((repo / "layers" / "demo.toml").read_text(encoding="utf-8").replace(
        'base = "../data/demo"', f'base = "{demo.as_posix()}"'), encoding="utf-8")
    site = DATA / "site_demo"
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        publish_site(load_catalog(catalog), site, overwrite=True)
    publish_s = time.perf_counter() - t
    total = sum(f.stat().st_size for f in site.rglob("*") if f.is_file()) / 1e6
    rows = [row("demo site: gisplan publish (full demo)", "gisplan publish_site", publish_s, 1,
                check=f"site {total:.1f} MB in {sum(1 for _ in site.glob('*.html'))} pages")]
    server = _Server(site)
    reps = max(3, args.repeat // 2)
    try:
        for html in sorted(site.glob("*.html")):
            is_map = html.stem not in ("index", "metadata")
            ready = "window.gisplanCounts !== undefined" if is_map else "document.readyState === 'complete'"
            weight = html.stat().st_size + ((site / "assets" / "data" / "forest_status.js").stat().st_size
                                            if html.stem == "forest_cover" else 0)
            res = [_measure(p, f"{server.url}/{html.name}", ready=ready) for _ in range(reps)]
            rows.append(row(f"demo site page {html.name}", "load and draw", _median(res, "load_s"), reps,
                            peak=_median(res, "hwm_mb"),
                            check=f"page {weight / 1e6:.2f} MB, renderer peak RSS {_median(res, 'hwm_mb'):.0f} MB, "
                                  f"JS heap {_median(res, 'heap_mb'):.0f} MB"))
    finally:
        server.close()
    return rows


def run(args) -> list[dict]:
    if not os.path.exists(CHROMIUM):
        return [row("site", "skipped: no /usr/bin/chromium", 0, 0)]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        return _demo_site_rows(p, args) + _parcels_rows(p, args)
