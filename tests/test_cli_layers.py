import warnings

import pyogrio
import pytest
from _samples import sample_frame
from click.testing import CliRunner

from gisplan.catalog import load_layer_types
from gisplan.cli.main import cli
from gisplan.encoding import encode_legacy
from gisplan.errors import RepairWarning
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


def test_validate_needs_a_type(runner, tmp_path):
    path = write_layer(sample_frame(TYPES["mines"]), tmp_path / "mo.gpkg")
    res = runner.invoke(cli, ["validate", str(path)])
    assert res.exit_code == 2 and "--type" in res.output


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
