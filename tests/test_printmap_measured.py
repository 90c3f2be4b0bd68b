"""Print maps measured as a reader would measure them: the scale bar with a ruler on the rendered
PNG against the known width of a province drawn on it, and the Vietnamese text read back from the
PDF with pdftotext (poppler)."""

from __future__ import annotations

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


def test_scale_bar_matches_the_map_measured_on_the_png(box_catalog, tmp_path):
    from PIL import Image

    out = print_map("overview", tmp_path / "o.png", catalog=box_catalog, orientation="portrait", dpi=100)
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
    # the map spans about 39 km east–west (36 km of province plus margins): a quarter is ~10 km,
    # and the bar takes the nice length below it, 5 km, labelled "0 … 2,5 … 5 km"
    assert bar_m == pytest.approx(5_000, rel=0.03), bar_m


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
