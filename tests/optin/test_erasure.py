"""OptInRegistry. Erasure: keyed fingerprints, no silent re-import, rebuilds."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from community_marketing import (
    ConsentAction,
    ConsentStatus,
    InvalidTokenError,
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


# ---------------------------------------------------------------- erasure


def test_erase_removes_personal_data_and_keeps_a_keyed_hash(registry: OptInRegistry) -> None:
    registry.grant("ann@example.com", "news", "email", source="form", proof="ip=1.2.3.4", at=T0)
    registry.set_preferences("ann@example.com", timezone="Europe/Paris", at=T0)
    registry.grant("bob", "news", "email", source="form", at=T0)
    event = registry.erase("ann@example.com", at=T0 + DAY)
    assert event.action is ConsentAction.ERASE
    assert event.contact is None
    assert event.proof is not None
    assert "ann@example.com" not in event.proof
    assert registry.history("ann@example.com") == []
    dumped = json.dumps([e.to_dict() for e in registry.events()])
    assert "ann@example.com" not in dumped
    assert "1.2.3.4" not in dumped
    assert registry.may_contact("bob", "news", "email", at=T0 + DAY)


def test_erased_contact_cannot_be_silently_reimported(registry: OptInRegistry) -> None:
    registry.grant("ann", "news", "email", source="form", at=T0)
    registry.erase("ann", at=T0 + DAY)
    registry.grant_many(["ann"], "news", "email", source="import", basis="implied_business",
                        at=T0 + 2 * DAY)  # fmt: skip
    assert registry.status("ann", "news", "email", at=T0 + 2 * DAY) is ConsentStatus.SUPPRESSED
    registry.grant("ann", "news", "email", source="signup_form", at=T0 + 3 * DAY)
    assert registry.status("ann", "news", "email", at=T0 + 3 * DAY) is ConsentStatus.GRANTED
    # The audit view of the in-between moment still says suppressed.
    assert registry.status("ann", "news", "email", at=T0 + 2 * DAY) is ConsentStatus.SUPPRESSED


def test_erase_survives_rebuilds(registry: OptInRegistry) -> None:
    registry.grant("ann", "news", "email", source="form", at=T0)
    registry.erase("ann", at=T0 + DAY)
    state_copy = OptInRegistry.from_state(registry.to_state())
    events_copy = OptInRegistry.from_events(
        registry.events(), erasure_key=bytes.fromhex(registry.to_state()["config"]["erasure_key"])
    )
    for copy in (state_copy, events_copy):
        copy.grant_many(["ann"], "news", "email", source="import", basis="implied_business",
                        at=T0 + 2 * DAY)  # fmt: skip
        assert copy.status("ann", "news", "email", at=T0 + 2 * DAY) is ConsentStatus.SUPPRESSED


def test_erase_invalidates_pending_tokens(registry: OptInRegistry) -> None:
    token = registry.request("ann", "news", "email", source="form", at=T0)
    registry.erase("ann", at=T0 + HOUR)
    with pytest.raises(InvalidTokenError):
        registry.confirm(token, at=T0 + 2 * HOUR)
