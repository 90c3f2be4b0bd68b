"""Reading a layer: every supported format → a canonical, validated GeoDataFrame in VN-2000 /
TM-3 106°30' (EPSG:9213); :func:`read` is the one entry point for vector layers and rasters.

The steps of :func:`read_layer` run in :func:`_read`: open (:mod:`gisplan.io.vector`), decode
text (:mod:`gisplan.io.text`), filter (:mod:`gisplan.io.attribute_filter`), rename columns
(:mod:`gisplan.io.columns`), CRS (:mod:`gisplan.io.crs_rules`), validate and repair
(:mod:`gisplan.io.validation`), reproject, metadata in ``attrs["gisplan"]``.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd

from gisplan._frames import LayerMeta
from gisplan._memory import LARGE_LAYER, release_freed_memory
from gisplan._threads import cores
from gisplan.catalog import SYNTHETIC_NOTE, Catalog, CatalogEntry, LayerType, load_catalog
from gisplan.crs import TARGET_CRS, to_crs
from gisplan.encoding import fix_text_columns, normalize_encoding
from gisplan.errors import (
    GisplanError,
    GisplanWarning,
    LayerNotFoundError,
    SchemaError,
    ValidationError,
)
from gisplan.io import frms
from gisplan.io.attribute_filter import apply_where
from gisplan.io.attribute_join import join_attributes
from gisplan.io.columns import apply_defaults, canonical_columns, derive_columns
from gisplan.io.crs_rules import DECLARE_CRS, reproject, resolve_crs
from gisplan.io.csv_points import coordinate_axes
from gisplan.io.geometry_checks import EdgeScreen
from gisplan.io.raster import RasterSource, open_raster
from gisplan.io.report import Issue, ValidationReport
from gisplan.io.sources import ANY_LAYER, RASTER_SUFFIXES, catalog_entry
from gisplan.io.text import decode_names, report_decoded
from gisplan.io.validation import OVERLAP_LAYER_TYPES, validate_frame
from gisplan.io.vector import open_vector

log = logging.getLogger(__name__)


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
        are errors; default :data:`gisplan.io.validation.OVERLAP_TOLERANCE_M2` (1 m²).
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
    entry, catalog = catalog_entry(source, catalog)
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
    report.issues = [Issue(**r) for r in gdf.attrs["gisplan"]["issues"]]
    report.schema = gdf.attrs["gisplan"].get("schema")
    return report


def _layer_type(layer_type, catalog, source) -> LayerType:
    if layer_type is None:
        return ANY_LAYER
    cat = catalog if catalog is not None else Catalog(None)
    return cat.layer_type(layer_type)


def _read(path: Path, ltype: LayerType, *, layer, crs, assume_crs, encoding, columns, strict,
          entry: CatalogEntry | None, defaults: Mapping[str, Any] | None = None,
          overlap_tolerance_m2: float | None = None, quiet: bool = False,
          where: str | None = None) -> gpd.GeoDataFrame:
    axes, columns = coordinate_axes(columns, path)
    raw, layer, notes = open_vector(path, layer, ltype, encoding, assume_crs=assume_crs, axes=axes)
    raw, decoded = fix_text_columns(raw, encoding=encoding if encoding else "auto")
    raw, decoded, columns, names_note = decode_names(raw, path, encoding, decoded, columns)
    where_note = None
    if where is not None:
        raw, where_note = apply_where(raw, where, path, layer, entry)
    screen = None
    if (ltype.id in OVERLAP_LAYER_TYPES and isinstance(raw, gpd.GeoDataFrame) and len(raw) >= LARGE_LAYER
            and cores() >= 2):  # the overlap screen on one core while the attributes are decoded
        screen = EdgeScreen(raw.geometry.values)
    report = ValidationReport(file=str(path), layer=layer)
    report_decoded(report, path, decoded, ltype, columns)
    for code, message, column in notes:
        report.add("warning", code, message, column=column)
    if names_note:
        report.add("warning", "text_decoded", names_note)
    raw, schema = _decode_field_set(raw, ltype, report)
    if len(raw) >= LARGE_LAYER:
        release_freed_memory(collect=False)  # the file's text columns as read, replaced by the decoded ones
    renamed = canonical_columns(raw, ltype, columns)
    renamed = apply_defaults(renamed, {**_entry_defaults(entry, ltype, renamed), **(defaults or {})})
    renamed, derived = derive_columns(renamed, ltype)
    joins = []
    if entry is not None and entry.joins:
        renamed, joins = join_attributes(renamed, entry.joins, entry_name=entry.name, report=report)
    source_crs = renamed.crs.to_wkt() if isinstance(renamed, gpd.GeoDataFrame) and renamed.crs else None
    gdf, crs_note, assumed = resolve_crs(renamed, path, assume_crs)
    if assumed:
        report.add("warning", "crs_assumed", f"{crs_note}. To override, declare the CRS: {DECLARE_CRS}",
                   column="geometry")
    fixed, report = validate_frame(gdf, ltype, file=str(path), layer=layer, report=report,
                                   overlap_tolerance_m2=overlap_tolerance_m2,
                                   decoded=frms.DECODED if schema else (), screen=screen)
    del raw, renamed, gdf, screen  # the columns the checks replaced are freed with them (see the end)
    for col, how in derived.items():
        report.add("warning", "derived_column", f"{col} derived {how}", column=col)
    if isinstance(fixed, gpd.GeoDataFrame) and crs is not None and fixed.crs is not None:
        target = to_crs(crs)
        if not fixed.crs.equals(target):
            fixed = reproject(fixed, target, ltype, report)
    if schema and isinstance(fixed, gpd.GeoDataFrame):
        frms.check_recorded_area(fixed, report)
    keep = [c for c in ltype.attributes if c in fixed.columns]
    extra = [c for c in fixed.columns if c not in keep and c != getattr(fixed, "_geometry_column_name", None)]
    fixed = fixed[keep + extra + ([fixed.geometry.name] if isinstance(fixed, gpd.GeoDataFrame) else [])]
    fixed.attrs["gisplan"] = meta = {
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
        "joins": joins,
        "schema": schema,
        "issues": report.records(),
    }
    if meta["synthetic"]:
        meta["source_note"] = f"{SYNTHETIC_NOTE}. {meta['source_note']}".strip()
    fixed.attrs["gisplan"] = LayerMeta(meta)  # shared by the frames made from this one, not copied
    if not quiet:
        # assumed CRS, swapped axes and legacy text were announced as Python warnings already
        announced = {"crs_assumed", "axes_swapped", "text_decoded"}
        for line in _summary_lines([i for i in report.warnings if i.code not in announced]):
            log.warning("%s", line)
    if len(fixed) >= LARGE_LAYER:
        release_freed_memory(collect=False)  # the checks' intermediate arrays
    if strict and not report.ok:
        raise ValidationError(
            f"{path}{f' (layer {layer})' if layer else ''}: {len(report.errors)} error(s) in "
            f"{ltype.id}:\n{ValidationReport(report.errors)}", report
        )
    return fixed


def _decode_field_set(raw, ltype: LayerType, report: ValidationReport):
    """A forest-status file in an FRMS field set decoded into the canonical columns
    (:mod:`gisplan.io.frms`), with what was recognised (None for other files)."""
    if ltype.id != "forest_status" or ltype is ANY_LAYER:
        return raw, None
    field_set = frms.recognise(raw.columns)
    if field_set is None:
        return raw, None
    decoded, meta = frms.decode_lots(raw, report, field_set=field_set)
    return decoded, meta


def _entry_defaults(entry: CatalogEntry | None, ltype: LayerType, frame) -> dict:
    """The inventory ``year`` of a layer whose type has one and whose file lacks it: the catalog
    entry's ``year`` (FRMS exports carry none: the catalog says which year they are)."""
    if entry is not None and entry.year is not None and "year" in ltype.attributes and "year" not in frame.columns:
        return {"year": int(entry.year)}
    return {}


def _summary_lines(issues: list[Issue]) -> list[str]:
    """One log line per problem (code and column): the issue itself when it is alone, else how
    many features have it, the first one's message and a few of their rows — a lot file with
    thousands of blank purposes is one line, not thousands (``gisplan validate`` lists them all)."""
    groups: dict[tuple, list[Issue]] = {}
    for i in issues:
        groups.setdefault((i.code, i.file, i.layer, i.column), []).append(i)
    lines = []
    for (_code, file, layer, column), group in groups.items():
        first = group[0]
        if len(group) == 1:
            lines.append(f"{first.where()}: {first.message}")
            continue
        rows = [i.row for i in group if i.row is not None]
        total = len(rows)
        for i in group:  # a summing-up issue ("… and N more lots …, (M in all)") holds the true count
            m = re.search(r"\(([\d,]+) in all\)", i.message)
            if i.row is None and m:
                total = int(m.group(1).replace(",", ""))
        where = ", ".join(str(p) for p in (file, layer and f"layer {layer}", column and f"column {column}") if p)
        shown = ", ".join(map(str, rows[:3])) + (" …" if total > 3 else "")
        lines.append(f"{where}: {total:,} features — {first.message} (rows {shown}; `gisplan validate` lists "
                     f"them all)")
    return lines
