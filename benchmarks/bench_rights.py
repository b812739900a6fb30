"""``forget`` on a synthetic community: the time of one erasure across every primitive.

Builds a community (members, friendships, interactions, consent), a fan group holding every
member, a referral graph, a fitted recommender and a presence log, then times ``forget`` of a
few members one by one and each primitive's own ``erase`` (what ``forget`` composes). There is
no peer: no other library erases a person across consent, community, graph and model; the
figure is a report.

    python benchmarks/bench_rights.py --members 100000
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np

from community_marketing import FanGroup, PresenceLog, Recommender, ReferralGraph, forget
from community_marketing.datasets import synthetic_community


def build(n: int) -> dict[str, object]:
    community = synthetic_community(n, max(50, n // 50), random_state=0)
    registry = community.consent_registry()
    group = FanGroup("brand", community.member_ids[0], clock=lambda: community.as_of)
    group.join_many(community.member_ids[1:], at=community.as_of)
    graph = ReferralGraph(clock=lambda: community.as_of)
    graph.add_friendships(community.friend_pairs(), at=community.as_of)
    users, items, weights = community.interactions()
    model = Recommender(factors=16, iterations=3, random_state=0, num_threads=2)
    model.fit(users, items, weights)
    return {
        "community": community,
        "registry": registry,
        "group": group,
        "graph": graph,
        "recommender": model,
        "presence_log": PresenceLog(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=3)
    args = parser.parse_args()
    start = time.perf_counter()
    world = build(args.members)
    built = time.perf_counter() - start
    community = world.pop("community")
    rng = np.random.default_rng(1)
    people = [community.member_ids[int(i)] for i in rng.integers(1, args.members, args.people)]
    per_primitive: dict[str, list[float]] = {}
    rebuilds: dict[str, float] = {}
    for name in ("group", "graph", "recommender"):
        target = world[name]
        # The way erase worked before it cut rows from the live storage: a trip through
        # to_state and from_state (with its checks), the floor of that approach.
        start = time.perf_counter()
        type(target).from_state(target.to_state())  # type: ignore[attr-defined]
        rebuilds[name] = time.perf_counter() - start
        for person in people[:1]:
            start = time.perf_counter()
            target.erase(person, at=community.as_of)  # type: ignore[attr-defined]
            per_primitive[name] = [time.perf_counter() - start]
    world = build(args.members)
    community_two = world.pop("community")
    forgets = []
    for person in people:
        start = time.perf_counter()
        forget(person, at=community_two.as_of, **world)  # type: ignore[arg-type]
        forgets.append(time.perf_counter() - start)
    print(f"# forget, {args.members:,} members ({platform.python_version()}, {platform.machine()})")
    print(f"# community built in {built:.1f} s")
    print("| figure | seconds | a trip through the state | erase / trip |")
    print("| --- | --- | --- | --- |")
    print(f"| forget, median of {len(forgets)} | {statistics.median(forgets):.3f} | | |")
    for name, times in per_primitive.items():
        trip = rebuilds[name]
        print(f"| {name}.erase | {times[0]:.3f} | {trip:.3f} | {times[0] / trip:.2f}x |")


if __name__ == "__main__":
    main()
