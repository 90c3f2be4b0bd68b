"""Forest cover from forest-status polygons (hiện trạng rừng), the official practice.

forest-cover % = area of forest meeting the forest criteria ÷ natural area of the unit × 100
(Law on Forestry 16/2017/QH14 Art. 2.5). Young plantations that do not yet meet the criteria
(Decree 156/2018 Art. 5) are excluded unless asked otherwise. Parcels crossing unit boundaries
are split exactly (:func:`gisplan.overlay.clip_by_units`). Areas in ha, computed in the data's
projected CRS (EPSG:9213 by default).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from gisplan.indicators.forest_definition import ORIGINS, PURPOSES
from gisplan.indicators.lots import split_by_units
from gisplan.indicators.metres import require_metres
from gisplan.overlay import require_unique_ids


def forest_cover_from_status(
    parcels: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    unit_id: str,
    name_column: str | None = "name",
    natural_area_column: str | None = None,
    exclude_not_meeting_criteria: bool = True,
    pieces: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Forest cover per unit from forest-status parcels (lots).

    Parameters
    ----------
    parcels : forest-status layer (canonical columns: origin, purpose, meets_criteria; with
        ``land_class`` when read from a forest-monitoring export), projected CRS.
    units : communes, protected areas or the province (one row per unit), same CRS.
    unit_id : the units' id column.
    name_column : the units' name column copied to the result (None to skip).
    natural_area_column : a units' column with the official natural area in **ha**; default:
        the unit polygon's area.
    exclude_not_meeting_criteria : count only parcels with ``meets_criteria`` (official rule);
        with False, planted land not yet forest (young plantations) is counted too.
    pieces : the parcels already cut by these units (:func:`gisplan.indicators.lots.split_by_units`),
        shared with other tables of a run; default: cut here.

    Raises
    ------
    SchemaError when ``unit_id`` is not unique (a unit stored as several features: dissolve it);
    CRSError when a CRS is not projected in metres, or the two layers' CRSs differ.

    Returns
    -------
    DataFrame, one row per unit: ``unit_id``, name, ``area_ha`` (natural area), ``forest_ha``,
    ``forest_pct``, ``natural_ha``, ``plantation_ha``, ``special_use_ha``, ``protection_ha``,
    ``production_ha``, ``outside_planning_ha`` (forest counted, by origin and purpose),
    ``not_meeting_criteria_ha`` (planted land not yet forest: young plantations, not counted when
    excluded), ``not_forest_ha`` (other lots that are not forest: regenerating, bare, other land)
    and ``unknown_status_ha`` (lots whose status is unknown — a code that is not a status code —
    never counted: ``forest_pct`` is then a lower bound).
    """
    require_metres((parcels, "forest-status parcels (forest_cover_from_status)"),
                   (units, "units (forest_cover_from_status)"))
    require_unique_ids(units, unit_id, "units (forest_cover_from_status)")
    units = units.reset_index(drop=True)
    if pieces is None:
        pieces = split_by_units(parcels, units, unit_id=unit_id)
    at = pieces["lot"].to_numpy()
    status = parcels["meets_criteria"].astype("boolean")
    meets = status.fillna(False).to_numpy(dtype=bool)[at]
    unknown = status.isna().to_numpy()[at]  # a lot whose status is unknown is neither forest nor not
    young = _young(parcels)[at] & ~meets & ~unknown
    lots = pd.DataFrame({unit_id: pieces[unit_id].array, "ha": pieces["ha"].to_numpy(),
                         "origin": parcels["origin"].to_numpy()[at], "purpose": parcels["purpose"].to_numpy()[at],
                         "meets": meets, "young": young, "unknown": unknown})
    lots["not_forest"] = ~lots["meets"] & ~lots["young"] & ~lots["unknown"]
    counted = lots[lots["meets"] | (lots["young"] if not exclude_not_meeting_criteria else False)]
    out = pd.DataFrame({unit_id: units[unit_id].to_numpy()})
    if name_column and name_column in units.columns:
        out["name"] = units[name_column].to_numpy()
    if natural_area_column:
        out["area_ha"] = units[natural_area_column].astype(float).to_numpy()
    else:
        out["area_ha"] = units.area.to_numpy() / 1e4
    ids = out[unit_id]
    forest = counted.groupby(unit_id)["ha"].sum()
    out["forest_ha"] = ids.map(forest).fillna(0.0).to_numpy()
    out["forest_pct"] = np.where(out["area_ha"] > 0, out["forest_ha"] / out["area_ha"] * 100, np.nan)
    for col, values in (("origin", ORIGINS), ("purpose", PURPOSES)):
        by = counted.groupby([unit_id, col])["ha"].sum().unstack(fill_value=0.0)
        for v in values:
            series = by[v] if v in by.columns else pd.Series(dtype=float)
            out[f"{v}_ha"] = ids.map(series).fillna(0.0).to_numpy()
    for col, mask in (("not_meeting_criteria_ha", "young"), ("not_forest_ha", "not_forest"),
                      ("unknown_status_ha", "unknown")):
        out[col] = ids.map(lots[lots[mask]].groupby(unit_id)["ha"].sum()).fillna(0.0).to_numpy()
    return out


def _young(parcels: gpd.GeoDataFrame) -> np.ndarray:
    """Lots that are planted land not yet forest (young plantations): ``land_class``
    ``planted_not_forest`` when the layer has land classes, else every lot not meeting the
    criteria (gisplan's own field set holds forest and young plantations only)."""
    if "land_class" in parcels.columns:
        return parcels["land_class"].eq("planted_not_forest").to_numpy()
    return np.ones(len(parcels), dtype=bool)


def province_units(province: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The province layer as a one-unit frame (``code``, ``name``)."""
    return province[["code", "name", province.geometry.name]].dissolve(by="code", as_index=False)
