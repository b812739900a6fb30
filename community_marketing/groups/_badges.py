"""Badges: rules that award them when a count or reputation reaches a mark, and the award log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, NamedTuple

import numpy as np

from .._columns import Columns
from .._ids import IdIndex
from .._time import from_micros
from .._types import Int64Array
from ..errors import InvalidInputError
from ._ledger import Ledger, Totals, grown_rows
from ._values import MAX_AWARDS, MAX_COUNT, TIER_ORDER, Badge, BadgeRule

LOG_COLUMNS: Final = {
    "member": np.int64, "rule": np.int32, "at": np.int64, "settled": np.bool_, "id": np.int64
}  # fmt: skip


class Award(NamedTuple):
    """Awards of one rule: to whom, their new count of it, and how many are new."""

    number: int
    who: Int64Array
    earned: Int64Array
    new: Int64Array


class Revocation(NamedTuple):
    """Revocations of one rule: from whom, and the count of it each keeps."""

    number: int
    who: Int64Array
    earned: Int64Array


def check_rules(rules: object, known: Sequence[BadgeRule], ledger: Ledger) -> list[BadgeRule]:
    """``rules`` as BadgeRules with new, distinct names and kinds the ledger knows."""
    if isinstance(rules, (str, bytes)) or not isinstance(rules, Sequence):
        raise InvalidInputError(f"badge_rules: expected a sequence of BadgeRule, got {rules!r}")
    names = {rule.name for rule in known}
    checked = []
    for i, rule in enumerate(rules):
        if not isinstance(rule, BadgeRule):
            raise InvalidInputError(
                f"badge_rules[{i}]: expected a BadgeRule, got {type(rule).__name__}"
            )
        if rule.name in names:
            raise InvalidInputError(f"badge_rules[{i}]: a badge named {rule.name!r} exists")
        if rule.kind is not None and rule.kind not in ledger.kind_code:
            raise InvalidInputError(
                f"badge_rules[{i}].kind: expected one of {ledger.kinds}, got {rule.kind!r}"
            )
        names.add(rule.name)
        checked.append(rule)
    return checked


def earned_of(rule: BadgeRule, metric: Int64Array) -> Int64Array:
    """How many times each ``metric`` earns ``rule``."""
    if rule.repeatable:
        earned: Int64Array = np.maximum(metric // rule.at_least, 0)
        return earned
    return (metric >= rule.at_least).astype(np.int64)


def best_badge(held: Sequence[Badge]) -> Badge:
    """The highest tier among ``held``, the latest of that tier."""
    return max(enumerate(held), key=lambda pair: (TIER_ORDER[pair[1].tier], pair[0]))[1]


def labelled(shown: str, held: Sequence[Badge]) -> str:
    """``shown`` with the best of ``held`` beside it (as is without badges)."""
    if not held:
        return shown
    best = best_badge(held)
    return f"{shown} [{best.tier.value}: {best.name}]"


class Badges:
    """The rules, how many times each person earned each, and the log of every award.

    Parameters
    ----------
    rules : list of BadgeRule
        Already checked (see :func:`check_rules`).
    """

    __slots__ = ("awarded", "log", "next_id", "rules")

    def __init__(self, rules: list[BadgeRule]) -> None:
        self.rules = rules
        self.awarded: Int64Array = np.zeros((0, len(rules)), np.int64)
        self.log = Columns(LOG_COLUMNS)
        self.next_id = 0
        """The id of the next award: ids only grow, so a revoked award's id is never reused."""

    def grow(self, capacity: int) -> None:
        """Room for ``capacity`` people."""
        self.awarded = grown_rows(self.awarded, capacity)

    def add_rule(self, rule: BadgeRule) -> None:
        """One more rule (already checked by :func:`check_rules`), nobody holding it yet."""
        self.rules.append(rule)
        self.awarded = np.hstack([self.awarded, np.zeros((len(self.awarded), 1), np.int64)])

    def number_of(self, name: str) -> int:
        """The position of the rule named ``name``."""
        if not isinstance(name, str):
            raise InvalidInputError(f"badge: expected a str, got {type(name).__name__}")
        names = [rule.name for rule in self.rules]
        if name not in names:
            raise InvalidInputError(f"badge: expected one of {names}, got {name!r}")
        return names.index(name)

    def planned(
        self, rules: Sequence[BadgeRule], first: int, totals: Totals, ledger: Ledger, field: str
    ) -> list[Award]:
        """What ``rules`` (numbered from ``first``) award the people of ``totals``; no writes.

        A call may award at most one badge per person and rule plus :data:`MAX_AWARDS`
        repeats; more (a repeatable rule of mark 1 meeting a weight of a billion) raises
        ``InvalidInputError`` naming ``field``.
        """
        touched = totals.touched
        plans = []
        for number, rule in enumerate(rules, first):
            if rule.window is not None:
                continue  # a window slides with time: evaluate_badges decides
            if rule.kind is None:
                metric = totals.reputation
            else:
                metric = totals.counts[:, ledger.kind_code[rule.kind]]
            earned = earned_of(rule, metric)
            held = self.awarded[touched, number] if number < self.awarded.shape[1] else 0
            winners = earned > held
            if winners.any():
                new = (earned - held)[winners]
                plans.append(Award(number, touched[winners], earned[winners], new))
        total = sum(int(plan.new.sum()) for plan in plans)
        self.check_award_count(total, MAX_AWARDS + len(touched) * len(rules), field)
        return plans

    @staticmethod
    def check_award_count(total: int, limit: int, field: str) -> None:
        """``InvalidInputError`` naming ``field`` when one call would award past ``limit``."""
        if total > limit:
            raise InvalidInputError(
                f"{field}: would award {total} badges in one call; at most {limit}"
            )

    def rule_awards(
        self, rule: object, members: Int64Array, ledger: Ledger
    ) -> tuple[BadgeRule, list[Award]]:
        """``rule`` checked as a new rule, and what it awards ``members`` when added."""
        (checked,) = check_rules([rule], self.rules, ledger)
        totals = Totals(members, ledger.reputation[members], ledger.counts[members])
        return checked, self.planned([checked], len(self.rules), totals, ledger, "rule")

    def revoked_by(self, totals: Totals, ledger: Ledger) -> list[Revocation]:
        """What revocable rules without a window take back from the people of ``totals``."""
        found = []
        for number, rule in enumerate(self.rules):
            if rule.revocable and rule.window is None:
                if rule.kind is None:
                    metric = totals.reputation
                else:
                    metric = totals.counts[:, ledger.kind_code[rule.kind]]
                earned = earned_of(rule, metric)
                found.append(self.revocations(totals.touched, earned, number))
        return found

    def award(self, plans: list[Award], micros: int) -> int:
        """Make the awards :meth:`planned` found; returns the first new log row."""
        start = self.log.length
        for plan in plans:
            self.awarded[plan.who, plan.number] = plan.earned
            self._log(np.repeat(plan.who, plan.new), plan.number, micros)
        return start

    def award_by_hand(self, index: int, number: int, micros: int) -> int:
        """Award rule ``number`` to ``index`` once more; returns the log row."""
        if self.awarded[index, number] >= MAX_COUNT:
            raise InvalidInputError(f"badge: already awarded {MAX_COUNT} (2**53) times")
        self.awarded[index, number] += 1
        self._log(np.array([index], np.int64), number, micros)
        return self.log.length - 1

    def _log(self, members: Int64Array, number: int, micros: int) -> None:
        # A bare badge has nothing to hand out, so it is settled from the start.
        self.log.append(
            member=members,
            rule=np.full(len(members), number, np.int32),
            at=np.full(len(members), micros, np.int64),
            settled=np.full(len(members), self.rules[number].reward.kind == "badge"),
            id=np.arange(self.next_id, self.next_id + len(members), dtype=np.int64),
        )
        self.next_id += len(members)

    def revocations(self, touched: Int64Array, earned: Int64Array, number: int) -> Revocation:
        """Who of ``touched`` holds rule ``number`` more often than ``earned`` now (revocable)."""
        held = self.awarded[touched, number]
        over = earned < held
        return Revocation(number, touched[over], earned[over])

    def revoke(self, revocations: list[Revocation]) -> int:
        """Take back the latest grants beyond what each person earns; how many went."""
        revocations = [plan for plan in revocations if len(plan.who)]
        if not revocations:
            return 0
        log = self.log
        drop = np.zeros(log.length, np.bool_)
        for plan in revocations:
            if not len(plan.who):
                continue
            excess = np.zeros(len(self.awarded), np.int64)
            excess[plan.who] = self.awarded[plan.who, plan.number] - plan.earned
            self.awarded[plan.who, plan.number] = plan.earned
            rows = np.flatnonzero(log["rule"] == plan.number)
            members = log["member"][rows]
            # Latest first within each person: rank 0 is their newest grant of the rule.
            order = np.lexsort((-rows, members))
            ordered = members[order]
            first = np.r_[True, ordered[1:] != ordered[:-1]]
            starts = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
            rank = np.arange(len(order)) - starts
            drop[rows[order][rank < excess[ordered]]] = True
        if drop.any():
            kept = {name: log[name][~drop] for name in log.names()}
            self.log = Columns(LOG_COLUMNS)
            self.log.append(**kept)
        return int(drop.sum())

    def since(self, start: int, people: IdIndex) -> list[Badge]:
        """The badges awarded from log row ``start`` on."""
        return self.badges_from(np.arange(start, self.log.length), people)

    def rows_of(self, index: int) -> Int64Array:
        """The log rows of ``index``'s badges, oldest first."""
        return np.flatnonzero(self.log["member"] == index)

    def badges_from(self, rows: Int64Array, people: IdIndex) -> list[Badge]:
        """The log ``rows`` as Badge values."""
        log = self.log
        members = people.ids_at(log["member"][rows])
        rules = log["rule"][rows].tolist()
        times = log["at"][rows].tolist()
        return [
            Badge(
                self.rules[r].name, self.rules[r].tier, member, from_micros(t), self.rules[r].reward
            )
            for member, r, t in zip(members, rules, times, strict=True)
        ]
