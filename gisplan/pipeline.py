"""One way from a catalog to every output: :func:`open` gives a :class:`Plan`.

A plan holds the catalog, its :class:`~gisplan.store.LayerStore` (each layer read, validated and
clipped to the study area once) and the :class:`~gisplan.indicators.options.IndicatorOptions`.
Every output is made from the plan's indicator results::

    plan = gisplan.open("layers/catalog.toml", buffer_m=2000)
    plan.indicators()                      # every indicator the catalog allows, run once
    plan.table("forest_cover_communes")    # one table (only its step runs when none has yet)
    plan.map("forest_cover")               # a folium map, shown inline in Jupyter
    plan.print("protected_areas", "kbt.pdf")
    plan.publish("maps")                   # the static site
    plan.write_reports("reports")          # CSV per table, the Excel workbook, the summary
    plan.export("reports")                 # the GeoPackage (and the QGIS project)

Maps, print maps, the site, the GeoPackage and the reports compute no indicator. A plan asked
for a map before its indicators runs the steps of that map's tables only — the steps
``gisplan indicators`` runs (:class:`gisplan.indicators.run.Runner`) — so a map and a table can
never disagree. Every command of the CLI is a thin call into a plan.

Areas are in ha, lengths in km, distances in m, shares in %, computed in EPSG:9213.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from gisplan.catalog import LAYERS_DIR, Catalog, load_catalog
from gisplan.crosswalk import add_crosswalk
from gisplan.demo import build_demo, demo_catalog_dir
from gisplan.errors import OptionError, data_missing
from gisplan.export import export_results, write_shapefiles
from gisplan.indicators.options import IndicatorOptions
from gisplan.indicators.results import IndicatorResults
from gisplan.indicators.run import Runner
from gisplan.maps.themes import get_theme
from gisplan.reports import write_reports
from gisplan.store import LayerStore

__all__ = ["Plan", "make_map", "open", "print_map", "publish_site"]


def open(catalog: Catalog | str | os.PathLike | None = None, **options: Any) -> Plan:  # noqa: A001
    """Open a catalog for indicators, maps, the site and the exports: a :class:`Plan`.

    Parameters
    ----------
    catalog : a catalog file (``layers/catalog.toml``) or a :class:`~gisplan.catalog.Catalog`;
        default: ``$GISPLAN_CATALOG``, else ``./layers/catalog.toml``, else the demo catalog
        (its synthetic data built on first use).
    **options : the keywords of :class:`Plan` — the indicator options (``buffer_m=2000``,
        ``official_area=True`` …, see :class:`~gisplan.indicators.options.IndicatorOptions`),
        ``strict``, ``progress``, ``client`` …

    Examples
    --------
    >>> plan = gisplan.open()  # doctest: +SKIP
    >>> plan.map("forest_cover")  # doctest: +SKIP
    """
    return Plan(catalog, **options)


class Plan:
    """A catalog, its layers and the indicator options: the one way to every output.

    Parameters
    ----------
    catalog : a catalog file or :class:`~gisplan.catalog.Catalog` (default: see :func:`open`).
    options : the :class:`~gisplan.indicators.options.IndicatorOptions` (default: the defaults).
    strict : refuse layers with validation errors instead of using them as repaired.
    layers : GeoDataFrames by layer type (``{"communes": gdf}``, ``"forest_status:0"`` for a first
        year) used instead of the catalog's (see :class:`~gisplan.store.LayerStore`).
    store : a layer store to share (default: a new one over ``catalog`` and ``layers``).
    results : indicator results computed elsewhere (e.g. read back from a reports folder with
        :func:`gisplan.reports.read_results`): outputs show them and nothing is computed.
    progress : progress bars while the indicators run.
    client : a ``dask.distributed.Client``: the raster windows run as its tasks.
    target_values : the 2030 target values (default ``layers/target_values.csv``).
    **option_values : single indicator options (``buffer_m=2000``, ``reference_date=…``,
        ``threshold=…`` …) replacing those of ``options``.

    Raises
    ------
    OptionError
        an indicator option out of range, or one gisplan does not know.
    """

    def __init__(self, catalog: Catalog | str | os.PathLike | None = None, *,
                 options: IndicatorOptions | None = None, strict: bool = False,
                 layers: Mapping[str, gpd.GeoDataFrame] | None = None, store: LayerStore | None = None,
                 results: IndicatorResults | None = None, progress: bool = False, client=None,
                 target_values: dict[str, float] | None = None, **option_values: Any):
        self.catalog = _catalog(catalog, store, layers)
        self.store = store if store is not None else LayerStore(self.catalog, strict=strict, layers=layers)
        self.options = IndicatorOptions.build(options, **option_values)
        self.strict = strict
        self.progress = progress
        self.client = client
        self.target_values = target_values
        self._given = results
        self._runner: Runner | None = None
        self._complete = results is not None

    def __repr__(self) -> str:
        state = "indicators run" if self._complete else "indicators not run yet"
        return f"<gisplan.Plan {self.catalog!r}; {state}>"

    # -- indicators ------------------------------------------------------------------------
    @property
    def runner(self) -> Runner:
        """The steps of the indicators over the plan's store (registered once)."""
        if self._runner is None:
            self._runner = Runner(self.catalog, options=self.options, strict=self.strict, store=self.store,
                                  progress=self.progress, client=self.client)
        return self._runner

    def indicators(self) -> IndicatorResults:
        """Every indicator the catalog's layers allow, with the reason of each one skipped, the
        2030 target tracker and the old→new commune crosswalk (when the catalog has the
        pre-2025 communes). Run once: the same results on every call."""
        if self._given is not None:
            return self._given
        results = self.runner.finish(target_values=self.target_values)
        if not self._complete:
            add_crosswalk(results, self.catalog, self.store)
            self._complete = True
        return results

    def results_for(self, tables: Iterable[str] = ()) -> IndicatorResults:
        """The results holding ``tables`` (table names): every indicator when they have been run,
        else the steps of ``tables`` not run yet are run (and only those)."""
        if self._given is not None:
            return self._given
        if self._complete:
            return self.indicators()
        return self.runner.run(list(tables))

    def table(self, name: str) -> pd.DataFrame:
        """The indicator table ``name`` (only its step runs when the indicators have not).

        Raises
        ------
        DataMissingError
            when the table was skipped, with the reason (its data are absent).
        OptionError
            when no step makes a table of that name.
        """
        results = self.results_for([name]) if name not in ("targets", "crosswalk") else self.indicators()
        if name in results.tables:
            return results.tables[name]
        if name in results.skipped:
            raise data_missing(f"{name} was not computed: {results.skipped[name]}",
                               f"chưa tính {name}: {results.skipped_vi.get(name, results.skipped[name])}")
        raise OptionError(f"the results have no table {name!r}; tables: {', '.join(results.tables)}")

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every indicator table, by name, in the order of the reports."""
        return dict(self.indicators().tables)

    def layer(self, type_id: str, index: int = -1) -> gpd.GeoDataFrame:
        """The layer of ``type_id`` as the indicators read it: validated, in EPSG:9213, clipped
        to the study area (``index`` the year, oldest first, of a type with several)."""
        return self.store.get(type_id, index)

    def theme_results(self, theme: str) -> IndicatorResults:
        """The results a theme's map shows (its tables computed if they are not yet).

        Raises
        ------
        OptionError for an unknown theme.
        """
        return self.results_for(get_theme(theme).tables)

    # -- outputs ---------------------------------------------------------------------------
    def build_map(self, theme: str, *, lang: str = "vi", parcels_data="inline", synthetic: bool | None = None):
        """The web map of ``theme`` as built (:class:`gisplan.maps.interactive.WebMap`: the folium
        map, its choropleth classes and legend sections); parameters as :meth:`map`."""
        from gisplan.maps.interactive import build_map  # folium: the maps extra

        return build_map(theme, results=self.theme_results(theme), store=self.store, lang=lang,
                         parcels_data=parcels_data, synthetic=synthetic)

    def map(self, theme: str, *, lang: str = "vi", parcels_data="inline", synthetic: bool | None = None):
        """The interactive map of ``theme`` (a ``folium.Map``; in Jupyter it shows inline).

        Parameters
        ----------
        theme : a theme of :data:`gisplan.maps.themes.THEMES` (``forest_cover``, ``hazard`` …).
        lang : ``"vi"`` or ``"en"``.
        parcels_data : how the forest-status parcels are drawn (see
            :func:`gisplan.maps.interactive.build_map`; ``"inline"`` embeds them, None leaves them out).
        synthetic : show the synthetic-data note (default: from the catalog).

        Raises
        ------
        OptionError for an unknown theme; DataMissingError when a layer the theme needs is absent.
        """
        return self.build_map(theme, lang=lang, parcels_data=parcels_data, synthetic=synthetic).map

    def write_map(self, theme: str, out: str | os.PathLike, *, lang: str = "vi", cdn: bool = False,
                  overwrite: bool = False) -> Path:
        """Write the interactive map of ``theme`` to the HTML file ``out`` (scripts in an
        ``assets/`` folder beside it, so it opens offline; ``cdn=True``: one file linking public
        CDNs). Returns the path written."""
        from gisplan.maps.site import write_map_page  # folium: the maps extra

        out = Path(out)
        return write_map_page(lambda: self.map(theme, lang=lang), out, catalog=self.catalog, cdn=cdn,
                              overwrite=overwrite)

    def figure(self, theme: str, *, size: str = "A4", orientation: str = "auto", lang: str = "vi",
               title: str | None = None, labels: str = "all", **theme_options: Any):
        """The print map of ``theme`` drawn (:class:`gisplan.maps.printmap.PrintMap`; in Jupyter
        it shows inline); parameters as :meth:`print`."""
        from gisplan.maps.printmap import render_figure  # matplotlib: the maps extra

        return render_figure(theme, results=self.theme_results(theme), store=self.store, size=size,
                             orientation=orientation, lang=lang, title=title, labels=labels, **theme_options)

    def print(self, theme: str, out: str | os.PathLike, *, size: str = "A4", orientation: str = "auto",
              dpi: int = 300, lang: str = "vi", title: str | None = None, overwrite: bool = False,
              labels: str = "all", **theme_options: Any) -> Path:
        """Write the print map of ``theme`` to ``out`` (.pdf or .png), atomically.

        Parameters
        ----------
        size : ``"A4"`` or ``"A3"``; orientation : ``"auto"``, ``"portrait"`` or ``"landscape"``.
        dpi : resolution of a PNG (and of the rasterised parts of a PDF).
        title : replaces the theme's title.
        labels : the names written on the map: ``"all"`` (communes and protected areas, the
            default), ``"communes"``, ``"protected_areas"`` or ``"none"``; placed without overlaps.
        **theme_options : the options the theme's print drawing takes
            (:attr:`gisplan.maps.themes.Theme.print_options`).
        """
        from gisplan.maps.printmap import print_map  # matplotlib: the maps extra

        return print_map(theme, out, results=self.theme_results(theme), store=self.store, size=size,
                         orientation=orientation, dpi=dpi, lang=lang, title=title, overwrite=overwrite,
                         labels=labels, **theme_options)

    def publish(self, out_dir: str | os.PathLike = "maps", *, lang: str = "vi", cdn: bool = False,
                overwrite: bool = False, themes: Iterable[str] | None = None, large_layers: str = "auto",
                page_limit_mb: float | None = None) -> Path:
        """Build the static site (every indicator is run for its index) and return the path of
        its ``index.html``; see :func:`gisplan.maps.site.publish_site`."""
        from gisplan.maps.site import (  # folium: the maps extra
            PAGE_LIMIT_MB,
            parcels_ahead,
            publish_site,
        )

        if self._given is None and not self._complete:
            # the indicators' work ahead first, then the parcels' web encoding beside the steps
            self.runner.start_ahead()
            parcels_ahead(self.store, lang, large_layers)
        return publish_site(self.catalog, out_dir, results=self.indicators(), store=self.store, lang=lang, cdn=cdn,
                            overwrite=overwrite, themes=themes, large_layers=large_layers,
                            page_limit_mb=PAGE_LIMIT_MB if page_limit_mb is None else page_limit_mb)

    def write_reports(self, out_dir: str | os.PathLike, *, overwrite: bool = False) -> dict[str, Path]:
        """Write every indicator table: ``csv/<table>.csv``, the Excel workbook and the summary
        (:func:`gisplan.reports.write_reports`)."""
        return write_reports(self.indicators(), out_dir, overwrite=overwrite)

    def export(self, out_dir: str | os.PathLike, *, fmt: str = "gpkg", lang: str = "vi",
               overwrite: bool = False, project: bool | None = None) -> dict[str, Any]:
        """Every indicator with a place as a styled layer (EPSG:9213): ``fmt="gpkg"`` writes
        ``gisplan_chi_tieu.gpkg`` (and ``gisplan.qgz`` where QGIS is installed, or with
        ``project=True``) and returns ``{"gpkg": path, "qgis": path}``; ``fmt="shp"`` writes a
        Shapefile per layer and returns ``{"shp": [paths]}``."""
        results = self.indicators()
        if fmt == "shp":
            return {"shp": write_shapefiles(results, self.store, out_dir, lang=lang, overwrite=overwrite)}
        if fmt != "gpkg":
            raise OptionError(f"export format must be gpkg or shp, not {fmt!r}")
        return export_results(results, self.store, out_dir, lang=lang, overwrite=overwrite, project=project)


# -- the package's map functions: thin doors into a plan -------------------------------------
def make_map(theme: str, *, catalog: Catalog | str | os.PathLike | None = None,
             results: IndicatorResults | None = None, store: LayerStore | None = None, lang: str = "vi",
             layers: Mapping[str, gpd.GeoDataFrame] | None = None, parcels_data="inline",
             synthetic: bool | None = None, **options: Any):
    """The interactive map of ``theme`` (a ``folium.Map``): :meth:`Plan.map` of a plan over
    ``catalog`` (or ``store``, or ``layers``) with the indicator ``options`` (``buffer_m=2000`` …),
    showing ``results`` when given, else computing the theme's tables."""
    plan = Plan(catalog, store=store, layers=layers, results=results, **options)
    return plan.map(theme, lang=lang, parcels_data=parcels_data, synthetic=synthetic)


def print_map(theme: str, out: str | os.PathLike, *, catalog: Catalog | str | os.PathLike | None = None,
              results: IndicatorResults | None = None, store: LayerStore | None = None,
              layers: Mapping[str, gpd.GeoDataFrame] | None = None, **kwargs: Any) -> Path:
    """Write the print map of ``theme`` to ``out``: :meth:`Plan.print` of a plan over ``catalog``
    (or ``store``, or ``layers``), showing ``results`` when given (``kwargs`` as :meth:`Plan.print`)."""
    return Plan(catalog, store=store, layers=layers, results=results).print(theme, out, **kwargs)


def publish_site(catalog: Catalog | str | os.PathLike | None = None, out_dir: str | os.PathLike = "maps", *,
                 results: IndicatorResults | None = None, store: LayerStore | None = None, **kwargs: Any) -> Path:
    """Build the static site in ``out_dir``: :meth:`Plan.publish` of a plan over ``catalog`` (or
    ``store``), showing ``results`` when given (``kwargs`` as :meth:`Plan.publish`)."""
    return Plan(catalog, store=store, results=results).publish(out_dir, **kwargs)


def _catalog(catalog, store: LayerStore | None, layers) -> Catalog | None:
    """The plan's catalog: the one given (a path is loaded), else the store's, else none when only
    ``layers`` are given, else the default catalog (the demo built on first use)."""
    if isinstance(catalog, Catalog):
        return catalog
    if catalog is not None:
        return load_catalog(catalog)
    if store is not None:
        return store.catalog
    if layers is not None:
        return None
    cat = load_catalog()
    demo = cat.path is not None and Path(cat.path).resolve() == (LAYERS_DIR / "demo.toml").resolve()
    if demo and not all(e.path.exists() for e in cat):
        build_demo(demo_catalog_dir())
    return cat
