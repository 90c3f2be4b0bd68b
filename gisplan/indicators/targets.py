"""The 2030 target tracker: the plan's targets (``layers/targets.toml``) against current values.

Values come from gisplan's indicators (``source = "computed"``) or from a table the user fills
in (``source = "table"``, default ``layers/target_values.csv``: columns indicator, value, year,
source, note). A target the plan states without a number has no ``target`` (status "no target",
its wording quoted); ``target_basis`` says whether a number is the plan's (``stated``), read from
an "all of them" wording (``implied``) or a deliverable done (1) or not (0) (``deliverable``).

The functions below compute what counts for the computed targets (new zones once they operate,
closed landfills apart from operating ones, mines to close including exhausted reserves).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gisplan.catalog import LAYERS_DIR, read_toml
from gisplan.errors import CatalogError
from gisplan.indicators.options import DEFAULTS

_OPS = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b, "==": lambda a, b: math.isclose(a, b)}


def load_targets(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The targets as a table (one row per target id), from ``layers/targets.toml`` by default."""
    path = Path(path) if path else LAYERS_DIR / "targets.toml"
    doc = read_toml(path, "targets file")
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
    number, set it in ``layers/targets.toml``), ``source``, ``deadline``, ``agency``,
    ``plan_section``, ``target_basis``.
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
                     "agency": t.get("agency", ""), "plan_section": _text(t.get("plan_section")),
                     "target_basis": _text(t.get("target_basis"))})
    return pd.DataFrame(rows)


def _is(column: pd.Series, value) -> np.ndarray:
    """``column == value`` as a plain boolean array, missing values False."""
    return column.eq(value).fillna(False).to_numpy(dtype=bool)


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def new_zones_compliant_pct(zones: pd.DataFrame, *, new_since: int = DEFAULTS.new_since) -> float:
    """Share (%) of new industrial zones/clusters (established in or after ``new_since``) that
    operate and have a compliant centralised WWTP (plan II.2.c: "100% các khu, cụm công nghiệp
    đầu tư mới"). A new zone counts once it operates (planned or under construction: not yet);
    zones without an establishment year or a WWTP status are unknown and left out. NaN when
    no operating new zone has a known WWTP status."""
    if "established_year" not in zones:
        return np.nan
    year = pd.to_numeric(zones["established_year"], errors="coerce")
    sel = zones[(year >= new_since).to_numpy() & _is(zones["status"], "operating")
                & zones["wwtp_status"].notna().to_numpy()]
    return float(sel["wwtp_status"].eq("compliant").mean() * 100) if len(sel) else np.nan


def auto_monitoring_pct(zones: pd.DataFrame) -> float:
    """Share (%) of operating industrial zones/clusters with automatic effluent monitoring
    (``auto_monitoring``; plan III.5). Zones where it is not recorded are left out; NaN without
    the column or when no operating zone has it recorded."""
    if "auto_monitoring" not in zones:
        return np.nan
    op = zones[_is(zones["status"], "operating")]
    known = op["auto_monitoring"].dropna()
    return float(known.astype(bool).mean() * 100) if len(known) else np.nan


def landfill_progress(waste_sites: pd.DataFrame) -> dict[str, float]:
    """Counts for the landfill targets (plan Danh mục I.3 and II.5).

    Returns
    -------
    ``closed_to_remediate`` (closed, needing remediation), ``remediated`` (status
    "remediated"), ``closed_remediated_pct`` (remediated ÷ (remediated + closed to remediate)
    × 100; NaN when neither exists), ``operating_polluting`` (operating sites needing
    remediation: "bãi chôn lấp gây ô nhiễm môi trường nghiêm trọng"), ``closed_unknown``
    (closed sites whose need for remediation is not recorded; they are not counted).
    """
    status = waste_sites["status"].astype(object)
    need_col = waste_sites["needs_remediation"]
    need = need_col.astype("boolean").fillna(False).to_numpy(dtype=bool)
    closed = status.eq("closed").to_numpy(dtype=bool)
    to_do = int((closed & need).sum())
    done = int(status.eq("remediated").sum())
    return {"closed_to_remediate": float(to_do), "remediated": float(done),
            "closed_remediated_pct": done / (done + to_do) * 100 if done + to_do else np.nan,
            "operating_polluting": float((status.eq("operating").to_numpy(dtype=bool) & need).sum()),
            "closed_unknown": float((closed & need_col.isna().to_numpy()).sum())}


def mines_to_close(mines: gpd.GeoDataFrame, *, reference_date) -> pd.DataFrame:
    """Mines still marked operating that the plan says to close (II.2.b: "đóng cửa các mỏ
    khoáng sản đã hết thời hạn, trữ lượng khai thác"): licence expired (expiry date before
    ``reference_date``, or status expired/revoked) or reserves exhausted (optional
    ``reserves_exhausted``). Columns ``mine_id``, ``name``, ``mineral``, ``licence_status``,
    ``licence_expired``, ``reserves_exhausted`` (NA when not recorded), ``close_reason``
    (``licence_expired``, ``reserves_exhausted`` or ``licence_expired_reserves_exhausted``)."""
    idx = mines.index
    expiry = (pd.to_datetime(mines["licence_expiry"], errors="coerce") if "licence_expiry" in mines
              else pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]"))
    lapsed = (expiry < pd.Timestamp(reference_date)).fillna(False).to_numpy(dtype=bool)
    expired = lapsed | mines["licence_status"].isin(["expired", "revoked"]).to_numpy()
    exhausted = (mines["reserves_exhausted"].astype("boolean") if "reserves_exhausted" in mines
                 else pd.Series(pd.NA, index=idx, dtype="boolean"))
    sel = _is(mines["operating"], True) & (expired | exhausted.fillna(False).to_numpy(dtype=bool))
    ex, rx = expired[sel], exhausted[sel].fillna(False).to_numpy(dtype=bool)
    reason = np.where(ex & rx, "licence_expired_reserves_exhausted",
                      np.where(ex, "licence_expired", "reserves_exhausted"))
    out = pd.DataFrame({"mine_id": mines["mine_id"].to_numpy()[sel], "name": mines["name"].to_numpy()[sel],
                        "mineral": mines["mineral"].to_numpy()[sel],
                        "licence_status": mines["licence_status"].to_numpy()[sel],
                        "licence_expired": ex, "reserves_exhausted": pd.array(exhausted.to_numpy()[sel], dtype="boolean"),
                        "close_reason": reason})
    return out.reset_index(drop=True)
