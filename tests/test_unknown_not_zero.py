"""Unknown is never shown as zero: every indicator on layers holding only their required columns
(``layers/types.toml``), skips only for absent data, NaN for unknown values."""

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gisplan.catalog import load_layer_types
from gisplan.errors import CRSError, DataMissingError, SchemaError
from gisplan.indicators import carbon, change, forest, industry, protected
from gisplan.indicators.air import air_monitoring_coverage
from gisplan.indicators.rivers import (
    polluted_length_by_unit,
    pressures_upstream,
    river_length_by_class,
)
from gisplan.indicators.run import run_indicators
from gisplan.indicators.waste import waste_sites_needing_action
from gisplan.store import LayerStore
from gisplan.vocabulary import HEADLINES

CRS = 9213
X0, Y0 = 430_000.0, 2_390_000.0


def box(x0, y0, x1, y1):
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def pt(x, y):
    return shapely.Point(X0 + x, Y0 + y)


def frame(rows, geoms):
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


# only the required columns of each layer type
PROVINCE = frame({"code": ["19"], "name": ["Tỉnh"]}, [box(0, 0, 2000, 1000)])
COMMUNES = frame({"code": ["00001", "00002"], "name": ["Xã Tây", "Xã Đông"], "unit_type": ["xa", "xa"]},
                 [box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)])
FOREST = frame({"parcel_id": ["p1", "p2"], "origin": ["natural", "plantation"],
                "purpose": ["special_use", "production"], "meets_criteria": [True, True]},
               [box(0, 0, 500, 1000), box(1500, 0, 2000, 200)])
PA = frame({"feature_id": ["A"], "pa_id": ["A"], "name": ["Khu A"], "category": ["nature_reserve"],
            "zone": ["whole"]}, [box(0, 0, 400, 400)])
MINES = frame({"mine_id": ["m1", "m2"], "name": ["Mỏ 1", "Mỏ 2"], "mineral": ["cát", "đá"],
               "licence_status": ["expired", "valid"], "operating": [True, True], "riverbed": [True, False]},
              [pt(100, 500), pt(1900, 900)])
ZONES = frame({"zone_id": ["z1"], "name": ["KCN 1"], "zone_type": ["kcn"], "status": ["operating"],
               "wwtp_status": ["compliant"]}, [box(1200, 600, 1400, 800)])
RIVERS = frame({"section_id": ["s1", "s2"], "river_name": ["Sông Cầu", "Sông Cầu"]},
               [shapely.LineString([(X0, Y0 + 500), (X0 + 1000, Y0 + 500)]),
                shapely.LineString([(X0 + 1000, Y0 + 500), (X0 + 2000, Y0 + 500)])])
WASTE = frame({"site_id": ["w1"], "name": ["Bãi 1"], "site_type": ["landfill"], "status": ["closed"],
               "needs_remediation": [True]}, [pt(1800, 100)])
STATIONS = frame({"station_id": ["k1"], "name": ["Trạm 1"], "medium": ["air"], "mode": ["manual"]}, [pt(300, 300)])
URBAN = frame({"urban_id": ["u1"], "name": ["TP"], "urban_class": ["I"]}, [box(0, 0, 600, 600)])

LAYERS = {"province": PROVINCE, "communes": COMMUNES, "forest_status": FOREST, "protected_areas": PA,
          "mines": MINES, "industrial_zones": ZONES, "river_sections": RIVERS, "waste_sites": WASTE,
          "monitoring_stations": STATIONS, "urban_areas": URBAN}


def test_fixtures_hold_exactly_the_required_columns():
    types = load_layer_types()
    for type_id, gdf in LAYERS.items():
        assert set(gdf.columns) - {"geometry"} == set(types[type_id].required_columns), type_id


def test_each_indicator_works_on_required_columns_only():
    fc = forest.forest_cover_from_status(FOREST, COMMUNES, unit_id="code").set_index("code")
    assert fc["forest_ha"].to_dict() == pytest.approx({"00001": 50.0, "00002": 10.0})
    ch = change.forest_change_status(FOREST, FOREST, COMMUNES, unit_id="code")
    assert ch["loss_ha"].sum() == 0 and ch["gain_ha"].sum() == 0
    pas = protected.protected_area_summary(PA, PROVINCE, parcels=FOREST).iloc[0]
    assert math.isnan(pas["official_area_ha"])           # not given: unknown, not 0
    assert math.isnan(pas["buffer_zone_ha"])             # no buffer zone mapped at all: unknown
    assert pas["area_ha"] == pytest.approx(16.0) and pas["forest_ha"] == pytest.approx(16.0)
    conf = protected.conflicts(PA, mines=MINES, industrial_zones=ZONES, buffer_m=200)
    assert list(conf["site_id"]) == ["m1"] and conf["distance_m"].iloc[0] == pytest.approx(100)
    assert conf["operating"].iloc[0] == True  # noqa: E712
    exp = protected.expired_operating_mines(MINES, reference_date=dt.date(2025, 12, 31))
    assert list(exp["mine_id"]) == ["m1"] and math.isnan(exp["days_expired"].iloc[0])
    rb = protected.riverbed_mines(MINES, RIVERS)
    assert list(rb["mine_id"]) == ["m1"] and rb["distance_m"].iloc[0] == pytest.approx(0)
    ww = industry.wastewater_compliance(ZONES).set_index("group")
    assert ww.loc["all", "compliant_pct"] == 100 and math.isnan(ww.loc["ccn", "compliant_pct"])
    assert industry.zones_without_compliant_plant(ZONES).empty
    near = industry.nearest_river(ZONES, RIVERS).iloc[0]
    assert near["distance_m"] == pytest.approx(100)
    assert pd.isna(near["qcvn_class"]) and math.isnan(near["wqi"]) and near["wqi_band"] is None
    assert list(waste_sites_needing_action(WASTE)["site_id"]) == ["w1"]
    air = air_monitoring_coverage(URBAN, STATIONS).iloc[0]
    assert air["air_stations"] == 1 and air["automatic_stations"] == 0


def test_no_water_quality_is_unknown_not_zero():
    t = river_length_by_class(RIVERS).iloc[0]
    assert t["length_km"] == pytest.approx(2.0)
    assert math.isnan(t["polluted_km"]) and math.isnan(t["polluted_pct"])
    assert math.isnan(t["class_C_km"]) and math.isnan(t["wqi_good_km"])
    assert t["assessed_km"] == 0 and t["no_data_km"] == pytest.approx(2.0)
    by_unit = polluted_length_by_unit(RIVERS, COMMUNES, unit_id="code")
    assert by_unit["length_km"].to_list() == pytest.approx([1.0, 1.0]) and by_unit["polluted_km"].isna().all()
    with pytest.raises(DataMissingError, match="water-quality") as info:
        pressures_upstream(RIVERS, {"mine": MINES})
    assert "chất lượng nước" in info.value.reason_vi


def test_partly_assessed_rivers():
    # s1 class C (polluted, 1 km), s2 without data: 1 km polluted, 1 km unknown
    rivers = RIVERS.assign(qcvn_class=["C", None])
    t = river_length_by_class(rivers).iloc[0]
    assert t["polluted_km"] == pytest.approx(1.0) and t["no_data_km"] == pytest.approx(1.0)
    assert t["class_C_km"] == pytest.approx(1.0) and t["class_A_km"] == 0
    assert math.isnan(t["wqi_good_km"])  # no VN_WQI anywhere: unknown
    units = polluted_length_by_unit(rivers, COMMUNES, unit_id="code").set_index("code")
    assert units.loc["00001", "polluted_km"] == pytest.approx(1.0)
    assert math.isnan(units.loc["00002", "polluted_km"])  # only the unassessed section


def test_unknown_booleans_are_neither_true_nor_false():
    fs = FOREST.assign(meets_criteria=pd.array([True, None], dtype="boolean"))
    fc = forest.forest_cover_from_status(fs, COMMUNES, unit_id="code").set_index("code")
    assert fc.loc["00002", "forest_ha"] == 0 and fc.loc["00002", "not_meeting_criteria_ha"] == 0
    ws = WASTE.assign(needs_remediation=[None], status=["operating"])
    assert waste_sites_needing_action(ws).empty


def test_duplicated_unit_codes_are_an_error():
    dup = pd.concat([COMMUNES, COMMUNES.iloc[[1]]], ignore_index=True)
    with pytest.raises(SchemaError, match="'00002'"):
        forest.forest_cover_from_status(FOREST, dup, unit_id="code")
    with pytest.raises(SchemaError, match="'00002'"):
        change.forest_change_status(FOREST, FOREST, dup, unit_id="code")
    with pytest.raises(SchemaError, match="'00002'"):
        polluted_length_by_unit(RIVERS.assign(wqi=[40.0, 80.0]), dup, unit_id="code")
    with pytest.raises(SchemaError, match="urban_id.*'u1'"):  # a town stored twice would count twice
        air_monitoring_coverage(pd.concat([URBAN, URBAN], ignore_index=True), STATIONS)
    with pytest.raises(SchemaError, match="zone_id.*'z1'"):
        industry.wastewater_compliance(pd.concat([ZONES, ZONES], ignore_index=True))


@pytest.mark.parametrize("crs, unit", [(2263, "foot"), (4326, "degrees")])
def test_distances_and_areas_need_metres(crs, unit):
    def re(g):
        return g.set_crs(crs, allow_override=True)
    calls = {
        "urban areas": lambda: air_monitoring_coverage(re(URBAN), re(STATIONS)),
        "mines": lambda: protected.riverbed_mines(re(MINES), re(RIVERS)),
        "industrial zones": lambda: industry.nearest_river(re(ZONES), re(RIVERS)),
        "protected areas": lambda: protected.conflicts(re(PA), mines=re(MINES)),
        "forest-status parcels": lambda: forest.forest_cover_from_status(re(FOREST), re(COMMUNES), unit_id="code"),
        "river sections": lambda: river_length_by_class(re(RIVERS)),
    }
    for what, call in calls.items():
        with pytest.raises(CRSError, match=f"{what}.*{unit}"):
            call()


# every indicator that measures a distance, a length or an area, with the layers it takes: each
# layer in turn declared in US survey feet or in degrees is refused by name, never measured
MEASURING = {
    "forest_cover_from_status": (lambda p, u: forest.forest_cover_from_status(p, u, unit_id="code"),
                                 (FOREST, "forest-status parcels"), (COMMUNES, "units")),
    "forest_change_status": (lambda b, a, u: change.forest_change_status(b, a, u, unit_id="code"),
                             (FOREST, "forest status \\(before\\)"), (FOREST, "forest status \\(after\\)"),
                             (COMMUNES, "units")),
    "forest_conversion": (lambda b, a, u, z: change.forest_conversion(b, a, u, unit_id="code", buffer_zones=z),
                          (FOREST, "forest status \\(before\\)"), (FOREST, "forest status \\(after\\)"),
                          (COMMUNES, "units"), (PA, "buffer zones")),
    "carbon_stock": (lambda p, u: carbon.carbon_stock(p, u, unit_id="code"), (FOREST, "forest status"),
                     (COMMUNES, "units")),
    "carbon_by_class": (lambda p: carbon.carbon_by_class(p), (FOREST, "forest status")),
    "carbon_change": (lambda b, a, u: carbon.carbon_change(b, a, u, unit_id="code"),
                      (FOREST, "forest status \\(before\\)"), (FOREST, "forest status \\(after\\)"),
                      (COMMUNES, "units")),
    "protected_area_summary": (lambda pa, prov: protected.protected_area_summary(pa, prov),
                               (PA, "protected areas"), (PROVINCE, "province")),
    "conflicts": (lambda pa, m, z: protected.conflicts(pa, mines=m, industrial_zones=z),
                  (PA, "protected areas"), (MINES, "mines"), (ZONES, "industrial zones")),
    "riverbed_mines": (lambda m, r: protected.riverbed_mines(m, r), (MINES, "mines"), (RIVERS, "river sections")),
    "nearest_river": (lambda z, r: industry.nearest_river(z, r), (ZONES, "industrial zones"),
                      (RIVERS, "river sections")),
    "river_length_by_class": (lambda r: river_length_by_class(r), (RIVERS, "river sections")),
    "polluted_length_by_unit": (lambda r, u: polluted_length_by_unit(r, u, unit_id="code"),
                                (RIVERS, "river sections"), (COMMUNES, "units")),
    "pressures_upstream": (lambda r, m: pressures_upstream(r, {"mine": m}),
                           (RIVERS.assign(qcvn_class=["C", "A"]), "river sections"), (MINES, "mine sites")),
    "air_monitoring_coverage": (lambda u, s: air_monitoring_coverage(u, s), (URBAN, "urban areas"),
                                (STATIONS, "monitoring stations")),
}


@pytest.mark.parametrize("crs, unit", [(2263, "US survey foot"), (4326, "degrees")])
@pytest.mark.parametrize("fn", sorted(MEASURING))
def test_every_measuring_indicator_refuses_a_layer_not_in_metres(fn, crs, unit):
    call, *layers = MEASURING[fn]
    call(*(g for g, _ in layers))  # in metres: computed
    for i, (_, what) in enumerate(layers):
        args = [g.set_crs(crs, allow_override=True) if j == i else g for j, (g, _) in enumerate(layers)]
        with pytest.raises(CRSError, match=f"{what} \\({fn}\\) is in .*{unit}"):
            call(*args)


def test_layers_in_two_metre_crss_are_refused_by_name():
    # UTM 48N (EPSG:3405) is in metres too, but distances between it and EPSG:9213 are meaningless
    utm = RIVERS.to_crs(3405)
    with pytest.raises(CRSError, match=r"mines \(riverbed_mines\).*river sections \(riverbed_mines\).*share one"):
        protected.riverbed_mines(MINES, utm)
    with pytest.raises(CRSError, match=r"river sections \(pressures_upstream\).*mine sites.*share one"):
        pressures_upstream(RIVERS.assign(qcvn_class=["C", "A"]), {"mine": MINES.to_crs(3405)})


def test_conflict_sites_must_be_projected_too():
    with pytest.raises(CRSError, match="mines"):
        protected.conflicts(PA, mines=MINES.set_crs(2263, allow_override=True))


# -- run_indicators -------------------------------------------------------------------------
def run(**layers):
    return run_indicators(store=LayerStore(None, layers=layers), target_values={})


def test_run_without_mines_or_zones_skips_conflicts_with_the_reason():
    res = run(**{k: v for k, v in LAYERS.items() if k not in ("mines", "industrial_zones")})
    assert "conflicts" not in res.tables
    assert res.skipped["conflicts"] == "no mines or industrial zones in the catalog"
    assert "mỏ khoáng sản" in res.skipped_vi["conflicts"]
    assert set(res.skipped) == set(res.skipped_vi)
    assert "thiếu lớp dữ liệu 'mines'" in res.skipped_vi["expired_mines"]
    for key in ("mines_to_close", "wastewater_compliant_pct"):
        assert math.isnan(res.headline[key])  # unknown, not 0


def test_run_with_one_site_type_says_which_was_checked():
    res = run(**{k: v for k, v in LAYERS.items() if k != "industrial_zones"})
    assert res.meta["conflicts_site_types"] == ["mine"]
    assert res["conflicts"].attrs["site_types_checked"] == ["mine"]
    assert "mines only" in res.meta["notes"]["conflicts"][0]
    assert "chỉ kiểm tra mỏ" in res.meta["notes_vi"]["conflicts"][0]


def test_run_without_water_quality():
    res = run(**LAYERS)
    assert {key for key, *_ in HEADLINES} <= set(res.headline)
    assert res["river_quality"]["polluted_km"].isna().all()
    assert math.isnan(res.headline["polluted_river_km"])
    assert "no water-quality data" in res.meta["notes"]["river_quality"][0]
    assert "pressures_upstream" in res.skipped and "chất lượng nước" in res.skipped_vi["pressures_upstream"]
    # what is known is computed by hand: the class-I town's only air station is a manual one, so
    # none of the 1 town has an automatic station, and 1 town is to upgrade
    assert res.headline["air_automatic_towns_pct"] == 0.0
    assert res.headline["landfills_needing_remediation"] == 1.0
    assert res.headline["mines_to_close"] == 1.0  # m1, expired
    assert "licence expiry" in res.meta["notes"]["expired_mines"][0]
    targets = res["targets"].set_index("indicator")
    assert targets.loc["forest_cover_pct", "current"] == pytest.approx(60 / 200 * 100)
    assert targets.loc["air_towns_to_upgrade", "current"] == 1
    # no water-quality data: the polluted length is unknown (with what would measure it), not 0
    assert math.isnan(targets.loc["polluted_river_km", "current"])
    assert targets.loc["polluted_river_km", "needs"] == "river_sections.qcvn_class"


def test_a_bug_is_not_a_skip():
    broken = MINES.drop(columns="mineral")  # given layers are not validated: a KeyError is a bug
    with pytest.raises(KeyError):
        run(**{**LAYERS, "mines": broken})


def test_empty_rivers_give_nan_distances():
    rb = protected.riverbed_mines(MINES, RIVERS.iloc[:0])
    assert list(rb["mine_id"]) == ["m1"] and np.isnan(rb["distance_m"].iloc[0]) and not rb["on_river"].iloc[0]


def test_conflicts_see_protected_areas_across_the_provincial_border():
    # B lies wholly outside the province (x 2300–2600 m): out of the protected-area table, but the
    # mine m2 inside the province at (1900, 900) is √(400² + 600²) = 721 m from it
    pa = pd.concat([PA, frame({"feature_id": ["B"], "pa_id": ["B"], "name": ["Khu B"], "category": ["national_park"],
                               "zone": ["whole"]}, [box(2300, 0, 2600, 300)])], ignore_index=True)
    res = run(**{**LAYERS, "protected_areas": pa})
    assert list(res["protected_areas"]["pa_id"]) == ["A"]
    conf = res["conflicts"].set_index("site_id")
    assert conf.loc["m2", "pa_id"] == "B"
    assert conf.loc["m2", "distance_m"] == pytest.approx(math.hypot(400, 600))


def test_forest_change_needs_a_second_year():
    res = run(**LAYERS)
    assert "one" in res.skipped["forest_change_communes"] and "hai năm" in res.skipped_vi["forest_change_communes"]
    # forest 2020 → 2024: p2 (10 ha, x 1500–2000, Xã Đông) lost, p3 (x 1000–1250 × 0–400 = 10 ha) gained
    f24 = pd.concat([FOREST.iloc[[0]], frame({"parcel_id": ["p3"], "origin": ["plantation"], "purpose": ["production"],
                                              "meets_criteria": [True], "year": [2024]}, [box(1000, 0, 1250, 400)])],
                    ignore_index=True)
    res = run(**{**LAYERS, "forest_status:0": FOREST.assign(year=2020), "forest_status:1": f24,
                 "forest_status": f24})
    t = res["forest_change_communes"].set_index("code")
    assert t.loc["00002", "loss_ha"] == pytest.approx(10) and t.loc["00002", "gain_ha"] == pytest.approx(10)
    assert t.loc["00001", "net_ha"] == pytest.approx(0)


def test_unknown_wwtp_status_is_not_non_compliant():
    zones = pd.concat([ZONES, frame({"zone_id": ["z2", "z3"], "name": ["KCN 2", "KCN 3"], "zone_type": ["kcn", "kcn"],
                                     "status": ["operating", "operating"], "wwtp_status": [None, "non_compliant"]},
                                    [box(100, 100, 200, 200), box(300, 100, 400, 200)])], ignore_index=True)
    t = industry.wastewater_compliance(zones).set_index("group")
    assert t.loc["all", "unknown"] == 1 and t.loc["all", "compliant_pct"] == pytest.approx(50)  # 1 of 2 known
    res = run(**{**LAYERS, "industrial_zones": zones.assign(established_year=2026)})
    assert res.headline["wastewater_compliant_pct"] == pytest.approx(50)
    assert res.headline["new_zones_compliant_pct"] == pytest.approx(50)  # z1 yes, z3 no, z2 unknown
    assert "without a WWTP status" in res.meta["notes"]["wastewater"][0]


def test_distances_reach_rivers_and_stations_across_the_border():
    # the river runs 300 m outside the province (y = -300): clipped away, yet the riverbed mine m1
    # at (100, 500) is 800 m from it and the zone z1 (y 600–800) 900 m; the only air station
    # stands 2 km outside, 2 km from the town (box 0–600)
    river = frame({"section_id": ["b"], "river_name": ["Sông biên giới"]},
                  [shapely.LineString([(X0 - 1000, Y0 - 300), (X0 + 3000, Y0 - 300)])])
    station = frame({"station_id": ["k9"], "name": ["Trạm ngoài tỉnh"], "medium": ["air"], "mode": ["automatic"]},
                    [pt(-2000, 300)])
    res = run(**{**LAYERS, "river_sections": river, "monitoring_stations": station})
    assert "none of the 1 features" in res.skipped["river_quality"]  # not a table of 0 km
    assert "nằm trong vùng nghiên cứu" in res.skipped_vi["river_quality"]
    rb = res["riverbed_mines"].set_index("mine_id")
    assert rb.loc["m1", "distance_m"] == pytest.approx(800) and rb.loc["m1", "section_id"] == "b"
    assert res["zones_nearest_river"]["distance_m"].iloc[0] == pytest.approx(900)
    air = res["air_monitoring"].iloc[0]
    # the distance is measured across the border; by default (air_distance_m 0) a station counts
    # for a town only when it stands in it
    assert air["nearest_station_m"] == pytest.approx(2000) and air["automatic_stations"] == 0
    far = run_indicators(store=LayerStore(None, layers={**LAYERS, "river_sections": river,
                                                        "monitoring_stations": station}),
                         target_values={}, air_distance_m=2500)
    assert far["air_monitoring"]["automatic_stations"].iloc[0] == 1


def test_protected_area_zones_outside_the_province_still_count_in_its_totals():
    # core zone inside (4 ha), restoration zone wholly outside (x 2100–2300: 4 ha), buffer zone
    # wholly outside (x 2400–2600 × 0–300: 6 ha): 8 ha mapped, 4 ha inside, 6 ha buffer zone
    pa = frame({"feature_id": ["c", "r", "b"], "pa_id": ["K"] * 3, "name": ["Khu K"] * 3,
                "category": ["nature_reserve"] * 3, "zone": ["strict_protection", "ecological_restoration", "buffer"]},
               [box(1000, 0, 1200, 200), box(2100, 0, 2300, 200), box(2400, 0, 2600, 300)])
    res = run(**{**LAYERS, "protected_areas": pa})
    row = res["protected_areas"].set_index("pa_id").loc["K"]
    assert row["area_ha"] == pytest.approx(8) and row["in_province_ha"] == pytest.approx(4)
    assert row["in_province_pct"] == pytest.approx(50) and row["buffer_zone_ha"] == pytest.approx(6)


def test_a_zone_without_an_establishment_year_is_not_known_to_be_old():
    zones = pd.concat([ZONES.assign(established_year=2026, wwtp_status="none", status="planned"),
                       frame({"zone_id": ["z9"], "name": ["CCN 9"], "zone_type": ["ccn"], "status": ["operating"],
                              "wwtp_status": ["none"], "established_year": [None]}, [box(10, 10, 20, 20)])],
                      ignore_index=True)
    t = industry.zones_without_compliant_plant(zones).set_index("zone_id")
    assert t.loc["z1", "new"] == True and pd.isna(t.loc["z9", "new"])  # noqa: E712
    assert pd.isna(t.loc["z9", "established_year"]) and t.loc["z1", "established_year"] == 2026
