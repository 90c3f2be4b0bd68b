import pytest

from gisplan.catalog import LAYER_TYPE_IDS, SYNTHETIC_NOTE, load_catalog, load_layer_types
from gisplan.errors import CatalogError, LayerNotFoundError, UnknownLayerTypeError


def test_every_layer_type_is_defined():
    types = load_layer_types()
    assert set(types) == set(LAYER_TYPE_IDS)
    for t in types.values():
        assert t.title_vi and t.title_en
        if t.kind == "vector":
            assert t.geometry, t.id
            assert t.id_column in t.attributes, t.id


def test_labels_and_colors_are_paired():
    for t in load_layer_types().values():
        for a in t.attributes.values():
            if a.allowed:
                assert a.labels_vi and len(a.labels_vi) == len(a.allowed), (t.id, a.name)
                assert a.labels_en and len(a.labels_en) == len(a.allowed), (t.id, a.name)
        column = t.style.get("column")
        if column:
            assert set(t.style["colors"]) == set(t.attributes[column].allowed), t.id


def test_label_lookup_keeps_diacritics():
    t = load_layer_types()["protected_areas"]
    assert t.label("category", "national_park") == "Vườn quốc gia"
    assert t.label("category", "national_park", "en") == "National park"
    assert t.label("category", "unknown") == "unknown"


def test_demo_catalog_lists_every_type():
    cat = load_catalog()
    assert cat.synthetic
    assert {e.type for e in cat} == set(LAYER_TYPE_IDS)
    assert [e.year for e in cat.of_type("tree_cover")] == [2020, 2024]
    assert SYNTHETIC_NOTE.startswith("Dữ liệu mô phỏng")


def test_catalog_errors_name_the_problem(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text('[layers.x]\ntype = "forests"\npath = "a.gpkg"\n', encoding="utf-8")
    with pytest.raises(CatalogError, match=r"\[layers.x\].*unknown type 'forests'"):
        load_catalog(bad)
    with pytest.raises(LayerNotFoundError, match="does not exist"):
        load_catalog(tmp_path / "missing.toml")
    good = tmp_path / "ok.toml"
    good.write_text('[layers.xa]\ntype = "communes"\npath = "a.gpkg"\n', encoding="utf-8")
    cat = load_catalog(good)
    assert cat.entry("xa").path == tmp_path / "a.gpkg"
    with pytest.raises(LayerNotFoundError, match="has no layer 'forest'"):
        cat.entry("forest")
    with pytest.raises(UnknownLayerTypeError, match="unknown layer type 'rivers'"):
        cat.layer_type("rivers")


def test_every_layer_type_states_its_source_licence_and_date():
    from gisplan.catalog import LAYER_TYPE_IDS, load_layer_types

    types = load_layer_types()
    for tid in LAYER_TYPE_IDS:
        t = types[tid]
        assert t.source and t.licence and t.date, tid
