"""Forest-status lots split by units and overlaid between two years — computed once per run and
shared by every table that needs them (forest cover, carbon, change, conversion, transitions).

:func:`split_by_units` cuts the lots of one year by a set of units (2025 communes, protected
areas, the province) exactly (:func:`gisplan.overlay.clip_by_units`): one row per piece with the
lot's position, the unit and the area. :func:`overlay_years` intersects the lots of two years
once: one piece wherever a lot of the first year meets a lot of the second, so the forest kept,
lost and gained and every status transition are sums over pieces. Areas in ha, in the lots'
projected CRS (EPSG:9213).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisplan.indicators.metres import require_metres
from gisplan.overlay import clip_by_units

#: A lot counts as split by a unit boundary when at least two of its pieces reach this area
#: (ha): the precision to which forest-status areas are recorded (0.01 ha = 100 m²); smaller
#: pieces are digitising slivers along a boundary.
SPLIT_MIN_HA = 0.01
#: Overlay pieces under this area (m²) are contacts between neighbouring lots, not land.
MIN_PIECE_M2 = 0.01


def split_by_units(lots: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *, unit_id: str) -> pd.DataFrame:
    """The lots cut exactly by the units.

    Returns
    -------
    DataFrame, one row per piece: ``lot`` (the lot's 0-based position in ``lots``), ``unit_id``
    and ``ha`` (the piece's area). Parts of lots outside every unit have no row; the pieces of a
    lot inside units that tile it add up to the lot.
    """
    if lots.empty:
        return pd.DataFrame({"lot": pd.Series(dtype=np.int64), unit_id: pd.Series(dtype=object),
                             "ha": pd.Series(dtype=float)})
    frame = gpd.GeoDataFrame({"lot": np.arange(len(lots))}, geometry=lots.geometry.to_numpy(), crs=lots.crs)
    if "parcel_id" in lots.columns:  # named in the errors of a geometry GEOS refuses
        frame["parcel_id"] = lots["parcel_id"].to_numpy()
    pieces = clip_by_units(frame, units.reset_index(drop=True), unit_id=unit_id)
    return pd.DataFrame({"lot": pieces["lot"].to_numpy(), unit_id: pieces[unit_id].array,
                         "ha": shapely.area(pieces.geometry.to_numpy()) / 1e4})


def lots_split(pieces: pd.DataFrame, unit_id: str, *, min_ha: float = SPLIT_MIN_HA) -> tuple[int, float]:
    """(number of lots, their area in ha) that a unit boundary splits: lots with pieces of at
    least ``min_ha`` in two or more units (e.g. lots keyed to a pre-2025 commune that lie across
    a 2025 commune boundary)."""
    big = pieces[pieces["ha"] >= min_ha]
    units_per_lot = big.groupby("lot")[unit_id].nunique()
    split = units_per_lot.index[units_per_lot > 1]
    return int(len(split)), float(pieces.loc[pieces["lot"].isin(split), "ha"].sum())


@dataclass
class LotOverlay:
    """The lots of two years overlaid: ``i0`` / ``i1`` are the positions of the first- and
    second-year lots whose intersection is piece ``geometry`` (zero-area contacts dropped).
    Where one year maps land the other does not, there is no piece: that land is the lot's
    area minus its pieces."""

    before: gpd.GeoDataFrame
    after: gpd.GeoDataFrame
    i0: np.ndarray
    i1: np.ndarray
    geometry: np.ndarray
    _by_units: dict = field(default_factory=dict, repr=False)

    @property
    def ha(self) -> np.ndarray:
        return shapely.area(self.geometry) / 1e4

    def by_units(self, units: gpd.GeoDataFrame, unit_id: str, key=None) -> pd.DataFrame:
        """The pieces cut by the units: ``i0``, ``i1``, ``unit_id``, ``ha`` (kept per ``key``, e.g.
        ``"communes"``, so each unit set is cut once)."""
        if key is not None and key in self._by_units:
            return self._by_units[key]
        if not len(self.geometry):
            out = pd.DataFrame({"i0": pd.Series(dtype=np.int64), "i1": pd.Series(dtype=np.int64),
                                unit_id: pd.Series(dtype=object), "ha": pd.Series(dtype=float)})
        else:
            frame = gpd.GeoDataFrame({"i0": self.i0, "i1": self.i1}, geometry=self.geometry, crs=self.before.crs)
            pieces = clip_by_units(frame, units.reset_index(drop=True), unit_id=unit_id)
            out = pd.DataFrame({"i0": pieces["i0"].to_numpy(), "i1": pieces["i1"].to_numpy(),
                                unit_id: pieces[unit_id].array,
                                "ha": shapely.area(pieces.geometry.to_numpy()) / 1e4})
        if key is not None:
            self._by_units[key] = out
        return out


def overlay_years(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> LotOverlay:
    """Intersect the lots of two forest-status years once (an STRtree over the second year;
    lots whose geometry is unchanged keep it without an intersection).

    Both layers in one CRS projected in metres (EPSG:9213), else CRSError naming the layer.
    Forest-status layers are partitions (lots do not overlap), so the pieces of a first-year lot
    add up to the part of it that the second year maps.
    """
    require_metres((before, "forest status (first year)"), (after, "forest status (second year)"))
    g0, g1 = before.geometry.to_numpy(), after.geometry.to_numpy()
    if not len(g0) or not len(g1):
        empty = np.array([], dtype=np.int64)
        return LotOverlay(before, after, empty, empty, np.array([], dtype=object))
    # most lots keep their geometry from one year to the next: identical geometries pair up by
    # their bytes, and (the lots of a year not overlapping) meet no other lot of the other year
    s0, s1 = _same_geometry(g0, g1)
    rest0 = np.setdiff1d(np.arange(len(g0)), s0)
    rest1 = np.setdiff1d(np.arange(len(g1)), s1)
    i0, i1, pieces = s0, s1, g0[s0]
    if len(rest0) and len(rest1):
        r1 = g1[rest1]
        shapely.prepare(r1)
        a, b = shapely.STRtree(r1).query(g0[rest0], predicate="intersects")
        a, b = rest0[a], rest1[b]
        touching = shapely.touches(g0[a], g1[b])  # a shared edge is no land
        a, b = a[~touching], b[~touching]
        more = g0[a].copy()
        same = shapely.covered_by(g0[a], g1[b])
        within = ~same & shapely.covered_by(g1[b], g0[a])
        more[within] = g1[b[within]]
        cut = ~same & ~within
        if cut.any():
            more[cut] = shapely.intersection(g0[a[cut]], g1[b[cut]])
        i0, i1 = np.concatenate([i0, a]), np.concatenate([i1, b])
        pieces = np.concatenate([pieces, more])
    keep = shapely.area(pieces) > MIN_PIECE_M2  # contacts and floating-point slivers between neighbours
    pieces = pieces[keep]
    polygonal = np.isin(shapely.get_type_id(pieces), (3, 6))
    if not polygonal.all():  # collections of a polygon and a touching line: keep the polygon part
        pieces[~polygonal] = [shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type in
                                                 ("Polygon", "MultiPolygon")]) for g in pieces[~polygonal]]
    return LotOverlay(before, after, i0[keep], i1[keep], pieces)


def _same_geometry(g0: np.ndarray, g1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in ``g0``, in ``g1``) of the geometries that are byte-for-byte the same in both
    arrays, each paired once."""
    k0 = pd.Series(shapely.to_wkb(g0, hex=False))
    k1 = pd.Series(shapely.to_wkb(g1, hex=False))
    first1 = pd.Series(np.arange(len(k1)), index=k1)
    first1 = first1[~first1.index.duplicated()]
    dup0 = k0.duplicated(keep="first").to_numpy()
    j = pd.Series(k0).map(first1).to_numpy()
    hit = ~np.isnan(j.astype(float)) & ~dup0
    return np.flatnonzero(hit), j[hit].astype(np.int64)
