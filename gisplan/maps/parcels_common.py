"""What the two web layers of the forest-status parcels share, without the web libraries: the
cell scripts (:mod:`gisplan.maps.parcels_layer`) and the PMTiles archive
(:mod:`gisplan.maps.vector_tiles`) show the same coded attributes, colours, popups and legend,
from the zoom :data:`MIN_ZOOM` on. Areas in ha, in the layer's projected CRS (EPSG:9213 by
default).
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import shapely

from gisplan.catalog import LayerType, load_layer_types
from gisplan.crs import unit_m
from gisplan.forest_codes import status_codes
from gisplan.maps.style import categories, no_data

#: the zoom from which the parcels are drawn (the commune choropleth carries the province view)
MIN_ZOOM = 12
#: the coded attributes the popups show, in the tiles and in the cell layer (``parcels_layer.ATTRS``);
#: the tiles also carry ``parcel_id``, ``meets_criteria`` and ``area_ha``
CODED = ("origin", "purpose", "forest_type")

def forest_status_type(lt: LayerType | None = None) -> LayerType:
    """The forest-status :class:`~gisplan.catalog.LayerType` the parcels are labelled and coloured
    with: ``lt`` (the catalog's, :func:`gisplan.maps.themes.layer_type`), else the packaged one
    of ``layers/types.toml``."""
    return lt if lt is not None else load_layer_types()["forest_status"]


def area_ha(parcels: gpd.GeoDataFrame) -> np.ndarray | None:
    """The area of each parcel in hectares, planar in its projected CRS with the CRS's unit
    converted to metres (EPSG:9213: metres; a CRS in US survey feet: × 0.3048006² m² per ft²);
    None when the layer has no CRS or one that is not projected (degrees give no area here)."""
    crs = parcels.crs
    if crs is None or not crs.is_projected:
        return None
    return shapely.area(parcels.geometry.to_numpy()) * unit_m(crs) ** 2 / 1e4


def style_meta(lang: str = "vi", lt: LayerType | None = None) -> dict:
    """What every web layer of the parcels draws them with (the cell scripts and the PMTiles
    archive alike): the origin codes, the colour of each origin (the classes of the forest-status
    layer type ``lt``, the catalog's; default: the packaged one), the colour of parcels not
    meeting the forest criteria and the popup texts in ``lang``."""
    lt = forest_status_type(lt)
    return {"origins": list(lt.attributes["origin"].allowed),
            "colors": {c.code: c.color for c in categories(lt, "origin")},
            "notForest": _not_forest_color(lt), "text": _texts(lang)}


def _not_forest_color(lt: LayerType) -> str:
    return lt.style.get("not_forest_color", "#fee08b")



def _texts(lang):
    vi = lang == "vi"
    return {"id": "Mã lô" if vi else "Parcel", "origin": "Nguồn gốc" if vi else "Origin",
            "purpose": "Mục đích" if vi else "Purpose", "forest_type": "Trạng thái" if vi else "Forest type",
            "meets": "Đạt tiêu chí thành rừng" if vi else "Meets forest criteria", "yes": "Có" if vi else "Yes",
            "no": "Không" if vi else "No", "ha": "Diện tích (ha)" if vi else "Area (ha)", "noData": no_data(lang),
            # the record of a lot (the forest-status map's popup)
            "tk": "Tiểu khu" if vi else "Compartment", "khoanh": "Khoảnh" if vi else "Sub-compartment",
            "lot": "Lô" if vi else "Lot", "status": "Trạng thái" if vi else "Status",
            "owner": "Chủ rừng" if vi else "Owner", "species": "Loài cây" if vi else "Species",
            "planted": "Năm trồng" if vi else "Planted", "recorded": "theo hồ sơ" if vi else "recorded",
            "commune": "Xã (theo hồ sơ lô)" if vi else "Commune (as recorded)",
            "unknownStatus": "mã trạng thái không hợp lệ" if vi else "not a status code"}


def status_meta(lang: str = "vi") -> dict:
    """What the forest-status map colours the lots with (:mod:`gisplan.forest_codes`): every
    status code of Circular 33, its standard colour (TCVN 11565:2016 Appendix E), fill pattern
    and name in ``lang``, in the table's order; a lot's ``s`` is its position in these lists."""
    t = status_codes().table
    return {"codes": list(t.index), "codeColors": list(t["color"]),
            "codePatterns": [p or "" for p in t["pattern"]],
            "codeNames": list(t["name_vi" if lang == "vi" else "name_en"])}


def status_legend_section(codes_present, lang: str = "vi", unknown: bool = False,
                          min_zoom: int = MIN_ZOOM) -> tuple[str, list]:
    """The legend of the forest-status map: one box per status code present (the standard colour,
    "TXN – Rừng gỗ tự nhiên …"), in the order of Circular 33's list, and the lots whose code is
    not a status code."""
    t = status_codes().table
    vi = lang == "vi"
    name = "name_vi" if vi else "name_en"
    items = [(t.at[c, "color"], f"{c} – {t.at[c, name]}", "box") for c in t.index if c in set(codes_present)]
    if unknown:
        items.append(("#bdbdbd", "Lô có mã trạng thái không hợp lệ" if vi else "Lots whose code is not a status code",
                      "box"))
    title = ("Hiện trạng rừng theo lô (phóng to mức ≥ %d)" if vi else "Forest status by lot (zoom ≥ %d)") % min_zoom
    return (title, items)


#: the colour and the popup of a parcel, shared by the cell layer and the PMTiles layer
#: (:mod:`gisplan.maps.vector_tiles`): ``origin`` a code of the layer type, ``m`` meets the
#: forest criteria 1 / 0 / -1 (unknown); ``v`` the popup's values, labels already in the page's
#: language, ``h`` the area text or null
COMMON_JS = """
  function gisplanParcelColor(D, origin, m, s) {
    if (D.colorBy === 'status') {  // the forest-status map: the standard colour of the lot's code
      if (s === undefined || s === null || s < 0) { return '#bdbdbd'; }
      var pat = D.codePatterns[s];
      return pat ? 'p:' + pat + ':' + D.codeColors[s] : D.codeColors[s];
    }
    if (m === 0) { return D.notForest; }
    return (origin !== undefined && origin !== null && D.colors[origin]) || '#74c476';
  }
  // a fill for a colour key: a colour, or 'p:<pattern>:<colour>' drawn as a small repeated tile
  // (dots for bare land, grass strokes for regenerating trees, a cross hatch for other land)
  function gisplanFill(ctx, key, cache) {
    if (key.lastIndexOf('p:', 0) !== 0) { return key; }
    if (cache[key]) { return cache[key]; }
    var parts = key.split(':'), kind = parts[1], col = parts[2], c = document.createElement('canvas');
    c.width = c.height = 8;
    var g = c.getContext('2d');
    g.fillStyle = '#ffffff'; g.fillRect(0, 0, 8, 8);
    g.fillStyle = col; g.strokeStyle = col; g.lineWidth = 1;
    if (kind === 'dots') { g.beginPath(); g.arc(4, 4, 1.2, 0, 2 * Math.PI); g.fill(); }
    else if (kind === 'grass') { g.beginPath(); g.moveTo(2, 7); g.lineTo(3, 3); g.moveTo(5, 7); g.lineTo(6, 2); g.stroke(); }
    else { g.beginPath(); g.moveTo(0, 0); g.lineTo(8, 8); g.moveTo(8, 0); g.lineTo(0, 8); g.stroke(); }
    return (cache[key] = ctx.createPattern(c, 'repeat'));
  }
  function gisplanEsc(v) { return String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;'); }
  // the record of a lot, for the forest-status map
  function gisplanLotPopup(t, D, v) {
    var rows = [], head = v.k ? v.k : gisplanEsc(v.id);
    rows.push('<b>' + head + '</b>');
    rows.push(t.status + ': ' + (v.s >= 0 ? '<b>' + D.codes[v.s] + '</b> – ' + gisplanEsc(D.codeNames[v.s])
                                            : (v.code ? gisplanEsc(v.code) + ' (' + t.unknownStatus + ')' : t.noData)));
    rows.push(t.origin + ': ' + v.origin + '<br>' + t.purpose + ': ' + v.purpose);
    if (v.w) { rows.push(t.owner + ': ' + gisplanEsc(v.w)); }
    if (v.sp) { rows.push(t.species + ': ' + gisplanEsc(v.sp) + (v.y ? ' (' + t.planted + ' ' + v.y + ')' : '')); }
    if (v.h !== null) { rows.push(t.ha + ': ' + v.h + (v.hr ? ' (' + t.recorded + ': ' + v.hr + ')' : '')); }
    if (v.cm) { rows.push(t.commune + ': ' + gisplanEsc(v.cm)); }
    return rows.join('<br>');
  }
  function gisplanParcelPopup(t, v) {
    var m = v.m;
    return '<b>' + t.id + ': ' + String(v.id).replace(/&/g, '&amp;').replace(/</g, '&lt;') + '</b><br>' +
      t.origin + ': ' + v.origin + '<br>' + t.purpose + ': ' + v.purpose + '<br>' +
      t.forest_type + ': ' + v.forest_type + '<br>' +
      t.meets + ': ' + (m === 1 ? t.yes : m === 0 ? t.no : t.noData) + (v.h !== null ? '<br>' + t.ha + ': ' + v.h : '');
  }
"""

def script_json(obj) -> str:
    """``obj`` as compact JSON safe inside a ``<script>`` element (no ``</`` closing it)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def legend_section(lang: str = "vi", min_zoom: int = MIN_ZOOM, *, lt: LayerType | None = None) -> tuple[str, list]:
    """The legend of the parcels layer: a box per origin class, one for parcels not yet forest,
    in the labels and colours of the forest-status layer type ``lt`` (default: the packaged one)."""
    vi = lang == "vi"
    lt = forest_status_type(lt)
    cats = categories(lt, "origin", lang=lang)
    notf = _not_forest_color(lt)
    title = ("Lô rừng (phóng to mức ≥ %d)" if vi else "Forest parcels (zoom ≥ %d)") % min_zoom
    return (title, [(c.color, c.label, "box") for c in cats] + [(notf, "Chưa đạt tiêu chí thành rừng" if vi else "Not yet forest", "box")])
