"""The minimum-mapping-unit rule on a raster mask: connected patches smaller than a given area
(a pixel count, or an area with per-row cell areas on a geographic grid) are dropped.

Applied per window of :func:`gisplan.zonal.class_sums` with a halo of rows and columns: a patch
smaller than N pixels spans fewer than N rows and columns, so a patch that does not reach the
halo's outer edge is seen whole, and one that does is at least N pixels and is kept (the
``open_*`` edges). The result equals the whole-raster answer. Within a window, box sums settle
the cells that are certainly in a large enough patch, and only the cells left (isolated pixels,
small or thin patches) are joined into patches (:func:`sieve_small`); when many are left the
window is labelled whole, by the compiled union-find of :mod:`gisplan.zonal._sieve_numba` when
numba is installed, else by scipy (:func:`sieve_small_labelled`).

The switches :data:`USE_COMPILED`, :data:`COMPILED_MIN_CELLS` and :data:`_JOIN_MAX_SHARE` are
read from this module at call time: set them here (``gisplan.zonal.sieve``), not on the package.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage


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


#: label whole windows with the compiled union-find of :mod:`gisplan.zonal._sieve_numba` when
#: numba is installed (about twice as fast as scipy's ``ndimage.label`` with the patch sizes);
#: tests set it to False to compare both
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
            from gisplan.zonal._sieve_numba import sieve_union_find
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

