"""Forest carbon estimates on parcels built by hand (areas and carbon worked out exactly)."""

import math

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from gisplan.errors import CatalogError, DataMissingError
from gisplan.indicators.carbon import (
    assign_factors,
    carbon_by_class,
    carbon_change,
    carbon_stock,
    load_carbon_factors,
)

CRS = 9213
UNITS = gpd.GeoDataFrame({"code": ["A", "B"], "name": ["Xã A", "Xã B"]},
                         geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)], crs=CRS)

# rich natural: 200 × 1.25 × 0.5 = 125 tC/ha; other natural: 100 × 1.2 × 0.5 = 60 tC/ha;
# acacia ≥ 5 years: 40 × 1.25 × 0.5 = 25 tC/ha; younger acacia: no factor
FACTORS = """
[[factor]]
id = "rich"
origin = "natural"
forest_type = ["evergreen_broadleaf"]
volume_class = ["rich"]
agb_t_dm_ha = 200
root_shoot = 0.25
carbon_fraction = 0.5
source = "test rich"

[[factor]]
id = "natural_other"
origin = "natural"
agb_t_dm_ha = 100
root_shoot = 0.2
carbon_fraction = 0.5
source = "test natural"

[[factor]]
id = "acacia"
origin = "plantation"
forest_type = ["plantation_acacia"]
plant_age_min = 5
agb_t_dm_ha = 40
root_shoot = 0.25
carbon_fraction = 0.5
source = "test acacia"
"""


@pytest.fixture
def factors(tmp_path):
    p = tmp_path / "f.toml"
    p.write_text(FACTORS, encoding="utf-8")
    return load_carbon_factors(p)


def parcels(year, plant_year_p2, extra=()):
    rows = [
        # 50 ha rich natural in A
        ("p1", "natural", "evergreen_broadleaf", "rich", True, None, shapely.box(0, 0, 500, 1000)),
        # acacia 100 ha: 50 in A, 50 in B
        ("p2", "plantation", "plantation_acacia", "poor", True, plant_year_p2, shapely.box(500, 0, 1500, 1000)),
        # 50 ha poor natural in B
        ("p3", "natural", "evergreen_broadleaf", "poor", True, None, shapely.box(1500, 0, 2000, 1000)),
        *extra,
    ]
    return gpd.GeoDataFrame(
        {"parcel_id": [r[0] for r in rows], "origin": [r[1] for r in rows], "forest_type": [r[2] for r in rows],
         "volume_class": [r[3] for r in rows], "meets_criteria": [r[4] for r in rows],
         "plant_year": pd.array([r[5] for r in rows], dtype="Int64"), "year": year},
        geometry=[r[6] for r in rows], crs=CRS)


def test_factor_carbon_per_ha(factors):
    assert factors.set_index("factor_id")["carbon_tc_ha"].to_dict() == pytest.approx(
        {"rich": 125.0, "natural_other": 60.0, "acacia": 25.0})


def test_carbon_stock_all_parcels_with_factors(factors):
    t = carbon_stock(parcels(2024, 2015), UNITS, unit_id="code", factors=factors).set_index("code")
    # A: 50 ha × 125 + 50 ha × 25 = 7,500 tC; B: 50 × 25 + 50 × 60 = 4,250 tC
    assert t.loc["A", "carbon_tc"] == pytest.approx(7500)
    assert t.loc["B", "carbon_tc"] == pytest.approx(4250)
    assert t.loc["A", "carbon_tco2e"] == pytest.approx(7500 * 44 / 12)
    assert t.loc["A", "carbon_tc_per_ha"] == pytest.approx(75)
    assert t.loc["B", "no_factor_ha"] == pytest.approx(0)


def test_no_factor_is_unknown_not_zero(factors):
    # acacia planted 2022: 2 years old in 2024, no factor → its carbon is unknown
    t = carbon_stock(parcels(2024, 2022), UNITS, unit_id="code", factors=factors).set_index("code")
    assert math.isnan(t.loc["A", "carbon_tc"]) and math.isnan(t.loc["B", "carbon_tco2e"])
    assert t.loc["A", "carbon_assessed_tc"] == pytest.approx(6250)
    assert t.loc["A", "no_factor_ha"] == pytest.approx(50)
    assert t.loc["B", "assessed_ha"] == pytest.approx(50)


def test_missing_optional_columns_match_only_general_factors(factors):
    p = parcels(2024, 2015).drop(columns=["forest_type", "volume_class", "plant_year"])
    a = assign_factors(p, factors)
    # natural parcels fall back to the general natural factor, the plantation has none
    assert a["factor_id"].isna().tolist() == [False, True, False]
    assert a["factor_id"].iloc[0] == a["factor_id"].iloc[2] == "natural_other"
    assert a["carbon_tc_ha"].isna().tolist() == [False, True, False]


def test_not_meeting_criteria_left_out(factors):
    young = ("p4", "natural", "evergreen_broadleaf", "rich", False, None, shapely.box(0, 0, 100, 100))
    t = carbon_stock(parcels(2024, 2015, [young]), UNITS, unit_id="code", factors=factors).set_index("code")
    assert t.loc["A", "forest_ha"] == pytest.approx(100)


def test_carbon_by_class(factors):
    t = carbon_by_class(parcels(2024, 2022), factors=factors).set_index(["origin", "volume_class"])
    assert t.loc[("natural", "rich"), "carbon_tc"].item() == pytest.approx(6250)
    assert t.loc[("natural", "poor"), "carbon_tc"].item() == pytest.approx(3000)
    assert math.isnan(t.loc[("plantation", "poor"), "carbon_tc"].item())
    assert t.loc[("plantation", "poor"), "area_ha"].item() == pytest.approx(100)


def test_carbon_change(factors):
    before = parcels(2020, 2012)
    after = parcels(2024, 2012)
    after = after[after["parcel_id"] != "p3"]  # 50 ha of poor natural forest lost in B
    t = carbon_change(before, after, UNITS, unit_id="code", factors=factors).set_index("code")
    assert t.loc["A", "carbon_change_tc"] == pytest.approx(0)
    assert t.loc["B", "carbon_change_tc"] == pytest.approx(-3000)
    assert t.loc["B", "carbon_change_tco2e"] == pytest.approx(-11000)


def test_shipped_factors_have_sources():
    f = load_carbon_factors()
    assert len(f) >= 1 and f["source"].str.len().gt(20).all()
    row = f.set_index("factor_id").loc["natural_broadleaf_ipcc_tier1"]
    # IPCC 2006 Table 4.7 / 4.4 / 4.3: 180 t d.m./ha × (1 + 0.24) × 0.47
    assert row["carbon_tc_ha"] == pytest.approx(180 * 1.24 * 0.47)


def test_factor_without_source_refused(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('[[factor]]\nid = "x"\norigin = "natural"\nagb_t_dm_ha = 10\nroot_shoot = 0.2\n'
                 'carbon_fraction = 0.47\n', encoding="utf-8")
    with pytest.raises(CatalogError, match="source"):
        load_carbon_factors(p)


def test_missing_factors_file_is_data_missing(tmp_path):
    with pytest.raises(DataMissingError, match="carbon factors"):
        load_carbon_factors(tmp_path / "none.toml")


def test_demo_forest_status_carries_the_factor_columns(demo_small):
    from gisplan.catalog import load_catalog
    from gisplan.indicators.forest import province_units
    from gisplan.store import LayerStore

    store = LayerStore(load_catalog(demo_small))
    fs = store.get("forest_status")
    assert {"forest_type", "volume_class", "plant_year", "site"} <= set(fs.columns)
    by_class = carbon_by_class(fs)
    prov = carbon_stock(fs, province_units(store.get("province")), unit_id="code").iloc[0]
    # the province (parcels split by its outline) and the classes (whole parcels) agree
    known = by_class[by_class["carbon_tc"].notna()]
    assert prov["carbon_assessed_tc"] == pytest.approx(known["carbon_tc"].sum(), rel=1e-6)
    assert prov["assessed_ha"] + prov["no_factor_ha"] == pytest.approx(prov["forest_ha"])
    assert prov["forest_ha"] == pytest.approx(by_class["area_ha"].sum(), rel=1e-6)
    # plantations have no factor in the shipped file: the province total is unknown, not 0
    assert prov["no_factor_ha"] > 0 and math.isnan(prov["carbon_tc"])


def test_carbon_change_on_the_land_known_in_both_years(factors):
    """By hand: acacia planted 2018 has no factor in 2020 (2 years old) and 25 tC/ha in 2024; the
    50 ha of poor natural forest in B (60 tC/ha) are cleared by 2024 (mapped, not forest: 0 tC)."""
    before = parcels(2020, 2018)
    after = parcels(2024, 2018)
    after.loc[after["parcel_id"] == "p3", "meets_criteria"] = False
    t = carbon_change(before, after, UNITS, unit_id="code", factors=factors).set_index("code")
    # A: only p1 (50 ha × 125 tC/ha) is known in both years; its acacia has no factor in 2020
    assert t.loc["A", "assessed_both_ha"] == pytest.approx(50)
    assert t.loc["A", ["carbon_before_assessed_tc", "carbon_after_assessed_tc"]].tolist() == pytest.approx([6250, 6250])
    assert t.loc["A", "carbon_change_assessed_tc"] == pytest.approx(0)
    # B: the cleared 50 ha lose 3,000 tC (11,000 tCO2e); its acacia is left out
    assert t.loc["B", "assessed_both_ha"] == pytest.approx(50)
    assert t.loc["B", "carbon_change_assessed_tc"] == pytest.approx(-3000)
    assert t.loc["B", "carbon_change_assessed_tco2e"] == pytest.approx(-11000)
    # the totals over all the forest are unknown (acacia without a factor in 2020), never 0
    assert t.loc["A", "no_factor_before_ha"] == pytest.approx(50) and t.loc["A", "no_factor_after_ha"] == 0
    assert t[["carbon_before_tc", "carbon_change_tc"]].isna().all().all()
    # a lot of unknown status in either year is not known: left out
    unknown = after.assign(meets_criteria=after["meets_criteria"].astype("boolean"))
    unknown.loc[unknown["parcel_id"] == "p1", "meets_criteria"] = pd.NA
    t = carbon_change(before, unknown, UNITS, unit_id="code", factors=factors).set_index("code")
    assert t.loc["A", "assessed_both_ha"] == pytest.approx(0) and t.loc["A", "carbon_change_assessed_tc"] == 0


def test_carbon_stock_shows_the_assessed_part_beside_the_rest(factors):
    t = carbon_stock(parcels(2024, 2022), UNITS, unit_id="code", factors=factors).set_index("code")
    # A: 50 ha rich (6,250 tC) assessed, 50 ha young acacia without a factor
    assert t.loc["A", "assessed_pct"] == pytest.approx(50)
    assert t.loc["A", "carbon_assessed_tco2e"] == pytest.approx(6250 * 44 / 12)
    cols = list(t.columns)
    assert cols.index("carbon_assessed_tc") + 3 == cols.index("no_factor_ha") < cols.index("carbon_tc")
