import pandas as pd

from gisplan.crosswalk import build_crosswalk, fold_accents, parse_composition, unit_type_of


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
