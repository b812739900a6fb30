"""Recommender, the face: the estimator contract, hyper-parameters, the import rule."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path
from typing import Any, ClassVar

import implicit.utils
import numpy as np
import pytest

from community_marketing.errors import InvalidInputError, NotFittedError, UnknownIdError
from community_marketing.recommend import (
    Recommender,
)

from ._support import clustered, small


class RecommenderContract:
    """Contract every recommender configuration keeps (in the manner of implicit's
    RecommenderBaseTestMixin): fit returns self, refit forgets, same seed same
    factors, not fitted raises, state round trip."""

    params: ClassVar[dict[str, Any]] = {}

    def make(self, **extra: Any) -> Recommender:
        return small(**{**self.params, **extra})

    def test_fit_returns_self(self) -> None:
        model = self.make()
        assert model.fit(*clustered()) is model
        assert model.is_fitted

    def test_refit_forgets_the_previous_fit(self) -> None:
        model = self.make().fit(*clustered())
        model.fit(["x", "x", "y", "y"], ["p", "q", "q", "r"])
        assert model.user_ids_ == ["x", "y"]
        assert model.item_ids_ == ["p", "q", "r"]
        assert model.user_factors_.shape == (2, model.factors)
        with pytest.raises(UnknownIdError):
            model.recommend("u0")

    def test_same_seed_same_factors(self) -> None:
        first = self.make().fit(*clustered())
        second = self.make().fit(*clustered())
        np.testing.assert_array_equal(first.user_factors_, second.user_factors_)
        np.testing.assert_array_equal(first.item_factors_, second.item_factors_)

    def test_other_seed_other_factors(self) -> None:
        first = self.make(random_state=1).fit(*clustered())
        second = self.make(random_state=2).fit(*clustered())
        assert not np.array_equal(first.user_factors_, second.user_factors_)

    def test_not_fitted_raises(self) -> None:
        model = self.make()
        for call in (
            lambda: model.user_factors_,
            lambda: model.item_factors_,
            lambda: model.user_ids_,
            lambda: model.item_ids_,
            lambda: model.recommend("u0"),
            lambda: model.recommend_many(["u0"]),
            lambda: model.similar_items("i0"),
            lambda: model.similar_users("u0"),
            lambda: model.explain("u0", "i0"),
            lambda: model.audience_for("i0"),
            lambda: model.update_users(["u0"], ["i0"]),
            lambda: model.popular(),
            model.to_state,
        ):
            with pytest.raises(NotFittedError):
                call()

    def test_state_round_trip(self) -> None:
        model = self.make().fit(*clustered())
        again = Recommender.from_state(model.to_state())
        np.testing.assert_array_equal(again.user_factors_, model.user_factors_)
        np.testing.assert_array_equal(again.item_factors_, model.item_factors_)
        assert again.user_ids_ == model.user_ids_
        assert again.item_ids_ == model.item_ids_
        users = model.user_ids_
        for user in users[:5]:
            assert again.recommend(user) == model.recommend(user)
            assert again.explain(user, "i3") == model.explain(user, "i3")
        assert again.audience_for("i3") == model.audience_for("i3")
        assert again.recommend("new", cold_start=True) == model.recommend("new", cold_start=True)
        assert again.weighting == model.weighting
        assert again.to_state()["params"] == model.to_state()["params"]

    def test_fit_never_warns(self) -> None:
        # implicit checks the BLAS thread count once per process; make it check again.
        implicit.utils._checked_blas_config = False
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            self.make().fit(*clustered())


class TestContractLog(RecommenderContract):
    params: ClassVar[dict[str, Any]] = {"weighting": "log"}


class TestContractNone(RecommenderContract):
    params: ClassVar[dict[str, Any]] = {"weighting": None}


class TestContractBm25(RecommenderContract):
    params: ClassVar[dict[str, Any]] = {"weighting": "bm25"}


class TestContractTfidf(RecommenderContract):
    params: ClassVar[dict[str, Any]] = {"weighting": "tfidf"}


def test_hyper_parameters_are_stored_unmodified() -> None:
    rng = np.random.default_rng(3)
    model = Recommender(factors=5, regularization=0.5, alpha=3, weighting=None, random_state=rng)
    assert (model.factors, model.regularization, model.alpha, model.weighting) == (5, 0.5, 3, None)
    assert model.random_state is rng


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"factors": 0}, "factors"),
        ({"factors": 2.5}, "factors"),
        ({"regularization": -1.0}, "regularization"),
        ({"alpha": 0.0}, "alpha"),
        ({"iterations": -1}, "iterations"),
        ({"weighting": "sqrt"}, "weighting"),
        ({"num_threads": -2}, "num_threads"),
        ({"random_state": np.random.RandomState(0)}, "random_state"),
        ({"random_state": "seed"}, "random_state"),
        ({"show_progress": "yes"}, "show_progress"),
    ],
)
def test_bad_hyper_parameters_raise_at_fit(params: dict[str, Any], message: str) -> None:
    model = small(**params)
    with pytest.raises(InvalidInputError, match=message):
        model.fit(["a", "b"], ["x", "y"])


def test_recommend_package_never_imports_referrals() -> None:
    import community_marketing.recommend as package

    imported = set()
    for path in Path(package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert imported
    assert not any("referrals" in name for name in imported)
