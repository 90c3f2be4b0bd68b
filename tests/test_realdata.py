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
    # the official ward boundaries overlap in four places: warnings (checked below), not errors
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


def test_2025_ward_overlaps_match_a_brute_force_check(real_data):
    wards = read_layer(real_data / "bando2025_thanglequoc" / "thai_nguyen_2025_wards.gpkg",
                       layer_type="communes", columns={"fullName": "name", "name": "short_name"},
                       strict=False)
    issues = wards.attrs["gisplan"]["issues"]
    assert not [i for i in issues if i["severity"] == "error"]
    errors = [i for i in issues if i["code"] == "overlap"]
    assert {i["severity"] for i in errors} == {"warning"}
    reported = {(i["row"], i["message"].split()[1]): float(i["message"].split(" by ")[1].split(" m²")[0].replace(",", ""))
                for i in errors}
    # every pair of the 92 wards, intersected in EPSG:9213
    g = wards.geometry.values
    codes = list(wards["code"])
    expected = {}
    for i in range(len(g)):
        for j in range(i + 1, len(g)):
            area = shapely.intersection(g[i], g[j]).area
            if area > 1.0:
                expected[tuple(sorted((codes[i], codes[j])))] = area
    assert {tuple(sorted(k)) for k in reported} == set(expected)
    for k, m2 in reported.items():
        assert m2 == pytest.approx(expected[tuple(sorted(k))], rel=0.01)
    assert sum(expected.values()) / 1e4 < 1.0  # under 1 ha in all, against 837,521 ha


def test_2025_provinces_contain_thai_nguyen(real_data):
    provinces = read_layer(real_data / "bando2025_thanglequoc" / "vnm_provinces_2025_34.gpkg",
                           layer_type="province")
    assert len(provinces) == 34 and provinces["code"].is_unique
    assert provinces.crs.to_epsg() == 9213
    tn = provinces[provinces["code"] == "19"]
    assert list(tn["name"]) == ["Thái Nguyên"]
    assert tn.area.iloc[0] / 1e6 == pytest.approx(8375.21, rel=0.005)
    assert tn["area_km2_official"].iloc[0] == pytest.approx(8375.21, abs=0.01)


def test_old_district_boundaries_cover_the_province(real_data):
    # no layer type fits GADM districts: read without one (geometry, CRS and text still checked)
    tn = read_layer(real_data / "gadm2_kcjpop" / "thai_nguyen_districts_gadm2.geojson")
    bk = read_layer(real_data / "gadm2_kcjpop" / "bac_can_districts_gadm2.geojson")
    assert (len(tn), len(bk)) == (9, 8)
    assert tn.crs.to_epsg() == 9213 and tn.attrs["gisplan"]["layer_type"] is None
    assert not [i for i in tn.attrs["gisplan"]["issues"] + bk.attrs["gisplan"]["issues"] if i["severity"] == "error"]
    # SOURCE.md: old Thái Nguyên 3522.9 km², old Bắc Kạn 4857.4 km² (EPSG:9213)
    assert tn.area.sum() / 1e6 == pytest.approx(3522.9, abs=0.1)
    assert bk.area.sum() / 1e6 == pytest.approx(4857.4, abs=0.1)
    assert (tn.area.sum() + bk.area.sum()) / 1e6 == pytest.approx(8375.21, rel=0.005)
    prov = read_layer(real_data / "bando2025_thanglequoc" / "thai_nguyen_2025_province.geojson",
                      layer_type="province", columns={"fullName": "name_full"}).geometry.iloc[0]
    districts = shapely.union_all(np.concatenate([tn.geometry.values, bk.geometry.values]))
    # GADM 2 (2016) and the 2025 outline differ along the edge; they share > 99 % of the area
    assert shapely.intersection(prov, districts).area / prov.area > 0.99


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
    # no river names or QCVN classes: not a river_sections layer; read without a layer type
    rivers = read_layer(real_data / "hydroviet_gms" / "gms_rivers_north_vn.gpkg")
    assert len(rivers) == 428 and rivers.crs.to_epsg() == 9213
    assert set(rivers.geom_type) <= {"LineString", "MultiLineString"}
    assert (rivers.length > 0).all()
    prov = read_layer(real_data / "bando2025_thanglequoc" / "thai_nguyen_2025_province.geojson",
                      layer_type="province", columns={"fullName": "name_full"}).geometry.iloc[0]
    cau = rivers[rivers.Sub_Name == "Cau"]
    length = shapely.intersection(cau.geometry.values, prov)
    assert np.sum(shapely.length(length)) / 1e3 == pytest.approx(206.9, rel=0.02)


def test_modis_raster(real_data):
    with pytest.warns(RepairWarning, match="no nodata"):
        src = open_raster(real_data / "modis_aqua2019_aiproject" / "modis_aqua_2019_500m_south_thainguyen.tif")
    assert src.crs.to_epsg() == 4326 and (src.width, src.height) == (248, 116) and src.count == 7
