"""A one-table overview of a catalog: every layer read back and measured."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from gisplan.catalog import Catalog
from gisplan.crs import unit_m
from gisplan.errors import GisplanError
from gisplan.io import open_raster, read_catalog_layer
from gisplan.store import LayerStore

log = logging.getLogger(__name__)


def summarize_catalog(catalog: Catalog) -> pd.DataFrame:
    """Read every layer of ``catalog`` and describe it.

    Returns
    -------
    DataFrame with one row per catalog entry: ``layer``, ``type``, ``title_vi``, ``year``,
    ``features`` (vector features; None for rasters), ``crs``, ``measure`` (total area in ha for
    polygons, length in km for lines; for rasters the size, pixel size and observed pixels and
    ha), ``errors``,
    ``warnings``, ``status`` (ok / missing / the error message), ``study_area`` (features and
    measure left once the layer is clipped to the study area, see :class:`gisplan.store.LayerStore`;
    empty when the layer is not clipped). Areas and lengths are computed in the layer's CRS after
    reading (EPSG:9213 by default), converted from its unit to hectares and kilometres; "—" in a
    geographic CRS.
    """
    store = LayerStore(catalog)
    try:
        store.study_area  # noqa: B018 (read once, here, so a bad study area is one message)
    except GisplanError as exc:
        log.warning("study area not used: %s", exc)
        store = None
    rows = []
    for entry in catalog:
        ltype = catalog.layer_type(entry.type)
        row = {"layer": entry.name, "type": entry.type, "title_vi": ltype.title_vi, "year": entry.year,
               "features": None, "crs": None, "measure": "", "errors": 0, "warnings": 0, "status": "ok",
               "study_area": ""}
        if not entry.path.exists():
            row["status"] = f"missing: {entry.path}"
            rows.append(row)
            continue
        try:
            if ltype.kind == "raster":
                src = open_raster(entry.name, catalog=catalog)
                with src.open() as ds:
                    observed = sum(int(np.count_nonzero(ds.read_masks(1, window=w)))
                                   for _, w in ds.block_windows(1))
                row.update(crs=f"EPSG:{src.crs.to_epsg()}",
                           measure=f"{src.width}×{src.height} px of {src.res[0]:g} m, "
                                   f"{observed:,} px = {observed * src.pixel_area_ha:,.0f} ha observed")
            else:
                gdf = read_catalog_layer(catalog, entry.name, strict=False)
                issues = gdf.attrs["gisplan"]["issues"]
                row.update(features=len(gdf), errors=sum(i["severity"] == "error" for i in issues),
                           warnings=sum(i["severity"] == "warning" for i in issues),
                           crs=f"EPSG:{gdf.crs.to_epsg()}" if hasattr(gdf, "crs") and gdf.crs else "none",
                           measure=_measure(gdf))
                clipped = store.clip(entry.type, gdf) if store is not None and hasattr(gdf, "geometry") else gdf
                if clipped is not gdf:
                    row["study_area"] = f"{len(clipped):,} of {len(gdf):,} features, {_measure(clipped)}"
        except GisplanError as exc:
            row["status"] = str(exc).splitlines()[0]
        rows.append(row)
    return pd.DataFrame(rows)


def _measure(gdf) -> str:
    """Total area (ha) of a polygon layer, length (km) of a line layer, or the number of points;
    areas and lengths converted from the unit of the layer's projected CRS (metres, US feet …),
    "—" when the CRS is geographic or unknown (degrees are no length)."""
    if not hasattr(gdf, "geometry"):
        return "table"
    kinds = set(gdf.geometry.geom_type.dropna())
    if not kinds & {"Polygon", "MultiPolygon", "LineString", "MultiLineString"}:
        return f"{len(gdf):,} point{'' if len(gdf) == 1 else 's'}"
    if gdf.crs is None or not gdf.crs.is_projected:
        return "—"
    u = unit_m(gdf.crs)
    if kinds & {"Polygon", "MultiPolygon"}:
        return f"{gdf.area.sum() * u * u / 1e4:,.0f} ha"
    return f"{gdf.length.sum() * u / 1e3:,.1f} km"
