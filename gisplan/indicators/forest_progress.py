"""Forest figures of each forest-status year side by side, for the progress the 2030 tracker shows:
forest cover over a set of units per year (the province against the Party Congress target, over
its official natural area when known; the protected areas' buffer zones, plan III.5), and forest
by owner category per year (III.4.đ: forest entrusted to communities, forest not yet allocated).

Each function takes the lots of one year already cut by the units
(:func:`gisplan.indicators.lots.split_by_units`, shared with the other forest tables of a run).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from gisplan.indicators.forest import forest_cover_from_status


def cover_of_year(lots: gpd.GeoDataFrame, units: gpd.GeoDataFrame, pieces: pd.DataFrame, *, unit_id: str,
                  year: int | None, natural_area_column: str | None = None) -> pd.DataFrame:
    """Forest cover of ``units`` from one year's lots (:func:`forest_cover_from_status`), with its
    ``year`` and the ``area_basis`` of the natural area (``official`` from ``natural_area_column``,
    else ``mapped``: the units' polygon area)."""
    t = forest_cover_from_status(lots, units, unit_id=unit_id, natural_area_column=natural_area_column,
                                 pieces=pieces)
    t.insert(1 + ("name" in t), "year", year)
    t.insert(2 + ("name" in t), "area_basis", "official" if natural_area_column else "mapped")
    return t


def official_natural_area(units: gpd.GeoDataFrame, communes: gpd.GeoDataFrame | None = None) -> pd.Series | None:
    """The official natural area (ha) of each unit: its ``area_km2_official`` when every unit has
    one; for a single unit (the province) without it, the sum of the communes' official areas when
    every commune has one; else None (the mapped area is then used, and said so)."""
    if "area_km2_official" in units and pd.to_numeric(units["area_km2_official"], errors="coerce").notna().all():
        return pd.to_numeric(units["area_km2_official"]).astype(float) * 100
    if (len(units) == 1 and communes is not None and len(communes) and "area_km2_official" in communes
            and pd.to_numeric(communes["area_km2_official"], errors="coerce").notna().all()):
        return pd.Series([float(pd.to_numeric(communes["area_km2_official"]).sum()) * 100], index=units.index)
    return None


def forest_by_owner(lots: gpd.GeoDataFrame, pieces: pd.DataFrame) -> pd.Series:
    """Forest meeting the criteria (ha) by owner category (``owner_category``) in the pieces' units;
    lots without a category under ``"unknown"``."""
    at = pieces["lot"].to_numpy()
    meets = lots["meets_criteria"].astype("boolean").fillna(False).to_numpy(dtype=bool)[at]
    owner = pd.Series(lots["owner_category"].to_numpy()[at], dtype=object).fillna("unknown")
    return pd.Series(pieces["ha"].to_numpy()[meets], index=owner[meets].to_numpy()).groupby(level=0).sum()


def owners_by_year(years: list[tuple[int | None, gpd.GeoDataFrame, pd.DataFrame]]) -> pd.DataFrame:
    """Forest by owner category for each ``(year, lots, pieces)``.

    Returns
    -------
    DataFrame: ``year``, ``owner_category``, ``forest_ha`` (0 where a year has none of a category
    another year has), one row per year and category, in the years' order.
    """
    by = {year: forest_by_owner(lots, pieces) for year, lots, pieces in years}
    cats = sorted(set().union(*(s.index for s in by.values()))) if by else []
    rows = [{"year": year, "owner_category": c, "forest_ha": float(s.get(c, 0.0))}
            for year, s in by.items() for c in cats]
    return pd.DataFrame(rows, columns=["year", "owner_category", "forest_ha"]).astype({"forest_ha": np.float64})
