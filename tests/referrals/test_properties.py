"""ReferralGraph against networkx on random small graphs (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from community_marketing.errors import InvalidInputError
from community_marketing.referrals import FriendRight, ReferralGraph

T0 = datetime(2026, 1, 1, tzinfo=UTC)

edges = st.lists(
    st.tuples(st.integers(0, 14), st.integers(0, 14)).filter(lambda pair: pair[0] != pair[1]),
    max_size=45,
)
extra_members = st.lists(st.integers(15, 18), max_size=3)


def build(pairs: list[tuple[int, int]], loners: list[int]) -> tuple[ReferralGraph, nx.Graph]:
    graph = ReferralGraph(clock=lambda: T0)
    graph.add_friendships(pairs)
    graph.add_members(loners)
    reference = nx.Graph()
    reference.add_nodes_from(graph.ids())
    reference.add_edges_from(pairs)
    return graph, reference


@settings(max_examples=60, deadline=None)
@given(edges, extra_members, st.integers(0, 3))
def test_reach_matches_networkx(pairs: list[tuple[int, int]], loners: list[int], hops: int) -> None:
    graph, reference = build(pairs, loners)
    ids = graph.ids()
    expected = [
        len(nx.single_source_shortest_path_length(reference, member, cutoff=hops)) for member in ids
    ]
    assert graph.reach_all(hops=hops).tolist() == expected
    if ids:
        seeds = ids[::3]
        within: set[object] = set()
        for seed in seeds:
            within |= set(nx.single_source_shortest_path_length(reference, seed, cutoff=hops))
        assert graph.reach(seeds, hops=hops) == len(within)


@settings(max_examples=60, deadline=None)
@given(edges, extra_members)
def test_friends_of_friends_match_networkx(pairs: list[tuple[int, int]], loners: list[int]) -> None:
    graph, reference = build(pairs, loners)
    ids = graph.ids()
    for member in ids:
        lengths = nx.single_source_shortest_path_length(reference, member, cutoff=2)
        at_two = [other for other, length in lengths.items() if length == 2]
        mutual = {other: len(set(reference[member]) & set(reference[other])) for other in at_two}
        expected = sorted(mutual.items(), key=lambda item: (-item[1], ids.index(item[0])))
        assert graph.friends_of_friends(member) == expected


@settings(max_examples=60, deadline=None)
@given(edges, extra_members)
def test_components_match_networkx(pairs: list[tuple[int, int]], loners: list[int]) -> None:
    graph, reference = build(pairs, loners)
    ours = sorted(sorted(group) for group in graph.communities(method="components"))
    theirs = sorted(sorted(group) for group in nx.connected_components(reference))
    assert ours == theirs
    sizes = [len(group) for group in graph.communities(method="components")]
    assert sizes == sorted(sizes, reverse=True)


@settings(max_examples=40, deadline=None)
@given(edges, extra_members, st.floats(0.5, 0.95))
def test_pagerank_matches_networkx(
    pairs: list[tuple[int, int]], loners: list[int], damping: float
) -> None:
    graph, reference = build(pairs, loners)
    if not graph.ids():
        return
    expected = nx.pagerank(reference, alpha=damping, tol=1e-12, max_iter=100_000)
    ours = graph.pagerank(damping=damping, tol=1e-12, max_iter=100_000)
    assert np.allclose(ours, [expected[member] for member in graph.ids()], rtol=0, atol=1e-8)


@settings(max_examples=40, deadline=None)
@given(edges, st.integers(0, 2**32 - 1))
def test_state_round_trip_is_exact(pairs: list[tuple[int, int]], seed: int) -> None:
    graph, _ = build(pairs, [])
    rng = np.random.default_rng(seed)
    ids = graph.ids()
    for _ in range(min(len(ids), 6)):
        referrer, referee = rng.choice(len(ids) + 3, 2, replace=False).tolist()
        if referrer in graph and referee in graph.referral_chain(referrer):
            continue  # would close a ring: refused, as tested in test_referrals.py
        graph.record_referral(referrer, referee)
    copy = ReferralGraph.from_state(graph.to_state(), clock=lambda: T0)
    assert copy.ids() == graph.ids()
    assert (copy.adjacency()[0] != graph.adjacency()[0]).nnz == 0
    assert copy.referral_history() == graph.referral_history()
    assert repr(copy) == repr(graph)


@settings(max_examples=25, deadline=None)
@given(edges, st.integers(0, 2**32 - 1))
def test_cascade_is_reproducible_and_bounded(pairs: list[tuple[int, int]], seed: int) -> None:
    graph, reference = build(pairs, [])
    ids = graph.ids()
    if not ids:
        return
    a = graph.simulate_cascade(ids[:2], probability=0.4, runs=20, random_state=seed)
    b = graph.simulate_cascade(ids[:2], probability=0.4, runs=20, random_state=seed)
    assert np.array_equal(a.reach, b.reach)
    assert np.array_equal(a.activation_probability, b.activation_probability)
    component: set[object] = set()
    for seed_id in ids[:2]:
        component |= nx.node_connected_component(reference, seed_id)
    assert (a.reach <= len(component)).all()
    assert (a.reach >= len(set(ids[:2]))).all()
    outside = [p for p, member in enumerate(ids) if member not in component]
    assert not a.activation_probability[outside].any()


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**20),
    st.floats(allow_nan=True),
    st.text(max_size=3),
    st.lists(st.one_of(st.integers(-2, 5), st.none(), st.text(max_size=1)), max_size=4),
    st.lists(st.lists(st.integers(-2, 5), max_size=4), max_size=3),
    st.sampled_from([np.array([1.5]), np.array([-1, 0]), np.array([[1]]), np.array(["x"])]),
)


def sample_state() -> dict[str, object]:
    graph = ReferralGraph(clock=lambda: T0)
    graph.add_friendships([("a", "b"), ("b", "c")])
    graph.request_friendship("c", "d")
    graph.grant_right("a", "b", FriendRight.SEE_ONLINE)
    graph.record_referral("a", "x", code="A")
    return graph.to_state()


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(sample_state())), junk)
def test_junk_state_raises_only_invalid_input(key: str, value: object) -> None:
    state = sample_state()
    state[key] = value
    try:
        copy = ReferralGraph.from_state(state)
    except InvalidInputError:
        return
    # Accepted junk must still describe a usable graph.
    assert copy.to_state()["schema"] == 1
    repr(copy)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["referrer", "referee", "at_us", "code", "channel"]), junk)
def test_junk_referral_log_raises_only_invalid_input(key: str, value: object) -> None:
    state = sample_state()
    state["referrals"][key] = value  # type: ignore[index]
    try:
        copy = ReferralGraph.from_state(state)
    except InvalidInputError:
        return
    assert len(copy.referral_history()) == len(copy.to_state()["referrals"]["code"])
