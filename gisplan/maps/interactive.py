"""Interactive folium maps, one per theme of the plan.

Themes come from the registry :mod:`gisplan.maps.themes`; layers from the layer store
(:class:`gisplan.store.LayerStore`: read, validated and clipped once per run), reprojected to WGS 84 only here, at the edge,
simplified for the web (communes with a coverage-preserving simplification, so neighbours do
not gap or overlap), coordinates rounded to ~1 m, unused attributes dropped. The caller's data
are never modified. Colours and labels come from the layer types; indicator values from
:mod:`gisplan.indicators`. Overlays are grouped in the layer control (reference layers, theme
layers; basemaps as the base layers) and the search box finds features of the theme's layers
and communes by name. Popup values are formatted in Python (``1.234,5`` in Vietnamese); a missing
value reads "không có số liệu" / "no data" and is drawn in grey, never as 0.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

import folium
import folium.plugins as plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement, Template
from folium.elements import JSCSSMixin

from gisplan._format import fmt_number
from gisplan.catalog import SYNTHETIC_NOTE, Catalog, load_layer_types
from gisplan.maps import legend, parcels_layer
from gisplan.maps.legend import Gradient
from gisplan.maps.style import NO_DATA_COLOR, categories, wqi_categories, wqi_ramp
from gisplan.maps.themes import (
    THEMES,
    format_distance,
    get_theme,
    indicator,
    indicator_and_reason,
    is_missing,
    layer_type,
    make_store,
    missing_layers,
    no_data,
    option,
    theme_classes,
    with_columns,
)

log = logging.getLogger(__name__)

__all__ = ["THEMES", "BASEMAPS", "make_map", "format_distance"]
CENTER = (22.02, 105.85)
BASEMAPS = [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "OpenStreetMap",
     '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'),
    ("https://server.arcgisonline.com/ArcGIS/rest/services/Canvas/World_Light_Gray_Base/MapServer/tile/{z}/{y}/{x}",
     "Nền xám (Esri)", "Tiles © Esri — Esri, HERE, Garmin, © OpenStreetMap contributors"),
    ("https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
     "Ảnh vệ tinh (Esri)", "Tiles © Esri — Source: Esri, Maxar, Earthstar Geographics"),
]
#: columns the style functions read (kept on the web copy even when no popup shows them)
STYLE_COLUMNS = ["code", "zone", "wqi_band", "mode", "qcvn_class", "urban_class", "licence_status", "wwtp_status",
                 "status", "medium", "category", "origin"]
WEB_TOLERANCE_M = 15.0  # simplification for the web, in metres (EPSG:9213)
PRECISION_DEG = 1e-5  # ~1 m
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
    """Layer control with the basemaps as base layers and the overlays in groups
    (leaflet-groupedlayercontrol 0.6.1, the plugin folium's ``GroupedLayerControl`` uses; the
    site links the vendored copy). The forest-parcels layer, built in the page, joins the theme
    group when present."""

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

    def __init__(self, lang: str, parcels_name: str):
        super().__init__()
        self._name = "GisplanLayerControl"
        self.lang = lang
        self.parcels_name = parcels_name
        self.theme_group = GROUPS["theme"][0 if lang == "vi" else 1]
        self.options = {"collapsed": True, "position": "topright"}
        self.base_layers: list[tuple[str, str]] = []
        self.groups: list[tuple[str, list[tuple[str, str]]]] = []

    def render(self, **kwargs):
        i = 0 if self.lang == "vi" else 1
        grouped: dict[str, list[tuple[str, str]]] = {g[i]: [] for g in GROUPS.values()}
        self.base_layers = []
        for item in self._parent._children.values():
            if isinstance(item, folium.TileLayer):
                self.base_layers.append((item.layer_name, item.get_name()))
            elif isinstance(item, folium.GeoJson):
                grouped[GROUPS[getattr(item, "_gisplan_group", "theme")][i]].append((item.layer_name, item.get_name()))
        self.groups = [(g, items) for g, items in grouped.items() if items or g == self.theme_group]
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


def make_map(theme: str, *, catalog: Catalog | None = None, results=None, store=None, lang: str = "vi",
             layers: Mapping[str, gpd.GeoDataFrame] | None = None,
             parcels_data: str | parcels_layer.EncodedParcels | None = "inline",
             synthetic: bool | None = None) -> folium.Map:
    """Build the interactive map of a theme.

    Parameters
    ----------
    theme : a theme id of :data:`gisplan.maps.themes.THEMES` (``overview``, ``forest_cover``,
        ``protected_areas``, ``mines``, ``industry``, ``rivers``, ``waste``, ``air``, ``forest_change``).
    catalog : where the layers come from (default: :func:`gisplan.catalog.load_catalog`).
    results : :class:`gisplan.indicators.run.IndicatorResults`; when absent, the indicator the
        theme shows is computed from the layers. A table the results skipped (its data are
        absent) is shown as "không có số liệu" / "no data".
    store : the :class:`gisplan.store.LayerStore` to read layers from (one per run, shared with
        the indicators); default: a store over ``catalog`` and ``layers``.
    lang : ``"vi"`` (default) or ``"en"`` for titles, labels and popups.
    layers : GeoDataFrames by layer type id (``{"communes": gdf, …}``) used instead of the
        catalog; any CRS (EPSG:9213 expected for the indicators).
    parcels_data : for the forest-status parcels layer: ``"inline"`` embeds the data in the
        page; a :class:`gisplan.maps.parcels_layer.EncodedParcels` (the published site, which
        writes its cell scripts) or a folder relative to the page (``"assets/data/forest_status"``)
        makes the page load each cell's script from there when it comes into view at zoom
        ≥ ``parcels_layer.MIN_ZOOM``; ``None`` leaves the parcels out.
    synthetic : show the synthetic-data note (default: from the catalog).

    Returns
    -------
    folium.Map (CDN links; :func:`gisplan.maps.site.publish_site` rewrites them to local copies).
    ``m.gisplan_classes`` holds the choropleth :class:`~gisplan.maps.style.Classes` (or None).

    Raises
    ------
    OptionError for an unknown theme; DataMissingError when a layer the theme needs is absent.
    """
    spec = get_theme(theme)
    data = make_store(catalog, layers, store)
    catalog = data.catalog
    vi = lang == "vi"
    m = folium.Map(location=CENTER, zoom_start=9, tiles=None, control_scale=True, prefer_canvas=False, zoom_snap=0.25)
    m._gisplan_parcels = parcels_data
    m.gisplan_classes = None
    m.default_js = [js for js in m.default_js if js[0] == "leaflet"]
    m.default_css = [css for css in m.default_css if css[0] == "leaflet_css"]
    for tiles, name, attr in BASEMAPS:
        folium.TileLayer(tiles, name=name, attr=attr, show=name == "OpenStreetMap", control=True).add_to(m)
    folium.TileLayer("", name="Không có nền" if vi else "No basemap", attr=" ", show=False).add_to(m)
    title = spec.title(lang)
    legend.add_title(m, title)
    syn = synthetic if synthetic is not None else bool(catalog.synthetic if catalog is not None else False)
    if syn:
        legend.add_note(m, SYNTHETIC_NOTE)
    province = data.optional("province")
    if province is not None:
        _add(m, province, "province", [], lang, style=lambda f: {"color": "#222", "weight": 3, "fill": False},
             name="Ranh giới tỉnh" if vi else "Province boundary", tooltip=False, group="reference")
    sections = BUILDERS[spec.id](m, data, results, lang)
    legend.add_legend(m, title, sections, lang=lang)
    searchable = [c for c in m._children.values() if isinstance(c, folium.GeoJson) and getattr(c, "_gisplan_search", False)]
    if searchable:  # the theme's layers first, then communes (a name found in both: the theme's feature)
        searchable.sort(key=lambda c: getattr(c, "_gisplan_group", "theme") == "theme")
        _Search(searchable, lang).add_to(m)
    plugins.Fullscreen(position="topleft", title="Toàn màn hình" if vi else "Full screen",
                       title_cancel="Thoát" if vi else "Exit").add_to(m)
    plugins.MeasureControl(position="topleft", primary_length_unit="kilometers", primary_area_unit="hectares").add_to(m)
    plugins.MiniMap(toggle_display=True, position="bottomleft").add_to(m)
    _GroupedLayers(lang, ("Lô rừng" if vi else "Forest parcels")).add_to(m)
    _Counter().add_to(m)
    bounds = _bounds(data)
    if bounds is not None:  # without animation: the page opens at its final view
        fit = folium.map.FitBounds(bounds)
        fit.options["animate"] = False
        m.add_child(fit)
    return m


# ---------------------------------------------------------------------------------------------
def _web(gdf: gpd.GeoDataFrame, keep: list[str], layer: str, *, coverage: bool = False) -> gpd.GeoDataFrame:
    """A light WGS 84 copy for the web: simplified, rounded, only the ``keep`` columns."""
    cols = list(dict.fromkeys(c for c in keep if c in gdf.columns))
    out = gdf[cols + [gdf.geometry.name]].copy()
    geoms = out.geometry.to_numpy()
    if out.crs is not None and out.crs.is_projected:
        poly = np.isin(shapely.get_type_id(geoms), (3, 6))
        if coverage and poly.all() and hasattr(shapely, "coverage_simplify"):
            geoms = shapely.coverage_simplify(geoms, WEB_TOLERANCE_M)
        else:
            simple = np.isin(shapely.get_type_id(geoms), (1, 3, 5, 6))
            geoms = geoms.copy()
            geoms[simple] = shapely.simplify(geoms[simple], WEB_TOLERANCE_M, preserve_topology=True)
        out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))
    out = out.to_crs(4326)
    out = out.set_geometry(gpd.GeoSeries(shapely.set_precision(out.geometry.to_numpy(), PRECISION_DEG, mode="pointwise"),
                                         index=out.index, crs=4326))
    out = out[~out.geometry.is_empty & out.geometry.notna()]
    out["_layer"] = layer
    for col in out.columns:
        if col == "geometry":
            continue
        s = out[col]
        if s.dtype == bool or str(s.dtype) == "boolean":
            out[col] = s.map(lambda v: None if pd.isna(v) else bool(v)).astype(object)
        elif pd.api.types.is_float_dtype(s):
            out[col] = s.round(2).astype(object).where(s.notna(), None)
        elif s.dtype == object or pd.api.types.is_string_dtype(s):  # NaN/NA → null in the GeoJSON
            out[col] = s.astype(object).map(
                lambda v: v.isoformat() if hasattr(v, "isoformat") else (None if is_missing(v) else v))
    return out


#: decimals of numeric popup values by column (default: 1 for measures, 0 for counts and metres)
DECIMALS = {"wqi": 0, "distance_m": 0, "air_stations": 0, "population": 0, "wwtp_capacity_m3_day": 0,
            "capacity_t_day": 0, "official_area_ha": 1}


def display(value, column: str, lang: str) -> str:
    """A popup value as text: numbers in the format of ``lang`` (``1.234,5``), years as
    written, yes/no in words, dates as 31/12/2025 in Vietnamese, a missing value as
    "không có số liệu" / "no data" (never 0)."""
    vi = lang == "vi"
    if is_missing(value) or (isinstance(value, str) and not value.strip()):
        return no_data(lang)
    if isinstance(value, (bool, np.bool_)):
        return ("Có" if value else "Không") if vi else ("Yes" if value else "No")
    if isinstance(value, (int, float, np.integer, np.floating)):
        if "year" in column:
            return str(int(value))
        if column in DECIMALS:
            return fmt_number(value, lang, DECIMALS[column])
        whole = float(value) == round(float(value)) and isinstance(value, (int, np.integer))
        return fmt_number(value, lang, 0 if whole or column.endswith("_m") else 1)
    if isinstance(value, (dt.date, pd.Timestamp)):
        return f"{value:%d/%m/%Y}" if vi else value.isoformat()[:10]
    text = str(value)
    if vi and len(text) == 10 and text[4] == "-" and text[7] == "-":  # ISO date
        try:
            return f"{dt.date.fromisoformat(text):%d/%m/%Y}"
        except ValueError:
            return text
    return text


def _labels(gdf: pd.DataFrame, type_id: str, lang: str) -> pd.DataFrame:
    """Coded values with their labels (new ``*_label`` columns; "không có số liệu" / "no data"
    for a missing value); optional columns the layer lacks are added as missing."""
    lt = load_layer_types()[type_id]
    out = with_columns(gdf, type_id).copy()
    for col, attr in lt.attributes.items():
        if attr.allowed and col in out.columns:
            out[f"{col}_label"] = out[col].map(lambda v, a=attr: no_data(lang) if is_missing(v) else a.label(v, lang))
    return out


def _aliases(type_id: str, fields: list[str], lang: str, extra: Mapping[str, str] | None = None) -> list[str]:
    lt = load_layer_types()[type_id]
    extra = dict(extra or {})
    out = []
    for f in fields:
        base = f[:-6] if f.endswith("_label") else f
        if f in extra:
            out.append(extra[f])
        elif base in lt.attributes:
            out.append(lt.attributes[base].title(lang))
        else:
            out.append(f)
    return out


def _add(m, gdf, layer: str, fields: list[str], lang: str, *, style, type_id: str | None = None, name: str,
         aliases: Mapping[str, str] | None = None, tooltip: bool = True, show: bool = True, marker=None,
         coverage: bool = False, search: bool = False, highlight: bool = True, group: str = "theme",
         keep: tuple[str, ...] = ()):
    """Add ``gdf`` as a GeoJson overlay (web copy, see :func:`_web`) with a popup of ``fields``
    (formatted as text in Python, see :func:`display`), a name tooltip, ``search`` by name and its
    layer-control ``group`` (``reference``/``theme``); ``keep`` lists extra columns the style reads."""
    if gdf is None or len(gdf) == 0:
        return None
    web = _web(gdf, fields + ["name"] + STYLE_COLUMNS + list(keep), layer, coverage=coverage)
    if type_id is not None:
        attrs = load_layer_types()[type_id].attributes
        fields = [f for f in fields if f in web.columns or f in attrs]
    else:
        fields = [f for f in fields if f in web.columns]
    kw = {}
    if fields:
        al = _aliases(type_id or layer, fields, lang, aliases) if type_id or layer in load_layer_types() else fields
        shown = {f: f"{f}_txt" if f in STYLE_COLUMNS or f in keep or f == "name" else f for f in fields}
        for f, col in shown.items():
            values = web[f] if f in web.columns else pd.Series([None] * len(web), index=web.index, dtype=object)
            web[col] = [display(v, f, lang) for v in values]
        fields = list(shown.values())
        kw["popup"] = folium.GeoJsonPopup(fields=fields, aliases=al, localize=False, labels=True, max_width=380)
    if tooltip and "name" in web.columns:
        kw["tooltip"] = folium.GeoJsonTooltip(fields=["name"], labels=False)
    if highlight:
        kw["highlight_function"] = lambda f: {"weight": 4, "color": "#ffff00"}
    gj = folium.GeoJson(web.__geo_interface__, name=name, style_function=style, show=show, marker=marker,
                        zoom_on_click=False, **kw)
    gj._gisplan_search = search
    gj._gisplan_group = group
    gj.add_to(m)
    return gj


def _point_marker():
    return folium.CircleMarker(radius=6, weight=1, color="#222", fill=True, fill_opacity=0.9)


def _cat_style(type_id: str, column: str, *, fill_opacity=0.6, weight=1.5, line=False, radius=None):
    """Style by the category of ``column`` (colours from the layer type; missing values grey)."""
    colors = {c.code: c.color for c in categories(type_id, column)}

    def style(f):
        color = colors.get(f["properties"].get(column), NO_DATA_COLOR)
        if line:
            return {"color": color, "weight": weight, "opacity": 0.95}
        s = {"color": "#333" if radius else color, "fillColor": color, "weight": weight if not radius else 1,
             "fillOpacity": fill_opacity}
        if radius:
            s["radius"] = radius
        return s
    return style


def _cat_section(type_id, column, lang, shape, title=None, values=None):
    """A legend section of the categories of ``column``: those present in ``values`` (all when
    None), plus "không có số liệu" / "no data" in grey when a value is missing or not a code."""
    cats = categories(type_id, column, lang=lang)
    items = []
    if values is not None:
        vals = pd.Series(list(values), dtype=object)
        present = set(vals[~vals.map(is_missing)])
        cats = [c for c in cats if c.code in present]
        if vals.map(is_missing).any() or present - {c.code for c in categories(type_id, column)}:
            items = [(NO_DATA_COLOR, no_data(lang), shape)]
    return (title, [(c.color, c.label, shape) for c in cats] + items)


def _layer(data, type_id: str, index: int = -1):
    """A layer from the store with every attribute of its type (missing optional columns added
    as missing values), or None when the catalog has none."""
    return with_columns(data.optional(type_id, index), type_id)


def _communes_outline(m, data, lang):
    communes = data.optional("communes")
    if communes is not None:
        _add(m, communes, "communes", ["code", "name"], lang, type_id="communes", coverage=True, search=True,
             style=lambda f: {"color": "#666", "weight": 0.7, "fillOpacity": 0.0, "fill": True},
             name="Xã, phường" if lang == "vi" else "Communes and wards", highlight=False, group="reference")


def _no_data_section(title: str | None, text: str, reason: str | None = None, shape: str = "box"):
    """A legend section of one grey item saying the data are absent (with the reason when known)."""
    return (title, [(NO_DATA_COLOR, text + (f" ({reason})" if reason else ""), shape)])


# ---------------------------------------------------------------------------------------------
def _overview(m, data, results, lang):
    _communes_outline(m, data, lang)
    sections = []
    fields = {
        "protected_areas": ["name", "category_label", "zone_label", "official_area_ha"],
        "urban_areas": ["name", "urban_class_label", "population"],
        "industrial_zones": ["name", "zone_type_label", "status_label", "wwtp_status_label"],
        "river_sections": ["river_name", "section_id", "qcvn_class_label", "wqi"],
        "mines": ["name", "mineral", "licence_status_label", "licence_expiry"],
        "waste_sites": ["name", "site_type_label", "status_label"],
        "monitoring_stations": ["name", "medium_label", "mode_label"],
    }
    for entry in get_theme("overview").legend:
        type_id, col, kind = entry.type_id, entry.column, entry.shape
        gdf = data.optional(type_id)
        if gdf is None:
            continue
        lt = load_layer_types()[type_id]
        gdf = _labels(gdf, type_id, lang)
        _add(m, gdf, type_id, fields[type_id], lang, type_id=type_id, name=lt.title(lang), search=True,
             style=_cat_style(type_id, col, line=kind == "line", weight=3 if kind == "line" else 1.2,
                              radius=6 if kind == "circle" else None, fill_opacity=0.5),
             marker=_point_marker() if kind == "circle" else None)
        sections.append(_cat_section(type_id, col, lang, kind, lt.title(lang), values=gdf[col]))
    return sections


def _choropleth(m, data, results, lang, theme: str, table_name: str, fields: list[str], aliases: dict,
                layer_name: str, head: str):
    """Communes coloured by an indicator column (classes of the theme's scheme); communes without
    a value, or every commune when the indicator's data are absent, in grey as "no data"."""
    spec = get_theme(theme)
    col = spec.scheme.column
    communes = data.optional("communes")
    if communes is None:
        raise missing_layers(theme, data)
    table, reason = indicator_and_reason(table_name, results=results, store=data, lang=lang)
    if table is not None:
        joined = communes.merge(table.drop(columns=["name"], errors="ignore"), on="code", how="left")
    else:
        joined = communes.assign(**{c: np.nan for c in fields if c not in communes.columns and c != "name"})
    cls = theme_classes(spec, joined[col], lang, store=data)
    m.gisplan_classes = cls
    colors = dict(zip(joined["code"], cls.color_of(joined[col]), strict=True))
    _add(m, joined, "communes", fields, lang, type_id="communes", aliases=aliases, coverage=True, search=True,
         name=layer_name, style=lambda f: {"fillColor": colors.get(f["properties"].get("code"), NO_DATA_COLOR),
                                           "color": "#555", "weight": 0.8, "fillOpacity": 0.75})
    items = [(c, lab, "box") for c, lab in zip(cls.colors, cls.labels, strict=True)]
    if joined[col].isna().any():
        items += _no_data_section(None, no_data(lang), reason)[1]
    return [(head, items)]


def _forest_cover(m, data, results, lang):
    vi = lang == "vi"
    fields = ["name", "code", "area_ha", "forest_ha", "forest_pct", "natural_ha", "plantation_ha"]
    al = {"area_ha": "Diện tích tự nhiên (ha)" if vi else "Natural area (ha)",
          "forest_ha": "Diện tích rừng (ha)" if vi else "Forest (ha)",
          "forest_pct": "Tỷ lệ che phủ rừng (%)" if vi else "Forest cover (%)",
          "natural_ha": "Rừng tự nhiên (ha)" if vi else "Natural forest (ha)",
          "plantation_ha": "Rừng trồng (ha)" if vi else "Plantation (ha)",
          "name": "Tên" if vi else "Name", "code": "Mã" if vi else "Code"}
    sections = _choropleth(m, data, results, lang, "forest_cover", "forest_cover_communes", fields, al,
                           "Tỷ lệ che phủ rừng theo xã" if vi else "Forest cover by commune",
                           "Tỷ lệ che phủ rừng (%)" if vi else "Forest cover (%)")
    pas = data.optional("protected_areas")
    if pas is not None:
        core = pas[pas["zone"] != "buffer"]
        _add(m, _labels(core, "protected_areas", lang), "protected_areas", ["name", "category_label"], lang,
             type_id="protected_areas", name=load_layer_types()["protected_areas"].title(lang), show=False,
             group="reference", style=lambda f: {"color": "#00441b", "weight": 2, "fill": False, "dashArray": "6 4"})
    parcels = data.optional("forest_status")
    if parcels is not None and getattr(m, "_gisplan_parcels", "inline") is not None:
        sections.append(parcels_layer.add_parcels(m, parcels, lang, data_path=getattr(m, "_gisplan_parcels", "inline")))
    return sections


def _protected_areas(m, data, results, lang):
    vi = lang == "vi"
    pas = data.optional("protected_areas")
    if pas is None:
        raise missing_layers("protected_areas", data)
    _communes_outline(m, data, lang)
    lt = layer_type(data, "protected_areas")
    zone_colors = lt.style["zone_colors"]
    web = _labels(pas, "protected_areas", lang)
    _add(m, web, "protected_areas", ["name", "category_label", "zone_label", "level_label", "decision",
                                     "official_area_ha"], lang, type_id="protected_areas", search=True,
         name=lt.title(lang),
         style=lambda f: {"fillColor": zone_colors.get(f["properties"].get("zone"), "#1b7837"),
                          "color": "#00441b" if f["properties"].get("zone") != "buffer" else "#888",
                          "weight": 1.5, "fillOpacity": 0.45 if f["properties"].get("zone") != "buffer" else 0.15,
                          "dashArray": "5 4" if f["properties"].get("zone") == "buffer" else None})
    sections = [("Phân khu" if vi else "Subzones",
                 [(zone_colors[z], lt.attributes["zone"].label(z, lang), "dashed" if z == "buffer" else "box")
                  for z in lt.attributes["zone"].allowed
                  if z in set(pas["zone"])])]
    from gisplan.indicators.protected import conflicts

    near = format_distance(option(results, "buffer_m", conflicts, "buffer_m"), lang)
    conflict_colors = lt.style["conflict_colors"]
    table, reason = indicator_and_reason("conflicts", results=results, store=data, lang=lang)
    for site_type, type_id, id_col in (("mine", "mines", "mine_id"), ("industrial_zone", "industrial_zones", "zone_id")):
        color = conflict_colors[site_type]
        what = ("Xung đột: " if vi else "Conflict: ") + load_layer_types()[type_id].title(lang).lower()
        sites = data.optional(type_id)
        if sites is None or table is None:  # unknown, not "no conflict"
            why = reason if table is None else (f"thiếu lớp {load_layer_types()[type_id].title(lang)}" if vi
                                                else f"missing layer: {load_layer_types()[type_id].title(lang)}")
            sections.append(_no_data_section(None, f"{what}: {no_data(lang)}", why, "circle"))
            continue
        hits = table[table["site_type"] == site_type] if len(table) else table
        sections.append((None, [(color, what + (f" (trong, vùng đệm hoặc ≤ {near})" if vi
                                                else f" (inside, buffer zone or ≤ {near})"), "circle")]))
        if len(hits) == 0:
            continue
        first = hits.sort_values("distance_m").drop_duplicates("site_id").set_index("site_id")
        conf = sites[sites[id_col].isin(first.index)].copy()
        conf = conf.set_geometry(conf.geometry.representative_point())
        conf["pa_name"] = conf[id_col].map(first["pa_name"])
        rel = {"inside": "Nằm trong" if vi else "Inside", "buffer_zone": "Trong vùng đệm" if vi else "In buffer zone",
               "within_distance": f"Gần (≤ {near})" if vi else f"Near (≤ {near})"}
        conf["relation"] = conf[id_col].map(first["relation"]).map(rel)
        conf["distance_m"] = conf[id_col].map(first["distance_m"]).round(0)
        _add(m, conf, f"conflict_{type_id}", ["name", "pa_name", "relation", "distance_m"], lang,
             aliases={"name": "Tên" if vi else "Name", "pa_name": "Khu bảo tồn" if vi else "Protected area",
                      "relation": "Vị trí" if vi else "Relation", "distance_m": "Khoảng cách (m)" if vi else "Distance (m)"},
             name=("Xung đột: " if vi else "Conflicts: ") + load_layer_types()[type_id].title(lang),
             marker=_point_marker(), style=lambda f, c=color: {"fillColor": c, "color": "#000", "radius": 7, "weight": 1,
                                                                "fillOpacity": 0.95})
    return sections


def _points_theme(theme, fields, extra=None):
    def build(m, data, results, lang):
        entry = get_theme(theme).legend[0]
        type_id, col = entry.type_id, entry.column
        gdf = data.optional(type_id)
        if gdf is None:
            raise missing_layers(theme, data)
        _communes_outline(m, data, lang)
        if extra:
            extra(m, data, results, lang)
        lt = load_layer_types()[type_id]
        web = _labels(gdf, type_id, lang)
        is_point = web.geometry.geom_type.isin(["Point", "MultiPoint"])
        if (~is_point).any():
            _add(m, web[~is_point], type_id, fields, lang, type_id=type_id, search=True,
                 name=lt.title(lang) + (" (vùng)" if lang == "vi" else " (areas)"),
                 style=_cat_style(type_id, col, fill_opacity=0.6))
        _add(m, web[is_point], type_id, fields, lang, type_id=type_id, name=lt.title(lang), search=True,
             marker=_point_marker(), style=_cat_style(type_id, col, radius=7))
        return [_cat_section(type_id, col, lang, "circle", lt.attributes[col].title(lang), values=web[col])]
    return build


def _rivers_under(m, data, results, lang):
    rivers = data.optional("river_sections")
    if rivers is not None:
        _add(m, _labels(rivers, "river_sections", lang), "river_sections", ["river_name", "qcvn_class_label"], lang,
             type_id="river_sections", name=load_layer_types()["river_sections"].title(lang), show=True,
             group="reference", style=_cat_style("river_sections", "qcvn_class", line=True, weight=3))


def _industry(m, data, results, lang):
    sections = _points_theme("industry", ["name", "zone_type_label", "status_label", "wwtp_status_label",
                                          "wwtp_capacity_m3_day", "established_year"], _rivers_under)(m, data, results, lang)
    rivers = _layer(data, "river_sections")
    if rivers is not None:
        sections.append(_cat_section("river_sections", "qcvn_class", lang, "line",
                                     load_layer_types()["river_sections"].attributes["qcvn_class"].title(lang),
                                     values=rivers["qcvn_class"]))
    return sections


def _rivers(m, data, results, lang):
    vi = lang == "vi"
    rivers = data.optional("river_sections")
    if rivers is None:
        raise missing_layers("rivers", data)
    _communes_outline(m, data, lang)
    from gisplan.indicators.rivers import wqi_band

    web = _labels(rivers, "river_sections", lang)
    wqi = pd.to_numeric(web["wqi"], errors="coerce").astype(float)
    web["wqi_band"] = wqi_band(wqi)
    bands = {c.code: c for c in wqi_categories(lang)}
    web["wqi_band_label"] = web["wqi_band"].map(lambda b: bands[b].label if b in bands else no_data(lang))
    ramp = wqi_ramp()
    web["wqi_color"] = ramp.color_of(wqi.round(2).to_numpy())
    web["name"] = web["river_name"].astype(str) + " – " + web["section_id"].astype(str)  # searched, tooltip
    fields = ["river_name", "section_id", "qcvn_class_label", "wqi", "wqi_band_label", "monitoring_date"]
    al = {"wqi_band_label": "Mức VN_WQI" if vi else "VN_WQI band"}
    _add(m, web, "river_sections", fields, lang, type_id="river_sections", aliases=al, search=True,
         name="Mức QCVN 08:2023" if vi else "QCVN 08:2023 class",
         style=_cat_style("river_sections", "qcvn_class", line=True, weight=5))
    _add(m, web, "river_sections_wqi", fields, lang, type_id="river_sections", aliases=al, show=False,
         name="Mức VN_WQI" if vi else "VN_WQI band",
         style=lambda f: {"color": bands[f["properties"]["wqi_band"]].color
                          if f["properties"].get("wqi_band") in bands else NO_DATA_COLOR, "weight": 5})
    _add(m, web, "river_sections_wqi_value", fields, lang, type_id="river_sections", aliases=al, show=False,
         name="Giá trị VN_WQI (0–100)" if vi else "VN_WQI value (0–100)", keep=("wqi_color",),
         style=lambda f: {"color": f["properties"].get("wqi_color") or NO_DATA_COLOR, "weight": 5})
    present = set(web["wqi_band"].dropna())
    wqi_items = [(c.color, c.label, "line") for c in wqi_categories(lang) if c.code in present]
    if wqi.isna().any():
        wqi_items.append((NO_DATA_COLOR, no_data(lang), "line"))
    sections = [_cat_section("river_sections", "qcvn_class", lang, "line", "QCVN 08:2023/BTNMT", values=web["qcvn_class"]),
                ("VN_WQI (QĐ 1460/QĐ-TCMT)", wqi_items)]
    if wqi.notna().any():
        sections.append(("Giá trị VN_WQI (lớp ẩn, bật trong bảng lớp)" if vi
                         else "VN_WQI value (hidden layer, see the layer control)",
                         Gradient.from_ramp(ramp, ticks=[0, 25, 50, 75, 100], lang=lang)))
    return sections


def _air(m, data, results, lang):
    vi = lang == "vi"
    urban, stations = data.optional("urban_areas"), data.optional("monitoring_stations")
    if urban is None or stations is None:
        raise missing_layers("air", data)
    _communes_outline(m, data, lang)
    from gisplan.indicators.air import air_monitoring_coverage

    within = format_distance(option(results, "air_distance_m", air_monitoring_coverage, "distance_m"), lang)
    table = indicator("air_monitoring", results=results, store=data)
    u = _labels(urban, "urban_areas", lang)
    if table is not None:
        cov = table.set_index("urban_id")
        u["covered"] = u["urban_id"].map(cov["covered"]).map(
            {True: "Có" if vi else "Yes", False: "Chưa có" if vi else "No"})
        u["air_stations"] = u["urban_id"].map(cov["air_stations"])
    else:
        u["covered"], u["air_stations"] = None, np.nan
    _add(m, u, "urban_areas", ["name", "urban_class_label", "covered", "air_stations"], lang, type_id="urban_areas",
         aliases={"covered": (f"Có trạm quan trắc không khí (≤ {within})" if vi else f"Air station within {within}")
                  if option(results, "air_distance_m", air_monitoring_coverage, "distance_m") > 0
                  else ("Có trạm quan trắc không khí trong đô thị" if vi else "Air station in the town"),
                  "air_stations": "Số trạm" if vi else "Stations"}, search=True,
         name=load_layer_types()["urban_areas"].title(lang), style=_cat_style("urban_areas", "urban_class", fill_opacity=0.45))
    air = stations[stations["medium"] == "air"]
    air = _labels(air, "monitoring_stations", lang)
    st = layer_type(data, "monitoring_stations")
    mode_colors, outline = st.style["mode_colors"], st.style.get("outline_color", "#333333")
    _add(m, air, "monitoring_stations", ["name", "mode_label"], lang, type_id="monitoring_stations", search=True,
         name="Trạm quan trắc không khí" if vi else "Air-monitoring stations", marker=_point_marker(),
         style=lambda f: {"fillColor": mode_colors.get(f["properties"].get("mode"), NO_DATA_COLOR),
                          "color": outline, "radius": 7, "weight": 2, "fillOpacity": 0.95})
    station_items = [(mode_colors[code], st.attributes["mode"].label(code, lang), "circle")
                     for code in st.attributes["mode"].allowed if code in mode_colors]
    if not len(air):
        station_items = [(NO_DATA_COLOR, no_data(lang), "circle")]
    return [_cat_section("urban_areas", "urban_class", lang, "box",
                         load_layer_types()["urban_areas"].attributes["urban_class"].title(lang), values=u["urban_class"]),
            ("Trạm không khí" if vi else "Air stations", station_items)]


def _forest_change(m, data, results, lang):
    vi = lang == "vi"
    al = {"forest_before_ha": "Rừng đầu kỳ (ha)" if vi else "Forest before (ha)",
          "forest_after_ha": "Rừng cuối kỳ (ha)" if vi else "Forest after (ha)",
          "loss_ha": "Mất rừng (ha)" if vi else "Loss (ha)", "gain_ha": "Tăng rừng (ha)" if vi else "Gain (ha)",
          "net_ha": "Biến động thuần (ha)" if vi else "Net change (ha)", "name": "Tên" if vi else "Name"}
    return _choropleth(m, data, results, lang, "forest_change", "forest_change_communes",
                       ["name", "forest_before_ha", "forest_after_ha", "loss_ha", "gain_ha", "net_ha"], al,
                       "Biến động rừng theo xã" if vi else "Forest change by commune",
                       "Biến động thuần (ha)" if vi else "Net change (ha)")


DECIMALS.update({"population_exposed": 0, "events": 0})


def class_overlay_wgs84(classes: np.ndarray, transform, crs, colors) -> tuple[np.ndarray, list]:
    """A class raster (uint8, 0 = no data) warped to Web Mercator (nearest neighbour, so the
    image lies on the map as Leaflet draws it) as an RGBA array with ``colors[k - 1]`` for class
    k and transparent no data, and its bounds ``[[south, west], [north, east]]`` in WGS 84."""
    from rasterio.warp import Resampling, calculate_default_transform, reproject, transform_bounds

    h, w = classes.shape
    left, top = transform.c, transform.f
    right, bottom = left + transform.a * w, top + transform.e * h
    dst_t, dw, dh = calculate_default_transform(crs, "EPSG:3857", w, h, left, bottom, right, top)
    out = np.zeros((dh, dw), "uint8")
    reproject(classes, out, src_transform=transform, src_crs=crs, dst_transform=dst_t, dst_crs="EPSG:3857",
              src_nodata=0, dst_nodata=0, resampling=Resampling.nearest)
    lut = np.zeros((256, 4), "uint8")
    for k, c in enumerate(colors, start=1):
        c = c.lstrip("#")
        lut[k] = (int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), 200)
    w3, s3 = dst_t.c, dst_t.f + dst_t.e * dh
    e3, n3 = dst_t.c + dst_t.a * dw, dst_t.f
    west, south, east, north = transform_bounds("EPSG:3857", "EPSG:4326", w3, s3, e3, n3)
    return lut[out], [[south, west], [north, east]]


def _hazard(m, data, results, lang):
    """Susceptibility classes of each hazard as an image overlay (landslide shown, flash flood in
    the layer control), communes coloured by their share in the high and very high classes
    (popups with the exposure), and the recorded events as points."""
    from gisplan.errors import DataMissingError
    from gisplan.maps.themes import HAZARD_LAYERS, HAZARD_TITLES, hazard_classes, theme_classes

    vi = lang == "vi"
    communes = data.optional("communes")
    if communes is None:
        raise missing_layers("hazard", data)
    spec = get_theme("hazard")
    col = spec.scheme.column
    sections, drawn = [], []
    for i, hz in enumerate(HAZARD_LAYERS):
        try:
            classes, result = hazard_classes(data, hz)
        except DataMissingError as exc:
            if i == 0:
                raise
            sections.append(_no_data_section(HAZARD_TITLES[hz][0 if vi else 1], no_data(lang),
                                             getattr(exc, "reason_vi", None) if vi else str(exc)))
            continue
        cfg = result.config
        name = HAZARD_TITLES[hz][0 if vi else 1]
        rgba, bounds = class_overlay_wgs84(classes, result.transform, result.crs, cfg.colors)
        folium.raster_layers.ImageOverlay(rgba, bounds=bounds, name=f"{name}: {'mức độ nhạy cảm' if vi else 'susceptibility'}",
                                          show=i == 0, mercator_project=False, interactive=False,
                                          zindex=1).add_to(m)
        table, reason = indicator_and_reason(f"hazard_{hz}_communes", results=results, store=data, lang=lang)
        joined = communes.merge(table.drop(columns=["name"], errors="ignore"), on="code", how="left") \
            if table is not None else communes.assign(**{col: np.nan})
        cls = theme_classes(spec, joined[col], lang, store=data)
        if i == 0:
            m.gisplan_classes = cls
        colors = dict(zip(joined["code"], cls.color_of(joined[col]), strict=True))
        fields = ["name", "code", "area_ha", "exposed_pct", "exposed_ha", "population", "population_exposed",
                  "urban_ha", "urban_exposed_ha", "observed_pct"]
        al = {"name": "Tên" if vi else "Name", "code": "Mã" if vi else "Code",
              "area_ha": "Diện tích tự nhiên (ha)" if vi else "Area (ha)",
              "exposed_pct": "Mức cao và rất cao (% diện tích)" if vi else "High and very high (% of area)",
              "exposed_ha": "Mức cao và rất cao (ha)" if vi else "High and very high (ha)",
              "population": "Dân số (người)" if vi else "Population",
              "population_exposed": "Dân số trong vùng mức cao, rất cao (người, ước tính)" if vi
              else "People in high / very high (estimate)",
              "urban_ha": "Diện tích đô thị (ha)" if vi else "Urban area (ha)",
              "urban_exposed_ha": "Đô thị trong vùng mức cao, rất cao (ha)" if vi else "Urban area in high / very high (ha)",
              "observed_pct": "Tỷ lệ có dữ liệu DEM (%)" if vi else "Observed by the DEM (%)"}
        fields = [f for f in fields if f in joined.columns]
        _add(m, joined, "communes", fields, lang, aliases=al, coverage=True, search=i == 0, show=i == 0,
             name=f"{name}: {'tỷ lệ mức cao, rất cao theo xã' if vi else 'share high / very high by commune'}",
             style=lambda f, colors=colors: {"fillColor": colors.get(f["properties"].get("code"), NO_DATA_COLOR),
                                             "color": "#555", "weight": 0.8, "fillOpacity": 0.35})
        items = [(c, lab, "box") for c, lab in zip(cfg.colors, cfg.labels_vi if vi else cfg.labels_en, strict=True)]
        items.append((NO_DATA_COLOR, no_data(lang), "box"))
        sections.append((f"{name}: {'mức độ nhạy cảm (chỉ số tương đối)' if vi else 'susceptibility (relative index)'}",
                         items))
        if i == 0:
            share = [(c, lab, "box") for c, lab in zip(cls.colors, cls.labels, strict=True)]
            if joined[col].isna().any():
                share += _no_data_section(None, no_data(lang), reason)[1]
            sections.append(("Tỷ lệ diện tích mức cao, rất cao theo xã (%)" if vi
                             else "Share in high / very high by commune (%)", share))
        drawn.append(hz)
    events = data.optional("hazard_events")
    if events is not None and len(events):
        _add(m, _labels(events, "hazard_events", lang), "hazard_events",
             ["event_id", "event_type_label", "date", "deaths"], lang, type_id="hazard_events",
             name=load_layer_types()["hazard_events"].title(lang), marker=_point_marker(),
             style=lambda f: {"color": "#222", "fillColor": "#6a3d9a", "radius": 5, "weight": 1, "fillOpacity": 0.9})
        sections.append((load_layer_types()["hazard_events"].title(lang), [("#6a3d9a", load_layer_types()[
            "hazard_events"].title(lang), "circle")]))
    return sections


BUILDERS = {
    "overview": _overview,
    "forest_cover": _forest_cover,
    "protected_areas": _protected_areas,
    "mines": _points_theme("mines", ["name", "mineral", "licence_no", "licence_status_label", "licence_expiry",
                                     "operating", "riverbed"], _rivers_under),
    "industry": _industry,
    "rivers": _rivers,
    "waste": _points_theme("waste", ["name", "site_type_label", "status_label", "needs_remediation",
                                     "capacity_t_day"]),
    "air": _air,
    "forest_change": _forest_change,
    "hazard": _hazard,
}
assert set(BUILDERS) == set(THEMES), "every theme of the registry has its drawing code"


def _bounds(data):
    prov = data.optional("province")
    if prov is None:
        prov = data.optional("communes")
    if prov is None:
        return None
    minx, miny, maxx, maxy = prov.to_crs(4326).total_bounds
    return [[miny, minx], [maxy, maxx]]
