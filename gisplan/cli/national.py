"""`gisplan national`: forest cover and change per commune for all provinces and years in one job."""

from __future__ import annotations

import click

from gisplan.cli.i18n import _
from gisplan.cli.options import (
    file_option,
    folder_option,
    forest_definition,
    min_observed,
    scheduler_option,
)
from gisplan.distributed import close_client, get_client
from gisplan.errors import OptionError
from gisplan.national import read_catalog, run_national


@click.command("national")
@file_option("--catalog", "National catalog (TOML): [zones] path/id/province, [[rasters]] year/path.",
             required=True, exists=True)
@folder_option("--out", help="Output folder: national_summary.csv and provinces/<code>_<name>.csv.")
@click.option("--years", default=None, help="Years to use, e.g. 2020,2024 (default: all in the catalog).")
@forest_definition
@min_observed("Communes and provinces observed over less of their area (%) get no percentages.")
@scheduler_option
@click.option("--overwrite", is_flag=True, help="Replace the outputs of an earlier run in --out.")
@click.option("--progress/--no-progress", default=False, help="Show progress bars.")
def national_cmd(catalog, out, years, threshold, mmu_ha, min_observed_pct, scheduler, workers, overwrite, progress):
    """Forest cover per year and change between consecutive years for every commune of the
    catalog, one CSV per province and a national summary (one row per province)."""
    import warnings

    cat = read_catalog(catalog)
    year_list = None
    if years:
        try:
            year_list = [int(y) for y in years.split(",")]
        except ValueError:
            raise OptionError(_("--years {value!r}: give years separated by commas, e.g. 2020,2024").format(
                value=years)) from None
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
        click.echo(_("warning: {message}").format(message=" ".join(str(w.message).split())), err=True)
    click.echo(_("{count} province report(s) and the national summary → {out}").format(count=len(written) - 1,
                                                                                       out=out))


def register(group: click.Group) -> None:
    """Add `national` to the `gisplan` group."""
    group.add_command(national_cmd)
