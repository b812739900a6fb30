"""FanGroup's membership methods: join, requests, invitations, leave, remove, ban, ownership."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from .._checks import check_bool, check_text
from .._ids import as_id_list, check_id
from .._time import from_micros
from ..errors import InvalidInputError, PermissionDeniedError
from ._group_base import GroupBase
from ._ledger import distinct
from ._membership import check_answers
from ._places import check_attribute_columns, check_attribute_map
from ._values import Ability, JoinRequest, Request, check_amount


class MembershipMethods(GroupBase):
    """The public membership methods of :class:`FanGroup` (see there)."""

    __slots__ = ()

    def is_member(self, member: Hashable) -> bool:
        """Whether ``member`` belongs to the group now (an unknown id is simply not a member).

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> group.is_member("ann"), group.is_member("zoe")
        (True, False)
        """
        return self._membership.is_member(member)

    def is_banned(self, member: Hashable) -> bool:
        """Whether ``member`` is banned.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> group.ban("ann", "spammer")
        >>> group.is_banned("spammer")
        True
        """
        return self._membership.is_banned(member)

    def members(self) -> list[Hashable]:
        """Current members, in order of first appearance.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join_many(["bob", "cid"])
        >>> group.members()
        ['ann', 'bob', 'cid']
        """
        return self._membership.people.ids_at(self._membership.members())

    def owners(self) -> list[Hashable]:
        """Current owners, in order of first appearance.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> FanGroup("espresso", "ann").owners()
        ['ann']
        """
        membership = self._membership
        owners = self._roles.owners(len(membership.people))
        return membership.people.ids_at(owners[membership.member[owners]])

    def joined_at(self, member: Hashable) -> datetime:
        """When ``member`` (last) joined; ``UnknownIdError`` for a non-member.

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob", at=datetime(2026, 3, 1, tzinfo=UTC))
        >>> group.joined_at("bob").isoformat()
        '2026-03-01T00:00:00+00:00'
        """
        return from_micros(int(self._membership.joined[self._membership.index_of(member)]))

    def join(
        self,
        member: Hashable,
        *,
        consent: bool = True,
        fee_paid: float = 0,
        attributes: Mapping[str, Hashable] | None = None,
        at: datetime | None = None,
        source: str = "group:join",
    ) -> bool:
        """Join an open group by explicit consent; True if joined, False if already a member.

        Parameters
        ----------
        member : hashable
            Who joins.
        consent : bool, default True
            The person's explicit agreement; anything but ``True`` raises
            ``ConsentRequiredError``.
        fee_paid : number, default 0
            What the person paid; below ``enrollment_fee`` raises ``InvalidInputError``.
        attributes : mapping, optional
            Member attributes (region, city, nickname...); see :meth:`set_attributes`.
        at : datetime, optional
            When; the clock's now by default.
        source : str, default "group:join"
            Where consent was collected, recorded in the registry.

        Raises
        ------
        ConsentRequiredError
            No consent, or the contact is suppressed in the registry.
        PermissionDeniedError
            The group is closed, or the person is banned.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann", enrollment_fee=5)
        >>> group.join("bob", fee_paid=5)
        True
        >>> group.join("cid", fee_paid=1)
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: fee_paid: expected at least 5, got 1
        """
        if not self._open:
            raise PermissionDeniedError(
                f"{self._name!r} is closed: use request_to_join and wait for approval"
            )
        columns = None
        if attributes is not None:
            columns = {k: [v] for k, v in check_attribute_map(attributes).items()}
        return self._join([member], consent, fee_paid, columns, at, source) == 1

    def join_many(
        self,
        members: Sequence[Hashable] | npt.NDArray[Any],
        *,
        consent: bool = True,
        fee_paid: float = 0,
        attributes: Mapping[str, Sequence[Hashable]] | None = None,
        by: Hashable | None = None,
        at: datetime | None = None,
        source: str = "group:import",
    ) -> int:
        """Join many people at once (imports); returns how many were not members before.

        Existing members are skipped. With a registry, consent is granted in bulk. In a closed
        group an import needs ``by``, a member with APPROVE.

        Parameters
        ----------
        members : sequence or ndarray of hashable
            Who joins.
        consent : bool, default True
            Everyone's explicit agreement, as collected by the importing application.
        fee_paid : number, default 0
            What each paid; checked against ``enrollment_fee``.
        attributes : mapping of str to sequence, optional
            Attribute columns aligned with ``members``.
        by : hashable, optional
            Who imports; required for closed groups.
        at : datetime, optional
            When; the clock's now by default.
        source : str, default "group:import"
            Recorded in the registry.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> group.join_many(["bob", "cid", "bob"], attributes={"city": ["Lyon", "Nice", "Lyon"]})
        2
        """
        if not self._open:
            self._actor(by, Ability.APPROVE)
        items = as_id_list(members, "members")
        columns = None
        if attributes is not None:
            columns = check_attribute_columns(attributes, len(items))
        return self._join(items, consent, fee_paid, columns, at, source)

    def _join(
        self,
        items: list[Hashable],
        consent: object,
        fee_paid: object,
        attributes: dict[str, list[Hashable]] | None,
        at: object,
        source: str,
    ) -> int:
        self._check_consent(consent)
        self._check_fee(check_amount(fee_paid, "fee_paid"))
        check_text(source, "source")
        micros = self._now(at)
        with self._lock:
            return self._admit(items, micros, source, attributes)

    def _admit(
        self,
        items: list[Hashable],
        micros: int,
        source: str,
        attributes: dict[str, list[Hashable]] | None = None,
    ) -> int:
        """Checks first, then the registry, then the columns: a refusal changes nothing."""
        membership = self._membership
        already, fresh = membership.screen(items, self._name)
        self._consent.check_suppression(fresh, micros)
        self._consent.grant(fresh, micros, source)
        indices = self._add_people(items)
        self._admit_indices(distinct(indices[~already], len(membership.people)), micros)
        if attributes:
            for key, column in attributes.items():
                self._places.store(key, indices, column, len(membership.member))
        membership.drop_requests(fresh)
        return len(fresh)

    def request_to_join(
        self,
        member: Hashable,
        *,
        answers: Sequence[str] = (),
        consent: bool = True,
        fee_paid: float = 0,
        at: datetime | None = None,
    ) -> None:
        """Ask to join a closed group, answering its screening questions.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann", open_enrollment=False,
        ...                  questions=["Which machine do you own?"])
        >>> group.request_to_join("bob", answers=["a lever machine"])
        >>> group.approve("ann", "bob")
        >>> group.is_member("bob")
        True
        """
        self._check_consent(consent)
        check_id(member, "member")
        checked = check_answers(answers, self._questions)
        paid = check_amount(fee_paid, "fee_paid")
        self._check_fee(paid)
        micros = self._now(at)
        with self._lock:
            if self._open:
                raise InvalidInputError(f"{self._name!r} is open: join directly")
            self._check_newcomer(member)
            self._consent.check_suppression([member], micros)
            self._membership.requests[member] = Request(member, checked, micros, paid)

    def pending_requests(self, by: Hashable) -> list[JoinRequest]:
        """Pending join requests with their answers; only for members with APPROVE.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann", open_enrollment=False)
        >>> group.request_to_join("bob")
        >>> [request.member for request in group.pending_requests("ann")]
        ['bob']
        """
        self._actor(by, Ability.APPROVE)
        return [
            JoinRequest(r.member, r.answers, from_micros(r.at), r.fee_paid)
            for r in list(self._membership.requests.values())
        ]

    def approve(self, by: Hashable, member: Hashable, *, at: datetime | None = None) -> None:
        """Admit a pending request; ``by`` needs APPROVE. See :meth:`request_to_join`.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann", open_enrollment=False)
        >>> group.request_to_join("bob")
        >>> group.approve("ann", "bob")
        >>> group.member_count
        2
        """
        micros = self._now(at)
        with self._lock:
            self._actor(by, Ability.APPROVE)
            self._membership.pending(member)
            self._admit([member], micros, "group:approve")

    def reject(self, by: Hashable, member: Hashable) -> None:
        """Turn down a pending request; ``by`` needs APPROVE.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann", open_enrollment=False)
        >>> group.request_to_join("bob")
        >>> group.reject("ann", "bob")
        >>> group.pending_requests("ann")
        []
        """
        with self._lock:
            self._actor(by, Ability.APPROVE)
            self._membership.pending(member)
            del self._membership.requests[member]

    def invite(
        self,
        by: Hashable,
        member: Hashable,
        *,
        expires_in: timedelta = timedelta(days=7),
        at: datetime | None = None,
    ) -> str:
        """Invite someone; returns an unguessable single-use token for :meth:`accept_invitation`.

        An invitation admits directly, closed group or not. The token is
        ``"<number>.<secret>"`` with 256 bits from :mod:`secrets`; the group keeps only the
        secret's SHA-256 and compares it in constant time.

        Parameters
        ----------
        by : hashable
            The inviter; needs INVITE and may send at most ``invite_daily_cap`` invitations in
            any 24 hours.
        member : hashable
            Who is invited; neither a member nor banned.
        expires_in : timedelta, default 7 days
            How long the token stays valid.
        at : datetime, optional
            When; the clock's now by default.

        Raises
        ------
        PermissionDeniedError
            ``by`` lacks INVITE or reached the daily cap, or ``member`` is banned.
        InvalidInputError
            ``member`` is already a member, or ``expires_in`` is not a positive timedelta.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann", open_enrollment=False)
        >>> token = group.invite("ann", "bob")
        >>> group.accept_invitation(token)
        'bob'
        """
        check_id(member, "member")
        if not isinstance(expires_in, timedelta) or expires_in <= timedelta(0):
            raise InvalidInputError(
                f"expires_in: expected a positive timedelta, got {expires_in!r}"
            )
        micros = self._now(at)
        with self._lock:
            self._actor(by, Ability.INVITE)
            self._check_newcomer(member)
            return self._invitations.issue(by, member, micros, expires_in)

    def accept_invitation(
        self,
        token: str,
        *,
        consent: bool = True,
        fee_paid: float = 0,
        at: datetime | None = None,
        source: str = "group:invitation",
    ) -> Hashable:
        """Join through an invitation; returns the member. The token works once.

        Parameters
        ----------
        token : str
            The token :meth:`invite` returned.
        consent : bool, default True
            The invitee's explicit agreement.
        fee_paid : number, default 0
            Checked against ``enrollment_fee``.
        at : datetime, optional
            When; the clock's now by default.
        source : str, default "group:invitation"
            Recorded in the registry.

        Raises
        ------
        InvalidTokenError
            The token is wrong, already used, expired or malformed.
        ConsentRequiredError
            No explicit consent, or the contact is suppressed.
        PermissionDeniedError
            The invitee was banned after the invitation.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> token = group.invite("ann", "bob")
        >>> group.accept_invitation(token)
        'bob'
        >>> group.accept_invitation(token)
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidTokenError: token: already used (or voided by a ban)
        """
        self._check_consent(consent)
        paid = check_amount(fee_paid, "fee_paid")
        check_text(source, "source")
        micros = self._now(at)
        with self._lock:
            invitation = self._invitations.usable(token, micros)
            self._check_fee(paid)
            self._admit([invitation.member], micros, source)
            invitation.used = True
            return invitation.member

    def leave(
        self, member: Hashable, *, at: datetime | None = None, source: str = "group:leave"
    ) -> None:
        """Leave the group; the group's consent is withdrawn in the registry.

        Roles are dropped (a returning member starts as Member); reputation and badges stay.

        Parameters
        ----------
        member : hashable
            A current member.
        at : datetime, optional
            When; the clock's now by default.
        source : str, default "group:leave"
            Recorded in the registry with the withdrawal.

        Raises
        ------
        UnknownIdError
            ``member`` is not a member.
        PermissionDeniedError
            ``member`` is the last owner: transfer ownership first.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob")
        >>> group.leave("bob")
        >>> group.leave("ann")
        Traceback (most recent call last):
        ...
        community_marketing.errors.PermissionDeniedError: 'ann' is the last owner of 'espresso': ...
        """
        check_text(source, "source")
        micros = self._now(at)
        with self._lock:
            index = self._membership.index_of(member)
            if self._roles.is_owner(index) and len(self.owners()) == 1:
                raise PermissionDeniedError(
                    f"{member!r} is the last owner of {self._name!r}: transfer_ownership first"
                )
            self._consent.withdraw(member, micros, source)
            self._expel(index)

    def remove(self, by: Hashable, member: Hashable, *, at: datetime | None = None) -> None:
        """Remove a member; ``by`` needs REMOVE and must outrank them.

        The group's consent is withdrawn in the registry. Owners are never removed (nobody
        outranks them); ownership moves only by :meth:`transfer_ownership`.

        Parameters
        ----------
        by : hashable
            Who removes.
        member : hashable
            A current member of lower rank than ``by``.
        at : datetime, optional
            When; the clock's now by default.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob")
        >>> group.remove("ann", "bob")
        >>> group.is_member("bob")
        False
        """
        micros = self._now(at)
        with self._lock:
            actor = self._actor(by, Ability.REMOVE)
            index = self._membership.index_of(member)
            self._roles.check_outranks(actor, index, "remove", self._membership.people)
            self._consent.withdraw(member, micros, "group:removed")
            self._expel(index)

    def ban(self, by: Hashable, member: Hashable, *, at: datetime | None = None) -> None:
        """Ban someone (member or not): they cannot join, be invited, or accept old invitations.

        ``by`` needs BAN and must outrank a member they ban. Outstanding invitations to the banned
        person are voided.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob")
        >>> group.ban("ann", "bob")
        >>> group.join("bob")
        Traceback (most recent call last):
        ...
        community_marketing.errors.PermissionDeniedError: 'bob' is banned from 'espresso'
        """
        check_id(member, "member")
        micros = self._now(at)
        with self._lock:
            actor = self._actor(by, Ability.BAN)
            membership = self._membership
            index = membership.people.get(member)
            if index >= 0 and membership.member[index]:
                self._roles.check_outranks(actor, index, "ban", membership.people)
                self._consent.withdraw(member, micros, "group:banned")
                self._expel(index)
            elif member == by:
                raise PermissionDeniedError(f"{by!r} cannot ban themselves")
            if index < 0:
                index = int(self._add_people([member])[0])
            membership.banned[index] = True
            membership.requests.pop(member, None)
            self._invitations.void(member)

    def unban(self, by: Hashable, member: Hashable) -> bool:
        """Lift a ban; ``by`` needs BAN. Returns False if ``member`` was not banned.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> group.ban("ann", "bob")
        >>> group.unban("ann", "bob")
        True
        """
        with self._lock:
            self._actor(by, Ability.BAN)
            index = self._membership.people.get(member)
            if index < 0 or not self._membership.banned[index]:
                return False
            self._membership.banned[index] = False
            return True

    def transfer_ownership(self, by: Hashable, member: Hashable, *, keep: bool = False) -> None:
        """Make ``member`` an owner; unless ``keep``, ``by`` steps down to Officer.

        Only an owner may transfer ownership; owners leave the Owner role only this way.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob")
        >>> group.transfer_ownership("ann", "bob")
        >>> group.owners(), group.role_of("ann").name, group.founder
        (['bob'], 'Officer', 'ann')
        """
        check_bool(keep, "keep")
        with self._lock:
            actor = self._actor(by, Ability.NONE)
            if not self._roles.is_owner(actor):
                raise PermissionDeniedError(
                    f"{by!r} is not an owner; lacks the Owner role needed to transfer ownership"
                )
            index = self._membership.index_of(member)
            if index == actor:
                raise InvalidInputError(f"member: {member!r} is already an owner")
            self._roles.transfer(actor, index, bool(keep))
            self._refresh_abilities(np.array([index, actor], np.int64))
