"""Tables in: named columns read from pandas (and a dict of arrays) without glue."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from community_marketing import InvalidInputError, Recommender
from community_marketing.recommend import Interactions
from community_marketing.referrals import ReferralGraph

PLAYS = pd.DataFrame(
    {"userID": [2, 2, 3, 3, 4], "artistID": [51, 52, 51, 53, 52], "weight": [13, 2, 7, 1, 5]}
)
FRIENDS = pd.DataFrame({"userID": [2, 2, 3], "friendID": [3, 4, 4]})


def test_interactions_from_frame_reads_named_columns() -> None:
    data = Interactions.from_frame(PLAYS, user="userID", item="artistID", weight="weight")
    expected = Interactions.from_triples(
        PLAYS["userID"].tolist(), PLAYS["artistID"].tolist(), PLAYS["weight"].tolist()
    )
    assert data.user_ids == expected.user_ids == (2, 3, 4)
    assert (data.matrix != expected.matrix).nnz == 0
    assert all(type(u) is int for u in data.user_ids)


def test_interactions_from_frame_without_weight_and_from_a_dict() -> None:
    data = Interactions.from_frame(
        {"u": np.array(["a", "b"]), "i": np.array(["x", "y"])}, user="u", item="i"
    )
    assert data.user_ids == ("a", "b")
    assert data.matrix.sum() == 2.0


def test_a_missing_column_is_named() -> None:
    with pytest.raises(InvalidInputError, match="weight: no column 'plays'"):
        Interactions.from_frame(PLAYS, user="userID", item="artistID", weight="plays")
    with pytest.raises(InvalidInputError, match="user: expected a table"):
        Interactions.from_frame([1, 2], user="userID", item="artistID")


def test_fit_a_table_points_to_from_frame() -> None:
    with pytest.raises(InvalidInputError, match=r"Interactions\.from_frame"):
        Recommender().fit(PLAYS)
    model = Recommender(factors=2, iterations=2, random_state=0, num_threads=1)
    data = Interactions.from_frame(PLAYS, user="userID", item="artistID", weight="weight")
    assert model.fit(data) is model


def test_friendships_from_a_table() -> None:
    graph = ReferralGraph()
    assert graph.add_friendships_from(FRIENDS, first="userID", second="friendID") == 3
    assert graph.are_friends(2, 4)
    with pytest.raises(InvalidInputError, match="add_friendships_from"):
        ReferralGraph().add_friendships(FRIENDS)
    with pytest.raises(InvalidInputError, match="add_friendships_from"):
        ReferralGraph().add_friendships(["userID", "friendID"])
    with pytest.raises(InvalidInputError, match="second: no column 'friend'"):
        ReferralGraph().add_friendships_from(FRIENDS, first="userID", second="friend")


def test_referrals_from_a_table() -> None:
    table = pd.DataFrame(
        {
            "from": ["ann", "bob"],
            "to": ["bob", "cid"],
            "when": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True),
            "code": ["X1", None],
        }
    )
    graph = ReferralGraph()
    done = graph.record_referrals_from(table, referrer="from", referee="to", at="when", code="code")
    assert [r.at for r in done] == [datetime(2024, 1, d, tzinfo=UTC) for d in (1, 2)]
    assert [r.code for r in done] == ["X1", None]
    assert graph.referral_chain("cid") == ["cid", "bob", "ann"]


def test_memberships_and_contributions_from_table_columns() -> None:
    from community_marketing import FanGroup

    table = pd.DataFrame({"userID": [2, 3, 4], "kind": ["post", "post", "answer"]})
    group = FanGroup("fans", 1)
    assert group.join_many(table["userID"]) == 3
    group.record_contributions(table["userID"], table["kind"])
    assert [s.member for s in group.leaderboard(3)] == [4, 2, 3]
    assert all(type(s.member) is int for s in group.leaderboard(3))
    with pytest.raises(InvalidInputError, match=r"members: .*got a table.*table\['id'\]"):
        group.join_many(table)
    assert sorted(group.members()) == [1, 2, 3, 4]


def test_consent_events_round_trip_through_a_frame() -> None:
    from community_marketing import OptInRegistry

    registry = OptInRegistry()
    registry.grant_many(["ann", "bob"], "news", "email", source="form", basis="express")
    registry.withdraw("bob", "news", "email", source="form")
    table = pd.DataFrame(registry.event_columns())
    copy = OptInRegistry.from_event_columns(table)
    assert copy.events() == registry.events()
    with pytest.raises(InvalidInputError, match="seq"):
        OptInRegistry.from_event_columns(table.drop(columns="seq"))


class _ArrowLikeColumn:
    """What pyarrow and polars hand back for a column: to_numpy(), iteration gives scalars."""

    def __init__(self, values: list[object]) -> None:
        self._values = values

    def to_numpy(self) -> np.ndarray:
        return np.array(self._values)

    def __iter__(self) -> object:
        return iter([object() for _ in self._values])  # never read: scalars, not ids


class _ArrowLikeTable:
    """A pyarrow Table's surface as read here: column_names and table[name]."""

    def __init__(self, columns: dict[str, list[object]]) -> None:
        self.column_names = list(columns)
        self._columns = columns

    def __getitem__(self, name: str) -> _ArrowLikeColumn:
        return _ArrowLikeColumn(self._columns[name])


def test_arrow_like_tables_and_columns_are_read_through_numpy() -> None:
    table = _ArrowLikeTable({"u": [2, 3], "i": ["x", "y"]})
    data = Interactions.from_frame(table, user="u", item="i")
    assert data.user_ids == (2, 3)
    assert data.item_ids == ("x", "y")
    graph = ReferralGraph()
    assert graph.add_friendships_from(table, first="u", second="i") == 2
    assert sorted(graph.friends(2)) == ["x"]
    with pytest.raises(InvalidInputError, match="got a table"):
        graph.add_friendships(table)
