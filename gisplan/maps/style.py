"""Colours, labels and classes shared by the interactive maps, the print maps and the site.

Category colours and labels come from the layer types (``layers/types.toml`` ``style`` and
``labels_vi``), so one category has one colour everywhere; VN_WQI bands use the colours of
Decision 1460/QĐ-TCMT; choropleths are classed with deterministic Fisher–Jenks breaks (``jenkspy``;
diverging classes split at a centre value, e.g. 0 ha of net change), so the same data
give the same classes on the web and print maps and on every run; continuous values get a linear
:class:`Ramp`. Missing values are drawn in a neutral grey (``NO_DATA_COLOR``) and labelled "không có
số liệu" / "no data", never classed as 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gisplan._format import fmt_number
from gisplan.catalog import LayerType, load_layer_types
from gisplan.vocabulary import WQI_BANDS

#: wording of a missing value (an optional column absent or empty), by language
NO_DATA = {"vi": "không có số liệu", "en": "no data"}
#: neutral grey of a missing value in every map and legend
NO_DATA_COLOR = "#cccccc"
#: a line without a class (a river section without a water-quality class) in a neutral blue: grey
#: lines vanish on the grey basemaps, and a river is still a river where its class is unknown
NO_DATA_LINE_COLOR = "#4f7fb0"


def no_data(lang: str = "vi") -> str:
    """The words for a missing value: ``"không có số liệu"`` (vi) or ``"no data"`` (en)."""
    return NO_DATA["vi" if lang == "vi" else "en"]


#: above this many values, breaks are computed on evenly spaced order statistics (deterministic)
JENKS_MAX_VALUES = 1000

#: sequential palettes (light → dark), 5 classes; diverging ones (low → high)
PALETTES = {
    "forest": ["#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"],
    "loss": ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"],
    "diverging": ["#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641"],
    # loss (red) ← 0 → gain (green), ColorBrewer RdYlGn 7; for classify(..., center=0)
    "change": ["#d73027", "#fc8d59", "#fee08b", "#ffffbf", "#d9ef8b", "#91cf60", "#1a9850"],
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
        """Colour of each value; classes are closed on the right, ``(a, b]`` (the first one
        ``[a, b]``); missing values get grey."""
        v = np.asarray(values, dtype=float)
        if not self.colors:
            return np.full(v.shape, NO_DATA_COLOR, dtype=object)
        idx = np.clip(np.searchsorted(self.edges[1:-1], v, side="left"), 0, len(self.colors) - 1)
        out = np.array(self.colors, dtype=object)[idx]
        out[np.isnan(v)] = NO_DATA_COLOR
        return out


@dataclass(frozen=True)
class Ramp:
    """A continuous colour ramp: ``colors`` placed at the values ``stops`` (increasing),
    linear in RGB between them, clamped outside; ``unit`` for the legend."""

    stops: tuple[float, ...]
    colors: tuple[str, ...]
    unit: str = ""

    @property
    def vmin(self) -> float:
        return self.stops[0]

    @property
    def vmax(self) -> float:
        return self.stops[-1]

    def color_of(self, values) -> np.ndarray:
        """``#rrggbb`` of each value; missing values get grey."""
        v = np.asarray(values, dtype=float)
        rgb = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in self.colors], dtype=float)
        x = np.clip(np.where(np.isnan(v), self.vmin, v), self.vmin, self.vmax)
        chan = [np.interp(x, self.stops, rgb[:, i]) for i in range(3)]
        out = np.array(["#{:02x}{:02x}{:02x}".format(*(int(round(c[j])) for c in chan)) for j in range(v.size)],
                       dtype=object).reshape(v.shape)
        out[np.isnan(v)] = NO_DATA_COLOR
        return out

    def css_stops(self) -> list[tuple[str, float]]:
        """(colour, position in % of the bar) for a CSS ``linear-gradient``."""
        span = (self.vmax - self.vmin) or 1.0
        return [(c, (s - self.vmin) / span * 100) for s, c in zip(self.stops, self.colors, strict=True)]


def categories(lt: LayerType | str, column: str | None = None, *, lang: str = "vi") -> list[Category]:
    """The categories of a layer type's styled column (default: ``style.column``), with the
    colour and label of each code, in the order of ``allowed``. ``lt`` is the catalog's
    :class:`LayerType` (``Catalog.layer_type``), or a type id of the packaged ``layers/types.toml``."""
    lt = load_layer_types()[lt] if isinstance(lt, str) else lt
    column = column or lt.style.get("column")
    attr = lt.attributes[column]
    return [Category(code, attr.label(code, lang), lt.color(code, column=column) or "#888888")
            for code in attr.allowed]


def wqi_categories(lang: str = "vi") -> list[Category]:
    """VN_WQI bands (Decision 1460/QĐ-TCMT, 2019) with their official colours."""
    return [Category(code, f"{vi if lang == 'vi' else en} ({lo if lo else '<10'}{'' if not lo else '+'})",
                     "#{:02x}{:02x}{:02x}".format(*rgb)) for code, lo, vi, en, rgb in WQI_BANDS]


def classify(values, *, k: int = 5, palette: str = "forest", unit: str = "%", decimals: int = 0,
             center: float | None = None, lang: str = "vi", breaks: tuple[float, ...] = ()) -> Classes:
    """Class edges for a choropleth (deterministic Fisher–Jenks natural breaks), rounded
    to ``decimals`` for readable labels written in the number format of ``lang``
    (``"1.234–2.000 ha"`` in Vietnamese, ``"1,234–2,000 ha"`` in English).

    With ``breaks`` (every edge, lowest to highest, e.g. ``(0, 20, 40, 60, 80, 100)``) the
    classes are those round, fixed classes whatever the values (maps of two years or two
    provinces then read alike); every class is listed, a value beyond the last edge takes the
    last class.

    With ``center`` (a diverging palette, e.g. net change around 0), ``center`` is a class
    edge, the values below and above it are classed separately (about ``k // 2`` classes each)
    and take the colours of the palette's low and high halves, darkest farthest from the centre
    (the palette's middle colour is not used).

    Returns
    -------
    Classes with labels such as ``"40–60 %"`` (``"-120 – 0 ha"`` when a value is negative); no
    class at all when every value is missing (each is then drawn as "no data").
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return Classes((), (), ())
    if breaks:
        return fixed_classes(breaks, palette=palette, unit=unit, decimals=decimals, lang=lang)
    scale = 10.0**decimals
    lo, hi = np.floor(v.min() * scale) / scale, np.ceil(v.max() * scale) / scale
    if center is None or not lo < center < hi:
        edges = _edges(v, k, decimals, lo, hi)
        colors = _pick(PALETTES[palette], len(edges) - 1)
        if center is not None:  # every value on one side: the matching half of the palette
            half = _halves(PALETTES[palette])[0 if hi <= center else 1]
            colors = _pick(half[::-1] if hi <= center else half, len(edges) - 1)
    else:
        below = _edges(v[v <= center], max(1, k // 2), decimals, lo, float(center))
        above = _edges(v[v > center], max(1, k // 2), decimals, float(center), hi)
        edges = below + above[1:]
        low_half, high_half = _halves(PALETTES[palette])
        colors = _pick(low_half, len(below) - 1) + _pick(high_half, len(above) - 1)
    return Classes(tuple(edges), tuple(colors), _labels(edges, unit, decimals, lang))


def fixed_classes(breaks, *, palette: str = "forest", unit: str = "%", decimals: int = 0,
                  lang: str = "vi") -> Classes:
    """Round, fixed classes between the ``breaks`` (every edge, increasing), coloured with
    ``palette`` and labelled like :func:`classify`'s.

    Examples
    --------
    >>> fixed_classes((0, 20, 40, 60, 80, 100)).labels
    ('0–20 %', '20–40 %', '40–60 %', '60–80 %', '80–100 %')
    """
    edges = [float(b) for b in breaks]
    if len(edges) < 2 or any(b <= a for a, b in zip(edges[:-1], edges[1:], strict=False)):
        raise ValueError(f"class breaks must be at least two increasing values, not {breaks!r}")
    return Classes(tuple(edges), tuple(_pick(PALETTES[palette], len(edges) - 1)), _labels(edges, unit, decimals, lang))


def _labels(edges, unit: str, decimals: int, lang: str) -> tuple[str, ...]:
    dash = " – " if edges[0] < 0 else "–"
    return tuple(f"{fmt_number(a, lang, decimals)}{dash}{fmt_number(b, lang, decimals)} {unit}".strip()
                 for a, b in zip(edges[:-1], edges[1:], strict=True))


def _edges(v: np.ndarray, k: int, decimals: int, lo: float, hi: float) -> list[float]:
    """Fisher–Jenks edges of ``v`` in at most ``k`` classes (``jenkspy``, compiled: the optimal
    breaks, the same as mapclassify's ``FisherJenks`` without its numba compilation at import),
    rounded, between ``lo`` and ``hi``."""
    import jenkspy

    k = max(1, min(k, len(np.unique(v))))
    if v.size > JENKS_MAX_VALUES:  # Fisher–Jenks is O(k n²): evenly spaced order statistics
        v = np.sort(v)[np.round(np.linspace(0, v.size - 1, JENKS_MAX_VALUES)).astype(int)]
        k = max(1, min(k, len(np.unique(v))))
    inner = [] if k == 1 else [round(float(b), decimals) for b in jenkspy.jenks_breaks(v, n_classes=k)[1:-1]]
    return sorted({float(lo), *[e for e in inner if lo < e < hi], float(hi)})


def _halves(palette: list[str]) -> tuple[list[str], list[str]]:
    """The low half (darkest first) and high half (lightest first) of a diverging palette,
    without its middle colour."""
    mid = len(palette) // 2
    return palette[:mid], palette[len(palette) - mid:]


def ramp(stops, colors, unit: str = "") -> Ramp:
    """A :class:`Ramp` from value stops and colours (same length, stops increasing)."""
    stops = tuple(float(s) for s in stops)
    if len(stops) != len(colors) or len(stops) < 2 or bool(np.any(np.diff(stops) <= 0)):
        raise ValueError("a ramp needs at least two increasing stops and one colour per stop")
    return Ramp(stops, tuple(colors), unit)


def wqi_ramp() -> Ramp:
    """VN_WQI 0–100 as a continuous ramp through the official band colours (Decision
    1460/QĐ-TCMT), each colour at the middle of its band."""
    bands = sorted(WQI_BANDS, key=lambda b: b[1])
    lows = [b[1] for b in bands] + [101]
    mids = [0.0] + [(lows[i] + lows[i + 1] - 1) / 2 for i in range(1, len(bands) - 1)] + [100.0]
    return ramp(mids, ["#{:02x}{:02x}{:02x}".format(*b[4]) for b in bands])


def _pick(palette: list[str], n: int) -> list[str]:
    if n >= len(palette):
        return palette[:n] if n <= len(palette) else palette + [palette[-1]] * (n - len(palette))
    idx = np.round(np.linspace(0, len(palette) - 1, n)).astype(int)
    return [palette[i] for i in idx]
