"""Re-evaluating every member's trust level at a moment, vectorized over the contribution log.

For each window the policy's requirements use, one pass over the log's columns gives every
person's count of each kind (one ``bincount``) and their distinct active days (rows bucketed
by day with a radix sort, then one stamp per person and day); each level's test is then a few
array comparisons. No Python loop runs per member or per contribution.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np

from .._checks import check_bool, check_int
from .._types import BoolArray, Int64Array
from ._ledger import Ledger
from ._reputation import decayed
from ._trust import Trust
from ._values import DAY_MICROS, Ability, Role, TrustRequirement

if TYPE_CHECKING:
    from ._group import FanGroup


def _micros(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


def distinct_days(members: Int64Array, times: Int64Array, size: int) -> Int64Array:
    """How many distinct UTC days each of the first ``size`` people has a row on."""
    active = np.zeros(size, np.int64)
    if not len(members):
        return active
    days = times // DAY_MICROS
    first = int(days.min())
    span = int(days.max()) - first + 1
    relative = (days - first).astype(np.uint16 if span < 2**16 else np.int64)
    order = np.argsort(relative, kind="stable")  # a radix sort for 16-bit keys
    ordered = members[order]
    bounds = np.flatnonzero(np.diff(relative[order])) + 1
    stamp = np.full(size, -1, np.int64)
    # A person's stamp holds the position of their last row of the day, so exactly one row
    # per person and day finds its own position there.
    for low, high in zip(
        np.r_[0, bounds].tolist(), np.r_[bounds, len(order)].tolist(), strict=True
    ):
        chunk = ordered[low:high]
        positions = np.arange(low, high)
        stamp[chunk] = positions
        active[chunk[stamp[chunk] == positions]] += 1
    return active


class Activity:
    """Counts per kind and active days per person within one window ending at ``at``."""

    __slots__ = ("counts", "days")

    def __init__(self, ledger: Ledger, at: int, window: int | None, size: int, days: bool):
        log = ledger.log
        times = log["at"]
        newest = int(times.max()) if len(times) else 0
        if window is None and newest <= at and not days:
            self.counts = ledger.counts[:size]
            self.days = np.zeros(size, np.int64)
            return
        keep = times <= at
        if window is not None:
            keep &= times > at - window
        members = log["member"][keep].astype(np.int64)
        kinds = len(ledger.kinds)
        key = members * kinds + log["kind"][keep]
        summed = np.bincount(key, weights=log["weight"][keep], minlength=size * kinds)
        self.counts = summed[: size * kinds].astype(np.int64).reshape(size, kinds)
        self.days = distinct_days(members, times[keep], size) if days else np.zeros(size, np.int64)


def _level_tests(
    requirement: TrustRequirement, activity: Activity, ledger: Ledger, flag: int | None,
    low_water: float,
) -> tuple[BoolArray, BoolArray]:  # fmt: skip
    """Who meets ``requirement``, and who stays above its low-water mark (flags in full)."""
    size = len(activity.days)
    met = np.ones(size, np.bool_)
    kept = np.ones(size, np.bool_)
    for kind, n in requirement.counts:
        column = activity.counts[:, ledger.kind_code[kind]]
        met &= column >= n
        kept &= column >= low_water * n
    if requirement.days_active:
        met &= activity.days >= requirement.days_active
        kept &= activity.days >= low_water * requirement.days_active
    if requirement.max_flagged is not None and flag is not None:
        clean = activity.counts[:, flag] <= requirement.max_flagged
        met &= clean
        kept &= clean
    if requirement.manual:
        met[:] = False
    return met, kept


def targets(
    trust: Trust, ledger: Ledger, reputation: Int64Array, at: int, size: int
) -> tuple[Int64Array, Int64Array]:
    """The level each of the first ``size`` people reaches at ``at``, and the one they keep."""
    policy = trust.policy
    met = reputation[:, None] >= trust.high[None, :]
    kept = reputation[:, None] >= trust.low[None, :]
    if policy.requirements:
        flag = None if policy.flag_kind is None else ledger.kind_code[policy.flag_kind]
        windows: dict[int | None, Activity] = {}
        needs_days = {r.window for r in policy.requirements if r.days_active}
        for k, requirement in enumerate(policy.requirements):
            window = None if requirement.window is None else _micros(requirement.window)
            if window not in windows:
                windows[window] = Activity(
                    ledger, at, window, size, requirement.window in needs_days
                )
            level_met, level_kept = _level_tests(
                requirement, windows[window], ledger, flag, policy.low_water
            )
            met[:, k] &= level_met
            kept[:, k] &= level_kept
    # Levels are cumulative: level k needs levels 1..k-1 too.
    reached = np.cumprod(met, axis=1).sum(axis=1)
    keep = np.cumprod(kept, axis=1).sum(axis=1)
    return reached.astype(np.int64), keep.astype(np.int64)


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
