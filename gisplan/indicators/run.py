"""Run every indicator that the catalog's layers allow, with the reason for each one skipped.

The steps of each theme are in :mod:`gisplan.indicators.steps`; the options and their defaults in
:mod:`gisplan.indicators.options`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable

import numpy as np

from gisplan.catalog import Catalog, load_catalog
from gisplan.errors import DataMissingError, OptionError
from gisplan.indicators import targets, tracker
from gisplan.indicators.options import DEFAULTS, IndicatorOptions
from gisplan.indicators.results import IndicatorResults
from gisplan.indicators.run_context import Run
from gisplan.indicators.steps import all_steps
from gisplan.store import LayerStore
from gisplan.vocabulary import HEADLINES

log = logging.getLogger(__name__)


def run_indicators(catalog: Catalog | None = None, *, options: IndicatorOptions | None = None,
                   progress: bool = False, reference_date: dt.date | None = None,
                   buffer_m: float | None = None, river_buffer_m: float | None = None,
                   river_reach_km: float | None = None, air_distance_m: float | None = None,
                   riverbed_distance_m: float | None = None, new_since: int | None = None,
                   threshold: float | None = None, mmu_ha: float | None = None,
                   official_area: bool | None = None, strict: bool = False,
                   target_values: dict[str, float] | None = None,
                   store: LayerStore | None = None, client=None,
                   tables: Iterable[str] | None = None) -> IndicatorResults:
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
    tables : run only the steps that make these tables (names of :attr:`Runner.names`, e.g.
        ``["conflicts"]``); the results then hold those tables, with no target tracker. Default:
        every step.

    Returns
    -------
    IndicatorResults. Areas in ha, lengths in km, distances in m, shares in %. ``results.options``
    holds the options used (the reference date resolved); ``meta["options"]`` records them flat
    (maps label their distances from them).

    Raises
    ------
    OptionError
        an option out of range (a negative distance, a threshold outside 0–100 …), before any
        layer is read; a name in ``tables`` that no step makes.
    """
    opts = IndicatorOptions.build(options, reference_date=reference_date, buffer_m=buffer_m,
                                  river_buffer_m=river_buffer_m, river_reach_km=river_reach_km,
                                  air_distance_m=air_distance_m, riverbed_distance_m=riverbed_distance_m,
                                  new_since=new_since, threshold=threshold, mmu_ha=mmu_ha,
                                  official_area=official_area)
    runner = Runner(catalog, options=opts, strict=strict, store=store, progress=progress, client=client)
    if tables is not None:
        return runner.run(tables)
    return runner.finish(target_values=target_values)


class Runner:
    """The steps of one run of the indicators over a layer store: each step registered once and
    run at most once, into one :class:`~gisplan.indicators.results.IndicatorResults`.

    :func:`run_indicators` runs every step; :class:`gisplan.pipeline.Plan` first runs the steps of
    the tables a map shows, and the others when every indicator is asked for. The step code is
    the same either way, so a table holds the same numbers whichever output asked for it first.

    Parameters
    ----------
    catalog, strict, store, progress, client : as :func:`run_indicators`.
    options : the indicator options, built (default :data:`~gisplan.indicators.options.DEFAULTS`);
        a reference date left None is the catalog's.
    """

    def __init__(self, catalog: Catalog | None = None, *, options: IndicatorOptions | None = None,
                 strict: bool = False, store: LayerStore | None = None, progress: bool = False,
                 client=None):
        opts = options if options is not None else DEFAULTS
        if catalog is None:
            if store is None:
                catalog = load_catalog()
            else:  # the store's layers only (an empty catalog when it has none)
                catalog = store.catalog if store.catalog is not None else Catalog()
        opts = dataclasses.replace(opts, reference_date=opts.reference_date or catalog.reference_date)
        self.catalog = catalog
        self.store = store if store is not None else LayerStore(catalog, strict=strict)
        self.results = IndicatorResults(
            meta={"catalog": str(catalog.path), "title": catalog.title, "synthetic": catalog.synthetic,
                  "reference_date": opts.reference_date.isoformat(), "crs": "EPSG:9213",
                  "created": dt.date.today().isoformat(), "options": {**opts.as_meta(), "strict": strict}},
            options=opts)
        self.results.headline.update({key: np.nan for key, *_titles in HEADLINES})
        self._run = Run(catalog, self.store, opts, progress=progress, client=client, _results=self.results)
        all_steps(self._run)
        self._done = [False] * len(self._run.steps)
        self._finished = False

    @property
    def names(self) -> list[str]:
        """The tables the steps make, in the order they are reported."""
        return [name for name, _fn in self._run.steps]

    def run(self, tables: Iterable[str] | None = None) -> IndicatorResults:
        """Run the steps of ``tables`` (every step when None) that have not run yet; a step whose
        data are absent is recorded as skipped. Returns the results: the tables of every step run
        so far.

        Raises
        ------
        OptionError
            a name in ``tables`` that no step makes (the error names the tables there are).
        """
        names = self.names
        wanted = None if tables is None else set(tables)
        if wanted is not None and (unknown := sorted(wanted - set(names))):
            raise OptionError(f"no indicator step makes the table(s) {', '.join(unknown)}; the steps of this "
                              f"catalog make: {', '.join(names)}")
        todo = [i for i, name in enumerate(names) if not self._done[i] and (wanted is None or name in wanted)]
        self.start_ahead([names[i] for i in todo])
        bar = None
        if self._run.progress and todo:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(todo), desc="indicators", unit="table")
        for i in todo:
            name, fn = self._run.steps[i]
            try:
                table = fn()
                if table is not None:
                    self.results.tables[name] = table.reset_index(drop=True)
            except DataMissingError as exc:  # data absent: the only reason to skip (others are bugs)
                log.info("indicator %s skipped: %s", name, exc)
                self.results.skip(name, exc)
            self._done[i] = True
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
        self.results.meta["layer_quality"] = self.store.quality()
        self.results.meta["layer_sets"] = [ls.as_meta() for ls in self.store.layer_sets()]  # several of one type
        self.results.meta["study_area"] = self.store.study_area_source
        return self.results

    def start_ahead(self, tables: Iterable[str] | None = None) -> None:
        """Start the work the steps of ``tables`` (every step when None) will take from the layer
        store, beside this process (:meth:`gisplan.indicators.run_context.Run.add`'s ``ahead``:
        a large layer read ahead …); each step's once. :meth:`run` does so before its first step."""
        for name in self.names if tables is None else tables:
            ahead = self._run.ahead.pop(name, None)
            if ahead is not None:
                try:
                    ahead()
                except DataMissingError:  # the step itself reports what is missing
                    pass

    def finish(self, *, target_values: dict[str, float] | None = None) -> IndicatorResults:
        """Run every step not run yet, then the 2030 target tracker from the tables (its readings:
        :mod:`gisplan.indicators.tracker`);
        the tables, skip reasons and notes are put in the order of the steps, as if they had
        run in one pass. Returns the results."""
        res = self.run()
        if not self._finished:
            order = {name: i for i, name in enumerate(self.names)}

            def ordered(d: dict) -> dict:  # reasons known before any step ran keep their place first
                return dict(sorted(d.items(), key=lambda kv: order.get(kv[0], -1)))

            res.tables = ordered(res.tables)
            res.skipped, res.skipped_vi = ordered(res.skipped), ordered(res.skipped_vi)
            for key in ("notes", "notes_vi"):
                if key in res.meta:
                    res.meta[key] = ordered(res.meta[key])
            res.tables["targets"] = targets.track_targets(tracker.read_measures(res), values=target_values)
            self._finished = True
        return res
