"""Presence offers and campaign plans, batch beside one-by-one, in the same run.

Presence: a stream of 100,000 presence events over 50,000 customers and 20,000 items, a third
of the customers without consent. The batch (`offers_on_presence`) is timed against calling
`offer_on_presence` event by event, and their answers are compared one by one.

Plan: `plan_campaign` on a synthetic community (consent history, friendships, a fitted
recommender), timed by stage.

    python benchmarks/bench_campaign.py                 # the issue's sizes
    python benchmarks/bench_campaign.py --events 20000 --customers 10000 --items 5000
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from community_marketing import (
    Interactions,
    OptInRegistry,
    PresenceLog,
    PresenceOffer,
    Recommender,
    ReferralGraph,
    offer_on_presence,
    offers_on_presence,
    plan_campaign,
)
from community_marketing.datasets import synthetic_community

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def presence(n_events: int, n_customers: int, n_items: int, one_by_one: int | None) -> None:
    rng = np.random.default_rng(0)
    customers = [f"c{i:06d}" for i in range(n_customers)]
    items = [f"i{j:05d}" for j in range(n_items)]
    owned_users = np.repeat(np.arange(n_customers), 5)
    owned_items = rng.integers(0, n_items, owned_users.size)
    model = Recommender.from_factors(
        customers,
        items,
        rng.normal(size=(n_customers, 64)).astype(np.float32),
        rng.normal(size=(n_items, 64)).astype(np.float32),
        interactions=Interactions.from_triples(
            [customers[u] for u in owned_users], [items[i] for i in owned_items]
        ),
    )
    registry = OptInRegistry()
    consenting = [c for i, c in enumerate(customers) if i % 3 != 0]
    registry.grant_many(
        consenting, "offers", "push", basis="express", source="app", at=T0 - timedelta(days=1)
    )
    who = rng.integers(0, n_customers, n_events)
    seconds = np.sort(rng.integers(0, 7 * 24 * 3600, n_events))
    events = [
        (customers[c], T0 + timedelta(seconds=int(s)))
        for c, s in zip(who.tolist(), seconds.tolist(), strict=True)
    ]
    common = {
        "recommender": model,
        "registry": registry,
        "purpose": "offers",
        "channel": "push",
        "n": 3,
        "cooldown": timedelta(hours=24),
    }
    start = time.perf_counter()
    batch = offers_on_presence(events, log=PresenceLog(), **common)  # type: ignore[arg-type]
    batch_s = time.perf_counter() - start
    checked = events if one_by_one is None else events[:one_by_one]
    log = PresenceLog()
    start = time.perf_counter()
    single = [offer_on_presence(c, at=at, log=log, **common) for c, at in checked]  # type: ignore[arg-type]
    single_s = time.perf_counter() - start
    same = sum(a == b for a, b in zip(batch, single, strict=False))
    offers = sum(isinstance(a, PresenceOffer) for a in batch)
    per_event_single = single_s / len(checked)
    print(f"## Presence offers: {n_events:,} events, {n_customers:,} customers, {n_items:,} items")
    print("| figure | batch (`offers_on_presence`) | one by one (`offer_on_presence`) | ratio |")
    print("| --- | --- | --- | --- |")
    print(
        f"| events per second | {n_events / batch_s:,.0f} ({batch_s:.2f} s) | "
        f"{1 / per_event_single:,.0f} ({len(checked):,} events in {single_s:.1f} s) | "
        f"{per_event_single * n_events / batch_s:.1f}x faster |"
    )
    print(
        f"| same answers | {same:,} of {len(checked):,} compared | | "
        f"{'identical' if same == len(checked) else 'DIFFERENT'} |"
    )
    print(f"| offers made | {offers:,} of {n_events:,} events | | target >= 10,000 events/s |")


def plan(n_members: int) -> None:
    timings: dict[str, float] = {}
    start = time.perf_counter()
    community = synthetic_community(n_members, max(500, n_members // 20), random_state=0)
    timings["community"] = time.perf_counter() - start
    start = time.perf_counter()
    registry = community.consent_registry()
    graph = ReferralGraph()
    graph.add_friendships(community.friend_pairs())
    timings["registry + graph"] = time.perf_counter() - start
    start = time.perf_counter()
    users, items, weights = community.interactions()
    model = Recommender(factors=32, iterations=8, random_state=0).fit(users, items, weights)
    timings["recommender fit"] = time.perf_counter() - start
    item = model.popular(n=50)[-1][0]
    start = time.perf_counter()
    result = plan_campaign(
        item,
        recommender=model,
        registry=registry,
        purpose="newsletter",
        channel="email",
        graph=graph,
        budget=10_000,
        seeds=10,
        runs=200,
        at=community.as_of,
        random_state=0,
    )
    timings["plan_campaign"] = time.perf_counter() - start
    print(f"\n## plan_campaign on a synthetic community of {n_members:,} members")
    print("| stage | seconds |")
    print("| --- | --- |")
    for stage, seconds in timings.items():
        print(f"| {stage} | {seconds:.2f} |")
    print(f"\n{result!r}; excluded: {dict(result.excluded)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument(
        "--one-by-one", type=int, default=None, help="compare only the first N events"
    )
    parser.add_argument("--members", type=int, default=100_000)
    args = parser.parse_args()
    print(
        f"# {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"{datetime.now(UTC):%Y-%m-%d}"
    )
    presence(args.events, args.customers, args.items, args.one_by_one)
    plan(args.members)


if __name__ == "__main__":
    main()
