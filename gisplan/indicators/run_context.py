"""What each step of a run of the indicators is given (:class:`Run`): the catalog, its layer store,
the options, and the one way a step reports what is not its table — headline numbers, notes,
metadata, rasters for the maps. A step is a function returning its table; the runner
(:class:`gisplan.indicators.run.Runner`) stores it. Steps write nothing else into the results."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from gisplan.catalog import Catalog
from gisplan.errors import GisplanError
from gisplan.indicators.options import IndicatorOptions
from gisplan.indicators.results import IndicatorResults
from gisplan.store import LayerStore
from gisplan.vocabulary import HEADLINES

Step = Callable[[], "pd.DataFrame | None"]
_HEADLINE_KEYS = frozenset(key for key, *_titles in HEADLINES)


@dataclass
class Run:
    """One run of the indicators as its steps see it: the ``catalog``, its layer store ``L``, the
    ``options`` (reference date resolved), ``progress`` and the dask ``client``, and the steps
    registered so far (:meth:`add`). What a step reports besides its table goes through
    :meth:`headline`, :meth:`note`, :meth:`set_meta`, :meth:`keep_grid` and :meth:`skip`."""

    catalog: Catalog
    L: LayerStore
    options: IndicatorOptions
    progress: bool = False
    client: Any = None
    steps: list[tuple[str, Step]] = field(default_factory=list)
    ahead: dict[str, Callable[[], None]] = field(default_factory=dict)
    _results: IndicatorResults = field(default_factory=IndicatorResults, repr=False)

    def add(self, name: str, fn: Step, ahead: Callable[[], None] | None = None) -> None:
        """Register table ``name``, computed by ``fn`` (a function returning the table, or raising
        :class:`~gisplan.errors.DataMissingError` when its data are absent). ``ahead``: starts,
        before the run's first step, work the step will take from the layer store (a layer read
        ahead, :meth:`gisplan.store.LayerStore.read_ahead`, or :meth:`~gisplan.store.LayerStore.beside`)."""
        self.steps.append((name, fn))
        if ahead is not None:
            self.ahead[name] = ahead

    def headline(self, key: str, value: float | None) -> None:
        """Set the headline number ``key`` (one of :data:`gisplan.vocabulary.HEADLINES`; None or
        NaN: unknown).

        Raises
        ------
        GisplanError
            for a key the list of headline numbers lacks (it would have no title).
        """
        if key not in _HEADLINE_KEYS:
            raise GisplanError(f"{key!r} is not a headline number of gisplan.vocabulary.HEADLINES")
        self._results.headline[key] = math.nan if value is None else float(value)

    def note(self, table: str, en: str, vi: str) -> None:
        """Attach what a reader must know to table ``table`` (English and Vietnamese)."""
        self._results.note(table, en, vi)

    def set_meta(self, key: str, value: Any) -> None:
        """Record ``value`` under ``key`` in the results' metadata (e.g. the forest-status year)."""
        self._results.meta[key] = value

    def keep_grid(self, name: str, grid: Any) -> None:
        """Hand a derived raster to the maps with the results (``results.grids[name]``)."""
        self._results.grids[name] = grid

    def skip(self, name: str, exc: BaseException) -> None:
        """Record table ``name`` as skipped for the data missing in ``exc`` (a table known to be
        impossible when the steps are registered, e.g. a change that needs two rasters)."""
        self._results.skip(name, exc)
