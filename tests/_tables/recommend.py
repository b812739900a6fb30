"""The bad-input sweep's table for Recommender: a builder and a valid call of every method."""

from __future__ import annotations

from typing import Any

from community_marketing import Recommender, ReferralGraph

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
    "similar_items": (("tea",), {"n": 2}),
    "similar_users": (("ann",), {"n": 2}),
    "update_users": ((["zed", "zed"], ["tea", "jam"]), {"weights": [1.0, 2.0]}),
}


BUILDERS: dict[str, tuple[Builder, dict[str, Call]]] = {
    "Recommender": (_recommender, RECOMMENDER_CALLS)
}

FUNCTIONS: dict[str, FunctionCall] = {}
"""Functions and constructors of this primitive's module, swept for library errors only."""
