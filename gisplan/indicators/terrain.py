"""Terrain per unit from a digital elevation model (DEM): elevation, slope, steep share.

Per zone (commune, protected area…): ``elevation_mean_m`` (area-weighted mean),
``elevation_max_m`` (highest cell the zone touches), ``slope_mean_deg`` (area-weighted mean
slope), ``steep_pct`` (share of the observed area steeper than 25°, the threshold above which
slopes are commonly treated as landslide-prone and unfit for annual crops) and
``observed_pct`` (share of the zone where the DEM has data). Cells on zone edges count by the
exact fraction of the cell inside the zone (:func:`gisplan.zonal.coverage`, the same fractions
exactextract computes); only the window of the DEM the zones cover (plus one cell for the
slope) is read.

Slope is Horn's (1981) 3×3 gradient, the one GDAL's ``gdaldem slope`` uses, always in metres
per metre: on a projected DEM from the cell size (CRS units converted to metres); on a DEM in
geographic degrees (SRTM ``.hgt``, GeoTIFF in EPSG:4326) every row's cell width and height are
the ellipsoidal lengths of its degree of longitude (N·cos φ) and latitude (M) — never degrees
taken as metres. Areas on a geographic grid are the exact ellipsoidal cell areas of each row.
Cells on the DEM's outer edge, and next to nodata, have no slope (not observed for slope).

A zone the DEM observes over less than ``min_observed_pct`` (default 90 %) of its area gets
NaN statistics and ``observed_ok`` False (unknown, never 0) and a
:class:`~gisplan.errors.GisplanWarning` names it: a mean over a sliver of a zone is not the
zone's mean. SRTM's 90 m (3″) cells smooth the relief: slopes of short steep banks and
road cuts are underestimated.
"""

from __future__ import annotations

import logging
import math
import os
import warnings
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from pyproj import CRS
from rasterio.windows import Window

from gisplan import zonal
from gisplan.errors import (
    CRSError,
    DataMissingError,
    GisplanWarning,
    OptionError,
    ReadError,
)
from gisplan.indicators.options import MIN_OBSERVED_PCT
from gisplan.indicators.raster_zones import (
    cell_areas,
    check_read_as,
    load_zones,
    raster_info,
    unit_m,
    zone_area_m2,
)
from gisplan.io import RasterSource

log = logging.getLogger(__name__)

#: slopes steeper than this (degrees) count as steep
STEEP_DEG = 25.0


@dataclass(frozen=True)
class DemWindow:
    """Elevations (m, float64, NaN = nodata) of a window of a DEM and its grid.

    ``row0``, ``col0``: raster row and column of ``z[0, 0]``; ``transform``: the whole
    raster's transform; ``dx_m`` (per row) and ``dy_m``: cell width and height in metres;
    ``cell_m2`` (per row): cell area in m²; ``crs``: the DEM's CRS.
    """

    z: np.ndarray
    row0: int
    col0: int
    transform: Any
    crs: CRS
    dx_m: np.ndarray
    dy_m: np.ndarray
    cell_m2: np.ndarray
    path: str

    @property
    def window_transform(self):
        return self.transform @ self.transform.translation(self.col0, self.row0)


def dem_info(dem: str | os.PathLike | RasterSource, crs: Any = None) -> tuple[str, CRS]:
    """(path, CRS) of a DEM: the file's CRS, else the declared one; never assumed silently
    (:func:`gisplan.indicators.raster_zones.raster_info`). The CRS must be projected or in degrees.
    Its values are checked by the callers (:func:`gisplan.indicators.raster_zones.check_read_as`).

    Raises
    ------
    LayerNotFoundError, ReadError, CRSError
    """
    path, declared, _ = raster_info(dem, crs, what="DEM", formats="a GeoTIFF, an SRTM .hgt or another raster "
                                                                  "GDAL reads")
    if not declared.is_projected and not (declared.is_geographic and "degree" in
                                          (declared.axis_info[0].unit_name or "").lower()):
        raise CRSError(f"DEM {path} is in {declared.name}, neither projected nor in degrees; warp it to "
                       f"EPSG:9213 first")
    return str(path), declared


def _ellipsoid(crs: CRS) -> tuple[float, float]:
    return crs.ellipsoid.semi_major_metre, crs.ellipsoid.semi_minor_metre


def degree_lengths_m(lat_deg: np.ndarray, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Ellipsoidal length (m) of one degree of longitude and of latitude at ``lat_deg``.

    Longitude: N·cos φ·π/180 (N = a / √(1 − e² sin² φ)); latitude: M·π/180
    (M = a(1 − e²) / (1 − e² sin² φ)^{3/2}).
    """
    e2 = 1 - (b / a) ** 2
    phi = np.radians(np.asarray(lat_deg, dtype=float))
    w = 1 - e2 * np.sin(phi) ** 2
    n = a / np.sqrt(w)
    m = a * (1 - e2) / w**1.5
    return n * np.cos(phi) * math.pi / 180, m * math.pi / 180


def grid_metres(transform, crs: CRS, row0: int, n_rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cell width m per row, cell height m per row, cell area m² per row) of rows
    ``row0 … row0 + n_rows - 1`` of a north-up grid (projected: constant; degrees: ellipsoidal)."""
    if crs.is_projected:
        u = unit_m(crs)
        dx, dy = abs(transform.a) * u, abs(transform.e) * u
        return np.full(n_rows, dx), np.full(n_rows, dy), np.full(n_rows, dx * dy)
    a, b = _ellipsoid(crs)
    lat = transform.f + transform.e * (row0 + np.arange(n_rows) + 0.5)
    lon_m, lat_m = degree_lengths_m(lat, a, b)
    area = cell_areas(transform.f + transform.e * row0, transform.e, transform.a, n_rows, a, b)
    return lon_m * abs(transform.a), lat_m * abs(transform.e), area


def read_dem(path: str, crs: CRS, rows: tuple[int, int], cols: tuple[int, int], *, band: int = 1) -> DemWindow:
    """Read rows ``rows[0] … rows[1]-1`` and columns ``cols[0] … cols[1]-1`` (clipped to the
    raster) of a DEM as float64 metres with NaN for nodata (and for non-finite values)."""
    with rasterio.open(path) as ds:
        r0, r1 = max(0, rows[0]), min(ds.height, rows[1])
        c0, c1 = max(0, cols[0]), min(ds.width, cols[1])
        if r1 <= r0 or c1 <= c0:
            raise DataMissingError(f"DEM {path} has no cells in the window asked for")
        win = Window(c0, r0, c1 - c0, r1 - r0)
        try:
            z = ds.read(band, window=win, masked=True)
        except rasterio.errors.RasterioIOError as exc:
            raise ReadError(f"cannot decode rows {r0}–{r1 - 1} of DEM {path}: {str(exc).rstrip('.')}") from exc
        transform = ds.transform
    if transform.b != 0 or transform.d != 0 or transform.a <= 0 or transform.e >= 0:
        raise CRSError(f"DEM {path} is rotated or south-up; warp it to a north-up grid first")
    zf = np.ma.filled(z.astype("float64"), np.nan)
    zf[~np.isfinite(zf)] = np.nan
    dx, dy, area = grid_metres(transform, crs, r0, r1 - r0)
    return DemWindow(zf, r0, c0, transform, crs, dx, dy, area, path)


def horn_gradient(z: np.ndarray, dx_m: np.ndarray | float, dy_m: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Horn's 3×3 gradient (dz/dx eastwards, dz/dy northwards, m/m) of ``z`` (rows southwards).

    ``dx_m``, ``dy_m``: cell width and height in metres, scalars or per row. Cells on the outer
    ring, and cells with a NaN neighbour, are NaN.
    """
    p = np.pad(z, 1, constant_values=np.nan)
    a, b, c = p[:-2, :-2], p[:-2, 1:-1], p[:-2, 2:]
    d, f = p[1:-1, :-2], p[1:-1, 2:]
    g, h, i = p[2:, :-2], p[2:, 1:-1], p[2:, 2:]
    dx = np.broadcast_to(np.asarray(dx_m, dtype=float).reshape(-1, 1) if np.ndim(dx_m) else dx_m, z.shape)
    dy = np.broadcast_to(np.asarray(dy_m, dtype=float).reshape(-1, 1) if np.ndim(dy_m) else dy_m, z.shape)
    gx = ((c + 2 * f + i) - (a + 2 * d + g)) / (8 * dx)
    gy = ((a + 2 * b + c) - (g + 2 * h + i)) / (8 * dy)  # row 0 is north: north minus south
    return gx, gy


def slope_deg(z: np.ndarray, dx_m: np.ndarray | float, dy_m: np.ndarray | float) -> np.ndarray:
    """Slope in degrees (Horn's gradient, metres over metres); NaN where unknown."""
    gx, gy = horn_gradient(z, dx_m, dy_m)
    return np.degrees(np.arctan(np.hypot(gx, gy)))


def weighted_sums(cov: zonal.Coverage, arrays: dict[str, np.ndarray], row0: int, col0: int,
                  row_w: np.ndarray, n_zones: int) -> dict[str, np.ndarray]:
    """Σ over each zone's cells of coverage × ``row_w[row]`` × value, per array (NaN counts 0).

    ``cov`` must be clipped to the window ``arrays`` cover (rows from ``row0``, columns from
    ``col0``); ``row_w`` is indexed by window row. Interior runs use row-wise prefix sums.
    """
    out = {}
    br, bc = cov.b_row - row0, cov.b_col - col0
    rr, c0, c1 = cov.r_row - row0, cov.r_c0 - col0, cov.r_c1 - col0
    for name, arr in arrays.items():
        v = np.nan_to_num(arr.astype(float), nan=0.0)
        s = np.bincount(cov.b_zone, weights=cov.b_frac * row_w[br] * v[br, bc], minlength=n_zones)
        if len(rr):
            prefix = np.zeros((v.shape[0], v.shape[1] + 1))
            np.cumsum(v, axis=1, out=prefix[:, 1:])
            run = (prefix[rr, c1] - prefix[rr, c0]) * row_w[rr]
            s = s + np.bincount(cov.r_zone, weights=run, minlength=n_zones)
        out[name] = s
    return out


def zone_max(cov: zonal.Coverage, arr: np.ndarray, row0: int, col0: int, n_zones: int,
             chunk: int = 2_000_000) -> np.ndarray:
    """Maximum of ``arr`` (NaN ignored) over the cells each zone touches; NaN when none."""
    out = np.full(n_zones, -np.inf)
    keep = cov.b_frac > 0
    vals = arr[cov.b_row[keep] - row0, cov.b_col[keep] - col0]
    ok = np.isfinite(vals)
    np.maximum.at(out, cov.b_zone[keep][ok], vals[ok])
    # interior runs: per-row running maximum is not prefix-summable, so expand in chunks
    n = (cov.r_c1 - cov.r_c0).astype(np.int64)
    ends = np.cumsum(n)
    start = 0
    while start < len(n):
        stop = int(np.searchsorted(ends, (ends[start - 1] if start else 0) + chunk, side="right"))
        stop = max(stop, start + 1)
        nn = n[start:stop]
        z = np.repeat(cov.r_zone[start:stop], nn)
        r = np.repeat(cov.r_row[start:stop] - row0, nn)
        c = np.repeat(cov.r_c0[start:stop] - col0, nn) + (np.arange(nn.sum()) - np.repeat(np.cumsum(nn) - nn, nn))
        v = arr[r, c]
        ok = np.isfinite(v)
        np.maximum.at(out, z[ok], v[ok])
        start = stop
    out[~np.isfinite(out)] = np.nan
    return out


def _options(steep: Any, min_observed_pct: Any) -> tuple[float, float]:
    for name, v, lo, hi in (("steep_deg", steep, 0, 90), ("min_observed_pct", min_observed_pct, 0, 100)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi:
            raise OptionError(f"{name}={v!r} must be a number from {lo} to {hi}")
    return float(steep), float(min_observed_pct)


def terrain_stats(
    dem: str | os.PathLike | RasterSource,
    zones: str | os.PathLike | gpd.GeoDataFrame,
    *,
    id_column: str,
    steep_deg: float = STEEP_DEG,
    min_observed_pct: float = MIN_OBSERVED_PCT,
    band: int = 1,
    crs: Any = None,
    layer: str | None = None,
    encoding: str = "auto",
) -> pd.DataFrame:
    """Elevation and slope per zone from a DEM (metres; projected or geographic degrees).

    Parameters
    ----------
    dem : DEM path (GeoTIFF, SRTM ``.hgt``…) or :class:`gisplan.io.RasterSource`; elevations in
        metres; its nodata (e.g. SRTM's −32768) and non-finite values are not observed.
    zones : polygons (GeoDataFrame or vector file), any CRS; reprojected to the DEM's CRS.
    id_column : the zones' unique id column, copied to the result.
    steep_deg : slope (degrees) above which a cell is steep (default 25°).
    min_observed_pct : zones observed below this share (%) get NaN statistics.
    crs : the DEM's CRS when the file carries none.

    Returns
    -------
    DataFrame in the zones' order: ``id_column``, ``area_ha`` (zone area), ``elevation_mean_m``,
    ``elevation_max_m``, ``slope_mean_deg``, ``steep_pct`` (% of the area with a known slope
    steeper than ``steep_deg``), ``observed_pct`` (% of the zone with an elevation),
    ``observed_ok``. Statistics are NaN (unknown, not 0) for zones not ``observed_ok``.

    Raises
    ------
    OptionError, LayerNotFoundError, ReadError, CRSError, SchemaError
    DataMissingError
        When the DEM covers none of the zones.
    """
    steep_deg, min_observed_pct = _options(steep_deg, min_observed_pct)
    path, rcrs = dem_info(dem, crs)
    with rasterio.open(path) as ds:
        transform, height, width = ds.transform, ds.height, ds.width
        if not 1 <= band <= ds.count:
            raise OptionError(f"band={band} does not exist in DEM {path} ({ds.count} band(s))")
    gdf = load_zones(zones, id_column, rcrs, layer=layer, encoding=encoding)
    # metres within the dem type's plausible range, checked inside the zones' extent
    check_read_as(dem, "dem", band=None if band == 1 else band, bounds=gdf.total_bounds)
    geoms = gdf.geometry.to_numpy()
    n = len(geoms)
    cov = zonal.coverage(geoms, transform).clip(height, width)
    win = zonal.zones_window(cov)
    if win is None:
        raise DataMissingError(f"DEM {path} covers none of the {n} zones; use a DEM that covers them, or check "
                               f"the zones' and the DEM's CRS")
    r_lo, r_hi, c_lo, c_hi = win
    w = read_dem(path, rcrs, (r_lo - 1, r_hi + 1), (c_lo - 1, c_hi + 1), band=band)
    slope = slope_deg(w.z, w.dx_m, w.dy_m)
    valid = np.isfinite(w.z)
    sok = np.isfinite(slope)
    sums = weighted_sums(cov, {"obs": valid, "z": np.where(valid, w.z, 0.0), "sobs": sok,
                               "s": np.where(sok, slope, 0.0), "steep": sok & (slope > steep_deg)},
                         w.row0, w.col0, w.cell_m2, n)
    zmax = zone_max(cov, w.z, w.row0, w.col0, n)
    area = zone_area_m2(geoms, transform, rcrs)
    with np.errstate(invalid="ignore", divide="ignore"):
        observed_pct = np.where(area > 0, sums["obs"] / area * 100, np.nan)
        ok = np.nan_to_num(observed_pct, nan=-1.0) >= min_observed_pct - 1e-6
        mean = np.where(ok, sums["z"] / sums["obs"], np.nan)
        smean = np.where(ok & (sums["sobs"] > 0), sums["s"] / sums["sobs"], np.nan)
        steep = np.where(ok & (sums["sobs"] > 0), sums["steep"] / sums["sobs"] * 100, np.nan)
    ids = gdf[id_column].to_numpy()
    bad = np.flatnonzero(~ok)
    if len(bad):
        shown = ", ".join(f"{ids[i]} ({observed_pct[i]:.1f} %)" for i in bad[:12])
        more = f" and {len(bad) - 12} more" if len(bad) > 12 else ""
        warnings.warn(f"terrain: {len(bad)} of {n} zones are observed by DEM {path} over less than "
                      f"{min_observed_pct:g} % of their area; their statistics are left empty (NaN): {shown}{more}",
                      GisplanWarning, stacklevel=2)
    return pd.DataFrame({
        id_column: ids,
        "area_ha": area / 1e4,
        "elevation_mean_m": mean,
        "elevation_max_m": np.where(ok, zmax, np.nan),
        "slope_mean_deg": smean,
        "steep_pct": steep,
        "observed_pct": observed_pct,
        "observed_ok": ok,
    })
