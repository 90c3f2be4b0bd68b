"""The built-in demo dataset: a deterministic, synthetic Thái Nguyên province.

- :mod:`gisplan.demo.province` — ``build_demo``: every layer of ``layers/demo.toml`` (seeded),
  written with a manifest last;
- :mod:`gisplan.demo.admin` — the province outline, the communes of 2025 and the pre-2025 communes;
- :mod:`gisplan.demo.nature` — protected areas, river sections, forest-status parcels;
- :mod:`gisplan.demo.sites` — urban areas, industrial zones, mines, waste sites, stations;
- :mod:`gisplan.demo.geometry` — shapes (blobs, Voronoi tilings, meandering rivers) in EPSG:9213;
- :mod:`gisplan.demo.rasters` — the canopy and land-cover rasters drawn from the parcels.

Everything is synthetic (``Dữ liệu mô phỏng — synthetic demo data``).
"""

from gisplan.demo.province import (
    GENERATOR_VERSION,
    MANIFEST,
    SIZES,
    DemoSize,
    build_demo,
    default_out_dir,
    demo_catalog_dir,
    is_built,
)

__all__ = ["GENERATOR_VERSION", "MANIFEST", "SIZES", "DemoSize", "build_demo", "default_out_dir",
           "demo_catalog_dir", "is_built"]
