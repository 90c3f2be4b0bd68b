"""Small helpers on pandas columns shared by the readers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def map_unique(s: pd.Series, fn: Callable, *, dtype=object) -> pd.Series:
    """``s.map(fn)`` computed once per distinct value: lot files repeat a few codes and names over
    hundreds of thousands of rows. Missing values (None, NaN, NA) are passed to ``fn`` once too.

    Examples
    --------
    >>> map_unique(pd.Series(["a", "b", "a", None]), lambda v: None if v is None else v.upper()).tolist()
    ['A', 'B', 'A', None]
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    values = np.empty(len(uniques) + 1, dtype=object)
    values[:-1] = [fn(v) for v in uniques]
    missing = codes < 0
    if missing.any():
        values[-1] = fn(None)
    out = pd.Series(values[codes], index=s.index, dtype=object)
    return out if dtype is object else out.astype(dtype)
