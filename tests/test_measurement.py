"""Control groups, conversions and uplift: statsmodels as the oracle, and calibration."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community_marketing import (
    CampaignPlan,
    CampaignResult,
    ControlGroup,
    GroupCounts,
    InvalidInputError,
    OptInRegistry,
    Reason,
    Recommender,
    ReferralGraph,
    _uplift,
    holdout_size,
    measure_campaign,
    plan_campaign,
)
from community_marketing.datasets import synthetic_community

T0 = datetime(2026, 6, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)
Z95 = _uplift.normal_quantile(0.95)

proportion = pytest.importorskip("statsmodels.stats.proportion")
power = pytest.importorskip("statsmodels.stats.power")


def make_plan(
    treated: list[str], control: list[str], seeds: tuple[str, ...] = (), at: datetime = T0
) -> CampaignPlan:
    return CampaignPlan(
        item="tea", purpose="launches", channel="email", at=at,
        targets=tuple((t, 1.0) for t in treated), seeds=seeds, seed_method="score",
        expected_reach=None, reach_std=None, reach_model=None, probability=0.05, runs=1,
        excluded={}, considered=len(treated) + len(control), parameters={},
        control=tuple(control),
    )  # fmt: skip


def counts_plan(x1: int, n1: int, x2: int, n2: int) -> tuple[CampaignPlan, list[str]]:
    treated = [f"t{i}" for i in range(n1)]
    control = [f"c{i}" for i in range(n2)]
    return make_plan(treated, control), treated[:x1] + control[:x2]


# ---------------------------------------------------------------- the oracle


counts = st.integers(1, 5_000).flatmap(
    lambda n1: st.integers(1, 5_000).flatmap(
        lambda n2: st.tuples(st.integers(0, n1), st.just(n1), st.integers(0, n2), st.just(n2))
    )
)


@settings(max_examples=200, deadline=None)
@given(counts)
def test_z_test_and_newcombe_agree_with_statsmodels(case: tuple[int, int, int, int]) -> None:
    x1, n1, x2, n2 = case
    difference, low, high = _uplift.newcombe_interval(x1, n1, x2, n2, Z95)
    sm_low, sm_high = proportion.confint_proportions_2indep(x1, n1, x2, n2, method="newcomb")
    assert difference == pytest.approx(x1 / n1 - x2 / n2, abs=1e-12)
    assert low == pytest.approx(sm_low, abs=1e-9)
    assert high == pytest.approx(sm_high, abs=1e-9)
    z, p = _uplift.pooled_z_test(x1, n1, x2, n2)
    pooled = (x1 + x2) / (n1 + n2)
    if 0 < pooled < 1:
        sm_z, sm_p = proportion.proportions_ztest([x1, x2], [n1, n2])
        assert z == pytest.approx(sm_z, abs=1e-9)
        assert p == pytest.approx(sm_p, abs=1e-9)
        with np.errstate(all="ignore"):  # statsmodels also computes the odds ratio
            score = proportion.test_proportions_2indep(
                x1, n1, x2, n2, method="score", correction=False
            )
        assert z == pytest.approx(score.statistic, abs=1e-9)
        assert p == pytest.approx(score.pvalue, abs=1e-9)
    else:
        assert (z, p) == (0.0, 1.0)


@settings(max_examples=100, deadline=None)
@given(counts)
def test_katz_interval_agrees_with_statsmodels_log_ratio(case: tuple[int, int, int, int]) -> None:
    x1, n1, x2, n2 = case
    ratio, low, high = _uplift.katz_ratio_interval(x1, n1, x2, n2, Z95)
    if x1 == 0 or x2 == 0:
        assert math.isnan(low)
        assert math.isnan(high)
        return
    sm_low, sm_high = proportion.confint_proportions_2indep(
        x1, n1, x2, n2, method="log", compare="ratio"
    )
    assert ratio == pytest.approx((x1 / n1) / (x2 / n2), rel=1e-12)
    assert low == pytest.approx(sm_low, rel=1e-9)
    assert high == pytest.approx(sm_high, rel=1e-9)


def test_measure_campaign_reports_what_statsmodels_computes() -> None:
    plan, buyers = counts_plan(130, 1800, 9, 200)
    result = measure_campaign(plan, (buyers, [T0 + DAY] * len(buyers)))
    sm_low, sm_high = proportion.confint_proportions_2indep(130, 1800, 9, 200, method="newcomb")
    sm_z, sm_p = proportion.proportions_ztest([130, 9], [1800, 200])
    assert result.uplift_ci == pytest.approx((sm_low, sm_high), abs=1e-9)
    assert (result.z, result.p_value) == pytest.approx((sm_z, sm_p), abs=1e-9)
    r_low, r_high = proportion.confint_proportions_2indep(
        130, 1800, 9, 200, method="log", compare="ratio"
    )
    assert result.relative_uplift_ci == pytest.approx((r_low - 1, r_high - 1), rel=1e-9)
    assert result.treated == GroupCounts(1800, 130, 0.0)
    assert result.control.rate == 9 / 200


def test_confidence_changes_the_interval_like_statsmodels() -> None:
    plan, buyers = counts_plan(40, 500, 20, 500)
    result = measure_campaign(plan, (buyers, [T0] * len(buyers)), confidence=0.9)
    expected = proportion.confint_proportions_2indep(40, 500, 20, 500, method="newcomb", alpha=0.1)
    assert result.uplift_ci == pytest.approx(expected, abs=1e-9)
    assert result.confidence == 0.9


def test_revenue_uplift_is_welch_interval_of_revenue_per_contact() -> None:
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(3)
    plan, _ = counts_plan(0, 300, 0, 120)
    treated, control = list(plan.target_ids), list(plan.control)
    buyers = [*rng.choice(treated, 60), *rng.choice(control, 15)]
    values = rng.exponential(30.0, len(buyers))
    result = measure_campaign(plan, (buyers, [T0] * len(buyers), values))
    per_contact = {c: 0.0 for c in treated + control}
    for buyer, value in zip(buyers, values, strict=True):
        per_contact[buyer] += value
    a = np.array([per_contact[c] for c in treated])
    b = np.array([per_contact[c] for c in control])
    test = stats.ttest_ind(a, b, equal_var=False)
    interval = test.confidence_interval(0.95)
    assert result.revenue_uplift == pytest.approx(a.mean() - b.mean(), rel=1e-9)
    assert result.revenue_uplift_ci == pytest.approx((interval.low, interval.high), rel=1e-9)
    assert result.treated.revenue == pytest.approx(a.sum(), rel=1e-12)


@pytest.mark.parametrize("ratio", [1.0, 4.0, 9.0, 0.5])
@pytest.mark.parametrize(
    ("baseline", "uplift"), [(0.05, 0.01), (0.02, 0.005), (0.3, -0.05), (0.5, 0.1)]
)
def test_holdout_size_agrees_with_statsmodels_power(
    baseline: float, uplift: float, ratio: float
) -> None:
    h = power_effect = proportion.proportion_effectsize(baseline + uplift, baseline)
    expected = power.NormalIndPower().solve_power(
        effect_size=power_effect, alpha=0.05, power=0.8, ratio=ratio
    )
    size = holdout_size(baseline, uplift, ratio=ratio)
    assert size == math.ceil(expected - 1e-6)
    assert h != 0


def test_holdout_size_refuses_bad_arguments() -> None:
    for args, kwargs, field in [
        ((0.0, 0.01), {}, "baseline_rate"),
        ((1.0, 0.01), {}, "baseline_rate"),
        ((0.05, 0.0), {}, "min_uplift"),
        ((0.95, 0.1), {}, "min_uplift"),
        ((0.05, 0.01), {"alpha": 1.0}, "alpha"),
        ((0.05, 0.01), {"power": 0.0}, "power"),
        ((0.05, 0.01), {"ratio": 0}, "ratio"),
        (("0.05", 0.01), {}, "baseline_rate"),
    ]:
        with pytest.raises(InvalidInputError, match=field):
            holdout_size(*args, **kwargs)


# ---------------------------------------------------------------- calibration


def test_interval_covers_the_true_uplift_about_95_percent_of_the_time() -> None:
    community = synthetic_community(1_500, 20, random_state=5)
    members = community.member_ids
    plan = make_plan(members[:600], members[600:1000], at=community.as_of)
    truth = 0.03
    runs = 1_000
    covered = 0
    for seed in range(runs):
        conversions = community.conversions(
            plan, base_rate=0.08, uplift=truth, spillover=0.02, random_state=seed
        )
        low, high = plan.measure(conversions).uplift_ci
        covered += low <= truth <= high
    assert 0.93 <= covered / runs <= 0.97


def test_spillover_estimate_recovers_the_truth_on_a_large_community() -> None:
    community = synthetic_community(20_000, 20, mean_friends=4.0, random_state=2)
    graph = ReferralGraph()
    graph.add_friendships(community.friend_pairs())
    members = community.member_ids
    plan = make_plan(members[:1500:3], members[1:1500:3], at=community.as_of)
    conversions = community.conversions(
        plan, base_rate=0.05, uplift=0.04, spillover=0.06, random_state=1
    )
    result = plan.measure(conversions, graph=graph)
    assert result.spillover is not None
    assert result.spillover_ci is not None
    low, high = result.spillover_ci
    assert low <= 0.06 <= high
    assert result.uplift_ci[0] <= 0.04 <= result.uplift_ci[1]
    assert result.treated_friends is not None
    assert result.treated_friends.contacts > 0
    assert result.control_friends is not None
    assert result.control_friends.contacts > 0


# ---------------------------------------------------------------- holdouts in plans


@pytest.fixture
def world() -> tuple[Recommender, OptInRegistry]:
    users = [f"u{i:03d}" for i in range(400)]
    rng = np.random.default_rng(0)
    model = Recommender.from_factors(
        users, ["tea", "jam"], rng.normal(size=(400, 4)), rng.normal(size=(2, 4))
    )
    registry = OptInRegistry(default_max_per_period=(1, timedelta(days=7)))
    registry.grant_many(
        users[:300], "launches", "email", basis="express", source="form", at=T0 - DAY
    )
    registry.withdraw_many(users[:20], "launches", "email", source="link", at=T0 - DAY)
    return model, registry


def plan_with(world, **kwargs):  # type: ignore[no-untyped-def]
    model, registry = world
    options = {"budget": 200, "seeds": 0, "at": T0, **kwargs}
    return plan_campaign(
        "tea", recommender=model, registry=registry, purpose="launches", channel="email",
        **options,
    )  # fmt: skip


def test_holdout_splits_the_same_ranked_list_and_never_sends(world) -> None:  # type: ignore[no-untyped-def]
    _, registry = world
    whole = plan_with(world)
    plan = plan_with(world, holdout=0.2, holdout_key="spring-launch")
    ranked = whole.target_ids
    assert set(plan.control).isdisjoint(plan.target_ids)
    assert sorted([*plan.target_ids, *plan.control]) == sorted(ranked)
    assert [m for m in ranked if m in set(plan.control)] == list(plan.control)
    assert 20 <= len(plan.control) <= 60
    assert plan.excluded["holdout"] == len(plan.control)
    assert len(plan.targets) + sum(plan.excluded.values()) == plan.considered
    for member in plan.control:
        assert registry.check(member, "launches", "email", at=T0) is Reason.ALLOWED
    assert plan.record_sends(registry) == len(plan.targets)
    for member in plan.control:
        assert registry.check(member, "launches", "email", at=T0 + DAY) is Reason.ALLOWED
    for member in plan.target_ids:
        assert registry.check(member, "launches", "email", at=T0 + DAY) is Reason.FREQUENCY_CAP
    assert "control=" in repr(plan)


def test_same_key_same_split_other_key_other_split(world) -> None:  # type: ignore[no-untyped-def]
    first = plan_with(world, holdout=0.3, holdout_key="k1")
    again = plan_with(world, holdout=0.3, holdout_key=b"k1")
    other = plan_with(world, holdout=0.3, holdout_key="k2")
    assert first.control == again.control
    assert first.control != other.control


def test_a_global_control_group_is_held_out_of_every_plan(world) -> None:  # type: ignore[no-untyped-def]
    group = ControlGroup("brand", 0.15)
    plan = plan_with(world, control_group=group)
    jam = plan_with(world, control_group=group, budget=400)
    assert plan.control
    assert plan.excluded["control_group"] == len(plan.control)
    assert plan.excluded["holdout"] == 0
    assert all(group.contains(m) for m in plan.control)
    assert not any(group.contains(m) for m in plan.target_ids + jam.target_ids)
    both = plan_with(world, control_group=group, holdout=0.5, holdout_key="brand")
    assert set(plan.control) <= set(both.control)
    assert both.excluded["control_group"] == len(plan.control)
    assert both.parameters["control_group"] == 0.15


def test_holdout_arguments_are_checked(world) -> None:  # type: ignore[no-untyped-def]
    for kwargs, field in [
        ({"holdout": 1.0, "holdout_key": "k"}, "holdout"),
        ({"holdout": -0.1, "holdout_key": "k"}, "holdout"),
        ({"holdout": 0.1}, "holdout_key"),
        ({"holdout": 0.1, "holdout_key": ""}, "holdout_key"),
        ({"holdout": 0.1, "holdout_key": b""}, "holdout_key"),
        ({"holdout": 0.1, "holdout_key": 7}, "holdout_key"),
        ({"holdout": True, "holdout_key": "k"}, "holdout"),
        ({"control_group": 0.1}, "control_group"),
    ]:
        with pytest.raises(InvalidInputError, match=field):
            plan_with(world, **kwargs)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), share=st.floats(0.05, 0.6), days=st.integers(0, 400))
def test_holdout_never_holds_anyone_the_plan_could_not_contact(
    seed: int, share: float, days: int
) -> None:
    community = synthetic_community(80, 20, random_state=seed)
    users, items, weights = community.interactions()
    model = Recommender(factors=4, iterations=2, random_state=seed).fit(users, items, weights)
    registry = community.consent_registry()
    at = community.start + timedelta(days=days)
    item = community.item_ids[seed % len(community.item_ids)]
    plan = plan_campaign(
        item, recommender=model, registry=registry, purpose="newsletter", channel="email",
        budget=40, seeds=0, at=at, holdout=share, holdout_key=f"k{seed}",
        control_group=ControlGroup("global", 0.1),
    )  # fmt: skip
    holders = set(model.holders_of(item))
    for member in plan.control:
        assert registry.check(member, "newsletter", "email", at=at) is Reason.ALLOWED
        assert member not in holders
    assert set(plan.control).isdisjoint(plan.target_ids)
    assert len(plan.targets) + sum(plan.excluded.values()) == plan.considered


@settings(max_examples=30, deadline=None)
@given(
    ids=st.lists(st.one_of(st.text(max_size=8), st.integers()), unique=True, max_size=40),
    key=st.one_of(st.text(min_size=1, max_size=8), st.binary(min_size=1, max_size=8)),
    share=st.floats(0.01, 0.99),
)
def test_membership_depends_on_the_id_and_key_alone(
    ids: list[object], key: str, share: float
) -> None:
    group = ControlGroup(key, share)
    alone = [group.contains(i) for i in ids]  # type: ignore[arg-type]
    together = group.contains_many(list(reversed(ids))).tolist()[::-1]  # type: ignore[arg-type]
    assert alone == together
    assert ControlGroup(key, share).contains_many(ids).tolist() == alone  # type: ignore[arg-type]


def test_equal_ids_of_other_types_share_a_side() -> None:
    group = ControlGroup(b"\x00key", 0.5)
    flags = group.contains_many([1, 1.0, np.int64(1), True])
    assert len(set(flags.tolist())) == 1


def test_control_group_values_and_state() -> None:
    group = ControlGroup(b"\x01\x02", 0.25)
    assert "key" not in repr(group)
    assert "\\x01" not in repr(group)
    assert ControlGroup.from_state(group.to_state()) == group
    text = ControlGroup("secret", 0.25)
    assert ControlGroup.from_state(text.to_state()) == text
    for bad, field in [
        ({"schema": 2}, "schema"),
        ({"schema": 1, "key": "k", "key_type": "int", "share": 0.1}, "key_type"),
        ({"schema": 1, "key": 1, "key_type": "str", "share": 0.1}, "key"),
        ({"schema": 1, "key": "zz", "key_type": "bytes", "share": 0.1}, "key"),
        ({"schema": 1, "key": "k", "key_type": "str", "share": 1.5}, "share"),
        ({"schema": 1, "key": "", "key_type": "str", "share": 0.1}, "key"),
    ]:
        with pytest.raises(InvalidInputError, match=field):
            ControlGroup.from_state(bad)
    for key, share, field in [("", 0.1, "key"), ("k", 0.0, "share"), ("k", 1.0, "share")]:
        with pytest.raises(InvalidInputError, match=field):
            ControlGroup(key, share)


# ---------------------------------------------------------------- conversions


def test_a_contact_converting_twice_counts_once_and_values_add_up() -> None:
    plan = make_plan(["ann", "bob"], ["cid", "dan"])
    result = plan.measure(
        (["ann", "ann", "cid", "zed"], [T0, T0 + DAY, T0, T0], np.array([2.0, 3.0, 4.0, 9.0]))
    )
    assert result.treated == GroupCounts(2, 1, 5.0)
    assert result.control == GroupCounts(2, 1, 4.0)
    assert result.revenue_uplift == pytest.approx(2.5 - 2.0)


def test_window_is_half_open_and_starts_at_the_plan_by_default() -> None:
    plan = make_plan(["ann", "bob", "cid"], ["dan"])
    moments = [T0 - DAY, T0, T0 + 2 * DAY]
    result = plan.measure((["ann", "bob", "cid"], moments))
    assert result.treated.conversions == 2
    assert result.start == T0
    bounded = plan.measure((["ann", "bob", "cid"], moments), start=T0 - DAY, end=T0 + 2 * DAY)
    assert bounded.treated.conversions == 2
    assert bounded.end == T0 + 2 * DAY
    as_numpy = np.array([m.replace(tzinfo=None) for m in moments], dtype="datetime64[us]")
    assert plan.measure((["ann", "bob", "cid"], as_numpy)).treated.conversions == 2


def test_tables_are_read_by_column_name() -> None:
    pandas = pytest.importorskip("pandas")
    plan = make_plan(["ann", "bob"], ["cid"])
    table = pandas.DataFrame(
        {
            "value": [1.0, 2.0, 3.0],
            "contact": ["ann", "cid", "bob"],
            "at": pandas.to_datetime([T0, T0, T0 + DAY], utc=True),
        }
    )
    from_frame = plan.measure(table)
    from_dict = plan.measure({"contact": ["ann", "cid", "bob"], "at": [T0, T0, T0 + DAY]})
    assert from_frame.treated == GroupCounts(2, 2, 4.0)
    assert from_dict.treated.conversions == 2
    assert from_dict.revenue_uplift is None


def test_measure_refuses_bad_input_and_plans_without_control() -> None:
    plan = make_plan(["ann"], ["bob"])
    good = (["ann"], [T0])
    for call, field in [
        (lambda: measure_campaign(make_plan(["ann"], []), good), "plan.control"),
        (lambda: measure_campaign(make_plan([], ["bob"]), good), "plan.targets"),
        (lambda: measure_campaign("plan", good), "plan"),
        (lambda: plan.measure((["ann"],)), "conversions"),
        (lambda: plan.measure(42), "conversions"),
        (lambda: plan.measure({"contact": ["ann"]}), "at"),
        (lambda: plan.measure((["ann"], [T0, T0])), "conversions.at"),
        (lambda: plan.measure((["ann"], [datetime(2026, 6, 2)])), "conversions.at"),
        (lambda: plan.measure((["ann"], [T0], ["x"])), "conversions.value"),
        (lambda: plan.measure((["ann"], [T0], [math.inf])), "conversions.value"),
        (lambda: plan.measure((["ann"], [T0], [1.0, 2.0])), "conversions.value"),
        (lambda: plan.measure(([["a"]], [T0])), "conversions.contact"),
        (lambda: plan.measure(good, confidence=1.0), "confidence"),
        (lambda: plan.measure(good, confidence=0), "confidence"),
        (lambda: plan.measure(good, start=datetime(2026, 1, 1)), "start"),
        (lambda: plan.measure(good, end=T0), "end"),
        (lambda: plan.measure(good, graph="graph"), "graph"),  # type: ignore[arg-type]
    ]:
        with pytest.raises(InvalidInputError, match=field):
            call()


def test_spillover_and_seed_referrals_with_a_graph() -> None:
    graph = ReferralGraph()
    graph.add_friendships(
        [("ann", "fa1"), ("ann", "fa2"), ("bob", "fa2"), ("cid", "fc1"), ("cid", "fc2"),
         ("cid", "ann"), ("fc2", "bob")]
    )  # fmt: skip
    graph.record_referral("ann", "new1", at=T0 + DAY)
    graph.record_referral("ann", "new2", at=T0 - DAY)
    graph.record_referral("bob", "new3", at=T0 + DAY)
    plan = make_plan(["ann", "bob"], ["cid"], seeds=("ann",))
    result = plan.measure((["fa1", "fc1", "ann"], [T0 + DAY] * 3), graph=graph)
    # fc2 is a friend of bob (treated) too: exposed, not a comparison friend.
    assert result.treated_friends == GroupCounts(3, 1, 0.0)
    assert result.control_friends == GroupCounts(1, 1, 0.0)
    assert result.spillover == pytest.approx(1 / 3 - 1)
    assert result.seed_referrals == 1
    columns = result.to_columns()
    assert columns["group"].tolist() == ["treated", "control", "treated_friends", "control_friends"]
    assert [name for name, *_ in result.effects()] == ["uplift", "relative_uplift", "spillover"]


def test_result_views() -> None:
    plan, buyers = counts_plan(30, 100, 10, 100)
    result = plan.measure((buyers, [T0] * len(buyers), [1.0] * len(buyers)))
    assert isinstance(result, CampaignResult)
    assert repr(result).startswith("CampaignResult(item='tea', treated 30/100 (30.0%)")
    html = result._repr_html_()
    assert "<table>" in html
    assert "revenue_uplift" in html
    columns = result.to_columns()
    assert set(columns) >= {"group", "contacts", "conversions", "rate", "rate_low", "rate_high"}
    assert all(isinstance(v, np.ndarray) for v in columns.values())
    pandas = pytest.importorskip("pandas")
    frame = result.to_frame()
    assert isinstance(frame, pandas.DataFrame)
    assert frame["conversions"].tolist() == [30, 10]
    with pytest.raises(AttributeError):
        result.uplift = 0.0  # type: ignore[misc]


def test_community_conversions_are_seeded_and_checked() -> None:
    community = synthetic_community(300, 10, random_state=0)
    plan = make_plan(community.member_ids[:100], community.member_ids[100:200], at=community.as_of)
    first = community.conversions(plan, random_state=4)
    again = community.conversions(plan, random_state=4)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    contacts, at, values = first
    assert len(set(contacts.tolist())) == len(contacts)
    start = np.datetime64(community.as_of.replace(tzinfo=None), "us")
    assert (at >= start).all()
    assert (at < start + np.timedelta64(14, "D")).all()
    assert (values >= 0).all()
    for kwargs, field in [
        ({"base_rate": 1.5}, "base_rate"),
        ({"uplift": 0.99}, "uplift"),
        ({"spillover": -0.5}, "spillover"),
        ({"value_mean": -1.0}, "value_mean"),
        ({"window": timedelta(0)}, "window"),
    ]:
        with pytest.raises(InvalidInputError, match=field):
            community.conversions(plan, **kwargs)  # type: ignore[arg-type]
