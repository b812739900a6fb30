"""The bad-input sweep's table for ReferralGraph: a builder and a valid call of every method."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from community_marketing import FriendRight, ReferralGraph

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
    "communities": ((), {}),
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

FUNCTIONS: dict[str, FunctionCall] = {}
"""Functions and constructors of this primitive's module, swept for library errors only."""
