"""The layers a map draws: given by the caller or read from the catalog on first use.

Shared by the interactive maps (:mod:`gisplan.maps.interactive`) and the print maps
(:mod:`gisplan.maps.printmap`). Layers come back as read by :func:`gisplan.io.read_catalog_layer`
(EPSG:9213, validated, ``strict=False``); a missing layer is None.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd

from gisplan.catalog import Catalog
from gisplan.errors import GisplanError

log = logging.getLogger(__name__)


class MapLayers:
    """Layers for a map: from ``layers`` or read from the catalog on first use (EPSG:9213)."""

    def __init__(self, catalog: Catalog | None, layers: Mapping[str, gpd.GeoDataFrame] | None):
        self.catalog = catalog
        self.given = dict(layers or {})
        self.cache: dict[str, gpd.GeoDataFrame | None] = {}

    def get(self, type_id: str, index: int = -1) -> gpd.GeoDataFrame | None:
        key = f"{type_id}:{index}"
        if key in self.given:
            return self.given[key]
        if type_id in self.given and index == -1:
            return self.given[type_id]
        if key not in self.cache:
            self.cache[key] = self._read(type_id, index)
        return self.cache[key]

    def _read(self, type_id, index):
        if self.catalog is None:
            return None
        from gisplan.io import read_catalog_layer

        entries = [e for e in self.catalog.of_type(type_id) if e.path.exists()]
        if not entries or len(entries) < abs(index) + (0 if index < 0 else 1):
            return None
        try:
            return read_catalog_layer(self.catalog, entries[index].name, strict=False)
        except GisplanError as exc:
            log.warning("layer %s not shown: %s", entries[index].name, exc)
            return None
