"""Tables out: every result and listing becomes columns and a pandas frame, with names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from community_marketing import (
    BadgeRule,
    FanGroup,
    InvalidInputError,
    OptInRegistry,
    PresenceLog,
    Recommender,
    ReferralGraph,
    Reward,
    columns_of,
    frame_of,
    offers_on_presence,
    plan_campaign,
)

T0 = datetime(2026, 5, 1, 10, tzinfo=UTC)
NAMES = {"ann": "Ann Lee", "bob": "Bob Ray", "tea": "Earl Grey"}


def _group() -> FanGroup:
    group = FanGroup(
        "espresso",
        "ann",
        badge_rules=[BadgeRule("Regular", "bronze", 1, reward=Reward("discount", 5.0))],
        clock=lambda: T0,
    )
    group.join_many(["bob", "cid"])
    group.set_attributes("bob", {"city": "Lyon"})
    group.record_contributions(["bob", "cid", "bob"], "post")
    return group


def _model() -> Recommender:
    return Recommender.from_factors(["ann", "bob"], ["tea", "jam"], [[1.0], [2.0]], [[1.0], [0.5]])


def _listings() -> dict[str, list[object]]:
    group = _group()
    registry = OptInRegistry(clock=lambda: T0)
    registry.grant("ann", "offers", "push", source="app")
    graph = ReferralGraph(clock=lambda: T0)
    graph.record_referrals(["ann"] * 3, ["bob", "cid", "dan"])
    answers = offers_on_presence(
        [("ann", T0), ("bob", T0)],
        recommender=_model(),
        registry=registry,
        log=PresenceLog(),
        purpose="offers",
        channel="push",
        n=1,
    )
    return {
        "leaderboard": list(group.leaderboard(3)),
        "badges": list(group.badges("bob")),
        "rewards": list(group.rewards_due()),
        "hotspots": list(group.hotspots("city")),
        "history": list(registry.history("ann")),
        "events": list(registry.events()),
        "referrals": list(graph.referral_history()),
        "flags": list(graph.suspicious_referrals(burst=1, window=timedelta(days=1))),
        "offers": list(answers),
    }


@pytest.mark.parametrize("name", sorted(_listings()))
def test_every_listing_becomes_columns_and_a_frame(name: str) -> None:
    values = _listings()[name]
    assert values, name
    columns = columns_of(values)
    assert all(isinstance(c, np.ndarray) and len(c) == len(values) for c in columns.values())
    table = frame_of(values)
    assert isinstance(table, pd.DataFrame)
    assert len(table) == len(values)
    assert list(table.columns) == list(columns)


def test_columns_are_typed_and_times_are_utc() -> None:
    columns = columns_of(_listings()["history"])
    assert columns["seq"].dtype == np.int64
    assert columns["at"].dtype == np.dtype("datetime64[us]")
    assert str(frame_of(_listings()["history"])["at"].dt.tz) == "UTC"
    assert columns["action"].tolist() == ["grant"]
    assert columns["expires_at"].tolist() == [None]
    badges = columns_of(_listings()["badges"])
    assert badges["tier"].tolist() == ["bronze"]
    assert badges["reward_kind"].tolist() == ["discount"]
    assert badges["reward_value"].tolist() == [5.0]


def test_mixed_values_take_the_union_of_fields() -> None:
    table = frame_of(_listings()["offers"])
    assert {"customer", "items", "reason"} <= set(table.columns)
    assert table["customer"].tolist() == ["ann", "bob"]


def test_labels_add_a_name_beside_each_id_column() -> None:
    table = frame_of(_listings()["referrals"], labels=NAMES)
    columns = list(table.columns)
    assert columns[columns.index("referrer") + 1] == "referrer_name"
    assert table["referrer_name"].tolist() == ["Ann Lee"] * 3
    assert table["referee_name"].isna().tolist() == [False, True, True]
    with pytest.raises(InvalidInputError, match="labels"):
        frame_of(_listings()["referrals"], labels=["Ann"])  # type: ignore[arg-type]


def test_refuses_what_is_not_a_listing() -> None:
    with pytest.raises(InvalidInputError, match="values"):
        columns_of(3)
    with pytest.raises(InvalidInputError, match="attrs value objects"):
        columns_of([Reward(), 2])
    assert columns_of([1, 2])["id"].tolist() == [1, 2]  # bare ids are a listing too


def test_results_have_to_columns_and_to_frame() -> None:
    model = _model()
    registry = OptInRegistry(clock=lambda: T0)
    registry.grant_many(["ann", "bob"], "launches", "email", source="form", basis="express")
    graph = ReferralGraph()
    graph.add_friendships([("ann", "bob"), ("ann", "cid")])
    results = {
        "recommendations": model.recommend("ann", n=2, exclude_seen=False),
        "batch": model.recommend_many(["ann", "bob"], n=2, exclude_seen=False),
        "checks": registry.check_many(["ann", "zed"], "launches", "email"),
        "influencers": graph.influencers(1),
        "cascade": graph.simulate_cascade(["ann"], probability=1.0, runs=2, random_state=0),
        "plan": plan_campaign(
            "tea",
            recommender=model,
            registry=registry,
            purpose="launches",
            channel="email",
            at=T0,
        ),
    }
    for name, result in results.items():
        columns = result.to_columns()
        assert columns_of(result).keys() == columns.keys(), name
        table = result.to_frame(labels=NAMES)
        assert len(table) == len(next(iter(columns.values()))), name
        assert any(c.endswith("_name") for c in table.columns), name
    assert results["batch"].to_frame()["user"].tolist() == ["ann", "ann", "bob", "bob"]
    assert results["influencers"].to_frame(labels=NAMES)["member_name"].tolist() == ["Ann Lee"]


def test_an_explanation_is_a_table_of_contributions() -> None:
    model = Recommender(factors=2, iterations=2, random_state=0, num_threads=1)
    model.fit(["ann", "ann", "bob", "bob"], ["tea", "jam", "tea", "cake"])
    table = model.explain("ann", "cake").to_frame(labels=NAMES)
    assert set(table["because"]) <= {"tea", "jam"}
    assert table["user_name"].tolist() == ["Ann Lee"] * len(table)


def test_a_plan_shows_names_when_given_labels() -> None:
    model = Recommender.from_factors(["ann"], [67], [[1.0]], [[1.0]])
    registry = OptInRegistry(clock=lambda: T0)
    registry.grant("ann", "launches", "email", source="form")
    plan = plan_campaign(
        67, recommender=model, registry=registry, purpose="launches", channel="email", at=T0
    )
    labelled = plan.with_labels({67: "Radiohead", "ann": "Ann Lee"})
    assert "Campaign plan for 67 (Radiohead)" in labelled._repr_html_()
    assert "ann (Ann Lee)" in labelled._repr_html_()
    assert "item=67 (Radiohead)" in repr(labelled)
    assert labelled == plan
    assert labelled.to_frame()["member_name"].tolist() == ["Ann Lee"]
    assert "Campaign plan for 67</caption>" in plan._repr_html_()


def test_trees_and_growth_are_tables() -> None:
    from community_marketing import project_growth

    graph = ReferralGraph(clock=lambda: T0)
    graph.record_referrals(["ann", "bob"], ["bob", "cid"])
    table = graph.referral_tree("ann").to_frame(labels=NAMES)
    assert table["depth"].tolist() == [0, 1, 2]
    assert table["member_name"].tolist()[:2] == ["Ann Lee", "Bob Ray"]
    assert project_growth(0.5, 2, 100).to_frame()["users"].tolist() == [100.0, 150.0, 175.0]


def test_without_pandas_the_error_names_the_frames_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"community-marketing\[frames\]"):
        frame_of(_listings()["leaderboard"])
    assert columns_of(_listings()["leaderboard"])["member"].tolist() == ["bob", "cid", "ann"]


def test_missing_times_are_nat_and_huge_ints_stay_objects() -> None:
    import attrs

    @attrs.frozen
    class Row:
        at: datetime | None
        big: int

    columns = columns_of([Row(T0, 1), Row(None, 2**70)])
    assert columns["at"].dtype == np.dtype("datetime64[us]")
    assert np.isnat(columns["at"]).tolist() == [False, True]
    assert columns["big"].dtype == object


def test_labels_per_column_keep_overlapping_ids_apart() -> None:
    from datetime import UTC, datetime

    from community_marketing import CampaignPlan, InvalidInputError
    from community_marketing.recommend import Recommendations

    recs = Recommendations(5, (5, 7), (0.9, 0.5), "als")
    table = recs.to_frame(labels={"user": {5: "Ann"}, "item": {5: "Björk", 7: "Blur"}})
    assert table["user_name"].tolist() == ["Ann", "Ann"]
    assert table["item_name"].tolist() == ["Björk", "Blur"]
    one = recs.to_frame(labels={5: "Björk"})
    assert one["user_name"].tolist() == ["Björk", "Björk"]  # one mapping: every id column
    plan = CampaignPlan(5, "launches", "email", datetime(2026, 5, 1, tzinfo=UTC),
                        ((5, 1.0),), (), "score", None, None, None, 0.05, 1, {}, 3, {})  # fmt: skip
    shown = plan.with_labels({"item": {5: "Björk"}, "member": {5: "Ann"}})
    assert "Campaign plan for 5 (Björk)" in shown._repr_html_()
    assert "<td>5 (Ann)</td>" in shown._repr_html_()
    for bad in ({"item": {5: "x"}, 5: "y"}, {"song": {5: "x"}}, ["x"]):
        with pytest.raises(InvalidInputError, match=r"^labels: expected a mapping"):
            recs.to_frame(labels=bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match=r"^labels: expected a mapping"):
            plan.with_labels(bad)  # type: ignore[arg-type]


def test_frame_of_reads_pairs_and_bare_ids() -> None:
    from community_marketing import FanGroup, Recommender, columns_of, frame_of

    model = Recommender(factors=2, iterations=2, random_state=0, num_threads=1)
    model.fit(["a", "a", "b", "c"], ["x", "y", "x", "y"])
    pairs = model.similar_items("x")
    table = frame_of(pairs, labels={"y": "Yak"})
    assert table.columns.tolist() == ["id", "id_name", "score"]
    assert table["id"].tolist() == [item for item, _ in pairs]
    assert table["score"].tolist() == pytest.approx([score for _, score in pairs])
    assert frame_of(model.holders_of("x"))["id"].tolist() == ["a", "b"]
    assert columns_of(FanGroup("g", 1).members())["id"].tolist() == [1]
    # A tuple id with an int inside is an id, not a score.
    assert columns_of([("acct", 7)])["id"].tolist() == [("acct", 7)]
    group = FanGroup("g", 1)
    group.join(2)
    rewards = frame_of(group.rewards_due(), labels={0: "not a reward's name"})
    assert "id_name" not in rewards.columns
