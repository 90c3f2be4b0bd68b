"""Labels on a print map without overlaps: the greedy placement cartographers use for many small
features (lots of a forest-status map, communes, protected areas).

Candidates are tried in order of priority (e.g. the largest lot first); a label is kept when its
box, measured by the renderer in display units with a small margin, is inside the map frame and
meets no label already kept, else it is tried at a few positions around its anchor, else left
out. Kept labels carry a white halo so they read over any fill. The labels left out are counted
so the map can say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.patheffects as pe
import numpy as np

#: offsets (in label heights) tried around the anchor when the label does not fit on it
_SHIFTS = ((0, 0), (0, 0.6), (0, -0.6), (0.6, 0), (-0.6, 0))


@dataclass
class Placed:
    """The labels kept (matplotlib ``Text`` objects, in the order placed) and how many were
    left out for lack of room."""

    texts: list
    left_out: int


def place_labels(ax, xy: np.ndarray, texts: Sequence[str], *, priority: Sequence[float] | None = None,
                 fontsize: float | Sequence[float] = 6.0, margin_pt: float = 1.0, halo: float = 1.5,
                 color: str = "#202020", weight: str | Sequence[str] = "normal", zorder: float = 6,
                 shifts=_SHIFTS) -> Placed:
    """Place ``texts`` at the points ``xy`` (data coordinates of ``ax``) without overlaps.

    Parameters
    ----------
    xy : (n, 2) anchor points (e.g. each lot's representative point), in the axes' data units.
    texts : the label of each point ("" for none).
    priority : higher first (default: the order given).
    fontsize, weight : one value, or one per label (sizes by rank: a tiểu khu larger than a lot).
    margin_pt : free space kept around each label, points.
    halo : width of the white halo, points (0: none).

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
    boxes = np.empty((n, 4))  # the boxes of the labels kept so far (display units, with the margin)
    nb = 0
    kept, left = [], 0
    effects = [pe.withStroke(linewidth=halo, foreground="white")] if halo else None
    for i in order:
        if not texts[i]:
            continue
        t = ax.text(xy[i, 0], xy[i, 1], texts[i], fontsize=float(sizes[i]), fontweight=weights[i], color=color,
                    ha="center", va="center", zorder=zorder, path_effects=effects, clip_on=True)
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
    return Placed(kept, left)
