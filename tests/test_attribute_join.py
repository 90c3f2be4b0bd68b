"""Attributes joined from a table on read (catalog key ``join``): codes written as numbers, names
spelt another way, keys missing on either side, duplicated keys, bad columns."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gisplan.catalog import load_catalog
from gisplan.errors import CatalogError, ReadError, SchemaError
from gisplan.io import read_catalog_layer, validate


def _communes(folder, codes=("00101", "00102", "00103"), names=("Hòa Bình", "Phú Thịnh", "Tân Cương")):
    """Three 1 km squares in EPSG:9213 with GSO codes and names."""
    geoms = [shapely.box(430_000 + 1000 * i, 2_380_000, 431_000 + 1000 * i, 2_381_000) for i in range(len(codes))]
    gdf = gpd.GeoDataFrame({"ma_xa": list(codes), "ten": list(names), "loai": ["xa"] * len(codes)},
                           geometry=geoms, crs=9213)
    gdf.to_file(folder / "communes.gpkg", driver="GPKG")


def _catalog(folder, join: str):
    (folder / "catalog.toml").write_text(
        '[layers.communes]\ntype = "communes"\npath = "communes.gpkg"\n'
        'columns = { ma_xa = "code", ten = "name", loai = "unit_type" }\n' + join, encoding="utf-8")
    return load_catalog(folder / "catalog.toml")


JOIN = ('[[layers.communes.join]]\npath = "dan_so.csv"\non = "code"\nkey = "ma"\n'
        'columns = { dan_so = "population" }\nsource = "Cục Thống kê"\n')


def test_codes_written_as_numbers_join_and_a_missing_row_stays_unknown(tmp_path):
    _communes(tmp_path)
    # a spreadsheet saved the codes as numbers: 101, "102.0"; 103 is absent, 999 is no commune
    (tmp_path / "dan_so.csv").write_text("ma;dan_so\n101;12500\n102.0;8000\n999;10\n", encoding="utf-8")
    cat = _catalog(tmp_path, JOIN)
    gdf = read_catalog_layer(cat, "communes")
    pop = gdf.set_index("code")["population"]
    assert pop["00101"] == 12500 and pop["00102"] == 8000
    assert pd.isna(pop["00103"])  # unknown, never 0
    assert str(gdf["population"].dtype) == "Int64"
    note = gdf.attrs["gisplan"]["joins"][0]
    assert (note["matched"], note["unmatched"], note["unused"], note["match"]) == (2, 1, 1, "code")
    codes = {i["code"]: i["message"] for i in gdf.attrs["gisplan"]["issues"]}
    assert "(code 00103 (Tân Cương))" in codes["join_unmatched"] and "dan_so.csv" in codes["join_unmatched"]
    assert "their population stays unknown" in codes["join_unmatched"]
    assert "999" in codes["join_unused"]


def test_names_match_whatever_the_spelling(tmp_path):
    _communes(tmp_path)
    (tmp_path / "dan_so.csv").write_text(
        "ten_xa,dan_so\nXã Hoà Bình,12500\nxã phú thịnh,8000\nPHƯỜNG TÂN CƯƠNG,20000\n", encoding="utf-8")
    cat = _catalog(tmp_path, JOIN.replace('on = "code"\nkey = "ma"', 'on = "name"\nkey = "ten_xa"'))
    gdf = read_catalog_layer(cat, "communes")
    assert gdf.set_index("name")["population"].to_dict() == {"Hòa Bình": 12500, "Phú Thịnh": 8000,
                                                             "Tân Cương": 20000}
    assert gdf.attrs["gisplan"]["joins"][0]["match"] == "name"


def test_an_excel_table_joins_too(tmp_path):
    _communes(tmp_path)
    pd.DataFrame({"ma": [101, 102, 103], "dan_so": [1, 2, 3]}).to_excel(tmp_path / "dan_so.xlsx", index=False)
    cat = _catalog(tmp_path, JOIN.replace("dan_so.csv", "dan_so.xlsx"))
    assert read_catalog_layer(cat, "communes")["population"].tolist() == [1, 2, 3]


def test_a_key_twice_in_the_table_is_an_error_naming_the_rows(tmp_path):
    _communes(tmp_path)
    (tmp_path / "dan_so.csv").write_text("ma,dan_so\n101,1\n102,2\n00102,3\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"dan_so.csv.*2 rows.*column 'ma'.*data rows 3 \(102\), 4 \(00102\)"):
        read_catalog_layer(_catalog(tmp_path, JOIN), "communes")


def test_bad_columns_and_missing_table_are_named(tmp_path):
    _communes(tmp_path)
    (tmp_path / "dan_so.csv").write_text("ma,so_dan\n101,1\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"'communes'.*no column 'dan_so'; its columns are 'ma', 'so_dan'"):
        read_catalog_layer(_catalog(tmp_path, JOIN), "communes")
    with pytest.raises(CatalogError, match=r"no column 'ma_dvhc' to join on"):
        read_catalog_layer(_catalog(tmp_path, JOIN.replace('on = "code"', 'on = "ma_dvhc"')), "communes")
    with pytest.raises(CatalogError, match=r"key 'join'.*khong_co.csv does not exist"):
        read_catalog_layer(_catalog(tmp_path, JOIN.replace("dan_so.csv", "khong_co.csv")), "communes")
    with pytest.raises(CatalogError, match=r"key 'join'.*unknown key 'colums'"):
        _catalog(tmp_path, JOIN.replace("columns =", "colums ="))
    (tmp_path / "dan_so.csv").write_bytes(b"\x00\x01garbage")
    with pytest.raises((ReadError, CatalogError, SchemaError)):
        read_catalog_layer(_catalog(tmp_path, JOIN), "communes")


def test_joined_values_are_validated_like_the_layers_own(tmp_path):
    _communes(tmp_path)
    (tmp_path / "dan_so.csv").write_text("ma,dan_so\n101,-5\n102,nhiều\n103,\"12,5\"\n", encoding="utf-8")
    report = validate("communes", catalog=_catalog(tmp_path, JOIN))
    bad = [i for i in report.issues if i.column == "population" and i.severity == "error"]
    assert bad, report  # -5 below min 0, "nhiều" not a number, 12.5 not whole
    assert not any(i.code == "join_unmatched" for i in report.issues)


def test_join_tables_are_inputs_never_written(tmp_path):
    from gisplan._atomic import catalog_inputs

    _communes(tmp_path)
    (tmp_path / "dan_so.csv").write_text("ma,dan_so\n101,1\n", encoding="utf-8")
    assert (tmp_path / "dan_so.csv").resolve() in {p.resolve() for p in catalog_inputs(_catalog(tmp_path, JOIN))}


def test_real_population_table_joins_91_of_92_wards(real_data, tmp_path):
    """The ward population table (codes written as 1906.0) joined to the 2025 wards (codes "01906")."""
    table = pd.read_csv(real_data / "aqplatform_nhuongnguyen" / "wards_2025_thai_nguyen_population.csv")
    cat = load_catalog("layers/real.toml")
    gdf = read_catalog_layer(cat, "communes", strict=False)
    assert len(gdf) == 92
    joined = gdf["population"]
    assert int(joined.notna().sum()) == 91 and int(joined.sum()) == int(table["population"].sum()) == 1_694_082
    by_code = dict(zip(table["code"].astype(int), table["population"].astype(int), strict=True))
    got = {int(c): int(p) for c, p in zip(gdf["code"], joined, strict=True) if pd.notna(p)}
    assert got == by_code
    assert np.isnan(joined.astype(float)).sum() == 1


def test_layers_info_says_what_was_joined(tmp_path):
    from click.testing import CliRunner

    from gisplan.cli.main import cli

    _communes(tmp_path)
    (tmp_path / "dan_so.csv").write_text("ma,dan_so\n101,1\n102,2\n", encoding="utf-8")
    _catalog(tmp_path, JOIN)
    out = CliRunner().invoke(cli, ["layers", "info", "communes", "--catalog", str(tmp_path / "catalog.toml")])
    assert out.exit_code == 0, out.output
    assert "joined: population from" in out.output and "2 of 3 features matched" in out.output
    assert "source: Cục Thống kê" in out.output


def test_the_sites_sources_page_lists_the_joined_table(tmp_path):
    from types import SimpleNamespace

    from gisplan.maps.site import _metadata_page

    _communes(tmp_path)
    (tmp_path / "dan_so.csv").write_text("ma,dan_so\n101,1\n", encoding="utf-8")
    page = _metadata_page(_catalog(tmp_path, JOIN), SimpleNamespace(meta={}))
    assert "<td>communes ← dan_so.csv</td><td>Dân số (nối theo code)</td><td></td><td>Cục Thống kê</td>" in page


def _rivers(folder):
    """Three river sections named by sub-basin in ASCII, as the GMS Atlas file names them."""
    geoms = [shapely.LineString([(430_000 + 1000 * i, 2_380_000), (431_000 + 1000 * i, 2_380_500)]) for i in range(3)]
    gpd.GeoDataFrame({"ARCID": [67499, 67500, 70000], "Sub_Name": ["Cau", "Cau", "Gam"]}, geometry=geoms,
                     crs=9213).to_file(folder / "rivers.gpkg", driver="GPKG")
    head = ('[layers.rivers]\ntype = "river_sections"\npath = "rivers.gpkg"\n'
            'columns = { ARCID = "section_id", Sub_Name = "river_name" }\n')
    return head


def test_a_name_table_written_in_the_catalog_names_what_it_lists(tmp_path):
    head = _rivers(tmp_path)
    (tmp_path / "catalog.toml").write_text(
        head + '[[layers.rivers.join]]\non = "river_name"\nvalues = { "cau" = "Nhánh sông Cầu", "Lo" = "Sông Lô" }\n'
        '[[layers.rivers.join]]\non = "section_id"\ncolumn = "river_name"\n'
        'values = { "0067500" = "Sông Cầu", "67499" = "Sông Công" }\n', encoding="utf-8")
    gdf = read_catalog_layer(load_catalog(tmp_path / "catalog.toml"), "rivers")
    # names compared however written ("cau" = "Cau"), codes however written ("0067500" = 67500); the
    # section no table lists keeps its own name (not unknown)
    assert gdf["river_name"].tolist() == ["Sông Công", "Sông Cầu", "Gam"]
    first, second = gdf.attrs["gisplan"]["joins"]
    assert (first["matched"], first["unused"], second["matched"], second["match"]) == (2, 1, 2, "code")
    unused = [i["message"] for i in gdf.attrs["gisplan"]["issues"] if i["code"] == "join_unused"]
    assert len(unused) == 1 and "river_name Lo" in unused[0]
    assert not [i for i in gdf.attrs["gisplan"]["issues"] if i["code"] == "join_unmatched"]


def test_a_name_table_in_the_catalog_is_checked(tmp_path):
    head = _rivers(tmp_path)
    for join, says in (('on = "river_name"\nvalues = { "Cau" = "Sông Cầu" }\npath = "x.csv"\n', "not 'path'"),
                       ('on = "river_name"\ncolumn = "ten_song"\nvalues = { "Cau" = "Sông Cầu" }\n',
                        "has no column 'ten_song'"),
                       ('on = "river_name"\nvalues = { "Cau" = 1 }\n', "must be a table of the layer's river_name"),
                       ('values = { "Cau" = "Sông Cầu" }\n', "key 'on' is missing")):
        (tmp_path / "catalog.toml").write_text(head + "[[layers.rivers.join]]\n" + join, encoding="utf-8")
        with pytest.raises(CatalogError, match=says):
            load_catalog(tmp_path / "catalog.toml")


@pytest.mark.realdata
def test_real_rivers_have_display_names(real_data):
    """The GMS file's sections carry their sub-basin in ASCII ("Cau", "Song Ky Cung"); the real
    catalog's name tables give every section in the province a Vietnamese name."""
    from gisplan.store import LayerStore

    rivers = LayerStore(load_catalog("layers/real.toml")).get("river_sections")
    names = dict(zip(rivers["section_id"].astype(str), rivers["river_name"], strict=True))
    assert names["67500"] == "Sông Cầu" and names["67499"] == "Sông Công"
    assert set(rivers["river_name"]) == {"Sông Cầu", "Sông Công", "Nhánh sông Cầu", "Nhánh sông Kỳ Cùng",
                                         "Nhánh sông Gâm", "Nhánh sông Hồng"}
    # SOURCE.md (hydroviet_gms): the Cầu sub-basin 206.9 km inside the province, the Gâm 53.0 km
    km = rivers.assign(km=rivers.length / 1000).groupby("river_name")["km"].sum()
    assert km[["Sông Cầu", "Sông Công", "Nhánh sông Cầu"]].sum() == pytest.approx(206.9, rel=0.01)
    assert km["Nhánh sông Gâm"] == pytest.approx(53.0, rel=0.01)
