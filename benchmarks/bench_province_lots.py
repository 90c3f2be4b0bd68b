"""A province's full run on forest-status lots at inventory scale: `gisplan indicators` and
`gisplan publish` on the demo province with two years of about 200,000 lots each, in the FRMS
field set and shaped like surveyed lots.

The input (built on first use under ``benchmarks/_data/province_lots/``): the demo built at size
``large`` (about 200,000 lots a year, FRMS Shapefiles: 2020 in TCVN3, 2024 in UTF-8), the lots
of both years then shaped like surveyed ones — edges densified every 40 m and bent by one smooth
field of position (``generate.realistic``: a lot unchanged between the years keeps the same shape,
neighbours keep sharing their edges). Each command runs in its own process (wall time and peak
resident memory, read from ``/proc``) on an empty output folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _common import DATA, row  # noqa: E402

ROOT = DATA / "province_lots"


def ensure() -> Path:
    """Build the data and its catalog (when missing); return the catalog path."""
    catalog = ROOT / "catalog.toml"
    if catalog.exists():
        return catalog
    import geopandas as gpd
    import pyogrio
    from generate import realistic

    from gisplan.demo import build_demo
    from gisplan.demo.lots import PRJ_VN2000_TM3

    data = ROOT / "data"
    t = time.perf_counter()
    build_demo(data, size="large")  # reused when already built
    print(f"demo (large) built: {time.perf_counter() - t:.0f} s", flush=True)
    for name, encoding in (("forest_status_2020", "latin1"), ("forest_status_2024", "utf-8")):
        path = data / f"{name}.shp"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = pyogrio.read_dataframe(path, encoding=encoding)  # the file's own bytes, kept as they are
            shaped = realistic(gpd.GeoDataFrame(raw.drop(columns="geometry"), geometry=raw.geometry.to_numpy(),
                                                crs=raw.crs), exact_coverage=False)
            pyogrio.write_dataframe(shaped, path, encoding=encoding, layer_options={"RESIZE": "YES"})
        if encoding == "latin1":
            path.with_suffix(".cpg").unlink(missing_ok=True)
        path.with_suffix(".prj").write_text(PRJ_VN2000_TM3, encoding="ascii")
        print(f"{name}: {len(shaped):,} lots shaped like surveyed ones ({time.perf_counter() - t:.0f} s)", flush=True)
    text = (HERE.parent / "layers" / "demo.toml").read_text(encoding="utf-8")
    catalog.write_text(text.replace('base = "../data/demo"', f'base = "{data.as_posix()}"'), encoding="utf-8")
    return catalog


def _timed(args: list[str]) -> tuple[float, float, float]:
    """Wall time (s) of ``gisplan <args>`` in a fresh process, its peak resident memory (MB), and
    the peak of its memory and its child processes' together (MB: its helper process, QGIS's for
    the project), sampled from ``/proc`` every 0.1 s."""
    code = (f"import sys, runpy\nsys.argv = ['gisplan'] + {args!r}\n"
            "try:\n    runpy.run_module('gisplan.cli.main', run_name='__main__')\nexcept SystemExit as e:\n"
            "    code = e.code\nelse:\n    code = 0\n"
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
            "print('PEAK_MB', int(hwm) / 1024, 'EXIT', code)\n")
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=HERE.parent)
    sampler = _TreeMemory(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - t
    sampler.stop.set()
    sampler.join()
    last = [line for line in stdout.splitlines() if line.startswith("PEAK_MB")]
    if proc.returncode or not last or not last[-1].endswith("EXIT 0"):
        raise RuntimeError(f"gisplan {' '.join(args)} failed:\n{stdout[-2000:]}\n{stderr[-2000:]}")
    return seconds, float(last[-1].split()[1]), sampler.peak_mb


class _TreeMemory(threading.Thread):
    """Largest sum of the resident memory of a process and its descendants (Linux ``/proc``)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_mb, self.stop = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            parents, rss = {}, {}
            for d in Path("/proc").iterdir():
                if not d.name.isdigit():
                    continue
                try:
                    fields = (d / "status").read_text().splitlines()
                except OSError:
                    continue
                info = dict(f.split(":", 1) for f in fields if ":" in f)
                parents[int(d.name)] = int(info.get("PPid", "0"))
                rss[int(d.name)] = int(info.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in info else 0
            tree, grew = {self.pid}, True
            while grew:
                more = {p for p, pp in parents.items() if pp in tree} - tree
                tree |= more
                grew = bool(more)
            self.peak_mb = max(self.peak_mb, sum(rss.get(p, 0) for p in tree) / 1024)


def run(args) -> list[dict]:
    catalog = ensure()
    out = ROOT / "_out"
    shutil.rmtree(out, ignore_errors=True)
    rows = []
    t, peak, kids = _timed(["indicators", "--catalog", str(catalog), "--out", str(out / "reports"), "--no-progress"])
    rows.append(row("two years of ~200,000 surveyed-like FRMS lots: gisplan indicators", "gisplan", t, 1, peak,
                    check=f"with its child processes: {kids:.0f} MB at most"))
    t, peak, kids = _timed(["publish", "--catalog", str(catalog), "--out", str(out / "maps")])
    rows.append(row("two years of ~200,000 surveyed-like FRMS lots: gisplan publish", "gisplan", t, 1, peak,
                    check=f"with its child processes: {kids:.0f} MB at most"))
    return rows


if __name__ == "__main__":
    import argparse

    for r in run(argparse.Namespace(quick=False, repeat=1)):
        print(r)
