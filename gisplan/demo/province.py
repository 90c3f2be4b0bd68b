"""The built-in demo dataset: a deterministic, synthetic Thái Nguyên province.

``build_demo`` writes every layer of ``layers/demo.toml`` (EPSG:9213, canonical columns of
``layers/types.toml``): ~92 communes/wards tiling ~8,375 km², the pre-2025 communes with the
old→new crosswalk, the seven protected areas the plan names at approximate positions, tens of
thousands of forest-status parcels for 2020 and 2024, 30 m canopy and land-cover rasters for both
years, mines, industrial zones/clusters, river sections along a Cầu-like and a
Công-like river, waste sites, monitoring stations, urban areas, roads joining the towns, a 90 m DEM (Tam Đảo range,
karst, river valleys) and an inventory of landslide and flood events (``gisplan.demo.dem``).

The layers are drawn by :mod:`gisplan.demo.admin` (outline, communes, pre-2025 communes),
:mod:`gisplan.demo.nature` (protected areas, rivers, forest status), :mod:`gisplan.demo.sites`
(urban areas, industrial zones, mines, waste sites, stations), :mod:`gisplan.demo.rasters` and
:mod:`gisplan.demo.dem`, from one random generator in a fixed order.

Everything is **synthetic** (``Dữ liệu mô phỏng — synthetic demo data``): positions and sizes of
the named protected areas and towns are approximate and clearly labelled; nothing else is real.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gisplan._atomic import write_text
from gisplan.catalog import INSTALLED, LAYERS_DIR, SYNTHETIC_NOTE, Catalog
from gisplan.demo import admin, lots, nature, sites
from gisplan.demo.admin import PROVINCE_AREA_KM2
from gisplan.demo.dem import write_terrain
from gisplan.demo.geometry import CRS
from gisplan.demo.rasters import write_rasters
from gisplan.demo.sites import TOWNS
from gisplan.io import write_layer

log = logging.getLogger(__name__)

GENERATOR_VERSION = "9"  # 3: Tam Đảo clipped to the province; 4: DEM and hazard events;
# 5: named sites at approximate positions kept inside the synthetic outline; 6: roads;
# 7: forest-status lots delivered as FRMS Shapefiles (Vietnamese field set) with the other land;
# 8: the DEM with the province's relief (dissected northern mountains, Tam Đảo ~1,500 m, slopes
# over 25°) and the events drawn on it
# 9: what the 2030 tracker reads (facilities, mine areas, seriously polluting landfills, the
#    water-quality class of each river section's use, a manual air point in the class II town,
#    land cover 2020 and built-up town cores)
#: the forest-status layers, written as the FRMS Shapefiles an office delivers (gisplan.demo.lots):
#: name → (year, TCVN3 text without .cpg)
FRMS_LAYERS = {"forest_status_2020": (2020, True), "forest_status_2024": (2024, False)}
MANIFEST = "demo_manifest.json"


@dataclass(frozen=True)
class DemoSize:
    parcels_target: int  # forest-status parcels per year (approximate)
    raster_res_m: float


#: ``large`` (≈ 200,000 forest-status lots a year) is for the benchmarks, not the CLI
SIZES = {"full": DemoSize(40_000, 30.0), "small": DemoSize(2_500, 120.0), "large": DemoSize(112_000, 30.0)}


def default_out_dir() -> Path:
    """Where the demo is built by default: the folder the demo catalog (``layers/demo.toml``)
    points at (``data/demo`` of the source tree), or ``./data/demo`` for an installed gisplan."""
    if INSTALLED:
        return Path.cwd() / "data" / "demo"
    return demo_catalog_dir()


def demo_catalog_dir() -> Path:
    """The data folder named by the demo catalog ``layers/demo.toml`` itself."""
    return Catalog(LAYERS_DIR / "demo.toml").entry("province").path.parent


def is_built(out_dir: str | os.PathLike | None = None, *, seed: int = 2030, size: str = "full") -> bool:
    """True when ``out_dir`` holds a complete demo of this seed, size and generator version."""
    path = Path(out_dir or default_out_dir()) / MANIFEST
    if not path.exists():
        return False
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return False
    return (m.get("seed"), m.get("size"), m.get("generator_version")) == (seed, size, GENERATOR_VERSION) and all(
        (path.parent / f).exists() for f in m.get("files", [])
    )


def build_demo(out_dir: str | os.PathLike | None = None, *, seed: int = 2030, size: str = "full",
               overwrite: bool = False) -> Path:
    """Build the synthetic demo dataset and return its folder.

    Parameters
    ----------
    out_dir : destination (default: the folder ``layers/demo.toml`` points at, ``data/demo``).
    seed : random seed; the same seed gives the same data.
    size : ``"full"`` (~40,000 parcels a year, 30 m rasters; what ``make demo`` uses) or
        ``"small"`` (a few thousand parcels, 120 m rasters; seconds, for tests).
    overwrite : rebuild even when a complete demo of this seed and size is there.

    Returns
    -------
    The folder. Files are written atomically; ``demo_manifest.json`` is written last, so a
    half-built folder is rebuilt on the next call.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
    out = Path(out_dir or default_out_dir())
    if is_built(out, seed=seed, size=size) and not overwrite:
        log.info("demo dataset already built in %s", out)
        return out
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    spec = SIZES[size]
    layers, lots_by_year = _generate(rng, spec, seed)
    counts = {}
    for name, gdf in layers.items():
        if name in FRMS_LAYERS:
            continue
        gdf = gdf.reset_index(drop=True)
        gdf.attrs["gisplan"] = {"synthetic": True}
        write_layer(gdf, out / f"{name}.gpkg", layer=name, overwrite=True)
        counts[name] = len(gdf)
    for name, (year, tcvn3) in FRMS_LAYERS.items():
        (out / f"{name}.gpkg").unlink(missing_ok=True)  # an older demo's own-field-set file
        lots.write_lots(lots_by_year[year], out / f"{name}.shp", tcvn3=tcvn3)
        counts[name] = len(lots_by_year[year])
    counts.update(write_rasters(out, layers, spec.raster_res_m, rng))
    counts.update(write_terrain(out, layers, size, seed))
    files = sorted(p.name for p in out.iterdir()
                   if p.suffix in (".gpkg", ".tif", ".shp", ".dbf", ".shx", ".prj", ".cpg"))
    manifest = {"seed": seed, "size": size, "generator_version": GENERATOR_VERSION,
                "note": SYNTHETIC_NOTE, "crs": CRS, "created": dt.date.today().isoformat(),
                "counts": counts, "files": files}
    write_text(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
    return out




# ---------------------------------------------------------------------------------------------
def _generate(rng: np.random.Generator, spec: DemoSize, seed: int
              ) -> tuple[dict[str, gpd.GeoDataFrame], dict[int, gpd.GeoDataFrame]]:
    """Every vector layer, drawn from ``rng`` in a fixed order (the same seed gives the same data),
    and the forest-status lots of each year in the FRMS field set (their own generator, so the
    other layers do not depend on them)."""
    province = admin.province_outline(rng)
    communes = admin.communes(province, rng)
    pas = nature.protected_areas(province, rng)
    rivers = nature.rivers(province, rng)
    urban = sites.urban_areas(province, communes, rng)
    zones = sites.industrial_zones(province, communes, rng)
    parcels20, parcels24, others = nature.forest_status(province, pas, urban, rivers, spec.parcels_target, rng)
    layers = {
        "province": admin.province_layer(province),
        "communes": communes,
        "communes_pre2025": admin.communes_pre2025(communes, rng),
        "protected_areas": pas,
        "forest_status_2020": parcels20,
        "forest_status_2024": parcels24,
        "mines": sites.mines(province, pas, rivers, rng),
        "industrial_zones": zones,
        "river_sections": rivers,
        "waste_sites": sites.waste_sites(province, communes, rng),
        "monitoring_stations": sites.stations(province, rivers, zones, rng),
        "urban_areas": urban,
        "roads": sites.roads(province, urban),  # no random draw: the other layers stay as they were
    }
    # what the 2030 tracker reads, from a stream of its own: the layers above keep their values
    plan = np.random.default_rng([seed, 20])
    sites.plan_attributes(layers, plan)
    layers["facilities"] = sites.facilities(province, zones, urban, plan)
    old = layers["communes_pre2025"]
    forest = {2020: lots.split_by_communes(parcels20, old), 2024: lots.split_by_communes(parcels24, old)}
    open_land = {y: lots.split_by_communes(others[y], old) for y in (2020, 2024)}
    cells = pd.concat([forest[2020], forest[2024], open_land[2020], open_land[2024]])[["parcel_id", "geometry"]]
    cells = gpd.GeoDataFrame(cells.drop_duplicates("parcel_id"), geometry="geometry", crs=CRS)
    keys = lots.lot_keys(cells, old)
    own = np.random.default_rng([seed, 33])
    by_year = {year: lots.frms_lots(forest[year], open_land[year], keys, pas, year, own) for year in (2020, 2024)}
    return layers, by_year


__all__ = ["CRS", "GENERATOR_VERSION", "MANIFEST", "PROVINCE_AREA_KM2", "SIZES", "TOWNS", "DemoSize",
           "build_demo", "default_out_dir", "demo_catalog_dir", "is_built"]
