"""Re-evaluating every badge rule at a moment: windows that slid, reputation that fell or decayed.

Rules with a window count only the contributions within it, so they move with time rather than
with contributions; revocable rules give back what no longer holds. Both are a few array
operations over the contribution log per rule.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np

from .._types import Int64Array
from ..errors import InvalidInputError
from ._badges import Award, Revocation, earned_of
from ._ledger import Ledger
from ._reputation import decayed
from ._values import MAX_AWARDS, Badge, BadgeRule

if TYPE_CHECKING:
    from ._group import FanGroup


def _metric(rule: BadgeRule, ledger: Ledger, members: Int64Array, at: int, size: int,
            reputation: Int64Array) -> Int64Array:  # fmt: skip
    """What ``rule`` counts for each of ``members`` at ``at``."""
    if rule.window is None:
        if rule.kind is None:
            return reputation[members]
        column: Int64Array = ledger.counts[members, ledger.kind_code[rule.kind]]
        return column
    log = ledger.log
    times = log["at"]
    rows = (times <= at) & (times > at - rule.window // timedelta(microseconds=1))
    if rule.kind is None:
        values = log["credited"][rows].astype(np.float64)
    else:
        rows &= log["kind"] == ledger.kind_code[rule.kind]
        values = log["weight"][rows].astype(np.float64)
    summed = np.bincount(log["member"][rows], weights=values, minlength=size)
    window: Int64Array = summed[members].astype(np.int64)
    return window


def evaluate_group(group: FanGroup, at: int) -> list[Badge]:
    """Award what every rule now gives the members, revoke what revocable rules take back."""
    badges, ledger = group._badges, group._ledger
    if badges.log.length and at < int(badges.log["at"].max()):
        # Going back would revoke what a later award gave, and the next run would award it
        # (and its reward) again.
        raise InvalidInputError(
            "at: earlier than the latest badge awarded; badges are evaluated forward in time"
        )
    members = group._membership.members()
    size = len(group._membership.people)
    half_life = group._cap.policy.half_life
    if half_life is None:
        reputation = ledger.reputation[:size]
    else:
        reputation = decayed(ledger, half_life, at, size)
    plans: list[Award] = []
    revocations: list[Revocation] = []
    for number, rule in enumerate(badges.rules):
        earned = earned_of(rule, _metric(rule, ledger, members, at, size, reputation))
        held = badges.awarded[members, number]
        winners = earned > held
        if winners.any():
            new = (earned - held)[winners]
            plans.append(Award(number, members[winners], earned[winners], new))
        if rule.revocable:
            revocations.append(badges.revocations(members, earned, number))
    total = sum(int(plan.new.sum()) for plan in plans)
    badges.check_award_count(total, MAX_AWARDS + len(members) * len(badges.rules), "at")
    badges.revoke(revocations)
    start = badges.award(plans, at)
    return badges.since(start, group._membership.people)
