"""Nature of the synthetic province: the seven protected areas the plan names (approximate
positions and official areas, zones and buffer), the rivers cut into monitored sections (Cầu-like
and Công-like rivers and tributaries, QCVN classes and VN_WQI), and the forest-status parcels of
2020 and 2024 (origin, purpose, forest type; harvest, replanting and loss between the years).

All geometries in EPSG:9213 metres; every function draws from the ``rng`` it is given.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisplan.demo.geometry import (
    CRS,
    blob,
    lonlat,
    meander,
    random_points_in,
    scaled,
    split_line,
    voronoi_tiling,
)


def protected_areas(province, rng) -> gpd.GeoDataFrame:
    recs = []
    def add(pa_id, name, cat, level, zone, geom, official, decision, fid=None):
        recs.append({"feature_id": fid or pa_id, "pa_id": pa_id, "name": name, "category": cat,
                     "level": level, "zone": zone, "decision": decision,
                     "official_area_ha": official, "approximate": True, "geometry": geom})
    bb_c = lonlat(105.62, 22.41)
    bb_shape = blob(bb_c, 1.0, rng, elongation=1.3, angle_deg=20)
    core = scaled(bb_shape, bb_c, 10_048e4)
    buffer_outer = scaled(bb_shape, bb_c, (10_048 + 24_000) * 1e4)
    add("BABE", "Vườn quốc gia Ba Bể", "national_park", "national", "whole",
        core.intersection(province), 10_048.0, "Quyết định 83/1992/QĐ-CT")
    add("BABE", "Vườn quốc gia Ba Bể — vùng đệm", "national_park", "national", "buffer",
        buffer_outer.difference(core).intersection(province), None, "Quyết định 83/1992/QĐ-CT", "BABE-VD")
    # the park (36,883 ha) runs along the ridge into Vĩnh Phúc and Tuyên Quang: only its eastern
    # slope inside Thái Nguyên is in the provincial layer
    td = blob(lonlat(105.58, 21.53), 36_883e4, rng, elongation=3.2, angle_deg=60, roughness=0.1)
    add("TAMDAO", "Vườn quốc gia Tam Đảo (phía Đông, địa phận Thái Nguyên)", "national_park",
        "national", "whole", td.intersection(province), 36_883.0, "Quyết định 601/1996/QĐ-TTg")
    add("THANSA", "Khu dự trữ thiên nhiên Thần Sa - Phượng Hoàng", "nature_reserve", "provincial",
        "whole", blob(lonlat(105.98, 21.82), 18_705e4, rng, elongation=1.2, angle_deg=-30).intersection(province),
        18_705.0, "Quyết định 3064/QĐ-UBND")
    add("KIMHY", "Khu dự trữ thiên nhiên Kim Hỷ", "nature_reserve", "provincial", "whole",
        blob(lonlat(106.05, 22.25), 14_800e4, rng, elongation=1.4, angle_deg=45).intersection(province),
        15_053.0, "Quyết định 1227/QĐ-UBND")
    nxl_c = lonlat(105.45, 22.33)
    nxl_shape = blob(nxl_c, 1.0, rng, elongation=1.1)
    strict = scaled(nxl_shape, nxl_c, 2_552.50e4)
    outer = scaled(nxl_shape, nxl_c, (2_552.50 + 1_586.12) * 1e4)
    edge = shapely.get_coordinates(outer.exterior)[0]
    direction = (edge - np.array(nxl_c)) / np.linalg.norm(edge - np.array(nxl_c))
    r_admin = np.sqrt(9.04e4 / np.pi)
    admin = shapely.Point(edge + direction * r_admin * 0.98).buffer(r_admin, 32)
    admin = scaled(admin, tuple(shapely.get_coordinates(admin.centroid)[0]), 9.04e4).difference(outer)
    decision = "Quyết định 1960/QĐ-UBND (2014)"
    name = "Khu bảo tồn loài - sinh cảnh Nam Xuân Lạc"
    add("NXL", name, "species_habitat_area", "provincial", "strict_protection", strict, 2_552.50, decision, "NXL-BVNN")
    add("NXL", name, "species_habitat_area", "provincial", "ecological_restoration",
        outer.difference(strict), 1_586.12, decision, "NXL-PHST")
    add("NXL", name, "species_habitat_area", "provincial", "administrative_service", admin, 9.04, decision, "NXL-DVHC")
    add("ATK", "Khu bảo vệ cảnh quan ATK Định Hóa", "landscape_protection_area", "national", "whole",
        blob(lonlat(105.63, 21.92), 6_000e4, rng).intersection(province), None, "Quyết định 2139/QĐ-UBND")
    add("THACGIENG", "Khu bảo vệ cảnh quan Thác Giềng", "landscape_protection_area", "provincial",
        "whole", blob(lonlat(105.86, 22.12), 600e4, rng).intersection(province), None, "Quyết định 1709/QĐ-UBND")
    add("RDD-DONGHY", "Rừng đặc dụng Đồng Hỷ", "other_special_use_forest", "provincial", "whole",
        blob(lonlat(105.93, 21.70), 1_200e4, rng).intersection(province), 1_200.0, "Quyết định 440/QĐ-UBND")
    gdf = gpd.GeoDataFrame(recs, geometry="geometry", crs=CRS)
    return gdf[~gdf.geometry.is_empty]


def rivers(province, rng) -> gpd.GeoDataFrame:
    cau = meander([lonlat(*p) for p in [(105.90, 22.66), (105.86, 22.40), (105.82, 22.15),
                                        (105.80, 21.88), (105.84, 21.59), (105.95, 21.45),
                                        (106.10, 21.30)]], rng, amplitude=1_800)
    cong = meander([lonlat(*p) for p in [(105.50, 21.82), (105.62, 21.68), (105.72, 21.60),
                                         (105.82, 21.46), (105.95, 21.36), (106.04, 21.33)]],
                   rng, amplitude=1_200)
    tribs = {
        "Sông Chợ Chu": [(105.58, 22.02), (105.66, 21.92), (105.80, 21.86)],
        "Sông Năng": [(105.48, 22.47), (105.60, 22.44), (105.78, 22.48)],
        "Sông Đu": [(105.72, 21.80), (105.78, 21.70), (105.83, 21.63)],
        "Sông Nghinh Tường": [(106.05, 21.95), (105.96, 21.85), (105.85, 21.75)],
    }
    lines = {"Sông Cầu": cau, "Sông Công": cong}
    lines.update({k: meander([lonlat(*p) for p in v], rng, amplitude=700) for k, v in tribs.items()})
    rows, geoms = [], []
    city = shapely.Point(lonlat(105.84, 21.59))
    for river, line in lines.items():
        line = line.intersection(province)
        parts = [line] if line.geom_type == "LineString" else sorted(
            shapely.get_parts(line), key=lambda g: -g.length)[:1]
        line = parts[0]
        pieces = split_line(line, rng.uniform(7_000, 14_000, 40))
        for k, piece in enumerate(pieces):
            start = shapely.Point(piece.coords[0])
            below_city = start.y < city.y + 3_000 and river in ("Sông Cầu", "Sông Công")
            if river == "Sông Cầu" and below_city:
                cls = rng.choice(["C", "D", "C"])
            elif below_city:
                cls = rng.choice(["B", "C"])
            elif k < 2:
                cls = "A"
            else:
                cls = rng.choice(["A", "B", "B"])
            lo, hi = {"A": (78, 98), "B": (55, 85), "C": (28, 60), "D": (12, 40)}[cls]
            rows.append({"section_id": f"{_slug(river)}-{k + 1:02d}", "river_name": river,
                         "qcvn_class": cls, "wqi": float(np.round(rng.uniform(lo, hi), 1)),
                         "monitoring_date": dt.date(2025, int(rng.integers(3, 11)), int(rng.integers(1, 28)))})
            geoms.append(piece)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def _slug(text: str) -> str:
    import unicodedata

    base = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in base if ch.isascii() and ch.isalnum()).upper()[:10]



def forest_status(province, pas, urban, rivers, parcels_target: int, rng):
    """Forest-status parcels for 2020 and 2024 tiling the forested land (about ``parcels_target``
    a year), and the other land of the tiling outside the towns (``open``, by year: land a
    forest office maps as not yet forest or other land; 2024 includes the natural forest lost)."""
    n_cells = int(parcels_target / 0.62)
    north = province.bounds[3]
    south = province.bounds[1]
    city = np.array(lonlat(105.84, 21.59))
    xy = random_points_in(province, n_cells, rng)
    cells = voronoi_tiling(xy, province)
    c = shapely.get_coordinates(shapely.centroid(cells))
    lat_frac = (c[:, 1] - south) / (north - south)  # 0 south … 1 north
    d_city = np.hypot(*(c - city).T)
    core = shapely.union_all(pas[pas.zone != "buffer"].geometry.values)
    in_pa = shapely.contains_xy(core, c[:, 0], c[:, 1])
    in_urban = shapely.contains_xy(shapely.union_all(urban.geometry.values), c[:, 0], c[:, 1])
    near_river = shapely.dwithin(shapely.union_all(rivers.geometry.values), shapely.points(c), 800)
    p_forest = 0.35 + 0.45 * lat_frac - 0.35 * np.exp(-d_city / 12_000)
    p_forest = np.where(in_pa, 0.95, p_forest)
    p_forest = np.where(in_urban | near_river, p_forest * 0.25, p_forest)
    u = rng.uniform(size=len(cells))
    forest = u < np.clip(p_forest, 0.02, 0.97)
    p_natural = np.clip(0.15 + 0.7 * lat_frac, 0, 0.95)
    natural = np.where(in_pa, rng.uniform(size=len(cells)) < 0.9, rng.uniform(size=len(cells)) < p_natural)
    limestone_band = (c[:, 0] > lonlat(105.95, 22.0)[0]) & (lat_frac > 0.35)
    r = rng.uniform(size=len(cells))
    nat_type = np.select([limestone_band & (r < 0.5), r < 0.55, r < 0.85],
                         ["limestone", "evergreen_broadleaf", "mixed_wood_bamboo"], "bamboo")
    r2 = rng.uniform(size=len(cells))
    plant_year = rng.integers(2004, 2020, len(cells))
    young = (~natural) & (plant_year >= 2017)
    plant_type = np.select([young, r2 < 0.6, r2 < 0.85], ["young_plantation", "plantation_acacia",
                                                          "plantation_eucalyptus"], "plantation_other")
    vol = np.where(natural, rng.choice(["rich", "medium", "poor", "very_poor"], len(cells), p=[0.1, 0.35, 0.35, 0.2]),
                   np.where(young, "none", rng.choice(["very_poor", "poor"], len(cells), p=[0.7, 0.3])))
    purpose = np.select([in_pa, (lat_frac > 0.55) & (rng.uniform(size=len(cells)) < 0.45) | near_river],
                        ["special_use", "protection"], "production")
    ids = np.array([f"LO{i:06d}" for i in range(len(cells))])
    base = pd.DataFrame({
        "parcel_id": ids,
        "origin": np.where(natural, "natural", "plantation"),
        "purpose": purpose,
        "forest_type": np.where(natural, nat_type, plant_type),
        "meets_criteria": ~(young & ~natural),
        "volume_class": vol,
        "site": np.where(natural & (nat_type == "limestone"), "limestone", "earth_mountain"),
        "plant_year": pd.array(np.where(natural, pd.NA, plant_year), dtype="Int64"),
    })
    f20 = base[forest].copy()
    f20["year"] = 2020
    # 2024: harvest and replant, young stands maturing, natural loss, new plantations
    f24 = base.copy()
    f24["year"] = 2024
    plantation = (~natural) & forest
    harvest = plantation & ~young & (rng.uniform(size=len(cells)) < 0.10)
    matured = young & forest & (plant_year <= 2019)
    lost = natural & forest & (rng.uniform(size=len(cells)) < 0.012)
    new = (~forest) & (~in_urban) & (rng.uniform(size=len(cells)) < 0.03)
    f24.loc[harvest | new, "forest_type"] = "young_plantation"
    f24.loc[harvest | new, "meets_criteria"] = False
    f24.loc[harvest | new, "volume_class"] = "none"
    f24.loc[harvest | new, "plant_year"] = rng.integers(2021, 2024, int((harvest | new).sum()))
    f24.loc[new, "origin"] = "plantation"
    f24.loc[new, "purpose"] = "production"
    f24.loc[matured, "forest_type"] = "plantation_acacia"
    f24.loc[matured, "meets_criteria"] = True
    f24.loc[matured, "volume_class"] = "very_poor"
    keep24 = (forest & ~lost) | new
    g20 = gpd.GeoDataFrame(f20, geometry=cells[forest], crs=CRS)
    g24 = gpd.GeoDataFrame(f24[keep24], geometry=cells[keep24], crs=CRS)
    # no draw from rng below: the layers drawn after the forest stay as they were
    limestone = limestone_band & (nat_type == "limestone")
    facts = pd.DataFrame({"parcel_id": ids, "near_river": near_river, "limestone": limestone, "purpose": purpose,
                          "lost_natural": lost, "lat_frac": lat_frac})
    open20 = ~forest & ~in_urban
    open24 = (~forest & ~new & ~in_urban) | lost
    others = {2020: gpd.GeoDataFrame(facts[open20], geometry=cells[open20], crs=CRS),
              2024: gpd.GeoDataFrame(facts[open24], geometry=cells[open24], crs=CRS)}
    return g20, g24, others
