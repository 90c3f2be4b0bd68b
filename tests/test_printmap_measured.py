"""Print maps measured as a reader would measure them: the scale bar with a ruler on the rendered
PNG against the known width of a province drawn on it, and the Vietnamese text read back from the
PDF with pdftotext (poppler)."""

from __future__ import annotations

import re
import shutil
import subprocess

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gisplan.catalog import load_catalog
from gisplan.io import write_layer
from gisplan.pipeline import print_map

WIDTH_M, HEIGHT_M = 36_000.0, 48_000.0  # a rectangular province of known size
X0, Y0 = 410_000.0, 2_380_000.0


@pytest.fixture(scope="module")
def box_catalog(tmp_path_factory):
    """A catalog whose province is a 36 × 48 km rectangle split into 4 communes."""
    d = tmp_path_factory.mktemp("box")
    prov = shapely.box(X0, Y0, X0 + WIDTH_M, Y0 + HEIGHT_M)
    write_layer(gpd.GeoDataFrame({"code": ["19"], "name": ["Tỉnh Hình Chữ Nhật"]}, geometry=[prov], crs=9213),
                d / "province.gpkg")
    cells = [shapely.box(X0 + i * WIDTH_M / 2, Y0 + j * HEIGHT_M / 2, X0 + (i + 1) * WIDTH_M / 2,
                         Y0 + (j + 1) * HEIGHT_M / 2) for i in range(2) for j in range(2)]
    write_layer(gpd.GeoDataFrame({"code": ["01", "02", "03", "04"],
                                  "name": ["Xã Một", "Xã Hai", "Phường Ba", "Xã Bốn"],
                                  "unit_type": ["xa", "xa", "phuong", "xa"]}, geometry=cells, crs=9213),
                d / "communes.gpkg")
    (d / "catalog.toml").write_text(
        '[catalog]\ntitle = "Hộp"\n\n[layers.province]\ntype = "province"\npath = "province.gpkg"\n\n'
        '[layers.communes]\ntype = "communes"\npath = "communes.gpkg"\n', encoding="utf-8")
    return load_catalog(d / "catalog.toml")


def _dark(img: np.ndarray, level: int = 80) -> np.ndarray:
    return (img[..., :3] < level).all(axis=-1)


def test_scale_bar_and_numeric_scale_match_the_map_measured_on_the_png(box_catalog, tmp_path):
    """A ruler on the PNG: the province's known width gives metres per pixel; the scale bar is
    as long as it says and the numeric scale printed beside it is the map's (1:S means one
    paper metre is S metres: at 100 dpi a pixel is 0.254 mm of paper)."""
    import re

    from PIL import Image

    from gisplan.pipeline import Plan

    pm = Plan(box_catalog).figure("overview", orientation="portrait", labels="none")
    out = tmp_path / "o.png"
    pm.figure.savefig(out, dpi=100)
    printed = [t.get_text() for t in pm.ax.texts if t.get_text().startswith("Tỷ lệ 1:")]
    assert len(printed) == 1, printed
    scale = int(re.fullmatch(r"Tỷ lệ 1:([\d.]+)", printed[0]).group(1).replace(".", ""))
    bar_km = max(float(t.get_text().replace(",", ".")) for t in pm.ax.texts if re.fullmatch(r"[\d,]+", t.get_text()))
    img = np.asarray(Image.open(out).convert("RGB")).astype(int)
    h, w = img.shape[:2]
    dark = _dark(img)
    spine = (img[..., :3] <= 5).all(axis=-1)  # the map frame is black

    def runs(cols):
        return np.split(cols, np.flatnonzero(np.diff(cols) > 1) + 1) if cols.size else []

    # on a row through the middle of the map, the province outline is the first and last dark run
    # inside the map frame: its west and east edges
    r = h // 2
    left, right = np.flatnonzero(spine[r])[[0, -1]]
    inside = [run for run in runs(np.flatnonzero(dark[r, left + 1:right])) if len(run)]
    width_px = inside[-1].mean() - inside[0].mean()
    m_per_px = WIDTH_M / width_px
    # the scale bar: its top edge is a dark horizontal run as long as the bar, in the lower part
    # of the map, shorter than the province's bottom edge
    # (searched in the lower half of the map frame, found from the frame's black left edge)
    frame_rows = np.flatnonzero(spine[:, left])
    candidates = []
    for rr in range((frame_rows[0] + frame_rows[-1]) // 2, frame_rows[-1]):
        for run in runs(np.flatnonzero(dark[rr, left + 1:right])):
            if 0.05 * width_px < len(run) < 0.6 * width_px:
                candidates.append(len(run))
    bar_m = max(candidates) * m_per_px
    # the bar is as long on the map as its last label says (a round length: 5 or 10 km here)
    assert bar_km in (5, 10)
    assert bar_m == pytest.approx(bar_km * 1000, rel=0.03), bar_m
    # the numeric scale: a round one, and the map's
    from gisplan.maps.printmap import nice_scale

    assert nice_scale(scale) == scale
    assert m_per_px == pytest.approx(scale * 0.0254 / 100, rel=0.03), (m_per_px, scale)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed; "
                    "make test installs it")
def test_pdf_text_keeps_vietnamese_diacritics(demo_small, tmp_path):
    catalog = load_catalog(demo_small)
    out = print_map("forest_cover", tmp_path / "f.pdf", catalog=catalog, orientation="portrait")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split())
    assert "BẢN ĐỒ TỶ LỆ CHE PHỦ RỪNG THEO XÃ, PHƯỜNG" in flat
    assert "CHÚ GIẢI" in flat
    assert "TỈNH THÁI NGUYÊN" in flat
    assert "Dữ liệu mô phỏng" in flat
    # the numeric scale beside the bar, the date of the data under the title, the names
    assert re.search(r"Tỷ lệ 1:\d{1,3}(\.\d{3})+", flat), flat
    # the forest cover of the last forest-status year: its date alone
    assert "Số liệu: Hiện trạng rừng 31/12/2024" in flat and "31/12/2020" not in flat
    assert "Vườn quốc gia Ba Bể" in flat
