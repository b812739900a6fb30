"""to_state / from_state: exact round trips, plain data, junk refused with InvalidInputError."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community_marketing.errors import (
    CommunityMarketingError,
    InvalidInputError,
    InvalidTokenError,
)
from community_marketing.groups import (
    Ability,
    BadgeRule,
    FanGroup,
    Reward,
    TrustPolicy,
)

from ._support import Clock

# ------------------------------------------------------------------------------ state


def rich_group(clock: Clock) -> FanGroup:
    rules = [
        BadgeRule("Helper", "silver", 2, kind="accepted_answer", reward=Reward("trial", "mill")),
        BadgeRule("Regular", "bronze", 10, repeatable=True),
    ]
    group = FanGroup(
        "roasters",
        "ann",
        open_enrollment=False,
        questions=["Why?"],
        enrollment_fee=2.5,
        creation_fee=100,
        channels=("in_app", "email"),
        badge_rules=rules,
        trust=TrustPolicy((5, 40), unlocks=(Ability.INVITE, Ability.MODERATE)),
        clock=clock,
    )
    group.join_many([1, (2, "b"), "cid", "dan"], by="ann", fee_paid=3,
                    attributes={"city": ["Lyon", None, "Nice", "Lyon"]})  # fmt: skip
    group.define_role("ann", "Greeter", Ability.INVITE | Ability.SEND_NOTICES, rank=20)
    group.assign_role("ann", "cid", "Greeter")
    group.assign_role("ann", "dan", "Moderator")
    group.record_contributions(
        [1, "cid", "cid", 1], ["accepted_answer", "post", "answer", "accepted_answer"]
    )
    group.request_to_join("eve", answers=["coffee"], fee_paid=2.5)
    group.invite("ann", "fay")
    group.accept_invitation(group.invite("cid", "gus"), fee_paid=2.5)
    group.ban("ann", "mal")
    group.leave("dan")
    group.mark_handed_out([])
    return group


def test_state_round_trip_is_exact(clock: Clock) -> None:
    group = rich_group(clock)
    state = group.to_state()
    assert state["schema"] == 1
    restored = FanGroup.from_state(state, clock=clock)
    assert restored.to_state() == state
    assert restored.members() == group.members()
    assert restored.reputation(1) == group.reputation(1)
    assert restored.badges(1) == group.badges(1)
    assert restored.can("cid", Ability.SEND_NOTICES)
    assert restored.is_banned("mal")
    assert restored.pending_requests("ann") == group.pending_requests("ann")
    assert restored.rewards_due() == group.rewards_due()
    assert restored.hotspots("city") == group.hotspots("city")
    assert restored.trust_level(1) == group.trust_level(1)
    assert repr(restored) == repr(group)


def test_restored_tokens_still_work_once(clock: Clock) -> None:
    group = FanGroup("espresso", "ann", clock=clock)
    token = group.invite("ann", "bob")
    restored = FanGroup.from_state(group.to_state(), clock=clock)
    assert restored.accept_invitation(token) == "bob"
    with pytest.raises(InvalidTokenError):
        restored.accept_invitation(token)
    assert token.partition(".")[2] not in str(group.to_state())


def test_state_is_plain_data(clock: Clock) -> None:
    def walk(value: Any) -> Iterator[Any]:
        yield value
        if isinstance(value, dict):
            for key, item in value.items():
                yield from walk(key)
                yield from walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                yield from walk(item)

    plain = (dict, list, tuple, str, int, float, bool, type(None))
    assert all(isinstance(v, plain) for v in walk(rich_group(clock).to_state()))


@pytest.mark.parametrize(
    "junk",
    [None, 3, "state", [], {}, {"schema": 1}, {"schema": "1"}, {"schema": True}, {"schema": 2}],
)
def test_from_state_rejects_junk(junk: Any) -> None:
    with pytest.raises(InvalidInputError):
        FanGroup.from_state(junk)


JUNK = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=100, deadline=None)
@given(junk=JUNK | st.dictionaries(st.sampled_from(["schema", "name", "people"]), JUNK))
def test_from_state_random_junk_raises_invalid_input(junk: Any) -> None:
    with pytest.raises(InvalidInputError):
        FanGroup.from_state(junk)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_from_state_mutations_raise_only_invalid_input(data: st.DataObject) -> None:
    state = rich_group(Clock()).to_state()
    mutated = copy.deepcopy(state)
    target: Any = mutated
    path: list[Any] = []
    while True:
        if isinstance(target, dict) and target:
            key = data.draw(st.sampled_from(sorted(target, key=repr)))
        elif isinstance(target, list) and target:
            key = data.draw(st.integers(0, len(target) - 1))
        else:
            break
        path.append(key)
        if not data.draw(st.booleans()):
            break
        target = target[key]
        if not isinstance(target, (dict, list)):
            path.pop()
            target = mutated
            for step in path[:-1]:
                target = target[step]
            break
    if not path:
        return
    container = mutated
    for step in path[:-1]:
        container = container[step]
    action = data.draw(st.sampled_from(["replace", "delete"]))
    if action == "delete" and isinstance(container, dict):
        del container[path[-1]]
    elif action == "delete" and isinstance(container, list):
        container.pop(path[-1])
    else:
        container[path[-1]] = data.draw(JUNK)
    try:
        restored = FanGroup.from_state(mutated)
    except InvalidInputError:
        return
    except CommunityMarketingError as error:  # pragma: no cover - the assertion explains
        pytest.fail(f"from_state raised {type(error).__name__}, not InvalidInputError")
    again = restored.to_state()
    # A state without erasures (older states) loads with a fresh, empty erasure record.
    assert {k: v for k, v in again.items() if k != "erasure"} == {
        k: v for k, v in mutated.items() if k != "erasure"
    }
    assert FanGroup.from_state(again).to_state() == again
