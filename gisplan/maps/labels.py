"""Labels on a print map without overlaps: the greedy placement cartographers use for many small
features (lots of a forest-status map, communes, protected areas).

Candidates are tried in order of priority (e.g. the largest lot first); a label is kept when its
box, measured by the renderer in display units with a small margin, is inside the map frame and
meets no label already kept, else it is tried at a few positions around its anchor, else left
out. Kept labels carry a white halo so they read over any fill (an outline drawn under the label,
with ``gid="halo"``: the label itself stays text, searchable in a PDF). The labels left out are
counted so the map can say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib.patheffects as pe
import numpy as np

#: offsets (in label heights) tried around the anchor when the label does not fit on it
_SHIFTS = ((0, 0), (0, 0.6), (0, -0.6), (0.6, 0), (-0.6, 0))


@dataclass
class Placed:
    """The labels kept (matplotlib ``Text`` objects, in the order placed) and how many were
    left out for lack of room; ``boxes`` the room taken, display units with the margin (one row
    per kept label and per box given as ``avoid``), for the next set of labels to avoid."""

    texts: list
    left_out: int
    boxes: np.ndarray = field(default_factory=lambda: np.empty((0, 4)))


@dataclass
class LabelSet:
    """Labels a print map places: the anchor points ``xy`` (n, 2; data units of the map), the
    ``texts``, ``priority`` (higher first), ``fontsize`` and ``weight`` (one value or one per
    label: sizes by rank), colour and style. Sets are placed one after the other, each avoiding
    the ones before (:func:`gisplan.maps.printmap.render_figure`)."""

    name: str
    xy: np.ndarray
    texts: Sequence[str]
    priority: Sequence[float] | None = None
    fontsize: float | Sequence[float] = 6.0
    weight: str | Sequence[str] = "normal"
    color: str = "#202020"
    style: str = "normal"


def place_labels(ax, xy: np.ndarray, texts: Sequence[str], *, priority: Sequence[float] | None = None,
                 fontsize: float | Sequence[float] = 6.0, margin_pt: float = 1.0, halo: float = 1.5,
                 color: str = "#202020", weight: str | Sequence[str] = "normal", zorder: float = 6,
                 shifts=_SHIFTS, avoid: np.ndarray | None = None, style: str = "normal") -> Placed:
    """Place ``texts`` at the points ``xy`` (data coordinates of ``ax``) without overlaps.

    Parameters
    ----------
    xy : (n, 2) anchor points (e.g. each lot's representative point), in the axes' data units.
    texts : the label of each point ("" for none).
    priority : higher first (default: the order given).
    fontsize, weight : one value, or one per label (sizes by rank: a tiểu khu larger than a lot).
    margin_pt : free space kept around each label, points.
    halo : width of the white halo, points (0: none).
    avoid : (m, 4) boxes ``(x0, y0, x1, y1)`` in display units no label may meet (labels placed
        before, the scale bar, the north arrow).
    style : ``"normal"`` or ``"italic"``.

    Returns
    -------
    :class:`Placed`: the texts kept and the number left out.
    """
    n = len(texts)
    order = np.argsort(-np.asarray(priority, dtype=float), kind="stable") if priority is not None else np.arange(n)
    sizes = np.broadcast_to(np.asarray(fontsize, dtype=object), (n,))
    weights = np.broadcast_to(np.asarray(weight, dtype=object), (n,))
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    pad = margin_pt * fig.dpi / 72
    taken = np.asarray(avoid, dtype=float).reshape(-1, 4) if avoid is not None else np.empty((0, 4))
    boxes = np.empty((len(taken) + n, 4))  # the boxes taken so far (display units, with the margin)
    boxes[:len(taken)] = taken
    nb = len(taken)
    kept, left = [], 0
    for i in order:
        if not texts[i]:
            continue
        t = ax.text(xy[i, 0], xy[i, 1], texts[i], fontsize=float(sizes[i]), fontweight=weights[i], color=color,
                    fontstyle=style, ha="center", va="center", zorder=zorder, clip_on=True)
        placed = False
        for dx, dy in shifts:
            bb = t.get_window_extent(renderer)
            if dx or dy:  # move the label by a share of its height around the anchor (display units)
                x, y = ax.transData.transform(xy[i])
                x += dx * bb.height * 1.8
                y += dy * bb.height * 1.8
                t.set_position(ax.transData.inverted().transform((x, y)))
                bb = t.get_window_extent(renderer)
            box = (bb.x0 - pad, bb.y0 - pad, bb.x1 + pad, bb.y1 + pad)
            inside = frame.x0 <= box[0] and box[2] <= frame.x1 and frame.y0 <= box[1] and box[3] <= frame.y1
            b = boxes[:nb]
            clash = ((box[0] < b[:, 2]) & (b[:, 0] < box[2]) & (box[1] < b[:, 3]) & (b[:, 1] < box[3])).any()
            if inside and not clash:
                boxes[nb] = box
                nb += 1
                kept.append(t)
                placed = True
                break
        if not placed:
            t.remove()
            left += 1
    if halo:  # the halo is a white outline drawn under each label, which stays text (a PDF keeps it searchable)
        for t in kept:
            x, y = t.get_position()
            ax.text(x, y, t.get_text(), fontsize=t.get_fontsize(), fontweight=t.get_fontweight(), color="white",
                    fontstyle=t.get_fontstyle(), ha="center", va="center", zorder=zorder - 0.01, clip_on=True,
                    gid="halo", path_effects=[pe.withStroke(linewidth=halo, foreground="white")])
    return Placed(kept, left, boxes[:nb].copy())
