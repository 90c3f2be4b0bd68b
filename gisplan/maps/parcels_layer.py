"""The forest-status parcels on a web map, at the scale of a provincial inventory.

A plain GeoJSON layer of 200,000 parcels weighs hundreds of MB and takes tens of seconds to
draw. Here the parcels are encoded compactly (coordinates quantised to 1e-5° ≈ 1 m and
delta-encoded per ring, attributes as small integer codes), loaded as one script, and drawn on
a canvas only when zoomed in (zoom ≥ ``MIN_ZOOM``) and only for the grid cells in view; each
drawn parcel keeps its popup. At the province view the commune choropleth carries the message.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, MacroElement, Template

from gisplan._format import fmt_number
from gisplan.catalog import load_layer_types
from gisplan.maps.style import categories
from gisplan.maps.themes import no_data

MIN_ZOOM = 12
SCALE = 1e5  # 1e-5 degree ≈ 1.1 m
CELL = 0.02  # index cell, degrees
SIMPLIFY_M = 5.0


def encode_parcels(parcels: gpd.GeoDataFrame, lang: str = "vi") -> dict:
    """Compact, JSON-ready encoding of a forest-status layer (WGS 84, ~1 m precision)."""
    lt = load_layer_types()["forest_status"]
    g = parcels.geometry.to_numpy()
    if parcels.crs is not None and parcels.crs.is_projected:
        g = shapely.simplify(g, SIMPLIFY_M, preserve_topology=True)
    g = gpd.GeoSeries(g, crs=parcels.crs).to_crs(4326).to_numpy()
    polys, owner = shapely.get_parts(g, return_index=True)
    rings, ring_poly = shapely.get_rings(polys, return_index=True)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    origin = np.floor(xy.min(axis=0) * 100) / 100
    q = np.round((xy - origin) * SCALE).astype(np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(ring_of)) + 1]
    d = np.diff(q, axis=0, prepend=q[:1])
    d[starts] = q[starts]  # each ring starts with absolute (quantised) coordinates
    flat = d.ravel().tolist()
    bounds = np.r_[starts, len(q)] * 2
    ring_lists = [flat[a:b - 2] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]  # drop closing vertex
    geom: list[list[list[int]]] = [[] for _ in range(len(parcels))]
    for r, lst in enumerate(ring_lists):
        geom[owner[ring_poly[r]]].append(lst)
    cols = {}
    for col in ("origin", "purpose", "forest_type"):
        attr = lt.attributes[col]
        codes = {c: i for i, c in enumerate(attr.allowed)}
        cols[col] = {"labels": [attr.label(c, lang) for c in attr.allowed],
                     "values": [codes.get(v, -1) for v in parcels[col].tolist()] if col in parcels else []}
    ctr = shapely.get_coordinates(shapely.centroid(g))
    cell = np.floor((ctr - origin) / CELL).astype(int)
    return {
        "origin": origin.tolist(), "scale": SCALE, "cell": CELL, "minZoom": MIN_ZOOM,
        "ids": parcels["parcel_id"].astype(str).tolist(),
        "meets": parcels["meets_criteria"].astype(bool).astype(int).tolist(),
        "ha": _hectares(parcels.area.to_numpy() / 1e4, lang) if parcels.crs and parcels.crs.is_projected else [],
        "cx": cell[:, 0].tolist(), "cy": cell[:, 1].tolist(),
        "attrs": cols, "geom": geom,
        "colors": {c.code: c.color for c in categories("forest_status", "origin")},
        "notForest": lt.style.get("not_forest_color", "#fee08b"),
        "text": _texts(lang),
    }


def _hectares(ha: np.ndarray, lang: str) -> list[str]:
    """Areas (ha) as popup text with two decimals in the number format of ``lang``."""
    text = np.char.mod("%.2f", ha)
    if lang == "vi":
        text = np.char.replace(text, ".", ",")
    big = np.flatnonzero(np.abs(ha) >= 1000)  # thousands separators: the few large parcels
    text = text.astype(object)
    text[big] = [fmt_number(v, lang, 2) for v in ha[big]]
    return text.tolist()


def _texts(lang):
    vi = lang == "vi"
    return {"id": "Mã lô" if vi else "Parcel", "origin": "Nguồn gốc" if vi else "Origin",
            "purpose": "Mục đích" if vi else "Purpose", "forest_type": "Trạng thái" if vi else "Forest type",
            "meets": "Đạt tiêu chí thành rừng" if vi else "Meets forest criteria", "yes": "Có" if vi else "Yes",
            "no": "Không" if vi else "No", "ha": "Diện tích (ha)" if vi else "Area (ha)", "noData": no_data(lang),
            "zoomHint": ("Phóng to (mức ≥ %d) để xem từng lô rừng" if vi else "Zoom in (level ≥ %d) to see parcels") % MIN_ZOOM}


def to_script(data: dict) -> str:
    """The encoded parcels as a script assigning ``window.gisplanParcels``."""
    return "window.gisplanParcels=" + json.dumps(data, ensure_ascii=False, separators=(",", ":")) + ";"


_JS = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var D = window.gisplanParcels; if (!D) { return; }
  if (!map.getPane('gisplanParcels')) { map.createPane('gisplanParcels').style.zIndex = 450; }
  var renderer = L.canvas({padding: 0.3, pane: 'gisplanParcels'});
  var group = L.layerGroup();
  var drawn = {}, nDrawn = 0, buckets = null;
  function index() {
    buckets = {};
    for (var i = 0; i < D.geom.length; i++) {
      var k = D.cx[i] + ':' + D.cy[i];
      (buckets[k] = buckets[k] || []).push(i);
    }
  }
  function latlngs(i) {
    var out = [], rings = D.geom[i];
    for (var r = 0; r < rings.length; r++) {
      var a = rings[r], x = 0, y = 0, ring = [];
      for (var j = 0; j < a.length; j += 2) {
        x += a[j]; y += a[j + 1];
        ring.push([D.origin[1] + y / D.scale, D.origin[0] + x / D.scale]);
      }
      out.push(ring);
    }
    return out;
  }
  function label(col, i) { var v = D.attrs[col].values[i]; return v >= 0 ? D.attrs[col].labels[v] : D.text.noData; }
  function popup(i) {
    var t = D.text;
    return '<b>' + t.id + ': ' + D.ids[i] + '</b><br>' + t.origin + ': ' + label('origin', i) + '<br>' +
      t.purpose + ': ' + label('purpose', i) + '<br>' + t.forest_type + ': ' + label('forest_type', i) + '<br>' +
      t.meets + ': ' + (D.meets[i] ? t.yes : t.no) + (D.ha.length ? '<br>' + t.ha + ': ' + D.ha[i] : '');
  }
  function color(i) {
    if (!D.meets[i]) { return D.notForest; }
    var o = D.attrs.origin.values[i];
    return o >= 0 ? D.colors[['natural', 'plantation'][o]] || '#74c476' : '#74c476';
  }
  function refresh() {
    if (!map.hasLayer(group)) { return; }
    if (map.getZoom() < D.minZoom) { group.clearLayers(); drawn = {}; nDrawn = 0; return; }
    if (!buckets) { index(); }
    var b = map.getBounds().pad(0.2);
    var x0 = Math.floor((b.getWest() - D.origin[0]) / D.cell), x1 = Math.floor((b.getEast() - D.origin[0]) / D.cell);
    var y0 = Math.floor((b.getSouth() - D.origin[1]) / D.cell), y1 = Math.floor((b.getNorth() - D.origin[1]) / D.cell);
    var want = {};
    for (var x = x0; x <= x1; x++) { for (var y = y0; y <= y1; y++) { want[x + ':' + y] = true; } }
    for (var k in drawn) { if (!want[k]) { drawn[k].forEach(function (l) { group.removeLayer(l); }); nDrawn -= drawn[k].length; delete drawn[k]; } }
    for (var k2 in want) {
      if (drawn[k2] || !buckets[k2]) { continue; }
      drawn[k2] = buckets[k2].map(function (i) {
        var l = L.polygon(latlngs(i), {renderer: renderer, color: '#2d572c', weight: 0.6, fillColor: color(i), fillOpacity: 0.65});
        l.bindPopup(function () { return popup(i); });
        l.gisplanParcel = D.ids[i];
        group.addLayer(l);
        return l;
      });
      nDrawn += drawn[k2].length;
    }
  }
  window.gisplanParcelCount = function () { return nDrawn; };
  window.gisplanParcelLayer = group;
  group.addTo(map);
  map.on('moveend zoomend overlayadd', refresh);
  refresh();
  {{ this.control_name }}
})();
{% endmacro %}
""")


class _ParcelsJS(MacroElement):
    _template = _JS

    def __init__(self):
        super().__init__()
        self._name = "GisplanParcels"
        self.control_name = ""


def add_parcels(m, parcels: gpd.GeoDataFrame, lang: str, *, data_path: str = "inline"):
    """Add the parcels layer to ``m``; returns its legend section.

    ``data_path="inline"`` embeds the encoded data in the page; a relative path makes the page
    load it with a ``<script src>`` (write the file with :func:`to_script`).
    """
    vi = lang == "vi"
    if data_path == "inline":
        m.get_root().html.add_child(Element(f"<script>{to_script(encode_parcels(parcels, lang))}</script>"))
    else:
        m.get_root().html.add_child(Element(f'<script src="{data_path}"></script>'))
    _ParcelsJS().add_to(m)
    cats = categories("forest_status", "origin", lang=lang)
    notf = load_layer_types()["forest_status"].style.get("not_forest_color", "#fee08b")
    title = ("Lô rừng (phóng to mức ≥ %d)" if vi else "Forest parcels (zoom ≥ %d)") % MIN_ZOOM
    return (title, [(c.color, c.label, "box") for c in cats] + [(notf, "Chưa đạt tiêu chí thành rừng" if vi else "Not yet forest", "box")])
