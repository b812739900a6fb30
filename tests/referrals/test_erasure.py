"""ReferralGraph.erase cuts the member from the live storage: the same as a rebuild from state."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from community_marketing.errors import ReferralRejectedError
from community_marketing.referrals import FriendRight, ReferralGraph, _erasure, _state

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _rebuilt_without(graph: ReferralGraph, id: object) -> ReferralGraph:
    """The oracle: the dump cut as erasure cuts it, then read back through every check."""
    state = _state.dump(graph._members, graph._edges, graph._referrals)
    _erasure._cut(state, graph._members.ids.index(id))
    return ReferralGraph.from_state(state)


def _plain(state: dict[str, Any]) -> str:
    state.pop("erasure")
    return repr({k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in state.items()})


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=30),
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=8),
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=8),
    st.integers(0, 9),
)
def test_erase_equals_a_rebuild_without_the_member(
    links: list[tuple[int, int]],
    asks: list[tuple[int, int]],
    referrals: list[tuple[int, int]],
    pick: int,
) -> None:
    graph = ReferralGraph(clock=lambda: T0)
    graph.add_friendships([(f"m{a}", f"m{b}") for a, b in links if a != b])
    graph.add_members([f"m{i}" for i in range(10)])
    for a, b in asks:
        if a != b and f"m{b}" not in graph.friends(f"m{a}"):
            graph.request_friendship(f"m{a}", f"m{b}")
    for a, b in links[:4]:
        if a != b:
            graph.grant_right(f"m{a}", f"m{b}", FriendRight.SEE_ON_MAP)
    for step, (a, b) in enumerate(referrals):
        with contextlib.suppress(ReferralRejectedError):
            graph.record_referral(f"m{a}", f"m{b}", at=T0 + timedelta(hours=step), code=f"c{step}")
    member = f"m{pick}"
    expected = _rebuilt_without(graph, member)
    removed = graph.erase(member)
    assert _plain(graph.to_state()) == _plain(expected.to_state())
    assert member not in graph
    for other in graph.ids():
        assert graph.friends(other) == expected.friends(other)
        assert graph.pending_requests(other) == expected.pending_requests(other)
        assert graph.referrer_of(other) == expected.referrer_of(other)
    assert graph.referral_counts() == expected.referral_counts()
    assert dict(removed.counts)["members"] == 1


def test_erase_leaves_the_old_storage_for_undo() -> None:
    graph = ReferralGraph(clock=lambda: T0)
    graph.add_friendships([("a", "b"), ("b", "c")])
    graph.record_referral("a", "c")
    before = _plain(graph.to_state())
    plan = _erasure.plan(graph, "b", 0)
    plan.apply()
    assert graph.friends("a") == []
    plan.undo()
    assert _plain(graph.to_state()) == before
    assert graph.friends("b") == ["a", "c"]
