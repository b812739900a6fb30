"""Fitting and folding in (_fit): ALS on the weighted matrix, bad interactions, update_users."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
import threadpoolctl
from implicit.cpu.als import AlternatingLeastSquares

from community_marketing.errors import InvalidInputError, UnknownIdError
from community_marketing.recommend import (
    Interactions,
    Recommender,
)

from ._support import clustered, small


def test_fit_accepts_interactions_and_numpy_arrays(
    triples: tuple[list[str], list[str], list[float]],
) -> None:
    users, items, weights = triples
    from_value = small().fit(Interactions.from_triples(users, items, weights))
    from_arrays = small().fit(np.array(users), np.array(items), np.array(weights))
    np.testing.assert_array_equal(from_value.user_factors_, from_arrays.user_factors_)


def test_fit_with_a_generator_is_reproducible_from_the_same_seed(
    triples: tuple[list[str], list[str], list[float]],
) -> None:
    first = small(random_state=np.random.default_rng(5)).fit(*triples)
    second = small(random_state=np.random.default_rng(5)).fit(*triples)
    np.testing.assert_array_equal(first.item_factors_, second.item_factors_)


def test_factors_equal_raw_implicit_on_the_same_matrix(
    triples: tuple[list[str], list[str], list[float]],
) -> None:
    data = Interactions.from_triples(*triples)
    ours = small(alpha=2.0, regularization=0.05).fit(data)
    confidence = data.matrix.copy()
    confidence.data = np.log1p(confidence.data)
    with threadpoolctl.threadpool_limits(1, "blas"):
        raw = AlternatingLeastSquares(
            factors=8, regularization=0.05, alpha=2.0, iterations=8, random_state=7, num_threads=1
        )
        raw.fit(confidence, show_progress=False)
    np.testing.assert_array_equal(ours.user_factors_, raw.user_factors)
    np.testing.assert_array_equal(ours.item_factors_, raw.item_factors)


@pytest.mark.parametrize(
    ("users", "items", "weights", "message"),
    [
        (["a", "a"], ["x", "y"], None, "at least 2 users"),
        (["a", "b"], ["x", "x"], None, "2 items"),
        (["a", "b"], ["x", "y"], [0.0, 0.0], "at least one|positive"),
        (["a", "b"], ["x"], None, "items: expected 2"),
        ([], [], None, "at least one"),
    ],
)
def test_fit_bad_interactions(users: Any, items: Any, weights: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        small().fit(users, items, weights)


def test_fit_with_interactions_and_triples_at_once_raises(
    triples: tuple[list[str], list[str], list[float]],
) -> None:
    with pytest.raises(InvalidInputError, match="Interactions"):
        small().fit(Interactions.from_triples(*triples), ["x"])
    with pytest.raises(InvalidInputError, match="items"):
        small().fit(["a", "b"])


def test_failed_fit_keeps_the_previous_fit(fitted: Recommender) -> None:
    model = small().fit(*clustered())
    before = model.user_factors_.copy()
    with pytest.raises(InvalidInputError):
        model.fit(["a", "b"], ["x", "y"], [1.0, -1.0])
    np.testing.assert_array_equal(model.user_factors_, before)


def test_update_users_adds_a_new_user_like_implicit_recalculate(
    triples: tuple[list[str], list[str], list[float]],
) -> None:
    model = small().fit(*triples)
    items_before = model.item_factors_.copy()
    model.update_users(["new", "new"], ["i20", "i21"], [3.0, 4.0])
    assert model.user_ids_[-1] == "new"
    assert model.user_factors_.shape[0] == 41
    np.testing.assert_array_equal(model.item_factors_, items_before)
    recs = model.recommend("new", n=5)
    assert recs.source == "als"
    assert not {"i20", "i21"} & set(recs.items)
    row = sp.csr_matrix((np.log1p([3.0, 4.0]).astype(np.float32), [20, 21], [0, 2]), shape=(1, 30))
    columns = [model.item_ids_.index(f"i{i}") for i in range(30)]
    row = row[:, np.argsort(columns)]
    raw = model.to_state()
    implicit_model = AlternatingLeastSquares(
        factors=8, regularization=0.05, alpha=2.0, iterations=1, num_threads=1
    )
    implicit_model.user_factors = raw["user_factors"]
    implicit_model.item_factors = raw["item_factors"]
    expected = implicit_model.recalculate_user([0], sp.csr_matrix(row))
    np.testing.assert_allclose(model.user_factors_[-1], expected[0], rtol=1e-4, atol=1e-6)


def test_update_users_extends_an_existing_history(
    triples: tuple[list[str], list[str], list[float]],
) -> None:
    model = small().fit(*triples)
    before = model.user_factors_.copy()
    model.update_users(["u0"], ["i29"], [50.0])
    assert "i29" not in model.recommend("u0", n=30).items
    assert not np.array_equal(model.user_factors_[0], before[0])
    np.testing.assert_array_equal(model.user_factors_[1:], before[1:])


def test_update_users_unknown_item_changes_nothing(
    triples: tuple[list[str], list[str], list[float]],
) -> None:
    model = small().fit(*triples)
    state = model.to_state()
    with pytest.raises(UnknownIdError):
        model.update_users(["new"], ["brand-new-item"])
    with pytest.raises(InvalidInputError):
        model.update_users(["new"], ["i1"], [float("nan")])
    assert model.user_ids_ == state["user_ids"]
    np.testing.assert_array_equal(model.user_factors_, state["user_factors"])
