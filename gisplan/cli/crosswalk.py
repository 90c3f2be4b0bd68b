"""`gisplan crosswalk`: the pre-2025 → 2025 commune table (1 July 2025 reorganisation)."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from gisplan._atomic import atomic_path, catalog_inputs, check_output, input_files
from gisplan.catalog import Catalog, load_catalog
from gisplan.cli.i18n import N_, _
from gisplan.crosswalk import HEADERS_VI, METHODS_VI, catalog_crosswalk, crosswalk_counts
from gisplan.errors import OptionError
from gisplan.tables import table_titles

SUFFIXES = (".csv", ".xlsx")

#: the catalog is read for its layer types and the two layers used; other files may be absent
catalog_option = click.option(
    "--catalog", "catalog_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Catalog file (default: $GISPLAN_CATALOG, ./layers/catalog.toml, else the demo catalog).")


def summary_line(counts: dict[str, int]) -> str:
    """One line of counts a reader can check against the files."""
    how = [f"{counts[k]} {_(label)}" for k, label in (("exact", N_("by name")),
                                                     ("accent_folded", N_("by name without accents")),
                                                     ("declared", N_("by declared new_code"))) if counts[k]]
    return _("{old_units} pre-2025 units: {how}, {unmatched} unmatched; {split} split between several 2025 units; "
             "{receiving} of {new_units} 2025 units receive at least one ({rows} rows)").format(
        old_units=counts["old_units"], how=", ".join(how) or _("none matched"), unmatched=counts["unmatched"],
        split=counts["split"], receiving=counts["new_units_receiving"], new_units=counts["new_units"],
        rows=counts["rows"])


def write_table(table: pd.DataFrame, counts: dict[str, int], out: Path, *, overwrite: bool, inputs) -> Path:
    """Write the crosswalk as CSV (UTF-8 with BOM, for Excel) or as a workbook with Vietnamese
    headers and a sheet of counts; atomic, never onto an input."""
    with atomic_path(out, overwrite=overwrite, inputs=inputs) as tmp:
        if out.suffix.lower() == ".csv":
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            shown = table.assign(match_method=table["match_method"].map(METHODS_VI).fillna(table["match_method"]),
                                 split=table["split"].map({True: "Có", False: "Không"}))
            with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
                shown.rename(columns=HEADERS_VI).to_excel(xl, sheet_name=table_titles("crosswalk")[0], index=False)
                pd.DataFrame({"Số liệu": list(counts), "Giá trị": list(counts.values())}).to_excel(
                    xl, sheet_name="Tổng hợp", index=False)
    return out


@click.command("crosswalk")
@catalog_option
@click.option("--old", "old", type=click.Path(path_type=Path), default=None,
              help="Pre-2025 communes (layer or table with code and name, e.g. the GSO list as CSV); "
                   "default: the catalog's communes_pre2025 layer.")
@click.option("--new", "new", type=click.Path(path_type=Path), default=None,
              help="2025 communes/wards with their composition ('before_merger'): the composition CSV "
                   "or a communes layer; default: the catalog's communes layer.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Output table: .csv or .xlsx.")
@click.option("--overwrite", is_flag=True, help="Replace --out if it exists (never one of the inputs).")
def crosswalk_cmd(catalog_path, old, new, out, overwrite):
    """Write the table of every pre-2025 commune and the 2025 commune/ward it went into.

    Names are matched after Unicode and tone-mark normalisation (hoà/hòa), then without
    accents; an old commune split between two new units has a row for each. Old communes that
    match nothing are listed with the reason, and the counts are printed.
    """
    if out.suffix.lower() not in SUFFIXES:
        raise OptionError(_("--out {out}: write the crosswalk as .csv or .xlsx").format(out=out))
    # with both files given and no --catalog, only the layer types are needed
    catalog = load_catalog(catalog_path) if (catalog_path or old is None or new is None) else Catalog()
    inputs = catalog_inputs(catalog) | input_files([old, new])
    check_output(out, overwrite=overwrite, inputs=inputs)
    table = catalog_crosswalk(catalog, old=old, new=new)
    counts = crosswalk_counts(table)
    write_table(table, counts, out, overwrite=overwrite, inputs=inputs)
    click.echo(f"{summary_line(counts)} → {out}")
    unmatched = table[table["match_method"] == "unmatched"]
    for rec in unmatched.head(20).itertuples():
        unit = f"{rec.old_code} {rec.old_name}" + (f" ({rec.district})" if isinstance(rec.district, str) else "")
        click.echo(_("warning: unmatched {unit}: {reason}").format(unit=unit, reason=rec.reason), err=True)
    if len(unmatched) > 20:
        click.echo(_("warning: … and {count} more unmatched (see {out})").format(count=len(unmatched) - 20, out=out),
                   err=True)
    if counts["new_units_without_old"]:
        missing = sorted(set(table.attrs["new_codes"]) - set(table["new_code"].dropna()))
        click.echo(_("warning: {count} 2025 unit(s) receive no pre-2025 unit: {codes}").format(
            count=len(missing), codes=", ".join(missing[:20])), err=True)
    if table.attrs.get("unused"):
        click.echo(_("warning: {count} composition name(s) match no pre-2025 unit: {names}").format(
            count=len(table.attrs["unused"]), names="; ".join(table.attrs["unused"][:10])), err=True)


def register(group: click.Group) -> None:
    """Add `crosswalk` to the `gisplan` group."""
    group.add_command(crosswalk_cmd)
