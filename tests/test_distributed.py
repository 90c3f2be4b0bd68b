"""Windows of the zonal sums as dask.distributed tasks: the same sums as one process, to the last
digit; windows cut in rows and columns keep the minimum-area rule exact."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from gisplan import zonal
from gisplan.indicators import canopy

pytest.importorskip("distributed")

RES = 30.0
X0, Y0 = 500_000.0, 2_400_000.0


def _write(path, data, nodata=255):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype="uint8", crs="EPSG:9213", transform=from_origin(X0, Y0, RES, RES), nodata=nodata,
                       tiled=True, blockxsize=32, blockysize=32, compress="deflate") as ds:
        ds.write(data, 1)
    return str(path)


def _cell_box(r0, c0, r1, c1):
    """Polygon covering cells rows r0…r1-1, columns c0…c1-1 exactly."""
    return shapely.box(X0 + c0 * RES, Y0 - r1 * RES, X0 + c1 * RES, Y0 - r0 * RES)


@pytest.fixture(scope="module")
def client():
    from gisplan.distributed import close_client, get_client

    c = get_client("local", n_workers=2, processes=False)
    yield c
    close_client(c)


@pytest.fixture
def rasters(tmp_path):
    rng = np.random.default_rng(7)
    a = rng.integers(0, 101, (150, 170)).astype("uint8")
    b = np.where(rng.random(a.shape) < 0.1, 0, a).astype("uint8")
    a[:5, :] = 255  # nodata rows
    return _write(tmp_path / "a.tif", a), _write(tmp_path / "b.tif", b), a, b


def _zones():
    rng = np.random.default_rng(3)
    pts = shapely.points(rng.uniform(X0 + 100, X0 + 170 * RES - 100, 40),
                         rng.uniform(Y0 - 150 * RES + 100, Y0 - 100, 40))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts)))
    frame = shapely.box(X0 - 200, Y0 - 150 * RES - 200, X0 + 170 * RES + 200, Y0 + 200)  # beyond the raster
    geoms = shapely.intersection(cells, frame)
    return gpd.GeoDataFrame({"code": [f"z{i:02d}" for i in range(len(geoms))]}, geometry=geoms, crs=9213)


def test_forest_cover_on_a_cluster_equals_one_process(rasters, client):
    a_path, _, _, _ = rasters
    zones = _zones()
    one = canopy.forest_cover(a_path, zones, id_column="code", strip_rows=16, min_observed_pct=0)
    two = canopy.forest_cover(a_path, zones, id_column="code", strip_rows=16, client=client,
                              min_observed_pct=0)
    for col in ("area_ha", "observed_ha", "forest_ha", "forest_pct", "observed_pct"):
        np.testing.assert_array_equal(one[col].to_numpy(), two[col].to_numpy())


def test_forest_change_on_a_cluster_equals_one_process(rasters, client):
    a_path, b_path, _, _ = rasters
    zones = _zones()
    one = canopy.forest_change_raster(a_path, b_path, zones, id_column="code", strip_rows=20, min_observed_pct=0)
    two = canopy.forest_change_raster(a_path, b_path, zones, id_column="code", strip_rows=20, client=client,
                                     min_observed_pct=0)
    for col in ("observed_ha", "forest_before_ha", "forest_after_ha", "loss_ha", "gain_ha"):
        np.testing.assert_array_equal(one[col].to_numpy(), two[col].to_numpy())


def test_cluster_sums_match_pixel_counts(rasters, client):
    """Zones on whole cells, no minimum area: forest area = forest pixels counted by numpy."""
    a_path, _, a, _ = rasters
    boxes = [(10, 7, 60, 90), (40, 80, 149, 170), (0, 0, 150, 170)]
    zones = gpd.GeoDataFrame({"code": ["a", "b", "all"]}, geometry=[_cell_box(*b) for b in boxes], crs=9213)
    got = canopy.forest_cover(a_path, zones, id_column="code", mmu_ha=0, strip_rows=16, client=client,
                              min_observed_pct=0)
    px_ha = RES * RES / 1e4
    for i, (r0, c0, r1, c1) in enumerate(boxes):
        win = a[r0:r1, c0:c1]
        valid = win != 255
        assert got["observed_ha"][i] == pytest.approx(valid.sum() * px_ha, rel=1e-12)
        assert got["forest_ha"][i] == pytest.approx(((win >= 10) & valid).sum() * px_ha, rel=1e-12)


@pytest.mark.parametrize("use_client", [False, True])
def test_minimum_area_across_window_columns(tmp_path, client, use_client):
    """Patches cut by window edges in rows and columns are judged whole: a 3-pixel patch across a
    column edge is dropped, a 5-pixel one across a corner is kept (minimum 4 pixels)."""
    data = np.zeros((40, 40), "uint8")
    data[10, 7:10] = 50  # 3 pixels across the column edge at 8
    data[7:9, 15:17] = 50  # 4 pixels across row edge 8 and column edge 16
    data[8, 17] = 50  # + 1: 5 pixels
    path = _write(tmp_path / "p.tif", data)
    zone = np.array([_cell_box(0, 0, 40, 40)], dtype=object)

    def classify(arrays, masks, strip):
        forest = (arrays[0] >= 10) & masks[0]
        kept = zonal.sieve_small(forest, 4, open_top=strip.open_top, open_bottom=strip.open_bottom,
                                 open_left=strip.open_left, open_right=strip.open_right)
        return strip.core(kept.astype(np.int8))

    sums = zonal.class_sums([path], zone, classify, 2, halo=4, strip_rows=8, tile_cols=8,
                            client=client if use_client else None)
    assert sums[0, 1] == 5


def test_windows_skip_cells_without_zones():
    """Two small zones far apart on a wide grid: only the windows holding their cells are read."""
    t = from_origin(X0, Y0, RES, RES)
    geoms = np.array([_cell_box(0, 0, 4, 4), _cell_box(90, 90, 94, 94)], dtype=object)
    cov = zonal.coverage(geoms, t).clip(100, 100)
    windows = zonal.plan_windows(cov, zonal.zones_window(cov), 100, 100, halo=2, strip_rows=10, tile_cols=10)
    assert [(w.r0, w.c0) for w in windows] == [(0, 0), (90, 90)]
    # core 10 × 10 + halo 2 below and right (the raster ends above and left); the zones' window ends
    # at row/column 94, so the second core is 4 × 4, with 2 of halo on every side
    assert [w.pixels for w in windows] == [12 * 12, 8 * 8]


def test_runs_cut_at_window_columns_keep_zone_area():
    """A zone's cells, cut into windows, still add up to its area (in cells)."""
    t = from_origin(X0, Y0, RES, RES)
    poly = shapely.Polygon([(X0 + 15, Y0 - 15), (X0 + 95 * RES, Y0 - 40 * RES), (X0 + 30 * RES, Y0 - 99 * RES)])
    cov = zonal.coverage(np.array([poly], dtype=object), t).clip(100, 100)
    windows = zonal.plan_windows(cov, zonal.zones_window(cov), 100, 100, halo=0, strip_rows=7, tile_cols=9)
    total = sum(w.cov.cells_per_zone(1)[0] for w in windows)
    assert total == pytest.approx(poly.area / RES**2, rel=1e-12)
    for w in windows:
        assert np.all((w.cov.r_c0 >= w.c0) & (w.cov.r_c1 <= w.c1) & (w.cov.r_row >= w.r0) & (w.cov.r_row < w.r1))
        assert np.all((w.cov.b_col >= w.c0) & (w.cov.b_col < w.c1))


def test_missing_dask_names_the_extra(monkeypatch):
    import builtins

    from gisplan import distributed
    from gisplan.errors import MissingDependencyError

    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name == "distributed":
            raise ImportError("no distributed")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(MissingDependencyError, match=r"gisplan\[dask\]"):
        distributed.get_client("local")


def test_run_indicators_with_a_client_gives_the_same_canopy_tables(demo_small, client):
    import warnings

    from gisplan.catalog import load_catalog
    from gisplan.indicators.run import run_indicators

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = run_indicators(load_catalog(demo_small))
        dist = run_indicators(load_catalog(demo_small), client=client)
    names = [n for n in plain.tables if n.startswith(("canopy_", "land_cover_forest_"))]
    assert names
    for n in names:
        a, b = plain.tables[n], dist.tables[n]
        num = a.select_dtypes("number").columns
        np.testing.assert_array_equal(a[num].to_numpy(), b[num].to_numpy(), err_msg=n)


def test_cli_forest_cover_scheduler_local_writes_the_same_table(rasters, tmp_path):
    from click.testing import CliRunner

    from gisplan.cli.main import cli

    a_path, _, _, _ = rasters
    zones = _zones()
    zones.to_file(tmp_path / "zones.gpkg", layer="zones")
    args = ["forest-cover", "--raster", a_path, "--zones", str(tmp_path / "zones.gpkg"), "--id-column", "code",
            "--min-observed-pct", "0"]
    runner = CliRunner()
    r1 = runner.invoke(cli, [*args, "--out", str(tmp_path / "one.csv")])
    r2 = runner.invoke(cli, [*args, "--out", str(tmp_path / "two.csv"), "--scheduler", "local", "--workers", "2"])
    assert r1.exit_code == 0 and r2.exit_code == 0, (r1.output, r2.output)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
