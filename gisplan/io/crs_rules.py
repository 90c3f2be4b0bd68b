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
from pyproj import CRS

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
    geoms = df.geometry
    valid = geoms[~(geoms.is_empty | geoms.isna()).to_numpy() & ~nonfinite_rows(geoms.values)]
    bounds = tuple(float(b) for b in valid.total_bounds) if len(valid) else None
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


def _degrees(bounds: tuple[float, float, float, float]) -> bool:
    """Whether bounds can be longitude/latitude degrees (|x| ≤ 180, |y| ≤ 90)."""
    return max(abs(bounds[0]), abs(bounds[2])) <= 180.0 and max(abs(bounds[1]), abs(bounds[3])) <= 90.0


def reproject(gdf: gpd.GeoDataFrame, target: CRS, ltype: LayerType,
               report: ValidationReport) -> gpd.GeoDataFrame:
    """``gdf.to_crs(target)``; features whose coordinates are not finite afterwards (outside
    the area where the source CRS can be transformed, e.g. latitudes beyond 90°) are errors
    naming their rows, and are left with an empty geometry."""
    src = gdf.crs
    out = gdf.to_crs(target)
    bad = nonfinite_rows(out.geometry.values)
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
