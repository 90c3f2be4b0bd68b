import warnings

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from _samples import X0, Y0, sample_frame
from click.testing import CliRunner

from gisplan.catalog import load_layer_types
from gisplan.cli.main import cli
from gisplan.encoding import encode_legacy
from gisplan.errors import GisplanWarning, RepairWarning
from gisplan.io import read_layer, write_layer

TYPES = load_layer_types()


@pytest.fixture
def runner():
    return CliRunner()


def test_validate_clean_layer_exits_0(runner, tmp_path):
    path = write_layer(sample_frame(TYPES["mines"]), tmp_path / "mo.gpkg")
    res = runner.invoke(cli, ["validate", str(path), "--type", "mines"])
    assert res.exit_code == 0, res.output
    assert "[mines]: OK" in res.output


def test_validate_reports_errors_and_exits_1(runner, tmp_path):
    gdf = sample_frame(TYPES["mines"])
    gdf["licence_status"] = ["valid", "bogus", "expired"]
    path = write_layer(gdf, tmp_path / "mo.gpkg")
    res = runner.invoke(cli, ["validate", str(path), "--type", "mines"])
    assert res.exit_code == 1
    assert "licence_status" in res.output and "'bogus' is not one of" in res.output
    assert "mine_id 1 Hòa Thủy" in res.output  # the row, by its id


def test_validate_without_type_checks_what_needs_no_schema(runner, tmp_path):
    gdf = sample_frame(TYPES["mines"])
    path = write_layer(gdf, tmp_path / "mo.gpkg")
    res = runner.invoke(cli, ["validate", str(path)])
    assert res.exit_code == 0, res.output
    assert "mo.gpkg [no type: file, CRS, geometry and text checked]: OK" in res.output
    gdf["licence_status"] = ["valid", "bogus", "expired"]  # a schema error: not looked at without --type
    gdf.geometry = [gdf.geometry.iloc[0], shapely.Point(np.nan, Y0), None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, tmp_path / "bad.gpkg")
    res = runner.invoke(cli, ["validate", str(tmp_path / "bad.gpkg")])
    assert res.exit_code == 1
    assert "2 error(s)" in res.output and "not finite" in res.output and "empty or missing" in res.output
    assert "bogus" not in res.output
    typed = runner.invoke(cli, ["validate", str(tmp_path / "bad.gpkg"), "--type", "mines"])
    assert typed.exit_code == 1 and "'bogus' is not one of" in typed.output
    unknown = runner.invoke(cli, ["validate", str(path), "--type", "mine"])
    assert unknown.exit_code == 2 and "unknown layer type 'mine'" in unknown.output


def test_convert_any_tcvn3_shapefile_to_unicode_gpkg_in_vn2000(runner, tmp_path):
    """A Shapefile with its own columns, TCVN3 text, in WGS 84: no --type needed."""
    import unicodedata

    from pyproj import Transformer

    names = ["Khu bảo tồn Thần Sa - Phượng Hoàng", "Rừng đặc dụng Kim Hỷ"]
    lonlat = [(105.95, 21.85), (106.1, 22.2)]
    gdf = gpd.GeoDataFrame({"TEN": [encode_legacy(n, "tcvn3") for n in names], "DIEN_TICH": [1.5, 2.5]},
                           geometry=[shapely.Point(p) for p in lonlat], crs=4326)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, tmp_path / "kbt_tcvn3.shp", encoding="latin1")
    out = tmp_path / "kbt.gpkg"
    with pytest.warns(RepairWarning, match="tcvn3"):
        res = runner.invoke(cli, ["convert", str(tmp_path / "kbt_tcvn3.shp"), str(out), "--encoding", "Tcvn3"])
    assert res.exit_code == 0, res.output
    assert "wrote 2 features to" in res.output and "TEN from tcvn3" in res.output
    raw = pyogrio.read_dataframe(out)  # as any other program sees it
    assert list(raw["TEN"]) == names and all(unicodedata.is_normalized("NFC", v) for v in raw["TEN"])
    assert list(raw["DIEN_TICH"]) == [1.5, 2.5]
    assert raw.crs.to_epsg() == 9213
    to_9213 = Transformer.from_crs(4326, 9213, always_xy=True)
    truth = [shapely.Point(to_9213.transform(*p)) for p in lonlat]
    assert shapely.distance(raw.geometry.values, truth).max() < 1e-6
    # --crs for another output CRS; an unknown encoding is one line, exit 2
    with pytest.warns(RepairWarning, match="tcvn3"):
        utm = runner.invoke(cli, ["convert", str(tmp_path / "kbt_tcvn3.shp"), str(tmp_path / "utm.gpkg"),
                                  "--crs", "EPSG:3405"])
    assert utm.exit_code == 0 and pyogrio.read_dataframe(tmp_path / "utm.gpkg").crs.to_epsg() == 3405
    # --where on the file's own columns and its decoded text
    with pytest.warns(RepairWarning, match="tcvn3"):
        one = runner.invoke(cli, ["convert", str(tmp_path / "kbt_tcvn3.shp"), str(tmp_path / "kh.gpkg"),
                                  "--where", "TEN LIKE 'rừng đặc%'"])
    assert one.exit_code == 0, one.output
    assert "kept 1, left out 1" in one.output
    assert list(pyogrio.read_dataframe(tmp_path / "kh.gpkg")["TEN"]) == [names[1]]
    none = runner.invoke(cli, ["validate", str(tmp_path / "kbt_tcvn3.shp"), "--where", "TEN = 'x'"])
    assert none.exit_code == 1 and "keeps none of the 2 features" in none.output
    bad = runner.invoke(cli, ["convert", str(tmp_path / "kbt_tcvn3.shp"), str(tmp_path / "x.gpkg"),
                              "--encoding", "tcvn9"])
    assert bad.exit_code == 2 and "unknown text encoding 'tcvn9'" in bad.output
    assert not (tmp_path / "x.gpkg").exists()


def test_commands_reading_the_catalog_check_its_paths(runner, tmp_path):
    write_layer(sample_frame(TYPES["communes"]), tmp_path / "xa.gpkg")
    cat = tmp_path / "catalog.toml"
    cat.write_text('[layers.communes]\ntype = "communes"\npath = "xa.gpkg"\n\n'
                   '[layers.mines]\ntype = "mines"\npath = "khoang_san/mo.gpkg"\n', encoding="utf-8")
    res = runner.invoke(cli, ["indicators", "--catalog", str(cat), "--out", str(tmp_path / "r"), "--no-progress"])
    assert res.exit_code == 2
    assert "[layers.mines] key 'path'" in res.output and str(tmp_path / "khoang_san" / "mo.gpkg") in res.output
    assert "Traceback" not in res.output and not (tmp_path / "r").exists()
    # validate and layers list do not need every file
    assert "MISSING" in runner.invoke(cli, ["layers", "list", "--catalog", str(cat)]).output
    assert runner.invoke(cli, ["validate", "communes", "--catalog", str(cat)]).exit_code == 0


def test_demo_catalog_not_built_says_run_gisplan_demo(runner, tmp_path, monkeypatch):
    import shutil

    import gisplan.catalog as catalog_mod
    import gisplan.indicators.hazard_config  # noqa: F401 - binds its default weights file before the patch

    layers = tmp_path / "layers"
    layers.mkdir()
    shutil.copy(catalog_mod.LAYERS_DIR / "types.toml", layers / "types.toml")
    (layers / "demo.toml").write_text(
        '[catalog]\nbase = "../data/demo"\n\n[layers.communes]\ntype = "communes"\npath = "communes.gpkg"\n',
        encoding="utf-8")
    monkeypatch.setattr(catalog_mod, "LAYERS_DIR", layers)
    monkeypatch.delenv("GISPLAN_CATALOG", raising=False)
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(cli, ["map", "overview", "--out", str(tmp_path / "m.html")])
    assert res.exit_code == 2, res.output
    assert "gisplan demo" in res.output and "not built" in res.output


def test_validate_broken_file_is_an_error_row(runner, tmp_path):
    bad = tmp_path / "broken.gpkg"
    bad.write_bytes(b"not a geopackage")
    res = runner.invoke(cli, ["validate", str(bad), "--type", "communes"])
    assert res.exit_code == 1 and "broken.gpkg" in res.output


def test_convert_tcvn3_shapefile(runner, tmp_path):
    gdf = sample_frame(TYPES["protected_areas"], n=1)
    gdf["name"] = [encode_legacy("Khu bảo tồn loài - sinh cảnh Nam Xuân Lạc", "tcvn3")]
    gdf["pa_id"] = ["NXL"]
    gdf["feature_id"] = ["NXL-1"]
    gdf["decision"] = ["QD 1"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf.to_crs(4326), tmp_path / "kbt.shp", encoding="latin1")
    src_bytes = (tmp_path / "kbt.dbf").read_bytes()
    out = tmp_path / "kbt.gpkg"
    with pytest.warns(RepairWarning, match="tcvn3"):
        res = runner.invoke(cli, ["convert", str(tmp_path / "kbt.shp"), str(out), "--type", "protected_areas"])
    assert res.exit_code == 0, res.output
    assert "name from tcvn3" in res.output
    back = read_layer(out, layer_type="protected_areas")
    assert back["name"].iloc[0] == "Khu bảo tồn loài - sinh cảnh Nam Xuân Lạc"
    assert back.crs.to_epsg() == 9213
    assert (tmp_path / "kbt.dbf").read_bytes() == src_bytes  # input untouched
    again = runner.invoke(cli, ["convert", str(tmp_path / "kbt.shp"), str(out), "--type", "protected_areas"])
    assert again.exit_code == 2 and "--overwrite" in again.output
    same = runner.invoke(cli, ["convert", str(out), str(out), "--type", "protected_areas", "--overwrite"])
    assert same.exit_code == 2 and "never overwrites its input" in same.output


def test_convert_to_another_crs(runner, tmp_path):
    path = write_layer(sample_frame(TYPES["urban_areas"]), tmp_path / "u.gpkg")
    res = runner.invoke(cli, ["convert", str(path), str(tmp_path / "u_utm.gpkg"), "--type", "urban_areas", "--crs", "EPSG:3405"])
    assert res.exit_code == 0, res.output
    assert read_layer(tmp_path / "u_utm.gpkg", layer_type="urban_areas", crs=None).crs.to_epsg() == 3405


def test_layers_list_and_info(runner):
    res = runner.invoke(cli, ["layers", "list"])
    assert res.exit_code == 0
    assert "forest_status" in res.output and "Hiện trạng rừng" in res.output
    info = runner.invoke(cli, ["layers", "info", "protected_areas"])
    assert info.exit_code == 0
    assert "species_habitat_area" in info.output and "Khu bảo tồn loài - sinh cảnh" in info.output
    unknown = runner.invoke(cli, ["layers", "info", "forests"])
    assert unknown.exit_code == 2 and "unknown layer type 'forests'" in unknown.output


def _no_prj_local_coordinates(tmp_path):
    """A mines shapefile with no .prj whose coordinates fit nothing gisplan recognises."""
    gdf = sample_frame(TYPES["mines"], n=1)
    gdf.geometry = [shapely.Point(12.0, 34.0)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf.set_crs(None, allow_override=True), tmp_path / "cad.shp", encoding="UTF-8")
    return tmp_path / "cad.shp"


def test_validate_and_convert_name_the_same_source_crs_option(runner, tmp_path):
    path = _no_prj_local_coordinates(tmp_path)
    res = runner.invoke(cli, ["validate", str(path), "--type", "mines"])
    assert res.exit_code == 1
    assert "--assume-crs EPSG:" in res.output and "--crs EPSG" not in res.output
    assert "(12.0, 34.0, 12.0, 34.0)" in res.output and "np.float64" not in res.output
    res = runner.invoke(cli, ["convert", str(path), str(tmp_path / "o.gpkg"), "--type", "mines"])
    assert res.exit_code == 2 and "--assume-crs EPSG:" in res.output and "np.float64" not in res.output
    ok = runner.invoke(cli, ["validate", str(path), "--type", "mines", "--assume-crs", "EPSG:9213"])
    assert ok.exit_code == 0, ok.output
    conv = runner.invoke(cli, ["convert", str(path), str(tmp_path / "o.gpkg"), "--type", "mines",
                               "--assume-crs", "EPSG:9213"])
    assert conv.exit_code == 0, conv.output
    back = read_layer(tmp_path / "o.gpkg", layer_type="mines")
    assert (back.geometry.iloc[0].x, back.geometry.iloc[0].y) == (12.0, 34.0)
    # the old spelling of validate still works, with a deprecation note; it is not in --help
    old = runner.invoke(cli, ["validate", str(path), "--type", "mines", "--crs", "EPSG:9213"])
    assert old.exit_code == 0 and "deprecated; use --assume-crs" in old.output
    helptext = runner.invoke(cli, ["validate", "--help"]).output
    assert "--assume-crs" in helptext and "--crs" not in helptext.replace("--assume-crs", "")


def test_validate_table_lists_decoded_text_and_assumed_crs(runner, tmp_path):
    gdf = sample_frame(TYPES["mines"], n=2)
    gdf["name"] = [encode_legacy("Mỏ than Khánh Hòa", "tcvn3"), encode_legacy("Mỏ đá Núi Voi", "tcvn3")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, tmp_path / "mo.shp", encoding="latin1")
    (tmp_path / "mo.prj").unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error", GisplanWarning)  # in the table, not as Python warnings
        res = runner.invoke(cli, ["validate", str(tmp_path / "mo.shp"), "--type", "mines"])
    assert res.exit_code == 0, res.output
    assert "0 error(s), 2 warning(s)" in res.output
    lines = res.output.splitlines()
    # the path once, in the header line; the rows name the column, within 100 columns
    assert lines[0].startswith(f"{tmp_path / 'mo.shp'} [mines]: ")
    assert sum(str(tmp_path) in ln for ln in lines) == 1 and max(map(len, lines[1:])) <= 100
    decoded = [ln for ln in lines if "text decoded to Unicode (NFC) from tcvn3" in ln]
    assumed = [ln for ln in lines if "assumed VN-2000 / TM-3 106-30" in ln]
    assert len(decoded) == 1 and decoded[0].split()[:2] == ["warning", "name"]
    assert len(assumed) == 1 and assumed[0].split()[:2] == ["warning", "geometry"]


def test_validate_prints_20_rows_per_problem_unless_all(runner, tmp_path):
    n = 23
    gdf = sample_frame(TYPES["urban_areas"], n=n)
    gdf.geometry = [shapely.Polygon([(x, Y0), (x + 100, Y0 + 100), (x + 100, Y0), (x, Y0 + 100)])
                    for x in X0 + 2000 * np.arange(n)]
    path = write_layer(gdf, tmp_path / "u.gpkg")
    res = runner.invoke(cli, ["validate", str(path), "--type", "urban_areas"])
    assert res.exit_code == 0, res.output
    assert "0 error(s), 23 warning(s)" in res.output
    assert res.output.count("repaired with make_valid") == 20
    assert "… and 3 more rows with the same problem" in res.output
    full = runner.invoke(cli, ["validate", str(path), "--type", "urban_areas", "--all"])
    assert full.output.count("repaired with make_valid") == 23 and "more rows" not in full.output


def test_validate_a_folder_checks_each_layer_file_in_it(runner, tmp_path):
    folder = tmp_path / "giao_nop"
    write_layer(sample_frame(TYPES["mines"]), folder / "mo.shp")
    write_layer(sample_frame(TYPES["mines"]), folder / "mo2.gpkg")
    (folder / "hong.shp").write_bytes(b"garbage")
    res = runner.invoke(cli, ["validate", str(folder)])
    assert res.exit_code == 1  # the broken file is an error row
    out = " ".join(res.output.split())
    # each layer file once (the Shapefile's .dbf/.shx are not layers of their own)
    assert out.count("mo.shp [") == 1 and out.count("mo2.gpkg [") == 1 and "hong.shp" in out
    assert "mo.dbf [" not in out and "index 0 is out of bounds" not in out
    empty = tmp_path / "rong"
    empty.mkdir()
    res = runner.invoke(cli, ["validate", str(empty)])
    assert res.exit_code == 2 and "no layer file" in res.output


def test_validate_a_wrong_path_is_one_error_line(runner, tmp_path):
    good = tmp_path / "ok.gpkg"
    write_layer(sample_frame(TYPES["mines"], n=2), good)
    res = runner.invoke(cli, ["validate", str(good), str(tmp_path / "nosuchfile")])
    assert res.exit_code == 2
    [line] = res.output.strip().splitlines()  # nothing checked, no table: one line
    assert line.startswith(f"Error: {tmp_path / 'nosuchfile'} does not exist (neither a file nor a folder nor an "
                           f"entry of the catalog ") and line.endswith("); check the path")


def test_validate_table_wraps_long_messages_within_100_columns(runner, tmp_path):
    """Many problems with long messages: every line but the header (the path, once) fits 100 columns,
    and each message is there whole once the wrapped lines are joined."""
    gdf = sample_frame(TYPES["mines"], n=3)
    gdf["mine_id"] = ["M1", "M1", "M1"]  # duplicated ids: a long message naming the rows
    path = write_layer(gdf, tmp_path / "mines_with_a_rather_long_file_name_for_the_header.gpkg")
    res = runner.invoke(cli, ["validate", str(path), "--type", "mines"])
    assert res.exit_code == 1, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith(f"{path} [mines]: ") and all(len(ln) <= 100 for ln in lines[1:])
    assert sum(str(path) in ln for ln in lines) == 1
    assert lines[1].split() == ["severity", "column", "row", "message"]
    assert any(ln.startswith("error") for ln in lines[3:])


def test_validate_communes_derives_unit_type_from_full_names(runner, tmp_path):
    """Short names in `name`, the official full names in another column (as the 2025 wards file):
    `validate --type communes` derives unit_type from the full names' prefixes, as the catalog does."""
    gdf = sample_frame(TYPES["communes"], n=3).drop(columns=["unit_type"])
    gdf["name"] = ["Đức Xuân", "Bắc Kạn", "Phong Quang"]
    gdf["fullName"] = ["Phường Đức Xuân", "Phường Bắc Kạn", "Xã Phong Quang"]
    path = write_layer(gdf, tmp_path / "wards.gpkg")
    res = runner.invoke(cli, ["validate", str(path), "--type", "communes"])
    assert res.exit_code == 0, res.output
    assert "unit_type derived from the prefix of the names in 'fullName'" in " ".join(res.output.split())
    back = read_layer(path, layer_type="communes")
    assert list(back["unit_type"]) == ["phuong", "phuong", "xa"]


def test_validate_the_official_wards_file_as_communes(runner, real_data):
    wards = real_data / "bando2025_thanglequoc" / "thai_nguyen_2025_wards.gpkg"
    res = runner.invoke(cli, ["validate", str(wards), "--type", "communes"])
    assert res.exit_code == 0, res.output
    assert "0 error(s)" in res.output.splitlines()[0]
    assert all(len(ln) <= 100 for ln in res.output.splitlines()[1:])
