"""Trust levels: earned from reputation, kept above the low-water mark."""

from __future__ import annotations

import pytest

from community_marketing.errors import (
    PermissionDeniedError,
)
from community_marketing.groups import (
    DEFAULT_POINTS,
    Ability,
    FanGroup,
    TrustPolicy,
)

from ._support import Clock

# ------------------------------------------------------------------------------ trust levels


def test_trust_levels_with_low_water_mark(clock: Clock) -> None:
    policy = TrustPolicy((10, 30), low_water=0.8, unlocks=(Ability.INVITE, Ability.MODERATE))
    points = dict(DEFAULT_POINTS) | {"flagged": -1}
    group = FanGroup("espresso", "ann", trust=policy, points=points, clock=clock)
    group.join("bob")
    assert group.trust_level("bob") == 0
    assert not group.can("bob", Ability.INVITE)
    group.record_contribution("bob", "answer", weight=2)
    assert group.trust_level("bob") == 1
    assert group.can("bob", Ability.INVITE)
    assert not group.can("bob", Ability.MODERATE)
    group.record_contribution("bob", "flagged", weight=2)
    assert group.reputation("bob") == 8
    assert group.trust_level("bob") == 1, "a dip above the low-water mark keeps the level"
    group.record_contribution("bob", "flagged")
    assert group.reputation("bob") == 7
    assert group.trust_level("bob") == 0
    assert not group.can("bob", Ability.INVITE)
    group.record_contribution("bob", "accepted_answer", weight=2)
    assert group.trust_level("bob") == 2
    assert group.can("bob", Ability.INVITE | Ability.MODERATE)
    group.record_contribution("bob", "flagged", weight=13)
    assert group.reputation("bob") == 24
    assert group.trust_level("bob") == 2
    group.record_contribution("bob", "flagged", weight=1)
    assert group.trust_level("bob") == 1


def test_trust_unlocked_invite_is_usable(clock: Clock) -> None:
    policy = TrustPolicy((5,), unlocks=(Ability.INVITE,))
    group = FanGroup("espresso", "ann", trust=policy, clock=clock)
    group.join("bob")
    with pytest.raises(PermissionDeniedError, match="INVITE"):
        group.invite("bob", "cid")
    group.record_contribution("bob", "answer")
    assert group.accept_invitation(group.invite("bob", "cid")) == "cid"
