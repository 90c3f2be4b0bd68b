import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gisplan.errors import CRSError
from gisplan.overlay import clip_by_units

UNITS = gpd.GeoDataFrame({"code": ["W", "E"]}, geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)],
                         crs=9213)


def test_parcel_across_the_border_is_split_exactly():
    parcels = gpd.GeoDataFrame({"pid": ["a", "b"]}, geometry=[shapely.box(900, 100, 1300, 300), shapely.box(10, 10, 20, 20)],
                               crs=9213)
    pieces = clip_by_units(parcels, UNITS, unit_id="code")
    got = {(r.pid, r.code): round(r.geometry.area, 6) for r in pieces.itertuples()}
    assert got == {("a", "W"): 100 * 200, ("a", "E"): 300 * 200, ("b", "W"): 100}
    assert parcels.geometry.iloc[0].equals(shapely.box(900, 100, 1300, 300))  # input untouched


def test_lines_are_split_by_length():
    river = gpd.GeoDataFrame({"sid": ["s"]}, geometry=[shapely.LineString([(500, 500), (1600, 500)])], crs=9213)
    pieces = clip_by_units(river, UNITS, unit_id="code").set_index("code")
    assert pieces.length["W"] == pytest.approx(500) and pieces.length["E"] == pytest.approx(600)


def test_crs_must_match():
    with pytest.raises(CRSError):
        clip_by_units(UNITS.to_crs(3405), UNITS, unit_id="code")


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 100_000))
def test_area_is_conserved_and_matches_geopandas_overlay(seed):
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 2000, (60, 2)) * [1, 0.5]
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=shapely.box(0, 0, 2000, 1000)))
    cells = shapely.intersection(cells, shapely.box(0, 0, 2000, 1000))
    parcels = gpd.GeoDataFrame({"pid": range(len(cells))}, geometry=cells, crs=9213)
    pieces = clip_by_units(parcels, UNITS, unit_id="code")
    assert pieces.area.sum() == pytest.approx(parcels.area.sum(), rel=1e-9)
    ref = gpd.overlay(parcels, UNITS, how="intersection")
    mine = pieces.assign(a=pieces.area).groupby(["pid", "code"])["a"].sum()
    theirs = ref.assign(a=ref.area).groupby(["pid", "code"])["a"].sum()
    theirs = theirs[theirs > 1e-6]
    assert np.allclose(mine.loc[theirs.index], theirs, rtol=1e-9)
