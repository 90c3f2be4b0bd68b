"""`gisplan forest-cover` (CLI and Python API) against a brute-force truth built independently of
gisplan.zonal.

The truth intersects every pixel box of a small raster with every unit (shapely 2, vectorised)
for the coverage fractions, and labels 8-connected forest patches on the whole raster with
scipy.ndimage for the minimum-area rule; nodata is excluded from both. The rasters hold nodata
blocks and forest patches of exactly n_min − 1 and n_min pixels (some touching only at corners,
some cut by nodata); the units are rotated, off the grid, holed, multi-part, partly outside the
raster, wholly in nodata and smaller than a pixel. Forest cover must match to 0.01 percentage
points, areas to 1e-9 ha.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
import shapely.affinity
from click.testing import CliRunner
from rasterio.transform import from_origin
from scipy import ndimage

import gisplan
import gisplan.errors
from gisplan.cli.main import cli
from gisplan.indicators.canopy import forest_change_raster

X0, Y0 = 431_234.5, 2_391_017.25  # not on round numbers: units are off the grid
NODATA = 255
ROWS, COLS = 60, 80


# --------------------------------------------------------------------------------------------
# truth, independent of gisplan.zonal
def pixel_boxes(transform, shape):
    """Every pixel of the raster as a shapely box (row-major), in the raster's CRS."""
    rows, cols = np.indices(shape)
    xmin = transform.c + cols.ravel() * transform.a
    ymax = transform.f + rows.ravel() * transform.e
    return shapely.box(xmin, ymax + transform.e, xmin + transform.a, ymax)


def fractions(unit, boxes, pixel_m2):
    """Share of each pixel inside ``unit`` by polygon intersection."""
    return shapely.area(shapely.intersection(unit, boxes)) / pixel_m2


def min_pixels(mmu_ha, pixel_m2):
    """Smallest patch (in pixels) whose area reaches the minimum area, by counting up."""
    if mmu_ha <= 0:
        return 0
    n = 1
    while n * pixel_m2 < mmu_ha * 1e4 * (1 - 1e-12):
        n += 1
    return n


def kept_forest(forest, n_min):
    """Forest pixels in 8-connected patches (whole raster) of at least ``n_min`` pixels."""
    labels, n = ndimage.label(forest, structure=np.ones((3, 3), int))
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    keep = sizes >= n_min
    keep[0] = False
    return keep[labels]


def truth_table(units, ids, data, transform, *, forest_values, mmu_ha=0.3, min_observed_pct=90.0):
    """area_ha, observed_ha, forest_ha, forest_pct, observed_pct, observed_ok per unit (units in
    the raster's CRS). A unit observed below ``min_observed_pct`` % of its area has no
    percentage; one not observed at all has no forest area either (unknown, not 0)."""
    pixel_m2 = abs(transform.a * transform.e)
    valid = data != NODATA
    forest = kept_forest(forest_values & valid, min_pixels(mmu_ha, pixel_m2))
    boxes = pixel_boxes(transform, data.shape)
    rows = []
    for uid, unit in zip(ids, units, strict=True):
        frac = fractions(unit, boxes, pixel_m2)
        observed = (frac * valid.ravel()).sum() * pixel_m2 / 1e4
        forest_ha = (frac * forest.ravel()).sum() * pixel_m2 / 1e4
        share = observed / (unit.area / 1e4) * 100
        ok = share >= min_observed_pct
        rows.append({"unit": uid, "area_ha": unit.area / 1e4, "observed_ha": observed,
                     "forest_ha": forest_ha if observed > 0 else np.nan,
                     "forest_pct": forest_ha / observed * 100 if observed > 0 and ok else np.nan,
                     "observed_pct": share, "observed_ok": ok})
    return pd.DataFrame(rows)


def assert_matches(got: pd.DataFrame, want: pd.DataFrame):
    got = got.set_index(got.columns[0]).loc[want["unit"]]
    want = want.set_index("unit")
    for col in ("area_ha", "observed_ha", "forest_ha", "observed_pct"):
        np.testing.assert_allclose(got[col].to_numpy(float), want[col].to_numpy(float), rtol=1e-9, atol=1e-9,
                                   err_msg=col)
    assert list(got["observed_ok"].astype(bool)) == list(want["observed_ok"])
    g, w = got["forest_pct"].to_numpy(float), want["forest_pct"].to_numpy(float)
    assert (np.isnan(g) == np.isnan(w)).all(), (g, w)
    ok = ~np.isnan(w)
    assert np.abs(g[ok] - w[ok]).max() < 0.01  # percentage points


# --------------------------------------------------------------------------------------------
# the test raster and units
def place(data, r0, c0, k, value, *, width=6, diagonal_tail=False):
    """Set ``k`` pixels to ``value`` row by row in a ``width``-wide box from (r0, c0); with
    ``diagonal_tail`` the last pixel touches the others only at a corner."""
    n = k - 1 if diagonal_tail else k
    idx = np.arange(n)
    rr, cc = r0 + idx // width, c0 + idx % width
    data[rr, cc] = value
    if diagonal_tail:
        data[rr[-1] + 1, cc[-1] + 1] = value
    return data


def canopy_raster(n_min, rng):
    """Canopy cover (%) with random forest on the left, deliberate patches on the right and
    nodata (255) in a block and scattered pixels."""
    data = np.full((ROWS, COLS), 5, np.uint8)
    left = rng.uniform(size=(ROWS, 30))
    data[:, :30] = np.where(left < 0.45, rng.integers(10, 101, left.shape), rng.integers(0, 10, left.shape))
    data[0, 0:3] = 10  # exactly the threshold: forest
    data[1, 0:3] = 9
    data[rng.uniform(size=data.shape) < 0.03] = NODATA  # scattered nodata (left part only, below)
    data[:, 30:] = 5
    place(data, 2, 32, n_min - 1, 60)  # just under: dropped
    place(data, 2, 42, n_min, 61)  # exactly the minimum: kept
    place(data, 2, 52, n_min, 62, diagonal_tail=True)  # the minimum through a corner: kept (8-connected)
    place(data, 2, 62, n_min - 1, 63, diagonal_tail=True)  # just under through a corner: dropped
    place(data, 12, 70, n_min + 1, 64, width=4)  # cut by nodata to n_min - 1 valid pixels
    place(data, 40, 34, n_min - 1, 65, width=5)  # just under, under the rotated unit
    place(data, 40, 44, n_min, 66, width=5)  # exactly the minimum, under the rotated unit
    place(data, 48, 60, n_min - 1, 67, width=3)  # just under, tall (spans strips)
    data[20:35, 40:55] = NODATA  # a cloud
    rr, cc = np.nonzero(data[:, 70:] == 64)
    data[rr[:2], 70 + cc[:2]] = NODATA  # two of the n_min + 1 pixels lost to nodata
    return data


def units(res):
    """Units in EPSG:9213 (hole, rotation, off-grid, multi-part, outside, all nodata, sub-pixel)."""
    s = res / 10  # the layout scales with the pixel size
    rect = shapely.box(X0 + 310 * s, Y0 - 560 * s, X0 + 740 * s, Y0 - 180 * s)
    hole = shapely.affinity.rotate(shapely.box(X0 + 560 * s, Y0 - 300 * s, X0 + 640 * s, Y0 - 240 * s), 17)
    rotated = shapely.affinity.rotate(rect.difference(hole), 33)
    offgrid = shapely.box(X0 + 3.7 * s, Y0 - 413.3 * s, X0 + 287.1 * s, Y0 - 17.9 * s)
    outside = shapely.box(X0 - 120.5 * s, Y0 - 590.2 * s, X0 + 95.3 * s, Y0 - 430.6 * s)
    ring = shapely.box(X0 + 305.2 * s, Y0 - 178.6 * s, X0 + 795.5 * s, Y0 - 4.4 * s).difference(
        shapely.box(X0 + 420.3 * s, Y0 - 140.1 * s, X0 + 515.9 * s, Y0 - 60.6 * s))
    tri = shapely.Polygon([(X0 + 612.3 * s, Y0 - 597.7 * s), (X0 + 798.1 * s, Y0 - 420.4 * s),
                           (X0 + 650.9 * s, Y0 - 405.2 * s)])
    multi = shapely.MultiPolygon([ring, tri])
    cloud = shapely.box(X0 + 412.2 * s, Y0 - 338.8 * s, X0 + 537.5 * s, Y0 - 213.4 * s)
    tiny = shapely.box(X0 + 701.3 * s, Y0 - 57.9 * s, X0 + 706.8 * s, Y0 - 52.2 * s)
    geoms = [rotated, offgrid, outside, multi, cloud, tiny]
    return gpd.GeoDataFrame({"unit": ["rot_hole", "offgrid", "outside", "multi", "cloud", "tiny"]},
                            geometry=geoms, crs=9213)


def write_raster(path, data, res, crs="EPSG:9213", nodata=NODATA):
    transform = from_origin(X0, Y0, res, res)
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype="uint8", crs=crs, transform=transform, nodata=nodata, tiled=True,
                       blockxsize=16, blockysize=16) as ds:
        ds.write(data, 1)
    return path, transform


def run_cli(*args):
    result = CliRunner().invoke(cli, ["forest-cover", *map(str, args)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def api(*args, **kw):
    """gisplan.forest_cover with every unit's percentage (no observed-share flag)."""
    return gisplan.forest_cover(*args, min_observed_pct=0, **kw)


@pytest.fixture(params=[10.0, 30.0], ids=["10m", "30m"])
def case(request, tmp_path):
    res = request.param
    n_min = min_pixels(0.3, res * res)
    data = canopy_raster(n_min, np.random.default_rng(2030))
    path, transform = write_raster(tmp_path / "canopy.tif", data, res)
    z = units(res)
    zpath = tmp_path / "units.gpkg"
    z.to_file(zpath, driver="GPKG")
    return {"res": res, "n_min": n_min, "data": data, "path": path, "transform": transform, "units": z,
            "zpath": zpath, "tmp": tmp_path}


# --------------------------------------------------------------------------------------------
def test_the_raster_holds_the_hard_cases(case):
    """The layout really has patches of n_min − 1 and n_min pixels, nodata under the units, a
    unit wholly in nodata and a unit partly outside the raster."""
    data, n_min, transform = case["data"], case["n_min"], case["transform"]
    assert case["n_min"] == (30 if case["res"] == 10 else 4)
    forest = (data >= 10) & (data != NODATA)
    labels, n = ndimage.label(forest, structure=np.ones((3, 3), int))
    sizes = np.bincount(labels.ravel())[1:]
    assert (sizes == n_min - 1).sum() >= 3 and (sizes == n_min).sum() >= 2
    # a patch of n_min pixels counting the nodata ones: the valid part is under the minimum
    assert ((data[:, 70:74] == 64).sum() == n_min - 1)
    boxes = pixel_boxes(transform, data.shape)
    geoms = case["units"].geometry.to_numpy()
    for i, name in enumerate(case["units"]["unit"]):
        frac = fractions(geoms[i], boxes, case["res"] ** 2).reshape(data.shape)
        under = frac > 0
        if name in ("rot_hole", "multi"):
            assert (data[under] == NODATA).any() and (frac[under] < 1).any()
            assert shapely.get_num_interior_rings(shapely.get_parts(geoms[i])).sum() == 1  # a hole
        if name == "cloud":
            assert (data[under] == NODATA).all()
    assert shapely.get_num_interior_rings(geoms[0]) == 1  # rotated with a hole
    # the rotated unit covers both a dropped (n_min − 1) and a kept (n_min) patch
    under_rot = fractions(geoms[0], boxes, case["res"] ** 2).reshape(data.shape) > 0
    assert under_rot[data == 65].any() and under_rot[data == 66].any()
    assert case["units"].geometry.iloc[2].bounds[0] < X0  # partly outside the raster


def test_cli_matches_truth(case):
    out = case["tmp"] / "result.csv"
    result = run_cli("--raster", case["path"], "--zones", case["zpath"], "--id-column", "unit", "--out", out)
    got = pd.read_csv(out)
    assert list(got.columns[:5]) == ["unit", "area_ha", "observed_ha", "forest_ha", "forest_pct"]
    want = truth_table(case["units"].geometry, case["units"]["unit"], case["data"], case["transform"],
                       forest_values=case["data"] >= 10)
    assert_matches(got, want)
    assert want.set_index("unit").loc["cloud", "observed_ha"] == 0 and np.isnan(got.set_index("unit").loc["cloud", "forest_pct"])
    # units observed below 90 % are flagged, with no percentage, and named in one warning line
    flagged = list(want.loc[~want["observed_ok"], "unit"])
    assert {"outside", "cloud"} <= set(flagged) and "offgrid" not in flagged
    line = [ln for ln in result.output.splitlines() if ln.startswith("warning:")]
    assert len(line) == 1 and f"{len(flagged)} of 6 zones" in line[0]
    assert all(f"{u} (" in line[0] for u in flagged)
    # every unit's percentage through the CLI with the flag switched off
    out0 = case["tmp"] / "result0.csv"
    run_cli("--raster", case["path"], "--zones", case["zpath"], "--id-column", "unit", "--min-observed-pct", 0,
            "--out", out0)
    assert_matches(pd.read_csv(out0), truth_table(case["units"].geometry, case["units"]["unit"], case["data"],
                                                  case["transform"], forest_values=case["data"] >= 10,
                                                  min_observed_pct=0))


@pytest.mark.parametrize("strip_rows", [3, 7, 1024])
def test_python_api_matches_truth(case, strip_rows):
    got = api(case["path"], case["zpath"], id_column="unit", strip_rows=strip_rows)
    want = truth_table(case["units"].geometry, case["units"]["unit"], case["data"], case["transform"],
                       forest_values=case["data"] >= 10, min_observed_pct=0)
    assert_matches(got, want)
    # the minimum-area rule made a difference here, and switching it off matches the truth too
    off = api(case["path"], case["units"], id_column="unit", mmu_ha=0, strip_rows=strip_rows)
    want_off = truth_table(case["units"].geometry, case["units"]["unit"], case["data"], case["transform"],
                           forest_values=case["data"] >= 10, mmu_ha=0, min_observed_pct=0)
    assert_matches(off, want_off)
    assert (want_off["forest_ha"] > want["forest_ha"] + 1e-9).sum() >= 2
    # with the default 90 %, the same numbers where observed enough, NaN % elsewhere, one warning
    with pytest.warns(gisplan.errors.GisplanWarning, match="zones are observed") as rec:
        flagged = gisplan.forest_cover(case["path"], case["zpath"], id_column="unit", strip_rows=strip_rows)
    assert len(rec) == 1
    assert_matches(flagged, truth_table(case["units"].geometry, case["units"]["unit"], case["data"],
                                        case["transform"], forest_values=case["data"] >= 10))


def test_threshold_option_matches_truth(case):
    out = case["tmp"] / "t40.csv"
    run_cli("--raster", case["path"], "--zones", case["zpath"], "--id-column", "unit", "--threshold", 40,
            "--mmu-ha", 0.5, "--min-observed-pct", 0, "--out", out)
    want = truth_table(case["units"].geometry, case["units"]["unit"], case["data"], case["transform"],
                       forest_values=case["data"] >= 40, mmu_ha=0.5, min_observed_pct=0)
    assert_matches(pd.read_csv(out), want)


def test_class_raster_matches_truth(case, tmp_path):
    """Land-cover codes 1–8 (nodata 0) with --forest-classes 1,2."""
    rng = np.random.default_rng(8)
    canopy = case["data"]
    lc = np.where(canopy >= 10, rng.integers(1, 3, canopy.shape), rng.integers(3, 9, canopy.shape)).astype(np.uint8)
    lc[canopy == NODATA] = 0
    path, transform = write_raster(tmp_path / "lc.tif", lc, case["res"], nodata=0)
    out = tmp_path / "lc.csv"
    run_cli("--raster", path, "--zones", case["zpath"], "--id-column", "unit", "--forest-classes", "1,2",
            "--min-observed-pct", 0, "--out", out)
    valid = lc != 0
    want = truth_table(case["units"].geometry, case["units"]["unit"], np.where(valid, lc, NODATA), transform,
                       forest_values=np.isin(lc, [1, 2]), min_observed_pct=0)
    assert_matches(pd.read_csv(out), want)
    assert_matches(api(path, case["units"], id_column="unit", forest_classes=[1, 2]), want)


def test_units_in_another_crs_match_truth_in_the_raster_crs(case, tmp_path):
    """Units stored in WGS 84 are reprojected to the raster's CRS (EPSG:9213); the truth is
    computed on those reprojected units, in the raster's CRS."""
    ll = case["units"].to_crs(4326)
    zpath = tmp_path / "units_wgs84.gpkg"
    ll.to_file(zpath, driver="GPKG")
    out = tmp_path / "ll.csv"
    run_cli("--raster", case["path"], "--zones", zpath, "--id-column", "unit", "--min-observed-pct", 0, "--out", out)
    back = gpd.read_file(zpath).to_crs(9213)
    want = truth_table(back.geometry, back["unit"], case["data"], case["transform"], forest_values=case["data"] >= 10,
                       min_observed_pct=0)
    assert_matches(pd.read_csv(out), want)
    assert_matches(api(case["path"], ll, id_column="unit"), want)


def test_declared_crs_matches_truth(case, tmp_path):
    """A raster without a CRS in the file, declared EPSG:9213 (crs= or open_raster)."""
    path, transform = write_raster(tmp_path / "nocrs.tif", case["data"], case["res"], crs=None)
    want = truth_table(case["units"].geometry, case["units"]["unit"], case["data"], transform,
                       forest_values=case["data"] >= 10, min_observed_pct=0)
    assert_matches(api(path, case["units"], id_column="unit", crs="EPSG:9213"), want)
    src = gisplan.open_raster(path, crs="EPSG:9213")
    assert_matches(api(src, case["units"], id_column="unit"), want)


def test_change_and_loss_by_purpose_match_truth(case, tmp_path):
    """Loss, gain and loss by forest purpose against pixel-by-pixel truth: loss pixels are forest
    (after the minimum-area rule) in year 1 and not in year 2, observed in both; a unit's loss
    inside a purpose is Σ loss × area(unit ∩ purpose parcels ∩ pixel)."""
    res, data, transform = case["res"], case["data"], case["transform"]
    rng = np.random.default_rng(11)
    after = data.copy()
    cut = (rng.uniform(size=data.shape) < 0.25) & (data != NODATA)
    after[cut] = 3  # clearing
    after[(rng.uniform(size=data.shape) < 0.2) & (data != NODATA)] = 80  # regrowth
    after[5:9, 0:12] = NODATA  # cloud in year 2 only
    p0, _ = write_raster(tmp_path / "y0.tif", data, res)
    p1, _ = write_raster(tmp_path / "y1.tif", after, res)
    # forest-status parcels: a 4 × 3 grid of rotated-edge parcels with three purposes
    s = res / 10
    xs, ys = np.linspace(X0 - 50 * s, X0 + 850 * s, 5), np.linspace(Y0 + 50 * s, Y0 - 650 * s, 4)
    parcels, purposes = [], []
    for i in range(4):
        for j in range(3):
            parcels.append(shapely.box(xs[i], ys[j + 1], xs[i + 1], ys[j]))
            purposes.append(("special_use", "protection", "production")[(i + j) % 3])
    fs = gpd.GeoDataFrame({"purpose": purposes}, geometry=parcels, crs=9213)
    z = case["units"]
    with pytest.warns(gisplan.errors.GisplanWarning, match=r"forest change: \d of 6 zones.*cloud \(0\.0 %\)"):
        got = forest_change_raster(p0, p1, z, id_column="unit", forest_status=fs)

    px = res * res
    n_min = case["n_min"]
    v0, v1 = data != NODATA, after != NODATA
    f0 = kept_forest((data >= 10) & v0, n_min)
    f1 = kept_forest((after >= 10) & v1, n_min)
    both = (v0 & v1).ravel()
    loss = (f0 & ~f1).ravel() & both
    gain = (~f0 & f1).ravel() & both
    boxes = pixel_boxes(transform, data.shape)
    zones_by_purpose = {p: shapely.union_all(fs.geometry[fs.purpose == p].to_numpy())
                        for p in ("special_use", "protection", "production")}
    got = got.set_index("unit")
    for uid, unit in zip(z["unit"], z.geometry, strict=True):
        frac = fractions(unit, boxes, px)
        row = got.loc[uid]
        assert row.observed_ha == pytest.approx((frac * both).sum() * px / 1e4, rel=1e-9, abs=1e-9)
        assert row.observed_pct == pytest.approx((frac * both).sum() * px / unit.area * 100, rel=1e-9)
        assert row.observed_ok == ((frac * both).sum() * px / unit.area * 100 >= 90)
        if (frac * both).sum() == 0:  # nothing observed in both years: unknown, not 0
            assert uid == "cloud" and row[["loss_ha", "gain_ha", "net_ha", "loss_special_use_ha"]].isna().all()
            continue
        assert row.loss_ha == pytest.approx((frac * loss).sum() * px / 1e4, rel=1e-9, abs=1e-9)
        assert row.gain_ha == pytest.approx((frac * gain).sum() * px / 1e4, rel=1e-9, abs=1e-9)
        assert row.net_ha == pytest.approx(row.gain_ha - row.loss_ha, abs=1e-12)
        for purpose, zone in zones_by_purpose.items():
            f = fractions(shapely.intersection(unit, zone), boxes, px)
            assert row[f"loss_{purpose}_ha"] == pytest.approx((f * loss).sum() * px / 1e4, rel=1e-9, abs=1e-9)
    assert got["loss_ha"].sum() > 0 and got["loss_special_use_ha"].sum() > 0
    # the units that lie inside the parcels' extent split their loss fully between the purposes
    inside = got.loc[["rot_hole", "offgrid", "multi", "tiny"]]
    np.testing.assert_allclose(inside[["loss_special_use_ha", "loss_protection_ha", "loss_production_ha"]].sum(axis=1),
                               inside["loss_ha"], rtol=1e-9, atol=1e-9)
