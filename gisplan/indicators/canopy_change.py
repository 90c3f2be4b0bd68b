"""Forest change between two canopy-cover (or land-cover class) rasters on one grid, per zone
and per purpose of forest land.

Each year's forest follows :mod:`gisplan.indicators.forest_definition` (threshold or classes,
minimum patch); only pixels observed in both years count, with the exact coverage of zone
edges (:mod:`gisplan.indicators.raster_zones`). Several sets of zones are counted in one pass
over both rasters. Loss can be split by the purpose of forest land (special-use / protection /
production, from a forest-status layer): the parcels are cut exactly by the units and
dissolved per unit and purpose, and the pieces are counted in the same raster pass as the
units. Areas in ha, measured in the rasters' CRS (projected) or on its
ellipsoid (degrees).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gisplan import zonal
from gisplan._threads import is_valid, map_each
from gisplan.crs import in_crs
from gisplan.errors import CRSError, OptionError, SchemaError
from gisplan.indicators.forest_definition import (
    FOREST,
    FOREST_TYPES,
    MIN_OBSERVED_PCT,
    check_options,
    forest_mask,
)
from gisplan.indicators.raster_zones import (
    Raster,
    check_read_as,
    count_classes,
    observed_share,
    prepare_zones,
    raster_info,
    warn_unobserved,
    zone_area_m2,
    zone_m2,
)
from gisplan.overlay import clip_by_units

log = logging.getLogger(__name__)



def forest_change_raster(
    raster_before: Raster,
    raster_after: Raster,
    zones: str | os.PathLike | gpd.GeoDataFrame,
    *,
    id_column: str,
    **options: Any,
) -> pd.DataFrame:
    """Forest loss and gain per zone between two rasters on the same grid.

    Each year's forest follows :func:`forest_cover` (threshold or classes, minimum area);
    only pixels observed in both years count. Areas are measured in the rasters' CRS (projected,
    m²; or on the ellipsoid for rasters in degrees) and reported in ha; zones in another CRS are
    reprojected to it. Only the window of the rasters that the zones cover is read.

    The keyword options (``name_column`` … ``client`` below) are those of
    :func:`forest_change_raster_sets`, with the same defaults; this is its one-set form.

    Parameters
    ----------
    raster_before, raster_after : paths or :class:`gisplan.io.RasterSource` (see
        :func:`forest_cover`); same CRS, transform and size.
    zones, id_column : polygons (any CRS) and their id column.
    name_column : zones' name column copied to the result as ``name`` (when present).
    forest_status : forest-status parcels (or :func:`purpose_zones`) in a projected CRS: the loss
        is also split by their ``purpose_column`` (the purpose of forest land, normally of the
        earlier year), adding ``loss_<purpose>_ha`` columns. The parcels are cut exactly by
        the zones and dissolved per zone and purpose, and the pieces counted by exact coverage
        in the same raster pass.
    threshold, mmu_ha, forest_classes, band, connectivity, min_observed_pct : as
        :func:`forest_cover` (defaults from :data:`FOREST`, range-checked).
    crs : the rasters' CRS when the files carry none (see :func:`forest_cover`).
    client : a ``dask.distributed.Client``: the windows run as its tasks (see :func:`forest_cover`).

    Returns
    -------
    DataFrame with ``id_column``, ``name`` (when ``name_column`` is in the zones), ``area_ha``,
    ``observed_ha`` (observed in both years), ``observed_pct`` (% of the zone), ``observed_ok``
    (observed_pct ≥ ``min_observed_pct``, see :func:`forest_cover`), ``forest_before_ha``,
    ``forest_after_ha``, ``loss_ha``, ``gain_ha``, ``net_ha`` (gain − loss) and ``net_pct`` (net
    change as % of the forest before; NaN when not ``observed_ok``); the areas are NaN for a zone
    observed nowhere in both years. With ``forest_status`` also ``loss_special_use_ha``,
    ``loss_protection_ha``, ``loss_production_ha`` (always) and ``loss_<purpose>_ha`` for any
    other purpose present (e.g. ``outside_planning``). Loss outside every purpose parcel is
    ``loss_ha`` minus their sum.

    Raises
    ------
    CRSError
        When the two rasters are not on the same grid (resample one onto the other first:
        gisplan never resamples silently), or a raster has no CRS and none is declared.
    OptionError, SchemaError, DataMissingError
        As :func:`forest_cover`.
    """
    return forest_change_raster_sets(raster_before, raster_after, {"zones": (zones, id_column)},
                                     purpose_table=False, **options)["zones"]


#: key of the per-purpose table in :func:`forest_change_raster_sets`' result
PURPOSE_TABLE = "purpose"


def forest_change_raster_sets(
    raster_before: Raster,
    raster_after: Raster,
    zone_sets: Mapping[str, tuple[str | os.PathLike | gpd.GeoDataFrame, str]],
    *,
    name_column: str | None = "name",
    forest_status: gpd.GeoDataFrame | None = None,
    purpose_column: str = "purpose",
    purpose_table: bool = True,
    threshold: float = FOREST.threshold,
    mmu_ha: float = FOREST.mmu_ha,
    forest_classes: Sequence[int] | None = None,
    band: int | None = None,
    connectivity: int = 8,
    min_observed_pct: float = MIN_OBSERVED_PCT,
    crs: Any = None,
    progress: bool = False,
    strip_rows: int = zonal.DEFAULT_STRIP_ROWS,
    client: Any = None,
) -> dict[str, pd.DataFrame]:
    """:func:`forest_change_raster` for several sets of zones (communes, protected areas …) in
    one pass over the two rasters.

    Parameters
    ----------
    zone_sets : ``{key: (zones, id_column)}``; zones in any CRS, reprojected to the rasters'.
    forest_status : forest-status parcels (or :func:`purpose_zones`): every set gets the
        ``loss_<purpose>_ha`` columns, and with ``purpose_table`` the result also holds
        ``PURPOSE_TABLE`` (``"purpose"``): the change inside each purpose zone (special-use,
        protection, production …), one row per purpose, with ``purpose`` as its id.
    Other parameters as :func:`forest_change_raster`.

    Returns
    -------
    ``{key: DataFrame}`` with the columns of :func:`forest_change_raster`, areas in ha.
    """
    definition, classes = check_options(threshold=threshold, mmu_ha=mmu_ha, forest_classes=forest_classes,
                                        connectivity=connectivity, min_observed_pct=min_observed_pct)
    path0, crs0, grid0 = raster_info(raster_before, crs)
    path1, crs1, grid1 = raster_info(raster_after, crs)
    if not crs0.equals(crs1) or grid0 != grid1:
        raise CRSError(
            f"{path0} and {path1} are not on the same grid (CRS, transform or "
            f"size differ); warp one onto the other's grid before comparing years"
        )
    if not zone_sets:
        raise OptionError("no zone sets given")
    if forest_status is not None and purpose_table and PURPOSE_TABLE in zone_sets:
        raise OptionError(f"zone set key {PURPOSE_TABLE!r} is taken by the per-purpose table; rename the set")
    # every zone of every set, then every piece (zone ∩ purpose), then the purpose zones: one list
    # of polygons counted in one raster pass; ``parts`` records which rows belong to what
    geoms: list[np.ndarray] = []
    parts: dict[str, dict] = {}
    start = 0
    lots, purposes = (None, []) if forest_status is None else _purpose_lots(forest_status, purpose_column, crs0)
    donor = None
    for key, (zones, id_column) in zone_sets.items():
        gdf, g, info = prepare_zones(path0, crs0, zones, id_column, mmu_ha=definition.mmu_ha)
        part = {"gdf": gdf, "id": id_column, "rows": slice(start, start + len(g))}
        geoms.append(g)
        start += len(g)
        if lots is not None:
            pieces, whole = _purpose_pieces(lots, gdf, len(purposes))
            part.update(pieces=slice(start, start + len(pieces)), piece_zone=pieces["_zone"].to_numpy(),
                        piece_purpose=pieces["_purpose"].to_numpy(),
                        piece_m2=zone_area_m2(pieces.geometry.to_numpy(), info.get("transform"), crs0))
            geoms.append(pieces.geometry.to_numpy())
            start += len(pieces)
            if whole and donor is None:
                donor = key
        parts[key] = part
    if lots is not None and purpose_table:
        # when a set's pieces hold every parcel whole (communes tiling the province), the purpose
        # table is their sum; otherwise the parcels are dissolved per purpose and counted
        if donor is not None:
            part = parts[donor]
            parts[PURPOSE_TABLE] = {"gdf": pd.DataFrame({"purpose": purposes}), "id": "purpose", "rows": None,
                                    "area_m2": np.bincount(part["piece_purpose"], weights=part["piece_m2"],
                                                           minlength=len(purposes))}
        else:
            pz = purpose_zones(forest_status, purpose_column=purpose_column)
            pz = in_crs(pz, crs0)
            parts[PURPOSE_TABLE] = {"gdf": pz, "id": "purpose", "rows": slice(start, start + len(pz))}
            geoms.append(pz.geometry.to_numpy())
            start += len(pz)

    def classify(arrays, masks, strip):
        f0 = forest_mask(arrays[0], masks[0], definition.threshold, classes, info, connectivity, strip)
        f1 = forest_mask(arrays[1], masks[1], definition.threshold, classes, info, connectivity, strip)
        both = masks[0] & masks[1]
        # 0 not observed in both, 1 stable non-forest, 2 stable forest, 3 loss, 4 gain
        cls = np.where(~both, 0, np.where(f0 & f1, 2, np.where(f0, 3, np.where(f1, 4, 1)))).astype(np.int8)
        return strip.core(cls)

    # each raster is what it is read as (canopy cover with a threshold, classes with forest_classes),
    # checked inside the zones' extent
    all_geoms = np.concatenate(geoms)
    for raster in (raster_before, raster_after):
        check_read_as(raster, "tree_cover" if classes is None else "land_cover", band=band,
                      bounds=shapely.total_bounds(all_geoms))
    sums = count_classes([path0, path1], all_geoms, classify, 5, band or 1, progress, strip_rows, info,
                client)
    px_ha = info["sum_m2"] / 1e4
    out = {}
    for key, part in parts.items():
        if part["rows"] is None:  # the purpose table, summed from the donor set's pieces
            rows = np.zeros((len(purposes), sums.shape[1]))
            np.add.at(rows, parts[donor]["piece_purpose"], sums[parts[donor]["pieces"]])
            area_m2 = part["area_m2"]
        else:
            rows = sums[part["rows"]]
            area_m2 = zone_m2(part["gdf"], crs0, info)
        table = _change_table(part["gdf"], part["id"], name_column, rows, px_ha, area_m2, min_observed_pct)
        unobserved = ~(table["observed_ha"].to_numpy() > 0)
        if "pieces" in part:
            by = np.zeros((len(table), len(purposes)))
            np.add.at(by, (part["piece_zone"], part["piece_purpose"]), sums[part["pieces"], 3] * px_ha)
            by[unobserved] = np.nan
            for j, purpose in enumerate(purposes):
                table[f"loss_{purpose}_ha"] = by[:, j]
        what = "forest change" if len(parts) == 1 else f"forest change ({key})"
        warn_unobserved(what, path0, table[part["id"]].to_numpy(), table["area_ha"].to_numpy(),
                         table["observed_pct"].to_numpy(), table["observed_ok"].to_numpy(), min_observed_pct)
        out[key] = table
    return out


def _change_table(gdf, id_column, name_column, sums, px_ha, area_m2, min_observed_pct) -> pd.DataFrame:
    """Change table from per-zone pixel sums of classes 0 unobserved, 1 stable non-forest,
    2 stable forest, 3 loss, 4 gain (``px_ha``: ha per summed unit)."""
    before = (sums[:, 2] + sums[:, 3]) * px_ha
    after = (sums[:, 2] + sums[:, 4]) * px_ha
    loss, gain = sums[:, 3] * px_ha, sums[:, 4] * px_ha
    area_ha = area_m2 / 1e4
    observed = sums[:, 1:].sum(axis=1) * px_ha
    observed_pct, ok = observed_share(area_ha, observed, min_observed_pct)
    seen = observed > 0
    out = pd.DataFrame({id_column: gdf[id_column].to_numpy()})
    if name_column and name_column in gdf.columns and name_column != id_column:
        out["name"] = gdf[name_column].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        return out.assign(**{
            "area_ha": area_ha,
            "observed_ha": observed,
            "observed_pct": observed_pct,
            "observed_ok": ok,
            "forest_before_ha": np.where(seen, before, np.nan),
            "forest_after_ha": np.where(seen, after, np.nan),
            "loss_ha": np.where(seen, loss, np.nan),
            "gain_ha": np.where(seen, gain, np.nan),
            "net_ha": np.where(seen, gain - loss, np.nan),
            "net_pct": np.where(ok & (before > 0), (gain - loss) / before * 100, np.nan),
        })


def purpose_zones(forest_status: gpd.GeoDataFrame, *, purpose_column: str = "purpose") -> gpd.GeoDataFrame:
    """Forest-status parcels dissolved into one (multi)polygon per purpose of forest land.

    Parameters
    ----------
    forest_status : parcels with ``purpose_column`` (``special_use``, ``protection``,
        ``production``, ``outside_planning`` …), in a projected CRS (EPSG:9213 by default).
        Parcels without a purpose are left out.
    purpose_column : the purpose column.

    Returns
    -------
    GeoDataFrame with ``purpose`` (special-use, protection, production first, then any other
    value present in sorted order) and the dissolved geometry, in the parcels' CRS. Forest-status
    layers are partitions, so the dissolve is a (fast) coverage union; parcels that overlap or
    do not form a clean coverage are dissolved with a full union instead.

    Raises
    ------
    SchemaError when ``purpose_column`` is missing; CRSError when the CRS is missing or
    geographic.
    """
    purpose, order = _purposes(forest_status, purpose_column)
    geoms = forest_status.geometry.to_numpy()
    present = pd.Series(purpose).dropna().astype(str)
    dissolved = not present.duplicated().any()  # already one row per purpose (an earlier result)
    groups = [geoms[(purpose == p) & ~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)] for p in order]

    # the purposes are dissolved at once, one per core (GEOS releases the GIL), the largest first
    out = map_each(lambda g: g[0] if dissolved and len(g) == 1 else _dissolve(g), groups, cost=len)
    return gpd.GeoDataFrame({"purpose": order}, geometry=out, crs=forest_status.crs)


def _dissolve(geoms: np.ndarray):
    """Union of polygons that should form a coverage (no overlaps). A clean coverage is merged by
    coverage union; otherwise the polygons whose edges all match their neighbours' (no invalid
    coverage edge) are merged so and the others added to them by a full union — real lots are
    mostly clean, with a few that overlap or miss their neighbours' vertices by a hair."""
    if len(geoms) == 0:
        return shapely.Polygon()
    merged = _coverage_union(geoms)
    if merged is not None:
        return merged
    log.info("forest-status parcels do not form a clean coverage; the others are added by a full union")
    try:
        odd = ~shapely.is_empty(shapely.coverage_invalid_edges(geoms))
    except shapely.errors.GEOSException:
        odd = np.ones(len(geoms), dtype=bool)
    clean = _coverage_union(geoms[~odd]) if (~odd).sum() > 1 else None
    rest = shapely.make_valid(geoms[odd] if clean is not None else geoms)
    merged = shapely.union_all(rest if clean is None else np.r_[np.array([clean], dtype=object), rest])
    if shapely.get_type_id(merged) == 7:  # a collection: keep its polygons (drop stray lines/points)
        parts = shapely.get_parts(merged)
        merged = shapely.union_all(parts[np.isin(shapely.get_type_id(parts), (3, 6))])
    return merged


def _coverage_union(geoms: np.ndarray):
    """Coverage union of ``geoms`` when it is valid and keeps their total area (they form a clean
    coverage), else None."""
    total = shapely.area(geoms).sum()
    try:
        merged = shapely.coverage_union_all(geoms)
    except shapely.errors.GEOSException:
        return None
    if is_valid(merged) and abs(shapely.area(merged) - total) <= 1e-9 * max(total, 1.0):
        return merged
    return None


def _purposes(forest_status: gpd.GeoDataFrame, purpose_column: str) -> tuple[np.ndarray, list[str]]:
    """The parcels' purposes and their order (special-use, protection, production, then any
    other value present, sorted), once the column and the CRS are checked."""
    if purpose_column not in forest_status.columns:
        raise SchemaError(f"forest status has no column {purpose_column!r}; columns: "
                          f"{', '.join(map(str, forest_status.columns))}")
    if forest_status.crs is None or not CRS.from_user_input(forest_status.crs).is_projected:
        raise CRSError(f"forest status must be in a projected CRS (e.g. EPSG:9213), got {forest_status.crs}")
    purpose = forest_status[purpose_column].to_numpy()
    present = set(pd.Series(purpose).dropna().astype(str))
    return purpose, list(FOREST_TYPES) + sorted(present - set(FOREST_TYPES))


def _purpose_lots(forest_status: gpd.GeoDataFrame, purpose_column: str, crs: CRS) -> tuple[gpd.GeoDataFrame, list]:
    """The parcels with a purpose and a geometry, in ``crs``, as ``_purpose`` (position in the
    purposes' order, returned beside them) and the geometry."""
    purpose, order = _purposes(forest_status, purpose_column)
    code = pd.Categorical(pd.Series(purpose, dtype=object).astype(str).where(pd.notna(purpose)),
                          categories=order).codes
    geoms = forest_status.geometry.to_numpy()
    keep = (code >= 0) & ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    lots = gpd.GeoDataFrame({"_purpose": code[keep]}, geometry=geoms[keep], crs=forest_status.crs)
    return in_crs(lots, crs), order


def _purpose_pieces(lots: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, n_purposes: int) -> tuple[gpd.GeoDataFrame, bool]:
    """The zones cut exactly by the purposes of forest land: the parcels (:func:`_purpose_lots`)
    cut by the zones, then dissolved per zone and purpose (one per core, largest first; GEOS
    releases the GIL). Returns the pieces — ``_zone`` (position of the zone), ``_purpose`` and
    the geometry — and whether they hold every parcel whole (the zones cover all the parcels
    once, as the communes of the province do: their sums per purpose are the purposes' totals).

    Cutting the parcels first and dissolving within each zone does the same as dissolving each
    purpose over the province and cutting it by the zones, on many small unions instead of a
    few huge ones.
    """
    units = gpd.GeoDataFrame({"_zone": np.arange(len(zones))}, geometry=zones.geometry.to_numpy(), crs=lots.crs)
    cut = clip_by_units(lots, units, unit_id="_zone")
    key = cut["_zone"].to_numpy() * n_purposes + cut["_purpose"].to_numpy()
    keys, group = np.unique(key, return_inverse=True)
    geoms = cut.geometry.to_numpy()
    cut_m2 = np.bincount(cut["_purpose"].to_numpy(), weights=shapely.area(geoms), minlength=n_purposes)
    lot_m2 = np.bincount(lots["_purpose"].to_numpy(), weights=shapely.area(lots.geometry.to_numpy()),
                         minlength=n_purposes)
    whole = bool(np.all(np.abs(cut_m2 - lot_m2) <= 1e-9 * np.maximum(lot_m2, 1.0)))
    order = np.argsort(group, kind="stable")
    groups = np.split(geoms[order], np.flatnonzero(np.diff(group[order])) + 1) if len(order) else []
    pieces = gpd.GeoDataFrame({"_zone": keys // n_purposes, "_purpose": keys % n_purposes},
                              geometry=map_each(_dissolve, groups, cost=len), crs=lots.crs)
    return pieces, whole
