"""FanGroup, the face: construction, checks on entry, repr, and sharing between threads."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest

from community_marketing.errors import (
    InvalidInputError,
)
from community_marketing.groups import (
    Ability,
    BadgeRule,
    FanGroup,
    Role,
)
from community_marketing.optin import OptInRegistry

from ._support import T0, Clock

# ------------------------------------------------------------------------------ construction


def test_founder_is_first_owner_and_member(clock: Clock) -> None:
    group = FanGroup("espresso", "ann", clock=clock)
    assert group.founder == "ann"
    assert group.owners() == ["ann"]
    assert group.members() == ["ann"]
    assert group.member_count == 1
    assert group.role_of("ann") == Role("Owner", Ability.ALL, 100)
    assert group.joined_at("ann") == T0
    assert group.purpose == "group:espresso"
    assert group.channels == ("in_app",)


def test_repr_is_readable(group: FanGroup) -> None:
    assert repr(group) == (
        "FanGroup(name='espresso', members=5, owners=['ann'], open_enrollment=True)"
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"owner": None}, "owner"),
        ({"owner": ["list"]}, "owner"),
        ({"questions": ["a", "b", "c", "d"]}, "questions"),
        ({"questions": "why?"}, "questions"),
        ({"enrollment_fee": -1}, "enrollment_fee"),
        ({"enrollment_fee": float("nan")}, "enrollment_fee"),
        ({"creation_fee": "100"}, "creation_fee"),
        ({"channels": ()}, "channels"),
        ({"channels": ("email", "email")}, "channels"),
        ({"points": {}}, "points"),
        ({"points": {"answer": 1.5}}, "points"),
        ({"invite_daily_cap": -1}, "invite_daily_cap"),
        ({"open_enrollment": 1}, "open_enrollment"),
        ({"trust": "high"}, "trust"),
        ({"registry": object()}, "registry"),
        ({"clock": 5}, "clock"),
        ({"badge_rules": [BadgeRule("x", "gold", 1, kind="unknown")]}, "kind"),
        ({"badge_rules": [BadgeRule("x", "gold", 1), BadgeRule("x", "gold", 2)]}, "exists"),
    ],
)
def test_constructor_validates(kwargs: dict[str, Any], field: str) -> None:
    arguments: dict[str, Any] = {"name": "espresso", "owner": "ann"} | kwargs
    name, owner = arguments.pop("name"), arguments.pop("owner")
    with pytest.raises(InvalidInputError, match=field):
        FanGroup(name, owner, **arguments)


def test_naive_clock_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="clock"):
        FanGroup("espresso", "ann", clock=lambda: datetime(2026, 1, 1))


# ------------------------------------------------------------------------------ threads


def test_concurrent_joins_and_leaves_lose_nothing(clock: Clock, registry: OptInRegistry) -> None:
    group = FanGroup("espresso", "ann", registry=registry, clock=clock)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def worker(thread: int) -> None:
        try:
            barrier.wait()
            mine = [f"t{thread}-{i}" for i in range(120)]
            for member in mine:
                group.join(member)
            for member in mine[::2]:
                group.leave(member)
            group.join_many([f"t{thread}-bulk{i}" for i in range(50)])
            for member in mine[:20]:
                group.record_contribution(member, "post") if group.is_member(member) else None
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    expected = {"ann"}
    for t in range(8):
        expected |= {f"t{t}-{i}" for i in range(1, 120, 2)}
        expected |= {f"t{t}-bulk{i}" for i in range(50)}
    assert set(group.members()) == expected
    assert group.member_count == len(expected)
    assert (
        sum(group.reputation(f"t{t}-{i}") for t in range(8) for i in range(1, 20, 2)) == 8 * 10 * 2
    )
    assert registry.check_many(sorted(expected), "group:espresso", "in_app").allowed.all()
    left = [f"t{t}-{i}" for t in range(8) for i in range(0, 120, 2)]
    assert not registry.check_many(left, "group:espresso", "in_app").allowed.any()
