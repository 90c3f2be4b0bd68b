"""Coordinate reference systems: the province's VN-2000 / TM-3 106°30' and recognising data
that arrives without a CRS.

gisplan works in VN-2000 / TM-3 106°30' (EPSG:9213) unless told otherwise. Functions accept any
CRS that :meth:`pyproj.CRS.from_user_input` accepts (an EPSG code, ``"EPSG:9213"``, WKT, a PROJ
string, a :class:`pyproj.CRS`). Transformations between VN-2000 and WGS 84 use the operation
PROJ selects by default, the official 7-parameter EPSG:6960 (coordinate-frame rotation); gisplan
never writes a ``+towgs84`` string.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from pyproj import CRS
from pyproj.exceptions import CRSError as _PyprojCRSError

from gisplan.errors import CRSError

log = logging.getLogger(__name__)

#: VN-2000 / TM-3 106°30' — the province's official projected CRS (metres).
TARGET_CRS = CRS.from_epsg(9213)
#: VN-2000 / UTM zone 48N.
VN2000_UTM48 = CRS.from_epsg(3405)
#: WGS 84 geographic (degrees), used only at the edge for web maps.
WGS84 = CRS.from_epsg(4326)

# Envelope of the province (old Thái Nguyên + old Bắc Kạn, lon 105.45–106.25° E, lat
# 21.3–22.75° N) with a margin of ~0.2°, in WGS 84 degrees. Kept narrow enough in longitude that
# TM-3 106°30' eastings (≤ ~490 km) and UTM 48N eastings (≥ ~530 km) cannot be confused.
_LON_RANGE = (105.25, 106.45)
_LAT_RANGE = (21.1, 22.95)


def to_crs(value: Any) -> CRS:
    """Return a :class:`pyproj.CRS` for anything ``pyproj.CRS.from_user_input()`` accepts.

    Raises
    ------
    CRSError
        With the offending value in the message when it is not a valid CRS.

    Examples
    --------
    >>> to_crs(9213).to_epsg()
    9213
    >>> to_crs("EPSG:4326").is_geographic
    True
    """
    if isinstance(value, CRS):
        return value
    try:
        return CRS.from_user_input(value)
    except (_PyprojCRSError, TypeError, ValueError) as exc:
        raise CRSError(
            f"{value!r} is not a CRS: give anything pyproj.CRS.from_user_input() accepts, "
            f"e.g. 9213 or 'EPSG:9213' for VN-2000 / TM-3 106°30'"
        ) from exc


def require_projected(crs: Any, what: str = "data") -> CRS:
    """Return ``crs`` as a CRS, raising :class:`CRSError` if it is missing or geographic.

    Areas and lengths are computed only in a projected CRS (metres), never in degrees.
    """
    if crs is None:
        raise CRSError(f"{what} has no CRS; set one (e.g. gdf.set_crs(9213)) before measuring")
    crs = to_crs(crs)
    if not crs.is_projected:
        raise CRSError(
            f"{what} is in {crs.name} (degrees); reproject to a projected CRS such as "
            f"EPSG:9213 (VN-2000 / TM-3 106°30') before computing areas or lengths"
        )
    return crs


@dataclass(frozen=True)
class CRSGuess:
    """A CRS assumed for data that carried none, with the reason."""

    crs: CRS
    reason: str


def guess_crs(bounds: tuple[float, float, float, float]) -> CRSGuess | None:
    """Recognise the CRS of coordinates that came without one, from their bounds.

    Candidates, in order: WGS 84 degrees, VN-2000 / TM-3 106°30' (EPSG:9213) and VN-2000 / UTM
    48N (EPSG:3405), each accepted only when the bounds fall inside the province's envelope
    (lon 105.25–106.45° E, lat 21.1–22.95° N) expressed in that CRS. Over the province TM-3
    106°30' eastings lie below ~490 km and UTM 48N eastings above ~530 km, so at most one
    projected candidate fits; if ever both did, nothing is assumed.

    Parameters
    ----------
    bounds : (minx, miny, maxx, maxy) of the data, in the data's own units.

    Returns
    -------
    CRSGuess or None when nothing fits.

    Examples
    --------
    >>> guess_crs((105.8, 21.5, 106.0, 21.7)).crs.to_epsg()
    4326
    >>> guess_crs((430000, 2380000, 450000, 2400000)).crs.to_epsg()
    9213
    >>> guess_crs((580000, 2380000, 600000, 2400000)).crs.to_epsg()
    3405
    >>> guess_crs((1.0, 2.0, 3.0, 4.0)) is None
    True
    """
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        return None
    if _inside((minx, miny, maxx, maxy), WGS84):
        return CRSGuess(WGS84, "coordinates are WGS 84 degrees inside the province")
    fits = [
        CRSGuess(crs, f"coordinates fit {label} inside the province")
        for crs, label in (
            (TARGET_CRS, "VN-2000 / TM-3 106°30' (EPSG:9213)"),
            (VN2000_UTM48, "VN-2000 / UTM zone 48N (EPSG:3405)"),
        )
        if _inside((minx, miny, maxx, maxy), crs)
    ]
    return fits[0] if len(fits) == 1 else None


@functools.lru_cache(maxsize=8)
def _envelope(crs: CRS) -> tuple[float, float, float, float]:
    from pyproj import Transformer

    if crs.is_geographic:
        return (_LON_RANGE[0], _LAT_RANGE[0], _LON_RANGE[1], _LAT_RANGE[1])
    t = Transformer.from_crs(WGS84, crs, always_xy=True)
    return t.transform_bounds(_LON_RANGE[0], _LAT_RANGE[0], _LON_RANGE[1], _LAT_RANGE[1])


def _inside(bounds: tuple[float, float, float, float], crs: CRS) -> bool:
    ex = _envelope(crs)
    return bounds[0] >= ex[0] and bounds[1] >= ex[1] and bounds[2] <= ex[2] and bounds[3] <= ex[3]
