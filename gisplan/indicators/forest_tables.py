"""The tables of the annual forest-status announcement (công bố hiện trạng rừng) from the lots.

Three forms, as provinces publish them with the decision announcing the forest status (e.g.
"Diện tích rừng và diện tích chưa thành rừng phân theo mục đích sử dụng", "… phân theo chủ rừng",
"Tỷ lệ che phủ rừng"):

- :func:`status_by_purpose` — area of forest and of land not yet forest by forest class (rows)
  × purpose (columns: total, special use, protection, production, outside the three forest types);
- :func:`status_by_owner` — the same rows × owner category (Law on Forestry Art. 8);
- :func:`cover_table` — forest area and cover per commune and for the province.

The rows follow the classification of forest of Circular 33/2018/TT-BNNPTNT (Art. 6–7: by
origin, by site, natural forest by species composition, plantations by species, natural wood
forest by standing volume) with the land not yet forest of its code list (planted, regenerating,
other), and the row structure of the older form "Biểu 1" of Circular 25/2009/TT-BNN (A. forest,
B. land not yet forest; sites núi đất / núi đá / ngập nước / cát). Where each layout comes from is
in :data:`gisplan.tables.FORMS` and printed on each sheet. Every sub-classification adds up to its parent row (a
"chưa xác định" row holds what the data leave unclassified, shown only when not empty); every
total column adds up its columns. Areas in ha, mapped (split at the study area's boundary).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisplan.forest_codes import owner_categories, status_codes
from gisplan.indicators.forest_definition import PURPOSES

#: owner categories in the order of the columns (Law on Forestry 16/2017/QH14 Art. 8, then the
#: commune People's Committee managing forest not yet allocated; layers/frms.toml)
OWNER_CATEGORIES = tuple(owner_categories())

_WOOD = ("evergreen_broadleaf", "deciduous_broadleaf", "semi_deciduous_broadleaf", "coniferous",
         "mixed_broadleaf_coniferous", "mangrove", "alum_flooded", "freshwater_flooded")
_FLOODED = ("saline_flooded", "alum_flooded", "freshwater_flooded", "flooded")
#: gisplan's own forest_type → the type group of the code table (files without status codes)
_TYPE_GROUP_OF_FOREST_TYPE = {
    "evergreen_broadleaf": "evergreen_broadleaf", "limestone": "evergreen_broadleaf",
    "deciduous_broadleaf": "deciduous_broadleaf", "semi_deciduous_broadleaf": "semi_deciduous_broadleaf",
    "coniferous": "coniferous", "mixed_broadleaf_coniferous": "mixed_broadleaf_coniferous",
    "mangrove": "mangrove", "flooded": "freshwater_flooded", "mixed_wood_bamboo": "mixed_wood_bamboo",
    "bamboo": "bamboo", "palm": "palm", "plantation_acacia": "plantation_wood",
    "plantation_eucalyptus": "plantation_wood", "plantation_other": "plantation_wood", "young_plantation": "planted",
}


@dataclass(frozen=True)
class Row:
    """One row of a form: its number in the form, labels, indentation level, and which lots it
    sums (``test(frame) -> bool mask``); ``optional`` rows are dropped when empty."""

    id: str
    vi: str
    en: str
    level: int
    test: object
    optional: bool = False


def _is(col, *values):
    return lambda f: f[col].isin(values).to_numpy()


def _and(*tests):
    return lambda f: np.logical_and.reduce([t(f) for t in tests])


_FOREST = _is("land_class", "natural_forest", "plantation_forest")
_NATURAL = _is("land_class", "natural_forest")
_PLANTED = _is("land_class", "plantation_forest")
_NATURAL_WOOD = _and(_NATURAL, _is("type_group", *_WOOD))

ROWS: tuple[Row, ...] = (
    Row("T", "TỔNG DIỆN TÍCH", "TOTAL AREA", 0, lambda f: np.ones(len(f), dtype=bool)),
    Row("A", "A. DIỆN TÍCH CÓ RỪNG", "A. FOREST", 0, _FOREST),
    Row("A.I", "I. Rừng phân theo nguồn gốc", "I. Forest by origin", 1, _FOREST),
    Row("A.I.1", "1. Rừng tự nhiên", "1. Natural forest", 2, _NATURAL),
    Row("A.I.1.a", "- Rừng nguyên sinh", "- Primary", 3, _and(_NATURAL, lambda f: f["primary"].eq(True).to_numpy())),
    Row("A.I.1.b", "- Rừng thứ sinh", "- Secondary", 3, _and(_NATURAL, lambda f: f["primary"].eq(False).to_numpy())),
    Row("A.I.1.c", "- Chưa xác định nguyên sinh, thứ sinh", "- Primary or secondary not recorded", 3,
        _and(_NATURAL, lambda f: f["primary"].isna().to_numpy()), True),
    Row("A.I.2", "2. Rừng trồng", "2. Plantation forest", 2, _PLANTED),
    Row("A.II", "II. Rừng phân theo điều kiện lập địa", "II. Forest by site", 1, _FOREST),
    Row("A.II.1", "1. Rừng trên núi đất", "1. On earth mountains", 2, _and(_FOREST, _is("site", "earth_mountain"))),
    Row("A.II.2", "2. Rừng trên núi đá", "2. On limestone mountains", 2, _and(_FOREST, _is("site", "limestone"))),
    Row("A.II.3", "3. Rừng trên đất ngập nước", "3. On flooded land", 2, _and(_FOREST, _is("site", *_FLOODED))),
    Row("A.II.3.a", "- Rừng ngập mặn", "- Saline (mangrove)", 3, _and(_FOREST, _is("site", "saline_flooded"))),
    Row("A.II.3.b", "- Rừng trên đất phèn", "- Alum", 3, _and(_FOREST, _is("site", "alum_flooded"))),
    Row("A.II.3.c", "- Rừng ngập nước ngọt", "- Freshwater", 3, _and(_FOREST, _is("site", "freshwater_flooded"))),
    Row("A.II.3.d", "- Ngập nước chưa phân loại", "- Flooded, kind not recorded", 3, _and(_FOREST, _is("site", "flooded")),
        True),
    Row("A.II.4", "4. Rừng trên cát", "4. On sand", 2, _and(_FOREST, _is("site", "sand"))),
    Row("A.II.5", "5. Chưa xác định lập địa", "5. Site not recorded", 2,
        _and(_FOREST, lambda f: ~f["site"].isin(("earth_mountain", "limestone", "sand", *_FLOODED)).to_numpy()), True),
    Row("A.III", "III. Rừng tự nhiên phân theo loài cây", "III. Natural forest by species", 1, _NATURAL),
    Row("A.III.1", "1. Rừng gỗ", "1. Wood forest", 2, _NATURAL_WOOD),
    Row("A.III.1.a", "- Rừng lá rộng thường xanh", "- Evergreen broadleaf", 3,
        _and(_NATURAL, _is("type_group", "evergreen_broadleaf"))),
    Row("A.III.1.b", "- Rừng lá rộng rụng lá", "- Deciduous broadleaf", 3,
        _and(_NATURAL, _is("type_group", "deciduous_broadleaf"))),
    Row("A.III.1.c", "- Rừng lá rộng nửa rụng lá", "- Semi-deciduous broadleaf", 3,
        _and(_NATURAL, _is("type_group", "semi_deciduous_broadleaf"))),
    Row("A.III.1.d", "- Rừng lá kim", "- Coniferous", 3, _and(_NATURAL, _is("type_group", "coniferous"))),
    Row("A.III.1.đ", "- Rừng hỗn giao lá rộng và lá kim", "- Mixed broadleaf–coniferous", 3,
        _and(_NATURAL, _is("type_group", "mixed_broadleaf_coniferous"))),
    Row("A.III.1.e", "- Rừng gỗ ngập nước (ngập mặn, phèn, ngọt)", "- Flooded wood forest", 3,
        _and(_NATURAL, _is("type_group", "mangrove", "alum_flooded", "freshwater_flooded"))),
    Row("A.III.2", "2. Rừng tre nứa", "2. Bamboo forest", 2, _and(_NATURAL, _is("type_group", "bamboo"))),
    Row("A.III.3", "3. Rừng hỗn giao gỗ và tre nứa", "3. Mixed wood and bamboo", 2,
        _and(_NATURAL, _is("type_group", "mixed_wood_bamboo"))),
    Row("A.III.4", "4. Rừng cau dừa", "4. Palm forest", 2, _and(_NATURAL, _is("type_group", "palm"))),
    Row("A.III.5", "5. Chưa xác định loài cây", "5. Species group not recorded", 2,
        _and(_NATURAL, lambda f: ~f["type_group"].isin((*_WOOD, "bamboo", "mixed_wood_bamboo", "palm")).to_numpy()),
        True),
    Row("A.IV", "IV. Rừng trồng phân theo loài cây", "IV. Plantation forest by species", 1, _PLANTED),
    Row("A.IV.1", "1. Rừng gỗ trồng", "1. Wood plantations", 2, _and(_PLANTED, _is("type_group", "plantation_wood"))),
    Row("A.IV.2", "2. Rừng tre nứa trồng", "2. Bamboo plantations", 2,
        _and(_PLANTED, _is("type_group", "plantation_bamboo"))),
    Row("A.IV.3", "3. Rừng cau dừa trồng", "3. Palm plantations", 2, _and(_PLANTED, _is("type_group", "plantation_palm"))),
    Row("A.IV.4", "4. Rừng trồng khác", "4. Other plantations", 2,
        _and(_PLANTED, lambda f: ~f["type_group"].isin(("plantation_wood", "plantation_bamboo",
                                                        "plantation_palm")).to_numpy())),
    Row("A.V", "V. Rừng gỗ tự nhiên phân theo trữ lượng", "V. Natural wood forest by standing volume", 1, _NATURAL_WOOD),
    Row("A.V.1", "1. Rừng giàu", "1. Rich (> 200 m³/ha)", 2, _and(_NATURAL_WOOD, _is("volume_class", "rich", "very_rich"))),
    Row("A.V.2", "2. Rừng trung bình", "2. Medium (100–200 m³/ha)", 2, _and(_NATURAL_WOOD, _is("volume_class", "medium"))),
    Row("A.V.3", "3. Rừng nghèo", "3. Poor (50–100 m³/ha)", 2, _and(_NATURAL_WOOD, _is("volume_class", "poor"))),
    Row("A.V.4", "4. Rừng nghèo kiệt", "4. Very poor (10–50 m³/ha)", 2, _and(_NATURAL_WOOD, _is("volume_class", "very_poor"))),
    Row("A.V.5", "5. Rừng chưa có trữ lượng (phục hồi)", "5. No standing volume (< 10 m³/ha, regrowth)", 2,
        _and(_NATURAL_WOOD, _is("volume_class", "none"))),
    Row("A.V.6", "6. Chưa phân cấp trữ lượng", "6. Volume class not recorded", 2,
        _and(_NATURAL_WOOD, lambda f: ~f["volume_class"].isin(("very_rich", "rich", "medium", "poor", "very_poor",
                                                                "none")).to_numpy()), True),
    Row("B", "B. DIỆN TÍCH CHƯA THÀNH RỪNG", "B. LAND NOT YET FOREST", 0,
        _is("land_class", "planted_not_forest", "regenerating", "other_land")),
    Row("B.1", "1. Diện tích đã trồng chưa thành rừng", "1. Planted, not yet forest", 1, _is("land_class", "planted_not_forest")),
    Row("B.2", "2. Diện tích có cây gỗ tái sinh", "2. Land with regenerating trees", 1, _is("land_class", "regenerating")),
    Row("B.3", "3. Diện tích khác (đất trống, bãi cát, đất nông nghiệp, mặt nước, đất khác)",
        "3. Other (bare land, sand, agriculture, water, other)", 1, _is("land_class", "other_land")),
    Row("C", "C. DIỆN TÍCH CHƯA XÁC ĐỊNH TRẠNG THÁI (mã trạng thái không hợp lệ)",
        "C. STATUS UNKNOWN (not a status code)", 0, lambda f: f["land_class"].isna().to_numpy(), True),
)
#: rows and the rows they add up to (the test of every form)
SUMS = {"T": ("A", "B", "C"), "A": ("A.I.1", "A.I.2"), "A.I": ("A.I.1", "A.I.2"),
        "A.I.1": ("A.I.1.a", "A.I.1.b", "A.I.1.c"), "A.II": ("A.II.1", "A.II.2", "A.II.3", "A.II.4", "A.II.5"),
        "A.II.3": ("A.II.3.a", "A.II.3.b", "A.II.3.c", "A.II.3.d"),
        "A.III": ("A.III.1", "A.III.2", "A.III.3", "A.III.4", "A.III.5"),
        "A.III.1": ("A.III.1.a", "A.III.1.b", "A.III.1.c", "A.III.1.d", "A.III.1.đ", "A.III.1.e"),
        "A.IV": ("A.IV.1", "A.IV.2", "A.IV.3", "A.IV.4"), "A.V": ("A.V.1", "A.V.2", "A.V.3", "A.V.4", "A.V.5", "A.V.6"),
        "B": ("B.1", "B.2", "B.3")}


def lot_classes(lots: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per lot: ``land_class``, ``primary``, ``type_group``, ``site``, ``volume_class``, ``purpose``,
    ``owner_category`` and ``ha`` (mapped area) — from the status code where the lots carry one
    (an FRMS export), else from gisplan's own columns (``meets_criteria``, ``origin``,
    ``forest_type``; primary forest then not recorded)."""
    n = len(lots)

    def col(name):
        return lots[name].astype(object).where(lots[name].notna(), None) if name in lots else \
            pd.Series([None] * n, index=lots.index, dtype=object)

    table = status_codes().table
    if "land_class" in lots and "status_code" in lots:
        code = col("status_code")
        land = col("land_class")
        primary = code.map(table["primary"]).astype(object)
        group = code.map(table["type_group"]).astype(object)
    else:
        meets = lots["meets_criteria"].astype("boolean")
        origin = col("origin")
        land = pd.Series(np.select([meets.eq(True).fillna(False) & origin.eq("natural"),
                                    meets.eq(True).fillna(False) & origin.eq("plantation"),
                                    meets.eq(False).fillna(False)],
                                   ["natural_forest", "plantation_forest", "planted_not_forest"], ""),
                         index=lots.index, dtype=object).replace("", None)
        primary = pd.Series([None] * n, index=lots.index, dtype=object)
        group = col("forest_type").map(_TYPE_GROUP_OF_FOREST_TYPE).astype(object)
    return pd.DataFrame({"land_class": land.to_numpy(), "primary": primary.to_numpy(), "type_group": group.to_numpy(),
                         "site": col("site").to_numpy(), "volume_class": col("volume_class").to_numpy(),
                         "purpose": col("purpose").to_numpy(), "owner_category": col("owner_category").to_numpy(),
                         "ha": shapely.area(lots.geometry.to_numpy()) / 1e4})


def _form(lots: gpd.GeoDataFrame, by: str, values: tuple[str, ...], unknown: str | None) -> pd.DataFrame:
    f = lot_classes(lots)
    key = f[by].where(f[by].isin(values), unknown if unknown else "outside_planning")
    out = []
    for r in ROWS:
        mask = np.asarray(r.test(f), dtype=bool)
        sums = pd.Series(f["ha"].to_numpy()[mask]).groupby(key.to_numpy()[mask]).sum()
        rec = {"row": r.id, "label": r.vi, "label_en": r.en, "indent": r.level,
               "total_ha": float(f["ha"].to_numpy()[mask].sum())}
        for v in (*values, *([unknown] if unknown else [])):
            rec[f"{v}_ha"] = float(sums.get(v, 0.0))
        out.append((r, rec))
    return pd.DataFrame([rec for r, rec in out if not (r.optional and rec["total_ha"] <= 0)])


def status_by_purpose(lots: gpd.GeoDataFrame) -> pd.DataFrame:
    """Biểu 1: area (ha) of each forest class (:data:`ROWS`) by purpose.

    Returns
    -------
    DataFrame, one row per form row: ``row`` (its number, e.g. ``"A.I.1"``), ``label`` (Vietnamese),
    ``label_en``, ``indent`` (the row's level in the classification), ``total_ha``, ``special_use_ha``, ``protection_ha``,
    ``production_ha``, ``outside_planning_ha`` (purpose blank or other: outside the three types).
    """
    return _form(lots, "purpose", PURPOSES[:3], "outside_planning")


def status_by_owner(lots: gpd.GeoDataFrame) -> pd.DataFrame:
    """Biểu 2: area (ha) of each forest class (:data:`ROWS`) by owner category.

    Returns
    -------
    DataFrame: ``row``, ``label``, ``label_en``, ``indent``, ``total_ha``, one ``<category>_ha``
    column per :data:`OWNER_CATEGORIES` and ``owner_unknown_ha`` (no owner category recorded).
    """
    return _form(lots, "owner_category", OWNER_CATEGORIES, "owner_unknown")


def cover_table(communes: pd.DataFrame, province: pd.DataFrame) -> pd.DataFrame:
    """Biểu 3: per commune (then the province, ``row`` = ``"Tổng"``) the natural area, forest
    (total, natural, plantation), planted land not yet forest and forest cover (%), from the
    forest-cover tables of :func:`gisplan.indicators.forest.forest_cover_from_status`."""
    cols = ["area_ha", "forest_ha", "natural_ha", "plantation_ha", "not_meeting_criteria_ha", "forest_pct"]
    rows = communes[["code", "name", *cols]].copy()
    rows.insert(0, "row", [str(i) for i in range(1, len(rows) + 1)])
    total = province[cols].iloc[[0]].copy()
    total.insert(0, "row", "Tổng")
    total.insert(1, "code", province["code"].iloc[0])
    total.insert(2, "name", "Toàn tỉnh" if "name" not in province else province["name"].iloc[0])
    return pd.concat([rows, total], ignore_index=True)
