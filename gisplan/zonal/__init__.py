"""Exact zonal statistics on rasters: coverage fractions, class sums per zone, minimum-area sieve.

- :mod:`gisplan.zonal.exact_coverage` — the exact fraction of every raster cell inside each
  polygon (Green's theorem over the edges cut at the grid lines; the numbers exactextract
  computes): :class:`Coverage`, :func:`coverage`, :func:`coverage_in_batches`;
- :mod:`gisplan.zonal.sieve` — the minimum-mapping-unit rule (patches smaller than an area are
  not forest): :func:`min_patch_pixels`, :func:`sieve_small`, :func:`sieve_small_labelled`, and
  its switches ``USE_COMPILED`` / ``COMPILED_MIN_CELLS`` (with the numba kernel in
  :mod:`gisplan.zonal._sieve_numba`);
- :mod:`gisplan.zonal.windows` — coverage-weighted class sums per zone, streaming the raster in
  windows that may run as dask tasks: :func:`class_sums`, :class:`Strip`, :class:`ZoneWindow`,
  :func:`plan_windows`, :func:`process_window`.

All areas are in the raster's CRS units squared; callers convert to ha. The names below are
re-exported for ``from gisplan import zonal; zonal.class_sums(...)``. The sieve's switches are
read by :mod:`gisplan.zonal.sieve` at call time and must be set there: assigning them on this
package is refused, since it would change nothing.
"""

from __future__ import annotations

import sys
import types

from gisplan.zonal.exact_coverage import ZONE_BATCH, Coverage, coverage, coverage_in_batches
from gisplan.zonal.sieve import min_patch_pixels, sieve_small, sieve_small_labelled
from gisplan.zonal.windows import (
    DEFAULT_STRIP_ROWS,
    DEFAULT_TILE_COLS,
    Strip,
    ZoneWindow,
    class_sums,
    plan_windows,
    process_window,
    read_window,
    window_sums,
    zones_window,
)

__all__ = ["DEFAULT_STRIP_ROWS", "DEFAULT_TILE_COLS", "ZONE_BATCH", "Coverage", "Strip", "ZoneWindow",
           "class_sums", "coverage", "coverage_in_batches", "min_patch_pixels", "plan_windows",
           "process_window", "read_window", "sieve_small", "sieve_small_labelled", "window_sums",
           "zones_window"]

#: module-level switches of :mod:`gisplan.zonal.sieve`, read there at call time
_SIEVE_SWITCHES = frozenset({"USE_COMPILED", "COMPILED_MIN_CELLS", "_JOIN_MAX_SHARE", "_GROW_STEPS"})


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value) -> None:
        if name in _SIEVE_SWITCHES:
            raise AttributeError(f"gisplan.zonal.{name} would change nothing: the sieve reads it from "
                                 f"gisplan.zonal.sieve; set gisplan.zonal.sieve.{name} instead")
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
