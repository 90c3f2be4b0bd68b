"""Rasters (GeoTIFF / COG, VRT): opened and checked from the header and a few sampled blocks,
never read whole, as a :class:`RasterSource` for windowed reads.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from pyproj import CRS
from rasterio.windows import Window

from gisplan.catalog import Catalog
from gisplan.crs import to_crs
from gisplan.errors import CRSError, LayerNotFoundError, ReadError, RepairWarning, SchemaError
from gisplan.io.sources import catalog_entry


@dataclass(frozen=True)
class RasterSource:
    """A raster opened and checked (header and sampled windows only), ready for windowed reads.

    ``crs`` is the raster's CRS (or the one declared in the catalog); ``res`` in CRS units.
    """

    path: Path
    crs: CRS
    transform: Any
    width: int
    height: int
    res: tuple[float, float]
    nodata: float | None
    dtype: str
    count: int
    bounds: tuple[float, float, float, float]
    layer_type: str | None = None
    name: str | None = None
    year: int | None = None
    synthetic: bool = False
    crs_declared: bool = False
    #: class rasters: the file's code -> the layer type's class code, 0 for no data (catalog
    #: ``reclass``); None when the file uses the type's codes
    reclass: Mapping[int, int] | None = None

    def source_codes(self, classes: Iterable[int]) -> list[int]:
        """The file's codes that stand for the type's ``classes`` (the same codes without a reclass)."""
        wanted = {int(c) for c in classes}
        if self.reclass is None:
            return sorted(wanted)
        return sorted(code for code, cls in self.reclass.items() if cls in wanted)

    def class_of(self, codes: np.ndarray) -> np.ndarray:
        """The type's class code of each of the file's ``codes`` (integers; 0 where a reclass
        maps a code to no data or does not list it)."""
        if self.reclass is None:
            return codes
        lut = np.zeros(max(max(self.reclass), int(codes.max(initial=0))) + 1, dtype=np.int64)
        lut[list(self.reclass)] = list(self.reclass.values())
        return lut[codes.astype(np.int64)]

    @property
    def pixel_area_ha(self) -> float:
        return abs(self.res[0] * self.res[1]) / 10_000.0

    def open(self):
        """``rasterio.open`` the file (a context manager)."""
        return rasterio.open(self.path)


def open_raster(source: str | os.PathLike, *, catalog: Catalog | None = None,
                layer_type: str | None = None, crs: Any = None,
                reclass: Mapping[int, int] | None = None) -> RasterSource:
    """Open a raster by path or catalog entry name and check it without reading it whole.

    Checks: the file opens, has a CRS (or one is declared with ``crs`` / the catalog entry),
    sampled blocks decode (a truncated file fails here), values in the samples are inside the
    layer type's range (warning otherwise), and a nodata value is declared (warning otherwise).
    Class rasters (land cover): the sampled codes must be the type's classes, or be listed in
    ``reclass`` (the file's code -> the type's class, 0 for no data; default the catalog entry's
    ``reclass``), else SchemaError naming the codes.

    Raises
    ------
    LayerNotFoundError, ReadError, CRSError, SchemaError
    """
    entry, catalog = catalog_entry(source, catalog)
    path = entry.path if entry else Path(source)
    ltype_id = entry.type if entry else layer_type
    declared = crs if crs is not None else (entry.crs if entry else None)
    if not path.exists():
        raise LayerNotFoundError(f"{path} does not exist")
    try:
        with rasterio.open(path) as ds:
            file_crs = ds.crs
            info = dict(transform=ds.transform, width=ds.width, height=ds.height, res=ds.res,
                        nodata=ds.nodata, dtype=ds.dtypes[0], count=ds.count, bounds=tuple(ds.bounds))
            samples = _sample_blocks(ds)
    except rasterio.errors.RasterioIOError as exc:
        raise ReadError(f"cannot read raster {path}: {exc}. The file may be truncated or not a GeoTIFF") from exc
    if file_crs is None and declared is None:
        raise CRSError(
            f"raster {path} has no CRS. Declare it: crs = \"EPSG:9213\" in the catalog entry, "
            f"open_raster(..., crs=…), or write it into the file (gdal_edit.py -a_srs EPSG:9213 {path.name})"
        )
    raster_crs = to_crs(declared) if file_crs is None else CRS.from_user_input(file_crs)
    cat = catalog if catalog is not None else Catalog(None)
    ltype = cat.types.get(ltype_id) if ltype_id else None
    floating = np.issubdtype(np.dtype(info["dtype"]), np.floating)
    if info["nodata"] is None:
        counted = "every finite pixel (NaN and ±inf are nodata)" if floating else "every pixel"
        warnings.warn(f"raster {path} declares no nodata value: {counted} counts as observed",
                      RepairWarning, stacklevel=2)
    if ltype is not None and ltype.raster.get("values") == "continuous":
        lo, hi = ltype.raster.get("min"), ltype.raster.get("max")
        vals = samples[samples != info["nodata"]] if info["nodata"] is not None else samples
        if floating:
            vals = vals[np.isfinite(vals)]
        if vals.size and ((lo is not None and vals.min() < lo) or (hi is not None and vals.max() > hi)):
            warnings.warn(
                f"raster {path}: sampled values {vals.min()}–{vals.max()} fall outside the "
                f"{ltype.id} range {lo}–{hi} ({ltype.raster.get('unit', '')}); check band and scaling",
                RepairWarning, stacklevel=2)
    if reclass is None and entry is not None:
        reclass = entry.reclass
    if ltype is not None and ltype.raster.get("values") == "classes":
        _check_class_codes(path, samples, info["nodata"], ltype, reclass, entry)
    return RasterSource(path=path, crs=raster_crs, layer_type=ltype_id, crs_declared=file_crs is None,
                        name=entry.name if entry else path.stem, year=entry.year if entry else None,
                        synthetic=bool(entry.synthetic) if entry else False, reclass=reclass, **info)


def _check_class_codes(path, samples, nodata, ltype, reclass, entry) -> None:
    """A class raster whose sampled codes are not the type's classes (or not in the entry's
    ``reclass``) is an error: a land-cover map coded otherwise (IGBP, a national legend) would
    be read as the wrong classes."""
    vals = samples[np.isfinite(samples)] if np.issubdtype(samples.dtype, np.floating) else samples
    if nodata is not None:
        vals = vals[vals != nodata]
    if reclass is not None:
        known = set(reclass)
    else:  # the type's classes and its usual nodata code
        known = {int(c) for c in ltype.raster.get("classes", {})} | {int(ltype.raster.get("nodata", 0))}
    found = np.unique(vals)
    bad = [int(v) if float(v).is_integer() else float(v) for v in found if v not in known]
    if not bad:
        return
    classes = ", ".join(f"{c} {name}" for c, name in ltype.raster.get("classes", {}).items())
    where = f"catalog entry {entry.name!r}: " if entry else ""
    if reclass is not None:
        raise SchemaError(f"{where}raster {path}: codes {', '.join(map(str, bad))} are not in the entry's "
                          f"reclass; map each to a {ltype.id} class ({classes}) or to 0 for no data")
    how = ("map its codes in the catalog entry" if entry else
           "read it through a catalog entry (gisplan indicators --catalog) that maps its codes")
    raise SchemaError(
        f"{where}raster {path}: codes {', '.join(map(str, bad))} are not {ltype.id} classes ({classes}); "
        f"the file uses another legend: {how}, e.g. reclass = {{ \"1-5\" = 1, 12 = 4, 13 = 5 }} "
        f"(0 for no data), or reclassify the file to these codes")


def _sample_blocks(ds) -> np.ndarray:
    """Decode a few blocks (first, middle, last) of band 1; a truncated file fails here."""
    bh, bw = ds.block_shapes[0]
    rows = sorted({0, (ds.height // 2 // bh) * bh, max(0, ((ds.height - 1) // bh) * bh)})
    cols = sorted({0, (ds.width // 2 // bw) * bw, max(0, ((ds.width - 1) // bw) * bw)})
    out = []
    for r in rows:
        for c in cols:
            win = Window(c, r, min(bw, ds.width - c), min(bh, ds.height - r))
            out.append(ds.read(1, window=win).ravel())
    return np.concatenate(out)
