"""Niches: lift per community against a hand count, regions, consent, and niche campaigns."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from community_marketing import (
    FanGroup,
    Interactions,
    OptInRegistry,
    Recommender,
    ReferralGraph,
    niche_audiences,
    niches,
    plan_campaign,
)
from community_marketing.errors import InvalidInputError, UnknownIdError

T0 = datetime(2026, 3, 1, tzinfo=UTC)
FANS = [f"{c}{i}" for c in "xy" for i in range(5)]


def world() -> dict[str, object]:
    graph = ReferralGraph()
    cliques = [(f"{c}{i}", f"{c}{j}") for c in "xy" for i in range(5) for j in range(i + 1, 5)]
    graph.add_friendships([*cliques, ("x0", "y0")], at=T0)
    found = graph.communities(method="leiden", random_state=0, backend="scipy")
    # x* love vinyl, y* love tea; jam is everywhere.
    held = {"jam": FANS, "vinyl": [*FANS[:4], "y1"], "tea": [*FANS[5:], "x4"]}
    pairs = [(user, item) for item, users in held.items() for user in users]
    data = Interactions.from_triples([u for u, _ in pairs], [i for _, i in pairs])
    model = Recommender(factors=2, iterations=2, random_state=0).fit(data)
    group = FanGroup("fans", "x0", clock=lambda: T0)
    group.join_many(FANS[1:], attributes={"city": ["Lyon"] * 4 + ["Nice"] * 3 + ["Lyon"] * 2})
    group.set_attributes("x0", {"city": "Lyon"})
    registry = OptInRegistry(clock=lambda: T0)
    registry.grant_many(["x0", "x1", "y0"], "launches", "email", basis="express", source="form")
    return {"graph": graph, "found": found, "model": model, "group": group, "registry": registry}


def hand_lift(model: Recommender, members: list[str], item: str) -> float:
    holders = set(model.holders_of(item))
    users = model.user_ids_
    overall = sum(u in holders for u in users) / len(users)
    inside = [m for m in members if m in set(users)]
    return sum(m in holders for m in inside) / len(inside) / overall


def test_lift_equals_the_hand_count() -> None:
    w = world()
    found, model = w["found"], w["model"]
    for niche in niches(found, recommender=model, top=10, min_holders=1):  # type: ignore[arg-type]
        members = found.members_of(niche.community)  # type: ignore[attr-defined]
        for item, lift in zip(niche.items, niche.lift.tolist(), strict=True):
            assert lift == pytest.approx(hand_lift(model, members, item))  # type: ignore[arg-type]
        assert niche.lift.tolist() == sorted(niche.lift.tolist(), reverse=True)
        assert niche.size == len(members)


def test_each_clique_favours_its_own_item() -> None:
    w = world()
    found = w["found"]
    result = niches(found, recommender=w["model"], group=w["group"], attribute="city",  # type: ignore[arg-type]
                    registry=w["registry"], purpose="launches", channel="email")  # fmt: skip
    by_first = {found.members_of(n.community)[0]: n for n in result}  # type: ignore[attr-defined]
    assert by_first["x0"].items[0] == "vinyl"
    assert by_first["y0"].items[0] == "tea"
    assert by_first["x0"].regions == (("Lyon", 5),)
    assert by_first["y0"].regions == (("Nice", 3), ("Lyon", 2))
    assert (by_first["x0"].allowed, by_first["y0"].allowed) == (2, 1)
    assert "jam" not in by_first["x0"].items or by_first["x0"].lift[-1] == pytest.approx(1.0)
    columns = by_first["x0"].to_columns()
    assert columns["item"].tolist() == list(by_first["x0"].items)
    assert "community" in by_first["x0"]._repr_html_()
    assert niches(found, recommender=w["model"], min_size=6) == []  # type: ignore[arg-type]


def test_small_regions_stay_hidden_as_hotspots_hide_them() -> None:
    w = world()
    group = w["group"]
    assert isinstance(group, FanGroup)
    result = niches(w["found"], recommender=w["model"], group=group, attribute="city",  # type: ignore[arg-type]
                    min_members=3)  # fmt: skip
    shown = {value for niche in result for value, _ in niche.regions}
    assert shown == {"Lyon", "Nice"}
    assert all(count >= 3 for niche in result for _, count in niche.regions)
    # The y community's two Lyon members are a cell too small to show.
    assert ("Lyon", 2) not in [r for niche in result for r in niche.regions]
    with pytest.raises(InvalidInputError, match="min_members"):
        niches(w["found"], recommender=w["model"], min_members=-1)  # type: ignore[arg-type]


def test_niche_audiences_rank_communities_by_lift() -> None:
    w = world()
    found, model = w["found"], w["model"]
    best = niche_audiences("tea", communities=found, recommender=model)  # type: ignore[arg-type]
    assert found.members_of(best[0][0])[0] == "y0"  # type: ignore[attr-defined]
    assert [lift for _, lift in best] == sorted((lift for _, lift in best), reverse=True)
    assert niche_audiences("tea", communities=found, recommender=model, n=0) == []  # type: ignore[arg-type]
    with pytest.raises(UnknownIdError):
        niche_audiences("cake", communities=found, recommender=model)  # type: ignore[arg-type]


def test_plan_campaign_inside_one_community() -> None:
    w = world()
    found = w["found"]
    registry = OptInRegistry(clock=lambda: T0)
    registry.grant_many(FANS, "launches", "email", basis="express", source="form")
    label = found.label_of("y2")  # type: ignore[attr-defined]
    plan = plan_campaign("vinyl", recommender=w["model"], registry=registry, purpose="launches",  # type: ignore[arg-type]
                         channel="email", communities=found, community=label, at=T0)  # type: ignore[arg-type]  # fmt: skip
    assert plan.considered == 5
    assert set(plan.target_ids) <= set(found.members_of(label))  # type: ignore[attr-defined]
    assert plan.parameters["community"] == label
    with pytest.raises(InvalidInputError, match="communities: required"):
        plan_campaign("vinyl", recommender=w["model"], registry=registry, purpose="launches",  # type: ignore[arg-type]
                      channel="email", community=0, at=T0)  # fmt: skip
    with pytest.raises(InvalidInputError, match="community"):
        plan_campaign("vinyl", recommender=w["model"], registry=registry, purpose="launches",  # type: ignore[arg-type]
                      channel="email", communities=found, community=7, at=T0)  # type: ignore[arg-type]  # fmt: skip


def test_bad_input() -> None:
    w = world()
    found, model = w["found"], w["model"]
    bare = Recommender.from_factors(["a"], ["b"], [[1.0]], [[1.0]])
    with pytest.raises(InvalidInputError, match="no interactions"):
        niches(found, recommender=bare)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="communities"):
        niches([["x0"]], recommender=model)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="purpose"):
        niches(found, recommender=model, registry=w["registry"])  # type: ignore[arg-type]
    for field, value in (("top", -1), ("min_holders", 0), ("min_size", 0), ("attribute", 3)):
        with pytest.raises(InvalidInputError, match=field):
            niches(found, recommender=model, **{field: value})  # type: ignore[arg-type]
    assert np.asarray(found.labels).size == 10  # type: ignore[attr-defined]
