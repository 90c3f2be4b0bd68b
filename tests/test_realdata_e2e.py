"""The real public layers beside the repository (``layers/real.toml`` over ../shared/data/real),
pointed at as a provincial office would: nationwide and regional files, unclipped, with their own
column names and most optional columns missing. Every command must run without a traceback, and
the numbers must match what is known independently of gisplan (SOURCE.md figures, official areas,
and geometry computed here with shapely on the raw files). Skipped when ../shared is absent."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import rasterio.mask
import shapely
from click.testing import CliRunner

from gisplan.catalog import LAYER_TYPE_IDS, load_catalog
from gisplan.cli.main import cli
from gisplan.indicators.targets import load_targets

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def real_catalog(real_data, tmp_path_factory) -> Path:
    """``layers/real.toml`` with its base pointed at the real data wherever it is."""
    text = (REPO / "layers" / "real.toml").read_text(encoding="utf-8")
    assert 'base = "../../shared/data/real"' in text
    text = text.replace('base = "../../shared/data/real"', f'base = "{real_data.as_posix()}"')
    path = tmp_path_factory.mktemp("real_catalog") / "catalog.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def province_raw(real_data) -> shapely.Geometry:
    """The 2025 province polygon read with geopandas alone, in EPSG:9213."""
    prov = gpd.read_file(real_data / "bando2025_thanglequoc" / "thai_nguyen_2025_province.geojson")
    return shapely.union_all(prov.to_crs(9213).geometry.values)


def _run(args: list[str]):
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture(scope="module")
def reports(real_catalog, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("real_reports") / "reports"
    result = _run(["indicators", "--catalog", str(real_catalog), "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    return out


def _csv(reports: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(reports / "csv" / f"{name}.csv")


def test_92_units_cover_the_official_area(real_catalog):
    from gisplan.store import LayerStore

    store = LayerStore(load_catalog(real_catalog))
    communes = store.get("communes")
    assert len(communes) == 92 and communes["code"].is_unique
    # official natural area of the province: 8,375.21 km² (Resolution 202/2025/QH15)
    assert communes.area.sum() / 1e6 == pytest.approx(8375.21, rel=0.005)


def test_rivers_no_longer_than_their_clipped_length(reports, real_data, province_raw):
    raw = gpd.read_file(real_data / "hydroviet_gms" / "gms_rivers_north_vn.gpkg").to_crs(9213)
    assert raw.length.sum() / 1e3 > 10_000  # the file holds all northern Vietnam and south China
    inside_km = float(np.sum(shapely.length(shapely.intersection(raw.geometry.values, province_raw)))) / 1e3
    # SOURCE.md: Cầu 206.9 + Gâm 53.0 + Kỳ Cùng 42.6 + Hồng 7.1 km inside the 2025 polygon
    assert inside_km == pytest.approx(206.9 + 53.0 + 42.6 + 7.1, rel=0.01)
    table = _csv(reports, "river_quality")
    total = table[table.columns[table.columns.str.contains("length_km|total_km")][0]].sum()
    assert total <= inside_km * 1.001
    assert total == pytest.approx(inside_km, rel=0.01)


def test_water_quality_unknown_is_not_zero(reports):
    # the GMS rivers carry no QCVN class and no VN_WQI: polluted length is not known
    table = _csv(reports, "river_quality")
    polluted = [c for c in table.columns if c.startswith("polluted")]
    assert polluted, table.columns
    for col in polluted:
        assert table[col].isna().all(), table[[col]]
    text = (reports / "tom_tat.md").read_text(encoding="utf-8")
    assert "không có số liệu" in text.lower() or "chưa có số liệu" in text.lower()


def test_nationwide_protected_areas_cut_to_the_province(reports):
    table = _csv(reports, "protected_areas")
    names = set(table["name"])
    # OSM 2018 holds 24 Vietnamese national parks; only Ba Bể and Tam Đảo touch the province
    assert names == {"Vườn quốc gia Ba Bể", "Vườn quốc gia Tam Đảo"}, names
    inside = table.set_index("name")["in_province_ha"]
    # Ba Bể once, from the Ramsar outline (listed first in layers/real.toml; OSM's left out):
    # SOURCE.md (legocity_odv) 99.4 km², 99.7 % inside the 2025 polygon; Tam Đảo only in OSM:
    # SOURCE.md (osm_geofabrik2018_vvnb) 132.61 km² inside
    assert len(table) == 2
    assert inside["Vườn quốc gia Ba Bể"] == pytest.approx(9_940 * 0.997, rel=0.005)
    assert inside["Vườn quốc gia Tam Đảo"] == pytest.approx(13_260.6, rel=0.005)


def test_ba_be_from_the_ramsar_outline(real_catalog):
    from gisplan.store import LayerStore

    store = LayerStore(load_catalog(real_catalog))
    ramsar = store.get("protected_areas", 0)  # the oldest entry: the nationwide Ramsar/heritage file
    assert list(ramsar["name"]) == ["Vườn quốc gia Ba Bể"]  # Cát Bà, Cà Mau … dropped
    # official core area 10,048 ha (FACTS.md); the Ramsar outline is 99.4 km², 99.7 % inside
    assert ramsar.area.sum() / 1e4 == pytest.approx(10_048, rel=0.02)


def test_indicators_without_data_are_skipped_not_zero(reports):
    written = {p.stem for p in (reports / "csv").glob("*.csv")}
    # no mines and no industrial zones in the public data: no conflicts table that reads "none"
    for name in ("conflicts", "expired_mines", "wastewater", "waste_sites", "air_monitoring",
                 "forest_cover_communes", "forest_cover_province"):
        assert name not in written, name
    targets = _csv(reports, "targets")
    # a target whose value cannot be computed is not shown as 0 % achieved
    values = targets[[c for c in targets.columns if c in ("current", "value")]].squeeze()
    assert not (pd.to_numeric(values, errors="coerce") == 0).any(), targets


def test_tracker_rows_without_data_name_the_layer_they_need(reports):
    t = _csv(reports, "targets").set_index("target_id")
    assert list(t.index) == list(load_targets()["target_id"])  # every row of the plan is there
    computed = t[t["source"] == "computed"]
    unknown = computed[computed["current"].isna()]
    # the public data hold no mines, zones, waste sites, towns, forest status, land cover or events
    assert {"expired_mines_closed", "polluting_landfills", "forest_cover", "urban_green_water", "disaster_deaths",
            "auto_effluent_monitoring", "polluted_rivers"} <= set(unknown.index)
    for tid, r in unknown.iterrows():
        named = [ty for ty in LAYER_TYPE_IDS if ty in str(r["needs"])]
        assert named, (tid, r["needs"])  # the layer that would measure it
        assert r["status"] in ("no data", "no target"), tid
        assert isinstance(r["notes_vi"], str) and isinstance(r["notes_en"], str), tid  # what it counts
    # the rivers are mapped but carry no water-quality class: that attribute is what is missing
    assert t.loc["polluted_rivers", "needs"] == "river_sections.qcvn_class"
    # the DEM covers the south-west only: the communes exposed to landslides are at least those it
    # sees, a lower bound that says the DEM is what is missing
    r = t.loc["landslide_warning_communes"]
    assert r["current"] > 0 and bool(r["lower_bound"]) and "dem" in r["needs"]
    # a row the layers cannot measure says which layer would: the table rows keep their reason
    assert "water_bodies" in t.loc["polluted_ponds_canals", "needs"]


def test_publish_and_print_on_real_data(real_catalog, tmp_path):
    site = tmp_path / "site"
    result = _run(["publish", "--catalog", str(real_catalog), "--out", str(site)])
    assert result.exit_code == 0, result.output
    assert (site / "index.html").exists() and (site / "rivers.html").exists()
    page = (site / "rivers.html").read_text(encoding="utf-8")
    assert "không có số liệu" in page.lower()  # no QCVN class: "no data", not a colour class
    for theme in ("rivers", "protected_areas", "overview"):
        pdf = tmp_path / f"{theme}.pdf"
        result = _run(["print", theme, "--catalog", str(real_catalog), "--out", str(pdf)])
        assert result.exit_code == 0, result.output
        assert pdf.stat().st_size > 10_000
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
            assert "Thái Nguyên" in text, text[:500]


def test_terrain_on_a_dem_that_covers_part_of_the_province(reports, real_data):
    """SRTM-3 N21E105 covers 105–106 °E, 21–22 °N only. A commune is observed exactly when ≥ 90 %
    of its polygon lies in the tile (shapely on the raw wards file); the others get NaN, not 0 m."""
    terrain = _csv(reports, "terrain_communes").set_index("code")
    wards = gpd.read_file(real_data / "bando2025_thanglequoc" / "thai_nguyen_2025_wards.gpkg")
    tile = shapely.box(105 - 1 / 2400, 21 - 1 / 2400, 106 + 1 / 2400, 22 + 1 / 2400)  # cell edges
    eq = wards.to_crs(6933)  # equal-area, for the share inside the tile
    share = eq.intersection(gpd.GeoSeries([tile], crs=4326).to_crs(6933).iloc[0]).area / eq.area
    code = pd.to_numeric(wards["code"], errors="coerce").astype(int)
    share.index = code
    clear_in = share[share > 0.95].index  # well inside: observed
    clear_out = share[share < 0.85].index  # well outside: unknown (margins left for the 90 % rule)
    assert len(clear_in) > 20 and len(clear_out) > 40
    assert terrain.loc[clear_in, "observed_ok"].all()
    assert terrain.loc[clear_in, "elevation_mean_m"].notna().all()
    assert not terrain.loc[clear_out, "observed_ok"].any()
    assert terrain.loc[clear_out, ["elevation_mean_m", "slope_mean_deg"]].isna().all().all()
    # the highest cell: the Tam Đảo ridge on the south-western border, read from the raw tile
    # with rasterio over the wards (cells touched), unprojected
    with rasterio.open(real_data / "srtm3_n21e105_vvnb" / "N21E105.hgt") as src:
        cells, _ = rasterio.mask.mask(src, list(wards.to_crs(4326).geometry), all_touched=True,
                                      crop=True, filled=False)
    assert 1_500 < cells.max() < 1_600
    assert terrain["elevation_max_m"].max() == pytest.approx(float(cells.max()), abs=1)
    assert terrain.loc[clear_in, "elevation_mean_m"].min() < 100  # the plain south of the city


def test_work_ahead_in_the_helper_gives_the_same_tables_on_real_layers(real_catalog, reports, tmp_path, monkeypatch,
                                                                        helper_jobs):
    """The real catalog with the helper process on (the SRTM tile's flow routed there, every layer
    counted as large): the same CSV tables, byte for byte, as the run without it."""
    from gisplan import store

    sent = helper_jobs
    monkeypatch.setattr(store, "AHEAD_MIN_BYTES", 0)
    out = tmp_path / "reports"
    result = _run(["indicators", "--catalog", str(real_catalog), "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "dem_flow" in sent
    names = sorted(p.name for p in (reports / "csv").glob("*.csv"))
    assert names and names == sorted(p.name for p in (out / "csv").glob("*.csv"))
    for name in names:
        assert (out / "csv" / name).read_bytes() == (reports / "csv" / name).read_bytes(), name
