"""What the 2030 tracker counts for each computed target: one reading of the run's tables per
indicator (:data:`MEASURES`), with the earlier year where two years of a layer exist.

A :class:`Measure` names the tables it reads, the layers (and their attributes) that measure it,
and says in Vietnamese and English what is counted; its reader turns the tables into a
:class:`Reading`: the value and its year, the earlier value and year, whether the value is a lower
bound (some of what it counts is not recorded), notes, and what is missing for a value or for a
complete one. A measure whose table was skipped is unknown, with the skip reason and the layer it
needs — never 0. :func:`read_measures` reads them all; :func:`gisplan.indicators.targets.track_targets`
sets them against the targets.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from gisplan._format import fmt_number
from gisplan.errors import DataMissingError
from gisplan.indicators.results import IndicatorResults

#: the share of a commune in the high and very high susceptibility classes from which it counts
#: (plan II.2.a; the headline of :mod:`gisplan.indicators.climate_run` uses the same)
HIGH_SHARE_PCT = 10.0


@dataclass(frozen=True)
class Reading:
    """A value of the tracker: ``value`` (None: unknown) in ``year``, the ``earlier`` value in
    ``earlier_year`` (None when one year only), ``lower_bound`` (the value is a minimum), notes in
    both languages, ``needs`` (layers or attributes missing for a value or a complete one) and
    ``measured_by`` (the layers it comes from)."""

    value: float | None = None
    year: int | None = None
    earlier: float | None = None
    earlier_year: int | None = None
    lower_bound: bool = False
    notes_vi: tuple[str, ...] = ()
    notes_en: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    measured_by: str = ""
    #: a stock that changes steadily (forest, carbon, land cover): its pace between the two years
    #: may be carried to the deadline; not a yearly count (events), whose years vary at random
    steady: bool = True


@dataclass(frozen=True)
class Measure:
    """One computed indicator of the tracker: the ``tables`` it reads, the ``layers`` that measure
    it, what is counted (``counted_vi``, ``counted_en``) and its reader."""

    key: str
    tables: tuple[str, ...]
    layers: str
    counted_vi: str
    counted_en: str
    read: Callable[[IndicatorResults], Reading] = field(repr=False)


def _f(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _n(v, lang: str, decimals: int = 0) -> str:
    return fmt_number(v, lang, decimals)


def _note(vi: str, en: str) -> dict:
    return {"notes_vi": (vi,), "notes_en": (en,)}


def _notes(*pairs: tuple[str, str]) -> dict:
    pairs = tuple(p for p in pairs if p)
    return {"notes_vi": tuple(p[0] for p in pairs), "notes_en": tuple(p[1] for p in pairs)}


def _meta_year(res: IndicatorResults, table: str, column: str = "year") -> tuple[int | None, int | None]:
    """(last, first) year of a long table's ``year`` column, None when absent."""
    t = res.tables.get(table)
    if t is None or column not in t or t[column].dropna().empty:
        return None, None
    years = sorted(int(y) for y in t[column].dropna().unique())
    return years[-1], (years[0] if len(years) > 1 else None)


def _forest_years(res: IndicatorResults) -> tuple[int | None, int | None]:
    """(last, first) forest-status years of the run."""
    last, first = _meta_year(res, "forest_cover_target")
    if last is None:
        last = res.meta.get("forest_status_year")
    return last, first


# --- mines -----------------------------------------------------------------------------------------
def _mines_unknown(res: IndicatorResults) -> tuple[bool, dict]:
    u = res.meta.get("mines_to_close_unknown") or {}
    needs = tuple(n for n, k in (("mines.reserves_exhausted", "no_reserves"), ("mines.licence_expiry", "no_expiry"))
                  if u.get(k))
    notes = []
    if u.get("no_expiry"):
        notes.append((f"{_n(u['no_expiry'], 'vi')} mỏ còn hiệu lực không có ngày hết hạn giấy phép",
                      f"{_n(u['no_expiry'], 'en')} valid mine(s) have no licence expiry date"))
    if u.get("no_reserves"):
        notes.append((f"{_n(u['no_reserves'], 'vi')} mỏ chưa ghi nhận đã hết trữ lượng hay chưa (tối thiểu)",
                      f"{_n(u['no_reserves'], 'en')} mine(s) do not record whether their reserves are exhausted "
                      f"(a lower bound)"))
    return bool(needs), {"needs": needs, **_notes(*notes)}


def _mines_to_close(res: IndicatorResults, riverbed: bool = False) -> Reading:
    t = res.tables["mines_to_close"]
    if riverbed:
        t = t[t["riverbed"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
    working = int(t["operating"].astype("boolean").fillna(False).sum())
    lower, extra = _mines_unknown(res)
    notes = _notes((f"trong đó {_n(working, 'vi')} mỏ vẫn đang khai thác", f"of which {_n(working, 'en')} still worked"))
    return Reading(float(len(t)), lower_bound=lower, needs=extra["needs"],
                   notes_vi=notes["notes_vi"] + extra["notes_vi"], notes_en=notes["notes_en"] + extra["notes_en"])


def _riverbed_operating(res: IndicatorResults) -> Reading:
    t = res.tables["riverbed_mines"]
    worked = t["operating"].astype("boolean").fillna(False).to_numpy(dtype=bool) & ~t["licence_status"].eq("closed").to_numpy()
    off = int((~t["on_river"].astype(bool)).sum())
    note = ((f"{_n(off, 'vi')} giấy phép khai thác lòng sông nằm xa mọi đoạn sông đã số hóa: cần kiểm tra vị trí",
             f"{_n(off, 'en')} riverbed licence(s) lie away from every mapped river: check their position")
            if off else None)
    return Reading(float(worked.sum()), **_notes(note) if note else {})


def _scattered_small(res: IndicatorResults) -> Reading:
    t = res.tables["mines_scattered_small"]
    area = pd.to_numeric(t["area_ha"], errors="coerce")
    unknown = int(area.isna().sum())
    vi = f"tổng diện tích {_n(area.sum(), 'vi', 2)} ha"
    en = f"{_n(area.sum(), 'en', 2)} ha in all"
    if unknown:
        vi += f" (không tính {_n(unknown, 'vi')} mỏ chưa có diện tích)"
        en += f" ({_n(unknown, 'en')} mine(s) without an area not included)"
    return Reading(float(len(t)), **_note(vi, en))


# --- waste -----------------------------------------------------------------------------------------
def _waste(res: IndicatorResults) -> dict:
    p = res.meta.get("waste_progress")
    if p is None:
        raise DataMissingError("the waste_sites step did not report its counts")
    return p


def _serious_landfills(res: IndicatorResults) -> Reading:
    p = _waste(res)
    if not p["serious_recorded"]:
        return Reading(None, needs=("waste_sites.serious_pollution",), **_note(
            "lớp bãi chôn lấp không có thuộc tính gây ô nhiễm môi trường nghiêm trọng (serious_pollution): "
            "không suy ra từ 'cần cải tạo'",
            "the waste-sites layer does not record serious pollution (serious_pollution); it is not inferred "
            "from 'needs remediation'"))
    unknown = int(p["serious_unknown"])
    notes = [(f"trong đó {_n(p['serious_operating'], 'vi')} bãi còn hoạt động",
              f"of which {_n(p['serious_operating'], 'en')} still operating")]
    if unknown:
        notes.append((f"{_n(unknown, 'vi')} bãi chưa ghi mức độ ô nhiễm (giá trị tối thiểu)",
                      f"{_n(unknown, 'en')} landfill(s) do not record it (a lower bound)"))
    return Reading(p["serious_to_remediate"], lower_bound=unknown > 0,
                   needs=("waste_sites.serious_pollution",) if unknown else (), **_notes(*notes))


def _closed_remediated(res: IndicatorResults) -> Reading:
    p = _waste(res)
    notes = [(f"{_n(p['remediated'], 'vi')} đã cải tạo, {_n(p['closed_to_remediate'], 'vi')} còn phải cải tạo",
              f"{_n(p['remediated'], 'en')} remediated, {_n(p['closed_to_remediate'], 'en')} still to remediate")]
    if p["closed_unknown"]:
        notes.append((f"{_n(p['closed_unknown'], 'vi')} bãi đã đóng cửa chưa ghi cần cải tạo hay không: chưa tính",
                      f"{_n(p['closed_unknown'], 'en')} closed site(s) do not record whether they need it: not counted"))
    return Reading(_f(p["closed_remediated_pct"]), **_notes(*notes))


# --- water -----------------------------------------------------------------------------------------
def _river_km(res: IndicatorResults, column: str) -> Reading:
    t = res.tables["river_use"]
    flag = t[column].astype("boolean")
    km = pd.to_numeric(t["length_km"], errors="coerce")
    if flag.isna().all():
        need = "river_sections.qcvn_class" if column == "polluted" else "river_sections.designated_class"
        return Reading(None, needs=(need,), **_note(
            "không đoạn sông nào có đủ số liệu để xác định", "no section has the data to tell"))
    unknown_km, n_unknown = float(km[flag.isna().to_numpy()].sum()), int(flag.isna().sum())
    value = float(km[flag.fillna(False).to_numpy(dtype=bool)].sum())
    if not n_unknown:
        return Reading(value, **_note(f"tổng {_n(len(t), 'vi')} đoạn, {_n(km.sum(), 'vi', 1)} km đã đánh giá",
                                      f"{_n(len(t), 'en')} sections, {_n(km.sum(), 'en', 1)} km assessed"))
    need = ("river_sections.qcvn_class" if column == "polluted" else "river_sections.designated_class")
    return Reading(value, lower_bound=True, needs=(need,), **_note(
        f"{_n(n_unknown, 'vi')}/{_n(len(t), 'vi')} đoạn ({_n(unknown_km, 'vi', 1)} km) chưa có số liệu: giá trị tối thiểu",
        f"{_n(n_unknown, 'en')} of {_n(len(t), 'en')} sections ({_n(unknown_km, 'en', 1)} km) lack the data: "
        f"a lower bound"))


# --- air and monitoring ----------------------------------------------------------------------------
def _air(res: IndicatorResults) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    t = res.tables["air_monitoring"]
    auto = pd.to_numeric(t["automatic_stations"], errors="coerce").fillna(0).to_numpy() > 0
    any_ = pd.to_numeric(t["air_stations"], errors="coerce").fillna(0).to_numpy() > 0
    return t, auto, any_


def _air_automatic(res: IndicatorResults) -> Reading:
    t, auto, any_ = _air(res)
    if not len(t):
        return Reading(None, needs=("urban_areas",), **_note("không có đô thị đặc biệt, loại I, II trong lớp đô thị",
                                                             "no special, class I or II town in the urban areas"))
    none = ", ".join(t["name"].astype(str)[~any_]) or "—"
    return Reading(float(auto.mean() * 100), **_note(
        f"{_n(auto.sum(), 'vi')}/{_n(len(t), 'vi')} đô thị có trạm tự động; chưa có trạm nào: {none}",
        f"{_n(auto.sum(), 'en')} of {_n(len(t), 'en')} towns have an automatic station; none at all: {none}"))


def _air_upgrade(res: IndicatorResults) -> Reading:
    t, auto, any_ = _air(res)
    manual = any_ & ~auto
    names = ", ".join(t["name"].astype(str)[manual]) or "—"
    return Reading(float(manual.sum()), **_note(f"đô thị chỉ có điểm quan trắc định kỳ: {names}",
                                                f"towns with manual sampling points only: {names}"))


def _auto_monitoring(res: IndicatorResults, column: str) -> Reading:
    t = res.tables["auto_monitoring"]
    flag = t[column].astype("boolean")
    known = flag.dropna()
    zones = int(t["source_type"].eq("zone_plant").sum())
    fac = int(t["source_type"].eq("facility").sum())
    notes = [(f"{_n(len(t), 'vi')} nguồn thuộc đối tượng: {_n(zones, 'vi')} hệ thống XLNT tập trung của KCN, CCN và "
              f"{_n(fac, 'vi')} cơ sở", f"{_n(len(t), 'en')} sources must monitor: {_n(zones, 'en')} zone treatment "
              f"plants and {_n(fac, 'en')} facilities")]
    needs = []
    if n := len(t) - len(known):
        notes.append((f"{_n(n, 'vi')} nguồn chưa ghi nhận: tỷ lệ tính trên các nguồn đã ghi",
                      f"{_n(n, 'en')} do not record it: the share is of those that do"))
        needs.append("facilities." + ("auto_installed" if column == "installed" else "data_transmitted"))
    if not fac:
        notes.append(("chưa có lớp cơ sở thuộc đối tượng (facilities): các cơ sở trong và ngoài KCN, CCN chưa được tính",
                      "no facilities layer: the facilities inside and outside the zones are not counted"))
        needs.append("facilities")
    if without := res.meta.get("zones_without_running_plant"):
        notes.append((f"{_n(without, 'vi')} KCN, CCN đang hoạt động chưa vận hành HTXLNT tập trung (xem mục II.2.c)",
                      f"{_n(without, 'en')} operating zone(s) run no central treatment plant yet (see II.2.c)"))
    value = float(known.astype(bool).mean() * 100) if len(known) else None
    return Reading(value, needs=tuple(needs), **_notes(*notes))


# --- forest ----------------------------------------------------------------------------------------
def _by_year(t: pd.DataFrame, value: Callable[[pd.DataFrame], float | None]) -> Reading:
    """A reading from a long table with a ``year`` column: the last and the first year."""
    years = sorted(int(y) for y in t["year"].dropna().unique())
    if not years:
        return Reading(value(t))
    last = value(t[t["year"] == years[-1]])
    first = value(t[t["year"] == years[0]]) if len(years) > 1 else None
    return Reading(last, year=years[-1], earlier=first, earlier_year=years[0] if len(years) > 1 else None)


def _share(num: str, den: str) -> Callable[[pd.DataFrame], float | None]:
    def f(df: pd.DataFrame) -> float | None:
        d = pd.to_numeric(df[den], errors="coerce").sum(min_count=1)
        n = pd.to_numeric(df[num], errors="coerce").sum(min_count=1)
        return None if not d or pd.isna(d) or pd.isna(n) else float(n / d * 100)
    return f


def _total(column: str) -> Callable[[pd.DataFrame], float | None]:
    return lambda df: _f(pd.to_numeric(df[column], errors="coerce").sum(min_count=1))


def _unknown_status(t: pd.DataFrame, year: int | None) -> float:
    sel = t if year is None or "year" not in t else t[t["year"] == year]
    return float(pd.to_numeric(sel.get("unknown_status_ha", pd.Series(dtype=float)), errors="coerce").sum())


def _forest_cover(res: IndicatorResults) -> Reading:
    t = res.tables["forest_cover_target"]
    r = _by_year(t, _share("forest_ha", "area_ha"))
    basis = str(t["area_basis"].iloc[-1])
    area = _n(t.loc[t["year"] == r.year, "area_ha"].sum() if r.year else t["area_ha"].iloc[-1], "vi", 2)
    area_en = _n(t.loc[t["year"] == r.year, "area_ha"].sum() if r.year else t["area_ha"].iloc[-1], "en", 2)
    notes = [(f"trên diện tích tự nhiên theo số liệu chính thức ({area} ha)", f"over the official natural area "
              f"({area_en} ha)") if basis == "official" else
             (f"trên diện tích đo trên bản đồ ({area} ha): chưa có diện tích tự nhiên chính thức của tỉnh "
              f"(area_km2_official)", f"over the mapped area ({area_en} ha): no official natural area of the province "
              f"(area_km2_official)")]
    unknown = _unknown_status(t, r.year)
    if unknown > 0:
        notes.append((f"{_n(unknown, 'vi', 2)} ha lô chưa xác định trạng thái: giá trị tối thiểu",
                      f"{_n(unknown, 'en', 2)} ha of lots of unknown status: a lower bound"))
    return replace(r, lower_bound=unknown > 0, needs=() if basis == "official" else ("province.area_km2_official",),
                   **_notes(*notes))


def _canopy_cover(res: IndicatorResults) -> Reading:
    years = sorted(int(k.rsplit("_", 1)[1]) for k in res.tables
                   if k.startswith("canopy_forest_cover_") and k.rsplit("_", 1)[1].isdigit())
    if not years:
        raise DataMissingError("no tree-cover raster in the catalog (tree_cover)")

    def cover(y):
        t = res.tables[f"canopy_forest_cover_{y}"]
        obs = pd.to_numeric(t["observed_ha"], errors="coerce").sum()
        return (float(pd.to_numeric(t["forest_ha"], errors="coerce").sum() / obs * 100) if obs else None,
                float(obs / pd.to_numeric(t["area_ha"], errors="coerce").sum() * 100))

    (last, obs), first = cover(years[-1]), (cover(years[0])[0] if len(years) > 1 else None)
    opts = res.meta.get("options", {})
    return Reading(last, year=years[-1], earlier=first, earlier_year=years[0] if len(years) > 1 else None, **_note(
        f"ước tính từ ảnh độ tàn che (≥ {_n(opts.get('threshold'), 'vi', 0)} %, cụm ≥ {_n(opts.get('mmu_ha'), 'vi', 1)} ha), "
        f"trên phần diện tích ảnh quan sát được ({_n(obs, 'vi', 1)} %), không phải số liệu hiện trạng rừng chính thức",
        f"estimated from the tree-cover raster (≥ {_n(opts.get('threshold'), 'en', 0)} %, patches ≥ "
        f"{_n(opts.get('mmu_ha'), 'en', 1)} ha) over the part it observes ({_n(obs, 'en', 1)} %), not the official "
        f"forest-status figure"))


def _protected_cover(res: IndicatorResults) -> Reading:
    t = res.tables["forest_cover_protected_areas"]
    area = pd.to_numeric(t["area_ha"], errors="coerce").sum()
    last, first = _forest_years(res)
    value = float(pd.to_numeric(t["forest_ha"], errors="coerce").sum() / area * 100) if area else None
    earlier = None
    if (c := res.tables.get("forest_change_protected_areas")) is not None and area:
        earlier = float(pd.to_numeric(c["forest_before_ha"], errors="coerce").sum() / area * 100)
    unknown = _unknown_status(t, None)
    return Reading(value, year=last, earlier=earlier, earlier_year=first if earlier is not None else None,
                   lower_bound=unknown > 0, **_note(
                       f"{_n(len(t), 'vi')} khu bảo tồn, phần trong tỉnh ({_n(area, 'vi', 2)} ha)",
                       f"{_n(len(t), 'en')} protected areas, the part inside the province ({_n(area, 'en', 2)} ha)"))


def _buffer_cover(res: IndicatorResults) -> Reading:
    t = res.tables["forest_cover_buffer_zones"]
    r = _by_year(t, _share("forest_ha", "area_ha"))
    names = ", ".join(dict.fromkeys(t["name"].astype(str))) if "name" in t else ""
    return replace(r, lower_bound=_unknown_status(t, r.year) > 0, **_note(
        f"vùng đệm: {names}", f"buffer zones: {names}"))


def _carbon(res: IndicatorResults) -> Reading:
    t = res.tables["forest_carbon_years"]
    lower = bool(pd.to_numeric(t["carbon_tc"], errors="coerce").isna().any())
    # while some forest has no factor the totals are unknown: the part with a factor is compared
    r = _by_year(t, _total("carbon_assessed_tc" if lower else "carbon_tc"))
    notes = [("ước tính theo hệ số các-bon của từng trạng thái rừng (layers/carbon_factors.toml)",
              "estimated from a carbon factor per forest class (layers/carbon_factors.toml)")]
    if lower:
        no = {int(y): float(v) for y, v in t.groupby("year")["no_factor_ha"].sum().items()}
        vi = "; ".join(f"{y}: {_n(v, 'vi', 2)} ha" for y, v in no.items())
        en = "; ".join(f"{y}: {_n(v, 'en', 2)} ha" for y, v in no.items())
        notes.append((f"chỉ tính phần rừng có hệ số, rừng chưa có hệ số ({vi}) chưa tính: giá trị tối thiểu",
                      f"only the forest with a factor; forest without one ({en}) is not counted: a lower bound"))
    return replace(r, lower_bound=lower, needs=("layers/carbon_factors.toml",) if lower else (), **_notes(*notes))


def _conversion(res: IndicatorResults) -> Reading:
    t = res.tables["forest_conversion_communes"]
    lost = float(t["loss_natural_ha"].sum())
    to_plant = float(t["natural_to_plantation_ha"].sum())
    before = float(t["natural_before_ha"].sum())
    last, first = _forest_years(res)
    notes = [(f"{_n(lost, 'vi', 2)} ha không còn là rừng, {_n(to_plant, 'vi', 2)} ha chuyển thành rừng trồng; "
              f"{_n((lost + to_plant) / before * 100 if before else None, 'vi', 2)} % rừng tự nhiên đầu kỳ",
              f"{_n(lost, 'en', 2)} ha no longer forest, {_n(to_plant, 'en', 2)} ha turned into plantation; "
              f"{_n((lost + to_plant) / before * 100 if before else None, 'en', 2)} % of the natural forest of the "
              f"first year")]
    if "loss_natural_special_use_ha" in t:
        su = float(t["loss_natural_special_use_ha"].sum())
        notes.append((f"trong rừng đặc dụng {_n(su, 'vi', 2)} ha", f"{_n(su, 'en', 2)} ha in special-use forest"))
    if "loss_natural_in_buffer_ha" in t:
        bz = float(t["loss_natural_in_buffer_ha"].sum())
        notes.append((f"trong vùng đệm khu bảo tồn {_n(bz, 'vi', 2)} ha", f"{_n(bz, 'en', 2)} ha in buffer zones"))
    period = (f"{first}–{last}", f"{first}–{last}") if first and last else None
    if period:
        notes.insert(0, (f"giai đoạn {period[0]}", f"between {period[1]}"))
    return Reading(lost + to_plant, year=last, **_notes(*notes))


def _owner(category: str) -> Callable[[IndicatorResults], Reading]:
    def read(res: IndicatorResults) -> Reading:
        t = res.tables["forest_owners_years"]
        # every lot has an owner category or "unknown": a category with no lot holds 0 ha
        r = _by_year(t, lambda df: float(df.loc[df["owner_category"] == category, "forest_ha"].sum()))
        unknown = float(t.loc[(t["owner_category"] == "unknown") & (t["year"] == r.year), "forest_ha"].sum())
        if unknown > 0:
            return replace(r, lower_bound=True, needs=("forest_status.owner_category",), **_note(
                f"{_n(unknown, 'vi', 2)} ha rừng chưa xác định chủ rừng: giá trị tối thiểu",
                f"{_n(unknown, 'en', 2)} ha of forest have no owner category: a lower bound"))
        return r
    return read


# --- hazards ---------------------------------------------------------------------------------------
def _high_share(table: str, population: bool) -> Callable[[IndicatorResults], Reading]:
    def read(res: IndicatorResults) -> Reading:
        t = res.tables[table]
        pct = pd.to_numeric(t["exposed_pct"], errors="coerce")
        sel = (pct >= HIGH_SHARE_PCT - 1e-9).to_numpy()
        n_unknown = int(pct.isna().sum())
        notes = []
        if n_unknown:
            notes.append((f"{_n(n_unknown, 'vi')} xã, phường chưa có số liệu độ cao (DEM): giá trị tối thiểu",
                          f"{_n(n_unknown, 'en')} commune(s) lack elevation data (DEM): a lower bound"))
        if not population:
            return Reading(float(sel.sum()), lower_bound=n_unknown > 0, needs=("dem",) if n_unknown else (),
                           **_notes(*notes))
        if "population" not in t or pd.to_numeric(t["population"], errors="coerce").isna().all():
            return Reading(None, needs=("communes.population",), **_note(
                "lớp xã, phường không có dân số (population)", "the communes carry no population"))
        pop = pd.to_numeric(t["population"], errors="coerce")[sel]
        missing = int(pop.isna().sum())
        if missing:
            notes.append((f"{_n(missing, 'vi')} xã, phường trong số đó chưa có dân số", f"{_n(missing, 'en')} of those "
                          f"communes have no population"))
        exposed = pd.to_numeric(t.get("population_exposed", pd.Series(dtype=float)), errors="coerce").sum(min_count=1)
        if exposed == exposed and exposed is not None:
            notes.append((f"ước tính {_n(exposed, 'vi')} người sống trong vùng mức cao, rất cao toàn tỉnh",
                          f"an estimated {_n(exposed, 'en')} people live in the high / very high classes province-wide"))
        return Reading(float(pop.sum()), lower_bound=bool(missing or n_unknown),
                       needs=(("communes.population",) if missing else ()) + (("dem",) if n_unknown else ()),
                       **_notes(*notes))
    return read


def _events(column: str) -> Callable[[IndicatorResults], Reading]:
    def read(res: IndicatorResults) -> Reading:
        t = res.tables["hazard_events_by_year"]
        t = t[t["event_type"] == "all"].set_index("year")
        if t.empty:
            return Reading(None, needs=("hazard_events",), **_note("lớp sự kiện thiên tai không có sự kiện nào có ngày",
                                                                   "the event layer holds no dated event"))
        years = list(range(int(t.index.min()), int(t.index.max()) + 1))  # the years the inventory spans
        series = t[column].reindex(years).fillna(0.0) if column == "events" else t[column].reindex(years)
        if column == "deaths":
            series = series.where(t["events"].reindex(years).notna(), 0.0)  # a year with no event: no death
        unknown = t["deaths_unknown"].reindex(years).fillna(0) if column == "deaths" else pd.Series(0, index=years)
        y = years[-1]
        earlier = _f(series.iloc[-2]) if len(years) > 1 else None
        notes = [(f"sự kiện ghi nhận từ {years[0]} đến {y}", f"events recorded {years[0]}–{y}")]
        if unknown.iloc[-1]:
            notes.append((f"{_n(unknown.iloc[-1], 'vi')} sự kiện năm {y} không ghi số người chết: giá trị tối thiểu",
                          f"{_n(unknown.iloc[-1], 'en')} event(s) of {y} do not record deaths: a lower bound"))
        return Reading(_f(series.iloc[-1]), year=y, earlier=earlier, earlier_year=years[-2] if len(years) > 1 else None,
                       lower_bound=bool(unknown.iloc[-1]), needs=("hazard_events.deaths",) if unknown.iloc[-1] else (),
                       steady=False, **_notes(*notes))
    return read


# --- land cover ------------------------------------------------------------------------------------
def _urban_green(res: IndicatorResults) -> Reading:
    t = res.tables["urban_green_water"]

    def share(df):
        obs = pd.to_numeric(df["observed_ha"], errors="coerce").sum()
        both = pd.to_numeric(df["green_ha"], errors="coerce").sum() + pd.to_numeric(df["water_ha"], errors="coerce").sum()
        return float(both / obs * 100) if obs else None

    r = _by_year(t, share)
    last = t[t["year"] == r.year] if r.year is not None else t
    obs = pd.to_numeric(last["observed_ha"], errors="coerce").sum()
    green = pd.to_numeric(last["green_ha"], errors="coerce").sum() / obs * 100 if obs else None
    water = pd.to_numeric(last["water_ha"], errors="coerce").sum() / obs * 100 if obs else None
    return replace(r, **_note(f"{_n(len(last), 'vi')} đô thị; cây xanh {_n(green, 'vi', 1)} %, mặt nước {_n(water, 'vi', 1)} %",
                              f"{_n(len(last), 'en')} towns; green {_n(green, 'en', 1)} %, water {_n(water, 'en', 1)} %"))


def _unused(res: IndicatorResults) -> Reading:
    t = res.tables["unused_land_communes"]
    r = _by_year(t, _total("unused_ha"))
    return replace(r, needs=("land_use (kiểm kê đất đai)",), **_note(
        "theo lớp phủ 'đất trống' của ảnh, gồm cả moong mỏ và đất mới san gạt; số liệu chính thức là đất chưa sử dụng "
        "của kiểm kê đất đai, gisplan chưa có lớp này",
        "from the land-cover class 'bare', which includes mine pits and cleared land; the official figure is the "
        "land inventory's unused land, not yet a gisplan layer"))


def _headline(key: str) -> Callable[[IndicatorResults], Reading]:
    return lambda res: Reading(_f(res.headline.get(key)))


#: every computed indicator of ``layers/targets.toml``
MEASURES: dict[str, Measure] = {m.key: m for m in (
    Measure("mines_to_close", ("mines_to_close",), "mines (licence_status, licence_expiry, reserves_exhausted)",
            "Mỏ hết hạn giấy phép, bị thu hồi giấy phép hoặc hết trữ lượng mà chưa đóng cửa, dù còn khai thác hay không.",
            "Mines whose licence expired or was revoked or whose reserves are exhausted and that are not closed, "
            "worked or not.", _mines_to_close),
    Measure("riverbed_mines_to_close", ("mines_to_close",), "mines (riverbed, licence_status, licence_expiry)",
            "Mỏ cát, sỏi lòng sông hết hạn, bị thu hồi giấy phép hoặc hết trữ lượng mà chưa đóng cửa.",
            "Riverbed sand and gravel mines to close (expired, revoked or exhausted) not yet closed.",
            lambda res: _mines_to_close(res, riverbed=True)),
    Measure("riverbed_mines_operating", ("riverbed_mines",), "mines (riverbed, operating); river_sections",
            "Mỏ cát, sỏi lòng sông đang khai thác (chưa đóng cửa).", "Riverbed sand and gravel mines being worked.",
            _riverbed_operating),
    Measure("scattered_small_mines", ("mines_scattered_small",), "mines (scattered_small, area_ha)",
            "Mỏ thuộc khu vực có khoáng sản phân tán, nhỏ lẻ đã khoanh định.",
            "Mines in delineated areas of scattered, small deposits.", _scattered_small),
    Measure("landfills_serious_pollution", ("waste_sites",), "waste_sites (site_type, status, serious_pollution)",
            "Bãi chôn lấp, bãi rác (không tính lò đốt, khu liên hợp xử lý) gây ô nhiễm môi trường nghiêm trọng chưa "
            "được cải tạo, phục hồi, đang hoạt động hay đã đóng cửa.",
            "Landfills and dumps (not incinerators or treatment complexes) causing serious pollution and not "
            "remediated, operating or closed.", _serious_landfills),
    Measure("closed_landfills_remediated_pct", ("waste_sites",), "waste_sites (status, needs_remediation)",
            "Khu xử lý, bãi chôn lấp đã đóng cửa đã cải tạo ÷ (đã cải tạo + đã đóng cửa còn phải cải tạo).",
            "Closed waste sites remediated ÷ (remediated + closed ones still needing it).", _closed_remediated),
    Measure("treatment_complexes", ("waste_sites",), "waste_sites (site_type = treatment_complex, status)",
            "Khu liên hợp xử lý chất thải đang hoạt động (lớp bãi chôn lấp không ghi phạm vi liên vùng, liên xã).",
            "Waste-treatment complexes operating (the layer does not record whether they serve several communes).",
            lambda res: Reading(_f(_waste(res)["treatment_complexes"]))),
    Measure("polluted_river_km", ("river_use",), "river_sections (qcvn_class, wqi)",
            "Chiều dài đoạn sông mức C, D theo QCVN 08:2023 hoặc VN_WQI dưới 51.",
            "Length of river sections of QCVN 08:2023 class C or D, or VN_WQI below 51.",
            lambda res: _river_km(res, "polluted")),
    Measure("river_below_use_km", ("river_use",), "river_sections (qcvn_class, designated_class)",
            "Chiều dài đoạn sông có mức chất lượng kém hơn mức mục đích sử dụng đề ra yêu cầu (designated_class).",
            "Length of river sections whose class is worse than the one their designated use requires.",
            lambda res: _river_km(res, "below_use")),
    Measure("air_automatic_towns_pct", ("air_monitoring",), "urban_areas (urban_class); monitoring_stations (medium, mode)",
            "Đô thị đặc biệt, loại I, II có ít nhất một trạm quan trắc không khí tự động, liên tục (điểm quan trắc định "
            "kỳ không tính).", "Special, class I and II towns with at least one automatic air station (manual sampling "
            "points do not count).", _air_automatic),
    Measure("air_towns_to_upgrade", ("air_monitoring",), "urban_areas (urban_class); monitoring_stations (medium, mode)",
            "Đô thị đặc biệt, loại I, II chỉ có điểm quan trắc không khí định kỳ, cần nâng cấp thành trạm tự động.",
            "Special, class I and II towns with manual air sampling only, to upgrade to automatic stations.",
            _air_upgrade),
    Measure("auto_monitoring_installed_pct", ("auto_monitoring",),
            "facilities (discharge, auto_installed); industrial_zones (status, wwtp_status, auto_monitoring)",
            "Tỷ lệ nguồn thải thuộc đối tượng quan trắc tự động (cơ sở trong và ngoài KCN, CCN, nước thải và khí thải; "
            "HTXLNT tập trung của KCN, CCN) đã lắp đặt hệ thống.",
            "Share of the sources required to monitor automatically (facilities inside and outside the zones, "
            "wastewater and emissions; the zones' central treatment plants) that have installed it.",
            lambda res: _auto_monitoring(res, "installed")),
    Measure("auto_monitoring_transmitting_pct", ("auto_monitoring",),
            "facilities (data_transmitted); industrial_zones (auto_data_transmitted)",
            "Tỷ lệ nguồn thải thuộc đối tượng đã truyền dữ liệu quan trắc tự động về Sở Nông nghiệp và Môi trường.",
            "Share of the sources required to monitor automatically that send their data to the provincial "
            "environment department.", lambda res: _auto_monitoring(res, "transmitted")),
    Measure("forest_cover_pct", ("forest_cover_target",), "forest_status; province (area_km2_official)",
            "Diện tích rừng đủ tiêu chí ÷ diện tích tự nhiên của tỉnh × 100 (rừng trồng chưa thành rừng không tính).",
            "Forest meeting the criteria ÷ the province's natural area × 100 (young plantations not counted).",
            _forest_cover),
    Measure("forest_cover_canopy_pct", (), "tree_cover (two years)",
            "Tỷ lệ che phủ rừng ước tính từ ảnh độ tàn che, để so sánh xu hướng.",
            "Forest cover estimated from the tree-cover rasters, for the trend.", _canopy_cover),
    Measure("protected_forest_cover_pct", ("forest_cover_protected_areas",), "forest_status; protected_areas",
            "Rừng đủ tiêu chí trong các khu bảo tồn (phân khu, không gồm vùng đệm) ÷ diện tích các khu trong tỉnh.",
            "Forest meeting the criteria inside the protected areas (their zones, buffer zones apart) ÷ their area "
            "inside the province.", _protected_cover),
    Measure("buffer_forest_cover_pct", ("forest_cover_buffer_zones",), "forest_status; protected_areas (zone = buffer)",
            "Rừng đủ tiêu chí trong vùng đệm các khu bảo tồn ÷ diện tích vùng đệm trong tỉnh.",
            "Forest meeting the criteria in the protected areas' buffer zones ÷ the buffer zones' area inside the "
            "province.", _buffer_cover),
    Measure("forest_carbon_tc", ("forest_carbon_years",), "forest_status; layers/carbon_factors.toml",
            "Trữ lượng các-bon của rừng toàn tỉnh (tấn C).", "Carbon stock of the province's forest (t C).", _carbon),
    Measure("natural_forest_converted_ha", ("forest_conversion_communes",), "forest_status (two years)",
            "Rừng tự nhiên năm đầu kỳ không còn là rừng hoặc đã thành rừng trồng ở năm cuối kỳ.",
            "Natural forest of the first year that is no longer forest, or has become plantation, in the last year.",
            _conversion),
    Measure("community_forest_ha", ("forest_owners_years",), "forest_status (owner_category)",
            "Diện tích rừng do cộng đồng dân cư làm chủ rừng.", "Forest held by communities (forest owner category).",
            _owner("community")),
    Measure("unallocated_forest_ha", ("forest_owners_years",), "forest_status (owner_category)",
            "Diện tích rừng UBND xã đang quản lý (chưa giao, chưa cho thuê).",
            "Forest the commune People's Committees still manage (not yet allocated or leased).",
            _owner("commune_committee")),
    Measure("landslide_communes", ("hazard_landslide_communes",), "dem; communes",
            "Xã, phường có ≥ 10 % diện tích ở mức nhạy cảm sạt lở cao, rất cao.",
            "Communes/wards with ≥ 10 % of their area in high or very high landslide susceptibility.",
            _high_share("hazard_landslide_communes", False)),
    Measure("landslide_population", ("hazard_landslide_communes",), "dem; communes (population)",
            "Dân số các xã, phường có ≥ 10 % diện tích ở mức nhạy cảm sạt lở cao, rất cao.",
            "Population of the communes/wards with ≥ 10 % of their area in high or very high landslide susceptibility.",
            _high_share("hazard_landslide_communes", True)),
    Measure("flash_flood_communes", ("hazard_flash_flood_communes",), "dem; communes",
            "Xã, phường có ≥ 10 % diện tích ở mức nhạy cảm lũ quét cao, rất cao.",
            "Communes/wards with ≥ 10 % of their area in high or very high flash-flood susceptibility.",
            _high_share("hazard_flash_flood_communes", False)),
    Measure("flash_flood_population", ("hazard_flash_flood_communes",), "dem; communes (population)",
            "Dân số các xã, phường có ≥ 10 % diện tích ở mức nhạy cảm lũ quét cao, rất cao.",
            "Population of the communes/wards with ≥ 10 % of their area in high or very high flash-flood "
            "susceptibility.", _high_share("hazard_flash_flood_communes", True)),
    Measure("disaster_deaths", ("hazard_events_by_year",), "hazard_events (date, deaths)",
            "Số người chết, mất tích do sạt lở, lũ quét, ngập lụt trong năm gần nhất của lớp sự kiện.",
            "Dead and missing in landslides, flash floods and floods in the latest year of the event layer.",
            _events("deaths")),
    Measure("disaster_events", ("hazard_events_by_year",), "hazard_events (date, event_type)",
            "Số điểm sạt lở, lũ quét, ngập lụt ghi nhận trong năm gần nhất của lớp sự kiện.",
            "Landslide, flash-flood and flood events recorded in the latest year of the event layer.",
            _events("events")),
    Measure("urban_green_water_pct", ("urban_green_water",), "land_cover; urban_areas",
            "Tỷ lệ diện tích cây xanh (rừng, cây bụi) và mặt nước trong các đô thị theo bản đồ lớp phủ.",
            "Share of green (tree and shrub cover) and water in the urban areas, from the land-cover map.",
            _urban_green),
    Measure("unused_land_ha", ("unused_land_communes",), "land_cover (unused_classes); communes",
            "Diện tích đất trống (lớp phủ) toàn tỉnh.", "Bare land (land cover) in the province.", _unused),
    Measure("wastewater_compliant_pct", ("wastewater",), "industrial_zones (status, wwtp_status)",
            "KCN, CCN đang hoạt động có HTXLNT tập trung đạt quy chuẩn ÷ KCN, CCN đang hoạt động có thông tin.",
            "Operating zones with a compliant central treatment plant ÷ operating zones whose status is known.",
            _headline("wastewater_compliant_pct")),
    Measure("new_zones_compliant_pct", ("wastewater",), "industrial_zones (established_year, status, wwtp_status)",
            "KCN, CCN thành lập từ năm mốc (new_since) đã hoạt động có HTXLNT đạt quy chuẩn; đang xây dựng, quy hoạch "
            "chưa tính.", "Zones established since the new-zone year that operate with a compliant plant; planned or "
            "under construction not yet counted.", _headline("new_zones_compliant_pct")),
)}


def read_measures(results: IndicatorResults) -> dict[str, Reading]:
    """Every measure of :data:`MEASURES` read from ``results``; a measure whose tables are absent
    (skipped: data missing) is unknown, with the skip reason and the layers it needs."""
    out = {}
    for key, m in MEASURES.items():
        counted = {"notes_vi": (m.counted_vi,), "notes_en": (m.counted_en,)}
        missing = [t for t in m.tables if t not in results.tables]
        try:
            if missing:
                raise DataMissingError(results.skipped.get(missing[0], f"table {missing[0]} was not computed"))
            r = m.read(results)
        except DataMissingError as exc:
            name = missing[0] if missing else ""
            vi = results.skipped_vi.get(name) or getattr(exc, "reason_vi", None) or str(exc)
            r = Reading(None, needs=(m.layers,), **_note(f"Chưa tính được: {vi}.", f"Not computed: {exc}."))
        if r.lower_bound and r.value == 0:  # "at least 0" tells nothing: unknown, never 0
            r = replace(r, value=None, lower_bound=False, notes_vi=r.notes_vi + (
                "0 trong phần đã có số liệu: chưa biết giá trị cả tỉnh.",), notes_en=r.notes_en + (
                "0 among what is recorded: the value for the province is unknown.",))
        out[key] = replace(r, measured_by=m.layers, notes_vi=counted["notes_vi"] + r.notes_vi,
                           notes_en=counted["notes_en"] + r.notes_en)
    return out
