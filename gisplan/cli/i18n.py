"""The command line in the user's language: gettext catalogs for gisplan's messages, the help of
every command and option, and click's own texts (Usage, Options, ``Error:``, "Show this message
and exit." …).

The language is the locale's, found as every GNU program finds it: the first of ``LANGUAGE``,
``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that is set (``vi_VN.UTF-8``, ``vi``: Vietnamese);
without a catalog for it the texts stay as written in the code, in English.

The catalogs are written in ``po/<language>.po`` at the root of the repository and compiled to
``gisplan/cli/locale/<language>/LC_MESSAGES/gisplan.mo`` when gisplan is built or installed
(``setup.py``, with :mod:`gisplan.cli._po`) and by ``make`` when a ``.po`` changes;
``scripts/update_po.py`` adds the strings of the code a catalog lacks and removes those the code
no longer has. What is translated:

- strings of :mod:`gisplan.cli` marked ``_("…")`` (shown at once) or ``N_("…")`` (kept
  English in a table, translated where shown) — placeholders with ``str.format`` names, so a
  translation may reorder them;
- the help of every command and option, as written in the decorators and docstrings
  (:func:`translate_help` replaces them with their translation when a run starts);
- click's own texts: click looks its messages up in gettext's current domain, which is
  gisplan's for the length of a run (:func:`cli_language`).

Messages of the library (a :class:`~gisplan.errors.GisplanError` raised deep in gisplan, the
warnings of the readers) stay English: they come after the translated ``Lỗi:`` / ``cảnh báo:``.
"""

from __future__ import annotations

import gettext
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from gisplan.cli._po import DOMAIN

#: where the compiled catalogs are: ``<LOCALE_DIR>/<language>/LC_MESSAGES/gisplan.mo``
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))


def _(message: str) -> str:
    """``message`` in the locale's language (itself when there is no translation)."""
    return gettext.dgettext(DOMAIN, message)


def N_(message: str) -> str:  # noqa: N802 - the gettext name of the marker
    """Marks ``message`` for the catalog without translating it here (a table of texts
    translated where they are shown)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """``singular`` or ``plural`` for ``n`` in the locale's language."""
    return gettext.dngettext(DOMAIN, singular, plural, n)


def language() -> str | None:
    """The language of the catalog the locale selects (``"vi"``), None for the texts of the code."""
    found = gettext.find(DOMAIN, str(LOCALE_DIR))
    return Path(found).parents[1].name.split("_")[0] if found else None


#: the English help text of every command and option seen, by object: a run translates from it
_ENGLISH: dict[int, tuple[object, str]] = {}


def help_text(command: click.Command) -> str | None:
    """The help of ``command`` as click shows it (the docstring without its indentation)."""
    return inspect.cleandoc(command.help).partition("\f")[0] if command.help else None


def help_targets(command: click.Command, ctx: click.Context | None = None) -> Iterator[tuple[object, str]]:
    """``(object, English help)`` of ``command``, its options (the help option included) and
    every subcommand below it, each with the context it has in a run."""
    if ctx is None:
        ctx = click.Context(command, info_name=command.name, **command.context_settings)
    for obj in [command, *(p for p in command.get_params(ctx) if not getattr(p, "hidden", False))]:
        if id(obj) not in _ENGLISH:
            text = help_text(obj) if isinstance(obj, click.Command) else getattr(obj, "help", None)
            _ENGLISH[id(obj)] = (obj, text)
        text = _ENGLISH[id(obj)][1]
        if text:
            yield obj, text
    for name, sub in getattr(command, "commands", {}).items():
        yield from help_targets(sub, click.Context(sub, info_name=name, parent=ctx))


def translate_help(command: click.Command) -> None:
    """Give ``command``, its options and its subcommands their help in the locale's language
    (from the English each had when first seen, so every run starts from the code's texts)."""
    for obj, english in help_targets(command):
        obj.help = _(english)


@contextmanager
def cli_language(command: click.Command) -> Iterator[None]:
    """For the length of a run of ``command``: its help translated and click's own messages
    looked up in gisplan's catalog (gettext's current domain restored afterwards)."""
    translate_help(command)  # before the domain switch: click's help options are created in English
    previous = gettext.textdomain()
    gettext.textdomain(DOMAIN)
    try:
        yield
    finally:
        gettext.textdomain(previous)
