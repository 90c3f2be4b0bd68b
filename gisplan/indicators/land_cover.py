"""Land-cover class groups per zone: the green and water share of each urban area (plan III.5
"tăng diện tích cây xanh, mặt nước") and the bare land of each commune, the land-cover reading of
unused land (III.4.a "đất chưa sử dụng"; the land inventory states it officially).

The groups are lists of the ``land_cover`` type's class codes (``green_classes``, ``water_classes``,
``unused_classes`` of ``layers/types.toml``); a file with its own legend is read through its
catalog ``reclass``. Pixels on zone edges count by the exact fraction inside the zone, nodata
pixels are not observed, and shares are of the observed area (NaN below ``min_observed_pct``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gisplan import zonal
from gisplan.indicators import raster_zones
from gisplan.indicators.forest_definition import MIN_OBSERVED_PCT
from gisplan.indicators.raster_zones import Raster


def class_group_shares(raster: Raster, zones: gpd.GeoDataFrame, *, id_column: str,
                       groups: Mapping[str, Sequence[int]], min_observed_pct: float = MIN_OBSERVED_PCT,
                       crs: Any = None, progress: bool = False, client: Any = None) -> pd.DataFrame:
    """Area and share of each group of land-cover classes per zone.

    Parameters
    ----------
    raster : a land-cover class raster (path or :class:`gisplan.io.RasterSource`; a source's
        ``reclass`` translates the file's codes into the type's classes).
    zones : polygons with ``id_column`` (reprojected to the raster's CRS).
    groups : group name → the type's class codes; groups must not share a class.
    min_observed_pct : zones observed below it get ``observed_ok`` False and NaN shares.

    Returns
    -------
    DataFrame in the zones' order: ``id_column``, ``area_ha``, ``observed_ha``, ``<group>_ha`` (NaN
    when nothing was observed), ``<group>_pct`` (of the observed area; NaN when not
    ``observed_ok``), ``observed_pct``, ``observed_ok``.

    Raises
    ------
    ValueError
        two groups sharing a class.
    """
    codes = {name: {int(c) for c in cs} for name, cs in groups.items()}
    seen: set[int] = set()
    for name, cs in codes.items():
        if cs & seen:
            raise ValueError(f"land-cover group {name!r} shares classes {sorted(cs & seen)} with another group")
        seen |= cs
    path, rcrs, _ = raster_zones.raster_info(raster, crs)
    gdf, geoms, info = raster_zones.prepare_zones(path, rcrs, zones, id_column, mmu_ha=0.0)
    raster_zones.check_read_as(raster, "land_cover", bounds=gdf.total_bounds)
    class_of = getattr(raster, "class_of", None)
    names = list(codes)
    # lookup: the type's class code → 2 + group index (1: observed, in no group)
    top = max(seen, default=0)
    lut = np.ones(max(top, 255) + 1, dtype=np.int8)
    for k, name in enumerate(names):
        lut[sorted(codes[name])] = 2 + k

    def classify(arrays, masks, strip):
        values = arrays[0]
        cls = class_of(values) if class_of is not None else values
        cls = np.clip(np.asarray(cls, dtype=np.int64), 0, len(lut) - 1)
        out = np.where(masks[0], lut[cls], 0).astype(np.int8)
        return strip.core(out)

    sums = raster_zones.count_classes([path], geoms, classify, 2 + len(names), 1, progress,
                                      zonal.DEFAULT_STRIP_ROWS, info, client)
    px_ha = info["sum_m2"] / 1e4
    area_ha = info["zone_m2"] / 1e4
    observed = sums[:, 1:].sum(axis=1) * px_ha
    observed_pct, ok = raster_zones.observed_share(area_ha, observed, min_observed_pct)
    ids = gdf[id_column].to_numpy()
    raster_zones.warn_unobserved("land-cover classes", path, ids, area_ha, observed_pct, ok, min_observed_pct)
    out = pd.DataFrame({id_column: ids, "area_ha": area_ha, "observed_ha": observed})
    with np.errstate(invalid="ignore", divide="ignore"):
        for k, name in enumerate(names):
            ha = sums[:, 2 + k] * px_ha
            out[f"{name}_ha"] = np.where(observed > 0, ha, np.nan)
            out[f"{name}_pct"] = np.where(ok & (observed > 0), ha / observed * 100, np.nan)
    out["observed_pct"] = observed_pct
    out["observed_ok"] = ok
    return out
