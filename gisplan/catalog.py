"""The layer catalog: catalog files that point gisplan at actual files (``layers/demo.toml``, a
user's ``layers/catalog.toml``). The layer-type definitions they name (``layers/types.toml``) are
read by :mod:`gisplan.layer_types`; :class:`LayerType`, :class:`Attribute`,
:func:`load_layer_types`, :data:`LAYERS_DIR` and :func:`read_toml` are importable from here too.

A catalog file is TOML::

    [catalog]
    title = "Thái Nguyên — sở NN&MT"
    base = "../data"            # folder that relative paths start from (default: the file's)
    reference_date = "2025-12-31"   # "today" for licence expiry checks (default: today)
    study_area = "province"     # area every layer is cut to: a catalog entry name, or a polygon
                                # file (relative to base); default: the province layer
    types = "types.toml"        # the catalog's own layer types (a copy of layers/types.toml,
                                # relative to this file); default: layers/types.toml

    [layers.communes]
    type = "communes"           # a layer type id from types.toml
    path = "hanh_chinh.gpkg"    # any format gisplan reads
    layer = "xa_phuong"         # layer inside a multi-layer file (optional)
    columns = { MA_XA = "code", TEN_XA = "name" }   # source column -> canonical (optional)
    defaults = { zone = "whole", pa_id = "$name" }  # constants / copies for missing columns
    crs = "EPSG:4326"           # declare the CRS of data that has none (optional)
    encoding = "auto"           # auto | utf-8 | cp1258 | tcvn3 | vni (optional)
    year = 2025
    source = "Sở NN&MT"
    licence = "CC-BY-4.0"
    where = "TEN_XA LIKE 'Kim H%'"  # keep only the features matching this filter (optional)

Several entries may share a type (``tree_cover_2020``, ``tree_cover_2024``).

``where`` is an SQL WHERE expression (SQLite syntax: ``=``, ``<>``, ``LIKE`` with ``%`` and ``_``,
``IN (…)``, ``AND``/``OR``/``NOT``, ``IS NULL``) over the **file's own column names** (before
``columns`` renames them) and its text **after** legacy decoding, so a TCVN3 file is filtered
with Unicode words. ``LIKE`` ignores case for Vietnamese letters too (``'vườn quốc gia%'``
matches ``Vườn Quốc gia Ba Bể``). :func:`gisplan.io.read_catalog_layer` applies it before
validation and records the filter and the features kept and dropped in
``gdf.attrs["gisplan"]["where"]``; a filter that keeps nothing is a
:class:`~gisplan.errors.DataMissingError`, a malformed one a :class:`CatalogError`.

``study_area`` (``Catalog.study_area``: the entry name, the absolute path of a file, or None)
names the area the layer store cuts layers to; without it the ``province`` layer is used.

``types`` names the catalog's own layer-type file, a complete copy of ``layers/types.toml``
with its own titles, labels, colours and codes (``Catalog.types_path``). Everything that labels
or colours a layer — web and print maps, the site, the workbook, the GeoPackage styles — reads
the types of the catalog (:meth:`Catalog.layer_type`), so renaming a class there renames it
everywhere. :func:`load_layer_types` reads each file once (again only when it changes).

Every mistake in a catalog file is a :class:`CatalogError` naming the entry and the key: an
unknown key (with the closest known one), a value of the wrong kind (``year = "2024"``), a bad
``reference_date``, an unknown ``encoding``, an invalid ``crs``, a missing or unknown ``type``.
Paths are checked by :meth:`Catalog.check_paths` / ``load_catalog(path, check_paths=True)``
(every command of the CLI that reads the catalog's layers does).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gisplan._toml import INSTALLED, LAYERS_DIR, read_toml
from gisplan.catalog_keys import (
    CATALOG_KEYS,
    ENTRY_KEYS,
    TOP_KEYS,
    TableJoin,
    check_keys,
    did_you_mean,
    parse_date,
    parse_joins,
    parse_reclass,
    str_table,
    typed,
)
from gisplan.crs import to_crs
from gisplan.encoding import normalize_encoding
from gisplan.errors import (
    CatalogError,
    CRSError,
    EncodingError,
    LayerNotFoundError,
    UnknownLayerTypeError,
)
from gisplan.layer_types import LAYER_TYPE_IDS, Attribute, LayerType, load_layer_types

# the layer types (gisplan.layer_types), the layers folder and the TOML reader (gisplan._toml),
# and TableJoin (gisplan.catalog_keys) are imported from here too
__all__ = ["INSTALLED", "LAYERS_DIR", "LAYER_TYPE_IDS", "SYNTHETIC_NOTE", "Attribute", "Catalog",
           "CatalogEntry", "CatalogPath", "LayerType", "TableJoin", "default_catalog_path", "load_catalog",
           "load_layer_types", "read_toml"]

SYNTHETIC_NOTE = "Dữ liệu mô phỏng — synthetic demo data"


@dataclass(frozen=True)
class CatalogEntry:
    """One layer in a catalog: which file, which layer type, and its provenance."""

    name: str
    type: str
    path: Path
    layer: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    crs: str | None = None
    encoding: str = "auto"
    year: int | None = None
    title_vi: str | None = None
    title_en: str | None = None
    source: str = ""
    licence: str = ""
    date: str = ""
    synthetic: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)
    #: attribute filter (SQL WHERE on the file's own column names), applied by read_catalog_layer
    where: str | None = None
    #: attribute tables joined on read (``[[layers.<name>.join]]``)
    joins: tuple[TableJoin, ...] = ()
    #: class rasters: the file's code -> the layer type's class code (0: no data); None when the
    #: file already uses the type's codes
    reclass: Mapping[int, int] | None = None


class Catalog:
    """Layer types plus the catalog entries of one catalog file.

    Parameters
    ----------
    path : catalog TOML file, or None for the default (see :func:`default_catalog_path`).
    types_path : layer-type definitions; default the catalog's ``types`` key, else
        ``layers/types.toml``.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, types_path=None):
        #: the file the layer types come from (``types_path``, the catalog's ``types``, or the
        #: packaged ``layers/types.toml``)
        self.types_path: Path = Path(types_path).resolve() if types_path else LAYERS_DIR / "types.toml"
        self.types: dict[str, LayerType] = load_layer_types(self.types_path)
        self.path: Path | None = Path(path).resolve() if path else None
        self.title = ""
        self.synthetic = False
        self.reference_date: dt.date = dt.date.today()
        self.base: Path | None = self.path.parent if self.path is not None else None
        #: ``study_area`` of ``[catalog]``: an entry name, or the absolute path of a polygon file
        #: (relative paths start at ``base``); None when not given (the province layer is used)
        self.study_area: str | None = None
        self.entries: dict[str, CatalogEntry] = {}
        if self.path is not None:
            self._load(self.path, own_types=types_path is None)

    # -- loading -------------------------------------------------------------------------
    def _load(self, path: Path, *, own_types: bool = True) -> None:
        doc = read_toml(path, "catalog file")
        check_keys(doc, TOP_KEYS, f"{path}", "section")
        meta = doc.get("catalog", {})
        if not isinstance(meta, Mapping):
            raise CatalogError(f"{path}: 'catalog' must be a table ([catalog])")
        check_keys(meta, CATALOG_KEYS, f"{path}: [catalog]", "key")
        self.title = typed(meta, "title", str, f"{path}: [catalog]", path.stem)
        self.synthetic = typed(meta, "synthetic", bool, f"{path}: [catalog]", False)
        if "reference_date" in meta:
            self.reference_date = parse_date(meta["reference_date"], f"{path}: [catalog]", "reference_date")
        base = (path.parent / typed(meta, "base", str, f"{path}: [catalog]", ".")).resolve()
        self.base = base
        types = typed(meta, "types", str, f"{path}: [catalog]", None)
        if types is not None and own_types:
            self.types_path = (path.parent / types).resolve()
            if not self.types_path.is_file():
                raise CatalogError(f"{path}: [catalog] key 'types': {self.types_path} does not exist; give "
                                   f"a copy of {LAYERS_DIR / 'types.toml'} (relative to the catalog file), "
                                   f"or delete the key to use it as it is")
            self.types = load_layer_types(self.types_path)
        layers = doc.get("layers", {})
        if not isinstance(layers, Mapping):
            raise CatalogError(f"{path}: 'layers' must be tables ([layers.<name>])")
        for name, raw in layers.items():
            if not isinstance(raw, Mapping):
                raise CatalogError(f"{path}: [layers.{name}] must be a table with type, path …; "
                                   f"got {raw!r}")
            self.entries[name] = self._entry(path, base, name, raw)
        study = typed(meta, "study_area", str, f"{path}: [catalog]", None)
        if study is not None:
            if not study.strip():
                raise CatalogError(f"{path}: [catalog] key 'study_area' is empty; give the name of a "
                                   f"catalog entry or the path of a polygon file, or delete the key")
            if study not in self.entries and not Path(study).suffix:
                raise CatalogError(
                    f"{path}: [catalog] key 'study_area': {study!r} is not an entry of this catalog"
                    f"{did_you_mean(study, self.entries)} nor a file path (a polygon file such as "
                    f"\"vung/ba_be.gpkg\"); entries: {', '.join(self.entries) or '(none)'}")
            self.study_area = study if study in self.entries else str((base / study).resolve())

    def _entry(self, path: Path, base: Path, name: str, raw: Mapping[str, Any]) -> CatalogEntry:
        where = f"{path}: [layers.{name}]"
        check_keys(raw, ENTRY_KEYS, where, "key")
        if "type" not in raw:
            raise CatalogError(f"{where}: key 'type' is missing; give the layer type, one of: "
                               f"{', '.join(self.types)}")
        ltype = raw["type"]
        if not isinstance(ltype, str) or ltype not in self.types:
            hint = did_you_mean(str(ltype), self.types)
            raise CatalogError(f"{where}: key 'type': unknown type {ltype!r}{hint}; known: {', '.join(self.types)}")
        if "path" not in raw:
            raise CatalogError(f"{where}: key 'path' is missing; give the file, relative to {base}")
        file = typed(raw, "path", str, where, None)
        if not file.strip():
            raise CatalogError(f"{where}: key 'path' is empty")
        columns = str_table(raw, "columns", where)
        defaults = raw.get("defaults", {})
        if not isinstance(defaults, Mapping):
            raise CatalogError(f"{where}: key 'defaults' must be a table, e.g. defaults = {{ zone = \"whole\" }}; "
                               f"got {defaults!r}")
        crs = typed(raw, "crs", str, where, None)
        if crs is not None:
            try:
                to_crs(crs)
            except CRSError as exc:
                raise CatalogError(f"{where}: key 'crs': {exc}") from None
        encoding = typed(raw, "encoding", str, where, "auto")
        try:
            encoding = normalize_encoding(encoding)
        except EncodingError as exc:
            raise CatalogError(f"{where}: key 'encoding': {exc}") from None
        year = raw.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
            raise CatalogError(f"{where}: key 'year' must be a whole number such as 2024; got {year!r}")
        date = raw.get("date", "")
        if date != "" and not isinstance(date, (str, dt.date)):
            raise CatalogError(f"{where}: key 'date' must be a date such as \"2025-06-30\"; got {date!r}")
        filt = typed(raw, "where", str, where, None)
        if filt is not None and not filt.strip():
            raise CatalogError(f"{where}: key 'where' is empty; give an attribute filter such as "
                               f"\"name = 'Ba Bể'\", or delete the key")
        if filt is not None and self.types[ltype].kind == "raster":
            raise CatalogError(f"{where}: key 'where' filters features; {ltype!r} is a raster layer "
                               f"type, which has none: delete the key")
        return CatalogEntry(
            name=name,
            type=ltype,
            path=(base / file).resolve(),
            layer=typed(raw, "layer", str, where, None),
            columns=columns,
            crs=crs,
            encoding=encoding,
            year=year,
            title_vi=typed(raw, "title_vi", str, where, None),
            title_en=typed(raw, "title_en", str, where, None),
            source=typed(raw, "source", str, where, ""),
            licence=typed(raw, "licence", str, where, ""),
            date=str(date),
            synthetic=typed(raw, "synthetic", bool, where, self.synthetic),
            where=filt,
            options={"defaults": dict(defaults)} if defaults else {},
            joins=parse_joins(raw.get("join", []), base, where, self.types[ltype]),
            reclass=parse_reclass(raw.get("reclass"), where, self.types[ltype]),
        )

    def missing_paths(self) -> list[CatalogEntry]:
        """The entries whose file does not exist (in catalog order)."""
        return [e for e in self.entries.values() if not e.path.exists()]

    def check_paths(self) -> None:
        """Raise :class:`CatalogError` naming the first entry whose ``path`` does not exist (and
        every other missing one), or a ``study_area`` file that does not exist. For the built-in
        demo catalog not built yet, the message says to run ``gisplan demo`` first."""
        missing = self.missing_paths()
        study_missing = (self.study_area is not None and self.study_area not in self.entries
                         and not Path(self.study_area).exists())
        if not missing and not study_missing:
            return
        if self.is_demo:
            raise CatalogError(
                f"the demo data are not built yet ({missing[0].path if missing else self.study_area} "
                f"does not exist): run `gisplan demo` first, or give your own catalog with --catalog"
            )
        if study_missing:
            raise CatalogError(f"{self.path}: [catalog] key 'study_area': {self.study_area} does not "
                               f"exist; give the name of a catalog entry or the path of a polygon file")
        first = missing[0]
        more = ""
        if len(missing) > 1:
            more = f" (also missing: {', '.join(e.name for e in missing[1:])})"
        raise CatalogError(
            f"{self.path}: [layers.{first.name}] key 'path': {first.path} does not exist{more}. Fix the "
            f"path (relative paths start at {self.base}), or delete the entry: the indicators that "
            f"need it are then skipped with the reason"
        )

    @property
    def is_demo(self) -> bool:
        """True for the built-in demo catalog (``layers/demo.toml``)."""
        return self.path is not None and self.path == (LAYERS_DIR / "demo.toml").resolve()

    # -- access --------------------------------------------------------------------------
    def layer_type(self, type_id: str) -> LayerType:
        """The :class:`LayerType` with id ``type_id``."""
        try:
            return self.types[type_id]
        except KeyError:
            raise UnknownLayerTypeError(
                f"unknown layer type {type_id!r}; known: {', '.join(self.types)}"
            ) from None

    def entry(self, name: str) -> CatalogEntry:
        """The catalog entry ``name`` (raises :class:`LayerNotFoundError` naming the catalog)."""
        try:
            return self.entries[name]
        except KeyError:
            where = self.path or "the catalog"
            raise LayerNotFoundError(
                f"{where} has no layer {name!r}; it has: {', '.join(self.entries) or '(none)'}"
            ) from None

    def of_type(self, type_id: str) -> list[CatalogEntry]:
        """Entries of one layer type, oldest year first."""
        self.layer_type(type_id)
        found = [e for e in self.entries.values() if e.type == type_id]
        return sorted(found, key=lambda e: (e.year or 0, e.name))

    def __iter__(self) -> Iterator[CatalogEntry]:
        return iter(self.entries.values())

    def __contains__(self, name: object) -> bool:
        return name in self.entries

    def __repr__(self) -> str:
        return f"Catalog({str(self.path) if self.path else None!r}, {len(self.entries)} layers)"




def default_catalog_path() -> Path:
    """The catalog used when none is given: ``$GISPLAN_CATALOG``, else ``./layers/catalog.toml``
    in the working folder, else the demo catalog ``layers/demo.toml``."""
    env = os.environ.get("GISPLAN_CATALOG")
    if env:
        return Path(env)
    local = Path.cwd() / "layers" / "catalog.toml"
    if local.exists():
        return local
    built = Path.cwd() / "data" / "demo" / "catalog.toml"  # `gisplan demo` of an installed gisplan
    if INSTALLED and built.exists():
        return built
    return LAYERS_DIR / "demo.toml"


class CatalogPath(type(Path())):
    """The path of a catalog whose files must exist: :func:`load_catalog` checks the paths of a
    catalog given as a ``CatalogPath`` (the CLI's ``--catalog`` option gives one)."""


def load_catalog(path: str | os.PathLike | None = None, check_paths: bool = False) -> Catalog:
    """Load a catalog file (default: :func:`default_catalog_path`).

    With ``check_paths``, every entry's file (and a ``study_area`` file) must exist: otherwise a
    :class:`CatalogError` names the entry, the key ``path`` and the resolved path (for the demo
    catalog not built yet: run ``gisplan demo`` first). Without it, missing files show up when
    a layer is read (:meth:`Catalog.missing_paths` lists them). A :class:`CatalogPath` is
    always checked.
    """
    cat = Catalog(path or default_catalog_path())
    if check_paths or isinstance(path, CatalogPath):
        cat.check_paths()
    return cat
