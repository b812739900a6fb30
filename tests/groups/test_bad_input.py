"""Issue 12 for FanGroup: bad input gets the library's error naming the field, changes nothing.

One regression test per input the issue lists, each with the exact input: the error type,
the field named in the message, and the state unchanged after the refusal. The sweep
(test_sweep.py) covers every other argument with the table of bad values.
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from community_marketing import FriendRight, InvalidInputError, InvalidTokenError
from community_marketing.groups import (
    Ability,
    BadgeRule,
    BadgeTier,
    FanGroup,
    Reward,
    TrustPolicy,
)

from .._sweep_cases import T0
from .._tables.groups import _closed_group, _group
from ._support import Clock

YEAR_10000_IN_UTC = datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))
INT32_MAX = 2**31 - 1


def refused(group: FanGroup, call: object, error: type[Exception], field: str) -> None:
    """``call`` raises ``error`` naming ``field`` and leaves the group's state as it was."""
    before = group.to_state()
    with pytest.raises(error, match=field):
        call()  # type: ignore[operator]
    assert group.to_state() == before
    assert FanGroup.from_state(group.to_state()).to_state() == before


@pytest.fixture
def group() -> FanGroup:
    return _group(Clock(T0 + timedelta(days=1)))[0]


@pytest.fixture
def closed() -> FanGroup:
    return _closed_group(Clock(T0 + timedelta(days=1)))[0]


# ------------------------------------------------------------ kind 1: a write that raises


def test_record_contribution_out_of_range_moment_changes_nothing(group: FanGroup) -> None:
    call = lambda: group.record_contribution("cid", "answer", at=YEAR_10000_IN_UTC)  # noqa: E731
    refused(group, call, InvalidInputError, "at")


def test_award_badge_out_of_range_moment_changes_nothing(group: FanGroup) -> None:
    call = lambda: group.award_badge("ann", "cid", "helper", at=YEAR_10000_IN_UTC)  # noqa: E731
    refused(group, call, InvalidInputError, "at")


def test_add_badge_rule_out_of_range_moment_changes_nothing(group: FanGroup) -> None:
    rule = BadgeRule("regular", BadgeTier.SILVER, 1, kind="answer")
    call = lambda: group.add_badge_rule("ann", rule, at=YEAR_10000_IN_UTC)  # noqa: E731
    refused(group, call, InvalidInputError, "at")


def test_a_weight_past_int32_is_refused(group: FanGroup) -> None:
    call = lambda: group.record_contribution("cid", "answer", weight=2**31)  # noqa: E731
    refused(group, call, InvalidInputError, "weight")


def test_reputation_that_would_overflow_is_refused_before_writing() -> None:
    group = FanGroup("big", "ann", points={"big": 10**6}, clock=Clock(T0))
    for _ in range(4):  # 4 * 10**6 * (2**31 - 1) stays below 2**53
        group.record_contribution("ann", "big", weight=INT32_MAX)
    call = lambda: group.record_contribution("ann", "big", weight=INT32_MAX)  # noqa: E731
    refused(group, call, InvalidInputError, "weight")
    many = lambda: group.record_contributions(["ann"] * 5, "big", weights=[INT32_MAX] * 5)  # noqa: E731
    refused(group, many, InvalidInputError, "weights")
    assert group.reputation("ann") == 4 * 10**6 * INT32_MAX


def test_a_flood_of_repeat_badges_is_refused_before_writing() -> None:
    rule = BadgeRule("fan", "bronze", 1, kind="answer", repeatable=True, reward=Reward("trial"))
    group = FanGroup("espresso", "ann", badge_rules=[rule], clock=Clock(T0))
    call = lambda: group.record_contribution("ann", "answer", weight=INT32_MAX)  # noqa: E731
    refused(group, call, InvalidInputError, "weight")


def test_add_badge_rule_that_would_flood_is_refused_and_not_added() -> None:
    group = FanGroup("espresso", "ann", clock=Clock(T0))
    group.record_contribution("ann", "answer", weight=10**7)
    rule = BadgeRule("fan", "bronze", 1, kind="answer", repeatable=True)
    refused(group, lambda: group.add_badge_rule("ann", rule), InvalidInputError, "rule")
    assert group.badge_rules() == []


# ------------------------------------------------------------ kind 2: beyond what is represented


def test_invite_with_timedelta_max_is_refused(group: FanGroup) -> None:
    call = lambda: group.invite("ann", "zed", expires_in=timedelta.max)  # noqa: E731
    refused(group, call, InvalidInputError, "expires_in")


def test_badge_rule_mark_past_the_counter_range_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="at_least"):
        BadgeRule("x", "gold", 2**63)


def test_trust_threshold_past_the_counter_range_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="thresholds"):
        TrustPolicy((10, 2**63), unlocks=(Ability.NONE, Ability.INVITE))


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("awarded", [[2**63], [0], [0], [0]], "awarded"),
        ("joined_at", [2**62, 0, 0, 0], "joined_at"),
    ],
)
def test_from_state_refuses_huge_counters_and_moments(
    group: FanGroup, key: str, value: object, field: str
) -> None:
    state = {**group.to_state(), key: value}
    with pytest.raises(InvalidInputError, match=field):
        FanGroup.from_state(state)


def test_from_state_refuses_contributions_past_the_counter_range() -> None:
    group = FanGroup("big", "ann", points={"big": 10**6}, clock=Clock(T0))
    group.record_contribution("ann", "big", weight=INT32_MAX)
    state = group.to_state()
    log = state["contributions"]
    state["contributions"] = {name: column * 5 for name, column in log.items()}
    with pytest.raises(InvalidInputError, match="contributions"):
        FanGroup.from_state(state)


# ------------------------------------------------------------ kind 4: ill-typed values


@pytest.mark.parametrize("member", ["bob", "nobody"])
def test_can_refuses_a_flag_of_another_enum(group: FanGroup, member: str) -> None:
    with pytest.raises(InvalidInputError, match="ability"):
        group.can(member, FriendRight.SEE_ONLINE)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="ability"):
        group.require(member, FriendRight.SEE_ONLINE)  # type: ignore[arg-type]
    assert group.can("bob", Ability.INVITE)


def test_negative_invitation_lifetime_is_refused(group: FanGroup) -> None:
    call = lambda: group.invite("ann", "zed", expires_in=timedelta(-1))  # noqa: E731
    refused(group, call, InvalidInputError, "expires_in")


# ------------------------------------------------------------ kind 10: raw exceptions


@pytest.mark.parametrize("token", ["².secret", "0.\ud800", "١.secret", "é€", "0.sécret"])
def test_a_non_ascii_token_is_an_invalid_token(group: FanGroup, token: str) -> None:
    refused(group, lambda: group.accept_invitation(token), InvalidTokenError, "token")


@pytest.mark.parametrize("verb", ["approve", "reject"])
@pytest.mark.parametrize("member", [[1], {"a": 1}, np.zeros(2)])
def test_approve_and_reject_refuse_an_unhashable_member(
    closed: FanGroup, verb: str, member: object
) -> None:
    refused(closed, lambda: getattr(closed, verb)("ann", member), InvalidInputError, "member")


@pytest.mark.parametrize("ids", [None, 0, 1.5, object(), "0", np.zeros((1, 1), np.int64)])
def test_mark_handed_out_refuses_what_is_not_a_sequence_of_ids(ids: object) -> None:
    rule = BadgeRule("critic", "silver", 1, kind="review", reward=Reward("discount", 10))
    group = FanGroup("espresso", "ann", badge_rules=[rule], clock=Clock(T0))
    group.record_contribution("ann", "review")
    refused(group, lambda: group.mark_handed_out(ids), InvalidInputError, "ids")  # type: ignore[arg-type]
    assert len(group.rewards_due()) == 1


@pytest.mark.parametrize("array", [np.zeros((2, 2)), np.zeros(0), np.array([np.nan, 1.0])])
def test_arrays_where_a_name_belongs_are_refused(group: FanGroup, array: object) -> None:
    refused(group, lambda: group.assign_role("ann", "cid", array), InvalidInputError, "role")  # type: ignore[arg-type]
    refused(group, lambda: group.revoke_role("ann", "bob", array), InvalidInputError, "role")  # type: ignore[arg-type]
    refused(group, lambda: group.award_badge("ann", "cid", array), InvalidInputError, "badge")  # type: ignore[arg-type]
    refused(group, lambda: group.notice("ann", "hi", channel=array), InvalidInputError, "channel")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="kind"):
        Reward(array)  # type: ignore[arg-type]


# ------------------------------------------------------------ kind 8: torn reads


def test_leaderboard_and_hotspots_read_a_consistent_snapshot_while_others_write() -> None:
    group = FanGroup("espresso", 0, clock=Clock(T0))
    group.join_many(list(range(1, 50)), attributes={"city": ["Lyon", "Nice"] * 24 + ["Lyon"]})
    failures: list[BaseException] = []
    done = threading.Event()
    members = np.arange(50)

    def write() -> None:
        try:
            for batch in range(300):
                if done.is_set():
                    return
                group.record_contributions(members, "post", at=T0 + timedelta(seconds=batch))
                group.join_many([1000 + batch], attributes={"city": ["Oslo"]})
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)
        finally:
            done.set()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show quickly
    writer = threading.Thread(target=write)
    writer.start()
    deadline = time.monotonic() + 10
    try:
        while not done.is_set() and time.monotonic() < deadline:
            board = group.leaderboard(5, since=T0)
            spots = group.hotspots("city", since=T0)
            assert len(board) == 5
            assert [spot.value for spot in spots[:2]] == ["Lyon", "Nice"]
    finally:
        done.set()
        writer.join(timeout=10)
        sys.setswitchinterval(interval)
    assert not failures
    assert not writer.is_alive()
    assert group.reputation(1) == 2 * 300


def test_a_moment_in_utc_range_keeps_working(group: FanGroup) -> None:
    at = datetime(9999, 12, 29, tzinfo=UTC)
    earned = group.record_contribution("cid", "answer", at=at)
    assert [(badge.name, badge.awarded_at) for badge in earned] == [("helper", at)]
