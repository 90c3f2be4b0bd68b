"""Forest-status lots read as the forest-monitoring software exports them (gisplan.io.frms):
both field sets, TCVN3 text without .cpg, a custom-named VN-2000 .prj, the older maldlr
numbering, codes that are not Circular 33's. Truth: tests/_frms.py (geometry built there)."""

from __future__ import annotations

import warnings

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from _frms import COMMUNES, LOTS, lots_en, lots_vi, write_vi_shapefile
from click.testing import CliRunner

from gisplan.catalog import load_catalog, load_layer_types
from gisplan.cli.main import cli
from gisplan.forest_codes import status_codes
from gisplan.io import read_catalog_layer, read_layer, validate


def _read(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # decoded text, assumed CRS … are checked in the report
        return read_layer(path, layer_type="forest_status", strict=False, **kw)


def _vals(s):
    """A column as plain Python values, missing as None."""
    return [None if pd.isna(v) else (bool(v) if isinstance(v, (bool,)) or str(type(v)).endswith("bool_'>") else v)
            for v in s.astype(object)]


def _issues(gdf, code):
    return [i for i in gdf.attrs["gisplan"]["issues"] if i["code"] == code]


@pytest.fixture
def vi_shp(tmp_path):
    return write_vi_shapefile(tmp_path / "lorung_2024.shp")


# --- the code table --------------------------------------------------------------------------------
def test_code_table_has_the_98_codes_of_circular_33_in_their_ranges():
    codes = status_codes()
    t = codes.table
    assert len(t) == 98 and sorted(t["number"]) == list(range(1, 99))
    by = codes.by_number()
    # the ranges of the Circular's list (FACTS.md): 1–13 primary, 65–76 plantations, 77–82 DTR …
    assert [by[n] for n in (1, 14, 18, 39, 43, 53, 59, 62, 65, 76, 77, 83, 87, 91, 97, 98)] == [
        "TXG1", "TXG", "TXP", "TXDG", "TXDP", "TLU", "HG1", "CD", "RTG", "RTKD", "DTR", "DT2", "DT1", "BC1", "MN", "DK"]
    assert t.loc[t["number"].between(1, 13), "primary"].all() and not t.loc[t["number"] > 13, "primary"].any()
    assert (t.loc[t["number"] <= 64, "land_class"] == "natural_forest").all()
    assert (t.loc[t["number"].between(65, 76), "land_class"] == "plantation_forest").all()
    assert (t.loc[t["number"].between(77, 82), "land_class"] == "planted_not_forest").all()
    assert t.loc[t["number"] <= 76, "forest"].all() and not t.loc[t["number"] > 76, "forest"].any()
    # the older list numbers plantations 60–71 and planted land 72–77
    old = codes.by_number("pre2018")
    assert (old[60], old[71], old[72], old[77], old[88]) == ("RTG", "RTKD", "DTR", "DTRC", "DNN")
    assert codes.legacy_codes()["RNMG"] == "NMG" and codes.legacy_codes()["DKH"] == "DK"
    # the standard colours (TCVN 11565:2016 Appendix E)
    assert (t.at["TXG", "color"], t.at["RTG", "color"], t.at["MN", "color"]) == ("#00D000", "#FFD8B0", "#A0FFFF")
    assert t["color_source"].notna().all() and t["name_source"].notna().all()


# --- the Vietnamese field set, as a legacy Shapefile ----------------------------------------------
def test_legacy_shapefile_is_read_as_delivered(vi_shp):
    assert not vi_shp.with_suffix(".cpg").exists()
    gdf = _read(vi_shp)
    meta = gdf.attrs["gisplan"]
    assert meta["schema"]["field_set"] == "frms_vi" and meta["schema"]["numbering"] == "circular33"
    # the custom-named VN-2000 .prj with its datum shift puts the lots where they were built
    truth = lots_vi(tcvn3=False).geometry.to_numpy()
    assert shapely.distance(gdf.geometry.to_numpy(), truth).max() < 0.01
    assert list(gdf["parcel_id"]) == ["05536/123/4/1", "05536/123/4/2", "05539/123/5/1", "05536/124/1/1",
                                      "05539/124/1/2", "05539/124/2/1"]
    # TCVN3 text decoded
    assert gdf["commune_name"].iloc[0] == "Xã Phú Đình" and gdf["owner"].iloc[2] == "Hộ ông Nguyễn Văn Hòa"
    assert "tcvn3" in (meta["encoding"] or {}).values()
    assert list(gdf["status_code"]) == ["TXG", "RTG", "DTR", "TXN", "DT2", "XYZ"]
    assert list(gdf["land_class"].fillna("?")) == ["natural_forest", "plantation_forest", "planted_not_forest",
                                                   "natural_forest", "regenerating", "?"]
    assert _vals(gdf["meets_criteria"]) == [True, True, False, True, False, None]
    assert list(gdf["origin"].fillna("-")) == ["natural", "plantation", "plantation", "natural", "-", "-"]
    # malr3: 1 protection, 2 special use, 3 production; blank → outside the three forest types
    assert list(gdf["purpose"]) == ["special_use", "production", "production", "protection", "outside_planning",
                                    "production"]
    assert list(gdf["owner_category"]) == ["special_use_board", "economic_org", "household", "commune_committee",
                                           "community", "household"]
    assert list(gdf["forest_type"].fillna("-")) == ["evergreen_broadleaf", "plantation_acacia", "young_plantation",
                                                    "evergreen_broadleaf", "-", "-"]
    assert list(gdf["volume_class"].fillna("-")) == ["rich", "-", "-", "poor", "-", "-"]
    assert gdf["area_recorded_ha"].iloc[3] == pytest.approx(100.2)
    # the problems, each on its lot
    assert [i["row"] for i in _issues(gdf, "status_code_unknown")] == ["05539/124/2/1"]
    assert [i["row"] for i in _issues(gdf, "purpose_blank")] == ["05539/124/1/2"]
    # dtich 80 ha against 75 mapped (+6.7 %) is reported; 100.2 against 100 (0.2 %) is not
    mism = _issues(gdf, "area_mismatch")
    assert [i["row"] for i in mism] == ["05539/123/5/1"] and "+6.7 %" in mism[0]["message"]
    assert not _issues(gdf, "status_number_mismatch") and not _issues(gdf, "origin_mismatch")
    assert not _issues(gdf, "missing_value")  # a lot not counted is reported once, by its code


def test_older_maldlr_numbering_is_named_and_the_text_code_used(tmp_path):
    gdf = _read(write_vi_shapefile(tmp_path / "lorung_2019.shp", numbering="pre2018"))
    assert gdf.attrs["gisplan"]["schema"]["numbering"] == "pre2018"
    assert len(_issues(gdf, "status_numbering_old")) == 1 and not _issues(gdf, "status_number_mismatch")
    assert list(gdf["status_code"][:5]) == ["TXG", "RTG", "DTR", "TXN", "DT2"]
    assert list(gdf["status_number"][:5]) == [14, 60, 72, 16, 78]  # kept as recorded


def test_a_maldlr_that_disagrees_with_the_code_is_reported_and_the_code_wins(tmp_path):
    gdf = lots_vi(tcvn3=False)
    gdf.loc[1, "maldlr"] = 60  # RTG numbered as in the older list, in a Circular 33 file
    path = tmp_path / "lorung.gpkg"
    gdf.to_file(path)
    back = _read(path)
    assert back.attrs["gisplan"]["schema"]["numbering"] == "circular33"
    bad = _issues(back, "status_number_mismatch")
    assert [i["row"] for i in bad] == ["05536/123/4/2"] and "expected 65" in bad[0]["message"]
    assert back["status_code"].iloc[1] == "RTG" and _vals(back["meets_criteria"])[1] is True


def test_older_codes_are_translated_and_nn_follows_the_numbering(tmp_path):
    gdf = lots_vi(tcvn3=False, numbering="pre2018")
    gdf.loc[0, ["ldlr", "maldlr"]] = ["DKH", 93]
    gdf.loc[3, ["ldlr", "maldlr"]] = ["NN", 88]  # older list: agricultural land
    path = tmp_path / "lorung_old.gpkg"
    gdf.to_file(path)
    back = _read(path)
    assert back["status_code"].iloc[0] == "DK" and back["status_code"].iloc[3] == "DNN"
    assert _vals(back["meets_criteria"])[3] is False
    assert {i["code"] for i in back.attrs["gisplan"]["issues"]} >= {"status_code_legacy", "status_numbering_old"}


def test_repeated_lot_keys_get_numbered_and_ids_stay_unique(tmp_path):
    gdf = lots_vi(tcvn3=False)
    gdf.loc[1, ["tk", "khoanh", "lo"]] = ["123", "4", "1"]  # a lot split into two features
    path = tmp_path / "lorung.gpkg"
    gdf.to_file(path)
    back = _read(path)
    assert list(back["parcel_id"][:2]) == ["05536/123/4/1", "05536/123/4/1#2"]
    assert back["parcel_id"].is_unique and len(_issues(back, "lot_key_repeated")) == 1


# --- the English field set --------------------------------------------------------------------------
def test_english_export_in_wgs84_is_read_with_codes_from_the_numbers(tmp_path):
    path = tmp_path / "frms_export.gpkg"
    lots_en().to_file(path)
    gdf = _read(path)
    assert gdf.attrs["gisplan"]["schema"]["field_set"] == "frms_en"
    assert gdf.crs.to_epsg() == 9213
    truth = lots_vi(tcvn3=False).geometry.to_numpy()
    assert shapely.distance(gdf.geometry.to_numpy(), truth).max() < 0.01
    assert list(gdf["status_code"].fillna("?")) == ["TXG", "RTG", "DTR", "TXN", "DT2", "?"]
    assert list(gdf["purpose"]) == ["special_use", "production", "production", "protection", "outside_planning",
                                    "production"]
    codes = {i["code"] for i in gdf.attrs["gisplan"]["issues"]}
    assert {"status_code_from_number", "purpose_from_subcode", "status_number_unknown"} <= codes
    assert gdf["parcel_id"].iloc[0] == "05536/123/4/1"


# --- gisplan's own field set keeps working ---------------------------------------------------------
def test_own_field_set_is_not_decoded(tmp_path):
    from _samples import sample_frame

    gdf = sample_frame(load_layer_types()["forest_status"], n=3)
    path = tmp_path / "own.gpkg"
    gdf.to_file(path)
    back = _read(path)
    assert back.attrs["gisplan"]["schema"] is None
    assert list(back["parcel_id"]) == list(gdf["parcel_id"])


# --- the catalog and the CLI --------------------------------------------------------------------------
def test_a_catalog_entry_needs_only_type_path_and_year(tmp_path, vi_shp):
    cat = tmp_path / "catalog.toml"
    cat.write_text(f'[layers.lorung_2024]\ntype = "forest_status"\npath = "{vi_shp.name}"\nyear = 2024\n',
                   encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf = read_catalog_layer(load_catalog(cat), "lorung_2024", strict=False)
    assert (gdf["year"] == 2024).all() and gdf.attrs["gisplan"]["schema"]["field_set"] == "frms_vi"


def test_validate_names_the_field_set_and_the_code_problems(vi_shp):
    report = validate(vi_shp, layer_type="forest_status")
    codes = {i.code for i in report.errors}
    assert codes == {"status_code_unknown"}
    res = CliRunner().invoke(cli, ["validate", str(vi_shp), "--type", "forest_status"])
    assert res.exit_code == 1, res.output
    assert "FRMS" in res.output and "status_code_unknown" not in res.output  # messages, not codes
    text = " ".join(res.output.split())  # the message column wraps to fit 100 columns
    assert "'XYZ' is not a status code of Circular 33/2018" in text
    assert "recorded area dtich 80.00 ha differs from the mapped area 75.00 ha" in text


def test_validate_a_clean_export_exits_0(tmp_path):
    gdf = lots_vi(tcvn3=False).iloc[:4]
    path = tmp_path / "lorung_clean.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, path, encoding="utf-8")
    res = CliRunner().invoke(cli, ["validate", str(path), "--type", "forest_status"])
    assert res.exit_code == 0, res.output


def test_communes_fixture_matches_the_documented_areas():
    assert list(COMMUNES.area / 1e4) == [200.0, 200.0]
    assert sum(shapely.area(shapely.box(*b)) for *_, b in LOTS) / 1e4 == 400.0
    assert isinstance(pd.Series([1]), pd.Series) and isinstance(COMMUNES, gpd.GeoDataFrame)
