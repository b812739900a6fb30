"""A registry with a mixed consent stream: the oracle of the Spark audience test and benchmark."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import numpy as np

from community_marketing import OptInRegistry

START = datetime(2026, 1, 1, tzinfo=UTC)
ASKED_AT = START + timedelta(days=30, hours=3)  # 22:00 the day before in New York
PURPOSE, CHANNEL = "news", "email"


def mixed_registry(n: int, *, seed: int = 0) -> OptInRegistry:
    """``n`` contacts ("c0"...): grants, withdrawals and re-grants, suppressions, erasures
    and re-imports of the erased, pending double opt-ins, quiet hours and frequency caps."""
    rng = np.random.default_rng(seed)
    contacts = np.array([f"c{i}" for i in range(n)], dtype=object)
    groups = np.split(
        rng.permutation(contacts), np.cumsum(np.array([5, 10, 5, 3, 1, 2, 8, 3]) * n // 100)
    )
    unknown, withdrawn, regranted, suppressed, erased, pending, quiet, capped = groups[:8]
    registry = OptInRegistry(clock=lambda: ASKED_AT)
    granted = np.setdiff1d(contacts, np.concatenate([unknown, pending]))
    registry.grant_many(granted, PURPOSE, CHANNEL, basis="express", source="import", at=START)
    registry.grant_many(
        contacts[: n // 4], "offers", "sms", basis="express", source="import", at=START
    )
    registry.request_many(pending, PURPOSE, CHANNEL, source="form", at=START + timedelta(days=2))
    for contact in quiet.tolist():
        registry.set_preferences(
            contact,
            timezone="America/New_York",
            quiet_hours=(time(21), time(8)),
            at=START + timedelta(days=1),
        )
    for contact in capped.tolist():
        registry.set_preferences(
            contact, max_per_period=(1, timedelta(days=7)), at=START + timedelta(days=1)
        )
    registry.record_sent_many(capped, PURPOSE, CHANNEL, at=ASKED_AT - timedelta(days=2))
    registry.withdraw_many(
        np.concatenate([withdrawn, regranted]),
        PURPOSE,
        CHANNEL,
        source="unsubscribe_link",
        at=START + timedelta(days=10),
    )
    registry.suppress_many(suppressed, reason="hard_bounce", at=START + timedelta(days=12))
    for contact in erased.tolist():
        registry.erase(contact, at=START + timedelta(days=15))
    registry.grant_many(
        np.concatenate([erased[::2], suppressed[::2]]),
        PURPOSE,
        CHANNEL,
        basis="express",
        source="import",
        at=START + timedelta(days=20),
    )
    for contact in regranted.tolist():
        registry.grant(
            contact, PURPOSE, CHANNEL, source="preference_center", at=START + timedelta(days=25)
        )
    return registry
