"""Member attributes and hotspots."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from community_marketing.errors import (
    InvalidInputError,
    UnknownIdError,
)
from community_marketing.groups import (
    FanGroup,
    Hotspot,
)

from ._support import T0

# ------------------------------------------------------------------------- attributes, hotspots


def test_attributes(group: FanGroup) -> None:
    group.set_attributes("bob", {"city": "Lyon", "region": "ARA"})
    group.set_attributes("bob", {"region": None})
    assert group.attributes_of("bob") == {"city": "Lyon"}
    with pytest.raises(InvalidInputError):
        group.set_attributes("bob", {"city": ["Lyon"]})  # type: ignore[dict-item]
    with pytest.raises(InvalidInputError):
        group.set_attributes("bob", {"": "x"})
    with pytest.raises(UnknownIdError):
        group.set_attributes("zed", {"city": "Nice"})


def test_hotspots(group: FanGroup) -> None:
    group.join_many(
        ["f1", "f2", "f3", "f4"], attributes={"city": ["Nice", "Nice", "Lyon", "Paris"]}
    )
    group.set_attributes("bob", {"city": "Lyon"})
    group.record_contribution("f1", "post", at=T0)
    group.record_contribution("f3", "post", at=T0 + timedelta(days=5))
    group.record_contribution("f3", "post", at=T0 + timedelta(days=5))
    group.record_contribution("bob", "post", at=T0)
    spots = group.hotspots("city")
    assert spots == [
        Hotspot("Lyon", members=2, active_members=2, contributions=3),
        Hotspot("Nice", members=2, active_members=1, contributions=1),
        Hotspot("Paris", members=1, active_members=0, contributions=0),
    ]
    assert group.hotspots("city", top=1) == spots[:1]
    recent = group.hotspots("city", since=T0 + timedelta(days=1))
    assert recent[0] == Hotspot("Lyon", 2, 1, 2)
    assert recent[1] == Hotspot("Nice", 2, 0, 0)
    group.leave("f3")
    assert group.hotspots("city")[:2] == [Hotspot("Nice", 2, 1, 1), Hotspot("Lyon", 1, 1, 1)]
    assert group.hotspots("unknown") == []
    with pytest.raises(InvalidInputError):
        group.hotspots("city", top=-1)


# ------------------------------------------------------------------ small cells, rising areas


def _city_group() -> FanGroup:
    from community_marketing.groups import FanGroup as Group

    group = Group("espresso", "owner", clock=lambda: T0)
    cities = ["Lyon"] * 6 + ["Nice"] * 3 + ["Brest"]
    group.join_many([f"m{i}" for i in range(10)], attributes={"city": cities}, at=T0)
    return group


def test_hotspots_hide_small_cells() -> None:
    group = _city_group()
    for member in ("m0", "m1", "m2", "m6", "m9"):
        group.record_contribution(member, "post", at=T0)
    spots = group.hotspots("city")
    assert [(h.value, h.active_members) for h in spots] == [("Lyon", 3), ("Nice", 1), ("Brest", 1)]
    assert [h.value for h in group.hotspots("city", min_members=2)] == ["Lyon"]
    assert group.hotspots("city", min_members=4) == []
    assert group.hotspots("city", min_members=0) == spots
    assert group.hotspots("city", min_members=1, top=1) == spots[:1]
    for bad in (-1, 1.5, True, "2"):
        with pytest.raises(InvalidInputError, match="min_members"):
            group.hotspots("city", min_members=bad)  # type: ignore[arg-type]


def test_rising_areas_compare_two_periods() -> None:
    group = _city_group()
    week = timedelta(days=7)
    now = T0 + timedelta(days=14)
    earlier = ["m0", "m1", "m2", "m6"]  # Lyon 3, Nice 1 in the week before last
    later = ["m0", "m6", "m7", "m8", "m9"]  # Lyon 1, Nice 3, Brest 1 last week
    for member in earlier:
        group.record_contribution(member, "post", at=now - week - timedelta(days=1))
    for member in later:
        group.record_contribution(member, "post", at=now - timedelta(days=1))
    group.record_contribution("m3", "post", at=now)  # the end is excluded
    group.record_contribution("m4", "post", at=now - 3 * week)  # before both periods
    areas = group.rising_areas("city", period=week, at=now)
    assert [(a.value, a.active_before, a.active_now, a.change) for a in areas] == [
        ("Nice", 1, 3, 2),
        ("Brest", 0, 1, 1),
        ("Lyon", 3, 1, -2),
    ]
    assert [a.value for a in group.rising_areas("city", period=week, at=now, min_members=1)] == [
        "Nice",
        "Lyon",
    ]
    assert group.rising_areas("city", period=week, at=now, min_members=2) == []
    assert group.rising_areas("town", period=week, at=now) == []
    group.leave("m7", at=now)
    assert group.rising_areas("city", period=week, at=now)[0].active_now == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"period": timedelta(0)}, "period"),
        ({"period": 7}, "period"),
        ({"period": timedelta(days=1), "min_members": -1}, "min_members"),
        ({"period": timedelta(days=1), "at": T0.replace(tzinfo=None)}, "at"),
    ],
)
def test_rising_areas_bad_input(kwargs: dict[str, object], field: str) -> None:
    group = _city_group()
    before = group.to_state()
    with pytest.raises(InvalidInputError, match=field):
        group.rising_areas("city", **kwargs)  # type: ignore[arg-type]
    assert repr(group.to_state()) == repr(before)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(["Lyon", "Nice", "Brest", None]), min_size=1, max_size=12),
    st.lists(st.tuples(st.integers(0, 11), st.integers(0, 27)), max_size=30),
    st.integers(0, 3),
)
def test_rising_areas_add_up_and_hide_small_cells(
    cities: list[str | None], posts: list[tuple[int, int]], k: int
) -> None:
    group = _city_group_of(cities)
    now = T0 + timedelta(days=28)
    for member, days_ago in posts:
        if member < len(cities):
            group.record_contribution(f"m{member}", "post", at=now - timedelta(days=days_ago))
    week = timedelta(days=7)

    def active(start: int, end: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        for i, city in enumerate(cities):
            if city and any(m == i and start < d <= end for m, d in posts):
                counts[city] = counts.get(city, 0) + 1
        return counts

    before, after = active(7, 14), active(0, 7)
    expected = {
        city: (before.get(city, 0), after.get(city, 0))
        for city in {*before, *after}
        if min(before.get(city, 0), after.get(city, 0)) >= k
    }
    areas = group.rising_areas("city", period=week, at=now, min_members=k)
    assert {a.value: (a.active_before, a.active_now) for a in areas} == expected
    assert all(a.change == a.active_now - a.active_before for a in areas)
    assert [a.change for a in areas] == sorted((a.change for a in areas), reverse=True)


def _city_group_of(cities: list[str | None]) -> FanGroup:
    from community_marketing.groups import FanGroup as Group

    group = Group("espresso", "owner", clock=lambda: T0)
    group.join_many([f"m{i}" for i in range(len(cities))], at=T0)
    for i, city in enumerate(cities):
        if city is not None:
            group.set_attributes(f"m{i}", {"city": city})
    return group
