"""Shared by the FanGroup tests: a settable clock, a closed group, `unchanged`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from community_marketing.groups import FanGroup

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


class Clock:
    """A settable clock for tests."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def unchanged(group: FanGroup, call: Callable[[], object], error: type[Exception]) -> None:
    """Assert that ``call`` raises ``error`` and leaves the group exactly as it was."""
    before = group.to_state()
    with pytest.raises(error):
        call()
    assert group.to_state() == before


def closed(clock: Clock) -> FanGroup:
    return FanGroup(
        "roasters",
        "ann",
        open_enrollment=False,
        questions=["Which roast?", "Why join?"],
        clock=clock,
    )
