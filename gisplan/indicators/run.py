"""Run every indicator that the catalog's layers allow, with the reason for each one skipped.

The steps of each theme are in :mod:`gisplan.indicators.steps`; the options and their defaults in
:mod:`gisplan.indicators.options`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

import numpy as np

from gisplan.catalog import Catalog, load_catalog
from gisplan.errors import DataMissingError
from gisplan.indicators import targets
from gisplan.indicators.options import IndicatorOptions
from gisplan.indicators.results import IndicatorResults
from gisplan.indicators.steps import Run, all_steps
from gisplan.store import LayerStore

log = logging.getLogger(__name__)


#: Headline numbers every run reports: NaN (unknown) until an indicator computes them.
HEADLINES = ("forest_cover_province_pct", "wastewater_compliant_pct", "new_zones_compliant_pct",
             "air_monitored_towns_pct", "expired_mines_still_operating", "landfills_needing_remediation",
             "polluted_river_km", "closed_landfills_remediated_pct", "polluting_landfills_operating",
             "auto_monitoring_zones_pct")


def run_indicators(catalog: Catalog | None = None, *, options: IndicatorOptions | None = None,
                   progress: bool = False, reference_date: dt.date | None = None,
                   buffer_m: float | None = None, river_buffer_m: float | None = None,
                   river_reach_km: float | None = None, air_distance_m: float | None = None,
                   riverbed_distance_m: float | None = None, new_since: int | None = None,
                   threshold: float | None = None, mmu_ha: float | None = None,
                   official_area: bool | None = None, strict: bool = False,
                   target_values: dict[str, float] | None = None,
                   store: LayerStore | None = None, client=None) -> IndicatorResults:
    """Compute every indicator the catalog's layers allow.

    Parameters
    ----------
    catalog : the layers (default :func:`gisplan.catalog.load_catalog`).
    options : the indicator options (default :data:`gisplan.indicators.options.DEFAULTS`).
    reference_date, buffer_m, river_buffer_m, river_reach_km, air_distance_m, riverbed_distance_m,
    new_since, threshold, mmu_ha, official_area : each, when given (not None), replaces the
        option of that name in ``options``; what each means, its unit and its default are in
        :class:`~gisplan.indicators.options.IndicatorOptions` (the one place they are written).
    target_values : user-supplied target values (default ``layers/target_values.csv``).
    store : the run's layers (:class:`gisplan.store.LayerStore`), shared with the maps so each
        layer is read once; default: a new store over ``catalog``.
    strict : refuse layers with validation errors (:class:`~gisplan.errors.ValidationError`).
        By default they are used as repaired, and their errors are listed in
        ``meta["layer_quality"]`` (and in the reports) so no table hides them.
    client : a ``dask.distributed.Client`` (:func:`gisplan.distributed.get_client`): the canopy
        rasters' windows run as its tasks (same numbers as without).

    Returns
    -------
    IndicatorResults. Areas in ha, lengths in km, distances in m, shares in %. ``results.options``
    holds the options used (the reference date resolved); ``meta["options"]`` records them flat
    (maps label their distances from them).

    Raises
    ------
    OptionError
        an option out of range (a negative distance, a threshold outside 0–100 …), before any
        layer is read.
    """
    opts = IndicatorOptions.build(options, reference_date=reference_date, buffer_m=buffer_m,
                                  river_buffer_m=river_buffer_m, river_reach_km=river_reach_km,
                                  air_distance_m=air_distance_m, riverbed_distance_m=riverbed_distance_m,
                                  new_since=new_since, threshold=threshold, mmu_ha=mmu_ha,
                                  official_area=official_area)
    if catalog is None:
        if store is None:
            catalog = load_catalog()
        else:  # the store's layers only (an empty catalog when it has none)
            catalog = store.catalog if store.catalog is not None else Catalog()
    opts = dataclasses.replace(opts, reference_date=opts.reference_date or catalog.reference_date)
    L = store if store is not None else LayerStore(catalog, strict=strict)
    res = IndicatorResults(meta={"catalog": str(catalog.path), "title": catalog.title,
                                 "synthetic": catalog.synthetic, "reference_date": opts.reference_date.isoformat(),
                                 "crs": "EPSG:9213", "created": dt.date.today().isoformat(),
                                 "options": {**opts.as_meta(), "strict": strict}},
                           options=opts)
    res.headline.update({k: np.nan for k in HEADLINES})
    run = Run(catalog, L, res, opts, progress=progress, client=client)
    all_steps(run)
    _compute(run)
    res.tables["targets"] = targets.track_targets(res.headline, values=target_values)
    res.meta["layer_quality"] = L.quality()
    res.meta["study_area"] = L.study_area_source
    return res


def _compute(run: Run) -> None:
    """Run the registered steps in order; a step whose data are absent is recorded as skipped."""
    bar = None
    if run.progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(run.steps), desc="indicators", unit="table")
    for name, fn in run.steps:
        try:
            table = fn()
            if table is not None:
                run.res.tables[name] = table.reset_index(drop=True)
        except DataMissingError as exc:  # data absent: the only reason to skip (others are bugs)
            log.info("indicator %s skipped: %s", name, exc)
            run.res.skip(name, exc)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
