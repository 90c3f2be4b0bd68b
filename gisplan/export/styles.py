"""Layer styles for desktop GIS and map servers: QGIS QML and OGC SLD 1.0, and the GeoPackage
``layer_styles`` table that QGIS reads a layer's default style from.

A :class:`LayerStyle` says how one layer is drawn — graduated classes of a numeric column (the
same class edges and colours as the web and print maps), categories of a coded column (the
colours of ``layers/types.toml``) or one colour — plus the field aliases and the label field.
Features whose styled value is missing are drawn in the neutral "no data" grey with the words
"không có số liệu" / "no data", never in the colour of a class.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from gisplan.errors import OptionError
from gisplan.maps.style import Category

#: one category of a categorised style: features whose value is ``code``, drawn in ``color``
#: (the categories of the maps, :func:`gisplan.maps.style.categories`)
StyleCategory = Category

#: QGIS version the QML declares (Debian 12's QGIS; later versions read it unchanged)
QGIS_VERSION = "3.22.16-Białowieża"
GEOMETRIES = ("polygon", "line", "point")


@dataclass(frozen=True)
class StyleClass:
    """One class of a graduated style: ``(lower, upper]`` (the first one closed) in ``color``."""

    lower: float
    upper: float
    color: str
    label: str


@dataclass(frozen=True)
class LayerStyle:
    """How one layer is drawn.

    kind : ``graduated`` (``classes`` over ``column``), ``categorized`` (``categories`` of
        ``column``) or ``single`` (``color``).
    geometry : ``polygon``, ``line`` or ``point``.
    no_data : (label, colour) of features whose ``column`` is missing.
    """

    kind: str
    geometry: str
    column: str | None = None
    classes: tuple[StyleClass, ...] = ()
    categories: tuple[Category, ...] = ()
    color: str = "#3388ff"
    outline: str = "#555555"
    dashed: bool = False
    no_data: tuple[str, str] = ("không có số liệu", "#cccccc")
    label_field: str | None = None
    aliases: Mapping[str, str] = field(default_factory=dict)
    title: str = ""

    def __post_init__(self):
        if self.kind not in ("graduated", "categorized", "single"):
            raise OptionError(f"style kind must be graduated, categorized or single, not {self.kind!r}")
        if self.geometry not in GEOMETRIES:
            raise OptionError(f"style geometry must be one of {GEOMETRIES}, not {self.geometry!r}")
        if self.kind != "single" and not self.column:
            raise OptionError(f"a {self.kind} style needs a column")


# ------------------------------------------------------------------------------------- QML
def _rgba(color: str, alpha: int = 255) -> str:
    c = color.lstrip("#")
    return f"{int(c[0:2], 16)},{int(c[2:4], 16)},{int(c[4:6], 16)},{alpha}"


def _props(props: Mapping[str, str]) -> str:
    return "".join(f'<prop k={quoteattr(k)} v={quoteattr(str(v))}/>' for k, v in props.items())


def _symbol(name: str, geometry: str, color: str, style: LayerStyle) -> str:
    if geometry == "polygon":
        cls, stype = "SimpleFill", "fill"
        props = {"color": _rgba(color), "outline_color": _rgba(style.outline),
                 "outline_style": "dash" if style.dashed else "solid", "outline_width": "0.26",
                 "outline_width_unit": "MM", "style": "no" if style.dashed else "solid"}
    elif geometry == "line":
        cls, stype = "SimpleLine", "line"
        props = {"line_color": _rgba(color), "line_width": "0.8", "line_width_unit": "MM",
                 "line_style": "dash" if style.dashed else "solid", "capstyle": "round"}
    else:
        cls, stype = "SimpleMarker", "marker"
        props = {"color": _rgba(color), "outline_color": "35,35,35,255", "outline_width": "0.2",
                 "name": "circle", "size": "2.6", "size_unit": "MM"}
    return (f'<symbol type="{stype}" name={quoteattr(name)} alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="{cls}" pass="0" locked="0" enabled="1">{_props(props)}</layer></symbol>')


def to_qml(style: LayerStyle) -> str:
    """The QGIS style document (``.qml``) of ``style``: renderer, field aliases, labels."""
    symbols, body = [], ""
    if style.kind == "graduated":
        ranges = []
        for i, c in enumerate(style.classes):
            ranges.append(f'<range lower="{c.lower!r}" upper="{c.upper!r}" symbol="{i}" '
                          f'label={quoteattr(c.label)} render="true"/>')
            symbols.append(_symbol(str(i), style.geometry, c.color, style))
        body = (f'<renderer-v2 type="graduatedSymbol" attr={quoteattr(style.column)} '
                f'graduatedMethod="GraduatedColor" symbollevels="0" forceraster="0" enableorderby="0">'
                f'<ranges>{"".join(ranges)}</ranges><symbols>{"".join(symbols)}</symbols>'
                f'<mode name="manual"/></renderer-v2>')
    elif style.kind == "categorized":
        cats = []
        items = list(style.categories) + [Category("", style.no_data[0], style.no_data[1])]
        for i, c in enumerate(items):
            cats.append(f'<category value={quoteattr(c.code)} symbol="{i}" label={quoteattr(c.label)} '
                        f'render="true"/>')
            symbols.append(_symbol(str(i), style.geometry, c.color, style))
        body = (f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(style.column)} symbollevels="0" '
                f'forceraster="0" enableorderby="0"><categories>{"".join(cats)}</categories>'
                f'<symbols>{"".join(symbols)}</symbols></renderer-v2>')
    else:
        body = (f'<renderer-v2 type="singleSymbol" symbollevels="0" forceraster="0" enableorderby="0">'
                f'<symbols>{_symbol("0", style.geometry, style.color, style)}</symbols></renderer-v2>')
    aliases = "".join(f'<alias field={quoteattr(k)} index="{i}" name={quoteattr(v)}/>'
                      for i, (k, v) in enumerate(style.aliases.items()))
    labeling = ""
    if style.label_field:
        labeling = (f'<labeling type="simple"><settings calloutType="simple">'
                    f'<text-style fieldName={quoteattr(style.label_field)} fontSize="8" fontFamily="DejaVu Sans" '
                    f'textColor="35,35,35,255" isExpression="0" namedStyle="Regular">'
                    f'<text-buffer bufferDraw="1" bufferSize="0.8" bufferColor="255,255,255,255"/></text-style>'
                    f'<placement placement="{1 if style.geometry == "polygon" else 2}"/>'
                    f'<rendering scaleVisibility="1" scaleMin="0" scaleMax="500000"/></settings></labeling>')
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            f'<qgis version="{QGIS_VERSION}" styleCategories="Symbology|Labeling|Fields" '
            f'labelsEnabled="{1 if labeling else 0}">{body}{labeling}<aliases>{aliases}</aliases></qgis>\n')


# ------------------------------------------------------------------------------------- SLD
def _sld_symbolizer(geometry: str, color: str, style: LayerStyle) -> str:
    dash = '<CssParameter name="stroke-dasharray">6 3</CssParameter>' if style.dashed else ""
    if geometry == "polygon":
        fill = "" if style.dashed else (f'<Fill><CssParameter name="fill">{color}</CssParameter>'
                                        f'<CssParameter name="fill-opacity">0.8</CssParameter></Fill>')
        return (f'<PolygonSymbolizer>{fill}<Stroke><CssParameter name="stroke">{style.outline}</CssParameter>'
                f'<CssParameter name="stroke-width">1</CssParameter>{dash}</Stroke></PolygonSymbolizer>')
    if geometry == "line":
        return (f'<LineSymbolizer><Stroke><CssParameter name="stroke">{color}</CssParameter>'
                f'<CssParameter name="stroke-width">3</CssParameter>{dash}</Stroke></LineSymbolizer>')
    return (f'<PointSymbolizer><Graphic><Mark><WellKnownName>circle</WellKnownName>'
            f'<Fill><CssParameter name="fill">{color}</CssParameter></Fill>'
            f'<Stroke><CssParameter name="stroke">#232323</CssParameter></Stroke></Mark>'
            f'<Size>9</Size></Graphic></PointSymbolizer>')


def _rule(title: str, filt: str, symbolizer: str) -> str:
    return (f"<Rule><Name>{escape(title)}</Name><Title>{escape(title)}</Title>"
            f"{filt}{symbolizer}</Rule>")


def _prop(column: str) -> str:
    return f"<ogc:PropertyName>{escape(column)}</ogc:PropertyName>"


def to_sld(style: LayerStyle, layer: str) -> str:
    """An OGC SLD 1.0 document of ``style`` for ``layer`` (GeoServer, MapServer, QGIS)."""
    rules = []
    col = style.column
    if style.kind == "graduated":
        for i, c in enumerate(style.classes):
            lower = "PropertyIsGreaterThanOrEqualTo" if i == 0 else "PropertyIsGreaterThan"
            filt = (f"<ogc:Filter><ogc:And><ogc:{lower}>{_prop(col)}<ogc:Literal>{c.lower!r}</ogc:Literal>"
                    f"</ogc:{lower}><ogc:PropertyIsLessThanOrEqualTo>{_prop(col)}<ogc:Literal>{c.upper!r}"
                    f"</ogc:Literal></ogc:PropertyIsLessThanOrEqualTo></ogc:And></ogc:Filter>")
            rules.append(_rule(c.label, filt, _sld_symbolizer(style.geometry, c.color, style)))
    elif style.kind == "categorized":
        for c in style.categories:
            filt = (f"<ogc:Filter><ogc:PropertyIsEqualTo>{_prop(col)}<ogc:Literal>{escape(c.code)}"
                    f"</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>")
            rules.append(_rule(c.label, filt, _sld_symbolizer(style.geometry, c.color, style)))
    else:
        rules.append(_rule(style.title or layer, "", _sld_symbolizer(style.geometry, style.color, style)))
    if style.kind != "single":
        filt = f"<ogc:Filter><ogc:PropertyIsNull>{_prop(col)}</ogc:PropertyIsNull></ogc:Filter>"
        rules.append(_rule(style.no_data[0], filt, _sld_symbolizer(style.geometry, style.no_data[1], style)))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" '
            'xmlns:ogc="http://www.opengis.net/ogc" xmlns:xlink="http://www.w3.org/1999/xlink" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.opengis.net/sld StyledLayerDescriptor.xsd">'
            f"<NamedLayer><Name>{escape(layer)}</Name><UserStyle><Name>{escape(layer)}</Name>"
            f"<Title>{escape(style.title or layer)}</Title><FeatureTypeStyle>{''.join(rules)}"
            "</FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>\n")


# ---------------------------------------------------------------------------- layer_styles
_CREATE = """CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
  styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT CURRENT_TIMESTAMP)"""


def write_layer_styles(gpkg: str | Path, styles: Mapping[str, LayerStyle], *,
                       geometry_column: str = "geom", name: str = "gisplan") -> None:
    """Store each layer's style (QML and SLD) as its default in the GeoPackage's
    ``layer_styles`` table, registered in ``gpkg_contents`` as an attribute table (as QGIS
    itself does). Earlier styles of the same layers and name are replaced."""
    # the GeoPackage DATETIME form (Req 15): ISO 8601 in UTC with milliseconds, YYYY-MM-DDTHH:MM:SS.SSSZ
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    with sqlite3.connect(gpkg) as con:
        con.execute(_CREATE)
        con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, "
                    "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', '', ?)", (now,))
        for layer, style in styles.items():
            con.execute("DELETE FROM layer_styles WHERE f_table_name = ? AND styleName = ?", (layer, name))
            con.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                        "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                        "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, '', '', ?)",
                        (layer, geometry_column, name, to_qml(style), to_sld(style, layer),
                         style.title, now))


def styles_in(gpkg: str | Path) -> dict[str, tuple[str, str]]:
    """{layer: (QML, SLD)} of the default styles stored in a GeoPackage."""
    with sqlite3.connect(gpkg) as con:
        rows = con.execute("SELECT f_table_name, styleQML, styleSLD FROM layer_styles "
                           "WHERE useAsDefault").fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def classes_from_edges(edges: Sequence[float], colors: Sequence[str], labels: Sequence[str]
                       ) -> tuple[StyleClass, ...]:
    """Graduated classes from class edges (k+1), colours (k) and labels (k)."""
    return tuple(StyleClass(float(a), float(b), c, lab)
                 for a, b, c, lab in zip(edges[:-1], edges[1:], colors, labels, strict=True))
