"""Contact preferences (pause, quiet hours, frequency caps) and the sends the caps count."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from .._time import from_micros
from .._types import Int8Array, Int64Array
from ._log import Moments, broadcast, gather
from ._values import Preferences, Reason

if TYPE_CHECKING:
    from ._store import Store


def preference_outcome(prefs: Preferences, moment: datetime) -> int | None:
    """What the contact's own choices say at ``moment``: a pause beats quiet hours."""
    if prefs.paused_until is not None and moment < prefs.paused_until:
        return Reason.PAUSED
    if prefs.in_quiet_hours(moment):
        return Reason.QUIET_HOURS
    return None


def preferences_at(store: Store, contact: int, at: int) -> Preferences:
    """The preferences of a contact index in force at ``at`` (defaults when none were set)."""
    cidx = np.array([contact], np.int64)
    row = int(store.log.as_of(gather(store.pref_heads, cidx), at)[0])
    if row < 0:
        return Preferences()
    prefs: Preferences = store.extras[row]["preferences"]
    return prefs


def apply_preferences(
    store: Store,
    default_cap: tuple[int, timedelta] | None,
    cidx: Int64Array,
    allowed: Int64Array,
    reasons: Int8Array,
    at: Moments,
) -> None:
    """Pause, quiet hours and frequency caps, for the contacts consent allows (in place)."""
    moments = broadcast(at, len(cidx))[allowed]
    pref_rows = store.log.as_of(gather(store.pref_heads, cidx[allowed]), moments)
    cap_count = np.zeros(len(allowed), np.int64)
    cap_period = np.zeros(len(allowed), np.int64)
    if default_cap is not None:
        cap_count[:] = default_cap[0]
        cap_period[:] = default_cap[1] // timedelta(microseconds=1)
    for position in np.flatnonzero(pref_rows >= 0).tolist():
        prefs: Preferences = store.extras[int(pref_rows[position])]["preferences"]
        outcome = preference_outcome(prefs, from_micros(int(moments[position])))
        if outcome is not None:
            reasons[int(allowed[position])] = outcome
        if prefs.max_per_period is not None:
            cap_count[position] = prefs.max_per_period[0]
            cap_period[position] = prefs.max_per_period[1] // timedelta(microseconds=1)
    capped = np.flatnonzero((cap_count > 0) & (reasons[allowed] == Reason.ALLOWED))
    if not capped.size:
        return
    targets = cidx[allowed[capped]]
    sent = _sends_since(store, targets, moments[capped], cap_period[capped], cap_count[capped])
    over = sent >= cap_count[capped]
    reasons[allowed[capped[over]]] = Reason.FREQUENCY_CAP


def _sends_since(
    store: Store, cidx: Int64Array, at: Int64Array, period: Int64Array, limit: Int64Array
) -> Int64Array:
    """Counted sends of each contact within ``period`` before ``at`` (stops at ``limit``)."""
    log = store.log
    rows = log.as_of(gather(store.sent_heads, cidx), at)
    since = at - period
    sent = np.zeros(len(cidx), np.int64)
    active = np.flatnonzero(rows >= 0)
    for _ in range(int(limit.max())):
        active = active[log.ts[rows[active]] > since[active]]
        if not active.size:
            break
        sent[active] += 1
        rows[active] = log.prev[rows[active]]
        active = active[rows[active] >= 0]
    return sent
