"""Simulated cascades: independent cascade and linear threshold."""

from __future__ import annotations

import math

import numpy as np
import pytest

from community_marketing.errors import InvalidInputError, UnknownIdError
from community_marketing.referrals import CascadeResult, ReferralGraph

from ._support import make


class TestCascades:
    def star(self) -> ReferralGraph:
        return make([(0, i) for i in range(1, 31)] + [(30, 31), (31, 32)])

    def test_certain_cascade_reaches_the_component(self) -> None:
        graph = self.star()
        graph.add_members(["island"])
        result = graph.simulate_cascade([1], probability=1.0, runs=3, random_state=0)
        assert isinstance(result, CascadeResult)
        assert result.reach.tolist() == [33, 33, 33]
        assert result.steps.tolist() == [1.0, 2.0, 31.0, 32.0, 33.0]
        assert result.probability_of("island") == 0.0
        assert result.probability_of(32) == 1.0
        with pytest.raises(UnknownIdError):
            result.probability_of("nobody")

    def test_max_steps(self) -> None:
        result = self.star().simulate_cascade(1, probability=1.0, runs=2, max_steps=1)
        assert result.mean == 2.0

    def test_same_seed_same_cascade_bit_for_bit(self) -> None:
        graph = self.star()
        for model in ("independent_cascade", "linear_threshold"):
            a = graph.simulate_cascade(
                [0],
                probability=0.3 if model[0] == "i" else None,
                runs=200,
                model=model,
                random_state=11,
            )
            b = graph.simulate_cascade(
                [0],
                probability=0.3 if model[0] == "i" else None,
                runs=200,
                model=model,
                random_state=np.random.default_rng(11),
            )
            assert np.array_equal(a.reach, b.reach)
            assert np.array_equal(a.activation_probability, b.activation_probability)
            assert np.array_equal(a.steps, b.steps)

    def test_independent_cascade_mean_matches_theory(self) -> None:
        # From the hub of a star, each of 30 leaves is reached with probability p.
        graph = make([(0, i) for i in range(1, 31)])
        result = graph.simulate_cascade([0], probability=0.2, runs=4000, random_state=3)
        assert result.mean == pytest.approx(1 + 30 * 0.2, abs=0.1)
        assert result.std == pytest.approx(math.sqrt(30 * 0.2 * 0.8), abs=0.1)
        assert result.activation_probability[1:].mean() == pytest.approx(0.2, abs=0.01)

    def test_linear_threshold_on_a_path(self) -> None:
        # Path a-b-c: b has two friends (weight 1/2 each); c is activated only through b.
        graph = make([("a", "b"), ("b", "c")])
        result = graph.simulate_cascade(
            ["a"], runs=20_000, model="linear_threshold", random_state=5
        )
        assert result.probability_of("b") == pytest.approx(0.5, abs=0.02)
        assert result.probability_of("c") == pytest.approx(0.5, abs=0.02)

    def test_per_edge_probability(self) -> None:
        graph = make([("a", "b"), ("a", "c")])
        matrix, ids = graph.adjacency()
        probability = np.zeros(matrix.nnz)
        rows, cols = matrix.nonzero()
        probability[(rows == ids.index("a")) & (cols == ids.index("c"))] = 1.0
        result = graph.simulate_cascade(["a"], probability=probability, runs=5, random_state=0)
        assert result.probability_of("c") == 1.0
        assert result.probability_of("b") == 0.0

    @pytest.mark.parametrize(
        ("probability", "match"),
        [
            (np.array([0.1, np.nan, 0.1, 0.1]), r"probability\[1\]"),
            (np.array([0.1, -0.1, 0.1, 0.1]), r"probability\[1\]"),
            (np.array([0.1, 1.5, 0.1, 0.1]), r"probability\[1\]"),
            (np.array([0.1, 0.1]), "probability: expected a scalar or 4"),
            (1.5, r"probability: expected a probability in \[0, 1\], got 1.5"),
            (float("nan"), "probability: expected a finite"),
        ],
    )
    def test_bad_probabilities(self, probability: object, match: str) -> None:
        graph = make([("a", "b"), ("a", "c")])
        with pytest.raises(InvalidInputError, match=match):
            graph.simulate_cascade(["a"], probability=probability, runs=2)  # type: ignore[arg-type]

    def test_bad_cascade_arguments(self) -> None:
        graph = make([("a", "b"), ("a", "c")])
        with pytest.raises(InvalidInputError, match="runs"):
            graph.simulate_cascade(["a"], probability=0.1, runs=0)
        with pytest.raises(InvalidInputError, match="model"):
            graph.simulate_cascade(["a"], probability=0.1, model="sir")  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="random_state"):
            graph.simulate_cascade(["a"], probability=0.1, random_state="x")  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="sum to"):
            graph.simulate_cascade(["a"], probability=0.9, model="linear_threshold")
        # Just over 1 is shown as over 1, not rounded to it.
        with pytest.raises(InvalidInputError, match=r"into 'a' sum to 1\.000000002,"):
            graph.simulate_cascade(["a"], probability=0.500000001, model="linear_threshold")
        with pytest.raises(UnknownIdError):
            graph.simulate_cascade(["zed"], probability=0.1)


def thresholds_reference(
    graph: ReferralGraph, seeds: list[int], weights: np.ndarray, runs: int, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Linear threshold as Granovetter's model states it: uniform thresholds, pressure summed
    over active friends, one synchronous step at a time. Mean active count after each step
    and each member's activation rate."""
    matrix, ids = graph.adjacency()
    n = matrix.shape[0]
    rng = np.random.default_rng(99)
    rows, cols = matrix.nonzero()
    order = np.lexsort((cols, rows))
    rows, cols, weight = rows[order], cols[order], weights
    counts = np.zeros(steps + 1)
    rate = np.zeros(n)
    for _ in range(runs):
        theta = rng.random(n)
        active = np.zeros(n, np.bool_)
        active[[ids.index(s) for s in seeds]] = True
        counts[0] += active.sum()
        for step in range(1, steps + 1):
            pressure = np.bincount(cols[active[rows]], weights=weight[active[rows]], minlength=n)
            active = active | (pressure >= theta)
            counts[step] += active.sum()
        rate += active
    return counts / runs, rate / runs


@pytest.mark.parametrize("uniform", [True, False])
def test_linear_threshold_matches_random_thresholds(uniform: bool) -> None:
    # Live edges (each member heeds one friend) against thresholds drawn as the model says:
    # the same distribution after every step (Kempe, Kleinberg and Tardos 2003).
    rng = np.random.default_rng(8)
    a, b = rng.integers(0, 40, 90), rng.integers(0, 40, 90)
    graph = make(list(zip(a[a != b].tolist(), b[a != b].tolist(), strict=True)))
    matrix, ids = graph.adjacency()
    if uniform:
        weights = 1.0 / np.diff(matrix.indptr)[matrix.indices]
        probability = None
    else:
        raw = rng.random(matrix.nnz)
        weights = raw / np.bincount(matrix.indices, weights=raw)[matrix.indices] * 0.8
        probability = weights
    seeds = [ids[0], ids[5]]
    runs = 6000
    expected, rate = thresholds_reference(graph, seeds, weights, runs, steps=6)
    result = graph.simulate_cascade(
        seeds, probability=probability, model="linear_threshold", runs=runs, random_state=2
    )
    curve = np.concatenate([result.steps, np.repeat(result.steps[-1:], 7)])[:7]
    # Standard error of a mean count of at most 40 members over 6,000 runs: under 0.26.
    assert np.abs(curve - expected).max() < 1.0
    assert np.abs(result.activation_probability - rate).max() < 0.05
    capped = graph.simulate_cascade(
        seeds,
        probability=probability,
        model="linear_threshold",
        runs=runs,
        random_state=3,
        max_steps=2,
    )
    assert capped.mean == pytest.approx(expected[2], abs=1.0)
