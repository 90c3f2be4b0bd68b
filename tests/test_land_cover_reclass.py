"""Land-cover rasters coded with another legend (IGBP, a national legend): the catalog's
``reclass`` maps the file's codes to the land_cover classes; a file whose codes are not the
type's classes, without a reclass, is an error naming the codes — never read as the wrong classes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from gisplan.catalog import load_catalog
from gisplan.errors import CatalogError, SchemaError
from gisplan.indicators.hazard_config import load_config
from gisplan.indicators.hazard_factors import land_cover_score
from gisplan.indicators.run import run_indicators
from gisplan.io import open_raster

# IGBP (MODIS MCD12) -> layers/types.toml land_cover: 1 forest_natural, 3 shrub, 4 cropland,
# 5 built_up, 6 water, 7 bare; 15 (snow) no data
IGBP = ('reclass = { 0 = 6, "1-5" = 1, "6-10" = 3, 11 = 6, 12 = 4, 13 = 5, 14 = 4, 15 = 0, 16 = 7 }\n')
X0, Y0, PX = 430_000.0, 2_381_000.0, 100.0  # 100 m pixels: one pixel is 1 ha, above the 0.3 ha rule


def _igbp_raster(path, nodata=255):
    """10 × 20 pixels in EPSG:9213. Left half (commune A): 40 pixels of evergreen broadleaf
    forest (2), 10 of mixed forest (5), 30 of woody savanna (8), 20 of water (0). Right half
    (commune B): 100 of cropland (12)."""
    codes = np.full((10, 20), 12, np.uint8)
    left = np.array([2] * 40 + [5] * 10 + [8] * 30 + [0] * 20, np.uint8).reshape(10, 10)
    codes[:, :10] = left
    with rasterio.open(path, "w", driver="GTiff", width=20, height=10, count=1, dtype="uint8", crs="EPSG:9213",
                       transform=from_origin(X0, Y0, PX, PX), nodata=nodata) as ds:
        ds.write(codes, 1)
    return codes


def _catalog(folder, reclass: str = IGBP):
    _igbp_raster(folder / "igbp.tif")
    boxes = [shapely.box(X0, Y0 - 1000, X0 + 1000, Y0), shapely.box(X0 + 1000, Y0 - 1000, X0 + 2000, Y0)]
    gpd.GeoDataFrame({"code": ["A", "B"], "name": ["Xã A", "Xã B"], "unit_type": ["xa", "xa"]},
                     geometry=boxes, crs=9213).to_file(folder / "communes.gpkg")
    (folder / "catalog.toml").write_text(
        '[layers.communes]\ntype = "communes"\npath = "communes.gpkg"\n\n'
        '[layers.land_cover]\ntype = "land_cover"\npath = "igbp.tif"\nyear = 2019\n' + reclass, encoding="utf-8")
    return load_catalog(folder / "catalog.toml")


def test_reclass_gives_the_files_codes_of_each_class(tmp_path):
    src = open_raster("land_cover", catalog=_catalog(tmp_path))
    assert src.source_codes([1, 2]) == [1, 2, 3, 4, 5]  # forest classes -> IGBP forest codes
    assert src.source_codes([6]) == [0, 11]
    assert src.class_of(np.array([0, 2, 8, 12, 13, 15])).tolist() == [6, 1, 3, 4, 5, 0]


def test_codes_of_another_legend_without_reclass_are_an_error_naming_them(tmp_path):
    with pytest.raises(SchemaError, match=r"'land_cover'.*igbp.tif: codes 8, 12 are not land_cover classes"
                                          r".*1 forest_natural.*reclass ="):
        open_raster("land_cover", catalog=_catalog(tmp_path, reclass=""))
    with pytest.raises(SchemaError, match=r"codes 0, 8 are not in the entry's reclass"):
        open_raster("land_cover", catalog=_catalog(tmp_path, reclass='reclass = { "1-5" = 1, 12 = 4 }\n'))


@pytest.mark.parametrize("reclass, message", [
    ('reclass = { 2 = 9 }\n', r"'2' = 9 is not a land_cover class; give one of 1, 2, 3, 4, 5, 6, 7, or 0"),
    ('reclass = { "a-b" = 1 }\n', r"'a-b' is not a code or a range"),
    ('reclass = { "1-5" = 1, 3 = 2 }\n', r"code 3 is mapped twice"),
    ('reclass = 3\n', r"must be a table"),
])
def test_bad_reclass_is_named(tmp_path, reclass, message):
    with pytest.raises(CatalogError, match=r"\[layers.land_cover\]: key 'reclass'.*" + message):
        _catalog(tmp_path, reclass)


def test_reclass_only_on_class_rasters(tmp_path):
    (tmp_path / "c.toml").write_text('[layers.communes]\ntype = "communes"\npath = "x.gpkg"\nreclass = { 1 = 1 }\n',
                                     encoding="utf-8")
    with pytest.raises(CatalogError, match=r"'communes' is not a class raster"):
        load_catalog(tmp_path / "c.toml")


def test_forest_cover_from_a_reclassed_raster_counts_the_files_forest_codes(tmp_path):
    res = run_indicators(_catalog(tmp_path))
    table = res.tables["land_cover_forest_2019"].set_index("code")
    # commune A: 40 + 10 forest pixels of 1 ha over 100 ha; woody savanna (shrub) and water are not forest
    assert table.loc["A", "forest_ha"] == pytest.approx(50.0)
    assert table.loc["A", "forest_pct"] == pytest.approx(50.0)
    assert table.loc["B", "forest_pct"] == pytest.approx(0.0)


def test_hazard_land_cover_scores_follow_the_reclass(tmp_path):
    cat = _catalog(tmp_path)
    src = open_raster("land_cover", catalog=cat)
    factor = load_config().factors["landslide"]["land_cover"]
    scores = land_cover_score(factor, src, None, (10, 20), from_origin(X0, Y0, PX, PX), src.crs)
    codes = _igbp_raster(tmp_path / "again.tif")
    expected = {2: "forest_natural", 5: "forest_natural", 8: "shrub", 0: "water", 12: "cropland"}
    for code, name in expected.items():
        assert np.all(scores[codes == code] == factor.classes[name]), (code, name)


def test_real_modis_igbp_window_reclassed(real_data, tmp_path):
    """The MODIS MCD12C1 2019 window: its SOURCE.md counts 297 pixel centres in the 2025 province,
    IGBP 8 = 134, 2 = 90, 9 = 47, 14 = 15, 12 = 8, 10 = 2, 13 = 1."""
    folder = real_data / "modis_mcd12c1_2019_igbp"
    (tmp_path / "c.toml").write_text(
        f'[catalog]\nbase = "{folder.as_posix()}"\n[layers.land_cover]\ntype = "land_cover"\n'
        f'path = "mcd12c1_2019_igbp_thai_nguyen_window.tif"\n' + IGBP, encoding="utf-8")
    cat = load_catalog(tmp_path / "c.toml")
    with pytest.raises(SchemaError, match=r"codes .*8.* are not land_cover classes"):
        open_raster(folder / "mcd12c1_2019_igbp_thai_nguyen_window.tif", layer_type="land_cover")
    src = open_raster("land_cover", catalog=cat)
    province = gpd.read_file(real_data / "bando2025_thanglequoc" / "thai_nguyen_2025_province.geojson").to_crs(4326)
    with rasterio.open(src.path) as ds:
        codes = ds.read(1)
        rows, cols = np.indices(codes.shape)
        xs, ys = rasterio.transform.xy(ds.transform, rows.ravel(), cols.ravel())
    inside = shapely.contains_xy(province.union_all(), np.asarray(xs), np.asarray(ys))
    classes, counts = np.unique(src.class_of(codes.ravel()[inside]), return_counts=True)
    assert dict(zip(classes.tolist(), counts.tolist(), strict=True)) == {1: 90, 3: 134 + 47 + 2, 4: 15 + 8, 5: 1}
