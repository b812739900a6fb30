"""The bad-input sweep's table for ReferralGraph: a builder and a valid call of every method."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import timedelta
from typing import Any

from community_marketing import (
    CampaignPlan,
    ControlGroup,
    FanGroup,
    FriendRight,
    Interactions,
    OptInRegistry,
    PresenceLog,
    Recommender,
    ReferralGraph,
    holdout_size,
    measure_campaign,
    niche_audiences,
    niches,
    offer_on_presence,
    offers_on_presence,
    plan_campaign,
    project_growth,
)
from community_marketing.datasets import synthetic_community

from .._sweep_cases import T0, Builder, Call, Clock, FunctionCall


def _graph(clock: Clock) -> tuple[ReferralGraph, dict[str, Any]]:
    graph = ReferralGraph(clock=clock)
    graph.add_friendships([("ann", "bob"), ("bob", "cid"), ("cid", "dan"), ("dan", "eve")], at=T0)
    graph.record_referrals(["ann", "ann", "bob"], ["bob", "cid", "dan"], at=T0, codes=["a1"] * 3)
    graph.request_friendship("eve", "ann", at=T0)
    graph.grant_right("ann", "bob", FriendRight.SEE_ONLINE)
    return graph, {}


GRAPH_CALLS: dict[str, Call] = {
    "accept_friendship": (("ann", "eve"), {}),
    "add_friendships": (([("eve", "zed")],), {}),
    "add_members": ((["zed"],), {}),
    "adjacency": ((), {}),
    "are_friends": (("ann", "bob"), {}),
    "communities": (
        (),
        {"method": "leiden", "resolution": 1.0, "random_state": 0, "backend": "scipy"},
    ),
    "decline_friendship": (("ann", "eve"), {}),
    "degree": (("bob",), {}),
    "degrees": ((), {}),
    "friends": (("bob",), {}),
    "friends_of_friends": (("ann",), {"n": 3}),
    "friends_with_right": (("ann", FriendRight.SEE_ONLINE), {}),
    "grant_right": (("bob", "cid", FriendRight.SEE_ON_MAP), {}),
    "has_right": (("ann", "bob", FriendRight.SEE_ONLINE), {}),
    "ids": ((), {}),
    "influencers": (
        (2,),
        {"method": "cascade", "probability": 0.2, "random_state": 0, "max_samples": 2000},
    ),
    "pagerank": ((), {"damping": 0.85}),
    "pending_requests": (("ann",), {}),
    "reach": ((["ann"],), {"hops": 2}),
    "reach_all": ((), {"hops": 2}),
    "record_referral": (("eve", "zed"), {"code": "e1", "channel": "sms"}),
    "record_referrals": ((["eve"], ["zed"]), {"codes": ["e1"], "channels": ["sms"]}),
    "referral_chain": (("dan",), {}),
    "referral_counts": ((), {}),
    "referral_history": ((), {}),
    "referral_tree": (("ann",), {}),
    "referrals_of": (("ann",), {}),
    "referrer_of": (("bob",), {}),
    "remove_friendship": (("ann", "bob"), {}),
    "request_friendship": (("cid", "eve"), {}),
    "revoke_right": (("ann", "bob", FriendRight.SEE_ONLINE), {}),
    "rights": (("ann", "bob"), {}),
    "simulate_cascade": (
        (["ann"],),
        {"probability": 0.3, "runs": 5, "random_state": 0, "max_steps": 10},
    ),
    "suspicious_referrals": ((), {"burst": 2, "window": timedelta(hours=1)}),
    "viral_coefficient": ((), {"start": T0 + timedelta(hours=1), "end": T0 + timedelta(days=1)}),
}


BUILDERS: dict[str, tuple[Builder, dict[str, Call]]] = {"ReferralGraph": (_graph, GRAPH_CALLS)}


class _ForgetfulLog(PresenceLog):
    """Remembers no offer, so that one accepted bad value cannot mask the next one's breach
    behind a cooldown or a refusal of earlier events."""

    def _record(self, customer: Hashable, at: int, items: tuple[Hashable, ...]) -> None:
        return None


def _campaign_world() -> dict[str, Any]:
    """The small objects the compositions need, built once at import."""
    fans = ["ann", "bob", "cid", "dan", "eve"]
    recommender = Recommender.from_factors(
        fans, ["tea", "jam"], [[5.0], [4.0], [3.0], [2.0], [1.0]], [[1.0], [0.5]]
    )
    graph = ReferralGraph()
    graph.add_friendships([("cid", "ann"), ("cid", "bob"), ("cid", "dan"), ("dan", "eve")], at=T0)
    registry = OptInRegistry()
    for channel in ("email", "push"):
        registry.grant_many(fans, "launches", channel, basis="express", source="form", at=T0)
    group = FanGroup("fans", "ann", clock=Clock())
    plan = CampaignPlan(
        item="tea", purpose="launches", channel="email", at=T0,
        targets=(("ann", 1.0), ("bob", 0.9), ("cid", 0.8)), seeds=("cid",),
        seed_method="cascade", expected_reach=None, reach_std=None, reach_model=None,
        probability=0.05, runs=1, excluded={}, considered=5, parameters={},
        control=("dan", "eve"),
    )  # fmt: skip
    conversions = (["ann", "dan", "bob"], [T0 + timedelta(hours=h) for h in (1, 2, 3)])
    held = Interactions.from_triples(fans, ["tea", "tea", "jam", "jam", "tea"])
    niche_model = Recommender.from_factors(
        fans, ["tea", "jam"], [[1.0]] * 5, [[1.0], [0.5]], interactions=held
    )
    group.join_many(fans[1:], attributes={"region": ["N", "N", "S", "S"]})
    return {
        "communities": graph.communities(method="components"),
        "niche_model": niche_model,
        "recommender": recommender,
        "graph": graph,
        "registry": registry,
        "group": group,
        "plan": plan,
        "conversions": conversions,
    }


_WORLD = _campaign_world()
_LATER = T0 + timedelta(hours=1)

FUNCTIONS: dict[str, FunctionCall] = {
    "ReferralGraph": (ReferralGraph, (), {"attribution": "window", "window": timedelta(days=1)}),
    "ReferralGraph.from_state": (
        ReferralGraph.from_state,
        (_graph(Clock())[0].to_state(),),
        {"clock": Clock()},
    ),
    "project_growth": (project_growth, (1.5, 3, 10.0), {}),
    "plan_campaign": (
        plan_campaign,
        ("tea",),
        {
            "recommender": _WORLD["recommender"],
            "registry": _WORLD["registry"],
            "purpose": "launches",
            "channel": "email",
            "graph": _WORLD["graph"],
            "group": None,
            "budget": 4,
            "seeds": 1,
            "probability": 0.3,
            "runs": 5,
            "at": _LATER,
            "random_state": 0,
            "holdout": 0.3,
            "holdout_key": "k",
            "control_group": ControlGroup("brand", 0.2),
            "communities": _WORLD["communities"],
            "community": 0,
        },
    ),
    "niches": (
        niches,
        (_WORLD["communities"],),
        {
            "recommender": _WORLD["niche_model"],
            "group": _WORLD["group"],
            "attribute": "region",
            "registry": _WORLD["registry"],
            "purpose": "launches",
            "channel": "email",
            "at": _LATER,
            "top": 2,
            "min_holders": 1,
            "min_size": 1,
        },
    ),
    "niche_audiences": (
        niche_audiences,
        ("tea",),
        {
            "communities": _WORLD["communities"],
            "recommender": _WORLD["niche_model"],
            "n": 2,
            "min_holders": 1,
        },
    ),
    "offer_on_presence": (
        offer_on_presence,
        ("ann",),
        {
            "recommender": _WORLD["recommender"],
            "registry": _WORLD["registry"],
            "purpose": "launches",
            "channel": "push",
            "log": _ForgetfulLog(),
            "at": _LATER,
            "last_items": ["tea"],
            "n": 1,
            "cooldown": timedelta(hours=1),
            "blend": 0.5,
        },
    ),
    "offers_on_presence": (
        offers_on_presence,
        ([("ann", _LATER), ("bob", _LATER)],),
        {
            "recommender": _WORLD["recommender"],
            "registry": _WORLD["registry"],
            "purpose": "launches",
            "channel": "push",
            "log": _ForgetfulLog(),
            "last_items": {"ann": ["tea"]},
            "n": 1,
            "cooldown": timedelta(hours=1),
            "blend": 0.5,
        },
    ),
    "measure_campaign": (
        measure_campaign,
        (_WORLD["plan"], _WORLD["conversions"]),
        {
            "graph": _WORLD["graph"],
            "start": T0,
            "end": T0 + timedelta(days=1),
            "confidence": 0.9,
        },
    ),
    "holdout_size": (holdout_size, (0.05, 0.01), {"alpha": 0.05, "power": 0.8, "ratio": 2.0}),
    "ControlGroup": (ControlGroup, ("brand", 0.1), {}),
    "synthetic_community": (
        synthetic_community,
        (30, 10),
        {
            "n_clusters": 3,
            "mean_friends": 3.0,
            "interactions_per_member": 4.0,
            "random_state": 0,
            "start": T0,
        },
    ),
}
"""Functions and constructors of this primitive's module, swept for library errors only."""
