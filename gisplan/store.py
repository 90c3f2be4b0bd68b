"""The layers of one run: each catalog layer read, validated and clipped to the study area once.

:class:`LayerStore` is shared by the indicators (:func:`gisplan.indicators.run.run_indicators`),
the maps and the site, so a layer is read once per run and every consumer sees the same
(clipped) features.

Study area
----------
Every vector layer is clipped to the study area before any indicator or map sees it. The study
area is, in order: the catalog's ``study_area`` (the name of a catalog entry, or the path of a
polygon file, relative to the catalog file), else the union of the ``province`` layer, else
nothing (no clipping). The ``province`` and ``communes`` layers are not clipped by the province
they define (they are clipped only by an explicit ``study_area``).

Clipping (in EPSG:9213, metres):

- features wholly inside are kept as they are;
- features wholly outside are dropped;
- polygons and lines crossing the boundary keep their inside part; a polygon whose inside part
  is under :data:`SLIVER_SHARE` (1 %) of its area is a border sliver of a neighbouring unit and
  is dropped too; points are kept when inside (or on the boundary).

The counts (``kept``, ``cut``, ``dropped_outside``, ``dropped_slivers``) are in
``gdf.attrs["gisplan"]["clip"]`` and in :meth:`LayerStore.quality`. Protected areas get
``full_area_ha`` (each feature's mapped area before clipping), ``pa_area_ha`` and
``pa_buffer_ha`` (the whole area and buffer zone of its ``pa_id``, zones wholly outside
included), so the total area of an area that is only partly inside stays known.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from gisplan import _background
from gisplan._format import fmt_number
from gisplan._frames import LayerMeta
from gisplan._threads import against_one, chunked, is_valid
from gisplan.catalog import Catalog, CatalogEntry
from gisplan.crs import TARGET_CRS, require_projected
from gisplan.errors import (
    DataMissingError,
    LayerNotFoundError,
    SchemaError,
    data_missing,
    missing_layer,
)
from gisplan.io import open_raster, read_catalog_layer, read_layer
from gisplan.layer_sets import LayerSet, catalog_entries, combine, layer_set, union_areas
from gisplan.overlay import protected_area_units

log = logging.getLogger(__name__)

#: A polygon keeping less than this share of its area inside the study area is dropped (sliver).
SLIVER_SHARE = 0.01
#: Layer types not clipped by the province they define (only by an explicit study area).
NOT_CLIPPED_BY_PROVINCE = ("province", "communes")
#: Layer types whose unclipped area is kept as ``full_area_ha``.
FULL_AREA_TYPES = ("protected_areas",)
#: A layer whose files take less than this (bytes) is not worth reading ahead in a helper process.
AHEAD_MIN_BYTES = 32 * 2**20


class LayerStore:
    """Each layer of a catalog read, validated and clipped to the study area once per run.

    Parameters
    ----------
    catalog : the catalog to read from (None: only ``layers``).
    strict : refuse layers with validation errors (:class:`~gisplan.errors.ValidationError`);
        by default they are used as repaired and their issues listed by :meth:`quality`.
    layers : frames given by the caller, by layer type (``"mines"``) or type and index
        (``"forest_status:0"``); they take precedence over the catalog and are clipped like
        catalog layers when they are in a projected CRS (frames in degrees are left as given).

    Attributes
    ----------
    derived : frames computed from layers once per run (e.g. protected areas as units).
    """

    def __init__(self, catalog: Catalog | None, *, strict: bool = False,
                 layers: Mapping[str, gpd.GeoDataFrame] | None = None):
        self.catalog = catalog
        self.strict = strict
        self.given = dict(layers or {})
        self.derived: dict = {}
        self._cache: dict[str, gpd.GeoDataFrame] = {}
        self._raw: dict[str, gpd.GeoDataFrame] = {}
        self._study: tuple[shapely.Geometry | None, str] | None = None
        self._rasters: dict = {}
        self._sets: dict = {}
        self._helper: _background.Helper | None = None
        self._jobs: dict = {}

    # -- rasters ---------------------------------------------------------------------------
    def raster(self, entry: CatalogEntry):
        """The raster of catalog ``entry`` opened and checked once per run
        (:func:`gisplan.io.open_raster` with the entry's declared ``crs`` and ``reclass``)."""
        if entry.name not in self._rasters:
            self._rasters[entry.name] = open_raster(entry, catalog=self.catalog, layer_type=entry.type,
                                                    crs=entry.crs, reclass=entry.reclass)
        return self._rasters[entry.name]

    # -- entries ---------------------------------------------------------------------------
    def entries(self, type_id: str) -> list[CatalogEntry]:
        """Catalog entries of ``type_id`` whose file exists, oldest first ([] without a catalog
        or for a type the catalog does not define)."""
        if self.catalog is None or type_id not in self.catalog.types:
            return []
        return [e for e in self.catalog.of_type(type_id) if e.path.exists()]

    def _given_key(self, type_id: str, index: int) -> str | None:
        key = f"{type_id}:{index}"
        if key in self.given:
            return key
        if index == -1 and type_id in self.given:
            return type_id
        return None

    def count(self, type_id: str) -> int:
        """How many layers of ``type_id`` there are (years): the given frames of that type
        (``"forest_status:0"``, ``"forest_status:1"`` …) when there are any, else the catalog
        entries whose file exists."""
        given = {k.split(":", 1)[1] if ":" in k else "-1" for k in self.given
                 if k == type_id or k.startswith(f"{type_id}:")}
        return len(given) if given else len(self.entries(type_id))

    def has(self, type_id: str) -> bool:
        """True when a layer of ``type_id`` is given or in the catalog with its file."""
        return any(k == type_id or k.startswith(f"{type_id}:") for k in self.given) or bool(self.entries(type_id))

    def _resolve(self, type_id: str, index: int) -> tuple[str, str | None]:
        """(cache key, catalog entry name or None for a given frame) of a layer; one key per
        file, however it is asked for (``index`` 0 and -1 of a single entry are one layer)."""
        given = self._given_key(type_id, index)
        if given is not None:
            return f"given:{given}", None
        entries = self.entries(type_id)
        if not entries:
            raise missing_layer(type_id)
        if index >= len(entries) or index < -len(entries):
            n = len(entries)
            raise data_missing(
                f"the catalog has {n} '{type_id}' layer(s); layer {index} was asked for",
                f"danh mục chỉ có {n} lớp '{type_id}'; cần thêm một năm dữ liệu")
        name = entries[index].name
        return f"entry:{name}", name

    # -- layers ----------------------------------------------------------------------------
    def get(self, type_id: str, index: int = -1) -> gpd.GeoDataFrame:
        """The layer of ``type_id`` (the latest year by default; ``index`` counts the entries
        oldest first), in EPSG:9213, clipped to the study area. For a type whose layers complement
        each other (``several = "union"``, protected areas) the default is all its catalog layers
        together, an area two of them map kept once (:meth:`layer_set` says which and why).

        Raises
        ------
        DataMissingError when no such layer is given or in the catalog (or its file is missing),
        or when none of its features lies in the study area. Any error of reading it (:class:`~gisplan.errors.ValidationError` with ``strict`` …).
        """
        if index == -1 and self._combines(type_id):
            return self._union(type_id, clipped=True)
        key, name = self._resolve(type_id, index)
        if key not in self._cache:
            self._cache[key] = self._clip(type_id, self._raw_layer(type_id, index))
        gdf = self._cache[key]
        clip = getattr(gdf, "attrs", {}).get("gisplan", {}).get("clip")
        if clip and len(gdf) == 0 and clip["dropped_outside"] + clip["dropped_slivers"] > 0:
            n = clip["dropped_outside"] + clip["dropped_slivers"]
            what = name or type_id
            raise data_missing(
                f"none of the {n:,} features of layer '{what}' lies in the study area; check that the "
                f"file covers the province (or the catalog's study_area)",
                f"không có đối tượng nào trong {fmt_number(n, 'vi', 0)} đối tượng của lớp '{what}' nằm trong vùng nghiên cứu; "
                f"kiểm tra tệp có phủ địa bàn tỉnh không (hoặc study_area của danh mục)")
        return gdf

    def unclipped(self, type_id: str, index: int = -1) -> gpd.GeoDataFrame:
        """The layer as read, not clipped to the study area (e.g. protected areas of a
        neighbouring province near the border, for distances); the union of a ``"union"`` type's
        layers as :meth:`get` makes it. Raises DataMissingError."""
        if index == -1 and self._combines(type_id):
            return self._union(type_id, clipped=False)
        return self._raw_layer(type_id, index)

    # -- several layers of one type --------------------------------------------------------
    def _combines(self, type_id: str) -> bool:
        """True when ``get(type_id)`` is the union of several catalog layers."""
        if self.catalog is None or type_id not in self.catalog.types or any(
                k == type_id or k.startswith(f"{type_id}:") for k in self.given):
            return False
        return self.catalog.layer_type(type_id).several == "union" and len(self.entries(type_id)) > 1

    def layer_set(self, type_id: str) -> LayerSet:
        """How this run uses the catalog's layers of ``type_id`` (:mod:`gisplan.layer_sets`): for a
        union, the areas several layers map and which outline is kept, found on the layers as read."""
        if type_id not in self._sets:
            ls = layer_set(self.catalog, type_id)
            if self._combines(type_id):
                lt = self.catalog.layer_type(type_id)
                frames = [(e.name, self._raw_layer(type_id, self._index_of(type_id, e.name)))
                          for e in catalog_entries(self.catalog, type_id)]
                kept, ls.duplicates, ls.overlaps = union_areas(frames, lt.same_by, within=self.study_area)
                ls.used = tuple(n for (n, _g), k in zip(frames, kept, strict=True) if k)
                self._sets[type_id] = (ls, kept)
            else:
                self._sets[type_id] = (ls, None)
        return self._sets[type_id][0]

    def layer_sets(self) -> list[LayerSet]:
        """:meth:`layer_set` of every type the catalog has several layers of (given frames aside)."""
        if self.catalog is None:
            return []
        return [self.layer_set(t) for t in self.catalog.types
                if len(self.entries(t)) > 1 and not any(k == t or k.startswith(f"{t}:") for k in self.given)]

    def _index_of(self, type_id: str, name: str) -> int:
        return [e.name for e in self.entries(type_id)].index(name)

    def _union(self, type_id: str, *, clipped: bool) -> gpd.GeoDataFrame:
        """The layers of a ``"union"`` type together, each area once (clipped or as read)."""
        key = ("union", type_id, clipped)
        if key not in self.derived:
            ls = self.layer_set(type_id)
            kept = self._sets[type_id][1]
            lt = self.catalog.layer_type(type_id)
            frames, missing = [], None
            for e in catalog_entries(self.catalog, type_id):
                i = self._index_of(type_id, e.name)
                try:
                    frames.append((e.name, self.get(type_id, i) if clipped else self._raw_layer(type_id, i)))
                except DataMissingError as exc:  # nothing of this layer in the study area
                    missing = missing or exc
                    frames.append((e.name, self._raw_layer(type_id, i).iloc[:0]))
            out = combine(frames, kept, key=lt.same_by[0], id_column=lt.id_column)
            if not len(out) and missing is not None:
                raise missing
            metas = [g.attrs.get("gisplan", {}) for _n, g in frames]
            out.attrs = {"gisplan": LayerMeta({
                "layer_type": type_id, "entry": " + ".join(ls.used), "layer_set": ls.as_meta(),
                "synthetic": any(m.get("synthetic") for m in metas),
                "source": "; ".join(str(m["source"]) for m in metas if m.get("source")),
                "issues": [i for m in metas for i in m.get("issues", [])]})}
            self.derived[key] = out
        return self.derived[key]

    def optional(self, type_id: str, index: int = -1) -> gpd.GeoDataFrame | None:
        """Like :meth:`get`, but None when the layer is absent (other errors propagate)."""
        try:
            return self.get(type_id, index)
        except DataMissingError:
            return None

    def _raw_layer(self, type_id: str, index: int) -> gpd.GeoDataFrame:
        """The layer as read (not clipped), cached."""
        key, name = self._resolve(type_id, index)
        if key not in self._raw:
            if name is None:
                self._raw[key] = self.given[key.removeprefix("given:")]
            else:
                self._raw[key] = self.take(("read", key), read_entry, self.catalog, name, self.strict)
        return self._raw[key]

    # -- work done ahead, beside this process ------------------------------------------------
    def read_ahead(self, type_id: str, index: int = -1) -> None:
        """Start reading a layer in a helper process (:mod:`gisplan._background`), to be taken
        when it is asked for; only a catalog layer not read yet whose files take at least
        :data:`AHEAD_MIN_BYTES`, and only when a helper may run. Absent layers are ignored."""
        try:
            key, name = self._resolve(type_id, index)
        except DataMissingError:
            return
        if name is None or key in self._raw:
            return
        if _size(self.catalog.entry(name).path) >= AHEAD_MIN_BYTES:
            self.beside(("read", key), read_entry, self.catalog, name, self.strict)

    def beside(self, key, fn, *args, **kwargs) -> bool:
        """Start ``fn(*args, **kwargs)`` in the run's helper process under ``key`` (see
        :meth:`take`); False when no helper may run (the work is then done when taken)."""
        if key in self._jobs:
            return True
        if self._helper is None:
            self._helper = _background.start()
            if self._helper is None:
                return False
        self._jobs[key] = self._helper.submit(fn, *args, **kwargs)
        return True

    def started(self, key) -> bool:
        """True when work is waiting under ``key`` (:meth:`beside`)."""
        return key in self._jobs

    def discard(self, key) -> None:
        """Drop the work started under ``key``, if any, unused."""
        self._jobs.pop(key, None)
        self._end_helper()

    def _end_helper(self) -> None:
        if not self._jobs and self._helper is not None:
            self._helper.close()
            self._helper = None

    def take(self, key, fn, *args, replay: bool = True, **kwargs):
        """``fn(*args, **kwargs)``: the result of the work started under ``key`` by :meth:`beside`
        (its warnings and log records replayed here unless ``replay`` is False), else computed
        here. The helper ends when no work is left in it."""
        job = self._jobs.pop(key, None)
        if job is None:
            return fn(*args, **kwargs)
        try:
            return job.result(replay=replay)
        finally:
            self._end_helper()

    # -- study area ------------------------------------------------------------------------
    @property
    def study_area(self) -> shapely.Geometry | None:
        """The study area (EPSG:9213): the catalog's ``study_area``, else the union of the
        province layer, else None."""
        if self._study is None:
            self._study = self._find_study_area()
        return self._study[0]

    @property
    def study_area_source(self) -> str:
        """Where the study area comes from: ``"study_area"``, ``"province"`` or ``"none"``."""
        if self._study is None:
            self._study = self._find_study_area()
        return self._study[1]

    def _find_study_area(self) -> tuple[shapely.Geometry | None, str]:
        spec = getattr(self.catalog, "study_area", None) if self.catalog is not None else None
        if spec:
            entry = self.catalog.entries.get(str(spec))
            source = "province" if entry is not None and entry.type == "province" else "study_area"
            return _union(self._read_study_area(str(spec))), source
        try:
            prov = self._raw_layer("province", -1)
        except DataMissingError:
            return None, "none"
        codes = prov["code"].dropna().unique() if "code" in prov.columns else []
        if len(codes) > 1:
            shown = ", ".join(map(str, sorted(map(str, codes))[:5]))
            where = prov.attrs.get("gisplan", {}).get("entry", "province")
            raise SchemaError(
                f"layer '{where}' holds {len(codes)} provinces ({shown}{', …' if len(codes) > 5 else ''}), "
                f"but the study area is one province: keep only it (e.g. where = \"code = '19'\" in the "
                f"catalog entry) or set study_area in [catalog]")
        return _union(prov), "province"

    def _read_study_area(self, spec: str) -> gpd.GeoDataFrame:
        if spec in self.catalog.entries:
            gdf = read_catalog_layer(self.catalog, spec, strict=False)
        else:
            path = Path(spec)
            if not path.is_absolute() and self.catalog.path is not None:
                path = self.catalog.path.parent / path
            if not path.exists():
                raise LayerNotFoundError(
                    f"{self.catalog.path}: study_area {spec!r} is neither a layer of the catalog nor "
                    f"an existing file; give a catalog entry name or a polygon file path")
            gdf = read_layer(os.fspath(path), strict=False)
        if gdf.empty or not np.isin(shapely.get_type_id(gdf.geometry.to_numpy()), (3, 6)).any():
            raise SchemaError(f"study_area {spec!r} has no polygon; it must be the area's boundary polygon(s)")
        return gdf

    # -- clipping --------------------------------------------------------------------------
    def clip(self, type_id: str, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """``gdf`` (a layer of ``type_id``) clipped to the study area as :meth:`get` clips it;
        ``gdf`` itself when it is not clipped (no study area, or the province and communes
        against the province)."""
        return self._clip(type_id, gdf)

    def _clip(self, type_id: str, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        area = self.study_area
        if area is None or (self.study_area_source == "province" and type_id in NOT_CLIPPED_BY_PROVINCE):
            return gdf
        if not isinstance(gdf, gpd.GeoDataFrame) or gdf.crs is None or not gdf.crs.is_projected:
            return gdf  # a table, or a frame given in degrees (maps): left as given
        if not gdf.crs.equals(TARGET_CRS):
            area = gpd.GeoSeries([area], crs=TARGET_CRS).to_crs(gdf.crs).iloc[0]
        if type_id == "protected_areas":
            gdf = protected_area_totals(gdf)
        out = clip_to_area(gdf, area, what=f"layer '{type_id}'",
                           keep_full_area=type_id in FULL_AREA_TYPES)
        return out

    # -- quality ---------------------------------------------------------------------------
    def protected_area_units(self) -> gpd.GeoDataFrame:
        """The protected areas as units (:func:`gisplan.overlay.protected_area_units`): the
        non-buffer zones of each ``pa_id`` dissolved, cut to the province when there is one (the
        part a provincial inventory covers, so the denominator of forest cover in an area).
        Computed once per run; what the indicators measure and the GeoPackage places ``pa_id`` rows on.

        Raises
        ------
        DataMissingError without a protected-areas layer.
        """
        if "pa_units" not in self.derived:
            self.derived["pa_units"] = protected_area_units(self.get("protected_areas"),
                                                            within=self.optional("province"))
        return self.derived["pa_units"]

    def quality(self) -> list[dict]:
        """Per layer read: validation ``errors`` and ``warnings`` (counts), up to three
        ``examples`` (messages) and, when clipped to the study area, ``clip`` (counts kept /
        cut / dropped_outside / dropped_slivers)."""
        rows = []
        for key, gdf in self._cache.items():
            meta = getattr(gdf, "attrs", {}).get("gisplan", {})
            issues = meta.get("issues", [])
            errors = [i for i in issues if i.get("severity") == "error"]
            warnings = [i for i in issues if i.get("severity") == "warning"]
            row = {"layer": meta.get("entry", key.split(":", 1)[1].split(":")[0]), "errors": len(errors),
                   "warnings": len(warnings),
                   "examples": [i.get("message", "") for i in (errors or warnings)[:3]]}
            if "clip" in meta:
                row["clip"] = dict(meta["clip"])
            rows.append(row)
        return rows


def read_entry(catalog: Catalog, name: str, strict: bool) -> gpd.GeoDataFrame:
    """Catalog entry ``name`` read and validated (:func:`gisplan.io.read_catalog_layer`), its
    name recorded in the frame's metadata (``attrs["gisplan"]["entry"]``)."""
    gdf = read_catalog_layer(catalog, name, strict=strict)
    gdf.attrs.setdefault("gisplan", {})["entry"] = name
    return gdf


def _size(path: Path) -> int:
    """Bytes of a layer's file (with a Shapefile's .dbf), 0 when absent."""
    files = [path] + ([path.with_suffix(s) for s in (".dbf", ".DBF")] if path.suffix.lower() == ".shp" else [])
    return sum(p.stat().st_size for p in files if p.is_file())


def _union(gdf: gpd.GeoDataFrame) -> shapely.Geometry | None:
    if gdf.crs is not None and not gdf.crs.equals(TARGET_CRS):
        gdf = gdf.to_crs(TARGET_CRS)
    geoms = gdf.geometry.to_numpy()
    polys = geoms[np.isin(shapely.get_type_id(geoms), (3, 6))]
    if not len(polys):
        return None
    area = shapely.union_all(shapely.make_valid(polys))
    return None if area.is_empty else area


def protected_area_totals(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``gdf`` (protected-area zones, projected CRS in metres) with the totals of each area
    before any clipping, on every one of its features: ``pa_area_ha`` (its zones other than the
    buffer zone) and ``pa_buffer_ha`` (its buffer zone; NaN when the layer maps no buffer zone
    at all). Zones of one area are assumed not to overlap."""
    if not {"pa_id", "zone"} <= set(gdf.columns) or not len(gdf):
        return gdf
    require_projected(gdf.crs, "protected areas")
    ha = shapely.area(gdf.geometry.to_numpy()) / 1e4
    buffer = (gdf["zone"] == "buffer").to_numpy()
    frame = gdf[["pa_id"]].assign(_core=np.where(buffer, 0.0, ha), _buf=np.where(buffer, ha, 0.0))
    sums = frame.groupby("pa_id")[["_core", "_buf"]].sum()
    out = gdf.assign(pa_area_ha=gdf["pa_id"].map(sums["_core"]).to_numpy(),
                     pa_buffer_ha=gdf["pa_id"].map(sums["_buf"]).to_numpy() if buffer.any() else np.nan)
    out.attrs = dict(gdf.attrs)
    return out


def clip_to_area(gdf: gpd.GeoDataFrame, area: shapely.Geometry, *, what: str = "layer",
                 keep_full_area: bool = False, sliver_share: float = SLIVER_SHARE) -> gpd.GeoDataFrame:
    """Features of ``gdf`` inside ``area`` (same projected CRS, metres): wholly inside kept,
    crossing ones cut to their inside part, wholly outside dropped, polygons keeping under
    ``sliver_share`` of their area dropped as slivers. Points are kept when inside or on the
    boundary.

    With ``keep_full_area``, polygons get ``full_area_ha``: their area (ha) before clipping.

    Returns
    -------
    GeoDataFrame (the original index labels of the features kept) whose
    ``attrs["gisplan"]["clip"]`` holds ``kept``, ``cut``, ``dropped_outside``,
    ``dropped_slivers`` (counts of features).
    """
    require_projected(gdf.crs, what)
    geoms = gdf.geometry.to_numpy()
    n = len(geoms)
    if keep_full_area:
        gdf = gdf.assign(full_area_ha=shapely.area(geoms) / 1e4)
    shapely.prepare(area)
    valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    bad = valid & ~chunked(is_valid, geoms)
    if bad.any():  # GEOS predicates may refuse invalid rings: test the repaired shapes
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
    hit = np.zeros(n, bool)
    idx = np.flatnonzero(valid)
    if len(idx):
        cand = shapely.STRtree(geoms[idx]).query(area, predicate="intersects")
        hit[idx[cand]] = True
    inside = np.zeros(n, bool)
    inside[hit] = against_one(shapely.covered_by, geoms[hit], area)
    cross = np.flatnonzero(hit & ~inside)
    new = geoms.copy()
    keep = inside.copy()
    slivers = 0
    if len(cross):
        tid = shapely.get_type_id(geoms[cross])
        is_poly = np.isin(tid, (3, 6))
        is_line = np.isin(tid, (1, 2, 5))
        pieces = _intersection(geoms[cross], area)
        pieces = _keep_dimension(pieces, is_poly, is_line)
        size = np.where(is_poly, shapely.area(pieces), np.where(is_line, shapely.length(pieces), 0.0))
        full = np.where(is_poly, shapely.area(geoms[cross]),
                        np.where(is_line, shapely.length(geoms[cross]), 1.0))
        sliver = is_poly & (size > 0) & (size < sliver_share * full)
        slivers = int(sliver.sum())
        # points on the boundary are covered (kept above); other geometry types need a size
        ok = (size > 0) & ~sliver
        # features on the boundary that stick out by floating-point noise only (a relative
        # 1e-9 of their size, e.g. parcels digitised along the commune lines the province was
        # built from) are inside: kept whole, not counted as cut
        whole = ok & (size >= full * (1 - 1e-9))
        inside[cross[whole]] = True
        cut = ok & ~whole
        keep[cross[ok]] = True
        new[cross[cut]] = pieces[cut]
    out = gdf.set_geometry(new)[keep] if len(cross) else gdf[keep]
    out = gpd.GeoDataFrame(out, geometry=gdf.geometry.name, crs=gdf.crs)
    counts = {"kept": int(inside.sum()), "cut": int(keep.sum() - inside.sum()),
              "dropped_outside": int(n - keep.sum() - slivers), "dropped_slivers": slivers}
    out.attrs = {k: v for k, v in gdf.attrs.items()}
    out.attrs["gisplan"] = LayerMeta({**gdf.attrs.get("gisplan", {}), "clip": counts})
    if counts["cut"] or counts["dropped_outside"] or counts["dropped_slivers"]:
        log.info("%s clipped to the study area: %s", what, counts)
    return out


def _intersection(geoms: np.ndarray, area: shapely.Geometry) -> np.ndarray:
    """Exact intersections, repairing inputs GEOS refuses (invalid rings) with make_valid."""
    try:
        return shapely.intersection(geoms, area)
    except shapely.errors.GEOSException:
        out = np.empty(len(geoms), dtype=object)
        for i, g in enumerate(geoms):
            try:
                out[i] = shapely.intersection(g, area)
            except shapely.errors.GEOSException:
                out[i] = shapely.intersection(shapely.make_valid(g), area)
        return out


def _keep_dimension(pieces: np.ndarray, is_poly: np.ndarray, is_line: np.ndarray) -> np.ndarray:
    """Keep only the parts of each piece of the original dimension (an intersection may add
    stray points or lines in a GeometryCollection)."""
    mixed = np.flatnonzero(shapely.get_type_id(pieces) == 7)
    out = pieces.copy()
    for i in mixed:
        parts = shapely.get_parts(pieces[i])
        want = (3, 6) if is_poly[i] else (1, 2, 5) if is_line[i] else (0, 4)
        parts = parts[np.isin(shapely.get_type_id(parts), want)]
        out[i] = shapely.union_all(parts) if len(parts) else shapely.GeometryCollection()
    return out


__all__ = ["LayerStore", "clip_to_area", "missing_layer", "data_missing", "SLIVER_SHARE"]
