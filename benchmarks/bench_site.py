"""The web maps in headless Chromium, served from 127.0.0.1 with every other request blocked.

1. The forest-status layer: a plain folium GeoJson page vs gisplan's parcels layer at 20,000 and
   200,000 parcels: page weight; time to draw the layers at the province view (no parcel is
   drawn there by gisplan, whose parcels appear from zoom 12); time to draw after zooming to
   zoom 12 over the densest part of the parcels; renderer memory, i.e. the peak resident set of
   the page's Chromium renderer process (``--type=renderer`` below the launched browser: its
   VmHWM, the kernel's high-water mark) and, as an upper bound, the peak of VmRSS summed over all
   renderer processes (sampled from /proc every 20 ms); and the renderer's JS heap.
2. The demo site (``gisplan publish`` of the full demo): size and load time of every page.
3. Cell scripts against one PMTiles archive (``gisplan publish --large-layers``) at 200,000 and
   2,000,000 parcels shaped like surveyed ones: the same measures, served by ``gisplan serve``'s
   Range server (``python benchmarks/bench_site.py`` runs this part alone).

Each measurement launches a fresh browser, so a renderer's memory is that page's alone.
"""

from __future__ import annotations

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


class _Server:
    """``gisplan serve``'s server (HTTP Range requests, which the PMTiles pages need) on
    127.0.0.1 for ``folder`` (a random free port)."""

    def __init__(self, folder: Path):
        from gisplan.cli.serve import make_server

        self.httpd = make_server(folder, 0, quiet=True)
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


#: the last commit whose forest-cover page loads every parcel in one script (the previous page)
PREV_COMMIT = "367a6b44d38e5388a485bdf31e18673d5d0f4b7e"
#: the parcel sets: plain Voronoi cells (~6 vertices) and parcels shaped like surveyed ones (~24)
SETS = {"plain": "parcels_200k.gpkg", "realistic": "parcels_real_200k.gpkg"}
FOLIUM_CAP_S = 240  # a plain folium page not drawn by then is reported as not drawn

_BUILD = r"""
import json, shutil, sys, time, warnings
from pathlib import Path
warnings.simplefilter("ignore")
kind, src, n, out, tag, communes = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]), sys.argv[5], sys.argv[6]
t0 = time.perf_counter()
import folium, geopandas as gpd
from gisplan.maps.site import VENDOR, localize
parcels = (gpd.read_parquet(src) if src.endswith(".parquet") else gpd.read_file(src, rows=n)).head(n)
parcels["parcel_id"] = parcels["parcel_id"].astype(str)
parcels["forest_type"] = None
units = gpd.read_file(communes).to_crs(parcels.crs)  # the national parcels are in EPSG:3405
units["name"] = units["code"]
out.mkdir(parents=True, exist_ok=True)
shutil.copytree(VENDOR, out / "assets" / "vendor", dirs_exist_ok=True)  # the vendored files of this version
READY = "<script>window.addEventListener('load',()=>{window.benchReady=performance.now();});</script>"
if kind == "folium":
    wgs = parcels.to_crs(4326)
    m = folium.Map(location=[22.0, 105.85], zoom_start=9, tiles=None)
    m.default_js = m.default_js[:1]
    m.default_css = m.default_css[:1]
    folium.GeoJson(wgs, name="parcels", popup=folium.GeoJsonPopup(fields=["parcel_id", "origin"]),
                   style_function=lambda f: {"color": "#2d572c", "weight": 0.5,
                                             "fillColor": "#1a9850" if f["properties"]["origin"] == "natural" else "#a6d96a"}).add_to(m)
    m.get_root().html.add_child(folium.Element(
        f"<script>window.addEventListener('load',()=>{{window.gisplanMap={m.get_name()};"
        "window.benchReady=performance.now();});</script>"))
    (out / f"{tag}.html").write_text(localize(m.get_root().render()), encoding="utf-8")
    data = []
else:
    from gisplan.maps import parcels_layer
    from gisplan.maps.interactive import make_map
    if kind == "pmtiles":  # one PMTiles archive, read by Range requests
        from gisplan._atomic import OutputFolder
        from gisplan.maps import vector_tiles
        tiled = vector_tiles.tile_parcels(parcels, "vi", rel=f"tiles_{tag}.pmtiles")
        gm = make_map("forest_cover", layers={"communes": units, "forest_status": parcels}, parcels_data=tiled, synthetic=True)
        (out / tiled.rel).unlink(missing_ok=True)
        tiled.write_into(OutputFolder(out))
        data = [tiled.rel]
    elif kind == "prev":  # one script with every parcel
        rel = f"data_{tag}.js"
        gm = make_map("forest_cover", layers={"communes": units, "forest_status": parcels}, parcels_data=rel, synthetic=True)
        (out / rel).write_text(parcels_layer.to_script(parcels_layer.encode_parcels(parcels)), encoding="utf-8")
        data = [rel]
    else:  # one script per cell, loaded when in view
        folder = f"cells_{tag}"
        if (out / folder).exists():
            shutil.rmtree(out / folder)
        enc = parcels_layer.encode_parcels(parcels, folder=folder)
        gm = make_map("forest_cover", layers={"communes": units, "forest_status": parcels}, parcels_data=enc, synthetic=True)
        data = []
        for rel, text in enc.files().items():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_text(text, encoding="utf-8")
            data.append(rel)
    gm.get_root().html.add_child(folium.Element(READY))
    (out / f"{tag}.html").write_text(localize(gm.get_root().render()), encoding="utf-8")
hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]
print(json.dumps({"s": time.perf_counter() - t0, "peak_mb": int(hwm) / 1024,
                  "data_mb": sum((out / r).stat().st_size for r in data) / 1e6}))
"""

_PUBLISH = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
t0 = time.perf_counter()
from gisplan.catalog import load_catalog
from gisplan.pipeline import publish_site
publish_site(load_catalog(sys.argv[1]), sys.argv[2], overwrite=True, themes=["forest_cover"])
hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]
print(json.dumps({"s": time.perf_counter() - t0, "peak_mb": int(hwm) / 1024}))
"""


def _python(code: str, args: list, root: Path) -> dict:
    """Run ``code`` in a fresh Python importing gisplan from ``root``; its last line of output (JSON)."""
    import json
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(root)}
    res = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(root)!r})\n" + code,
                          *map(str, args)], capture_output=True, text=True, env=env, cwd=root)
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-3000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


class _Previous:
    """A git worktree of :data:`PREV_COMMIT` in a temporary folder (removed on exit)."""

    def __enter__(self) -> Path:
        import subprocess
        import tempfile

        self.repo = Path(__file__).resolve().parents[1]
        self.path = Path(tempfile.mkdtemp(prefix="gisplan-prev-")) / "tree"
        subprocess.run(["git", "-C", str(self.repo), "worktree", "add", "--detach", str(self.path), PREV_COMMIT],
                       check=True, capture_output=True)
        return self.path

    def __exit__(self, *exc):
        import subprocess

        subprocess.run(["git", "-C", str(self.repo), "worktree", "remove", "--force", str(self.path)],
                       capture_output=True)
        shutil.rmtree(self.path.parent, ignore_errors=True)


def _catalog_with(parcels: Path, out: Path) -> Path:
    """The small demo's catalog with ``parcels`` as its 2024 forest-status layer."""
    text = (DATA / "demo" / "catalog.toml").read_text(encoding="utf-8") if (DATA / "demo" / "catalog.toml").exists() \
        else None
    if text is None:
        repo = Path(__file__).resolve().parents[1]
        text = (repo / "layers" / "demo.toml").read_text(encoding="utf-8").replace(
            'base = "../data/demo"', f'base = "{(DATA / "demo").as_posix()}"')
    text = text.replace('path = "forest_status_2024.gpkg"', f'path = "{parcels.as_posix()}"')
    out.write_text(text, encoding="utf-8")
    return out


IDLE = "() => !window.gisplanParcelsIdle || window.gisplanParcelsIdle()"


def _measure(p, url: str, *, ready: str = "window.benchReady !== undefined", zoom_to=None,
             cap_s: float = 900) -> dict:
    """Load ``url`` in a fresh browser; optionally zoom to ``zoom_to`` (lon, lat) at ``ZOOM``.

    Returns load_s (navigation → load event and layers drawn, two animation frames later; None
    when not drawn within ``cap_s``), zoom_s (setView → the parcel cells in view loaded and
    drawn), drawn (gisplan parcels drawn after the zoom), mb_view / mb_zoom (bytes received at
    the province view / after the zoom), heap_mb (JS heap used), hwm_mb (peak RSS of the page's
    renderer: the largest VmHWM of the renderer processes), rss_mb (peak of the VmRSS summed
    over all renderer processes, sampled; shared pages counted once per process, an upper bound).
    """
    browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    got = [0]
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1") else r.abort())
        page.on("response", lambda r: got.__setitem__(0, got[0] + int(r.headers.get("content-length") or 0)))
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        mem = _RendererMemory().start()
        t0 = time.perf_counter()
        out = {"load_s": None, "zoom_s": None, "drawn": None, "mb_view": None, "mb_zoom": None}
        try:
            page.goto(url, timeout=cap_s * 1000)
            page.wait_for_function(ready, timeout=cap_s * 1000)
            page.wait_for_function(SETTLED, timeout=cap_s * 1000)
            page.evaluate(FRAME)
        except Exception:  # noqa: BLE001 - not drawn in time (plain folium at 200,000 parcels)
            out["rss_mb"], out["hwm_mb"] = mem.stop()
            out["heap_mb"] = None
            return out
        out["load_s"] = time.perf_counter() - t0
        out["mb_view"] = got[0] / 1e6
        if zoom_to is not None:
            t1 = time.perf_counter()
            page.evaluate(f"() => {{ window.gisplanMap.setView([{zoom_to[1]}, {zoom_to[0]}], {ZOOM}, {{animate: false}}); }}")
            page.wait_for_function(IDLE, timeout=900_000, polling="raf")
            page.evaluate(FRAME)
            out["zoom_s"] = time.perf_counter() - t1
            out["mb_zoom"] = got[0] / 1e6
            assert page.evaluate("() => window.gisplanMap.getZoom()") == ZOOM, "the zoom did not happen"
            out["drawn"] = page.evaluate("() => window.gisplanParcelCount ? window.gisplanParcelCount() : null")
            if "folium" not in url:
                assert out["drawn"] > 0, "no parcel drawn after zooming in"
        out["heap_mb"] = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}["JSHeapUsedSize"] / 1e6
        out["rss_mb"], out["hwm_mb"] = mem.stop()
        page.close()
    finally:
        browser.close()
    return out


def _median(res: list[dict], key: str):
    vals = [r[key] for r in res if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def _f(v, fmt: str, none: str = "—") -> str:
    return none if v is None else format(v, fmt)


def _parcels_rows(p, args) -> list[dict]:
    import geopandas as gpd

    out = DATA / "site"
    rows = []
    n = 20_000 if args.quick else 200_000
    reps = max(3, args.repeat // 2)  # at least 3 runs, the 200,000-parcel pages included
    folium_reps = reps if n <= 20_000 else 1  # a plain folium page at 200,000 parcels takes minutes
    publish_reps = 1 if args.quick else 3  # the previous publish: once (minutes each at 200,000 parcels)
    out.mkdir(parents=True, exist_ok=True)
    repo = Path(__file__).resolve().parents[1]
    server = _Server(out)
    try:
        with _Previous() as prev:
            for name, fname in SETS.items():
                src = DATA / fname
                dense = _densest_point(gpd.read_file(src, rows=n))
                label = f"forest-status page, {n:,} {name} parcels"
                # publish (the forest-cover page of the small demo with these parcels as its 2024 layer)
                catalog = _catalog_with(src if n == 200_000 else _head(src, n, out), out / f"catalog_{name}.toml")
                for tool, root in (("gisplan publish (cells)", repo), ("previous publish (one script)", prev)):
                    reps_p = publish_reps if root == repo else 1
                    res = [_python(_PUBLISH, [catalog, out / f"published_{name}_{root.name}"], root)
                           for _ in range(reps_p)]
                    rows.append(row(f"publish, demo + {n:,} {name} parcels (forest_cover page)", tool,
                                    _median(res, "s"), reps_p, peak=_median(res, "peak_mb"),
                                    check="indicators and the forest-cover page, peak RSS of the process"))
                for tool, kind, root, nrep in (("plain folium GeoJson", "folium", repo, folium_reps),
                                               ("previous gisplan (one script of all parcels)", "prev", prev, reps),
                                               ("gisplan (parcel cells loaded by view)", "new", repo, reps)):
                    tag = f"{kind}_{name}_{n}"
                    built = _python(_BUILD, [kind, src, n, out, tag, DATA / "communes.gpkg"], root)
                    html = (out / f"{tag}.html").stat().st_size / 1e6
                    cap = FOLIUM_CAP_S if kind == "folium" else 900
                    res = [_measure(p, f"{server.url}/{tag}.html", zoom_to=dense, cap_s=cap) for _ in range(nrep)]
                    drawn = res[-1]["drawn"]
                    load = _median(res, "load_s")
                    rows.append(row(label, tool, load if load is not None else float(cap), nrep, peak=_median(res, "hwm_mb"),
                                    check=(f"NOT DRAWN in {cap} s; " if load is None else "")
                                    + f"page {html:.2f} MB + data {built['data_mb']:.1f} MB"
                                    + f"; received at province view {_f(_median(res, 'mb_view'), '.2f')} MB"
                                    + f", after zoom {_f(_median(res, 'mb_zoom'), '.2f')} MB"
                                    + f"; zoom {ZOOM} over the densest area drawn in {_f(_median(res, 'zoom_s'), '.2f')} s"
                                    + (f" ({drawn:,} parcels)" if drawn is not None else " (all parcels)")
                                    + f"; renderer peak RSS {_f(_median(res, 'hwm_mb'), '.0f')} MB, all renderers "
                                      f"{_f(_median(res, 'rss_mb'), '.0f')} MB; JS heap {_f(_median(res, 'heap_mb'), '.0f')} MB"
                                    + f"; page built in {built['s']:.1f} s, {built['peak_mb']:.0f} MB"))
    finally:
        server.close()
    return rows


def _head(src: Path, n: int, out: Path) -> Path:
    """The first ``n`` parcels of ``src`` as their own file (quick runs)."""
    import geopandas as gpd

    dst = out / f"{src.stem}_{n}.gpkg"
    if not dst.exists():
        gpd.read_file(src, rows=n).to_file(dst)
    return dst


def _demo_site_rows(p, args) -> list[dict]:
    """Publish the full demo and time every page."""
    import warnings

    from gisplan.catalog import load_catalog
    from gisplan.demo import build_demo
    from gisplan.pipeline import publish_site

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
            weight = html.stat().st_size
            res = [_measure(p, f"{server.url}/{html.name}", ready=ready) for _ in range(reps)]
            rows.append(row(f"demo site page {html.name}", "load and draw", _median(res, "load_s"), reps,
                            peak=_median(res, "hwm_mb"),
                            check=f"page {weight / 1e6:.2f} MB (parcel cells load from zoom {ZOOM}), renderer peak RSS {_median(res, 'hwm_mb'):.0f} MB, "
                                  f"JS heap {_median(res, 'heap_mb'):.0f} MB"))
    finally:
        server.close()
    return rows


#: the PMTiles comparison: parcels shaped like surveyed ones, the province's 200,000 and 2,000,000
#: over the 34 provinces (benchmarks/national/generate.py's tiling, shaped by generate.realistic per commune)
TILE_SIZES = (200_000, 2_000_000)
NATIONAL_SPACING_M = 80.0  # vertex spacing of the national parcels (~16 ha): ~24 vertices each, as in the province


def _national_parcels(n: int) -> Path:
    """``n`` parcels over the 34 provinces shaped like surveyed ones (GeoParquet, EPSG:3405),
    written once under ``_data/site/``: the national benchmark's Voronoi parcels
    (``national/generate.py --parcels n``), each commune's made realistic on its own (a
    province's tiling is not an exact coverage along commune borders; a commune's is)."""
    import importlib.util

    import generate
    import geopandas as gpd
    import pandas as pd

    dst = DATA / "site" / f"parcels_real_national_{n // 1000}k.parquet"
    if dst.exists():
        return dst
    spec = importlib.util.spec_from_file_location("national_generate", Path(__file__).parent / "national" / "generate.py")
    nat = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(nat)
    par = nat.parcels(nat.communes(nat.provinces(None), 2025), n, 2025)
    parts = [generate.realistic(g, spacing=NATIONAL_SPACING_M) for _, g in par.groupby("commune", sort=True)]
    dst.parent.mkdir(parents=True, exist_ok=True)
    forest_attributes(gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=par.crs)).to_parquet(dst)
    return dst


def forest_attributes(par):
    """The national parcels with the forest-status codes the site shows: origin ``plantation``
    (the generator says ``planted``) and ``meets_criteria`` (seeded: 1 in 10 does not)."""
    import numpy as np

    rng = np.random.default_rng([2025, 9])
    return par.assign(origin=par["origin"].replace({"planted": "plantation"}),
                      meets_criteria=rng.random(len(par)) >= 0.1)


def _tiles_rows(p, args, report=None) -> list[dict]:
    """The cell scripts against the PMTiles archive at 200,000 and 2,000,000 parcels: page weight
    and what a visitor downloads at the province view, time to draw it, then zoom 12 over the
    densest area (bytes, time, parcels drawn), renderer memory; and the build (time, peak RSS,
    data on disk). ``report(row)`` is called with each row as soon as it is measured."""
    import geopandas as gpd

    out = DATA / "site"
    out.mkdir(parents=True, exist_ok=True)
    repo = Path(__file__).resolve().parents[1]
    sizes = getattr(args, "sizes", None) or ((20_000, 200_000) if args.quick else TILE_SIZES)
    reps = max(3, args.repeat // 2)
    rows = []
    server = _Server(out)
    try:
        for n in sizes:
            src = DATA / "parcels_real_200k.gpkg" if n <= 200_000 else _national_parcels(n)
            dense = _densest_point(gpd.read_parquet(src, columns=["geometry"]) if src.suffix == ".parquet"
                                   else gpd.read_file(src, rows=n, columns=[]))
            for tool, kind in (("gisplan cells (a script per 0.05° cell)", "new"),
                               ("gisplan PMTiles (one archive, Range requests)", "pmtiles")):
                tag = f"{kind}_tiles_{n}"
                built = _python(_BUILD, [kind, src, n, out, tag, DATA / "communes.gpkg"], repo)
                html = (out / f"{tag}.html").stat().st_size / 1e6
                res = [_measure(p, f"{server.url}/{tag}.html", zoom_to=dense) for _ in range(reps)]
                rows.append(row(f"forest-status page, {n:,} realistic parcels", tool, _median(res, "load_s"), reps,
                                peak=_median(res, "hwm_mb"),
                                check=f"page {html:.2f} MB + data {built['data_mb']:.1f} MB"
                                + f"; received at province view {_f(_median(res, 'mb_view'), '.2f')} MB"
                                + f", after zoom {_f(_median(res, 'mb_zoom'), '.2f')} MB"
                                + f"; zoom {ZOOM} over the densest area drawn in {_f(_median(res, 'zoom_s'), '.2f')} s"
                                + f" ({res[-1]['drawn']:,} parcels)"
                                + f"; renderer peak RSS {_f(_median(res, 'hwm_mb'), '.0f')} MB"
                                + f"; JS heap {_f(_median(res, 'heap_mb'), '.0f')} MB"
                                + f"; built in {built['s']:.1f} s, {built['peak_mb']:.0f} MB"))
                if report:
                    report(rows[-1])
    finally:
        server.close()
    return rows


def run(args) -> list[dict]:
    if not os.path.exists(CHROMIUM):
        return [row("site", "skipped: no /usr/bin/chromium", 0, 0)]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        return _demo_site_rows(p, args) + _parcels_rows(p, args) + _tiles_rows(p, args)


if __name__ == "__main__":  # python benchmarks/bench_site.py [--quick]: the PMTiles comparison only
    import argparse
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    ap = argparse.ArgumentParser(description="cell scripts against the PMTiles archive")
    ap.add_argument("--quick", action="store_true", help="20,000 and 200,000 parcels")
    ap.add_argument("--repeat", type=int, default=6)
    ap.add_argument("--sizes", type=int, nargs="*", help=f"parcel counts (default {' '.join(map(str, TILE_SIZES))})")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}", flush=True)
    with sync_playwright() as pw:
        _tiles_rows(pw, a, report=lambda r: print(f"{r['benchmark']} | {r['tool']} | {r['median_s']:.3f} s | "
                                                  f"{r['peak_mb']} MB | {r['check']}", flush=True))
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}", flush=True)
