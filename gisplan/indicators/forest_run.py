"""The forest-status steps of :func:`gisplan.indicators.run.run_indicators`: forest cover, carbon,
change, conversion and status transitions from the lots, each per 2025 commune, protected area
and province.

The lots of each year are cut by each set of units once (:func:`lot_pieces`) and the two years
are overlaid once (:func:`lot_overlay`), in the run's layer store; every table takes those
pieces. Lots keyed to pre-2025 communes land in the 2025 communes by their geometry; the run
notes how many straddle a 2025 commune boundary.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from gisplan._format import fmt_number
from gisplan.errors import data_missing, missing_layer
from gisplan.forest_codes import status_codes
from gisplan.indicators import carbon, change, forest, forest_tables
from gisplan.indicators.lots import LotOverlay, lots_split, overlay_years, split_by_units
from gisplan.indicators.run_context import Run
from gisplan.overlay import union_by
from gisplan.store import LayerStore

#: the unit sets the lots are cut by: key → id column
UNIT_SETS = {"communes": "code", "province": "code", "protected_areas": "pa_id", "buffer_zones": "pa_id"}


# --- what the steps share --------------------------------------------------------------------------
def pa_units(L: LayerStore):
    """Protected areas as units, clipped to the province when the catalog has it (forest data
    cover the province only, so the part inside is the denominator)."""
    return L.protected_area_units()


def buffer_units(L: LayerStore, *, required: bool = True):
    """The protected areas' buffer zones (``zone = "buffer"``) dissolved per area, or None."""
    if "buffer_units" not in L.derived:
        pa = L.optional("protected_areas")
        buf = None if pa is None else pa[pa["zone"] == "buffer"]
        L.derived["buffer_units"] = (union_by(buf, "pa_id", keep=[c for c in ("name",) if c in buf])
                                     if buf is not None and len(buf) else None)
    b = L.derived["buffer_units"]
    if b is None and required:
        raise data_missing("no protected-area buffer zones (zone = 'buffer') in the protected_areas layer",
                           "lớp khu bảo tồn (protected_areas) không có vùng đệm (zone = 'buffer')")
    return b


def units_of(L: LayerStore, key: str) -> tuple[gpd.GeoDataFrame, str]:
    """(units, id column) of a unit set of :data:`UNIT_SETS`."""
    if key == "communes":
        return L.get("communes"), "code"
    if key == "province":
        if "province_units" not in L.derived:
            prov = L.get("province")
            official = ["area_km2_official"] if "area_km2_official" in prov else []
            L.derived["province_units"] = forest.province_units(prov).merge(
                prov.drop(columns=prov.geometry.name)[["code", *official]], on="code")
        return L.derived["province_units"], "code"
    if key == "protected_areas":
        return pa_units(L), "pa_id"
    if key == "buffer_zones":
        return buffer_units(L), "pa_id"
    raise KeyError(key)


def second_year(L: LayerStore) -> None:
    """DataMissingError unless the catalog has two forest-status years."""
    n = L.count("forest_status")
    if n == 0:
        raise missing_layer("forest_status")
    if n < 2:
        raise data_missing("forest change needs two forest_status years in the catalog; it has one",
                           "cần hai năm hiện trạng rừng (forest_status) trong danh mục để tính biến động; "
                           "danh mục chỉ có một năm", layers=("forest_status",))


def lot_pieces(L: LayerStore, index: int, key: str) -> pd.DataFrame:
    """The lots of forest-status year ``index`` cut by the unit set ``key`` (once per run)."""
    lots = L.get("forest_status", index)
    cache_key = ("lot_pieces", id(lots), key)
    if cache_key not in L.derived:
        units, unit_id = units_of(L, key)
        L.derived[cache_key] = split_by_units(lots, units, unit_id=unit_id)
    return L.derived[cache_key]


def lot_overlay(L: LayerStore) -> LotOverlay:
    """The first and last forest-status years overlaid (once per run)."""
    second_year(L)
    before, after = L.get("forest_status", 0), L.get("forest_status", -1)
    cache_key = ("lot_overlay", id(before), id(after))
    if cache_key not in L.derived:
        L.derived[cache_key] = overlay_years(before, after)
    return L.derived[cache_key]


def year_pieces(L: LayerStore, key: str) -> dict[str, pd.DataFrame]:
    """Both years' lots and their overlay cut by the unit set ``key``."""
    overlay = lot_overlay(L)
    units, unit_id = units_of(L, key)
    return {"before": lot_pieces(L, 0, key), "after": lot_pieces(L, -1, key),
            "overlay": overlay.by_units(units, unit_id, key=key)}


def official_area(run: Run, units: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, str | None]:
    """The units with ``official_ha`` (from ``area_km2_official``) when the option asks for it and
    every unit has one; else the units as they are (mapped area)."""
    if (run.options.official_area and "area_km2_official" in units
            and units["area_km2_official"].notna().all()):
        return units.assign(official_ha=units["area_km2_official"].astype(float) * 100), "official_ha"
    return units, None


def _status_notes(run: Run, name: str, table: pd.DataFrame) -> None:
    """Notes on lots not counted: unknown status (a lower bound), for the reader of ``name``."""
    unknown = float(table["unknown_status_ha"].sum()) if "unknown_status_ha" in table else 0.0
    if unknown > 0:
        run.note(name, f"{unknown:,.2f} ha of lots have no known status code (unknown_status_ha) and are not "
                           f"counted: forest cover there is a lower bound (see the layer's validation report)",
                     f"{fmt_number(unknown, 'vi', 2)} ha lô không có mã trạng thái hợp lệ (unknown_status_ha), "
                     f"không được tính: tỷ lệ che phủ ở đó là giá trị tối thiểu (xem báo cáo kiểm tra lớp dữ liệu)")


# --- the steps -------------------------------------------------------------------------------------
def forest_steps(run: Run) -> None:
    """Forest cover per commune, province and protected area, and its change between the first
    and last forest-status years."""
    L = run.L

    def cover(key, headline=None):
        def step():
            t, col = cover_table(run, key)
            name = f"forest_cover_{key}"
            if key == "communes":
                run.set_meta("forest_status_year", _year(L, L.get("forest_status")))
                run.set_meta("natural_area", "official" if col else "mapped")
                _split_note(run, name, lot_pieces(L, -1, key))
            if headline:
                run.headline(headline, float(t["forest_pct"].iloc[0]))
            _status_notes(run, name, t)
            return t
        return step

    def status_change(key):
        def step():
            second_year(L)
            units, unit_id = units_of(L, key)
            return change.forest_change_status(L.get("forest_status", 0), L.get("forest_status", -1), units,
                                               unit_id=unit_id, overlay=lot_overlay(L), pieces=year_pieces(L, key))
        return step

    run.add("forest_cover_communes", cover("communes"))
    run.add("forest_cover_province", cover("province", "forest_cover_province_pct"))
    run.add("forest_cover_protected_areas", cover("protected_areas"))
    def earlier_year():  # read while the latest year is read and used
        if L.count("forest_status") > 1:
            L.read_ahead("forest_status", 0)

    run.add("forest_change_communes", status_change("communes"), ahead=earlier_year)
    run.add("forest_change_protected_areas", status_change("protected_areas"), ahead=earlier_year)


def cover_table(run: Run, key: str) -> tuple[pd.DataFrame, str | None]:
    """Forest cover of the latest lots per unit of ``key`` (the official natural area for communes
    and the province when asked for and known), with the natural-area column used (or None)."""
    L = run.L
    units, unit_id = units_of(L, key)
    units, col = official_area(run, units) if key in ("communes", "province") else (units, None)
    t = forest.forest_cover_from_status(L.get("forest_status"), units, unit_id=unit_id, natural_area_column=col,
                                        pieces=lot_pieces(L, -1, key))
    return t, col


def _year(L: LayerStore, lots) -> int | None:
    """The inventory year of the latest lots: their ``year`` column, else the catalog entry's."""
    if "year" in lots and lots["year"].notna().any():
        return int(lots["year"].max())
    entries = L.entries("forest_status")
    return entries[-1].year if entries else None


def _split_note(run: Run, name: str, pieces: pd.DataFrame) -> None:
    """How many lots a 2025 commune boundary splits (lots keyed to pre-2025 communes)."""
    n, ha = lots_split(pieces, "code")
    run.set_meta("lots_split_by_communes", {"lots": n, "ha": ha})
    if n:
        run.note(name, f"{n:,} lots ({ha:,.2f} ha) straddle a 2025 commune boundary; each is split by its "
                           f"geometry between the communes",
                     f"{fmt_number(n, 'vi', 0)} lô ({fmt_number(ha, 'vi', 2)} ha) nằm vắt qua ranh giới xã, "
                     f"phường năm 2025; mỗi lô được chia theo ranh giới cho từng xã, phường")


def carbon_steps(run: Run) -> None:
    """Forest carbon estimates (stock per commune, province and protected area, by class, and
    its change between the first and last forest-status years), each noted with its factors."""
    L = run.L
    factors: dict[str, pd.DataFrame] = {}

    def noted(name, fn):
        def step():
            if "f" not in factors:
                factors["f"] = carbon.load_carbon_factors()
            t = fn(factors["f"])
            en, vi = carbon.factors_note(factors["f"])
            run.note(name, en, vi)
            run.set_meta("carbon_factors", list(factors["f"]["factor_id"]))
            return t
        run.add(name, step)

    def stock(key):
        def fn(f):
            units, unit_id = units_of(L, key)
            return carbon.carbon_stock(L.get("forest_status"), units, unit_id=unit_id, factors=f,
                                       pieces=lot_pieces(L, -1, key))
        return fn

    def stock_change(key):
        def fn(f):
            second_year(L)
            units, unit_id = units_of(L, key)
            return carbon.carbon_change(L.get("forest_status", 0), L.get("forest_status", -1), units,
                                        unit_id=unit_id, factors=f, pieces=year_pieces(L, key))
        return fn

    noted("carbon_communes", stock("communes"))
    noted("carbon_province", stock("province"))
    noted("carbon_protected_areas", stock("protected_areas"))
    noted("carbon_by_class", lambda f: carbon.carbon_by_class(L.get("forest_status"), factors=f))
    noted("carbon_change_communes", stock_change("communes"))
    noted("carbon_change_province", stock_change("province"))


def conversion_steps(run: Run) -> None:
    """Natural-forest conversion between the first and last forest-status years (plan III.4.đ):
    per commune (with the loss inside protected-area buffer zones when the catalog maps them),
    per protected area and per protected area's buffer zone."""
    L = run.L

    def conv(key, with_buffer):
        def step():
            second_year(L)
            overlay = lot_overlay(L)
            units, unit_id = units_of(L, key)
            return change.forest_conversion(L.get("forest_status", 0), L.get("forest_status", -1), units,
                                            unit_id=unit_id, overlay=overlay, pieces=year_pieces(L, key),
                                            buffer_zones=buffer_units(L, required=False) if with_buffer else None)
        return step

    run.add("forest_conversion_communes", conv("communes", True))
    run.add("forest_conversion_protected_areas", conv("protected_areas", False))
    run.add("forest_conversion_buffer_zones", conv("buffer_zones", False))


def transition_steps(run: Run) -> None:
    """Status transitions between the first and last forest-status years (theo dõi diễn biến
    rừng): per commune, forest gained and lost by origin per commune, and the matrix for the
    province."""
    L = run.L
    cache: dict[str, pd.DataFrame] = {}

    def transitions():
        if "t" not in cache:
            second_year(L)
            overlay = lot_overlay(L)
            before, after = L.get("forest_status", 0), L.get("forest_status", -1)
            column = next((c for c in ("status_code", "forest_type") if c in before and c in after), None)
            if column is None:
                raise data_missing("the forest_status layers carry no status code (status_code / ldlr) or forest type",
                                   "lớp hiện trạng rừng không có mã trạng thái (ldlr) hoặc loại rừng")
            units, unit_id = units_of(L, "communes")
            cache["t"] = change.status_transitions(before, after, units, unit_id=unit_id, overlay=overlay,
                                                   pieces=year_pieces(L, "communes"), column=column)
            run.set_meta("transitions_by", column)
        return cache["t"]

    def matrix():
        m = change.transition_matrix(transitions()).reset_index()
        names = {change.NOT_MAPPED: "Không có lô", "?": "Chưa xác định", "Tổng": "Tổng cuối kỳ"}
        codes = status_codes()
        m.insert(1, "before_name", [names.get(c) or codes.label(c) for c in m["before"]])
        return m

    run.add("forest_transitions_communes", transitions)
    run.add("forest_gain_loss_communes", lambda: change.change_by_origin(transitions(), "code"))
    run.add("forest_transition_matrix", matrix)


def official_table_steps(run: Run) -> None:
    """The tables of the annual forest-status announcement (công bố hiện trạng rừng), for the
    latest forest-status year: area by forest type × purpose, by forest type × owner category, and
    forest cover per commune and for the province."""
    L = run.L

    def by_purpose():
        lots = L.get("forest_status")
        prov = L.optional("province")
        if prov is not None and "name" in prov and len(prov):
            run.set_meta("forest_form_place", str(prov["name"].iloc[0]))
        entries = L.entries("forest_status")
        if entries:
            last = entries[-1]
            run.set_meta("forest_status_sources", [f"{last.title_vi or last.name} ({last.year or '?'}): "
                                                   f"{last.source or 'nguồn chưa ghi'}"])
        return forest_tables.status_by_purpose(lots)

    def by_owner():
        return forest_tables.status_by_owner(L.get("forest_status"))

    def cover():
        return forest_tables.cover_table(cover_table(run, "communes")[0], cover_table(run, "province")[0])

    run.add("forest_status_by_purpose", by_purpose)
    run.add("forest_status_by_owner", by_owner)
    run.add("forest_cover_official", cover)
