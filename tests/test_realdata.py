"""Real public data beside the repository (../shared/data/real); skipped when it is absent."""

import numpy as np
import pandas as pd
import pytest
import shapely

from gisplan.crosswalk import build_crosswalk
from gisplan.errors import RepairWarning
from gisplan.io import open_raster, read_layer

pytestmark = pytest.mark.realdata


def test_2025_communes_and_province(real_data):
    wards = read_layer(real_data / "bando2025_thanglequoc" / "thai_nguyen_2025_wards.gpkg",
                       layer_type="communes", columns={"fullName": "name", "name": "short_name"})
    assert len(wards) == 92
    assert wards.crs.to_epsg() == 9213
    assert (wards.unit_type == "xa").sum() == 77 and (wards.unit_type == "phuong").sum() == 15
    total_km2 = wards.area.sum() / 1e6
    assert total_km2 == pytest.approx(8375.21, rel=0.005)
    assert wards["area_km2_official"].sum() == pytest.approx(8375.27, abs=0.05)
    prov = read_layer(real_data / "bando2025_thanglequoc" / "thai_nguyen_2025_province.geojson",
                      layer_type="province", columns={"fullName": "name_full"})
    assert prov.area.iloc[0] / 1e6 == pytest.approx(8382.6, rel=0.001)


def test_every_pre2025_commune_finds_its_new_unit(real_data):
    old = read_layer(real_data / "dvhcvn_gso" / "tn_bk_communes_pre2025_gso.csv",
                     layer_type="communes_pre2025")
    assert len(old) == 280
    comp = pd.read_csv(real_data / "bando2025_thanglequoc" / "thai_nguyen_2025_ward_composition.csv", dtype=str)
    new = comp.rename(columns={"new_code": "code", "new_name": "name"})
    cw = build_crosswalk(old, new)
    assert cw.old_code.nunique() == 280
    assert (cw.match_method != "unmatched").all(), cw[cw.match_method == "unmatched"]
    assert len(cw) == 283  # 283 name pieces: a few old units were split between two new ones
    assert cw.attrs["unused"] == []
    assert set(cw.new_code) == set(new.code)


def test_ba_be_ramsar_outline(real_data):
    heritage = read_layer(real_data / "legocity_odv" / "heritage.geojson", layer_type="protected_areas",
                          columns={"Ten": "name", "Kieu_BT": "kind"},
                          defaults={"pa_id": "$name", "feature_id": "$name", "category": "national_park",
                                    "zone": "whole"})
    babe = heritage[heritage["name"] == "Vườn quốc gia Ba Bể"]
    assert len(babe) == 1
    assert babe.area.iloc[0] / 1e6 == pytest.approx(99.4, rel=0.01)


def test_rivers_clipped_to_the_province(real_data):
    import geopandas as gpd

    rivers = gpd.read_file(real_data / "hydroviet_gms" / "gms_rivers_north_vn.gpkg").to_crs(9213)
    prov = read_layer(real_data / "bando2025_thanglequoc" / "thai_nguyen_2025_province.geojson",
                      layer_type="province", columns={"fullName": "name_full"}).geometry.iloc[0]
    cau = rivers[rivers.Sub_Name == "Cau"]
    length = shapely.intersection(cau.geometry.values, prov)
    assert np.sum(shapely.length(length)) / 1e3 == pytest.approx(206.9, rel=0.02)


def test_modis_raster(real_data):
    with pytest.warns(RepairWarning, match="no nodata"):
        src = open_raster(real_data / "modis_aqua2019_aiproject" / "modis_aqua_2019_500m_south_thainguyen.tif")
    assert src.crs.to_epsg() == 4326 and (src.width, src.height) == (248, 116) and src.count == 7
