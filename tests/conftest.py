"""Shared fixtures: tiny layers built by hand, and the real data beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_REAL = REPO.parent / "shared" / "data" / "real"
CHROMIUM = Path("/usr/bin/chromium")
# run by QGIS's own Python (tests/test_export.py), not importable by the test environment
collect_ignore = ["qgis_probe.py"]
# The CLI speaks the locale's language (gisplan/cli/i18n.py); the suite checks the texts of the
# code, in English, whatever the locale of the machine running it. tests/test_i18n.py sets the
# locale of each command it runs itself.
os.environ["LANGUAGE"] = "en"
# The suite runs two workers on two cores: no helper process beside each run (gisplan._background);
# tests/test_background.py turns it on where it is tested.
os.environ.setdefault("GISPLAN_HELPER", "0")


def _compile_flow_routing_once() -> None:
    """pysheds compiles its routing with numba and caches it on disk; two test workers compiling
    it at once on a fresh environment corrupt each other's cache. Compile it here, in the
    controller, before the workers start."""
    try:
        import numpy as np
        from pyproj import CRS
        from rasterio.transform import from_origin

        from gisplan.indicators.hazard import flow_accumulation
    except ImportError:
        return
    y, x = np.mgrid[0:12, 0:12]
    flow_accumulation((100.0 + x + 0.5 * y).astype("float64"), from_origin(400_000, 2_400_000, 90, 90),
                      CRS.from_epsg(9213))


def _compile_sieve_once() -> None:
    """The minimum-area sieve's union-find is compiled by numba and cached on disk, like pysheds'
    routing: compile it in the controller (both argument types the sieve passes) first."""
    try:
        import numpy as np

        from gisplan.zonal._sieve_numba import sieve_union_find
    except ImportError:
        return
    mask = np.zeros((6, 6), dtype=np.uint8)
    mask[1:3, 1:3] = 1
    sieve_union_find(mask, 2, True, False, False, False, False, np.empty(0), 0.0)
    sieve_union_find(mask, 2, False, True, True, True, True, np.full(6, 900.0), 3000.0)


def pytest_sessionstart(session):
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        for warm_up in (_compile_flow_routing_once, _compile_sieve_once):
            try:
                warm_up()
            except Exception as exc:  # the hazard and zonal tests will say what is wrong
                print(f"{warm_up.__name__} failed: {exc}")
    """CI (``GISPLAN_REQUIRE_BROWSER=1``, set by ``.ci/run``) must run the browser tests: a missing
    chromium is a failure there, not a skip."""
    if os.environ.get("GISPLAN_REQUIRE_BROWSER") == "1" and not CHROMIUM.exists():
        pytest.exit(f"{CHROMIUM} is missing but GISPLAN_REQUIRE_BROWSER=1: install Debian's 'chromium' "
                    "(scripts/install_test_tools.sh does it as root or through sudo)", returncode=3)
    if os.environ.get("GISPLAN_REQUIRE_QGIS") == "1":
        from gisplan.export import qgis_python

        if qgis_python() is None:
            pytest.exit("QGIS's Python API is missing but GISPLAN_REQUIRE_QGIS=1: install Debian's "
                        "'python3-qgis' (scripts/install_test_tools.sh does it as root or through sudo)",
                        returncode=3)


@pytest.fixture(scope="session")
def real_data() -> Path:
    """``../shared/data/real`` beside the repository; skips the test when it is absent."""
    if not SHARED_REAL.is_dir():
        pytest.skip(f"real data not available: {SHARED_REAL} does not exist (it sits beside the repo)")
    return SHARED_REAL


@pytest.fixture(scope="session")
def demo_small(tmp_path_factory) -> Path:
    """A small demo dataset (``build_demo(size="small")``) built once per test session.

    Returns the path of a catalog file pointing at it (same entries as ``layers/demo.toml``).
    """
    from gisplan.demo import build_demo

    out = tmp_path_factory.mktemp("demo_small")
    build_demo(out / "data", size="small")
    demo_toml = (REPO / "layers" / "demo.toml").read_text(encoding="utf-8")
    catalog = out / "catalog.toml"
    catalog.write_text(
        demo_toml.replace('base = "../data/demo"', f'base = "{(out / "data").as_posix()}"'),
        encoding="utf-8",
    )
    return catalog


@pytest.fixture
def helper_on(monkeypatch):
    """The helper process (gisplan._background) allowed, on two cores: the suite turns it off
    for every other test."""
    from gisplan import _background

    monkeypatch.setenv(_background.ENV, "1")
    monkeypatch.setattr(_background, "cores", lambda: 2)


@pytest.fixture
def helper_jobs(helper_on, monkeypatch) -> list[str]:
    """The helper allowed (:func:`helper_on`); the names of the functions sent to it, in order."""
    from gisplan import _background

    sent: list[str] = []
    submit = _background.Helper.submit

    def spy(self, fn, *args, **kwargs):
        sent.append(fn.__name__)
        return submit(self, fn, *args, **kwargs)

    monkeypatch.setattr(_background.Helper, "submit", spy)
    return sent
