"""add_items: factors for new products, from alike items or from their first holders."""

from __future__ import annotations

import pickle
from collections.abc import Hashable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from community_marketing import OptInRegistry, PresenceLog, plan_campaign
from community_marketing.campaign import PresenceOffer, offer_on_presence
from community_marketing.errors import (
    ConsentRequiredError,
    InvalidInputError,
    UnknownIdError,
)
from community_marketing.recommend import Interactions, Recommender

from ._support import DATA_DIR, clustered, small

T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def model() -> Recommender:
    return small().fit(*clustered())


def least_squares(model: Recommender, holders: dict[Hashable, float]) -> np.ndarray:
    """implicit's item solve written out: (YtY + reg I + sum (c - 1) y y') x = sum c y."""
    users = np.asarray(model.user_factors_, dtype=np.float64)
    a = users.T @ users + model.regularization * np.eye(users.shape[1])
    b = np.zeros(users.shape[1])
    for user, confidence in holders.items():
        y = users[model.user_ids_.index(user)]
        a += (confidence - 1.0) * np.outer(y, y)
        b += confidence * y
    return np.linalg.solve(a, b)


def test_like_is_the_weighted_mean_of_the_alike_factors(model: Recommender) -> None:
    factors = model.item_factors_.astype(np.float64)
    index = model.item_ids_.index
    model.add_items(["new", "newer"], like=[{"i1": 3.0, "i2": 1.0}, ["i20", "i21"]])
    assert model.item_ids_[-2:] == ["new", "newer"]
    expected = (3 * factors[index("i1")] + factors[index("i2")]) / 4
    np.testing.assert_allclose(model.item_factors_[-2], expected, rtol=1e-6)
    expected = (factors[index("i20")] + factors[index("i21")]) / 2
    np.testing.assert_allclose(model.item_factors_[-1], expected, rtol=1e-6)
    assert model.holders_of("new") == []
    assert model.popular(n=100)[-1][1] == 0.0


def test_a_new_item_is_answered_for_everywhere(model: Recommender) -> None:
    model.add_items(["launch"], like=[["i1", "i2", "i3"]])
    audience = model.audience_for("launch", n=10)
    assert len(audience) == 10
    # Alike to the first cluster's items: its audience is the first half of the users.
    assert sum(int(user[1:]) < 20 for user, _ in audience) >= 9  # type: ignore[index]
    similar = [item for item, _ in model.similar_items("launch", n=3)]
    assert set(similar) <= {f"i{j}" for j in range(15)}
    assert "launch" in model.recommend_many(model.user_ids_, n=30).items.ravel().tolist()
    again = Recommender.from_state(model.to_state())
    assert again.audience_for("launch", n=5) == model.audience_for("launch", n=5)
    assert pickle.loads(pickle.dumps(model)).item_ids_ == model.item_ids_
    assert Recommender.from_bytes(model.to_bytes()).item_ids_[-1] == "launch"


@pytest.mark.parametrize("weighting", [None, "log", "bm25", "tfidf"])
def test_holders_fold_in_is_implicits_least_squares(weighting: Any) -> None:
    model = small(weighting=weighting, alpha=1.5, regularization=0.3).fit(*clustered())
    before = model.item_factors_.copy()
    holders = {"u1": 1.0, "u4": 1.0, "u9": 1.0}
    model.add_items(["fresh"], holders=[list(holders)])
    np.testing.assert_array_equal(model.item_factors_[:-1], before)
    if weighting in (None, "log"):
        confidence = 1.0 if weighting is None else float(np.log1p(1.0))
        expected = least_squares(model, {u: 1.5 * confidence for u in holders})
        np.testing.assert_allclose(model.item_factors_[-1], expected, rtol=2e-3, atol=2e-4)
    assert sorted(model.holders_of("fresh")) == ["u1", "u4", "u9"]  # type: ignore[type-var]
    scored = model.audience_for("fresh", n=100)
    assert not {user for user, _ in scored} & set(holders)
    assert len(scored) == 37
    # The first cluster's holders pull the item towards the first cluster.
    first = [score for user, score in scored if int(str(user)[1:]) < 20]
    second = [score for user, score in scored if int(str(user)[1:]) >= 20]
    assert np.mean(first) > np.mean(second)


def test_weighted_holders_count_as_their_summed_weight(model: Recommender) -> None:
    model.set_params(weighting=None)
    model.fit(*clustered())
    model.add_items(["fresh"], holders=[{"u1": 4.0, "u2": 2.0}])
    expected = least_squares(model, {"u1": 2.0 * 4.0, "u2": 2.0 * 2.0})
    np.testing.assert_allclose(model.item_factors_[-1], expected, rtol=2e-3, atol=2e-4)
    parts = model.to_state()["user_items"]
    history = sp.csr_matrix(
        (parts["data"], parts["indices"], parts["indptr"]),
        shape=(len(model.user_ids_), len(model.item_ids_)),
    )
    column = history[:, -1].toarray().ravel()
    assert {model.user_ids_[i]: column[i] for i in np.flatnonzero(column)} == {"u1": 4.0, "u2": 2.0}


def test_update_users_can_use_a_new_item(model: Recommender) -> None:
    model.add_items(["fresh"], holders=[["u1"]])
    model.update_users(["u2", "stranger"], ["fresh", "fresh"])
    assert sorted(model.holders_of("fresh")) == ["stranger", "u1", "u2"]  # type: ignore[type-var]


def test_erased_users_never_come_back_through_holders(model: Recommender) -> None:
    model.erase("u3", at=T0)
    state = model.to_state()
    with pytest.raises(ConsentRequiredError, match="holders"):
        model.add_items(["fresh"], holders=[["u1", "u3"]])
    assert_unchanged(model, state)


def assert_unchanged(model: Recommender, state: dict[str, Any]) -> None:
    after = model.to_state()
    assert after["item_ids"] == state["item_ids"]
    np.testing.assert_array_equal(after["item_factors"], state["item_factors"])
    np.testing.assert_array_equal(after["popularity"], state["popularity"])
    assert after["user_items"]["indptr"].tolist() == state["user_items"]["indptr"].tolist()


@pytest.mark.parametrize(
    ("args", "options", "error", "match"),
    [
        (["x"], {}, InvalidInputError, "like, holders: expected exactly one"),
        (["x"], {"like": [["i1"]], "holders": [["u1"]]}, InvalidInputError, "exactly one"),
        (["i1"], {"like": [["i2"]]}, InvalidInputError, "item_ids\\[0\\]: 'i1' is already known"),
        (["x", "x"], {"like": [["i1"], ["i2"]]}, InvalidInputError, "item_ids: expected distinct"),
        ([], {"like": []}, InvalidInputError, "item_ids: expected at least one"),
        ("x", {"like": [["i1"]]}, InvalidInputError, "item_ids"),
        (["x"], {"like": ["i1"]}, InvalidInputError, "like\\[0\\]: expected a list of ids"),
        (["x"], {"like": "i1"}, InvalidInputError, "like: expected one entry per new item"),
        (["x"], {"like": {"i1": 1.0}}, InvalidInputError, "like: expected one entry"),
        (["x"], {"like": [["i1"], ["i2"]]}, InvalidInputError, "like: expected one entry per"),
        (["x"], {"like": [[]]}, InvalidInputError, "like\\[0\\]: expected at least one id"),
        (["x"], {"like": [{"i1": 0.0}]}, InvalidInputError, "like\\[0\\]\\['i1'\\]: expected a"),
        (["x"], {"like": [{"i1": float("nan")}]}, InvalidInputError, "finite positive"),
        (["x"], {"like": [{"i1": -1}]}, InvalidInputError, "finite positive"),
        (["x"], {"like": [{"i1": "2"}]}, InvalidInputError, "expected a number"),
        (["x"], {"like": [{"i1": True}]}, InvalidInputError, "expected a number"),
        (["x"], {"like": [["nope"]]}, UnknownIdError, "nope"),
        (["x"], {"holders": [["ghost"]]}, UnknownIdError, "ghost"),
        (["x"], {"holders": [{"u1": float("inf")}]}, InvalidInputError, "finite positive"),
        (["x", "y"], {"holders": [["u1"], ["ghost"]]}, UnknownIdError, "ghost"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    model: Recommender, args: Any, options: dict[str, Any], error: type, match: str
) -> None:
    state = model.to_state()
    with pytest.raises(error, match=match):
        model.add_items(args, **options)
    assert_unchanged(model, state)


def test_holders_need_the_interactions() -> None:
    model = Recommender.from_factors(["a", "b"], ["x"], [[1.0], [2.0]], [[1.0]])
    with pytest.raises(InvalidInputError, match="holders: needs the interactions"):
        model.add_items(["y"], holders=[["a"]])
    model.add_items(["y"], like=[["x"]])
    assert model.audience_for("y", n=1) == [("b", 2.0)]


def test_not_fitted() -> None:
    from community_marketing.errors import NotFittedError

    with pytest.raises(NotFittedError):
        Recommender().add_items(["x"], like=[["y"]])


def test_plan_campaign_and_presence_offers_reach_a_new_item(model: Recommender) -> None:
    registry = OptInRegistry()
    users = list(model.user_ids_)
    registry.grant_many(users, "launches", "email", basis="express", source="form", at=T0)
    registry.grant_many(users, "offers", "push", basis="express", source="form", at=T0)
    model.add_items(["launch"], holders=[["u0", "u1"]])
    plan = plan_campaign(
        "launch", recommender=model, registry=registry, purpose="launches", channel="email",
        budget=5, at=T0 + timedelta(hours=1), random_state=0,
    )  # fmt: skip
    assert len(plan.targets) == 5
    assert not {"u0", "u1"} & set(plan.target_ids)
    offer = offer_on_presence(
        "u0", recommender=model, registry=registry, purpose="offers", channel="push",
        log=PresenceLog(), at=T0 + timedelta(hours=2), last_items=["launch"], n=3,
    )  # fmt: skip
    assert isinstance(offer, PresenceOffer)
    assert "launch" not in offer.item_ids


def test_a_refit_forgets_the_added_items(model: Recommender) -> None:
    model.add_items(["launch"], like=[["i1"]])
    model.fit(Interactions.from_triples(*clustered()[:2]))
    assert "launch" not in model.item_ids_


@pytest.mark.lastfm
@pytest.mark.slow
@pytest.mark.skipif(not DATA_DIR.is_dir(), reason="../shared/data/lastfm-2k is absent")
def test_lastfm_hidden_artists_find_their_listeners_far_above_popularity() -> None:
    listens = np.loadtxt(DATA_DIR / "user_artists.dat", skiprows=1, dtype=np.int64)
    rng = np.random.default_rng(0)
    artists = np.unique(listens[:, 1])
    hidden = rng.choice(artists, size=artists.size // 10, replace=False)
    held = np.isin(listens[:, 1], hidden)
    train = listens[~held]
    model = Recommender(random_state=0).fit(train[:, 0], train[:, 1], train[:, 2])
    binary = sp.csr_matrix((np.ones(len(listens)), (listens[:, 0], listens[:, 1]))).tocsc()
    listeners = {a: set(binary[:, a].indices.tolist()) for a in hidden.tolist()}
    scored = [a for a, users in listeners.items() if len(users) >= 6]
    known = np.unique(train[:, 1])
    overlap = (binary[:, scored].T @ binary[:, known]).toarray()
    like = known[np.argsort(-overlap, axis=1, kind="stable")[:, :3]].tolist()
    model.add_items(scored, like=like)
    activity = np.bincount(train[:, 0])
    popular = set(np.argsort(-activity, kind="stable")[:100].tolist())
    ours = [len({u for u, _ in model.audience_for(a, n=100)} & listeners[a]) for a in scored]
    baseline = [len(popular & listeners[a]) for a in scored]
    assert np.mean(ours) > 5 * np.mean(baseline)
