"""Reverse-reachable sets: the flat rounds and their inverted pieces against a plain greedy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from community_marketing._progress import Progress
from community_marketing.referrals import ReferralGraph, _influence, _sparse


def power_law_graph(n: int, m: int, seed: int) -> ReferralGraph:
    rng = np.random.default_rng(seed)
    weight = np.arange(1, n + 1, dtype=np.float64) ** -0.7
    a = rng.choice(n, m, p=weight / weight.sum())
    b = rng.choice(n, m, p=weight / weight.sum())
    graph = ReferralGraph()
    graph.add_friendships(a[a != b], b[a != b])
    return graph


def make_star(leaves: int) -> ReferralGraph:
    graph = ReferralGraph()
    graph.add_friendships([("hub", leaf) for leaf in range(leaves)])
    return graph


def plain_greedy(
    sets: list[set[int]], k: int, allowed: np.ndarray, first: int | None = None
) -> tuple[list[int], int]:
    """Max coverage by Python sets: the k members covering most sets (ties: lowest index),
    ``first`` chosen first when given."""
    chosen: list[int] = []
    left = list(sets)
    n = len(allowed)
    for step in range(k):
        gain = np.zeros(n, np.int64)
        for members in left:
            gain[list(members)] += 1
        gain[~allowed] = -1
        gain[chosen] = -1
        best = int(gain.argmax()) if first is None or step else first
        chosen.append(best)
        left = [members for members in left if best not in members]
    return chosen, len(sets) - len(left)


@pytest.mark.parametrize("model", ["independent_cascade", "linear_threshold"])
@pytest.mark.parametrize("probability", [0.05, 0.3])
@pytest.mark.parametrize("budget", [1 << 18, 5])
def test_greedy_over_rounds_matches_a_plain_greedy(
    model: str, probability: float, budget: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A budget of 5 members takes covered sets out of the gains in blocks of one set or two.
    monkeypatch.setattr(_influence, "_UNCOUNT_BUDGET", budget)
    graph = power_law_graph(300, 1500, seed=3)
    csr, _ = graph.adjacency()
    n = csr.shape[0]
    weights = (
        probability if model == "independent_cascade" else 1.0 / np.diff(csr.indptr)[csr.indices]
    )
    with Progress(False, 0, "sets") as progress:
        sampler = _influence._RRSampler(
            csr,
            weights,
            np.random.default_rng(0),
            progress,
            model,  # type: ignore[arg-type]
        )
        allowed = np.ones(n, np.bool_)
        allowed[::7] = False
        for target in (40, 90, 400):  # three rounds, three inverted pieces
            sampler.extend(target)
            chosen, fraction, gains = sampler.greedy(5, allowed)
            sets = [
                set(r.members[r.starts[s] : r.starts[s + 1]].tolist())
                for r in sampler.rounds
                for s in range(len(r.starts) - 1)
            ]
            assert len(sets) == sampler.count == target
            assert all(len(s) >= 1 for s in sets)
            expected, covered = plain_greedy(sets, 5, allowed)
            assert chosen.tolist() == expected
            assert fraction == pytest.approx(covered / target)
            assert int(gains.sum()) == covered
    assert sampler.nbytes() == sum(r.members.nbytes + r.starts.nbytes for r in sampler.rounds)


def test_each_set_holds_its_root_and_only_reverse_reachable_members() -> None:
    graph = power_law_graph(200, 800, seed=5)
    csr, _ = graph.adjacency()
    with Progress(False, 0, "sets") as progress:
        sampler = _influence._RRSampler(csr, 1.0, np.random.default_rng(1), progress)
        sampler.extend(50)
    from scipy.sparse.csgraph import connected_components

    _, labels = connected_components(csr, directed=False)
    for r in sampler.rounds:
        for s in range(len(r.starts) - 1):
            members = r.members[r.starts[s] : r.starts[s + 1]]
            # With p = 1 a reverse-reachable set is its root's whole component.
            assert len(set(labels[members].tolist())) == 1
            assert len(members) == int(np.count_nonzero(labels == labels[members[0]]))


@pytest.mark.parametrize("probability", [0.05, 0.5])
def test_sets_keep_only_candidates_and_choose_the_same(probability: float) -> None:
    graph = power_law_graph(400, 2000, seed=7)
    csr, _ = graph.adjacency()
    allowed = np.zeros(csr.shape[0], np.bool_)
    allowed[np.random.default_rng(2).choice(csr.shape[0], 40, replace=False)] = True
    with Progress(False, 0, "sets") as progress:
        full = _influence._RRSampler(csr, probability, np.random.default_rng(3), progress)
        kept = _influence._RRSampler(
            csr, probability, np.random.default_rng(3), progress, allowed=allowed
        )
        for target in (100, 700):
            full.extend(target)
            kept.extend(target)
            chosen, fraction, gains = full.greedy(6, allowed)
            again, fraction_again, gains_again = kept.greedy(6, allowed)
            assert chosen.tolist() == again.tolist()
            assert fraction == fraction_again
            assert gains.tolist() == gains_again.tolist()
    assert all(allowed[r.members].all() for r in kept.rounds)
    assert kept.nbytes() < full.nbytes()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(0, 1 << 40).map(lambda key: key % 50 or key), max_size=700),
        max_size=6,
    ),
    st.sampled_from([0, 32, 1 << 30]),
)
def test_key_set_marks_each_value_new_once(batches: list[list[int]], stragglers: int) -> None:
    # Every key by numpy probe rounds (0), the last few one by one (32), or all one by one.
    before = _sparse._STRAGGLERS
    _sparse._STRAGGLERS = stragglers  # type: ignore[misc]
    try:
        check_key_set(batches)
    finally:
        _sparse._STRAGGLERS = before  # type: ignore[misc]


def check_key_set(batches: list[list[int]]) -> None:
    keys = _sparse.KeySet(8)  # small on purpose: collisions, probing, slices and growth
    seen: set[int] = set()
    for batch in batches:
        new = keys.add(np.array(batch, np.int64))
        expected = []
        for key in batch:
            expected.append(key not in seen)
            seen.add(key)
        assert new.tolist() == expected
        assert keys.size == len(seen)
        assert 2 * keys.size <= len(keys.table)
        stored = keys.table[keys.table >= 0]
        assert sorted(stored.tolist()) == sorted(seen)


def components(csr: sp.csr_matrix) -> np.ndarray:
    from scipy.sparse.csgraph import connected_components

    return connected_components(csr, directed=False)[1]


def materialized(sampler: _influence._RRSampler) -> list[set[int]]:
    return [
        set(r.members[r.starts[s] : r.starts[s + 1]].tolist())
        for r in sampler.rounds
        for s in range(len(r.starts) - 1)
    ]


def test_sets_stop_at_the_sentinel_and_those_drawn_before_are_dropped() -> None:
    graph = power_law_graph(200, 500, seed=5)
    csr, _ = graph.adjacency()
    labels = components(csr)
    sentinel = int(np.diff(csr.indptr).argmax())
    seen: list[tuple[int, int]] = []
    with Progress(lambda done, total: seen.append((done, total)), 0, "sets") as progress:
        sampler = _influence._RRSampler(csr, 1.0, np.random.default_rng(1), progress)
        sampler.extend(60)
        sampler.truncate_at(sentinel)
        # The 60 sets that chose the sentinel are gone, counted as drawn only.
        assert (sampler.count, sampler.hits, sampler.rounds) == (0, 0, [])
        assert not sampler.degree.any()
        assert sampler.drawn_before == 60
        sampler.extend(400)
    assert seen[-1] == (460, 460)
    sets = materialized(sampler)
    assert len(sets) == 400
    # With p = 1 a set is its root's component: whole unless the sentinel is in it.
    empty = [s for s in sets if not s]
    assert sampler.hits == len(empty)
    for members in sets:
        if members:
            label = labels[next(iter(members))]
            assert label != labels[sentinel]
            assert members == set(np.flatnonzero(labels == label).tolist())
    share = np.mean(labels == labels[sentinel])
    assert len(empty) / 400 == pytest.approx(share, abs=0.08)
    assert (
        sampler.degree.tolist()
        == np.bincount([m for s in sets for m in s], minlength=csr.shape[0]).tolist()
    )


@pytest.mark.parametrize("model", ["independent_cascade", "linear_threshold"])
def test_greedy_chooses_the_sentinel_first_then_as_a_plain_greedy(model: str) -> None:
    graph = power_law_graph(300, 1500, seed=3)
    csr, _ = graph.adjacency()
    n = csr.shape[0]
    weights = 0.2 if model == "independent_cascade" else 1.0 / np.diff(csr.indptr)[csr.indices]
    allowed = np.ones(n, np.bool_)
    allowed[1::5] = False
    sentinel = int(np.flatnonzero(allowed)[np.diff(csr.indptr)[allowed].argmax()])
    with Progress(False, 0, "sets") as progress:
        sampler = _influence._RRSampler(
            csr,
            weights,
            np.random.default_rng(4),
            progress,
            model,  # type: ignore[arg-type]
        )
        sampler.truncate_at(sentinel)
        for target in (80, 500):
            sampler.extend(target)
            chosen, fraction, gains = sampler.greedy(5, allowed)
            # A set that reached the sentinel is covered by it, whatever else it held.
            sets = [s or {sentinel} for s in materialized(sampler)]
            assert sum(sentinel in s for s in sets) == sampler.hits
            expected, covered = plain_greedy(sets, 5, allowed, first=sentinel)
            assert chosen.tolist() == expected
            assert fraction == pytest.approx(covered / target)
            assert gains[0] == sampler.hits
            assert int(gains.sum()) == covered


def best_coverage(sets: list[set[int]], k: int, allowed: np.ndarray) -> int:
    from itertools import combinations

    pool = sorted({m for s in sets for m in s if allowed[m]})
    return max(
        (sum(1 for s in sets if s & set(pick)) for pick in combinations(pool, min(k, len(pool)))),
        default=0,
    )


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 3), st.booleans())
def test_bound_is_above_the_best_coverage(seed: int, k: int, sentinel: bool) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 24, 30), rng.integers(0, 24, 30)
    graph = ReferralGraph()
    graph.add_friendships(a[a != b], b[a != b])
    csr, _ = graph.adjacency()
    n = csr.shape[0]
    allowed = rng.random(n) < 0.8
    if k > allowed.sum():
        return
    labels = components(csr)
    probability = 1.0 if sentinel else 0.4
    with Progress(False, 0, "sets") as progress:
        sampler = _influence._RRSampler(csr, probability, rng, progress)
        hub = int(np.flatnonzero(allowed)[0])
        if sentinel:
            sampler.truncate_at(hub)
        sampler.extend(40)
        _, fraction, _ = sampler.greedy(k, allowed)
    # The full sets: with p = 1 a set that stopped at the sentinel is the sentinel's component.
    whole = set(np.flatnonzero(labels == labels[hub]).tolist())
    sets = [s or whole for s in materialized(sampler)] if sentinel else materialized(sampler)
    best = best_coverage(sets, k, allowed)
    assert fraction * 40 <= best + 1e-9
    assert sampler.bound * 40 >= best - 1e-9


def test_a_sentinel_that_fails_the_check_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = make_star(30)
    _, ids = graph.adjacency()
    leaf = ids.index(7)
    used: list[int] = []

    def a_leaf(self: _influence._RRSampler, allowed: np.ndarray) -> int:
        used.append(leaf)
        return leaf

    # A sentinel no rule would choose: a leaf, which the check must then refuse.
    monkeypatch.setattr(_influence._RRSampler, "likely_first", a_leaf)
    seen: list[tuple[int, int]] = []
    best = graph.influencers(
        1,
        method="cascade",
        probability=0.5,
        random_state=0,
        show_progress=lambda done, total: seen.append((done, total)),
    )
    assert used  # a sentinel was tried, at the leaf, and failed the check
    assert best.ids == ("hub",)
    # The second draw counts on from the first: never past the total, and done at the end;
    # ``samples`` counts both draws.
    assert all(done <= total for done, total in seen)
    assert seen[-1][0] == seen[-1][1] == best.samples
    # The hub reaches itself and each leaf with p = 0.5: 16 of 31. The second draw alone
    # (about 800 sets) estimates it: within 4 standard errors, 2.2 members.
    assert abs(best.expected_spread - 16) <= 2.5


def test_a_forced_first_seed_beaten_by_a_later_one_is_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Hubs of 40 and 30 leaves. A leaf of the first as sentinel passes the 1 - 1/e check with
    # two seeds (leaf, then the other hub), but the hub chosen second covers more sets than
    # the leaf chosen first: the greedy would not have chosen the leaf first. Drawn again.
    graph = ReferralGraph()
    graph.add_friendships([("A", i) for i in range(40)] + [("B", -i) for i in range(1, 31)])
    _, ids = graph.adjacency()
    leaf = ids.index(5)
    monkeypatch.setattr(_influence._RRSampler, "likely_first", lambda self, allowed: leaf)
    best = graph.influencers(2, method="cascade", probability=0.5, random_state=0)
    assert set(best.ids) == {"A", "B"}
    assert best.scores[0] >= best.scores[1]


def test_key_set_grows_by_the_keys_that_went_in_not_those_offered() -> None:
    # 1,024 slots hold 512 keys. 350 distinct keys offered 3 times over go in by slices with
    # no growth (the repeats are found, not inserted); 200 more fresh ones fill it past three
    # keys in eight slots, and it doubles once.
    keys = _sparse.KeySet(8)
    assert len(keys.table) == 1024
    new = keys.add(np.tile(np.arange(350, dtype=np.int64), 3))
    assert new.tolist() == [True] * 350 + [False] * 700
    assert (keys.size, len(keys.table)) == (350, 1024)
    new = keys.add(np.arange(300, 550, dtype=np.int64))
    assert new.tolist() == [False] * 50 + [True] * 200
    assert (keys.size, len(keys.table)) == (550, 2048)
    assert sorted(keys.table[keys.table >= 0].tolist()) == list(range(550))


def test_the_sentinel_is_the_hub_of_a_core_and_never_a_close_call() -> None:
    # With p = 1 a set is its root's component. In one star every member holds the same
    # sets: a tie of equals, broken by friends (the hub). Two stars of 41 and 38 members hold
    # different sets a few apart: no sentinel, the full greedy decides.
    one = ReferralGraph()
    one.add_friendships([("hub", leaf) for leaf in range(60)] + [("x", "y")])
    two = ReferralGraph()
    two.add_friendships([("a", i) for i in range(40)] + [("b", -i) for i in range(1, 38)])
    for graph, expected in ((one, "hub"), (two, None)):
        csr, ids = graph.adjacency()
        allowed = np.ones(csr.shape[0], np.bool_)
        with Progress(False, 0, "sets") as progress:
            sampler = _influence._RRSampler(csr, 1.0, np.random.default_rng(0), progress)
            sampler.extend(200)
            chosen = sampler.likely_first(allowed)
        assert (ids[chosen] if chosen >= 0 else None) == expected


def test_the_pilot_chooses_the_sentinel_early_or_keeps_its_sets() -> None:
    # One star of 61 and a pair, p = 1: after 64 sets the hub holds some 60 (over 32), it is
    # the sentinel, and the 64 pilot sets are dropped. Two stars a few members apart: a
    # candidate holds 32 sets but none is safe, so the pilot's sets stay for the first round.
    # Pairs alone: nobody holds 32 sets below the round's 300, so the pilot draws 256.
    one = ReferralGraph()
    one.add_friendships([("hub", leaf) for leaf in range(60)] + [("x", "y")])
    two = ReferralGraph()
    two.add_friendships([("a", i) for i in range(40)] + [("b", -i) for i in range(1, 38)])
    pairs = ReferralGraph()
    pairs.add_friendships([(i, -i) for i in range(1, 200)])
    cases = ((one, "hub", 0, 64), (two, None, 64, 0), (pairs, None, 256, 0))
    for graph, sentinel, kept, dropped in cases:
        csr, ids = graph.adjacency()
        allowed = np.ones(csr.shape[0], np.bool_)
        with Progress(False, 0, "sets") as progress:
            sampler = _influence._RRSampler(csr, 1.0, np.random.default_rng(0), progress)
            _influence._pilot(sampler, 300, allowed)
        assert (ids[sampler.sentinel] if sampler.sentinel >= 0 else None) == sentinel
        assert (sampler.count, sampler.drawn_before) == (kept, dropped)
        # Walks of some 60 members are too short to head for the sentinel.
        assert sampler.hops is None


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 25), st.integers(0, 25)), max_size=80),
    st.integers(0, 25),
)
def test_hops_from_matches_networkx_shortest_paths(
    pairs: list[tuple[int, int]], start: int
) -> None:
    import networkx as nx

    from community_marketing.referrals._reach import hops_from

    n = 26
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from((a, b) for a, b in pairs if a != b)
    csr = nx.to_scipy_sparse_array(graph, nodelist=range(n), format="csr")
    lengths = nx.single_source_shortest_path_length(graph, start)
    assert hops_from(sp.csr_matrix(csr), start).tolist() == [lengths.get(v, n) for v in range(n)]


def test_walks_heading_for_the_sentinel_draw_the_sets_a_breadth_first_walk_draws() -> None:
    # The order of a walk changes only where it stops, so sets hitting the sentinel and each
    # member's share of the others are the same, up to sampling noise (4 standard errors).
    graph = power_law_graph(200, 600, seed=11)
    csr, _ = graph.adjacency()
    sentinel = int(np.diff(csr.indptr).argmax())
    draws = []
    for heading in (True, False):
        with Progress(False, 0, "sets") as progress:
            sampler = _influence._RRSampler(csr, 0.25, np.random.default_rng(3), progress)
            sampler.truncate_at(sentinel)
            assert sampler.hops is not None
            if not heading:
                sampler.hops = None
            sampler.extend(8000)
        draws.append((sampler.hits, sampler.degree.copy()))
    (hits_a, held_a), (hits_b, held_b) = draws
    assert 500 < hits_a < 7500  # both kinds of set are common
    assert abs(hits_a - hits_b) <= 4 * np.sqrt(hits_a + hits_b)
    assert (np.abs(held_a - held_b) <= 4 * np.sqrt(held_a + held_b) + 3).all()


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_waiting_members_come_out_nearest_first_for_each_walk(data: st.DataObject) -> None:
    # Model: each walk's waiting members; a pop takes, for every walk not at the sentinel,
    # all its members at its least rank, and nothing of a walk that reached it.
    levels = data.draw(st.integers(1, 5))
    members = 30
    rank = np.array(
        data.draw(st.lists(st.integers(0, levels - 1), min_size=members, max_size=members)),
        np.uint8,
    )
    walks = data.draw(st.integers(1, 6))
    hit = np.zeros(walks, np.bool_)
    waiting = _influence._Waiting(rank, levels, hit)
    model: dict[int, list[int]] = {walk: [] for walk in range(walks)}
    for _ in range(data.draw(st.integers(1, 8))):
        pairs = data.draw(
            st.lists(st.tuples(st.integers(0, walks - 1), st.integers(0, members - 1)), max_size=25)
        )
        sets = np.array([w for w, _ in pairs], np.int64)
        node = np.array([v for _, v in pairs], np.int64)
        waiting.push(sets, node)
        for w, v in pairs:
            model[w].append(v)
        if data.draw(st.booleans()):
            hit[data.draw(st.integers(0, walks - 1))] = True
        got_sets, got_node = waiting.pop()
        expected = []
        for w in range(walks):
            if hit[w] or not model[w]:
                model[w] = [] if hit[w] else model[w]
                continue
            least = min(int(rank[v]) for v in model[w])
            expected += [(w, v) for v in model[w] if rank[v] == least]
            model[w] = [v for v in model[w] if rank[v] != least]
        assert sorted(zip(got_sets.tolist(), got_node.tolist(), strict=True)) == sorted(expected)
        left = {w: int(waiting.held[:, w].sum()) for w in range(walks) if not hit[w]}
        assert left == {w: len(model[w]) for w in range(walks) if not hit[w]}


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(20, 400), st.booleans())
def test_the_sentinel_check_reads_every_member_it_must(seed: int, sets: int, some: bool) -> None:
    # Oracle: McNemar's margin for every allowed member, from the sets themselves.
    graph = power_law_graph(60, 150, seed=seed % 50)
    csr, _ = graph.adjacency()
    n = csr.shape[0]
    allowed = np.ones(n, np.bool_)
    if some:
        allowed[np.random.default_rng(seed).random(n) < 0.5] = False
    with Progress(False, 0, "sets") as progress:
        sampler = _influence._RRSampler(
            csr, 0.3, np.random.default_rng(seed), progress, allowed=allowed
        )
        sampler.extend(sets)
    monkey = _influence._SENTINEL_VISITS, _influence._UNCOUNT_BUDGET
    _influence._SENTINEL_VISITS = 0  # type: ignore[misc]
    # Margins over blocks of 7 members, sets counted out in blocks of a few.
    _influence._UNCOUNT_BUDGET = 7 if some else 1 << 18  # type: ignore[misc]
    try:
        chosen = sampler.likely_first(allowed)
    finally:
        _influence._SENTINEL_VISITS, _influence._UNCOUNT_BUDGET = monkey  # type: ignore[misc]
    cover = np.where(allowed, sampler.degree, -1)
    top = int(cover.max())
    if top <= 0 or top < _influence._SENTINEL_SHARE * sampler.count:
        assert chosen == -1
        return
    near = np.flatnonzero(cover >= top * (1 - _influence._SENTINEL_TIE))
    sentinel = int(near[np.diff(csr.indptr)[near].argmax()])
    with_it = [s for s in materialized(sampler) if sentinel in s]
    fails = False
    for member in np.flatnonzero(allowed).tolist():
        if member == sentinel:
            continue
        both = sum(member in s for s in with_it)
        a = len(with_it) - both
        b = int(sampler.degree[member]) - both
        if b - a + 2 * np.sqrt(a + b) > _influence._SENTINEL_SLACK * len(with_it):
            fails = True
    assert chosen == (-1 if fails else sentinel)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 40)), max_size=80), max_size=6),
    st.booleans(),
)
def test_dense_key_set_marks_what_the_hash_set_marks(
    batches: list[list[tuple[int, int]]], scratch: bool
) -> None:
    # Equal keys in one call are common in a giant component: both mark only the first new.
    dense = _sparse.DenseKeySet(6, 41)
    if not scratch:
        dense.first = None  # the sort that stands in for the scratch on large batches
    hashed = _sparse.KeySet(1024)
    seen: set[int] = set()
    for batch in batches:
        keys = np.array([walk << 32 | member for walk, member in batch], np.int64)
        new = dense.add(keys)
        assert new.tolist() == hashed.add(keys).tolist()
        expected = []
        for key in keys.tolist():
            expected.append(key not in seen)
            seen.add(key)
        assert new.tolist() == expected
        assert dense.size == len(seen)


@pytest.mark.parametrize("heading", [False, True])
def test_walks_draw_the_same_sets_over_either_set_of_visits(
    monkeypatch: pytest.MonkeyPatch, heading: bool
) -> None:
    graph = power_law_graph(300, 900, seed=5)
    csr, _ = graph.adjacency()
    sentinel = int(np.diff(csr.indptr).argmax())
    drawn = []
    for dense in (True, False):
        if not dense:
            monkeypatch.setattr(
                _influence, "DenseKeySet", lambda walks, n: _sparse.KeySet(walks * n)
            )
        with Progress(False, 0, "sets") as progress:
            sampler = _influence._RRSampler(csr, 0.3, np.random.default_rng(9), progress)
            sampler.truncate_at(sentinel)
            assert sampler.hops is not None
            if not heading:
                sampler.hops = None
            sampler.extend(3000)
        drawn.append((materialized(sampler), sampler.hits))
    assert drawn[0] == drawn[1]
    assert 0 < drawn[0][1] < 3000


@pytest.mark.parametrize("probability", [0.004, 0.05, 0.25])
def test_live_edges_fire_each_edge_once_at_most_with_its_probability(probability: float) -> None:
    # Rows of 0 to 2,000 entries, one walked twice and one forty times: calls with more hits
    # than runs (owners by a running count) and with fewer (owners by a search).
    from scipy import stats

    degrees = np.array([1, 3, 2000, 5, 0, 700, 40])
    indptr = np.concatenate([[0], np.cumsum(degrees)])
    nodes = np.array([2, 6, 1, 5, 3, 4, 2, *([0] * 40)], np.int64)
    rng = np.random.default_rng(7)
    runs = 300
    fired = np.zeros((len(nodes), int(indptr[-1])), np.int64)
    for _ in range(runs):
        positions, owner = _sparse.live_edges(indptr, nodes, probability, rng)
        assert np.all(np.diff(owner) >= 0)
        row = nodes[owner]
        assert np.all((positions >= indptr[row]) & (positions < indptr[row + 1]))
        keys = owner * indptr[-1] + positions
        assert len(np.unique(keys)) == len(keys)
        fired[owner, positions] += 1
    tried = np.zeros_like(fired, np.bool_)
    for at, node in enumerate(nodes):
        tried[at, indptr[node] : indptr[node + 1]] = True
    assert not fired[~tried].any()
    counts = fired[tried]
    expected = runs * probability
    chi2 = float(((counts - expected) ** 2).sum() / (expected * (1 - probability)))
    dof = len(counts)
    assert stats.chi2.ppf(1e-6, dof) < chi2 < stats.chi2.ppf(1 - 1e-6, dof)


@pytest.mark.parametrize("walks", [3, 1 << 16, (1 << 16) + 1])
def test_keys_grouped_by_set_hold_each_sets_members(walks: int) -> None:
    rng = np.random.default_rng(walks)
    sets = rng.integers(0, walks, 5000)
    keys = (sets << 32) | rng.integers(0, 1000, 5000)
    grouped = _influence._by_set(keys, walks)
    assert np.all(np.diff(grouped >> 32) >= 0)
    assert np.array_equal(np.sort(grouped), np.sort(keys))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sets(st.integers(0, 49), min_size=1, max_size=30), min_size=1, max_size=12),
    st.integers(0, 1000),
)
def test_a_round_finds_the_sets_holding_a_member_by_index_or_scan(
    sets: list[set[int]], first: int
) -> None:
    # Oracle: the Python sets. Few members in sets keep a pointer each (``present``); most
    # keep the full array of pointers; a scan needs neither, and builds no index.
    members = [np.array(sorted(s), np.int32) for s in sets]
    sizes = [np.array([len(s) for s in sets], np.int64)]
    piece = _influence._Round.of(first, members, sizes, 50)
    for node in range(50):
        expected = [first + at for at, s in enumerate(sets) if node in s]
        assert piece.sets_holding(node, scan=True).tolist() == expected
        assert piece.holders is None
    for node in range(50):
        expected = [first + at for at, s in enumerate(sets) if node in s]
        assert piece.sets_holding(node).tolist() == expected
        assert piece.sets_holding(node, scan=True).tolist() == expected
    in_some = len(set().union(*sets))
    assert (piece.present is not None) == (2 * in_some < 50)
    if piece.present is not None:
        assert piece.present.tolist() == sorted(set().union(*sets))


def search_heeding(indptr: np.ndarray, weights: np.ndarray) -> _sparse.Heeding:
    heeding = _sparse.Heeding(indptr, weights)
    heeding.cumulative = np.cumsum(weights)  # the binary search, whatever the weights
    return heeding


@pytest.mark.parametrize(
    ("weights", "searched"),
    [
        # One weight per row (1 / degree, as by default; a row of weight 0 heeds nobody).
        (np.repeat([1.0, 1 / 3, 0.25, 0.0, 0.1], [1, 3, 4, 2, 5]), False),
        # Rows whose entries differ.
        (
            np.array([1.0, 0.2, 0.3, 0.1, 0.1, 0.2, 0.3, 0.1, 0.0, 0.0, 0.5, 0.1, 0.1, 0.1, 0.1]),
            True,
        ),
    ],
)
def test_heeding_picks_each_friend_with_its_weight(weights: np.ndarray, searched: bool) -> None:
    from scipy import stats

    indptr = np.array([0, 1, 4, 8, 10, 10, 15])  # row 4 has no entries
    heeding = _sparse.Heeding(indptr, weights)
    assert (heeding.cumulative is not None) == searched
    nodes = np.tile(np.arange(6), 4000)
    positions, owner = heeding(nodes, np.random.default_rng(3))
    row = nodes[owner]
    assert np.all((positions >= indptr[row]) & (positions < indptr[row + 1]))
    # Each node heeds entry j with probability weights[j], or nobody.
    heeded = np.bincount(positions, minlength=len(weights))
    expected = 4000 * weights
    nobody = 4000 * (1 - np.add.reduceat(weights, indptr[:-1][np.diff(indptr) > 0]))
    observed = np.concatenate([heeded, np.bincount(row, minlength=6)[np.diff(indptr) > 0]])
    observed[len(weights) :] = 4000 - observed[len(weights) :]
    cells = np.concatenate([expected, nobody])
    some = cells > 0
    assert not observed[~some].any()
    assert stats.chisquare(observed[some], cells[some]).pvalue > 1e-6
    if not searched:
        # Where every row's entries weigh the same, no search: yet the same friends as the
        # search finds from the same draws.
        again = search_heeding(indptr, weights)(nodes, np.random.default_rng(3))
        assert np.array_equal(positions, again[0])
        assert np.array_equal(owner, again[1])


def test_long_walks_heading_for_the_sentinel_fill_a_bounded_dense_array(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # On a chain at p = 1 every walk heads for the sentinel one hop a round: batches of as
    # many walks as a dense array of _DENSE_BYTES holds, however long the walks, not the
    # handful the budget of visits allows.
    n = 600
    graph = ReferralGraph()
    graph.add_friendships(np.arange(n - 1), np.arange(1, n))
    # The budget of visits allows 2,000 / (about 150 a walk), 13 walks; the dense array, 40.
    monkeypatch.setattr(_influence, "_BATCH_PAIRS", 2000)
    monkeypatch.setattr(_influence, "_DENSE_BYTES", 5 * n * 40)
    monkeypatch.setattr(_influence, "_HEADING_VISITS", 64)
    heading: list[tuple[int, str]] = []
    draw = _influence._RRSampler._draw

    def recorded(self: _influence._RRSampler, batch: int) -> tuple[np.ndarray, ...]:
        if self.hops is not None:
            kinds: list[str] = []
            dense = _influence.DenseKeySet

            def noted(walks: int, members: int) -> _sparse.DenseKeySet:
                kinds.append("dense")
                return dense(walks, members)

            monkeypatch.setattr(_influence, "DenseKeySet", noted)
            out = draw(self, batch)
            monkeypatch.setattr(_influence, "DenseKeySet", dense)
            heading.append((batch, kinds[0] if kinds else "hash"))
            return out
        return draw(self, batch)

    monkeypatch.setattr(_influence._RRSampler, "_draw", recorded)
    best = graph.influencers(1, method="cascade", probability=1.0, random_state=0)
    assert best.expected_spread == n
    # The first batch after the sentinel knows no walk's length yet: 1/64 of the booleans.
    later = heading[1:]
    assert later
    assert max(batch for batch, _ in later) == 40
    assert all(kind == "dense" and batch <= 40 for batch, kind in later)


@pytest.mark.parametrize("probability", [0.05, 0.5])
def test_live_blocks_cover_the_nodes_in_order_within_the_budget(
    probability: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_sparse, "LIVE_BUDGET", 40)
    indptr = np.concatenate([[0], np.cumsum(np.arange(1, 61) % 17)])
    nodes = np.random.default_rng(1).integers(0, 60, 200)
    chunks = _sparse.live_blocks(indptr, nodes, probability)
    assert chunks[0][0] == 0
    assert chunks[-1][1] == len(nodes)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(chunks))
    degree = indptr[nodes + 1] - indptr[nodes]
    rate = probability if probability <= 0.25 else 1.0
    for lo, hi in chunks:
        # A block within the budget, or a single node over it on its own.
        assert degree[lo:hi].sum() * rate <= 40 or hi - lo == 1
    assert len(chunks) > 1
    assert _sparse.live_blocks(indptr, nodes[:0], probability) == [(0, 0)]


def dense_graph(n: int) -> ReferralGraph:
    graph = ReferralGraph()
    low, high = np.triu_indices(n, 1)
    graph.add_friendships(low, high)
    return graph


def gathered_by(module: object, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Edges each call of ``module.live_edges`` is asked to draw over (0 for one member)."""
    gathered: list[int] = []
    live = module.live_edges  # type: ignore[attr-defined]

    def counted(indptr: np.ndarray, nodes: np.ndarray, p: float, rng: object) -> object:
        gathered.append(int((indptr[nodes + 1] - indptr[nodes]).sum()) if len(nodes) > 1 else 0)
        return live(indptr, nodes, p, rng)

    monkeypatch.setattr(module, "live_edges", counted)
    return gathered


def test_walks_on_a_dense_graph_draw_their_edges_by_bounded_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A clique at p = 0.5: each round of each walk gathers every friendship of the members
    # it reached. Drawn by blocks of at most LIVE_BUDGET edges (or one member), marked block
    # by block, the sets are the same bit for bit as drawn all at once, since every edge
    # gathered takes one uniform draw in the same order.
    graph = dense_graph(120)
    before = graph.influencers(3, method="cascade", probability=0.5, random_state=5)
    monkeypatch.setattr(_sparse, "LIVE_BUDGET", 500)
    gathered = gathered_by(_influence, monkeypatch)
    after = graph.influencers(3, method="cascade", probability=0.5, random_state=5)
    assert max(gathered) <= 500
    assert after.ids == before.ids
    assert after.samples == before.samples
    assert after.expected_spread == before.expected_spread


def test_cascades_on_a_dense_graph_draw_by_bounded_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from community_marketing.referrals import _cascades

    graph = dense_graph(150)
    graph.add_friendships([("x", "y")])
    monkeypatch.setattr(_sparse, "LIVE_BUDGET", 700)
    gathered = gathered_by(_cascades, monkeypatch)
    certain = graph.simulate_cascade([0, "x"], probability=1.0, runs=30, random_state=0)
    assert certain.reach.tolist() == [152] * 30
    assert max(gathered) <= 700
    # At p = 0.02 a member reaches about 3 others a step: the clique still fills, mostly.
    some = graph.simulate_cascade([0], probability=0.02, runs=200, random_state=0)
    monkeypatch.setattr(_sparse, "LIVE_BUDGET", 1 << 19)
    whole = graph.simulate_cascade([0], probability=0.02, runs=200, random_state=1)
    assert abs(some.mean - whole.mean) < 4 * np.hypot(some.std, whole.std) / np.sqrt(200)
