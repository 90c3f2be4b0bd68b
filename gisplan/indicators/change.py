"""Forest change between two forest-status years (lots), theo dõi diễn biến rừng.

The lots of the two years are overlaid once (:func:`gisplan.indicators.lots.overlay_years`) and
cut by the units once; every table here is a sum over those pieces:

- :func:`forest_change_status`: forest (meeting the criteria) lost, gained and kept per unit, the
  loss inside special-use and protection forest by the first year's purpose;
- :func:`forest_conversion`: loss by origin and purpose, natural forest converted (plan III.4.đ);
- :func:`status_transitions`: the area of every status transition per unit (TXN → DT2, RTG → DTR
  after harvest …), with forest gained and lost by origin; :func:`transition_matrix` the same as
  a matrix for the whole area.

Land one year maps and the other does not counts as "not mapped" (no status) in that year:
forest in year 1 not mapped in year 2 is lost. Areas in ha, in the layers' projected CRS
(EPSG:9213); the functions take the overlay and the cut lots of a run (``overlay``, ``pieces``)
so they are computed once.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisplan.forest_codes import status_codes
from gisplan.indicators.forest_definition import ORIGINS, PURPOSES
from gisplan.indicators.lots import LotOverlay, overlay_years, split_by_units
from gisplan.indicators.metres import require_metres
from gisplan.overlay import require_unique_ids

#: The status of land a year does not map, in the transition tables.
NOT_MAPPED = "—"
#: Remainders of a lot smaller than this (ha) after its overlay pieces are rounding, not land
#: the other year leaves unmapped.
_REMAINDER_HA = 1e-6


class _Years:
    """The two years' lots, their overlay and the three cuts by one set of units."""

    def __init__(self, before, after, units, unit_id, name_column, fn, *, overlay=None, pieces=None):
        require_metres(*((g, f"{what} ({fn})") for g, what in ((before, "forest status (before)"),
                                                              (after, "forest status (after)"), (units, "units"))))
        require_unique_ids(units, unit_id, f"units ({fn})")
        self.before, self.after = before, after
        self.units = units.reset_index(drop=True)
        self.unit_id = unit_id
        self.ids = pd.Series(self.units[unit_id].to_numpy())
        self.out = pd.DataFrame({unit_id: self.ids})
        if name_column and name_column in self.units:
            self.out["name"] = self.units[name_column].to_numpy()
        self.overlay = overlay if overlay is not None else overlay_years(before, after)
        pieces = pieces or {}
        self.p0 = pieces.get("before")
        if self.p0 is None:
            self.p0 = split_by_units(before, self.units, unit_id=unit_id)
        self.p1 = pieces.get("after")
        if self.p1 is None:
            self.p1 = split_by_units(after, self.units, unit_id=unit_id)
        self.pk = pieces.get("overlay")
        if self.pk is None:
            self.pk = self.overlay.by_units(self.units, unit_id)
        self.m0, self.u0 = _meets(before), _unknown(before)
        self.m1, self.u1 = _meets(after), _unknown(after)

    def col(self, which: str, name: str, default=None) -> np.ndarray:
        gdf = self.before if which == "before" else self.after
        if name in gdf.columns:
            return gdf[name].astype(object).to_numpy()
        return np.full(len(gdf), default, dtype=object)

    def area(self, pieces: pd.DataFrame, mask: np.ndarray | None = None) -> np.ndarray:
        """Sum of ``ha`` per unit (in the order of the units) of the pieces where ``mask``."""
        sel = pieces if mask is None else pieces[mask]
        return self.ids.map(sel.groupby(self.unit_id)["ha"].sum()).fillna(0.0).to_numpy()


def _meets(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Forest meeting the criteria (a lot whose status is unknown is not counted as forest)."""
    return gdf["meets_criteria"].astype("boolean").fillna(False).to_numpy(dtype=bool)


def _unknown(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Lots whose status is unknown (not a status code): neither forest nor lost."""
    return gdf["meets_criteria"].astype("boolean").isna().to_numpy()


def forest_change_status(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *,
                         unit_id: str, name_column: str | None = "name", overlay: LotOverlay | None = None,
                         pieces: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Loss, gain and net change of forest (meeting the criteria) per unit between two years.

    Forest-status layers are partitions (lots do not overlap), so the forest kept between the
    years is the sum of the overlay pieces that are forest in both years; loss = forest before −
    kept, gain = forest after − kept, per unit.

    Parameters
    ----------
    before, after : forest-status lots of the two years (``meets_criteria``, ``purpose``).
    units : communes or protected areas (same CRS), split exactly.
    overlay, pieces : the run's :class:`~gisplan.indicators.lots.LotOverlay` of the two years and
        its lots already cut by these units (``{"before": …, "after": …, "overlay": …}``); default:
        computed here.

    Returns
    -------
    DataFrame per unit: ``forest_before_ha``, ``forest_after_ha``, ``loss_ha``, ``gain_ha``,
    ``net_ha``, ``loss_special_use_ha``, ``loss_protection_ha`` (by the year-1 purpose) and
    ``status_unknown_ha`` (forest of one year where the other year's lot has no known status:
    counted neither as lost nor as gained). All layers in one CRS projected in metres
    (EPSG:9213), else CRSError naming the layer.
    """
    y = _Years(before, after, units, unit_id, name_column, "forest_change_status", overlay=overlay, pieces=pieces)
    out = y.out
    f0 = y.m0[y.p0["lot"].to_numpy()]
    f1 = y.m1[y.p1["lot"].to_numpy()]
    i0, i1 = y.pk["i0"].to_numpy(), y.pk["i1"].to_numpy()
    kept = y.m0[i0] & y.m1[i1]
    # forest of one year whose status the other year does not know: neither lost nor gained
    unknown0, unknown1 = y.m0[i0] & y.u1[i1], y.u0[i0] & y.m1[i1]
    out["forest_before_ha"] = y.area(y.p0, f0)
    out["forest_after_ha"] = y.area(y.p1, f1)
    kept_ha = y.area(y.pk, kept)
    out["loss_ha"] = np.maximum(out["forest_before_ha"] - kept_ha - y.area(y.pk, unknown0), 0.0)
    out["gain_ha"] = np.maximum(out["forest_after_ha"] - kept_ha - y.area(y.pk, unknown1), 0.0)
    out["net_ha"] = out["gain_ha"] - out["loss_ha"]
    purpose0 = y.col("before", "purpose")
    for purpose in ("special_use", "protection"):
        p_before = y.area(y.p0, f0 & (purpose0[y.p0["lot"].to_numpy()] == purpose))
        p_kept = y.area(y.pk, (kept | unknown0) & (purpose0[i0] == purpose))
        out[f"loss_{purpose}_ha"] = np.maximum(p_before - p_kept, 0.0)
    out["status_unknown_ha"] = y.area(y.pk, unknown0 | unknown1)
    return out


def forest_conversion(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *,
                      unit_id: str, buffer_zones: gpd.GeoDataFrame | None = None,
                      name_column: str | None = "name", overlay: LotOverlay | None = None,
                      pieces: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Forest loss between two forest-status years by origin and purpose, and natural forest
    converted to plantation, per unit (plan III.4.đ: "hạn chế tối đa chuyển mục đích sử dụng
    rừng tự nhiên").

    Loss is forest (meeting the criteria) in year 1 that is not forest in year 2, attributed to
    the year-1 lot's origin (natural / plantation) and purpose (special-use / protection /
    production / outside the three forest types); inside special-use forest means a year-1
    purpose of special use. With ``buffer_zones`` (polygons, e.g. the protected areas' buffer
    zones) the loss inside them is given too. Natural forest converted to plantation is land
    natural forest in year 1 and plantation forest in year 2.

    Parameters
    ----------
    before, after : forest-status lots (``origin``, ``purpose``, ``meets_criteria``),
        projected CRS (EPSG:9213).
    units : communes or protected areas (same CRS), split exactly.
    overlay, pieces : as :func:`forest_change_status`.

    Returns
    -------
    DataFrame per unit (ha): ``natural_before_ha``, ``loss_ha``, ``loss_natural_ha``,
    ``loss_plantation_ha``, ``loss_<origin>_<purpose>_ha`` for each origin and purpose,
    ``loss_in_special_use_ha``, ``natural_to_plantation_ha``, ``natural_loss_pct`` (natural
    forest lost or converted ÷ natural forest of year 1; NaN without natural forest) and, with
    ``buffer_zones``, ``loss_in_buffer_ha`` and ``loss_natural_in_buffer_ha``.
    """
    y = _Years(before, after, units, unit_id, name_column, "forest_conversion", overlay=overlay, pieces=pieces)
    out = y.out
    origin0, purpose0, origin1 = y.col("before", "origin"), y.col("before", "purpose"), y.col("after", "origin")

    def loss_by(p0, pk, mask0=None):
        """Forest of year 1 (where ``mask0`` on its lots) minus the part of it still forest."""
        l0, k0, k1 = p0["lot"].to_numpy(), pk["i0"].to_numpy(), pk["i1"].to_numpy()
        sel0 = y.m0[l0] if mask0 is None else y.m0[l0] & mask0[l0]
        # still forest, or of unknown status in year 2: not lost
        selk = y.m0[k0] & (y.m1[k1] | y.u1[k1])
        if mask0 is not None:
            selk &= mask0[k0]
        return np.maximum(y.area(p0, sel0) - y.area(pk, selk), 0.0)

    natural = origin0 == "natural"
    out["natural_before_ha"] = y.area(y.p0, y.m0[y.p0["lot"].to_numpy()] & natural[y.p0["lot"].to_numpy()])
    out["loss_ha"] = loss_by(y.p0, y.pk)
    for o in ORIGINS:
        out[f"loss_{o}_ha"] = loss_by(y.p0, y.pk, origin0 == o)
    for o in ORIGINS:
        for p in PURPOSES:
            out[f"loss_{o}_{p}_ha"] = loss_by(y.p0, y.pk, (origin0 == o) & (purpose0 == p))
    out["loss_in_special_use_ha"] = loss_by(y.p0, y.pk, purpose0 == "special_use")
    k0, k1 = y.pk["i0"].to_numpy(), y.pk["i1"].to_numpy()
    out["natural_to_plantation_ha"] = y.area(y.pk, y.m0[k0] & y.m1[k1] & natural[k0] & (origin1[k1] == "plantation"))
    nb = out["natural_before_ha"].where(out["natural_before_ha"] > 0)
    out["natural_loss_pct"] = (out["loss_natural_ha"] + out["natural_to_plantation_ha"]) / nb * 100
    if buffer_zones is not None:
        require_metres((buffer_zones, "buffer zones (forest_conversion)"), (before, "forest status (forest_conversion)"))
        zone = shapely.union_all(buffer_zones.geometry.to_numpy())
        inside = _units_within(y.units, zone)
        b0 = split_by_units(before, inside, unit_id=unit_id) if len(inside) else y.p0.iloc[:0]
        bk = y.overlay.by_units(inside, unit_id) if len(inside) else y.pk.iloc[:0]
        out["loss_in_buffer_ha"] = loss_by(b0, bk)
        out["loss_natural_in_buffer_ha"] = loss_by(b0, bk, natural)
    return out


def _units_within(units: gpd.GeoDataFrame, area: shapely.Geometry) -> gpd.GeoDataFrame:
    """The part of each unit inside ``area`` (units with nothing inside dropped)."""
    if area is None or area.is_empty:
        return units.iloc[:0]
    geoms = shapely.intersection(units.geometry.to_numpy(), area)
    keep = shapely.area(geoms) > 0
    return gpd.GeoDataFrame(units.drop(columns=units.geometry.name)[keep].reset_index(drop=True),
                            geometry=geoms[keep], crs=units.crs)


def status_transitions(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *,
                       unit_id: str, name_column: str | None = "name", overlay: LotOverlay | None = None,
                       pieces: Mapping[str, pd.DataFrame] | None = None, column: str = "status_code") -> pd.DataFrame:
    """The area of each status transition per unit between two forest-status years.

    Parameters
    ----------
    before, after : forest-status lots with ``column`` (the status code of an FRMS export; any
        class column, e.g. ``forest_type``, for gisplan's own field set).
    units : communes or protected areas, split exactly.
    overlay, pieces : as :func:`forest_change_status`.

    Returns
    -------
    DataFrame, one row per unit and transition with an area: ``unit_id``, name, ``before``
    and ``after`` (the status of each year; :data:`NOT_MAPPED` where a year maps no lot; a lot
    without a status is ``"?"``), ``area_ha``, and whether the land is forest in each year
    (``forest_before``, ``forest_after``; missing where the status is unknown) with its origin
    (``origin_before``, ``origin_after``).
    Unchanged land is included (before == after), so per unit the rows add up to the land either
    year maps.
    """
    y = _Years(before, after, units, unit_id, name_column, "status_transitions", overlay=overlay, pieces=pieces)
    c0 = pd.Series(y.col("before", column)).fillna("?").to_numpy()
    c1 = pd.Series(y.col("after", column)).fillna("?").to_numpy()
    o0, o1 = y.col("before", "origin"), y.col("after", "origin")
    k0, k1 = y.pk["i0"].to_numpy(), y.pk["i1"].to_numpy()
    f0 = pd.array(np.where(y.u0, None, y.m0), dtype="boolean")
    f1 = pd.array(np.where(y.u1, None, y.m1), dtype="boolean")
    both = pd.DataFrame({unit_id: y.pk[unit_id].to_numpy(), "before": c0[k0], "after": c1[k1],
                         "forest_before": f0[k0], "forest_after": f1[k1],
                         "origin_before": o0[k0], "origin_after": o1[k1], "area_ha": y.pk["ha"].to_numpy()})
    # the part of each lot (per unit) the other year does not map
    only0 = _remainder(y.p0, y.pk.rename(columns={"i0": "lot"}), unit_id)
    l0 = only0["lot"].to_numpy()
    gone = pd.DataFrame({unit_id: only0[unit_id].to_numpy(), "before": c0[l0], "after": NOT_MAPPED,
                         "forest_before": f0[l0], "forest_after": False, "origin_before": o0[l0],
                         "origin_after": None, "area_ha": only0["ha"].to_numpy()})
    only1 = _remainder(y.p1, y.pk.rename(columns={"i1": "lot"}), unit_id)
    l1 = only1["lot"].to_numpy()
    new = pd.DataFrame({unit_id: only1[unit_id].to_numpy(), "before": NOT_MAPPED, "after": c1[l1],
                        "forest_before": False, "forest_after": f1[l1], "origin_before": None,
                        "origin_after": o1[l1], "area_ha": only1["ha"].to_numpy()})
    rows = pd.concat([both, gone, new], ignore_index=True)
    keys = [unit_id, "before", "after", "forest_before", "forest_after", "origin_before", "origin_after"]
    t = rows.groupby(keys, dropna=False, sort=True)["area_ha"].sum().reset_index()
    if "name" in y.out:
        t.insert(1, "name", t[unit_id].map(dict(zip(y.out[unit_id], y.out["name"], strict=True))))
    order = {u: i for i, u in enumerate(y.ids)}
    t = t.sort_values([unit_id, "area_ha"], key=lambda s: s.map(order) if s.name == unit_id else -s,
                      kind="stable").reset_index(drop=True)
    return t


def _remainder(lot_pieces: pd.DataFrame, overlay_pieces: pd.DataFrame, unit_id: str) -> pd.DataFrame:
    """Per lot and unit: the lot's area minus its overlay pieces there (what the other year does
    not map); rows above rounding only."""
    total = lot_pieces.groupby(["lot", unit_id])["ha"].sum()
    covered = overlay_pieces.groupby(["lot", unit_id])["ha"].sum()
    rest = total.sub(covered, fill_value=0.0)
    rest = rest[rest > _REMAINDER_HA]
    return rest.rename("ha").reset_index()


def transition_matrix(transitions: pd.DataFrame) -> pd.DataFrame:
    """The transitions of :func:`status_transitions` summed over the units as a matrix: one row
    per status of the first year, one column per status of the second (ha), with row and column
    totals (``"Tổng"``). Statuses in the order of the status-code table where they are codes."""
    order = {c: i for i, c in enumerate(status_codes().codes)}

    def key(values):
        return sorted(values, key=lambda c: (c == NOT_MAPPED, c == "?", order.get(c, 999), str(c)))

    m = transitions.pivot_table(index="before", columns="after", values="area_ha", aggfunc="sum", fill_value=0.0)
    m = m.reindex(index=key(m.index), columns=key(m.columns), fill_value=0.0)
    m["Tổng"] = m.sum(axis=1)
    m.loc["Tổng"] = m.sum(axis=0)
    m.index.name, m.columns.name = "before", "after"
    return m


def change_by_origin(transitions: pd.DataFrame, unit_id: str) -> pd.DataFrame:
    """Per unit from :func:`status_transitions`: forest gained and lost by origin (``gain_natural_ha``,
    ``gain_plantation_ha``, ``loss_natural_ha``, ``loss_plantation_ha``), natural forest converted
    to plantation (``natural_to_plantation_ha``), the area whose status changed (``changed_ha``)
    and the area whose status is unknown in either year (``status_unknown_ha``), not counted as a
    gain or a loss."""
    t = transitions
    keys = [unit_id] + (["name"] if "name" in t else [])
    units = t[keys].drop_duplicates(unit_id).reset_index(drop=True)

    def per_unit(mask):
        return units[unit_id].map(t[mask].groupby(unit_id)["area_ha"].sum()).fillna(0.0).to_numpy()

    out = units.copy()
    # a status unknown in either year is neither a gain nor a loss
    fb, fa = t["forest_before"].astype("boolean"), t["forest_after"].astype("boolean")
    known = fb.notna() & fa.notna()
    fb, fa = fb.fillna(False) & known, fa.fillna(False) & known
    for o in ORIGINS:
        out[f"gain_{o}_ha"] = per_unit(known & ~fb & fa & t["origin_after"].eq(o))
        out[f"loss_{o}_ha"] = per_unit(known & fb & ~fa & t["origin_before"].eq(o))
    out["natural_to_plantation_ha"] = per_unit(fb & fa & t["origin_before"].eq("natural")
                                               & t["origin_after"].eq("plantation"))
    out["changed_ha"] = per_unit(t["before"] != t["after"])
    out["status_unknown_ha"] = per_unit(~known)
    return out
