"""The attribute filter of a read (catalog key ``where``): an SQL WHERE expression over the file's
own column names and decoded Unicode text, evaluated by SQLite with a ``LIKE`` that ignores case
for every letter, Vietnamese included.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import sqlite3
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from gisplan.catalog import CatalogEntry
from gisplan.errors import CatalogError, DataMissingError, OptionError

log = logging.getLogger(__name__)


def apply_where(df: pd.DataFrame, where: str, path: Path, layer: str | None,
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
