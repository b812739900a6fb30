"""OptInRegistry beside a plain-Python dict-of-latest-state, measured in the same run.

A large brand: N contacts x 2 purposes x 2 channels grants, plus 10% withdrawals.
Each side runs in its own child process so that its peak resident memory is its
own; a third child holds only the contact ids, and the ids' own memory is
subtracted from both sides ("the registry's" memory).

    python benchmarks/bench_optin.py                # 1,000,000 contacts
    python benchmarks/bench_optin.py --contacts 100000
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

PURPOSES = ("newsletter", "offers")
CHANNELS = ("email", "sms")
T0 = datetime(2025, 1, 1, tzinfo=UTC)
AT = T0 + timedelta(days=3)
PAST = T0 + timedelta(hours=1)


def contact_ids(n: int) -> list[str]:
    return [f"customer-{i:07d}@example.com" for i in range(n)]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_us(call, args_list) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for args in args_list:
        start = time.perf_counter()
        call(*args)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def run_ids(n: int) -> dict[str, float]:
    ids = contact_ids(n)
    assert len(ids) == n
    return {"peak_mb": peak_mb()}


def run_ours(n: int) -> dict[str, float]:
    import numpy as np

    from community_marketing import OptInRegistry

    ids = contact_ids(n)
    withdrawn = ids[::10]
    registry = OptInRegistry(clock=lambda: AT)
    start = time.perf_counter()
    for purpose in PURPOSES:
        for channel in CHANNELS:
            registry.grant_many(ids, purpose, channel, basis="express", source="import", at=T0)
    registry.withdraw_many(withdrawn, "newsletter", "email", source="unsubscribe", at=PAST)
    load = time.perf_counter() - start
    events = 4 * n + len(withdrawn)

    start = time.perf_counter()
    audience = registry.audience(ids, "newsletter", "email", at=AT)
    audience_s = time.perf_counter() - start
    assert len(audience) == n - len(withdrawn)

    rng = np.random.default_rng(0)
    sample = [ids[i] for i in rng.integers(0, n, 20_000)]
    may = median_us(registry.may_contact, [(c, "newsletter", "email") for c in sample])
    current = median_us(registry.status, [(c, "newsletter", "email") for c in sample])
    past = median_us(
        lambda c: registry.status(c, "newsletter", "email", at=T0 + timedelta(minutes=30)),
        [(c,) for c in sample],
    )
    peak = peak_mb()  # the registry's own peak, before a state copy doubles it
    start = time.perf_counter()
    state = registry.to_state()
    to_state_s = time.perf_counter() - start
    start = time.perf_counter()
    OptInRegistry.from_state(state)
    from_state_s = time.perf_counter() - start
    return {
        "load_s": load,
        "events": events,
        "events_per_s": events / load,
        "audience_s": audience_s,
        "may_contact_us": may,
        "status_now_us": current,
        "status_past_us": past,
        "to_state_s": to_state_s,
        "from_state_s": from_state_s,
        "peak_mb": peak,
    }


def run_baseline(n: int) -> dict[str, float]:
    """What an application writes by hand: the latest state per key in a dict."""
    import random

    ids = contact_ids(n)
    withdrawn = ids[::10]
    state: dict[tuple[str, str, str], tuple[str, datetime]] = {}
    start = time.perf_counter()
    for purpose in PURPOSES:
        for channel in CHANNELS:
            for contact in ids:
                state[(contact, purpose, channel)] = ("granted", T0)
    for contact in withdrawn:
        state[(contact, "newsletter", "email")] = ("withdrawn", PAST)
    load = time.perf_counter() - start
    events = 4 * n + len(withdrawn)

    def may_contact(contact: str, purpose: str, channel: str) -> bool:
        entry = state.get((contact, purpose, channel))
        return entry is not None and entry[0] == "granted"

    start = time.perf_counter()
    audience = [c for c in ids if may_contact(c, "newsletter", "email")]
    audience_s = time.perf_counter() - start
    assert len(audience) == n - len(withdrawn)
    random.seed(0)
    sample = [ids[random.randrange(n)] for _ in range(20_000)]
    may = median_us(may_contact, [(c, "newsletter", "email") for c in sample])
    return {
        "load_s": load,
        "events": events,
        "events_per_s": events / load,
        "audience_s": audience_s,
        "may_contact_us": may,
        "peak_mb": peak_mb(),
    }


def child(phase: str, n: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--contacts", str(n)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--phase", choices=["ids", "ours", "baseline"])
    args = parser.parse_args()
    if args.phase:
        runner = {"ids": run_ids, "ours": run_ours, "baseline": run_baseline}[args.phase]
        print(json.dumps(runner(args.contacts)))
        return
    n = args.contacts
    ids = child("ids", n)
    ours = child("ours", n)
    base = child("baseline", n)
    ours_mem = ours["peak_mb"] - ids["peak_mb"]
    base_mem = base["peak_mb"] - ids["peak_mb"]
    print(f"# OptInRegistry, {n:,} contacts x 2 purposes x 2 channels + 10% withdrawals")
    print(f"# {platform.python_version()} on {platform.machine()}, {_cpus()} cores")
    print("| figure | community-marketing | dict baseline | ratio (ours/baseline) | target |")
    print("| --- | --- | --- | --- | --- |")
    rows = [
        (
            f"bulk load, {ours['events']:,.0f} events",
            f"{ours['load_s']:.2f} s ({ours['events_per_s'] / 1e6:.2f} M ev/s)",
            f"{base['load_s']:.2f} s ({base['events_per_s'] / 1e6:.2f} M ev/s)",
            ours["load_s"] / base["load_s"],
            ">= 1 M ev/s",
        ),
        (
            "peak RSS, whole process",
            f"{ours['peak_mb']:.0f} MB",
            f"{base['peak_mb']:.0f} MB",
            ours["peak_mb"] / base["peak_mb"],
            "",
        ),
        (
            f"peak RSS above the ids alone ({ids['peak_mb']:.0f} MB)",
            f"{ours_mem:.0f} MB",
            f"{base_mem:.0f} MB",
            ours_mem / base_mem,
            "<= 400 MB",
        ),
        (
            f"audience() over {n:,}",
            f"{ours['audience_s'] * 1e3:.0f} ms",
            f"{base['audience_s'] * 1e3:.0f} ms",
            ours["audience_s"] / base["audience_s"],
            "<= 500 ms",
        ),
        (
            "may_contact, one contact (median)",
            f"{ours['may_contact_us']:.2f} µs",
            f"{base['may_contact_us']:.2f} µs",
            ours["may_contact_us"] / base["may_contact_us"],
            "<= 5 µs",
        ),
        (
            "status(at=past) / status(now) (median)",
            f"{ours['status_past_us']:.2f} / {ours['status_now_us']:.2f} µs",
            "no history",
            ours["status_past_us"] / ours["status_now_us"],
            "<= 10x",
        ),
        (
            "to_state / from_state",
            f"{ours['to_state_s']:.2f} s / {ours['from_state_s']:.2f} s",
            "",
            float("nan"),
            "",
        ),
    ]
    for name, mine, theirs, ratio, target in rows:
        shown = "" if ratio != ratio else f"{ratio:.2f}x"
        print(f"| {name} | {mine} | {theirs} | {shown} | {target} |")


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    main()
