"""Suspicious referral patterns (rings are refused on entry: see test_referral_log)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from community_marketing.errors import InvalidInputError
from community_marketing.referrals import ReferralGraph

from ._support import T0, clock


class TestFraud:
    def test_suspicious_patterns(self) -> None:
        graph = ReferralGraph(clock=clock)
        for n in range(12):
            graph.record_referral("spammer", f"s{n}", at=T0 + timedelta(minutes=n))
        for n in range(12):
            graph.record_referral("patient", f"p{n}", at=T0 + timedelta(days=n))
        graph.record_referral("root", "f1", at=T0)
        graph.record_referral("f1", "f2", at=T0 + timedelta(minutes=5))
        graph.record_referral("f2", "f3", at=T0 + timedelta(minutes=10))
        graph.record_referral("u1", "v1", at=T0, code="SHARED")
        graph.record_referral("u2", "v2", at=T0, code="SHARED")
        flags = graph.suspicious_referrals(burst=10, window=timedelta(hours=1))
        found = {(f.referrer, f.pattern, f.count) for f in flags}
        assert found == {
            ("spammer", "burst", 12),
            ("f1", "fast_chain", 2),
            ("u1", "shared_code", 1),
            ("u2", "shared_code", 1),
        }
        burst = next(f for f in flags if f.pattern == "burst")
        assert (burst.start, burst.end) == (T0, T0 + timedelta(minutes=11))
        with pytest.raises(InvalidInputError, match="burst"):
            graph.suspicious_referrals(burst=0)
