import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from gisplan.crs import (
    TARGET_CRS,
    check_axis_order,
    guess_crs,
    is_vn2000_projected,
    recognise_vn2000,
    require_projected,
    to_crs,
)
from gisplan.errors import CRSError


def test_target_is_vn2000_tm3_106_30():
    assert TARGET_CRS.to_epsg() == 9213
    params = {p.name: p.value for p in TARGET_CRS.coordinate_operation.params}
    assert params["Longitude of natural origin"] == 106.5
    assert params["Scale factor at natural origin"] == 0.9999
    assert params["False easting"] == 500000


def test_proj_uses_the_official_7_parameter_transformation():
    # EPSG:6960 "VN-2000 to WGS 84 (2)", coordinate-frame rotation
    t = Transformer.from_crs(4326, 9213, always_xy=True)
    assert "VN-2000 to WGS 84 (2)" in t.description
    # Ignoring the datum shift moves points ~224 m at Thái Nguyên city (FACTS.md): check that the
    # shift is really applied.
    naive = Transformer.from_crs(4326, "+proj=tmerc +lon_0=106.5 +k=0.9999 +x_0=500000 +ellps=WGS84", always_xy=True)
    x1, y1 = t.transform(105.84, 21.59)
    x2, y2 = naive.transform(105.84, 21.59)
    assert 200 < ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5 < 250


@given(st.floats(105.45, 106.25), st.floats(21.3, 22.75))
@settings(max_examples=50, deadline=None)
def test_reproject_there_and_back(lon, lat):
    fwd = Transformer.from_crs(4326, TARGET_CRS, always_xy=True)
    back = Transformer.from_crs(TARGET_CRS, 4326, always_xy=True)
    x, y = fwd.transform(lon, lat)
    lon2, lat2 = back.transform(x, y)
    assert abs(lon2 - lon) < 1e-8 and abs(lat2 - lat) < 1e-8


def test_guess_crs_recognises_the_three_conventions():
    assert guess_crs((105.5, 21.4, 106.2, 22.7)).crs.to_epsg() == 4326
    fwd = Transformer.from_crs(4326, 9213, always_xy=True)
    x0, y0 = fwd.transform(105.5, 21.4)
    x1, y1 = fwd.transform(106.2, 22.7)
    assert guess_crs((x0, y0, x1, y1)).crs.to_epsg() == 9213
    utm = Transformer.from_crs(4326, 3405, always_xy=True)
    x0, y0 = utm.transform(105.5, 21.4)
    x1, y1 = utm.transform(106.2, 22.7)
    assert guess_crs((x0, y0, x1, y1)).crs.to_epsg() == 3405
    assert guess_crs((0, 0, 10, 10)) is None  # e.g. local CAD coordinates
    assert guess_crs((2.0, 48.0, 2.5, 49.0)) is None  # degrees, but not in Vietnam


def test_to_crs_and_require_projected_errors():
    assert to_crs("EPSG:3405").to_epsg() == 3405
    with pytest.raises(CRSError, match="not a CRS"):
        to_crs("EPSG:not-a-code")
    with pytest.raises(CRSError, match="degrees"):
        require_projected(4326, "communes")
    with pytest.raises(CRSError, match="has no CRS"):
        require_projected(None, "communes")


MAPINFO_TM3 = "+proj=tmerc +lat_0=0 +lon_0={lon} +k=0.9999 +x_0=500000 +y_0=0 +datum=WGS84 +units=m"
THAI_NGUYEN_TM3 = (428000.0, 2388000.0, 430000.0, 2390000.0)  # Thái Nguyên city, EPSG:9213 metres


@pytest.mark.parametrize("lon,epsg", [(106.5, 9213), (105.75, 9210), (107.75, 5899), (105, 5897)])
def test_recognise_vn2000_tm3_on_wgs84(lon, epsg):
    guess = recognise_vn2000(MAPINFO_TM3.format(lon=lon), THAI_NGUYEN_TM3 if lon == 106.5 else
                             _bounds_in(epsg))
    assert guess.crs.to_epsg() == epsg and "MapInfo" in guess.reason


def _bounds_in(epsg):
    t = Transformer.from_crs(4326, epsg, always_xy=True)
    return t.transform_bounds(105.8, 21.5, 105.9, 21.6)


def test_recognise_vn2000_meridian_without_an_epsg_code():
    guess = recognise_vn2000(MAPINFO_TM3.format(lon=103.5), (400000, 2400000, 410000, 2410000))
    assert guess.crs.to_epsg() is None and guess.crs.name == "VN-2000 / TM-3 103-30"
    assert is_vn2000_projected(guess.crs)
    params = {p.name: p.value for p in guess.crs.coordinate_operation.params}
    assert params["Longitude of natural origin"] == 103.5 and params["Scale factor at natural origin"] == 0.9999


def test_recognise_vn2000_utm_and_what_it_leaves_alone():
    assert recognise_vn2000("EPSG:32648", _bounds_in(32648)).crs.to_epsg() == 3405
    assert recognise_vn2000("EPSG:32649", (300000, 2400000, 310000, 2410000)).crs.to_epsg() == 3406
    assert recognise_vn2000("EPSG:32647", _bounds_in(32647)) is None  # zone 47: not a VN-2000 UTM zone here
    assert recognise_vn2000("EPSG:9213", THAI_NGUYEN_TM3) is None  # already VN-2000
    assert recognise_vn2000("EPSG:4326", (105.8, 21.5, 105.9, 21.6)) is None  # not projected
    assert recognise_vn2000(MAPINFO_TM3.format(lon=106.5).replace("0.9999", "0.9996"), THAI_NGUYEN_TM3) is None
    assert recognise_vn2000(MAPINFO_TM3.format(lon=106.5).replace("+datum=WGS84", "+ellps=krass"),
                            THAI_NGUYEN_TM3) is None  # another ellipsoid: not VN-2000
    assert recognise_vn2000(MAPINFO_TM3.format(lon=106.5), (428000, 6000000, 430000, 6100000)) is None  # ~54° N


def test_check_axis_order():
    e, n = np.array([428000.0, 430000.0]), np.array([2388000.0, 2390000.0])
    keep = check_axis_order(e, n)
    assert keep.crs.to_epsg() == 9213 and not keep.swap and not len(keep.mixed)
    swap = check_axis_order(n, e)
    assert swap.swap and not len(swap.mixed)
    mixed = check_axis_order(np.array([2388000.0, 2389000.0, 430000.0]), np.array([428000.0, 429000.0, 2390000.0]))
    assert mixed.swap and list(mixed.mixed) == [2]
    utm = Transformer.from_crs(9213, 3405, always_xy=True)
    ue, un = utm.transform(e, n)
    assert check_axis_order(un, ue).crs.to_epsg() == 3405
    assert check_axis_order(un, ue, crs="EPSG:3405").swap
    assert check_axis_order(un, ue, crs="EPSG:32648") is None  # declared, but not VN-2000
    assert check_axis_order(np.array([21.5]), np.array([105.8])) is None  # degrees: guess_crs's job
