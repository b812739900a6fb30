"""A fuzzer over real ReferralGraph states: from_state refuses with InvalidInputError only.

Real states of a few populated graphs are mutated (a key dropped, a value's type changed,
an array reshaped or re-typed, NaN, inf, huge ints, negative or out-of-range indices,
a str where a list belongs, lists of the wrong length, ``True`` as a key). A mutated
state either loads, and then round-trips and answers its reads, or is refused with
``InvalidInputError``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community_marketing.errors import InvalidInputError
from community_marketing.referrals import FriendRight, ReferralGraph

from .._sweep import same
from ._support import T0, clock


def _populated() -> ReferralGraph:
    graph = ReferralGraph(clock=clock)
    graph.add_friendships([("ann", "bob"), ("bob", "cid"), ("cid", "dan"), ("dan", "eve")])
    graph.record_referrals(["ann", "ann", "bob"], ["bob", "cid", "dan"], at=T0, codes=["a"] * 3)
    graph.request_friendship("eve", "ann", at=T0)
    graph.grant_right("ann", "bob", FriendRight.SEE_ONLINE)
    return graph


def _windowed() -> ReferralGraph:
    graph = ReferralGraph(attribution="window", window=timedelta(days=30), clock=clock)
    graph.add_friendships([(1, 2), (2, 3), ("x", "y")])
    graph.add_members(["old"], at=T0 - timedelta(days=3))
    graph.record_referral(1, "x", code="A", channel="sms")
    graph.record_referral(2, "x", at=T0 + timedelta(days=40))
    graph.record_referral("x", "z")
    return graph


STATES = [ReferralGraph(clock=clock).to_state(), _populated().to_state(), _windowed().to_state()]

ODD_VALUES: list[Any] = [
    None, float("nan"), float("inf"), -1, 2**80, 2**63 - 1, True, "ab", b"ab", [], [[1]],
    {"a": 1}, {True: 1}, object(), np.zeros((2, 2)), np.zeros(0), np.array([np.nan, 1.0]),
    np.array([2**62, -(2**62)]), np.array(["a", "b"]), np.array([True, False]),
]  # fmt: skip


def _paths(state: dict[str, Any]) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = [(key,) for key in state]
    if isinstance(state.get("referrals"), dict):
        paths += [("referrals", key) for key in state["referrals"]]
    return paths


def _get(state: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        state = state[key]
    return state


def _set(state: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        state = state[key]
    state[path[-1]] = value


def _delete(state: dict[str, Any], path: tuple[str, ...]) -> None:
    for key in path[:-1]:
        state = state[key]
    del state[path[-1]]


def _copy(state: dict[str, Any]) -> dict[str, Any]:
    out = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in state.items()}
    out["referrals"] = {
        k: (v.copy() if isinstance(v, np.ndarray) else list(v))
        for k, v in state["referrals"].items()
    }
    for key in ("ids", "requests", "rights", "credit"):
        out[key] = [list(x) if isinstance(x, list) else x for x in state[key]]
    return out


def _mutate(value: Any, how: str, data: st.DataObject) -> Any:
    """One change of ``value`` (an array, a list or a scalar)."""
    if how == "odd":
        return data.draw(st.sampled_from(ODD_VALUES))
    if isinstance(value, np.ndarray):
        if how == "reshape":
            return value.reshape(-1, 1) if value.size else value.reshape(0, 1)
        if how == "retype":
            dtype = data.draw(st.sampled_from([np.float64, np.int32, np.uint64, np.bool_, object]))
            return value.astype(dtype)
        if how == "shorten":
            return value[:-1] if value.size else np.zeros(1, value.dtype)
        if value.size and value.dtype.kind in "iu":
            out = value.astype(np.int64)
            row = data.draw(st.integers(0, len(out) - 1))
            out[row] = data.draw(st.sampled_from([-1, 2**62, 2**63 - 1, -(2**63), 10**6, 5]))
            return out
        return value
    if isinstance(value, list):
        if how == "shorten":
            return value[:-1] if value else [None]
        if how == "retype":
            return "".join(map(str, value)) or "ab"
        if value:
            row = data.draw(st.integers(0, len(value) - 1))
            out = list(value)
            item = out[row]
            if isinstance(item, list) and item:
                inner = list(item)
                inner[data.draw(st.integers(0, len(inner) - 1))] = data.draw(
                    st.sampled_from([-1, 2**80, 2**63 - 1, float("nan"), None, "x", True, 10**6])
                )
                out[row] = inner
            else:
                out[row] = data.draw(st.sampled_from([None, [1], "x" * 3, 2**80, float("nan")]))
            return out
        return [0, 1]
    return data.draw(st.sampled_from(ODD_VALUES))


def _loads_or_refuses(state: Any) -> None:
    try:
        graph = ReferralGraph.from_state(state, clock=clock)
    except InvalidInputError:
        return
    out = graph.to_state()
    again = ReferralGraph.from_state(out, clock=clock).to_state()
    assert same(out, again)
    graph.referral_history()
    graph.suspicious_referrals()
    graph.reach_all(hops=2)
    repr(graph)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.integers(0, len(STATES) - 1),
    how=st.sampled_from(["drop", "odd", "reshape", "retype", "shorten", "poke"]),
    data=st.data(),
)
def test_a_mutated_state_loads_or_is_refused(which: int, how: str, data: st.DataObject) -> None:
    state = _copy(STATES[which])
    path = data.draw(st.sampled_from(_paths(state)))
    if how == "drop":
        _delete(state, path)
    else:
        _set(state, path, _mutate(_get(state, path), how, data))
    _loads_or_refuses(state)


@settings(max_examples=50, deadline=None)
@given(which=st.integers(0, len(STATES) - 1), data=st.data())
def test_two_mutations_at_once(which: int, data: st.DataObject) -> None:
    state = _copy(STATES[which])
    for _ in range(2):
        path = data.draw(st.sampled_from(_paths(state)))
        _set(
            state,
            path,
            _mutate(_get(state, path), data.draw(st.sampled_from(["odd", "poke"])), data),
        )
    _loads_or_refuses(state)


def test_odd_containers_are_refused() -> None:
    for state in ([], "state", None, {True: 1}, {**STATES[1], True: 1}):
        _loads_or_refuses(state)
