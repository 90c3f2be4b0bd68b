"""Several catalog layers of one layer type: which a run uses, how, and why.

A catalog may hold more than one layer of a type: two years of forest status, the Ramsar outline
of Ba Bể beside OpenStreetMap's national parks, a national DEM beside SRTM. What a second layer
means is a property of the type (``several`` in ``layers/types.toml``):

- ``"years"`` — forest status, canopy and land-cover rasters: each layer is a year; the tables
  name the years they use (cover of the latest, change between the first and the last).
- ``"union"`` — protected areas: the layers complement each other and are used together. An
  area two layers both map — an equal value in one of the type's ``same_by`` columns: the same
  ``pa_id``, or the same name after Vietnamese normalisation — is kept once, from the layer that
  takes precedence: the one whose area carries its legal basis (``decision`` or
  ``official_area_ha``) before one whose area does not, then the layer listed first in the
  catalog. Areas of two layers under different names that overlap over half of the smaller are
  reported (the same area under two names?), not merged: designations nest (a biosphere reserve
  holds national parks).
- ``"latest"`` — every other type: one layer is used, the one of the latest year; the others are
  listed as not used, with the reason.

:func:`layer_set` says this for a catalog and :func:`union_areas` decides what a union keeps;
:class:`gisplan.store.LayerStore` applies them, and a run's results carry the notes
(``meta["layer_sets"]``) that the workbook, the summary and the site's sources page show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisplan._format import fmt_number
from gisplan.catalog import Catalog, CatalogEntry
from gisplan.encoding import normalize_name

#: columns whose value makes an area's outline the legal one (its establishing decision, the
#: area the decision states): such an outline takes precedence in a union
LEGAL_COLUMNS = ("decision", "official_area_ha")
#: areas of two layers overlapping over this share of the smaller are reported
OVERLAP_SHARE = 0.5


@dataclass(frozen=True)
class Duplicate:
    """An area several layers map, kept once: the entry and id whose outline is kept, the
    others left out, and why (``"legal"``: the kept one carries its legal basis; ``"order"``: its
    layer comes first in the catalog)."""

    name: str
    kept: str
    kept_id: str
    kept_ha: float
    dropped: tuple[tuple[str, str, float], ...]  # (entry, id, ha)
    why: str


@dataclass(frozen=True)
class Overlap:
    """Areas of two layers under different names whose outlines overlap (share of the smaller)."""

    a: tuple[str, str]  # (entry, name)
    b: tuple[str, str]
    share: float


@dataclass
class LayerSet:
    """How a run uses the catalog layers of one type (see the module's description)."""

    type_id: str
    title_vi: str
    title_en: str
    policy: str
    #: the entries whose file exists, in the catalog's order
    entries: tuple[str, ...]
    years: dict[str, int | None]
    used: tuple[str, ...]
    #: entry -> why it is not used ("older" / "same_year")
    unused: dict[str, str] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)

    def note(self, lang: str = "vi") -> str:
        """What a reader must know, in ``lang`` ("vi" or "en")."""
        vi = lang == "vi"
        title = self.title_vi if vi else self.title_en
        n = fmt_number(len(self.entries), lang, 0)

        def named(e):
            y = self.years.get(e)
            return f"'{e}'" + (f" ({y})" if y else "")
        if self.policy == "years":
            years = ", ".join(str(self.years[e] or "?") for e in self.entries)
            return (f"{title}: {n} lớp, mỗi lớp một năm ({years}); mỗi bảng ghi rõ năm dùng" if vi else
                    f"{title}: {n} layers, one per year ({years}); each table names the year(s) it uses")
        if self.policy == "latest":
            used = named(self.used[0])
            why = {"older": ("năm cũ hơn", "an older year"),
                   "same_year": ("cùng năm; dùng lớp đứng sau theo tên — ghi năm (year) để chọn",
                                 "the same year; the one last by name is used — set its year to choose")}
            rest = "; ".join(f"{named(e)}: {why[r][0 if vi else 1]}" for e, r in self.unused.items())
            return (f"{title}: danh mục có {n} lớp, chỉ dùng một lớp — lớp {used}, năm mới nhất; "
                    f"không dùng {rest}" if vi else
                    f"{title}: the catalog has {n} layers; one is used — {used}, the latest year; "
                    f"not used: {rest}")
        layers = ", ".join(named(e) for e in self.entries)
        text = (f"{title}: dùng chung {n} lớp bổ sung cho nhau ({layers})" if vi else
                f"{title}: {n} layers used together, complementing each other ({layers})")
        if self.duplicates:
            parts = [self._duplicate(d, lang) for d in self.duplicates]
            text += (f"; {fmt_number(len(parts), lang, 0)} khu có ở nhiều lớp, mỗi khu giữ một ranh giới: "
                     if vi else f"; {len(parts)} area(s) in several layers, each kept once: ") + "; ".join(parts)
        else:
            text += "; không khu nào có ở hai lớp" if vi else "; no area is in two layers"
        for o in self.overlaps:
            pct = fmt_number(100 * o.share, lang, 0)
            text += (f"; lưu ý: '{o.a[1]}' (lớp '{o.a[0]}') và '{o.b[1]}' (lớp '{o.b[0]}') chồng lấn {pct} % "
                     f"diện tích khu nhỏ hơn — nếu là cùng một khu, đặt cùng mã pa_id" if vi else
                     f"; check: '{o.a[1]}' ('{o.a[0]}') and '{o.b[1]}' ('{o.b[0]}') overlap over {pct} % of "
                     f"the smaller — if they are one area, give them the same pa_id")
        return text

    def _duplicate(self, d: Duplicate, lang: str) -> str:
        vi = lang == "vi"

        def ha(v):
            return f"{fmt_number(v, lang, 0)} ha"
        left = ", ".join(f"'{e}'" + (f" (mã {i}" if vi else f" (id {i}") + f", {ha(a)})" for e, i, a in d.dropped)
        if vi:
            why = ("có căn cứ pháp lý (quyết định hoặc diện tích theo quyết định)" if d.why == "legal"
                   else "lớp này đứng trước trong danh mục")
            return f"{d.name}: giữ ranh giới của lớp '{d.kept}' ({ha(d.kept_ha)}) vì {why}; bỏ của lớp {left}"
        why = ("it carries its legal basis (decision or official area)" if d.why == "legal"
               else "its layer comes first in the catalog")
        return f"{d.name}: the outline of '{d.kept}' ({ha(d.kept_ha)}) is kept, as {why}; left out: {left}"

    def as_meta(self) -> dict:
        """The layer set as plain data (``results.meta["layer_sets"]``)."""
        return {"type": self.type_id, "policy": self.policy, "entries": list(self.entries),
                "used": list(self.used), "unused": dict(self.unused),
                "duplicates": [{"name": d.name, "kept": d.kept, "kept_id": d.kept_id, "kept_ha": d.kept_ha,
                                "dropped": [list(x) for x in d.dropped], "why": d.why} for d in self.duplicates],
                "overlaps": [{"a": list(o.a), "b": list(o.b), "share": o.share} for o in self.overlaps],
                "note_vi": self.note("vi"), "note_en": self.note("en")}


def catalog_entries(catalog: Catalog, type_id: str) -> list[CatalogEntry]:
    """The entries of ``type_id`` whose file exists, in the catalog's order."""
    if catalog is None or type_id not in catalog.types:
        return []
    return [e for e in catalog.entries.values() if e.type == type_id and e.path.exists()]


def layer_set(catalog: Catalog, type_id: str) -> LayerSet:
    """How a run uses the catalog's layers of ``type_id`` (the duplicates of a union are found by
    :func:`union_areas`, which needs the layers read)."""
    lt = catalog.layer_type(type_id)
    entries = catalog_entries(catalog, type_id)
    names = tuple(e.name for e in entries)
    years = {e.name: e.year for e in entries}
    ls = LayerSet(type_id, lt.title_vi, lt.title_en, lt.several, names, years, names)
    if lt.several == "latest" and len(entries) > 1:
        latest = catalog.of_type(type_id)
        latest = [e for e in latest if e.path.exists()][-1]  # the order LayerStore.get(type_id) reads
        ls.used = (latest.name,)
        ls.unused = {e.name: "same_year" if (e.year or 0) == (latest.year or 0) else "older"
                     for e in entries if e.name != latest.name}
    return ls


def used_entries(catalog: Catalog, type_id: str) -> list[CatalogEntry]:
    """The entries of ``type_id`` a run draws or computes from, in the catalog's order: all of a
    ``"years"`` or ``"union"`` type, the latest of a ``"latest"`` one (none when no file exists)."""
    if catalog is None or type_id not in catalog.types:
        return []
    used = set(layer_set(catalog, type_id).used)
    return [e for e in catalog_entries(catalog, type_id) if e.name in used]


# --- union ---------------------------------------------------------------------------------------
@dataclass
class _Area:
    layer: int
    key: str
    name: str
    keys: set
    geometry: shapely.Geometry
    legal: bool


def _normal(column: str, value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if column == "name":
        return normalize_name(str(value), strip_prefix=False)
    return str(value).strip().casefold()


def _areas(i: int, gdf: gpd.GeoDataFrame, same_by: Sequence[str]) -> list[_Area]:
    """The areas of layer ``i``: its features grouped by the first ``same_by`` column."""
    if not len(gdf) or same_by[0] not in gdf:
        return []
    out = []
    geoms = gdf.geometry.to_numpy()
    core = (gdf["zone"] != "buffer").to_numpy() if "zone" in gdf else np.ones(len(gdf), bool)
    groups = pd.Series(np.arange(len(gdf))).groupby(gdf[same_by[0]].astype(str).to_numpy(), sort=False)
    for key, rows in groups:
        rows = rows.to_numpy()
        sub = gdf.iloc[rows]
        keys = {(c, n) for c in same_by if c in sub for v in sub[c].unique() if (n := _normal(c, v))}
        parts = geoms[rows[core[rows]]] if core[rows].any() else geoms[rows]
        names = [v for v in sub["name"].tolist() if isinstance(v, str) and v.strip()] if "name" in sub else []
        legal = any(c in sub and sub[c].notna().any() for c in LEGAL_COLUMNS)
        out.append(_Area(i, str(key), names[0] if names else str(key), keys,
                         shapely.union_all(shapely.make_valid(parts)), legal))
    return out


def union_areas(frames: Sequence[tuple[str, gpd.GeoDataFrame]], same_by: Sequence[str], *,
                within: shapely.Geometry | None = None) -> tuple[list[set[str]], list[Duplicate], list[Overlap]]:
    """What a union of ``frames`` (``(entry name, layer)`` in the catalog's order, one projected
    CRS in metres) keeps.

    Parameters
    ----------
    within : the study area: duplicates and overlaps are reported when one of their areas lies
        (partly) in it — a nationwide file's areas elsewhere are decided the same way, unreported.

    Returns
    -------
    (kept, duplicates, overlaps): per frame, the keys (values of ``same_by[0]``, as text) of its
    areas that are kept; the areas several layers map (:class:`Duplicate`); areas of different
    layers under different names overlapping over :data:`OVERLAP_SHARE` of the smaller.
    """
    areas = [a for i, (_n, gdf) in enumerate(frames) for a in _areas(i, gdf, same_by)]
    if within is not None:
        shapely.prepare(within)
    def shown(members):
        return within is None or any(shapely.intersects(within, areas[k].geometry) for k in members)
    parent = list(range(len(areas)))

    def root(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k
    first: dict = {}
    for k, a in enumerate(areas):
        for key in a.keys:
            if key in first:
                parent[root(k)] = root(first[key])
            else:
                first[key] = k
    groups: dict[int, list[int]] = {}
    for k in range(len(areas)):
        groups.setdefault(root(k), []).append(k)
    kept = [set() for _ in frames]
    duplicates = []
    for members in groups.values():
        layers = {areas[k].layer for k in members}
        if len(layers) == 1:
            for k in members:
                kept[areas[k].layer].add(areas[k].key)
            continue
        best = min(members, key=lambda k: (not areas[k].legal, areas[k].layer))
        layer = areas[best].layer
        why = "legal" if areas[best].legal and not all(areas[k].legal for k in members) else "order"
        for k in members:
            if areas[k].layer == layer:
                kept[layer].add(areas[k].key)
        a = areas[best]
        if not shown(members):
            continue
        duplicates.append(Duplicate(
            a.name, frames[layer][0], a.key, float(shapely.area(a.geometry) / 1e4),
            tuple((frames[areas[k].layer][0], areas[k].key, float(shapely.area(areas[k].geometry) / 1e4))
                  for k in members if areas[k].layer != layer), why))
    overlaps = _overlaps(frames, [a for a in areas if a.key in kept[a.layer]], within)
    return kept, duplicates, overlaps


def _overlaps(frames, areas: list[_Area], within: shapely.Geometry | None) -> list[Overlap]:
    if len(areas) < 2:
        return []
    geoms = np.array([a.geometry for a in areas], dtype=object)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    out = []
    for i, j in zip(left, right, strict=True):
        a, b = areas[i], areas[j]
        if i >= j or a.layer == b.layer or (within is not None and not (
                shapely.intersects(within, a.geometry) or shapely.intersects(within, b.geometry))):
            continue
        small = min(shapely.area(a.geometry), shapely.area(b.geometry))
        share = shapely.area(shapely.intersection(a.geometry, b.geometry)) / small if small > 0 else 0.0
        if share > OVERLAP_SHARE:
            first, second = (a, b) if a.layer < b.layer else (b, a)
            out.append(Overlap((frames[first.layer][0], first.name), (frames[second.layer][0], second.name),
                               float(share)))
    return out


def combine(frames: Sequence[tuple[str, gpd.GeoDataFrame]], kept: Sequence[set[str]], *, key: str,
            id_column: str | None) -> gpd.GeoDataFrame:
    """The kept areas of ``frames`` in one frame (their CRS), each feature's layer in ``entry``;
    feature ids that two layers share get the entry's name as a prefix (``protected_areas:7110785``)."""
    parts = []
    for order, ((name, gdf), keys) in enumerate(zip(frames, kept, strict=True)):
        if len(gdf) and key in gdf:
            parts.append(gdf[gdf[key].astype(str).isin(keys).to_numpy()].assign(entry=name, _order=order))
    crs = next((g.crs for _n, g in frames if g.crs is not None), None)
    if not parts:
        return gpd.GeoDataFrame({"entry": []}, geometry=[], crs=crs)
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry=parts[0].geometry.name, crs=crs)
    if id_column and id_column in out:
        ids = out[id_column].astype(str)
        first = out.groupby(ids)["_order"].transform("min")
        clash = (out["_order"] != first).to_numpy()
        if clash.any():
            out.loc[clash, id_column] = out.loc[clash, "entry"] + ":" + ids[clash]
    return out.drop(columns="_order")


__all__ = ["LEGAL_COLUMNS", "OVERLAP_SHARE", "Duplicate", "LayerSet", "Overlap", "catalog_entries", "combine",
           "layer_set", "union_areas", "used_entries"]
