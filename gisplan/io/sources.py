"""What gisplan reads: the file suffixes of vector and raster layers, the layer type of a vector
read without one, and a catalog entry named instead of a path.
"""

from __future__ import annotations

import os
from pathlib import Path

from gisplan.catalog import Catalog, CatalogEntry, LayerType, load_catalog

#: Suffixes of the vector files gisplan reads (lower case).
VECTOR_SUFFIXES = {".gpkg", ".shp", ".dbf", ".geojson", ".json", ".kml", ".kmz", ".tab", ".mif",
                   ".fgb", ".csv", ".parquet", ".geoparquet", ".zip", ".gml"}
#: Suffixes of the rasters gisplan reads (lower case).
RASTER_SUFFIXES = {".tif", ".tiff", ".vrt", ".img", ".hgt"}
#: Layer type used when read_layer is given none: any geometry, no attribute schema.
ANY_LAYER = LayerType(id="any", title_vi="Lớp dữ liệu", title_en="vector layer", kind="vector",
                      geometry=("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                                "MultiPolygon"))


def catalog_entry(source: str | os.PathLike, catalog: Catalog | None) -> tuple[CatalogEntry | None, Catalog | None]:
    """(entry, its catalog) when ``source`` is not an existing path but names an entry of
    ``catalog`` (default: :func:`gisplan.catalog.load_catalog`); else (None, ``catalog``)."""
    if isinstance(source, str) and not Path(source).exists():
        cat = catalog if catalog is not None else load_catalog()
        if source in cat:
            return cat.entry(source), cat
    return None, catalog
