"""Forest cover and forest change from rasters (canopy-cover % or land-cover classes).

A pixel is forest when its canopy cover reaches the threshold (default 10 %: canopy closure 0.1,
Law on Forestry 16/2017/QH14 Art. 2.3) — or, for a class raster, when its class is in
``forest_classes``. Contiguous forest patches (8-connected by default) smaller than the minimum
area (default 0.3 ha) are not forest; patches are taken whole across zone boundaries. Pixels on
zone edges count by the exact fraction of the pixel inside the zone (as exactextract's
coverage fractions), nodata pixels count neither as observed nor as forest.

Every table reports the share of each zone the raster observed (``observed_pct``: valid
pixels' exact coverage ÷ zone area); a zone observed below ``min_observed_pct`` (default 90 %)
is flagged (``observed_ok`` False), its percentages are NaN (never a number computed from a
sliver of the zone) and a :class:`~gisplan.errors.GisplanWarning` names it. A zone the raster
did not observe at all has NaN forest areas too: unknown is never shown as 0. In a float raster
NaN and ±inf are nodata whether or not a nodata value is declared.

Zones are reprojected to the raster's CRS (any CRS pyproj accepts); the raster is never
resampled. Rasters in a projected CRS have one pixel area; rasters in geographic coordinates
(degrees, e.g. MODIS or SRTM tiles in WGS 84) are measured with the exact ellipsoidal area of
each row's cells and zone areas on the ellipsoid. A raster without a CRS in the file is used
only when its CRS is declared (a :class:`gisplan.io.RasterSource` from
``open_raster(..., crs=…)`` or a catalog entry, or the ``crs`` argument); otherwise it is an
error. Only the window of the raster that the zones cover is read, in strips, so rasters may
be larger than memory and a province's zones on a national raster cost what the province costs.

Forest change can be split by the purpose of forest land (special-use / protection / production,
from a forest-status layer): the purpose parcels are dissolved into one zone per purpose
(:func:`purpose_zones`), cut exactly by the units, and the pieces are counted in the same raster
pass as the units.
"""

from __future__ import annotations

import logging
import math
import numbers
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import CRS

from gisplan import zonal
from gisplan.crs import to_crs
from gisplan.errors import (
    CRSError,
    GisplanWarning,
    LayerNotFoundError,
    OptionError,
    ReadError,
    RepairWarning,
    SchemaError,
)
from gisplan.io import RasterSource, read_layer
from gisplan.overlay import clip_by_units

log = logging.getLogger(__name__)

#: forest purposes (``forest_status.purpose``) always reported, in this order
PURPOSES = ("special_use", "protection", "production")

Raster = str | os.PathLike | RasterSource

#: zones observed below this share (%) of their area are flagged and get no percentages
MIN_OBSERVED_PCT = 90.0


def _real(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise OptionError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise OptionError(f"{name} must be a finite number, got {value!r}")
    return v


def _percent(name: str, value: Any) -> float:
    v = _real(name, value)
    if not 0 <= v <= 100:
        raise OptionError(f"{name}={value!r} is outside 0–100 (%)")
    return v


@dataclass(frozen=True)
class ForestDefinition:
    """What counts as forest on a raster: canopy cover ≥ ``threshold`` % (Law on Forestry
    16/2017/QH14 Art. 2.3: canopy closure ≥ 0.1) in a contiguous patch of ≥ ``mmu_ha`` ha
    (≥ 0.3 ha). The defaults of every raster forest function come from here.

    Raises
    ------
    OptionError
        ``threshold`` outside 0–100, ``mmu_ha`` negative or not finite.
    """

    threshold: float = 10.0
    mmu_ha: float = 0.3

    def __post_init__(self) -> None:
        _percent("threshold", self.threshold)
        if _real("mmu_ha", self.mmu_ha) < 0:
            raise OptionError(f"mmu_ha={self.mmu_ha!r} must be ≥ 0 (ha; 0 switches the minimum area off)")


#: the legal definition (canopy ≥ 10 %, patch ≥ 0.3 ha)
FOREST = ForestDefinition()


def check_options(*, threshold: Any = FOREST.threshold, mmu_ha: Any = FOREST.mmu_ha,
                  forest_classes: Any = None, connectivity: Any = 8,
                  min_observed_pct: Any = MIN_OBSERVED_PCT) -> tuple[ForestDefinition, list[int] | None]:
    """Range-check the raster forest options; returns the definition and the forest classes as
    a list of ints (or None).

    Raises
    ------
    OptionError
        ``threshold`` or ``min_observed_pct`` outside 0–100, ``mmu_ha`` negative or not
        finite, ``forest_classes`` not a non-empty list of integers, ``connectivity`` not 4 or 8.
    """
    definition = ForestDefinition(threshold, mmu_ha)
    _percent("min_observed_pct", min_observed_pct)
    if isinstance(connectivity, bool) or connectivity not in (4, 8):
        raise OptionError(f"connectivity={connectivity!r} must be 4 or 8 (pixels sharing an edge, or an edge "
                          f"or a corner)")
    classes = None
    if forest_classes is not None:
        bad = isinstance(forest_classes, (str, bytes)) or not isinstance(forest_classes, (Sequence, np.ndarray))
        items = [] if bad else list(forest_classes)
        if bad or not items or not all(isinstance(c, numbers.Integral) and not isinstance(c, bool)
                                       for c in items):
            raise OptionError(f"forest_classes must be a non-empty list of integer class codes (e.g. [1, 2]), "
                              f"got {forest_classes!r}")
        classes = [int(c) for c in items]
    return definition, classes


def forest_cover(
    raster: Raster,
    zones: str | os.PathLike | gpd.GeoDataFrame,
    *,
    id_column: str,
    threshold: float = FOREST.threshold,
    mmu_ha: float = FOREST.mmu_ha,
    forest_classes: Sequence[int] | None = None,
    band: int = 1,
    connectivity: int = 8,
    min_observed_pct: float = MIN_OBSERVED_PCT,
    crs: Any = None,
    layer: str | None = None,
    encoding: str = "auto",
    progress: bool = False,
    strip_rows: int = zonal.DEFAULT_STRIP_ROWS,
    client: Any = None,
) -> pd.DataFrame:
    """Forest cover per zone from a canopy-cover (%) or land-cover class raster.

    Parameters
    ----------
    raster : path of a GeoTIFF (projected CRS, or geographic: cell areas on the ellipsoid), or a
        :class:`gisplan.io.RasterSource` (``open_raster``), whose CRS — read from the file or
        declared — is used.
    zones : polygons, any CRS (reprojected to the raster's): a GeoDataFrame, or a vector file
        read with :func:`gisplan.io.read_layer` (``layer``, ``encoding``; no-.prj recognition,
        legacy text, geometry checks).
    id_column : the zones' id column, copied to the result; its values must be unique.
    threshold : canopy cover (%) from which a pixel is forest (``value >= threshold``), 0–100.
    mmu_ha : minimum forest patch area in ha (≥ 0); patches with an area below it are dropped
        before counting (``0`` switches the rule off).
    forest_classes : class codes that are forest (class rasters); ``threshold`` is then ignored.
    band : raster band.
    connectivity : 8 (default) or 4, for patches.
    min_observed_pct : zones whose observed share is below it (%) get ``observed_ok`` False,
        ``forest_pct`` NaN and a :class:`~gisplan.errors.GisplanWarning` naming them.
    crs : the raster's CRS when the file carries none (anything pyproj accepts, e.g.
        ``"EPSG:9213"``, as a catalog entry's ``crs``). A CRS that contradicts the file's is an
        error.
    layer, encoding : for a zones file (see :func:`gisplan.io.read_layer`).
    progress : show a progress bar.
    strip_rows : rows of a window read at once.
    client : a ``dask.distributed.Client`` (:func:`gisplan.distributed.get_client`): the windows
        are read and counted as its tasks, each worker opening the raster itself; the result is
        the same to the last digit as without one.

    Returns
    -------
    DataFrame with ``id_column``, ``area_ha`` (zone area, in the raster's CRS or on its
    ellipsoid), ``observed_ha`` (area with valid data), ``forest_ha`` (NaN when nothing was
    observed), ``forest_pct`` (forest_ha / observed_ha × 100; NaN when not ``observed_ok``),
    ``observed_pct`` (observed_ha / area_ha × 100) and ``observed_ok``, in the zones' order.

    Raises
    ------
    OptionError
        An option out of its range.
    CRSError
        When the raster has no CRS and none is declared.
    SchemaError
        ``id_column`` missing, duplicated or null ids, null or empty zone geometries.
    DataMissingError
        When the raster covers none of the zones.

    Examples
    --------
    >>> forest_cover("tree_cover_2024.tif", "communes.gpkg", id_column="code")  # doctest: +SKIP
    """
    definition, classes = check_options(threshold=threshold, mmu_ha=mmu_ha, forest_classes=forest_classes,
                                        connectivity=connectivity, min_observed_pct=min_observed_pct)
    path, rcrs, _ = _raster_info(raster, crs)
    gdf, geoms, info = _prepare(path, rcrs, zones, id_column, layer=layer, encoding=encoding,
                                mmu_ha=definition.mmu_ha)

    def classify(arrays, masks, strip):
        forest = _forest_mask(arrays[0], masks[0], definition.threshold, classes, info, connectivity, strip)
        cls = masks[0].astype(np.int8) + forest
        return strip.core(cls)

    sums = _run([path], geoms, classify, 3, band, progress, strip_rows, info, client)
    px_ha = info["sum_m2"] / 1e4
    area_ha = info["zone_m2"] / 1e4
    observed = (sums[:, 1] + sums[:, 2]) * px_ha
    forest = sums[:, 2] * px_ha
    observed_pct, ok = _observed_share(area_ha, observed, min_observed_pct)
    ids = gdf[id_column].to_numpy()
    _warn_unobserved("forest cover", path, ids, area_ha, observed_pct, ok, min_observed_pct)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({
            id_column: ids,
            "area_ha": area_ha,
            "observed_ha": observed,
            "forest_ha": np.where(observed > 0, forest, np.nan),
            "forest_pct": np.where(ok & (observed > 0), forest / observed * 100, np.nan),
            "observed_pct": observed_pct,
            "observed_ok": ok,
        })


def _observed_share(area_ha: np.ndarray, observed_ha: np.ndarray, min_pct: float) -> tuple[np.ndarray, np.ndarray]:
    """(observed %, observed_ok) per zone; a zone of no area is not ok (nothing to observe)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(area_ha > 0, observed_ha / area_ha * 100, np.nan)
    # exact coverage sums equal the zone's area to ~1e-9: a fully observed zone passes 100 %
    return pct, np.nan_to_num(pct, nan=-1.0) >= min_pct - 1e-6


def _warn_unobserved(what: str, path, ids, area_ha, observed_pct, ok, min_pct: float) -> None:
    """One :class:`GisplanWarning` naming the zones (with area) observed below ``min_pct``."""
    bad = np.flatnonzero(~ok & (area_ha > 0))
    if not len(bad):
        return
    shown = ", ".join(f"{ids[i]} ({observed_pct[i]:.1f} %)" for i in bad[:12])
    more = f" and {len(bad) - 12} more" if len(bad) > 12 else ""
    warnings.warn(
        f"{what}: {len(bad)} of {len(ids)} zones are observed by raster {path} over less than {min_pct:g} % of "
        f"their area, so their percentages are left empty (NaN) and observed_ok is False: {shown}{more}",
        GisplanWarning, stacklevel=3)


def forest_change_raster(
    raster_before: Raster,
    raster_after: Raster,
    zones: str | os.PathLike | gpd.GeoDataFrame,
    *,
    id_column: str,
    name_column: str | None = "name",
    forest_status: gpd.GeoDataFrame | None = None,
    purpose_column: str = "purpose",
    threshold: float = FOREST.threshold,
    mmu_ha: float = FOREST.mmu_ha,
    forest_classes: Sequence[int] | None = None,
    band: int = 1,
    connectivity: int = 8,
    min_observed_pct: float = MIN_OBSERVED_PCT,
    crs: Any = None,
    progress: bool = False,
    strip_rows: int = zonal.DEFAULT_STRIP_ROWS,
    client: Any = None,
) -> pd.DataFrame:
    """Forest loss and gain per zone between two rasters on the same grid.

    Each year's forest follows :func:`forest_cover` (threshold or classes, minimum area);
    only pixels observed in both years count. Areas are measured in the rasters' CRS (projected,
    m²; or on the ellipsoid for rasters in degrees) and reported in ha; zones in another CRS are
    reprojected to it. Only the window of the rasters that the zones cover is read.

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
    return forest_change_raster_sets(
        raster_before, raster_after, {"zones": (zones, id_column)}, name_column=name_column,
        forest_status=forest_status, purpose_column=purpose_column, purpose_table=False, threshold=threshold,
        mmu_ha=mmu_ha, forest_classes=forest_classes, band=band, connectivity=connectivity,
        min_observed_pct=min_observed_pct, crs=crs, progress=progress, strip_rows=strip_rows,
        client=client)["zones"]


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
    band: int = 1,
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
    path0, crs0, grid0 = _raster_info(raster_before, crs)
    path1, crs1, grid1 = _raster_info(raster_after, crs)
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
    pz = None
    if forest_status is not None:
        pz = purpose_zones(forest_status, purpose_column=purpose_column)
        if not CRS.from_user_input(pz.crs).equals(crs0):
            pz = pz.to_crs(crs0)
    for key, (zones, id_column) in zone_sets.items():
        gdf, g, info = _prepare(path0, crs0, zones, id_column, mmu_ha=definition.mmu_ha)
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
    def classify(arrays, masks, strip):
        f0 = _forest_mask(arrays[0], masks[0], definition.threshold, classes, info, connectivity, strip)
        f1 = _forest_mask(arrays[1], masks[1], definition.threshold, classes, info, connectivity, strip)
        both = masks[0] & masks[1]
        # 0 not observed in both, 1 stable non-forest, 2 stable forest, 3 loss, 4 gain
        cls = np.where(~both, 0, np.where(f0 & f1, 2, np.where(f0, 3, np.where(f1, 4, 1)))).astype(np.int8)
        return strip.core(cls)

    sums = _run([path0, path1], np.concatenate(geoms), classify, 5, band, progress, strip_rows, info,
                client)
    px_ha = info["sum_m2"] / 1e4
    purposes = list(pz["purpose"]) if pz is not None else []
    out = {}
    if donor is not None:
        part = parts[donor]
        by_purpose = np.zeros((len(pz), sums.shape[1]))
        np.add.at(by_purpose, part["piece_purpose"], sums[part["pieces"]])
    for key, part in parts.items():
        rows = by_purpose if key == PURPOSE_TABLE and donor is not None else sums[part["rows"]]
        zone_m2 = _zone_m2(part["gdf"], crs0, info)
        table = _change_table(part["gdf"], part["id"], name_column, rows, px_ha, zone_m2, min_observed_pct)
        unobserved = ~(table["observed_ha"].to_numpy() > 0)
        if "pieces" in part:
            by = np.zeros((len(table), len(purposes)))
            np.add.at(by, (part["piece_zone"], part["piece_purpose"]), sums[part["pieces"], 3] * px_ha)
            by[unobserved] = np.nan
            for j, purpose in enumerate(purposes):
                table[f"loss_{purpose}_ha"] = by[:, j]
        what = "forest change" if len(parts) == 1 else f"forest change ({key})"
        _warn_unobserved(what, path0, table[part["id"]].to_numpy(), table["area_ha"].to_numpy(),
                         table["observed_pct"].to_numpy(), table["observed_ok"].to_numpy(), min_observed_pct)
        out[key] = table
    return out


def _change_table(gdf, id_column, name_column, sums, px_ha, zone_m2, min_observed_pct) -> pd.DataFrame:
    """Change table from per-zone pixel sums of classes 0 unobserved, 1 stable non-forest,
    2 stable forest, 3 loss, 4 gain (``px_ha``: ha per summed unit)."""
    before = (sums[:, 2] + sums[:, 3]) * px_ha
    after = (sums[:, 2] + sums[:, 4]) * px_ha
    loss, gain = sums[:, 3] * px_ha, sums[:, 4] * px_ha
    area_ha = zone_m2 / 1e4
    observed = sums[:, 1:].sum(axis=1) * px_ha
    observed_pct, ok = _observed_share(area_ha, observed, min_observed_pct)
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
    try:
        with rasterio.open(path) as ds:
            file_crs = ds.crs
            grid = (tuple(ds.transform), ds.height, ds.width)
    except rasterio.errors.RasterioIOError as exc:
        raise ReadError(f"cannot read raster {path}: {str(exc).rstrip('.')}. Give a GeoTIFF (or another raster GDAL reads)") from exc
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


def _prepare(path, crs: CRS, zones, id_column, *, mmu_ha: float, layer=None, encoding="auto"):
    """Zones checked and in the raster's CRS, their geometries, and the grid's measures
    (``info``: see :func:`_grid`, plus ``zone_m2``)."""
    info = _grid(path, crs, mmu_ha)
    if isinstance(zones, gpd.GeoDataFrame):
        gdf, where = zones, "zones"
    else:
        # the one reader: no-.prj recognition, legacy text decoding, geometry repair and checks
        gdf, where = read_layer(zones, layer=layer, encoding=encoding, crs=None), f"zones {zones}"
    if gdf.crs is None:
        raise CRSError(f"{where} have no CRS; set one (e.g. gdf.set_crs(9213)) first")
    if id_column not in gdf.columns:
        raise SchemaError(f"{where} have no column {id_column!r}; columns: "
                          f"{', '.join(str(c) for c in gdf.columns if c != gdf.geometry.name)}")
    _check_zones(gdf, id_column, where)
    gdf = gdf.to_crs(crs) if not CRS.from_user_input(gdf.crs).equals(crs) else gdf.copy()
    gdf = _repair(gdf, id_column, where)
    kinds = set(gdf.geometry.geom_type)
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise SchemaError(f"{where} must be polygons, got {', '.join(sorted(kinds))}")
    info["zone_m2"] = _zone_m2(gdf, crs, info)
    return gdf, gdf.geometry.to_numpy(), info


def _repair(gdf: gpd.GeoDataFrame, id_column: str, where: str) -> gpd.GeoDataFrame:
    """Invalid polygons repaired with ``make_valid`` (a warning names the rows) and geometry
    collections reduced to their polygons (e.g. a zone clipped to a boundary it touches)."""
    geoms = gdf.geometry.to_numpy().copy()
    invalid = np.flatnonzero(~shapely.is_valid(geoms))
    if len(invalid):
        geoms[invalid] = shapely.make_valid(geoms[invalid])
        warnings.warn(f"{where}: {len(invalid)} invalid polygon(s) repaired with make_valid at row(s) "
                      f"{_rows_text(invalid, gdf[id_column].to_numpy())}", RepairWarning, stacklevel=4)
    mixed = np.flatnonzero(shapely.get_type_id(geoms) == 7)
    for i in mixed:
        parts = shapely.get_parts(geoms[i])
        polys = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
        if len(polys):
            geoms[i] = shapely.union_all(polys)
    if not len(invalid) and not len(mixed):
        return gdf
    return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))


def _rows_text(rows: np.ndarray, ids=None) -> str:
    shown = ", ".join(f"{r}" + (f" ({ids[r]!r})" if ids is not None else "") for r in rows[:10])
    return shown + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")


def _check_zones(gdf: gpd.GeoDataFrame, id_column: str, where: str) -> None:
    """Null or empty geometries, null and duplicated ids are errors naming the rows (0-based)."""
    geoms = gdf.geometry.to_numpy()
    ids = gdf[id_column].to_numpy()
    missing = np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if len(missing):
        raise SchemaError(f"{where}: {len(missing)} zone(s) without a geometry (null or empty) at row(s) "
                          f"{_rows_text(missing, ids)}; fix or delete these features")
    null = np.flatnonzero(pd.isna(gdf[id_column]).to_numpy())
    if len(null):
        raise SchemaError(f"{where}: {id_column!r} is empty at row(s) {_rows_text(null)}; every zone needs an id")
    dup = gdf[id_column].duplicated(keep=False).to_numpy()
    if dup.any():
        groups = pd.Series(np.flatnonzero(dup)).groupby(ids[dup], sort=False).agg(list)
        shown = "; ".join(f"{k!r} at rows {', '.join(map(str, v))}" for k, v in list(groups.items())[:10])
        raise SchemaError(
            f"{where}: {len(groups)} id(s) of {id_column!r} are used by more than one feature ({shown}); a zone "
            f"stored as several features would be counted once per feature: merge them (dissolve by "
            f"{id_column!r}) or give each its own id")


def _zone_m2(gdf: gpd.GeoDataFrame, crs: CRS, info: dict) -> np.ndarray:
    """Zone areas in m²: planar in a projected CRS; on a grid in degrees, Σ coverage × cell area
    on the ellipsoid over every cell the zone covers (inside the raster or not), so that a fully
    observed zone is observed over exactly 100 % of its area."""
    geoms = gdf.geometry.to_numpy()
    if info["row_area"] is None:
        unit = _unit_m(crs)
        return shapely.area(geoms) * unit**2 if unit != 1.0 else shapely.area(geoms)
    t = info["transform"]
    cov = zonal.coverage(geoms, t)
    rows = np.r_[cov.b_row, cov.r_row]
    if rows.size == 0:
        return np.zeros(len(geoms))
    lo = int(rows.min())
    area = _cell_areas(t.f + lo * t.e, t.e, t.a, int(rows.max()) - lo + 1, *info["ellipsoid"])
    return (np.bincount(cov.b_zone, weights=cov.b_frac * area[cov.b_row - lo], minlength=len(geoms))
            + np.bincount(cov.r_zone, weights=(cov.r_c1 - cov.r_c0) * area[cov.r_row - lo], minlength=len(geoms)))


def _unit_m(crs: CRS) -> float:
    factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return float(factor or 1.0)


def _grid(path, crs: CRS, mmu_ha: float) -> dict:
    """Measures of the raster's grid: ``sum_m2`` (m² per summed unit), ``row_area`` (m² of a
    cell per row on a geographic grid, else None), ``n_min`` (pixels of the smallest patch
    kept; also the halo read around windows), ``mmu_m2``, ``height_rows``."""
    with rasterio.open(path) as ds:
        t, height, bounds = ds.transform, ds.height, ds.bounds
    mmu_m2 = mmu_ha * 1e4
    if crs.is_projected:
        px = abs(t.a * t.e) * _unit_m(crs) ** 2
        return {"sum_m2": px, "row_area": None, "n_min": zonal.min_patch_pixels(mmu_m2, px), "mmu_m2": mmu_m2,
                "height_rows": height, "crs_name": crs.name}
    if not crs.is_geographic or "degree" not in (crs.axis_info[0].unit_name or "").lower():
        raise CRSError(f"raster {path} is in {crs.name}, neither projected nor in degrees; warp it to a "
                       f"projected CRS such as EPSG:9213")
    if not (-180 <= bounds.left < bounds.right <= 360 and -90 <= bounds.bottom < bounds.top <= 90):
        raise CRSError(f"raster {path} is in {crs.name} (degrees) but its bounds "
                       f"({bounds.left:.0f}, {bounds.bottom:.0f}, {bounds.right:.0f}, {bounds.top:.0f}) are not "
                       f"longitudes and latitudes; declare the CRS the coordinates are in (e.g. EPSG:9213)")
    ellipsoid = (crs.ellipsoid.semi_major_metre, crs.ellipsoid.semi_minor_metre)
    row_area = _cell_areas(t.f, t.e, t.a, height, *ellipsoid)
    return {"sum_m2": 1.0, "row_area": row_area, "n_min": zonal.min_patch_pixels(mmu_m2, row_area.min()),
            "mmu_m2": mmu_m2, "height_rows": height, "crs_name": crs.name, "transform": t,
            "ellipsoid": ellipsoid}


def _cell_areas(top: float, dlat: float, dlon: float, height: int, a: float, b: float) -> np.ndarray:
    """Exact area (m²) on the ellipsoid (semi-axes ``a``, ``b`` in m) of one cell of each of
    ``height`` rows of a north-up grid in degrees starting at latitude ``top`` (rows ``dlat``
    apart, cells ``dlon`` wide): the zone between two parallels times the longitude span."""
    e2 = 1 - (b / a) ** 2
    e = math.sqrt(e2)
    lat = np.radians(np.clip(top + dlat * np.arange(height + 1), -90.0, 90.0))
    sin = np.sin(lat)
    if e == 0:
        q = 2 * sin
    else:  # authalic q(φ), Snyder (1987) eq. 3-12
        q = (1 - e2) * (sin / (1 - e2 * sin**2) - np.log((1 - e * sin) / (1 + e * sin)) / (2 * e))
    return np.abs(np.diff(q)) * a**2 / 2 * abs(math.radians(dlon))


def _run(sources, geoms, classify, n_classes, band, progress, strip_rows, info, client=None):
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=info["height_rows"], unit="windows", desc="forest cover")
    try:
        return zonal.class_sums(sources, geoms, classify, n_classes, halo=info["n_min"], band=band,
                                strip_rows=strip_rows, progress=bar, row_weights=info["row_area"], client=client,
                                crs_name=info.get("crs_name", "the raster's CRS"))
    finally:
        if bar is not None:
            bar.close()


def _forest_mask(values, valid, threshold, forest_classes, info, connectivity, strip: zonal.Strip):
    """Forest pixels of a strip after the minimum-area rule.

    The strip carries ``n_min`` halo rows and columns on each side that has more pixels beyond
    (``strip.open_*``): a patch that reaches such an edge spans more than ``n_min`` rows or
    columns, hence has at least ``n_min`` pixels, and is kept; any other patch is seen whole.
    On a geographic grid patches are measured by their cells' areas.
    """
    if forest_classes is not None:
        forest = np.isin(values, np.asarray(forest_classes)) & valid
    else:
        forest = (values >= threshold) & valid
    area = None
    if info["row_area"] is not None:
        area = info["row_area"][strip.row0: strip.row0 + forest.shape[0], None]
    return zonal.sieve_small(forest, info["n_min"], connectivity=connectivity, open_top=strip.open_top,
                             open_bottom=strip.open_bottom, open_left=strip.open_left,
                             open_right=strip.open_right, pixel_area=area, min_area=info["mmu_m2"])
