"""Print maps: the parts a planner needs, sizes, diacritics, scale bar maths."""

import pytest
from click.testing import CliRunner
from matplotlib.font_manager import FontProperties, findfont

from gisplan.catalog import SYNTHETIC_NOTE, load_catalog
from gisplan.cli.main import cli
from gisplan.errors import GisplanError, OptionError, OutputExistsError
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


# --- fit for a decision: no empty map, names, numeric scale, notes inside, round classes, date ----
def test_a_print_map_of_no_data_is_refused_with_exit_2_and_nothing_written(demo_small, tmp_path):
    """The forest-cover map of a catalog without forest-status lots would be every commune grey:
    refused, naming the layer that would fill it (layers/real.toml is such a catalog)."""
    text = demo_small.read_text(encoding="utf-8")
    for name in ("forest_status_2020", "forest_status_2024"):
        start = text.index(f"[layers.{name}]")
        text = text[:start] + text[text.index("[layers.", start + 1):]
    no_lots = tmp_path / "catalog.toml"
    no_lots.write_text(text, encoding="utf-8")
    out = tmp_path / "f.png"
    res = CliRunner().invoke(cli, ["print", "forest_cover", "--out", str(out), "--catalog", str(no_lots)])
    assert res.exit_code == 2, res.output
    assert "would show no data anywhere" in res.output and "add a layer of type 'forest_status'" in res.output
    assert not out.exists() and not list(tmp_path.glob("*.png"))
    # a map with data in part of the province is drawn
    assert CliRunner().invoke(cli, ["print", "mines", "--out", str(out), "--catalog", str(no_lots),
                                    "--dpi", "40"]).exit_code == 0


def test_the_hazard_title_names_only_the_hazard_drawn(catalog):
    plan = Plan(catalog)
    pm = plan.figure("hazard")
    assert pm.title.get_text() == "BẢN ĐỒ MỨC ĐỘ NHẠY CẢM SẠT LỞ ĐẤT"
    assert "LŨ QUÉT" not in pm.title.get_text()
    pm.figure.clear()
    pm = plan.figure("hazard", hazard="flash_flood", lang="en")
    assert pm.title.get_text() == "FLASH FLOOD SUSCEPTIBILITY"
    assert "Flash flood: susceptibility" in [t.get_text() for t in pm.legend.get_texts()]
    pm.figure.clear()
    with pytest.raises(OptionError, match="hazard=landslide or hazard=flash_flood"):
        plan.figure("hazard", hazard="earthquake")


def _boxes(pm, texts):
    renderer = pm.figure.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in texts]


def test_names_of_protected_areas_and_communes_without_overlap(catalog):
    from gisplan.maps.printmap import label_name

    plan = Plan(catalog)
    pm = plan.figure("forest_cover", orientation="portrait")
    pas = {str(n) for n in plan.store.get("protected_areas")["name"].dropna()}
    communes = {label_name(n) for n in plan.store.get("communes")["name"]}
    placed = pm.labels
    assert set(placed) == {"protected_areas", "communes"}
    pa_texts = [t.get_text() for t in placed["protected_areas"].texts]
    assert pa_texts and set(pa_texts) <= pas
    assert all(t.get_fontstyle() == "italic" for t in placed["protected_areas"].texts)
    commune_texts = [t.get_text() for t in placed["communes"].texts]
    assert len(commune_texts) > len(communes) / 2 and set(commune_texts) <= communes
    assert not any(t.startswith(("Xã ", "Phường ")) for t in commune_texts)
    every = [t for p in placed.values() for t in p.texts]
    boxes = _boxes(pm, every)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    frame = pm.ax.get_window_extent(pm.figure.canvas.get_renderer())
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes)
    # larger communes get larger names (sizes by rank), the protected areas the largest
    sizes = {t.get_fontsize() for t in placed["communes"].texts}
    assert len(sizes) > 1 and max(sizes) < placed["protected_areas"].texts[0].get_fontsize()
    # names left out for lack of room are counted on the map
    left = sum(p.left_out for p in placed.values())
    note = [t.get_text() for t in pm.ax.texts if "không đủ chỗ ghi" in t.get_text()]
    assert note == ([f"{left} tên không đủ chỗ ghi"] if left else [])
    pm.figure.clear()
    for which, sets in (("none", set()), ("communes", {"communes"}), ("protected_areas", {"protected_areas"})):
        pm = plan.figure("forest_cover", labels=which)
        assert set(pm.labels) == sets
        pm.figure.clear()
    with pytest.raises(OptionError, match="labels must be"):
        plan.figure("forest_cover", labels="rivers")


@pytest.mark.parametrize("size", ["A4", "A3"])
@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_numeric_scale_sources_inside_the_frame_and_data_date(catalog, size, orientation):
    from matplotlib.patches import Rectangle

    from gisplan.maps.printmap import nice_scale

    pm = Plan(catalog).figure("hazard", size=size, orientation=orientation)
    fig = pm.figure
    renderer = fig.canvas.get_renderer()
    # the scale the map is drawn at, worked out from the frame on the paper and the ground it shows
    pos = pm.ax.get_position()
    x0, x1 = pm.ax.get_xlim()
    drawn = (x1 - x0) / (pos.width * fig.get_figwidth() * 0.0254)
    assert drawn == pytest.approx(pm.scale, rel=1e-6) and nice_scale(pm.scale) == pm.scale
    assert f"Tỷ lệ 1:{pm.scale:,}".replace(",", ".") in [t.get_text() for t in pm.ax.texts]
    # every note (the sources first) inside the page's frame line
    border = [a for a in fig.artists if isinstance(a, Rectangle)][-1].get_window_extent(renderer)
    for box in _boxes(pm, pm.notes):
        assert border.x0 < box.x0 and box.x1 < border.x1 and border.y0 < box.y0, (box, border)
    # the date of the data in the title block, from the catalog entries the map is computed from
    when = [t.get_text() for t in fig.texts if t.get_text().startswith("Số liệu")]
    cat = load_catalog(catalog.path)
    dem = cat.of_type("dem")[-1]
    assert len(when) == 1 and "/".join(reversed(dem.date.split("-"))) in when[0], when
    pm.figure.clear()


def test_forest_cover_in_round_classes(catalog):
    pm = Plan(catalog).figure("forest_cover")
    assert pm.classes.edges == (0.0, 20.0, 40.0, 60.0, 80.0, 100.0)
    labels = [t.get_text() for t in pm.legend.get_texts()]
    assert ["0–20 %", "20–40 %", "40–60 %", "60–80 %", "80–100 %"] == [x for x in labels if x.endswith(" %")]
    pm.figure.clear()
