"""Every indicator that has a place, as a styled GeoPackage layer (EPSG:9213).

:func:`indicator_layers` joins each indicator table back to the geometry it is about — communes
and the province by ``code``, protected areas by ``pa_id`` (the part in the study area, as the
indicators measure it), mines, industrial zones, waste sites, towns and river sections by their
id, rivers by name — and draws each conflict as the shortest line between the site and the
protected area. Tables with no place (the 2030 target tracker, the wastewater summary) are
attribute tables. Field names and values are those of the CSVs (the same rounding).

:func:`write_geopackage` writes them all to one GeoPackage with a default style per layer (QML and
SLD in ``layer_styles``, from the theme registry and ``layers/types.toml``: the classes and
colours of the web and print maps, field aliases in the language of the export from
:mod:`gisplan.tables`, labels on names), atomically.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from gisplan._atomic import OutputFolder, catalog_inputs
from gisplan.crs import TARGET_CRS
from gisplan.errors import DataMissingError
from gisplan.export.styles import LayerStyle, StyleCategory, classes_from_edges, write_layer_styles
from gisplan.forest_codes import status_codes
from gisplan.maps.style import NO_DATA_COLOR, categories, no_data
from gisplan.maps.themes import (
    choropleth_theme,
    copied_layers,
    export_group,
    export_groups,
    layer_type,
    theme_classes,
)
from gisplan.overlay import protected_area_units
from gisplan.reports import round_table
from gisplan.tables import column_titles, table_titles
from gisplan.vocabulary import CONFLICT_SITES, wqi_band

GPKG = "gisplan_chi_tieu.gpkg"

#: the group of the tables with no place (QGIS project), after the themes' groups
TABLES_GROUP = ("tables", "Bảng không có vị trí")
#: layer types whose id column (``id_column`` of the catalog's types) names the place of a row
_PLACE_TYPES = ("mines", "industrial_zones", "waste_sites", "urban_areas", "river_sections")


@dataclass(frozen=True)
class ExportLayer:
    """One layer of the GeoPackage: its data (GeoDataFrame, or DataFrame for a table with no
    place), the QGIS group and title, and its style (None for attribute tables)."""

    name: str
    data: pd.DataFrame
    group: str
    title: str
    style: LayerStyle | None


def group_of(name: str, *, placed: bool = True) -> str:
    """The project group of a layer: the export group of the theme that names it
    (:attr:`Theme.export <gisplan.maps.themes.Theme.export>`, e.g. ``"forest"``), or ``"tables"``
    for a table with no place (``placed=False``) or of no theme."""
    group = export_group(name) if placed else None
    return group.group if group is not None else TABLES_GROUP[0]


def indicator_layers(results, store, *, lang: str = "vi") -> list[ExportLayer]:
    """Every indicator table of ``results`` joined to its geometry from ``store`` (a
    :class:`gisplan.store.LayerStore`), plus the river sections with their class and index and
    the monitoring stations. Values rounded as in the CSVs."""
    out = []
    for name, table in results.tables.items():
        table = round_table(table)
        geom = _place(name, table, store)
        data = table if geom is None else gpd.GeoDataFrame(table, geometry=geom, crs=TARGET_CRS)
        title = table_titles(name)[1 if lang == "vi" else 2]
        style = None if geom is None else _style(name, data, store, lang)
        out.append(ExportLayer(name, data, group_of(name, placed=geom is not None), title, style))
    for type_id in copied_layers():
        gdf = store.optional(type_id)
        if gdf is None:
            continue
        lt = layer_type(store, type_id)
        data = round_table(_with_wqi_band(gdf) if type_id == "river_sections" else gdf)
        data = data[[c for c in data.columns if c in lt.attributes or c in ("wqi_band", data.geometry.name)]]
        title = lt.title(lang)
        out.append(ExportLayer(type_id, data, group_of(type_id), title, _style(type_id, data, store, lang)))
    return out


def write_geopackage(results, store, path: str | os.PathLike, *, lang: str = "vi",
                     overwrite: bool = False, layers: list[ExportLayer] | None = None) -> Path:
    """Write :func:`indicator_layers` to one GeoPackage with their default styles.

    The file is built beside ``path`` under a temporary name and moved into place when complete,
    and listed in the folder's manifest; an existing ``path`` is replaced only with
    ``overwrite=True`` and only when gisplan wrote it; a layer file of the catalog is never
    written onto.

    Returns
    -------
    The path written.
    """
    path = Path(path)
    if layers is None:
        layers = indicator_layers(results, store, lang=lang)
    inputs = catalog_inputs(store.catalog) if getattr(store, "catalog", None) is not None else ()
    with OutputFolder(path.parent, inputs=inputs, overwrite=overwrite) as folder:
        with folder.write(path.name) as tmp:
            for layer in layers:
                _write(layer, tmp)
            write_layer_styles(tmp, {ly.name: ly.style for ly in layers if ly.style is not None})
    return path


def _write(layer: ExportLayer, path: Path) -> None:
    data = layer.data
    for col in data.columns:  # GeoPackage has no boolean-with-missing: keep them as text
        if str(data[col].dtype) == "boolean" or (data[col].dtype == object and _is_bool(data[col])):
            data = data.assign(**{col: data[col].map(lambda v: None if pd.isna(v) else bool(v))})
        elif data[col].dtype == object and data[col].isna().any():  # pd.NA would be written as "<NA>"
            data = data.assign(**{col: data[col].where(data[col].notna(), None)})
    # GeoPackage 1.2: what QGIS 3.22 / GDAL 3.6 (Debian 12) read without a warning
    kw = dict(layer=layer.name, driver="GPKG", append=path.exists(), layer_options={"DESCRIPTION": layer.title},
              dataset_options=None if path.exists() else {"VERSION": "1.2"})
    if isinstance(data, gpd.GeoDataFrame):
        pyogrio.write_dataframe(data, path, **kw)
    else:
        pyogrio.write_dataframe(pd.DataFrame(data), path, **kw)


def _is_bool(s: pd.Series) -> bool:
    """Whether an object column holds booleans (and missing values) only, at least one."""
    return pd.api.types.infer_dtype(s, skipna=True) == "boolean"


# ------------------------------------------------------------------------------- geometry
def _place(name: str, table: pd.DataFrame, store) -> np.ndarray | None:
    """The geometry of each row of ``table`` (EPSG:9213), or None for a table with no place."""
    if name == "conflicts":
        return _conflict_lines(table, store)
    cols = list(table.columns)
    if "code" in cols:
        for type_id in ("communes", "province"):
            g = _lookup(store, type_id, "code", table["code"])
            if g is not None:
                return g
        return None
    if "pa_id" in cols:
        units = _pa_units(store)
        return None if units is None else _match(units, "pa_id", table["pa_id"])
    places = _places(store)
    for col in cols:
        if col in places:
            g = _lookup(store, places[col], col, table[col])
            if g is not None:
                return g
    if "river_name" in cols and name.startswith("river_quality"):
        rivers = store.optional("river_sections")
        if rivers is None:
            return None
        merged = rivers.dissolve("river_name").geometry
        return merged.reindex(table["river_name"]).to_numpy()
    return None


def _places(store) -> dict[str, str]:
    """{id column: layer type} of the layer types rows are placed by (from the catalog's types)."""
    return {layer_type(store, t).id_column: t for t in _PLACE_TYPES}


def _lookup(store, type_id: str, key: str, ids: pd.Series) -> np.ndarray | None:
    try:
        gdf = store.optional(type_id)
    except DataMissingError:
        return None
    if gdf is None or key not in gdf.columns or not set(ids.astype(str)) <= set(gdf[key].astype(str)):
        return None
    return _match(gdf, key, ids)


def _match(gdf: gpd.GeoDataFrame, key: str, ids: pd.Series) -> np.ndarray:
    by = pd.Series(gdf.geometry.to_numpy(), index=gdf[key].astype(str))
    by = by[~by.index.duplicated()]
    return by.reindex(ids.astype(str)).to_numpy()


def _pa_units(store) -> gpd.GeoDataFrame | None:
    return store.protected_area_units() if store.optional("protected_areas") is not None else None


def _conflict_lines(table: pd.DataFrame, store) -> np.ndarray | None:
    """The shortest line from each site to its protected area (a point where the site is inside),
    the area as mapped and whole, as the run measures conflicts (an area across the provincial
    border counts)."""
    if store.optional("protected_areas") is None or not len(table):
        return None
    units = protected_area_units(store.unclipped("protected_areas"))
    pa = _match(units, "pa_id", table["pa_id"])
    site = np.empty(len(table), dtype=object)
    for site_type, type_id in CONFLICT_SITES.items():
        rows = (table["site_type"] == site_type).to_numpy()
        if rows.any():
            g = _lookup(store, type_id, layer_type(store, type_id).id_column, table.loc[rows, "site_id"])
            if g is not None:
                site[rows] = g
    ok = np.array([a is not None and b is not None for a, b in zip(site, pa, strict=True)])
    lines = np.full(len(table), None, dtype=object)
    lines[ok] = shapely.shortest_line(site[ok], pa[ok])
    return lines


def _with_wqi_band(rivers: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if "wqi" not in rivers.columns:
        return rivers
    return rivers.assign(wqi_band=wqi_band(rivers["wqi"]))


# --------------------------------------------------------------------------------- styles
def _geometry_kind(gdf: gpd.GeoDataFrame) -> str:
    types = set(gdf.geometry.dropna().geom_type)
    if types & {"Polygon", "MultiPolygon"}:
        return "polygon"
    if types & {"LineString", "MultiLineString"}:
        return "line"
    return "point"


def _aliases(name: str, data: pd.DataFrame, lang: str = "vi", lt=None) -> dict[str, str]:
    """{field: title in ``lang``} of the fields of layer ``name``: the titles' registry, then the
    attribute titles of its layer type ``lt`` (a layer copied from the catalog)."""
    heads = column_titles(name, lang)
    if lt is not None:
        heads = {**{c: a.title(lang) for c, a in lt.attributes.items()}, **heads}
    return {c: heads[c] for c in data.columns if c in heads}


def _style(name: str, gdf: gpd.GeoDataFrame, store, lang: str) -> LayerStyle:
    kind = _geometry_kind(gdf)
    own = layer_type(store, name) if name in copied_layers() else None
    common = dict(geometry=kind, aliases=_aliases(name, gdf, lang, own), no_data=(no_data(lang), NO_DATA_COLOR),
                  label_field="name" if "name" in gdf.columns else None)
    theme = choropleth_theme(name)
    if theme is not None and theme.scheme.column in gdf.columns:  # classed as on the theme's maps
        column = theme.scheme.column
        cl = theme_classes(theme, gdf[column], lang=lang)
        return LayerStyle("graduated", column=column, title=name,
                          classes=classes_from_edges(cl.edges, cl.colors, cl.labels), **common)
    if name == "conflicts":
        return LayerStyle("single", color="#d7191c", dashed=True, title=name, **common)
    if name == "forest_status" and "status_code" in gdf.columns:  # lots of an FRMS export: the standard map
        return LayerStyle("categorized", column="status_code", categories=status_categories(gdf["status_code"], lang),
                          title=name, dashed=False, **common)
    type_id = _styled_type(name, gdf, store)
    if type_id is not None:
        lt = layer_type(store, type_id)
        column = lt.style.get("column")
        if column and column in gdf.columns:
            cats = tuple(categories(lt, column, lang=lang))
            return LayerStyle("categorized", column=column, categories=cats, title=name,
                              dashed=False, **common)
    return LayerStyle("single", color="#2b8cbe" if kind == "line" else "#74a9cf", title=name, **common)


def status_categories(codes: pd.Series, lang: str = "vi") -> tuple[StyleCategory, ...]:
    """The categories of the forest-status map for the status codes present: the standard colour
    of each code (TCVN 11565:2016 Appendix E, layers/forest_status_codes.csv) and "CODE – name",
    in the order of Circular 33's list."""
    t = status_codes().table
    present = set(codes.dropna().astype(str))
    name = "name_vi" if lang == "vi" else "name_en"
    return tuple(StyleCategory(c, f"{c} – {t.at[c, name]}", t.at[c, "color"]) for c in t.index if c in present)


def _styled_type(name: str, gdf: pd.DataFrame, store) -> str | None:
    if name in copied_layers():
        return name
    if name in ("protected_areas", "forest_cover_protected_areas"):
        return "protected_areas"
    for col, type_id in _places(store).items():
        if col in gdf.columns:
            return type_id
    return None


def layer_groups(layers: list[ExportLayer] | Mapping[str, str]) -> dict[str, list[str]]:
    """{Vietnamese group title: [layer names]}: the themes' groups in registry order, then the
    tables with no place."""
    by = {ly.name: ly.group for ly in layers} if isinstance(layers, list) else dict(layers)
    groups = {**export_groups(), TABLES_GROUP[0]: TABLES_GROUP[1]}
    return {title: [n for n, gg in by.items() if gg == g] for g, title in groups.items() if g in by.values()}
