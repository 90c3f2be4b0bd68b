"""Landslide / flash-flood susceptibility: scoring, classes, exposure and success rate worked out
by hand on small grids, D8 accumulation on a tilted valley, and the real SRTM tile."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from pyproj import CRS
from rasterio.transform import from_origin

from gisplan.errors import GisplanWarning, LayerNotFoundError, OptionError
from gisplan.indicators.hazard import (
    Factor,
    SusceptibilityResult,
    event_success_rate,
    exposure_by_unit,
    flow_accumulation,
    load_config,
    susceptibility,
)

X0, Y0 = 500_000.0, 2_400_000.0
CRS9213 = CRS.from_epsg(9213)


def _write(path, z, transform, crs="EPSG:9213"):
    with rasterio.open(path, "w", driver="GTiff", width=z.shape[1], height=z.shape[0], count=1,
                       dtype="float32", crs=crs, transform=transform, nodata=-9999.0) as ds:
        ds.write(z.astype("float32"), 1)
    return path


def test_default_config_documents_classes():
    cfg = load_config()
    assert cfg.labels_vi == ("Rất thấp", "Thấp", "Trung bình", "Cao", "Rất cao")
    assert cfg.exposed_codes == [4, 5]
    assert set(cfg.factors) == {"landslide", "flash_flood"}
    assert cfg.factors["landslide"]["land_cover"].classes["bare"] == 5


def test_factor_scores_by_breaks():
    f = Factor("slope_deg", 1.0, (8, 15, 25, 35), (1, 2, 3, 4, 5))
    got = f.score(np.array([0.0, 7.99, 8.0, 20.0, 34.9, 35.0, 80.0, np.nan]))
    assert got[:-1].tolist() == [1, 1, 2, 3, 4, 5, 5]
    assert np.isnan(got[-1])


def test_bad_weights_are_named(tmp_path):
    with pytest.raises(LayerNotFoundError):
        load_config(tmp_path / "none.toml")
    text = (load_config.__globals__["DEFAULT_WEIGHTS"]).read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("scores = [1, 2, 3, 4, 5]", "scores = [1, 2, 3, 4, 9]", 1), encoding="utf-8")
    with pytest.raises(OptionError, match="landslide.factors.slope_deg.*1 to 5"):
        load_config(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("[classes\n", encoding="utf-8")
    with pytest.raises(OptionError, match="not valid TOML"):
        load_config(broken)


def _only(**factors):
    """A config dict with the given landslide factors only (and a flat flash-flood one)."""
    return {"classes": {"breaks": [1.8, 2.6, 3.4, 4.2],
                        "keys": ["very_low", "low", "moderate", "high", "very_high"]},
            "landslide": {"factors": factors},
            "flash_flood": {"factors": {"slope_deg": {"weight": 1, "breaks": [2, 5, 10, 20],
                                                      "scores": [5, 4, 3, 2, 1]}}}}


def test_steep_plane_is_very_high_flat_is_very_low(tmp_path):
    t = from_origin(X0, Y0, 30, 30)
    cols = np.arange(40) * 30.0
    steep = _write(tmp_path / "steep.tif", np.tile(math.tan(math.radians(40)) * cols, (30, 1)), t)
    flat = _write(tmp_path / "flat.tif", np.full((30, 40), 120.0), t)
    cfg = _only(slope_deg={"weight": 0.35, "breaks": [8, 15, 25, 35], "scores": [1, 2, 3, 4, 5]},
                relief_m={"weight": 0.15, "radius_m": 250, "breaks": [30, 60, 120, 200], "scores": [1, 2, 3, 4, 5]})
    r = susceptibility(steep, weights=cfg, hazards=["landslide"])
    # slope 40° → 5; relief over ±8 cells ≥ 8 × 30 m × tan 40° = 201 m → 5: index 5 everywhere
    assert (r.classes["landslide"] == 5).all()
    r = susceptibility(flat, weights=cfg, hazards=["landslide"])
    assert (r.classes["landslide"] == 1).all()
    assert r.factors["landslide"] == pytest.approx({"slope_deg": 0.7, "relief_m": 0.3})


def test_index_is_weighted_mean_and_missing_factors_renormalised(tmp_path):
    """Slope 20° (score 3) and a river along the west edge: distance 0…1170 m."""
    t = from_origin(X0, Y0, 30, 30)
    z = np.tile(math.tan(math.radians(20)) * np.arange(40) * 30.0, (30, 1))
    dem = _write(tmp_path / "dem.tif", z, t)
    river = gpd.GeoDataFrame(geometry=[shapely.LineString([(X0 + 15, Y0), (X0 + 15, Y0 - 900)])], crs=9213)
    cfg = _only(slope_deg={"weight": 3, "breaks": [8, 15, 25, 35], "scores": [1, 2, 3, 4, 5]},
                river_distance_m={"weight": 1, "breaks": [100, 300, 600, 1000], "scores": [5, 4, 3, 2, 1]},
                land_cover={"weight": 2, "scores": {"bare": 5}})
    r = susceptibility(dem, rivers=river, weights=cfg, hazards=["landslide"])
    assert r.factors["landslide"] == pytest.approx({"slope_deg": 0.75, "river_distance_m": 0.25})
    assert any("land_cover" in n for n in r.notes)
    s = r.score["landslide"][10]
    # column c is c × 30 m from the river's column: score 5 below 100 m (c ≤ 3), 4 to 300 m…
    dist = np.arange(40) * 30.0
    river_score = np.select([dist < 100, dist < 300, dist < 600, dist < 1000], [5, 4, 3, 2], 1)
    expected = (3 * 3 + 1 * river_score) / 4
    assert s[1:-1] == pytest.approx(expected[1:-1])
    assert r.classes["landslide"][10, 1] == 4 and r.classes["landslide"][10, 30] == 3  # 3.5 → high, 2.5 → low+1


def _result(classes: np.ndarray) -> SusceptibilityResult:
    cfg = load_config()
    t = from_origin(X0, Y0, 100, 100)
    return SusceptibilityResult({"landslide": classes, "flash_flood": classes.copy()},
                                {"landslide": classes.astype("float32"), "flash_flood": classes.astype("float32")},
                                t, CRS9213, cfg, {"landslide": {}, "flash_flood": {}})


def test_exposure_by_unit_by_hand():
    """10 × 10 cells of 100 m: west half very low (1), east half very high (5)."""
    cls = np.ones((10, 10), "uint8")
    cls[:, 5:] = 5
    r = _result(cls)
    communes = gpd.GeoDataFrame(
        {"code": ["A", "B", "C"], "name": ["Xã A", "Xã B", "Xã C"], "population": [1000, 40, 10]},
        geometry=[shapely.box(X0, Y0 - 1000, X0 + 1000, Y0),                 # the whole grid
                  shapely.box(X0 + 450, Y0 - 400, X0 + 650, Y0 - 200),       # 50 m west, 150 m east
                  shapely.box(X0 + 900, Y0 - 100, X0 + 1100, Y0)],           # half outside the grid
        crs=9213)
    urban = gpd.GeoDataFrame(geometry=[shapely.box(X0 + 400, Y0 - 1000, X0 + 600, Y0)], crs=9213)
    buildings = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 250, Y0 - 500), shapely.Point(X0 + 750, Y0 - 500),
                                           shapely.box(X0 + 940, Y0 - 60, X0 + 960, Y0 - 40),
                                           shapely.Point(X0 + 1050, Y0 - 50)], crs=9213)
    roads = gpd.GeoDataFrame(geometry=[shapely.LineString([(X0, Y0 - 510), (X0 + 1000, Y0 - 510)])], crs=9213)
    out = exposure_by_unit(r, communes, population=None, urban_areas=urban, buildings=buildings, roads=roads)
    ls = out[out["hazard"] == "landslide"].set_index("code")
    assert ls.loc["A", "area_ha"] == pytest.approx(100)
    assert ls.loc["A", ["very_low_ha", "low_ha", "moderate_ha", "high_ha", "very_high_ha"]].tolist() == \
        pytest.approx([50, 0, 0, 0, 50])
    assert ls.loc["A", "exposed_pct"] == pytest.approx(50)
    assert ls.loc["A", "population_exposed"] == pytest.approx(500)
    assert ls.loc["A", "urban_ha"] == pytest.approx(20) and ls.loc["A", "urban_exposed_ha"] == pytest.approx(10)
    assert ls.loc["A", "buildings"] == 3 and ls.loc["A", "buildings_exposed"] == 2  # the polygon lies in A and C
    assert ls.loc["A", "roads_km"] == pytest.approx(1.0) and ls.loc["A", "roads_exposed_km"] == pytest.approx(0.5)
    assert ls.loc["B", "very_low_ha"] == pytest.approx(1.0) and ls.loc["B", "very_high_ha"] == pytest.approx(3.0)
    assert ls.loc["B", "population_exposed"] == pytest.approx(30)
    # C: half outside → observed 50 %, unknown population exposure and buildings (one building off the grid)
    assert ls.loc["C", "very_high_ha"] == pytest.approx(1.0) and ls.loc["C", "nodata_ha"] == pytest.approx(1.0)
    assert ls.loc["C", "observed_pct"] == pytest.approx(50)
    assert np.isnan(ls.loc["C", "population_exposed"]) and np.isnan(ls.loc["C", "buildings_exposed"])
    assert ls.loc["C", "buildings"] == 2
    # classes plus nodata add up to the commune's area
    parts = ls[[f"{k}_ha" for k in r.config.class_keys] + ["nodata_ha"]].sum(axis=1)
    assert parts.to_numpy() == pytest.approx(ls["area_ha"].to_numpy(), rel=1e-9)
    assert set(out["hazard"]) == {"landslide", "flash_flood"}


def test_exposure_population_table_with_numeric_codes():
    cls = np.full((10, 10), 4, "uint8")
    r = _result(cls)
    communes = gpd.GeoDataFrame({"code": ["01906", "05620"]}, crs=9213,
                                geometry=[shapely.box(X0, Y0 - 500, X0 + 1000, Y0),
                                          shapely.box(X0, Y0 - 1000, X0 + 1000, Y0 - 500)])
    pop = pd.DataFrame({"code": [1906.0, 5620.0], "population": [11773.0, 23543.0]})
    out = exposure_by_unit(r, communes, population=pop, name_column=None)
    ls = out[out["hazard"] == "landslide"]
    assert ls["population_exposed"].tolist() == pytest.approx([11773.0, 23543.0])


def test_event_success_rate_by_hand():
    cls = np.ones((10, 10), "uint8")
    cls[:, 5:] = 5
    r = _result(cls)
    pts = [(X0 + 150, Y0 - 150, "landslide"), (X0 + 250, Y0 - 850, "landslide"),
           (X0 + 650, Y0 - 150, "landslide"), (X0 + 750, Y0 - 350, "landslide"), (X0 + 950, Y0 - 950, "landslide"),
           (X0 + 5000, Y0, "landslide"), (X0 + 650, Y0 - 650, "flood"), (X0 + 50, Y0 - 50, "rockfall")]
    ev = gpd.GeoDataFrame({"event_id": range(len(pts)), "event_type": [p[2] for p in pts]},
                          geometry=[shapely.Point(p[0], p[1]) for p in pts], crs=9213)
    with pytest.warns(GisplanWarning, match="rockfall"):
        rate = event_success_rate(r, ev)
    ls = rate[rate["hazard"] == "landslide"].set_index("class")
    assert ls.loc["very_low", "events"] == 2 and ls.loc["very_high", "events"] == 3
    assert ls.loc["no_data", "events"] == 1
    assert ls.loc["very_high", "events_pct"] == pytest.approx(60)
    assert ls.loc["very_high", "area_pct"] == pytest.approx(50)
    assert ls.loc["very_high", "density_ratio"] == pytest.approx(1.2)
    ff = rate[rate["hazard"] == "flash_flood"].set_index("class")
    assert ff.loc["very_high", "events"] == 1 and ff["events"].sum() == 1


def test_flow_accumulation_tilted_valley():
    """A V-shaped valley falling southwards: every cell drains to the outlet at the bottom centre."""
    rows, cols = np.mgrid[0:31, 0:21]
    z = 0.2 * np.abs(cols - 10) * 30 + 0.05 * (30 - rows) * 30
    acc = flow_accumulation(z.astype(float), from_origin(X0, Y0, 30, 30), CRS9213)
    assert acc[30, 10] == z.size
    assert acc[0, 0] == 1
    # the valley line gathers its own cells plus the slopes above: row r collects (r + 1) rows × 21
    assert acc[:, 10] == pytest.approx((np.arange(31) + 1) * 21)


def test_write_class_rasters(tmp_path):
    cls = np.ones((10, 10), "uint8")
    r = _result(cls)
    paths = r.write(tmp_path / "out")
    with rasterio.open(paths["landslide"]) as ds:
        assert ds.nodata == 0 and ds.crs.to_epsg() == 9213
        assert (ds.read(1) == 1).all()
        assert "not a probability" in ds.tags()["method"]
    from gisplan.errors import OutputExistsError

    with pytest.raises(OutputExistsError):
        r.write(tmp_path / "out")


def test_real_srtm_wards(real_data):
    hgt = real_data / "srtm3_n21e105_vvnb" / "N21E105.hgt"
    wards = real_data / "bando2025_thanglequoc" / "thai_nguyen_2025_wards.gpkg"
    rivers = real_data / "hydroviet_gms" / "gms_rivers_north_vn.gpkg"
    if not (hgt.exists() and wards.exists() and rivers.exists()):
        pytest.skip("SRTM tile, wards or rivers absent")
    gdf = gpd.read_file(wards)
    gdf = gdf.drop(columns="name").rename(columns={"fullName": "name"})
    r = susceptibility(hgt, rivers=gpd.read_file(rivers), area=gdf)
    out = exposure_by_unit(r, gdf)
    for hz in ("landslide", "flash_flood"):
        sub = out[out["hazard"] == hz]
        parts = sub[[f"{k}_ha" for k in r.config.class_keys]].sum(axis=1, min_count=1) + sub["nodata_ha"]
        parts = parts.fillna(sub["nodata_ha"])
        assert (np.abs(parts - sub["area_ha"]) / sub["area_ha"]).max() < 1e-3
        outside = sub["observed_pct"] < 1
        assert outside.any() and sub.loc[outside, "exposed_pct"].isna().all()  # unknown, not 0
    ls = out[out["hazard"] == "landslide"].dropna(subset=["exposed_pct"])
    top = ls.sort_values("exposed_pct", ascending=False)["name"].head(5).tolist()
    assert "Xã La Bằng" in top and "Xã Quân Chu" in top


def test_cli_hazard(tmp_path):
    from click.testing import CliRunner

    from gisplan.cli import terrain as terrain_cli
    from gisplan.cli.main import cli

    if "hazard" not in cli.commands:
        terrain_cli.register(cli)
    t = from_origin(X0, Y0, 30, 30)
    rows, cols = np.mgrid[0:60, 0:60]
    dem = _write(tmp_path / "dem.tif", (0.5 * np.abs(cols - 30) * 30 + 0.05 * (60 - rows) * 30), t)
    communes = tmp_path / "communes.gpkg"
    gpd.GeoDataFrame({"code": ["A", "B"], "name": ["Xã A", "Xã B"], "population": [100, 200]}, crs=9213,
                     geometry=[shapely.box(X0 + 90, Y0 - 1700, X0 + 900, Y0 - 90),
                               shapely.box(X0 + 900, Y0 - 1700, X0 + 1700, Y0 - 90)]).to_file(communes)
    rivers = tmp_path / "rivers.gpkg"
    gpd.GeoDataFrame({"name": ["Suối"]}, geometry=[shapely.LineString([(X0 + 915, Y0), (X0 + 915, Y0 - 1800)])],
                     crs=9213).to_file(rivers)
    events = tmp_path / "events.gpkg"
    gpd.GeoDataFrame({"event_id": ["e1", "e2"], "event_type": ["landslide", "flash_flood"],
                      "date": ["2025-10-07", "2025-10-08"]}, crs=9213,
                     geometry=[shapely.Point(X0 + 300, Y0 - 800), shapely.Point(X0 + 915, Y0 - 1500)]).to_file(events)
    out = tmp_path / "out"
    runner = CliRunner()
    args = ["hazard", "--dem", str(dem), "--communes", str(communes), "--rivers", str(rivers),
            "--events", str(events), "--out", str(out)]
    res = runner.invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert "not a probability" in res.output
    table = pd.read_csv(out / "hazard_by_commune.csv")
    assert set(table["hazard"]) == {"landslide", "flash_flood"}
    assert (out / "landslide_susceptibility.tif").exists() and (out / "event_success_rate.csv").exists()
    rate = pd.read_csv(out / "event_success_rate.csv")
    assert rate["events"].sum() == 2
    # outputs are not overwritten without --overwrite, and the failure is one line
    again = runner.invoke(cli, args)
    assert again.exit_code == 2 and "exists" in again.output and "Traceback" not in again.output
    bad = runner.invoke(cli, args[:-2] + ["--weights", str(tmp_path / "none.toml"), "--out", str(tmp_path / "o2")])
    assert bad.exit_code == 2 and "does not exist" in bad.output


def test_demo_dem_and_event_inventory(demo_small):
    """The demo's DEM has the Tam Đảo range, its events fall mostly in the high classes, and the
    high classes are a real part of the province (the first, flat demo DEM put 0.36 % of the area
    in them, so every recorded slide read as 175 times the density the area alone gives)."""
    from gisplan.catalog import load_catalog
    from gisplan.indicators.terrain import terrain_stats
    from gisplan.io import open_raster, read_catalog_layer

    catalog = load_catalog(demo_small)
    dem = open_raster("dem", catalog=catalog)
    assert dem.crs.to_epsg() == 9213 and dem.nodata == -32768
    pas = read_catalog_layer(catalog, "protected_areas")
    relief = terrain_stats(dem, pas, id_column="feature_id").set_index("feature_id")
    assert relief.loc["TAMDAO", "elevation_max_m"] > 1_200
    communes = read_catalog_layer(catalog, "communes")
    events = read_catalog_layer(catalog, "hazard_events")
    assert set(events["event_type"]) <= {"landslide", "flash_flood", "flood"}
    r = susceptibility(dem, rivers=read_catalog_layer(catalog, "river_sections"),
                       land_cover=catalog.entry("land_cover_2024").path, area=communes)
    rate = event_success_rate(r, events)
    for hz in ("landslide", "flash_flood"):
        high = rate[(rate["hazard"] == hz) & rate["class"].isin(["high", "very_high"])]
        assert high["events_pct"].sum() > 2 * high["area_pct"].sum(), (hz, high)
        assert high["area_pct"].sum() > 1.0, (hz, high)
    out = exposure_by_unit(r, communes)
    # the landslide headline (communes with ≥ 10 % of their area high or very high) is not zero
    assert (out.loc[out["hazard"] == "landslide", "exposed_pct"] >= 10).any()
    parts = out[[f"{k}_ha" for k in r.config.class_keys]].sum(axis=1) + out["nodata_ha"]
    assert (np.abs(parts - out["area_ha"]) / out["area_ha"]).max() < 1e-3


def test_land_cover_and_forest_status_scores(tmp_path):
    """Flat DEM, only the land-cover factor: bare land → very high, natural forest → very low."""
    t = from_origin(X0, Y0, 30, 30)
    dem = _write(tmp_path / "flat.tif", np.full((20, 20), 50.0), t)
    lc = np.full((20, 20), 1, "uint8")
    lc[:, 10:] = 7
    lc_path = tmp_path / "lc.tif"
    with rasterio.open(lc_path, "w", driver="GTiff", width=20, height=20, count=1, dtype="uint8", crs="EPSG:9213",
                       transform=t, nodata=0) as ds:
        ds.write(lc, 1)
    cfg = _only(land_cover={"weight": 1, "scores": {"forest_natural": 1, "bare": 5},
                            "forest_score": 1, "non_forest_score": 4})
    r = susceptibility(dem, land_cover=lc_path, weights=cfg, hazards=["landslide"])
    assert (r.classes["landslide"][:, :10] == 1).all() and (r.classes["landslide"][:, 10:] == 5).all()
    forest = gpd.GeoDataFrame({"meets_criteria": [True, False]}, crs=9213,
                              geometry=[shapely.box(X0, Y0 - 600, X0 + 300, Y0), shapely.box(X0 + 300, Y0 - 600,
                                                                                                X0 + 600, Y0)])
    r = susceptibility(dem, forest_status=forest, weights=cfg, hazards=["landslide"])
    # score 1 (forest meeting the criteria) → very low; 4 elsewhere → high
    assert (r.classes["landslide"][:, :10] == 1).all() and (r.classes["landslide"][:, 10:] == 4).all()


def test_flash_flood_without_pysheds_names_the_extra(tmp_path, monkeypatch):
    import sys

    from gisplan.errors import MissingDependencyError

    t = from_origin(X0, Y0, 30, 30)
    dem = _write(tmp_path / "flat.tif", np.full((20, 20), 50.0), t)
    monkeypatch.setitem(sys.modules, "pysheds", None)
    monkeypatch.setitem(sys.modules, "pysheds.grid", None)
    with pytest.raises(MissingDependencyError, match=r"gisplan\[hazard\]"):
        susceptibility(dem, hazards=["flash_flood"])
    assert susceptibility(dem, hazards=["landslide"]).classes["landslide"].any()


def test_missing_weights_file_is_named(tmp_path):
    with pytest.raises(LayerNotFoundError, match=r"hazard weights file .*nope\.toml does not exist; copy"):
        load_config(tmp_path / "nope.toml")
