"""Timing and memory helpers shared by the benchmark modules."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"


def timeit(fn, repeat: int) -> tuple[float, object]:
    """Median wall time (s) of ``fn()`` over ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def peak_mb(code: str) -> float:
    """Peak resident memory (MB) of a fresh Python process running ``code``.

    Read from VmHWM in /proc/self/status, which starts afresh at exec; ``ru_maxrss`` would
    inherit the parent's resident size from the fork.
    """
    wrapper = (
        "import json\n" + code +
        "\nhwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]"
        "\nprint(json.dumps(int(hwm) / 1024))"
    )
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, check=True, cwd=HERE)
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def row(benchmark, tool, median_s, runs, peak=None, check=""):
    return {"benchmark": benchmark, "tool": tool, "median_s": round(median_s, 3), "runs": runs,
            "peak_mb": None if peak is None else round(peak), "check": check}
