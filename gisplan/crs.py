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


def in_crs(frame, crs: Any):
    """``frame`` (a GeoDataFrame or GeoSeries) in ``crs``: a shallow copy when it is already there
    under any name (``pyproj.CRS.equals``: a GeoTIFF's WKT of EPSG:9213 is not "exactly the
    same" as EPSG:9213, and geopandas would transform every vertex for nothing), else
    reprojected."""
    if frame.crs is not None and frame.crs.equals(to_crs(crs)):
        return frame.copy(deep=False)
    return frame.to_crs(crs)


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
    unit = crs.axis_info[0] if crs.axis_info else None
    if unit is not None and abs(unit.unit_conversion_factor - 1.0) > 1e-12:
        raise CRSError(
            f"{what} is in {crs.name}, whose unit is the {unit.unit_name}, not the metre; reproject "
            f"to EPSG:9213 (VN-2000 / TM-3 106°30', metres) before computing areas or lengths"
        )
    return crs


@dataclass(frozen=True)
class CRSGuess:
    """A CRS assumed for data that carried none, with the reason."""

    crs: CRS
    reason: str


def unit_m(crs: CRS) -> float:
    """Metres per unit of the CRS's first axis (1 for metres; 0.3048 for feet).

    Examples
    --------
    >>> unit_m(CRS.from_epsg(9213)), unit_m(CRS.from_epsg(2227))
    (1.0, 0.30480060960121924)
    """
    factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return float(factor or 1.0)


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


# ---------------------------------------------------------------------------------------------
# VN-2000 projections whose datum was lost (MapInfo TAB/MIF)
#: EPSG codes of the VN-2000 projected CRSs used in Vietnam: UTM 48N/49N, the TM-3 zones
#: 481/482/491 and the provincial TM-3 meridians (k 0.9999, false easting 500 km).
VN2000_PROJECTED_EPSG = (3405, 3406, 5896, 5897, 5898, 5899, *range(9205, 9219))
#: VN-2000 → WGS 84 translations (EPSG:6960), metres: a TOWGS84 close to these is VN-2000.
_VN2000_TOWGS84_XYZ = (-191.90441429, -39.30318279, -111.45032835)
_WGS84_DATUM_NAMES = {"wgs_1984", "wgs 1984", "wgs84", "wgs 84", "world geodetic system 1984",
                      "world_geodetic_system_1984", "world geodetic system 1984 ensemble"}
_UNKNOWN_DATUM_NAMES = {"", "unknown", "unnamed", "not specified", "not_specified", "none",
                        "mif 0", "mif 999", "mif 9999"}


@functools.lru_cache(maxsize=1)
def _vn2000_projected() -> dict[tuple[float, float], CRS]:
    """{(central meridian °, scale factor): EPSG CRS} of the VN-2000 projections in EPSG."""
    out = {}
    for code in VN2000_PROJECTED_EPSG:
        crs = CRS.from_epsg(code)
        p = _tm_params(crs)
        if p is not None:
            out[(round(p["lon_0"], 6), round(p["k"], 7))] = crs
    return out


def _tm_params(crs: CRS) -> dict[str, float] | None:
    """Parameters of a Transverse Mercator projection in metres, else None."""
    base = crs.source_crs if crs.is_bound else crs
    if base is None or not base.is_projected or base.coordinate_operation is None:
        return None
    if base.coordinate_operation.method_name != "Transverse Mercator":
        return None
    if abs(base.axis_info[0].unit_conversion_factor - 1.0) > 1e-12:
        return None
    names = {"Latitude of natural origin": "lat_0", "Longitude of natural origin": "lon_0",
             "Scale factor at natural origin": "k", "False easting": "x_0", "False northing": "y_0"}
    p = {names[q.name]: float(q.value) for q in base.coordinate_operation.params if q.name in names}
    return p if len(p) == 5 else None


def _is_vn2000_datum(name: str) -> bool:
    n = name.lower().replace("_", " ").replace("-", " ")
    return "vn 2000" in n or "vietnam 2000" in n or "viet nam 2000" in n


def _datum_kind(crs: CRS) -> str:
    """``"vn2000"``, ``"wgs84"``, ``"unknown"`` (unnamed, MapInfo placeholder, or a TOWGS84
    matching VN-2000's) or ``"other"``, for a CRS on the WGS 84 ellipsoid (else ``"other"``)."""
    base = crs.source_crs if crs.is_bound else crs
    ell = base.ellipsoid
    if ell is None or abs(ell.semi_major_metre - 6378137.0) > 0.5 or abs(ell.inverse_flattening - 298.257223563) > 1e-6:
        return "other"
    name = (base.datum.name if base.datum else "") or ""
    if _is_vn2000_datum(name):
        return "vn2000"
    if crs.is_bound:
        shift = {q.name: q.value for q in crs.coordinate_operation.params}
        xyz = (shift.get("X-axis translation", 0.0), shift.get("Y-axis translation", 0.0),
               shift.get("Z-axis translation", 0.0))
        close = float(np.hypot.reduce(np.subtract(xyz, _VN2000_TOWGS84_XYZ))) < 5.0
        return "unknown" if close else "other"
    key = name.lower().strip()
    if key in _WGS84_DATUM_NAMES:
        return "wgs84"
    if key in _UNKNOWN_DATUM_NAMES or key.startswith("mif 0"):
        return "unknown"
    return "other"


def _vn2000_like(lon_0: float, k: float) -> CRS | None:
    """The VN-2000 CRS with this central meridian and scale factor (false easting 500 km).

    TM-3 (k 0.9999): central meridians 102°–109°30' on a 15' grid; the EPSG CRS when there is
    one, else a VN-2000 (EPSG:4756) based Transverse Mercator built here. UTM (k 0.9996): zones
    48N (105°) and 49N (111°).
    """
    found = _vn2000_projected().get((round(lon_0, 6), round(k, 7)))
    if found is not None:
        return found
    if abs(k - 0.9999) < 1e-9 and 102.0 <= lon_0 <= 109.5 and abs(lon_0 * 4 - round(lon_0 * 4)) < 1e-9:
        from pyproj.crs import ProjectedCRS
        from pyproj.crs.coordinate_operation import TransverseMercatorConversion

        deg, minutes = int(lon_0), round((lon_0 - int(lon_0)) * 60)
        conv = TransverseMercatorConversion(latitude_natural_origin=0, longitude_natural_origin=lon_0,
                                            false_easting=500000, false_northing=0,
                                            scale_factor_natural_origin=0.9999)
        return ProjectedCRS(conv, name=f"VN-2000 / TM-3 {deg}-{minutes:02d}", geodetic_crs=CRS.from_epsg(4756))
    return None


def recognise_vn2000(crs: Any, bounds: tuple[float, float, float, float], *, utm: bool = True) -> CRSGuess | None:
    """Recognise a VN-2000 projection behind a CRS whose datum was lost.

    MapInfo has no datum code for VN-2000, so a TAB/MIF file written in VN-2000 / TM-3 or
    VN-2000 / UTM comes back from GDAL as the same projection on WGS 84 (or on an unnamed
    datum); Shapefiles of VN-2000 data often carry such a ``.prj`` too (the projection chosen
    on the WGS 84 datum). Read as such, every coordinate moves ~224 m in Thái Nguyên. This returns the VN-2000
    CRS when

    - ``crs`` is a Transverse Mercator in metres on the WGS 84 ellipsoid whose datum is WGS 84,
      unknown, or a TOWGS84 close to VN-2000's (EPSG:6960 translations within 5 m);
    - its parameters are those of a VN-2000 projection used in Vietnam: TM-3 (scale 0.9999,
      central meridian 102°–109°30' on a 15' grid) or UTM zone 48N/49N (scale 0.9996, central
      meridian 105°/111°), false easting 500,000 m, no false northing, latitude of origin 0;
    - ``bounds`` (minx, miny, maxx, maxy in metres of that projection) fall inside VN-2000's
      area of use (Vietnam, lon 102.14–109.53° E, lat 8.33–23.4° N, with a 0.1° margin).

    Parameters
    ----------
    crs : the CRS the file declares (anything ``pyproj.CRS.from_user_input()`` accepts).
    bounds : the data's bounds in that CRS (metres).
    utm : also recognise UTM 48N/49N on WGS 84 (MapInfo files, which cannot record VN-2000 at all).
        Off for Shapefiles: a ``.prj`` saying WGS 84 / UTM 48N is what GPS and satellite
        products really use, while nobody writes WGS 84 data in a TM-3 zone with k = 0.9999.

    Returns
    -------
    CRSGuess with the VN-2000 CRS (EPSG:9213 for TM-3 106°30', EPSG:3405 for UTM 48N …), or
    None when ``crs`` is already VN-2000, is not such a projection, or the data lie outside
    Vietnam.

    Examples
    --------
    >>> mapinfo = "+proj=tmerc +lon_0=106.5 +k=0.9999 +x_0=500000 +datum=WGS84 +units=m"
    >>> recognise_vn2000(mapinfo, (428000, 2388000, 430000, 2389000)).crs.to_epsg()
    9213
    >>> recognise_vn2000("EPSG:32648", (580000, 2380000, 600000, 2400000)).crs.to_epsg()
    3405
    >>> recognise_vn2000("EPSG:32648", (400000, 5000000, 410000, 5010000)) is None  # not Vietnam
    True
    """
    crs = to_crs(crs)
    p = _tm_params(crs)
    if p is None or abs(p["lat_0"]) > 1e-9 or abs(p["x_0"] - 500000) > 1e-6 or abs(p["y_0"]) > 1e-6:
        return None
    kind = _datum_kind(crs)
    if kind not in ("wgs84", "unknown"):
        return None
    if abs(p["k"] - 0.9996) < 1e-9 and (not utm or round(p["lon_0"], 6) not in (105.0, 111.0)):
        return None
    vn = _vn2000_like(p["lon_0"], p["k"])
    if vn is None:
        return None
    if not np.all(np.isfinite(bounds)):
        return None
    from pyproj import Transformer

    lon0, lat0, lon1, lat1 = Transformer.from_crs(vn, WGS84, always_xy=True).transform_bounds(*bounds)
    west, south, east, north = CRS.from_epsg(4756).area_of_use.bounds
    if not (lon0 >= west - 0.1 and lon1 <= east + 0.1 and lat0 >= south - 0.1 and lat1 <= north + 0.1):
        return None
    what = "WGS 84" if kind == "wgs84" else "an unknown datum"
    code = vn.to_epsg()
    label = f"{vn.name} (EPSG:{code})" if code else vn.name
    name = crs.name if crs.name not in ("unnamed", "unknown", "") else "a Transverse Mercator projection"
    return CRSGuess(vn, f"the file declares {name} on {what} with the projection parameters of {label}; "
                        f"its coordinates lie in Vietnam, and MapInfo files (and Shapefile .prj files written "
                        f"by many tools) cannot record the VN-2000 datum, so it is read as VN-2000")


# ---------------------------------------------------------------------------------------------
# X = northing, Y = easting (Vietnamese survey tables)
@dataclass(frozen=True)
class AxisOrder:
    """How point coordinates from two columns fit the province in a VN-2000 projected CRS.

    ``swap``: the first column holds northings (X = northing, Y = easting, the Vietnamese
    surveying convention). ``mixed``: 0-based positions of the points that fit only with the
    other order than the rest (empty unless the table mixes both).
    """

    crs: CRS
    swap: bool
    mixed: np.ndarray


def is_vn2000_projected(crs: Any) -> bool:
    """True for a projected CRS on the VN-2000 datum (EPSG:9213, 3405, other TM-3 zones …)."""
    crs = to_crs(crs)
    base = crs.source_crs if crs.is_bound else crs
    return bool(base.is_projected and base.datum is not None and _is_vn2000_datum(base.datum.name))


def check_axis_order(x: np.ndarray, y: np.ndarray, crs: Any = None) -> AxisOrder | None:
    """Decide whether (x, y) are (easting, northing) or (northing, easting) in VN-2000.

    Each point is tested against the province's envelope (lon 105.25–106.45° E, lat
    21.1–22.95° N) expressed in ``crs`` (when given and VN-2000 projected), else in VN-2000 /
    TM-3 106°30' (EPSG:9213) and VN-2000 / UTM 48N (EPSG:3405). Over the province eastings are
    hundreds of km and northings ~2,300–2,550 km, so the two orders cannot both fit one point.

    Parameters
    ----------
    x, y : the two coordinate columns as read (metres), same length.
    crs : the declared CRS, or None when there is none.

    Returns
    -------
    AxisOrder for the first candidate CRS in which every point fits one way or the other
    (``swap`` is the order of the majority; ``mixed`` the points that disagree), or None when
    the points do not fit the province in a VN-2000 projected CRS either way (another CRS, or
    WGS 84 degrees, which :func:`guess_crs` handles).

    Examples
    --------
    >>> check_axis_order(np.array([2388000.0]), np.array([428000.0])).swap
    True
    >>> check_axis_order(np.array([428000.0]), np.array([2388000.0])).swap
    False
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    if crs is not None:
        crs = to_crs(crs)
        if not is_vn2000_projected(crs):
            return None
        candidates = [crs]
    else:
        candidates = [TARGET_CRS, VN2000_UTM48]
    for cand in candidates:
        asis = _inside_points(x, y, cand)
        swapped = _inside_points(y, x, cand)
        if not (asis | swapped).all() or not len(x):
            continue
        swap = bool(swapped.sum() > asis.sum())
        mixed = np.flatnonzero(asis & ~swapped) if swap else np.flatnonzero(swapped & ~asis)
        return AxisOrder(cand, swap, mixed)
    return None


def _inside_points(x: np.ndarray, y: np.ndarray, crs: CRS) -> np.ndarray:
    ex = _envelope(crs)
    return (x >= ex[0]) & (y >= ex[1]) & (x <= ex[2]) & (y <= ex[3])
