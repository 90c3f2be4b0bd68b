"""Forest carbon stock (estimates) from forest-status parcels and carbon factors.

Each parcel meeting the forest criteria gets the biomass carbon per hectare of the first factor
of ``layers/carbon_factors.toml`` that matches its origin, forest type and standing-volume class
(Thông tư 33/2018/TT-BNNPTNT) — carbon (tC/ha) = above-ground biomass (t d.m./ha) × (1 +
root-to-shoot ratio) × carbon fraction. A parcel no factor matches has unknown carbon (NaN),
never 0. Every table gives the carbon of the forest that has a factor (``carbon_assessed_tc``,
on ``assessed_ha``) beside the forest without one (``no_factor_ha``); the total over all the
forest (``carbon_tc``) is known only where every parcel has a factor. The change between two
years is given on the land whose carbon is known in both years (forest with a factor, or land
without forest: 0), from the two years' lots overlaid (``carbon_change_assessed_tc`` on
``assessed_both_ha``).
Areas in ha, carbon in tonnes of carbon (tC) and tonnes of CO2 equivalent (tCO2e = tC × 44/12);
parcels and units in one projected CRS (EPSG:9213).
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gisplan.catalog import LAYERS_DIR, read_toml
from gisplan.errors import CatalogError, data_missing
from gisplan.indicators.lots import overlay_years, split_by_units
from gisplan.indicators.metres import require_metres
from gisplan.overlay import require_unique_ids

#: tonnes CO2 per tonne C (molar masses 44/12)
CO2_PER_C = 44.0 / 12.0

_KEYS = ("id", "origin", "agb_t_dm_ha", "root_shoot", "carbon_fraction", "source")


def load_carbon_factors(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The carbon factors (``layers/carbon_factors.toml`` by default), one row per factor in
    file order, with ``carbon_tc_ha`` = ``agb_t_dm_ha`` × (1 + ``root_shoot``) ×
    ``carbon_fraction`` (tC/ha). ``forest_type``/``volume_class`` are tuples or None (any);
    ``title_vi``/``title_en`` name the factor in the tables (default: its id).

    Raises CatalogError naming the file and factor when a key is missing or a number is not
    positive (a factor without a source is refused: no number without its source);
    DataMissingError when the file does not exist.
    """
    path = Path(path) if path else LAYERS_DIR / "carbon_factors.toml"
    if not path.exists():
        raise data_missing(f"no carbon factors file {path}: forest carbon cannot be estimated",
                           f"không có tệp hệ số các-bon {path}: chưa ước tính được trữ lượng các-bon rừng")
    doc = read_toml(path, "carbon factors file")
    rows = []
    for i, f in enumerate(doc.get("factor", [])):
        where = f"{path}: [[factor]] {f.get('id', i + 1)}"
        for key in _KEYS:
            if key not in f or f[key] in ("", None):
                raise CatalogError(f"{where} lacks {key!r}; every factor needs {', '.join(_KEYS)}")
        for key in ("agb_t_dm_ha", "carbon_fraction"):
            if not isinstance(f[key], int | float) or f[key] <= 0:
                raise CatalogError(f"{where}: {key} must be a positive number, not {f[key]!r}")
        if not isinstance(f["root_shoot"], int | float) or f["root_shoot"] < 0:
            raise CatalogError(f"{where}: root_shoot must be a number ≥ 0, not {f['root_shoot']!r}")
        rows.append({
            "factor_id": str(f["id"]), "origin": f["origin"],
            "forest_type": tuple(f["forest_type"]) if "forest_type" in f else None,
            "volume_class": tuple(f["volume_class"]) if "volume_class" in f else None,
            "plant_age_min": f.get("plant_age_min"), "plant_age_max": f.get("plant_age_max"),
            "agb_t_dm_ha": float(f["agb_t_dm_ha"]), "root_shoot": float(f["root_shoot"]),
            "carbon_fraction": float(f["carbon_fraction"]),
            "carbon_tc_ha": float(f["agb_t_dm_ha"]) * (1 + float(f["root_shoot"])) * float(f["carbon_fraction"]),
            "tier": f.get("tier", ""), "source": f["source"], "source_vi": f.get("source_vi", f["source"]),
            "title_vi": f.get("title_vi", str(f["id"])), "title_en": f.get("title_en", str(f["id"])),
        })
    return pd.DataFrame(rows, columns=["factor_id", "origin", "forest_type", "volume_class", "plant_age_min",
                                       "plant_age_max", "agb_t_dm_ha", "root_shoot", "carbon_fraction",
                                       "carbon_tc_ha", "tier", "source", "source_vi", "title_vi", "title_en"])


def assign_factors(parcels: pd.DataFrame, factors: pd.DataFrame) -> pd.DataFrame:
    """The factor of each parcel: ``factor_id`` (None when none matches) and ``carbon_tc_ha``
    (NaN when none matches), aligned with ``parcels``. Optional columns (``forest_type``,
    ``volume_class``, ``plant_year``) that are absent count as unknown: only factors without
    that condition match."""
    n = len(parcels)
    fid = np.full(n, None, dtype=object)
    cha = np.full(n, np.nan)
    free = np.ones(n, dtype=bool)

    def col(name):
        return parcels[name].astype(object).to_numpy() if name in parcels else np.full(n, None, dtype=object)

    origin, ftype, vol = col("origin"), col("forest_type"), col("volume_class")
    age = np.full(n, np.nan)
    if "plant_year" in parcels and "year" in parcels:
        age = (pd.to_numeric(parcels["year"], errors="coerce")
               - pd.to_numeric(parcels["plant_year"], errors="coerce")).to_numpy(dtype=float, na_value=np.nan)
    for f in factors.to_dict("records"):
        m = free & (origin == f["origin"])
        if f["forest_type"] is not None:
            m &= np.isin(ftype, list(f["forest_type"]))
        if f["volume_class"] is not None:
            m &= np.isin(vol, list(f["volume_class"]))
        for key, op in (("plant_age_min", np.greater_equal), ("plant_age_max", np.less_equal)):
            if f.get(key) is not None and not pd.isna(f[key]):
                m &= op(np.nan_to_num(age, nan=-np.inf if key == "plant_age_min" else np.inf), f[key])
        fid[m], cha[m] = f["factor_id"], f["carbon_tc_ha"]
        free &= ~m
    return pd.DataFrame({"factor_id": fid, "carbon_tc_ha": cha}, index=parcels.index)


def carbon_stock(parcels: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *, unit_id: str,
                 factors: pd.DataFrame | None = None, name_column: str | None = "name",
                 pieces: pd.DataFrame | None = None) -> pd.DataFrame:
    """Estimated biomass carbon stock of the forest (parcels meeting the criteria) per unit.

    Parameters
    ----------
    parcels : forest-status parcels (``origin``, ``meets_criteria``; optional ``forest_type``,
        ``volume_class``, ``plant_year``), projected CRS (EPSG:9213).
    units : communes, protected areas or the province, same CRS; split exactly.
    factors : :func:`load_carbon_factors` (default: the shipped file).
    pieces : the parcels already cut by these units (:func:`gisplan.indicators.lots.split_by_units`),
        shared with the other tables of a run; default: cut here.

    Returns
    -------
    DataFrame per unit: ``forest_ha``, ``assessed_ha`` (forest with a factor), ``no_factor_ha``,
    ``carbon_assessed_tc`` (carbon of the assessed forest; NaN when none is), ``carbon_tc`` and
    ``carbon_tco2e`` (all the unit's forest; NaN when some of it has no factor),
    ``carbon_tc_per_ha`` (assessed carbon ÷ assessed area). Estimates (see the factors' sources).
    """
    require_metres((parcels, "forest status (carbon_stock)"), (units, "units (carbon_stock)"))
    require_unique_ids(units, unit_id, "units (carbon_stock)")
    factors = load_carbon_factors() if factors is None else factors
    units = units.reset_index(drop=True)
    ids = pd.Series(units[unit_id].to_numpy())
    out = pd.DataFrame({unit_id: ids})
    if name_column and name_column in units:
        out["name"] = units[name_column].to_numpy()
    pieces = _pieces(parcels, units, unit_id, factors, pieces)
    ha = pieces.groupby(unit_id)["_ha"].sum()
    known = pieces[pieces["carbon_tc_ha"].notna()]
    out["forest_ha"] = ids.map(ha).fillna(0.0).to_numpy()
    out["assessed_ha"] = ids.map(known.groupby(unit_id)["_ha"].sum()).fillna(0.0).to_numpy()
    out["assessed_pct"] = out["assessed_ha"] / out["forest_ha"].where(out["forest_ha"] > 0) * 100
    tc = ids.map((known["_ha"] * known["carbon_tc_ha"]).groupby(known[unit_id]).sum()).to_numpy(dtype=float)
    # no forest with a factor: 0 tC on 0 ha when the unit has no forest at all, else unknown
    out["carbon_assessed_tc"] = np.where(out["assessed_ha"] > 0, tc, np.where(out["forest_ha"] > 0, np.nan, 0.0))
    out["carbon_assessed_tco2e"] = out["carbon_assessed_tc"] * CO2_PER_C
    out["carbon_tc_per_ha"] = out["carbon_assessed_tc"] / out["assessed_ha"].where(out["assessed_ha"] > 0)
    out["no_factor_ha"] = np.maximum(out["forest_ha"] - out["assessed_ha"], 0.0)
    complete = out["no_factor_ha"].to_numpy() <= 1e-9
    out["carbon_tc"] = np.where(complete, np.where(out["forest_ha"] > 0, out["carbon_assessed_tc"], 0.0), np.nan)
    out["carbon_tco2e"] = out["carbon_tc"] * CO2_PER_C
    return out


def carbon_by_class(parcels: gpd.GeoDataFrame, *, factors: pd.DataFrame | None = None) -> pd.DataFrame:
    """Forest area and estimated carbon by origin, forest type and volume class (the whole
    layer, e.g. the province's parcels): ``origin``, ``forest_type``, ``volume_class``,
    ``factor_id`` (empty: no factor), ``area_ha``, ``carbon_tc_ha``, ``carbon_tc``,
    ``carbon_tco2e`` (NaN for classes without a factor). Parcels in a CRS projected in metres
    (EPSG:9213), else CRSError."""
    require_metres((parcels, "forest status (carbon_by_class)"))
    factors = load_carbon_factors() if factors is None else factors
    f = parcels[parcels["meets_criteria"].eq(True)]
    a = assign_factors(f, factors)
    df = pd.DataFrame({k: (f[k].astype(object).fillna("unknown") if k in f else "unknown")
                       for k in ("origin", "forest_type", "volume_class")}, index=f.index)
    df["factor_id"] = a["factor_id"].fillna("")
    df["carbon_tc_ha"] = a["carbon_tc_ha"]
    df["area_ha"] = f.geometry.area.to_numpy() / 1e4
    g = df.groupby(["origin", "forest_type", "volume_class", "factor_id"], dropna=False)
    out = g.agg(area_ha=("area_ha", "sum"), carbon_tc_ha=("carbon_tc_ha", "first")).reset_index()
    out["carbon_tc"] = out["area_ha"] * out["carbon_tc_ha"]
    out["carbon_tco2e"] = out["carbon_tc"] * CO2_PER_C
    return out[["origin", "forest_type", "volume_class", "factor_id", "area_ha", "carbon_tc_ha",
                "carbon_tc", "carbon_tco2e"]]


def carbon_change(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *,
                  unit_id: str, factors: pd.DataFrame | None = None,
                  name_column: str | None = "name", pieces: dict | None = None) -> pd.DataFrame:
    """Change of the estimated carbon stock per unit between two forest-status years.

    Parameters
    ----------
    pieces : each year's lots already cut by the units and the two years overlaid and cut by them,
        ``{"before": …, "after": …, "overlay": …}`` (:func:`gisplan.indicators.lots.split_by_units`,
        :meth:`gisplan.indicators.lots.LotOverlay.by_units`), shared with the other tables of a
        run; default: computed here.

    Returns
    -------
    DataFrame per unit:

    * on the land whose carbon is known in both years — forest with a factor, or land without
      forest (0 tC), in both — where either year has forest: ``assessed_both_ha``,
      ``carbon_before_assessed_tc``, ``carbon_after_assessed_tc``, ``carbon_change_assessed_tc``,
      ``carbon_change_assessed_tco2e`` (a lot of unknown status, or land one year does not map,
      is left out);
    * ``no_factor_before_ha``, ``no_factor_after_ha``: forest without a factor in each year;
    * over all the forest: ``carbon_before_tc``, ``carbon_after_tc``, ``carbon_change_tc``,
      ``carbon_change_tco2e`` (NaN when either year holds forest without a factor in the unit).

    All layers in one CRS projected in metres (EPSG:9213), else CRSError naming the layer.
    """
    require_metres((before, "forest status (before) (carbon_change)"), (after, "forest status (after) (carbon_change)"),
                   (units, "units (carbon_change)"))
    factors = load_carbon_factors() if factors is None else factors
    pieces = pieces or {}
    b = carbon_stock(before, units, unit_id=unit_id, factors=factors, name_column=name_column,
                     pieces=pieces.get("before"))
    a = carbon_stock(after, units, unit_id=unit_id, factors=factors, name_column=name_column,
                     pieces=pieces.get("after"))
    overlay = pieces.get("overlay")
    if overlay is None:
        overlay = overlay_years(before, after).by_units(units.reset_index(drop=True), unit_id)
    out = b[[c for c in (unit_id, "name") if c in b]].copy()
    both = _assessed_both(before, after, overlay, unit_id, factors)
    ids = out[unit_id]
    out["assessed_both_ha"] = ids.map(both["ha"]).fillna(0.0).to_numpy()
    out["carbon_before_assessed_tc"] = ids.map(both["before_tc"]).fillna(0.0).to_numpy()
    out["carbon_after_assessed_tc"] = ids.map(both["after_tc"]).fillna(0.0).to_numpy()
    out["carbon_change_assessed_tc"] = out["carbon_after_assessed_tc"] - out["carbon_before_assessed_tc"]
    out["carbon_change_assessed_tco2e"] = out["carbon_change_assessed_tc"] * CO2_PER_C
    out["no_factor_before_ha"] = b["no_factor_ha"]
    out["no_factor_after_ha"] = a["no_factor_ha"]
    out["carbon_before_tc"] = b["carbon_tc"]
    out["carbon_after_tc"] = a["carbon_tc"]
    out["carbon_change_tc"] = a["carbon_tc"] - b["carbon_tc"]
    out["carbon_change_tco2e"] = out["carbon_change_tc"] * CO2_PER_C
    return out


def _density(lots: gpd.GeoDataFrame, factors: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per lot: carbon (tC/ha) as known — the factor's for forest, 0 for land without forest,
    NaN for forest without a factor or a lot of unknown status — and whether it is forest."""
    meets = lots["meets_criteria"].astype("boolean")
    forest = meets.fillna(False).to_numpy(dtype=bool)
    tc = assign_factors(lots, factors)["carbon_tc_ha"].to_numpy(dtype=float)
    return np.where(forest, tc, np.where(meets.isna().to_numpy(), np.nan, 0.0)), forest


def _assessed_both(before, after, overlay: pd.DataFrame, unit_id: str, factors) -> pd.DataFrame:
    """Per unit, over the overlay pieces known in both years where either has forest: area (ha)
    and carbon (tC) before and after."""
    c0, f0 = _density(before, factors)
    c1, f1 = _density(after, factors)
    i0, i1 = overlay["i0"].to_numpy(), overlay["i1"].to_numpy()
    ha = overlay["ha"].to_numpy(dtype=float)
    a, b = c0[i0], c1[i1]
    keep = ~np.isnan(a) & ~np.isnan(b) & (f0[i0] | f1[i1])
    frame = pd.DataFrame({unit_id: overlay[unit_id].to_numpy()[keep], "ha": ha[keep],
                          "before_tc": (ha * a)[keep], "after_tc": (ha * b)[keep]})
    return frame.groupby(unit_id)[["ha", "before_tc", "after_tc"]].sum()


def factors_note(factors: pd.DataFrame | None = None) -> tuple[str, str]:
    """What a reader of the carbon tables must know (English, Vietnamese): estimates, from
    which factors, and how the forest without a factor is shown."""
    factors = load_carbon_factors() if factors is None else factors
    ids = ", ".join(factors["factor_id"]) or "none"
    src_en = "; ".join(dict.fromkeys(factors["source"])) or "no factors"
    src_vi = "; ".join(dict.fromkeys(factors["source_vi"])) or "không có hệ số"
    return (f"estimates of biomass carbon (above- and below-ground) from the factors in "
            f"layers/carbon_factors.toml ({ids}): {src_en}. The carbon of the forest with a factor "
            f"(carbon_assessed_tc, on assessed_ha) is given beside the forest without one (no_factor_ha), whose "
            f"carbon is unknown: the total over all the forest (carbon_tc) is known only where every class has "
            f"a factor. Changes are given on the land whose carbon is known in both years (assessed_both_ha)",
            f"ước tính trữ lượng các-bon sinh khối (trên và dưới mặt đất) theo hệ số trong "
            f"layers/carbon_factors.toml ({ids}): {src_vi}. Các-bon của phần rừng có hệ số (trên diện tích "
            f"rừng có hệ số) ghi bên cạnh diện tích rừng chưa có hệ số, phần này chưa biết trữ lượng: tổng "
            f"của toàn bộ rừng chỉ tính được khi mọi loại rừng đều có hệ số. Biến động tính trên phần diện "
            f"tích biết trữ lượng ở cả hai năm")


def _pieces(parcels, units, unit_id, factors, pieces=None) -> pd.DataFrame:
    """The forest lots (meeting the criteria) cut by the units, with each piece's factor."""
    if pieces is None:
        pieces = split_by_units(parcels, units.reset_index(drop=True), unit_id=unit_id)
    forest = parcels["meets_criteria"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    tc_ha = assign_factors(parcels, factors)["carbon_tc_ha"].to_numpy(dtype=float)
    at = pieces["lot"].to_numpy()
    keep = forest[at]
    return pd.DataFrame({unit_id: pieces[unit_id].to_numpy()[keep], "_ha": pieces["ha"].to_numpy()[keep],
                         "carbon_tc_ha": tc_ha[at][keep]})
