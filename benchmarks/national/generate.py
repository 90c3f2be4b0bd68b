"""National benchmark dataset: the 34 provinces (real 2025 outlines), ~3,300 synthetic communes,
canopy-cover rasters for two years as tiled GeoTIFFs with a VRT over them, and forest parcels.

Seeded and reproducible; written under ``benchmarks/_data/national/<name>/`` (never committed).

* Provinces: ``../shared/data/real/bando2025_thanglequoc/vnm_provinces_2025_34.gpkg`` beside the
  repository (or the file given with ``--provinces-file``) (real
  outlines of the 34 provinces in force from 1 July 2025, see its SOURCE.md), in VN-2000 / UTM
  zone 48N (EPSG:3405).
* Communes: Voronoi cells of random points inside each province, clipped to it; 3,300 in all,
  shared between provinces in proportion to their area (at least 3 each). Codes ``PP-NNN``.
* Canopy cover (%) 2020 and 2024, uint8, nodata 255 outside the provinces: forest in the uplands
  (a smooth 20 km + 4 km "relief" field), patches and edges (a 600 m + 150 m field), pixel noise,
  clearings (loss) and young plantations (gain) between the years. Tiles of 4096 × 4096 cells,
  512 × 512 blocks, deflate; only the tiles touching land are written; a VRT per year.
* Forest parcels: Voronoi cells inside the communes, with a purpose (special-use, protection,
  production) and an origin.

Usage::

    nice -n 19 python benchmarks/national/generate.py --quick            # 3 provinces, 30 m
    nice -n 19 python benchmarks/national/generate.py --res 30            # 34 provinces, 30 m
    nice -n 19 python benchmarks/national/generate.py --res 10 --provinces 19,20,04
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.features import rasterize
from rasterio.transform import from_origin

#: the real 2025 province outlines, in ../shared/data/real beside the repository
PROVINCES = Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "bando2025_thanglequoc" / \
    "vnm_provinces_2025_34.gpkg"
ROOT = Path(__file__).resolve().parents[1] / "_data" / "national"
CRS = "EPSG:3405"  # VN-2000 / UTM zone 48N
N_COMMUNES = 3300
TILE = 4096
BLOCK = 512
NODATA = 255
YEARS = (2020, 2024)
QUICK = ("19", "20", "04")  # Thái Nguyên, Lạng Sơn, Cao Bằng


def provinces(codes: list[str] | None, path: Path = PROVINCES) -> gpd.GeoDataFrame:
    if not path.is_file():
        raise SystemExit(f"{path} does not exist: the real 2025 province outlines sit in ../shared/data/real "
                         f"beside the repository; give another copy with --provinces-file")
    g = gpd.read_file(path)[["code", "name", "geometry"]].to_crs(CRS)
    g["geometry"] = shapely.make_valid(g.geometry.to_numpy())
    g["n_communes"] = np.maximum(3, np.round(N_COMMUNES * g.area / g.area.sum())).astype(int)
    if codes:
        unknown = sorted(set(codes) - set(g["code"]))
        if unknown:
            raise SystemExit(f"unknown province code(s): {', '.join(unknown)}; codes: {', '.join(g['code'])}")
        g = g[g["code"].isin(codes)]
    return g.reset_index(drop=True)


def _points_inside(geom, n: int, rng: np.random.Generator) -> np.ndarray:
    x0, y0, x1, y1 = geom.bounds
    shapely.prepare(geom)
    got = np.empty((0, 2))
    while len(got) < n:
        xy = rng.uniform((x0, y0), (x1, y1), (4 * n + 16, 2))
        got = np.vstack([got, xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]])
    return got[:n]


def _voronoi_in(geom, xy: np.ndarray) -> np.ndarray:
    """Voronoi cells of ``xy`` clipped to ``geom`` (polygonal parts only), in the points' order."""
    pts = shapely.points(xy)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=geom.envelope))
    # voronoi_polygons does not keep the points' order: match each cell to the point inside it
    tree = shapely.STRtree(cells)
    pi, ci = tree.query(pts, predicate="intersects")
    first = np.unique(pi, return_index=True)[1]
    cells = cells[ci[first]]
    out = shapely.intersection(cells, geom)
    bad = ~np.isin(shapely.get_type_id(out), (3, 6))
    for i in np.flatnonzero(bad):
        parts = shapely.get_parts(out[i])
        out[i] = shapely.union_all(parts[np.isin(shapely.get_type_id(parts), (3, 6))])
    return out


def communes(prov: gpd.GeoDataFrame, seed: int) -> gpd.GeoDataFrame:
    rows = []
    for code, name, geom, n in prov[["code", "name", "geometry", "n_communes"]].itertuples(index=False):
        rng = np.random.default_rng([seed, int(code)])
        cells = _voronoi_in(geom, _points_inside(geom, n, rng))
        for i, g in enumerate(cells):
            rows.append((f"{code}-{i + 1:03d}", f"Xã {code}-{i + 1:03d}", code, name, g))
    gdf = gpd.GeoDataFrame(rows, columns=["code", "name", "province", "province_name", "geometry"], crs=CRS)
    return gdf[~gdf.geometry.is_empty].reset_index(drop=True)


def parcels(comm: gpd.GeoDataFrame, total: int, seed: int) -> gpd.GeoDataFrame:
    """About ``total`` forest parcels: Voronoi cells inside the communes."""
    area = comm.area.to_numpy()
    k = np.maximum(1, np.round(total * area / area.sum())).astype(int)
    parts, owner = [], []
    for i, (geom, n) in enumerate(zip(comm.geometry.to_numpy(), k, strict=True)):
        rng = np.random.default_rng([seed, 7, i])
        cells = _voronoi_in(geom, _points_inside(geom, int(n), rng)) if n > 1 else np.array([geom])
        parts.append(cells)
        owner.append(np.full(len(cells), i))
    geoms, owner = np.concatenate(parts), np.concatenate(owner)
    rng = np.random.default_rng([seed, 8])
    purpose = rng.choice(["special_use", "protection", "production"], len(geoms), p=[0.15, 0.3, 0.55])
    origin = np.where(purpose == "production", rng.choice(["natural", "planted"], len(geoms), p=[0.3, 0.7]),
                      "natural")
    return gpd.GeoDataFrame({"parcel_id": np.arange(1, len(geoms) + 1), "commune": comm["code"].to_numpy()[owner],
                             "purpose": purpose, "origin": origin}, geometry=geoms, crs=CRS)


# --- rasters -----------------------------------------------------------------------------------

def _lattice(i: np.ndarray, j: np.ndarray, seed: int) -> np.ndarray:
    """Uniform [0, 1) value of global lattice nodes (i, j) (a hash: the same node, the same value
    in every tile)."""
    h = (i.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
         ^ (j.astype(np.uint64) + np.uint64(seed)) * np.uint64(0xC2B2AE3D27D4EB4F))
    h ^= h >> np.uint64(31)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(29)
    return (h >> np.uint64(11)).astype(np.float64) / float(2**53)


def _noise(x0: float, y1: float, res: float, shape: tuple[int, int], step: float, seed: int) -> np.ndarray:
    """Value noise of lattice spacing ``step`` (m), bilinear, on the grid of a tile (float32)."""
    h, w = shape
    gx = (x0 + (np.arange(w) + 0.5) * res) / step  # lattice units, columns
    gy = (y1 - (np.arange(h) + 0.5) * res) / step  # rows (northing)
    ix0, iy0 = int(math.floor(gx.min())), int(math.floor(gy.min()))
    ii = np.arange(iy0, int(math.floor(gy.max())) + 2)
    jj = np.arange(ix0, int(math.floor(gx.max())) + 2)
    lat = _lattice(ii[:, None], jj[None, :], seed)
    tx, ty = gx - ix0, gy - iy0
    cx, fx = np.floor(tx).astype(int), (tx - np.floor(tx))
    cy, fy = np.floor(ty).astype(int), (ty - np.floor(ty))
    fx, fy = fx * fx * (3 - 2 * fx), fy * fy * (3 - 2 * fy)  # smoothstep
    cols = lat[:, cx] * (1 - fx) + lat[:, cx + 1] * fx  # (lattice rows, w)
    out = cols[cy] * (1 - fy)[:, None] + cols[cy + 1] * fy[:, None]
    return out.astype(np.float32)


def _tile(args) -> tuple[str, dict]:
    (ti, tj, x0, y1, res, shape, land_wkb, seed, dirs) = args
    land = shapely.from_wkb(land_wkb)
    transform = from_origin(x0, y1, res, res)
    inside = rasterize([(land, 1)], out_shape=shape, transform=transform, fill=0, dtype="uint8").astype(bool)
    relief = 0.7 * _noise(x0, y1, res, shape, 20_000, seed) + 0.3 * _noise(x0, y1, res, shape, 4_000, seed + 1)
    patch = 0.6 * _noise(x0, y1, res, shape, 600, seed + 2) + 0.4 * _noise(x0, y1, res, shape, 150, seed + 3)
    clear = _noise(x0, y1, res, shape, 450, seed + 4)
    dens = _noise(x0, y1, res, shape, 900, seed + 5)
    forest = relief + 0.45 * patch > 0.78
    rng = np.random.default_rng([seed, ti, tj])
    c20 = np.where(forest, 45 + 50 * dens, 2 + 12 * patch) + rng.normal(0, 4, shape).astype(np.float32)
    loss = forest & (clear > 0.82)
    gain = ~forest & (clear < 0.12) & (relief > 0.45)
    c24 = np.where(loss, 3 + 6 * patch, np.where(gain, 20 + 30 * dens, c20)) + rng.normal(0, 3, shape).astype(
        np.float32)
    stats = {}
    for year, grid in zip(YEARS, (c20, c24), strict=True):
        out = np.clip(np.round(grid), 0, 100).astype("uint8")
        out[~inside] = NODATA
        path = Path(dirs[year]) / f"t_{ti:03d}_{tj:03d}.tif"
        with rasterio.open(path, "w", driver="GTiff", width=shape[1], height=shape[0], count=1, dtype="uint8",
                           crs=CRS, transform=transform, nodata=NODATA, tiled=True, blockxsize=BLOCK,
                           blockysize=BLOCK, compress="deflate") as ds:
            ds.write(out, 1)
        stats[year] = int(inside.sum())
    return f"{ti},{tj}", stats


def write_vrt(vrt: Path, tiles: list[Path], width: int, height: int, x0: float, y1: float, res: float) -> None:
    """A VRT mosaic of ``tiles`` (same grid, file names relative to the VRT)."""
    from xml.sax.saxutils import escape

    srs = escape(rasterio.crs.CRS.from_string(CRS).to_wkt())
    parts = [f'<VRTDataset rasterXSize="{width}" rasterYSize="{height}">',
             f"  <SRS>{srs}</SRS>",
             f"  <GeoTransform>{x0!r}, {res!r}, 0.0, {y1!r}, 0.0, {-res!r}</GeoTransform>",
             '  <VRTRasterBand dataType="Byte" band="1">',
             f"    <NoDataValue>{NODATA}</NoDataValue>"]
    for t in tiles:
        with rasterio.open(t) as ds:
            w, h, tx, ty = ds.width, ds.height, ds.transform.c, ds.transform.f
        col, row = round((tx - x0) / res), round((y1 - ty) / res)
        parts.append(
            f'    <SimpleSource><SourceFilename relativeToVRT="1">{t.parent.name}/{t.name}</SourceFilename>'
            f'<SourceBand>1</SourceBand><SourceProperties RasterXSize="{w}" RasterYSize="{h}" DataType="Byte" '
            f'BlockXSize="{BLOCK}" BlockYSize="{BLOCK}"/><SrcRect xOff="0" yOff="0" xSize="{w}" ySize="{h}"/>'
            f'<DstRect xOff="{col}" yOff="{row}" xSize="{w}" ySize="{h}"/></SimpleSource>')
    parts += ["  </VRTRasterBand>", "</VRTDataset>", ""]
    vrt.write_text("\n".join(parts), encoding="utf-8")


def rasters(prov: gpd.GeoDataFrame, out: Path, res: float, seed: int, workers: int) -> dict:
    land = shapely.union_all(prov.geometry.to_numpy())
    x0, y0, x1, y1 = land.bounds
    x0, y1 = math.floor(x0 / res) * res, math.ceil(y1 / res) * res
    width, height = math.ceil((x1 - x0) / res), math.ceil((y1 - y0) / res)
    span = TILE * res
    boxes = [(ti, tj, shapely.box(x0 + tj * span, y1 - (ti + 1) * span, x0 + (tj + 1) * span, y1 - ti * span))
             for ti in range(math.ceil(height / TILE)) for tj in range(math.ceil(width / TILE))]
    shapely.prepare(land)
    keep = [(ti, tj, b) for ti, tj, b in boxes if shapely.intersects(land, b)]
    dirs = {y: out / f"canopy_{y}_{res:g}m" for y in YEARS}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    jobs = []
    for ti, tj, b in keep:
        h = min(TILE, height - ti * TILE)
        w = min(TILE, width - tj * TILE)
        jobs.append((ti, tj, x0 + tj * span, y1 - ti * span, res, (h, w),
                     shapely.to_wkb(shapely.clip_by_rect(land, *b.bounds)), seed, {k: str(v) for k, v in dirs.items()}))
    land_px = 0
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for _, stats in pool.map(_tile, jobs):
            land_px += stats[YEARS[0]]
    vrts = {}
    for y, d in dirs.items():
        vrt = out / f"canopy_{y}_{res:g}m.vrt"
        write_vrt(vrt, sorted(d.glob("t_*.tif")), width, height, x0, y1, res)
        vrts[y] = vrt
    return {"tiles": len(keep), "tiles_possible": len(boxes), "width": width, "height": height,
            "land_pixels": land_px, "vrts": {str(k): str(v.name) for k, v in vrts.items()}}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help=f"provinces {','.join(QUICK)} at 30 m, 20 000 parcels")
    ap.add_argument("--res", type=float, default=30.0, help="cell size (m): 30 or 10")
    ap.add_argument("--provinces", default=None, help="comma-separated province codes (default: all 34)")
    ap.add_argument("--parcels", type=int, default=None, help="forest parcels in all (default 200 000 × share)")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--name", default=None, help="folder under benchmarks/_data/national/")
    ap.add_argument("--provinces-file", type=Path, default=PROVINCES,
                    help="the 2025 province outlines (vnm_provinces_2025_34.gpkg, columns code, name)")
    a = ap.parse_args(argv)
    codes = list(QUICK) if a.quick and not a.provinces else (a.provinces.split(",") if a.provinces else None)
    name = a.name or (f"quick_{a.res:g}m" if a.quick else f"{'all' if not codes else '_'.join(codes)}_{a.res:g}m")
    out = ROOT / name
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    prov = provinces(codes, a.provinces_file)
    comm = communes(prov, a.seed)
    prov.to_file(out / "provinces.gpkg", layer="provinces", driver="GPKG", engine="pyogrio")
    comm.to_file(out / "communes.gpkg", layer="communes", driver="GPKG", engine="pyogrio")
    t_vec = time.perf_counter() - t0
    n_parcels = a.parcels if a.parcels is not None else (20_000 if a.quick else 200_000)
    share = comm.area.sum() / gpd.read_file(a.provinces_file).to_crs(CRS).area.sum()
    par = parcels(comm, int(round(n_parcels * (1 if a.parcels is not None or a.quick else share))), a.seed)
    par.to_file(out / "parcels.gpkg", layer="forest_parcels", driver="GPKG", engine="pyogrio")
    t_par = time.perf_counter() - t0 - t_vec
    info = rasters(prov, out, a.res, a.seed, a.workers)
    t_ras = time.perf_counter() - t0 - t_vec - t_par
    catalog = (f'# gisplan national catalog (synthetic benchmark data, seed {a.seed})\n'
               f'[zones]\npath = "communes.gpkg"\nid = "code"\nname = "name"\nprovince = "province"\n'
               f'province_name = "province_name"\n')
    for y in YEARS:
        catalog += f'\n[[rasters]]\nyear = {y}\npath = "{info["vrts"][str(y)]}"\n'
    (out / "catalog.toml").write_text(catalog, encoding="utf-8")
    meta = {"name": name, "res_m": a.res, "provinces": len(prov), "communes": len(comm), "parcels": len(par),
            "seed": a.seed, **info, "seconds": {"communes": round(t_vec, 1), "parcels": round(t_par, 1),
                                                "rasters": round(t_ras, 1)},
            "bytes": sum(p.stat().st_size for p in out.rglob("*") if p.is_file())}
    (out / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    print(json.dumps(meta, indent=1))


if __name__ == "__main__":
    os.environ.setdefault("GDAL_NUM_THREADS", "1")
    main()
