"""Enums print their value; reasons are named alike in checks and plans; reprs are one line."""

from __future__ import annotations

from community_marketing import (
    ConsentAction,
    ConsentStatus,
    OptInRegistry,
    Reason,
)
from community_marketing.groups import Ability, BadgeTier
from community_marketing.referrals import FriendRight


def test_enums_print_their_value() -> None:
    assert str(ConsentStatus.GRANTED) == "granted"
    assert f"{ConsentAction.WITHDRAW}" == "withdraw"
    assert str(Reason.QUIET_HOURS) == "quiet_hours"
    assert f"{Reason.ALLOWED:>8}" == " allowed"
    assert str(BadgeTier.GOLD) == "gold"
    assert str(Ability.REMOVE | Ability.BAN) == "remove|ban"
    assert str(FriendRight.NONE) == "none"


def test_reason_keeps_its_int_codes() -> None:
    assert Reason.QUIET_HOURS == 7
    assert int(Reason.QUIET_HOURS) == 7
    assert f"{Reason.QUIET_HOURS:d}" == "7"
    assert Reason(7) is Reason.QUIET_HOURS


def test_print_of_a_check_says_the_reason(capsys: object) -> None:
    registry = OptInRegistry()
    print(registry.check("ann", "news", "email"))
    assert capsys.readouterr().out == "no_consent\n"  # type: ignore[attr-defined]


def test_counts_by_name_uses_the_plan_vocabulary() -> None:
    registry = OptInRegistry()
    registry.grant("ann", "news", "email", source="form")
    checks = registry.check_many(["ann", "bob", "cid"], "news", "email")
    by_name = checks.counts_by_name()
    assert by_name["allowed"] == 1
    assert by_name["no_consent"] == 2
    assert set(by_name) == {str(reason) for reason in Reason}
    assert checks.counts()[Reason.NO_CONSENT] == 2
