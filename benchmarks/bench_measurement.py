"""Measuring a campaign: ``measure_campaign`` beside the same statistics through statsmodels.

A plan with 1,000,000 contacts (900,000 treated, a 10% holdout of 100,000) and about 50,000
conversions (some contacts converting twice, some conversions from outside the plan), each
with a value. The library's ``measure_campaign`` is timed against the pipeline a user would
write with statsmodels: count distinct converters per group with Python sets, build the
revenue-per-contact vectors, then ``proportions_ztest``, ``confint_proportions_2indep``
(Newcombe, and the log interval of the ratio) and Welch's interval from ``CompareMeans``.
Both answers are compared before the times are printed.

    python benchmarks/bench_measurement.py                  # the issue's sizes
    python benchmarks/bench_measurement.py --contacts 100000 --conversions 5000
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import UTC, datetime, timedelta

import numpy as np
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from community_marketing import CampaignPlan, CampaignResult, measure_campaign

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def build(n_contacts: int, n_conversions: int) -> tuple[CampaignPlan, tuple[object, ...]]:
    rng = np.random.default_rng(0)
    ids = [f"c{i:07d}" for i in range(n_contacts)]
    n_control = n_contacts // 10
    plan = CampaignPlan(
        item="tea", purpose="launches", channel="email", at=T0,
        targets=tuple((member, 1.0) for member in ids[n_control:]), seeds=(),
        seed_method="score", expected_reach=None, reach_std=None, reach_model=None,
        probability=0.05, runs=1, excluded={}, considered=n_contacts, parameters={},
        control=tuple(ids[:n_control]),
    )  # fmt: skip
    # Treated contacts convert a little more often; 2% of the rows come from outside the plan.
    weights = np.where(np.arange(n_contacts) < n_control, 1.0, 1.25)
    who = rng.choice(n_contacts, n_conversions, p=weights / weights.sum())
    contacts = np.array(ids, dtype=object)[who]
    outside = rng.random(n_conversions) < 0.02
    contacts[outside] = "stranger"
    at = np.datetime64("2026-06-01T00:00:00", "us") + rng.integers(
        0, 14 * 86_400_000_000, n_conversions
    ).astype("timedelta64[us]")
    values = np.round(rng.exponential(25.0, n_conversions), 2)
    return plan, (contacts, at, values)


def with_statsmodels(
    plan: CampaignPlan, conversions: tuple[object, ...], end: datetime
) -> dict[str, object]:
    contacts, at, values = conversions
    assert isinstance(contacts, np.ndarray)
    assert isinstance(at, np.ndarray)
    assert isinstance(values, np.ndarray)
    start64 = np.datetime64(T0.replace(tzinfo=None), "us")
    end64 = np.datetime64(end.replace(tzinfo=None), "us")
    keep = (at >= start64) & (at < end64)
    treated_ids, control_ids = plan.target_ids, plan.control
    revenue: dict[object, float] = {}
    for contact, value in zip(contacts[keep].tolist(), values[keep].tolist(), strict=True):
        revenue[contact] = revenue.get(contact, 0.0) + value
    treated_set, control_set = set(treated_ids), set(control_ids)
    x1 = sum(1 for c in revenue if c in treated_set)
    x2 = sum(1 for c in revenue if c in control_set)
    n1, n2 = len(treated_ids), len(control_ids)
    z, p = proportions_ztest([x1, x2], [n1, n2])
    newcombe = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb")
    ratio = confint_proportions_2indep(x1, n1, x2, n2, method="log", compare="ratio")
    a = np.fromiter((revenue.get(c, 0.0) for c in treated_ids), np.float64, n1)
    b = np.fromiter((revenue.get(c, 0.0) for c in control_ids), np.float64, n2)
    welch = CompareMeans(DescrStatsW(a), DescrStatsW(b)).tconfint_diff(usevar="unequal")
    return {"x": (x1, x2), "z": (z, p), "newcombe": newcombe, "ratio": ratio, "welch": welch}


def agree(result: CampaignResult, peer: dict[str, object]) -> float:
    """The largest absolute gap between the two answers."""
    assert peer["x"] == (result.treated.conversions, result.control.conversions)
    pairs = [
        ((result.z, result.p_value), peer["z"]),
        (result.uplift_ci, peer["newcombe"]),
        (tuple(v + 1 for v in result.relative_uplift_ci), peer["ratio"]),
        (result.revenue_uplift_ci, peer["welch"]),
    ]
    return max(
        abs(float(mine) - float(theirs))
        for left, right in pairs
        for mine, theirs in zip(left or (), right, strict=True)  # type: ignore[call-overload]
    )


def best_of(repeat: int, call: object) -> tuple[float, object]:
    times, answer = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        answer = call()  # type: ignore[operator]
        times.append(time.perf_counter() - began)
    return min(times), answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--conversions", type=int, default=52_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} cpus, {platform.machine()}")
    began = time.perf_counter()
    plan, conversions = build(args.contacts, args.conversions)
    print(f"built {args.contacts:,} contacts and {args.conversions:,} conversions "
          f"in {time.perf_counter() - began:.2f} s")  # fmt: skip
    end = T0 + timedelta(days=14)
    ours, result = best_of(args.repeat, lambda: measure_campaign(plan, conversions, end=end))
    theirs, peer = best_of(args.repeat, lambda: with_statsmodels(plan, conversions, end))
    assert isinstance(result, CampaignResult)
    assert isinstance(peer, dict)
    gap = agree(result, peer)
    print(f"{result!r}")
    print(f"treated {result.treated.contacts:,}, control {result.control.contacts:,}, "
          f"converters {result.treated.conversions + result.control.conversions:,}")  # fmt: skip
    print(f"largest gap between the answers: {gap:.2e}")
    print(f"measure_campaign:       {ours:.3f} s (best of {args.repeat})")
    print(f"statsmodels pipeline:   {theirs:.3f} s (best of {args.repeat})")
    print(f"ratio (statsmodels / library): {theirs / ours:.2f}x; target: library under 1 s")


if __name__ == "__main__":
    main()
