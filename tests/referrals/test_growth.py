"""The viral coefficient and growth projected from it."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from community_marketing.errors import InvalidInputError
from community_marketing.referrals import ReferralGraph, project_growth

from ._support import T0, clock


class TestGrowth:
    def test_viral_coefficient(self) -> None:
        graph = ReferralGraph(clock=clock)
        graph.add_members([f"m{n}" for n in range(10)], at=T0)
        start, end = T0 + timedelta(days=1), T0 + timedelta(days=31)
        for n in range(4):
            graph.record_referral(f"m{n}", f"new{n}", at=start + timedelta(days=n))
        graph.record_referral("m9", "later", at=end)
        k = graph.viral_coefficient(start=start, end=end)
        assert (k.k, k.members, k.referrals, k.conversion) == (0.4, 10, 4, None)
        split = graph.viral_coefficient(start=start, end=end, invitations=20)
        assert (split.invitations_per_member, split.conversion) == (2.0, 0.2)
        assert math.isclose(split.invitations_per_member * split.conversion, split.k)
        with pytest.raises(InvalidInputError, match="end"):
            graph.viral_coefficient(start=end, end=start)
        with pytest.raises(InvalidInputError, match="invitations"):
            graph.viral_coefficient(start=start, end=end, invitations=2)
        with pytest.raises(InvalidInputError, match="start: no members"):
            graph.viral_coefficient(start=T0 - timedelta(days=1), end=end)

    def test_project_growth(self) -> None:
        growth = project_growth(0.5, 40, 100)
        assert growth.users[:3].tolist() == [100.0, 150.0, 175.0]
        assert growth.limit == 200.0
        assert abs(growth.users[-1] - growth.limit) < 1e-6
        assert project_growth(1.0, 2, 10).users.tolist() == [10.0, 20.0, 30.0]
        assert project_growth(3.0, 2, 1).users.tolist() == [1.0, 4.0, 13.0]
        with pytest.raises(InvalidInputError, match="k:"):
            project_growth(-1.0, 2, 1)
        with pytest.raises(InvalidInputError, match="cycles"):
            project_growth(0.5, 1.5, 1)  # type: ignore[arg-type]
