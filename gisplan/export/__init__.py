"""Results for desktop GIS: a styled GeoPackage of every indicator (:mod:`.gpkg`), its styles as
QML and SLD (:mod:`.styles`), a QGIS project (:mod:`.project`) and a Shapefile folder with
side-car styles for offices that insist on Shapefile (:func:`write_shapefiles`)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from gisplan._atomic import atomic_path, write_text
from gisplan.export.gpkg import GPKG, ExportLayer, indicator_layers, layer_groups, write_geopackage
from gisplan.export.project import qgis_python, write_qgis_project
from gisplan.export.styles import LayerStyle, to_qml, to_sld
from gisplan.io import write_layer

log = logging.getLogger(__name__)

PROJECT = "gisplan.qgz"

__all__ = ["GPKG", "PROJECT", "ExportLayer", "LayerStyle", "export_results", "indicator_layers",
           "layer_groups", "qgis_python", "to_qml", "to_sld", "write_geopackage", "write_qgis_project",
           "write_shapefiles"]


def export_results(results, store, out_dir: str | os.PathLike, *, lang: str = "vi",
                   overwrite: bool = False, project: bool | None = None) -> dict[str, Path]:
    """Write ``<out_dir>/gisplan_chi_tieu.gpkg`` and, when QGIS is available (``project=None``)
    or required (``project=True``), ``<out_dir>/gisplan.qgz``.

    Returns
    -------
    {"gpkg": path, "qgis": path} (``qgis`` only when the project was written).
    """
    out_dir = Path(out_dir)
    layers = indicator_layers(results, store, lang=lang)
    gpkg = write_geopackage(results, store, out_dir / GPKG, lang=lang, overwrite=overwrite, layers=layers)
    written = {"gpkg": gpkg}
    if project is False:
        return written
    if project is None and qgis_python() is None:
        log.info("QGIS not found: %s written without a QGIS project", gpkg)
        return written
    groups = {title: [(n, _title(layers, n)) for n in names] for title, names in layer_groups(layers).items()}
    title = (getattr(results, "meta", {}) or {}).get("title") or "gisplan"
    written["qgis"] = write_qgis_project(gpkg, out_dir / PROJECT, groups, title=title, overwrite=overwrite)
    return written


def _title(layers: list[ExportLayer], name: str) -> str:
    return next(ly.title for ly in layers if ly.name == name)


#: the geometry kinds a Shapefile holds one of
_FAMILIES = {"Point": "points", "LineString": "lines", "Polygon": "polygons"}


def write_shapefiles(results, store, out_dir: str | os.PathLike, *, lang: str = "vi",
                     overwrite: bool = False) -> list[Path]:
    """One Shapefile per indicator layer with a place in ``out_dir`` (UTF-8 ``.cpg``, EPSG:9213
    ``.prj``) and its style beside it as ``.qml`` (QGIS loads it automatically) and ``.sld``;
    tables with no place as CSV. Field names longer than 10 characters are shortened by the
    Shapefile format; the ``.qml`` aliases keep the Vietnamese titles. A Shapefile holds one kind
    of geometry: a layer of several (the sources to monitor: zones' plants as polygons, facilities
    as points) is written as one file per kind, ``<name>_points``, ``_lines``, ``_polygons``."""
    import geopandas as gpd

    out_dir = Path(out_dir)
    written = []
    for layer in indicator_layers(results, store, lang=lang):
        if isinstance(layer.data, gpd.GeoDataFrame):
            data = layer.data
            placed = data.geometry.notna().to_numpy()
            family = data.geom_type.str.replace("Multi", "").map(_FAMILIES).fillna("other").to_numpy()
            kinds = sorted(set(family[placed])) or ["other"]
            family[~placed] = kinds[0]  # rows without a place go with the first kind (null shapes)
            for kind in kinds:
                name = layer.name if len(kinds) == 1 else f"{layer.name}_{kind}"
                path = write_layer(data[family == kind], out_dir / f"{name}.shp", overwrite=overwrite)
                if layer.style is not None:
                    write_text(out_dir / f"{name}.qml", to_qml(layer.style), overwrite=overwrite)
                    write_text(out_dir / f"{name}.sld", to_sld(layer.style, name), overwrite=overwrite)
                written.append(path)
            continue
        path = out_dir / f"{layer.name}.csv"
        with atomic_path(path, overwrite=overwrite) as tmp:
            layer.data.to_csv(tmp, index=False, encoding="utf-8")
        written.append(path)
    return written
