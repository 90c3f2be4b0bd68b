"""The styled GeoPackage of every indicator and the QGIS project.

The numbers in the GeoPackage are compared with the CSVs written by the same run; the styles
with the classes of the maps; and, where QGIS is installed (Debian's python3-qgis, installed by
``make test``), QGIS itself opens the GeoPackage and the project headless, and its rendering of
forest cover is checked pixel by pixel against the class of each commune."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from gisplan.catalog import load_catalog
from gisplan.export import GPKG, PROJECT, export_results, qgis_python, write_shapefiles
from gisplan.export.styles import styles_in
from gisplan.indicators.run import run_indicators
from gisplan.overlay import protected_area_units
from gisplan.reports import write_reports
from gisplan.store import LayerStore
from gisplan.tables import FORMS, column_title

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def run(demo_small, tmp_path_factory):
    catalog = load_catalog(demo_small)
    store = LayerStore(catalog)
    results = run_indicators(catalog, store=store)
    out = tmp_path_factory.mktemp("export")
    write_reports(results, out / "reports")
    written = export_results(results, store, out / "reports", project=False)
    return results, store, out / "reports", written


def test_every_indicator_with_a_place_is_a_layer_with_the_csv_numbers(run):
    results, _store, reports, written = run
    gpkg = written["gpkg"]
    assert gpkg == reports / GPKG
    listed = dict(pyogrio.list_layers(gpkg))
    for csv in sorted((reports / "csv").glob("*.csv")):
        name = csv.stem
        assert name in listed, name
        expected = pd.read_csv(csv)
        text = pd.read_csv(csv, dtype=str, keep_default_na=False)  # codes keep their leading zeros
        got = pyogrio.read_dataframe(gpkg, layer=name, read_geometry=False)
        if name in FORMS:  # the CSV of an official form has the Vietnamese headers of the layer's fields
            got = got.rename(columns={c: column_title(c, "vi", name) for c in got.columns})
        assert list(got.columns) == list(expected.columns), name
        assert len(got) == len(expected), name
        for col in expected.columns:
            a, b = expected[col], got[col]
            if pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
                np.testing.assert_allclose(b.astype(float), a.astype(float), rtol=0, atol=1e-9,
                                           equal_nan=True, err_msg=f"{name}.{col}")
            else:
                shown = b.map(lambda v: "" if pd.isna(v) else str(v))  # None, NaN, pd.NA: an empty CSV cell
                assert (shown.str.lower() == text[col].str.lower()).all(), f"{name}.{col}"
    # tables that are about places carry their geometry, in the province's CRS
    info = pyogrio.read_info(gpkg, layer="forest_cover_communes")
    assert info["geometry_type"] in ("Polygon", "MultiPolygon") and "9213" in info["crs"]
    assert listed["targets"] is None  # the tracker has no place: a plain table
    assert listed["conflicts"] in ("LineString", "MultiLineString")


def test_conflict_lines_join_site_and_protected_area(run):
    results, store, _reports, written = run
    lines = pyogrio.read_dataframe(written["gpkg"], layer="conflicts")
    table = results["conflicts"]
    # one line per conflict of the run, of both site types
    assert len(lines) == len(table) > 0
    assert set(lines["site_type"]) == set(table["site_type"]) == {"mine", "industrial_zone"}
    sites = {"mine": store.get("mines").set_index("mine_id").geometry,
             "industrial_zone": store.get("industrial_zones").set_index("zone_id").geometry}
    # the protected areas as mapped, whole: the run measures conflicts to them
    areas = protected_area_units(store.unclipped("protected_areas")).set_index("pa_id").geometry
    for row in lines.itertuples():
        # its length is the distance reported; it starts on the site and ends on the protected area
        assert row.geometry.length == pytest.approx(row.distance_m, abs=0.5)
        site, area = sites[row.site_type].loc[str(row.site_id)], areas.loc[str(row.pa_id)]
        start, end = shapely.get_point(row.geometry, 0), shapely.get_point(row.geometry, -1)
        assert site.distance(start) < 0.01 and area.distance(end) < 0.01
    # a site inside its protected area: a line of length 0 (a point of the site)
    inside = lines[lines["relation"] == "inside"]
    assert len(inside) and (inside.geometry.length < 0.01).all()


def test_styles_carry_the_map_classes_and_vietnamese_aliases(run):
    from gisplan.maps.themes import theme_classes

    results, _store, _reports, written = run
    styles = styles_in(written["gpkg"])
    qml, sld = styles["forest_cover_communes"]
    root = ET.fromstring(qml.split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "graduatedSymbol" and renderer.get("attr") == "forest_pct"
    ranges = [(float(r.get("lower")), float(r.get("upper"))) for r in renderer.iter("range")]
    classes = theme_classes("forest_cover", results["forest_cover_communes"]["forest_pct"])
    assert ranges == list(zip(classes.edges[:-1], classes.edges[1:], strict=True))
    fills = [next(p.get("v") for p in s.iter("prop") if p.get("k") == "color")
             for s in renderer.find("symbols")]
    hexes = ["#{:02x}{:02x}{:02x}".format(*map(int, f.split(",")[:3])) for f in fills]
    assert hexes == list(classes.colors)
    aliases = {a.get("field"): a.get("name") for a in root.iter("alias")}
    assert aliases["forest_pct"] == "Tỷ lệ che phủ rừng (%)"
    # the SLD has one rule per class plus the "no data" rule
    sld_root = ET.fromstring(sld.encode())
    rules = sld_root.findall(".//{http://www.opengis.net/sld}Rule")
    assert len(rules) == len(classes.colors) + 1
    assert rules[-1].find("{http://www.opengis.net/sld}Title").text == "không có số liệu"
    # categories of coded columns take the colours of layers/types.toml
    qml_rivers = ET.fromstring(styles["river_sections"][0].split("\n", 1)[1])
    cats = {c.get("value"): c.get("label") for c in qml_rivers.iter("category")}
    assert cats["D"] == "Mức D (rất xấu)" and cats[""] == "không có số liệu"


def test_field_aliases_are_in_the_language_of_the_export(run):
    from gisplan.export import indicator_layers

    results, store, _reports, _written = run
    for lang, heads in (("vi", {"forest_pct": "Tỷ lệ che phủ rừng (%)", "area_ha": "Diện tích trong tỉnh (ha)"}),
                        ("en", {"forest_pct": "Forest cover (%)", "area_ha": "Area inside the province (ha)"})):
        layers = {ly.name: ly for ly in indicator_layers(results, store, lang=lang)}
        aliases = layers["forest_cover_protected_areas"].style.aliases
        assert {c: aliases[c] for c in heads} == heads
        communes = layers["forest_cover_communes"].style.aliases
        assert communes["area_ha"] == ("Diện tích tự nhiên (ha)" if lang == "vi" else "Natural area (ha)")
    assert layers["forest_cover_communes"].title == "Forest cover per commune/ward (forest-status polygons)"
    # a catalog layer exported as it is: the registry's titles, else its attributes' own titles
    rivers = layers["river_sections"].style.aliases
    assert rivers["qcvn_class"] == "QCVN 08:2023 class" and rivers["monitoring_date"] == "Monitoring date"
    stations = {ly.name: ly for ly in indicator_layers(results, store)}["monitoring_stations"].style.aliases
    assert stations["station_id"] == "Mã trạm" and stations["mode"] == "Hình thức"


def test_shapefile_folder_with_side_car_styles(run, tmp_path):
    results, store, _reports, _written = run
    paths = write_shapefiles(results, store, tmp_path)
    shp = tmp_path / "forest_cover_communes.shp"
    assert shp in paths
    for ext in (".shx", ".dbf", ".prj", ".cpg", ".qml", ".sld"):
        assert shp.with_suffix(ext).exists(), ext
    back = pyogrio.read_dataframe(shp)
    assert back["name"].str.contains("ư|ơ|ă|đ|Đ", regex=True).any()  # UTF-8 survives
    assert (tmp_path / "targets.csv").exists()


def test_refuses_to_overwrite(run):
    from gisplan.errors import OutputExistsError

    results, store, reports, _written = run
    with pytest.raises(OutputExistsError):
        export_results(results, store, reports, project=False)


def _gdal_validator() -> str | None:
    """A Python that has GDAL's GeoPackage validator (Debian python3-gdal: osgeo_utils), or None."""
    for exe in ("/usr/bin/python3",):
        if Path(exe).exists() and subprocess.run([exe, "-c", "import osgeo_utils.samples.validate_gpkg"],
                                                 capture_output=True).returncode == 0:
            return exe
    return None


@pytest.mark.skipif(_gdal_validator() is None and os.environ.get("GISPLAN_REQUIRE_GDAL_VALIDATOR") != "1",
                    reason="GDAL's Python (Debian python3-gdal, with validate_gpkg.py) is not installed; "
                           "scripts/install_test_tools.sh installs it")
def test_geopackage_passes_gdals_validator_with_extra_checks(run):
    """GDAL's validate_gpkg.py --extra accepts the GeoPackage (it rejected the layer_styles
    last_change written without milliseconds: Req 15)."""
    _results, _store, _reports, written = run
    exe = _gdal_validator()
    assert exe is not None, "GISPLAN_REQUIRE_GDAL_VALIDATOR=1 but no Python has osgeo_utils (python3-gdal)"
    proc = subprocess.run([exe, "-m", "osgeo_utils.samples.validate_gpkg", "--extra", str(written["gpkg"])],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and not proc.stdout.strip() and not proc.stderr.strip(), proc.stdout + proc.stderr
    with sqlite3.connect(written["gpkg"]) as con:
        stamp = con.execute("SELECT last_change FROM gpkg_contents WHERE table_name = 'layer_styles'").fetchone()[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp), stamp


@pytest.mark.skipif(qgis_python() is None and os.environ.get("GISPLAN_REQUIRE_QGIS") != "1",
                    reason="QGIS's Python API (Debian python3-qgis) is not installed; make test installs it")
def test_qgis_opens_the_geopackage_and_the_project(run, tmp_path):
    from PIL import Image

    from gisplan.maps.themes import theme_classes

    results, store, reports, _written = run
    exe = qgis_python()
    assert exe is not None, "GISPLAN_REQUIRE_QGIS=1 but no Python can import qgis.core"
    out = tmp_path / "reports"
    write_reports(results, out)
    written = export_results(results, store, out, project=True)
    assert written["qgis"] == out / PROJECT
    png = tmp_path / "forest.png"
    proc = subprocess.run([exe, str(HERE / "qgis_probe.py"), str(written["gpkg"]), str(written["qgis"]),
                           "forest_cover_communes", str(png)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["project"]["read"] and seen["project"]["crs"] == "EPSG:9213"
    layers = {k: v for k, v in seen["gpkg"].items()}
    for csv in (out / "csv").glob("*.csv"):
        assert layers[csv.stem]["valid"], csv.stem
        assert layers[csv.stem]["count"] == len(pd.read_csv(csv)), csv.stem
    # the project holds every layer, grouped by theme, styled as in the GeoPackage
    assert "Rừng" in seen["project"]["groups"]
    fc = layers["forest_cover_communes"]
    classes = theme_classes("forest_cover", results["forest_cover_communes"]["forest_pct"])
    assert fc["renderer"] == "graduatedSymbol" and fc["attr"] == "forest_pct"
    assert [r[:3] for r in fc["ranges"]] == [[a, b, c] for a, b, c in
                                             zip(classes.edges[:-1], classes.edges[1:], classes.colors, strict=True)]
    assert fc["aliases"]["forest_pct"] == "Tỷ lệ che phủ rừng (%)"
    in_project = [v for v in seen["project"]["layers"].values() if v["renderer"] == "graduatedSymbol"]
    assert any(v["ranges"] == fc["ranges"] for v in in_project)
    # QGIS's rendering: the pixel at each commune's inner point has the colour of its class
    img = np.asarray(Image.open(png).convert("RGB"))
    x0, y0, x1, y1 = seen["render"]["extent"]
    w, h = seen["render"]["size"]
    communes = store.get("communes").set_index("code")
    table = results["forest_cover_communes"].set_index("code")
    checked = 0
    for code, row in table.iterrows():
        poly = communes.loc[code].geometry
        if poly.buffer(-800).is_empty:
            continue
        p = poly.buffer(-800).representative_point()
        col, r = int((p.x - x0) / (x1 - x0) * w), int((y1 - p.y) / (y1 - y0) * h)
        expected = classes.color_of([row["forest_pct"]])[0]
        rgb = "#{:02x}{:02x}{:02x}".format(*img[r, col])
        assert rgb == expected, (code, row["forest_pct"], rgb, expected)
        checked += 1
    assert checked > 40
