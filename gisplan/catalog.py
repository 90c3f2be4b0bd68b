"""The layer catalog: layer-type definitions (``layers/types.toml``) and catalog files that
point gisplan at actual files (``layers/demo.toml``, a user's ``layers/catalog.toml``).

A catalog file is TOML::

    [catalog]
    title = "Thái Nguyên — sở NN&MT"
    base = "../data"            # folder that relative paths start from (default: the file's)
    reference_date = "2025-12-31"   # "today" for licence expiry checks (default: today)

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

Several entries may share a type (``tree_cover_2020``, ``tree_cover_2024``).
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gisplan.errors import CatalogError, LayerNotFoundError, UnknownLayerTypeError

_SOURCE_LAYERS = Path(__file__).resolve().parents[1] / "layers"  # a source checkout (or editable install)
_PACKAGED_LAYERS = Path(__file__).resolve().parent / "_layers"  # the copy inside an installed wheel


def _layers_dir() -> Path:
    env = os.environ.get("GISPLAN_LAYERS_DIR")
    if env:
        return Path(env)
    if (_SOURCE_LAYERS / "types.toml").exists():
        return _SOURCE_LAYERS
    return _PACKAGED_LAYERS


#: Folder holding the layer-type definitions, the 2030 targets and the demo catalog: ``layers/``
#: of the source tree, the copy shipped in the package when installed from a wheel, or
#: ``$GISPLAN_LAYERS_DIR``.
LAYERS_DIR = _layers_dir()
#: True when gisplan runs from an installed wheel (no source tree): the demo is built in the
#: working folder (``./data/demo``), never inside the installed package.
INSTALLED = LAYERS_DIR == _PACKAGED_LAYERS
#: The thirteen layer types of the plan.
LAYER_TYPE_IDS = (
    "province", "communes", "communes_pre2025", "protected_areas", "forest_status",
    "tree_cover", "land_cover", "mines", "industrial_zones", "river_sections", "waste_sites",
    "monitoring_stations", "urban_areas",
)
_ATTR_TYPES = {"str", "int", "float", "bool", "date"}
SYNTHETIC_NOTE = "Dữ liệu mô phỏng — synthetic demo data"


@dataclass(frozen=True)
class Attribute:
    """One attribute (column) of a layer type."""

    name: str
    type: str
    required: bool = False
    title_vi: str = ""
    title_en: str = ""
    unit: str | None = None
    allowed: tuple[str, ...] | None = None
    labels_vi: tuple[str, ...] | None = None
    labels_en: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    aliases: tuple[str, ...] = ()

    def label(self, value: Any, lang: str = "vi") -> str:
        """Human label of a coded value (``"natural"`` → ``"Rừng tự nhiên"``); the value itself
        when the attribute has no labels or the value is not a code."""
        labels = self.labels_vi if lang == "vi" else self.labels_en
        if self.allowed and labels and value in self.allowed:
            return labels[self.allowed.index(value)]
        return "" if value is None else str(value)

    def title(self, lang: str = "vi") -> str:
        return (self.title_vi if lang == "vi" else self.title_en) or self.name


@dataclass(frozen=True)
class LayerType:
    """Definition of one thematic layer type (see ``layers/types.toml``)."""

    id: str
    title_vi: str
    title_en: str
    kind: str
    geometry: tuple[str, ...] = ()
    geometry_optional: bool = False
    id_column: str | None = None
    attributes: Mapping[str, Attribute] = field(default_factory=dict)
    style: Mapping[str, Any] = field(default_factory=dict)
    raster: Mapping[str, Any] = field(default_factory=dict)
    notes: str = ""
    source: str = ""
    licence: str = ""
    date: str = ""

    @property
    def required_columns(self) -> list[str]:
        return [a.name for a in self.attributes.values() if a.required]

    def title(self, lang: str = "vi") -> str:
        return self.title_vi if lang == "vi" else self.title_en

    def label(self, column: str, value: Any, lang: str = "vi") -> str:
        """Label of ``value`` in ``column`` (see :meth:`Attribute.label`)."""
        attr = self.attributes.get(column)
        return attr.label(value, lang) if attr else ("" if value is None else str(value))

    def color(self, value: Any, *, column: str | None = None) -> str | None:
        """Styling colour of a category value (one colour per category everywhere)."""
        key = "colors" if column in (None, self.style.get("column")) else f"{column}_colors"
        colors = self.style.get(key) or (self.style.get("zone_colors") if column == "zone" else None)
        if not colors:
            return None
        return colors.get(str(value))


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


class Catalog:
    """Layer types plus the catalog entries of one catalog file.

    Parameters
    ----------
    path : catalog TOML file, or None for the default (see :func:`default_catalog_path`).
    types_path : layer-type definitions; default ``layers/types.toml``.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, types_path=None):
        self.types: dict[str, LayerType] = load_layer_types(types_path)
        self.path: Path | None = Path(path).resolve() if path else None
        self.title = ""
        self.synthetic = False
        self.reference_date: dt.date = dt.date.today()
        self.entries: dict[str, CatalogEntry] = {}
        if self.path is not None:
            self._load(self.path)

    # -- loading -------------------------------------------------------------------------
    def _load(self, path: Path) -> None:
        if not path.exists():
            raise LayerNotFoundError(f"catalog file {path} does not exist")
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise CatalogError(f"{path}: not valid TOML ({exc})") from exc
        meta = doc.get("catalog", {})
        self.title = meta.get("title", path.stem)
        self.synthetic = bool(meta.get("synthetic", False))
        if "reference_date" in meta:
            rd = meta["reference_date"]
            self.reference_date = rd if isinstance(rd, dt.date) else dt.date.fromisoformat(str(rd))
        base = (path.parent / meta.get("base", ".")).resolve()
        for name, raw in doc.get("layers", {}).items():
            self.entries[name] = self._entry(path, base, name, raw)

    def _entry(self, path: Path, base: Path, name: str, raw: Mapping[str, Any]) -> CatalogEntry:
        where = f"{path}: [layers.{name}]"
        ltype = raw.get("type", name)
        if ltype not in self.types:
            raise CatalogError(f"{where}: unknown type {ltype!r}; known: {', '.join(self.types)}")
        if "path" not in raw:
            raise CatalogError(f"{where}: 'path' is missing")
        known = {"type", "path", "layer", "columns", "crs", "encoding", "year", "title_vi",
                 "title_en", "source", "licence", "date", "synthetic"}
        return CatalogEntry(
            name=name,
            type=ltype,
            path=(base / raw["path"]).resolve(),
            layer=raw.get("layer"),
            columns=dict(raw.get("columns", {})),
            crs=raw.get("crs"),
            encoding=raw.get("encoding", "auto"),
            year=raw.get("year"),
            title_vi=raw.get("title_vi"),
            title_en=raw.get("title_en"),
            source=raw.get("source", ""),
            licence=raw.get("licence", ""),
            date=str(raw.get("date", "")),
            synthetic=bool(raw.get("synthetic", self.synthetic)),
            options={k: v for k, v in raw.items() if k not in known},
        )

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


def load_layer_types(path: str | os.PathLike | None = None) -> dict[str, LayerType]:
    """Read the layer-type definitions (default ``layers/types.toml``)."""
    path = Path(path) if path else LAYERS_DIR / "types.toml"
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LayerNotFoundError(f"layer-type definitions {path} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: not valid TOML ({exc})") from exc
    types = {}
    for tid, raw in doc.items():
        attrs = {}
        for col, a in raw.get("attributes", {}).items():
            if a.get("type") not in _ATTR_TYPES:
                raise CatalogError(f"{path}: [{tid}.attributes.{col}] type must be one of {sorted(_ATTR_TYPES)}")
            tup = {k: tuple(a[k]) for k in ("allowed", "labels_vi", "labels_en", "aliases") if k in a}
            attrs[col] = Attribute(name=col, **{**{k: v for k, v in a.items() if k not in tup}, **tup})
        if raw.get("kind") not in ("vector", "raster"):
            raise CatalogError(f"{path}: [{tid}] kind must be 'vector' or 'raster'")
        types[tid] = LayerType(
            id=tid,
            title_vi=raw.get("title_vi", tid),
            title_en=raw.get("title_en", tid),
            kind=raw["kind"],
            geometry=tuple(raw.get("geometry", ())),
            geometry_optional=bool(raw.get("geometry_optional", False)),
            id_column=raw.get("id_column"),
            attributes=attrs,
            style=raw.get("style", {}),
            raster=raw.get("raster", {}),
            notes=raw.get("notes", ""),
            source=raw.get("source", ""),
            licence=raw.get("licence", ""),
            date=str(raw.get("date", "")),
        )
    return types


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


def load_catalog(path: str | os.PathLike | None = None) -> Catalog:
    """Load a catalog file (default: :func:`default_catalog_path`)."""
    return Catalog(path or default_catalog_path())
