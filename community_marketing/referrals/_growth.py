"""Growth by word of mouth: the viral coefficient K of a period, and growth projected from K."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np

from .._checks import check_float, check_int
from .._types import Float64Array, Int64Array
from ..errors import InvalidInputError
from ._values import GrowthProjection, ViralCoefficient

__all__ = ["MAX_CYCLES", "project_growth", "viral_coefficient"]

MAX_CYCLES = 1_000_000
"""The most cycles ``project_growth`` projects (one float per cycle)."""


def project_growth(k: float, cycles: int, initial: float) -> GrowthProjection:
    """Project members over referral cycles: ``U(t) = U0 (K^(t+1) - 1) / (K - 1)``.

    Parameters
    ----------
    k : float
        Viral coefficient (>= 0).
    cycles : int
        Number of cycles after the first (>= 0, at most 1,000,000).
    initial : float
        Members at the start, U0 (>= 0).

    Returns
    -------
    GrowthProjection
        ``users`` for ``t = 0..cycles`` and the limit ``U0 / (1 - K)`` when ``K < 1``.

    Examples
    --------
    >>> from community_marketing.referrals import project_growth
    >>> growth = project_growth(2.0, 2, 10)
    >>> growth.users.tolist(), growth.limit
    ([10.0, 30.0, 70.0], inf)
    >>> project_growth(0.5, 0, 100).limit
    200.0
    """
    k = check_float(k, "k", low=0.0)
    initial = check_float(initial, "initial", low=0.0)
    cycles = check_int(cycles, "cycles", low=0, high=MAX_CYCLES)
    t = np.arange(cycles + 1, dtype=np.float64)
    if k == 1.0 or initial == 0.0:
        users: Float64Array = initial * (t + 1.0)
    else:
        # Past float range the projection is inf: growth beyond any count, not an error.
        with np.errstate(over="ignore"):
            users = initial * (np.power(k, t + 1.0) - 1.0) / (k - 1.0)
    limit = initial / (1.0 - k) if k < 1.0 else math.inf
    return GrowthProjection(k, initial, users, limit)


def viral_coefficient(
    since: Int64Array,
    credited_at: Int64Array,
    low: int,
    high: int,
    start: datetime,
    invitations: int | None,
) -> ViralCoefficient:
    """K of ``[low, high)`` from members' join times and the times of credited referrals."""
    members = int(np.count_nonzero(since < low))
    referrals = int(np.count_nonzero((credited_at >= low) & (credited_at < high)))
    if members == 0:
        raise InvalidInputError(f"start: no members before {start}; K is undefined")
    k = referrals / members
    if invitations is None:
        return ViralCoefficient(k, members, referrals)
    if referrals > invitations:
        raise InvalidInputError(
            f"invitations: expected at least the {referrals} referrals, got {invitations}"
        )
    conversion = referrals / invitations if invitations else 0.0
    return ViralCoefficient(k, members, referrals, invitations, invitations / members, conversion)
