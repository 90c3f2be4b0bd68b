"""Validation of a GeoDataFrame against its layer type: the problems found and the repairs made.

Checks are vectorised over the whole layer; issue records are built only for the rows that have
a problem, one per feature and problem (every feature is reported). Printed reports show at most
``MAX_ROWS_PER_PROBLEM`` rows per problem and column, then one "… and N more" line
(:meth:`ValidationReport.capped`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisplan.catalog import Attribute, LayerType
from gisplan.crs import TARGET_CRS
from gisplan.errors import SchemaError

#: Rows per problem (code and column) shown when a report is printed; the report keeps all.
MAX_ROWS_PER_PROBLEM = 20
#: Layer types whose polygons must not overlap each other (a parcel counted twice inflates
#: forest cover; communes tile the province).
OVERLAP_LAYER_TYPES = ("forest_status", "communes", "communes_pre2025")
#: Of those, the types where an overlap is an error (a forest parcel counted twice); overlapping
#: administrative units are a warning: official boundaries carry small overlaps (the 2025 wards
#: of Thái Nguyên overlap in four places, up to 0.4 ha) and the units still read.
OVERLAP_ERROR_TYPES = ("forest_status",)
#: Overlaps up to this area (m²) are digitising slivers and are ignored.
OVERLAP_TOLERANCE_M2 = 1.0

_FAMILY = {
    "Point": "point", "MultiPoint": "point",
    "LineString": "line", "MultiLineString": "line", "LinearRing": "line",
    "Polygon": "polygon", "MultiPolygon": "polygon",
}
_TRUE = {"true", "1", "yes", "y", "x", "có", "co", "đúng", "t", "c"}
_FALSE = {"false", "0", "no", "n", "không", "khong", "sai", "f", "k", ""}


@dataclass(frozen=True)
class Issue:
    """One problem found in a layer."""

    severity: str  # "error" | "warning"
    code: str
    message: str
    file: str | None = None
    layer: str | None = None
    column: str | None = None
    row: object | None = None

    def where(self) -> str:
        parts = [p for p in (self.file, self.layer and f"layer {self.layer}",
                             self.column and f"column {self.column}",
                             self.row is not None and f"row {self.row}") if p]
        return ", ".join(str(p) for p in parts)


class ValidationReport:
    """The issues found in one or more layers."""

    #: rows per problem (code and column) shown when the report is printed
    print_limit = MAX_ROWS_PER_PROBLEM

    def __init__(self, issues: Iterable[Issue] = (), *, file: str | None = None, layer: str | None = None):
        self.issues: list[Issue] = list(issues)
        self.file = file
        self.layer = layer

    def add(self, severity: str, code: str, message: str, *, column=None, row=None) -> None:
        self.issues.append(Issue(severity, code, message, self.file, self.layer, column, row))

    def extend(self, other: ValidationReport | Iterable[Issue]) -> None:
        self.issues.extend(other.issues if isinstance(other, ValidationReport) else other)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        cols = ["severity", "code", "file", "layer", "column", "row", "message"]
        return pd.DataFrame([asdict(i) for i in self.issues], columns=cols)

    def records(self) -> list[dict]:
        return [asdict(i) for i in self.issues]

    def __iter__(self) -> Iterator[Issue]:
        return iter(self.issues)

    def __len__(self) -> int:
        return len(self.issues)

    def capped(self, limit: int | None = print_limit) -> list[Issue]:
        """The issues for printing: at most ``limit`` rows per (severity, code, column), then one
        issue "… and N more rows with the same problem" (``limit=None``: all of them)."""
        if limit is None:
            return list(self.issues)
        seen: dict[tuple, int] = {}
        slot: dict[tuple, int] = {}
        out: list[Issue | None] = []
        for issue in self.issues:
            key = (issue.severity, issue.code, issue.file, issue.layer, issue.column)
            if issue.row is None:
                out.append(issue)
                continue
            n = seen[key] = seen.get(key, 0) + 1
            if n <= limit:
                out.append(issue)
            elif n == limit + 1:
                slot[key] = len(out)
                out.append(None)
        for key, pos in slot.items():
            severity, code, file, layer, column = key
            out[pos] = Issue(severity, code, f"… and {seen[key] - limit} more rows with the same problem",
                             file, layer, column, None)
        return out

    def __str__(self) -> str:
        if not self.issues:
            return "no problems found"
        return "\n".join(f"{i.severity.upper():7} {i.where()}: {i.message}" for i in self.capped())


def validate_frame(
    gdf: gpd.GeoDataFrame | pd.DataFrame,
    layer_type: LayerType,
    *,
    file: str | None = None,
    layer: str | None = None,
    report: ValidationReport | None = None,
    overlap_tolerance_m2: float | None = None,
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
    out = gdf.copy()
    ids = _row_ids(out, layer_type)
    for attr in layer_type.attributes.values():
        if attr.name in out.columns:
            out[attr.name] = _check_attribute(out[attr.name], attr, ids, report)
    _check_duplicates(out, layer_type, ids, report)
    if isinstance(out, gpd.GeoDataFrame) and out.geometry.name in out.columns:
        out = _check_geometry(out, layer_type, ids, report)
        if layer_type.id in OVERLAP_LAYER_TYPES:
            tol = OVERLAP_TOLERANCE_M2 if overlap_tolerance_m2 is None else float(overlap_tolerance_m2)
            _check_overlaps(out, ids, report, tol,
                            severity="error" if layer_type.id in OVERLAP_ERROR_TYPES else "warning")
    elif layer_type.kind == "vector" and not layer_type.geometry_optional:
        report.add("error", "no_geometry", f"layer type {layer_type.id!r} needs geometries, the data has none")
    return out, report


# ---------------------------------------------------------------------------------------------
def _row_ids(df: pd.DataFrame, layer_type: LayerType) -> pd.Series:
    col = layer_type.id_column
    if col and col in df.columns:
        return df[col].astype(object).where(df[col].notna(), pd.Series(range(len(df)), index=df.index))
    return pd.Series(range(len(df)), index=df.index, dtype=object)


def _report_rows(report, severity, code, mask, ids, column, message_fn) -> None:
    rows = np.flatnonzero(np.asarray(mask, dtype=bool))
    for pos in rows:
        report.add(severity, code, message_fn(pos), column=column, row=ids.iloc[pos])


def _check_attribute(s: pd.Series, attr: Attribute, ids: pd.Series, report: ValidationReport) -> pd.Series:
    raw = s
    present = raw.notna() & ~raw.astype(str).str.strip().isin(["", "nan", "None", "NaT", "<NA>"])
    coerced = _coerce(raw.where(present), attr)
    failed = present & coerced.isna()
    if attr.allowed is None:
        _report_rows(report, "error", "bad_type", failed, ids, attr.name,
                     lambda p: f"{raw.iloc[p]!r} is not a valid {attr.type}")
    if attr.required:
        _report_rows(report, "error", "missing_value", ~present, ids, attr.name,
                     lambda p: f"required value missing ({attr.title_en or attr.name})")
    if attr.allowed is not None:
        coerced, mapped = _map_labels(coerced, attr)
        if mapped:
            report.add("warning", "labels_mapped",
                       f"{mapped} value(s) given as labels were mapped to their codes", column=attr.name)
        bad = coerced.notna() & ~coerced.isin(attr.allowed)
        _report_rows(report, "error", "not_allowed", bad, ids, attr.name,
                     lambda p: f"{coerced.iloc[p]!r} is not one of {', '.join(attr.allowed)}")
    if attr.type in ("int", "float"):
        num = coerced.astype("float64")
        if attr.min is not None:
            _report_rows(report, "error", "out_of_range", num < attr.min, ids, attr.name,
                         lambda p: f"{num.iloc[p]:g} is below the minimum {attr.min:g}")
        if attr.max is not None:
            _report_rows(report, "error", "out_of_range", num > attr.max, ids, attr.name,
                         lambda p: f"{num.iloc[p]:g} is above the maximum {attr.max:g}")
    if attr.pattern:
        rx = re.compile(attr.pattern)
        bad = coerced.notna() & ~coerced.astype(str).map(lambda v: bool(rx.fullmatch(v))).astype(bool)
        _report_rows(report, "error", "pattern", bad, ids, attr.name,
                     lambda p: f"{coerced.iloc[p]!r} does not match {attr.pattern}")
    return coerced


def _coerce(s: pd.Series, attr: Attribute) -> pd.Series:
    t = attr.type
    if t == "str":
        def to_str(v):
            if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
                return None
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            return str(v).strip()
        return s.map(to_str).astype(object)
    if t in ("int", "float"):
        s = _decimal_commas(s)
    if t == "int":
        num = pd.to_numeric(s, errors="coerce")
        whole = num.notna() & (num % 1 == 0)
        return num.where(whole).astype("Int64")
    if t == "float":
        return pd.to_numeric(s, errors="coerce").astype("float64")
    if t == "bool":
        def to_bool(v):
            if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                return None
            if isinstance(v, (bool, np.bool_)):
                return bool(v)
            if isinstance(v, (int, float, np.integer, np.floating)) and v in (0, 1):
                return bool(v)
            key = str(v).strip().lower()
            return True if key in _TRUE else False if key in _FALSE else None
        return s.map(to_bool).astype("boolean")
    if t == "date":
        return s.map(_to_date).astype(object)
    raise ValueError(t)  # pragma: no cover - types are checked when the catalog loads


def _decimal_commas(s: pd.Series) -> pd.Series:
    """Text numbers written with a decimal comma (``"12,5"``, Vietnamese and European tables)
    as ``"12.5"``; text with both separators (``"1.234,5"``) as ``"1234.5"``."""
    if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
        return s
    s = s.astype(object)
    text = s.map(lambda v: v.strip() if isinstance(v, str) else v)
    is_txt = text.map(lambda v: isinstance(v, str) and "," in v)
    if not is_txt.any():
        return s

    def fix(v: str) -> str:
        if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+,\d*", v):
            return v.replace(".", "").replace(",", ".")
        if re.fullmatch(r"[+-]?\d*,\d+", v):
            return v.replace(",", ".")
        return v

    return text.where(~is_txt, text[is_txt].map(fix))


def _to_date(v) -> dt.date | None:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, pd.Timestamp):
        return v.date()
    if isinstance(v, (int, float, np.integer, np.floating)):
        if 20000 < v < 80000:  # Excel serial day
            return (dt.date(1899, 12, 30) + dt.timedelta(days=int(v)))
        return None
    text = str(v).strip()
    if text.isdigit() and 20000 < int(text) < 80000:  # Excel serial day stored as text
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(text))
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _map_labels(s: pd.Series, attr: Attribute) -> tuple[pd.Series, int]:
    lookup = {}
    for i, code in enumerate(attr.allowed):
        lookup[code.lower()] = code
        for labels in (attr.labels_vi, attr.labels_en):
            if labels:
                lookup[labels[i].lower()] = code
    def fix(v):
        if v is None or v is pd.NA:
            return v
        return lookup.get(str(v).strip().lower(), v)
    mapped = s.map(fix)
    changed = int((mapped.notna() & (mapped != s) & ~s.isin(attr.allowed)).sum())
    return mapped.astype(object), changed


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

    _report_rows(report, "error", "duplicate_id", dup, ids, col, message)


def nonfinite_rows(geoms) -> np.ndarray:
    """Boolean mask of the geometries with a NaN or infinite coordinate (missing ones: False)."""
    arr = np.asarray(geoms, dtype=object)
    bad = np.zeros(len(arr), dtype=bool)
    if not len(arr):
        return bad
    coords, index = shapely.get_coordinates(arr, include_z=True, return_index=True)
    if len(coords):
        # x and y must be finite; z may be NaN (2-D geometries report z as NaN) but not infinite
        ok = np.isfinite(coords[:, 0]) & np.isfinite(coords[:, 1]) & ~np.isinf(coords[:, 2])
        bad[np.unique(index[~ok])] = True
    return bad


def _check_geometry(gdf: gpd.GeoDataFrame, layer_type: LayerType, ids, report) -> gpd.GeoDataFrame:
    geom = gdf.geometry.values
    arr = np.asarray(geom, dtype=object)
    missing = shapely.is_missing(arr) | shapely.is_empty(arr)
    if layer_type.geometry_optional and missing.all():
        return gdf
    _report_rows(report, "error", "empty_geometry", missing, ids, "geometry",
                 lambda p: "geometry is empty or missing (null)")
    nonfinite = ~missing & nonfinite_rows(arr)
    if nonfinite.any():
        _report_rows(report, "error", "nonfinite_coordinates", nonfinite, ids, "geometry",
                     lambda p: "coordinates are not finite numbers (NaN or infinite); the geometry is "
                               "left out (empty) in what is returned: fix the coordinates in the source")
        arr = arr.copy()
        arr[nonfinite] = None
        missing = missing | nonfinite
    families = {_FAMILY[g] for g in layer_type.geometry}
    invalid = ~missing & ~shapely.is_valid(arr)
    if invalid.any():
        reasons = shapely.is_valid_reason(arr[invalid])
        fixed = shapely.make_valid(arr[invalid])
        # keep the family the feature had (a polygon stays polygonal even in a layer of any type)
        own = [_FAMILY.get(g.geom_type) for g in arr[invalid]]
        fixed = np.array([_keep_family(g, {f} if f in families else families)
                          for g, f in zip(fixed, own, strict=True)], dtype=object)
        reason_of = dict(zip(np.flatnonzero(invalid), reasons, strict=True))
        _report_rows(report, "warning", "geometry_repaired", invalid, ids, "geometry",
                     lambda p: f"invalid geometry ({reason_of[p]}) repaired with make_valid")
        arr = arr.copy()
        arr[invalid] = fixed
        gone = np.zeros(len(arr), dtype=bool)
        gone[np.flatnonzero(invalid)] = shapely.is_empty(fixed)
        _report_rows(report, "error", "empty_geometry", gone, ids, "geometry",
                     lambda p: "geometry is empty after repair")
    types = shapely.get_type_id(arr)
    # shapely type ids: 0 Point, 1 LineString, 2 LinearRing, 3 Polygon, 4 MultiPoint,
    # 5 MultiLineString, 6 MultiPolygon, 7 GeometryCollection
    fam = np.array(["point", "line", "line", "polygon", "point", "line", "polygon", "other"])
    fam_of = np.where((types >= 0) & (types <= 7), fam[np.clip(types, 0, 7)], "other")
    wrong = ~missing & ~np.isin(fam_of, list(families))
    _report_rows(report, "error", "wrong_geometry_type", wrong, ids, "geometry",
                 lambda p: f"{arr[p].geom_type} where "
                           f"{'/'.join(layer_type.geometry)} is expected")
    present_fams = set(fam_of[~missing])
    if len(present_fams) > 1 and not present_fams <= families:
        report.add("warning", "mixed_geometry",
                   f"mixed geometry types in one layer: {', '.join(sorted(present_fams))}", column="geometry")
    out = gdf.copy()
    out[gdf.geometry.name] = gpd.GeoSeries(arr, index=gdf.index, crs=gdf.crs)
    return out


def _check_overlaps(gdf: gpd.GeoDataFrame, ids: pd.Series, report: ValidationReport, tol_m2: float,
                    severity: str = "error") -> None:
    """Report pairs of polygons whose interiors overlap by more than ``tol_m2`` m².

    Vectorised: ``shapely.coverage_invalid_edges`` screens the layer (polygons that tile
    cleanly have no invalid edges, GEOS ≥ 3.12); only the flagged polygons are queried in an
    STRtree for neighbours whose interiors intersect theirs (DE-9IM ``T********``), and the
    intersection areas of those pairs are measured (m², see :func:`_areas_m2`).
    """
    arr = np.asarray(gdf.geometry.values, dtype=object)
    poly = np.isin(shapely.get_type_id(arr), (3, 6)) & ~shapely.is_empty(arr)
    idx = np.flatnonzero(poly)
    if len(idx) < 2:
        return
    geoms = arr[idx]
    try:
        flagged = np.flatnonzero(~shapely.is_empty(shapely.coverage_invalid_edges(geoms)))
    except (AttributeError, shapely.errors.GEOSException):  # pragma: no cover - shapely < 2.1 / odd input
        flagged = np.arange(len(geoms))
    if not len(flagged):
        return
    tree = shapely.STRtree(geoms)
    src, dst = tree.query(geoms[flagged], predicate="intersects")
    a = flagged[src]
    keep = a != dst
    a, b = np.minimum(a[keep], dst[keep]), np.maximum(a[keep], dst[keep])
    if not len(a):
        return
    pairs = np.unique(np.stack([a, b]), axis=1)
    a, b = pairs
    inner = shapely.relate_pattern(geoms[a], geoms[b], "T********")
    a, b = a[inner], b[inner]
    if not len(a):
        return
    area = _areas_m2(shapely.intersection(geoms[a], geoms[b]), gdf.crs)
    big = area > tol_m2
    for i, j, m2 in zip(idx[a[big]], idx[b[big]], area[big], strict=True):
        report.add(severity, "overlap",
                   f"overlaps {ids.iloc[j]} by {m2:,.1f} m² ({m2 / 1e4:.4f} ha): the area is counted twice",
                   column="geometry", row=ids.iloc[i])


def _areas_m2(geoms: np.ndarray, crs) -> np.ndarray:
    """Areas in m²: in ``crs`` when projected (units converted to metres), else in EPSG:9213."""
    if crs is None:
        return shapely.area(geoms)
    if crs.is_projected:
        return shapely.area(geoms) * crs.axis_info[0].unit_conversion_factor ** 2
    from pyproj import Transformer

    t = Transformer.from_crs(crs, TARGET_CRS, always_xy=True)
    return shapely.area(shapely.transform(geoms, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1]))))


def _keep_family(geom, families: set[str]):
    """Keep only the parts of a repaired geometry that belong to the layer's family."""
    if _FAMILY.get(geom.geom_type) in families:
        return geom
    parts = [p for p in shapely.get_parts(geom) if _FAMILY.get(p.geom_type) in families]
    if not parts:
        return shapely.from_wkt("POLYGON EMPTY") if "polygon" in families else shapely.from_wkt("POINT EMPTY")
    singles = [q for p in parts for q in shapely.get_parts(p)]
    for fam, make in (("polygon", shapely.multipolygons), ("line", shapely.multilinestrings),
                      ("point", shapely.multipoints)):
        if fam in families:
            same = [q for q in singles if _FAMILY.get(q.geom_type) == fam]
            if same:
                return same[0] if len(same) == 1 else make(same)
    return shapely.from_wkt("POLYGON EMPTY")  # pragma: no cover - parts is not empty
