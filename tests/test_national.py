"""National batch: forest cover and change per commune for several provinces and years, per-province
reports and a national summary, checked against pixel counts worked out with numpy."""

from __future__ import annotations

import math

import click
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from rasterio.transform import from_origin

from gisplan.errors import DataMissingError, OutputError, SchemaError
from gisplan.national import national_tables, read_catalog, run_national

RES = 100.0
X0, Y0 = 400_000.0, 2_500_000.0
PX_HA = RES * RES / 1e4


def _box(r0, c0, r1, c1):
    return shapely.box(X0 + c0 * RES, Y0 - r1 * RES, X0 + c1 * RES, Y0 - r0 * RES)


#: commune → (province, cells r0, c0, r1, c1)
COMMUNES = {"01-001": ("01", (0, 0, 20, 15)), "01-002": ("01", (0, 15, 20, 30)),
            "02-001": ("02", (20, 0, 40, 30)), "02-002": ("02", (40, 0, 50, 30))}


@pytest.fixture
def national(tmp_path):
    rng = np.random.default_rng(11)
    a = rng.integers(0, 101, (50, 30)).astype("uint8")
    b = np.where(rng.random(a.shape) < 0.2, 0, np.where(rng.random(a.shape) < 0.2, 60, a)).astype("uint8")
    a[40:50, :] = 255  # commune 02-002 unobserved in 2020
    for name, data in (("c2020.tif", a), ("c2024.tif", b)):
        with rasterio.open(tmp_path / name, "w", driver="GTiff", width=30, height=50, count=1, dtype="uint8",
                           crs="EPSG:3405", transform=from_origin(X0, Y0, RES, RES), nodata=255) as ds:
            ds.write(data, 1)
    gdf = gpd.GeoDataFrame({"code": list(COMMUNES), "province": [p for p, _ in COMMUNES.values()],
                            "province_name": ["Hà Nội" if p == "01" else "Thái Nguyên" for p, _ in COMMUNES.values()]},
                           geometry=[_box(*c) for _, c in COMMUNES.values()], crs=3405)
    gdf.to_file(tmp_path / "communes.gpkg", layer="communes")
    (tmp_path / "national.toml").write_text(
        '[zones]\npath = "communes.gpkg"\nid = "code"\nprovince = "province"\nprovince_name = "province_name"\n'
        '[[rasters]]\nyear = 2024\npath = "c2024.tif"\n[[rasters]]\nyear = 2020\npath = "c2020.tif"\n',
        encoding="utf-8")
    return tmp_path, a, b


def _expected(a, b, cells):
    r0, c0, r1, c1 = cells
    wa, wb = a[r0:r1, c0:c1], b[r0:r1, c0:c1]
    va, vb = wa != 255, wb != 255
    both = va & vb
    fa, fb = (wa >= 10) & va, (wb >= 10) & vb
    return {"forest_ha_2020": fa.sum() * PX_HA if va.any() else math.nan, "forest_ha_2024": fb.sum() * PX_HA,
            "observed_ha_2020": va.sum() * PX_HA, "loss_ha_2020_2024": (fa & ~fb & both).sum() * PX_HA if both.any()
            else math.nan, "gain_ha_2020_2024": (fb & ~fa & both).sum() * PX_HA if both.any() else math.nan}


def test_national_tables_match_pixel_counts(national):
    root, a, b = national
    cat = read_catalog(root / "national.toml")
    assert list(cat.rasters) == [2020, 2024]
    with pytest.warns(Warning, match="02-002"):
        communes, prov = national_tables(cat, mmu_ha=0)
    for code, (_, cells) in COMMUNES.items():
        row = communes.set_index("code").loc[code]
        for col, value in _expected(a, b, cells).items():
            if math.isnan(value):
                assert math.isnan(row[col]), (code, col)
            else:
                assert row[col] == pytest.approx(value, rel=1e-9), (code, col)
    p = prov.set_index("province")
    exp1 = [_expected(a, b, COMMUNES[c][1]) for c in ("01-001", "01-002")]
    assert p.loc["01", "forest_ha_2020"] == pytest.approx(sum(e["forest_ha_2020"] for e in exp1), rel=1e-9)
    assert p.loc["01", "forest_pct_2020"] == pytest.approx(
        sum(e["forest_ha_2020"] for e in exp1) / (30 * 20 * PX_HA) * 100, rel=1e-9)
    assert p.loc["01", "communes"] == 2
    # province 02: 2020 seen over 20 of its 30 rows (66.7 % < 90 %): its percentage is unknown, not 0
    assert p.loc["02", "observed_pct_2020"] == pytest.approx(200 / 3, rel=1e-9)
    assert math.isnan(p.loc["02", "forest_pct_2020"])
    assert p.loc["02", "forest_ha_2020"] == pytest.approx(_expected(a, b, COMMUNES["02-001"][1])["forest_ha_2020"])


def test_run_national_writes_reports_and_never_replaces_user_files(national):
    root, _, _ = national
    cat = read_catalog(root / "national.toml")
    out = root / "out"
    with pytest.warns(Warning):
        written = run_national(cat, out, mmu_ha=0)
    assert sorted(p.name for p in (out / "provinces").iterdir()) == ["01_ha_noi.csv", "02_thai_nguyen.csv"]
    summary = pd.read_csv(written["summary"], dtype={"province": str})
    assert summary["province"].tolist() == ["01", "02"]
    part = pd.read_csv(written["02"], dtype={"province": str})
    assert part["code"].tolist() == ["02-001", "02-002"]
    assert part["forest_ha_2020"].isna().tolist() == [False, True]  # unknown stays empty, not 0
    (out / "mine.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(OutputError):
        run_national(cat, root / "communes.gpkg")  # an input is never an output folder
    with pytest.warns(Warning):
        run_national(cat, out, mmu_ha=0, overwrite=True)
    assert (out / "mine.csv").read_text(encoding="utf-8") == "x\n"


def test_catalog_errors_name_the_problem(tmp_path):
    with pytest.raises(DataMissingError, match="does not exist"):
        read_catalog(tmp_path / "none.toml")
    (tmp_path / "z.gpkg").write_bytes(b"")
    cat = tmp_path / "c.toml"
    cat.write_text('[zones]\npath = "z.gpkg"\nid = "code"\n', encoding="utf-8")
    with pytest.raises(SchemaError, match="province"):
        read_catalog(cat)
    cat.write_text('[zones]\npath = "z.gpkg"\nid = "code"\nprovince = "p"\n[[rasters]]\nyear = 2020\n'
                   'path = "missing.tif"\n', encoding="utf-8")
    with pytest.raises(DataMissingError, match="missing.tif"):
        read_catalog(cat)


def test_cli_national_with_a_local_cluster_gives_the_same_files(national):
    pytest.importorskip("distributed")
    from gisplan.cli.national import register

    root, _, _ = national

    @click.group()
    def group():
        pass

    register(group)
    runner = CliRunner()
    args = ["national", "--catalog", str(root / "national.toml"), "--mmu-ha", "0"]
    r1 = runner.invoke(group, [*args, "--out", str(root / "one")])
    r2 = runner.invoke(group, [*args, "--out", str(root / "two"), "--scheduler", "local", "--workers", "2"])
    assert r1.exit_code == 0 and r2.exit_code == 0, (r1.output, r2.output)
    assert "2 province report(s)" in r1.output
    for rel in ("national_summary.csv", "provinces/01_ha_noi.csv", "provinces/02_thai_nguyen.csv"):
        assert (root / "one" / rel).read_bytes() == (root / "two" / rel).read_bytes()


def test_freed_memory_goes_back_to_the_os_where_glibc_allows():
    import platform

    from gisplan._memory import release_freed_memory

    glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert release_freed_memory() is glibc
