"""Weights and class breaks of the susceptibility overlay (``layers/hazard.toml``, commented,
or a copy the user passes): the factors each hazard uses, their weights and the class breaks
that score them 1 (least prone) … 5 (most prone), and the five classes of the index."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gisplan.catalog import LAYERS_DIR, read_toml
from gisplan.errors import OptionError

HAZARDS = ("landslide", "flash_flood")
DEFAULT_WEIGHTS = LAYERS_DIR / "hazard.toml"
#: factors each hazard can use (``[<hazard>.factors.<name>]`` in hazard.toml)
_COMMON = ("slope_deg", "relief_m", "river_distance_m", "land_cover", "road_distance_m", "fault_distance_m",
           "geology", "rainfall_mm", "upstream_km2", "twi")
KNOWN_FACTORS = {"landslide": _COMMON, "flash_flood": _COMMON}
#: factors scored by breaks (the others: land cover by class, geology already 1–5)
BROKEN_FACTORS = ("slope_deg", "relief_m", "river_distance_m", "road_distance_m", "fault_distance_m",
                  "rainfall_mm", "upstream_km2", "twi")
NOTE = ("relative susceptibility index (weighted overlay of factor scores), not a probability or a forecast; "
        "DEM cells smaller than small slides and road cuts cannot show them")


@dataclass(frozen=True)
class Factor:
    name: str
    weight: float
    breaks: tuple[float, ...] = ()
    scores: tuple[float, ...] = ()
    classes: Mapping[str, float] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)

    def score(self, values: np.ndarray) -> np.ndarray:
        """Scores 1–5 of ``values`` (NaN stays NaN) by the breaks."""
        idx = np.digitize(values, np.asarray(self.breaks, float), right=False)
        out = np.asarray(self.scores, float)[np.clip(idx, 0, len(self.scores) - 1)]
        return np.where(np.isnan(values), np.nan, out)


@dataclass(frozen=True)
class HazardConfig:
    """Weights and breaks of ``hazard.toml`` (see the file's comments)."""

    class_breaks: tuple[float, ...]
    class_keys: tuple[str, ...]
    labels_vi: tuple[str, ...]
    labels_en: tuple[str, ...]
    colors: tuple[str, ...]
    exposed: tuple[str, ...]
    factors: Mapping[str, Mapping[str, Factor]]
    titles: Mapping[str, tuple[str, str]]
    source: str

    @property
    def exposed_codes(self) -> list[int]:
        return [self.class_keys.index(k) + 1 for k in self.exposed]


def _num(where: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise OptionError(f"{where} must be a number, got {v!r}")
    return float(v)


def load_config(weights: str | os.PathLike | Mapping | HazardConfig | None = None) -> HazardConfig:
    """Read and check weights and class breaks (default ``layers/hazard.toml``).

    Raises
    ------
    LayerNotFoundError, OptionError
        The file is absent, or a weight/break/score is missing or out of range (named).
    """
    if isinstance(weights, HazardConfig):
        return weights
    if weights is None or isinstance(weights, (str, os.PathLike)):
        path = Path(weights) if weights is not None else DEFAULT_WEIGHTS
        data = read_toml(path, "hazard weights file", invalid=OptionError,
                         hint="; copy layers/hazard.toml and edit it")
        src = str(path)
    else:
        data, src = dict(weights), "weights"
    try:
        cls = data["classes"]
        breaks = tuple(_num(f"{src}: classes.breaks", b) for b in cls["breaks"])
        keys = tuple(cls["keys"])
    except (KeyError, TypeError) as exc:
        raise OptionError(f"{src}: [classes] needs breaks (4 numbers) and keys (5 names): missing {exc}") from exc
    if len(breaks) != 4 or len(keys) != 5 or list(breaks) != sorted(breaks):
        raise OptionError(f"{src}: [classes] breaks must be 4 increasing numbers and keys 5 names")
    factors: dict[str, dict[str, Factor]] = {}
    titles = {}
    for hz in HAZARDS:
        if hz not in data or "factors" not in data[hz]:
            raise OptionError(f"{src}: no [{hz}.factors.*] tables")
        titles[hz] = (data[hz].get("title_vi", hz), data[hz].get("title_en", hz))
        factors[hz] = {}
        for name, spec in data[hz]["factors"].items():
            where = f"{src}: {hz}.factors.{name}"
            w = _num(f"{where}.weight", spec.get("weight"))
            if w < 0:
                raise OptionError(f"{where}.weight={w} must be ≥ 0")
            fb = tuple(_num(f"{where}.breaks", b) for b in spec.get("breaks", ()))
            raw = spec.get("scores", ())
            if isinstance(raw, Mapping):
                cl, fs = {k: _num(f"{where}.scores.{k}", v) for k, v in raw.items()}, ()
            else:
                cl, fs = {}, tuple(_num(f"{where}.scores", s) for s in raw)
            if fb and (len(fs) != len(fb) + 1 or list(fb) != sorted(fb)):
                raise OptionError(f"{where}: breaks must increase and scores have one item more than breaks")
            if fs and not fb:
                raise OptionError(f"{where}: scores without breaks")
            for s in (*fs, *cl.values()):
                if not 1 <= s <= 5:
                    raise OptionError(f"{where}: scores must be from 1 to 5, got {s:g}")
            if name not in KNOWN_FACTORS[hz]:
                raise OptionError(f"{where}: unknown factor; {hz} knows {', '.join(KNOWN_FACTORS[hz])}")
            if name in BROKEN_FACTORS and not fb:
                raise OptionError(f"{where}: needs breaks and scores (one score more than breaks)")
            params = {k: v for k, v in spec.items() if k not in ("weight", "breaks", "scores")}
            factors[hz][name] = Factor(name, w, fb, fs, cl, params)
    return HazardConfig(breaks, keys, tuple(cls.get("labels_vi", keys)), tuple(cls.get("labels_en", keys)),
                        tuple(cls.get("colors", ())), tuple(cls.get("exposed", keys[3:])), factors, titles, src)
