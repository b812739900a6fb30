"""OptInRegistry: behaviour by example, bad input, atomicity, threads, persistence."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, time, timedelta, timezone

import numpy as np
import pytest

from community_marketing import (
    ConsentAction,
    ConsentEvent,
    ConsentStatus,
    InvalidInputError,
    InvalidTokenError,
    OptInRegistry,
    Preferences,
    Reason,
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


# ---------------------------------------------------------------- grants and default deny


def test_default_deny_for_unknown_contact(registry: OptInRegistry) -> None:
    assert registry.status("nobody", "news", "email") is ConsentStatus.NONE
    assert registry.check("nobody", "news", "email") is Reason.NO_CONSENT
    assert not registry.may_contact("nobody", "news", "email")


def test_grant_records_every_field(registry: OptInRegistry) -> None:
    event = registry.grant(
        "ann",
        "news",
        "email",
        source="signup_form",
        basis="soft_opt_in",
        notice_version="v3",
        proof="sha256:abc",
        expires_at=T0 + 400 * DAY,
        jurisdiction="EU",
        at=T0,
    )
    assert event == ConsentEvent(
        seq=0,
        contact="ann",
        purpose="news",
        channel="email",
        action=ConsentAction.GRANT,
        at=T0,
        source="signup_form",
        basis="soft_opt_in",
        notice_version="v3",
        proof="sha256:abc",
        expires_at=T0 + 400 * DAY,
        jurisdiction="EU",
    )
    assert registry.history("ann") == [event]


def test_grant_is_per_purpose_and_channel(registry: OptInRegistry) -> None:
    registry.grant("ann", "news", "email", source="form", at=T0)
    assert registry.may_contact("ann", "news", "email")
    assert not registry.may_contact("ann", "news", "sms")
    assert not registry.may_contact("ann", "offers", "email")


def test_status_in_the_past_answers_audits(registry: OptInRegistry) -> None:
    registry.grant("ann", "news", "email", source="form", at=T0)
    registry.withdraw("ann", "news", "email", source="link", at=T0 + DAY)
    registry.grant("ann", "news", "email", source="form", at=T0 + 2 * DAY)
    assert registry.status("ann", "news", "email", at=T0 - HOUR) is ConsentStatus.NONE
    assert registry.status("ann", "news", "email", at=T0) is ConsentStatus.GRANTED
    assert registry.status("ann", "news", "email", at=T0 + DAY) is ConsentStatus.WITHDRAWN
    assert registry.status("ann", "news", "email", at=T0 + 3 * DAY) is ConsentStatus.GRANTED


def test_explicit_expiry_and_policy_expiry() -> None:
    registry = OptInRegistry(expiry={"*": {"implied_business": 730 * DAY}})
    registry.grant("ann", "news", "email", source="purchase", basis="implied_business", at=T0)
    registry.grant("bob", "news", "email", source="form", at=T0)  # express: never lapses
    registry.grant("cid", "news", "email", source="form", expires_at=T0 + 10 * DAY, at=T0)
    later = T0 + 731 * DAY
    assert registry.status("ann", "news", "email", at=later) is ConsentStatus.EXPIRED
    assert registry.status("bob", "news", "email", at=later) is ConsentStatus.GRANTED
    assert registry.status("cid", "news", "email", at=T0 + 10 * DAY) is ConsentStatus.EXPIRED
    assert registry.status("cid", "news", "email", at=T0 + 9 * DAY) is ConsentStatus.GRANTED
    # A new purchase renews implied consent (CASL's two years run from the last purchase).
    registry.grant(
        "ann", "news", "email", source="purchase", basis="implied_business", at=T0 + 700 * DAY
    )
    assert registry.status("ann", "news", "email", at=later) is ConsentStatus.GRANTED


def test_expiry_policy_per_purpose_wins_over_wildcard() -> None:
    registry = OptInRegistry(
        expiry={"*": {"implied_business": 730 * DAY}, "promo": {"implied_business": 30 * DAY}}
    )
    registry.grant("ann", "promo", "email", source="p", basis="implied_business", at=T0)
    assert registry.status("ann", "promo", "email", at=T0 + 31 * DAY) is ConsentStatus.EXPIRED


def test_expiring_lists_soonest_first() -> None:
    registry = OptInRegistry()
    registry.grant("ann", "news", "email", source="f", expires_at=T0 + 20 * DAY, at=T0)
    registry.grant("bob", "news", "email", source="f", expires_at=T0 + 10 * DAY, at=T0)
    registry.grant("cid", "news", "email", source="f", expires_at=T0 + 90 * DAY, at=T0)
    registry.grant("dan", "news", "email", source="f", at=T0)
    soon = registry.expiring("news", "email", within=30 * DAY, at=T0 + DAY)
    assert soon == [("bob", T0 + 10 * DAY), ("ann", T0 + 20 * DAY)]
    assert registry.expiring("other", "email", within=DAY, at=T0) == []


# ---------------------------------------------------------------- double opt-in


def test_double_opt_in_flow(registry: OptInRegistry) -> None:
    token = registry.request("ann", "news", "email", source="form", notice_version="v2", at=T0)
    assert registry.status("ann", "news", "email", at=T0) is ConsentStatus.PENDING
    assert not registry.may_contact("ann", "news", "email", at=T0)
    event = registry.confirm(token, at=T0 + HOUR)
    assert event.action is ConsentAction.CONFIRM
    assert event.notice_version == "v2"
    assert registry.status("ann", "news", "email", at=T0 + HOUR) is ConsentStatus.GRANTED
    assert [e.action for e in registry.history("ann")] == [
        ConsentAction.REQUEST,
        ConsentAction.CONFIRM,
    ]


def test_token_is_single_use(registry: OptInRegistry) -> None:
    token = registry.request("ann", "news", "email", source="form", at=T0)
    registry.confirm(token, at=T0 + HOUR)
    before = snapshot(registry)
    with pytest.raises(InvalidTokenError, match="already used"):
        registry.confirm(token, at=T0 + HOUR)
    assert snapshot(registry) == before


def test_token_expires_and_pending_lapses() -> None:
    registry = OptInRegistry(token_ttl=DAY)
    token = registry.request("ann", "news", "email", source="form", at=T0)
    assert registry.status("ann", "news", "email", at=T0 + 2 * DAY) is ConsentStatus.NONE
    before = snapshot(registry)
    with pytest.raises(InvalidTokenError, match="expired"):
        registry.confirm(token, at=T0 + 2 * DAY)
    assert snapshot(registry) == before


def test_wrong_and_malformed_tokens(registry: OptInRegistry) -> None:
    token = registry.request("ann", "news", "email", source="form", at=T0)
    seq, secret = token.split(".")
    forged = f"{seq}.{'A' * len(secret)}"
    with pytest.raises(InvalidTokenError, match="unknown"):
        registry.confirm(forged, at=T0)
    for junk in ["", "abc", f"{seq}.short", f"x.{secret}", "1." + "!" * 43]:
        with pytest.raises(InvalidTokenError, match="malformed"):
            registry.confirm(junk, at=T0)
    with pytest.raises(InvalidTokenError, match="expected a str"):
        registry.confirm(12345, at=T0)  # type: ignore[arg-type]
    assert registry.status("ann", "news", "email", at=T0) is ConsentStatus.PENDING


def test_withdrawal_voids_a_pending_token(registry: OptInRegistry) -> None:
    token = registry.request("ann", "news", "email", source="form", at=T0)
    registry.withdraw("ann", source="link", at=T0 + HOUR)
    with pytest.raises(InvalidTokenError, match="superseded"):
        registry.confirm(token, at=T0 + 2 * HOUR)


def test_request_does_not_downgrade_an_active_grant(registry: OptInRegistry) -> None:
    registry.grant("ann", "news", "email", source="form", at=T0)
    registry.request("ann", "news", "email", source="reconfirm", at=T0 + DAY)
    assert registry.status("ann", "news", "email", at=T0 + DAY) is ConsentStatus.GRANTED


def test_tokens_are_unguessable_and_distinct(registry: OptInRegistry) -> None:
    tokens = {registry.request(f"c{i}", "news", "email", source="f", at=T0) for i in range(50)}
    assert len(tokens) == 50
    assert all(len(t.split(".")[1]) == 43 for t in tokens)


# ---------------------------------------------------------------- withdrawal and suppression


def test_withdraw_everything_in_one_call(registry: OptInRegistry) -> None:
    for purpose in ("news", "offers"):
        for channel in ("email", "sms"):
            registry.grant("ann", purpose, channel, source="form", at=T0)
    events = registry.withdraw("ann", source="preference_center", at=T0 + DAY)
    assert len(events) == 4
    assert {(e.purpose, e.channel) for e in events} == {
        ("news", "email"),
        ("news", "sms"),
        ("offers", "email"),
        ("offers", "sms"),
    }
    assert registry.audience(["ann"], "news", "sms") == []
    assert len(registry.history("ann")) == 8  # history kept


def test_withdraw_one_channel(registry: OptInRegistry) -> None:
    registry.grant("ann", "news", "email", source="form", at=T0)
    registry.grant("ann", "news", "sms", source="form", at=T0)
    registry.withdraw("ann", channel="sms", source="keyword", at=T0 + DAY)
    assert registry.may_contact("ann", "news", "email")
    assert not registry.may_contact("ann", "news", "sms")


def test_withdraw_without_any_grant_is_still_recorded(registry: OptInRegistry) -> None:
    (event,) = registry.withdraw("zoe", source="complaint_form", at=T0)
    assert event.action is ConsentAction.WITHDRAW
    assert event.purpose is None
    assert registry.history("zoe") == [event]
    (event,) = registry.withdraw("yan", "news", "email", source="form", at=T0)
    assert registry.status("yan", "news", "email") is ConsentStatus.WITHDRAWN


def test_suppression_wins_over_grants_and_exempt_purposes() -> None:
    registry = OptInRegistry(exempt_purposes=["receipts"])
    registry.grant("ann", "news", "email", source="form", at=T0)
    assert registry.may_contact("ann", "receipts", "email", at=T0)  # exempt: no consent needed
    registry.suppress("ann", reason="legal_request", at=T0 + DAY)
    assert registry.status("ann", "news", "email", at=T0 + DAY) is ConsentStatus.SUPPRESSED
    assert registry.check("ann", "receipts", "email", at=T0 + DAY) is Reason.SUPPRESSED
    assert registry.is_suppressed("ann", at=T0 + DAY)
    assert not registry.is_suppressed("ann", at=T0)
    registry.unsuppress("ann", reason="resolved", at=T0 + 2 * DAY)
    assert registry.may_contact("ann", "news", "email", at=T0 + 2 * DAY)


def test_suppress_needs_a_reason(registry: OptInRegistry) -> None:
    with pytest.raises(InvalidInputError, match="reason"):
        registry.suppress("ann", reason="", at=T0)
    assert registry.events() == []


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


# ---------------------------------------------------------------- bulk


def test_check_many_matches_scalar_checks(registry: OptInRegistry) -> None:
    registry.grant_many(["a", "b", "c", "d"], "news", "email", source="import", at=T0)
    registry.withdraw("b", source="link", at=T0 + HOUR)
    registry.suppress("c", reason="bounce", at=T0 + HOUR)
    registry.set_preferences("d", paused_until=T0 + DAY, at=T0)
    contacts = ["a", "b", "c", "d", "stranger"]
    checks = registry.check_many(contacts, "news", "email", at=T0 + 2 * HOUR)
    assert list(checks) == [
        Reason.ALLOWED,
        Reason.WITHDRAWN,
        Reason.SUPPRESSED,
        Reason.PAUSED,
        Reason.NO_CONSENT,
    ]
    assert list(checks) == [registry.check(c, "news", "email", at=T0 + 2 * HOUR) for c in contacts]
    assert checks.allowed.tolist() == [True, False, False, False, False]
    assert checks[1] is Reason.WITHDRAWN
    assert len(checks) == 5
    assert "WITHDRAWN=1" in repr(checks)


def test_audience_keeps_the_given_order_and_accepts_arrays(registry: OptInRegistry) -> None:
    registry.grant_many(np.arange(10), "news", "email", source="import", at=T0)
    registry.withdraw_many([3, 4], "news", "email", source="cleanup", at=T0 + HOUR)
    assert registry.audience([9, 4, 1, 3, 42], "news", "email", at=T0 + DAY) == [9, 1]
    audience = registry.audience(np.arange(10)[::-1], "news", "email", at=T0 + DAY)
    assert audience == [9, 8, 7, 6, 5, 2, 1, 0]
    assert all(type(c) is int for c in audience)


def test_grant_many_with_per_row_times(registry: OptInRegistry) -> None:
    times = np.array(["2026-01-03", "2026-01-01", "2026-01-02"], dtype="datetime64[us]")
    assert registry.grant_many(["a", "b", "c"], "news", "email", source="i", at=times) == 3
    assert [e.contact for e in registry.events()] == ["b", "c", "a"]  # sorted by time
    assert registry.status("a", "news", "email", at=datetime(2026, 1, 2, tzinfo=UTC)) is (
        ConsentStatus.NONE
    )


def test_grant_many_with_repeated_contacts(registry: OptInRegistry) -> None:
    registry.grant_many(["a", "b", "a"], "news", "email", source="i", at=T0)
    registry.withdraw_many(["a", "a"], "news", "email", source="i", at=T0 + HOUR)
    assert [e.action for e in registry.history("a")] == [
        ConsentAction.GRANT,
        ConsentAction.GRANT,
        ConsentAction.WITHDRAW,
        ConsentAction.WITHDRAW,
    ]
    assert registry.audience(["a", "b"], "news", "email", at=T0 + HOUR) == ["b"]


def test_grant_and_withdraw_many_on_several_channels(registry: OptInRegistry) -> None:
    assert registry.grant_many(["ann", "bob"], "news", ["email", "sms"], source="form", at=T0) == 4
    for contact in ("ann", "bob"):
        for channel in ("email", "sms"):
            assert registry.status(contact, "news", channel, at=T0) is ConsentStatus.GRANTED
    assert (
        registry.withdraw_many(["bob"], "news", ("sms", "email"), source="link", at=T0 + HOUR) == 2
    )
    assert registry.audience(["ann", "bob"], "news", "sms", at=T0 + HOUR) == ["ann"]
    assert registry.status("bob", "news", "email", at=T0 + HOUR) is ConsentStatus.WITHDRAWN


@pytest.mark.parametrize(
    ("channel", "field"),
    [
        ([], "channel"),
        (["email", ""], "channel[1]"),
        (["email", "email"], "channel"),
        (3, "channel"),
    ],
)
def test_grant_many_bad_channels_change_nothing(
    registry: OptInRegistry, channel: object, field: str
) -> None:
    registry.grant("ann", "news", "email", source="form", at=T0)
    before = snapshot(registry)
    with pytest.raises(InvalidInputError, match=rf"^{re.escape(field)}: "):
        registry.grant_many(["ann", "bob"], "news", channel, source="form", at=T0)  # type: ignore[arg-type]
    assert snapshot(registry) == before


def test_grant_many_on_several_channels_is_all_or_nothing(registry: OptInRegistry) -> None:
    # sms already has a later event for ann: the block cannot go back in time on it,
    # so neither channel (nor the new pair) may be recorded.
    registry.withdraw("ann", "news", "sms", source="link", at=T0 + DAY)
    before = snapshot(registry)
    with pytest.raises(InvalidInputError, match=r"^at: "):
        registry.grant_many(["bob", "ann"], "news", ["push", "email", "sms"], source="form", at=T0)
    assert snapshot(registry) == before
    assert registry.status("bob", "news", "email", at=T0 + DAY) is ConsentStatus.NONE


def test_record_sent_many_feeds_caps() -> None:
    registry = OptInRegistry(default_max_per_period=(1, DAY))
    registry.grant_many(["a", "b"], "news", "email", source="i", at=T0)
    assert registry.record_sent_many(["a"], "news", "email", at=T0 + HOUR) == 1
    assert registry.audience(["a", "b"], "news", "email", at=T0 + 2 * HOUR) == ["b"]


# ---------------------------------------------------------------- bad input changes nothing


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda r: r.grant("ann", "", "email", source="f", at=T0), "purpose"),
        (lambda r: r.grant("ann", "news", "  ", source="f", at=T0), "channel"),
        (lambda r: r.grant("ann", "news", "email", source="", at=T0), "source"),
        (lambda r: r.grant("ann", "news", "email", source="f", basis="", at=T0), "basis"),
        (lambda r: r.grant(["ann"], "news", "email", source="f", at=T0), "contact"),
        (lambda r: r.grant(None, "news", "email", source="f", at=T0), "contact"),
        (lambda r: r.grant(float("nan"), "news", "email", source="f", at=T0), "contact"),
        (lambda r: r.grant("ann", "news", "email", source="f", at=datetime(2026, 1, 1)), "at"),
        (lambda r: r.grant("ann", "news", "email", source="f", at="2026-01-01"), "at"),
        (lambda r: r.grant("ann", "news", "email", source="f", proof=3, at=T0), "proof"),
        (
            lambda r: r.grant("ann", "news", "email", source="f", expires_at=T0 - DAY, at=T0),
            "expires_at",
        ),
        (
            lambda r: r.grant_many(["a", ["b"]], "news", "email", source="f", at=T0),
            r"contacts\[1\]",
        ),
        (lambda r: r.grant_many(["a", None], "news", "email", source="f", at=T0), r"contacts\[1\]"),
        (lambda r: r.grant_many("abc", "news", "email", source="f", at=T0), "contacts"),
        (lambda r: r.grant_many(["a", "b"], "news", "email", source="f", at=[T0]), "at"),
        (
            lambda r: r.grant_many(["a"], "news", "email", source="f", at=[datetime(2026, 1, 1)]),
            r"at\[0\]",
        ),
        (lambda r: r.check_many([["x"]], "news", "email"), r"contacts\[0\]"),
        (lambda r: r.status("ann", "", "email"), "purpose"),
        (lambda r: r.status({}, "news", "email"), "contact"),
        (lambda r: r.withdraw("ann", source="", at=T0), "source"),
        (lambda r: r.apply_keyword("ann", "sms", 42, at=T0), "text"),
        (lambda r: r.expiring("news", "email", within=timedelta(0), at=T0), "within"),
        (lambda r: r.events(since=-1), "since"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(call: object, field: str) -> None:
    registry = OptInRegistry(clock=lambda: T0)
    registry.grant("zed", "news", "email", source="f", at=T0)
    before = snapshot(registry), registry.to_state()["contacts"]
    with pytest.raises(InvalidInputError, match=field):
        call(registry)  # type: ignore[operator]
    assert (snapshot(registry), registry.to_state()["contacts"]) == before


def test_live_path_cannot_go_back_in_time(registry: OptInRegistry) -> None:
    registry.grant("ann", "news", "email", source="f", at=T0)
    before = snapshot(registry)
    with pytest.raises(InvalidInputError, match="earlier than the latest event"):
        registry.withdraw("ann", "news", "email", source="f", at=T0 - HOUR)
    with pytest.raises(InvalidInputError, match="earlier than the latest event"):
        registry.grant_many(["bob", "ann"], "news", "email", source="f", at=T0 - DAY)
    assert snapshot(registry) == before
    assert "bob" not in {e.contact for e in registry.events()}
    assert registry.to_state()["contacts"] == ["ann"]
    # Other keys have their own clocks.
    registry.grant("ann", "news", "sms", source="f", at=T0 - DAY)


def test_constructor_validation() -> None:
    with pytest.raises(InvalidInputError, match="token_ttl"):
        OptInRegistry(token_ttl=timedelta(0))
    with pytest.raises(InvalidInputError, match="expiry"):
        OptInRegistry(expiry={"*": {"implied": 5}})  # type: ignore[dict-item]
    with pytest.raises(InvalidInputError, match="exempt_purposes"):
        OptInRegistry(exempt_purposes="receipts")
    with pytest.raises(InvalidInputError, match="clock"):
        OptInRegistry(clock="now")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="erasure_key"):
        OptInRegistry(erasure_key=b"short")
    with pytest.raises(InvalidInputError, match="default_max_per_period"):
        OptInRegistry(default_max_per_period=(0, DAY))


def test_naive_clock_is_refused() -> None:
    registry = OptInRegistry(clock=lambda: datetime(2026, 1, 1))
    with pytest.raises(InvalidInputError, match=r"clock\(\)"):
        registry.may_contact("ann", "news", "email")


def test_other_zones_are_normalized(registry: OptInRegistry) -> None:
    paris = timezone(timedelta(hours=1))
    registry.grant("ann", "news", "email", source="f", at=datetime(2026, 1, 1, 13, tzinfo=paris))
    assert registry.history("ann")[0].at == T0
    assert registry.history("ann")[0].at.tzinfo is UTC


# ---------------------------------------------------------------- proof, export, persistence


def test_export_is_json_compatible(registry: OptInRegistry) -> None:
    registry.grant("ann", "news", "email", source="form", notice_version="v1", at=T0)
    registry.set_preferences("ann", quiet_hours=(time(22), time(7)), at=T0)
    receipt = registry.export("ann", at=T0 + DAY)
    assert json.loads(json.dumps(receipt)) == receipt
    assert receipt["consents"] == [{"purpose": "news", "channel": "email", "status": "granted"}]
    assert receipt["preferences"]["quiet_hours"] == ["22:00:00", "07:00:00"]
    assert [e["action"] for e in receipt["events"]] == ["grant", "preferences"]
    assert receipt["suppressed"] is False


def test_events_since_and_from_events_roundtrip(registry: OptInRegistry) -> None:
    registry.grant("ann", "news", "email", source="f", at=T0)
    token = registry.request("bob", "news", "email", source="f", at=T0)
    registry.confirm(token, at=T0 + HOUR)
    registry.suppress("cid", reason="bounce", at=T0)
    registry.set_preferences("ann", timezone="Europe/Paris", at=T0)
    registry.record_sent("ann", "news", "email", at=T0 + HOUR)
    registry.withdraw("ann", source="link", at=T0 + DAY)
    events = registry.events()
    assert [e.seq for e in events] == list(range(len(events)))
    assert registry.events(since=5) == events[5:]
    rebuilt = OptInRegistry.from_events(list(reversed(events)))
    assert rebuilt.events() == events
    for contact in ("ann", "bob", "cid", "dan"):
        assert rebuilt.status(contact, "news", "email", at=T0 + 2 * DAY) is registry.status(
            contact, "news", "email", at=T0 + 2 * DAY
        )
    dicts = json.loads(json.dumps([e.to_dict() for e in events]))
    assert [ConsentEvent.from_dict(d) for d in dicts] == events


def test_from_events_sorts_by_time_and_keeps_seq() -> None:
    t = [T0 + i * HOUR for i in range(3)]
    events = [
        ConsentEvent(7, "ann", "news", "email", ConsentAction.WITHDRAW, t[2], "link"),
        ConsentEvent(3, "ann", "news", "email", ConsentAction.GRANT, t[0], "form", "express"),
    ]
    registry = OptInRegistry.from_events(events)
    assert [e.seq for e in registry.events()] == [3, 7]
    assert registry.status("ann", "news", "email", at=t[1]) is ConsentStatus.GRANTED
    assert registry.status("ann", "news", "email", at=t[2]) is ConsentStatus.WITHDRAWN
    assert registry.grant("bob", "news", "email", source="f", at=t[2]).seq == 8


def test_from_events_rejects_bad_events() -> None:
    good = ConsentEvent(0, "ann", "news", "email", ConsentAction.GRANT, T0, "f", "express")
    with pytest.raises(InvalidInputError, match="unique"):
        OptInRegistry.from_events([good, good])
    with pytest.raises(InvalidInputError, match=r"events\[0\]"):
        OptInRegistry.from_events(["not an event"])  # type: ignore[list-item]
    naive = ConsentEvent(0, "ann", "news", "email", ConsentAction.GRANT, datetime(2026, 1, 1), "f")
    with pytest.raises(InvalidInputError, match="at"):
        OptInRegistry.from_events([naive])
    no_basis = ConsentEvent(0, "ann", "news", "email", ConsentAction.GRANT, T0, "f")
    with pytest.raises(InvalidInputError, match="basis"):
        OptInRegistry.from_events([no_basis])
    with pytest.raises(InvalidInputError, match="event"):
        ConsentEvent.from_dict({"seq": 1})


def test_state_roundtrip_is_exact(registry: OptInRegistry) -> None:
    registry.grant("ann", "news", "email", source="f", proof="p", at=T0)
    pending = registry.request("bob", "news", "email", source="f", at=T0)
    registry.suppress("cid", reason="bounce", at=T0)
    registry.set_preferences("ann", max_per_period=(3, 7 * DAY), at=T0)
    registry.record_sent("ann", "news", "email", at=T0 + HOUR)
    registry.grant("eve", "news", "sms", source="f", at=T0)
    registry.erase("eve", at=T0 + HOUR)
    state = registry.to_state()
    assert state["schema"] == 1
    copy = OptInRegistry.from_state(state)
    assert copy.events() == registry.events()
    assert repr(copy) == repr(registry)
    assert copy.to_state()["contacts"] == state["contacts"]
    # The pending double opt-in survives: tokens are in the state (as hashes only).
    assert pending.split(".")[1] not in json.dumps(state, default=str)
    copy.confirm(pending, at=T0 + 2 * HOUR)
    assert copy.status("bob", "news", "email", at=T0 + 2 * HOUR) is ConsentStatus.GRANTED


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s: s.update(schema=2),
        lambda s: s.pop("columns"),
        lambda s: s["columns"].update(ts=np.zeros(3)),
        lambda s: s["columns"].update(ts=s["columns"]["ts"][:-1]),
        lambda s: s["columns"]["contact"].__setitem__(0, 99),
        lambda s: s["columns"]["action"].__setitem__(0, 42),
        lambda s: s["columns"]["seq"].__setitem__(1, 0),
        lambda s: s.update(contacts=["ann", "ann"]),
        lambda s: s.update(contacts="ann"),
        lambda s: s.update(pairs=[["news"]]),
        lambda s: s.update(metas=[[None, None, None, None]]),
        lambda s: s.update(extras=[[0, {"secret": 1}]]),
        lambda s: s.update(tokens=[[0, "zz", 1]]),
        lambda s: s.update(next_seq=-1),
        lambda s: s["config"].update(token_ttl_s="x"),
        lambda s: s["config"].update(erasure_key="00"),
        lambda s: s.update(config=None),
    ],
)
def test_from_state_rejects_junk(registry: OptInRegistry, mutate: object) -> None:
    registry.grant("ann", "news", "email", source="f", at=T0)
    registry.grant("bob", "news", "email", source="f", at=T0)
    state = registry.to_state()
    mutate(state)  # type: ignore[operator]
    with pytest.raises(InvalidInputError):
        OptInRegistry.from_state(state)


def test_repr_counts(registry: OptInRegistry) -> None:
    registry.grant_many(["a", "b"], "news", "email", source="i", at=T0)
    registry.suppress("a", reason="bounce", at=T0)
    assert repr(registry) == "OptInRegistry(contacts=2, events=3, pairs=1, suppressed=1)"


# ---------------------------------------------------------------- threads


def test_concurrent_writers_lose_nothing() -> None:
    registry = OptInRegistry(clock=lambda: T0)
    barrier = threading.Barrier(8)

    def work(worker: int) -> None:
        barrier.wait()
        for i in range(150):
            contact = f"w{worker}-{i % 20}"
            if i % 3 == 2:
                registry.withdraw(contact, "news", "email", source="link", at=T0)
            else:
                registry.grant(contact, "news", "email", source="form", at=T0)
            registry.grant_many([contact, f"x{worker}"], "offers", "sms", source="i", at=T0)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = registry.events()
    assert len(events) == 8 * 150 * 3
    assert [e.seq for e in events] == list(range(len(events)))
    sequential = OptInRegistry.from_events(events)
    contacts = sorted({str(e.contact) for e in events})
    for purpose, channel in (("news", "email"), ("offers", "sms")):
        assert list(registry.check_many(contacts, purpose, channel, at=T0)) == list(
            sequential.check_many(contacts, purpose, channel, at=T0)
        )


# ---------------------------------------------------------------- bulk opt-in and suppression


def test_request_many_and_confirm_many(registry: OptInRegistry) -> None:
    tokens = registry.request_many(["a", "b", "c"], "news", "email", source="checkout", at=T0)
    assert len(set(tokens)) == 3
    moments = [T0 + HOUR, T0 + 2 * HOUR]
    assert registry.confirm_many(tokens[:2], at=moments) == 2
    assert registry.status("a", "news", "email", at=T0 + HOUR) is ConsentStatus.GRANTED
    assert registry.status("b", "news", "email", at=T0 + HOUR) is ConsentStatus.PENDING
    assert registry.status("b", "news", "email", at=T0 + 2 * HOUR) is ConsentStatus.GRANTED
    assert registry.history("b")[-1].action is ConsentAction.CONFIRM
    # Single use, whether confirmed one by one or in bulk.
    with pytest.raises(InvalidTokenError, match="already used"):
        registry.confirm(tokens[0], at=T0 + 3 * HOUR)
    registry.confirm(tokens[2], at=T0 + 3 * HOUR)


def test_confirm_many_is_all_or_nothing(registry: OptInRegistry) -> None:
    good = registry.request("a", "news", "email", source="f", at=T0)
    stale = registry.request("b", "news", "email", source="f", at=T0)
    registry.withdraw("b", source="link", at=T0 + HOUR)
    before = snapshot(registry)
    with pytest.raises(InvalidTokenError, match=r"tokens\[1\]: the request was superseded"):
        registry.confirm_many([good, stale], at=T0 + 2 * HOUR)
    with pytest.raises(InvalidTokenError, match=r"tokens\[0\]: malformed"):
        registry.confirm_many(["nope"], at=T0 + 2 * HOUR)
    with pytest.raises(InvalidInputError, match="tokens"):
        registry.confirm_many(good, at=T0 + 2 * HOUR)  # type: ignore[arg-type]
    assert snapshot(registry) == before
    assert registry.confirm_many([good], at=T0 + 2 * HOUR) == 1


def test_suppress_many(registry: OptInRegistry) -> None:
    registry.grant_many(["a", "b", "c"], "news", "email", source="i", at=T0)
    assert registry.suppress_many(["a", "c"], reason="hard_bounce", at=T0 + HOUR) == 2
    assert registry.audience(["a", "b", "c"], "news", "email", at=T0 + DAY) == ["b"]
    assert registry.history("c")[-1].reason == "hard_bounce"
    with pytest.raises(InvalidInputError, match="reason"):
        registry.suppress_many(["b"], reason="", at=T0 + DAY)
    copy = OptInRegistry.from_state(registry.to_state())
    assert copy.events() == registry.events()
