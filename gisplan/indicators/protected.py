"""Protected areas: their areas, forest inside them, and sites in conflict with them.

All distances in metres and areas in ha, computed in the layers' projected CRS (EPSG:9213 by
default). Sites are mines and industrial zones/clusters; a site conflicts with a protected area
when it lies inside it, inside its official buffer zone, or within ``buffer_m`` of it.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisplan.indicators.forest import forest_cover_from_status
from gisplan.indicators.metres import require_metres
from gisplan.indicators.options import DEFAULTS
from gisplan.overlay import protected_area_units, union_by
from gisplan.vocabulary import CONFLICT_SITE_TYPES


def protected_area_summary(protected_areas: gpd.GeoDataFrame, province: gpd.GeoDataFrame, *,
                           parcels: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Area of each protected area, the part inside the province, its buffer zone and forest
    (ha). Layers in one CRS projected in metres (EPSG:9213), else CRSError naming the layer.

    Returns
    -------
    DataFrame per ``pa_id``: name, category, level, ``official_area_ha`` (sum over its zones as
    decided, NaN when not given), ``area_ha`` (mapped, buffer zone excluded; the area before
    clipping to the study area when the layer has ``pa_area_ha``, see
    :class:`gisplan.store.LayerStore`),
    ``in_province_ha``, ``in_province_pct``, ``buffer_zone_ha`` (NaN when the layer maps no
    buffer zone at all), and with ``parcels``:
    ``forest_ha`` (forest meeting the criteria inside the area and the province) and
    ``forest_pct`` (of ``in_province_ha``: the inventory covers the province only).
    """
    require_metres((protected_areas, "protected areas (protected_area_summary)"),
                   (province, "province (protected_area_summary)"))
    units = protected_area_units(protected_areas)
    prov = shapely.union_all(province.geometry.to_numpy())
    out = units.drop(columns=units.geometry.name).copy()
    if "official_area_ha" in protected_areas:  # optional: NaN (unknown) when not given
        official = protected_areas[protected_areas["zone"] != "buffer"].groupby("pa_id")["official_area_ha"]
        out["official_area_ha"] = out["pa_id"].map(official.sum(min_count=1))
    else:
        out["official_area_ha"] = np.nan
    out["area_ha"] = units.area.to_numpy() / 1e4
    if "pa_area_ha" in protected_areas:  # clipped to the study area: the totals before
        full = protected_areas.groupby("pa_id")["pa_area_ha"].first()
        out["area_ha"] = out["pa_id"].map(full).fillna(out["area_ha"]).to_numpy()
    inside_geoms = shapely.intersection(units.geometry.to_numpy(), prov)
    out["in_province_ha"] = shapely.area(inside_geoms) / 1e4
    out["in_province_pct"] = out["in_province_ha"] / out["area_ha"] * 100
    if "pa_buffer_ha" in protected_areas:  # clipped: the buffer zones before (NaN: none mapped)
        out["buffer_zone_ha"] = out["pa_id"].map(protected_areas.groupby("pa_id")["pa_buffer_ha"].first()).to_numpy()
    else:
        buf = protected_areas[protected_areas["zone"] == "buffer"]
        buffer_ha = out["pa_id"].map(buf.assign(_a=buf.area / 1e4).groupby("pa_id")["_a"].sum())
        # no buffer zone mapped in the whole layer: unknown (NaN), not "no buffer zone" (0)
        out["buffer_zone_ha"] = buffer_ha.fillna(0.0) if len(buf) else np.nan
    if parcels is not None:  # forest inventories stop at the provincial boundary: the part inside
        inside = units.set_geometry(inside_geoms)
        fc = forest_cover_from_status(parcels, inside, unit_id="pa_id", name_column=None).set_index("pa_id")
        out["forest_ha"] = out["pa_id"].map(fc["forest_ha"]).fillna(0.0).to_numpy()
        out["forest_pct"] = np.where(out["in_province_ha"] > 0, out["forest_ha"] / out["in_province_ha"] * 100, np.nan)
    return out


def conflicts(protected_areas: gpd.GeoDataFrame, *, mines: gpd.GeoDataFrame | None = None,
              industrial_zones: gpd.GeoDataFrame | None = None,
              buffer_m: float = DEFAULTS.buffer_m) -> pd.DataFrame:
    """Mines and industrial zones inside, in the official buffer zone of (at any distance from
    the core), or within ``buffer_m`` (m) of a protected area. Every layer must be in one CRS
    projected in metres (EPSG:9213; :func:`gisplan.crs.require_projected`), else CRSError
    naming the layer.

    Returns
    -------
    DataFrame: ``site_type`` (mine / industrial_zone), ``site_id``, ``site_name``, ``pa_id``,
    ``pa_name``, ``category``, ``relation`` (inside / buffer_zone / within_distance),
    ``distance_m`` (m to the protected area without its buffer zone; 0 when inside or touching), ``status`` (licence status of a mine, operating
    status of a zone), ``operating`` (mines), sorted by distance.
    """
    require_metres((protected_areas, "protected areas (conflicts)"))
    units = protected_area_units(protected_areas)
    ug = units.geometry.to_numpy()
    core_tree = shapely.STRtree(ug)
    buffer_zone = union_by(protected_areas[protected_areas["zone"] == "buffer"], "pa_id").set_index("pa_id")
    # the official buffer zone of each unit, aligned with ``units`` (None where there is none)
    bzg = units["pa_id"].map(buffer_zone.geometry).to_numpy(dtype=object)
    bzg = np.array([g if isinstance(g, shapely.Geometry) else None for g in bzg], dtype=object)
    with_bz = np.flatnonzero(bzg != None)  # noqa: E711 (element-wise)
    bz_tree = shapely.STRtree(bzg[with_bz]) if len(with_bz) else None
    frames = []
    for site, sites in zip(CONFLICT_SITE_TYPES, (mines, industrial_zones), strict=True):
        if sites is None or len(sites) == 0:
            continue
        site_type, id_col, status_col = site.site_type, site.id_column, site.status_column
        require_metres((protected_areas, "protected areas (conflicts)"),
                       (sites, f"{site_type.replace('_', ' ')}s (conflicts)"))
        sg = sites.geometry.to_numpy()
        si, ui = core_tree.query(sg, predicate="dwithin", distance=buffer_m)
        if bz_tree is not None:  # sites in an official buffer zone, however far from the core
            bsi, bj = bz_tree.query(sg, predicate="intersects")
            pairs = np.unique(np.concatenate([si * len(ug) + ui, bsi * len(ug) + with_bz[bj]]))
            si, ui = pairs // len(ug), pairs % len(ug)
        dist = shapely.distance(sg[si], ug[ui])
        in_buffer_zone = np.zeros(len(si), bool)
        has = (dist > 0) & (bzg[ui] != None)  # noqa: E711
        if has.any():
            in_buffer_zone[has] = shapely.intersects(sg[si[has]], bzg[ui[has]])
        relation = np.where(dist == 0, "inside", np.where(in_buffer_zone, "buffer_zone", "within_distance"))
        frames.append(pd.DataFrame({
            "site_type": site_type,
            "site_id": sites[id_col].to_numpy()[si],
            "site_name": sites["name"].to_numpy()[si],
            "pa_id": units["pa_id"].to_numpy()[ui],
            "pa_name": units["name"].to_numpy()[ui],
            "category": units["category"].to_numpy()[ui],
            "relation": relation,
            "distance_m": dist,
            "status": sites[status_col].to_numpy()[si],
            "operating": sites["operating"].to_numpy()[si] if "operating" in sites else pd.NA,
        }))
    cols = ["site_type", "site_id", "site_name", "pa_id", "pa_name", "category", "relation", "distance_m",
            "status", "operating"]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True).sort_values(["distance_m", "site_id"]).reset_index(drop=True)


def expired_operating_mines(mines: gpd.GeoDataFrame, *, reference_date: dt.date) -> pd.DataFrame:
    """Mines still marked operating whose licence has expired (expiry date before
    ``reference_date``) or is recorded as expired/revoked — candidates for closure (plan II.2.b).

    Without ``licence_expiry`` (an optional column) only the recorded status counts, and
    ``days_expired`` is NaN (unknown).
    """
    idx = mines.index
    expiry = (pd.to_datetime(mines["licence_expiry"], errors="coerce") if "licence_expiry" in mines
              else pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]"))
    ref = pd.Timestamp(reference_date)
    lapsed = (expiry < ref).fillna(False).to_numpy(dtype=bool)
    bad_status = mines["licence_status"].isin(["expired", "revoked"]).to_numpy()
    sel = mines[(lapsed | bad_status) & mines["operating"].eq(True).to_numpy()]
    exp = expiry.loc[sel.index]
    out = pd.DataFrame({
        "mine_id": sel["mine_id"], "name": sel["name"], "mineral": sel["mineral"],
        "licence_no": sel["licence_no"] if "licence_no" in sel else None,
        "licence_expiry": exp.dt.date.where(exp.notna(), None) if len(exp) else exp,
        "licence_status": sel["licence_status"],
        "days_expired": (ref - exp).dt.days.astype("float64"),
    })
    return out.sort_values("days_expired", ascending=False).reset_index(drop=True)


def riverbed_mines(mines: gpd.GeoDataFrame, rivers: gpd.GeoDataFrame, *,
                   max_distance_m: float = DEFAULTS.riverbed_distance_m) -> pd.DataFrame:
    """Riverbed sand/gravel mines with their nearest river section and distance (m);
    ``on_river`` is False for a riverbed licence farther than ``max_distance_m`` from any
    mapped river (a position to check), and for every riverbed mine when no river is mapped
    (``distance_m`` then NaN). Both layers in one CRS projected in metres."""
    require_metres((mines, "mines (riverbed_mines)"), (rivers, "river sections (riverbed_mines)"))
    rb = mines[mines["riverbed"].eq(True)]
    cols = ["mine_id", "name", "licence_status", "operating", "section_id", "river_name", "distance_m", "on_river"]
    if rb.empty:
        return pd.DataFrame(columns=cols)
    if rivers.empty:
        return pd.DataFrame({"mine_id": rb["mine_id"].to_numpy(), "name": rb["name"].to_numpy(),
                             "licence_status": rb["licence_status"].to_numpy(),
                             "operating": rb["operating"].to_numpy(), "section_id": None, "river_name": None,
                             "distance_m": np.nan, "on_river": False})[cols]
    tree = shapely.STRtree(rivers.geometry.to_numpy())
    (mi, ri), dist = tree.query_nearest(rb.geometry.to_numpy(), return_distance=True, all_matches=False)
    return pd.DataFrame({
        "mine_id": rb["mine_id"].to_numpy()[mi], "name": rb["name"].to_numpy()[mi],
        "licence_status": rb["licence_status"].to_numpy()[mi], "operating": rb["operating"].to_numpy()[mi],
        "section_id": rivers["section_id"].to_numpy()[ri], "river_name": rivers["river_name"].to_numpy()[ri],
        "distance_m": dist, "on_river": dist <= max_distance_m,
    })[cols].sort_values("distance_m").reset_index(drop=True)
