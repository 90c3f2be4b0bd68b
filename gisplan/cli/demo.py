"""`gisplan demo`: build the synthetic demo dataset and run the main job on it."""

from __future__ import annotations

import time
from pathlib import Path

import click

from gisplan._atomic import ensure_dir, write_text
from gisplan.catalog import LAYERS_DIR, Catalog
from gisplan.cli.i18n import N_, _
from gisplan.cli.indicators import skipped_reasons
from gisplan.cli.text_table import text_table
from gisplan.demo import build_demo, default_out_dir, demo_catalog_dir, is_built
from gisplan.errors import OutputError
from gisplan.pipeline import Plan
from gisplan.summary import summarize_catalog


def _build(ctx: dict) -> None:
    fresh = not is_built(ctx["data"], seed=ctx["seed"], size=ctx["size"]) or ctx["rebuild"]
    t = time.perf_counter()
    build_demo(ctx["data"], seed=ctx["seed"], size=ctx["size"], overwrite=ctx["rebuild"])
    done = (_("demo dataset built in {folder} ({seconds:.1f} s)") if fresh
            else _("demo dataset reused in {folder} ({seconds:.1f} s)"))
    click.echo(done.format(folder=ctx["data"], seconds=time.perf_counter() - t))


#: short headings of the layer table, so it fits the terminal
SUMMARY_HEADERS = {"layer": N_("layer"), "year": N_("year"), "features": N_("feat."), "crs": N_("crs"),
                   "measure": N_("measure"), "errors": N_("err"), "warnings": N_("warn"), "status": N_("status"),
                   "study_area": N_("in the study area")}


def _summary(ctx: dict) -> None:
    table = summarize_catalog(ctx["catalog"])
    shown = table.drop(columns=["title_vi"]).astype({"features": "object"})
    shown["features"] = [f"{int(n):,}" if n == n and n is not None else "—" for n in table["features"]]
    shown["layer"] = [n if n == t else f"{n} ({t})" for n, t in zip(table["layer"], table["type"], strict=True)]
    columns = ["layer", "year", "features", "crs", "measure", "errors", "warnings", "status", "study_area"]
    if table["crs"].nunique() == 1:  # one CRS for all: said once, above the table
        click.echo(_("every layer in {crs}").format(crs=table["crs"].iloc[0]))
        columns.remove("crs")
    click.echo(text_table(shown.to_dict("records"), columns, wrap_first=["study_area", "measure", "layer"],
                          headers={k: _(v) for k, v in SUMMARY_HEADERS.items()}, right=["year", "features", "errors", "warnings"]))
    bad = table[table["status"] != "ok"]
    if len(bad):
        raise click.ClickException(_("{count} layer(s) could not be read: {layers}").format(
            count=len(bad), layers=", ".join(bad["layer"])))


def _indicators(ctx: dict) -> None:
    t = time.perf_counter()
    plan = ctx["plan"]  # every layer read once for the reports and the site
    results = plan.indicators()
    paths = plan.write_reports(ctx["reports"], overwrite=True)
    exported = plan.export(ctx["reports"], overwrite=True)
    click.echo(_("{count} indicator tables in {seconds:.1f} s").format(count=len(results.tables),
                                                                       seconds=time.perf_counter() - t))
    for name, reason in skipped_reasons(results).items():
        click.echo("  " + _("skipped {name}: {reason}").format(name=name, reason=reason))
    ctx["outputs"].update({N_("reports"): ctx["reports"].resolve(), N_("workbook"): paths["excel"].resolve(),
                           N_("summary"): paths["html"].resolve(), N_("geopackage"): exported["gpkg"].resolve()})
    if "qgis" in exported:
        ctx["outputs"][N_("qgis project")] = exported["qgis"].resolve()


def _publish(ctx: dict) -> None:
    t = time.perf_counter()
    index = ctx["plan"].publish(ctx["site"], overwrite=True)
    size = sum(p.stat().st_size for p in ctx["site"].rglob("*") if p.is_file())
    click.echo(_("site published in {seconds:.1f} s ({size:.1f} MB)").format(seconds=time.perf_counter() - t,
                                                                            size=size / 1e6))
    ctx["outputs"][N_("site")] = index.resolve()


#: the main job, step by step: (title, function)
STEPS = [(N_("build the demo dataset"), _build), (N_("read back and summarise every layer"), _summary),
         (N_("compute the plan's indicators and write the reports"), _indicators),
         (N_("publish the interactive maps"), _publish)]


@click.command("demo")
@click.option("--out", "data", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the demo data (default: the one layers/demo.toml points at, data/demo).")
@click.option("--seed", default=2030, show_default=True, help="Random seed of the generator.")
@click.option("--size", type=click.Choice(["full", "small"]), default="full", show_default=True,
              help="full: ~40,000 forest parcels a year, 30 m rasters; small: a quick test version.")
@click.option("--rebuild", is_flag=True, help="Rebuild the dataset even if it is there.")
@click.option("--summary-only", is_flag=True, help="Only build and summarise the data.")
@click.option("--reports", "reports", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Folder for the indicator reports (replaced on each run).")
@click.option("--site", "site", type=click.Path(file_okay=False, path_type=Path), default=Path("maps"),
              show_default=True, help="Folder of the published site (replaced on each run).")
def demo_cmd(data, seed, size, rebuild, summary_only, reports, site):
    """Build the synthetic demo dataset (Dữ liệu mô phỏng — synthetic demo data) on first use and
    run the main job on it, printing where the outputs are."""
    data = data or default_out_dir()
    catalog = Catalog(LAYERS_DIR / "demo.toml")
    if data.resolve() != demo_catalog_dir().resolve():
        catalog = _catalog_for(data)
    ctx = {"data": data, "seed": seed, "size": size, "rebuild": rebuild, "catalog": catalog, "plan": Plan(catalog),
           "reports": reports, "site": site, "outputs": {N_("demo data"): data}}
    steps = STEPS[:2] if summary_only else STEPS
    for i, (title, step) in enumerate(steps, 1):
        click.echo(f"\n[{i}/{len(steps)}] {_(title)}")
        step(ctx)
    click.echo("\n" + _("Outputs:"))
    width = max(len(_(what)) for what in ctx["outputs"])
    for what, where in ctx["outputs"].items():
        click.echo(f"  {_(what):{max(14, width)}} {where}")


def _catalog_for(data: Path) -> Catalog:
    """A copy of the demo catalog pointing at another data folder (written beside the data).

    An existing ``catalog.toml`` there is replaced only when it is such a copy (the demo catalog
    with another ``base``); a user's own catalog of that name is an error, never overwritten.
    """
    text = (LAYERS_DIR / "demo.toml").read_text(encoding="utf-8")
    ensure_dir(data)
    path = data / "catalog.toml"
    new = text.replace('base = "../data/demo"', f'base = "{data.resolve().as_posix()}"')
    if path.exists():
        old = path.read_text(encoding="utf-8", errors="replace")
        if old == new:
            return Catalog(path)
        if _without_base(old) != _without_base(text):
            raise OutputError(_("{path} exists and is not a copy of the demo catalog; gisplan demo does not "
                                "replace it: choose another --out folder for the demo data or move that "
                                "file").format(path=path))
    write_text(path, new, overwrite=True)
    return Catalog(path)


def _without_base(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("base = ")]


def register(group: click.Group) -> None:
    """Add `demo` to the `gisplan` group."""
    group.add_command(demo_cmd)
