"""The options of the plan's indicators, with their one set of defaults.

:class:`ForestDefinition` is what counts as forest on a raster (re-exported by
:mod:`gisplan.indicators.forest_definition`, which applies it).

:class:`IndicatorOptions` holds what :func:`gisplan.indicators.run.run_indicators` computes with:
distances (m, in the layers' projected CRS, EPSG:9213 by default), the river reach (km), the
year from which an industrial zone is new, the raster forest definition and the reference date.
The indicator functions, ``run_indicators``, the CLI (defaults and help) and the maps take their
defaults from :data:`DEFAULTS`; results carry the options they were computed with
(``IndicatorResults.options``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import numbers
from dataclasses import dataclass, field
from typing import Any

from gisplan.errors import OptionError

#: zones a raster observes over less than this share (%) of their area are flagged and get no
#: percentages (forest cover, terrain, hazard exposure)
MIN_OBSERVED_PCT = 90.0


def real_option(name: str, value: Any) -> float:
    """``value`` as a finite float, else an OptionError naming option ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise OptionError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise OptionError(f"{name} must be a finite number, got {value!r}")
    return v


def percent_option(name: str, value: Any) -> float:
    """``value`` as a float in 0–100, else an OptionError naming option ``name``."""
    v = real_option(name, value)
    if not 0 <= v <= 100:
        raise OptionError(f"{name}={value!r} is outside 0–100 (%)")
    return v


@dataclass(frozen=True)
class ForestDefinition:
    """What counts as forest on a raster: canopy cover ≥ ``threshold`` % (Law on Forestry
    16/2017/QH14 Art. 2.3: canopy closure ≥ 0.1) in a contiguous patch of ≥ ``mmu_ha`` ha
    (≥ 0.3 ha). The defaults of every raster forest function come from here.

    Raises
    ------
    OptionError
        ``threshold`` outside 0–100, ``mmu_ha`` negative or not finite.
    """

    threshold: float = 10.0
    mmu_ha: float = 0.3

    def __post_init__(self) -> None:
        percent_option("threshold", self.threshold)
        if real_option("mmu_ha", self.mmu_ha) < 0:
            raise OptionError(f"mmu_ha={self.mmu_ha!r} must be ≥ 0 (ha; 0 switches the minimum area off)")


#: the legal definition (canopy ≥ 10 %, patch ≥ 0.3 ha)
FOREST = ForestDefinition()




def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class IndicatorOptions:
    """What the indicators are computed with (each checked once, on creation).

    Attributes
    ----------
    reference_date : "today" for licence expiry (None: the catalog's ``reference_date``).
    buffer_m : distance (m) around protected areas within which a mine or industrial zone is in
        conflict with them.
    river_buffer_m : distance (m) from a polluted river section within which a site is a
        pressure on it.
    river_reach_km : how far (km) upstream of a polluted section a site still counts.
    air_distance_m : distance (m) from a class I–II town within which an air-monitoring station
        counts for it (0: the station must stand in the town).
    riverbed_distance_m : riverbed mines farther than this (m) from a mapped river are flagged.
    new_since : industrial zones established in or after this year are "new".
    forest : the raster forest definition (canopy threshold %, minimum patch ha).
    official_area : divide forest area by the units' official natural area
        (``area_km2_official``) instead of the mapped one.

    Raises
    ------
    OptionError
        naming the option: a negative or non-finite distance, a threshold outside 0–100, a
        non-integer year, a reference date that is not a date.
    """

    reference_date: dt.date | None = field(default=None, metadata=_help(
        "'Today' for licence expiry (default: the catalog's reference_date)."))
    buffer_m: float = field(default=1000.0, metadata=_help("Distance (m) around protected areas for conflicts."))
    river_buffer_m: float = field(default=2000.0, metadata=_help(
        "Distance (m) of sites to a polluted river section that makes them a pressure on it."))
    river_reach_km: float = field(default=10.0, metadata=_help(
        "How far (km) upstream of a polluted river section a site still counts as a pressure."))
    air_distance_m: float = field(default=0.0, metadata=_help(
        "Distance (m) from a class I–II town within which an air station counts for it (0: in the town)."))
    riverbed_distance_m: float = field(default=500.0, metadata=_help(
        "Riverbed mines farther than this (m) from a mapped river are flagged."))
    new_since: int = field(default=2025, metadata=_help(
        "Industrial zones established in or after this year are new."))
    forest: ForestDefinition = FOREST
    official_area: bool = field(default=False, metadata=_help(
        "Forest cover % over the official natural area (area_km2_official) instead of the mapped area."))

    def __post_init__(self) -> None:
        for name in DISTANCES:
            if real_option(name, getattr(self, name)) < 0:
                raise OptionError(f"{name}={getattr(self, name)!r} must be ≥ 0 ({UNITS[name]})")
        if isinstance(self.new_since, bool) or not isinstance(self.new_since, numbers.Integral):
            raise OptionError(f"new_since must be a year (an integer such as 2025), got {self.new_since!r}")
        if not isinstance(self.forest, ForestDefinition):
            raise OptionError(f"forest must be a ForestDefinition (threshold %, mmu_ha), got {self.forest!r}")
        ref = self.reference_date
        if ref is not None and (not isinstance(ref, dt.date) or isinstance(ref, dt.datetime)):
            raise OptionError(f"reference_date must be a date (datetime.date), got {ref!r}")
        if not isinstance(self.official_area, bool):
            raise OptionError(f"official_area must be True or False, got {self.official_area!r}")

    @property
    def threshold(self) -> float:
        """Canopy cover (%) from which a raster pixel is forest."""
        return self.forest.threshold

    @property
    def mmu_ha(self) -> float:
        """Minimum forest patch (ha) on rasters."""
        return self.forest.mmu_ha

    @classmethod
    def build(cls, options: IndicatorOptions | None = None, **overrides: Any) -> IndicatorOptions:
        """``options`` (default :data:`DEFAULTS`) with the ``overrides`` that are not None;
        ``threshold`` and ``mmu_ha`` replace those of the forest definition.

        Raises
        ------
        OptionError
            an unknown option name, or a value out of range (named).
        """
        base = DEFAULTS if options is None else options
        if not isinstance(base, IndicatorOptions):
            raise OptionError(f"options must be an IndicatorOptions, got {type(base).__name__}")
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = sorted(set(given) - set(NAMES) - {"threshold", "mmu_ha"})
        if unknown:
            raise OptionError(f"unknown indicator option(s) {', '.join(unknown)}; known: "
                              f"{', '.join(NAMES + ('threshold', 'mmu_ha'))}")
        forest = {k: given.pop(k) for k in ("threshold", "mmu_ha") if k in given}
        if forest:
            given["forest"] = dataclasses.replace(given.get("forest", base.forest), **forest)
        return dataclasses.replace(base, **given) if given else base

    def as_meta(self) -> dict[str, Any]:
        """The options as ``results.meta["options"]`` records them (flat, JSON-friendly; the
        reference date is in ``meta["reference_date"]``)."""
        return {"buffer_m": self.buffer_m, "river_buffer_m": self.river_buffer_m,
                "river_reach_km": self.river_reach_km, "air_distance_m": self.air_distance_m,
                "riverbed_distance_m": self.riverbed_distance_m, "new_since": self.new_since,
                "threshold": self.threshold, "mmu_ha": self.mmu_ha, "official_area": self.official_area}

    @classmethod
    def from_meta(cls, meta: dict[str, Any] | None) -> IndicatorOptions:
        """The options recorded in ``meta["options"]`` (e.g. results read back from a reports
        folder); keys absent there keep their defaults, unknown keys are ignored."""
        opts = dict((meta or {}).get("options") or {})
        known = {k: opts[k] for k in (*NAMES, "threshold", "mmu_ha") if k in opts and k != "reference_date"}
        return cls.build(**known)


#: the options' names, in order (``threshold`` and ``mmu_ha`` are in ``forest``)
NAMES = tuple(f.name for f in dataclasses.fields(IndicatorOptions))
#: the options that are distances, with their unit
UNITS = {"buffer_m": "m", "river_buffer_m": "m", "river_reach_km": "km", "air_distance_m": "m",
         "riverbed_distance_m": "m"}
DISTANCES = tuple(UNITS)
#: the defaults of every indicator, of ``run_indicators``, of the CLI and of the maps
DEFAULTS = IndicatorOptions()


def help_text(name: str) -> str:
    """The help of option ``name`` (for the CLI)."""
    return {f.name: f.metadata.get("help", "") for f in dataclasses.fields(IndicatorOptions)}[name]


__all__ = ["DEFAULTS", "FOREST", "MIN_OBSERVED_PCT", "ForestDefinition", "IndicatorOptions", "help_text",
           "percent_option", "real_option"]
