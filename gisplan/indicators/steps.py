"""The steps of :func:`gisplan.indicators.run.run_indicators`, one function per theme.

Each ``*_steps(run)`` registers its tables with ``run.add(name, fn)`` in the order they are
reported; a step raises :class:`~gisplan.errors.DataMissingError` when its data are absent (the
run records it as skipped); a step returns its table, which the runner stores, and reports headline
numbers, notes and metadata through the run (:class:`~gisplan.indicators.run_context.Run`). Every layer
comes from the run's :class:`~gisplan.store.LayerStore` and every option from its
:class:`~gisplan.indicators.options.IndicatorOptions`. Areas in ha, lengths in km, distances
in m, in EPSG:9213.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from gisplan._format import fmt_number
from gisplan.errors import DataMissingError, GisplanError, data_missing, missing_layer
from gisplan.indicators import (
    canopy,
    climate_run,
    forest_run,
    industry,
    mines,
    progress_run,
    protected,
)
from gisplan.indicators.air import air_monitoring_coverage
from gisplan.indicators.rivers import (
    has_quality_data,
    polluted_length_by_unit,
    pressures_upstream,
    river_length_by_class,
    section_use_status,
)
from gisplan.indicators.run_context import Run, Step
from gisplan.indicators.waste import LANDFILL_TYPES, landfill_progress, waste_sites_needing_action
from gisplan.store import LayerStore
from gisplan.vocabulary import CONFLICT_SITE_TYPES


def all_steps(run: Run) -> None:
    """Register every step, in the order the tables are reported."""
    forest_run.forest_steps(run)
    forest_run.official_table_steps(run)
    forest_run.transition_steps(run)
    forest_run.carbon_steps(run)
    forest_run.conversion_steps(run)
    climate_run.climate_steps(run)
    canopy_steps(run)
    protected_area_steps(run)
    mine_steps(run)
    industry_steps(run)
    river_steps(run)
    waste_steps(run)
    air_steps(run)
    progress_run.progress_steps(run)


# --- forest from canopy and land-cover rasters -----------------------------------------------------
def canopy_steps(run: Run) -> None:
    """Forest cover per commune from each tree-cover and land-cover raster (CRS from the file,
    or the catalog entry's declared ``crs`` for files without one), and the change between the
    first and last tree-cover rasters."""
    L = run.L
    for entry in L.entries("tree_cover"):
        run.add(f"canopy_forest_cover_{entry.year or entry.name}", _canopy_step(run, entry))
    for entry in L.entries("land_cover"):
        classes = run.catalog.layer_type("land_cover").raster.get("forest_classes", [1, 2])
        run.add(f"land_cover_forest_{entry.year or entry.name}", _canopy_step(run, entry, forest_classes=classes))
    tc = L.entries("tree_cover")
    if len(tc) < 2:
        run.skip("canopy_change", data_missing("needs two tree_cover rasters in the catalog",
                                                   "cần hai lớp ảnh độ che phủ tán cây (tree_cover) trong danh mục",
                                                   layers=("tree_cover",)))
        return
    y0, y1 = tc[0].year, tc[-1].year
    raster_change = _raster_change(run, tc[0], tc[-1])
    run.add(f"canopy_change_{y0}_{y1}", lambda: raster_change("communes"))
    run.add(f"canopy_change_protected_areas_{y0}_{y1}", lambda: raster_change("protected_areas"))
    run.add(f"canopy_change_purpose_{y0}_{y1}", lambda: raster_change(canopy.PURPOSE_TABLE))


def _raster_change(run: Run, first, last) -> Callable[[str], pd.DataFrame]:
    """Change tables from one pass over both rasters: communes, protected areas (when the
    catalog has them) and, with forest status, the loss by purpose of forest land
    (special-use/protection/production) of the forest-status year at or before the first raster
    year (else the earliest). Returns the table of a key, computed on the first call."""
    L, opts = run.L, run.options
    cache: dict[str, object] = {}

    def compute():
        sets = {}
        if L.entries("communes"):
            sets["communes"] = (L.get("communes"), "code")
        if L.entries("protected_areas"):
            sets["protected_areas"] = (pa_units(L), "pa_id")
        if not sets:
            raise missing_layer("communes")
        fs = None
        if fs_entries := L.entries("forest_status"):
            earlier = [i for i, e in enumerate(fs_entries)
                       if e.year is not None and first.year is not None and e.year <= first.year]
            fs = L.get("forest_status", earlier[-1] if earlier else 0)
            if "purpose" in fs.columns:
                run.set_meta("canopy_change_purpose_year", fs_entries[earlier[-1] if earlier else 0].year)
            else:
                fs = None
        return canopy.forest_change_raster_sets(
            run.L.raster(first), run.L.raster(last), sets, forest_status=fs,
            threshold=opts.threshold, mmu_ha=opts.mmu_ha, progress=run.progress, client=run.client)

    def table(key):
        if not cache:
            try:
                cache["tables"] = compute()
            except (GisplanError, KeyError) as exc:
                cache["error"] = exc
        if "error" in cache:
            raise cache["error"]
        tables = cache["tables"]
        if key not in tables:
            raise missing_layer("forest_status" if key == canopy.PURPOSE_TABLE else key)
        return tables[key]
    return table


def _canopy_step(run: Run, entry, forest_classes=None) -> Step:
    L, opts = run.L, run.options

    def step():
        source = L.raster(entry)
        # a land-cover file with its own legend: the file's codes of the forest classes (catalog reclass)
        classes = source.source_codes(forest_classes) if forest_classes is not None else None
        t = canopy.forest_cover(source, L.get("communes"), id_column="code",
                                threshold=opts.threshold, mmu_ha=opts.mmu_ha, forest_classes=classes,
                                progress=run.progress, client=run.client)
        t.insert(1, "name", L.get("communes")["name"].to_numpy())
        return t
    return step


# --- protected areas and mines -------------------------------------------------------------------
def protected_area_steps(run: Run) -> None:
    """Protected areas (area, part in the province, forest inside) and the mines and industrial
    zones in conflict with them."""
    L = run.L
    run.add("protected_areas", lambda: protected.protected_area_summary(
        L.get("protected_areas"), L.get("province"), parcels=L.optional("forest_status")))

    def conflicts():
        # protected areas as mapped, not clipped: a mine inside the province 500 m from a national
        # park of the neighbouring province is a conflict (the sites themselves are clipped)
        pa = as_mapped(L, "protected_areas")
        sites = {s.site_type: L.optional(s.layer_type) for s in CONFLICT_SITE_TYPES}
        if all(g is None for g in sites.values()):
            raise data_missing("no mines or industrial zones in the catalog",
                               "danh mục không có lớp mỏ khoáng sản (mines) và khu/cụm công nghiệp "
                               "(industrial_zones)", layers=tuple(s.layer_type for s in CONFLICT_SITE_TYPES))
        checked = [t for t, g in sites.items() if g is not None]
        run.set_meta("conflicts_site_types", checked)
        if sites["mine"] is None:
            run.note("conflicts", "checked against industrial zones only: no mines layer in the catalog",
                     "chỉ kiểm tra khu/cụm công nghiệp: danh mục không có lớp mỏ khoáng sản")
        elif sites["industrial_zone"] is None:
            run.note("conflicts", "checked against mines only: no industrial-zones layer in the catalog",
                     "chỉ kiểm tra mỏ khoáng sản: danh mục không có lớp khu/cụm công nghiệp")
        t = protected.conflicts(pa, mines=sites["mine"], industrial_zones=sites["industrial_zone"],
                                buffer_m=run.options.buffer_m)
        t.attrs["site_types_checked"] = checked
        return t
    run.add("conflicts", conflicts)


def mine_steps(run: Run) -> None:
    """Mines with an expired licence still operating, mines to close (plan II.2.b: expired,
    revoked or exhausted and not closed, operating or not), riverbed mines away from any mapped
    river and mines in delineated areas of scattered, small deposits (III.4.c)."""
    L, ref = run.L, run.options.reference_date

    def expired():
        m = L.get("mines")
        t = protected.expired_operating_mines(m, reference_date=ref)
        if "licence_expiry" not in m or m["licence_expiry"].isna().any():
            n = len(m) if "licence_expiry" not in m else int(m["licence_expiry"].isna().sum())
            run.note("expired_mines", f"{n:,} mine(s) without a licence expiry date: only their recorded licence "
                                      f"status is checked, so the count may be low",
                     f"{fmt_number(n, 'vi', 0)} mỏ không có ngày hết hạn giấy phép: chỉ xét tình trạng giấy phép "
                     f"đã ghi, nên số đếm có thể thấp hơn thực tế")
        return t

    def to_close():
        m = L.get("mines")
        t = mines.mines_to_close(m, reference_date=ref)
        unknown = mines.close_unknowns(m, reference_date=ref)
        run.set_meta("mines_to_close_unknown", unknown)
        # the plan closes mines whose licence period OR reserves have run out (II.2.b), worked or not
        run.headline("mines_to_close", float(len(t)))
        if unknown["no_reserves"]:
            run.note("mines_to_close", f"{unknown['no_reserves']:,} mine(s) not listed do not record whether their "
                                       f"reserves are exhausted (reserves_exhausted): the count is a lower bound",
                     f"{fmt_number(unknown['no_reserves'], 'vi', 0)} mỏ khác chưa ghi nhận đã hết trữ lượng hay chưa "
                     f"(reserves_exhausted): số mỏ phải đóng cửa là giá trị tối thiểu")
        return t

    run.add("expired_mines", expired)
    run.add("mines_to_close", to_close)
    # distances to rivers and stations are measured to the layers as mapped (a river along the
    # provincial border, a station just across it), the sites themselves are the province's
    run.add("riverbed_mines", lambda: protected.riverbed_mines(
        L.get("mines"), as_mapped(L, "river_sections"), max_distance_m=run.options.riverbed_distance_m))
    run.add("mines_scattered_small", lambda: mines.scattered_small_mines(L.get("mines")))


# --- industry, rivers, waste, air ----------------------------------------------------------------
def industry_steps(run: Run) -> None:
    """Wastewater treatment of industrial zones/clusters (plan II.2.c), the zones without a
    compliant plant and the river section nearest to each zone."""
    L, new_since = run.L, run.options.new_since

    def ww():
        zones = L.get("industrial_zones")
        t = industry.wastewater_compliance(zones)
        run.headline("wastewater_compliant_pct", float(t.loc[t.group == "all", "compliant_pct"].iloc[0]))
        if n := int(t.loc[t.group == "all", "unknown"].iloc[0]):
            run.note("wastewater", f"{n:,} operating zone(s) without a WWTP status: shares are of the zones whose "
                                   f"status is known",
                     f"{fmt_number(n, 'vi', 0)} khu/cụm đang hoạt động chưa có thông tin hệ thống XLNT: "
                     f"tỷ lệ tính trên các khu/cụm đã có thông tin")
        # new zones count once they operate; unknown year or WWTP status: left out (not 0)
        run.headline("new_zones_compliant_pct", industry.new_zones_compliant_pct(zones, new_since=new_since))
        return t

    def auto():
        zones, facilities = L.optional("industrial_zones"), L.optional("facilities")
        t = industry.auto_monitoring_sources(zones, facilities)
        known = t["installed"].dropna()
        run.headline("auto_monitoring_installed_pct", float(known.astype(bool).mean() * 100) if len(known) else None)
        if facilities is None:
            run.note("auto_monitoring", "no facilities layer: only the industrial zones' treatment plants are counted, "
                                        "not the facilities inside or outside the zones",
                     "chưa có lớp cơ sở thuộc đối tượng quan trắc tự động (facilities): chỉ tính hệ thống xử lý "
                     "nước thải tập trung của các khu, cụm công nghiệp")
        if zones is not None:
            op = zones["status"].eq("operating").fillna(False).to_numpy(dtype=bool)
            run.set_meta("zones_without_running_plant",
                         int((op & ~zones["wwtp_status"].isin(industry.RUNNING_PLANT).to_numpy()).sum()))
        return t

    run.add("wastewater", ww)
    run.add("auto_monitoring", auto)
    run.add("zones_without_plant", lambda: industry.zones_without_compliant_plant(
        L.get("industrial_zones"), new_since=new_since))
    run.add("zones_nearest_river", lambda: industry.nearest_river(L.get("industrial_zones"),
                                                                 as_mapped(L, "river_sections")))


def river_steps(run: Run) -> None:
    """Polluted river length by class (province and commune) and the pressures upstream of the
    polluted sections."""
    L, opts = run.L, run.options

    def quality():
        rivers = L.get("river_sections")
        t = river_length_by_class(rivers)
        known = has_quality_data(rivers)
        if not known.any():
            run.note("river_quality", "no water-quality data (qcvn_class or wqi): polluted length unknown",
                     "không có số liệu chất lượng nước (qcvn_class hoặc wqi): chưa biết chiều dài đoạn ô nhiễm")
        else:
            if not known.all():
                unknown, n = int((~known).sum()), len(known)
                run.note("river_quality", f"{unknown:,} of {n:,} river sections have no water-quality data "
                                          f"(no_data_km); polluted_km counts assessed sections",
                         f"{fmt_number(unknown, 'vi', 0)}/{fmt_number(n, 'vi', 0)} đoạn sông không có số liệu "
                         f"chất lượng nước (no_data_km); polluted_km chỉ tính các đoạn đã đánh giá")
            run.headline("polluted_river_km", float(t["polluted_km"].sum(min_count=1)))
        return t

    run.add("river_quality", quality)
    run.add("river_use", lambda: section_use_status(L.get("river_sections")))
    run.add("river_quality_communes", lambda: polluted_length_by_unit(L.get("river_sections"), L.get("communes"),
                                                                      unit_id="code"))
    run.add("pressures_upstream", lambda: pressures_upstream(
        L.get("river_sections"), {"industrial_zone": L.optional("industrial_zones"), "mine": L.optional("mines"),
                                  "waste_site": _landfills(L)},
        buffer_m=opts.river_buffer_m, reach_km=opts.river_reach_km))


def waste_steps(run: Run) -> None:
    """Waste sites to act on: closed landfills to remediate (Danh mục I.3) apart from operating
    polluting ones (II.5)."""
    L = run.L

    def waste():
        ws = L.get("waste_sites")
        t = waste_sites_needing_action(ws)
        p = landfill_progress(ws)
        run.set_meta("waste_progress", p)
        run.headline("landfills_needing_remediation", p["closed_to_remediate"])
        run.headline("closed_landfills_remediated_pct", p["closed_remediated_pct"])
        # unknown (not 0) when the layer does not record which landfills pollute seriously
        run.headline("landfills_serious_pollution", p["serious_to_remediate"] if p["serious_recorded"] else None)
        if p["closed_unknown"]:
            n = int(p["closed_unknown"])
            run.note("waste_sites", f"{n:,} closed site(s) without a recorded need for remediation: not counted",
                     f"{fmt_number(n, 'vi', 0)} bãi đã đóng cửa chưa ghi nhận có cần cải tạo, phục hồi hay không: "
                     f"chưa được tính")
        return t
    run.add("waste_sites", waste)


def air_steps(run: Run) -> None:
    """Air monitoring in class special, I and II towns (Danh mục I.4)."""
    L = run.L

    def air():
        t = air_monitoring_coverage(L.get("urban_areas"), as_mapped(L, "monitoring_stations"),
                                    distance_m=run.options.air_distance_m)
        # the task builds and upgrades automatic stations (Decision 611/QĐ-TTg): a manual sampling
        # point does not count
        run.headline("air_automatic_towns_pct", float((t["automatic_stations"] > 0).mean() * 100) if len(t) else np.nan)
        return t
    run.add("air_monitoring", air)


# --- layers shared by several steps --------------------------------------------------------------
pa_units = forest_run.pa_units


def as_mapped(L: LayerStore, type_id: str):
    """The layer not clipped to the study area (read through the store, so it is listed in the
    layer quality like every other)."""
    try:
        L.get(type_id)
    except DataMissingError:  # nothing inside the study area: what is outside still counts here
        pass
    return L.unclipped(type_id)


def _landfills(L: LayerStore):
    ws = L.optional("waste_sites")
    return None if ws is None else ws[ws["site_type"].isin(LANDFILL_TYPES)]
