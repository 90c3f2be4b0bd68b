"""Landslide and flash-flood susceptibility: a documented weighted overlay, per commune.

What it does
------------
On the grid of the DEM (a DEM in degrees is first warped to EPSG:9213 at its own resolution in
metres), each factor is scored 1 (least prone) … 5 (most prone) by the class breaks of
``layers/hazard.toml`` (or a copy the user passes):

* landslide: slope, local relief, distance to rivers, land cover (forest lowers, bare land
  raises) and, when given, distance to roads (cut slopes) and faults, geology/weathering and
  rainfall rasters;
* flash flood: upstream area and topographic wetness index (D8 flow routing with ``pysheds`` on
  the depression-filled DEM), flatness of the valley floor, distance to rivers, land cover, and
  rainfall when given.

The index of a cell is the weighted mean of the scores known there (weights of absent factors
are dropped and the others renormalised; :attr:`SusceptibilityResult.factors` lists what was
used) and is cut into five classes: rất thấp, thấp, trung bình, cao, rất cao (very low … very
high). :func:`exposure_by_unit` gives per commune the area and share of each class and what lies
in the high and very high classes (population in proportion to area, urban areas, buildings,
road length); :func:`event_success_rate` counts an inventory's events per class.

This module holds the overlay (:func:`susceptibility`, :class:`SusceptibilityResult`) and
re-exports the rest: the weights file (:mod:`.hazard_config`), the grid and factor values
including D8 flow routing (:mod:`.hazard_factors`), exposure and the success rate
(:mod:`.hazard_exposure`).

What it cannot do
-----------------
It is a *relative* susceptibility index — where events are more likely than elsewhere in the
province — not a probability, not a hazard or risk map with return periods and not a warning:
rain triggers slides and floods, this index only says where. It inherits the DEM's detail:
SRTM's 90 m cells cannot see small slides, road cuts, narrow gullies or the channel of a small
stream; rivers outside the grid's margin are not seen. Population "in the high classes" assumes
people are spread evenly over the commune. Weights and breaks are expert judgement to be tuned
with the province's inventory (:func:`event_success_rate`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from rasterio.warp import Resampling

from gisplan.errors import OptionError
from gisplan.indicators.hazard_config import (
    DEFAULT_WEIGHTS,
    HAZARDS,
    NOTE,
    Factor,
    HazardConfig,
    load_config,
)
from gisplan.indicators.hazard_exposure import EVENT_HAZARD, event_success_rate, exposure_by_unit
from gisplan.indicators.hazard_factors import (
    LAND_COVER_CLASSES,
    MARGIN_M,
    dem_grid,
    distance_m,
    flow_accumulation,
    land_cover_score,
    raster_on_grid,
    relief_m,
    vector_layer,
)
from gisplan.indicators.hazard_result import SusceptibilityResult
from gisplan.indicators.terrain import slope_deg

__all__ = ["DEFAULT_WEIGHTS", "EVENT_HAZARD", "HAZARDS", "LAND_COVER_CLASSES", "NOTE", "Factor", "HazardConfig",
           "SusceptibilityResult", "event_success_rate", "exposure_by_unit", "flow_accumulation", "load_config",
           "susceptibility"]


def susceptibility(
    dem,
    *,
    rivers=None,
    land_cover=None,
    forest_status=None,
    roads=None,
    faults=None,
    geology=None,
    rainfall=None,
    weights: str | os.PathLike | Mapping | HazardConfig | None = None,
    area=None,
    hazards: Sequence[str] = HAZARDS,
    margin_m: float = MARGIN_M,
    crs: Any = None,
    out_dir: str | os.PathLike | None = None,
    overwrite: bool = False,
    flow: Callable[[], tuple] | None = None,
) -> SusceptibilityResult:
    """Landslide and flash-flood susceptibility classes on the DEM's grid (relative index 1–5).

    Parameters
    ----------
    dem : DEM path (metres; projected, or in degrees: warped to EPSG:9213 at its resolution).
    rivers, roads, faults : line (or polygon) layers, GeoDataFrames or files, any CRS.
    land_cover : land-cover class raster (classes of ``layers/types.toml``), any CRS, resampled
        to the grid by nearest neighbour.
    forest_status : forest-status polygons (``meets_criteria``); used for land cover when no
        land-cover raster is given.
    geology : raster of scores 1–5 (geology/weathering); rainfall : raster in mm.
    weights : path of a ``hazard.toml`` (default ``layers/hazard.toml``), a dict of the same
        form, or a :class:`HazardConfig`.
    area : GeoDataFrame (e.g. the communes) or bounds (in EPSG:9213 / the DEM's projected CRS)
        limiting the grid; ``margin_m`` is added around it (flow from outside, river distance).
    hazards : which of ``landslide``, ``flash_flood``.
    crs : the DEM's CRS when the file carries none.
    out_dir : when given, the class rasters are written there (``<hazard>_susceptibility.tif``).
    flow : returns :func:`~gisplan.indicators.hazard_factors.dem_flow` of the same DEM, CRS,
        area and margin, computed ahead (a run's helper process); used when its grid is this one.

    Returns
    -------
    :class:`SusceptibilityResult`. It is a relative index, not a probability (see the module).

    Raises
    ------
    OptionError, LayerNotFoundError, CRSError, DataMissingError, MissingDependencyError
    """
    cfg = load_config(weights)
    bad = [h for h in hazards if h not in HAZARDS]
    if bad or not hazards:
        raise OptionError(f"hazards={list(hazards)!r}: choose from {', '.join(HAZARDS)}")
    if isinstance(margin_m, bool) or not isinstance(margin_m, (int, float)) or not 0 <= margin_m <= 50_000:
        raise OptionError(f"margin_m={margin_m!r} must be 0–50000 (m)")
    z, t, gcrs, notes = dem_grid(dem, crs, area, float(margin_m))
    res = abs(t.a)
    shape = z.shape
    dem_ok = ~np.isnan(z)
    values: dict[str, np.ndarray | None] = {}
    values["slope_deg"] = slope_deg(z, res, res)
    rv = vector_layer(rivers, gcrs, "rivers")
    values["river_distance_m"] = distance_m(rv, shape, t, res)
    if rivers is not None and values["river_distance_m"] is None:
        notes.append("no river inside the grid: distance to rivers left out")
    values["road_distance_m"] = distance_m(vector_layer(roads, gcrs, "roads"), shape, t, res)
    values["fault_distance_m"] = distance_m(vector_layer(faults, gcrs, "faults"), shape, t, res)
    values["rainfall_mm"] = raster_on_grid(rainfall, shape, t, gcrs, Resampling.bilinear) if rainfall else None
    fs = vector_layer(forest_status, gcrs, "forest_status")
    result_classes, result_scores, used = {}, {}, {}
    for hz in hazards:
        num = np.zeros(shape)
        den = np.zeros(shape)
        used[hz] = {}
        for name, f in cfg.factors[hz].items():
            if f.weight == 0:
                continue
            if name == "relief_m":
                s = f.score(relief_m(z, float(f.params.get("radius_m", 250)), res))
            elif name in ("upstream_km2", "twi"):
                if "acc" not in values:
                    ahead = flow() if flow is not None else None
                    if ahead is not None and ahead[0] == t and ahead[1].shape == z.shape:
                        values["acc"] = ahead[1]
                    else:
                        values["acc"] = flow_accumulation(z, t, gcrs)
                acc = values["acc"]
                if name == "upstream_km2":
                    s = f.score(acc * res * res / 1e6)
                else:
                    tanb = np.maximum(np.tan(np.radians(values["slope_deg"])), 0.001)
                    s = f.score(np.log(acc * res / tanb))
            elif name == "land_cover":
                s = land_cover_score(f, land_cover, fs, shape, t, gcrs)
            elif name == "geology":
                s = raster_on_grid(geology, shape, t, gcrs, Resampling.nearest) if geology else None
                if s is not None:
                    s = np.where((s >= 1) & (s <= 5), s, np.nan)
            elif name in values:
                v = values[name]
                s = f.score(v) if v is not None else None
            else:
                raise OptionError(f"{cfg.source}: unknown factor {hz}.factors.{name}; known: slope_deg, relief_m, "
                                  f"river_distance_m, land_cover, road_distance_m, fault_distance_m, geology, "
                                  f"rainfall_mm, upstream_km2, twi")
            if s is None:
                continue
            known = ~np.isnan(s) & dem_ok
            num += np.where(known, s * f.weight, 0.0)
            den += np.where(known, f.weight, 0.0)
            used[hz][name] = f.weight
        total = sum(used[hz].values())
        used[hz] = {k: v / total for k, v in used[hz].items()} if total else {}
        left = [k for k, f in cfg.factors[hz].items() if f.weight > 0 and k not in used[hz]]
        if left:
            notes.append(f"{hz}: factor(s) not given, left out (weights renormalised): {', '.join(left)}")
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(dem_ok & (den > 0), num / den, np.nan)
        cls = np.where(np.isnan(score), 0, np.digitize(score, cfg.class_breaks) + 1).astype("uint8")
        result_classes[hz], result_scores[hz] = cls, score.astype("float32")
    result = SusceptibilityResult(result_classes, result_scores, t, gcrs, cfg, used, notes)
    if out_dir is not None:
        result.write(out_dir, overwrite=overwrite)
    return result
