"""The TOML files gisplan ships and reads: where they are (``layers/``) and the one reader.

:data:`LAYERS_DIR` holds the layer-type definitions, the 2030 targets, the hazard weights, the
carbon factors and the demo catalog. :func:`read_toml` reads every TOML file gisplan takes (catalogs,
layer types, targets, hazard weights, national catalog), each caller naming the file in its
errors. Both are re-exported by :mod:`gisplan.catalog`, where callers import them from.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from gisplan.errors import CatalogError, LayerNotFoundError

_SOURCE_LAYERS = Path(__file__).resolve().parents[1] / "layers"  # a source checkout (or editable install)
_PACKAGED_LAYERS = Path(__file__).resolve().parent / "_layers"  # the copy inside an installed wheel


def _layers_dir() -> Path:
    env = os.environ.get("GISPLAN_LAYERS_DIR")
    if env:
        return Path(env)
    if (_SOURCE_LAYERS / "types.toml").exists():
        return _SOURCE_LAYERS
    return _PACKAGED_LAYERS


#: Folder holding the layer-type definitions, the 2030 targets and the demo catalog: ``layers/``
#: of the source tree, the copy shipped in the package when installed from a wheel, or
#: ``$GISPLAN_LAYERS_DIR``.
LAYERS_DIR = _layers_dir()
#: True when gisplan runs from an installed wheel (no source tree): the demo is built in the
#: working folder (``./data/demo``), never inside the installed package.
INSTALLED = LAYERS_DIR == _PACKAGED_LAYERS


def read_toml(path: Path, what: str, *, invalid: type[Exception] = CatalogError,
              missing: type[Exception] = LayerNotFoundError, hint: str = "") -> dict:
    """The TOML document at ``path`` (UTF-8). ``what`` names the file in errors ("catalog
    file", "hazard weights file"); ``hint`` follows the "does not exist" message.

    Raises
    ------
    ``missing`` (LayerNotFoundError by default)
        The file does not exist.
    ``invalid`` (CatalogError by default)
        The file is not valid TOML, not UTF-8, or cannot be read.
    """
    if not path.exists():
        raise missing(f"{what} {path} does not exist{hint}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise invalid(f"{what} {path} is not valid TOML: {exc}") from exc
    except OSError as exc:  # a folder, no permission
        raise invalid(f"cannot read {what} {path}: {exc}") from exc
