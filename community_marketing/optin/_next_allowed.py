"""When a contact refused on time grounds may be contacted: hold the send, do not drop it.

A refusal for a pause, quiet hours, the send window or a frequency cap lifts by
itself. ``next_allowed_many`` jumps each such contact to the latest lift of the
rules blocking it (``lifts_many``), asks the whole rule set again there (consent
may have lapsed meanwhile, the next night's quiet hours may begin), and repeats
until the answer is ``ALLOWED``, a refusal time does not lift, or ``MAX_STEPS``
jumps: a bounded fixed point, vectorized over the contacts still waiting.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from .._time import MAX_MICROS, NEVER
from .._types import Int8Array, Int64Array
from ._log import Moments, broadcast
from ._preferences import lifts_many
from ._status import Policy, reasons_many
from ._store import Store
from ._values import TIME_REASONS, Reason

MAX_STEPS: Final = 64
"""Jumps tried before giving up (quiet hours that cover the whole send window never end)."""

FIRST_TIME_REASON: Final = min(TIME_REASONS)
_IS_TIME = np.zeros(len(Reason), bool)
_IS_TIME[list(TIME_REASONS)] = True


def time_refused(reasons: Int8Array) -> Int64Array:
    """Positions of the refusals on time grounds (a quick max first: usually there are none)."""
    if not len(reasons) or int(reasons.max()) < FIRST_TIME_REASON:
        return np.empty(0, np.int64)
    return np.flatnonzero(_IS_TIME[reasons])


def next_allowed_many(
    store: Store,
    policy: Policy,
    cidx: Int64Array,
    purpose: str,
    channel: str,
    at: Moments,
    reasons: Int8Array,
) -> tuple[Int64Array, Int64Array]:
    """(positions, moments): for each refusal on time grounds in ``reasons`` (the answers at
    ``at``), the first moment the contact is allowed, in UTC microseconds; ``NEVER`` when
    no representable moment within ``MAX_STEPS`` jumps allows them."""
    positions = time_refused(reasons)
    until = np.full(len(positions), NEVER, np.int64)
    moments = broadcast(at, len(cidx))[positions].copy()
    waiting = np.arange(len(positions))
    for _ in range(MAX_STEPS):
        if not waiting.size:
            break
        lifted = lifts_many(store, policy, cidx[positions[waiting]], moments[waiting])
        representable = lifted <= MAX_MICROS
        waiting, lifted = waiting[representable], lifted[representable]
        moments[waiting] = lifted
        codes = reasons_many(store, policy, cidx[positions[waiting]], purpose, channel, lifted)
        done = codes == Reason.ALLOWED
        until[waiting[done]] = lifted[done]
        waiting = waiting[_IS_TIME[codes]]
    return positions, until
