"""Exact overlay of many features with few units (parcels × communes) using an STRtree, and the
units the indicators measure in that are made of several features (:func:`union_by`,
:func:`protected_area_units`).

``geopandas.overlay`` intersects every candidate pair through a general-purpose overlay; most
parcels lie wholly inside one unit, so here only the pairs where the parcel is not covered by
the unit are intersected, and the covered ones keep their geometry. The pieces of each parcel
add up to the parcel (units that tile the area) — area is conserved.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from gisplan._threads import chunked, is_valid
from gisplan.crs import require_projected
from gisplan.errors import CRSError, SchemaError

#: Features cut at a time by :func:`clip_by_units` (the candidate pairs and their tests are
#: held for one batch).
CLIP_BATCH = 250_000
#: Pairs from which the intersections of a batch run on every core (each takes tens of µs).
PAIRS_MIN_CHUNK = 2_000


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
    CRSError when the CRSs differ or are not projected in metres; SchemaError when ``unit_id``
    is missing, or when a feature cannot be intersected even after ``make_valid`` (naming its
    ``parcel_id``/``section_id``/``feature_id``, else its index label). GEOS errors never escape.
    """
    require_projected(features.crs, "features")
    if units.crs is None or not units.crs.equals(features.crs):
        raise CRSError(f"features ({features.crs}) and units ({units.crs}) must share one CRS; reproject first")
    if unit_id not in units.columns:
        raise SchemaError(f"units have no column {unit_id!r}")
    require_projected(units.crs, "units")
    fg = features.geometry.to_numpy()
    ug = units.geometry.to_numpy()
    shapely.prepare(ug)
    tree = shapely.STRtree(ug)  # the small tree: a tree of the features takes memory
    id_col = next((c for c in ("parcel_id", "section_id", "feature_id", "id") if c in features.columns), None)
    fids = (features[id_col] if id_col else features.index).to_numpy()
    uids = units[unit_id].to_numpy()
    cut = [_cut(fg[s:s + CLIP_BATCH], s, ug, tree, fids, uids) for s in range(0, max(len(fg), 1), CLIP_BATCH)]
    fi, ui, pieces, line = (np.concatenate(part) for part in zip(*cut, strict=True))
    del cut
    pieces = _keep_dimension(pieces, line)
    out = features.drop(columns=features.geometry.name).iloc[fi].reset_index(names="feature_index")
    for col in (unit_id, *unit_columns):
        out[col] = units[col].array.take(ui)  # the column's own type: no text converted per piece
    return gpd.GeoDataFrame(out, geometry=pieces, crs=features.crs)


def _cut(fg: np.ndarray, offset: int, ug: np.ndarray, tree: shapely.STRtree, fids: np.ndarray,
         uids: np.ndarray) -> tuple[np.ndarray, ...]:
    """One batch of :func:`clip_by_units`: the features ``fg`` (from position ``offset``) cut by
    the (prepared) units ``ug`` in ``tree``. Returns the feature and unit positions of each
    piece of non-zero size, by feature then unit, the pieces and whether each is a line.

    The units are tested against the features whose boxes meet theirs, on every core: a
    prepared unit is tested in one thread only, so the pairs go unit by unit (sorted by unit);
    a feature the unit covers keeps its geometry, one it does not cover is tested for contact
    (most of those only share the unit's box) and, when they meet, intersected."""
    fi, ui = tree.query(fg)
    by_unit = np.argsort(ui, kind="stable")
    ui, fi = ui[by_unit], fi[by_unit]
    del by_unit
    covered = chunked(shapely.covers, ug[ui], fg[fi], together=ui)
    rest = np.flatnonzero(~covered)
    meets = covered.copy()
    meets[rest] = chunked(shapely.intersects, ug[ui[rest]], fg[fi[rest]], together=ui[rest])
    fi, ui, covered = fi[meets], ui[meets], covered[meets]
    order = np.lexsort((ui, fi))
    fi, ui, covered = fi[order], ui[order], covered[order]
    pieces = fg[fi]
    todo = np.flatnonzero(~covered)
    if len(todo):
        pieces[todo] = _intersect_pairs(fg[fi[todo]], ug[ui[todo]], fids[offset + fi[todo]], uids[ui[todo]])
    line = np.isin(shapely.get_type_id(fg[fi]), (1, 5))
    keep = np.where(line, shapely.length(pieces), shapely.area(pieces)) > 0
    return offset + fi[keep], ui[keep], pieces[keep], line[keep]


def _intersect_pairs(fg: np.ndarray, ug: np.ndarray, feature_ids: np.ndarray, unit_ids: np.ndarray) -> np.ndarray:
    """Exact intersections of features with the units they cross.

    Each unit is first cut to the feature's bounding box (``clip_by_rect``), so the intersection
    works on a few unit vertices instead of the whole surveyed boundary. ``clip_by_rect`` is not
    robust (it can return invalid rings, or raise "Invalid number of points in LinearRing"), so
    a cut that fails or is invalid is replaced by the whole unit; an intersection GEOS refuses is
    retried on the ``make_valid`` geometries, and a pair that still fails raises
    :class:`SchemaError` naming the feature and the unit.
    """
    b = shapely.bounds(fg) + np.array([-1.0, -1.0, 1.0, 1.0])  # 1 m margin (lines)
    local = np.empty(len(fg), dtype=object)
    for k, (g, bb) in enumerate(zip(ug, b, strict=True)):  # clip_by_rect takes scalar bounds
        try:
            local[k] = shapely.clip_by_rect(g, *bb)
        except shapely.errors.GEOSException:
            local[k] = g
    bad = ~chunked(is_valid, local, min_chunk=PAIRS_MIN_CHUNK)
    local[bad] = ug[bad]
    try:
        return chunked(shapely.intersection, fg, local, min_chunk=PAIRS_MIN_CHUNK)
    except shapely.errors.GEOSException:
        pass
    out = np.empty(len(fg), dtype=object)
    for k in range(len(fg)):
        try:
            out[k] = shapely.intersection(fg[k], local[k])
            continue
        except shapely.errors.GEOSException:
            pass
        try:
            out[k] = shapely.intersection(fg[k], ug[k])
        except shapely.errors.GEOSException:
            try:
                out[k] = shapely.intersection(shapely.make_valid(fg[k]), shapely.make_valid(ug[k]))
            except shapely.errors.GEOSException as exc:
                raise SchemaError(
                    f"feature {feature_ids[k]!r} cannot be intersected with unit {unit_ids[k]!r} "
                    f"({exc}); repair its geometry (gisplan layers validate) and run again") from exc
    return out


def require_unique_ids(units, unit_id: str, what: str = "units") -> None:
    """Raise :class:`SchemaError` naming the duplicated values of ``unit_id`` (a unit stored as
    two features would be counted twice: 200 % forest cover in one part, a share of the other)."""
    if unit_id not in units.columns:
        raise SchemaError(f"{what} have no column {unit_id!r}")
    ids = units[unit_id]
    dup = ids[ids.duplicated(keep=False) & ids.notna()].unique()
    if len(dup):
        shown = ", ".join(repr(v) for v in sorted(map(str, dup))[:10])
        more = f" and {len(dup) - 10} more" if len(dup) > 10 else ""
        raise SchemaError(
            f"{what}: {unit_id} is not unique: {shown}{more} appear(s) more than once; merge the "
            f"features of each unit into one (dissolve by {unit_id}) or fix the codes")


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
