"""Waste sites: closed landfills and sites to remediate (plan Danh mục I.3 and II.5)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd


def waste_sites_needing_action(waste_sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """Closed landfills and sites needing remediation (plan Danh mục I.3 and II.5)."""
    sel = waste_sites[(waste_sites["status"] == "closed") | waste_sites["needs_remediation"].eq(True)]
    return sel.drop(columns=sel.geometry.name).reset_index(drop=True)
