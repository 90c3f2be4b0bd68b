"""What each theme draws on its print map (matplotlib, in metres of EPSG:9213): one function per
drawing, named by the theme's entry of :data:`gisplan.maps.themes.THEMES` (``Theme.printed``,
looked up by :func:`drawing`), taking a :class:`PrintBuild`: the layers, coloured and labelled from
the catalog's layer types (:func:`gisplan.maps.themes.layer_type`),
choropleths with the classes of the web map, and the legend handles. A missing value is drawn in
grey and listed as "không có số liệu" / "no data". :func:`gisplan.maps.printmap.render_figure`
puts the drawing in its frame (title, grid, legend, scale bar, north arrow, notes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, to_hex, to_rgb
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from gisplan.catalog import LayerType
from gisplan.encoding import fold_accents
from gisplan.errors import GisplanError, OptionError
from gisplan.forest_codes import status_codes
from gisplan.maps.labels import LabelSet
from gisplan.maps.style import NO_DATA_COLOR, NO_DATA_LINE_COLOR, categories, no_data
from gisplan.maps.themes import (
    HAZARD_TITLES,
    Theme,
    communes_with,
    format_distance,
    get_theme,
    hazard_classes,
    indicator_and_reason,
    is_missing,
    layer_type,
    option,
    require,
    theme_classes,
    with_columns,
)
from gisplan.tables import column_title, value_label
from gisplan.vocabulary import CONFLICT_SITES


def _cat_layer(ax, gdf, lt: LayerType, lang, *, kind="box", column=None, zorder=5, title=None, size=30):
    """Draw ``gdf`` coloured by the categories of ``column`` of the layer type ``lt`` (default: its
    styled column); features with a missing value or one that is not a code in grey, listed as
    "no data"."""
    column = column or lt.style["column"]
    gdf = with_columns(gdf, lt)
    handles = []
    cats = categories(lt, column, lang=lang)
    known = gdf[column].isin([c.code for c in cats]) & ~gdf[column].map(is_missing)
    groups = [(gdf[gdf[column] == cat.code], cat.color, cat.label) for cat in cats]
    groups.append((gdf[~known], NO_DATA_LINE_COLOR if kind == "line" else NO_DATA_COLOR, no_data(lang)))
    for sub, color, label in groups:
        if sub.empty:
            continue
        if kind == "line":
            sub.plot(ax=ax, color=color, linewidth=2.2, zorder=zorder)
            handles.append(Line2D([], [], color=color, linewidth=2.5, label=label))
        elif kind == "point":
            sub.plot(ax=ax, color=color, markersize=size, edgecolor="#222", linewidth=0.5, zorder=zorder)
            handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=color, markeredgecolor="#222",
                                  markersize=7, label=label))
        else:
            sub.plot(ax=ax, color=color, edgecolor="#333", linewidth=0.4, alpha=0.75, zorder=zorder)
            handles.append(Patch(facecolor=color, edgecolor="#333", label=label))
    if title and handles:
        handles.insert(0, Patch(visible=False, label=title))
    return handles


def _communes(ax, data):
    c = data.optional("communes")
    if c is not None:
        c.boundary.plot(ax=ax, color="#888", linewidth=0.3, zorder=2)
    return c


def _need(data, type_id, theme):
    return require(data, type_id, theme, what="print map")


@dataclass
class PrintBuild:
    """What a theme's print drawing takes and gives: ``theme`` its registry entry, ``ax`` the map
    frame (metres of EPSG:9213), the layer ``store``, the indicator ``results``, ``lang`` and the
    theme's ``options`` (:attr:`~gisplan.maps.themes.Theme.print_options`). A drawing may set
    ``extent`` (min x, min y, max x, max y, EPSG:9213) to frame another area than the province,
    ``title`` to name what it drew when that is less than the theme's title says (one hazard of
    two), and add to ``labels`` its own :class:`~gisplan.maps.labels.LabelSet` (lot numbers …):
    the frame places them with the commune and protected-area names the ``--labels`` option asks
    for, without overlaps, once the map has its final size and scale."""

    theme: Theme
    ax: Axes
    store: Any
    results: Any
    lang: str
    options: Mapping[str, Any] = field(default_factory=dict)
    extent: tuple[float, float, float, float] | None = None
    title: str | None = None
    labels: list = field(default_factory=list)


def draw(p: PrintBuild):
    """Draw the theme on ``p.ax`` with the print drawing its registry entry names
    (:attr:`Theme.printed <gisplan.maps.themes.Theme.printed>`, a function of this module);
    returns (legend handles, choropleth classes or None)."""
    return drawing(p.theme)(p)


def drawing(theme: str | Theme):
    """The print drawing of ``theme``: the function of this module its entry names.

    Raises
    ------
    OptionError for an unknown theme; GisplanError when the entry names a function this module
    lacks (a theme registered without its drawing).
    """
    spec = get_theme(theme)
    fn = globals().get(spec.printed) if spec.printed and not spec.printed.startswith("_") else None
    if not callable(fn):
        raise GisplanError(f"theme {spec.id} names the print drawing {spec.printed!r}, which "
                           f"gisplan.maps.print_themes lacks")
    return fn


def commune_of(store, value) -> Any:
    """The commune a ``commune`` print option names: its code however written (``02406``,
    ``2406``) or its name (accents and case ignored, with or without "Xã"/"Phường").

    Raises
    ------
    OptionError naming a few communes when none matches (or several names do).
    """
    communes = _need(store, "communes", "forest_status")
    text = str(value).strip()
    codes = communes["code"].astype(str)
    hit = communes[codes == text]
    if hit.empty and text.isdigit():
        hit = communes[codes.str.lstrip("0") == text.lstrip("0")]
    if hit.empty:
        def bare(name):
            folded = fold_accents(str(name)).lower()
            for prefix in ("xa ", "phuong ", "thi tran "):
                if folded.startswith(prefix):
                    return folded[len(prefix):]
            return folded
        names = communes["name"].map(bare)
        hit = communes[names == bare(text)]
    if len(hit) != 1:
        sample = ", ".join(f"{c} ({n})" for c, n in zip(codes[:4], communes["name"][:4], strict=False))
        raise OptionError(f"commune {text!r} is {'ambiguous' if len(hit) > 1 else 'not a commune of the catalog'}: "
                          f"give its code or name, e.g. {sample}")
    return hit


def print_frame(theme: str | Theme, store, options: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    """The extent a print map frames for its ``options`` before it is drawn (so its orientation
    can follow it): the commune of a ``commune`` option; None for the province."""
    if options.get("commune") is None or "commune" not in get_theme(theme).print_options:
        return None
    return tuple(float(v) for v in commune_of(store, options["commune"]).total_bounds)


def status_lots(p: PrintBuild):
    """The forest-status lots in the standard colour of their status code (TCVN 11565:2016
    Appendix E: the colours of layers/forest_status_codes.csv, dots, grass and cross hatches where
    the style draws patterns); the legend lists the codes present with their names. With the
    ``commune`` option the map frames that commune, the lots cut to it, and labels every lot it
    can (lô and status code), each khoảnh and tiểu khu, without overlaps."""
    ax, store, lang = p.ax, p.store, p.lang
    vi = lang == "vi"
    lots = _need(store, "forest_status", p.theme.id)
    table = status_codes().table
    unit = None
    if p.options.get("commune") is not None:
        unit = commune_of(store, p.options["commune"])
        area = shapely.union_all(unit.geometry.to_numpy())
        g = lots.geometry.to_numpy()
        shapely.prepare(area)
        near = shapely.intersects(g, area)
        lots = lots[near]
        cut = shapely.intersection(lots.geometry.to_numpy(), area)
        keep = shapely.area(cut) > 0
        lots = lots[keep].set_geometry(cut[keep])
        p.extent = tuple(float(v) for v in unit.total_bounds)
    code = lots["status_code"].astype(object) if "status_code" in lots and lots["status_code"].notna().any() else None
    h = []
    if code is None:  # gisplan's own field set: no status codes, the origin classes
        lt = layer_type(store, "forest_status")
        h += _cat_layer(ax, lots, lt, lang, title=lt.attributes["origin"].title(lang))
    else:
        known = code.isin(table.index)
        present = [c for c in table.index if c in set(code[known])]
        hatches = {"dots": "...", "grass": "||", "cross": "xx"}
        if unit is None:  # the province: one collection, no outlines, patterns as a light tint
            colors = code.map({c: _tint(table.at[c, "color"]) if table.at[c, "pattern"] else table.at[c, "color"]
                               for c in present}).astype(object).fillna(NO_DATA_COLOR)
            lots.plot(ax=ax, color=colors.to_numpy(), linewidth=0, zorder=3)
        for c in present:
            color, pattern = table.at[c, "color"], table.at[c, "pattern"]
            hatch = hatches.get(pattern or "")
            face = ("white" if unit is not None else _tint(color)) if hatch else color
            if unit is not None:  # a commune: outlines, and the pattern in the code's colour
                sub = lots[code == c]
                sub.plot(ax=ax, facecolor=face, edgecolor="#5a5a5a", linewidth=0.25, zorder=3)
                if hatch:
                    sub.plot(ax=ax, facecolor="none", edgecolor=color, linewidth=0, hatch=hatch, zorder=3.1)
            name = _wrap(f"{c} – {table.at[c, 'name_vi' if vi else 'name_en']}")
            h.append(Patch(facecolor=face, edgecolor=color if hatch else "#5a5a5a",
                           hatch=hatch if unit is not None else None, label=name))
        if (~known).any():
            if unit is not None:
                lots[~known].plot(ax=ax, color=NO_DATA_COLOR, edgecolor="#5a5a5a", linewidth=0.25, zorder=3)
            h.append(Patch(facecolor=NO_DATA_COLOR, edgecolor="#5a5a5a",
                           label="Mã trạng thái không hợp lệ" if vi else "Not a status code"))
        h.insert(0, Patch(visible=False, label="Trạng thái rừng (Thông tư 33/2018)" if vi
                          else "Forest status (Circular 33/2018)"))
        year = _layer_year(store, lots)
        extra = " — ".join(x for x in ((str(unit["name"].iloc[0]).upper() if unit is not None else ""),
                                       (f"NĂM {year}" if vi else f"{year}") if year else "") if x)
        if extra:
            p.title = f"{p.theme.title(lang, print_map=True)} — {extra}"
    if unit is not None:
        unit.boundary.plot(ax=ax, color="#111", linewidth=1.6, zorder=9)
        h.append(Line2D([], [], color="#111", linewidth=1.6, label=str(unit["name"].iloc[0])))
        _lot_labels(p, lots)
    else:
        h += _boundaries(p)
    return h, None


def _tint(color: str, share: float = 0.35) -> str:
    """``color`` mixed with white (``share`` of the colour): a pattern's colour as a flat fill."""
    r, g, b = to_rgb(color)
    return to_hex((1 - share + share * r, 1 - share + share * g, 1 - share + share * b))


def _wrap(text: str, width: int = 44) -> str:
    """A legend label on lines of at most ``width`` characters."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width=width, subsequent_indent="   "))


def _layer_year(store, lots) -> int | None:
    """The inventory year of the lots drawn (their ``year``, else the latest catalog entry's)."""
    if "year" in lots and lots["year"].notna().any():
        return int(lots["year"].max())
    entries = store.entries("forest_status") if hasattr(store, "entries") else []
    return entries[-1].year if entries else None


def _lot_labels(p: PrintBuild, lots) -> None:
    """Labels for the frame to place, one set after the other so each avoids the ones before:
    each tiểu khu, then each khoảnh (bold, larger), then each lot (its number and status code),
    largest first within a set. Sizes are points on A4; the frame scales them with the paper."""
    if "status_code" not in lots or not lots["status_code"].notna().any() or not len(lots):
        return
    vi = p.lang == "vi"
    geoms = lots.geometry.to_numpy()
    for col, fmt, size in (("compartment", "TK {}" if vi else "Cpt {}", 9.0), ("subcompartment", "K.{}", 6.5)):
        if col not in lots:
            continue
        keys = ["compartment", col] if col == "subcompartment" and "compartment" in lots else [col]
        named = lots[lots[keys].notna().all(axis=1)]
        groups = list(named.groupby(keys, sort=True))  # keys are tuples (a list of columns)
        shapes = [shapely.union_all(sub.geometry.to_numpy()) for _key, sub in groups]
        labels = [fmt.format(key[-1]) for key, _sub in groups]
        p.labels.append(LabelSet(col, shapely.get_coordinates(shapely.point_on_surface(shapes)), labels,
                                 priority=shapely.area(shapes), fontsize=size, weight="bold"))
    lot = lots["lot"] if "lot" in lots else pd.Series(pd.NA, index=lots.index)
    code = lots["status_code"].fillna("?").astype(str)
    texts = [b if pd.isna(a) else f"{a}\n{b}" for a, b in zip(lot, code, strict=True)]
    p.labels.append(LabelSet("forest_status", shapely.get_coordinates(shapely.point_on_surface(geoms)), texts,
                             priority=shapely.area(geoms), fontsize=4.6))


def _boundaries(p: PrintBuild) -> list:
    """The commune boundaries and the legend lines of the commune and province boundaries."""
    vi = p.lang == "vi"
    _communes(p.ax, p.store)
    return [Line2D([], [], color="#888", linewidth=0.6, label="Ranh giới xã, phường" if vi else "Commune boundary"),
            Line2D([], [], color="#111", linewidth=1.4, label="Ranh giới tỉnh" if vi else "Province boundary")]


def overview(p: PrintBuild):
    """Every layer of the overview's legend entries, coloured by the entry's column."""
    h = _boundaries(p)
    kinds = {"box": "box", "line": "line", "circle": "point"}
    for entry in p.theme.legend:
        gdf = p.store.optional(entry.type_id)
        if gdf is not None:
            kind = kinds[entry.shape]
            lt = layer_type(p.store, entry.type_id)
            h += _cat_layer(p.ax, gdf, lt, p.lang, kind=kind, column=entry.column, title=lt.title(p.lang),
                            zorder=8 if kind == "point" else 5, size=14)
    return h, None


def choropleth(p: PrintBuild):
    """Communes classed by the theme's indicator column (the classes of the web map); grey and
    "no data" where the value, or the whole indicator, is missing."""
    spec, ax, data, lang = p.theme, p.ax, p.store, p.lang
    col = spec.scheme.column
    name = spec.tables[0]
    communes = _need(data, "communes", spec.id)
    table, reason = indicator_and_reason(name, results=p.results, lang=lang, store=data)
    joined = communes_with(communes, table, fill=[col])
    cls = theme_classes(spec, joined[col], lang, store=data)
    joined.plot(ax=ax, color=cls.color_of(joined[col]), edgecolor="#555", linewidth=0.3, zorder=3)
    h = [Patch(visible=False, label=column_title(col, lang, name))]  # the title has the unit
    h += [Patch(facecolor=c, edgecolor="#555", label=lab) for c, lab in zip(cls.colors, cls.labels, strict=True)]
    if joined[col].isna().any():
        h.append(Patch(facecolor=NO_DATA_COLOR, edgecolor="#555",
                       label=no_data(lang) + (f" ({reason})" if reason else "")))
    pas = data.optional("protected_areas")
    if pas is not None:
        pas[pas.zone != "buffer"].boundary.plot(ax=ax, color="#00441b", linewidth=1.0, linestyle="--", zorder=6)
        h.append(Line2D([], [], color="#00441b", linestyle="--", label=layer_type(data, "protected_areas").title(lang)))
    return h, cls


def protected_areas(p: PrintBuild):
    """Protected areas by subzone and the sites in conflict with them (the results' conflicts,
    with the distance of the results' options); unknown conflicts listed as "no data"."""
    ax, data, results, lang = p.ax, p.store, p.results, p.lang
    vi = lang == "vi"
    h = _boundaries(p)
    pas = _need(data, "protected_areas", p.theme.id)
    pt = layer_type(data, "protected_areas")
    h += _cat_layer(ax, pas, pt, lang, column="zone", title=pt.attributes["zone"].title(lang))
    conf, why = indicator_and_reason("conflicts", results=results, lang=lang, store=data)
    km = format_distance(option(results, "buffer_m"), lang)
    conflict_colors = pt.style["conflict_colors"]
    for site_type, type_id in CONFLICT_SITES.items():
        vi_label, en_label = value_label("site_type", site_type, "vi"), value_label("site_type", site_type, "en")
        site_lt = layer_type(data, type_id)
        color, id_col = conflict_colors[site_type], site_lt.id_column
        sites = data.optional(type_id)
        if sites is None or conf is None:  # unknown, not "no conflict"
            reason = why if conf is None else (f"thiếu lớp {site_lt.title(lang)}" if vi
                                               else f"missing layer: {site_lt.title(lang)}")
            h.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=NO_DATA_COLOR, markeredgecolor="#000",
                            label=(f"Xung đột ({vi_label.lower()}): " if vi else f"Conflicts ({en_label.lower()}): ")
                            + no_data(lang) + (f" ({reason})" if reason else "")))
            continue
        hit = sites[sites[id_col].isin(conf.loc[conf.site_type == site_type, "site_id"])] if len(conf) else sites.iloc[:0]
        if len(hit):
            ax.scatter(*shapely.get_coordinates(hit.geometry.representative_point().to_numpy()).T, s=30, c=color,
                       edgecolors="#000", linewidths=0.6, zorder=9)
        h.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=color, markeredgecolor="#000",
                        label=f"{vi_label} trong, trong vùng đệm hoặc cách khu bảo tồn ≤ {km}" if vi
                        else f"{en_label} in, in the buffer zone of or ≤ {km} from a protected area"))
    return h, None


def points(p: PrintBuild):
    """The sites of the theme's first legend entry as points coloured by its column (the mines
    over the rivers)."""
    vi = p.lang == "vi"
    h = _boundaries(p)
    entry = p.theme.legend[0]
    rivers = p.store.optional("river_sections") if "river_sections" in p.theme.optional_layers else None
    if rivers is not None:
        rivers.plot(ax=p.ax, color="#6baed6", linewidth=1.2, zorder=3)
        h.append(Line2D([], [], color="#6baed6", linewidth=1.5, label="Sông" if vi else "River"))
    lt = layer_type(p.store, entry.type_id)
    h += _cat_layer(p.ax, _need(p.store, entry.type_id, p.theme.id), lt, p.lang, kind="point", zorder=8,
                    column=entry.column, title=lt.attributes[entry.column].title(p.lang))
    return h, None


def industry(p: PrintBuild):
    """Industrial zones by wastewater-treatment status over the rivers by QCVN class."""
    ax, data, lang = p.ax, p.store, p.lang
    h = _boundaries(p)
    rivers = data.optional("river_sections")
    if rivers is not None:
        h += _cat_layer(ax, rivers, layer_type(data, "river_sections"), lang, kind="line", title="QCVN 08:2023/BTNMT")
    zones = _need(data, "industrial_zones", p.theme.id)
    zt = layer_type(data, "industrial_zones")
    h += _cat_layer(ax, zones, zt, lang, zorder=7, title=zt.attributes["wwtp_status"].title(lang))
    c = zones.geometry.centroid
    colors = {x.code: x.color for x in categories(zt, "wwtp_status")}
    ax.scatter(c.x, c.y, s=14, c=[colors.get(v, NO_DATA_COLOR) for v in zones["wwtp_status"]],
               edgecolors="#222", linewidths=0.4, zorder=8)
    return h, None


def rivers(p: PrintBuild):
    """River sections by QCVN 08:2023 class and the surface-water monitoring stations."""
    ax, data, lang = p.ax, p.store, p.lang
    vi = lang == "vi"
    h = _boundaries(p)
    sections = _need(data, "river_sections", p.theme.id)
    h += _cat_layer(ax, sections, layer_type(data, "river_sections"), lang, kind="line", title="QCVN 08:2023/BTNMT")
    st = data.optional("monitoring_stations")
    water = st[st.medium == "surface_water"] if st is not None else None
    if water is not None and len(water):
        water.plot(ax=ax, marker="^", color="#1f78b4", edgecolor="#08306b", markersize=36, linewidth=0.8, zorder=9)
        h.append(Line2D([], [], marker="^", linestyle="", markerfacecolor="#1f78b4", markeredgecolor="#08306b",
                        label="Điểm quan trắc nước mặt" if vi else "Surface-water monitoring station"))
    return h, None


def air(p: PrintBuild):
    """Towns by class and the air-monitoring stations by mode."""
    ax, data, lang = p.ax, p.store, p.lang
    vi = lang == "vi"
    h = _boundaries(p)
    urban = _need(data, "urban_areas", p.theme.id)
    ut, stt = layer_type(data, "urban_areas"), layer_type(data, "monitoring_stations")
    h += _cat_layer(ax, urban, ut, lang, title=ut.attributes["urban_class"].title(lang))
    st = _need(data, "monitoring_stations", p.theme.id)
    stations = st[st.medium == "air"]
    mode_colors = stt.style["mode_colors"]
    outline = stt.style.get("outline_color", "#333333")
    for mode, face in mode_colors.items():
        sub = stations[stations["mode"] == mode]
        if len(sub):
            sub.plot(ax=ax, color=face, edgecolor=outline, markersize=40, linewidth=1.2, zorder=9)
            h.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=face, markeredgecolor=outline,
                            label=("Trạm không khí " if vi else "Air station, ") + stt.attributes["mode"].label(mode, lang).lower()))
    if not len(stations):
        h.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=NO_DATA_COLOR, markeredgecolor=outline,
                        label=("Trạm không khí: " if vi else "Air stations: ") + no_data(lang)))
    return h, None


def hazard(p: PrintBuild):
    """The susceptibility classes of one hazard (option ``hazard``: ``landslide``, the default, or
    ``flash_flood``; the raster in EPSG:9213, no data transparent), the commune boundaries, the
    roads and the recorded events of that hazard. The title names that hazard alone."""
    ax, data, results, lang = p.ax, p.store, p.results, p.lang
    vi = lang == "vi"
    hazard = p.options.get("hazard", "landslide")
    if hazard not in HAZARD_TITLES:
        raise OptionError(f"the hazard print map takes hazard={' or hazard='.join(HAZARD_TITLES)}, not {hazard!r}")
    name = HAZARD_TITLES[hazard][0 if vi else 1]
    p.title = (f"BẢN ĐỒ MỨC ĐỘ NHẠY CẢM {name.upper()}" if vi else f"{name.upper()} SUSCEPTIBILITY")
    communes = _need(data, "communes", p.theme.id)
    cls, result = hazard_classes(data, results, hazard)
    cfg = result.config
    t = result.transform
    extent = (t.c, t.c + t.a * cls.shape[1], t.f + t.e * cls.shape[0], t.f)
    masked = np.ma.masked_equal(cls, 0)
    ax.imshow(masked, extent=extent, cmap=ListedColormap(list(cfg.colors)), vmin=0.5, vmax=5.5,
              interpolation="nearest", zorder=2)
    # no data inside the communes in grey under the classes
    communes.plot(ax=ax, color=NO_DATA_COLOR, edgecolor="none", zorder=1)
    communes.boundary.plot(ax=ax, color="#444", linewidth=0.35, zorder=4)
    h = [Patch(visible=False, label=(f"{HAZARD_TITLES[hazard][0 if vi else 1]}: "
                                      + ("mức độ nhạy cảm" if vi else "susceptibility")))]
    h += [Patch(facecolor=c, edgecolor="#555", label=lab)
          for c, lab in zip(cfg.colors, cfg.labels_vi if vi else cfg.labels_en, strict=True)]
    h.append(Patch(facecolor=NO_DATA_COLOR, edgecolor="#555", label=no_data(lang)))
    h.append(Line2D([], [], color="#444", linewidth=0.6, label="Ranh giới xã, phường" if vi else "Commune boundary"))
    roads = data.optional("roads")
    if roads is not None and len(roads):  # the roads whose length in the high classes the tables give
        rt = layer_type(data, "roads")
        color = rt.style.get("color", "#8c510a")
        roads.plot(ax=ax, color=color, linewidth=1.1, zorder=7)
        h.append(Line2D([], [], color=color, linewidth=1.1, label=rt.title(lang)))
    events = data.optional("hazard_events")
    if events is not None and len(events):
        sel = events[events["event_type"].astype(str).str.lower().eq("landslide")] if hazard == "landslide" \
            else events[events["event_type"].astype(str).str.lower().isin(["flash_flood", "flood"])]
        if len(sel):
            sel.plot(ax=ax, color="#6a3d9a", edgecolor="white", markersize=14, linewidth=0.5, zorder=8)
            h.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="#6a3d9a", markeredgecolor="white",
                            label=layer_type(data, "hazard_events").attributes["event_type"].label(hazard, lang)
                            + (" đã xảy ra" if vi else ", recorded")))
    return h, None
