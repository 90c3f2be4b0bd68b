"""Forest cover and change per commune for many provinces and years in one job.

A national catalog (TOML) names the communes (one file for the whole country, with the
province of each commune) and a canopy-cover raster per year (a GeoTIFF, or a VRT over a
tiled national mosaic)::

    [zones]
    path = "communes.gpkg"      # relative to the catalog
    id = "code"                 # unique per commune
    name = "name"               # optional
    province = "province"       # the province code of each commune
    province_name = "province_name"   # optional

    [[rasters]]
    year = 2020
    path = "canopy_2020_10m.vrt"
    # crs = "EPSG:3405"         # only for a raster whose file carries no CRS

    [[rasters]]
    year = 2024
    path = "canopy_2024_10m.vrt"

:func:`run_national` computes forest cover for every year (one pass over each raster's
windows that the communes cover) and the change between consecutive years (one pass over both),
then writes one CSV per province (its communes) and a national summary (one row per province).
Province figures are sums of their communes' areas; a province's percentages are left empty
(never 0) when it is observed over less than ``min_observed_pct`` of its area. With a dask
``client`` the raster windows run as cluster tasks (:mod:`gisplan.distributed`); the numbers are
the same to the last digit.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gisplan._atomic import OutputFolder
from gisplan._memory import release_freed_memory
from gisplan.catalog import read_toml
from gisplan.errors import DataMissingError, OptionError, SchemaError
from gisplan.indicators import canopy
from gisplan.io import read_layer


@dataclass(frozen=True)
class NationalCatalog:
    """Communes and yearly rasters of a national run (paths resolved against the catalog)."""

    path: Path
    zones: Path
    id: str
    province: str
    name: str | None = None
    province_name: str | None = None
    layer: str | None = None
    rasters: dict[int, Path] = field(default_factory=dict)
    crs: dict[int, str | None] = field(default_factory=dict)

    def inputs(self) -> list[Path]:
        """Every file the run reads (never an output)."""
        return [self.path, self.zones, *self.rasters.values()]


def read_catalog(path: str | Path) -> NationalCatalog:
    """Read and check a national catalog (see the module's docstring).

    Raises
    ------
    SchemaError
        A missing or mistyped key, or a year given twice.
    DataMissingError
        The zones or a raster file does not exist.
    """
    path = Path(path)
    data = read_toml(path, "national catalog", invalid=SchemaError, missing=DataMissingError)
    zones = data.get("zones")
    if not isinstance(zones, dict) or not all(isinstance(zones.get(k), str) for k in ("path", "id", "province")):
        raise SchemaError(f"national catalog {path}: [zones] needs path, id and province (text), e.g. "
                          f'path = "communes.gpkg", id = "code", province = "province"')
    base = path.parent
    zpath = base / zones["path"]
    if not zpath.exists():
        raise DataMissingError(f"national catalog {path}: zones file {zpath} does not exist")
    rasters, crs = {}, {}
    entries = data.get("rasters", [])
    if not isinstance(entries, list) or not entries:
        raise SchemaError(f"national catalog {path}: no [[rasters]] entries (year = …, path = …)")
    for i, e in enumerate(entries, 1):
        if not isinstance(e, dict) or not isinstance(e.get("year"), int) or not isinstance(e.get("path"), str):
            raise SchemaError(f"national catalog {path}: [[rasters]] entry {i} needs year (integer) and path (text)")
        if e["year"] in rasters:
            raise SchemaError(f"national catalog {path}: year {e['year']} is given twice in [[rasters]]")
        rp = base / e["path"]
        if not rp.exists():
            raise DataMissingError(f"national catalog {path}: raster {rp} (year {e['year']}) does not exist")
        rasters[e["year"]] = rp
        crs[e["year"]] = e.get("crs")
    return NationalCatalog(path, zpath, zones["id"], zones["province"], zones.get("name"), zones.get("province_name"),
                           zones.get("layer"), dict(sorted(rasters.items())), crs)


def _slug(text: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", str(text).replace("đ", "d").replace("Đ", "D"))
    ascii_ = ascii_.encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "_", ascii_).strip("_").lower() or "province"


def national_tables(cat: NationalCatalog, *, years: list[int] | None = None, client: Any = None,
                    threshold: float = canopy.FOREST.threshold, mmu_ha: float = canopy.FOREST.mmu_ha,
                    min_observed_pct: float = canopy.MIN_OBSERVED_PCT, progress: bool = False,
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-commune and per-province tables for the catalog's years.

    Returns
    -------
    (communes, provinces): communes with ``forest_ha_<year>``, ``forest_pct_<year>``,
    ``observed_pct_<year>`` per year and ``loss_ha_<y0>_<y1>``, ``gain_ha_…``, ``net_ha_…`` per
    pair of consecutive years; provinces with the same columns summed (percentages recomputed
    from the sums), areas in ha in the rasters' CRS.
    """
    years = sorted(cat.rasters) if years is None else sorted(years)
    missing = [y for y in years if y not in cat.rasters]
    if missing:
        raise OptionError(f"year(s) {', '.join(map(str, missing))} are not in {cat.path}; "
                          f"years there: {', '.join(map(str, cat.rasters))}")
    gdf = read_layer(cat.zones, layer=cat.layer)
    for col in (cat.id, cat.province, cat.name, cat.province_name):
        if col is not None and col not in gdf.columns:
            raise SchemaError(f"zones {cat.zones} have no column {col!r} (named in {cat.path})")
    keep = [c for c in (cat.id, cat.name, cat.province, cat.province_name) if c is not None]
    communes = pd.DataFrame(gdf[keep]).reset_index(drop=True)
    opts = dict(threshold=threshold, mmu_ha=mmu_ha, min_observed_pct=min_observed_pct, client=client,
                progress=progress)
    obs_cols = {}
    for y in years:
        t = canopy.forest_cover(str(cat.rasters[y]), gdf, id_column=cat.id, crs=cat.crs.get(y), **opts)
        if y == years[0]:
            communes["area_ha"] = t["area_ha"].to_numpy()
        communes[f"observed_ha_{y}"] = t["observed_ha"].to_numpy()
        communes[f"forest_ha_{y}"] = t["forest_ha"].to_numpy()
        communes[f"forest_pct_{y}"] = t["forest_pct"].to_numpy()
        communes[f"observed_pct_{y}"] = t["observed_pct"].to_numpy()
        obs_cols[y] = f"observed_ha_{y}"
        release_freed_memory()  # each pass's work arrays, before the next pass
    for y0, y1 in zip(years[:-1], years[1:], strict=True):
        t = canopy.forest_change_raster(str(cat.rasters[y0]), str(cat.rasters[y1]), gdf, id_column=cat.id,
                                        name_column=None, crs=cat.crs.get(y0), **opts)
        for c in ("loss_ha", "gain_ha", "net_ha"):
            communes[f"{c[:-3]}_ha_{y0}_{y1}"] = t[c].to_numpy()
        communes[f"observed_ha_{y0}_{y1}"] = t["observed_ha"].to_numpy()
        release_freed_memory()
    return communes, _provinces(communes, cat, years, min_observed_pct)


def _provinces(communes: pd.DataFrame, cat: NationalCatalog, years: list[int], min_pct: float) -> pd.DataFrame:
    """Province sums; a sum over communes none of which is known stays unknown (NaN)."""
    keys = [cat.province] + ([cat.province_name] if cat.province_name else [])
    ha = [c for c in communes.columns if "_ha" in c]
    g = communes.groupby(keys, sort=True, dropna=False)
    prov = g[ha].sum(min_count=1).reset_index()
    prov.insert(len(keys), "communes", g.size().to_numpy())
    with np.errstate(invalid="ignore", divide="ignore"):
        for y in years:
            obs_pct = prov[f"observed_ha_{y}"] / prov["area_ha"] * 100
            ok = obs_pct >= min_pct - 1e-6
            prov[f"observed_pct_{y}"] = obs_pct
            prov[f"forest_pct_{y}"] = np.where(ok, prov[f"forest_ha_{y}"] / prov[f"observed_ha_{y}"] * 100, np.nan)
    return prov


def run_national(cat: NationalCatalog, out: str | Path, *, overwrite: bool = False, **kwargs) -> dict[str, Path]:
    """Compute :func:`national_tables` and write ``national_summary.csv`` (one row per province)
    and ``provinces/<code>_<name>.csv`` (the province's communes) under ``out``.

    Files are written atomically and listed in the folder's manifest; a file of the user's in
    ``out`` is never replaced, and ``out`` may not hold an input.

    Returns
    -------
    ``{"summary": path, "<province code>": path, …}``
    """
    out = Path(out)
    folder = OutputFolder(out, inputs=cat.inputs(), overwrite=overwrite)
    folder.check(["national_summary.csv"])  # before the computation
    communes, prov = national_tables(cat, **kwargs)
    names = dict(zip(prov[cat.province], prov[cat.province_name] if cat.province_name else prov[cat.province],
                     strict=True))
    rels = {str(code): f"provinces/{code}_{_slug(names.get(code, code))}.csv"
            for code in sorted(communes[cat.province].dropna().unique(), key=str)}
    folder.check(rels.values())
    written = {}
    with folder:
        with folder.write("national_summary.csv") as tmp:
            prov.to_csv(tmp, index=False, encoding="utf-8")
        written["summary"] = out / "national_summary.csv"
        for code, part in communes.groupby(cat.province, sort=True):
            with folder.write(rels[str(code)]) as tmp:
                part.to_csv(tmp, index=False, encoding="utf-8")
            written[str(code)] = out / rels[str(code)]
    return written
