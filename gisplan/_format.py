"""Numbers as people read them: ``1.234,5`` in Vietnamese outputs, ``1,234.5`` in English ones."""

from __future__ import annotations

import math

#: a missing value, by language
MISSING = {"vi": "không có số liệu", "en": "no data"}


def fmt_number(value, lang: str = "vi", decimals: int = 0) -> str:
    """``value`` with ``decimals`` decimals and grouped thousands: Vietnamese (``lang="vi"``)
    groups with ``.`` and marks decimals with ``,``; English the other way round. A missing value
    (None, NaN) is written in words (``"không có số liệu"`` / ``"no data"``), never as 0.

    Examples
    --------
    >>> fmt_number(1234.5, "vi", 1)
    '1.234,5'
    >>> fmt_number(1234.5, "en", 1)
    '1,234.5'
    >>> fmt_number(-0.04, "vi", 1)
    '0,0'
    """
    vi = lang == "vi"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return MISSING["vi" if vi else "en"]
    if math.isnan(v):
        return MISSING["vi" if vi else "en"]
    text = f"{v:,.{max(0, int(decimals))}f}"
    if text.lstrip("-").strip("0.,") == "":  # -0.0 → 0.0
        text = text.lstrip("-")
    if vi:
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text
