"""Climate steps of :func:`gisplan.indicators.run.run_indicators`: terrain and landslide /
flash-flood susceptibility per commune from the catalog's ``dem``.

Tables (areas in ha, shares in %, population in people; computed in EPSG:9213):

* ``terrain_communes`` — elevation and slope per commune (:func:`terrain.terrain_stats`);
* ``hazard_landslide_communes`` / ``hazard_flash_flood_communes`` — area and share of each
  susceptibility class, ``nodata_ha``, exposed area, population, urban area and, with a
  ``roads`` layer, road length in the high and very high classes per commune
  (:func:`hazard.exposure_by_unit`). The roads are exposure only, not a factor of the index: a
  network that lacks the local roads would lower the index far from the mapped ones;
* ``hazard_events_<hazard>`` — the inventory's events per class (:func:`hazard.event_success_rate`).

The susceptibility is computed once per run (kept in ``store.derived["susceptibility"]``) and
given to the maps with the results (``results.grids["susceptibility"]``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gisplan.errors import MissingDependencyError, data_missing
from gisplan.indicators import hazard, terrain
from gisplan.indicators.hazard_factors import MARGIN_M, dem_flow
from gisplan.indicators.run_context import Run
from gisplan.store import LayerStore

#: headline: communes with at least this share (%) of their area in the high / very high classes
HIGH_SHARE_PCT = 10.0
HEADLINE = "communes_landslide_high_ge10pct"
DERIVED_KEY = "susceptibility"
FLOW_KEY = "susceptibility_flow"
TABLES = ("terrain_communes", "hazard_landslide_communes", "hazard_flash_flood_communes",
          "hazard_events_landslide", "hazard_events_flash_flood")


def _dem_missing():
    return data_missing("no 'dem' (digital elevation model) layer in the catalog: terrain and "
                        "landslide / flash-flood susceptibility need one",
                        "thiếu lớp mô hình số độ cao (DEM) trong danh mục: không tính được địa hình "
                        "và mức độ nhạy cảm sạt lở đất, lũ quét", layers=("dem",))


def dem_source(L: LayerStore):
    """The catalog's (last) ``dem`` entry opened as a raster, or :class:`DataMissingError`."""
    entries = L.entries("dem")
    if not entries:
        raise _dem_missing()
    return L.raster(entries[-1])


def _present(L: LayerStore, type_id: str):
    """The catalog's layer of ``type_id`` cut to the study area, or None when absent or empty."""
    gdf = L.optional(type_id)
    return gdf if gdf is not None and len(gdf) else None


def _land_cover(L: LayerStore):
    """The newest land-cover raster, opened and checked (its catalog ``reclass`` with it), or None."""
    entries = L.entries("land_cover")
    return L.raster(entries[-1]) if entries else None


def flow_ahead(L: LayerStore) -> None:
    """Start the flow routing over the DEM (the slow part of the hazard steps, which needs the DEM
    and the communes' extent only) in the run's helper process, when pysheds is installed; its
    messages are those of the grid read again by the steps, so they are not replayed."""
    import importlib.util

    if DERIVED_KEY not in L.derived and importlib.util.find_spec("pysheds") is not None:
        L.beside(FLOW_KEY, dem_flow, *_flow_args(L))


def _flow_args(L: LayerStore) -> tuple:
    """The arguments of :func:`dem_flow` for the hazard steps' grid: the DEM, its CRS, the
    communes (the grid's area) and the margin."""
    dem = dem_source(L)
    return dem.path, getattr(dem, "crs", None), L.get("communes"), MARGIN_M


def susceptibility_for(L: LayerStore) -> dict:
    """``{"result": SusceptibilityResult | None, "skipped": {hazard: DataMissingError}}``,
    computed once per store (landslide alone when pysheds, needed for flash floods, is absent)."""
    if DERIVED_KEY in L.derived:
        return L.derived[DERIVED_KEY]
    args = _flow_args(L)  # the grid's DEM, CRS, area and margin, as the flow ahead had them
    dem_path, crs, communes, margin = args
    flow = (lambda: L.take(FLOW_KEY, dem_flow, *args, replay=False)) if L.started(FLOW_KEY) else None
    # the catalog's roads are not a factor here: a network missing its local roads would lower the
    # index everywhere far from the mapped ones (``gisplan hazard --roads`` takes a complete one)
    kw = dict(rivers=L.optional("river_sections"), land_cover=_land_cover(L),
              forest_status=L.optional("forest_status"), area=communes, crs=crs, margin_m=margin)
    skipped = {}
    try:
        result = hazard.susceptibility(dem_path, hazards=hazard.HAZARDS, flow=flow, **kw)
    except MissingDependencyError as exc:
        result = hazard.susceptibility(dem_path, hazards=("landslide",), **kw)
        reason = data_missing(f"flash-flood susceptibility needs pysheds: {exc}",
                              "mức độ nhạy cảm lũ quét cần gói pysheds; cài đặt: "
                              "pip install \"gisplan[hazard]\"",
                              public_vi="chưa tính được trên máy lập bản đồ này")
        skipped["flash_flood"] = reason
    L.discard(FLOW_KEY)  # not taken when no factor needed the flow
    L.derived[DERIVED_KEY] = {"result": result, "skipped": skipped}
    return L.derived[DERIVED_KEY]


def high_share_count(table: pd.DataFrame, threshold_pct: float = HIGH_SHARE_PCT) -> float:
    """Communes with ≥ ``threshold_pct`` of their area in the exposed (high + very high) classes;
    NaN when the share of any commune is unknown."""
    pct = pd.to_numeric(table["exposed_pct"], errors="coerce")
    if pct.empty or pct.isna().any():
        return np.nan
    return float((pct >= threshold_pct - 1e-9).sum())


def climate_steps(run: Run) -> None:
    """Register the terrain and hazard steps of a run (each a function returning its table; the
    exposure steps report the landslide headline, their notes and the class rasters through the
    run)."""
    L = run.L
    has_dem = bool(L.entries("dem"))

    def terrain_step():
        dem = dem_source(L)
        communes = L.get("communes")
        t = terrain.terrain_stats(dem.path, communes, id_column="code", crs=getattr(dem, "crs", None))
        t.insert(1, "name", communes["name"].to_numpy())
        return t

    def exposure(hz):
        def step():
            s = susceptibility_for(L)
            if hz in s["skipped"]:
                raise s["skipped"][hz]
            run.keep_grid("susceptibility", s["result"])  # the class rasters the hazard maps draw
            t = hazard.exposure_by_unit(only_hazard(s["result"], hz), L.get("communes"), id_column="code",
                                        name_column="name", roads=_present(L, "roads"),
                                        urban_areas=_present(L, "urban_areas"))
            t = t.drop(columns=["hazard"])
            run.note(f"hazard_{hz}_communes", hazard.NOTE + "; the population in the high and very high "
                     "classes is an estimate by area share: the commune's population × the share of its area in "
                     "those classes (people taken as spread evenly over the commune), written in whole people",
                     "chỉ số nhạy cảm tương đối (chồng xếp có trọng số các yếu tố), không phải xác suất "
                     "hay dự báo; dân số trong vùng nhạy cảm cao, rất cao là số ước tính theo tỷ lệ diện tích: "
                     "dân số của xã × tỷ lệ diện tích của xã ở các mức đó (coi dân cư phân bố đều trong xã), "
                     "làm tròn đến người")
            if hz == "landslide":
                run.headline(HEADLINE, high_share_count(t))
            return t
        return step

    def events(hz):
        def step():
            ev = L.optional("hazard_events")
            if ev is None:
                raise data_missing("no 'hazard_events' layer in the catalog",
                                   "thiếu lớp điểm sạt lở, lũ quét đã xảy ra (hazard_events) trong danh mục",
                                   layers=("hazard_events",))
            s = susceptibility_for(L)
            if hz in s["skipped"]:
                raise s["skipped"][hz]
            t = hazard.event_success_rate(only_hazard(s["result"], hz), ev)
            return t.drop(columns=["hazard"])
        return step

    if not has_dem:
        def missing():
            raise _dem_missing()
        for name in TABLES:
            run.add(name, missing)
        return
    run.add("terrain_communes", terrain_step)
    for hz in hazard.HAZARDS:
        run.add(f"hazard_{hz}_communes", exposure(hz), ahead=lambda: flow_ahead(L))
    for hz in hazard.HAZARDS:
        run.add(f"hazard_events_{hz}", events(hz))


def only_hazard(result: hazard.SusceptibilityResult, hz: str) -> hazard.SusceptibilityResult:
    """The result restricted to one hazard (same grid, no copy of the arrays)."""
    return hazard.SusceptibilityResult({hz: result.classes[hz]}, {hz: result.score[hz]}, result.transform,
                                       result.crs, result.config, {hz: result.factors[hz]}, list(result.notes),
                                       {k: v for k, v in result.paths.items() if k == hz})


__all__ = ["HEADLINE", "HIGH_SHARE_PCT", "TABLES", "climate_steps", "dem_source", "only_hazard", "high_share_count",
           "susceptibility_for"]
