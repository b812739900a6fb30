"""forget, readmit and subject_access across the primitives."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community_marketing import (
    BadgeRule,
    BadgeTier,
    ConsentRequiredError,
    FanGroup,
    OptInRegistry,
    PermissionDeniedError,
    PresenceLog,
    Recommender,
    ReferralGraph,
    forget,
    readmit,
    subject_access,
)
from community_marketing._erased import fingerprint
from community_marketing.rights import _presence_erased

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _community(n: int, seed: int = 0) -> dict[str, object]:
    registry = OptInRegistry(clock=lambda: T0)
    group = FanGroup(
        "espresso",
        "owner",
        registry=registry,
        clock=lambda: T0,
        badge_rules=(BadgeRule("poster", BadgeTier.BRONZE, 1, kind="post"),),
    )
    people = [f"p{i}" for i in range(n)]
    group.join_many(people)
    group.set_attributes("p0", {"nickname": "Zanzibar", "city": "Lyon"})
    group.record_contribution("p0", "post")
    group.set_trust_level("owner", "p0", 1)  # a trust history that names p0
    graph = ReferralGraph()
    graph.add_friendships([(people[i], people[(i + 1) % n]) for i in range(n)])
    graph.record_referral("p1", "p0")
    graph.request_friendship("p0", people[2 % n] if n > 3 else people[-1])
    model = Recommender(factors=2, iterations=2, random_state=seed, num_threads=1)
    model.fit(people * 2, ["tea", "jam"] * n)
    log = PresenceLog()
    log._record("p0", 1, ("tea",))
    return {
        "registry": registry,
        "group": group,
        "graph": graph,
        "recommender": model,
        "presence_log": log,
    }


def _plain(value: object) -> object:
    """``value`` with every attrs value object turned into its fields, all the way down."""
    if attrs.has(type(value)):
        return {
            field.name: _plain(getattr(value, field.name)) for field in attrs.fields(type(value))
        }
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {repr(key): _plain(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _listings(parts: dict[str, object]) -> str:
    group, graph, model = parts["group"], parts["graph"], parts["recommender"]
    assert isinstance(group, FanGroup)
    assert isinstance(graph, ReferralGraph)
    assert isinstance(model, Recommender)
    out = [
        group.members(),
        group.leaderboard(100),
        group.rewards_due(),
        group.hotspots("city"),
        [group.badges(m) for m in group.members()],
        [group.display_name(m) for m in group.members()],
        [group.roles_of(m) for m in group.members()],
        group.pending_requests("owner"),
        group.trust_history(),
        group.join_request_of("p0"),
        group.rising_areas("city", period=timedelta(days=7)),
        graph.ids(),
        graph.communities(random_state=0).groups(),
        graph.referral_history(),
        graph.referral_counts(),
        [graph.friends(i) for i in graph.ids()],
        [graph.friends_of_friends(i) for i in graph.ids()],
        [graph.pending_requests(i) for i in graph.ids()],
        [graph.referrals_of(i) for i in graph.ids()],
        model.holders_of("tea"),
        model.audience_for("tea", n=100),
        model.user_ids_,
        [model.similar_users(u, n=100) for u in model.user_ids_],
        model.recommend_many(model.user_ids_, n=2),
        parts["presence_log"].offers(),  # type: ignore[attr-defined]
        [e.contact for e in parts["registry"].events()],  # type: ignore[attr-defined]
    ]
    registry = parts["registry"]
    assert isinstance(registry, OptInRegistry)
    out.append(registry.audience([*group.members(), "p0"], "group:espresso", "in_app"))
    # Value reprs summarize long fields; the fields themselves must not hold the person.
    out = [_plain(item) for item in out]
    states = [repr(p.to_state()) for p in parts.values()]  # type: ignore[attr-defined]
    states.append(json.dumps([e.to_dict() for e in registry.events()]))
    return repr(out) + "".join(states)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=3, max_value=8), st.integers(0, 2**16))
def test_forget_leaves_no_id_and_no_name(n: int, seed: int) -> None:
    parts = _community(n, seed)
    receipt = forget("p0", **parts)  # type: ignore[arg-type]
    text = _listings(parts)
    assert "'p0'" not in text
    assert "Zanzibar" not in text
    assert json.loads(json.dumps(receipt.to_dict())) == receipt.to_dict()
    registry = parts["registry"]
    assert isinstance(registry, OptInRegistry)
    assert receipt.fingerprint == fingerprint(registry.erasure_key, "p0")


def test_erasure_survives_state_and_refuses_readding() -> None:
    parts = _community(4)
    forget("p0", **parts)  # type: ignore[arg-type]
    group = FanGroup.from_state(parts["group"].to_state())  # type: ignore[attr-defined]
    graph = ReferralGraph.from_state(parts["graph"].to_state())  # type: ignore[attr-defined]
    model = Recommender.from_state(parts["recommender"].to_state())  # type: ignore[attr-defined]
    log = PresenceLog.from_state(parts["presence_log"].to_state())  # type: ignore[attr-defined]
    with pytest.raises(ConsentRequiredError):
        group.join("p0", consent=True)
    with pytest.raises(ConsentRequiredError):
        graph.add_friendships([("p0", "p1")])
    with pytest.raises(ConsentRequiredError):
        model.update_users(["p0"], ["tea"])
    with pytest.raises(ConsentRequiredError):
        log._record("p0", 5, ())
    assert "p0" not in model.fit(["p0", "p1", "p2"], ["tea", "jam", "tea"]).user_ids_


def test_readmit_needs_a_fresh_express_opt_in() -> None:
    parts = _community(4)
    forget("p0", **parts)  # type: ignore[arg-type]
    registry = parts["registry"]
    assert isinstance(registry, OptInRegistry)
    with pytest.raises(ConsentRequiredError):
        readmit("p0", **parts)  # type: ignore[arg-type]
    registry.grant("p0", "news", "email", source="form", basis="express")
    assert readmit("p0", **parts) == ["group", "graph", "recommender", "presence_log"]  # type: ignore[arg-type]
    parts["graph"].add_friendships([("p0", "p1")])  # type: ignore[attr-defined]


def test_a_refusal_anywhere_changes_nothing_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    parts = _community(4)
    before = {k: repr(v.to_state()) for k, v in parts.items()}  # type: ignore[attr-defined]

    def refuse(*args: object, **kwargs: object) -> None:
        raise ConsentRequiredError("injected")

    monkeypatch.setattr("community_marketing.rights._presence_plan", refuse)
    with pytest.raises(ConsentRequiredError):
        forget("p0", **parts)  # type: ignore[arg-type]
    assert {k: repr(v.to_state()) for k, v in parts.items()} == before  # type: ignore[attr-defined]
    monkeypatch.undo()
    monkeypatch.setattr(OptInRegistry, "erase", refuse)
    with pytest.raises(ConsentRequiredError):
        forget("p0", **parts)  # type: ignore[arg-type]
    assert {k: repr(v.to_state()) for k, v in parts.items()} == before  # type: ignore[attr-defined]
    assert not _presence_erased(parts["presence_log"]).erased  # type: ignore[arg-type]


def test_founder_is_refused_and_nothing_changes() -> None:
    parts = _community(3)
    with pytest.raises(PermissionDeniedError):
        forget("owner", **parts)  # type: ignore[arg-type]
    assert not parts["registry"].is_suppressed("owner")  # type: ignore[attr-defined]


def test_subject_access_round_trips_through_json() -> None:
    parts = _community(4)
    document = subject_access("p0", **parts)  # type: ignore[arg-type]
    assert json.loads(json.dumps(document)) == document
    assert document["schema"] == 1
    assert document["group"]["display_name"].startswith("Zanzibar")
    assert {i["item"] for i in document["recommender"]["interactions"]} == {"tea"}
    assert document["graph"]["referred_by"] == "p1"
    assert len(document["offers"]) == 1


def test_readmit_reads_the_latest_erasure() -> None:
    parts = _community(4)
    registry = parts["registry"]
    assert isinstance(registry, OptInRegistry)
    forget("p0", **parts)  # type: ignore[arg-type]
    assert registry.erased_at("p0") == T0
    registry.grant("p0", "news", "email", source="form", basis="express")
    assert readmit("p0", **parts) == ["group", "graph", "recommender", "presence_log"]  # type: ignore[arg-type]
    later = datetime(2026, 2, 1, tzinfo=UTC)
    group = parts["group"]
    assert isinstance(group, FanGroup)
    group.join("p0", consent=True, at=later)
    forget("p0", at=later, **parts)  # type: ignore[arg-type]
    assert registry.erased_at("p0") == later
    # The opt-in given after the first erasure does not readmit after the second.
    with pytest.raises(ConsentRequiredError):
        readmit("p0", **parts)  # type: ignore[arg-type]
    assert not group.is_member("p0")


def test_a_write_during_forget_waits_and_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from community_marketing import rights

    parts = _community(4)
    group = parts["group"]
    assert isinstance(group, FanGroup)
    planned, release = threading.Event(), threading.Event()
    real_plan = rights._presence_plan

    def slow_plan(*args: object) -> object:
        planned.set()
        assert release.wait(10)
        return real_plan(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(rights, "_presence_plan", slow_plan)
    erasing = threading.Thread(target=lambda: forget("p0", **parts))  # type: ignore[arg-type]
    erasing.start()
    assert planned.wait(10)
    joined = threading.Thread(target=lambda: group.join("late", consent=True))
    joined.start()
    joined.join(0.2)
    assert joined.is_alive()  # the join waits for the erasure to finish
    release.set()
    erasing.join(10)
    joined.join(10)
    assert group.is_member("late")
    assert not group.is_member("p0")


def test_forget_reaches_people_who_only_asked_or_were_invited() -> None:
    registry = OptInRegistry(clock=lambda: T0)
    group = FanGroup(
        "club", "ann", registry=registry, open_enrollment=False, questions=("Why?",),
        clock=lambda: T0,
    )  # fmt: skip
    group.request_to_join("zoe", answers=["call me on +44 7700 900123"])
    group.invite("ann", "eve")
    document = subject_access("zoe", registry=registry, group=group)
    assert document["group"]["join_request"]["answers"] == ["call me on +44 7700 900123"]
    assert subject_access("eve", registry=registry, group=group)["group"][
        "invitations_received"
    ] == [{"by": "ann", "at": T0.isoformat(), "used": False}]
    for person, kind in (("zoe", "join_requests"), ("eve", "invitations")):
        receipt = forget(person, registry=registry, group=group)
        assert dict(receipt.removed[0].counts)[kind] == 1
        assert repr(person) not in repr(group.to_state())
    assert group.pending_requests("ann") == []


def test_subject_access_covers_former_and_banned_members() -> None:
    registry = OptInRegistry(clock=lambda: T0)
    group = FanGroup("club", "ann", registry=registry, clock=lambda: T0)
    for person, name in (("leo", "Leonidas"), ("max", "Maxi")):
        group.join(person, consent=True)
        group.set_attributes(person, {"nickname": name, "city": "Sparta"})
        group.record_contribution(person, "post")
    group.leave("leo")
    group.ban("ann", "max")
    leo = subject_access("leo", registry=registry, group=group)["group"]
    assert (leo["member"], leo["display_name"], leo["attributes"]["city"]) == (
        False, "Leonidas", "Sparta",
    )  # fmt: skip
    assert leo["contributions"]["post"] == 1
    maxi = subject_access("max", registry=registry, group=group)["group"]
    assert (maxi["banned"], maxi["attributes"]["nickname"]) == (True, "Maxi")


def test_forget_refuses_wrong_parts_and_a_registry_not_the_groups() -> None:
    from community_marketing import InvalidInputError

    registry, other = OptInRegistry(), OptInRegistry()
    group = FanGroup("club", "ann", registry=registry)
    group.join("bob", consent=True)
    before = (repr(registry.to_state()), repr(group.to_state()), repr(other.to_state()))
    with pytest.raises(InvalidInputError, match=r"^registry: the group keeps"):
        forget("bob", registry=other, group=group)
    with pytest.raises(InvalidInputError, match=r"^registry: expected an OptInRegistry"):
        forget("bob", registry=None, group=group)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"^group: expected a FanGroup, got ReferralGraph"):
        forget("bob", registry=registry, group=ReferralGraph())  # type: ignore[arg-type]
    assert (repr(registry.to_state()), repr(group.to_state()), repr(other.to_state())) == before


def test_a_ban_does_not_bring_an_erased_person_back() -> None:
    registry = OptInRegistry()
    group = FanGroup("club", "ann", registry=registry)
    group.join("bob", consent=True)
    forget("bob", registry=registry, group=group)
    with pytest.raises(ConsentRequiredError):
        group.ban("ann", "bob")
    assert "bob" not in repr(group.to_state())


@pytest.mark.parametrize(
    "contact", [Decimal("7"), ("acct", 7), np.int64(5), frozenset({"x"})], ids=repr
)
def test_subject_access_is_json_for_every_kind_of_id(contact: object) -> None:
    registry = OptInRegistry()
    registry.grant(contact, "news", "email", source="form")  # type: ignore[arg-type]
    graph = ReferralGraph()
    graph.add_friendships([(contact, ("acct", 8)), (5, 6)])  # type: ignore[list-item]
    document = subject_access(contact, registry=registry, graph=graph)  # type: ignore[arg-type]
    assert json.loads(json.dumps(document)) == document
    assert document["graph"]["known"]
