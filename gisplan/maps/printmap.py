"""Print maps for official documents (matplotlib, no network).

A4 or A3 at 300 dpi with a title, the map in VN-2000 / TM-3 106°30' (EPSG:9213) with a
kilometre grid, legend, scale bar, north arrow, data source and date, and the CRS note.
Vietnamese text uses DejaVu Sans (bundled with matplotlib; it has every Vietnamese letter);
Vietnamese maps write numbers as ``1.234,5`` (grid, scale bar, legend). Themes, their titles and
choropleth classes come from :mod:`gisplan.maps.themes` (the same classes as the web maps); what
each theme draws, from :mod:`gisplan.maps.print_themes`; a missing value is drawn in grey and
listed as "không có số liệu" / "no data".

:func:`render_figure` returns a :class:`PrintMap` (the figure and what was drawn on it, by name);
nothing is stashed on matplotlib objects. Importing this module changes no matplotlib setting:
no backend is selected (figures draw on their own Agg canvas, without pyplot) and the house
style (:data:`RC`) applies only inside :func:`render_figure` and :func:`print_map`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io
import math
import os
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.legend import Legend
from matplotlib.patches import Polygon, Rectangle
from matplotlib.text import Text

from gisplan._atomic import atomic_path, check_output
from gisplan._format import fmt_number
from gisplan.catalog import SYNTHETIC_NOTE, Catalog
from gisplan.errors import DataMissingError, GisplanError, OptionError
from gisplan.maps.labels import LabelSet, Placed, place_labels
from gisplan.maps.print_themes import PrintBuild, draw, print_frame
from gisplan.maps.style import Classes
from gisplan.maps.themes import get_theme, make_store, require_data, theme_dates, theme_sources

FONT = "DejaVu Sans"
#: matplotlib settings of every print map, applied only while gisplan draws and saves (nothing is
#: changed globally, no backend is switched): the house font, and TrueType fonts embedded in PDFs
#: (type 42) so the Vietnamese text can be searched, copied and read back
RC = {"font.family": FONT, "pdf.fonttype": 42, "ps.fonttype": 42}
PAPER_MM = {"A4": (297, 210), "A3": (420, 297)}
#: what ``labels=`` (``gisplan print --labels``) names on the map: the names of the communes, of
#: the protected areas (on the maps that draw them), both, or none; a theme's own labels are
#: placed unless ``"none"``
LABELS = ("all", "communes", "protected_areas", "none")
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


@dataclass(frozen=True)
class PrintMap:
    """A print map as drawn by :func:`render_figure`.

    ``figure`` the matplotlib Figure (its own Agg canvas, not managed by pyplot); ``ax`` the map
    frame, in metres of EPSG:9213; ``title`` the title text; ``legend``; ``scalebar`` the scale
    bar's lower-left corner and length ``(x, y, length)`` in metres of EPSG:9213 and
    ``scalebar_m`` its length; ``north`` the north arrow's letter; ``classes`` the choropleth
    :class:`~gisplan.maps.style.Classes` (the web map's) or None; ``orientation`` ``"portrait"``
    or ``"landscape"`` as drawn; ``notes`` the lines under the map (data and sources, grid and CRS,
    date, the synthetic-data warning), top to bottom; ``scale`` the denominator of the numeric
    scale printed beside the bar (the map is drawn at exactly 1:``scale`` on its paper size);
    ``labels`` the labels placed, by set (``"protected_areas"``, ``"communes"``, a theme's own),
    each a :class:`~gisplan.maps.labels.Placed` with the labels left out for lack of room.
    """

    figure: Figure
    ax: Axes
    title: Text
    legend: Legend
    scalebar: tuple[float, float, float]
    north: Text
    classes: Classes | None
    orientation: str
    notes: tuple[Text, ...] = ()
    scale: int = 0
    labels: Mapping[str, Placed] = dataclasses.field(default_factory=dict)

    @property
    def scalebar_m(self) -> float:
        """The scale bar's length in metres (on the ground, EPSG:9213)."""
        return self.scalebar[2]

    def _repr_png_(self) -> bytes:
        """The map as a PNG at 100 dpi: how Jupyter shows a print map inline."""
        buf = io.BytesIO()
        with matplotlib.rc_context(RC):
            self.figure.savefig(buf, format="png", dpi=100)
        return buf.getvalue()


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


def _house_style(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(RC):
            return fn(*args, **kwargs)
    return wrapper


@_house_style
def render_figure(theme: str, *, catalog: Catalog | None = None, results=None, size: str = "A4",
                  orientation: str = "auto", lang: str = "vi",
                  layers: Mapping[str, gpd.GeoDataFrame] | None = None, title: str | None = None,
                  store=None, labels: str = "all", **theme_options) -> PrintMap:
    """Draw a print map: a :class:`PrintMap` holding the Figure and its parts (title, legend,
    scale bar, north arrow, map axes, orientation, choropleth classes).

    ``orientation`` is ``"portrait"``, ``"landscape"`` or ``"auto"`` (portrait when the mapped
    extent, the province in EPSG:9213, is taller than wide). Map units are metres of EPSG:9213;
    the grid is labelled in km; the map is drawn at a round scale (1:``PrintMap.scale``, printed
    beside the scale bar) on its paper size. Layers come from ``store`` (a
    :class:`gisplan.store.LayerStore`), else from a store over ``catalog`` and ``layers``;
    indicator values from ``results`` (the map computes none: :meth:`gisplan.pipeline.Plan.print`
    runs the theme's steps first). ``labels`` names the communes, the protected areas, both
    (``"all"``, the default) or nothing (``"none"``), placed without overlaps. ``theme_options``
    are the options of the theme's drawing (:attr:`Theme.print_options
    <gisplan.maps.themes.Theme.print_options>`).

    Raises
    ------
    OptionError for an unknown theme, paper size, orientation, labels choice or theme option;
    DataMissingError when the map would show no data anywhere
    (:func:`gisplan.maps.themes.require_data`: its reason names the layers that would fill it).
    """
    spec = get_theme(theme)
    if unknown := sorted(set(theme_options) - set(spec.print_options)):
        takes = f"; it takes {', '.join(spec.print_options)}" if spec.print_options else ""
        raise OptionError(f"the {spec.id} print map has no option {', '.join(unknown)}{takes}")
    if size not in PAPER_MM:
        raise OptionError(f"size must be A4 or A3, not {size!r}")
    if orientation not in ("auto", "portrait", "landscape"):
        raise OptionError(f"orientation must be auto, portrait or landscape, not {orientation!r}")
    if labels not in LABELS:
        raise OptionError(f"labels must be {', '.join(LABELS)}, not {labels!r}")
    data = make_store(catalog, layers, store)
    catalog = data.catalog
    require_data(spec, data, results, what="print map")
    province = data.optional("province")
    framed = print_frame(spec, data, theme_options)  # a commune, say, instead of the province
    if orientation == "auto":
        orientation = "landscape"
        shape = framed if framed is not None else (province.total_bounds if province is not None else None)
        if shape is not None:
            minx, miny, maxx, maxy = shape
            orientation = "portrait" if (maxy - miny) > (maxx - minx) else "landscape"
    w_mm, h_mm = PAPER_MM[size]
    if orientation == "portrait":
        w_mm, h_mm = h_mm, w_mm
    fig = Figure(figsize=(w_mm / 25.4, h_mm / 25.4))
    FigureCanvasAgg(fig)  # a canvas of its own: text extents are measured without pyplot
    k = (w_mm / 297) ** 0.5  # text scale for A3
    portrait = orientation == "portrait"
    map_rect = [0.05, 0.2, 0.9, 0.66] if portrait else [0.04, 0.09, 0.64, 0.78]
    ax = fig.add_axes(map_rect)
    build = PrintBuild(spec, ax, data, results, lang, dict(theme_options))
    handles, classes = draw(build)
    if province is not None:
        province.boundary.plot(ax=ax, color="#111", linewidth=1.4, zorder=20)
    frame = build.extent if build.extent is not None else (province.total_bounds if province is not None else None)
    if frame is not None:
        minx, miny, maxx, maxy = frame
        pad = 0.03 * max(maxx - minx, maxy - miny)
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    _grid(ax, k, lang)
    title_text = title or build.title or spec.title(lang, print_map=True)
    t = fig.text(0.5, 0.955, title_text, ha="center", va="center", fontsize=15 * k, fontweight="bold")
    fig.text(0.5, 0.92, "TỈNH THÁI NGUYÊN — Kế hoạch 125/KH-UBND thực hiện đến năm 2030" if lang == "vi"
             else "THÁI NGUYÊN PROVINCE — environmental plan to 2030", ha="center", fontsize=9.5 * k)
    dates = theme_dates(spec, catalog, lang)  # when the data were made: how current the map is
    ceiling = 0.905  # the map's top, its grid labels included, stays below the title block
    if dates:
        dates = _wrap(fig, dates, 8 * k, max_lines=1)[0]
        when = fig.text(0.5, 0.9, dates, ha="center", va="center", fontsize=8 * k, color="#333")
        ceiling = min(ceiling, _extent(fig, when).y0 - 0.006)
    foot = _footer(fig, spec.id, catalog, lang, k)
    foot_top = max(_extent(fig, t).y1 for t in foot)
    leg = _fit(fig, ax, _wrapped(handles, 60 if portrait else 44), k, lang, portrait, foot_top, ceiling)
    for text, handle in zip(leg.get_texts(), leg.legend_handles, strict=False):
        if handle is not None and not handle.get_visible():  # section headings
            text.set_fontweight("bold")
    scale = _round_scale(ax) if frame is not None else 0
    if scale:
        _grid(ax, k, lang)  # the ticks of the final extent
    scalebar, bar_box = _scalebar(ax, k, lang, scale)
    north, north_box = _north_arrow(ax, k, lang)
    placed = _place(build, labels, k, lang, avoid=[bar_box, north_box])
    fig.add_artist(Rectangle((0.015, 0.012), 0.97, 0.976, transform=fig.transFigure, fill=False, linewidth=1.6, color="#222"))
    check_font([title_text, dates, *(t.get_text() for t in foot), *[h.get_label() for h in handles],
                *(t.get_text() for p in placed.values() for t in p.texts)])
    return PrintMap(figure=fig, ax=ax, title=t, legend=leg, scalebar=scalebar, north=north, classes=classes,
                    orientation=orientation, notes=tuple(foot), scale=scale, labels=placed)


@_house_style
def print_map(theme: str, out: str | os.PathLike, *, catalog: Catalog | None = None, results=None, size: str = "A4",
              orientation: str = "auto", dpi: int = 300, lang: str = "vi",
              layers: Mapping[str, gpd.GeoDataFrame] | None = None, title: str | None = None,
              overwrite: bool = False, store=None, labels: str = "all", **theme_options) -> Path:
    """Write a print map to ``out`` (.pdf or .png), atomically; fonts are embedded in PDFs
    (parameters as :func:`render_figure`). A map that would show no data anywhere is refused
    (DataMissingError) and nothing is written."""
    out = Path(out)
    if out.suffix.lower() not in (".pdf", ".png"):
        raise GisplanError(f"{out}: print maps are written as .pdf or .png")
    check_output(out, overwrite=overwrite)
    pm = render_figure(theme, catalog=catalog, results=results, size=size, orientation=orientation, lang=lang,
                       layers=layers, title=title, store=store, labels=labels, **theme_options)
    try:
        with atomic_path(out, overwrite=overwrite) as tmp:
            pm.figure.savefig(tmp, dpi=dpi, format=out.suffix.lstrip(".").lower(),
                              metadata={"Title": pm.title.get_text(), "Creator": "gisplan"})
    finally:
        pm.figure.clear()
    return out


# ---------------------------------------------------------------------------------------------
def _extent(fig, artist):
    """``artist``'s drawn box in figure fractions."""
    return artist.get_window_extent(fig.canvas.get_renderer()).transformed(fig.transFigure.inverted())


def _footer(fig, theme: str, catalog, lang: str, k: float) -> list[Text]:
    """The notes under the map, bottom-up from the frame: the data and the source of each layer the
    map draws or computes from (wrapped, at most three lines), the grid and CRS note with the date,
    and the synthetic-data warning."""
    vi = lang == "vi"
    title = catalog.title if catalog is not None else ""
    sources = theme_sources(theme, catalog, lang)
    lead = f"{'Dữ liệu' if vi else 'Data'}: {title}. " if title else ""
    text = lead + (f"{'Nguồn' if vi else 'Sources'}: {'; '.join(sources)}." if sources else "")
    notes = [(line, False) for line in _wrap(fig, text, 7.5 * k, max_lines=3)] if text else []
    grid = (f"{'Lưới km' if vi else 'Grid in km'}, {CRS_NOTE[lang]}. {'Lập ngày' if vi else 'Made on'} "
            f"{dt.date.today():%d/%m/%Y} — gisplan")
    notes += [(line, False) for line in _wrap(fig, grid, 7.5 * k, max_lines=2)]
    if catalog is not None and catalog.synthetic:
        notes.append((SYNTHETIC_NOTE, True))
    step = 1.7 * 7.5 * k / (fig.get_figheight() * 72)  # one line of 7.5 pt, in figure heights
    bottom = 0.02
    return [fig.text(0.04, bottom + (len(notes) - 1 - i) * step, line, fontsize=7.5 * k,
                     color="#b00000" if warn else "#222", fontweight="bold" if warn else "normal")
            for i, (line, warn) in enumerate(notes)]


def _wrap(fig, text: str, fontsize: float, *, max_lines: int, width: float = 0.92) -> list[str]:
    """``text`` broken into lines no wider than ``width`` of the figure, each line measured as
    drawn (a line of wide letters is not taken for a short one), at most ``max_lines`` (the last
    one ends with "…" when cut, and is itself no wider than ``width``)."""
    def too_wide(line: str) -> bool:
        probe = fig.text(0, 0, line, fontsize=fontsize)
        wide = _extent(fig, probe).width > width
        probe.remove()
        return wide

    chars = max(20, int(width * fig.get_figwidth() * 72 / (0.45 * fontsize)))
    while True:
        lines = textwrap.wrap(text, chars, break_on_hyphens=False) or [""]
        if chars <= 20 or not any(too_wide(line) for line in lines):
            break
        chars = int(chars * 0.93)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1].rstrip() + "…"
        while too_wide(last) and len(last) > 1:
            last = last[:-2].rstrip() + "…"
        lines[-1] = last
    return lines


def _wrapped(handles, width: int) -> list:
    """The legend ``handles`` with labels longer than ``width`` characters broken into lines, so a
    long entry (a reason for missing data) stays inside the page."""
    for h in handles:
        label = h.get_label()
        if len(label) > width:
            h.set_label("\n".join(textwrap.wrap(label, width, break_on_hyphens=False)))
    return handles


def _fit(fig, ax, handles, k: float, lang: str, portrait: bool, foot_top: float, ceiling: float | None = None,
         gap: float = 0.012):
    """The legend and the map placed between the title block (``ceiling``, the lowest of its
    lines) and the notes, nothing overlapping: in portrait the legend sits under the map
    (2 columns, 3 for a long legend) and the map shrinks to make room; in landscape it stands
    beside the map (more columns, then a smaller font, when it would reach the notes)."""
    title = "CHÚ GIẢI" if lang == "vi" else "LEGEND"
    ax.apply_aspect()
    labels = ax.get_tightbbox(fig.canvas.get_renderer()).transformed(fig.transFigure.inverted())
    pad_below = ax.get_position().y0 - labels.y0  # the km labels under the frame
    pad_above = labels.y1 - ax.get_position().y1  # and above it
    top = (0.86 if portrait else 0.87) if ceiling is None else ceiling - pad_above
    # (columns, font size, tallest legend accepted, in figure heights)
    room = top - foot_top - gap
    tries = [(2, 8, 0.17), (3, 8, 0.22), (3, 7, 0.3)] if portrait else \
        [(1, 8, room), (1, 7, room), (2, 7, room), (2, 6, room)]
    for i, (ncol, size, tallest) in enumerate(tries):
        leg = fig.legend(handles=handles, loc="upper center" if portrait else "upper left",
                         bbox_to_anchor=(0.5, top) if portrait else (0.71, top), fontsize=size * k,
                         title=title, title_fontsize=9.5 * k, frameon=True, ncol=ncol, alignment="left")
        leg.get_frame().set_edgecolor("#444")
        height = _extent(fig, leg).height
        if height <= tallest or i == len(tries) - 1:
            break
        leg.remove()
    if portrait:
        leg_top = foot_top + gap + height
        leg.set_bbox_to_anchor((0.5, leg_top), transform=fig.transFigure)
        y0 = leg_top + gap + pad_below
        ax.set_position([0.05, y0, 0.9, top - y0])
    else:
        y0 = foot_top + gap + pad_below
        ax.set_position([0.04, y0, 0.64, top - y0])
        _center_landscape(fig, ax, leg)
    return leg


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


def _grid(ax, k, lang="vi"):
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    step = nice_scale_length(max(x1 - x0, y1 - y0) / 1.5)
    xs = np.arange(math.ceil(x0 / step) * step, x1, step)
    ys = np.arange(math.ceil(y0 / step) * step, y1, step)
    ax.set_xticks(xs)
    ax.set_yticks(ys)
    ax.set_xticklabels([fmt_number(x / 1000, lang, 0) for x in xs], fontsize=6.5 * k)
    ax.set_yticklabels([fmt_number(y / 1000, lang, 0) for y in ys], fontsize=6.5 * k, rotation=90, va="center")
    ax.tick_params(direction="in", top=True, right=True, labeltop=True, labelright=True, length=3)
    ax.grid(True, color="#999", linewidth=0.35, linestyle=":")
    ax.set_xlabel("")
    ax.set_ylabel("")


#: round numeric scales: the mantissas a print map's scale is rounded up to (1:400.000, 1:450.000 …)
NICE_SCALES = (1, 1.25, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 7.5, 8, 9, 10)


def nice_scale(denominator: float) -> int:
    """The round scale a map is drawn at: the smallest of :data:`NICE_SCALES` × 10ⁿ not below
    ``denominator`` (the map then fits its frame).

    Examples
    --------
    >>> nice_scale(833_000), nice_scale(412_345), nice_scale(50_000)
    (900000, 450000, 50000)
    """
    exp = 10 ** math.floor(math.log10(denominator))
    return int(round(next(m for m in NICE_SCALES if m * exp >= denominator * (1 - 1e-9)) * exp))


def _round_scale(ax) -> int:
    """Widen the map's extent about its centre so that it is drawn at a round scale
    (:func:`nice_scale`) in the frame it was given (the frame keeps its size on the paper);
    returns the scale's denominator."""
    ax.apply_aspect()
    fig = ax.figure
    pos = ax.get_position()
    w_m, h_m = pos.width * fig.get_figwidth() * 0.0254, pos.height * fig.get_figheight() * 0.0254  # paper
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    scale = nice_scale(max((x1 - x0) / w_m, (y1 - y0) / h_m))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ax.set_xlim(cx - w_m * scale / 2, cx + w_m * scale / 2)
    ax.set_ylim(cy - h_m * scale / 2, cy + h_m * scale / 2)
    ax.apply_aspect()
    return scale


def numeric_scale(denominator: int, lang: str = "vi") -> str:
    """``"1:500.000"`` in Vietnamese, ``"1:500,000"`` in English."""
    return f"1:{fmt_number(denominator, lang, 0)}"


def _display_box(artists) -> tuple[float, float, float, float]:
    """The box (display units) around ``artists`` as drawn."""
    renderer = artists[0].figure.canvas.get_renderer()
    boxes = [a.get_window_extent(renderer) for a in artists]
    return (min(b.x0 for b in boxes), min(b.y0 for b in boxes), max(b.x1 for b in boxes), max(b.y1 for b in boxes))


def _scalebar(ax, k, lang, scale: int = 0):
    """Draw a scale bar of a round length (:func:`nice_scale_length`) in the lower left of ``ax``
    (in metres of EPSG:9213, labelled in km) with the numeric scale ``1:scale`` under it, on a
    white ground; returns its lower-left corner and length ``(x, y, length)`` in metres and the
    box it takes (display units)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_scale_length(x1 - x0)
    h = 0.012 * (y1 - y0)
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0) + (2.2 * h if scale else 0)
    parts = []
    for i in range(4):
        parts.append(ax.add_patch(Rectangle((bx + i * length / 4, by), length / 4, h,
                                            facecolor="#111" if i % 2 == 0 else "white", edgecolor="#111",
                                            linewidth=0.6, zorder=30)))
    for i in (0, 2, 4):
        parts.append(ax.text(bx + i * length / 4, by + 1.6 * h, scale_label(i * length / 4000, lang), ha="center",
                             fontsize=6.5 * k, zorder=31))
    parts.append(ax.text(bx + length + 0.012 * (x1 - x0), by, "km", va="bottom", fontsize=7 * k, zorder=31))
    if scale:
        parts.append(ax.text(bx + length / 2, by - 0.8 * h, f"{'Tỷ lệ' if lang == 'vi' else 'Scale'} "
                             f"{numeric_scale(scale, lang)}", ha="center", va="top", fontsize=7.5 * k,
                             fontweight="bold", zorder=31))
    bx0, by0, bx1, by1 = _display_box(parts)
    pad = 3 * k * ax.figure.dpi / 72
    inv = ax.transData.inverted()
    (gx0, gy0), (gx1, gy1) = inv.transform([(bx0 - pad, by0 - pad), (bx1 + pad, by1 + pad)])
    ax.add_patch(Rectangle((gx0, gy0), gx1 - gx0, gy1 - gy0, facecolor="white", edgecolor="none", alpha=0.85,
                           zorder=29))
    return (bx, by, length), (bx0 - pad, by0 - pad, bx1 + pad, by1 + pad)


def scale_label(km: float, lang: str = "vi") -> str:
    """A scale-bar tick in km, as short as possible: ``"2,5"`` in Vietnamese, ``"2.5"`` in English."""
    text = f"{km:g}"
    return text.replace(".", ",") if lang == "vi" else text


def _north_arrow(ax, k, lang):
    """The north arrow in the upper right of ``ax``: its letter and the box it takes (display units)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    cx, top = x1 - 0.06 * (x1 - x0), y1 - 0.05 * (y1 - y0)
    w, hgt = 0.022 * (x1 - x0), 0.075 * (y1 - y0)
    left = Polygon([(cx, top), (cx - w, top - hgt), (cx, top - 0.7 * hgt)], closed=True, facecolor="#111", zorder=30)
    right = Polygon([(cx, top), (cx + w, top - hgt), (cx, top - 0.7 * hgt)], closed=True, facecolor="white",
                    edgecolor="#111", linewidth=0.8, zorder=30)
    ax.add_patch(left)
    ax.add_patch(right)
    letter = ax.text(cx, top + 0.012 * (y1 - y0), "B" if lang == "vi" else "N", ha="center", va="bottom",
                     fontsize=11 * k, fontweight="bold", zorder=31)
    return letter, _display_box([left, right, letter])


_UNIT_PREFIX = re.compile(r"^(xã|phường|thị trấn)\s+", re.IGNORECASE)


def label_name(name) -> str:
    """A commune's name as a map labels it, without its unit word (the map's boundaries and
    legend say what the units are): ``"Xã Văn Lăng"`` → ``"Văn Lăng"``; ``"Phường 1"`` stays."""
    text = "" if name is None or name != name else str(name).strip()
    short = _UNIT_PREFIX.sub("", text)
    return text if not short or short.isdigit() else short


def _frame_labels(build: PrintBuild, which: str, k: float) -> list[LabelSet]:
    """The names ``which`` asks for: the protected areas (non-buffer zones of each area, on the
    maps that draw them) in bold green italics, then the communes, larger for larger communes."""
    sets = []
    store = build.store
    if which in ("all", "protected_areas") and "protected_areas" in build.theme.source_types() \
            and store.optional("protected_areas") is not None:
        try:
            units = store.protected_area_units()
        except DataMissingError:
            units = None
        if units is not None and len(units) and "name" in units:
            units = units[units["name"].notna()].drop_duplicates("name")
            pts = units.geometry.representative_point()
            sets.append(LabelSet("protected_areas", np.c_[pts.x, pts.y], [str(n) for n in units["name"]],
                                 priority=units.geometry.area.to_numpy(), fontsize=7.5 * k, weight="bold",
                                 color="#00441b", style="italic"))
    communes = store.optional("communes") if which in ("all", "communes") else None
    if communes is not None and len(communes) and "name" in communes:
        area = communes.geometry.area.to_numpy()
        rank = np.argsort(np.argsort(-area)) / max(1, len(area))  # 0 for the largest
        sizes = np.where(rank < 1 / 3, 6.5, np.where(rank < 2 / 3, 6.0, 5.5)) * k
        pts = communes.geometry.representative_point()
        sets.append(LabelSet("communes", np.c_[pts.x, pts.y], [label_name(n) for n in communes["name"]],
                             priority=area, fontsize=sizes, color="#1a1a1a"))
    return sets


def _place(build: PrintBuild, which: str, k: float, lang: str, avoid) -> dict[str, Placed]:
    """Place the names ``which`` asks for and the theme's own labels (unless ``"none"``), each set
    avoiding the ones before it, the scale bar and the north arrow; the labels left out for lack
    of room are counted in a note in the lower right corner of the map."""
    if which == "none":
        return {}
    sets = _frame_labels(build, which, k)
    own = [dataclasses.replace(ls, fontsize=np.asarray(ls.fontsize, dtype=float) * k) for ls in build.labels]  # A4 points
    sets = sets[:1] + own + sets[1:] if sets and sets[0].name == "protected_areas" else own + sets
    if not sets:
        return {}
    ax = build.ax
    vi = lang == "vi"
    note = ax.text(0.985, 0.012, ("000 tên không đủ chỗ ghi" if vi else "000 names left out for lack of room"),
                   transform=ax.transAxes, ha="right", va="bottom", fontsize=6 * k, color="#555", fontstyle="italic",
                   zorder=31)
    taken = np.array([*avoid, _display_box([note])], dtype=float)
    placed = {}
    for ls in sets:
        p = place_labels(ax, np.asarray(ls.xy, dtype=float).reshape(-1, 2), list(ls.texts), priority=ls.priority,
                         fontsize=ls.fontsize, weight=ls.weight, color=ls.color, style=ls.style, avoid=taken,
                         zorder=25)
        taken = p.boxes
        placed[ls.name] = p
    left = sum(p.left_out for p in placed.values())
    if left:
        note.set_text(f"{fmt_number(left, lang, 0)} tên không đủ chỗ ghi" if vi
                      else f"{fmt_number(left, lang, 0)} names left out for lack of room")
    else:
        note.remove()
    return placed
