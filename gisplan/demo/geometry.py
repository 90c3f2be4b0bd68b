"""Geometry builders for the synthetic demo province (vectorised shapely 2 / numpy).

All coordinates are VN-2000 / TM-3 106°30' (EPSG:9213) metres.
"""

from __future__ import annotations

import numpy as np
import shapely
import shapely.ops
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

#: the CRS of every demo layer
CRS = "EPSG:9213"
_TO_VN = Transformer.from_crs(4326, 9213, always_xy=True)


def lonlat(lon: float, lat: float) -> tuple[float, float]:
    """WGS 84 degrees → EPSG:9213 metres."""
    return _TO_VN.transform(lon, lat)


def scaled(poly, center, area):
    """``poly`` scaled about ``center`` to exactly ``area`` m²."""
    s = np.sqrt(area / poly.area)
    return shapely.transform(poly, lambda c: (c - np.asarray(center)) * s + np.asarray(center))


def blob(center: tuple[float, float], area_m2: float, rng: np.random.Generator, *,
         elongation: float = 1.0, angle_deg: float = 0.0, roughness: float = 0.18,
         n: int = 180) -> shapely.Polygon:
    """An organic polygon of exactly ``area_m2`` around ``center`` (noisy radial outline)."""
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = np.ones(n)
    for k in range(2, 7):
        r += roughness / k * rng.normal() * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    r = np.clip(r, 0.35, None)
    x = r * np.cos(theta) * elongation
    y = r * np.sin(theta)
    a = np.deg2rad(angle_deg)
    xr, yr = x * np.cos(a) - y * np.sin(a), x * np.sin(a) + y * np.cos(a)
    poly = shapely.Polygon(np.c_[xr, yr])
    s = np.sqrt(area_m2 / poly.area)
    return shapely.Polygon(np.c_[center[0] + xr * s, center[1] + yr * s])


def voronoi_tiling(points: np.ndarray, region: BaseGeometry) -> np.ndarray:
    """Voronoi cells of ``points`` clipped to ``region``, in the order of ``points``.

    The cells tile ``region`` exactly (shared edges are identical in both neighbours).
    """
    mp = shapely.multipoints(points)
    cells = shapely.get_parts(shapely.voronoi_polygons(mp, extend_to=region.buffer(5_000)))
    # voronoi_polygons returns cells in arbitrary order: match each cell to its generator point
    tree = shapely.STRtree(cells)
    idx_pt, idx_cell = tree.query(shapely.points(points), predicate="within")
    order = np.empty(len(points), dtype=int)
    order[idx_pt] = idx_cell
    cells = cells[order]
    return clip(cells, region)


def clip(geoms: np.ndarray, region: BaseGeometry) -> np.ndarray:
    """Intersect ``geoms`` with ``region``, computing intersections only where needed."""
    shapely.prepare(region)
    inside = shapely.contains_properly(region, geoms)
    out = geoms.copy()
    todo = ~inside
    if todo.any():
        out[todo] = shapely.intersection(geoms[todo], region)
    return out


def meander(control: list[tuple[float, float]], rng: np.random.Generator, *, step: float = 400.0,
            amplitude: float = 1_500.0, wavelength: float = 9_000.0) -> shapely.LineString:
    """A meandering river line through control points (metres), first point upstream."""
    base = shapely.LineString(control)
    d = np.arange(0.0, base.length, step)
    d = np.append(d, base.length)
    pts = shapely.get_coordinates(shapely.line_interpolate_point(base, d))
    # normal direction from neighbouring points
    tangent = np.gradient(pts, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    normal = np.c_[-tangent[:, 1], tangent[:, 0]]
    phase = rng.uniform(0, 2 * np.pi)
    taper = np.sin(np.pi * d / base.length)  # keep the end points fixed
    offset = amplitude * taper * (np.sin(2 * np.pi * d / wavelength + phase)
                                  + 0.4 * np.sin(2 * np.pi * d / (wavelength / 2.7) + 2 * phase))
    return shapely.LineString(pts + normal * offset[:, None])


def split_line(line: shapely.LineString, lengths: np.ndarray) -> list[shapely.LineString]:
    """Cut ``line`` into consecutive pieces of the given lengths (the last takes the rest)."""
    cuts = np.concatenate([[0.0], np.cumsum(lengths)])
    cuts = cuts[cuts < line.length]
    cuts = np.append(cuts, line.length)
    return [shapely.ops.substring(line, a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True) if b - a > 1]


def random_points_in(region: BaseGeometry, n: int, rng: np.random.Generator, *,
                     weight=None, oversample: int = 4) -> np.ndarray:
    """``n`` random points inside ``region``; ``weight(x, y) -> [0, 1]`` thins them."""
    minx, miny, maxx, maxy = region.bounds
    shapely.prepare(region)
    out = np.empty((0, 2))
    while len(out) < n:
        m = max(n * oversample, 1000)
        xy = np.c_[rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)]
        keep = shapely.contains_xy(region, xy[:, 0], xy[:, 1])
        if weight is not None:
            keep &= rng.uniform(size=m) < weight(xy[:, 0], xy[:, 1])
        out = np.vstack([out, xy[keep]])
    return out[:n]

