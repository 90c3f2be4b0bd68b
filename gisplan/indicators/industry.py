"""Industrial zones and clusters (KCN/CCN) and their centralised wastewater treatment.

The plan's target: every operating zone/cluster with a centralised wastewater treatment plant
meeting the technical regulation, and 100 % of new ones (Kế hoạch 125/KH-UBND, II.2.c).
Distances in metres in the layers' projected CRS.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisplan.errors import data_missing
from gisplan.indicators.metres import require_metres
from gisplan.indicators.options import DEFAULTS
from gisplan.overlay import require_unique_ids
from gisplan.vocabulary import wqi_band


def wastewater_compliance(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Share (%) of OPERATING zones/clusters with a compliant centralised WWTP.

    Returns
    -------
    DataFrame with rows ``kcn``, ``ccn`` and ``all``: ``operating`` (count), ``compliant``,
    ``non_compliant``, ``under_construction``, ``none``, ``unknown`` (no WWTP status recorded),
    ``compliant_pct`` (of the zones whose status is known; NaN when none is), ``target_pct``
    (100) and ``gap_pct``.
    """
    require_unique_ids(zones, "zone_id", "industrial zones (wastewater_compliance)")
    op = zones[zones["status"] == "operating"]
    rows = []
    for group, sub in (("kcn", op[op["zone_type"] == "kcn"]), ("ccn", op[op["zone_type"] == "ccn"]), ("all", op)):
        counts = sub["wwtp_status"].value_counts()
        n = len(sub)
        unknown = int(sub["wwtp_status"].isna().sum())
        comp = int(counts.get("compliant", 0))
        rows.append({"group": group, "operating": n, "compliant": comp,
                     "non_compliant": int(counts.get("non_compliant", 0)),
                     "under_construction": int(counts.get("under_construction", 0)),
                     "none": int(counts.get("none", 0)), "unknown": unknown,
                     "compliant_pct": comp / (n - unknown) * 100 if n > unknown else np.nan,
                     "target_pct": 100.0})
    out = pd.DataFrame(rows)
    out["gap_pct"] = out["target_pct"] - out["compliant_pct"]
    return out


def zones_without_compliant_plant(zones: gpd.GeoDataFrame, *, new_since: int = DEFAULTS.new_since) -> pd.DataFrame:
    """Operating and new zones/clusters without a compliant centralised WWTP.

    ``new`` marks zones established in or after ``new_since`` (the plan requires a plant for
    100 % of new zones), whatever their operating status; it is empty (NA, unknown) for a zone
    without an establishment year. Zones without a WWTP status are listed (to be checked).
    """
    year = (pd.to_numeric(zones["established_year"], errors="coerce") if "established_year" in zones
            else pd.Series(np.nan, index=zones.index))
    new = pd.array(np.where(year.isna(), None, year >= new_since), dtype="boolean")
    new = pd.Series(new, index=zones.index)
    sel = zones[((zones["status"] == "operating") | new.fillna(False)) & (zones["wwtp_status"] != "compliant")]
    out = sel[["zone_id", "name", "zone_type", "status", "wwtp_status"]].copy()
    out["established_year"] = year.loc[sel.index].astype("Int64")
    out["new"] = new.loc[sel.index].to_numpy()
    return out.sort_values(["new", "zone_type", "zone_id"], ascending=[False, True, True]).reset_index(drop=True)


def nearest_river(zones: gpd.GeoDataFrame, rivers: gpd.GeoDataFrame) -> pd.DataFrame:
    """For each zone the nearest river section, its distance (m), QCVN 08:2023 class and VN_WQI
    (NaN / None when the section has none). Both layers in one CRS projected in metres."""
    require_metres((zones, "industrial zones (nearest_river)"), (rivers, "river sections (nearest_river)"))
    if rivers.empty:
        raise data_missing("no river section in the study area: the nearest river is unknown",
                           "không có đoạn sông nào trong vùng nghiên cứu: không xác định được sông gần nhất")
    tree = shapely.STRtree(rivers.geometry.to_numpy())
    (zi, ri), dist = tree.query_nearest(zones.geometry.to_numpy(), return_distance=True, all_matches=False)
    out = pd.DataFrame({
        "zone_id": zones["zone_id"].to_numpy()[zi], "name": zones["name"].to_numpy()[zi],
        "wwtp_status": zones["wwtp_status"].to_numpy()[zi],
        "section_id": rivers["section_id"].to_numpy()[ri], "river_name": rivers["river_name"].to_numpy()[ri],
        "distance_m": dist,
        "qcvn_class": rivers["qcvn_class"].to_numpy()[ri] if "qcvn_class" in rivers else np.nan,
        "wqi": rivers["wqi"].to_numpy()[ri] if "wqi" in rivers else np.nan,
    })
    out["wqi_band"] = wqi_band(out["wqi"])
    return out.sort_values("zone_id").reset_index(drop=True)


def new_zones_compliant_pct(zones: pd.DataFrame, *, new_since: int = DEFAULTS.new_since) -> float:
    """Share (%) of new industrial zones/clusters (established in or after ``new_since``) that
    operate and have a compliant centralised WWTP (plan II.2.c: "100% các khu, cụm công nghiệp
    đầu tư mới"). A new zone counts once it operates (planned or under construction: not yet);
    zones without an establishment year or a WWTP status are unknown and left out. NaN when
    no operating new zone has a known WWTP status."""
    if "established_year" not in zones:
        return np.nan
    year = pd.to_numeric(zones["established_year"], errors="coerce")
    sel = zones[(year >= new_since).to_numpy() & zones["status"].eq("operating").fillna(False).to_numpy(dtype=bool)
                & zones["wwtp_status"].notna().to_numpy()]
    return float(sel["wwtp_status"].eq("compliant").mean() * 100) if len(sel) else np.nan


#: WWTP statuses of a plant that discharges (and so must monitor its effluent automatically)
RUNNING_PLANT = ("compliant", "non_compliant")


def auto_monitoring_sources(zones: gpd.GeoDataFrame | None, facilities: gpd.GeoDataFrame | None = None
                            ) -> pd.DataFrame:
    """Every source that must monitor its discharge automatically and send the data (plan III.5:
    "các cơ sở thuộc đối tượng thực hiện lắp đặt, truyền dữ liệu quan trắc tự động nguồn thải"):
    the centralised treatment plant of each operating industrial zone or cluster that runs one
    (Decree 08/2022, Art. 97: its treated wastewater), and the facilities of the ``facilities``
    layer, inside or outside the zones (wastewater and emissions).

    Returns
    -------
    DataFrame: ``source_type`` (``zone_plant`` or ``facility``), ``source_id``, ``name``,
    ``zone_id`` (the zone it belongs to, if any), ``discharge`` (wastewater / emissions / both),
    ``installed`` and ``transmitted`` (nullable booleans: NA when not recorded; a source without
    an installed system transmits nothing).

    Raises
    ------
    DataMissingError
        when neither layer is given.
    """
    if zones is None and facilities is None:
        raise data_missing("no industrial zones and no facilities layer in the catalog",
                           "danh mục không có lớp khu, cụm công nghiệp và lớp cơ sở thuộc đối tượng quan trắc tự động")
    parts = []

    def flag(df, col):
        return (df[col].astype("boolean") if col in df else pd.Series(pd.NA, index=df.index, dtype="boolean"))

    if zones is not None:
        z = zones[zones["status"].eq("operating").fillna(False).to_numpy(dtype=bool)
                  & zones["wwtp_status"].isin(RUNNING_PLANT).to_numpy()]
        parts.append(pd.DataFrame({"source_type": "zone_plant", "source_id": z["zone_id"].to_numpy(),
                                   "name": z["name"].to_numpy(), "zone_id": z["zone_id"].to_numpy(),
                                   "discharge": "wastewater", "installed": flag(z, "auto_monitoring").to_numpy(),
                                   "transmitted": flag(z, "auto_data_transmitted").to_numpy()}))
    if facilities is not None:
        f = facilities
        parts.append(pd.DataFrame({"source_type": "facility", "source_id": f["facility_id"].to_numpy(),
                                   "name": f["name"].to_numpy(),
                                   "zone_id": f["zone_id"].to_numpy() if "zone_id" in f else None,
                                   "discharge": f["discharge"].to_numpy(), "installed": flag(f, "auto_installed").to_numpy(),
                                   "transmitted": flag(f, "data_transmitted").to_numpy()}))
    out = pd.concat(parts, ignore_index=True)
    out["installed"] = out["installed"].astype("boolean")
    out["transmitted"] = out["transmitted"].astype("boolean")
    out.loc[out["installed"].eq(False).fillna(False).to_numpy(dtype=bool), "transmitted"] = False
    return out
