"""The values (_values) and the package: one flat public namespace, pickling, doctests."""

from __future__ import annotations

import doctest
import importlib
import pickle
import pkgutil

import numpy as np

import community_marketing.recommend as recommend
from community_marketing.recommend import (
    Explanation,
    Interactions,
    RecommendationBatch,
    Recommendations,
    Recommender,
)


def test_public_names_live_in_the_flat_namespace() -> None:
    for name in recommend.__all__:
        value = getattr(recommend, name)
        if isinstance(value, type):
            assert value.__module__ == "community_marketing.recommend", name


def test_values_survive_pickling() -> None:
    recs = Recommendations("ann", ("tea", "jam"), (0.9, 0.5), "als")
    why = Explanation("ann", "jam", 0.8, (("tea", 0.6),))
    assert pickle.loads(pickle.dumps(recs)) == recs
    assert pickle.loads(pickle.dumps(why)) == why
    batch = RecommendationBatch(
        ("ann",),
        np.array([["tea", None]], dtype=object),
        np.array([[0.5, -np.inf]], dtype=np.float32),
        ("als",),
    )
    again = pickle.loads(pickle.dumps(batch))
    assert list(again) == list(batch)
    data = Interactions.from_triples(["a", "b"], ["x", "y"], [1.0, 2.0])
    copied = pickle.loads(pickle.dumps(data))
    assert (copied.user_ids, copied.item_ids) == (data.user_ids, data.item_ids)
    assert (copied.matrix != data.matrix).nnz == 0
    assert copied.items_of("b") == ["y"]


def test_a_fitted_recommender_survives_pickling() -> None:
    model = Recommender.from_factors(["a", "b"], ["x", "y"], [[1.0], [2.0]], [[1.0], [3.0]])
    model.recommend_related(["a"])
    again = pickle.loads(pickle.dumps(model))
    assert again.recommend("b") == model.recommend("b")
    assert again.recommend_related(["a", "b"]) == model.recommend_related(["a", "b"])


def test_every_example_runs_once_under_its_public_name() -> None:
    modules = [recommend] + [
        importlib.import_module(f"{recommend.__name__}.{info.name}")
        for info in pkgutil.iter_modules(recommend.__path__)
    ]
    found = [
        test.name
        for module in modules
        for test in doctest.DocTestFinder().find(module)
        if test.examples
    ]
    assert len(found) == len(set(found))
    for name in recommend.__all__:
        public = getattr(recommend, name)
        if not isinstance(public, type):
            continue
        for attribute, member in vars(public).items():
            function = getattr(member, "__func__", getattr(member, "fget", member))
            if ">>>" in (getattr(function, "__doc__", None) or ""):
                assert f"community_marketing.recommend.{name}.{attribute}" in found
