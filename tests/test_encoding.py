import unicodedata

import pandas as pd
import pytest

from gisplan.encoding import (
    decode_legacy,
    detect_legacy,
    encode_legacy,
    fix_text_columns,
    normalize_name,
)
from gisplan.errors import EncodingError

NAMES = [
    "Thái Nguyên", "Bắc Kạn", "Định Hóa", "Thần Sa", "Phượng Hoàng", "Nam Xuân Lạc", "Chợ Đồn",
    "Na Rì", "Võ Nhai", "Đại Từ", "Phổ Yên", "Sông Công", "Phú Lương", "Đồng Hỷ", "Pác Nặm",
    "Ngân Sơn", "Vườn quốc gia Ba Bể", "Khu bảo vệ cảnh quan Thác Giềng", "Kim Hỷ", "Tam Đảo",
    "Khu dự trữ thiên nhiên", "rừng đặc dụng", "Ủy ban nhân dân", "ngữ nghĩa", "thuỷ lợi",
]


@pytest.mark.parametrize("enc", ["tcvn3", "vni", "utf-8"])
def test_round_trip_real_place_names(enc):
    for name in NAMES:
        legacy = encode_legacy(name, enc)
        expected = name if enc != "tcvn3" else _tcvn3_expected(name)
        assert decode_legacy(legacy, enc) == unicodedata.normalize("NFC", expected)


def _tcvn3_expected(name):
    # TCVN3 has no toned capitals: they come back lower case (documented)
    out = []
    for ch in name:
        if ch.isupper() and ch.lower() != ch and ch not in "ĂÂÊÔƠƯĐ" and not ch.isascii():
            out.append(ch.lower())
        else:
            out.append(ch)
    return "".join(out)


def test_cp1258_combining_tones_become_nfc():
    # cp1258: "Việt" = V i ê(0xEA) + combining dot below (0xF2) t
    assert decode_legacy("Vi\xea\xf2t", "cp1258") == unicodedata.normalize("NFC", "Việt")


def test_issue_examples():
    assert decode_legacy("V\xadên Quèc gia Ba BÓ", "tcvn3") == "Vườn Quốc gia Ba Bể"
    assert decode_legacy("Vöôøn Quoác gia Ba Beå", "vni") == "Vườn Quốc gia Ba Bể"


@pytest.mark.parametrize("enc", ["tcvn3", "vni", "utf-8"])
def test_detection_finds_the_encoding(enc):
    values = [encode_legacy(n, enc) for n in NAMES]
    assert detect_legacy(values) == enc


def test_detection_leaves_unicode_and_ascii_alone():
    assert detect_legacy(NAMES) is None
    assert detect_legacy(["Ba Be", "Thai Nguyen"]) is None
    assert detect_legacy([]) is None


def test_fix_text_columns_decodes_per_column_and_copies():
    df = pd.DataFrame({
        "a": [encode_legacy(n, "tcvn3") for n in NAMES[:5]],
        "b": [encode_legacy(n, "vni") for n in NAMES[:5]],
        "c": NAMES[:5],
        "n": range(5),
    })
    before = df.copy()
    out, done = fix_text_columns(df)
    assert done == {"a": "tcvn3", "b": "vni"}
    assert list(out["b"]) == NAMES[:5]
    assert list(out["c"]) == NAMES[:5]
    assert out["a"][0] == "Thái Nguyên"
    pd.testing.assert_frame_equal(df, before)


def test_forced_encoding_error_names_column_and_row():
    df = pd.DataFrame({"ten": ["ok", "\xff\xfe"]})
    with pytest.raises(EncodingError, match=r"column 'ten', row 1"):
        fix_text_columns(df, encoding="utf-8")


@pytest.mark.parametrize(
    "a,b",
    [("Hoà Bình", "Hòa Bình"), ("xã Thuỷ Nguyên", "Thủy Nguyên"), ("Phường Quán Triều", "quán triều"),
     ("Sỹ Bình", "Sĩ Bình"), ("Ðồng Hỷ", "Đồng Hỷ"), ("Khoẻ", "khỏe")],
)
def test_normalize_name_joins_spelling_variants(a, b):
    assert normalize_name(a) == normalize_name(b)


def test_normalize_name_keeps_distinct_names_distinct():
    assert normalize_name("Hòa Bình") != normalize_name("Hòa Bính")
    assert normalize_name("Quy Kỳ") != normalize_name("Quy Kì Sơn")


def test_cp1258_encoding_writes_combining_tones_like_windows():
    # "Bể": B, ê (0xEA, precomposed), combining hook above (0xD2); "Vườn": ư (0xFD), combining grave (0xCC)
    assert encode_legacy("Bể", "cp1258") == "B\xea\xd2"
    assert encode_legacy("Vườn", "cp1258") == "V\xfd\xf5\xccn"
    for name in NAMES:
        assert decode_legacy(encode_legacy(name, "cp1258"), "cp1258") == unicodedata.normalize("NFC", name)
    assert detect_legacy([encode_legacy(n, "cp1258") for n in NAMES]) == "cp1258"


def test_tcvn3_table_spot_checks_against_the_standard():
    # bytes of TCVN 5712:1993 (ABC): the first and last byte of each group, and the codes that
    # break the byte order (ặ after ắ at 0xC6; ỏ at 0xE1, skipping 0xE0)
    standard = {0xA1: "Ă", 0xA7: "Đ", 0xA8: "ă", 0xAE: "đ", 0xB5: "à", 0xB9: "ạ", 0xC6: "ặ",
                0xCC: "è", 0xCE: "ẻ", 0xDC: "ĩ", 0xDF: "ò", 0xE1: "ỏ", 0xEF: "ù", 0xF1: "ủ",
                0xFE: "ỵ"}
    for byte, letter in standard.items():
        assert decode_legacy(chr(byte), "tcvn3") == letter
        assert encode_legacy(letter, "tcvn3") == chr(byte)
    # every toned lower-case vowel has its own byte: 12 vowels × 5 tones, all distinct
    toned = [unicodedata.normalize("NFC", v + m) for v in "aăâeêioôơuưy"
             for m in ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323")]
    codes = [encode_legacy(t, "tcvn3") for t in toned]
    assert all(len(c) == 1 and 0xB5 <= ord(c) <= 0xFE for c in codes)
    assert len(set(codes)) == 60
