"""A raster is checked for what it claims to be before a number comes out of it: the same verdict
from ``gisplan forest-cover`` (exit 2, no output), ``gisplan validate --type`` (exit 1),
``open_raster`` (and so the layer store) and the indicator functions."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from click.testing import CliRunner
from rasterio.transform import from_origin

from gisplan.cli.main import cli
from gisplan.errors import CRSError, OptionError, SchemaError
from gisplan.indicators.canopy import forest_change_raster, forest_cover
from gisplan.indicators.terrain import terrain_stats
from gisplan.io import open_raster
from gisplan.io.raster_checks import WHOLE_CELLS, sample_band

X0, Y0, RES = 428_000.0, 2_388_000.0, 30.0


def write(path, data, *, nodata=None, crs="EPSG:9213", transform=None, units=None, tiled=False, colormap=None):
    data = np.asarray(data)
    if data.ndim == 2:
        data = data[None]
    kw = dict(tiled=True, blockxsize=256, blockysize=256) if tiled else {}
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[2], height=data.shape[1], count=data.shape[0],
                       dtype=data.dtype, crs=crs, nodata=nodata, **kw,
                       transform=transform or from_origin(X0, Y0, RES, RES)) as ds:
        ds.write(data)
        if units:
            ds.units = [units] * data.shape[0]
        if colormap:
            ds.write_colormap(1, colormap)
    return path


def zones_file(tmp_path, n_rows, n_cols):
    """Two zones splitting the raster into its left and right halves."""
    half = X0 + n_cols / 2 * RES
    gdf = gpd.GeoDataFrame({"code": ["A", "B"]}, crs=9213, geometry=[
        shapely.box(X0, Y0 - n_rows * RES, half, Y0), shapely.box(half, Y0 - n_rows * RES, X0 + n_cols * RES, Y0)])
    path = tmp_path / "zones.gpkg"
    gdf.to_file(path)
    return path


def cli_run(*args):
    return CliRunner().invoke(cli, [*map(str, args)])


def dem_like(tmp_path):
    """An Int16 DEM of 2–1,236 m (SRTM-like: nodata -32768, a ridge rising to the east)."""
    z = np.linspace(2, 1236, 60 * 80).reshape(60, 80).round().astype("int16")
    z[0, 0] = -32768
    return write(tmp_path / "dem.tif", z, nodata=-32768)


def reflectance(tmp_path):
    """A 7-band surface reflectance composite scaled ×10,000 (MODIS-like), float64, no nodata."""
    rng = np.random.default_rng(1)
    bands = rng.uniform(200, 4500, (7, 40, 40))
    return write(tmp_path / "refl.tif", bands)


def igbp(tmp_path):
    """An IGBP land-cover raster, codes 1–17 (0 water), nodata 255: forest is 1–5."""
    codes = np.arange(40 * 40).reshape(40, 40) % 18
    return write(tmp_path / "igbp.tif", codes.astype("uint8"), nodata=255)


def canopy(tmp_path):
    """A valid canopy raster: left half 80 %, right half canopy 0–9 % and 40 % in turn."""
    data = np.zeros((40, 40), dtype="uint8")
    data[:, :20] = 80
    data[:, 20:] = np.arange(20 * 20).reshape(20, 20).repeat(2, axis=0)[:40] % 10
    data[::2, 20:] = 40
    return write(tmp_path / "canopy.tif", data, nodata=255)


# --- canopy cover ---------------------------------------------------------------------------------
@pytest.mark.parametrize("make, expected", [
    (dem_like, r"dem\.tif \(1 band, GTiff\): int16 values 2–1,236 \(sampled\) look like elevations in metres "
               r"\(a DEM\)"),
    (reflectance, r"refl\.tif has 7 bands; a tree_cover raster .* has one\. Band 1 holds float64 values "
                  r"2\d\d(\.\d+)?–4,\d+.*reflectance"),
    (igbp, r"igbp\.tif \(1 band\): it holds only the codes 0, 1, 2, .*, 17: it looks like a land-cover class "
           r"raster read as canopy cover"),
])
def test_a_raster_that_is_not_canopy_cover_is_refused_by_every_path(tmp_path, make, expected):
    raster = make(tmp_path)
    with rasterio.open(raster) as ds:
        rows, cols = ds.height, ds.width
    zones = zones_file(tmp_path, rows, cols)
    out = tmp_path / "fc.csv"
    res = cli_run("forest-cover", "--raster", raster, "--zones", zones, "--id-column", "code", "--out", out)
    assert res.exit_code == 2, res.output
    error = res.output.strip().splitlines()[-1]
    assert error.startswith("Error: raster ") and str(raster) in error
    assert __import__("re").search(expected, error), error
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [raster.name, "zones.gpkg"])
    # validate gives the same verdict, as an error (exit 1)
    val = cli_run("validate", raster, "--type", "tree_cover")
    assert val.exit_code == 1, val.output
    assert "1 error(s)" in val.output
    assert __import__("re").search(expected, " ".join(val.output.split())), val.output
    # so do open_raster (the layer store's door) and the indicator function
    with pytest.raises(SchemaError, match=expected):
        open_raster(raster, layer_type="tree_cover")
    with pytest.raises(SchemaError, match=expected):
        forest_cover(raster, zones, id_column="code")


def test_a_valid_canopy_raster_passes_and_counts(tmp_path):
    raster = canopy(tmp_path)
    zones = zones_file(tmp_path, 40, 40)
    assert cli_run("validate", raster, "--type", "tree_cover").exit_code == 0
    out = tmp_path / "fc.csv"
    res = cli_run("forest-cover", "--raster", raster, "--zones", zones, "--id-column", "code", "--mmu-ha", "0",
                  "--out", out)
    assert res.exit_code == 0, res.output
    t = __import__("pandas").read_csv(out).set_index("code")
    # A: 40 × 20 px all 80 % → forest; B: the even rows are 40 % (forest), the odd rows 0–9 % (not)
    assert t.loc["A", "forest_ha"] == pytest.approx(800 * 0.09)
    assert t.loc["B", "forest_ha"] == pytest.approx(400 * 0.09)
    assert t.loc["B", "forest_pct"] == pytest.approx(50.0)


def test_class_raster_with_its_forest_classes_named(tmp_path):
    raster = igbp(tmp_path)
    zones = zones_file(tmp_path, 40, 40)
    t = forest_cover(raster, zones, id_column="code", forest_classes=[1, 2, 3, 4, 5], mmu_ha=0)
    codes = np.arange(1600).reshape(40, 40) % 18
    for i, half in enumerate((codes[:, :20], codes[:, 20:])):
        forest = np.isin(half, [1, 2, 3, 4, 5]).sum()
        assert t["forest_ha"].iloc[i] == pytest.approx(forest * 0.09)
    # a continuous raster read with forest classes is refused: its values are not codes
    dem = dem_like(tmp_path)
    with pytest.raises(SchemaError, match=r"dem\.tif \(1 band\): int16 values .* take [\d,]+ distinct values: it "
                                          r"looks like a continuous raster"):
        forest_cover(dem, zones, id_column="code", forest_classes=[1, 2])


def test_fraction_and_colour_table_rasters_are_refused_as_canopy(tmp_path):
    frac = write(tmp_path / "frac.tif", np.linspace(0, 0.9, 400).reshape(20, 20).astype("float32"), nodata=-1)
    with pytest.raises(SchemaError, match=r"frac\.tif .*float32 values 0–0\.9 \(sampled\) look like a 0–1 fraction"):
        open_raster(frac, layer_type="tree_cover")
    data = (np.arange(400).reshape(20, 20) % 101).astype("uint8")  # canopy-like values …
    pal = write(tmp_path / "pal.tif", data, nodata=255, colormap={i: (i, 100, 0, 255) for i in range(101)})
    with pytest.raises(SchemaError, match=r"pal\.tif \(1 band\): it has a colour table"):
        open_raster(pal, layer_type="tree_cover")


def test_a_declared_scale_is_named_in_the_error(tmp_path):
    """A canopy product stored as 0–10,000 with a GDAL scale of 0.01: gisplan reads the values as
    stored, so the error says to unscale it first."""
    path = write(tmp_path / "scaled.tif", (np.arange(400).reshape(20, 20) * 25).astype("uint16"), nodata=65535)
    with rasterio.open(path, "r+") as ds:
        ds.scales = [0.01]
    with pytest.raises(SchemaError, match=r"scaled\.tif \(1 band\): uint16 values 0–9,975 \(sampled\) fall outside "
                                          r"the tree_cover range 0–100 %.*declares scale 0\.01 and offset 0.*"
                                          r"gdal_translate -unscale"):
        open_raster(path, layer_type="tree_cover")


def test_multiband_raster_with_a_band_named(tmp_path):
    """The library may read one band of a stack when it is named; without it, one band is required."""
    stack = np.stack([np.full((20, 20), 5000.0), np.full((20, 20), 60.0)])
    path = write(tmp_path / "stack.tif", stack, nodata=-1)
    zones = zones_file(tmp_path, 20, 20)
    with pytest.raises(SchemaError, match="has 2 bands"):
        forest_cover(path, zones, id_column="code")
    t = forest_cover(path, zones, id_column="code", band=2, mmu_ha=0)
    assert list(t["forest_pct"]) == [100.0, 100.0]
    with pytest.raises(SchemaError, match=r"stack\.tif \(band 1 of 2\): float64 values 5,000 \(sampled\) fall "
                                          r"outside the tree_cover range 0–100 %"):
        forest_cover(path, zones, id_column="code", band=1)
    with pytest.raises(OptionError, match=r"band=3 does not exist in .*stack\.tif, which has 2 band"):
        forest_cover(path, zones, id_column="code", band=3)


def test_forest_change_checks_both_rasters(tmp_path):
    good = canopy(tmp_path)
    dem = write(tmp_path / "dem.tif", np.linspace(2, 1236, 1600).reshape(40, 40).astype("int16"), nodata=-32768)
    zones = zones_file(tmp_path, 40, 40)
    with pytest.raises(SchemaError, match=r"dem\.tif .*look like elevations"):
        forest_change_raster(good, dem, zones, id_column="code")


# --- elevation ------------------------------------------------------------------------------------
def test_dem_checks_units_and_range(tmp_path):
    zones = zones_file(tmp_path, 60, 80)
    ok = dem_like(tmp_path)
    t = terrain_stats(ok, zones, id_column="code")
    assert t["elevation_max_m"].max() == pytest.approx(1236, abs=1)
    z = np.linspace(10, 4050, 60 * 80).reshape(60, 80).astype("float32")  # feet: Fansipan-high and more
    feet = write(tmp_path / "feet.tif", z, nodata=-9999, units="ft")
    with pytest.raises(SchemaError, match=r"feet\.tif \(1 band\): its band declares the unit 'ft', not metres"):
        terrain_stats(feet, zones, id_column="code")
    cm = write(tmp_path / "cm.tif", (z * 30.48).astype("float32"), nodata=-9999)
    with pytest.raises(SchemaError, match=r"cm\.tif \(1 band\): float32 values 304.8–123,444 \(sampled\) fall "
                                          r"outside the dem range -100–3,200 m; a DEM in feet"):
        open_raster(cm, layer_type="dem")
    res = cli_run("validate", cm, "--type", "dem")
    assert res.exit_code == 1 and "fall outside the dem range" in " ".join(res.output.split())


# --- every raster ---------------------------------------------------------------------------------
def test_a_rotated_raster_is_an_error_naming_the_file(tmp_path):
    rotated = Affine.translation(X0, Y0) * Affine.rotation(10) * Affine.scale(RES, -RES)
    path = write(tmp_path / "rot.tif", np.full((20, 20), 50, dtype="uint8"), nodata=255, transform=rotated)
    zones = zones_file(tmp_path, 20, 20)
    with pytest.raises(CRSError, match=r"raster .*rot\.tif: its grid is rotated .*gdalwarp rot\.tif"):
        open_raster(path)
    with pytest.raises(CRSError, match=r"rot\.tif: its grid is rotated"):
        forest_cover(path, zones, id_column="code")
    res = cli_run("forest-cover", "--raster", path, "--zones", zones, "--id-column", "code", "--out",
                  tmp_path / "o.csv")
    assert res.exit_code == 2 and f"raster {path}: its grid is rotated" in res.output


def test_large_rasters_are_sampled_not_read_whole(tmp_path):
    n = 2048
    data = np.zeros((n, n), dtype="uint8")
    path = write(tmp_path / "big.tif", data, nodata=255, tiled=True)
    with rasterio.open(path) as ds:
        samples = sample_band(ds)
    assert n * n > WHOLE_CELLS
    assert samples.size == 25 * 256 * 256  # a 5 × 5 grid of 256 × 256 blocks, not 4 Mi cells


def test_real_srtm_tile_is_not_canopy_cover(real_data, tmp_path):
    hgt = real_data / "srtm3_n21e105_vvnb" / "N21E105.hgt"
    wards = real_data / "bando2025_thanglequoc" / "thai_nguyen_2025_wards.gpkg"
    out = tmp_path / "fc.csv"
    res = cli_run("forest-cover", "--raster", hgt, "--zones", wards, "--id-column", "code", "--out", out)
    assert res.exit_code == 2 and not out.exists()
    assert f"Error: raster {hgt} (1 band, SRTMHGT): int16 values" in res.output
    assert "look like elevations in metres (a DEM)" in res.output
    val = cli_run("validate", hgt, "--type", "tree_cover")
    assert val.exit_code == 1 and "look like elevations in metres (a DEM)" in " ".join(val.output.split())
    # the same tile is a valid DEM
    assert open_raster(hgt, layer_type="dem").count == 1


def test_a_catalog_dem_given_as_tree_cover_stops_the_run_before_any_output(tmp_path):
    """Through the catalog and the layer store (gisplan indicators): exit 2 naming the entry, the
    file and the values, and no report folder written."""
    from _samples import sample_frame

    from gisplan.catalog import load_layer_types

    communes = sample_frame(load_layer_types()["communes"], n=2)  # 1 km boxes from (X0, Y0)
    communes.to_file(tmp_path / "communes.gpkg")
    z = np.linspace(40, 1200, 150 * 150).reshape(150, 150).astype("int16")
    write(tmp_path / "dem.tif", z, nodata=-32768, transform=from_origin(X0 - 500, Y0 + 2500, RES, RES))
    (tmp_path / "catalog.toml").write_text(
        '[catalog]\ntitle = "test"\n\n[layers.communes]\ntype = "communes"\npath = "communes.gpkg"\n\n'
        '[layers.tree_cover_2024]\ntype = "tree_cover"\npath = "dem.tif"\nyear = 2024\n', encoding="utf-8")
    out = tmp_path / "reports"
    res = cli_run("indicators", "--catalog", tmp_path / "catalog.toml", "--out", out, "--no-progress")
    assert res.exit_code == 2, res.output
    assert (f"Error: catalog entry 'tree_cover_2024': raster {tmp_path / 'dem.tif'} (1 band, GTiff): int16 values "
            f"40–1,200 (sampled) look like elevations in metres (a DEM)") in res.output
    assert not out.exists()
