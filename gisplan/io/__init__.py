"""Reading and writing layers: every supported format → a canonical, validated GeoDataFrame in
VN-2000 / TM-3 106°30' (EPSG:9213), and rasters opened for windowed access.

Vector formats: GeoPackage, Shapefile (with or without .cpg), GeoJSON, KML/KMZ, MapInfo TAB/MIF,
FlatGeobuf, CSV with coordinate or WKT columns, GeoParquet. Rasters: GeoTIFF / COG.

Modules:

- :mod:`~gisplan.io.reading`: :func:`read`, :func:`read_layer`, :func:`read_catalog_layer`,
  :func:`validate` (the steps of a read, in order)
- :mod:`~gisplan.io.sources`: file suffixes, the layer type of a read without one, catalog entries
- :mod:`~gisplan.io.vector`, :mod:`~gisplan.io.csv_points`: opening vector files and CSV tables
- :mod:`~gisplan.io.text`, :mod:`~gisplan.io.columns`: decoded text, canonical column names
- :mod:`~gisplan.io.attribute_filter`: the ``where`` filter
- :mod:`~gisplan.io.crs_rules`: the CRS of a layer on read, reprojection
- :mod:`~gisplan.io.validation`, :mod:`~gisplan.io.values`, :mod:`~gisplan.io.geometry_checks`,
  :mod:`~gisplan.io.report`: checks and repairs against the layer type, and their report
- :mod:`~gisplan.io.raster`: :func:`open_raster`, :class:`RasterSource`
- :mod:`~gisplan.io.write`: :func:`write_layer`

See :func:`read_layer` for the steps (text decoding, column mapping, CRS, validation).
"""

from gisplan.io.raster import RasterSource, open_raster
from gisplan.io.reading import read, read_catalog_layer, read_layer, validate
from gisplan.io.report import MAX_ROWS_PER_PROBLEM, Issue, ValidationReport
from gisplan.io.sources import ANY_LAYER, RASTER_SUFFIXES, VECTOR_SUFFIXES
from gisplan.io.validation import OVERLAP_TOLERANCE_M2, validate_frame
from gisplan.io.write import write_layer

__all__ = [
    "ANY_LAYER",
    "MAX_ROWS_PER_PROBLEM",
    "OVERLAP_TOLERANCE_M2",
    "RASTER_SUFFIXES",
    "VECTOR_SUFFIXES",
    "Issue",
    "RasterSource",
    "ValidationReport",
    "open_raster",
    "read",
    "read_catalog_layer",
    "read_layer",
    "validate",
    "validate_frame",
    "write_layer",
]
