"""Trust levels: per person the level, since when, whether it is locked, and every change.

Levels follow reputation at each contribution when the policy has no activity requirements;
otherwise they move at ``FanGroup.evaluate_trust`` (see ``_trust_rules``). A manual level can be
locked, and then nothing automatic moves it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import numpy as np

from .._columns import Columns, grown
from .._ids import IdIndex
from .._time import MAX_MICROS, MIN_MICROS, from_micros
from .._types import BoolArray, Float64Array, Int64Array
from ..errors import InvalidInputError
from ._ledger import Ledger
from ._values import NEVER, TrustChange, TrustPolicy

REASONS: Final = ("reputation", "promoted", "demoted", "manual", "locked", "unlocked")
"""Why a level changed: reputation at a contribution, an evaluation's promotion or demotion, a
level set by hand (``locked`` when locked with it), or a lock lifted."""
REASON_CODE: Final = {reason: code for code, reason in enumerate(REASONS)}


def check_policy(trust: object, ledger: Ledger | None = None) -> TrustPolicy:
    """``trust``, or the default ``TrustPolicy()`` for None; its kinds must be the ledger's."""
    trust = TrustPolicy() if trust is None else trust
    if not isinstance(trust, TrustPolicy):
        raise InvalidInputError(f"trust: expected a TrustPolicy, got {type(trust).__name__}")
    if ledger is not None:
        known = ledger.kind_code
        if trust.flag_kind is not None and trust.flag_kind not in known:
            raise InvalidInputError(
                f"trust.flag_kind: expected one of {ledger.kinds}, got {trust.flag_kind!r}"
            )
        for i, requirement in enumerate(trust.requirements):
            for kind, _ in requirement.counts:
                if kind not in known:
                    raise InvalidInputError(
                        f"trust.requirements[{i}].counts: expected kinds among {ledger.kinds}, "
                        f"got {kind!r}"
                    )
    return trust


class Trust:
    """The trust policy as arrays; per person the level, since when, and a lock; the history.

    Parameters
    ----------
    policy : TrustPolicy
        Thresholds, low-water fraction, unlocks and requirements.
    """

    __slots__ = ("bits", "high", "history", "level", "locked", "low", "policy", "since")

    def __init__(self, policy: TrustPolicy) -> None:
        self.policy = policy
        self.bits: Int64Array = np.array(policy.cumulative_unlocks(), np.int64)
        self.high: Int64Array = np.array(policy.thresholds, np.int64)
        self.low: Float64Array = np.array(policy.thresholds, np.float64) * policy.low_water
        self.level: Int64Array = np.zeros(0, np.int64)
        self.locked: BoolArray = np.zeros(0, np.bool_)
        self.since: Int64Array = np.full(0, NEVER, np.int64)
        self.history = Columns(
            {"member": np.int64, "at": np.int64, "old": np.int64, "new": np.int64,
             "reason": np.int8}
        )  # fmt: skip

    def grow(self, capacity: int) -> None:
        """Room for ``capacity`` people."""
        self.level = grown(self.level, capacity)
        self.locked = grown(self.locked, capacity, False)
        self.since = grown(self.since, capacity, NEVER)

    def unlocked(self, indices: Int64Array) -> Int64Array:
        """The ability bits the levels of ``indices`` unlock."""
        unlocked: Int64Array = self.bits[self.level[indices]]
        return unlocked

    def update(self, touched: Int64Array, reputation: Int64Array, micros: int) -> Int64Array:
        """Move ``touched`` to the level their ``reputation`` gives; returns who changed.

        A member climbs as soon as a threshold is reached but drops only below its low-water
        mark (and not within ``grace`` of reaching the level), so one dip does not cost the
        level. Locked members stay; with activity requirements nothing moves here.
        """
        if not len(self.high) or self.policy.requirements:
            return touched[:0]
        current = self.level[touched]
        target = np.searchsorted(self.high, reputation, side="right")
        keep = np.searchsorted(self.low, reputation, side="right")
        level = np.maximum(target, np.minimum(current, keep))
        changed = level != current
        if not changed.any():
            return touched[:0]
        held = self.locked[touched]
        if self.policy.grace:
            held = held | ((level < current) & (micros < self.grace_end(touched)))
        changed &= ~held
        moved: Int64Array = touched[changed]
        self.move(moved, level[changed], micros, "reputation")
        return moved

    def grace_end(self, indices: Int64Array) -> Int64Array:
        """When the grace of the current level of each of ``indices`` ends (NEVER: none)."""
        grace = self.policy.grace // timedelta(microseconds=1)
        since = self.since[indices]
        end: Int64Array = np.where(since == NEVER, NEVER, since + grace)
        return end

    def move(self, indices: Int64Array, levels: Int64Array, micros: int, reason: str) -> None:
        """Set the levels of ``indices`` and log each change with its ``reason``."""
        if not len(indices):
            return
        self.history.append(
            member=indices,
            at=np.full(len(indices), micros, np.int64),
            old=self.level[indices],
            new=levels,
            reason=np.full(len(indices), REASON_CODE[reason], np.int8),
        )
        self.level[indices] = levels
        self.since[indices] = micros

    def set_by_hand(self, index: int, level: int | None, lock: bool, micros: int) -> bool:
        """Set (and lock, or not) ``index``'s level, or lift the lock for None; True if changed."""
        one = np.array([index], np.int64)
        if level is None:
            if not self.locked[index]:
                return False
            self.locked[index] = False
            self.history.append(
                member=one, at=np.array([micros]), old=self.level[one], new=self.level[one],
                reason=np.array([REASON_CODE["unlocked"]], np.int8),
            )  # fmt: skip
            return True
        self.locked[index] = lock
        self.move(one, np.array([level], np.int64), micros, "locked" if lock else "manual")
        return True

    def changes(self, rows: Int64Array, people: IdIndex) -> list[TrustChange]:
        """The history ``rows`` as TrustChange values."""
        history = self.history
        members = people.ids_at(history["member"][rows])
        columns = (history[name][rows].tolist() for name in ("at", "old", "new", "reason"))
        return [
            TrustChange(member, from_micros(at), old, new, REASONS[reason])
            for member, at, old, new, reason in zip(members, *columns, strict=True)
        ]

    def rows(self, index: int | None) -> Int64Array:
        """The history rows of ``index`` as recorded, or of everyone by time, then person."""
        history = self.history
        if index is None:
            return np.lexsort((history["member"], history["at"]))
        return np.flatnonzero(history["member"] == index)

    def person_state(self, size: int) -> list[object]:
        """One entry per person: the level, or ``{"level", "locked", "history"}`` once changed."""
        history = self.history
        entries: list[object] = self.level[:size].tolist()
        order = np.argsort(history["member"], kind="stable")
        columns = [history[n][order].tolist() for n in ("member", "at", "old", "new", "reason")]
        for member, at, old, new, reason in zip(*columns, strict=True):
            entry = entries[member]
            if not isinstance(entry, dict):
                entry = entries[member] = {
                    "level": entry, "locked": bool(self.locked[member]), "history": []
                }  # fmt: skip
            entry["history"].append([at, old, new, REASONS[reason]])
        return entries

    def read_person(self, index: int, entry: object, field: str) -> None:
        """Read one entry of :meth:`person_state` (checked) into ``index``."""
        levels = len(self.policy.thresholds)
        if not isinstance(entry, dict):
            self.level[index] = _level(entry, field, levels)
            return
        if set(entry) != {"level", "locked", "history"} or not isinstance(entry["locked"], bool):
            raise InvalidInputError(f"{field}: expected level, locked (a bool) and history")
        self.level[index] = _level(entry["level"], f"{field}.level", levels)
        self.locked[index] = entry["locked"]
        rows = _history_rows(entry["history"], f"{field}.history", levels)
        self.history.append(
            member=np.full(len(rows), index, np.int64),
            at=np.array([row[0] for row in rows], np.int64),
            old=np.array([row[1] for row in rows], np.int64),
            new=np.array([row[2] for row in rows], np.int64),
            reason=np.array([REASON_CODE[row[3]] for row in rows], np.int8),
        )
        moves = [row[0] for row in rows if row[3] != "unlocked"]
        self.since[index] = moves[-1] if moves else NEVER


def _level(value: object, field: str, levels: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= levels:
        raise InvalidInputError(f"{field}: expected a level from 0 to {levels}, got {value!r}")
    return value


def _history_rows(raw: object, field: str, levels: int) -> list[tuple[int, int, int, str]]:
    if not isinstance(raw, list) or not raw:
        raise InvalidInputError(f"{field}: expected a non-empty list of changes")
    rows = []
    for i, row in enumerate(raw):
        if not isinstance(row, list) or len(row) != 4 or not isinstance(row[3], str):
            raise InvalidInputError(f"{field}[{i}]: expected [at, old, new, reason]")
        if row[3] not in REASON_CODE:
            raise InvalidInputError(f"{field}[{i}]: expected a reason among {REASONS}")
        at = row[0]
        if isinstance(at, bool) or not isinstance(at, int) or not MIN_MICROS <= at <= MAX_MICROS:
            raise InvalidInputError(f"{field}[{i}]: expected a time in microseconds")
        old = _level(row[1], f"{field}[{i}].old", levels)
        new = _level(row[2], f"{field}[{i}].new", levels)
        rows.append((at, old, new, row[3]))
    return rows
