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
import shapely

from gisplan.indicators.forest_definition import ORIGINS, PURPOSES
from gisplan.indicators.metres import require_metres
from gisplan.overlay import clip_by_units, require_unique_ids


def forest_cover_from_status(
    parcels: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    unit_id: str,
    name_column: str | None = "name",
    natural_area_column: str | None = None,
    exclude_not_meeting_criteria: bool = True,
) -> pd.DataFrame:
    """Forest cover per unit from forest-status parcels.

    Parameters
    ----------
    parcels : forest-status layer (canonical columns: origin, purpose, meets_criteria), projected CRS.
    units : communes, protected areas or the province (one row per unit), same CRS.
    unit_id : the units' id column.
    name_column : the units' name column copied to the result (None to skip).
    natural_area_column : a units' column with the official natural area in **ha**; default:
        the unit polygon's area.
    exclude_not_meeting_criteria : count only parcels with ``meets_criteria`` (official rule).

    Raises
    ------
    SchemaError when ``unit_id`` is not unique (a unit stored as several features: dissolve it);
    CRSError when a CRS is not projected in metres, or the two layers' CRSs differ.

    Returns
    -------
    DataFrame, one row per unit: ``unit_id``, name, ``area_ha`` (natural area), ``forest_ha``,
    ``forest_pct``, ``natural_ha``, ``plantation_ha``, ``special_use_ha``, ``protection_ha``,
    ``production_ha``, ``outside_planning_ha`` (forest counted, by origin and purpose) and
    ``not_meeting_criteria_ha`` (young plantations, not counted when excluded).
    """
    require_metres((parcels, "forest-status parcels (forest_cover_from_status)"),
                   (units, "units (forest_cover_from_status)"))
    require_unique_ids(units, unit_id, "units (forest_cover_from_status)")
    units = units.reset_index(drop=True)
    pieces = clip_by_units(parcels[["origin", "purpose", "meets_criteria", parcels.geometry.name]], units,
                           unit_id=unit_id)
    pieces["ha"] = pieces.area / 1e4
    meets = pieces["meets_criteria"].eq(True)  # unknown (null) is neither forest nor young
    counted = pieces[meets] if exclude_not_meeting_criteria else pieces
    out = pd.DataFrame({unit_id: units[unit_id].to_numpy()})
    if name_column and name_column in units.columns:
        out["name"] = units[name_column].to_numpy()
    if natural_area_column:
        out["area_ha"] = units[natural_area_column].astype(float).to_numpy()
    else:
        out["area_ha"] = units.area.to_numpy() / 1e4
    forest = counted.groupby(unit_id)["ha"].sum()
    out["forest_ha"] = out[unit_id].map(forest).fillna(0.0).to_numpy()
    out["forest_pct"] = np.where(out["area_ha"] > 0, out["forest_ha"] / out["area_ha"] * 100, np.nan)
    for col, values in (("origin", ORIGINS), ("purpose", PURPOSES)):
        by = counted.groupby([unit_id, col])["ha"].sum().unstack(fill_value=0.0)
        for v in values:
            series = by[v] if v in by.columns else pd.Series(dtype=float)
            out[f"{v}_ha"] = out[unit_id].map(series).fillna(0.0).to_numpy()
    young = pieces[pieces["meets_criteria"].eq(False)].groupby(unit_id)["ha"].sum()
    out["not_meeting_criteria_ha"] = out[unit_id].map(young).fillna(0.0).to_numpy()
    return out


def province_units(province: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The province layer as a one-unit frame (``code``, ``name``)."""
    return province[["code", "name", province.geometry.name]].dissolve(by="code", as_index=False)


def protected_area_units(protected_areas: gpd.GeoDataFrame, *,
                         within: gpd.GeoDataFrame | shapely.Geometry | None = None) -> gpd.GeoDataFrame:
    """Protected areas as units: the non-buffer zones of each ``pa_id`` dissolved.

    ``within`` (e.g. the province, same CRS) clips each area to the part inside it — the part a
    provincial forest inventory covers, and so the right denominator for forest cover (%) of an
    area that crosses the provincial boundary. Areas with nothing inside are dropped.
    """
    core = protected_areas[protected_areas["zone"] != "buffer"]
    keep = [c for c in ("name", "category", "level") if c in core.columns]
    units = union_by(core, "pa_id", keep=keep)
    if within is not None:
        clip = within if isinstance(within, shapely.Geometry) else shapely.union_all(within.geometry.to_numpy())
        geoms = shapely.intersection(units.geometry.to_numpy(), clip)
        units = units.set_geometry(geoms)
        units = units[shapely.area(geoms) > 0].reset_index(drop=True)
    return units


def union_by(gdf: gpd.GeoDataFrame, key: str, *, keep: tuple[str, ...] | list[str] = ()) -> gpd.GeoDataFrame:
    """Geometries unioned per value of ``key`` (sorted), with the first value of the ``keep``
    columns — ``GeoDataFrame.dissolve`` without its pandas overhead (a loop over groups, not
    features). Same CRS as ``gdf``."""
    values = gdf[key].to_numpy()
    codes, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    geoms = gdf.geometry.to_numpy()
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(codes) + 1))
    merged = [shapely.union_all(geoms[order[bounds[i]:bounds[i + 1]]]) for i in range(len(codes))]
    data = {key: codes, **{c: gdf[c].to_numpy()[first] for c in keep}}
    out = gpd.GeoDataFrame(data, geometry=merged, crs=gdf.crs)
    return out if gdf.geometry.name == "geometry" else out.rename_geometry(gdf.geometry.name)
