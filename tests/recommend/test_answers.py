"""Answers (_answers): top-k for users, similar items and users, explain, audience_for."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pytest

from community_marketing.errors import InvalidInputError, UnknownIdError
from community_marketing.recommend import (
    Explanation,
    RecommendationBatch,
    Recommendations,
    Recommender,
)


def manual_scores(model: Recommender, user: Hashable) -> dict[Hashable, float]:
    row = model.user_ids_.index(user)
    scores = model.item_factors_ @ model.user_factors_[row]
    return dict(zip(model.item_ids_, scores.tolist(), strict=True))


def test_recommend_ranks_by_dot_product_and_excludes_seen(
    fitted: Recommender, triples: tuple[list[str], list[str], list[float]]
) -> None:
    users, items, _ = triples
    seen = {item for user, item in zip(users, items, strict=True) if user == "u0"}
    recs = fitted.recommend("u0", n=5)
    assert isinstance(recs, Recommendations)
    assert recs.source == "als"
    assert len(recs) == 5
    assert not seen & set(recs.items)
    expected = manual_scores(fitted, "u0")
    unseen = sorted((item for item in expected if item not in seen), key=lambda i: -expected[i])
    assert list(recs.items) == unseen[:5]
    assert recs.scores == pytest.approx([expected[i] for i in recs.items], rel=1e-5)
    assert list(recs.scores) == sorted(recs.scores, reverse=True)


def test_recommend_finds_the_users_cluster(two_factor: Recommender) -> None:
    first_half = {f"i{i}" for i in range(15)}
    assert set(two_factor.recommend("u1", n=5).items) <= first_half
    assert not set(two_factor.recommend("u30", n=5).items) & first_half


def test_recommend_can_include_seen_items(fitted: Recommender) -> None:
    recs = fitted.recommend("u0", n=30, exclude_seen=False)
    assert len(recs) == 30
    assert set(recs.items) == set(fitted.item_ids_)


def test_recommend_with_candidates_and_exclusions(fitted: Recommender) -> None:
    recs = fitted.recommend("u0", n=10, items=["i20", "i1", "i2"], exclude_seen=False)
    assert sorted(map(str, recs.items)) == ["i1", "i2", "i20"]
    expected = manual_scores(fitted, "u0")
    assert list(recs.items) == sorted(recs.items, key=lambda i: -expected[i])
    best = fitted.recommend("u0", n=3)
    without = fitted.recommend("u0", n=3, exclude=[best.items[0], "never-seen-item"])
    assert best.items[0] not in without.items
    assert without.items[:2] == best.items[1:]
    with pytest.raises(UnknownIdError):
        fitted.recommend("u0", items=["i1", "nope"])


def test_recommend_returns_fewer_when_everything_is_filtered(fitted: Recommender) -> None:
    history = [item for item, _ in fitted.recommend("u0", n=30, exclude_seen=False)]
    recs = fitted.recommend("u0", n=30)
    assert len(recs) == 30 - 6
    assert set(recs.items) | set(history) == set(history)
    assert fitted.recommend("u0", items=["i0", "i1", "i2", "i3", "i4", "i5", "i6"], n=7)


def test_recommend_unknown_user_raises_unless_cold_start(fitted: Recommender) -> None:
    with pytest.raises(UnknownIdError) as caught:
        fitted.recommend("stranger")
    assert caught.value.id == "stranger"
    recs = fitted.recommend("stranger", n=3, cold_start=True)
    assert recs.source == "popularity"
    assert list(recs.items) == [item for item, _ in fitted.popular(n=3)]


@pytest.mark.parametrize(
    ("options", "message"),
    [({"n": 0}, "n"), ({"social_weight": 1.5}, "social_weight"), ({"social_weight": -1}, "social")],
)
def test_recommend_bad_options(fitted: Recommender, options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        fitted.recommend("u0", **options)


def test_recommend_many_matches_recommend(fitted: Recommender) -> None:
    users = ["u3", "u0", "u25", "u3"]
    batch = fitted.recommend_many(users, n=4)
    assert isinstance(batch, RecommendationBatch)
    assert batch.users == tuple(users)
    assert batch.items.shape == (4, 4)
    assert batch.sources == ("als",) * 4
    for position, user in enumerate(users):
        single = fitted.recommend(user, n=4)
        # One row or several take different BLAS paths: the last float bits may differ.
        assert batch[position].items == single.items
        assert batch[position].scores == pytest.approx(single.scores, rel=1e-5)
    assert [rec.user for rec in batch] == users
    assert len(batch[1:3]) == 2


def test_recommend_many_pads_short_rows(fitted: Recommender) -> None:
    batch = fitted.recommend_many(["u0", "u1"], n=30)
    assert batch.items.shape == (2, 30)
    assert batch.items[0, -1] is None
    assert batch.scores[0, -1] == -np.inf
    assert len(batch[0]) == 24


def test_recommend_many_unknown_user_raises(fitted: Recommender) -> None:
    with pytest.raises(UnknownIdError):
        fitted.recommend_many(["u0", "ghost"])


def test_recommend_many_mixes_warm_and_cold_users(fitted: Recommender) -> None:
    batch = fitted.recommend_many(["u0", "ghost"], n=3, cold_start=True)
    assert batch.sources == ("als", "popularity")
    assert batch[0].items == fitted.recommend("u0", n=3).items
    assert batch[1].items == tuple(item for item, _ in fitted.popular(n=3))


def cosine_ranking(factors: np.ndarray, ids: list[Hashable], of: Hashable) -> list[Hashable]:
    norms = np.linalg.norm(factors, axis=1)
    row = ids.index(of)
    scores = factors @ factors[row] / (norms * norms[row])
    order = [i for i in np.argsort(-scores, kind="stable").tolist() if i != row]
    return [ids[i] for i in order]


def test_similar_items_is_cosine_without_the_item(fitted: Recommender) -> None:
    similar = fitted.similar_items("i3", n=4)
    assert len(similar) == 4
    assert "i3" not in [item for item, _ in similar]
    expected = cosine_ranking(fitted.item_factors_, fitted.item_ids_, "i3")
    assert [item for item, _ in similar] == expected[:4]
    assert all(-1.0001 <= score <= 1.0001 for _, score in similar)
    with pytest.raises(UnknownIdError):
        fitted.similar_items("nope")


def test_similar_users_is_cosine_without_the_user(fitted: Recommender) -> None:
    similar = fitted.similar_users("u5", n=3)
    expected = cosine_ranking(fitted.user_factors_, fitted.user_ids_, "u5")
    assert [user for user, _ in similar] == expected[:3]
    assert len(fitted.similar_users("u5", n=500)) == 39
    with pytest.raises(UnknownIdError):
        fitted.similar_users("nope")


def test_explain_lists_the_users_own_items(
    fitted: Recommender, triples: tuple[list[str], list[str], list[float]]
) -> None:
    users, items, _ = triples
    history = {item for user, item in zip(users, items, strict=True) if user == "u0"}
    target = fitted.recommend("u0", n=1).items[0]
    why = fitted.explain("u0", target, n=3)
    assert isinstance(why, Explanation)
    assert (why.user, why.item) == ("u0", target)
    assert len(why.contributions) == 3
    assert {item for item, _ in why.contributions} <= history
    scores = [score for _, score in why.contributions]
    assert scores == sorted(scores, reverse=True)
    everything = fitted.explain("u0", target, n=50)
    assert len(everything.contributions) == len(history)
    assert everything.score == pytest.approx(sum(s for _, s in everything.contributions), rel=1e-4)
    assert everything.score == pytest.approx(why.score)


def test_explain_unknown_ids_raise(fitted: Recommender) -> None:
    with pytest.raises(UnknownIdError):
        fitted.explain("ghost", "i1")
    with pytest.raises(UnknownIdError):
        fitted.explain("u0", "ghost")


def test_audience_for_ranks_users_without_the_item(
    fitted: Recommender, triples: tuple[list[str], list[str], list[float]]
) -> None:
    users, items, _ = triples
    holders = {user for user, item in zip(users, items, strict=True) if item == "i3"}
    audience = fitted.audience_for("i3", n=500)
    assert {user for user, _ in audience} == set(fitted.user_ids_) - holders
    column = fitted.item_ids_.index("i3")
    scores = fitted.user_factors_ @ fitted.item_factors_[column]
    expected = {u: s for u, s in zip(fitted.user_ids_, scores.tolist(), strict=True)}
    assert [s for _, s in audience] == pytest.approx([expected[u] for u, _ in audience])
    assert [s for _, s in audience] == sorted((s for _, s in audience), reverse=True)
    assert fitted.audience_for("i3", n=3) == audience[:3]


def test_audience_for_respects_eligible(fitted: Recommender) -> None:
    audience = fitted.audience_for("i3", n=10, eligible=["u20", "u21", "ghost", "u20"])
    assert {user for user, _ in audience} <= {"u20", "u21"}
    assert fitted.audience_for("i3", eligible=[]) == []
    assert fitted.audience_for("i3", eligible=["ghost"]) == []
    with pytest.raises(UnknownIdError):
        fitted.audience_for("ghost-item")
