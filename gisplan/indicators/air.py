"""Air monitoring in towns: stations in (or near) the urban areas of class special, I and II
(plan Danh mục I.4). Distances in m, in the layers' projected CRS (EPSG:9213 by default)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisplan.indicators.metres import require_metres
from gisplan.indicators.options import DEFAULTS
from gisplan.overlay import require_unique_ids


def air_monitoring_coverage(urban_areas: gpd.GeoDataFrame, stations: gpd.GeoDataFrame, *,
                            classes: tuple[str, ...] = ("special", "I", "II"),
                            distance_m: float = DEFAULTS.air_distance_m) -> pd.DataFrame:
    """Urban areas of the given classes and the air-monitoring stations within ``distance_m``
    of them (plan Danh mục I.4: stations in special, class I and II towns). By default (0 m) a
    station counts for a town only when it stands in it (or on its boundary). Both layers in
    one CRS projected in metres (EPSG:9213), else CRSError naming the layer.

    Returns
    -------
    DataFrame: ``urban_id``, ``name``, ``urban_class``, ``air_stations`` (count within the
    distance), ``automatic_stations``, ``nearest_station_m``, ``covered`` (at least one).
    """
    require_metres((urban_areas, "urban areas (air_monitoring_coverage)"),
                   (stations, "monitoring stations (air_monitoring_coverage)"))
    require_unique_ids(urban_areas, "urban_id", "urban areas (air_monitoring_coverage)")
    towns = urban_areas[urban_areas["urban_class"].isin(classes)]
    air = stations[stations["medium"] == "air"]
    rows = []
    ag = air.geometry.to_numpy()
    for t in towns.itertuples():
        d = shapely.distance(ag, t.geometry) if len(ag) else np.array([])
        within = d <= distance_m
        rows.append({"urban_id": t.urban_id, "name": t.name, "urban_class": t.urban_class,
                     "air_stations": int(within.sum()),
                     "automatic_stations": int((within & (air["mode"].to_numpy() == "automatic")).sum()),
                     "nearest_station_m": float(d.min()) if len(d) else np.nan,
                     "covered": bool(within.any())})
    return pd.DataFrame(rows, columns=["urban_id", "name", "urban_class", "air_stations",
                                       "automatic_stations", "nearest_station_m", "covered"])
