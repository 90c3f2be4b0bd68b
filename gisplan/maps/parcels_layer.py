"""The forest-status parcels on a web map, at the scale of a provincial inventory.

A plain GeoJSON layer of 200,000 surveyed parcels weighs hundreds of MB and cannot be drawn.
Here the parcels are

- simplified as a coverage (``shapely.coverage_simplify``, in the layer's projected CRS, so an
  edge two parcels share stays shared and no gap or overlap appears);
- split into cells of ``CELL`` degrees (a parcel belongs to the cell holding the centre of its
  bounding box), each cell its own small script (``assets/data/forest_status/<ix>_<iy>.js``
  calling ``gisplanParcelCell(key, data)``: a ``<script>`` tag loads it, which works from
  ``file://`` where fetch/XHR of local files is blocked) loaded only when the cell comes into
  view at zoom ≥ ``MIN_ZOOM``: the page a visitor opens at the province view holds none of them;
- quantised to 1e-5° (≈ 1 m) on one grid for the whole province, delta-encoded per ring;
- drawn straight onto one canvas (no Leaflet object per parcel), a few cells per animation
  frame so the page never freezes; a click finds the parcel under the pointer on the decoded
  coordinates and opens its popup.

At the province view the commune choropleth carries the message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement, Template

from gisplan._format import fmt_number
from gisplan._threads import map_each
from gisplan.catalog import LayerType
from gisplan.crs import unit_m
from gisplan.forest_codes import status_codes
from gisplan.maps.parcels_common import (
    CODED,
    COMMON_JS,
    MIN_ZOOM,
    area_ha,
    forest_status_type,
    legend_section,
    script_json,
    status_legend_section,
    status_meta,
    style_meta,
)

SCALE = 100_000  # quantisation: 1e-5 degree ≈ 1.1 m
CELL = 0.05  # cell side, degrees (≈ 5 km: ~600 parcels of 4 ha)
CELL_Q = round(CELL * SCALE)  # cell side in quantisation steps
SIMPLIFY_M = 4.0  # coverage simplification tolerance, metres (projected layers only)
BLOCK_PARCELS = 1_000  # parcels simplified together (see simplify_parcels)
FOLDER = "assets/data/forest_status"  # where the site writes the cell scripts


@dataclass
class EncodedParcels:
    """The parcels of a forest-status layer ready for the web.

    ``meta``: what the page itself holds (per cell its parcel count and the extent of its
    parcels, west, south, east, north in degrees; labels, colours, texts); ``cells``: the JSON payload of each cell by key ``"<ix>_<iy>"`` (cell ``ix`` spans
    longitudes ``[ix·CELL, (ix+1)·CELL)``, ``iy`` latitudes likewise); ``folder``: where the cell
    scripts are (relative to the page), or None when the payloads are inlined in the page.
    """

    meta: dict
    cells: dict[str, str] = field(default_factory=dict)
    folder: str | None = FOLDER

    def files(self) -> dict[str, str]:
        """``{relative path: script text}`` of the cell scripts (empty when inlined)."""
        if self.folder is None:
            return {}
        return {f"{self.folder}/{key}.js": cell_script(key, payload) for key, payload in self.cells.items()}


def cell_script(key: str, payload: str) -> str:
    """The script of one cell: hands its payload to the page's registered callback."""
    return f"gisplanParcelCell({json.dumps(key)},{payload});\n"


def simplify_parcels(geoms: np.ndarray, tolerance: float = SIMPLIFY_M, *,
                     block_parcels: int = BLOCK_PARCELS) -> np.ndarray:
    """Parcels simplified by ``tolerance`` (in the units of their CRS, metres for EPSG:9213).

    As a coverage (an edge shared by neighbours is simplified once, so it stays shared) when the
    parcels form one; otherwise each parcel alone, topology preserved. GEOS's coverage
    simplification grows faster than the number of parcels, so the parcels are simplified in
    square blocks of about ``block_parcels`` (by the centre of their bounding box) with each
    block's outer boundary kept as it is: an edge between two blocks is left unsimplified in
    both, so it stays shared too.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = geoms.copy()
    ok = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if not len(ok):
        return out
    b = shapely.bounds(geoms[ok])
    mid = (b[:, :2] + b[:, 2:]) / 2
    side = np.sqrt(np.mean((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])) * block_parcels)
    blk = np.floor((mid - mid.min(axis=0)) / max(side, 1e-9)).astype(np.int64)
    _, block = np.unique(blk, axis=0, return_inverse=True)
    block = block.ravel()
    order = np.argsort(block, kind="stable")
    bounds = np.r_[0, np.flatnonzero(np.diff(block[order])) + 1, len(order)]

    def one(idx):
        try:
            return shapely.coverage_simplify(geoms[idx], tolerance, simplify_boundary=False)
        except shapely.errors.GEOSException:  # not a coverage (overlaps, invalid rings)
            return shapely.simplify(geoms[idx], tolerance, preserve_topology=True)
    blocks = [ok[order[a:z]] for a, z in zip(bounds[:-1], bounds[1:], strict=True)]
    for idx, simple in zip(blocks, map_each(one, blocks), strict=True):  # on every core: GEOS releases the GIL
        out[idx] = simple
    return out


def _codes(values: pd.Series, allowed: list[str]) -> np.ndarray:
    """Index of each value in ``allowed``; -1 for a missing or unknown value."""
    codes = pd.Categorical(values.astype("object").where(values.notna(), None), categories=allowed).codes
    return np.asarray(codes, dtype=np.int64)


def _meets(parcels: gpd.GeoDataFrame) -> np.ndarray:
    """1 meets the forest criteria, 0 does not, -1 unknown."""
    if "meets_criteria" not in parcels:
        return np.full(len(parcels), -1)
    v = parcels["meets_criteria"]
    known = v.notna().to_numpy()
    out = np.full(len(parcels), -1)
    out[known] = v[known].astype(bool).astype(int).to_numpy()
    return out


def encode_parcels(parcels: gpd.GeoDataFrame, lang: str = "vi", *, folder: str | None = FOLDER,
                   tolerance: float = SIMPLIFY_M, lt: LayerType | None = None) -> EncodedParcels:
    """Encode a forest-status layer by cell (WGS 84, coordinates to 1e-5° ≈ 1 m).

    Codes, labels and colours come from the forest-status layer type ``lt`` (the catalog's,
    :func:`gisplan.maps.themes.layer_type`; default: the packaged ``layers/types.toml``).
    Areas in the popups are those of the parcels as given, in hectares
    (:func:`gisplan.maps.parcels_common.area_ha`: planar in the projected CRS, its unit converted
    to metres, before simplifying; none for a layer in degrees). ``tolerance`` is in metres.
    Per cell: ``id`` parcel ids, ``o``/``p``/``f`` origin/purpose/forest-type codes (-1: no
    data), ``m`` meets the criteria (1/0/-1), ``h`` area text, ``r`` rings per parcel, ``v``
    vertices per ring (closing vertex dropped), ``c`` coordinates: per ring the first vertex in
    steps of 1e-5° from the cell's south-west corner, then the steps from vertex to vertex.
    """
    lt = forest_status_type(lt)
    g = parcels.geometry.to_numpy()
    ha = area_ha(parcels)
    if ha is not None and tolerance > 0:  # projected: the tolerance in the CRS's unit
        g = simplify_parcels(g, tolerance / unit_m(parcels.crs))
    if parcels.crs is not None and not parcels.crs.equals("EPSG:4326"):
        g = gpd.GeoSeries(g, crs=parcels.crs).to_crs(4326).to_numpy()
    n = len(parcels)
    # cell of each parcel: the centre of its bounding box (parcels without geometry: none)
    b = shapely.bounds(g)
    has = ~np.isnan(b[:, 0])
    mid = (b[:, :2] + b[:, 2:]) / 2
    ix = np.where(has, np.floor(np.nan_to_num(mid[:, 0]) / CELL), 0).astype(np.int64)
    iy = np.where(has, np.floor(np.nan_to_num(mid[:, 1]) / CELL), 0).astype(np.int64)
    # rings and their quantised vertices; closing and repeated vertices dropped
    polys, owner = shapely.get_parts(g, return_index=True)
    rings, ring_poly = shapely.get_rings(polys, return_index=True)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    q = np.round(xy * SCALE).astype(np.int64)
    same_ring = np.r_[False, ring_of[1:] == ring_of[:-1]]
    repeat = same_ring & np.r_[False, (q[1:] == q[:-1]).all(axis=1)]
    closing = np.r_[ring_of[1:] != ring_of[:-1], True]
    keep = ~repeat & ~closing
    q, ring_of = q[keep], ring_of[keep]
    nv = np.bincount(ring_of, minlength=len(rings))
    ring_parcel = owner[ring_poly]
    good = nv >= 3  # rings quantised to fewer than 3 vertices are dropped
    vkeep = good[ring_of]
    q, ring_of = q[vkeep], ring_of[vkeep]
    ring_ids = np.flatnonzero(good)
    nv, ring_parcel = nv[ring_ids], ring_parcel[ring_ids]
    # order parcels by cell, rings and vertices with them
    keys, cell_of = np.unique(np.c_[ix, iy][has], axis=0, return_inverse=True)
    cell_of_parcel = np.full(n, -1)
    cell_of_parcel[has] = cell_of.ravel()
    order = np.argsort(cell_of_parcel, kind="stable")
    order = order[cell_of_parcel[order] >= 0]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(len(order))
    ring_order = np.argsort(rank[ring_parcel], kind="stable")
    starts = np.r_[0, np.cumsum(nv)[:-1]]
    nv_o = nv[ring_order]
    vidx = np.repeat(starts[ring_order] - np.r_[0, np.cumsum(nv_o)[:-1]], nv_o) + np.arange(nv_o.sum())
    q = q[vidx]
    ring_parcel_o = ring_parcel[ring_order]
    vcell = np.repeat(cell_of_parcel[ring_parcel_o], nv_o)
    local = q - keys[vcell] * CELL_Q
    d = np.diff(local, axis=0, prepend=local[:1])
    rstart = np.r_[0, np.cumsum(nv_o)[:-1]]
    d[rstart] = local[rstart]
    flat = d.ravel().tolist()
    nr = np.bincount(ring_parcel, minlength=n)
    # attributes in cell order
    ids = (parcels["parcel_id"].astype("string").fillna("") if "parcel_id" in parcels
           else pd.Series([""] * n)).to_numpy()
    attrs = {c: (_codes(parcels[c], list(lt.attributes[c].allowed)) if c in parcels else np.full(n, -1))
             for c in CODED}
    meets = _meets(parcels)
    ha_text = _hectares(ha, lang) if ha is not None else None
    record = _lot_record(parcels, lang)
    # slice per cell
    cells: dict[str, str] = {}
    counts: dict[str, list] = {}
    # each cell's extent (lon/lat, rounded outwards to 1e-4°): its parcels may spill over its edges
    ext = np.full((len(keys), 4), np.nan)
    pc = cell_of_parcel[has]
    for j, fn in enumerate((np.fmin, np.fmin, np.fmax, np.fmax)):
        fn.at(ext[:, j], pc, b[has, j])
    ext[:, :2] = np.floor(ext[:, :2] * 1e4) / 1e4
    ext[:, 2:] = np.ceil(ext[:, 2:] * 1e4) / 1e4
    pcount = np.bincount(cell_of_parcel[order], minlength=len(keys))
    rcount = np.bincount(cell_of_parcel[ring_parcel_o], minlength=len(keys))
    vcount = np.bincount(vcell, minlength=len(keys))
    p0 = r0 = v0 = 0
    nr_o, nv_list = nr[order].tolist(), nv_o.tolist()
    for k, (cx, cy) in enumerate(keys.tolist()):
        pi = order[p0:p0 + pcount[k]]
        key = f"{cx}_{cy}"
        payload = {"id": [str(i) for i in ids[pi]], "m": meets[pi].tolist(),
                   **{c[0]: attrs[c][pi].tolist() for c in CODED},
                   "h": [ha_text[i] for i in pi] if ha_text is not None else [],
                   **{key: [col[i] for i in pi] for key, col in record.items()},
                   "r": nr_o[p0:p0 + pcount[k]], "v": nv_list[r0:r0 + rcount[k]],
                   "c": flat[2 * v0:2 * (v0 + vcount[k])]}
        cells[key] = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        counts[key] = [int(pcount[k]), *ext[k].round(4).tolist()]
        p0, r0, v0 = p0 + pcount[k], r0 + rcount[k], v0 + vcount[k]
    meta = {"cells": counts, "cell": CELL, "scale": SCALE, "minZoom": MIN_ZOOM,
            "base": (folder.rstrip("/") + "/") if folder else None,
            "labels": {c: [lt.attributes[c].label(v, lang) for v in lt.attributes[c].allowed] for c in CODED},
            **style_meta(lang, lt), **status_meta(lang),
            "statusPresent": sorted({str(c) for c in parcels["status_code"].dropna()}) if "status_code" in parcels else [],
            "statusUnknown": bool("s" in record and (np.asarray(record["s"]) < 0).any()
                                  and parcels["status_code"].notna().any())}
    return EncodedParcels(meta=meta, cells=cells, folder=folder)


def _lot_record(parcels: gpd.GeoDataFrame, lang: str) -> dict[str, list]:
    """Per lot, what the forest-status map's popup shows (only for a layer read from a
    forest-monitoring export, which carries a status code): ``s`` the status code's position in
    Circular 33's list (-1: not a status code), ``sc`` the code as recorded when it is not one,
    ``k`` tiểu khu / khoảnh / lô, ``w`` owner, ``sp`` species, ``y`` planting year, ``hr`` the
    recorded area (ha), ``cm`` the commune the record names."""
    if "status_code" not in parcels:
        return {}
    codes = list(status_codes().codes)
    pos = {c: i for i, c in enumerate(codes)}
    code = parcels["status_code"].astype(object)
    s = code.map(pos).fillna(-1).astype(int).tolist()
    out = {"s": s, "sc": ["" if i >= 0 or v is None or v != v else str(v) for i, v in zip(s, code, strict=True)]}
    vi = lang == "vi"

    def text(col):
        if col not in parcels:
            return [""] * len(parcels)
        return ["" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else str(v)
                for v in parcels[col].astype(object)]
    tk, kh, lo = text("compartment"), text("subcompartment"), text("lot")
    out["k"] = [" · ".join(x for x in ((f"TK {a}" if a else ""), (f"{'Khoảnh' if vi else 'K.'} {b}" if b else ""),
                                       (f"{'Lô' if vi else 'Lot'} {c}" if c else "")) if x)
                for a, b, c in zip(tk, kh, lo, strict=True)]
    out["w"], out["sp"], out["cm"] = text("owner"), text("species"), text("commune_name")
    py = pd.to_numeric(parcels["plant_year"], errors="coerce") if "plant_year" in parcels else None
    out["y"] = [None if py is None or pd.isna(v) else int(v) for v in (py if py is not None else [None] * len(parcels))]
    rec = pd.to_numeric(parcels["area_recorded_ha"], errors="coerce") if "area_recorded_ha" in parcels else None
    out["hr"] = ([""] * len(parcels) if rec is None else
                 ["" if pd.isna(v) else fmt_number(float(v), lang, 2) for v in rec])
    return out


def _hectares(ha: np.ndarray, lang: str) -> list[str]:
    """Areas (ha) as popup text with two decimals in the number format of ``lang``."""
    text = np.char.mod("%.2f", ha)
    if lang == "vi":
        text = np.char.replace(text, ".", ",")
    big = np.flatnonzero(np.abs(ha) >= 1000)  # thousands separators: the few large parcels
    text = text.astype(object)
    text[big] = [fmt_number(v, lang, 2) for v in ha[big]]
    return text.tolist()


_JS = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var D = {{ this.meta_json }};
  var INLINE = window.gisplanParcelCells || {};
  var Z0 = D.minZoom, W = 256 * Math.pow(2, Z0), R2D = Math.PI / 180;
  if (!map.getPane('gisplanParcels')) { map.createPane('gisplanParcels').style.zIndex = 450; }
  var cells = {}, loading = {}, want = {}, queue = [], nDrawn = 0, frame = null, layer = null;
  function px(lon) { return W * (lon + 180) / 360; }
  function py(lat) {
    lat = Math.max(Math.min(lat, 85.0511287798), -85.0511287798);
    return W * (0.5 - Math.log(Math.tan(Math.PI / 4 + lat * R2D / 2)) / (2 * Math.PI));
  }
  {{ this.common_js }}
  function colorOf(c, i) {
    return gisplanParcelColor(D, c.o[i] >= 0 ? D.origins[c.o[i]] : null, c.m[i], c.s ? c.s[i] : -1);
  }
  var fills = {};
  // decode a cell: vertices in pixels at zoom Z0 relative to the cell's south-west corner
  function decode(key, c) {
    var k = key.split('_'), lon0 = +k[0] * D.cell, lat0 = +k[1] * D.cell;
    var ox = px(lon0), oy = py(lat0), n = c.r.length, nv = c.c.length / 2;
    var xy = new Float64Array(nv * 2), box = new Float64Array(n * 4), rs = new Int32Array(n + 1);
    var rv = new Int32Array(c.v.length + 1), paths = {}, j = 0, r = 0, lonStep = 1 / D.scale;
    for (var q = 0; q < c.v.length; q++) { rv[q + 1] = rv[q] + c.v[q]; }
    for (var i = 0; i < n; i++) {
      rs[i] = r;
      var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, col = colorOf(c, i);
      var path = paths[col] || (paths[col] = new Path2D());
      for (var e = 0; e < c.r[i]; e++, r++) {
        var qx = 0, qy = 0;
        for (var v = rv[r]; v < rv[r + 1]; v++, j++) {
          qx += c.c[2 * j]; qy += c.c[2 * j + 1];
          var x = px(lon0 + qx * lonStep) - ox, y = py(lat0 + qy * lonStep) - oy;
          xy[2 * j] = x; xy[2 * j + 1] = y;
          if (v === rv[r]) { path.moveTo(x, y); } else { path.lineTo(x, y); }
          if (x < x0) { x0 = x; } if (x > x1) { x1 = x; } if (y < y0) { y0 = y; } if (y > y1) { y1 = y; }
        }
        path.closePath();
      }
      box[4 * i] = x0; box[4 * i + 1] = y0; box[4 * i + 2] = x1; box[4 * i + 3] = y1;
    }
    rs[n] = r;
    return {raw: c, n: n, lon0: lon0, lat0: lat0, ox: ox, oy: oy, xy: xy, box: box, rs: rs, rv: rv, paths: paths};
  }
  var pending = {};
  window.gisplanParcelCell = function (key, data) {  // called by each cell script
    pending[key] = data; delete loading[key];
    if (want[key]) { queue.push(key); schedule(); }
  };
  function load(key) {
    if (cells[key] || pending[key] || loading[key]) { return; }
    if (INLINE[key]) { pending[key] = INLINE[key]; return; }
    loading[key] = true;
    var s = document.createElement('script');
    s.src = D.base + key + '.js';
    s.onerror = function () { delete loading[key]; };
    document.head.appendChild(s);
  }
  var Layer = L.Layer.extend({
    onAdd: function () {
      this._canvas = L.DomUtil.create('canvas', 'leaflet-zoom-animated');
      this._canvas.style.pointerEvents = 'none';
      map.getPane('gisplanParcels').appendChild(this._canvas);
      this._reset();
    },
    onRemove: function () { L.DomUtil.remove(this._canvas); want = {}; queue = []; nDrawn = 0; },
    getEvents: function () {
      var e = {moveend: this._reset, viewreset: this._reset};
      if (map._zoomAnimated) { e.zoomanim = this._animZoom; }
      return e;
    },
    _animZoom: function (e) {
      if (!this._bounds) { return; }
      var scale = map.getZoomScale(e.zoom);
      var offset = map._latLngBoundsToNewLayerBounds(this._bounds, e.zoom, e.center).min;
      L.DomUtil.setTransform(this._canvas, offset, scale);
    },
    _reset: function () {
      var cv = this._canvas, size = map.getSize(), zoom = map.getZoom();
      var pad = size.multiplyBy(0.25).round(), min = map.getPixelBounds().min.subtract(pad);
      var w = size.x + 2 * pad.x, h = size.y + 2 * pad.y, dpr = window.devicePixelRatio || 1;
      this._min = min; this._zoom = zoom; this._dpr = dpr;
      this._bounds = L.latLngBounds(map.unproject(min.add([0, h]), zoom), map.unproject(min.add([w, 0]), zoom));
      L.DomUtil.setPosition(cv, min.subtract(map.getPixelOrigin()));
      cv.width = Math.round(w * dpr); cv.height = Math.round(h * dpr);
      cv.style.width = w + 'px'; cv.style.height = h + 'px';
      want = {}; queue = []; nDrawn = 0;
      if (zoom < Z0) { return; }
      var bb = this._bounds, w = bb.getWest(), s = bb.getSouth(), e = bb.getEast(), n = bb.getNorth();
      for (var key in D.cells) {  // the cells whose parcels reach into the canvas
        var x = D.cells[key];
        if (x[1] > e || x[3] < w || x[2] > n || x[4] < s) { continue; }
        want[key] = true; load(key); if (!loading[key]) { queue.push(key); }
      }
      schedule();
    },
    _drawCell: function (key) {
      var cell = cells[key] || (cells[key] = decode(key, pending[key]));
      delete pending[key];
      var ctx = this._canvas.getContext('2d'), k = map.getZoomScale(this._zoom, Z0), r = this._dpr;
      var o = map.project([cell.lat0, cell.lon0], this._zoom).subtract(this._min);
      ctx.setTransform(k * r, 0, 0, k * r, o.x * r, o.y * r);
      ctx.globalAlpha = 0.65;
      for (var col in cell.paths) { ctx.fillStyle = gisplanFill(ctx, col, fills); ctx.fill(cell.paths[col], 'evenodd'); }
      ctx.globalAlpha = 1; ctx.strokeStyle = '#2d572c'; ctx.lineWidth = 0.6 / k;
      for (var col2 in cell.paths) { ctx.stroke(cell.paths[col2]); }
      nDrawn += cell.n;
    }
  });
  function schedule() {
    if (frame === null && queue.length) { frame = requestAnimationFrame(step); }
  }
  function step() {  // draw cells until ~12 ms of this frame are spent, the rest in later frames
    frame = null;
    var t = performance.now();
    while (queue.length && performance.now() - t < 12) {
      var key = queue.shift();
      if (want[key] && layer && map.hasLayer(layer)) { layer._drawCell(key); }
    }
    schedule();
  }
  function inRing(cell, r, x, y) {
    var a = cell.rv[r], b = cell.rv[r + 1], xy = cell.xy, inside = false;
    for (var i = a, j = b - 1; i < b; j = i++) {
      var xi = xy[2 * i], yi = xy[2 * i + 1], xj = xy[2 * j], yj = xy[2 * j + 1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { inside = !inside; }
    }
    return inside;
  }
  function hit(latlng) {  // the parcel under ``latlng``: [cell, index] or null
    var cx = Math.floor(latlng.lng / D.cell), cy = Math.floor(latlng.lat / D.cell);
    for (var dx = -1; dx <= 1; dx++) {
      for (var dy = -1; dy <= 1; dy++) {
        var cell = cells[(cx + dx) + '_' + (cy + dy)];
        if (!cell) { continue; }
        var x = px(latlng.lng) - cell.ox, y = py(latlng.lat) - cell.oy;
        for (var i = 0; i < cell.n; i++) {
          var bx = cell.box;
          if (x < bx[4 * i] || x > bx[4 * i + 2] || y < bx[4 * i + 1] || y > bx[4 * i + 3]) { continue; }
          var inside = false;
          for (var r = cell.rs[i]; r < cell.rs[i + 1]; r++) { if (inRing(cell, r, x, y)) { inside = !inside; } }
          if (inside) { return [cell.raw, i]; }
        }
      }
    }
    return null;
  }
  function label(c, col, i) { var v = c[col[0]][i]; return v >= 0 ? D.labels[col][v] : D.text.noData; }
  function popup(c, i) {
    var v = {id: c.id[i], origin: label(c, 'origin', i), purpose: label(c, 'purpose', i),
      forest_type: label(c, 'forest_type', i), m: c.m[i], h: c.h.length ? c.h[i] : null};
    if (D.colorBy === 'status') {
      if (c.s) { v.s = c.s[i]; v.code = c.sc[i]; v.k = c.k[i]; v.w = c.w[i]; v.sp = c.sp[i]; v.y = c.y[i];
                 v.hr = c.hr[i]; v.cm = c.cm[i]; } else { v.s = -1; }
      return gisplanLotPopup(D.text, D, v);
    }
    return gisplanParcelPopup(D.text, v);
  }
  layer = new Layer();
  // a click over a drawn parcel opens its popup; caught on the way down (capture) so the layers
  // below (the commune choropleth) do not open theirs; controls and popups are left alone
  map.getContainer().addEventListener('click', function (e) {
    if (!map.hasLayer(layer) || map.getZoom() < Z0 || (map.dragging && map.dragging.moved())) { return; }
    if (!map.getPane('mapPane').contains(e.target) || e.target.closest('.leaflet-popup')) { return; }
    var ll = map.mouseEventToLatLng(e), h = hit(ll);
    if (!h) { return; }
    e.stopPropagation();
    L.popup({maxWidth: 320}).setLatLng(ll).setContent(popup(h[0], h[1])).openOn(map);
  }, true);
  window.gisplanParcelCount = function () { return map.hasLayer(layer) ? nDrawn : 0; };
  window.gisplanParcelAt = function (lat, lng) {  // id of the drawn parcel at a point, or null
    var h = hit(L.latLng(lat, lng)); return h ? h[0].id[h[1]] : null;
  };
  window.gisplanParcelsIdle = function () {
    for (var k in loading) { if (want[k]) { return false; } }
    return queue.length === 0 && frame === null;
  };
  window.gisplanParcelLayer = layer;
  layer.addTo(map);
})();
{% endmacro %}
""")


class _ParcelsJS(MacroElement):
    _template = _JS

    def __init__(self, meta: dict):
        super().__init__()
        self._name = "GisplanParcels"
        self.meta_json = script_json(meta)
        self.common_js = COMMON_JS


def add_parcels(m, parcels: gpd.GeoDataFrame | None, lang: str, *, data_path="inline", lt: LayerType | None = None,
                color_by: str = "origin"):
    """Add the parcels layer to ``m``; returns its legend section. Labels and colours come from
    the forest-status layer type ``lt`` (the catalog's; default: the packaged one).

    ``color_by``: ``"origin"`` (natural, plantation, not yet forest: the forest-cover map) or
    ``"status"`` (the standard colour of each lot's status code, and the lot's record in the
    popup: the forest-status map). The cell scripts are the same for both.

    ``data_path``: ``"inline"`` embeds every cell in the page (a map saved as one file);
    an :class:`EncodedParcels` (from :func:`encode_parcels`, whose cell scripts the caller writes
    with :meth:`EncodedParcels.files`) or a folder path relative to the page makes the page
    load each cell's script from that folder when the cell comes into view (a PMTiles archive
    is drawn by :func:`gisplan.maps.vector_tiles.add_tiled_parcels` instead).
    """
    if isinstance(data_path, EncodedParcels):
        enc = data_path
    else:
        enc = encode_parcels(parcels, lang, folder=None if data_path == "inline" else str(data_path), lt=lt)
    if enc.folder is None:
        inline = ",".join(f"{json.dumps(k)}:{v}" for k, v in enc.cells.items()).replace("</", "<\\/")
        m.get_root().html.add_child(Element(f"<script>window.gisplanParcelCells={{{inline}}};</script>"))
    if color_by not in ("origin", "status"):
        raise ValueError(f"color_by must be 'origin' or 'status', not {color_by!r}")
    _ParcelsJS({**enc.meta, "colorBy": color_by}).add_to(m)
    if color_by == "status":
        return status_legend_section(enc.meta.get("statusPresent", []), lang, unknown=enc.meta.get("statusUnknown", False))
    return legend_section(lang, lt=lt)
