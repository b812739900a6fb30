"""One convention: the cascade default, seeds, evaluation inputs, declared vocabularies."""

from __future__ import annotations

import inspect

import numpy as np

import community_marketing
from community_marketing.referrals import DEFAULT_PROBABILITY, ReferralGraph


def star() -> ReferralGraph:
    graph = ReferralGraph()
    graph.add_friendships([(0, i) for i in range(1, 60)] + [(60, 61)])
    return graph


class TestCascadeDefault:
    def test_one_default_everywhere(self) -> None:
        assert DEFAULT_PROBABILITY == 0.05
        plan = inspect.signature(community_marketing.plan_campaign).parameters["probability"]
        assert plan.default == DEFAULT_PROBABILITY

    def test_simulate_cascade_defaults_to_it(self) -> None:
        graph = star()
        implicit = graph.simulate_cascade([0], runs=200, random_state=3)
        explicit = graph.simulate_cascade(
            [0], probability=DEFAULT_PROBABILITY, runs=200, random_state=3
        )
        assert np.array_equal(implicit.reach, explicit.reach)

    def test_influencers_default_is_the_same(self) -> None:
        graph = star()
        implicit = graph.influencers(2, method="cascade", random_state=1)
        explicit = graph.influencers(
            2, method="cascade", probability=DEFAULT_PROBABILITY, random_state=1
        )
        assert implicit.ids == explicit.ids
        assert implicit.expected_spread == explicit.expected_spread


class TestInfluencersAsSeeds:
    def test_simulate_cascade_and_reach_take_the_result(self) -> None:
        graph = star()
        best = graph.influencers(2)
        a = graph.simulate_cascade(best, probability=0.3, runs=50, random_state=0)
        b = graph.simulate_cascade(list(best.ids), probability=0.3, runs=50, random_state=0)
        assert a.seeds == b.seeds == best.ids
        assert np.array_equal(a.reach, b.reach)
        assert graph.reach(best, hops=1) == graph.reach(list(best.ids), hops=1) == 60
