"""The 2030 target tracker: the plan's targets (``layers/targets.toml``) against current values.

Values come from gisplan's indicators (``source = "computed"``: a reading of the run's tables,
:mod:`gisplan.indicators.tracker`) or from a table the user fills in (``source = "table"``,
default ``layers/target_values.csv``: columns indicator, value, year, source, note). A target the
plan states without a number has no ``target`` (status "no target", its wording quoted);
``target_basis`` says whether a number is the plan's (``stated``), read from an "all of them"
wording (``implied``), a deliverable done (1) or not (0) (``deliverable``), the earlier year's
value to keep or raise (``baseline``: "bảo tồn, nâng cao", "tăng"), or absent (``none``).

Where a reading has an earlier year (two forest-status years, two land-cover years …) the row
shows it, the change, whether it moves toward the target (``trend``) and where the recent pace
leads by the deadline (``projected``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pandas as pd

from gisplan.catalog import LAYERS_DIR, read_toml
from gisplan.errors import CatalogError
from gisplan.indicators.tracker import MEASURES, Reading

_OPS = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b, "==": lambda a, b: math.isclose(a, b)}
#: +1 where a higher value is better, -1 where a lower one is
_DIRECTION = {">=": 1, ">": 1, "<=": -1, "<": -1, "==": 0}
BASES = ("stated", "implied", "deliverable", "baseline", "none")
SOURCES = ("computed", "table")
#: the columns of the tracker, in order
COLUMNS = ["target_id", "plan_section", "wording_vi", "wording_en", "indicator", "unit", "current", "year",
           "lower_bound", "earlier", "earlier_year", "change", "trend", "projected", "comparison", "target",
           "target_basis", "gap", "status", "source", "measured_by", "needs", "deadline", "period", "agency",
           "notes_vi", "notes_en"]


def load_targets(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The targets as a table (one row per target id), from ``layers/targets.toml`` by default.

    Raises
    ------
    CatalogError
        a target lacking ``wording_vi``, ``indicator``, ``source`` or ``comparison``, or with an
        unknown comparison, source or basis.
    """
    path = Path(path) if path else LAYERS_DIR / "targets.toml"
    doc = read_toml(path, "targets file")
    rows = []
    for tid, t in doc.items():
        for key in ("wording_vi", "indicator", "source", "comparison"):
            if key not in t:
                raise CatalogError(f"{path}: [{tid}] lacks {key!r}")
        if t["comparison"] not in _OPS:
            raise CatalogError(f"{path}: [{tid}] comparison must be one of {', '.join(_OPS)}")
        if t["source"] not in SOURCES:
            raise CatalogError(f"{path}: [{tid}] source must be one of {', '.join(SOURCES)}")
        if t.get("target_basis", "none") not in BASES:
            raise CatalogError(f"{path}: [{tid}] target_basis must be one of {', '.join(BASES)}")
        rows.append({"target_id": tid, **t})
    return pd.DataFrame(rows)


def load_target_values(path: str | os.PathLike | None = None) -> dict[str, Reading]:
    """Values the user filled in (empty cells are skipped), each with its year when given."""
    path = Path(path) if path else LAYERS_DIR / "target_values.csv"
    if not path.exists():
        return {}
    df = pd.read_csv(path, dtype={"indicator": str})
    df = df[pd.to_numeric(df["value"], errors="coerce").notna()]
    years = pd.to_numeric(df["year"], errors="coerce") if "year" in df else pd.Series(float("nan"), index=df.index)
    return {ind: Reading(float(v), year=None if math.isnan(y) else int(y))
            for ind, v, y in zip(df["indicator"], pd.to_numeric(df["value"]), years, strict=True)}


def _num(v) -> float | None:
    if v is None or v is pd.NA:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _sentences(parts) -> str:
    """Notes joined as sentences: each ends with a full stop unless it already ends a sentence."""
    return " ".join(p if p.endswith((".", "!", "?")) else f"{p}." for p in parts if p)


def _as_reading(v) -> Reading:
    return v if isinstance(v, Reading) else Reading(_num(v))


def _status(cur: float | None, tgt: float | None, op: str, lower: bool) -> tuple[str, float | None]:
    """(status, gap) of a value against a target; a lower bound decides only when it already
    fails an upper limit or already meets a lower one."""
    if tgt is None:
        return "no target", None
    if cur is None:
        return "no data", None
    met = _OPS[op](cur, tgt)
    if lower and _DIRECTION[op] < 0 and not met:
        return "not met", abs(cur - tgt)  # at least this far
    if lower and not (_DIRECTION[op] > 0 and met):
        return "incomplete", None
    return ("met", 0.0) if met else ("not met", abs(tgt - cur))


def _trend(r: Reading, op: str) -> tuple[float | None, str]:
    """(change since the earlier year, its direction relative to the target)."""
    if r.value is None or r.earlier is None:
        return None, ""
    change = r.value - r.earlier
    if _DIRECTION[op] == 0:
        return change, ""
    if math.isclose(change, 0.0, abs_tol=1e-9 * max(1.0, abs(r.earlier))):
        return change, "unchanged"
    return change, "improving" if change * _DIRECTION[op] > 0 else "worsening"


def _projected(r: Reading, deadline, unit: str) -> float | None:
    """The value at ``deadline`` if it kept changing at the pace between the two years (shares
    kept within 0–100 %, amounts not below 0); None without two dated values before the deadline,
    for a lower bound, and for a yearly count (events), whose years vary at random."""
    dl = _num(deadline)
    if (not r.steady or r.lower_bound or r.value is None or r.earlier is None or r.year is None or r.earlier_year is None or dl is None
            or r.year <= r.earlier_year or r.year >= dl):
        return None
    v = r.value + (r.value - r.earlier) / (r.year - r.earlier_year) * (dl - r.year)
    v = max(v, 0.0)
    return min(v, 100.0) if unit == "%" else v


def track_targets(current: Mapping[str, Reading | float], *, targets: pd.DataFrame | None = None,
                  values: Mapping[str, Reading | float] | None = None) -> pd.DataFrame:
    """Compare each target with its current value.

    Parameters
    ----------
    current : the computed readings by indicator (:func:`gisplan.indicators.tracker.read_measures`),
        or plain numbers.
    targets : the targets table (default :func:`load_targets`).
    values : user-supplied values for ``source = "table"`` targets, readings or numbers (default
        :func:`load_target_values`).

    Returns
    -------
    DataFrame with :data:`COLUMNS`: ``current`` (its ``year``; ``lower_bound`` when the figure is a
    minimum: some of what it counts is not recorded), ``earlier`` / ``earlier_year`` and
    ``change`` (where two years are known), ``trend`` (improving / worsening / unchanged, toward
    the target's direction), ``projected`` (the value at the deadline at the recent pace),
    ``target`` (the earlier value for a ``baseline`` target), ``gap`` (how far from the target,
    in its unit; 0 when met; at least this far for a lower bound), ``status`` (met / not met /
    incomplete: a lower bound that cannot decide / no data: no current value / no target: the
    plan gives no number, set it in ``layers/targets.toml``), ``measured_by`` (the layers, or the
    values table), ``needs`` (what is missing for the value or for a complete one), ``notes_vi`` /
    ``notes_en`` (what is counted, and what the reader must know).
    """
    targets = load_targets() if targets is None else targets
    values = load_target_values() if values is None else values
    rows = []
    for t in targets.to_dict("records"):
        pool = current if t["source"] == "computed" else values
        r = _as_reading(pool.get(t["indicator"]))
        if t["source"] == "computed" and not r.measured_by and t["indicator"] in MEASURES:
            m = MEASURES[t["indicator"]]  # a plain number: what it counts, from the measure
            r = replace(r, measured_by=m.layers, notes_vi=(m.counted_vi, *r.notes_vi),
                        notes_en=(m.counted_en, *r.notes_en))
        basis = _text(t.get("target_basis")) or "none"
        op, unit = t["comparison"], _text(t.get("unit"))
        tgt = r.earlier if basis == "baseline" else _num(t.get("target"))
        status, gap = _status(r.value, tgt, op, r.lower_bound)
        needs = list(r.needs)
        if basis == "baseline" and r.value is None:
            status = "no data"
        elif basis == "baseline" and tgt is None:
            status = "incomplete"  # no earlier year to compare with
            needs.append(f"an earlier year of {r.measured_by}" if r.measured_by else "an earlier year")
        change, trend = _trend(r, op)
        notes_vi = [s for s in (_text(t.get("counted_vi")), *r.notes_vi, _text(t.get("note_vi"))) if s]
        notes_en = [s for s in (_text(t.get("counted_en")), *r.notes_en, _text(t.get("note_en"))) if s]
        if t["source"] == "table":
            if r.value is None:  # the layer that would measure it, else where its figure goes
                needs.append(_text(t.get("needs")) or f"layers/target_values.csv: {t['indicator']}")
            measured_by = "layers/target_values.csv"
        else:
            measured_by = r.measured_by
            if r.value is None and not needs and measured_by:  # unknown: the layers that measure it
                needs.append(measured_by)
        rows.append({"target_id": t["target_id"], "plan_section": _text(t.get("plan_section")),
                     "wording_vi": t["wording_vi"], "wording_en": _text(t.get("wording_en")),
                     "indicator": t["indicator"], "unit": unit, "current": r.value, "year": r.year,
                     "lower_bound": bool(r.lower_bound and r.value is not None), "earlier": r.earlier,
                     "earlier_year": r.earlier_year, "change": change, "trend": trend,
                     "projected": _projected(r, t.get("deadline"), unit), "comparison": op, "target": tgt,
                     "target_basis": basis, "gap": gap, "status": status, "source": t["source"],
                     "measured_by": measured_by, "needs": "; ".join(dict.fromkeys(needs)),
                     "deadline": _num(t.get("deadline")), "period": _text(t.get("period")),
                     "agency": _text(t.get("agency")), "notes_vi": _sentences(notes_vi),
                     "notes_en": _sentences(notes_en)})
    out = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("year", "earlier_year", "deadline"):
        out[col] = out[col].astype("Int64")
    return out
