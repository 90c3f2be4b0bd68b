"""Entry point of the ``gisplan`` command: the group, logging and shared options.

Subcommand families live in their own modules (``layers``, ``demo``, ``indicators``, ``maps``);
each exposes ``register(group)``.
"""

from __future__ import annotations

import logging
import sys

import click

from gisplan import __version__
from gisplan.errors import GisplanError


class _Group(click.Group):
    """Turns gisplan errors into a one-line message and exit code 2, instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GisplanError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gisplan")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", count=True, help="Less log output.")
def cli(verbose: int, quiet: int) -> None:
    """gisplan: layers, indicators and maps of the Thái Nguyên environmental plan to 2030.

    Data are read and computed in VN-2000 / TM-3 106°30' (EPSG:9213) unless told otherwise.
    """
    level = max(logging.DEBUG, logging.WARNING - 10 * verbose + 10 * quiet)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.captureWarnings(True)


def _register() -> None:
    from gisplan.cli import demo, indicators, layers, maps, printing

    for module in (layers, demo, indicators, maps, printing):
        module.register(cli)


_register()

if __name__ == "__main__":  # pragma: no cover
    cli()
