"""OptInRegistry. Consent status: grants, default deny, expiry, withdrawal and suppression."""

from __future__ import annotations

import pytest

from community_marketing import (
    ConsentAction,
    ConsentEvent,
    ConsentStatus,
    InvalidInputError,
    OptInRegistry,
    Reason,
)

from ._support import DAY, HOUR, T0

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
        basis="implied_business",
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
        basis="implied_business",
        notice_version="v3",
        proof="sha256:abc",
        expires_at=T0 + 400 * DAY,
        jurisdiction="EU",
        recorded_at=T0 + 30 * DAY,
    )
    assert event.back_dated
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


# ---------------------------------------------------------------- soft opt-in (PECR reg 22(3))


def soft_registry() -> OptInRegistry:
    return OptInRegistry(soft_opt_in_purposes=["offers"], clock=lambda: T0)


@pytest.mark.parametrize("source", ["sale", "negotiation", "sale:order-7", "negotiation:quote-9"])
def test_soft_opt_in_from_a_sale_for_a_similar_product(source: str) -> None:
    registry = soft_registry()
    event = registry.grant("ann", "offers", "email", source=source, basis="soft_opt_in")
    assert (event.basis, event.source) == ("soft_opt_in", source)
    assert registry.grant_many(["bob"], "offers", "email", source=source, basis="soft_opt_in")
    registry.request("cid", "offers", "email", source=source, basis="soft_opt_in")
    tokens = registry.request_many(["dan"], "offers", "email", source=source, basis="soft_opt_in")
    assert len(tokens) == 1
    assert registry.may_contact("ann", "offers", "email")


def _soft_writes(registry: OptInRegistry, purpose: str, source: str) -> list[object]:
    return [
        lambda: registry.grant("ann", purpose, "email", source=source, basis="soft_opt_in"),
        lambda: registry.grant_many(
            ["ann", "bob"], purpose, ["email", "sms"], source=source, basis="soft_opt_in"
        ),
        lambda: registry.request("ann", purpose, "email", source=source, basis="soft_opt_in"),
        lambda: registry.request_many(
            ["ann", "bob"], purpose, "email", source=source, basis="soft_opt_in"
        ),
    ]


@pytest.mark.parametrize(
    ("purpose", "source"),
    [
        ("offers", "signup_form"),
        ("offers", "import"),
        ("offers", "sale:"),
        ("offers", "Sale"),
        ("offers", "wholesale"),
        ("newsletter", "sale"),
        ("newsletter", "negotiation:quote-9"),
    ],
)
def test_soft_opt_in_refused_elsewhere_and_nothing_written(purpose: str, source: str) -> None:
    registry = soft_registry()
    registry.grant("eve", "offers", "email", source="form")
    before = (registry.events(), repr(registry))
    for write in _soft_writes(registry, purpose, source):
        with pytest.raises(InvalidInputError, match=r"^basis: "):
            write()  # type: ignore[operator]
        assert (registry.events(), repr(registry)) == before


def test_soft_opt_in_needs_declared_purposes() -> None:
    with pytest.raises(InvalidInputError, match="basis"):
        OptInRegistry().grant("ann", "offers", "email", source="sale", basis="soft_opt_in")
    with pytest.raises(InvalidInputError, match="soft_opt_in_purposes"):
        OptInRegistry(soft_opt_in_purposes="offers")  # type: ignore[arg-type]
