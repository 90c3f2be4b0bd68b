"""VN-2000 / TM-3 106°30' computed by hand, independently of PROJ, and compared with what
gisplan's reprojection gives.

- Datum: the seven parameters published by the Ministry (Decision 05/2007/QĐ-BTNMT, registered as
  EPSG:6960, coordinate-frame rotation) applied with a Helmert transformation written out below.
- Projection: on the central meridian (106°30') a transverse Mercator easting is the false easting
  and the northing is k0 × the meridian arc, integrated numerically here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from gisplan.crs import TARGET_CRS

# WGS 84 ellipsoid (VN-2000 uses it too)
A = 6378137.0
F = 1 / 298.257223563
E2 = F * (2 - F)
# Decision 05/2007/QĐ-BTNMT: VN-2000 → WGS 84, metres, arc-seconds, ppm (coordinate frame)
T = np.array([-191.90441429, -39.30318279, -111.45032835])
R_ARCSEC = np.array([-0.00928836, 0.01975479, -0.00427372])
S_PPM = 0.252906278


def _to_ecef(lon, lat, h=0.0):
    lam, phi = math.radians(lon), math.radians(lat)
    n = A / math.sqrt(1 - E2 * math.sin(phi) ** 2)
    return np.array([(n + h) * math.cos(phi) * math.cos(lam), (n + h) * math.cos(phi) * math.sin(lam),
                     (n * (1 - E2) + h) * math.sin(phi)])


def _from_ecef(xyz):
    x, y, z = xyz
    lam = math.atan2(y, x)
    p = math.hypot(x, y)
    phi = math.atan2(z, p * (1 - E2))
    for _ in range(10):
        n = A / math.sqrt(1 - E2 * math.sin(phi) ** 2)
        h = p / math.cos(phi) - n
        phi = math.atan2(z, p * (1 - E2 * n / (n + h)))
    return math.degrees(lam), math.degrees(phi)


def _vn2000_to_wgs84(lon, lat):
    rx, ry, rz = np.radians(R_ARCSEC / 3600)
    # coordinate-frame rotation (EPSG method 9607): the transpose of the position-vector matrix
    rot = np.array([[1, rz, -ry], [-rz, 1, rx], [ry, -rx, 1]])
    return _from_ecef(T + (1 + S_PPM * 1e-6) * rot @ _to_ecef(lon, lat))


def _meridian_arc(lat):
    def integrand(phi):
        return A * (1 - E2) / (1 - E2 * math.sin(phi) ** 2) ** 1.5

    return quad(integrand, 0, math.radians(lat), epsabs=1e-6)[0]


@pytest.mark.parametrize("lat", [21.35, 21.59, 22.15, 22.74])
def test_central_meridian_point_by_hand(lat):
    """A point on 106°30' of VN-2000: easting 500,000 m, northing 0.9999 × meridian arc; its
    WGS 84 position from the published Helmert parameters. gisplan's reprojection of that WGS 84
    position must land on the hand-computed grid coordinates within 5 cm."""
    import geopandas as gpd
    import shapely

    e_hand, n_hand = 500_000.0, 0.9999 * _meridian_arc(lat)
    lon84, lat84 = _vn2000_to_wgs84(106.5, lat)
    # the datum shift here is real: about 0.003° of longitude (~300 m) east-west, not zero
    assert 0.001 < abs(lon84 - 106.5) < 0.01
    pts = gpd.GeoSeries([shapely.Point(lon84, lat84)], crs="EPSG:4326").to_crs(TARGET_CRS)
    assert pts.x.iloc[0] == pytest.approx(e_hand, abs=0.05)
    assert pts.y.iloc[0] == pytest.approx(n_hand, abs=0.05)


def test_wrong_rotation_convention_is_detectable():
    """Writing the parameters as +towgs84 without flipping the rotations (position-vector
    convention) moves points by decimetres here: the check above would see it (FACTS.md: ~0.8 m)."""
    rx, ry, rz = np.radians(R_ARCSEC / 3600)
    pv = np.array([[1, -rz, ry], [rz, 1, -rx], [-ry, rx, 1]])
    good = _vn2000_to_wgs84(106.5, 21.59)
    bad = _from_ecef(T + (1 + S_PPM * 1e-6) * pv @ _to_ecef(106.5, 21.59))
    dx = (good[0] - bad[0]) * 111_320 * math.cos(math.radians(21.59))
    dy = (good[1] - bad[1]) * 110_570
    assert 0.3 < math.hypot(dx, dy) < 2.0
