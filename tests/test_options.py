"""The indicator options: one set of defaults (the plan's and the law's figures), checked once,
carried by the results and read back by the maps and the CLI."""

import dataclasses
import datetime as dt
import inspect

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from gisplan.errors import OptionError
from gisplan.indicators.options import DEFAULTS, FOREST, ForestDefinition, IndicatorOptions

CRS = 9213

# the figures the defaults must hold, written out here (not read from the code)
EXPECTED = {"reference_date": None, "buffer_m": 1000.0, "river_buffer_m": 2000.0, "river_reach_km": 10.0,
            "air_distance_m": 0.0, "riverbed_distance_m": 500.0, "new_since": 2025, "official_area": False}


def test_the_defaults_are_the_plans_and_the_laws_figures():
    for name, value in EXPECTED.items():
        assert getattr(DEFAULTS, name) == value, name
    # Law on Forestry 16/2017/QH14 Art. 2.3: canopy closure ≥ 0.1 on ≥ 0.3 ha
    assert (DEFAULTS.threshold, DEFAULTS.mmu_ha) == (10.0, 0.3)
    assert DEFAULTS.forest is FOREST


def _default(fn, param):
    return inspect.signature(fn).parameters[param].default


def test_every_indicator_function_defaults_to_the_same_options():
    from gisplan.indicators import air, canopy, industry, protected, rivers

    pairs = [((protected.conflicts, "buffer_m"), "buffer_m"),
             ((protected.riverbed_mines, "max_distance_m"), "riverbed_distance_m"),
             ((rivers.pressures_upstream, "buffer_m"), "river_buffer_m"),
             ((rivers.pressures_upstream, "reach_km"), "river_reach_km"),
             ((air.air_monitoring_coverage, "distance_m"), "air_distance_m"),
             ((industry.zones_without_compliant_plant, "new_since"), "new_since"),
             ((industry.new_zones_compliant_pct, "new_since"), "new_since"),
             ((canopy.forest_cover, "threshold"), "threshold"),
             ((canopy.forest_cover, "mmu_ha"), "mmu_ha")]
    for (fn, param), name in pairs:
        assert _default(fn, param) == EXPECTED.get(name, getattr(DEFAULTS, name)), (fn.__name__, param)


@pytest.mark.parametrize("kwargs, named", [
    ({"buffer_m": -1}, "buffer_m"), ({"river_buffer_m": -0.5}, "river_buffer_m"),
    ({"river_reach_km": float("nan")}, "river_reach_km"), ({"air_distance_m": float("inf")}, "air_distance_m"),
    ({"riverbed_distance_m": "500"}, "riverbed_distance_m"), ({"new_since": 2025.5}, "new_since"),
    ({"reference_date": "2025-12-31"}, "reference_date"), ({"official_area": "yes"}, "official_area")])
def test_an_option_out_of_range_is_refused_by_name(kwargs, named):
    with pytest.raises(OptionError, match=named):
        IndicatorOptions(**kwargs)


@pytest.mark.parametrize("kwargs, named", [({"threshold": 150}, "threshold"), ({"threshold": -1}, "threshold"),
                                           ({"mmu_ha": -0.1}, "mmu_ha"), ({"bufer_m": 10}, "bufer_m")])
def test_build_checks_the_forest_definition_and_unknown_names(kwargs, named):
    with pytest.raises(OptionError, match=named):
        IndicatorOptions.build(**kwargs)


def test_build_replaces_only_what_is_given():
    base = IndicatorOptions(buffer_m=300.0, forest=ForestDefinition(20.0, 1.0))
    opts = IndicatorOptions.build(base, buffer_m=None, river_buffer_m=50.0, mmu_ha=0.5)
    assert (opts.buffer_m, opts.river_buffer_m, opts.threshold, opts.mmu_ha) == (300.0, 50.0, 20.0, 0.5)
    assert IndicatorOptions.build() is DEFAULTS
    # the options as recorded in meta["options"] come back as the same options
    assert IndicatorOptions.from_meta({"options": {**opts.as_meta(), "strict": True}}) == opts


def test_zero_distances_and_the_limits_of_the_threshold_are_allowed():
    opts = IndicatorOptions(buffer_m=0, river_reach_km=0, forest=ForestDefinition(100, 0))
    assert opts.buffer_m == 0 and opts.threshold == 100 and opts.mmu_ha == 0


# a protected area 1 km × 1 km and a mine 1.5 km east of it: a conflict only within ≥ 1.5 km
PA = gpd.GeoDataFrame({"feature_id": ["P"], "pa_id": ["P"], "name": ["Khu P"], "category": ["nature_reserve"],
                       "level": ["national"], "zone": ["whole"]},
                      geometry=[shapely.box(0, 0, 1000, 1000)], crs=CRS)
MINES = gpd.GeoDataFrame({"mine_id": ["M1"], "name": ["Mỏ đá"], "licence_status": ["valid"], "operating": [True],
                          "riverbed": [False], "mineral": ["Đá"]},
                         geometry=[shapely.Point(2500, 500)], crs=CRS)


def _run(**kwargs):
    from gisplan.indicators.run import run_indicators
    from gisplan.store import LayerStore

    store = LayerStore(None, layers={"protected_areas": PA, "mines": MINES})
    return run_indicators(store=store, target_values={}, **kwargs)


def test_the_results_carry_the_options_they_were_computed_with():
    res = _run()
    assert res["conflicts"].empty  # 1.5 km away, 1 km buffer
    assert res.options.buffer_m == 1000.0
    # the reference date resolved: the catalog's (a store without a catalog: today)
    assert res.options.reference_date == dt.date.fromisoformat(res.meta["reference_date"])
    assert res.meta["options"]["buffer_m"] == 1000.0 and res.meta["options"]["strict"] is False

    wide = _run(options=IndicatorOptions(buffer_m=1200.0), buffer_m=2000.0)  # a keyword wins over options
    assert wide.options.buffer_m == 2000.0 and wide.meta["options"]["buffer_m"] == 2000.0
    t = wide["conflicts"]
    assert list(t["site_id"]) == ["M1"] and t["distance_m"].iloc[0] == pytest.approx(1500.0)
    assert t["relation"].iloc[0] == "within_distance"


def test_run_indicators_checks_the_options_before_reading_any_layer():
    with pytest.raises(OptionError, match="threshold"):
        _run(threshold=150)
    with pytest.raises(OptionError, match="buffer_m"):
        _run(options=dataclasses.replace(DEFAULTS), buffer_m=-5)


def test_the_maps_read_the_options_of_the_results():
    from gisplan.indicators.run import IndicatorResults
    from gisplan.maps.themes import option

    assert option(None, "buffer_m") == 1000.0
    assert option(IndicatorResults(options=IndicatorOptions(air_distance_m=300.0)), "air_distance_m") == 300.0
    # results put together by hand or read back: meta["options"]
    assert option(IndicatorResults(meta={"options": {"buffer_m": 2500}}), "buffer_m") == 2500.0


def test_the_cli_takes_its_defaults_and_help_from_the_options(tmp_path):
    from gisplan.cli.main import cli

    out = CliRunner().invoke(cli, ["indicators", "--help"], terminal_width=200)
    assert out.exit_code == 0
    text = " ".join(out.output.split())
    for flag, default in (("--buffer-m", "1000.0"), ("--river-buffer-m", "2000.0"), ("--river-reach-km", "10.0"),
                          ("--air-distance-m", "0.0"), ("--riverbed-distance-m", "500.0"), ("--new-since", "2025"),
                          ("--threshold", "10.0"), ("--mmu-ha", "0.3")):
        assert flag in text
        after = text[text.index(flag):]
        assert f"[default: {default}]" in after[:400], flag
    bad = CliRunner().invoke(cli, ["indicators", "--out", str(tmp_path / "r"), "--buffer-m", "-10"])
    assert bad.exit_code == 2 and "buffer_m" in bad.output and "Traceback" not in bad.output
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())


def test_purposes_and_origins_are_those_of_the_layer_types():
    from gisplan.catalog import load_layer_types
    from gisplan.indicators import canopy_change, change, forest, forest_definition

    attrs = load_layer_types()["forest_status"].attributes
    assert forest_definition.PURPOSES == tuple(attrs["purpose"].allowed)
    assert forest_definition.ORIGINS == tuple(attrs["origin"].allowed)
    # the three types of forest are the purposes but land outside the three types
    assert forest_definition.FOREST_TYPES == ("special_use", "protection", "production")
    for module in (forest, change):
        assert module.PURPOSES is forest_definition.PURPOSES and module.ORIGINS is forest_definition.ORIGINS
    assert canopy_change.FOREST_TYPES is forest_definition.FOREST_TYPES


def test_the_conflict_sites_are_listed_once_with_the_id_columns_of_the_layer_types():
    from gisplan.catalog import load_layer_types
    from gisplan.vocabulary import CONFLICT_SITE_TYPES, CONFLICT_SITES

    assert CONFLICT_SITES == {"mine": "mines", "industrial_zone": "industrial_zones"}
    types = load_layer_types()
    for site in CONFLICT_SITE_TYPES:
        assert site.id_column == types[site.layer_type].id_column
    assert [s.id_column for s in CONFLICT_SITE_TYPES] == ["mine_id", "zone_id"]
