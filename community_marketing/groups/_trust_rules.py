"""Re-evaluating every member's trust level at a moment, vectorized over the contribution log.

The log's rows are taken in time order (as appended, or sorted once), so each trailing window
is a slice. Per window, one ``bincount`` gives every person's count of each kind (all time is
the ledger's running totals); one walk over the days gives every window's distinct active days;
each level's test is then a few array comparisons. No Python loop runs per member or row.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np

from .._checks import check_bool, check_int
from .._types import BoolArray, Int64Array
from ._ledger import Ledger
from ._reputation import decayed
from ._trust import Trust
from ._values import DAY_MICROS, Ability, Role, TrustPolicy, TrustRequirement

if TYPE_CHECKING:
    from ._group import FanGroup


def _micros(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


class Rows:
    """The log's rows up to ``at``, ordered by time, so that every window is a slice of them."""

    __slots__ = ("kinds", "members", "times", "weights")

    def __init__(self, ledger: Ledger, at: int) -> None:
        log = ledger.log
        times = log["at"]
        members, kinds, weights = log["member"], log["kind"], log["weight"]
        # Logs are appended in time order almost always; a late import costs one sort.
        if len(times) > 1 and not bool((times[1:] >= times[:-1]).all()):
            order = np.argsort(times, kind="stable")
            times, members, kinds, weights = (
                times[order],
                members[order],
                kinds[order],
                weights[order],
            )
        end = int(np.searchsorted(times, at, side="right"))
        self.times: Int64Array = times[:end]
        self.members = members[:end]
        self.kinds = kinds[:end]
        self.weights = weights[:end]

    def start(self, cutoff: int | None) -> int:
        """The first row after ``cutoff`` (the first row for None)."""
        return 0 if cutoff is None else int(np.searchsorted(self.times, cutoff, side="right"))

    def counts(self, low: int, size: int, codes: list[int]) -> list[Int64Array]:
        """Per kind code of ``codes``, each person's weights over rows ``low`` on."""
        kinds, members, weights = self.kinds[low:], self.members[low:], self.weights[low:]
        unweighted = not len(weights) or int(weights.max()) == 1
        columns = []
        for code in codes:
            rows = kinds == code
            column = np.bincount(
                members[rows], weights=None if unweighted else weights[rows], minlength=size
            )
            columns.append(column[:size].astype(np.int64))
        return columns

    def active_days(self, cutoffs: list[int | None], size: int) -> list[Int64Array]:
        """Per cutoff, each person's distinct UTC days with a row after it.

        Rows are walked one day at a time; a person's stamp takes the position of their last
        row of the day (the latest, as rows are in time order), so exactly one row per person
        and day finds its own position there, and that row decides each window.
        """
        active = [np.zeros(size, np.int32) for _ in cutoffs]
        if not len(self.times):
            return [counted.astype(np.int64) for counted in active]
        days = self.times // DAY_MICROS
        bounds = np.flatnonzero(days[1:] != days[:-1]) + 1
        stamp = np.full(size, -1, np.int32 if len(days) < 2**31 else np.int64)
        lows, highs = np.r_[0, bounds].tolist(), np.r_[bounds, len(days)].tolist()
        for low, high in zip(lows, highs, strict=True):
            chunk = self.members[low:high]
            positions = np.arange(low, high, dtype=stamp.dtype)
            stamp[chunk] = positions
            last = stamp[chunk] == positions
            people = chunk[last]
            for counted, cutoff in zip(active, cutoffs, strict=True):
                if cutoff is None or self.times[low] > cutoff:
                    counted[people] += 1
                elif self.times[high - 1] > cutoff:
                    counted[people[self.times[low:high][last] > cutoff]] += 1
        return [counted.astype(np.int64) for counted in active]


class Activity:
    """Counts of the needed kinds and active days per person within one window."""

    __slots__ = ("counts", "days")

    def __init__(self, counts: dict[str, Int64Array], days: Int64Array) -> None:
        self.counts = counts
        self.days = days


def _window(requirement: TrustRequirement) -> int | None:
    return None if requirement.window is None else _micros(requirement.window)


def activities(
    ledger: Ledger, policy: TrustPolicy, at: int, size: int
) -> dict[int | None, Activity]:
    """One :class:`Activity` per distinct window of the policy's requirements (None: all time)."""
    requirements = policy.requirements
    rows = Rows(ledger, at)
    windows = sorted({_window(r) for r in requirements}, key=lambda w: -1 if w is None else w)
    cutoffs = [None if w is None else at - w for w in windows]
    with_days = {_window(r) for r in requirements if r.days_active}
    day_cutoffs = [c for w, c in zip(windows, cutoffs, strict=True) if w in with_days]
    days = dict(zip(day_cutoffs, rows.active_days(day_cutoffs, size), strict=True))
    needed = sorted({kind for r in requirements for kind, _ in r.counts})
    if policy.flag_kind is not None and policy.flag_kind not in needed:
        needed.append(policy.flag_kind)
    codes = [ledger.kind_code[kind] for kind in needed]
    found = {}
    for window, cutoff in zip(windows, cutoffs, strict=True):
        low = rows.start(cutoff)
        if low == 0 and len(rows.times) == ledger.log.length:
            # Every row counts: the running totals are the answer.
            columns = [np.ascontiguousarray(ledger.counts[:size, code]) for code in codes]
        else:
            columns = rows.counts(low, size, codes)
        counts = dict(zip(needed, columns, strict=True))
        found[window] = Activity(counts, days.get(cutoff, np.zeros(size, np.int64)))
    return found


def _level_tests(
    requirement: TrustRequirement, activity: Activity, policy: TrustPolicy
) -> tuple[BoolArray, BoolArray]:
    """Who meets ``requirement``, and who stays above its low-water mark (flags in full)."""
    size = len(activity.days)
    met = np.ones(size, np.bool_)
    kept = np.ones(size, np.bool_)
    for kind, n in requirement.counts:
        column = activity.counts[kind]
        met &= column >= n
        kept &= column >= low_mark(policy.low_water, n)
    if requirement.days_active:
        met &= activity.days >= requirement.days_active
        kept &= activity.days >= low_mark(policy.low_water, requirement.days_active)
    if requirement.max_flagged is not None and policy.flag_kind is not None:
        clean = activity.counts[policy.flag_kind] <= requirement.max_flagged
        met &= clean
        kept &= clean
    if requirement.manual:
        met[:] = False
    return met, kept


def low_mark(low_water: float, n: int) -> int:
    """The least whole count at ``low_water`` of ``n``: 90% of 10 is 9, whatever float says."""
    return math.ceil(low_water * n - 1e-9)


def targets(
    trust: Trust, ledger: Ledger, reputation: Int64Array, at: int, size: int
) -> tuple[Int64Array, Int64Array]:
    """The level each of the first ``size`` people reaches at ``at``, and the one they keep."""
    policy = trust.policy
    windows = activities(ledger, policy, at, size) if policy.requirements else {}
    reached = np.zeros(size, np.int64)
    keep = np.zeros(size, np.int64)
    met_so_far = np.ones(size, np.bool_)
    kept_so_far = np.ones(size, np.bool_)
    # Levels are cumulative: level k needs levels 1..k-1 too.
    for k, threshold in enumerate(policy.thresholds):
        met_so_far &= reputation >= threshold
        kept_so_far &= reputation >= low_mark(policy.low_water, threshold)
        if policy.requirements:
            requirement = policy.requirements[k]
            met, kept = _level_tests(requirement, windows[_window(requirement)], policy)
            met_so_far &= met
            kept_so_far &= kept
        reached += met_so_far
        keep += kept_so_far
    return reached, keep


def evaluate(
    trust: Trust, ledger: Ledger, members: Int64Array, reputation: Int64Array, at: int
) -> Int64Array:
    """Move every one of ``members`` to the level the policy gives at ``at``; who moved.

    Locked members, and members at a level granted by hand only, stay; a demotion waits until
    ``grace`` after the level was reached.
    """
    if not len(trust.high) or not len(members):
        return members[:0]
    size = int(members.max()) + 1
    reached, keep = targets(trust, ledger, reputation[:size], at, size)
    current = trust.level[members]
    level = np.maximum(reached[members], np.minimum(current, keep[members]))
    manual = [k + 1 for k, r in enumerate(trust.policy.requirements) if r.manual]
    stays = trust.locked[members]
    if manual:
        stays |= current >= min(manual)
    stays |= (level < current) & (at < trust.grace_end(members))
    level = np.where(stays, current, level)
    up = level > current
    down = level < current
    trust.move(members[up], level[up], at, "promoted")
    trust.move(members[down], level[down], at, "demoted")
    moved: Int64Array = members[up | down]
    return moved


def evaluate_group(group: FanGroup, at: int) -> int:
    """:func:`evaluate` over the group's current members, then their abilities; how many moved.

    Reputation is read decayed at ``at`` under a half-life (see ``ReputationPolicy``).
    """
    members = group._membership.members()
    size = len(group._membership.people)
    half_life = group._cap.policy.half_life
    if half_life is None:
        reputation = group._ledger.reputation[:size]
    else:
        reputation = decayed(group._ledger, half_life, at, size)
    moved = evaluate(group._trust, group._ledger, members, reputation, at)
    group._roles.refresh(moved, group._trust)
    return len(moved)


def set_by_hand(
    group: FanGroup, by: Hashable, member: Hashable, level: int | None, lock: bool, at: int
) -> None:
    """``by`` (ASSIGN_ROLES, every ability the level unlocks, a higher rank) sets a level."""
    levels = len(group._trust.policy.thresholds)
    if level is not None:
        check_int(level, "level", low=0, high=levels)
    check_bool(lock, "lock")
    actor = group._actor(by, Ability.ASSIGN_ROLES)
    index = group._membership.index_of(member)
    people = group._membership.people
    if level is not None:
        unlocks = Ability(int(group._trust.bits[level]))
        group._roles.check_grantable(actor, Role(f"trust level {level}", unlocks, 0), people)
    if index != actor:
        group._roles.check_outranks(actor, index, "set the trust level of", people)
    group._trust.set_by_hand(index, level, lock, at)
    group._roles.refresh(index, group._trust)
