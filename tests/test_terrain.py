"""Terrain per unit: analytic DEMs (planes, a cone, a plane in degrees) and exactextract."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from gisplan.errors import DataMissingError, GisplanWarning, OptionError, SchemaError
from gisplan.indicators.terrain import degree_lengths_m, slope_deg, terrain_stats

RES = 30.0
X0, Y0 = 500_000.0, 2_400_000.0  # top-left corner, EPSG:9213


def _write(path, z, transform, crs="EPSG:9213", nodata=-9999.0):
    with rasterio.open(path, "w", driver="GTiff", width=z.shape[1], height=z.shape[0], count=1,
                       dtype="float32", crs=crs, transform=transform, nodata=nodata,
                       tiled=True, blockxsize=64, blockysize=64) as ds:
        ds.write(z.astype("float32"), 1)
    return path


def _centres(shape, transform):
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    return transform.c + (cols + 0.5) * transform.a, transform.f + (rows + 0.5) * transform.e


def _zones(boxes, crs="EPSG:9213"):
    return gpd.GeoDataFrame({"code": [f"Z{i}" for i in range(len(boxes))]},
                            geometry=[shapely.box(*b) for b in boxes], crs=crs)


def test_plane_slope_and_mean(tmp_path):
    a, b = 0.3, -0.4  # |gradient| 0.5 → atan(0.5) = 26.565°
    t = from_origin(X0, Y0, RES, RES)
    x, y = _centres((100, 120), t)
    path = _write(tmp_path / "plane.tif", 100 + a * (x - X0) + b * (y - Y0), t)
    # zone fully inside, edges off the grid lines; mean of a plane over a box = value at its centre
    bx = (X0 + 200.5, Y0 - 2500.2, X0 + 1700.7, Y0 - 400.9)
    out = terrain_stats(path, _zones([bx]), id_column="code")
    cx, cy = (bx[0] + bx[2]) / 2, (bx[1] + bx[3]) / 2
    row = out.iloc[0]
    assert row["slope_mean_deg"] == pytest.approx(math.degrees(math.atan(0.5)), abs=1e-4)
    assert row["steep_pct"] == pytest.approx(100.0)
    assert row["elevation_mean_m"] == pytest.approx(100 + a * (cx - X0) + b * (cy - Y0), abs=0.01)
    assert row["area_ha"] == pytest.approx(1500.2 * 2099.3 / 1e4)
    assert row["observed_pct"] == pytest.approx(100.0)
    assert bool(row["observed_ok"])


def test_cone_and_steep_threshold(tmp_path):
    t = from_origin(X0, Y0, RES, RES)
    x, y = _centres((200, 200), t)
    cx, cy = X0 + 3000, Y0 - 3000
    r = np.hypot(x - cx, y - cy)
    k = math.tan(math.radians(20))
    path = _write(tmp_path / "cone.tif", 1500 - k * r, t)
    ring = gpd.GeoDataFrame({"code": ["ring"]}, crs="EPSG:9213",
                            geometry=[shapely.Point(cx, cy).buffer(2500).difference(shapely.Point(cx, cy).buffer(500))])
    out = terrain_stats(path, ring, id_column="code")
    assert out.loc[0, "slope_mean_deg"] == pytest.approx(20.0, abs=0.05)
    assert out.loc[0, "steep_pct"] == pytest.approx(0.0)
    out15 = terrain_stats(path, ring, id_column="code", steep_deg=15)
    assert out15.loc[0, "steep_pct"] == pytest.approx(100.0)
    # peak: the highest cell the disc touches (the apex cell centre lies 21.2 m from the apex)
    peak = gpd.GeoDataFrame({"code": ["p"]}, geometry=[shapely.Point(cx, cy).buffer(100)], crs="EPSG:9213")
    assert terrain_stats(path, peak, id_column="code").loc[0, "elevation_max_m"] == pytest.approx(
        1500 - k * math.hypot(15, 15), abs=0.01)


def test_two_slopes_share(tmp_path):
    """West half 30°, east half 10° (each a plane in y); a zone spanning 1/4 west, 3/4 east."""
    t = from_origin(X0, Y0, RES, RES)
    x, y = _centres((100, 100), t)
    west = x < X0 + 1500
    # 1,800 m at the north edge, falling southwards: inside the dem type's plausible range
    z = 1800 + np.where(west, math.tan(math.radians(30)), math.tan(math.radians(10))) * (y - Y0)
    path = _write(tmp_path / "two.tif", z, t)
    # the columns on either side of x = X0 + 1500 mix both planes in Horn's kernel: stay 2 cells off
    zones = _zones([(X0 + 300, Y0 - 2000, X0 + 1440, Y0 - 500), (X0 + 1560, Y0 - 2000, X0 + 2700, Y0 - 500)])
    out = terrain_stats(path, zones, id_column="code")
    assert out["slope_mean_deg"].tolist() == pytest.approx([30.0, 10.0], abs=1e-4)
    assert out["steep_pct"].tolist() == pytest.approx([100.0, 0.0])


def test_plane_in_degrees_is_measured_in_metres(tmp_path):
    """A 20° plane written in EPSG:4326 (SRTM-like 3″ cells): slope in metres, not in degrees.
    The tile is 0.05° (about 5.5 km) wide, so the plane's relief (about 2.7 km) stays within the
    plausible elevations of a DEM."""
    res = 3 / 3600
    lon0, lat0 = 105.5, 21.8
    t = from_origin(lon0, lat0, res, res)
    lon, lat = _centres((60, 60), t)
    lon_m, lat_m = degree_lengths_m(lat, 6378137.0, 6356752.314245179)
    k = math.tan(math.radians(20))
    east = (lon - lon0) * lon_m  # local metres eastwards at each cell's latitude
    north = (lat - lat0) * lat_m
    z = 100 + k * (0.6 * east + 0.8 * (north - north.min()))
    path = _write(tmp_path / "deg.tif", z, t, crs="EPSG:4326")
    zone = _zones([(lon0 + 0.01, lat0 - 0.04, lon0 + 0.04, lat0 - 0.01)], crs="EPSG:4326").to_crs(9213)
    out = terrain_stats(path, zone, id_column="code")
    assert out.loc[0, "slope_mean_deg"] == pytest.approx(20.0, abs=0.1)
    # area on the ellipsoid ≈ the planar VN-2000 area (scale factor 0.9999 near 106.5°E: < 0.1 %)
    assert out.loc[0, "area_ha"] == pytest.approx(zone.area.iloc[0] / 1e4, rel=2e-3)


def test_slope_function_plane():
    y, x = np.mgrid[0:10, 0:10] * 10.0
    z = 0.1 * x - 0.2 * y
    s = slope_deg(z, 10.0, 10.0)
    assert np.isnan(s[0]).all() and np.isnan(s[:, -1]).all()
    assert s[1:-1, 1:-1] == pytest.approx(np.full((8, 8), math.degrees(math.atan(math.hypot(0.1, 0.2)))))


def test_mean_elevation_matches_exactextract(tmp_path):
    exactextract = pytest.importorskip("exactextract")
    rng = np.random.default_rng(5)
    t = from_origin(X0, Y0, RES, RES)
    z = rng.uniform(50, 1500, (90, 80))
    path = _write(tmp_path / "rough.tif", z, t)
    zones = gpd.GeoDataFrame({"code": ["a", "b", "c"]}, crs="EPSG:9213", geometry=[
        shapely.Point(X0 + 700, Y0 - 800).buffer(450),
        shapely.Polygon([(X0 + 1000, Y0 - 300), (X0 + 2300, Y0 - 700), (X0 + 1600, Y0 - 2400)]),
        shapely.box(X0 + 100.3, Y0 - 2600.6, X0 + 900.1, Y0 - 1700.2)])
    ours = terrain_stats(path, zones, id_column="code")
    ee = exactextract.exact_extract(str(path), zones, ["mean", "max"], include_cols=["code"], output="pandas")
    assert ours["elevation_mean_m"].to_numpy() == pytest.approx(ee["mean"].to_numpy(), abs=0.5)
    assert ours["elevation_max_m"].to_numpy() == pytest.approx(ee["max"].to_numpy(), abs=1e-3)


def test_nodata_and_outside_are_nan_not_zero(tmp_path):
    t = from_origin(X0, Y0, RES, RES)
    z = np.full((50, 50), 300.0)
    z[:, 25:] = -9999.0  # east half nodata
    path = _write(tmp_path / "half.tif", z, t)
    zones = _zones([(X0 + 100, Y0 - 1400, X0 + 600, Y0 - 100),      # west, all observed
                    (X0 + 400, Y0 - 1400, X0 + 1200, Y0 - 100),     # 350/800 observed
                    (X0 + 5000, Y0 - 1400, X0 + 6000, Y0 - 100)])   # off the raster
    with pytest.warns(GisplanWarning, match="2 of 3 zones"):
        out = terrain_stats(path, zones, id_column="code")
    assert out.loc[0, "elevation_mean_m"] == pytest.approx(300.0)
    assert out.loc[0, "slope_mean_deg"] == pytest.approx(0.0)
    assert out.loc[1, "observed_pct"] == pytest.approx(350 / 800 * 100)
    assert out.loc[2, "observed_pct"] == pytest.approx(0.0)
    for col in ("elevation_mean_m", "elevation_max_m", "slope_mean_deg", "steep_pct"):
        assert np.isnan(out.loc[1, col]) and np.isnan(out.loc[2, col])
    assert out["observed_ok"].tolist() == [True, False, False]


def test_errors(tmp_path):
    t = from_origin(X0, Y0, RES, RES)
    path = _write(tmp_path / "flat.tif", np.zeros((20, 20)), t)
    with pytest.raises(DataMissingError, match="covers none"):
        terrain_stats(path, _zones([(0, 0, 10, 10)]), id_column="code")
    with pytest.raises(SchemaError, match="no column"):
        terrain_stats(path, _zones([(X0, Y0 - 100, X0 + 100, Y0)]), id_column="ma")
    with pytest.raises(OptionError, match="steep_deg"):
        terrain_stats(path, _zones([(X0, Y0 - 100, X0 + 100, Y0)]), id_column="code", steep_deg=95)


def test_real_srtm_wards(real_data):
    hgt = real_data / "srtm3_n21e105_vvnb" / "N21E105.hgt"
    wards = real_data / "bando2025_thanglequoc" / "thai_nguyen_2025_wards.gpkg"
    if not hgt.exists() or not wards.exists():
        pytest.skip("SRTM tile or wards file absent")
    gdf = gpd.read_file(wards)
    gdf = gdf.drop(columns="name").rename(columns={"fullName": "name"})
    with pytest.warns(GisplanWarning, match="observed"):
        out = terrain_stats(hgt, gdf, id_column="code")
    out["name"] = gdf["name"].to_numpy()
    inside = out["observed_pct"] > 99.9
    outside = out["observed_pct"] < 1
    assert outside.any() and inside.sum() > 30
    assert out.loc[outside, "elevation_mean_m"].isna().all()  # unknown, not 0
    # SOURCE.md: 1,546 m inside the province; cells touching a ward's edge may reach a little higher
    assert 1546 <= out["elevation_max_m"].max() < 1600
    # the Tam Đảo range: La Bằng has the largest share steeper than 25°, Quân Chu is in the top five
    by_steep = out.sort_values("steep_pct", ascending=False)["name"].head(5).tolist()
    assert by_steep[0] == "Xã La Bằng" and "Xã Quân Chu" in by_steep


def _cli():
    from gisplan.cli import terrain as terrain_cli
    from gisplan.cli.main import cli

    if "terrain" not in cli.commands:
        terrain_cli.register(cli)
    return cli


def test_cli_terrain(tmp_path):
    from click.testing import CliRunner

    t = from_origin(X0, Y0, RES, RES)
    x, y = _centres((60, 60), t)
    dem = _write(tmp_path / "dem.tif", 0.5 * (x - X0), t)  # 26.57° everywhere
    zones = tmp_path / "zones.gpkg"
    _zones([(X0 + 100, Y0 - 1000, X0 + 900, Y0 - 100)]).to_file(zones)
    out = tmp_path / "terrain.csv"
    runner = CliRunner()
    res = runner.invoke(_cli(), ["terrain", "--dem", str(dem), "--zones", str(zones), "--id-column", "code",
                                 "--out", str(out)])
    assert res.exit_code == 0, res.output
    import pandas as pd

    table = pd.read_csv(out)
    assert table.loc[0, "steep_pct"] == pytest.approx(100.0)
    # an existing output is not overwritten; an input is never an output; bad options are one line
    again = runner.invoke(_cli(), ["terrain", "--dem", str(dem), "--zones", str(zones), "--id-column", "code",
                                   "--out", str(out)])
    assert again.exit_code != 0 and "Traceback" not in again.output
    onto = runner.invoke(_cli(), ["terrain", "--dem", str(dem), "--zones", str(zones), "--id-column", "code",
                                  "--out", str(dem.with_suffix(".csv")), "--steep-deg", "120"])
    assert onto.exit_code == 2 and "steep_deg" in onto.output
    missing = runner.invoke(_cli(), ["terrain", "--dem", str(tmp_path / "none.tif"), "--zones", str(zones),
                                     "--id-column", "code", "--out", str(tmp_path / "x.csv")])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_only_the_zones_window_is_read(tmp_path, monkeypatch):
    t = from_origin(X0, Y0, RES, RES)
    path = _write(tmp_path / "big.tif", np.zeros((1500, 1500)), t)
    windows = []
    real_read = rasterio.io.DatasetReader.read

    def spy(self, *args, **kwargs):
        windows.append(kwargs.get("window"))
        return real_read(self, *args, **kwargs)

    monkeypatch.setattr(rasterio.io.DatasetReader, "read", spy)
    terrain_stats(path, _zones([(X0 + 30_000, Y0 - 30_300, X0 + 30_300, Y0 - 30_000)]), id_column="code")
    assert windows and all(w is not None and w.width * w.height <= 14 * 14 for w in windows)


def test_real_srtm_mean_matches_exactextract(real_data):
    exactextract = pytest.importorskip("exactextract")
    hgt = real_data / "srtm3_n21e105_vvnb" / "N21E105.hgt"
    wards = real_data / "bando2025_thanglequoc" / "thai_nguyen_2025_wards.gpkg"
    if not hgt.exists() or not wards.exists():
        pytest.skip("SRTM tile or wards file absent")
    gdf = gpd.read_file(wards)
    gdf = gdf[gdf["fullName"].isin(["Xã La Bằng", "Xã Quân Chu", "Xã Đại Phúc", "Phường Phan Đình Phùng"])]
    # exactextract 0.3 stops on near-duplicate vertices of these polygons: snap both to 1e-7°
    gdf = gdf.set_geometry(shapely.set_precision(gdf.geometry.values, 1e-7))
    ours = terrain_stats(hgt, gdf, id_column="code").set_index("code")
    ee = exactextract.exact_extract(str(hgt), gdf.to_crs(4326), ["mean"], include_cols=["code"],
                                    output="pandas").set_index("code")
    assert len(ee) == 4
    assert ours.loc[ee.index, "elevation_mean_m"].to_numpy() == pytest.approx(ee["mean"].to_numpy(), abs=0.5)
