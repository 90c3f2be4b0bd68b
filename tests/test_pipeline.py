"""One way from a catalog to every output (gisplan.pipeline): the numbers every output shows are
the CSVs of `gisplan indicators`; a map runs only the steps of its tables, the same steps."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

import gisplan
from gisplan.catalog import load_catalog
from gisplan.cli.main import cli
from gisplan.errors import DataMissingError, OptionError
from gisplan.indicators.run import run_indicators
from gisplan.maps.themes import HAZARD_LAYERS, THEMES, get_theme, theme_classes
from gisplan.reports import read_results

MISSING = ("không có số liệu", "no data")
def _number(text: str) -> float:
    """A number as a Vietnamese page writes it (``1.234,5``, ``-202,9``) → 1234.5; missing → NaN."""
    if text in MISSING:
        return math.nan
    return float(text.replace(".", "").replace(",", "."))


def _decimals(text: str) -> int:
    return len(text.split(",", 1)[1]) if "," in text else 0


def _chunks(page: str) -> list[list[dict]]:
    """The feature properties of every GeoJSON layer embedded in a folium page, in page order."""
    dec = json.JSONDecoder()
    out = []
    for m in re.finditer(r"geo_json_\w+_add\(", page):
        obj, _ = dec.raw_decode(page, m.end())
        out.append([f["properties"] for f in obj["features"]])
    return out


def _layer(page: str, name: str) -> list[list[dict]]:
    return [c for c in _chunks(page) if c and c[0].get("_layer") == name]


def _same_shown(shown: str, value) -> bool:
    """A value written on a page equals the CSV's at the decimals shown (within half a unit of the
    last digit), and a missing value reads "no data", never 0."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return shown in MISSING
    half = 0.5 * 10 ** -_decimals(shown)
    return abs(_number(shown) - float(value)) <= half + 1e-9


def _check_choropleth_page(page: str, csv: dict[str, pd.DataFrame], theme: str) -> int:
    """Every number of the communes' popups of ``theme`` equals its table's CSV value; the
    legend has the classes of the CSV column. Returns the number of values compared."""
    spec = get_theme(theme)
    # the communes' layers holding the tables' numbers (the forest-change page also draws the
    # canopy cover of two years beside them, from other tables)
    def values(props):
        return {c for c in props[0] if c not in ("name", "code", "_layer") and not c.endswith("_txt")}

    communes = [props for props in _layer(page, "communes")
                if props and any(values(props) <= set(csv[t].columns) for t in spec.tables)]
    compared = 0
    # one table: every layer drawn from it (the forest-change page's net change and the two years
    # of its swipe view); several: the last layers, one per table in their order
    pairs = [(spec.tables[0], props) for props in communes] if len(spec.tables) == 1 else \
        zip(spec.tables, communes[-len(spec.tables):], strict=True)
    for table_name, props in pairs:
        table = csv[table_name].set_index("code")
        assert len(props) == len(table)
        for p in props:
            row = table.loc[p["code"]]
            for col, shown in p.items():
                if col in table.columns and col not in ("name", "code") and not col.endswith("_txt"):
                    assert _same_shown(shown, row[col]), (theme, table_name, p["code"], col, shown, row[col])
                    compared += 1
    # the legend: the classes of the first table's column (the hazard map lists the landslide's)
    for label in theme_classes(theme, csv[spec.tables[0]][spec.scheme.column]).labels:
        assert label in page, (theme, label)
    return compared


def _check_conflicts_page(page: str, csv: dict[str, pd.DataFrame]) -> int:
    """Each site in conflict is drawn once, with its nearest protected area and the distance of
    the CSV."""
    conf = csv["conflicts"]
    compared = 0
    for site_type, layer in (("mine", "conflict_mines"), ("industrial_zone", "conflict_industrial_zones")):
        rows = conf[conf["site_type"] == site_type].sort_values("distance_m").drop_duplicates("site_id")
        props = [p for chunk in _layer(page, layer) for p in chunk]
        assert sorted(p["name"] for p in props) == sorted(rows["site_name"])
        by_name = {p["name"]: p for p in props}
        for r in rows.itertuples():
            p = by_name[r.site_name]
            assert _same_shown(p["distance_m"], r.distance_m) and p["pa_name"] == r.pa_name
            compared += 1
    return compared


def _check_air_page(page: str, csv: dict[str, pd.DataFrame]) -> int:
    table = csv["air_monitoring"].set_index("name")
    [props] = _layer(page, "urban_areas")
    shown = {p["name"]: p for p in props if p["name"] in table.index}
    assert set(shown) == set(table.index)
    for name, p in shown.items():
        assert p["covered"] == ("Có" if table.loc[name, "covered"] else "Chưa có")
        assert _same_shown(p["air_stations"], table.loc[name, "air_stations"])
    return 2 * len(shown)


CHECKS = {"forest_cover": _check_choropleth_page, "forest_change": _check_choropleth_page,
          "hazard": _check_choropleth_page}


@pytest.fixture(scope="module")
def indicators_out(demo_small, tmp_path_factory):
    out = tmp_path_factory.mktemp("indicators")
    res = CliRunner().invoke(cli, ["indicators", "--catalog", str(demo_small), "--out", str(out), "--no-progress",
                                   "--buffer-m", "1500"])
    assert res.exit_code == 0, res.output
    csv = {p.stem: pd.read_csv(p, dtype={"code": str, "pa_id": str, "site_id": str, "urban_id": str})
           for p in (out / "csv").glob("*.csv")}
    return out, csv


@pytest.mark.slow
def test_map_print_publish_and_geopackage_show_the_csvs_of_indicators(demo_small, indicators_out, tmp_path):
    """`gisplan map` and `gisplan publish` pages, the print map of each theme and the GeoPackage
    layers hold the numbers of the CSVs `gisplan indicators` wrote (with the same option,
    --buffer-m 1500): every theme that shows an indicator, every value its popups show."""
    out, csv = indicators_out
    runner = CliRunner()
    site = tmp_path / "site"
    res = runner.invoke(cli, ["publish", "--catalog", str(demo_small), "--out", str(site), "--buffer-m", "1500"])
    assert res.exit_code == 0, res.output
    shown_themes = [t for t in THEMES.values() if t.tables]
    assert {t.id for t in shown_themes} == {"forest_cover", "protected_areas", "air", "forest_change", "hazard"}
    for spec in shown_themes:
        page_file = tmp_path / f"{spec.id}.html"
        res = runner.invoke(cli, ["map", spec.id, "--catalog", str(demo_small), "--out", str(page_file),
                                  "--buffer-m", "1500"])
        assert res.exit_code == 0, res.output
        for page in (page_file.read_text(encoding="utf-8"), (site / f"{spec.id}.html").read_text(encoding="utf-8")):
            if spec.id == "protected_areas":
                assert _check_conflicts_page(page, csv) > 0
                assert "≤ 1,5 km" in page
            elif spec.id == "air":
                assert _check_air_page(page, csv) > 0
            else:
                assert _check_choropleth_page(page, csv, spec.id) >= 92 * 3
    # the print maps: the classes of the CSV columns, the conflict sites of the CSV
    plan = gisplan.open(demo_small, buffer_m=1500)
    for theme in ("forest_cover", "forest_change"):
        spec = get_theme(theme)
        pm = plan.figure(theme)
        expected = theme_classes(theme, csv[spec.tables[0]][spec.scheme.column])
        assert pm.classes.edges == pytest.approx(expected.edges)
        texts = [t.get_text() for t in pm.legend.get_texts()]
        assert all(label in texts for label in expected.labels)
        plt.close(pm.figure)
    pm = plan.figure("protected_areas")
    colours = load_catalog(demo_small).layer_type("protected_areas").style["conflict_colors"]
    from matplotlib.colors import to_hex

    drawn = {to_hex(c.get_facecolors()[0]): len(c.get_offsets()) for c in pm.ax.collections
             if len(c.get_facecolors()) and to_hex(c.get_facecolors()[0]) in {v.lower() for v in colours.values()}}
    for site_type, colour in colours.items():
        conf = csv["conflicts"]
        assert drawn.get(colour.lower(), 0) == conf.loc[conf["site_type"] == site_type, "site_id"].nunique()
    plt.close(pm.figure)
    # the GeoPackage's layers: the CSV columns, value for value
    gpkg = out / "gisplan_chi_tieu.gpkg"
    for name in ("forest_cover_communes", "forest_change_communes", "conflicts", "air_monitoring",
                 "hazard_landslide_communes", "hazard_flash_flood_communes"):
        layer = pyogrio.read_dataframe(gpkg, layer=name)
        table = csv[name]
        assert len(layer) == len(table)
        for col in table.columns:
            a, b = layer[col], table[col]
            if pd.api.types.is_numeric_dtype(b):
                assert np.allclose(a.astype(float), b.astype(float), equal_nan=True, rtol=0, atol=1e-9), (name, col)
            else:
                assert list(a.astype(str)) == list(b.astype(str)), (name, col)
    # the site's index: the tracker's current values are those of targets.csv
    index = (site / "index.html").read_text(encoding="utf-8")
    for r in csv["targets"].itertuples():
        if not pd.isna(r.current):
            cell = re.search(rf"<tr data-target='{re.escape(r.target_id)}'>.*?<td class='num cur'>([^<]*)</td>", index)
            assert cell is not None, r.target_id
            shown = cell.group(1).removeprefix("≥ ").split(" ")[0]  # "≥ 29 mỏ (2024)": a lower bound, its year
            assert _same_shown(shown, r.current), (r.target_id, cell.group(1), r.current)


def test_a_map_runs_only_the_steps_of_its_tables(demo_small):
    plan = gisplan.open(demo_small)
    plan.map("protected_areas")
    partial = plan.runner.results
    assert set(partial.tables) == {"conflicts"} and not partial.skipped
    read = {q["layer"] for q in partial.meta["layer_quality"]}
    assert "forest_status_2024" not in read and "river_sections" not in read  # not read for this map
    assert {"protected_areas", "mines", "industrial_zones"} <= read
    conflicts = partial.tables["conflicts"]
    full = plan.indicators()
    fresh = run_indicators(load_catalog(demo_small))
    assert full.tables["conflicts"] is conflicts  # run once
    assert list(full.tables) == list(fresh.tables) + ["crosswalk"]
    assert list(full.skipped) == list(fresh.skipped)
    for name, table in fresh.tables.items():
        pd.testing.assert_frame_equal(full.tables[name], table, check_dtype=False)
    assert full.headline == pytest.approx(fresh.headline, nan_ok=True)
    assert plan.indicators() is full


def test_unknown_tables_and_themes_are_errors(demo_small):
    plan = gisplan.open(demo_small)
    with pytest.raises(OptionError, match="no indicator step makes the table.*forest_cover_town.*forest_cover_communes"):
        plan.table("forest_cover_town")
    with pytest.raises(OptionError, match="no indicator step"):
        run_indicators(load_catalog(demo_small), tables=["nothing"])
    with pytest.raises(OptionError, match="unknown theme 'forests'"):
        plan.map("forests")
    with pytest.raises(OptionError, match="unknown indicator option.*buffer_km"):
        gisplan.open(demo_small, buffer_km=2)


def test_a_skipped_table_says_why(demo_small, tmp_path):
    text = Path(demo_small).read_text(encoding="utf-8")
    start = text.index("[layers.mines]")
    cat = tmp_path / "catalog.toml"
    cat.write_text(text[:start] + text[text.index("[layers.", start + 1):], encoding="utf-8")
    plan = gisplan.open(cat)
    with pytest.raises(DataMissingError, match="expired_mines was not computed"):
        plan.table("expired_mines")


def test_results_given_are_shown_not_recomputed(demo_small, indicators_out):
    """A plan over results read back from a reports folder shows them: a value changed in the CSV
    is the value on the map (nothing is computed again)."""
    out, _csv = indicators_out
    catalog = load_catalog(demo_small)
    results = read_results(out, catalog)
    table = results.tables["forest_cover_communes"]
    results.tables["forest_cover_communes"] = table.assign(forest_pct=np.where(table.index == 0, 99.9, table["forest_pct"]))
    page = gisplan.open(catalog, results=results).map("forest_cover", parcels_data=None).get_root().render()
    [props] = _layer(page, "communes")
    shown = {p["code"]: p["forest_pct"] for p in props}
    assert shown[table["code"].iloc[0]] == "99,9"


def test_hazard_grids_come_with_the_results(demo_small):
    plan = gisplan.open(demo_small)
    results = plan.theme_results("hazard")
    grid = results.grids["susceptibility"]
    assert set(HAZARD_LAYERS) <= set(grid.classes)
    table = results.tables["hazard_landslide_communes"]
    assert table["exposed_pct"].between(0, 100).all() and "roads_km" in table
    communes = plan.layer("communes")
    assert shapely.union_all(communes.geometry.values).area > 0
