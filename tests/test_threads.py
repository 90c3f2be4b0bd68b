"""Steps that run GEOS or GDAL work in threads leave the caller's warnings alone: no worker
enters ``warnings.catch_warnings`` (it swaps the process's filters; a worker leaving it loses
the warnings the main thread is recording), and the results equal those of one call."""

from __future__ import annotations

import threading
import warnings

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from _samples import X0, Y0

from gisplan import _threads


@pytest.fixture
def catches_in_threads(monkeypatch):
    """The names of the worker threads that entered ``warnings.catch_warnings``."""
    seen: list[str] = []
    enter = warnings.catch_warnings.__enter__

    def spy(self):
        if threading.current_thread() is not threading.main_thread():
            seen.append(threading.current_thread().name)
        return enter(self)
    monkeypatch.setattr(warnings.catch_warnings, "__enter__", spy)
    monkeypatch.setattr(_threads, "cores", lambda: 2)
    return seen


def _grid(n: int, invalid: int = 0) -> np.ndarray:
    ix, iy = np.arange(n) % 100, np.arange(n) // 100
    g = shapely.box(X0 + 100.0 * ix, Y0 + 100.0 * iy, X0 + 100.0 * ix + 100, Y0 + 100.0 * iy + 100)
    for k in range(invalid):  # bow ties
        x, y = X0 + 100.0 * (k % 100), Y0 + 100.0 * (k // 100)
        g[k] = shapely.Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100)])
    return g


def test_validity_in_chunks_is_the_same_and_keeps_warnings(catches_in_threads):
    g = _grid(60_000, invalid=7)
    got = _threads.chunked(_threads.is_valid, g, min_chunk=10_000)
    assert np.array_equal(got, shapely.is_valid(g)) and int((~got).sum()) == 7
    assert catches_in_threads == []


def test_purpose_dissolve_and_the_cut_keep_warnings(catches_in_threads, monkeypatch):
    from gisplan.indicators import canopy_change
    from gisplan.overlay import clip_by_units

    g = _grid(30_000)
    purpose = np.array(["special_use", "protection", "production"])[np.arange(len(g)) // 100 % 3]
    lots = gpd.GeoDataFrame({"purpose": purpose, "parcel_id": np.arange(len(g)).astype(str)}, geometry=g, crs=9213)
    zones = canopy_change.purpose_zones(lots)
    # rows of 100 lots of 1 ha alternate purposes: 100 rows each, 10,000 ha a purpose
    assert np.allclose(zones.geometry.area.to_numpy()[:3] / 1e4, 10_000.0)
    units = gpd.GeoDataFrame({"code": ["W", "E"]}, geometry=[shapely.box(X0, Y0, X0 + 5050, Y0 + 30_000),
                                                            shapely.box(X0 + 5050, Y0, X0 + 10_000, Y0 + 30_000)], crs=9213)
    pieces = clip_by_units(lots, units, unit_id="code")
    # the 300 lots in column 50 are cut in two halves of 50 m: 30,000 + 300 pieces, area kept
    assert len(pieces) == 30_300 and np.isclose(pieces.geometry.area.sum(), 30_000 * 1e4)
    assert catches_in_threads == []


def test_a_shapefile_read_in_batches_keeps_warnings(catches_in_threads, tmp_path, monkeypatch):
    import gisplan.io.vector as vector

    monkeypatch.setattr(vector, "BATCH_FEATURES", 1_000)
    g = _grid(4_500)
    path = tmp_path / "lots.shp"
    names = np.array([f"Lô {i}" if i % 7 else None for i in range(len(g))], dtype=object)
    pyogrio.write_dataframe(gpd.GeoDataFrame({"k": np.arange(len(g)), "ten": names}, geometry=g, crs=9213), path)
    got = vector._read_in_batches(str(path))
    assert got["k"].tolist() == list(range(4_500)) and got.crs.to_epsg() == 9213
    # the frame pyogrio makes of the whole file in one read (text, index, geometry, CRS)
    whole = pyogrio.read_dataframe(path, use_arrow=True)
    assert got.drop(columns="geometry").equals(whole.drop(columns="geometry")) and got.crs == whole.crs
    assert bool(np.all(shapely.equals_exact(got.geometry.to_numpy(), whole.geometry.to_numpy(), 0)))
    assert catches_in_threads == []


def test_elements_kept_together_fall_in_one_chunk(monkeypatch):
    monkeypatch.setattr(_threads, "cores", lambda: 2)
    # 100,000 elements labelled in runs of uneven length: every call sees whole runs, and the
    # result is in input order
    calls = []

    def record(labels, values):
        calls.append(set(labels.tolist()))
        return values * 2

    labels = np.repeat(np.arange(7), [1, 40_000, 3, 30_000, 29_990, 5, 1])
    got = _threads.chunked(record, labels, np.arange(len(labels)), min_chunk=10_000, together=labels)
    assert np.array_equal(got, 2 * np.arange(len(labels)))
    assert len(calls) == 2 and not set.intersection(*calls) and set.union(*calls) == set(range(7))


def test_many_against_one_prepared_copy_per_thread(catches_in_threads, monkeypatch):
    """The study-area test of the lots: each thread tests its own prepared copy of the area, and
    the answer is that of one call (a triangle over a 100 × 400 grid of 1 ha squares: the
    squares wholly under the diagonal x + y ≤ 40,000 m from the grid's corner are covered)."""
    seen: list[int] = []
    covered_by = shapely.covered_by

    def spy(geoms, one):
        seen.append(id(one))
        return covered_by(geoms, one)
    g = _grid(40_000)
    area = shapely.Polygon([(X0, Y0), (X0 + 40_000, Y0), (X0, Y0 + 40_000)])
    got = _threads.against_one(spy, g, area, min_chunk=10_000)
    x0, y0 = np.asarray(shapely.bounds(g))[:, 2] - X0, np.asarray(shapely.bounds(g))[:, 3] - Y0
    assert np.array_equal(got, x0 + y0 <= 40_000) and int(got.sum()) == np.count_nonzero(x0 + y0 <= 40_000)
    assert len(seen) == 2 and len(set(seen)) == 2  # two chunks, two distinct copies of the area
    assert catches_in_threads == []


def test_exact_coverage_in_batches_on_the_cores_is_one_call(catches_in_threads, monkeypatch):
    """Zones shared out in batches by vertices (two cores at once) cover the grid cell by cell
    as one call does: 40 discs of 64–2,048 vertices over a 30 m grid, batches of 3,000 vertices."""
    from affine import Affine

    from gisplan.zonal import exact_coverage as ec

    monkeypatch.setattr(ec, "COORD_BATCH", 3_000)
    rng = np.random.default_rng(7)
    centres = rng.uniform(0, 3_000, (40, 2))
    discs = np.array([shapely.Point(X0 + x, Y0 + y).buffer(r, quad_segs=q)
                      for (x, y), r, q in zip(centres, rng.uniform(50, 400, 40), rng.choice([16, 128, 512], 40),
                                              strict=True)])
    t = Affine(30.0, 0.0, X0, 0.0, -30.0, Y0 + 3_000)
    spans = ec._batches(shapely.get_num_coordinates(discs), ec.ZONE_BATCH)
    assert len(spans) > 2 and spans[0][0] == 0 and spans[-1][1] == 40

    def dense(c):
        out = np.zeros((40, 100, 100))
        np.add.at(out, (c.b_zone, c.b_row, c.b_col), c.b_frac)
        for z, r, c0, c1 in zip(c.r_zone, c.r_row, c.r_c0, c.r_c1, strict=True):
            out[z, r, c0:c1] += 1.0
        return out
    got = dense(ec.coverage_in_batches(discs, t, 100, 100))
    assert np.allclose(got, dense(ec.coverage(discs, t).clip(100, 100)), atol=1e-12)
    # and each disc's area, a second way: Σ coverage × 900 m² = the polygon's area where it lies inside
    inside = shapely.covered_by(discs, shapely.box(X0, Y0, X0 + 3_000, Y0 + 3_000))
    assert np.allclose(got.sum(axis=(1, 2))[inside] * 900.0, shapely.area(discs)[inside], rtol=1e-9)
    assert catches_in_threads == []


def test_parcel_blocks_simplified_on_the_cores_as_in_one_thread(catches_in_threads, monkeypatch):
    """The web map's parcels are simplified block by block at once: the same shapes as one block
    after the other, and the blocks still form a coverage (their shared edges are left as they
    are)."""
    from gisplan.maps import parcels_layer as pl

    ix, iy = np.arange(400) % 20, np.arange(400) // 20
    t = np.linspace(0, 1, 21)[:-1]
    # 20 × 20 lots of 100 m whose edges hold a vertex every 5 m, bent by up to 2 m
    rings = []
    for x, y in zip(X0 + 100.0 * ix, Y0 + 100.0 * iy, strict=True):
        pts = np.r_[np.c_[x + 100 * t, np.full(20, y)], np.c_[np.full(20, x + 100), y + 100 * t],
                    np.c_[x + 100 - 100 * t, np.full(20, y + 100)], np.c_[np.full(20, x), y + 100 - 100 * t]]
        pts = pts + 2.0 * np.sin(pts[:, ::-1] / 37.0)  # one smooth field: neighbours keep sharing edges
        rings.append(shapely.Polygon(pts))
    g = np.array(rings, dtype=object)
    assert shapely.coverage_is_valid(g)
    monkeypatch.setattr(_threads, "cores", lambda: 2)
    both = pl.simplify_parcels(g, 4.0, block_parcels=40)
    monkeypatch.setattr(_threads, "cores", lambda: 1)
    one = pl.simplify_parcels(g, 4.0, block_parcels=40)
    assert all(shapely.equals_exact(both, one, 0)) and shapely.coverage_is_valid(both)
    assert shapely.get_num_coordinates(both).sum() < 0.5 * shapely.get_num_coordinates(g).sum()
    assert catches_in_threads == []
