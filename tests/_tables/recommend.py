"""The bad-input sweep's table for Recommender: a builder and a valid call of every method."""

from __future__ import annotations

from typing import Any

import numpy as np

from community_marketing import Recommender, ReferralGraph
from community_marketing.evaluation import (
    EvaluationReport,
    PopularityBaseline,
    coverage,
    evaluate,
    hide_users,
    map_at_k,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    relevant_items,
    train_test_split,
)
from community_marketing.recommend import (
    Explanation,
    Interactions,
    RecommendationBatch,
    Recommendations,
)

from .._sweep_cases import T0, Builder, Call, Clock, FunctionCall

_USERS = ["ann", "ann", "bob", "bob", "cid", "cid", "dan", "eve"]
_ITEMS = ["tea", "jam", "tea", "scone", "jam", "scone", "tea", "jam"]


def _recommender(clock: Clock) -> tuple[Recommender, dict[str, Any]]:
    model = Recommender(factors=3, iterations=3, random_state=0, num_threads=1)
    model.fit(_USERS, _ITEMS)
    graph = ReferralGraph(clock=clock)
    graph.add_friendships([("ann", "bob"), ("bob", "cid"), ("cid", "eve")], at=T0)
    return model, {"graph": graph}


RECOMMENDER_CALLS: dict[str, Call] = {
    "add_items": ((["muffin"],), {"like": [{"tea": 2.0, "jam": 1.0}]}),
    "audience_for": (("tea",), {"n": 3, "eligible": ["ann", "eve"]}),
    "explain": (("ann", "scone"), {"n": 2}),
    "fit": ((_USERS, _ITEMS, [1.0] * len(_USERS)), {}),
    "holders_of": (("tea",), {}),
    "popular": ((), {"n": 2}),
    "recommend": (
        ("ann",),
        {
            "n": 2,
            "exclude_seen": True,
            "exclude": ["jam"],
            "friends": lambda c: c["graph"],
            "social_weight": 0.2,
            "cold_start": True,
        },
    ),
    "recommend_many": (
        (["ann", "bob"],),
        {"n": 2, "items": ["tea", "jam", "scone"], "friends": lambda c: c["graph"]},
    ),
    "recommend_related": ((["ann", "zed"],), {"histories": [None, ["tea"]], "n": 2, "blend": 0.5}),
    "similar_items": (("tea",), {"n": 2, "min_holders": 1}),
    "similar_users": (("ann",), {"n": 2}),
    "tune": (
        (_USERS, _ITEMS),
        {"space": {"factors": [2, 3]}, "n_trials": 2, "validation": 0.5, "random_state": 0},
    ),
    "update_users": ((["zed", "zed"], ["tea", "jam"]), {"weights": [1.0, 2.0]}),
}


BUILDERS: dict[str, tuple[Builder, dict[str, Call]]] = {
    "Recommender": (_recommender, RECOMMENDER_CALLS)
}


def fit_with(
    factors: int = 2,
    regularization: float = 0.05,
    alpha: float = 2.0,
    iterations: int = 2,
    weighting: str | None = "log",
    num_threads: int = 1,
    random_state: Any = 0,
    show_progress: Any = False,
) -> Recommender:
    """The constructor and ``fit`` on tiny data: hyper-parameters are checked by ``fit``."""
    model = Recommender(
        factors=factors,
        regularization=regularization,
        alpha=alpha,
        iterations=iterations,
        weighting=weighting,  # type: ignore[arg-type]
        num_threads=num_threads,
        random_state=random_state,
        show_progress=show_progress,
    )
    return model.fit(_USERS, _ITEMS)


def _state() -> dict[str, Any]:
    model, _ = _recommender(Clock())
    return model.to_state()


def _data() -> Interactions:
    return Interactions.from_triples(_USERS, _ITEMS)


def baseline_recommend_many(
    users: Any = ("ann", "zed"), n: Any = 2, exclude_seen: Any = True
) -> Any:
    """PopularityBaseline's fit, then its answer."""
    return PopularityBaseline().fit(_data()).recommend_many(users, n=n, exclude_seen=exclude_seen)


def baseline_fit(interactions: Any = None) -> PopularityBaseline:
    """PopularityBaseline().fit on what it is given (the tiny data by default)."""
    return PopularityBaseline().fit(_data() if interactions is None else interactions)


def evaluate_at(recommender: Any, train: Any, test: Any, k: Any = 2) -> Any:
    """``evaluate`` without ``**options`` (the sweep would pass one named "options")."""
    return evaluate(recommender, train, test, k=k)


_RECOMMENDED = {"ann": ["scone", "tea"], "dan": ["jam"]}
_RELEVANT = {"ann": {"scone"}, "dan": {"scone", "jam"}}

FUNCTIONS: dict[str, FunctionCall] = {
    "Recommender.fit": (fit_with, (), {}),
    "Recommender.from_factors": (
        Recommender.from_factors,
        (["ann", "bob"], ["tea", "jam"], [[1.0, 0.0], [0.0, 1.0]], [[2.0, 0.0], [0.0, 3.0]]),
        {
            "interactions": Interactions.from_triples(["ann", "bob"], ["tea", "jam"]),
            "regularization": 0.05,
            "alpha": 2.0,
            "weighting": "log",
            "num_threads": 1,
        },
    ),
    "Recommender.from_state": (Recommender.from_state, (_state(),), {}),
    "Interactions.from_triples": (
        Interactions.from_triples,
        (_USERS, _ITEMS, [1.0] * len(_USERS)),
        {},
    ),
    "Interactions.from_csr": (
        Interactions.from_csr,
        (_data().matrix, list(_data().user_ids), list(_data().item_ids)),
        {},
    ),
    "Recommendations": (Recommendations, ("ann", ("tea",), (1.0,), "als"), {}),
    "Explanation": (Explanation, ("ann", "tea", 1.0, (("jam", 1.0),)), {}),
    "RecommendationBatch": (
        RecommendationBatch,
        (
            ("ann",),
            np.array([["tea"]], dtype=object),
            np.array([[1.0]], dtype=np.float32),
            ("als",),
        ),
        {},
    ),
    "train_test_split": (
        train_test_split,
        (_data(),),
        {"test_fraction": 0.3, "leave_out": None, "random_state": 0},
    ),
    "hide_users": (hide_users, (_data(),), {"fraction": 0.4, "random_state": 0}),
    "precision_at_k": (precision_at_k, (_RECOMMENDED, _RELEVANT), {"k": 2}),
    "recall_at_k": (recall_at_k, (_RECOMMENDED, _RELEVANT), {"k": 2}),
    "ndcg_at_k": (ndcg_at_k, (_RECOMMENDED, _RELEVANT), {"k": 2}),
    "map_at_k": (map_at_k, (_RECOMMENDED, _RELEVANT), {"k": 2}),
    "coverage": (coverage, (_RECOMMENDED, 3), {}),
    "relevant_items": (relevant_items, (_data(),), {}),
    "evaluate": (
        evaluate_at,
        (baseline_fit(), _data(), Interactions.from_triples(["ann"], ["scone"])),
        {"k": 2},
    ),
    "EvaluationReport": (
        EvaluationReport,
        (),
        {
            "k": 2,
            "users": 1,
            "precision": 0.5,
            "recall": 0.5,
            "ndcg": 0.5,
            "map": 0.5,
            "coverage": 0.5,
        },
    ),
    "PopularityBaseline.fit": (baseline_fit, (), {}),
    "PopularityBaseline.recommend_many": (baseline_recommend_many, (), {}),
}
"""Functions and constructors of this primitive's module, swept for library errors only."""
