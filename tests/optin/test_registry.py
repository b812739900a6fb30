"""OptInRegistry. The face: bulk calls, bad input changes nothing, threads."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from community_marketing import (
    ConsentAction,
    ConsentStatus,
    InvalidInputError,
    InvalidTokenError,
    OptInRegistry,
    Reason,
)

from ._support import DAY, HOUR, T0, snapshot

# ---------------------------------------------------------------- bulk


def test_check_many_matches_scalar_checks(registry: OptInRegistry) -> None:
    registry.grant_many(
        ["a", "b", "c", "d"], "news", "email", basis="express", source="import", at=T0
    )
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
    registry.grant_many(np.arange(10), "news", "email", basis="express", source="import", at=T0)
    registry.withdraw_many([3, 4], "news", "email", source="cleanup", at=T0 + HOUR)
    assert registry.audience([9, 4, 1, 3, 42], "news", "email", at=T0 + DAY) == [9, 1]
    audience = registry.audience(np.arange(10)[::-1], "news", "email", at=T0 + DAY)
    assert audience == [9, 8, 7, 6, 5, 2, 1, 0]
    assert all(type(c) is int for c in audience)


def test_grant_many_with_per_row_times(registry: OptInRegistry) -> None:
    times = np.array(["2026-01-03", "2026-01-01", "2026-01-02"], dtype="datetime64[us]")
    assert (
        registry.grant_many(["a", "b", "c"], "news", "email", basis="express", source="i", at=times)
        == 3
    )
    assert [e.contact for e in registry.events()] == ["b", "c", "a"]  # sorted by time
    assert registry.status("a", "news", "email", at=datetime(2026, 1, 2, tzinfo=UTC)) is (
        ConsentStatus.NONE
    )


def test_grant_many_with_repeated_contacts(registry: OptInRegistry) -> None:
    registry.grant_many(["a", "b", "a"], "news", "email", basis="express", source="i", at=T0)
    registry.withdraw_many(["a", "a"], "news", "email", source="i", at=T0 + HOUR)
    assert [e.action for e in registry.history("a")] == [
        ConsentAction.GRANT,
        ConsentAction.GRANT,
        ConsentAction.WITHDRAW,
        ConsentAction.WITHDRAW,
    ]
    assert registry.audience(["a", "b"], "news", "email", at=T0 + HOUR) == ["b"]


def test_grant_and_withdraw_many_on_several_channels(registry: OptInRegistry) -> None:
    assert (
        registry.grant_many(
            ["ann", "bob"], "news", ["email", "sms"], basis="express", source="form", at=T0
        )
        == 4
    )
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
        registry.grant_many(["ann", "bob"], "news", channel, basis="express", source="form", at=T0)  # type: ignore[arg-type]
    assert snapshot(registry) == before


def test_grant_many_on_several_channels_is_all_or_nothing(registry: OptInRegistry) -> None:
    # sms already has a later event for ann: the block cannot go back in time on it,
    # so neither channel (nor the new pair) may be recorded.
    registry.withdraw("ann", "news", "sms", source="link", at=T0 + DAY)
    before = snapshot(registry)
    with pytest.raises(InvalidInputError, match=r"^at: "):
        registry.grant_many(
            ["bob", "ann"], "news", ["push", "email", "sms"], basis="express", source="form", at=T0
        )
    assert snapshot(registry) == before
    assert registry.status("bob", "news", "email", at=T0 + DAY) is ConsentStatus.NONE


def test_record_sent_many_feeds_caps() -> None:
    registry = OptInRegistry(default_max_per_period=(1, DAY))
    registry.grant_many(["a", "b"], "news", "email", basis="express", source="i", at=T0)
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
            lambda r: r.grant_many(
                ["a", ["b"]], "news", "email", basis="express", source="f", at=T0
            ),
            r"contacts\[1\]",
        ),
        (
            lambda r: r.grant_many(
                ["a", None], "news", "email", basis="express", source="f", at=T0
            ),
            r"contacts\[1\]",
        ),
        (
            lambda r: r.grant_many("abc", "news", "email", basis="express", source="f", at=T0),
            "contacts",
        ),
        (
            lambda r: r.grant_many(
                ["a", "b"], "news", "email", basis="express", source="f", at=[T0]
            ),
            "at",
        ),
        (
            lambda r: r.grant_many(
                ["a"], "news", "email", basis="express", source="f", at=[datetime(2026, 1, 1)]
            ),
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
        registry.grant_many(
            ["bob", "ann"], "news", "email", basis="express", source="f", at=T0 - DAY
        )
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
            registry.grant_many(
                [contact, f"x{worker}"], "offers", "sms", basis="express", source="i", at=T0
            )

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
    registry.grant_many(["a", "b", "c"], "news", "email", basis="express", source="i", at=T0)
    assert registry.suppress_many(["a", "c"], reason="hard_bounce", at=T0 + HOUR) == 2
    assert registry.audience(["a", "b", "c"], "news", "email", at=T0 + DAY) == ["b"]
    assert registry.history("c")[-1].reason == "hard_bounce"
    with pytest.raises(InvalidInputError, match="reason"):
        registry.suppress_many(["b"], reason="", at=T0 + DAY)
    copy = OptInRegistry.from_state(registry.to_state())
    assert copy.events() == registry.events()
