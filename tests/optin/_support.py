"""What the registry's tests share: the moments they speak of, and a snapshot of a registry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from community_marketing import OptInRegistry

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def snapshot(registry: OptInRegistry) -> tuple[object, ...]:
    """Everything observable: the events and the repr (counts)."""
    return tuple(registry.events()), repr(registry)
