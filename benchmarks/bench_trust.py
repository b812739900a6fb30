"""Re-evaluating every member's trust level: FanGroup.evaluate_trust beside a plain Python loop.

A group of N members (1,000,000 by default) with M contributions (10,000,000 by default) spread
over 200 days, under Discourse's trust policy (``TrustPolicy.discourse()``: all-time counts and
days visited for TL1-TL2, a 100-day window with flags for TL3). Ours is one
``evaluate_trust(at=...)`` call on a fresh group (every member evaluated from level 0); the
peer is the loop one would write over the same columns: per-member counts per kind, days as a
bit set, then each level's test per member. Both give the same levels (checked).

    python benchmarks/bench_trust.py                               # 1,000,000 members, 10M rows
    python benchmarks/bench_trust.py --members 100000 --contributions 1000000
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from community_marketing.groups import FanGroup, TrustPolicy

KINDS = ["topic_entered", "post_read", "visit", "like_given", "like_received", "reply", "flagged"]
# Kind frequencies: reading and visiting dominate, flags are rare.
WEIGHTS = np.array([0.12, 0.35, 0.25, 0.1, 0.1, 0.07, 0.01])
T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY_US = 86_400_000_000
SPAN_DAYS = 200


def plain_levels(
    members: list[int], kinds: list[int], days: list[int], n: int, policy: TrustPolicy, at_day: int
) -> list[int]:
    """The loop: one pass over the rows, then each member's levels in order."""
    k = len(KINDS)
    code = {kind: i for i, kind in enumerate(KINDS)}
    windows = [r.window for r in policy.requirements]
    starts = {w: (-1 if w is None else at_day - w.days) for w in windows}
    counts = {w: [[0] * k for _ in range(n)] for w in starts}
    seen = {w: [0] * n for w in starts}
    for member, kind, day in zip(members, kinds, days, strict=True):
        if day > at_day:
            continue
        for window, start in starts.items():
            if day > start:
                counts[window][member][kind] += 1
                seen[window][member] |= 1 << day
    levels = [0] * n
    for member in range(n):
        level = 0
        for requirement in policy.requirements:
            row = counts[requirement.window][member]
            flags = row[code["flagged"]]
            if (
                requirement.manual
                or any(row[code[kind]] < need for kind, need in requirement.counts)
                or seen[requirement.window][member].bit_count() < requirement.days_active
                or (requirement.max_flagged is not None and flags > requirement.max_flagged)
            ):
                break
            level += 1
        levels[member] = level
    return levels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--contributions", type=int, default=10_000_000)
    args = parser.parse_args()
    n, m = args.members, args.contributions
    rng = np.random.default_rng(0)
    policy = TrustPolicy.discourse()
    # A few members do most of the work, as in every community.
    contributors = (rng.zipf(1.2, m) - 1) % n
    kinds = rng.choice(len(KINDS), m, p=WEIGHTS / WEIGHTS.sum())
    # Contributions arrive in time order, as an application appends them.
    days = np.sort(rng.integers(0, SPAN_DAYS, m))
    times = int(T0.timestamp() * 1e6) + days * DAY_US
    at_day = SPAN_DAYS
    at = T0 + timedelta(days=at_day)

    build = time.perf_counter()
    points = dict.fromkeys(KINDS, 1)  # Discourse asks no reputation: thresholds are all 0
    group = FanGroup("forum", -1, points=points, trust=policy, clock=lambda: at)
    group.join_many(np.arange(n, dtype=np.int64), at=T0)
    moments = times.astype("datetime64[us]")
    for part in np.array_split(np.arange(m), 10):
        group.record_contributions(
            contributors[part], np.array(KINDS, dtype=object)[kinds[part]], at=moments[part]
        )
    build = time.perf_counter() - build

    # The first call moves members from level 0; the next two do the same work and move none.
    ours = []
    for _ in range(3):
        start = time.perf_counter()
        group.evaluate_trust(at=at)
        ours.append(time.perf_counter() - start)
    levels = np.array([group.trust_level(member) for member in range(n)])

    start = time.perf_counter()
    plain = plain_levels(contributors.tolist(), kinds.tolist(), days.tolist(), n, policy, at_day)
    plain_s = time.perf_counter() - start
    assert levels.tolist() == plain, "the two disagree"

    best = min(ours)
    print(
        f"Trust re-evaluation: {n:,} members, {m:,} contributions over {SPAN_DAYS} days; "
        f"Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; build {build:.1f} s"
    )
    print(f"members by level: {np.bincount(levels).tolist()}")
    print()
    print("| measure | community-marketing | plain Python loop | ratio | target | met |")
    print("| --- | ---: | ---: | ---: | --- | --- |")
    print(
        f"| evaluate_trust (best of 3) | {best:.3f} s | {plain_s:.1f} s | "
        f"{plain_s / best:,.0f}x | < 2 s | {'yes' if best < 2 else 'NO'} |"
    )
    print(f"(our three runs: {', '.join(f'{s:.3f}' for s in ours)} s)")


if __name__ == "__main__":
    main()
