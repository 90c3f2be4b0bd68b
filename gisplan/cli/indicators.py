"""`gisplan indicators` (every indicator the catalog allows, as reports) and `gisplan forest-cover`."""

from __future__ import annotations

import warnings
from pathlib import Path

import click

from gisplan._atomic import atomic_path, check_creatable
from gisplan.cli.i18n import _, language
from gisplan.cli.layers import catalog_option
from gisplan.cli.options import (
    file_option,
    folder_option,
    forest_definition,
    min_observed,
    open_plan,
    run_options,
    scheduler_option,
)
from gisplan.distributed import close_client, get_client
from gisplan.errors import OptionError, OutputError, OutputExistsError
from gisplan.indicators.canopy import forest_cover
from gisplan.reports import WORKBOOK


@click.command("indicators")
@catalog_option
@folder_option("--out", "out_dir", help="Folder for the CSV files, the Excel workbook and the summary.")
@click.option("--overwrite", is_flag=True, help="Replace the reports of an earlier run in --out.")
@run_options
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bars.")
def indicators_cmd(catalog_path, out_dir, overwrite, progress, **options):
    """Compute every indicator the catalog's layers allow and write CSV per indicator, the Excel
    workbook (Vietnamese headers), a summary and gisplan_chi_tieu.gpkg (every indicator with a
    place as a styled layer; plus gisplan.qgz where QGIS is installed). Indicators whose layers
    are missing are skipped with the reason."""
    check_creatable(out_dir)  # before the computation: a folder under a file, no permission
    if (out_dir / WORKBOOK).exists() and not overwrite:
        raise OutputExistsError(_("{folder} already holds reports; add --overwrite to replace them").format(
            folder=out_dir))
    plan = open_plan(catalog_path, progress=progress, **options)
    results = plan.indicators()
    paths = plan.write_reports(out_dir, overwrite=overwrite)
    # the same numbers as styled layers (and a QGIS project where QGIS is installed)
    paths.update(plan.export(out_dir, overwrite=overwrite))
    click.echo(_("{count} indicator tables written:").format(count=len(results.tables)))
    for what, path in paths.items():
        click.echo(f"  {what:9} {path}")
    for name, reason in skipped_reasons(results).items():
        click.echo("  " + _("skipped {name}: {reason}").format(name=name, reason=reason))
    for name, notes in results.meta.get("notes", {}).items():
        for note in notes:
            click.echo("  " + _("note {name}: {note}").format(name=name, note=note))
    for ls in results.meta.get("layer_sets", []):  # several layers of one type: which were used, why
        click.echo("  " + _("layers {type}: {note}").format(type=ls["type"], note=ls["note_vi" if language() == "vi" else "note_en"]))
    for q in results.meta.get("layer_quality", []):
        c = q.get("clip") or {}
        if c.get("cut") or c.get("dropped_outside") or c.get("dropped_slivers"):
            click.echo("  " + _("layer {layer} clipped to the study area: {kept:,} inside, {cut:,} cut at the "
                                "boundary, {outside:,} outside and {slivers:,} border sliver(s) dropped").format(
                layer=q["layer"], kept=c["kept"], cut=c["cut"], outside=c["dropped_outside"],
                slivers=c["dropped_slivers"]))
        if q["errors"]:
            click.echo("  " + _("warning: layer {layer} has {errors} validation error(s), used as repaired (see the "
                                "summary; `gisplan validate` lists them): {examples}").format(
                layer=q["layer"], errors=q["errors"], examples="; ".join(q["examples"])), err=True)


def skipped_reasons(results) -> dict[str, str]:
    """Why each skipped indicator was skipped, in Vietnamese (``results.skipped_vi``) when the
    locale is Vietnamese."""
    if language() == "vi":
        return {name: results.skipped_vi.get(name, reason) for name, reason in results.skipped.items()}
    return dict(results.skipped)


@click.command("forest-cover")
@file_option("--raster", "Canopy-cover (%) or land-cover class GeoTIFF, projected or in degrees.",
             required=True, exists=True)
@click.option("--zones", type=click.Path(exists=True, path_type=Path), required=True,
              help="Polygons (any vector format, any CRS; reprojected to the raster's CRS).")
@click.option("--layer", default=None, help="Layer inside a multi-layer zones file (GeoPackage, KML …).")
@click.option("--encoding", default="auto", show_default=True,
              help="Text encoding of the zones' attributes: auto, tcvn3, vni, cp1258, utf-8 …")
@click.option("--id-column", required=True, help="The zones' id column (unique per zone).")
@forest_definition
@click.option("--forest-classes", default=None, help="Class codes that are forest, e.g. 1,2 (class rasters).")
@click.option("--connectivity", type=click.Choice(["8", "4"]), default="8", show_default=True)
@min_observed("Zones the raster observes over less of their area (%) get no forest_pct (flagged in "
              "observed_ok).")
@click.option("--raster-crs", default=None,
              help="CRS of a raster whose file carries none, e.g. EPSG:9213 (an error if the file has another).")
@file_option("--out", "Result CSV.", required=True)
@click.option("--overwrite", is_flag=True, help="Replace --out if it exists (never one of the inputs).")
@scheduler_option
def forest_cover_cmd(raster, zones, layer, encoding, id_column, threshold, mmu_ha, forest_classes, connectivity,
                     min_observed_pct, raster_crs, out, overwrite, scheduler, workers):
    """Forest cover per zone from a raster: exact edge fractions, nodata excluded, small patches
    dropped. Writes COL, area_ha, observed_ha, forest_ha, forest_pct, observed_pct, observed_ok."""
    _refuse_input_as_output(out, {"raster": raster, "zones": zones})
    check_creatable(out.parent)  # before the computation
    if out.exists() and not overwrite:
        raise OutputExistsError(_("{path} exists; add --overwrite to replace it").format(path=out))
    classes = _parse_classes(forest_classes)
    client = get_client(scheduler, n_workers=workers)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = forest_cover(raster, zones, id_column=id_column, threshold=threshold, mmu_ha=mmu_ha,
                                 forest_classes=classes, connectivity=int(connectivity),
                                 min_observed_pct=min_observed_pct, crs=raster_crs, layer=layer, encoding=encoding,
                                 client=client)
    finally:
        close_client(client)
    for text in dict.fromkeys(" ".join(str(w.message).split()) for w in caught):  # one line each, once
        click.echo(_("warning: {message}").format(message=text), err=True)
    with atomic_path(out, overwrite=overwrite) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8")
    total_obs = table["observed_ha"].sum()
    flagged = int((~table["observed_ok"]).sum())
    if total_obs > 0:
        pct = table["forest_ha"].sum() / total_obs * 100
        summary = _("forest {forest:,.1f} ha of {observed:,.1f} ha observed ({pct:.2f} %)").format(
            forest=table["forest_ha"].sum(), observed=total_obs, pct=pct)
    else:
        summary = _("the raster has no valid pixel in any zone (forest unknown)")
    if flagged:
        summary += "; " + _("{count} zone(s) observed below {pct:g} % have no forest_pct").format(
            count=flagged, pct=min_observed_pct)
    click.echo(_("{count} zones; {summary} → {out}").format(count=len(table), summary=summary, out=out))


def _parse_classes(text: str | None) -> list[int] | None:
    """``"1,2"`` → ``[1, 2]``; anything else is an OptionError naming the value."""
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        classes = [int(p) for p in parts]
    except ValueError:
        raise OptionError(_("--forest-classes {value!r}: give integer class codes separated by commas, "
                            "e.g. --forest-classes 1,2").format(value=text)) from None
    return classes


def _refuse_input_as_output(out: Path, inputs: dict[str, Path]) -> None:
    """An output that is one of the inputs (or a Shapefile's part) is refused, even with
    --overwrite."""
    target = out.resolve()
    for what, path in inputs.items():
        src = path.resolve()
        same = target == src or (src.suffix.lower() == ".shp" and target.parent == src.parent
                                 and target.stem == src.stem and target.suffix.lower() in _SHP_PARTS)
        if same:
            raise OutputError(_("--out {out} is the {what} input {path}; gisplan never writes over its inputs: "
                                "choose another output file").format(out=out, what=what, path=path))


_SHP_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx"}


def register(group: click.Group) -> None:
    """Add `indicators` and `forest-cover` to the `gisplan` group."""
    group.add_command(indicators_cmd)
    group.add_command(forest_cover_cmd)
