"""The themes of the plan's maps: one registry for the web maps, the print maps, the site, the
GeoPackage and the CLI.

Each :class:`Theme` of :data:`THEMES` is all there is to know of a theme: its titles (web and
print, Vietnamese and English), the layer types it needs and draws, the indicator tables it
shows (the steps :class:`gisplan.pipeline.Plan` runs before drawing it), its choropleth class
scheme and legend entries, the names of its drawing functions (``web`` in
:mod:`gisplan.maps.web_themes`, ``printed`` in :mod:`gisplan.maps.print_themes`) and the options
of its print map, its group of the GeoPackage and QGIS project (:class:`Export`: tables, the ones
classed like the map, catalog layers copied) and whether its web map draws the forest-status
parcels (the site writes their data files). Adding a theme is one entry plus its two drawing
functions; an unknown theme is an :class:`~gisplan.errors.OptionError` everywhere
(:func:`get_theme`).

Maps show indicator results and compute none. Shared helpers: :func:`indicator` (an indicator
table from the results), :func:`hazard_classes` (the susceptibility classes the results carry,
cut to the communes), :func:`option` (an option the indicators were computed with),
:func:`theme_classes` (deterministic choropleth classes, identical on web and print maps and in
the GeoPackage), :func:`with_columns` (optional columns a layer lacks added as missing values).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio.features import geometry_mask

from gisplan._format import fmt_number
from gisplan.catalog import Catalog, LayerType, load_catalog, load_layer_types
from gisplan.crs import in_crs
from gisplan.errors import DataMissingError, GisplanError, OptionError, data_missing
from gisplan.indicators.options import DEFAULTS, IndicatorOptions
from gisplan.layer_sets import used_entries
from gisplan.maps.style import classify
from gisplan.store import LayerStore


@dataclass(frozen=True)
class Scheme:
    """A classed choropleth: the indicator ``column`` in ``k`` classes (Fisher–Jenks, deterministic)
    coloured with ``palette``; ``center`` splits a diverging palette (e.g. 0 ha of net change).
    ``breaks`` (every edge, e.g. ``(0, 20, 40, 60, 80, 100)``) gives round, fixed classes
    instead, for the values planners read in classes (forest cover, susceptibility)."""

    column: str
    k: int
    palette: str
    unit: str
    center: float | None = None
    decimals: int = 0
    breaks: tuple[float, ...] = ()


@dataclass(frozen=True)
class LegendEntry:
    """A categorical legend section: the colours of ``column`` of ``type_id`` drawn as ``shape``
    (``box``, ``line`` or ``circle``)."""

    type_id: str
    column: str
    shape: str


@dataclass(frozen=True)
class Export:
    """Where a theme's layers go in the GeoPackage and the QGIS project
    (:mod:`gisplan.export.gpkg`): the project ``group`` (``"forest"``) and its Vietnamese
    ``title``; the indicator ``tables`` of the group besides the theme's own (table ids, or
    ``fnmatch`` patterns such as ``"canopy_*"``; the most specific pattern of any theme wins); the
    ``choropleth`` tables classed like the theme's map (its scheme's column, the web and print
    classes); the catalog ``layers`` copied as they are into the group, styled by their layer type."""

    group: str
    title: str
    tables: tuple[str, ...] = ()
    choropleth: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Theme:
    """One themed map of the plan: everything the web map, the print map, the site, the GeoPackage
    and the CLI need to know of it. Adding a theme is one entry of :data:`THEMES` plus its two
    drawing functions."""

    id: str
    title_vi: str
    title_en: str
    print_title_vi: str
    print_title_en: str
    #: layer types the map cannot be drawn without
    layers: tuple[str, ...] = ()
    #: layer types drawn when present
    optional_layers: tuple[str, ...] = ()
    #: indicator tables (names in :class:`~gisplan.indicators.results.IndicatorResults`) the map
    #: shows: the steps :class:`gisplan.pipeline.Plan` runs before drawing it
    tables: tuple[str, ...] = ()
    scheme: Scheme | None = None
    legend: tuple[LegendEntry, ...] = ()
    #: layer types the map's numbers are computed from without being drawn (the hazard theme's DEM)
    computed_from: tuple[str, ...] = ()
    #: layer types of which the map shows the latest year only when the catalog has several (the
    #: forest cover and the lots of the last forest-status year): its date line names that year
    latest: tuple[str, ...] = ()
    #: the function of :mod:`gisplan.maps.web_themes` that draws the web map
    web: str = ""
    #: the function of :mod:`gisplan.maps.print_themes` that draws the print map
    printed: str = ""
    #: keyword options the print drawing takes (``gisplan print THEME --option key=value``)
    print_options: tuple[str, ...] = ()
    #: the theme's group of the GeoPackage and the QGIS project (None: its layers go elsewhere)
    export: Export | None = None
    #: the web map draws the forest-status parcels: the site writes their data files (cells or a
    #: PMTiles archive) once for every theme that does
    parcels: bool = False

    def source_types(self) -> tuple[str, ...]:
        """Every layer type the map draws or computes from (for its source line)."""
        return tuple(dict.fromkeys((*self.layers, *self.optional_layers, *self.computed_from)))

    def title(self, lang: str = "vi", *, print_map: bool = False) -> str:
        """The web title (``print_map=False``) or the capitalised print title."""
        if print_map:
            return self.print_title_vi if lang == "vi" else self.print_title_en
        return self.title_vi if lang == "vi" else self.title_en


_REFERENCE = ("province", "communes")


def _one_layer(theme_id: str, titles: tuple[str, str, str, str], entry: LegendEntry, *more: LegendEntry,
               also: tuple[str, ...] = (), web: str, printed: str, export: Export | None = None) -> Theme:
    """A theme that needs the one layer of its first legend ``entry`` (coloured by the categories
    of that column), drawn over the reference layers and ``also`` when present; ``titles`` are
    the web and print titles, Vietnamese then English."""
    return Theme(theme_id, *titles, layers=(entry.type_id,), optional_layers=(*_REFERENCE, *also),
                 legend=(entry, *more), web=web, printed=printed, export=export)


_FOREST = "Rừng"
#: forest cover (%) in round classes of 20 points: the same classes every year and in every province
FOREST_COVER_BREAKS = (0.0, 20.0, 40.0, 60.0, 80.0, 100.0)
#: share of a commune in the high and very high susceptibility classes (%), in round classes
EXPOSED_BREAKS = (0.0, 5.0, 10.0, 25.0, 50.0, 100.0)
THEMES: dict[str, Theme] = {t.id: t for t in (
    Theme("overview", "Tổng quan các lớp dữ liệu môi trường", "Overview of the plan's layers",
          "BẢN ĐỒ TỔNG QUAN CÁC LỚP DỮ LIỆU MÔI TRƯỜNG", "OVERVIEW OF THE PLAN'S LAYERS",
          optional_layers=(*_REFERENCE, "protected_areas", "urban_areas", "industrial_zones", "river_sections",
                           "mines", "waste_sites", "monitoring_stations"),
          legend=(LegendEntry("protected_areas", "category", "box"), LegendEntry("urban_areas", "urban_class", "box"),
                  LegendEntry("industrial_zones", "wwtp_status", "box"),
                  LegendEntry("river_sections", "qcvn_class", "line"), LegendEntry("mines", "licence_status", "circle"),
                  LegendEntry("waste_sites", "site_type", "circle"),
                  LegendEntry("monitoring_stations", "medium", "circle")),
          web="overview", printed="overview"),
    Theme("forest_cover", "Tỷ lệ che phủ rừng theo xã, phường", "Forest cover by commune/ward",
          "BẢN ĐỒ TỶ LỆ CHE PHỦ RỪNG THEO XÃ, PHƯỜNG", "FOREST COVER BY COMMUNE/WARD",
          layers=("communes",), optional_layers=("province", "forest_status", "protected_areas"),
          tables=("forest_cover_communes",), scheme=Scheme("forest_pct", 5, "forest", "%", breaks=FOREST_COVER_BREAKS),
          web="forest_cover", printed="choropleth", parcels=True, latest=("forest_status",),
          export=Export("forest", _FOREST, tables=("forest_*", "canopy_*", "land_cover_*", "carbon_*"),
                        choropleth=("forest_cover_communes", "canopy_forest_cover_*", "land_cover_forest_*"))),
    # the forest-status lots as forest offices map them: each lot in the standard colour of its status
    # code; printed for one commune with every lot labelled (--option commune=CODE)
    Theme("forest_status", "Hiện trạng rừng theo lô", "Forest status by lot",
          "BẢN ĐỒ HIỆN TRẠNG RỪNG", "FOREST STATUS MAP",
          layers=("forest_status",), optional_layers=("province", "communes"),
          web="forest_status", printed="status_lots",
          print_options=("commune",), parcels=True, latest=("forest_status",),
          export=Export("forest", _FOREST, layers=("forest_status",))),
    Theme("protected_areas", "Khu bảo tồn thiên nhiên và các điểm xung đột", "Protected areas and conflicts",
          "BẢN ĐỒ KHU BẢO TỒN THIÊN NHIÊN VÀ CÁC ĐIỂM XUNG ĐỘT", "PROTECTED AREAS AND CONFLICTS",
          layers=("protected_areas",), optional_layers=(*_REFERENCE, "mines", "industrial_zones"),
          tables=("conflicts",), legend=(LegendEntry("protected_areas", "zone", "box"),),
          web="protected_areas", printed="protected_areas",
          export=Export("protected", "Khu bảo tồn",
                        tables=("protected_areas", "conflicts", "forest_cover_protected_areas",
                                "forest_change_protected_areas", "canopy_change_protected_areas_*"))),
    _one_layer("mines", ("Mỏ khoáng sản theo tình trạng giấy phép", "Mines by licence status",
                         "BẢN ĐỒ MỎ KHOÁNG SẢN THEO TÌNH TRẠNG GIẤY PHÉP", "MINES BY LICENCE STATUS"),
               LegendEntry("mines", "licence_status", "circle"), also=("river_sections",), web="mines",
               printed="points", export=Export("mines", "Khoáng sản",
                                               tables=("expired_mines", "riverbed_mines", "mines_to_close"))),
    _one_layer("industry", ("Khu, cụm công nghiệp và xử lý nước thải tập trung",
                            "Industrial zones and wastewater treatment",
                            "BẢN ĐỒ KHU, CỤM CÔNG NGHIỆP VÀ XỬ LÝ NƯỚC THẢI TẬP TRUNG",
                            "INDUSTRIAL ZONES AND WASTEWATER TREATMENT"),
               LegendEntry("industrial_zones", "wwtp_status", "box"), LegendEntry("river_sections", "qcvn_class", "line"),
               also=("river_sections",), web="industry", printed="industry",
               export=Export("industry", "Khu, cụm công nghiệp", tables=("zones_*",))),
    _one_layer("rivers", ("Chất lượng nước sông (QCVN 08:2023, VN_WQI)", "River water quality (QCVN 08:2023, VN_WQI)",
                          "BẢN ĐỒ CHẤT LƯỢNG NƯỚC SÔNG THEO QCVN 08:2023/BTNMT", "RIVER WATER QUALITY (QCVN 08:2023)"),
               LegendEntry("river_sections", "qcvn_class", "line"), also=("monitoring_stations",), web="rivers",
               printed="rivers", export=Export("water", "Nước mặt", tables=("river_*", "pressures_*"),
                                               layers=("river_sections",))),
    _one_layer("waste", ("Bãi chôn lấp và khu xử lý chất thải rắn", "Landfills and waste-treatment sites",
                         "BẢN ĐỒ BÃI CHÔN LẤP VÀ KHU XỬ LÝ CHẤT THẢI RẮN", "LANDFILLS AND WASTE-TREATMENT SITES"),
               LegendEntry("waste_sites", "site_type", "circle"), web="waste", printed="points",
               export=Export("waste", "Chất thải rắn", tables=("waste_*",))),
    Theme("air", "Quan trắc không khí tại các đô thị", "Air-quality monitoring in towns",
          "BẢN ĐỒ QUAN TRẮC KHÔNG KHÍ TẠI CÁC ĐÔ THỊ", "AIR-QUALITY MONITORING IN TOWNS",
          layers=("urban_areas", "monitoring_stations"), optional_layers=_REFERENCE, tables=("air_monitoring",),
          legend=(LegendEntry("urban_areas", "urban_class", "box"),), web="air", printed="air",
          export=Export("air", "Không khí", tables=("air_*",), layers=("monitoring_stations",))),
    Theme("forest_change", "Biến động rừng giữa hai kỳ", "Forest change between two years",
          "BẢN ĐỒ BIẾN ĐỘNG RỪNG THEO XÃ, PHƯỜNG", "FOREST CHANGE BY COMMUNE/WARD",
          layers=("communes",), optional_layers=("province", "forest_status"),
          tables=("forest_change_communes",), scheme=Scheme("net_ha", 6, "change", "ha", center=0.0),
          web="forest_change", printed="choropleth",
          export=Export("forest", _FOREST, choropleth=("forest_change_communes", "canopy_change_[0-9]*"))),
    # landslide / flash-flood susceptibility classes (raster from the catalog's dem) and the share of
    # each commune in the high and very high classes
    Theme("hazard", "Nhạy cảm sạt lở đất, lũ quét theo xã, phường", "Landslide and flash-flood susceptibility",
          "BẢN ĐỒ MỨC ĐỘ NHẠY CẢM SẠT LỞ ĐẤT, LŨ QUÉT", "LANDSLIDE AND FLASH-FLOOD SUSCEPTIBILITY",
          layers=("communes",), optional_layers=("province", "hazard_events", "urban_areas", "river_sections", "roads"),
          tables=("hazard_landslide_communes", "hazard_flash_flood_communes"),
          scheme=Scheme("exposed_pct", 5, "loss", "%", breaks=EXPOSED_BREAKS), computed_from=("dem", "land_cover"),
          web="hazard", printed="hazard", print_options=("hazard",),
          export=Export("hazard", "Thiên tai", tables=("hazard_*", "terrain_*"),
                        choropleth=("hazard_landslide_communes", "hazard_flash_flood_communes"))),
)}
#: the hazards of the hazard theme, in layer-control order (the first shown)
HAZARD_LAYERS = ("landslide", "flash_flood")
HAZARD_TITLES = {"landslide": ("Sạt lở đất", "Landslide"), "flash_flood": ("Lũ quét", "Flash flood")}


def theme_ids() -> list[str]:
    """The theme ids in registry order (the CLI's choices, the site's cards)."""
    return list(THEMES)


def get_theme(theme: str | Theme) -> Theme:
    """The registry entry of ``theme``.

    Raises
    ------
    OptionError naming the known themes when ``theme`` is not one of them.
    """
    if isinstance(theme, Theme):
        return theme
    try:
        return THEMES[theme]
    except (KeyError, TypeError):
        raise OptionError(f"unknown theme {theme!r}; themes: {', '.join(THEMES)}") from None


# ---------------------------------------------------------------------------------------------
def _specificity(pattern: str, name: str) -> tuple[int, int] | None:
    """How closely ``pattern`` (a table id or an ``fnmatch`` pattern) names ``name``: an id before
    any pattern, then the longer pattern; None when it does not match."""
    if pattern == name:
        return (1, len(pattern))
    if any(ch in pattern for ch in "*?[") and fnmatch.fnmatchcase(name, pattern):
        return (0, len(pattern))
    return None


def _best(name: str, attr: str) -> Theme | None:
    best, score = None, None
    for spec in THEMES.values():
        for pattern in getattr(spec.export, attr, None) or ():
            s = _specificity(pattern, name)
            if s is not None and (score is None or s > score):
                best, score = spec, s
    return best


def export_group(name: str) -> Export | None:
    """The GeoPackage group of the indicator table ``name`` (or of a layer copied from the catalog):
    the theme whose export names it (a theme's own tables, its ``tables`` and ``layers``), the
    most specific name winning; None for a table of no theme."""
    best, score = None, None
    for spec in THEMES.values():
        if spec.export is None:
            continue
        for pattern in (*spec.tables, *spec.export.tables, *spec.export.choropleth, *spec.export.layers):
            s = _specificity(pattern, name)
            if s is not None and (score is None or s > score):
                best, score = spec.export, s
    return best


def choropleth_theme(name: str) -> Theme | None:
    """The theme whose classes the indicator table ``name`` is drawn with in the GeoPackage (its
    export's ``choropleth``), or None."""
    return _best(name, "choropleth")


def export_groups() -> dict[str, str]:
    """``{group: Vietnamese title}`` of the themes' export groups, in registry order."""
    return {spec.export.group: spec.export.title for spec in THEMES.values() if spec.export is not None}


def copied_layers() -> list[str]:
    """The catalog layer types the GeoPackage holds as they are (the themes' export ``layers``)."""
    return list(dict.fromkeys(t for spec in THEMES.values() if spec.export is not None for t in spec.export.layers))


# ---------------------------------------------------------------------------------------------
def make_store(catalog: Catalog | None = None, layers: Mapping[str, gpd.GeoDataFrame] | None = None,
               store=None):
    """The layer store a map reads from: ``store`` when given, else one over ``catalog`` and the
    caller's ``layers`` (default catalog when neither is given)."""
    if store is not None:
        return store
    if catalog is None and layers is None:
        catalog = load_catalog()
    return LayerStore(catalog, layers=layers)


def missing_layers(theme: str | Theme, store, *, what: str = "map") -> DataMissingError:
    """The error for a theme whose layers are absent: names the layer types missing from the
    store's catalog and what to add (``reason_vi`` holds the Vietnamese wording)."""
    spec = get_theme(theme)
    missing = [t for t in spec.layers if store.optional(t) is None] or list(spec.layers)
    catalog = getattr(store, "catalog", None)
    where = f" ({catalog.path})" if catalog is not None and getattr(catalog, "path", None) else ""
    names = " and ".join(f"'{t}'" for t in missing)
    many = len(missing) > 1
    exc = DataMissingError(f"the {spec.id} {what} needs the {names} layer{'s' if many else ''}: "
                           f"add {'layers' if many else 'a layer'} of type {names} to the catalog{where}")
    exc.reason_vi = "thiếu lớp " + ", ".join(layer_type(store, t).title("vi") for t in missing)
    return exc


def layer_type(store, type_id: str) -> LayerType:
    """The layer type, from the store's catalog (its own ``types.toml``) when there is one, else
    the packaged ``layers/types.toml``: titles, labels, colours, codes and id columns come from here."""
    catalog = getattr(store, "catalog", None)
    return catalog.layer_type(type_id) if catalog is not None else load_layer_types()[type_id]


def with_columns(gdf: gpd.GeoDataFrame | None, lt: LayerType | str) -> gpd.GeoDataFrame | None:
    """A copy of ``gdf`` with every attribute of the layer type ``lt`` (a type id: the packaged
    one) it lacks (optional columns) added as missing values, so drawing code can read any
    column; the caller's frame is unchanged."""
    if gdf is None:
        return None
    lt = load_layer_types()[lt] if isinstance(lt, str) else lt
    missing = [c for c in lt.attributes if c not in gdf.columns]
    if not missing:
        return gdf
    out = gdf.copy()
    for col in missing:
        out[col] = pd.Series([None] * len(out), index=out.index, dtype=object)
    return out


def require(store, type_id: str, theme: str | Theme, *, what: str = "map") -> gpd.GeoDataFrame:
    """The layer ``type_id`` a ``theme`` cannot be drawn without, with every attribute of its
    type (see :func:`with_columns`); :func:`missing_layers`' error when the store has none."""
    gdf = store.optional(type_id)
    if gdf is None:
        raise missing_layers(theme, store, what=what)
    return with_columns(gdf, layer_type(store, type_id))


def is_missing(value) -> bool:
    """True for None, NaN, NaT and pandas.NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------------------------------------
def option(results, key: str) -> float:
    """The indicator option ``key`` (a field of
    :class:`~gisplan.indicators.options.IndicatorOptions`, e.g. ``"buffer_m"``) the results were
    computed with: ``results.options``, else ``results.meta["options"][key]`` (results put
    together by hand or read back), else the default of ``IndicatorOptions``."""
    opts = getattr(results, "options", None)
    if isinstance(opts, IndicatorOptions):
        return float(getattr(opts, key))
    meta = getattr(results, "meta", None) or {}
    for src in (meta, meta.get("options") or {}):
        if isinstance(src, Mapping) and src.get(key) is not None:
            return float(src[key])
    return float(getattr(DEFAULTS, key))


#: why a map shows no indicator when it was drawn without results
NOT_COMPUTED = {"vi": "chưa tính chỉ tiêu (vẽ bản đồ qua gisplan.open(danh_mục).map(…))",
                "en": "indicators not computed (draw the map through gisplan.open(catalog).map(…))"}


def indicator(name: str, *, results=None) -> pd.DataFrame | None:
    """The indicator table ``name`` a map shows, from ``results``; None when the results lack it
    (skipped for absent data, or not computed). Maps compute no indicator: the plan
    (:class:`gisplan.pipeline.Plan`) runs the steps of a theme's tables before drawing it."""
    return indicator_and_reason(name, results=results)[0]


def indicator_and_reason(name: str, *, results=None, lang: str = "vi",
                         store=None) -> tuple[pd.DataFrame | None, str | None]:
    """Like :func:`indicator`, with why the table is absent (None when it is there): the
    results' skip reason in a map reader's words (:func:`plain_reason`; the layer titles from
    ``store``'s catalog), or that the indicators were not computed."""
    tables = getattr(results, "tables", None) or {}
    if name in tables:
        return tables[name], None
    if name in (getattr(results, "skipped", None) or {}):
        return None, plain_reason(name, results, store, lang)
    return None, NOT_COMPUTED["vi" if lang == "vi" else "en"]


def hazard_result(results, hazard: str):
    """The susceptibility the indicators computed for ``hazard`` (``results.grids``); raises
    DataMissingError (with ``reason_vi``) when the results lack it: the DEM, or pysheds for
    flash floods, was absent (the skip reason), or the indicators were not computed."""
    grid = (getattr(results, "grids", None) or {}).get("susceptibility")
    if grid is not None and hazard in grid.classes:
        return grid
    table = f"hazard_{hazard}_communes"
    if table in (getattr(results, "skipped", None) or {}):
        raise data_missing(results.skipped[table], plain_reason(table, results, None, "vi"))
    raise data_missing(f"the {hazard} susceptibility is not in the results: {NOT_COMPUTED['en']}",
                       f"kết quả không có mức độ nhạy cảm {hazard}: {NOT_COMPUTED['vi']}")


def hazard_classes(store, results, hazard: str):
    """(class raster of ``hazard`` with the cells outside the communes set to 0 (no data), the
    susceptibility) — what the maps draw: the grid reaches beyond the province by the model's
    margin. The masked raster is kept in ``store.derived`` for every map drawn from the store."""
    result = hazard_result(results, hazard)
    key = ("hazard_classes", hazard, id(result))
    derived = getattr(store, "derived", None)
    if isinstance(derived, dict) and key in derived:
        return derived[key], result
    cls = result.classes[hazard]
    area = shapely.union_all(in_crs(store.get("communes"), result.crs).geometry.values)
    outside = geometry_mask([area], out_shape=cls.shape, transform=result.transform)
    out = cls.copy()
    out[outside] = 0
    if isinstance(derived, dict):
        derived[key] = out
    return out, result


def theme_entries(theme: str | Theme, catalog, type_id: str) -> list:
    """The catalog entries of ``type_id`` that ``theme``'s map draws or computes from: those a run
    uses (:func:`gisplan.layer_sets.used_entries`), the last year alone for a type of
    :attr:`Theme.latest`."""
    entries = used_entries(catalog, type_id)
    if type_id in get_theme(theme).latest and entries:  # the map shows the last year only
        entries = [max(entries, key=lambda e: (e.year or 0, str(e.date or "")))]
    return entries


def theme_sources(theme: str, catalog, lang: str = "vi") -> list[str]:
    """The sources of the catalog layers ``theme`` draws or computes from, each once, followed by
    the layers it covers: ``"NASA/USGS SRTM-3 … (Mô hình số độ cao (DEM) 2000)"``. Layers whose
    file is absent are left out; a layer without a stated source says so."""
    if catalog is None:
        return []
    groups: dict[str, list[str]] = {}
    for type_id in get_theme(theme).source_types():
        if type_id not in catalog.types:
            continue
        for e in theme_entries(theme, catalog, type_id):  # the layers the map draws
            title = (e.title_vi if lang == "vi" else e.title_en) or catalog.layer_type(e.type).title(lang)
            name = f"{title} {e.year}" if e.year else title
            source = e.source.strip() or ("nguồn chưa ghi" if lang == "vi" else "source not stated")
            if name not in groups.setdefault(source, []):
                groups[source].append(name)
    return [f"{source} ({', '.join(names)})" for source, names in groups.items()]


def theme_dates(theme: str | Theme, catalog, lang: str = "vi", *, most: int = 3) -> str:
    """When the data of ``theme``'s map were made, for its title block: each layer type it draws
    or computes from, boundaries aside, with the dates (or years) of its catalog entries
    (``"Số liệu: Hiện trạng rừng 31/12/2020, 31/12/2024"``; the entries of :func:`theme_entries`):
    what its numbers are computed from
    first, then what it draws; past ``most`` layer types, "…". Entries without a date or year, or whose
    file is absent, are left out; "" when nothing is dated."""
    if catalog is None:
        return ""
    spec = get_theme(theme)
    # what the numbers are computed from first, then what the map needs, then what it adds
    order = dict.fromkeys((*spec.computed_from, *spec.layers, *spec.optional_layers))
    types = [t for t in order if t not in REFERENCE_TYPES]
    if not types:  # a map of the boundaries alone
        types = [t for t in ("communes", "province") if t in spec.source_types()][:1]
    dated: dict[str, list[str]] = {}
    for type_id in types:
        if type_id not in catalog.types:
            continue
        for e in theme_entries(spec, catalog, type_id):
            if not e.path.exists() or not (e.date or e.year):
                continue
            when = _dmy(e.date) if e.date else str(e.year)
            title = catalog.layer_type(e.type).title(lang)
            if when not in dated.setdefault(title, []):
                dated[title].append(when)
    if not dated:
        return ""
    items = [f"{title} {', '.join(when)}" for title, when in dated.items()]
    more = " · …" if len(items) > most else ""
    return f"{'Số liệu' if lang == 'vi' else 'Data'}: " + " · ".join(items[:most]) + more


def _dmy(text: str) -> str:
    """``"2025-07-01"`` → ``"01/07/2025"``; anything else unchanged."""
    parts = text.split("-")
    return "/".join(reversed(parts)) if len(parts) == 3 and all(p.isdigit() for p in parts) else text


def communes_with(communes, table: pd.DataFrame | None, fill: Sequence[str] = ()):
    """``communes`` with the columns of an indicator ``table`` joined on ``code`` (features the
    table lacks keep NaN). The table's values win over a commune column of the same name (the
    indicator's population, not a second copy); without a table, the ``fill`` columns are NaN."""
    if table is None:
        return communes.assign(**{c: float("nan") for c in fill if c not in communes.columns and c != "name"})
    values = table.drop(columns=["name"], errors="ignore")
    shared = [c for c in values.columns if c in communes.columns and c != "code"]
    return communes.drop(columns=shared).merge(values, on="code", how="left")


def skip_reason(name: str, results, lang: str = "vi") -> str | None:
    """Why the results skipped ``name`` (Vietnamese when the results carry ``skipped_vi``): the
    technical reason, for the metadata and the workbook (maps say :func:`plain_reason`)."""
    if results is None:
        return None
    if lang == "vi":
        vi = getattr(results, "skipped_vi", None) or {}
        if name in vi:
            return vi[name]
    return (getattr(results, "skipped", None) or {}).get(name)


def plain_reason(name: str, results, store=None, lang: str = "vi") -> str | None:
    """Why the results skipped ``name`` in the words of a map's reader: the layers that would let
    it be computed (``"cần lớp Hiện trạng rừng"``), else the run's plain reason, else the
    Vietnamese reason; None when it was not skipped. No layer id, file path or install command
    when the run knows the plain words."""
    if results is None or name not in (getattr(results, "skipped", None) or {}):
        return None
    vi = lang == "vi"
    layers = (getattr(results, "skipped_layers", None) or {}).get(name, ())
    if layers:
        titles = ", ".join(layer_type(store, t).title(lang) for t in layers)
        return f"cần lớp {titles}" if vi else f"needs the layer {titles}"
    public = (getattr(results, "skipped_public", None) or {}).get(name)
    if public and vi:
        return public
    return skip_reason(name, results, lang)


#: layer types drawn for orientation, never what a map is about
REFERENCE_TYPES = ("province", "communes", "communes_pre2025")


def require_data(theme: str | Theme, store, results, *, what: str = "map") -> None:
    """Refuse a map that would show no data anywhere: a layer the theme needs is absent
    (:func:`missing_layers`); a choropleth none of whose tables holds a value of its column (every
    commune would be grey); a theme of optional layers only (the overview) none of which, not
    even a boundary, is present. The :class:`DataMissingError` says which layers would fill the map: in ``layers``
    (type ids), in English (its message, with the technical reason) and in plain Vietnamese
    (``reason_vi``; ``detail_vi`` the technical Vietnamese reason)."""
    spec = get_theme(theme)
    if any(store.optional(t) is None for t in spec.layers):
        raise missing_layers(spec, store, what=what)
    tables = getattr(results, "tables", None) or {}
    if spec.scheme is not None:
        col = spec.scheme.column
        if any(name in tables and col in tables[name] and tables[name][col].notna().any() for name in spec.tables):
            return
        layers = tuple(dict.fromkeys(t for name in spec.tables
                                     for t in (getattr(results, "skipped_layers", None) or {}).get(name, ())))
        detail_en = "; ".join(f"{name}: {skip_reason(name, results, 'en') or NOT_COMPUTED['en']}" for name in spec.tables)
        detail_vi = "; ".join(f"{name}: {skip_reason(name, results, 'vi') or NOT_COMPUTED['vi']}" for name in spec.tables)
    elif not spec.layers:
        if any(store.optional(t) is not None for t in spec.source_types()):
            return
        layers = tuple(dict.fromkeys(e.type_id for e in spec.legend)) or spec.source_types()
        detail_en = detail_vi = ""
    else:
        return
    if not layers:  # what the theme draws or computes from that the catalog lacks
        layers = tuple(t for t in spec.source_types() if t not in REFERENCE_TYPES and store.optional(t) is None)
    catalog = getattr(store, "catalog", None)
    where = f" ({catalog.path})" if catalog is not None and getattr(catalog, "path", None) else ""
    names = ", ".join(f"'{t}'" for t in layers)
    fill = f"; add a layer of type {names} to the catalog{where}" if layers else ""
    exc = data_missing(f"the {spec.id} {what} would show no data anywhere"
                       f"{': ' + detail_en if detail_en else ''}{fill}",
                       "chưa có số liệu để lập bản đồ này"
                       + (f": cần lớp {', '.join(layer_type(store, t).title('vi') for t in layers)}" if layers else ""),
                       layers=layers)
    exc.detail_vi = detail_vi
    raise exc


def format_distance(metres: float, lang: str = "vi") -> str:
    """A distance for labels: ``"500 m"``, ``"1 km"``, ``"1,5 km"`` (``"1.5 km"`` in English)."""
    if metres < 1000:
        return f"{fmt_number(metres, lang, 0)} m"
    text = fmt_number(metres / 1000, lang, 2)
    sep = "," if lang == "vi" else "."
    return f"{text.rstrip('0').rstrip(sep) if sep in text else text} km"


def theme_classes(theme: str | Theme, values, lang: str = "vi", *, store=None):
    """The choropleth classes of ``theme`` for ``values`` (the scheme's round ``breaks``, else
    deterministic Fisher–Jenks edges: the same data give the same classes on the web map, the
    print map and every run). With a layer
    ``store``, classes are computed once per run and data (kept in ``store.derived``) and reused
    by every map drawn from it."""
    spec = get_theme(theme)
    scheme = spec.scheme
    if scheme is None:
        raise GisplanError(f"theme {spec.id} has no choropleth")
    derived = getattr(store, "derived", None)
    key = None
    if isinstance(derived, dict):
        v = np.asarray(values, dtype=float)
        key = ("classes", spec.id, lang, v.tobytes())
        if key in derived:
            return derived[key]
    classes = classify(values, k=scheme.k, palette=scheme.palette, unit=scheme.unit, decimals=scheme.decimals,
                       center=scheme.center, lang=lang, breaks=scheme.breaks)
    if key is not None:
        derived[key] = classes
    return classes
