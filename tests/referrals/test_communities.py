"""Communities (connected components)."""

from __future__ import annotations

from community_marketing.referrals import ReferralGraph

from ._support import make


class TestCommunities:
    def test_communities(self) -> None:
        graph = make([("a", "b"), ("c", "d"), ("d", "e"), ("f", "g")])
        graph.add_members(["h"])
        assert graph.communities() == [["c", "d", "e"], ["a", "b"], ["f", "g"], ["h"]]
        assert ReferralGraph().communities() == []
