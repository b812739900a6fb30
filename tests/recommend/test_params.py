"""Recommender keeps scikit-learn's get_params/set_params contract without depending on it."""

from __future__ import annotations

import importlib.util

import pytest

from community_marketing import InvalidInputError, Recommender

USERS = ["ann", "ann", "bob", "bob", "cid", "cid"]
ITEMS = ["tea", "jam", "tea", "scone", "jam", "scone"]


def test_get_params_names_every_constructor_argument() -> None:
    model = Recommender(factors=8, alpha=3.0, weighting="bm25")
    params = model.get_params(deep=True)
    assert params == {
        "factors": 8,
        "regularization": 0.05,
        "alpha": 3.0,
        "iterations": 15,
        "weighting": "bm25",
        "num_threads": 0,
        "random_state": None,
        "show_progress": False,
    }
    assert Recommender(**params).get_params() == params


def test_set_params_sets_and_returns_self() -> None:
    model = Recommender()
    assert model.set_params(factors=2, iterations=1, random_state=0) is model
    assert (model.factors, model.iterations, model.random_state) == (2, 1, 0)
    model.fit(USERS, ITEMS)
    assert model.user_factors_.shape == (3, 2)


def test_set_params_with_an_unknown_name_raises_and_changes_nothing() -> None:
    model = Recommender(factors=4)
    with pytest.raises(InvalidInputError, match=r"^factor: not a parameter of Recommender"):
        model.set_params(iterations=2, factor=8)
    assert model.get_params()["iterations"] == 15


@pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None,
    reason="scikit-learn is not installed (no dependency, no extra): pip install scikit-learn",
)
def test_sklearn_clone_copies_the_parameters_not_the_fit() -> None:
    from sklearn.base import clone

    model = Recommender(factors=2, iterations=1, random_state=0, num_threads=1).fit(USERS, ITEMS)
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    assert not twin.is_fitted
