"""The 2030 target tracker: the plan's targets (``layers/targets.toml``) against current values.

Values come from gisplan's indicators (``source = "computed"``) or from a table the user fills
in (``source = "table"``, default ``layers/target_values.csv``: columns indicator, value, year,
source, note).
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from gisplan.catalog import LAYERS_DIR
from gisplan.errors import CatalogError

_OPS = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b, "==": lambda a, b: math.isclose(a, b)}


def load_targets(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The targets as a table (one row per target id), from ``layers/targets.toml`` by default."""
    path = Path(path) if path else LAYERS_DIR / "targets.toml"
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: not valid TOML ({exc})") from exc
    rows = []
    for tid, t in doc.items():
        for key in ("wording_vi", "indicator", "source", "comparison"):
            if key not in t:
                raise CatalogError(f"{path}: [{tid}] lacks {key!r}")
        if t["comparison"] not in _OPS:
            raise CatalogError(f"{path}: [{tid}] comparison must be one of {', '.join(_OPS)}")
        rows.append({"target_id": tid, **t})
    return pd.DataFrame(rows)


def load_target_values(path: str | os.PathLike | None = None) -> dict[str, float]:
    """Values the user filled in (empty cells are skipped)."""
    path = Path(path) if path else LAYERS_DIR / "target_values.csv"
    if not path.exists():
        return {}
    df = pd.read_csv(path, dtype={"indicator": str})
    df = df[pd.to_numeric(df["value"], errors="coerce").notna()]
    return dict(zip(df["indicator"], pd.to_numeric(df["value"]), strict=True))


def track_targets(current: Mapping[str, float], *, targets: pd.DataFrame | None = None,
                  values: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Compare each target with its current value.

    Parameters
    ----------
    current : computed indicator values (e.g. ``IndicatorResults.headline``).
    targets : the targets table (default :func:`load_targets`).
    values : user-supplied values for ``source = "table"`` targets (default
        :func:`load_target_values`).

    Returns
    -------
    DataFrame: ``target_id``, ``wording_vi``, ``indicator``, ``current``, ``comparison``,
    ``target``, ``unit``, ``gap`` (how far from the target, in its unit; 0 when met),
    ``status`` (met / not met / no data: no current value / no target: the plan gives no
    number, set it in ``layers/targets.toml``), ``source``, ``deadline``, ``agency``.
    """
    targets = load_targets() if targets is None else targets
    values = load_target_values() if values is None else values
    rows = []
    for t in targets.to_dict("records"):
        pool = current if t["source"] == "computed" else values
        cur = pool.get(t["indicator"])
        cur = None if cur is None or (isinstance(cur, float) and math.isnan(cur)) else float(cur)
        tgt = t.get("target")
        tgt = None if tgt is None or (isinstance(tgt, float) and math.isnan(tgt)) else float(tgt)
        if tgt is None:  # the plan states no number (set ``target`` in layers/targets.toml)
            status, gap = "no target", None
        elif cur is None:
            status, gap = "no data", None
        else:
            met = _OPS[t["comparison"]](cur, tgt)
            status = "met" if met else "not met"
            gap = 0.0 if met else abs(tgt - cur)
        rows.append({"target_id": t["target_id"], "wording_vi": t["wording_vi"], "indicator": t["indicator"],
                     "current": cur, "comparison": t["comparison"], "target": tgt, "unit": t.get("unit", ""),
                     "gap": gap, "status": status, "source": t["source"], "deadline": t.get("deadline"),
                     "agency": t.get("agency", "")})
    return pd.DataFrame(rows)
