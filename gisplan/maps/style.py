"""Colours, labels and classes shared by the interactive maps, the print maps and the site.

Category colours and labels come from the layer types (``layers/types.toml`` ``style`` and
``labels_vi``), so one category has one colour everywhere; VN_WQI bands use the colours of
Decision 1460/QĐ-TCMT; choropleths are classed with mapclassify.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gisplan.catalog import LayerType, load_layer_types
from gisplan.indicators.water import WQI_BANDS

#: sequential palettes (light → dark), 5 classes
PALETTES = {
    "forest": ["#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"],
    "loss": ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"],
    "diverging": ["#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641"],
}


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    color: str


@dataclass(frozen=True)
class Classes:
    """A classed choropleth: ``edges`` (k+1 values), ``colors`` (k), ``labels`` (k)."""

    edges: tuple[float, ...]
    colors: tuple[str, ...]
    labels: tuple[str, ...]

    def color_of(self, values) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        idx = np.clip(np.searchsorted(self.edges[1:-1], v, side="left"), 0, len(self.colors) - 1)
        out = np.array(self.colors, dtype=object)[idx]
        out[np.isnan(v)] = "#cccccc"
        return out


def layer_type(type_id: str) -> LayerType:
    return load_layer_types()[type_id]


def categories(type_id: str, column: str | None = None, *, lang: str = "vi") -> list[Category]:
    """The categories of a layer type's styled column (default: ``style.column``), with the
    colour and label of each code, in the order of ``allowed``."""
    lt = layer_type(type_id)
    column = column or lt.style.get("column")
    attr = lt.attributes[column]
    out = []
    for code in attr.allowed:
        color = lt.color(code, column=column) or "#888888"
        out.append(Category(code, attr.label(code, lang), color))
    return out


def wqi_categories(lang: str = "vi") -> list[Category]:
    """VN_WQI bands (Decision 1460/QĐ-TCMT, 2019) with their official colours."""
    return [Category(code, f"{vi if lang == 'vi' else en} ({lo if lo else '<10'}{'' if not lo else '+'})",
                     "#{:02x}{:02x}{:02x}".format(*rgb)) for code, lo, vi, en, rgb in WQI_BANDS]


def classify(values, *, k: int = 5, scheme: str = "NaturalBreaks", palette: str = "forest",
             unit: str = "%", decimals: int = 0) -> Classes:
    """Class edges for a choropleth (mapclassify), rounded to ``decimals`` for readable labels.

    Returns
    -------
    Classes with labels such as ``"40–60 %"``.
    """
    import mapclassify

    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return Classes((0.0, 1.0), (PALETTES[palette][0],), ("—",))
    k = max(1, min(k, len(np.unique(v))))
    scale = 10.0**decimals
    lo, hi = np.floor(v.min() * scale) / scale, np.ceil(v.max() * scale) / scale
    inner = [] if k == 1 else [round(float(b), decimals) for b in getattr(mapclassify, scheme)(v, k=k).bins[:-1]]
    edges = sorted({float(lo), *[e for e in inner if lo < e < hi], float(hi)})
    n = len(edges) - 1
    colors = _pick(PALETTES[palette], n)
    fmt = f"{{:,.{decimals}f}}"
    labels = tuple(f"{fmt.format(a)}–{fmt.format(b)} {unit}".strip() for a, b in zip(edges[:-1], edges[1:], strict=True))
    return Classes(tuple(edges), tuple(colors), labels)


def _pick(palette: list[str], n: int) -> list[str]:
    if n >= len(palette):
        return palette[:n] if n <= len(palette) else palette + [palette[-1]] * (n - len(palette))
    idx = np.round(np.linspace(0, len(palette) - 1, n)).astype(int)
    return [palette[i] for i in idx]
