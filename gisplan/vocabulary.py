"""The codes and classes the plan's numbers are stated in: one place for what the indicators
make and the outputs (maps, reports, the GeoPackage) show.

- :data:`WQI_BANDS` and :func:`wqi_band`: the six VN_WQI bands of Decision 1460/QĐ-TCMT (2019);
  :data:`POLLUTED_CLASSES` / :data:`POLLUTED_BANDS`: what counts as polluted;
- :data:`CONFLICT_SITE_TYPES` / :data:`CONFLICT_SITES`: the sites checked for conflicts with
  protected areas and their layer types;
- :data:`HEADLINES`: the headline numbers every run reports, each with its titles and decimals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gisplan.layer_types import load_layer_types

#: VN_WQI bands of Decision 1460/QĐ-TCMT (2019): (code, lower bound, Vietnamese, English, RGB)
WQI_BANDS = (
    ("very_good", 91, "Rất tốt", "Very good", (51, 51, 255)),
    ("good", 76, "Tốt", "Good", (0, 228, 0)),
    ("medium", 51, "Trung bình", "Medium", (255, 255, 0)),
    ("bad", 26, "Xấu", "Bad", (255, 126, 0)),
    ("poor", 10, "Kém", "Poor", (255, 0, 0)),
    ("heavily_polluted", 0, "Ô nhiễm rất nặng", "Heavily polluted", (126, 0, 35)),
)
POLLUTED_CLASSES = ("C", "D")
POLLUTED_BANDS = ("bad", "poor", "heavily_polluted")


def wqi_band(wqi) -> pd.Series:
    """VN_WQI band code for each value (NaN → None). 91–100 very_good, 76–90 good, 51–75
    medium, 26–50 bad, 10–25 poor, < 10 heavily_polluted. VN_WQI is an integer (Decision
    1460/QĐ-TCMT): values are rounded half up first, so 75.5 is 76 (good) and 50.4 is 50 (bad).

    Examples
    --------
    >>> list(wqi_band([95, 76, 75.5, 75.4, 50.5, 50.4, 10, 9.4, None]))
    ['very_good', 'good', 'good', 'medium', 'medium', 'bad', 'poor', 'heavily_polluted', None]
    """
    w = np.floor(pd.to_numeric(pd.Series(wqi, dtype="float64"), errors="coerce") + 0.5)
    codes = np.array([b[0] for b in WQI_BANDS], dtype=object)
    lows = np.array([b[1] for b in WQI_BANDS])
    idx = np.argmax(w.to_numpy()[:, None] >= lows[None, :], axis=1)
    out = np.where(w.isna(), None, codes[idx])
    return pd.Series(out, index=w.index, dtype=object)



@dataclass(frozen=True)
class ConflictSite:
    """A kind of site :func:`conflicts` checks against the protected areas: its ``site_type``
    in the table, the layer type of such sites (whose ``id_column`` in ``layers/types.toml``
    gives ``site_id``) and the column reported as its ``status``."""

    site_type: str
    layer_type: str
    status_column: str

    @property
    def id_column(self) -> str:
        """The sites' id column, from the layer type."""
        return load_layer_types()[self.layer_type].id_column


#: the sites checked for conflicts, in the order of :func:`conflicts`' keyword arguments
CONFLICT_SITE_TYPES = (ConflictSite("mine", "mines", "licence_status"),
                       ConflictSite("industrial_zone", "industrial_zones", "status"))
#: conflict ``site_type`` -> the layer type of its sites
CONFLICT_SITES = {s.site_type: s.layer_type for s in CONFLICT_SITE_TYPES}


#: the headline numbers every run reports (NaN, never 0, until a step computes them): (key of
#: ``results.headline``, Vietnamese title, English title, decimals) — the summary, the site's index
#: and the 2030 tracker read them
HEADLINES = [
    ("forest_cover_province_pct", "Tỷ lệ che phủ rừng toàn tỉnh (%)", "Forest cover of the province (%)", 2),
    ("wastewater_compliant_pct", "KCN, CCN đang hoạt động có HTXLNT tập trung đạt quy chuẩn (%)",
     "Operating industrial zones/clusters with a compliant central WWTP (%)", 2),
    ("new_zones_compliant_pct", "KCN, CCN đầu tư mới đã hoạt động có HTXLNT đạt quy chuẩn (%)",
     "New industrial zones/clusters in operation with a compliant WWTP (%)", 2),
    ("mines_to_close", "Mỏ hết hạn, bị thu hồi giấy phép hoặc hết trữ lượng chưa đóng cửa (mỏ)",
     "Mines with an expired or revoked licence or exhausted reserves not yet closed (mines)", 0),
    ("landfills_needing_remediation", "Bãi chôn lấp đã đóng cửa cần cải tạo, phục hồi (bãi)",
     "Closed landfills needing remediation (sites)", 0),
    ("air_automatic_towns_pct", "Đô thị đặc biệt, loại I, II có trạm quan trắc không khí tự động (%)",
     "Special, class I and II towns with an automatic air-monitoring station (%)", 2),
    ("polluted_river_km", "Chiều dài sông ô nhiễm (mức C, D hoặc VN_WQI < 51) (km)",
     "Polluted river length (class C, D or VN_WQI < 51) (km)", 2),
    ("closed_landfills_remediated_pct", "Bãi chôn lấp đã đóng cửa được cải tạo, phục hồi (%)",
     "Closed landfills remediated (%)", 2),
    ("landfills_serious_pollution", "Bãi chôn lấp gây ô nhiễm môi trường nghiêm trọng chưa cải tạo, phục hồi (bãi)",
     "Landfills causing serious pollution not yet remediated (sites)", 0),
    ("auto_monitoring_installed_pct", "Cơ sở, KCN, CCN thuộc đối tượng đã lắp đặt quan trắc tự động nguồn thải (%)",
     "Facilities and industrial zones required to monitor automatically that have installed it (%)", 2),
    ("communes_landslide_high_ge10pct", "Xã, phường có ≥ 10 % diện tích nhạy cảm sạt lở mức cao, rất cao (xã)",
     "Communes/wards with ≥ 10 % of their area in high / very high landslide susceptibility (communes)", 0),
]
