"""The overlays of the web maps: a light WGS 84 copy of a layer, its popup (values formatted in
Python: ``1.234,5`` in Vietnamese, "không có số liệu" / "no data" for a missing value, never 0),
field aliases and coded values with their labels from the catalog's layer types, name tooltip,
search, categorical styles and legend sections.

A map is built through a :class:`MapBuild`: the folium map, what it is drawn from (layer store,
results, language, how the parcels are published) and what the drawing registers (each overlay
with its layer-control group and whether the search finds its features, the choropleth classes),
so nothing is stashed on folium objects.

Every function that labels or colours takes the :class:`~gisplan.catalog.LayerType` of the
catalog (:func:`gisplan.maps.themes.layer_type`), so a catalog's own ``types.toml`` is used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisplan._format import fmt_number
from gisplan.catalog import LayerType
from gisplan.crs import unit_m
from gisplan.errors import OptionError
from gisplan.maps.style import NO_DATA_COLOR, NO_DATA_LINE_COLOR, Classes, categories, no_data
from gisplan.maps.themes import is_missing, layer_type, with_columns
from gisplan.tables import COLUMNS, column_title

#: columns the style functions read (kept on the web copy even when no popup shows them)
STYLE_COLUMNS = ["code", "zone", "wqi_band", "mode", "qcvn_class", "urban_class", "licence_status", "wwtp_status",
                 "status", "medium", "category", "origin"]
WEB_TOLERANCE_M = 15.0  # simplification for the web, in metres
PRECISION_DEG = 1e-5  # ~1 m

#: layer-control groups an overlay may join (:data:`gisplan.maps.web_frame.GROUPS`)
GROUP_IDS = ("reference", "theme")


@dataclass(frozen=True)
class Overlay:
    """A layer drawn on a web map: its folium layer, its layer-control ``group``
    (``reference``/``theme``) and whether the search box finds its features by name."""

    layer: Any
    group: str = "theme"
    search: bool = False


@dataclass
class MapBuild:
    """One web map while it is drawn: created by :func:`gisplan.maps.interactive.build_map` and
    passed to the theme's web drawing (:func:`gisplan.maps.web_themes.builder`).

    ``map``: the folium map; ``store``: the :class:`gisplan.store.LayerStore` the layers come
    from; ``results``: the indicator results the map shows (None: none computed); ``lang``;
    ``parcels``: how the forest-status parcels are drawn (``"inline"``, a folder, an
    :class:`~gisplan.maps.parcels_layer.EncodedParcels`, a
    :class:`~gisplan.maps.vector_tiles.TiledParcels`, or None: left out); ``overlays``: the
    layers drawn, in order (:func:`add_layer`, :meth:`add_overlay`); ``classes``: the
    choropleth's :class:`~gisplan.maps.style.Classes` once drawn; ``theme``: the registry entry
    (:class:`~gisplan.maps.themes.Theme`) being drawn.
    """

    map: Any
    store: Any
    results: Any = None
    lang: str = "vi"
    parcels: Any = "inline"
    overlays: list[Overlay] = field(default_factory=list)
    classes: Classes | None = None
    theme: Any = None

    def add_overlay(self, layer, *, group: str = "theme", search: bool = False):
        """Add the folium ``layer`` to the map, listed in the layer control under ``group``."""
        if group not in GROUP_IDS:
            raise OptionError(f"layer-control group {group!r} is not one of {', '.join(GROUP_IDS)}")
        layer.add_to(self.map)
        self.overlays.append(Overlay(layer, group, search))
        return layer


def web_copy(gdf: gpd.GeoDataFrame, keep: list[str], layer: str, *, coverage: bool = False) -> gpd.GeoDataFrame:
    """A light WGS 84 copy for the web: simplified by :data:`WEB_TOLERANCE_M` metres (in the
    layer's projected CRS, its unit converted), rounded to ~1 m, only the ``keep`` columns."""
    cols = list(dict.fromkeys(c for c in keep if c in gdf.columns))
    out = gdf[cols + [gdf.geometry.name]].copy()
    geoms = out.geometry.to_numpy()
    if out.crs is not None and out.crs.is_projected:
        tol = WEB_TOLERANCE_M / unit_m(out.crs)
        poly = np.isin(shapely.get_type_id(geoms), (3, 6))
        if coverage and poly.all() and hasattr(shapely, "coverage_simplify"):
            geoms = shapely.coverage_simplify(geoms, tol)
        else:
            simple = np.isin(shapely.get_type_id(geoms), (1, 3, 5, 6))
            geoms = geoms.copy()
            geoms[simple] = shapely.simplify(geoms[simple], tol, preserve_topology=True)
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
            "capacity_t_day": 0, "official_area_ha": 1, "population_exposed": 0, "events": 0}


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


def with_labels(gdf: pd.DataFrame, lt: LayerType, lang: str) -> pd.DataFrame:
    """Coded values of layer type ``lt`` with their labels (new ``*_label`` columns; "không có số
    liệu" / "no data" for a missing value); optional columns the layer lacks are added as missing."""
    out = with_columns(gdf, lt).copy()
    for col, attr in lt.attributes.items():
        if attr.allowed and col in out.columns:
            out[f"{col}_label"] = out[col].map(lambda v, a=attr: no_data(lang) if is_missing(v) else a.label(v, lang))
    return out


def aliases(lt: LayerType | None, fields: list[str], lang: str, extra: Mapping[str, str] | None = None) -> list[str]:
    """The popup title of each of ``fields``: ``extra``'s, else the attribute title of ``lt``
    (for ``<column>_label`` too), else the column's title in :mod:`gisplan.tables`, else the
    field name."""
    extra = dict(extra or {})
    out = []
    for f in fields:
        base = f[:-6] if f.endswith("_label") else f
        if f in extra:
            out.append(extra[f])
        elif lt is not None and base in lt.attributes:
            out.append(lt.attributes[base].title(lang))
        elif base in COLUMNS:
            out.append(column_title(base, lang))
        else:
            out.append(f)
    return out


def add_layer(build: MapBuild, gdf, layer: str, fields: list[str], *, style, lt: LayerType | None = None,
              name: str, titles: Mapping[str, str] | None = None, tooltip: bool = True, show: bool = True,
              marker=None, coverage: bool = False, search: bool = False, highlight: bool = True,
              group: str = "theme", keep: tuple[str, ...] = (), pane: str | None = None):
    """Add ``gdf`` as a GeoJson overlay of ``build`` (web copy, see :func:`web_copy`) with a popup
    of ``fields`` (formatted as text in Python in ``build.lang``, see :func:`display`; titled by
    ``titles``, else by the attribute titles of the layer type ``lt``, else by the column titles
    of :mod:`gisplan.tables`), a name tooltip, ``search``
    by name and its layer-control ``group`` (``reference``/``theme``); ``keep`` lists extra
    columns the style reads; ``pane`` a map pane of its own (one side of a swipe view). A field
    of ``lt`` the layer lacks is shown as "no data"."""
    lang = build.lang
    if gdf is None or len(gdf) == 0:
        return None
    # popups show the layer's own values (not the web copy's, rounded to 2 decimals: rounded twice,
    # 7,593.2548 ha would read 7.593,2 where the table has 7.593,3)
    web = web_copy(gdf.assign(_row=np.arange(len(gdf))), fields + ["name"] + STYLE_COLUMNS + list(keep) + ["_row"],
                   layer, coverage=coverage)
    rows = web.pop("_row").to_numpy(dtype=int)
    if lt is not None:
        fields = [f for f in fields if f in web.columns or f in lt.attributes]
    else:
        fields = [f for f in fields if f in web.columns]
    kw = {}
    if fields:
        al = aliases(lt, fields, lang, titles)
        shown = {f: f"{f}_txt" if f in STYLE_COLUMNS or f in keep or f == "name" else f for f in fields}
        for f, col in shown.items():
            values = gdf[f].to_numpy()[rows] if f in gdf.columns else [None] * len(web)
            web[col] = [display(v, f, lang) for v in values]
        fields = list(shown.values())
        kw["popup"] = folium.GeoJsonPopup(fields=fields, aliases=al, localize=False, labels=True, max_width=380)
    if tooltip and "name" in web.columns:
        kw["tooltip"] = folium.GeoJsonTooltip(fields=["name"], labels=False)
    if highlight:
        kw["highlight_function"] = lambda f: {"weight": 4, "color": "#ffff00"}
    if pane:
        kw["pane"] = pane
    gj = folium.GeoJson(web.__geo_interface__, name=name, style_function=style, show=show, marker=marker,
                        zoom_on_click=False, **kw)
    return build.add_overlay(gj, group=group, search=search)


def point_marker():
    return folium.CircleMarker(radius=6, weight=1, color="#222", fill=True, fill_opacity=0.9)


def cat_style(lt: LayerType, column: str, *, fill_opacity=0.6, weight=1.5, line=False, radius=None):
    """Style by the category of ``column`` (colours from the layer type ``lt``; missing values grey,
    on lines a neutral blue)."""
    colors = {c.code: c.color for c in categories(lt, column)}

    def style(f):
        color = colors.get(f["properties"].get(column), NO_DATA_LINE_COLOR if line else NO_DATA_COLOR)
        if line:
            return {"color": color, "weight": weight, "opacity": 0.95}
        s = {"color": "#333" if radius else color, "fillColor": color, "weight": weight if not radius else 1,
             "fillOpacity": fill_opacity}
        if radius:
            s["radius"] = radius
        return s
    return style


def cat_section(lt: LayerType, column: str, lang: str, shape: str, title: str | None = None, values=None):
    """A legend section of the categories of ``column``: those present in ``values`` (all when
    None), plus "không có số liệu" / "no data" in grey when a value is missing or not a code."""
    cats = categories(lt, column, lang=lang)
    items = []
    if values is not None:
        vals = pd.Series(list(values), dtype=object)
        present = set(vals[~vals.map(is_missing)])
        cats = [c for c in cats if c.code in present]
        if vals.map(is_missing).any() or present - {c.code for c in cats}:
            items = [(NO_DATA_LINE_COLOR if shape == "line" else NO_DATA_COLOR, no_data(lang), shape)]
    return (title, [(c.color, c.label, shape) for c in cats] + items)


def communes_outline(build: MapBuild) -> None:
    """The communes of the build's store as an unfilled, searchable reference layer (when present)."""
    communes = build.store.optional("communes")
    if communes is not None:
        add_layer(build, communes, "communes", ["code", "name"], lt=layer_type(build.store, "communes"),
                  coverage=True, search=True,
                  style=lambda f: {"color": "#666", "weight": 0.7, "fillOpacity": 0.0, "fill": True},
                  name="Xã, phường" if build.lang == "vi" else "Communes and wards", highlight=False,
                  group="reference")


def no_data_section(title: str | None, text: str, reason: str | None = None, shape: str = "box"):
    """A legend section of one grey item saying the data are absent (with the reason when known)."""
    return (title, [(NO_DATA_COLOR, text + (f" ({reason})" if reason else ""), shape)])

