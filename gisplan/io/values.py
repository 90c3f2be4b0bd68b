"""Attribute values of a layer coerced to the types of its layer type: text, integers and decimals
(decimal commas accepted), booleans written in Vietnamese or English, dates in the usual
Vietnamese and ISO forms (and Excel serial days), labels mapped to their codes.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from gisplan._frames import map_unique
from gisplan.catalog import Attribute

_TRUE = {"true", "1", "yes", "y", "x", "có", "co", "đúng", "t", "c"}
_FALSE = {"false", "0", "no", "n", "không", "khong", "sai", "f", "k", ""}


def coerce(s: pd.Series, attr: Attribute) -> pd.Series:
    t = attr.type
    if t == "str":
        def to_str(v):
            if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
                return None
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            return str(v).strip()
        return map_unique(s, to_str)
    if t in ("int", "float"):
        s = _decimal_commas(s)
    if t == "int":
        if pd.api.types.is_integer_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            return s.astype("Int64")  # integers as read (a DBF numeric field without decimals)
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
        return map_unique(s, to_bool).astype("boolean")
    if t == "date":
        return map_unique(s, _to_date)
    raise ValueError(t)  # pragma: no cover - types are checked when the catalog loads


def _decimal_commas(s: pd.Series) -> pd.Series:
    """Text numbers written with a decimal comma (``"12,5"``, Vietnamese and European tables)
    as ``"12.5"``; text with both separators (``"1.234,5"``) as ``"1234.5"``."""
    if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
        return s
    s = s.astype(object)
    text = map_unique(s, lambda v: v.strip() if isinstance(v, str) else v)
    is_txt = map_unique(text, lambda v: isinstance(v, str) and "," in v).astype(bool)
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


def map_labels(s: pd.Series, attr: Attribute) -> tuple[pd.Series, int]:
    lookup = {}
    for i, code in enumerate(attr.allowed):
        lookup[code.lower()] = code
        for labels in (attr.labels_vi, attr.labels_en):
            if labels:
                lookup[labels[i].lower()] = code
    def fix(v):
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return None
        return lookup.get(str(v).strip().lower(), v)
    mapped = map_unique(s, fix)
    changed = int((mapped.notna() & (mapped != s) & ~s.isin(attr.allowed)).sum())
    return mapped.astype(object), changed
