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

from gisplan.indicators.forest_definition import ORIGINS, PURPOSES
from gisplan.indicators.metres import require_metres
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
    ``net_ha``, ``loss_special_use_ha``, ``loss_protection_ha`` (by the year-1 purpose). All
    layers in one CRS projected in metres (EPSG:9213), else CRSError naming the layer.
    """
    f0, f1, kept, units, ids, out = _prepare(before, after, units, unit_id, name_column, "forest_change_status")
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



def _prepare(before, after, units, unit_id, name_column, fn):
    """Checks and frames shared by the change functions: both years' forest meeting the
    criteria, the parcels kept as forest, the units and the output frame with ids (and names)."""
    require_metres(*((g, f"{what} ({fn})") for g, what in ((before, "forest status (before)"),
                                                          (after, "forest status (after)"), (units, "units"))))
    require_unique_ids(units, unit_id, f"units ({fn})")
    f0 = before[before["meets_criteria"].eq(True)].reset_index(drop=True)
    f1 = after[after["meets_criteria"].eq(True)].reset_index(drop=True)
    units = units.reset_index(drop=True)
    ids = pd.Series(units[unit_id].to_numpy())
    out = pd.DataFrame({unit_id: ids})
    if name_column and name_column in units:
        out["name"] = units[name_column].to_numpy()
    return f0, f1, _kept(f0, f1), units, ids, out

def _kept(f0: gpd.GeoDataFrame, f1: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Forest present in both years: intersections of year-1 and year-2 parcels, with the
    year-1 ``purpose`` and ``origin`` and the year-2 origin (``origin_after``)."""
    g0, g1 = f0.geometry.to_numpy(), f1.geometry.to_numpy()
    shapely.prepare(g1)
    i0, i1 = shapely.STRtree(g1).query(g0, predicate="intersects")
    same = shapely.covered_by(g0[i0], g1[i1])
    pieces = g0[i0].copy()
    if (~same).any():
        pieces[~same] = shapely.intersection(g0[i0][~same], g1[i1][~same])
    keep = shapely.area(pieces) > 0
    return gpd.GeoDataFrame({"purpose": f0["purpose"].to_numpy()[i0[keep]],
                             "origin": f0["origin"].to_numpy()[i0[keep]],
                             "origin_after": f1["origin"].to_numpy()[i1[keep]]},
                            geometry=pieces[keep], crs=f0.crs)




def forest_conversion(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *,
                      unit_id: str, buffer_zones: gpd.GeoDataFrame | None = None,
                      name_column: str | None = "name") -> pd.DataFrame:
    """Forest loss between two forest-status years by origin and purpose, and natural forest
    converted to plantation, per unit (plan III.4.đ: "hạn chế tối đa chuyển mục đích sử dụng
    rừng tự nhiên").

    Loss is forest (meeting the criteria) in year 1 that is not forest in year 2, attributed to
    the year-1 parcel's origin (natural / plantation) and purpose (special-use / protection /
    production / outside the three forest types); inside special-use forest means a year-1
    purpose of special use. With ``buffer_zones`` (polygons, e.g. the protected areas' buffer
    zones) the loss inside them is given too. Natural forest converted to plantation is land
    natural forest in year 1 and plantation forest in year 2.

    Parameters
    ----------
    before, after : forest-status parcels (``origin``, ``purpose``, ``meets_criteria``),
        projected CRS (EPSG:9213).
    units : communes or protected areas (same CRS), split exactly.

    Returns
    -------
    DataFrame per unit (ha): ``natural_before_ha``, ``loss_ha``, ``loss_natural_ha``,
    ``loss_plantation_ha``, ``loss_<origin>_<purpose>_ha`` for each origin and purpose,
    ``loss_in_special_use_ha``, ``natural_to_plantation_ha``, ``natural_loss_pct`` (natural
    forest lost or converted ÷ natural forest of year 1; NaN without natural forest) and, with
    ``buffer_zones``, ``loss_in_buffer_ha`` and ``loss_natural_in_buffer_ha``.
    """
    f0, f1, kept, units, ids, out = _prepare(before, after, units, unit_id, name_column, "forest_conversion")

    # each layer split by the units once; the categories are sums over the pieces
    p0, pk = _pieces(f0, units, unit_id), _pieces(kept, units, unit_id)

    def area(pieces, mask=None):
        sel = pieces if mask is None else pieces[mask(pieces)]
        return ids.map(sel.groupby(unit_id)["_ha"].sum()).fillna(0.0).to_numpy()

    def loss(mask=None, before=p0, kept_=pk):
        return np.maximum(area(before, mask) - area(kept_, mask), 0.0)

    nat = lambda d: d["origin"].eq("natural").to_numpy()  # noqa: E731
    out["natural_before_ha"] = area(p0, nat)
    out["loss_ha"] = loss()
    for o in ORIGINS:
        out[f"loss_{o}_ha"] = loss(lambda d, o=o: d["origin"].eq(o).to_numpy())
    for o in ORIGINS:
        for p in PURPOSES:
            out[f"loss_{o}_{p}_ha"] = loss(lambda d, o=o, p=p: (d["origin"].eq(o) & d["purpose"].eq(p)).to_numpy())
    out["loss_in_special_use_ha"] = loss(lambda d: d["purpose"].eq("special_use").to_numpy())
    out["natural_to_plantation_ha"] = area(pk, lambda d: (d["origin"].eq("natural")
                                                          & d["origin_after"].eq("plantation")).to_numpy())
    nb = out["natural_before_ha"].where(out["natural_before_ha"] > 0)
    out["natural_loss_pct"] = (out["loss_natural_ha"] + out["natural_to_plantation_ha"]) / nb * 100
    if buffer_zones is not None:
        require_metres((buffer_zones, "buffer zones (forest_conversion)"), (before, "forest status (forest_conversion)"))
        zone = shapely.union_all(buffer_zones.geometry.to_numpy())
        b0 = _pieces(_within(f0, zone), units, unit_id)
        bk = _pieces(_within(kept, zone), units, unit_id)
        out["loss_in_buffer_ha"] = loss(None, b0, bk)
        out["loss_natural_in_buffer_ha"] = loss(nat, b0, bk)
    return out


def _within(gdf: gpd.GeoDataFrame, area: shapely.Geometry) -> gpd.GeoDataFrame:
    """The parts of ``gdf`` inside ``area`` (pieces of zero area dropped)."""
    if gdf.empty or area is None or area.is_empty:
        return gdf.iloc[:0]
    pieces = shapely.intersection(gdf.geometry.to_numpy(), area)
    keep = shapely.area(pieces) > 0
    return gpd.GeoDataFrame(gdf.drop(columns=gdf.geometry.name)[keep].reset_index(drop=True),
                            geometry=pieces[keep], crs=gdf.crs)


def _pieces(gdf: gpd.GeoDataFrame, units, unit_id: str) -> pd.DataFrame:
    """``gdf`` split by the units: its ``purpose``/``origin``/``origin_after`` columns, the unit id
    and ``_ha`` (area of each piece, ha)."""
    cols = [c for c in ("parcel_id", "purpose", "origin", "origin_after") if c in gdf.columns]
    if gdf.empty:
        return pd.DataFrame({**{c: pd.Series(dtype=object) for c in [*cols, unit_id]},
                             "_ha": pd.Series(dtype=float)})
    pieces = clip_by_units(gdf[[*cols, gdf.geometry.name]], units, unit_id=unit_id)
    return pd.DataFrame({**{c: pieces[c].to_numpy() for c in [*cols, unit_id]},
                         "_ha": pieces.area.to_numpy() / 1e4})


def _sum_by_unit(gdf, units, unit_id, ids: pd.Series) -> np.ndarray:
    if gdf.empty:
        return np.zeros(len(ids))
    pieces = clip_by_units(gdf, units, unit_id=unit_id)
    sums = pieces.assign(_ha=pieces.area / 1e4).groupby(unit_id)["_ha"].sum()
    return ids.map(sums).fillna(0.0).to_numpy()
