"""The one check before an indicator measures a distance, a length or an area: every layer in
one CRS projected in metres (EPSG:9213 by default).

A CRS in degrees, or projected in another unit (US survey feet, e.g. EPSG:2263), is refused with
a :class:`~gisplan.errors.CRSError` naming the layer — never measured in the wrong unit.
"""

from __future__ import annotations

from typing import Any

from pyproj import CRS

from gisplan.crs import require_projected
from gisplan.errors import CRSError


def require_metres(*layers: tuple[Any, str]) -> CRS:
    """The CRS of ``layers`` (pairs of a GeoDataFrame — or a CRS — and its name in errors, e.g.
    ``(mines, "mines (riverbed_mines)")``; a None layer is left out): each projected in metres
    (:func:`gisplan.crs.require_projected`, checked for every layer first), then all the same.

    Raises
    ------
    CRSError
        naming the layer: no CRS, degrees, a unit other than the metre, or two layers in
        different CRSs (reproject first).
    """
    checked: list[tuple[CRS, str]] = []
    for layer, what in layers:
        if layer is not None:
            checked.append((require_projected(getattr(layer, "crs", layer), what), what))
    for crs, what in checked[1:]:
        first, first_what = checked[0]
        if not crs.equals(first):
            raise CRSError(f"{first_what} ({first.name}) and {what} ({crs.name}) must share one CRS; "
                           f"reproject first")
    return checked[0][0] if checked else None
