"""Terrain and hazard steps of run_indicators: demo catalog, a missing DEM, a constructed DEM."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from gisplan.catalog import load_catalog
from gisplan.indicators import climate_run, hazard
from gisplan.indicators.run import run_indicators
from gisplan.store import LayerStore

CLASSES = ("very_low", "low", "moderate", "high", "very_high")


@pytest.fixture(scope="module")
def demo_results(demo_small):
    store = LayerStore(load_catalog(demo_small))
    return run_indicators(store=store), store


def test_demo_tables_present(demo_results):
    res, store = demo_results
    for name in ("terrain_communes", "hazard_landslide_communes", "hazard_flash_flood_communes",
                 "hazard_events_landslide", "hazard_events_flash_flood"):
        assert name in res.tables, res.skipped.get(name)
    # computed once and kept for the maps
    assert climate_run.DERIVED_KEY in store.derived


def test_roads_are_exposure_not_a_factor_of_the_index(demo_results):
    """The demo's roads: each commune's road length is the length of the roads inside it (second
    method: the roads cut by each commune with shapely); the index does not use their distance
    (a partial network would lower it far from the mapped roads)."""
    res, store = demo_results
    roads, communes = store.get("roads"), store.get("communes")
    assert len(roads) >= 5
    result = store.derived[climate_run.DERIVED_KEY]["result"]
    assert "road_distance_m" not in result.factors["landslide"]
    t = res.tables["hazard_landslide_communes"].set_index("code")
    lines = shapely.union_all(roads.geometry.to_numpy())
    by_hand = {c: shapely.intersection(g, lines).length / 1e3 for c, g in zip(communes["code"], communes.geometry,
                                                                                strict=True)}
    assert t["roads_km"].to_dict() == pytest.approx(by_hand, abs=1e-6)
    known = t["roads_exposed_km"].notna()
    assert known.any() and (t.loc[known, "roads_exposed_km"] <= t.loc[known, "roads_km"] + 1e-9).all()


def test_class_areas_add_up_to_commune_area(demo_results):
    res, store = demo_results
    communes = store.get("communes").set_index("code")
    for hz in hazard.HAZARDS:
        t = res.tables[f"hazard_{hz}_communes"].set_index("code")
        # the commune's own area, measured here from its polygon
        area_ha = shapely.area(communes.loc[t.index].geometry.values) / 1e4
        total = t[[f"{k}_ha" for k in CLASSES]].sum(axis=1).to_numpy() + t["nodata_ha"].to_numpy()
        np.testing.assert_allclose(total, area_ha, rtol=1e-3)


def test_headline_counts_communes(demo_results):
    res, _ = demo_results
    t = res.tables["hazard_landslide_communes"]
    share = (t["high_ha"] + t["very_high_ha"]) / t["area_ha"] * 100
    expected = float((share >= 10).sum()) if t["observed_ok"].all() else np.nan
    got = res.headline[climate_run.HEADLINE]
    if np.isnan(expected):
        assert np.isnan(got)
    else:
        assert got == expected


def test_no_dem_skipped_with_vietnamese_reason(demo_small, tmp_path):
    text = demo_small.read_text(encoding="utf-8")
    start = text.index("[layers.dem]")
    end = text.index("[layers.hazard_events]")
    cat = tmp_path / "catalog.toml"
    cat.write_text(text[:start] + text[end:], encoding="utf-8")
    res = run_indicators(load_catalog(cat), tables=list(climate_run.TABLES))
    assert np.isnan(res.headline[climate_run.HEADLINE])  # unknown, not 0
    assert not set(res.tables) & set(climate_run.TABLES)
    for name in climate_run.TABLES:
        assert "DEM" in res.skipped_vi[name] and "dem" in res.skipped[name]


def _constructed(tmp_path):
    """A 10 × 10 grid of 100 m cells in EPSG:9213: a flat western half and a 45° eastern slope."""
    x0, y1 = 500_000.0, 2_400_000.0
    z = np.zeros((10, 10), "float32")
    z[:, 5:] = (np.arange(5) + 1)[None, :] * 100.0  # +100 m per 100 m cell eastwards
    path = tmp_path / "dem.tif"
    with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32",
                       crs="EPSG:9213", transform=from_origin(x0, y1, 100, 100), nodata=-32768) as ds:
        ds.write(z, 1)
    communes = gpd.GeoDataFrame(
        {"code": ["W", "E"], "name": ["Tây", "Đông"]},
        geometry=[shapely.box(x0 + 100, y1 - 900, x0 + 400, y1 - 100),
                  shapely.box(x0 + 600, y1 - 900, x0 + 900, y1 - 100)], crs="EPSG:9213")
    return path, communes


def test_constructed_dem_slope_classes(tmp_path):
    path, communes = _constructed(tmp_path)
    weights = {"classes": {"breaks": [1.5, 2.5, 3.5, 4.5], "keys": list(CLASSES)},
               "landslide": {"factors": {"slope_deg": {"weight": 1, "breaks": [5, 15, 25, 35],
                                                        "scores": [1, 2, 3, 4, 5]}}},
               "flash_flood": {"factors": {"slope_deg": {"weight": 1, "breaks": [5, 15, 25, 35],
                                                          "scores": [5, 4, 3, 2, 1]}}}}
    res = hazard.susceptibility(path, weights=weights, hazards=("landslide",), margin_m=0)
    t = hazard.exposure_by_unit(res, communes, population=None)
    t = t.set_index("code")
    # by hand: the western box (cells 1–3 of a flat half, Horn's 3×3 window never reaches the
    # slope) is flat → score 1 → very low over its 24 ha; the eastern box (cells 6–8) lies on a
    # 45° plane → score 5 → very high over 24 ha.
    assert t.loc["W", "area_ha"] == pytest.approx(24.0)
    assert t.loc["W", "very_low_ha"] == pytest.approx(24.0)
    assert t.loc["E", "very_high_ha"] == pytest.approx(24.0)
    assert t.loc["E", "exposed_pct"] == pytest.approx(100.0)
    assert t.loc["W", "exposed_pct"] == pytest.approx(0.0)
    # the headline rule: one commune with ≥ 10 % in high + very high
    assert climate_run.high_share_count(t.reset_index()) == 1.0
    t2 = t.reset_index().copy()
    t2.loc[0, "exposed_pct"] = np.nan
    assert np.isnan(climate_run.high_share_count(t2))


def test_without_pysheds_flash_flood_skipped_naming_the_extra(demo_small, monkeypatch):
    from gisplan.errors import MissingDependencyError

    real = hazard.susceptibility

    def no_pysheds(dem, *, hazards=hazard.HAZARDS, **kw):
        if "flash_flood" in hazards:
            raise MissingDependencyError('pysheds is not installed; pip install "gisplan[hazard]"')
        return real(dem, hazards=hazards, **kw)

    monkeypatch.setattr(hazard, "susceptibility", no_pysheds)
    store = LayerStore(load_catalog(demo_small))
    res = run_indicators(store=store, tables=["hazard_landslide_communes", "hazard_flash_flood_communes",
                                              "hazard_events_flash_flood"])
    assert len(res["hazard_landslide_communes"]) == len(store.get("communes"))
    assert set(res.grids["susceptibility"].classes) == {"landslide"}  # what the maps draw
    for name in ("hazard_flash_flood_communes", "hazard_events_flash_flood"):
        assert name not in res.tables
        assert "gisplan[hazard]" in res.skipped[name] and "gisplan[hazard]" in res.skipped_vi[name]


@pytest.mark.parametrize("crs, unit", [("EPSG:2263", "US survey foot"), ("EPSG:4326", "degrees")])
def test_exposure_refuses_a_grid_not_in_metres(crs, unit):
    """Class areas are cell counts × cell size: a grid in feet or degrees would give wrong
    hectares, so it is refused by name (``susceptibility`` always builds a grid in metres)."""
    from pyproj import CRS
    from rasterio.transform import from_origin as origin

    from gisplan.errors import CRSError
    from gisplan.indicators.hazard_config import load_config

    classes = np.full((4, 4), 5, dtype="uint8")
    result = hazard.SusceptibilityResult({"landslide": classes}, {"landslide": classes.astype(float)},
                                         origin(0, 400, 100, 100), CRS.from_user_input(crs), load_config(),
                                         {"landslide": {}})
    communes = gpd.GeoDataFrame({"code": ["1"], "name": ["Xã"]}, geometry=[shapely.box(0, 0, 400, 400)], crs=crs)
    with pytest.raises(CRSError, match=f"susceptibility grid \\(exposure_by_unit\\) is in .*{unit}"):
        hazard.exposure_by_unit(result, communes)
