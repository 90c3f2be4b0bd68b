"""gisplan — spatial indicators, maps and reports for the Thái Nguyên environmental plan to 2030.

The front door is :func:`gisplan.open` (a :class:`gisplan.pipeline.Plan`: a catalog, its layers and
the indicator options, from which every table, map, site, workbook and GeoPackage is made). The
public API is re-exported here and imported lazily, so ``import gisplan`` stays fast and map
dependencies (folium, matplotlib) load only when a map is made.

CRS: everything is computed in VN-2000 / TM-3 106°30' (EPSG:9213) unless told otherwise; areas
are in ha, lengths in km, distances in m, shares in %.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    # catalog, CRS, IO
    "Catalog": "gisplan.catalog",
    "load_catalog": "gisplan.catalog",
    "load_layer_types": "gisplan.catalog",
    "TARGET_CRS": "gisplan.crs",
    "read": "gisplan.io",
    "read_layer": "gisplan.io",
    "read_catalog_layer": "gisplan.io",
    "open_raster": "gisplan.io",
    "write_layer": "gisplan.io",
    "validate": "gisplan.io",
    "ValidationReport": "gisplan.io",
    "decode_legacy": "gisplan.encoding",
    "normalize_name": "gisplan.encoding",
    # demo
    "build_demo": "gisplan.demo",
    # indicators
    "forest_cover": "gisplan.indicators.canopy",
    "forest_change_raster": "gisplan.indicators.canopy",
    "forest_change_raster_sets": "gisplan.indicators.canopy",
    "forest_cover_from_status": "gisplan.indicators.forest",
    "clip_by_units": "gisplan.overlay",
    "run_indicators": "gisplan.indicators.run",
    "IndicatorOptions": "gisplan.indicators.options",
    "ForestDefinition": "gisplan.indicators.options",
    # the one way from a catalog to every output
    "open": "gisplan.pipeline",
    "Plan": "gisplan.pipeline",
    # reports and maps (doors into a Plan)
    "write_reports": "gisplan.reports",
    "make_map": "gisplan.pipeline",
    "print_map": "gisplan.pipeline",
    "publish_site": "gisplan.pipeline",
    "export_results": "gisplan.export",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gisplan' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
