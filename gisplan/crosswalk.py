"""The old→new commune crosswalk of the 1 July 2025 reorganisation.

Each 2025 commune/ward lists the pre-2025 units merged into it (``before_merger``: "Xã A, Xã B,
Phường C", or "giữ nguyên" when it was kept unchanged). Names from different sources differ in
Unicode form, tone-mark placement (hoà/hòa, thuỷ/thủy), i/y (Sĩ/Sỹ) and occasionally a missing
tone mark (Quán/Quan Triều), so joins go through :func:`gisplan.encoding.normalize_name`, then
an accent-folded comparison as a last resort (reported as such).
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from gisplan.encoding import normalize_name

KEPT = {"giữ nguyên", "giu nguyen"}
_TYPE_PREFIX = (("thị trấn", "thi_tran"), ("phường", "phuong"), ("xã", "xa"), ("đặc khu", "dac_khu"))


def unit_type_of(name: str) -> str | None:
    """``"xa"``, ``"phuong"``, ``"thi_tran"`` or ``"dac_khu"`` from a name's prefix, else None."""
    low = unicodedata.normalize("NFC", str(name)).strip().lower()
    for prefix, code in _TYPE_PREFIX:
        if low.startswith(prefix + " "):
            return code
    return None


def fold_accents(name: str) -> str:
    """Name without any diacritics (đ → d), after :func:`normalize_name`."""
    base = unicodedata.normalize("NFD", normalize_name(name).replace("đ", "d"))
    return "".join(ch for ch in base if not unicodedata.combining(ch))


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
