"""The result of the susceptibility overlay (:func:`gisplan.indicators.hazard.susceptibility`):
class rasters and indices per hazard on one projected grid, what the exposure tables, the hazard
maps and the written GeoTIFFs read."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from pyproj import CRS

from gisplan._atomic import atomic_path, ensure_dir
from gisplan.indicators.hazard_config import NOTE, HazardConfig


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
