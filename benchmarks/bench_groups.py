"""FanGroup beside a plain-Python fan group (dicts and loops), measured in the same run.

A group of N members (1,000,000 by default) joined in bulk with an OptInRegistry attached, then
M contributions (10,000,000 by default) recorded in bulk. Each figure of this library is printed
beside the same work done by a straightforward plain-Python implementation (a dict of member
records, a dict of consent keys, a loop over contributions), with the ratio and the target of
issue 5.

Member ids are ints 0..N-1 (database ids), which lets ``record_contributions`` map them to
indices through a direct-address table instead of a dict lookup per row.

    python benchmarks/bench_groups.py                          # 1,000,000 members, 10M rows
    python benchmarks/bench_groups.py --members 100000 --contributions 1000000
"""

from __future__ import annotations

import argparse
import heapq
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from community_marketing.groups import DEFAULT_POINTS, Ability, FanGroup
from community_marketing.optin import OptInRegistry

T0 = datetime(2026, 1, 5, 12, tzinfo=UTC)
PURPOSE = "group:espresso"
CHANNEL = "in_app"
KINDS = list(DEFAULT_POINTS)
ABILITY = Ability.INVITE


def seconds(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def median_us(call: Callable[[Any], Any], samples: list[Any]) -> float:
    timings = []
    clock = time.perf_counter
    for sample in samples:
        start = clock()
        call(sample)
        timings.append(clock() - start)
    return statistics.median(timings) * 1e6


class PlainGroup:
    """The baseline: what one would write with dicts and loops, with a dict consent ledger."""

    def __init__(self) -> None:
        self.members: dict[int, dict[str, Any]] = {}
        self.consent: dict[tuple[int, str, str], datetime] = {}
        self.suppressed: set[int] = set()
        self.reputation: dict[int, int] = {}
        self.counts: dict[tuple[int, str], int] = {}
        self.activity: dict[int, int] = {}

    def join_many(self, ids: list[int], cities: list[str], at: datetime) -> None:
        for member, city in zip(ids, cities, strict=True):
            if member in self.suppressed:
                raise PermissionError(member)
            self.consent[(member, PURPOSE, CHANNEL)] = at
            self.members[member] = {"joined": at, "roles": {"Member"}, "abilities": 0, "city": city}

    def can(self, member: int) -> bool:
        record = self.members.get(member)
        need = ABILITY.value
        return record is not None and record["abilities"] & need == need

    def record_contributions(self, members: list[int], kinds: list[str]) -> None:
        points = DEFAULT_POINTS
        reputation, counts, activity = self.reputation, self.counts, self.activity
        for member, kind in zip(members, kinds, strict=True):
            if member not in self.members:
                raise KeyError(member)
            reputation[member] = reputation.get(member, 0) + points[kind]
            counts[(member, kind)] = counts.get((member, kind), 0) + 1
            activity[member] = activity.get(member, 0) + 1

    def leaderboard(self, n: int) -> list[tuple[int, int]]:
        top = heapq.nlargest(n, self.members, key=lambda m: self.reputation.get(m, 0))
        return [(m, self.reputation.get(m, 0)) for m in top]

    def notice(self, sender: int) -> list[int]:
        consent = self.consent
        return [m for m in self.members if m != sender and (m, PURPOSE, CHANNEL) in consent]

    def hotspots(self, top: int) -> list[tuple[str, int, int, int]]:
        members: Counter[str] = Counter()
        active: Counter[str] = Counter()
        volume: Counter[str] = Counter()
        for member, record in self.members.items():
            city = record["city"]
            members[city] += 1
            done = self.activity.get(member, 0)
            active[city] += done > 0
            volume[city] += done
        ranked = sorted(members, key=lambda c: (-active[c], -volume[c], -members[c]))
        return [(c, members[c], active[c], volume[c]) for c in ranked[:top]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--contributions", type=int, default=10_000_000)
    args = parser.parse_args()
    n, m = args.members, args.contributions
    rng = np.random.default_rng(0)
    ids = np.arange(n, dtype=np.int64)
    id_list = ids.tolist()
    city_names = [f"city-{i:03d}" for i in range(500)]
    cities = [city_names[i] for i in rng.zipf(1.3, n) % 500]
    contributors = rng.integers(0, n, m)
    contributor_list = contributors.tolist()
    kinds = [KINDS[i] for i in rng.integers(0, len(KINDS), m)]
    samples = [id_list[i] for i in rng.integers(0, n, 20_000)]
    rows: list[tuple[str, str, float, float, str, str]] = []

    def add(name: str, unit: str, ours: float, plain: float, target: str, ok: bool) -> None:
        rows.append((name, unit, ours, plain, target, "yes" if ok else "NO"))

    # join_many with the registry attached
    registry = OptInRegistry(clock=lambda: T0)
    group = FanGroup("espresso", -1, registry=registry, clock=lambda: T0)
    ours_s, joined = seconds(
        lambda: group.join_many(ids, attributes={"city": cities}, at=T0, source="import")
    )
    assert joined == n
    plain = PlainGroup()
    plain_s, _ = seconds(lambda: plain.join_many(id_list, cities, T0))
    add("join_many (registry attached)", "members/s", n / ours_s, n / plain_s,
        ">= 200,000/s", n / ours_s >= 200_000)  # fmt: skip

    ours_us = median_us(lambda member: group.can(member, ABILITY), samples)
    plain_us = median_us(plain.can, samples)
    add("can() median", "us", ours_us, plain_us, "<= 2 us", ours_us <= 2)

    ours_s, _ = seconds(
        lambda: group.record_contributions(contributors, kinds, at=T0 + timedelta(days=1))
    )
    plain_s, _ = seconds(lambda: plain.record_contributions(contributor_list, kinds))
    add("record_contributions (bulk)", "rows/s", m / ours_s, m / plain_s,
        ">= 1,000,000/s", m / ours_s >= 1_000_000)  # fmt: skip
    sample = id_list[:1000]
    assert [group.reputation(x) for x in sample] == [plain.reputation.get(x, 0) for x in sample]

    ours_s, board = seconds(lambda: group.leaderboard(10))
    plain_s, plain_board = seconds(lambda: plain.leaderboard(10))
    assert [s.reputation for s in board] == [r for _, r in plain_board]
    add("leaderboard(10)", "ms", ours_s * 1e3, plain_s * 1e3, "<= 50 ms", ours_s <= 0.05)

    ours_s, recipients = seconds(lambda: group.notice(-1, "Tasting on Friday", at=T0))
    plain_s, plain_recipients = seconds(lambda: plain.notice(-1))
    assert len(recipients) == len(plain_recipients) == n
    add("notice recipients", "s", ours_s, plain_s, "<= 1 s", ours_s <= 1)

    ours_s, spots = seconds(lambda: group.hotspots("city", top=10))
    plain_s, plain_spots = seconds(lambda: plain.hotspots(10))
    assert [(h.value, h.members, h.active_members, h.contributions) for h in spots] == plain_spots
    add("hotspots('city')", "s", ours_s, plain_s, "<= 0.5 s", ours_s <= 0.5)

    print(
        f"FanGroup benchmark: {n:,} members, {m:,} contributions; "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} cores"
    )
    print()
    print("ratio: the plain-Python time over ours (above 1: this library is faster)")
    print()
    print("| measure | unit | community-marketing | plain Python | ratio | issue target | met |")
    print("| --- | --- | ---: | ---: | ---: | --- | --- |")
    for name, unit, ours, base, target, ok in rows:
        higher_is_better = unit.endswith("/s")
        ratio = ours / base if higher_is_better else base / ours
        shown = [f"{v:,.0f}" if higher_is_better else f"{v:,.3g}" for v in (ours, base)]
        print(f"| {name} | {unit} | {shown[0]} | {shown[1]} | {ratio:,.1f}x | {target} | {ok} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
