"""Natural-forest conversion between two forest-status years, on parcels built by hand."""

import math

import geopandas as gpd
import pytest
import shapely

from gisplan.indicators.change import forest_conversion

CRS = 9213
UNITS = gpd.GeoDataFrame({"code": ["A", "B"], "name": ["Xã A", "Xã B"]},
                         geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)], crs=CRS)


def parcels(rows):
    return gpd.GeoDataFrame({"parcel_id": [r[0] for r in rows], "origin": [r[1] for r in rows],
                             "purpose": [r[2] for r in rows], "meets_criteria": [r[3] for r in rows]},
                            geometry=[r[4] for r in rows], crs=CRS)


BEFORE = parcels([
    ("n1", "natural", "special_use", True, shapely.box(0, 0, 500, 1000)),      # 50 ha in A
    ("n2", "natural", "production", True, shapely.box(500, 0, 1500, 1000)),    # 50 ha A + 50 ha B
    ("p1", "plantation", "production", True, shapely.box(1500, 0, 2000, 1000)),  # 50 ha in B
])
AFTER = parcels([
    ("n1", "natural", "special_use", True, shapely.box(0, 0, 500, 800)),       # 10 ha lost (A)
    ("q1", "plantation", "production", True, shapely.box(500, 0, 1000, 1000)),  # 50 ha natural → plantation (A)
    # n2's 50 ha in B: no longer forest
    ("p1", "plantation", "production", True, shapely.box(1500, 0, 2000, 1000)),
])
# a buffer zone over x 400–1200: 2 ha of n1's loss (x 400–500, y 800–1000), 20 ha of n2's (x 1000–1200)
BUFFER = gpd.GeoDataFrame({"pa_id": ["KBT1"]}, geometry=[shapely.box(400, 0, 1200, 1000)], crs=CRS)


@pytest.fixture(scope="module")
def table():
    return forest_conversion(BEFORE, AFTER, UNITS, unit_id="code", buffer_zones=BUFFER).set_index("code")


def test_loss_by_origin_and_purpose(table):
    a, b = table.loc["A"], table.loc["B"]
    assert a["natural_before_ha"] == pytest.approx(100) and b["natural_before_ha"] == pytest.approx(50)
    assert a["loss_ha"] == pytest.approx(10) and b["loss_ha"] == pytest.approx(50)
    assert a["loss_natural_special_use_ha"] == pytest.approx(10)
    assert a["loss_in_special_use_ha"] == pytest.approx(10)
    assert b["loss_natural_production_ha"] == pytest.approx(50)
    assert b["loss_plantation_ha"] == pytest.approx(0)
    assert a["loss_natural_production_ha"] == pytest.approx(0)


def test_natural_to_plantation(table):
    assert table.loc["A", "natural_to_plantation_ha"] == pytest.approx(50)
    assert table.loc["B", "natural_to_plantation_ha"] == pytest.approx(0)
    # A: (10 lost + 50 converted) / 100 ha natural; B: 50 / 50
    assert table.loc["A", "natural_loss_pct"] == pytest.approx(60)
    assert table.loc["B", "natural_loss_pct"] == pytest.approx(100)


def test_loss_inside_buffer_zones(table):
    assert table.loc["A", "loss_in_buffer_ha"] == pytest.approx(2)
    assert table.loc["B", "loss_in_buffer_ha"] == pytest.approx(20)
    assert table.loc["B", "loss_natural_in_buffer_ha"] == pytest.approx(20)


def test_no_natural_forest_share_unknown():
    units = gpd.GeoDataFrame({"code": ["C"]}, geometry=[shapely.box(3000, 0, 4000, 1000)], crs=CRS)
    t = forest_conversion(BEFORE, AFTER, units, unit_id="code")
    assert t["loss_ha"].iloc[0] == 0 and math.isnan(t["natural_loss_pct"].iloc[0])
    assert "loss_in_buffer_ha" not in t


def test_run_gives_conversion_and_skips_what_has_no_data():
    from gisplan.indicators.run import run_indicators
    from gisplan.store import LayerStore

    prov = gpd.GeoDataFrame({"code": ["19"], "name": ["Tỉnh"]}, geometry=[shapely.box(0, 0, 2000, 1000)], crs=CRS)
    layers = {"province": prov, "communes": UNITS.assign(unit_type="xa"),
              "forest_status:0": BEFORE.assign(year=2020), "forest_status": AFTER.assign(year=2024)}
    res = run_indicators(store=LayerStore(None, layers=layers), target_values={})
    t = res["forest_conversion_communes"].set_index("code")
    assert t.loc["A", "natural_to_plantation_ha"] == pytest.approx(50)
    assert "loss_in_buffer_ha" not in t  # no protected areas: no buffer zones to look in
    for name in ("forest_conversion_protected_areas", "forest_conversion_buffer_zones", "carbon_protected_areas"):
        assert name in res.skipped and res.skipped_vi[name]
    # carbon: no forest_type / volume_class columns, so no factor matches: unknown, and said so
    c = res["carbon_province"].iloc[0]
    # the latest year: 40 ha (n1) + 50 ha (q1) + 50 ha (p1)
    assert math.isnan(c["carbon_tc"]) and c["no_factor_ha"] == pytest.approx(140)
    assert "estimates" in res.meta["notes"]["carbon_province"][0]
    assert "ước tính" in res.meta["notes_vi"]["carbon_province"][0]
