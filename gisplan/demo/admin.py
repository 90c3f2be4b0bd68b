"""Administrative units of the synthetic province: its outline (8,375.21 km²), the ~92 communes
and wards of 2025 (names from Vietnamese syllables), and the pre-2025 communes that merged into
them, with their old district and province (the old→new crosswalk).

All geometries in EPSG:9213 metres; every function draws from the ``rng`` it is given, in a fixed
order (:func:`gisplan.demo.province.build_demo` calls them).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from gisplan.demo.geometry import CRS, lonlat, random_points_in, scaled, voronoi_tiling

PROVINCE_AREA_KM2 = 8375.21
_FIRST = ["Tân", "Hòa", "Phú", "Yên", "Đồng", "Minh", "Quang", "Thanh", "Bình", "Vạn", "Hợp",
          "Thượng", "Nam", "Kim", "Văn", "Xuân", "Cao", "Lạc", "Thủy", "Thịnh", "Hưng", "Phúc",
          "Lương", "An", "Định", "Sơn", "Tiến", "Trung", "Vĩnh", "Phượng", "Quảng", "Cẩm",
          "Nghĩa", "Bằng", "Khánh", "Hà", "Liên", "Điềm", "Hóa", "Quân"]
_SECOND = ["Hòa", "Thịnh", "Cường", "Tiến", "Lợi", "Phong", "Sơn", "Thủy", "Bình", "Hóa",
           "Lương", "Phúc", "Hưng", "Xuân", "Long", "Thành", "Linh", "Vân", "Trung", "Đức",
           "Quang", "Yên", "Khánh", "Mỹ", "Lạc", "Hợp", "Đồng", "Thượng", "Chu", "Kỳ"]



_OUTLINE = [(105.75, 22.74), (105.95, 22.69), (106.15, 22.62), (106.27, 22.45), (106.22, 22.20),
            (106.14, 22.00), (106.18, 21.80), (106.12, 21.60), (106.08, 21.42), (105.97, 21.27),
            (105.82, 21.25), (105.70, 21.36), (105.57, 21.52), (105.50, 21.70), (105.55, 21.86),
            (105.40, 22.05), (105.32, 22.22), (105.32, 22.42), (105.44, 22.53), (105.60, 22.66)]


def province_outline(rng) -> shapely.Polygon:
    """An organic outline shaped like the province (approximate), of exactly 8,375.21 km²."""
    rough = shapely.segmentize(shapely.Polygon([lonlat(*p) for p in _OUTLINE]), 1_500)
    center = np.array(rough.centroid.coords[0])
    xy = shapely.get_coordinates(rough)[:-1]
    theta = np.arctan2(xy[:, 1] - center[1], xy[:, 0] - center[0])
    wiggle = np.ones(len(xy))
    for k in range(3, 40, 2):  # smooth fractal-ish noise on the radius
        wiggle += 0.09 / k ** 0.8 * rng.normal() * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    xy = center + (xy - center) * wiggle[:, None]
    shape = shapely.Polygon(xy).buffer(1_500).buffer(-1_500)
    shape = shapely.segmentize(shapely.simplify(shape, 60), 800)
    shape = scaled(shape, tuple(center), PROVINCE_AREA_KM2 * 1e6)
    return shape if shape.is_valid else shapely.make_valid(shape)


def commune_names(n: int, rng) -> list[str]:
    pairs = [(a, b) for a in _FIRST for b in _SECOND if a != b]
    idx = rng.permutation(len(pairs))[:n]
    return [f"{pairs[i][0]} {pairs[i][1]}" for i in idx]


def communes(province, rng) -> gpd.GeoDataFrame:
    city = np.array(lonlat(105.84, 21.59))
    bk = np.array(lonlat(105.83, 22.15))
    def density(x, y):
        d_city = np.hypot(x - city[0], y - city[1])
        d_bk = np.hypot(x - bk[0], y - bk[1])
        return 0.25 + 0.75 * np.exp(-d_city / 15_000) + 0.5 * np.exp(-d_bk / 6_000)
    pts = random_points_in(province, 92, rng, weight=density)
    # relax once (Lloyd) for plausible shapes
    cells = voronoi_tiling(pts, province)
    pts = shapely.get_coordinates(shapely.centroid(cells))
    pts = 0.5 * pts + 0.5 * shapely.get_coordinates(shapely.centroid(voronoi_tiling(pts, province)))
    cells = voronoi_tiling(pts, province)
    cent = shapely.get_coordinates(shapely.centroid(cells))
    d_city = np.hypot(*(cent - city).T)
    d_bk = np.hypot(*(cent - bk).T)
    ward = np.zeros(len(cells), bool)
    ward[np.argsort(d_city)[:12]] = True
    ward[np.argsort(d_bk)[:3]] = True
    order = np.argsort(-cent[:, 1] * 1e3 + cent[:, 0] / 1e3)  # north to south
    cells, ward, cent = cells[order], ward[order], cent[order]
    names = commune_names(len(cells), rng)
    names[int(np.argmin(np.hypot(*(cent - city).T)))] = "Phan Đình Phùng"
    names[int(np.argmin(np.hypot(*(cent - bk).T)))] = "Đức Xuân"
    area_km2 = shapely.area(cells) / 1e6
    codes = [f"{1000 + 37 * i:05d}" if cent[i, 1] > old_border_y() else f"{5500 + 29 * i:05d}"
             for i in range(len(cells))]
    pop = np.where(ward, rng.integers(18_000, 60_000, len(cells)), rng.integers(4_000, 16_000, len(cells)))
    return gpd.GeoDataFrame({
        "code": codes,
        "name": [("Phường " if w else "Xã ") + n for n, w in zip(names, ward, strict=True)],
        "unit_type": np.where(ward, "phuong", "xa"),
        "area_km2_official": np.round(area_km2 * (1 + rng.normal(0, 0.002, len(cells))), 2),
        "population": pop,
    }, geometry=cells, crs=CRS)


def old_border_y() -> float:
    """Northing of the former Thái Nguyên / Bắc Kạn border (~58 % of the area to the north)."""
    return float(lonlat(105.8, 21.86)[1])


def communes_pre2025(communes: gpd.GeoDataFrame, rng) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    districts_tn = ["Định Hóa", "Phú Lương", "Đại Từ", "Võ Nhai", "Đồng Hỷ", "Phú Bình",
                    "TP. Thái Nguyên", "TP. Sông Công", "TP. Phổ Yên"]
    districts_bk = ["Ba Bể", "Pác Nặm", "Ngân Sơn", "Bạch Thông", "Chợ Đồn", "Chợ Mới", "Na Rì", "TP. Bắc Kạn"]
    border = old_border_y()
    code = 100
    for rec, geom in zip(communes.itertuples(), communes.geometry, strict=True):
        k = int(rng.choice([1, 2, 3, 4, 5], p=[0.04, 0.26, 0.36, 0.24, 0.10]))
        if k == 1:
            pieces = [geom]
        else:
            pts = random_points_in(geom, k, rng)
            pieces = list(voronoi_tiling(pts, geom))
        c = geom.centroid
        north = c.y > border
        dist_list = districts_bk if north else districts_tn
        district = dist_list[int((c.x * 7 + c.y * 3) // 9_000) % len(dist_list)]
        base = rec.name.split(" ", 1)[1]
        old_names = [base] + commune_names(k - 1, rng)
        for j, (piece, nm) in enumerate(zip(pieces, old_names, strict=True)):
            nm = nm.replace("Hòa", "Hoà").replace("Thủy", "Thuỷ") if j % 2 else nm
            utype = "phuong" if rec.unit_type == "phuong" else ("thi_tran" if j == 0 and rng.uniform() < 0.08 else "xa")
            prefix = {"phuong": "Phường", "thi_tran": "Thị trấn", "xa": "Xã"}[utype]
            rows.append({"code": f"{code:05d}", "name": f"{prefix} {nm}", "unit_type": utype,
                         "district": district, "province_old": "Bắc Kạn" if north else "Thái Nguyên",
                         "new_code": rec.code, "new_name": rec.name})
            geoms.append(piece)
            code += 7
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def province_layer(outline: shapely.Polygon) -> gpd.GeoDataFrame:
    """The province layer: one feature, the outline, with its code and official area."""
    return gpd.GeoDataFrame({"code": ["19"], "name": ["Thái Nguyên"], "area_km2_official": [PROVINCE_AREA_KM2]},
                            geometry=[outline], crs=CRS)
