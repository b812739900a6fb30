"""Badges that can be lost: windows that slide, revocation when a condition no longer holds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from community_marketing.errors import InvalidInputError
from community_marketing.groups import DEFAULT_POINTS, BadgeRule, FanGroup, Reward

from ._support import T0, Clock, unchanged

POINTS = dict(DEFAULT_POINTS) | {"flagged": -20}
DAY = timedelta(days=1)


def everywhere(group: FanGroup, member: str, name: str) -> list[bool]:
    """Where the badge ``name`` of ``member`` shows: badges, label, rewards due, state."""
    state = group.to_state()
    number = [rule["name"] for rule in state["badge_rules"]].index(name)
    index = state["people"].index(member)
    rows = zip(state["badges"]["member"], state["badges"]["rule"], strict=True)
    return [
        any(badge.name == name for badge in group.badges(member)),
        name in group.display_name(member),
        any(due.badge == name and due.member == member for due in group.rewards_due()),
        (index, number) in set(rows),
        state["awarded"][index][number] > 0,
    ]


def test_a_revocable_badge_goes_when_reputation_falls(clock: Clock) -> None:
    rules = [
        BadgeRule("Trusted", "gold", 50, revocable=True, reward=Reward("discount", 10)),
        BadgeRule("Veteran", "silver", 50),
    ]
    group = FanGroup("espresso", "ann", points=POINTS, badge_rules=rules, clock=clock)
    group.join("bob")
    group.record_contribution("bob", "accepted_answer", weight=4)
    assert group.reputation("bob") == 60
    assert everywhere(group, "bob", "Trusted") == [True] * 5
    group.record_contribution("bob", "flagged", weight=2)
    assert group.reputation("bob") == 20
    assert everywhere(group, "bob", "Trusted") == [False] * 5, "gone from every listing"
    assert [b.name for b in group.badges("bob")] == ["Veteran"], "not revocable: kept"
    again = FanGroup.from_state(group.to_state(), clock=clock)
    assert again.to_state() == group.to_state()
    group.record_contribution("bob", "accepted_answer", weight=3)
    assert everywhere(group, "bob", "Trusted")[0], "earned again"


def test_windowed_badges_move_with_evaluate_badges(clock: Clock) -> None:
    rules = [
        BadgeRule("Busy week", "bronze", 3, kind="post", window=7 * DAY, revocable=True),
        BadgeRule("Once busy", "bronze", 3, kind="post", window=7 * DAY),
    ]
    group = FanGroup("espresso", "ann", badge_rules=rules, clock=clock)
    group.record_contributions(["ann"] * 3, "post", at=[T0, T0 + DAY, T0 + 2 * DAY])
    assert group.badges("ann") == [], "a windowed rule waits for evaluate_badges"
    awarded = group.evaluate_badges(at=T0 + 2 * DAY)
    assert [b.name for b in awarded] == ["Busy week", "Once busy"]
    assert group.evaluate_badges(at=T0 + 2 * DAY) == [], "idempotent"
    # The window is (at - 7 days, at]: the first post leaves it at T0 + 7 days exactly.
    group.evaluate_badges(at=T0 + 7 * DAY - timedelta(microseconds=1))
    assert len(group.badges("ann")) == 2
    group.evaluate_badges(at=T0 + 7 * DAY)
    assert [b.name for b in group.badges("ann")] == ["Once busy"]


def test_repeatable_badges_are_revoked_latest_first(clock: Clock) -> None:
    rule = BadgeRule("Helper", "silver", 15, repeatable=True, revocable=True,
                     reward=Reward("trial", "grinder"))  # fmt: skip
    group = FanGroup("espresso", "ann", points=POINTS, badge_rules=[rule], clock=clock)
    for hour in range(3):
        group.record_contribution("ann", "accepted_answer", at=T0 + timedelta(hours=hour))
    assert len(group.badges("ann")) == 3
    first = group.rewards_due()[0].id
    group.mark_handed_out([first])
    group.record_contribution("ann", "flagged", at=T0 + timedelta(hours=4))
    assert [b.awarded_at for b in group.badges("ann")] == [T0], "45 - 20 earns it once"
    assert group.rewards_due() == [], "the handed-out one stays, the due ones went"
    unchanged(group, lambda: group.mark_handed_out([2]), InvalidInputError)
    group.record_contribution("ann", "accepted_answer", at=T0 + timedelta(hours=5))
    assert [due.id for due in group.rewards_due()] == [3], "a revoked id is never reused"
    state = group.to_state()
    assert state["badges"]["id"] == [0, 3]
    assert state["badge_next_id"] == 4
    again = FanGroup.from_state(state, clock=clock)
    assert again.to_state() == state
    again.record_contribution("ann", "accepted_answer", at=T0 + timedelta(hours=6))
    assert [due.id for due in again.rewards_due()] == [3, 4]


def test_bad_badge_ids_in_state_are_refused(clock: Clock) -> None:
    rule = BadgeRule("Helper", "silver", 15, repeatable=True, revocable=True)
    group = FanGroup("espresso", "ann", points=POINTS, badge_rules=[rule], clock=clock)
    group.record_contribution("ann", "accepted_answer", weight=3)
    group.record_contribution("ann", "flagged")
    state = group.to_state()
    assert state["badges"]["id"] == [0]
    bad = dict(state, badge_next_id=0)
    with pytest.raises(InvalidInputError, match="badge_next_id"):
        FanGroup.from_state(bad)
    del bad["badge_next_id"]
    with pytest.raises(InvalidInputError, match=r"state\.badges"):
        FanGroup.from_state(bad)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [({"window": timedelta(0)}, "window"), ({"revocable": "yes"}, "revocable")],
)
def test_bad_badge_rules_name_the_field(arguments: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError, match=field):
        BadgeRule("Helper", "silver", 3, **arguments)  # type: ignore[arg-type]


def test_evaluating_before_the_latest_award_is_refused(clock: Clock) -> None:
    """Going back would revoke a later award, and the next run would pay its reward again."""
    rule = BadgeRule(
        "Busy week", "bronze", 3, kind="answer", window=7 * DAY, revocable=True,
        reward=Reward("discount", 10),
    )  # fmt: skip
    group = FanGroup("b", "brand", clock=clock, badge_rules=[rule])
    group.join("ann")
    group.record_contributions(["ann"] * 3, "answer", at=T0)
    group.evaluate_badges(at=T0 + DAY)
    group.mark_handed_out([d.id for d in group.rewards_due()])
    state = group.to_state()
    with pytest.raises(InvalidInputError, match=r"^at: earlier than the latest badge awarded"):
        group.evaluate_badges(at=T0 + DAY - timedelta(hours=1))
    assert group.to_state() == state
    assert group.evaluate_badges(at=T0 + 2 * DAY) == []
    assert group.rewards_due() == []
