"""CSV tables as layers: points from coordinate columns (x/y, lon/lat, kinh_do/vi_do,
easting/northing; ``,`` ``;`` or tab separated, decimal commas), geometries from a WKT column, or
a plain table; VN-2000 survey tables with X = northing, Y = easting recognised and swapped.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisplan.catalog import LayerType
from gisplan.crs import check_axis_order, guess_crs, to_crs
from gisplan.errors import CRSError, RepairWarning, SchemaError
from gisplan.io.sources import ANY_LAYER

_X_COLUMNS = ("x", "lon", "long", "longitude", "lng", "kinh_do", "kinhdo", "toa_do_x", "easting")
_Y_COLUMNS = ("y", "lat", "latitude", "vi_do", "vido", "toa_do_y", "northing")
_WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom")
# column names that do not say which axis they hold: Vietnamese survey tables write X = northing
_AMBIGUOUS_XY = ({"x", "toa_do_x", "toado_x"}, {"y", "toa_do_y", "toado_y"})


def coordinate_axes(columns: Mapping[str, str], path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Split a column mapping into (the columns it declares as coordinate axes of a CSV table,
    e.g. ``{"X": "northing"}``, the other renames); for other formats (no axes, all renames)."""
    columns = dict(columns or {})
    if path.suffix.lower() != ".csv":
        return {}, columns
    coord_names = set(_X_COLUMNS) | set(_Y_COLUMNS)
    axes = {k: v for k, v in columns.items() if str(v).lower() in coord_names}
    return axes, {k: v for k, v in columns.items() if k not in axes}

def read_csv(path: Path, ltype: LayerType, *, assume_crs=None,
              axes: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, list]:
    """Read a CSV table: points from coordinate columns (x/y, lon/lat, kinh_do/vi_do,
    easting/northing) or geometries from a WKT column; a plain table when the layer type allows.

    ``axes`` maps source columns onto coordinate names (``{"X": "northing", "Y": "easting"}``),
    declaring the axis order. Points from undeclared ``x``/``y`` columns that fit the province in
    VN-2000 (EPSG:9213 / 3405, or the declared ``assume_crs`` when it is VN-2000 projected) only
    as X = northing, Y = easting are swapped; a table mixing both orders is refused
    (:class:`~gisplan.errors.CRSError` naming the lines).

    Returns
    -------
    (frame without CRS, notes as (code, message, column))
    """
    sep = _csv_separator(path)
    try:
        text_df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False, sep=sep)
    except UnicodeDecodeError:
        text_df = pd.read_csv(path, encoding="latin1", dtype=str, keep_default_na=False, sep=sep)
    text_df = text_df.replace({"": None})
    lower = {c.lower().strip(): c for c in text_df.columns}
    declared = {}
    for src, dst in (axes or {}).items():
        real = lower.get(str(src).lower().strip())
        if real is None:
            raise SchemaError(f"{path}: column mapping names {src!r}, which is not in the data; "
                              f"columns: {', '.join(map(str, text_df.columns))}")
        declared[str(dst).lower()] = real
    lower = {k: v for k, v in lower.items() if v not in declared.values()}
    lower.update(declared)
    wkt = next((lower[c] for c in _WKT_COLUMNS if c in lower), None)
    xcol = next((lower[c] for c in _X_COLUMNS if c in lower), None)
    ycol = next((lower[c] for c in _Y_COLUMNS if c in lower), None)
    if wkt:
        geom = shapely.from_wkt(text_df[wkt].to_numpy(dtype=object), on_invalid="ignore")
        return gpd.GeoDataFrame(text_df.drop(columns=[wkt]), geometry=geom, crs=None), []
    if xcol and ycol:
        x = pd.to_numeric(text_df[xcol].str.replace(",", ".", regex=False), errors="coerce")
        y = pd.to_numeric(text_df[ycol].str.replace(",", ".", regex=False), errors="coerce")
        bad = x.isna() | y.isna()
        if bad.any():
            rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad)[:10])
            raise SchemaError(f"{path}: columns {xcol}/{ycol} are not numeric coordinates on line(s) {rows}")
        notes = []
        ambiguous = (xcol.lower().strip() in _AMBIGUOUS_XY[0] and ycol.lower().strip() in _AMBIGUOUS_XY[1]
                     and not declared)
        if ambiguous:
            x, y, notes = _axis_order(path, xcol, ycol, x, y, assume_crs)
        return gpd.GeoDataFrame(text_df.drop(columns=[xcol, ycol]), geometry=gpd.points_from_xy(x, y),
                                crs=None), notes
    if ltype.geometry_optional:
        return text_df, []
    needs = (f"layer type {ltype.id!r} needs geometries" if ltype.id != ANY_LAYER.id else
             "a layer read without a layer type needs geometries (a plain table: read it with pandas, "
             "or give its layer type when it has one, e.g. communes_pre2025)")
    raise SchemaError(
        f"{path}: no coordinate columns found (x/y, lon/lat, kinh_do/vi_do or a WKT column); "
        f"columns: {', '.join(map(str, text_df.columns))}; {needs}"
    )


def _csv_separator(path: Path) -> str:
    """``;`` for tables written with semicolons (spreadsheets in locales with a decimal comma,
    ``105,83``), tab for tab-separated ones, else ``,``: judged from the header line."""
    with open(path, "rb") as f:
        head = f.readline().decode("latin-1")
    counts = {sep: head.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _axis_order(path: Path, xcol: str, ycol: str, x: pd.Series, y: pd.Series, assume_crs):
    """Swap x/y columns holding (northing, easting) in VN-2000 (see :func:`read_csv`)."""
    declared = to_crs(assume_crs) if assume_crs is not None else None
    if declared is None and guess_crs((x.min(), y.min(), x.max(), y.max())) is not None:
        return x, y, []  # fits as it is (degrees or VN-2000 easting/northing)
    order = check_axis_order(x.to_numpy(), y.to_numpy(), declared)
    if order is None:
        return x, y, []
    code = order.crs.to_epsg()
    crs_label = f"{order.crs.name}{f' (EPSG:{code})' if code else ''}"
    how = (f"read_layer(..., columns={{{xcol!r}: 'northing', {ycol!r}: 'easting'}}) or "
           f"columns = {{ {xcol} = \"northing\", {ycol} = \"easting\" }} in the catalog entry "
           f"(or 'easting'/'northing' the other way round)")
    if len(order.mixed):
        lines = ", ".join(str(i + 2) for i in order.mixed[:10])
        more = f" and {len(order.mixed) - 10} more" if len(order.mixed) > 10 else ""
        major = f"{xcol} = northing, {ycol} = easting" if order.swap else f"{xcol} = easting, {ycol} = northing"
        raise CRSError(
            f"{path}: columns {xcol}/{ycol} fit the province in {crs_label} as {major} on most lines "
            f"but the other way round on line(s) {lines}{more}: the axis order is ambiguous. Fix those "
            f"lines, or declare which column is which: {how}"
        )
    if not order.swap:
        return x, y, []
    msg = (f"columns {xcol}/{ycol} hold northing/easting (the VN-2000 survey convention X = northing, "
           f"Y = easting): the coordinates fit the province in {crs_label} only that way, so they "
           f"were swapped. Declare the axes to silence this: {how}")
    warnings.warn(f"{path}: {msg}", RepairWarning, stacklevel=7)
    return y, x, [("axes_swapped", msg, "geometry")]
