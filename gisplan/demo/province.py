"""The built-in demo dataset: a deterministic, synthetic Thái Nguyên province.

``build_demo`` writes every layer of ``layers/demo.toml`` (EPSG:9213, canonical columns of
``layers/types.toml``): ~92 communes/wards tiling ~8,375 km², the pre-2025 communes with the
old→new crosswalk, the seven protected areas the plan names at approximate positions, tens of
thousands of forest-status parcels for 2020 and 2024, 30 m canopy rasters for both years and a
land-cover raster, mines, industrial zones/clusters, river sections along a Cầu-like and a
Công-like river, waste sites, monitoring stations, urban areas, a 90 m DEM (Tam Đảo range,
karst, river valleys) and an inventory of landslide and flood events (``gisplan.demo.dem``).

Everything is **synthetic** (``Dữ liệu mô phỏng — synthetic demo data``): positions and sizes of
the named protected areas and towns are approximate and clearly labelled; nothing else is real.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops

from gisplan._atomic import write_text
from gisplan.catalog import INSTALLED, LAYERS_DIR, SYNTHETIC_NOTE, Catalog
from gisplan.demo.dem import write_terrain
from gisplan.demo.geometry import (
    blob,
    clip,
    lonlat,
    meander,
    random_points_in,
    split_line,
    voronoi_tiling,
)
from gisplan.demo.rasters import write_rasters
from gisplan.io import write_layer

log = logging.getLogger(__name__)

GENERATOR_VERSION = "5"  # 3: Tam Đảo clipped to the province; 4: DEM and hazard events;
# 5: named sites at approximate positions kept inside the synthetic outline
PROVINCE_AREA_KM2 = 8375.21
MANIFEST = "demo_manifest.json"
CRS = "EPSG:9213"


@dataclass(frozen=True)
class DemoSize:
    parcels_target: int  # forest-status parcels per year (approximate)
    raster_res_m: float


SIZES = {"full": DemoSize(40_000, 30.0), "small": DemoSize(2_500, 120.0)}

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
_FIRST = ["Tân", "Hòa", "Phú", "Yên", "Đồng", "Minh", "Quang", "Thanh", "Bình", "Vạn", "Hợp",
          "Thượng", "Nam", "Kim", "Văn", "Xuân", "Cao", "Lạc", "Thủy", "Thịnh", "Hưng", "Phúc",
          "Lương", "An", "Định", "Sơn", "Tiến", "Trung", "Vĩnh", "Phượng", "Quảng", "Cẩm",
          "Nghĩa", "Bằng", "Khánh", "Hà", "Liên", "Điềm", "Hóa", "Quân"]
_SECOND = ["Hòa", "Thịnh", "Cường", "Tiến", "Lợi", "Phong", "Sơn", "Thủy", "Bình", "Hóa",
           "Lương", "Phúc", "Hưng", "Xuân", "Long", "Thành", "Linh", "Vân", "Trung", "Đức",
           "Quang", "Yên", "Khánh", "Mỹ", "Lạc", "Hợp", "Đồng", "Thượng", "Chu", "Kỳ"]


def default_out_dir() -> Path:
    """Where the demo is built by default: the folder the demo catalog (``layers/demo.toml``)
    points at (``data/demo`` of the source tree), or ``./data/demo`` for an installed gisplan."""
    if INSTALLED:
        return Path.cwd() / "data" / "demo"
    return demo_catalog_dir()


def demo_catalog_dir() -> Path:
    """The data folder named by the demo catalog ``layers/demo.toml`` itself."""
    return Catalog(LAYERS_DIR / "demo.toml").entry("province").path.parent


def is_built(out_dir: str | os.PathLike | None = None, *, seed: int = 2030, size: str = "full") -> bool:
    """True when ``out_dir`` holds a complete demo of this seed, size and generator version."""
    path = Path(out_dir or default_out_dir()) / MANIFEST
    if not path.exists():
        return False
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return False
    return (m.get("seed"), m.get("size"), m.get("generator_version")) == (seed, size, GENERATOR_VERSION) and all(
        (path.parent / f).exists() for f in m.get("files", [])
    )


def build_demo(out_dir: str | os.PathLike | None = None, *, seed: int = 2030, size: str = "full",
               overwrite: bool = False) -> Path:
    """Build the synthetic demo dataset and return its folder.

    Parameters
    ----------
    out_dir : destination (default: the folder ``layers/demo.toml`` points at, ``data/demo``).
    seed : random seed; the same seed gives the same data.
    size : ``"full"`` (~40,000 parcels a year, 30 m rasters; what ``make demo`` uses) or
        ``"small"`` (a few thousand parcels, 120 m rasters; seconds, for tests).
    overwrite : rebuild even when a complete demo of this seed and size is there.

    Returns
    -------
    The folder. Files are written atomically; ``demo_manifest.json`` is written last, so a
    half-built folder is rebuilt on the next call.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
    out = Path(out_dir or default_out_dir())
    if is_built(out, seed=seed, size=size) and not overwrite:
        log.info("demo dataset already built in %s", out)
        return out
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    spec = SIZES[size]
    layers = _generate(rng, spec)
    counts = {}
    for name, gdf in layers.items():
        gdf = gdf.reset_index(drop=True)
        gdf.attrs["gisplan"] = {"synthetic": True}
        write_layer(gdf, out / f"{name}.gpkg", layer=name, overwrite=True)
        counts[name] = len(gdf)
    counts.update(write_rasters(out, layers, spec.raster_res_m, rng))
    counts.update(write_terrain(out, layers, size, seed))
    files = sorted(p.name for p in out.iterdir() if p.suffix in (".gpkg", ".tif"))
    manifest = {"seed": seed, "size": size, "generator_version": GENERATOR_VERSION,
                "note": SYNTHETIC_NOTE, "crs": CRS, "created": dt.date.today().isoformat(),
                "counts": counts, "files": files}
    write_text(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
    return out


# ---------------------------------------------------------------------------------------------
def _generate(rng: np.random.Generator, spec: DemoSize) -> dict[str, gpd.GeoDataFrame]:
    province = _province(rng)
    communes = _communes(province, rng)
    pas = _protected_areas(province, rng)
    rivers = _rivers(province, rng)
    urban = _urban_areas(province, communes, rng)
    zones = _industrial_zones(province, communes, rng)
    parcels20, parcels24 = _forest_status(province, pas, urban, rivers, spec, rng)
    return {
        "province": gpd.GeoDataFrame({"code": ["19"], "name": ["Thái Nguyên"],
                                      "area_km2_official": [PROVINCE_AREA_KM2]},
                                     geometry=[province], crs=CRS),
        "communes": communes,
        "communes_pre2025": _pre2025(communes, rng),
        "protected_areas": pas,
        "forest_status_2020": parcels20,
        "forest_status_2024": parcels24,
        "mines": _mines(province, pas, rivers, rng),
        "industrial_zones": zones,
        "river_sections": rivers,
        "waste_sites": _waste_sites(province, communes, rng),
        "monitoring_stations": _stations(province, rivers, zones, rng),
        "urban_areas": urban,
    }


_OUTLINE = [(105.75, 22.74), (105.95, 22.69), (106.15, 22.62), (106.27, 22.45), (106.22, 22.20),
            (106.14, 22.00), (106.18, 21.80), (106.12, 21.60), (106.08, 21.42), (105.97, 21.27),
            (105.82, 21.25), (105.70, 21.36), (105.57, 21.52), (105.50, 21.70), (105.55, 21.86),
            (105.40, 22.05), (105.32, 22.22), (105.32, 22.42), (105.44, 22.53), (105.60, 22.66)]


def _province(rng) -> shapely.Polygon:
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
    shape = _scaled(shape, tuple(center), PROVINCE_AREA_KM2 * 1e6)
    return shape if shape.is_valid else shapely.make_valid(shape)


def _scaled(poly, center, area):
    """``poly`` scaled about ``center`` to exactly ``area`` m²."""
    s = np.sqrt(area / poly.area)
    return shapely.transform(poly, lambda c: (c - np.asarray(center)) * s + np.asarray(center))


def _names(n: int, rng) -> list[str]:
    pairs = [(a, b) for a in _FIRST for b in _SECOND if a != b]
    idx = rng.permutation(len(pairs))[:n]
    return [f"{pairs[i][0]} {pairs[i][1]}" for i in idx]


def _communes(province, rng) -> gpd.GeoDataFrame:
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
    names = _names(len(cells), rng)
    names[int(np.argmin(np.hypot(*(cent - city).T)))] = "Phan Đình Phùng"
    names[int(np.argmin(np.hypot(*(cent - bk).T)))] = "Đức Xuân"
    area_km2 = shapely.area(cells) / 1e6
    codes = [f"{1000 + 37 * i:05d}" if cent[i, 1] > _old_border_y(cent) else f"{5500 + 29 * i:05d}"
             for i in range(len(cells))]
    pop = np.where(ward, rng.integers(18_000, 60_000, len(cells)), rng.integers(4_000, 16_000, len(cells)))
    return gpd.GeoDataFrame({
        "code": codes,
        "name": [("Phường " if w else "Xã ") + n for n, w in zip(names, ward, strict=True)],
        "unit_type": np.where(ward, "phuong", "xa"),
        "area_km2_official": np.round(area_km2 * (1 + rng.normal(0, 0.002, len(cells))), 2),
        "population": pop,
    }, geometry=cells, crs=CRS)


def _old_border_y(cent) -> float:
    """Northing of the former Thái Nguyên / Bắc Kạn border (~58 % of the area to the north)."""
    return float(lonlat(105.8, 21.86)[1])


def _pre2025(communes: gpd.GeoDataFrame, rng) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    districts_tn = ["Định Hóa", "Phú Lương", "Đại Từ", "Võ Nhai", "Đồng Hỷ", "Phú Bình",
                    "TP. Thái Nguyên", "TP. Sông Công", "TP. Phổ Yên"]
    districts_bk = ["Ba Bể", "Pác Nặm", "Ngân Sơn", "Bạch Thông", "Chợ Đồn", "Chợ Mới", "Na Rì", "TP. Bắc Kạn"]
    border = _old_border_y(None)
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
        old_names = [base] + _names(k - 1, rng)
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


def _protected_areas(province, rng) -> gpd.GeoDataFrame:
    recs = []
    def add(pa_id, name, cat, level, zone, geom, official, decision, fid=None):
        recs.append({"feature_id": fid or pa_id, "pa_id": pa_id, "name": name, "category": cat,
                     "level": level, "zone": zone, "decision": decision,
                     "official_area_ha": official, "approximate": True, "geometry": geom})
    bb_c = lonlat(105.62, 22.41)
    bb_shape = blob(bb_c, 1.0, rng, elongation=1.3, angle_deg=20)
    core = _scaled(bb_shape, bb_c, 10_048e4)
    buffer_outer = _scaled(bb_shape, bb_c, (10_048 + 24_000) * 1e4)
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
    strict = _scaled(nxl_shape, nxl_c, 2_552.50e4)
    outer = _scaled(nxl_shape, nxl_c, (2_552.50 + 1_586.12) * 1e4)
    edge = shapely.get_coordinates(outer.exterior)[0]
    direction = (edge - np.array(nxl_c)) / np.linalg.norm(edge - np.array(nxl_c))
    r_admin = np.sqrt(9.04e4 / np.pi)
    admin = shapely.Point(edge + direction * r_admin * 0.98).buffer(r_admin, 32)
    admin = _scaled(admin, tuple(shapely.get_coordinates(admin.centroid)[0]), 9.04e4).difference(outer)
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


def _rivers(province, rng) -> gpd.GeoDataFrame:
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


def _urban_areas(province, communes, rng) -> gpd.GeoDataFrame:
    area_by_class = {"I": 180e6, "II": 95e6, "III": 60e6, "IV": 25e6, "V": 10e6}
    rows, geoms = [], []
    for i, (name, (lon, lat, cls)) in enumerate(TOWNS.items()):
        g = blob(lonlat(lon, lat), area_by_class[cls], rng, roughness=0.3).intersection(province)
        prefix = "Thành phố" if cls in ("I", "II") else "Đô thị"
        rows.append({"urban_id": f"DT{i + 1:02d}", "name": f"{prefix} {name}", "urban_class": cls,
                     "population": int(area_by_class[cls] / 1e6 * rng.uniform(1_500, 2_500))})
        geoms.append(g)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def _industrial_zones(province, communes, rng) -> gpd.GeoDataFrame:
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
    south = communes[communes.geometry.centroid.y < _old_border_y(None)]
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


def _mines(province, pas, rivers, rng) -> gpd.GeoDataFrame:
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


def _waste_sites(province, communes, rng) -> gpd.GeoDataFrame:
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


def _stations(province, rivers, zones, rng) -> gpd.GeoDataFrame:
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
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def _forest_status(province, pas, urban, rivers, spec: DemoSize, rng):
    """Forest-status parcels for 2020 and 2024 tiling the forested land."""
    n_cells = int(spec.parcels_target / 0.62)
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
    return g20, g24


__all__ = ["build_demo", "is_built", "default_out_dir"]
