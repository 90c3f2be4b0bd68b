"""Options several commands share, each written once: file paths, the raster forest definition,
the indicator options (defaults and help from :class:`gisplan.indicators.options.IndicatorOptions`),
the options of a run and the plan they open (:func:`run_options`, :func:`open_plan`), the
observed-share floor and the dask scheduler."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from gisplan.catalog import load_catalog
from gisplan.indicators.canopy import FOREST, MIN_OBSERVED_PCT
from gisplan.indicators.options import DEFAULTS, IndicatorOptions, help_text
from gisplan.pipeline import Plan


def file_option(name: str, help: str, *, required: bool = False, exists: bool = False, **kwargs):
    """A file path option (input or output; with ``exists`` click refuses a path that is not
    there, otherwise an input's absence is reported by its reader, naming the file); None when
    not given."""
    return click.option(name, type=click.Path(exists=exists, dir_okay=False, path_type=Path),
                        required=required, help=help, **kwargs)  # no default: click enforces required


def folder_option(*decls: str, help: str):
    """A required output folder option (created when absent); ``decls`` as ``click.option``'s
    (``"--out", "out_dir"``)."""
    return click.option(*decls, type=click.Path(file_okay=False, path_type=Path), required=True, help=help)


def forest_definition(f):
    """``--threshold`` (canopy %, 0–100) and ``--mmu-ha`` (minimum patch, ha), defaults from
    :data:`gisplan.indicators.canopy.FOREST` (the legal definition)."""
    f = click.option("--mmu-ha", type=float, default=FOREST.mmu_ha, show_default=True,
                     help="Minimum forest patch in ha (0: off).")(f)
    return click.option("--threshold", type=float, default=FOREST.threshold, show_default=True,
                        help="Canopy cover (%, 0–100) from which a pixel is forest.")(f)


def indicator_option(name: str):
    """``--<name>`` for the indicator option ``name`` of
    :class:`~gisplan.indicators.options.IndicatorOptions` (``buffer_m`` → ``--buffer-m``), with its
    default and help from there (``--official-area`` is a flag)."""
    flag = "--" + name.replace("_", "-")
    default = getattr(DEFAULTS, name)
    if isinstance(default, bool):
        return click.option(flag, is_flag=True, default=default, help=help_text(name))
    return click.option(flag, type=type(default), default=default, show_default=True, help=help_text(name))


def indicator_options(f):
    """Every indicator option but the forest definition and the reference date
    (:func:`indicator_option`), in the order of ``IndicatorOptions``."""
    for name in reversed(("buffer_m", "river_buffer_m", "river_reach_km", "air_distance_m", "riverbed_distance_m",
                          "new_since", "official_area")):
        f = indicator_option(name)(f)
    return f


def min_observed(help: str, default: float = MIN_OBSERVED_PCT):
    """``--min-observed-pct``: zones observed over less of their area (%) get no percentages."""
    return click.option("--min-observed-pct", type=float, default=default, show_default=True, help=help)


def scheduler_option(f):
    """``--scheduler local|ADDRESS`` and ``--workers N``: run the raster windows on dask."""
    f = click.option("--workers", type=int, default=None,
                     help="Workers of --scheduler local (default: one per CPU core).")(f)
    return click.option("--scheduler", default=None, metavar="local|ADDRESS",
                        help="Run the raster windows as dask.distributed tasks: 'local' starts a cluster on "
                             "this machine, an address (tcp://host:8786) uses a running scheduler. Needs "
                             'pip install "gisplan[dask]". Same numbers as without.')(f)


def run_options(f):
    """The options of a run of the indicators, shared by every command that shows indicators
    (``indicators``, ``map``, ``print``, ``publish``, ``export``), so a map and the tables of
    ``gisplan indicators`` computed with the same options show the same numbers: the indicator
    options, the forest definition, ``--reference-date`` and ``--strict``."""
    f = click.option("--strict", is_flag=True,
                     help="Stop with an error naming the layer when a layer has validation errors (default: use "
                          "the repaired layers and list their errors in the reports).")(f)
    f = click.option("--reference-date", type=click.DateTime(["%Y-%m-%d"]), default=None,
                     help=help_text("reference_date"))(f)
    return indicator_options(forest_definition(f))


def open_plan(catalog_path, *, reference_date=None, strict: bool = False, progress: bool = False, **options):
    """The :class:`gisplan.pipeline.Plan` of a command: the ``--catalog`` and the
    :func:`run_options` given (``reference_date`` a datetime from click)."""
    ref = reference_date.date() if isinstance(reference_date, dt.datetime) else reference_date
    opts = IndicatorOptions.build(reference_date=ref, **options)  # checked before the catalog is read
    return Plan(load_catalog(catalog_path), options=opts, strict=strict, progress=progress)
