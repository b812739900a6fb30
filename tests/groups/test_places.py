"""Member attributes and hotspots."""

from __future__ import annotations

from datetime import timedelta

import pytest

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
