"""When a contact may hear from the brand: their preferences (pause, quiet hours, frequency
cap), the registry's send window, and the sends the caps count.

These are the refusals on time grounds. Each is written once, as a test of one
moment (``apply_preferences``, for the contacts consent allows) and as the moment
it lifts (``lifts_many``, for ``next_allowed_at``). Exempt purposes skip all of
them (``timing_applies``). Quiet hours and the window are read in the contact's
own zone, or the registry's ``default_timezone`` for a contact who set none.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from .._time import from_micros, to_micros
from .._types import BoolArray, Int8Array, Int64Array
from ._log import Moments, broadcast, gather
from ._timing import DailyRange, daily_exit, in_daily_range, local_time
from ._values import Preferences, Reason

if TYPE_CHECKING:
    from ._status import Policy
    from ._store import Store


def timing_applies(policy: Policy, purpose: str) -> bool:
    """Exempt (transactional) purposes pass pause, quiet hours, send window and caps."""
    return purpose not in policy.exempt


def preference_outcome(
    prefs: Preferences, moment: datetime, zone_name: str, window: DailyRange | None
) -> int | None:
    """What the contact's choices and the window say at ``moment``: pause, quiet, window."""
    if prefs.paused_until is not None and moment < prefs.paused_until:
        return Reason.PAUSED
    if prefs.quiet_at(moment, zone_name):
        return Reason.QUIET_HOURS
    if window is not None and not in_daily_range(local_time(moment, zone_name), window):
        return Reason.OUTSIDE_SEND_WINDOW
    return None


def preferences_at(store: Store, contact: int, at: int) -> Preferences:
    """The preferences of a contact index in force at ``at`` (defaults when none were set)."""
    cidx = np.array([contact], np.int64)
    row = int(store.log.as_of(gather(store.pref_heads, cidx), at)[0])
    if row < 0:
        return Preferences()
    prefs: Preferences = store.extras[row]["preferences"]
    return prefs


def in_window_many(at: Moments, n: int, zone_name: str, window: DailyRange) -> BoolArray:
    """Whether each of ``n`` moments falls in the daily ``window`` of ``zone_name``.

    One moment for all is one conversion; distinct moments are converted once each.
    """
    if isinstance(at, int):
        inside = in_daily_range(local_time(from_micros(at), zone_name), window)
        return np.full(n, inside, bool)
    moments = broadcast(at, n)
    unique, inverse = np.unique(moments, return_inverse=True)
    flags = [in_daily_range(local_time(from_micros(m), zone_name), window) for m in unique.tolist()]
    return np.asarray(flags, bool)[inverse.reshape(-1)]


def apply_preferences(
    store: Store,
    policy: Policy,
    cidx: Int64Array,
    allowed: Int64Array,
    reasons: Int8Array,
    at: Moments,
) -> None:
    """Pause, quiet hours, send window and caps, for the contacts consent allows (in place)."""
    moments = broadcast(at, len(cidx))[allowed]
    pref_rows = store.log.as_of(gather(store.pref_heads, cidx[allowed]), moments)
    cap_count, cap_period = _default_caps(policy.default_cap, len(allowed))
    window = policy.send_window
    own = pref_rows >= 0
    if window is not None:
        plain = np.flatnonzero(~own)
        at_plain = at if isinstance(at, int) else moments[plain]
        inside = in_window_many(at_plain, len(plain), policy.default_zone, window)
        reasons[allowed[plain[~inside]]] = Reason.OUTSIDE_SEND_WINDOW
    for position in np.flatnonzero(own).tolist():
        prefs: Preferences = store.extras[int(pref_rows[position])]["preferences"]
        zone_name = prefs.timezone or policy.default_zone
        moment = from_micros(int(moments[position]))
        outcome = preference_outcome(prefs, moment, zone_name, window)
        if outcome is not None:
            reasons[int(allowed[position])] = outcome
        if prefs.max_per_period is not None:
            cap_count[position] = prefs.max_per_period[0]
            cap_period[position] = prefs.max_per_period[1] // timedelta(microseconds=1)
    capped = np.flatnonzero((cap_count > 0) & (reasons[allowed] == Reason.ALLOWED))
    if not capped.size:
        return
    targets = cidx[allowed[capped]]
    sent, _ = _sends_since(store, targets, moments[capped], cap_period[capped], cap_count[capped])
    over = sent >= cap_count[capped]
    reasons[allowed[capped[over]]] = Reason.FREQUENCY_CAP


def lifts_many(store: Store, policy: Policy, cidx: Int64Array, at: Int64Array) -> Int64Array:
    """For each contact, the first moment at or after ``at`` at which no rule of time blocks.

    Each rule that blocks at ``at`` blocks until it lifts, so the answer is the
    latest of the lifts: a pause at ``paused_until``, quiet hours and the window
    where the contact's wall clock next leaves them, a cap when the newest
    ``count``-th counted send leaves the period. Rules that start blocking later
    (the next night's quiet hours) are for the caller to check again.
    """
    out = at.copy()
    pref_rows = store.log.as_of(gather(store.pref_heads, cidx), at)
    cap_count, cap_period = _default_caps(policy.default_cap, len(cidx))
    window = policy.send_window
    own = pref_rows >= 0
    for position in np.flatnonzero(own).tolist():
        prefs: Preferences = store.extras[int(pref_rows[position])]["preferences"]
        zone_name = prefs.timezone or policy.default_zone
        out[position] = _lift_one(prefs, int(at[position]), zone_name, window)
        if prefs.max_per_period is not None:
            cap_count[position] = prefs.max_per_period[0]
            cap_period[position] = prefs.max_per_period[1] // timedelta(microseconds=1)
    if window is not None:
        plain = np.flatnonzero(~own)
        out[plain] = _window_lifts(at[plain], policy.default_zone, window)
    capped = np.flatnonzero(cap_count > 0)
    if capped.size:
        limit, period = cap_count[capped], cap_period[capped]
        sent, last = _sends_since(store, cidx[capped], at[capped], period, limit)
        over = np.flatnonzero(sent >= limit)
        frees = last[over] + period[over]
        out[capped[over]] = np.maximum(out[capped[over]], frees)
    return out


def _lift_one(prefs: Preferences, at: int, zone_name: str, window: DailyRange | None) -> int:
    """The latest lift of the pause, quiet hours and window that block one contact at ``at``."""
    lift = at
    if prefs.paused_until is not None:
        lift = max(lift, to_micros(prefs.paused_until))
    moment = from_micros(at)
    quiet = prefs.quiet_hours
    if quiet is not None and in_daily_range(local_time(moment, zone_name), quiet):
        lift = max(lift, daily_exit(at, zone_name, quiet))
    if window is not None and not in_daily_range(local_time(moment, zone_name), window):
        lift = max(lift, daily_exit(at, zone_name, (window[1], window[0])))
    return lift


def _window_lifts(at: Int64Array, zone_name: str, window: DailyRange) -> Int64Array:
    """When the window of ``zone_name`` next opens after each moment (itself when open)."""
    unique, inverse = np.unique(at, return_inverse=True)
    closed = (window[1], window[0])
    lifts = [
        m
        if in_daily_range(local_time(from_micros(m), zone_name), window)
        else daily_exit(m, zone_name, closed)
        for m in unique.tolist()
    ]
    return np.asarray(lifts, np.int64)[inverse.reshape(-1)]


def _default_caps(
    default_cap: tuple[int, timedelta] | None, n: int
) -> tuple[Int64Array, Int64Array]:
    """(count, period in microseconds) of the registry's default cap for ``n`` contacts."""
    cap_count = np.zeros(n, np.int64)
    cap_period = np.zeros(n, np.int64)
    if default_cap is not None:
        cap_count[:] = default_cap[0]
        cap_period[:] = default_cap[1] // timedelta(microseconds=1)
    return cap_count, cap_period


def _sends_since(
    store: Store, cidx: Int64Array, at: Int64Array, period: Int64Array, limit: Int64Array
) -> tuple[Int64Array, Int64Array]:
    """Counted sends of each contact within ``period`` before ``at`` (stops at ``limit``),
    and the moment of the oldest send counted (of the ``limit``-th newest once reached)."""
    log = store.log
    rows = log.as_of(gather(store.sent_heads, cidx), at)
    since = at - period
    sent = np.zeros(len(cidx), np.int64)
    last = np.zeros(len(cidx), np.int64)
    active = np.flatnonzero(rows >= 0)
    for _ in range(int(limit.max())):
        active = active[log.ts[rows[active]] > since[active]]
        if not active.size:
            break
        sent[active] += 1
        last[active] = log.ts[rows[active]]
        rows[active] = log.prev[rows[active]]
        active = active[(rows[active] >= 0) & (sent[active] < limit[active])]
    return sent, last
