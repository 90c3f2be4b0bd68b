"""Shared fixtures: tiny layers built by hand, and the real data beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_REAL = REPO.parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def real_data() -> Path:
    """``../shared/data/real`` beside the repository; skips the test when it is absent."""
    if not SHARED_REAL.is_dir():
        pytest.skip(f"real data not available: {SHARED_REAL} does not exist (it sits beside the repo)")
    return SHARED_REAL
