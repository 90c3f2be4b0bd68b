"""Read and write gettext catalogs: ``.po`` sources and the ``.mo`` files :mod:`gettext` loads.

Standard library only, so the build (``setup.py``) can load this file by its path and compile
the catalogs of ``po/`` without installing anything; what GNU ``msgfmt`` does for the subset of
the format gisplan's catalogs use: plain entries, plural entries (``msgid_plural``,
``msgstr[n]``), comments and flags. Fuzzy entries and untranslated ones are left out of the
``.mo`` (gettext then shows the English text), as ``msgfmt`` does.

Run as a script to compile one catalog: ``python gisplan/cli/_po.py po/vi.po out.mo``.
"""

from __future__ import annotations

import ast
import os
import struct
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

#: the gettext domain of gisplan's messages (``<localedir>/<lang>/LC_MESSAGES/gisplan.mo``)
DOMAIN = "gisplan"


@dataclass
class Entry:
    """One message of a catalog: ``msgid`` (and ``msgid_plural``), its translations
    (``msgstr``: one string, or one per plural form) and the comments above it (``#:``
    references, ``#.`` notes for translators, ``#,`` flags, ``#`` translator comments)."""

    msgid: str
    msgstr: list[str] = field(default_factory=lambda: [""])
    msgid_plural: str | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def key(self) -> str | tuple[str, str]:
        """``msgid``, or ``(msgid, msgid_plural)`` for a plural entry."""
        return self.msgid if self.msgid_plural is None else (self.msgid, self.msgid_plural)

    @property
    def fuzzy(self) -> bool:
        return any(c.startswith("#,") and "fuzzy" in c for c in self.comments)

    @property
    def translated(self) -> bool:
        return not self.fuzzy and all(self.msgstr)


def read_po(text: str) -> list[Entry]:
    """The entries of a ``.po`` file's text, header (``msgid ""``) first when present.

    >>> [e.key for e in read_po('msgid "a"\\nmsgstr "b"\\n\\nmsgid "x"\\nmsgid_plural "xs"\\nmsgstr[0] "y"\\n')]
    ['a', ('x', 'xs')]
    """
    entries: list[Entry] = []
    comments: list[str] = []
    current: dict[str, str] | None = None
    keyword = ""

    def finish():
        nonlocal current
        if current is not None:
            plural = current.get("msgid_plural")
            forms = sorted((k for k in current if k.startswith("msgstr")), key=lambda k: (len(k), k))
            entries.append(Entry(current.get("msgid", ""), [current[k] for k in forms] or [""], plural,
                                 current.get("#comments", [])))
        current = None

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if current is not None and keyword.startswith("msgstr"):
                finish()
            comments.append(line)
            continue
        if line.startswith('"'):
            if current is None:
                raise ValueError(f"line {number}: a string continues no keyword")
            current[keyword] += _unquote(line, number)
            continue
        keyword, _sep, rest = line.partition(" ")
        if keyword == "msgid" and current is not None:
            finish()
        if current is None:
            if keyword != "msgid":
                raise ValueError(f"line {number}: expected msgid, found {keyword!r}")
            current = {"#comments": comments}
            comments = []
        if keyword not in ("msgid", "msgid_plural") and not keyword.startswith("msgstr"):
            raise ValueError(f"line {number}: unknown keyword {keyword!r}")
        current[keyword] = _unquote(rest.strip(), number)
    finish()
    return entries


def _unquote(token: str, number: int) -> str:
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise ValueError(f"line {number}: expected a quoted string, found {token!r}")
    return ast.literal_eval(token)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n") + '"'


def _po_string(keyword: str, text: str) -> list[str]:
    """``keyword "text"``, or the text split after each newline on lines of its own."""
    if "\n" not in text.rstrip("\n"):
        return [f"{keyword} {_quote(text)}"]
    parts = text.splitlines(keepends=True)
    return [f'{keyword} ""'] + [_quote(p) for p in parts]


def write_po(entries: list[Entry]) -> str:
    """The text of a ``.po`` file holding ``entries`` (the inverse of :func:`read_po`)."""
    blocks = []
    for e in entries:
        lines = list(e.comments) + _po_string("msgid", e.msgid)
        if e.msgid_plural is None:
            lines += _po_string("msgstr", e.msgstr[0] if e.msgstr else "")
        else:
            lines += _po_string("msgid_plural", e.msgid_plural)
            for i, s in enumerate(e.msgstr or [""]):
                lines += _po_string(f"msgstr[{i}]", s)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def mo_bytes(entries: list[Entry]) -> bytes:
    """The ``.mo`` file (GNU format, little-endian, UTF-8) of the translated entries and the
    header; what :class:`gettext.GNUTranslations` reads."""
    pairs = {}
    for e in entries:
        if e.msgid and not e.translated:
            continue
        key = e.msgid if e.msgid_plural is None else e.msgid + "\0" + e.msgid_plural
        pairs[key.encode("utf-8")] = "\0".join(e.msgstr).encode("utf-8")
    keys = sorted(pairs)
    n = len(keys)
    ids_start = 7 * 4
    strs_start = ids_start + n * 8
    data_start = strs_start + n * 8
    ids, strs, data = [], [], b""
    for k in keys:
        ids.append((len(k), data_start + len(data)))
        data += k + b"\0"
    for k in keys:
        v = pairs[k]
        strs.append((len(v), data_start + len(data)))
        data += v + b"\0"
    head = struct.pack("<7I", 0x950412DE, 0, n, ids_start, strs_start, 0, 0)
    table = b"".join(struct.pack("<2I", *p) for p in ids) + b"".join(struct.pack("<2I", *p) for p in strs)
    return head + table + data


def compile_po(po: str | os.PathLike, mo: str | os.PathLike) -> Path:
    """Compile the catalog ``po`` into ``mo`` (written atomically; its folder created)."""
    mo = Path(mo)
    mo.parent.mkdir(parents=True, exist_ok=True)
    content = mo_bytes(read_po(Path(po).read_text(encoding="utf-8")))
    fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=f".{mo.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.chmod(tmp, 0o644)  # readable by every user of an installed gisplan (mkstemp makes it private)
        os.replace(tmp, mo)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return mo


def compile_all(po_dir: str | os.PathLike, locale_dir: str | os.PathLike) -> list[Path]:
    """Compile every ``<lang>.po`` of ``po_dir`` into ``<locale_dir>/<lang>/LC_MESSAGES/gisplan.mo``."""
    return [compile_po(po, Path(locale_dir) / po.stem / "LC_MESSAGES" / f"{DOMAIN}.mo")
            for po in sorted(Path(po_dir).glob("*.po"))]


if __name__ == "__main__":  # pragma: no cover - used by the Makefile
    compile_po(sys.argv[1], sys.argv[2])
