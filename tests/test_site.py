"""The published site's files (the browser tests open them in Chromium)."""

import pytest

from gisplan.catalog import load_catalog
from gisplan.errors import GisplanWarning, OutputExistsError
from gisplan.maps.site import publish_site


def test_site_files_offline_assets_and_size_warning(demo_small, tmp_path):
    catalog = load_catalog(demo_small)
    with pytest.warns(GisplanWarning, match=r"forest_cover.html weighs .* largest layer: forest_status"):
        index = publish_site(catalog, tmp_path / "site", themes=["forest_cover", "rivers"], page_limit_mb=0.2)
    site = index.parent
    names = {p.name for p in site.iterdir()}
    assert {"index.html", "metadata.html", "forest_cover.html", "rivers.html", "assets"} <= names
    assert (site / "assets" / "vendor" / "leaflet-1.9.3" / "leaflet.js").exists()
    assert (site / "assets" / "data" / "forest_status.js").read_text(encoding="utf-8").startswith("window.gisplanParcels=")
    page = (site / "rivers.html").read_text(encoding="utf-8")
    assert "assets/vendor/leaflet-1.9.3/leaflet.js" in page and "cdn.jsdelivr" not in page
    meta = (site / "metadata.html").read_text(encoding="utf-8")
    assert "EPSG:9213" in meta and "Dữ liệu mô phỏng" in meta
    with pytest.raises(OutputExistsError):
        publish_site(catalog, site, themes=["rivers"], overwrite=False)
    cdn = publish_site(catalog, tmp_path / "cdn", themes=["rivers"], cdn=True).parent
    assert "cdn.jsdelivr.net/npm/leaflet@1.9.3" in (cdn / "rivers.html").read_text(encoding="utf-8")
    assert not (cdn / "assets" / "vendor").exists()
