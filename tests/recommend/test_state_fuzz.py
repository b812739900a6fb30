"""Mutated real states: ``Recommender.from_state`` raises InvalidInputError or round-trips."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community_marketing import InvalidInputError
from community_marketing.recommend import Interactions, Recommender

from .._sweep import same
from .._sweep_cases import BAD_VALUES

USERS = ["ann", "ann", "bob", "bob", "cid", "cid", "dan", "eve"]
ITEMS = ["tea", "jam", "tea", "scone", "jam", "scone", "tea", "jam"]


def _states() -> list[dict[str, Any]]:
    log = Recommender(factors=3, iterations=3, random_state=0, num_threads=1).fit(USERS, ITEMS)
    bm25 = Recommender(factors=2, iterations=2, weighting="bm25", random_state=1, num_threads=1)
    bm25.fit(USERS, ITEMS, [1.0, 2.0, 3.0, 1.0, 5.0, 1.0, 2.0, 1.0])
    bm25.update_users(["zed"], ["tea"], [4.0])
    bare = Recommender.from_factors([1, 2], ["x", "y", "z"], np.eye(2), np.ones((3, 2)))
    given_history = Recommender.from_factors(
        ["a", "b"],
        ["x", "y"],
        [[1.0, 0.0], [0.0, 1.0]],
        [[2.0, 0.0], [0.0, 3.0]],
        interactions=Interactions.from_triples(["a", "b"], ["x", "y"]),
        weighting="tfidf",
    )
    return [model.to_state() for model in (log, bm25, bare, given_history)]


STATES = _states()

# The places a mutation can land: (key,) at the top level, (key, sub) one level down.
PATHS = sorted(
    {(key,) for state in STATES for key in state}
    | {("params", key) for key in STATES[0]["params"]}
    | {("user_items", key) for key in ("data", "indices", "indptr")}
)

EXTRA_VALUES: list[Any] = [
    np.array([np.nan, 1.0]),
    np.array([np.inf]),
    np.array([-1, 2**40]),
    np.array([[1, 2], [3, 4]]),
    np.array(["a", "b"]),
    np.array([True, False]),
    np.zeros((0, 3)),
    np.full((5, 3), 1e30),
    np.array([1 + 2j]),
    {True: 1},
    [1, 2, 3],
    ["ann"] * 3,
    "abc",
    2**80,
    -(2**70),
]
VALUES = list(BAD_VALUES.values()) + EXTRA_VALUES


def _mutate_array(array: np.ndarray, how: int, data: st.DataObject) -> Any:
    """An array reshaped, re-typed, shortened, or with one entry made bad."""
    if how == 0:
        return array.reshape(-1)
    if how == 1:
        return array.astype(data.draw(st.sampled_from([np.int8, np.float16, bool, object, str])))
    if how == 2:
        return array[: max(array.shape[0] - 1, 0)]
    if how == 3:
        return np.concatenate([array, array[:1]])
    changed = array.astype(np.float64) if array.dtype.kind in "iub" else array.copy()
    if changed.size:
        flat = changed.reshape(-1)
        flat[data.draw(st.integers(0, flat.size - 1))] = data.draw(
            st.sampled_from([np.nan, np.inf, -1.0, 1e30, 2.0**62, -(2.0**40)])
        )
    return changed


def _mutate(state: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    state = copy.deepcopy(state)
    path = data.draw(st.sampled_from(PATHS))
    parent: Any = state
    for key in path[:-1]:
        parent = parent.get(key)
    if not isinstance(parent, dict):
        return state
    key = path[-1]
    action = data.draw(st.sampled_from(["drop", "replace", "array", "true key", "list"]))
    if action == "drop":
        parent.pop(key, None)
    elif action == "true key":
        parent[True] = parent.pop(key, None)
    elif action == "array" and isinstance(parent.get(key), np.ndarray):
        parent[key] = _mutate_array(parent[key], data.draw(st.integers(0, 4)), data)
    elif action == "list" and isinstance(parent.get(key), list) and parent[key]:
        items = parent[key]
        parent[key] = data.draw(
            st.sampled_from([items[:-1], [*items, items[0]], "".join(map(str, items)), items[::-1]])
        )
    else:
        parent[key] = data.draw(st.sampled_from(VALUES))
    return state


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_mutated_state_is_refused_or_round_trips(data: st.DataObject) -> None:
    original = data.draw(st.sampled_from(range(len(STATES))))
    mutated = _mutate(STATES[original], data)
    try:
        loaded = Recommender.from_state(mutated)
    except InvalidInputError:
        return
    canonical = loaded.to_state()
    assert same(Recommender.from_state(canonical).to_state(), canonical)


def test_every_real_state_round_trips() -> None:
    for state in STATES:
        assert same(Recommender.from_state(state).to_state(), state)
