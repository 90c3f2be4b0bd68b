"""The CRS of a layer on read: the file's, else the one declared, else recognised from the
coordinates (:func:`gisplan.crs.guess_crs`, with an :class:`~gisplan.errors.AssumedCRSWarning`);
MapInfo and Shapefile projections that lost their VN-2000 datum, and GeoJSON whose coordinates
are not degrees; then the reprojection to the target CRS with non-finite results reported.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from gisplan.catalog import LayerType
from gisplan.crs import guess_crs, recognise_vn2000, to_crs
from gisplan.errors import AssumedCRSWarning, CRSError
from gisplan.io.geometry_checks import nonfinite_rows
from gisplan.io.report import ValidationReport, row_ids

log = logging.getLogger(__name__)

#: How a user declares the CRS of a layer, for messages.
DECLARE_CRS = '--assume-crs EPSG:… (CLI), crs = "EPSG:…" in the catalog entry, assume_crs=… (Python)'

_MAPINFO_SUFFIXES = {".tab", ".mif"}
#: formats whose projection may carry a VN-2000 projection on a WGS 84 datum (MapInfo cannot
#: record VN-2000; Shapefile .prj files are often written with WGS 84 for VN-2000 data)
_LOST_DATUM_SUFFIXES = _MAPINFO_SUFFIXES | {".shp", ".dbf"}
_GEOJSON_SUFFIXES = {".geojson", ".json"}


def resolve_crs(df: pd.DataFrame, path: Path, assume_crs) -> tuple[pd.DataFrame, str | None, bool]:
    """Give ``df`` its CRS: (frame, note for the metadata, whether the CRS was assumed by
    gisplan rather than taken from the file or declared)."""
    if not isinstance(df, gpd.GeoDataFrame):
        return df, None, False
    # the extent of the geometries with finite bounds (empty, missing and non-finite ones left out)
    b = shapely.bounds(np.asarray(df.geometry.values, dtype=object))
    ok = np.isfinite(b).all(axis=1)
    bounds = (float(b[ok, 0].min()), float(b[ok, 1].min()), float(b[ok, 2].max()), float(b[ok, 3].max())) \
        if ok.any() else None
    not_degrees = None
    if (df.crs is not None and df.crs.is_geographic and path.suffix.lower() in _GEOJSON_SUFFIXES
            and bounds is not None and not _degrees(bounds)):
        # RFC 7946: GeoJSON is WGS 84 degrees, so GDAL labels every GeoJSON EPSG:4326; these
        # coordinates are not degrees: the file was written in a projected CRS without saying so
        not_degrees = (f"{path} is GeoJSON, which RFC 7946 defines as WGS 84 degrees, but its "
                       f"coordinates (bounds {tuple(round(b, 3) for b in bounds)}) are not degrees "
                       f"(|x| > 180 or |y| > 90): it is read as data without a CRS")
        df = df.set_crs(None, allow_override=True)
    if df.crs is not None:
        if path.suffix.lower() in _LOST_DATUM_SUFFIXES and bounds is not None:
            vn = recognise_vn2000(df.crs, bounds, utm=path.suffix.lower() in _MAPINFO_SUFFIXES)
            if vn is not None and assume_crs is not None:
                crs = to_crs(assume_crs)
                return (df.set_crs(crs, allow_override=True),
                        f"declared {crs.name} (EPSG:{crs.to_epsg()}) for a file whose projection "
                        f"lacks the VN-2000 datum", False)
            if vn is not None:
                code = vn.crs.to_epsg()
                note = f"assumed {vn.crs.name}{f' (EPSG:{code})' if code else ''}: {vn.reason}"
                warnings.warn(f"{path}: {note}. If the file really is on WGS 84, declare it: "
                              f"assume_crs=… (Python), crs = \"EPSG:…\" in the catalog entry, "
                              f"--assume-crs (CLI).", AssumedCRSWarning, stacklevel=5)
                return df.set_crs(vn.crs, allow_override=True), note, True
        if assume_crs is not None and not df.crs.equals(to_crs(assume_crs)):
            log.info("%s has CRS %s; the declared %s is ignored", path, df.crs.name, assume_crs)
        return df, None, False
    if assume_crs is not None:
        crs = to_crs(assume_crs)
        return df.set_crs(crs), f"declared {crs.name} (EPSG:{crs.to_epsg()}) for data without a CRS", False
    guess = guess_crs(bounds) if bounds is not None else None
    if guess is None:
        shown = tuple(round(b, 3) for b in bounds) if bounds is not None else "empty"
        what = (f"{not_degrees}, and its coordinates do not fit " if not_degrees else
                f"{path} has no CRS (no .prj / no CRS in the file) and its coordinates "
                f"(bounds {shown}) do not fit ")
        add = "" if not_degrees else ", or add a .prj file"
        raise CRSError(
            f"{what}VN-2000 / TM-3 106°30', VN-2000 / UTM 48N or WGS 84 degrees over the province. "
            f"Declare it: {DECLARE_CRS}{add}"
        )
    note = f"assumed {guess.crs.name} (EPSG:{guess.crs.to_epsg()}): {guess.reason}"
    if not_degrees:
        note = f"{note} (GeoJSON whose coordinates are not degrees)"
        warnings.warn(f"{not_degrees}; {note}. Pass assume_crs / crs = … to override.",
                      AssumedCRSWarning, stacklevel=5)
    else:
        warnings.warn(f"{path} has no CRS; {note}. Pass assume_crs / crs = … to override.",
                      AssumedCRSWarning, stacklevel=5)
    return df.set_crs(guess.crs), note, True


def same_coordinates(src: CRS, target: CRS, bounds, *, tolerance_m: float = 1e-6) -> bool:
    """True when going from ``src`` to ``target`` moves no point of ``bounds`` (minx, miny, maxx,
    maxy in ``src``) by more than ``tolerance_m`` (1 µm): a CRS written under another name (a
    custom-named VN-2000 / TM-3 .prj with the datum shift of EPSG:6960 is EPSG:9213) is taken as
    it is, without a transformation that would only add rounding noise."""
    if src is None or target is None or not src.is_projected or not target.is_projected:
        return False
    b = np.asarray(bounds, dtype=float)
    if not np.isfinite(b).all():
        return False
    xs = np.array([b[0], b[2], b[0], b[2], (b[0] + b[2]) / 2])
    ys = np.array([b[1], b[1], b[3], b[3], (b[1] + b[3]) / 2])
    try:
        tx, ty = Transformer.from_crs(src, target, always_xy=True).transform(xs, ys)
    except Exception:  # noqa: BLE001 - no transformation: not the same coordinates
        return False
    moved = np.hypot(np.asarray(tx) - xs, np.asarray(ty) - ys)
    unit = target.axis_info[0].unit_conversion_factor if target.axis_info else 1.0
    return bool(np.isfinite(moved).all() and (moved * unit).max() <= tolerance_m)


def _degrees(bounds: tuple[float, float, float, float]) -> bool:
    """Whether bounds can be longitude/latitude degrees (|x| ≤ 180, |y| ≤ 90)."""
    return max(abs(bounds[0]), abs(bounds[2])) <= 180.0 and max(abs(bounds[1]), abs(bounds[3])) <= 90.0


def reproject(gdf: gpd.GeoDataFrame, target: CRS, ltype: LayerType,
               report: ValidationReport) -> gpd.GeoDataFrame:
    """``gdf.to_crs(target)``; features whose coordinates are not finite afterwards (outside
    the area where the source CRS can be transformed, e.g. latitudes beyond 90°) are errors
    naming their rows, and are left with an empty geometry."""
    src = gdf.crs
    if same_coordinates(src, target, gdf.total_bounds):  # another name for the same CRS: nothing moves
        return gdf.set_crs(target, allow_override=True)
    out = gdf.to_crs(target)
    geoms = np.asarray(out.geometry.values, dtype=object)
    # a NaN or infinite x/y makes a geometry invalid: only those (and geometries with a z) are looked at
    ok = shapely.is_missing(geoms) | (shapely.is_valid(geoms) & ~shapely.has_z(geoms))
    bad = np.zeros(len(geoms), dtype=bool)
    bad[~ok] = nonfinite_rows(geoms[~ok])
    if bad.any():
        ids = row_ids(out, ltype)
        for pos in np.flatnonzero(bad):
            report.add("error", "nonfinite_after_reprojection",
                       f"coordinates are not finite after reprojection from {src.name} to {target.name} "
                       f"(the feature lies where that transformation is not defined): check the "
                       f"declared CRS; the geometry is left out (empty)",
                       column="geometry", row=ids.iloc[pos])
        geoms = out.geometry.values.copy()
        geoms[bad] = None
        out[out.geometry.name] = gpd.GeoSeries(geoms, index=out.index, crs=out.crs)
    return out
