"""Friendships, pending requests and friend rights."""

from __future__ import annotations

import numpy as np
import pytest

from community_marketing.errors import InvalidInputError, UnknownIdError
from community_marketing.referrals import FriendRight, ReferralGraph

from ._support import clock, make, snapshot


class TestFriendships:
    def test_request_then_accept_links_both_sides(self) -> None:
        graph = ReferralGraph(clock=clock)
        assert graph.request_friendship("ann", "bob") == "pending"
        assert not graph.are_friends("ann", "bob")
        assert graph.pending_requests("bob") == ["ann"]
        graph.accept_friendship("bob", "ann")
        assert graph.friends("ann") == ["bob"]
        assert graph.friends("bob") == ["ann"]
        assert graph.pending_requests("bob") == []
        assert graph.request_friendship("bob", "ann") == "already_friends"

    def test_decline_leaves_no_link(self) -> None:
        graph = ReferralGraph(clock=clock)
        graph.request_friendship("ann", "bob")
        graph.decline_friendship("bob", "ann")
        assert not graph.are_friends("ann", "bob")
        with pytest.raises(InvalidInputError, match="no pending friendship request"):
            graph.accept_friendship("bob", "ann")

    def test_crossed_requests_accept(self) -> None:
        graph = ReferralGraph(clock=clock)
        graph.request_friendship("ann", "bob")
        assert graph.request_friendship("bob", "ann") == "accepted"
        assert graph.degree("ann") == 1

    def test_only_the_asked_side_can_accept(self) -> None:
        graph = ReferralGraph(clock=clock)
        graph.request_friendship("ann", "bob")
        with pytest.raises(InvalidInputError, match="a: no pending"):
            graph.accept_friendship("ann", "bob")

    def test_self_friendship_is_refused_and_changes_nothing(self) -> None:
        graph = ReferralGraph(clock=clock)
        with pytest.raises(InvalidInputError, match="befriend themself"):
            graph.request_friendship("ann", "ann")
        assert len(graph) == 0

    def test_unknown_ids(self) -> None:
        graph = make([("a", "b")])
        with pytest.raises(UnknownIdError):
            graph.friends("zed")
        with pytest.raises(UnknownIdError):
            graph.degree("zed")
        with pytest.raises(UnknownIdError):
            graph.remove_friendship("a", "zed")
        with pytest.raises(KeyError):
            graph.friends_of_friends("zed")
        assert not graph.are_friends("a", "zed")

    def test_remove_and_readd(self) -> None:
        graph = make([("a", "b"), ("b", "c")])
        assert graph.remove_friendship("b", "a")
        assert graph.friends("b") == ["c"]
        assert graph.friendship_count == 1
        assert not graph.remove_friendship("a", "b")
        graph.request_friendship("a", "b")
        graph.accept_friendship("b", "a")
        assert graph.friends("b") == ["a", "c"]
        graph.add_friendships([("c", "d")])
        assert graph.friendship_count == 3
        assert graph.friends("a") == ["b"]

    def test_bulk_pairs_arrays_and_two_columns_agree(self) -> None:
        pairs = [(1, 2), (2, 3), (3, 1), (1, 2), (4, 1)]
        from_pairs = make(pairs)
        from_matrix = make([])
        from_matrix.add_friendships(np.array(pairs))
        from_columns = make([])
        assert from_columns.add_friendships(np.array([p[0] for p in pairs]), [p[1] for p in pairs])
        for graph in (from_pairs, from_matrix, from_columns):
            assert graph.ids() == [1, 2, 3, 4]
            assert graph.friendship_count == 4
            assert graph.degrees().tolist() == [3, 2, 2, 1]

    def test_bulk_large_or_negative_int_ids_take_the_general_path(self) -> None:
        graph = make([])
        graph.add_friendships(np.array([10**12, -5, 7]), np.array([-5, 7, 10**12]))
        assert graph.ids() == [10**12, -5, 7]
        assert graph.friends(-5) == [10**12, 7]

    def test_bulk_with_known_int_ids_reuses_indices(self) -> None:
        graph = make([("x", 3)])
        assert graph.add_friendships(np.array([3, 4]), np.array([4, 5])) == 2
        assert graph.ids() == ["x", 3, 4, 5]
        assert graph.friends(4) == [3, 5]

    @pytest.mark.parametrize(
        ("first", "second", "match"),
        [
            ([(1, 1)], None, r"second\[0\]: self-loop"),
            (np.array([1, 2]), np.array([2, 2]), r"second\[1\]: self-loop"),
            (np.array([1, 2]), np.array([3]), "second: expected 2 ids"),
            ([(1, 2, 3)], None, r"first\[0\]: expected a pair"),
            (np.zeros((2, 3), np.int64), None, "first: expected an \\(m, 2\\) array"),
            ("ab", None, "first: expected a sequence of ids"),
            ([(None, 1)], None, r"first\[0\]"),
        ],
    )
    def test_bad_bulk_loads_change_nothing(self, first: object, second: object, match: str) -> None:
        graph = make([("a", "b")])
        before = snapshot(graph)
        with pytest.raises(InvalidInputError, match=match):
            graph.add_friendships(first, second)  # type: ignore[arg-type]
        assert snapshot(graph) == before

    def test_adjacency_is_symmetric_with_row_ids(self) -> None:
        graph = make([("a", "b"), ("c", "a")])
        matrix, ids = graph.adjacency()
        assert ids == ["a", "b", "c"]
        assert (matrix != matrix.T).nnz == 0
        assert matrix.has_sorted_indices
        assert matrix.toarray().tolist() == [[0, 1, 1], [1, 0, 0], [1, 0, 0]]
        with pytest.raises(ValueError, match="read-only"):
            matrix.data[0] = 5.0

    def test_adjacency_follows_writes(self) -> None:
        graph = make([("a", "b")])
        first, _ = graph.adjacency()
        graph.request_friendship("b", "c")
        graph.accept_friendship("c", "b")
        second, ids = graph.adjacency()
        assert first.shape == (2, 2)
        assert second.shape == (3, 3)
        assert graph.friends("c") == ["b"]
        assert ids == ["a", "b", "c"]

    def test_satisfies_the_recommender_protocol(self) -> None:
        from community_marketing.recommend import FriendGraph

        assert isinstance(make([("a", "b")]), FriendGraph)

    def test_repr(self) -> None:
        graph = make([("a", "b")])
        graph.record_referral("a", "c")
        assert repr(graph) == (
            "ReferralGraph(members=3, friendships=1, pending_requests=0, referrals=1, "
            "attribution='first_touch')"
        )


class TestRights:
    def test_rights_are_directed(self) -> None:
        graph = make([("ann", "bob"), ("ann", "cid")])
        graph.grant_right("ann", "bob", FriendRight.MODIFY_OBJECTS | FriendRight.SEE_ONLINE)
        assert graph.has_right("ann", "bob", FriendRight.MODIFY_OBJECTS)
        assert not graph.has_right("bob", "ann", FriendRight.MODIFY_OBJECTS)
        assert graph.friends_with_right("ann", FriendRight.SEE_ONLINE) == ["bob"]
        assert graph.friends_with_right("bob", FriendRight.SEE_ONLINE) == []
        graph.revoke_right("ann", "bob", FriendRight.SEE_ONLINE)
        assert graph.rights("ann", "bob") == FriendRight.MODIFY_OBJECTS

    def test_rights_need_a_friendship_and_vanish_with_it(self) -> None:
        graph = make([("ann", "bob"), ("cid", "dan")])
        with pytest.raises(InvalidInputError, match="not a friend"):
            graph.grant_right("ann", "cid", FriendRight.SEE_ON_MAP)
        graph.grant_right("ann", "bob", FriendRight.ALL)
        graph.grant_right("bob", "ann", FriendRight.SEE_ON_MAP)
        graph.remove_friendship("bob", "ann")
        graph.add_friendships([("ann", "bob")])
        assert graph.rights("ann", "bob") == FriendRight.NONE
        assert graph.rights("bob", "ann") == FriendRight.NONE

    def test_bad_right(self) -> None:
        graph = make([("ann", "bob")])
        with pytest.raises(InvalidInputError, match="right: expected a FriendRight"):
            graph.grant_right("ann", "bob", 4)  # type: ignore[arg-type]
        with pytest.raises(UnknownIdError):
            graph.has_right("ann", "zed", FriendRight.SEE_ON_MAP)
