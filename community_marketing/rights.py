"""A person's rights across the primitives: forget (erasure), subject_access, readmit.

``forget`` erases a contact from the consent ledger and from every primitive given, or from
none: each primitive's erasure is checked and prepared first (a rebuild without the person,
nothing changed yet); then each is applied, the registry last; if an apply still fails, every
primitive already changed gets its old parts back (in memory, no I/O).
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Any, Final

import attrs

from ._display import short
from ._erased import ErasedIds, Plan, Removed, fingerprint
from ._ids import check_id
from ._time import from_micros, resolve_at, to_micros
from .campaign import PresenceLog
from .errors import ConsentRequiredError, InvalidInputError, UnknownIdError
from .groups import FanGroup
from .groups import _erasure as group_erasure
from .optin import ConsentAction, OptInRegistry
from .recommend import Recommender
from .recommend import _erasure as recommender_erasure
from .referrals import ReferralGraph
from .referrals import _erasure as graph_erasure

__all__ = ["ErasureReceipt", "forget", "readmit", "subject_access"]

SCHEMA: Final = 1
REGRANT: Final = "express opt-in after erasure"


@attrs.frozen
class ErasureReceipt:
    """What ``forget`` removed from which primitive, when, and what keeps the person suppressed.

    ``fingerprint`` is the registry's keyed hash of the contact (HMAC-SHA256 of its canonical
    id under ``registry.erasure_key``), ``key_id`` the public name of that key.

    Examples
    --------
    >>> from community_marketing import OptInRegistry, forget
    >>> registry = OptInRegistry()
    >>> _ = registry.grant("ann", "news", "email", source="form")
    >>> receipt = forget("ann", registry=registry)
    >>> sorted(receipt.to_dict())
    ['at', 'fingerprint', 'key_id', 'removed']
    """

    at: datetime
    fingerprint: str
    key_id: str
    removed: tuple[Removed, ...] = attrs.field(repr=short)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible data."""
        return {
            "at": self.at.isoformat(),
            "fingerprint": self.fingerprint,
            "key_id": self.key_id,
            "removed": [r.to_dict() for r in self.removed],
        }


def _presence_plan(log: PresenceLog, contact: Hashable, micros: int) -> Plan:
    rebuilt = PresenceLog.from_state(log.to_state())
    removed = rebuilt.erase(contact, at=_moment(micros))
    return Plan(log, rebuilt, _presence_erased, contact, micros, removed)


def _presence_erased(log: PresenceLog) -> ErasedIds:
    return log._erased


def _moment(micros: int) -> datetime:
    return from_micros(micros)


def _plans(contact: Hashable, micros: int, **parts: Any) -> list[Plan]:
    """Every primitive's erasure checked and prepared, in order; nothing changed yet."""
    plans = []
    if parts["group"] is not None:
        with parts["group"]._lock:
            plans.append(group_erasure.plan(parts["group"], contact, micros))
    if parts["graph"] is not None:
        plans.append(graph_erasure.plan(parts["graph"], contact, micros))
    if parts["recommender"] is not None:
        plans.append(recommender_erasure.plan(parts["recommender"], contact, micros))
    if parts["presence_log"] is not None:
        plans.append(_presence_plan(parts["presence_log"], contact, micros))
    return plans


def forget(
    contact: Hashable,
    *,
    registry: OptInRegistry,
    group: FanGroup | None = None,
    graph: ReferralGraph | None = None,
    recommender: Recommender | None = None,
    presence_log: PresenceLog | None = None,
    at: datetime | None = None,
) -> ErasureReceipt:
    """Erase ``contact`` everywhere or nowhere (GDPR Art. 17, CCPA deletion).

    Parameters
    ----------
    contact : hashable
        The person.
    registry : OptInRegistry
        The consent ledger: it records the ``ERASE`` event that keeps the person suppressed.
    group, graph, recommender, presence_log : optional
        The primitives to erase the person from.
    at : datetime, optional
        The moment of the erasure; the registry's clock by default.

    Returns
    -------
    ErasureReceipt

    Raises
    ------
    PermissionDeniedError
        The contact founded the group or is its last owner (nothing is changed).
    InvalidInputError
        ``at`` is earlier than the contact's latest consent event, or a bad id.

    Examples
    --------
    >>> from community_marketing import FanGroup, OptInRegistry, forget
    >>> registry = OptInRegistry()
    >>> group = FanGroup("espresso", "ann", registry=registry)
    >>> _ = group.join("bob", consent=True)
    >>> forget("bob", registry=registry, group=group).to_dict()["removed"][0]["removed"]["memberships"]
    1
    >>> group.is_member("bob"), registry.is_suppressed("bob")
    (False, True)
    """  # noqa: E501
    check_id(contact, "contact")
    when = resolve_at(at, registry.clock)
    latest = max((e.at for e in registry.history(contact)), default=None)
    if latest is not None and latest > when:
        raise InvalidInputError(
            "at: earlier than the latest event of the contact; erasure cannot go back in time"
        )
    micros = to_micros(when)
    plans = _plans(contact, micros, group=group, graph=graph, recommender=recommender,
                   presence_log=presence_log)  # fmt: skip
    done: list[Plan] = []
    try:
        for plan in plans:
            plan.apply()
            done.append(plan)
        event = registry.erase(contact, at=when)
    except BaseException:
        for plan in reversed(done):
            plan.undo()
        raise
    return ErasureReceipt(
        when, event.proof or "", event.key_id or "", tuple(p.removed for p in plans)
    )


def readmit(
    contact: Hashable,
    *,
    registry: OptInRegistry,
    group: FanGroup | None = None,
    graph: ReferralGraph | None = None,
    recommender: Recommender | None = None,
    presence_log: PresenceLog | None = None,
) -> list[str]:
    """Let an erased person be added again, once they opted in afresh after the erasure.

    The registry must hold the contact's express opt-in recorded after their latest erasure
    (an event with reason ``"express opt-in after erasure"``: a scalar ``grant`` with basis
    "express", or a confirmed double opt-in). The primitives' fingerprints are then cleared;
    the names of those that held one are returned.

    Raises
    ------
    ConsentRequiredError
        No such opt-in: nothing is changed.
    UnknownIdError
        The registry holds no erasure of ``contact``.

    Examples
    --------
    >>> from community_marketing import FanGroup, OptInRegistry, forget, readmit
    >>> registry = OptInRegistry()
    >>> group = FanGroup("espresso", "ann", registry=registry)
    >>> _ = group.join("bob", consent=True)
    >>> _ = forget("bob", registry=registry, group=group)
    >>> _ = registry.grant("bob", "news", "email", source="form", basis="express")
    >>> readmit("bob", registry=registry, group=group)
    ['group']
    >>> group.join("bob", consent=True)
    True
    """
    check_id(contact, "contact")
    proof = fingerprint(registry.erasure_key, contact)
    erased = [
        e.at for e in registry.events() if e.action is ConsentAction.ERASE and e.proof == proof
    ]
    if not erased:
        raise UnknownIdError("erased contact", contact)
    since = max(erased)
    if not any(e.reason == REGRANT and e.at >= since for e in registry.history(contact)):
        raise ConsentRequiredError(
            f"{contact!r}: no express opt-in recorded after the erasure; readmission refused"
        )
    found = []
    for name, part in (("group", group), ("graph", graph), ("recommender", recommender),
                       ("presence_log", presence_log)):  # fmt: skip
        if part is not None and _erased_of(part).readmit(contact):
            found.append(name)
    return found


def _erased_of(part: Any) -> ErasedIds:
    if isinstance(part, FanGroup):
        return group_erasure.erased_of(part)
    if isinstance(part, ReferralGraph):
        return graph_erasure.erased_of(part)
    if isinstance(part, Recommender):
        return recommender_erasure.erased_of(part)
    return _presence_erased(part)


def _plain(value: Any) -> Any:
    """A JSON-compatible id: str, int, float, bool and None as they are, else its repr."""
    return value if value is None or isinstance(value, (str, int, float, bool)) else repr(value)


def _group_access(group: FanGroup, contact: Hashable) -> dict[str, Any]:
    if not group.is_member(contact):
        request = group.join_request_of(contact)
        pending = {} if request is None else {"join_request": {
            "answers": list(request.answers), "requested_at": request.requested_at.isoformat()
        }}  # fmt: skip
        return {"member": False, "banned": group.is_banned(contact), **pending}
    return {
        "member": True,
        "joined_at": group.joined_at(contact).isoformat(),
        "display_name": group.display_name(contact),
        "roles": [r.name for r in group.roles_of(contact)],
        "attributes": {k: _plain(v) for k, v in group.attributes_of(contact).items()},
        "reputation": group.reputation(contact),
        "contributions": group.contributions(contact),
        "badges": [b.name for b in group.badges(contact)],
        "rewards_due": [r.badge for r in group.rewards_due() if r.member == contact],
    }


def _graph_access(graph: ReferralGraph, contact: Hashable) -> dict[str, Any]:
    if contact not in graph.ids():
        return {"known": False}
    return {
        "known": True,
        "friends": [_plain(f) for f in graph.friends(contact)],
        "pending_requests": [_plain(f) for f in graph.pending_requests(contact)],
        "referred_by": _plain(graph.referrer_of(contact)),
        "referred": [
            {"referee": _plain(r.referee), "at": r.at.isoformat()}
            for r in graph.referrals_of(contact)
        ],
    }


def _recommender_access(model: Recommender, contact: Hashable) -> dict[str, Any]:
    fitted = model._fitted
    index = -1 if fitted is None else fitted.users.get(contact)
    if fitted is None or index < 0 or fitted.user_items is None:
        return {"interactions": []}
    row = fitted.user_items[index]
    items = fitted.items.ids_at(row.indices)
    return {
        "interactions": [
            {"item": _plain(i), "weight": float(w)}
            for i, w in zip(items, row.data.tolist(), strict=True)
        ]
    }


def subject_access(
    contact: Hashable,
    *,
    registry: OptInRegistry,
    group: FanGroup | None = None,
    graph: ReferralGraph | None = None,
    recommender: Recommender | None = None,
    presence_log: PresenceLog | None = None,
) -> dict[str, Any]:
    """Everything held about ``contact``, as one JSON-compatible document (Art. 15 and 20).

    Keys: ``schema``, ``contact``, ``consent`` (the registry's :meth:`OptInRegistry.export`,
    with its events as proof), and ``group``, ``graph``, ``recommender``, ``offers`` for the
    primitives given.

    Raises
    ------
    InvalidInputError
        A bad id.

    Examples
    --------
    >>> import json
    >>> from community_marketing import OptInRegistry, subject_access
    >>> registry = OptInRegistry()
    >>> _ = registry.grant("ann", "news", "email", source="form")
    >>> document = subject_access("ann", registry=registry)
    >>> document["schema"], json.loads(json.dumps(document)) == document
    (1, True)
    """
    check_id(contact, "contact")
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "contact": _plain(contact),
        "consent": registry.export(contact),
    }
    if group is not None:
        document["group"] = _group_access(group, contact)
    if graph is not None:
        document["graph"] = _graph_access(graph, contact)
    if recommender is not None:
        document["recommender"] = _recommender_access(recommender, contact)
    if presence_log is not None:
        document["offers"] = [
            {"at": at.isoformat(), "items": [_plain(i) for i in items]}
            for who, at, items in presence_log.offers()
            if who == contact
        ]
    return document
