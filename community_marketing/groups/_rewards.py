"""Rewards: trials and discounts earned with badges, due until the brand hands them out.

A reward's id is its row in the badge log; a row is settled once handed out (bare badges are
settled when awarded).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .._checks import check_int
from .._ids import IdIndex
from ._badges import Badges
from ._values import RewardDue


def rewards_due(badges: Badges, people: IdIndex) -> list[RewardDue]:
    """Every unsettled reward, oldest first."""
    rows = np.flatnonzero(~badges.log["settled"])
    return [
        RewardDue(row, badge.member, badge.name, badge.reward, badge.awarded_at)
        for row, badge in zip(rows.tolist(), badges.badges_from(rows, people), strict=True)
    ]


def mark_handed_out(badges: Badges, ids: Iterable[int]) -> None:
    """Settle the rewards ``ids``; all are checked before any is settled."""
    log = badges.log
    rows = [check_int(i, "ids", low=0, high=log.length - 1) for i in ids]
    log["settled"][rows] = True
