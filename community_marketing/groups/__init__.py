"""FanGroup: the brand's community, joined by opt-in, run by roles, kept alive by rewards.

A person joins a brand's group of fans by explicit consent; from then on the brand may stay in
touch for the group's purpose. The group has owners, roles that bundle :class:`Ability` flags,
optional fees, closed enrollment with screening questions, single-use invitations, a ledger of
contributions that earns reputation, trust levels and badges, and a notice that reaches exactly the
members the consent registry allows right now. The library sends nothing.

Members are any hashable id. Inside, each person the group has seen gets a dense index; per-person
state lives in numpy columns, so bulk imports, leaderboards, notices and hotspots over a million
members are vectorized.

Where things live
-----------------
- ``_group.py``: :class:`FanGroup`, the face: argument checks, the lock, the clock, delegation.
- ``_membership.py``: enrollment, who belongs or is banned, requests, invitations, registry link.
- ``_roles.py``: roles as bundles of :class:`Ability` flags with a rank; no escalation of rights.
- ``_trust.py``: trust levels per person, locks and the history of changes.
- ``_trust_rules.py``: re-evaluating every level at a moment, vectorized; levels set by hand.
- ``_ledger.py``: contributions, points, reputation, counts and leaderboards.
- ``_reputation.py``: the daily reputation cap in each member's day, and decay.
- ``_setup.py``: the empty parts built from checked settings.
- ``_exits.py``: leaving and banning.
- ``_join_rules.py``: requests to join approved or declined at once by rule.
- ``_referral_rewards.py``: a referral graph's referrals credited, flagged ones left out.
- ``_badges.py``: badge rules, automatic and manual awards, revocations, the award log.
- ``_badge_rules.py``: re-evaluating every badge rule at a moment (windows, revocation).
- ``_rewards.py``: rewards due with badges, and settling them once handed out.
- ``_places.py``: member attributes (city, region, nickname) and hotspots.
- ``_state.py``: ``to_state`` and ``from_state``.
- ``_values.py``: the value types (Ability, Role, BadgeRule, Reward, TrustPolicy...).

Examples
--------
>>> from datetime import UTC, datetime
>>> from community_marketing.groups import Ability, FanGroup
>>> now = datetime(2026, 1, 1, tzinfo=UTC)
>>> group = FanGroup("espresso", "ann", clock=lambda: now)
>>> group.join("bob")
True
>>> group.assign_role("ann", "bob", "Moderator")
>>> group.can("bob", Ability.REMOVE), group.can("bob", Ability.BAN)
(True, False)
>>> _ = group.record_contribution("bob", "accepted_answer")
>>> group.reputation("bob")
15
"""

from __future__ import annotations

from .._public import publish
from ._group import FanGroup
from ._places import RisingArea
from ._values import (
    DEFAULT_POINTS,
    Ability,
    Badge,
    BadgeRule,
    BadgeTier,
    Hotspot,
    JoinRequest,
    JoinRule,
    ReputationPolicy,
    Reward,
    RewardDue,
    Role,
    Standing,
    TrustChange,
    TrustPolicy,
    TrustRequirement,
)

__all__ = [
    "DEFAULT_POINTS",
    "Ability",
    "Badge",
    "BadgeRule",
    "BadgeTier",
    "FanGroup",
    "Hotspot",
    "JoinRequest",
    "JoinRule",
    "ReputationPolicy",
    "Reward",
    "RewardDue",
    "RisingArea",
    "Role",
    "Standing",
    "TrustChange",
    "TrustPolicy",
    "TrustRequirement",
]

publish(__name__, *(globals()[name] for name in __all__))
