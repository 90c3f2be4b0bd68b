"""Synthetic terrain of the demo province: a DEM and an inventory of landslide/flood events.

The DEM (EPSG:9213, tiled int16 GeoTIFF, nodata −32768 as SRTM) has believable relief for
Thái Nguyên: the Tam Đảo range along the south-west edge rising to ~1,500 m, karst towers on a
plateau in the north-east (Võ Nhai, Kim Hỷ), mountains of old Bắc Kạn in the north, a midland
of low hills in the south, and valleys cut along the Cầu and Công rivers and their tributaries.
Events are drawn with probabilities rising with slope (landslides) and near rivers with low
ground (flash floods and floods), dated over 2015–2025 with a cluster on 7–8 October 2025.
Everything is synthetic.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from rasterio.enums import Resampling
from rasterio.features import rasterize
from rasterio.transform import from_origin
from scipy import ndimage

from gisplan.catalog import SYNTHETIC_NOTE
from gisplan.demo.geometry import lonlat
from gisplan.demo.rasters import write_raster
from gisplan.indicators.terrain import slope_deg
from gisplan.io import write_layer

DEM_NODATA = -32768
DEM_RES = {"full": 90.0, "small": 240.0}
MARGIN_M = 4_000.0


def _field(shape, cells: float, rng) -> np.ndarray:
    """Smooth random field in about −1…1 whose features span ~``cells`` cells."""
    small = (max(2, int(shape[0] / cells) + 2), max(2, int(shape[1] / cells) + 2))
    coarse = rng.normal(size=small)
    zoomed = ndimage.zoom(coarse, (shape[0] / (small[0] - 1), shape[1] / (small[1] - 1)), order=3)
    return zoomed[:shape[0], :shape[1]] / 1.5


def make_dem(province: shapely.Geometry, rivers: gpd.GeoDataFrame, res: float,
             rng: np.random.Generator, *, tam_dao: tuple[float, float] | None = None,
             karst: tuple[float, float] | None = None) -> tuple[np.ndarray, object]:
    """Elevations (m, int16) over the province's bounds plus a margin, and the grid transform.

    ``tam_dao``, ``karst``: centres (EPSG:9213) of the Tam Đảo ridge and of the karst plateau
    (default: approximate positions).
    """
    minx, miny, maxx, maxy = province.bounds
    minx, miny = np.floor((minx - MARGIN_M) / res) * res, np.floor((miny - MARGIN_M) / res) * res
    maxx, maxy = np.ceil((maxx + MARGIN_M) / res) * res, np.ceil((maxy + MARGIN_M) / res) * res
    w, h = int(round((maxx - minx) / res)), int(round((maxy - miny) / res))
    t = from_origin(minx, maxy, res, res)
    x = minx + (np.arange(w) + 0.5) * res
    y = maxy - (np.arange(h) + 0.5) * res
    xx, yy = np.meshgrid(x, y)
    north = (yy - miny) / (maxy - miny)  # 0 south … 1 north
    # regional trend: midland hills in the south, mountains in the north
    z = 30 + 520 * north**1.3
    rough = 0.25 + 0.9 * north
    for cells_m, amp in ((25_000, 260), (9_000, 140), (3_500, 70), (1_200, 30)):
        z = z + amp * rough * _field((h, w), cells_m / res, rng)
    # Tam Đảo: a ridge running north-west – south-east along the south-west edge
    cx, cy = tam_dao or lonlat(105.58, 21.53)
    ang = np.radians(-55)
    u = (xx - cx) * np.cos(ang) + (yy - cy) * np.sin(ang)
    v = -(xx - cx) * np.sin(ang) + (yy - cy) * np.cos(ang)
    ridge = np.exp(-(v / 5_500) ** 2) * np.exp(-(u / 24_000) ** 4)
    z = z + ridge * (1_500 + 150 * _field((h, w), 4_000 / res, rng))
    # karst plateau with towers in the north-east
    kx, ky = karst or lonlat(106.05, 22.0)
    plateau = np.exp(-(np.hypot((xx - kx) / 15_000, (yy - ky) / 24_000)) ** 4)
    towers = np.clip(_field((h, w), 900 / res, rng), 0, None) ** 1.5
    z = z + plateau * (220 + 320 * towers)
    # valleys along the rivers: floors falling southwards, sides rising away from the channel
    lines = [g for g in rivers.geometry.values if g is not None and not g.is_empty]
    channel = rasterize(((g, 1) for g in lines), out_shape=(h, w), transform=t, fill=0, all_touched=True,
                        dtype="uint8").astype(bool)
    d = ndimage.distance_transform_edt(~channel) * res
    floor = 8 + 150 * north**1.5
    width = 2_500 + 2_500 * np.clip((0.45 - north) / 0.2, 0, 1)  # wide valleys in the midland
    z = floor + (np.maximum(z, floor) - floor) * (1 - np.exp(-(d / width) ** 2))
    z = ndimage.gaussian_filter(z, 0.6)
    return np.clip(np.round(z), 2, 3_000).astype("int16"), t


def write_dem(path: Path, z: np.ndarray, transform) -> None:
    """The DEM as a tiled, deflate-compressed int16 GeoTIFF with overviews (EPSG:9213)."""
    write_raster(path, z, transform, DEM_NODATA, {"gisplan_note": SYNTHETIC_NOTE, "units": "metres above sea level",
                                                  "resolution_m": str(abs(transform.a))}, Resampling.average)


def make_events(z: np.ndarray, transform, province: shapely.Geometry, rivers: gpd.GeoDataFrame,
                rng: np.random.Generator, *, n_landslides: int = 140, n_floods: int = 50) -> gpd.GeoDataFrame:
    """Event points: landslides biased to steep slopes, flash floods/floods to low ground near rivers."""
    res = abs(transform.a)
    h, w = z.shape
    inside = rasterize([(province, 1)], out_shape=(h, w), transform=transform, fill=0, dtype="uint8").astype(bool)
    zf = z.astype(float)
    slope = np.nan_to_num(slope_deg(zf, res, res), nan=0.0)
    channel = rasterize(((g, 1) for g in rivers.geometry.values if g is not None and not g.is_empty),
                        out_shape=(h, w), transform=transform, fill=0, all_touched=True, dtype="uint8").astype(bool)
    d = ndimage.distance_transform_edt(~channel) * res
    p_slide = np.where(inside, (slope / 25.0) ** 4, 0.0)
    p_flood = np.where(inside, np.exp(-d / 400.0) * np.exp(-zf / 300.0), 0.0)
    rows = []
    geoms = []
    storm = [dt.date(2025, 10, 7), dt.date(2025, 10, 8)]
    for kind, p, n in (("landslide", p_slide, n_landslides), ("flood", p_flood, n_floods)):
        flat = p.ravel() / p.sum()
        cells = rng.choice(flat.size, size=n, replace=False, p=flat)
        r, c = np.divmod(cells, w)
        xs = transform.c + (c + rng.uniform(0, 1, n)) * res
        ys = transform.f - (r + rng.uniform(0, 1, n)) * res
        for i in range(n):
            etype = kind
            if kind == "flood":
                etype = "flash_flood" if zf[r[i], c[i]] > 60 or rng.uniform() < 0.3 else "flood"
            day = storm[int(rng.integers(0, 2))] if rng.uniform() < 0.4 else \
                dt.date(int(rng.integers(2015, 2025)), int(rng.integers(6, 11)), int(rng.integers(1, 29)))
            deaths = int(rng.poisson(0.15)) if etype != "flood" else 0
            rows.append({"event_id": f"{'SL' if etype == 'landslide' else 'LQ' if etype == 'flash_flood' else 'NL'}"
                                     f"-{len(rows) + 1:04d}",
                         "event_type": etype, "date": day, "deaths": deaths,
                         "damage": float(np.round(rng.gamma(1.5, 400.0), 1))})
            geoms.append(shapely.Point(xs[i], ys[i]))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:9213")


def write_terrain(out: Path, layers: dict[str, gpd.GeoDataFrame], size: str, seed: int) -> dict[str, int]:
    """Write dem.tif and hazard_events.gpkg; return counts. Uses its own random stream, so the
    other layers are the same as without it."""
    rng = np.random.default_rng([seed, 9213])
    province = layers["province"].geometry.iloc[0]
    rivers = layers["river_sections"]
    pas = layers.get("protected_areas")
    tam_dao = karst = None
    if pas is not None and len(pas):
        td = pas[pas["pa_id"] == "TAMDAO"]
        if len(td):
            # the crest runs along the park's outer (south-west) side
            c = shapely.get_coordinates(td.geometry.iloc[0].centroid)[0] + np.array([-2_500.0, -1_500.0])
            tam_dao = (float(c[0]), float(c[1]))
        ks = pas[pas["pa_id"].isin(["THANSA", "KIMHY"])]
        if len(ks):
            c = shapely.get_coordinates(shapely.union_all(ks.geometry.values).centroid)[0]
            karst = (float(c[0]), float(c[1]))
    z, t = make_dem(province, rivers, DEM_RES.get(size, 90.0), rng, tam_dao=tam_dao, karst=karst)
    write_dem(out / "dem.tif", z, t)
    events = make_events(z, t, province, rivers, rng,
                         n_landslides=140 if size == "full" else 40, n_floods=50 if size == "full" else 15)
    events.attrs["gisplan"] = {"synthetic": True}
    write_layer(events, out / "hazard_events.gpkg", layer="hazard_events", overwrite=True)
    return {"dem": int(z.size), "hazard_events": len(events)}
