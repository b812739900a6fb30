"""Referral rewards: a referral graph's attributed referrals credited as contributions.

The graph comes in through a small protocol (``referral_history`` and ``suspicious_referrals``),
so ``groups`` never imports ``referrals``. Crediting tops each member's count of the referral
kind up to the number of their referrals that count, so calling it again credits nothing twice;
milestones are badge rules on that kind, and their rewards are due until handed out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Hashable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .._time import MIN_MICROS, ensure_timedelta, from_micros
from ..errors import InvalidInputError
from . import _contributions
from ._values import Badge

if TYPE_CHECKING:
    from ._group import FanGroup


class ReferralSource(Protocol):
    """What crediting reads of a referral graph (``ReferralGraph`` has both)."""

    def referral_history(self) -> Sequence[Any]: ...  # pragma: no cover

    def suspicious_referrals(self) -> Sequence[Any]: ...  # pragma: no cover


def check_source(graph: object) -> ReferralSource:
    """``graph`` if it reads like a ReferralGraph."""
    for method in ("referral_history", "suspicious_referrals"):
        if not callable(getattr(graph, method, None)):
            raise InvalidInputError(
                f"graph: expected a ReferralGraph (with {method}()), got {type(graph).__name__}"
            )
    return graph  # type: ignore[return-value]


def check_qualified(qualified: object) -> Callable[[Hashable], bool] | None:
    """None, a predicate over referees, or a collection of qualified referees."""
    if qualified is None or callable(qualified):
        return qualified
    if isinstance(qualified, (str, bytes)) or not isinstance(qualified, Collection):
        raise InvalidInputError(
            f"qualified: expected a callable or a collection of referees, got {qualified!r}"
        )
    return qualified.__contains__


def counted(
    graph: ReferralSource, qualified: Callable[[Hashable], bool] | None, at: datetime
) -> Counter[Hashable]:
    """Per referrer, attributed referrals up to ``at``, none flagged, referee qualified.

    ``at`` is already the moment minus the hold: the flags are read as they stand now.
    """
    flagged: dict[Hashable, list[tuple[datetime, datetime]]] = {}
    for flag in graph.suspicious_referrals():
        flagged.setdefault(flag.referrer, []).append((flag.start, flag.end))
    counts: Counter[Hashable] = Counter()
    for referral in graph.referral_history():
        if not referral.attributed or referral.at > at:
            continue
        spans = flagged.get(referral.referrer, ())
        if any(start <= referral.at <= end for start, end in spans):
            continue
        if qualified is not None and not qualified(referral.referee):
            continue
        counts[referral.referrer] += 1
    return counts


def credit(
    group: FanGroup, graph: object, kind: object, qualified: object, micros: int, hold: object
) -> list[Badge]:
    """Top up every member's count of ``kind`` to their referrals that count; badges earned."""
    source = check_source(graph)
    test = check_qualified(qualified)
    code = group._ledger.kind_codes(kind, 1)[0]
    wait = ensure_timedelta(hold, "hold", positive=False)
    if wait < timedelta(0):
        raise InvalidInputError(f"hold: expected a duration of at least 0, got {wait}")
    cutoff = max(micros - wait // timedelta(microseconds=1), MIN_MICROS)
    counts = counted(source, test, from_micros(cutoff))
    with group._lock:
        membership = group._membership
        referrers = [r for r in counts if membership.is_member(r)]
        if not referrers:
            return []
        indices = np.array([membership.people.get(r) for r in referrers], np.int64)
        have = group._ledger.counts[indices, code]
        missing = np.array([counts[r] for r in referrers], np.int64) - have
        due = missing > 0
        if not due.any():
            return []
        members = [r for r, d in zip(referrers, due.tolist(), strict=True) if d]
        when = from_micros(micros)
        return _contributions.record(group, members, kind, when, missing[due], "graph")
