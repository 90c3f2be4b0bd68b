"""Nothing is lost: no output replaces or removes an input of the same run, ``overwrite`` touches
only files gisplan wrote (listed in ``.gisplan-manifest.json``), shapefile parts are all checked
before writing, and no temporary file or folder is left behind after success or failure."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from _samples import sample_frame
from click.testing import CliRunner

from gisplan._atomic import MANIFEST, OutputFolder, atomic_path, check_not_input, ensure_dir
from gisplan.catalog import load_layer_types
from gisplan.cli.main import cli
from gisplan.errors import OutputError, OutputExistsError, ReadError
from gisplan.indicators.run import IndicatorResults
from gisplan.io import read_layer, write_layer
from gisplan.reports import WORKBOOK, write_reports

TYPES = load_layer_types()


def _results(*names: str) -> IndicatorResults:
    tables = {n: pd.DataFrame({"code": ["01"], "area_ha": [12.5]}) for n in names}
    return IndicatorResults(tables=tables, meta={"title": "thử", "reference_date": "2025-12-31"})


def _listing(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def _manifest(folder: Path) -> set[str]:
    return set(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"])


def test_reports_manifest_lists_what_was_written_and_overwrite_spares_the_rest(tmp_path):
    out = tmp_path / "r"
    write_reports(_results("a", "b"), out)
    assert _manifest(out) == {"csv/a.csv", "csv/b.csv", WORKBOOK, "tom_tat.md", "tom_tat.html"}
    (out / "ghi_chu.txt").write_text("của tôi", encoding="utf-8")       # the user's own files
    (out / "csv" / "so_lieu_rieng.csv").write_text("x\n1\n", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_reports(_results("a"), out)
    write_reports(_results("a"), out, overwrite=True)
    # b.csv was gisplan's and is no longer produced: removed; the user's files stay
    assert _listing(out) == {"csv", "csv/a.csv", "csv/so_lieu_rieng.csv", "ghi_chu.txt", WORKBOOK,
                             "tom_tat.md", "tom_tat.html", MANIFEST}
    assert (out / "ghi_chu.txt").read_text(encoding="utf-8") == "của tôi"
    assert _manifest(out) == {"csv/a.csv", WORKBOOK, "tom_tat.md", "tom_tat.html"}


def test_overwrite_never_replaces_a_file_gisplan_did_not_write(tmp_path):
    out = tmp_path / "r"
    (out / "csv").mkdir(parents=True)
    mine = out / "csv" / "a.csv"
    mine.write_text("my own table\n", encoding="utf-8")
    with pytest.raises(OutputError, match="did not write"):
        write_reports(_results("a", "b"), out, overwrite=True)
    assert mine.read_text(encoding="utf-8") == "my own table\n"
    assert _listing(out) == {"csv", "csv/a.csv"}  # checked before anything was written


def test_an_input_inside_the_output_folder_is_neither_replaced_nor_removed(tmp_path):
    out = tmp_path / "r"
    write_reports(_results("a", "b"), out)
    source = out / "csv" / "b.csv"   # the user now reads an earlier output as an input
    before = source.read_bytes()
    write_reports(_results("a"), out, overwrite=True, inputs=[source])
    assert source.read_bytes() == before
    with pytest.raises(OutputError, match="input"):
        write_reports(_results("a", "b"), out, overwrite=True, inputs=[source])
    assert source.read_bytes() == before


def test_cli_indicators_keeps_a_csv_layer_in_its_own_output_folder(demo_small, tmp_path):
    """The catalog reads a CSV layer from DIR/csv/; `indicators --out DIR --overwrite` keeps it."""
    out = tmp_path / "rep"
    (out / "csv").mkdir(parents=True)
    layer = out / "csv" / "xa_cu.csv"
    layer.write_text("code,name\n00001,Xã Hoà Bình\n00002,Phường Quán Triều\n", encoding="utf-8")
    text = demo_small.read_text(encoding="utf-8")
    start = text.index("[layers.communes_pre2025]")
    end = text.index("[layers.", start + 5)
    entry = f'[layers.communes_pre2025]\ntype = "communes_pre2025"\npath = "{layer.as_posix()}"\n\n'
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(text[:start] + entry + text[end:], encoding="utf-8")
    args = ["indicators", "--catalog", str(catalog), "--out", str(out), "--no-progress"]
    for extra in ([], ["--overwrite"]):
        res = CliRunner().invoke(cli, [*args, *extra])
        assert res.exit_code == 0, res.output
        assert layer.read_text(encoding="utf-8").startswith("code,name\n00001")
    assert "csv/xa_cu.csv" not in _manifest(out)


def test_map_and_publish_refuse_to_write_onto_their_inputs(demo_small, tmp_path):
    before = demo_small.read_bytes()
    res = CliRunner().invoke(cli, ["map", "mines", "--catalog", str(demo_small), "--out", str(demo_small),
                                   "--overwrite"])
    assert res.exit_code == 2 and "input" in res.stderr and str(demo_small) in res.stderr
    assert demo_small.read_bytes() == before
    layer = demo_small.parent / "data" / "mines.gpkg"
    layer_bytes = layer.read_bytes()
    res = CliRunner().invoke(cli, ["map", "mines", "--catalog", str(demo_small), "--out", str(layer), "--overwrite"])
    assert res.exit_code == 2 and "input" in res.stderr
    assert layer.read_bytes() == layer_bytes


def test_map_keeps_a_users_file_and_records_its_own(demo_small, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "README.md").write_text("ghi chú", encoding="utf-8")
    for extra in ([], ["--overwrite"]):
        res = CliRunner().invoke(cli, ["map", "mines", "--catalog", str(demo_small), "--out",
                                       str(site / "mines.html"), *extra])
        assert res.exit_code == 0, res.output
    listed = _manifest(site)
    assert "mines.html" in listed and "README.md" not in listed
    assert any(f.startswith("assets/vendor/") for f in listed)
    assert (site / "README.md").read_text(encoding="utf-8") == "ghi chú"
    assert not [p for p in site.rglob(".*") if p.name != MANIFEST]  # no temporary files


def test_folder_that_cannot_be_created_is_an_output_error(tmp_path):
    blocker = tmp_path / "a_file.txt"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match=r"a_file.txt is a file"):
        ensure_dir(blocker / "reports" / "csv")
    with pytest.raises(OutputError, match="a_file.txt"):
        write_reports(_results("a"), blocker / "reports")
    with pytest.raises(OutputError, match="is a file"):
        OutputFolder(blocker)
    res = CliRunner().invoke(cli, ["indicators", "--out", str(blocker / "r"), "--no-progress",
                                   "--catalog", str(tmp_path / "none.toml")])
    assert res.exit_code == 2


def test_check_not_input_follows_links_and_folders(tmp_path):
    data = tmp_path / "data.gdb"
    data.mkdir()
    (data / "a").write_text("x", encoding="utf-8")
    link = tmp_path / "link.csv"
    src = tmp_path / "src.csv"
    src.write_text("x", encoding="utf-8")
    link.symlink_to(src)
    with pytest.raises(OutputError, match="input"):
        check_not_input(link, [src])
    with pytest.raises(OutputError, match="inside the input folder"):
        check_not_input(data / "out.csv", [data])
    assert check_not_input(tmp_path / "other.csv", [src, data]) == tmp_path / "other.csv"


def test_atomic_write_failure_leaves_nothing(tmp_path):
    target = tmp_path / "t.gpkg"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("driver failed")
    assert list(tmp_path.iterdir()) == []


SHP_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg"}


def test_shapefile_parts_checked_before_writing_and_no_temporary_folder(tmp_path):
    gdf = sample_frame(TYPES["mines"])
    path = write_layer(gdf, tmp_path / "mo.shp")
    assert {p.suffix for p in tmp_path.iterdir()} == SHP_PARTS
    assert len(list(tmp_path.iterdir())) == 5  # no .shpdir folder, no temporary file
    # another layer: only a stray .dbf of the same name exists
    other = tmp_path / "b"
    other.mkdir()
    (other / "xa.dbf").write_bytes(b"user's table")
    with pytest.raises(OutputExistsError, match=r"xa\.dbf"):
        write_layer(gdf, other / "xa.shp")
    assert [p.name for p in other.iterdir()] == ["xa.dbf"]
    # the parts of a shapefile that is the layer's input are never written onto
    back = read_layer(path, layer_type="mines")
    with pytest.raises(ReadError, match="own input"):
        write_layer(back, path, overwrite=True)
    write_layer(gdf, path, overwrite=True)  # replacing a plain earlier output works
    assert len(list(tmp_path.iterdir())) == 6  # 5 parts + folder b


def test_shapefile_failure_leaves_no_temporary_folder(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        Path(args[1]).write_bytes(b"half")
        raise pyogrio.errors.DataSourceError("disk trouble")

    monkeypatch.setattr(pyogrio, "write_dataframe", broken)
    with pytest.raises(pyogrio.errors.DataSourceError):
        write_layer(sample_frame(TYPES["mines"]), tmp_path / "mo.shp")
    with pytest.raises(pyogrio.errors.DataSourceError):
        write_layer(sample_frame(TYPES["mines"]), tmp_path / "mo.gpkg")
    assert list(tmp_path.iterdir()) == []


def test_demo_rebuilds_its_reports_and_site_but_keeps_the_users_files(demo_small, tmp_path):
    data = demo_small.parent / "data"
    reports, site = tmp_path / "reports", tmp_path / "maps"
    args = ["demo", "--out", str(data), "--size", "small", "--reports", str(reports), "--site", str(site)]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    (reports / "ghi_chu.txt").write_text("của tôi", encoding="utf-8")
    (site / "README.md").write_text("trang của tôi", encoding="utf-8")
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert (reports / "ghi_chu.txt").read_text(encoding="utf-8") == "của tôi"
    assert (site / "README.md").read_text(encoding="utf-8") == "trang của tôi"
    assert WORKBOOK in _manifest(reports) and "index.html" in _manifest(site)


def test_demo_never_replaces_a_users_catalog_toml(tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    (data / "catalog.toml").write_text("[catalog]\ntitle = 'của tôi'\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["demo", "--out", str(data), "--size", "small", "--summary-only"])
    assert res.exit_code == 2 and "catalog.toml" in res.stderr
    assert (data / "catalog.toml").read_text(encoding="utf-8") == "[catalog]\ntitle = 'của tôi'\n"


def test_disk_full_while_writing_names_the_output(tmp_path):
    import errno

    target = tmp_path / "bang.csv"
    with pytest.raises(OutputError, match=r"cannot write .*bang\.csv: No space left on device"), \
            atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []
