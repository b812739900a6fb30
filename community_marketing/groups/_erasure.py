"""Erasure of one person from a group (GDPR Art. 17): new parts without them, checked first.

Each part with a row per person is copied without the person's slot (later slots one down),
each log without their rows, the attribute columns without values nobody else holds, and the
join requests and invitations naming them are left out; the group's own parts stay as they
are until :class:`Plan` swaps the copies in. The founder cannot be erased (the group's record
names them for good), nor the last owner. Totals of the others are untouched, and so are
their award ids (the reward ids the brand hands out).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Final

import attrs
import numpy as np

from .._columns import Columns
from .._erased import ErasedIds, Plan, Removed, plain_state_ids
from .._ids import IdIndex
from .._time import from_micros
from .._types import Int64Array
from ..errors import PermissionDeniedError
from ._badges import labelled
from ._membership import Invitations
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
    membership = group._membership
    index = membership.people.get(member)
    if index < 0 and not _pending(group, member):
        return Plan(group, None, erased_of, member, micros, Removed("group", ()), KEEP)
    if index >= 0 and _last_owner(group, index):
        raise PermissionDeniedError(
            f"{member!r} is the last owner of {group._name!r}: transfer ownership first"
        )
    parts, counts = _live_cut(group, member, index)
    kept = {f.name: getattr(group, f.name) for f in attrs.fields(type(group))}
    rebuilt = SimpleNamespace(**{**kept, **parts})
    return Plan(group, rebuilt, erased_of, member, micros, Removed("group", counts), KEEP)


def _last_owner(group: FanGroup, index: int) -> bool:
    """Whether slot ``index`` is the group's only owner (the whole column read only if an owner)."""
    membership, held = group._membership, group._roles.held
    if not (membership.member[index] and held[index] & OWNER_BIT):
        return False
    size = len(membership.people)
    return int(np.count_nonzero(membership.member[:size] & (held[:size] & OWNER_BIT != 0))) == 1


SLOT_ARRAYS: Final = {
    "_membership": ("member", "banned", "joined"),
    "_roles": ("held", "abilities", "rank"),
    "_trust": ("level", "locked", "since"),
    "_ledger": ("reputation", "activity", "last_at", "counts"),
    "_badges": ("awarded",),
    "_cap": ("day", "gained"),
}
"""Each part's arrays with one row per person (a test checks that no other array is)."""

SLOT_LOGS: Final = {"_trust": "history", "_ledger": "log", "_badges": "log"}
"""Each part's log with a ``member`` column of person indices."""


def _live_cut(
    group: FanGroup, member: Hashable, index: int
) -> tuple[dict[str, Any], tuple[tuple[str, int], ...]]:
    """New parts without slot ``index`` (later slots one down) and without the requests and
    invitations naming ``member``; the counts by kind. The group's own parts are untouched.

    The same cut as a trip through ``to_state``, without that trip's copies and checks (the
    trip is the test oracle). Award ids are kept as they are, so the other members' reward
    ids do not change.
    """
    parts: dict[str, Any] = {}
    dropped: dict[str, int] = {}
    for name, arrays in SLOT_ARRAYS.items():
        part = copy.copy(getattr(group, name))
        if index >= 0:
            for array in arrays:
                setattr(part, array, np.delete(getattr(part, array), index, axis=0))
            log_name = SLOT_LOGS.get(name)
            if log_name is not None:
                log, dropped[name] = _log_without(getattr(part, log_name), index)
                setattr(part, log_name, log)
        parts[name] = part
    membership = parts["_membership"]
    was_member = index >= 0 and bool(group._membership.member[index])
    if index >= 0:
        membership.people = membership.people.without(index)
        membership.int_table = None
    requests = {k: r for k, r in membership.requests.items() if not plain_state_ids(k, member)}
    membership.requests = requests
    attributes = 0
    if index >= 0:
        parts["_places"] = places = copy.copy(group._places)
        places.columns = {}
        for key, (values, codes) in group._places.columns.items():
            attributes += int(codes[index] >= 0)
            places.columns[key] = _attribute_without(values, codes, index)
    invitations = parts["_invitations"] = _invitations_without(group._invitations, member)
    counts = (
        ("memberships", int(was_member)),
        ("people", int(index >= 0)),
        ("attributes", attributes),
        ("contributions", dropped.get("_ledger", 0)),
        ("badges", dropped.get("_badges", 0)),
        ("join_requests", len(group._membership.requests) - len(requests)),
        ("invitations", len(group._invitations.items) - len(invitations.items)),
    )
    return parts, counts if index >= 0 else counts[-2:]


def _log_without(log: Columns, index: int) -> tuple[Columns, int]:
    """``log`` without the rows of person ``index``, later persons one down; rows dropped."""
    owner = log["member"]
    keep = owner != index
    out = log.select(keep)
    column = out["member"]
    column -= column > index
    return out, len(log) - len(out)


def _attribute_without(
    values: IdIndex, codes: Int64Array, index: int
) -> tuple[IdIndex, Int64Array]:
    """One attribute column without slot ``index``, and without the values nobody else holds."""
    codes = np.delete(codes, index)
    used = np.unique(codes[codes >= 0])
    if len(used) == values.count:
        return values, codes
    kept = IdIndex(values.ids_at(used), kind=values.kind)
    renumber = np.full(len(values), -1, np.int64)
    renumber[used] = np.arange(len(used))
    return kept, np.where(codes >= 0, renumber[np.maximum(codes, 0)], -1)


def _invitations_without(invitations: Invitations, member: Hashable) -> Invitations:
    """A copy without the invitations addressed to ``member`` or sent by them."""
    out = Invitations(invitations.cap)
    for invitation in invitations.items:
        if not (
            plain_state_ids(invitation.member, member) or plain_state_ids(invitation.by, member)
        ):
            out.add(attrs.evolve(invitation))
    return out


def _pending(group: FanGroup, member: Hashable) -> bool:
    """Whether a join request or an invitation names ``member``."""
    invitations = group._invitations
    named = (group._membership.requests, invitations.invited, invitations.sent_by)
    return any(plain_state_ids(key, member) for keys in named for key in keys)


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
