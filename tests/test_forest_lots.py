"""The plan's forest numbers from FRMS lots as delivered: forest cover per 2025 commune and province,
change and status transitions between two years, the official tables — each checked against
the areas worked out by hand from the boxes of tests/_frms.py."""

from __future__ import annotations

import warnings

import geopandas as gpd
import pytest
import shapely
from _frms import CHANGE, COMMUNES, lots_vi_2020, write_vi_shapefile

from gisplan.catalog import load_catalog
from gisplan.indicators.forest_tables import SUMS
from gisplan.indicators.run import run_indicators


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    d = tmp_path_factory.mktemp("frms_catalog")
    COMMUNES.assign(unit_type="xa").to_file(d / "communes.gpkg")
    province = gpd.GeoDataFrame({"code": ["19"], "name": ["Tỉnh Thái Nguyên"]},
                                geometry=[shapely.union_all(COMMUNES.geometry.to_numpy())], crs=9213)
    province.to_file(d / "province.gpkg")
    lots_vi_2020().to_file(d / "lorung_2020.gpkg")
    write_vi_shapefile(d / "lorung_2024.shp")
    (d / "catalog.toml").write_text(
        '[layers.province]\ntype = "province"\npath = "province.gpkg"\n'
        '[layers.communes]\ntype = "communes"\npath = "communes.gpkg"\n'
        '[layers.lorung_2020]\ntype = "forest_status"\npath = "lorung_2020.gpkg"\nyear = 2020\n'
        '[layers.lorung_2024]\ntype = "forest_status"\npath = "lorung_2024.shp"\nyear = 2024\n', encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_indicators(load_catalog(d / "catalog.toml"))


def test_forest_cover_per_2025_commune_and_province(results):
    t = results["forest_cover_communes"].set_index("code")
    assert t.loc["08001", "forest_pct"] == pytest.approx(100.0)
    assert t.loc["08002", "forest_pct"] == pytest.approx(12.5)
    assert t.loc["08001", ["natural_ha", "plantation_ha"]].tolist() == pytest.approx([150.0, 50.0])
    assert t.loc["08002", ["not_meeting_criteria_ha", "not_forest_ha", "unknown_status_ha"]].tolist() == \
        pytest.approx([75.0, 50.0, 50.0])
    assert t.loc["08001", ["special_use_ha", "protection_ha", "production_ha"]].tolist() == pytest.approx([50, 100, 50])
    assert results.headline["forest_cover_province_pct"] == pytest.approx(225 / 400 * 100)
    assert results.meta["forest_status_year"] == 2024
    # the lot keyed to pre-2025 commune 05536 that lies across the 2025 boundary, and the unknown code
    assert results.meta["lots_split_by_communes"] == {"lots": 1, "ha": pytest.approx(75.0)}
    notes = " ".join(results.meta["notes"]["forest_cover_communes"])
    assert "1 lots (75.00 ha) straddle a 2025 commune boundary" in notes
    assert "50.00 ha of lots have no known status code" in notes


def test_forest_change_between_the_two_years(results):
    t = results["forest_change_communes"].set_index("code")
    for code, expected in CHANGE.items():
        for col, value in expected.items():
            assert t.loc[code, col] == pytest.approx(value), (code, col)


def test_status_transitions_per_commune_and_matrix(results):
    t = results["forest_transitions_communes"]
    got = {(r.code, r.before, r.after): r.area_ha for r in t.itertuples()}
    assert got == pytest.approx({
        ("08001", "TXG", "TXG"): 50, ("08001", "DTR", "RTG"): 50, ("08001", "TXN", "TXN"): 50,
        ("08001", "TXB", "TXN"): 50, ("08002", "DTR", "RTG"): 25, ("08002", "RTG", "DTR"): 75,
        ("08002", "TXN", "DT2"): 50, ("08002", "TXN", "XYZ"): 50})
    m = results["forest_transition_matrix"].set_index("before")
    assert m.loc["Tổng", "Tổng"] == pytest.approx(400.0)
    assert m.loc["TXN", "Tổng"] == pytest.approx(150.0) and m.loc["Tổng", "TXN"] == pytest.approx(100.0)
    assert m.loc["RTG", "DTR"] == pytest.approx(75.0)
    g = results["forest_gain_loss_communes"].set_index("code")
    assert g.loc["08001", ["gain_plantation_ha", "loss_natural_ha", "changed_ha"]].tolist() == pytest.approx([50, 0, 100])
    assert g.loc["08002", ["gain_plantation_ha", "loss_plantation_ha", "loss_natural_ha", "status_unknown_ha"]].tolist() \
        == pytest.approx([25, 75, 50, 50])


def _rows(table):
    return table.set_index("row")


def test_official_table_by_purpose(results):
    t = _rows(results["forest_status_by_purpose"])
    cols = ["total_ha", "special_use_ha", "protection_ha", "production_ha", "outside_planning_ha"]
    expected = {"T": [400, 50, 100, 200, 50], "A": [225, 50, 100, 75, 0], "A.I.1": [150, 50, 100, 0, 0],
                "A.I.1.a": [0, 0, 0, 0, 0], "A.I.1.b": [150, 50, 100, 0, 0], "A.I.2": [75, 0, 0, 75, 0],
                "A.II.1": [225, 50, 100, 75, 0], "A.III.1.a": [150, 50, 100, 0, 0], "A.IV.1": [75, 0, 0, 75, 0],
                "A.V.1": [50, 50, 0, 0, 0], "A.V.3": [100, 0, 100, 0, 0], "B.1": [75, 0, 0, 75, 0],
                "B.2": [50, 0, 0, 0, 50], "C": [50, 0, 0, 50, 0]}
    for row, values in expected.items():
        assert t.loc[row, cols].tolist() == pytest.approx(values), row
    assert t.loc["A", "label"] == "A. DIỆN TÍCH CÓ RỪNG"
    _check_sums(t, cols)


def test_official_table_by_owner(results):
    t = _rows(results["forest_status_by_owner"])
    a = t.loc["A"]
    assert (a["special_use_board_ha"], a["economic_org_ha"], a["commune_committee_ha"]) == pytest.approx((50, 75, 100))
    assert t.loc["T", "household_ha"] == pytest.approx(125) and t.loc["T", "community_ha"] == pytest.approx(50)
    _check_sums(t, [c for c in t.columns if c.endswith("_ha")])


def _check_sums(t, cols):
    """Every total column adds up its columns; every parent row adds up its rows (the rows a
    table leaves out are empty)."""
    parts = [c for c in cols if c != "total_ha"]
    assert (t[parts].sum(axis=1) - t["total_ha"]).abs().max() < 1e-6
    for parent, children in SUMS.items():
        present = [c for c in children if c in t.index]
        assert (t.loc[present, cols].sum() - t.loc[parent, cols]).abs().max() < 1e-6, parent


def test_official_cover_table(results):
    t = results["forest_cover_official"]
    assert list(t["row"]) == ["1", "2", "Tổng"]
    assert t["forest_pct"].tolist() == pytest.approx([100.0, 12.5, 56.25])
    assert t.loc[t["row"] == "Tổng", "forest_ha"].item() == pytest.approx(t["forest_ha"][:2].sum())


def test_forms_in_the_workbook_and_csv(results, tmp_path):
    import openpyxl
    import pandas as pd

    from gisplan.reports import write_reports

    paths = write_reports(results, tmp_path / "reports")
    wb = openpyxl.load_workbook(paths["excel"])
    ws = wb["Biểu 1 - theo mục đích"]
    assert ws["A1"].value == "Biểu 1"
    assert ws["A2"].value == "DIỆN TÍCH RỪNG VÀ DIỆN TÍCH CHƯA THÀNH RỪNG PHÂN THEO MỤC ĐÍCH SỬ DỤNG"
    assert ws["A3"].value == "Tỉnh Thái Nguyên — năm 2024"
    heads = [ws.cell(row=5, column=j).value for j in range(1, 8)]
    assert heads[:4] == ["TT", "Phân loại", "Tổng (ha)", "Mục đích sử dụng"]
    assert [ws.cell(row=6, column=j).value for j in range(4, 8)] == [
        "Đặc dụng (ha)", "Phòng hộ (ha)", "Sản xuất (ha)", "Ngoài quy hoạch ba loại rừng (ha)"]
    body = {ws.cell(row=r, column=1).value: [ws.cell(row=r, column=j).value for j in range(2, 8)]
            for r in range(7, ws.max_row + 1)}
    assert body["A"][0] == "A. DIỆN TÍCH CÓ RỪNG" and body["A"][1:] == pytest.approx([225, 50, 100, 75, 0])
    assert ws.cell(row=8, column=1).font.bold  # the total row
    sources = [ws.cell(row=r, column=1).value for r in range(7, ws.max_row + 1)]
    assert any(str(v).startswith("Bố cục biểu:") and "Thông tư 33/2018/TT-BNNPTNT" in str(v) for v in sources)
    assert any(str(v).startswith("Nguồn số liệu:") for v in sources)
    assert "Loại chủ rừng" in [c.value for c in wb["Biểu 2 - theo chủ rừng"][5]]
    # the CSV: Vietnamese headers, the same numbers
    csv = pd.read_csv(paths["csv"] / "forest_status_by_purpose.csv", encoding="utf-8-sig")
    assert list(csv.columns[:3]) == ["TT", "Phân loại", "Phân loại (tiếng Anh)"]
    a = csv[csv["TT"] == "A"].iloc[0]
    assert (a["Tổng (ha)"], a["Phòng hộ (ha)"]) == pytest.approx((225, 100))
    cover = pd.read_csv(paths["csv"] / "forest_cover_official.csv", encoding="utf-8-sig", dtype={"Mã": str})
    assert cover["Tỷ lệ che phủ rừng (%)"].tolist() == pytest.approx([100.0, 12.5, 56.25])


def test_overlay_of_two_years_equals_geopandas_overlay():
    """The lots of two years overlaid once (identical lots paired by their geometry, the rest
    intersected) give the same pieces as geopandas.overlay, a second method."""
    import numpy as np
    import pandas as pd

    from gisplan.indicators.lots import overlay_years

    rng = np.random.default_rng(5)
    frame = shapely.box(0, 0, 4000, 3000)

    def tiling(points):
        cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=frame))
        cells = shapely.intersection(cells, frame)
        return gpd.GeoDataFrame({"k": np.arange(len(cells))}, geometry=cells, crs=9213)

    pts = rng.uniform([0, 0], [4000, 3000], (120, 2))
    before = tiling(pts)
    moved = pts.copy()
    moved[:30] += rng.normal(0, 150, (30, 2))  # a quarter of the lots redrawn, the rest unchanged
    after = tiling(moved)
    ov = overlay_years(before, after)
    ours = pd.Series(ov.ha, index=pd.MultiIndex.from_arrays([ov.i0, ov.i1])).groupby(level=[0, 1]).sum()
    ref = gpd.overlay(before, after, how="intersection", keep_geom_type=True)
    theirs = pd.Series(ref.area.to_numpy() / 1e4,
                       index=pd.MultiIndex.from_arrays([ref["k_1"], ref["k_2"]])).groupby(level=[0, 1]).sum()
    theirs = theirs[theirs > 1e-6]
    assert set(ours.index) == set(theirs.index)
    assert np.allclose(ours.sort_index().to_numpy(), theirs.sort_index().to_numpy(), rtol=1e-9, atol=1e-9)
    assert ours.sum() == pytest.approx(1200.0)  # the whole frame, 4 km × 3 km
