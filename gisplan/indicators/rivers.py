"""River water quality: polluted length by class and band, and pressures upstream.

Water quality follows QCVN 08:2023/BTNMT classes A–D (C and D: polluted for most uses) and the
VN_WQI of Decision 1460/QĐ-TCMT (2019) with its six bands (not the 2011 five-band scale). River
sections are digitised downstream (first vertex upstream). Lengths in km, distances in m, in the
layers' projected CRS.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisplan.errors import data_missing
from gisplan.indicators.metres import require_metres
from gisplan.indicators.options import DEFAULTS
from gisplan.overlay import clip_by_units, require_unique_ids
from gisplan.vocabulary import POLLUTED_BANDS, POLLUTED_CLASSES, WQI_BANDS, wqi_band


def is_polluted(rivers: pd.DataFrame) -> pd.Series:
    """Sections in QCVN class C/D, or whose VN_WQI band is bad or worse (VN_WQI < 51 after
    rounding, the same rule as :func:`wqi_band`). False also for sections without water-quality
    data: see :func:`has_quality_data`."""
    cls = rivers["qcvn_class"].isin(POLLUTED_CLASSES).to_numpy() if "qcvn_class" in rivers else False
    wqi = wqi_band(rivers["wqi"]).isin(POLLUTED_BANDS).to_numpy() if "wqi" in rivers else False
    return pd.Series(np.asarray(cls | wqi, dtype=bool) & np.ones(len(rivers), bool), index=rivers.index)


def has_quality_data(rivers: pd.DataFrame) -> pd.Series:
    """Sections with a QCVN 08:2023 class (A–D) or a VN_WQI value: the sections whose pollution
    is known (the others are "no data", never "clean")."""
    known = np.zeros(len(rivers), bool)
    if "qcvn_class" in rivers:
        known |= rivers["qcvn_class"].isin(("A", "B", "C", "D")).to_numpy()
    if "wqi" in rivers:
        known |= pd.to_numeric(rivers["wqi"], errors="coerce").notna().to_numpy()
    return pd.Series(known, index=rivers.index)


#: the QCVN 08:2023 classes from best to worst
CLASS_ORDER = ("A", "B", "C", "D")


def section_use_status(rivers: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each section's water quality against the plan's two readings (II.2.b: "đang bị ô nhiễm hoặc
    chưa đáp ứng được mục đích sử dụng đề ra"): polluted (:func:`is_polluted`), and below the class
    its designated use requires (``designated_class``, optional: the QCVN 08:2023 class of the
    province's zoning of water uses). Sections in a CRS projected in metres (EPSG:9213).

    Returns
    -------
    DataFrame per section: ``section_id``, ``river_name``, ``length_km``, ``qcvn_class``, ``wqi``,
    ``designated_class``, ``polluted`` (NA without water-quality data) and ``below_use`` (its class
    is worse than the designated one; NA when either class is unknown).
    """
    require_metres((rivers, "river sections (section_use_status)"))
    known = has_quality_data(rivers).to_numpy()
    cls = rivers["qcvn_class"] if "qcvn_class" in rivers else pd.Series(None, index=rivers.index, dtype=object)
    use = (rivers["designated_class"] if "designated_class" in rivers
           else pd.Series(None, index=rivers.index, dtype=object))
    rank = {c: i for i, c in enumerate(CLASS_ORDER)}
    got, want = cls.map(rank), use.map(rank)
    below = pd.array(np.where(got.notna() & want.notna(), got > want, False), dtype="boolean")
    below[(got.isna() | want.isna()).to_numpy()] = pd.NA
    polluted = pd.array(is_polluted(rivers).to_numpy(), dtype="boolean")
    polluted[~known] = pd.NA
    return pd.DataFrame({"section_id": rivers["section_id"].to_numpy(), "river_name": rivers["river_name"].to_numpy(),
                         "length_km": rivers.length.to_numpy() / 1e3, "qcvn_class": cls.to_numpy(),
                         "wqi": pd.to_numeric(rivers["wqi"], errors="coerce").to_numpy() if "wqi" in rivers else np.nan,
                         "designated_class": use.to_numpy(), "polluted": polluted, "below_use": below})


def river_length_by_class(rivers: gpd.GeoDataFrame) -> pd.DataFrame:
    """Length (km) per river by QCVN class and VN_WQI band, and the polluted length. The
    sections must be in a CRS projected in metres (EPSG:9213), else CRSError.

    Returns
    -------
    DataFrame per ``river_name``: ``length_km``, ``class_A_km`` … ``class_D_km`` (NaN when no
    section has a class), ``wqi_<band>_km`` (NaN when no section has a VN_WQI),
    ``assessed_km`` (length with a class or a VN_WQI), ``no_data_km``, and ``polluted_km`` /
    ``polluted_pct`` (of ``length_km``; NaN — unknown, not 0 — when no section of the river has
    water-quality data).
    """
    require_metres((rivers, "river sections (river_length_by_class)"))
    return _length_table(rivers.assign(_km=rivers.length / 1e3), ["river_name"])


def polluted_length_by_unit(rivers: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *, unit_id: str) -> pd.DataFrame:
    """River length (km) by class per unit (commune), sections split exactly at unit borders;
    columns as :func:`river_length_by_class`. Both layers in one CRS projected in metres (EPSG:9213), else CRSError naming the layer."""
    require_metres((rivers, "river sections (polluted_length_by_unit)"), (units, "units (polluted_length_by_unit)"))
    require_unique_ids(units, unit_id, "units (polluted_length_by_unit)")
    pieces = clip_by_units(rivers, units, unit_id=unit_id)
    table = _length_table(pieces.assign(_km=pieces.length / 1e3), [unit_id])
    if "name" in units:
        table.insert(1, "name", table[unit_id].map(units.set_index(unit_id)["name"]))
    return table


def _length_table(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    known = has_quality_data(df)
    df = df.assign(_pol=is_polluted(df), _known=known)
    g = df.groupby(keys)
    out = g["_km"].sum().rename("length_km").to_frame()
    has_class = "qcvn_class" in df and df["qcvn_class"].isin(("A", "B", "C", "D")).any()
    if has_class:
        by = df.groupby([*keys, "qcvn_class"])["_km"].sum().unstack(fill_value=0.0)
    for c in ("A", "B", "C", "D"):
        out[f"class_{c}_km"] = (by[c] if c in by else 0.0) if has_class else np.nan
    has_wqi = "wqi" in df and pd.to_numeric(df["wqi"], errors="coerce").notna().any()
    if has_wqi:
        by = df.assign(_band=wqi_band(df["wqi"]).to_numpy()).groupby([*keys, "_band"])["_km"].sum().unstack(fill_value=0.0)
    for code, *_ in WQI_BANDS:
        out[f"wqi_{code}_km"] = (by[code] if code in by else 0.0) if has_wqi else np.nan
    if has_class:
        cols = [f"class_{c}_km" for c in "ABCD"]
        out[cols] = out[cols].fillna(0.0)
    if has_wqi:
        cols = [f"wqi_{b[0]}_km" for b in WQI_BANDS]
        out[cols] = out[cols].fillna(0.0)
    out["assessed_km"] = df[df["_known"]].groupby(keys)["_km"].sum().reindex(out.index).fillna(0.0)
    out["no_data_km"] = out["length_km"] - out["assessed_km"]
    polluted = df[df["_pol"]].groupby(keys)["_km"].sum().reindex(out.index).fillna(0.0)
    out["polluted_km"] = polluted.where(out["assessed_km"] > 0)
    out["polluted_pct"] = out["polluted_km"] / out["length_km"] * 100
    return out.reset_index()


def pressures_upstream(rivers: gpd.GeoDataFrame, sites: dict[str, gpd.GeoDataFrame], *,
                       buffer_m: float = DEFAULTS.river_buffer_m,
                       reach_km: float = DEFAULTS.river_reach_km) -> pd.DataFrame:
    """Sites (industrial zones, mines, landfills) near a polluted section or up to ``reach_km``
    upstream of it along the same river, within ``buffer_m`` of the river.

    "Upstream" uses the direction of the sections: each river's sections are joined end to end
    in digitising order (downstream) into chains — several when the river is mapped in pieces
    that do not join — a site is placed at its nearest point on a chain within ``buffer_m``, and
    its along-river position is compared with the start of each polluted section of that chain.
    Rivers and sites in one CRS projected in metres (EPSG:9213), else CRSError naming the layer.

    Returns
    -------
    DataFrame: ``section_id``, ``river_name``, ``qcvn_class``, ``wqi``, ``site_type``,
    ``site_id``, ``site_name``, ``distance_m`` (site to river), ``upstream_km`` (0 when beside
    the section).
    """
    require_metres((rivers, "river sections (pressures_upstream)"))
    if not has_quality_data(rivers).any():
        raise data_missing(
            "no water-quality data (qcvn_class or wqi) in the river sections: polluted sections, "
            "and so the pressures upstream of them, are unknown",
            "các đoạn sông không có số liệu chất lượng nước (qcvn_class hoặc wqi): không xác định "
            "được đoạn ô nhiễm và các nguồn áp lực phía thượng nguồn")
    require_metres((rivers, "river sections (pressures_upstream)"),
                   *((gdf, f"{site_type} sites (pressures_upstream)") for site_type, gdf in sites.items()
                     if gdf is not None and not gdf.empty))
    rows = []
    polluted = is_polluted(rivers)
    for river, secs in rivers.groupby("river_name", sort=False):
        if not polluted.loc[secs.index].any():
            continue
        sg = secs.geometry.to_numpy()
        # each chain of sections joined end to end (keeping their direction); a river mapped in
        # pieces that do not join gives several chains, each measured on its own
        chains = shapely.get_parts(shapely.line_merge(shapely.union_all(sg), directed=True))
        mid = shapely.line_interpolate_point(sg, 0.5, normalized=True)
        on_chain = np.argmin(shapely.distance(mid[:, None], chains[None, :]), axis=1)
        for c, line in enumerate(chains):
            members = np.flatnonzero(on_chain == c)
            if not polluted.loc[secs.index[members]].any():
                continue
            starts = shapely.line_locate_point(line, shapely.get_point(sg[members], 0))
            ends = shapely.line_locate_point(line, shapely.get_point(sg[members], -1))
            for site_type, gdf in sites.items():
                if gdf is None or gdf.empty:
                    continue
                id_col = {"industrial_zone": "zone_id", "mine": "mine_id", "waste_site": "site_id"}[site_type]
                geom = gdf.geometry.to_numpy()
                dist = shapely.distance(geom, line)
                near = dist <= buffer_m
                if not near.any():
                    continue
                pos = shapely.line_locate_point(line, shapely.centroid(geom[near]))
                for (sid, sname, d, p) in zip(gdf[id_col].to_numpy()[near], gdf["name"].to_numpy()[near],
                                              dist[near], pos, strict=True):
                    for k, m in enumerate(members):
                        sec_idx = secs.index[m]
                        if not polluted.loc[sec_idx]:
                            continue
                        lo, hi = min(starts[k], ends[k]), max(starts[k], ends[k])
                        if lo - reach_km * 1e3 <= p <= hi:
                            sec = rivers.loc[sec_idx]
                            rows.append({"section_id": sec["section_id"], "river_name": river,
                                         "qcvn_class": sec.get("qcvn_class"), "wqi": sec.get("wqi"),
                                         "site_type": site_type, "site_id": sid, "site_name": sname,
                                         "distance_m": float(d), "upstream_km": max(0.0, (lo - p) / 1e3)})
    cols = ["section_id", "river_name", "qcvn_class", "wqi", "site_type", "site_id", "site_name",
            "distance_m", "upstream_km"]
    return pd.DataFrame(rows, columns=cols).sort_values(["section_id", "upstream_km", "site_id"]).reset_index(drop=True)
