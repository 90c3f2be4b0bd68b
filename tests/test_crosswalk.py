import pandas as pd

from gisplan.crosswalk import build_crosswalk, parse_composition
from gisplan.encoding import fold_accents, unit_type_of


def test_parse_composition_and_kept_units():
    assert parse_composition("Xã A, Xã B; Phường C", "Xã D") == ["Xã A", "Xã B", "Phường C"]
    assert parse_composition("giữ nguyên", "Xã Sảng Mộc") == ["Xã Sảng Mộc"]
    assert parse_composition(None, "Xã X") == []


def test_unit_type_and_folding():
    assert unit_type_of("Thị trấn Chợ Rã") == "thi_tran"
    assert unit_type_of("phường Gia Sàng") == "phuong"
    assert unit_type_of("Ba Bể") is None
    assert fold_accents("Phường Quán Triều") == fold_accents("Quan Triều") == "quan trieu"


def test_crosswalk_variants_splits_and_homonyms():
    old = pd.DataFrame({
        "code": ["1", "2", "3", "4", "5", "6", "7"],
        "name": ["Xã Hoà Bình", "Xã Thuỷ Tiên", "Phường Quán Triều", "Phường Trung Thành",
                 "Phường Trung Thành", "Phường Gia Sàng", "Xã Sảng Mộc"],
        "district": ["H1", "H1", "TP Thái Nguyên", "Thành phố Thái Nguyên", "Thành phố Phổ Yên",
                     "Thành phố Thái Nguyên", "Huyện Võ Nhai"],
    })
    new = pd.DataFrame({
        "code": ["A", "B", "C", "D", "E"],
        "name": ["Xã Hòa Thủy", "Phường Quan Triều", "Phường Phổ Yên", "Phường Gia Sàng", "Xã Sảng Mộc"],
        "before_merger": ["Xã Hòa Bình, Xã Thủy Tiên", "Phường Quan Triều, Phường Trung Thành (thành phố Thái Nguyên)",
                          "Phường Trung Thành (thành phố Phổ Yên)", "Phường Gia Sàng", "giữ nguyên"],
    })
    # the old Gia Sàng is also split: part of it went to B
    new.loc[1, "before_merger"] += ", Phường Gia Sàng"
    cw = build_crosswalk(old, new)
    got = {(r.old_code, r.new_code): r.match_method for r in cw.itertuples()}
    assert got == {("1", "A"): "exact", ("2", "A"): "exact", ("3", "B"): "accent_folded",
                   ("4", "B"): "exact", ("5", "C"): "exact", ("6", "B"): "exact", ("6", "D"): "exact",
                   ("7", "E"): "exact"}
    assert set(cw[cw.split].old_code) == {"6"}
    assert cw.attrs["unused"] == []


# --- the crosswalk table and `gisplan crosswalk` --------------------------------------------
import csv  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import openpyxl  # noqa: E402
import pyogrio  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from gisplan.cli.main import cli  # noqa: E402
from gisplan.crosswalk import crosswalk_counts, crosswalk_table  # noqa: E402
from gisplan.errors import DataMissingError  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OLD_CSV = ("level3_id,commune,district\n"
           "00010,Xã Hoà Bình,Huyện Một\n00011,Xã Thuỷ Tiên,Huyện Một\n00012,Phường Gia Sàng,TP Hai\n"
           "00013,Xã Không Có,Huyện Một\n00014,Xã Sảng Mộc,Huyện Ba\n")
NEW_CSV = ("new_code,new_name,before_merger\n"
           '01000,Xã Hòa Thủy,"Xã Hòa Bình, Xã Thủy Tiên"\n'
           '02000,Phường Gia Sàng,"Phường Gia Sàng"\n'
           '03000,Phường Cam Giá,"Phường Gia Sàng, Phường Ma Xó"\n'
           "04000,Xã Sảng Mộc,giữ nguyên\n"
           "05000,Xã Trống,\n")


def _frames():
    old = pd.DataFrame({"code": ["00010", "00011", "00012", "00013", "00014"],
                        "name": ["Xã Hoà Bình", "Xã Thuỷ Tiên", "Phường Gia Sàng", "Xã Không Có", "Xã Sảng Mộc"]})
    new = pd.DataFrame({"code": ["01000", "02000", "03000", "04000", "05000"],
                        "name": ["Xã Hòa Thủy", "Phường Gia Sàng", "Phường Cam Giá", "Xã Sảng Mộc", "Xã Trống"],
                        "before_merger": ["Xã Hòa Bình, Xã Thủy Tiên", "Phường Gia Sàng",
                                          "Phường Gia Sàng, Phường Ma Xó", "giữ nguyên", None]})
    return old, new


def test_table_lists_every_old_unit_once_or_per_split_with_reasons():
    old, new = _frames()
    table = crosswalk_table(old, new)
    rows = {(r.old_code, r.new_code if isinstance(r.new_code, str) else None): r.match_method
            for r in table.itertuples()}
    assert rows == {("00010", "01000"): "exact", ("00011", "01000"): "exact", ("00012", "02000"): "exact",
                    ("00012", "03000"): "exact", ("00013", None): "unmatched", ("00014", "04000"): "exact"}
    lost = table[table.match_method == "unmatched"].iloc[0]
    assert "no 2025 unit lists this name" in lost["reason"]
    assert table.loc[table.match_method != "unmatched", "reason"].eq("").all()
    assert table.attrs["unused"] == ["Phường Ma Xó"]
    # by hand: 5 old units, 6 rows, Gia Sàng split in 2, 4 of 5 new units receive one (not Xã Trống)
    assert crosswalk_counts(table) == {"old_units": 5, "rows": 6, "exact": 4, "accent_folded": 0, "declared": 0,
                                       "unmatched": 1, "split": 1, "new_units": 5, "new_units_receiving": 4,
                                       "new_units_without_old": 1, "unused_names": 1}


def test_declared_new_codes_are_checked():
    old, new = _frames()
    old["new_code"] = ["01000", "01000", "09999", None, "04000"]
    table = crosswalk_table(old, new.drop(columns="before_merger"))
    by_old = table.set_index("old_code")
    assert by_old.loc["00010", "match_method"] == "declared" and by_old.loc["00010", "new_name"] == "Xã Hòa Thủy"
    assert by_old.loc["00012", "match_method"] == "unmatched"
    assert by_old.loc["00012", "reason"] == "its new_code 09999 is not the code of any 2025 unit"
    assert by_old.loc["00013", "reason"] == "no new_code given for this unit in the pre-2025 layer"
    assert len(table) == 5 and not table.split.any()
    with pytest.raises(DataMissingError, match="before_merger"):
        crosswalk_table(old.drop(columns="new_code"), new.drop(columns="before_merger"))


@pytest.fixture
def files(tmp_path):
    (tmp_path / "cu.csv").write_text(OLD_CSV, encoding="utf-8")
    (tmp_path / "moi.csv").write_text(NEW_CSV, encoding="utf-8")
    return tmp_path / "cu.csv", tmp_path / "moi.csv"


def test_cli_writes_csv_and_workbook_and_prints_counts(files, tmp_path):
    old, new = files
    res = CliRunner().invoke(cli, ["crosswalk", "--old", str(old), "--new", str(new), "--out", str(tmp_path / "t.csv")])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("5 pre-2025 units: 4 by name, 1 unmatched; 1 split between several 2025 units; "
                                 "4 of 5 2025 units receive at least one (6 rows)")
    assert "warning: unmatched 00013 Xã Không Có (Huyện Một): no 2025 unit lists" in res.stderr
    assert "warning: 1 2025 unit(s) receive no pre-2025 unit: 05000" in res.stderr
    assert "Phường Ma Xó" in res.stderr
    back = pd.read_csv(tmp_path / "t.csv", dtype=str, encoding="utf-8-sig")
    assert back["old_code"].tolist() == ["00010", "00011", "00012", "00012", "00013", "00014"]
    res = CliRunner().invoke(cli, ["crosswalk", "--old", str(old), "--new", str(new), "--out", str(tmp_path / "t.xlsx")])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").worksheets[0]
    assert [c.value for c in ws[1]][:2] == ["Mã xã cũ", "Tên xã cũ"]
    assert ws.max_row == 7


def test_cli_never_writes_onto_an_input_and_checks_the_suffix(files, tmp_path):
    old, new = files
    before = old.read_bytes()
    res = CliRunner().invoke(cli, ["crosswalk", "--old", str(old), "--new", str(new), "--out", str(old), "--overwrite"])
    assert res.exit_code == 2 and "input" in res.stderr
    assert old.read_bytes() == before
    res = CliRunner().invoke(cli, ["crosswalk", "--old", str(old), "--new", str(new), "--out", str(tmp_path / "t.txt")])
    assert res.exit_code == 2 and ".csv or .xlsx" in res.stderr
    res = CliRunner().invoke(cli, ["crosswalk", "--old", str(old), "--new", str(tmp_path / "nope.csv"),
                                   "--out", str(tmp_path / "t.csv")])
    assert res.exit_code == 2 and "nope.csv" in res.stderr


def test_indicators_write_the_crosswalk_of_the_demo(demo_small, tmp_path):
    out = tmp_path / "r"
    res = CliRunner().invoke(cli, ["indicators", "--catalog", str(demo_small), "--out", str(out), "--no-progress"])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "csv" / "crosswalk.csv", dtype=str, encoding="utf-8-sig")
    old_path = demo_small.parent / "data" / "communes_pre2025.gpkg"
    assert len(table) == pyogrio.read_info(old_path)["features"]  # one row per old unit (declared codes)
    new_codes = set(pyogrio.read_dataframe(demo_small.parent / "data" / "communes.gpkg", read_geometry=False)["code"])
    assert set(table["new_code"]) == new_codes and len(new_codes) == 92
    assert (table["match_method"] == "declared").all()
    assert "Chuyển đổi xã cũ - mới" in openpyxl.load_workbook(out / "gisplan_chi_tieu.xlsx").sheetnames


def test_real_files_every_old_commune_and_every_new_unit(real_data, tmp_path):
    old = real_data / "dvhcvn_gso" / "tn_bk_communes_pre2025_gso.csv"
    new = real_data / "bando2025_thanglequoc" / "thai_nguyen_2025_ward_composition.csv"
    with old.open(encoding="utf-8") as f:
        gso_rows = list(csv.DictReader(f))
    with new.open(encoding="utf-8") as f:
        comp = list(csv.DictReader(f))
    pieces = sum(len([p for p in r["before_merger"].split(",") if p.strip()]) for r in comp)
    out = tmp_path / "cw.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = CliRunner().invoke(cli, ["crosswalk", "--old", str(old), "--new", str(new), "--out", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert set(table["old_code"]) == {r["level3_id"] for r in gso_rows} and len(gso_rows) == 280
    assert set(table["new_code"]) == {r["new_code"] for r in comp} and len(comp) == 92  # all 92 receive
    assert (table["match_method"] != "unmatched").all()
    assert len(table) == pieces == 283  # each composition name used once
    split = table[table["split"] == "True"]["old_code"].unique()
    assert len(split) == 3  # 283 pieces for 280 old units
    assert res.stdout.startswith("280 pre-2025 units:")
    # the same table from the catalog of the real layers (wards gpkg with its before_merger column)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = CliRunner().invoke(cli, ["crosswalk", "--catalog", str(REPO / "layers" / "real.toml"),
                                       "--out", str(tmp_path / "cw2.csv")])
    assert res.exit_code == 0, res.output
    again = pd.read_csv(tmp_path / "cw2.csv", dtype=str, encoding="utf-8-sig")
    assert again[["old_code", "new_code"]].equals(table[["old_code", "new_code"]])
