"""Waste sites: closed sites to remediate (plan Danh mục I.3 "các khu xử lý, bãi chôn lấp chất thải
rắn đã đóng cửa"), landfills causing serious pollution (Danh mục II.5 "các bãi chôn lấp chất thải
gây ô nhiễm môi trường nghiêm trọng") and the treatment complexes (Danh mục II.1)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

#: the site types that are landfills: sanitary landfills and uncontrolled dumps (an incinerator or
#: a treatment complex is not a "bãi chôn lấp")
LANDFILL_TYPES = ("landfill", "open_dump")


def _flag(ws: pd.DataFrame, column: str) -> pd.Series:
    """A boolean column as nullable booleans (all NA when the layer lacks it)."""
    if column in ws:
        return ws[column].astype("boolean")
    return pd.Series(pd.NA, index=ws.index, dtype="boolean")


def waste_sites_needing_action(waste_sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """Closed sites, sites needing remediation and sites causing serious pollution (plan Danh mục
    I.3 and II.5), without their geometry."""
    need = _flag(waste_sites, "needs_remediation").fillna(False).to_numpy(dtype=bool)
    serious = _flag(waste_sites, "serious_pollution").fillna(False).to_numpy(dtype=bool)
    sel = waste_sites[(waste_sites["status"] == "closed").to_numpy() | need | serious]
    return sel.drop(columns=sel.geometry.name).reset_index(drop=True)


def landfill_progress(waste_sites: pd.DataFrame) -> dict[str, float]:
    """Counts for the waste-site targets of the plan.

    Returns
    -------
    ``closed_to_remediate`` (closed sites of any type needing remediation, Danh mục I.3),
    ``remediated`` (status "remediated"), ``closed_remediated_pct`` (remediated ÷ (remediated +
    closed to remediate) × 100; NaN when neither exists), ``closed_unknown`` (closed sites whose
    need for remediation is not recorded: not counted);
    ``serious_to_remediate`` (landfills and dumps, operating or closed, causing serious
    pollution and not remediated, Danh mục II.5), ``serious_operating`` (those still operating),
    ``serious_unknown`` (landfills and dumps not remediated whose severity is not recorded: the
    count is then a lower bound; all of them when the layer has no ``serious_pollution``),
    ``serious_recorded`` (1 when the layer carries ``serious_pollution``, else 0);
    ``treatment_complexes`` (treatment complexes operating, Danh mục II.1).
    """
    status = waste_sites["status"].astype(object)
    need_col = _flag(waste_sites, "needs_remediation")
    need = need_col.fillna(False).to_numpy(dtype=bool)
    closed = status.eq("closed").to_numpy(dtype=bool)
    to_do = int((closed & need).sum())
    done = int(status.eq("remediated").sum())
    landfill = waste_sites["site_type"].isin(LANDFILL_TYPES).to_numpy(dtype=bool)
    pending = landfill & ~status.eq("remediated").to_numpy(dtype=bool)
    serious_col = _flag(waste_sites, "serious_pollution")
    serious = pending & serious_col.fillna(False).to_numpy(dtype=bool)
    operating = status.eq("operating").to_numpy(dtype=bool)
    complexes = waste_sites["site_type"].eq("treatment_complex").to_numpy(dtype=bool) & operating
    return {"closed_to_remediate": float(to_do), "remediated": float(done),
            "closed_remediated_pct": done / (done + to_do) * 100 if done + to_do else np.nan,
            "closed_unknown": float((closed & need_col.isna().to_numpy()).sum()),
            "serious_to_remediate": float(serious.sum()), "serious_operating": float((serious & operating).sum()),
            "serious_unknown": float((pending & serious_col.isna().to_numpy()).sum()),
            "serious_recorded": float("serious_pollution" in waste_sites),
            "treatment_complexes": float(complexes.sum())}
