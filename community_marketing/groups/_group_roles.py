"""FanGroup's role methods: define, assign and revoke roles; abilities and trust levels."""

from __future__ import annotations

from collections.abc import Hashable

from ..errors import InvalidInputError, PermissionDeniedError
from ._group_base import GroupBase
from ._roles import MEMBER_ROLE_BIT
from ._values import Ability, Role


class RoleMethods(GroupBase):
    """The public role and ability methods of :class:`FanGroup` (see there)."""

    __slots__ = ()

    def roles(self) -> list[Role]:
        """Every role of the group, built-in ones first.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> [role.name for role in FanGroup("espresso", "ann").roles()]
        ['Owner', 'Officer', 'Moderator', 'Member']
        """
        return list(self._roles.role_list)

    def define_role(self, by: Hashable, name: str, abilities: Ability, *, rank: int = 10) -> Role:
        """Define a role; ``by`` needs DEFINE_ROLES, every ability in it, and a higher rank.

        Parameters
        ----------
        by : hashable
            Who defines it.
        name : str
            A new role name.
        abilities : Ability
            The abilities it bundles; each must be held by ``by``.
        rank : int, default 10
            From 0 to below ``by``'s own rank.

        Returns
        -------
        Role
            The new role, ready for :meth:`assign_role`.

        Raises
        ------
        PermissionDeniedError
            ``by`` lacks DEFINE_ROLES or one of ``abilities`` (named), or ``rank`` is not below
            theirs.
        InvalidInputError
            The name exists or is empty, or the rank is out of range.

        Examples
        --------
        >>> from community_marketing.groups import Ability, FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> group.define_role("ann", "Greeter", Ability.INVITE)
        Role(name='Greeter', abilities=<Ability.INVITE: 1>, rank=10)
        """
        role = Role(name, abilities, rank)
        with self._lock:
            actor = self._actor(by, Ability.DEFINE_ROLES)
            self._roles.check_grantable(actor, role, self._membership.people)
            self._roles.define(role)
            return role

    def assign_role(self, by: Hashable, member: Hashable, role: Role | str) -> None:
        """Give ``member`` a role; ``by`` needs ASSIGN_ROLES, its abilities and a higher rank.

        Nobody hands out what they do not hold, nor acts on someone of equal or higher rank.
        The Owner role moves only by :meth:`transfer_ownership`.

        Parameters
        ----------
        by : hashable
            Who assigns.
        member : hashable
            A current member, of lower rank than ``by`` (or ``by`` themselves).
        role : Role or str
            One of :meth:`roles`, by value or name.

        Raises
        ------
        PermissionDeniedError
            Names the missing ability, or the rank that is not below ``by``'s.
        InvalidInputError
            An unknown role.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join_many(["bob", "cid"])
        >>> group.assign_role("ann", "bob", "Moderator")
        >>> group.assign_role("bob", "cid", "Moderator")
        Traceback (most recent call last):
        ...
        community_marketing.errors.PermissionDeniedError: 'bob' lacks ASSIGN_ROLES
        """
        with self._lock:
            index, bit = self._role_change(by, member, role)
            self._roles.held[index] |= 1 << bit
            self._refresh_abilities(index)

    def revoke_role(self, by: Hashable, member: Hashable, role: Role | str) -> None:
        """Take a role away; same rules as :meth:`assign_role`. Member stays with every member.

        Examples
        --------
        >>> from community_marketing.groups import Ability, FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob")
        >>> group.assign_role("ann", "bob", "Moderator")
        >>> group.revoke_role("ann", "bob", "Moderator")
        >>> group.can("bob", Ability.REMOVE)
        False
        """
        with self._lock:
            index, bit = self._role_change(by, member, role)
            if bit == MEMBER_ROLE_BIT:
                raise InvalidInputError("role: every member holds Member; remove them instead")
            self._roles.held[index] &= ~(1 << bit)
            self._refresh_abilities(index)

    def _role_change(self, by: Hashable, member: Hashable, role: Role | str) -> tuple[int, int]:
        actor = self._actor(by, Ability.ASSIGN_ROLES)
        roles, people = self._roles, self._membership.people
        bit = roles.bit_of(role)
        if bit == 0:
            raise PermissionDeniedError("the Owner role moves only by transfer_ownership")
        index = self._membership.index_of(member)
        roles.check_grantable(actor, roles.role_list[bit], people)
        if index != actor:
            roles.check_outranks(actor, index, "change the roles of", people)
        return index, bit

    def role_of(self, member: Hashable) -> Role:
        """The member's highest-ranked role.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> FanGroup("espresso", "ann").role_of("ann").name
        'Owner'
        """
        return self._roles.top_role(self._membership.index_of(member))

    def roles_of(self, member: Hashable) -> list[Role]:
        """Every role the member holds, highest rank first.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> [role.name for role in FanGroup("espresso", "ann").roles_of("ann")]
        ['Owner', 'Member']
        """
        return self._roles.held_roles(self._membership.index_of(member))

    def abilities_of(self, member: Hashable) -> Ability:
        """The union of the member's roles and trust unlocks; NONE for a non-member.

        Examples
        --------
        >>> from community_marketing.groups import Ability, FanGroup
        >>> FanGroup("espresso", "ann").abilities_of("bob")
        <Ability.NONE: 0>
        """
        membership = self._membership
        index = membership.people.get(member)
        if index < 0 or not membership.member[index]:
            return Ability.NONE
        return Ability(int(self._roles.abilities[index]))

    def can(self, member: Hashable, ability: Ability) -> bool:
        """Whether ``member`` holds every flag of ``ability`` now (default deny).

        Examples
        --------
        >>> from community_marketing.groups import Ability, FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> group.can("ann", Ability.BAN | Ability.INVITE), group.can("zoe", Ability.INVITE)
        (True, False)
        """
        membership = self._membership
        index = membership.people.get(member)
        if index < 0 or not membership.member[index]:
            return False
        try:
            need: int = ability._value_
        except AttributeError:
            raise InvalidInputError(
                f"ability: expected an Ability, got {type(ability).__name__}"
            ) from None
        return int(self._roles.abilities[index]) & need == need

    def require(self, member: Hashable, ability: Ability) -> None:
        """Raise ``PermissionDeniedError`` naming what is missing unless ``can(member, ability)``.

        Examples
        --------
        >>> from community_marketing.groups import Ability, FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob")
        >>> group.require("bob", Ability.BAN)
        Traceback (most recent call last):
        ...
        community_marketing.errors.PermissionDeniedError: 'bob' lacks BAN
        """
        if not isinstance(ability, Ability):
            raise InvalidInputError(f"ability: expected an Ability, got {type(ability).__name__}")
        self._actor(member, ability)

    def trust_level(self, member: Hashable) -> int:
        """The member's trust level (0 for newcomers).

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.record_contribution("ann", "accepted_answer")
        >>> group.trust_level("ann")
        1
        """
        return int(self._trust.level[self._membership.index_of(member)])
