"""The Vietnamese user guide (docs/huong_dan_su_dung.md) cannot go stale: its command lines are run
as written, in the order written, on the demo data laid out as the guide tells a planner to lay out
the office's files.

How the guide's code blocks are read:

- ```` ```toml ```` with ``[catalog]``: the catalog the guide tells to write to ``layers/catalog.toml``;
  each of its layers gets the demo file of the entry with the same name, copied under the name and
  into the folder (``base``) the guide gives;
- ```` ```bash ````: every line is run in a folder standing for the ``gisplan`` folder of the guide.
  ``cd gisplan`` is that folder; ``make demo`` is checked with ``make -n`` (the demo itself is built
  and run by tests/test_demo.py); ``source .venv/bin/activate`` puts this environment's ``gisplan``
  first on the PATH; ``export`` and ``VAR=value`` prefixes set the locale as a shell would;
  ``cp`` copies; every ``gisplan …`` line runs the installed command and must exit 0 (``validate``:
  0 or 1, "errors found"), print no traceback, and, once the guide has set a Vietnamese locale, speak
  Vietnamese. ``gisplan serve`` is stopped with Ctrl-C (SIGINT) once it has served the index page.

Then every path of the guide's "Ở đâu" table exists and every sheet of its "Trang tính" table is a
sheet of the workbook the guide's ``gisplan indicators`` wrote.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from gisplan.catalog import Catalog

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "docs" / "huong_dan_su_dung.md"
BIN = Path(sys.executable).parent
LOCALE_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

pytestmark = pytest.mark.slow


def code_blocks(text: str) -> list[tuple[str, str]]:
    """``(language, body)`` of every fenced code block of a Markdown text."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^```(\w*)\n(.*?)^```$", text, flags=re.M | re.S)]


def command_lines(text: str) -> list[str]:
    """The command lines of the ``bash`` blocks (a line ending in ``\\`` continues on the next)."""
    lines = []
    for lang, body in code_blocks(text):
        if lang == "bash":
            for line in body.replace("\\\n", " ").splitlines():
                if line.strip() and not line.lstrip().startswith("#"):
                    lines.append(line.strip())
    return lines


def table_column(text: str, heading: str) -> list[str]:
    """The code spans of the first column of the Markdown table whose first heading is ``heading``."""
    rows = re.search(rf"^\| {re.escape(heading)} \|.*?\n((?:\|.*\n)+)", text, flags=re.M).group(1).splitlines()
    return [span for row in rows[1:] for span in re.findall(r"`([^`]+)`", row.split("|")[1])]


def test_the_guide_is_parsed_as_the_test_expects():
    text = GUIDE.read_text(encoding="utf-8")
    lines = command_lines(text)
    assert lines[:2] == ["cd gisplan", "make demo"]
    assert "gisplan indicators --out bao_cao/" in lines and any(x.startswith("gisplan serve ") for x in lines)
    assert sum("[catalog]" in body for lang, body in code_blocks(text) if lang == "toml") == 1
    assert "bao_cao/gisplan_chi_tieu.xlsx" in table_column(text, "Ở đâu")
    assert "Biểu 1 - theo mục đích" in table_column(text, "Trang tính")
    # the guide is linked near the top of the README
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "docs/huong_dan_su_dung.md" in "\n".join(readme.splitlines()[:12])


@pytest.fixture(scope="module")
def office(tmp_path_factory, demo_small) -> Path:
    """A ``gisplan`` folder as the guide describes it, before its commands run: the example
    catalog in layers/, and the office's files (the demo's, under the guide's names) where the
    guide's catalog says they are."""
    text = GUIDE.read_text(encoding="utf-8")
    [catalog_text] = [body for lang, body in code_blocks(text) if lang == "toml" and "[catalog]" in body]
    guide_catalog = tomllib.loads(catalog_text)
    folder = tmp_path_factory.mktemp("guide") / "gisplan"
    (folder / "layers").mkdir(parents=True)
    shutil.copy(REPO / "layers" / "catalog.example.toml", folder / "layers")
    data = (folder / "layers" / guide_catalog["catalog"]["base"]).resolve()
    data.mkdir(parents=True)
    demo = Catalog(demo_small)
    for name, entry in guide_catalog["layers"].items():
        source = demo.entry(name).path  # the guide names its layers as the demo catalog does
        target = data / entry["path"]
        assert source.suffix == target.suffix, (name, source, target)
        for part in source.parent.glob(source.stem + ".*"):  # a Shapefile with its .dbf, .shx, .prj, .cpg
            shutil.copy(part, target.with_suffix(part.suffix))
    folder.joinpath(".guide_catalog.toml").write_text(catalog_text, encoding="utf-8")
    return folder


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _serve(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Run ``gisplan serve``, fetch the index page it serves, stop it with Ctrl-C."""
    port = int(argv[argv.index("--port") + 1]) if "--port" in argv else 8000
    if not _free(port):  # another program holds the guide's port on this machine: use a free one
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        argv = [a for a in argv if a not in ("--port", argv[argv.index("--port") + 1])] + ["--port", str(port)]
    proc = subprocess.Popen(argv, cwd=cwd, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        first = proc.stdout.readline()
        folder = Path(argv[argv.index("serve") + 1])
        assert first.strip() == f"đang phục vụ {folder} tại http://127.0.0.1:{port}/ (Ctrl-C để dừng)", \
            (first, proc.stderr.read() if proc.poll() is not None else "")
        for _ in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=10) as page:
                    assert page.status == 200 and b"<html" in page.read().lower()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError(f"gisplan serve answers nothing on port {port}")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out.strip().splitlines()[-1] == "đã dừng"


def test_every_command_of_the_guide_runs_as_written(office):
    text = GUIDE.read_text(encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    env["LANG"] = "C.UTF-8"  # the planner's machine before the guide sets a language
    ran = []
    for line in command_lines(text):
        argv = shlex.split(line, comments=True)
        scoped = {}
        while argv and re.fullmatch(r"[A-Z_]+=\S*", argv[0]):  # VAR=value before a command
            key, _sep, value = argv.pop(0).partition("=")
            scoped[key] = value
        run_env = {**env, **scoped}
        if argv == ["cd", "gisplan"]:
            continue  # `office` is that folder
        if argv == ["make", "demo"]:
            res = subprocess.run(["make", "-n", "demo"], cwd=REPO, capture_output=True, text=True)
            assert res.returncode == 0 and "gisplan demo" in res.stdout, res.stderr
            continue
        if argv == ["source", ".venv/bin/activate"]:
            assert (REPO / ".venv" / "bin" / "activate").exists() or (BIN / "activate").exists()
            env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
            continue
        if argv[0] == "export":
            key, _sep, value = argv[1].partition("=")
            env[key] = value
            continue
        if argv[0] == "cp":
            shutil.copy(office / argv[1], office / argv[2])
            if argv[2] == "layers/catalog.toml":  # then edited as the guide shows: its catalog
                shutil.copy(office / ".guide_catalog.toml", office / argv[2])
            continue
        assert argv[0] == "gisplan", f"the guide shows a command this test does not know: {line}"
        assert shutil.which("gisplan", path=run_env["PATH"]) == str(BIN / "gisplan"), "activate first"
        if argv[1] == "serve":
            _serve([str(BIN / "gisplan"), *argv[1:]], office, run_env)
            ran.append(line)
            continue
        res = subprocess.run([str(BIN / "gisplan"), *argv[1:]], cwd=office, env=run_env, capture_output=True,
                             text=True, encoding="utf-8", timeout=900)
        allowed = {0, 1} if argv[1] == "validate" else {0}
        assert res.returncode in allowed, f"{line} → exit {res.returncode}\n{res.stderr[-3000:]}"
        assert "Traceback" not in res.stderr and "internal error" not in res.stderr, (line, res.stderr)
        if run_env.get("LANG", "").startswith("vi"):
            assert not re.search(r"^(Usage|Options|Error):", res.stdout + res.stderr, flags=re.M), (line, res.stdout)
        if "--help" in argv:
            usage = "Cách dùng: gisplan" if run_env.get("LANG", "").startswith("vi") else "Usage: gisplan"
            assert res.stdout.startswith(usage), (line, res.stdout)
        ran.append(line)
    assert len(ran) >= 15, ran

    # what the commands wrote is where the guide says
    for path in table_column(text, "Ở đâu"):
        assert (office / path).exists(), f"the guide's table names {path}; the commands did not write it"
    import openpyxl

    book = openpyxl.load_workbook(office / "bao_cao" / "gisplan_chi_tieu.xlsx", read_only=True)
    try:
        for sheet in table_column(text, "Trang tính"):
            assert sheet in book.sheetnames, f"the guide describes sheet {sheet!r}: the workbook has {book.sheetnames}"
    finally:
        book.close()
    assert (office / "ban_do" / "che_phu_rung_A3.pdf").read_bytes().startswith(b"%PDF")
    assert (office / "ban_do" / "khu_bao_ton.png").read_bytes().startswith(b"\x89PNG")
