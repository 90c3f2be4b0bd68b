"""Interactive folium maps, one per theme of the plan.

Themes come from the registry :mod:`gisplan.maps.themes`; layers from the layer store
(:class:`gisplan.store.LayerStore`: read, validated and clipped once per run), reprojected to
WGS 84 only here, at the edge, simplified for the web (communes with a coverage-preserving
simplification, so neighbours do not gap or overlap), coordinates rounded to ~1 m, unused
attributes dropped. The caller's data are never modified. Colours and labels come from the
layer types; indicator values from the results given (maps compute none: the plan,
:class:`gisplan.pipeline.Plan`, runs the steps of a theme's tables first). Overlays are grouped
in the layer control (reference layers, theme layers; basemaps as the base layers) and the
search box finds features of the theme's layers and communes by name. Popup values are
formatted in Python (``1.234,5`` in Vietnamese); a missing value reads "không có số liệu" /
"no data" and is drawn in grey, never as 0.

The map is built from three parts: :mod:`gisplan.maps.web_frame` (basemaps, title, controls,
search), :mod:`gisplan.maps.web_themes` (what each theme draws) and
:mod:`gisplan.maps.web_layers` (the overlays: web copies, popups, aliases, styles). What the
drawing produces besides the folium map is returned, not stashed on it: :func:`build_map` gives a
:class:`WebMap` (map, choropleth classes, legend sections); :func:`make_map` the folium map alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import folium
import geopandas as gpd

from gisplan.catalog import Catalog
from gisplan.maps import legend, parcels_layer
from gisplan.maps.style import Classes
from gisplan.maps.themes import get_theme, make_store
from gisplan.maps.web_frame import add_controls, new_map
from gisplan.maps.web_layers import MapBuild, add_layer
from gisplan.maps.web_themes import builder

__all__ = ["WebMap", "build_map", "make_map"]


@dataclass(frozen=True)
class WebMap:
    """A theme's web map as built: ``map`` the folium map; ``classes`` the choropleth
    :class:`~gisplan.maps.style.Classes` (the print map's too), or None for a theme without one;
    ``sections`` the legend sections drawn (``(title, [(colour, label, shape), …])``)."""

    map: folium.Map
    classes: Classes | None
    sections: list


def make_map(theme: str, *, catalog: Catalog | None = None, results=None, store=None, lang: str = "vi",
             layers: Mapping[str, gpd.GeoDataFrame] | None = None,
             parcels_data: str | parcels_layer.EncodedParcels | None = "inline",
             synthetic: bool | None = None) -> folium.Map:
    """The folium map of a theme: :func:`build_map`'s ``.map`` (same parameters)."""
    return build_map(theme, catalog=catalog, results=results, store=store, lang=lang, layers=layers,
                     parcels_data=parcels_data, synthetic=synthetic).map


def build_map(theme: str, *, catalog: Catalog | None = None, results=None, store=None, lang: str = "vi",
              layers: Mapping[str, gpd.GeoDataFrame] | None = None,
              parcels_data: str | parcels_layer.EncodedParcels | None = "inline",
              synthetic: bool | None = None) -> WebMap:
    """Build the interactive map of a theme.

    Parameters
    ----------
    theme : a theme id of :data:`gisplan.maps.themes.THEMES` (``overview``, ``forest_cover``,
        ``protected_areas``, ``mines``, ``industry``, ``rivers``, ``waste``, ``air``, ``forest_change``).
    catalog : where the layers come from (default: :func:`gisplan.catalog.load_catalog`).
    results : the :class:`~gisplan.indicators.results.IndicatorResults` holding the theme's
        tables (:attr:`gisplan.maps.themes.Theme.tables`; :meth:`gisplan.pipeline.Plan.map`
        computes them first). The map computes no indicator: a table the results skipped (its
        data are absent) or lack is shown as "không có số liệu" / "no data" with the reason;
        the hazard theme needs the results' susceptibility (``results.grids``).
    store : the :class:`gisplan.store.LayerStore` to read layers from (one per run, shared with
        the indicators); default: a store over ``catalog`` and ``layers``.
    lang : ``"vi"`` (default) or ``"en"`` for titles, labels and popups.
    layers : GeoDataFrames by layer type id (``{"communes": gdf, …}``) used instead of the
        catalog; any CRS (EPSG:9213 expected for the indicators).
    parcels_data : for the forest-status parcels layer: ``"inline"`` embeds the data in the
        page; a :class:`gisplan.maps.parcels_layer.EncodedParcels` (the published site, which
        writes its cell scripts) or a folder relative to the page (``"assets/data/forest_status"``)
        makes the page load each cell's script from there when it comes into view at zoom
        ≥ ``parcels_common.MIN_ZOOM``; a :class:`gisplan.maps.vector_tiles.TiledParcels` draws them
        from its PMTiles archive; ``None`` leaves the parcels out.
    synthetic : show the synthetic-data note (default: from the catalog).

    Returns
    -------
    :class:`WebMap`: the folium map (CDN links; :func:`gisplan.maps.site.publish_site` rewrites
    them to local copies), the choropleth classes (or None) and the legend sections.

    Raises
    ------
    OptionError for an unknown theme; DataMissingError when a layer the theme needs is absent.
    """
    spec = get_theme(theme)
    data = make_store(catalog, layers, store)
    catalog = data.catalog
    syn = synthetic if synthetic is not None else bool(catalog.synthetic if catalog is not None else False)
    build = MapBuild(new_map(spec.title(lang), lang, synthetic=syn), data, results, lang, parcels_data, theme=spec)
    province = data.optional("province")
    if province is not None:
        add_layer(build, province, "province", [], style=lambda f: {"color": "#222", "weight": 3, "fill": False},
                  name="Ranh giới tỉnh" if lang == "vi" else "Province boundary", tooltip=False, group="reference")
    sections = builder(spec)(build)
    legend.add_legend(build.map, spec.title(lang), sections, lang=lang)
    add_controls(build)
    return WebMap(build.map, build.classes, sections)
