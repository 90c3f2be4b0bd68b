"""Column names of a layer: source names mapped to the canonical names of its layer type
(``columns`` given by the user or the catalog entry, then the type's aliases, then Shapefile's
10-character truncations), defaults for missing columns, and columns derived from others.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from gisplan.catalog import LayerType
from gisplan.encoding import unit_type_of
from gisplan.errors import SchemaError


def canonical_name(col: str, ltype: LayerType, columns: Mapping[str, str]) -> str:
    """The canonical name a source column will get (for messages before renaming)."""
    for src, dst in columns.items():
        if str(src).lower() == str(col).lower():
            return dst
    for attr in ltype.attributes.values():
        if str(col).lower() in {c.lower() for c in (attr.name, *attr.aliases, attr.name[:10])}:
            return attr.name
    return col


def canonical_columns(df: pd.DataFrame, ltype: LayerType, columns: Mapping[str, str]) -> pd.DataFrame:
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


def apply_defaults(df: pd.DataFrame, defaults: Mapping[str, Any]) -> pd.DataFrame:
    missing = {k: v for k, v in defaults.items() if k not in df.columns}
    if not missing:
        return df
    out = df.copy(deep=False)  # copy-on-write: new columns only, the caller's frame is never changed
    for col, value in missing.items():
        if isinstance(value, str) and value.startswith("$"):
            if value[1:] not in out.columns:
                raise SchemaError(f"default for {col!r} copies column {value[1:]!r}, which the data lacks")
            out[col] = out[value[1:]]
        else:
            out[col] = value
    return out


def derive_columns(df: pd.DataFrame, ltype: LayerType) -> tuple[pd.DataFrame, dict[str, str]]:
    """Fill a missing ``unit_type`` of administrative units from the name prefix (Xã/Phường/
    Thị trấn), the way official names are written: of ``name``, else of the first other text
    column whose every name has one (a file with short names and full names, e.g. ``fullName``)."""
    attr = ltype.attributes.get("unit_type")
    if attr is None or "unit_type" in df.columns or "name" not in df.columns:
        return df, {}
    others = [c for c in df.columns if c != "name" and pd.api.types.is_string_dtype(df[c])]
    for col in ["name", *others]:
        types = df[col].map(lambda v: unit_type_of(v) if isinstance(v, str) else None)
        if types.notna().all():
            out = df.copy()
            out["unit_type"] = types
            of = "the name prefix" if col == "name" else f"the prefix of the names in {col!r}"
            return out, {"unit_type": f"from {of} (Xã / Phường / Thị trấn)"}
    return df, {}
