"""The grid of the susceptibility overlay and each factor's values on it (projected grid,
metres): the DEM window (a DEM in degrees warped to EPSG:9213 at its own resolution), distance
to lines (rivers, roads, faults), local relief, D8 flow accumulation on the depression-filled
DEM (``pysheds``), land-cover scores and other rasters resampled onto the grid."""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio
from pyproj import CRS
from rasterio.features import rasterize
from rasterio.transform import from_origin
from rasterio.warp import Resampling, reproject
from scipy import ndimage

from gisplan.crs import TARGET_CRS, in_crs, to_crs, unit_m
from gisplan.errors import (
    CRSError,
    DataMissingError,
    LayerNotFoundError,
    MissingDependencyError,
    SchemaError,
)
from gisplan.indicators.hazard_config import Factor
from gisplan.indicators.raster_zones import check_read_as
from gisplan.indicators.terrain import dem_info, grid_metres
from gisplan.io import read_layer

LAND_COVER_CLASSES = {1: "forest_natural", 2: "forest_plantation", 3: "shrub", 4: "cropland", 5: "built_up",
                      6: "water", 7: "bare"}


#: Margin (m) added around the area of the hazard grid: flow from outside, river distance.
MARGIN_M = 2000.0


def dem_grid(dem, crs, bounds, margin_m: float) -> tuple[np.ndarray, Any, CRS, list[str]]:
    """Elevations (NaN = nodata) on a projected grid covering ``bounds`` (in EPSG:9213 or the
    DEM's projected CRS) plus ``margin_m``; a DEM in degrees is warped to EPSG:9213."""
    path, rcrs = dem_info(dem, crs)
    check_read_as(dem, "dem")  # metres within the dem type's plausible range
    notes = []
    with rasterio.open(path) as ds:
        src_t, h, w = ds.transform, ds.height, ds.width
        nodata = ds.nodata
        if rcrs.is_projected:
            target = rcrs
            u = unit_m(rcrs)
            if bounds is None:
                r0, r1, c0, c1 = 0, h, 0, w
            else:
                b = _bounds_in(bounds, target)
                m = margin_m / u
                c0 = max(0, int(math.floor((b[0] - m - src_t.c) / src_t.a)))
                c1 = min(w, int(math.ceil((b[2] + m - src_t.c) / src_t.a)))
                r0 = max(0, int(math.floor((b[3] + m - src_t.f) / src_t.e)))
                r1 = min(h, int(math.ceil((b[1] - m - src_t.f) / src_t.e)))
            if r1 <= r0 or c1 <= c0:
                raise DataMissingError(f"DEM {path} does not cover the communes (check both CRSs)")
            z = ds.read(1, window=rasterio.windows.Window(c0, r0, c1 - c0, r1 - r0), masked=True)
            z = np.ma.filled(z.astype("float64"), np.nan)
            t = src_t @ src_t.translation(c0, r0)
            if u != 1.0:
                raise CRSError(f"DEM {path} is in {rcrs.name} with units of {u} m; warp it to EPSG:9213 first")
        else:
            target = TARGET_CRS if not isinstance(TARGET_CRS, str) else to_crs(TARGET_CRS)
            _, dy, _ = grid_metres(src_t, rcrs, h // 2, 1)
            res = max(1.0, round(float(dy[0])))
            if bounds is None:
                from rasterio.warp import transform_bounds

                b = transform_bounds(rcrs, target, *ds.bounds)
            else:
                b = _bounds_in(bounds, target)
            b = (b[0] - margin_m, b[1] - margin_m, b[2] + margin_m, b[3] + margin_m)
            x0, y1 = math.floor(b[0] / res) * res, math.ceil(b[3] / res) * res
            width, height = int(math.ceil((b[2] - x0) / res)), int(math.ceil((y1 - b[1]) / res))
            t = from_origin(x0, y1, res, res)
            z = np.full((height, width), np.nan)
            reproject(rasterio.band(ds, 1), z, src_nodata=nodata, dst_nodata=np.nan, dst_transform=t,
                      dst_crs=target, resampling=Resampling.bilinear)
            notes.append(f"DEM {path} in {rcrs.name} warped to {target.name} at {res:g} m (bilinear)")
    z[~np.isfinite(z)] = np.nan
    if not np.isfinite(z).any():
        raise DataMissingError(f"DEM {path} has no data over the communes")
    return z, t, CRS.from_user_input(target), notes


def _bounds_in(bounds, crs: CRS):
    if isinstance(bounds, gpd.GeoDataFrame):
        if bounds.crs is None:
            raise CRSError("area (the communes) has no CRS; set one (e.g. gdf.set_crs(9213)) first")
        return tuple(in_crs(bounds, crs).total_bounds)
    return tuple(bounds)


def vector_layer(layer, crs: CRS, what: str) -> gpd.GeoDataFrame | None:
    """A vector layer (GeoDataFrame or file, any CRS) in ``crs``; None when not given. ``what``
    names it in errors (a layer without a CRS is an error, never assumed)."""
    if layer is None:
        return None
    if not isinstance(layer, gpd.GeoDataFrame):
        layer = read_layer(layer, crs=None)
    if layer.crs is None:
        raise CRSError(f"{what} have no CRS; set one first")
    return in_crs(layer, crs)


def distance_m(layer: gpd.GeoDataFrame | None, shape, t, res: float) -> np.ndarray | None:
    """Distance (m) from each cell centre to the nearest cell the lines/polygons touch."""
    if layer is None or layer.empty:
        return None
    geoms = [g for g in layer.geometry.values if g is not None and not g.is_empty]
    mask = rasterize(((g, 1) for g in geoms), out_shape=shape, transform=t, fill=0, all_touched=True,
                     dtype="uint8").astype(bool) if geoms else np.zeros(shape, bool)
    if not mask.any():
        return None
    return ndimage.distance_transform_edt(~mask) * res


def relief_m(z: np.ndarray, radius_m: float, res: float) -> np.ndarray:
    """Local relief (m): highest minus lowest elevation in a square of about ``radius_m`` each
    side of the cell (cells ``res`` m); NaN where the DEM has none."""
    k = 2 * max(1, int(round(radius_m / res))) + 1
    hi = ndimage.maximum_filter(np.where(np.isnan(z), -np.inf, z), size=k, mode="nearest")
    lo = ndimage.minimum_filter(np.where(np.isnan(z), np.inf, z), size=k, mode="nearest")
    return np.where(np.isnan(z), np.nan, hi - lo)


def flow_accumulation(z: np.ndarray, transform, crs: CRS) -> np.ndarray:
    """D8 flow accumulation (cells draining through each cell, itself included) of the DEM after
    filling pits and depressions and resolving flats, with ``pysheds``; NaN outside the data.

    Raises
    ------
    MissingDependencyError
        When pysheds is not installed (``pip install "gisplan[hazard]"``).
    """
    try:
        import pyproj
        from pysheds import _sgrid
        from pysheds.grid import Grid
        from pysheds.sview import Raster, ViewFinder
    except ImportError as exc:
        raise MissingDependencyError(
            f"flash-flood susceptibility routes water with pysheds, which is not installed ({exc}); "
            f"install it with: pip install \"gisplan[hazard]\"") from exc
    dem = np.where(np.isnan(z), np.nan, z).astype("float64")
    vf = ViewFinder(affine=transform, shape=dem.shape, nodata=np.nan, crs=pyproj.Proj(crs.to_wkt()))
    grid = Grid(viewfinder=vf)
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore")  # pysheds' own deprecation warnings
        filled = grid.resolve_flats(grid.fill_depressions(grid.fill_pits(Raster(dem, viewfinder=vf))))
        dirmap = (64, 128, 1, 2, 4, 8, 16, 32)
        fdir = np.asarray(grid.flowdir(filled, dirmap=dirmap)).astype(np.int64)
    # D8 accumulation with pysheds' kernels (its Grid.accumulation calls numpy's removed in1d)
    valid = np.isin(fdir, dirmap) & ~np.isnan(dem)
    fdir = np.where(valid, fdir, 0).astype(np.int64)
    ends = _sgrid._flatten_fdir_numba(fdir, dirmap).reshape(fdir.shape)
    acc = (~np.isnan(dem)).astype(np.float64)
    indegree = np.bincount(ends.ravel(), minlength=fdir.size).astype(np.uint8)
    starts = np.arange(fdir.size, dtype=np.int64)[indegree == 0]
    acc = _sgrid._d8_accumulation_iter_numba(acc, ends, indegree, starts)
    return np.where(np.isnan(dem), np.nan, acc)


def dem_flow(dem, crs, bounds, margin_m: float):
    """The transform of :func:`dem_grid`'s grid and :func:`flow_accumulation` on it: the part of
    the hazard steps that needs the DEM only, which a run starts ahead in a helper process."""
    z, t, gcrs, _notes = dem_grid(dem, crs, bounds, margin_m)
    return t, flow_accumulation(z, t, gcrs)


def land_cover_score(factor: Factor, land_cover, forest_status, shape, t, crs) -> np.ndarray | None:
    """Land-cover scores on the grid: from the land-cover class raster (nearest neighbour, scores
    by class name), else forest (``meets_criteria``) against non-forest from the forest-status
    parcels; None when neither is given."""
    if land_cover is not None:
        path = getattr(land_cover, "path", land_cover)
        if not os.path.exists(path):
            raise LayerNotFoundError(f"land-cover raster {path} does not exist")
        codes = np.full(shape, -1, "int32")  # -1: no data (0 may be a code of the file's legend)
        with rasterio.open(path) as ds:
            src_crs = ds.crs or getattr(land_cover, "crs", None)
            if src_crs is None:
                raise CRSError(f"land-cover raster {path} has no CRS; write it into the file or declare it "
                               f"with crs = \"EPSG:…\" in the catalog entry")
            reproject(rasterio.band(ds, 1), codes, src_nodata=ds.nodata if ds.nodata is not None else 0,
                      dst_nodata=-1, src_crs=src_crs, dst_transform=t, dst_crs=crs, resampling=Resampling.nearest)
        valid = codes >= 0
        # a file coded with another legend (catalog ``reclass``): its codes -> the type's classes
        classes = codes[valid] if getattr(land_cover, "reclass", None) is None else land_cover.class_of(codes[valid])
        lut = np.full(max(max(LAND_COVER_CLASSES), int(classes.max(initial=0))) + 1, np.nan)
        for code, name in LAND_COVER_CLASSES.items():
            if name in factor.classes:
                lut[code] = factor.classes[name]
        out = np.full(shape, np.nan)
        out[valid] = lut[classes]
        return out
    if forest_status is not None:
        fs = forest_status
        if "meets_criteria" not in fs.columns:
            raise SchemaError("forest_status has no column 'meets_criteria' (forest that meets the criteria)")
        forest = fs[fs["meets_criteria"].fillna(False).astype(bool)]
        mask = rasterize(((g, 1) for g in forest.geometry.values if g is not None and not g.is_empty),
                         out_shape=shape, transform=t, fill=0, dtype="uint8") if len(forest) else np.zeros(shape)
        return np.where(mask == 1, float(factor.params.get("forest_score", 1)),
                        float(factor.params.get("non_forest_score", 3)))
    return None


def raster_on_grid(path, shape, t, crs, resampling) -> np.ndarray:
    """A raster (band 1, any CRS written in the file) resampled onto the grid; NaN for nodata."""
    out = np.full(shape, np.nan)
    with rasterio.open(path) as ds:
        if ds.crs is None:
            raise CRSError(f"raster {path} has no CRS; write it into the file")
        reproject(rasterio.band(ds, 1), out, src_nodata=ds.nodata, dst_nodata=np.nan, dst_transform=t,
                  dst_crs=crs, resampling=resampling)
    return out
