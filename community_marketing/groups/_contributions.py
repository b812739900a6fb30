"""Recording contributions (``contribute``, ``record_contributions``): check, then write."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._ids import as_id_list
from .._time import micros_array
from ._ledger import check_weights
from ._values import Badge

if TYPE_CHECKING:
    from ._group import FanGroup, Ids, Moments

__all__ = ["record"]


def record(
    group: FanGroup, members: Ids, kinds: object, at: Moments, weights: object, field: str
) -> list[Badge]:
    """Check every row, then what the totals and badges become, then write them all."""
    if not isinstance(members, np.ndarray):
        members = as_id_list(members, "members")
    n = len(members)
    codes = group._ledger.kind_codes(kinds, n)
    weight_column = check_weights(weights, n)
    micros = np.full(n, group._now(None), np.int64) if at is None else micros_array(at, n, "at")
    if n == 0:
        return []
    with group._lock:
        people = group._membership.people
        indices = group._membership.indices_of_members(members, "members")
        raw = group._ledger.raw_points(codes, weight_column)
        credit = group._cap.credit(indices, raw, micros, group._ledger, group._places)
        credited = credit.points
        totals = group._ledger.totals_after(indices, codes, weight_column, credited, people, field)
        plans = group._badges.planned(group._badges.rules, 0, totals, group._ledger, field)
        revocations = group._badges.revoked_by(totals, group._ledger)
        group._ledger.record(indices, codes, weight_column, micros, credited, totals, credit.days)
        group._cap.store(credit)
        latest = int(micros.max())
        moved = group._trust.update(totals.touched, totals.reputation, latest)
        group._roles.refresh(moved, group._trust)
        group._badges.revoke(revocations)
        start = group._badges.award(plans, latest)
        return group._badges.since(start, people)
