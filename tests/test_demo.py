"""The demo dataset: deterministic, complete, shaped like the province, and valid."""

import json

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from pyproj import Transformer

from gisplan.catalog import SYNTHETIC_NOTE, load_catalog
from gisplan.cli.main import cli
from gisplan.demo import MANIFEST, build_demo, is_built
from gisplan.demo.geometry import lonlat
from gisplan.io import open_raster, read_catalog_layer


@pytest.fixture(scope="module")
def catalog(demo_small):
    return load_catalog(demo_small)


@pytest.fixture(scope="module")
def layers(catalog):
    return {e.name: read_catalog_layer(catalog, e.name) for e in catalog if catalog.layer_type(e.type).kind == "vector"}


def test_every_catalog_layer_is_built_and_valid(catalog, layers):
    for entry in catalog:
        assert entry.path.exists(), entry.name
        if catalog.layer_type(entry.type).kind == "raster":
            src = open_raster(entry.name, catalog=catalog)
            assert src.crs.to_epsg() == 9213 and src.synthetic
        else:
            gdf = layers[entry.name]
            assert not [i for i in gdf.attrs["gisplan"]["issues"] if i["severity"] == "error"], entry.name
            assert gdf.attrs["gisplan"]["synthetic"]
            assert SYNTHETIC_NOTE in gdf.attrs["gisplan"]["source_note"]


def test_province_and_communes_tile(layers):
    prov = layers["province"].geometry.iloc[0]
    assert prov.area / 1e6 == pytest.approx(8375.21, rel=0.01)
    communes = layers["communes"]
    assert len(communes) == 92
    assert communes.area.sum() == pytest.approx(prov.area, rel=1e-4)
    # no overlaps: the union has the same area as the sum
    assert shapely.union_all(communes.geometry.values).area == pytest.approx(communes.area.sum(), rel=1e-6)
    assert (communes["unit_type"] == "phuong").sum() == 15
    # around 21.3–22.7 N, 105.4–106.3 E
    to_ll = Transformer.from_crs(9213, 4326, always_xy=True)
    lon0, lat0, lon1, lat1 = to_ll.transform_bounds(*prov.bounds)
    assert 105.2 < lon0 < 105.5 and 106.1 < lon1 < 106.45 and 21.2 < lat0 < 21.4 and 22.6 < lat1 < 22.85
    assert communes["name"].str.contains("Hòa|Thủy|Hóa").any()


def test_crosswalk_covers_every_new_unit(layers):
    old, new = layers["communes_pre2025"], layers["communes"]
    assert 230 <= len(old) <= 330
    assert set(old["new_code"]) == set(new["code"])
    assert old["name"].str.contains("Hoà|Thuỷ").any()  # old-style tone placement occurs
    # pieces of each new unit add up to it
    sums = old.assign(a=old.area).groupby("new_code")["a"].sum()
    areas = new.set_index("code").area
    assert np.allclose(sums.loc[areas.index], areas, rtol=1e-6)


def test_protected_areas_are_where_and_as_large_as_the_plan_says(layers):
    pa = layers["protected_areas"]
    expected = {"BABE": (105.62, 22.41, 10_048), "THANSA": (105.98, 21.82, 18_705),
                "KIMHY": (106.05, 22.25, 14_800), "NXL": (105.45, 22.33, 4_155.67)}
    core = pa[pa.zone != "buffer"].dissolve("pa_id")
    for pa_id, (lon, lat, ha) in expected.items():
        geom = core.geometry.loc[pa_id]
        assert geom.area / 1e4 == pytest.approx(ha, rel=0.03), pa_id
        assert geom.centroid.distance(shapely.Point(lonlat(lon, lat))) < 5_000, pa_id
    nxl = pa[pa.pa_id == "NXL"].set_index("zone").area / 1e4
    assert nxl["strict_protection"] == pytest.approx(2552.50, abs=0.5)
    assert nxl["ecological_restoration"] == pytest.approx(1586.12, abs=0.5)
    assert set(pa.category) >= {"national_park", "nature_reserve", "species_habitat_area", "landscape_protection_area"}
    assert pa.approximate.all()


def test_forest_status_years_differ_realistically(layers):
    f20, f24 = layers["forest_status_2020"], layers["forest_status_2024"]
    assert len(f20) > 1_500 and (~f20.meets_criteria.astype(bool)).any()
    common = f20.merge(f24[["parcel_id", "status_code", "meets_criteria"]], on="parcel_id", suffixes=("_20", "_24"))
    assert (common.status_code_20 != common.status_code_24).mean() > 0.02
    lost = common.meets_criteria_20.astype(bool) & ~common.meets_criteria_24.astype(bool)
    assert (common[lost].status_code_24.isin(["DT2", "DT2D", "DT1", "DT1D", "DTR"])).all() and lost.any()
    planted = ~common.meets_criteria_20.astype(bool) & common.status_code_24.eq("DTR") & ~common.status_code_20.eq("DTR")
    assert planted.any()  # new plantations on open land
    assert (f20[f20.purpose == "special_use"].origin == "natural").mean() > 0.7


def test_forest_status_is_delivered_as_an_frms_export(catalog, layers):
    """The demo's lots are what an office has: the Vietnamese FRMS field set in Shapefiles (2020 in
    TCVN3 without .cpg), keyed to the pre-2025 communes, read with no column mapping."""
    import pyogrio

    for name, tcvn3 in (("forest_status_2020", True), ("forest_status_2024", False)):
        entry = catalog.entry(name)
        assert entry.path.suffix == ".shp" and not entry.columns
        assert entry.path.with_suffix(".cpg").exists() is not tcvn3
        raw = pyogrio.read_dataframe(entry.path, read_geometry=False, encoding="latin1" if tcvn3 else None)
        assert {"tk", "khoanh", "lo", "dtich", "ldlr", "maldlr", "malr3", "nggocr", "churung", "maxa"} <= set(raw.columns)
        gdf = layers[name]
        assert gdf.attrs["gisplan"]["schema"]["field_set"] == "frms_vi"
        assert gdf.attrs["gisplan"]["schema"]["numbering"] == "circular33"
        assert (gdf["status_code"].isin(["TXG", "TXB", "TXN", "TXK", "RTG", "DTR", "DT2", "DT1"])).any()
        # keyed to pre-2025 communes: each lot lies in the old commune its maxa names
        old = layers["communes_pre2025"].set_index("code")
        sample = gdf.sample(200, random_state=1)
        inside = [old.geometry[c].contains(p) for c, p in zip(sample["commune_code"],
                                                              sample.geometry.representative_point(), strict=True)]
        assert all(inside)
        if tcvn3:
            assert "tcvn3" in gdf.attrs["gisplan"]["encoding"].values()
            assert gdf["owner"].str.contains("Ban quản lý|Hộ ông|Hộ bà|UBND|Công ty|Cộng đồng").all()


def test_canopy_rasters_follow_the_parcels(catalog, layers):
    src = open_raster("tree_cover_2020", catalog=catalog)
    f20 = layers["forest_status_2020"]
    natural = f20[f20.origin == "natural"].geometry
    with rasterio.open(src.path) as ds:
        data = ds.read(1)
        pts = natural.representative_point()
        rows, cols = rasterio.transform.rowcol(ds.transform, pts.x.to_numpy(), pts.y.to_numpy())
        vals = data[np.asarray(rows), np.asarray(cols)]
        assert np.median(vals[vals != 255]) > 50
        assert (data == 255).any()  # outside the province and a cloud
        assert ds.tags()["gisplan_note"] == SYNTHETIC_NOTE


def test_theme_layers_have_what_indicators_need(layers, catalog):
    mines = layers["mines"]
    ref = catalog.reference_date
    expired_working = mines[(mines.licence_expiry.map(lambda d: d < ref)) & mines.operating]
    assert len(expired_working) >= 3
    assert mines.riverbed.sum() >= 5
    zones = layers["industrial_zones"]
    assert set(zones.zone_type) == {"kcn", "ccn"}
    assert (zones[zones.status == "operating"].wwtp_status != "compliant").any()
    rivers = layers["river_sections"]
    assert {"Sông Cầu", "Sông Công"} <= set(rivers.river_name)
    assert set(rivers.qcvn_class) >= {"A", "B", "C", "D"}
    urban = layers["urban_areas"]
    assert set(urban.urban_class) >= {"I", "II"}
    assert (layers["waste_sites"].needs_remediation).any()
    assert (layers["monitoring_stations"].medium == "air").any()


def test_dem_has_the_relief_of_the_province(catalog, layers):
    """Tam Đảo reaches ~1,500 m and the northern mountains are steep: slopes over 25° exist, so the
    landslide classes are not all low (the first demo DEM had no slope over 25°)."""
    from gisplan.indicators.terrain import terrain_stats

    dem = open_raster("dem", catalog=catalog)
    relief = terrain_stats(dem, layers["protected_areas"], id_column="feature_id").set_index("feature_id")
    assert 1_300 < relief.loc["TAMDAO", "elevation_max_m"] < 1_700  # SRTM inside the province: 1,546 m
    communes = layers["communes"]
    t = terrain_stats(dem, communes, id_column="code").set_index("code")
    north = communes.set_index("code").geometry.centroid.y > communes.geometry.centroid.y.median()
    assert t.loc[north[north].index, "slope_mean_deg"].mean() > 2 * t.loc[north[~north].index, "slope_mean_deg"].mean()
    # at the small demo's 240 m cells, half the communes still have slopes over 25°
    assert (t["steep_pct"] > 0).sum() >= 30
    with rasterio.open(dem.path) as ds:
        z = ds.read(1)
    assert z[z != ds.nodata].min() < 30  # the midland valley floors


@pytest.mark.realdata
@pytest.mark.slow
def test_dem_south_west_is_like_the_real_srtm_tile(layers, real_data):
    """The full-size demo DEM (90 m) over the part of the province the real SRTM tile N21E105
    covers (west of 106° E, south of 22° N) has the real tile's elevations and slopes: slopes by
    the same Horn method on both, after the real tile is warped to the same 90 m grid."""
    from rasterio.features import rasterize
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    from gisplan.demo.dem import make_dem, relief_anchors
    from gisplan.indicators.terrain import slope_deg

    def south_west(shape, transform, province):
        rows, cols = np.indices(shape)
        x, y = rasterio.transform.xy(transform, rows.ravel(), cols.ravel())
        lon, lat = Transformer.from_crs(9213, 4326, always_xy=True).transform(np.asarray(x), np.asarray(y))
        inside = rasterize([(province, 1)], out_shape=shape, transform=transform, fill=0, dtype="uint8").astype(bool)
        return inside & ((lon < 106.0) & (lat < 22.0)).reshape(shape)

    def describe(z, transform, mask):
        s = slope_deg(z.astype(float), 90.0, 90.0)[mask]
        return {"max_m": float(z[mask].max()), "median_slope": float(np.nanmedian(s)),
                "steep_share": float(np.nanmean(s > 25))}

    z, t = make_dem(layers["province"].geometry.iloc[0], layers["river_sections"], 90.0,
                    np.random.default_rng([2030, 9213]), **relief_anchors(layers["protected_areas"]))
    demo = describe(z, t, south_west(z.shape, t, layers["province"].geometry.iloc[0]))
    real_province = gpd.read_file(real_data / "bando2025_thanglequoc" / "thai_nguyen_2025_province.geojson").to_crs(9213)
    with rasterio.open(real_data / "srtm3_n21e105_vvnb" / "N21E105.hgt") as src:
        rt, w, h = calculate_default_transform(src.crs, "EPSG:9213", src.width, src.height, *src.bounds, resolution=90.0)
        zr = np.full((h, w), np.nan, dtype="float32")
        reproject(rasterio.band(src, 1), zr, dst_transform=rt, dst_crs="EPSG:9213", resampling=Resampling.bilinear,
                  src_nodata=src.nodata, dst_nodata=np.nan)
    real = describe(zr, rt, south_west(zr.shape, rt, real_province.geometry.iloc[0]) & np.isfinite(zr))
    # real: 1,546 m, median slope 5.1°, 6.3 % steeper than 25° (the first demo DEM: 0.5 % over the province)
    assert abs(demo["max_m"] - real["max_m"]) < 0.1 * real["max_m"], (demo, real)
    assert abs(demo["median_slope"] - real["median_slope"]) < 1.5, (demo, real)
    assert 0.5 * real["steep_share"] < demo["steep_share"] < 2 * real["steep_share"], (demo, real)


def test_deterministic_and_manifest(tmp_path):
    a = build_demo(tmp_path / "a", size="small", seed=7)
    b = build_demo(tmp_path / "b", size="small", seed=7)
    for name in ("communes.gpkg", "mines.gpkg", "forest_status_2024.shp", "forest_status_2020.shp"):
        ga, gb = gpd.read_file(a / name), gpd.read_file(b / name)
        assert ga.drop(columns="geometry").equals(gb.drop(columns="geometry"))
        assert ga.geometry.geom_equals_exact(gb.geometry, 0).all()
    for name in ("tree_cover_2024.tif", "dem.tif"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    manifest = json.loads((a / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["note"] == SYNTHETIC_NOTE and manifest["counts"]["communes"] == 92
    assert is_built(a, seed=7, size="small") and not is_built(a, seed=8, size="small")
    (a / "mines.gpkg").unlink()
    assert not is_built(a, seed=7, size="small")  # incomplete folder is rebuilt
    build_demo(a, size="small", seed=7)
    assert (a / "mines.gpkg").exists()


def test_demo_command_prints_a_summary(tmp_path):
    res = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "d"), "--size", "small", "--summary-only"])
    assert res.exit_code == 0, res.output
    assert "forest_status_2024" in res.output and "EPSG:9213" in res.output
    assert str(tmp_path / "d") in res.output
    # the layer table fits 100 columns (it was 186 wide): long cells wrap inside their column
    lines = res.output.splitlines()
    start = lines.index("every layer in EPSG:9213") + 1
    table = lines[start:lines.index("", start)]
    assert table[0].split()[:4] == ["layer", "year", "feat.", "measure"] and len(table) > 17
    assert max(map(len, table)) <= 100


def test_demo_command_runs_the_main_job(tmp_path):
    res = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "d"), "--size", "small",
                                   "--reports", str(tmp_path / "reports"), "--site", str(tmp_path / "maps")])
    assert res.exit_code == 0, res.output
    assert "[4/4] publish the interactive maps" in res.output
    assert (tmp_path / "reports" / "gisplan_chi_tieu.xlsx").exists()
    assert (tmp_path / "reports" / "csv" / "forest_cover_communes.csv").exists()
    assert (tmp_path / "maps" / "index.html").exists() and (tmp_path / "maps" / "forest_cover.html").exists()
    assert str((tmp_path / "maps" / "index.html").resolve()) in res.output
