"""Run every indicator that the catalog's layers allow, with the reason for each one skipped."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gisplan._format import fmt_number
from gisplan.catalog import Catalog, load_catalog
from gisplan.errors import DataMissingError, GisplanError
from gisplan.indicators import (
    canopy,
    carbon,
    change,
    climate_run,
    forest,
    industry,
    protected,
    targets,
)
from gisplan.indicators.air import air_monitoring_coverage
from gisplan.indicators.rivers import (
    has_quality_data,
    polluted_length_by_unit,
    pressures_upstream,
    river_length_by_class,
)
from gisplan.indicators.waste import waste_sites_needing_action
from gisplan.store import LayerStore, data_missing, missing_layer

log = logging.getLogger(__name__)


#: Headline numbers every run reports: NaN (unknown) until an indicator computes them.
HEADLINES = ("forest_cover_province_pct", "wastewater_compliant_pct", "new_zones_compliant_pct",
             "air_monitored_towns_pct", "expired_mines_still_operating", "landfills_needing_remediation",
             "polluted_river_km", "closed_landfills_remediated_pct", "polluting_landfills_operating",
             "auto_monitoring_zones_pct")


@dataclass
class IndicatorResults:
    """Indicator tables (ordered), skipped indicators with reasons, headline numbers, metadata.

    ``skipped`` gives the English reason of each indicator skipped (data absent), ``skipped_vi``
    the Vietnamese one. ``headline`` values are NaN when unknown (never 0). ``meta["notes"]`` /
    ``meta["notes_vi"]`` hold, per table, what a reader must know to read it (e.g. which site
    types the conflicts were checked against, rivers without water-quality data).
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    headline: dict[str, float] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    skipped_vi: dict[str, str] = field(default_factory=dict)

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


def run_indicators(catalog: Catalog | None = None, *, progress: bool = False,
                   reference_date: dt.date | None = None, buffer_m: float = 1000.0,
                   river_buffer_m: float = 2000.0, river_reach_km: float = 10.0,
                   air_distance_m: float = 0.0, riverbed_distance_m: float = 500.0,
                   new_since: int = 2025, threshold: float = 10.0, mmu_ha: float = 0.3,
                   official_area: bool = False, strict: bool = False,
                   target_values: dict[str, float] | None = None,
                   store: LayerStore | None = None, client=None) -> IndicatorResults:
    """Compute every indicator the catalog's layers allow.

    Parameters
    ----------
    catalog : the layers (default :func:`gisplan.catalog.load_catalog`).
    reference_date : "today" for licence expiry (default: the catalog's ``reference_date``).
    buffer_m : distance (m) around protected areas for conflicts.
    river_buffer_m, river_reach_km : sites within this distance of a river and this far upstream
        of a polluted section.
    air_distance_m : distance (m) from a class I–II town within which an air-monitoring station
        counts for it (default 0: the station must be in the town).
    riverbed_distance_m : riverbed mines farther than this from a mapped river are flagged.
    new_since : zones established in or after this year are "new".
    threshold, mmu_ha : forest definition for canopy rasters (%, ha).
    official_area : divide forest area by the units' official natural area
        (``area_km2_official``, as published in land statistics) instead of the mapped area.
    target_values : user-supplied target values (default ``layers/target_values.csv``).
    store : the run's layers (:class:`gisplan.store.LayerStore`), shared with the maps so each
        layer is read once; default: a new store over ``catalog``.
    strict : refuse layers with validation errors (:class:`~gisplan.errors.ValidationError`).
        By default they are used as repaired, and their errors are listed in
        ``meta["layer_quality"]`` (and in the reports) so no table hides them.
    client : a ``dask.distributed.Client`` (:func:`gisplan.distributed.get_client`): the canopy
        rasters' windows run as its tasks (same numbers as without).

    Returns
    -------
    IndicatorResults. Areas in ha, lengths in km, distances in m, shares in %. ``meta["options"]``
    records the options above (maps label their distances from it).
    """
    if catalog is None:
        if store is None:
            catalog = load_catalog()
        else:  # the store's layers only (an empty catalog when it has none)
            catalog = store.catalog if store.catalog is not None else Catalog()
    ref = reference_date or catalog.reference_date
    L = store if store is not None else LayerStore(catalog, strict=strict)
    res = IndicatorResults(meta={"catalog": str(catalog.path), "title": catalog.title,
                                 "synthetic": catalog.synthetic, "reference_date": ref.isoformat(),
                                 "crs": "EPSG:9213", "created": dt.date.today().isoformat(),
                                 "options": {"buffer_m": buffer_m, "river_buffer_m": river_buffer_m,
                                             "river_reach_km": river_reach_km, "air_distance_m": air_distance_m,
                                             "riverbed_distance_m": riverbed_distance_m, "new_since": new_since,
                                             "threshold": threshold, "mmu_ha": mmu_ha,
                                             "official_area": official_area, "strict": strict}})
    res.headline.update({k: np.nan for k in HEADLINES})
    steps: list[tuple[str, Callable[[], pd.DataFrame | None]]] = []

    def add(name, fn):
        steps.append((name, fn))

    # forest cover from forest-status polygons
    def with_area(units):
        if official_area and "area_km2_official" in units and units["area_km2_official"].notna().all():
            return units.assign(official_ha=units["area_km2_official"].astype(float) * 100), "official_ha"
        return units, None

    def fc_communes():
        fs = L.get("forest_status")
        res.meta["forest_status_year"] = int(fs["year"].max())
        units, col = with_area(L.get("communes"))
        res.meta["natural_area"] = "official" if col else "mapped"
        return forest.forest_cover_from_status(fs, units, unit_id="code", natural_area_column=col)
    add("forest_cover_communes", fc_communes)

    def fc_province():
        prov = L.get("province")
        units, col = with_area(forest.province_units(prov).merge(
            prov.drop(columns=prov.geometry.name)[["code", *(["area_km2_official"] if "area_km2_official" in prov else [])]],
            on="code"))
        t = forest.forest_cover_from_status(L.get("forest_status"), units, unit_id="code", natural_area_column=col)
        res.headline["forest_cover_province_pct"] = float(t["forest_pct"].iloc[0])
        return t
    add("forest_cover_province", fc_province)
    add("forest_cover_protected_areas", lambda: forest.forest_cover_from_status(
        L.get("forest_status"), _pa_units(L), unit_id="pa_id"))

    def second_year():
        n = L.count("forest_status")
        if n == 0:
            raise missing_layer("forest_status")
        if n < 2:
            raise data_missing("forest change needs two forest_status years in the catalog; it has one",
                               "cần hai năm hiện trạng rừng (forest_status) trong danh mục để tính biến động; "
                               "danh mục chỉ có một năm")

    def fc_change():
        second_year()
        return change.forest_change_status(L.get("forest_status", 0), L.get("forest_status", -1),
                                           L.get("communes"), unit_id="code")
    add("forest_change_communes", fc_change)

    def fc_change_pa():
        second_year()
        return change.forest_change_status(L.get("forest_status", 0), L.get("forest_status", -1),
                                           _pa_units(L), unit_id="pa_id")
    add("forest_change_protected_areas", fc_change_pa)

    _carbon_steps(L, res, add, second_year)
    _conversion_steps(L, add, second_year)
    climate_run.add_steps(add, L, res, res.meta["options"])

    # canopy rasters (CRS from the file, or the catalog entry's declared `crs` for files without one)
    for entry in L.entries("tree_cover"):
        add(f"canopy_forest_cover_{entry.year or entry.name}", _canopy_step(L, entry, threshold, mmu_ha, progress, client=client))
    for entry in L.entries("land_cover"):
        classes = catalog.layer_type("land_cover").raster.get("forest_classes", [1, 2])
        add(f"land_cover_forest_{entry.year or entry.name}",
            _canopy_step(L, entry, threshold, mmu_ha, progress, forest_classes=classes, client=client))
    tc = L.entries("tree_cover")
    if len(tc) >= 2:
        y0, y1 = tc[0].year, tc[-1].year
        cache: dict[str, object] = {}

        def raster_change(key):
            """Change tables from one pass over both rasters: communes, protected areas (when the
            catalog has them) and, with forest status, the loss by purpose of forest land
            (special-use/protection/production) of the forest-status year at or before the
            first raster year (else the earliest)."""
            if not cache:
                try:
                    sets = {}
                    if L.entries("communes"):
                        sets["communes"] = (L.get("communes"), "code")
                    if L.entries("protected_areas"):
                        sets["protected_areas"] = (_pa_units(L), "pa_id")
                    if not sets:
                        raise missing_layer("communes")
                    fs = None
                    if fs_entries := L.entries("forest_status"):
                        earlier = [i for i, e in enumerate(fs_entries)
                                   if e.year is not None and y0 is not None and e.year <= y0]
                        fs = L.get("forest_status", earlier[-1] if earlier else 0)
                        if "purpose" in fs.columns:
                            res.meta["canopy_change_purpose_year"] = fs_entries[earlier[-1] if earlier else 0].year
                        else:
                            fs = None
                    cache["tables"] = canopy.forest_change_raster_sets(
                        _raster_source(catalog, tc[0]), _raster_source(catalog, tc[-1]), sets, forest_status=fs,
                        threshold=threshold, mmu_ha=mmu_ha, progress=progress, client=client)
                except (GisplanError, KeyError) as exc:
                    cache["error"] = exc
            if "error" in cache:
                raise cache["error"]
            tables = cache["tables"]
            if key not in tables:
                raise missing_layer("forest_status" if key == canopy.PURPOSE_TABLE else key)
            return tables[key]

        add(f"canopy_change_{y0}_{y1}", lambda: raster_change("communes"))
        add(f"canopy_change_protected_areas_{y0}_{y1}", lambda: raster_change("protected_areas"))
        add(f"canopy_change_purpose_{y0}_{y1}", lambda: raster_change(canopy.PURPOSE_TABLE))
    else:
        res.skip("canopy_change", data_missing("needs two tree_cover rasters in the catalog",
                                               "cần hai lớp ảnh độ che phủ tán cây (tree_cover) trong danh mục"))

    # protected areas
    add("protected_areas", lambda: protected.protected_area_summary(
        L.get("protected_areas"), L.get("province"), parcels=L.optional("forest_status")))
    def conflicts():
        # protected areas as mapped, not clipped: a mine inside the province 500 m from a national
        # park of the neighbouring province is a conflict (the sites themselves are clipped)
        pa = _as_mapped(L, "protected_areas")
        mines, zones = L.optional("mines"), L.optional("industrial_zones")
        if mines is None and zones is None:
            raise data_missing("no mines or industrial zones in the catalog",
                               "danh mục không có lớp mỏ khoáng sản (mines) và khu/cụm công nghiệp "
                               "(industrial_zones)")
        checked = [t for t, g in (("mine", mines), ("industrial_zone", zones)) if g is not None]
        res.meta["conflicts_site_types"] = checked
        if mines is None:
            res.note("conflicts", "checked against industrial zones only: no mines layer in the catalog",
                     "chỉ kiểm tra khu/cụm công nghiệp: danh mục không có lớp mỏ khoáng sản")
        elif zones is None:
            res.note("conflicts", "checked against mines only: no industrial-zones layer in the catalog",
                     "chỉ kiểm tra mỏ khoáng sản: danh mục không có lớp khu/cụm công nghiệp")
        t = protected.conflicts(pa, mines=mines, industrial_zones=zones, buffer_m=buffer_m)
        t.attrs["site_types_checked"] = checked
        return t
    add("conflicts", conflicts)

    def expired():
        mines = L.get("mines")
        t = protected.expired_operating_mines(mines, reference_date=ref)
        # the plan closes mines whose licence period OR reserves have run out (II.2.b)
        res.headline["expired_mines_still_operating"] = float(len(targets.mines_to_close(mines, reference_date=ref)))
        if "licence_expiry" not in mines or mines["licence_expiry"].isna().any():
            n = len(mines) if "licence_expiry" not in mines else int(mines["licence_expiry"].isna().sum())
            res.note("expired_mines", f"{n:,} mine(s) without a licence expiry date: only their recorded licence "
                                      f"status is checked, so the count may be low",
                     f"{fmt_number(n, 'vi', 0)} mỏ không có ngày hết hạn giấy phép: chỉ xét tình trạng giấy phép đã ghi, "
                     f"nên số đếm có thể thấp hơn thực tế")
        if "reserves_exhausted" not in mines or mines["reserves_exhausted"].isna().all():
            res.note("expired_mines", "no mine records whether its reserves are exhausted (reserves_exhausted): "
                                      "mines to close are counted by their licence only",
                     "chưa có mỏ nào ghi nhận đã hết trữ lượng (reserves_exhausted): số mỏ cần đóng cửa chỉ "
                     "tính theo giấy phép")
        return t
    add("expired_mines", expired)
    add("mines_to_close", lambda: targets.mines_to_close(L.get("mines"), reference_date=ref))
    # distances to rivers and stations are measured to the layers as mapped (a river along the
    # provincial border, a station just across it), the sites themselves are the province's
    add("riverbed_mines", lambda: protected.riverbed_mines(L.get("mines"), _as_mapped(L, "river_sections"),
                                                          max_distance_m=riverbed_distance_m))

    # industry
    def ww():
        zones = L.get("industrial_zones")
        t = industry.wastewater_compliance(zones)
        res.headline["wastewater_compliant_pct"] = float(t.loc[t.group == "all", "compliant_pct"].iloc[0])
        if n := int(t.loc[t.group == "all", "unknown"].iloc[0]):
            res.note("wastewater", f"{n:,} operating zone(s) without a WWTP status: shares are of the zones whose "
                                   f"status is known", f"{fmt_number(n, 'vi', 0)} khu/cụm đang hoạt động chưa có thông tin hệ thống XLNT: "
                                   f"tỷ lệ tính trên các khu/cụm đã có thông tin")
        # new zones count once they operate; unknown year or WWTP status: left out (not 0)
        res.headline["new_zones_compliant_pct"] = targets.new_zones_compliant_pct(zones, new_since=new_since)
        res.headline["auto_monitoring_zones_pct"] = targets.auto_monitoring_pct(zones)
        return t
    add("wastewater", ww)
    add("zones_without_plant", lambda: industry.zones_without_compliant_plant(L.get("industrial_zones"), new_since=new_since))
    add("zones_nearest_river", lambda: industry.nearest_river(L.get("industrial_zones"),
                                                             _as_mapped(L, "river_sections")))

    # rivers, waste, air
    def river_quality():
        rivers = L.get("river_sections")
        t = river_length_by_class(rivers)
        known = has_quality_data(rivers)
        if not known.any():
            res.note("river_quality", "no water-quality data (qcvn_class or wqi): polluted length unknown",
                     "không có số liệu chất lượng nước (qcvn_class hoặc wqi): chưa biết chiều dài đoạn ô nhiễm")
        else:
            if not known.all():
                res.note("river_quality", f"{int((~known).sum()):,} of {len(known):,} river sections have no "
                                          f"water-quality data (no_data_km); polluted_km counts assessed sections",
                         f"{fmt_number(int((~known).sum()), 'vi', 0)}/{fmt_number(len(known), 'vi', 0)} đoạn sông không có số liệu chất lượng nước "
                         f"(no_data_km); polluted_km chỉ tính các đoạn đã đánh giá")
            res.headline["polluted_river_km"] = float(t["polluted_km"].sum(min_count=1))
        return t
    add("river_quality", river_quality)
    add("river_quality_communes", lambda: polluted_length_by_unit(L.get("river_sections"), L.get("communes"),
                                                                  unit_id="code"))
    add("pressures_upstream", lambda: pressures_upstream(
        L.get("river_sections"), {"industrial_zone": L.optional("industrial_zones"), "mine": L.optional("mines"),
                                  "waste_site": _landfills(L)}, buffer_m=river_buffer_m, reach_km=river_reach_km))

    def waste():
        ws = L.get("waste_sites")
        t = waste_sites_needing_action(ws)
        p = targets.landfill_progress(ws)
        # closed sites to remediate (Danh mục I.3) apart from operating polluting ones (II.5)
        res.headline["landfills_needing_remediation"] = p["closed_to_remediate"]
        res.headline["closed_landfills_remediated_pct"] = p["closed_remediated_pct"]
        res.headline["polluting_landfills_operating"] = p["operating_polluting"]
        if p["closed_unknown"]:
            n = int(p["closed_unknown"])
            res.note("waste_sites", f"{n:,} closed site(s) without a recorded need for remediation: not counted",
                     f"{fmt_number(n, 'vi', 0)} bãi đã đóng cửa chưa ghi nhận có cần cải tạo, phục hồi hay không: "
                     f"chưa được tính")
        return t
    add("waste_sites", waste)

    def air():
        t = air_monitoring_coverage(L.get("urban_areas"), _as_mapped(L, "monitoring_stations"),
                                    distance_m=air_distance_m)
        res.headline["air_monitored_towns_pct"] = float(t["covered"].mean() * 100) if len(t) else np.nan
        return t
    add("air_monitoring", air)

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(steps), desc="indicators", unit="table")
    for name, fn in steps:
        try:
            table = fn()
            if table is not None:
                res.tables[name] = table.reset_index(drop=True)
        except DataMissingError as exc:  # data absent: the only reason to skip (others are bugs)
            log.info("indicator %s skipped: %s", name, exc)
            res.skip(name, exc)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    res.tables["targets"] = targets.track_targets(res.headline, values=target_values)
    res.meta["layer_quality"] = L.quality()
    res.meta["study_area"] = L.study_area_source
    return res


def _conversion_steps(L: LayerStore, add, second_year) -> None:
    """Natural-forest conversion between the first and last forest-status years (plan III.4.đ):
    per commune (with the loss inside protected-area buffer zones when the catalog maps them),
    per protected area and per protected area's buffer zone."""
    def buffers():
        pa = L.optional("protected_areas")
        if pa is None:
            return None
        buf = pa[pa["zone"] == "buffer"]
        return forest.union_by(buf, "pa_id", keep=[c for c in ("name",) if c in buf]) if len(buf) else None

    def conv(units_fn, unit_id, with_buffer):
        def step():
            second_year()
            units = units_fn()
            return change.forest_conversion(L.get("forest_status", 0), L.get("forest_status", -1), units,
                                            unit_id=unit_id, buffer_zones=buffers() if with_buffer else None)
        return step

    def buffer_units():
        b = buffers()
        if b is None:
            raise data_missing("no protected-area buffer zones (zone = 'buffer') in the protected_areas layer",
                               "lớp khu bảo tồn (protected_areas) không có vùng đệm (zone = 'buffer')")
        return b

    add("forest_conversion_communes", conv(lambda: L.get("communes"), "code", True))
    add("forest_conversion_protected_areas", conv(lambda: _pa_units(L), "pa_id", False))
    add("forest_conversion_buffer_zones", conv(buffer_units, "pa_id", False))


def _carbon_steps(L: LayerStore, res: IndicatorResults, add, second_year) -> None:
    """Forest carbon estimates (stock per commune, province and protected area, by class, and
    its change between the first and last forest-status years), each noted with its factors."""
    factors: dict[str, pd.DataFrame] = {}

    def noted(name, fn):
        def step():
            if "f" not in factors:
                factors["f"] = carbon.load_carbon_factors()
            t = fn(factors["f"])
            en, vi = carbon.factors_note(factors["f"])
            res.note(name, en, vi)
            res.meta["carbon_factors"] = list(factors["f"]["factor_id"])
            return t
        return step

    def province_units():
        prov = L.get("province")
        return forest.province_units(prov)

    add("carbon_communes", noted("carbon_communes", lambda f: carbon.carbon_stock(
        L.get("forest_status"), L.get("communes"), unit_id="code", factors=f)))
    add("carbon_province", noted("carbon_province", lambda f: carbon.carbon_stock(
        L.get("forest_status"), province_units(), unit_id="code", factors=f)))
    add("carbon_protected_areas", noted("carbon_protected_areas", lambda f: carbon.carbon_stock(
        L.get("forest_status"), _pa_units(L), unit_id="pa_id", factors=f)))
    add("carbon_by_class", noted("carbon_by_class", lambda f: carbon.carbon_by_class(
        L.get("forest_status"), factors=f)))

    def change(units_fn, unit_id):
        def fn(f):
            second_year()
            return carbon.carbon_change(L.get("forest_status", 0), L.get("forest_status", -1), units_fn(),
                                        unit_id=unit_id, factors=f)
        return fn
    add("carbon_change_communes", noted("carbon_change_communes", change(lambda: L.get("communes"), "code")))
    add("carbon_change_province", noted("carbon_change_province", change(province_units, "code")))


def _raster_source(catalog: Catalog, entry):
    """The entry's raster opened and checked, with the CRS declared in the catalog entry for
    files that carry none (``crs = "EPSG:9213"``)."""
    from gisplan.io import open_raster

    return open_raster(entry.path, catalog=catalog, layer_type=entry.type, crs=entry.crs)


def _canopy_step(L: LayerStore, entry, threshold, mmu_ha, progress, forest_classes=None, client=None):
    def step():
        t = canopy.forest_cover(_raster_source(L.catalog, entry), L.get("communes"), id_column="code",
                                threshold=threshold, mmu_ha=mmu_ha, forest_classes=forest_classes, progress=progress,
                                client=client)
        t.insert(1, "name", L.get("communes")["name"].to_numpy())
        return t
    return step


def _pa_units(L: LayerStore):
    """Protected areas as units, clipped to the province when the catalog has it (forest data
    cover the province only, so the part inside is the denominator)."""
    if "pa_units" not in L.derived:
        prov = L.optional("province")
        L.derived["pa_units"] = forest.protected_area_units(L.get("protected_areas"), within=prov)
    return L.derived["pa_units"]


def _as_mapped(L: LayerStore, type_id: str):
    """The layer not clipped to the study area (read through the store, so it is listed in the
    layer quality like every other)."""
    try:
        L.get(type_id)
    except DataMissingError:  # nothing inside the study area: what is outside still counts here
        pass
    return L.unclipped(type_id)


def _landfills(L: LayerStore):
    ws = L.optional("waste_sites")
    return None if ws is None else ws[ws["site_type"].isin(["landfill", "open_dump"])]
