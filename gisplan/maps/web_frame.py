"""The frame of every web map: basemaps, title and synthetic-data note, the grouped layer control,
search by name, full screen, measuring, minimap, a metric scale and the view fitted to the
province; the controls speak the page's language (:class:`_Localise`).

Folium's own CDN links are kept here; :func:`gisplan.maps.site.publish_site` rewrites them to
the vendored copies.
"""

from __future__ import annotations

import folium
import folium.plugins as plugins
from branca.element import MacroElement, Template
from folium.elements import JSCSSMixin

from gisplan.catalog import SYNTHETIC_NOTE
from gisplan.maps import legend
from gisplan.maps.web_layers import MapBuild, Overlay

CENTER = (22.02, 105.85)
BASEMAPS = [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "OpenStreetMap",
     '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'),
    ("https://server.arcgisonline.com/ArcGIS/rest/services/Canvas/World_Light_Gray_Base/MapServer/tile/{z}/{y}/{x}",
     "Nền xám (Esri)", "Tiles © Esri — Esri, HERE, Garmin, © OpenStreetMap contributors"),
    ("https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
     "Ảnh vệ tinh (Esri)", "Tiles © Esri — Source: Esri, Maxar, Earthstar Geographics"),
]
#: layer-control groups of the overlays: (Vietnamese, English)
GROUPS = {"reference": ("Lớp tham chiếu", "Reference layers"), "theme": ("Lớp chuyên đề", "Theme layers")}



class _Counter(MacroElement):
    """Exposes the map and a feature count per layer (``window.gisplanCounts()``) for tests."""

    _template = Template("""
{% macro script(this, kwargs) %}
window.gisplanMap = {{ this._parent.get_name() }};
window.gisplanCounts = function () {
  var c = {};
  window.gisplanMap.eachLayer(function (l) {
    var p = l.feature && l.feature.properties;
    if (p && p._layer) { c[p._layer] = (c[p._layer] || 0) + 1; }
  });
  if (window.gisplanParcelCount) { c["forest_status"] = window.gisplanParcelCount(); }
  return c;
};
{% endmacro %}
""")

    def __init__(self):
        super().__init__()
        self._name = "GisplanCounter"


class _GroupedLayers(JSCSSMixin, MacroElement):
    """Layer control with the basemaps as base layers and the ``overlays`` (each with its group)
    in groups (leaflet-groupedlayercontrol 0.6.1, the plugin folium's ``GroupedLayerControl``
    uses; the site links the vendored copy). The forest-parcels layer, built in the page, joins
    the theme group when present."""

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control.groupedLayers(
  { {%- for name, var in this.base_layers %}{{ name|tojson }}: {{ var }},{% endfor %} },
  { {%- for group, items in this.groups %}{{ group|tojson }}: { {%- for name, var in items %}{{ name|tojson }}: {{ var }},{% endfor %} },{% endfor %} },
  {{ this.options|tojson }}
).addTo({{ this._parent.get_name() }});
if (window.gisplanParcelLayer) {
  {{ this.get_name() }}.addOverlay(window.gisplanParcelLayer, {{ this.parcels_name|tojson }}, {{ this.theme_group|tojson }});
}
{% endmacro %}
""")
    default_js = [("leaflet.groupedlayercontrol.min.js",
                   "https://cdnjs.cloudflare.com/ajax/libs/leaflet-groupedlayercontrol/0.6.1/leaflet.groupedlayercontrol.min.js")]
    default_css = [("leaflet.groupedlayercontrol.min.css",
                    "https://cdnjs.cloudflare.com/ajax/libs/leaflet-groupedlayercontrol/0.6.1/leaflet.groupedlayercontrol.min.css")]

    def __init__(self, lang: str, parcels_name: str, overlays: list[Overlay]):
        super().__init__()
        self._name = "GisplanLayerControl"
        self.lang = lang
        self.parcels_name = parcels_name
        i = 0 if lang == "vi" else 1
        self.theme_group = GROUPS["theme"][i]
        self.options = {"collapsed": True, "position": "topright"}
        self.base_layers: list[tuple[str, str]] = []
        grouped: dict[str, list[tuple[str, str]]] = {g[i]: [] for g in GROUPS.values()}
        for o in overlays:
            grouped[GROUPS[o.group][i]].append((o.layer.layer_name, o.layer.get_name()))
        self.groups = [(g, items) for g, items in grouped.items() if items or g == self.theme_group]

    def render(self, **kwargs):
        self.base_layers = [(item.layer_name, item.get_name()) for item in self._parent._children.values()
                            if isinstance(item, folium.TileLayer)]
        super().render(**kwargs)


class _Search(JSCSSMixin, MacroElement):
    """Search by ``name`` over several GeoJSON layers at once (leaflet-search on a layer group
    that is not itself drawn); a feature found is framed and its popup opened."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var layers = L.layerGroup([{% for l in this.layers %}{{ l.get_name() }}, {% endfor %}]);
  var control = new L.Control.Search({
    layer: layers, propertyName: "name", initial: false, marker: false, collapsed: true,
    position: "topleft", textPlaceholder: {{ this.placeholder|tojson }}, textErr: {{ this.not_found|tojson }},
    moveToLocation: function (latlng, title, m) {
      var l = latlng.layer;
      if (l && l.getBounds) { m.fitBounds(l.getBounds(), {maxZoom: 14, animate: false}); }
      else { m.setView(latlng, Math.max(m.getZoom(), 13), {animate: false}); }
    }
  });
  control.on("search:locationfound", function (e) {
    // as if the feature were clicked: its popup (bound to its GeoJSON layer) opens for it
    if (e.layer) { e.layer.fire("click", {latlng: e.latlng}, true); }
  });
  map.addControl(control);
  window.gisplanSearch = control;
})();
{% endmacro %}
""")
    default_js = [("Leaflet.Search.js", "https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.js")]
    default_css = [("Leaflet.Search.css", "https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.css")]

    def __init__(self, layers, lang: str):
        super().__init__()
        self._name = "GisplanSearch"
        self.layers = list(layers)
        vi = lang == "vi"
        self.placeholder = "Tìm theo tên…" if vi else "Search by name…"
        self.not_found = "Không tìm thấy" if vi else "Not found"



class _MetricScale(MacroElement):
    """The scale bar in metres and kilometres only (Leaflet's default adds miles and feet)."""

    _template = Template("""
{% macro script(this, kwargs) %}
L.control.scale({metric: true, imperial: false, position: "bottomleft"}).addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self):
        super().__init__()
        self._name = "GisplanScale"


#: the English words of the map controls (Leaflet, leaflet-measure, leaflet-search, MiniMap) and
#: their Vietnamese, put in place by :class:`_Localise`
CONTROL_WORDS_VI = {
    "Zoom in": "Phóng to", "Zoom out": "Thu nhỏ", "Layers": "Chọn lớp bản đồ",
    "Measure distances and areas": "Đo khoảng cách và diện tích", "Measure": "Đo",
    "Create a new measurement": "Bắt đầu đo mới",
    "Start creating a measurement by adding points to the map": "Bấm lên bản đồ để thêm điểm đo",
    "Finish measurement": "Kết thúc đo", "Cancel": "Hủy", "Delete": "Xóa", "Last point": "Điểm cuối",
    "Area": "Diện tích", "Perimeter": "Chu vi", "Point location": "Vị trí điểm",
    "Area measurement": "Đo diện tích", "Linear measurement": "Đo chiều dài", "Path distance": "Chiều dài đường đo",
    "Centre on this area": "Đưa vùng này vào giữa", "Centre on this line": "Đưa đường này vào giữa",
    "Centre on this location": "Đưa điểm này vào giữa", "Kilometres": "km", "Hectares": "ha", "Meters": "m",
    "Sq Meters": "m²", "Hide MiniMap": "Ẩn bản đồ nhỏ", "Show MiniMap": "Hiện bản đồ nhỏ",
    "Search": "Tìm", "Loading...": "Đang tải…",
}


class _Localise(MacroElement):
    """The map controls in the page's language: titles and labels of the zoom, layer, search and
    minimap buttons, and every text leaflet-measure writes (it ships no Vietnamese: its words are
    replaced as it writes them, in the control and in its result popups)."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var words = {{ this.words|tojson }}, map = {{ this._parent.get_name() }};
  function put(el) {
    ["title", "aria-label", "placeholder"].forEach(function (a) {
      var v = el.getAttribute && el.getAttribute(a);
      if (v && words[v.trim()]) { el.setAttribute(a, words[v.trim()]); }
    });
  }
  function walk(root) {
    if (!root) { return; }
    var it = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), n;
    while ((n = it.nextNode())) {
      var t = n.nodeValue.trim();
      if (words[t]) { n.nodeValue = n.nodeValue.replace(t, words[t]); }
    }
    put(root);
    root.querySelectorAll && root.querySelectorAll("[title],[aria-label],[placeholder]").forEach(put);
  }
  var box = map.getContainer();
  walk(box.querySelector(".leaflet-control-container"));
  new MutationObserver(function (changes) {
    changes.forEach(function (c) {
      c.addedNodes.forEach(function (n) { walk(n.nodeType === 1 ? n : n.parentNode); });
      if (c.type === "attributes") { put(c.target); }
    });
  }).observe(box, {childList: true, subtree: true, attributes: true, attributeFilter: ["title"]});
})();
{% endmacro %}
""")

    def __init__(self, lang: str):
        super().__init__()
        self._name = "GisplanLocalise"
        self.words = CONTROL_WORDS_VI if lang == "vi" else {}


#: the map panes of the two sides of a swipe view (above the overlays, the right one on top)
SWIPE_PANES = ("gisplanSwipeLeft", "gisplanSwipeRight")


def add_swipe_panes(m: folium.Map) -> None:
    """The two panes the layers of a swipe view are drawn in (before the layers are added)."""
    for i, pane in enumerate(SWIPE_PANES):
        folium.map.CustomPane(pane, z_index=420 + i).add_to(m)


class Swipe(plugins.SideBySideLayers):
    """folium's SideBySideLayers (leaflet-side-by-side) over vector layers: the ``left`` and
    ``right`` layers are drawn in the panes of :data:`SWIPE_PANES`, and the divider clips those
    panes; the one shown on each side is the last of its list switched on in the layer control.
    The slider is labelled for assistive technology."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var left = [{% for l in this.left %}{{ l.get_name() }}, {% endfor %}];
  var right = [{% for l in this.right %}{{ l.get_name() }}, {% endfor %}];
  left.forEach(function (l) { l.getContainer = function () { return map.getPane({{ this.panes[0]|tojson }}); }; });
  right.forEach(function (l) { l.getContainer = function () { return map.getPane({{ this.panes[1]|tojson }}); }; });
  var control = L.control.sideBySide(left, right).addTo(map);
  control._range.setAttribute("aria-label", {{ this.label|tojson }});
  control._range.setAttribute("title", {{ this.label|tojson }});
  window.gisplanSwipe = control;
})();
{% endmacro %}
""")

    def __init__(self, left, right, lang: str = "vi"):
        super().__init__(left[0], right[0])
        self._name = "GisplanSwipe"
        self.left, self.right, self.panes = list(left), list(right), SWIPE_PANES
        self.label = ("Kéo để so sánh hai năm: năm trước bên trái, năm sau bên phải" if lang == "vi"
                      else "Drag to compare the two years: the earlier on the left, the later on the right")


def new_map(title: str, lang: str, *, synthetic: bool) -> folium.Map:
    """An empty map centred on the province with the basemaps (OpenStreetMap shown), a "no
    basemap" choice, the ``title`` and, for synthetic data, the synthetic-data note."""
    vi = lang == "vi"
    m = folium.Map(location=CENTER, zoom_start=9, tiles=None, control_scale=False, prefer_canvas=False, zoom_snap=0.25)
    m.default_js = [js for js in m.default_js if js[0] == "leaflet"]
    m.default_css = [css for css in m.default_css if css[0] == "leaflet_css"]
    for tiles, name, attr in BASEMAPS:
        folium.TileLayer(tiles, name=name, attr=attr, show=name == "OpenStreetMap", control=True).add_to(m)
    folium.TileLayer("", name="Không có nền" if vi else "No basemap", attr=" ", show=False).add_to(m)
    legend.add_title(m, title)
    if synthetic:
        legend.add_note(m, SYNTHETIC_NOTE)
    return m


def add_controls(build: MapBuild) -> None:
    """Search over the overlays of ``build`` registered as searchable, full screen, measuring,
    minimap, the grouped layer control of its overlays, the feature counter, and the view fitted
    to the province (else the communes) of its store without animation, so the page opens at its
    final view."""
    m, lang = build.map, build.lang
    vi = lang == "vi"
    # reference layers (communes) before the theme's: a name found in both finds the theme's feature
    searchable = sorted((o for o in build.overlays if o.search), key=lambda o: o.group == "theme")
    if searchable:
        _Search([o.layer for o in searchable], lang).add_to(m)
    plugins.Fullscreen(position="topleft", title="Toàn màn hình" if vi else "Full screen",
                       title_cancel="Thoát" if vi else "Exit").add_to(m)
    plugins.MeasureControl(position="topleft", primary_length_unit="kilometers", secondary_length_unit="meters",
                           primary_area_unit="hectares", secondary_area_unit="sqmeters").add_to(m)
    words = {"strings": {"hideText": "Ẩn bản đồ nhỏ", "showText": "Hiện bản đồ nhỏ"}} if vi else {}
    plugins.MiniMap(toggle_display=True, position="bottomleft", **words).add_to(m)
    _MetricScale().add_to(m)
    _GroupedLayers(lang, ("Lô rừng" if vi else "Forest parcels"), build.overlays).add_to(m)
    _Counter().add_to(m)
    _Localise(lang).add_to(m)
    bounds = _bounds(build.store)
    if bounds is not None:
        fit = folium.map.FitBounds(bounds)
        fit.options["animate"] = False
        m.add_child(fit)


def _bounds(data):
    prov = data.optional("province")
    if prov is None:
        prov = data.optional("communes")
    if prov is None:
        return None
    minx, miny, maxx, maxy = prov.to_crs(4326).total_bounds
    return [[miny, minx], [maxy, maxx]]
