"""Leaving and banning: the checks and writes behind ``FanGroup.leave`` and ``FanGroup.ban``."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING

from ..errors import PermissionDeniedError
from ._values import Ability

if TYPE_CHECKING:
    from ._group import FanGroup

__all__ = ["ban", "leave"]


def leave(group: FanGroup, member: Hashable, micros: int, source: str) -> None:
    """``member`` leaves, unless they are the last owner; the caller holds the lock."""
    index = group._membership.index_of(member)
    if group._roles.is_owner(index) and len(group.owners()) == 1:
        raise PermissionDeniedError(
            f"{member!r} is the last owner of {group._name!r}: transfer_ownership first"
        )
    group._expel(index, member, micros, source)


def ban(group: FanGroup, by: Hashable, member: Hashable, micros: int) -> None:
    """``by`` (BAN, outranking a member) bans ``member``; the caller holds the lock."""
    actor = group._actor(by, Ability.BAN)
    membership = group._membership
    index = membership.people.get(member)
    if membership.is_member(member):
        group._roles.check_outranks(actor, index, "ban", membership.people)
        group._expel(index, member, micros, "group:banned")
    elif member == by:
        raise PermissionDeniedError(f"{by!r} cannot ban themselves")
    if index < 0:
        membership.erased.refuse([member], "member")
        index = int(group._add_people([member])[0])
    membership.ban(index, member)
    group._invitations.void(member)
