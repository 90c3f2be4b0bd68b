"""Run the benchmarks: `python benchmarks/run.py [--only NAME ...] [--quick] [--repeat N]`."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--only", nargs="*", help="benchmark modules to run (raster, overlay, conflicts, site, national)")
    p.add_argument("--quick", action="store_true", help="fewer repeats, 30 m raster only")
    p.add_argument("--repeat", type=int, default=None)
    args = p.parse_args(argv)
    args.repeat = args.repeat or (2 if args.quick else 5)
    import generate

    generate.ensure(quick=args.quick)
    names = sorted(f.stem[len("bench_"):] for f in HERE.glob("bench_*.py")) + ["national"]
    rows = []
    for name in names:
        if args.only and name not in args.only:
            continue
        print(f"== {name}", flush=True)
        if name == "national":  # benchmarks/national/bench.py: each case in its own niced process
            rows_of = importlib.import_module("national.bench").bench_rows
        else:
            rows_of = importlib.import_module(f"bench_{name}").run
        for r in rows_of(args):
            print(f"   {r['benchmark']:42} {r['tool']:34} {r['median_s']:8.3f} s  "
                  f"{'' if r['peak_mb'] is None else str(r['peak_mb']) + ' MB':>8}  {r['check']}", flush=True)
            rows.append(r)
    out = HERE / "_out"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    print("\n| benchmark | tool | median (s) | peak (MB) | check |\n|---|---|---:|---:|---|")
    for r in rows:
        print(f"| {r['benchmark']} | {r['tool']} | {r['median_s']:.3f} | {r['peak_mb'] or ''} | {r['check']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
