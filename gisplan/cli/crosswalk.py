"""`gisplan crosswalk`: the pre-2025 → 2025 commune table (1 July 2025 reorganisation)."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from gisplan._atomic import atomic_path, catalog_inputs, check_output, input_files
from gisplan.catalog import Catalog, load_catalog
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
    how = [f"{counts[k]} {label}" for k, label in (("exact", "by name"), ("accent_folded", "by name without accents"),
                                                  ("declared", "by declared new_code")) if counts[k]]
    return (f"{counts['old_units']} pre-2025 units: {', '.join(how) or 'none matched'}, {counts['unmatched']} unmatched; "
            f"{counts['split']} split between several 2025 units; {counts['new_units_receiving']} of "
            f"{counts['new_units']} 2025 units receive at least one ({counts['rows']} rows)")


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
        raise OptionError(f"--out {out}: write the crosswalk as .csv or .xlsx")
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
        click.echo(f"warning: unmatched {rec.old_code} {rec.old_name}"
                   f"{f' ({rec.district})' if isinstance(rec.district, str) else ''}: {rec.reason}", err=True)
    if len(unmatched) > 20:
        click.echo(f"warning: … and {len(unmatched) - 20} more unmatched (see {out})", err=True)
    if counts["new_units_without_old"]:
        missing = sorted(set(table.attrs["new_codes"]) - set(table["new_code"].dropna()))
        click.echo(f"warning: {len(missing)} 2025 unit(s) receive no pre-2025 unit: {', '.join(missing[:20])}",
                   err=True)
    if table.attrs.get("unused"):
        click.echo(f"warning: {len(table.attrs['unused'])} composition name(s) match no pre-2025 unit: "
                   f"{'; '.join(table.attrs['unused'][:10])}", err=True)


def register(group: click.Group) -> None:
    """Add `crosswalk` to the `gisplan` group."""
    group.add_command(crosswalk_cmd)
