"""What lies in the susceptibility classes: per commune the area and share of each class and the
exposure in the high classes (population in proportion to area, urban areas, buildings, road
length), and an event inventory's success rate per class. Areas in ha (m² inside), lengths in
km, on the result's projected grid (EPSG:9213 by default)."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisplan import zonal
from gisplan.errors import GisplanWarning, SchemaError
from gisplan.indicators.hazard_config import NOTE
from gisplan.indicators.hazard_factors import vector_layer
from gisplan.indicators.hazard_result import SusceptibilityResult
from gisplan.indicators.metres import require_metres
from gisplan.indicators.options import MIN_OBSERVED_PCT
from gisplan.indicators.raster_zones import load_zones
from gisplan.indicators.terrain import weighted_sums

#: hazard an inventory's event_type counts for
EVENT_HAZARD = {"landslide": "landslide", "flash_flood": "flash_flood", "flood": "flash_flood"}


def _population(communes: gpd.GeoDataFrame, id_column: str, population) -> np.ndarray:
    ids = communes[id_column]
    if population is None:
        if "population" not in communes.columns:
            return np.full(len(communes), np.nan)
        return pd.to_numeric(communes["population"], errors="coerce").to_numpy(float)
    if isinstance(population, str):
        if population not in communes.columns:
            raise SchemaError(f"communes have no population column {population!r}")
        return pd.to_numeric(communes[population], errors="coerce").to_numpy(float)
    if isinstance(population, pd.DataFrame):
        col = "population" if "population" in population.columns else None
        if id_column not in population.columns or col is None:
            raise SchemaError(f"the population table needs columns {id_column!r} and 'population'")
        population = population.set_index(id_column)[col]
    mapping = pd.Series(population)
    # codes written as numbers in one table and as zero-padded text in the other ("1906.0", "01906")
    mapping.index = [_code_key(k) for k in mapping.index]
    mapping = mapping[~mapping.index.duplicated(keep=False)]
    return pd.to_numeric(ids.map(_code_key).map(mapping), errors="coerce").to_numpy(float)


def _code_key(value) -> str:
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if math.isfinite(number) and number == int(number) else text


def _xy(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of points (a point inside for polygons and lines); NaN for empty or missing."""
    geoms = np.asarray(geoms, dtype=object)
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    pts = np.where(bad, None, geoms)
    pts = np.where(shapely.get_type_id(pts) == 0, pts, shapely.point_on_surface(pts))
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    ok = ~bad
    if ok.any():
        first = shapely.get_point(pts[ok], 0)
        first = np.where(shapely.get_type_id(pts[ok]) == 4, first, pts[ok])  # MultiPoint: its first point
        x[ok], y[ok] = shapely.get_x(first), shapely.get_y(first)
    return x, y


def _sample(result_cls: np.ndarray, t, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Class at points (0 outside the grid, or for an empty point)."""
    finite = np.isfinite(x) & np.isfinite(y)
    col = np.floor((np.where(finite, x, t.c - t.a) - t.c) / t.a).astype(np.int64)
    row = np.floor((np.where(finite, y, t.f - t.e) - t.f) / t.e).astype(np.int64)
    ok = finite & (row >= 0) & (row < result_cls.shape[0]) & (col >= 0) & (col < result_cls.shape[1])
    out = np.zeros(len(x), "uint8")
    out[ok] = result_cls[row[ok], col[ok]]
    return out


def exposure_by_unit(
    result: SusceptibilityResult,
    communes,
    *,
    id_column: str = "code",
    name_column: str | None = "name",
    population=None,
    urban_areas=None,
    buildings=None,
    roads=None,
    min_observed_pct: float = MIN_OBSERVED_PCT,
) -> pd.DataFrame:
    """Area and share of each susceptibility class per commune, and exposure in the high classes.

    Parameters
    ----------
    result : from :func:`susceptibility`, on a grid projected in metres (EPSG:9213; CRSError
        otherwise).
    communes : polygons (GeoDataFrame or file), any CRS (reprojected to the grid's).
    population : None (the communes' ``population`` column when present), a column name, a
        mapping/Series id → people, or a DataFrame with ``id_column`` and ``population``.
        Exposed population = population × share of the commune's area in the exposed classes
        (people assumed spread evenly: a proxy, said in the notes).
    urban_areas : polygons; ``urban_ha`` and ``urban_exposed_ha`` (area in the exposed classes).
    buildings : points or polygons (counted at a point inside); ``buildings``, ``buildings_exposed``.
    roads : lines; ``roads_km`` and ``roads_exposed_km``.
    min_observed_pct : a commune the grid observes over less of its area (%) gets NaN shares
        and exposure (its class areas in ha are still the areas seen; ``nodata_ha`` the rest).

    Returns
    -------
    Long table, one row per commune and hazard: ``id_column``, ``name``, ``hazard``,
    ``area_ha`` (commune), ``<class>_ha`` and ``<class>_pct`` for very_low … very_high (% of the
    commune's area), ``nodata_ha`` (not covered by the grid or DEM nodata; the class areas plus
    nodata_ha equal area_ha), ``observed_pct``, ``observed_ok``, ``exposed_ha``/``exposed_pct`` (area in the
    exposed classes, ``[classes].exposed``: high and very high), ``population``,
    ``population_exposed`` (population × exposed share of the observed area) and, when the layers are
    given, ``urban_ha``/``urban_exposed_ha``, ``buildings``/``buildings_exposed``,
    ``roads_km``/``roads_exposed_km``. Values are NaN (not
    0) where unknown.
    """
    require_metres((result.crs, "susceptibility grid (exposure_by_unit)"))
    cfg = result.config
    gdf = load_zones(communes, id_column, result.crs)
    geoms = gdf.geometry.to_numpy()
    n = len(geoms)
    t = result.transform
    px = abs(t.a * t.e)
    area = shapely.area(geoms)
    exposed = cfg.exposed_codes
    pop = _population(gdf, id_column, population)
    names = gdf[name_column].to_numpy() if name_column and name_column in gdf.columns else None
    urban = vector_layer(urban_areas, result.crs, "urban areas")
    if urban is not None:
        upoly = shapely.union_all(urban.geometry.values)
        upieces = shapely.intersection(geoms, upoly)
        upieces = np.array([g if g.geom_type in ("Polygon", "MultiPolygon") else
                            shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
                            for g in upieces], dtype=object)
    bld = vector_layer(buildings, result.crs, "buildings")
    rds = vector_layer(roads, result.crs, "roads")
    frames = []
    for hz in result.hazards:
        cls = result.classes[hz]
        row_w = np.full(cls.shape[0], px)
        sums = _class_area(geoms, cls, t, row_w)
        table = {id_column: gdf[id_column].to_numpy()}
        if names is not None:
            table["name"] = names
        table["hazard"] = hz
        table["area_ha"] = area / 1e4
        observed = sum(sums[k] for k in range(1, 6))
        with np.errstate(invalid="ignore", divide="ignore"):
            observed_pct = np.where(area > 0, observed / area * 100, np.nan)
        ok = np.nan_to_num(observed_pct, nan=-1.0) >= min_observed_pct - 1e-6
        for k, key in enumerate(cfg.class_keys, start=1):
            table[f"{key}_ha"] = np.where(observed > 0, sums[k] / 1e4, np.nan)
        for k, key in enumerate(cfg.class_keys, start=1):
            with np.errstate(invalid="ignore", divide="ignore"):
                table[f"{key}_pct"] = np.where(ok, sums[k] / area * 100, np.nan)
        table["nodata_ha"] = np.maximum(area - observed, 0) / 1e4
        table["observed_pct"] = observed_pct
        table["observed_ok"] = ok
        high = sum(sums[k] for k in exposed)
        table["exposed_ha"] = np.where(observed > 0, high / 1e4, np.nan)
        table["exposed_pct"] = np.where(ok, high / area * 100, np.nan)
        table["population"] = pop
        # people assumed spread evenly over the observed part of the commune
        with np.errstate(invalid="ignore", divide="ignore"):
            table["population_exposed"] = np.where(ok, pop * high / observed, np.nan)
        if urban is not None:
            usums = _class_area(upieces, cls, t, row_w)
            uarea = shapely.area(upieces)
            table["urban_ha"] = uarea / 1e4
            table["urban_exposed_ha"] = np.where(ok, sum(usums[k] for k in exposed) / 1e4, np.nan)
        if bld is not None:
            bx, by = _xy(bld.geometry.values)
            pts = shapely.points(bx, by)[np.isfinite(bx) & np.isfinite(by)]
            inside = gpd.GeoDataFrame(geometry=gpd.GeoSeries(pts, crs=result.crs)).sjoin(
                gpd.GeoDataFrame({"_z": np.arange(n)}, geometry=gdf.geometry.values, crs=result.crs),
                predicate="within")
            x, y = shapely.get_x(inside.geometry.values), shapely.get_y(inside.geometry.values)
            c = _sample(cls, t, x, y)
            z = inside["_z"].to_numpy()
            table["buildings"] = np.bincount(z, minlength=n).astype(float)
            nb_known = np.bincount(z, weights=(c > 0), minlength=n)
            table["buildings_exposed"] = np.where(nb_known == table["buildings"],
                                               np.bincount(z, weights=np.isin(c, exposed), minlength=n), np.nan)
        if rds is not None:
            table.update(_road_lengths(rds, geoms, cls, t, exposed))
        frames.append(pd.DataFrame(table))
    out = pd.concat(frames, ignore_index=True)
    out.attrs["note"] = NOTE + "; population in the high classes is in proportion to area"
    out.attrs["notes"] = list(result.notes)
    return out


def _class_area(geoms: np.ndarray, cls: np.ndarray, t, row_w: np.ndarray) -> list[np.ndarray]:
    """Exact area (m²) of each class 0–5 inside each polygon (coverage fractions)."""
    n = len(geoms)
    empty = shapely.is_empty(geoms) | shapely.is_missing(geoms)
    g = np.where(empty, shapely.box(0, 0, 0, 0), geoms)
    cov = zonal.coverage(g, t).clip(*cls.shape)
    sums = weighted_sums(cov, {k: (cls == k) for k in range(6)}, 0, 0, row_w, n)
    return [np.where(empty, 0.0, sums[k]) for k in range(6)]


def _road_lengths(roads: gpd.GeoDataFrame, geoms: np.ndarray, cls: np.ndarray, t, exposed) -> dict:
    n = len(geoms)
    lines = roads.geometry.values
    tree = shapely.STRtree(lines)
    zi, li = tree.query(geoms, predicate="intersects")
    pieces = shapely.intersection(lines[li], geoms[zi])
    pieces = shapely.segmentize(pieces, abs(t.a) / 4)
    # segments of each piece: consecutive coordinates of each line part
    parts, pidx = shapely.get_parts(pieces, return_index=True)
    lines_only = shapely.get_type_id(parts) == 1
    parts, pidx = parts[lines_only], pidx[lines_only]
    xy, ring = shapely.get_coordinates(parts, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = xy[:-1][same], xy[1:][same]
    seg_zone = zi[pidx[ring[:-1][same]]]
    length = np.hypot(*(b - a).T)
    mid = (a + b) / 2
    c = _sample(cls, t, mid[:, 0], mid[:, 1])
    total = np.bincount(seg_zone, weights=length, minlength=n)
    known = np.bincount(seg_zone, weights=length * (c > 0), minlength=n)
    high = np.bincount(seg_zone, weights=length * np.isin(c, exposed), minlength=n)
    return {"roads_km": total / 1e3,
            "roads_exposed_km": np.where(np.isclose(known, total), high / 1e3, np.nan)}


def event_success_rate(result: SusceptibilityResult, events, *, type_column: str = "event_type") -> pd.DataFrame:
    """How many inventory events fall in each class (a success-rate check of the index).

    Landslide events are checked against the landslide classes, flash floods and floods against
    the flash-flood classes. A good index puts most events in the high and very high classes,
    which cover a small share of the area: ``density_ratio`` = events % / area % (> 1: more
    events than the class's area would get by chance).

    Returns
    -------
    DataFrame: ``hazard``, ``class`` (key), ``class_vi``, ``events``, ``events_pct`` (of the
    events inside the grid's data), ``area_pct`` (of the grid's data area), ``density_ratio``,
    and a row ``class`` = ``no_data`` counting events outside the grid or on nodata.
    """
    ev = vector_layer(events, result.crs, "events")
    if ev is None or type_column not in ev.columns:
        raise SchemaError(f"events need a column {type_column!r} (landslide, flash_flood or flood)")
    types = ev[type_column].astype("string").str.strip().str.lower()
    unknown = sorted(set(types.dropna()) - set(EVENT_HAZARD))
    if unknown:
        warnings.warn(f"events: event_type values {', '.join(unknown)} are not landslide, flash_flood or flood "
                      f"and are not counted", GisplanWarning, stacklevel=2)
    x, y = _xy(ev.geometry.values)
    cfg = result.config
    rows = []
    for hz in result.hazards:
        sel = types.map(EVENT_HAZARD).eq(hz).fillna(False).to_numpy(bool)
        c = _sample(result.classes[hz], result.transform, x[sel], y[sel])
        counts = np.bincount(c, minlength=6)
        area = np.bincount(result.classes[hz].ravel(), minlength=6).astype(float)
        n_in, a_in = counts[1:].sum(), area[1:].sum()
        for k, key in enumerate(cfg.class_keys, start=1):
            ep = counts[k] / n_in * 100 if n_in else np.nan
            ap = area[k] / a_in * 100 if a_in else np.nan
            rows.append({"hazard": hz, "class": key, "class_vi": cfg.labels_vi[k - 1], "events": int(counts[k]),
                         "events_pct": ep, "area_pct": ap,
                         "density_ratio": ep / ap if ap and not np.isnan(ep) else np.nan})
        rows.append({"hazard": hz, "class": "no_data", "class_vi": "Không có số liệu", "events": int(counts[0]),
                     "events_pct": np.nan, "area_pct": np.nan, "density_ratio": np.nan})
    return pd.DataFrame(rows)


def events_by_year(events: pd.DataFrame) -> pd.DataFrame:
    """The inventory's events and their toll per year and event type (plan II.2.a: "bảo đảm an
    toàn tính mạng cho người dân khi bão, lũ xảy ra"), with a row ``event_type = "all"`` per year.

    Returns
    -------
    DataFrame sorted by year: ``year``, ``event_type``, ``events``, ``deaths`` (dead and missing;
    NaN when no event of the row records it), ``deaths_unknown`` (events that do not record it:
    ``deaths`` is then a lower bound), ``damage`` (million VND, NaN when none records it).
    Events without a date are left out (a ``GisplanWarning`` counts them).

    Raises
    ------
    SchemaError
        the events have no ``date`` or ``event_type`` column.
    """
    for col in ("date", "event_type"):
        if col not in events:
            raise SchemaError(f"hazard events need a column {col!r}")
    year = pd.to_datetime(events["date"], errors="coerce").dt.year
    if n := int(year.isna().sum()):
        warnings.warn(f"hazard events: {n} event(s) without a date are not counted by year", GisplanWarning,
                      stacklevel=2)
    deaths = (pd.to_numeric(events["deaths"], errors="coerce") if "deaths" in events
              else pd.Series(np.nan, index=events.index))
    damage = (pd.to_numeric(events["damage"], errors="coerce") if "damage" in events
              else pd.Series(np.nan, index=events.index))
    df = pd.DataFrame({"year": year, "event_type": events["event_type"].astype(object), "deaths": deaths,
                       "damage": damage}).dropna(subset=["year"])
    df["year"] = df["year"].astype(int)
    cols = ["year", "event_type", "events", "deaths", "deaths_unknown", "damage"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    both = pd.concat([df, df.assign(event_type="all")], ignore_index=True)
    g = both.groupby(["year", "event_type"], sort=True)
    out = pd.DataFrame({"events": g.size(), "deaths": g["deaths"].sum(min_count=1),
                        "deaths_unknown": g["deaths"].apply(lambda s: int(s.isna().sum())),
                        "damage": g["damage"].sum(min_count=1)}).reset_index()
    order = {t: i for i, t in enumerate(["all", *EVENT_HAZARD])}
    out = out.assign(_o=out["event_type"].map(order).fillna(len(order))).sort_values(["year", "_o", "event_type"])
    return out[cols].reset_index(drop=True)
