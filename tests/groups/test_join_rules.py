"""Join rules: requests approved or declined at once; answers kept for admins only."""

from __future__ import annotations

import pytest

from community_marketing import OptInRegistry, subject_access
from community_marketing.errors import InvalidInputError, PermissionDeniedError
from community_marketing.groups import FanGroup, JoinRule

from ._support import Clock, unchanged

RULES = [
    JoinRule("decline", values=["XX"]),
    JoinRule("approve", min_trust=2),
    JoinRule("approve", invited=True),
    JoinRule("approve", attribute="city", values=["Lyon"], min_trust=1),
]


def ruled(clock: Clock) -> FanGroup:
    return FanGroup("roasters", "ann", open_enrollment=False, questions=["Why?"],
                    join_rules=RULES, clock=clock)  # fmt: skip


def test_trust_elsewhere_approves_at_once(clock: Clock) -> None:
    group = ruled(clock)
    group.request_to_join("bob", answers=["espresso"], trust_elsewhere=3,
                          attributes={"region": "FR"})  # fmt: skip
    assert group.is_member("bob")
    assert group.attributes_of("bob") == {"region": "FR"}
    assert group.pending_requests("ann") == []


def test_the_first_matching_rule_decides(clock: Clock) -> None:
    group = ruled(clock)
    unchanged(
        group,
        lambda: group.request_to_join(
            "cid", answers=["x"], trust_elsewhere=4, attributes={"region": "XX"}
        ),
        PermissionDeniedError,
    )
    with pytest.raises(PermissionDeniedError, match=r"join_rules\[0\]"):
        group.request_to_join("cid", answers=["x"], attributes={"region": "XX"})
    group.request_to_join("dan", answers=["x"], trust_elsewhere=1, attributes={"city": "Lyon"})
    assert group.is_member("dan"), "every condition of rule 3 holds"
    group.request_to_join("eve", answers=["x"], trust_elsewhere=1, attributes={"city": "Nice"})
    assert not group.is_member("eve"), "no rule matches: the request waits"


def test_an_invitation_approves_and_no_match_waits_for_an_admin(clock: Clock) -> None:
    group = ruled(clock)
    group.invite("ann", "fay")
    group.request_to_join("fay", answers=["friend of ann"])
    assert group.is_member("fay")
    group.request_to_join("gus", answers=["I like coffee"])
    assert not group.is_member("gus")
    assert [(r.member, r.answers) for r in group.pending_requests("ann")] == [
        ("gus", ("I like coffee",))
    ]
    with pytest.raises(PermissionDeniedError, match="APPROVE"):
        group.pending_requests("fay")
    assert "I like coffee" not in repr(group.members()) + repr(group.leaderboard())
    assert group.join_request_of("gus").answers == ("I like coffee",)
    access = subject_access("gus", registry=OptInRegistry(clock=clock), group=group)
    assert access["group"]["join_request"]["answers"] == ["I like coffee"]
    group.erase("gus")
    assert group.join_request_of("gus") is None
    assert "I like coffee" not in repr(group.to_state()), "erasure takes the answers"


def test_join_rules_survive_the_state(clock: Clock) -> None:
    group = ruled(clock)
    group.request_to_join("gus", answers=["coffee"])
    state = group.to_state()
    again = FanGroup.from_state(state, clock=clock)
    assert again.to_state() == state
    again.request_to_join("hal", answers=["x"], trust_elsewhere=2)
    assert again.is_member("hal")
    state["join_rules"][0]["decision"] = "maybe"
    with pytest.raises(InvalidInputError, match="decision"):
        FanGroup.from_state(state)


def test_bad_join_rules_and_requests(clock: Clock) -> None:
    with pytest.raises(InvalidInputError, match="decision"):
        JoinRule("maybe")
    with pytest.raises(InvalidInputError, match="min_trust"):
        JoinRule("approve", min_trust=-1)
    with pytest.raises(InvalidInputError, match="invited"):
        JoinRule("approve", invited="yes")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="values"):
        JoinRule("approve", values="EU")
    with pytest.raises(InvalidInputError, match="join_rules"):
        FanGroup("roasters", "ann", join_rules=["approve"])  # type: ignore[list-item]
    group = ruled(clock)
    unchanged(
        group,
        lambda: group.request_to_join("bob", answers=["x"], trust_elsewhere=-1),
        InvalidInputError,
    )


def test_what_a_waiting_requester_said_is_kept_through_approval(clock: Clock) -> None:
    group = ruled(clock)
    group.request_to_join("eve", answers=["coffee"], attributes={"city": "Paris"})
    assert not group.is_member("eve")
    group.approve("ann", "eve")
    assert group.attributes_of("eve") == {"city": "Paris"}


def test_join_rules_need_a_closed_group(clock: Clock) -> None:
    with pytest.raises(InvalidInputError, match=r"^join_rules: an open group admits everyone"):
        FanGroup("open", "ann", join_rules=RULES, clock=clock)
