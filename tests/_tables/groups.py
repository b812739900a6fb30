"""The bad-input sweep's table for FanGroup: a builder and a valid call of every method."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from community_marketing import (
    Ability,
    BadgeRule,
    BadgeTier,
    FanGroup,
    JoinRule,
    OptInRegistry,
    ReferralGraph,
    ReputationPolicy,
    Reward,
    Role,
    TrustPolicy,
    TrustRequirement,
)

from .._sweep_cases import T0, Builder, Call, Clock, FunctionCall


def _group(clock: Clock) -> tuple[FanGroup, dict[str, Any]]:
    registry = OptInRegistry(clock=clock)
    group = FanGroup(
        "espresso",
        "ann",
        registry=registry,
        purpose="group:espresso",
        questions=("Why?",),
        open_enrollment=True,
        clock=clock,
        badge_rules=(BadgeRule("helper", BadgeTier.BRONZE, 2, kind="answer"),),
    )
    group.join_many(["bob", "cid", "dan"], attributes={"city": ["Lyon", "Paris", "Lyon"]}, at=T0)
    group.define_role("ann", "mod", Ability.INVITE | Ability.APPROVE, rank=5)
    group.assign_role("ann", "bob", "mod")
    group.record_contributions(["bob", "cid", "bob"], "answer", at=T0)
    token = group.invite("ann", "eve", at=T0)
    graph = ReferralGraph()
    graph.record_referral("bob", "newcomer", at=T0)
    return group, {"token": token, "registry": registry, "graph": graph}


GROUP_CALLS: dict[str, Call] = {
    "abilities_of": (("bob",), {}),
    "accept_invitation": ((lambda c: c["token"],), {}),
    "add_badge_rule": (("ann", BadgeRule("regular", BadgeTier.SILVER, 1, kind="answer")), {}),
    "assign_role": (("ann", "cid", "mod"), {}),
    "attributes_of": (("bob",), {}),
    "award_badge": (("ann", "cid", "helper"), {}),
    "badge_rules": ((), {}),
    "badges": (("bob",), {}),
    "ban": (("ann", "dan"), {}),
    "can": (("bob", Ability.INVITE), {}),
    "contributions": (("bob",), {}),
    "define_role": (("ann", "host", Ability.SEND_NOTICES), {"rank": 6}),
    "display_name": (("bob",), {}),
    "hotspots": (("city",), {"top": 3, "since": T0 - timedelta(days=1), "min_members": 1}),
    "rising_areas": (
        ("city",),
        {"period": timedelta(days=7), "at": T0 + timedelta(days=1), "min_members": 0},
    ),
    "invite": (("ann", "zed"), {"expires_in": timedelta(days=2)}),
    "is_banned": (("dan",), {}),
    "is_member": (("bob",), {}),
    "join": (("zed",), {"attributes": {"city": "Lyon"}}),
    "join_many": ((["zed", "zoe"],), {"attributes": {"city": ["Lyon", "Nice"]}}),
    "joined_at": (("bob",), {}),
    "leaderboard": ((3,), {"since": T0 - timedelta(days=1)}),
    "leave": (("cid",), {}),
    "mark_handed_out": (([0],), {}),
    "members": ((), {}),
    "notice": (("ann", "hello"), {}),
    "owners": ((), {}),
    "pending_requests": (("ann",), {}),
    "record_contribution": (("cid", "answer"), {"weight": 2}),
    "record_contributions": ((["cid", "dan"], ["answer", "post"]), {"weights": [1, 2]}),
    "remove": (("ann", "dan"), {}),
    "reputation": (("bob",), {"at": T0}),
    "require": (("bob", Ability.INVITE), {}),
    "revoke_role": (("ann", "bob", "mod"), {}),
    "rewards_due": ((), {}),
    "role_of": (("bob",), {}),
    "roles": ((), {}),
    "roles_of": (("bob",), {}),
    "set_attributes": (("bob", {"city": "Nice"}), {}),
    "transfer_ownership": (("ann", "bob"), {"keep": True}),
    "trust_level": (("bob",), {}),
    "evaluate_trust": ((), {"at": T0 + timedelta(days=1)}),
    "evaluate_badges": ((), {"at": T0 + timedelta(days=1)}),
    "credit_referrals": (
        (lambda c: c["graph"],),
        {"kind": "answer", "qualified": {"newcomer"}, "at": T0 + timedelta(days=1)},
    ),
    "set_trust_level": (("ann", "cid", 2), {"lock": False, "at": T0}),
    "trust_history": (("bob",), {}),
    "unban": (("ann", "dan"), {}),
}


def _closed_group(clock: Clock) -> tuple[FanGroup, dict[str, Any]]:
    group = FanGroup("vinyl", "ann", open_enrollment=False, questions=("Why?",), clock=clock)
    group.join_many(["bob"], by="ann", at=T0)
    group.request_to_join("cid", answers=["music"], at=T0)
    group.request_to_join("dan", answers=["jazz"], at=T0)
    return group, {}


CLOSED_GROUP_CALLS: dict[str, Call] = {
    "approve": (("ann", "cid"), {}),
    "reject": (("ann", "dan"), {}),
    "pending_requests": (("ann",), {}),
    "join_request_of": (("cid",), {}),
    "request_to_join": (
        ("zed",),
        {
            "answers": ["because"],
            "fee_paid": 0,
            "attributes": {"region": "FR"},
            "trust_elsewhere": 1,
        },
    ),
    "join_many": ((["zed"],), {"by": "ann"}),
}


BUILDERS: dict[str, tuple[Builder, dict[str, Call]]] = {
    "FanGroup": (_group, GROUP_CALLS),
    "FanGroup(closed)": (_closed_group, CLOSED_GROUP_CALLS),
}


def _state() -> dict[str, Any]:
    group, _ = _group(Clock())
    return group.to_state()


FUNCTIONS: dict[str, FunctionCall] = {
    "FanGroup": (
        FanGroup,
        ("espresso", "ann"),
        {
            "registry": OptInRegistry(clock=Clock()),
            "purpose": "group:espresso",
            "channels": ("in_app", "email"),
            "open_enrollment": False,
            "enrollment_fee": 5,
            "creation_fee": 10.5,
            "questions": ("Why?",),
            "invite_daily_cap": 3,
            "points": {"answer": 5, "post": 2},
            "trust": TrustPolicy((10, 100), unlocks=(Ability.NONE, Ability.INVITE)),
            "reputation": ReputationPolicy(200, zone="Europe/Paris", half_life=timedelta(days=9)),
            "badge_rules": (BadgeRule("helper", BadgeTier.BRONZE, 2, kind="answer"),),
            "join_rules": (JoinRule("approve", min_trust=3),),
            "clock": Clock(),
        },
    ),
    "FanGroup.from_state": (
        FanGroup.from_state,
        (_state(),),
        {"registry": OptInRegistry(clock=Clock()), "clock": Clock()},
    ),
    "BadgeRule": (
        BadgeRule,
        ("helper", "silver", 10),
        {
            "kind": "answer",
            "repeatable": True,
            "reward": Reward("trial", "grinder"),
            "window": timedelta(days=30),
            "revocable": True,
        },
    ),
    "Reward": (Reward, ("discount", 15), {}),
    "TrustPolicy": (
        TrustPolicy,
        ((10, 100),),
        {
            "low_water": 0.5,
            "unlocks": (Ability.NONE, Ability.INVITE),
            "requirements": (TrustRequirement({"answer": 1}), TrustRequirement(days_active=2)),
            "grace": timedelta(days=14),
            "flag_kind": "flagged",
        },
    ),
    "Role": (Role, ("Greeter", Ability.INVITE), {"rank": 10}),
    "JoinRule": (
        JoinRule,
        ("approve",),
        {"attribute": "region", "values": ["FR"], "min_trust": 2, "invited": False},
    ),
    "TrustRequirement": (
        TrustRequirement,
        ({"answer": 3},),
        {"days_active": 2, "max_flagged": 1, "window": timedelta(days=30), "manual": False},
    ),
    "ReputationPolicy": (
        ReputationPolicy,
        (200,),
        {"zone": "Europe/Paris", "zone_attribute": "tz", "half_life": timedelta(days=30)},
    ),
}
"""Functions and constructors of this primitive's module, swept for library errors only."""
