"""One step style: a step returns its table, the runner stores it, and what a step reports besides
its table goes through the run (headline numbers, notes, metadata, rasters for the maps)."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest

from gisplan.errors import GisplanError
from gisplan.indicators.results import IndicatorResults
from gisplan.indicators.run_context import Run
from gisplan.store import LayerStore

STEP_MODULES = sorted((Path(__file__).resolve().parents[1] / "gisplan" / "indicators").glob("*_run.py")) + [
    Path(__file__).resolve().parents[1] / "gisplan" / "indicators" / "steps.py"]


def test_steps_write_into_the_results_only_through_the_run():
    assert {p.name for p in STEP_MODULES} >= {"steps.py", "forest_run.py", "climate_run.py"}
    for path in STEP_MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name) and node.value.id == "run"}
        assert not used & {"res", "_results", "results"}, path.name
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        assert "res" not in names and "IndicatorResults" not in names, path.name


def test_what_a_step_reports_reaches_the_results():
    results = IndicatorResults()
    run = Run(None, LayerStore(None, layers={}), None, _results=results)
    run.headline("polluted_river_km", 12.5)
    run.headline("air_automatic_towns_pct", None)  # unknown: NaN, never 0
    run.note("river_quality", "two sections without data", "hai đoạn không có số liệu")
    run.set_meta("forest_status_year", 2024)
    run.keep_grid("susceptibility", "grid")
    run.add("river_quality", lambda: None)
    assert results.headline["polluted_river_km"] == 12.5 and math.isnan(results.headline["air_automatic_towns_pct"])
    assert results.meta["notes"]["river_quality"] == ["two sections without data"]
    assert results.meta["notes_vi"]["river_quality"] == ["hai đoạn không có số liệu"]
    assert results.meta["forest_status_year"] == 2024 and results.grids == {"susceptibility": "grid"}
    assert [name for name, _fn in run.steps] == ["river_quality"] and results.tables == {}
    with pytest.raises(GisplanError, match="'river_km' is not a headline number"):
        run.headline("river_km", 1.0)  # a number without a title
