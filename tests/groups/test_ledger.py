"""The contribution ledger: reputation, counts, bulk and scalar, leaderboards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from community_marketing.errors import (
    InvalidInputError,
    UnknownIdError,
)
from community_marketing.groups import (
    DEFAULT_POINTS,
    BadgeRule,
    FanGroup,
    Standing,
)

from ._support import T0, Clock, unchanged

# ------------------------------------------------------------------------------ contributions


def test_reputation_and_counts(group: FanGroup) -> None:
    group.record_contribution("bob", "accepted_answer")
    group.record_contribution("bob", "answer", weight=2)
    group.record_contribution("cid", "like_received", weight=7)
    assert group.reputation("bob") == 15 + 10
    assert group.reputation("cid") == 7
    assert group.reputation("dan") == 0
    assert group.contributions("bob")["answer"] == 2
    assert group.points["accepted_answer"] == max(group.points.values())


def test_contribution_validation(group: FanGroup) -> None:
    unchanged(group, lambda: group.record_contribution("bob", "nope"), InvalidInputError)
    unchanged(group, lambda: group.record_contribution("zed", "post"), UnknownIdError)
    unchanged(group, lambda: group.record_contribution("bob", "post", weight=0), InvalidInputError)
    unchanged(
        group,
        lambda: group.record_contribution("bob", "post", weight=1.5),  # type: ignore[arg-type]
        InvalidInputError,
    )
    unchanged(
        group,
        lambda: group.record_contribution("bob", "post", at=datetime(2026, 1, 1)),
        InvalidInputError,
    )
    unchanged(
        group, lambda: group.record_contributions(["bob", "cid"], ["post"]), InvalidInputError
    )
    unchanged(
        group,
        lambda: group.record_contributions(["bob", "cid"], ["post", 3]),  # type: ignore[list-item]
        InvalidInputError,
    )
    unchanged(
        group,
        lambda: group.record_contributions(["bob", "zed"], "post"),
        UnknownIdError,
    )
    unchanged(
        group,
        lambda: group.record_contributions(["bob", "cid"], "post", weights=[1, -1]),
        InvalidInputError,
    )
    with pytest.raises(UnknownIdError, match="member"):
        group.reputation("zed")
    group.leave("dan")
    assert group.reputation("dan") == 0
    group.leave("eve")
    unchanged(group, lambda: group.record_contribution("eve", "post"), UnknownIdError)


def test_bulk_equals_scalar(clock: Clock) -> None:
    rng = np.random.default_rng(7)
    kinds = list(DEFAULT_POINTS)
    members = rng.integers(1, 30, 400)
    chosen = [kinds[i] for i in rng.integers(0, len(kinds), 400)]
    weights = rng.integers(1, 4, 400)
    rules = [
        BadgeRule("Helper", "bronze", 3, kind="answer", repeatable=True),
        BadgeRule("Star", "gold", 60),
    ]
    bulk = FanGroup("bulk", 0, badge_rules=rules, clock=clock)
    scalar = FanGroup("scalar", 0, badge_rules=rules, clock=clock)
    for target in (bulk, scalar):
        target.join_many(list(range(1, 30)))
    earned = bulk.record_contributions(members, chosen, weights=weights, at=T0)
    for member, kind, weight in zip(members.tolist(), chosen, weights.tolist(), strict=True):
        scalar.record_contribution(member, kind, weight=weight, at=T0)
    for member in range(1, 30):
        assert bulk.reputation(member) == scalar.reputation(member)
        assert bulk.contributions(member) == scalar.contributions(member)
        assert bulk.trust_level(member) == scalar.trust_level(member)
        assert sorted(b.name for b in bulk.badges(member)) == sorted(
            b.name for b in scalar.badges(member)
        )
    assert len(earned) == sum(len(bulk.badges(m)) for m in range(1, 30))
    assert bulk.leaderboard(29) == scalar.leaderboard(29)


def test_integer_id_arrays(clock: Clock) -> None:
    group = FanGroup("espresso", 0, clock=clock)
    group.join_many(np.arange(1, 50))
    group.record_contributions(np.array([3, 3, 49]), "answer")
    assert (group.reputation(3), group.reputation(49)) == (10, 5)
    with pytest.raises(UnknownIdError) as raised:
        group.record_contributions(np.array([3, 10**12]), "answer")
    assert raised.value.id == 10**12
    assert type(raised.value.id) is int
    group.leave(7)
    unchanged(group, lambda: group.record_contributions(np.array([7]), "post"), UnknownIdError)
    group.join("ann")
    group.record_contributions(np.array([3]), "post")
    assert group.reputation(3) == 12


def test_bulk_timestamps_as_datetime64(group: FanGroup) -> None:
    stamps = np.array(["2026-03-02T00:00", "2026-03-05T00:00"], dtype="datetime64[us]")
    group.record_contributions(["bob", "cid"], "post", at=stamps)
    board = group.leaderboard(5, since=datetime(2026, 3, 3, tzinfo=UTC))
    assert board[0] == Standing("cid", 2)
    assert group.record_contributions([], "post") == []


def test_leaderboard(group: FanGroup) -> None:
    group.record_contribution("cid", "answer", at=T0)
    group.record_contribution("eve", "answer", at=T0)
    group.record_contribution("dan", "accepted_answer", at=T0)
    group.record_contribution("bob", "post", at=T0 + timedelta(days=2))
    assert group.leaderboard(3) == [Standing("dan", 15), Standing("cid", 5), Standing("eve", 5)]
    assert group.leaderboard(2) == [Standing("dan", 15), Standing("cid", 5)]
    assert group.leaderboard(0) == []
    assert len(group.leaderboard(100)) == 5
    assert group.leaderboard(1, since=T0 + timedelta(days=1)) == [Standing("bob", 2)]
    group.leave("dan")
    assert group.leaderboard(1) == [Standing("cid", 5)]
    assert group.reputation("dan") == 15
    with pytest.raises(InvalidInputError, match="n"):
        group.leaderboard(-1)
    with pytest.raises(InvalidInputError, match="since"):
        group.leaderboard(3, since=datetime(2026, 1, 1))
