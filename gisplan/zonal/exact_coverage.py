"""Exact coverage of polygons over a raster grid: the fraction of every cell inside each zone.

Every polygon edge is cut at the raster's grid lines (vectorised). Each piece lies in one cell
and contributes, by Green's theorem, its signed height ``dy`` to every cell to its right and
``dy × (cell's right edge − piece's mid x)`` to its own cell. Summed along a row these give the
exact area of the polygon inside each cell (the coverage fraction, the same number
exactextract computes), holes and multi-part polygons included. Only cells that an edge
crosses are stored; between two such cells in a row the coverage is constant (0 or 1), so the
interior is kept as runs of whole cells.

Coordinates are in the raster's CRS; fractions are of a cell (0 < f ≤ 1), rows and columns are
the raster's indices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from gisplan._threads import map_each
from gisplan.errors import CRSError


@dataclass(frozen=True)
class Coverage:
    """Exact coverage of zones over a grid.

    ``b_zone, b_row, b_col, b_frac``: boundary cells (fraction of the cell inside the zone,
    0 < frac ≤ 1). ``r_zone, r_row, r_c0, r_c1``: interior runs, cells ``r_c0 … r_c1 - 1`` of
    ``r_row`` fully inside. Rows/cols are raster indices (may lie outside the raster).
    """

    b_zone: np.ndarray
    b_row: np.ndarray
    b_col: np.ndarray
    b_frac: np.ndarray
    r_zone: np.ndarray
    r_row: np.ndarray
    r_c0: np.ndarray
    r_c1: np.ndarray

    def clip(self, height: int, width: int) -> Coverage:
        """Drop cells outside a ``height × width`` raster."""
        b = (self.b_row >= 0) & (self.b_row < height) & (self.b_col >= 0) & (self.b_col < width)
        c0 = np.clip(self.r_c0, 0, width)
        c1 = np.clip(self.r_c1, 0, width)
        r = (self.r_row >= 0) & (self.r_row < height) & (c1 > c0)
        return Coverage(self.b_zone[b], self.b_row[b], self.b_col[b], self.b_frac[b],
                        self.r_zone[r], self.r_row[r], c0[r], c1[r])

    def cells_per_zone(self, n_zones: int) -> np.ndarray:
        """Σ coverage (in cells) per zone: the zone's area in cell units."""
        return (np.bincount(self.b_zone, weights=self.b_frac, minlength=n_zones)
                + np.bincount(self.r_zone, weights=(self.r_c1 - self.r_c0).astype(float), minlength=n_zones))


def coverage(geoms: Sequence | np.ndarray, transform) -> Coverage:
    """Exact coverage of polygons (in the raster's CRS) over the grid of ``transform``.

    Parameters
    ----------
    geoms : Polygons / MultiPolygons (array-like); zone ``i`` is ``geoms[i]``.
    transform : the raster's affine transform (north-up, no rotation).

    Returns
    -------
    Coverage (boundary cells with fractions, interior runs), in grid indices.
    """
    a, b, c, d, e, f = transform.a, transform.b, transform.c, transform.d, transform.e, transform.f
    if b != 0 or d != 0 or a <= 0 or e >= 0:
        raise CRSError("rotated or south-up rasters are not supported; warp the raster to a north-up grid first")
    geoms = np.asarray(geoms, dtype=object)
    parts, part_zone = shapely.get_parts(geoms, return_index=True)  # MultiPolygon → Polygons
    parts = shapely.orient_polygons(parts, exterior_cw=False)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    ring_zone = part_zone[ring_part]
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    col = (xy[:, 0] - c) / a
    row = (xy[:, 1] - f) / e  # e < 0: rows grow southwards
    same = ring_of[1:] == ring_of[:-1]
    x0, y0, x1, y1 = col[:-1][same], row[:-1][same], col[1:][same], row[1:][same]
    zone = ring_zone[ring_of[:-1][same]]
    pz, pr, pc, dy, xm = _pieces(x0, y0, x1, y1, zone)
    return _assemble(pz, pr, pc, dy, xm)


def _pieces(x0, y0, x1, y1, zone):
    """Cut edges at integer grid lines; returns per piece: zone, row, col, dy, mid-x (cell units).

    Edges are cut at the vertical grid lines, then each part at the horizontal ones; the parts
    come out in order along each edge, so nothing needs sorting. Horizontal edges (and parts)
    add nothing to the signed heights and are dropped.
    """
    sloped = y0 != y1
    x0, y0, x1, y1, zone = x0[sloped], y0[sloped], x1[sloped], y1[sloped], zone[sloped]
    e1, xa, ya, xb, yb = _split(x0, y0, x1, y1)  # at x = integer
    e2, ya, xa, yb, xb = _split(ya, xa, yb, xb)  # at y = integer
    dy = yb - ya
    nz = dy != 0
    xa, xb, ya, yb, dy, e2 = xa[nz], xb[nz], ya[nz], yb[nz], dy[nz], e2[nz]
    xm = 0.5 * (xa + xb)
    cells_c = np.floor(xm).astype(np.int64)
    cells_r = np.floor(0.5 * (ya + yb)).astype(np.int64)
    return zone[e1[e2]], cells_r, cells_c, dy, xm - cells_c


def _split(a0, b0, a1, b1):
    """Cut segments (a0, b0)–(a1, b1) where ``a`` crosses an integer.

    Returns (segment index, a_start, b_start, a_end, b_end) per part, in order along each
    segment; cut points get the exact integer ``a``.
    """
    f0 = np.floor(a0)
    n = np.abs(np.floor(a1) - f0).astype(np.int64)  # integer lines crossed
    m = n + 1  # parts
    seg = np.repeat(np.arange(len(a0)), m)
    k = np.arange(m.sum()) - np.repeat(np.cumsum(m) - m, m)  # part number along the segment
    up = (a1 > a0)[seg]
    f0s, a0s, b0s, a1s, b1s, ns = f0[seg], a0[seg], b0[seg], a1[seg], b1[seg], n[seg]
    last = k == ns
    # crossing j (1-based) lies at a = f0 + j going up, f0 - j + 1 going down; segments that
    # cross nothing (e.g. a constant) have one part, their own end points (no slope needed)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (b1s - b0s) / (a1s - a0s)
        cut_a = np.where(up, f0s + k, f0s - k + 1)  # crossing k: the start of part k ≥ 1
        start_a = np.where(k > 0, cut_a, a0s)
        start_b = np.where(k > 0, b0s + (cut_a - a0s) * slope, b0s)
        end_a = np.where(last, a1s, np.where(up, f0s + k + 1, f0s - k))
        end_b = np.where(last, b1s, b0s + (end_a - a0s) * slope)
    return seg, start_a, start_b, end_a, end_b


def _assemble(pz, pr, pc, dy, xm_frac) -> Coverage:
    if len(pz) == 0:
        empty_i = np.empty(0, np.int64)
        return Coverage(empty_i, empty_i, empty_i, np.empty(0), empty_i, empty_i, empty_i, empty_i)
    own = dy * (1.0 - xm_frac)
    order = _cell_order(pz, pr, pc)
    pz, pr, pc, dy, own = pz[order], pr[order], pc[order], dy[order], own[order]
    new_cell = np.r_[True, (pz[1:] != pz[:-1]) | (pr[1:] != pr[:-1]) | (pc[1:] != pc[:-1])]
    starts = np.flatnonzero(new_cell)
    cz, cr, cc = pz[starts], pr[starts], pc[starts]
    cdy = np.add.reduceat(dy, starts)
    cown = np.add.reduceat(own, starts)
    new_row = np.r_[True, (cz[1:] != cz[:-1]) | (cr[1:] != cr[:-1])]
    group = np.cumsum(new_row) - 1
    csum = np.cumsum(cdy)
    base = (csum - cdy)[new_row][group]  # carry at the start of each (zone, row)
    carry_after = csum - base
    # with anticlockwise exteriors (map coordinates) and rows growing southwards, inside is +
    frac = (carry_after - cdy) + cown
    keep = frac > 1e-12
    # between consecutive boundary cells of a (zone, row) the coverage is the carry: 1 inside,
    # 0 outside, or a fraction in rows that hold a horizontal edge
    nxt_same = np.r_[~new_row[1:], False]
    gap = np.r_[cc[1:], 0] - cc - 1
    run = nxt_same & (gap > 0) & (carry_after > 1e-12)
    full = run & (np.abs(carry_after - 1.0) < 1e-9)
    part = run & ~full
    # partial runs become boundary cells with the carry as their fraction
    n = gap[part]
    pz_, pr_ = np.repeat(cz[part], n), np.repeat(cr[part], n)
    pc_ = np.repeat(cc[part] + 1, n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
    pf_ = np.repeat(carry_after[part], n)
    return Coverage(np.r_[cz[keep], pz_], np.r_[cr[keep], pr_], np.r_[cc[keep], pc_],
                    np.minimum(np.r_[frac[keep], pf_], 1.0),
                    cz[full], cr[full], cc[full] + 1, cc[full] + 1 + gap[full])


def _cell_order(pz: np.ndarray, pr: np.ndarray, pc: np.ndarray) -> np.ndarray:
    """Order of pieces by (zone, row, col): one stable argsort of a packed integer key (the
    pieces arrive in runs along each edge, which a stable sort exploits); a three-key lexsort
    when the packed key would not fit in 63 bits."""
    r0, c0 = pr.min(), pc.min()
    nr, nc = int(pr.max() - r0) + 1, int(pc.max() - c0) + 1
    if (int(pz.max()) + 1) * nr * nc >= 2**62:
        return np.lexsort((pc, pr, pz))
    key = (pz.astype(np.int64) * nr + (pr - r0)) * nc + (pc - c0)
    return np.argsort(key, kind="stable")



#: zones whose coverage is computed together (bounds the temporary arrays of :func:`coverage`)
ZONE_BATCH = 256
#: polygon vertices a batch holds at most (about): a few complex zones (the forest purposes cut
#: by the communes, over a million vertices) are shared out between the cores too
COORD_BATCH = 200_000


def coverage_in_batches(geoms, transform, height: int, width: int, batch: int = ZONE_BATCH) -> Coverage:
    """:func:`coverage` clipped to a ``height × width`` raster, computed for consecutive batches
    of at most ``batch`` zones (and about :data:`COORD_BATCH` vertices) and stored compactly
    (32-bit indices), so that thousands of zones on a national grid need memory for their
    cells, not for the edge pieces of all of them at once. The batches run on every core (numpy
    and GEOS release the GIL), a few at a time."""
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms) or height >= 2**31 or width >= 2**31 or len(geoms) >= 2**31:
        return coverage(geoms, transform).clip(height, width)
    spans = _batches(shapely.get_num_coordinates(geoms), batch)

    def one(span):
        i, j = span
        c = coverage(geoms[i:j], transform).clip(height, width)
        return Coverage((c.b_zone + i).astype(np.int32), c.b_row.astype(np.int32), c.b_col.astype(np.int32),
                        c.b_frac, (c.r_zone + i).astype(np.int32), c.r_row.astype(np.int32),
                        c.r_c0.astype(np.int32), c.r_c1.astype(np.int32))
    parts = map_each(one, spans)
    if len(parts) == 1:
        return parts[0]
    return Coverage(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                      ("b_zone", "b_row", "b_col", "b_frac", "r_zone", "r_row", "r_c0", "r_c1")))


def _batches(coords: np.ndarray, batch: int) -> list[tuple[int, int]]:
    """Consecutive spans ``(start, end)`` of zones: at most ``batch`` zones each, a new span
    started once a span holds :data:`COORD_BATCH` vertices."""
    spans, start, held = [], 0, 0
    for k, n in enumerate(coords.tolist()):
        if k > start and (k - start >= batch or held + n > COORD_BATCH):
            spans.append((start, k))
            start, held = k, 0
        held += n
    spans.append((start, len(coords)))
    return spans
