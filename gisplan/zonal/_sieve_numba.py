"""Compiled (numba) minimum-area sieve: one union-find labelling pass, patch sizes, and the mask
without the small patches — the same cells as :func:`gisplan.zonal.sieve.sieve_small_labelled`.

Imported by :mod:`gisplan.zonal.sieve` only when numba is installed (it comes with pysheds, extra
``hazard``) and a window has too many unsettled cells for the sparse graph; compiled once and
cached on disk.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _root(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@numba.njit(cache=True, nogil=True)
def _join(parent, a, b):
    """Join the sets of labels ``a`` and ``b``; returns the root (the smaller label)."""
    a = _root(parent, a)
    b = _root(parent, b)
    if a < b:
        parent[b] = a
        return a
    if b < a:
        parent[a] = b
    return b


@numba.njit(cache=True, nogil=True)
def sieve_union_find(mask, n_min, eight, open_top, open_bottom, open_left, open_right, row_area, min_area):
    """``mask`` (2-D uint8 0/1) without its patches of fewer than ``n_min`` cells (or, when
    ``row_area`` — the area of a cell of each row — is not empty, of area below ``min_area``),
    patches touching an open edge kept. ``eight``: 8-connectivity, else 4.

    Rows are scanned once: a forest cell takes the label of its north neighbour (with
    8-connectivity its west, north-west and north-east neighbours then already share it), else
    joins those of its west/north-west and north-east neighbours, else starts a label.
    """
    h, w = mask.shape
    lab = np.zeros((h, w), np.int32)
    parent = np.empty((h * w + 1) // 2 + 2, np.int32)
    parent[0] = 0
    n_labels = 0
    for i in range(h):
        for j in range(w):
            if not mask[i, j]:
                continue
            north = lab[i - 1, j] if i > 0 else 0
            west = lab[i, j - 1] if j > 0 else 0
            if north:
                lab[i, j] = _join(parent, north, west) if (west and not eight) else north
                continue
            if eight:
                if west == 0 and i > 0 and j > 0:
                    west = lab[i - 1, j - 1]
                ne = lab[i - 1, j + 1] if (i > 0 and j + 1 < w) else 0
                if ne:
                    lab[i, j] = _join(parent, ne, west) if west else ne
                    continue
            if west:
                lab[i, j] = west
            else:
                n_labels += 1
                parent[n_labels] = n_labels
                lab[i, j] = n_labels
    size = np.zeros(n_labels + 1, np.float64)
    keep = np.zeros(n_labels + 1, np.bool_)
    weighted = row_area.shape[0] > 0
    for i in range(h):
        edge_row = (open_top and i == 0) or (open_bottom and i == h - 1)
        cell = row_area[i] if weighted else 1.0
        last, root = 0, 0  # along a row the same label repeats: its root is found once
        for j in range(w):
            x = lab[i, j]
            if x:
                if x != last:
                    last, root = x, _root(parent, x)
                lab[i, j] = root
                size[root] += cell
                if edge_row or (open_left and j == 0) or (open_right and j == w - 1):
                    keep[root] = True
    limit = min_area * (1 - 1e-12) if weighted else float(n_min)
    for x in range(1, n_labels + 1):
        keep[x] = keep[x] or size[x] >= limit
    out = np.empty((h, w), np.bool_)
    for i in range(h):
        for j in range(w):
            out[i, j] = keep[lab[i, j]]
    return out
