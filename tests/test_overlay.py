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


# -- robustness: clip_by_rect failures, warped edge-sharing units ------------------------------
def _warp(geoms, amp, seed):
    """A smooth warp applied to every vertex (shared vertices stay shared)."""
    k = 0.7 + seed % 5 * 0.1

    def f(xy):
        x, y = xy[:, 0], xy[:, 1]
        return np.column_stack([x + amp * np.sin(y / 97.0 * k), y + amp * np.cos(x / 131.0 * k)])
    return shapely.transform(geoms, f)


def _grid_units(nx, ny, size, seed):
    cells = [shapely.box(i * size, j * size, (i + 1) * size, (j + 1) * size) for i in range(nx) for j in range(ny)]
    cells = shapely.segmentize(np.array(cells, dtype=object), size / 37)  # densified shared edges
    return gpd.GeoDataFrame({"code": [f"U{k}" for k in range(len(cells))]},
                            geometry=_warp(cells, size / 9, seed), crs=9213)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.lists(st.tuples(st.floats(-50, 950), st.floats(-50, 950),
                                                  st.floats(0.5, 400), st.floats(0.5, 400)), min_size=1, max_size=6),
       st.booleans())
def test_area_is_conserved_on_warped_densified_units(seed, boxes, round_shapes):
    units = _grid_units(3, 3, 300.0, seed)
    feats = [shapely.box(x, y, x + w, y + h) for x, y, w, h in boxes]
    if round_shapes:  # many-vertex polygons (263 vertices) across unit edges
        feats = [shapely.Point(g.centroid).buffer(max(w, h) / 2, quad_segs=66) for g, (_, _, w, h) in zip(feats, boxes, strict=True)]
    feats.append(units.geometry.iloc[seed % 9])  # a feature sharing every edge with a unit
    parcels = gpd.GeoDataFrame({"parcel_id": [f"p{k}" for k in range(len(feats))]},
                               geometry=_warp(np.array(feats, dtype=object), 3.0, seed + 1), crs=9213)
    pieces = clip_by_units(parcels, units, unit_id="code")
    whole = shapely.union_all(units.geometry.to_numpy())
    expected = shapely.area(shapely.intersection(parcels.geometry.to_numpy(), whole))
    got = pieces.assign(a=pieces.area).groupby("parcel_id")["a"].sum()
    got = parcels["parcel_id"].map(got).fillna(0.0).to_numpy()
    assert got == pytest.approx(expected, rel=1e-6, abs=1e-6 * expected.max())


def test_clip_by_rect_failure_falls_back_to_exact_intersection(monkeypatch):
    import gisplan.overlay as overlay

    def broken(*args, **kwargs):
        raise shapely.errors.GEOSException("IllegalArgumentException: Invalid number of points in LinearRing found 3 - must be 0 or >= 4")
    monkeypatch.setattr(overlay.shapely, "clip_by_rect", broken)
    unit = shapely.Point(500, 500).buffer(400, quad_segs=66)  # 264-vertex ring
    units = gpd.GeoDataFrame({"code": ["C"]}, geometry=[unit], crs=9213)
    parcel = gpd.GeoDataFrame({"parcel_id": ["x"]}, geometry=[shapely.box(800, 400, 1000, 600)], crs=9213)
    pieces = clip_by_units(parcel, units, unit_id="code")
    assert pieces.area.sum() == pytest.approx(shapely.intersection(parcel.geometry.iloc[0], unit).area, rel=1e-12)


def test_invalid_clip_by_rect_output_is_not_used(monkeypatch):
    import gisplan.overlay as overlay

    bowtie = shapely.Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)])  # invalid self-crossing ring
    monkeypatch.setattr(overlay.shapely, "clip_by_rect", lambda *a, **k: bowtie)
    parcel = gpd.GeoDataFrame({"parcel_id": ["x"]}, geometry=[shapely.box(900, 100, 1300, 300)], crs=9213)
    pieces = clip_by_units(parcel, UNITS, unit_id="code")
    assert pieces.set_index("code").area.to_dict() == pytest.approx({"W": 100 * 200, "E": 300 * 200})


def test_feet_and_degrees_are_refused():
    with pytest.raises(CRSError, match="foot"):
        clip_by_units(UNITS.set_crs(2263, allow_override=True), UNITS.set_crs(2263, allow_override=True),
                      unit_id="code")
    with pytest.raises(CRSError, match="degrees"):
        clip_by_units(UNITS.set_crs(4326, allow_override=True), UNITS.set_crs(4326, allow_override=True),
                      unit_id="code")
