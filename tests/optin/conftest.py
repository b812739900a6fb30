"""Fixtures of the registry's tests."""

from __future__ import annotations

import pytest

from community_marketing import OptInRegistry

from ._support import DAY, T0


@pytest.fixture
def registry() -> OptInRegistry:
    """An empty registry whose clock stands 30 days after ``T0``."""
    return OptInRegistry(clock=lambda: T0 + 30 * DAY)
