"""Vectorised GEOS operations over large arrays run on every core.

shapely releases the GIL while GEOS works, so a predicate or an overlay over hundreds of
thousands of geometries cut into one chunk per core runs that many times faster (the forest-
status lots of a province: validity, the cut by the communes). Results are in input order;
an exception raised in a chunk is raised here as it would be by one call.

Work run in a thread must not enter ``warnings.catch_warnings``: it swaps the process's
warning filters, and a thread leaving it restores them under the main thread's feet (a warning
the caller records is lost). ``shapely.is_valid`` does so; :func:`is_valid` is the same test
without it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import shapely

T = TypeVar("T")
R = TypeVar("R")

#: Elements per chunk below which an operation runs in one call.
MIN_CHUNK = 20_000


def cores() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def chunked(fn: Callable[..., np.ndarray], *arrays, min_chunk: int = MIN_CHUNK,
            together: np.ndarray | None = None) -> np.ndarray:
    """``fn(*arrays)`` for equally long arrays, computed on consecutive chunks at once (one per
    core, at least ``min_chunk`` elements each) and put together in order.

    ``together``: labels (sorted, one per element) of elements that must fall in one chunk —
    those that share a *prepared* geometry: GEOS builds a prepared geometry's indexes on first
    use, and two threads using it at once crash the process.

    Examples
    --------
    >>> import shapely
    >>> boxes = shapely.box(np.arange(5.0), 0, np.arange(5.0) + 2, 1)
    >>> chunked(shapely.area, boxes, min_chunk=2).tolist()
    [2.0, 2.0, 2.0, 2.0, 2.0]
    """
    n = len(arrays[0])
    k = min(cores(), n // max(1, min_chunk))
    if k <= 1:
        return fn(*arrays)
    edges = np.linspace(0, n, k + 1).astype(int)
    if together is not None:  # each inner edge moved forward to where the label changes
        starts = np.flatnonzero(np.r_[True, together[1:] != together[:-1]])
        edges[1:-1] = starts[np.minimum(np.searchsorted(starts, edges[1:-1]), len(starts) - 1)]
        edges = np.unique(np.r_[edges, n])
        if len(edges) <= 2:
            return fn(*arrays)
    return np.concatenate(map_each(lambda i: fn(*(a[edges[i]:edges[i + 1]] for a in arrays)), range(len(edges) - 1)))


def against_one(fn: Callable[[np.ndarray, shapely.Geometry], np.ndarray], geoms: np.ndarray,
                one: shapely.Geometry, *, min_chunk: int = MIN_CHUNK) -> np.ndarray:
    """``fn(geoms, one)`` — many geometries tested against one, prepared (a predicate such as
    ``shapely.covered_by`` against the study area) — on consecutive chunks at once. Each thread
    tests its own prepared copy of ``one``: a prepared geometry is used by one thread only
    (see :func:`chunked`).

    Examples
    --------
    >>> boxes = shapely.box(np.arange(5.0), 0, np.arange(5.0) + 1, 1)
    >>> against_one(shapely.covered_by, boxes, shapely.box(0, 0, 3, 1), min_chunk=2).tolist()
    [True, True, True, False, False]
    """
    n = len(geoms)
    k = min(cores(), n // max(1, min_chunk))
    if k <= 1:
        shapely.prepare(one)
        return fn(geoms, one)
    copies = [one, *shapely.from_wkb(shapely.to_wkb([one] * (k - 1)))]  # WKB keeps every coordinate
    shapely.prepare(copies)
    edges = np.linspace(0, n, k + 1).astype(int)
    return np.concatenate(map_each(lambda i: fn(geoms[edges[i]:edges[i + 1]], copies[i]), range(k)))


def map_each(fn: Callable[[T], R], items: Iterable[T], *, cost: Callable[[T], float] | None = None) -> list[R]:
    """``[fn(x) for x in items]`` computed on every core (one item per core at a time), in the
    order of ``items``. ``cost``: each item's expected work; the costliest start first, so that
    a large one does not run alone at the end.

    Examples
    --------
    >>> map_each(len, ["a", "bbb", "cc"], cost=len)
    [1, 3, 2]
    """
    items = list(items)
    n = min(cores(), len(items))
    if n <= 1:
        return [fn(x) for x in items]
    order = sorted(range(len(items)), key=lambda i: -cost(items[i])) if cost else range(len(items))
    with ThreadPoolExecutor(n) as pool:
        done = dict(zip(order, pool.map(lambda i: fn(items[i]), order), strict=True))
    return [done[i] for i in range(len(items))]


def is_valid(geoms) -> np.ndarray:
    """``shapely.is_valid`` without the ``warnings.catch_warnings`` it wraps GEOS in (GEOS reports
    nothing through Python warnings here): safe to run in a thread."""
    return shapely.lib.is_valid(geoms)
