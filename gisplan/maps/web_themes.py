"""What each theme draws on its web map: one function per drawing, named by the theme's entry of
:data:`gisplan.maps.themes.THEMES` (``Theme.web``, looked up by :func:`builder`): the layers,
coloured and labelled from the catalog's layer types, and the legend sections. Each takes the map's
:class:`~gisplan.maps.web_layers.MapBuild` (the folium map, the layer store, the results, the
language, how the parcels are published), draws into it (registering each overlay and the
choropleth classes there) and returns the legend sections;
:func:`gisplan.maps.interactive.build_map` puts them in their frame.
"""

from __future__ import annotations

import re

import folium
import numpy as np
import pandas as pd
from rasterio.warp import Resampling, calculate_default_transform, reproject, transform_bounds

from gisplan.errors import DataMissingError, GisplanError
from gisplan.maps import parcels_layer, vector_tiles
from gisplan.maps.legend import Gradient
from gisplan.maps.style import (
    NO_DATA_COLOR,
    NO_DATA_LINE_COLOR,
    classify,
    no_data,
    wqi_categories,
    wqi_ramp,
)
from gisplan.maps.themes import (
    HAZARD_LAYERS,
    HAZARD_TITLES,
    Theme,
    communes_with,
    format_distance,
    get_theme,
    hazard_classes,
    indicator,
    indicator_and_reason,
    layer_type,
    missing_layers,
    option,
    require,
    theme_classes,
    with_columns,
)
from gisplan.maps.web_frame import SWIPE_PANES, Swipe, add_swipe_panes
from gisplan.maps.web_layers import (
    MapBuild,
    add_layer,
    cat_section,
    cat_style,
    communes_outline,
    no_data_section,
    point_marker,
    with_labels,
)
from gisplan.tables import column_title, value_label
from gisplan.vocabulary import CONFLICT_SITES, wqi_band


def _titles(fields: list[str], lang: str, table: str | None = None) -> dict[str, str]:
    """The popup titles of ``fields``: their column titles in ``table`` (:mod:`gisplan.tables`)."""
    return {f: column_title(f, lang, table) for f in fields}


def overview(b: MapBuild):
    data, lang = b.store, b.lang
    communes_outline(b)
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
        lt = layer_type(data, type_id)
        gdf = with_labels(gdf, lt, lang)
        add_layer(b, gdf, type_id, fields[type_id], lt=lt, name=lt.title(lang), search=True,
                  style=cat_style(lt, col, line=kind == "line", weight=3 if kind == "line" else 1.2,
                                  radius=6 if kind == "circle" else None, fill_opacity=0.5),
                  marker=point_marker() if kind == "circle" else None)
        sections.append(cat_section(lt, col, lang, kind, lt.title(lang), values=gdf[col]))
    return sections


def _choropleth(b: MapBuild, theme: str, table_name: str, fields: list[str], layer_name: str, show: bool = True):
    """Communes coloured by an indicator column (classes of the theme's scheme, kept in
    ``b.classes``); communes without a value, or every commune when the indicator's data are
    absent, in grey as "no data". Popup and legend titles are the table's column titles."""
    data, results, lang = b.store, b.results, b.lang
    spec = get_theme(theme)
    col = spec.scheme.column
    titles = _titles(fields, lang, table_name)
    communes = data.optional("communes")
    if communes is None:
        raise missing_layers(theme, data)
    table, reason = indicator_and_reason(table_name, results=results, lang=lang, store=data)
    joined = communes_with(communes, table, fill=fields)
    cls = theme_classes(spec, joined[col], lang, store=data)
    b.classes = cls
    colors = dict(zip(joined["code"], cls.color_of(joined[col]), strict=True))
    add_layer(b, joined, "communes", fields, lt=layer_type(data, "communes"), titles=titles, coverage=True,
              search=show, name=layer_name, show=show,  # leaflet-search draws the layers it searches
              style=lambda f: {"fillColor": colors.get(f["properties"].get("code"), NO_DATA_COLOR),
                               "color": "#555", "weight": 0.8, "fillOpacity": 0.75})
    items = [(c, lab, "box") for c, lab in zip(cls.colors, cls.labels, strict=True)]
    if joined[col].isna().any():
        items += no_data_section(None, no_data(lang), reason)[1]
    return [(column_title(col, lang, table_name), items)]


def forest_cover(b: MapBuild):
    data, lang = b.store, b.lang
    vi = lang == "vi"
    fields = ["name", "code", "area_ha", "forest_ha", "forest_pct", "natural_ha", "plantation_ha"]
    sections = _choropleth(b, "forest_cover", "forest_cover_communes", fields,
                           "Tỷ lệ che phủ rừng theo xã" if vi else "Forest cover by commune")
    pas = data.optional("protected_areas")
    if pas is not None:
        core = pas[pas["zone"] != "buffer"]
        lt = layer_type(data, "protected_areas")
        add_layer(b, with_labels(core, lt, lang), "protected_areas", ["name", "category_label"], lt=lt,
                  name=lt.title(lang), show=False, group="reference",
                  style=lambda f: {"color": "#00441b", "weight": 2, "fill": False, "dashArray": "6 4"})
    parcels = data.optional("forest_status")
    if parcels is not None and b.parcels is not None:
        lt = layer_type(data, "forest_status")
        if isinstance(b.parcels, vector_tiles.TiledParcels):  # one PMTiles archive, read by tiles
            sections.append(vector_tiles.add_tiled_parcels(b.map, b.parcels, lang, lt))
        else:
            sections.append(parcels_layer.add_parcels(b.map, parcels, lang, data_path=b.parcels, lt=lt))
    return sections


def protected_areas(b: MapBuild):
    data, results, lang = b.store, b.results, b.lang
    vi = lang == "vi"
    pas = require(data, "protected_areas", "protected_areas")
    communes_outline(b)
    lt = layer_type(data, "protected_areas")
    zone_colors = lt.style["zone_colors"]
    web = with_labels(pas, lt, lang)
    add_layer(b, web, "protected_areas", ["name", "category_label", "zone_label", "level_label", "decision",
                                          "official_area_ha"], lt=lt, search=True, name=lt.title(lang),
              style=lambda f: {"fillColor": zone_colors.get(f["properties"].get("zone"), "#1b7837"),
                          "color": "#00441b" if f["properties"].get("zone") != "buffer" else "#888",
                          "weight": 1.5, "fillOpacity": 0.45 if f["properties"].get("zone") != "buffer" else 0.15,
                          "dashArray": "5 4" if f["properties"].get("zone") == "buffer" else None})
    sections = [("Phân khu" if vi else "Subzones",
                 [(zone_colors[z], lt.attributes["zone"].label(z, lang), "dashed" if z == "buffer" else "box")
                  for z in lt.attributes["zone"].allowed
                  if z in set(pas["zone"])])]
    near = format_distance(option(results, "buffer_m"), lang)
    conflict_colors = lt.style["conflict_colors"]
    table, reason = indicator_and_reason("conflicts", results=results, lang=lang, store=data)
    for site_type, type_id in CONFLICT_SITES.items():
        color = conflict_colors[site_type]
        site_lt = layer_type(data, type_id)
        id_col = site_lt.id_column
        what = ("Xung đột: " if vi else "Conflict: ") + site_lt.title(lang).lower()
        sites = data.optional(type_id)
        if sites is None or table is None:  # unknown, not "no conflict"
            why = reason if table is None else (f"thiếu lớp {site_lt.title(lang)}" if vi
                                                else f"missing layer: {site_lt.title(lang)}")
            sections.append(no_data_section(None, f"{what}: {no_data(lang)}", why, "circle"))
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
        # the relation's labels, "within_distance" with the distance used
        rel = {code: value_label("relation", code, lang) for code in ("inside", "buffer_zone")}
        rel["within_distance"] = f"Gần (≤ {near})" if vi else f"Near (≤ {near})"
        conf["relation"] = conf[id_col].map(first["relation"]).map(rel)
        conf["distance_m"] = conf[id_col].map(first["distance_m"]).round(0)
        fields = ["name", "pa_name", "relation", "distance_m"]
        add_layer(b, conf, f"conflict_{type_id}", fields, titles=_titles(fields, lang, "conflicts"),
                  name=("Xung đột: " if vi else "Conflicts: ") + site_lt.title(lang), marker=point_marker(),
                  style=lambda f, c=color: {"fillColor": c, "color": "#000", "radius": 7, "weight": 1,
                                            "fillOpacity": 0.95})
    return sections


def _points(b: MapBuild, fields: list[str], extra=None):
    """The layer of the theme's first legend entry as points (areas as polygons) coloured by the
    entry's column, with popups of ``fields``; ``extra(b)`` draws under them."""
    data, lang = b.store, b.lang
    entry = b.theme.legend[0]
    type_id, col = entry.type_id, entry.column
    gdf = require(data, type_id, b.theme)
    communes_outline(b)
    if extra:
        extra(b)
    lt = layer_type(data, type_id)
    web = with_labels(gdf, lt, lang)
    is_point = web.geometry.geom_type.isin(["Point", "MultiPoint"])
    if (~is_point).any():
        add_layer(b, web[~is_point], type_id, fields, lt=lt, search=True,
                  name=lt.title(lang) + (" (vùng)" if lang == "vi" else " (areas)"),
                  style=cat_style(lt, col, fill_opacity=0.6))
    add_layer(b, web[is_point], type_id, fields, lt=lt, name=lt.title(lang), search=True,
              marker=point_marker(), style=cat_style(lt, col, radius=7))
    return [cat_section(lt, col, lang, "circle", lt.attributes[col].title(lang), values=web[col])]


def points(b: MapBuild):
    """The sites of the theme's first legend entry, coloured by its column; popups: the name
    and the column's label."""
    return _points(b, ["name", f"{b.theme.legend[0].column}_label"])


def mines(b: MapBuild):
    """Mines by licence status over the rivers."""
    return _points(b, ["name", "mineral", "licence_no", "licence_status_label", "licence_expiry", "operating",
                       "riverbed"], _rivers_under)


def waste(b: MapBuild):
    """Landfills and waste-treatment sites by type."""
    return _points(b, ["name", "site_type_label", "status_label", "needs_remediation", "capacity_t_day"])


def _rivers_under(b: MapBuild):
    data, lang = b.store, b.lang
    rivers = data.optional("river_sections")
    if rivers is not None:
        lt = layer_type(data, "river_sections")
        add_layer(b, with_labels(rivers, lt, lang), "river_sections", ["river_name", "qcvn_class_label"], lt=lt,
                  name=lt.title(lang), show=True, group="reference",
                  style=cat_style(lt, "qcvn_class", line=True, weight=3))


def industry(b: MapBuild):
    data, lang = b.store, b.lang
    sections = _points(b, ["name", "zone_type_label", "status_label", "wwtp_status_label", "wwtp_capacity_m3_day",
                           "established_year"], _rivers_under)
    lt = layer_type(data, "river_sections")
    rivers = with_columns(data.optional("river_sections"), lt)
    if rivers is not None:
        sections.append(cat_section(lt, "qcvn_class", lang, "line", lt.attributes["qcvn_class"].title(lang),
                                    values=rivers["qcvn_class"]))
    return sections


def rivers(b: MapBuild):
    data, lang = b.store, b.lang
    vi = lang == "vi"
    rivers = require(data, "river_sections", "rivers")
    communes_outline(b)
    lt = layer_type(data, "river_sections")
    web = with_labels(rivers, lt, lang)
    wqi = pd.to_numeric(web["wqi"], errors="coerce").astype(float)
    web["wqi_band"] = wqi_band(wqi)
    bands = {c.code: c for c in wqi_categories(lang)}
    web["wqi_band_label"] = web["wqi_band"].map(lambda b: bands[b].label if b in bands else no_data(lang))
    ramp = wqi_ramp()
    web["wqi_color"] = ramp.color_of(wqi.round(2).to_numpy())
    web.loc[wqi.isna(), "wqi_color"] = NO_DATA_LINE_COLOR
    web["name"] = web["river_name"].astype(str) + " – " + web["section_id"].astype(str)  # searched, tooltip
    fields = ["river_name", "section_id", "qcvn_class_label", "wqi", "wqi_band_label", "monitoring_date"]
    al = {"wqi_band_label": column_title("wqi_band", lang)}
    add_layer(b, web, "river_sections", fields, lt=lt, titles=al, search=True,
              name=column_title("qcvn_class", lang),
              style=cat_style(lt, "qcvn_class", line=True, weight=5))
    add_layer(b, web, "river_sections_wqi", fields, lt=lt, titles=al, show=False,
              name=column_title("wqi_band", lang),
              style=lambda f: {"color": bands[f["properties"]["wqi_band"]].color
                               if f["properties"].get("wqi_band") in bands else NO_DATA_LINE_COLOR, "weight": 5})
    add_layer(b, web, "river_sections_wqi_value", fields, lt=lt, titles=al, show=False,
              name="Giá trị VN_WQI (0–100)" if vi else "VN_WQI value (0–100)", keep=("wqi_color",),
              style=lambda f: {"color": f["properties"].get("wqi_color") or NO_DATA_LINE_COLOR, "weight": 5})
    present = set(web["wqi_band"].dropna())
    wqi_items = [(c.color, c.label, "line") for c in wqi_categories(lang) if c.code in present]
    if wqi.isna().any():
        wqi_items.append((NO_DATA_LINE_COLOR, no_data(lang), "line"))
    sections = [cat_section(lt, "qcvn_class", lang, "line", "QCVN 08:2023/BTNMT", values=web["qcvn_class"]),
                ("VN_WQI (QĐ 1460/QĐ-TCMT)", wqi_items)]
    if wqi.notna().any():
        sections.append(("Giá trị VN_WQI (lớp ẩn, bật trong bảng lớp)" if vi
                         else "VN_WQI value (hidden layer, see the layer control)",
                         Gradient.from_ramp(ramp, ticks=[0, 25, 50, 75, 100], lang=lang)))
    return sections


def air(b: MapBuild):
    data, results, lang = b.store, b.results, b.lang
    vi = lang == "vi"
    urban, stations = require(data, "urban_areas", "air"), require(data, "monitoring_stations", "air")
    communes_outline(b)
    within = format_distance(option(results, "air_distance_m"), lang)
    table = indicator("air_monitoring", results=results)
    ut, st = layer_type(data, "urban_areas"), layer_type(data, "monitoring_stations")
    u = with_labels(urban, ut, lang)
    if table is not None:
        cov = table.set_index("urban_id")
        u["covered"] = u["urban_id"].map(cov["covered"]).map(
            {True: "Có" if vi else "Yes", False: "Chưa có" if vi else "No"})
        u["air_stations"] = u["urban_id"].map(cov["air_stations"])
    else:
        u["covered"], u["air_stations"] = None, np.nan
    add_layer(b, u, "urban_areas", ["name", "urban_class_label", "covered", "air_stations"], lt=ut,
              titles={"covered": (f"Có trạm quan trắc không khí (≤ {within})" if vi else f"Air station within {within}")
                      if option(results, "air_distance_m") > 0
                      else ("Có trạm quan trắc không khí trong đô thị" if vi else "Air station in the town"),
                      "air_stations": column_title("air_stations", lang, "air_monitoring")}, search=True,
              name=ut.title(lang), style=cat_style(ut, "urban_class", fill_opacity=0.45))
    air = with_labels(stations[stations["medium"] == "air"], st, lang)
    mode_colors, outline = st.style["mode_colors"], st.style.get("outline_color", "#333333")
    add_layer(b, air, "monitoring_stations", ["name", "mode_label"], lt=st, search=True,
              name="Trạm quan trắc không khí" if vi else "Air-monitoring stations", marker=point_marker(),
              style=lambda f: {"fillColor": mode_colors.get(f["properties"].get("mode"), NO_DATA_COLOR),
                               "color": outline, "radius": 7, "weight": 2, "fillOpacity": 0.95})
    station_items = [(mode_colors[code], st.attributes["mode"].label(code, lang), "circle")
                     for code in st.attributes["mode"].allowed if code in mode_colors]
    if not len(air):
        station_items = [(NO_DATA_COLOR, no_data(lang), "circle")]
    return [cat_section(ut, "urban_class", lang, "box", ut.attributes["urban_class"].title(lang), values=u["urban_class"]),
            ("Trạm không khí" if vi else "Air stations", station_items)]


def forest_status(b: MapBuild):
    """The forest-status lots coloured by their status code (the standard colours of TCVN
    11565:2016), each lot's record in its popup, over the commune boundaries; from the zoom the
    lots are drawn at, the communes' outlines and names below them."""
    data, lang = b.store, b.lang
    lots = require(data, "forest_status", b.theme.id if b.theme is not None else "forest_status")
    communes_outline(b)
    lt = layer_type(data, "forest_status")
    if isinstance(b.parcels, vector_tiles.TiledParcels):  # one PMTiles archive, read by tiles
        return [vector_tiles.add_tiled_parcels(b.map, b.parcels, lang, lt, color_by="status")]
    data_path = b.parcels if b.parcels is not None else "inline"
    return [parcels_layer.add_parcels(b.map, lots, lang, data_path=data_path, lt=lt, color_by="status")]


def forest_change(b: MapBuild):
    """The forest of the two years side by side, with a divider to drag between them (the
    earlier year on the left): the forest area of each commune from the forest-status lots
    (shown) and the canopy forest cover of the two tree-cover rasters (in the layer control),
    each pair in the same classes; the net change by commune in the layer control. Without the
    two years' values, the net change alone."""
    vi = b.lang == "vi"
    fields = ["name", "forest_before_ha", "forest_after_ha", "loss_ha", "gain_ha", "net_ha"]
    table = indicator("forest_change_communes", results=b.results)
    two = table is not None and {"forest_before_ha", "forest_after_ha"} <= set(table.columns) \
        and table[["forest_before_ha", "forest_after_ha"]].notna().any().all()
    sections = _choropleth(b, "forest_change", "forest_change_communes", fields,
                           "Biến động rừng theo xã" if vi else "Forest change by commune", show=not two)
    if two:
        sections += _two_years(b, table, fields)
    return sections


def _two_years(b: MapBuild, table, fields: list[str]):
    """The swipe view of :func:`forest_change`: each side's layers in its own pane."""
    data, lang = b.store, b.lang
    vi = lang == "vi"
    communes = data.get("communes")
    years = [e.year for e in data.entries("forest_status")]
    y0, y1 = (str(years[0]), str(years[-1])) if len(years) >= 2 and years[0] and years[-1] else \
        (("năm trước", "năm sau") if vi else ("earlier", "later"))
    add_swipe_panes(b.map)
    joined = communes_with(communes, table)
    cls = classify(np.r_[joined["forest_before_ha"], joined["forest_after_ha"]], k=5, palette="forest", unit="ha",
                   lang=lang)
    titles = _titles(fields, lang, "forest_change_communes")
    sides = ([], [])
    for side, (col, year) in enumerate((("forest_before_ha", y0), ("forest_after_ha", y1))):
        colors = dict(zip(joined["code"], cls.color_of(joined[col]), strict=True))
        sides[side].append(add_layer(
            b, joined, "communes", fields, lt=layer_type(data, "communes"), titles=titles, coverage=True,
            search=side == 1, name=(f"Diện tích rừng {year} ({'bên trái' if side == 0 else 'bên phải'})" if vi
                  else f"Forest area {year} ({'left' if side == 0 else 'right'})"), pane=SWIPE_PANES[side],
            style=lambda f, colors=colors: {"fillColor": colors.get(f["properties"].get("code"), NO_DATA_COLOR),
                                            "color": "#555", "weight": 0.8, "fillOpacity": 0.8}))
    items = [(c, lab, "box") for c, lab in zip(cls.colors, cls.labels, strict=True)]
    if joined[["forest_before_ha", "forest_after_ha"]].isna().any().any():
        items.append((NO_DATA_COLOR, no_data(lang), "box"))
    sections = [((f"Diện tích rừng {y0} (trái) và {y1} (phải), ha — kéo thanh giữa bản đồ để so sánh" if vi
                  else f"Forest area {y0} (left) and {y1} (right), ha — drag the divider to compare"), items)]
    canopy = sorted(n for n in (getattr(b.results, "tables", None) or {}) if re.fullmatch(r"canopy_forest_cover_\d{4}", n))
    if len(canopy) >= 2:  # the canopy layers of the first and last tree-cover years, in the forest-cover classes
        pair = [b.results.tables[canopy[0]], b.results.tables[canopy[-1]]]
        for side, (name, t) in enumerate(zip((canopy[0], canopy[-1]), pair, strict=True)):
            j = communes_with(communes, t, fill=["forest_pct"])
            ccls = theme_classes("forest_cover", j["forest_pct"], lang, store=data)
            colors = dict(zip(j["code"], ccls.color_of(j["forest_pct"]), strict=True))
            year = name.rsplit("_", 1)[1]
            sides[side].append(add_layer(
                b, j, "communes", ["name", "forest_pct"], lt=layer_type(data, "communes"),
                titles=_titles(["name", "forest_pct"], lang, name), coverage=True, show=False, pane=SWIPE_PANES[side],
                name=(f"Độ che phủ tán cây {year} ({'bên trái' if side == 0 else 'bên phải'})" if vi
                      else f"Canopy forest cover {year} ({'left' if side == 0 else 'right'})"),
                style=lambda f, colors=colors: {"fillColor": colors.get(f["properties"].get("code"), NO_DATA_COLOR),
                                                "color": "#555", "weight": 0.8, "fillOpacity": 0.8}))
        ccls = theme_classes("forest_cover", b.results.tables[canopy[-1]]["forest_pct"], lang, store=data)
        sections.append((("Độ che phủ tán cây (lớp ẩn, bật trong bảng lớp), %" if vi
                          else "Canopy forest cover (hidden layers, see the layer control), %"),
                         [(c, lab, "box") for c, lab in zip(ccls.colors, ccls.labels, strict=True)]))
    Swipe([lay for lay in sides[0] if lay is not None], [lay for lay in sides[1] if lay is not None], lang).add_to(b.map)
    return sections


def class_overlay_wgs84(classes: np.ndarray, transform, crs, colors) -> tuple[np.ndarray, list]:
    """A class raster (uint8, 0 = no data) warped to Web Mercator (nearest neighbour, so the
    image lies on the map as Leaflet draws it) as an RGBA array with ``colors[k - 1]`` for class
    k and transparent no data, and its bounds ``[[south, west], [north, east]]`` in WGS 84."""
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


def hazard(b: MapBuild):
    """Susceptibility classes of each hazard as an image overlay (landslide shown, flash flood in
    the layer control), communes coloured by their share in the high and very high classes
    (popups with the exposure), and the recorded events as points."""
    data, results, lang = b.store, b.results, b.lang
    vi = lang == "vi"
    communes = data.optional("communes")
    if communes is None:
        raise missing_layers("hazard", data)
    spec = get_theme("hazard")
    col = spec.scheme.column
    sections, drawn = [], []
    for i, hz in enumerate(HAZARD_LAYERS):
        try:
            classes, result = hazard_classes(data, results, hz)
        except DataMissingError as exc:
            if i == 0:
                raise
            sections.append(no_data_section(HAZARD_TITLES[hz][0 if vi else 1], no_data(lang),
                                             getattr(exc, "reason_vi", None) if vi else str(exc)))
            continue
        cfg = result.config
        name = HAZARD_TITLES[hz][0 if vi else 1]
        rgba, bounds = class_overlay_wgs84(classes, result.transform, result.crs, cfg.colors)
        b.add_overlay(folium.raster_layers.ImageOverlay(
            rgba, bounds=bounds, name=f"{name}: {'mức độ nhạy cảm' if vi else 'susceptibility'}", show=i == 0,
            mercator_project=False, interactive=False, zindex=1))
        table, reason = indicator_and_reason(f"hazard_{hz}_communes", results=results, lang=lang, store=data)
        joined = communes_with(communes, table, fill=[col])
        cls = theme_classes(spec, joined[col], lang, store=data)
        if i == 0:
            b.classes = cls
        colors = dict(zip(joined["code"], cls.color_of(joined[col]), strict=True))
        fields = ["name", "code", "area_ha", "exposed_pct", "exposed_ha", "population", "population_exposed",
                  "urban_ha", "urban_exposed_ha", "roads_km", "roads_exposed_km", "observed_pct"]
        fields = [f for f in fields if f in joined.columns]
        add_layer(b, joined, "communes", fields, titles=_titles(fields, lang, f"hazard_{hz}_communes"), coverage=True, search=i == 0, show=i == 0,
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
                share += no_data_section(None, no_data(lang), reason)[1]
            sections.append(("Tỷ lệ diện tích mức cao, rất cao theo xã (%)" if vi
                             else "Share in high / very high by commune (%)", share))
        drawn.append(hz)
    events = data.optional("hazard_events")
    if events is not None and len(events):
        et = layer_type(data, "hazard_events")
        add_layer(b, with_labels(events, et, lang), "hazard_events", ["event_id", "event_type_label", "date", "deaths"],
                  lt=et, name=et.title(lang), marker=point_marker(),
                  style=lambda f: {"color": "#222", "fillColor": "#6a3d9a", "radius": 5, "weight": 1, "fillOpacity": 0.9})
        sections.append((et.title(lang), [("#6a3d9a", et.title(lang), "circle")]))
    roads = data.optional("roads")
    if roads is not None and len(roads):  # the roads whose length in the high classes the popups give
        rt = layer_type(data, "roads")
        color = rt.style.get("color", "#8c510a")
        add_layer(b, roads, "roads", [f for f in ("name", "road_class") if f in roads.columns], lt=rt,
                  name=rt.title(lang), style=lambda f: {"color": color, "weight": 2, "opacity": 0.9})
        sections.append((rt.title(lang), [(color, rt.title(lang), "line")]))
    return sections


def builder(theme: str | Theme):
    """The web drawing of ``theme``: the function of this module its registry entry names
    (:attr:`Theme.web <gisplan.maps.themes.Theme.web>`); it takes the map's
    :class:`~gisplan.maps.web_layers.MapBuild` and returns the legend sections.

    Raises
    ------
    OptionError for an unknown theme; GisplanError when the entry names a function this module
    lacks (a theme registered without its drawing).
    """
    spec = get_theme(theme)
    fn = globals().get(spec.web) if spec.web and not spec.web.startswith("_") else None
    if not callable(fn):
        raise GisplanError(f"theme {spec.id} names the web drawing {spec.web!r}, which gisplan.maps.web_themes lacks")
    return fn
