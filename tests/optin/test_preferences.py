"""OptInRegistry. Preferences: quiet hours, pause, frequency caps."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from community_marketing import (
    ConsentRequiredError,
    InvalidInputError,
    OptInRegistry,
    Preferences,
    Reason,
)

from ._support import DAY, HOUR, T0, snapshot

# ---------------------------------------------------------------- preferences


def test_quiet_hours_in_the_contacts_own_zone(registry: OptInRegistry) -> None:
    registry.grant("ann", "news", "email", source="form", at=T0)
    registry.set_preferences(
        "ann", timezone="America/New_York", quiet_hours=(time(21), time(8)), at=T0
    )
    # 02:00 UTC is 21:00 in New York (EST): quiet.
    assert registry.check("ann", "news", "email", at=datetime(2026, 1, 2, 2, tzinfo=UTC)) is (
        Reason.QUIET_HOURS
    )
    # 15:00 UTC is 10:00 in New York: fine.
    assert registry.may_contact("ann", "news", "email", at=datetime(2026, 1, 2, 15, tzinfo=UTC))


def test_quiet_hours_without_midnight_wrap() -> None:
    prefs = Preferences(quiet_hours=(time(12), time(14)))
    assert prefs.in_quiet_hours(datetime(2026, 1, 1, 13, tzinfo=UTC))
    assert not prefs.in_quiet_hours(datetime(2026, 1, 1, 14, tzinfo=UTC))


def test_pause_and_frequency_cap(registry: OptInRegistry) -> None:
    registry.grant("ann", "news", "email", source="form", at=T0)
    registry.set_preferences("ann", paused_until=T0 + 7 * DAY, at=T0)
    assert registry.check("ann", "news", "email", at=T0 + DAY) is Reason.PAUSED
    assert registry.may_contact("ann", "news", "email", at=T0 + 8 * DAY)
    registry.set_preferences("ann", max_per_period=(2, 7 * DAY), at=T0 + 8 * DAY)
    registry.record_sent("ann", "news", "email", at=T0 + 8 * DAY)
    assert registry.may_contact("ann", "news", "email", at=T0 + 8 * DAY + HOUR)
    registry.record_sent("ann", "news", "email", at=T0 + 9 * DAY)
    assert registry.check("ann", "news", "email", at=T0 + 9 * DAY + HOUR) is Reason.FREQUENCY_CAP
    # The window slides: a week after the first send, one slot is free again.
    assert registry.may_contact("ann", "news", "email", at=T0 + 15 * DAY + HOUR)


def test_exempt_sends_do_not_count_toward_the_cap() -> None:
    registry = OptInRegistry(exempt_purposes=["receipts"], default_max_per_period=(1, DAY))
    registry.grant("ann", "news", "email", source="form", at=T0)
    registry.record_sent("ann", "receipts", "email", at=T0)
    assert registry.may_contact("ann", "news", "email", at=T0 + HOUR)
    registry.record_sent("ann", "news", "email", at=T0 + HOUR)
    assert registry.check("ann", "news", "email", at=T0 + 2 * HOUR) is Reason.FREQUENCY_CAP
    assert registry.may_contact("ann", "receipts", "email", at=T0 + 2 * HOUR)


def test_preferences_as_of_a_moment(registry: OptInRegistry) -> None:
    registry.set_preferences("ann", timezone="Asia/Tokyo", at=T0)
    registry.set_preferences("ann", timezone="Europe/Paris", at=T0 + DAY)
    assert registry.preferences("ann", at=T0 + HOUR).timezone == "Asia/Tokyo"
    assert registry.preferences("ann", at=T0 + 2 * DAY).timezone == "Europe/Paris"
    assert registry.preferences("ann", at=T0 - HOUR) == Preferences()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"quiet_hours": (time(22),)}, "quiet_hours"),
        ({"quiet_hours": (time(8), time(8))}, "quiet_hours"),
        ({"quiet_hours": (time(8, tzinfo=UTC), time(9))}, "quiet_hours"),
        ({"max_per_period": (0, DAY)}, "max_per_period"),
        ({"max_per_period": (2, -DAY)}, "max_per_period"),
        ({"max_per_period": (True, DAY)}, "max_per_period"),
        ({"paused_until": datetime(2026, 1, 1)}, "paused_until"),
    ],
)
def test_bad_preferences_name_the_field(
    registry: OptInRegistry, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInputError, match=field):
        registry.set_preferences("ann", at=T0, **kwargs)  # type: ignore[arg-type]
    assert registry.events() == []


# ---------------------------------------------------------------- sends (issue: every path)


def test_a_contact_listed_twice_takes_one_place_under_a_cap() -> None:
    """Fault 6: duplicates no longer bypass frequency caps."""
    registry = OptInRegistry(default_max_per_period=(1, timedelta(days=7)))
    registry.grant_many(["c1", "c2"], "news", "email", basis="express", source="form", at=T0)
    assert registry.audience(["c1", "c1"], "news", "email", at=T0) == ["c1"]
    assert registry.audience(np.array(["c2", "c1", "c2", "c1"]), "news", "email", at=T0) == [
        "c2",
        "c1",
    ]
    # Ids that Python treats as equal are one contact too.
    registry.grant(1, "news", "email", source="form", at=T0)
    assert registry.audience([1, 1.0, np.int64(1), True], "news", "email", at=T0) == [1]


def test_exempt_audiences_of_unknown_contacts_are_distinct_too() -> None:
    registry = OptInRegistry(exempt_purposes=["receipts"])
    assert registry.audience(["x", "y", "x"], "receipts", "email", at=T0) == ["x", "y"]


@pytest.mark.parametrize(
    ("contact", "reason"),
    [("stranger", "no_consent"), ("gone", "withdrawn"), ("blocked", "suppressed")],
)
def test_a_send_that_was_not_allowed_is_refused_and_changes_nothing(
    registry: OptInRegistry, contact: str, reason: str
) -> None:
    registry.grant_many(["gone", "blocked"], "news", "email", basis="express", source="form", at=T0)
    registry.withdraw("gone", source="link", at=T0 + HOUR)
    registry.suppress("blocked", reason="complaint", at=T0 + HOUR)
    before = snapshot(registry)
    with pytest.raises(ConsentRequiredError, match=f"^contact: '{contact}' .*: {reason};"):
        registry.record_sent(contact, "news", "email", at=T0 + DAY)
    with pytest.raises(ConsentRequiredError, match=rf"^contacts\[0\]: '{contact}' .*{reason}"):
        registry.record_sent_many([contact, "nobody"], "news", "email", at=T0 + DAY)
    assert snapshot(registry) == before


def test_exempt_sends_are_recorded_without_consent_but_never_to_the_suppressed() -> None:
    registry = OptInRegistry(exempt_purposes=["receipts"])
    registry.record_sent("ann", "receipts", "email", at=T0)
    assert registry.record_sent_many(["bob", "cid"], "receipts", "email", at=T0) == 2
    registry.suppress("ann", reason="complaint", at=T0 + HOUR)
    with pytest.raises(ConsentRequiredError, match="suppressed"):
        registry.record_sent("ann", "receipts", "email", at=T0 + DAY)


def test_sends_over_the_cap_are_refused_in_bulk_all_or_nothing() -> None:
    registry = OptInRegistry(default_max_per_period=(1, DAY))
    registry.grant_many(["ann", "bob"], "news", "email", basis="express", source="form", at=T0)
    registry.record_sent("ann", "news", "email", at=T0)
    with pytest.raises(ConsentRequiredError, match=r"^contacts\[1\]: 'ann' .*frequency_cap"):
        registry.record_sent_many(["bob", "ann"], "news", "email", at=T0 + HOUR)
    assert registry.may_contact("bob", "news", "email", at=T0 + HOUR)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "d", 1, 1.0, 2, "x"]), max_size=30))
def test_an_audience_is_the_allowed_contacts_each_at_its_first_place(
    contacts: list[object],
) -> None:
    registry = OptInRegistry(exempt_purposes=["receipts"])
    registry.grant_many(["a", "c", 1], "news", "email", basis="express", source="form", at=T0)
    registry.suppress("c", reason="complaint", at=T0)
    for purpose in ("news", "receipts"):
        allowed = registry.check_many(contacts, purpose, "email", at=T0 + HOUR).allowed_contacts()
        assert registry.audience(contacts, purpose, "email", at=T0 + HOUR) == list(
            dict.fromkeys(allowed)
        )
