"""Vietnamese text: legacy font encodings (TCVN3/ABC, VNI-Windows), mis-declared code pages,
and name normalisation for joins.

TCVN3 and VNI-Windows are *font* encodings, not code pages: GDAL cannot decode them. A file
written with them arrives as bytes that a reader shows as Latin-1 look-alikes
(``V­ên Quèc gia Ba BÓ`` for TCVN3, ``Vöôøn Quoác gia Ba Beå`` for VNI). gisplan works on such
"byte strings" (every character ≤ U+00FF, i.e. one byte each) and decodes them:

- **TCVN3 (ABC)** puts each Vietnamese letter in one byte of 0xA1–0xFE. It has capitals only for
  the seven base letters Ă Â Ê Ô Ơ Ư Đ; toned capitals were typed with an upper-case *font*
  (.VnTimeH) over the lower-case codes, so they decode to lower case (the information is not in
  the bytes).
- **VNI-Windows** writes a base letter followed by one mark byte (``ù`` acute, ``ø`` grave,
  ``û`` hook, ``õ`` tilde, ``ï`` dot, ``â`` circumflex, ``ê`` breve, combined circumflex/breve +
  tone bytes), with single bytes for ơ ư đ and a few i/y letters.
- **cp1258** (Windows Vietnamese) uses combining tone marks; **UTF-8** read as Latin-1 shows as
  ``VÆ°á»n``.

Detection scores each candidate by how many words decode to well-formed Vietnamese syllables
(letters of the Vietnamese alphabet, at most one tone mark), so plain ASCII and genuine Unicode
are never touched. Output is always Unicode NFC.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd

from gisplan._frames import map_unique
from gisplan.errors import EncodingError

#: Encodings gisplan decodes itself, besides Python codecs such as "utf-8" or "cp1258".
LEGACY_ENCODINGS = ("tcvn3", "vni")

# --------------------------------------------------------------------------------------------
# TCVN3 (ABC): byte -> letter
#: Bytes of the toned vowels: per vowel, the bytes of its huyền, hỏi, ngã, sắc and nặng forms.
_TCVN3_TONED = {
    "a": "B5 B6 B7 B8 B9", "ă": "BB BC BD BE C6", "â": "C7 C8 C9 CA CB", "e": "CC CE CF D0 D1",
    "ê": "D2 D3 D4 D5 D6", "i": "D7 D8 DC DD DE", "o": "DF E1 E2 E3 E4", "ô": "E5 E6 E7 E8 E9",
    "ơ": "EA EB EC ED EE", "u": "EF F1 F2 F3 F4", "ư": "F5 F6 F7 F8 F9", "y": "FA FB FC FD FE",
}
_TCVN3 = dict(zip(range(0xA1, 0xAF), "ĂÂÊÔƠƯĐăâêôơưđ", strict=True))
for _v, _codes in _TCVN3_TONED.items():
    for _code, _mark in zip(_codes.split(), "\u0300\u0309\u0303\u0301\u0323", strict=True):
        _TCVN3[int(_code, 16)] = unicodedata.normalize("NFC", _v + _mark)
_TCVN3_DECODE = str.maketrans({chr(b): c for b, c in _TCVN3.items()})
_TCVN3_ENCODE = {c: chr(b) for b, c in _TCVN3.items()}

# --------------------------------------------------------------------------------------------
# VNI-Windows: letter -> byte sequence (as Latin-1 characters)
_TONES = ("", "ù", "ø", "û", "õ", "ï")  # none, sắc, huyền, hỏi, ngã, nặng
_TONE_COMBINING = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
_CIRC_TONES = ("â", "á", "à", "å", "ã", "ä")  # circumflex alone, + sắc, huyền, hỏi, ngã, nặng
_BREVE_TONES = ("ê", "é", "è", "ú", "ü", "ë")


def _build_vni() -> dict[str, str]:
    table: dict[str, str] = {}

    def put(base_uni: str, seqs: Iterable[str]) -> None:
        for tone, seq in zip(_TONE_COMBINING, seqs, strict=True):
            uni = unicodedata.normalize("NFC", base_uni + tone)
            table[uni] = seq
            table[uni.upper()] = seq.upper()

    for v in "aeiouy":
        put(v, [v + t for t in _TONES])
    for v in "aeo":  # â ê ô
        put(v + "\u0302", [v + t for t in _CIRC_TONES])
    put("a\u0306", ["a" + t for t in _BREVE_TONES])  # ă
    put("ơ", ["ô" + t for t in _TONES])
    put("ư", ["ö" + t for t in _TONES])
    # single-byte i/y letters
    for uni, seq in (("í", "í"), ("ì", "ì"), ("ỉ", "æ"), ("ĩ", "ó"), ("ị", "ò"), ("ỵ", "î")):
        table[uni] = seq
        table[uni.upper()] = seq.upper()
    table["i"], table["I"], table["y"], table["Y"] = "i", "I", "y", "Y"
    table["đ"], table["Đ"] = "ñ", "Ñ"
    return table


_VNI_ENCODE = _build_vni()
_VNI_DECODE = {seq: uni for uni, seq in _VNI_ENCODE.items() if seq != uni}
_VNI_PATTERN = re.compile("|".join(re.escape(s) for s in sorted(_VNI_DECODE, key=len, reverse=True)))

# --------------------------------------------------------------------------------------------
# What a well-formed Vietnamese word looks like
_VN_LOWER = set("abcdefghijklmnopqrstuvwxyzđ") | {
    unicodedata.normalize("NFC", b + t)
    for b in ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")
    for t in _TONE_COMBINING
}
_TONED = {c for c in _VN_LOWER if any(m in unicodedata.normalize("NFD", c) for m in _TONE_COMBINING[1:])}
_WORD = re.compile(r"[^\s\d\-–,.;:()/\\'\"_&+]+")


_LEGACY_ALIASES = {"tcvn3": "tcvn3", "abc": "tcvn3", "tcvn": "tcvn3", "tcvn-3": "tcvn3", "tcvn5712": "tcvn3",
                   "vni": "vni", "vni-windows": "vni", "vniwin": "vni", "vni-win": "vni"}


def normalize_encoding(name: str | None) -> str:
    """The canonical name of a text encoding given by a user, case-insensitively.

    ``"auto"`` (also None or ``""``), gisplan's legacy encodings ``"tcvn3"`` (aliases ``abc``,
    ``tcvn``) and ``"vni"`` (``vni-windows``), or Python's name of a codec (``"UTF-8"`` →
    ``"utf-8"``, ``"CP1258"`` / ``"windows-1258"`` → ``"cp1258"``, ``"Latin1"`` → ``"iso8859-1"``).

    Raises
    ------
    EncodingError
        For a name that is none of these, listing the accepted ones.

    Examples
    --------
    >>> normalize_encoding("TCVN3"), normalize_encoding("Vni"), normalize_encoding("UTF8")
    ('tcvn3', 'vni', 'utf-8')
    """
    import codecs

    key = str(name or "auto").strip().lower().replace("_", "-")
    if key == "auto":
        return "auto"
    if key in _LEGACY_ALIASES:
        return _LEGACY_ALIASES[key]
    try:
        return codecs.lookup(key).name
    except LookupError:
        raise EncodingError(
            f"unknown text encoding {name!r}: give auto, tcvn3 (ABC), vni (VNI-Windows), utf-8, "
            f"cp1258 or another Python codec name (case does not matter)"
        ) from None


def decode_legacy(text: str, encoding: str) -> str:
    """Decode a byte string (characters ≤ U+00FF) written in a legacy encoding to Unicode NFC.

    Parameters
    ----------
    text : the text as read with a Latin-1 decoder (one character per byte).
    encoding : ``"tcvn3"``, ``"vni"``, or a Python codec name (``"utf-8"``, ``"cp1258"`` …).

    Examples
    --------
    >>> decode_legacy("V\\xadên Quèc gia Ba BÓ", "tcvn3")
    'Vườn Quốc gia Ba Bể'
    >>> decode_legacy("Vöôøn Quoác gia Ba Beå", "vni")
    'Vườn Quốc gia Ba Bể'
    >>> decode_legacy("VÆ°á»\\x9dn", "utf-8")
    'Vườn'
    """
    if text is None:
        return text
    enc = normalize_encoding(encoding)
    if enc == "tcvn3":
        out = text.translate(_TCVN3_DECODE)
    elif enc == "vni":
        out = _VNI_PATTERN.sub(lambda m: _VNI_DECODE[m.group(0)], text)
    else:
        out = _to_bytes(text).decode(enc)
    return unicodedata.normalize("NFC", out)


def encode_legacy(text: str, encoding: str) -> str:
    """Encode Unicode text to a legacy byte string (inverse of :func:`decode_legacy`).

    Used to build test files and to check round trips. Toned capitals, which TCVN3 cannot
    represent, are written with the lower-case codes. ``"cp1258"`` writes tone marks as
    combining characters after the (precomposed) base letter, as Windows does.

    Examples
    --------
    >>> encode_legacy("Vườn Quốc gia Ba Bể", "vni")
    'Vöôøn Quoác gia Ba Beå'
    """
    text = unicodedata.normalize("NFC", text)
    enc = normalize_encoding(encoding)
    if enc == "tcvn3":
        out = []
        for ch in text:
            code = _TCVN3_ENCODE.get(ch) or _TCVN3_ENCODE.get(ch.lower())
            out.append(code if code is not None else ch)
        return "".join(out)
    if enc == "vni":
        return "".join(_VNI_ENCODE.get(ch, ch) for ch in text)
    if enc == "cp1258":
        return _cp1258_form(text).encode("cp1258").decode("latin-1")
    return text.encode(enc).decode("latin-1")


_TONE_MARKS = set(_TONE_COMBINING[1:])


def _cp1258_form(text: str) -> str:
    """Unicode text in the form Windows-1258 can hold: letters with their shape marks (â ă ê ô
    ơ ư) precomposed, tone marks as combining characters after them (how Windows writes it)."""
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in _TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
        try:
            (base + tones).encode("cp1258")
        except UnicodeEncodeError:
            out.append(ch)  # not representable either way; let the codec report it
            continue
        try:
            ch.encode("cp1258")
            out.append(ch if not tones else base + tones)
        except UnicodeEncodeError:
            out.append(base + tones)
    return "".join(out)


def _to_bytes(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("cp1252")


def _is_byte_string(text: str) -> bool:
    try:
        _to_bytes(text)
    except UnicodeEncodeError:
        return False
    return True


def _score(texts: Iterable[str]) -> tuple[int, int]:
    """(well-formed Vietnamese words with a non-ASCII letter, malformed words)."""
    good = bad = 0
    for text in texts:
        for word in _WORD.findall(text.lower()):
            if word.isascii():
                continue
            toned = sum(ch in _TONED for ch in word)
            if all(ch in _VN_LOWER for ch in word) and toned <= 1:
                good += 1
            else:
                bad += 1
    return good, bad


def detect_legacy(values: Iterable[str]) -> str | None:
    """Detect the encoding of byte strings that are not plain ASCII.

    Returns ``"utf-8"``, ``"cp1258"``, ``"tcvn3"`` or ``"vni"`` when decoding with it gives
    clearly more well-formed Vietnamese words than the text as it is, else None (ASCII, genuine
    Unicode, or undecidable).

    Examples
    --------
    >>> detect_legacy(["V\\xadên Quèc gia Ba BÓ", "Kim Hû"])
    'tcvn3'
    >>> detect_legacy(["Vöôøn Quoác gia Ba Beå"])
    'vni'
    >>> detect_legacy(["Vườn Quốc gia Ba Bể", "Ba Be"]) is None
    True
    """
    texts = [v for v in values if isinstance(v, str) and not v.isascii()]
    if not texts or not all(_is_byte_string(t) for t in texts):
        return None
    base_good, base_bad = _score(texts)
    best, best_key = None, (base_good - base_bad, 0)
    for enc in ("utf-8", "tcvn3", "vni", "cp1258"):
        try:
            decoded = [decode_legacy(t, enc) for t in texts]
        except (UnicodeDecodeError, UnicodeEncodeError):
            continue
        good, bad = _score(decoded)
        if bad * 10 > good + bad:  # more than 10 % malformed words: not this encoding
            continue
        key = (good - bad, -bad)
        if key > best_key:
            best, best_key = enc, key
    return best


def fix_text_columns(df: pd.DataFrame, *, encoding: str = "auto") -> tuple[pd.DataFrame, dict[str, str]]:
    """Decode the text columns of ``df`` to Unicode NFC; returns a copy and what was decoded.

    Parameters
    ----------
    df : a (Geo)DataFrame whose text may be legacy byte strings.
    encoding : ``"auto"`` detects per column; a name (``"tcvn3"``, ``"vni"``, ``"utf-8"``,
        ``"cp1258"`` …) forces that encoding on every non-ASCII byte-string value.

    Returns
    -------
    (copy of df, {column: encoding decoded from}) — columns already in Unicode are only
    NFC-normalised and not listed.

    Raises
    ------
    EncodingError
        When a forced encoding cannot decode a value (names the column and row).
    """
    encoding = normalize_encoding(encoding)
    out = df.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    done: dict[str, str] = {}
    for col in out.columns:
        s = out[col]
        if col == getattr(out, "_geometry_column_name", None) or not (
            pd.api.types.is_string_dtype(s) or s.dtype == object
        ):
            continue
        # each distinct value is looked at once (lot files repeat a few names over many rows)
        uniques = pd.unique(s.dropna())
        values = [v for v in uniques if isinstance(v, str) and not v.isascii()]
        if not values:
            continue
        enc = detect_legacy(values) if encoding == "auto" else encoding
        if enc is None or enc.lower() in ("utf-8", "utf8") and encoding == "auto" and not all(
            _is_byte_string(v) for v in values
        ):
            out[col] = map_unique(s, lambda v: unicodedata.normalize("NFC", v)
                                  if isinstance(v, str) and not v.isascii() else v)
            continue

        def fix(v, col=col, enc=enc, s=s):
            if not isinstance(v, str) or v.isascii():
                return v
            if not _is_byte_string(v):  # already Unicode
                return unicodedata.normalize("NFC", v)
            try:
                return decode_legacy(v, enc)
            except (UnicodeDecodeError, LookupError) as exc:
                idx = s.index[int(np.flatnonzero(s.to_numpy(dtype=object) == v)[0])]
                raise EncodingError(
                    f"column {col!r}, row {idx}: cannot decode {v!r} as {enc} ({exc}); "
                    f"try --encoding auto or another encoding (tcvn3, vni, cp1258, utf-8)"
                ) from exc
        out[col] = map_unique(s, fix)
        done[col] = enc
    return out, done


def decode_column_names(names: Iterable[str], encoding: str = "auto",
                        hint: Iterable[str] = ()) -> dict[str, str]:
    """``{name as read: Unicode NFC name}`` for column names that are legacy byte strings.

    DBF field names are bytes: a Shapefile written with TCVN3 field names (``Tªn`` = ``Tên``)
    comes back as Latin-1 look-alikes. ``encoding`` is forced when not ``"auto"``; with
    ``"auto"`` it is detected from the names (:func:`detect_legacy`), else taken from ``hint``
    (the encodings found in the text columns) when that is one legacy encoding. Names that do
    not decode, or would collide with another column, are left as they are.

    Examples
    --------
    >>> decode_column_names(["MA", "T\u00aan"], hint=["tcvn3"])
    {'Tªn': 'Tên'}
    """
    names = [n for n in names if isinstance(n, str)]
    cand = [n for n in names if not n.isascii() and _is_byte_string(n)]
    if not cand:
        return {}
    enc = normalize_encoding(encoding)
    if enc == "auto":
        enc = detect_legacy(cand)
        if enc is None:
            legacy = {h for h in hint if h in LEGACY_ENCODINGS}
            enc = legacy.pop() if len(legacy) == 1 else None
    if enc is None:
        return {}
    out: dict[str, str] = {}
    for name in cand:
        try:
            new = decode_legacy(name, enc)
        except (UnicodeDecodeError, UnicodeEncodeError, LookupError):
            continue
        if new != name and new not in names and new not in out.values():
            out[name] = new
    return out


# --------------------------------------------------------------------------------------------
# Names for joins
_PREFIXES = (
    "thành phố", "thị xã", "thị trấn", "phường", "xã", "huyện", "quận", "tỉnh", "đặc khu",
    "tp.", "tp ", "tx.", "tt.", "p.", "x.",
)
# old-style tone placement (on the first vowel of oa/oe/uy) -> new style (on the second vowel)
_OLD_TONE = {}
for _pair in ("oa", "oe", "uy"):
    for _t in _TONE_COMBINING[1:]:
        _old = unicodedata.normalize("NFC", _pair[0] + _t) + _pair[1]
        _new = _pair[0] + unicodedata.normalize("NFC", _pair[1] + _t)
        _OLD_TONE[_old] = _new
_OLD_TONE_RE = re.compile("(" + "|".join(map(re.escape, _OLD_TONE)) + r")(?![a-zăâêôơưđ\u0300-\u0323])")


def normalize_name(name: str, *, fold_i_y: bool = True, strip_prefix: bool = True) -> str:
    """Normalise a Vietnamese place name for joining names from different sources.

    NFC, lower case, ``Ð`` (U+00D0) read as ``Đ``, unit prefixes stripped (xã, phường, thị trấn,
    TP. …), whitespace collapsed, tone marks moved to one placement (``hoà`` → ``hòa``,
    ``thuỷ`` → ``thủy``) and, with ``fold_i_y``, word-final ``y`` read as ``i`` (``Sỹ`` = ``Sĩ``).

    Examples
    --------
    >>> normalize_name("Xã Hoà Bình") == normalize_name("hòa bình")
    True
    >>> normalize_name("Phường Thuỷ Tiên") == normalize_name("Thủy Tiên")
    True
    >>> normalize_name("Quân Sỹ") == normalize_name("Quân Sĩ")
    True
    >>> normalize_name("Ðại Từ")
    'đại từ'
    """
    if name is None:
        return ""
    s = unicodedata.normalize("NFC", str(name)).replace("\u00d0", "Đ").lower().strip()
    s = re.sub(r"\s+", " ", s)
    if strip_prefix:
        for p in _PREFIXES:
            if s.startswith(p) and len(s) > len(p):
                s = s[len(p):].strip()
                break
    s = _OLD_TONE_RE.sub(lambda m: _OLD_TONE[m.group(1)], s)
    if fold_i_y:
        s = " ".join(_fold_y(w) for w in s.split(" "))
    return s


def _fold_y(word: str) -> str:
    # word-final y after a consonant (Sỹ, Kỷ, Lý) is the i-sound: fold to i with the same tone
    if len(word) >= 2 and word[-2] not in "aăâeêioôơuưy" and unicodedata.normalize("NFD", word[-1])[0] == "y":
        tail = unicodedata.normalize("NFD", word[-1])
        return word[:-1] + unicodedata.normalize("NFC", "i" + tail[1:])
    return word


#: unit-type prefixes of a commune/ward name (Vietnamese) -> unit type code
_TYPE_PREFIX = (("thị trấn", "thi_tran"), ("phường", "phuong"), ("xã", "xa"), ("đặc khu", "dac_khu"))


def unit_type_of(name: str) -> str | None:
    """``"xa"``, ``"phuong"``, ``"thi_tran"`` or ``"dac_khu"`` from a name's prefix, else None.

    Examples
    --------
    >>> unit_type_of("Thị trấn Chợ Rã"), unit_type_of("phường Gia Sàng"), unit_type_of("Ba Bể")
    ('thi_tran', 'phuong', None)
    """
    low = unicodedata.normalize("NFC", str(name)).strip().lower()
    for prefix, code in _TYPE_PREFIX:
        if low.startswith(prefix + " "):
            return code
    return None


def fold_accents(name: str) -> str:
    """Name without any diacritics (đ → d), after :func:`normalize_name`.

    Examples
    --------
    >>> fold_accents("Phường Quán Triều")
    'quan trieu'
    """
    base = unicodedata.normalize("NFD", normalize_name(name).replace("đ", "d"))
    return "".join(ch for ch in base if not unicodedata.combining(ch))
