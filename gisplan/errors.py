"""Exceptions and warnings raised by gisplan.

Every error gisplan raises derives from :class:`GisplanError`; each subclass also inherits the
built-in exception it resembles, so ``except FileNotFoundError`` keeps working. Messages say
what is wrong (naming the file, layer, column or row) and how to fix it.
"""

from __future__ import annotations


class GisplanError(Exception):
    """Base class of all gisplan errors."""


class GisplanWarning(UserWarning):
    """Base class of gisplan's warnings (assumed CRS, repaired geometry, decoded legacy text)."""


class CatalogError(GisplanError, ValueError):
    """The layer catalog or a layer-type definition is malformed."""


class LayerNotFoundError(GisplanError, FileNotFoundError):
    """A catalog entry, file or layer inside a file does not exist."""


class UnknownLayerTypeError(GisplanError, KeyError):
    """A layer type id that the catalog does not define."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class ReadError(GisplanError, OSError):
    """A file exists but cannot be read: truncated, corrupt or of an unknown format."""


class CRSError(GisplanError, ValueError):
    """A layer has no CRS that gisplan can determine, or a CRS is invalid or mismatched."""


class SchemaError(GisplanError, ValueError):
    """A layer does not fit its layer type: missing required column, wrong type, empty layer."""


class EncodingError(GisplanError, UnicodeError):
    """Text attributes cannot be decoded with the requested or detected encoding."""


class ValidationError(GisplanError, ValueError):
    """Validation found errors; ``report`` holds every problem found."""

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


class OutputExistsError(GisplanError, FileExistsError):
    """An output file exists and overwriting was not requested."""


class AssumedCRSWarning(GisplanWarning):
    """A layer had no CRS and one was assumed from its coordinates."""


class RepairWarning(GisplanWarning):
    """Geometries or text were repaired on read."""


class DataMissingError(GisplanError, LookupError):
    """Data an indicator or map needs is absent: no layer of a type in the catalog, its file is
    missing, or an optional column it needs holds no value. ``run_indicators`` skips an
    indicator only on this error (with its message as the reason); any other error fails."""


class OptionError(GisplanError, ValueError):
    """An option is out of its range or malformed (``threshold=-5``, ``mmu_ha=-1``)."""


class MissingDependencyError(GisplanError, ImportError):
    """An optional dependency is not installed; the message names the extra to install
    (``pip install "gisplan[maps]"``)."""


class OutputError(GisplanError, OSError):
    """An output cannot be written where asked (the folder cannot be created, the output is one
    of the run's own inputs)."""


def data_missing(message_en: str, message_vi: str, *, layers: tuple[str, ...] = (),
                 public_vi: str = "") -> DataMissingError:
    """A :class:`DataMissingError` with its Vietnamese reason in ``reason_vi``; ``layers`` the
    layer types that would supply what is missing and ``public_vi`` the reason in plain words,
    without technical detail (what a public page says; the reason itself goes to the metadata)."""
    exc = DataMissingError(message_en)
    exc.reason_vi = message_vi
    exc.layers = tuple(layers)
    exc.public_vi = public_vi
    return exc


def missing_layer(type_id: str, detail: str = "") -> DataMissingError:
    """The :class:`DataMissingError` for a layer type absent from the catalog, with an English
    message and a Vietnamese one in ``reason_vi``."""
    extra_en = f" ({detail})" if detail else ""
    return data_missing(f"no '{type_id}' layer in the catalog (or its file is missing){extra_en}",
                        f"thiếu lớp dữ liệu '{type_id}' trong danh mục (hoặc thiếu tệp)", layers=(type_id,))
