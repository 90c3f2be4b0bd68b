"""Executes every notebook in notebooks/ top to bottom — the demo ones on the small demo, the
real-data one on ../shared/data/real (skipped when absent) — and checks what each shows inline:
folium maps, tables and figures, as a specialist sees them in Jupyter; any error fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
SHARED_REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
REAL = {"06_real_data"}

#: what each notebook must show inline: "map" (a folium map), "table" (a DataFrame), "image" (a figure)
SHOWS = {
    "01_load_and_validate": {"table", "map"},
    "02_forest_cover_and_change": {"table", "map", "image"},
    "03_conflicts_industry_rivers": {"table", "map"},
    "04_maps_and_site": {"map", "image"},
    "05_climate_hazard": {"table", "map", "image"},
    "06_real_data": {"table", "map"},
}

pytestmark = [pytest.mark.notebooks, pytest.mark.xdist_group("notebooks")]


def _shown(nb) -> dict[str, int]:
    """How many outputs of each kind the executed notebook shows."""
    kinds = {"map": 0, "table": 0, "image": 0}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            html = data.get("text/html", "")
            kinds["table"] += "<table" in html and "dataframe" in html
            kinds["map"] += "<iframe" in html and "leaflet" in html.lower()
            kinds["image"] += "image/png" in data
    return kinds


def test_every_notebook_is_listed_and_stripped():
    assert {p.stem for p in NOTEBOOKS} == set(SHOWS)
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{path.name}: outputs not stripped"


def test_notebooks_work_as_a_specialist_does():
    """Through gisplan.open; plots inline: no Agg backend, no figure saved to a file."""
    for path in NOTEBOOKS:
        source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert "gisplan.open(" in source, path.name
        assert "matplotlib.use(" not in source and "savefig(" not in source, path.name
        assert "gisplan.indicators." not in source and "run_indicators" not in source, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_shows_its_maps_tables_and_figures(path, demo_small, tmp_path, monkeypatch):
    if path.stem in REAL and not SHARED_REAL.is_dir():
        pytest.skip(f"real data not available: {SHARED_REAL} does not exist (it sits beside the repo)")
    monkeypatch.setenv("GISPLAN_CATALOG", str(demo_small))
    monkeypatch.setenv("GISPLAN_OUTPUT_DIR", str(tmp_path))
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute(env=dict(os.environ))
    shown = _shown(nb)
    missing = {kind for kind in SHOWS[path.stem] if shown[kind] == 0}
    assert not missing, f"{path.name} shows no {', '.join(sorted(missing))} inline: {shown}"
