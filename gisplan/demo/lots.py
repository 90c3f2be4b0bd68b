"""The demo's forest-status lots as a forest protection office delivers them: the Vietnamese
FRMS field set (``tt, matinh, mahuyen, maxa, xa, tk, khoanh, lo, dtich, nggocr, ldlr, maldlr,
sldlr, namtr, thanhrung, mgo, lapdia, malr3, mdsd, dtuong, churung`` …), keyed to the pre-2025
communes, written as Shapefiles: 2020 with TCVN3 text and no ``.cpg`` (older data), 2024 in
UTF-8; both under a custom-named VN-2000 / TM-3 ``.prj``.

Each forest parcel of :func:`gisplan.demo.nature.forest_status` gets the Circular 33 status
code of its origin, type and volume class (TXG … TXK, TXD*, HG1/HG2, NUA, RTG, DTR); the other
land of the tiling outside the towns gets DT2 / DT1 / DNN / MN / DK, and natural forest lost by
2024 becomes DT2 or DT1. Lots are cut by the pre-2025 communes they are keyed to; tiểu khu
(≈ 9 km² blocks), khoảnh (1 km² blocks) and lô numbers follow the ground; a lot keeps its key
between the years. A few records carry the slips real exports
have: a recorded area (``dtich``) a few percent off the mapped one, a blank ``malr3``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from gisplan.encoding import encode_legacy
from gisplan.forest_codes import status_codes
from gisplan.overlay import clip_by_units

#: a .prj as offices' GIS tools write VN-2000 / TM-3 106°30' for Thái Nguyên, under their own name
PRJ_VN2000_TM3 = (
    'PROJCS["VN-2000 / TM-3 KTT 106-30 (Thai Nguyen)",GEOGCS["GCS_VN-2000",DATUM["D_Vietnam_2000",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563],'
    'TOWGS84[-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",106.5],PARAMETER["Scale_Factor",0.9999],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
#: GSO district codes of the pre-2025 districts the demo's old communes belong to
DISTRICT_CODES = {"TP. Thái Nguyên": 164, "TP. Sông Công": 165, "Định Hóa": 167, "Phú Lương": 168, "Đồng Hỷ": 169,
                  "Võ Nhai": 170, "Đại Từ": 171, "TP. Phổ Yên": 172, "Phú Bình": 173, "TP. Bắc Kạn": 58,
                  "Pác Nặm": 60, "Ba Bể": 61, "Ngân Sơn": 62, "Bạch Thông": 63, "Chợ Đồn": 64, "Chợ Mới": 65,
                  "Na Rì": 66}
PROVINCE_CODES = {"Thái Nguyên": 19, "Bắc Kạn": 6}
_VOLUME_LETTER = {"rich": "G", "medium": "B", "poor": "N", "very_poor": "K", "none": "P"}
_MALR3 = {"protection": 1, "special_use": 2, "production": 3}
_SURNAMES = ("Nguyễn", "Hoàng", "Nông", "Lường", "Ma", "Triệu", "Hà", "Đinh", "Lý", "Bế", "Lục", "Dương")
_GIVEN = ("Văn Hòa", "Thị Thủy", "Văn Minh", "Đức Thắng", "Thị Lan", "Văn Sáng", "Thị Hoa", "Văn Tùng", "Quang Huy",
          "Thị Nhung", "Văn Thành", "Thị Mai")
_PLANTED = (("Keo", "plantation_acacia"), ("Bạch đàn", "plantation_eucalyptus"))
_OTHER_SPECIES = ("Mỡ", "Thông mã vĩ", "Quế", "Lát hoa", "Trám")


def split_by_communes(cells: gpd.GeoDataFrame, pre2025: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Cells cut by the pre-2025 communes (a lot lies in one commune, as the offices map them);
    the pieces of a cell get ids ``<parcel_id>-<k>`` in a fixed order, the same every year."""
    pieces = clip_by_units(cells.reset_index(drop=True), pre2025[["code", "geometry"]], unit_id="code")
    pieces = pieces.sort_values(["parcel_id", "code"], kind="stable")
    k = pieces.groupby("parcel_id").cumcount() + 1
    pieces["parcel_id"] = pieces["parcel_id"] + "-" + k.astype(str)
    keep = [c for c in cells.columns if c != cells.geometry.name]
    return gpd.GeoDataFrame(pieces[keep], geometry=pieces.geometry.to_numpy(), crs=cells.crs).reset_index(drop=True)


def lot_keys(cells: gpd.GeoDataFrame, pre2025: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per cell (``parcel_id``): the pre-2025 commune it lies in (``maxa``, ``xa``, district and
    province codes) and its tiểu khu / khoảnh / lô numbers."""
    c = shapely.centroid(cells.geometry.to_numpy())
    x, y = shapely.get_x(c), shapely.get_y(c)
    tree = shapely.STRtree(pre2025.geometry.to_numpy())
    pi, ci = tree.query(c, predicate="intersects")
    owner = np.full(len(cells), -1)
    owner[pi[np.argsort(pi, kind="stable")]] = ci[np.argsort(pi, kind="stable")]
    missing = owner < 0
    if missing.any():
        owner[missing] = tree.query_nearest(c[missing], all_matches=False)[1]
    old = pre2025.iloc[owner].reset_index(drop=True)
    # tiểu khu: 3 km blocks numbered from the north-west; khoảnh: 1 km blocks inside; lô: west to east
    gx, gy = np.floor(x / 3000).astype(int), np.floor(y / 3000).astype(int)
    block = pd.Series(list(zip(-gy, gx, strict=True)))
    tk_order = {b: i + 1 for i, b in enumerate(sorted(set(block)))}
    kx, ky = np.floor((x % 3000) / 1000).astype(int), np.floor((y % 3000) / 1000).astype(int)
    khoanh = (2 - ky) * 3 + kx + 1
    frame = pd.DataFrame({"parcel_id": cells["parcel_id"].to_numpy(), "tk": block.map(tk_order).to_numpy(),
                          "khoanh": khoanh, "x": x, "y": y})
    frame = frame.sort_values(["tk", "khoanh", "y", "x"], ascending=[True, True, False, True], kind="stable")
    frame["lo"] = frame.groupby(["tk", "khoanh"]).cumcount() + 1
    frame = frame.sort_index()
    frame["maxa"] = old["code"].to_numpy()
    frame["xa"] = old["name"].to_numpy()
    frame["mahuyen"] = old["district"].map(DISTRICT_CODES).to_numpy()
    frame["matinh"] = old["province_old"].map(PROVINCE_CODES).to_numpy()
    frame["district"] = old["district"].to_numpy()
    return frame.drop(columns=["x", "y"])


def _forest_codes(p: gpd.GeoDataFrame) -> np.ndarray:
    """The status code of each forest parcel from its origin, forest type and volume class."""
    vol = p["volume_class"].map(_VOLUME_LETTER).fillna("K").to_numpy()
    ft = p["forest_type"].to_numpy()
    natural = (p["origin"] == "natural").to_numpy()
    young = ~p["meets_criteria"].astype(bool).to_numpy()
    rich = np.isin(vol, ["G", "B"])
    code = np.select(
        [young, ~natural, ft == "limestone", ft == "mixed_wood_bamboo", ft == "bamboo"],
        ["DTR", "RTG", np.char.add("TXD", vol.astype(str)), np.where(rich, "HG1", "HG2"), "NUA"],
        np.char.add("TX", vol.astype(str)))
    return code


def frms_lots(forest: gpd.GeoDataFrame, others: gpd.GeoDataFrame, keys: pd.DataFrame, pas: gpd.GeoDataFrame,
              year: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """The lots of one year in the Vietnamese FRMS field set (Unicode text), EPSG:9213.

    ``rng`` draws only the demo's record slips and owner names (a generator of its own, so the
    other layers of a seed do not change); choices that must hold between the years (species,
    owner, the code of open land) come from each parcel's own stable number."""
    codes = status_codes().table
    stable = keys.set_index("parcel_id")["lo"].astype(float)  # any per-parcel number stable across years
    k = keys.set_index("parcel_id")

    def u(ids, salt):  # a stable pseudo-random number in [0, 1) per parcel and purpose
        h = (pd.Series(ids).map(stable).to_numpy() * 7919 + k.loc[ids, "tk"].to_numpy() * 104729 + salt * 15485863)
        return (h % 1000) / 1000.0

    f = forest.reset_index(drop=True)
    o = others.reset_index(drop=True)
    code_f = _forest_codes(f)
    uo = u(o["parcel_id"], 1)
    lime = o["limestone"].to_numpy()
    code_o = np.select(
        [o["lost_natural"].to_numpy() & (uo < 0.7), o["lost_natural"].to_numpy(),
         o["near_river"].to_numpy() & (uo < 0.12), o["near_river"].to_numpy() & (uo < 0.7),
         uo < 0.40, uo < 0.65, uo < 0.90],
        [np.where(lime, "DT2D", "DT2"), np.where(lime, "DT1D", "DT1"), "MN", "DNN",
         np.where(lime, "DT2D", "DT2"), np.where(lime, "DT1D", "DT1"), np.where(lime, "NND", "DNN")], "DK")
    ids = np.concatenate([f["parcel_id"].to_numpy(), o["parcel_id"].to_numpy()])
    code = np.concatenate([code_f, code_o])
    purpose = np.concatenate([f["purpose"].to_numpy(), o["purpose"].to_numpy()])
    # land outside forestry planning: agricultural land, water and other land of the production zone
    outside = np.isin(code, ["DNN", "NND", "MN", "DK"]) & (purpose == "production") & (u(ids, 2) < 0.15)
    geoms = np.concatenate([f.geometry.to_numpy(), o.geometry.to_numpy()])
    n = len(ids)
    kk = k.loc[ids]
    area = shapely.area(geoms) / 1e4
    species = np.full(n, "", dtype=object)
    plant_year = np.zeros(n, dtype=int)
    nf = len(f)
    ft = f["forest_type"].to_numpy()
    planted = np.isin(code, ["RTG", "DTR"])
    us = u(ids, 3)
    species[:nf] = np.where(ft == "plantation_acacia", "Keo",
                            np.where(ft == "plantation_eucalyptus", "Bạch đàn",
                                     np.where(ft == "young_plantation", "Keo",
                                              np.array(_OTHER_SPECIES, dtype=object)[(us[:nf] * 5).astype(int)])))
    species[:nf] = np.where(planted[:nf], species[:nf], "")
    py = pd.to_numeric(f["plant_year"], errors="coerce").fillna(0).astype(int).to_numpy()
    plant_year[:nf] = np.where(planted[:nf], py, 0)
    volume = np.zeros(n)
    letter = pd.Series(code).str[-1].to_numpy()
    natural = np.isin(codes.loc[code, "land_class"].to_numpy(), ["natural_forest"])
    base = {"G": 230.0, "B": 150.0, "N": 75.0, "K": 30.0, "P": 5.0}
    volume[natural] = [base.get(c, 40.0) for c in letter[natural]] * (0.9 + 0.2 * us[natural])
    rtg = code == "RTG"
    volume[rtg] = np.clip((year - plant_year[rtg]) * 11.0, 20, 180)
    mdsd = np.select([purpose == "special_use", purpose == "protection", purpose == "production"],
                     [_special_use_abbr(geoms, pas), "PHDN", "SXGN"], "")
    malr3 = pd.array([_MALR3.get(p) for p in purpose], dtype="Int64")
    malr3[outside] = pd.NA
    mdsd = np.where(outside, "", mdsd)
    dtuong, churung = _owners(code, purpose, kk, geoms, pas, u(ids, 4), u(ids, 5))
    # the slips of real records: a few recorded areas a few percent off, a few purposes left blank
    slip = rng.uniform(size=n)
    dtich = np.round(area * np.where(slip < 0.004, 1 + rng.uniform(0.03, 0.08, n) * rng.choice([-1, 1], n), 1.0), 2)
    blank = (slip > 0.997) & ~outside
    malr3[blank] = pd.NA
    table = pd.DataFrame({
        "tt": np.arange(1, n + 1), "matinh": kk["matinh"].to_numpy(), "mahuyen": kk["mahuyen"].to_numpy(),
        "maxa": kk["maxa"].astype(int).to_numpy(), "xa": kk["xa"].to_numpy(), "tk": kk["tk"].astype(str).to_numpy(),
        "khoanh": kk["khoanh"].astype(str).to_numpy(), "lo": kk["lo"].astype(str).to_numpy(), "thuad": 0,
        "tobando": "", "ddanh": "", "dtich": dtich,
        "nggocr": np.where(codes.loc[code, "forest"].to_numpy(dtype=bool),
                           np.where(natural, 1, 2), 3),
        "ldlr": code, "maldlr": codes.loc[code, "number"].to_numpy(dtype=int), "sldlr": species,
        "namtr": plant_year, "captuoi": np.where(rtg, np.clip((year - plant_year) // 5 + 1, 1, 9), 0),
        "ktan": 0, "nggocrt": np.where(planted, 1, 0),
        "thanhrung": np.select([rtg, code == "DTR"], [1, 2], 0), "mgo": np.round(volume, 1),
        "mtn": np.where(np.isin(code, ["NUA", "HG2"]), 4.5, 0.0), "mgolo": np.round(volume * area, 1),
        "mtnlo": 0.0, "lapdia": np.where(codes.loc[code, "site"].to_numpy() == "limestone", 2, 1),
        "malr3": malr3, "mdsd": mdsd, "mamdsd": 0, "dtuong": dtuong, "churung": churung, "machur": 0,
        "trchap": 0, "quyensd": 0, "thoihansd": 0, "khoan": 0, "nqh": 0, "nguoink": "", "nguoitrch": "",
        "mangnk": 0, "mangtrch": 0, "ngsinh": np.where(natural, 2, 0), "kd": 0.0, "vd": 0.0, "capkd": "",
        "capvd": "", "locu": "", "vitrithua": 0})
    order = np.lexsort((table["lo"].astype(int), table["khoanh"].astype(int), table["tk"].astype(int)))
    out = gpd.GeoDataFrame(table.iloc[order].reset_index(drop=True), geometry=geoms[order], crs=forest.crs)
    out["tt"] = np.arange(1, n + 1)
    return out


def _special_use_abbr(geoms, pas: gpd.GeoDataFrame) -> np.ndarray:
    """VQG inside a national park, BTTN elsewhere (nature reserves and other special-use forest)."""
    parks = pas[pas["category"] == "national_park"]
    if not len(parks):
        return np.full(len(geoms), "BTTN", dtype=object)
    park = shapely.union_all(parks.geometry.to_numpy())
    inside = shapely.contains_xy(park, *shapely.get_coordinates(shapely.centroid(geoms)).T)
    return np.where(inside, "VQG", "BTTN")


def _owners(code, purpose, keys, geoms, pas, u1, u2) -> tuple[np.ndarray, np.ndarray]:
    """Owner type (``dtuong``) and owner name (``churung``): management boards for special-use
    and protection forest, households, companies and communities for production forest, the
    commune People's Committee for land not yet allocated."""
    n = len(code)
    c = shapely.centroid(geoms)
    core = pas[pas["zone"] != "buffer"]
    area_name = np.full(n, "", dtype=object)
    if len(core):
        pi, gi = shapely.STRtree(c).query(core.geometry.to_numpy(), predicate="contains")
        area_name[gi] = core["name"].to_numpy()[pi]
    xa = keys["xa"].astype(str).to_numpy()
    district = keys["district"].astype(str).to_numpy()
    household = np.array([f"Hộ {'bà' if ' Thị ' in f' {g} ' else 'ông'} {_SURNAMES[i % len(_SURNAMES)]} {g}"
                          for i in (u2 * 997).astype(int) for g in [_GIVEN[(i // 7) % len(_GIVEN)]]], dtype=object)
    board_sud = np.array([f"Ban quản lý {a}" if a else "Ban quản lý rừng đặc dụng tỉnh" for a in area_name], dtype=object)
    open_land = ~np.isin(code, ["RTG", "DTR"]) & ~pd.Series(code).str.startswith(("TX", "HG", "NUA")).to_numpy()
    company = np.array([f"Công ty TNHH MTV Lâm nghiệp {d.replace('TP. ', '')}" for d in district], dtype=object)
    dtuong = np.select([purpose == "special_use", purpose == "protection", open_land,
                        u1 < 0.62, u1 < 0.84], [5, 5, 3, 1, 6], 2)
    churung = np.select(
        [purpose == "special_use", purpose == "protection", open_land, u1 < 0.62, u1 < 0.84],
        [board_sud, np.array([f"Ban quản lý rừng phòng hộ {d.replace('TP. ', '')}" for d in district], dtype=object),
         np.array([f"UBND {x}" for x in xa], dtype=object), household, company],
        np.array([f"Cộng đồng thôn {x.split(' ', 1)[-1]}" for x in xa], dtype=object))
    return dtuong, churung


def write_lots(lots: gpd.GeoDataFrame, path: Path, *, tcvn3: bool) -> list[Path]:
    """Write the lots as a Shapefile the way the offices' files are: TCVN3 text with no ``.cpg``
    (``tcvn3``) or UTF-8 with its ``.cpg``; the custom-named VN-2000 ``.prj``. Returns the files."""
    out = lots.copy()
    if tcvn3:
        for col in out.columns:
            if col != out.geometry.name and (out[col].dtype == object or pd.api.types.is_string_dtype(out[col])):
                out[col] = out[col].map(lambda v: encode_legacy(v, "tcvn3") if isinstance(v, str) else v)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # field width notes of the Shapefile driver
        pyogrio.write_dataframe(out, path, encoding="latin1" if tcvn3 else "utf-8", layer_options={"RESIZE": "YES"})
    if tcvn3:
        path.with_suffix(".cpg").unlink(missing_ok=True)
    path.with_suffix(".prj").write_text(PRJ_VN2000_TM3, encoding="ascii")
    return sorted(p for p in path.parent.iterdir() if p.stem == path.stem)
