"""Fraud patterns in the referral log: rings refused on entry, suspicious patterns flagged.

A referral ring (A brought B, B brought A) would let two accounts farm each other's rewards;
it is refused when recorded and when a state is loaded. Bursts, fast chains and shared codes
are only flagged for a human look.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._ids import IdIndex
from .._time import from_micros
from .._types import Int64Array
from ._values import ReferralFlag

if TYPE_CHECKING:
    from ._referral_log import ReferralLog

__all__ = ["credit_has_ring", "ring_child", "suspicious_referrals"]


def ring_child(log: ReferralLog, ancestor: int, member: int) -> int:
    """The member just below ``ancestor`` on the referral chain up from ``member``, or -1.

    Crediting ``member`` with bringing ``ancestor`` would close a ring exactly when
    ``ancestor`` is on that chain (``member`` itself included).
    """
    child = member
    while member >= 0:
        if member == ancestor:
            return child
        child, member = member, log.parent(member)
    return -1


def credit_has_ring(parent: Int64Array) -> bool:
    """Whether following ``parent`` (-1 at a root) from some member never ends."""
    # Pointer doubling: after 2^bits > n jumps, only members on a ring still have an ancestor.
    for _ in range(max(len(parent), 1).bit_length() + 1):
        parent = np.where(parent >= 0, parent[parent], -1)
    return bool((parent >= 0).any())


def suspicious_referrals(
    log: ReferralLog, ids: IdIndex, burst: int, span: int
) -> list[ReferralFlag]:
    """Bursts, fast chains and shared codes, by referrer row order then pattern."""
    flags: list[tuple[int, int, ReferralFlag]] = []
    src, dst, at = log.attributed()
    order = np.lexsort((at, src))
    src, dst, at = src[order], dst[order], at[order]
    flags.extend(_bursts(ids, src, at, burst, span))
    flags.extend(_fast_chains(log, ids, src, dst, at, span))
    flags.extend(_shared_codes(log, ids))
    flags.sort(key=lambda item: (item[0], item[1]))
    return [flag for _, _, flag in flags]


def _bursts(
    ids: IdIndex, src: Int64Array, at: Int64Array, burst: int, span: int
) -> list[tuple[int, int, ReferralFlag]]:
    flags: list[tuple[int, int, ReferralFlag]] = []
    if not len(src):
        return flags
    referrers, starts = np.unique(src, return_index=True)
    stops = np.append(starts[1:], len(src))
    for referrer, lo, hi in zip(referrers.tolist(), starts.tolist(), stops.tolist(), strict=True):
        times = at[lo:hi]
        # For each referral, how many of the same referrer's fall in [at, at + window].
        within = np.searchsorted(times, times + span, side="right") - np.arange(len(times))
        best = int(within.argmax())
        size = int(within[best])
        if size > burst:
            flag = ReferralFlag(
                ids.id_at(referrer),
                "burst",
                size,
                from_micros(int(times[best])),
                from_micros(int(times[best + size - 1])),
            )
            flags.append((referrer, 0, flag))
    return flags


def _fast_chains(
    log: ReferralLog, ids: IdIndex, src: Int64Array, dst: Int64Array, at: Int64Array, span: int
) -> list[tuple[int, int, ReferralFlag]]:
    joined = dict(zip(dst.tolist(), at.tolist(), strict=True))
    fast: dict[int, list[int]] = {}
    for s, t in zip(src.tolist(), at.tolist(), strict=True):
        since = joined.get(s)
        if since is not None and 0 <= t - since <= span:
            fast.setdefault(s, []).append(t)
    below: dict[int, list[int]] = {}
    for member in fast:
        parent = log.parent(member)
        if parent in fast:
            below.setdefault(parent, []).append(member)
    flags = []
    for top in sorted(fast):
        if log.parent(top) in fast or top not in below:
            continue
        group = [top]
        for member in group:
            group.extend(below.get(member, ()))
        times = [t for member in group for t in fast[member]]
        flag = ReferralFlag(
            ids.id_at(top),
            "fast_chain",
            len(times),
            from_micros(min(times)),
            from_micros(max(times)),
        )
        flags.append((top, 1, flag))
    return flags


def _shared_codes(log: ReferralLog, ids: IdIndex) -> list[tuple[int, int, ReferralFlag]]:
    users: dict[str, dict[int, list[int]]] = {}
    for row, code in enumerate(log.code):
        if code is not None:
            users.setdefault(code, {}).setdefault(log.src[row], []).append(row)
    flags = []
    for by_referrer in users.values():
        if len(by_referrer) < 2:
            continue
        for referrer, rows in by_referrer.items():
            times = [log.at[row] for row in rows]
            flags.append(
                (
                    referrer,
                    2,
                    ReferralFlag(
                        ids.id_at(referrer),
                        "shared_code",
                        len(rows),
                        from_micros(min(times)),
                        from_micros(max(times)),
                    ),
                )
            )
    return flags
