"""Issue 12's inputs for ReferralGraph and the compositions, each a regression test.

Each asserts the error type, that the message names the field, and that the state
is unchanged after the failed call.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from community_marketing import (
    ControlGroup,
    OptInRegistry,
    PresenceLog,
    Recommender,
    ReferralGraph,
    holdout_size,
    offer_on_presence,
    offers_on_presence,
    plan_campaign,
    project_growth,
)
from community_marketing.datasets import synthetic_community
from community_marketing.errors import InvalidInputError

from .._sweep import same
from ._support import T0, clock


def pair() -> ReferralGraph:
    graph = ReferralGraph(clock=clock)
    graph.add_friendships([("a", "b")])
    return graph


def referred() -> ReferralGraph:
    graph = pair()
    graph.record_referrals(["a", "a"], ["x", "y"], at=T0, codes=["c1", "c1"])
    return graph


def refused(
    graph: ReferralGraph, field: str, call: object, *args: object, **kwargs: object
) -> None:
    before = graph.to_state()
    with pytest.raises(InvalidInputError, match=field):
        call(*args, **kwargs)  # type: ignore[operator]
    assert same(graph.to_state(), before)


# ---------------------------------------------------------------- kind 7: hangs


@pytest.mark.parametrize("p", [1e-300, 1e-19, 1e-10, 5e-324])
def test_simulate_cascade_with_a_tiny_probability_ends(p: float) -> None:
    result = pair().simulate_cascade(["a"], probability=p, runs=1)
    assert result.mean == 1.0


@pytest.mark.parametrize("p", [1e-300, 1e-19, 5e-324])
def test_influencers_with_a_tiny_probability_ends_within_max_samples(p: float) -> None:
    graph = ReferralGraph(clock=clock)
    graph.add_friendships([(i, i + 1) for i in range(200)])
    best = graph.influencers(
        2, method="cascade", probability=p, epsilon=1e-6, max_samples=50_000, random_state=0
    )
    assert best.samples <= 50_000
    assert len(best.ids) == 2


def test_reach_all_with_huge_hops_is_the_component_size() -> None:
    graph = ReferralGraph(clock=clock)
    graph.add_friendships([(i, i + 1) for i in range(50)] + [("x", "y")])
    assert graph.reach_all(hops=2**80).tolist() == [51] * 51 + [2, 2]
    assert graph.reach_all(hops=2**63 - 1).tolist() == graph.reach_all(hops=50).tolist()
    assert graph.reach_all(hops=51).tolist() == graph.reach_all(hops=2**80).tolist()
    assert graph.reach_all(hops=49).tolist()[0] == 50


def test_simulate_cascade_refuses_a_huge_number_of_runs() -> None:
    graph = pair()
    refused(graph, "runs", graph.simulate_cascade, ["a"], probability=0.5, runs=2**63 - 1)


def test_plan_campaign_with_a_tiny_probability_ends() -> None:
    fans = ["ann", "bob", "cid"]
    model = Recommender.from_factors(fans, ["tea"], [[3.0], [2.0], [1.0]], [[1.0]])
    registry = OptInRegistry()
    registry.grant_many(fans, "launches", "email", basis="express", source="form", at=T0)
    graph = ReferralGraph(clock=clock)
    graph.add_friendships([("ann", "bob"), ("bob", "cid")])
    plan = plan_campaign(
        "tea", recommender=model, registry=registry, purpose="launches", channel="email",
        graph=graph, seeds=1, probability=1e-300, runs=3, at=T0, random_state=0,
    )  # fmt: skip
    assert plan.expected_reach == 1.0


# ---------------------------------------------------------------- kind 3: a str for a sequence


@pytest.mark.parametrize("field", ["codes", "channels", "at"])
def test_record_referrals_refuses_one_str_for_a_column(field: str) -> None:
    graph = referred()
    refused(graph, field, graph.record_referrals, ["a", "b"], ["p", "q"], **{field: "ab"})


@pytest.mark.parametrize("field", ["codes", "channels", "at"])
@pytest.mark.parametrize("value", [1, 0.5, object(), timedelta(1)])
def test_record_referrals_refuses_a_non_iterable_column(field: str, value: object) -> None:
    graph = referred()
    refused(graph, field, graph.record_referrals, ["a"], ["p"], **{field: value})


def test_record_referrals_reads_datetime64_as_utc() -> None:
    graph = pair()
    done = graph.record_referrals(["a", "a"], ["p", "q"], at=np.datetime64("2026-05-01T12:00"))
    assert [r.at for r in done] == [datetime(2026, 5, 1, 12, tzinfo=UTC)] * 2


# ---------------------------------------------------------------- kind 4: ill-typed values


@pytest.mark.parametrize(
    ("field", "value"),
    [("graph", "g"), ("group", "g"), ("registry", "r"), ("recommender", "m")],
)
def test_plan_campaign_checks_each_primitive(field: str, value: object) -> None:
    model = Recommender.from_factors(["ann"], ["tea"], [[1.0]], [[1.0]])
    registry = OptInRegistry()
    registry.grant("ann", "launches", "email", source="form", at=T0)
    before = registry.to_state()
    kwargs: dict[str, object] = {"recommender": model, "registry": registry, field: value}
    with pytest.raises(InvalidInputError, match=f"^{field}: expected a"):
        plan_campaign("tea", purpose="launches", channel="email", at=T0, **kwargs)  # type: ignore[arg-type]
    assert same(registry.to_state(), before)


@pytest.mark.parametrize(
    ("field", "value"),
    [("registry", "r"), ("recommender", 1), ("log", {}), ("cooldown", timedelta(hours=-1))],
)
def test_offer_on_presence_checks_its_arguments(field: str, value: object) -> None:
    model = Recommender.from_factors(["ann"], ["tea", "jam"], [[1.0]], [[1.0], [0.5]])
    registry, log = OptInRegistry(), PresenceLog()
    registry.grant("ann", "offers", "push", source="app", at=T0)
    before = registry.to_state(), log.to_state()
    kwargs: dict[str, object] = {"recommender": model, "registry": registry, "log": log}
    kwargs[field] = value
    with pytest.raises(InvalidInputError, match=f"^{field}: expected"):
        offer_on_presence("ann", purpose="offers", channel="push", at=T0, **kwargs)  # type: ignore[arg-type]
    assert same((registry.to_state(), log.to_state()), before)


def test_offers_on_presence_refuses_one_str_as_last_items() -> None:
    model = Recommender.from_factors(["ann"], ["tea", "jam"], [[1.0]], [[1.0], [0.5]])
    registry, log = OptInRegistry(), PresenceLog()
    registry.grant("ann", "offers", "push", source="app", at=T0)
    with pytest.raises(InvalidInputError, match="last_items"):
        offers_on_presence(
            [("ann", T0)], recommender=model, registry=registry, log=log,
            purpose="offers", channel="push", last_items={"ann": "tea"},
        )  # fmt: skip
    assert len(log) == 0


# ---------------------------------------------------------------- kind 9 and 10


def test_suspicious_referrals_on_a_graph_without_referrals() -> None:
    assert ReferralGraph().suspicious_referrals() == []
    assert pair().suspicious_referrals() == []


def test_suspicious_referrals_with_the_longest_window() -> None:
    graph = referred()
    before = graph.to_state()
    flags = graph.suspicious_referrals(burst=1, window=timedelta.max)
    assert [(f.referrer, f.pattern, f.count) for f in flags] == [("a", "burst", 2)]
    assert same(graph.to_state(), before)


@pytest.mark.parametrize("value", [b"ab", "ab"])
def test_referral_counts_refuses_text_as_the_qualified_collection(value: object) -> None:
    graph = referred()
    refused(graph, "qualified", graph.referral_counts, qualified=value)


@pytest.mark.parametrize(("field", "value"), [("model", np.zeros(2)), ("method", np.zeros(2))])
def test_influencers_refuses_an_array_for_a_name(field: str, value: object) -> None:
    graph = pair()
    kwargs: dict[str, object] = {"method": "cascade", field: value}
    refused(graph, field, graph.influencers, 1, **kwargs)


def test_simulate_cascade_refuses_an_array_for_the_model() -> None:
    graph = pair()
    refused(graph, "model", graph.simulate_cascade, ["a"], probability=0.5, model=np.zeros(2))


# ---------------------------------------------------------------- the functions


def test_functions_name_the_field() -> None:
    with pytest.raises(InvalidInputError, match="cycles"):
        project_growth(1.5, 2**80, 1.0)
    with pytest.raises(InvalidInputError, match="min_uplift"):
        holdout_size(0.05, 1e-300)
    with pytest.raises(InvalidInputError, match="share"):
        ControlGroup("k", "0.1")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="n_members"):
        synthetic_community(2**63 - 1, 5)


def test_huge_values_that_are_answered() -> None:
    assert project_growth(1e300, 2, 1.0).users[-1] == float("inf")
    assert project_growth(1e300, 2, 0.0).users.tolist() == [0.0, 0.0, 0.0]
    community = synthetic_community(20, 5, interactions_per_member=1e300, random_state=0)
    assert 0 < len(community.interactions()[0]) <= 20 * 5
