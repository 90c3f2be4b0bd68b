import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from gisplan.crs import TARGET_CRS, guess_crs, require_projected, to_crs
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
