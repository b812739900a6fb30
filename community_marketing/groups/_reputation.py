"""Reputation: the daily cap in each member's own day, and decay by half-life.

The cap keeps, per person, the last local day they gained in and what they gained that day, so
the common case (contributions arriving in time order) reads two array cells per person. A row
for an earlier day than the stored one (a late import) sums that day's gains from the log.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .._columns import grown
from .._types import Float64Array, Int64Array
from ..errors import InvalidInputError
from ._ledger import Ledger, best_of
from ._places import Places
from ._values import DAY_MICROS, NEVER, ReputationPolicy

if TYPE_CHECKING:
    from ._group import FanGroup

_QUARTER_MICROS = 900_000_000
"""Offsets are read per quarter hour of UTC: every zone's transitions fall on one."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NOBODY: Int64Array = np.zeros(0, np.int64)


def check_reputation_policy(policy: object) -> ReputationPolicy:
    """``policy``, or the default ``ReputationPolicy()`` (no cap, no decay) for None."""
    policy = ReputationPolicy() if policy is None else policy
    if not isinstance(policy, ReputationPolicy):
        raise InvalidInputError(
            f"reputation: expected a ReputationPolicy, got {type(policy).__name__}"
        )
    return policy


@lru_cache(maxsize=512)
def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError, TypeError):
        return None


def _offsets(zone: zoneinfo.ZoneInfo, micros: Int64Array) -> Int64Array:
    """The UTC offset of ``zone`` at each of ``micros``, in microseconds."""
    quarters, inverse = np.unique(micros // _QUARTER_MICROS, return_inverse=True)
    offsets = np.zeros(len(quarters), np.int64)
    for i, quarter in enumerate(quarters.tolist()):
        try:
            moment = _EPOCH + timedelta(microseconds=quarter * _QUARTER_MICROS)
            offset = moment.astimezone(zone).utcoffset() or timedelta(0)
        except (OverflowError, ValueError):  # the first and last hours of the calendar
            offset = timedelta(0)
        offsets[i] = offset // timedelta(microseconds=1)
    return offsets[inverse.reshape(-1)]


class Credit(NamedTuple):
    """Points credited per row, each row's local day, and the cap's new (day, gained) for some
    people."""

    points: Int64Array
    who: Int64Array
    day: Int64Array
    gained: Int64Array
    days: Int64Array


class DailyCap:
    """The reputation policy, and per person the last local day with a gain and that gain.

    Parameters
    ----------
    policy : ReputationPolicy
        Already checked.
    """

    __slots__ = ("day", "gained", "policy")

    def __init__(self, policy: ReputationPolicy) -> None:
        self.policy = policy
        self.day: Int64Array = np.full(0, NEVER, np.int64)
        self.gained: Int64Array = np.zeros(0, np.int64)

    def grow(self, capacity: int) -> None:
        """Room for ``capacity`` people."""
        self.day = grown(self.day, capacity, NEVER)
        self.gained = grown(self.gained, capacity)

    def local_days(self, indices: Int64Array, micros: Int64Array, places: Places) -> Int64Array:
        """The day number (days since 1970-01-01, local) of each row in its member's zone."""
        names = np.full(len(indices), -1, np.int64)
        column = places.columns.get(self.policy.zone_attribute)
        values: list[object] = []
        if column is not None:
            index, codes = column
            names = codes[indices]
            values = index.ids()
        local = micros.copy()
        for code in np.unique(names).tolist():
            zone = _zone(str(values[code])) if code >= 0 else None
            zone = zone or _zone(self.policy.zone)
            rows = np.flatnonzero(names == code)
            if zone is not None:
                local[rows] += _offsets(zone, micros[rows])
        return np.floor_divide(local, DAY_MICROS)

    def credit(
        self, indices: Int64Array, points: Int64Array, micros: Int64Array, ledger: Ledger,
        places: Places,
    ) -> Credit:  # fmt: skip
        """What each row credits under the cap (no writes); ``points`` as is without a cap."""
        cap = self.policy.daily_cap
        if cap is None or not len(indices):
            return Credit(points, _NOBODY, _NOBODY, _NOBODY, np.zeros(len(indices), np.int64))
        # The day is fixed when the row is credited: a member who later moves to another zone
        # keeps their past days (the log stores them), so a reload never recounts them.
        days = self.local_days(indices, micros, places)
        n = len(indices)
        order = np.lexsort((np.arange(n), micros, days, indices))
        who, day, raw = indices[order], days[order], points[order]
        first = np.ones(n, np.bool_)
        first[1:] = (who[1:] != who[:-1]) | (day[1:] != day[:-1])
        starts = np.flatnonzero(first)
        group = np.cumsum(first) - 1
        prior = self._prior(who[starts], day[starts], ledger, places)
        gain = np.minimum(np.maximum(raw, 0), cap)
        total = np.cumsum(gain)
        within = total - (total - gain)[starts][group]
        room = np.maximum(cap - prior, 0)[group]
        kept = np.minimum(within, room) - np.minimum(within - gain, room)
        credited = np.empty(n, np.int64)
        credited[order] = np.where(raw > 0, kept, raw)
        gained = prior + np.bincount(group, weights=kept, minlength=len(starts)).astype(np.int64)
        last = np.append(starts[1:] - 1, n - 1)
        newest = np.flatnonzero(day[last] >= self.day[who[last]])
        return Credit(credited, who[last][newest], day[last][newest], gained[newest], days)

    def _prior(
        self, who: Int64Array, day: Int64Array, ledger: Ledger, places: Places
    ) -> Int64Array:
        """What each (person, local day) pair already gained before this batch."""
        stored = self.day[who]
        prior = np.where(day == stored, self.gained[who], 0)
        for i in np.flatnonzero(day < stored).tolist():
            rows = np.flatnonzero(ledger.log["member"] == who[i])
            credited = ledger.log["credited"][rows]
            local = ledger.log["day"][rows]
            prior[i] = int(credited[(local == day[i]) & (credited > 0)].sum())
        return prior

    def store(self, credit: Credit) -> None:
        """Keep the new (day, gained) of :meth:`credit`."""
        if not len(credit.who):
            return
        self.day[credit.who] = credit.day
        self.gained[credit.who] = credit.gained

    def rebuild(self, ledger: Ledger, places: Places, size: int) -> None:
        """The cap's columns from the log (after ``from_state``), for the first ``size``."""
        log = ledger.log
        if self.policy.daily_cap is None or not log.length:
            return
        members = log["member"].astype(np.int64)
        days = log["day"]
        self._check_daily(members, days, np.maximum(log["credited"], 0))
        latest = np.full(size, NEVER, np.int64)
        np.maximum.at(latest, members, days)
        today = days == latest[members]
        gains = np.where(today & (log["credited"] > 0), log["credited"], 0)
        self.day[:size] = latest
        self.gained[:size] = np.bincount(members, weights=gains, minlength=size).astype(np.int64)

    def _check_daily(self, members: Int64Array, days: Int64Array, gains: Int64Array) -> None:
        """``InvalidInputError`` if any (person, local day) gained more than the cap."""
        order = np.lexsort((days, members))
        who, day = members[order], days[order]
        first = np.ones(len(order), np.bool_)
        first[1:] = (who[1:] != who[:-1]) | (day[1:] != day[:-1])
        daily = np.add.reduceat(gains[order], np.flatnonzero(first))
        if len(daily) and int(daily.max()) > (self.policy.daily_cap or 0):
            raise InvalidInputError(
                "state.contributions.credited: a member gains more than the daily cap "
                f"({self.policy.daily_cap}) in a day"
            )


def decayed(ledger: Ledger, half_life: timedelta, at: int, size: int) -> Int64Array:
    """Reputation of the first ``size`` people at ``at``: each credited point halved per
    ``half_life`` of age, rows after ``at`` left out, rounded down."""
    log = ledger.log
    seen = log["at"] <= at
    age = (at - log["at"][seen]).astype(np.float64)
    factor: Float64Array = np.exp2(-age / (half_life / timedelta(microseconds=1)))
    weights = log["credited"][seen] * factor
    summed = np.bincount(log["member"][seen], weights=weights, minlength=size)[:size]
    scores: Int64Array = np.floor(summed + 1e-9).astype(np.int64)
    return scores


def decayed_one(ledger: Ledger, half_life: timedelta, at: int, index: int) -> int:
    """:func:`decayed` for one person."""
    rows = np.flatnonzero(ledger.log["member"] == index)
    log = ledger.log
    times = log["at"][rows]
    seen = times <= at
    age = (at - times[seen]).astype(np.float64)
    factor = np.exp2(-age / (half_life / timedelta(microseconds=1)))
    return int(np.floor(float((log["credited"][rows][seen] * factor).sum()) + 1e-9))


def leaders(
    group: FanGroup, candidates: Int64Array, n: int, cutoff: int | None
) -> tuple[Int64Array, Int64Array]:
    """The ``n`` best ``candidates``: by decayed reputation now under a half-life and without
    ``cutoff``, else as the ledger ranks them."""
    size = len(group._membership.people)
    half_life = group._cap.policy.half_life
    if half_life is None or cutoff is not None:
        return group._ledger.leaders(candidates, n, size, cutoff)
    scores = decayed(group._ledger, half_life, group._now(None), size)
    return best_of(candidates, scores, n)
