"""Geometry checks of a layer: missing, empty and non-finite geometries, invalid ones repaired
with ``shapely.make_valid`` (keeping the layer's geometry family), wrong or mixed geometry types,
and polygons overlapping each other (areas in m², EPSG:9213 for geographic data).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisplan._threads import chunked, is_valid
from gisplan.catalog import LayerType
from gisplan.crs import TARGET_CRS
from gisplan.io.report import ValidationReport, report_rows
from gisplan.io.shared_edges import unmatched_edges

_FAMILY = {
    "Point": "point", "MultiPoint": "point",
    "LineString": "line", "MultiLineString": "line", "LinearRing": "line",
    "Polygon": "polygon", "MultiPolygon": "polygon",
}


def nonfinite_rows(geoms) -> np.ndarray:
    """Boolean mask of the geometries with a NaN or infinite coordinate (missing ones: False)."""
    arr = np.asarray(geoms, dtype=object)
    bad = np.zeros(len(arr), dtype=bool)
    if not len(arr):
        return bad
    coords, index = shapely.get_coordinates(arr, include_z=True, return_index=True)
    if len(coords):
        # x and y must be finite; z may be NaN (2-D geometries report z as NaN) but not infinite
        ok = np.isfinite(coords[:, 0]) & np.isfinite(coords[:, 1]) & ~np.isinf(coords[:, 2])
        bad[np.unique(index[~ok])] = True
    return bad


def check_geometry(gdf: gpd.GeoDataFrame, layer_type: LayerType, ids, report) -> gpd.GeoDataFrame:
    geom = gdf.geometry.values
    arr = np.asarray(geom, dtype=object)
    missing = shapely.is_missing(arr) | shapely.is_empty(arr)
    if layer_type.geometry_optional and missing.all():
        return gdf
    report_rows(report, "error", "empty_geometry", missing, ids, "geometry",
                 lambda p: "geometry is empty or missing (null)")
    # a NaN or infinite x/y makes a geometry invalid in GEOS, so only invalid geometries (and those
    # with a z, which validity does not look at) need their coordinates read
    valid = np.zeros(len(arr), dtype=bool)
    valid[~missing] = chunked(is_valid, arr[~missing])
    suspect = ~missing & (~valid | shapely.has_z(arr))
    nonfinite = np.zeros(len(arr), dtype=bool)
    if suspect.any():
        nonfinite[suspect] = nonfinite_rows(arr[suspect])
    if nonfinite.any():
        report_rows(report, "error", "nonfinite_coordinates", nonfinite, ids, "geometry",
                     lambda p: "coordinates are not finite numbers (NaN or infinite); the geometry is "
                               "left out (empty) in what is returned: fix the coordinates in the source")
        arr = arr.copy()
        arr[nonfinite] = None
        missing = missing | nonfinite
    families = {_FAMILY[g] for g in layer_type.geometry}
    invalid = ~missing & ~valid
    if invalid.any():
        reasons = shapely.is_valid_reason(arr[invalid])
        fixed = shapely.make_valid(arr[invalid])
        # keep the family the feature had (a polygon stays polygonal even in a layer of any type)
        own = [_FAMILY.get(g.geom_type) for g in arr[invalid]]
        fixed = np.array([_keep_family(g, {f} if f in families else families)
                          for g, f in zip(fixed, own, strict=True)], dtype=object)
        reason_of = dict(zip(np.flatnonzero(invalid), reasons, strict=True))
        report_rows(report, "warning", "geometry_repaired", invalid, ids, "geometry",
                     lambda p: f"invalid geometry ({reason_of[p]}) repaired with make_valid")
        arr = arr.copy()
        arr[invalid] = fixed
        gone = np.zeros(len(arr), dtype=bool)
        gone[np.flatnonzero(invalid)] = shapely.is_empty(fixed)
        report_rows(report, "error", "empty_geometry", gone, ids, "geometry",
                     lambda p: "geometry is empty after repair")
    types = shapely.get_type_id(arr)
    # shapely type ids: 0 Point, 1 LineString, 2 LinearRing, 3 Polygon, 4 MultiPoint,
    # 5 MultiLineString, 6 MultiPolygon, 7 GeometryCollection
    names = ["point", "line", "polygon", "other"]
    fam = np.array([0, 1, 1, 2, 0, 1, 2, 3])  # the position of each type's family in names
    fam_of = np.where((types >= 0) & (types <= 7), fam[np.clip(types, 0, 7)], 3)
    wrong = ~missing & ~np.isin(fam_of, [names.index(f) for f in families])
    report_rows(report, "error", "wrong_geometry_type", wrong, ids, "geometry",
                 lambda p: f"{arr[p].geom_type} where "
                           f"{'/'.join(layer_type.geometry)} is expected")
    present_fams = {names[k] for k in np.unique(fam_of[~missing])}
    if len(present_fams) > 1 and not present_fams <= families:
        report.add("warning", "mixed_geometry",
                   f"mixed geometry types in one layer: {', '.join(sorted(present_fams))}", column="geometry")
    out = gdf.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    out[gdf.geometry.name] = gpd.GeoSeries(arr, index=gdf.index, crs=gdf.crs)
    return out


def check_overlaps(gdf: gpd.GeoDataFrame, ids: pd.Series, report: ValidationReport, tol_m2: float,
                    severity: str = "error", *, screen: EdgeScreen | None = None) -> None:
    """Report pairs of polygons whose interiors overlap by more than ``tol_m2`` m².

    The polygons (valid: :func:`check_geometry` repairs them first) are screened by their shared
    edges (:func:`gisplan.io.shared_edges.unmatched_edges`): only those with an edge their
    neighbours do not repeat — the layer's outer boundary and where lots do not tile cleanly —
    are tested against the polygons they touch (DE-9IM ``T********``: the interiors intersect).
    Every overlapping area has such a polygon overlapping a neighbour on its boundary; from the
    overlapping polygons found, the polygons they touch are tested in turn, until no new one
    overlaps, so that overlaps inside a region bounded by flagged edges are found too. The
    intersection areas of the pairs are measured in m² (:func:`_areas_m2`).
    """
    idx, geoms = _polygons(gdf.geometry.values)
    if len(idx) < 2:
        return
    todo = screen.flagged(geoms) if screen is not None else None
    if todo is None:
        todo = unmatched_edges(geoms)
    if not len(todo):
        return
    tree = shapely.STRtree(geoms)
    seen = np.zeros(len(geoms), dtype=bool)
    found_a, found_b = [], []
    while len(todo):
        seen[todo] = True
        src, dst = tree.query(geoms[todo], predicate="intersects")
        a = todo[src]
        keep = a != dst
        a, dst = a[keep], dst[keep]
        inner = chunked(lambda x, y: shapely.relate_pattern(x, y, "T********"), geoms[a], geoms[dst])
        found_a.append(a[inner])
        found_b.append(dst[inner])
        # the polygons touching one found overlapping, not tested yet
        near = np.unique(dst[np.isin(a, a[inner])])
        todo = near[~seen[near]]
    a, b = np.concatenate(found_a), np.concatenate(found_b)
    if not len(a):
        return
    a, b = np.unique(np.stack([np.minimum(a, b), np.maximum(a, b)]), axis=1)
    area = _areas_m2(chunked(shapely.intersection, geoms[a], geoms[b]), gdf.crs)
    big = area > tol_m2
    for i, j, m2 in zip(idx[a[big]], idx[b[big]], area[big], strict=True):
        report.add(severity, "overlap",
                   f"overlaps {ids.iloc[j]} by {m2:,.1f} m² ({m2 / 1e4:.4f} ha): the area is counted twice",
                   column="geometry", row=ids.iloc[i])


def _polygons(geoms) -> tuple[np.ndarray, np.ndarray]:
    """Positions and geometries of the non-empty polygons and multipolygons."""
    arr = np.asarray(geoms, dtype=object)
    idx = np.flatnonzero(np.isin(shapely.get_type_id(arr), (3, 6)) & ~shapely.is_empty(arr))
    return idx, arr[idx]


class EdgeScreen:
    """The overlap check's screen (:func:`gisplan.io.shared_edges.unmatched_edges`) of a layer's
    polygons, started in a thread as soon as the layer is read, while its attributes are decoded
    and checked (Python work that holds one core; the screen is NumPy and GEOS work on the
    other). :meth:`flagged` gives it for the geometries the check gets, if they are the same
    objects: a geometry repaired or left out since makes the check screen again. The thread runs
    NumPy and shapely calls only (no ``warnings.catch_warnings``: see :mod:`gisplan._threads`)."""

    def __init__(self, geoms):
        _, self._geoms = _polygons(geoms)
        pool = ThreadPoolExecutor(1)
        self._future = pool.submit(unmatched_edges, self._geoms)
        pool.shutdown(wait=False)

    def flagged(self, geoms: np.ndarray) -> np.ndarray | None:
        """The flagged positions in ``geoms`` (the check's polygons), or None when they are not
        the geometries screened or the screen failed (the check then screens them itself)."""
        same = len(geoms) == len(self._geoms) and all(a is b for a, b in zip(geoms, self._geoms, strict=True))
        try:
            return self._future.result() if same else None
        except Exception:  # noqa: BLE001 - the check screens again and raises there if it must
            return None
        finally:
            self._geoms = None


def _areas_m2(geoms: np.ndarray, crs) -> np.ndarray:
    """Areas in m²: in ``crs`` when projected (units converted to metres), else in EPSG:9213."""
    if crs is None:
        return shapely.area(geoms)
    if crs.is_projected:
        return shapely.area(geoms) * crs.axis_info[0].unit_conversion_factor ** 2
    from pyproj import Transformer

    t = Transformer.from_crs(crs, TARGET_CRS, always_xy=True)
    return shapely.area(shapely.transform(geoms, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1]))))


def _keep_family(geom, families: set[str]):
    """Keep only the parts of a repaired geometry that belong to the layer's family."""
    if _FAMILY.get(geom.geom_type) in families:
        return geom
    parts = [p for p in shapely.get_parts(geom) if _FAMILY.get(p.geom_type) in families]
    if not parts:
        return shapely.from_wkt("POLYGON EMPTY") if "polygon" in families else shapely.from_wkt("POINT EMPTY")
    singles = [q for p in parts for q in shapely.get_parts(p)]
    for fam, make in (("polygon", shapely.multipolygons), ("line", shapely.multilinestrings),
                      ("point", shapely.multipoints)):
        if fam in families:
            same = [q for q in singles if _FAMILY.get(q.geom_type) == fam]
            if same:
                return same[0] if len(same) == 1 else make(same)
    return shapely.from_wkt("POLYGON EMPTY")  # pragma: no cover - parts is not empty
