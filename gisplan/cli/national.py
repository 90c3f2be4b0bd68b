"""`gisplan national`: forest cover and change per commune for all provinces and years in one job."""

from __future__ import annotations

from pathlib import Path

import click

from gisplan.indicators.canopy import FOREST, MIN_OBSERVED_PCT


def scheduler_option(f):
    """``--scheduler local|ADDRESS`` and ``--workers N``: run the raster windows on dask."""
    f = click.option("--workers", type=int, default=None,
                     help="Workers of --scheduler local (default: one per CPU core).")(f)
    return click.option("--scheduler", default=None, metavar="local|ADDRESS",
                        help="Run the raster windows as dask.distributed tasks: 'local' starts a cluster on "
                             "this machine, an address (tcp://host:8786) uses a running scheduler. Needs "
                             'pip install "gisplan[dask]". Same numbers as without.')(f)


@click.command("national")
@click.option("--catalog", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="National catalog (TOML): [zones] path/id/province, [[rasters]] year/path.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Output folder: national_summary.csv and provinces/<code>_<name>.csv.")
@click.option("--years", default=None, help="Years to use, e.g. 2020,2024 (default: all in the catalog).")
@click.option("--threshold", type=float, default=FOREST.threshold, show_default=True,
              help="Canopy cover (%, 0–100) from which a pixel is forest.")
@click.option("--mmu-ha", type=float, default=FOREST.mmu_ha, show_default=True,
              help="Minimum forest patch in ha (0: off).")
@click.option("--min-observed-pct", type=float, default=MIN_OBSERVED_PCT, show_default=True,
              help="Communes and provinces observed over less of their area (%) get no percentages.")
@scheduler_option
@click.option("--overwrite", is_flag=True, help="Replace the outputs of an earlier run in --out.")
@click.option("--progress/--no-progress", default=False, help="Show progress bars.")
def national_cmd(catalog, out, years, threshold, mmu_ha, min_observed_pct, scheduler, workers, overwrite, progress):
    """Forest cover per year and change between consecutive years for every commune of the
    catalog, one CSV per province and a national summary (one row per province)."""
    import warnings

    from gisplan.distributed import close_client, get_client
    from gisplan.errors import OptionError
    from gisplan.national import read_catalog, run_national

    cat = read_catalog(catalog)
    year_list = None
    if years:
        try:
            year_list = [int(y) for y in years.split(",")]
        except ValueError:
            raise OptionError(f"--years {years!r}: give years separated by commas, e.g. 2020,2024") from None
    client = get_client(scheduler, n_workers=workers)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            written = run_national(cat, out, overwrite=overwrite, years=year_list, client=client,
                                   threshold=threshold, mmu_ha=mmu_ha, min_observed_pct=min_observed_pct,
                                   progress=progress)
    finally:
        close_client(client)
    for w in caught:
        click.echo(f"warning: {' '.join(str(w.message).split())}", err=True)
    click.echo(f"{len(written) - 1} province report(s) and the national summary → {out}")


def register(group: click.Group) -> None:
    """Add `national` to the `gisplan` group."""
    group.add_command(national_cmd)
