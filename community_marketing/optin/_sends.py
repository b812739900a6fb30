"""Who may be sent to: the reasons of many contacts, audiences, and the gate on sends.

A send is recorded only where the registry allowed it at that moment (exempt
purposes still pass): the ledger then never holds a send it would have refused, and
frequency caps count only sends that were allowed. An audience lists each contact
once, so that a contact listed twice cannot take two places under one cap.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import datetime
from itertools import compress
from typing import Any

import numpy as np

from .._checks import check_text
from .._ids import as_id_list, check_id
from .._time import from_micros, micros_array
from .._types import BoolArray, Int8Array, Int64Array
from ..errors import ConsentRequiredError
from ._log import Moments, broadcast
from ._session import Session
from ._status import Policy, reasons_many
from ._store import Store
from ._values import Reason


def one(
    store: Store,
    policy: Policy,
    session: Session,
    contact: Hashable,
    purpose: str,
    channel: str,
    at: object,
) -> tuple[int | None, int]:
    """Validated (contact index, moment) of a scalar question; None: an erased id."""
    check_id(contact, "contact")
    check_text(purpose, "purpose")
    check_text(channel, "channel")
    policy.check_names(purpose, channel)
    now = session.micros(at)
    index = store.contacts.get(contact)
    if index < 0 and store.erasures.erased_unknown(contact, now):
        return None, now
    return index, now


def question(
    store: Store,
    policy: Policy,
    session: Session,
    contacts: Sequence[Hashable] | np.ndarray[Any, Any],
    purpose: str,
    channel: str,
    at: datetime | Sequence[datetime] | np.ndarray[Any, Any] | None,
) -> tuple[list[Hashable], Int64Array, Int8Array, Moments]:
    """Checked (contacts, their indices, their reason codes, the moments) of a question."""
    check_text(purpose, "purpose")
    check_text(channel, "channel")
    policy.check_names(purpose, channel)
    items = as_id_list(contacts, "contacts")
    cidx = store.contacts.lookup(items, "contacts")
    now: Moments
    if at is None or isinstance(at, datetime):
        now = session.micros(at)
    else:
        now = micros_array(at, len(items), "at")
    return items, cidx, reasons_of(store, policy, items, cidx, purpose, channel, now), now


def reasons_of(
    store: Store,
    policy: Policy,
    items: Sequence[Hashable],
    cidx: Int64Array,
    purpose: str,
    channel: str,
    now: Moments,
) -> Int8Array:
    """The ``Reason`` code of each contact; an unknown id that was erased is suppressed."""
    reasons = reasons_many(store, policy, cidx, purpose, channel, now)
    erasures = store.erasures
    if erasures.erased:
        moments = broadcast(now, len(items))
        for position in np.flatnonzero(cidx < 0).tolist():
            if erasures.erased_unknown(items[position], int(moments[position])):
                reasons[position] = Reason.SUPPRESSED
    return reasons


def distinct_allowed(
    items: Sequence[Hashable], cidx: Int64Array, reasons: Int8Array
) -> list[Hashable]:
    """The allowed contacts, each once (its first place), in the order asked."""
    keep = reasons == Reason.ALLOWED
    known = keep & (cidx >= 0)
    owners = cidx[known]
    if owners.size:
        seen = np.zeros(int(owners.max()) + 1, np.bool_)
        seen[owners] = True
        if np.count_nonzero(seen) < owners.size:
            _keep_first_places(keep, known, owners)
    unknown = np.flatnonzero(keep & (cidx < 0))
    if unknown.size:
        # Only exempt purposes allow contacts the ledger never saw: equality decides.
        places: dict[Hashable, int] = {}
        for position in unknown.tolist():
            if places.setdefault(items[position], position) != position:
                keep[position] = False
    return list(compress(items, keep.tolist()))


def _keep_first_places(keep: BoolArray, known: BoolArray, owners: Int64Array) -> None:
    """Clear ``keep`` at every later place of a contact listed more than once."""
    positions = np.flatnonzero(known)
    first = np.empty(int(owners.max()) + 1, np.int64)
    # Written back to front, each contact's slot ends on its first place.
    first[owners[::-1]] = positions[::-1]
    keep[positions[first[owners] != positions]] = False


def require_allowed(
    items: Sequence[Hashable],
    reasons: Int8Array,
    purpose: str,
    channel: str,
    now: Moments,
    field: str,
) -> None:
    """Refuse the whole call if any contact was not allowed at its moment."""
    refused = np.flatnonzero(reasons != Reason.ALLOWED)
    if not refused.size:
        return
    first = int(refused[0])
    moment = from_micros(int(broadcast(now, len(items))[first]))
    where = f"{field}[{first}]" if field.endswith("s") else field
    others = f" (and {refused.size - 1} more)" if refused.size > 1 else ""
    raise ConsentRequiredError(
        f"{where}: {items[first]!r} may not be sent {purpose!r} over {channel!r} at "
        f"{moment.isoformat()}: {Reason(int(reasons[first])).name.lower()}{others}; "
        "only allowed sends are recorded"
    )
