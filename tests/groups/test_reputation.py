"""Reputation: the daily cap in the member's own day, negative actions, decay by half-life."""

from __future__ import annotations

import itertools
import zoneinfo
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from community_marketing.errors import InvalidInputError
from community_marketing.groups import DEFAULT_POINTS, FanGroup, ReputationPolicy

from ._support import Clock, unchanged

POINTS = dict(DEFAULT_POINTS) | {"flagged": -10}
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def capped(clock: Clock, cap: int = 200, **policy: object) -> FanGroup:
    group = FanGroup(
        "espresso", "ann", points=POINTS, reputation=ReputationPolicy(cap, **policy), clock=clock
    )
    group.join_many(["bob", "cid"])
    return group


def test_a_thousand_posts_in_a_minute_earn_the_cap(clock: Clock) -> None:
    group = capped(clock)
    times = [T0 + timedelta(milliseconds=60 * i) for i in range(1000)]
    group.record_contributions(["bob"] * 1000, "post", at=times)
    assert group.reputation("bob") == 200, "Stack Exchange's 200 a day"
    assert group.contributions("bob")["post"] == 1000, "every post is still recorded"
    group.record_contribution("bob", "accepted_answer", at=T0 + timedelta(hours=3))
    assert group.reputation("bob") == 200
    group.record_contribution("bob", "accepted_answer", at=T0 + timedelta(days=1))
    assert group.reputation("bob") == 215, "a new day, new room"


def test_negative_points_count_past_the_cap_and_free_no_room(clock: Clock) -> None:
    group = capped(clock, 20)
    group.record_contribution("bob", "accepted_answer", at=T0)
    group.record_contribution("bob", "flagged", at=T0 + timedelta(minutes=1))
    assert group.reputation("bob") == 5
    group.record_contribution("bob", "accepted_answer", at=T0 + timedelta(minutes=2))
    assert group.reputation("bob") == 10, "15 + 5 of the cap's 20, then -10"
    group.record_contribution("bob", "flagged", at=T0 + timedelta(minutes=3))
    assert group.reputation("bob") == 0


def test_the_day_is_the_members_own(clock: Clock) -> None:
    group = capped(clock, 15, zone="Europe/Paris")
    group.set_attributes("cid", {"timezone": "Pacific/Auckland"})
    # 10:30 UTC on 2 March is 11:30 in Paris (same day) and 23:30 in Auckland (NZDT, +13).
    first = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    second = first + timedelta(hours=1)  # 00:30 on 3 March in Auckland, 12:30 in Paris
    for member in ("bob", "cid"):
        group.record_contributions([member, member], "accepted_answer", at=[first, second])
    assert group.reputation("bob") == 15, "both in one Paris day"
    assert group.reputation("cid") == 30, "two Auckland days"


def test_a_late_import_for_an_earlier_day_is_capped_by_that_day(clock: Clock) -> None:
    group = capped(clock, 15)
    group.record_contribution("bob", "accepted_answer", at=T0)
    group.record_contribution("bob", "accepted_answer", at=T0 + timedelta(days=2))
    group.record_contribution("bob", "answer", at=T0 + timedelta(hours=1))
    assert group.reputation("bob") == 30
    group.record_contribution("bob", "answer", at=T0 - timedelta(days=1))
    assert group.reputation("bob") == 35


def test_the_cap_survives_a_state_round_trip(clock: Clock) -> None:
    group = capped(clock, 20)
    group.record_contribution("bob", "accepted_answer", at=T0)
    again = FanGroup.from_state(group.to_state(), clock=clock)
    assert again.to_state() == group.to_state()
    again.record_contribution("bob", "accepted_answer", at=T0 + timedelta(hours=1))
    assert again.reputation("bob") == 20
    assert again.leaderboard(1, since=T0)[0].reputation == 20


def test_a_credited_column_above_the_points_is_refused(clock: Clock) -> None:
    group = capped(clock, 20)
    group.record_contributions(["bob", "bob"], "accepted_answer", at=T0)
    state = group.to_state()
    assert state["contributions"]["credited"] == [15, 5]
    state["contributions"]["credited"] = [15, 15]
    with pytest.raises(InvalidInputError, match="credited"):
        FanGroup.from_state(state)


def test_decay_halves_reputation_per_half_life(clock: Clock) -> None:
    policy = ReputationPolicy(half_life=timedelta(days=10))
    group = FanGroup("espresso", "ann", reputation=policy, clock=clock)
    group.record_contribution("ann", "accepted_answer", at=clock.now, weight=4)
    assert group.reputation("ann") == 60
    assert group.reputation("ann", at=clock.now + timedelta(days=10)) == 30
    assert group.reputation("ann", at=clock.now + timedelta(days=20)) == 15
    assert group.reputation("ann", at=clock.now - timedelta(days=1)) == 0, "not yet earned"
    clock.advance(timedelta(days=10))
    assert group.reputation("ann") == 30
    group.join("bob")
    group.record_contribution("bob", "accepted_answer", weight=3)
    assert [(s.member, s.reputation) for s in group.leaderboard(2)] == [("bob", 45), ("ann", 30)]
    assert group.leaderboard(1, since=clock.now)[0].reputation == 45, "since: not decayed"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"daily_cap": 0}, "daily_cap"),
        ({"daily_cap": 10**10}, "daily_cap"),
        ({"daily_cap": True}, "daily_cap"),
        ({"zone": "Mars/Olympus"}, "zone"),
        ({"zone": ""}, "zone"),
        ({"zone_attribute": 3}, "zone_attribute"),
        ({"half_life": timedelta(0)}, "half_life"),
        ({"half_life": 30}, "half_life"),
    ],
)
def test_bad_policies_name_the_field(arguments: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError, match=field):
        ReputationPolicy(**arguments)  # type: ignore[arg-type]


def test_a_bad_policy_argument_and_a_bad_at_change_nothing(clock: Clock) -> None:
    with pytest.raises(InvalidInputError, match="reputation"):
        FanGroup("espresso", "ann", reputation=200)  # type: ignore[arg-type]
    group = capped(clock, 20, half_life=timedelta(days=3))
    unchanged(group, lambda: group.reputation("bob", at=datetime(2026, 1, 1)), InvalidInputError)


ZONES = ["UTC", "Europe/Paris", "Pacific/Auckland", "America/St_Johns", None]
ROWS = st.lists(
    st.tuples(
        st.sampled_from(["bob", "cid"]),
        st.sampled_from(sorted(POINTS)),
        st.integers(1, 3),
        st.integers(0, 96 * 4),  # quarter hours over four days
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(rows=ROWS, cuts=st.lists(st.integers(0, 40), max_size=4), zone=st.sampled_from(ZONES))
def test_reputation_is_the_capped_sum_per_local_day_in_any_batching(
    rows: list[tuple[str, str, int, int]], cuts: list[int], zone: str | None
) -> None:
    cap = 25
    group = capped(Clock(), cap)
    if zone is not None:
        group.set_attributes("cid", {"timezone": zone})
    start = datetime(2026, 3, 28, tzinfo=UTC)  # across Europe's change to summer time
    edges = sorted({0, len(rows), *(c for c in cuts if c < len(rows))})
    for low, high in itertools.pairwise(edges):
        batch = rows[low:high]
        group.record_contributions(
            [r[0] for r in batch],
            [r[1] for r in batch],
            at=[start + timedelta(minutes=15 * r[3]) for r in batch],
            weights=[r[2] for r in batch],
        )
    gains: dict[tuple[str, object], int] = defaultdict(int)
    losses: dict[str, int] = defaultdict(int)
    for member, kind, weight, quarter in rows:
        local = start + timedelta(minutes=15 * quarter)
        if member == "cid" and zone is not None:
            local = local.astimezone(zoneinfo.ZoneInfo(zone))
        points = POINTS[kind] * weight
        if points > 0:
            gains[member, local.date()] += points
        else:
            losses[member] += points
    for member in ("bob", "cid"):
        expected = losses[member] + sum(
            min(total, cap) for (who, _), total in gains.items() if who == member
        )
        assert group.reputation(member) == expected
        daily = np.array([t for (who, _), t in gains.items() if who == member] or [0])
        assert group.reputation(member) <= cap * len(daily), "never above the cap in a day"


def test_a_member_who_moves_keeps_their_past_days_through_a_reload() -> None:
    import copy
    import pickle

    from community_marketing import ReputationPolicy

    clock = _april_second
    group = FanGroup(
        "r", "brand", clock=clock, points={"post": 200}, reputation=ReputationPolicy(200)
    )
    group.join("ann", attributes={"timezone": "Asia/Tokyo"})
    group.record_contribution("ann", "post", at=datetime(2026, 4, 1, 14, tzinfo=UTC))
    group.record_contribution("ann", "post", at=datetime(2026, 4, 1, 16, tzinfo=UTC))
    assert group.reputation("ann") == 400  # two Tokyo days
    group.set_attributes("ann", {"timezone": "Europe/London"})
    state = group.to_state()
    assert state["contributions"]["day"] == [20544, 20545]
    for again in (
        FanGroup.from_state(state, clock=clock),
        copy.deepcopy(group),
        pickle.loads(pickle.dumps(group)),
        FanGroup.from_bytes(group.to_bytes(), clock=clock),
    ):
        assert again.reputation("ann") == 400
        assert again.to_state() == state
    # A tampered day still cannot carry more than the cap.
    state["contributions"]["day"] = [20544, 20544]
    with pytest.raises(InvalidInputError, match="more than the daily cap"):
        FanGroup.from_state(state, clock=clock)


def _april_second() -> datetime:
    """A module-level clock, so that the group pickles."""
    return datetime(2026, 4, 2, tzinfo=UTC)
