"""Every primitive pickles, copies and deep-copies through to_state, and has a byte blob."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from community_marketing import (
    FanGroup,
    InvalidInputError,
    OptInRegistry,
    PresenceLog,
    Recommender,
    ReferralGraph,
)
from community_marketing.datasets import synthetic_community

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def fixed_clock() -> datetime:
    """A module-level clock: it pickles by name."""
    return T0 + timedelta(days=400)


@pytest.fixture(scope="module")
def world() -> dict[str, Any]:
    community = synthetic_community(120, 20, random_state=3)
    registry = community.consent_registry()
    group = FanGroup("espresso", "m000", clock=fixed_clock)
    for member in community.member_ids[1:30]:
        group.join(member, at=T0)
    group.record_contributions(community.member_ids[1:10], ["post"] * 9, at=T0)
    graph = ReferralGraph(clock=fixed_clock)
    graph.add_friendships(community.friend_pairs())
    graph.record_referral("m001", "newcomer", code="A1", at=T0)
    users, items, weights = community.interactions()
    model = Recommender(factors=4, iterations=3, random_state=0, num_threads=1)
    model.fit(users, items, weights)
    log = PresenceLog.from_state(
        {"schema": 1, "offers": [["m001", 1_000, ["i01"]], ["m002", 2_000, []]]}
    )
    return {
        "registry": registry,
        "group": group,
        "graph": graph,
        "model": model,
        "log": log,
        "members": community.member_ids,
    }


def _answers(name: str, obj: Any, members: list[str]) -> Any:
    if name == "registry":
        return [obj.may_contact(m, "newsletter", "email", at=T0) for m in members[:40]]
    if name == "group":
        return (len(obj.members()), obj.reputation("m001"), obj.is_member("m005"))
    if name == "graph":
        return (obj.friends("m003"), obj.referrer_of("newcomer"))
    if name == "model":
        return obj.recommend("m004", n=3)
    return obj.offers()


def _same_state(left: Any, right: Any) -> None:
    if isinstance(left, dict):
        assert isinstance(right, dict)
        assert left.keys() == right.keys()
        for key in left:
            _same_state(left[key], right[key])
    elif isinstance(left, np.ndarray):
        np.testing.assert_array_equal(left, right)
        assert left.dtype == right.dtype
    elif isinstance(left, (list, tuple)):
        assert len(left) == len(right)
        for a, b in zip(left, right, strict=True):
            _same_state(a, b)
    else:
        assert left == right or (left != left and right != right)


ROUND_TRIPS: dict[str, Callable[[Any], Any]] = {
    "pickle": lambda x: pickle.loads(pickle.dumps(x)),
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
    "bytes": lambda x: type(x).from_bytes(x.to_bytes()),
}


@pytest.mark.parametrize("how", sorted(ROUND_TRIPS))
@pytest.mark.parametrize("name", ["registry", "group", "graph", "model", "log"])
def test_round_trip_keeps_answers_and_state(world: dict[str, Any], name: str, how: str) -> None:
    original = world[name]
    again = ROUND_TRIPS[how](original)
    assert type(again) is type(original)
    assert again is not original
    assert _answers(name, again, world["members"]) == _answers(name, original, world["members"])
    _same_state(again.to_state(), original.to_state())


def test_a_copy_is_independent_and_gets_a_new_lock(world: dict[str, Any]) -> None:
    registry = world["registry"]
    again = copy.copy(registry)
    before = len(registry.events())
    again.grant("zed", "newsletter", "email", source="form", at=T0)
    assert len(registry.events()) == before
    assert again._lock is not registry._lock


def test_the_clock_is_kept() -> None:
    graph = pickle.loads(pickle.dumps(ReferralGraph(clock=fixed_clock)))
    assert graph._clock is fixed_clock


def test_a_clock_that_cannot_pickle_is_named() -> None:
    registry = OptInRegistry(clock=lambda: T0)
    with pytest.raises(InvalidInputError, match=r"^clock: <lambda> does not pickle"):
        pickle.dumps(registry)
    assert copy.deepcopy(registry).may_contact("ann", "news", "email") is False


def test_a_group_pickled_with_its_registry_shares_it() -> None:
    registry = OptInRegistry()
    group = FanGroup("espresso", "ann", registry=registry, purpose="group:espresso")
    group.join("bob", at=T0)
    group2, registry2 = pickle.loads(pickle.dumps((group, registry)))
    group2.join("cid", at=T0)
    assert registry2.events()[-1].contact == "cid"
    assert registry.events()[-1].contact == "bob"


def test_an_unfitted_recommender_pickles_with_its_parameters() -> None:
    rng = np.random.default_rng(5)
    model = Recommender(factors=3, random_state=rng, weighting="bm25")
    again = pickle.loads(pickle.dumps(model))
    assert not again.is_fitted
    assert again.factors == 3
    assert again.weighting == "bm25"
    assert isinstance(again.random_state, np.random.Generator)


def test_from_bytes_refuses_what_is_not_a_blob() -> None:
    with pytest.raises(InvalidInputError, match=r"^data: expected the bytes"):
        OptInRegistry.from_bytes(b"garbage")
    with pytest.raises(InvalidInputError, match=r"^data: malformed"):
        ReferralGraph.from_bytes(b"CMSTATE1" + b"garbage")


def test_the_blob_refuses_what_needs_pickle() -> None:
    from community_marketing import _persist

    with pytest.raises(InvalidInputError, match=r"^state\.x: to_bytes cannot store a object"):
        _persist.state_to_bytes({"schema": 1, "x": object()})
