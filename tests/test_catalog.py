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


# ---------------------------------------------------------------------------------------------
# mistakes in catalog files: CatalogError naming the entry and the key
def _catalog(tmp_path, text):
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    return path


ENTRY = '[layers.xa]\ntype = "communes"\npath = "xa.gpkg"\n'


@pytest.mark.parametrize(("text", "pattern"), [
    (ENTRY + 'encodng = "tcvn3"\n', r"\[layers.xa\]: unknown key 'encodng' \(did you mean 'encoding'\?\)"),
    (ENTRY + 'colums = { MA = "code" }\n', r"\[layers.xa\]: unknown key 'colums' \(did you mean 'columns'\?\)"),
    ('[catalog]\ntitel = "x"\n' + ENTRY, r"\[catalog\]: unknown key 'titel' \(did you mean 'title'\?\)"),
    ('[catalog]\nstudyarea = "xa"\n' + ENTRY, r"\[catalog\]: unknown key 'studyarea' \(did you mean 'study_area'\?\)"),
    ('[layer.xa]\ntype = "communes"\npath = "xa.gpkg"\n', r"unknown section 'layer' \(did you mean 'layers'\?\)"),
    (ENTRY + 'year = "2024"\n', r"\[layers.xa\]: key 'year' must be a whole number.*'2024'"),
    (ENTRY + 'year = 2024.5\n', r"\[layers.xa\]: key 'year' must be a whole number"),
    (ENTRY + 'columns = "MA_XA"\n', r"\[layers.xa\]: key 'columns' must be a table"),
    (ENTRY + 'columns = { MA_XA = 1 }\n', r"\[layers.xa\]: key 'columns': 'MA_XA' must map to a column name"),
    (ENTRY + 'defaults = "x"\n', r"\[layers.xa\]: key 'defaults' must be a table"),
    ('[catalog]\nreference_date = "31/12/2025"\n' + ENTRY, r"\[catalog\]: key 'reference_date' must be a date"),
    ('[catalog]\nreference_date = 2025\n' + ENTRY, r"\[catalog\]: key 'reference_date' must be a date"),
    (ENTRY + 'encoding = "tcvn9"\n', r"\[layers.xa\]: key 'encoding': unknown text encoding 'tcvn9'"),
    (ENTRY + 'crs = "EPSG:99999999"\n', r"\[layers.xa\]: key 'crs': 'EPSG:99999999' is not a CRS"),
    (ENTRY + 'crs = 9213\n', r"\[layers.xa\]: key 'crs' must be text"),
    ('[layers.xa]\npath = "xa.gpkg"\n', r"\[layers.xa\]: key 'type' is missing.*communes"),
    ('[layers.xa]\ntype = "commune"\npath = "xa.gpkg"\n', r"key 'type': unknown type 'commune' \(did you mean 'communes'\?\)"),
    ('[layers.xa]\ntype = "communes"\n', r"\[layers.xa\]: key 'path' is missing"),
    (ENTRY + 'where = ""\n', r"\[layers.xa\]: key 'where' is empty"),
    (ENTRY + 'where = 3\n', r"\[layers.xa\]: key 'where' must be text"),
    ('[layers.tc]\ntype = "tree_cover"\npath = "tc.tif"\nwhere = "a = 1"\n', r"\[layers.tc\]: key 'where'.*raster"),
    ('[catalog]\nstudy_area = 1\n' + ENTRY, r"\[catalog\]: key 'study_area' must be text"),
    ('[catalog]\nsynthetic = "no"\n' + ENTRY, r"\[catalog\]: key 'synthetic' must be true or false"),
    ('[layers]\nxa = "xa.gpkg"\n', r"\[layers.xa\] must be a table"),
])
def test_catalog_mistakes_name_the_entry_and_the_key(tmp_path, text, pattern):
    with pytest.raises(CatalogError, match=pattern):
        load_catalog(_catalog(tmp_path, text))


def test_catalog_values_are_normalised(tmp_path):
    cat = load_catalog(_catalog(tmp_path, '[catalog]\nreference_date = 2025-12-31\n' + ENTRY
                                + 'encoding = "TCVN3"\nyear = 2025\ndate = 2025-06-30\n'
                                  'where = "TEN_XA LIKE \'Kim H%\'"\ndefaults = { unit_type = "commune" }\n'))
    e = cat.entry("xa")
    assert (e.encoding, e.year, e.date, e.where) == ("tcvn3", 2025, "2025-06-30", "TEN_XA LIKE 'Kim H%'")
    assert e.options["defaults"] == {"unit_type": "commune"}
    assert cat.reference_date.isoformat() == "2025-12-31" and cat.study_area is None


def test_missing_paths_and_check_paths(tmp_path):
    (tmp_path / "xa.gpkg").write_bytes(b"")
    path = _catalog(tmp_path, ENTRY + '\n[layers.mines]\ntype = "mines"\npath = "data/mo.gpkg"\n\n'
                              '[layers.rivers]\ntype = "river_sections"\npath = "song.gpkg"\n')
    cat = load_catalog(path)  # the default does not check: other code reads what exists
    assert [e.name for e in cat.missing_paths()] == ["mines", "rivers"]
    with pytest.raises(CatalogError) as exc:
        load_catalog(path, check_paths=True)
    msg = str(exc.value)
    assert "[layers.mines] key 'path'" in msg and str(tmp_path / "data" / "mo.gpkg") in msg
    assert "also missing: rivers" in msg


def test_study_area_is_an_entry_name_or_a_resolved_path(tmp_path):
    by_name = load_catalog(_catalog(tmp_path, '[catalog]\nstudy_area = "xa"\n' + ENTRY))
    assert by_name.study_area == "xa"
    by_path = load_catalog(_catalog(tmp_path, '[catalog]\nbase = "data"\nstudy_area = "vung/ba_be.gpkg"\n' + ENTRY))
    assert by_path.study_area == str(tmp_path / "data" / "vung" / "ba_be.gpkg")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "xa.gpkg").write_bytes(b"")
    with pytest.raises(CatalogError, match=r"\[catalog\] key 'study_area'.*ba_be.gpkg does not exist"):
        by_path.check_paths()
    (tmp_path / "data" / "vung").mkdir()
    (tmp_path / "data" / "vung" / "ba_be.gpkg").write_bytes(b"")
    by_path.check_paths()
    with pytest.raises(CatalogError, match=r"'study_area': 'x' is not an entry of this catalog \(did you mean 'xa'\?\)"):
        load_catalog(_catalog(tmp_path, '[catalog]\nstudy_area = "x"\n' + ENTRY))
    with pytest.raises(CatalogError, match="study_area' is empty"):
        load_catalog(_catalog(tmp_path, '[catalog]\nstudy_area = " "\n' + ENTRY))


def test_example_and_real_catalogs_use_only_known_keys():
    from gisplan.catalog import LAYERS_DIR

    for name in ("catalog.example.toml", "real.toml", "demo.toml"):
        load_catalog(LAYERS_DIR / name)  # raises on an unknown key or a malformed value


def test_layer_types_are_read_once_and_again_when_the_file_changes(tmp_path):
    import os

    from gisplan.catalog import LAYERS_DIR

    assert load_layer_types()["mines"] is load_layer_types()["mines"]  # parsed once
    own = tmp_path / "types.toml"
    own.write_text((LAYERS_DIR / "types.toml").read_text(encoding="utf-8"), encoding="utf-8")
    first = load_layer_types(own)
    assert first["mines"].title_vi == "Mỏ khoáng sản"
    text = own.read_text(encoding="utf-8").replace('title_vi = "Mỏ khoáng sản"', 'title_vi = "Mỏ (sửa)"')
    own.write_text(text, encoding="utf-8")
    st = own.stat()
    os.utime(own, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # a later modification time
    assert load_layer_types(own)["mines"].title_vi == "Mỏ (sửa)"
    first["mines"] = None  # the dict returned is the caller's own
    assert load_layer_types(own)["mines"] is not None


def test_a_catalog_names_its_own_types_relative_to_its_file(tmp_path):
    from gisplan.catalog import LAYERS_DIR

    text = (LAYERS_DIR / "types.toml").read_text(encoding="utf-8")
    (tmp_path / "kieu").mkdir()
    (tmp_path / "kieu" / "types.toml").write_text(
        text.replace('title_vi = "Mỏ khoáng sản"', 'title_vi = "Điểm mỏ"'), encoding="utf-8")
    cat = load_catalog(_catalog(tmp_path, '[catalog]\ntypes = "kieu/types.toml"\n' + ENTRY))
    assert cat.types_path == tmp_path / "kieu" / "types.toml"
    assert cat.layer_type("mines").title_vi == "Điểm mỏ"
    assert load_catalog(_catalog(tmp_path, ENTRY)).layer_type("mines").title_vi == "Mỏ khoáng sản"
    with pytest.raises(CatalogError, match=r"\[catalog\] key 'types':.*khong_co.toml does not exist"):
        load_catalog(_catalog(tmp_path, '[catalog]\ntypes = "khong_co.toml"\n' + ENTRY))


def test_the_catalog_module_gives_the_layer_types_and_their_file():
    """gisplan.catalog is where the layer types and the shipped layers folder are found (they live
    in gisplan.layer_types and gisplan._toml): the types are those written in types.toml."""
    from gisplan.catalog import LAYER_TYPE_IDS, LAYERS_DIR, load_layer_types, read_toml

    types = load_layer_types()
    written = read_toml(LAYERS_DIR / "types.toml", "layer types file")
    assert set(LAYER_TYPE_IDS) == set(types) and "forest_status" in types
    assert types["mines"].title("en") == written["mines"]["title_en"]
    assert list(types["mines"].attributes["licence_status"].allowed) == \
        written["mines"]["attributes"]["licence_status"]["allowed"]
