"""Sites of the synthetic province: urban areas (the towns at approximate positions, by urban
class), industrial zones and clusters (wastewater treatment status), mines (licences, riverbed
sand, conflicts with protected areas), waste sites, monitoring stations (air, surface water,
wastewater) and the facilities that must monitor their discharges automatically. Named sites at
approximate real positions are moved inside the synthetic outline. :func:`plan_attributes` adds
what the 2030 tracker reads (mine areas, scattered small deposits, seriously polluting landfills,
the water-quality class each river section's use requires, data transmission) from its own random
stream, so the layers drawn before it keep their values.

All geometries in EPSG:9213 metres; every function draws from the ``rng`` it is given.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import shapely
import shapely.ops

from gisplan.demo.admin import old_border_y
from gisplan.demo.geometry import CRS, blob, clip, lonlat, random_points_in

# towns (lon, lat, urban class) — approximate positions
TOWNS = {
    "Thái Nguyên": (105.84, 21.59, "I"),
    "Sông Công": (105.84, 21.47, "II"),
    "Phổ Yên": (105.87, 21.42, "III"),
    "Bắc Kạn": (105.83, 22.15, "III"),
    "Đại Từ": (105.64, 21.63, "IV"),
    "Định Hóa": (105.63, 21.91, "IV"),
    "Phú Bình": (105.98, 21.49, "IV"),
    "Chợ Mới": (105.78, 21.88, "V"),
    "Chợ Đồn": (105.58, 22.18, "V"),
    "Na Rì": (106.11, 22.26, "V"),
}


def urban_areas(province, communes, rng) -> gpd.GeoDataFrame:
    area_by_class = {"I": 180e6, "II": 95e6, "III": 60e6, "IV": 25e6, "V": 10e6}
    rows, geoms = [], []
    for i, (name, (lon, lat, cls)) in enumerate(TOWNS.items()):
        g = blob(lonlat(lon, lat), area_by_class[cls], rng, roughness=0.3).intersection(province)
        prefix = "Thành phố" if cls in ("I", "II") else "Đô thị"
        rows.append({"urban_id": f"DT{i + 1:02d}", "name": f"{prefix} {name}", "urban_class": cls,
                     "population": int(area_by_class[cls] / 1e6 * rng.uniform(1_500, 2_500))})
        geoms.append(g)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def industrial_zones(province, communes, rng) -> gpd.GeoDataFrame:
    kcn = [("KCN Sông Công I", 105.85, 21.48, "operating", "compliant"),
           ("KCN Sông Công II", 105.87, 21.45, "operating", "compliant"),
           ("KCN Yên Bình", 105.90, 21.44, "operating", "compliant"),
           ("KCN Điềm Thụy", 105.96, 21.55, "operating", "non_compliant"),
           ("KCN Nam Phổ Yên", 105.86, 21.38, "operating", "compliant"),
           ("KCN Tây Phổ Yên", 105.78, 21.41, "under_construction", "under_construction"),
           ("KCN Quyết Thắng", 105.80, 21.61, "operating", "under_construction"),
           ("KCN Thanh Bình", 105.82, 21.97, "operating", "compliant")]
    rows, geoms = [], []
    for i, (name, lon, lat, status, ww) in enumerate(kcn):
        ha = float(rng.uniform(150, 400))
        geoms.append(blob(lonlat(lon, lat), ha * 1e4, rng, roughness=0.08))
        rows.append({"zone_id": f"KCN{i + 1:02d}", "name": name, "zone_type": "kcn", "status": status,
                     "wwtp_status": ww, "wwtp_capacity_m3_day": None if ww == "none" else float(rng.integers(2, 20) * 1000),
                     "auto_monitoring": ww == "compliant", "established_year": int(rng.integers(2005, 2022)),
                     "area_ha_official": round(ha, 1)})
    south = communes[communes.geometry.centroid.y < old_border_y()]
    weights = np.where(south["unit_type"] == "phuong", 3.0, 1.0)
    pick = rng.choice(len(south), 35, replace=True, p=weights / weights.sum())
    for j, k in enumerate(pick):
        commune = south.iloc[k]
        pt = random_points_in(commune.geometry.buffer(-300), 1, rng)[0]
        ha = float(rng.uniform(20, 75))
        year = int(rng.integers(2008, 2028))
        status = "planned" if year >= 2027 else ("under_construction" if year >= 2025 else "operating")
        ww = rng.choice(["compliant", "none", "under_construction", "non_compliant"], p=[0.45, 0.3, 0.15, 0.1])
        if status != "operating" and ww == "compliant":
            ww = "none"
        geoms.append(blob(tuple(pt), ha * 1e4, rng, roughness=0.06))
        rows.append({"zone_id": f"CCN{j + 1:02d}", "name": f"CCN {commune['name'].split(' ', 1)[1]} {j % 3 + 1}",
                     "zone_type": "ccn", "status": status, "wwtp_status": str(ww),
                     "wwtp_capacity_m3_day": None if ww == "none" else float(rng.integers(3, 20) * 100),
                     "auto_monitoring": bool(ww == "compliant" and rng.uniform() < 0.5),
                     "established_year": year, "area_ha_official": round(ha, 1)})
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)
    gdf["geometry"] = clip(gdf.geometry.values, province)
    return gdf[~gdf.geometry.is_empty]


def mines(province, pas, rivers, rng) -> gpd.GeoDataFrame:
    minerals = ["Than", "Quặng sắt", "Chì - kẽm", "Thiếc", "Vonfram", "Đá vôi xây dựng",
                "Sét gạch ngói", "Vàng", "Đất san lấp"]
    rows, geoms = [], []
    ref = dt.date(2025, 12, 31)
    def add(geom, mineral, riverbed=False, expired=None, operating=None):
        i = len(rows) + 1
        expiry = dt.date(int(rng.integers(2015, 2036)), int(rng.integers(1, 13)), 1)
        if expired is not None:
            expiry = dt.date(2022, 6, 30) if expired else dt.date(2032, 6, 30)
        status = "expired" if expiry < ref else "valid"
        if status == "expired" and operating is None:
            operating = rng.uniform() < 0.25  # some are still worked
            if not operating and rng.uniform() < 0.5:
                status = "closed"
        if operating is None:
            operating = status == "valid"
        rows.append({"mine_id": f"M{i:03d}", "name": f"Mỏ {mineral.lower()} số {i}", "mineral": mineral,
                     "licence_no": f"{int(rng.integers(100, 2999))}/GP-UBND", "licence_expiry": expiry,
                     "licence_status": status, "operating": bool(operating), "riverbed": riverbed})
        geoms.append(geom)
    hills = province.difference(shapely.union_all(rivers.buffer(2_000).values))
    for xy in random_points_in(hills, 45, rng):
        add(shapely.Point(xy), str(rng.choice(minerals)))
    # riverbed sand and gravel, on the rivers
    main = rivers[rivers.river_name.isin(["Sông Cầu", "Sông Công"])]
    for _ in range(10):
        sec = main.geometry.iloc[int(rng.integers(0, len(main)))]
        pt = sec.interpolate(float(rng.uniform(0.1, 0.9)), normalized=True)
        add(shapely.Point(pt.x + rng.normal(0, 40), pt.y + rng.normal(0, 40)), "Cát, sỏi lòng sông", riverbed=True)
    # a riverbed licence far from any river (suspicious position)
    far = random_points_in(province.difference(shapely.union_all(rivers.buffer(5_000).values)), 1, rng)[0]
    add(shapely.Point(far), "Cát, sỏi lòng sông", riverbed=True)
    # conflicts with protected areas: inside, and just outside
    core = pas[pas.zone != "buffer"]
    for k, pa in enumerate(core.itertuples()):
        if k % 2 == 0:
            add(pa.geometry.representative_point(), str(rng.choice(minerals)), operating=True)
        edge = shapely.Point(shapely.get_coordinates(pa.geometry.exterior if pa.geometry.geom_type == "Polygon"
                                                     else max(pa.geometry.geoms, key=lambda g: g.area).exterior)[0])
        c = pa.geometry.centroid
        v = np.array([edge.x - c.x, edge.y - c.y])
        v /= np.linalg.norm(v)
        add(shapely.Point(edge.x + v[0] * 600, edge.y + v[1] * 600), str(rng.choice(minerals)))
    # expired but still operating
    for xy in random_points_in(hills, 5, rng):
        add(shapely.Point(xy), str(rng.choice(minerals)), expired=True, operating=True)
    # a few mine areas as polygons
    for xy in random_points_in(hills, 4, rng):
        add(blob(tuple(xy), float(rng.uniform(5, 40)) * 1e4, rng), "Đá vôi xây dựng")
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)
    return gdf[gdf.geometry.within(province.buffer(1))]


def waste_sites(province, communes, rng) -> gpd.GeoDataFrame:
    named = [("Bãi chôn lấp Đá Mài", 105.80, 21.62, "landfill", "operating", True),
             ("Khu xử lý chất thải rắn Tân Cương", 105.77, 21.57, "treatment_complex", "operating", False),
             ("Lò đốt rác Sông Công", 105.83, 21.49, "incinerator", "operating", False),
             ("Bãi rác Khuổi Mật", 105.85, 22.17, "landfill", "operating", True),
             ("Bãi chôn lấp Phổ Yên cũ", 105.89, 21.40, "landfill", "closed", True)]
    rows, geoms = [], []
    for i, (name, lon, lat, kind, status, rem) in enumerate(named):
        rows.append({"site_id": f"CT{i + 1:02d}", "name": name, "site_type": kind, "status": status,
                     "needs_remediation": rem, "capacity_t_day": float(rng.integers(50, 600))})
        geoms.append(_inside(shapely.Point(lonlat(lon, lat)), province))
    for xy in random_points_in(province, 10, rng):
        i = len(rows) + 1
        commune = communes.iloc[int(np.argmin(communes.distance(shapely.Point(xy))))]
        status = str(rng.choice(["operating", "closed"], p=[0.5, 0.5]))
        kind = str(rng.choice(["landfill", "open_dump"], p=[0.7, 0.3]))
        rows.append({"site_id": f"CT{i:02d}", "name": f"Bãi rác {commune['name'].split(' ', 1)[1]}",
                     "site_type": kind, "status": status,
                     "needs_remediation": bool(status == "closed" or kind == "open_dump"),
                     "capacity_t_day": float(rng.integers(5, 60))})
        geoms.append(shapely.Point(xy))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def _inside(point: shapely.Point, province, margin_m: float = 500.0) -> shapely.Point:
    """``point`` when it lies in the province, else the nearest point ``margin_m`` inside it: the
    named sites are placed at approximate real positions, and the synthetic outline is not the
    real one, so a few would fall just outside it."""
    if province.contains(point):
        return point
    return shapely.ops.nearest_points(province.buffer(-margin_m), point)[0]


def stations(province, rivers, zones, rng) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    def add(name, medium, mode, pt):
        rows.append({"station_id": f"QT{len(rows) + 1:02d}", "name": name, "medium": medium, "mode": mode})
        geoms.append(pt)
    for name, lon, lat, mode in [("Trạm không khí Phan Đình Phùng", 105.842, 21.592, "automatic"),
                                 ("Trạm không khí Gia Sàng", 105.86, 21.57, "automatic"),
                                 ("Trạm không khí Phổ Yên", 105.90, 21.35, "automatic"),
                                 ("Trạm không khí Bắc Kạn", 105.835, 22.148, "manual"),
                                 ("Điểm quan trắc không khí Đại Từ", 105.64, 21.63, "manual"),
                                 ("Điểm quan trắc không khí Phú Bình", 105.98, 21.49, "manual")]:
        add(name, "air", mode, _inside(shapely.Point(lonlat(lon, lat)), province))
    for k in rng.choice(len(rivers), min(10, len(rivers)), replace=False):
        sec = rivers.iloc[int(k)]
        add(f"Quan trắc nước {sec.river_name} ({sec.section_id})", "surface_water",
            "automatic" if rng.uniform() < 0.3 else "manual", sec.geometry.interpolate(0.5, normalized=True))
    for z in zones[zones.wwtp_status == "compliant"].head(6).itertuples():
        add(f"Quan trắc nước thải {z.name}", "wastewater", "automatic", z.geometry.representative_point())
    # a manual sampling point in the class II town (no draw: the stations above keep their ids)
    add("Điểm quan trắc không khí Sông Công", "air", "manual",
        _inside(shapely.Point(lonlat(105.835, 21.475)), province))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


#: sectors of the facilities that must monitor automatically, and what they discharge
SECTORS = {"Luyện kim": "both", "Sản xuất xi măng": "emissions", "Nhiệt điện": "emissions",
           "Sản xuất giấy": "wastewater", "Chế biến khoáng sản": "both", "Dệt nhuộm": "wastewater",
           "Chế biến thực phẩm": "wastewater", "Linh kiện điện tử": "wastewater"}


def facilities(province, zones, urban, rng) -> gpd.GeoDataFrame:
    """Facilities that must monitor their wastewater or emissions automatically (Decree 08/2022,
    Art. 97–98): one to three in each operating industrial zone or cluster with a treatment plant,
    and some outside the zones near the towns; about 70 % have installed the system and most of
    those send their data. Names are generic (sector and number): no real facility is meant."""
    rows, geoms = [], []
    sectors = list(SECTORS)

    def add(pt, zone_id):
        sector = sectors[int(rng.integers(0, len(sectors)))]
        installed = bool(rng.uniform() < 0.7)
        sent = bool(installed and rng.uniform() < 0.8)
        i = len(rows) + 1
        rows.append({"facility_id": f"CS{i:03d}", "name": f"Cơ sở {sector.lower()} số {i}", "sector": sector,
                     "zone_id": zone_id, "discharge": SECTORS[sector], "auto_installed": installed,
                     "data_transmitted": sent})
        geoms.append(shapely.Point(pt))

    hosts = zones[(zones["status"] == "operating") & zones["wwtp_status"].isin(["compliant", "non_compliant"])]
    for z in hosts.itertuples():
        for pt in random_points_in(z.geometry, int(rng.integers(1, 4)), rng):
            add(pt, z.zone_id)
    towns = shapely.union_all(urban.geometry.buffer(3_000).values).intersection(province)
    outside = towns.difference(shapely.union_all(zones.geometry.buffer(200).values))
    for pt in random_points_in(outside, 12, rng):
        add(pt, None)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def plan_attributes(layers: dict[str, gpd.GeoDataFrame], rng) -> None:
    """Fill, in place, the attributes the 2030 tracker reads, from ``rng`` (a stream of its own):

    * mines: ``area_ha`` (the polygon's area, else a licensed area drawn by mineral) and
      ``scattered_small`` (the demo marks brick clay and fill earth under 5 ha as delineated
      scattered small deposits);
    * waste sites: ``serious_pollution`` for some landfills and dumps needing remediation;
    * river sections: ``designated_class``, the QCVN 08:2023 class their use requires (class A
      upstream of Thái Nguyên city on the Cầu and Công, where the town takes its water; B elsewhere,
      a quarter of the tributary sections A);
    * industrial zones: ``auto_data_transmitted`` (most zones that monitor automatically send).
    """
    mines = layers["mines"]
    poly = mines.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    small = {"Sét gạch ngói": (0.5, 8.0), "Đất san lấp": (0.5, 8.0), "Cát, sỏi lòng sông": (1.0, 12.0)}
    drawn = np.array([rng.uniform(*small.get(m, (3.0, 60.0))) for m in mines["mineral"]])
    area = np.where(poly, mines.area.to_numpy() / 1e4, drawn)
    mines["area_ha"] = np.round(area, 2)
    mines["scattered_small"] = mines["mineral"].isin(["Sét gạch ngói", "Đất san lấp"]).to_numpy() & (area < 5.0)

    ws = layers["waste_sites"]
    dump = ws["site_type"].isin(["landfill", "open_dump"]).to_numpy()
    todo = dump & ws["needs_remediation"].astype(bool).to_numpy() & (ws["status"] != "remediated").to_numpy()
    ws["serious_pollution"] = todo & (rng.uniform(size=len(ws)) < 0.6)

    rivers = layers["river_sections"]
    city_y = lonlat(105.84, 21.59)[1]
    start_y = np.array([g.coords[0][1] for g in rivers.geometry])
    main = rivers["river_name"].isin(["Sông Cầu", "Sông Công"]).to_numpy()
    upstream = main & (start_y >= city_y + 3_000)
    rivers["designated_class"] = np.where(upstream | (~main & (rng.uniform(size=len(rivers)) < 0.25)), "A", "B")

    zones = layers["industrial_zones"]
    monitored = zones["auto_monitoring"].astype(bool).to_numpy()
    zones["auto_data_transmitted"] = monitored & (rng.uniform(size=len(zones)) < 0.75)


def roads(province, urban) -> gpd.GeoDataFrame:
    """The road network joining the towns: the shortest tree over the urban areas' centres (a road
    to every town), each road bent gently halfway, cut to the province. Drawn without random
    numbers, so adding it changes no other layer of a seed. Roads from class I–III towns to each
    other are national roads, the rest provincial."""
    from scipy.sparse.csgraph import minimum_spanning_tree

    centres = shapely.get_coordinates(urban.geometry.representative_point().to_numpy())
    names, classes = urban["name"].to_numpy(), urban["urban_class"].to_numpy()
    dist = np.hypot(*(centres[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
    tree = minimum_spanning_tree(dist).tocoo()
    rows, geoms = [], []
    for k, (i, j) in enumerate(sorted(zip(tree.row.tolist(), tree.col.tolist(), strict=True))):
        a, b = centres[i], centres[j]
        mid = (a + b) / 2 + np.array([-(b - a)[1], (b - a)[0]]) * 0.12 * (1 if k % 2 else -1)
        line = shapely.intersection(shapely.LineString([a, mid, b]), province)
        if line.is_empty:
            continue
        national = classes[i] in ("I", "II", "III") and classes[j] in ("I", "II", "III")
        rows.append({"road_id": f"D{len(rows) + 1:02d}", "name": f"Đường {names[i]} – {names[j]}",
                     "road_class": "Quốc lộ" if national else "Đường tỉnh"})
        geoms.append(line)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)
