"""Steps of :func:`gisplan.indicators.run.run_indicators` for the plan's spatial tasks that the
2030 tracker reads year by year (:mod:`gisplan.indicators.tracker`):

* ``forest_cover_target`` — forest cover of the province in the first and last forest-status
  years, over the official natural area when known (the figure set against the Party Congress
  target, plan II.2.c);
* ``forest_cover_buffer_zones`` — forest cover of each protected area's buffer zone in both years
  (III.5 "đa dạng sinh học vùng đệm");
* ``forest_owners_years`` — forest by owner category in both years (III.4.đ: forest entrusted to
  communities, forest the commune People's Committees still hold unallocated);
* ``forest_carbon_years`` — the province's forest carbon in both years, the part with a carbon
  factor apart (III.3 "bảo tồn, nâng cao trữ lượng các-bon"; a total is unknown while some forest
  has no factor, the assessed part is still compared);
* ``urban_green_water`` — green and water share of each urban area per land-cover year (III.5
  "tăng diện tích cây xanh, mặt nước");
* ``unused_land_communes`` — bare land per commune per land-cover year (III.4.a "đất chưa sử
  dụng");
* ``hazard_events_by_year`` — recorded events, dead and missing per year (II.2.a).

Tables are long, one row per unit and year. Areas in ha, in EPSG:9213.
"""

from __future__ import annotations

import pandas as pd

from gisplan.errors import data_missing, missing_layer
from gisplan.indicators import carbon, forest_progress, forest_run
from gisplan.indicators.hazard_exposure import events_by_year
from gisplan.indicators.land_cover import class_group_shares
from gisplan.indicators.run_context import Run
from gisplan.store import LayerStore


def progress_steps(run: Run) -> None:
    """Register the tables above, in this order."""
    forest_steps(run)
    land_cover_steps(run)
    run.add("hazard_events_by_year", lambda: events_by_year(run.L.get("hazard_events")))


# --- forest-status years ---------------------------------------------------------------------------
def _years(L: LayerStore) -> list[int]:
    """Indexes of the forest-status years compared: the first and the last (the last alone when
    there is one)."""
    n = L.count("forest_status")
    if n == 0:
        raise missing_layer("forest_status")
    return [0, -1] if n > 1 else [-1]


def _year(L: LayerStore, index: int) -> int | None:
    """The inventory year of forest-status layer ``index``: its ``year`` column, else the catalog
    entry's (None for a layer given without either)."""
    lots = L.get("forest_status", index)
    if "year" in lots and lots["year"].notna().any():
        return int(lots["year"].max())
    entries = L.entries("forest_status")
    return entries[index].year if entries else None


def forest_steps(run: Run) -> None:
    L = run.L

    def target_cover():
        idx = _years(L)
        units, uid = forest_run.units_of(L, "province")
        official = forest_progress.official_natural_area(units, L.optional("communes"))
        column = None
        if official is not None:
            units, column = units.assign(official_ha=official.to_numpy()), "official_ha"
        else:
            run.note("forest_cover_target", "no official natural area (area_km2_official) for the province or for "
                                            "every commune: forest cover is over the mapped area",
                     "chưa có diện tích tự nhiên theo số liệu chính thức (area_km2_official) của tỉnh hoặc của mọi "
                     "xã, phường: tỷ lệ che phủ tính trên diện tích đo trên bản đồ")
        run.set_meta("forest_cover_target_area", "official" if column else "mapped")
        frames = [forest_progress.cover_of_year(L.get("forest_status", i), units,
                                                forest_run.lot_pieces(L, i, "province"), unit_id=uid,
                                                year=_year(L, i), natural_area_column=column) for i in idx]
        return pd.concat(frames, ignore_index=True)

    def buffer_cover():
        idx = _years(L)
        units = forest_run.buffer_units(L)
        frames = [forest_progress.cover_of_year(L.get("forest_status", i), units,
                                                forest_run.lot_pieces(L, i, "buffer_zones"), unit_id="pa_id",
                                                year=_year(L, i)) for i in idx]
        return pd.concat(frames, ignore_index=True).sort_values(["pa_id", "year"], kind="stable")

    def owners():
        idx = _years(L)
        if any("owner_category" not in L.get("forest_status", i) for i in idx):
            raise data_missing("the forest_status layers carry no owner category (owner_category, chủ rừng)",
                               "lớp hiện trạng rừng không có loại chủ rừng (owner_category)")
        return forest_progress.owners_by_year([(_year(L, i), L.get("forest_status", i),
                                                forest_run.lot_pieces(L, i, "province")) for i in idx])

    def carbon_years():
        idx = _years(L)
        units, uid = forest_run.units_of(L, "province")
        factors = carbon.load_carbon_factors()
        frames = []
        for i in idx:
            t = carbon.carbon_stock(L.get("forest_status", i), units, unit_id=uid, factors=factors,
                                    pieces=forest_run.lot_pieces(L, i, "province"))
            t.insert(1 + ("name" in t), "year", _year(L, i))
            frames.append(t)
        return pd.concat(frames, ignore_index=True)

    run.add("forest_cover_target", target_cover)
    run.add("forest_cover_buffer_zones", buffer_cover)
    run.add("forest_owners_years", owners)
    run.add("forest_carbon_years", carbon_years)


# --- land-cover years ------------------------------------------------------------------------------
def _groups(run: Run, **keys: str) -> dict[str, list[int]]:
    """The class groups of the land-cover type (``green_classes`` …) named by ``keys``."""
    raster = run.catalog.layer_type("land_cover").raster
    missing = [k for k in keys.values() if not raster.get(k)]
    if missing:
        raise data_missing(f"the land_cover layer type lists no {', '.join(missing)}",
                           f"loại lớp phủ mặt đất (land_cover) chưa khai báo {', '.join(missing)}")
    return {name: [int(c) for c in raster[k]] for name, k in keys.items()}


def land_cover_steps(run: Run) -> None:
    L = run.L

    def shares(zones_type, id_column, keep, groups):
        entries = L.entries("land_cover")
        if not entries:
            raise missing_layer("land_cover")
        zones = L.get(zones_type)
        frames = []
        for entry in entries:
            src = L.raster(entry)
            t = class_group_shares(src, zones, id_column=id_column, groups=groups, progress=run.progress,
                                   client=run.client)
            for k, col in enumerate(keep):
                t.insert(1 + k, col, zones[col].to_numpy())
            t.insert(1 + len(keep), "year", entry.year)
            frames.append(t)
        return pd.concat(frames, ignore_index=True)

    def urban():
        t = shares("urban_areas", "urban_id", ["name", "urban_class"],
                   _groups(run, green="green_classes", water="water_classes"))
        t.insert(t.columns.get_loc("water_pct") + 1, "green_water_pct", t["green_pct"] + t["water_pct"])
        return t

    def unused():
        return shares("communes", "code", ["name"], _groups(run, unused="unused_classes"))

    run.add("urban_green_water", urban)
    run.add("unused_land_communes", unused)
