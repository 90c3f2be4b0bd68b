"""Zones on a raster grid, shared by the raster forest indicators: the raster's path, CRS and
grid (never an assumed CRS), zones checked, repaired and reprojected to the raster's CRS, their
areas (planar in a projected CRS, on the ellipsoid for a grid in degrees), the one pass that
counts classes per zone by exact coverage (:func:`gisplan.zonal.class_sums`), and the observed
share of each zone with the warning naming those observed too little.

Areas in m² (``zone_m2``, ``cell_areas``) and ha in the tables; ``unit_m`` converts the CRS's
linear unit to metres.
"""

from __future__ import annotations

import logging
import math
import os
import unicodedata
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import CRS

from gisplan import zonal
from gisplan.catalog import Catalog
from gisplan.crs import to_crs, unit_m
from gisplan.errors import (
    CRSError,
    GisplanWarning,
    LayerNotFoundError,
    ReadError,
    RepairWarning,
    SchemaError,
)
from gisplan.io import RasterSource, read_layer
from gisplan.io.raster_checks import check_grid, check_raster

log = logging.getLogger(__name__)

Raster = str | os.PathLike | RasterSource


def raster_info(raster: Raster, crs: Any = None, *, what: str = "raster",
                formats: str = "a GeoTIFF (or another raster GDAL reads)") -> tuple[str, CRS, tuple]:
    """(path, CRS, grid) of a raster: the file's CRS, else the declared one (``RasterSource``
    from ``open_raster(..., crs=…)``/a catalog entry, or ``crs``). Never assumed silently.
    ``grid`` is (transform coefficients, height, width); ``what`` names the raster in errors
    ("raster", "DEM") and ``formats`` says what to give instead of an unreadable file.

    Raises
    ------
    LayerNotFoundError, ReadError, CRSError
        The file is absent or unreadable; it has no CRS and none is declared, or the declared
        CRS contradicts the file's or the opened source's; its grid is rotated or not north-up.
    """
    declared = to_crs(crs) if crs is not None else None
    if isinstance(raster, RasterSource):
        if declared is not None and not declared.equals(raster.crs):
            raise CRSError(f"{what} {raster.path}: crs={declared.to_string()} contradicts the CRS of the opened "
                           f"raster source ({raster.crs.to_string()})")
        declared = raster.crs
        path = raster.path
    else:
        path = raster
    if not os.path.exists(path):
        raise LayerNotFoundError(f"{what} {path} does not exist")
    try:
        with rasterio.open(path) as ds:
            file_crs = ds.crs
            grid = (tuple(ds.transform), ds.height, ds.width)
            check_grid(ds, path)
    except rasterio.errors.RasterioIOError as exc:
        raise ReadError(f"cannot read {what} {path}: {str(exc).rstrip('.')}. Give {formats}") from exc
    if file_crs is None and declared is None:
        raise CRSError(f"{what} {path} has no CRS; declare it (crs = \"EPSG:9213\" in the catalog entry, "
                       f"open_raster(..., crs=…) or crs=…) or write it into the file (gdal_edit.py -a_srs EPSG:9213 …)")
    if file_crs is not None:
        fcrs = CRS.from_user_input(file_crs)
        if declared is not None and not fcrs.equals(declared):
            raise CRSError(f"{what} {path} is in {fcrs.name} but {declared.name} was declared for it; "
                           f"drop the declaration or fix the file")
        return path, fcrs, grid
    log.info("%s %s has no CRS in the file; using the declared %s", what, path, declared.name)
    return path, declared, grid


def check_read_as(raster: Raster, layer_type: str, *, band: int | None = None, bounds=None) -> None:
    """Check that ``raster`` is what an indicator reads it as (``"tree_cover"``: canopy cover
    with a threshold; ``"land_cover"``: classes whose forest codes the caller names;
    ``"dem"``) with :func:`gisplan.io.raster_checks.check_raster`, the check ``open_raster``
    runs, on samples inside ``bounds`` (the zones' extent in the raster's CRS; default the whole
    raster), so only the window the indicator reads anyway is touched. A ``RasterSource``
    opened as that type (by the layer store) is not checked again. ``band`` is the band read
    when the caller chose one, else the raster must have one band.

    Raises
    ------
    SchemaError
        The raster is not what it is read as (a DEM or reflectance read as canopy cover …),
        naming the file, its band count and the values seen.
    OptionError
        ``band`` does not exist.
    """
    if isinstance(raster, RasterSource) and raster.layer_type == layer_type:
        return
    path = raster.path if isinstance(raster, RasterSource) else raster
    reclass = raster.reclass if isinstance(raster, RasterSource) else None
    with rasterio.open(path) as ds:
        window = None
        if bounds is not None and np.all(np.isfinite(bounds)):
            t = ds.transform  # north-up (raster_info checked): the zones' extent in cells, cut to the raster
            cols = sorted(((bounds[0] - t.c) / t.a, (bounds[2] - t.c) / t.a))
            rows = sorted(((bounds[3] - t.f) / t.e, (bounds[1] - t.f) / t.e))
            c0, r0 = max(0, math.floor(cols[0])), max(0, math.floor(rows[0]))
            c1, r1 = min(ds.width, math.ceil(cols[1])), min(ds.height, math.ceil(rows[1]))
            window = rasterio.windows.Window(c0, r0, max(0, c1 - c0), max(0, r1 - r0))
        try:  # forest classes named by the caller (no reclass): the file's own legend, checked to be codes
            check_raster(ds, path, Catalog(None).types[layer_type], band=band, reclass=reclass, window=window,
                         codes_named=layer_type == "land_cover" and reclass is None)
        except rasterio.errors.RasterioIOError as exc:
            raise ReadError(f"cannot decode raster {path}: {str(exc).rstrip('.')}. The file may be truncated or "
                            f"damaged: copy it again from its source") from exc


def prepare_zones(path, crs: CRS, zones, id_column, *, mmu_ha: float, layer=None, encoding="auto"):
    """Zones checked and in the raster's CRS (:func:`load_zones`), their geometries, and the
    grid's measures (``info``: see :func:`grid_measures`, plus ``zone_m2``)."""
    info = grid_measures(path, crs, mmu_ha)
    gdf = load_zones(zones, id_column, crs, layer=layer, encoding=encoding)
    info["zone_m2"] = zone_m2(gdf, crs, info)
    return gdf, gdf.geometry.to_numpy(), info


def load_zones(zones, id_column: str, crs: CRS, *, layer=None, encoding="auto") -> gpd.GeoDataFrame:
    """Zones (a GeoDataFrame, or a vector file read with :func:`gisplan.io.read_layer`) checked
    and reprojected to ``crs`` (a copy; the caller's frame is never changed).

    Raises
    ------
    CRSError
        The zones have no CRS.
    SchemaError
        ``id_column`` missing, null or duplicated ids, null or empty geometries, or geometries
        that are not polygons; each names the rows. Invalid polygons are repaired with
        ``make_valid`` and a :class:`~gisplan.errors.RepairWarning` names them.
    """
    if isinstance(zones, gpd.GeoDataFrame):
        gdf, where = zones, "zones"
    else:
        # the one reader: no-.prj recognition, legacy text decoding, geometry repair and checks
        gdf, where = read_layer(zones, layer=layer, encoding=encoding, crs=None), f"zones {zones}"
    if gdf.crs is None:
        raise CRSError(f"{where} have no CRS; set one (e.g. gdf.set_crs(9213)) first")
    if id_column not in gdf.columns:  # the same name in another Unicode form (NFD from macOS, NFC typed)
        same = [c for c in gdf.columns if unicodedata.normalize("NFC", str(c)) == unicodedata.normalize("NFC", id_column)]
        if len(same) == 1:
            gdf = gdf.rename(columns={same[0]: id_column})
    if id_column not in gdf.columns:
        raise SchemaError(f"{where} have no column {id_column!r}; columns: "
                          f"{', '.join(str(c) for c in gdf.columns if c != gdf.geometry.name)}")
    _check_zones(gdf, id_column, where)
    gdf = gdf.to_crs(crs) if not CRS.from_user_input(gdf.crs).equals(crs) else gdf.copy()
    gdf = _repair(gdf, id_column, where)
    kinds = set(gdf.geometry.geom_type)
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise SchemaError(f"{where} must be polygons, got {', '.join(sorted(kinds))}")
    return gdf


def _repair(gdf: gpd.GeoDataFrame, id_column: str, where: str) -> gpd.GeoDataFrame:
    """Invalid polygons repaired with ``make_valid`` (a warning names the rows) and geometry
    collections reduced to their polygons (e.g. a zone clipped to a boundary it touches)."""
    geoms = gdf.geometry.to_numpy().copy()
    invalid = np.flatnonzero(~shapely.is_valid(geoms))
    if len(invalid):
        geoms[invalid] = shapely.make_valid(geoms[invalid])
        warnings.warn(f"{where}: {len(invalid)} invalid polygon(s) repaired with make_valid at row(s) "
                      f"{_rows_text(invalid, gdf[id_column].to_numpy())}", RepairWarning, stacklevel=5)
    mixed = np.flatnonzero(shapely.get_type_id(geoms) == 7)
    for i in mixed:
        parts = shapely.get_parts(geoms[i])
        polys = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
        if len(polys):
            geoms[i] = shapely.union_all(polys)
    if not len(invalid) and not len(mixed):
        return gdf
    return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))


def _rows_text(rows: np.ndarray, ids=None) -> str:
    shown = ", ".join(f"{r}" + (f" ({ids[r]!r})" if ids is not None else "") for r in rows[:10])
    return shown + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")


def _check_zones(gdf: gpd.GeoDataFrame, id_column: str, where: str) -> None:
    """Null or empty geometries, null and duplicated ids are errors naming the rows (0-based)."""
    geoms = gdf.geometry.to_numpy()
    ids = gdf[id_column].to_numpy()
    missing = np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if len(missing):
        raise SchemaError(f"{where}: {len(missing)} zone(s) without a geometry (null or empty) at row(s) "
                          f"{_rows_text(missing, ids)}; fix or delete these features")
    null = np.flatnonzero(pd.isna(gdf[id_column]).to_numpy())
    if len(null):
        raise SchemaError(f"{where}: {id_column!r} is empty at row(s) {_rows_text(null)}; every zone needs an id")
    dup = gdf[id_column].duplicated(keep=False).to_numpy()
    if dup.any():
        groups = pd.Series(np.flatnonzero(dup)).groupby(ids[dup], sort=False).agg(list)
        shown = "; ".join(f"{k!r} at rows {', '.join(map(str, v))}" for k, v in list(groups.items())[:10])
        raise SchemaError(
            f"{where}: {len(groups)} id(s) of {id_column!r} are used by more than one feature ({shown}); a zone "
            f"stored as several features would be counted once per feature: merge them (dissolve by "
            f"{id_column!r}) or give each its own id")


def zone_m2(gdf: gpd.GeoDataFrame, crs: CRS, info: dict) -> np.ndarray:
    """Zone areas in m² on the grid of ``info`` (:func:`grid_measures`): see :func:`zone_area_m2`."""
    return zone_area_m2(gdf.geometry.to_numpy(), info.get("transform"), crs)


def zone_area_m2(geoms: np.ndarray, transform, crs: CRS) -> np.ndarray:
    """Zone areas in m²: planar in a projected CRS (CRS units converted to metres); on a grid in
    degrees (``transform``), Σ coverage × cell area on the ellipsoid over every cell the zone
    covers (inside the raster or not), so that a fully observed zone is observed over exactly
    100 % of its area."""
    if crs.is_projected:
        return shapely.area(geoms) * unit_m(crs) ** 2
    t = transform
    cov = zonal.coverage(geoms, t)
    rows = np.r_[cov.b_row, cov.r_row]
    if rows.size == 0:
        return np.zeros(len(geoms))
    lo = int(rows.min())
    area = cell_areas(t.f + lo * t.e, t.e, t.a, int(rows.max()) - lo + 1, crs.ellipsoid.semi_major_metre,
                      crs.ellipsoid.semi_minor_metre)
    return (np.bincount(cov.b_zone, weights=cov.b_frac * area[cov.b_row - lo], minlength=len(geoms))
            + np.bincount(cov.r_zone, weights=(cov.r_c1 - cov.r_c0) * area[cov.r_row - lo], minlength=len(geoms)))


def grid_measures(path, crs: CRS, mmu_ha: float) -> dict:
    """Measures of the raster's grid: ``sum_m2`` (m² per summed unit), ``row_area`` (m² of a
    cell per row on a geographic grid, else None), ``n_min`` (pixels of the smallest patch
    kept; also the halo read around windows), ``mmu_m2``, ``height_rows``."""
    with rasterio.open(path) as ds:
        t, height, bounds = ds.transform, ds.height, ds.bounds
    mmu_m2 = mmu_ha * 1e4
    if crs.is_projected:
        px = abs(t.a * t.e) * unit_m(crs) ** 2
        return {"sum_m2": px, "row_area": None, "n_min": zonal.min_patch_pixels(mmu_m2, px), "mmu_m2": mmu_m2,
                "height_rows": height, "crs_name": crs.name}
    if not crs.is_geographic or "degree" not in (crs.axis_info[0].unit_name or "").lower():
        raise CRSError(f"raster {path} is in {crs.name}, neither projected nor in degrees; warp it to a "
                       f"projected CRS such as EPSG:9213")
    if not (-180 <= bounds.left < bounds.right <= 360 and -90 <= bounds.bottom < bounds.top <= 90):
        raise CRSError(f"raster {path} is in {crs.name} (degrees) but its bounds "
                       f"({bounds.left:.0f}, {bounds.bottom:.0f}, {bounds.right:.0f}, {bounds.top:.0f}) are not "
                       f"longitudes and latitudes; declare the CRS the coordinates are in (e.g. EPSG:9213)")
    ellipsoid = (crs.ellipsoid.semi_major_metre, crs.ellipsoid.semi_minor_metre)
    row_area = cell_areas(t.f, t.e, t.a, height, *ellipsoid)
    return {"sum_m2": 1.0, "row_area": row_area, "n_min": zonal.min_patch_pixels(mmu_m2, row_area.min()),
            "mmu_m2": mmu_m2, "height_rows": height, "crs_name": crs.name, "transform": t,
            "ellipsoid": ellipsoid}


def cell_areas(top: float, dlat: float, dlon: float, height: int, a: float, b: float) -> np.ndarray:
    """Exact area (m²) on the ellipsoid (semi-axes ``a``, ``b`` in m) of one cell of each of
    ``height`` rows of a north-up grid in degrees starting at latitude ``top`` (rows ``dlat``
    apart, cells ``dlon`` wide): the zone between two parallels times the longitude span."""
    e2 = 1 - (b / a) ** 2
    e = math.sqrt(e2)
    lat = np.radians(np.clip(top + dlat * np.arange(height + 1), -90.0, 90.0))
    sin = np.sin(lat)
    if e == 0:
        q = 2 * sin
    else:  # authalic q(φ), Snyder (1987) eq. 3-12
        q = (1 - e2) * (sin / (1 - e2 * sin**2) - np.log((1 - e * sin) / (1 + e * sin)) / (2 * e))
    return np.abs(np.diff(q)) * a**2 / 2 * abs(math.radians(dlon))


def count_classes(sources, geoms, classify, n_classes, band, progress, strip_rows, info, client=None):
    """Per zone, the summed exact coverage of each class 0 … ``n_classes`` - 1 that ``classify``
    gives the strips of ``sources`` (:func:`gisplan.zonal.class_sums`, halo of ``info["n_min"]``
    rows; weighted by the ellipsoidal cell area per row on a grid in degrees)."""
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=info["height_rows"], unit="windows", desc="forest cover", leave=False)  # cleared when done
    try:
        return zonal.class_sums(sources, geoms, classify, n_classes, halo=info["n_min"], band=band,
                                strip_rows=strip_rows, progress=bar, row_weights=info["row_area"], client=client,
                                crs_name=info.get("crs_name", "the raster's CRS"))
    finally:
        if bar is not None:
            bar.close()


def observed_share(area_ha: np.ndarray, observed_ha: np.ndarray, min_pct: float) -> tuple[np.ndarray, np.ndarray]:
    """(observed %, observed_ok) per zone; a zone of no area is not ok (nothing to observe)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(area_ha > 0, observed_ha / area_ha * 100, np.nan)
    # exact coverage sums equal the zone's area to ~1e-9: a fully observed zone passes 100 %
    return pct, np.nan_to_num(pct, nan=-1.0) >= min_pct - 1e-6


def warn_unobserved(what: str, path, ids, area_ha, observed_pct, ok, min_pct: float) -> None:
    """One :class:`GisplanWarning` naming the zones (with area) observed below ``min_pct``."""
    bad = np.flatnonzero(~ok & (area_ha > 0))
    if not len(bad):
        return
    shown = ", ".join(f"{ids[i]} ({observed_pct[i]:.1f} %)" for i in bad[:12])
    more = f" and {len(bad) - 12} more" if len(bad) > 12 else ""
    warnings.warn(
        f"{what}: {len(bad)} of {len(ids)} zones are observed by raster {path} over less than {min_pct:g} % of "
        f"their area, so their percentages are left empty (NaN) and observed_ok is False: {shown}{more}",
        GisplanWarning, stacklevel=3)
