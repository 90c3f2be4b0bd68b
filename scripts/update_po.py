"""Bring the message catalogs of po/ in line with the code: add what they lack, drop what the code
no longer has, keep every translation of a string that is still there.

    .venv/bin/python scripts/update_po.py          # update po/*.po, list what was added and dropped
    .venv/bin/python scripts/update_po.py --check  # exit 1 when a catalog is stale or incomplete

The strings to translate (:func:`messages`):

- ``_("…")``, ``N_("…")`` and ``ngettext("…", "…", n)`` in gisplan/cli/*.py (``_(name)`` translates
  a text marked ``N_`` elsewhere; an f-string, a concatenation or a call inside ``_()`` is an error:
  the catalog could not hold it);
- the help of every command and option of ``gisplan`` (as :mod:`gisplan.cli.i18n` translates it);
- click's own messages, from the source of the installed click (``_()`` and ``ngettext()`` of its
  modules, and the one text it passes through ``_()`` from a variable).

New strings get an empty translation: gettext then shows the English until a translator fills it
in (``tests/test_i18n.py`` fails meanwhile).
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

import click

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gisplan.cli import i18n  # noqa: E402
from gisplan.cli._po import Entry, read_po, write_po  # noqa: E402

PO_DIR = REPO / "po"
CLI_DIR = REPO / "gisplan" / "cli"
#: click's modules whose texts a user of gisplan can see (testing.py is CliRunner's)
CLICK_SKIP = {"testing.py"}
#: texts click passes through ``_()`` from a variable, not a literal (core.py: ``_(extra["required"])``)
CLICK_DYNAMIC = ["required"]
MARKERS = {"_": 1, "N_": 1, "ngettext": 2}

HEADER = Entry("", ["Project-Id-Version: gisplan\n"
                    "Language: {lang}\n"
                    "MIME-Version: 1.0\n"
                    "Content-Type: text/plain; charset=UTF-8\n"
                    "Content-Transfer-Encoding: 8bit\n"
                    "Plural-Forms: nplurals=1; plural=0;\n"])


def source_messages(path: Path, *, strict: bool) -> list[str | tuple[str, str]]:
    """The keys of the ``_()``/``N_()``/``ngettext()`` calls of one Python file, in order; with
    ``strict`` a call whose text is not a string literal is a ``ValueError`` naming the line."""
    out = []
    calls = sorted((n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Call)),
                   key=lambda n: (n.lineno, n.col_offset))
    for node in calls:  # in the order of the source
        if not (isinstance(node.func, ast.Name) and node.func.id in MARKERS):
            continue
        args = node.args[:MARKERS[node.func.id]]
        if not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
            # _(name) translates a text marked N_("…") elsewhere; a text built in the call cannot be in a catalog
            if strict and any(isinstance(a, (ast.JoinedStr, ast.BinOp, ast.Call)) for a in args):
                where = path.relative_to(REPO) if path.is_relative_to(REPO) else path
                raise ValueError(f"{where}:{node.lineno}: {node.func.id}() of a text built in the "
                                 "call; the catalog cannot hold it (format after translating: _(\"… {x}\").format(x=…))")
            continue
        out.append(args[0].value if len(args) == 1 else (args[0].value, args[1].value))
    return out


def messages() -> dict[str | tuple[str, str], list[str]]:
    """Every string to translate → where it comes from (comment lines of the catalog)."""
    found: dict[str | tuple[str, str], list[str]] = {}

    def add(key, where):
        found.setdefault(key, [])
        if where not in found[key]:
            found[key].append(where)

    for path in sorted(CLI_DIR.glob("*.py")):
        for key in source_messages(path, strict=True):
            add(key, f"#: {path.relative_to(REPO).as_posix()}")
    from gisplan.cli.main import cli

    for obj, text in i18n.help_targets(cli):
        where = obj.name if isinstance(obj, click.Command) else "/".join(obj.opts)
        add(text, f"#. help: {where}")
    click_dir = Path(click.__file__).parent
    for path in sorted(click_dir.glob("*.py")):
        if path.name not in CLICK_SKIP:
            for key in source_messages(path, strict=False):
                add(key, f"#: click/{path.name}")
    for key in CLICK_DYNAMIC:
        add(key, "#: click/core.py")
    return found


def updated(entries: list[Entry], lang: str) -> tuple[list[Entry], list, list]:
    """The catalog ``entries`` for the code as it is: ``(entries, added keys, dropped keys)``."""
    old = {e.key: e for e in entries if e.msgid}
    wanted = messages()
    out = [Entry("", [HEADER.msgstr[0].format(lang=lang)])]
    for key, where in wanted.items():
        previous = old.get(key)
        translator = [c for c in previous.comments if c.startswith("# ") or c == "#"] if previous else []
        flags = [c for c in previous.comments if c.startswith("#,")] if previous else []
        msgstr = previous.msgstr if previous else [""]
        if isinstance(key, tuple):
            out.append(Entry(key[0], msgstr, key[1], translator + where + flags))
        else:
            out.append(Entry(key, msgstr, None, translator + where + flags))
    added = [k for k in wanted if k not in old]
    dropped = [k for k in old if k not in wanted]
    return out, added, dropped


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a catalog is stale")
    args = parser.parse_args(argv)
    status = 0
    for po in sorted(PO_DIR.glob("*.po")):
        text = po.read_text(encoding="utf-8")
        entries, added, dropped = updated(read_po(text), po.stem)
        untranslated = [e.key for e in entries[1:] if not e.translated]
        for what, keys in (("added", added), ("dropped", dropped), ("untranslated", untranslated)):
            for key in keys:
                print(f"{po.relative_to(REPO)}: {what}: {key!r}")
        new_text = write_po(entries)
        if args.check:
            status |= int(new_text != text or bool(untranslated))
        elif new_text != text:
            po.write_text(new_text, encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
