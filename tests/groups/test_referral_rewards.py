"""Referral rewards: milestones credited from a ReferralGraph, flagged referrals left out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from community_marketing.errors import InvalidInputError
from community_marketing.groups import BadgeRule, FanGroup, Reward
from community_marketing.referrals import ReferralGraph

from ._support import T0, Clock, unchanged

MILESTONES = [
    BadgeRule("First referral", "bronze", 1, kind="referral", reward=Reward("discount", 5)),
    BadgeRule("Three referrals", "silver", 3, kind="referral", reward=Reward("discount", 10)),
    BadgeRule("Six referrals", "gold", 6, kind="referral", reward=Reward("trial", "grinder")),
]


def referred(graph: ReferralGraph, referrer: str, n: int, start: int = 0, hours: int = 2) -> None:
    for i in range(start, start + n):
        graph.record_referral(
            referrer, f"{referrer}-friend-{i}", at=T0 + timedelta(hours=hours * i)
        )


def test_milestones_land_as_due_then_handed_out_once(clock: Clock) -> None:
    clock.now = T0 + timedelta(days=30)
    group = FanGroup("espresso", "ann", badge_rules=MILESTONES, clock=clock)
    group.join_many(["bob", "cid"])
    graph = ReferralGraph()
    referred(graph, "bob", 4)
    referred(graph, "cid", 1)
    earned = group.credit_referrals(graph)
    assert [(b.member, b.name) for b in earned] == [
        ("bob", "First referral"),
        ("cid", "First referral"),
        ("bob", "Three referrals"),
    ]
    due = group.rewards_due()
    assert [(d.member, d.reward.value) for d in due] == [("bob", 5), ("cid", 5), ("bob", 10)]
    assert group.credit_referrals(graph) == [], "idempotent"
    assert len(group.rewards_due()) == 3
    group.mark_handed_out([d.id for d in due])
    group.mark_handed_out([d.id for d in due])
    assert group.rewards_due() == []
    referred(graph, "bob", 2, start=4)
    assert [b.name for b in group.credit_referrals(graph)] == ["Six referrals"]
    assert [d.reward.value for d in group.rewards_due()] == ["grinder"]
    assert group.contributions("bob")["referral"] == 6


def test_flagged_unattributed_later_and_outside_referrals_do_not_count(clock: Clock) -> None:
    clock.now = T0 + timedelta(days=30)
    group = FanGroup("espresso", "ann", badge_rules=MILESTONES, clock=clock)
    group.join_many(["bob", "cid"])
    graph = ReferralGraph()
    for i in range(11):  # a burst: more than 10 in an hour
        graph.record_referral("bob", f"farm-{i}", at=T0 + timedelta(minutes=i))
    graph.record_referral("bob", "real", at=T0 + timedelta(days=2))
    graph.record_referral("cid", "real", at=T0 + timedelta(days=3))  # not attributed: bob was first
    graph.record_referral("cid", "late", at=T0 + timedelta(days=40))
    graph.record_referral("zoe", "someone", at=T0)  # not a member
    assert [f.pattern for f in graph.suspicious_referrals()] == ["burst"]
    group.credit_referrals(graph)
    assert group.contributions("bob")["referral"] == 1
    assert group.contributions("cid")["referral"] == 0
    group.credit_referrals(graph, at=T0 + timedelta(days=41))
    assert group.contributions("cid")["referral"] == 1


def test_discourse_invite_badges_count_referees_who_became_active(clock: Clock) -> None:
    clock.now = T0 + timedelta(days=30)
    rules = [
        BadgeRule("Promoter", "bronze", 1, kind="referral"),
        BadgeRule("Campaigner", "silver", 3, kind="referral"),
        BadgeRule("Champion", "gold", 5, kind="referral"),
    ]
    group = FanGroup("espresso", "ann", badge_rules=rules, clock=clock)
    graph = ReferralGraph()
    referred(graph, "ann", 5)
    group.join_many([f"ann-friend-{i}" for i in range(5)])
    for i in range(3):
        group.record_contribution(f"ann-friend-{i}", "post")

    def active(referee: object) -> bool:
        return group.is_member(referee) and sum(group.contributions(referee).values()) > 0

    assert [b.name for b in group.credit_referrals(graph, qualified=active)] == [
        "Promoter",
        "Campaigner",
    ]
    assert group.credit_referrals(graph, qualified={"ann-friend-4"}) == [], "never lowered"


def test_bad_arguments_change_nothing(group: FanGroup) -> None:
    graph = ReferralGraph()
    graph.record_referral("bob", "new")
    unchanged(group, lambda: group.credit_referrals("graph"), InvalidInputError)  # type: ignore[arg-type]
    unchanged(group, lambda: group.credit_referrals(graph, qualified=5), InvalidInputError)  # type: ignore[arg-type]
    unchanged(group, lambda: group.credit_referrals(graph, kind="tip"), InvalidInputError)
    with pytest.raises(InvalidInputError, match="graph"):
        group.credit_referrals(object())  # type: ignore[arg-type]


def test_a_burst_credited_live_pays_nothing_once_flagged(clock: Clock) -> None:
    """The application credits as referrals arrive; the burst flag comes with the 11th, and
    the hold keeps every referral of the burst from counting before the flag can see it."""
    group = FanGroup("espresso", "ann", badge_rules=MILESTONES, clock=clock)
    group.join("mallory")
    graph = ReferralGraph()
    for i in range(11):
        clock.now = T0 + timedelta(minutes=i)
        graph.record_referral("mallory", f"sock-{i}", at=clock.now)
        assert group.credit_referrals(graph) == []
    clock.now = T0 + timedelta(hours=3)
    assert [f.pattern for f in graph.suspicious_referrals()] == ["burst"]
    assert group.credit_referrals(graph) == []
    assert group.contributions("mallory")["referral"] == 0
    assert group.rewards_due() == []
    # Without the hold, a referral credited before its burst is flagged keeps its reward
    # (a count is never lowered): the trade-off hold=timedelta(0) documents.
    eager = FanGroup("eager", "ann", badge_rules=MILESTONES, clock=clock)
    eager.join("mallory")
    early = ReferralGraph()
    early.record_referral("mallory", "sock-0", at=T0)
    assert [b.name for b in eager.credit_referrals(early, hold=timedelta(0))] == ["First referral"]
    state = eager.to_state()
    with pytest.raises(InvalidInputError, match=r"^hold: expected a duration of at least 0"):
        eager.credit_referrals(graph, hold=timedelta(minutes=-1))
    with pytest.raises(InvalidInputError, match=r"^hold: expected a timedelta"):
        eager.credit_referrals(graph, hold=3600)  # type: ignore[arg-type]
    assert eager.to_state() == state
