"""ReferralGraph: friendships, rights, referrals, reach, centrality, cascades and state."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest

from community_marketing.errors import (
    InvalidInputError,
    ReferralRejectedError,
    UnknownIdError,
)
from community_marketing.referrals import (
    CascadeResult,
    FriendRight,
    Influencers,
    Referral,
    ReferralGraph,
    project_growth,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
LASTFM = Path(__file__).resolve().parents[1].parent / "shared/data/lastfm-2k/user_friends.dat"


def clock() -> datetime:
    return T0


def make(pairs: list[tuple[object, object]], **kwargs: object) -> ReferralGraph:
    graph = ReferralGraph(clock=clock, **kwargs)  # type: ignore[arg-type]
    graph.add_friendships(pairs)
    return graph


def snapshot(graph: ReferralGraph) -> tuple[object, ...]:
    state = graph.to_state()
    arrays = {
        key: value.tolist()
        for key, value in state.items()
        if isinstance(value, np.ndarray)  # the columns
    }
    log = {key: np.asarray(value).tolist() for key, value in state["referrals"].items()}
    rest = {k: v for k, v in state.items() if k not in arrays and k != "referrals"}
    return (repr(rest), arrays, log, repr(graph))


def to_networkx(graph: ReferralGraph) -> nx.Graph:
    matrix, ids = graph.adjacency()
    out = nx.Graph()
    out.add_nodes_from(ids)
    rows, cols = matrix.nonzero()
    out.add_edges_from((ids[r], ids[c]) for r, c in zip(rows.tolist(), cols.tolist(), strict=True))
    return out


def lastfm_graph() -> ReferralGraph:
    if not LASTFM.exists():
        pytest.skip(f"Last.fm data not found at {LASTFM}")
    lines = LASTFM.read_text().splitlines()[1:]
    pairs = np.array([line.split("\t") for line in lines if line.strip()], dtype=np.int64)
    graph = ReferralGraph(clock=clock)
    graph.add_friendships(pairs[:, 0], pairs[:, 1])
    return graph


# ------------------------------------------------------------------ friendships


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


# ------------------------------------------------------------------ rights


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


# ------------------------------------------------------------------ referrals


class TestReferrals:
    def test_first_touch_keeps_the_credit(self) -> None:
        graph = ReferralGraph(clock=clock)
        first = graph.record_referral("ann", "bob", at=T0, code="ANN", channel="email")
        second = graph.record_referral("cid", "bob", at=T0 + timedelta(days=1))
        assert first == Referral("ann", "bob", T0, "ANN", "email", True)
        assert not second.attributed
        assert graph.referrer_of("bob") == "ann"
        assert [r.attributed for r in graph.referral_history()] == [True, False]

    def test_an_earlier_touch_recorded_late_takes_the_first_touch(self) -> None:
        graph = ReferralGraph(clock=clock)
        graph.record_referral("ann", "bob", at=T0 + timedelta(days=2))
        assert graph.record_referral("cid", "bob", at=T0).attributed
        assert graph.referrer_of("bob") == "cid"
        assert graph.referrals_of("ann") == []

    def test_last_touch(self) -> None:
        graph = ReferralGraph(attribution="last_touch", clock=clock)
        graph.record_referral("ann", "bob", at=T0)
        assert graph.record_referral("cid", "bob", at=T0 + timedelta(days=1)).attributed
        assert graph.referrer_of("bob") == "cid"

    def test_window(self) -> None:
        graph = ReferralGraph(attribution="window", window=timedelta(days=90), clock=clock)
        graph.record_referral("ann", "bob", at=T0)
        assert not graph.record_referral("cid", "bob", at=T0 + timedelta(days=30)).attributed
        assert graph.record_referral("dan", "bob", at=T0 + timedelta(days=91)).attributed
        assert graph.referrer_of("bob") == "dan"

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"attribution": "window"}, "window: required"),
            ({"attribution": "first_touch", "window": timedelta(days=1)}, "window: only"),
            ({"attribution": "best"}, "attribution: expected"),
            ({"attribution": "window", "window": timedelta(0)}, "window: expected a positive"),
        ],
    )
    def test_bad_configuration(self, kwargs: dict[str, object], match: str) -> None:
        with pytest.raises(InvalidInputError, match=match):
            ReferralGraph(**kwargs)  # type: ignore[arg-type]

    def test_rejections_carry_a_reason_and_change_nothing(self) -> None:
        graph = ReferralGraph(clock=clock)
        graph.add_members(["old"], at=T0 - timedelta(days=10))
        graph.record_referral("ann", "bob", at=T0)
        graph.record_referral("bob", "cid", at=T0)
        before = snapshot(graph)
        cases = [("ann", "ann", "self_referral"), ("ann", "old", "existing_member")]
        cases += [("cid", "ann", "ring"), ("cid", "bob", None)]
        for referrer, referee, reason in cases:
            if reason is None:
                # bob already has a referrer under first touch: not a ring, just no credit.
                assert not graph.record_referral(referrer, referee, at=T0).attributed
                continue
            with pytest.raises(ReferralRejectedError) as caught:
                graph.record_referral(referrer, referee, at=T0)
            assert caught.value.reason == reason
        assert snapshot(graph)[2]["referrer"][:2] == before[2]["referrer"]

    def test_ring_check_under_last_touch(self) -> None:
        graph = ReferralGraph(attribution="last_touch", clock=clock)
        graph.record_referral("a", "b", at=T0)
        graph.record_referral("b", "c", at=T0)
        before = snapshot(graph)
        with pytest.raises(ReferralRejectedError) as caught:
            graph.record_referral("c", "a", at=T0)
        assert caught.value.reason == "ring"
        assert snapshot(graph) == before

    def test_member_joining_after_the_referral_is_not_existing(self) -> None:
        graph = ReferralGraph(clock=clock)
        graph.add_members(["late"], at=T0 + timedelta(days=5))
        assert graph.record_referral("ann", "late", at=T0).attributed

    def test_bad_referral_input(self) -> None:
        graph = ReferralGraph(clock=clock)
        with pytest.raises(InvalidInputError, match="at: expected a timezone-aware"):
            graph.record_referral("a", "b", at=datetime(2026, 1, 1))
        with pytest.raises(InvalidInputError, match="code"):
            graph.record_referral("a", "b", code=5)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="referee"):
            graph.record_referral("a", None)
        assert len(graph) == 0

    def test_bulk_referrals_are_all_or_nothing(self) -> None:
        graph = ReferralGraph(clock=clock)
        graph.record_referral("a", "b", at=T0)
        before = snapshot(graph)
        with pytest.raises(ReferralRejectedError, match="row 2: ") as caught:
            graph.record_referrals(
                ["x", "b", "b"], ["y", "z", "a"], at=[T0, T0, T0], codes=["X", None, None]
            )
        assert caught.value.reason == "ring"
        assert snapshot(graph) == before
        assert "x" not in graph
        done = graph.record_referrals(
            np.array(["c", "d"]), ["d", "e"], at=T0, channels=["sms", "email"]
        )
        assert [(r.referrer, r.referee, r.channel) for r in done] == [
            ("c", "d", "sms"),
            ("d", "e", "email"),
        ]
        assert graph.referral_chain("e") == ["e", "d", "c"]

    def test_bulk_referrals_keep_earlier_credit_on_rollback(self) -> None:
        graph = ReferralGraph(attribution="last_touch", clock=clock)
        graph.record_referral("a", "b", at=T0)
        before = snapshot(graph)
        with pytest.raises(ReferralRejectedError, match="row 1"):
            graph.record_referrals(["c", "q"], ["b", "q"], at=T0 + timedelta(days=1))
        assert graph.referrer_of("b") == "a"
        assert snapshot(graph) == before

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"referees": ["b"]}, "referees: expected 2 ids"),
            ({"codes": ["x"]}, "codes: expected 2 values"),
            ({"channels": [None, 3]}, r"channels\[1\]"),
            ({"at": [T0]}, "at: expected 2 timestamps"),
            ({"at": [T0, datetime(2026, 1, 1)]}, r"at\[1\]: expected a timezone-aware"),
            ({"referees": ["b", None]}, r"referees\[1\]"),
        ],
    )
    def test_bad_bulk_referrals(self, kwargs: dict[str, object], match: str) -> None:
        graph = ReferralGraph(clock=clock)
        arguments: dict[str, object] = {"referrers": ["a", "c"], "referees": ["b", "d"]}
        arguments.update(kwargs)
        with pytest.raises(InvalidInputError, match=match):
            graph.record_referrals(**arguments)  # type: ignore[arg-type]
        assert len(graph) == 0

    def test_chain_tree_counts(self) -> None:
        graph = ReferralGraph(clock=clock)
        for referrer, referee in [("a", "b"), ("a", "c"), ("b", "d"), ("d", "e"), ("x", "y")]:
            graph.record_referral(referrer, referee)
        assert graph.referral_chain("e") == ["e", "d", "b", "a"]
        assert graph.referral_chain("a") == ["a"]
        tree = graph.referral_tree("a")
        assert tree.members == ("a", "b", "c", "d", "e")
        assert tree.referrers == (None, "a", "a", "b", "d")
        assert tree.depths == (0, 1, 1, 2, 3)
        assert tree.children("a") == ["b", "c"]
        assert graph.referral_counts() == {"a": 2, "b": 1, "d": 1, "x": 1}
        assert graph.referral_counts(qualified=lambda member: member in {"c", "e"}) == {
            "a": 1,
            "d": 1,
        }
        assert [r.referee for r in graph.referrals_of("a")] == ["b", "c"]
        with pytest.raises(InvalidInputError, match="qualified"):
            graph.referral_counts(qualified=5)  # type: ignore[arg-type]
        with pytest.raises(UnknownIdError):
            graph.referral_tree("nobody")

    def test_suspicious_patterns(self) -> None:
        graph = ReferralGraph(clock=clock)
        for n in range(12):
            graph.record_referral("spammer", f"s{n}", at=T0 + timedelta(minutes=n))
        for n in range(12):
            graph.record_referral("patient", f"p{n}", at=T0 + timedelta(days=n))
        graph.record_referral("root", "f1", at=T0)
        graph.record_referral("f1", "f2", at=T0 + timedelta(minutes=5))
        graph.record_referral("f2", "f3", at=T0 + timedelta(minutes=10))
        graph.record_referral("u1", "v1", at=T0, code="SHARED")
        graph.record_referral("u2", "v2", at=T0, code="SHARED")
        flags = graph.suspicious_referrals(burst=10, window=timedelta(hours=1))
        found = {(f.referrer, f.pattern, f.count) for f in flags}
        assert found == {
            ("spammer", "burst", 12),
            ("f1", "fast_chain", 2),
            ("u1", "shared_code", 1),
            ("u2", "shared_code", 1),
        }
        burst = next(f for f in flags if f.pattern == "burst")
        assert (burst.start, burst.end) == (T0, T0 + timedelta(minutes=11))
        with pytest.raises(InvalidInputError, match="burst"):
            graph.suspicious_referrals(burst=0)

    def test_viral_coefficient(self) -> None:
        graph = ReferralGraph(clock=clock)
        graph.add_members([f"m{n}" for n in range(10)], at=T0)
        start, end = T0 + timedelta(days=1), T0 + timedelta(days=31)
        for n in range(4):
            graph.record_referral(f"m{n}", f"new{n}", at=start + timedelta(days=n))
        graph.record_referral("m9", "later", at=end)
        k = graph.viral_coefficient(start=start, end=end)
        assert (k.k, k.members, k.referrals, k.conversion) == (0.4, 10, 4, None)
        split = graph.viral_coefficient(start=start, end=end, invitations=20)
        assert (split.invitations_per_member, split.conversion) == (2.0, 0.2)
        assert math.isclose(split.invitations_per_member * split.conversion, split.k)
        with pytest.raises(InvalidInputError, match="end"):
            graph.viral_coefficient(start=end, end=start)
        with pytest.raises(InvalidInputError, match="invitations"):
            graph.viral_coefficient(start=start, end=end, invitations=2)
        with pytest.raises(InvalidInputError, match="start: no members"):
            graph.viral_coefficient(start=T0 - timedelta(days=1), end=end)

    def test_project_growth(self) -> None:
        growth = project_growth(0.5, 40, 100)
        assert growth.users[:3].tolist() == [100.0, 150.0, 175.0]
        assert growth.limit == 200.0
        assert abs(growth.users[-1] - growth.limit) < 1e-6
        assert project_growth(1.0, 2, 10).users.tolist() == [10.0, 20.0, 30.0]
        assert project_growth(3.0, 2, 1).users.tolist() == [1.0, 4.0, 13.0]
        with pytest.raises(InvalidInputError, match="k:"):
            project_growth(-1.0, 2, 1)
        with pytest.raises(InvalidInputError, match="cycles"):
            project_growth(0.5, 1.5, 1)  # type: ignore[arg-type]


# ------------------------------------------------------------------ reach and centrality


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

    def test_communities(self) -> None:
        graph = make([("a", "b"), ("c", "d"), ("d", "e"), ("f", "g")])
        graph.add_members(["h"])
        assert graph.communities() == [["c", "d", "e"], ["a", "b"], ["f", "g"], ["h"]]
        assert ReferralGraph().communities() == []

    def test_empty_graph(self) -> None:
        graph = ReferralGraph()
        assert graph.reach_all().tolist() == []
        assert graph.pagerank().tolist() == []
        assert graph.degrees().tolist() == []
        assert graph.adjacency()[0].shape == (0, 0)


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
        assert len(graph.communities()) == nx.number_connected_components(reference)

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


# ------------------------------------------------------------------ cascades and influencers


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
            (1.5, "probability: expected a number <= 1"),
            (float("nan"), "probability: expected a finite"),
            (None, "probability: required"),
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
        with pytest.raises(UnknownIdError):
            graph.simulate_cascade(["zed"], probability=0.1)

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


# ------------------------------------------------------------------ state


class TestState:
    def full(self) -> ReferralGraph:
        graph = ReferralGraph(attribution="window", window=timedelta(days=30), clock=clock)
        graph.add_friendships([("a", "b"), ("b", "c"), (1, 2)])
        graph.request_friendship("c", "d")
        graph.request_friendship("a", "c")
        graph.accept_friendship("c", "a")
        graph.remove_friendship("a", "b")
        graph.grant_right("b", "c", FriendRight.SEE_ON_MAP)
        graph.add_members(["old"], at=T0 - timedelta(days=3))
        graph.record_referral("a", "x", code="A", channel="sms")
        graph.record_referral("b", "x", at=T0 + timedelta(days=1))
        graph.record_referral("x", "y")
        return graph

    def test_round_trip_is_exact(self) -> None:
        graph = self.full()
        state = graph.to_state()
        assert state["schema"] == 1
        copy = ReferralGraph.from_state(state, clock=clock)
        assert snapshot(copy) == snapshot(graph)
        assert copy.friends("c") == graph.friends("c")
        assert copy.pending_requests("d") == ["c"]
        assert copy.has_right("b", "c", FriendRight.SEE_ON_MAP)
        assert copy.referral_history() == graph.referral_history()
        assert copy.referral_chain("y") == ["y", "x", "a"]
        with pytest.raises(ReferralRejectedError):
            copy.record_referral("a", "old", at=T0)

    @pytest.mark.parametrize(
        "damage",
        [
            lambda s: s.update(schema=2),
            lambda s: s.update(attribution="best"),
            lambda s: s.update(ids="abc"),
            lambda s: s.update(ids=s["ids"][:-1]),
            lambda s: s.update(ids=[s["ids"][0]] * len(s["ids"])),
            lambda s: s.update(since_us=s["since_us"].astype(float)),
            lambda s: s.update(told=s["told"][:1]),
            lambda s: s.update(friend_low=s["friend_high"]),
            lambda s: s.update(
                friend_low=s["friend_low"][::-1].copy(), friend_high=s["friend_high"][::-1].copy()
            ),
            lambda s: s.update(requests=[[0, 0, 1]]),
            lambda s: s.update(requests=[["a"]]),
            lambda s: s.update(rights=[[0, 1, 1]]),
            lambda s: s.update(rights=[[1, 2, 99]]),
            lambda s: s.update(rights=None),
            lambda s: s["referrals"].update(code=[]),
            lambda s: s["referrals"].update(channel=[1, 2, 3]),
            lambda s: s["referrals"].update(referrer=s["referrals"]["referee"]),
            lambda s: s["referrals"].update(referee=s["referrals"]["referee"] + 10**6),
            lambda s: s.update(credit=[[0, 0]]),
            lambda s: s.update(credit=[[None, 1]]),
            lambda s: s.update(credit=5),
            lambda s: s.update(referrals=[]),
            lambda s: s.update(window_us=-1),
            lambda s: s.clear(),
        ],
    )
    def test_junk_is_invalid_input(self, damage: object) -> None:
        state = self.full().to_state()
        damage(state)  # type: ignore[operator]
        with pytest.raises(InvalidInputError):
            ReferralGraph.from_state(state)

    def test_ring_in_state_is_refused(self) -> None:
        graph = ReferralGraph(attribution="last_touch", clock=clock)
        graph.record_referral("a", "b")
        graph.record_referral("c", "a")
        state = graph.to_state()
        ids = state["ids"]
        log = state["referrals"]
        # Forge a third referral b -> c and credit it: a -> b -> c -> a.
        log["referrer"] = np.append(log["referrer"], ids.index("b"))
        log["referee"] = np.append(log["referee"], ids.index("c"))
        log["at_us"] = np.append(log["at_us"], log["at_us"][-1])
        log["code"].append(None)
        log["channel"].append(None)
        state["credit"].append([ids.index("c"), 2])
        with pytest.raises(InvalidInputError, match="ring"):
            ReferralGraph.from_state(state)

    def test_not_a_mapping(self) -> None:
        with pytest.raises(InvalidInputError, match="state: expected a dict"):
            ReferralGraph.from_state([1, 2])  # type: ignore[arg-type]
