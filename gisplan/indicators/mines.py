"""Mines the plan asks about: those to close (II.2.b: "đóng cửa các mỏ khoáng sản đã hết thời hạn,
trữ lượng khai thác") and those in delineated areas of scattered, small deposits (III.4.c:
"khoáng sản phân tán, nhỏ lẻ"). Areas in ha, in the layer's projected CRS (EPSG:9213).

A mine is to close until it is closed (``licence_status = "closed"``), whether or not it is still
worked: its licence has expired (expiry date before the reference date, or recorded as expired),
was revoked, or its licensed reserves are exhausted (optional ``reserves_exhausted``). An
exploration licence opens no mine, so its expiry closes none.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd

from gisplan.errors import data_missing

#: licence statuses that leave nothing to close (closed) or no mine to close (exploration)
NOT_TO_CLOSE = ("closed", "exploration")


def _expiry(mines: pd.DataFrame) -> pd.Series:
    if "licence_expiry" in mines:
        return pd.to_datetime(mines["licence_expiry"], errors="coerce")
    return pd.Series(pd.NaT, index=mines.index, dtype="datetime64[ns]")


def _exhausted(mines: pd.DataFrame) -> pd.Series:
    if "reserves_exhausted" in mines:
        return mines["reserves_exhausted"].astype("boolean")
    return pd.Series(pd.NA, index=mines.index, dtype="boolean")


def mine_area_ha(mines: gpd.GeoDataFrame) -> pd.Series:
    """Each mine's area (ha): its licensed area (``area_ha``) when recorded, else the area of its
    polygon; NaN for a mine mapped as a point without a recorded area. The layer must be in a CRS
    projected in metres for polygons to be measured."""
    mapped = pd.Series(np.where(mines.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy(),
                                mines.area.to_numpy() / 1e4, np.nan), index=mines.index)
    if "area_ha" in mines:
        return pd.to_numeric(mines["area_ha"], errors="coerce").fillna(mapped)
    return mapped


def mines_to_close(mines: gpd.GeoDataFrame, *, reference_date: dt.date) -> pd.DataFrame:
    """The mines the plan says to close and not yet closed, operating or not.

    Returns
    -------
    DataFrame: ``mine_id``, ``name``, ``mineral``, ``licence_status``, ``licence_expiry``,
    ``operating``, ``riverbed``, ``area_ha`` (:func:`mine_area_ha`), ``licence_expired`` (expiry
    date passed or status expired), ``licence_revoked``, ``reserves_exhausted`` (NA when not
    recorded) and ``close_reason`` (``licence_expired``, ``licence_revoked``,
    ``reserves_exhausted``, or two of them joined by ``_``: ``licence_expired_reserves_exhausted``);
    sorted by mine id.
    """
    status = mines["licence_status"].astype(object)
    open_ = ~status.isin(NOT_TO_CLOSE).to_numpy()
    lapsed = (_expiry(mines) < pd.Timestamp(reference_date)).fillna(False).to_numpy(dtype=bool)
    expired = (lapsed | status.eq("expired").to_numpy()) & ~status.eq("revoked").to_numpy()
    revoked = status.eq("revoked").to_numpy()
    exhausted = _exhausted(mines)
    ex = exhausted.fillna(False).to_numpy(dtype=bool)
    sel = open_ & (expired | revoked | ex)
    licence = np.where(revoked, "licence_revoked", np.where(expired, "licence_expired", ""))
    reason = np.where(licence == "", "reserves_exhausted",
                      np.where(ex, np.char.add(licence.astype(str), "_reserves_exhausted"), licence))
    expiry = _expiry(mines)
    out = pd.DataFrame({
        "mine_id": mines["mine_id"].to_numpy(), "name": mines["name"].to_numpy(),
        "mineral": mines["mineral"].to_numpy(), "licence_status": status.to_numpy(),
        "licence_expiry": expiry.dt.date.where(expiry.notna(), None).to_numpy(),
        "operating": mines["operating"].astype("boolean").to_numpy(),
        "riverbed": (mines["riverbed"].astype("boolean") if "riverbed" in mines
                     else pd.Series(pd.NA, index=mines.index, dtype="boolean")).to_numpy(),
        "area_ha": mine_area_ha(mines).to_numpy(),
        "licence_expired": expired, "licence_revoked": revoked,
        "reserves_exhausted": exhausted.to_numpy(), "close_reason": reason})[sel]
    return out.sort_values("mine_id").reset_index(drop=True)


def close_unknowns(mines: gpd.GeoDataFrame, *, reference_date: dt.date) -> dict[str, int]:
    """What :func:`mines_to_close` cannot know, among the mines it does not list and that are not
    closed (so the count of mines to close is a lower bound when either is above 0):
    ``no_expiry`` (recorded valid, no expiry date: it may have lapsed) and ``no_reserves`` (whether
    the reserves are exhausted is not recorded)."""
    status = mines["licence_status"].astype(object)
    open_ = ~status.isin(NOT_TO_CLOSE).to_numpy()
    listed = set(mines_to_close(mines, reference_date=reference_date)["mine_id"])
    rest = open_ & ~mines["mine_id"].isin(listed).to_numpy()
    return {"no_expiry": int((rest & _expiry(mines).isna().to_numpy() & status.eq("valid").to_numpy()).sum()),
            "no_reserves": int((rest & _exhausted(mines).isna().to_numpy()).sum())}


def scattered_small_mines(mines: gpd.GeoDataFrame) -> pd.DataFrame:
    """Mines in delineated areas of scattered, small mineral deposits (``scattered_small``; plan
    III.4.c "kiểm tra các khu vực có khoáng sản phân tán, nhỏ lẻ để khoanh định, công bố").

    Returns
    -------
    DataFrame: ``mine_id``, ``name``, ``mineral``, ``licence_status``, ``operating``, ``area_ha``
    (:func:`mine_area_ha`; NaN for a point without a recorded area), sorted by mine id.

    Raises
    ------
    DataMissingError
        when the layer does not record ``scattered_small`` for any mine.
    """
    if "scattered_small" not in mines or mines["scattered_small"].isna().all():
        raise data_missing("the mines layer does not record which mines lie in delineated areas of scattered, "
                           "small deposits (attribute scattered_small)",
                           "lớp mỏ khoáng sản không ghi mỏ nào thuộc khu vực có khoáng sản phân tán, nhỏ lẻ "
                           "(thuộc tính scattered_small)")
    sel = mines["scattered_small"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    out = pd.DataFrame({"mine_id": mines["mine_id"].to_numpy(), "name": mines["name"].to_numpy(),
                        "mineral": mines["mineral"].to_numpy(),
                        "licence_status": mines["licence_status"].to_numpy(),
                        "operating": mines["operating"].astype("boolean").to_numpy(),
                        "area_ha": mine_area_ha(mines).to_numpy()})[sel]
    return out.sort_values("mine_id").reset_index(drop=True)
