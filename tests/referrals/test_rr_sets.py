"""Reverse-reachable sets: the flat rounds and their inverted pieces against a plain greedy."""

from __future__ import annotations

import numpy as np
import pytest

from community_marketing._progress import Progress
from community_marketing.referrals import ReferralGraph, _influence


def power_law_graph(n: int, m: int, seed: int) -> ReferralGraph:
    rng = np.random.default_rng(seed)
    weight = np.arange(1, n + 1, dtype=np.float64) ** -0.7
    a = rng.choice(n, m, p=weight / weight.sum())
    b = rng.choice(n, m, p=weight / weight.sum())
    graph = ReferralGraph()
    graph.add_friendships(a[a != b], b[a != b])
    return graph


def plain_greedy(sets: list[set[int]], k: int, allowed: np.ndarray) -> tuple[list[int], int]:
    """Max coverage by Python sets: the k members covering most sets (ties: lowest index)."""
    chosen: list[int] = []
    left = list(sets)
    n = len(allowed)
    for _ in range(k):
        gain = np.zeros(n, np.int64)
        for members in left:
            gain[list(members)] += 1
        gain[~allowed] = -1
        gain[chosen] = -1
        best = int(gain.argmax())
        chosen.append(best)
        left = [members for members in left if best not in members]
    return chosen, len(sets) - len(left)


@pytest.mark.parametrize("model", ["independent_cascade", "linear_threshold"])
@pytest.mark.parametrize("probability", [0.05, 0.3])
def test_greedy_over_rounds_matches_a_plain_greedy(model: str, probability: float) -> None:
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
