"""What a run of the indicators gives and every output takes: :class:`IndicatorResults`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from gisplan.indicators.options import IndicatorOptions


@dataclass
class IndicatorResults:
    """Indicator tables (ordered), skipped indicators with reasons, headline numbers, metadata.

    ``skipped`` gives the English reason of each indicator skipped (data absent), ``skipped_vi``
    the Vietnamese one. ``headline`` values are NaN when unknown (never 0). ``meta["notes"]`` /
    ``meta["notes_vi"]`` hold, per table, what a reader must know to read it (e.g. which site
    types the conflicts were checked against, rivers without water-quality data). ``options``
    are the :class:`~gisplan.indicators.options.IndicatorOptions` of the run (also recorded,
    flat, in ``meta["options"]``).
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    headline: dict[str, float] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    skipped_vi: dict[str, str] = field(default_factory=dict)
    #: the options the tables were computed with (None for results put together by hand or read
    #: back from a reports folder: ``meta["options"]`` then holds what is known)
    options: IndicatorOptions | None = None
    #: rasters the steps derived that the maps draw, by name: ``"susceptibility"``, the
    #: :class:`~gisplan.indicators.hazard_result.SusceptibilityResult` of the hazards computed
    grids: dict[str, Any] = field(default_factory=dict)
    #: the layer types that would let each skipped indicator be computed, when the reason names
    #: them (``DataMissingError.layers``): what a public page asks for in plain words
    skipped_layers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: the reason of a skipped indicator in plain words, when it has one (``DataMissingError.public_vi``)
    skipped_public: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def __contains__(self, name: object) -> bool:
        return name in self.tables

    def note(self, name: str, en: str, vi: str) -> None:
        """Attach a note to table ``name`` (English and Vietnamese)."""
        self.meta.setdefault("notes", {}).setdefault(name, []).append(en)
        self.meta.setdefault("notes_vi", {}).setdefault(name, []).append(vi)

    def skip(self, name: str, exc: BaseException) -> None:
        """Record indicator ``name`` as skipped for the data missing in ``exc``."""
        self.skipped[name] = str(exc)
        self.skipped_vi[name] = getattr(exc, "reason_vi", None) or f"thiếu dữ liệu: {exc}"
        if getattr(exc, "layers", ()):
            self.skipped_layers[name] = tuple(exc.layers)
        if getattr(exc, "public_vi", ""):
            self.skipped_public[name] = exc.public_vi
