"""Synthetic terrain of the demo province: a DEM and an inventory of landslide/flood events.

The DEM (EPSG:9213, tiled int16 GeoTIFF, nodata −32768 as SRTM) has the province's relief:
the Tam Đảo range along the south-west edge rising to ~1,500 m, karst towers on a plateau in the
north-east (Võ Nhai, Kim Hỷ), the dissected mountains of old Bắc Kạn in the north (slopes of
25–40° common), a midland of low hills in the south, and valleys cut along the Cầu and Công
rivers and their tributaries. Over the south-west, where the real SRTM tile N21E105 covers the
province, its elevations and slopes are close to the real ones (tests/test_demo.py compares them).
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


def _field(shape: tuple[int, int], cells: float, rng: np.random.Generator,
           warp: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Smooth random field in about −1…1 whose features span ~``cells`` cells, sampled at the
    grid's cells moved by ``warp`` (row and column offsets in cells: bends ridges and valleys so
    they do not look like blobs)."""
    small = (max(2, int(shape[0] / cells) + 4), max(2, int(shape[1] / cells) + 4))
    coarse = rng.normal(size=small)
    r = np.arange(shape[0], dtype=float)[:, None] / cells + 1.0
    c = np.arange(shape[1], dtype=float)[None, :] / cells + 1.0
    if warp is not None:
        r, c = r + warp[0] / cells, c + warp[1] / cells
    r, c = np.broadcast_arrays(r, c)
    out = ndimage.map_coordinates(coarse, [np.clip(r, 0, small[0] - 1), np.clip(c, 0, small[1] - 1)],
                                  order=3, mode="nearest")
    return out / 1.5


def _smoothstep(a: float, b: float, x: np.ndarray) -> np.ndarray:
    """0 below ``a``, 1 above ``b``, a smooth S between."""
    s = np.clip((x - a) / (b - a), 0.0, 1.0)
    return s * s * (3 - 2 * s)


#: dissected mountain relief: (feature size m, amplitude m) of the |field| bands (V-shaped valleys)
MOUNTAIN_BANDS = ((14_000, 150), (5_500, 200), (2_400, 380), (1_100, 240), (600, 70))
#: the midland's low hills
HILL_BANDS = ((2_400, 130), (1_100, 100), (700, 40))
#: Tam Đảo crest (m) and the half-width of the range (m)
TAM_DAO_CREST_M, TAM_DAO_HALF_WIDTH_M = 1_650.0, 4_500.0
#: elevations above this (m) are compressed towards at most this + 400 m
SUMMITS_FROM_M = 1_200.0


def make_dem(province: shapely.Geometry, rivers: gpd.GeoDataFrame, res: float,
             rng: np.random.Generator, *, tam_dao: tuple[float, float] | None = None,
             karst: tuple[float, float] | None = None) -> tuple[np.ndarray, object]:
    """Elevations (m, int16) over the province's bounds plus a margin, and the grid transform.

    The relief follows the province's: the midland of low hills in the south (slopes of a few
    degrees, floors of 10–50 m), dissected mountains in the north (old Bắc Kạn: ridges of
    600–1,200 m, peaks to ~1,600 m, many slopes of 25–40°), the Tam Đảo range on the south-west
    edge (crest ~1,500 m, steep flanks cut by spurs and gullies), a karst plateau with towers in
    the north-east and valleys along the rivers. In the south-west (the part the real SRTM tile
    N21E105 covers) the full-size demo's slopes are close to the real ones: median ~5°, ~5 % of
    the area steeper than 25° (SRTM: 5°, 6 %).

    ``tam_dao``, ``karst``: centres (EPSG:9213) of the Tam Đảo ridge and of the karst plateau
    (default: approximate positions).
    """
    minx, miny, maxx, maxy = province.bounds
    minx, miny = np.floor((minx - MARGIN_M) / res) * res, np.floor((miny - MARGIN_M) / res) * res
    maxx, maxy = np.ceil((maxx + MARGIN_M) / res) * res, np.ceil((maxy + MARGIN_M) / res) * res
    w, h = int(round((maxx - minx) / res)), int(round((maxy - miny) / res))
    shape = (h, w)
    t = from_origin(minx, maxy, res, res)
    x = minx + (np.arange(w) + 0.5) * res
    y = maxy - (np.arange(h) + 0.5) * res
    xx, yy = np.meshgrid(x, y)
    north = (yy - miny) / (maxy - miny)  # 0 south … 1 north
    bend = 1_500.0 / res
    warp = (bend * _field(shape, 8_000 / res, rng), bend * _field(shape, 8_000 / res, rng))

    def field(size_m: float, warped: bool = True) -> np.ndarray:
        return _field(shape, size_m / res, rng, warp if warped else None)

    # how mountainous: 0 in the southern midland … 1 in the northern mountains
    mountains = _smoothstep(0.22, 0.66, north + 0.12 * field(30_000, False))
    z = 25 + 160 * _smoothstep(0.15, 0.95, north) + 60 * field(40_000, False) * mountains
    relief = sum(amp * np.abs(field(size)) for size, amp in MOUNTAIN_BANDS)
    hills = sum(amp * np.abs(field(size)) for size, amp in HILL_BANDS)
    z = z + mountains * relief + (1 - mountains) * hills
    # Tam Đảo: a range running north-west – south-east along the south-west edge, its flanks
    # cut by spurs and gullies
    cx, cy = tam_dao or lonlat(105.58, 21.53)
    ang = np.radians(-55)
    u = (xx - cx) * np.cos(ang) + (yy - cy) * np.sin(ang)
    v = -(xx - cx) * np.sin(ang) + (yy - cy) * np.cos(ang)
    ridge = np.exp(-(np.abs(v) / TAM_DAO_HALF_WIDTH_M) ** 1.3) * np.exp(-(u / 22_000) ** 4)
    gullies = (0.5 * np.abs(field(2_000)) + 0.25 * np.abs(field(800))) * (1 - ridge**6)
    crest = TAM_DAO_CREST_M + 100 * field(6_000, False)
    z = z * (1 - ridge) + ridge * crest * np.clip(1 - gullies, 0.3, 1)
    # the highest summits stay near the province's (~1,500–1,600 m: Tam Đảo, Phia Booc)
    z = np.where(z > SUMMITS_FROM_M, SUMMITS_FROM_M + 400 * np.tanh((z - SUMMITS_FROM_M) / 400), z)
    # valleys along the rivers: floors falling southwards, sides rising away from the channel;
    # gorges in the mountains, wide valleys in the midland
    lines = [g for g in rivers.geometry.values if g is not None and not g.is_empty]
    channel = rasterize(((g, 1) for g in lines), out_shape=shape, transform=t, fill=0, all_touched=True,
                        dtype="uint8").astype(bool)
    d = ndimage.distance_transform_edt(~channel) * res
    floor = 8 + 150 * north**1.5
    width = 900 + 3_000 * (1 - mountains)
    z = floor + (np.maximum(z, floor) - floor) * (1 - np.exp(-(d / width) ** 2))
    # karst in the north-east (Võ Nhai, Kim Hỷ): a plateau whose towers rise steeply from the
    # valley floors, the rivers keeping their channels
    kx, ky = karst or lonlat(106.05, 22.0)
    plateau = np.exp(-(np.hypot((xx - kx) / 15_000, (yy - ky) / 24_000)) ** 4)
    towers = np.tanh(np.clip(_field(shape, 700 / res, rng), 0, None) ** 1.3)
    z = z + plateau * (120 + 420 * towers) * (1 - np.exp(-(d / 400) ** 2))
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
    p_flood = np.where(inside, np.exp(-d / 800.0) * np.exp(-zf / 400.0), 0.0)
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


def relief_anchors(pas: gpd.GeoDataFrame | None) -> dict[str, tuple[float, float] | None]:
    """Where the Tam Đảo crest and the karst plateau of :func:`make_dem` are centred, from the
    demo's protected areas: ``{"tam_dao": …, "karst": …}`` (None: the default position)."""
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
    return {"tam_dao": tam_dao, "karst": karst}


def write_terrain(out: Path, layers: dict[str, gpd.GeoDataFrame], size: str, seed: int) -> dict[str, int]:
    """Write dem.tif and hazard_events.gpkg; return counts. Uses its own random stream, so the
    other layers are the same as without it."""
    rng = np.random.default_rng([seed, 9213])
    province = layers["province"].geometry.iloc[0]
    rivers = layers["river_sections"]
    z, t = make_dem(province, rivers, DEM_RES.get(size, 90.0), rng, **relief_anchors(layers.get("protected_areas")))
    write_dem(out / "dem.tif", z, t)
    events = make_events(z, t, province, rivers, rng,
                         n_landslides=140 if size == "full" else 40, n_floods=50 if size == "full" else 15)
    events.attrs["gisplan"] = {"synthetic": True}
    write_layer(events, out / "hazard_events.gpkg", layer="hazard_events", overwrite=True)
    return {"dem": int(z.size), "hazard_events": len(events)}
