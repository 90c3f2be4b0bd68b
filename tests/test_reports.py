"""End to end on the small demo: every indicator table, the workbook read back, the CLI."""

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from gisplan.catalog import load_catalog
from gisplan.cli.main import cli
from gisplan.errors import OutputExistsError
from gisplan.indicators.canopy import forest_cover
from gisplan.indicators.run import run_indicators
from gisplan.io import read_catalog_layer
from gisplan.reports import WORKBOOK, summary, write_reports

EXPECTED = {"forest_cover_communes", "forest_cover_province", "forest_cover_protected_areas",
            "forest_change_communes", "forest_change_protected_areas", "canopy_forest_cover_2020",
            "canopy_forest_cover_2024", "land_cover_forest_2020", "land_cover_forest_2024", "canopy_change_2020_2024",
            "canopy_change_protected_areas_2020_2024", "canopy_change_purpose_2020_2024", "protected_areas",
            "conflicts", "expired_mines", "riverbed_mines", "wastewater", "zones_without_plant",
            "zones_nearest_river", "river_quality", "river_quality_communes", "pressures_upstream",
            "waste_sites", "air_monitoring", "targets"}
EXPECTED |= {"carbon_communes", "carbon_province", "carbon_protected_areas", "carbon_by_class",
             "carbon_change_communes", "carbon_change_province", "forest_conversion_communes",
             "forest_conversion_protected_areas", "forest_conversion_buffer_zones", "mines_to_close"}
EXPECTED |= {"forest_status_by_purpose", "forest_status_by_owner", "forest_cover_official",
             "forest_transitions_communes", "forest_gain_loss_communes", "forest_transition_matrix"}
EXPECTED |= {"terrain_communes", "hazard_landslide_communes", "hazard_flash_flood_communes",
             "hazard_events_landslide", "hazard_events_flash_flood"}
# the plan's readings and its progress year by year (the 2030 tracker reads them)
EXPECTED |= {"mines_scattered_small", "auto_monitoring", "river_use", "forest_cover_target",
             "forest_cover_buffer_zones", "forest_owners_years", "forest_carbon_years", "urban_green_water",
             "unused_land_communes", "hazard_events_by_year"}


@pytest.fixture(scope="module")
def results(demo_small):
    return run_indicators(load_catalog(demo_small))


def test_every_indicator_on_the_demo(results, demo_small):
    assert set(results.tables) == EXPECTED
    assert results.skipped == {}
    fc = results["forest_cover_communes"]
    assert len(fc) == 92 and fc["forest_pct"].between(0, 100).all()
    # the province figure equals the communes' totals (the communes tile the province)
    prov = results["forest_cover_province"].iloc[0]
    assert prov["forest_ha"] == pytest.approx(fc["forest_ha"].sum(), rel=1e-6)
    assert prov["area_ha"] == pytest.approx(fc["area_ha"].sum(), rel=1e-6)
    assert results.headline["forest_cover_province_pct"] == pytest.approx(prov["forest_pct"])
    assert len(results["expired_mines"]) >= 3 and len(results["conflicts"]) >= 3
    assert results.meta["synthetic"]


def test_official_natural_area(demo_small):
    cat = load_catalog(demo_small)
    res = run_indicators(cat, official_area=True)
    communes = read_catalog_layer(cat, "communes")
    fc = res["forest_cover_communes"]
    assert fc["area_ha"].to_numpy() == pytest.approx(communes["area_km2_official"].to_numpy() * 100)
    assert fc["forest_pct"].to_numpy() == pytest.approx(fc["forest_ha"].to_numpy() / fc["area_ha"].to_numpy() * 100)
    assert res["forest_cover_province"]["area_ha"].iloc[0] == pytest.approx(837_521.0)
    assert res.meta["natural_area"] == "official"


def test_skips_with_reasons(tmp_path, demo_small):
    text = demo_small.read_text(encoding="utf-8")
    cut = text.split("[layers.mines]")[0]  # drop mines and everything after
    path = tmp_path / "c.toml"
    path.write_text(cut, encoding="utf-8")
    res = run_indicators(load_catalog(path))
    assert "expired_mines" in res.skipped and "'mines'" in res.skipped["expired_mines"]
    assert "forest_cover_communes" in res.tables


def test_workbook_and_summary(results, tmp_path):
    paths = write_reports(results, tmp_path)
    wb = openpyxl.load_workbook(paths["excel"])
    assert wb.sheetnames[0] == "Thông tin"
    ws = wb["Che phủ rừng - xã"]
    headers = [c.value for c in ws[2]]
    assert "Tỷ lệ che phủ rừng (%)" in headers and "Diện tích tự nhiên (ha)" in headers
    first = [c.value for c in ws[3]]
    fc = results["forest_cover_communes"]
    assert first[0] == fc["code"].iloc[0]
    assert first[headers.index("Tỷ lệ che phủ rừng (%)")] == pytest.approx(fc["forest_pct"].iloc[0])
    assert ws.freeze_panes == "A3"
    conflicts = wb["Xung đột KBT"]
    cats = {c.value for c in conflicts["F"][2:]}
    assert cats <= {"Vườn quốc gia", "Khu dự trữ thiên nhiên", "Khu bảo tồn loài - sinh cảnh",
                    "Khu bảo vệ cảnh quan", "Rừng đặc dụng khác"}
    cover = " ".join(str(c.value) for c in wb["Thông tin"]["A"] if c.value)
    assert "Dữ liệu mô phỏng — synthetic demo data" in cover
    csv = pd.read_csv(paths["csv"] / "forest_cover_communes.csv", encoding="utf-8-sig", dtype={"code": str})
    assert list(csv["code"]) == list(fc["code"])
    md = paths["markdown"].read_text(encoding="utf-8")
    assert "Tỷ lệ che phủ rừng toàn tỉnh" in md and "Mục tiêu đến năm 2030" in md
    with pytest.raises(OutputExistsError):
        write_reports(results, tmp_path)


def test_workbook_tracker_shows_the_earlier_year_and_the_trend(results, tmp_path):
    wb = openpyxl.load_workbook(write_reports(results, tmp_path)["excel"])
    ws = wb["Mục tiêu 2030"]
    headers = [c.value for c in ws[2]]
    for title in ("Giá trị năm so sánh", "Năm so sánh", "Thay đổi", "Xu hướng so với mục tiêu",
                  "Dự báo đến thời hạn (theo tốc độ hiện tại)", "Dữ liệu còn thiếu"):
        assert title in headers, title
    col = {h: j for j, h in enumerate(headers)}
    t = results["targets"].set_index("target_id")
    # the rows in the table's order (a Vietnamese sheet leaves the target's id out)
    rows = dict(zip(t.index, ws.iter_rows(min_row=3), strict=True))
    f, r = t.loc["forest_cover"], rows["forest_cover"]
    # two forest-status years: the earlier value and year, the change, the trend in words
    assert r[col["Giá trị năm so sánh"]].value == pytest.approx(f["earlier"], abs=1e-4)  # written to 4 decimals
    assert r[col["Năm so sánh"]].value == 2020
    assert r[col["Thay đổi"]].value == pytest.approx(f["current"] - f["earlier"], abs=2e-4)
    word = {"improving": "Tiến tới mục tiêu", "worsening": "Xa mục tiêu hơn"}[f["trend"]]
    trend = r[col["Xu hướng so với mục tiêu"]]
    assert trend.value == word and trend.font.color.rgb.endswith("1A7F37" if f["trend"] == "improving" else "C00000")
    # the status coloured; a share shown to one decimal, a count whole
    status = rows["expired_mines_closed"][col["Tình trạng"]]
    assert status.value == "Chưa đạt" and status.fill.fgColor.rgb.endswith("FFC7CE")
    assert r[col["Hiện trạng"]].number_format == "0.0"
    assert rows["expired_mines_closed"][col["Hiện trạng"]].number_format == "#,##0"


def test_cli_indicators_and_forest_cover(demo_small, tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["indicators", "--catalog", str(demo_small), "--out", str(tmp_path / "r"), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r" / WORKBOOK).exists()
    again = runner.invoke(cli, ["indicators", "--catalog", str(demo_small), "--out", str(tmp_path / "r"), "--no-progress"])
    assert again.exit_code == 2 and "--overwrite" in again.output
    cat = load_catalog(demo_small)
    raster = cat.entry("tree_cover_2024").path
    zones = cat.entry("communes").path
    out = tmp_path / "fc.csv"
    res = runner.invoke(cli, ["forest-cover", "--raster", str(raster), "--zones", str(zones), "--id-column", "code",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out, dtype={"code": str})
    assert list(table.columns[:5]) == ["code", "area_ha", "observed_ha", "forest_ha", "forest_pct"]
    direct = forest_cover(raster, read_catalog_layer(cat, "communes"), id_column="code")
    assert table["forest_ha"].to_numpy() == pytest.approx(direct["forest_ha"].to_numpy())


def test_layer_errors_are_reported_with_the_indicators_and_strict_refuses_them(demo_small, tmp_path):
    """A catalog whose mines layer has a duplicated id: the tables are computed from the layer as
    read, its error is listed in the results and the summary; strict mode skips what uses it."""
    import geopandas as gpd


    cat_text = demo_small.read_text(encoding="utf-8")
    data = demo_small.parent / "data"
    mines = gpd.read_file(data / "mines.gpkg")
    mines.loc[1, "mine_id"] = mines.loc[0, "mine_id"]
    mines.to_file(tmp_path / "mines_dup.gpkg", driver="GPKG")
    bad = tmp_path / "catalog.toml"
    bad.write_text(cat_text.replace('path = "mines.gpkg"', f'path = "{(tmp_path / "mines_dup.gpkg").as_posix()}"'),
                   encoding="utf-8")
    assert (tmp_path / "mines_dup.gpkg").as_posix() in bad.read_text(encoding="utf-8")
    results = run_indicators(load_catalog(bad))
    quality = {q["layer"]: q for q in results.meta["layer_quality"]}
    assert quality["mines"]["errors"] >= 1 and any(mines.loc[0, "mine_id"] in e for e in quality["mines"]["examples"])
    assert "expired_mines" in results.tables
    md, _ = summary(results)
    assert "Chất lượng dữ liệu đầu vào" in md and "mines: " in md
    # strict: a layer with errors is refused and the run stops naming it (only absent data skips)
    from gisplan.errors import ValidationError

    with pytest.raises(ValidationError, match="mines"):
        run_indicators(load_catalog(bad), strict=True)


def _hand_results():
    from gisplan.indicators.run import IndicatorResults

    res = IndicatorResults(meta={"title": "Thử", "reference_date": "2025-12-31", "study_area": "province",
                                 "layer_quality": [{"layer": "rivers", "errors": 0, "warnings": 0, "examples": [],
                                                    "clip": {"kept": 1200, "cut": 3, "dropped_outside": 11_308,
                                                             "dropped_slivers": 2}}]})
    res.headline = {"forest_cover_province_pct": 1234.5, "wastewater_compliant_pct": float("nan"),
                    "mines_to_close": 0.0}
    res.skipped["conflicts"] = "no mines or industrial zones in the catalog"
    res.skipped_vi["conflicts"] = "danh mục không có lớp mỏ khoáng sản"
    res.note("river_quality", "no water-quality data", "không có số liệu chất lượng nước")
    return res


def test_summary_numbers_unknowns_and_reasons_in_the_output_language():
    res = _hand_results()
    md, page = summary(res)
    assert "| Tỷ lệ che phủ rừng toàn tỉnh (%) | 1.234,50 |" in md
    assert "| KCN, CCN đang hoạt động có HTXLNT tập trung đạt quy chuẩn (%) | không có số liệu |" in md
    assert "| Mỏ hết hạn, bị thu hồi giấy phép hoặc hết trữ lượng chưa đóng cửa (mỏ) | 0 |" in md  # a known 0 stays 0
    assert "`conflicts`: danh mục không có lớp mỏ khoáng sản" in md
    assert "không có số liệu chất lượng nước" in md
    assert "bỏ 11.308 đối tượng bên ngoài" in md and "Vùng nghiên cứu: ranh giới tỉnh" in md
    assert "lang='vi'" in page
    en, page_en = summary(res, lang="en")
    assert "| Forest cover of the province (%) | 1,234.50 |" in en and "| no data |" in en
    assert "`conflicts`: no mines or industrial zones in the catalog" in en
    assert "11,308 outside" in en and "lang='en'" in page_en


def test_cover_sheet_lists_vietnamese_skip_reasons_and_notes(tmp_path):
    from openpyxl import load_workbook

    from gisplan.reports import _write_workbook

    res = _hand_results()
    path = _write_workbook(res, {}, tmp_path / "b.xlsx")
    cover = [c.value for c in load_workbook(path)["Thông tin"]["A"] if c.value]
    assert "conflicts: danh mục không có lớp mỏ khoáng sản" in cover
    assert any("không có số liệu chất lượng nước" in v for v in cover)
    assert any("bỏ 11.308 đối tượng bên ngoài" in v for v in cover)


def test_layer_summary_measures_in_the_crs_unit():
    """Areas and lengths of the catalog summary are converted from the CRS's unit: a square of
    10,000 US survey feet (EPSG:2263) is 3,048.006 m a side, 929.03 ha; its side 3.048 km."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point, box

    from gisplan.summary import _measure

    square = gpd.GeoDataFrame(geometry=[box(1_000_000, 200_000, 1_010_000, 210_000)], crs="EPSG:2263")
    side = gpd.GeoDataFrame(geometry=[LineString([(1_000_000, 200_000), (1_010_000, 200_000)])], crs="EPSG:2263")
    assert _measure(square) == "929 ha"  # (10,000 × 1200/3937 m)² = 9,290,341 m²
    assert _measure(side) == "3.0 km"
    metres = gpd.GeoDataFrame(geometry=[box(500_000, 2_400_000, 501_000, 2_401_000)], crs="EPSG:9213")
    assert _measure(metres) == "100 ha"
    # degrees are no length: a geographic layer says so instead of a number
    degrees = gpd.GeoDataFrame(geometry=[box(105.5, 21.5, 106.0, 22.0)], crs="EPSG:4326")
    assert _measure(degrees) == "—"
    assert _measure(gpd.GeoDataFrame(geometry=[Point(0, 0), Point(1, 1)], crs="EPSG:4326")) == "2 points"


def test_summary_target_status_in_the_output_language():
    res = _hand_results()
    res.tables["targets"] = pd.DataFrame({
        "target_id": ["t1"], "wording_vi": ["Tỷ lệ che phủ rừng đạt 47 %"], "current": [45.0],
        "comparison": [">="], "target": [47.0], "unit": ["%"], "status": ["not met"]})
    vi, _ = summary(res)
    en, _ = summary(res, lang="en")
    assert "| Tỷ lệ che phủ rừng đạt 47 % | 45 % | >= 47 % | Chưa đạt |" in vi
    assert "| Tỷ lệ che phủ rừng đạt 47 % | 45 % | >= 47 % | Not met |" in en


def test_people_are_whole_numbers_in_every_output(tmp_path):
    """Population and the exposed population (population × area share, an estimate) are written
    in whole people: the CSV, the workbook and the GeoPackage's rounding alike; unknown stays unknown."""
    from gisplan.indicators.run import IndicatorResults
    from gisplan.reports import round_table

    table = pd.DataFrame({"code": ["01", "02", "03"], "name": ["Xã A", "Xã B", "Xã C"],
                          "exposed_pct": [14.1578, 6.6011, float("nan")],
                          "population": [18237.0, 7520.0, float("nan")],
                          # 18,237 × 14.1578 % = 2,581.96 people; 7,520 × 6.6011 % = 496.40
                          "population_exposed": [18237 * 0.141578, 7520 * 0.066011, float("nan")]})
    res = IndicatorResults(tables={"hazard_landslide_communes": table}, meta={"title": "t"})
    paths = write_reports(res, tmp_path)
    csv = (paths["csv"] / "hazard_landslide_communes.csv").read_text(encoding="utf-8-sig").splitlines()
    assert csv[1].endswith(",18237,2582") and csv[2].endswith(",7520,496") and csv[3].endswith(",,")
    ws = openpyxl.load_workbook(paths["excel"])["Nhạy cảm sạt lở - xã"]
    heads = [c.value for c in ws[2]]
    pop, exposed = heads.index("Dân số (người)") + 1, heads.index("Dân số trong vùng mức cao, rất cao (người, ước tính)") + 1
    assert (ws.cell(3, pop).value, ws.cell(3, exposed).value) == (18237, 2582)
    assert ws.cell(3, pop).number_format == "#,##0" and ws.cell(4, exposed).value == 496
    assert ws.cell(5, exposed).value == "không có số liệu"  # unknown in words, not a blank
    assert round_table(table)["population_exposed"].tolist()[:2] == [2582, 496]


def _codes() -> set[str]:
    """Every coded value a Vietnamese sheet could show as an id (lower-case codes of the layer
    types, of the indicators, of the targets)."""
    import re

    from gisplan.catalog import load_layer_types
    from gisplan.indicators.targets import load_targets
    from gisplan.tables import VALUE_LABELS

    codes = {v for t in load_layer_types().values() for a in t.attributes.values() for v in (a.allowed or ())}
    codes |= {k for labels in VALUE_LABELS.values() for k in labels}
    codes |= set(load_targets()["target_id"]) | set(load_targets()["indicator"]) | {"unknown", "no_data"}
    return {str(c) for c in codes if re.search("[a-z]", str(c))}


def test_vietnamese_sheets_label_every_coded_value(results, tmp_path):
    paths = write_reports(results, tmp_path)
    wb = openpyxl.load_workbook(paths["excel"])
    codes = _codes()
    assert {"renewable_energy", "renewable_energy_share_pct", "very_low", "natural", "national_park"} <= codes
    seen = {(ws.title, c.value) for ws in wb.worksheets[1:] for row in ws.iter_rows(min_row=3) for c in row
            if isinstance(c.value, str) and c.value in codes}
    assert not seen, sorted(seen)[:10]
    targets = wb["Mục tiêu 2030"]
    heads = [c.value for c in targets[2]]
    assert "Mã mục tiêu" not in heads  # the target's id: its quoted wording is the reading
    indicators = {targets.cell(r, heads.index("Chỉ tiêu") + 1).value for r in range(3, targets.max_row + 1)}
    assert "Tỷ lệ năng lượng tái tạo trong cơ cấu sử dụng năng lượng (%)" in indicators
    events = wb["Kiểm chứng sạt lở"]
    assert [c.value for c in events["A"][2:8]] == ["Rất thấp", "Thấp", "Trung bình", "Cao", "Rất cao",
                                                   "Không có số liệu"]


def test_carbon_sheets_show_the_assessed_part_and_its_change(results, tmp_path):
    """Most of the demo's forest has no carbon factor (bamboo, limestone, plantations): the sheets
    give the carbon of the rest beside it, say in words why the total is unknown, and the change
    sheets hold carbon."""
    paths = write_reports(results, tmp_path)
    wb = openpyxl.load_workbook(paths["excel"])
    ws = wb["Các-bon rừng - tỉnh"]
    heads = [c.value for c in ws[2]]
    row = {h: ws.cell(3, j).value for j, h in enumerate(heads, 1)}
    prov = results["carbon_province"].iloc[0]
    assert row["Các-bon phần rừng có hệ số (tC)"] == pytest.approx(prov["carbon_assessed_tc"], abs=1e-3)
    assert row["Diện tích rừng chưa có hệ số (ha)"] == pytest.approx(prov["no_factor_ha"], abs=1e-3)
    assert row["Trữ lượng các-bon toàn bộ rừng (tC)"] == "chưa tính được: có rừng chưa có hệ số"
    assert heads.index("Các-bon phần rừng có hệ số (tC)") < heads.index("Diện tích rừng chưa có hệ số (ha)")
    change = results["carbon_change_province"].iloc[0]
    ws = wb["Biến động các-bon - tỉnh"]
    heads = [c.value for c in ws[2]]
    got = ws.cell(3, heads.index("Biến động các-bon, phần biết cả hai kỳ (tC)") + 1).value
    assert isinstance(got, float) and got == pytest.approx(change["carbon_change_assessed_tc"], abs=1e-3)
    # the land known in both years is part of the forest assessed in each year
    stock_2024 = results["carbon_province"].iloc[0]
    assert 0 < change["carbon_after_assessed_tc"] <= stock_2024["carbon_assessed_tc"] + 1e-6
    assert change["carbon_change_assessed_tc"] == pytest.approx(
        change["carbon_after_assessed_tc"] - change["carbon_before_assessed_tc"])
    cover = " ".join(str(c.value) for c in wb["Thông tin"]["A"] if c.value)
    assert "Các-bon của phần rừng có hệ số" in cover and "dân số của xã × tỷ lệ diện tích" in cover
