"""Memory that a long run has freed, handed back to the operating system.

A batch that runs several raster passes in one process (``gisplan national``: forest cover of
each year, then the change) frees each pass's work arrays, but glibc keeps freed blocks of up
to 32 MB in its heap, so the process's resident memory grows from pass to pass. ``malloc_trim``
returns them. Elsewhere (macOS, Windows, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc


@functools.cache
def _malloc_trim():
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


def release_freed_memory() -> bool:
    """Collect garbage and give freed heap memory back to the OS; True when it could."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
