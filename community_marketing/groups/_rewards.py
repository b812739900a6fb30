"""Rewards: trials and discounts earned with badges, due until the brand hands them out.

A reward's id is its row in the badge log; a row is settled once handed out (bare badges are
settled when awarded).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .._checks import check_int
from .._ids import IdIndex
from ..errors import InvalidInputError
from ._badges import Badges
from ._values import RewardDue


def rewards_due(badges: Badges, people: IdIndex) -> list[RewardDue]:
    """Every unsettled reward, oldest first."""
    rows = np.flatnonzero(~badges.log["settled"])
    return [
        RewardDue(row, badge.member, badge.name, badge.reward, badge.awarded_at)
        for row, badge in zip(rows.tolist(), badges.badges_from(rows, people), strict=True)
    ]


def reward_rows(ids: object, length: int) -> list[int]:
    """``ids`` checked as reward ids (rows of a badge log of ``length`` rows)."""
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
        raise InvalidInputError(f"ids: expected a sequence of reward ids, got {type(ids).__name__}")
    if isinstance(ids, np.ndarray) and ids.ndim != 1:
        raise InvalidInputError(f"ids: expected a 1-d sequence of reward ids, got {ids.shape}")
    return [check_int(i, f"ids[{row}]", low=0, high=length - 1) for row, i in enumerate(ids)]


def mark_handed_out(badges: Badges, ids: object) -> None:
    """Settle the rewards ``ids``; all are checked before any is settled."""
    log = badges.log
    rows = reward_rows(ids, log.length)
    log["settled"][rows] = True
