"""Membership: joining, closed groups, invitations, leaving, bans, the registry link, notices."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import numpy as np
import pytest

from community_marketing.errors import (
    ConsentRequiredError,
    InvalidInputError,
    InvalidTokenError,
    PermissionDeniedError,
    UnknownIdError,
)
from community_marketing.groups import (
    Ability,
    FanGroup,
    JoinRequest,
)
from community_marketing.optin import ConsentStatus, OptInRegistry

from ._support import T0, Clock, closed, unchanged

# ------------------------------------------------------------------------------ joining


def test_join_needs_explicit_consent(group: FanGroup) -> None:
    unchanged(group, lambda: group.join("zed", consent=False), ConsentRequiredError)
    unchanged(group, lambda: group.join("zed", consent="yes"), ConsentRequiredError)  # type: ignore[arg-type]
    assert not group.is_member("zed")


def test_join_is_idempotent(group: FanGroup) -> None:
    assert group.join("zed") is True
    assert group.join("zed") is False
    assert group.member_count == 6


def test_enrollment_fee(clock: Clock) -> None:
    group = FanGroup("espresso", "ann", enrollment_fee=100, creation_fee=100, clock=clock)
    unchanged(group, lambda: group.join("bob", fee_paid=99), InvalidInputError)
    with pytest.raises(InvalidInputError, match="fee_paid"):
        group.join("bob", fee_paid=50)
    assert group.join("bob", fee_paid=100)
    assert (group.enrollment_fee, group.creation_fee) == (100, 100)
    with pytest.raises(InvalidInputError, match="fee_paid"):
        group.join_many(["cid"], fee_paid=1)


def test_join_records_time_and_attributes(group: FanGroup) -> None:
    later = T0 + timedelta(days=3)
    group.join("zed", at=later, attributes={"city": "Lyon", "nickname": "Z"})
    assert group.joined_at("zed") == later
    assert group.attributes_of("zed") == {"city": "Lyon", "nickname": "Z"}
    with pytest.raises(InvalidInputError, match="at"):
        group.join("yan", at=datetime(2026, 1, 1))
    with pytest.raises(UnknownIdError):
        group.joined_at("nobody")


def test_join_many_skips_existing_and_duplicates(group: FanGroup) -> None:
    assert group.join_many(["bob", "fay", "fay", "gus"]) == 2
    assert group.members() == ["ann", "bob", "cid", "dan", "eve", "fay", "gus"]
    assert group.join_many(np.array([7, 8, 7])) == 2
    assert group.is_member(7)
    assert group.is_member(8)


def test_join_many_bad_input_changes_nothing(group: FanGroup) -> None:
    unchanged(group, lambda: group.join_many(["zed", None]), InvalidInputError)
    unchanged(group, lambda: group.join_many(["zed", ["x"]]), InvalidInputError)  # type: ignore[list-item]
    unchanged(group, lambda: group.join_many("zed"), InvalidInputError)
    unchanged(
        group,
        lambda: group.join_many(["zed", "yan"], attributes={"city": ["Lyon"]}),
        InvalidInputError,
    )
    group.ban("ann", "mal")
    unchanged(group, lambda: group.join_many(["zed", "mal"]), PermissionDeniedError)


def test_members_any_hashable(clock: Clock) -> None:
    from uuid import UUID

    uid = UUID(int=5)
    group = FanGroup("espresso", 1, clock=clock)
    group.join_many([uid, (2, "b"), "c"])
    assert group.members() == [1, uid, (2, "b"), "c"]
    assert group.is_member(uid)
    assert not group.is_member(["unhashable"])  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ closed groups


def test_closed_group_refuses_direct_join(clock: Clock) -> None:
    group = closed(clock)
    unchanged(group, lambda: group.join("bob"), PermissionDeniedError)
    with pytest.raises(PermissionDeniedError, match="not a member"):
        group.join_many(["bob"])
    assert group.join_many(["bob"], by="ann") == 1


def test_request_approve_reject(clock: Clock) -> None:
    group = closed(clock)
    group.request_to_join("bob", answers=["dark", "coffee"])
    group.request_to_join("cid", answers=["light", "friends"])
    requests = group.pending_requests("ann")
    assert requests == [
        JoinRequest("bob", ("dark", "coffee"), T0, 0),
        JoinRequest("cid", ("light", "friends"), T0, 0),
    ]
    group.approve("ann", "bob")
    group.reject("ann", "cid")
    assert group.is_member("bob")
    assert not group.is_member("cid")
    assert group.pending_requests("ann") == []
    with pytest.raises(UnknownIdError):
        group.approve("ann", "cid")
    with pytest.raises(UnknownIdError):
        group.reject("ann", "zed")


def test_answers_are_seen_only_by_approvers(clock: Clock) -> None:
    group = closed(clock)
    group.join_many(["bob"], by="ann")
    group.request_to_join("cid", answers=["dark", "coffee"])
    with pytest.raises(PermissionDeniedError, match="APPROVE"):
        group.pending_requests("bob")
    with pytest.raises(PermissionDeniedError, match="APPROVE"):
        group.approve("bob", "cid")
    with pytest.raises(PermissionDeniedError, match="not a member"):
        group.pending_requests("stranger")
    group.assign_role("ann", "bob", "Moderator")
    assert [r.member for r in group.pending_requests("bob")] == ["cid"]


def test_request_validation(clock: Clock) -> None:
    group = closed(clock)
    unchanged(group, lambda: group.request_to_join("bob", answers=["one"]), InvalidInputError)
    unchanged(group, lambda: group.request_to_join("bob", answers=["", "x"]), InvalidInputError)
    unchanged(
        group,
        lambda: group.request_to_join("bob", answers=["a", "b"], consent=False),
        ConsentRequiredError,
    )
    unchanged(group, lambda: group.request_to_join("ann", answers=["a", "b"]), InvalidInputError)
    open_group = FanGroup("open", "ann", clock=clock)
    with pytest.raises(InvalidInputError, match="open"):
        open_group.request_to_join("bob")


# ------------------------------------------------------------------------------ invitations


def test_invitation_is_single_use(group: FanGroup) -> None:
    token = group.invite("ann", "zed")
    assert isinstance(token, str)
    assert len(token) > 40
    assert group.accept_invitation(token) == "zed"
    assert group.is_member("zed")
    with pytest.raises(InvalidTokenError, match="used"):
        group.accept_invitation(token)


def test_tokens_are_unguessable_and_distinct(group: FanGroup) -> None:
    tokens = {group.invite("ann", f"guest{i}") for i in range(10)}
    assert len(tokens) == 10
    secrets = {token.partition(".")[2] for token in tokens}
    assert len(secrets) == 10
    assert all(len(s) >= 43 for s in secrets)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: "9" + t,
        lambda t: t.partition(".")[2],
        lambda t: "",
        lambda t: ".",
        lambda t: "x." + t.partition(".")[2],
        lambda t: "-1." + t.partition(".")[2],
        lambda t: "99999999999999999999999." + t.partition(".")[2],
        lambda t: t.encode(),
        lambda t: None,
        lambda t: 12,
    ],
)
def test_wrong_or_malformed_tokens(group: FanGroup, mangle: Callable[[str], Any]) -> None:
    token = group.invite("ann", "zed")
    unchanged(group, lambda: group.accept_invitation(mangle(token)), InvalidTokenError)
    assert group.accept_invitation(token) == "zed"


def test_token_comparison_is_constant_time(
    group: FanGroup, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hmac

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return bool(real(a, b))

    token = group.invite("ann", "zed")
    monkeypatch.setattr(hmac, "compare_digest", spy)
    with pytest.raises(InvalidTokenError):
        group.accept_invitation(token[:-2] + "zz")
    with pytest.raises(InvalidTokenError):
        group.accept_invitation("5000." + token.partition(".")[2])
    assert len(calls) == 2


def test_expired_invitation(group: FanGroup, clock: Clock) -> None:
    token = group.invite("ann", "zed", expires_in=timedelta(hours=1))
    clock.advance(timedelta(hours=1))
    unchanged(group, lambda: group.accept_invitation(token), InvalidTokenError)
    with pytest.raises(InvalidTokenError, match="expired"):
        group.accept_invitation(token)
    assert group.accept_invitation(token, at=T0 + timedelta(minutes=59)) == "zed"


def test_invitation_needs_invite_and_consent(group: FanGroup) -> None:
    unchanged(group, lambda: group.invite("bob", "zed"), PermissionDeniedError)
    with pytest.raises(PermissionDeniedError, match="INVITE"):
        group.invite("bob", "zed")
    with pytest.raises(InvalidInputError, match="already a member"):
        group.invite("ann", "bob")
    with pytest.raises(InvalidInputError, match="expires_in"):
        group.invite("ann", "zed", expires_in=timedelta(0))
    token = group.invite("ann", "zed")
    unchanged(group, lambda: group.accept_invitation(token, consent=False), ConsentRequiredError)
    assert group.accept_invitation(token) == "zed"


def test_invitation_admits_into_closed_group_and_charges_fee(clock: Clock) -> None:
    group = FanGroup("vip", "ann", open_enrollment=False, enrollment_fee=10, clock=clock)
    token = group.invite("ann", "bob")
    unchanged(group, lambda: group.accept_invitation(token, fee_paid=5), InvalidInputError)
    assert group.accept_invitation(token, fee_paid=10) == "bob"


def test_daily_invitation_cap(clock: Clock) -> None:
    group = FanGroup("espresso", "ann", invite_daily_cap=2, clock=clock)
    group.invite("ann", "g1")
    clock.advance(timedelta(hours=12))
    group.invite("ann", "g2")
    unchanged(group, lambda: group.invite("ann", "g3"), PermissionDeniedError)
    clock.advance(timedelta(hours=12, seconds=1))
    group.invite("ann", "g3")
    with pytest.raises(PermissionDeniedError, match="daily cap of 2"):
        group.invite("ann", "g4")


def test_banned_person_cannot_be_invited_or_use_old_invitation(group: FanGroup) -> None:
    token = group.invite("ann", "zed")
    group.ban("ann", "zed")
    unchanged(group, lambda: group.accept_invitation(token), InvalidTokenError)
    with pytest.raises(PermissionDeniedError, match="banned"):
        group.invite("ann", "zed")
    group.unban("ann", "zed")
    with pytest.raises(InvalidTokenError):
        group.accept_invitation(token)
    assert group.accept_invitation(group.invite("ann", "zed")) == "zed"


# ------------------------------------------------------------------------------ leaving and bans


def test_leave(group: FanGroup) -> None:
    group.leave("bob")
    assert not group.is_member("bob")
    assert group.member_count == 4
    with pytest.raises(UnknownIdError):
        group.leave("bob")
    with pytest.raises(UnknownIdError):
        group.leave("nobody")
    assert group.join("bob")


def test_last_owner_cannot_leave(group: FanGroup) -> None:
    unchanged(group, lambda: group.leave("ann"), PermissionDeniedError)
    group.transfer_ownership("ann", "bob", keep=True)
    group.leave("ann")
    assert group.owners() == ["bob"]
    assert group.founder == "ann"
    with pytest.raises(PermissionDeniedError, match="last owner"):
        group.leave("bob")


def test_remove_needs_ability_and_rank(group: FanGroup) -> None:
    group.assign_role("ann", "bob", "Moderator")
    group.assign_role("ann", "cid", "Moderator")
    group.assign_role("ann", "dan", "Officer")
    group.remove("bob", "eve")
    assert not group.is_member("eve")
    unchanged(group, lambda: group.remove("bob", "cid"), PermissionDeniedError)
    unchanged(group, lambda: group.remove("bob", "dan"), PermissionDeniedError)
    unchanged(group, lambda: group.remove("bob", "ann"), PermissionDeniedError)
    unchanged(group, lambda: group.remove("dan", "ann"), PermissionDeniedError)
    unchanged(group, lambda: group.remove("bob", "bob"), PermissionDeniedError)
    unchanged(group, lambda: group.remove("cid", "zed"), UnknownIdError)
    group.remove("dan", "cid")
    group.join("eve")
    with pytest.raises(PermissionDeniedError, match="REMOVE"):
        group.remove("eve", "bob")


def test_ban_and_unban(group: FanGroup) -> None:
    group.assign_role("ann", "bob", "Moderator")
    with pytest.raises(PermissionDeniedError, match="BAN"):
        group.ban("bob", "eve")
    group.ban("ann", "eve")
    assert group.is_banned("eve")
    assert not group.is_member("eve")
    unchanged(group, lambda: group.join("eve"), PermissionDeniedError)
    group.ban("ann", "stranger")
    assert group.is_banned("stranger")
    with pytest.raises(PermissionDeniedError):
        group.ban("ann", "ann")
    group.assign_role("ann", "cid", "Officer")
    unchanged(group, lambda: group.ban("cid", "ann"), PermissionDeniedError)
    assert group.unban("cid", "eve") is True
    assert group.unban("cid", "eve") is False
    assert group.join("eve")


def test_ban_drops_pending_request(clock: Clock) -> None:
    group = closed(clock)
    group.request_to_join("bob", answers=["a", "b"])
    group.ban("ann", "bob")
    assert group.pending_requests("ann") == []
    with pytest.raises(PermissionDeniedError, match="banned"):
        group.request_to_join("bob", answers=["a", "b"])


def test_transfer_ownership(group: FanGroup) -> None:
    unchanged(group, lambda: group.transfer_ownership("bob", "cid"), PermissionDeniedError)
    unchanged(group, lambda: group.transfer_ownership("ann", "zed"), UnknownIdError)
    unchanged(group, lambda: group.transfer_ownership("ann", "ann"), InvalidInputError)
    group.transfer_ownership("ann", "bob")
    assert group.owners() == ["bob"]
    assert group.role_of("ann").name == "Officer"
    assert group.founder == "ann"
    assert not group.can("ann", Ability.DEFINE_ROLES)
    group.remove("bob", "ann")
    assert group.founder == "ann"
    unchanged(group, lambda: group.remove("bob", "bob"), PermissionDeniedError)


# ------------------------------------------------------------------------------ notices


def test_notice_without_registry(group: FanGroup) -> None:
    assert group.notice("ann", "Tasting Friday") == ["bob", "cid", "dan", "eve"]
    unchanged(group, lambda: group.notice("bob", "spam"), PermissionDeniedError)
    with pytest.raises(PermissionDeniedError, match="SEND_NOTICES"):
        group.notice("bob", "spam")
    with pytest.raises(InvalidInputError, match="message"):
        group.notice("ann", "")
    with pytest.raises(InvalidInputError, match="channel"):
        group.notice("ann", "hello", channel="sms")
    group.assign_role("ann", "bob", "Officer")
    assert group.notice("bob", "hello") == ["ann", "cid", "dan", "eve"]


# ------------------------------------------------------------------------------ registry


def test_join_grants_group_purpose_on_every_channel(clock: Clock, registry: OptInRegistry) -> None:
    group = FanGroup(
        "espresso", "ann", registry=registry, channels=("in_app", "email"), clock=clock
    )
    group.join("bob")
    group.join_many(["cid", "dan"])
    for member in ("ann", "bob", "cid", "dan"):
        for channel in ("in_app", "email"):
            assert registry.status(member, "group:espresso", channel) is ConsentStatus.GRANTED
    assert registry.status("bob", "group:espresso", "sms") is ConsentStatus.NONE


def test_join_refused_on_one_channel_grants_none(clock: Clock, registry: OptInRegistry) -> None:
    group = FanGroup(
        "espresso", "ann", registry=registry, channels=("in_app", "email"), clock=clock
    )
    # bob's email chain already holds an event after the join moment.
    registry.withdraw("bob", "group:espresso", "email", source="link", at=T0 + timedelta(days=1))
    events = registry.events()
    unchanged(group, lambda: group.join("bob"), InvalidInputError)
    assert registry.events() == events
    assert registry.status("bob", "group:espresso", "in_app") is ConsentStatus.NONE


def test_custom_purpose(clock: Clock, registry: OptInRegistry) -> None:
    group = FanGroup("espresso", "ann", registry=registry, purpose="fans", clock=clock)
    group.join("bob")
    assert registry.may_contact("bob", "fans", "in_app")
    assert group.purpose == "fans"


def test_suppressed_contact_cannot_join(clock: Clock, registry: OptInRegistry) -> None:
    registry.suppress("mal", reason="complaint")
    group = FanGroup("espresso", "ann", registry=registry, clock=clock)
    events = len(registry.events())
    unchanged(group, lambda: group.join("mal"), ConsentRequiredError)
    unchanged(group, lambda: group.join_many(["bob", "mal"]), ConsentRequiredError)
    token = group.invite("ann", "mal")
    with pytest.raises(ConsentRequiredError, match="suppression"):
        group.accept_invitation(token)
    assert len(registry.events()) == events
    assert not group.is_member("bob")
    with pytest.raises(ConsentRequiredError):
        FanGroup("other", "mal", registry=registry, clock=clock)


def test_closed_group_request_checks_suppression(clock: Clock, registry: OptInRegistry) -> None:
    group = FanGroup("vip", "ann", registry=registry, open_enrollment=False, clock=clock)
    group.request_to_join("bob")
    assert registry.status("bob", "group:vip", "in_app") is ConsentStatus.NONE
    group.approve("ann", "bob")
    assert registry.status("bob", "group:vip", "in_app") is ConsentStatus.GRANTED
    registry.suppress("cid", reason="complaint")
    with pytest.raises(ConsentRequiredError):
        group.request_to_join("cid")


def test_leave_remove_ban_withdraw(clock: Clock, registry: OptInRegistry) -> None:
    group = FanGroup("espresso", "ann", registry=registry, clock=clock)
    group.join_many(["bob", "cid", "dan"])
    group.leave("bob")
    group.remove("ann", "cid")
    group.ban("ann", "dan")
    for member in ("bob", "cid", "dan"):
        assert registry.status(member, "group:espresso", "in_app") is ConsentStatus.WITHDRAWN
    assert registry.status("ann", "group:espresso", "in_app") is ConsentStatus.GRANTED
    group.join("bob")
    assert registry.status("bob", "group:espresso", "in_app") is ConsentStatus.GRANTED


def test_notice_reaches_only_those_the_registry_allows(
    clock: Clock, registry: OptInRegistry
) -> None:
    group = FanGroup(
        "espresso", "ann", registry=registry, channels=("in_app", "email"), clock=clock
    )
    group.join_many(["bob", "cid", "dan", "eve"])
    registry.withdraw("cid", "group:espresso", "email", source="unsubscribe_link")
    registry.set_preferences("dan", quiet_hours=(time(11), time(13)))
    registry.suppress("eve", reason="complaint")
    assert group.notice("ann", "hello", channel="email") == ["bob"]
    assert group.notice("ann", "hello", channel="in_app") == ["bob", "cid"]
    later = T0 + timedelta(hours=3)
    assert group.notice("ann", "hello", channel="in_app", at=later) == ["bob", "cid", "dan"]


def test_every_member_has_a_grant(clock: Clock, registry: OptInRegistry) -> None:
    group = FanGroup("espresso", "ann", registry=registry, clock=clock)
    group.join_many([f"m{i}" for i in range(50)])
    group.accept_invitation(group.invite("ann", "guest"))
    for i in range(0, 50, 3):
        group.leave(f"m{i}")
    statuses = registry.check_many(group.members(), "group:espresso", "in_app")
    assert statuses.allowed.all()
