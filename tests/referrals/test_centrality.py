"""Degree and PageRank."""

from __future__ import annotations

import networkx as nx
import pytest

from community_marketing.errors import InvalidInputError

from ._support import make, to_networkx


class TestCentrality:
    def test_pagerank_matches_networkx(self) -> None:
        graph = make([(i, (i * 7 + 3) % 40) for i in range(40) if i != (i * 7 + 3) % 40])
        graph.add_members(["loner"])
        expected = nx.pagerank(to_networkx(graph), tol=1e-14, max_iter=10_000)
        ours = graph.pagerank(tol=1e-14)
        assert ours.sum() == pytest.approx(1.0)
        for position, member in enumerate(graph.ids()):
            assert ours[position] == pytest.approx(expected[member], abs=1e-10)

    def test_pagerank_bad_input(self) -> None:
        graph = make([("a", "b"), ("b", "c")])
        with pytest.raises(InvalidInputError, match="damping"):
            graph.pagerank(damping=1.5)
        with pytest.raises(InvalidInputError, match="max_iter"):
            graph.pagerank(tol=0.0, max_iter=3)
