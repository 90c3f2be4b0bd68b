"""Memory settings of a run (gisplan._memory): the Arrow pool of a read is restored after it,
and NumPy's huge-page request is left as the user set it."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa

from gisplan._memory import arrow_buffers_from_heap


def test_the_arrow_pool_is_the_heap_inside_and_restored_after():
    before = pa.default_memory_pool().backend_name
    with arrow_buffers_from_heap():
        assert pa.default_memory_pool().backend_name == "system"
        table = pa.table({"a": pa.array(["x", "y"] * 1000)})
    assert pa.default_memory_pool().backend_name == before
    assert table.column("a").to_pylist()[:2] == ["x", "y"]  # made inside, used after
    try:
        with arrow_buffers_from_heap():
            raise KeyError("x")
    except KeyError:
        pass
    assert pa.default_memory_pool().backend_name == before


def test_numpy_huge_pages_as_the_user_set_them():
    code = ("import gisplan.io, numpy as np; core = getattr(np, '_core', None) or np.core; "
            "print(core.multiarray._get_madvise_hugepage())")
    env = {**os.environ, "NUMPY_MADVISE_HUGEPAGE": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
    env["NUMPY_MADVISE_HUGEPAGE"] = "0"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
