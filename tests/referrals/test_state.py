"""to_state and from_state."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from community_marketing.errors import InvalidInputError, ReferralRejectedError
from community_marketing.referrals import FriendRight, ReferralGraph

from ._support import T0, clock, snapshot


class TestState:
    def full(self) -> ReferralGraph:
        graph = ReferralGraph(attribution="window", window=timedelta(days=30), clock=clock)
        graph.add_friendships([("a", "b"), ("b", "c"), (1, 2)])
        graph.request_friendship("c", "d")
        graph.request_friendship("a", "c")
        graph.accept_friendship("c", "a")
        graph.remove_friendship("a", "b")
        graph.grant_right("b", "c", FriendRight.SEE_ON_MAP)
        graph.add_members(["old"], at=T0 - timedelta(days=3))
        graph.record_referral("a", "x", code="A", channel="sms")
        graph.record_referral("b", "x", at=T0 + timedelta(days=1))
        graph.record_referral("x", "y")
        return graph

    def test_round_trip_is_exact(self) -> None:
        graph = self.full()
        state = graph.to_state()
        assert state["schema"] == 1
        copy = ReferralGraph.from_state(state, clock=clock)
        assert snapshot(copy) == snapshot(graph)
        assert copy.friends("c") == graph.friends("c")
        assert copy.pending_requests("d") == ["c"]
        assert copy.has_right("b", "c", FriendRight.SEE_ON_MAP)
        assert copy.referral_history() == graph.referral_history()
        assert copy.referral_chain("y") == ["y", "x", "a"]
        with pytest.raises(ReferralRejectedError):
            copy.record_referral("a", "old", at=T0)

    @pytest.mark.parametrize(
        "damage",
        [
            lambda s: s.update(schema=2),
            lambda s: s.update(attribution="best"),
            lambda s: s.update(ids="abc"),
            lambda s: s.update(ids=s["ids"][:-1]),
            lambda s: s.update(ids=[s["ids"][0]] * len(s["ids"])),
            lambda s: s.update(since_us=s["since_us"].astype(float)),
            lambda s: s.update(told=s["told"][:1]),
            lambda s: s.update(friend_low=s["friend_high"]),
            lambda s: s.update(
                friend_low=s["friend_low"][::-1].copy(), friend_high=s["friend_high"][::-1].copy()
            ),
            lambda s: s.update(requests=[[0, 0, 1]]),
            lambda s: s.update(requests=[["a"]]),
            lambda s: s.update(rights=[[0, 1, 1]]),
            lambda s: s.update(rights=[[1, 2, 99]]),
            lambda s: s.update(rights=None),
            lambda s: s["referrals"].update(code=[]),
            lambda s: s["referrals"].update(channel=[1, 2, 3]),
            lambda s: s["referrals"].update(referrer=s["referrals"]["referee"]),
            lambda s: s["referrals"].update(referee=s["referrals"]["referee"] + 10**6),
            lambda s: s.update(credit=[[0, 0]]),
            lambda s: s.update(credit=[[None, 1]]),
            lambda s: s.update(credit=5),
            lambda s: s.update(referrals=[]),
            lambda s: s.update(window_us=-1),
            lambda s: s.clear(),
        ],
    )
    def test_junk_is_invalid_input(self, damage: object) -> None:
        state = self.full().to_state()
        damage(state)  # type: ignore[operator]
        with pytest.raises(InvalidInputError):
            ReferralGraph.from_state(state)

    def test_ring_in_state_is_refused(self) -> None:
        graph = ReferralGraph(attribution="last_touch", clock=clock)
        graph.record_referral("a", "b")
        graph.record_referral("c", "a")
        state = graph.to_state()
        ids = state["ids"]
        log = state["referrals"]
        # Forge a third referral b -> c and credit it: a -> b -> c -> a.
        log["referrer"] = np.append(log["referrer"], ids.index("b"))
        log["referee"] = np.append(log["referee"], ids.index("c"))
        log["at_us"] = np.append(log["at_us"], log["at_us"][-1])
        log["code"].append(None)
        log["channel"].append(None)
        state["credit"].append([ids.index("c"), 2])
        with pytest.raises(InvalidInputError, match="ring"):
            ReferralGraph.from_state(state)

    def test_not_a_mapping(self) -> None:
        with pytest.raises(InvalidInputError, match="state: expected a dict"):
            ReferralGraph.from_state([1, 2])  # type: ignore[arg-type]
