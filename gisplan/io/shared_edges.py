"""Which polygons of a layer may overlap another: their edges matched segment by segment.

Lots surveyed as one map sheet (a forest-status layer, the communes) share their edges: where
two lots meet, the same segment — the same two vertices — bounds both, once in each direction
when the rings are oriented with the interior on their left. :func:`unmatched_edges` hashes every
segment of every ring and returns the polygons with a segment that is not paired exactly so:
one no other polygon has (the layer's outer boundary, or an edge its neighbour does not repeat
vertex for vertex), one two polygons have in the same direction (a lot drawn twice), or one
three or more have.

Why this finds every overlap (the proof behind :func:`gisplan.io.geometry_checks.check_overlaps`).
Take a point where two or more polygons' interiors overlap, and walk out of the overlapping
area across its boundary at a point that is not a vertex. The number of polygons covering the
walk drops there, so the polygons' edges through that point do not cancel: a segment paired
exactly (one polygon on each side) adds one polygon and removes one. So some edge through it is
unpaired, and a polygon of such an edge has its interior on the overlapping side: it is flagged
here and overlaps a neighbour. Polygons overlapping inside a region whose boundary is flagged
(two complete tilings of one compartment: inside, every segment is paired within each tiling)
are reached from the flagged ones through the polygons they touch (the overlapping region is
connected, and so is the set of the polygons covering it).

The segments are hashed to 63 bits (the 64th is the side): two different segments share a hash
with a probability of about ``n² / 2⁶⁴`` (``n`` segments: 10⁻⁴ for the 55 million segments of
2,000,000 lots), and a shared hash hides a mismatch only when both segments are unpaired and
run in opposite directions.

Measured on 2,000,000 lots of 27 vertices (55 million segments) on two cores: 4.2 s, against
21 s for GEOS's coverage validation (``shapely.coverage_invalid_edges``) in bands on both cores.
Memory: 16 bytes a segment of a band while its hashes are matched.
"""

from __future__ import annotations

import numpy as np
import shapely

from gisplan._threads import map_each

#: Polygons hashed in one piece (on each core at a time).
CHUNK = 25_000
#: Segments matched at a time: a larger layer is matched in vertical bands of about this many.
BAND_SEGMENTS = 8_000_000

_MIX1, _MIX2, _GOLD = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB), np.uint64(0x9E3779B97F4A7C15)
_ONE, _R29, _R32 = np.uint64(1), np.uint64(29), np.uint64(32)
#: The key of what is not a segment (a ring's last vertex to the next ring's first, a repeated
#: vertex) or is matched in another band.
_NONE = np.uint64(0xFFFF_FFFF_FFFF_FFFF)
#: Low bits of a hash addressing the quick membership table (:func:`_band`).
_TABLE_BITS = 24


def unmatched_edges(geoms: np.ndarray) -> np.ndarray:
    """Positions (sorted) of the polygons with a segment not paired exactly with one other
    polygon's segment in the opposite direction.

    ``geoms``: valid, non-empty polygons and multipolygons (repair them first:
    :func:`gisplan.io.geometry_checks.check_geometry`). A layer of more than
    :data:`BAND_SEGMENTS` segments is matched in vertical bands, one after the other: a segment
    belongs to the band of its western end's x, and so does the segment it pairs with; a band
    hashes the polygons reaching into it.

    Examples
    --------
    >>> left, right = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    >>> whole = shapely.Polygon([(0, 0), (1, 0), (2, 0), (2, 1), (1, 1), (0, 1)])
    >>> outline = shapely.Polygon([(-1, -1), (3, -1), (3, 2), (-1, 2)], [whole.exterior.coords])
    >>> unmatched_edges(np.array([left, right, outline])).tolist()  # a clean tiling: its outer edge
    [2]
    >>> shifted = shapely.box(1.5, 0, 2.5, 1)  # on the right box, whose edges all stay paired
    >>> unmatched_edges(np.array([left, right, outline, shifted])).tolist()
    [2, 3]
    """
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return np.zeros(0, dtype=np.intp)
    bands = -(-int(shapely.get_num_coordinates(geoms).sum()) // BAND_SEGMENTS)
    if bands <= 1:
        return _band(geoms, np.arange(len(geoms)), -np.inf, np.inf)
    b = shapely.bounds(geoms)
    cuts = np.quantile((b[:, 0] + b[:, 2]) / 2, np.linspace(0, 1, bands + 1)[1:-1])
    found = [_band(geoms, np.flatnonzero((b[:, 0] < hi) & (b[:, 2] >= lo)), lo, hi)
             for lo, hi in zip(np.r_[-np.inf, cuts], np.r_[cuts, np.inf], strict=True)]
    return np.unique(np.concatenate(found))


def _band(geoms: np.ndarray, members: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Positions of the polygons ``members`` with an unpaired segment whose western end lies
    in ``lo <= x < hi``."""
    spans = [members[s:s + CHUNK] for s in range(0, len(members), CHUNK)]
    hashed = map_each(lambda at: _segment_keys(geoms[at], lo, hi), spans)
    keys = np.concatenate([k for k, _ in hashed])
    keys.sort()
    keys = keys[:np.searchsorted(keys, _NONE)]
    if not len(keys):
        return np.zeros(0, dtype=np.intp)
    # a hash (the key without its side bit) is paired when it is there exactly twice, once per side
    start = np.r_[True, (keys[1:] ^ keys[:-1]) > _ONE]
    first = np.flatnonzero(start)
    del start
    count = np.diff(np.r_[first, len(keys)])
    same_side = keys[first] == keys[np.minimum(first + 1, len(keys) - 1)]
    bad = keys[first[(count != 2) | same_side]] >> _ONE
    del keys
    if not len(bad):
        return np.zeros(0, dtype=np.intp)
    table = np.zeros(1 << _TABLE_BITS, dtype=bool)
    low = np.uint64((1 << _TABLE_BITS) - 1)
    table[(bad & low).astype(np.intp)] = True

    def flagged(i: int) -> np.ndarray:
        keys, ends = hashed[i]
        h = keys >> _ONE
        at = np.flatnonzero(table[(h & low).astype(np.intp)])  # a few false hits, checked next
        j = np.minimum(np.searchsorted(bad, h[at]), len(bad) - 1)
        at = at[bad[j] == h[at]]
        return spans[i][np.unique(np.searchsorted(ends, at, side="right"))]

    return np.concatenate(map_each(flagged, range(len(spans))))


def _segment_keys(geoms: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Each segment's key (one per coordinate but the last, in ``shapely.get_coordinates``'
    order): the 63-bit hash of its two end points, in either order, and as its lowest bit the
    side its polygon lies on; :data:`_NONE` where there is no segment, or its western end is
    not in ``lo <= x < hi``. And the end of each geometry's coordinates (cumulative counts)."""
    n = shapely.get_num_coordinates(geoms)
    counts, shells = _rings(geoms, n)
    xy = shapely.get_coordinates(geoms)
    xb = np.ascontiguousarray(xy[:, 0]).view(np.uint64)
    yb = np.ascontiguousarray(xy[:, 1]).view(np.uint64)
    del xy
    x, y = xb.view(np.float64), yb.view(np.float64)
    ends = np.cumsum(counts)
    last = ends[:-1] - 1  # a ring's last vertex, followed by the next ring's first
    # each ring's orientation (twice its signed area): a shell clockwise or a hole
    # counter-clockwise has its interior on the right of its segments
    cross = x[:-1] * y[1:]
    cross -= x[1:] * y[:-1]
    cross[last] = 0
    reverse = np.repeat((np.add.reduceat(cross, ends - counts) < 0) == shells, counts)[:-1]
    del cross
    h = yb * _GOLD  # each vertex hashed from the bits of its coordinates
    h ^= xb
    _scramble(h)
    a, b = h[:-1], h[1:]
    side = a < b
    side ^= reverse
    key = np.minimum(a, b)
    key *= _MIX2
    key ^= np.maximum(a, b)
    _scramble(key)
    key &= ~_ONE
    key |= side
    key[last] = _NONE
    key[(xb[:-1] == xb[1:]) & (yb[:-1] == yb[1:])] = _NONE
    if np.isfinite(lo) or np.isfinite(hi):
        west = np.minimum(x[:-1], x[1:])
        key[(west < lo) | (west >= hi)] = _NONE
    return key, np.cumsum(n)


def _scramble(h: np.ndarray) -> None:
    """Mix the bits of ``h`` in place (xor-shift and multiply, as in splitmix64)."""
    h ^= h >> _R32
    h *= _MIX1
    h ^= h >> _R29
    h *= _GOLD
    h ^= h >> _R32


def _rings(geoms: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The coordinate count of every ring, in coordinate order, and whether it is a shell
    (``n``: each geometry's coordinate count)."""
    simple = (shapely.get_type_id(geoms) == 3) & (shapely.get_num_interior_rings(geoms) == 0)
    if simple.all():
        return n, np.ones(len(n), dtype=bool)
    other = np.flatnonzero(~simple)
    parts, part_of = shapely.get_parts(geoms[other], return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    counts = np.concatenate([n[simple], shapely.get_num_coordinates(rings)])
    shells = np.concatenate([np.ones(int(simple.sum()), dtype=bool), np.r_[True, ring_of[1:] != ring_of[:-1]]])
    order = np.argsort(np.concatenate([np.flatnonzero(simple), other[part_of[ring_of]]]), kind="stable")
    return counts[order], shells[order]
