"""A copy of a catalog with its own ``types.toml`` in which the forest-status classes are
relabelled and recoloured, for the tests of the parcels layer and the vector tiles.

The new labels and colours are written here by hand; none of them is in the packaged
``layers/types.toml``, so a page that shows them took them from the catalog.
"""

from __future__ import annotations

from pathlib import Path

#: origin code → (new Vietnamese label, new English label)
ORIGIN = {"natural": ("Rừng tự nhiên (bản riêng)", "Natural forest (own)"),
          "plantation": ("Rừng trồng (bản riêng)", "Plantation (own)")}
#: new colours: natural forest and parcels not yet forest
NATURAL_COLOR, NOT_FOREST_COLOR = "#2b1d7e", "#e7298a"
#: the packaged labels and colours these replace
PACKAGED = ("Rừng tự nhiên", "Rừng trồng", "#1a9850", "#fee08b")
#: forest_type code → new Vietnamese label (one code is enough to follow the popup's table)
FOREST_TYPE = {"evergreen_broadleaf": "Rừng lá rộng thường xanh (bản riêng)"}


def page_meta(page: str) -> dict:
    """The parcels layer's description ``D`` (labels, colours, texts) as a web page holds it."""
    import json
    import re

    return json.loads(re.search(r"var D = (\{.*?\});\n", page).group(1))


def load(catalog_path: str | Path, folder: Path):
    """:func:`forest_types_catalog` loaded as a :class:`gisplan.catalog.Catalog`."""
    from gisplan.catalog import load_catalog

    return load_catalog(forest_types_catalog(catalog_path, folder))


def forest_types_catalog(catalog_path: str | Path, folder: Path) -> Path:
    """Write into ``folder`` a copy of the catalog file ``catalog_path`` that names its own
    ``types.toml`` (the packaged one with the forest-status classes relabelled and recoloured);
    returns the new catalog file."""
    from gisplan.catalog import LAYERS_DIR

    text = (LAYERS_DIR / "types.toml").read_text(encoding="utf-8")
    swaps = [('labels_vi = ["Rừng tự nhiên", "Rừng trồng"]',
              f'labels_vi = ["{ORIGIN["natural"][0]}", "{ORIGIN["plantation"][0]}"]'),
             ('labels_en = ["Natural forest", "Plantation"]',
              f'labels_en = ["{ORIGIN["natural"][1]}", "{ORIGIN["plantation"][1]}"]'),
             ('colors = { natural = "#1a9850", plantation = "#a6d96a" }',
              f'colors = {{ natural = "{NATURAL_COLOR}", plantation = "#a6d96a" }}'),
             ('not_forest_color = "#fee08b"', f'not_forest_color = "{NOT_FOREST_COLOR}"'),
             ('labels_vi = ["Rừng gỗ lá rộng thường xanh", ',
              f'labels_vi = ["{FOREST_TYPE["evergreen_broadleaf"]}", ')]
    for old, new in swaps:
        assert text.count(old) == 1, old  # the packaged file still reads as these tests expect
        text = text.replace(old, new)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "types.toml").write_text(text, encoding="utf-8")
    cat = Path(catalog_path).read_text(encoding="utf-8")
    assert cat.count("[catalog]\n") == 1
    (folder / "catalog.toml").write_text(cat.replace("[catalog]\n", '[catalog]\ntypes = "types.toml"\n', 1),
                                         encoding="utf-8")
    return folder / "catalog.toml"
