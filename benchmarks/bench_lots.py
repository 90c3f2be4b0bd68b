"""Forest-status lots at national-extract scale: 2,000,000 lots shaped like real FRMS exports read,
decoded and summarised per commune — gisplan against a plain geopandas read and overlay.

The input (built on first use under ``benchmarks/_data/lots/``, about 15 minutes):

- ``lorung_2000k.shp``: 2,000,000 lots tiling a 330 × 300 km region (≈ 5 ha each) in the Vietnamese
  FRMS field set — ``tt, matinh, mahuyen, maxa, xa, tk, khoanh, lo, dtich, nggocr, ldlr, maldlr,
  sldlr, namtr, thanhrung, mgo, lapdia, malr3, mdsd, dtuong, churung`` and the other fields of an
  export — with TCVN3 text and no ``.cpg`` (the slowest case to decode), status codes drawn with
  the shares of a northern province (plantations, natural forest by volume class, land not yet
  forest), owners from a pool of names, lot edges densified every 40 m and bent by one smooth
  field (≈ 24 vertices, a valid coverage: what surveyed lots look like);
- ``communes_2000k.gpkg``: 1,000 communes over the region, edges densified every 100 m and bent.

Cases, each in a fresh process (wall time and peak resident memory):

- ``gisplan``: ``gisplan.read(lots, layer_type="forest_status")`` — open, decode TCVN3, recognise
  and decode the FRMS fields, validate (types, codes, geometry, overlaps) — then
  ``forest_cover_from_status`` per commune (lots cut exactly by the communes);
- ``geopandas``: ``geopandas.read_file`` (pyogrio), forest codes mapped with the code table,
  ``geopandas.overlay(forest, communes)`` and a group-by — no decoding, no validation.

The two forest totals are compared (same geometry, same codes).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _common import DATA, row  # noqa: E402

LOTS_DIR = DATA / "lots"
N_LOTS = 2_000_000
N_COMMUNES = 1_000
SEED = 33
#: status codes and their shares in the lots (a northern province's mix)
CODE_SHARES = {"RTG": 0.36, "TXB": 0.05, "TXN": 0.09, "TXK": 0.06, "TXG": 0.02, "TXP": 0.03, "TXDN": 0.03,
               "TXDK": 0.02, "HG1": 0.03, "HG2": 0.03, "NUA": 0.03, "TLU": 0.01, "RTTN": 0.01, "DTR": 0.07,
               "DT2": 0.06, "DT1": 0.04, "DNN": 0.04, "MN": 0.01, "DK": 0.01}
#: lots in the quick run
N_QUICK = 200_000


def ensure_lots(n: int = N_LOTS) -> tuple[Path, Path]:
    """Build the lots and the communes (when missing); return their paths."""
    LOTS_DIR.mkdir(parents=True, exist_ok=True)
    lots, communes = LOTS_DIR / f"lorung_{n // 1000}k.shp", LOTS_DIR / f"communes_{n // 1000}k.gpkg"
    if lots.exists() and communes.exists():
        return lots, communes
    import geopandas as gpd
    import shapely
    from generate import realistic

    from gisplan.demo.lots import PRJ_VN2000_TM3
    from gisplan.encoding import encode_legacy
    from gisplan.forest_codes import status_codes

    rng = np.random.default_rng(SEED)
    side = np.sqrt(n * 5e4)  # ≈ 5 ha a lot
    x0, y0 = 300_000.0, 2_300_000.0
    frame = shapely.box(x0, y0, x0 + side * 1.1, y0 + side)
    t = time.perf_counter()

    def tiling(k, seed):
        r = np.random.default_rng(seed)
        pts = np.column_stack([r.uniform(x0, x0 + side * 1.1, k), r.uniform(y0, y0 + side, k)])
        cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=frame))
        return shapely.intersection(cells, frame)

    com = gpd.GeoDataFrame({"code": [f"{i:05d}" for i in range(1, N_COMMUNES + 1)]},
                           geometry=tiling(N_COMMUNES, SEED + 1), crs=9213)
    com = realistic(com, spacing=100.0)
    com["name"] = [f"Xã Số {i}" for i in range(1, len(com) + 1)]
    com.to_file(communes)
    print(f"communes: {time.perf_counter() - t:.0f} s", flush=True)
    geoms = tiling(n, SEED + 2)
    lots_gdf = realistic(gpd.GeoDataFrame(geometry=geoms, crs=9213))
    print(f"lots geometry: {time.perf_counter() - t:.0f} s", flush=True)
    c = shapely.centroid(lots_gdf.geometry.to_numpy())
    owner = shapely.STRtree(com.geometry.to_numpy()).query_nearest(c, all_matches=False)[1]
    codes = status_codes().table
    pick = rng.choice(list(CODE_SHARES), size=len(c), p=np.array(list(CODE_SHARES.values())) / sum(CODE_SHARES.values()))
    x, y = shapely.get_x(c), shapely.get_y(c)
    tk = (np.floor((y - y0) / 3000) * 200 + np.floor((x - x0) / 3000)).astype(int) + 1
    khoanh = (np.floor((y % 3000) / 1000) * 3 + np.floor((x % 3000) / 1000)).astype(int) + 1
    order = np.lexsort((x, -y, khoanh, tk))
    lo = np.empty(len(c), dtype=int)
    key = tk[order] * 10 + khoanh[order]
    starts = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
    lo[order] = np.arange(len(c)) - np.repeat(starts, np.diff(np.r_[starts, len(c)]))
    names = np.array([encode_legacy(f"Hộ ông Nguyễn Văn {i}", "tcvn3") for i in range(5000)]
                     + [encode_legacy(f"Ban quản lý rừng phòng hộ số {i}", "tcvn3") for i in range(40)]
                     + [encode_legacy(f"Công ty Lâm nghiệp số {i}", "tcvn3") for i in range(60)], dtype=object)
    area = shapely.area(lots_gdf.geometry.to_numpy()) / 1e4
    forest = codes.loc[pick, "forest"].to_numpy(dtype=bool)
    natural = codes.loc[pick, "land_class"].to_numpy() == "natural_forest"
    attrs = {
        "tt": np.arange(1, len(c) + 1), "matinh": 19, "mahuyen": 164, "maxa": com["code"].to_numpy()[owner].astype(int),
        "xa": np.array([encode_legacy(v, "tcvn3") for v in com["name"]], dtype=object)[owner],
        "tk": tk.astype(str), "khoanh": khoanh.astype(str), "lo": (lo + 1).astype(str), "thuad": 0, "tobando": "",
        "ddanh": "", "dtich": np.round(area, 2), "nggocr": np.where(forest, np.where(natural, 1, 2), 3),
        "ldlr": pick, "maldlr": codes.loc[pick, "number"].to_numpy(dtype=int),
        "sldlr": np.where(pick == "RTG", encode_legacy("Keo", "tcvn3"), ""),
        "namtr": np.where(np.isin(pick, ["RTG", "DTR"]), rng.integers(2005, 2024, len(c)), 0), "captuoi": 0,
        "ktan": 0, "nggocrt": 0, "thanhrung": np.select([pick == "RTG", pick == "DTR"], [1, 2], 0),
        "mgo": np.round(np.where(forest, rng.uniform(20, 220, len(c)), 0), 1), "mtn": 0.0, "mgolo": 0.0,
        "mtnlo": 0.0, "lapdia": 1, "malr3": rng.choice([1, 2, 3], len(c), p=[0.3, 0.1, 0.6]), "mdsd": "",
        "mamdsd": 0, "dtuong": rng.choice([1, 2, 3, 5, 6], len(c), p=[0.55, 0.1, 0.1, 0.15, 0.1]),
        "churung": names[rng.integers(0, len(names), len(c))], "machur": 0, "trchap": 0, "quyensd": 0,
        "thoihansd": 0, "khoan": 0, "nqh": 0, "nguoink": "", "nguoitrch": "", "mangnk": 0, "mangtrch": 0,
        "ngsinh": 0, "kd": 0.0, "vd": 0.0, "capkd": "", "capvd": "", "locu": "", "vitrithua": 0}
    out = gpd.GeoDataFrame(attrs, geometry=lots_gdf.geometry.to_numpy(), crs=9213)
    import warnings

    import pyogrio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(out, lots, encoding="latin1", layer_options={"RESIZE": "YES"})
    lots.with_suffix(".cpg").unlink(missing_ok=True)
    lots.with_suffix(".prj").write_text(PRJ_VN2000_TM3, encoding="ascii")
    print(f"lots written: {time.perf_counter() - t:.0f} s", flush=True)
    return lots, communes


GISPLAN_CASE = """
import time, warnings, logging
warnings.simplefilter("ignore"); logging.disable(logging.WARNING)
import geopandas as gpd
import gisplan
from gisplan.indicators.forest import forest_cover_from_status
t = time.perf_counter()
lots = gisplan.read({lots!r}, layer_type="forest_status", strict=False)
read_s = time.perf_counter() - t
communes = gpd.read_file({communes!r})
cover = forest_cover_from_status(lots, communes, unit_id="code")
total = time.perf_counter() - t
meta = lots.attrs["gisplan"]
print(json.dumps({{"seconds": total, "read_seconds": read_s, "lots": len(lots), "forest_ha": float(cover["forest_ha"].sum()),
                  "field_set": meta["schema"]["field_set"], "issues": len(meta["issues"])}}))
"""

GEOPANDAS_CASE = """
import time, warnings
warnings.simplefilter("ignore")
import geopandas as gpd
import pandas as pd
t = time.perf_counter()
lots = gpd.read_file({lots!r}, engine="pyogrio", use_arrow=True)
read_s = time.perf_counter() - t
codes = pd.read_csv({codes!r}, dtype=str)
forest_codes = set(codes.loc[codes["forest"] == "1", "code"])
forest = lots[lots["ldlr"].isin(forest_codes)][["ldlr", "geometry"]]
communes = gpd.read_file({communes!r})
pieces = gpd.overlay(forest, communes[["code", "geometry"]], how="intersection")
ha = pieces.assign(ha=pieces.area / 1e4).groupby("code")["ha"].sum()
total = time.perf_counter() - t
print(json.dumps({{"seconds": total, "read_seconds": read_s, "lots": len(lots), "forest_ha": float(ha.sum())}}))
"""


def _case(code: str) -> dict:
    """Run ``code`` in a fresh Python process; its JSON line plus the peak resident memory (MB)."""
    wrapper = ("import json\n" + code +
               "\nhwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]"
               "\nprint(json.dumps({'peak_mb': int(hwm) / 1024}))")
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, cwd=HERE)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    lines = [json.loads(line) for line in out.stdout.strip().splitlines() if line.startswith("{")]
    return {**lines[-2], **lines[-1]}


def run(args) -> list[dict]:
    n = N_QUICK if args.quick else N_LOTS
    lots, communes = ensure_lots(n)
    codes = HERE.parent / "layers" / "forest_status_codes.csv"
    ours = _case(GISPLAN_CASE.format(lots=str(lots), communes=str(communes)))
    ref = _case(GEOPANDAS_CASE.format(lots=str(lots), communes=str(communes), codes=str(codes)))
    label = f"{ours['lots']:,} FRMS lots (TCVN3) read, decoded, forest per commune ({N_COMMUNES:,} communes)"
    diff = abs(ours["forest_ha"] - ref["forest_ha"]) / ref["forest_ha"] * 100
    return [row(label, f"gisplan.read + forest_cover_from_status (read {ours['read_seconds']:.1f} s)",
                ours["seconds"], 1, ours["peak_mb"], check=f"{ours['issues']} issues reported"),
            row(label, f"geopandas read_file + overlay (read {ref['read_seconds']:.1f} s)", ref["seconds"], 1,
                ref["peak_mb"], check=f"forest totals differ by {diff:.2e} %")]


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help=f"{N_QUICK:,} lots")
    for r in run(p.parse_args()):
        print(r)
