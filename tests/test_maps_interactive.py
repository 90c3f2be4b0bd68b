"""Map HTML: layers, legends with Vietnamese labels, popups, the synthetic note, no CDN links."""

import re

import pytest
from geopandas.testing import assert_geodataframe_equal

from gisplan.catalog import SYNTHETIC_NOTE, load_catalog
from gisplan.errors import GisplanError
from gisplan.io import read_catalog_layer
from gisplan.maps.interactive import THEMES, make_map
from gisplan.maps.site import CDN_MAP, localize
from gisplan.maps.style import categories, classify


@pytest.fixture(scope="module")
def catalog(demo_small):
    return load_catalog(demo_small)


@pytest.mark.parametrize("theme", list(THEMES))
def test_every_theme_renders_with_legend_and_note(catalog, theme):
    page = make_map(theme, catalog=catalog).get_root().render()
    assert "data-gisplan-legend" in page
    assert SYNTHETIC_NOTE in page
    assert THEMES[theme][0] in page
    local = localize(page)
    assert not re.findall(r'(?:src|href)="https?://[^"]+\.(?:js|css)"', local)
    for rel in CDN_MAP.values():
        if f"assets/vendor/{rel}" in local:
            break
    else:
        raise AssertionError("no vendored script linked")


def test_mines_legend_and_popup_labels(catalog):
    page = make_map("mines", catalog=catalog).get_root().render()
    for cat in categories("mines"):
        if cat.code in set(read_catalog_layer(catalog, "mines")["licence_status"]):
            assert cat.label in page and cat.color in page
    assert "Tình trạng giấy phép" in page  # popup alias from types.toml
    en = make_map("mines", catalog=catalog, lang="en").get_root().render()
    assert "Licence status" in en and "Expired" in en


def test_forest_cover_choropleth_classes(catalog):
    m = make_map("forest_cover", catalog=catalog)
    page = m.get_root().render()
    assert "Tỷ lệ che phủ rừng (%)" in page and "Lô rừng" in page
    assert "window.gisplanParcels=" in page  # inline parcels
    classes = classify([10.0, 20.0, 35.0, 60.0, 80.0, 90.0], k=3)
    assert classes.edges[0] <= 10 and classes.edges[-1] >= 90
    assert list(classes.color_of([10, 90])) == [classes.colors[0], classes.colors[-1]]


def test_callers_data_unchanged(catalog):
    communes = read_catalog_layer(catalog, "communes")
    before = communes.copy()
    make_map("forest_cover", layers={"communes": communes, "forest_status": read_catalog_layer(catalog, "forest_status_2024"),
                                     "province": read_catalog_layer(catalog, "province")}, parcels_data=None)
    assert communes.crs.to_epsg() == 9213
    assert_geodataframe_equal(communes, before)


def test_unknown_theme_and_missing_layers(catalog):
    with pytest.raises(GisplanError, match="unknown theme"):
        make_map("forests", catalog=catalog)
    with pytest.raises(GisplanError, match="needs"):
        make_map("rivers", layers={"province": read_catalog_layer(catalog, "province")})


def test_localize_refuses_unvendored_scripts():
    with pytest.raises(GisplanError, match="not vendored"):
        localize('<script src="https://example.org/x.js"></script>')


@pytest.mark.parametrize("theme,type_id,column", [("rivers", "river_sections", "qcvn_class"),
                                                  ("mines", "mines", "licence_status"),
                                                  ("industry", "industrial_zones", "wwtp_status")])
def test_features_get_their_category_colour(catalog, theme, type_id, column):
    import json

    m = make_map(theme, catalog=catalog)
    gdf = read_catalog_layer(catalog, [e.name for e in catalog.of_type(type_id)][-1])
    colours = {c.code: c.color for c in categories(type_id, column)}
    layer = next(c for c in m._children.values() if getattr(c, "data", None) and
                 any(f["properties"].get("_layer") == type_id for f in c.data["features"]))
    seen = {}
    for f in layer.data["features"]:
        style = layer.style_function(f)
        seen[f["properties"][column]] = style.get("color") if theme == "rivers" else style.get("fillColor")
    assert seen == {code: colours[code] for code in set(gdf[column])}
    json.dumps(seen)
