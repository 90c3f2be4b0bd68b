"""The overlap check of lot layers: the screen by shared edges (gisplan.io.shared_edges) and the
search from the flagged lots (gisplan.io.geometry_checks.check_overlaps), against the overlaps
every pair of lots tested with DE-9IM gives, and against areas worked out by hand."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from _samples import X0, Y0

import gisplan.io.shared_edges as shared_edges
from gisplan.io.geometry_checks import check_overlaps
from gisplan.io.report import ValidationReport
from gisplan.io.shared_edges import unmatched_edges


def grid(x0: float, y0: float, size: float, n: int) -> np.ndarray:
    """``n`` × ``n`` square lots of side ``size``, row by row from the south-west corner."""
    ix, iy = np.meshgrid(np.arange(n), np.arange(n))
    ix, iy = ix.ravel(), iy.ravel()
    return shapely.box(x0 + size * ix, y0 + size * iy, x0 + size * ix + size, y0 + size * iy + size)


def every_overlap(geoms: np.ndarray) -> set[tuple[int, int]]:
    """The second method: every pair of lots whose boxes meet, tested with DE-9IM."""
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    a, b = a[a < b], b[a < b]
    inner = shapely.relate_pattern(geoms[a], geoms[b], "T********")
    return set(zip(a[inner].tolist(), b[inner].tolist(), strict=True))


def reported(geoms: np.ndarray, tol_m2: float = 0.0) -> tuple[set[tuple[int, int]], dict]:
    """The pairs check_overlaps reports (by position) and their areas in m²."""
    frame = gpd.GeoDataFrame(geometry=geoms, crs=9213)
    report = ValidationReport()
    check_overlaps(frame, pd.Series(np.arange(len(geoms))), report, tol_m2)
    pairs, areas = set(), {}
    for issue in report.issues:
        assert issue.code == "overlap" and issue.severity == "error"
        other, m2 = re.match(r"overlaps (\d+) by ([\d,.]+) m²", issue.message).groups()
        pair = (int(issue.row), int(other))
        pairs.add(pair)
        areas[pair] = float(m2.replace(",", ""))
    return pairs, areas


def test_a_clean_tiling_flags_only_its_outer_lots():
    # 12 × 12 lots with every edge cut into 10 m segments (the vertices neighbours share), some
    # drawn clockwise, one a multipolygon of two lots, one with a hole filled by another lot
    n = 12
    lots = shapely.segmentize(grid(X0, Y0, 100.0, n), 10.0)
    lots[[5, 17, 60]] = [shapely.Polygon(list(p.exterior.coords)[::-1]) for p in lots[[5, 17, 60]]]
    hole = shapely.segmentize(shapely.box(X0 + 530, Y0 + 530, X0 + 570, Y0 + 570), 10.0)
    lots[5 * n + 5] = shapely.Polygon(lots[5 * n + 5].exterior.coords, [hole.exterior.coords])
    lots = np.r_[lots, hole]
    two = shapely.MultiPolygon([lots[2 * n + 2], lots[2 * n + 4]])  # the lot between stays apart
    lots[2 * n + 2] = two
    lots = np.delete(lots, 2 * n + 4)
    assert shapely.is_valid(lots).all()
    # the second method: the lots with an edge on the grid's outer boundary
    outer = shapely.boundary(shapely.box(X0, Y0, X0 + 100 * n, Y0 + 100 * n))
    on_edge = np.flatnonzero(shapely.length(shapely.intersection(shapely.boundary(lots), outer)) > 0)
    assert len(on_edge) == 4 * n - 4
    assert np.array_equal(unmatched_edges(lots), on_edge)
    assert reported(lots)[0] == set() == every_overlap(lots)


def test_a_shifted_lot_a_duplicate_and_a_neighbour_with_an_extra_vertex():
    n = 6
    lots = grid(X0, Y0, 100.0, n)
    lots[7] = shapely.box(X0 + 130, Y0 + 100, X0 + 230, Y0 + 200)  # 30 m onto lot 8
    lots[20] = shapely.Polygon([(X0 + 200, Y0 + 300), (X0 + 300, Y0 + 300), (X0 + 300, Y0 + 350),
                                (X0 + 300, Y0 + 400), (X0 + 200, Y0 + 400)])  # a vertex lot 21 lacks
    lots = np.r_[lots, lots[27]]  # lot 27 twice: position 36
    flagged = set(unmatched_edges(lots).tolist())
    assert {7, 8, 20, 21, 27, 36} <= flagged
    assert not flagged & {14, 15, 22}  # interior lots away from the faults
    pairs, areas = reported(lots)
    assert pairs == every_overlap(lots) == {(7, 8), (27, 36)}
    assert areas[(7, 8)] == 3000.0  # 30 m × 100 m
    assert areas[(27, 36)] == 10000.0  # the whole lot
    # a tolerance above the sliver leaves only the duplicate
    assert reported(lots, tol_m2=5000.0)[0] == {(27, 36)}


def test_two_complete_tilings_of_one_compartment_are_found_inside_too():
    # a 100 m compartment tiled twice — 4 × 4 lots and 5 × 5 lots — inside a ring of eight
    # 100 m lots; every edge cut at 5 m, so the two tilings share their outline vertex for vertex
    # and inside each tiling every segment is paired. The inner lots of one tiling overlap those
    # of the other although none of their edges is unpaired: found from the outline's lots.
    ring = np.delete(grid(X0, Y0, 100.0, 3), 4)
    four, five = grid(X0 + 100, Y0 + 100, 25.0, 4), grid(X0 + 100, Y0 + 100, 20.0, 5)
    lots = shapely.segmentize(np.r_[ring, four, five], 5.0)
    flagged = set(unmatched_edges(lots).tolist())
    inner_four = {8 + i for i in (5, 6, 9, 10)}
    inner_five = {24 + i for i in (6, 7, 8, 11, 12, 13, 16, 17, 18)}
    assert not flagged & (inner_four | inner_five)
    pairs, areas = reported(lots)
    assert pairs == every_overlap(lots)
    # by hand: four's lot (125–150, 125–150) on five's (120–140, 120–140): 15 m × 15 m
    a, b = 8 + 5, 24 + 6
    assert shapely.equals(lots[a], shapely.box(X0 + 125, Y0 + 125, X0 + 150, Y0 + 150))
    assert shapely.equals(lots[b], shapely.box(X0 + 120, Y0 + 120, X0 + 140, Y0 + 140))
    assert areas[(a, b)] == 225.0
    # every lot of one tiling overlaps some lot of the other; the ring overlaps nothing
    assert {i for p in pairs for i in p} == set(range(8, 8 + 16 + 25))
    # GEOS's coverage validation leaves the inner lots of both tilings unflagged: a screen by
    # it alone would miss the overlaps between them
    geos = set(np.flatnonzero(~shapely.is_empty(shapely.coverage_invalid_edges(lots))).tolist())
    assert any(a in inner_four and b in inner_five and not {a, b} & geos for a, b in pairs)


def test_bands_flag_what_one_piece_flags(monkeypatch):
    # 40 × 40 lots on a skewed grid (vertices moved by a smooth field, so the lots are not
    # boxes), a few shifted; matched in one piece and in many narrow bands
    n = 40
    lots = shapely.segmentize(grid(X0, Y0, 50.0, n), 12.5)
    lots = shapely.transform(lots, lambda xy: xy + 7.0 * np.sin(xy[:, ::-1] / 97.0))
    shifted = np.arange(3, n * n, 97)
    lots[shifted] = shapely.transform(lots[shifted], lambda xy: xy + [4.0, 1.0])
    one = unmatched_edges(lots)
    monkeypatch.setattr(shared_edges, "BAND_SEGMENTS", 2_000)
    monkeypatch.setattr(shared_edges, "CHUNK", 100)
    assert np.array_equal(unmatched_edges(lots), one)
    assert set(shifted) <= set(one.tolist())
    assert reported(lots)[0] == every_overlap(lots)


def _communes_file(tmp_path, bow_tie: bool):
    """36 communes on a grid, one shifted 30 m onto its neighbour; with ``bow_tie`` one more
    commune drawn as a self-crossing ring (repaired on read)."""
    from _samples import sample_frame

    from gisplan.catalog import load_layer_types

    lots = grid(X0, Y0, 100.0, 6)
    lots[7] = shapely.box(X0 + 130, Y0 + 100, X0 + 230, Y0 + 200)
    if bow_tie:
        lots[30] = shapely.Polygon([(X0, Y0 + 500), (X0 + 100, Y0 + 600), (X0 + 100, Y0 + 500), (X0, Y0 + 600)])
    frame = sample_frame(load_layer_types()["communes"], len(lots))
    frame = frame.set_geometry(gpd.GeoSeries(lots, crs=9213))
    path = tmp_path / f"communes_{bow_tie}.gpkg"
    frame.to_file(path)
    return path


def test_the_screen_started_on_read_gives_the_checks_report(tmp_path, monkeypatch):
    # read with the screen started beside the decoding (a layer counted as large) and without
    # it: the same issues. With a commune repaired on read, the early screen is not used.
    import gisplan.io.geometry_checks as geometry_checks
    import gisplan.io.reading as reading
    from gisplan.io import read_layer

    used = []
    flagged = geometry_checks.EdgeScreen.flagged
    monkeypatch.setattr(geometry_checks.EdgeScreen, "flagged",
                        lambda self, geoms: used.append(r := flagged(self, geoms)) or r)
    monkeypatch.setattr(reading, "cores", lambda: 2)
    for bow_tie in (False, True):
        path = _communes_file(tmp_path, bow_tie)
        monkeypatch.setattr(reading, "LARGE_LAYER", 10**9)
        alone = read_layer(path, layer_type="communes", strict=False).attrs["gisplan"]["issues"]
        assert used == []
        monkeypatch.setattr(reading, "LARGE_LAYER", 1)
        early = read_layer(path, layer_type="communes", strict=False).attrs["gisplan"]["issues"]
        assert early == alone
        assert [i["code"] for i in early if i["code"] == "overlap"] == ["overlap"]
        assert (used.pop() is None) == bow_tie  # a repaired commune: screened again in the check
