"""Erasure (GDPR Art. 17): keyed fingerprints of erased ids, and the suppression they leave.

An erased contact's rows become tombstones and the id is forgotten; what stays is
an HMAC of the id under the registry's ``erasure_key``. The same id imported again
is suppressed from the moment of erasure until it gives a new *express* grant.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Final

import numpy as np

from .._erased import fingerprint, key_id
from .._ids import IdIndex
from .._time import NEVER
from .._types import Int64Array
from ..errors import InvalidInputError
from ._log import ERASE, TOMBSTONE

if TYPE_CHECKING:
    from ._store import Store
    from ._tokens import Tokens


REGRANT: Final = "express opt-in after erasure"
"""The ``reason`` of the one kind of event that lifts an erasure's suppression: the
contact's own express opt-in (a scalar ``grant`` with basis "express", or a confirmed
double opt-in) recorded after the erasure. Imports never carry it, so no import lifts
an erasure, and neither does an SMS keyword reply (START or YES re-grants what a STOP
ended, which after an erasure was only an import); the mark makes the lift visible in the
history and survive every rebuild."""


class Erasures:
    """The fingerprints of erased ids, and which live contacts they still suppress.

    Parameters
    ----------
    key : bytes
        Key of the keyed hash (at least 16 bytes).
    """

    __slots__ = ("erased", "erased_at", "key", "last", "last_at", "regrant_at")

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.erased: dict[str, int] = {}
        """Fingerprint -> moment of its first erasure (it suppresses from then on)."""
        self.erased_at: dict[int, int] = {}
        """Contact index of a re-imported erased id -> moment of its first erasure."""
        self.last: dict[str, int] = {}
        """Fingerprint -> moment of its latest erasure: nothing may be dated before it."""
        self.last_at: dict[int, int] = {}
        """Contact index of a re-imported erased id -> moment of its latest erasure."""
        self.regrant_at: dict[int, int] = {}
        """Contact index -> moment of its first express grant after the erasure."""

    def fingerprint(self, contact: Hashable) -> str:
        """The keyed hash of an id's canonical form.

        Ids that Python treats as equal (``1``, ``1.0``, ``True``, ``np.int64(1)``)
        are one contact to the ledger, so they share one fingerprint; ``1`` and
        ``"1"`` differ. For str and int ids the material is the same as before
        canonical forms existed, so older states keep their erasures.
        """
        return fingerprint(self.key, contact)

    @property
    def key_id(self) -> str:
        """A public name of the key (a keyed hash of a fixed label), never the key itself."""
        return key_id(self.key)

    def suppresses(self, contact: int, at: int) -> bool:
        """Whether an erasure suppresses the contact index at ``at``: the one place of this rule."""
        erased = self.erased_at.get(contact)
        return erased is not None and erased <= at < self.regrant_at.get(contact, NEVER)

    def erased_unknown(self, contact: Hashable, at: int) -> bool:
        """An id the registry does not hold may still be the keyed hash of an erased one."""
        if not self.erased:
            return False
        erased = self.erased.get(self.fingerprint(contact))
        return erased is not None and erased <= at

    def note_new(self, contacts: IdIndex, before: int, size: int) -> None:
        """Remember which of the contacts ``before:size`` just added were erased once."""
        if not self.erased:
            return
        for index in range(before, size):
            erased = self.erased.get(self.fingerprint(contacts.id_at(index)))
            if erased is not None:
                self.erased_at[index] = erased
                self.last_at[index] = self.last[self.fingerprint(contacts.id_at(index))]

    def forget_new(self, before: int, size: int) -> None:
        """Undo ``note_new`` for contacts ``before:size`` (a refused write)."""
        for index in range(before, size):
            self.erased_at.pop(index, None)
            self.last_at.pop(index, None)

    def note_erasure(self, fingerprint: str, at: int) -> None:
        """An erasure at ``at``: suppressed from the first, nothing dated before the last."""
        self.erased[fingerprint] = min(at, self.erased.get(fingerprint, at))
        self.last[fingerprint] = max(at, self.last.get(fingerprint, at))

    def note_grant(self, contact: int, at: int, reason: str | None) -> None:
        """A grant marked ``REGRANT`` after an erasure lifts its suppression from then on."""
        erased = self.erased_at.get(contact)
        if erased is None or at < erased:
            return
        if reason == REGRANT and at < self.regrant_at.get(contact, NEVER):
            self.regrant_at[contact] = at

    def regrant_extra(self, contact: int, at: int) -> dict[str, str]:
        """The extra of an express opt-in by ``contact`` at ``at``: the mark if it lifts."""
        return {"reason": REGRANT} if self.suppresses(contact, at) else {}


def check_not_before(store: Store, cidx: int, now: int) -> None:
    """Erasure cannot go back in time: refuse ``now`` earlier than the contact's latest event."""
    log = store.log
    rows = np.flatnonzero(log.contact[: log.n] == cidx)
    if rows.size and int(log.ts[rows].max()) > now:
        raise InvalidInputError(
            "at: earlier than the latest event of the contact; erasure cannot go back in time"
        )


def check_after_erasures(erasures: Erasures, cidx: Int64Array, ts: Int64Array) -> None:
    """Nothing goes back past an erasure: refuse a live event of a once-erased contact
    dated before its erasure (a replay in time order would erase it: the copies differ)."""
    if not erasures.last_at:
        return
    for position in np.flatnonzero(np.isin(cidx, list(erasures.last_at))).tolist():
        if int(ts[position]) < erasures.last_at[int(cidx[position])]:
            raise InvalidInputError(
                "at: earlier than the contact's erasure; erasure cannot go back in time"
            )


def erase(store: Store, tokens: Tokens, contact: Hashable, now: int) -> int:
    """Record the ``ERASE`` event of ``contact`` and apply it; the row written."""
    fingerprint = store.erasures.fingerprint(contact)
    cidx = store.contacts.get(contact)
    if cidx >= 0:
        check_not_before(store, cidx, now)
    if store.erasures.last.get(fingerprint, now) > now:
        raise InvalidInputError(
            "at: earlier than the contact's latest erasure; erasure cannot go back in time"
        )
    row = store.append(
        np.array([-1], np.int64),
        -1,
        ERASE,
        np.array([now], np.int64),
        store.meta_of("erasure", None, None, None),
        extras={0: {"proof": fingerprint, "key_id": store.erasures.key_id}},
    )
    apply_erasure(store, tokens, fingerprint, now, cidx if cidx >= 0 else None)
    return int(row[0])


def apply_erasure(
    store: Store, tokens: Tokens, fingerprint: str, now: int, contact: int | None = None
) -> None:
    """Tombstone the contact's rows and forget the contact; keep only the fingerprint."""
    erasures = store.erasures
    erasures.note_erasure(fingerprint, now)
    contacts = store.contacts
    if contact is None:
        contact = next(
            (
                index
                for index in range(len(contacts))
                if not contacts.is_removed(index)
                and erasures.fingerprint(contacts.id_at(index)) == fingerprint
            ),
            None,
        )
        if contact is None:
            return
    log = store.log
    rows = np.flatnonzero(log.contact[: log.n] == contact)
    log.action[rows] = TOMBSTONE
    log.contact[rows] = -1
    log.meta[rows] = store.meta_of("erasure", None, None, None)
    for row in rows.tolist():
        store.extras.pop(row, None)
    tokens.forget_erased(log)
    for heads in (store.supp_heads, store.sent_heads, store.pref_heads):
        heads[contact] = -1
    for heads in store.key_heads.values():
        heads[contact] = -1
    erasures.erased_at.pop(contact, None)
    erasures.last_at.pop(contact, None)
    erasures.regrant_at.pop(contact, None)
    contacts.remove(contacts.id_at(contact))
