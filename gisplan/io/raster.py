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

from gisplan.catalog import Catalog, CatalogEntry
from gisplan.crs import to_crs
from gisplan.errors import CRSError, LayerNotFoundError, ReadError, RepairWarning
from gisplan.io.raster_checks import check_raster
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


def open_raster(source: str | os.PathLike | CatalogEntry, *, catalog: Catalog | None = None,
                layer_type: str | None = None, crs: Any = None,
                reclass: Mapping[int, int] | None = None) -> RasterSource:
    """Open a raster by path, catalog entry name or :class:`~gisplan.catalog.CatalogEntry` and
    check it without reading it whole (errors about an entry's raster name the entry).

    Checks: the file opens, has a CRS (or one is declared with ``crs`` / the catalog entry),
    sampled blocks decode (a truncated file fails here), the grid is north-up, the raster is what
    its layer type claims (:func:`gisplan.io.raster_checks.check_raster`: canopy cover one band
    within 0–100 %, not a DEM, reflectance or classes; a DEM in metres within its plausible
    range; class rasters' codes the type's classes or listed in ``reclass`` — the file's code ->
    the type's class, 0 for no data; default the catalog entry's ``reclass``), and a nodata value
    is declared (warning otherwise).

    Raises
    ------
    LayerNotFoundError, ReadError, CRSError, SchemaError
    """
    entry, catalog = (source, catalog) if isinstance(source, CatalogEntry) else catalog_entry(source, catalog)
    path = entry.path if entry else Path(source)
    ltype_id = entry.type if entry else layer_type
    declared = crs if crs is not None else (entry.crs if entry else None)
    if not path.exists():
        raise LayerNotFoundError(f"{path} does not exist")
    if reclass is None and entry is not None:
        reclass = entry.reclass
    cat = catalog if catalog is not None else Catalog(None)
    ltype = cat.types.get(ltype_id) if ltype_id else None
    try:
        with rasterio.open(path) as ds:
            file_crs = ds.crs
            info = dict(transform=ds.transform, width=ds.width, height=ds.height, res=ds.res,
                        nodata=ds.nodata, dtype=ds.dtypes[0], count=ds.count, bounds=tuple(ds.bounds))
            # what the raster claims to be, on sampled windows (a truncated file fails here too)
            check_raster(ds, path, ltype, reclass=reclass, entry=entry)
    except rasterio.errors.RasterioIOError as exc:
        raise ReadError(f"cannot read raster {path}: {exc}. The file may be truncated or not a GeoTIFF") from exc
    if file_crs is None and declared is None:
        raise CRSError(
            f"raster {path} has no CRS. Declare it: crs = \"EPSG:9213\" in the catalog entry, "
            f"open_raster(..., crs=…), or write it into the file (gdal_edit.py -a_srs EPSG:9213 {path.name})"
        )
    raster_crs = to_crs(declared) if file_crs is None else CRS.from_user_input(file_crs)
    if info["nodata"] is None:
        floating = np.issubdtype(np.dtype(info["dtype"]), np.floating)
        counted = "every finite pixel (NaN and ±inf are nodata)" if floating else "every pixel"
        warnings.warn(f"raster {path} declares no nodata value: {counted} counts as observed",
                      RepairWarning, stacklevel=2)
    return RasterSource(path=path, crs=raster_crs, layer_type=ltype_id, crs_declared=file_crs is None,
                        name=entry.name if entry else path.stem, year=entry.year if entry else None,
                        synthetic=bool(entry.synthetic) if entry else False, reclass=reclass, **info)
