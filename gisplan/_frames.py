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


def lookup(s: pd.Series, table, *, dtype=object) -> pd.Series:
    """``s.map(table)`` (a dict or a Series keyed by value) looked up once per distinct value;
    values not in ``table`` and missing values give None (NaN with a float ``dtype``).

    Examples
    --------
    >>> lookup(pd.Series(["RTG", "DT2", "RTG", None, "XX"]), {"RTG": "plantation", "DT2": "bare"}).tolist()
    ['plantation', 'bare', 'plantation', None, None]
    """
    get = (table.to_dict() if isinstance(table, pd.Series) else table).get
    return map_unique(s, lambda v: None if v is None else get(v), dtype=dtype)


class LayerMeta(dict):
    """What gisplan records of a layer it read, kept in ``gdf.attrs["gisplan"]`` (source, CRS,
    encoding, field set, the validation issues …).

    pandas deep-copies a frame's ``attrs`` into every frame an operation returns (a column taken,
    a row selection, a copy): with the issue records of 200,000 lots that copying took 17 s of a
    province run. A ``LayerMeta`` is shared by those frames instead of copied; it is read-only by
    convention — a step that records more makes a new one (``LayerMeta({**meta, "clip": …})``).

    Examples
    --------
    >>> import copy
    >>> meta = LayerMeta(issues=[{"code": "overlap"}])
    >>> copy.deepcopy({"gisplan": meta})["gisplan"] is meta
    True
    """

    def __deepcopy__(self, memo) -> LayerMeta:
        return self
