"""Memory that a long run has freed, handed back to the operating system.

A batch that runs several raster passes in one process (``gisplan national``: forest cover of
each year, then the change) frees each pass's work arrays, but glibc keeps freed blocks of up
to 32 MB in its heap, so the process's resident memory grows from pass to pass. ``malloc_trim``
returns them. Reading a layer of millions of features likewise frees as much as it keeps (the
geometry's WKB, Arrow buffers, the text as read): 0.7 GB for 2,000,000 forest-status lots, given
back before the next large step. Elsewhere (macOS, Windows, musl) this does nothing.

Arrow buffers made while a large layer is read come from the C library's allocator
(:func:`arrow_buffers_from_heap`): pyarrow's default pool, mimalloc, hands the pages of freed
buffers back to the system within milliseconds, so each batch of a read is written into fresh
pages the kernel must find and zero first (2,000,000 lots: 17 s of kernel time in a 26 s read,
against 5 s in 19 s with the C library's heap, which reuses the blocks the batches free).

NumPy asks the kernel for transparent huge pages for every array of 4 MB or more
(``madvise(MADV_HUGEPAGE)``). Where the kernel then compacts memory synchronously to find them
(``/sys/kernel/mm/transparent_hugepage/defrag`` set to ``madvise``), a new array waits for that
compaction whenever the machine's memory is fragmented (a long-running server, a large page
cache): seen here, 7 s to make a 440 MB array instead of 0.2 s, and 31 s instead of 11 s for a
step of 2,000,000 lots. :func:`numpy_without_huge_pages`, run when this module is imported (by
the reading of layers and the batch runs, which make the large arrays; a bare ``import gisplan``
stays without NumPy), turns NumPy's request off on such kernels, unless ``NUMPY_MADVISE_HUGEPAGE``
is set (NumPy's own switch: ``1`` keeps the request).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

#: Features from which reading a layer gives freed memory back.
LARGE_LAYER = 100_000
#: Where Linux says how it finds transparent huge pages.
THP = Path("/sys/kernel/mm/transparent_hugepage")

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


@contextlib.contextmanager
def arrow_buffers_from_heap() -> Iterator[None]:
    """Within the block, pyarrow's default memory pool is the C library's allocator (its
    ``system_memory_pool``); the pool in use before is restored after. A buffer keeps the pool
    it came from, so buffers made inside are freed correctly after the block."""
    import pyarrow as pa

    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(before)


def compacts_for_huge_pages(enabled: str, defrag: str) -> bool:
    """Whether a kernel with these settings (the contents of ``THP/enabled`` and ``THP/defrag``,
    the choice in brackets) makes a program that asks for huge pages wait for memory compaction.

    Examples
    --------
    >>> compacts_for_huge_pages("always [madvise] never", "always defer defer+madvise [madvise] never")
    True
    >>> compacts_for_huge_pages("always [madvise] never", "always defer defer+madvise madvise [never]")
    False
    >>> compacts_for_huge_pages("always madvise [never]", "always defer defer+madvise [madvise] never")
    False
    """
    return "[never]" not in enabled and ("[madvise]" in defrag or "[defer+madvise]" in defrag)


def numpy_without_huge_pages() -> bool:
    """Turn NumPy's request for huge pages off where it makes new arrays wait for memory
    compaction (see the module's notes); True when it did."""
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ or not sys.platform.startswith("linux"):
        return False
    try:
        enabled, defrag = (THP / "enabled").read_text(), (THP / "defrag").read_text()
    except OSError:  # no transparent huge pages
        return False
    if not compacts_for_huge_pages(enabled, defrag):
        return False
    import numpy as np

    core = getattr(np, "_core", None) or np.core  # NumPy 2 / 1.26
    switch = getattr(core.multiarray, "_set_madvise_hugepage", None)
    if switch is None:  # pragma: no cover - a NumPy without the switch
        return False
    switch(False)
    return True


numpy_without_huge_pages()
