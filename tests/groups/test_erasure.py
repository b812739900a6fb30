"""FanGroup.erase cuts the person from the live parts: the same as a trip through the state."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from community_marketing import BadgeRule, BadgeTier, FanGroup, OptInRegistry, ReputationPolicy
from community_marketing._erased import plain_state_ids
from community_marketing.groups import _erasure, _state
from community_marketing.groups._erasure import SLOT_ARRAYS, SLOT_LOGS

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _cut(state: dict[str, Any], member: Hashable, index: int) -> tuple[tuple[str, int], ...]:
    """Cut slot ``index`` and the rows naming ``member`` from ``state``; the counts by kind."""
    was_member = int(state["member"][index])
    for key in ("people", "member", "banned", "joined_at", "roles_held", "trust_level", "awarded"):
        del state[key][index]
    attributes = sum(_cut_attribute(column, index) for column in state["attributes"].values())
    contributions = _cut_log(state["contributions"], index)
    badges = _cut_log(state["badges"], index)
    counts = (
        ("memberships", was_member),
        ("people", 1),
        ("attributes", attributes),
        ("contributions", contributions),
        ("badges", badges),
    )
    return counts + _cut_pending(state, member)


def _cut_pending(state: dict[str, Any], member: Hashable) -> tuple[tuple[str, int], ...]:
    """Cut the join requests and invitations naming ``member`` from ``state``; their counts."""
    requests = [r for r in state["requests"] if not plain_state_ids(r["member"], member)]
    invitations = [
        i
        for i in state["invitations"]
        if not (plain_state_ids(i["member"], member) or plain_state_ids(i["by"], member))
    ]
    counts = (
        ("join_requests", len(state["requests"]) - len(requests)),
        ("invitations", len(state["invitations"]) - len(invitations)),
    )
    state["requests"], state["invitations"] = requests, invitations
    return counts


def _cut_log(log: dict[str, list[Any]], index: int) -> int:
    """Drop the rows of ``index`` from a columnar log and shift later indices; rows dropped."""
    owner = np.asarray(log["member"], np.int64)
    keep = owner != index
    for name, column in log.items():
        log[name] = np.asarray(column)[keep].tolist() if len(column) else []
    kept = owner[keep]
    log["member"] = (kept - (kept > index)).tolist()
    return int((~keep).sum())


def _cut_attribute(column: dict[str, list[Any]], index: int) -> int:
    """Cut slot ``index`` of one attribute column, and the values nobody else holds."""
    codes = column["codes"]
    had = int(codes.pop(index) >= 0)
    used = sorted({c for c in codes if c >= 0})
    renumber = {old: new for new, old in enumerate(used)}
    column["values"] = [column["values"][old] for old in used]
    column["codes"] = [renumber.get(c, -1) for c in codes]
    return had


def _rebuilt_without(group: FanGroup, member: Hashable) -> FanGroup:
    """The oracle: the group written out, the person cut from the plain state, read back."""
    state = _state.to_state(group)
    index = group._membership.people.get(member)
    if index >= 0:
        _cut(state, member, index)
    else:
        _cut_pending(state, member)
    return _state.from_state(type(group), state, group._consent.registry, group._clock)


def _comparable(group: FanGroup) -> dict[str, Any]:
    """The state, but award ids: the oracle renumbers them, erase keeps them (stable rewards)."""
    state = _state.to_state(group)
    state.pop("erasure", None)
    state.pop("badge_next_id", None)
    state["badges"].pop("id", None)
    return state


def _group(n: int, ops: list[tuple[int, int]]) -> FanGroup:
    group = FanGroup(
        "club",
        "owner",
        registry=OptInRegistry(clock=lambda: T0),
        open_enrollment=False,
        questions=("Why?",),
        badge_rules=(BadgeRule("poster", BadgeTier.BRONZE, 2, kind="post"),),
        reputation=ReputationPolicy(daily_cap=3),
        clock=lambda: T0,
    )
    people = [f"p{i}" for i in range(n)]
    cities = ["Lyon", "Nice", "Sparta"]
    group.join_many(people, attributes={"city": [cities[i % 3] for i in range(n)]}, by="owner")
    for step, (who, what) in enumerate(ops):
        person, at = people[who % n], T0 + timedelta(hours=step)
        if not group.is_member(person):
            continue
        if what == 0:
            group.record_contribution(person, "post", at=at)
        elif what == 1:
            group.set_attributes(person, {"nickname": f"nick{who}"})
        elif what == 2:
            group.leave(person)
        elif what == 3:
            group.ban("owner", person)
        elif what == 4:
            group.invite("owner", f"guest{who}")
        elif what == 5:
            group.request_to_join(f"asker{who}", answers=[f"call {who}"])
        else:
            group.set_trust_level("owner", person, 1 + who % 2)
    return group


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 8),
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 6)), max_size=30),
    st.integers(0, 12),
)
def test_erase_equals_a_trip_through_the_state(
    n: int, ops: list[tuple[int, int]], pick: int
) -> None:
    group = _group(n, ops)
    known = [*group._membership.people, *group._membership.requests]
    invited = [i.member for i in group._invitations.items]
    person = ([*known, *invited] or ["p0"])[pick % len([*known, *invited] or ["p0"])]
    if plain_state_ids(person, "owner"):
        return
    expected = _rebuilt_without(group, person)
    before = _comparable(group)
    plan = _erasure.plan(group, person, 0)
    assert _comparable(group) == before  # planning changes nothing
    plan.apply()
    assert _comparable(group) == _comparable(expected)
    assert repr(person) not in repr(_state.to_state(group)).replace("'erasure'", "")
    for other in group.members():
        assert group.badges(other) == expected.badges(other)
        assert group.display_name(other) == expected.display_name(other)
        assert group.reputation(other) == expected.reputation(other)
    assert group.hotspots("city") == expected.hotspots("city")
    plan.undo()
    assert _comparable(group) == before


def test_every_per_person_array_is_cut() -> None:
    """A part's array with a row per person must be in SLOT_ARRAYS (else erase would leave
    the row behind): grow the group to an odd capacity and look for arrays of that length."""
    group = _group(3, [])
    capacity = 997
    for name in ("_membership", "_roles", "_trust", "_ledger", "_badges", "_cap"):
        getattr(group, name).grow(capacity)
    for name, arrays in SLOT_ARRAYS.items():
        part = getattr(group, name)
        slots = [s for cls in type(part).__mro__ for s in getattr(cls, "__slots__", ())]
        per_person = {
            s for s in slots
            if isinstance(getattr(part, s, None), np.ndarray) and len(getattr(part, s)) == capacity
        }  # fmt: skip
        assert per_person == set(arrays), name
    for name, log in SLOT_LOGS.items():
        assert "member" in getattr(getattr(group, name), log).names()


def test_the_last_owner_and_the_founder_are_refused_and_nothing_changes() -> None:
    from community_marketing import PermissionDeniedError

    group = _group(3, [(0, 0)])
    before = _comparable(group)
    with pytest.raises(PermissionDeniedError, match="founded"):
        group.erase("owner")
    assert _comparable(group) == before


def test_the_last_owner_is_refused_until_another_owner_exists() -> None:
    from community_marketing import PermissionDeniedError

    group = _group(3, [])
    group.transfer_ownership("owner", "p0", keep=False)
    before = _comparable(group)
    with pytest.raises(PermissionDeniedError, match="last owner"):
        group.erase("p0")
    assert _comparable(group) == before
    group.transfer_ownership("p0", "p1", keep=True)
    assert dict(group.erase("p0").counts)["memberships"] == 1
    assert group.owners() == ["p1"]
