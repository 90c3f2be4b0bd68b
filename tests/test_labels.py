"""Print-map labels placed without overlaps (gisplan.maps.labels)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from gisplan.maps.labels import place_labels


def test_labels_never_overlap_and_stay_in_the_frame():
    fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
    try:
        ax.set_xlim(0, 100)
        ax.set_ylim(0, 100)
        rng = np.random.default_rng(1)
        xy = rng.uniform(-5, 105, (400, 2))  # some anchors outside the frame
        placed = place_labels(ax, xy, [f"{i}\nRTG" for i in range(400)], priority=rng.uniform(size=400))
        r = fig.canvas.get_renderer()
        boxes = [t.get_window_extent(r) for t in placed.texts]
        frame = ax.get_window_extent(r)
        assert len(boxes) + placed.left_out == 400 and 20 < len(boxes) < 400
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
        assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes)
        # the labels left out are removed from the axes; each kept one has its halo under it
        assert len([t for t in ax.texts if t.get_gid() != "halo"]) == len(boxes)
        assert len([t for t in ax.texts if t.get_gid() == "halo"]) == len(boxes)
    finally:
        plt.close(fig)


def test_the_first_in_priority_is_placed_and_a_lone_label_sits_on_its_anchor():
    fig, ax = plt.subplots(figsize=(3, 3), dpi=100)
    try:
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 10)
        xy = np.array([[5.0, 5.0], [5.05, 5.0]])  # two anchors on top of each other
        placed = place_labels(ax, xy, ["Kim Hỷ", "Thần Sa"], priority=[1, 2], fontsize=[8, 10])
        assert [t.get_text() for t in placed.texts][0] == "Thần Sa"
        assert tuple(placed.texts[0].get_position()) == (5.05, 5.0)
        assert placed.texts[0].get_fontsize() == 10
    finally:
        plt.close(fig)
