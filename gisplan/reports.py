"""Reports from indicator results: a CSV per indicator, one Excel workbook with Vietnamese
headers and formatted sheets, and a short summary (Markdown and HTML).

Coded values (``national_park``, ``compliant`` …) are written with their Vietnamese labels from
``layers/types.toml`` (the codes the indicators make, from :mod:`gisplan.tables`); tables and
columns are titled by :mod:`gisplan.tables`; numbers are rounded by :func:`round_table` (4
decimals; people and counts whole) in every output and show two decimals in Excel (none for whole
numbers); an unknown number reads "không có số liệu" in the workbook, never a blank or 0.
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from gisplan._atomic import OutputFolder, atomic_path, catalog_inputs, ensure_dir, input_files
from gisplan._format import fmt_number
from gisplan.catalog import SYNTHETIC_NOTE, Catalog, LayerType, load_layer_types
from gisplan.errors import DataMissingError, GisplanError
from gisplan.indicators.results import IndicatorResults
from gisplan.tables import (
    FORMS,
    LABELS_OF,
    SPECIAL_LABELS,
    WHOLE_NUMBERS,
    column_title,
    column_titles,
    headline_labels,
    table_titles,
    unknown_text,
    value_label,
    vi_columns,
)

log = logging.getLogger(__name__)

WORKBOOK = "gisplan_chi_tieu.xlsx"



def write_reports(results: IndicatorResults, out_dir: str | os.PathLike, *, overwrite: bool = False,
                  inputs: Iterable[str | os.PathLike] | None = None,
                  types: Mapping[str, LayerType] | None = None) -> dict[str, Path]:
    """Write every indicator table: ``csv/<id>.csv``, the workbook and the summary.

    Parameters
    ----------
    results : from :func:`gisplan.indicators.run.run_indicators`.
    out_dir : folder to write into (created). The files written are listed in its
        ``.gisplan-manifest.json``; other files in it are never replaced nor removed.
    overwrite : replace the files of an earlier run (and remove the CSVs of tables this run did
        not produce, when the manifest lists them); without it an existing output is an error.
    inputs : files the run read, never written onto nor removed (default: the catalog named in
        ``results.meta["catalog"]`` and its layer files).
    types : the layer types whose labels coded values are written with (default: those of the
        run's catalog, its own ``types.toml`` when it names one; else ``layers/types.toml``).

    Values are rounded as :func:`round_table` rounds them — 4 decimals (ha, km, m, %), people and
    other counts to whole numbers — in the CSVs and the workbook alike; the workbook shows 2
    decimals (none for whole numbers).

    Raises
    ------
    OutputExistsError when an output exists and ``overwrite`` is false; OutputError when an
    output would replace an input or a file gisplan did not write, or the folder cannot be
    created. Every output is checked before the first one is written.

    Returns
    -------
    {"csv": folder, "excel": path, "markdown": path, "html": path}
    """
    out = Path(out_dir)
    catalog = _run_catalog(results)
    if inputs is None:
        inputs = catalog_inputs(catalog) if catalog is not None else input_files(_catalog_path(results) or [])
    else:
        inputs = input_files(inputs)
    if types is None:
        types = catalog.types if catalog is not None else load_layer_types()
    csvs = {name: f"csv/{name}.csv" for name in results.tables}
    with OutputFolder(out, inputs=inputs, overwrite=overwrite) as folder:
        folder.check([WORKBOOK, "tom_tat.md", "tom_tat.html", *csvs.values()])
        ensure_dir(out / "csv")
        labelled = {name: labelled_table(name, round_table(df), types=types) for name, df in results.tables.items()}
        for name, df in results.tables.items():
            with folder.write(csvs[name]) as tmp:
                # the official forms keep their Vietnamese headers in the CSV too
                (_rounded(labelled[name]) if name in FORMS else _rounded(df)).to_csv(tmp, index=False,
                                                                                 encoding="utf-8-sig")
        if overwrite:
            folder.prune("csv")  # tables of an earlier run that this one did not produce
        with folder.write(WORKBOOK) as tmp:
            _write_workbook(results, labelled, tmp)
        md, page = summary(results)
        paths = {"csv": out / "csv", "excel": out / WORKBOOK,
                 "markdown": folder.write_text("tom_tat.md", md), "html": folder.write_text("tom_tat.html", page)}
    return paths


def read_results(folder: str | os.PathLike, catalog) -> IndicatorResults:
    """Indicator results read back from a reports folder written by :func:`write_reports`
    (``csv/*.csv``): ids and codes (the id columns of the catalog's layer types, ``code``,
    ``pa_id`` …) keep their leading zeros.

    Raises
    ------
    DataMissingError when the folder holds no indicator CSV.
    """
    csv_dir = Path(folder) / "csv"
    files = sorted(csv_dir.glob("*.csv"))
    if not files:
        raise DataMissingError(f"{csv_dir} holds no indicator CSV; run `gisplan indicators --out {folder}` "
                               "first, or export from the catalog (omit --results)")
    ids = {t.id_column for t in catalog.types.values() if t.id_column} | {
        "code", "pa_id", "site_id", "section_id", "zone_id", "mine_id", "urban_id", "target_id"}
    tables = {}
    for f in files:
        head = pd.read_csv(f, nrows=0).columns
        tables[f.stem] = pd.read_csv(f, dtype={c: str for c in head if c in ids})
    return IndicatorResults(tables=tables, meta={"title": catalog.title, "catalog": str(catalog.path)})


def _catalog_path(results: IndicatorResults) -> list[str] | None:
    """The catalog file of a run (as a one-item list), or None when it has none or it is gone."""
    path = results.meta.get("catalog")
    return [path] if path and path != "None" and Path(path).is_file() else None


def _run_catalog(results: IndicatorResults):
    """The :class:`~gisplan.catalog.Catalog` of a run, or None when it has none or it cannot be read."""
    path = _catalog_path(results)
    if path is None:
        return None
    try:
        return Catalog(path[0])
    except GisplanError:
        return None


def _rounded(df: pd.DataFrame, decimals: int = 4) -> pd.DataFrame:
    """Float columns rounded to ``decimals`` (0.0001 ha = 1 m²): no float noise such as
    5999.999999999988 ha or 100.00000000000004 % in the CSVs; people and other counts
    (:data:`gisplan.tables.WHOLE_NUMBERS`) to whole numbers (an unknown one stays unknown)."""
    floats = df.select_dtypes(include="floating").columns
    whole = [c for c in df.columns if c in WHOLE_NUMBERS and pd.api.types.is_numeric_dtype(df[c])
             and not pd.api.types.is_bool_dtype(df[c])]
    out = {c: df[c].round(decimals) for c in floats if c not in whole}
    out.update({c: df[c].round(0).astype("Int64") for c in whole})
    return df.assign(**out) if out else df


def round_table(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` rounded as every written output is (float columns to 4 decimals, people and counts
    to whole numbers), so the CSVs, the workbook and the GeoPackage hold the same numbers."""
    return _rounded(df)


def labelled_table(name: str, df: pd.DataFrame, *, types: Mapping[str, LayerType] | None = None) -> pd.DataFrame:
    """``df`` with coded values replaced by their Vietnamese labels (from ``types``, a catalog's
    :attr:`~gisplan.catalog.Catalog.types`; default ``layers/types.toml``, and the codes the
    indicators make, :data:`gisplan.tables.VALUE_LABELS`) and Vietnamese column headers; columns of
    codes whose Vietnamese reading is another column are left out (:func:`gisplan.tables.vi_columns`)."""
    labels = _value_labels(load_layer_types() if types is None else types)
    out = df[vi_columns(name, df.columns)].copy()  # codes whose Vietnamese reading is another column: left out
    for col in out.columns:
        of = LABELS_OF.get(col, col)  # origin_before: the labels of origin
        mapping = {**labels.get(of, {}), **SPECIAL_LABELS.get(of, {})}
        if col == "status" and name != "targets":
            mapping = labels.get("status", {})
        if col == "status" and name == "conflicts":
            mapping = {**labels.get("licence_status", {}), **labels.get("status", {})}
        if mapping and (out[col].dtype == object or pd.api.types.is_string_dtype(out[col])):
            out[col] = out[col].map(lambda v, m=mapping: m.get(v, v))
        elif out[col].dtype == bool or str(out[col].dtype) == "boolean":
            out[col] = out[col].map(lambda v: "" if pd.isna(v) else ("Có" if v else "Không"))
    heads = column_titles(name)
    return out.rename(columns={c: heads.get(c, c) for c in out.columns})


def _value_labels(types: Mapping[str, LayerType]) -> dict[str, dict[str, str]]:
    """{column: {code: Vietnamese label}} over every layer type of ``types``."""
    labels: dict[str, dict[str, str]] = {}
    for t in types.values():
        for a in t.attributes.values():
            if a.allowed and a.labels_vi:
                labels.setdefault(a.name, {}).update(dict(zip(a.allowed, a.labels_vi, strict=True)))
    return labels


def _write_workbook(results: IndicatorResults, labelled: dict[str, pd.DataFrame], path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    cover = wb.active
    cover.title = "Thông tin"
    meta = results.meta
    lines = [("GISPLAN — CHỈ TIÊU KẾ HOẠCH BẢO VỆ MÔI TRƯỜNG TỈNH THÁI NGUYÊN ĐẾN NĂM 2030", True),
             ("Kế hoạch 125/KH-UBND ngày 16/7/2025 triển khai Nghị quyết 122/NQ-CP", False),
             (f"Dữ liệu: {meta.get('title', '')}", False),
             (f"Hệ tọa độ: VN-2000 / TM-3 kinh tuyến trục 106°30' ({meta.get('crs', 'EPSG:9213')}); diện tích (ha), chiều dài (km), khoảng cách (m)", False),
             (f"Ngày tham chiếu: {meta.get('reference_date', '')}; ngày lập: {meta.get('created', '')}", False)]
    if meta.get("synthetic"):
        lines.append((f"LƯU Ý: {SYNTHETIC_NOTE} — không dùng cho báo cáo chính thức", True))
    for i, (text, bold) in enumerate(lines, 1):
        cover.cell(row=i, column=1, value=text).font = Font(bold=bold, size=13 if i == 1 else 11,
                                                            color="C00000" if "LƯU Ý" in text else None)
    row = len(lines) + 2
    cover.cell(row=row, column=1, value="Các bảng").font = Font(bold=True)
    for name in labelled:
        row += 1
        sheet, vi, _en = table_titles(name)
        cover.cell(row=row, column=1, value=f"{sheet}: {vi}")
    flawed = [q for q in results.meta.get("layer_quality", []) if q["errors"] or q["warnings"] or _clipped(q)]
    if meta.get("study_area") in ("province", "study_area"):
        row += 2
        what = _summary_text("vi")["study_what"][meta["study_area"]]
        cover.cell(row=row, column=1, value=f"Vùng nghiên cứu: {what}; mọi lớp được cắt theo vùng này trước khi tính")
    if meta.get("layer_sets"):
        row += 2
        cover.cell(row=row, column=1, value=_summary_text("vi")["layer_sets"][3:]).font = Font(bold=True)
        for ls in meta["layer_sets"]:
            row += 1
            cover.cell(row=row, column=1, value=ls["note_vi"]).alignment = Alignment(wrap_text=True, vertical="top")
    if flawed:
        row += 2
        cover.cell(row=row, column=1, value="Chất lượng dữ liệu đầu vào (lỗi đã sửa, cần kiểm tra, đối tượng cắt theo vùng nghiên cứu)").font = Font(bold=True)
        for q in flawed:
            row += 1
            c = cover.cell(row=row, column=1, value=_quality_line(q))
            if q["errors"]:
                c.font = Font(color="C00000")
    notes = meta.get("notes_vi", {})
    if notes:
        row += 2
        cover.cell(row=row, column=1, value="Lưu ý khi đọc các bảng").font = Font(bold=True)
        for name, ns in notes.items():
            for n in ns:
                row += 1
                cover.cell(row=row, column=1, value=f"{table_titles(name)[0]}: {n}")
    if results.skipped:
        row += 2
        cover.cell(row=row, column=1, value="Chỉ tiêu chưa tính được (thiếu dữ liệu)").font = Font(bold=True)
        reasons = getattr(results, "skipped_vi", {})
        for name, reason in results.skipped.items():
            row += 1
            cover.cell(row=row, column=1, value=f"{name}: {reasons.get(name, reason)}")
    cover.column_dimensions["A"].width = 120

    head_fill = PatternFill("solid", fgColor="DDEBF7")
    missing_font = Font(italic=True, color="808080")
    used = set()
    for name, df in labelled.items():
        sheet, vi, _en = table_titles(name)
        while sheet in used:
            sheet = sheet[:29] + "_2"
        used.add(sheet)
        ws = wb.create_sheet(sheet)
        if name in FORMS:
            _write_form(ws, name, results.tables[name], results)
            continue
        ws.cell(row=1, column=1, value=vi).font = Font(bold=True, size=12)
        raw = results.tables[name]
        numeric = [pd.api.types.is_numeric_dtype(raw[c]) and not pd.api.types.is_bool_dtype(raw[c])
                   for c in vi_columns(name, raw.columns)]
        unknown = [unknown_text(c, table=name) for c in vi_columns(name, raw.columns)]
        whole = name == "targets"  # the tracker mixes units: counts (mỏ, bãi) show as whole numbers
        for j, col in enumerate(df.columns, 1):
            c = ws.cell(row=2, column=j, value=str(col))
            c.font = Font(bold=True)
            c.fill = head_fill
            c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        for i, rec in enumerate(df.itertuples(index=False), 3):
            for j, v in enumerate(rec, 1):
                if (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT or v is None:
                    # an unknown number in words (grey), never a blank that reads as work not done
                    if numeric[j - 1]:
                        cell = ws.cell(row=i, column=j, value=unknown[j - 1])
                        cell.font, cell.alignment = missing_font, Alignment(horizontal="right")
                    continue
                if isinstance(v, (np.integer,)):
                    v = int(v)
                elif isinstance(v, (np.floating,)):
                    v = float(v)
                cell = ws.cell(row=i, column=j, value=v)
                if isinstance(v, float) and not (whole and v.is_integer()):
                    cell.number_format = "#,##0.00"
                elif isinstance(v, float):
                    cell.number_format = "#,##0"
                elif isinstance(v, int):
                    cell.number_format = "#,##0"
        for j, col in enumerate(df.columns, 1):
            shown = [ws.cell(row=i, column=j).value for i in range(3, min(len(df), 200) + 3)]
            width = max([len(str(col)) * 0.6] + [len(str(v)) for v in shown if v is not None]) + 2
            ws.column_dimensions[get_column_letter(j)].width = min(max(width, 10), 60)
        ws.row_dimensions[2].height = 45
        ws.freeze_panes = "A3"
        if len(df):
            ws.auto_filter.ref = f"A2:{get_column_letter(len(df.columns))}{len(df) + 2}"
        if name == "targets":
            _style_targets(ws, results.tables[name])
    with atomic_path(path, overwrite=True) as tmp:
        wb.save(tmp)
    return path


#: the number format of a tracker value by its unit (counts whole, shares to one decimal)
_TARGET_FORMATS = {"%": "0.0", "ha": "#,##0.0", "km": "#,##0.0", "tấn C": "#,##0"}
_TARGET_FILLS = {"met": "C6EFCE", "not met": "FFC7CE", "incomplete": "FFEB9C"}
_TREND_COLOURS = {"improving": "1A7F37", "worsening": "C00000"}


def _style_targets(ws, raw: pd.DataFrame) -> None:
    """The targets sheet read as a tracker: each value in its unit's format (a deliverable 0/1, a
    count whole, a share to one decimal), the status coloured (met, not met, data incomplete), the
    trend coloured toward or away from the target, the wording and notes wrapped, the plan's
    section and wording frozen beside the numbers."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    col = {c: j for j, c in enumerate(vi_columns("targets", raw.columns), 1)}  # the columns the sheet shows
    values = [c for c in ("current", "earlier", "change", "projected", "target", "gap") if c in col]
    for i, r in enumerate(raw.to_dict("records"), 3):
        unit = str(r.get("unit") or "")
        fmt = "0" if unit.startswith("(1:") else _TARGET_FORMATS.get(unit, "#,##0")
        for c in values:
            ws.cell(row=i, column=col[c]).number_format = fmt
        if "status" in col and r.get("status") in _TARGET_FILLS:
            ws.cell(row=i, column=col["status"]).fill = PatternFill("solid", fgColor=_TARGET_FILLS[r["status"]])
        if "trend" in col and r.get("trend") in _TREND_COLOURS:
            ws.cell(row=i, column=col["trend"]).font = Font(color=_TREND_COLOURS[r["trend"]], bold=True)
        for c in ("wording_vi", "wording_en", "notes_vi", "notes_en", "needs", "measured_by"):
            if c in col:
                ws.cell(row=i, column=col[c]).alignment = Alignment(wrap_text=True, vertical="top")
    for c, width in (("wording_vi", 55), ("wording_en", 40), ("notes_vi", 70), ("notes_en", 70), ("needs", 35),
                     ("measured_by", 35)):
        if c in col:
            ws.column_dimensions[get_column_letter(col[c])].width = width
    if "wording_vi" in col:
        ws.freeze_panes = ws.cell(row=3, column=col["wording_vi"] + 1)


def _write_form(ws, name: str, df: pd.DataFrame, results: IndicatorResults) -> None:
    """A table of an official form (:data:`gisplan.tables.FORMS`) laid out as printed: number,
    title, place and year, unit, grouped headings, indented class labels, bold totals, and the
    source of the layout and of the data under the table."""
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    form = FORMS[name]
    meta = results.meta
    cols = [c for c in df.columns if c not in ("label_en", "indent")]
    n = len(cols)
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.cell(row=1, column=1, value=form.number).font = Font(bold=True)
    ws.cell(row=2, column=1, value=form.title_vi).font = Font(bold=True, size=13)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n)
    ws.cell(row=2, column=1).alignment = Alignment(horizontal="center")
    year = meta.get("forest_status_year")
    place = meta.get("forest_form_place") or meta.get("title") or ""
    ws.cell(row=3, column=1, value=f"{place}{f' — năm {year}' if year else ''}").alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=n)
    ws.cell(row=4, column=n, value=f"Đơn vị tính: {form.unit}").font = Font(italic=True)
    grouped = {c: title for title, members in form.groups for c in members}
    for j, col in enumerate(cols, 1):
        head = column_title(col, "vi", name)
        if col in grouped:
            ws.cell(row=6, column=j, value=head)
        else:
            ws.cell(row=5, column=j, value=head)
            ws.merge_cells(start_row=5, start_column=j, end_row=6, end_column=j)
    for title, members in form.groups:
        idx = [cols.index(c) + 1 for c in members if c in cols]
        if idx:
            ws.cell(row=5, column=idx[0], value=title)
            if len(idx) > 1:
                ws.merge_cells(start_row=5, start_column=idx[0], end_row=5, end_column=idx[-1])
    for r in (5, 6):
        for j in range(1, n + 1):
            c = ws.cell(row=r, column=j)
            c.font, c.border = Font(bold=True), box
            c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for i, rec in enumerate(df.to_dict("records"), 7):
        level = int(rec.get("indent", 1)) if pd.notna(rec.get("indent", 1)) else 1
        bold = level == 0 or rec.get("row") == "Tổng"
        for j, col in enumerate(cols, 1):
            v = rec[col]
            v = None if (isinstance(v, float) and np.isnan(v)) or v is pd.NA else v
            v = float(v) if isinstance(v, np.floating) else int(v) if isinstance(v, np.integer) else v
            c = ws.cell(row=i, column=j, value=v)
            c.border = box
            c.font = Font(bold=bold)
            if isinstance(v, float):
                c.number_format = "#,##0.00"
            if col == "label":
                c.alignment = Alignment(horizontal="left", indent=max(level - 1, 0) * 2, wrap_text=True,
                                        vertical="center")
                if isinstance(v, str) and len(v) > 55:  # a long class name wraps: give it the room
                    ws.row_dimensions[i].height = 15 * (1 + len(v) // 55)
    end = 7 + len(df) + 1
    source = "; ".join(dict.fromkeys(q for q in meta.get("forest_status_sources", []) if q))
    notes = [f"Bố cục biểu: {form.layout_source}"]
    if source:
        notes.append(f"Nguồn số liệu: {source}")
    if meta.get("synthetic"):
        notes.append(f"LƯU Ý: {SYNTHETIC_NOTE} — không dùng cho báo cáo chính thức")
    for k, text in enumerate(notes):
        c = ws.cell(row=end + k, column=1, value=text)
        c.font = Font(italic=True, size=9, color="C00000" if text.startswith("LƯU Ý") else None)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=end + k, start_column=1, end_row=end + k, end_column=n)
        ws.row_dimensions[end + k].height = 15 * (1 + len(text) // 140)
    for j, col in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(j)].width = {"label": 58, "row": 8, "name": 26, "code": 9}.get(col, 15)
    ws.row_dimensions[6].height = 60
    ws.freeze_panes = "C7"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True


#: the summary's wording: key -> (Vietnamese, English)
_SUMMARY_TEXT = {
    "title": ("# Tóm tắt chỉ tiêu — Kế hoạch 125/KH-UBND tỉnh Thái Nguyên",
              "# Indicator summary — Plan 125/KH-UBND, Thái Nguyên province"),
    "synthetic": ("số liệu minh họa, không dùng cho báo cáo chính thức",
                  "illustrative numbers, not for official reporting"),
    "data": ("Dữ liệu: {title} · ngày tham chiếu {ref} · hệ tọa độ VN-2000 / TM-3 106°30' (EPSG:9213)",
             "Data: {title} · reference date {ref} · CRS VN-2000 / TM-3 106°30' (EPSG:9213)"),
    "study": ("Vùng nghiên cứu: {what}; mọi lớp được cắt theo vùng này trước khi tính.",
              "Study area: {what}; every layer is clipped to it before any indicator."),
    "study_what": ({"province": "ranh giới tỉnh (lớp province)", "study_area": "study_area của danh mục"},
                   {"province": "the province boundary (province layer)", "study_area": "the catalog's study_area"}),
    "key": ("## Số liệu chính", "## Headline numbers"),
    "head": ("| Chỉ tiêu | Giá trị |", "| Indicator | Value |"),
    "targets": ("## Mục tiêu đến năm 2030", "## 2030 targets"),
    "targets_head": ("| Mục tiêu | Hiện trạng | Mục tiêu | Tình trạng |", "| Target | Current | Target | Status |"),
    "layer_sets": ("## Nhiều lớp dữ liệu cùng loại", "## Several layers of one type"),
    "quality": ("## Chất lượng dữ liệu đầu vào", "## Input data quality"),
    "quality_intro": ("Các lớp dưới đây có lỗi hoặc cảnh báo khi kiểm tra, hoặc có đối tượng bị cắt theo vùng "
                      "nghiên cứu; số liệu dùng các lớp có lỗi cần được rà soát (chạy `gisplan validate` để xem "
                      "từng đối tượng).",
                      "The layers below have validation errors or warnings, or features clipped to the study "
                      "area; numbers from layers with errors need checking (`gisplan validate` lists every "
                      "feature)."),
    "notes": ("## Lưu ý khi đọc các bảng", "## Notes on the tables"),
    "skipped": ("## Chỉ tiêu chưa tính được", "## Indicators not computed"),
    "tables": ("## Các bảng", "## Tables"),
}


def _summary_text(lang: str) -> dict:
    """The summary's wording in ``lang`` (``"vi"`` or ``"en"``)."""
    i = 1 if lang == "en" else 0
    return {key: texts[i] for key, texts in _SUMMARY_TEXT.items()}


def summary(results: IndicatorResults, lang: str = "vi") -> tuple[str, str]:
    """A short summary of the results, as (Markdown, HTML), in Vietnamese (``lang="vi"``,
    numbers as ``1.234,5``) or English (``"en"``, ``1,234.5``). Unknown values are written as
    "không có số liệu" / "no data", never 0; skipped indicators and notes give their reasons in
    the language of the summary."""
    lang = "en" if lang == "en" else "vi"
    T = _summary_text(lang)
    meta = results.meta
    h = results.headline
    md = [T["title"], ""]
    if meta.get("synthetic"):
        md += [f"> **{SYNTHETIC_NOTE}** — {T['synthetic']}.", ""]
    md += [T["data"].format(title=meta.get("title", ""), ref=meta.get("reference_date", ""))]
    if meta.get("study_area") in T["study_what"]:
        md += ["", T["study"].format(what=T["study_what"][meta["study_area"]])]
    md += ["", T["key"], "", T["head"], "|---|---:|"]
    md += [f"| {label} | {_fmt(h.get(k), lang, dec)} |" for k, label, dec in headline_labels(lang)]
    if "targets" in results.tables:
        t = results.tables["targets"]
        md += ["", T["targets"], "", T["targets_head"], "|---|---:|---:|---|"]
        for r in t.itertuples():
            status = value_label("status", r.status, lang)
            unit = f" {r.unit}" if r.unit else ""
            cur = _fmt(r.current, lang) + ("" if _missing(r.current) else unit)
            tgt = "" if _missing(r.target) else f"{r.comparison} {_fmt(r.target, lang)}{unit}"
            md.append(f"| {r.wording_vi} | {cur} | {tgt} | {status} |")
    if meta.get("layer_sets"):
        md += ["", T["layer_sets"], ""]
        md += [f"- {ls['note_vi' if lang == 'vi' else 'note_en']}" for ls in meta["layer_sets"]]
    flawed = [q for q in meta.get("layer_quality", []) if q["errors"] or q["warnings"] or _clipped(q)]
    if flawed:
        md += ["", T["quality"], "", T["quality_intro"], ""]
        md += [f"- {_quality_line(q, lang)}" for q in flawed]
    notes = meta.get("notes_vi" if lang == "vi" else "notes", {})
    if notes:
        md += ["", T["notes"], ""]
        md += [f"- `{k}`: {n}" for k, ns in notes.items() for n in ns]
    if results.skipped:
        reasons = getattr(results, "skipped_vi", {}) if lang == "vi" else {}
        md += ["", T["skipped"], ""]
        md += [f"- `{k}`: {reasons.get(k, v)}" for k, v in results.skipped.items()]
    md += ["", T["tables"], ""]
    md += [f"- {table_titles(n)[1 if lang == 'vi' else 2]} (`csv/{n}.csv`)" for n in results.tables]
    text = "\n".join(md) + "\n"
    return text, _html(text, lang)


def _clipped(q: dict) -> bool:
    c = q.get("clip") or {}
    return bool(c.get("cut") or c.get("dropped_outside") or c.get("dropped_slivers"))


def _quality_line(q: dict, lang: str = "vi") -> str:
    def n(v):
        return fmt_number(v, lang, 0)
    if lang == "en":
        text = f"{q['layer']}: {n(q['errors'])} error(s), {n(q['warnings'])} warning(s)"
    else:
        text = f"{q['layer']}: {n(q['errors'])} lỗi, {n(q['warnings'])} cảnh báo"
    if _clipped(q):
        c = q["clip"]
        if lang == "en":
            text += (f"; clipped to the study area: {n(c['kept'])} kept, {n(c['cut'])} cut at the boundary, "
                     f"{n(c['dropped_outside'])} outside and {n(c['dropped_slivers'])} border sliver(s) dropped")
        else:
            text += (f"; cắt theo vùng nghiên cứu: giữ {n(c['kept'])}, cắt theo ranh giới {n(c['cut'])}, "
                     f"bỏ {n(c['dropped_outside'])} đối tượng bên ngoài và {n(c['dropped_slivers'])} mảnh "
                     f"vụn ven ranh giới")
    return text + (f" — {'; '.join(q['examples'])}" if q["examples"] else "")


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def _fmt(v, lang: str = "vi", decimals: int | None = None) -> str:
    """A number in the summary's language (``1.234,56`` / ``1,234.56``); unknown in words."""
    if decimals is None:
        decimals = 0 if _missing(v) or float(v).is_integer() else 2
    return fmt_number(v, lang, decimals)


def _html(md: str, lang: str = "vi") -> str:
    """A minimal, dependency-free rendering of the summary Markdown (headings, tables, lists)."""
    out, in_table = [], False
    for line in md.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if set("".join(cells)) <= set("-:"):
                continue
            tag = "th" if not in_table else "td"
            if not in_table:
                out.append("<table>")
                in_table = True
            out.append("<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>")
            continue
        if in_table:
            out.append("</table>")
            in_table = False
        if line.startswith("# "):
            out.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line.startswith("## "):
            out.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("> "):
            out.append(f"<p class='note'>{html.escape(line[2:].replace('**', ''))}</p>")
        elif line.startswith("- "):
            out.append(f"<li>{html.escape(line[2:].replace('`', ''))}</li>")
        elif line:
            out.append(f"<p>{html.escape(line)}</p>")
    if in_table:
        out.append("</table>")
    style = ("body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:960px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:4px 8px}"
             "th{background:#ddebf7}.note{color:#c00000;font-weight:bold}")
    title = "Tóm tắt chỉ tiêu" if lang == "vi" else "Indicator summary"
    return (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{title}</title>"
            f"<style>{style}</style></head><body>{''.join(out)}</body></html>")
