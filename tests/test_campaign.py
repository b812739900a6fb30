"""Campaign plans and presence offers: the four primitives composed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community_marketing import (
    CampaignPlan,
    FanGroup,
    Interactions,
    InvalidInputError,
    NoOffer,
    OptInRegistry,
    PresenceLog,
    PresenceOffer,
    Reason,
    Recommender,
    ReferralGraph,
    offer_on_presence,
    offers_on_presence,
    plan_campaign,
)
from community_marketing.datasets import synthetic_community

T0 = datetime(2026, 6, 1, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)


def factor_model(
    users: list[str], items: list[str], seed: int = 0, history: dict[str, list[str]] | None = None
) -> Recommender:
    rng = np.random.default_rng(seed)
    model = Recommender.from_factors(
        users, items, rng.normal(size=(len(users), 4)), rng.normal(size=(len(items), 4))
    )
    if history:
        pairs = [(u, i) for u, owned in history.items() for i in owned]
        model = Recommender.from_factors(
            users,
            items,
            model.user_factors_,
            model.item_factors_,
            interactions=Interactions.from_triples([u for u, _ in pairs], [i for _, i in pairs]),
        )
    return model


@pytest.fixture
def world() -> tuple[Recommender, OptInRegistry, ReferralGraph]:
    users = [f"u{i}" for i in range(30)]
    items = ["tea", "jam", "mug", "pot"]
    model = factor_model(users, items, history={"u0": ["tea"], "u1": ["tea", "jam"]})
    registry = OptInRegistry()
    registry.grant_many(
        users[:20], "launches", "email", basis="express", source="form", at=T0 - HOUR
    )
    registry.withdraw("u5", source="link", at=T0 - HOUR)
    registry.suppress("u6", reason="complaint", at=T0 - HOUR)
    graph = ReferralGraph()
    graph.add_friendships([(users[i], users[(i * 7 + 3) % 30]) for i in range(30)])
    graph.add_friendships([(users[i], users[i + 1]) for i in range(29)])
    return model, registry, graph


def test_plan_targets_only_allowed_non_owners(world) -> None:  # type: ignore[no-untyped-def]
    model, registry, graph = world
    plan = plan_campaign(
        "tea", recommender=model, registry=registry, purpose="launches", channel="email",
        graph=graph, seeds=3, at=T0, random_state=1,
    )  # fmt: skip
    assert isinstance(plan, CampaignPlan)
    allowed = set(registry.audience(model.user_ids_, "launches", "email", at=T0))
    assert set(plan.target_ids) <= allowed
    assert "u0" not in plan.target_ids  # already owns tea
    assert plan.excluded["already_owns"] == 2
    assert plan.excluded["withdrawn"] == 1
    assert plan.excluded["suppressed"] == 1
    assert plan.excluded["no_consent"] == 10
    assert len(plan.targets) == 16
    scores = [s for _, s in plan.targets]
    assert scores == sorted(scores, reverse=True)
    assert len(plan.seeds) == 3
    assert set(plan.seeds) <= set(plan.target_ids)
    assert plan.seed_method == "cascade"
    assert plan.reach_model == "independent_cascade"
    assert plan.expected_reach is not None
    assert plan.expected_reach >= 3
    assert plan.considered == 30


def test_plan_is_deterministic_and_changes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    model, registry, graph = world
    before = registry.events()

    def plan() -> CampaignPlan:
        return plan_campaign(
            "jam", recommender=model, registry=registry, purpose="launches", channel="email",
            graph=graph, at=T0, random_state=7,
        )  # fmt: skip

    first = plan()
    assert plan() == first
    assert registry.events() == before


def test_plan_budget_group_and_no_graph(world) -> None:  # type: ignore[no-untyped-def]
    model, registry, _ = world
    group = FanGroup("fans", "u2", clock=lambda: T0)
    group.join_many(["u3", "u4", "u5", "u25"])
    plan = plan_campaign(
        "pot", recommender=model, registry=registry, purpose="launches", channel="email",
        group=group, budget=2, seeds=1, at=T0,
    )  # fmt: skip
    assert plan.considered == 5
    assert len(plan.targets) == 2
    assert plan.excluded["over_budget"] == 1
    assert plan.excluded["withdrawn"] == 1
    assert plan.excluded["no_consent"] == 1
    assert plan.seeds == (plan.target_ids[0],)
    assert plan.seed_method == "score"
    assert plan.expected_reach is None


def test_record_sends_feeds_frequency_caps(world) -> None:  # type: ignore[no-untyped-def]
    model, _, _ = world
    registry = OptInRegistry(default_max_per_period=(1, timedelta(days=7)))
    registry.grant_many(
        model.user_ids_, "launches", "email", basis="express", source="f", at=T0 - HOUR
    )
    plan = plan_campaign(
        "mug", recommender=model, registry=registry, purpose="launches", channel="email",
        budget=5, at=T0,
    )  # fmt: skip
    assert plan.record_sends(registry) == 5
    again = plan_campaign(
        "mug", recommender=model, registry=registry, purpose="launches", channel="email",
        at=T0 + HOUR,
    )  # fmt: skip
    assert again.excluded["frequency_cap"] == 5
    assert not set(plan.target_ids) & set(again.target_ids)


def test_plan_bad_input(world) -> None:  # type: ignore[no-untyped-def]
    model, registry, _ = world
    common = {"recommender": model, "registry": registry, "purpose": "p", "channel": "c"}
    with pytest.raises(InvalidInputError, match="budget"):
        plan_campaign("tea", budget=0, at=T0, **common)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="probability"):
        plan_campaign("tea", probability=1.5, at=T0, **common)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="at"):
        plan_campaign("tea", at=datetime(2026, 1, 1), **common)  # type: ignore[arg-type]


def test_plan_notebook_views(world) -> None:  # type: ignore[no-untyped-def]
    model, registry, graph = world
    plan = plan_campaign(
        "tea", recommender=model, registry=registry, purpose="launches", channel="email",
        graph=graph, at=T0, random_state=0,
    )  # fmt: skip
    assert "<table>" in plan._repr_html_()
    assert repr(plan).startswith("CampaignPlan(item='tea', targets=16")
    pandas = pytest.importorskip("pandas")
    frame = plan.to_frame()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == ["member", "score", "seed"]
    assert int(frame["seed"].sum()) == len(plan.seeds)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), hours=st.integers(0, 24 * 400))
def test_plan_never_lists_anyone_the_registry_forbids(seed: int, hours: int) -> None:
    community = synthetic_community(80, 30, random_state=seed)
    users, items, weights = community.interactions()
    model = Recommender(factors=4, iterations=2, random_state=seed).fit(users, items, weights)
    registry = community.consent_registry()
    rng = np.random.default_rng(seed)
    at = community.start + timedelta(hours=hours)
    graph = ReferralGraph()
    graph.add_friendships(community.friend_pairs())
    item = community.item_ids[int(rng.integers(0, len(community.item_ids)))]
    plan = plan_campaign(
        item, recommender=model, registry=registry, purpose="newsletter", channel="email",
        graph=graph, seeds=3, runs=20, at=at, random_state=seed,
    )  # fmt: skip
    for member in plan.target_ids:
        assert registry.check(member, "newsletter", "email", at=at) is Reason.ALLOWED
    assert set(plan.seeds) <= set(plan.target_ids)
    accounted = len(plan.targets) + sum(plan.excluded.values())
    assert accounted == plan.considered


# ---------------------------------------------------------------- presence offers


@pytest.fixture
def shop() -> tuple[Recommender, OptInRegistry]:
    model = Recommender.from_factors(
        ["ann", "bob", "cid"],
        ["tea", "jam", "mug", "pot"],
        [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]],
        [[1.0, 0.1], [0.9, 0.2], [0.1, 1.0], [0.2, 0.9]],
        interactions=Interactions.from_triples(["ann", "bob"], ["tea", "mug"]),
    )
    registry = OptInRegistry()
    registry.grant_many(
        ["ann", "bob", "zed"], "offers", "push", basis="express", source="app", at=T0 - HOUR
    )
    return model, registry


def ask(shop, customer, at, log, **options):  # type: ignore[no-untyped-def]
    model, registry = shop
    return offer_on_presence(
        customer, recommender=model, registry=registry, purpose="offers", channel="push",
        log=log, at=at, **options,
    )  # fmt: skip


def test_offer_is_related_and_never_owned(shop) -> None:  # type: ignore[no-untyped-def]
    log = PresenceLog()
    offer = ask(shop, "ann", T0, log, n=2)
    assert isinstance(offer, PresenceOffer)
    assert "tea" not in offer.item_ids
    assert offer.item_ids[0] == "jam"  # closest to tea, which she bought
    assert log.last_offer_at("ann") == T0


def test_cooldown_then_offer_again(shop) -> None:  # type: ignore[no-untyped-def]
    log = PresenceLog()
    assert isinstance(ask(shop, "ann", T0, log), PresenceOffer)
    later = ask(shop, "ann", T0 + timedelta(minutes=1), log)
    assert isinstance(later, NoOffer)
    assert later.reason == "cooldown"
    assert isinstance(ask(shop, "ann", T0 + timedelta(hours=25), log), PresenceOffer)


def test_no_offer_reasons(shop) -> None:  # type: ignore[no-untyped-def]
    _, registry = shop
    log = PresenceLog()
    assert ask(shop, "cid", T0, log).reason == "no_consent"
    registry.suppress("bob", reason="complaint", at=T0)
    assert ask(shop, "bob", T0, log).reason == "suppressed"
    assert ask(shop, "zed", T0, log).reason == "unknown_customer"
    assert isinstance(ask(shop, "zed", T0, log, last_items=["tea"]), PresenceOffer)
    everything = ["tea", "jam", "mug", "pot"]
    assert ask(shop, "ann", T0 + HOUR, PresenceLog(), last_items=everything).reason == (
        "nothing_relevant"
    )
    assert len(log) == 1


def test_delivered_records_the_send(shop) -> None:  # type: ignore[no-untyped-def]
    model, _ = shop
    capped = OptInRegistry(default_max_per_period=(1, timedelta(days=1)))
    capped.grant("ann", "offers", "push", source="app", at=T0 - HOUR)
    offer = ask((model, capped), "ann", T0, PresenceLog())
    assert capped.check("ann", "offers", "push", at=T0 + HOUR) is Reason.ALLOWED
    offer.delivered(capped)
    assert capped.check("ann", "offers", "push", at=T0 + HOUR) is Reason.FREQUENCY_CAP


def test_presence_bad_input(shop) -> None:  # type: ignore[no-untyped-def]
    model, registry = shop
    common = {"recommender": model, "registry": registry, "purpose": "offers", "channel": "push"}
    log = PresenceLog()
    with pytest.raises(InvalidInputError, match=r"events\[1\].at"):
        offers_on_presence([("ann", T0 + HOUR), ("bob", T0)], log=log, **common)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"events\[0\].at"):
        offers_on_presence([("ann", datetime(2026, 1, 1))], log=log, **common)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="n"):
        offers_on_presence([("ann", T0)], log=log, n=0, **common)  # type: ignore[arg-type]
    assert len(log) == 0
    ask(shop, "ann", T0 + HOUR, log)
    with pytest.raises(InvalidInputError, match="earlier"):
        ask(shop, "bob", T0, log)


def test_presence_log_state_roundtrip(shop) -> None:  # type: ignore[no-untyped-def]
    log = PresenceLog()
    ask(shop, "ann", T0, log)
    ask(shop, "bob", T0 + HOUR, log)
    copy = PresenceLog.from_state(log.to_state())
    assert copy == log
    assert ask(shop, "ann", T0 + 2 * HOUR, copy).reason == "cooldown"
    for junk in [{}, {"schema": 1, "offers": [["ann"]]}, {"schema": 1, "offers": "x"},
                 {"schema": 1, "offers": [["ann", 5, ["tea"]], ["bob", 1, ["jam"]]]}]:  # fmt: skip
        with pytest.raises(InvalidInputError):
            PresenceLog.from_state(junk)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    script=st.lists(
        st.tuples(
            st.integers(0, 5),
            st.sampled_from(["grant", "withdraw", "suppress"]),
            st.integers(0, 48),
        ),
        max_size=25,
    ),
    visits=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 72)), min_size=1, max_size=30),
    cooldown_hours=st.integers(0, 30),
)
def test_presence_batch_equals_one_by_one_and_never_breaks_consent_or_cooldown(
    script: list[tuple[int, str, int]], visits: list[tuple[int, int]], cooldown_hours: int
) -> None:
    customers = [f"c{i}" for i in range(6)]
    model = factor_model(customers, [f"i{j}" for j in range(8)], seed=3,
                         history={c: [f"i{k}"] for k, c in enumerate(customers)})  # fmt: skip
    registry = OptInRegistry()
    for who, kind, hour in sorted(script, key=lambda s: s[2]):
        at = T0 + timedelta(hours=hour)
        if kind == "grant":
            registry.grant(f"c{who}", "offers", "push", source="app", at=at)
        elif kind == "withdraw":
            registry.withdraw(f"c{who}", source="app", at=at)
        else:
            registry.suppress(f"c{who}", reason="r", at=at)
    events = sorted(((f"c{who}", T0 + timedelta(hours=h)) for who, h in visits), key=lambda e: e[1])
    cooldown = timedelta(hours=cooldown_hours)
    common = {"recommender": model, "registry": registry, "purpose": "offers",
              "channel": "push", "cooldown": cooldown}  # fmt: skip
    batch = offers_on_presence(events, log=PresenceLog(), **common)  # type: ignore[arg-type]
    log = PresenceLog()
    single = [offer_on_presence(c, at=at, log=log, **common) for c, at in events]  # type: ignore[arg-type]
    assert batch == single
    last: dict[str, datetime] = {}
    for answer in batch:
        if isinstance(answer, PresenceOffer):
            assert registry.may_contact(answer.customer, "offers", "push", at=answer.at)
            if answer.customer in last:
                assert answer.at - last[answer.customer] >= cooldown
            last[answer.customer] = answer.at


def test_result_values_render_for_notebooks() -> None:
    from community_marketing.evaluation import EvaluationReport

    graph = ReferralGraph()
    graph.add_friendships([("a", "b"), ("b", "c")])
    cascade = graph.simulate_cascade(["a"], probability=1.0, runs=3, random_state=0)
    report = EvaluationReport(k=10, users=2, precision=0.2, recall=0.3, ndcg=0.25, map=0.1,
                              coverage=0.05)  # fmt: skip
    assert "<table>" in cascade._repr_html_()
    assert "3.0" in cascade._repr_html_()
    assert "0.2000" in report._repr_html_()
    pandas = pytest.importorskip("pandas")
    frame = cascade.to_frame()
    assert isinstance(frame, pandas.DataFrame)
    assert frame["activation_probability"].tolist() == [1.0, 1.0, 1.0]
    assert report.to_frame().loc[0, "ndcg"] == 0.25


def test_compositions_take_now_from_the_registry_clock() -> None:
    """Without ``at``, a plan and an offer ask the registry's clock, as the registry does."""
    later = datetime(2030, 1, 1, 12, tzinfo=UTC)
    registry = OptInRegistry(clock=lambda: later)
    registry.grant_many(["ann", "bob"], "launches", "email", basis="express", source="form")
    registry.grant("ann", "offers", "push", source="app")
    model = Recommender.from_factors(
        ["ann", "bob"], ["tea", "jam"], [[1.0, 0.0], [0.9, 0.1]], [[1.0, 0.0], [0.5, 0.5]]
    )
    assert registry.audience(["ann", "bob"], "launches", "email") == ["ann", "bob"]
    plan = plan_campaign(
        "tea", recommender=model, registry=registry, purpose="launches", channel="email"
    )
    assert plan.at == later
    assert sorted(plan.target_ids) == ["ann", "bob"]
    offer = offer_on_presence(
        "ann",
        recommender=model,
        registry=registry,
        purpose="offers",
        channel="push",
        log=PresenceLog(),
        last_items=["jam"],
    )
    assert isinstance(offer, PresenceOffer)
    assert offer.at == later


def test_every_member_considered_is_a_target_or_excluded_once(world) -> None:  # type: ignore[no-untyped-def]
    model, registry, graph = world
    registry.grant_many(
        ["new1", "new2"], "launches", "email", basis="express", source="form", at=T0 - HOUR
    )
    group = FanGroup("fans", "u0", clock=lambda: T0)
    group.join_many(["u1", "u2", "u3", "u5", "u25", "new1", "new2"])
    plan = plan_campaign(
        "tea", recommender=model, registry=registry, purpose="launches", channel="email",
        group=group, graph=graph, budget=1, seeds=1, at=T0, random_state=0,
    )  # fmt: skip
    assert plan.excluded["no_history"] == 2  # allowed, but unknown to the model
    assert plan.excluded["already_owns"] == 2  # u0 and u1
    assert plan.excluded["over_budget"] == 1  # u2 and u3 are known and allowed; budget 1
    assert plan.excluded["withdrawn"] == 1
    assert plan.excluded["no_consent"] == 1
    assert len(plan.targets) + sum(plan.excluded.values()) == plan.considered == 8
