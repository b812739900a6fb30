"""Badges and rewards: automatic and manual awards, retroactive rules."""

from __future__ import annotations

import pytest

from community_marketing.errors import (
    InvalidInputError,
    PermissionDeniedError,
    UnknownIdError,
)
from community_marketing.groups import (
    Badge,
    BadgeRule,
    BadgeTier,
    FanGroup,
    Reward,
)

from ._support import T0, Clock, unchanged

# ------------------------------------------------------------------------------ badges and rewards


def test_badges_once_and_repeatable(clock: Clock) -> None:
    rules = [
        BadgeRule("Answerer", "bronze", 2, kind="answer"),
        BadgeRule("Prolific", "silver", 2, kind="answer", repeatable=True),
        BadgeRule("Famous", "gold", 30, reward=Reward("discount", 20)),
    ]
    group = FanGroup("espresso", "ann", badge_rules=rules, clock=clock)
    group.join("bob")
    assert group.record_contribution("bob", "answer") == []
    earned = group.record_contribution("bob", "answer")
    assert [b.name for b in earned] == ["Answerer", "Prolific"]
    assert earned[0] == Badge("Answerer", BadgeTier.BRONZE, "bob", T0, Reward())
    earned = group.record_contribution("bob", "answer", weight=4)
    assert [b.name for b in earned] == ["Prolific", "Prolific", "Famous"]
    assert [b.name for b in group.badges("bob")] == [
        "Answerer",
        "Prolific",
        "Prolific",
        "Prolific",
        "Famous",
    ]
    due = group.rewards_due()
    assert [(d.member, d.badge, d.reward) for d in due] == [
        ("bob", "Famous", Reward("discount", 20))
    ]
    group.mark_handed_out([due[0].id])
    assert group.rewards_due() == []
    with pytest.raises(InvalidInputError):
        group.mark_handed_out([99])
    assert group.display_name("bob") == "bob [gold: Famous]"
    assert group.display_name("ann") == "ann"
    with pytest.raises(UnknownIdError):
        group.badges("zed")


def test_add_badge_rule_is_retroactive_and_guarded(group: FanGroup) -> None:
    group.record_contribution("bob", "review")
    rule = BadgeRule("Reviewer", "bronze", 1, kind="review", reward=Reward("trial", "grinder"))
    unchanged(group, lambda: group.add_badge_rule("bob", rule), PermissionDeniedError)
    earned = group.add_badge_rule("ann", rule)
    assert [b.member for b in earned] == ["bob"]
    assert group.rewards_due()[0].reward == Reward("trial", "grinder")
    with pytest.raises(InvalidInputError, match="exists"):
        group.add_badge_rule("ann", rule)
    assert group.badge_rules() == [rule]


def test_award_badge_by_hand(group: FanGroup) -> None:
    group.add_badge_rule("ann", BadgeRule("Barista", "gold", 10_000))
    unchanged(group, lambda: group.award_badge("bob", "cid", "Barista"), PermissionDeniedError)
    unchanged(group, lambda: group.award_badge("ann", "cid", "Nope"), InvalidInputError)
    # Awarding holds no right over oneself: an officer cannot pay themselves a reward.
    unchanged(group, lambda: group.award_badge("ann", "ann", "Barista"), PermissionDeniedError)
    badge = group.award_badge("ann", "cid", "Barista")
    assert badge.member == "cid"
    assert badge.tier is BadgeTier.GOLD
    group.set_attributes("cid", {"nickname": "Cid the Roaster"})
    assert group.display_name("cid") == "Cid the Roaster [gold: Barista]"
