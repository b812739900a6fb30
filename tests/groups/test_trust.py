"""Trust levels: earned from reputation, kept above the low-water mark."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from community_marketing.errors import InvalidInputError, PermissionDeniedError, UnknownIdError
from community_marketing.groups import (
    DEFAULT_POINTS,
    Ability,
    FanGroup,
    TrustPolicy,
    TrustRequirement,
)

from ._support import Clock, unchanged

# ------------------------------------------------------------------------------ trust levels


def test_trust_levels_with_low_water_mark(clock: Clock) -> None:
    policy = TrustPolicy((10, 30), low_water=0.8, unlocks=(Ability.INVITE, Ability.MODERATE))
    points = dict(DEFAULT_POINTS) | {"flagged": -1}
    group = FanGroup("espresso", "ann", trust=policy, points=points, clock=clock)
    group.join("bob")
    assert group.trust_level("bob") == 0
    assert not group.can("bob", Ability.INVITE)
    group.record_contribution("bob", "answer", weight=2)
    assert group.trust_level("bob") == 1
    assert group.can("bob", Ability.INVITE)
    assert not group.can("bob", Ability.MODERATE)
    group.record_contribution("bob", "flagged", weight=2)
    assert group.reputation("bob") == 8
    assert group.trust_level("bob") == 1, "a dip above the low-water mark keeps the level"
    group.record_contribution("bob", "flagged")
    assert group.reputation("bob") == 7
    assert group.trust_level("bob") == 0
    assert not group.can("bob", Ability.INVITE)
    group.record_contribution("bob", "accepted_answer", weight=2)
    assert group.trust_level("bob") == 2
    assert group.can("bob", Ability.INVITE | Ability.MODERATE)
    group.record_contribution("bob", "flagged", weight=13)
    assert group.reputation("bob") == 24
    assert group.trust_level("bob") == 2
    group.record_contribution("bob", "flagged", weight=1)
    assert group.trust_level("bob") == 1


def test_trust_unlocked_invite_is_usable(clock: Clock) -> None:
    policy = TrustPolicy((5,), unlocks=(Ability.INVITE,))
    group = FanGroup("espresso", "ann", trust=policy, clock=clock)
    group.join("bob")
    with pytest.raises(PermissionDeniedError, match="INVITE"):
        group.invite("bob", "cid")
    group.record_contribution("bob", "answer")
    assert group.accept_invitation(group.invite("bob", "cid")) == "cid"


# ------------------------------------------------------------------------------ by activity

DAY = timedelta(days=1)
START = datetime(2026, 1, 5, tzinfo=UTC)
ACTIVITY_POINTS = {"post": 1, "reply": 2, "visit": 0, "flagged": -5}


def active_policy(**options: object) -> TrustPolicy:
    return TrustPolicy(
        (0, 0, 0),
        low_water=0.9,
        unlocks=(Ability.INVITE, Ability.MODERATE, Ability.BAN),
        requirements=(
            TrustRequirement({"post": 2}),
            TrustRequirement({"reply": 10}, days_active=5, max_flagged=1,
                             window=timedelta(days=100)),
            TrustRequirement(manual=True),
        ),
        flag_kind="flagged",
        **options,  # type: ignore[arg-type]
    )  # fmt: skip


def active_group(clock: Clock, **options: object) -> FanGroup:
    clock.now = START
    group = FanGroup("espresso", "ann", points=ACTIVITY_POINTS, trust=active_policy(**options),
                     clock=clock)  # fmt: skip
    group.join_many(["bob", "cid"])
    return group


def regular(group: FanGroup, member: str = "bob") -> None:
    """Two posts, then ten replies over the first five days of START."""
    group.record_contributions([member] * 2, "post", at=[START, START])
    days = [START + DAY * (i % 5) for i in range(10)]
    group.record_contributions([member] * 10, "reply", at=days)


def test_promotion_waits_for_evaluation_and_follows_activity(clock: Clock) -> None:
    group = active_group(clock)
    regular(group)
    assert group.trust_level("bob") == 0, "levels move at evaluate_trust with requirements"
    assert group.evaluate_trust(at=START + 5 * DAY) == 1
    assert group.trust_level("bob") == 2
    assert group.can("bob", Ability.INVITE | Ability.MODERATE)
    assert not group.can("bob", Ability.BAN), "the manual level is never reached automatically"
    assert [(c.old_level, c.new_level, c.reason) for c in group.trust_history("bob")] == [
        (0, 2, "promoted")
    ]
    assert group.evaluate_trust(at=START + 5 * DAY) == 0, "evaluation is idempotent"


def test_demotion_exactly_when_the_window_slides(clock: Clock) -> None:
    group = active_group(clock)
    regular(group)
    group.evaluate_trust(at=START + 5 * DAY)
    # The window is (at - 100 days, at]: replies of day 0 (2 of them) leave at day 100 exactly,
    # which keeps 8 replies, below the low-water mark of 9.
    assert group.evaluate_trust(at=START + 100 * DAY - timedelta(microseconds=1)) == 0
    assert group.trust_level("bob") == 2
    assert group.evaluate_trust(at=START + 100 * DAY) == 1
    assert group.trust_level("bob") == 1
    assert not group.can("bob", Ability.MODERATE)
    assert group.trust_history("bob")[-1].reason == "demoted"


def test_low_water_keeps_a_level_a_promotion_would_not_give(clock: Clock) -> None:
    group = active_group(clock)
    regular(group)
    group.evaluate_trust(at=START + 5 * DAY)
    cid = ["cid"] * 9
    group.record_contributions(["cid", "cid"], "post", at=[START, START])
    group.record_contributions(cid, "reply", at=[START + DAY * (i % 5) for i in range(9)])
    group.evaluate_trust(at=START + 5 * DAY)
    assert group.trust_level("cid") == 1, "9 replies do not promote"
    group.record_contribution("bob", "flagged", at=START + 6 * DAY)
    assert group.evaluate_trust(at=START + 6 * DAY) == 0, "one flag is allowed"
    group.record_contribution("bob", "flagged", at=START + 7 * DAY)
    assert group.evaluate_trust(at=START + 7 * DAY) == 1, "flags count in full"
    assert group.trust_level("bob") == 1


def test_grace_holds_a_demotion_until_the_day_it_ends(clock: Clock) -> None:
    group = active_group(clock, grace=timedelta(days=14))
    regular(group)
    promoted = START + 5 * DAY
    group.evaluate_trust(at=promoted)
    group.record_contributions(["bob"] * 2, "flagged", at=[promoted, promoted])
    assert group.evaluate_trust(at=promoted + 14 * DAY - timedelta(microseconds=1)) == 0
    assert group.trust_level("bob") == 2
    assert group.evaluate_trust(at=promoted + 14 * DAY) == 1
    assert group.trust_level("bob") == 1


def test_inactivity_demotes_a_member_after_their_window(clock: Clock) -> None:
    group = active_group(clock)
    regular(group)
    group.evaluate_trust(at=START + 5 * DAY)
    group.evaluate_trust(at=START + 300 * DAY)
    assert group.trust_level("bob") == 1, "idle for 300 days: the regular level is gone"


def test_a_manual_level_is_locked_and_can_be_unlocked(clock: Clock) -> None:
    group = active_group(clock)
    group.set_trust_level("ann", "bob", 3)
    assert group.trust_level("bob") == 3
    assert group.can("bob", Ability.BAN)
    assert group.evaluate_trust(at=START + 400 * DAY) == 0, "a locked level stays"
    group.set_trust_level("ann", "bob", None)
    assert group.trust_level("bob") == 3, "unlocking keeps the level"
    assert group.evaluate_trust(at=START + 400 * DAY) == 0, "a manual-only level stays"
    group.set_trust_level("ann", "bob", 1, lock=False)
    assert group.evaluate_trust(at=START + 400 * DAY) == 1
    assert group.trust_level("bob") == 0
    reasons = [c.reason for c in group.trust_history("bob")]
    assert reasons == ["locked", "unlocked", "manual", "demoted"]


def test_setting_a_level_needs_the_right_and_its_abilities(clock: Clock) -> None:
    group = active_group(clock)
    group.assign_role("ann", "cid", "Moderator")
    unchanged(group, lambda: group.set_trust_level("bob", "cid", 1), PermissionDeniedError)
    unchanged(group, lambda: group.set_trust_level("ann", "bob", 4), InvalidInputError)
    unchanged(group, lambda: group.set_trust_level("ann", "bob", 1, lock=1), InvalidInputError)
    unchanged(group, lambda: group.set_trust_level("ann", "zoe", 1), UnknownIdError)
    unchanged(group, lambda: group.evaluate_trust(at=datetime(2026, 1, 1)), InvalidInputError)


def test_trust_state_round_trips_levels_locks_and_history(clock: Clock) -> None:
    group = active_group(clock, grace=timedelta(days=3))
    regular(group)
    group.evaluate_trust(at=START + 5 * DAY)
    group.set_trust_level("ann", "cid", 1)
    state = group.to_state()
    again = FanGroup.from_state(state, clock=clock)
    assert again.to_state() == state
    assert again.trust_history() == group.trust_history()
    assert again.evaluate_trust(at=START + 400 * DAY) == 1, "cid stays locked, bob falls"
    bad = copy.deepcopy(state)
    bad["trust_level"][2]["history"][0][3] = "bribed"
    with pytest.raises(InvalidInputError, match="trust_level"):
        FanGroup.from_state(bad)


def test_erasure_takes_the_members_trust_history(clock: Clock) -> None:
    group = active_group(clock)
    regular(group)
    group.evaluate_trust(at=START + 5 * DAY)
    group.erase("bob")
    assert group.trust_history() == []
    assert "bob" not in repr(group.to_state())


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"requirements": [TrustRequirement()] * 2}, "requirements"),
        ({"requirements": ["post"]}, "requirements"),
        ({"grace": timedelta(days=-1)}, "grace"),
        ({"thresholds": (5, 3)}, "thresholds"),
    ],
)
def test_bad_trust_policies_name_the_field(arguments: dict[str, object], field: str) -> None:
    base: dict[str, object] = {"thresholds": (1,), "unlocks": (Ability.INVITE,)}
    with pytest.raises(InvalidInputError, match=field):
        TrustPolicy(**(base | arguments))  # type: ignore[arg-type]


def test_requirements_must_name_known_kinds() -> None:
    policy = TrustPolicy((0,), unlocks=(Ability.INVITE,),
                         requirements=[TrustRequirement({"selfie": 1})])  # fmt: skip
    with pytest.raises(InvalidInputError, match=r"trust.requirements\[0\].counts"):
        FanGroup("espresso", "ann", trust=policy)
    with pytest.raises(InvalidInputError, match="flag_kind"):
        FanGroup("espresso", "ann", trust=TrustPolicy(flag_kind="spam"))
    with pytest.raises(InvalidInputError, match="counts"):
        TrustRequirement({"post": -1})
    with pytest.raises(InvalidInputError, match="window"):
        TrustRequirement(window=timedelta(0))


def test_discourse_policy_promotes_a_regular() -> None:
    points = dict.fromkeys(
        ["topic_entered", "post_read", "visit", "like_given", "like_received", "reply"], 1
    ) | {"flagged": -5}
    group = FanGroup("espresso", "ann", points=points, trust=TrustPolicy.discourse(),
                     clock=lambda: START)  # fmt: skip
    group.join("bob")
    days = [START + DAY * i for i in range(50)]
    group.record_contributions(["bob"] * 50, "visit", at=days)
    for kind, n in {"topic_entered": 5, "post_read": 30, "like_given": 30,
                    "like_received": 20, "reply": 10}.items():  # fmt: skip
        group.record_contribution("bob", kind, weight=n, at=START)
    group.evaluate_trust(at=START + 50 * DAY)
    assert group.trust_level("bob") == 3


def plain_level(rows: list[tuple[str, int, int]], policy: TrustPolicy, at: datetime) -> int:
    """The level a newcomer reaches at ``at``: a plain loop over one member's rows."""
    reputation = sum(ACTIVITY_POINTS[kind] * weight for kind, weight, _ in rows)
    level = 0
    for threshold, requirement in zip(policy.thresholds, policy.requirements, strict=True):
        seen = [
            (kind, weight, day)
            for kind, weight, day in rows
            if START + day * DAY <= at
            and (requirement.window is None or START + day * DAY > at - requirement.window)
        ]
        counts: dict[str, int] = {}
        for kind, weight, _ in seen:
            counts[kind] = counts.get(kind, 0) + weight
        meets = (
            reputation >= threshold
            and not requirement.manual
            and all(counts.get(kind, 0) >= n for kind, n in requirement.counts)
            and len({day for _, _, day in seen}) >= requirement.days_active
            and (
                requirement.max_flagged is None
                or counts.get("flagged", 0) <= requirement.max_flagged
            )
        )
        if not meets:
            break
        level += 1
    return level


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["bob", "cid", "dan"]),
            st.sampled_from(sorted(ACTIVITY_POINTS)),
            st.integers(1, 4),
            st.integers(0, 150),
        ),
        max_size=60,
    ),
    day=st.integers(0, 220),
    threshold=st.integers(0, 6),
)
def test_evaluation_matches_a_plain_loop(
    rows: list[tuple[str, str, int, int]], day: int, threshold: int
) -> None:
    policy = attrs.evolve(active_policy(), thresholds=(threshold, threshold, threshold))
    group = FanGroup("espresso", "ann", points=ACTIVITY_POINTS, trust=policy, clock=Clock(START))
    group.join_many(["bob", "cid", "dan"])
    if rows:
        group.record_contributions(
            [r[0] for r in rows],
            [r[1] for r in rows],
            at=[START + DAY * r[3] for r in rows],
            weights=[r[2] for r in rows],
        )
    at = START + DAY * day
    group.evaluate_trust(at=at)
    for member in ("bob", "cid", "dan"):
        mine = [(kind, weight, d) for who, kind, weight, d in rows if who == member]
        assert group.trust_level(member) == plain_level(mine, policy, at)
