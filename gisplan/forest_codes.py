"""The forest-status codes of Circular 33/2018/TT-BNNPTNT (as amended by Circular 16/2023/TT-BNNPTNT;
consolidated text 10/VBHN-BNNPTNT of 25/01/2024): one table, ``layers/forest_status_codes.csv``.

Each of the 98 status codes of a forest-status lot (``ldlr``, the code of record) has its number
in the Circular's list (``maldlr`` 1–98), its number in the older FORMIS list used before the
Circular (1–93, e.g. plantations 60–71), the code(s) it had there, its Vietnamese and English
name, its land class (natural forest, plantation forest, planted land not yet forest, land with
regenerating trees, other land), origin, whether it is forest, its type group, standing-volume
class and site, and the colour of the standard forest-status map.

Where each column comes from (also in the table's ``name_source`` and ``color_source`` columns,
and in ``docs/forest_status.md``):

- code ↔ number ↔ origin: the Circular's numbering as implemented by public QGIS tools for FRMS
  data (e.g. the "Lâm nghiệp 4.0" processing tools' Circular 33 code maps; the IFEE PFES tools use
  the same ranges: wood plantations 65–69, bamboo 70–74, others 75–76, planted not yet forest
  77–82), matching the ranges in the Circular's annex;
- the older numbering and names: the FORMIS list of 93 codes (TCVN 11565:2016 Appendix E and the
  forest-fire warning and PFES tools built on it);
- colours: TCVN 11565:2016 *Bản đồ hiện trạng rừng*, Appendix E, as used by the FRMS QGIS style
  library; codes the Circular renamed keep the colour of their old code; the five semi-deciduous
  codes (NRL*), new in the Circular, have no published colour and get tints between the deciduous
  (RL*) and evergreen (TX*) colours; DT2*, DT1 and DK are drawn with a pattern (``pattern``);
- volume classes: Circular 33 Art. 7 (rich > 200 m³/ha, medium > 100–200, poor > 50–100, very
  poor 10–50, regrowth / none < 10).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gisplan._toml import LAYERS_DIR, read_toml
from gisplan.errors import CatalogError, LayerNotFoundError

#: The land classes of a status code, in the order of the official tables.
LAND_CLASSES = ("natural_forest", "plantation_forest", "planted_not_forest", "regenerating", "other_land")
LAND_CLASS_TITLES = {
    "natural_forest": ("Rừng tự nhiên", "Natural forest"),
    "plantation_forest": ("Rừng trồng", "Plantation forest"),
    "planted_not_forest": ("Diện tích đã trồng chưa thành rừng", "Planted, not yet forest"),
    "regenerating": ("Diện tích có cây gỗ tái sinh", "Land with regenerating trees"),
    "other_land": ("Diện tích khác", "Other land"),
}
#: Columns of the code table, in file order.
COLUMNS = ("code", "number", "number_pre2018", "codes_pre2018", "name_vi", "name_en", "land_class", "origin",
           "forest", "primary", "type_group", "forest_type", "volume_class", "site", "color", "pattern",
           "name_source", "color_source")
#: The numberings a ``maldlr`` column may follow.
NUMBERINGS = {"circular33": ("Thông tư 33/2018 (1–98)", "Circular 33/2018 numbering (1–98)"),
              "pre2018": ("danh mục FORMIS trước Thông tư 33 (1–93)", "older FORMIS numbering (1–93)")}


@dataclass(frozen=True)
class StatusCodes:
    """The status-code table (:func:`status_codes`): ``table`` indexed by code, and lookups."""

    table: pd.DataFrame
    path: Path

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.table.index)

    def __contains__(self, code: object) -> bool:
        return code in self.table.index

    def row(self, code: str) -> pd.Series:
        return self.table.loc[code]

    def by_number(self, numbering: str = "circular33") -> dict[int, str]:
        """Number → code in ``numbering`` (``"circular33"`` or ``"pre2018"``)."""
        col = "number" if numbering == "circular33" else "number_pre2018"
        s = self.table[col].dropna()
        return {int(n): code for code, n in s.items()}

    def number_of(self, numbering: str = "circular33") -> pd.Series:
        """Code → its number in ``numbering`` (NaN for a code the older list lacks)."""
        return self.table["number" if numbering == "circular33" else "number_pre2018"].astype(float)

    def legacy_codes(self) -> dict[str, str]:
        """Codes of the older list that the Circular renamed → the Circular's code (``RNMG`` →
        ``NMG``, ``DKH`` → ``DK``). ``NN`` is not here: it is a code of both lists with two
        meanings (older list: agricultural land, now ``DNN``; the Circular: freshwater-flooded
        forest); :func:`gisplan.io.frms` resolves it by the file's numbering."""
        out = {}
        for code, old in self.table["codes_pre2018"].items():
            for o in str(old or "").split():
                if o != code and o not in self.table.index:
                    out[o] = code
        return out

    def column(self, name: str) -> pd.Series:
        """One column of the table by code (e.g. ``column("color")``)."""
        return self.table[name]

    def label(self, code: str, lang: str = "vi") -> str:
        """The name of ``code`` (``"Rừng gỗ trồng núi đất"``), or the code itself when unknown."""
        if code in self.table.index:
            return str(self.table.at[code, "name_vi" if lang == "vi" else "name_en"])
        return str(code)


def status_codes(path: str | os.PathLike | None = None) -> StatusCodes:
    """The status-code table (default ``layers/forest_status_codes.csv``), read once per file
    version and checked: unique codes and numbers, numbers 1–98, known land classes, colours
    as ``#RRGGBB``.

    Raises
    ------
    LayerNotFoundError when the file is missing; CatalogError naming the row when it is malformed.
    """
    path = Path(path) if path else LAYERS_DIR / "forest_status_codes.csv"
    try:
        st = path.resolve().stat()
    except FileNotFoundError:
        raise LayerNotFoundError(f"forest-status code table {path} not found") from None
    return _read_codes(path.resolve(), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=4)
def _read_codes(path: Path, mtime_ns: int, size: int) -> StatusCodes:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise CatalogError(f"{path}: column(s) {', '.join(missing)} missing from the forest-status code table")
    df = df.replace({"": None})
    for col in ("number", "number_pre2018"):
        df[col] = pd.to_numeric(df[col]).astype("Int64")
    for col in ("forest", "primary"):
        df[col] = df[col].map({"1": True, "0": False})
    problems = []
    if df["code"].duplicated().any():
        problems.append(f"codes used twice: {', '.join(df.loc[df['code'].duplicated(), 'code'])}")
    if df["number"].isna().any() or df["number"].duplicated().any():
        problems.append("every code needs its own Circular 33 number")
    bad_class = ~df["land_class"].isin(LAND_CLASSES)
    if bad_class.any():
        problems.append(f"unknown land_class for {', '.join(df.loc[bad_class, 'code'])}")
    bad_color = ~df["color"].fillna("").str.fullmatch(r"#[0-9A-Fa-f]{6}")
    if bad_color.any():
        problems.append(f"colour not #RRGGBB for {', '.join(df.loc[bad_color, 'code'])}")
    forest_without_origin = df["forest"] & df["origin"].isna()
    if forest_without_origin.any():
        problems.append(f"forest codes without an origin: {', '.join(df.loc[forest_without_origin, 'code'])}")
    if problems:
        raise CatalogError(f"{path}: " + "; ".join(problems))
    return StatusCodes(df.set_index("code", drop=False), path)


def land_class_title(land_class: str, lang: str = "vi") -> str:
    """``"natural_forest"`` → ``"Rừng tự nhiên"`` (``"Natural forest"`` in English)."""
    vi, en = LAND_CLASS_TITLES.get(land_class, (land_class, land_class))
    return vi if lang == "vi" else en


@functools.lru_cache(maxsize=1)
def frms_definitions() -> dict:
    """``layers/frms.toml``: the FRMS field sets, the fields taken as they are, and the value
    tables of the coded fields (purpose, origin, site, established, owner), read once."""
    return read_toml(LAYERS_DIR / "frms.toml", "FRMS field definitions")


def owner_categories() -> dict[str, tuple[str, str]]:
    """Owner category → (Vietnamese, English) title, in the order of the tables by owner (Law on
    Forestry 16/2017/QH14 Art. 8; ``layers/frms.toml`` ``[owner.categories]``)."""
    return {k: (v[0], v[1]) for k, v in frms_definitions()["owner"]["categories"].items()}
