"""Forest-status lot files shaped like the forest protection offices' FRMS exports, built from
geometry constructed here so every number is known by hand.

Two 2025 communes side by side (A: x 0–2,000 m, B: 2,000–4,000 m, y 0–1,000 m from the origin
below, 200 ha each) and six lots covering both (400 ha):

====  =====================  ======  ==========  ===========  =======================================
lot   box (m)                code    purpose     area (ha)    commune
====  =====================  ======  ==========  ===========  =======================================
L1    0–1000 × 0–500         TXG     special use   50         A
L2    1000–2500 × 0–500      RTG     production    75         A 50 ha, B 25 ha (straddles the boundary)
L3    2500–4000 × 0–500      DTR     production    75         B (planted, not yet forest)
L4    0–2000 × 500–1000      TXN     protection   100         A
L5    2000–3000 × 500–1000   DT2     (blank)       50         B (regenerating, outside the 3 types)
L6    3000–4000 × 500–1000   XYZ     production    50         B (not a status code: never counted)
====  =====================  ======  ==========  ===========  =======================================

Forest (natural + plantation forest): A 200 ha of 200 (100 %: natural 150, plantation 50), B 25 ha of
200 (12.5 %, plantation) with 50 ha of unknown status; province 225 of 400 ha (56.25 %).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import pyogrio
import shapely

from gisplan.encoding import encode_legacy

# south-west corner of the two communes, EPSG:9213 metres (in Thái Nguyên)
X0, Y0 = 428_000.0, 2_388_000.0

#: a .prj as offices' GIS tools write VN-2000 TM-3 106°30' with the datum shift, under a custom name
PRJ_VN2000_CUSTOM = (
    'PROJCS["VN-2000 TM-3 Thai Nguyen KTT 106-30",GEOGCS["GCS_VN-2000",DATUM["D_Vietnam_2000",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563],'
    'TOWGS84[-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",106.5],PARAMETER["Scale_Factor",0.9999],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


def box(x0, y0, x1, y1):
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


COMMUNES = gpd.GeoDataFrame({"code": ["08001", "08002"], "name": ["Xã Phú Đình", "Xã Điềm Mặc"]},
                            geometry=[box(0, 0, 2000, 1000), box(2000, 0, 4000, 1000)], crs=9213)

#: the lots: (tk, khoanh, lo, ldlr, maldlr Circular 33, maldlr older list, malr3, mdsd, dtich, nggocr,
#: thanhrung, dtuong, churung, sldlr, namtr, box)
LOTS = [
    ("123", "4", "1", "TXG", 14, 14, 2, "VQG", 50.0, 1, 0, 5, "Ban quản lý rừng đặc dụng ATK Định Hóa", "", None,
     (0, 0, 1000, 500)),
    ("123", "4", "2", "RTG", 65, 60, 3, "SXGN", 75.0, 2, 1, 6, "Công ty TNHH Lâm nghiệp Thái Nguyên", "Keo", 2015,
     (1000, 0, 2500, 500)),
    ("123", "5", "1", "DTR", 77, 72, 3, "SXGN", 80.0, 3, 2, 1, "Hộ ông Nguyễn Văn Hòa", "Keo", 2023,
     (2500, 0, 4000, 500)),
    ("124", "1", "1", "TXN", 16, 16, 1, "PHDN", 100.2, 1, 0, 3, "UBND xã Phú Đình", "", None,
     (0, 500, 2000, 1000)),
    ("124", "1", "2", "DT2", 83, 78, None, "", 50.0, 3, 0, 2, "Cộng đồng thôn Bản Lác", "", None,
     (2000, 500, 3000, 1000)),
    ("124", "2", "1", "XYZ", 99, 99, 3, "SXGN", 50.0, 2, 1, 1, "Hộ bà Lường Thị Thủy", "Bạch đàn", 2012,
     (3000, 500, 4000, 1000)),
]
#: pre-2025 communes of the lots (``maxa``) and their names (``xa``): the file is keyed by them
OLD_COMMUNE = {0: ("05536", "Xã Phú Đình"), 1: ("05536", "Xã Phú Đình"), 2: ("05539", "Xã Điềm Mặc"),
               3: ("05536", "Xã Phú Đình"), 4: ("05539", "Xã Điềm Mặc"), 5: ("05539", "Xã Điềm Mặc")}


def lots_vi(*, numbering: str = "circular33", tcvn3: bool = True) -> gpd.GeoDataFrame:
    """The lots in the Vietnamese FRMS field set, EPSG:9213 geometry; text in TCVN3 bytes
    (as legacy .dbf files hold it) when ``tcvn3``."""
    enc = (lambda t: encode_legacy(t, "tcvn3")) if tcvn3 else (lambda t: t)
    rows = []
    for i, (tk, kh, lo, ldlr, m33, mold, malr3, mdsd, dtich, ngg, thr, dt, chu, sp, namtr, _b) in enumerate(LOTS):
        maxa, xa = OLD_COMMUNE[i]
        rows.append({"tt": i + 1, "matinh": 19, "mahuyen": 164, "maxa": float(maxa), "xa": enc(xa), "tk": tk,
                     "khoanh": kh, "lo": lo, "thuad": 0, "tobando": "", "ddanh": enc("Thôn Bản Lác"),
                     "dtich": dtich, "nggocr": ngg, "ldlr": ldlr,
                     "maldlr": m33 if numbering == "circular33" else mold, "sldlr": enc(sp),
                     "namtr": namtr or 0, "captuoi": 0, "ktan": 0, "nggocrt": 0, "thanhrung": thr, "mgo": 0.0,
                     "mtn": 0.0, "mgolo": 0.0, "mtnlo": 0.0, "lapdia": 1, "malr3": malr3, "mdsd": mdsd,
                     "mamdsd": 0, "dtuong": dt, "churung": enc(chu), "machur": 0, "trchap": 0, "quyensd": 0,
                     "thoihansd": 0, "khoan": 0, "nqh": 0, "nguoink": "", "nguoitrch": "", "mangnk": 0,
                     "mangtrch": 0, "ngsinh": 0, "kd": 0.0, "vd": 0.0, "capkd": "", "capvd": "", "locu": "",
                     "vitrithua": 0})
    return gpd.GeoDataFrame(rows, geometry=[box(*lot[-1]) for lot in LOTS], crs=9213)


def write_vi_shapefile(path, *, numbering: str = "circular33", prj: str = PRJ_VN2000_CUSTOM):
    """The Vietnamese field set as a legacy Shapefile: TCVN3 text in the .dbf, no .cpg, a custom
    VN-2000 TM-3 .prj."""
    gdf = lots_vi(numbering=numbering, tcvn3=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, path, encoding="latin1")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    path.with_suffix(".prj").write_text(prj, encoding="ascii")
    return path


#: English export: Vietnamese field → the English name it is exported under
EN = {"maxa": "commune_co", "tk": "compt_code", "khoanh": "sub_compt_", "lo": "plot_code", "dtich": "area",
      "nggocr": "forest_org", "maldlr": "forest_typ", "sldlr": "tree_spec_", "namtr": "planting_y",
      "thanhrung": "plant_stat", "lapdia": "site_cond_", "dtuong": "actor_type", "churung": "actor_name"}
#: FORMIS sub-purpose codes for the lots' purposes (5 national park, 9 large timber, 1 watershed)
FOREST_FUN = {2: 5, 3: 9, 1: 1, None: None}


def lots_en() -> gpd.GeoDataFrame:
    """The lots as the newer FRMS export writes them: English names, no text code (forest_typ is
    the Circular 33 number), purpose as a sub-purpose code, WGS 84."""
    vi = lots_vi(tcvn3=False)
    out = vi[list(EN)].rename(columns=EN)
    out["forest_fun"] = [FOREST_FUN[lot[6]] for lot in LOTS]
    out["province_c"] = 19
    return gpd.GeoDataFrame(out, geometry=vi.geometry.to_crs(4326).to_numpy(), crs=4326)


#: the lots of an earlier year (2020) over the same two communes, for change and transitions:
#: (tk, khoanh, lo, ldlr, malr3, box)
LOTS_2020 = [
    ("123", "4", "1", "TXG", 2, (0, 0, 1000, 500)),        # → TXG: kept (A)
    ("123", "4", "2", "DTR", 3, (1000, 0, 2500, 500)),     # → RTG: plantation gained (A 50, B 25)
    ("123", "5", "1", "RTG", 3, (2500, 0, 4000, 500)),     # → DTR: harvested, plantation lost (B 75)
    ("124", "1", "1", "TXN", 1, (0, 500, 1000, 1000)),     # → TXN: kept (A)
    ("124", "1", "3", "TXB", 1, (1000, 500, 2000, 1000)),  # → TXN: kept, status changed (A 50)
    ("124", "1", "2", "TXN", 3, (2000, 500, 3000, 1000)),  # → DT2: natural forest lost (B 50)
    ("124", "2", "1", "TXN", 3, (3000, 500, 4000, 1000)),  # → XYZ: status unknown in 2024 (B 50)
]
#: forest change 2020 → 2024 per commune, worked out from the boxes above
CHANGE = {"08001": {"forest_before_ha": 150.0, "forest_after_ha": 200.0, "loss_ha": 0.0, "gain_ha": 50.0,
                    "status_unknown_ha": 0.0},
          "08002": {"forest_before_ha": 175.0, "forest_after_ha": 25.0, "loss_ha": 125.0, "gain_ha": 25.0,
                    "status_unknown_ha": 50.0}}


def lots_vi_2020() -> gpd.GeoDataFrame:
    """The 2020 lots in the Vietnamese field set (Unicode text, Circular 33 numbers)."""
    from gisplan.forest_codes import status_codes

    number = status_codes().table["number"]
    rows = [{"maxa": "05536" if b[0] < 2000 else "05539", "tk": tk, "khoanh": kh, "lo": lo, "ldlr": code,
             "maldlr": int(number[code]), "malr3": malr3, "dtich": (b[2] - b[0]) * (b[3] - b[1]) / 1e4,
             "nggocr": 1 if code.startswith("TX") else (2 if code == "RTG" else 3), "dtuong": 1,
             "churung": "Hộ ông Hoàng Văn Minh"} for tk, kh, lo, code, malr3, b in LOTS_2020]
    return gpd.GeoDataFrame(rows, geometry=[box(*lot[-1]) for lot in LOTS_2020], crs=9213)
