"""OptInRegistry. The send window (TCPA) and ``next_allowed_at`` for refusals on time grounds."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import numpy as np
import pytest

from community_marketing import ConsentChecks, InvalidInputError, OptInRegistry, Reason

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
TCPA = (time(8), time(21))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def granted(**config: object) -> OptInRegistry:
    registry = OptInRegistry(**config)  # type: ignore[arg-type]
    registry.grant_many(
        ["ann", "bob"], "news", "sms", basis="express", source="form", at=T0 - 30 * DAY
    )
    return registry


# ---------------------------------------------------------------- the send window


def test_send_window_is_off_by_default() -> None:
    assert granted().check("ann", "news", "sms", at=utc(2026, 1, 1, 3)) is Reason.ALLOWED


def test_send_window_in_the_default_zone() -> None:
    registry = granted(send_window=TCPA, default_timezone="America/Chicago")
    # 13:59 UTC is 07:59 in Chicago, 14:00 is 08:00, 02:59 is 20:59, 03:00 is 21:00.
    assert registry.check("ann", "news", "sms", at=utc(2026, 1, 5, 13, 59)).name == (
        "OUTSIDE_SEND_WINDOW"
    )
    assert registry.check("ann", "news", "sms", at=utc(2026, 1, 5, 14)) is Reason.ALLOWED
    assert registry.check("ann", "news", "sms", at=utc(2026, 1, 6, 2, 59)) is Reason.ALLOWED
    late = utc(2026, 1, 6, 3)
    assert registry.check("ann", "news", "sms", at=late) is Reason.OUTSIDE_SEND_WINDOW
    checks = registry.check_many(["ann", "bob", "cid"], "news", "sms", at=late)
    assert list(checks) == [Reason.OUTSIDE_SEND_WINDOW] * 2 + [Reason.NO_CONSENT]
    assert registry.audience(["ann", "bob"], "news", "sms", at=late) == []


def test_send_window_in_the_contacts_own_zone() -> None:
    registry = granted(send_window=TCPA)
    registry.set_preferences("ann", timezone="Asia/Tokyo", at=T0 - DAY)
    at = utc(2026, 1, 5, 13)  # 13:00 in UTC, 22:00 in Tokyo
    assert list(registry.check_many(["ann", "bob"], "news", "sms", at=at)) == [
        Reason.OUTSIDE_SEND_WINDOW,
        Reason.ALLOWED,
    ]
    assert registry.check("ann", "news", "sms", at=at) is Reason.OUTSIDE_SEND_WINDOW


def test_send_window_per_contact_moments_match_the_scalar_answers() -> None:
    registry = granted(send_window=TCPA, default_timezone="Europe/Paris")
    moments = [T0 + k * 5 * HOUR for k in range(12)]
    checks = registry.check_many(["ann"] * 12, "news", "sms", at=moments)
    assert list(checks) == [registry.check("ann", "news", "sms", at=m) for m in moments]
    assert Reason.OUTSIDE_SEND_WINDOW in list(checks)


def test_exempt_purposes_pass_the_send_window() -> None:
    registry = OptInRegistry(send_window=TCPA, exempt_purposes=["receipts"])
    registry.set_preferences("ann", timezone="Asia/Tokyo", at=T0)
    at = utc(2026, 1, 5, 3)
    assert registry.check("ann", "receipts", "sms", at=at) is Reason.ALLOWED
    assert registry.check("bob", "receipts", "sms", at=at) is Reason.ALLOWED
    assert registry.next_allowed_at("bob", "receipts", "sms", at=at) == at


def test_quiet_hours_read_the_default_zone() -> None:
    registry = granted(default_timezone="America/New_York")
    registry.set_preferences("ann", quiet_hours=(time(22), time(8)), at=T0 - DAY)
    assert registry.check("ann", "news", "sms", at=utc(2026, 1, 5, 4)) is Reason.QUIET_HOURS
    assert registry.check("ann", "news", "sms", at=utc(2026, 1, 5, 14)) is Reason.ALLOWED


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("send_window", (time(8), time(8))),
        ("send_window", (8, 21)),
        ("send_window", (time(8, tzinfo=UTC), time(21))),
        ("default_timezone", "Mars/Olympus"),
        ("default_timezone", ""),
        ("soft_opt_in_purposes", "offers"),
    ],
)
def test_new_settings_are_checked(field: str, value: object) -> None:
    with pytest.raises(InvalidInputError, match=field):
        OptInRegistry(**{field: value})  # type: ignore[arg-type]


# ---------------------------------------------------------------- next_allowed_at


def test_allowed_now_answers_the_moment_asked() -> None:
    registry = granted()
    assert registry.next_allowed_at("ann", "news", "sms", at=T0) == T0


@pytest.mark.parametrize("case", ["unknown", "withdrawn", "suppressed", "erased"])
def test_refusals_time_does_not_lift_answer_none(case: str) -> None:
    registry = granted(send_window=TCPA)
    if case == "withdrawn":
        registry.withdraw("ann", source="link", at=T0)
    elif case == "suppressed":
        registry.suppress("ann", reason="complaint", at=T0)
    elif case == "erased":
        registry.erase("ann", at=T0)
    contact = "zoe" if case == "unknown" else "ann"
    assert registry.next_allowed_at(contact, "news", "sms", at=T0 + HOUR) is None
    checks = registry.check_many([contact], "news", "sms", at=T0 + HOUR)
    assert checks.next_allowed_at()[0] == ConsentChecks.NEVER


def test_window_reopens_at_8_local_across_the_spring_forward() -> None:
    registry = granted(send_window=TCPA, default_timezone="America/New_York")
    late = utc(2026, 3, 8, 3)  # 22:00 EST on March 7; clocks go forward that night
    assert registry.next_allowed_at("ann", "news", "sms", at=late) == utc(2026, 3, 8, 12)
    early = utc(2026, 11, 1, 11)  # 06:00 EST on November 1, just after the fall back
    assert registry.next_allowed_at("ann", "news", "sms", at=early) == utc(2026, 11, 1, 13)


def test_quiet_hours_ending_in_a_dst_gap_end_at_the_jump() -> None:
    registry = granted()
    registry.set_preferences(
        "ann", timezone="America/New_York", quiet_hours=(time(22), time(2, 30)), at=T0
    )
    at = utc(2026, 3, 8, 5)  # 00:00 EST; 02:30 never happens, 03:00 EDT is 07:00 UTC
    assert registry.check("ann", "news", "sms", at=at) is Reason.QUIET_HOURS
    assert registry.next_allowed_at("ann", "news", "sms", at=at) == utc(2026, 3, 8, 7)


def test_pause_ends_at_paused_until() -> None:
    registry = granted()
    registry.set_preferences("ann", paused_until=T0 + 3 * DAY, at=T0)
    assert registry.check("ann", "news", "sms", at=T0 + HOUR) is Reason.PAUSED
    assert registry.next_allowed_at("ann", "news", "sms", at=T0 + HOUR) == T0 + 3 * DAY


def test_cap_frees_when_the_oldest_counted_send_leaves_the_period() -> None:
    registry = granted(default_max_per_period=(2, timedelta(days=7)))
    for k in (0, 1):
        registry.record_sent("ann", "news", "sms", at=T0 + k * DAY)
    at = T0 + 3 * DAY
    assert registry.check("ann", "news", "sms", at=at) is Reason.FREQUENCY_CAP
    # Sends at days 0 and 1 with two a week: day 0's leaves the period on day 7.
    assert registry.next_allowed_at("ann", "news", "sms", at=at) == T0 + 7 * DAY
    assert registry.check("ann", "news", "sms", at=T0 + 7 * DAY) is Reason.ALLOWED
    assert registry.check("ann", "news", "sms", at=T0 + 7 * DAY - timedelta(microseconds=1)) is (
        Reason.FREQUENCY_CAP
    )


def test_several_rules_are_all_satisfied() -> None:
    registry = granted(
        send_window=TCPA,
        default_timezone="Europe/Paris",
        default_max_per_period=(1, timedelta(days=1)),
    )
    registry.record_sent("ann", "news", "sms", at=utc(2026, 1, 9, 19))
    registry.set_preferences("ann", paused_until=utc(2026, 1, 10, 5), at=utc(2026, 1, 9, 20))
    at = utc(2026, 1, 9, 23, 30)
    # Paused until 05:00 UTC (06:00 Paris); the window opens at 07:00 UTC (08:00 Paris);
    # the send at 19:00 UTC keeps the cap full until 19:00 UTC on January 10 (20:00 in
    # Paris, inside the window): every rule holds from then on.
    expected = utc(2026, 1, 10, 19)
    assert registry.next_allowed_at("ann", "news", "sms", at=at) == expected
    assert registry.check("ann", "news", "sms", at=expected) is Reason.ALLOWED
    assert registry.check("ann", "news", "sms", at=expected - timedelta(microseconds=1)) is (
        Reason.FREQUENCY_CAP
    )


def test_quiet_hours_covering_the_window_never_end() -> None:
    registry = granted(send_window=TCPA)
    registry.set_preferences("ann", quiet_hours=(time(7), time(22)), at=T0)
    assert registry.check("ann", "news", "sms", at=utc(2026, 1, 5, 12)) is Reason.QUIET_HOURS
    assert registry.next_allowed_at("ann", "news", "sms", at=utc(2026, 1, 5, 12)) is None


def test_consent_lapsing_before_the_window_opens_gives_none() -> None:
    registry = OptInRegistry(send_window=TCPA)
    registry.grant("ann", "news", "sms", source="f", expires_at=utc(2026, 1, 6, 6), at=T0)
    assert registry.next_allowed_at("ann", "news", "sms", at=utc(2026, 1, 5, 22)) is None


def test_check_many_column_matches_the_scalar_method() -> None:
    registry = granted(
        send_window=TCPA,
        default_timezone="America/Los_Angeles",
        default_max_per_period=(1, timedelta(hours=20)),
    )
    contacts = ["ann", "bob", "cid", "dan", "eve"]
    registry.grant_many(
        ["cid", "dan", "eve"], "news", "sms", basis="express", source="form", at=T0 - DAY
    )
    registry.record_sent("bob", "news", "sms", at=utc(2026, 1, 5, 18))
    registry.set_preferences("cid", timezone="Asia/Kolkata", at=T0)
    registry.set_preferences("dan", paused_until=utc(2026, 1, 7), at=T0)
    registry.set_preferences("eve", quiet_hours=(time(12), time(14)), timezone="UTC", at=T0)
    for at in (utc(2026, 1, 5, 20), utc(2026, 1, 6, 4), utc(2026, 1, 6, 13)):
        checks = registry.check_many(contacts, "news", "sms", at=at)
        moments = checks.next_allowed_at()
        for position, contact in enumerate(contacts):
            scalar = registry.next_allowed_at(contact, "news", "sms", at=at)
            expected = ConsentChecks.NEVER if scalar is None else _micros(scalar)
            assert moments[position] == expected, (contact, at)
            if scalar is not None:
                assert registry.check(contact, "news", "sms", at=scalar) is Reason.ALLOWED
    at = [utc(2026, 1, 5, 20), utc(2026, 1, 6, 4)] * 2 + [utc(2026, 1, 6, 13)]
    per_contact = registry.check_many(contacts, "news", "sms", at=at).next_allowed_at()
    for position, contact in enumerate(contacts):
        scalar = registry.next_allowed_at(contact, "news", "sms", at=at[position])
        assert per_contact[position] == (ConsentChecks.NEVER if scalar is None else _micros(scalar))


def test_next_allowed_at_checks_its_arguments() -> None:
    registry = granted()
    with pytest.raises(InvalidInputError, match="at"):
        registry.next_allowed_at("ann", "news", "sms", at=datetime(2026, 1, 1))
    with pytest.raises(InvalidInputError, match="purpose"):
        registry.next_allowed_at("ann", "", "sms")


def test_the_default_path_holds_no_waits() -> None:
    checks = granted().check_many(["ann", "zoe"], "news", "sms", at=T0)
    assert checks.next_allowed_at().tolist() == [_micros(T0), ConsentChecks.NEVER]
    assert isinstance(checks.next_allowed_at(), np.ndarray)


def _micros(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def test_reason_codes_are_persisted_so_the_new_one_comes_last() -> None:
    assert [(r.name, r.value) for r in Reason][-2:] == [
        ("FREQUENCY_CAP", 8),
        ("OUTSIDE_SEND_WINDOW", 9),
    ]


def test_every_refusal_is_a_no_offer_reason() -> None:
    from community_marketing.campaign import NO_OFFER_REASONS

    refusals = {r.name.lower() for r in Reason if r is not Reason.ALLOWED}
    assert refusals <= set(NO_OFFER_REASONS)
