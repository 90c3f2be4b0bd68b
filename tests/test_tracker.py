"""What the 2030 tracker counts, on layers built by hand: mines to close (expired, revoked or
exhausted, worked or not), landfills causing serious pollution, river sections polluted or below
their use, the sources that must monitor automatically, land-cover groups per zone, events per
year, forest per owner and year — and a run whose tracker reads them, each value worked out here."""

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from gisplan.catalog import load_catalog
from gisplan.errors import DataMissingError
from gisplan.indicators.forest_progress import official_natural_area, owners_by_year
from gisplan.indicators.hazard_exposure import events_by_year
from gisplan.indicators.industry import auto_monitoring_sources, new_zones_compliant_pct
from gisplan.indicators.land_cover import class_group_shares
from gisplan.indicators.lots import split_by_units
from gisplan.indicators.mines import close_unknowns, mines_to_close, scattered_small_mines
from gisplan.indicators.results import IndicatorResults
from gisplan.indicators.rivers import section_use_status
from gisplan.indicators.run import run_indicators
from gisplan.indicators.tracker import read_measures
from gisplan.indicators.waste import landfill_progress
from gisplan.store import LayerStore

CRS = 9213
X0, Y0 = 430_000.0, 2_390_000.0
REF = dt.date(2025, 7, 1)


def frame(rows, geoms):
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def box(x0, y0, x1, y1):
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def pt(x, y):
    return shapely.Point(X0 + x, Y0 + y)


# --- mines ----------------------------------------------------------------------------------------
def mines(**extra):
    base = {"mine_id": [f"m{i}" for i in range(1, 9)], "name": list("abcdefgh"), "mineral": ["đá"] * 8,
            "licence_status": ["valid", "valid", "expired", "expired", "valid", "closed", "revoked", "exploration"],
            "licence_expiry": [dt.date(2030, 1, 1), dt.date(2030, 1, 1), dt.date(2020, 1, 1), dt.date(2020, 1, 1),
                               dt.date(2024, 6, 1), dt.date(2019, 1, 1), dt.date(2028, 1, 1), dt.date(2021, 1, 1)],
            "operating": [True, True, True, False, True, False, False, False],
            "riverbed": [False, True, True, False, False, False, True, False]}
    geoms = [pt(100 * i, 0) for i in range(7)] + [box(1000, 0, 1100, 50)]  # m8: a 0.5 ha polygon
    return frame({**base, **extra}, geoms)


def test_mines_to_close_are_expired_revoked_or_exhausted_until_closed_worked_or_not():
    m = mines(reserves_exhausted=pd.array([True, False, True, None, None, None, None, None], dtype="boolean"))
    t = mines_to_close(m, reference_date=REF).set_index("mine_id")
    # m1 reserves; m3 expired (and exhausted); m4 expired, no longer worked but not closed; m5 expiry
    # passed; m7 revoked, not worked. Not: m2 (valid), m6 (closed), m8 (an exploration licence)
    assert list(t.index) == ["m1", "m3", "m4", "m5", "m7"]
    assert t["close_reason"].to_dict() == {"m1": "reserves_exhausted", "m3": "licence_expired_reserves_exhausted",
                                           "m4": "licence_expired", "m5": "licence_expired", "m7": "licence_revoked"}
    assert t["operating"].tolist() == [True, True, False, True, False]
    assert t.loc["m7", "riverbed"] and not t.loc["m4", "riverbed"]
    # m2 is the one open mine not listed, and it records both its expiry and its reserves
    assert close_unknowns(m, reference_date=REF) == {"no_expiry": 0, "no_reserves": 0}
    # without the column: by licence only, every open unlisted mine unknown
    assert list(mines_to_close(mines(), reference_date=REF)["mine_id"]) == ["m3", "m4", "m5", "m7"]
    assert close_unknowns(mines(), reference_date=REF)["no_reserves"] == 2  # m1 and m2


def test_scattered_small_mines_with_their_areas():
    m = mines(scattered_small=[True, False, None, False, False, False, False, True],
              area_ha=[2.5, None, None, None, None, None, None, None])
    t = scattered_small_mines(m).set_index("mine_id")
    # m1 its licensed area; m8 a 100 m × 50 m polygon: 0.5 ha
    assert t["area_ha"].to_dict() == {"m1": 2.5, "m8": pytest.approx(0.5)}
    with pytest.raises(DataMissingError, match="scattered_small"):
        scattered_small_mines(mines())


# --- waste ----------------------------------------------------------------------------------------
def test_serious_pollution_counts_landfills_and_dumps_not_remediated():
    ws = pd.DataFrame({
        "site_type": ["landfill", "open_dump", "incinerator", "landfill", "landfill", "treatment_complex", "landfill",
                      "treatment_complex"],
        "status": ["operating", "closed", "operating", "remediated", "closed", "operating", "operating", "closed"],
        "needs_remediation": pd.array([True, True, True, False, True, True, None, True], dtype="boolean"),
        "serious_pollution": pd.array([True, True, True, True, False, True, None, False], dtype="boolean")})
    p = landfill_progress(ws)
    # the landfill and the dump; not the incinerator, the complex, nor the remediated landfill
    assert p["serious_to_remediate"] == 2 and p["serious_operating"] == 1
    assert p["serious_unknown"] == 1 and p["serious_recorded"] == 1  # the last landfill
    # closed sites of any type to remediate (I.3): the dump, the landfill, the closed complex
    assert p["closed_to_remediate"] == 3 and p["remediated"] == 1
    assert p["closed_remediated_pct"] == pytest.approx(100 / 4)
    assert p["treatment_complexes"] == 1  # operating
    assert landfill_progress(ws.drop(columns="serious_pollution"))["serious_recorded"] == 0


# --- rivers ---------------------------------------------------------------------------------------
def test_sections_polluted_and_below_their_use():
    rivers = frame({"section_id": ["s1", "s2", "s3", "s4", "s5"], "river_name": ["Cầu"] * 5,
                    "qcvn_class": ["B", "C", "A", None, "B"], "wqi": [80.0, 45.0, 95.0, None, None],
                    "designated_class": ["A", "B", "A", "A", None]},
                   [shapely.LineString([(X0 + 1000 * i, Y0), (X0 + 1000 * (i + 1), Y0)]) for i in range(5)])
    t = section_use_status(rivers).set_index("section_id")
    assert t["length_km"].tolist() == pytest.approx([1.0] * 5)
    assert t["polluted"].tolist() == [False, True, False, pd.NA, False]
    # B where A is needed, C where B: below; A where A: meets; no class or no use: unknown
    assert t["below_use"].tolist() == [True, True, False, pd.NA, pd.NA]


# --- automatic monitoring -------------------------------------------------------------------------
def test_every_source_that_must_monitor_inside_and_outside_the_zones():
    zones = frame({"zone_id": ["z1", "z2", "z3", "z4"], "name": list("abcd"),
                   "status": ["operating", "operating", "operating", "planned"],
                   "wwtp_status": ["compliant", "non_compliant", "none", "compliant"],
                   "auto_monitoring": [True, False, None, True], "auto_data_transmitted": [False, None, None, True]},
                  [box(0, 0, 10, 10)] * 4)
    fac = frame({"facility_id": ["f1", "f2", "f3"], "name": list("xyz"), "zone_id": ["z1", None, None],
                 "discharge": ["wastewater", "emissions", "both"], "auto_installed": [True, True, False],
                 "data_transmitted": [True, None, None]}, [pt(0, 0)] * 3)
    t = auto_monitoring_sources(zones, fac).set_index("source_id")
    # z1, z2 run a plant; z3 has none, z4 does not operate yet; every facility
    assert list(t.index) == ["z1", "z2", "f1", "f2", "f3"]
    assert t["installed"].tolist() == [True, False, True, True, False]
    # z2 and f3 have nothing installed: they send nothing; f2 does not record it
    assert t["transmitted"].tolist() == [False, False, True, pd.NA, False]
    assert t.loc["f2", "discharge"] == "emissions" and t.loc["f1", "zone_id"] == "z1"
    only_zones = auto_monitoring_sources(zones)
    assert set(only_zones["source_type"]) == {"zone_plant"}


def test_new_zones_count_once_they_operate():
    z = pd.DataFrame({"zone_id": list("abcdef"),
                      "status": ["operating", "operating", "planned", "under_construction", "operating", "operating"],
                      "wwtp_status": ["compliant", "none", "none", "none", "none", None],
                      "established_year": [2026, 2025, 2027, 2026, 2010, 2026]})
    assert new_zones_compliant_pct(z, new_since=2025) == pytest.approx(50)  # a and b; f unknown
    assert math.isnan(new_zones_compliant_pct(z[z["zone_id"].isin(["c", "d"])], new_since=2025))


# --- land cover -----------------------------------------------------------------------------------
def write_classes(path, data, res=10.0):
    profile = dict(driver="GTiff", width=data.shape[1], height=data.shape[0], count=1, dtype="uint8",
                   crs="EPSG:9213", transform=from_origin(X0, Y0 + 100, res, res), nodata=0)
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data.astype("uint8"), 1)
    return path


def test_green_and_water_shares_per_zone_by_hand(tmp_path):
    # 10 × 10 pixels of 10 m over (0, 0)–(100, 100): the left half forest (1), a column of water (6)
    # at x 50–60, shrub (3) at x 60–70, built-up (5) right of it, one nodata pixel at the top right
    data = np.full((10, 10), 5)
    data[:, :5] = 1
    data[:, 5] = 6
    data[:, 6] = 3
    data[0, 9] = 0
    path = write_classes(tmp_path / "lc.tif", data)
    zones = frame({"urban_id": ["u1", "u2"]}, [box(0, 0, 100, 100), box(45, 0, 65, 100)])
    t = class_group_shares(path, zones, id_column="urban_id", groups={"green": [1, 2, 3], "water": [6]}).set_index(
        "urban_id")
    # u1: 99 pixels observed of 100 (0.99 ha); green 60 pixels (0.6 ha), water 10 (0.1 ha)
    assert t.loc["u1", "observed_ha"] == pytest.approx(0.99)
    assert t.loc["u1", "green_ha"] == pytest.approx(0.6) and t.loc["u1", "water_ha"] == pytest.approx(0.1)
    assert t.loc["u1", "green_pct"] == pytest.approx(60 / 99 * 100)
    # u2 covers half a forest column, the water column and half the shrub column: exact fractions
    assert t.loc["u2", "green_ha"] == pytest.approx(0.1) and t.loc["u2", "water_ha"] == pytest.approx(0.1)
    assert t.loc["u2", "green_pct"] == pytest.approx(50.0)
    with pytest.raises(ValueError, match="shares classes"):
        class_group_shares(path, zones, id_column="urban_id", groups={"a": [1, 6], "b": [6]})


# --- events ---------------------------------------------------------------------------------------
def test_events_and_deaths_per_year():
    ev = pd.DataFrame({"event_type": ["landslide", "flash_flood", "landslide", "flood", "landslide"],
                       "date": [dt.date(2023, 7, 1), dt.date(2023, 8, 1), dt.date(2025, 9, 1), dt.date(2025, 9, 2),
                                dt.date(2025, 9, 3)],
                       "deaths": [2, 1, None, 0, 3], "damage": [10.0, 5.0, 1.0, None, 2.0]})
    t = events_by_year(ev).set_index(["year", "event_type"])
    assert t.loc[(2023, "all"), ["events", "deaths", "deaths_unknown"]].tolist() == [2, 3, 0]
    assert t.loc[(2025, "all"), ["events", "deaths", "deaths_unknown"]].tolist() == [3, 3, 1]
    assert t.loc[(2025, "landslide"), "deaths"] == 3 and t.loc[(2025, "flood"), "deaths"] == 0
    assert t.loc[(2023, "all"), "damage"] == 15.0
    assert (2024, "all") not in t.index  # a year without events is not a row (the tracker reads 0)


# --- forest per owner and year --------------------------------------------------------------------
def test_forest_by_owner_and_year_and_the_official_area():
    units = frame({"code": ["19"], "name": ["Tỉnh"]}, [box(0, 0, 1000, 1000)])
    lots0 = frame({"meets_criteria": [True, True, False], "owner_category": ["community", "household", "community"]},
                  [box(0, 0, 500, 200), box(0, 200, 500, 400), box(500, 0, 1000, 100)])
    lots1 = frame({"meets_criteria": [True, True, True], "owner_category": ["community", "household", None]},
                  [box(0, 0, 500, 400), box(0, 400, 500, 500), box(500, 0, 1000, 100)])
    t = owners_by_year([(2020, lots0, split_by_units(lots0, units, unit_id="code")),
                        (2024, lots1, split_by_units(lots1, units, unit_id="code"))])
    got = {(r.year, r.owner_category): r.forest_ha for r in t.itertuples()}
    # 2020: community 10 ha (the young plantation is not forest), household 10 ha; 2024: community
    # 20 ha, household 5 ha, 5 ha without an owner category; a category a year lacks is 0 there
    assert got == {(2020, "community"): pytest.approx(10), (2020, "household"): pytest.approx(10),
                   (2020, "unknown"): 0.0, (2024, "community"): pytest.approx(20),
                   (2024, "household"): pytest.approx(5), (2024, "unknown"): pytest.approx(5)}
    communes = frame({"code": ["a", "b"], "area_km2_official": [4.0, 6.5]}, [box(0, 0, 1, 1)] * 2)
    assert official_natural_area(units, communes).tolist() == [1050.0]  # their official 10.5 km²
    assert official_natural_area(units.assign(area_km2_official=[9.9]), communes).tolist() == [990.0]
    assert official_natural_area(units, communes.assign(area_km2_official=[4.0, None])) is None


# --- a run and its tracker ------------------------------------------------------------------------
def test_a_run_reads_what_the_plan_counts():
    prov = frame({"code": ["19"], "name": ["Tỉnh"], "area_km2_official": [2.5]}, [box(0, 0, 2000, 1000)])
    m = mines(reserves_exhausted=[True, False, False, False, False, False, False, False])
    ws = frame({"site_id": ["w1", "w2", "w3", "w4"], "name": list("abcd"),
                "site_type": ["landfill", "landfill", "landfill", "incinerator"],
                "status": ["closed", "remediated", "operating", "operating"], "needs_remediation": [True, False, True, True],
                "serious_pollution": [True, False, True, True]},
               [pt(100 * i + 50, 50) for i in range(4)])
    iz = frame({"zone_id": ["z1", "z2"], "name": ["a", "b"], "zone_type": ["kcn", "ccn"],
                "status": ["operating", "planned"], "wwtp_status": ["compliant", "none"],
                "established_year": [2026, 2027], "auto_monitoring": [True, None], "auto_data_transmitted": [False, None]},
               [box(1200, 600, 1400, 800), box(1500, 0, 1600, 100)])
    fac = frame({"facility_id": ["f1"], "name": ["x"], "discharge": ["emissions"], "auto_installed": [False]},
                [pt(1300, 700)])
    urban = frame({"urban_id": ["u1", "u2"], "name": ["TP", "TX"], "urban_class": ["I", "II"]},
                  [box(0, 0, 600, 600), box(1400, 0, 2000, 600)])
    st = frame({"station_id": ["k1", "k2"], "name": ["a", "b"], "medium": ["air", "air"],
                "mode": ["automatic", "manual"]}, [pt(300, 300), pt(1700, 300)])
    forest = frame({"parcel_id": ["p1", "p2"], "origin": ["natural", "plantation"],
                    "purpose": ["special_use", "production"], "meets_criteria": [True, True]},
                   [box(0, 0, 500, 1000), box(1500, 0, 2000, 200)])
    res = run_indicators(store=LayerStore(None, layers={
        "province": prov, "mines": m, "waste_sites": ws, "industrial_zones": iz, "facilities": fac,
        "urban_areas": urban, "monitoring_stations": st, "forest_status": forest}),
        target_values={}, reference_date=REF)
    h, t = res.headline, res["targets"].set_index("target_id")
    # mines to close, worked or not: m1 (reserves), m3, m4 (not worked), m5, m7 (revoked, not worked)
    assert h["mines_to_close"] == 5 and t.loc["expired_mines_closed", "current"] == 5
    assert not t.loc["expired_mines_closed", "lower_bound"]  # every open mine records its reserves
    assert t.loc["riverbed_mines_closed", "current"] == 2  # m3, m7
    # seriously polluting landfills not remediated: w1 (closed) and w3; not the incinerator
    assert h["landfills_serious_pollution"] == 2 and t.loc["polluting_landfills", "status"] == "not met"
    assert h["landfills_needing_remediation"] == 1 and h["closed_landfills_remediated_pct"] == pytest.approx(50)
    # sources that must monitor: z1's plant (installed, not sending) and f1 (not installed)
    assert t.loc["auto_effluent_monitoring", "current"] == pytest.approx(50)
    assert t.loc["auto_monitoring_data", "current"] == 0
    # class I and II towns: u1 has an automatic station, u2 a manual one to upgrade
    assert t.loc["air_monitoring", "current"] == pytest.approx(50)
    assert t.loc["air_monitoring_upgrade", "current"] == 1
    # forest over the official natural area (250 ha): 50 + 10 ha forest → 24 %, and it says so
    f = t.loc["forest_cover"]
    assert f["current"] == pytest.approx(60 / 250 * 100) and "chính thức" in f["notes_vi"]
    assert "official natural area" in f["notes_en"]
    # no layer for it: unknown with the layer it needs, never 0
    assert math.isnan(t.loc["urban_green_water", "current"]) and "land_cover" in t.loc["urban_green_water", "needs"]
    assert t.loc["urban_green_water", "status"] == "no data"
    assert "hazard_events" in t.loc["disaster_deaths", "needs"]


# --- the rows read from two land-cover years, and from the hazard tables -------------------------
def test_urban_green_water_and_bare_land_rows_from_two_land_cover_years(tmp_path):
    # 10 m pixels over x 0–2000, y 0–1000; cropland (4) except: forest (1) at x 0–300 in 2020,
    # x 0–200 in 2024; water (6) at x 1400–1460 both years; bare land (7) at x 1000–1100 in 2020,
    # x 1000–1200 in 2024
    def raster(year, forest_to, bare_to):
        data = np.full((100, 200), 4)
        data[:, : forest_to // 10] = 1
        data[:, 140:146] = 6
        data[:, 100: bare_to // 10] = 7
        profile = dict(driver="GTiff", width=200, height=100, count=1, dtype="uint8", crs="EPSG:9213",
                       transform=from_origin(X0, Y0 + 1000, 10.0, 10.0), nodata=0)
        with rasterio.open(tmp_path / f"lc_{year}.tif", "w", **profile) as ds:
            ds.write(data.astype("uint8"), 1)

    raster(2020, 300, 1100)
    raster(2024, 200, 1200)
    frame({"code": ["c1", "c2"], "name": ["Xã 1", "Xã 2"], "unit_type": ["xa", "xa"]},
          [box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)]).to_file(tmp_path / "communes.gpkg")
    frame({"urban_id": ["u1", "u2"], "name": ["TP", "TX"], "urban_class": ["I", "II"]},
          [box(0, 0, 600, 600), box(1400, 0, 2000, 600)]).to_file(tmp_path / "urban.gpkg")
    (tmp_path / "catalog.toml").write_text(
        '[layers.communes]\ntype = "communes"\npath = "communes.gpkg"\n\n'
        '[layers.urban_areas]\ntype = "urban_areas"\npath = "urban.gpkg"\n\n'
        '[layers.land_cover_2020]\ntype = "land_cover"\npath = "lc_2020.tif"\nyear = 2020\n\n'
        '[layers.land_cover_2024]\ntype = "land_cover"\npath = "lc_2024.tif"\nyear = 2024\n', encoding="utf-8")
    res = run_indicators(load_catalog(tmp_path / "catalog.toml"), target_values={}, reference_date=REF)
    t = res["targets"].set_index("target_id")
    # the towns hold 72 ha: u1 18 ha of forest in 2020 (300 m × 600 m), 12 ha in 2024; u2 3.6 ha of
    # water (60 m × 600 m) both years → 21.6 / 72 = 30 % in 2020, 15.6 / 72 = 21.67 % in 2024
    g = t.loc["urban_green_water"]
    assert (g["current"], g["earlier"]) == (pytest.approx(15.6 / 72 * 100), pytest.approx(30.0))
    assert (g["year"], g["earlier_year"]) == (2024, 2020)
    # "tăng" (more) against the earlier year: less is worsening and not met, 8.33 points short;
    # at −2.08 points a year, 9.17 % in 2030
    assert g["trend"] == "worsening" and g["target"] == pytest.approx(30.0) and g["status"] == "not met"
    assert g["gap"] == pytest.approx(30.0 - 15.6 / 72 * 100)
    assert g["projected"] == pytest.approx(15.6 / 72 * 100 - (30.0 - 15.6 / 72 * 100) / 4 * 6)
    # bare land: 100 m × 1000 m = 10 ha in 2020, 20 ha in 2024, all in c2; the official figure is
    # the land inventory's, which the row says it lacks
    u = t.loc["unused_land"]
    assert (u["current"], u["earlier"], u["trend"]) == (pytest.approx(20.0), pytest.approx(10.0), "worsening")
    assert "kiểm kê đất đai" in u["needs"]
    per = res["unused_land_communes"].set_index(["code", "year"])["unused_ha"]
    assert per[("c1", 2024)] == 0 and per[("c2", 2024)] == pytest.approx(20.0)


def test_communes_above_the_high_share_and_their_population():
    res = IndicatorResults()
    res.tables["hazard_landslide_communes"] = pd.DataFrame({
        "code": list("abcde"), "exposed_pct": [9.99, 10.0, 35.0, np.nan, 50.0],
        "population": [100.0, 200.0, 300.0, 400.0, np.nan]})
    r = read_measures(res)
    # b, c and e reach 10 %; d has no elevation data: at least 3 communes
    assert r["landslide_communes"].value == 3 and r["landslide_communes"].lower_bound
    assert r["landslide_communes"].needs == ("dem",)
    # their population: b 200 + c 300; e has none recorded → at least 500, naming both gaps
    p = r["landslide_population"]
    assert p.value == 500 and p.lower_bound and set(p.needs) == {"communes.population", "dem"}
    # no table: unknown, with the layers that would measure it
    assert r["flash_flood_communes"].value is None and r["flash_flood_communes"].needs == ("dem; communes",)
