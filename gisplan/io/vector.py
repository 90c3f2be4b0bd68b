"""Opening vector files: GeoPackage and other multi-layer files (which layer to read), Shapefiles
(missing or empty parts, truncated .shp, DBF bytes read one-to-one, the encoding a .cpg
declares), GeoJSON, KML/KMZ, MapInfo TAB/MIF, FlatGeobuf, GeoParquet, and CSV tables
(:mod:`gisplan.io.csv_points`). Errors name the file and say what to do.
"""

from __future__ import annotations

import codecs
import warnings
import zipfile
from collections import deque
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely

from gisplan._memory import arrow_buffers_from_heap, release_freed_memory
from gisplan._threads import cores
from gisplan.catalog import LayerType
from gisplan.errors import CRSError, LayerNotFoundError, ReadError, SchemaError
from gisplan.io.csv_points import read_csv
from gisplan.io.sources import RASTER_SUFFIXES, VECTOR_SUFFIXES

#: Features a Shapefile is read by, in batches (:func:`_read_in_batches`).
BATCH_FEATURES = 250_000


def open_vector(path: Path, layer: str | None, ltype: LayerType, encoding: str, *, assume_crs=None,
                 axes: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, str | None, list]:
    """Open a vector file: (frame, layer name, notes); notes are (code, message, column) of
    repairs made while reading (e.g. swapped CSV axes)."""
    if not path.exists():
        raise LayerNotFoundError(f"{path} does not exist")
    suffix = path.suffix.lower()
    if suffix in RASTER_SUFFIXES:
        raise SchemaError(f"{path} is a raster; layer type {ltype.id!r} is a vector layer "
                          "(rasters: open_raster() or gisplan.read())")
    if path.is_file() and path.stat().st_size == 0:
        raise ReadError(f"cannot read {path}: the file is empty (0 bytes); it was not written or not "
                        f"copied completely: copy it again from its source")
    if suffix == ".shp":
        for part in (".dbf", ".shx"):
            comp = next((c for c in (path.with_suffix(part), path.with_suffix(part.upper())) if c.exists()), None)
            if comp is not None and comp.stat().st_size == 0:
                raise ReadError(f"cannot read {path}: its {comp.name} is empty (0 bytes); copy the "
                                f"Shapefile's files (.shp, .shx, .dbf, .prj, .cpg) again from its source")
        if not any(path.with_suffix(p).exists() for p in (".shx", ".SHX")):
            raise ReadError(f"cannot read {path}: its index file {path.with_suffix('.shx').name} is missing; "
                            "copy the Shapefile's files (.shp, .shx, .dbf, .prj, .cpg) together from its source")
        if not any(path.with_suffix(p).exists() for p in (".dbf", ".DBF")):
            raise ReadError(f"cannot read {path}: its attribute file {path.with_suffix('.dbf').name} is missing "
                            "(without it the features have no attributes); copy the Shapefile's files (.shp, "
                            ".shx, .dbf, .prj, .cpg) together from its source")
    if path.is_dir() and suffix != ".gdb" and not any(path.glob("*.shp")):
        raise ReadError(f"cannot read {path}: it is a folder, not a layer file; give the file inside it "
                        "(e.g. .gpkg, .shp, .geojson)")
    try:
        if suffix == ".csv":
            df, notes = read_csv(path, ltype, assume_crs=assume_crs, axes=axes or {})
            return df, None, notes
        if suffix in (".parquet", ".geoparquet"):
            return gpd.read_parquet(path), None, []
        if suffix == ".shp":
            _check_shp_length(path)
        target = _zip_target(path) if suffix == ".zip" else str(path)  # .kmz: read by GDAL's LIBKML driver
        layer = _pick_layer(target, path, layer, ltype)
        kw = {}
        if suffix in (".shp", ".dbf"):
            # read bytes one-to-one; fix_text_columns decides what they are (.cpg may be wrong)
            kw["encoding"] = "latin1" if encoding in ("auto", "tcvn3", "vni") else encoding
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*has GPKG application_id.*")
            warnings.filterwarnings("ignore", category=RuntimeWarning, module="pyogrio")
            if suffix == ".shp":
                gdf = _read_in_batches(target, **kw)
            else:  # through Arrow: the columns arrive typed, without a copy per value
                gdf = pyogrio.read_dataframe(target, layer=layer, use_arrow=True, **kw)
                if _not_utf8(gdf):
                    # legacy text in a file that declares none (a MapInfo table with charset
                    # "Neutral" holding TCVN3): its bytes one-to-one; fix_text_columns decides
                    gdf = pyogrio.read_dataframe(target, layer=layer, use_arrow=False, encoding="latin1")
        return gdf, layer, []
    except (LayerNotFoundError, SchemaError, CRSError, ReadError):
        raise
    except Exception as exc:  # pyogrio/GDAL/arrow errors: report the file, not the library
        raise ReadError(
            f"cannot read {path}: {exc}. The file may be truncated, corrupt or not a "
            f"{suffix.lstrip('.').upper()} file; re-export it from its source"
        ) from exc


def _read_in_batches(target: str, **kw) -> pd.DataFrame:
    """A Shapefile read :data:`BATCH_FEATURES` features at a time (a seek in its ``.shx``; one
    batch for a smaller file, read the same way): GDAL
    reads the next batches in worker threads while this thread turns the WKB of each into
    geometries, in order; the attributes of all the batches become one frame at the end. The
    same frame as one read, with the geometry's transient WKB held for a few batches only
    (2,000,000 lots: 3.2 GB at most instead of 5.5 GB, 28 s instead of 38 s). The Arrow buffers
    come from the C library's heap (:func:`gisplan._memory.arrow_buffers_from_heap`).

    The workers run GDAL only (``pyogrio.read_arrow``): pandas and shapely enter
    ``warnings.catch_warnings``, which swaps the process's warning filters and must not run in
    a thread (see :mod:`gisplan._threads`). A DBF holds dates without times: no date-time
    column needs the parsing ``pyogrio.read_dataframe`` gives them."""
    n = pyogrio.read_info(target)["features"]
    if n <= 0:  # none, or a count the driver does not know
        return pyogrio.read_dataframe(target, use_arrow=True, **kw)

    def batch(skip: int):
        return pyogrio.read_arrow(target, skip_features=skip, max_features=BATCH_FEATURES,
                                  datetime_as_string=True, **kw)

    starts = iter(range(0, n, BATCH_FEATURES))
    tables, geoms, crs = [], [], None
    with arrow_buffers_from_heap():
        with ThreadPoolExecutor(min(2, cores()), initializer=_gdal_messages_to_python) as pool:
            pending = deque(pool.submit(batch, s) for s in islice(starts, 2))
            while pending:
                meta, table = pending.popleft().result()
                for s in islice(starts, 1):
                    pending.append(pool.submit(batch, s))
                name = meta["geometry_name"] or "wkb_geometry"
                geoms.append(shapely.from_wkb(table.column(name).to_numpy(zero_copy_only=False)))
                tables.append(table.drop_columns([name]))
                crs = meta["crs"]
                del table
        table = pa.concat_tables(tables)
        tables.clear()  # the batches' buffers are the table's now: freed as it is converted
        out = _arrow_frame(table, np.concatenate(geoms), crs)
    del table, geoms
    release_freed_memory(collect=False)  # the batches' WKB and Arrow buffers
    return out


def _arrow_frame(table, geoms: np.ndarray, crs) -> gpd.GeoDataFrame:
    """The attributes read by ``pyogrio.read_arrow`` (without the geometry column) and the
    geometries as ``pyogrio.read_dataframe(use_arrow=True)`` makes them: text as pandas
    strings, the layer's CRS. The batches' tables are turned into one frame at once (no
    concatenation of frames, no copy of the columns into the GeoDataFrame)."""
    text = pd.StringDtype(na_value=np.nan)
    df = table.to_pandas(self_destruct=True, types_mapper={pa.string(): text, pa.large_string(): text}.get)
    return gpd.GeoDataFrame(df, geometry=geoms, crs=crs, copy=False)


def _not_utf8(df: pd.DataFrame) -> bool:
    """Whether a text column read through Arrow holds bytes that are not UTF-8 (GDAL passes a
    file's bytes on as they are when the file names no encoding)."""
    for col in df.columns:
        arr = df[col].array
        if isinstance(df[col].dtype, pd.StringDtype) and hasattr(arr, "__arrow_array__"):
            try:
                arr.__arrow_array__().validate(full=True)
            except pa.ArrowInvalid:  # an invalid UTF-8 sequence
                return True
    return False


def _gdal_messages_to_python() -> None:
    """Route a worker thread's GDAL messages as pyogrio does the main thread's (GDAL's handler is
    per thread): without it GDAL prints notes such as PROJ's on a ``.prj`` to standard error."""
    try:
        from pyogrio._err import _register_error_handler
    except ImportError:  # pragma: no cover - another pyogrio layout: GDAL prints its notes
        return
    _register_error_handler()


def _zip_target(path: Path) -> str:
    """What GDAL opens for a zip: the archive when its layer files are at the top; the folder
    inside holding them (a zipped delivery folder), or the one layer file there; several folders
    with layers are a :class:`ReadError` listing them."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/") and not n.startswith("__MACOSX/")]
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError(f"cannot read {path}: not a readable zip archive ({exc}); copy it again from its "
                        "source") from exc
    layers = [PurePosixPath(n) for n in names
              if PurePosixPath(n).suffix.lower() in VECTOR_SUFFIXES - {".dbf", ".zip"}]
    if not layers:
        raise ReadError(f"cannot read {path}: the archive holds no layer file ({len(names)} file(s): "
                        f"{', '.join(names[:5])}{' …' if len(names) > 5 else ''})")
    folders = sorted({str(p.parent) for p in layers})
    if folders == ["."]:
        return str(path)
    if len(folders) > 1:
        raise ReadError(f"cannot read {path}: the archive holds layers in several folders ({', '.join(folders)}); "
                        "unzip it and give the layer file")
    inside = [p for p in layers if str(p.parent) == folders[0]]
    if len(inside) == 1 and inside[0].suffix.lower() != ".shp":
        return f"/vsizip/{path}/{inside[0]}"
    return f"/vsizip/{path}/{folders[0]}"


def _check_shp_length(path: Path) -> None:
    """A .shp header records the file length; a shorter file was cut off in transfer."""
    with open(path, "rb") as f:
        header = f.read(28)
    if len(header) < 28:
        raise ReadError(f"cannot read {path}: the file is truncated (no complete header)")
    declared = int.from_bytes(header[24:28], "big") * 2
    actual = path.stat().st_size
    if actual < declared:
        raise ReadError(
            f"cannot read {path}: the file is truncated ({actual} of {declared} bytes); "
            f"copy it again from its source"
        )


def _pick_layer(target: str, path: Path, layer: str | None, ltype: LayerType) -> str | None:
    """The layer to read: ``layer`` when given (it must exist), else the only layer, else the
    only layer with geometries, else the layer named like the layer type; several candidates
    are a :class:`LayerNotFoundError` listing them."""
    try:
        listed = pyogrio.list_layers(target)
    except Exception as exc:
        raise ReadError(f"cannot open {path}: {exc}. The file may be truncated or corrupt") from exc
    layers = [str(row[0]) for row in listed]
    if layer is not None:
        if layer not in layers:
            raise LayerNotFoundError(f"{path} has no layer {layer!r}; layers: {', '.join(layers)}")
        return layer
    if len(layers) <= 1:
        return layers[0] if layers else None
    spatial = [str(row[0]) for row in listed if row[1] is not None]
    if len(spatial) == 1:
        return spatial[0]
    if ltype.id in layers:
        return ltype.id
    shown = ", ".join(spatial or layers)
    raise LayerNotFoundError(
        f"{path} has {len(spatial or layers)} layers ({shown}); say which one to read: "
        f"layer=\"…\" (Python), --layer … (CLI) or layer = \"…\" in the catalog entry")


def declared_encoding(path: Path) -> str | None:
    """The text encoding a file declares: a Shapefile's .cpg (None without one); UTF-8 for
    formats that are UTF-8 by definition (GeoPackage, GeoJSON, KML, FlatGeobuf, GeoParquet)."""
    suffix = path.suffix.lower()
    if suffix in (".shp", ".dbf"):
        cpg = path.with_suffix(".cpg")
        if not cpg.exists():
            cpg = path.with_suffix(".CPG")
        return codec(cpg.read_text(encoding="ascii", errors="replace")) if cpg.exists() else None
    if suffix in (".gpkg", ".geojson", ".json", ".kml", ".kmz", ".fgb", ".parquet", ".geoparquet"):
        return "utf-8"
    return None


def codec(name: str | None) -> str | None:
    """Python's canonical codec name (``"UTF-8"`` → ``"utf-8"``, ``"1258"`` → ``"cp1258"``),
    the name itself for gisplan's legacy encodings, None when unknown."""
    if not name:
        return None
    name = str(name).strip().lower()
    if name in ("tcvn3", "vni"):
        return name
    if name.isdigit():
        name = {"65001": "utf-8", "28591": "latin-1", "88591": "latin-1"}.get(name, f"cp{name}")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None
