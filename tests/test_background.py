"""The helper process (gisplan._background): a job gives what the call gives in this process, with
the same warnings and log records; any failure on the helper's side leaves the work to this
process; a run of the indicators that reads a layer and routes the DEM's flow ahead in a helper
gives the same tables and messages as one without."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import pytest

from gisplan import _background, store
from gisplan.catalog import load_catalog
from gisplan.store import read_entry


def _messages(caught) -> list[tuple[str, str]]:
    return sorted((w.category.__name__, str(w.message)) for w in caught)


def test_a_job_gives_the_call_s_result_warnings_and_log_records(demo_small, helper_on, caplog):
    cat = load_catalog(demo_small)
    name = "forest_status_2020"  # FRMS field set, TCVN3 text without a .cpg: decoded, with messages
    with warnings.catch_warnings(record=True) as here_w, caplog.at_level(logging.DEBUG, logger="gisplan"):
        warnings.simplefilter("always")
        here = read_entry(cat, name, False)
    here_logs = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    caplog.clear()
    helper = _background.start()
    assert helper is not None
    try:
        job = helper.submit(read_entry, cat, name, False)
        with warnings.catch_warnings(record=True) as there_w, caplog.at_level(logging.DEBUG, logger="gisplan"):
            warnings.simplefilter("always")
            there = job.result()
            assert job.result() is there  # taken once
    finally:
        helper.close()
    there_logs = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert here_w and _messages(there_w) == _messages(here_w)
    assert {w.filename for w in there_w} == {w.filename for w in here_w}
    assert here_logs and there_logs == here_logs
    pd.testing.assert_frame_equal(pd.DataFrame(there.drop(columns="geometry")),
                                  pd.DataFrame(here.drop(columns="geometry")))
    assert there.crs == here.crs and bool(np.all(there.geometry.values == here.geometry.values))
    assert there.attrs == here.attrs and there.attrs["gisplan"]["entry"] == name


def test_a_job_failing_in_the_helper_is_run_here_and_raises_as_here(demo_small, helper_on, tmp_path):
    from gisplan.catalog import Catalog

    broken = tmp_path / "lo.shp"
    broken.write_bytes(b"not a shapefile")
    text = f'[layers.lo]\ntype = "forest_status"\npath = "{broken.as_posix()}"\nyear = 2024\n'
    (tmp_path / "c.toml").write_text(text, encoding="utf-8")
    cat = load_catalog(tmp_path / "c.toml")
    assert isinstance(cat, Catalog)
    with pytest.raises(Exception) as here:
        read_entry(cat, "lo", False)
    helper = _background.start()
    try:
        job = helper.submit(read_entry, cat, "lo", False)
        assert helper.take(job._number) is None  # the helper reports the failure, gives nothing
        job = helper.submit(read_entry, cat, "lo", False)
        with pytest.raises(type(here.value)) as there:
            job.result()
    finally:
        helper.close()
    assert str(there.value) == str(here.value) and "lo.shp" in str(there.value)


def test_a_dead_helper_leaves_the_work_here(helper_on):
    helper = _background.start()
    helper._proc.kill()
    helper._proc.wait()
    job = helper.submit(np.arange, 4)
    assert job.result().tolist() == [0, 1, 2, 3]
    helper.close()


def test_no_helper_when_turned_off_or_on_one_core(monkeypatch):
    monkeypatch.setenv(_background.ENV, "0")
    assert _background.start() is None
    monkeypatch.setenv(_background.ENV, "1")
    monkeypatch.setattr(_background, "cores", lambda: 1)
    assert _background.start() is None


def test_indicators_with_work_ahead_equal_those_without(demo_small, helper_jobs, monkeypatch):
    """The earlier forest-status year read and the DEM's flow routed in the helper (every layer
    counts as large here): the same tables, skips and warnings as a run without the helper."""
    from gisplan.indicators.run import run_indicators

    sent = helper_jobs
    monkeypatch.setattr(store, "AHEAD_MIN_BYTES", 0)
    cat = load_catalog(demo_small)
    with warnings.catch_warnings(record=True) as ahead_w:
        warnings.simplefilter("always")
        ahead = run_indicators(cat)
    assert sent == ["read_entry", "dem_flow"]
    monkeypatch.setenv(_background.ENV, "0")
    with warnings.catch_warnings(record=True) as plain_w:
        warnings.simplefilter("always")
        plain = run_indicators(cat)
    assert sent == ["read_entry", "dem_flow"]  # nothing sent without the helper
    assert list(ahead.tables) == list(plain.tables) and ahead.skipped == plain.skipped
    for name, table in plain.tables.items():
        pd.testing.assert_frame_equal(ahead.tables[name], table, obj=name)
    assert _messages(ahead_w) == _messages(plain_w)
    assert ahead.meta["layer_quality"] == plain.meta["layer_quality"]


def test_what_a_job_prints_does_not_mix_with_the_replies(helper_on):
    import os

    helper = _background.start()
    try:
        printed = helper.submit(os.write, 1, b"\x00\x01 written straight to file descriptor 1")
        also = helper.submit(print, "printed by Python")
        after = helper.submit(np.arange, 3)
        assert helper.take(printed._number) is not None  # the job ran there, its reply intact
        assert also.result() is None and after.result().tolist() == [0, 1, 2]
    finally:
        helper.close()


def test_a_site_with_work_ahead_equals_one_without(demo_small, helper_jobs, monkeypatch, tmp_path):
    """publish: the parcels' web encoding runs in the helper beside the indicators (every layer and
    parcel count is large enough here); the same pages and parcel data as without the helper."""
    import re

    from gisplan.maps import site
    from gisplan.pipeline import Plan

    sent = helper_jobs
    monkeypatch.setattr(store, "AHEAD_MIN_BYTES", 0)
    monkeypatch.setattr(site, "AHEAD_MIN_PARCELS", 0)
    Plan(demo_small).publish(tmp_path / "ahead")
    assert sent == ["read_entry", "dem_flow", "encode_parcels"]
    monkeypatch.setenv(_background.ENV, "0")
    Plan(demo_small).publish(tmp_path / "plain")
    files = sorted(p.relative_to(tmp_path / "plain") for p in (tmp_path / "plain").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "ahead") for p in (tmp_path / "ahead").rglob("*") if p.is_file())
    assert any(str(f).startswith("assets/data") for f in files)

    def text(p):  # folium names each map's elements at random
        return re.sub(r"_[0-9a-f]{32}", "_ID", p.read_text(encoding="utf-8", errors="replace"))

    for f in files:
        if f.name != ".gisplan-manifest.json":
            assert text(tmp_path / "ahead" / f) == text(tmp_path / "plain" / f), f
