"""Writing layers: atomically (temporary file beside the target, then ``os.replace``), never onto
an input, the format from the suffix (.gpkg, .geojson, .shp, .fgb, .parquet).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import geopandas as gpd
import pyogrio

from gisplan._atomic import (
    SHAPEFILE_PARTS,
    atomic_path,
    check_output,
    ensure_dir,
    input_files,
    sweep_temporaries,
    temporary_prefix,
)
from gisplan.catalog import SYNTHETIC_NOTE
from gisplan.errors import GisplanError, OutputError, ReadError


def write_layer(gdf: gpd.GeoDataFrame, path: str | os.PathLike, *, layer: str | None = None,
                overwrite: bool = False) -> Path:
    """Write a layer atomically; the format follows the suffix (.gpkg, .geojson, .shp, .fgb,
    .parquet). Refuses to replace an existing file unless ``overwrite=True``; never writes
    onto the file a layer was read from (nor onto one of its sidecars).

    Returns
    -------
    The path written.
    """
    path = Path(path)
    src = (gdf.attrs.get("gisplan") or {}).get("source")
    if src and Path(src).resolve() == path.resolve():
        raise ReadError(f"refusing to write {path}: it is the layer's own input file; choose another output")
    inputs = input_files([src])
    suffix = path.suffix.lower()
    if suffix == ".shp":
        return _write_shapefile(_for_writing(gdf), path, overwrite=overwrite, inputs=inputs)
    check_output(path, overwrite=overwrite, inputs=inputs)
    out = _for_writing(gdf)
    with atomic_path(path, overwrite=overwrite, inputs=inputs) as tmp:
        if suffix in (".parquet", ".geoparquet"):
            out.to_parquet(tmp)
        else:
            driver = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".fgb": "FlatGeobuf"}.get(suffix)
            if driver is None:
                raise ReadError(f"{path}: cannot write {suffix!r}; use .gpkg, .geojson, .shp, .fgb or .parquet")
            meta = gdf.attrs.get("gisplan") or {}
            kw = {}
            if driver == "GPKG":
                note = SYNTHETIC_NOTE if meta.get("synthetic") else meta.get("source_note", "")
                kw["layer_metadata"] = {"DESCRIPTION": note} if note else None
            pyogrio.write_dataframe(out, tmp, layer=layer or path.stem, driver=driver, **kw)
    return path


def _for_writing(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out.attrs = {}
    for col in out.columns:
        if col == out.geometry.name:
            continue
        s = out[col]
        if s.dtype == object and s.map(lambda v: isinstance(v, dt.date)).any():
            out[col] = s.map(lambda v: v.isoformat() if isinstance(v, dt.date) else None)
        elif str(s.dtype) == "boolean":
            out[col] = s.astype(object).where(s.notna(), None)
    return out


def _write_shapefile(gdf: gpd.GeoDataFrame, path: Path, *, overwrite: bool, inputs=()) -> Path:
    """Write a shapefile: every part (.shp .shx .dbf .prj .cpg) is checked before anything is
    written, the parts are written in a temporary folder beside ``path`` and moved into place;
    the temporary folder is removed whatever happens."""
    parts = [path.with_suffix(ext) for ext in SHAPEFILE_PARTS]
    for part in parts:
        check_output(part, overwrite=overwrite, inputs=inputs)
    ensure_dir(path.parent)
    try:
        sweep_temporaries(path.parent)
        tmpdir = Path(tempfile.mkdtemp(prefix=temporary_prefix(path.stem), suffix=".shpdir", dir=path.parent))
    except OSError as exc:
        raise OutputError(f"cannot write in {path.parent}: {exc.strerror or exc}") from exc
    try:
        with warnings.catch_warnings():
            # DBF field names are cut to 10 characters; read_layer maps them back
            warnings.filterwarnings("ignore", message="Normalized/laundered field name", category=RuntimeWarning)
            pyogrio.write_dataframe(gdf, tmpdir / path.name, driver="ESRI Shapefile", encoding="UTF-8")
        written = sorted(tmpdir.iterdir())
        for f in written:
            check_output(path.with_suffix(f.suffix), overwrite=overwrite, inputs=inputs)
        for f in written:
            os.replace(f, path.with_suffix(f.suffix))
        for part in parts:  # a part an earlier version had and this one has not (e.g. .prj)
            if part.exists() and part.suffix not in {f.suffix for f in written}:
                part.unlink()
    except OSError as exc:
        if isinstance(exc, GisplanError):
            raise
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return path
