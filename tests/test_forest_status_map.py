"""The forest-status map as planners draw it: lots in the standard colour of their status code,
at commune scale every lot labelled (lô and code, khoảnh, tiểu khu) without overlaps, the legend
of the codes present with their Vietnamese names, the lot's record in the web popup. Truth: the
lots of tests/_frms.py (commune 08002 holds RTG, DTR, DT2 and a lot with the code XYZ)."""

from __future__ import annotations

import json
import re
import warnings

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from _frms import COMMUNES, write_vi_shapefile
from click.testing import CliRunner

from gisplan.catalog import load_catalog
from gisplan.cli.main import cli
from gisplan.forest_codes import status_codes
from gisplan.maps.themes import theme_dates
from gisplan.pipeline import Plan


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    d = tmp_path_factory.mktemp("fs_map")
    COMMUNES.assign(unit_type="xa").to_file(d / "communes.gpkg")
    gpd.GeoDataFrame({"code": ["19"], "name": ["Tỉnh Thái Nguyên"]},
                     geometry=[shapely.union_all(COMMUNES.geometry.to_numpy())], crs=9213).to_file(d / "province.gpkg")
    write_vi_shapefile(d / "lorung_2024.shp")
    (d / "catalog.toml").write_text(
        '[layers.province]\ntype = "province"\npath = "province.gpkg"\n'
        '[layers.communes]\ntype = "communes"\npath = "communes.gpkg"\n'
        '[layers.lorung_2024]\ntype = "forest_status"\npath = "lorung_2024.shp"\nyear = 2024\n', encoding="utf-8")
    return d / "catalog.toml"


@pytest.fixture(scope="module")
def plan(catalog):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Plan(load_catalog(catalog))


def test_commune_print_map_frames_the_commune_and_lists_its_codes(plan):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pm = plan.figure("forest_status", commune="08002")
    try:
        assert pm.title.get_text() == "BẢN ĐỒ HIỆN TRẠNG RỪNG — XÃ ĐIỀM MẶC — NĂM 2024"
        legend = [t.get_text() for t in pm.legend.get_texts()]
        codes = status_codes()
        # the codes of the commune's lots, in the Circular's order, and the lot whose code is not one
        shown = [re.sub(r"\s+", " ", t) for t in legend if " – " in t]
        assert shown == [f"{c} – {codes.label(c)}" for c in ("RTG", "DTR", "DT2")]
        assert "Mã trạng thái không hợp lệ" in legend and "Xã Điềm Mặc" in legend
        # framed on the commune (x 2,000–4,000 m of the fixture), not the province: the frame holds
        # the commune with a margin the round scale adds, under a third of its width each side
        x0, x1 = pm.ax.get_xlim()
        b = COMMUNES.total_bounds
        assert b[0] + 2000 - 2000 / 3 < x0 < b[0] + 2000 and b[2] < x1 < b[2] + 2000 / 3
        # every lot labelled (lô and code), the khoảnh and tiểu khu too, none overlapping
        texts = [t for t in pm.ax.texts if t.get_gid() != "halo"
                 and (t.get_text() and "\n" in t.get_text() or t.get_text().startswith(("TK", "K.")))]
        labels = {t.get_text() for t in texts}
        assert {"2\nRTG", "1\nDTR", "2\nDT2", "1\nXYZ"} <= labels
        assert {"TK 123", "TK 124"} <= labels and "K.5" in labels
        r = pm.figure.canvas.get_renderer()
        boxes = [t.get_window_extent(r) for t in texts]
        assert not any(a.overlaps(c) for i, a in enumerate(boxes) for c in boxes[i + 1:])
        # the standard colour of each code: DTR's fill (TCVN 11565 #FFE8D0)
        fills = {tuple(np.round(c, 3)) for coll in pm.ax.collections for c in coll.get_facecolor()}
        assert tuple(np.round([1.0, 0xE8 / 255, 0xD0 / 255, 1.0], 3)) in fills
    finally:
        pm.figure.clear()


def test_print_by_commune_name_and_a_commune_that_is_not_there(catalog, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["print", "forest_status", "--commune", "Điềm Mặc", "--catalog", str(catalog),
                             "--out", str(tmp_path / "xa.png"), "--dpi", "60"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(cli, ["print", "forest_status", "--commune", "99999", "--catalog", str(catalog),
                              "--out", str(tmp_path / "no.png")])
    assert bad.exit_code == 2 and "commune '99999' is not a commune of the catalog" in bad.output
    assert not (tmp_path / "no.png").exists()


def test_web_map_colours_lots_by_code_and_carries_their_record(plan):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        page = plan.map("forest_status").get_root().render()
    meta = json.loads(re.search(r"var D = (\{.*?\});\n", page).group(1))
    assert meta["colorBy"] == "status"
    codes = meta["codes"]
    assert meta["codeColors"][codes.index("RTG")] == "#FFD8B0" and meta["codePatterns"][codes.index("DT2")] == "grass"
    cells = json.loads("{" + re.search(r"window.gisplanParcelCells=\{(.*)\};</script>", page).group(1) + "}")
    records = {}
    for c in cells.values():
        for i, pid in enumerate(c["id"]):
            records[pid] = {k: c[k][i] for k in ("s", "sc", "k", "w", "sp", "y", "hr", "cm")}
    rtg = records["05536/123/4/2"]
    assert codes[rtg["s"]] == "RTG" and rtg["k"] == "TK 123 · Khoảnh 4 · Lô 2"
    assert rtg["w"] == "Công ty TNHH Lâm nghiệp Thái Nguyên" and rtg["sp"] == "Keo" and rtg["y"] == 2015
    assert rtg["hr"] == "75,00" and rtg["cm"] == "Xã Phú Đình"
    xyz = records["05539/124/2/1"]
    assert xyz["s"] == -1 and xyz["sc"] == "XYZ"
    assert "RTG – Rừng gỗ trồng núi đất" in page and "Lô có mã trạng thái không hợp lệ" in page


def test_geopackage_styles_the_lots_with_the_standard_palette(plan, tmp_path):
    from gisplan.export.styles import styles_in

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = plan.export(tmp_path / "out", project=False)["gpkg"]
    lots = pyogrio.read_dataframe(path, layer="forest_status", read_geometry=False)
    assert set(lots["status_code"]) == {"TXG", "RTG", "DTR", "TXN", "DT2", "XYZ"}
    qml, sld = styles_in(path)["forest_status"]
    assert 'attr="status_code"' in qml and 'value="RTG"' in qml and "RTG – Rừng gỗ trồng núi đất" in qml
    assert "255,216,176" in qml  # RTG #FFD8B0


def test_date_line_names_the_year_the_map_shows(demo_small):
    """The forest-status and forest-cover maps show the last year of lots: their date line names
    it alone; the forest-change map names both years."""
    cat = load_catalog(demo_small)
    assert theme_dates("forest_status", cat) == "Số liệu: Hiện trạng rừng 31/12/2024"
    assert theme_dates("forest_cover", cat).startswith("Số liệu: Hiện trạng rừng 31/12/2024")
    assert "Hiện trạng rừng 31/12/2020, 31/12/2024" in theme_dates("forest_change", cat)
