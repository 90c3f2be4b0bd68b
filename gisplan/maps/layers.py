"""Compatibility wrapper: the layers a map draws, over :class:`gisplan.store.LayerStore`.

New code uses a :class:`~gisplan.store.LayerStore` (``store.optional(type_id)``) directly, so
the maps and the indicators of one run share the layers read (and clipped to the study area)
once. :class:`MapLayers` keeps the old behaviour: a layer that is absent or cannot be read is
None (the reason is logged).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd

from gisplan.catalog import Catalog
from gisplan.errors import GisplanError
from gisplan.store import LayerStore

log = logging.getLogger(__name__)


class MapLayers:
    """Layers for a map: from ``layers`` or read from the catalog on first use (EPSG:9213,
    clipped to the study area); a missing or unreadable layer is None."""

    def __init__(self, catalog: Catalog | None, layers: Mapping[str, gpd.GeoDataFrame] | None = None,
                 *, store: LayerStore | None = None):
        self.store = store if store is not None else LayerStore(catalog, layers=layers)
        self.catalog = self.store.catalog

    def get(self, type_id: str, index: int = -1) -> gpd.GeoDataFrame | None:
        try:
            return self.store.optional(type_id, index)
        except GisplanError as exc:
            log.warning("layer %s not shown: %s", type_id, exc)
            return None
