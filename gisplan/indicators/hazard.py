"""Landslide and flash-flood susceptibility: a documented weighted overlay, per commune.

What it does
------------
On the grid of the DEM (a DEM in degrees is first warped to EPSG:9213 at its own resolution in
metres), each factor is scored 1 (least prone) … 5 (most prone) by the class breaks of
``layers/hazard.toml`` (or a copy the user passes):

* landslide: slope, local relief, distance to rivers, land cover (forest lowers, bare land
  raises) and, when given, distance to roads (cut slopes) and faults, geology/weathering and
  rainfall rasters;
* flash flood: upstream area and topographic wetness index (D8 flow routing with ``pysheds`` on
  the depression-filled DEM), flatness of the valley floor, distance to rivers, land cover, and
  rainfall when given.

The index of a cell is the weighted mean of the scores known there (weights of absent factors
are dropped and the others renormalised; :attr:`SusceptibilityResult.factors` lists what was
used) and is cut into five classes: rất thấp, thấp, trung bình, cao, rất cao (very low … very
high). :func:`exposure_by_unit` gives per commune the area and share of each class and what lies
in the high and very high classes (population in proportion to area, urban areas, buildings,
road length); :func:`event_success_rate` counts an inventory's events per class.

What it cannot do
-----------------
It is a *relative* susceptibility index — where events are more likely than elsewhere in the
province — not a probability, not a hazard or risk map with return periods and not a warning:
rain triggers slides and floods, this index only says where. It inherits the DEM's detail:
SRTM's 90 m cells cannot see small slides, road cuts, narrow gullies or the channel of a small
stream; rivers outside the grid's margin are not seen. Population "in the high classes" assumes
people are spread evenly over the commune. Weights and breaks are expert judgement to be tuned
with the province's inventory (:func:`event_success_rate`).
"""

from __future__ import annotations

import logging
import math
import os
import tomllib
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import CRS
from rasterio.features import rasterize
from rasterio.transform import from_origin
from rasterio.warp import Resampling, reproject
from scipy import ndimage

from gisplan import zonal
from gisplan.catalog import LAYERS_DIR
from gisplan.crs import TARGET_CRS, to_crs
from gisplan.errors import (
    CRSError,
    DataMissingError,
    GisplanWarning,
    LayerNotFoundError,
    MissingDependencyError,
    OptionError,
    SchemaError,
)
from gisplan.indicators.terrain import (
    dem_info,
    grid_metres,
    load_zones,
    slope_deg,
    weighted_sums,
)

log = logging.getLogger(__name__)

HAZARDS = ("landslide", "flash_flood")
#: hazard an inventory's event_type counts for
EVENT_HAZARD = {"landslide": "landslide", "flash_flood": "flash_flood", "flood": "flash_flood"}
DEFAULT_WEIGHTS = LAYERS_DIR / "hazard.toml"
LAND_COVER_CLASSES = {1: "forest_natural", 2: "forest_plantation", 3: "shrub", 4: "cropland", 5: "built_up",
                      6: "water", 7: "bare"}
#: factors each hazard can use (``[<hazard>.factors.<name>]`` in hazard.toml)
_COMMON = ("slope_deg", "relief_m", "river_distance_m", "land_cover", "road_distance_m", "fault_distance_m",
           "geology", "rainfall_mm", "upstream_km2", "twi")
KNOWN_FACTORS = {"landslide": _COMMON, "flash_flood": _COMMON}
#: factors scored by breaks (the others: land cover by class, geology already 1–5)
BROKEN_FACTORS = ("slope_deg", "relief_m", "river_distance_m", "road_distance_m", "fault_distance_m",
                  "rainfall_mm", "upstream_km2", "twi")
NOTE = ("relative susceptibility index (weighted overlay of factor scores), not a probability or a forecast; "
        "DEM cells smaller than small slides and road cuts cannot show them")


# ---------------------------------------------------------------------------------------------
# configuration
@dataclass(frozen=True)
class Factor:
    name: str
    weight: float
    breaks: tuple[float, ...] = ()
    scores: tuple[float, ...] = ()
    classes: Mapping[str, float] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)

    def score(self, values: np.ndarray) -> np.ndarray:
        """Scores 1–5 of ``values`` (NaN stays NaN) by the breaks."""
        idx = np.digitize(values, np.asarray(self.breaks, float), right=False)
        out = np.asarray(self.scores, float)[np.clip(idx, 0, len(self.scores) - 1)]
        return np.where(np.isnan(values), np.nan, out)


@dataclass(frozen=True)
class HazardConfig:
    """Weights and breaks of ``hazard.toml`` (see the file's comments)."""

    class_breaks: tuple[float, ...]
    class_keys: tuple[str, ...]
    labels_vi: tuple[str, ...]
    labels_en: tuple[str, ...]
    colors: tuple[str, ...]
    exposed: tuple[str, ...]
    factors: Mapping[str, Mapping[str, Factor]]
    titles: Mapping[str, tuple[str, str]]
    source: str

    @property
    def exposed_codes(self) -> list[int]:
        return [self.class_keys.index(k) + 1 for k in self.exposed]


def _num(where: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise OptionError(f"{where} must be a number, got {v!r}")
    return float(v)


def load_config(weights: str | os.PathLike | Mapping | HazardConfig | None = None) -> HazardConfig:
    """Read and check weights and class breaks (default ``layers/hazard.toml``).

    Raises
    ------
    LayerNotFoundError, OptionError
        The file is absent, or a weight/break/score is missing or out of range (named).
    """
    if isinstance(weights, HazardConfig):
        return weights
    if weights is None or isinstance(weights, (str, os.PathLike)):
        path = Path(weights) if weights is not None else DEFAULT_WEIGHTS
        if not path.exists():
            raise LayerNotFoundError(f"hazard weights file {path} does not exist; copy layers/hazard.toml and edit it")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise OptionError(f"hazard weights file {path} is not valid TOML: {exc}") from exc
        src = str(path)
    else:
        data, src = dict(weights), "weights"
    try:
        cls = data["classes"]
        breaks = tuple(_num(f"{src}: classes.breaks", b) for b in cls["breaks"])
        keys = tuple(cls["keys"])
    except (KeyError, TypeError) as exc:
        raise OptionError(f"{src}: [classes] needs breaks (4 numbers) and keys (5 names): missing {exc}") from exc
    if len(breaks) != 4 or len(keys) != 5 or list(breaks) != sorted(breaks):
        raise OptionError(f"{src}: [classes] breaks must be 4 increasing numbers and keys 5 names")
    factors: dict[str, dict[str, Factor]] = {}
    titles = {}
    for hz in HAZARDS:
        if hz not in data or "factors" not in data[hz]:
            raise OptionError(f"{src}: no [{hz}.factors.*] tables")
        titles[hz] = (data[hz].get("title_vi", hz), data[hz].get("title_en", hz))
        factors[hz] = {}
        for name, spec in data[hz]["factors"].items():
            where = f"{src}: {hz}.factors.{name}"
            w = _num(f"{where}.weight", spec.get("weight"))
            if w < 0:
                raise OptionError(f"{where}.weight={w} must be ≥ 0")
            fb = tuple(_num(f"{where}.breaks", b) for b in spec.get("breaks", ()))
            raw = spec.get("scores", ())
            if isinstance(raw, Mapping):
                cl, fs = {k: _num(f"{where}.scores.{k}", v) for k, v in raw.items()}, ()
            else:
                cl, fs = {}, tuple(_num(f"{where}.scores", s) for s in raw)
            if fb and (len(fs) != len(fb) + 1 or list(fb) != sorted(fb)):
                raise OptionError(f"{where}: breaks must increase and scores have one item more than breaks")
            if fs and not fb:
                raise OptionError(f"{where}: scores without breaks")
            for s in (*fs, *cl.values()):
                if not 1 <= s <= 5:
                    raise OptionError(f"{where}: scores must be from 1 to 5, got {s:g}")
            if name not in KNOWN_FACTORS[hz]:
                raise OptionError(f"{where}: unknown factor; {hz} knows {', '.join(KNOWN_FACTORS[hz])}")
            if name in BROKEN_FACTORS and not fb:
                raise OptionError(f"{where}: needs breaks and scores (one score more than breaks)")
            params = {k: v for k, v in spec.items() if k not in ("weight", "breaks", "scores")}
            factors[hz][name] = Factor(name, w, fb, fs, cl, params)
    return HazardConfig(breaks, keys, tuple(cls.get("labels_vi", keys)), tuple(cls.get("labels_en", keys)),
                        tuple(cls.get("colors", ())), tuple(cls.get("exposed", keys[3:])), factors, titles, src)


# ---------------------------------------------------------------------------------------------
# result
@dataclass
class SusceptibilityResult:
    """Class rasters (uint8: 0 no data, 1 very low … 5 very high) and indices per hazard, on one
    grid in a projected CRS (``transform``, ``crs``; cells ``res_m`` metres).

    ``factors[hazard]``: the factors used and their renormalised weights; ``notes``: what was
    left out and why; ``paths``: GeoTIFFs written by :meth:`write`.
    """

    classes: dict[str, np.ndarray]
    score: dict[str, np.ndarray]
    transform: Any
    crs: CRS
    config: HazardConfig
    factors: dict[str, dict[str, float]]
    notes: list[str] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def res_m(self) -> float:
        return abs(self.transform.a)

    @property
    def hazards(self) -> list[str]:
        return list(self.classes)

    def write(self, folder: str | os.PathLike, *, overwrite: bool = False, inputs=()) -> dict[str, Path]:
        """Write ``<hazard>_susceptibility.tif`` per hazard (tiled, deflate, nodata 0) atomically."""
        from gisplan._atomic import atomic_path, ensure_dir

        folder = ensure_dir(folder)
        for hz, arr in self.classes.items():
            path = folder / f"{hz}_susceptibility.tif"
            with atomic_path(path, overwrite=overwrite, inputs=inputs) as tmp:
                profile = dict(driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1, dtype="uint8",
                               crs=self.crs, transform=self.transform, nodata=0, compress="deflate")
                if arr.shape[0] >= 256 and arr.shape[1] >= 256:
                    profile.update(tiled=True, blockxsize=256, blockysize=256)
                with rasterio.open(tmp, "w", **profile) as ds:
                    ds.write(arr, 1)
                    ds.update_tags(method=NOTE, weights=self.config.source,
                                   factors=", ".join(f"{k}={v:.3f}" for k, v in self.factors[hz].items()))
                    ds.write_colormap(1, {i + 1: _rgb(c) for i, c in enumerate(self.config.colors)})
            self.paths[hz] = path
        return dict(self.paths)


def _rgb(color: str) -> tuple[int, int, int, int]:
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), 255


# ---------------------------------------------------------------------------------------------
# grid and factors
def _dem_grid(dem, crs, bounds, margin_m: float) -> tuple[np.ndarray, Any, CRS, list[str]]:
    """Elevations (NaN = nodata) on a projected grid covering ``bounds`` (in EPSG:9213 or the
    DEM's projected CRS) plus ``margin_m``; a DEM in degrees is warped to EPSG:9213."""
    path, rcrs = dem_info(dem, crs)
    notes = []
    with rasterio.open(path) as ds:
        src_t, h, w = ds.transform, ds.height, ds.width
        nodata = ds.nodata
        if rcrs.is_projected:
            target = rcrs
            u = _unit(rcrs)
            if bounds is None:
                r0, r1, c0, c1 = 0, h, 0, w
            else:
                b = _bounds_in(bounds, target)
                m = margin_m / u
                c0 = max(0, int(math.floor((b[0] - m - src_t.c) / src_t.a)))
                c1 = min(w, int(math.ceil((b[2] + m - src_t.c) / src_t.a)))
                r0 = max(0, int(math.floor((b[3] + m - src_t.f) / src_t.e)))
                r1 = min(h, int(math.ceil((b[1] - m - src_t.f) / src_t.e)))
            if r1 <= r0 or c1 <= c0:
                raise DataMissingError(f"DEM {path} does not cover the communes (check both CRSs)")
            z = ds.read(1, window=rasterio.windows.Window(c0, r0, c1 - c0, r1 - r0), masked=True)
            z = np.ma.filled(z.astype("float64"), np.nan)
            t = src_t @ src_t.translation(c0, r0)
            if u != 1.0:
                raise CRSError(f"DEM {path} is in {rcrs.name} with units of {u} m; warp it to EPSG:9213 first")
        else:
            target = TARGET_CRS if not isinstance(TARGET_CRS, str) else to_crs(TARGET_CRS)
            _, dy, _ = grid_metres(src_t, rcrs, h // 2, 1)
            res = max(1.0, round(float(dy[0])))
            if bounds is None:
                from rasterio.warp import transform_bounds

                b = transform_bounds(rcrs, target, *ds.bounds)
            else:
                b = _bounds_in(bounds, target)
            b = (b[0] - margin_m, b[1] - margin_m, b[2] + margin_m, b[3] + margin_m)
            x0, y1 = math.floor(b[0] / res) * res, math.ceil(b[3] / res) * res
            width, height = int(math.ceil((b[2] - x0) / res)), int(math.ceil((y1 - b[1]) / res))
            t = from_origin(x0, y1, res, res)
            z = np.full((height, width), np.nan)
            reproject(rasterio.band(ds, 1), z, src_nodata=nodata, dst_nodata=np.nan, dst_transform=t,
                      dst_crs=target, resampling=Resampling.bilinear)
            notes.append(f"DEM {path} in {rcrs.name} warped to {target.name} at {res:g} m (bilinear)")
    z[~np.isfinite(z)] = np.nan
    if not np.isfinite(z).any():
        raise DataMissingError(f"DEM {path} has no data over the communes")
    return z, t, CRS.from_user_input(target), notes


def _unit(crs: CRS) -> float:
    f = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return float(f or 1.0)


def _bounds_in(bounds, crs: CRS):
    if isinstance(bounds, gpd.GeoDataFrame):
        if bounds.crs is None:
            raise CRSError("area (the communes) has no CRS; set one (e.g. gdf.set_crs(9213)) first")
        return tuple(bounds.to_crs(crs).total_bounds)
    return tuple(bounds)


def _vector(layer, crs: CRS, what: str) -> gpd.GeoDataFrame | None:
    if layer is None:
        return None
    if not isinstance(layer, gpd.GeoDataFrame):
        from gisplan.io import read_layer

        layer = read_layer(layer, crs=None)
    if layer.crs is None:
        raise CRSError(f"{what} have no CRS; set one first")
    return layer.to_crs(crs)


def _distance(layer: gpd.GeoDataFrame | None, shape, t, res: float) -> np.ndarray | None:
    """Distance (m) from each cell centre to the nearest cell the lines/polygons touch."""
    if layer is None or layer.empty:
        return None
    geoms = [g for g in layer.geometry.values if g is not None and not g.is_empty]
    mask = rasterize(((g, 1) for g in geoms), out_shape=shape, transform=t, fill=0, all_touched=True,
                     dtype="uint8").astype(bool) if geoms else np.zeros(shape, bool)
    if not mask.any():
        return None
    return ndimage.distance_transform_edt(~mask) * res


def _relief(z: np.ndarray, radius_m: float, res: float) -> np.ndarray:
    k = 2 * max(1, int(round(radius_m / res))) + 1
    hi = ndimage.maximum_filter(np.where(np.isnan(z), -np.inf, z), size=k, mode="nearest")
    lo = ndimage.minimum_filter(np.where(np.isnan(z), np.inf, z), size=k, mode="nearest")
    return np.where(np.isnan(z), np.nan, hi - lo)


def flow_accumulation(z: np.ndarray, transform, crs: CRS) -> np.ndarray:
    """D8 flow accumulation (cells draining through each cell, itself included) of the DEM after
    filling pits and depressions and resolving flats, with ``pysheds``; NaN outside the data.

    Raises
    ------
    MissingDependencyError
        When pysheds is not installed (``pip install "gisplan[hazard]"``).
    """
    try:
        import pyproj
        from pysheds import _sgrid
        from pysheds.grid import Grid
        from pysheds.sview import Raster, ViewFinder
    except ImportError as exc:
        raise MissingDependencyError(
            f"flash-flood susceptibility routes water with pysheds, which is not installed ({exc}); "
            f"install it with: pip install \"gisplan[hazard]\"") from exc
    dem = np.where(np.isnan(z), np.nan, z).astype("float64")
    vf = ViewFinder(affine=transform, shape=dem.shape, nodata=np.nan, crs=pyproj.Proj(crs.to_wkt()))
    grid = Grid(viewfinder=vf)
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore")  # pysheds' own deprecation warnings
        filled = grid.resolve_flats(grid.fill_depressions(grid.fill_pits(Raster(dem, viewfinder=vf))))
        dirmap = (64, 128, 1, 2, 4, 8, 16, 32)
        fdir = np.asarray(grid.flowdir(filled, dirmap=dirmap)).astype(np.int64)
    # D8 accumulation with pysheds' kernels (its Grid.accumulation calls numpy's removed in1d)
    valid = np.isin(fdir, dirmap) & ~np.isnan(dem)
    fdir = np.where(valid, fdir, 0).astype(np.int64)
    ends = _sgrid._flatten_fdir_numba(fdir, dirmap).reshape(fdir.shape)
    acc = (~np.isnan(dem)).astype(np.float64)
    indegree = np.bincount(ends.ravel(), minlength=fdir.size).astype(np.uint8)
    starts = np.arange(fdir.size, dtype=np.int64)[indegree == 0]
    acc = _sgrid._d8_accumulation_iter_numba(acc, ends, indegree, starts)
    return np.where(np.isnan(dem), np.nan, acc)


def _land_cover_score(factor: Factor, land_cover, forest_status, shape, t, crs) -> np.ndarray | None:
    if land_cover is not None:
        path = getattr(land_cover, "path", land_cover)
        if not os.path.exists(path):
            raise LayerNotFoundError(f"land-cover raster {path} does not exist")
        out = np.zeros(shape, "uint8")
        with rasterio.open(path) as ds:
            if ds.crs is None:
                raise CRSError(f"land-cover raster {path} has no CRS; write it into the file")
            reproject(rasterio.band(ds, 1), out, src_nodata=ds.nodata if ds.nodata is not None else 0, dst_nodata=0,
                      dst_transform=t, dst_crs=crs, resampling=Resampling.nearest)
        lut = np.full(256, np.nan)
        for code, name in LAND_COVER_CLASSES.items():
            if name in factor.classes:
                lut[code] = factor.classes[name]
        return lut[out]
    if forest_status is not None:
        fs = forest_status
        if "meets_criteria" not in fs.columns:
            raise SchemaError("forest_status has no column 'meets_criteria' (forest that meets the criteria)")
        forest = fs[fs["meets_criteria"].fillna(False).astype(bool)]
        mask = rasterize(((g, 1) for g in forest.geometry.values if g is not None and not g.is_empty),
                         out_shape=shape, transform=t, fill=0, dtype="uint8") if len(forest) else np.zeros(shape)
        return np.where(mask == 1, float(factor.params.get("forest_score", 1)),
                        float(factor.params.get("non_forest_score", 3)))
    return None


def _raster_on_grid(path, shape, t, crs, resampling) -> np.ndarray:
    out = np.full(shape, np.nan)
    with rasterio.open(path) as ds:
        if ds.crs is None:
            raise CRSError(f"raster {path} has no CRS; write it into the file")
        reproject(rasterio.band(ds, 1), out, src_nodata=ds.nodata, dst_nodata=np.nan, dst_transform=t,
                  dst_crs=crs, resampling=resampling)
    return out


def susceptibility(
    dem,
    *,
    rivers=None,
    land_cover=None,
    forest_status=None,
    roads=None,
    faults=None,
    geology=None,
    rainfall=None,
    weights: str | os.PathLike | Mapping | HazardConfig | None = None,
    area=None,
    hazards: Sequence[str] = HAZARDS,
    margin_m: float = 2000.0,
    crs: Any = None,
    out_dir: str | os.PathLike | None = None,
    overwrite: bool = False,
) -> SusceptibilityResult:
    """Landslide and flash-flood susceptibility classes on the DEM's grid (relative index 1–5).

    Parameters
    ----------
    dem : DEM path (metres; projected, or in degrees: warped to EPSG:9213 at its resolution).
    rivers, roads, faults : line (or polygon) layers, GeoDataFrames or files, any CRS.
    land_cover : land-cover class raster (classes of ``layers/types.toml``), any CRS, resampled
        to the grid by nearest neighbour.
    forest_status : forest-status polygons (``meets_criteria``); used for land cover when no
        land-cover raster is given.
    geology : raster of scores 1–5 (geology/weathering); rainfall : raster in mm.
    weights : path of a ``hazard.toml`` (default ``layers/hazard.toml``), a dict of the same
        form, or a :class:`HazardConfig`.
    area : GeoDataFrame (e.g. the communes) or bounds (in EPSG:9213 / the DEM's projected CRS)
        limiting the grid; ``margin_m`` is added around it (flow from outside, river distance).
    hazards : which of ``landslide``, ``flash_flood``.
    crs : the DEM's CRS when the file carries none.
    out_dir : when given, the class rasters are written there (``<hazard>_susceptibility.tif``).

    Returns
    -------
    :class:`SusceptibilityResult`. It is a relative index, not a probability (see the module).

    Raises
    ------
    OptionError, LayerNotFoundError, CRSError, DataMissingError, MissingDependencyError
    """
    cfg = load_config(weights)
    bad = [h for h in hazards if h not in HAZARDS]
    if bad or not hazards:
        raise OptionError(f"hazards={list(hazards)!r}: choose from {', '.join(HAZARDS)}")
    if isinstance(margin_m, bool) or not isinstance(margin_m, (int, float)) or not 0 <= margin_m <= 50_000:
        raise OptionError(f"margin_m={margin_m!r} must be 0–50000 (m)")
    z, t, gcrs, notes = _dem_grid(dem, crs, area, float(margin_m))
    res = abs(t.a)
    shape = z.shape
    dem_ok = ~np.isnan(z)
    values: dict[str, np.ndarray | None] = {}
    values["slope_deg"] = slope_deg(z, res, res)
    rv = _vector(rivers, gcrs, "rivers")
    values["river_distance_m"] = _distance(rv, shape, t, res)
    if rivers is not None and values["river_distance_m"] is None:
        notes.append("no river inside the grid: distance to rivers left out")
    values["road_distance_m"] = _distance(_vector(roads, gcrs, "roads"), shape, t, res)
    values["fault_distance_m"] = _distance(_vector(faults, gcrs, "faults"), shape, t, res)
    values["rainfall_mm"] = _raster_on_grid(rainfall, shape, t, gcrs, Resampling.bilinear) if rainfall else None
    fs = _vector(forest_status, gcrs, "forest_status")
    result_classes, result_scores, used = {}, {}, {}
    for hz in hazards:
        num = np.zeros(shape)
        den = np.zeros(shape)
        used[hz] = {}
        for name, f in cfg.factors[hz].items():
            if f.weight == 0:
                continue
            if name == "relief_m":
                s = f.score(_relief(z, float(f.params.get("radius_m", 250)), res))
            elif name in ("upstream_km2", "twi"):
                if "acc" not in values:
                    values["acc"] = flow_accumulation(z, t, gcrs)
                acc = values["acc"]
                if name == "upstream_km2":
                    s = f.score(acc * res * res / 1e6)
                else:
                    tanb = np.maximum(np.tan(np.radians(values["slope_deg"])), 0.001)
                    s = f.score(np.log(acc * res / tanb))
            elif name == "land_cover":
                s = _land_cover_score(f, land_cover, fs, shape, t, gcrs)
            elif name == "geology":
                s = _raster_on_grid(geology, shape, t, gcrs, Resampling.nearest) if geology else None
                if s is not None:
                    s = np.where((s >= 1) & (s <= 5), s, np.nan)
            elif name in values:
                v = values[name]
                s = f.score(v) if v is not None else None
            else:
                raise OptionError(f"{cfg.source}: unknown factor {hz}.factors.{name}; known: slope_deg, relief_m, "
                                  f"river_distance_m, land_cover, road_distance_m, fault_distance_m, geology, "
                                  f"rainfall_mm, upstream_km2, twi")
            if s is None:
                continue
            known = ~np.isnan(s) & dem_ok
            num += np.where(known, s * f.weight, 0.0)
            den += np.where(known, f.weight, 0.0)
            used[hz][name] = f.weight
        total = sum(used[hz].values())
        used[hz] = {k: v / total for k, v in used[hz].items()} if total else {}
        left = [k for k, f in cfg.factors[hz].items() if f.weight > 0 and k not in used[hz]]
        if left:
            notes.append(f"{hz}: factor(s) not given, left out (weights renormalised): {', '.join(left)}")
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(dem_ok & (den > 0), num / den, np.nan)
        cls = np.where(np.isnan(score), 0, np.digitize(score, cfg.class_breaks) + 1).astype("uint8")
        result_classes[hz], result_scores[hz] = cls, score.astype("float32")
    result = SusceptibilityResult(result_classes, result_scores, t, gcrs, cfg, used, notes)
    if out_dir is not None:
        result.write(out_dir, overwrite=overwrite)
    return result


# ---------------------------------------------------------------------------------------------
# per commune
def _population(communes: gpd.GeoDataFrame, id_column: str, population) -> np.ndarray:
    ids = communes[id_column]
    if population is None:
        if "population" not in communes.columns:
            return np.full(len(communes), np.nan)
        return pd.to_numeric(communes["population"], errors="coerce").to_numpy(float)
    if isinstance(population, str):
        if population not in communes.columns:
            raise SchemaError(f"communes have no population column {population!r}")
        return pd.to_numeric(communes[population], errors="coerce").to_numpy(float)
    if isinstance(population, pd.DataFrame):
        col = "population" if "population" in population.columns else None
        if id_column not in population.columns or col is None:
            raise SchemaError(f"the population table needs columns {id_column!r} and 'population'")
        population = population.set_index(id_column)[col]
    mapping = pd.Series(population)
    # codes written as numbers in one table and as zero-padded text in the other ("1906.0", "01906")
    mapping.index = [_code_key(k) for k in mapping.index]
    mapping = mapping[~mapping.index.duplicated(keep=False)]
    return pd.to_numeric(ids.map(_code_key).map(mapping), errors="coerce").to_numpy(float)


def _code_key(value) -> str:
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if math.isfinite(number) and number == int(number) else text


def _xy(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of points (a point inside for polygons and lines); NaN for empty or missing."""
    geoms = np.asarray(geoms, dtype=object)
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    pts = np.where(bad, None, geoms)
    pts = np.where(shapely.get_type_id(pts) == 0, pts, shapely.point_on_surface(pts))
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    ok = ~bad
    if ok.any():
        first = shapely.get_point(pts[ok], 0)
        first = np.where(shapely.get_type_id(pts[ok]) == 4, first, pts[ok])  # MultiPoint: its first point
        x[ok], y[ok] = shapely.get_x(first), shapely.get_y(first)
    return x, y


def _sample(result_cls: np.ndarray, t, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Class at points (0 outside the grid, or for an empty point)."""
    finite = np.isfinite(x) & np.isfinite(y)
    col = np.floor((np.where(finite, x, t.c - t.a) - t.c) / t.a).astype(np.int64)
    row = np.floor((np.where(finite, y, t.f - t.e) - t.f) / t.e).astype(np.int64)
    ok = finite & (row >= 0) & (row < result_cls.shape[0]) & (col >= 0) & (col < result_cls.shape[1])
    out = np.zeros(len(x), "uint8")
    out[ok] = result_cls[row[ok], col[ok]]
    return out


def exposure_by_unit(
    result: SusceptibilityResult,
    communes,
    *,
    id_column: str = "code",
    name_column: str | None = "name",
    population=None,
    urban_areas=None,
    buildings=None,
    roads=None,
    min_observed_pct: float = 90.0,
) -> pd.DataFrame:
    """Area and share of each susceptibility class per commune, and exposure in the high classes.

    Parameters
    ----------
    result : from :func:`susceptibility`.
    communes : polygons (GeoDataFrame or file), any CRS.
    population : None (the communes' ``population`` column when present), a column name, a
        mapping/Series id → people, or a DataFrame with ``id_column`` and ``population``.
        Exposed population = population × share of the commune's area in the exposed classes
        (people assumed spread evenly: a proxy, said in the notes).
    urban_areas : polygons; ``urban_ha`` and ``urban_exposed_ha`` (area in the exposed classes).
    buildings : points or polygons (counted at a point inside); ``buildings``, ``buildings_exposed``.
    roads : lines; ``roads_km`` and ``roads_exposed_km``.
    min_observed_pct : a commune the grid observes over less of its area (%) gets NaN shares
        and exposure (its class areas in ha are still the areas seen; ``nodata_ha`` the rest).

    Returns
    -------
    Long table, one row per commune and hazard: ``id_column``, ``name``, ``hazard``,
    ``area_ha`` (commune), ``<class>_ha`` and ``<class>_pct`` for very_low … very_high (% of the
    commune's area), ``nodata_ha`` (not covered by the grid or DEM nodata; the class areas plus
    nodata_ha equal area_ha), ``observed_pct``, ``observed_ok``, ``exposed_ha``/``exposed_pct`` (area in the
    exposed classes, ``[classes].exposed``: high and very high), ``population``,
    ``population_exposed`` (population × exposed share of the observed area) and, when the layers are
    given, ``urban_ha``/``urban_exposed_ha``, ``buildings``/``buildings_exposed``,
    ``roads_km``/``roads_exposed_km``. Values are NaN (not
    0) where unknown.
    """
    cfg = result.config
    gdf = load_zones(communes, id_column, result.crs)
    geoms = gdf.geometry.to_numpy()
    n = len(geoms)
    t = result.transform
    px = abs(t.a * t.e)
    area = shapely.area(geoms)
    exposed = cfg.exposed_codes
    pop = _population(gdf, id_column, population)
    names = gdf[name_column].to_numpy() if name_column and name_column in gdf.columns else None
    urban = _vector(urban_areas, result.crs, "urban areas")
    if urban is not None:
        upoly = shapely.union_all(urban.geometry.values)
        upieces = shapely.intersection(geoms, upoly)
        upieces = np.array([g if g.geom_type in ("Polygon", "MultiPolygon") else
                            shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
                            for g in upieces], dtype=object)
    bld = _vector(buildings, result.crs, "buildings")
    rds = _vector(roads, result.crs, "roads")
    frames = []
    for hz in result.hazards:
        cls = result.classes[hz]
        row_w = np.full(cls.shape[0], px)
        sums = _class_area(geoms, cls, t, row_w)
        table = {id_column: gdf[id_column].to_numpy()}
        if names is not None:
            table["name"] = names
        table["hazard"] = hz
        table["area_ha"] = area / 1e4
        observed = sum(sums[k] for k in range(1, 6))
        with np.errstate(invalid="ignore", divide="ignore"):
            observed_pct = np.where(area > 0, observed / area * 100, np.nan)
        ok = np.nan_to_num(observed_pct, nan=-1.0) >= min_observed_pct - 1e-6
        for k, key in enumerate(cfg.class_keys, start=1):
            table[f"{key}_ha"] = np.where(observed > 0, sums[k] / 1e4, np.nan)
        for k, key in enumerate(cfg.class_keys, start=1):
            with np.errstate(invalid="ignore", divide="ignore"):
                table[f"{key}_pct"] = np.where(ok, sums[k] / area * 100, np.nan)
        table["nodata_ha"] = np.maximum(area - observed, 0) / 1e4
        table["observed_pct"] = observed_pct
        table["observed_ok"] = ok
        high = sum(sums[k] for k in exposed)
        table["exposed_ha"] = np.where(observed > 0, high / 1e4, np.nan)
        table["exposed_pct"] = np.where(ok, high / area * 100, np.nan)
        table["population"] = pop
        # people assumed spread evenly over the observed part of the commune
        with np.errstate(invalid="ignore", divide="ignore"):
            table["population_exposed"] = np.where(ok, pop * high / observed, np.nan)
        if urban is not None:
            usums = _class_area(upieces, cls, t, row_w)
            uarea = shapely.area(upieces)
            table["urban_ha"] = uarea / 1e4
            table["urban_exposed_ha"] = np.where(ok, sum(usums[k] for k in exposed) / 1e4, np.nan)
        if bld is not None:
            bx, by = _xy(bld.geometry.values)
            pts = shapely.points(bx, by)[np.isfinite(bx) & np.isfinite(by)]
            inside = gpd.GeoDataFrame(geometry=gpd.GeoSeries(pts, crs=result.crs)).sjoin(
                gpd.GeoDataFrame({"_z": np.arange(n)}, geometry=gdf.geometry.values, crs=result.crs),
                predicate="within")
            x, y = shapely.get_x(inside.geometry.values), shapely.get_y(inside.geometry.values)
            c = _sample(cls, t, x, y)
            z = inside["_z"].to_numpy()
            table["buildings"] = np.bincount(z, minlength=n).astype(float)
            nb_known = np.bincount(z, weights=(c > 0), minlength=n)
            table["buildings_exposed"] = np.where(nb_known == table["buildings"],
                                               np.bincount(z, weights=np.isin(c, exposed), minlength=n), np.nan)
        if rds is not None:
            table.update(_road_lengths(rds, geoms, cls, t, exposed))
        frames.append(pd.DataFrame(table))
    out = pd.concat(frames, ignore_index=True)
    out.attrs["note"] = NOTE + "; population in the high classes is in proportion to area"
    out.attrs["notes"] = list(result.notes)
    return out


def _class_area(geoms: np.ndarray, cls: np.ndarray, t, row_w: np.ndarray) -> list[np.ndarray]:
    """Exact area (m²) of each class 0–5 inside each polygon (coverage fractions)."""
    n = len(geoms)
    empty = shapely.is_empty(geoms) | shapely.is_missing(geoms)
    g = np.where(empty, shapely.box(0, 0, 0, 0), geoms)
    cov = zonal.coverage(g, t).clip(*cls.shape)
    sums = weighted_sums(cov, {k: (cls == k) for k in range(6)}, 0, 0, row_w, n)
    return [np.where(empty, 0.0, sums[k]) for k in range(6)]


def _road_lengths(roads: gpd.GeoDataFrame, geoms: np.ndarray, cls: np.ndarray, t, exposed) -> dict:
    n = len(geoms)
    lines = roads.geometry.values
    tree = shapely.STRtree(lines)
    zi, li = tree.query(geoms, predicate="intersects")
    pieces = shapely.intersection(lines[li], geoms[zi])
    pieces = shapely.segmentize(pieces, abs(t.a) / 4)
    # segments of each piece: consecutive coordinates of each line part
    parts, pidx = shapely.get_parts(pieces, return_index=True)
    lines_only = shapely.get_type_id(parts) == 1
    parts, pidx = parts[lines_only], pidx[lines_only]
    xy, ring = shapely.get_coordinates(parts, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = xy[:-1][same], xy[1:][same]
    seg_zone = zi[pidx[ring[:-1][same]]]
    length = np.hypot(*(b - a).T)
    mid = (a + b) / 2
    c = _sample(cls, t, mid[:, 0], mid[:, 1])
    total = np.bincount(seg_zone, weights=length, minlength=n)
    known = np.bincount(seg_zone, weights=length * (c > 0), minlength=n)
    high = np.bincount(seg_zone, weights=length * np.isin(c, exposed), minlength=n)
    return {"roads_km": total / 1e3,
            "roads_exposed_km": np.where(np.isclose(known, total), high / 1e3, np.nan)}


def event_success_rate(result: SusceptibilityResult, events, *, type_column: str = "event_type") -> pd.DataFrame:
    """How many inventory events fall in each class (a success-rate check of the index).

    Landslide events are checked against the landslide classes, flash floods and floods against
    the flash-flood classes. A good index puts most events in the high and very high classes,
    which cover a small share of the area: ``density_ratio`` = events % / area % (> 1: more
    events than the class's area would get by chance).

    Returns
    -------
    DataFrame: ``hazard``, ``class`` (key), ``class_vi``, ``events``, ``events_pct`` (of the
    events inside the grid's data), ``area_pct`` (of the grid's data area), ``density_ratio``,
    and a row ``class`` = ``no_data`` counting events outside the grid or on nodata.
    """
    ev = _vector(events, result.crs, "events")
    if ev is None or type_column not in ev.columns:
        raise SchemaError(f"events need a column {type_column!r} (landslide, flash_flood or flood)")
    types = ev[type_column].astype("string").str.strip().str.lower()
    unknown = sorted(set(types.dropna()) - set(EVENT_HAZARD))
    if unknown:
        warnings.warn(f"events: event_type values {', '.join(unknown)} are not landslide, flash_flood or flood "
                      f"and are not counted", GisplanWarning, stacklevel=2)
    x, y = _xy(ev.geometry.values)
    cfg = result.config
    rows = []
    for hz in result.hazards:
        sel = types.map(EVENT_HAZARD).eq(hz).fillna(False).to_numpy(bool)
        c = _sample(result.classes[hz], result.transform, x[sel], y[sel])
        counts = np.bincount(c, minlength=6)
        area = np.bincount(result.classes[hz].ravel(), minlength=6).astype(float)
        n_in, a_in = counts[1:].sum(), area[1:].sum()
        for k, key in enumerate(cfg.class_keys, start=1):
            ep = counts[k] / n_in * 100 if n_in else np.nan
            ap = area[k] / a_in * 100 if a_in else np.nan
            rows.append({"hazard": hz, "class": key, "class_vi": cfg.labels_vi[k - 1], "events": int(counts[k]),
                         "events_pct": ep, "area_pct": ap,
                         "density_ratio": ep / ap if ap and not np.isnan(ep) else np.nan})
        rows.append({"hazard": hz, "class": "no_data", "class_vi": "Không có số liệu", "events": int(counts[0]),
                     "events_pct": np.nan, "area_pct": np.nan, "density_ratio": np.nan})
    return pd.DataFrame(rows)


__all__ = ["HAZARDS", "HazardConfig", "SusceptibilityResult", "event_success_rate", "exposure_by_unit",
           "flow_accumulation", "load_config", "susceptibility"]
