"""The target tracker holds every numeric and dated target and every spatial task of the plan, in
all its sections (I–IV and the Danh mục), quoted as written, with the agencies section IV and the
Danh mục give; and it reads its rows as the plan says (statuses, lower bounds, trends)."""

import math
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from gisplan.indicators.targets import BASES, load_target_values, load_targets, track_targets
from gisplan.indicators.tracker import MEASURES, Reading

PLAN = Path(__file__).resolve().parents[2] / "shared" / "plan" / "000_579ecbe98f6fdcf1.txt"
#: what looks like a number or a date the plan sets: a share, a period, a horizon, a term
TARGET_LIKE = re.compile(r"\d+\s?%|20\d\d\s*-\s*20\d\d|đến năm 20\d\d|nhiệm kỳ 20\d\d|giai đoạn 20\d\d",
                         re.IGNORECASE)
FOOTNOTE = "¹²³⁴⁵⁶⁷⁸⁹"


def plan_text() -> str:
    if not PLAN.exists():
        pytest.skip(f"the plan text is not available at {PLAN}")
    return unicodedata.normalize("NFC", PLAN.read_text(encoding="utf-8"))


def plan_sections(text: str) -> dict[str, str]:
    """The plan cut into its sections: ``I.1`` … ``IV.12``, ``II.2.a`` …, ``III.4.đ``, the Danh
    mục's lines ``Danh mục I.1`` … (their cells joined by tabs), ``footnotes`` and the text outside
    any section (``front``: title and preamble; ``closing``: signature and recipients)."""
    out: dict[str, list[str]] = {}
    part = num = letter = None
    key = "front"
    in_list = False
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if s[0] in FOOTNOTE:
            out.setdefault("footnotes", []).append(s)
            continue
        if s.startswith("DANH MỤC NHIỆM VỤ"):
            in_list, key = True, "closing"
            continue
        if in_list:
            if m := re.match(r"^(I|II) NHIỆM VỤ", s):
                part = m.group(1)
                continue
            if part and (m := re.match(r"^(\d+)\.\t", line)):
                key = f"Danh mục {part}.{m.group(1)}"
            elif not part:
                key = "closing"
        elif m := re.match(r"^(I|II|III|IV)\. ", s):
            part, num, letter, key = m.group(1), None, None, f"{m.group(1)}"
        elif s.startswith("Ủy ban nhân dân tỉnh yêu cầu"):
            key = "closing"
        elif key != "closing" and part and (m := re.match(r"^(\d+)\. ", s)):
            num, letter = m.group(1), None
            key = f"{part}.{num}"
        elif key != "closing" and part and num and (m := re.match(r"^([a-zđ])\) ", s)):
            letter = m.group(1)
            key = f"{part}.{num}.{letter}"
        out.setdefault(key, []).append(line)
    return {k: "\n".join(v) for k, v in out.items()}


def sections_of(row) -> list[str]:
    return [s.strip() for s in row["plan_section"].split(";")]


# --- every section of the plan ------------------------------------------------------------------
#: sections without a target of their own, and why
NO_TARGET = {
    "I.1": "purpose: carry out Resolution 122/NQ-CP and the Party's conclusions",
    "I.2": "requirements on how the agencies work",
    "II.1": "carry out the tasks of the Danh mục (each line is tracked)",
    "II.2": "the heading of II.2: its date (Đến năm 2030) is the deadline of every II.2 target (checked)",
    "III.1": "awareness, training and communication: no number, no date, nothing a layer measures",
    "III.4": "the heading of III.4 (its letters are tracked)",
    "IV.2": "transport and construction greenhouse-gas plans and vehicle emissions: no number or date",
    "IV.6": "press and communication", "IV.7": "school curricula", "IV.8": "science and digital transformation",
    "IV.10": "the Fatherland Front's communication", "IV.11": "the provincial media",
}
#: a number or date outside any target's wording, and why it is not one
NOT_A_TARGET = {("III.4.b", "đến năm 2050"): "the vision of Conclusion 36-KL/TW, not a date of this plan",
                ("II.2", "Đến năm 2030"): "the deadline of the II.2 targets (checked on each of them)"}
#: what section IV says, and the rows that carry it: (section, words of IV, the agency as IV names
#: it, as the rows name it, target ids)
SECTION_IV = [
    ("IV.1", "duy trì ổn định độ che phủ rừng", "Sở Nông nghiệp và Môi trường", None, ["forest_cover"]),
    ("IV.1", "kiểm soát chặt chẽ quan trắc tự động các nguồn thải", "Sở Nông nghiệp và Môi trường", None,
     ["auto_effluent_monitoring", "auto_monitoring_data"]),
    ("IV.1", "tăng cường biện pháp quản lý bảo tồn thiên nhiên, đa dạng sinh học", "Sở Nông nghiệp và Môi trường",
     None, ["protected_areas_forest"]),
    ("IV.3", "số 3 Mục II Danh mục", "Sở Công Thương", None, ["industrial_wastewater", "zone_wastewater_plants"]),
    ("IV.3", "phát triển năng lượng sạch, năng lượng tái tạo", "Sở Công Thương", None, ["renewable_energy"]),
    ("IV.4", "số 3 Mục II Danh mục", "Ban Quản lý các Khu công nghiệp tỉnh", None,
     ["industrial_wastewater", "zone_wastewater_plants"]),
    ("IV.5", "Quyết định số 1718/QĐ-UBND", "Sở Tài chính", None, ["green_growth_plan"]),
    ("IV.9", "cảnh báo lũ, sạt lở đất", "Đài Khí tượng thủy văn tỉnh", None,
     ["landslide_warning_communes", "landslide_warning_population", "flash_flood_warning_communes",
      "flash_flood_warning_population"]),
    ("IV.12", "số thứ tự 3 Mục I", "Ủy ban nhân dân các xã, phường", "UBND các xã, phường",
     ["closed_landfills_remediated"]),
    ("IV.12", "số thứ tự 4 Mục II", "Ủy ban nhân dân các xã, phường", "UBND các xã, phường",
     ["polluted_rivers", "polluted_ponds_canals"]),
]
#: the plan's spatial tasks a layer measures: (section, words of the plan, target ids computed)
SPATIAL = [
    ("II.2.a", "cảnh báo thiên tai", ["landslide_warning_communes", "landslide_warning_population"]),
    ("II.2.a", "an toàn tính mạng cho người dân khi bão, lũ", ["disaster_deaths", "disaster_events"]),
    ("II.2.b", "đóng cửa các mỏ khoáng sản", ["expired_mines_closed"]),
    ("II.2.b", "đoạn sông", ["polluted_rivers", "rivers_below_use"]),
    ("II.2.c", "hệ thống xử lý nước thải tập trung", ["industrial_wastewater", "new_zones_wastewater"]),
    ("II.2.c", "che phủ rừng", ["forest_cover", "forest_cover_canopy"]),
    ("II.2.c", "khu bảo tồn thiên nhiên", ["protected_areas_forest"]),
    ("III.3", "trữ lượng các-bon", ["forest_carbon"]),
    ("III.4.a", "đất chưa sử dụng", ["unused_land"]),
    ("III.4.c", "khoáng sản phân tán, nhỏ lẻ", ["scattered_small_minerals"]),
    ("III.4.c", "cát, sỏi lòng sông", ["riverbed_mining", "riverbed_mines_closed"]),
    ("III.4.đ", "chuyển mục đích sử dụng rừng tự nhiên", ["natural_forest_conversion"]),
    ("III.4.đ", "rừng cho cộng đồng", ["community_forest"]),
    ("III.4.đ", "giao đất, giao rừng", ["forest_allocation"]),
    ("III.5", "cây xanh, mặt nước", ["urban_green_water"]),
    ("III.5", "vùng đệm", ["buffer_zone_forest"]),
    ("III.5", "quan trắc tự động nguồn thải", ["auto_effluent_monitoring", "auto_monitoring_data"]),
    ("Danh mục I.3", "bãi chôn lấp chất thải rắn đã đóng cửa", ["closed_landfills_remediated"]),
    ("Danh mục I.4", "trạm quan trắc", ["air_monitoring", "air_monitoring_upgrade"]),
    ("Danh mục II.1", "khu liên hợp tái chế", ["recycling_complexes"]),
    ("Danh mục II.5", "bãi chôn lấp chất thải gây ô nhiễm môi trường nghiêm trọng", ["polluting_landfills"]),
]


def test_every_numeric_and_dated_target_of_every_section_is_a_row():
    text = plan_text()
    sections = plan_sections(text)
    t = load_targets()
    rows = t.to_dict("records")
    # the plan's parts are all there: I, II.1–2 (a–c), III.1–5 (4: a–đ), IV.1–12, the Danh mục
    expected = {"I.1", "I.2", "II.1", "II.2", "II.2.a", "II.2.b", "II.2.c", *(f"III.{i}" for i in range(1, 6)),
                *(f"III.4.{x}" for x in "abcđ"), *(f"IV.{i}" for i in range(1, 13)),
                *(f"Danh mục I.{i}" for i in range(1, 5)), *(f"Danh mục II.{i}" for i in range(1, 8))}
    assert expected <= set(sections), expected - set(sections)
    tracked = {s for r in rows for s in sections_of(r)}
    for key in sorted(expected):
        assert key in tracked or key in NO_TARGET, f"section {key} has no row and no reason"
        assert not (key in tracked and key in NO_TARGET), key
    # every number or date of a section lies inside the quoted wording of a row of that section
    found = 0
    for key, body in sections.items():
        if key in ("front", "closing", "footnotes") or key.startswith("Danh mục"):
            continue
        wordings = [r["wording_vi"] for r in rows if key in sections_of(r)]
        for m in TARGET_LIKE.finditer(body):
            found += 1
            covered = any(w in body and body.index(w) <= m.start() and m.end() <= body.index(w) + len(w)
                          for w in wordings)
            assert covered or (key, m.group(0)) in NOT_A_TARGET, f"{key}: {m.group(0)!r} is in no row's wording"
    assert found == 21  # counted by hand: 8 in II.2.c, 1 heading II.2, 3 in III.2, 1 in III.3, 4 in III.4.a, 2 in III.4.b, 2 in III.4.c
    # section I sets none; the footnotes cite the documents the targets rest on
    assert not TARGET_LIKE.search(sections["I.1"] + sections["I.2"])
    assert all(re.match(r"^.\s*(Quyết định số|Các nội dung tại)", f) for f in sections["footnotes"].splitlines())
    # "Đến năm 2030" heads II.2: every II.2 target is due in 2030
    assert "Đến năm 2030, phấn đấu đạt mục tiêu" in sections["II.2"]
    for r in rows:
        if any(s.startswith("II.2.") for s in sections_of(r)):
            assert r["deadline"] == 2030, r["target_id"]


def test_every_line_of_the_danh_muc_with_its_period_and_lead_agency():
    sections = plan_sections(plan_text())
    rows = load_targets().to_dict("records")
    for key in [*(f"Danh mục I.{i}" for i in range(1, 5)), *(f"Danh mục II.{i}" for i in range(1, 8))]:
        cells = [c.strip() for c in sections[key].split("\t")]
        name, lead, period = cells[1], cells[3], cells[5]
        mine = [r for r in rows if key in sections_of(r)]
        assert mine, key
        quoted = [r for r in mine if r["wording_vi"] in name]
        assert quoted, f"{key}: no row quotes {name!r}"
        for r in quoted:
            assert r["period"] == period, (key, r["target_id"], r["period"], period)
            assert r["deadline"] == int(period[-4:]), r["target_id"]
            # each lead agency of the line (several joined by "/"); a blank cell is merged with the
            # line above, and IV.1 gives the Danh mục's tasks to the Department of Agriculture
            leads = [a.split("(")[0].strip() for a in lead.split("/")] if lead else ["Sở Nông nghiệp và Môi trường"]
            for a in leads:
                assert a in r["agency"], (key, r["target_id"], a)


def test_section_iv_gives_the_agencies_of_its_rows():
    sections = plan_sections(plan_text())
    by_id = load_targets().set_index("target_id")
    for key, words, named, in_rows, ids in SECTION_IV:
        assert words.lower() in sections[key].lower(), (key, words)
        assert named in sections[key], (key, named)
        for tid in ids:
            assert (in_rows or named) in by_id.loc[tid, "agency"], (key, tid)
            assert key in sections_of(by_id.loc[tid]), (key, tid)
    assert {k for k, *_ in SECTION_IV} | {k for k in NO_TARGET if k.startswith("IV.")} == {
        f"IV.{i}" for i in range(1, 13)}


def test_every_spatial_task_has_a_computed_row():
    sections = plan_sections(plan_text())
    by_id = load_targets().set_index("target_id")
    for key, words, ids in SPATIAL:
        assert words in sections[key], (key, words)
        for tid in ids:
            assert by_id.loc[tid, "source"] == "computed", tid
            assert by_id.loc[tid, "indicator"] in MEASURES, tid
            assert key in sections_of(by_id.loc[tid]), (key, tid)


def test_wording_is_quoted_from_the_plan_and_rows_are_well_formed():
    plan = plan_text()
    t = load_targets()
    assert t["target_id"].is_unique and len(t) >= 55
    assert set(t["target_basis"]) <= set(BASES)
    values = load_target_values()
    table_rows = set(t.loc[t["source"] == "table", "indicator"])
    csv = pd.read_csv(Path(__file__).resolve().parents[1] / "layers" / "target_values.csv")
    assert set(csv["indicator"]) == table_rows and values == {}  # shipped empty: "no data", never 0
    for r in t.to_dict("records"):
        assert unicodedata.is_normalized("NFC", r["wording_vi"]), r["target_id"]
        assert r["wording_vi"] in plan, r["target_id"]
        assert r["wording_en"], r["target_id"]
        if r["source"] == "computed":
            assert r["indicator"] in MEASURES, r["target_id"]
        else:  # what a value of the table counts, in both languages
            assert isinstance(r.get("counted_vi"), str) and isinstance(r.get("counted_en"), str), r["target_id"]
    # the plan's numbers, as the plan states them
    by_id = t.set_index("target_id")
    stated = {"new_zones_wastewater": 100, "urban_wastewater": 50, "urban_solid_waste": 95, "rural_solid_waste": 90,
              "hazardous_waste": 98, "rural_clean_water": 80, "urban_clean_water": 100}
    for tid, value in stated.items():
        assert by_id.loc[tid, "target"] == value and by_id.loc[tid, "target_basis"] == "stated"
        assert f"{value}%" in by_id.loc[tid, "wording_vi"]
    assert (t["target_basis"] == "stated").sum() == len(stated)
    # no number in the plan: no target
    for tid in ("forest_cover", "recycling_complexes", "renewable_energy", "natural_forest_conversion"):
        assert math.isnan(by_id.loc[tid, "target"])
    # the dated deliverables of III.2–III.4, with their periods
    periods = {"programmes_2026_2030": "2026 - 2030", "circular_economy_2035": "đến năm 2035",
               "land_use_plan_2021_2025_review": "2021-2025", "land_use_planning_review": "2021-2030",
               "land_use_plan_2026_2030": "2026-2030", "water_security_kl36": "đến năm 2030",
               "green_growth_plan": "2021-2030", "air_quality_plan": "2025 - 2026"}
    for tid, period in periods.items():
        assert by_id.loc[tid, "target_basis"] == "deliverable" and by_id.loc[tid, "period"] == period, tid
    assert by_id.loc["air_quality_plan", "deadline"] == 2026 and by_id.loc["circular_economy_2035", "deadline"] == 2035
    # the deliverables of III.3: inventories by sector (done or not) and by facility (a share)
    assert by_id.loc["ghg_inventory_sectors", "target_basis"] == "deliverable"
    assert by_id.loc["ghg_inventory_facilities", "unit"] == "%"


# --- how a row is read ----------------------------------------------------------------------------
def test_statuses_of_deliverables_targets_without_number_and_unknowns():
    t = track_targets({"auto_monitoring_installed_pct": 40.0, "polluted_river_km": 0.0,
                       "forest_cover_pct": Reading(61.0)},
                      values={"provincial_air_quality_plan_issued": 1.0, "solid_waste_programme_done": 0.0,
                              "contaminated_sites_remaining": 2.0}).set_index("target_id")
    assert t.loc["air_quality_plan", "status"] == "met"
    assert t.loc["solid_waste_programme", "status"] == "not met"
    assert t.loc["contaminated_sites", "status"] == "not met" and t.loc["contaminated_sites", "gap"] == 2
    assert t.loc["polluted_rivers", "status"] == "met"
    assert t.loc["auto_effluent_monitoring", "status"] == "not met" and t.loc["auto_effluent_monitoring", "gap"] == 60
    assert t.loc["forest_cover", "status"] == "no target" and t.loc["forest_cover", "current"] == 61
    assert t.loc["town_wastewater_class_v", "status"] == "no data"  # never 0
    assert "urban_areas" in t.loc["town_wastewater_class_v", "needs"]  # the layer that would measure it
    assert t.loc["air_quality_plan", "plan_section"] == "Danh mục II.7"
    assert t.loc["polluted_ponds_canals", "needs"].startswith("water_bodies")
    # a figure no layer measures says where it goes; one that is filled in needs nothing
    assert t.loc["urban_solid_waste", "needs"] == "layers/target_values.csv: urban_solid_waste_collected_pct"
    assert t.loc["solid_waste_programme", "needs"] == ""


def test_a_lower_bound_decides_only_what_it_can():
    # an upper limit of 0: a lower bound of 3 already fails it; a lower bound of 0 cannot tell
    t = track_targets({"mines_to_close": Reading(3.0, lower_bound=True),
                       "polluted_river_km": Reading(0.0, lower_bound=True),
                       "auto_monitoring_installed_pct": Reading(100.0, lower_bound=True),
                       "closed_landfills_remediated_pct": Reading(60.0, lower_bound=True)},
                      values={}).set_index("target_id")
    assert t.loc["expired_mines_closed", "status"] == "not met" and t.loc["expired_mines_closed", "gap"] == 3
    assert bool(t.loc["expired_mines_closed", "lower_bound"])
    assert t.loc["polluted_rivers", "status"] == "incomplete" and pd.isna(t.loc["polluted_rivers", "gap"])
    # a floor of 100 %: a lower bound that reaches it is met; one below it cannot tell
    assert t.loc["auto_effluent_monitoring", "status"] == "met"
    assert t.loc["closed_landfills_remediated", "status"] == "incomplete"


def test_two_years_give_the_change_the_trend_and_the_pace_to_the_deadline():
    # forest cover 50 % in 2020, 52 % in 2024: +2 points, toward the target; at 0.5 point a year,
    # 55 % in 2030
    t = track_targets({"forest_cover_pct": Reading(52.0, year=2024, earlier=50.0, earlier_year=2020),
                       "urban_green_water_pct": Reading(10.0, year=2024, earlier=12.0, earlier_year=2020),
                       "forest_carbon_tc": Reading(1000.0, year=2024),
                       "community_forest_ha": Reading(5.0, year=2024, earlier=5.0, earlier_year=2020),
                       "disaster_deaths": Reading(3.0, year=2025, earlier=1.0, earlier_year=2024, steady=False),
                       "mines_to_close": Reading(7.0, year=2024, earlier=9.0, earlier_year=2020)},
                      values={}).set_index("target_id")
    f = t.loc["forest_cover"]
    assert (f["change"], f["trend"], f["earlier_year"]) == (2.0, "improving", 2020)
    assert f["projected"] == pytest.approx(55.0)
    # "tăng" (more): 12 % → 10 % moves away, and the baseline (the earlier value) is not kept
    g = t.loc["urban_green_water"]
    assert g["trend"] == "worsening" and g["target"] == 12 and g["status"] == "not met" and g["gap"] == 2
    assert g["projected"] == pytest.approx(7.0)
    # a baseline without the earlier year cannot be judged: which layer's earlier year is needed
    c = t.loc["forest_carbon"]
    assert c["status"] == "incomplete" and "earlier year" in c["needs"]
    # "đẩy mạnh" (more, strictly): unchanged is not met
    assert t.loc["community_forest", "trend"] == "unchanged" and t.loc["community_forest", "status"] == "not met"
    # a yearly count varies at random: its trend, but no pace to the deadline
    d = t.loc["disaster_deaths"]
    assert d["trend"] == "worsening" and pd.isna(d["projected"])
    # fewer mines to close is progress; at 0.5 a year none is left by 2030 (never below 0)
    m = t.loc["expired_mines_closed"]
    assert m["trend"] == "improving" and m["projected"] == pytest.approx(4.0)


def test_every_computed_row_says_what_it_counts_in_both_languages():
    t = track_targets({}, values={})
    for r in t.to_dict("records"):
        assert r["notes_vi"] and r["notes_en"], r["target_id"]
        if r["source"] == "computed":
            m = MEASURES[r["indicator"]]
            assert r["notes_vi"].startswith(m.counted_vi) and r["notes_en"].startswith(m.counted_en)
            assert r["measured_by"] == m.layers
        assert r["status"] in ("no data", "no target")  # nothing known: never 0
        assert r["needs"], r["target_id"]  # and it says what would tell
        # the notes read as sentences: what is counted, then what the reader must know
        for notes in (r["notes_vi"], r["notes_en"]):
            assert notes.endswith((".", "!", "?")) and ". ." not in notes, (r["target_id"], notes)
