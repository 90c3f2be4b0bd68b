"""Validation reports: the problems found in a layer and the repairs made, one :class:`Issue` per
feature and problem.

Printed reports show at most ``MAX_ROWS_PER_PROBLEM`` rows per problem and column, then one
"… and N more" line (:meth:`ValidationReport.capped`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from gisplan.catalog import LayerType

#: Rows per problem (code and column) shown when a report is printed; the report keeps all.
MAX_ROWS_PER_PROBLEM = 20


@dataclass(frozen=True)
class Issue:
    """One problem found in a layer."""

    severity: str  # "error" | "warning"
    code: str
    message: str
    file: str | None = None
    layer: str | None = None
    column: str | None = None
    row: object | None = None

    def where(self) -> str:
        parts = [p for p in (self.file, self.layer and f"layer {self.layer}",
                             self.column and f"column {self.column}",
                             self.row is not None and f"row {self.row}") if p]
        return ", ".join(str(p) for p in parts)


class ValidationReport:
    """The issues found in one or more layers."""

    #: rows per problem (code and column) shown when the report is printed
    print_limit = MAX_ROWS_PER_PROBLEM

    def __init__(self, issues: Iterable[Issue] = (), *, file: str | None = None, layer: str | None = None):
        self.issues: list[Issue] = list(issues)
        self.file = file
        self.layer = layer
        #: the field set recognised and decoded (e.g. an FRMS lot file: ``{"field_set": "frms_vi",
        #: "title": …, "numbering": …}``), None for a file in gisplan's own columns
        self.schema: dict | None = None

    def add(self, severity: str, code: str, message: str, *, column=None, row=None) -> None:
        self.issues.append(Issue(severity, code, message, self.file, self.layer, column, row))

    def extend(self, other: ValidationReport | Iterable[Issue]) -> None:
        self.issues.extend(other.issues if isinstance(other, ValidationReport) else other)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        cols = ["severity", "code", "file", "layer", "column", "row", "message"]
        return pd.DataFrame([asdict(i) for i in self.issues], columns=cols)

    def records(self) -> list[dict]:
        return [asdict(i) for i in self.issues]

    def __iter__(self) -> Iterator[Issue]:
        return iter(self.issues)

    def __len__(self) -> int:
        return len(self.issues)

    def capped(self, limit: int | None = print_limit) -> list[Issue]:
        """The issues for printing: at most ``limit`` rows per (severity, code, column), then one
        issue "… and N more rows with the same problem" (``limit=None``: all of them)."""
        if limit is None:
            return list(self.issues)
        seen: dict[tuple, int] = {}
        slot: dict[tuple, int] = {}
        out: list[Issue | None] = []
        for issue in self.issues:
            key = (issue.severity, issue.code, issue.file, issue.layer, issue.column)
            if issue.row is None:
                out.append(issue)
                continue
            n = seen[key] = seen.get(key, 0) + 1
            if n <= limit:
                out.append(issue)
            elif n == limit + 1:
                slot[key] = len(out)
                out.append(None)
        for key, pos in slot.items():
            severity, code, file, layer, column = key
            out[pos] = Issue(severity, code, f"… and {seen[key] - limit} more rows with the same problem",
                             file, layer, column, None)
        return out

    def __str__(self) -> str:
        if not self.issues:
            return "no problems found"
        return "\n".join(f"{i.severity.upper():7} {i.where()}: {i.message}" for i in self.capped())


def row_ids(df: pd.DataFrame, layer_type: LayerType) -> pd.Series:
    """The ``row`` of each feature in issues: its id when the layer type has an id column and
    the value is present, else its 0-based position."""
    col = layer_type.id_column
    if col and col in df.columns:
        return df[col].astype(object).where(df[col].notna(), pd.Series(range(len(df)), index=df.index))
    return pd.Series(range(len(df)), index=df.index, dtype=object)


def report_rows(report, severity, code, mask, ids, column, message_fn) -> None:
    """Add one issue per feature where ``mask`` is true; ``message_fn(position)`` words it."""
    rows = np.flatnonzero(np.asarray(mask, dtype=bool))
    for pos in rows:
        report.add(severity, code, message_fn(pos), column=column, row=ids.iloc[pos])
