"""Roles: bundles of :class:`Ability` flags with a rank, and who holds which.

Rights never escalate: nobody grants an ability they lack or a rank not below their own, and
nobody acts on a member of equal or higher rank. Each person's roles are a bit mask (bit ``b``
for ``roles[b]``); their abilities and rank are derived columns, refreshed whenever a mask or a
trust level changes, so :meth:`FanGroup.can` is one array read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np

from .._columns import grown
from .._ids import IdIndex
from .._types import Int64Array
from ..errors import InvalidInputError, PermissionDeniedError
from ._values import (
    BUILTIN_ROLES,
    MAX_ROLES,
    MEMBER,
    MEMBER_BIT,
    OFFICER_BIT,
    OWNER_BIT,
    Ability,
    Role,
    ability_names,
)

if TYPE_CHECKING:
    from ._trust import Trust

MEMBER_ROLE_BIT: Final = 3
"""The position of Member in every group's role list (its mask is :data:`MEMBER_BIT`)."""


class Roles:
    """The group's roles and, per person, the roles held, the abilities and the rank they give.

    ``rank`` is -1 for people who hold nothing (non-members), below every member.
    """

    __slots__ = ("abilities", "held", "rank", "role_list")

    def __init__(self) -> None:
        self.role_list: list[Role] = list(BUILTIN_ROLES)
        self.held: Int64Array = np.zeros(0, np.int64)
        self.abilities: Int64Array = np.zeros(0, np.int64)
        self.rank: Int64Array = np.full(0, -1, np.int64)

    def grow(self, capacity: int) -> None:
        """Room for ``capacity`` people."""
        self.held = grown(self.held, capacity)
        self.abilities = grown(self.abilities, capacity)
        self.rank = grown(self.rank, capacity, -1)

    def refresh(self, indices: Int64Array | int, trust: Trust) -> None:
        """Recompute abilities and rank of ``indices`` from their roles and trust levels."""
        indices = np.atleast_1d(np.asarray(indices, np.int64))
        if not len(indices):
            return
        masks = self.held[indices]
        abilities = np.zeros(len(indices), np.int64)
        rank = np.full(len(indices), -1, np.int64)
        for bit, role in enumerate(self.role_list):
            holds = (masks >> bit) & 1 == 1
            if not holds.any():
                continue
            abilities[holds] |= role.abilities.value
            rank[holds] = np.maximum(rank[holds], role.rank)
        held_any = masks != 0
        abilities[held_any] |= trust.unlocked(indices)[held_any]
        self.abilities[indices] = abilities
        self.rank[indices] = rank

    def admit(self, indices: Int64Array, trust: Trust) -> None:
        """Newcomers hold Member only."""
        self.held[indices] = MEMBER_BIT
        self.refresh(indices, trust)

    def make_founder(self, index: int, trust: Trust) -> None:
        """The founder holds Owner and Member."""
        self.held[index] = OWNER_BIT | MEMBER_BIT
        self.refresh(index, trust)

    def expel(self, index: int, trust: Trust) -> None:
        """Someone who leaves holds nothing; a returning member starts as Member."""
        self.held[index] = 0
        self.refresh(index, trust)

    def is_owner(self, index: int) -> bool:
        """Whether ``index`` holds the Owner role."""
        return bool(self.held[index] & OWNER_BIT)

    def owners(self, size: int) -> Int64Array:
        """Who holds Owner among the first ``size`` people (members or not)."""
        return np.flatnonzero(self.held[:size] & OWNER_BIT != 0)

    def check_owner(self, by: object, actor: int) -> None:
        """``PermissionDeniedError`` unless ``by`` (at ``actor``) holds the Owner role."""
        if not self.is_owner(actor):
            raise PermissionDeniedError(
                f"{by!r} is not an owner; lacks the Owner role needed to transfer ownership"
            )

    def transfer(self, actor: int, index: int, keep: bool, trust: Trust) -> None:
        """``index`` becomes an owner; unless ``keep``, ``actor`` steps down to Officer."""
        self.held[index] |= OWNER_BIT
        if not keep:
            self.held[actor] = (self.held[actor] & ~OWNER_BIT) | OFFICER_BIT
        self.refresh(np.array([index, actor], np.int64), trust)

    def changeable_bit(self, role: Role | str) -> int:
        """The bit of a role that :meth:`assign` and :meth:`revoke` may change (not Owner)."""
        bit = self.bit_of(role)
        if bit == 0:
            raise PermissionDeniedError("the Owner role moves only by transfer_ownership")
        return bit

    def check_change(self, actor: int, index: int, bit: int, people: IdIndex) -> None:
        """``actor`` may give or take role ``bit`` to ``index``: they hold it and outrank them."""
        self.check_grantable(actor, self.role_list[bit], people)
        if index != actor:
            self.check_outranks(actor, index, "change the roles of", people)

    def assign(self, index: int, bit: int, trust: Trust) -> None:
        """``index`` holds role ``bit`` too."""
        self.held[index] |= 1 << bit
        self.refresh(index, trust)

    def revoke(self, index: int, bit: int, trust: Trust) -> None:
        """``index`` no longer holds role ``bit``; every member keeps Member."""
        if bit == MEMBER_ROLE_BIT:
            raise InvalidInputError("role: every member holds Member; remove them instead")
        self.held[index] &= ~(1 << bit)
        self.refresh(index, trust)

    def check_holds(self, by: object, index: int, ability: Ability) -> None:
        """``PermissionDeniedError`` naming what ``by`` (at ``index``) lacks of ``ability``."""
        have = int(self.abilities[index])
        if have & ability.value != ability.value:
            missing = Ability(ability.value & ~have)
            raise PermissionDeniedError(f"{by!r} lacks {ability_names(missing)}")

    def check_outranks(self, actor: int, target: int, verb: str, people: IdIndex) -> None:
        """``actor`` may ``verb`` ``target`` only from a strictly higher rank."""
        if actor == target or self.rank[target] >= self.rank[actor]:
            raise PermissionDeniedError(
                f"{people.id_at(actor)!r} cannot {verb} {people.id_at(target)!r}: "
                f"their rank {int(self.rank[target])} ({self.top_role(target).name}) is not "
                f"below {int(self.rank[actor])} ({self.top_role(actor).name})"
            )

    def check_grantable(self, actor: int, role: Role, people: IdIndex) -> None:
        """``actor`` holds every ability of ``role`` and a rank above it."""
        have = int(self.abilities[actor])
        missing = role.abilities.value & ~have
        if missing:
            raise PermissionDeniedError(
                f"{people.id_at(actor)!r} lacks {ability_names(Ability(missing))} "
                f"and cannot grant it"
            )
        if role.rank >= self.rank[actor]:
            raise PermissionDeniedError(
                f"{people.id_at(actor)!r} cannot grant rank {role.rank} "
                f"(their own is {int(self.rank[actor])})"
            )

    def top_role(self, index: int) -> Role:
        """The highest-ranked role ``index`` holds (Member for nobody)."""
        held = self.held_roles(index)
        return held[0] if held else MEMBER

    def held_roles(self, index: int) -> list[Role]:
        """Every role ``index`` holds, highest rank first."""
        mask = int(self.held[index])
        held = [role for bit, role in enumerate(self.role_list) if mask >> bit & 1]
        return sorted(held, key=lambda role: -role.rank)

    def bit_of(self, role: Role | str) -> int:
        """The bit of a known role, by value or name; a different role of that name is refused."""
        if not isinstance(role, (Role, str)):
            raise InvalidInputError(f"role: expected a Role or a str, got {type(role).__name__}")
        name = role.name if isinstance(role, Role) else role
        for bit, known in enumerate(self.role_list):
            if known.name == name:
                if isinstance(role, Role) and role != known:
                    raise InvalidInputError(f"role: {role!r} differs from the group's {known!r}")
                return bit
        raise InvalidInputError(
            f"role: expected one of {[r.name for r in self.role_list]}, got {name!r}"
        )

    def define(self, role: Role, actor: int, people: IdIndex) -> None:
        """Add ``role`` to the group: ``actor`` may grant it, a new name, and room for its bit."""
        self.check_grantable(actor, role, people)
        if any(known.name == role.name for known in self.role_list):
            raise InvalidInputError(f"name: a role named {role.name!r} exists")
        if len(self.role_list) >= MAX_ROLES:
            raise InvalidInputError(f"name: a group holds at most {MAX_ROLES} roles")
        self.role_list.append(role)
