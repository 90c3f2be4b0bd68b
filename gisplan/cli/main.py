"""Entry point of the ``gisplan`` command: the group, logging, warnings and error handling.

Subcommand families live in their own modules (``layers``, ``demo``, ``indicators``, ``maps``,
``printing``, ``crosswalk``); each exposes ``register(group)``.

No command prints a Python traceback (unless ``--debug``). Every failure ends in one line on
stderr and a non-zero exit code:

====  ==============================================================================
 2    ``Error: …`` — a :class:`~gisplan.errors.GisplanError` (bad input, missing data, output
      that cannot be written), a missing optional package, an ``OSError`` (permission, disk
      full) naming the path, or ``MemoryError``
 3    ``internal error: <type>: <message>`` — any other exception: a bug in gisplan
 130  ``interrupted`` — Ctrl-C
====  ==============================================================================
"""

from __future__ import annotations

import errno
import logging
import sys
import traceback
import warnings

import click

from gisplan import __version__
from gisplan.cli import (
    crosswalk,
    demo,
    export,
    indicators,
    layers,
    maps,
    national,
    printing,
    serve,
    terrain,
)
from gisplan.cli.i18n import N_, _, cli_language
from gisplan.errors import GisplanError, GisplanWarning

EXIT_ERROR = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130

#: top-level module → the extra of ``pyproject.toml`` ([project.optional-dependencies]) installing it
MODULE_EXTRAS = {
    "folium": "maps", "branca": "maps", "jenkspy": "maps", "matplotlib": "maps",
    "openpyxl": "reports",
    "dask": "dask", "pysheds": "hazard",
    "nbclient": "notebooks", "nbformat": "notebooks", "ipykernel": "notebooks",
}

_OS_HINTS = {
    errno.ENOSPC: N_("free some space or write somewhere else"),
    errno.EDQUOT: N_("free some space or write somewhere else"),
    errno.EACCES: N_("choose a file or folder you may read and write"),
    errno.EPERM: N_("choose a file or folder you may read and write"),
    errno.EROFS: N_("write somewhere else"),
    errno.ENOENT: N_("check the path"),
    errno.ENOTDIR: N_("a part of the path is a file, not a folder; check the path"),
    errno.EISDIR: N_("give a file, not a folder"),
}


def error_line(message: str) -> str:
    """The line of a failure: ``Error: <message>`` (``Lỗi: …`` in Vietnamese; click's own
    errors use the same words)."""
    return _("Error: {message}").format(message=message)


def one_line(text: str) -> str:
    """``text`` on one line: its non-empty lines joined with "; "."""
    return "; ".join(part.strip() for part in str(text).splitlines() if part.strip())


def missing_dependency_message(exc: ModuleNotFoundError) -> str:
    """What to install for a missing module, naming the gisplan extra that brings it."""
    module = (exc.name or str(exc)).split(".")[0]
    extra = MODULE_EXTRAS.get(module)
    if extra:
        return _('the optional package {module!r} is not installed; '
                 'install it with: pip install "gisplan[{extra}]"').format(module=module, extra=extra)
    return _("the package {module!r} is not installed; reinstall gisplan with its dependencies "
             "(pip install gisplan)").format(module=module)


def os_error_message(exc: OSError) -> str:
    """An ``OSError`` as one line naming the path(s) and what to do."""
    paths = " → ".join(str(p) for p in (exc.filename, exc.filename2) if p)
    reason = exc.strerror or one_line(str(exc)) or type(exc).__name__
    hint = _OS_HINTS.get(exc.errno or 0)
    return (f"{paths}: " if paths else "") + reason + (f" — {_(hint)}" if hint else "")


def _format_warning(message, category, filename, lineno, line=None) -> str:
    """One line per warning: ``warning: …`` (gisplan's own), ``warning: Category: …`` (others)."""
    if issubclass(category, GisplanWarning):
        return _("warning: {message}").format(message=one_line(message)) + "\n"
    return _("warning: {category}: {message}").format(category=category.__name__, message=one_line(message)) + "\n"


#: the warning and log lines printed in this run: each is printed once
_PRINTED: set[str] = set()


def _first_time(line: str) -> bool:
    if line in _PRINTED:
        return False
    _PRINTED.add(line)
    return True


def _format_warning_once(message, category, filename, lineno, line=None, *, file=None) -> str:
    """Python's ``formatwarning`` during a run: print the warning's line once per run, above any
    progress bar (tqdm clears the bar, prints, draws it again), and give Python nothing more to
    print. (Only ``formatwarning`` is replaced, so code that records warnings still records them.)"""
    from tqdm import tqdm

    text = _format_warning(message, category, filename, lineno).rstrip("\n")
    if _first_time(text):
        tqdm.write(text, file=file or sys.stderr)
    return ""


class _OnceHandler(logging.StreamHandler):
    """Log records as one line each, once per run, above any progress bar."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # noqa: BLE001 - logging's own contract: never raise from a handler
            self.handleError(record)
            return
        if not _first_time(text):
            return
        from tqdm import tqdm

        with tqdm.external_write_mode(file=self.stream):
            super().emit(record)


#: the level of a log line as printed (``warning: …``)
LEVELS = {"debug": N_("debug"), "info": N_("info"), "warning": N_("warning"), "error": N_("error"),
          "critical": N_("critical")}


class _LogFormatter(logging.Formatter):
    """Log records as one line like the warnings: ``warning: …`` (with the logger's name when
    verbose: ``info gisplan.io: …``)."""

    def __init__(self, named: bool):
        super().__init__()
        self.named = named

    def format(self, record: logging.LogRecord) -> str:
        level = record.levelname.lower()
        level = _(LEVELS[level]) if level in LEVELS else level
        where = f" {record.name}" if self.named else ""
        return f"{level}{where}: {one_line(record.getMessage())}"


class _Group(click.Group):
    """Turns every failure into one line and a documented exit code instead of a traceback, in
    the locale's language (:func:`gisplan.cli.i18n.cli_language`)."""

    def main(self, *args, **kwargs):
        with cli_language(self):
            return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context):
        debug = bool(ctx.params.get("debug"))
        formatter = warnings.formatwarning  # catch_warnings does not restore it
        _PRINTED.clear()  # a new run
        with warnings.catch_warnings():
            if not debug:
                warnings.formatwarning = _format_warning_once
            try:
                return super().invoke(ctx)
            except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
                raise
            except GisplanError as exc:
                self._fail(ctx, error_line(one_line(exc)), EXIT_ERROR, debug)
            except KeyboardInterrupt:
                self._fail(ctx, _("interrupted"), EXIT_INTERRUPTED, debug)
            except MemoryError:
                self._fail(ctx, error_line(_("out of memory; work on a smaller area (fewer communes, a clipped "
                                             "layer) or a windowed/coarser raster, or use a machine with more "
                                             "memory")), EXIT_ERROR, debug)
            except ModuleNotFoundError as exc:
                self._fail(ctx, error_line(missing_dependency_message(exc)), EXIT_ERROR, debug)
            except OSError as exc:
                self._fail(ctx, error_line(os_error_message(exc)), EXIT_ERROR, debug)
            except Exception as exc:  # noqa: BLE001 - anything else is a bug, said so in one line
                msg = one_line(exc) or _("(no message)")
                self._fail(ctx, _("internal error: {type}: {message} — this is a bug in gisplan; run again with "
                                  "--debug for the traceback").format(type=type(exc).__name__, message=msg),
                           EXIT_BUG, debug)
            finally:
                warnings.formatwarning = formatter

    @staticmethod
    def _fail(ctx: click.Context, message: str, code: int, debug: bool) -> None:
        if debug or ctx.meta.get(_DEBUG_KEY):
            traceback.print_exc(file=sys.stderr)
        click.echo(message, err=True)
        ctx.exit(code)


def _print_version(ctx: click.Context, param, value: bool) -> None:
    """``--version`` (click's version option, with its message translated when shown)."""
    if value and not ctx.resilient_parsing:
        click.echo(_("%(prog)s, version %(version)s") % {"prog": "gisplan", "version": __version__})
        ctx.exit()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version and exit.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", count=True, help="Less log output (-q also hides warnings).")
@click.option("--debug", is_flag=True, help="Print the Python traceback of a failure (for bug reports).")
def cli(verbose: int, quiet: int, debug: bool) -> None:
    """gisplan: layers, indicators and maps of the Thái Nguyên environmental plan to 2030.

    Data are read and computed in VN-2000 / TM-3 106°30' (EPSG:9213) unless told otherwise.
    A failure prints one line and exits with 2 (bad input or environment), 3 (a bug in gisplan)
    or 130 (interrupted).
    """
    level = max(logging.DEBUG, logging.WARNING - 10 * verbose + 10 * quiet)
    handler = _OnceHandler(sys.stderr)
    handler.setFormatter(_LogFormatter(named=verbose > 0 or debug))
    logging.basicConfig(level=level, handlers=[handler])
    if quiet:
        warnings.simplefilter("ignore", GisplanWarning)


_DEBUG_KEY = "gisplan.debug"


def _set_debug(ctx: click.Context, param, value: bool) -> None:
    if value:
        ctx.meta[_DEBUG_KEY] = True  # meta is shared by every context of the invocation


def _accept_debug_anywhere(command: click.Command) -> None:
    """``--debug`` also after the subcommand (``gisplan map … --debug``), as the error says."""
    if not any("--debug" in p.opts for p in command.params):
        command.params.append(click.Option(["--debug"], is_flag=True, hidden=True, expose_value=False,
                                           is_eager=True, callback=_set_debug))
    for sub in getattr(command, "commands", {}).values():
        _accept_debug_anywhere(sub)


def _register() -> None:
    for module in (layers, demo, indicators, maps, printing, export, crosswalk, terrain, national, serve):
        module.register(cli)
    for command in cli.commands.values():
        _accept_debug_anywhere(command)


_register()

if __name__ == "__main__":  # pragma: no cover
    cli()
