"""`gisplan crosswalk`: the pre-2025 → 2025 commune table."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add `crosswalk` to the `gisplan` group."""
