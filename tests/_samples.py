"""Builders of small, valid layers of every layer type (used by several test modules)."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import shapely

from gisplan.catalog import LayerType

# a point in Thái Nguyên city, EPSG:9213 metres
X0, Y0 = 428_000.0, 2_388_000.0


def sample_value(attr, i: int):
    if attr.allowed:
        return attr.allowed[i % len(attr.allowed)]
    if attr.type == "str":
        return f"{10000 + i}" if attr.pattern else f"{attr.name} {i} Hòa Thủy"
    if attr.type == "int":
        lo = int(attr.min) if attr.min is not None else 0
        return lo + i
    if attr.type == "float":
        return float(attr.min or 0) + 1.5 * (i + 1)
    if attr.type == "bool":
        return i % 2 == 0
    if attr.type == "date":
        return dt.date(2030, 1, 1 + i)
    raise AssertionError(attr.type)


def sample_geometry(ltype: LayerType, i: int):
    fam = ltype.geometry[0]
    x, y = X0 + 2000 * i, Y0
    if fam in ("Polygon", "MultiPolygon"):
        return shapely.box(x, y, x + 1000, y + 1000)
    if fam in ("LineString", "MultiLineString"):
        return shapely.LineString([(x, y), (x + 500, y + 800), (x + 900, y + 1500)])
    return shapely.Point(x + 10, y + 10)


def sample_frame(ltype: LayerType, n: int = 3, crs=9213) -> gpd.GeoDataFrame:
    data = {a.name: [sample_value(a, i) for i in range(n)] for a in ltype.attributes.values()}
    return gpd.GeoDataFrame(data, geometry=[sample_geometry(ltype, i) for i in range(n)], crs=crs)
