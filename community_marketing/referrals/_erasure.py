"""Erasure of one person from a graph (GDPR Art. 17): a rebuild without them, checked first.

The graph is dumped (:func:`_state.dump`), the person's row is cut with every friendship,
pending request, right and referral that names them (later rows shift down; a referral's
credit follows its row), and the graph is loaded back through :func:`_state.load`, whose
checks run before anything changes. A referrer's count loses the person's referral with it.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from .._erased import ErasedIds, Plan, Removed
from .._ids import IdIndex
from . import _state
from ._edges import Friendships
from ._members import Members
from ._referral_log import ReferralLog
from ._sparse import pack

if TYPE_CHECKING:
    from ._graph import ReferralGraph

KEEP = ("_clock",)


def erased_of(graph: ReferralGraph) -> ErasedIds:
    """The fingerprints a graph keeps."""
    return graph._members.erased


def holds(graph: ReferralGraph, id: Hashable) -> bool:
    """Whether the graph has a row for ``id``, in O(1)."""
    return graph._members.ids.get(id) >= 0


def plan(graph: ReferralGraph, id: Hashable, micros: int) -> Plan:
    """The erasure of ``id`` checked and prepared; the graph is not changed yet."""
    index = graph._members.ids.get(id)
    if index < 0:
        return Plan(graph, None, erased_of, id, micros, Removed("graph", ()), KEEP)
    state = _state.dump(graph._members, graph._edges, graph._referrals)
    counts = _cut(state, index)
    rebuilt = _Parts(*_read_cut(graph, state, graph._members.ids.without(index)))
    return Plan(graph, rebuilt, erased_of, id, micros, Removed("graph", counts), KEEP)


@attrs.frozen
class _Parts:
    """What :class:`Plan` swaps into the graph: its storage, not its clock."""

    _members: Members = attrs.field(alias="_members")
    _edges: Friendships = attrs.field(alias="_edges")
    _referrals: ReferralLog = attrs.field(alias="_referrals")


def _read_cut(
    graph: ReferralGraph, state: dict[str, Any], ids: IdIndex
) -> tuple[Members, Friendships, ReferralLog]:
    """The storage of a graph's own dump, cut by :func:`_cut`: read back without checks.

    ``_state.load`` checks every field of a state from outside; this one came from the graph
    itself a moment ago, so its ids, order and ranges already hold (``from_state`` of it is
    the test oracle).
    """
    members = Members(ids, state["since_us"], state["told"], erased=graph._members.erased)
    edges = Friendships(pack(state["friend_low"], state["friend_high"]))
    edges.requests = {(i, j): when for i, j, when in state["requests"]}
    edges.rights = {(i, j): bits for i, j, bits in state["rights"]}
    referrals, old = state["referrals"], graph._referrals
    log = ReferralLog(
        old.attribution,
        old.window_us,
        referrals["referrer"].tolist(),
        referrals["referee"].tolist(),
        referrals["at_us"].tolist(),
        referrals["code"],
        referrals["channel"],
        {dst: row for dst, row in state["credit"]},
    )
    return members, edges, log


def _shift(values: Any, index: int) -> Any:
    """Indices after ``index`` one down."""
    values = np.asarray(values, np.int64)
    return values - (values > index)


def _cut(state: dict[str, Any], index: int) -> tuple[tuple[str, int], ...]:
    """Cut row ``index`` and everything naming it from ``state``; the counts by kind."""
    del state["ids"][index]
    state["since_us"] = np.delete(state["since_us"], index)
    state["told"] = np.delete(state["told"], index)
    low, high = state["friend_low"], state["friend_high"]
    friends = (low != index) & (high != index)
    state["friend_low"], state["friend_high"] = (
        _shift(low[friends], index),
        _shift(high[friends], index),
    )
    pairs = {}
    for key in ("requests", "rights"):
        rows = [r for r in state[key] if index not in (r[0], r[1])]
        pairs[key] = len(state[key]) - len(rows)
        state[key] = [[*_shift(r[:2], index).tolist(), r[2]] for r in rows]
    referrals = state["referrals"]
    kept = (referrals["referrer"] != index) & (referrals["referee"] != index)
    new_row = np.cumsum(kept) - 1
    for name in ("referrer", "referee"):
        referrals[name] = _shift(referrals[name][kept], index)
    referrals["at_us"] = referrals["at_us"][kept]
    for name in ("code", "channel"):
        referrals[name] = [v for v, k in zip(referrals[name], kept.tolist(), strict=True) if k]
    state["credit"] = [
        [int(_shift(dst, index)), int(new_row[row])]
        for dst, row in state["credit"]
        if dst != index and kept[row]
    ]
    return (
        ("members", 1),
        ("friendships", int((~friends).sum())),
        ("friend_requests", pairs["requests"]),
        ("friend_rights", pairs["rights"]),
        ("referrals", int((~kept).sum())),
    )
