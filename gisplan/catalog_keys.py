"""The keys of a catalog file checked and parsed: unknown keys with a did-you-mean, typed values,
dates, an entry's attribute joins (``[[layers.<name>.join]]``) and class-raster ``reclass``.
:mod:`gisplan.catalog` builds its entries with these; every error names the file, the entry and
the key."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gisplan.errors import CatalogError
from gisplan.layer_types import LayerType


@dataclass(frozen=True)
class TableJoin:
    """Attributes joined to a layer from a table on read (``[[layers.<name>.join]]``), e.g. a
    commune population table by commune code. See :mod:`gisplan.io.attribute_join`."""

    #: the table: CSV, Excel, or any vector file (its attribute table); None for a table written
    #: in the catalog (``values``)
    path: Path | None
    #: the layer's key column (canonical name, after ``columns`` renamed it)
    on: str
    #: the table's key column (default: same name as ``on``)
    key: str
    #: table column -> canonical column of the layer type
    columns: Mapping[str, str] = field(default_factory=dict)
    #: a small table written in the catalog: key value -> value of ``column`` (e.g. display names
    #: of rivers); features whose key it does not list keep their own value
    values: Mapping[str, str] | None = None
    #: the column ``values`` go in (default: ``on`` itself)
    column: str | None = None
    #: how keys compare: "auto" (codes when both sides are codes, else names), "code", "name", "exact"
    match: str = "auto"
    sheet: str | None = None
    layer: str | None = None
    source: str = ""
    licence: str = ""


JOIN_MATCHES = ("auto", "code", "name", "exact")


TOP_KEYS = ("catalog", "layers")
CATALOG_KEYS = ("title", "base", "reference_date", "synthetic", "study_area", "types")
ENTRY_KEYS = ("type", "path", "layer", "columns", "defaults", "crs", "encoding", "year", "title_vi",
               "title_en", "source", "licence", "date", "synthetic", "where", "join", "reclass")
JOIN_KEYS = ("path", "on", "key", "columns", "match", "sheet", "layer", "source", "licence", "values", "column")
_TYPE_NAMES = {str: "text (in quotes)", bool: "true or false", int: "a whole number"}


def did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_keys(raw: Mapping[str, Any], known: tuple[str, ...], where: str, what: str) -> None:
    for key in raw:
        if key not in known:
            raise CatalogError(f"{where}: unknown {what} {key!r}{did_you_mean(key, known)}; "
                               f"known {what}s: {', '.join(known)}")


def typed(raw: Mapping[str, Any], key: str, kind: type, where: str, default: Any) -> Any:
    if key not in raw:
        return default
    value = raw[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CatalogError(f"{where}: key {key!r} must be {_TYPE_NAMES[kind]}; got {value!r}")
    return value


def str_table(raw: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise CatalogError(f"{where}: key {key!r} must be a table of source column = canonical name, "
                           f"e.g. {key} = {{ MA_XA = \"code\" }}; got {value!r}")
    bad = [k for k, v in value.items() if not isinstance(v, str)]
    if bad:
        raise CatalogError(f"{where}: key {key!r}: {bad[0]!r} must map to a column name in quotes; "
                           f"got {value[bad[0]]!r}")
    return dict(value)


def parse_date(value: Any, where: str, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CatalogError(f"{where}: key {key!r} must be a date written YYYY-MM-DD (e.g. 2025-12-31); "
                           f"got {value!r}") from None


def parse_reclass(raw: Any, where: str, ltype: LayerType) -> dict[int, int] | None:
    """``reclass = { "1-5" = 1, 8 = 3, 255 = 0 }``: the file's codes (single codes or ranges
    "a-b") -> the type's class codes, 0 for no data."""
    if raw is None:
        return None
    spec = ltype.raster
    if spec.get("values") != "classes":
        raise CatalogError(f"{where}: key 'reclass' maps class codes; {ltype.id!r} is not a class raster "
                           f"(its values are {spec.get('values') or 'features'}): delete the key")
    if not isinstance(raw, Mapping) or not raw:
        raise CatalogError(f"{where}: key 'reclass' must be a table of the file's code = class code, "
                           f"e.g. reclass = {{ \"1-5\" = 1, 12 = 4 }}; got {raw!r}")
    classes = {int(c) for c in spec.get("classes", {})}
    out: dict[int, int] = {}
    for key, value in raw.items():
        bounds = str(key).split("-")
        if not all(b.strip().isdigit() for b in bounds) or len(bounds) > 2:
            raise CatalogError(f"{where}: key 'reclass': {key!r} is not a code or a range of codes "
                               f"such as \"1-5\"")
        if isinstance(value, bool) or not isinstance(value, int) or (value and value not in classes):
            raise CatalogError(f"{where}: key 'reclass': {key!r} = {value!r} is not a {ltype.id} class; "
                               f"give one of {', '.join(map(str, sorted(classes)))}, or 0 for no data")
        lo, hi = int(bounds[0]), int(bounds[-1])
        for code in range(lo, hi + 1):
            if code in out:
                raise CatalogError(f"{where}: key 'reclass': code {code} is mapped twice")
            out[code] = value
    return out

def _inline_join(one: Mapping[str, Any], at: str, ltype: LayerType) -> TableJoin:
    """A join whose table is written in the catalog: ``on``, ``values = { key = value, … }`` and
    optionally ``column`` (default: ``on``)."""
    extra = [k for k in ("path", "columns", "key", "sheet", "layer") if k in one]
    if extra:
        raise CatalogError(f"{at}: key 'values' is a table written here; it takes on, values, column, match, "
                           f"source and licence, not {', '.join(map(repr, extra))}")
    if "on" not in one:
        raise CatalogError(f"{at}: key 'on' is missing: the layer's column whose values 'values' lists")
    on = typed(one, "on", str, at, None)
    values = one["values"]
    if not isinstance(values, Mapping) or not values or not all(isinstance(v, str) for v in values.values()):
        raise CatalogError(f"{at}: key 'values' must be a table of the layer's {on} = the new value in quotes, "
                           f"e.g. values = {{ \"Cau\" = \"Sông Cầu\" }}; got {values!r}")
    column = typed(one, "column", str, at, on)
    for name in (on, column):
        if name not in ltype.attributes:
            raise CatalogError(f"{at}: {ltype.id!r} has no column {name!r}{did_you_mean(name, ltype.attributes)}; "
                               f"its columns: {', '.join(ltype.attributes)}")
    match = typed(one, "match", str, at, "auto")
    if match not in JOIN_MATCHES:
        raise CatalogError(f"{at}: key 'match' must be one of {', '.join(JOIN_MATCHES)}; got {match!r}")
    return TableJoin(path=None, on=on, key=on, values={str(k): v for k, v in values.items()}, column=column,
                     match=match, source=typed(one, "source", str, at, ""), licence=typed(one, "licence", str, at, ""))


def parse_joins(raw: Any, base: Path, where: str, ltype: LayerType) -> tuple[TableJoin, ...]:
    """``[[layers.<name>.join]]`` tables (or one ``join = {…}``) checked against the layer type: a
    table file (``path``, ``on``, ``columns``) or a table written in the catalog (``on``,
    ``values``, ``column``)."""
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(r, Mapping) for r in raw):
        raise CatalogError(f"{where}: key 'join' must be tables ([[layers.<name>.join]] with path, on, "
                           f"columns); got {raw!r}")
    if raw and ltype.kind == "raster":
        raise CatalogError(f"{where}: key 'join' adds attributes to features; {ltype.id!r} is a raster "
                           f"layer type: delete the key")
    attributes = ltype.attributes
    joins = []
    for i, one in enumerate(raw, 1):
        at = f"{where} key 'join' (table {i})"
        check_keys(one, JOIN_KEYS, at, "key")
        if "values" in one:
            joins.append(_inline_join(one, at, ltype))
            continue
        for key in ("path", "on", "columns"):
            if key not in one:
                raise CatalogError(f"{at}: key {key!r} is missing; a join needs path (the table), on (the "
                                   f"layer's key column), columns (table column = canonical name)")
        columns = str_table(one, "columns", at)
        if not columns:
            raise CatalogError(f"{at}: key 'columns' is empty; name the table columns to add")
        for src, dst in columns.items():
            if dst not in attributes:
                raise CatalogError(f"{at}: key 'columns': {src!r} = {dst!r}: {ltype.id!r} has no column "
                                   f"{dst!r}{did_you_mean(dst, attributes)}; its columns: "
                                   f"{', '.join(attributes)}")
        match = typed(one, "match", str, at, "auto")
        if match not in JOIN_MATCHES:
            raise CatalogError(f"{at}: key 'match' must be one of {', '.join(JOIN_MATCHES)}; got {match!r}")
        on = typed(one, "on", str, at, None)
        joins.append(TableJoin(
            path=(base / typed(one, "path", str, at, None)).resolve(), on=on,
            key=typed(one, "key", str, at, on), columns=columns, match=match,
            sheet=typed(one, "sheet", str, at, None), layer=typed(one, "layer", str, at, None),
            source=typed(one, "source", str, at, ""), licence=typed(one, "licence", str, at, "")))
    return tuple(joins)
