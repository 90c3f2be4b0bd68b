"""Vector indicators on geometry built by hand (areas, distances and lengths known exactly)."""

import datetime as dt

import geopandas as gpd
import pytest
import shapely

from gisplan.errors import DataMissingError, SchemaError
from gisplan.indicators.air import air_monitoring_coverage
from gisplan.indicators.change import forest_change_status
from gisplan.indicators.forest import forest_cover_from_status
from gisplan.indicators.industry import (
    nearest_river,
    wastewater_compliance,
    zones_without_compliant_plant,
)
from gisplan.indicators.protected import (
    conflicts,
    expired_operating_mines,
    protected_area_summary,
    riverbed_mines,
)
from gisplan.indicators.rivers import (
    polluted_length_by_unit,
    pressures_upstream,
    river_length_by_class,
)
from gisplan.indicators.targets import load_targets, track_targets
from gisplan.vocabulary import wqi_band

CRS = 9213
# two 1 km × 1 km communes side by side (100 ha each)
UNITS = gpd.GeoDataFrame({"code": ["00001", "00002"], "name": ["Xã Tây", "Xã Đông"]},
                         geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)], crs=CRS)


def parcels(rows):
    return gpd.GeoDataFrame(
        [{"parcel_id": r[0], "origin": r[1], "purpose": r[2], "meets_criteria": r[3]} for r in rows],
        geometry=[r[4] for r in rows], crs=CRS)


F20 = parcels([
    ("p1", "natural", "special_use", True, shapely.box(0, 0, 500, 1000)),       # 50 ha in Tây
    ("p2", "plantation", "production", True, shapely.box(800, 0, 1200, 500)),  # 10 ha Tây + 10 ha Đông
    ("p3", "plantation", "production", False, shapely.box(1500, 0, 2000, 200)),  # young: 10 ha Đông
])
F24 = parcels([
    ("p1", "natural", "special_use", True, shapely.box(0, 0, 500, 800)),        # 10 ha of p1 lost
    ("p2", "plantation", "production", True, shapely.box(800, 0, 1200, 500)),
    ("p3", "plantation", "production", True, shapely.box(1500, 0, 2000, 200)),  # matured: +10 ha Đông
])


def test_forest_cover_from_status_by_hand():
    t = forest_cover_from_status(F20, UNITS, unit_id="code").set_index("code")
    assert t.loc["00001", "forest_ha"] == pytest.approx(60)
    assert t.loc["00001", "forest_pct"] == pytest.approx(60)
    assert t.loc["00002", "forest_ha"] == pytest.approx(10)  # young plantation excluded
    assert t.loc["00002", "not_meeting_criteria_ha"] == pytest.approx(10)
    assert t.loc["00001", "natural_ha"] == pytest.approx(50) and t.loc["00001", "plantation_ha"] == pytest.approx(10)
    assert t.loc["00001", "special_use_ha"] == pytest.approx(50)
    incl = forest_cover_from_status(F20, UNITS, unit_id="code", exclude_not_meeting_criteria=False).set_index("code")
    assert incl.loc["00002", "forest_ha"] == pytest.approx(20)
    official = UNITS.assign(dt_ha=[125.0, 100.0])
    t2 = forest_cover_from_status(F20, official, unit_id="code", natural_area_column="dt_ha").set_index("code")
    assert t2.loc["00001", "forest_pct"] == pytest.approx(60 / 125 * 100)


def test_forest_change_between_years_by_hand():
    t = forest_change_status(F20, F24, UNITS, unit_id="code").set_index("code")
    assert t.loc["00001", "loss_ha"] == pytest.approx(10)
    assert t.loc["00001", "loss_special_use_ha"] == pytest.approx(10)
    assert t.loc["00002", "gain_ha"] == pytest.approx(10)
    assert t.loc["00001", "net_ha"] == pytest.approx(-10) and t.loc["00002", "net_ha"] == pytest.approx(10)
    assert t["forest_before_ha"].sum() == pytest.approx(70) and t["forest_after_ha"].sum() == pytest.approx(70)


PA = gpd.GeoDataFrame({
    "feature_id": ["A", "A-VD", "B1", "B2"], "pa_id": ["A", "A", "B", "B"],
    "name": ["Vườn quốc gia A", "Vườn quốc gia A", "Khu B", "Khu B"],
    "category": ["national_park", "national_park", "species_habitat_area", "species_habitat_area"],
    "level": ["national"] * 2 + ["provincial"] * 2,
    "zone": ["whole", "buffer", "strict_protection", "ecological_restoration"],
    "official_area_ha": [100.0, None, 20.0, 30.0],
}, geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(-500, -500, 1500, 1500).difference(shapely.box(0, 0, 1000, 1000)),
             shapely.box(5000, 0, 5200, 1000), shapely.box(5200, 0, 5500, 1000)], crs=CRS)
PROVINCE = gpd.GeoDataFrame({"code": ["19"], "name": ["Tỉnh"]}, geometry=[shapely.box(-100, -100, 5300, 2000)], crs=CRS)


def test_protected_area_summary_by_hand():
    t = protected_area_summary(PA, PROVINCE, parcels=F20).set_index("pa_id")
    assert t.loc["A", "area_ha"] == pytest.approx(100) and t.loc["B", "area_ha"] == pytest.approx(50)
    assert t.loc["B", "official_area_ha"] == pytest.approx(50)
    assert t.loc["B", "in_province_ha"] == pytest.approx(30)  # x 5000..5300 of 5000..5500
    assert t.loc["A", "buffer_zone_ha"] == pytest.approx(400 - 100)
    assert t.loc["A", "forest_ha"] == pytest.approx(60)  # p1 50 ha + p2's 10 ha west of x=1000


def test_protected_area_forest_cover_uses_the_part_inside_the_province():
    from gisplan.overlay import protected_area_units

    pa = PA[PA.pa_id == "A"]
    province = gpd.GeoDataFrame({"code": ["19"], "name": ["Tỉnh"]}, geometry=[shapely.box(0, 0, 500, 1000)], crs=CRS)
    # p1 (50 ha, natural forest) covers exactly the 50 ha of A inside the province; p2's 10 ha
    # west of x=1000 lie outside the province (an inventory would not hold them)
    t = protected_area_summary(pa, province, parcels=F20[F20.parcel_id == "p1"]).set_index("pa_id")
    assert t.loc["A", "area_ha"] == pytest.approx(100) and t.loc["A", "in_province_ha"] == pytest.approx(50)
    assert t.loc["A", "forest_ha"] == pytest.approx(50) and t.loc["A", "forest_pct"] == pytest.approx(100)
    units = protected_area_units(pa, within=province)
    assert units.area.sum() / 1e4 == pytest.approx(50)
    assert len(protected_area_units(PA, within=province)) == 1  # B lies wholly outside: dropped


def test_conflicts_inside_buffer_zone_and_near():
    mines = gpd.GeoDataFrame({
        "mine_id": ["M1", "M2", "M3", "M4"], "name": ["a", "b", "c", "d"],
        "licence_status": ["valid", "expired", "valid", "valid"], "operating": [True, True, False, True],
    }, geometry=[shapely.Point(500, 500), shapely.Point(1200, 500), shapely.Point(5500 + 700, 500),
                 shapely.Point(9000, 9000)], crs=CRS)
    t = conflicts(PA, mines=mines, buffer_m=1000).set_index("site_id")
    assert set(t.index) == {"M1", "M2", "M3"}
    assert t.loc["M1", "relation"] == "inside" and t.loc["M1", "distance_m"] == 0
    assert t.loc["M2", "relation"] == "buffer_zone" and t.loc["M2", "distance_m"] == pytest.approx(200)
    assert t.loc["M3", "relation"] == "within_distance" and t.loc["M3", "distance_m"] == pytest.approx(700)
    # the same pairs as a plain buffer + spatial join
    core = PA[PA.zone != "buffer"].dissolve("pa_id").reset_index()
    ref = gpd.sjoin(mines, core.assign(geometry=core.buffer(1000)), predicate="within")
    assert set(ref.mine_id) == set(t.index)


def test_conflicts_whole_official_buffer_zone_counts_however_far_from_the_core():
    core = shapely.box(0, 0, 1000, 1000)
    pa = gpd.GeoDataFrame({
        "feature_id": ["C", "C-VD"], "pa_id": ["C", "C"], "name": ["Khu C", "Khu C"],
        "category": ["nature_reserve"] * 2, "level": ["national"] * 2, "zone": ["whole", "buffer"],
        "official_area_ha": [100.0, None],
    }, geometry=[core, shapely.box(-3000, -3000, 4000, 4000).difference(core)], crs=CRS)
    mines = gpd.GeoDataFrame({
        "mine_id": ["IN_BZ", "OUTSIDE", "NEAR"], "name": ["x", "y", "z"],
        "licence_status": ["valid"] * 3, "operating": [True] * 3,
    }, geometry=[shapely.Point(-2000, 500), shapely.Point(-3500, 500), shapely.Point(1500, 500)], crs=CRS)
    t = conflicts(pa, mines=mines, buffer_m=1000).set_index("site_id")
    assert set(t.index) == {"IN_BZ", "NEAR"}  # OUTSIDE: beyond the buffer zone and 3.5 km away
    assert t.loc["IN_BZ", "relation"] == "buffer_zone" and t.loc["IN_BZ", "distance_m"] == pytest.approx(2000)
    assert t.loc["NEAR", "relation"] == "buffer_zone" and t.loc["NEAR", "distance_m"] == pytest.approx(500)
    assert len(conflicts(pa, mines=mines, buffer_m=5000)) == 3


def test_expired_and_riverbed_mines():
    mines = gpd.GeoDataFrame({
        "mine_id": ["M1", "M2", "M3", "M4"], "name": ["a", "b", "c", "d"], "mineral": ["Cát"] * 4,
        "licence_no": ["1", "2", "3", "4"],
        "licence_expiry": [dt.date(2024, 12, 31), dt.date(2026, 1, 1), dt.date(2020, 1, 1), None],
        "licence_status": ["valid", "valid", "expired", "revoked"], "operating": [True, True, False, True],
        "riverbed": [True, True, False, False],
    }, geometry=[shapely.Point(100, 30), shapely.Point(100, 900), shapely.Point(0, 0), shapely.Point(0, 0)], crs=CRS)
    t = expired_operating_mines(mines, reference_date=dt.date(2025, 12, 31))
    assert list(t.mine_id) == ["M1", "M4"] and t.days_expired.iloc[0] == 365
    rivers = gpd.GeoDataFrame({"section_id": ["S1"], "river_name": ["Sông Cầu"]},
                              geometry=[shapely.LineString([(0, 0), (1000, 0)])], crs=CRS)
    rb = riverbed_mines(mines, rivers, max_distance_m=500).set_index("mine_id")
    assert rb.loc["M1", "distance_m"] == pytest.approx(30) and rb.loc["M1", "on_river"]
    assert rb.loc["M2", "distance_m"] == pytest.approx(900) and not rb.loc["M2", "on_river"]


ZONES = gpd.GeoDataFrame({
    "zone_id": ["K1", "K2", "C1", "C2", "C3"], "name": ["KCN 1", "KCN 2", "CCN 1", "CCN 2", "CCN 3"],
    "zone_type": ["kcn", "kcn", "ccn", "ccn", "ccn"],
    "status": ["operating", "operating", "operating", "operating", "under_construction"],
    "wwtp_status": ["compliant", "non_compliant", "compliant", "none", "none"],
    "established_year": [2010, 2012, 2015, 2025, 2026],
}, geometry=[shapely.box(0, 2000, 100, 2100), shapely.box(500, 2000, 600, 2100), shapely.box(0, 3000, 50, 3050),
             shapely.box(900, 3000, 950, 3050), shapely.box(0, 4000, 50, 4050)], crs=CRS)
RIVERS = gpd.GeoDataFrame({
    "section_id": ["S1", "S2", "S3"], "river_name": ["Sông Cầu"] * 3, "qcvn_class": ["A", "C", "D"],
    "wqi": [92.0, 45.0, 20.0],
}, geometry=[shapely.LineString([(-100, 6000), (-100, 4000)]), shapely.LineString([(-100, 4000), (-100, 2000)]),
             shapely.LineString([(-100, 2000), (-100, 0)])], crs=CRS)


def test_wastewater_compliance_by_hand():
    t = wastewater_compliance(ZONES).set_index("group")
    assert t.loc["kcn", "compliant_pct"] == pytest.approx(50)
    assert t.loc["ccn", "compliant_pct"] == pytest.approx(50)
    assert t.loc["all", "operating"] == 4 and t.loc["all", "compliant_pct"] == pytest.approx(50)
    w = zones_without_compliant_plant(ZONES).set_index("zone_id")
    assert set(w.index) == {"K2", "C2", "C3"} and w.loc["C3", "new"] and not w.loc["K2", "new"]


def test_nearest_river_and_band():
    t = nearest_river(ZONES, RIVERS).set_index("zone_id")
    assert t.loc["K2", "distance_m"] == pytest.approx(600)
    assert t.loc["K1", "section_id"] in ("S2", "S3")  # on the joint of S2 and S3
    assert t.loc["C1", "section_id"] == "S2" and t.loc["C1", "wqi_band"] == "bad"


def test_wqi_bands_follow_decision_1460():
    assert list(wqi_band([100, 91, 90, 76, 75, 51, 50, 26, 25, 10, 9])) == [
        "very_good", "very_good", "good", "good", "medium", "medium", "bad", "bad", "poor", "poor", "heavily_polluted"]


def test_river_lengths_by_class_and_commune():
    t = river_length_by_class(RIVERS).set_index("river_name")
    assert t.loc["Sông Cầu", "length_km"] == pytest.approx(6.0)
    assert t.loc["Sông Cầu", "class_C_km"] == pytest.approx(2.0)
    assert t.loc["Sông Cầu", "polluted_km"] == pytest.approx(4.0)
    units = gpd.GeoDataFrame({"code": ["N", "S"], "name": ["Bắc", "Nam"]},
                             geometry=[shapely.box(-500, 3000, 500, 7000), shapely.box(-500, -1000, 500, 3000)], crs=CRS)
    u = polluted_length_by_unit(RIVERS, units, unit_id="code").set_index("code")
    assert u.loc["N", "polluted_km"] == pytest.approx(1.0)  # S2 from y=4000 to 3000
    assert u.loc["S", "polluted_km"] == pytest.approx(3.0)


def test_pressures_upstream():
    sites = gpd.GeoDataFrame({"zone_id": ["up", "beside", "down", "far"], "name": ["u", "b", "d", "f"]},
                             geometry=[shapely.Point(400, 5000), shapely.Point(300, 1000), shapely.Point(200, -5000),
                                       shapely.Point(5000, 3000)], crs=CRS)
    t = pressures_upstream(RIVERS, {"industrial_zone": sites}, buffer_m=1000, reach_km=10)
    got = {(r.section_id, r.site_id): round(r.upstream_km, 3) for r in t.itertuples()}
    assert got == {("S2", "up"): 1.0, ("S3", "up"): 3.0, ("S3", "beside"): 0.0}


def test_pressures_upstream_on_a_river_mapped_in_pieces_that_do_not_join():
    """Two chains of one river: the site beside the short chain is measured along it, not
    projected on the longest chain (3.1 km away, outside the buffer)."""
    rivers = gpd.GeoDataFrame({
        "section_id": ["L1", "L2", "S1", "S2"], "river_name": ["Sông X"] * 4,
        "qcvn_class": ["A", "C", "A", "D"], "wqi": [95.0, 45.0, 92.0, 20.0],
    }, geometry=[shapely.LineString([(0, 0), (15000, 0)]), shapely.LineString([(15000, 0), (20000, 0)]),
                 shapely.LineString([(0, 3000), (4000, 3000)]), shapely.LineString([(4000, 3000), (5000, 3000)])],
        crs=CRS)
    sites = gpd.GeoDataFrame({"mine_id": ["M"], "name": ["m"]}, geometry=[shapely.Point(3000, 3100)], crs=CRS)
    t = pressures_upstream(rivers, {"mine": sites}, buffer_m=2000, reach_km=10)
    assert [(r.section_id, r.site_id, round(r.upstream_km, 3), round(r.distance_m, 3)) for r in t.itertuples()] == \
        [("S2", "M", 1.0, 100.0)]


def test_air_monitoring_coverage():
    urban = gpd.GeoDataFrame({"urban_id": ["U1", "U2", "U3"], "name": ["TP A", "TP B", "Thị trấn C"],
                              "urban_class": ["I", "II", "V"]},
                             geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(20000, 0, 21000, 1000),
                                       shapely.box(0, 9000, 10, 9010)], crs=CRS)
    st_ = gpd.GeoDataFrame({"station_id": ["Q1", "Q2"], "medium": ["air", "surface_water"], "mode": ["automatic", "manual"]},
                           geometry=[shapely.Point(3000, 500), shapely.Point(20500, 500)], crs=CRS)
    t = air_monitoring_coverage(urban, st_, distance_m=5000).set_index("urban_id")
    assert list(t.index) == ["U1", "U2"]
    assert t.loc["U1", "covered"] and t.loc["U1", "nearest_station_m"] == pytest.approx(2000)
    assert not t.loc["U2", "covered"]
    # by default a station counts only in the town: Q1 stands 2 km outside U1; one inside does
    assert not air_monitoring_coverage(urban, st_).set_index("urban_id").loc["U1", "covered"]
    inside = st_.assign(geometry=[shapely.Point(500, 500), shapely.Point(20500, 500)])
    assert air_monitoring_coverage(urban, inside).set_index("urban_id")["covered"].to_dict() == {"U1": True, "U2": False}


def test_target_tracker():
    t = track_targets({"wastewater_compliant_pct": 50.0, "mines_to_close": 0.0,
                       "forest_cover_pct": 60.0},
                      values={"urban_solid_waste_collected_pct": 96.0}).set_index("target_id")
    assert t.loc["industrial_wastewater", "status"] == "not met" and t.loc["industrial_wastewater", "gap"] == 50
    assert t.loc["expired_mines_closed", "status"] == "met"
    assert t.loc["urban_solid_waste", "status"] == "met"
    assert t.loc["rural_solid_waste", "status"] == "no data"
    assert t.loc["forest_cover", "status"] == "no target" and t.loc["forest_cover", "current"] == 60
    assert len(load_targets()) == len(t)
    assert t.loc["hazardous_waste", "wording_vi"].startswith("98% chất thải nguy hại")


# run_indicators skips an indicator only when its data are absent (DataMissingError); any other
# exception inside an indicator is a bug and stops the run with that exception
# one river section across both communes along y = 500: 1 km in each
ACROSS = gpd.GeoDataFrame({"section_id": ["X1"], "river_name": ["Sông Công"], "qcvn_class": ["C"]},
                          geometry=[shapely.LineString([(0, 500), (2000, 500)])], crs=CRS)


def _river_run(monkeypatch, exc):
    from gisplan.indicators import steps
    from gisplan.indicators.run import run_indicators
    from gisplan.store import LayerStore

    def broken(rivers):
        raise exc

    monkeypatch.setattr(steps, "river_length_by_class", broken)
    store = LayerStore(None, layers={"communes": UNITS, "river_sections": ACROSS})
    return run_indicators(store=store, target_values={})


@pytest.mark.parametrize("exc", [KeyError("qcvn_class"), ValueError("cannot convert"),
                                 SchemaError("a gisplan error that is not missing data")])
def test_a_bug_inside_an_indicator_stops_the_run(monkeypatch, exc):
    with pytest.raises(type(exc), match=str(exc).strip("'")):
        _river_run(monkeypatch, exc)


def test_missing_data_inside_an_indicator_is_a_skip_and_the_rest_still_runs(monkeypatch):
    res = _river_run(monkeypatch, DataMissingError("no river sections with water-quality data"))
    assert "river_quality" not in res.tables
    assert res.skipped["river_quality"] == "no river sections with water-quality data"
    # the other river table of the same layers is still computed: 1 km of class C in each commune
    by_unit = res["river_quality_communes"].set_index("code")
    assert by_unit.loc["00001", "class_C_km"] == pytest.approx(1.0)
    assert by_unit.loc["00002", "polluted_km"] == pytest.approx(1.0)


def test_targets_file_absent_or_not_toml_is_named(tmp_path):
    from gisplan.errors import CatalogError, LayerNotFoundError

    with pytest.raises(LayerNotFoundError, match=r"targets file .*none\.toml does not exist"):
        load_targets(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[t1\nwording_vi = 1", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"targets file .*bad\.toml is not valid TOML"):
        load_targets(bad)
