"""Atomic output: write to a temporary file beside the target, then ``os.replace`` it.

A reader never sees a half-written output, a failed write leaves nothing behind, and an
existing file is replaced only when ``overwrite=True``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from gisplan.errors import OutputExistsError


def check_output(path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Return ``path`` as a Path; raise :class:`OutputExistsError` if it exists and
    ``overwrite`` is false."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path} exists; pass overwrite=True (CLI: --overwrite) to replace it")
    return path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success move it onto ``path``.

    The temporary name keeps the target's suffix so format drivers chosen by extension work.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("xin chào", encoding="utf-8")
    >>> out.read_text(encoding="utf-8")
    'xin chào'
    """
    path = check_output(path, overwrite=overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # let the writer create it (some drivers refuse an existing empty file)
    try:
        yield tmp
        if tmp.is_dir():
            if path.exists():
                shutil.rmtree(path) if path.is_dir() else path.unlink()
            os.replace(tmp, path)
        else:
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp) if tmp.is_dir() else tmp.unlink()


def write_text(path: str | os.PathLike, text: str, *, overwrite: bool = True) -> Path:
    """Write UTF-8 text atomically; returns the path."""
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


