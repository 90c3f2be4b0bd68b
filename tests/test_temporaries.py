"""Temporaries of a killed run: named as gisplan's, and swept by the next run into the folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.transform import from_origin

from gisplan._atomic import (
    TEMP_PREFIX,
    OutputFolder,
    atomic_path,
    sweep_temporaries,
    temporary_prefix,
)

X0, Y0 = 428_000.0, 2_388_000.0

# a run that writes a report into OUT through gisplan's output folder and is killed mid-write:
# it writes half the CSV into the temporary, says where, and waits to be killed
WRITER = r"""
import sys, time
from pathlib import Path
from gisplan._atomic import OutputFolder, atomic_path
out = Path(sys.argv[1])
with OutputFolder(out, overwrite=True) as folder, folder.write("csv/canopy_forest_cover_2024.csv") as tmp:
    tmp.write_text("code,forest_pct\n01840,", encoding="utf-8")
    with atomic_path(out / "fc.csv", overwrite=True) as tmp2:
        tmp2.write_text("code,", encoding="utf-8")
        print(tmp, tmp2, flush=True)
        time.sleep(120)
"""


def _killed_mid_write(out: Path) -> list[Path]:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().split()
        assert len(line) == 2, "the writer did not reach its write"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    return [Path(p) for p in line]


def _canopy_and_zones(folder: Path) -> tuple[Path, Path]:
    raster = folder / "tc.tif"
    with rasterio.open(raster, "w", driver="GTiff", width=10, height=10, count=1, dtype="uint8", crs="EPSG:9213",
                       nodata=255, transform=from_origin(X0, Y0, 30, 30)) as ds:
        ds.write(np.tile(np.array([80, 80, 80, 80, 80, 5, 5, 5, 5, 5], dtype="uint8"), (10, 1)), 1)
    zones = folder / "z.gpkg"
    gpd.GeoDataFrame({"code": ["A"]}, geometry=[shapely.box(X0, Y0 - 300, X0 + 300, Y0)], crs=9213).to_file(zones)
    return raster, zones


def test_a_killed_run_leaves_named_temporaries_that_the_next_run_sweeps(tmp_path):
    out = tmp_path / "reports"
    (out / "csv").mkdir(parents=True)
    mine = out / "csv" / ".my_notes.csv"  # the user's own hidden file: never touched
    mine.write_text("keep", encoding="utf-8")
    left = _killed_mid_write(out)
    # what the killed run left: gisplan's named temporaries, with the killed process's id
    for tmp in left:
        assert tmp.exists() and tmp.name.startswith(TEMP_PREFIX)
    assert left[0].parent == out / "csv" and left[0].name.endswith(".canopy_forest_cover_2024." +
                                                                    left[0].name.split(".")[-2] + ".csv")
    assert not (out / "csv" / "canopy_forest_cover_2024.csv").exists() and not (out / "fc.csv").exists()
    # the next run writing into the folder (the real CLI) sweeps the one beside its output
    raster, zones = _canopy_and_zones(tmp_path)
    res = subprocess.run([sys.executable, "-m", "gisplan.cli.main", "forest-cover", "--raster", str(raster),
                          "--zones", str(zones), "--id-column", "code", "--mmu-ha", "0", "--out", str(out / "fc.csv")],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert not left[1].exists()
    assert sorted(p.name for p in out.iterdir()) == ["csv", "fc.csv"]
    assert pd.read_csv(out / "fc.csv")["forest_pct"].tolist() == [50.0]
    # a report folder opened again (indicators, publish …) sweeps below it too
    OutputFolder(out, overwrite=True)
    assert sorted(p.name for p in (out / "csv").iterdir()) == [".my_notes.csv"]
    assert mine.read_text(encoding="utf-8") == "keep"


def test_a_live_writers_temporary_is_left_alone(tmp_path):
    """A temporary of a process still running (another run writing into the same folder) stays."""
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        own = tmp_path / f"{temporary_prefix('x')}abc.csv"
        own.write_text("", encoding="utf-8")
        other = tmp_path / own.name.replace(f"-{os.getpid()}.", f"-{live.pid}.")
        other.write_text("", encoding="utf-8")
        assert sweep_temporaries(tmp_path) == []
        with atomic_path(tmp_path / "x.csv") as tmp:
            tmp.write_text("a\n", encoding="utf-8")
        assert own.exists() and other.exists()
    finally:
        live.kill()
        live.wait()
    # from another machine (a shared disk): only once older than a day
    foreign = tmp_path / f"{TEMP_PREFIX}ffffff-1.y.abc.csv"
    foreign.write_text("", encoding="utf-8")
    day_old = tmp_path / f"{TEMP_PREFIX}ffffff-2.z.abc.csv"
    day_old.write_text("", encoding="utf-8")
    old = time.time() - 2 * 24 * 3600
    os.utime(day_old, (old, old))
    sub = tmp_path / "sub"
    sub.mkdir()
    # the live writer has ended meanwhile: its temporary goes too
    assert set(sweep_temporaries(tmp_path, recursive=True)) == {day_old, other}
    assert foreign.exists() and own.exists() and not day_old.exists()


def test_an_earlier_versions_temporary_beside_a_listed_output_is_swept_once_stale(tmp_path):
    """Before the named pattern, temporaries were '.<name>.<8 random><suffix>': one beside an
    output the folder's manifest lists is removed once a day old; a recent one, one beside a file
    gisplan did not write, and anything else of a similar name stay."""
    out = tmp_path / "reports"
    with OutputFolder(out) as folder:
        folder.write_text("csv/canopy_forest_cover_2024.csv", "code\n")
    csv = out / "csv"
    stale = csv / ".canopy_forest_cover_2024.ea3w0yin.csv"
    recent = csv / ".canopy_forest_cover_2024.k2p9x_1q.csv"
    mine = csv / ".notes.ab12cd34.csv"  # beside no output of gisplan's
    other = csv / ".canopy_forest_cover_2024.backup.csv"
    for f in (stale, recent, mine, other):
        f.write_text("", encoding="utf-8")
    old = time.time() - 2 * 24 * 3600
    for f in (stale, mine, other):
        os.utime(f, (old, old))
    OutputFolder(out, overwrite=True)
    assert sorted(p.name for p in csv.iterdir()) == sorted(
        [".canopy_forest_cover_2024.backup.csv", ".canopy_forest_cover_2024.k2p9x_1q.csv", ".notes.ab12cd34.csv",
         "canopy_forest_cover_2024.csv"])
