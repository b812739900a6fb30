"""Rewards: trials and discounts earned with badges, due until the brand hands them out.

A reward's id is its award's id in the badge log (ids only grow, and a revoked award's id is
never reused); an award is settled once handed out (bare badges are settled when awarded).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .._checks import check_int
from .._ids import IdIndex
from .._types import Int64Array
from ..errors import InvalidInputError
from ._badges import Badges
from ._values import RewardDue


def rewards_due(badges: Badges, people: IdIndex) -> list[RewardDue]:
    """Every unsettled reward, oldest first."""
    rows = np.flatnonzero(~badges.log["settled"])
    ids = badges.log["id"][rows].tolist()
    return [
        RewardDue(i, badge.member, badge.name, badge.reward, badge.awarded_at)
        for i, badge in zip(ids, badges.badges_from(rows, people), strict=True)
    ]


def reward_rows(ids: object, known: Int64Array) -> list[int]:
    """``ids`` checked as reward ids (of the increasing ids ``known``), as rows of the log."""
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
        raise InvalidInputError(f"ids: expected a sequence of reward ids, got {type(ids).__name__}")
    if isinstance(ids, np.ndarray) and ids.ndim != 1:
        raise InvalidInputError(f"ids: expected a 1-d sequence of reward ids, got {ids.shape}")
    last = int(known[-1]) if len(known) else -1
    rows = []
    for position, i in enumerate(ids):
        value = check_int(i, f"ids[{position}]", low=0, high=max(last, 0))
        row = int(np.searchsorted(known, value))
        if row >= len(known) or known[row] != value:
            raise InvalidInputError(
                f"ids[{position}]: no award has id {value} (revoked, erased or never made)"
            )
        rows.append(row)
    return rows


def mark_handed_out(badges: Badges, ids: object) -> None:
    """Settle the rewards ``ids``; all are checked before any is settled."""
    log = badges.log
    rows = reward_rows(ids, log["id"])
    log["settled"][rows] = True
