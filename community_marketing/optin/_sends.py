"""Who may be sent to: the reasons of many contacts, audiences, and the gate on sends.

A send is recorded only where the registry allowed it at that moment (exempt
purposes still pass): the ledger then never holds a send it would have refused, and
frequency caps count only sends that were allowed. An audience lists each contact
once, so that a contact listed twice cannot take two places under one cap.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from .._time import from_micros
from .._types import Int8Array, Int64Array
from ..errors import ConsentRequiredError
from ._log import Moments, broadcast
from ._status import Policy, reasons_many
from ._store import Store
from ._values import Reason


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
    allowed = np.flatnonzero(reasons == Reason.ALLOWED)
    known = allowed[cidx[allowed] >= 0]
    owners = cidx[known]
    keep = known
    if owners.size:
        first = np.empty(int(owners.max()) + 1, np.int64)
        # Written back to front, each contact's slot ends on its first place.
        first[owners[::-1]] = known[::-1]
        keep = known[first[owners] == known]
    unknown = allowed[cidx[allowed] < 0]
    if unknown.size:
        # Only exempt purposes allow contacts the ledger never saw: equality decides.
        places: dict[Hashable, int] = {}
        for position in unknown.tolist():
            places.setdefault(items[position], position)
        keep = np.sort(np.concatenate([keep, np.fromiter(places.values(), np.int64)]))
    return [items[position] for position in keep.tolist()]


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
