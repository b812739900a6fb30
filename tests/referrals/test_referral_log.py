"""Recording referrals: attribution, rejections (rings included), chains, trees, counts."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from community_marketing.errors import InvalidInputError, ReferralRejectedError, UnknownIdError
from community_marketing.referrals import Referral, ReferralGraph

from ._support import T0, clock, snapshot


class TestReferrals:
    def test_first_touch_keeps_the_credit(self) -> None:
        graph = ReferralGraph(clock=clock)
        first = graph.record_referral("ann", "bob", at=T0, code="ANN", channel="email")
        second = graph.record_referral("cid", "bob", at=T0 + timedelta(days=1))
        assert first == Referral("ann", "bob", T0, "ANN", "email", True)
        assert not second.attributed
        assert graph.referrer_of("bob") == "ann"
        assert [r.attributed for r in graph.referral_history()] == [True, False]

    def test_an_earlier_touch_recorded_late_takes_the_first_touch(self) -> None:
        graph = ReferralGraph(clock=clock)
        graph.record_referral("ann", "bob", at=T0 + timedelta(days=2))
        assert graph.record_referral("cid", "bob", at=T0).attributed
        assert graph.referrer_of("bob") == "cid"
        assert graph.referrals_of("ann") == []

    def test_last_touch(self) -> None:
        graph = ReferralGraph(attribution="last_touch", clock=clock)
        graph.record_referral("ann", "bob", at=T0)
        assert graph.record_referral("cid", "bob", at=T0 + timedelta(days=1)).attributed
        assert graph.referrer_of("bob") == "cid"

    def test_window(self) -> None:
        graph = ReferralGraph(attribution="window", window=timedelta(days=90), clock=clock)
        graph.record_referral("ann", "bob", at=T0)
        assert not graph.record_referral("cid", "bob", at=T0 + timedelta(days=30)).attributed
        assert graph.record_referral("dan", "bob", at=T0 + timedelta(days=91)).attributed
        assert graph.referrer_of("bob") == "dan"

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"attribution": "window"}, "window: required"),
            ({"attribution": "first_touch", "window": timedelta(days=1)}, "window: only"),
            ({"attribution": "best"}, "attribution: expected"),
            ({"attribution": "window", "window": timedelta(0)}, "window: expected a positive"),
        ],
    )
    def test_bad_configuration(self, kwargs: dict[str, object], match: str) -> None:
        with pytest.raises(InvalidInputError, match=match):
            ReferralGraph(**kwargs)  # type: ignore[arg-type]

    def test_rejections_carry_a_reason_and_change_nothing(self) -> None:
        graph = ReferralGraph(clock=clock)
        graph.add_members(["old"], at=T0 - timedelta(days=10))
        graph.record_referral("ann", "bob", at=T0)
        graph.record_referral("bob", "cid", at=T0)
        before = snapshot(graph)
        cases = [("ann", "ann", "self_referral"), ("ann", "old", "existing_member")]
        cases += [("cid", "ann", "ring"), ("cid", "bob", None)]
        for referrer, referee, reason in cases:
            if reason is None:
                # bob already has a referrer under first touch: not a ring, just no credit.
                assert not graph.record_referral(referrer, referee, at=T0).attributed
                continue
            with pytest.raises(ReferralRejectedError) as caught:
                graph.record_referral(referrer, referee, at=T0)
            assert caught.value.reason == reason
        assert snapshot(graph)[2]["referrer"][:2] == before[2]["referrer"]

    def test_ring_check_under_last_touch(self) -> None:
        graph = ReferralGraph(attribution="last_touch", clock=clock)
        graph.record_referral("a", "b", at=T0)
        graph.record_referral("b", "c", at=T0)
        before = snapshot(graph)
        with pytest.raises(ReferralRejectedError) as caught:
            graph.record_referral("c", "a", at=T0)
        assert caught.value.reason == "ring"
        assert snapshot(graph) == before

    def test_member_joining_after_the_referral_is_not_existing(self) -> None:
        graph = ReferralGraph(clock=clock)
        graph.add_members(["late"], at=T0 + timedelta(days=5))
        assert graph.record_referral("ann", "late", at=T0).attributed

    def test_bad_referral_input(self) -> None:
        graph = ReferralGraph(clock=clock)
        with pytest.raises(InvalidInputError, match="at: expected a timezone-aware"):
            graph.record_referral("a", "b", at=datetime(2026, 1, 1))
        with pytest.raises(InvalidInputError, match="code"):
            graph.record_referral("a", "b", code=5)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="referee"):
            graph.record_referral("a", None)
        assert len(graph) == 0

    def test_bulk_referrals_are_all_or_nothing(self) -> None:
        graph = ReferralGraph(clock=clock)
        graph.record_referral("a", "b", at=T0)
        before = snapshot(graph)
        with pytest.raises(ReferralRejectedError, match="row 2: ") as caught:
            graph.record_referrals(
                ["x", "b", "b"], ["y", "z", "a"], at=[T0, T0, T0], codes=["X", None, None]
            )
        assert caught.value.reason == "ring"
        assert snapshot(graph) == before
        assert "x" not in graph
        done = graph.record_referrals(
            np.array(["c", "d"]), ["d", "e"], at=T0, channels=["sms", "email"]
        )
        assert [(r.referrer, r.referee, r.channel) for r in done] == [
            ("c", "d", "sms"),
            ("d", "e", "email"),
        ]
        assert graph.referral_chain("e") == ["e", "d", "c"]

    def test_bulk_referrals_keep_earlier_credit_on_rollback(self) -> None:
        graph = ReferralGraph(attribution="last_touch", clock=clock)
        graph.record_referral("a", "b", at=T0)
        before = snapshot(graph)
        with pytest.raises(ReferralRejectedError, match="row 1"):
            graph.record_referrals(["c", "q"], ["b", "q"], at=T0 + timedelta(days=1))
        assert graph.referrer_of("b") == "a"
        assert snapshot(graph) == before

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"referees": ["b"]}, "referees: expected 2 ids"),
            ({"codes": ["x"]}, "codes: expected 2 values"),
            ({"channels": [None, 3]}, r"channels\[1\]"),
            ({"at": [T0]}, "at: expected 2 timestamps"),
            ({"at": [T0, datetime(2026, 1, 1)]}, r"at\[1\]: expected a timezone-aware"),
            ({"referees": ["b", None]}, r"referees\[1\]"),
        ],
    )
    def test_bad_bulk_referrals(self, kwargs: dict[str, object], match: str) -> None:
        graph = ReferralGraph(clock=clock)
        arguments: dict[str, object] = {"referrers": ["a", "c"], "referees": ["b", "d"]}
        arguments.update(kwargs)
        with pytest.raises(InvalidInputError, match=match):
            graph.record_referrals(**arguments)  # type: ignore[arg-type]
        assert len(graph) == 0

    def test_chain_tree_counts(self) -> None:
        graph = ReferralGraph(clock=clock)
        for referrer, referee in [("a", "b"), ("a", "c"), ("b", "d"), ("d", "e"), ("x", "y")]:
            graph.record_referral(referrer, referee)
        assert graph.referral_chain("e") == ["e", "d", "b", "a"]
        assert graph.referral_chain("a") == ["a"]
        tree = graph.referral_tree("a")
        assert tree.members == ("a", "b", "c", "d", "e")
        assert tree.referrers == (None, "a", "a", "b", "d")
        assert tree.depths == (0, 1, 1, 2, 3)
        assert tree.children("a") == ["b", "c"]
        assert graph.referral_counts() == {"a": 2, "b": 1, "d": 1, "x": 1}
        assert graph.referral_counts(qualified=lambda member: member in {"c", "e"}) == {
            "a": 1,
            "d": 1,
        }
        assert [r.referee for r in graph.referrals_of("a")] == ["b", "c"]
        with pytest.raises(InvalidInputError, match="qualified"):
            graph.referral_counts(qualified=5)  # type: ignore[arg-type]
        with pytest.raises(UnknownIdError):
            graph.referral_tree("nobody")
