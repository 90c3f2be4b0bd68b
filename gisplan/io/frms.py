"""Forest-status lots as the forest-monitoring software (FRMS) exports them, read as they are.

A forest protection office's lot file (Shapefile with the Vietnamese FRMS/FORMIS field set —
``tk, khoanh, lo, dtich, ldlr, maldlr, nggocr, malr3, churung`` … — or the newer export with
English names — ``compt_code, plot_code, area, forest_typ, forest_fun, actor_type`` …) is
recognised by its fields (:func:`recognise`) and decoded into the canonical forest-status
columns (:func:`decode_lots`) with the status-code table (:mod:`gisplan.forest_codes`) and the
field and value tables of ``layers/frms.toml``:

- ``status_code`` (``ldlr``, the code of record) gives ``land_class``, ``origin``, ``meets_criteria``
  (forest or not), ``forest_type``, ``volume_class`` and ``site``; a code the Circular does not know
  is an error naming the lot, never counted; an older code (``RNMG``, ``DKH``) is translated and
  reported;
- ``maldlr`` is checked against the code in the numbering the file follows (Circular 33's 1–98, or
  the older list, e.g. plantations 60–71): the numbering is named and the lots that disagree are
  reported, never classed by the number; files without ``ldlr`` (the English export) get their code
  from the number in the Circular's numbering, reported;
- ``malr3`` gives ``purpose`` (1 protection, 2 special use, 3 production; blank or other: outside
  the three forest types, reported), checked against ``mdsd``;
- ``nggocr`` and ``thanhrung`` are checked against the code, ``dtuong``/``churung`` give
  ``owner_category``, ``tk/khoanh/lo`` (with the commune code) give ``parcel_id``;
- after reprojection, :func:`check_recorded_area` reports lots whose recorded area ``dtich`` differs
  from their mapped area by more than 1 %.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from gisplan._frames import lookup, map_unique
from gisplan.forest_codes import NUMBERINGS, StatusCodes, frms_definitions, status_codes
from gisplan.io.report import ValidationReport

#: Per-lot issues kept for one problem before they are summed up in one "… and N more" issue.
MAX_ROWS_KEPT = 500
#: Recorded (``dtich``) and mapped area may differ by this share before a lot is reported …
AREA_TOLERANCE = 0.01
#: … and by more than half the 0.01 ha to which ``dtich`` is written.
AREA_ROUNDING_HA = 0.005
#: Digits of the administrative codes (GSO: province 2, district 3, commune 5).
CODE_WIDTHS = {"province_code": 2, "district_code": 3, "commune_code": 5}
#: Share of the lots whose ``maldlr`` must agree with one numbering for the file to follow it.
NUMBERING_AGREEMENT = 0.9


@dataclass(frozen=True)
class FieldSet:
    """One FRMS field set: its id, titles, and the file's column for each Vietnamese field name."""

    id: str
    title_vi: str
    title_en: str
    columns: dict[str, str]  # Vietnamese field name → the file's column

    def title(self, lang: str = "vi") -> str:
        return self.title_vi if lang == "vi" else self.title_en

    def has(self, field: str) -> bool:
        return field in self.columns


def recognise(columns: Iterable[Any]) -> FieldSet | None:
    """The FRMS field set of a file with these columns, or None.

    A field set is recognised when its signature fields (``ldlr``; ``forest_typ`` for the English
    export) are there with at least ``min_any`` of its other typical fields (case ignored).

    Examples
    --------
    >>> recognise(["TT", "MAXA", "TK", "KHOANH", "LO", "DTICH", "LDLR", "MALR3", "geometry"]).id
    'frms_vi'
    >>> recognise(["commune_co", "compt_code", "plot_code", "area", "forest_typ"]).id
    'frms_en'
    >>> recognise(["parcel_id", "origin", "purpose"]) is None
    True
    """
    by_lower = {str(c).lower(): str(c) for c in columns}
    for fs_id, spec in frms_definitions()["field_sets"].items():
        if not all(s in by_lower for s in spec["signature"]):
            continue
        if sum(f in by_lower for f in spec["any_of"]) < spec.get("min_any", 0):
            continue
        english = spec.get("vietnamese")
        if english:
            cols = {vi: by_lower[en] for en, vi in english.items() if en in by_lower}
        else:
            cols = {low: real for low, real in by_lower.items()}
        return FieldSet(fs_id, spec["title_vi"], spec["title_en"], cols)
    return None


def decode_lots(raw: pd.DataFrame, report: ValidationReport, *, field_set: FieldSet | None = None,
                codes: StatusCodes | None = None) -> tuple[pd.DataFrame, dict]:
    """Decode an FRMS lot file into the canonical forest-status columns.

    Parameters
    ----------
    raw : the file's frame (text already decoded to Unicode); not modified.
    report : the validation report the problems are added to (rows named by ``parcel_id``).
    field_set : the recognised field set (default :func:`recognise` on ``raw``'s columns).
    codes : the status-code table (default :func:`gisplan.forest_codes.status_codes`).

    Returns
    -------
    (frame, meta): a copy of ``raw`` with the canonical columns added (``parcel_id``,
    ``status_code``, ``status_number``, ``land_class``, ``origin``, ``purpose``, ``meets_criteria``,
    ``forest_type``, ``volume_class``, ``site``, ``owner_category``, ``established``, and the renamed
    fields of ``layers/frms.toml`` ``[renamed]``); the other fields pass through unchanged. ``meta``
    holds the field set (``field_set``, ``title``), the ``numbering`` the file's ``maldlr`` follows
    (``"circular33"``, ``"pre2018"`` or None) and the lots per status code (``codes``).
    """
    fs = field_set or recognise(raw.columns)
    if fs is None:
        raise ValueError("not an FRMS lot file")
    codes = codes or status_codes()
    d = frms_definitions()
    out = raw.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    col = fs.columns
    # the fields taken as they are, under gisplan's names
    for vi, canonical in d["renamed"].items():
        src = col.get(vi)
        if src is None or src not in out.columns:
            continue
        if canonical in out.columns and canonical != src:
            report.add("warning", "column_kept", f"field {src!r} is not read as {canonical!r}: the file already has "
                                                  f"a column {canonical!r}", column=src)
            continue
        out = out.rename(columns={src: canonical})
    n = len(out)
    for c, width in CODE_WIDTHS.items():  # administrative codes written as numbers lose their zeros
        if c in out.columns:
            out[c] = map_unique(_int_text(out[c]), lambda v, w=width: v.zfill(w) if v is not None and v.isdigit() else v)
    if "plant_year" in out.columns:  # namtr 0: not planted, or not recorded
        year = pd.to_numeric(out["plant_year"], errors="coerce")
        out["plant_year"] = year.where(year > 0).astype("Int64")
    out["parcel_id"] = _lot_ids(out, raw, col, report)
    ids = out["parcel_id"]
    add = _Adder(report, ids)

    code = (map_unique(_text(out["status_code"]), lambda v: None if v is None else v.upper()) if "status_code" in out
            else pd.Series([None] * n, index=out.index))
    number = pd.to_numeric(out["status_number"], errors="coerce") if "status_number" in out else None
    if number is not None:
        out["status_number"] = number.astype("Int64")
    code = _legacy(code, codes, add)
    numbering = _numbering(code, number, codes)
    meta: dict = {"field_set": fs.id, "title": fs.title_vi, "title_en": fs.title_en, "numbering": numbering}
    if number is not None:
        code = _check_numbers(code, number, numbering, codes, add, fs)
    out["status_code"] = code
    known = code.isin(codes.codes)
    bad = code.notna() & ~known
    code_field = col.get("ldlr", "status_code")
    add.rows("error", "status_code_unknown", bad, code_field,
             lambda p: f"{code.iloc[p]!r} is not a status code of Circular 33/2018 (layers/forest_status_codes.csv): "
                       f"the lot is not counted")
    add.rows("error", "status_code_missing", code.isna(), code_field,
             lambda p: "no status code (ldlr): the lot is not counted")
    table = codes.table
    for c in ("land_class", "origin", "forest_type", "volume_class", "site"):
        out[c] = lookup(code, table[c]).where(known, None)
    out["meets_criteria"] = lookup(code, table["forest"]).where(known, None)
    out.loc[out["origin"].isna(), "origin"] = None
    _plantation_species(out)
    _site_from_lapdia(out, col, raw, d)
    _check_origin(out, raw, col, d, add)
    out["purpose"] = _purpose(raw, col, d, add, fs)
    _established(out, raw, col, d, add)
    out["owner_category"] = _owner_category(raw, col, d)
    meta["codes"] = {str(k): int(v) for k, v in code.value_counts().items()}
    return out, meta


def check_recorded_area(gdf, report: ValidationReport) -> None:
    """Report lots whose recorded area (``area_recorded_ha``, FRMS ``dtich``) differs from their
    mapped area (ha, in the frame's projected CRS, else EPSG:9213) by more than
    :data:`AREA_TOLERANCE` (1 %) and more than :data:`AREA_ROUNDING_HA`. Warnings: the tables
    use the mapped area, split exactly by the 2025 communes."""
    if "area_recorded_ha" not in gdf.columns or not len(gdf):
        return
    geoms = gdf.geometry
    if gdf.crs is None:
        return
    if not gdf.crs.is_projected:
        geoms = geoms.to_crs("EPSG:9213")
    mapped = shapely.area(geoms.to_numpy()) / 1e4 * (gdf.crs.axis_info[0].unit_conversion_factor ** 2
                                                      if gdf.crs.is_projected else 1.0)
    recorded = pd.to_numeric(gdf["area_recorded_ha"], errors="coerce").to_numpy(dtype=float)
    diff = np.abs(recorded - mapped)
    bad = np.isfinite(recorded) & (diff > AREA_TOLERANCE * mapped) & (diff > AREA_ROUNDING_HA)
    ids = gdf["parcel_id"] if "parcel_id" in gdf else pd.Series(range(len(gdf)), index=gdf.index)
    _Adder(report, ids).rows(
        "warning", "area_mismatch", bad, "area_recorded_ha",
        lambda p: f"recorded area dtich {recorded[p]:.2f} ha differs from the mapped area {mapped[p]:.2f} ha by "
                  f"{(recorded[p] - mapped[p]) / mapped[p] * 100 if mapped[p] else float('inf'):+.1f} % "
                  f"(tables use the mapped area)")


# -- helpers ------------------------------------------------------------------------------------
class _Adder:
    """Per-lot issues, at most :data:`MAX_ROWS_KEPT` per problem, then one summing-up issue."""

    def __init__(self, report: ValidationReport, ids: pd.Series):
        self.report, self.ids = report, ids

    def rows(self, severity: str, code: str, mask, column: str | None, message) -> int:
        pos = np.flatnonzero(np.asarray(mask, dtype=bool))
        for p in pos[:MAX_ROWS_KEPT]:
            self.report.add(severity, code, message(p), column=column, row=self.ids.iloc[p])
        if len(pos) > MAX_ROWS_KEPT:
            self.report.add(severity, code, f"… and {len(pos) - MAX_ROWS_KEPT:,} more lots with the same problem "
                                            f"({len(pos):,} in all)", column=column)
        return len(pos)

    def once(self, severity: str, code: str, message: str, column: str | None = None) -> None:
        self.report.add(severity, code, message, column=column)


def _text(s: pd.Series) -> pd.Series:
    """Text values stripped; blank, NaN and None → None."""
    return map_unique(s, lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                      else (str(v).strip() or None))


def _int_text(s: pd.Series) -> pd.Series:
    """Codes written as numbers (``5536.0``, ``"123.0"``) as integer text (``"5536"``); other
    text as it is (``"05536"`` keeps its zero)."""
    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            return str(int(v)) if float(v).is_integer() else str(v)
        t = str(v).strip()
        return (t.split(".")[0] if re.fullmatch(r"\d+\.0*", t) else t) or None
    return map_unique(s, one)


def _lot_ids(out: pd.DataFrame, raw: pd.DataFrame, col: dict, report: ValidationReport) -> pd.Series:
    """``commune/tiểu khu/khoảnh/lô`` (``"05536/123/4/12"``); a key shared by several features gets the
    land parcel (``thuad``) and then ``#2``, ``#3`` … (reported once)."""
    parts = [c for c in ("commune_code", "compartment", "subcompartment", "lot") if c in out.columns]
    if not parts:
        return pd.Series([f"row {i}" for i in range(len(out))], index=out.index, dtype=object)
    keys = [_int_text(out[c]).fillna("-") for c in parts]
    key = keys[0].str.cat(keys[1:], sep="/") if len(keys) > 1 else keys[0]
    dup = key.duplicated(keep=False)
    if dup.any() and "land_parcel" in out.columns:  # the cadastral parcel (thửa) where recorded (not 0)
        parcel = _int_text(out["land_parcel"])
        parcel = parcel.where(~parcel.isin(["0", "-"]), None)
        with_parcel = key + "/" + parcel.fillna("")
        use = dup & parcel.notna() & ~with_parcel.duplicated(keep=False)
        key = key.where(~use, with_parcel)
        dup = key.duplicated(keep=False)
    if dup.any():
        n_keys = int(key[dup].nunique())
        rank = key.groupby(key).cumcount() + 1
        key = key.where(rank == 1, key + "#" + rank.astype(str))
        report.add("warning", "lot_key_repeated",
                   f"{int(dup.sum()):,} features share {n_keys:,} lot keys ({'/'.join(parts)}); "
                   f"the repeats are numbered #2, #3 … in parcel_id", column="parcel_id")
    return key.astype(object)


def _legacy(code: pd.Series, codes: StatusCodes, add: _Adder) -> pd.Series:
    """Codes of the older list the Circular renamed, translated (``RNMG`` → ``NMG``), reported."""
    legacy = codes.legacy_codes()
    old = code.isin(list(legacy))
    if old.any():
        seen = ", ".join(f"{k} → {legacy[k]} ({v:,})" for k, v in code[old].value_counts().items())
        add.once("warning", "status_code_legacy",
                 f"status codes of the list before Circular 33 read as the Circular's codes: {seen}", "status_code")
        code = code.where(~old, code.map(legacy))
    return code


def _numbering(code: pd.Series, number: pd.Series | None, codes: StatusCodes) -> str | None:
    """The numbering ``maldlr`` follows: the one most lots agree with, among the lots whose code
    has different numbers in the two lists (None when the file has no numbers or no such lot)."""
    if number is None or not number.notna().any():
        return None
    n33, nold = codes.number_of("circular33"), codes.number_of("pre2018")
    a33 = lookup(code, n33, dtype=float).to_numpy()
    aold = lookup(code, nold, dtype=float).to_numpy()
    num = number.to_numpy(dtype=float)
    # NN is a code of both lists with two meanings: its number tells which
    informative = np.isfinite(num) & (a33 != aold) & ~(np.isnan(a33) & np.isnan(aold))
    if not informative.any():
        return "circular33" if np.isfinite(num).any() and (num > 93).any() else None
    agree33 = float(np.mean(num[informative] == a33[informative]))
    agreeold = float(np.mean(num[informative] == aold[informative]))
    if max(agree33, agreeold) < 0.5:
        return None
    return "circular33" if agree33 >= agreeold else "pre2018"


def _check_numbers(code, number, numbering, codes: StatusCodes, add: _Adder, fs: FieldSet) -> pd.Series:
    """Check ``maldlr`` against the code (or, without codes, take the code from the number)."""
    if not fs.has("ldlr"):  # the English export carries the number only
        by_number = codes.by_number("circular33")
        derived = number.map({float(k): v for k, v in by_number.items()}).astype(object).where(number.notna(), None)
        add.once("warning", "status_code_from_number",
                 "the file has no text status code (ldlr): codes were read from forest_typ by the numbering of "
                 "Circular 33/2018 (1–98)", "status_code")
        bad = number.notna() & derived.isna()
        add.rows("error", "status_number_unknown", bad, "status_number",
                 lambda p: f"forest_typ {number.iloc[p]:g} is not a status number of Circular 33/2018 (1–98)")
        return derived.astype(object)
    nn_old = (code == "NN") & (number == codes.row("DNN")["number_pre2018"])
    if numbering == "pre2018" or nn_old.any():
        # NN of the older list is agricultural land (now DNN), not freshwater-flooded forest
        nn = (code == "NN") & ((numbering == "pre2018") | nn_old)
        if nn.any():
            add.once("warning", "status_code_legacy",
                     f"{int(nn.sum()):,} lots coded NN with the older numbering (maldlr 88) read as DNN (agricultural "
                     f"land): in Circular 33, NN is freshwater-flooded forest", "status_code")
            code = code.where(~nn, "DNN")
    if numbering is None:
        if number.notna().any():
            add.once("warning", "status_numbering_unknown",
                     "maldlr follows neither the numbering of Circular 33/2018 (1–98) nor the older list (1–93): the "
                     "text code ldlr is used and maldlr is not checked", "status_number")
        return code
    if numbering == "pre2018":
        add.once("warning", "status_numbering_old",
                 f"maldlr follows the {NUMBERINGS['pre2018'][1]} (e.g. plantations 60–71), not Circular 33/2018: the text "
                 f"code ldlr is used", "status_number")
    expected = lookup(code, codes.number_of(numbering), dtype=float)
    bad = number.notna() & code.isin(codes.codes) & (expected != number.astype(float))
    name = NUMBERINGS[numbering][1]
    col_number = fs.columns.get("maldlr", "status_number")
    n33 = codes.number_of("circular33")
    def message(p):
        e = expected.iloc[p]
        which = f"expected {e:g}" if pd.notna(e) else f"{code.iloc[p]} has no number there"
        return (f"maldlr {number.iloc[p]:g} does not match ldlr {code.iloc[p]} in the {name} ({which}; "
                f"Circular 33: {n33.get(code.iloc[p], float('nan')):g}); the lot is classed by ldlr")
    add.rows("warning", "status_number_mismatch", bad.fillna(False), col_number, message)
    return code


def _plantation_species(out: pd.DataFrame) -> None:
    """Wood plantations of acacia (keo) or eucalyptus (bạch đàn), by the species field."""
    if "species" not in out.columns:
        return
    sp = _fold(out["species"])
    wood = out["forest_type"].eq("plantation_other") & out["land_class"].eq("plantation_forest")
    keo, bach_dan = re.compile(r"\bkeo\b|acacia"), re.compile(r"bach dan|\bbd\b|eucalyptus")
    acacia = map_unique(sp, lambda v: v is not None and bool(keo.search(v)), dtype=bool)
    euca = map_unique(sp, lambda v: v is not None and bool(bach_dan.search(v)), dtype=bool)
    out.loc[wood & acacia & ~euca, "forest_type"] = "plantation_acacia"
    out.loc[wood & euca & ~acacia, "forest_type"] = "plantation_eucalyptus"


def _decode(values: pd.Series, table: dict) -> pd.Series:
    """Numeric codes (``1``, ``1.0``, ``"1"``) → the value of ``table`` (keyed ``"1"``), else None."""
    num = pd.to_numeric(values, errors="coerce")
    by_number = {float(k): v for k, v in table.items()}
    return lookup(num, by_number).where(num.notna(), None)


def _site_from_lapdia(out, col, raw, d) -> None:
    """The site of codes that carry none (water, other land) from ``lapdia``."""
    src = col.get("lapdia")
    if src is None or src not in raw.columns:
        return
    lap = _decode(raw[src], d["site"]["lapdia"])
    out["site"] = out["site"].where(out["site"].notna(), lap.to_numpy())


def _check_origin(out, raw, col, d, add: _Adder) -> None:
    """``nggocr`` (1 natural, 2 plantation, 3 not forest) against the origin of the code."""
    src = col.get("nggocr")
    if src is None or src not in raw.columns:
        return
    given = _decode(raw[src], d["origin"]["nggocr"])
    expected = np.where(out["meets_criteria"].eq(True), out["origin"].fillna("none"), "none")
    known = out["land_class"].notna().to_numpy() & given.notna().to_numpy()
    bad = known & (given.to_numpy() != expected)
    titles = {"natural": "natural", "plantation": "plantation", "none": "not forest"}
    add.rows("warning", "origin_mismatch", bad, "nggocr",
             lambda p: f"nggocr says {titles.get(given.iloc[p], given.iloc[p])}, status code {out['status_code'].iloc[p]} "
                       f"says {titles.get(expected[p], expected[p])}; the lot is classed by its status code")


def _purpose(raw, col, d, add: _Adder, fs: FieldSet) -> pd.Series:
    """``malr3`` → purpose; without it (the English export) the sub-purpose code; blank or other
    → outside the three forest types, reported."""
    n = len(raw)
    src = col.get("malr3")
    if src is not None and src in raw.columns:
        values = pd.to_numeric(raw[src], errors="coerce")
        table, field = d["purpose"]["malr3"], "malr3"
    elif col.get("mamdsd") in raw.columns:
        src = col["mamdsd"]
        values = pd.to_numeric(raw[src], errors="coerce")
        table, field = d["purpose"]["mamdsd"], src
        add.once("warning", "purpose_from_subcode",
                 f"the file has no main purpose (malr3): purpose read from the sub-purpose code {src} by the FORMIS "
                 f"list (1–4 protection, 5–8 special use, 9–12 production)", "purpose")
    else:
        add.once("warning", "purpose_missing", "the file has no purpose field (malr3): every lot is counted outside "
                                               "the three forest types", "purpose")
        return pd.Series(["outside_planning"] * n, index=raw.index, dtype=object)
    decoded = _decode(values, table)
    blank = values.isna() & _text(raw[src]).isna()
    other = decoded.isna() & ~blank
    add.rows("warning", "purpose_blank", blank, src,
             lambda p: f"{field} is blank: counted outside the three forest types")
    add.rows("warning", "purpose_code_unknown", other, src,
             lambda p: f"{field} {raw[src].iloc[p]!r} is not a purpose code (1 protection, 2 special use, 3 production): "
                       f"counted outside the three forest types")
    purpose = decoded.fillna("outside_planning").astype(object)
    mdsd_src = col.get("mdsd")
    if mdsd_src is not None and mdsd_src in raw.columns:
        by_abbr = _text(raw[mdsd_src]).str.upper().map(d["purpose"]["mdsd"])
        clash = by_abbr.notna() & decoded.notna() & (by_abbr != decoded)
        add.rows("warning", "purpose_mismatch", clash, src,
                 lambda p: f"{field} {values.iloc[p]:g} ({decoded.iloc[p]}) disagrees with mdsd "
                           f"{raw[mdsd_src].iloc[p]!r} ({by_abbr.iloc[p]}); {field} is used")
    return purpose


def _established(out, raw, col, d, add: _Adder) -> None:
    """``thanhrung`` (1 established, 2 not yet) against the code: plantation forest is
    established, planted land not yet."""
    src = col.get("thanhrung")
    if src is None or src not in raw.columns:
        return
    table = d["established"]["thanhrung"]
    est = _decode(raw[src], table)
    out["established"] = est
    lc = out["land_class"]
    bad = (lc.eq("plantation_forest") & est.eq(False)) | (lc.eq("planted_not_forest") & est.eq(True))
    add.rows("warning", "established_mismatch", bad.to_numpy(), src,
             lambda p: f"{src} says {'established' if est.iloc[p] else 'not yet established'} but status code "
                       f"{out['status_code'].iloc[p]} is {'plantation forest' if lc.iloc[p] == 'plantation_forest' else 'planted land not yet forest'}; "
                       f"the lot is classed by its status code")


def _fold_one(v) -> str | None:
    """Lower case without diacritics (đ → d), spaces collapsed, with a trailing space (so a pattern
    may end a word), for matching names; None for a missing value."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    t = unicodedata.normalize("NFD", str(v).lower().replace("đ", "d"))
    return re.sub(r"\s+", " ", "".join(ch for ch in t if not unicodedata.combining(ch))).strip() + " "


def _fold(s: pd.Series) -> pd.Series:
    """:func:`_fold_one` of each value."""
    return map_unique(s, _fold_one)


def _owner_category(raw, col, d) -> pd.Series:
    """``dtuong`` 1–3 (household, community, commune committee); organisations (≥ 4, or no
    ``dtuong``) by the owner's name; else None (unknown)."""
    n = len(raw)
    out = pd.Series([None] * n, index=raw.index, dtype=object)
    src = col.get("dtuong")
    kind = pd.to_numeric(raw[src], errors="coerce") if src in raw.columns else pd.Series(np.nan, index=raw.index)
    table = d["owner"]["dtuong"]
    fixed = _decode(kind, table)
    out = out.where(fixed.isna(), fixed)
    name_src = col.get("churung")
    if name_src is not None and name_src in raw.columns:
        patterns = {cat: re.compile("|".join(re.escape(p) for p in pats))
                    for cat, pats in d["owner"]["name_patterns"].items()}

        def category(name):
            folded = _fold_one(name)
            if folded is None:
                return None
            return next((cat for cat, rx in patterns.items() if rx.search(folded)), None)
        guessed = map_unique(raw[name_src], category)
        org = fixed.isna() & guessed.notna()
        out[org] = guessed[org]
        out[fixed.isna() & guessed.isna() & _text(raw[name_src]).notna() & (kind >= 4)] = "other_org"
    return out


#: The canonical columns :func:`decode_lots` decodes from the file's codes (a blank value there
#: was reported by the decoder, with the reason).
DECODED = ("meets_criteria", "origin", "land_class", "forest_type", "volume_class", "site", "purpose",
           "owner_category", "established")
