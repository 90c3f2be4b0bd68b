"""Exact zonal statistics on rasters: coverage fractions, class sums per zone, minimum-area sieve.

How it works
------------
Every polygon edge is cut at the raster's grid lines (vectorised). Each piece lies in one cell
and contributes, by Green's theorem, its signed height ``dy`` to every cell to its right and
``dy × (cell's right edge − piece's mid x)`` to its own cell. Summed along a row these give the
exact area of the polygon inside each cell (the coverage fraction, the same number
exactextract computes), holes and multi-part polygons included. Only cells that an edge
crosses are stored; between two such cells in a row the coverage is constant (0 or 1), so the
interior is kept as runs of whole cells.

Zonal sums then stream the raster in windows (strips of rows cut into tiles of columns), reading
only the windows that hold zone cells (plus the minimum-area halo), so memory follows the window
and time the zones, not the raster. Every window gives partial sums, added in a fixed order, so
the windows may run as tasks on a dask cluster (:mod:`gisplan.distributed`) with the same result
to the last digit: for each class a row-wise prefix sum gives the
count of any interior run with two lookups, and boundary cells add their fractions. Zones may
overlap each other: every zone is counted independently.

The minimum-mapping-unit rule (contiguous forest patches smaller than a given area are not
forest) is applied per window with a halo of rows and columns: a patch smaller than N pixels spans
fewer than N rows and columns, so a patch that does not reach the halo's outer edge is seen whole,
and one that does is at least N pixels and is kept. The result equals the whole-raster answer.
Within a window, box sums settle the cells that are certainly in a large enough patch, and only
the cells left (isolated pixels, small or thin patches) are joined into patches (:func:`sieve_small`).

All areas are in the raster's CRS units squared; callers convert to ha.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import rasterio
import shapely
from rasterio.enums import MaskFlags
from rasterio.windows import Window
from scipy import ndimage

from gisplan.errors import CRSError, DataMissingError, OptionError, ReadError

log = logging.getLogger(__name__)

DEFAULT_STRIP_ROWS = 1024
#: columns of a window's core (with DEFAULT_STRIP_ROWS: 4 Mi cells, ~60 MB of work arrays)
DEFAULT_TILE_COLS = 4096


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


def min_patch_pixels(mmu_area: float, pixel_area: float) -> int:
    """Smallest pixel count whose area reaches ``mmu_area`` (patches below it are dropped)."""
    if mmu_area <= 0:
        return 0
    return max(1, math.ceil(mmu_area / pixel_area - 1e-9))


#: largest radius of the box sums that settle cells without labelling (box side 2·r + 3 ≤ 11:
#: up to 121 cells, so the counts fit in uint8); a larger minimum falls back to plain labelling
_SETTLE_MAX_RADIUS = 4


def sieve_small(mask: np.ndarray, n_min: int, *, connectivity: int = 8,
                open_top: bool = False, open_bottom: bool = False,
                open_left: bool = False, open_right: bool = False,
                pixel_area: np.ndarray | None = None, min_area: float | None = None) -> np.ndarray:
    """``mask`` without connected patches of fewer than ``n_min`` pixels.

    Patches touching an ``open`` edge (a window boundary with unseen pixels beyond) are kept.
    With ``pixel_area`` (area of each pixel, broadcastable to ``mask``: per row for a
    geographic grid) and ``min_area``, a patch is dropped when its area is below ``min_area``
    instead of its pixel count below ``n_min``.

    Most cells are settled without labelling: box sums give each forest cell a lower bound of
    its patch's size (see :func:`_unsettled`), and a cell next to a settled one is in the same
    patch. Only the remaining cells (isolated pixels, thin or small patches: a few % of a
    canopy map) are joined into components, as a sparse graph. When many are left the whole
    mask is labelled (compiled union-find with numba, else scipy). The result is the same as
    labelling the whole mask with scipy (:func:`sieve_small_labelled`).
    """
    if n_min <= 1 or not mask.any():
        return mask
    weighted = pixel_area is not None and min_area is not None
    areas = np.broadcast_to(pixel_area, mask.shape) if weighted else None
    n_sure = _sure_count(n_min, areas, min_area)
    radius = _settle_radius(n_sure, connectivity)
    labelled = dict(connectivity=connectivity, open_top=open_top, open_bottom=open_bottom, open_left=open_left,
                    open_right=open_right, pixel_area=pixel_area, min_area=min_area)
    if radius is None:
        return _sieve_window(mask, n_min, **labelled)
    h, w = mask.shape
    growth = radius + _GROW_STEPS
    pad = radius + 1 + growth
    grid = np.zeros((h + 2 * pad, w + 2 * pad), np.uint8)
    grid[pad: pad + h, pad: pad + w] = mask
    rest = _unsettled(grid, h, w, pad, n_sure, radius, connectivity, growth, _JOIN_MAX_SHARE)
    cells = None if rest is None else np.flatnonzero(rest)
    if cells is not None and len(cells) == 0:
        return mask
    if cells is None or len(cells) > _JOIN_MAX_SHARE * np.count_nonzero(grid):  # many: label the window
        return _sieve_window(mask, n_min, **labelled)
    stride = grid.shape[1]
    forest, restf = grid.ravel().view(bool), rest.ravel()
    moves = _STEPS[connectivity]
    # a component of the rest touching a kept cell belongs to a patch with a settled cell; a cell
    # with no forest around it is a patch of its own
    keep_cell = np.zeros(len(cells), bool)
    linked = np.zeros(len(cells), bool)
    for dr, dc in moves:
        for sign in (1, -1):
            nb = cells + sign * (dr * stride + dc)
            around = forest[nb]
            linked |= around
            keep_cell |= around > restf[nb]
    row, col = cells // stride - pad, cells % stride - pad
    for is_open, edge in ((open_top, row == 0), (open_bottom, row == h - 1),
                          (open_left, col == 0), (open_right, col == w - 1)):
        if is_open:
            keep_cell |= edge
    comp, n_comp = _components(cells, linked, stride, moves)
    if weighted:
        small = np.bincount(comp, weights=areas[row, col], minlength=n_comp) < min_area * (1 - 1e-12)
    else:
        small = np.bincount(comp, minlength=n_comp) < n_min
    small[comp[keep_cell]] = False
    drop = small[comp]
    if not drop.any():
        return mask
    out = np.array(mask, order="C")
    out.ravel()[row[drop] * w + col[drop]] = False
    return out


#: forward neighbour steps (row, column) of each connectivity; the backward ones are their negatives
_STEPS = {8: ((0, 1), (1, -1), (1, 0), (1, 1)), 4: ((0, 1), (1, 0))}


def _sure_count(n_min: int, areas: np.ndarray | None, min_area: float | None) -> int:
    """A pixel count that no patch of the rule can be dropped with: ``n_min``, or with cell
    areas the count whose smallest possible area reaches the minimum area."""
    if areas is None:
        return n_min
    smallest = float(areas.min())
    if smallest <= 0:
        return 1 << 30  # no count suffices: every patch is measured
    n = max(1, math.ceil(min_area * (1 - 1e-12) / smallest))
    while n * smallest < min_area * (1 - 1e-12):
        n += 1
    return n


def _settle_radius(n: int, connectivity: int) -> int | None:
    """Smallest radius ``r`` whose box sums can prove a patch of ``n`` cells (see
    :func:`_unsettled`), or None above :data:`_SETTLE_MAX_RADIUS`."""
    for r in range(_SETTLE_MAX_RADIUS + 1):
        side = 2 * r + 3
        reach = (9 if connectivity == 8 else 5) if r == 0 else side * side - (0 if connectivity == 8 else 4)
        if n <= reach:
            return r
    return None


#: rows of a band in :func:`_unsettled` (its work arrays stay in the CPU's cache)
_BAND_ROWS = 48
#: share of a window's forest cells left unsettled above which the whole window is labelled
#: instead: the sparse graph costs ~130 ns a cell left, labelling 1 ns a cell of the window plus
#: ~13 ns a forest cell (compiled union-find on the national 30 m and 10 m canopy mosaics, where
#: 6 % and 40 % of the forest cells are left)
_JOIN_MAX_SHARE = 0.1
#: steps through forest from settled cells (beyond the box radius) that join cells to them
_GROW_STEPS = 1


def _unsettled(grid: np.ndarray, h: int, w: int, pad: int, n: int, radius: int, connectivity: int,
               steps: int, max_share: float = 1.0) -> np.ndarray | None:
    """Forest cells of ``grid`` (0/1 uint8: an ``h × w`` mask padded with ``pad`` = radius + 1 +
    ``steps`` zeros) that are neither settled nor joined to a settled cell within ``steps`` steps
    through forest (same shape as ``grid``); None when more than ``max_share`` of the forest
    cells of the first bands (a tenth of the rows or more) are left.

    A settled cell is certainly in a patch of at least ``n`` cells. 8-connectivity: every cell of
    a cell's 3 × 3 box is its neighbour, so a forest cell with ``n`` forest cells in its box is
    in a patch of ``n`` or more (radius 0). When the (2r+1)² box around a cell is all forest it
    is one patch, and every cell of the next ring touches it: the forest cells of the (2r+3)²
    box are all in the cell's patch (radius r). 4-connectivity: the cell and its 4 neighbours
    (radius 0); a full box, plus the next ring but its 4 corners (which touch only the ring).
    Computed in bands of rows.
    """
    flag = grid.view(bool)
    rest = np.zeros(grid.shape, bool)
    probed = False
    for a in range(0, h, _BAND_ROWS):
        if not probed and a >= h // 10:
            probed = True
            if a and np.count_nonzero(rest[pad: pad + a]) > max_share * np.count_nonzero(grid[pad: pad + a]):
                return None
        b = min(h, a + _BAND_ROWS)
        # settled cells of rows a-steps … b+steps-1 and columns -steps … w+steps-1
        r0, r1, c0, c1 = a + pad - steps, b + pad + steps, pad - steps, pad + w + steps
        if radius == 0 and connectivity == 4:
            count = grid[r0 - 1: r1 - 1, c0: c1] + grid[r0 + 1: r1 + 1, c0: c1]
            count += grid[r0: r1, c0 - 1: c1 - 1]
            count += grid[r0: r1, c0 + 1: c1 + 1]
            count += grid[r0: r1, c0: c1]
            joined = count >= n
        else:
            joined = _box_sum(grid, radius + 1, r0, r1, c0, c1) >= (n if connectivity == 8 else n + 4)
        if radius == 0:
            joined &= flag[r0: r1, c0: c1]
        else:
            joined &= _box_sum(grid, radius, r0, r1, c0, c1) == (2 * radius + 1) ** 2
        for k in range(1, steps + 1):  # forest cells next to joined ones are joined
            joined = _grow(joined, connectivity)
            joined &= flag[r0 + k: r1 - k, c0 + k: c1 - k]
        np.greater(flag[r0 + steps: r1 - steps, c0 + steps: c1 - steps], joined,
                   out=rest[r0 + steps: r1 - steps, c0 + steps: c1 - steps])
    return rest


def _box_sum(grid: np.ndarray, r: int, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
    """Sums of the (2r+1)² boxes centred on rows ``r0 … r1-1``, columns ``c0 … c1-1`` of ``grid``."""
    rows = grid[r0 - r: r1 + r, c0 - r: c1 - r].copy()
    for k in range(1, 2 * r + 1):
        rows += grid[r0 - r: r1 + r, c0 - r + k: c1 - r + k]
    out = rows[0: r1 - r0].copy()
    for k in range(1, 2 * r + 1):
        out += rows[k: k + r1 - r0]
    return out


def _grow(cells: np.ndarray, connectivity: int) -> np.ndarray:
    """Inner cells (all but the outer row and column on each side) of ``cells`` grown by one step
    of the connectivity."""
    if connectivity == 4:
        out = cells[:-2, 1:-1] | cells[2:, 1:-1]
        out |= cells[1:-1, :-2]
        out |= cells[1:-1, 2:]
        out |= cells[1:-1, 1:-1]
        return out
    rows = cells[:, :-2] | cells[:, 1:-1]
    rows |= cells[:, 2:]
    out = rows[:-2] | rows[1:-1]
    out |= rows[2:]
    return out


def _components(cells: np.ndarray, linked: np.ndarray, stride: int, steps) -> tuple[np.ndarray, int]:
    """Connected components of a sparse set of cells (sorted flat indices into a padded grid of
    ``stride`` columns; ``linked``: the cells with a forest neighbour, the others are components
    of one cell): (component of each cell, number of components)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    comp = np.empty(len(cells), np.int64)
    alone = ~linked
    n_alone = int(alone.sum())
    comp[alone] = np.arange(n_alone)
    joined = cells[linked]
    n = len(joined)
    # east neighbour: the next cell. The row below (south-west, south, south-east with 8, south
    # with 4: consecutive cells): one search finds the first cell at or after the first of them,
    # and the cells sorted after it are the others if they are in the set
    src, dst = [np.flatnonzero(joined[1:] == joined[:-1] + 1)], []
    dst.append(src[0] + 1)
    below = [dr * stride + dc for dr, dc in steps if dr == 1]
    base = joined + below[0]
    first = np.searchsorted(joined, base)
    for j in range(len(below)):
        at = np.minimum(first + j, n - 1)
        hit = np.flatnonzero((joined[at] - base).astype(np.uint64) < len(below))  # 0 ≤ offset < width
        src.append(hit)
        dst.append(at[hit])
    src, dst = np.concatenate(src), np.concatenate(dst)
    graph = csr_matrix((np.ones(len(src), np.int8), (src, dst)), shape=(n, n))
    n_comp, sub = connected_components(graph, directed=False)
    comp[linked] = n_alone + sub
    return comp, n_alone + n_comp


#: label whole windows with the compiled union-find of :mod:`gisplan._zonal_numba` when numba is
#: installed (about twice as fast as scipy's ``ndimage.label`` with the patch sizes); tests set
#: it to False to compare both
USE_COMPILED = True
#: smallest window (cells) labelled by the compiled union-find: below it scipy is as fast as
#: loading the compiled code (~0.5 s once per process)
COMPILED_MIN_CELLS = 1 << 20
_COMPILED: list = []  # [the compiled function, or None without numba], filled on first use


def _sieve_window(mask: np.ndarray, n_min: int, **rule) -> np.ndarray:
    """:func:`sieve_small` by labelling the whole window: compiled when numba is there, else scipy
    (``rule``: the keyword options of :func:`sieve_small`)."""
    pixel_area, min_area = rule["pixel_area"], rule["min_area"]
    compiled = USE_COMPILED and mask.size >= COMPILED_MIN_CELLS
    if compiled and not _COMPILED:
        try:
            from gisplan._zonal_numba import sieve_union_find
        except ImportError:
            sieve_union_find = None
        _COMPILED.append(sieve_union_find)
    if not (compiled and _COMPILED[0] is not None):
        return sieve_small_labelled(mask, n_min, **rule)
    weighted = pixel_area is not None and min_area is not None
    row_area = np.empty(0)
    if weighted:
        area = np.asarray(pixel_area, dtype=np.float64)
        if area.ndim not in (0, 2) or (area.ndim == 2 and area.shape[1] != 1):  # not one area per row
            return sieve_small_labelled(mask, n_min, **rule)
        row_area = np.ascontiguousarray(np.broadcast_to(area.reshape(-1, 1) if area.ndim else area,
                                                        (mask.shape[0], 1))[:, 0])
    return _COMPILED[0](np.ascontiguousarray(mask, dtype=np.uint8), n_min, rule["connectivity"] == 8,
                        rule["open_top"], rule["open_bottom"], rule["open_left"], rule["open_right"],
                        row_area, float(min_area) if weighted else 0.0)


def sieve_small_labelled(mask: np.ndarray, n_min: int, *, connectivity: int = 8,
                         open_top: bool = False, open_bottom: bool = False,
                         open_left: bool = False, open_right: bool = False,
                         pixel_area: np.ndarray | None = None, min_area: float | None = None) -> np.ndarray:
    """:func:`sieve_small` by labelling every patch of the mask (scipy ``ndimage.label``): the
    path for minimum areas above the box sums' reach."""
    if n_min <= 1 or not mask.any():
        return mask
    structure = np.ones((3, 3), bool) if connectivity == 8 else ndimage.generate_binary_structure(2, 1)
    labels, n = ndimage.label(mask, structure=structure)
    if n == 0:
        return mask
    if pixel_area is not None and min_area is not None:
        areas = np.broadcast_to(pixel_area, mask.shape)
        small = np.bincount(labels.ravel(), weights=areas.ravel(), minlength=n + 1) < min_area * (1 - 1e-12)
    else:
        small = np.bincount(labels.ravel(), minlength=n + 1) < n_min
    small[0] = False
    for is_open, edge in ((open_top, labels[0]), (open_bottom, labels[-1]),
                          (open_left, labels[:, 0]), (open_right, labels[:, -1])):
        if is_open:
            small[np.unique(edge)] = False
    if not small.any():
        return mask
    return mask & ~small[labels]


@dataclass(frozen=True)
class Strip:
    """The window read for one strip, given to ``classify`` in :func:`class_sums`.

    ``row0``, ``col0``: raster row and column of the arrays' first pixel. ``top``, ``bottom``,
    ``left``, ``right``: halo rows/columns around the core (the cells that are counted).
    ``open_*``: the raster has more pixels beyond that edge of the window (a patch touching it
    may continue).
    """

    row0: int
    col0: int
    top: int
    bottom: int
    left: int
    right: int
    open_top: bool
    open_bottom: bool
    open_left: bool
    open_right: bool

    def core(self, a: np.ndarray) -> np.ndarray:
        """The core part of an array read for this strip."""
        return a[self.top: a.shape[0] - self.bottom, self.left: a.shape[1] - self.right]


def zones_window(cov: Coverage) -> tuple[int, int, int, int] | None:
    """Rows and columns ``(r0, r1, c0, c1)`` (end exclusive) of the cells the zones cover, or
    None when they cover none (``cov`` clipped to the raster)."""
    rows = np.r_[cov.b_row, cov.r_row]
    if rows.size == 0:
        return None
    c0 = min(int(cov.b_col.min(initial=np.iinfo(cov.b_col.dtype).max)),
             int(cov.r_c0.min(initial=np.iinfo(cov.r_c0.dtype).max)))
    c1 = max(int(cov.b_col.max(initial=-1)) + 1, int(cov.r_c1.max(initial=-1)))
    return int(rows.min()), int(rows.max()) + 1, int(c0), int(c1)


def class_sums(sources: Sequence[str], zones_geoms: np.ndarray, classify: Callable, n_classes: int, *,
               halo: int = 0, strip_rows: int = DEFAULT_STRIP_ROWS, band: int = 1,
               progress=None, row_weights: np.ndarray | None = None,
               crs_name: str = "the raster's CRS", tile_cols: int = DEFAULT_TILE_COLS,
               client=None) -> np.ndarray:
    """Coverage-weighted pixel counts per zone and class, streaming the raster(s) in windows.

    Only the rows and columns the zones cover (plus ``halo`` on each side) are read, in windows
    of ``strip_rows`` × ``tile_cols`` cells, and windows holding no zone cell are skipped, so
    memory follows the window and time the zones, not the raster's extent. Each window gives
    partial sums; they are added in a fixed (row-major) order, so the result is the same to the
    last digit whether the windows run here or as tasks on a dask cluster (``client``).

    Parameters
    ----------
    sources : raster paths on the same grid (e.g. two years); with ``client`` each worker opens
        them itself, so they must be readable from the workers (shared disk, or a GDAL URL such
        as ``/vsicurl/https://…`` of a Cloud-Optimized GeoTIFF).
    zones_geoms : polygons in the rasters' CRS.
    classify : ``f(arrays, masks, strip) -> int array`` of classes for the core cells of the
        window (``arrays``/``masks``: one per source, the window with its halo; ``strip``: a
        :class:`Strip`, whose ``core()`` cuts the halo off). Class 0 is not counted.
    n_classes : number of classes (including 0).
    halo : extra rows and columns read around every window (for the minimum-area rule).
    strip_rows, tile_cols : core size of a window in rows and columns.
    row_weights : weight of a cell per raster row (e.g. cell areas in m² of a geographic grid);
        the sums are then weighted.
    crs_name : name of the rasters' CRS, for the error message.
    client : a ``dask.distributed.Client``: the windows run as its tasks (see
        :mod:`gisplan.distributed`); None runs them in this process.

    Returns
    -------
    array (n_zones, n_classes) of counts in pixels (fractional at zone edges), or weighted sums.

    Raises
    ------
    DataMissingError
        When the raster covers none of the zones.
    """
    if strip_rows < 1 or tile_cols < 1:
        raise OptionError(f"strip_rows={strip_rows} and tile_cols={tile_cols} must be ≥ 1 (cells)")
    with rasterio.open(sources[0]) as ds0:
        transform, height, width, rbounds = ds0.transform, ds0.height, ds0.width, tuple(ds0.bounds)
        if not 1 <= band <= ds0.count:
            raise OptionError(f"band={band} does not exist in {sources[0]}, which has {ds0.count} band(s)")
    n_zones = len(zones_geoms)
    cov = coverage_in_batches(zones_geoms, transform, height, width)
    win = zones_window(cov)
    if win is None:
        zb = shapely.total_bounds(np.asarray(zones_geoms, dtype=object))
        raise DataMissingError(
            f"raster {sources[0]} covers none of the {n_zones} zones: raster bounds "
            f"{_fmt_bounds(rbounds)}, zones' bounds {_fmt_bounds(zb)} (both in {crs_name}); "
            f"use a raster that covers the zones, or check the zones' and the raster's CRS")
    windows = plan_windows(cov, win, height, width, halo=halo, strip_rows=strip_rows, tile_cols=tile_cols)
    del cov  # the windows hold their own (sorted) cells
    if progress is not None and hasattr(progress, "reset"):
        progress.reset(total=len(windows))
    out = np.zeros((n_zones, n_classes))
    if client is not None:
        from gisplan.distributed import run_windows

        results = run_windows(client, list(sources), band, windows, classify, n_classes, row_weights)
    else:
        results = _run_here(list(sources), band, windows, classify, n_classes, row_weights)
    for zones, part in results:  # fixed order: the windows' order
        out[zones] += part
        if progress is not None:
            progress.update(1)
    return out



@dataclass(frozen=True)
class ZoneWindow:
    """One window of :func:`class_sums`: core rows ``r0 … r1 - 1`` and columns ``c0 … c1 - 1``,
    the :class:`Strip` read (core plus halo), and the zone cells inside the core (boundary cells
    ``b_*`` and interior runs ``r_*`` cut at the window's columns, as in :class:`Coverage`)."""

    r0: int
    r1: int
    c0: int
    c1: int
    strip: Strip
    cov: Coverage

    @property
    def pixels(self) -> int:
        """Cells read (core and halo)."""
        s = self.strip
        return (s.top + self.r1 - self.r0 + s.bottom) * (s.left + self.c1 - self.c0 + s.right)


#: zones whose coverage is computed together (bounds the temporary arrays of :func:`coverage`)
ZONE_BATCH = 256


def coverage_in_batches(geoms, transform, height: int, width: int, batch: int = ZONE_BATCH) -> Coverage:
    """:func:`coverage` clipped to a ``height × width`` raster, computed for ``batch`` zones at a
    time and stored compactly (32-bit indices), so that thousands of zones on a national grid
    need memory for their cells, not for the edge pieces of all of them at once."""
    geoms = np.asarray(geoms, dtype=object)
    if height >= 2**31 or width >= 2**31 or len(geoms) >= 2**31:
        return coverage(geoms, transform).clip(height, width)
    parts = []
    for i in range(0, len(geoms), batch):
        c = coverage(geoms[i: i + batch], transform).clip(height, width)
        parts.append(Coverage((c.b_zone + i).astype(np.int32), c.b_row.astype(np.int32), c.b_col.astype(np.int32),
                              c.b_frac, (c.r_zone + i).astype(np.int32), c.r_row.astype(np.int32),
                              c.r_c0.astype(np.int32), c.r_c1.astype(np.int32)))
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return coverage(geoms, transform).clip(height, width)
    return Coverage(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                      ("b_zone", "b_row", "b_col", "b_frac", "r_zone", "r_row", "r_c0", "r_c1")))


def plan_windows(cov: Coverage, win: tuple[int, int, int, int], height: int, width: int, *, halo: int,
                 strip_rows: int, tile_cols: int) -> list[ZoneWindow]:
    """The windows (row-major) of the zones' window ``win`` that hold at least one zone cell,
    each with its cells; interior runs crossing a window's column edge are cut there."""
    r_lo, r_hi, c_lo, c_hi = win
    n_tc = -(-(c_hi - c_lo) // tile_cols)
    # runs cut at the tile columns
    k0 = (cov.r_c0 - c_lo) // tile_cols
    k1 = (cov.r_c1 - 1 - c_lo) // tile_cols
    n = (k1 - k0 + 1).astype(np.int64)
    idx = np.repeat(np.arange(len(n)), n)
    k = np.repeat(k0, n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
    rc0 = np.maximum(cov.r_c0[idx], c_lo + k * tile_cols)
    rc1 = np.minimum(cov.r_c1[idx], c_lo + (k + 1) * tile_cols)
    r_key = ((cov.r_row[idx] - r_lo) // strip_rows) * n_tc + k
    b_key = ((cov.b_row - r_lo) // strip_rows) * n_tc + (cov.b_col - c_lo) // tile_cols
    b_order = np.argsort(b_key, kind="stable")
    r_order = np.argsort(r_key, kind="stable")
    b_key, r_key = b_key[b_order], r_key[r_order]
    keys = np.union1d(b_key, r_key)
    b_lo, b_hi = np.searchsorted(b_key, keys, "left"), np.searchsorted(b_key, keys, "right")
    r_lo_i, r_hi_i = np.searchsorted(r_key, keys, "left"), np.searchsorted(r_key, keys, "right")
    bz, br, bc, bf = (a[b_order] for a in (cov.b_zone, cov.b_row, cov.b_col, cov.b_frac))
    rz, rr, rc0, rc1 = cov.r_zone[idx][r_order], cov.r_row[idx][r_order], rc0[r_order], rc1[r_order]
    del idx, b_order, r_order
    windows = []
    for key, bl, bh, rl, rh in zip(keys.tolist(), b_lo.tolist(), b_hi.tolist(), r_lo_i.tolist(),
                                   r_hi_i.tolist(), strict=True):
        i, j = divmod(key, n_tc)
        r0, c0 = r_lo + i * strip_rows, c_lo + j * tile_cols
        r1, c1 = min(r_hi, r0 + strip_rows), min(c_hi, c0 + tile_cols)
        h0, h1 = max(0, r0 - halo), min(height, r1 + halo)
        w0, w1 = max(0, c0 - halo), min(width, c1 + halo)
        strip = Strip(h0, w0, r0 - h0, h1 - r1, c0 - w0, w1 - c1, h0 > 0, h1 < height, w0 > 0, w1 < width)
        cells = Coverage(bz[bl:bh], br[bl:bh], bc[bl:bh], bf[bl:bh], rz[rl:rh], rr[rl:rh], rc0[rl:rh], rc1[rl:rh])
        windows.append(ZoneWindow(r0, r1, c0, c1, strip, cells))
    return windows


def window_sums(arrays: list[np.ndarray], masks: list[np.ndarray], w: ZoneWindow, classify: Callable,
                n_classes: int, row_weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Partial sums of one window: (zones present, array (len(zones), n_classes))."""
    cls = classify(arrays, masks, w.strip)
    zones, inv = np.unique(np.r_[w.cov.b_zone, w.cov.r_zone], return_inverse=True)
    nb = len(w.cov.b_zone)
    local = Coverage(inv[:nb], w.cov.b_row, w.cov.b_col, w.cov.b_frac, inv[nb:], w.cov.r_row, w.cov.r_c0,
                     w.cov.r_c1)
    part = np.zeros((len(zones), n_classes))
    _accumulate(part, local, cls, w.r0, w.c0, n_classes, row_weights)
    return zones, part


def read_window(datasets, sources: Sequence[str], band: int, w: ZoneWindow) -> list[tuple[np.ndarray, np.ndarray]]:
    """Values and validity of the window (core and halo) in each source."""
    s = w.strip
    window = Window(s.col0, s.row0, s.left + (w.c1 - w.c0) + s.right, s.top + (w.r1 - w.r0) + s.bottom)
    out = []
    for src, ds in zip(sources, datasets, strict=True):
        try:
            out.append(_read_with_mask(ds, band, window))
        except rasterio.errors.RasterioIOError as exc:
            raise ReadError(f"cannot decode rows {s.row0}–{s.row0 + window.height - 1}, columns "
                            f"{s.col0}–{s.col0 + window.width - 1} of raster {src}: "
                            f"{str(exc).rstrip('.')}. The file may be truncated or damaged") from exc
    return out


_OPEN = threading.local()


def _open_cached(sources: Sequence[str]) -> list:
    """The sources opened by this thread, kept open between tasks (a worker thread reuses the
    handles and GDAL's block cache, so the halo shared by neighbouring windows is decoded once);
    a file replaced since it was opened (other size or time) is opened anew."""
    cache = getattr(_OPEN, "datasets", None)
    if cache is None:
        cache = _OPEN.datasets = {}
    out = []
    for src in sources:
        try:
            st = os.stat(src)
            stamp = (st.st_size, st.st_mtime_ns)
        except OSError:  # a GDAL URL (/vsicurl/…): no stat
            stamp = None
        hit = cache.get(src)
        if hit is None or hit[1] != stamp or hit[0].closed:
            if hit is not None:
                hit[0].close()
            if len(cache) >= 16:
                for ds, _ in cache.values():
                    ds.close()
                cache.clear()
            hit = cache[src] = (rasterio.open(src), stamp)
        out.append(hit[0])
    return out


def process_window(sources: Sequence[str], band: int, w: ZoneWindow, classify: Callable, n_classes: int,
                   row_weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Read one window of the sources and return its partial sums (a task of a cluster; the
    worker thread keeps the sources open between its tasks)."""
    data = read_window(_open_cached(sources), sources, band, w)
    return window_sums([d for d, _ in data], [m for _, m in data], w, classify, n_classes, row_weights)


def _run_here(sources, band, windows, classify, n_classes, row_weights):
    """Partial sums of the windows, in order, in this process; the next window is decoded (GDAL
    releases the GIL) while the current one is counted."""
    datasets = [rasterio.open(s) for s in sources]
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = None
        try:
            pending = pool.submit(read_window, datasets, sources, band, windows[0]) if windows else None
            for i, w in enumerate(windows):
                data = pending.result()
                pending = (pool.submit(read_window, datasets, sources, band, windows[i + 1])
                           if i + 1 < len(windows) else None)
                yield window_sums([d for d, _ in data], [m for _, m in data], w, classify, n_classes,
                                  row_weights)
        finally:
            if pending is not None:
                pending.exception()
            for ds in datasets:
                ds.close()


def _fmt_bounds(b) -> str:
    return "(" + ", ".join(f"{v:.5f}" if abs(v) < 1000 else f"{v:.0f}" for v in b) + ")"


def _read_with_mask(ds, band: int, win: Window) -> tuple[np.ndarray, np.ndarray]:
    """Band values and validity of a window, decoding the data once when validity comes
    from a nodata value (``read_masks`` would decode it a second time). In a float raster NaN
    and ±inf are nodata whether or not a nodata value is declared."""
    data = ds.read(band, window=win)
    flags = ds.mask_flag_enums[band - 1]
    if MaskFlags.all_valid in flags:
        valid = np.ones(data.shape, bool)
    elif MaskFlags.nodata in flags and ds.nodata is not None:
        valid = data != ds.nodata  # a NaN nodata matches nothing here; isfinite below drops it
    else:
        valid = ds.read_masks(band, window=win) > 0
    if np.issubdtype(data.dtype, np.floating):
        valid &= np.isfinite(data)
    return data, valid


def _accumulate(out, cov: Coverage, cls, r_off, c_off, n_classes, row_weights=None) -> None:
    """Add the classes ``cls`` (core cells of a window whose first cell is row ``r_off``, column
    ``c_off``) of the cells of ``cov`` (all inside the window) to ``out`` (rows: ``cov``'s zones)."""
    h, w = cls.shape
    # boundary cells
    if len(cov.b_zone):
        c = cls[cov.b_row - r_off, cov.b_col - c_off]
        frac = cov.b_frac if row_weights is None else cov.b_frac * row_weights[cov.b_row]
        np.add.at(out, (cov.b_zone, c), frac)
    # interior runs
    if not len(cov.r_zone):
        return
    zone, row = cov.r_zone, cov.r_row - r_off
    c0, c1 = cov.r_c0 - c_off, cov.r_c1 - c_off
    rw = None if row_weights is None else row_weights[cov.r_row]
    # per class, a row-wise prefix sum of its pixels: a run's count is P[row, c1] - P[row, c0]
    # (zones may overlap: every run is counted for its own zone)
    prefix = np.zeros((h, w + 1), dtype=np.int32)
    for c in range(1, n_classes):
        np.cumsum(cls == c, axis=1, dtype=np.int32, out=prefix[:, 1:])
        counts = prefix[row, c1] - prefix[row, c0]
        out[:, c] += np.bincount(zone, weights=counts if rw is None else counts * rw, minlength=out.shape[0])
