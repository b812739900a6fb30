"""Roles and abilities: built-in roles, can/require, no escalation of rights."""

from __future__ import annotations

import pytest

from community_marketing.errors import (
    InvalidInputError,
    PermissionDeniedError,
)
from community_marketing.groups import (
    Ability,
    FanGroup,
    Role,
)

from ._support import unchanged

# ------------------------------------------------------------------------------ roles and abilities


def test_builtin_roles(group: FanGroup) -> None:
    names = [role.name for role in group.roles()]
    assert names == ["Owner", "Officer", "Moderator", "Member"]
    assert group.can("ann", Ability.ALL)
    assert group.abilities_of("bob") == Ability.NONE
    group.assign_role("ann", "bob", "Officer")
    assert group.can("bob", Ability.BAN | Ability.ASSIGN_ROLES | Ability.SEND_NOTICES)
    assert not group.can("bob", Ability.DEFINE_ROLES)
    assert not group.can("bob", Ability.CHANGE_SETTINGS)
    assert [r.name for r in group.roles_of("bob")] == ["Officer", "Member"]


def test_can_and_require(group: FanGroup) -> None:
    assert not group.can("nobody", Ability.NONE)
    assert group.can("bob", Ability.NONE)
    with pytest.raises(InvalidInputError, match="ability"):
        group.can("bob", 1)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="ability"):
        group.require("bob", 1)  # type: ignore[arg-type]
    group.require("ann", Ability.BAN)
    with pytest.raises(PermissionDeniedError, match="lacks BAN\\|SEND_NOTICES"):
        group.require("bob", Ability.BAN | Ability.SEND_NOTICES)
    with pytest.raises(PermissionDeniedError, match="not a member"):
        group.require("nobody", Ability.INVITE)


def test_define_role_without_escalation(group: FanGroup) -> None:
    recruiter = group.define_role(
        "ann", "Recruiter", Ability.DEFINE_ROLES | Ability.ASSIGN_ROLES | Ability.INVITE, rank=50
    )
    assert recruiter in group.roles()
    group.assign_role("ann", "bob", recruiter)
    unchanged(group, lambda: group.define_role("bob", "Banner", Ability.BAN), PermissionDeniedError)
    with pytest.raises(PermissionDeniedError, match="lacks BAN"):
        group.define_role("bob", "Banner", Ability.BAN | Ability.INVITE)
    with pytest.raises(PermissionDeniedError, match="rank"):
        group.define_role("bob", "Peer", Ability.INVITE, rank=50)
    greeter = group.define_role("bob", "Greeter", Ability.INVITE, rank=20)
    group.assign_role("bob", "cid", greeter)
    assert group.can("cid", Ability.INVITE)
    with pytest.raises(PermissionDeniedError, match="DEFINE_ROLES"):
        group.define_role("cid", "Other", Ability.NONE)
    with pytest.raises(InvalidInputError, match="exists"):
        group.define_role("ann", "Greeter", Ability.NONE)
    with pytest.raises(InvalidInputError, match="name"):
        group.define_role("ann", "", Ability.NONE)


def test_assign_role_without_escalation(group: FanGroup) -> None:
    group.assign_role("ann", "bob", "Officer")
    group.assign_role("bob", "cid", "Moderator")
    unchanged(group, lambda: group.assign_role("bob", "dan", "Officer"), PermissionDeniedError)
    unchanged(group, lambda: group.assign_role("bob", "dan", "Owner"), PermissionDeniedError)
    unchanged(group, lambda: group.assign_role("ann", "dan", "Owner"), PermissionDeniedError)
    unchanged(group, lambda: group.assign_role("cid", "dan", "Moderator"), PermissionDeniedError)
    unchanged(group, lambda: group.assign_role("bob", "dan", "Boss"), InvalidInputError)
    unchanged(
        group,
        lambda: group.assign_role("bob", "dan", Role("Moderator", Ability.ALL, 60)),
        InvalidInputError,
    )
    group.assign_role("ann", "dan", "Officer")
    with pytest.raises(PermissionDeniedError, match="rank"):
        group.revoke_role("bob", "dan", "Officer")
    with pytest.raises(PermissionDeniedError, match="rank"):
        group.assign_role("bob", "dan", "Moderator")
    group.revoke_role("bob", "cid", "Moderator")
    assert not group.can("cid", Ability.REMOVE)
    with pytest.raises(InvalidInputError, match="Member"):
        group.revoke_role("ann", "cid", "Member")


def test_roles_union(group: FanGroup) -> None:
    group.define_role("ann", "Greeter", Ability.INVITE, rank=10)
    group.define_role("ann", "Announcer", Ability.SEND_NOTICES, rank=12)
    group.assign_role("ann", "bob", "Greeter")
    group.assign_role("ann", "bob", "Announcer")
    assert group.abilities_of("bob") == Ability.INVITE | Ability.SEND_NOTICES
    assert group.role_of("bob").name == "Announcer"
    group.revoke_role("ann", "bob", "Announcer")
    assert group.abilities_of("bob") == Ability.INVITE


def test_leaving_drops_roles(group: FanGroup) -> None:
    group.assign_role("ann", "bob", "Officer")
    group.leave("bob")
    assert not group.can("bob", Ability.INVITE)
    group.join("bob")
    assert group.role_of("bob").name == "Member"
    assert not group.can("bob", Ability.BAN)
