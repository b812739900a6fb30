"""OptInRegistry. Double opt-in: requests, single-use tokens, confirmation."""

from __future__ import annotations

import pytest

from community_marketing import (
    ConsentAction,
    ConsentStatus,
    InvalidTokenError,
    OptInRegistry,
)

from ._support import DAY, HOUR, T0, snapshot

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
