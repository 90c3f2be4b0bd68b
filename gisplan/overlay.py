"""Exact overlay of many features with few units (parcels × communes) using an STRtree.

``geopandas.overlay`` intersects every candidate pair through a general-purpose overlay; most
parcels lie wholly inside one unit, so here only the pairs where the parcel is not covered by
the unit are intersected, and the covered ones keep their geometry. The pieces of each parcel
add up to the parcel (units that tile the area) — area is conserved.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from gisplan.crs import require_projected
from gisplan.errors import CRSError, SchemaError


def clip_by_units(features: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *, unit_id: str,
                  unit_columns: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    """Split ``features`` (polygons or lines) by ``units`` exactly.

    Parameters
    ----------
    features : polygons (parcels) or lines (river sections), in a projected CRS.
    units : polygons (communes, protected areas) in the same CRS.
    unit_id : the units' id column, added to every piece.
    unit_columns : more unit columns to copy onto the pieces.

    Returns
    -------
    GeoDataFrame of pieces: the features' columns, ``unit_id`` (+ ``unit_columns``),
    ``feature_index`` (the feature's index label) and the piece geometry. Pieces of zero area
    (or length) — features that only touch a unit — are dropped.

    Raises
    ------
    CRSError when the CRSs differ or are geographic; SchemaError when ``unit_id`` is missing.
    """
    require_projected(features.crs, "features")
    if units.crs is None or not units.crs.equals(features.crs):
        raise CRSError(f"features ({features.crs}) and units ({units.crs}) must share one CRS; reproject first")
    if unit_id not in units.columns:
        raise SchemaError(f"units have no column {unit_id!r}")
    fg = features.geometry.to_numpy()
    ug = units.geometry.to_numpy()
    # the few (complex) units are prepared once and tested against the many features
    shapely.prepare(ug)
    ui, fi = shapely.STRtree(fg).query(ug, predicate="intersects")
    order = np.lexsort((ui, fi))
    fi, ui = fi[order], ui[order]
    covered = shapely.covers(ug[ui], fg[fi])
    pieces = fg[fi].copy()
    todo = np.flatnonzero(~covered)
    if len(todo):
        # cut the unit to the feature's bounding box first: the intersection then works on a
        # few unit vertices instead of the whole (surveyed, detailed) boundary
        # (clip_by_rect takes scalar bounds, hence the loop over the crossing pairs only)
        b = shapely.bounds(fg[fi[todo]]) + np.array([-1.0, -1.0, 1.0, 1.0])  # 1 m margin (lines)
        local = np.array([shapely.clip_by_rect(g, *bb) for g, bb in zip(ug[ui[todo]], b, strict=True)], dtype=object)
        bad = ~shapely.is_valid(local)
        if bad.any():  # clip_by_rect may return invalid output on rare inputs
            local[bad] = shapely.make_valid(local[bad])
        pieces[todo] = shapely.intersection(fg[fi[todo]], local)
    line = np.isin(shapely.get_type_id(fg[fi]), (1, 5))
    size = np.where(line, shapely.length(pieces), shapely.area(pieces))
    keep = size > 0
    fi, ui, pieces = fi[keep], ui[keep], pieces[keep]
    pieces = _keep_dimension(pieces, line[keep])
    out = features.iloc[fi].drop(columns=features.geometry.name).reset_index(names="feature_index")
    for col in (unit_id, *unit_columns):
        out[col] = units[col].to_numpy()[ui]
    return gpd.GeoDataFrame(out, geometry=pieces, crs=features.crs)


def _keep_dimension(pieces: np.ndarray, is_line: np.ndarray) -> np.ndarray:
    """Drop stray points/lines that an intersection can produce in a GeometryCollection."""
    mixed = shapely.get_type_id(pieces) == 7
    if not mixed.any():
        return pieces
    out = pieces.copy()
    for i in np.flatnonzero(mixed):
        parts = shapely.get_parts(pieces[i])
        want = (1, 5) if is_line[i] else (3, 6)
        parts = parts[np.isin(shapely.get_type_id(parts), want)]
        out[i] = shapely.union_all(parts)
    return out
