"""Trust levels: earned from reputation, kept until it falls below the low-water mark."""

from __future__ import annotations

import numpy as np

from .._columns import grown
from .._types import Float64Array, Int64Array
from ..errors import InvalidInputError
from ._values import TrustPolicy


def check_policy(trust: object) -> TrustPolicy:
    """``trust``, or the default ``TrustPolicy()`` for None."""
    trust = TrustPolicy() if trust is None else trust
    if not isinstance(trust, TrustPolicy):
        raise InvalidInputError(f"trust: expected a TrustPolicy, got {type(trust).__name__}")
    return trust


class Trust:
    """The trust policy as arrays, and each person's current level.

    Parameters
    ----------
    policy : TrustPolicy
        Thresholds, low-water fraction and unlocks.
    """

    __slots__ = ("bits", "high", "level", "low", "policy")

    def __init__(self, policy: TrustPolicy) -> None:
        self.policy = policy
        self.bits: Int64Array = np.array(policy.cumulative_unlocks(), np.int64)
        self.high: Int64Array = np.array(policy.thresholds, np.int64)
        self.low: Float64Array = np.array(policy.thresholds, np.float64) * policy.low_water
        self.level: Int64Array = np.zeros(0, np.int64)

    def grow(self, capacity: int) -> None:
        """Room for ``capacity`` people."""
        self.level = grown(self.level, capacity)

    def unlocked(self, indices: Int64Array) -> Int64Array:
        """The ability bits the levels of ``indices`` unlock."""
        unlocked: Int64Array = self.bits[self.level[indices]]
        return unlocked

    def update(self, touched: Int64Array, reputation: Int64Array) -> Int64Array:
        """Move ``touched`` to the level their ``reputation`` gives; returns who changed.

        A member climbs as soon as a threshold is reached but drops only below its low-water
        mark, so one dip does not cost the level.
        """
        if not len(self.high):
            return touched[:0]
        current = self.level[touched]
        target = np.searchsorted(self.high, reputation, side="right")
        keep = np.searchsorted(self.low, reputation, side="right")
        level = np.maximum(target, np.minimum(current, keep))
        changed = level != current
        moved: Int64Array = touched[changed]
        self.level[moved] = level[changed]
        return moved
