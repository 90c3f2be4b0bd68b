"""The frame of every web map: basemaps, title and synthetic-data note, the grouped layer control,
search by name, full screen, measuring, minimap and the view fitted to the province.

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



def new_map(title: str, lang: str, *, synthetic: bool) -> folium.Map:
    """An empty map centred on the province with the basemaps (OpenStreetMap shown), a "no
    basemap" choice, the ``title`` and, for synthetic data, the synthetic-data note."""
    vi = lang == "vi"
    m = folium.Map(location=CENTER, zoom_start=9, tiles=None, control_scale=True, prefer_canvas=False, zoom_snap=0.25)
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
    plugins.MeasureControl(position="topleft", primary_length_unit="kilometers", primary_area_unit="hectares").add_to(m)
    plugins.MiniMap(toggle_display=True, position="bottomleft").add_to(m)
    _GroupedLayers(lang, ("Lô rừng" if vi else "Forest parcels"), build.overlays).add_to(m)
    _Counter().add_to(m)
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
