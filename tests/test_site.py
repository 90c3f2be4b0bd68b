"""The published site's files (the browser tests open them in Chromium)."""

import pytest

from gisplan.catalog import load_catalog
from gisplan.errors import GisplanWarning, OutputExistsError
from gisplan.pipeline import publish_site


def test_site_files_offline_assets_and_size_warning(demo_small, tmp_path):
    catalog = load_catalog(demo_small)
    with pytest.warns(GisplanWarning, match=r"forest_cover.html weighs .* largest layer"):
        index = publish_site(catalog, tmp_path / "site", themes=["forest_cover", "rivers"], page_limit_mb=0.05)
    site = index.parent
    names = {p.name for p in site.iterdir()}
    assert {"index.html", "metadata.html", "forest_cover.html", "rivers.html", "assets"} <= names
    assert (site / "assets" / "vendor" / "leaflet-1.9.3" / "leaflet.js").exists()
    cells = sorted((site / "assets" / "data" / "forest_status").glob("*.js"))  # one script per cell
    assert cells and all(c.read_text(encoding="utf-8").startswith("gisplanParcelCell(") for c in cells)
    page = (site / "rivers.html").read_text(encoding="utf-8")
    assert "assets/vendor/leaflet-1.9.3/leaflet.js" in page and "cdn.jsdelivr" not in page
    meta = (site / "metadata.html").read_text(encoding="utf-8")
    assert "EPSG:9213" in meta and "Dữ liệu mô phỏng" in meta
    with pytest.raises(OutputExistsError):
        publish_site(catalog, site, themes=["rivers"], overwrite=False)
    cdn = publish_site(catalog, tmp_path / "cdn", themes=["rivers"], cdn=True).parent
    assert "cdn.jsdelivr.net/npm/leaflet@1.9.3" in (cdn / "rivers.html").read_text(encoding="utf-8")
    assert not (cdn / "assets" / "vendor").exists()


def test_index_tracker_shows_current_target_gap_and_status(demo_small, tmp_path):
    import re

    from gisplan.indicators.run import run_indicators

    catalog = load_catalog(demo_small)
    results = run_indicators(catalog)
    index = publish_site(catalog, tmp_path / "site", themes=["rivers"], results=results)
    page = index.read_text(encoding="utf-8")
    assert "<th>Còn thiếu</th>" in page and "<th>Xu hướng so với mục tiêu</th>" in page
    t = results.tables["targets"].set_index("target_id")

    def cells(target_id):
        row = re.search(rf"<tr data-target='{target_id}'>.*?</tr>", page).group(0)
        return [re.sub(r"<details>.*?</details>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]

    def vi(x):  # Vietnamese number format, one decimal, no thousands in these shares
        return f"{x:.1f}".replace(".", ",").replace("-", "")

    # 100 % of operating zones with a compliant plant: gap = 100 − current, shown with one decimal
    cur = t.loc["industrial_wastewater", "current"]
    c = cells("industrial_wastewater")
    assert c[0] == "II.2.c; IV.3; IV.4" and c[1].startswith("Tích cực rà soát")
    assert [c[2], c[5], c[6]] == [f"{vi(cur)} %", "≥ 100,0 % (2030)", f"{vi(100 - cur)} %"]
    # counts are whole numbers with their unit; the demo's mines do not record exhausted reserves,
    # so the mines to close are at least this many
    n = int(t.loc["expired_mines_closed", "current"])
    c = cells("expired_mines_closed")
    assert [c[2], c[5], c[6], c[7]] == [f"≥ {n} mỏ", "≤ 0 mỏ (2030)", f"{n} mỏ", "Chưa đạt"]
    # two forest-status years: the earlier value, the trend and where the pace leads by 2030
    f = t.loc["forest_cover"]
    c = cells("forest_cover")
    assert c[2] == f"{vi(f['current'])} % (2024)" and c[3] == f"{vi(f['earlier'])} % (2020)"
    word = {"improving": "Tiến tới mục tiêu", "worsening": "Xa mục tiêu hơn"}[f["trend"]]
    assert c[4].startswith(f"{word} (") and "điểm %" in c[4] and f"năm 2030: {vi(f['projected'])} %" in c[4]
    # a deliverable says done or not; a row without data says which layer would measure it
    assert cells("air_quality_plan")[5] == "hoàn thành (2026)"
    assert "water_bodies" in re.search(r"<tr data-target='polluted_ponds_canals'>.*?</tr>", page).group(0)


def test_cli_publish_never_replaces_a_site_without_overwrite(demo_small, tmp_path):
    from click.testing import CliRunner

    from gisplan.cli.main import cli

    args = ["publish", "--out", str(tmp_path / "site"), "--catalog", str(demo_small)]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2 and "--overwrite" in again.output
    assert CliRunner().invoke(cli, [*args, "--overwrite"]).exit_code == 0


def test_publish_reads_each_layer_once(demo_small, tmp_path, monkeypatch):
    """One layer store for the indicators and every map: each catalog layer is read once."""
    from collections import Counter

    import gisplan.store

    reads = Counter()
    real = gisplan.store.read_catalog_layer

    def counting(catalog, name, *args, **kwargs):
        reads[name] += 1
        return real(catalog, name, *args, **kwargs)

    monkeypatch.setattr(gisplan.store, "read_catalog_layer", counting)
    publish_site(load_catalog(demo_small), tmp_path / "site")
    assert reads["communes"] >= 1 and reads["forest_status_2024"] >= 1 and reads["river_sections"] >= 1
    assert max(reads.values()) == 1, reads
