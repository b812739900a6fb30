"""Friends (_social): the social blend, cold start from friends, the FriendGraph protocol."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pytest

from community_marketing.recommend import (
    FriendGraph,
    Interactions,
    Recommender,
)

from ._support import DATA_DIR, Friends


def test_social_weight_zero_is_plain_als(fitted: Recommender) -> None:
    graph = Friends([("u0", "u30"), ("u0", "u31")])
    assert fitted.recommend("u0", friends=graph, social_weight=0.0) == fitted.recommend("u0")


def test_social_blend_mixes_the_friends_mean(fitted: Recommender) -> None:
    graph = Friends([("u0", "u30"), ("u0", "u31"), ("u0", "stranger")])
    recs = fitted.recommend("u0", n=24, friends=graph, social_weight=0.5)
    assert recs.source == "social"
    ids = fitted.user_ids_
    factors = fitted.user_factors_
    mean = (factors[ids.index("u30")] + factors[ids.index("u31")]) / 2
    blended = 0.5 * factors[ids.index("u0")] + 0.5 * mean
    expected = dict(zip(fitted.item_ids_, (fitted.item_factors_ @ blended).tolist(), strict=True))
    assert recs.scores == pytest.approx([expected[i] for i in recs.items], rel=1e-4, abs=1e-6)
    assert list(recs.items) == sorted(recs.items, key=lambda i: -expected[i])


def test_social_blend_without_known_friends_stays_als(fitted: Recommender) -> None:
    graph = Friends([("u0", "stranger")])
    recs = fitted.recommend("u0", friends=graph, social_weight=0.5)
    assert recs.source == "als"
    assert recs == fitted.recommend("u0")
    lonely = Friends([("x", "y")])
    assert fitted.recommend("u0", friends=lonely, social_weight=0.5).source == "als"


def test_cold_user_is_scored_from_friends(two_factor: Recommender) -> None:
    graph = Friends([("newbie", "u30"), ("newbie", "u31"), ("newbie", "u32")])
    recs = two_factor.recommend("newbie", n=5, friends=graph)
    assert recs.source == "friends"
    second_half = {f"i{i}" for i in range(15, 30)}
    assert set(recs.items) <= second_half


def test_cold_user_with_only_unknown_friends_uses_friends_of_friends(
    two_factor: Recommender,
) -> None:
    graph = Friends([("newbie", "also-new"), ("also-new", "u30"), ("also-new", "u31")])
    recs = two_factor.recommend("newbie", n=5, friends=graph)
    assert recs.source == "friends"
    assert set(recs.items) <= {f"i{i}" for i in range(15, 30)}


def test_cold_scores_follow_friends_and_their_listens(fitted: Recommender) -> None:
    # u0's own items lead a cold user whose only friend is u0 (listens term).
    graph = Friends([("newbie", "u0")])
    recs = fitted.recommend("newbie", n=6, friends=graph)
    own = [item for item, _ in fitted.recommend("u0", n=30, exclude_seen=False)]
    history = set(own) - set(fitted.recommend("u0", n=30).items)
    assert len(set(recs.items) & history) >= 3
    assert list(recs.scores) == sorted(recs.scores, reverse=True)


def test_cold_user_without_friends_gets_popularity(fitted: Recommender) -> None:
    graph = Friends([("newbie", "other-stranger")])
    recs = fitted.recommend("newbie", n=4, friends=graph)
    assert recs.source == "popularity"
    assert list(recs.items) == [item for item, _ in fitted.popular(n=4)]
    assert fitted.recommend("not-in-graph", friends=graph).source == "popularity"


def test_cold_start_respects_candidates_and_exclusions(fitted: Recommender) -> None:
    graph = Friends([("newbie", "u30")])
    recs = fitted.recommend("newbie", n=5, friends=graph, items=["i1", "i20", "i21"])
    assert sorted(map(str, recs.items)) == ["i1", "i20", "i21"]
    top = fitted.recommend("newbie", n=1, friends=graph).items[0]
    assert top not in fitted.recommend("newbie", n=5, friends=graph, exclude=[top]).items
    popular = fitted.popular(n=1)[0][0]
    assert popular not in fitted.recommend("alone", cold_start=True, exclude=[popular]).items


def test_many_users_go_through_the_adjacency_like_through_friends(fitted: Recommender) -> None:
    pairs: list[tuple[Hashable, Hashable]] = [(f"u{i}", f"u{(i + 1) % 40}") for i in range(40)]
    pairs += [(f"cold{i}", f"u{i}") for i in range(40)]
    graph = Friends(pairs)
    users = [f"u{i}" for i in range(40)] + [f"cold{i}" for i in range(40)] + ["alone"]
    batch = fitted.recommend_many(users, n=5, friends=graph, social_weight=0.3)
    assert batch.sources.count("social") == 40
    assert batch.sources.count("friends") == 40
    assert batch.sources[-1] == "popularity"
    for position in (0, 17, 40, 79, 80):
        single = fitted.recommend(users[position], n=5, friends=graph, social_weight=0.3)
        assert single.items == batch[position].items
        assert single.source == batch[position].source
        assert single.scores == pytest.approx(batch[position].scores, rel=1e-4, abs=1e-6)


def test_friend_graph_protocol_is_runtime_checkable() -> None:
    assert isinstance(Friends([]), FriendGraph)
    assert not isinstance(object(), FriendGraph)


def load_lastfm() -> tuple[Interactions, Friends]:
    listens = np.loadtxt(DATA_DIR / "user_artists.dat", skiprows=1, dtype=np.int64)
    pairs = np.loadtxt(DATA_DIR / "user_friends.dat", dtype=np.int64)
    data = Interactions.from_triples(listens[:, 0], listens[:, 1], listens[:, 2])
    return data, Friends([(int(a), int(b)) for a, b in pairs.tolist() if a < b])


@pytest.mark.lastfm
@pytest.mark.slow
@pytest.mark.skipif(not DATA_DIR.is_dir(), reason="../shared/data/lastfm-2k is absent")
def test_lastfm_cold_start_beats_popularity_and_warm_beats_popularity() -> None:
    from community_marketing.evaluation import (
        PopularityBaseline,
        evaluate,
        hide_users,
        train_test_split,
    )

    data, graph = load_lastfm()
    train, test = train_test_split(data, test_fraction=0.2, random_state=0)
    model = Recommender(random_state=0).fit(train)
    warm = evaluate(model, train, test, k=10)
    popular = evaluate(PopularityBaseline().fit(train), train, test, k=10)
    assert warm.precision > 2 * popular.precision
    train, hidden = hide_users(data, fraction=0.2, random_state=0)
    model = Recommender(random_state=0).fit(train)
    cold = evaluate(model, train, hidden, k=10, friends=graph)
    cold_popular = evaluate(PopularityBaseline().fit(train), train, hidden, k=10)
    assert cold.precision > cold_popular.precision + 0.1
