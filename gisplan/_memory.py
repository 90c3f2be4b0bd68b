"""Memory that a long run has freed, handed back to the operating system.

A batch that runs several raster passes in one process (``gisplan national``: forest cover of
each year, then the change) frees each pass's work arrays, but glibc keeps freed blocks of up
to 32 MB in its heap, so the process's resident memory grows from pass to pass. ``malloc_trim``
returns them. Reading a layer of millions of features likewise frees as much as it keeps (the
geometry's WKB, Arrow buffers, the text as read): 0.7 GB for 2,000,000 forest-status lots, given
back before the next large step. Elsewhere (macOS, Windows, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc

#: Features from which reading a layer gives freed memory back.
LARGE_LAYER = 100_000

@functools.cache
def _malloc_trim():
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


def release_freed_memory(*, collect: bool = True) -> bool:
    """Collect garbage (unless ``collect`` is False: a full collection walks every object, seconds
    with millions of geometries alive) and give freed heap memory back to the OS; True when it
    could."""
    if collect:
        gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
