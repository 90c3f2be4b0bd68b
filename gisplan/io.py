"""Reading and writing layers: every supported format → a canonical, validated GeoDataFrame in
VN-2000 / TM-3 106°30' (EPSG:9213), and rasters opened for windowed access.

Vector formats: GeoPackage, Shapefile (with or without .cpg), GeoJSON, KML/KMZ, MapInfo TAB/MIF,
FlatGeobuf, CSV with coordinate or WKT columns, GeoParquet. Rasters: GeoTIFF / COG.

See :func:`read_layer` for the steps (text decoding, column mapping, CRS, validation).
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
import shapely
from pyproj import CRS
from rasterio.windows import Window

from gisplan._atomic import SHAPEFILE_PARTS, atomic_path, check_output, ensure_dir, input_files
from gisplan._validate import ValidationReport, nonfinite_rows, validate_frame
from gisplan.catalog import SYNTHETIC_NOTE, Catalog, CatalogEntry, LayerType, load_catalog
from gisplan.crosswalk import unit_type_of
from gisplan.crs import TARGET_CRS, check_axis_order, guess_crs, recognise_vn2000, to_crs
from gisplan.encoding import decode_column_names, fix_text_columns, normalize_encoding
from gisplan.errors import (
    AssumedCRSWarning,
    CatalogError,
    CRSError,
    DataMissingError,
    GisplanError,
    GisplanWarning,
    LayerNotFoundError,
    OptionError,
    OutputError,
    ReadError,
    RepairWarning,
    SchemaError,
    ValidationError,
)

log = logging.getLogger(__name__)

VECTOR_SUFFIXES = {".gpkg", ".shp", ".dbf", ".geojson", ".json", ".kml", ".kmz", ".tab", ".mif",
                   ".fgb", ".csv", ".parquet", ".geoparquet", ".zip", ".gml"}
RASTER_SUFFIXES = {".tif", ".tiff", ".vrt", ".img"}
_X_COLUMNS = ("x", "lon", "long", "longitude", "lng", "kinh_do", "kinhdo", "toa_do_x", "easting")
_Y_COLUMNS = ("y", "lat", "latitude", "vi_do", "vido", "toa_do_y", "northing")
_WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom")
# column names that do not say which axis they hold: Vietnamese survey tables write X = northing
_AMBIGUOUS_XY = ({"x", "toa_do_x", "toado_x"}, {"y", "toa_do_y", "toado_y"})
_MAPINFO_SUFFIXES = {".tab", ".mif"}
#: formats whose projection may carry a VN-2000 projection on a WGS 84 datum (MapInfo cannot
#: record VN-2000; Shapefile .prj files are often written with WGS 84 for VN-2000 data)
_LOST_DATUM_SUFFIXES = _MAPINFO_SUFFIXES | {".shp", ".dbf"}
_GEOJSON_SUFFIXES = {".geojson", ".json"}
#: Layer type used when read_layer is given none: any geometry, no attribute schema.
ANY_LAYER = LayerType(id="any", title_vi="Lớp dữ liệu", title_en="vector layer", kind="vector",
                      geometry=("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                                "MultiPolygon"))


# ---------------------------------------------------------------------------------------------
# vector
def read_layer(
    source: str | os.PathLike,
    *,
    layer_type: str | None = None,
    layer: str | None = None,
    catalog: Catalog | None = None,
    crs: Any = TARGET_CRS,
    assume_crs: Any = None,
    encoding: str = "auto",
    columns: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    strict: bool = True,
    overlap_tolerance_m2: float | None = None,
    where: str | None = None,
) -> gpd.GeoDataFrame:
    """Read one thematic layer, clean and validate it, and return it in the target CRS.

    Steps: open the file (any supported format); decode legacy text (TCVN3, VNI, cp1258,
    mis-declared UTF-8) to Unicode NFC; rename columns to the canonical names of the layer type
    (``columns`` first, then the aliases in ``layers/types.toml``, then Shapefile's 10-character
    truncations); determine the CRS (the file's, else ``assume_crs``, else recognised from the
    coordinates with an :class:`~gisplan.errors.AssumedCRSWarning`); validate and repair against
    the layer type; reproject to ``crs`` using PROJ's default operation (VN-2000 ↔ WGS 84:
    EPSG:6960).

    MapInfo TAB/MIF files cannot store the VN-2000 datum: a TAB/MIF whose projection is a
    VN-2000 TM-3 or UTM 48N/49N projection on WGS 84 (or an unknown datum), with coordinates in
    Vietnam, is read as that VN-2000 CRS (:func:`gisplan.crs.recognise_vn2000`) with an
    :class:`~gisplan.errors.AssumedCRSWarning`; ``assume_crs`` overrides it (e.g.
    ``assume_crs="EPSG:32648"`` for a file really in WGS 84 / UTM 48N).

    CSV points from columns named ``x``/``y`` (which do not say which axis they hold) that fit
    the province in VN-2000 only as X = northing, Y = easting are swapped, with a
    :class:`~gisplan.errors.RepairWarning`; declare the axes with ``columns={"X": "northing",
    "Y": "easting"}``.

    Parameters
    ----------
    source : a file path, or the name of an entry in ``catalog``.
    layer_type : layer type id (``"communes"``, ``"mines"`` …), taken from the catalog for an
        entry name. For a path without one, the layer is read with no attribute schema (any
        geometry type; geometry, CRS and text still checked) and ``layer_type`` in the metadata
        is None.
    layer : the layer inside a multi-layer file (GeoPackage, KML, …).
    catalog : the catalog that ``source`` names (default: :func:`gisplan.catalog.load_catalog`).
    crs : output CRS, anything ``pyproj.CRS.from_user_input()`` accepts; default EPSG:9213.
        ``None`` keeps the source CRS.
    assume_crs : CRS of data that carries none (overrides recognition), or of a MapInfo file
        whose VN-2000 datum was lost.
    encoding : ``"auto"`` (detect), or ``"tcvn3"``, ``"vni"``, ``"utf-8"``, ``"cp1258"`` …
    columns : mapping from source column names to canonical names.
    defaults : values for canonical columns the source lacks: a constant, or ``"$other"`` to
        copy another (canonical) column, e.g. ``{"zone": "whole", "pa_id": "$name"}``.
    strict : raise :class:`~gisplan.errors.ValidationError` when errors remain after repair;
        with False, return the data with the issues in ``attrs["gisplan"]["issues"]``.
    overlap_tolerance_m2 : overlaps between polygons of one forest_status / communes /
        communes_pre2025 layer larger than this (m², measured in EPSG:9213 for geographic data)
        are errors; default :data:`gisplan._validate.OVERLAP_TOLERANCE_M2` (1 m²).
    where : keep only the features matching this attribute filter, an SQL WHERE expression over
        the file's own column names and its decoded (Unicode) text, e.g. ``"name = 'Ba Bể'"``
        or ``"ten LIKE 'Kim H%'"`` (``LIKE`` ignores case, Vietnamese letters included). For a
        catalog entry, its ``where`` key. A filter keeping nothing raises
        :class:`~gisplan.errors.DataMissingError`; ``attrs["gisplan"]["where"]`` records the
        filter and the features kept and dropped.

    Geometry checks on every read: a null or empty geometry and a geometry with NaN/infinite
    coordinates are errors naming the file, layer and rows (with ``strict=False`` the row is
    kept with an empty geometry, never dropped); so are coordinates that are not finite after
    reprojection (e.g. latitudes beyond 90°). A GeoJSON whose coordinates are not degrees
    (|x| > 180 or |y| > 90), which RFC 7946 requires, is treated as data without a CRS. A
    Shapefile whose ``.prj`` puts a VN-2000 TM-3 or UTM 48N/49N projection on the WGS 84 datum
    is read as VN-2000, like MapInfo files (above). A file with several layers needs ``layer``.

    Returns
    -------
    GeoDataFrame (or DataFrame for a layer type with optional geometry read from a table) with
    canonical columns, metadata in ``attrs["gisplan"]``.

    Raises
    ------
    LayerNotFoundError, ReadError, CRSError, SchemaError, ValidationError, EncodingError,
    DataMissingError (``where`` kept nothing)
    """
    return _read_layer(source, layer_type=layer_type, layer=layer, catalog=catalog, crs=crs,
                       assume_crs=assume_crs, encoding=encoding, columns=columns, defaults=defaults,
                       strict=strict, overlap_tolerance_m2=overlap_tolerance_m2, quiet=False, where=where)


def _read_layer(source, *, layer_type, layer, catalog, crs, assume_crs, encoding, columns, defaults,
                strict, overlap_tolerance_m2, quiet, where=None) -> gpd.GeoDataFrame:
    encoding = normalize_encoding(encoding)
    if catalog is None and not Path(source).exists():
        try:
            catalog = load_catalog()
        except LayerNotFoundError:
            catalog = None
    if catalog is not None and isinstance(source, str) and source in catalog and not Path(source).exists():
        return read_catalog_layer(catalog, source, crs=crs, strict=strict, encoding=encoding,
                                  assume_crs=assume_crs, columns=columns, defaults=defaults,
                                  overlap_tolerance_m2=overlap_tolerance_m2, _quiet=quiet,
                                  **({"where": where} if where is not None else {}))
    ltype = _layer_type(layer_type, catalog, source)
    return _read(Path(source), ltype, layer=layer, crs=crs, assume_crs=assume_crs,
                 encoding=encoding, columns=columns or {}, defaults=defaults or {}, strict=strict,
                 entry=None, overlap_tolerance_m2=overlap_tolerance_m2, quiet=quiet, where=where)


def read(source: str | os.PathLike, *, catalog: Catalog | None = None, layer_type: str | None = None,
         **kw: Any) -> gpd.GeoDataFrame | RasterSource:
    """The one entry point: read any layer of the plan by path or catalog entry name.

    Vector layers (GeoPackage, Shapefile, GeoJSON, KML/KMZ, MapInfo, CSV, GeoParquet …) go
    through :func:`read_layer` and come back as a validated GeoDataFrame in EPSG:9213 (or
    ``crs=``); rasters (GeoTIFF/COG, VRT) through :func:`open_raster` and come back as a
    :class:`RasterSource` — checked from its header and sampled blocks, never read whole; the
    indicators stream it in strips. ``kw`` goes to the reader (``crs=`` declares a raster's CRS
    when its file carries none).
    """
    entry = None
    if isinstance(source, str) and not Path(source).exists():
        cat = catalog if catalog is not None else load_catalog()
        if source in cat:
            entry, catalog = cat.entry(source), cat
    is_raster = (catalog.layer_type(entry.type).kind == "raster") if entry is not None \
        else Path(source).suffix.lower() in RASTER_SUFFIXES
    if is_raster:
        return open_raster(source, catalog=catalog, layer_type=layer_type, crs=kw.pop("crs", None))
    return read_layer(source, catalog=catalog, layer_type=layer_type, **kw)


def read_catalog_layer(catalog: Catalog, name: str, **kw: Any) -> gpd.GeoDataFrame:
    """Read the catalog entry ``name`` with :func:`read_layer` (entry options apply: layer,
    columns, defaults, crs declared for data without one, encoding, ``where`` filter, year,
    source, licence).

    The entry's ``where`` (``where=`` overrides it) is an SQL WHERE expression over the file's own
    column names (before ``columns`` renames them) and its decoded Unicode text; see
    :func:`read_layer`. A filter that keeps no feature raises
    :class:`~gisplan.errors.DataMissingError` naming the entry and the filter; a malformed one
    (bad syntax, unknown column) a :class:`~gisplan.errors.CatalogError` naming the entry and
    the key ``where``.
    """
    entry = catalog.entry(name)
    ltype = catalog.layer_type(entry.type)
    if ltype.kind != "vector":
        raise SchemaError(f"catalog entry {name!r} is a raster ({entry.type}); use open_raster() or gisplan.read()")
    columns = {**entry.columns, **(kw.pop("columns", None) or {})}
    defaults = {**entry.options.get("defaults", {}), **(kw.pop("defaults", None) or {})}
    assume = kw.pop("assume_crs", None) or entry.crs
    encoding = normalize_encoding(kw.pop("encoding", "auto"))
    if encoding == "auto":
        encoding = entry.encoding
    where = kw.pop("where", entry.where)
    return _read(entry.path, ltype, layer=kw.pop("layer", entry.layer), assume_crs=assume,
                 encoding=encoding, columns=columns, defaults=defaults, entry=entry,
                 crs=kw.pop("crs", TARGET_CRS), strict=kw.pop("strict", True),
                 overlap_tolerance_m2=kw.pop("overlap_tolerance_m2", None), quiet=kw.pop("_quiet", False),
                 where=where)


def validate(source: str | os.PathLike, *, layer_type: str | None = None, catalog: Catalog | None = None,
             **read_kw: Any) -> ValidationReport:
    """Validate a layer (path or catalog entry name) and return every problem found.

    Structural problems (missing file, unreadable file, missing required column, empty layer, no
    CRS) become error issues instead of exceptions. What :func:`read_layer` would announce as
    Python warnings or log lines (decoded legacy text, an assumed CRS, repairs) is only in the
    report, as warning issues (codes ``text_decoded``, ``crs_assumed``, ``axes_swapped``,
    ``geometry_repaired`` …).
    """
    report = ValidationReport(file=str(source))
    kw = dict(layer=None, crs=TARGET_CRS, assume_crs=None, encoding="auto", columns=None,
              defaults=None, overlap_tolerance_m2=None, where=None)
    unknown = set(read_kw) - set(kw)
    if unknown:
        raise TypeError(f"validate() got unexpected keyword argument(s) {', '.join(sorted(unknown))}")
    kw.update(read_kw)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GisplanWarning)
            gdf = _read_layer(source, layer_type=layer_type, catalog=catalog, strict=False, quiet=True, **kw)
    except GisplanError as exc:  # unreadable, no CRS, missing column, undecodable text …
        report.add("error", type(exc).__name__, str(exc))
        return report
    report.issues = [_issue_from_record(r) for r in gdf.attrs["gisplan"]["issues"]]
    return report


def write_layer(gdf: gpd.GeoDataFrame, path: str | os.PathLike, *, layer: str | None = None,
                overwrite: bool = False) -> Path:
    """Write a layer atomically; the format follows the suffix (.gpkg, .geojson, .shp, .fgb,
    .parquet). Refuses to replace an existing file unless ``overwrite=True``; never writes
    onto the file a layer was read from (nor onto one of its sidecars).

    Returns
    -------
    The path written.
    """
    path = Path(path)
    src = (gdf.attrs.get("gisplan") or {}).get("source")
    if src and Path(src).resolve() == path.resolve():
        raise ReadError(f"refusing to write {path}: it is the layer's own input file; choose another output")
    inputs = input_files([src])
    suffix = path.suffix.lower()
    if suffix == ".shp":
        return _write_shapefile(_for_writing(gdf), path, overwrite=overwrite, inputs=inputs)
    check_output(path, overwrite=overwrite, inputs=inputs)
    out = _for_writing(gdf)
    with atomic_path(path, overwrite=overwrite, inputs=inputs) as tmp:
        if suffix in (".parquet", ".geoparquet"):
            out.to_parquet(tmp)
        else:
            driver = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".fgb": "FlatGeobuf"}.get(suffix)
            if driver is None:
                raise ReadError(f"{path}: cannot write {suffix!r}; use .gpkg, .geojson, .shp, .fgb or .parquet")
            meta = gdf.attrs.get("gisplan") or {}
            kw = {}
            if driver == "GPKG":
                note = SYNTHETIC_NOTE if meta.get("synthetic") else meta.get("source_note", "")
                kw["layer_metadata"] = {"DESCRIPTION": note} if note else None
            pyogrio.write_dataframe(out, tmp, layer=layer or path.stem, driver=driver, **kw)
    return path


# ---------------------------------------------------------------------------------------------
def _layer_type(layer_type, catalog, source) -> LayerType:
    if layer_type is None:
        return ANY_LAYER
    cat = catalog if catalog is not None else Catalog(None)
    return cat.layer_type(layer_type)


def _read(path: Path, ltype: LayerType, *, layer, crs, assume_crs, encoding, columns, strict,
          entry: CatalogEntry | None, defaults: Mapping[str, Any] | None = None,
          overlap_tolerance_m2: float | None = None, quiet: bool = False,
          where: str | None = None) -> gpd.GeoDataFrame:
    columns = dict(columns or {})
    coord_names = set(_X_COLUMNS) | set(_Y_COLUMNS)
    axes = {k: v for k, v in columns.items() if str(v).lower() in coord_names} if path.suffix.lower() == ".csv" else {}
    for k in axes:
        columns.pop(k)
    raw, layer, notes = _open_vector(path, layer, ltype, encoding, assume_crs=assume_crs, axes=axes)
    raw, decoded = fix_text_columns(raw, encoding=encoding if encoding else "auto")
    raw, decoded, columns, names_note = _decode_names(raw, path, encoding, decoded, columns)
    where_note = None
    if where is not None:
        raw, where_note = _apply_where(raw, where, path, layer, entry)
    report = ValidationReport(file=str(path), layer=layer)
    if decoded:
        msg = f"{path}: text decoded to Unicode from " + ", ".join(f"{c} ({e})" for c, e in decoded.items())
        log.info(msg)
        if any(e in ("tcvn3", "vni") for e in decoded.values()):
            warnings.warn(msg, RepairWarning, stacklevel=4)
        declared = _declared_encoding(path)
        for col, enc in decoded.items():
            if _codec(enc) == declared:
                continue  # what the file says it holds (e.g. UTF-8 with a .cpg saying so)
            says = f"the file declares {declared}" if declared else "the file declares no encoding"
            report.add("warning", "text_decoded", f"text decoded to Unicode (NFC) from {enc} ({says})",
                       column=_canonical_name(col, ltype, columns))
    for code, message, column in notes:
        report.add("warning", code, message, column=column)
    if names_note:
        report.add("warning", "text_decoded", names_note)
    renamed = _canonical_columns(raw, ltype, columns)
    renamed = _apply_defaults(renamed, defaults or {})
    renamed, derived = _derive_columns(renamed, ltype)
    source_crs = renamed.crs.to_wkt() if isinstance(renamed, gpd.GeoDataFrame) and renamed.crs else None
    gdf, crs_note, assumed = _resolve_crs(renamed, path, assume_crs)
    if assumed:
        report.add("warning", "crs_assumed", f"{crs_note}. To override, declare the CRS: --assume-crs "
                   f"EPSG:… (CLI), crs = \"EPSG:…\" in the catalog entry, assume_crs=… (Python)",
                   column="geometry")
    fixed, report = validate_frame(gdf, ltype, file=str(path), layer=layer, report=report,
                                   overlap_tolerance_m2=overlap_tolerance_m2)
    for col, how in derived.items():
        report.add("warning", "derived_column", f"{col} derived {how}", column=col)
    if isinstance(fixed, gpd.GeoDataFrame) and crs is not None and fixed.crs is not None:
        target = to_crs(crs)
        if not fixed.crs.equals(target):
            fixed = _reproject(fixed, target, ltype, report)
    keep = [c for c in ltype.attributes if c in fixed.columns]
    extra = [c for c in fixed.columns if c not in keep and c != getattr(fixed, "_geometry_column_name", None)]
    fixed = fixed[keep + extra + ([fixed.geometry.name] if isinstance(fixed, gpd.GeoDataFrame) else [])]
    fixed.attrs["gisplan"] = {
        "layer_type": None if ltype is ANY_LAYER else ltype.id,
        "name": entry.name if entry else path.stem,
        "source": str(path),
        "layer": layer,
        "source_crs": source_crs,
        "crs_assumed": crs_note,
        "axes_swapped": next((m for c, m, _ in notes if c == "axes_swapped"), None),
        "where": where_note,
        "encoding": decoded or None,
        "year": entry.year if entry else None,
        "synthetic": bool(entry.synthetic) if entry else False,
        "source_note": entry.source if entry else "",
        "licence": entry.licence if entry else "",
        "issues": report.records(),
    }
    if fixed.attrs["gisplan"]["synthetic"]:
        fixed.attrs["gisplan"]["source_note"] = f"{SYNTHETIC_NOTE}. {fixed.attrs['gisplan']['source_note']}".strip()
    if not quiet:
        # assumed CRS, swapped axes and legacy text were announced as Python warnings already
        announced = {"crs_assumed", "axes_swapped", "text_decoded"}
        for issue in ValidationReport([i for i in report.warnings if i.code not in announced]).capped():
            log.warning("%s: %s", issue.where(), issue.message)
    if strict and not report.ok:
        raise ValidationError(
            f"{path}{f' (layer {layer})' if layer else ''}: {len(report.errors)} error(s) in "
            f"{ltype.id}:\n{ValidationReport(report.errors)}", report
        )
    return fixed


def _decode_names(df, path: Path, encoding: str, decoded: dict, columns: dict):
    """Column names of a Shapefile (DBF field names are bytes, read as Latin-1) written in
    TCVN3, VNI or UTF-8 → Unicode NFC; ``columns`` may name them either way. Returns (frame,
    decoded text columns under their new names, column mapping, note or None)."""
    if path.suffix.lower() not in (".shp", ".dbf") or encoding not in ("auto", "tcvn3", "vni"):
        return df, decoded, columns, None
    geom = getattr(df, "_geometry_column_name", None)
    new = decode_column_names([c for c in df.columns if c != geom], encoding, hint=decoded.values())
    if not new:
        return df, decoded, columns, None
    lower = {str(k).lower(): v for k, v in new.items()}
    columns = {lower.get(str(k).lower(), k): v for k, v in columns.items()}
    decoded = {new.get(c, c): e for c, e in decoded.items()}
    note = "column names decoded to Unicode: " + ", ".join(f"{a!r} → {b!r}" for a, b in new.items())
    log.info("%s: %s", path, note)
    return df.rename(columns=new), decoded, columns, note


def _codec(name: str | None) -> str | None:
    """Python's canonical codec name (``"UTF-8"`` → ``"utf-8"``, ``"1258"`` → ``"cp1258"``),
    the name itself for gisplan's legacy encodings, None when unknown."""
    if not name:
        return None
    name = str(name).strip().lower()
    if name in ("tcvn3", "vni"):
        return name
    if name.isdigit():
        name = {"65001": "utf-8", "28591": "latin-1", "88591": "latin-1"}.get(name, f"cp{name}")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _declared_encoding(path: Path) -> str | None:
    """The text encoding a file declares: a Shapefile's .cpg (None without one); UTF-8 for
    formats that are UTF-8 by definition (GeoPackage, GeoJSON, KML, FlatGeobuf, GeoParquet)."""
    suffix = path.suffix.lower()
    if suffix in (".shp", ".dbf"):
        cpg = path.with_suffix(".cpg")
        if not cpg.exists():
            cpg = path.with_suffix(".CPG")
        return _codec(cpg.read_text(encoding="ascii", errors="replace")) if cpg.exists() else None
    if suffix in (".gpkg", ".geojson", ".json", ".kml", ".kmz", ".fgb", ".parquet", ".geoparquet"):
        return "utf-8"
    return None


def _canonical_name(col: str, ltype: LayerType, columns: Mapping[str, str]) -> str:
    """The canonical name a source column will get (for messages before renaming)."""
    for src, dst in columns.items():
        if str(src).lower() == str(col).lower():
            return dst
    for attr in ltype.attributes.values():
        if str(col).lower() in {c.lower() for c in (attr.name, *attr.aliases, attr.name[:10])}:
            return attr.name
    return col


def _open_vector(path: Path, layer: str | None, ltype: LayerType, encoding: str, *, assume_crs=None,
                 axes: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, str | None, list]:
    """Open a vector file: (frame, layer name, notes); notes are (code, message, column) of
    repairs made while reading (e.g. swapped CSV axes)."""
    if not path.exists():
        raise LayerNotFoundError(f"{path} does not exist")
    suffix = path.suffix.lower()
    if suffix in RASTER_SUFFIXES:
        raise SchemaError(f"{path} is a raster; layer type {ltype.id!r} is a vector layer "
                          "(rasters: open_raster() or gisplan.read())")
    if path.is_file() and path.stat().st_size == 0:
        raise ReadError(f"cannot read {path}: the file is empty (0 bytes); it was not written or not "
                        f"copied completely: copy it again from its source")
    if suffix == ".shp":
        for part in (".dbf", ".shx"):
            comp = next((c for c in (path.with_suffix(part), path.with_suffix(part.upper())) if c.exists()), None)
            if comp is not None and comp.stat().st_size == 0:
                raise ReadError(f"cannot read {path}: its {comp.name} is empty (0 bytes); copy the "
                                f"Shapefile's files (.shp, .shx, .dbf, .prj, .cpg) again from its source")
        if not any(path.with_suffix(p).exists() for p in (".shx", ".SHX")):
            raise ReadError(f"cannot read {path}: its index file {path.with_suffix('.shx').name} is missing; "
                            "copy the Shapefile's files (.shp, .shx, .dbf, .prj, .cpg) together from its source")
    if path.is_dir() and suffix != ".gdb" and not any(path.glob("*.shp")):
        raise ReadError(f"cannot read {path}: it is a folder, not a layer file; give the file inside it "
                        "(e.g. .gpkg, .shp, .geojson)")
    try:
        if suffix == ".csv":
            df, notes = _read_csv(path, ltype, assume_crs=assume_crs, axes=axes or {})
            return df, None, notes
        if suffix in (".parquet", ".geoparquet"):
            return gpd.read_parquet(path), None, []
        if suffix == ".shp":
            _check_shp_length(path)
        target = str(path)  # .kmz: read by GDAL's LIBKML driver
        layer = _pick_layer(target, path, layer, ltype)
        kw = {}
        if suffix in (".shp", ".dbf"):
            # read bytes one-to-one; fix_text_columns decides what they are (.cpg may be wrong)
            kw["encoding"] = "latin1" if encoding in ("auto", "tcvn3", "vni") else encoding
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*has GPKG application_id.*")
            warnings.filterwarnings("ignore", category=RuntimeWarning, module="pyogrio")
            gdf = pyogrio.read_dataframe(target, layer=layer, **kw)
        return gdf, layer, []
    except (LayerNotFoundError, SchemaError, CRSError, ReadError):
        raise
    except Exception as exc:  # pyogrio/GDAL/arrow errors: report the file, not the library
        raise ReadError(
            f"cannot read {path}: {exc}. The file may be truncated, corrupt or not a "
            f"{suffix.lstrip('.').upper()} file; re-export it from its source"
        ) from exc


def _check_shp_length(path: Path) -> None:
    """A .shp header records the file length; a shorter file was cut off in transfer."""
    with open(path, "rb") as f:
        header = f.read(28)
    if len(header) < 28:
        raise ReadError(f"cannot read {path}: the file is truncated (no complete header)")
    declared = int.from_bytes(header[24:28], "big") * 2
    actual = path.stat().st_size
    if actual < declared:
        raise ReadError(
            f"cannot read {path}: the file is truncated ({actual} of {declared} bytes); "
            f"copy it again from its source"
        )


def _pick_layer(target: str, path: Path, layer: str | None, ltype: LayerType) -> str | None:
    """The layer to read: ``layer`` when given (it must exist), else the only layer, else the
    only layer with geometries, else the layer named like the layer type; several candidates
    are a :class:`LayerNotFoundError` listing them."""
    try:
        listed = pyogrio.list_layers(target)
    except Exception as exc:
        raise ReadError(f"cannot open {path}: {exc}. The file may be truncated or corrupt") from exc
    layers = [str(row[0]) for row in listed]
    if layer is not None:
        if layer not in layers:
            raise LayerNotFoundError(f"{path} has no layer {layer!r}; layers: {', '.join(layers)}")
        return layer
    if len(layers) <= 1:
        return layers[0] if layers else None
    spatial = [str(row[0]) for row in listed if row[1] is not None]
    if len(spatial) == 1:
        return spatial[0]
    if ltype.id in layers:
        return ltype.id
    shown = ", ".join(spatial or layers)
    raise LayerNotFoundError(
        f"{path} has {len(spatial or layers)} layers ({shown}); say which one to read: "
        f"layer=\"…\" (Python), --layer … (CLI) or layer = \"…\" in the catalog entry")


def _read_csv(path: Path, ltype: LayerType, *, assume_crs=None,
              axes: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, list]:
    """Read a CSV table: points from coordinate columns (x/y, lon/lat, kinh_do/vi_do,
    easting/northing) or geometries from a WKT column; a plain table when the layer type allows.

    ``axes`` maps source columns onto coordinate names (``{"X": "northing", "Y": "easting"}``),
    declaring the axis order. Points from undeclared ``x``/``y`` columns that fit the province in
    VN-2000 (EPSG:9213 / 3405, or the declared ``assume_crs`` when it is VN-2000 projected) only
    as X = northing, Y = easting are swapped; a table mixing both orders is refused
    (:class:`~gisplan.errors.CRSError` naming the lines).

    Returns
    -------
    (frame without CRS, notes as (code, message, column))
    """
    sep = _csv_separator(path)
    try:
        text_df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False, sep=sep)
    except UnicodeDecodeError:
        text_df = pd.read_csv(path, encoding="latin1", dtype=str, keep_default_na=False, sep=sep)
    text_df = text_df.replace({"": None})
    lower = {c.lower().strip(): c for c in text_df.columns}
    declared = {}
    for src, dst in (axes or {}).items():
        real = lower.get(str(src).lower().strip())
        if real is None:
            raise SchemaError(f"{path}: column mapping names {src!r}, which is not in the data; "
                              f"columns: {', '.join(map(str, text_df.columns))}")
        declared[str(dst).lower()] = real
    lower = {k: v for k, v in lower.items() if v not in declared.values()}
    lower.update(declared)
    wkt = next((lower[c] for c in _WKT_COLUMNS if c in lower), None)
    xcol = next((lower[c] for c in _X_COLUMNS if c in lower), None)
    ycol = next((lower[c] for c in _Y_COLUMNS if c in lower), None)
    if wkt:
        geom = shapely.from_wkt(text_df[wkt].to_numpy(dtype=object), on_invalid="ignore")
        return gpd.GeoDataFrame(text_df.drop(columns=[wkt]), geometry=geom, crs=None), []
    if xcol and ycol:
        x = pd.to_numeric(text_df[xcol].str.replace(",", ".", regex=False), errors="coerce")
        y = pd.to_numeric(text_df[ycol].str.replace(",", ".", regex=False), errors="coerce")
        bad = x.isna() | y.isna()
        if bad.any():
            rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad)[:10])
            raise SchemaError(f"{path}: columns {xcol}/{ycol} are not numeric coordinates on line(s) {rows}")
        notes = []
        ambiguous = (xcol.lower().strip() in _AMBIGUOUS_XY[0] and ycol.lower().strip() in _AMBIGUOUS_XY[1]
                     and not declared)
        if ambiguous:
            x, y, notes = _axis_order(path, xcol, ycol, x, y, assume_crs)
        return gpd.GeoDataFrame(text_df.drop(columns=[xcol, ycol]), geometry=gpd.points_from_xy(x, y),
                                crs=None), notes
    if ltype.geometry_optional:
        return text_df, []
    needs = (f"layer type {ltype.id!r} needs geometries" if ltype.id != ANY_LAYER.id else
             "a layer read without a layer type needs geometries (a plain table: read it with pandas, "
             "or give its layer type when it has one, e.g. communes_pre2025)")
    raise SchemaError(
        f"{path}: no coordinate columns found (x/y, lon/lat, kinh_do/vi_do or a WKT column); "
        f"columns: {', '.join(map(str, text_df.columns))}; {needs}"
    )


def _csv_separator(path: Path) -> str:
    """``;`` for tables written with semicolons (spreadsheets in locales with a decimal comma,
    ``105,83``), tab for tab-separated ones, else ``,``: judged from the header line."""
    with open(path, "rb") as f:
        head = f.readline().decode("latin-1")
    counts = {sep: head.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _axis_order(path: Path, xcol: str, ycol: str, x: pd.Series, y: pd.Series, assume_crs):
    """Swap x/y columns holding (northing, easting) in VN-2000 (see :func:`_read_csv`)."""
    declared = to_crs(assume_crs) if assume_crs is not None else None
    if declared is None and guess_crs((x.min(), y.min(), x.max(), y.max())) is not None:
        return x, y, []  # fits as it is (degrees or VN-2000 easting/northing)
    order = check_axis_order(x.to_numpy(), y.to_numpy(), declared)
    if order is None:
        return x, y, []
    code = order.crs.to_epsg()
    crs_label = f"{order.crs.name}{f' (EPSG:{code})' if code else ''}"
    how = (f"read_layer(..., columns={{{xcol!r}: 'northing', {ycol!r}: 'easting'}}) or "
           f"columns = {{ {xcol} = \"northing\", {ycol} = \"easting\" }} in the catalog entry "
           f"(or 'easting'/'northing' the other way round)")
    if len(order.mixed):
        lines = ", ".join(str(i + 2) for i in order.mixed[:10])
        more = f" and {len(order.mixed) - 10} more" if len(order.mixed) > 10 else ""
        major = f"{xcol} = northing, {ycol} = easting" if order.swap else f"{xcol} = easting, {ycol} = northing"
        raise CRSError(
            f"{path}: columns {xcol}/{ycol} fit the province in {crs_label} as {major} on most lines "
            f"but the other way round on line(s) {lines}{more}: the axis order is ambiguous. Fix those "
            f"lines, or declare which column is which: {how}"
        )
    if not order.swap:
        return x, y, []
    msg = (f"columns {xcol}/{ycol} hold northing/easting (the VN-2000 survey convention X = northing, "
           f"Y = easting): the coordinates fit the province in {crs_label} only that way, so they "
           f"were swapped. Declare the axes to silence this: {how}")
    warnings.warn(f"{path}: {msg}", RepairWarning, stacklevel=7)
    return y, x, [("axes_swapped", msg, "geometry")]


def _canonical_columns(df: pd.DataFrame, ltype: LayerType, columns: Mapping[str, str]) -> pd.DataFrame:
    geom_name = getattr(df, "_geometry_column_name", None)
    src_by_lower = {str(c).lower(): c for c in df.columns if c != geom_name}
    rename: dict[str, str] = {}
    for src, dst in columns.items():
        real = src_by_lower.get(str(src).lower())
        if real is None:
            raise SchemaError(
                f"column mapping names {src!r}, which is not in the data; columns: "
                f"{', '.join(map(str, src_by_lower.values()))}"
            )
        rename[real] = dst
    taken = set(rename.values())
    for attr in ltype.attributes.values():
        if attr.name in taken:
            continue
        for cand in (attr.name, *attr.aliases, attr.name[:10]):
            real = src_by_lower.get(cand.lower())
            if real is not None and real not in rename:
                rename[real] = attr.name
                taken.add(attr.name)
                break
    out = df.rename(columns=rename)
    if out.columns.duplicated().any():
        dups = sorted({str(c) for c in out.columns[out.columns.duplicated()]})
        raise SchemaError(f"columns map onto the same canonical name(s): {', '.join(dups)}")
    return out


def _apply_defaults(df: pd.DataFrame, defaults: Mapping[str, Any]) -> pd.DataFrame:
    missing = {k: v for k, v in defaults.items() if k not in df.columns}
    if not missing:
        return df
    out = df.copy()
    for col, value in missing.items():
        if isinstance(value, str) and value.startswith("$"):
            if value[1:] not in out.columns:
                raise SchemaError(f"default for {col!r} copies column {value[1:]!r}, which the data lacks")
            out[col] = out[value[1:]]
        else:
            out[col] = value
    return out


def _derive_columns(df: pd.DataFrame, ltype: LayerType) -> tuple[pd.DataFrame, dict[str, str]]:
    """Fill a missing ``unit_type`` of administrative units from the name prefix (Xã/Phường/
    Thị trấn), the way official names are written."""
    attr = ltype.attributes.get("unit_type")
    if attr is None or "unit_type" in df.columns or "name" not in df.columns:
        return df, {}
    types = df["name"].map(unit_type_of)
    if types.isna().any():
        return df, {}
    out = df.copy()
    out["unit_type"] = types
    return out, {"unit_type": "from the name prefix (Xã / Phường / Thị trấn)"}


def _resolve_crs(df: pd.DataFrame, path: Path, assume_crs) -> tuple[pd.DataFrame, str | None, bool]:
    """Give ``df`` its CRS: (frame, note for the metadata, whether the CRS was assumed by
    gisplan rather than taken from the file or declared)."""
    if not isinstance(df, gpd.GeoDataFrame):
        return df, None, False
    geoms = df.geometry
    valid = geoms[~(geoms.is_empty | geoms.isna()).to_numpy() & ~nonfinite_rows(geoms.values)]
    bounds = tuple(float(b) for b in valid.total_bounds) if len(valid) else None
    not_degrees = None
    if (df.crs is not None and df.crs.is_geographic and path.suffix.lower() in _GEOJSON_SUFFIXES
            and bounds is not None and not _degrees(bounds)):
        # RFC 7946: GeoJSON is WGS 84 degrees, so GDAL labels every GeoJSON EPSG:4326; these
        # coordinates are not degrees: the file was written in a projected CRS without saying so
        not_degrees = (f"{path} is GeoJSON, which RFC 7946 defines as WGS 84 degrees, but its "
                       f"coordinates (bounds {tuple(round(b, 3) for b in bounds)}) are not degrees "
                       f"(|x| > 180 or |y| > 90): it is read as data without a CRS")
        df = df.set_crs(None, allow_override=True)
    if df.crs is not None:
        if path.suffix.lower() in _LOST_DATUM_SUFFIXES and bounds is not None:
            vn = recognise_vn2000(df.crs, bounds, utm=path.suffix.lower() in _MAPINFO_SUFFIXES)
            if vn is not None and assume_crs is not None:
                crs = to_crs(assume_crs)
                return (df.set_crs(crs, allow_override=True),
                        f"declared {crs.name} (EPSG:{crs.to_epsg()}) for a file whose projection "
                        f"lacks the VN-2000 datum", False)
            if vn is not None:
                code = vn.crs.to_epsg()
                note = f"assumed {vn.crs.name}{f' (EPSG:{code})' if code else ''}: {vn.reason}"
                warnings.warn(f"{path}: {note}. If the file really is on WGS 84, declare it: "
                              f"assume_crs=… (Python), crs = \"EPSG:…\" in the catalog entry, "
                              f"--assume-crs (CLI).", AssumedCRSWarning, stacklevel=5)
                return df.set_crs(vn.crs, allow_override=True), note, True
        if assume_crs is not None and not df.crs.equals(to_crs(assume_crs)):
            log.info("%s has CRS %s; the declared %s is ignored", path, df.crs.name, assume_crs)
        return df, None, False
    if assume_crs is not None:
        crs = to_crs(assume_crs)
        return df.set_crs(crs), f"declared {crs.name} (EPSG:{crs.to_epsg()}) for data without a CRS", False
    guess = guess_crs(bounds) if bounds is not None else None
    if guess is None:
        shown = tuple(round(b, 3) for b in bounds) if bounds is not None else "empty"
        what = (f"{not_degrees}, and its coordinates do not fit " if not_degrees else
                f"{path} has no CRS (no .prj / no CRS in the file) and its coordinates "
                f"(bounds {shown}) do not fit ")
        add = "" if not_degrees else ", or add a .prj file"
        raise CRSError(
            f"{what}VN-2000 / TM-3 106°30', VN-2000 / UTM 48N or WGS 84 degrees over the province. "
            f"Declare it: --assume-crs EPSG:… (CLI), crs = \"EPSG:…\" in the catalog entry, "
            f"assume_crs=… (Python){add}"
        )
    note = f"assumed {guess.crs.name} (EPSG:{guess.crs.to_epsg()}): {guess.reason}"
    if not_degrees:
        note = f"{note} (GeoJSON whose coordinates are not degrees)"
        warnings.warn(f"{not_degrees}; {note}. Pass assume_crs / crs = … to override.",
                      AssumedCRSWarning, stacklevel=5)
    else:
        warnings.warn(f"{path} has no CRS; {note}. Pass assume_crs / crs = … to override.",
                      AssumedCRSWarning, stacklevel=5)
    return df.set_crs(guess.crs), note, True


def _degrees(bounds: tuple[float, float, float, float]) -> bool:
    """Whether bounds can be longitude/latitude degrees (|x| ≤ 180, |y| ≤ 90)."""
    return max(abs(bounds[0]), abs(bounds[2])) <= 180.0 and max(abs(bounds[1]), abs(bounds[3])) <= 90.0


def _reproject(gdf: gpd.GeoDataFrame, target: CRS, ltype: LayerType,
               report: ValidationReport) -> gpd.GeoDataFrame:
    """``gdf.to_crs(target)``; features whose coordinates are not finite afterwards (outside
    the area where the source CRS can be transformed, e.g. latitudes beyond 90°) are errors
    naming their rows, and are left with an empty geometry."""
    src = gdf.crs
    out = gdf.to_crs(target)
    bad = nonfinite_rows(out.geometry.values)
    if bad.any():
        col = ltype.id_column
        ids = (out[col].astype(object) if col and col in out.columns
               else pd.Series(range(len(out)), index=out.index, dtype=object))
        for pos in np.flatnonzero(bad):
            report.add("error", "nonfinite_after_reprojection",
                       f"coordinates are not finite after reprojection from {src.name} to {target.name} "
                       f"(the feature lies where that transformation is not defined): check the "
                       f"declared CRS; the geometry is left out (empty)",
                       column="geometry", row=ids.iloc[pos] if pd.notna(ids.iloc[pos]) else int(pos))
        geoms = out.geometry.values.copy()
        geoms[bad] = None
        out[out.geometry.name] = gpd.GeoSeries(geoms, index=out.index, crs=out.crs)
    return out


# ---------------------------------------------------------------------------------------------
# attribute filter (catalog key `where`)
def _apply_where(df: pd.DataFrame, where: str, path: Path, layer: str | None,
                 entry: CatalogEntry | None) -> tuple[pd.DataFrame, dict]:
    """Keep the rows of ``df`` (decoded text, the file's own column names) matching the SQL
    WHERE expression ``where``, evaluated by SQLite with a ``LIKE`` that ignores case for every
    letter (Vietnamese included). Returns (kept rows, {"filter", "kept", "dropped"})."""
    label = f"catalog entry {entry.name!r}" if entry is not None else str(path)
    in_file = f"{path}{f' (layer {layer})' if layer else ''}"
    where = unicodedata.normalize("NFC", str(where)).strip()
    geom = getattr(df, "_geometry_column_name", None)
    cols = [c for c in df.columns if c != geom]

    def refuse(why: str) -> CatalogError | OptionError:
        msg = (f"{label}: key 'where': cannot apply the filter {where!r} to {in_file}: {why}. Write an "
               f"SQL WHERE expression over the file's columns ({', '.join(map(str, cols)) or 'none'}), "
               f"e.g. name = 'Ba Bể' or ten LIKE 'Kim H%'")
        return CatalogError(msg) if entry is not None else OptionError(msg)

    lowered = [str(c).lower() for c in cols]
    if len(set(lowered)) < len(lowered):
        raise refuse("the file has columns differing only in case, which SQL cannot tell apart")
    table = pd.DataFrame({str(c): _sql_column(df[c]) for c in cols})
    table["__gisplan_row__"] = np.arange(len(df))
    con = sqlite3.connect(":memory:")
    try:
        con.create_function("like", 2, _sql_like, deterministic=True)
        con.create_function("like", 3, _sql_like, deterministic=True)
        table.to_sql("layer", con, index=False)
        rows = [r[0] for r in con.execute(f"SELECT __gisplan_row__ FROM layer WHERE ({where})")]
    except (sqlite3.Error, sqlite3.Warning) as exc:
        raise refuse(str(exc)) from None
    finally:
        con.close()
    if not rows:
        raise DataMissingError(
            f"{label}: the filter where = {where!r} keeps none of the {len(df)} features of {in_file}; "
            f"check the column names and the values (text compares exactly, LIKE ignores case "
            f"and takes % and _ as wildcards)")
    kept = df.iloc[np.sort(np.asarray(rows, dtype=np.int64))]
    note = {"filter": where, "kept": len(kept), "dropped": len(df) - len(kept)}
    log.info("%s: where %s kept %d of %d features", label, where, len(kept), len(df))
    return kept, note


def _sql_column(s: pd.Series) -> pd.Series:
    """A column as values SQLite stores: numbers, text, NULL (dates and other objects as text)."""
    if pd.api.types.is_bool_dtype(s):
        return s.astype("float64").where(s.notna(), None)
    if pd.api.types.is_numeric_dtype(s):
        return s
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.strftime("%Y-%m-%d").where(s.notna(), None)

    def scalar(v):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
            return None
        if isinstance(v, (str, int, float)):
            return v
        if isinstance(v, (dt.date, pd.Timestamp)):
            return v.isoformat()
        if isinstance(v, bytes):
            return v.decode("latin-1")
        return str(v)

    return s.astype(object).map(scalar)


@functools.lru_cache(maxsize=64)
def _like_regex(pattern: str, escape: str | None) -> re.Pattern:
    out = []
    chars = iter(unicodedata.normalize("NFC", pattern).casefold())
    for ch in chars:
        if escape is not None and ch == escape:
            out.append(re.escape(next(chars, "")))
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL)


def _sql_like(pattern, value, escape=None):
    """SQL ``value LIKE pattern``, ignoring case for every letter (Python's casefold)."""
    if pattern is None or value is None:
        return None
    rx = _like_regex(str(pattern), None if escape is None else str(escape).casefold())
    return rx.fullmatch(unicodedata.normalize("NFC", str(value)).casefold()) is not None


def _issue_from_record(r: dict):
    from gisplan._validate import Issue

    return Issue(**r)


def _for_writing(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out.attrs = {}
    for col in out.columns:
        if col == out.geometry.name:
            continue
        s = out[col]
        if s.dtype == object and s.map(lambda v: isinstance(v, dt.date)).any():
            out[col] = s.map(lambda v: v.isoformat() if isinstance(v, dt.date) else None)
        elif str(s.dtype) == "boolean":
            out[col] = s.astype(object).where(s.notna(), None)
    return out


def _write_shapefile(gdf: gpd.GeoDataFrame, path: Path, *, overwrite: bool, inputs=()) -> Path:
    """Write a shapefile: every part (.shp .shx .dbf .prj .cpg) is checked before anything is
    written, the parts are written in a temporary folder beside ``path`` and moved into place;
    the temporary folder is removed whatever happens."""
    parts = [path.with_suffix(ext) for ext in SHAPEFILE_PARTS]
    for part in parts:
        check_output(part, overwrite=overwrite, inputs=inputs)
    ensure_dir(path.parent)
    try:
        tmpdir = Path(tempfile.mkdtemp(prefix=f".{path.stem}.", suffix=".shpdir", dir=path.parent))
    except OSError as exc:
        raise OutputError(f"cannot write in {path.parent}: {exc.strerror or exc}") from exc
    try:
        with warnings.catch_warnings():
            # DBF field names are cut to 10 characters; read_layer maps them back
            warnings.filterwarnings("ignore", message="Normalized/laundered field name", category=RuntimeWarning)
            pyogrio.write_dataframe(gdf, tmpdir / path.name, driver="ESRI Shapefile", encoding="UTF-8")
        written = sorted(tmpdir.iterdir())
        for f in written:
            check_output(path.with_suffix(f.suffix), overwrite=overwrite, inputs=inputs)
        for f in written:
            os.replace(f, path.with_suffix(f.suffix))
        for part in parts:  # a part an earlier version had and this one has not (e.g. .prj)
            if part.exists() and part.suffix not in {f.suffix for f in written}:
                part.unlink()
    except OSError as exc:
        if isinstance(exc, GisplanError):
            raise
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return path


# ---------------------------------------------------------------------------------------------
# raster
@dataclass(frozen=True)
class RasterSource:
    """A raster opened and checked (header and sampled windows only), ready for windowed reads.

    ``crs`` is the raster's CRS (or the one declared in the catalog); ``res`` in CRS units.
    """

    path: Path
    crs: CRS
    transform: Any
    width: int
    height: int
    res: tuple[float, float]
    nodata: float | None
    dtype: str
    count: int
    bounds: tuple[float, float, float, float]
    layer_type: str | None = None
    name: str | None = None
    year: int | None = None
    synthetic: bool = False
    crs_declared: bool = False

    @property
    def pixel_area_ha(self) -> float:
        return abs(self.res[0] * self.res[1]) / 10_000.0

    def open(self):
        """``rasterio.open`` the file (a context manager)."""
        return rasterio.open(self.path)


def open_raster(source: str | os.PathLike, *, catalog: Catalog | None = None,
                layer_type: str | None = None, crs: Any = None) -> RasterSource:
    """Open a raster by path or catalog entry name and check it without reading it whole.

    Checks: the file opens, has a CRS (or one is declared with ``crs`` / the catalog entry),
    sampled blocks decode (a truncated file fails here), values in the samples are inside the
    layer type's range (warning otherwise), and a nodata value is declared (warning otherwise).

    Raises
    ------
    LayerNotFoundError, ReadError, CRSError
    """
    entry = None
    if isinstance(source, str) and not Path(source).exists():
        catalog = catalog if catalog is not None else load_catalog()
        if source in catalog:
            entry = catalog.entry(source)
    path = entry.path if entry else Path(source)
    ltype_id = entry.type if entry else layer_type
    declared = crs if crs is not None else (entry.crs if entry else None)
    if not path.exists():
        raise LayerNotFoundError(f"{path} does not exist")
    try:
        with rasterio.open(path) as ds:
            file_crs = ds.crs
            info = dict(transform=ds.transform, width=ds.width, height=ds.height, res=ds.res,
                        nodata=ds.nodata, dtype=ds.dtypes[0], count=ds.count, bounds=tuple(ds.bounds))
            samples = _sample_blocks(ds)
    except rasterio.errors.RasterioIOError as exc:
        raise ReadError(f"cannot read raster {path}: {exc}. The file may be truncated or not a GeoTIFF") from exc
    if file_crs is None and declared is None:
        raise CRSError(
            f"raster {path} has no CRS. Declare it: crs = \"EPSG:9213\" in the catalog entry, "
            f"open_raster(..., crs=…), or write it into the file (gdal_edit.py -a_srs EPSG:9213 {path.name})"
        )
    raster_crs = to_crs(declared) if file_crs is None else CRS.from_user_input(file_crs)
    cat = catalog if catalog is not None else Catalog(None)
    ltype = cat.types.get(ltype_id) if ltype_id else None
    floating = np.issubdtype(np.dtype(info["dtype"]), np.floating)
    if info["nodata"] is None:
        counted = "every finite pixel (NaN and ±inf are nodata)" if floating else "every pixel"
        warnings.warn(f"raster {path} declares no nodata value: {counted} counts as observed",
                      RepairWarning, stacklevel=2)
    if ltype is not None and ltype.raster.get("values") == "continuous":
        lo, hi = ltype.raster.get("min"), ltype.raster.get("max")
        vals = samples[samples != info["nodata"]] if info["nodata"] is not None else samples
        if floating:
            vals = vals[np.isfinite(vals)]
        if vals.size and ((lo is not None and vals.min() < lo) or (hi is not None and vals.max() > hi)):
            warnings.warn(
                f"raster {path}: sampled values {vals.min()}–{vals.max()} fall outside the "
                f"{ltype.id} range {lo}–{hi} ({ltype.raster.get('unit', '')}); check band and scaling",
                RepairWarning, stacklevel=2)
    return RasterSource(path=path, crs=raster_crs, layer_type=ltype_id, crs_declared=file_crs is None,
                        name=entry.name if entry else path.stem, year=entry.year if entry else None,
                        synthetic=bool(entry.synthetic) if entry else False, **info)


def _sample_blocks(ds) -> np.ndarray:
    """Decode a few blocks (first, middle, last) of band 1; a truncated file fails here."""
    bh, bw = ds.block_shapes[0]
    rows = sorted({0, (ds.height // 2 // bh) * bh, max(0, ((ds.height - 1) // bh) * bh)})
    cols = sorted({0, (ds.width // 2 // bw) * bw, max(0, ((ds.width - 1) // bw) * bw)})
    out = []
    for r in rows:
        for c in cols:
            win = Window(c, r, min(bw, ds.width - c), min(bh, ds.height - r))
            out.append(ds.read(1, window=win).ravel())
    return np.concatenate(out)
