"""The value types validate themselves."""

from __future__ import annotations

import pytest

from community_marketing.errors import (
    InvalidInputError,
)
from community_marketing.groups import (
    Ability,
    BadgeRule,
    BadgeTier,
    Reward,
    Role,
    TrustPolicy,
)


def test_value_types_validate() -> None:
    with pytest.raises(InvalidInputError, match="tier"):
        BadgeRule("x", "platinum", 1)
    with pytest.raises(InvalidInputError, match="at_least"):
        BadgeRule("x", "gold", 0)
    with pytest.raises(InvalidInputError, match=r"reward.value"):
        Reward("discount")
    with pytest.raises(InvalidInputError, match=r"reward.value"):
        Reward("discount", -5)
    with pytest.raises(InvalidInputError, match=r"reward.kind"):
        Reward("cash", 5)
    with pytest.raises(InvalidInputError, match=r"reward.value"):
        Reward("badge", 1)
    with pytest.raises(InvalidInputError, match="rank"):
        Role("x", Ability.INVITE, 101)
    with pytest.raises(InvalidInputError, match="abilities"):
        Role("x", 3, 10)
    with pytest.raises(InvalidInputError, match="thresholds"):
        TrustPolicy((10, 5), unlocks=(Ability.NONE, Ability.NONE))
    with pytest.raises(InvalidInputError, match="unlocks"):
        TrustPolicy((10,), unlocks=())
    with pytest.raises(InvalidInputError, match="low_water"):
        TrustPolicy((10,), low_water=1.5, unlocks=(Ability.NONE,))
    assert BadgeRule("x", BadgeTier.GOLD, 3).tier is BadgeTier.GOLD
