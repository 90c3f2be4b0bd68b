"""Tables printed on the terminal, fitted to :data:`WIDTH` columns: long cells wrap inside their
column (the message column first) instead of widening the table."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

#: the widest line a table prints
WIDTH = 100
#: a column is never wrapped narrower than this
MIN_COLUMN = 8
_GAP = "  "


def text_table(rows: Sequence[Mapping[str, object]], columns: Sequence[str], *, headers: Mapping[str, str] | None = None,
               wrap_first: Sequence[str] = (), right: Sequence[str] = (), width: int = WIDTH) -> str:
    """``rows`` (mappings) as an aligned text table of ``columns`` no wider than ``width``.

    Columns too wide to fit are wrapped: those in ``wrap_first`` (a message column), then the
    widest of the others, each down to :data:`MIN_COLUMN` characters at least. ``headers`` gives
    a column's heading (default: its name); ``right`` columns are right-aligned (numbers). A
    missing or None cell is blank.

    Examples
    --------
    >>> print(text_table([{"a": "x", "b": "một hai ba bốn năm"}], ["a", "b"], width=12))
    a  b
    -  ---------
    x  một hai
       ba bốn
       năm
    """
    headers = {c: str((headers or {}).get(c, c)) for c in columns}
    cells = [[_text(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(headers[c])] + [max((len(line) for line in row[i].splitlines()), default=0) for row in cells])
              for i, c in enumerate(columns)]
    _fit(widths, [c in wrap_first for c in columns], [len(headers[c]) for c in columns], width)
    lines = [_line([headers[c] for c in columns], widths, columns, right),
             _GAP.join("-" * w for w in widths).rstrip()]
    for row in cells:
        wrapped = [_wrap(text, w) for text, w in zip(row, widths, strict=True)]
        for k in range(max(len(w) for w in wrapped)):
            lines.append(_line([w[k] if k < len(w) else "" for w in wrapped], widths, columns, right))
    return "\n".join(lines)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return " ".join(str(value).split()) if "\n" not in str(value) else str(value)


def _fit(widths: list[int], first: list[bool], heads: list[int], width: int) -> None:
    """Narrow ``widths`` in place until the table fits ``width``: the ``first`` columns share what
    the others leave (a narrow one keeps its width, the rest split evenly), then the widest
    columns give way, none below :data:`MIN_COLUMN` or its heading."""
    def total():
        return sum(widths) + len(_GAP) * (len(widths) - 1)

    wrap = sorted((i for i, f in enumerate(first) if f), key=lambda i: widths[i])
    if total() > width and wrap:
        left = width - (total() - sum(widths[i] for i in wrap))
        for k, i in enumerate(wrap):
            share = left // (len(wrap) - k)
            widths[i] = max(MIN_COLUMN, heads[i], min(widths[i], share))
            left -= widths[i]
    while total() > width:
        i = max(range(len(widths)), key=lambda j: widths[j])
        floor = max(MIN_COLUMN, heads[i])
        if widths[i] <= floor:
            break
        widths[i] = max(floor, widths[i] - (total() - width))


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width``: broken at spaces, and inside a long path after a
    ``/``; a word longer than the line is cut."""
    out = []
    for para in text.splitlines() or [""]:
        line, gap = "", ""
        for tok in re.findall(r"\s+|[^\s/]*/|[^\s/]+", para):
            if tok.isspace():
                gap = " " if line else ""
                continue
            if len(line) + len(gap) + len(tok) <= width:
                line, gap = line + gap + tok, ""
                continue
            if line:
                out.append(line)
            while len(tok) > width:
                out.append(tok[:width])
                tok = tok[width:]
            line, gap = tok, ""
        out.append(line)
    return out


def _line(parts, widths, columns, right) -> str:
    return _GAP.join(p.rjust(w) if c in right else p.ljust(w)
                     for p, w, c in zip(parts, widths, columns, strict=True)).rstrip()
