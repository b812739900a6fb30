"""Choosing seeds: degree, PageRank, IMM under both models."""

from __future__ import annotations

import numpy as np
import pytest

from community_marketing.errors import InvalidInputError, UnknownIdError
from community_marketing.referrals import Influencers, ReferralGraph

from ._support import make, snapshot


class TestInfluence:
    def star(self) -> ReferralGraph:
        return make([(0, i) for i in range(1, 31)] + [(30, 31), (31, 32)])

    def test_influencers_by_degree_pagerank_and_cascade(self) -> None:
        graph = make([("hub", i) for i in range(10)] + [("mid", i) for i in range(10, 15)])
        graph.add_friendships([("x", "y")])
        by_degree = graph.influencers(2)
        assert isinstance(by_degree, Influencers)
        assert by_degree.ids == ("hub", "mid")
        assert by_degree.scores.tolist() == [10.0, 5.0]
        assert graph.influencers(2, method="pagerank").ids == ("hub", "mid")
        cascade = graph.influencers(3, method="cascade", probability=1.0, random_state=0)
        assert set(cascade.ids) == {"hub", "mid"} | ({"x"} & set(cascade.ids)) | (
            {"y"} & set(cascade.ids)
        )
        assert cascade.expected_spread == pytest.approx(19.0)
        assert cascade.samples > 0
        again = graph.influencers(3, method="cascade", probability=1.0, random_state=0)
        assert again.ids == cascade.ids
        with pytest.raises(InvalidInputError, match="method"):
            graph.influencers(1, method="random")  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="k: expected at most"):
            graph.influencers(100)

    def test_influencers_among_candidates(self) -> None:
        graph = make([("hub", i) for i in range(10)] + [("mid", i) for i in range(10, 15)])
        for method in ("degree", "pagerank"):
            assert graph.influencers(1, method=method, candidates=["mid", 3]).ids == ("mid",)
        # With certain word of mouth, leaf 3 carries it to the hub's 11 people; mid reaches 6.
        best = graph.influencers(
            1, method="cascade", candidates=["mid", 3], probability=1.0, epsilon=0.1, random_state=1
        )
        assert best.ids == (3,)
        assert best.expected_spread == pytest.approx(11.0, rel=0.05)
        with pytest.raises(InvalidInputError, match="k: expected at most 1"):
            graph.influencers(2, candidates=["mid"])
        with pytest.raises(UnknownIdError):
            graph.influencers(1, candidates=["nobody"])

    def test_fewer_candidates_need_fewer_sets(self) -> None:
        # IMM's union bound runs over the seed sets that may be chosen: with every member a
        # candidate the draw is the same as without; with 2 of 16 it is smaller. With p = 1
        # every set is its root's component, so the lower bound is the same in all three.
        graph = make([("hub", i) for i in range(10)] + [("mid", i) for i in range(10, 15)])
        kwargs = {"method": "cascade", "probability": 1.0, "random_state": 4}
        alone = graph.influencers(2, **kwargs)  # type: ignore[arg-type]
        everyone = graph.influencers(2, candidates=graph.ids(), **kwargs)  # type: ignore[arg-type]
        few = graph.influencers(2, candidates=["hub", "mid"], **kwargs)  # type: ignore[arg-type]
        assert everyone.ids == alone.ids
        assert everyone.samples == alone.samples
        assert few.ids == alone.ids == ("hub", "mid")
        assert few.samples < alone.samples

    def test_cascade_influencers_with_per_edge_probability(self) -> None:
        graph = make([("a", "b"), ("b", "c"), ("c", "d")])
        matrix, ids = graph.adjacency()
        rows, _ = matrix.nonzero()
        # Only c -> d and c -> b carry influence: c is the best single seed.
        probability = np.where(rows == ids.index("c"), 1.0, 0.0)
        best = graph.influencers(1, method="cascade", probability=probability, random_state=0)
        assert best.ids == ("c",)
        assert best.expected_spread == pytest.approx(3.0, rel=0.1)

    def test_linear_threshold_influencers_on_stars(self) -> None:
        graph = make([("hub", i) for i in range(10)] + [("mid", i) for i in range(10, 15)])
        graph.add_friendships([("x", "y")])
        # Under 1/degree weights every leaf heeds only its centre: seeding both centres
        # reaches the 15 leaves for certain, and nothing reaches x or y.
        best = graph.influencers(2, method="cascade", model="linear_threshold", random_state=0)
        assert set(best.ids) == {"hub", "mid"}
        assert best.expected_spread == pytest.approx(17.0, rel=0.1)
        simulated = graph.simulate_cascade(best.ids, model="linear_threshold", runs=50)
        assert simulated.reach.tolist() == [17] * 50

    def test_linear_threshold_influencers_with_per_edge_weights(self) -> None:
        graph = make([("a", "b"), ("b", "c"), ("c", "d")])
        matrix, ids = graph.adjacency()
        rows, _ = matrix.nonzero()
        weights = np.where(rows == ids.index("c"), 1.0, 0.0)
        best = graph.influencers(
            1, method="cascade", model="linear_threshold", probability=weights, random_state=0
        )
        assert best.ids == ("c",)
        assert best.expected_spread == pytest.approx(3.0, rel=0.1)

    def test_linear_threshold_spread_matches_simulation(self) -> None:
        rng = np.random.default_rng(4)
        pairs = {tuple(sorted(map(int, rng.integers(0, 300, 2)))) for _ in range(900)}
        graph = make([(a, b) for a, b in pairs if a != b])
        chosen = graph.influencers(
            5, method="cascade", model="linear_threshold", epsilon=0.1, random_state=3
        )
        ours = graph.simulate_cascade(
            chosen.ids, model="linear_threshold", runs=3000, random_state=5
        )
        assert chosen.expected_spread == pytest.approx(ours.mean, rel=0.05)
        by_degree = graph.influencers(5, method="degree")
        theirs = graph.simulate_cascade(
            by_degree.ids, model="linear_threshold", runs=3000, random_state=5
        )
        assert ours.mean >= theirs.mean * 0.98

    def test_bad_cascade_model_for_influencers_changes_nothing(self) -> None:
        graph = self.star()
        before = snapshot(graph)
        with pytest.raises(InvalidInputError, match=r"^model: "):
            graph.influencers(1, method="cascade", model="sir")  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="sum to"):
            graph.influencers(1, method="cascade", model="linear_threshold", probability=0.9)
        assert snapshot(graph) == before
