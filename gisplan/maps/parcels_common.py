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
            "no": "Không" if vi else "No", "ha": "Diện tích (ha)" if vi else "Area (ha)", "noData": no_data(lang)}


#: the colour and the popup of a parcel, shared by the cell layer and the PMTiles layer
#: (:mod:`gisplan.maps.vector_tiles`): ``origin`` a code of the layer type, ``m`` meets the
#: forest criteria 1 / 0 / -1 (unknown); ``v`` the popup's values, labels already in the page's
#: language, ``h`` the area text or null
COMMON_JS = """
  function gisplanParcelColor(D, origin, m) {
    if (m === 0) { return D.notForest; }
    return (origin !== undefined && origin !== null && D.colors[origin]) || '#74c476';
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
