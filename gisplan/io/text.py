"""Text of a layer read: legacy column names of Shapefiles decoded (TCVN3, VNI, UTF-8 read as
Latin-1), and the text decoded to Unicode reported (a warning issue per column the file does
not declare in that encoding; a Python warning for TCVN3/VNI).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from pathlib import Path

from gisplan.catalog import LayerType
from gisplan.encoding import decode_column_names
from gisplan.errors import RepairWarning
from gisplan.io.columns import canonical_name
from gisplan.io.report import ValidationReport
from gisplan.io.vector import codec, declared_encoding

log = logging.getLogger(__name__)


def decode_names(df, path: Path, encoding: str, decoded: dict, columns: dict):
    """Column names of a Shapefile (DBF field names are bytes, read as Latin-1) written in
    TCVN3, VNI or UTF-8 → Unicode NFC; ``columns`` may name them either way. Returns (frame,
    decoded text columns under their new names, column mapping, note or None)."""
    if path.suffix.lower() not in (".shp", ".dbf") or encoding not in ("auto", "tcvn3", "vni"):
        return df, decoded, columns, None
    geom = getattr(df, "_geometry_column_name", None)
    new = decode_column_names([c for c in df.columns if c != geom], encoding, hint=decoded.values())
    if not new:
        return df, decoded, columns, None
    lower = {str(k).lower(): v for k, v in new.items()}
    columns = {lower.get(str(k).lower(), k): v for k, v in columns.items()}
    decoded = {new.get(c, c): e for c, e in decoded.items()}
    note = "column names decoded to Unicode: " + ", ".join(f"{a!r} → {b!r}" for a, b in new.items())
    log.info("%s: %s", path, note)
    return df.rename(columns=new), decoded, columns, note


def report_decoded(report: ValidationReport, path: Path, decoded: Mapping[str, str], ltype: LayerType,
                   columns: Mapping[str, str]) -> None:
    """Report the text columns decoded to Unicode (``decoded``: source column → encoding): logged,
    a :class:`~gisplan.errors.RepairWarning` for TCVN3/VNI, and a ``text_decoded`` warning issue
    (under the column's canonical name) for each column the file does not declare in that
    encoding."""
    if not decoded:
        return
    msg = f"{path}: text decoded to Unicode from " + ", ".join(f"{c} ({e})" for c, e in decoded.items())
    log.info(msg)
    if any(e in ("tcvn3", "vni") for e in decoded.values()):
        warnings.warn(msg, RepairWarning, stacklevel=5)
    declared = declared_encoding(path)
    for col, enc in decoded.items():
        if codec(enc) == declared:
            continue  # what the file says it holds (e.g. UTF-8 with a .cpg saying so)
        says = f"the file declares {declared}" if declared else "the file declares no encoding"
        report.add("warning", "text_decoded", f"text decoded to Unicode (NFC) from {enc} ({says})",
                   column=canonical_name(col, ltype, columns))
