"""Print maps for official documents (matplotlib, no network).

A4 or A3 at 300 dpi with a title, the map in VN-2000 / TM-3 106°30' (EPSG:9213) with a
kilometre grid, legend, scale bar, north arrow, data source and date, and the CRS note.
Vietnamese text uses DejaVu Sans (bundled with matplotlib; it has every Vietnamese letter).
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import matplotlib
import shapely

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.font_manager import FontProperties, findfont  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, Polygon, Rectangle  # noqa: E402

from gisplan._atomic import atomic_path, check_output  # noqa: E402
from gisplan.catalog import SYNTHETIC_NOTE, Catalog, load_catalog, load_layer_types  # noqa: E402
from gisplan.errors import GisplanError, LayerNotFoundError  # noqa: E402
from gisplan.maps.layers import MapLayers  # noqa: E402
from gisplan.maps.style import categories, classify  # noqa: E402

FONT = "DejaVu Sans"
PAPER_MM = {"A4": (297, 210), "A3": (420, 297)}
TITLES = {
    "overview": ("BẢN ĐỒ TỔNG QUAN CÁC LỚP DỮ LIỆU MÔI TRƯỜNG", "OVERVIEW OF THE PLAN'S LAYERS"),
    "forest_cover": ("BẢN ĐỒ TỶ LỆ CHE PHỦ RỪNG THEO XÃ, PHƯỜNG", "FOREST COVER BY COMMUNE/WARD"),
    "protected_areas": ("BẢN ĐỒ KHU BẢO TỒN THIÊN NHIÊN VÀ CÁC ĐIỂM XUNG ĐỘT", "PROTECTED AREAS AND CONFLICTS"),
    "mines": ("BẢN ĐỒ MỎ KHOÁNG SẢN THEO TÌNH TRẠNG GIẤY PHÉP", "MINES BY LICENCE STATUS"),
    "industry": ("BẢN ĐỒ KHU, CỤM CÔNG NGHIỆP VÀ XỬ LÝ NƯỚC THẢI TẬP TRUNG", "INDUSTRIAL ZONES AND WASTEWATER TREATMENT"),
    "rivers": ("BẢN ĐỒ CHẤT LƯỢNG NƯỚC SÔNG THEO QCVN 08:2023/BTNMT", "RIVER WATER QUALITY (QCVN 08:2023)"),
    "waste": ("BẢN ĐỒ BÃI CHÔN LẤP VÀ KHU XỬ LÝ CHẤT THẢI RẮN", "LANDFILLS AND WASTE-TREATMENT SITES"),
    "air": ("BẢN ĐỒ QUAN TRẮC KHÔNG KHÍ TẠI CÁC ĐÔ THỊ", "AIR-QUALITY MONITORING IN TOWNS"),
    "forest_change": ("BẢN ĐỒ BIẾN ĐỘNG RỪNG THEO XÃ, PHƯỜNG", "FOREST CHANGE BY COMMUNE/WARD"),
}
CRS_NOTE = {"vi": "Hệ tọa độ VN-2000, kinh tuyến trục 106°30', múi chiếu 3° (EPSG:9213)",
            "en": "VN-2000 / TM-3 106°30' (EPSG:9213)"}


def check_font(texts: list[str], family: str = FONT) -> None:
    """Raise when the font lacks a glyph used in ``texts`` (diacritics would print as boxes)."""
    from matplotlib.ft2font import FT2Font

    font = FT2Font(findfont(FontProperties(family=family), fallback_to_default=False))
    charmap = font.get_charmap()
    missing = sorted({ch for t in texts for ch in t if not ch.isspace() and ord(ch) not in charmap})
    if missing:
        raise GisplanError(f"font {family} lacks the glyphs {''.join(missing)}; install fonts-dejavu-core")


def nice_scale_length(width_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10^n metres) near a quarter of ``width_m``.

    Examples
    --------
    >>> nice_scale_length(100_000)
    20000.0
    >>> nice_scale_length(37_000)
    5000.0
    """
    target = width_m / 4
    exp = 10 ** math.floor(math.log10(target))
    for f in (5, 2, 1):
        if f * exp <= target:
            return float(f * exp)
    return float(exp)


def render_figure(theme: str, *, catalog: Catalog | None = None, results=None, size: str = "A4",
                  orientation: str = "auto", lang: str = "vi",
                  layers: Mapping[str, gpd.GeoDataFrame] | None = None, title: str | None = None):
    """Draw a print map and return the matplotlib Figure (``fig.gisplan`` holds the artists:
    ``title``, ``legend``, ``scalebar``, ``scalebar_m``, ``north``, ``ax``, ``orientation``).

    ``orientation`` is ``"portrait"``, ``"landscape"`` or ``"auto"`` (portrait when the mapped
    extent, the province in EPSG:9213, is taller than wide). Map units are metres of EPSG:9213;
    the grid is labelled in km.
    """
    if theme not in TITLES:
        raise GisplanError(f"unknown theme {theme!r}; themes: {', '.join(TITLES)}")
    if size not in PAPER_MM:
        raise GisplanError(f"size must be A4 or A3, not {size!r}")
    if catalog is None and layers is None:
        catalog = load_catalog()
    data = MapLayers(catalog, layers)
    if orientation not in ("auto", "portrait", "landscape"):
        raise GisplanError(f"orientation must be auto, portrait or landscape, not {orientation!r}")
    province = data.get("province")
    if orientation == "auto":
        orientation = "landscape"
        if province is not None:
            minx, miny, maxx, maxy = province.total_bounds
            orientation = "portrait" if (maxy - miny) > (maxx - minx) else "landscape"
    w_mm, h_mm = PAPER_MM[size]
    if orientation == "portrait":
        w_mm, h_mm = h_mm, w_mm
    plt.rcParams["font.family"] = FONT
    fig = plt.figure(figsize=(w_mm / 25.4, h_mm / 25.4))
    k = (w_mm / 297) ** 0.5  # text scale for A3
    portrait = orientation == "portrait"
    map_rect = [0.05, 0.2, 0.9, 0.66] if portrait else [0.04, 0.09, 0.64, 0.78]
    ax = fig.add_axes(map_rect)
    handles = _draw(theme, ax, data, results, lang)
    if province is not None:
        province.boundary.plot(ax=ax, color="#111", linewidth=1.4, zorder=20)
        minx, miny, maxx, maxy = province.total_bounds
        pad = 0.03 * max(maxx - minx, maxy - miny)
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    _grid(ax, k)
    sb_len = _scalebar(ax, k, lang)
    north = _north_arrow(ax, k, lang)
    title_text = title or TITLES[theme][0 if lang == "vi" else 1]
    t = fig.text(0.5, 0.955, title_text, ha="center", va="center", fontsize=15 * k, fontweight="bold")
    fig.text(0.5, 0.92, "TỈNH THÁI NGUYÊN — Kế hoạch 125/KH-UBND thực hiện đến năm 2030" if lang == "vi"
             else "THÁI NGUYÊN PROVINCE — environmental plan to 2030", ha="center", fontsize=9.5 * k)
    leg_anchor = (0.5, 0.17) if portrait else (0.71, 0.86)
    leg = fig.legend(handles=handles, loc="upper center" if portrait else "upper left", bbox_to_anchor=leg_anchor,
                     fontsize=8 * k, title="CHÚ GIẢI" if lang == "vi" else "LEGEND", title_fontsize=9.5 * k,
                     frameon=True, ncol=2 if portrait else 1, alignment="left")
    leg.get_frame().set_edgecolor("#444")
    if not portrait:
        _center_landscape(fig, ax, leg)
    for text, handle in zip(leg.get_texts(), leg.legend_handles, strict=False):
        if handle is not None and not handle.get_visible():  # section headings
            text.set_fontweight("bold")
    synthetic = bool(catalog.synthetic) if catalog is not None else False
    src = (catalog.title if catalog is not None else "")
    foot = [f"{'Nguồn dữ liệu' if lang == 'vi' else 'Data source'}: {src}",
            f"{CRS_NOTE[lang]}. {'Lập ngày' if lang == 'vi' else 'Made on'} {dt.date.today():%d/%m/%Y} — gisplan"]
    if synthetic:
        foot.append(SYNTHETIC_NOTE)
    foot[1] = f"{'Lưới km' if lang == 'vi' else 'Grid in km'}, {foot[1]}"
    for i, line in enumerate(foot):
        fig.text(0.04, 0.055 - i * 0.018, line, fontsize=7.5 * k, color="#b00000" if line == SYNTHETIC_NOTE else "#222",
                 fontweight="bold" if line == SYNTHETIC_NOTE else "normal")
    fig.add_artist(Rectangle((0.015, 0.012), 0.97, 0.976, transform=fig.transFigure, fill=False, linewidth=1.6, color="#222"))
    check_font([title_text, *foot, *[h.get_label() for h in handles]])
    fig.gisplan = {"title": t, "legend": leg, "scalebar_m": sb_len, "north": north, "ax": ax,
                  "orientation": orientation}
    return fig


def print_map(theme: str, out: str | os.PathLike, *, catalog: Catalog | None = None, results=None, size: str = "A4",
              orientation: str = "auto", dpi: int = 300, lang: str = "vi",
              layers: Mapping[str, gpd.GeoDataFrame] | None = None, title: str | None = None,
              overwrite: bool = False) -> Path:
    """Write a print map to ``out`` (.pdf or .png), atomically; fonts are embedded in PDFs."""
    out = Path(out)
    if out.suffix.lower() not in (".pdf", ".png"):
        raise GisplanError(f"{out}: print maps are written as .pdf or .png")
    check_output(out, overwrite=overwrite)
    fig = render_figure(theme, catalog=catalog, results=results, size=size, orientation=orientation, lang=lang,
                        layers=layers, title=title)
    try:
        with atomic_path(out, overwrite=overwrite) as tmp:
            fig.savefig(tmp, dpi=dpi, format=out.suffix.lstrip(".").lower(),
                        metadata={"Title": fig.gisplan["title"].get_text(), "Creator": "gisplan"})
    finally:
        plt.close(fig)
    return out


# ---------------------------------------------------------------------------------------------
def _center_landscape(fig, ax, leg, gap: float = 0.025) -> None:
    """Place the map (its real, equal-aspect width) and the legend side by side, centred."""
    ax.apply_aspect()
    pos = ax.get_position()
    renderer = fig.canvas.get_renderer()
    leg_w = leg.get_window_extent(renderer).width / fig.bbox.width
    # room for the tick labels on both sides of the map frame
    labels = ax.get_tightbbox(renderer).transformed(fig.transFigure.inverted())
    pad_l, pad_r = pos.x0 - labels.x0, labels.x1 - pos.x1
    total = pad_l + pos.width + pad_r + gap + leg_w
    left = max(0.03, (1 - total) / 2) + pad_l
    ax.set_position([left, pos.y0, pos.width, pos.height])
    leg.set_bbox_to_anchor((left + pos.width + pad_r + gap, pos.y1), transform=fig.transFigure)


def _cat_layer(ax, gdf, type_id, lang, *, kind="box", column=None, zorder=5, title=None, size=30):
    lt = load_layer_types()[type_id]
    column = column or lt.style["column"]
    handles = []
    for cat in categories(type_id, column, lang=lang):
        sub = gdf[gdf[column] == cat.code]
        if sub.empty:
            continue
        if kind == "line":
            sub.plot(ax=ax, color=cat.color, linewidth=2.2, zorder=zorder)
            handles.append(Line2D([], [], color=cat.color, linewidth=2.5, label=cat.label))
        elif kind == "point":
            sub.plot(ax=ax, color=cat.color, markersize=size, edgecolor="#222", linewidth=0.5, zorder=zorder)
            handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=cat.color, markeredgecolor="#222",
                                  markersize=7, label=cat.label))
        else:
            sub.plot(ax=ax, color=cat.color, edgecolor="#333", linewidth=0.4, alpha=0.75, zorder=zorder)
            handles.append(Patch(facecolor=cat.color, edgecolor="#333", label=cat.label))
    if title and handles:
        handles.insert(0, Patch(visible=False, label=title))
    return handles


def _communes(ax, data):
    c = data.get("communes")
    if c is not None:
        c.boundary.plot(ax=ax, color="#888", linewidth=0.3, zorder=2)
    return c


def _need(gdf, what):
    if gdf is None:
        raise LayerNotFoundError(f"this print map needs the {what} layer")
    return gdf


def _draw(theme, ax, data, results, lang):
    vi = lang == "vi"
    lts = load_layer_types()
    h = []
    if theme in ("forest_cover", "forest_change"):
        communes = _need(data.get("communes"), "communes")
        if theme == "forest_cover":
            table = results.tables.get("forest_cover_communes") if results is not None else None
            if table is None:
                from gisplan.indicators.forest import forest_cover_from_status

                table = forest_cover_from_status(_need(data.get("forest_status"), "forest_status"), communes, unit_id="code")
            col, pal, unit, head = "forest_pct", "forest", "%", "Tỷ lệ che phủ rừng" if vi else "Forest cover"
        else:
            table = results.tables.get("forest_change_communes") if results is not None else None
            if table is None:
                from gisplan.indicators.change import forest_change_status

                table = forest_change_status(_need(data.get("forest_status", 0), "forest_status"),
                                             data.get("forest_status", -1), communes, unit_id="code")
            col, pal, unit, head = "net_ha", "change", "ha", "Biến động thuần" if vi else "Net change"
        joined = communes.merge(table.drop(columns=["name"], errors="ignore"), on="code", how="left")
        cls = classify(joined[col], k=5 if theme == "forest_cover" else 6, palette=pal, unit=unit,
                       center=0.0 if theme == "forest_change" else None)  # change: loss red, gain green
        joined.plot(ax=ax, color=cls.color_of(joined[col]), edgecolor="#555", linewidth=0.3, zorder=3)
        h.append(Patch(visible=False, label=f"{head} ({unit})"))
        h += [Patch(facecolor=c, edgecolor="#555", label=lab) for c, lab in zip(cls.colors, cls.labels, strict=True)]
        pas = data.get("protected_areas")
        if pas is not None:
            pas[pas.zone != "buffer"].boundary.plot(ax=ax, color="#00441b", linewidth=1.0, linestyle="--", zorder=6)
            h.append(Line2D([], [], color="#00441b", linestyle="--", label=lts["protected_areas"].title(lang)))
        return h
    _communes(ax, data)
    h.append(Line2D([], [], color="#888", linewidth=0.6, label="Ranh giới xã, phường" if vi else "Commune boundary"))
    h.append(Line2D([], [], color="#111", linewidth=1.4, label="Ranh giới tỉnh" if vi else "Province boundary"))
    if theme == "overview":
        for type_id, kind in (("protected_areas", "box"), ("urban_areas", "box"), ("industrial_zones", "box"),
                              ("river_sections", "line"), ("mines", "point"), ("waste_sites", "point")):
            gdf = data.get(type_id)
            if gdf is not None:
                h += _cat_layer(ax, gdf, type_id, lang, kind=kind, title=lts[type_id].title(lang),
                                zorder=8 if kind == "point" else 5, size=14)
    elif theme == "protected_areas":
        pas = _need(data.get("protected_areas"), "protected_areas")
        h += _cat_layer(ax, pas, "protected_areas", lang, column="zone", title=lts["protected_areas"].attributes["zone"].title(lang))
        from gisplan.indicators.protected import conflicts

        conf = results.tables.get("conflicts") if results is not None else None
        conf = conflicts(pas, mines=data.get("mines"), industrial_zones=data.get("industrial_zones")) if conf is None else conf
        km = f"{_option(results, 'buffer_m', 1000.0) / 1000:g} km"
        conflict_colors = lts["protected_areas"].style["conflict_colors"]
        for site_type, type_id, id_col, vi_label, en_label in (
                ("mine", "mines", "mine_id", "Mỏ", "Mine"),
                ("industrial_zone", "industrial_zones", "zone_id", "Khu, cụm công nghiệp", "Industrial zone/cluster")):
            color = conflict_colors[site_type]
            sites = data.get(type_id)
            if sites is None or not len(conf):
                continue
            hit = sites[sites[id_col].isin(conf.loc[conf.site_type == site_type, "site_id"])]
            if not len(hit):
                continue
            ax.scatter(*shapely.get_coordinates(hit.geometry.representative_point().to_numpy()).T, s=30, c=color,
                       edgecolors="#000", linewidths=0.6, zorder=9)
            h.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=color, markeredgecolor="#000",
                            label=f"{vi_label} trong, trong vùng đệm hoặc cách khu bảo tồn ≤ {km}" if vi
                            else f"{en_label} in, in the buffer zone of or ≤ {km} from a protected area"))
    elif theme in ("mines", "waste"):
        type_id = "mines" if theme == "mines" else "waste_sites"
        rivers = data.get("river_sections")
        if rivers is not None and theme == "mines":
            rivers.plot(ax=ax, color="#6baed6", linewidth=1.2, zorder=3)
            h.append(Line2D([], [], color="#6baed6", linewidth=1.5, label="Sông" if vi else "River"))
        h += _cat_layer(ax, _need(data.get(type_id), type_id), type_id, lang, kind="point", zorder=8,
                        title=lts[type_id].attributes[lts[type_id].style["column"]].title(lang))
    elif theme == "industry":
        rivers = data.get("river_sections")
        if rivers is not None:
            h += _cat_layer(ax, rivers, "river_sections", lang, kind="line", title="QCVN 08:2023/BTNMT")
        zones = _need(data.get("industrial_zones"), "industrial_zones")
        h += _cat_layer(ax, zones, "industrial_zones", lang, zorder=7, title=lts["industrial_zones"].attributes["wwtp_status"].title(lang))
        c = zones.geometry.centroid
        ax.scatter(c.x, c.y, s=14, c=[dict((x.code, x.color) for x in categories("industrial_zones"))[v] for v in zones.wwtp_status],
                   edgecolors="#222", linewidths=0.4, zorder=8)
    elif theme == "rivers":
        rivers = _need(data.get("river_sections"), "river_sections")
        h += _cat_layer(ax, rivers, "river_sections", lang, kind="line", title="QCVN 08:2023/BTNMT")
        st = data.get("monitoring_stations")
        water = st[st.medium == "surface_water"] if st is not None else None
        if water is not None and len(water):
            water.plot(ax=ax, marker="^", color="#1f78b4", edgecolor="#08306b", markersize=36, linewidth=0.8, zorder=9)
            h.append(Line2D([], [], marker="^", linestyle="", markerfacecolor="#1f78b4", markeredgecolor="#08306b",
                            label="Điểm quan trắc nước mặt" if vi else "Surface-water monitoring station"))
    elif theme == "air":
        urban = _need(data.get("urban_areas"), "urban_areas")
        h += _cat_layer(ax, urban, "urban_areas", lang, title=lts["urban_areas"].attributes["urban_class"].title(lang))
        st = _need(data.get("monitoring_stations"), "monitoring_stations")
        air = st[st.medium == "air"]
        mode_colors = lts["monitoring_stations"].style["mode_colors"]
        outline = lts["monitoring_stations"].style.get("outline_color", "#333333")
        for mode, face in mode_colors.items():
            sub = air[air["mode"] == mode]
            if len(sub):
                sub.plot(ax=ax, color=face, edgecolor=outline, markersize=40, linewidth=1.2, zorder=9)
                h.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=face, markeredgecolor=outline,
                                label=("Trạm không khí " if vi else "Air station, ") + lts["monitoring_stations"].attributes["mode"].label(mode, lang).lower()))
    return h


def _option(results, name: str, default: float) -> float:
    """An option the indicators were computed with (``results.meta["options"]``), else the default."""
    options = getattr(results, "meta", {}).get("options", {}) if results is not None else {}
    return float(options.get(name, default))


def _grid(ax, k):
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    step = nice_scale_length(max(x1 - x0, y1 - y0) / 1.5)
    import numpy as np

    xs = np.arange(math.ceil(x0 / step) * step, x1, step)
    ys = np.arange(math.ceil(y0 / step) * step, y1, step)
    ax.set_xticks(xs)
    ax.set_yticks(ys)
    ax.set_xticklabels([f"{x / 1000:,.0f}" for x in xs], fontsize=6.5 * k)
    ax.set_yticklabels([f"{y / 1000:,.0f}" for y in ys], fontsize=6.5 * k, rotation=90, va="center")
    ax.tick_params(direction="in", top=True, right=True, labeltop=True, labelright=True, length=3)
    ax.grid(True, color="#999", linewidth=0.35, linestyle=":")
    ax.set_xlabel("")
    ax.set_ylabel("")


def _scalebar(ax, k, lang) -> float:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_scale_length(x1 - x0)
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    h = 0.012 * (y1 - y0)
    ax.add_patch(Rectangle((bx - 0.01 * (x1 - x0), by - 2.6 * h), length + 0.04 * (x1 - x0), 5.2 * h,
                           facecolor="white", edgecolor="none", alpha=0.85, zorder=29))
    for i in range(4):
        ax.add_patch(Rectangle((bx + i * length / 4, by), length / 4, h, facecolor="#111" if i % 2 == 0 else "white",
                               edgecolor="#111", linewidth=0.6, zorder=30))
    for i in (0, 2, 4):
        ax.text(bx + i * length / 4, by + 1.6 * h, f"{i * length / 4000:g}", ha="center", fontsize=6.5 * k, zorder=31)
    ax.text(bx + length + 0.012 * (x1 - x0), by, "km", va="bottom", fontsize=7 * k, zorder=31)
    ax.gisplan_scalebar = (bx, by, length)
    return length


def _north_arrow(ax, k, lang):
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    cx, top = x1 - 0.06 * (x1 - x0), y1 - 0.05 * (y1 - y0)
    w, hgt = 0.022 * (x1 - x0), 0.075 * (y1 - y0)
    left = Polygon([(cx, top), (cx - w, top - hgt), (cx, top - 0.7 * hgt)], closed=True, facecolor="#111", zorder=30)
    right = Polygon([(cx, top), (cx + w, top - hgt), (cx, top - 0.7 * hgt)], closed=True, facecolor="white",
                    edgecolor="#111", linewidth=0.8, zorder=30)
    ax.add_patch(left)
    ax.add_patch(right)
    return ax.text(cx, top + 0.012 * (y1 - y0), "B" if lang == "vi" else "N", ha="center", va="bottom",
                   fontsize=11 * k, fontweight="bold", zorder=31)
