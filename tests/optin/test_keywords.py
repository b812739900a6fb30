"""OptInRegistry. SMS keywords: STOP, START, HELP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from community_marketing import (
    OptInRegistry,
)

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def snapshot(registry: OptInRegistry) -> tuple[object, ...]:
    """Everything observable: the events and the repr (counts)."""
    return tuple(registry.events()), repr(registry)


@pytest.fixture
def registry() -> OptInRegistry:
    return OptInRegistry(clock=lambda: T0 + 30 * DAY)


# ---------------------------------------------------------------- keywords


def test_sms_keywords(registry: OptInRegistry) -> None:
    registry.grant("+1555", "alerts", "sms", source="web", at=T0)
    registry.grant("+1555", "offers", "sms", source="web", at=T0)
    registry.grant("+1555", "offers", "email", source="web", at=T0)
    stop = registry.apply_keyword("+1555", "sms", "Stop please", at=T0 + HOUR)
    assert stop.kind == "stop"
    assert stop.keyword == "STOP"
    assert len(stop.events) == 2
    assert registry.may_contact("+1555", "offers", "email", at=T0 + HOUR)  # other channel kept
    help_result = registry.apply_keyword("+1555", "sms", "HELP", at=T0 + 2 * HOUR)
    assert help_result.kind == "help"
    assert help_result.events == ()
    assert registry.apply_keyword("+1555", "sms", "hello", at=T0 + 2 * HOUR).kind == "none"
    start = registry.apply_keyword("+1555", "sms", "start", at=T0 + 3 * HOUR)
    assert sorted(e.purpose for e in start.events if e.purpose) == ["alerts", "offers"]
    assert all(e.source == "keyword:START" for e in start.events)
    assert registry.may_contact("+1555", "alerts", "sms", at=T0 + 3 * HOUR)


def test_keyword_lists_are_configuration() -> None:
    registry = OptInRegistry(stop_keywords=["ARRET"], start_keywords=["REPRISE"])
    registry.grant("+33", "alerts", "sms", source="web", at=T0)
    assert registry.apply_keyword("+33", "sms", "STOP", at=T0 + HOUR).kind == "none"
    assert registry.apply_keyword("+33", "sms", "arret", at=T0 + HOUR).kind == "stop"
    assert not registry.may_contact("+33", "alerts", "sms", at=T0 + HOUR)
