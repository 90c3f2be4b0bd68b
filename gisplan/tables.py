"""What each indicator table and each of its columns is called, in Vietnamese and English.

The one registry of the titles every written output uses: the workbook's sheets and headers, the
CSV summary, the GeoPackage's layer titles and field aliases, the site's lists. Units are part of
a column's title (``"Tỷ lệ che phủ rừng (%)"`` / ``"Forest cover (%)"``): hectares, kilometres and
metres are measured in the projected CRS of the run (EPSG:9213 by default).

- :data:`TABLES`: table id (or id prefix ending in ``"_"``, e.g. ``canopy_change_`` for every
  year pair) → (sheet name ≤ 31 characters, Vietnamese title, English title);
- :data:`COLUMNS`: column → (Vietnamese, English);
- :data:`OVERRIDES`: table id (or prefix) → {column: (Vietnamese, English)} where a column means
  something else in that table;
- :data:`VALUE_LABELS`: column → {coded value: (Vietnamese, English)} for codes the indicators
  make (the codes of the layers themselves are labelled from ``layers/types.toml``);
- :data:`HEADLINES` (from :mod:`gisplan.vocabulary`, the one list the run makes them from): the
  headline numbers of the summary and of the site's index, each with its title in both
  languages and its decimals.

Generated entries come from where their classes are defined: the VN_WQI bands from
:data:`gisplan.vocabulary.WQI_BANDS`, the QCVN 08:2023 classes from the ``qcvn_class``
attribute of ``layers/types.toml``, the susceptibility classes from ``layers/hazard.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass

from gisplan._format import MISSING
from gisplan._toml import LAYERS_DIR, read_toml
from gisplan.catalog import load_layer_types
from gisplan.errors import GisplanError
from gisplan.forest_codes import owner_categories, status_codes
from gisplan.indicators.hazard_config import load_config
from gisplan.vocabulary import HEADLINES, WQI_BANDS

__all__ = ["COLUMNS", "COLUMNS_VI", "HEADLINES", "LABELS_OF", "OVERRIDES", "OVERRIDES_VI", "SPECIAL_LABELS",
           "TABLES", "UNKNOWN", "UNKNOWN_BY_TABLE", "VALUE_LABELS", "VI_OMIT", "WHOLE_NUMBERS", "column_title",
           "column_titles", "headline_labels", "table_titles", "unknown_text", "value_label", "vi_columns"]

#: table id (or prefix) -> (sheet name ≤ 31 chars, Vietnamese title, English title)
TABLES: dict[str, tuple[str, str, str]] = {
    "forest_cover_communes": ("Che phủ rừng - xã", "Tỷ lệ che phủ rừng theo xã, phường (hiện trạng rừng)", "Forest cover per commune/ward (forest-status polygons)"),
    "forest_cover_province": ("Che phủ rừng - tỉnh", "Tỷ lệ che phủ rừng toàn tỉnh", "Forest cover of the province"),
    "forest_cover_protected_areas": ("Che phủ rừng - KBT", "Rừng trong các khu bảo tồn (phần diện tích trong tỉnh)", "Forest inside protected areas (the part inside the province)"),
    # the forms of the annual forest-status announcement (gisplan.indicators.forest_tables.FORMS)
    "forest_status_by_purpose": ("Biểu 1 - theo mục đích", "Biểu 1: Diện tích rừng và diện tích chưa thành rừng phân theo mục đích sử dụng",
                                 "Form 1: forest and land not yet forest by purpose"),
    "forest_status_by_owner": ("Biểu 2 - theo chủ rừng", "Biểu 2: Diện tích rừng và diện tích chưa thành rừng phân theo loại chủ rừng",
                               "Form 2: forest and land not yet forest by owner category"),
    "forest_cover_official": ("Biểu 3 - tỷ lệ che phủ", "Biểu 3: Diện tích rừng và tỷ lệ che phủ rừng theo xã, phường",
                              "Form 3: forest area and forest cover by commune/ward"),
    # status transitions between two forest-status years (gisplan.indicators.change)
    "forest_transitions_communes": ("Chuyển trạng thái - xã", "Diện tích chuyển đổi giữa các trạng thái rừng theo xã, phường (đầu kỳ → cuối kỳ)",
                                    "Area of each forest-status transition per commune/ward (first → last year)"),
    "forest_gain_loss_communes": ("Tăng giảm rừng - xã", "Tăng, giảm rừng theo nguồn gốc và rừng tự nhiên chuyển đổi theo xã, phường",
                                  "Forest gained and lost by origin, natural forest converted, per commune/ward"),
    "forest_transition_matrix": ("Ma trận chuyển trạng thái", "Ma trận chuyển đổi trạng thái rừng toàn tỉnh (hàng: đầu kỳ, cột: cuối kỳ; ha)",
                                 "Forest-status transition matrix of the province (rows: first year, columns: last year; ha)"),
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
    "mines_to_close": ("Mỏ cần đóng cửa", "Mỏ hết hạn, bị thu hồi giấy phép hoặc hết trữ lượng chưa đóng cửa (cần đóng cửa)", "Mines with an expired or revoked licence or exhausted reserves not yet closed (to close)"),
    "mines_scattered_small": ("Mỏ phân tán, nhỏ lẻ", "Mỏ thuộc khu vực có khoáng sản phân tán, nhỏ lẻ đã khoanh định", "Mines in delineated areas of scattered, small deposits"),
    "auto_monitoring": ("Quan trắc tự động", "Nguồn thải thuộc đối tượng quan trắc tự động, liên tục: lắp đặt và truyền dữ liệu", "Sources required to monitor automatically: installed and transmitting"),
    "river_use": ("Sông và mục đích sử dụng", "Đoạn sông ô nhiễm hoặc chưa đáp ứng mục đích sử dụng đề ra", "River sections polluted or below their designated use"),
    # the plan's progress year by year (gisplan.indicators.progress_run)
    "forest_cover_target": ("Che phủ rừng - theo năm", "Tỷ lệ che phủ rừng toàn tỉnh theo năm hiện trạng rừng (so với chỉ tiêu Nghị quyết Đại hội)", "Forest cover of the province per forest-status year (against the Party Congress target)"),
    "forest_cover_buffer_zones": ("Che phủ rừng - vùng đệm", "Che phủ rừng vùng đệm các khu bảo tồn theo năm", "Forest cover of the protected areas' buffer zones per year"),
    "forest_owners_years": ("Rừng theo chủ - theo năm", "Diện tích rừng theo loại chủ rừng qua các năm", "Forest by owner category per year"),
    "forest_carbon_years": ("Các-bon rừng - theo năm", "Trữ lượng các-bon rừng toàn tỉnh theo năm hiện trạng rừng (ước tính)", "Forest carbon of the province per forest-status year (estimate)"),
    "urban_green_water": ("Cây xanh, mặt nước đô thị", "Diện tích cây xanh, mặt nước trong các đô thị theo năm (bản đồ lớp phủ)", "Green and water surface in the urban areas per year (land cover)"),
    "unused_land_communes": ("Đất trống - xã", "Đất trống (lớp phủ) theo xã, phường và năm", "Bare land (land cover) per commune/ward and year"),
    "hazard_events_by_year": ("Thiên tai theo năm", "Số điểm sạt lở, lũ quét, ngập lụt và thiệt hại về người theo năm", "Landslide, flash-flood and flood events and their toll per year"),
    "targets": ("Mục tiêu 2030", "Theo dõi thực hiện mục tiêu đến năm 2030", "Progress towards the 2030 targets"),
    # the old→new commune crosswalk (gisplan.crosswalk), added by `gisplan indicators` and
    # `gisplan demo` when the catalog has a communes_pre2025 layer
    "crosswalk": ("Chuyển đổi xã cũ - mới", "Bảng chuyển đổi xã, phường, thị trấn trước và sau sắp xếp (1/7/2025)",
                  "Pre-2025 → 2025 commune/ward crosswalk"),
    # terrain and landslide / flash-flood susceptibility (gisplan.indicators.climate_run)
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
}

#: column -> (Vietnamese title, English title), units in the title
COLUMNS: dict[str, tuple[str, str]] = {
    # units and forest cover
    "code": ("Mã", "Code"),
    "name": ("Tên", "Name"),
    "area_ha": ("Diện tích tự nhiên (ha)", "Natural area (ha)"),
    "forest_ha": ("Diện tích rừng (ha)", "Forest (ha)"),
    "forest_pct": ("Tỷ lệ che phủ rừng (%)", "Forest cover (%)"),
    "natural_ha": ("Rừng tự nhiên (ha)", "Natural forest (ha)"),
    "plantation_ha": ("Rừng trồng (ha)", "Plantation (ha)"),
    "special_use_ha": ("Rừng đặc dụng (ha)", "Special-use forest (ha)"),
    "protection_ha": ("Rừng phòng hộ (ha)", "Protection forest (ha)"),
    "production_ha": ("Rừng sản xuất (ha)", "Production forest (ha)"),
    "outside_planning_ha": ("Rừng ngoài quy hoạch 3 loại rừng (ha)", "Forest outside the three-purpose planning (ha)"),
    "not_meeting_criteria_ha": ("Rừng trồng chưa đạt tiêu chí (ha)", "Plantation not yet meeting the forest criteria (ha)"),
    "not_forest_ha": ("Diện tích chưa có rừng khác (ha)", "Other land without forest (ha)"),
    "unknown_status_ha": ("Lô chưa xác định trạng thái (ha)", "Lots of unknown status (ha)"),
    "status_unknown_ha": ("Rừng có lô chưa xác định trạng thái ở kỳ kia (ha)", "Forest whose status in the other year is unknown (ha)"),
    # the forms (rows of the classification) and the transitions
    "row": ("TT", "No."),
    "label": ("Phân loại", "Class"),
    "label_en": ("Phân loại (tiếng Anh)", "Class (English)"),
    "indent": ("Cấp", "Level"),  # a row's level in the forms' classification
    "total_ha": ("Tổng (ha)", "Total (ha)"),
    "owner_unknown_ha": ("Chưa xác định loại chủ rừng (ha)", "Owner category not recorded (ha)"),
    "before": ("Trạng thái đầu kỳ", "Status, first year"),
    "after": ("Trạng thái cuối kỳ", "Status, last year"),
    "before_name": ("Tên trạng thái đầu kỳ", "Status name, first year"),
    "forest_before": ("Là rừng đầu kỳ", "Forest in the first year"),
    "forest_after": ("Là rừng cuối kỳ", "Forest in the last year"),
    "origin_before": ("Nguồn gốc đầu kỳ", "Origin, first year"),
    "origin_after": ("Nguồn gốc cuối kỳ", "Origin, last year"),
    "gain_natural_ha": ("Tăng rừng tự nhiên (ha)", "Natural forest gained (ha)"),
    "gain_plantation_ha": ("Tăng rừng trồng (ha)", "Plantation forest gained (ha)"),
    "changed_ha": ("Diện tích chuyển trạng thái (ha)", "Area whose status changed (ha)"),
    "observed_ha": ("Diện tích có dữ liệu (ha)", "Area with data (ha)"),
    "observed_pct": ("Tỷ lệ có dữ liệu (%)", "Share with data (%)"),
    "observed_ok": ("Đủ dữ liệu", "Enough data"),
    "nodata_ha": ("Không có số liệu (ha)", "No data (ha)"),
    # forest change and conversion
    "forest_before_ha": ("Rừng đầu kỳ (ha)", "Forest before (ha)"),
    "forest_after_ha": ("Rừng cuối kỳ (ha)", "Forest after (ha)"),
    "loss_ha": ("Mất rừng (ha)", "Loss (ha)"),
    "gain_ha": ("Tăng rừng (ha)", "Gain (ha)"),
    "net_ha": ("Biến động thuần (ha)", "Net change (ha)"),
    "net_pct": ("Biến động thuần (%)", "Net change (%)"),
    "loss_special_use_ha": ("Mất rừng đặc dụng (ha)", "Loss of special-use forest (ha)"),
    "loss_protection_ha": ("Mất rừng phòng hộ (ha)", "Loss of protection forest (ha)"),
    "loss_production_ha": ("Mất rừng sản xuất (ha)", "Loss of production forest (ha)"),
    "loss_outside_planning_ha": ("Mất rừng ngoài quy hoạch 3 loại rừng (ha)",
                                 "Loss of forest outside the three-purpose planning (ha)"),
    "purpose": ("Loại rừng theo mục đích sử dụng", "Forest purpose"),
    "natural_before_ha": ("Rừng tự nhiên đầu kỳ (ha)", "Natural forest before (ha)"),
    "loss_natural_ha": ("Mất rừng tự nhiên (ha)", "Loss of natural forest (ha)"),
    "loss_plantation_ha": ("Mất rừng trồng (ha)", "Loss of plantation (ha)"),
    "loss_in_special_use_ha": ("Mất rừng trong rừng đặc dụng (ha)", "Loss inside special-use forest (ha)"),
    "natural_to_plantation_ha": ("Rừng tự nhiên chuyển sang rừng trồng (ha)", "Natural forest converted to plantation (ha)"),
    "natural_loss_pct": ("Tỷ lệ rừng tự nhiên mất hoặc chuyển đổi (%)", "Natural forest lost or converted (%)"),
    "loss_in_buffer_ha": ("Mất rừng trong vùng đệm (ha)", "Loss in buffer zones (ha)"),
    "loss_natural_in_buffer_ha": ("Mất rừng tự nhiên trong vùng đệm (ha)", "Loss of natural forest in buffer zones (ha)"),
    "loss_natural_special_use_ha": ("Mất rừng tự nhiên - đặc dụng (ha)", "Loss of natural forest - special-use (ha)"),
    "loss_natural_protection_ha": ("Mất rừng tự nhiên - phòng hộ (ha)", "Loss of natural forest - protection (ha)"),
    "loss_natural_production_ha": ("Mất rừng tự nhiên - sản xuất (ha)", "Loss of natural forest - production (ha)"),
    "loss_natural_outside_planning_ha": ("Mất rừng tự nhiên - ngoài quy hoạch 3 loại rừng (ha)",
                                         "Loss of natural forest - outside the three-purpose planning (ha)"),
    "loss_plantation_special_use_ha": ("Mất rừng trồng - đặc dụng (ha)", "Loss of plantation - special-use (ha)"),
    "loss_plantation_protection_ha": ("Mất rừng trồng - phòng hộ (ha)", "Loss of plantation - protection (ha)"),
    "loss_plantation_production_ha": ("Mất rừng trồng - sản xuất (ha)", "Loss of plantation - production (ha)"),
    "loss_plantation_outside_planning_ha": ("Mất rừng trồng - ngoài quy hoạch 3 loại rừng (ha)",
                                            "Loss of plantation - outside the three-purpose planning (ha)"),
    # protected areas and conflicts
    "pa_id": ("Mã khu bảo tồn", "Protected-area id"),
    "entry": ("Lớp nguồn (danh mục)", "Source layer (catalog entry)"),
    "category": ("Phân hạng", "Category"),
    "level": ("Cấp quản lý", "Management level"),
    "official_area_ha": ("Diện tích theo quyết định (ha)", "Area in the founding decision (ha)"),
    "in_province_ha": ("Diện tích trong tỉnh (ha)", "Area inside the province (ha)"),
    "in_province_pct": ("Tỷ lệ trong tỉnh (%)", "Share inside the province (%)"),
    "buffer_zone_ha": ("Vùng đệm (ha)", "Buffer zone (ha)"),
    "site_type": ("Loại cơ sở", "Site type"),
    "site_id": ("Mã cơ sở", "Site id"),
    "site_name": ("Tên cơ sở", "Site name"),
    "pa_name": ("Khu bảo tồn", "Protected area"),
    "relation": ("Vị trí so với khu bảo tồn", "Position relative to the protected area"),
    "distance_m": ("Khoảng cách (m)", "Distance (m)"),
    "status": ("Tình trạng", "Status"),
    "operating": ("Đang khai thác", "Operating"),
    # mines
    "mine_id": ("Mã mỏ", "Mine id"),
    "mineral": ("Khoáng sản", "Mineral"),
    "licence_no": ("Số giấy phép", "Licence number"),
    "licence_expiry": ("Ngày hết hạn giấy phép", "Licence expiry date"),
    "licence_status": ("Tình trạng giấy phép", "Licence status"),
    "days_expired": ("Số ngày quá hạn", "Days since expiry"),
    "licence_expired": ("Hết hạn giấy phép", "Licence expired"),
    "reserves_exhausted": ("Hết trữ lượng", "Reserves exhausted"),
    "close_reason": ("Lý do đóng cửa", "Reason to close"),
    # rivers and industry
    "section_id": ("Mã đoạn sông", "Section id"),
    "river_name": ("Tên sông", "River"),
    "on_river": ("Trên sông", "On the river"),
    "group": ("Nhóm", "Group"),
    "compliant": ("Đạt quy chuẩn", "Compliant"),
    "non_compliant": ("Chưa đạt quy chuẩn", "Not compliant"),
    "under_construction": ("Đang xây dựng", "Under construction"),
    "none": ("Chưa có", "No plant yet"),
    "unknown": ("Chưa có thông tin", "No information"),
    "assessed_km": ("Chiều dài có số liệu chất lượng nước (km)", "Length with water-quality data (km)"),
    "no_data_km": ("Chiều dài chưa có số liệu chất lượng nước (km)", "Length without water-quality data (km)"),
    "full_area_ha": ("Diện tích toàn khu (ha)", "Area of the whole site (ha)"),
    "compliant_pct": ("Tỷ lệ đạt (%)", "Compliant (%)"),
    "target_pct": ("Mục tiêu (%)", "Target (%)"),
    "gap_pct": ("Còn thiếu (%)", "Gap to target (%)"),
    "zone_id": ("Mã khu/cụm", "Zone id"),
    "zone_type": ("Loại", "Type"),
    "wwtp_status": ("Hệ thống XLNT tập trung", "Central WWTP"),
    "established_year": ("Năm thành lập", "Year established"),
    "new": ("Đầu tư mới", "New investment"),
    "qcvn_class": ("Mức QCVN 08:2023", "QCVN 08:2023 class"),
    "wqi": ("VN_WQI", "VN_WQI"),
    "wqi_band": ("Mức VN_WQI", "VN_WQI band"),
    "length_km": ("Chiều dài (km)", "Length (km)"),
    "polluted_km": ("Chiều dài ô nhiễm (km)", "Polluted length (km)"),
    "polluted_pct": ("Tỷ lệ ô nhiễm (%)", "Polluted (%)"),
    "upstream_km": ("Cách thượng lưu (km)", "Distance upstream (km)"),
    "site_id_": ("Mã", "Id"),
    "site_type_": ("Loại", "Type"),
    # waste and air
    "needs_remediation": ("Cần cải tạo", "Needs remediation"),
    "capacity_t_day": ("Công suất (tấn/ngày)", "Capacity (t/day)"),
    "urban_id": ("Mã đô thị", "Town id"),
    "urban_class": ("Loại đô thị", "Town class"),
    "air_stations": ("Số trạm không khí", "Air stations"),
    "automatic_stations": ("Số trạm tự động", "Automatic stations"),
    "nearest_station_m": ("Trạm gần nhất (m)", "Nearest station (m)"),
    "covered": ("Có trạm quan trắc", "Monitored"),
    # 2030 targets
    "target_id": ("Mã mục tiêu", "Target id"),
    "wording_vi": ("Mục tiêu (trích Kế hoạch)", "Target (wording of the Plan, in Vietnamese)"),
    "indicator": ("Chỉ tiêu", "Indicator"),
    "current": ("Hiện trạng", "Current"),
    "comparison": ("So sánh", "Comparison"),
    "target": ("Mục tiêu", "Target"),
    "unit": ("Đơn vị", "Unit"),
    "gap": ("Còn thiếu", "Gap to target"),
    "source": ("Nguồn số liệu", "Source of the figure"),
    "deadline": ("Thời hạn", "Deadline"),
    "agency": ("Cơ quan chủ trì", "Lead agency"),
    "plan_section": ("Mục của Kế hoạch", "Section of the Plan"),
    "target_basis": ("Căn cứ mục tiêu", "Basis of the target"),
    "wording_en": ("Mục tiêu (diễn giải tiếng Anh)", "Target (in English)"),
    "year": ("Năm", "Year"),
    "lower_bound": ("Giá trị tối thiểu (còn thiếu số liệu)", "Lower bound (data incomplete)"),
    "earlier": ("Giá trị năm so sánh", "Earlier value"),
    "earlier_year": ("Năm so sánh", "Earlier year"),
    "change": ("Thay đổi", "Change"),
    "trend": ("Xu hướng so với mục tiêu", "Trend toward the target"),
    "projected": ("Dự báo đến thời hạn (theo tốc độ hiện tại)", "Projected at the deadline (at the recent pace)"),
    "measured_by": ("Lớp dữ liệu tính chỉ tiêu", "Layers it is measured from"),
    "needs": ("Dữ liệu còn thiếu", "Data needed"),
    "period": ("Thời gian thực hiện", "Period"),
    "notes_vi": ("Cách tính, ghi chú", "What is counted, notes (Vietnamese)"),
    "notes_en": ("Cách tính, ghi chú (tiếng Anh)", "What is counted, notes"),
    # mines, waste, rivers, monitoring (the plan's readings)
    "riverbed": ("Khai thác cát, sỏi lòng sông", "Riverbed sand/gravel"),
    "licence_revoked": ("Bị thu hồi giấy phép", "Licence revoked"),
    "serious_pollution": ("Gây ô nhiễm môi trường nghiêm trọng", "Causes serious pollution"),
    "designated_class": ("Mức theo mục đích sử dụng", "Class its use requires"),
    "polluted": ("Ô nhiễm (mức C, D hoặc VN_WQI < 51)", "Polluted (class C, D or VN_WQI < 51)"),
    "below_use": ("Chưa đáp ứng mục đích sử dụng", "Below its designated use"),
    "source_type": ("Loại nguồn thải", "Kind of source"),
    "source_id": ("Mã nguồn thải", "Source id"),
    "discharge": ("Nguồn thải phải quan trắc tự động", "Discharge to monitor"),
    "installed": ("Đã lắp đặt quan trắc tự động", "Automatic monitoring installed"),
    "transmitted": ("Đã truyền dữ liệu về Sở", "Data transmitted"),
    "area_basis": ("Diện tích tự nhiên theo", "Natural area from"),
    "owner_category": ("Loại chủ rừng", "Owner category"),
    "green_ha": ("Cây xanh (ha)", "Green (ha)"),
    "green_pct": ("Cây xanh (% diện tích)", "Green (% of the area)"),
    "water_ha": ("Mặt nước (ha)", "Water (ha)"),
    "water_pct": ("Mặt nước (% diện tích)", "Water (% of the area)"),
    "green_water_pct": ("Cây xanh và mặt nước (% diện tích)", "Green and water (% of the area)"),
    "unused_ha": ("Đất trống (ha)", "Bare land (ha)"),
    "unused_pct": ("Đất trống (% diện tích)", "Bare land (% of the area)"),
    "event_type": ("Loại thiên tai", "Event type"),
    "deaths": ("Số người chết, mất tích", "Dead and missing"),
    "deaths_unknown": ("Sự kiện chưa ghi số người chết", "Events without a death toll"),
    "damage": ("Thiệt hại (triệu đồng)", "Damage (million VND)"),
    # forest carbon
    "assessed_ha": ("Diện tích rừng có hệ số (ha)", "Forest with a carbon factor (ha)"),
    "assessed_pct": ("Tỷ lệ rừng có hệ số (%)", "Share of the forest with a factor (%)"),
    "no_factor_ha": ("Diện tích rừng chưa có hệ số (ha)", "Forest without a carbon factor (ha)"),
    "carbon_assessed_tc": ("Các-bon phần rừng có hệ số (tC)", "Carbon of the forest with a factor (tC)"),
    "carbon_assessed_tco2e": ("Quy đổi CO2e phần rừng có hệ số (tCO2e)",
                              "Carbon of the forest with a factor as CO2 equivalent (tCO2e)"),
    "carbon_tc": ("Trữ lượng các-bon toàn bộ rừng (tC)", "Carbon stock of all the forest (tC)"),
    "carbon_tco2e": ("Quy đổi CO2e toàn bộ rừng (tCO2e)", "Carbon stock of all the forest as CO2 equivalent (tCO2e)"),
    "carbon_tc_per_ha": ("Các-bon bình quân phần rừng có hệ số (tC/ha)", "Mean carbon of the forest with a factor (tC/ha)"),
    "carbon_tc_ha": ("Hệ số các-bon (tC/ha)", "Carbon factor (tC/ha)"),
    "factor_id": ("Mã hệ số", "Factor id"),
    "forest_type": ("Trạng thái rừng", "Forest type"),
    "volume_class": ("Cấp trữ lượng", "Volume class"),
    "origin": ("Nguồn gốc", "Origin"),
    "assessed_both_ha": ("Diện tích biết trữ lượng cả hai kỳ (ha)", "Area with known carbon in both years (ha)"),
    "carbon_before_assessed_tc": ("Các-bon đầu kỳ, phần biết cả hai kỳ (tC)", "Carbon before, on that area (tC)"),
    "carbon_after_assessed_tc": ("Các-bon cuối kỳ, phần biết cả hai kỳ (tC)", "Carbon after, on that area (tC)"),
    "carbon_change_assessed_tc": ("Biến động các-bon, phần biết cả hai kỳ (tC)", "Carbon change on that area (tC)"),
    "carbon_change_assessed_tco2e": ("Biến động quy đổi CO2e, phần biết cả hai kỳ (tCO2e)",
                                     "Carbon change on that area as CO2 equivalent (tCO2e)"),
    "carbon_before_tc": ("Các-bon đầu kỳ, toàn bộ rừng (tC)", "Carbon before, all the forest (tC)"),
    "carbon_after_tc": ("Các-bon cuối kỳ, toàn bộ rừng (tC)", "Carbon after, all the forest (tC)"),
    "carbon_change_tc": ("Biến động các-bon, toàn bộ rừng (tC)", "Carbon change, all the forest (tC)"),
    "carbon_change_tco2e": ("Biến động quy đổi CO2e, toàn bộ rừng (tCO2e)",
                            "Carbon change of all the forest as CO2 equivalent (tCO2e)"),
    "no_factor_before_ha": ("Rừng chưa có hệ số đầu kỳ (ha)", "Forest without a factor before (ha)"),
    "no_factor_after_ha": ("Rừng chưa có hệ số cuối kỳ (ha)", "Forest without a factor after (ha)"),
    # terrain and susceptibility (the class columns are generated below)
    "elevation_mean_m": ("Độ cao trung bình (m)", "Mean elevation (m)"),
    "elevation_max_m": ("Độ cao lớn nhất (m)", "Highest elevation (m)"),
    "slope_mean_deg": ("Độ dốc trung bình (độ)", "Mean slope (degrees)"),
    "steep_pct": ("Diện tích dốc trên 25° (%)", "Area steeper than 25° (%)"),
    "exposed_ha": ("Mức cao và rất cao (ha)", "High and very high (ha)"),
    "exposed_pct": ("Mức cao và rất cao (% diện tích)", "High and very high (% of area)"),
    "population": ("Dân số (người)", "Population (people)"),
    "population_exposed": ("Dân số trong vùng mức cao, rất cao (người, ước tính)",
                           "Population in high / very high (people, estimate)"),
    "urban_ha": ("Diện tích đô thị (ha)", "Urban area (ha)"),
    "urban_exposed_ha": ("Đô thị trong vùng mức cao, rất cao (ha)", "Urban area in high / very high (ha)"),
    "buildings": ("Số công trình", "Buildings"),
    "buildings_exposed": ("Công trình trong vùng mức cao, rất cao", "Buildings in high / very high"),
    "roads_km": ("Đường giao thông (km)", "Roads (km)"),
    "roads_exposed_km": ("Đường trong vùng mức cao, rất cao (km)", "Roads in high / very high (km)"),
    "class": ("Mức nhạy cảm", "Susceptibility class"),
    "class_vi": ("Mức nhạy cảm", "Susceptibility class (Vietnamese)"),
    "events": ("Số điểm đã xảy ra", "Recorded events"),
    "events_pct": ("Tỷ lệ số điểm (%)", "Share of events (%)"),
    "area_pct": ("Tỷ lệ diện tích (%)", "Share of area (%)"),
    "density_ratio": ("Tỷ số mật độ (điểm % / diện tích %)", "Density ratio (events % / area %)"),
}
# river length per QCVN 08:2023 class (the classes of the qcvn_class attribute of the layer types)
for _c in load_layer_types()["river_sections"].attributes["qcvn_class"].allowed:
    COLUMNS[f"class_{_c}_km"] = (f"Mức {_c} (km)", f"Class {_c} (km)")
# river length per VN_WQI band
for _code, _lo, _vi, _en, _rgb in WQI_BANDS:
    COLUMNS[f"wqi_{_code}_km"] = (f"VN_WQI {_vi.lower()} (km)", f"VN_WQI {_en.lower()} (km)")
# area per susceptibility class (the classes of layers/hazard.toml)
_HAZARD = load_config()
for _k, _vi, _en in zip(_HAZARD.class_keys, _HAZARD.labels_vi, _HAZARD.labels_en, strict=True):
    COLUMNS[f"{_k}_ha"] = (f"Mức {_vi.lower()} (ha)", f"{_en} (ha)")
    COLUMNS[f"{_k}_pct"] = (f"Mức {_vi.lower()} (%)", f"{_en} (%)")

_DEM_OBSERVED = ("Tỷ lệ có dữ liệu DEM (%)", "Share with DEM data (%)")

# the owner categories of the forms (layers/frms.toml, Law on Forestry Art. 8)
for _k, (_vi, _en) in owner_categories().items():
    COLUMNS[f"{_k}_ha"] = (f"{_vi} (ha)", f"{_en} (ha)")
# the columns of the transition matrix: a status code (or forest type) of the last year
for _code, _row in status_codes().table.iterrows():
    COLUMNS[_code] = (f"{_code} cuối kỳ (ha)", f"{_code} in the last year (ha)")
for _ft, _vi, _en in zip(*(load_layer_types()["forest_status"].attributes["forest_type"].__getattribute__(a)
                           for a in ("allowed", "labels_vi", "labels_en")), strict=True):
    COLUMNS.setdefault(_ft, (f"{_vi} cuối kỳ (ha)", f"{_en} in the last year (ha)"))
COLUMNS["—"] = ("Không có lô cuối kỳ (ha)", "Not mapped in the last year (ha)")
COLUMNS["?"] = ("Chưa xác định trạng thái cuối kỳ (ha)", "Status unknown in the last year (ha)")
COLUMNS["Tổng"] = ("Tổng đầu kỳ (ha)", "Total, first year (ha)")

#: purposes as the columns of the forms (all land of the purpose, not only its forest)
_FORM_COLUMNS = {"special_use_ha": ("Đặc dụng (ha)", "Special-use (ha)"), "protection_ha": ("Phòng hộ (ha)", "Protection (ha)"),
                 "production_ha": ("Sản xuất (ha)", "Production (ha)"),
                 "outside_planning_ha": ("Ngoài quy hoạch ba loại rừng (ha)", "Outside the three forest types (ha)")}

#: per-table overrides where a column means something else (an id ending in "_" matches every
#: table whose id starts with it, e.g. a year pair)
OVERRIDES: dict[str, dict[str, tuple[str, str]]] = {
    "wastewater": {"operating": ("Số đang hoạt động", "Operating (number)")},
    "zones_without_plant": {"status": ("Tình trạng hoạt động", "Operating status")},
    "canopy_change_purpose_": {"area_ha": ("Diện tích theo loại rừng (ha)", "Area of the forest purpose (ha)")},
    "forest_cover_protected_areas": {"area_ha": ("Diện tích trong tỉnh (ha)", "Area inside the province (ha)")},
    "forest_status_by_purpose": _FORM_COLUMNS,
    "forest_cover_official": {"forest_ha": ("Diện tích có rừng (ha)", "Forest (ha)"),
                              "not_meeting_criteria_ha": ("Diện tích đã trồng chưa thành rừng (ha)", "Planted, not yet forest (ha)")},
    "forest_transitions_communes": {"area_ha": ("Diện tích (ha)", "Area (ha)")},
    "carbon_by_class": {"area_ha": ("Diện tích rừng (ha)", "Forest area (ha)"),
                        "carbon_tc": ("Trữ lượng các-bon (tC)", "Carbon stock (tC)"),
                        "carbon_tco2e": ("Quy đổi CO2e (tCO2e)", "As CO2 equivalent (tCO2e)")},
    "mines_to_close": {"area_ha": ("Diện tích mỏ (ha)", "Mine area (ha)")},
    "mines_scattered_small": {"area_ha": ("Diện tích mỏ (ha)", "Mine area (ha)")},
    "urban_green_water": {"area_ha": ("Diện tích đô thị (ha)", "Urban area (ha)")},
    "hazard_events_by_year": {"events": ("Số sự kiện", "Events")},
    "forest_change_protected_areas": {"area_ha": ("Diện tích trong tỉnh (ha)", "Area inside the province (ha)")},
    "canopy_change_protected_areas_": {"area_ha": ("Diện tích trong tỉnh (ha)", "Area inside the province (ha)")},
    "crosswalk": {
        "old_code": ("Mã xã cũ", "Old commune code"), "old_name": ("Tên xã cũ", "Old commune name"),
        "district": ("Huyện/thành phố cũ", "Old district/city"), "province_old": ("Tỉnh cũ", "Old province"),
        "new_code": ("Mã xã/phường mới", "New commune/ward code"),
        "new_name": ("Tên xã/phường mới", "New commune/ward name"),
        "match_method": ("Cách đối chiếu", "Match method"),
        "split": ("Chia cho nhiều đơn vị mới", "Split between several new units"),
        "reason": ("Lý do chưa khớp", "Why unmatched"),
    },
    "hazard_events_": {"class": ("Mã mức nhạy cảm", "Susceptibility class code")},
    # the share of the commune where the DEM (and so the susceptibility grid) has data
    "terrain_communes": {"observed_pct": _DEM_OBSERVED},
    "hazard_landslide_communes": {"observed_pct": _DEM_OBSERVED},
    "hazard_flash_flood_communes": {"observed_pct": _DEM_OBSERVED},
}

#: column -> {coded value made by the indicators: (Vietnamese label, English label)}
VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "site_type": {"mine": ("Mỏ khoáng sản", "Mine"), "industrial_zone": ("Khu, cụm công nghiệp", "Industrial zone/cluster"),
                  "waste_site": ("Bãi chôn lấp", "Waste site")},
    "relation": {"inside": ("Nằm trong", "Inside"), "buffer_zone": ("Trong vùng đệm", "In the buffer zone"),
                 "within_distance": ("Trong khoảng cách", "Within the distance")},
    "group": {"kcn": ("Khu công nghiệp", "Industrial zones"), "ccn": ("Cụm công nghiệp", "Industrial clusters"),
              "all": ("Tổng", "Total")},
    "wqi_band": {code: (vi, en) for code, _lo, vi, en, _rgb in WQI_BANDS},
    "status": {"met": ("Đạt", "Met"), "not met": ("Chưa đạt", "Not met"), "no data": ("Chưa có số liệu", "No data"),
               "no target": ("Chưa có chỉ tiêu cụ thể", "No target set"),
               "incomplete": ("Chưa đủ số liệu để kết luận", "Data incomplete: cannot tell")},
    "trend": {"improving": ("Tiến tới mục tiêu", "Toward the target"), "worsening": ("Xa mục tiêu hơn", "Away from the target"),
              "unchanged": ("Không đổi", "Unchanged")},
    "area_basis": {"official": ("Số liệu chính thức", "Official figure"), "mapped": ("Đo trên bản đồ", "Mapped polygons")},
    "source_type": {"zone_plant": ("HTXLNT tập trung của KCN, CCN", "Zone's central treatment plant"),
                    "facility": ("Cơ sở", "Facility")},
    "event_type": {"all": ("Tất cả", "All")},
    "owner_category": {"unknown": ("Chưa xác định", "Unknown")},
    "source": {"computed": ("Tính từ lớp bản đồ", "Computed from the layers"), "table": ("Bảng số liệu", "Table of figures")},
    "close_reason": {"licence_expired": ("Hết hạn giấy phép", "Licence expired"),
                     "licence_revoked": ("Bị thu hồi giấy phép", "Licence revoked"),
                     "reserves_exhausted": ("Hết trữ lượng khai thác", "Reserves exhausted"),
                     "licence_expired_reserves_exhausted": ("Hết hạn giấy phép và hết trữ lượng",
                                                            "Licence expired and reserves exhausted"),
                     "licence_revoked_reserves_exhausted": ("Bị thu hồi giấy phép và hết trữ lượng",
                                                            "Licence revoked and reserves exhausted")},
    "target_basis": {"stated": ("Số liệu của Kế hoạch", "Figure of the Plan"),
                     "implied": ("Toàn bộ (theo Kế hoạch)", "All (as the Plan implies)"),
                     "deliverable": ("Sản phẩm (1 = hoàn thành)", "Deliverable (1 = done)"),
                     "baseline": ("Giữ, nâng so với năm đầu kỳ", "Keep or raise the earlier year's value"),
                     "none": ("Kế hoạch không nêu số", "No figure in the Plan")},
    "match_method": {"exact": ("trùng tên", "same name"), "accent_folded": ("trùng tên khi bỏ dấu", "same name without accents"),
                     "declared": ("mã mới khai trong lớp", "new code declared in the layer"),
                     "unmatched": ("chưa khớp", "unmatched")},
}

#: columns of people and things counted one by one: written as whole numbers in every output
#: (CSV, workbook, GeoPackage), however they were computed — an exposed population is an estimate
#: by area share (``population × share of the area``) and a fraction of a person means nothing
WHOLE_NUMBERS = frozenset({"population", "population_exposed", "buildings", "buildings_exposed", "events"})

#: columns of codes that a Vietnamese sheet leaves out, by table id (or prefix): their Vietnamese
#: reading is another column of the table (the quoted wording of a target; ``class_vi``)
VI_OMIT: dict[str, tuple[str, ...]] = {"targets": ("target_id",), "hazard_events_": ("class",)}

#: what an unknown number reads in a workbook cell (default :data:`gisplan._format.MISSING`):
#: a total over the forest is unknown when part of it has no carbon factor
UNKNOWN: dict[str, tuple[str, str]] = {
    c: ("chưa tính được: có rừng chưa có hệ số", "unknown: some forest has no factor")
    for c in ("carbon_tc", "carbon_tco2e", "carbon_before_tc", "carbon_after_tc", "carbon_change_tc",
              "carbon_change_tco2e", "carbon_tc_per_ha")}
UNKNOWN["carbon_assessed_tc"] = UNKNOWN["carbon_assessed_tco2e"] = ("không có rừng có hệ số",
                                                                    "no forest with a factor")
#: per table (or prefix) where an unknown means something else there
UNKNOWN_BY_TABLE: dict[str, dict[str, tuple[str, str]]] = {
    "carbon_by_class": {c: ("chưa có hệ số", "no factor") for c in ("carbon_tc_ha", "carbon_tc", "carbon_tco2e")},
    "targets": {"target": ("Kế hoạch không nêu số", "no figure in the plan")},
}

def _carbon_factors() -> list[dict]:
    """The titles of the shipped carbon factors (``layers/carbon_factors.toml``; they label
    ``factor_id``), each defaulting to its id; none when the file is absent or unreadable."""
    path = LAYERS_DIR / "carbon_factors.toml"
    try:
        factors = read_toml(path, "carbon factors file").get("factor", []) if path.exists() else []
    except GisplanError:
        return []
    return [{"factor_id": str(f["id"]), "title_vi": f.get("title_vi", str(f["id"])),
             "title_en": f.get("title_en", str(f["id"]))} for f in factors if "id" in f]


#: the indicators of the 2030 tracker that are not headline numbers (layers/targets.toml), by id
_TARGET_INDICATORS = {
    "renewable_energy_share_pct": ("Tỷ lệ năng lượng tái tạo trong cơ cấu sử dụng năng lượng (%)",
                                   "Renewable share of energy use (%)"),
    "urban_wastewater_treated_pct": ("Nước thải sinh hoạt đô thị loại II trở lên được xử lý đạt quy chuẩn (%)",
                                     "Domestic wastewater of class II+ towns treated to standard (%)"),
    "urban_solid_waste_collected_pct": ("Chất thải rắn sinh hoạt đô thị được thu gom, xử lý (%)",
                                        "Urban domestic solid waste collected and treated (%)"),
    "rural_solid_waste_collected_pct": ("Chất thải rắn sinh hoạt nông thôn được thu gom, xử lý (%)",
                                        "Rural domestic solid waste collected and treated (%)"),
    "plastic_waste_t_year": ("Khối lượng chất thải nhựa (tấn/năm)", "Plastic waste (t/year)"),
    "hazardous_waste_treated_pct": ("Chất thải nguy hại được thu gom, vận chuyển, xử lý theo quy định (%)",
                                    "Hazardous waste collected, transported and treated as required (%)"),
    "urban_air_quality_good_days_pct": ("Số ngày chất lượng không khí đô thị tốt, trung bình (%)",
                                        "Days of good or moderate urban air quality (%)"),
    "rural_households_clean_water_pct": ("Hộ gia đình nông thôn dùng nước sạch theo quy chuẩn (%)",
                                         "Rural households using clean water to standard (%)"),
    "urban_population_clean_water_pct": ("Dân số đô thị được cấp nước sạch tập trung (%)",
                                         "Urban population supplied with clean piped water (%)"),
    "solid_waste_programme_done": ("Chương trình tăng cường năng lực quản lý chất thải rắn sinh hoạt (1: đã hoàn thành)",
                                   "Programme to strengthen domestic solid-waste management (1: done)"),
    "regional_waste_infrastructure_done": ("Cơ sở hạ tầng khu xử lý chất thải tập trung cấp vùng (1: đã hoàn thành)",
                                           "Infrastructure of regional waste-treatment areas (1: done)"),
    "recycling_complexes_built": ("Khu liên hợp tái chế, xử lý chất thải liên vùng, liên xã đã xây dựng (khu)",
                                  "Inter-regional recycling and waste-treatment complexes built (complexes)"),
    "towns_class_v_central_wastewater_pct": ("Đô thị loại V trở lên có hệ thống xử lý nước thải tập trung (%)",
                                             "Class V+ towns with a central wastewater system (%)"),
    "contaminated_sites_remaining": ("Khu vực ô nhiễm hóa chất, thuốc bảo vệ thực vật chưa cải tạo (khu vực)",
                                     "Sites contaminated by chemicals or pesticides not yet remediated (sites)"),
    "single_use_plastics_programme_done": ("Chương trình hạn chế nhựa dùng một lần, túi nilon khó phân hủy "
                                           "(1: đã triển khai)", "Programme against single-use plastics (1: done)"),
    "provincial_air_quality_plan_issued": ("Kế hoạch quản lý chất lượng không khí cấp tỉnh (1: đã ban hành)",
                                           "Provincial air-quality management plan (1: issued)"),
    # the spatial tasks and dated deliverables of the plan's sections I–IV
    "landslide_communes": ("Xã, phường có ≥ 10 % diện tích nguy cơ sạt lở cao, rất cao (xã)",
                           "Communes with ≥ 10 % of their area at high or very high landslide susceptibility"),
    "landslide_population": ("Dân số các xã có nguy cơ sạt lở cao (người)", "People in the communes most exposed to landslides"),
    "flash_flood_communes": ("Xã, phường có ≥ 10 % diện tích nguy cơ lũ quét cao, rất cao (xã)",
                             "Communes with ≥ 10 % of their area at high or very high flash-flood susceptibility"),
    "flash_flood_population": ("Dân số các xã có nguy cơ lũ quét cao (người)", "People in the communes most exposed to flash floods"),
    "disaster_deaths": ("Số người chết, mất tích do thiên tai (người)", "People dead or missing in natural disasters"),
    "disaster_events": ("Số điểm thiên tai đã ghi nhận (điểm)", "Natural-disaster events recorded"),
    "river_below_use_km": ("Chiều dài đoạn sông chưa đáp ứng mục đích sử dụng (km)", "River length below its designated use (km)"),
    "polluted_ponds_canals_remaining": ("Hồ ao, kênh mương ô nhiễm chưa cải tạo", "Polluted ponds, lakes and canals not yet restored"),
    "forest_cover_pct": ("Tỷ lệ che phủ rừng (%)", "Forest cover (%)"),
    "forest_cover_canopy_pct": ("Tỷ lệ che phủ rừng ước tính từ ảnh độ che phủ tán cây (%)",
                                "Forest cover estimated from tree-cover rasters (%)"),
    "protected_forest_cover_pct": ("Tỷ lệ che phủ rừng trong các khu bảo tồn (%)", "Forest cover in the protected areas (%)"),
    "buffer_forest_cover_pct": ("Tỷ lệ che phủ rừng vùng đệm các khu bảo tồn (%)", "Forest cover in the buffer zones (%)"),
    "green_growth_plan_done": ("Kế hoạch hành động tăng trưởng xanh 2021–2030 (1: đã hoàn thành)",
                               "Green-growth action plan 2021–2030 (1: done)"),
    "programmes_2026_2030_done": ("Chương trình, đề án, dự án bảo vệ môi trường, ứng phó biến đổi khí hậu 2026–2030 "
                                  "(1: đã hoàn thành)", "Environment and climate programmes 2026–2030 (1: done)"),
    "circular_economy_tasks_done": ("Nhiệm vụ kế hoạch hành động kinh tế tuần hoàn đến năm 2035 (1: đã hoàn thành)",
                                    "Circular-economy action plan tasks to 2035 (1: done)"),
    "ghg_inventory_sectors_done": ("Kiểm kê khí nhà kính cấp lĩnh vực (1: đã hoàn thành)",
                                   "Greenhouse-gas inventories of the sectors (1: done)"),
    "ghg_inventory_facilities_pct": ("Cơ sở phải kiểm kê khí nhà kính đã kiểm kê (%)",
                                     "Facilities required to inventory greenhouse gases that did (%)"),
    "ghg_facility_list_updated": ("Danh mục lĩnh vực, cơ sở phải kiểm kê khí nhà kính (1: đã cập nhật)",
                                  "List of sectors and facilities that must inventory greenhouse gases (1: updated)"),
    "forest_carbon_tc": ("Trữ lượng các-bon rừng (tấn C)", "Forest carbon stock (t C)"),
    "unused_land_ha": ("Diện tích đất chưa sử dụng, đất trống (ha)", "Unused and bare land (ha)"),
    "land_use_plan_2021_2025_evaluated": ("Đánh giá kế hoạch sử dụng đất 5 năm 2021–2025 (1: đã hoàn thành)",
                                          "Five-year land-use plan 2021–2025 evaluated (1: done)"),
    "land_use_planning_adjusted": ("Điều chỉnh quy hoạch sử dụng đất 2021–2030, tầm nhìn 2050 (1: đã phê duyệt)",
                                   "Land-use planning 2021–2030 adjusted (1: approved)"),
    "land_use_plan_2026_2030_approved": ("Kế hoạch sử dụng đất 5 năm 2026–2030 (1: đã phê duyệt)",
                                         "Five-year land-use plan 2026–2030 (1: approved)"),
    "water_security_plan_done": ("An ninh nguồn nước, an toàn đập, hồ chứa đến năm 2030 (1: đã hoàn thành)",
                                 "Water security and dam and reservoir safety to 2030 (1: done)"),
    "scattered_small_mines": ("Mỏ khoáng sản phân tán, nhỏ lẻ (mỏ)", "Scattered small mines"),
    "mines_outside_mineral_planning": ("Mỏ được cấp phép ngoài vùng quy hoạch khoáng sản (mỏ)",
                                       "Mines licensed outside the mineral planning areas"),
    "riverbed_mines_operating": ("Mỏ cát, sỏi lòng sông đang khai thác (mỏ)", "Riverbed sand and gravel mines worked"),
    "riverbed_mines_to_close": ("Mỏ cát, sỏi lòng sông phải đóng cửa (mỏ)", "Riverbed sand and gravel mines to close"),
    "natural_forest_converted_ha": ("Diện tích rừng tự nhiên bị chuyển đổi (ha)", "Natural forest converted (ha)"),
    "community_forest_ha": ("Diện tích rừng do cộng đồng quản lý (ha)", "Forest held by communities (ha)"),
    "unallocated_forest_ha": ("Diện tích rừng do UBND xã quản lý, chưa giao, cho thuê (ha)",
                              "Forest still held by commune People's Committees (ha)"),
    "auto_monitoring_transmitting_pct": ("Cơ sở phải quan trắc tự động đã truyền dữ liệu (%)",
                                         "Facilities required to monitor automatically that send their data (%)"),
    "urban_green_water_pct": ("Tỷ lệ cây xanh và mặt nước trong đô thị (%)", "Green space and water in towns (%)"),
    "air_towns_to_upgrade": ("Đô thị cần nâng cấp trạm quan trắc không khí tự động (đô thị)",
                             "Towns whose air sampling is to be upgraded to automatic stations"),
    "treatment_complexes": ("Khu liên hợp tái chế, xử lý chất thải liên vùng, liên xã (khu)",
                            "Inter-regional recycling and waste-treatment complexes"),
}
# the tracker's indicator column and the other coded values a Vietnamese sheet would show as ids
VALUE_LABELS["indicator"] = {**{k: (vi, en) for k, vi, en, _d in HEADLINES}, **_TARGET_INDICATORS}
VALUE_LABELS["class"] = {**{k: (vi, en) for k, vi, en in zip(_HAZARD.class_keys, _HAZARD.labels_vi,
                                                              _HAZARD.labels_en, strict=True)},
                         "no_data": ("Không có số liệu", "No data")}
for _c in ("origin", "forest_type", "volume_class"):  # carbon_by_class writes a class it lacks as "unknown"
    VALUE_LABELS[_c] = {"unknown": ("Chưa xác định", "Unknown")}
VALUE_LABELS["factor_id"] = {f["factor_id"]: (f["title_vi"], f["title_en"]) for f in _carbon_factors()}
VALUE_LABELS["comparison"] = {">=": ("≥", "≥"), "<=": ("≤", "≤"), "==": ("=", "="), ">": (">", ">"), "<": ("<", "<")}
#: columns whose values are those of another column (labelled with its labels)
LABELS_OF = {"origin_before": "origin", "origin_after": "origin"}


def _lang(lang: str) -> int:
    return 1 if lang == "en" else 0


def _vi(d: dict[str, tuple[str, str]]) -> dict[str, str]:
    return {k: v[0] for k, v in d.items()}


#: Vietnamese views (the workbook's headers and labels)
COLUMNS_VI: dict[str, str] = _vi(COLUMNS)
OVERRIDES_VI: dict[str, dict[str, str]] = {t: _vi(cols) for t, cols in OVERRIDES.items()}
SPECIAL_LABELS: dict[str, dict[str, str]] = {c: _vi(labels) for c, labels in VALUE_LABELS.items()}


def _matches(key: str, name: str) -> bool:
    return key == name or (key.endswith("_") and name.startswith(key))


def _override(table: str | None) -> dict[str, tuple[str, str]]:
    if table is None:
        return {}
    return next((v for k, v in OVERRIDES.items() if _matches(k, table)), {})


def table_titles(name: str) -> tuple[str, str, str]:
    """(sheet name ≤ 31 characters, Vietnamese title, English title) of table id ``name``; a
    prefix entry is completed with the rest of the id (``canopy_change_2020_2024`` → "… 2020–2024");
    an unknown id is its own title."""
    if name in TABLES:
        return TABLES[name]
    for prefix, (sheet, vi, en) in TABLES.items():
        if prefix.endswith("_") and name.startswith(prefix):
            rest = name[len(prefix):].replace("_", "–")
            return (sheet + rest)[:31], vi + rest, en + rest
    return name[:31], name, name


def column_title(column: str, lang: str = "vi", table: str | None = None) -> str:
    """The title of ``column`` in ``lang`` (``"vi"`` or ``"en"``), with the override of ``table``
    when it has one; the column name itself when the registry does not know it."""
    titles = _override(table).get(column) or COLUMNS.get(column)
    return column if titles is None else titles[_lang(lang)]


def column_titles(table: str, lang: str = "vi") -> dict[str, str]:
    """{column: title in ``lang``} of every known column, with the overrides of ``table`` applied."""
    i = _lang(lang)
    return {c: t[i] for c, t in {**COLUMNS, **_override(table)}.items()}


def vi_columns(table: str, columns) -> list:
    """The columns of ``table`` a Vietnamese sheet shows (:data:`VI_OMIT` left out), in order."""
    omit = next((v for k, v in VI_OMIT.items() if _matches(k, table)), ())
    return [c for c in columns if c not in omit]


def unknown_text(column: str, lang: str = "vi", table: str | None = None) -> str:
    """What an unknown number of ``column`` (of ``table``) reads in a written table: "không có số
    liệu" / "no data", or why it is unknown (:data:`UNKNOWN`, :data:`UNKNOWN_BY_TABLE`) — never a
    blank or 0."""
    by_table = next((v for k, v in UNKNOWN_BY_TABLE.items() if table is not None and _matches(k, table)), {})
    found = by_table.get(column) or UNKNOWN.get(column)
    return found[_lang(lang)] if found else MISSING["en" if lang == "en" else "vi"]


def value_label(column: str, value, lang: str = "vi"):
    """The label in ``lang`` of a coded ``value`` of ``column`` that the indicators make (e.g.
    ``relation`` ``"inside"`` → "Nằm trong" / "Inside"); ``value`` itself when it has none."""
    labels = VALUE_LABELS.get(column, {})
    try:
        found = labels.get(value)
    except TypeError:  # unhashable
        return value
    return value if found is None else found[_lang(lang)]


def headline_labels(lang: str = "vi") -> list[tuple[str, str, int]]:
    """The headline numbers every output shows: (key of ``results.headline``, label with its unit,
    decimals), in the summary's order; the site's index uses the same list."""
    return [(key, vi if lang == "vi" else en, dec) for key, vi, en, dec in HEADLINES]


@dataclass(frozen=True)
class Form:
    """How a table of an official form is laid out on its sheet: its number and title, where the
    layout comes from, and the headings over groups of its columns (``(heading, columns)``)."""

    number: str
    title_vi: str
    title_en: str
    layout_source: str
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    unit: str = "ha"


#: table id → its form (the annual forest-status announcement, gisplan.indicators.forest_tables)
FORMS: dict[str, Form] = {
    "forest_status_by_purpose": Form(
        "Biểu 1", "DIỆN TÍCH RỪNG VÀ DIỆN TÍCH CHƯA THÀNH RỪNG PHÂN THEO MỤC ĐÍCH SỬ DỤNG",
        "FOREST AND LAND NOT YET FOREST BY PURPOSE",
        "biểu công bố hiện trạng rừng cấp tỉnh phân theo mục đích sử dụng; hàng theo phân loại rừng của "
        "Thông tư 33/2018/TT-BNNPTNT, sửa đổi bởi Thông tư 16/2023/TT-BNNPTNT (Điều 6, 7: nguồn gốc, điều kiện lập "
        "địa, loài cây, trữ lượng) và cấu trúc Biểu 1 của Thông tư 25/2009/TT-BNN (A. có rừng, B. chưa thành rừng); "
        "cột theo mục đích sử dụng (Luật Lâm nghiệp 2017, Điều 5; mã malr3). Diện tích bản đồ của các lô.",
        (("Mục đích sử dụng", ("special_use_ha", "protection_ha", "production_ha", "outside_planning_ha")),)),
    "forest_status_by_owner": Form(
        "Biểu 2", "DIỆN TÍCH RỪNG VÀ DIỆN TÍCH CHƯA THÀNH RỪNG PHÂN THEO LOẠI CHỦ RỪNG",
        "FOREST AND LAND NOT YET FOREST BY OWNER CATEGORY",
        "biểu công bố hiện trạng rừng cấp tỉnh phân theo chủ rừng; hàng như Biểu 1; cột theo loại chủ rừng "
        "của Luật Lâm nghiệp 2017 (Điều 8) và UBND cấp xã quản lý diện tích chưa giao. Loại chủ rừng theo trường "
        "dtuong (1 hộ gia đình, cá nhân; 2 cộng đồng dân cư; 3 UBND xã); tổ chức theo tên chủ rừng (churung).",
        (("Loại chủ rừng", tuple(f"{k}_ha" for k in owner_categories()) + ("owner_unknown_ha",)),)),
    "forest_cover_official": Form(
        "Biểu 3", "DIỆN TÍCH RỪNG VÀ TỶ LỆ CHE PHỦ RỪNG THEO XÃ, PHƯỜNG", "FOREST AREA AND FOREST COVER BY COMMUNE/WARD",
        "biểu tỷ lệ che phủ rừng của công bố hiện trạng rừng cấp tỉnh; tỷ lệ che phủ = diện tích rừng đạt "
        "tiêu chí ÷ diện tích tự nhiên × 100 (Luật Lâm nghiệp 2017, Điều 2.5); xã, phường theo địa giới từ "
        "1/7/2025; lô vắt qua ranh giới được chia theo bản đồ.",
        (("Diện tích có rừng", ("forest_ha", "natural_ha", "plantation_ha")),)),
}
