"""Validation of a GeoDataFrame against its layer type: schema, attribute values, duplicated ids and
geometry, each problem reported per feature (:mod:`gisplan.io.report`) and each repair made on a
copy.

Checks are vectorised over the whole layer; issue records are built only for the rows that have
a problem, one per feature and problem (every feature is reported).
"""

from __future__ import annotations

import re
from collections.abc import Collection

import geopandas as gpd
import numpy as np
import pandas as pd

from gisplan._frames import map_unique
from gisplan.catalog import Attribute, LayerType
from gisplan.errors import SchemaError
from gisplan.io.geometry_checks import EdgeScreen, check_geometry, check_overlaps
from gisplan.io.report import ValidationReport, report_rows, row_ids
from gisplan.io.values import coerce, map_labels

#: Layer types whose polygons must not overlap each other (a parcel counted twice inflates
#: forest cover; communes tile the province).
OVERLAP_LAYER_TYPES = ("forest_status", "communes", "communes_pre2025")
#: Of those, the types where an overlap is an error (a forest parcel counted twice); overlapping
#: administrative units are a warning: official boundaries carry small overlaps (the 2025 wards
#: of Thái Nguyên overlap in four places, up to 0.4 ha) and the units still read.
OVERLAP_ERROR_TYPES = ("forest_status",)
#: Overlaps up to this area (m²) are digitising slivers and are ignored.
OVERLAP_TOLERANCE_M2 = 1.0


def validate_frame(
    gdf: gpd.GeoDataFrame | pd.DataFrame,
    layer_type: LayerType,
    *,
    file: str | None = None,
    layer: str | None = None,
    report: ValidationReport | None = None,
    overlap_tolerance_m2: float | None = None,
    decoded: Collection[str] = (),
    screen: EdgeScreen | None = None,
) -> tuple[gpd.GeoDataFrame | pd.DataFrame, ValidationReport]:
    """Check and repair a layer whose columns already carry the canonical names.

    Repairs (each reported): values coerced to the attribute's type, Vietnamese/English labels
    mapped to their codes, invalid geometries made valid with ``shapely.make_valid`` keeping the
    layer's geometry family. Errors: missing required values, values outside the allowed set or
    range, pattern mismatches, duplicated ids, empty or missing geometries, geometries of the
    wrong family, and for the layer types in :data:`OVERLAP_LAYER_TYPES` polygons overlapping
    each other by more than ``overlap_tolerance_m2``. Every feature with a problem gets its own
    issue.

    Parameters
    ----------
    gdf : the layer (not modified; a repaired copy is returned).
    layer_type : its :class:`~gisplan.catalog.LayerType`.
    file, layer : where the data came from, for the messages.
    report : a report to add to (e.g. holding notes from reading); default a new one.
    overlap_tolerance_m2 : overlaps up to this area (m²) are ignored; default
        :data:`OVERLAP_TOLERANCE_M2`. Areas are measured in the layer's CRS when it is projected
        (converted to metres), else in EPSG:9213.
    screen : the overlap screen started on the layer's geometries when it was read
        (:class:`~gisplan.io.geometry_checks.EdgeScreen`).

    Returns
    -------
    (repaired copy, ValidationReport)

    Raises
    ------
    SchemaError
        The layer is empty or a required column is missing (nothing else can be checked).
    """
    report = report if report is not None else ValidationReport(file=file, layer=layer)
    where = ", ".join(p for p in (file, layer and f"layer {layer}") if p) or "layer"
    if len(gdf) == 0:
        raise SchemaError(f"{where}: the layer is empty (no features); expected {layer_type.title_en}")
    missing = [c for c in layer_type.required_columns if c not in gdf.columns]
    if missing:
        present = ", ".join(str(c) for c in gdf.columns if c != "geometry")
        raise SchemaError(
            f"{where}: required column(s) {', '.join(missing)} missing for layer type "
            f"{layer_type.id!r}; columns present: {present}. Rename them in the file, or map them "
            f"in the catalog entry (columns = {{ SOURCE_NAME = \"{missing[0]}\" }}) or with "
            f"read_layer(..., columns={{...}})"
        )
    out = gdf.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    ids = row_ids(out, layer_type)
    for attr in layer_type.attributes.values():
        if attr.name in out.columns and attr.name not in decoded:
            out[attr.name] = _check_attribute(out[attr.name], attr, ids, report)
    _check_duplicates(out, layer_type, ids, report)
    if isinstance(out, gpd.GeoDataFrame) and out.geometry.name in out.columns:
        out = check_geometry(out, layer_type, ids, report)
        if layer_type.id in OVERLAP_LAYER_TYPES:
            tol = OVERLAP_TOLERANCE_M2 if overlap_tolerance_m2 is None else float(overlap_tolerance_m2)
            check_overlaps(out, ids, report, tol, screen=screen,
                            severity="error" if layer_type.id in OVERLAP_ERROR_TYPES else "warning")
    elif layer_type.kind == "vector" and not layer_type.geometry_optional:
        report.add("error", "no_geometry", f"layer type {layer_type.id!r} needs geometries, the data has none")
    return out, report


def _check_attribute(s: pd.Series, attr: Attribute, ids: pd.Series, report: ValidationReport) -> pd.Series:
    raw = s
    present = map_unique(raw, _present, dtype=bool)
    coerced = coerce(raw.where(present), attr)
    failed = present & coerced.isna()
    if attr.allowed is None:
        report_rows(report, "error", "bad_type", failed, ids, attr.name,
                     lambda p: f"{raw.iloc[p]!r} is not a valid {attr.type}")
    if attr.required and not attr.nullable:
        report_rows(report, "error", "missing_value", ~present, ids, attr.name,
                     lambda p: f"required value missing ({attr.title_en or attr.name})")
    if attr.allowed is not None:
        coerced, mapped = map_labels(coerced, attr)
        if mapped:
            report.add("warning", "labels_mapped",
                       f"{mapped} value(s) given as labels were mapped to their codes", column=attr.name)
        bad = coerced.notna() & ~coerced.isin(attr.allowed)
        report_rows(report, "error", "not_allowed", bad, ids, attr.name,
                     lambda p: f"{coerced.iloc[p]!r} is not one of {', '.join(attr.allowed)}")
    if attr.type in ("int", "float"):
        num = coerced.astype("float64")
        if attr.min is not None:
            report_rows(report, "error", "out_of_range", num < attr.min, ids, attr.name,
                         lambda p: f"{num.iloc[p]:g} is below the minimum {attr.min:g}")
        if attr.max is not None:
            report_rows(report, "error", "out_of_range", num > attr.max, ids, attr.name,
                         lambda p: f"{num.iloc[p]:g} is above the maximum {attr.max:g}")
    if attr.pattern:
        rx = re.compile(attr.pattern)
        bad = coerced.notna() & ~map_unique(coerced, lambda v: v is not None and bool(rx.fullmatch(str(v))), dtype=bool)
        report_rows(report, "error", "pattern", bad, ids, attr.name,
                     lambda p: f"{coerced.iloc[p]!r} does not match {attr.pattern}")
    return coerced


def _present(v) -> bool:
    """A value is given: not missing (``map_unique`` passes every missing value as None), not
    blank, not the text of a missing value."""
    return v is not None and str(v).strip() not in ("", "nan", "None", "NaT", "<NA>")


def _check_duplicates(df, layer_type, ids, report) -> None:
    """Every feature whose id is used by another feature is an error naming the id and the
    0-based rows that share it: a commune stored as two features counts its forest twice
    (forest cover of 200 %)."""
    col = layer_type.id_column
    if not col or col not in df.columns:
        return
    values = df[col]
    dup = values.notna() & values.duplicated(keep=False)
    if not dup.any():
        return
    positions = pd.Series(np.arange(len(df)), index=df.index)[dup.to_numpy()]
    rows_of = positions.groupby(values[dup].astype(str).to_numpy()).agg(list).to_dict()
    unit = layer_type.id in ("province", "communes", "communes_pre2025")
    why = (" A unit stored as several features is counted several times (forest cover over 100 %): "
           "merge its parts into one (multi)polygon, or give each unit its own code") if unit else \
        " Give each feature its own id, or merge the features that are one"

    def message(p):
        rows = rows_of[str(values.iloc[p])]
        shown = ", ".join(map(str, rows[:10])) + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
        return (f"{col} {values.iloc[p]!r} is used by {len(rows)} features (rows {shown}, counted "
                f"from 0); {col} must be unique.{why}")

    report_rows(report, "error", "duplicate_id", dup, ids, col, message)
