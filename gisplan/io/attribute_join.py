"""Attributes joined from a table on read (catalog key ``join``): a population table by commune
code, a licence register by mine id, … — the way a provincial office holds them beside its maps.

Each join names the table (CSV, Excel, or the attribute table of any vector file), the layer's
key column (a canonical column, after ``columns`` renamed it), the table's key column, and which
table columns become which canonical columns. Keys match as administrative codes when both sides
are codes (``"01906"``, ``1906`` and ``"1906.0"`` are one code), else as Vietnamese names
(:func:`gisplan.encoding.normalize_name`: case, tone-mark placement, "Xã"/"Phường" prefixes).

Nothing is guessed: a key found twice in the table is an error naming the rows; a feature whose
key the table lacks keeps the value missing (never 0) and is listed in the read's report; table
rows matching no feature are reported too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from gisplan.catalog import TableJoin
from gisplan.encoding import fix_text_columns, normalize_name
from gisplan.errors import CatalogError, ReadError, SchemaError
from gisplan.io.report import MAX_ROWS_PER_PROBLEM, ValidationReport

log = logging.getLogger(__name__)

_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}


def read_table(join: TableJoin, *, entry_name: str) -> pd.DataFrame:
    """The table of ``join`` as text columns (decoded to Unicode NFC; legacy TCVN3/VNI text
    decoded as on any read). CSV separators are detected; Excel reads ``join.sheet`` (default
    the first sheet); any other file is read as the attribute table of a vector file (``join.layer``)."""
    path = Path(join.path)
    where = f"catalog entry {entry_name!r}, key 'join'"
    if not path.is_file():
        raise CatalogError(f"{where}: the table {path} does not exist; check 'path' (relative to the catalog's base)")
    suffix = path.suffix.lower()
    try:
        if suffix in _CSV_SUFFIXES:
            table = pd.read_csv(path, dtype=str, sep=None, engine="python", encoding="utf-8-sig",
                                keep_default_na=False, na_values=[""])
        elif suffix in _EXCEL_SUFFIXES:
            table = pd.read_excel(path, sheet_name=join.sheet or 0, dtype=str)
        else:
            import pyogrio

            table = pyogrio.read_dataframe(path, layer=join.layer, read_geometry=False)
    except UnicodeDecodeError:
        table = pd.read_csv(path, dtype=str, sep=None, engine="python", encoding="latin-1",
                            keep_default_na=False, na_values=[""])
    except (OSError, ValueError, pd.errors.ParserError, KeyError) as exc:
        raise ReadError(f"{where}: cannot read the table {path}: {exc}") from None
    except Exception as exc:  # pyogrio's DataSourceError and friends
        if type(exc).__module__.startswith("pyogrio"):
            raise ReadError(f"{where}: cannot read the table {path}: {exc}") from None
        raise
    table, _decoded = fix_text_columns(table)
    table.columns = [str(c).strip() for c in table.columns]
    return table


def join_attributes(frame: pd.DataFrame, joins: Sequence[TableJoin], *, entry_name: str,
                    report: ValidationReport) -> tuple[pd.DataFrame, list[dict]]:
    """``frame`` (canonical columns) with the columns of each join added; returns it and one note
    per join ({"table", "on", "columns", "matched", "unmatched", "unused", "match"}) for
    ``attrs["gisplan"]["joins"]``. Unmatched features and unused table rows are warnings in
    ``report`` (codes ``join_unmatched``, ``join_unused``).

    Raises
    ------
    CatalogError for a key or value column the table lacks (naming the table's columns) or a layer
    key column the layer lacks; SchemaError for a key found more than once in the table.
    """
    out, notes = frame, []
    for join in joins:  # each returns a new frame
        one = _join_values if join.values is not None else _join_one
        out, note = one(out, join, entry_name=entry_name, report=report)
        notes.append(note)
    return out, notes


def _join_values(frame: pd.DataFrame, join: TableJoin, *, entry_name: str,
                 report: ValidationReport) -> tuple[pd.DataFrame, dict]:
    """A table written in the catalog (``values``): the features whose ``on`` value it lists get
    its value in ``column``; the others keep theirs (the table names what it knows, e.g. the
    rivers inside the province of a nationwide file). Keys it lists that no feature has are
    reported (``join_unused``)."""
    where = f"catalog entry {entry_name!r}, key 'join' (values)"
    if join.on not in frame.columns:
        raise CatalogError(f"{where}: the layer has no column {join.on!r} to join on; 'on' names a column "
                           f"of the layer after renaming ({', '.join(map(str, _plain(frame))) or 'none'})")
    keys = pd.Series(list(join.values), dtype=object)
    match = join.match if join.match != "auto" else _match_kind(frame[join.on], keys)
    left, right = _normalised(frame[join.on], match), _normalised(keys, match)
    dup = right.notna() & right.duplicated(keep=False)
    if dup.any():
        raise SchemaError(f"{where}: {', '.join(map(repr, keys[dup]))} are one key once compared as {match}s; "
                          f"list each {join.on} once")
    lookup = pd.Series(list(join.values.values()), index=right.to_numpy(), dtype=object)
    new = left.map(lookup)
    matched = new.notna().to_numpy()
    out = frame.copy()
    old = out[join.column] if join.column in out.columns else pd.Series(None, index=out.index, dtype=object)
    out[join.column] = pd.Series(np.where(matched, new.to_numpy(dtype=object), old.to_numpy(dtype=object)),
                                 index=frame.index, dtype=object)
    unused = [k for k, n in zip(keys, right, strict=True) if n not in set(left.dropna())]
    if unused:
        report.add("warning", "join_unused", f"{where}: {len(unused)} of the values listed match no feature "
                   f"({join.on} {', '.join(map(str, unused[:MAX_ROWS_PER_PROBLEM]))})")
    note = {"table": "the catalog's values", "on": join.on, "key": join.on, "columns": {join.on: join.column},
            "match": match, "matched": int(matched.sum()), "unmatched": int((~matched).sum()),
            "unused": len(unused), "source": join.source}
    log.info("%s: %d of %d features renamed", where, note["matched"], len(frame))
    return out, note


def _join_one(frame: pd.DataFrame, join: TableJoin, *, entry_name: str,
              report: ValidationReport) -> tuple[pd.DataFrame, dict]:
    where = f"catalog entry {entry_name!r}, key 'join' ({Path(join.path).name})"
    table = read_table(join, entry_name=entry_name)
    if join.on not in frame.columns:
        raise CatalogError(f"{where}: the layer has no column {join.on!r} to join on; 'on' names a column "
                           f"of the layer after renaming ({', '.join(map(str, _plain(frame))) or 'none'})")
    missing = [c for c in (join.key, *join.columns) if c not in table.columns]
    if missing:
        raise CatalogError(f"{where}: the table has no column {', '.join(map(repr, missing))}; its columns are "
                           f"{', '.join(map(repr, table.columns))}")
    match = join.match if join.match != "auto" else _match_kind(frame[join.on], table[join.key])
    left, right = _normalised(frame[join.on], match), _normalised(table[join.key], match)
    dup = right.notna() & right.duplicated(keep=False)
    if dup.any():
        rows = ", ".join(f"{i + 2} ({table[join.key].iloc[i]})" for i in np.flatnonzero(dup)[:MAX_ROWS_PER_PROBLEM])
        raise SchemaError(f"{where}: {int(dup.sum())} rows of the table share a key in column {join.key!r} "
                          f"(data rows {rows}); each {join.on} must appear once")
    lookup = pd.Series(np.arange(len(table)), index=right.where(right.notna(), None))
    lookup = lookup[lookup.index.notna()]
    pos = left.map(lookup)
    matched = pos.notna().to_numpy()
    idx = pos.fillna(-1).astype(np.int64).to_numpy()
    out = frame.copy()
    for src, dst in join.columns.items():
        values = table[src].to_numpy(dtype=object)[np.where(matched, idx, 0)] if len(table) else \
            np.full(len(frame), None, dtype=object)
        values = np.where(matched, values, None)
        if dst in out.columns:
            report.add("warning", "join_replaced", f"{where}: column {dst} of the layer replaced by the table's "
                       f"{src}", column=dst)
        out[dst] = pd.Series(values, index=frame.index, dtype=object)
    unmatched = np.flatnonzero(~matched)
    if len(unmatched):
        named = "name" in frame.columns and join.on != "name"
        keys = ", ".join(f"{frame[join.on].iloc[i]}" + (f" ({frame['name'].iloc[i]})" if named else "")
                         for i in unmatched[:MAX_ROWS_PER_PROBLEM])
        more = f" and {len(unmatched) - MAX_ROWS_PER_PROBLEM} more" if len(unmatched) > MAX_ROWS_PER_PROBLEM else ""
        report.add("warning", "join_unmatched",
                   f"{where}: {len(unmatched)} of {len(frame)} features have no row in the table "
                   f"({join.on} {keys}{more}); their {', '.join(join.columns.values())} "
                   f"{'stays' if len(join.columns) == 1 else 'stay'} unknown",
                   column=join.on)
    unused = np.flatnonzero(right.notna().to_numpy() & ~np.isin(np.arange(len(table)), idx[matched]))
    if len(unused):
        keys = ", ".join(str(table[join.key].iloc[i]) for i in unused[:MAX_ROWS_PER_PROBLEM])
        more = f" and {len(unused) - MAX_ROWS_PER_PROBLEM} more" if len(unused) > MAX_ROWS_PER_PROBLEM else ""
        report.add("warning", "join_unused",
                   f"{where}: {len(unused)} rows of the table match no feature ({join.key} {keys}{more})")
    note = {"table": str(join.path), "on": join.on, "key": join.key, "columns": dict(join.columns),
            "match": match, "matched": int(matched.sum()), "unmatched": int(len(unmatched)),
            "unused": len(unused), "source": join.source}
    log.info("%s: %d of %d features matched", where, note["matched"], len(frame))
    return out, note


def _plain(frame: pd.DataFrame) -> list:
    geom = getattr(frame, "_geometry_column_name", None)
    return [c for c in frame.columns if c != geom]


#: an administrative code however a spreadsheet wrote it ("01906", 1906, "1906.0"): group 1 is
#: the code without leading zeros
_CODE = re.compile(r"0*(\d+?)(?:\.0*)?")


def _is_code(s: pd.Series) -> bool:
    text = s.dropna().astype(str).str.strip()
    return len(text) > 0 and bool(text.str.fullmatch(_CODE.pattern).all())


def _match_kind(left: pd.Series, right: pd.Series) -> str:
    """``"code"`` when every key on both sides is a whole number written as text or number, else ``"name"``."""
    return "code" if _is_code(left) and _is_code(right) else "name"


def _normalised(s: pd.Series, match: str) -> pd.Series:
    """Keys as compared: codes as integers written without leading zeros; names by
    :func:`~gisplan.encoding.normalize_name`; ``"exact"`` as stripped text."""
    def one(v):
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return None
        text = str(v).strip()
        if not text:
            return None
        if match == "code":
            code = _CODE.fullmatch(text)
            return code.group(1) if code else text
        if match == "name":
            return normalize_name(text)
        return text
    return s.map(one).astype(object)
