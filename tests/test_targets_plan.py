"""The target tracker holds every numeric and dated target of the plan, with what counts for each
worked out by hand."""

import datetime as dt
import math
import unicodedata
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from gisplan.indicators.run import run_indicators
from gisplan.indicators.targets import (
    auto_monitoring_pct,
    landfill_progress,
    load_targets,
    mines_to_close,
    new_zones_compliant_pct,
    track_targets,
)
from gisplan.store import LayerStore

CRS = 9213
PLAN = Path(__file__).resolve().parents[2] / "shared" / "plan" / "000_579ecbe98f6fdcf1.txt"
# every line of the Danh mục and the sections of II.2 that state a target
SECTIONS = {"II.2.a", "II.2.b", "II.2.c", "III.5", *(f"Danh mục I.{i}" for i in range(1, 5)),
            *(f"Danh mục II.{i}" for i in range(1, 8))}


def test_every_section_and_danh_muc_line_is_tracked():
    t = load_targets()
    found = {s.strip() for sec in t["plan_section"] for s in sec.replace("Danh mục ", "Danh mục ").split(";")}
    # "II.2.b; Danh mục II.4" → both; "Danh mục II.5; II.2.c" → both
    found |= {f"Danh mục {s.strip()}" for sec in t["plan_section"] if sec.startswith("Danh mục")
              for s in sec.split(";")[1:] if not s.strip().startswith("II.2")}
    assert SECTIONS <= found | {"II.2.c"}
    assert t["target_id"].is_unique
    assert set(t["target_basis"]) <= {"stated", "implied", "deliverable", "none"}
    # the plan's numbers, as the plan states them
    by_id = t.set_index("target_id")
    stated = {"new_zones_wastewater": 100, "urban_wastewater": 50, "urban_solid_waste": 95, "rural_solid_waste": 90,
              "hazardous_waste": 98, "rural_clean_water": 80, "urban_clean_water": 100}
    for tid, value in stated.items():
        assert by_id.loc[tid, "target"] == value and by_id.loc[tid, "target_basis"] == "stated"
        assert f"{value}%" in by_id.loc[tid, "wording_vi"]
    # no number in the plan: no target
    for tid in ("forest_cover", "auto_effluent_monitoring", "recycling_complexes", "renewable_energy"):
        assert math.isnan(by_id.loc[tid, "target"])
    assert by_id.loc["air_quality_plan", "deadline"] == 2026 and by_id.loc["air_quality_plan", "period"] == "2025 - 2026"
    assert by_id.loc["polluted_rivers", "indicator"] == "polluted_river_km"


def test_wording_is_quoted_from_the_plan():
    if not PLAN.exists():
        pytest.skip(f"the plan text is not available at {PLAN}")
    plan = unicodedata.normalize("NFC", PLAN.read_text(encoding="utf-8"))
    for r in load_targets().itertuples():
        assert unicodedata.is_normalized("NFC", r.wording_vi), r.target_id
        assert r.wording_vi in plan, r.target_id


def test_statuses_for_deliverables_and_targets_without_number():
    t = track_targets({"auto_monitoring_zones_pct": 40.0, "polluted_river_km": 0.0},
                      values={"provincial_air_quality_plan_issued": 1.0, "solid_waste_programme_done": 0.0,
                              "contaminated_sites_remaining": 2.0}).set_index("target_id")
    assert t.loc["air_quality_plan", "status"] == "met"
    assert t.loc["solid_waste_programme", "status"] == "not met"
    assert t.loc["contaminated_sites", "status"] == "not met" and t.loc["contaminated_sites", "gap"] == 2
    assert t.loc["polluted_rivers", "status"] == "met"
    assert t.loc["auto_effluent_monitoring", "status"] == "no target"
    assert t.loc["auto_effluent_monitoring", "current"] == 40
    assert t.loc["town_wastewater_class_v", "status"] == "no data"  # never 0
    assert t.loc["air_quality_plan", "plan_section"] == "Danh mục II.7"


def zones(rows):
    return pd.DataFrame(rows, columns=["zone_id", "status", "wwtp_status", "established_year", "auto_monitoring"])


def test_new_zones_count_once_they_operate():
    z = zones([
        ("a", "operating", "compliant", 2026, True),
        ("b", "operating", "none", 2025, False),
        ("c", "planned", "none", 2027, None),            # planned: not yet counted
        ("d", "under_construction", "none", 2026, None),  # not yet counted
        ("e", "operating", "none", 2010, None),          # old
        ("f", "operating", None, 2026, True),            # WWTP unknown: left out
    ])
    assert new_zones_compliant_pct(z, new_since=2025) == pytest.approx(50)
    assert math.isnan(new_zones_compliant_pct(z[z["zone_id"].isin(["c", "d"])], new_since=2025))
    # automatic monitoring: operating zones where it is recorded: a yes, b no, f yes → 2 of 3
    assert auto_monitoring_pct(z) == pytest.approx(200 / 3)
    assert math.isnan(auto_monitoring_pct(z.drop(columns="auto_monitoring")))


def test_closed_landfills_apart_from_operating_ones():
    ws = pd.DataFrame({"status": ["closed", "closed", "remediated", "operating", "closed", "closed", "operating"],
                       "needs_remediation": pd.array([True, True, False, True, False, None, False], dtype="boolean")})
    p = landfill_progress(ws)
    assert p["closed_to_remediate"] == 2 and p["remediated"] == 1
    assert p["closed_remediated_pct"] == pytest.approx(100 / 3)
    assert p["operating_polluting"] == 1 and p["closed_unknown"] == 1
    assert math.isnan(landfill_progress(ws.iloc[[3, 6]])["closed_remediated_pct"])


def mines(**extra):
    base = {"mine_id": ["m1", "m2", "m3", "m4", "m5"], "name": list("abcde"), "mineral": ["đá"] * 5,
            "licence_status": ["valid", "valid", "expired", "expired", "valid"],
            "licence_expiry": [dt.date(2030, 1, 1), dt.date(2030, 1, 1), dt.date(2020, 1, 1), dt.date(2020, 1, 1),
                               dt.date(2024, 6, 1)],
            "operating": [True, True, True, False, True]}
    return gpd.GeoDataFrame({**base, **extra}, geometry=[shapely.Point(i, 0) for i in range(5)], crs=CRS)


def test_mines_to_close_include_exhausted_reserves():
    ref = dt.date(2025, 7, 1)
    # m1 valid but reserves exhausted; m3 expired status; m5 expiry date passed; m4 not operating
    m = mines(reserves_exhausted=pd.array([True, False, True, True, None], dtype="boolean"))
    t = mines_to_close(m, reference_date=ref).set_index("mine_id")
    assert sorted(t.index) == ["m1", "m3", "m5"]
    assert t.loc["m1", "close_reason"] == "reserves_exhausted"
    assert t.loc["m3", "close_reason"] == "licence_expired_reserves_exhausted"
    assert t.loc["m5", "close_reason"] == "licence_expired"
    # without the column: licences only
    assert sorted(mines_to_close(mines(), reference_date=ref)["mine_id"]) == ["m3", "m5"]


def test_run_counts_what_the_plan_counts():
    x0, y0 = 430_000.0, 2_390_000.0

    def frame(rows, geoms):
        return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)

    prov = frame({"code": ["19"], "name": ["Tỉnh"]}, [shapely.box(x0, y0, x0 + 2000, y0 + 1000)])
    m = mines(reserves_exhausted=[True, False, False, False, False])
    m = m.set_geometry(shapely.points([(x0 + 100 + 100 * i, y0 + 500) for i in range(5)]))
    ws = frame({"site_id": ["w1", "w2", "w3"], "name": ["a", "b", "c"], "site_type": ["landfill"] * 3,
                "status": ["closed", "remediated", "operating"], "needs_remediation": [True, False, True]},
               [shapely.Point(x0 + 100 * i + 50, y0 + 50) for i in range(3)])
    iz = frame({"zone_id": ["z1", "z2"], "name": ["a", "b"], "zone_type": ["kcn", "ccn"],
                "status": ["operating", "planned"], "wwtp_status": ["compliant", "none"],
                "established_year": [2026, 2027], "auto_monitoring": [False, None]},
               [shapely.box(x0 + 1200, y0 + 600, x0 + 1400, y0 + 800), shapely.box(x0 + 1500, y0, x0 + 1600, y0 + 100)])
    res = run_indicators(store=LayerStore(None, layers={"province": prov, "mines": m, "waste_sites": ws,
                                                        "industrial_zones": iz}),
                         target_values={}, reference_date=dt.date(2025, 7, 1))
    h = res.headline
    assert h["expired_mines_still_operating"] == 3  # m1 (reserves), m3, m5
    assert h["landfills_needing_remediation"] == 1 and h["closed_landfills_remediated_pct"] == pytest.approx(50)
    assert h["polluting_landfills_operating"] == 1
    assert h["new_zones_compliant_pct"] == pytest.approx(100)  # the planned z2 does not count yet
    assert h["auto_monitoring_zones_pct"] == 0
    assert res.meta["options"]["air_distance_m"] == 0
    tg = res["targets"].set_index("target_id")
    assert tg.loc["closed_landfills_remediated", "current"] == pytest.approx(50)
    assert tg.loc["polluting_landfills", "status"] == "not met"
    assert list(res["mines_to_close"]["mine_id"]) == ["m1", "m3", "m5"]
