"""A fuzzer over real FanGroup states: every mutation loads cleanly or raises InvalidInputError.

States come from a few populated groups; one mutation at a random place (a key dropped, a
value of another type, a list too long or too short, an index out of range, NaN, inf, huge
ints, a str where a list belongs, a numpy array where a list belongs, ``True`` as a dict key).
``from_state`` must raise ``InvalidInputError`` or build a group whose state round-trips and
whose reads answer.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community_marketing import CommunityMarketingError, InvalidInputError
from community_marketing.groups import Ability, BadgeRule, FanGroup, Reward

from .._sweep import same
from .._sweep_cases import T0
from .._tables.groups import _closed_group, _group
from ._support import Clock

Path = tuple[Any, ...]


def _rich_group() -> FanGroup:
    """Rewards due and settled, repeat badges, a ban, a leaver, attributes, custom roles."""
    rules = [
        BadgeRule(
            "critic", "silver", 2, kind="review", repeatable=True, reward=Reward("discount", 10)
        ),
        BadgeRule("famous", "gold", 20, reward=Reward("trial", "grinder")),
    ]
    group = FanGroup("vinyl", 7, badge_rules=rules, channels=("in_app", "email"), clock=Clock(T0))
    group.join_many([8, 9, 10, 11], attributes={"region": ["N", "S", None, "N"]}, at=T0)
    group.record_contributions(
        [8, 8, 9, 10], ["review", "review", "post", "accepted_answer"], at=T0
    )
    group.record_contribution(8, "review", weight=3, at=T0 + timedelta(hours=1))
    group.mark_handed_out([group.rewards_due()[0].id])
    group.define_role(7, "host", Ability.SEND_NOTICES | Ability.INVITE, rank=20)
    group.assign_role(7, 9, "host")
    group.leave(11, at=T0 + timedelta(hours=2))
    group.ban(7, 12)
    group.invite(9, 13, at=T0)
    return group


STATES = [
    _group(Clock(T0))[0].to_state(),
    _closed_group(Clock(T0))[0].to_state(),
    _rich_group().to_state(),
]

BAD_LEAVES: list[Any] = [
    None, True, -1, 0, 2**63, 2**80, float("nan"), float("inf"), -1.5, "", "ab", "é€",
    b"ab", [], [1], {}, {"a": 1}, [[1]], (1, 2), object(),
]  # fmt: skip


def paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every place in a state: the path of each dict value and list item, nested."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield (*prefix, position)
            yield from paths(item, (*prefix, position))


def _parent(state: Any, path: Path) -> Any:
    for step in path[:-1]:
        state = state[step]
    return state


def _out_of_range(value: Any) -> Any:
    return value + 1000 if isinstance(value, int) and not isinstance(value, bool) else -7


def mutate(state: dict[str, Any], path: Path, how: str, bad: Any) -> dict[str, Any]:
    """A copy of ``state`` with one mutation at ``path``."""
    state = copy.deepcopy(state)
    parent, last = _parent(state, path), path[-1]
    value = parent[last]
    if how == "drop":
        del parent[last]
    elif how == "replace":
        parent[last] = bad
    elif how == "out of range":
        parent[last] = _out_of_range(value)
    elif how == "negative":
        parent[last] = -value - 2 if isinstance(value, int) else -1
    elif how == "longer" and isinstance(value, list):
        value.append(value[-1] if value else 0)
    elif how == "shorter" and isinstance(value, list):
        value.pop() if value else value.append(None)
    elif how == "as str" and isinstance(value, list):
        parent[last] = "".join(map(str, value)) or "ab"
    elif how == "as array":
        parent[last] = np.array(value if isinstance(value, list) else [value], dtype=object)
    elif how == "as 2-d array" and isinstance(value, list):
        parent[last] = np.array([value, value])
    elif how == "True key" and isinstance(value, dict):
        value[True] = next(iter(value.values()), 1)
    elif how == "float":
        parent[last] = float(value) if isinstance(value, int) else 1.5
    else:
        parent[last] = bad
    return state


HOWS = [
    "drop", "replace", "out of range", "negative", "longer", "shorter", "as str", "as array",
    "as 2-d array", "True key", "float",
]  # fmt: skip


def reads(group: FanGroup) -> None:
    """Every read a loaded group answers; only the library's errors may escape."""
    state = group.to_state()
    assert same(FanGroup.from_state(state).to_state(), state)
    group.leaderboard(5)
    group.leaderboard(5, since=T0)
    group.rewards_due()
    group.owners()
    group.roles()
    for key in state["attributes"]:
        group.hotspots(key, since=T0)
    for member in group.members():
        for read in (group.joined_at, group.badges, group.display_name, group.roles_of):
            read(member)
        group.can(member, Ability.INVITE)
    group.pending_requests(group.owners()[0])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(range(len(STATES))),
    data=st.data(),
    how=st.sampled_from(HOWS),
    bad=st.sampled_from(BAD_LEAVES),
)
def test_a_mutated_state_loads_or_raises_invalid_input(
    base: int, data: st.DataObject, how: str, bad: Any
) -> None:
    state = STATES[base]
    path = data.draw(st.sampled_from(sorted(paths(state), key=repr)))
    mutated = mutate(state, path, how, bad)
    try:
        group = FanGroup.from_state(mutated)
    except InvalidInputError:
        return
    with contextlib.suppress(CommunityMarketingError):  # a refusal is fine; a crash is not
        reads(group)


@pytest.mark.parametrize("base", range(len(STATES)))
def test_every_unmutated_state_round_trips(base: int) -> None:
    group = FanGroup.from_state(STATES[base])
    assert same(group.to_state(), STATES[base])
    reads(group)
