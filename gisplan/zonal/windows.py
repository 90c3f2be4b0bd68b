"""Coverage-weighted class sums per zone, streaming the raster(s) in windows.

The raster is read in windows (strips of rows cut into tiles of columns), only the windows that
hold zone cells (plus the minimum-area halo), so memory follows the window and time the zones,
not the raster. Every window gives partial sums, added in a fixed order, so the windows may run
as tasks on a dask cluster (:mod:`gisplan.distributed`) with the same result to the last digit:
for each class a row-wise prefix sum gives the count of any interior run with two lookups, and
boundary cells add their fractions (:mod:`gisplan.zonal.exact_coverage`). Zones may overlap each
other: every zone is counted independently.

Counts are in pixels (fractional at zone edges), or sums of the given per-row weights (e.g. cell
areas in m²); callers convert to ha.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import rasterio
import shapely
from rasterio.enums import MaskFlags
from rasterio.windows import Window

from gisplan.errors import DataMissingError, OptionError, ReadError
from gisplan.zonal.exact_coverage import Coverage, coverage_in_batches

DEFAULT_STRIP_ROWS = 1024
#: columns of a window's core (with DEFAULT_STRIP_ROWS: 4 Mi cells, ~60 MB of work arrays)
DEFAULT_TILE_COLS = 4096


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
        results = _run_on_client(client, list(sources), band, windows, classify, n_classes, row_weights)
    else:
        results = _run_here(list(sources), band, windows, classify, n_classes, row_weights)
    for zones, part in results:  # fixed order: the windows' order
        out[zones] += part
        if progress is not None:
            progress.update(1)
    return out



#: windows submitted ahead of the one being added, per worker thread of a cluster (bounds the memory held)
AHEAD_PER_THREAD = 4


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


def _run_on_client(client, sources: list[str], band: int, windows: list, classify: Callable, n_classes: int,
                   row_weights: np.ndarray | None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Partial sums of ``windows`` computed as tasks of ``client`` (a ``dask.distributed.Client``,
    see :mod:`gisplan.distributed`), yielded in the windows' order. A bounded number of tasks is
    in flight, so the memory held does not grow with the raster."""
    threads = sum(client.nthreads().values()) or 1
    ahead = max(2, AHEAD_PER_THREAD * threads)
    # the classifier (it may carry per-row cell areas) and the row weights go to every worker once
    shared = client.scatter([classify, row_weights], broadcast=True, hash=False)
    pending: deque = deque()
    try:
        for w in windows:
            pending.append(client.submit(process_window, sources, band, w, shared[0], n_classes, shared[1],
                                         pure=False))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for f in pending:
            f.cancel()


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
