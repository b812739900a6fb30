"""ReferralGraph on the Last.fm friend graph (skipped when the data is absent)."""

from __future__ import annotations

from typing import Any

import networkx as nx
import pytest

from ._support import lastfm_graph, to_networkx


@pytest.mark.lastfm
class TestLastfm:
    def test_lastfm_answers_match_networkx(self) -> None:
        graph = lastfm_graph()
        assert (len(graph), graph.friendship_count) == (1892, 12717)
        reference = to_networkx(graph)
        ids = graph.ids()
        reach = graph.reach_all(hops=2)
        for position in range(0, len(ids), 97):
            lengths = nx.single_source_shortest_path_length(reference, ids[position], cutoff=2)
            assert reach[position] == len(lengths)
        expected = nx.pagerank(reference, tol=1e-12, max_iter=1000)
        ours = graph.pagerank(tol=1e-12)
        assert max(abs(ours[p] - expected[m]) for p, m in enumerate(ids)) < 1e-8
        components = graph.communities(method="components")
        assert len(components) == nx.number_connected_components(reference)

    def test_lastfm_cascade_seeds_beat_degree(self) -> None:
        graph = lastfm_graph()
        chosen = graph.influencers(5, method="cascade", probability=0.05, random_state=1)
        by_degree = graph.influencers(5, method="degree")
        ours = graph.simulate_cascade(chosen.ids, probability=0.05, runs=300, random_state=2)
        theirs = graph.simulate_cascade(by_degree.ids, probability=0.05, runs=300, random_state=2)
        assert ours.mean >= theirs.mean * 0.98
        assert chosen.expected_spread == pytest.approx(ours.mean, rel=0.1)

    def test_lastfm_linear_threshold_seeds_beat_degree(self) -> None:
        graph = lastfm_graph()
        chosen = graph.influencers(5, method="cascade", model="linear_threshold", random_state=1)
        by_degree = graph.influencers(5, method="degree")
        options: dict[str, Any] = {"model": "linear_threshold", "runs": 300, "random_state": 2}
        ours = graph.simulate_cascade(chosen.ids, **options)
        theirs = graph.simulate_cascade(by_degree.ids, **options)
        assert ours.mean >= theirs.mean * 0.98
        assert chosen.expected_spread == pytest.approx(ours.mean, rel=0.1)

    def test_lastfm_leiden_finds_connected_communities_of_networkxs_quality(self) -> None:
        graph = lastfm_graph()
        reference = to_networkx(graph)
        found = graph.communities(random_state=0, backend="scipy")
        groups = [set(group) for group in found.groups()]
        assert found.modularity == pytest.approx(nx.community.modularity(reference, groups))
        assert all(nx.is_connected(reference.subgraph(group)) for group in groups)
        theirs = nx.community.louvain_communities(reference, seed=0)
        assert found.modularity >= 0.99 * nx.community.modularity(reference, theirs)
        # One component holds almost everyone; Leiden splits it into many communities.
        assert graph.communities(method="components").sizes[0] > 1800
        assert found.count > 10
        assert found.sizes[0] < 1000
