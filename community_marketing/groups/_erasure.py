"""Erasure of one person from a group (GDPR Art. 17): a rebuild without them, checked first.

The group is written out with :func:`_state.to_state`, the person's slot and every row that
names them are cut (index columns shift down), and the group is read back through
:func:`_state.from_state`, whose checks run before anything changes. The founder cannot be
erased (the group's record names them for good), nor the last owner. Contribution and badge
rows of the person go with them; totals of the others are untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import numpy as np

from .._erased import ErasedIds, Plan, Removed, plain_state_ids
from .._time import from_micros
from ..errors import PermissionDeniedError
from . import _state
from ._badges import labelled
from ._values import OWNER_BIT

if TYPE_CHECKING:
    from ..optin import OptInRegistry
    from ._group import FanGroup

KEEP = ("_lock", "_clock")


def erased_of(group: FanGroup) -> ErasedIds:
    """The fingerprints a group keeps."""
    return group._membership.erased


def registry_of(group: FanGroup) -> OptInRegistry | None:
    """The registry the group keeps its members' consent in, if any."""
    return group._consent.registry


def plan(group: FanGroup, member: Hashable, micros: int) -> Plan:
    """The erasure of ``member`` checked and prepared; the group is not changed yet."""
    if plain_state_ids(group._founder, member):
        raise PermissionDeniedError(
            f"{member!r} founded {group._name!r} and cannot be erased from it"
        )
    index = group._membership.people.get(member)
    if index < 0 and not _pending(group, member):
        return Plan(group, None, erased_of, member, micros, Removed("group", ()), KEEP)
    state = _state.to_state(group)
    if index >= 0:
        held = np.asarray(state["roles_held"], np.int64)
        member_now = np.asarray(state["member"], np.bool_)
        owners = np.flatnonzero(member_now & ((held & OWNER_BIT) != 0))
        if owners.tolist() == [index]:
            raise PermissionDeniedError(
                f"{member!r} is the last owner of {group._name!r}: transfer ownership first"
            )
        counts = _cut(state, member, index)
    else:
        # Someone who only asked to join, or was only invited, has no slot: their request
        # (with its answers) and their invitations are all the group holds of them.
        counts = _cut_pending(state, member)
    rebuilt = _state.from_state(type(group), state, group._consent.registry, group._clock)
    return Plan(group, rebuilt, erased_of, member, micros, Removed("group", counts), KEEP)


def _cut(state: dict[str, Any], member: Hashable, index: int) -> tuple[tuple[str, int], ...]:
    """Cut slot ``index`` and the rows naming ``member`` from ``state``; the counts by kind."""
    was_member = int(state["member"][index])
    for key in ("people", "member", "banned", "joined_at", "roles_held", "trust_level", "awarded"):
        del state[key][index]
    attributes = sum(_cut_attribute(column, index) for column in state["attributes"].values())
    contributions = _cut_log(state["contributions"], index)
    badges = _cut_log(state["badges"], index)
    counts = (
        ("memberships", was_member),
        ("people", 1),
        ("attributes", attributes),
        ("contributions", contributions),
        ("badges", badges),
    )
    return counts + _cut_pending(state, member)


def _pending(group: FanGroup, member: Hashable) -> bool:
    """Whether a join request or an invitation names ``member``."""
    invitations = group._invitations
    named = (group._membership.requests, invitations.invited, invitations.sent_by)
    return any(plain_state_ids(key, member) for keys in named for key in keys)


def _cut_pending(state: dict[str, Any], member: Hashable) -> tuple[tuple[str, int], ...]:
    """Cut the join requests and invitations naming ``member`` from ``state``; their counts."""
    requests = [r for r in state["requests"] if not plain_state_ids(r["member"], member)]
    invitations = [
        i
        for i in state["invitations"]
        if not (plain_state_ids(i["member"], member) or plain_state_ids(i["by"], member))
    ]
    counts = (
        ("join_requests", len(state["requests"]) - len(requests)),
        ("invitations", len(state["invitations"]) - len(invitations)),
    )
    state["requests"], state["invitations"] = requests, invitations
    return counts


def _cut_log(log: dict[str, list[Any]], index: int) -> int:
    """Drop the rows of ``index`` from a columnar log and shift later indices; rows dropped."""
    owner = np.asarray(log["member"], np.int64)
    keep = owner != index
    for name, column in log.items():
        log[name] = np.asarray(column)[keep].tolist() if len(column) else []
    kept = owner[keep]
    log["member"] = (kept - (kept > index)).tolist()
    return int((~keep).sum())


def _cut_attribute(column: dict[str, list[Any]], index: int) -> int:
    """Cut slot ``index`` of one attribute column, and the values nobody else holds."""
    codes = column["codes"]
    had = int(codes.pop(index) >= 0)
    used = sorted({c for c in codes if c >= 0})
    renumber = {old: new for new, old in enumerate(used)}
    column["values"] = [column["values"][old] for old in used]
    column["codes"] = [renumber.get(c, -1) for c in codes]
    return had


def access(group: FanGroup, person: Hashable, plain: Callable[[Any], Any]) -> dict[str, Any]:
    """Everything the group holds of ``person`` (Art. 15), member or not; ids through ``plain``.

    The same rows :func:`plan` cuts: the person's slot (membership, ban, join time, roles,
    attributes, reputation, contributions, badges and rewards), their join request with its
    answers, and the invitations addressed to them or sent by them.
    """
    membership, index = group._membership, group._membership.people.get(person)
    document: dict[str, Any] = {"member": False, "banned": False}
    if index >= 0:
        member = bool(membership.member[index])
        held = int(group._roles.held[index])
        rows = group._badges.rows_of(index)
        badges = group._badges.badges_from(rows, membership.people)
        settled = group._badges.log["settled"][rows].tolist()
        nickname = group._places.value(index, "nickname")
        document = {
            "member": member,
            "banned": bool(membership.banned[index]),
            "joined_at": from_micros(int(membership.joined[index])).isoformat() if member else None,
            "roles": [r.name for i, r in enumerate(group._roles.role_list) if held >> i & 1],
            "display_name": labelled(str(nickname if nickname is not None else person), badges),
            "attributes": {k: plain(v) for k, v in group._places.of(index).items()},
            "reputation": int(group._ledger.reputation[index]),
            "contributions": dict(
                zip(group._ledger.kinds, group._ledger.counts[index].tolist(), strict=True)
            ),
            "badges": [b.name for b in badges],
            "rewards_due": [b.name for b, done in zip(badges, settled, strict=True) if not done],
        }
    request = next((r for k, r in membership.requests.items() if plain_state_ids(k, person)), None)
    document["join_request"] = (
        None
        if request is None
        else {
            "answers": list(request.answers),
            "at": from_micros(request.at).isoformat(),
            "fee_paid": request.fee_paid,
        }
    )
    invitations = group._invitations.items
    document["invitations_received"] = [
        {"by": plain(i.by), "at": from_micros(i.created_at).isoformat(), "used": i.used}
        for i in invitations
        if plain_state_ids(i.member, person)
    ]
    document["invitations_sent"] = sum(1 for i in invitations if plain_state_ids(i.by, person))
    return document
