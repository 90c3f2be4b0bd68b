"""Layer types: the definitions of ``layers/types.toml`` (or a catalog's own copy) — columns,
their types, allowed codes with Vietnamese and English labels, ranges, styling colours.

:func:`load_layer_types` parses each file once (again only when it changes); a catalog's own
types are in :attr:`gisplan.catalog.Catalog.types`. Every name here is re-exported by
:mod:`gisplan.catalog`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gisplan._toml import LAYERS_DIR, read_toml
from gisplan.errors import CatalogError, LayerNotFoundError

#: The layer types of the plan (ids of ``layers/types.toml``).
LAYER_TYPE_IDS = (
    "province", "communes", "communes_pre2025", "protected_areas", "forest_status",
    "tree_cover", "land_cover", "mines", "industrial_zones", "river_sections", "waste_sites",
    "monitoring_stations", "urban_areas", "dem", "roads", "hazard_events", "facilities",
)
_ATTR_TYPES = {"str", "int", "float", "bool", "date"}
#: what several catalog layers of one type mean (the ``several`` key; see gisplan.layer_sets)
SEVERAL = ("latest", "years", "union")


@dataclass(frozen=True)
class Attribute:
    """One attribute (column) of a layer type."""

    name: str
    type: str
    #: the column must be there (with ``nullable``, its values may be blank: an origin is blank for
    #: land that is not forest)
    required: bool = False
    nullable: bool = False
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
    #: what several catalog layers of the type mean: "latest", "years" or "union" (gisplan.layer_sets)
    several: str = "latest"
    #: with "union": the columns that make features of two layers the same area
    same_by: tuple[str, ...] = ()

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


def load_layer_types(path: str | os.PathLike | None = None) -> dict[str, LayerType]:
    """The layer-type definitions of ``path`` (default ``layers/types.toml``), by type id.

    Each file is parsed once and kept by its resolved path, modification time and size: a later
    call returns the same :class:`LayerType` objects (in a new dict) until the file changes.
    A catalog's own types are in :attr:`Catalog.types` (see the ``types`` key).
    """
    path = (Path(path) if path else LAYERS_DIR / "types.toml").resolve()
    try:
        st = path.stat()
    except FileNotFoundError:
        raise LayerNotFoundError(f"layer-type definitions {path} not found") from None
    return dict(_parse_layer_types(path, st.st_mtime_ns, st.st_size))


@functools.lru_cache(maxsize=16)
def _parse_layer_types(path: Path, mtime_ns: int, size: int) -> dict[str, LayerType]:
    """The layer types of ``path`` (cached by path, modification time and size)."""
    doc = read_toml(path, "layer-type definitions")
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
        several, same_by = raw.get("several", "latest"), tuple(raw.get("same_by", ()))
        if several not in SEVERAL:
            raise CatalogError(f"{path}: [{tid}] several must be one of {', '.join(SEVERAL)}, not {several!r}")
        if several == "union" and (raw["kind"] != "vector" or not same_by
                                   or not set(same_by) <= set(raw.get("attributes", {}))):
            raise CatalogError(f"{path}: [{tid}] several = \"union\" needs a vector type and same_by, a list of "
                               f"its attributes (e.g. same_by = [\"pa_id\", \"name\"]); got {list(same_by)}")
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
            several=several,
            same_by=same_by,
        )
    return types
