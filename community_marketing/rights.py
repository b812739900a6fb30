"""A person's rights across the primitives: forget (erasure), subject_access, readmit.

``forget`` erases a contact from the consent ledger and from every primitive given, or from
none: each primitive's erasure is checked and prepared first (a rebuild without the person,
nothing changed yet); then each is applied, the registry last; if an apply still fails, every
primitive already changed gets its old parts back (in memory, no I/O).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from contextlib import AbstractContextManager, ExitStack
from datetime import datetime
from typing import Any, Final

import attrs

from ._display import short
from ._erased import ErasedIds, Plan, Removed
from ._ids import check_id, plain_id
from ._time import from_micros, resolve_at, to_micros
from .campaign import PresenceLog
from .errors import ConsentRequiredError, InvalidInputError, UnknownIdError
from .groups import FanGroup
from .groups import _erasure as group_erasure
from .optin import OptInRegistry
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
        plans.append(group_erasure.plan(parts["group"], contact, micros))
    if parts["graph"] is not None:
        plans.append(graph_erasure.plan(parts["graph"], contact, micros))
    if parts["recommender"] is not None:
        plans.append(recommender_erasure.plan(parts["recommender"], contact, micros))
    if parts["presence_log"] is not None:
        plans.append(_presence_plan(parts["presence_log"], contact, micros))
    return plans


def _check_parts(
    registry: object, group: object, graph: object, recommender: object, presence_log: object
) -> None:
    """Each primitive of the right type, and the group's registry the one given."""
    for name, value, kind in (
        ("registry", registry, OptInRegistry),
        ("group", group, FanGroup),
        ("graph", graph, ReferralGraph),
        ("recommender", recommender, Recommender),
        ("presence_log", presence_log, PresenceLog),
    ):
        if (value is not None or name == "registry") and not isinstance(value, kind):
            raise InvalidInputError(
                f"{name}: expected {'an' if kind is OptInRegistry else 'a'} {kind.__name__}, "
                f"got {type(value).__name__}"
            )
    own = None if group is None else group_erasure.registry_of(group)  # type: ignore[arg-type]
    if own is not None and own is not registry:
        raise InvalidInputError(
            "registry: the group keeps its consent in another registry; pass that one, so "
            "that the person's consent history goes with the rest"
        )


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
    _check_parts(registry, group, graph, recommender, presence_log)
    # A plan is a rebuild from the primitive as it is now: a write landing between the plan
    # and its apply would be lost, so the primitives that take writes from other threads stay
    # locked from the first plan to the registry's event.
    with ExitStack() as locked:
        for part in (group, registry):
            if part is not None:
                locked.enter_context(part_lock(part))
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


def part_lock(part: FanGroup | OptInRegistry) -> AbstractContextManager[Any]:
    """The lock a primitive holds around its own reads and writes."""
    lock: AbstractContextManager[Any] = part._lock
    return lock


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
    _check_parts(registry, group, graph, recommender, presence_log)
    since = registry.erased_at(contact)
    if since is None:
        raise UnknownIdError("erased contact", contact)
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
    value = plain_id(value)
    return value if value is None or isinstance(value, (str, int, float, bool)) else repr(value)


def _json_safe(value: Any) -> Any:
    """``value`` as JSON has it: lists for tuples, str keys, plain ids; the same after a trip."""
    if isinstance(value, Mapping):
        return {
            key if isinstance(key, str) else str(_plain(key)): _json_safe(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return _plain(value)


def _graph_access(graph: ReferralGraph, contact: Hashable) -> dict[str, Any]:
    if not graph_erasure.holds(graph, contact):
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
    _check_parts(registry, group, graph, recommender, presence_log)
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "contact": _plain(contact),
        "consent": registry.export(contact),
    }
    if group is not None:
        document["group"] = group_erasure.access(group, contact, _plain)
    if graph is not None:
        document["graph"] = _graph_access(graph, contact)
    if recommender is not None:
        document["recommender"] = recommender_erasure.access(recommender, contact, _plain)
    if presence_log is not None:
        document["offers"] = [
            {"at": at.isoformat(), "items": [_plain(i) for i in items]}
            for who, at, items in presence_log.offers()
            if who == contact
        ]
    # The registry's export carries ids as given (tuples, numpy scalars, Decimals): one JSON
    # rendering for every id, so that the document survives json.dumps and comes back equal.
    safe: dict[str, Any] = _json_safe(document)
    return safe
