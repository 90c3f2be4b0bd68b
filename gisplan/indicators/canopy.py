"""Forest cover and forest change from rasters (canopy-cover % or land-cover classes).

A pixel is forest when its canopy cover reaches the threshold (default 10 %: canopy closure 0.1,
Law on Forestry 16/2017/QH14 Art. 2.3) — or, for a class raster, when its class is in
``forest_classes``. Contiguous forest patches (8-connected by default) smaller than the minimum
area (default 0.3 ha) are not forest; patches are taken whole across zone boundaries. Pixels on
zone edges count by the exact fraction of the pixel inside the zone (as exactextract's
coverage fractions), nodata pixels count neither as observed nor as forest.

Zones are reprojected to the raster's CRS (any CRS pyproj accepts); the raster is never
resampled. A raster without a CRS in the file is used only when its CRS is declared (a
:class:`gisplan.io.RasterSource` from ``open_raster(..., crs=…)`` or a catalog entry, or the
``crs`` argument); otherwise it is an error. Rasters are streamed in strips, so they may be
larger than memory.

Forest change can be split by the purpose of forest land (special-use / protection / production,
from a forest-status layer): the purpose parcels are dissolved into one zone per purpose
(:func:`purpose_zones`), cut exactly by the units, and the pieces are counted in the same raster
pass as the units.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import CRS

from gisplan import zonal
from gisplan.crs import to_crs
from gisplan.errors import CRSError, LayerNotFoundError, SchemaError
from gisplan.io import RasterSource
from gisplan.overlay import clip_by_units

log = logging.getLogger(__name__)

#: forest purposes (``forest_status.purpose``) always reported, in this order
PURPOSES = ("special_use", "protection", "production")

Raster = str | os.PathLike | RasterSource


def forest_cover(
    raster: Raster,
    zones: str | os.PathLike | gpd.GeoDataFrame,
    *,
    id_column: str,
    threshold: float = 10,
    mmu_ha: float = 0.3,
    forest_classes: Sequence[int] | None = None,
    band: int = 1,
    connectivity: int = 8,
    crs: Any = None,
    progress: bool = False,
    strip_rows: int = zonal.DEFAULT_STRIP_ROWS,
) -> pd.DataFrame:
    """Forest cover per zone from a canopy-cover (%) or land-cover class raster.

    Parameters
    ----------
    raster : path of a GeoTIFF in a projected CRS (pixel areas in m²), or a
        :class:`gisplan.io.RasterSource` (``open_raster``), whose CRS — read from the file or
        declared — is used.
    zones : polygons (GeoDataFrame or a vector file), any CRS; reprojected to the raster's CRS.
    id_column : the zones' id column, copied to the result.
    threshold : canopy cover (%) from which a pixel is forest (``value >= threshold``).
    mmu_ha : minimum forest patch area in ha; patches with an area below it are dropped before
        counting (``0`` switches the rule off).
    forest_classes : class codes that are forest (class rasters); ``threshold`` is then ignored.
    band : raster band.
    connectivity : 8 (default) or 4, for patches.
    crs : the raster's CRS when the file carries none (anything pyproj accepts, e.g.
        ``"EPSG:9213"``, as a catalog entry's ``crs``). A CRS that contradicts the file's is an
        error.
    progress : show a progress bar.

    Returns
    -------
    DataFrame with ``id_column``, ``area_ha`` (zone area in the raster's CRS), ``observed_ha``
    (area with valid data), ``forest_ha``, ``forest_pct`` (forest_ha / observed_ha × 100) and
    ``observed_pct`` (observed_ha / area_ha × 100), in the zones' order.

    Raises
    ------
    CRSError
        When the raster has no CRS and none is declared, or is in degrees.

    Examples
    --------
    >>> forest_cover("tree_cover_2024.tif", "communes.gpkg", id_column="code")  # doctest: +SKIP
    """
    path, rcrs, _ = _raster_info(raster, crs)
    gdf, geoms, info = _prepare(path, rcrs, zones, id_column)
    n_min = zonal.min_patch_pixels(mmu_ha * 1e4, info["pixel_m2"])

    def classify(arrays, masks, top, bottom, open_top, open_bottom):
        forest = _forest_mask(arrays[0], masks[0], threshold, forest_classes, n_min, connectivity,
                              open_top, open_bottom)
        cls = masks[0].astype(np.int8) + forest
        return cls[top: cls.shape[0] - bottom]

    sums = _run([path], geoms, classify, 3, n_min, band, progress, strip_rows, info)
    px_ha = info["pixel_m2"] / 1e4
    area_ha = gdf.geometry.area.to_numpy() / 1e4
    observed = (sums[:, 1] + sums[:, 2]) * px_ha
    forest = sums[:, 2] * px_ha
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({
            id_column: gdf[id_column].to_numpy(),
            "area_ha": area_ha,
            "observed_ha": observed,
            "forest_ha": forest,
            "forest_pct": np.where(observed > 0, forest / observed * 100, np.nan),
            "observed_pct": np.where(area_ha > 0, observed / area_ha * 100, np.nan),
        })


def forest_change_raster(
    raster_before: Raster,
    raster_after: Raster,
    zones: str | os.PathLike | gpd.GeoDataFrame,
    *,
    id_column: str,
    name_column: str | None = "name",
    forest_status: gpd.GeoDataFrame | None = None,
    purpose_column: str = "purpose",
    threshold: float = 10,
    mmu_ha: float = 0.3,
    forest_classes: Sequence[int] | None = None,
    band: int = 1,
    connectivity: int = 8,
    crs: Any = None,
    progress: bool = False,
    strip_rows: int = zonal.DEFAULT_STRIP_ROWS,
) -> pd.DataFrame:
    """Forest loss and gain per zone between two rasters on the same grid.

    Each year's forest follows :func:`forest_cover` (threshold or classes, minimum area);
    only pixels observed in both years count. Areas are measured in the rasters' CRS (projected,
    m²) and reported in ha; zones in another CRS are reprojected to it.

    Parameters
    ----------
    raster_before, raster_after : paths or :class:`gisplan.io.RasterSource` (see
        :func:`forest_cover`); same CRS, transform and size.
    zones, id_column : polygons (any CRS) and their id column.
    name_column : zones' name column copied to the result as ``name`` (when present).
    forest_status : forest-status parcels (or :func:`purpose_zones`) in a projected CRS: the loss
        is also split by their ``purpose_column`` (the purpose of forest land, normally of the
        earlier year), adding ``loss_<purpose>_ha`` columns. Parcels of one purpose are
        dissolved, cut exactly by the zones, and the pieces counted by exact coverage in the
        same raster pass.
    crs : the rasters' CRS when the files carry none (see :func:`forest_cover`).

    Returns
    -------
    DataFrame with ``id_column``, ``name`` (when ``name_column`` is in the zones), ``area_ha``,
    ``observed_ha`` (observed in both years), ``forest_before_ha``, ``forest_after_ha``,
    ``loss_ha``, ``gain_ha``, ``net_ha`` (gain − loss) and ``net_pct`` (net change as % of the
    forest before); with ``forest_status`` also ``loss_special_use_ha``,
    ``loss_protection_ha``, ``loss_production_ha`` (always) and ``loss_<purpose>_ha`` for any
    other purpose present (e.g. ``outside_planning``). Loss outside every purpose parcel is
    ``loss_ha`` minus their sum.

    Raises
    ------
    CRSError
        When the two rasters are not on the same grid (resample one onto the other first:
        gisplan never resamples silently), or a raster has no CRS and none is declared.
    """
    return forest_change_raster_sets(
        raster_before, raster_after, {"zones": (zones, id_column)}, name_column=name_column,
        forest_status=forest_status, purpose_column=purpose_column, purpose_table=False, threshold=threshold,
        mmu_ha=mmu_ha, forest_classes=forest_classes, band=band, connectivity=connectivity, crs=crs,
        progress=progress, strip_rows=strip_rows)["zones"]


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
    threshold: float = 10,
    mmu_ha: float = 0.3,
    forest_classes: Sequence[int] | None = None,
    band: int = 1,
    connectivity: int = 8,
    crs: Any = None,
    progress: bool = False,
    strip_rows: int = zonal.DEFAULT_STRIP_ROWS,
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
    path0, crs0, grid0 = _raster_info(raster_before, crs)
    path1, crs1, grid1 = _raster_info(raster_after, crs)
    if not crs0.equals(crs1) or grid0 != grid1:
        raise CRSError(
            f"{path0} and {path1} are not on the same grid (CRS, transform or "
            f"size differ); warp one onto the other's grid before comparing years"
        )
    if not zone_sets:
        raise ValueError("no zone sets given")
    if forest_status is not None and purpose_table and PURPOSE_TABLE in zone_sets:
        raise ValueError(f"zone set key {PURPOSE_TABLE!r} is taken by the per-purpose table; rename the set")
    # every zone of every set, then every piece (zone ∩ purpose), then the purpose zones: one list
    # of polygons counted in one raster pass; ``parts`` records which rows belong to what
    geoms: list[np.ndarray] = []
    parts: dict[str, dict] = {}
    start = 0
    pz = None
    if forest_status is not None:
        pz = purpose_zones(forest_status, purpose_column=purpose_column)
        if not CRS.from_user_input(pz.crs).equals(crs0):
            pz = pz.to_crs(crs0)
    for key, (zones, id_column) in zone_sets.items():
        gdf, g, info = _prepare(path0, crs0, zones, id_column)
        part = {"gdf": gdf, "id": id_column, "rows": slice(start, start + len(g))}
        geoms.append(g)
        start += len(g)
        if pz is not None:
            pieces = _purpose_pieces(pz, gdf, crs0)
            part.update(pieces=slice(start, start + len(pieces)), piece_zone=pieces["_zone"].to_numpy(),
                        piece_purpose=pieces["_purpose"].to_numpy(), piece_m2=pieces.geometry.area.to_numpy())
            geoms.append(pieces.geometry.to_numpy())
            start += len(pieces)
        parts[key] = part
    donor = None
    if pz is not None and purpose_table:
        # when a set's pieces cover every purpose zone exactly (communes tiling the province),
        # the purpose table is their sum; otherwise the purpose zones are counted themselves
        pz_m2 = pz.geometry.area.to_numpy()
        for key, part in parts.items():
            got = np.bincount(part["piece_purpose"], weights=part["piece_m2"], minlength=len(pz))
            if np.all(np.abs(got - pz_m2) <= 1e-9 * np.maximum(pz_m2, 1.0)):
                donor = key
                break
        parts[PURPOSE_TABLE] = {"gdf": pz, "id": "purpose", "rows": slice(start, start + len(pz) * (donor is None))}
        if donor is None:
            geoms.append(pz.geometry.to_numpy())
            start += len(pz)
    n_min = zonal.min_patch_pixels(mmu_ha * 1e4, info["pixel_m2"])

    def classify(arrays, masks, top, bottom, open_top, open_bottom):
        f0 = _forest_mask(arrays[0], masks[0], threshold, forest_classes, n_min, connectivity,
                          open_top, open_bottom)
        f1 = _forest_mask(arrays[1], masks[1], threshold, forest_classes, n_min, connectivity,
                          open_top, open_bottom)
        both = masks[0] & masks[1]
        # 0 not observed in both, 1 stable non-forest, 2 stable forest, 3 loss, 4 gain
        cls = np.where(~both, 0, np.where(f0 & f1, 2, np.where(f0, 3, np.where(f1, 4, 1)))).astype(np.int8)
        return cls[top: cls.shape[0] - bottom]

    sums = _run([path0, path1], np.concatenate(geoms), classify, 5, n_min, band, progress, strip_rows, info)
    px_ha = info["pixel_m2"] / 1e4
    purposes = list(pz["purpose"]) if pz is not None else []
    out = {}
    if donor is not None:
        part = parts[donor]
        by_purpose = np.zeros((len(pz), sums.shape[1]))
        np.add.at(by_purpose, part["piece_purpose"], sums[part["pieces"]])
    for key, part in parts.items():
        rows = by_purpose if key == PURPOSE_TABLE and donor is not None else sums[part["rows"]]
        table = _change_table(part["gdf"], part["id"], name_column, rows, px_ha)
        if "pieces" in part:
            by = np.zeros((len(table), len(purposes)))
            np.add.at(by, (part["piece_zone"], part["piece_purpose"]), sums[part["pieces"], 3] * px_ha)
            for j, purpose in enumerate(purposes):
                table[f"loss_{purpose}_ha"] = by[:, j]
        out[key] = table
    return out


def _change_table(gdf, id_column, name_column, sums, px_ha) -> pd.DataFrame:
    """Change table from per-zone pixel sums of classes 0 unobserved, 1 stable non-forest,
    2 stable forest, 3 loss, 4 gain."""
    before = (sums[:, 2] + sums[:, 3]) * px_ha
    after = (sums[:, 2] + sums[:, 4]) * px_ha
    loss, gain = sums[:, 3] * px_ha, sums[:, 4] * px_ha
    out = pd.DataFrame({id_column: gdf[id_column].to_numpy()})
    if name_column and name_column in gdf.columns and name_column != id_column:
        out["name"] = gdf[name_column].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        return out.assign(**{
            "area_ha": gdf.geometry.area.to_numpy() / 1e4,
            "observed_ha": sums[:, 1:].sum(axis=1) * px_ha,
            "forest_before_ha": before,
            "forest_after_ha": after,
            "loss_ha": loss,
            "gain_ha": gain,
            "net_ha": gain - loss,
            "net_pct": np.where(before > 0, (gain - loss) / before * 100, np.nan),
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
    if purpose_column not in forest_status.columns:
        raise SchemaError(f"forest status has no column {purpose_column!r}; columns: "
                          f"{', '.join(map(str, forest_status.columns))}")
    if forest_status.crs is None or not CRS.from_user_input(forest_status.crs).is_projected:
        raise CRSError(f"forest status must be in a projected CRS (e.g. EPSG:9213), got {forest_status.crs}")
    purpose = forest_status[purpose_column].to_numpy()
    geoms = forest_status.geometry.to_numpy()
    present = pd.Series(purpose).dropna().astype(str)
    order = list(PURPOSES) + sorted(set(present) - set(PURPOSES))
    dissolved = not present.duplicated().any()  # already one row per purpose (an earlier result)
    out = []
    for p in order:
        g = geoms[(purpose == p) & ~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)]
        out.append(g[0] if dissolved and len(g) == 1 else _dissolve(g))
    return gpd.GeoDataFrame({"purpose": order}, geometry=out, crs=forest_status.crs)


# ---------------------------------------------------------------------------------------------
def _dissolve(geoms: np.ndarray):
    """Union of polygons that should form a coverage (no overlaps): coverage union when the
    result is valid and conserves the area, else a full union."""
    if len(geoms) == 0:
        return shapely.Polygon()
    total = shapely.area(geoms).sum()
    try:
        merged = shapely.coverage_union_all(geoms)
        if shapely.is_valid(merged) and abs(shapely.area(merged) - total) <= 1e-9 * max(total, 1.0):
            return merged
    except shapely.errors.GEOSException:
        pass
    log.info("forest-status parcels do not form a clean coverage; dissolving with a full union")
    merged = shapely.union_all(shapely.make_valid(geoms))
    if shapely.get_type_id(merged) == 7:  # a collection: keep its polygons (drop stray lines/points)
        parts = shapely.get_parts(merged)
        merged = shapely.union_all(parts[np.isin(shapely.get_type_id(parts), (3, 6))])
    return merged


def _purpose_pieces(pz: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    """Zones cut exactly by the purpose zones ``pz`` (both in the raster's CRS): ``_zone``
    (position of the zone), ``_purpose`` (row of ``pz``) and the piece geometry."""
    pz = gpd.GeoDataFrame({"_purpose": np.arange(len(pz))}, geometry=pz.geometry.to_numpy(), crs=crs)
    units = gpd.GeoDataFrame({"_zone": np.arange(len(zones))}, geometry=zones.geometry.to_numpy(), crs=crs)
    # few units against a few huge purpose zones: clip_by_units cuts each purpose zone to the
    # unit's bounding box before intersecting, so the units are the features here
    return clip_by_units(units, pz, unit_id="_purpose")


def _raster_info(raster: Raster, crs: Any = None) -> tuple[str, CRS, tuple]:
    """(path, CRS, grid) of a raster: the file's CRS, else the declared one (``RasterSource``
    from ``open_raster(..., crs=…)``/a catalog entry, or ``crs``). Never assumed silently."""
    declared = to_crs(crs) if crs is not None else None
    if isinstance(raster, RasterSource):
        if declared is not None and not declared.equals(raster.crs):
            raise CRSError(f"raster {raster.path}: crs={declared.to_string()} contradicts the CRS of the opened "
                           f"raster source ({raster.crs.to_string()})")
        declared = raster.crs
        path = raster.path
    else:
        path = raster
    if not os.path.exists(path):
        raise LayerNotFoundError(f"raster {path} does not exist")
    with rasterio.open(path) as ds:
        file_crs = ds.crs
        grid = (tuple(ds.transform), ds.height, ds.width)
    if file_crs is None and declared is None:
        raise CRSError(f"raster {path} has no CRS; declare it (crs = \"EPSG:9213\" in the catalog entry, "
                       f"open_raster(..., crs=…) or crs=…) or write it into the file (gdal_edit.py -a_srs EPSG:9213 …)")
    if file_crs is not None:
        fcrs = CRS.from_user_input(file_crs)
        if declared is not None and not fcrs.equals(declared):
            raise CRSError(f"raster {path} is in {fcrs.name} but {declared.name} was declared for it; "
                           f"drop the declaration or fix the file")
        return path, fcrs, grid
    log.info("raster %s has no CRS in the file; using the declared %s", path, declared.name)
    return path, declared, grid


def _prepare(path, crs: CRS, zones, id_column):
    if not crs.is_projected:
        raise CRSError(f"raster {path} is in {crs.name} (degrees); warp it to a projected CRS "
                       f"such as EPSG:9213 so that pixel areas are in m²")
    with rasterio.open(path) as ds:
        transform, height = ds.transform, ds.height
    gdf = zones if isinstance(zones, gpd.GeoDataFrame) else gpd.read_file(zones)
    if gdf.crs is None:
        raise CRSError("the zones have no CRS; set one (e.g. gdf.set_crs(9213)) first")
    if id_column not in gdf.columns:
        raise SchemaError(f"zones have no column {id_column!r}; columns: {', '.join(map(str, gdf.columns))}")
    gdf = gdf.to_crs(crs) if not CRS.from_user_input(gdf.crs).equals(crs) else gdf.copy()
    kinds = set(gdf.geometry.geom_type)
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise SchemaError(f"zones must be polygons, got {', '.join(sorted(kinds))}")
    info = {"pixel_m2": abs(transform.a * transform.e), "height_rows": height}
    return gdf, gdf.geometry.to_numpy(), info


def _run(sources, geoms, classify, n_classes, n_min, band, progress, strip_rows, info):
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=info["height_rows"], unit="rows", desc="forest cover")
    try:
        return zonal.class_sums(sources, geoms, classify, n_classes, halo_rows=n_min, band=band,
                                strip_rows=strip_rows, progress=bar)
    finally:
        if bar is not None:
            bar.close()


def _forest_mask(values, valid, threshold, forest_classes, n_min, connectivity, open_top, open_bottom):
    """Forest pixels of a strip after the minimum-area rule.

    The strip carries ``n_min`` halo rows on each side that has more rows beyond (``open_*``):
    a patch that reaches such an edge spans more than ``n_min`` rows, hence has at least
    ``n_min`` pixels, and is kept; any other patch is seen whole.
    """
    if forest_classes is not None:
        forest = np.isin(values, np.asarray(forest_classes)) & valid
    else:
        forest = (values >= threshold) & valid
    return zonal.sieve_small(forest, n_min, connectivity=connectivity, open_top=open_top, open_bottom=open_bottom)
