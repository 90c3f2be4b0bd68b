"""Forest cover and forest change from rasters (canopy-cover % or land-cover classes).

A pixel is forest when its canopy cover reaches the threshold (default 10 %: canopy closure 0.1,
Law on Forestry 16/2017/QH14 Art. 2.3) — or, for a class raster, when its class is in
``forest_classes``. Contiguous forest patches (8-connected by default) smaller than the minimum
area (default 0.3 ha) are not forest; patches are taken whole across zone boundaries. Pixels on
zone edges count by the exact fraction of the pixel inside the zone (as exactextract's
coverage fractions), nodata pixels count neither as observed nor as forest.

Zones are reprojected to the raster's CRS (any CRS pyproj accepts); the raster is never
resampled. Rasters are streamed in strips, so they may be larger than memory.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from pyproj import CRS

from gisplan import zonal
from gisplan.errors import CRSError, LayerNotFoundError, SchemaError

log = logging.getLogger(__name__)


def forest_cover(
    raster: str | os.PathLike,
    zones: str | os.PathLike | gpd.GeoDataFrame,
    *,
    id_column: str,
    threshold: float = 10,
    mmu_ha: float = 0.3,
    forest_classes: Sequence[int] | None = None,
    band: int = 1,
    connectivity: int = 8,
    progress: bool = False,
    strip_rows: int = zonal.DEFAULT_STRIP_ROWS,
) -> pd.DataFrame:
    """Forest cover per zone from a canopy-cover (%) or land-cover class raster.

    Parameters
    ----------
    raster : path of a GeoTIFF in a projected CRS (pixel areas in m²).
    zones : polygons (GeoDataFrame or a vector file), any CRS; reprojected to the raster's CRS.
    id_column : the zones' id column, copied to the result.
    threshold : canopy cover (%) from which a pixel is forest (``value >= threshold``).
    mmu_ha : minimum forest patch area in ha; patches with an area below it are dropped before
        counting (``0`` switches the rule off).
    forest_classes : class codes that are forest (class rasters); ``threshold`` is then ignored.
    band : raster band.
    connectivity : 8 (default) or 4, for patches.
    progress : show a progress bar.

    Returns
    -------
    DataFrame with ``id_column``, ``area_ha`` (zone area in the raster's CRS), ``observed_ha``
    (area with valid data), ``forest_ha``, ``forest_pct`` (forest_ha / observed_ha × 100) and
    ``observed_pct`` (observed_ha / area_ha × 100), in the zones' order.

    Examples
    --------
    >>> forest_cover("tree_cover_2024.tif", "communes.gpkg", id_column="code")  # doctest: +SKIP
    """
    gdf, geoms, info = _prepare(raster, zones, id_column)
    n_min = zonal.min_patch_pixels(mmu_ha * 1e4, info["pixel_m2"])

    def classify(arrays, masks, top, bottom, open_top, open_bottom):
        forest = _forest_mask(arrays[0], masks[0], threshold, forest_classes, n_min, connectivity,
                              open_top, open_bottom)
        cls = masks[0].astype(np.int8) + forest
        return cls[top: cls.shape[0] - bottom]

    sums = _run([raster], geoms, classify, 3, n_min, band, progress, strip_rows, info)
    px_ha = info["pixel_m2"] / 1e4
    area_ha = gdf.geometry.area.to_numpy() / 1e4
    observed = (sums[:, 1] + sums[:, 2]) * px_ha
    forest = sums[:, 2] * px_ha
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({
            id_column: gdf[id_column].to_numpy(),
            "area_ha": area_ha,
            "observed_ha": observed,
            "forest_ha": forest,
            "forest_pct": np.where(observed > 0, forest / observed * 100, np.nan),
            "observed_pct": np.where(area_ha > 0, observed / area_ha * 100, np.nan),
        })


def forest_change_raster(
    raster_before: str | os.PathLike,
    raster_after: str | os.PathLike,
    zones: str | os.PathLike | gpd.GeoDataFrame,
    *,
    id_column: str,
    threshold: float = 10,
    mmu_ha: float = 0.3,
    forest_classes: Sequence[int] | None = None,
    band: int = 1,
    connectivity: int = 8,
    progress: bool = False,
    strip_rows: int = zonal.DEFAULT_STRIP_ROWS,
) -> pd.DataFrame:
    """Forest loss and gain per zone between two rasters on the same grid.

    Each year's forest follows :func:`forest_cover` (threshold or classes, minimum area);
    only pixels observed in both years count.

    Returns
    -------
    DataFrame with ``id_column``, ``area_ha``, ``observed_ha`` (observed in both years),
    ``forest_before_ha``, ``forest_after_ha``, ``loss_ha``, ``gain_ha``, ``net_ha``
    (gain − loss) and ``net_pct`` (net change as % of the forest before).

    Raises
    ------
    CRSError
        When the two rasters are not on the same grid (resample one onto the other first:
        gisplan never resamples silently).
    """
    with rasterio.open(raster_before) as a, rasterio.open(raster_after) as b:
        if a.crs != b.crs or a.transform != b.transform or a.shape != b.shape:
            raise CRSError(
                f"{raster_before} and {raster_after} are not on the same grid (CRS, transform or "
                f"size differ); warp one onto the other's grid before comparing years"
            )
    gdf, geoms, info = _prepare(raster_before, zones, id_column)
    n_min = zonal.min_patch_pixels(mmu_ha * 1e4, info["pixel_m2"])

    def classify(arrays, masks, top, bottom, open_top, open_bottom):
        f0 = _forest_mask(arrays[0], masks[0], threshold, forest_classes, n_min, connectivity,
                          open_top, open_bottom)
        f1 = _forest_mask(arrays[1], masks[1], threshold, forest_classes, n_min, connectivity,
                          open_top, open_bottom)
        both = masks[0] & masks[1]
        # 0 not observed in both, 1 stable non-forest, 2 stable forest, 3 loss, 4 gain
        cls = np.where(~both, 0, np.where(f0 & f1, 2, np.where(f0, 3, np.where(f1, 4, 1)))).astype(np.int8)
        return cls[top: cls.shape[0] - bottom]

    sums = _run([raster_before, raster_after], geoms, classify, 5, n_min, band, progress, strip_rows, info)
    px_ha = info["pixel_m2"] / 1e4
    before = (sums[:, 2] + sums[:, 3]) * px_ha
    after = (sums[:, 2] + sums[:, 4]) * px_ha
    loss, gain = sums[:, 3] * px_ha, sums[:, 4] * px_ha
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({
            id_column: gdf[id_column].to_numpy(),
            "area_ha": gdf.geometry.area.to_numpy() / 1e4,
            "observed_ha": sums[:, 1:].sum(axis=1) * px_ha,
            "forest_before_ha": before,
            "forest_after_ha": after,
            "loss_ha": loss,
            "gain_ha": gain,
            "net_ha": gain - loss,
            "net_pct": np.where(before > 0, (gain - loss) / before * 100, np.nan),
        })


# ---------------------------------------------------------------------------------------------
def _prepare(raster, zones, id_column):
    if not os.path.exists(raster):
        raise LayerNotFoundError(f"raster {raster} does not exist")
    with rasterio.open(raster) as ds:
        if ds.crs is None:
            raise CRSError(f"raster {raster} has no CRS; declare it (gdal_edit.py -a_srs EPSG:9213 …)")
        crs = CRS.from_user_input(ds.crs)
        transform, height = ds.transform, ds.height
    if not crs.is_projected:
        raise CRSError(f"raster {raster} is in {crs.name} (degrees); warp it to a projected CRS "
                       f"such as EPSG:9213 so that pixel areas are in m²")
    gdf = zones if isinstance(zones, gpd.GeoDataFrame) else gpd.read_file(zones)
    if gdf.crs is None:
        raise CRSError("the zones have no CRS; set one (e.g. gdf.set_crs(9213)) first")
    if id_column not in gdf.columns:
        raise SchemaError(f"zones have no column {id_column!r}; columns: {', '.join(map(str, gdf.columns))}")
    gdf = gdf.to_crs(crs) if not CRS.from_user_input(gdf.crs).equals(crs) else gdf.copy()
    kinds = set(gdf.geometry.geom_type)
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise SchemaError(f"zones must be polygons, got {', '.join(sorted(kinds))}")
    info = {"pixel_m2": abs(transform.a * transform.e), "height_rows": height}
    return gdf, gdf.geometry.to_numpy(), info


def _run(sources, geoms, classify, n_classes, n_min, band, progress, strip_rows, info):
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=info["height_rows"], unit="rows", desc="forest cover")
    try:
        return zonal.class_sums(sources, geoms, classify, n_classes, halo_rows=n_min, band=band,
                                strip_rows=strip_rows, progress=bar)
    finally:
        if bar is not None:
            bar.close()


def _forest_mask(values, valid, threshold, forest_classes, n_min, connectivity, open_top, open_bottom):
    """Forest pixels of a strip after the minimum-area rule.

    The strip carries ``n_min`` halo rows on each side that has more rows beyond (``open_*``):
    a patch that reaches such an edge spans more than ``n_min`` rows, hence has at least
    ``n_min`` pixels, and is kept; any other patch is seen whole.
    """
    if forest_classes is not None:
        forest = np.isin(values, np.asarray(forest_classes)) & valid
    else:
        forest = (values >= threshold) & valid
    return zonal.sieve_small(forest, n_min, connectivity=connectivity, open_top=open_top, open_bottom=open_bottom)
