"""What counts as forest on a canopy-cover or land-cover raster: the legal definition, the
range checks of the raster forest options, and the forest mask of a strip of pixels.

A pixel is forest when its canopy cover reaches the threshold (default 10 %: canopy closure 0.1,
Law on Forestry 16/2017/QH14 Art. 2.3) — or, for a class raster, when its class is in
``forest_classes``. Contiguous forest patches (8-connected by default) smaller than the minimum
area (default 0.3 ha) are not forest; patches are taken whole across zone boundaries.

Also the one list of the forest-status categories every forest indicator reports: the origins,
the purposes and, among them, the three types of forest.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from gisplan import zonal
from gisplan.errors import OptionError
from gisplan.indicators.options import (
    FOREST,
    MIN_OBSERVED_PCT,
    ForestDefinition,
    percent_option,
)

#: origins of forest (``forest_status.origin``)
ORIGINS = ("natural", "plantation")
#: the three types of forest by purpose (Law on Forestry 16/2017/QH14 Art. 5): special-use,
#: protection, production — always reported, in this order
FOREST_TYPES = ("special_use", "protection", "production")
#: every value of ``forest_status.purpose`` (``layers/types.toml``): the three forest types and
#: land outside the planning of the three forest types
PURPOSES = (*FOREST_TYPES, "outside_planning")


def check_options(*, threshold: Any = FOREST.threshold, mmu_ha: Any = FOREST.mmu_ha,
                  forest_classes: Any = None, connectivity: Any = 8,
                  min_observed_pct: Any = MIN_OBSERVED_PCT) -> tuple[ForestDefinition, list[int] | None]:
    """Range-check the raster forest options; returns the definition and the forest classes as
    a list of ints (or None).

    Raises
    ------
    OptionError
        ``threshold`` or ``min_observed_pct`` outside 0–100, ``mmu_ha`` negative or not
        finite, ``forest_classes`` not a non-empty list of integers, ``connectivity`` not 4 or 8.
    """
    definition = ForestDefinition(threshold, mmu_ha)
    percent_option("min_observed_pct", min_observed_pct)
    if isinstance(connectivity, bool) or connectivity not in (4, 8):
        raise OptionError(f"connectivity={connectivity!r} must be 4 or 8 (pixels sharing an edge, or an edge "
                          f"or a corner)")
    classes = None
    if forest_classes is not None:
        bad = isinstance(forest_classes, (str, bytes)) or not isinstance(forest_classes, (Sequence, np.ndarray))
        items = [] if bad else list(forest_classes)
        if bad or not items or not all(isinstance(c, numbers.Integral) and not isinstance(c, bool)
                                       for c in items):
            raise OptionError(f"forest_classes must be a non-empty list of integer class codes (e.g. [1, 2]), "
                              f"got {forest_classes!r}")
        classes = [int(c) for c in items]
    return definition, classes


def forest_mask(values, valid, threshold, forest_classes, info, connectivity, strip: zonal.Strip):
    """Forest pixels of a strip after the minimum-area rule.

    The strip carries ``n_min`` halo rows and columns on each side that has more pixels beyond
    (``strip.open_*``): a patch that reaches such an edge spans more than ``n_min`` rows or
    columns, hence has at least ``n_min`` pixels, and is kept; any other patch is seen whole.
    On a geographic grid patches are measured by their cells' areas.
    """
    if forest_classes is not None:
        forest = np.isin(values, np.asarray(forest_classes)) & valid
    else:
        forest = (values >= threshold) & valid
    area = None
    if info["row_area"] is not None:
        area = info["row_area"][strip.row0: strip.row0 + forest.shape[0], None]
    return zonal.sieve_small(forest, info["n_min"], connectivity=connectivity, open_top=strip.open_top,
                             open_bottom=strip.open_bottom, open_left=strip.open_left,
                             open_right=strip.open_right, pixel_area=area, min_area=info["mmu_m2"])
