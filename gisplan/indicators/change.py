"""Forest change between two forest-status years (polygons).

Forest (meeting the criteria) in year 1 and year 2 are overlaid: loss = forest in year 1 that is
not forest in year 2, gain = the reverse; both split exactly by units. The loss inside
special-use and protection forest is reported by the year-1 purpose. Areas in ha.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisplan.crs import require_projected
from gisplan.overlay import clip_by_units, require_unique_ids


def forest_change_status(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *,
                         unit_id: str, name_column: str | None = "name") -> pd.DataFrame:
    """Loss, gain and net change of forest (meeting the criteria) per unit between two years.

    Forest-status layers are partitions (parcels do not overlap), so the forest kept between
    the years is the set of pairwise intersections of year-1 and year-2 forest parcels (found
    with an STRtree); loss = forest before − kept, gain = forest after − kept, per unit.

    Returns
    -------
    DataFrame per unit: ``forest_before_ha``, ``forest_after_ha``, ``loss_ha``, ``gain_ha``,
    ``net_ha``, ``loss_special_use_ha``, ``loss_protection_ha`` (by the year-1 purpose).
    """
    require_projected(before.crs, "forest status (before)")
    require_projected(after.crs, "forest status (after)")
    require_projected(units.crs, "units (forest_change_status)")
    require_unique_ids(units, unit_id, "units (forest_change_status)")
    f0 = before[before["meets_criteria"].eq(True)].reset_index(drop=True)
    f1 = after[after["meets_criteria"].eq(True)].reset_index(drop=True)
    kept = _kept(f0, f1)
    units = units.reset_index(drop=True)
    ids = pd.Series(units[unit_id].to_numpy())
    out = pd.DataFrame({unit_id: ids})
    if name_column and name_column in units:
        out["name"] = units[name_column].to_numpy()
    out["forest_before_ha"] = _sum_by_unit(f0, units, unit_id, ids)
    out["forest_after_ha"] = _sum_by_unit(f1, units, unit_id, ids)
    kept_ha = _sum_by_unit(kept, units, unit_id, ids)
    out["loss_ha"] = np.maximum(out["forest_before_ha"] - kept_ha, 0.0)
    out["gain_ha"] = np.maximum(out["forest_after_ha"] - kept_ha, 0.0)
    out["net_ha"] = out["gain_ha"] - out["loss_ha"]
    for purpose in ("special_use", "protection"):
        before_p = _sum_by_unit(f0[f0["purpose"] == purpose], units, unit_id, ids)
        kept_p = _sum_by_unit(kept[kept["purpose"] == purpose], units, unit_id, ids)
        out[f"loss_{purpose}_ha"] = np.maximum(before_p - kept_p, 0.0)
    return out


def _kept(f0: gpd.GeoDataFrame, f1: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Forest present in both years: intersections of year-1 and year-2 parcels (purpose of year 1)."""
    g0, g1 = f0.geometry.to_numpy(), f1.geometry.to_numpy()
    shapely.prepare(g1)
    i0, i1 = shapely.STRtree(g1).query(g0, predicate="intersects")
    same = shapely.covered_by(g0[i0], g1[i1])
    pieces = g0[i0].copy()
    if (~same).any():
        pieces[~same] = shapely.intersection(g0[i0][~same], g1[i1][~same])
    keep = shapely.area(pieces) > 0
    return gpd.GeoDataFrame({"purpose": f0["purpose"].to_numpy()[i0[keep]]}, geometry=pieces[keep], crs=f0.crs)


def _sum_by_unit(gdf, units, unit_id, ids: pd.Series) -> np.ndarray:
    if gdf.empty:
        return np.zeros(len(ids))
    pieces = clip_by_units(gdf, units, unit_id=unit_id)
    sums = pieces.assign(_ha=pieces.area / 1e4).groupby(unit_id)["_ha"].sum()
    return ids.map(sums).fillna(0.0).to_numpy()
