"""Reports from indicator results: a CSV per indicator, one Excel workbook with Vietnamese
headers and formatted sheets, and a short summary (Markdown and HTML).

Coded values (``national_park``, ``compliant`` …) are written with their Vietnamese labels from
``layers/types.toml``; numbers keep full precision in CSV and show two decimals in Excel.
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from gisplan._atomic import OutputFolder, atomic_path, catalog_inputs, ensure_dir, input_files
from gisplan.catalog import SYNTHETIC_NOTE, LayerType, load_layer_types
from gisplan.crosswalk import HEADERS_VI as CROSSWALK_HEADERS_VI
from gisplan.crosswalk import METHODS_VI as CROSSWALK_METHODS_VI
from gisplan.indicators.rivers import WQI_BANDS
from gisplan.indicators.run import IndicatorResults

log = logging.getLogger(__name__)

WORKBOOK = "gisplan_chi_tieu.xlsx"

#: table id (or prefix) -> (sheet name ≤ 31 chars, Vietnamese title, English title)
TABLES = {
    "forest_cover_communes": ("Che phủ rừng - xã", "Tỷ lệ che phủ rừng theo xã, phường (hiện trạng rừng)", "Forest cover per commune/ward (forest-status polygons)"),
    "forest_cover_province": ("Che phủ rừng - tỉnh", "Tỷ lệ che phủ rừng toàn tỉnh", "Forest cover of the province"),
    "forest_cover_protected_areas": ("Che phủ rừng - KBT", "Rừng trong các khu bảo tồn (phần diện tích trong tỉnh)", "Forest inside protected areas (the part inside the province)"),
    "forest_change_communes": ("Biến động rừng - xã", "Biến động rừng theo xã, phường", "Forest change per commune/ward"),
    "forest_change_protected_areas": ("Biến động rừng - KBT", "Biến động rừng trong các khu bảo tồn", "Forest change inside protected areas"),
    "canopy_forest_cover_": ("Che phủ ảnh ", "Che phủ rừng từ ảnh độ tàn che năm ", "Forest cover from the canopy raster, "),
    "land_cover_forest_": ("Che phủ lớp phủ ", "Rừng từ bản đồ lớp phủ năm ", "Forest from the land-cover raster, "),
    "canopy_change_protected_areas_": ("Biến động ảnh KBT ", "Mất và tăng rừng từ ảnh độ tàn che trong các khu bảo tồn ", "Forest loss and gain from canopy rasters inside protected areas "),
    "canopy_change_purpose_": ("BĐ ảnh - 3 loại rừng ", "Mất và tăng rừng từ ảnh độ tàn che theo loại rừng (đặc dụng, phòng hộ, sản xuất) ", "Forest loss and gain from canopy rasters by forest purpose "),
    "canopy_change_": ("Biến động ảnh ", "Mất và tăng rừng từ ảnh độ tàn che ", "Forest loss and gain from canopy rasters "),
    "protected_areas": ("Khu bảo tồn", "Diện tích các khu bảo tồn thiên nhiên", "Protected areas"),
    "conflicts": ("Xung đột KBT", "Mỏ, khu/cụm công nghiệp trong hoặc gần khu bảo tồn", "Mines and industrial zones in or near protected areas"),
    "expired_mines": ("Mỏ hết hạn", "Mỏ hết hạn giấy phép còn hoạt động", "Mines with expired licences still operating"),
    "riverbed_mines": ("Mỏ cát sỏi lòng sông", "Mỏ cát, sỏi lòng sông và đoạn sông gần nhất", "Riverbed sand and gravel mines"),
    "wastewater": ("XLNT KCN-CCN", "Tỷ lệ khu, cụm công nghiệp có hệ thống XLNT tập trung đạt quy chuẩn", "Industrial zones with a compliant central WWTP"),
    "zones_without_plant": ("KCN-CCN chưa đạt", "Khu, cụm công nghiệp chưa có hệ thống XLNT tập trung đạt quy chuẩn", "Zones without a compliant central WWTP"),
    "zones_nearest_river": ("KCN-CCN và sông", "Đoạn sông gần nhất của các khu, cụm công nghiệp", "Nearest river section of each zone"),
    "river_quality": ("Chất lượng sông", "Chiều dài sông theo mức chất lượng nước", "River length by water-quality class"),
    "river_quality_communes": ("Chất lượng sông - xã", "Chiều dài đoạn sông ô nhiễm theo xã, phường", "Polluted river length per commune/ward"),
    "pressures_upstream": ("Nguồn thải thượng lưu", "Cơ sở gần và ở thượng lưu các đoạn sông ô nhiễm", "Sites near and upstream of polluted sections"),
    "waste_sites": ("Bãi chôn lấp", "Bãi chôn lấp đã đóng cửa hoặc cần cải tạo, phục hồi", "Closed landfills and sites needing remediation"),
    "air_monitoring": ("Quan trắc không khí", "Trạm quan trắc không khí tại đô thị loại I, II", "Air monitoring in class I–II towns"),
    "carbon_communes": ("Các-bon rừng - xã", "Trữ lượng các-bon rừng theo xã, phường (ước tính theo hệ số, xem ghi chú)", "Forest carbon stock per commune/ward (estimate from factors, see note)"),
    "carbon_province": ("Các-bon rừng - tỉnh", "Trữ lượng các-bon rừng toàn tỉnh (ước tính theo hệ số, xem ghi chú)", "Forest carbon stock of the province (estimate from factors, see note)"),
    "carbon_protected_areas": ("Các-bon rừng - KBT", "Trữ lượng các-bon rừng trong các khu bảo tồn (ước tính theo hệ số)", "Forest carbon stock in protected areas (estimate from factors)"),
    "carbon_by_class": ("Các-bon theo trạng thái", "Trữ lượng các-bon theo nguồn gốc, trạng thái và cấp trữ lượng rừng (ước tính)", "Forest carbon by origin, forest type and volume class (estimate)"),
    "carbon_change_communes": ("Biến động các-bon - xã", "Biến động trữ lượng các-bon rừng theo xã, phường (ước tính)", "Change in forest carbon per commune/ward (estimate)"),
    "carbon_change_province": ("Biến động các-bon - tỉnh", "Biến động trữ lượng các-bon rừng toàn tỉnh (ước tính)", "Change in forest carbon of the province (estimate)"),
    "forest_conversion_communes": ("Chuyển đổi rừng TN - xã", "Mất rừng theo nguồn gốc, loại rừng và rừng tự nhiên chuyển sang rừng trồng theo xã, phường", "Forest loss by origin and purpose, natural forest converted to plantation, per commune/ward"),
    "forest_conversion_protected_areas": ("Chuyển đổi rừng TN - KBT", "Mất rừng tự nhiên và chuyển đổi trong các khu bảo tồn", "Natural-forest loss and conversion inside protected areas"),
    "forest_conversion_buffer_zones": ("Chuyển đổi rừng - vùng đệm", "Mất rừng tự nhiên và chuyển đổi trong vùng đệm các khu bảo tồn", "Natural-forest loss and conversion in protected-area buffer zones"),
    "mines_to_close": ("Mỏ cần đóng cửa", "Mỏ còn khai thác đã hết hạn giấy phép hoặc hết trữ lượng (cần đóng cửa)", "Operating mines whose licence or reserves have run out (to close)"),
    "targets": ("Mục tiêu 2030", "Theo dõi thực hiện mục tiêu đến năm 2030", "Progress towards the 2030 targets"),
}

COLUMNS_VI = {
    "code": "Mã", "name": "Tên", "area_ha": "Diện tích tự nhiên (ha)", "forest_ha": "Diện tích rừng (ha)",
    "forest_pct": "Tỷ lệ che phủ rừng (%)", "natural_ha": "Rừng tự nhiên (ha)", "plantation_ha": "Rừng trồng (ha)",
    "special_use_ha": "Rừng đặc dụng (ha)", "protection_ha": "Rừng phòng hộ (ha)", "production_ha": "Rừng sản xuất (ha)",
    "outside_planning_ha": "Rừng ngoài quy hoạch 3 loại rừng (ha)",
    "not_meeting_criteria_ha": "Rừng trồng chưa đạt tiêu chí (ha)", "observed_ha": "Diện tích có dữ liệu (ha)",
    "observed_pct": "Tỷ lệ có dữ liệu (%)", "forest_before_ha": "Rừng đầu kỳ (ha)", "forest_after_ha": "Rừng cuối kỳ (ha)",
    "loss_ha": "Mất rừng (ha)", "gain_ha": "Tăng rừng (ha)", "net_ha": "Biến động thuần (ha)", "net_pct": "Biến động thuần (%)",
    "loss_special_use_ha": "Mất rừng đặc dụng (ha)", "loss_protection_ha": "Mất rừng phòng hộ (ha)",
    "loss_production_ha": "Mất rừng sản xuất (ha)", "loss_outside_planning_ha": "Mất rừng ngoài quy hoạch 3 loại rừng (ha)",
    "purpose": "Loại rừng theo mục đích sử dụng",
    "pa_id": "Mã khu bảo tồn", "category": "Phân hạng", "level": "Cấp quản lý",
    "official_area_ha": "Diện tích theo quyết định (ha)", "in_province_ha": "Diện tích trong tỉnh (ha)",
    "in_province_pct": "Tỷ lệ trong tỉnh (%)", "buffer_zone_ha": "Vùng đệm (ha)", "site_type": "Loại cơ sở",
    "site_id": "Mã cơ sở", "site_name": "Tên cơ sở", "pa_name": "Khu bảo tồn", "relation": "Vị trí so với khu bảo tồn",
    "distance_m": "Khoảng cách (m)", "status": "Tình trạng", "operating": "Đang khai thác", "mine_id": "Mã mỏ",
    "mineral": "Khoáng sản", "licence_no": "Số giấy phép", "licence_expiry": "Ngày hết hạn giấy phép",
    "licence_status": "Tình trạng giấy phép", "days_expired": "Số ngày quá hạn", "section_id": "Mã đoạn sông",
    "river_name": "Tên sông", "on_river": "Trên sông", "group": "Nhóm", "compliant": "Đạt quy chuẩn",
    "non_compliant": "Chưa đạt quy chuẩn", "under_construction": "Đang xây dựng", "none": "Chưa có",
    "unknown": "Chưa có thông tin", "assessed_km": "Chiều dài có số liệu chất lượng nước (km)",
    "no_data_km": "Chiều dài chưa có số liệu chất lượng nước (km)", "full_area_ha": "Diện tích toàn khu (ha)",
    "compliant_pct": "Tỷ lệ đạt (%)", "target_pct": "Mục tiêu (%)", "gap_pct": "Còn thiếu (%)", "zone_id": "Mã khu/cụm",
    "zone_type": "Loại", "wwtp_status": "Hệ thống XLNT tập trung", "established_year": "Năm thành lập",
    "new": "Đầu tư mới", "qcvn_class": "Mức QCVN 08:2023", "wqi": "VN_WQI", "wqi_band": "Mức VN_WQI",
    "length_km": "Chiều dài (km)", "polluted_km": "Chiều dài ô nhiễm (km)", "polluted_pct": "Tỷ lệ ô nhiễm (%)",
    "upstream_km": "Cách thượng lưu (km)", "site_id_": "Mã", "site_type_": "Loại", "needs_remediation": "Cần cải tạo",
    "capacity_t_day": "Công suất (tấn/ngày)", "urban_id": "Mã đô thị", "urban_class": "Loại đô thị",
    "air_stations": "Số trạm không khí", "automatic_stations": "Số trạm tự động", "nearest_station_m": "Trạm gần nhất (m)",
    "covered": "Có trạm quan trắc", "target_id": "Mã mục tiêu", "wording_vi": "Mục tiêu (trích Kế hoạch)",
    "indicator": "Chỉ tiêu", "current": "Hiện trạng", "comparison": "So sánh", "target": "Mục tiêu", "unit": "Đơn vị",
    "assessed_ha": "Diện tích rừng có hệ số (ha)",
    "no_factor_ha": "Diện tích rừng chưa có hệ số (ha)",
    "carbon_assessed_tc": "Các-bon phần có hệ số (tC)",
    "carbon_tc": "Trữ lượng các-bon (tC)",
    "carbon_tco2e": "Trữ lượng quy đổi (tCO2e)",
    "carbon_tc_per_ha": "Các-bon bình quân (tC/ha)",
    "carbon_tc_ha": "Hệ số các-bon (tC/ha)",
    "factor_id": "Mã hệ số",
    "forest_type": "Trạng thái rừng",
    "volume_class": "Cấp trữ lượng",
    "origin": "Nguồn gốc",
    "carbon_before_tc": "Các-bon đầu kỳ (tC)",
    "carbon_after_tc": "Các-bon cuối kỳ (tC)",
    "carbon_change_tc": "Biến động các-bon (tC)",
    "carbon_change_tco2e": "Biến động quy đổi (tCO2e)",
    "no_factor_before_ha": "Rừng chưa có hệ số đầu kỳ (ha)",
    "no_factor_after_ha": "Rừng chưa có hệ số cuối kỳ (ha)",
    "natural_before_ha": "Rừng tự nhiên đầu kỳ (ha)",
    "loss_natural_ha": "Mất rừng tự nhiên (ha)",
    "loss_plantation_ha": "Mất rừng trồng (ha)",
    "loss_in_special_use_ha": "Mất rừng trong rừng đặc dụng (ha)",
    "natural_to_plantation_ha": "Rừng tự nhiên chuyển sang rừng trồng (ha)",
    "natural_loss_pct": "Tỷ lệ rừng tự nhiên mất hoặc chuyển đổi (%)",
    "loss_in_buffer_ha": "Mất rừng trong vùng đệm (ha)",
    "loss_natural_in_buffer_ha": "Mất rừng tự nhiên trong vùng đệm (ha)",
    "plan_section": "Mục của Kế hoạch",
    "loss_natural_special_use_ha": "Mất rừng tự nhiên - đặc dụng (ha)",
    "loss_natural_protection_ha": "Mất rừng tự nhiên - phòng hộ (ha)",
    "loss_natural_production_ha": "Mất rừng tự nhiên - sản xuất (ha)",
    "loss_natural_outside_planning_ha": "Mất rừng tự nhiên - ngoài quy hoạch 3 loại rừng (ha)",
    "loss_plantation_special_use_ha": "Mất rừng trồng - đặc dụng (ha)",
    "loss_plantation_protection_ha": "Mất rừng trồng - phòng hộ (ha)",
    "loss_plantation_production_ha": "Mất rừng trồng - sản xuất (ha)",
    "loss_plantation_outside_planning_ha": "Mất rừng trồng - ngoài quy hoạch 3 loại rừng (ha)",
    "target_basis": "Căn cứ mục tiêu", "licence_expired": "Hết hạn giấy phép",
    "reserves_exhausted": "Hết trữ lượng", "close_reason": "Lý do đóng cửa",
    "gap": "Còn thiếu", "source": "Nguồn số liệu", "deadline": "Thời hạn", "agency": "Cơ quan chủ trì",
}
for _c in ("A", "B", "C", "D"):
    COLUMNS_VI[f"class_{_c}_km"] = f"Mức {_c} (km)"
for _code, _lo, _vi, _en, _rgb in WQI_BANDS:
    COLUMNS_VI[f"wqi_{_code}_km"] = f"VN_WQI {_vi.lower()} (km)"
# per-table overrides where a column means something else
# (an id ending in "_" matches every table whose id starts with it, e.g. a year pair)
OVERRIDES = {"wastewater": {"operating": "Số đang hoạt động"}, "zones_without_plant": {"status": "Tình trạng hoạt động"},
             "canopy_change_purpose_": {"area_ha": "Diện tích theo loại rừng (ha)"},
             "forest_cover_protected_areas": {"area_ha": "Diện tích trong tỉnh (ha)"},
             "forest_change_protected_areas": {"area_ha": "Diện tích trong tỉnh (ha)"},
             "canopy_change_protected_areas_": {"area_ha": "Diện tích trong tỉnh (ha)"}}
SPECIAL_LABELS = {
    "site_type": {"mine": "Mỏ khoáng sản", "industrial_zone": "Khu/cụm công nghiệp", "waste_site": "Bãi chôn lấp"},
    "relation": {"inside": "Nằm trong", "buffer_zone": "Trong vùng đệm", "within_distance": "Trong khoảng cách"},
    "group": {"kcn": "Khu công nghiệp", "ccn": "Cụm công nghiệp", "all": "Tổng"},
    "wqi_band": {code: vi for code, _lo, vi, _en, _rgb in WQI_BANDS},
    "status": {"met": "Đạt", "not met": "Chưa đạt", "no data": "Chưa có số liệu",
               "no target": "Chưa có chỉ tiêu cụ thể"},
    "source": {"computed": "Tính từ lớp bản đồ", "table": "Bảng số liệu"},
    "close_reason": {"licence_expired": "Hết hạn giấy phép", "reserves_exhausted": "Hết trữ lượng khai thác",
                     "licence_expired_reserves_exhausted": "Hết hạn giấy phép và hết trữ lượng"},
    "target_basis": {"stated": "Số liệu của Kế hoạch", "implied": "Toàn bộ (theo Kế hoạch)",
                     "deliverable": "Sản phẩm (1 = hoàn thành)", "none": "Kế hoạch không nêu số"},
}

# the old→new commune crosswalk (gisplan.crosswalk), added by `gisplan indicators` and `gisplan demo`
# when the catalog has a communes_pre2025 layer
TABLES["crosswalk"] = ("Chuyển đổi xã cũ - mới", "Bảng chuyển đổi xã, phường, thị trấn trước và sau sắp xếp (1/7/2025)",
                       "Pre-2025 → 2025 commune/ward crosswalk")
OVERRIDES["crosswalk"] = CROSSWALK_HEADERS_VI
SPECIAL_LABELS["match_method"] = CROSSWALK_METHODS_VI

# terrain and landslide / flash-flood susceptibility (gisplan.indicators.climate_run)
TABLES.update({
    "terrain_communes": ("Địa hình - xã", "Độ cao và độ dốc theo xã, phường (từ DEM)",
                         "Elevation and slope per commune/ward (from the DEM)"),
    "hazard_landslide_communes": ("Nhạy cảm sạt lở - xã", "Mức độ nhạy cảm sạt lở đất theo xã, phường "
                                  "(chỉ số tương đối) và đối tượng chịu ảnh hưởng",
                                  "Landslide susceptibility per commune/ward (relative index) and exposure"),
    "hazard_flash_flood_communes": ("Nhạy cảm lũ quét - xã", "Mức độ nhạy cảm lũ quét theo xã, phường "
                                    "(chỉ số tương đối) và đối tượng chịu ảnh hưởng",
                                    "Flash-flood susceptibility per commune/ward (relative index) and exposure"),
    "hazard_events_landslide": ("Kiểm chứng sạt lở", "Điểm sạt lở đã xảy ra theo mức độ nhạy cảm",
                                "Recorded landslides per susceptibility class"),
    "hazard_events_flash_flood": ("Kiểm chứng lũ quét", "Điểm lũ quét, ngập lụt đã xảy ra theo mức độ nhạy cảm",
                                  "Recorded flash floods and floods per susceptibility class"),
})
_HAZARD_CLASSES_VI = {"very_low": "rất thấp", "low": "thấp", "moderate": "trung bình", "high": "cao",
                      "very_high": "rất cao"}
for _k, _vi in _HAZARD_CLASSES_VI.items():
    COLUMNS_VI[f"{_k}_ha"] = f"Mức {_vi} (ha)"
    COLUMNS_VI[f"{_k}_pct"] = f"Mức {_vi} (%)"
COLUMNS_VI.update({
    "elevation_mean_m": "Độ cao trung bình (m)", "elevation_max_m": "Độ cao lớn nhất (m)",
    "slope_mean_deg": "Độ dốc trung bình (độ)", "steep_pct": "Diện tích dốc trên 25° (%)",
    "observed_ok": "Đủ dữ liệu", "nodata_ha": "Không có số liệu (ha)",
    "exposed_ha": "Mức cao và rất cao (ha)", "exposed_pct": "Mức cao và rất cao (%)",
    "population": "Dân số (người)", "population_exposed": "Dân số trong vùng mức cao, rất cao (người, ước tính)",
    "urban_ha": "Diện tích đô thị (ha)", "urban_exposed_ha": "Đô thị trong vùng mức cao, rất cao (ha)",
    "buildings": "Số công trình", "buildings_exposed": "Công trình trong vùng mức cao, rất cao",
    "roads_km": "Đường giao thông (km)", "roads_exposed_km": "Đường trong vùng mức cao, rất cao (km)",
    "class": "Mức nhạy cảm", "class_vi": "Mức nhạy cảm", "events": "Số điểm đã xảy ra",
    "events_pct": "Tỷ lệ số điểm (%)", "area_pct": "Tỷ lệ diện tích (%)",
    "density_ratio": "Tỷ số mật độ (điểm % / diện tích %)",
})
OVERRIDES["hazard_events_"] = {"class": "Mã mức nhạy cảm"}


def write_reports(results: IndicatorResults, out_dir: str | os.PathLike, *, overwrite: bool = False,
                  inputs: Iterable[str | os.PathLike] | None = None,
                  types: Mapping[str, LayerType] | None = None) -> dict[str, Path]:
    """Write every indicator table: ``csv/<id>.csv``, the workbook and the summary.

    Parameters
    ----------
    results : from :func:`gisplan.indicators.run.run_indicators`.
    out_dir : folder to write into (created). The files written are listed in its
        ``.gisplan-manifest.json``; other files in it are never replaced nor removed.
    overwrite : replace the files of an earlier run (and remove the CSVs of tables this run did
        not produce, when the manifest lists them); without it an existing output is an error.
    inputs : files the run read, never written onto nor removed (default: the catalog named in
        ``results.meta["catalog"]`` and its layer files).
    types : the layer types whose labels coded values are written with (default: those of the
        run's catalog, its own ``types.toml`` when it names one; else ``layers/types.toml``).

    CSV values are rounded to 4 decimals (ha, km, m, %); the workbook keeps full precision and
    shows 2 decimals.

    Raises
    ------
    OutputExistsError when an output exists and ``overwrite`` is false; OutputError when an
    output would replace an input or a file gisplan did not write, or the folder cannot be
    created. Every output is checked before the first one is written.

    Returns
    -------
    {"csv": folder, "excel": path, "markdown": path, "html": path}
    """
    out = Path(out_dir)
    catalog = _run_catalog(results)
    if inputs is None:
        inputs = catalog_inputs(catalog) if catalog is not None else input_files(_catalog_path(results) or [])
    else:
        inputs = input_files(inputs)
    if types is None:
        types = catalog.types if catalog is not None else load_layer_types()
    csvs = {name: f"csv/{name}.csv" for name in results.tables}
    with OutputFolder(out, inputs=inputs, overwrite=overwrite) as folder:
        folder.check([WORKBOOK, "tom_tat.md", "tom_tat.html", *csvs.values()])
        ensure_dir(out / "csv")
        labelled = {name: labelled_table(name, df, types=types) for name, df in results.tables.items()}
        for name, df in results.tables.items():
            with folder.write(csvs[name]) as tmp:
                _rounded(df).to_csv(tmp, index=False, encoding="utf-8-sig")
        if overwrite:
            folder.prune("csv")  # tables of an earlier run that this one did not produce
        with folder.write(WORKBOOK) as tmp:
            _write_workbook(results, labelled, tmp)
        md, page = summary(results)
        paths = {"csv": out / "csv", "excel": out / WORKBOOK,
                 "markdown": folder.write_text("tom_tat.md", md), "html": folder.write_text("tom_tat.html", page)}
    return paths


def _catalog_path(results: IndicatorResults) -> list[str] | None:
    """The catalog file of a run (as a one-item list), or None when it has none or it is gone."""
    path = results.meta.get("catalog")
    return [path] if path and path != "None" and Path(path).is_file() else None


def _run_catalog(results: IndicatorResults):
    """The :class:`~gisplan.catalog.Catalog` of a run, or None when it has none or it cannot be read."""
    from gisplan.catalog import Catalog
    from gisplan.errors import GisplanError

    path = _catalog_path(results)
    if path is None:
        return None
    try:
        return Catalog(path[0])
    except GisplanError:
        return None


def _rounded(df: pd.DataFrame, decimals: int = 4) -> pd.DataFrame:
    """Float columns rounded to ``decimals`` (0.0001 ha = 1 m²): no float noise such as
    5999.999999999988 ha or 100.00000000000004 % in the CSVs."""
    floats = df.select_dtypes(include="floating").columns
    return df.assign(**{c: df[c].round(decimals) for c in floats}) if len(floats) else df


def round_table(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` rounded as every written output is (float columns to 4 decimals), so the CSVs, the
    workbook and the GeoPackage hold the same numbers."""
    return _rounded(df)


def column_titles(name: str) -> dict[str, str]:
    """Vietnamese column headers of table ``name`` (per-table overrides applied)."""
    override = next((v for k, v in OVERRIDES.items() if k == name or (k.endswith("_") and name.startswith(k))), {})
    return {**COLUMNS_VI, **override}


def table_titles(name: str) -> tuple[str, str, str]:
    """(sheet name, Vietnamese title, English title) of a table id."""
    if name in TABLES:
        return TABLES[name]
    for prefix, (sheet, vi, en) in TABLES.items():
        if prefix.endswith("_") and name.startswith(prefix):
            rest = name[len(prefix):].replace("_", "–")
            return (sheet + rest)[:31], vi + rest, en + rest
    return name[:31], name, name


def labelled_table(name: str, df: pd.DataFrame, *, types: Mapping[str, LayerType] | None = None) -> pd.DataFrame:
    """``df`` with coded values replaced by their Vietnamese labels (from ``types``, a catalog's
    :attr:`~gisplan.catalog.Catalog.types`; default ``layers/types.toml``) and Vietnamese column headers."""
    labels = _value_labels(load_layer_types() if types is None else types)
    out = df.copy()
    for col in out.columns:
        mapping = {**labels.get(col, {}), **SPECIAL_LABELS.get(col, {})}
        if col == "status" and name != "targets":
            mapping = labels.get("status", {})
        if col == "status" and name == "conflicts":
            mapping = {**labels.get("licence_status", {}), **labels.get("status", {})}
        if mapping and (out[col].dtype == object or pd.api.types.is_string_dtype(out[col])):
            out[col] = out[col].map(lambda v, m=mapping: m.get(v, v))
        elif out[col].dtype == bool or str(out[col].dtype) == "boolean":
            out[col] = out[col].map(lambda v: "" if pd.isna(v) else ("Có" if v else "Không"))
    heads = column_titles(name)
    return out.rename(columns={c: heads.get(c, c) for c in out.columns})


def _value_labels(types: Mapping[str, LayerType]) -> dict[str, dict[str, str]]:
    """{column: {code: Vietnamese label}} over every layer type of ``types``."""
    labels: dict[str, dict[str, str]] = {}
    for t in types.values():
        for a in t.attributes.values():
            if a.allowed and a.labels_vi:
                labels.setdefault(a.name, {}).update(dict(zip(a.allowed, a.labels_vi, strict=True)))
    return labels


def _write_workbook(results: IndicatorResults, labelled: dict[str, pd.DataFrame], path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    cover = wb.active
    cover.title = "Thông tin"
    meta = results.meta
    lines = [("GISPLAN — CHỈ TIÊU KẾ HOẠCH BẢO VỆ MÔI TRƯỜNG TỈNH THÁI NGUYÊN ĐẾN NĂM 2030", True),
             ("Kế hoạch 125/KH-UBND ngày 16/7/2025 triển khai Nghị quyết 122/NQ-CP", False),
             (f"Dữ liệu: {meta.get('title', '')}", False),
             (f"Hệ tọa độ: VN-2000 / TM-3 kinh tuyến trục 106°30' ({meta.get('crs', 'EPSG:9213')}); diện tích (ha), chiều dài (km), khoảng cách (m)", False),
             (f"Ngày tham chiếu: {meta.get('reference_date', '')}; ngày lập: {meta.get('created', '')}", False)]
    if meta.get("synthetic"):
        lines.append((f"LƯU Ý: {SYNTHETIC_NOTE} — không dùng cho báo cáo chính thức", True))
    for i, (text, bold) in enumerate(lines, 1):
        cover.cell(row=i, column=1, value=text).font = Font(bold=bold, size=13 if i == 1 else 11,
                                                            color="C00000" if "LƯU Ý" in text else None)
    row = len(lines) + 2
    cover.cell(row=row, column=1, value="Các bảng").font = Font(bold=True)
    for name in labelled:
        row += 1
        sheet, vi, _en = table_titles(name)
        cover.cell(row=row, column=1, value=f"{sheet}: {vi}")
    flawed = [q for q in results.meta.get("layer_quality", []) if q["errors"] or q["warnings"] or _clipped(q)]
    if meta.get("study_area") in ("province", "study_area"):
        row += 2
        what = _summary_text("vi")["study_what"][meta["study_area"]]
        cover.cell(row=row, column=1, value=f"Vùng nghiên cứu: {what}; mọi lớp được cắt theo vùng này trước khi tính")
    if flawed:
        row += 2
        cover.cell(row=row, column=1, value="Chất lượng dữ liệu đầu vào (lỗi đã sửa, cần kiểm tra, đối tượng cắt theo vùng nghiên cứu)").font = Font(bold=True)
        for q in flawed:
            row += 1
            c = cover.cell(row=row, column=1, value=_quality_line(q))
            if q["errors"]:
                c.font = Font(color="C00000")
    notes = meta.get("notes_vi", {})
    if notes:
        row += 2
        cover.cell(row=row, column=1, value="Lưu ý khi đọc các bảng").font = Font(bold=True)
        for name, ns in notes.items():
            for n in ns:
                row += 1
                cover.cell(row=row, column=1, value=f"{table_titles(name)[0]}: {n}")
    if results.skipped:
        row += 2
        cover.cell(row=row, column=1, value="Chỉ tiêu chưa tính được (thiếu dữ liệu)").font = Font(bold=True)
        reasons = getattr(results, "skipped_vi", {})
        for name, reason in results.skipped.items():
            row += 1
            cover.cell(row=row, column=1, value=f"{name}: {reasons.get(name, reason)}")
    cover.column_dimensions["A"].width = 120

    head_fill = PatternFill("solid", fgColor="DDEBF7")
    used = set()
    for name, df in labelled.items():
        sheet, vi, _en = table_titles(name)
        while sheet in used:
            sheet = sheet[:29] + "_2"
        used.add(sheet)
        ws = wb.create_sheet(sheet)
        ws.cell(row=1, column=1, value=vi).font = Font(bold=True, size=12)
        for j, col in enumerate(df.columns, 1):
            c = ws.cell(row=2, column=j, value=str(col))
            c.font = Font(bold=True)
            c.fill = head_fill
            c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        for i, rec in enumerate(df.itertuples(index=False), 3):
            for j, v in enumerate(rec, 1):
                if isinstance(v, float) and np.isnan(v):
                    v = None
                elif v is pd.NA or v is pd.NaT:
                    v = None
                elif isinstance(v, (np.integer,)):
                    v = int(v)
                elif isinstance(v, (np.floating,)):
                    v = float(v)
                cell = ws.cell(row=i, column=j, value=v)
                if isinstance(v, float):
                    cell.number_format = "#,##0.00"
                elif isinstance(v, int):
                    cell.number_format = "#,##0"
        for j, col in enumerate(df.columns, 1):
            width = max([len(str(col)) * 0.6] + [len(str(v)) for v in df.iloc[:200, j - 1].tolist()]) + 2
            ws.column_dimensions[get_column_letter(j)].width = min(max(width, 10), 60)
        ws.row_dimensions[2].height = 45
        ws.freeze_panes = "A3"
        if len(df):
            ws.auto_filter.ref = f"A2:{get_column_letter(len(df.columns))}{len(df) + 2}"
    with atomic_path(path, overwrite=True) as tmp:
        wb.save(tmp)
    return path


#: the summary's wording: key -> (Vietnamese, English)
_SUMMARY_TEXT = {
    "title": ("# Tóm tắt chỉ tiêu — Kế hoạch 125/KH-UBND tỉnh Thái Nguyên",
              "# Indicator summary — Plan 125/KH-UBND, Thái Nguyên province"),
    "synthetic": ("số liệu minh họa, không dùng cho báo cáo chính thức",
                  "illustrative numbers, not for official reporting"),
    "data": ("Dữ liệu: {title} · ngày tham chiếu {ref} · hệ tọa độ VN-2000 / TM-3 106°30' (EPSG:9213)",
             "Data: {title} · reference date {ref} · CRS VN-2000 / TM-3 106°30' (EPSG:9213)"),
    "study": ("Vùng nghiên cứu: {what}; mọi lớp được cắt theo vùng này trước khi tính.",
              "Study area: {what}; every layer is clipped to it before any indicator."),
    "study_what": ({"province": "ranh giới tỉnh (lớp province)", "study_area": "study_area của danh mục"},
                   {"province": "the province boundary (province layer)", "study_area": "the catalog's study_area"}),
    "key": ("## Số liệu chính", "## Headline numbers"),
    "head": ("| Chỉ tiêu | Giá trị |", "| Indicator | Value |"),
    "targets": ("## Mục tiêu đến năm 2030", "## 2030 targets"),
    "targets_head": ("| Mục tiêu | Hiện trạng | Mục tiêu | Tình trạng |", "| Target | Current | Target | Status |"),
    "quality": ("## Chất lượng dữ liệu đầu vào", "## Input data quality"),
    "quality_intro": ("Các lớp dưới đây có lỗi hoặc cảnh báo khi kiểm tra, hoặc có đối tượng bị cắt theo vùng "
                      "nghiên cứu; số liệu dùng các lớp có lỗi cần được rà soát (chạy `gisplan validate` để xem "
                      "từng đối tượng).",
                      "The layers below have validation errors or warnings, or features clipped to the study "
                      "area; numbers from layers with errors need checking (`gisplan validate` lists every "
                      "feature)."),
    "notes": ("## Lưu ý khi đọc các bảng", "## Notes on the tables"),
    "skipped": ("## Chỉ tiêu chưa tính được", "## Indicators not computed"),
    "tables": ("## Các bảng", "## Tables"),
}
#: the headline numbers: (key of ``results.headline``, Vietnamese label, English label, decimals)
HEADLINES = [
    ("forest_cover_province_pct", "Tỷ lệ che phủ rừng toàn tỉnh (%)", "Forest cover of the province (%)", 2),
    ("wastewater_compliant_pct", "KCN, CCN đang hoạt động có HTXLNT tập trung đạt quy chuẩn (%)",
     "Operating industrial zones/clusters with a compliant central WWTP (%)", 2),
    ("new_zones_compliant_pct", "KCN, CCN đầu tư mới đã hoạt động có HTXLNT đạt quy chuẩn (%)",
     "New industrial zones/clusters in operation with a compliant WWTP (%)", 2),
    ("expired_mines_still_operating", "Mỏ hết hạn giấy phép hoặc hết trữ lượng còn hoạt động (mỏ)",
     "Mines operating on an expired licence or exhausted reserves (mines)", 0),
    ("landfills_needing_remediation", "Bãi chôn lấp đã đóng cửa cần cải tạo, phục hồi (bãi)",
     "Closed landfills needing remediation (sites)", 0),
    ("air_monitored_towns_pct", "Đô thị loại I, II có trạm quan trắc không khí (%)",
     "Class I–II towns with an air-monitoring station (%)", 2),
    ("polluted_river_km", "Chiều dài sông ô nhiễm (mức C, D hoặc VN_WQI < 51) (km)",
     "Polluted river length (class C, D or VN_WQI < 51) (km)", 2),
    ("communes_landslide_high_ge10pct", "Xã, phường có ≥ 10 % diện tích nhạy cảm sạt lở mức cao, rất cao (xã)",
     "Communes/wards with ≥ 10 % of their area in high / very high landslide susceptibility (communes)", 0),
]
_STATUS_EN = {"met": "Met", "not met": "Not met", "no data": "No data", "no target": "No target set"}


def _summary_text(lang: str) -> dict:
    """The summary's wording in ``lang`` (``"vi"`` or ``"en"``)."""
    i = 1 if lang == "en" else 0
    return {key: texts[i] for key, texts in _SUMMARY_TEXT.items()}


def headline_labels(lang: str = "vi") -> list[tuple[str, str, int]]:
    """The headline numbers every output shows: (key of ``results.headline``, label with its unit,
    decimals), in the summary's order; the site's index uses the same list."""
    return [(key, vi if lang == "vi" else en, dec) for key, vi, en, dec in HEADLINES]


def summary(results: IndicatorResults, lang: str = "vi") -> tuple[str, str]:
    """A short summary of the results, as (Markdown, HTML), in Vietnamese (``lang="vi"``,
    numbers as ``1.234,5``) or English (``"en"``, ``1,234.5``). Unknown values are written as
    "không có số liệu" / "no data", never 0; skipped indicators and notes give their reasons in
    the language of the summary."""
    lang = "en" if lang == "en" else "vi"
    T = _summary_text(lang)
    meta = results.meta
    h = results.headline
    md = [T["title"], ""]
    if meta.get("synthetic"):
        md += [f"> **{SYNTHETIC_NOTE}** — {T['synthetic']}.", ""]
    md += [T["data"].format(title=meta.get("title", ""), ref=meta.get("reference_date", ""))]
    if meta.get("study_area") in T["study_what"]:
        md += ["", T["study"].format(what=T["study_what"][meta["study_area"]])]
    md += ["", T["key"], "", T["head"], "|---|---:|"]
    md += [f"| {label} | {_fmt(h.get(k), lang, dec)} |" for k, label, dec in headline_labels(lang)]
    if "targets" in results.tables:
        t = results.tables["targets"]
        md += ["", T["targets"], "", T["targets_head"], "|---|---:|---:|---|"]
        for r in t.itertuples():
            status = (SPECIAL_LABELS["status"] if lang == "vi" else _STATUS_EN).get(r.status, r.status)
            unit = f" {r.unit}" if r.unit else ""
            cur = _fmt(r.current, lang) + ("" if _missing(r.current) else unit)
            tgt = "" if _missing(r.target) else f"{r.comparison} {_fmt(r.target, lang)}{unit}"
            md.append(f"| {r.wording_vi} | {cur} | {tgt} | {status} |")
    flawed = [q for q in meta.get("layer_quality", []) if q["errors"] or q["warnings"] or _clipped(q)]
    if flawed:
        md += ["", T["quality"], "", T["quality_intro"], ""]
        md += [f"- {_quality_line(q, lang)}" for q in flawed]
    notes = meta.get("notes_vi" if lang == "vi" else "notes", {})
    if notes:
        md += ["", T["notes"], ""]
        md += [f"- `{k}`: {n}" for k, ns in notes.items() for n in ns]
    if results.skipped:
        reasons = getattr(results, "skipped_vi", {}) if lang == "vi" else {}
        md += ["", T["skipped"], ""]
        md += [f"- `{k}`: {reasons.get(k, v)}" for k, v in results.skipped.items()]
    md += ["", T["tables"], ""]
    md += [f"- {table_titles(n)[1 if lang == 'vi' else 2]} (`csv/{n}.csv`)" for n in results.tables]
    text = "\n".join(md) + "\n"
    return text, _html(text, lang)


def _clipped(q: dict) -> bool:
    c = q.get("clip") or {}
    return bool(c.get("cut") or c.get("dropped_outside") or c.get("dropped_slivers"))


def _quality_line(q: dict, lang: str = "vi") -> str:
    from gisplan._format import fmt_number

    def n(v):
        return fmt_number(v, lang, 0)
    if lang == "en":
        text = f"{q['layer']}: {n(q['errors'])} error(s), {n(q['warnings'])} warning(s)"
    else:
        text = f"{q['layer']}: {n(q['errors'])} lỗi, {n(q['warnings'])} cảnh báo"
    if _clipped(q):
        c = q["clip"]
        if lang == "en":
            text += (f"; clipped to the study area: {n(c['kept'])} kept, {n(c['cut'])} cut at the boundary, "
                     f"{n(c['dropped_outside'])} outside and {n(c['dropped_slivers'])} border sliver(s) dropped")
        else:
            text += (f"; cắt theo vùng nghiên cứu: giữ {n(c['kept'])}, cắt theo ranh giới {n(c['cut'])}, "
                     f"bỏ {n(c['dropped_outside'])} đối tượng bên ngoài và {n(c['dropped_slivers'])} mảnh "
                     f"vụn ven ranh giới")
    return text + (f" — {'; '.join(q['examples'])}" if q["examples"] else "")


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def _fmt(v, lang: str = "vi", decimals: int | None = None) -> str:
    """A number in the summary's language (``1.234,56`` / ``1,234.56``); unknown in words."""
    from gisplan._format import fmt_number

    if decimals is None:
        decimals = 0 if _missing(v) or float(v).is_integer() else 2
    return fmt_number(v, lang, decimals)


def _html(md: str, lang: str = "vi") -> str:
    """A minimal, dependency-free rendering of the summary Markdown (headings, tables, lists)."""
    out, in_table = [], False
    for line in md.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if set("".join(cells)) <= set("-:"):
                continue
            tag = "th" if not in_table else "td"
            if not in_table:
                out.append("<table>")
                in_table = True
            out.append("<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>")
            continue
        if in_table:
            out.append("</table>")
            in_table = False
        if line.startswith("# "):
            out.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line.startswith("## "):
            out.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("> "):
            out.append(f"<p class='note'>{html.escape(line[2:].replace('**', ''))}</p>")
        elif line.startswith("- "):
            out.append(f"<li>{html.escape(line[2:].replace('`', ''))}</li>")
        elif line:
            out.append(f"<p>{html.escape(line)}</p>")
    if in_table:
        out.append("</table>")
    style = ("body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:960px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:4px 8px}"
             "th{background:#ddebf7}.note{color:#c00000;font-weight:bold}")
    title = "Tóm tắt chỉ tiêu" if lang == "vi" else "Indicator summary"
    return (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{title}</title>"
            f"<style>{style}</style></head><body>{''.join(out)}</body></html>")
