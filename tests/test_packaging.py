"""An installed wheel (no source tree) finds its layer types, targets and demo catalog, and its
compiled message catalogs (the CLI in Vietnamese under a Vietnamese locale)."""

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def test_wheel_ships_layers_and_works_outside_the_source_tree(tmp_path):
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
                            "-q", "-w", str(wheels)], check=True, capture_output=True, text=True, cwd=tmp_path)
    # every folder of data declared: setuptools prints no "Package '…' is absent from the `packages`
    # configuration" warnings (about 40 lines each, which `make demo` would show)
    assert "absent from the `packages` configuration" not in built.stderr, built.stderr
    (wheel,) = wheels.glob("gisplan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in ("types.toml", "targets.toml", "target_values.csv", "demo.toml", "catalog.example.toml", "hazard.toml"):
        assert f"gisplan/_layers/{f}" in names
    assert "gisplan/maps/static/vendor/leaflet-1.9.3/leaflet.js" in names
    vendored = {p.relative_to(REPO).as_posix() for p in (REPO / "gisplan/maps/static/vendor").rglob("*") if p.is_file()}
    assert vendored <= names, sorted(vendored - names)
    # po/vi.po compiled by the build (setup.py), not copied from the source tree
    assert "gisplan/cli/locale/vi/LC_MESSAGES/gisplan.mo" in names
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    work = tmp_path / "work"
    work.mkdir()
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "import gisplan, gisplan.catalog as c, gisplan.demo as d\n"
        "from gisplan.indicators.targets import load_targets\n"
        "assert gisplan.__file__.startswith(sys.argv[1]), gisplan.__file__\n"
        "assert c.INSTALLED and c.LAYERS_DIR.name == '_layers'\n"
        "assert set(c.load_layer_types()) == set(c.LAYER_TYPE_IDS) == set(sys.argv[2].split(','))\n"
        "assert len(load_targets()) >= 10\n"
        "from gisplan.cli import i18n\n"
        "assert str(i18n.LOCALE_DIR).startswith(sys.argv[1]) and i18n.language() == 'vi'\n"
        "assert i18n._('Usage:') == 'Cách dùng:' and i18n._('Error: {message}') == 'Lỗi: {message}'\n"
        "print(d.default_out_dir())\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "vi_VN.UTF-8"}
    # the installed package knows the layer types of the source tree's layers/types.toml
    types = ",".join(tomllib.loads((REPO / "layers" / "types.toml").read_text(encoding="utf-8")))
    res = subprocess.run([sys.executable, "-c", code, str(site), types], cwd=work, capture_output=True, text=True,
                         env=env)
    assert res.returncode == 0, res.stderr
    assert Path(res.stdout.strip()) == work / "data" / "demo"  # never inside the installed package
