"""Print maps: the parts a planner needs, sizes, diacritics, scale bar maths."""

import pytest
from click.testing import CliRunner
from matplotlib.font_manager import FontProperties, findfont

from gisplan.catalog import SYNTHETIC_NOTE, load_catalog
from gisplan.cli.main import cli
from gisplan.errors import GisplanError, OutputExistsError
from gisplan.maps.printmap import check_font, nice_scale_length
from gisplan.maps.themes import THEMES
from gisplan.pipeline import Plan, print_map


@pytest.fixture(scope="module")
def catalog(demo_small):
    return load_catalog(demo_small)


@pytest.mark.parametrize("theme", list(THEMES))
def test_every_theme_has_title_legend_scalebar_north_arrow(catalog, theme):
    from matplotlib.patches import Rectangle

    pm = Plan(catalog).figure(theme)
    assert pm.title.get_text().startswith("BẢN ĐỒ")
    assert len(pm.legend.get_texts()) >= 2
    assert pm.north.get_text() == "B"
    texts = [t.get_text() for t in pm.figure.texts]
    assert SYNTHETIC_NOTE in texts
    assert any("VN-2000" in t for t in texts)
    # the scale bar: its four drawn segments (map units, metres) add up to its length and its label
    bx, by, length = pm.scalebar
    assert length == pm.scalebar_m and length in (1e3, 2e3, 5e3, 1e4, 2e4, 5e4)
    segments = sorted((p for p in pm.ax.patches if isinstance(p, Rectangle) and p.get_zorder() == 30),
                      key=lambda p: p.get_x())
    assert len(segments) == 4 and segments[0].get_x() == pytest.approx(bx)
    assert segments[-1].get_x() + segments[-1].get_width() - segments[0].get_x() == pytest.approx(length)
    labels = [t.get_text() for t in pm.ax.texts]
    assert f"{length / 1000:g}" in labels
    pm.figure.clear()


def test_nice_scale_lengths_by_hand():
    assert nice_scale_length(100_000) == 20_000  # a quarter is 25 km → 20 km
    assert nice_scale_length(8_000) == 2_000
    assert nice_scale_length(45_000) == 10_000


def test_png_size_a4_300dpi_and_a3(catalog, tmp_path):
    from PIL import Image

    out = print_map("rivers", tmp_path / "r.png", catalog=catalog, orientation="landscape")
    with Image.open(out) as im:
        assert im.size == (int(297 / 25.4 * 300), int(210 / 25.4 * 300))
    out3 = print_map("rivers", tmp_path / "r3.png", catalog=catalog, size="A3", orientation="portrait", dpi=50)
    with Image.open(out3) as im:
        assert im.size == (int(297 / 25.4 * 50), int(420 / 25.4 * 50))
    with pytest.raises(OutputExistsError):
        print_map("rivers", out, catalog=catalog)


def test_pdf_embeds_the_font_and_keeps_diacritics(catalog, tmp_path):
    out = print_map("forest_cover", tmp_path / "f.pdf", catalog=catalog)
    data = out.read_bytes()
    # the font travels with the document as TrueType (type 42), not as drawn outlines (type 3);
    # the text itself is read back in tests/test_printmap_measured.py
    assert data.startswith(b"%PDF") and b"DejaVu" in data
    assert b"/FontFile2" in data and b"/Subtype /Type3" not in data


def test_font_has_every_vietnamese_letter():
    letters = "ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
    check_font([letters, letters.upper()])
    assert "DejaVu" in findfont(FontProperties(family="DejaVu Sans"))
    with pytest.raises(GisplanError, match="lacks the glyphs"):
        check_font(["漢字"])


def test_cli_print(catalog, tmp_path, demo_small):
    res = CliRunner().invoke(cli, ["print", "mines", "--out", str(tmp_path / "m.png"), "--dpi", "60",
                                   "--catalog", str(demo_small), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "m.png").exists()
    bad = CliRunner().invoke(cli, ["print", "mines", "--out", str(tmp_path / "m.svg"), "--catalog", str(demo_small)])
    assert bad.exit_code == 2 and ".pdf or .png" in bad.output


def test_auto_orientation_follows_the_province_shape(catalog):
    province = catalog_province(catalog)
    minx, miny, maxx, maxy = province.total_bounds
    pm = Plan(catalog).figure("rivers")  # orientation="auto"
    expected = "portrait" if maxy - miny > maxx - minx else "landscape"
    assert pm.orientation == expected
    w, h = pm.figure.get_size_inches()
    assert (h > w) == (expected == "portrait")
    pm.figure.clear()


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
@pytest.mark.parametrize("theme", ["industry", "overview", "hazard"])
def test_legend_map_and_notes_stay_on_the_page_without_overlap(catalog, theme, orientation):
    """The overview's long legend too (it once ran off the bottom of a portrait page)."""
    pm = Plan(catalog).figure(theme, orientation=orientation)
    renderer = pm.figure.canvas.get_renderer()
    page = pm.figure.bbox
    leg = pm.legend.get_window_extent(renderer)
    ax = pm.ax.get_tightbbox(renderer)  # map frame with its grid labels
    notes = [t.get_window_extent(renderer) for t in pm.notes]
    for box in (leg, ax, *notes):
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1
    assert not leg.overlaps(ax)
    for box in notes:
        assert not box.overlaps(leg) and not box.overlaps(ax)
    assert ax.height > 0.45 * page.height if orientation == "portrait" else ax.height > 0.6 * page.height
    pm.figure.clear()


def test_notes_name_the_source_of_each_layer_drawn_or_computed_from(catalog, tmp_path):
    from gisplan.maps.themes import theme_sources

    for name in ("p.gpkg", "c.gpkg", "dem.tif", "m.gpkg"):
        (tmp_path / name).write_bytes(b"")  # only their presence matters here
    (tmp_path / "c.toml").write_text(
        '[layers.province]\ntype = "province"\npath = "p.gpkg"\nsource = "Cục Đo đạc"\n'
        '[layers.communes]\ntype = "communes"\npath = "c.gpkg"\nsource = "Cục Đo đạc"\nyear = 2025\n'
        '[layers.dem]\ntype = "dem"\npath = "dem.tif"\nsource = "NASA/USGS SRTM-3"\nyear = 2000\n'
        '[layers.mines]\ntype = "mines"\npath = "m.gpkg"\n'
        '[layers.rivers]\ntype = "river_sections"\npath = "missing.gpkg"\nsource = "ADB"\n', encoding="utf-8")
    own = load_catalog(tmp_path / "c.toml")
    # hazard: the communes and province it draws, the DEM it is computed from; not the mines, not
    # the river file that is absent
    assert theme_sources("hazard", own) == ["Cục Đo đạc (Xã, phường (từ 01/7/2025) 2025, Ranh giới tỉnh)",
                                            "NASA/USGS SRTM-3 (Mô hình số độ cao (DEM) 2000)"]
    assert theme_sources("mines", own, "en")[0] == "source not stated (Mine sites)"
    pm = Plan(catalog).figure("hazard", orientation="portrait")
    notes = " ".join(t.get_text() for t in pm.notes)
    assert notes.startswith(f"Dữ liệu: {catalog.title}. Nguồn: ")
    assert catalog.entry("communes").source in notes
    assert pm.notes[-1].get_text() == SYNTHETIC_NOTE
    pm.figure.clear()


def test_importing_and_drawing_change_no_matplotlib_setting():
    """Importing printmap selects no backend and changes no rcParams; drawing a map leaves them
    as they were (the house style applies only inside the call)."""
    import subprocess
    import sys

    code = """
import matplotlib
before = {k: dict.__getitem__(matplotlib.rcParams, k) for k in matplotlib.rcParams}
import gisplan.maps.printmap as pm
after = {k: dict.__getitem__(matplotlib.rcParams, k) for k in matplotlib.rcParams}
changed = sorted(k for k in before if str(before[k]) != str(after[k]))
assert not changed, changed
assert "matplotlib.pyplot" not in __import__("sys").modules
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_drawing_leaves_the_rcparams_as_they_were(catalog):
    import matplotlib

    before = {k: str(v) for k, v in matplotlib.rcParams.items() if k != "backend"}
    pm = Plan(catalog).figure("rivers", orientation="landscape")
    assert pm.title.get_fontfamily() == ["DejaVu Sans"]  # the house font, set only while drawing
    pm.figure.clear()
    after = {k: str(v) for k, v in matplotlib.rcParams.items() if k != "backend"}
    assert before == after


def catalog_province(catalog):
    from gisplan.io import read_catalog_layer

    return read_catalog_layer(catalog, "province")
