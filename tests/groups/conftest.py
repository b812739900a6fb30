"""Fixtures of the FanGroup tests: a clock, a small open group, a registry."""

from __future__ import annotations

import pytest

from community_marketing.groups import FanGroup
from community_marketing.optin import OptInRegistry

from ._support import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def group(clock: Clock) -> FanGroup:
    group = FanGroup("espresso", "ann", clock=clock)
    group.join_many(["bob", "cid", "dan", "eve"])
    return group


@pytest.fixture
def registry(clock: Clock) -> OptInRegistry:
    return OptInRegistry(clock=clock)
