"""Forest cover and forest change from rasters (canopy-cover % or land-cover classes).

A pixel is forest when its canopy cover reaches the threshold (default 10 %: canopy closure 0.1,
Law on Forestry 16/2017/QH14 Art. 2.3) — or, for a class raster, when its class is in
``forest_classes``. Contiguous forest patches (8-connected by default) smaller than the minimum
area (default 0.3 ha) are not forest; patches are taken whole across zone boundaries. Pixels on
zone edges count by the exact fraction of the pixel inside the zone (as exactextract's
coverage fractions), nodata pixels count neither as observed nor as forest.

Every table reports the share of each zone the raster observed (``observed_pct``: valid
pixels' exact coverage ÷ zone area); a zone observed below ``min_observed_pct`` (default 90 %)
is flagged (``observed_ok`` False), its percentages are NaN (never a number computed from a
sliver of the zone) and a :class:`~gisplan.errors.GisplanWarning` names it. A zone the raster
did not observe at all has NaN forest areas too: unknown is never shown as 0. In a float raster
NaN and ±inf are nodata whether or not a nodata value is declared.

Zones are reprojected to the raster's CRS (any CRS pyproj accepts); the raster is never
resampled. Rasters in a projected CRS have one pixel area; rasters in geographic coordinates
(degrees, e.g. MODIS or SRTM tiles in WGS 84) are measured with the exact ellipsoidal area of
each row's cells and zone areas on the ellipsoid. A raster without a CRS in the file is used
only when its CRS is declared (a :class:`gisplan.io.RasterSource` from
``open_raster(..., crs=…)`` or a catalog entry, or the ``crs`` argument); otherwise it is an
error. Only the window of the raster that the zones cover is read, in strips, so rasters may
be larger than memory and a province's zones on a national raster cost what the province costs.

This module holds forest cover per zone (:func:`forest_cover`) and re-exports the rest of the
raster forest API: the definition and option checks (:mod:`.forest_definition`), forest change
between two rasters, per zone set and per purpose of forest land (:mod:`.canopy_change`); the
zone and grid machinery they share is :mod:`.raster_zones`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gisplan import zonal
from gisplan.indicators import raster_zones
from gisplan.indicators.canopy_change import (
    PURPOSE_TABLE,
    forest_change_raster,
    forest_change_raster_sets,
    purpose_zones,
)
from gisplan.indicators.forest_definition import (
    FOREST,
    MIN_OBSERVED_PCT,
    check_options,
    forest_mask,
)
from gisplan.indicators.raster_zones import Raster

__all__ = ["FOREST", "MIN_OBSERVED_PCT", "PURPOSE_TABLE", "Raster", "forest_change_raster", "forest_change_raster_sets",
           "forest_cover", "purpose_zones"]


def forest_cover(
    raster: Raster,
    zones: str | os.PathLike | gpd.GeoDataFrame,
    *,
    id_column: str,
    threshold: float = FOREST.threshold,
    mmu_ha: float = FOREST.mmu_ha,
    forest_classes: Sequence[int] | None = None,
    band: int | None = None,
    connectivity: int = 8,
    min_observed_pct: float = MIN_OBSERVED_PCT,
    crs: Any = None,
    layer: str | None = None,
    encoding: str = "auto",
    progress: bool = False,
    strip_rows: int = zonal.DEFAULT_STRIP_ROWS,
    client: Any = None,
) -> pd.DataFrame:
    """Forest cover per zone from a canopy-cover (%) or land-cover class raster.

    Parameters
    ----------
    raster : path of a GeoTIFF (projected CRS, or geographic: cell areas on the ellipsoid), or a
        :class:`gisplan.io.RasterSource` (``open_raster``), whose CRS — read from the file or
        declared — is used.
    zones : polygons, any CRS (reprojected to the raster's): a GeoDataFrame, or a vector file
        read with :func:`gisplan.io.read_layer` (``layer``, ``encoding``; no-.prj recognition,
        legacy text, geometry checks).
    id_column : the zones' id column, copied to the result; its values must be unique.
    threshold : canopy cover (%) from which a pixel is forest (``value >= threshold``), 0–100.
    mmu_ha : minimum forest patch area in ha (≥ 0); patches with an area below it are dropped
        before counting (``0`` switches the rule off).
    forest_classes : class codes that are forest (class rasters); ``threshold`` is then ignored.
    band : the raster band to read; by default the raster must have one band (a multi-band image
        is not a canopy-cover or class raster unless one band is named).
    connectivity : 8 (default) or 4, for patches.
    min_observed_pct : zones whose observed share is below it (%) get ``observed_ok`` False,
        ``forest_pct`` NaN and a :class:`~gisplan.errors.GisplanWarning` naming them.
    crs : the raster's CRS when the file carries none (anything pyproj accepts, e.g.
        ``"EPSG:9213"``, as a catalog entry's ``crs``). A CRS that contradicts the file's is an
        error.
    layer, encoding : for a zones file (see :func:`gisplan.io.read_layer`).
    progress : show a progress bar.
    strip_rows : rows of a window read at once.
    client : a ``dask.distributed.Client`` (:func:`gisplan.distributed.get_client`): the windows
        are read and counted as its tasks, each worker opening the raster itself; the result is
        the same to the last digit as without one.

    Returns
    -------
    DataFrame with ``id_column``, ``area_ha`` (zone area, in the raster's CRS or on its
    ellipsoid), ``observed_ha`` (area with valid data), ``forest_ha`` (NaN when nothing was
    observed), ``forest_pct`` (forest_ha / observed_ha × 100; NaN when not ``observed_ok``),
    ``observed_pct`` (observed_ha / area_ha × 100) and ``observed_ok``, in the zones' order.

    Raises
    ------
    OptionError
        An option out of its range.
    CRSError
        When the raster has no CRS and none is declared.
    SchemaError
        ``id_column`` missing, duplicated or null ids, null or empty zone geometries.
    DataMissingError
        When the raster covers none of the zones.

    Examples
    --------
    >>> forest_cover("tree_cover_2024.tif", "communes.gpkg", id_column="code")  # doctest: +SKIP
    """
    definition, classes = check_options(threshold=threshold, mmu_ha=mmu_ha, forest_classes=forest_classes,
                                        connectivity=connectivity, min_observed_pct=min_observed_pct)
    path, rcrs, _ = raster_zones.raster_info(raster, crs)
    gdf, geoms, info = raster_zones.prepare_zones(path, rcrs, zones, id_column, layer=layer,
                                                  encoding=encoding, mmu_ha=definition.mmu_ha)
    # the raster is what it is read as (canopy cover with a threshold, classes with forest_classes),
    # checked inside the zones' extent
    raster_zones.check_read_as(raster, "tree_cover" if classes is None else "land_cover", band=band,
                               bounds=gdf.total_bounds)

    def classify(arrays, masks, strip):
        forest = forest_mask(arrays[0], masks[0], definition.threshold, classes, info, connectivity, strip)
        cls = masks[0].astype(np.int8) + forest
        return strip.core(cls)

    sums = raster_zones.count_classes([path], geoms, classify, 3, band or 1, progress, strip_rows, info, client)
    px_ha = info["sum_m2"] / 1e4
    area_ha = info["zone_m2"] / 1e4
    observed = (sums[:, 1] + sums[:, 2]) * px_ha
    forest = sums[:, 2] * px_ha
    observed_pct, ok = raster_zones.observed_share(area_ha, observed, min_observed_pct)
    ids = gdf[id_column].to_numpy()
    raster_zones.warn_unobserved("forest cover", path, ids, area_ha, observed_pct, ok, min_observed_pct)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({
            id_column: ids,
            "area_ha": area_ha,
            "observed_ha": observed,
            "forest_ha": np.where(observed > 0, forest, np.nan),
            "forest_pct": np.where(ok & (observed > 0), forest / observed * 100, np.nan),
            "observed_pct": observed_pct,
            "observed_ok": ok,
        })
