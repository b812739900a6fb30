"""Friends of friends and reach."""

from __future__ import annotations

import pytest

from community_marketing.errors import InvalidInputError, UnknownIdError
from community_marketing.referrals import ReferralGraph

from ._support import make


class TestReach:
    def test_friends_of_friends_ranked_with_deterministic_ties(self) -> None:
        graph = make([("me", "a"), ("me", "b"), ("a", "z"), ("a", "y"), ("b", "y"), ("b", "w")])
        graph.add_friendships([("a", "b")])
        assert graph.friends_of_friends("me") == [("y", 2), ("z", 1), ("w", 1)]
        assert graph.friends_of_friends("me", n=2) == [("y", 2), ("z", 1)]
        assert graph.friends_of_friends("w") == [("me", 1), ("a", 1), ("y", 1)]
        with pytest.raises(InvalidInputError, match="n:"):
            graph.friends_of_friends("me", n=-1)

    def test_reach(self) -> None:
        graph = make([("a", "b"), ("b", "c"), ("c", "d"), ("x", "y")])
        assert graph.reach("a", hops=0) == 1
        assert graph.reach(["a"], hops=3) == 4
        assert graph.reach(["a", "x"], hops=1) == 4
        assert graph.reach_all(hops=1).tolist() == [2, 3, 3, 2, 2, 2]
        assert graph.reach_all(hops=3).tolist() == [4, 4, 4, 4, 2, 2]
        with pytest.raises(UnknownIdError):
            graph.reach(["a", "nobody"])
        with pytest.raises(InvalidInputError, match="hops"):
            graph.reach_all(hops=-1)

    def test_empty_graph(self) -> None:
        graph = ReferralGraph()
        assert graph.reach_all().tolist() == []
        assert graph.pagerank().tolist() == []
        assert graph.degrees().tolist() == []
        assert graph.adjacency()[0].shape == (0, 0)
