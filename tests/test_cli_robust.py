"""The command line never prints a traceback: one line and a documented exit code for every failure.

Exit codes: 2 for bad input or environment (``Error: …``), 3 for a bug (``internal error: …``),
130 for Ctrl-C. Warnings print as one ``warning: …`` line.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from gisplan.cli import main as climain
from gisplan.cli.main import MODULE_EXTRAS, cli

REPO = Path(__file__).resolve().parents[1]
GISPLAN = Path(sys.executable).with_name("gisplan")


def _raise(exc):
    def boom(*args, **kwargs):
        raise exc
    return boom


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


@pytest.fixture
def run(tmp_path, monkeypatch):
    """``gisplan map overview --out …`` with the catalog loader replaced by ``exc`` raising."""
    def invoke(exc, *extra):
        monkeypatch.setattr("gisplan.cli.options.load_catalog", _raise(exc))
        return CliRunner().invoke(cli, [*extra, "map", "overview", "--out", str(tmp_path / "m.html")])
    return invoke


def test_bug_is_one_line_with_exit_3_and_traceback_only_with_debug(run):
    res = run(ValueError("boom\nsecond line"))
    assert res.exit_code == 3
    line = _one_line(res.stderr)
    assert line == ("internal error: ValueError: boom; second line — this is a bug in gisplan; "
                    "run again with --debug for the traceback")
    assert "Traceback" not in res.output
    dbg = run(ValueError("boom"), "--debug")
    assert dbg.exit_code == 3
    assert "Traceback (most recent call last)" in dbg.stderr and "ValueError: boom" in dbg.stderr
    assert dbg.stderr.rstrip().splitlines()[-1].startswith("internal error: ValueError: boom")
    # also after the subcommand, where a user adds it when the message says so
    monkey = CliRunner().invoke(cli, ["map", "overview", "--out", "m.html", "--debug"])
    assert monkey.exit_code == 3 and "Traceback (most recent call last)" in monkey.stderr


def test_interrupt_memory_missing_package_and_os_errors(run):
    res = run(KeyboardInterrupt())
    assert (res.exit_code, _one_line(res.stderr)) == (130, "interrupted")
    res = run(MemoryError())
    assert res.exit_code == 2 and "smaller area" in _one_line(res.stderr) and "windowed" in res.stderr
    res = run(ModuleNotFoundError("No module named 'folium'", name="folium"))
    assert res.exit_code == 2
    assert _one_line(res.stderr) == ("Error: the optional package 'folium' is not installed; "
                                     'install it with: pip install "gisplan[maps]"')
    res = run(ModuleNotFoundError("No module named 'openpyxl.styles'", name="openpyxl.styles"))
    assert 'pip install "gisplan[reports]"' in _one_line(res.stderr)
    res = run(PermissionError(errno.EACCES, "Permission denied", "/srv/gis/out.html"))
    assert res.exit_code == 2
    assert _one_line(res.stderr) == ("Error: /srv/gis/out.html: Permission denied — choose a file or folder "
                                     "you may read and write")
    res = run(OSError(errno.ENOSPC, "No space left on device", "/srv/gis/big.tif"))
    assert _one_line(res.stderr).startswith("Error: /srv/gis/big.tif: No space left on device — free some space")


def test_gisplan_error_keeps_exit_2(tmp_path):
    res = CliRunner().invoke(cli, ["indicators", "--catalog", str(tmp_path / "nope.toml"),
                                   "--out", str(tmp_path / "r"), "--no-progress"])
    assert res.exit_code == 2
    line = _one_line(res.stderr)
    assert line.startswith("Error: ") and "nope.toml" in line and "does not exist" in line


def test_extras_table_matches_pyproject():
    extras = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]

    def names(extra):
        return {req.split(">")[0].split("=")[0].split("[")[0].strip().lower() for req in extras[extra]}

    for module, extra in MODULE_EXTRAS.items():
        assert module in names(extra), (module, extra)
    for extra in ("maps", "reports", "notebooks"):
        assert names(extra) <= set(MODULE_EXTRAS), extra


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def test_real_entry_point_bug_and_warning_lines(tmp_path):
    """Through the interpreter (no CliRunner): a bug is one line on stderr, exit 3; a gisplan
    warning is one ``warning: …`` line without file and line number."""
    bug = _python("""
        import gisplan.cli.options as options
        from gisplan.cli.main import cli
        def boom(*a, **k):
            raise RuntimeError("kaputt")
        options.load_catalog = boom
        cli(["map", "overview", "--out", "m.html"])
    """, tmp_path)
    assert bug.returncode == 3, bug.stderr
    assert "Traceback" not in bug.stderr
    assert _one_line(bug.stderr).startswith("internal error: RuntimeError: kaputt — this is a bug in gisplan")
    warned = _python("""
        import warnings, click
        from gisplan.cli.main import cli
        from gisplan.errors import RepairWarning
        @cli.command("warn-once")
        def warn_once():
            warnings.warn("xa.shp: 3 geometries repaired", RepairWarning, stacklevel=2)
            warnings.warn("numpy says hello", RuntimeWarning, stacklevel=2)
            import logging
            logging.getLogger("gisplan.io").warning("xa.gpkg: overlaps\\nby 12 m²")
            click.echo("done")
        cli(["warn-once"])
    """, tmp_path)
    assert warned.returncode == 0, warned.stderr
    assert warned.stderr.splitlines() == ["warning: xa.shp: 3 geometries repaired",
                                          "warning: RuntimeWarning: numpy says hello",
                                          "warning: xa.gpkg: overlaps; by 12 m²"]
    quiet = _python("""
        import warnings
        from gisplan.cli.main import cli
        from gisplan.errors import RepairWarning
        @cli.command("warn-once")
        def warn_once():
            warnings.warn("xa.shp: 3 geometries repaired", RepairWarning, stacklevel=2)
        cli(["-q", "warn-once"])
    """, tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_installed_gisplan_command_prints_no_traceback(tmp_path):
    if not GISPLAN.exists():
        pytest.skip(f"no gisplan script beside {sys.executable}")
    empty = tmp_path / "xa.gpkg"
    empty.write_bytes(b"")
    res = subprocess.run([str(GISPLAN), "validate", str(empty), "--type", "communes"], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode in (1, 2), res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    assert str(empty) in res.stdout + res.stderr
    assert climain.EXIT_BUG == 3


# --- a newcomer's worst files: each ends in one clear line --------------------------------------
def _error_line(res, *must) -> str:
    """The failure's one line: exit 2, no traceback, starts with 'Error:' and names ``must``."""
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    line = res.stderr.strip().splitlines()[-1]
    assert line.startswith("Error: "), res.stderr
    for text in must:
        assert str(text) in line, line
    return line


def test_zero_byte_geopackage(tmp_path):
    empty = tmp_path / "xa.gpkg"
    empty.write_bytes(b"")
    res = CliRunner().invoke(cli, ["convert", str(empty), str(tmp_path / "o.gpkg"), "--type", "communes"])
    assert "empty (0 bytes)" in _error_line(res, empty)
    report = CliRunner().invoke(cli, ["validate", str(empty), "--type", "communes"])
    assert report.exit_code == 1 and "empty (0 bytes)" in report.output and "Traceback" not in report.output
    assert not (tmp_path / "o.gpkg").exists()


def test_shapefile_without_its_shx(tmp_path):
    import geopandas as gpd
    import shapely

    gdf = gpd.GeoDataFrame({"code": ["01000"], "name": ["Xã A"], "unit_type": ["xa"]},
                           geometry=[shapely.box(428_000, 2_388_000, 429_000, 2_389_000)], crs=9213)
    gdf.to_file(tmp_path / "xa.shp")
    (tmp_path / "xa.shx").unlink()
    res = CliRunner().invoke(cli, ["convert", str(tmp_path / "xa.shp"), str(tmp_path / "o.gpkg"), "--type", "communes"])
    assert "xa.shx is missing" in _error_line(res, "xa.shp")


def test_a_folder_given_as_a_layer_file(tmp_path):
    folder = tmp_path / "xa.gpkg"
    folder.mkdir()
    res = CliRunner().invoke(cli, ["convert", str(folder), str(tmp_path / "o.gpkg"), "--type", "communes"])
    assert "is a folder" in _error_line(res, folder)


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t.replace('path = "communes.gpkg"', 'pth = "communes.gpkg"', 1), "pth"),
    (lambda t: t.replace('type = "mines"', 'type = "mine"', 1), "mine"),
    (lambda t: "[catalog\n" + t, "TOML"),
])
def test_catalog_with_a_typo(demo_small, tmp_path, edit, expected):
    text = demo_small.read_text(encoding="utf-8")
    bad = tmp_path / "catalog.toml"
    bad.write_text(edit(text), encoding="utf-8")
    res = CliRunner().invoke(cli, ["indicators", "--catalog", str(bad), "--out", str(tmp_path / "r"), "--no-progress"])
    _error_line(res, bad, expected)
    assert not (tmp_path / "r").exists()


def _under_a_file(tmp_path: Path) -> Path:
    blocker = tmp_path / "ghi_chu.txt"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    return blocker


@pytest.mark.parametrize("command", ["indicators", "publish", "map", "print", "crosswalk", "convert", "forest-cover"])
def test_out_under_a_regular_file(demo_small, tmp_path, command):
    """A folder that cannot be created (a file is in the way; also what an unwritable folder
    looks like to a root user) is named before any computation, and nothing is written."""
    blocker = _under_a_file(tmp_path)
    data = demo_small.parent / "data"
    cat = ["--catalog", str(demo_small)]
    args = {
        "indicators": ["indicators", *cat, "--out", str(blocker / "r"), "--no-progress"],
        "publish": ["publish", *cat, "--out", str(blocker / "site")],
        "map": ["map", "mines", *cat, "--out", str(blocker / "m.html")],
        "print": ["print", "mines", *cat, "--out", str(blocker / "m.pdf")],
        "crosswalk": ["crosswalk", *cat, "--out", str(blocker / "t.csv")],
        "convert": ["convert", str(data / "mines.gpkg"), str(blocker / "m.gpkg"), "--type", "mines"],
        "forest-cover": ["forest-cover", "--raster", str(data / "tree_cover_2024.tif"), "--zones",
                         str(data / "communes.gpkg"), "--id-column", "code", "--out", str(blocker / "fc.csv")],
    }[command]
    res = CliRunner().invoke(cli, args)
    assert "is a file, not a folder" in _error_line(res, blocker)
    assert blocker.read_text(encoding="utf-8") == "a file, not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ghi_chu.txt"]


def test_a_required_file_option_left_out_is_a_usage_error(tmp_path):
    """Click enforces a required path option (an explicit default of None would let the command
    run without it and fail inside)."""
    raster, zones = tmp_path / "r.tif", tmp_path / "z.gpkg"
    raster.write_bytes(b"x")
    zones.write_bytes(b"x")
    res = CliRunner().invoke(cli, ["forest-cover", "--raster", str(raster), "--zones", str(zones), "--id-column", "code"])
    assert res.exit_code == 2 and "Missing option '--out'" in res.output, res.output
