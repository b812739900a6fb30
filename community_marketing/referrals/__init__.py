"""ReferralGraph: who knows whom, who brought whom, and how far word of mouth travels.

Friendships are mutual and exist only once the other side accepts (or an import says they were
accepted). Each friend grants the other rights one at a time (:class:`FriendRight`). Referrals are
directed and attributed: one referrer per referee, first-touch by default, with self-referrals,
referrals of existing members and referral rings refused (``ReferralRejectedError`` with a
``reason``). Reach, PageRank, communities, cascades and influencer selection run on one sparse
friend matrix.

Where things live
-----------------
- ``_graph.py``: :class:`ReferralGraph`, the face: argument checks, the clock, delegation.
- ``_members.py``: everyone the graph has seen (ids, since when, declared members); the CSR cache.
- ``_edges.py``: friendship links as packed sorted keys, pending requests, friend rights; the CSR.
- ``_referral_log.py``: recording referrals (all or nothing), attribution of credit, chains, trees.
- ``_fraud.py``: referral rings (refused), bursts, fast chains and shared codes (flagged).
- ``_reach.py``: friends of friends, reach, reach of every member.
- ``_centrality.py``: degree and PageRank.
- ``_communities.py``: communities by Leiden, Louvain (``community_marketing._leiden``) or
  connected components.
- ``_cascades.py``: independent cascade and linear threshold simulation, many runs at once.
- ``_influence.py``: seeds by score, or by IMM over reverse-reachable sets.
- ``_growth.py``: viral coefficient K and :func:`project_growth`.
- ``_sparse.py``: the array kernels over the CSR that several families share.
- ``_state.py``: ``to_state`` and ``from_state``.
- ``_values.py``: the value types (FriendRight, Referral, CascadeResult, Influencers...).

Threads: a ``ReferralGraph`` is safe for concurrent reads (reads never mutate shared state beyond
an idempotent cache); writes need the caller's lock.

Examples
--------
>>> from datetime import UTC, datetime
>>> from community_marketing.referrals import ReferralGraph
>>> graph = ReferralGraph(clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
>>> graph.add_friendships([("ann", "bob"), ("bob", "cid"), ("cid", "dan"), ("ann", "eve")])
4
>>> graph.friends_of_friends("ann")
[('cid', 1)]
>>> graph.reach(["ann"], hops=2)
4
>>> _ = graph.record_referral("ann", "bob")
>>> graph.referrer_of("bob")
'ann'
"""

from __future__ import annotations

from .._public import publish
from ._graph import ReferralGraph
from ._growth import project_growth
from ._values import (
    DEFAULT_PROBABILITY,
    Attribution,
    CascadeModel,
    CascadeResult,
    Communities,
    CommunityMethod,
    FriendRight,
    GrowthProjection,
    Influencers,
    Referral,
    ReferralFlag,
    ReferralTree,
    ViralCoefficient,
)

__all__ = [
    "DEFAULT_PROBABILITY",
    "Attribution",
    "CascadeModel",
    "CascadeResult",
    "Communities",
    "CommunityMethod",
    "FriendRight",
    "GrowthProjection",
    "Influencers",
    "Referral",
    "ReferralFlag",
    "ReferralGraph",
    "ReferralTree",
    "ViralCoefficient",
    "project_growth",
]

publish(__name__, *(globals()[name] for name in __all__))
