"""The old→new commune crosswalk of the 1 July 2025 reorganisation.

Each 2025 commune/ward lists the pre-2025 units merged into it (``before_merger``: "Xã A, Xã B,
Phường C", or "giữ nguyên" when it was kept unchanged). Names from different sources differ in
Unicode form, tone-mark placement (hoà/hòa, thuỷ/thủy), i/y (Sĩ/Sỹ) and occasionally a missing
tone mark (Quán/Quan Triều), so joins go through :func:`gisplan.encoding.normalize_name`, then
an accent-folded comparison as a last resort (reported as such).
"""

from __future__ import annotations

import re

import pandas as pd

from gisplan.encoding import fold_accents, normalize_name, unit_type_of
from gisplan.errors import DataMissingError, LayerNotFoundError, ReadError, SchemaError
from gisplan.io import read_catalog_layer, read_layer
from gisplan.tables import OVERRIDES_VI, SPECIAL_LABELS

KEPT = {"giữ nguyên", "giu nguyen"}


def parse_composition(text: str, own_name: str) -> list[str]:
    """Split a ``before_merger`` list into names; "giữ nguyên" means the unit itself."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return []
    parts = [p.strip() for p in re.split(r"[,;]", str(text)) if p.strip()]
    return [own_name if normalize_name(p, strip_prefix=False) in KEPT else p for p in parts]


def build_crosswalk(old_units: pd.DataFrame, new_units: pd.DataFrame, *,
                    composition_column: str = "before_merger") -> pd.DataFrame:
    """Match every pre-2025 unit to the 2025 unit(s) it went into.

    Parameters
    ----------
    old_units : columns ``code``, ``name`` (with its prefix, e.g. "Xã Hoà Bình"), optionally
        ``district``.
    new_units : columns ``code``, ``name`` and ``composition_column``.

    Returns
    -------
    DataFrame: ``old_code``, ``old_name``, ``district``, ``new_code``, ``new_name``,
    ``match_method`` (``exact`` after normalisation, ``accent_folded``, or ``unmatched``) and
    ``split`` (True when the old unit went into more than one new unit). Unmatched old units
    have empty new columns; composition names that match no old unit are in ``attrs["unused"]``.
    """
    pieces = []
    for rec in new_units.itertuples(index=False):
        for piece in parse_composition(getattr(rec, composition_column), rec.name):
            bare, hint = _split_hint(piece)
            pieces.append({"new_code": rec.code, "new_name": rec.name, "piece": piece,
                           "key": normalize_name(bare), "type": unit_type_of(bare),
                           "folded": fold_accents(bare), "hint": hint})
    pieces = pd.DataFrame(pieces)
    old = pd.DataFrame({"old_code": old_units["code"].astype(str).to_numpy(),
                        "old_name": old_units["name"].to_numpy(),
                        "district": old_units["district"].to_numpy() if "district" in old_units else None})
    old["key"] = old["old_name"].map(normalize_name)
    old["type"] = old["old_name"].map(unit_type_of)
    old["folded"] = old["old_name"].map(fold_accents)
    old["district_key"] = old["district"].map(lambda d: normalize_name(d) if isinstance(d, str) else "")

    exact = old.merge(pieces, on="key", how="inner", suffixes=("", "_p"))
    exact = _prefer_same_type(exact)
    exact["match_method"] = "exact"
    rest = old[~old["old_code"].isin(exact["old_code"])]
    used = set(zip(exact["new_code"], exact["piece"], strict=True))
    free = pieces[[(c, p) not in used for c, p in zip(pieces["new_code"], pieces["piece"], strict=True)]]
    folded = rest.merge(free, on="folded", how="inner", suffixes=("", "_p"))
    folded = _prefer_same_type(folded)
    folded["match_method"] = "accent_folded"
    matched = pd.concat([exact, folded], ignore_index=True)
    unmatched = old[~old["old_code"].isin(matched["old_code"])].assign(
        new_code=None, new_name=None, match_method="unmatched")
    cols = ["old_code", "old_name", "district", "new_code", "new_name", "match_method"]
    out = pd.concat([matched[cols], unmatched[cols]], ignore_index=True)
    out["split"] = out.groupby("old_code")["new_code"].transform("nunique") > 1
    used_all = set(zip(matched["new_code"], matched["piece"], strict=True))
    out.attrs["unused"] = [p for c, p in zip(pieces["new_code"], pieces["piece"], strict=True) if (c, p) not in used_all]
    return out.sort_values(["old_code", "new_code"], na_position="last").reset_index(drop=True)


def _split_hint(piece: str) -> tuple[str, str]:
    """"Phường Trung Thành (thành phố Phổ Yên)" → ("Phường Trung Thành", "phổ yên")."""
    m = re.match(r"^(.*?)\s*\((.+)\)\s*$", piece)
    if not m:
        return piece, ""
    return m.group(1), normalize_name(m.group(2))


def _prefer_same_type(df: pd.DataFrame) -> pd.DataFrame:
    """When a composition name matches several old units, keep the ones of the same unit type,
    then the ones whose former district matches the name's "(district)" hint."""
    if df.empty:
        return df
    keys = [df["new_code"], df["piece"]]
    same = (df["type"] == df["type_p"]) | df["type"].isna() | df["type_p"].isna()
    df = df[same | (same.groupby(keys).transform("sum") == 0)]
    keys = [df["new_code"], df["piece"]]
    hinted = (df["hint"] != "") & df.apply(lambda r: r["hint"] in r["district_key"], axis=1)
    return df[hinted | (hinted.groupby(keys).transform("sum") == 0)]


# ---------------------------------------------------------------------------------------------
# the crosswalk as a table for people: every old unit, its new unit(s) or why it has none

#: column names accepted for the 2025 units' code, name and composition in a table (CSV)
NEW_CODE_COLUMNS = ("code", "new_code", "ma", "ma_xa", "ma_xa_moi")
NEW_NAME_COLUMNS = ("name", "new_name", "ten", "ten_xa", "ten_xa_moi", "fullName")
COMPOSITION_COLUMNS = ("before_merger", "truocsapnhap", "composition", "truoc_sap_nhap")

UNMATCHED_NO_PIECE = ("no 2025 unit lists this name in its composition ({column}); check the spelling, "
                      "or add it to the composition of the unit it went into")
UNMATCHED_NO_CODE = "no new_code given for this unit in the pre-2025 layer"
UNMATCHED_BAD_CODE = "its new_code {code} is not the code of any 2025 unit"


#: the Vietnamese headers and method labels of the crosswalk table (reports and `gisplan
#: crosswalk`), from the titles' registry :mod:`gisplan.tables` (which has them in English too)
HEADERS_VI = OVERRIDES_VI["crosswalk"]
METHODS_VI = SPECIAL_LABELS["match_method"]


CROSSWALK_COLUMNS = ["old_code", "old_name", "district", "province_old", "new_code", "new_name",
                     "match_method", "split", "reason"]


def composition_column(new_units: pd.DataFrame) -> str | None:
    """The column of ``new_units`` listing the units merged into each one, if it has any value."""
    for col in COMPOSITION_COLUMNS:
        if col in new_units.columns and new_units[col].notna().any():
            return col
    return None


def _pick(df: pd.DataFrame, names: tuple[str, ...], what: str, source) -> str:
    for col in names:
        if col in df.columns:
            return col
    raise _schema_error(f"{source}: no column for the {what} of the 2025 units (looked for "
                        f"{', '.join(names)}); the file has: {', '.join(map(str, df.columns))}")


def _schema_error(message: str):
    return SchemaError(message)


def new_units_frame(df: pd.DataFrame, source="the 2025 units") -> pd.DataFrame:
    """``code``, ``name`` and, when present, the composition column of a 2025-unit table
    (``new_code``/``new_name``/``before_merger`` as in the composition CSV, or a communes layer)."""
    code = _pick(df, NEW_CODE_COLUMNS, "code", source)
    name = _pick(df, NEW_NAME_COLUMNS, "name", source)
    comp = composition_column(df)
    out = pd.DataFrame({"code": df[code].astype(str).str.strip().to_numpy(),
                        "name": df[name].astype(str).str.strip().to_numpy()})
    if comp is not None:
        out["before_merger"] = df[comp].to_numpy()
    return out


def crosswalk_table(old_units: pd.DataFrame, new_units: pd.DataFrame) -> pd.DataFrame:
    """Every pre-2025 unit with the 2025 unit(s) it went into, or ``match_method == "unmatched"``
    and the ``reason``.

    The 2025 units' composition lists (``before_merger``) are matched by name
    (:func:`build_crosswalk`) when ``new_units`` has them; otherwise the ``new_code`` the
    pre-2025 layer declares is used (``match_method == "declared"``) and checked against the
    2025 codes. An old unit split between several new units has one row per new unit
    (``split`` True); any other old unit has exactly one row.

    Raises
    ------
    DataMissingError when neither a composition list nor a declared ``new_code`` is available.
    """
    new = new_units_frame(new_units) if "code" not in new_units or "name" not in new_units else new_units
    old = old_units.copy()
    old["code"] = old["code"].astype(str)
    extra = old.set_index("code")
    if "before_merger" in new.columns and new["before_merger"].notna().any():
        table = build_crosswalk(old, new)
        table["reason"] = table["match_method"].map(
            {"unmatched": UNMATCHED_NO_PIECE.format(column="before_merger")}).fillna("")
        unused = table.attrs.get("unused", [])
    elif "new_code" in old.columns and old["new_code"].notna().any():
        codes = set(new["code"].astype(str))
        names = dict(zip(new["code"].astype(str), new["name"], strict=True))
        declared = pd.Series([None if pd.isna(c) or str(c).strip() == "" else str(c).strip()
                              for c in old["new_code"]], dtype=object)
        known = declared.isin(codes)
        table = pd.DataFrame({
            "old_code": old["code"].to_numpy(), "old_name": old["name"].to_numpy(),
            "district": old["district"].to_numpy() if "district" in old else None,
            "new_code": declared.where(known, None).to_numpy(),
            "new_name": declared.map(names).where(known, None).to_numpy(),
            "match_method": ["declared" if k else "unmatched" for k in known],
            "reason": ["" if k else (UNMATCHED_NO_CODE if c is None else UNMATCHED_BAD_CODE.format(code=c))
                       for k, c in zip(known, declared, strict=True)],
        })
        table["split"] = False
        unused = []
    else:
        raise DataMissingError(
            "cannot build the old→new commune crosswalk: the 2025 units have no composition column "
            f"({', '.join(COMPOSITION_COLUMNS)}) and the pre-2025 layer declares no new_code; give a "
            "2025 unit table with 'before_merger' (e.g. the national composition CSV) or fill new_code")
    table["province_old"] = table["old_code"].map(extra["province_old"]) if "province_old" in extra else None
    table = table[CROSSWALK_COLUMNS].sort_values(["old_code", "new_code"], na_position="last")
    table = table.reset_index(drop=True)
    table.attrs["unused"] = list(unused)
    table.attrs["new_codes"] = sorted(set(new["code"].astype(str)))
    return table


def crosswalk_counts(table: pd.DataFrame) -> dict[str, int]:
    """Counts a reader can check: old units, by match method, split and unmatched; 2025 units
    receiving at least one old unit and those receiving none; composition names left unused."""
    per_old = table.groupby("old_code")
    matched = table[table["match_method"] != "unmatched"]
    new_codes = table.attrs.get("new_codes", sorted(matched["new_code"].dropna().unique()))
    receiving = set(matched["new_code"].dropna())
    method = per_old["match_method"].first()
    return {
        "old_units": int(table["old_code"].nunique()),
        "rows": len(table),
        "exact": int((method == "exact").sum()),
        "accent_folded": int((method == "accent_folded").sum()),
        "declared": int((method == "declared").sum()),
        "unmatched": int((method == "unmatched").sum()),
        "split": int((per_old["new_code"].nunique() > 1).sum()),
        "new_units": len(new_codes),
        "new_units_receiving": len(receiving & set(new_codes)),
        "new_units_without_old": len(set(new_codes) - receiving),
        "unused_names": len(table.attrs.get("unused", [])),
    }


def catalog_crosswalk(catalog, *, old=None, new=None, store=None) -> pd.DataFrame:
    """The crosswalk from a catalog's ``communes_pre2025`` and ``communes`` layers, or from the
    files ``old`` (any format read as ``communes_pre2025``; a table without geometry is fine)
    and ``new`` (a CSV such as the composition table, or a communes layer). With ``store`` (the
    run's :class:`~gisplan.store.LayerStore`) the communes already read by the run are used.

    Raises
    ------
    DataMissingError when the catalog has no ``communes_pre2025`` (or ``communes``) layer and no
    file is given.
    """
    if old is not None:
        old_units = read_layer(old, layer_type="communes_pre2025", catalog=catalog, strict=False)
    else:
        entries = catalog.of_type("communes_pre2025") if catalog is not None else []
        if not entries:
            raise DataMissingError(f"{getattr(catalog, 'path', None) or 'the catalog'} has no "
                                   "communes_pre2025 layer; give the pre-2025 units with --old FILE")
        _check_exists(catalog, entries[-1])
        old_units = read_catalog_layer(catalog, entries[-1].name, strict=False)
    if new is not None:
        new_units = _read_new_file(new, catalog)
    else:
        entries = catalog.of_type("communes") if catalog is not None else []
        if not entries:
            raise DataMissingError(f"{getattr(catalog, 'path', None) or 'the catalog'} has no communes "
                                   "layer; give the 2025 units with --new FILE")
        _check_exists(catalog, entries[-1])
        communes = (store.get("communes") if store is not None
                    else read_catalog_layer(catalog, entries[-1].name, strict=False))
        new_units = new_units_frame(communes, entries[-1].path)
    return crosswalk_table(old_units, new_units)


def add_crosswalk(results, catalog, store=None) -> None:
    """Add the ``crosswalk`` table to indicator ``results`` when ``catalog`` has a
    ``communes_pre2025`` layer (and the table is not there yet); when the layers cannot give
    it, the reason goes to ``results.skipped["crosswalk"]``."""
    if "crosswalk" in results.tables or catalog is None or not catalog.of_type("communes_pre2025"):
        return
    try:
        results.tables["crosswalk"] = catalog_crosswalk(catalog, store=store)
    except DataMissingError as exc:
        results.skipped["crosswalk"] = str(exc)


def _check_exists(catalog, entry) -> None:
    if not entry.path.exists():
        raise DataMissingError(f"{catalog.path or 'the catalog'}: [layers.{entry.name}] path {entry.path} does "
                               "not exist; fix the path (for the demo catalog: run `gisplan demo` first)")


def _read_new_file(path, catalog) -> pd.DataFrame:
    """A 2025-unit table: CSV read as text (codes keep their leading zeros), else a communes layer."""
    from pathlib import Path

    path = Path(path)
    if not path.exists():
        raise LayerNotFoundError(f"{path} does not exist; give the 2025 units' table or layer")
    if path.suffix.lower() in (".csv", ".txt"):
        try:
            df = pd.read_csv(path, dtype=str, encoding="utf-8-sig", sep=None, engine="python")
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ReadError(f"{path}: not a readable UTF-8 CSV table ({exc}); save it as CSV UTF-8") from exc
        return new_units_frame(df, path)
    return new_units_frame(read_layer(path, layer_type="communes", catalog=catalog, strict=False), path)
