"""The titles' registry (gisplan.tables): every table and column the demo run produces has a
Vietnamese and an English title, the workbook's headers are those titles, and an override holds
only for its own table. Expected titles are typed by hand here."""

from __future__ import annotations

import unicodedata

import numpy as np
import openpyxl
import pytest

from gisplan.catalog import load_catalog
from gisplan.crosswalk import CROSSWALK_COLUMNS
from gisplan.indicators.run import run_indicators
from gisplan.reports import write_reports
from gisplan.tables import (
    COLUMNS,
    FORMS,
    HEADLINES,
    OVERRIDES,
    TABLES,
    VALUE_LABELS,
    column_title,
    column_titles,
    table_titles,
    value_label,
    vi_columns,
)

#: columns whose title is the same word in both languages
SAME_IN_BOTH = {"wqi"}


def _nfc(text: str) -> bool:
    return unicodedata.normalize("NFC", text) == text


@pytest.fixture(scope="module")
def results(demo_small):
    return run_indicators(load_catalog(demo_small))


def _tables(results) -> dict[str, list[str]]:
    """{table id: columns} of the demo run, plus the crosswalk `gisplan indicators` adds."""
    return {**{name: list(df.columns) for name, df in results.tables.items()}, "crosswalk": CROSSWALK_COLUMNS}


def test_every_table_and_column_of_the_demo_run_has_both_titles(results):
    tables = _tables(results)
    assert len(tables) > 30
    for name, columns in tables.items():
        sheet, vi, en = table_titles(name)
        assert len(sheet) <= 31 and _nfc(sheet) and _nfc(vi), name
        assert vi != name and en != name and vi != en, name
        for col in columns:
            t_vi, t_en = column_title(col, "vi", name), column_title(col, "en", name)
            assert t_vi != col and t_en != col, (name, col)
            assert _nfc(t_vi), (name, col)
            assert col in SAME_IN_BOTH or t_vi != t_en, (name, col)
            assert column_titles(name, "vi")[col] == t_vi and column_titles(name, "en")[col] == t_en


def test_registry_is_nfc_and_sheet_names_fit_excel():
    texts = [t for v in TABLES.values() for t in v] + [t for v in COLUMNS.values() for t in v]
    texts += [t for d in (*OVERRIDES.values(), *VALUE_LABELS.values()) for v in d.values() for t in v]
    texts += [t for _key, vi, en, _dec in HEADLINES for t in (vi, en)]
    assert all(_nfc(t) for t in texts)
    assert all(len(sheet) <= 31 for sheet, _vi, _en in TABLES.values())
    # a prefix entry is completed with the rest of the id, and cut to Excel's 31 characters
    assert table_titles("canopy_change_2020_2024") == (
        "Biến động ảnh 2020–2024", "Mất và tăng rừng từ ảnh độ tàn che 2020–2024",
        "Forest loss and gain from canopy rasters 2020–2024")
    assert len(table_titles("canopy_change_purpose_2020_2024")[0]) <= 31


def test_workbook_headers_are_the_registry_titles(results, tmp_path):
    paths = write_reports(results, tmp_path)
    wb = openpyxl.load_workbook(paths["excel"])
    by_hand = {  # sheet: {column: header}, typed from the plan's wording
        "Che phủ rừng - xã": {"forest_pct": "Tỷ lệ che phủ rừng (%)", "area_ha": "Diện tích tự nhiên (ha)",
                              "not_meeting_criteria_ha": "Rừng trồng chưa đạt tiêu chí (ha)"},
        "Che phủ rừng - KBT": {"area_ha": "Diện tích trong tỉnh (ha)"},
        "Chất lượng sông": {"class_C_km": "Mức C (km)", "wqi_bad_km": "VN_WQI xấu (km)"},
        "Nhạy cảm sạt lở - xã": {"very_high_pct": "Mức rất cao (%)", "moderate_ha": "Mức trung bình (ha)",
                                 "exposed_pct": "Mức cao và rất cao (% diện tích)",
                                 "observed_pct": "Tỷ lệ có dữ liệu DEM (%)"},
        "XLNT KCN-CCN": {"operating": "Số đang hoạt động"},
        "Xung đột KBT": {"operating": "Đang khai thác"},
    }
    for name, df in results.tables.items():
        if name in FORMS:  # laid out as the printed form (tests/test_forest_lots.py)
            continue
        sheet = table_titles(name)[0]
        headers = [c.value for c in wb[sheet][2]]
        shown = vi_columns(name, df.columns)  # codes read in another column are left out
        assert headers == [column_title(c, "vi", name) for c in shown], name
        for col, head in by_hand.pop(sheet, {}).items():
            assert headers[shown.index(col)] == head, (sheet, col)
    assert by_hand == {}  # every sheet named above was found


def test_the_headline_numbers_the_run_makes_are_the_titled_ones(results):
    titled = [key for key, *_ in HEADLINES]
    assert len(set(titled)) == len(titled)
    # both ways: every headline the run makes has a title, every title is a headline the run makes
    assert list(results.headline) == titled
    assert all(vi != en and dec in (0, 2) for _key, vi, en, dec in HEADLINES)
    # and a step computes each: on the demo all have a number but the share of new zones, whose
    # zones (established from 2025) do not operate yet: unknown, not 0
    unknown = {k for k, v in results.headline.items() if np.isnan(v)}
    assert unknown == {"new_zones_compliant_pct"}
    assert results.headline["communes_landslide_high_ge10pct"] >= 0


def test_an_override_applies_only_to_its_table():
    assert column_title("area_ha", "vi", "forest_cover_protected_areas") == "Diện tích trong tỉnh (ha)"
    assert column_title("area_ha", "en", "forest_cover_protected_areas") == "Area inside the province (ha)"
    assert column_title("area_ha", "vi", "forest_cover_communes") == "Diện tích tự nhiên (ha)"
    assert column_title("area_ha", "en") == "Natural area (ha)"
    # a prefix override holds for every year pair of its table, not for the table beside it
    assert column_title("area_ha", "vi", "canopy_change_protected_areas_2018_2024") == "Diện tích trong tỉnh (ha)"
    assert column_title("area_ha", "vi", "canopy_change_2018_2024") == "Diện tích tự nhiên (ha)"
    assert column_title("operating", "vi", "wastewater") == "Số đang hoạt động"
    assert column_title("operating", "vi", "conflicts") == "Đang khai thác"
    assert column_titles("wastewater")["operating"] == "Số đang hoạt động"
    assert column_titles("riverbed_mines", "en")["operating"] == "Operating"
    # the crosswalk's columns are titled in its table only
    assert column_title("old_name", "vi", "crosswalk") == "Tên xã cũ"
    assert column_title("old_name", "en", "crosswalk") == "Old commune name"
    assert column_title("old_name") == "old_name"
    # the DEM's share in the terrain and susceptibility tables, the generic share elsewhere
    for table in ("terrain_communes", "hazard_landslide_communes", "hazard_flash_flood_communes"):
        assert column_title("observed_pct", "vi", table) == "Tỷ lệ có dữ liệu DEM (%)"
        assert column_title("observed_pct", "en", table) == "Share with DEM data (%)"
    assert column_title("observed_pct", "vi", "forest_change_communes") == "Tỷ lệ có dữ liệu (%)"
    assert column_title("class", "vi", "hazard_events_landslide") == "Mã mức nhạy cảm"  # its prefix still holds


def test_unknown_columns_and_values_are_themselves():
    assert column_title("no_such_column") == "no_such_column"
    assert column_title("no_such_column", "en", "forest_cover_communes") == "no_such_column"
    assert value_label("relation", "elsewhere") == "elsewhere"
    assert value_label("no_such_column", "x", "en") == "x"
    assert table_titles("no_such_table") == ("no_such_table", "no_such_table", "no_such_table")


def test_value_labels_in_both_languages():
    assert value_label("relation", "inside") == "Nằm trong"
    assert value_label("relation", "inside", "en") == "Inside"
    assert value_label("status", "no target", "en") == "No target set"
    assert value_label("match_method", "accent_folded") == "trùng tên khi bỏ dấu"
    assert value_label("site_type", "industrial_zone") == "Khu, cụm công nghiệp"
    assert value_label("relation", "buffer_zone", "en") == "In the buffer zone"
    # generated from the VN_WQI bands
    assert value_label("wqi_band", "heavily_polluted") == "Ô nhiễm rất nặng"
    assert value_label("wqi_band", "heavily_polluted", "en") == "Heavily polluted"


def test_generated_columns_follow_their_classes():
    # QCVN 08:2023 classes A–D, VN_WQI bands, and the five susceptibility classes of hazard.toml
    assert [column_title(f"class_{c}_km", "en") for c in "ABCD"] == [
        "Class A (km)", "Class B (km)", "Class C (km)", "Class D (km)"]
    assert column_title("wqi_very_good_km") == "VN_WQI rất tốt (km)"
    assert column_title("wqi_very_good_km", "en") == "VN_WQI very good (km)"
    assert column_title("very_low_ha") == "Mức rất thấp (ha)"
    assert column_title("very_high_pct", "en") == "Very high (%)"
    assert column_title("moderate_pct") == "Mức trung bình (%)"


def test_the_registry_titles_tables_columns_labels_and_the_crosswalk():
    from gisplan.crosswalk import HEADERS_VI, METHODS_VI
    from gisplan.tables import COLUMNS_VI, OVERRIDES_VI, SPECIAL_LABELS, TABLES, headline_labels

    assert COLUMNS_VI["forest_pct"] == "Tỷ lệ che phủ rừng (%)"
    assert OVERRIDES_VI["wastewater"] == {"operating": "Số đang hoạt động"}
    assert SPECIAL_LABELS["group"]["kcn"] == "Khu công nghiệp"
    assert TABLES["targets"][0] == "Mục tiêu 2030"
    assert column_titles("wastewater")["operating"] == "Số đang hoạt động"
    assert table_titles("targets")[2] == "Progress towards the 2030 targets"
    assert HEADERS_VI["new_code"] == "Mã xã/phường mới" and METHODS_VI["unmatched"] == "chưa khớp"
    assert headline_labels("en")[0] == ("forest_cover_province_pct", "Forest cover of the province (%)", 2)
