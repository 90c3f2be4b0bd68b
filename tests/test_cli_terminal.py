"""What the CLI prints fits a terminal: tables within 100 columns, each warning once per run,
printed above a progress bar rather than into it."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys

import numpy as np
import rasterio
from rasterio.transform import from_origin
from tqdm import tqdm

from gisplan.cli import main
from gisplan.cli.text_table import WIDTH, text_table
from gisplan.errors import GisplanWarning


def test_tables_fit_100_columns_and_keep_every_word():
    path = "/srv/du_lieu/tinh_thai_nguyen/giao_nop_2025/so_nong_nghiep_va_moi_truong/lop_hien_trang_rung_2024.shp"
    rows = [{"severity": "error", "column": "ma_xa", "row": "01840", "message": f"cannot read {path}: " + "x " * 80},
            {"severity": "warning", "column": "", "row": None, "message": "short"}]
    text = text_table(rows, ["severity", "column", "row", "message"], wrap_first=["message"])
    lines = text.splitlines()
    assert max(map(len, lines)) <= WIDTH
    assert lines[0].split() == ["severity", "column", "row", "message"]
    # the message wraps in its own column: joined back, nothing is lost; the path breaks after a /
    col = lines[0].index("message")
    message = "".join(ln[col:].rstrip() + ("" if ln[col:].rstrip().endswith("/") else " ")
                      for ln in lines[2:-1]).split()
    assert message == f"cannot read {path}: {'x ' * 80}".split()
    assert lines[-1].split() == ["warning", "short"]


def test_a_warning_prints_once_above_a_progress_bar():
    buf = io.StringIO()
    main._PRINTED.clear()
    bar = tqdm(total=4, file=buf, desc="indicators", ascii=True, mininterval=0)
    bar.update(1)
    for _ in range(3):  # the same warning from three calls of one run
        assert main._format_warning_once("raster x.tif declares no nodata value", GisplanWarning, "f.py", 1,
                                         file=buf) == ""
    main._format_warning_once("another one", GisplanWarning, "f.py", 2, file=buf)
    bar.update(1)
    bar.close()
    pieces = re.split(r"[\r\n]", buf.getvalue())
    assert pieces.count("warning: raster x.tif declares no nodata value") == 1
    assert pieces.count("warning: another one") == 1
    # never on the bar's line: the bar was cleared, the warning printed, the bar drawn again
    assert not [p for p in pieces if "warning" in p and "indicators" in p]
    assert any(p.startswith("indicators:") and "2/4" in p for p in pieces)


def test_log_lines_print_once():
    buf = io.StringIO()
    main._PRINTED.clear()
    handler = main._OnceHandler(buf)
    handler.setFormatter(main._LogFormatter(named=False))
    log = logging.getLogger("gisplan.test_terminal")
    log.addHandler(handler)
    log.propagate = False
    try:
        for _ in range(2):
            log.warning("layer %s: 3 features outside the province", "mines")
    finally:
        log.removeHandler(handler)
    assert buf.getvalue() == "warning: layer mines: 3 features outside the province\n"


def test_the_same_warning_twice_in_one_run_prints_once(tmp_path):
    """The real CLI in its own process: a raster without nodata validated twice warns once."""
    path = tmp_path / "tc.tif"
    with rasterio.open(path, "w", driver="GTiff", width=8, height=8, count=1, dtype="uint8", crs="EPSG:9213",
                       transform=from_origin(428_000, 2_388_000, 30, 30)) as ds:
        ds.write(np.full((8, 8), 50, dtype="uint8"), 1)
    res = subprocess.run([sys.executable, "-m", "gisplan.cli.main", "validate", str(path), str(path), "--type",
                          "tree_cover"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    warned = [ln for ln in res.stderr.splitlines() if "declares no nodata value" in ln]
    assert len(warned) == 1 and warned[0].startswith("warning: raster ")
    assert res.stdout.count(": OK") == 2
