"""The write paths: check a write's arguments, then append its events to the store.

Every function here runs under the registry's lock and inside
``Store.undo_on_error``: it validates everything before the first append, so a
refused call changes nothing.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import datetime
from typing import Any

import attrs
import numpy as np

from .._checks import check_optional_text, check_text
from .._ids import as_id_list, check_id
from .._time import NEVER, Clock, ensure_aware, later_micros, micros_array, resolve_at, to_micros
from .._types import Int64Array
from ..errors import InvalidInputError
from ._log import GRANT, REQUEST, SUPPRESS, WITHDRAW
from ._status import Policy
from ._store import Store

Contacts = Sequence[Hashable] | np.ndarray[Any, Any]
When = datetime | Sequence[datetime] | np.ndarray[Any, Any] | None


@attrs.frozen
class Provenance:
    """How an event came to be: source, legal basis, notice version, jurisdiction."""

    source: str
    basis: str | None = None
    notice_version: str | None = None
    jurisdiction: str | None = None

    def checked(self, *, basis: bool = False) -> Provenance:
        """``self``, once every field is checked (``basis``: the basis is required)."""
        check_text(self.source, "source")
        if basis or self.basis is not None:
            check_text(self.basis, "basis")
        check_optional_text(self.notice_version, "notice_version")
        check_optional_text(self.jurisdiction, "jurisdiction")
        return self

    def meta(self, store: Store) -> int:
        """The store's metadata index of this provenance."""
        return store.meta_of(self.source, self.basis, self.notice_version, self.jurisdiction)


def is_keyword(source: str) -> bool:
    """Whether ``source`` names an SMS keyword (``apply_keyword`` writes "keyword:<WORD>")."""
    return source.startswith("keyword:")


def channels_of(value: object) -> tuple[str, ...]:
    """One channel, or a non-empty sequence of distinct channels."""
    if isinstance(value, str):
        return (check_text(value, "channel"),)
    if not isinstance(value, Sequence) or not value:
        raise InvalidInputError(
            f"channel: expected a str or a non-empty sequence of str, got {value!r}"
        )
    names = tuple(check_text(name, f"channel[{i}]") for i, name in enumerate(value))
    if len(set(names)) != len(names):
        raise InvalidInputError(f"channel: expected distinct channels, got {list(names)!r}")
    return names


def grant_one(
    store: Store,
    policy: Policy,
    action: np.int8,
    key: tuple[Hashable, str, str],
    provenance: Provenance,
    proof: str | None,
    expires_at: datetime | None,
    now: int,
) -> int:
    """Record one GRANT or REQUEST of ``key`` (contact, purpose, channel); the row written."""
    contact, purpose, channel = key
    check_id(contact, "contact")
    check_text(purpose, "purpose")
    check_text(channel, "channel")
    policy.check_names(purpose, channel)
    provenance.checked(basis=True)
    if proof is not None and not isinstance(proof, str):
        raise InvalidInputError(f"proof: expected a str, got {type(proof).__name__}")
    if expires_at is not None:
        expiry = to_micros(ensure_aware(expires_at, "expires_at"))
        if expiry <= now:
            raise InvalidInputError("expires_at: must be later than the grant itself")
    else:
        basis = provenance.basis or ""
        lifetime = policy.lifetime_us(purpose, basis) if action != REQUEST else None
        expiry = NEVER if lifetime is None else later_micros(now, lifetime)
    pair = store.pair_of(purpose, channel, create=True)
    meta = provenance.meta(store)
    cidx = store.add_contacts([contact], "contact")
    extra: dict[str, Any] = {} if proof is None else {"proof": proof}
    # A keyword reply re-grants what a STOP ended; it is no fresh opt-in after an erasure.
    if action == GRANT and provenance.basis == "express" and not is_keyword(provenance.source):
        extra.update(store.erasures.regrant_extra(int(cidx[0]), now))
    extras = {0: extra} if extra else None
    rows = store.append(cidx, pair, action, np.array([now], np.int64), meta, expiry, extras=extras)
    return int(rows[0])


def record_many(
    store: Store,
    policy: Policy,
    clock: Clock,
    action: np.int8,
    contacts: Contacts,
    purpose: str,
    channel: str | Sequence[str],
    provenance: Provenance,
    expires_at: datetime | None = None,
    at: When = None,
) -> Int64Array:
    """Validate and append one event per contact and channel; the rows written, in order.

    With several channels the rows go channel by channel, in one block: a
    refused block (say, a grant older than a channel's latest event) changes nothing.
    """
    check_text(purpose, "purpose")
    channels = channels_of(channel)
    policy.check_names(purpose, channels)
    # A grant or request without a basis could not be read back (from_state needs one).
    provenance.checked(basis=action in (GRANT, REQUEST))
    items = as_id_list(contacts, "contacts")
    n = len(items)
    if n == 0:
        return np.empty(0, np.int64)
    ts = micros_array(resolve_at(None, clock) if at is None else at, n, "at")
    expiry: int | Int64Array = NEVER
    if expires_at is not None:
        expiry = to_micros(ensure_aware(expires_at, "expires_at"))
        if (ts >= expiry).any():
            raise InvalidInputError("expires_at: must be later than every grant")
    elif action == GRANT and provenance.basis is not None:
        lifetime = policy.lifetime_us(purpose, provenance.basis)
        if lifetime is not None:
            expiry = later_micros(ts, lifetime)
    pairs = [store.pair_of(purpose, name, create=True) for name in channels]
    meta = provenance.meta(store)
    cidx = store.add_contacts(items, "contacts")
    if len(pairs) == 1:
        return store.append(cidx, pairs[0], action, ts, meta, expiry)
    k = len(pairs)
    return store.append(
        np.tile(cidx, k),
        np.repeat(np.asarray(pairs, np.int64), n),
        action,
        np.tile(ts, k),
        meta,
        expiry if isinstance(expiry, int) else np.tile(expiry, k),
    )


def contact_event(
    store: Store,
    action: np.int8,
    contact: Hashable,
    source: str,
    now: int,
    extra: dict[str, Any],
    pair: tuple[str | None, str | None] = (None, None),
) -> int:
    """Record one event about the contact as a whole (or one send); the row written."""
    check_id(contact, "contact")
    check_text(source, "source")
    if "reason" in extra:
        check_text(extra["reason"], "reason")
    cidx = store.add_contacts([contact], "contact")
    rows = store.append(
        cidx,
        store.pair_of(*pair, create=True),
        action,
        np.array([now], np.int64),
        store.meta_of(source, None, None, None),
        extras={0: extra},
    )
    return int(rows[0])


def suppress_many(
    store: Store, clock: Clock, contacts: Contacts, reason: str, source: str, at: When
) -> int:
    """Suppress each contact; the number recorded."""
    check_text(reason, "reason")
    check_text(source, "source")
    items = as_id_list(contacts, "contacts")
    if not items:
        return 0
    ts = micros_array(resolve_at(None, clock) if at is None else at, len(items), "at")
    extra = {"reason": reason}
    cidx = store.add_contacts(items, "contacts")
    meta = store.meta_of(source, None, None, None)
    store.append(cidx, -1, SUPPRESS, ts, meta, extras=dict.fromkeys(range(len(items)), extra))
    return len(items)


def withdraw(
    store: Store,
    contact: Hashable,
    purpose: str | None,
    channel: str | None,
    source: str,
    now: int,
) -> Int64Array:
    """Withdraw every key of the contact that matches; the rows written (at least one)."""
    check_id(contact, "contact")
    check_optional_text(purpose, "purpose")
    check_optional_text(channel, "channel")
    check_text(source, "source")
    cidx = store.contacts.get(contact)
    targets = [
        pair
        for pair, heads in store.key_heads.items()
        if 0 <= cidx < len(heads)
        and heads[cidx] >= 0
        and purpose in (None, store.pairs[pair][0])
        and channel in (None, store.pairs[pair][1])
    ]
    if not targets:
        # Nothing matched: the request itself is still recorded, as proof it was honoured.
        targets = [store.pair_of(purpose, channel, create=True)]
    meta = store.meta_of(source, None, None, None)
    return store.append(
        store.add_contacts([contact] * len(targets), "contact"),
        np.array(sorted(targets), np.int64),
        WITHDRAW,
        np.full(len(targets), now, np.int64),
        meta,
    )
