"""FanGroup, the face: checks arguments, owns the lock and the clock, delegates to the parts.

Each public method checks its arguments, takes the clock and the lock, and calls the parts that
own the data (membership, roles, trust, ledger, badges, places); this file holds no algorithm.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from .._checks import check_bool, check_int, check_text
from .._erased import Removed
from .._ids import as_id_list, check_id
from .._imports import ImportReport, OnError
from .._persist import copied, pickle_reduce, state_from_bytes, state_to_bytes
from .._time import Clock, ensure_aware, from_micros, resolve_at, to_micros
from .._types import Int64Array
from ..errors import InvalidInputError, PermissionDeniedError
from ..optin import OptInRegistry
from . import (
    _badge_rules,
    _contributions,
    _erasure,
    _exits,
    _join_rules,
    _referral_rewards,
    _reputation,
    _rewards,
    _setup,
    _state,
    _trust_rules,
)
from ._badges import Badges, labelled
from ._ledger import Ledger, distinct
from ._membership import (
    ConsentLink,
    Enrollment,
    Invitations,
    Membership,
    admit_rows,
    check_answers,
    invitation_expiry,
)
from ._places import (
    Places,
    RisingArea,
    attribute_row,
    check_attribute_columns,
    hotspots_of,
    rising_areas,
)
from ._referral_rewards import ReferralSource
from ._reputation import DailyCap
from ._roles import Roles
from ._trust import Trust
from ._values import (
    INT32_MAX,
    Ability,
    Badge,
    BadgeRule,
    Hotspot,
    JoinRequest,
    JoinRule,
    ReputationPolicy,
    RewardDue,
    Role,
    Standing,
    TrustChange,
    TrustPolicy,
    check_ability,
    check_amount,
)

Ids = Sequence[Hashable] | npt.NDArray[Any]
Moments = datetime | Sequence[datetime] | npt.NDArray[Any] | None


def _since(since: datetime | None) -> int | None:
    """``since`` in microseconds, None for all time."""
    return None if since is None else to_micros(ensure_aware(since, "since"))


@attrs.define(init=False, repr=False, eq=False)
class FanGroup:
    """A brand's group of fans: opt-in membership, roles, contributions, badges and notices.

    Parameters
    ----------
    name : str
        The group's name.
    owner : hashable
        The founder, recorded for good and the first owner (a member from the start).
    registry : OptInRegistry, optional
        When given, every join is recorded there as an express grant of ``purpose`` on each of
        ``channels``; leave, remove and ban withdraw it; a suppressed contact cannot join; and
        :meth:`notice` reaches only those the registry allows now (quiet hours and caps
        included). Without it, consent given at join is the group's own record.
    purpose : str, optional
        The consent purpose; ``"group:<name>"`` by default.
    channels : sequence of str, default ("in_app",)
        The channels the group reaches its members on; joining grants each.
    open_enrollment : bool, default True
        False makes the group closed: people ``request_to_join`` and someone with APPROVE decides.
    enrollment_fee, creation_fee : number, default 0
        The fee to join (checked against ``fee_paid``) and the fee paid to create the group.
    questions : sequence of str, default ()
        Screening questions for closed groups, at most 3.
    invite_daily_cap : int, default 20
        How many invitations one inviter may send in any 24 hours.
    points : mapping of str to int, optional
        Points per contribution kind; :data:`DEFAULT_POINTS` by default.
    trust : TrustPolicy, optional
        Trust levels and what they unlock; ``TrustPolicy()`` by default.
    reputation : ReputationPolicy, optional
        A daily reputation cap in each member's local day, and decay; none by default.
    badge_rules : sequence of BadgeRule, default ()
        Badges granted automatically.
    join_rules : sequence of JoinRule, default ()
        Rules that approve or decline a request to join a closed group at once.
    clock : callable, optional
        Returns the current aware datetime; UTC now by default.

    Notes
    -----
    Safe to share between threads: one lock per group, held while mutating. Reads of one
    person such as :meth:`can` take no lock; :meth:`leaderboard`, :meth:`hotspots` and
    :meth:`to_state`, which read many columns together, take it for a consistent snapshot.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from community_marketing.groups import FanGroup
    >>> group = FanGroup("espresso", "ann", clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    >>> group.join_many(["bob", "cid"])
    2
    >>> group.member_count, group.founder
    (3, 'ann')
    >>> group
    FanGroup(name='espresso', members=3, owners=['ann'], open_enrollment=True)
    """

    _name: str
    _founder: Hashable
    _clock: Clock
    _lock: threading.RLock
    _consent: ConsentLink
    _enrollment: Enrollment
    _invitations: Invitations
    _membership: Membership
    _roles: Roles
    _trust: Trust
    _ledger: Ledger
    _badges: Badges
    _places: Places
    _cap: DailyCap
    _join_rules: tuple[JoinRule, ...]

    def __init__(
        self,
        name: str,
        owner: Hashable,
        *,
        registry: OptInRegistry | None = None,
        purpose: str | None = None,
        channels: Sequence[str] = ("in_app",),
        open_enrollment: bool = True,
        enrollment_fee: float = 0,
        creation_fee: float = 0,
        questions: Sequence[str] = (),
        invite_daily_cap: int = 20,
        points: Mapping[str, int] | None = None,
        trust: TrustPolicy | None = None,
        reputation: ReputationPolicy | None = None,
        badge_rules: Sequence[BadgeRule] = (),
        join_rules: Sequence[JoinRule] = (),
        clock: Clock | None = None,
    ) -> None:
        _setup.configure(
            self, name, owner, registry=registry, purpose=purpose, channels=channels,
            open_enrollment=open_enrollment, enrollment_fee=enrollment_fee,
            creation_fee=creation_fee, questions=questions, invite_daily_cap=invite_daily_cap,
            points=points, trust=trust, badge_rules=badge_rules, clock=clock,
            reputation=reputation, join_rules=join_rules,
        )  # fmt: skip
        founder = [self._founder]
        micros = self._now(None)
        self._consent.check_suppression(founder, micros)
        self._consent.grant(founder, micros, "group:create")
        index = self._add_people(founder)
        self._membership.admit(index, micros)
        self._roles.make_founder(int(index[0]), self._trust)

    # ---------------------------------------------------------------- steps the methods share

    def _now(self, at: object) -> int:
        return to_micros(resolve_at(at, self._clock))

    def _actor(self, by: Hashable, ability: Ability) -> int:
        """The index of ``by`` if a member holding ``ability``; else ``PermissionDeniedError``."""
        index = self._membership.acting(by, ability, self._name)
        self._roles.check_holds(by, index, ability)
        return index

    def _add_people(self, ids: list[Hashable], field: str = "members") -> Int64Array:
        parts = (self._roles, self._trust, self._ledger, self._badges, self._places, self._cap)
        return self._membership.add(ids, parts, field)

    def _admit(
        self,
        items: list[Hashable],
        micros: int,
        source: str,
        attributes: dict[str, list[Hashable]] | None = None,
    ) -> int:
        """Checks first, then the registry, then the columns: a refusal changes nothing."""
        already, fresh = self._membership.screen(items, self._name)
        self._consent.check_suppression(fresh, micros)
        self._consent.grant(fresh, micros, source)
        indices = self._add_people(items)
        newcomers = distinct(indices[~already], len(self._membership.people))
        self._membership.admit(newcomers, micros)
        self._roles.admit(newcomers, self._trust)
        self._places.store_columns(indices, attributes, len(self._membership.member))
        self._membership.drop_requests(fresh)
        return len(fresh)

    def _expel(self, index: int, member: Hashable, micros: int, source: str) -> None:
        self._consent.withdraw(member, micros, source)
        self._membership.expel(index)
        self._roles.expel(index, self._trust)

    def __repr__(self) -> str:
        owners = self.owners()
        shown = owners[:3] + (["..."] if len(owners) > 3 else [])
        return (
            f"FanGroup(name={self._name!r}, members={self.member_count}, "
            f"owners={shown!r}, open_enrollment={self._enrollment.is_open})"
        )

    # ---------------------------------------------------------------- properties

    @property
    def name(self) -> str:
        """The group's name."""
        return self._name

    @property
    def founder(self) -> Hashable:
        """The founder, fixed at creation whatever happens to ownership."""
        return self._founder

    @property
    def purpose(self) -> str:
        """The consent purpose joins are granted for (``"group:<name>"`` by default)."""
        return self._consent.purpose

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels joining grants and notices go out on."""
        return self._consent.channels

    @property
    def open_enrollment(self) -> bool:
        """Whether anyone may join directly (False: request and approval)."""
        return self._enrollment.is_open

    @property
    def enrollment_fee(self) -> int | float:
        """The fee a newcomer pays to join."""
        return self._enrollment.fee

    @property
    def creation_fee(self) -> int | float:
        """The fee paid to create the group."""
        return self._enrollment.creation_fee

    @property
    def questions(self) -> tuple[str, ...]:
        """The screening questions of a closed group."""
        return self._enrollment.questions

    @property
    def points(self) -> dict[str, int]:
        """Points per contribution kind."""
        return dict(self._ledger.points)

    @property
    def trust_policy(self) -> TrustPolicy:
        """The trust levels and what they unlock."""
        return self._trust.policy

    @property
    def reputation_policy(self) -> ReputationPolicy:
        """The daily cap, the zones and the decay of reputation."""
        return self._cap.policy

    @property
    def member_count(self) -> int:
        """The number of current members."""
        return int(np.count_nonzero(self._membership.member))

    # ---------------------------------------------------------------- membership

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
        return self._membership.current(self._roles.owners(len(self._membership.people)))

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
        self._enrollment.require_open()
        columns = None if attributes is None else attribute_row(attributes)
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
        on_error: OnError = "raise",
    ) -> int | ImportReport:
        """Join many people at once (imports); returns how many were not members before.

        Existing members are skipped. With a registry, consent is granted in bulk. In a closed
        group an import needs ``by``, a member with APPROVE.

        All or nothing by default: one refused person (banned, suppressed in the registry)
        raises, naming them, and nobody joins. With ``on_error="skip"`` everyone else joins
        and an :class:`~community_marketing.ImportReport` names each refused row and why.

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
        on_error : {"raise", "skip"}, default "raise"
            ``"raise"``: all or nothing. ``"skip"``: admit the good rows, report the others.

        Returns
        -------
        int or ImportReport
            How many were not members before; with ``on_error="skip"``, an ``ImportReport``
            whose ``written`` is that number.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> group.join_many(["bob", "cid", "bob"], attributes={"city": ["Lyon", "Nice", "Lyon"]})
        2
        >>> group.ban("ann", "cid")
        >>> report = group.join_many(["dan", "cid", "eve"], on_error="skip")
        >>> report.written, report.refused
        (2, [(1, 'cid', "'cid' is banned from 'espresso'")])
        """
        if not self._enrollment.is_open:
            self._actor(by, Ability.APPROVE)
        items = as_id_list(members, "members")
        columns = None if attributes is None else check_attribute_columns(attributes, len(items))
        return self._join(items, consent, fee_paid, columns, at, source, on_error)

    def _join(
        self,
        items: list[Hashable],
        consent: object,
        fee_paid: object,
        attributes: dict[str, list[Hashable]] | None,
        at: object,
        source: str,
        on_error: object = "raise",
    ) -> int | ImportReport:
        self._enrollment.check_join(consent, fee_paid, source)
        micros = self._now(at)
        with self._lock:
            return admit_rows(self._admit, items, micros, source, attributes, on_error)

    def request_to_join(
        self,
        member: Hashable,
        *,
        answers: Sequence[str] = (),
        consent: bool = True,
        fee_paid: float = 0,
        attributes: Mapping[str, Hashable] | None = None,
        trust_elsewhere: int | None = None,
        at: datetime | None = None,
    ) -> None:
        """Ask to join a closed group, answering its screening questions.

        The group's ``join_rules`` (:class:`JoinRule`) may decide at once: approve (the
        requester joins, with ``attributes``), or decline (``PermissionDeniedError``, nothing
        kept). Otherwise the request waits for :meth:`approve`; its answers are shown to
        members with APPROVE only (:meth:`pending_requests`). ``trust_elsewhere`` is the
        requester's trust level in another group, as the application reads it there.

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
        self._enrollment.check_consent(consent)
        check_id(member, "member")
        checked = check_answers(answers, self._enrollment.questions)
        paid = check_amount(fee_paid, "fee_paid")
        self._enrollment.check_fee(paid)
        columns = None if attributes is None else attribute_row(attributes)
        micros = self._now(at)
        with self._lock:
            _join_rules.request(self, member, checked, paid, micros, columns, trust_elsewhere)

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
        return self._membership.join_requests()

    def join_request_of(self, member: Hashable) -> JoinRequest | None:
        """``member``'s own pending request with their answers (None without one).

        The answers are the requester's data: theirs to see (subject access) and gone with an
        erasure; other members see them only through :meth:`pending_requests` with APPROVE.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann", open_enrollment=False, questions=["Why?"])
        >>> group.request_to_join("bob", answers=["the crema"])
        >>> group.join_request_of("bob").answers, group.join_request_of("cid")
        (('the crema',), None)
        """
        check_id(member, "member")
        with self._lock:
            mine = [r for r in self._membership.join_requests() if r.member == member]
        return mine[0] if mine else None

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
        check_id(member, "member")
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
        check_id(member, "member")
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
            How long the token stays valid; the expiry must fall by 9999-12-30 UTC.
        at : datetime, optional
            When; the clock's now by default.

        Raises
        ------
        PermissionDeniedError
            ``by`` lacks INVITE or reached the daily cap, or ``member`` is banned.
        InvalidInputError
            ``member`` is already a member, or ``expires_in`` is not a positive timedelta or
            takes the expiry past the representable range.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann", open_enrollment=False)
        >>> token = group.invite("ann", "bob")
        >>> group.accept_invitation(token)
        'bob'
        """
        check_id(member, "member")
        micros = self._now(at)
        expires = invitation_expiry(expires_in, micros)
        with self._lock:
            self._actor(by, Ability.INVITE)
            self._membership.check_newcomer(member, self._name)
            return self._invitations.issue(by, member, micros, expires)

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
        self._enrollment.check_consent(consent)
        paid = check_amount(fee_paid, "fee_paid")
        check_text(source, "source")
        micros = self._now(at)
        with self._lock:
            invitation = self._invitations.usable(token, micros)
            self._enrollment.check_fee(paid)
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
            _exits.leave(self, member, micros, source)

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
            self._expel(index, member, micros, "group:removed")

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
            _exits.ban(self, by, member, micros)

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
            return self._membership.unban(member)

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
            self._roles.check_owner(by, actor)
            index = self._membership.index_of(member)
            if index == actor:
                raise InvalidInputError(f"member: {member!r} is already an owner")
            self._roles.transfer(actor, index, bool(keep), self._trust)

    # ---------------------------------------------------------------- roles and abilities

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
            self._roles.define(role, actor, self._membership.people)
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
            self._roles.assign(index, bit, self._trust)

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
            self._roles.revoke(index, bit, self._trust)

    def _role_change(self, by: Hashable, member: Hashable, role: Role | str) -> tuple[int, int]:
        actor = self._actor(by, Ability.ASSIGN_ROLES)
        bit = self._roles.changeable_bit(role)
        index = self._membership.index_of(member)
        self._roles.check_change(actor, index, bit, self._membership.people)
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
        if not self._membership.is_member(member):
            return Ability.NONE
        return Ability(int(self._roles.abilities[self._membership.people.get(member)]))

    def can(self, member: Hashable, ability: Ability) -> bool:
        """Whether ``member`` holds every flag of ``ability`` now (default deny).

        Examples
        --------
        >>> from community_marketing.groups import Ability, FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> group.can("ann", Ability.BAN | Ability.INVITE), group.can("zoe", Ability.INVITE)
        (True, False)
        """
        check_ability(ability)
        membership = self._membership
        index = membership.people.get(member)
        if index < 0 or not membership.member[index]:
            return False
        need: int = ability._value_
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
        self._actor(member, check_ability(ability))

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

    def evaluate_trust(self, *, at: datetime | None = None) -> int:
        """Re-evaluate every member's trust level at ``at``; returns how many changed.

        Promotes those who meet a level's requirements (:class:`TrustRequirement`, counted
        over each window ending at ``at``), demotes those below its low-water mark once the
        grace after reaching it has passed, leaves locked members and levels granted by hand
        only. Each change is in :meth:`trust_history` with its reason. Vectorized over the
        contribution log (no loop per member).

        Examples
        --------
        >>> from datetime import UTC, datetime, timedelta
        >>> from community_marketing.groups import (Ability, FanGroup, TrustPolicy,
        ...                                         TrustRequirement)
        >>> month = TrustRequirement({"post": 3}, window=timedelta(days=30))
        >>> policy = TrustPolicy((0,), unlocks=[Ability.INVITE], requirements=[month])
        >>> start = datetime(2026, 1, 1, tzinfo=UTC)
        >>> group = FanGroup("espresso", "ann", clock=lambda: start, trust=policy)
        >>> _ = group.record_contribution("ann", "post", weight=3)
        >>> group.evaluate_trust(), group.trust_level("ann")
        (1, 1)
        >>> group.evaluate_trust(at=start + timedelta(days=31)), group.trust_level("ann")
        (1, 0)
        """
        micros = self._now(at)
        with self._lock:
            return _trust_rules.evaluate_group(self, micros)

    def set_trust_level(
        self,
        by: Hashable,
        member: Hashable,
        level: int | None,
        *,
        lock: bool = True,
        at: datetime | None = None,
    ) -> None:
        """Set ``member``'s trust level by hand (locked unless ``lock=False``); None unlocks.

        ``by`` needs ASSIGN_ROLES, every ability the level unlocks, and a higher rank than
        ``member`` (unless setting their own). A locked level moves only by hand.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob")
        >>> group.set_trust_level("ann", "bob", 3)
        >>> group.trust_level("bob"), group.trust_history("bob")[-1].reason
        (3, 'locked')
        """
        micros = self._now(at)
        with self._lock:
            _trust_rules.set_by_hand(self, by, member, level, lock, micros)

    def trust_history(self, member: Hashable | None = None) -> list[TrustChange]:
        """Every change of trust level: of ``member`` as they happened, or of everyone by time.

        A change carries the moment it was evaluated for (``at``); the changes of everyone are
        ordered by that moment, then by order of first appearance.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.record_contribution("ann", "accepted_answer")
        >>> [(c.old_level, c.new_level, c.reason) for c in group.trust_history("ann")]
        [(0, 1, 'reputation')]
        """
        with self._lock:
            index = None if member is None else self._membership.index_seen(member)
            return self._trust.changes(self._trust.rows(index), self._membership.people)

    # ---------------------------------------------------------------- contributions

    def record_contribution(
        self, member: Hashable, kind: str, *, at: datetime | None = None, weight: int | None = None
    ) -> list[Badge]:
        """Record one contribution; returns the badges it earned.

        Parameters
        ----------
        member : hashable
            A current member.
        kind : str
            One of the configured kinds (see :attr:`points`).
        at : datetime, optional
            When; the clock's now by default.
        weight : int, optional
            How many of it (e.g. 5 likes); points are ``points[kind] * weight``. Default 1.

        Examples
        --------
        >>> from community_marketing.groups import BadgeRule, FanGroup
        >>> group = FanGroup("espresso", "ann",
        ...                  badge_rules=[BadgeRule("First answer", "bronze", 1, kind="answer")])
        >>> [badge.name for badge in group.record_contribution("ann", "answer")]
        ['First answer']
        """
        weights = None if weight is None else [check_int(weight, "weight", low=1, high=INT32_MAX)]
        return _contributions.record(self, [member], kind, at, weights, "weight")

    def record_contributions(
        self,
        members: Sequence[Hashable] | npt.NDArray[Any],
        kinds: str | Sequence[str] | npt.NDArray[Any],
        *,
        at: datetime | Sequence[datetime] | npt.NDArray[Any] | None = None,
        weights: Sequence[int] | npt.NDArray[np.integer[Any]] | None = None,
    ) -> list[Badge]:
        """Record many contributions in bulk (numpy columns); returns the badges earned.

        Parameters
        ----------
        members : sequence or ndarray of hashable
            Current members, one per contribution. An integer ndarray takes a vectorized path.
        kinds : str or sequence of str
            One kind for all, or one per contribution.
        at : datetime, sequence of datetime or datetime64 ndarray (UTC), optional
            When; the clock's now by default. Badges earned in the batch carry its latest time.
        weights : sequence or ndarray of int, optional
            Positive multipliers; 1 by default.

        Examples
        --------
        >>> import numpy as np
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", 1)
        >>> _ = group.join_many([2, 3])
        >>> _ = group.record_contributions(np.array([2, 3, 2]), ["post", "answer", "review"])
        >>> group.reputation(2), group.reputation(3)
        (7, 5)
        """
        return _contributions.record(self, members, kinds, at, weights, "weights")

    def credit_referrals(
        self,
        graph: ReferralSource,
        *,
        kind: str = "referral",
        qualified: Callable[[Hashable], bool] | Collection[Hashable] | None = None,
        hold: timedelta = timedelta(hours=1),
        at: datetime | None = None,
    ) -> list[Badge]:
        """Credit members' referrals from a ``ReferralGraph``; returns the badges earned.

        Each member's count of ``kind`` is topped up to the number of their attributed
        referrals made at least ``hold`` before ``at`` whose referee is ``qualified`` (a
        predicate or a collection) and that no flag of ``graph.suspicious_referrals()``
        covers (a flag names the referrer and a span of time). Calling again credits nothing
        twice. Milestones are badge rules on ``kind`` (1, 3, 6 referrals...); their rewards
        are due in :meth:`rewards_due` until :meth:`mark_handed_out`.

        A count is never lowered, so a referral must not count before the fraud checks have
        seen the burst or chain it may belong to: ``hold`` (one hour, the checks' default
        window) is how long it waits. ``timedelta(0)`` counts at once.

        Examples
        --------
        >>> from datetime import timedelta
        >>> from community_marketing.groups import BadgeRule, FanGroup, Reward
        >>> from community_marketing.referrals import ReferralGraph
        >>> rules = [BadgeRule("Promoter", "bronze", 1, kind="referral", reward=Reward("discount", 5)),
        ...          BadgeRule("Campaigner", "silver", 3, kind="referral")]
        >>> group = FanGroup("espresso", "ann", badge_rules=rules)
        >>> graph = ReferralGraph()
        >>> for friend in ["bob", "cid", "dan"]:
        ...     _ = graph.record_referral("ann", friend)
        >>> group.credit_referrals(graph)  # within the hold
        []
        >>> [badge.name for badge in group.credit_referrals(graph, hold=timedelta(0))]
        ['Promoter', 'Campaigner']
        >>> group.credit_referrals(graph, hold=timedelta(0)), group.contributions("ann")["referral"]
        ([], 3)
        """  # noqa: E501
        micros = self._now(at)
        return _referral_rewards.credit(self, graph, kind, qualified, micros, hold)

    def reputation(self, member: Hashable, *, at: datetime | None = None) -> int:
        """The sum of the points credited for everything ``member`` contributed.

        Kept across leave and rejoin; ``UnknownIdError`` for someone the group never saw.
        Under a daily cap (see :class:`ReputationPolicy`) gains past the cap credit nothing.
        With a half-life, the decayed value at ``at`` (the clock's now by default) of the
        points credited up to then, rounded down; without one ``at`` is not used.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.record_contribution("ann", "like_received", weight=3)
        >>> group.reputation("ann")
        3
        """
        index = self._membership.index_seen(member)
        half_life = self._cap.policy.half_life
        if half_life is None:
            return int(self._ledger.reputation[index])
        return _reputation.decayed_one(self._ledger, half_life, self._now(at), index)

    def contributions(self, member: Hashable) -> dict[str, int]:
        """How many of each kind ``member`` contributed (weights included).

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.record_contribution("ann", "post", weight=2)
        >>> group.contributions("ann")["post"]
        2
        """
        return self._ledger.counts_of(self._membership.index_seen(member))

    def leaderboard(self, n: int = 10, *, since: datetime | None = None) -> list[Standing]:
        """The ``n`` current members with most points (all time, or since ``since``).

        Ties go to the member who appeared first. Under a half-life (:class:`ReputationPolicy`)
        all-time points are read decayed at the clock's now, as :meth:`reputation` reads them.

        Parameters
        ----------
        n : int, default 10
            How many rows.
        since : datetime, optional
            Count only contributions at or after this moment.

        Returns
        -------
        list of Standing
            Best first.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob")
        >>> _ = group.record_contribution("bob", "answer")
        >>> group.leaderboard(1)
        [Standing(member='bob', reputation=5)]
        """
        check_int(n, "n", low=0)
        cutoff = _since(since)
        if n == 0:
            return []
        people = self._membership.people
        with self._lock:  # one consistent snapshot of members, totals and the log
            candidates = self._membership.members()
            chosen, values = _reputation.leaders(self, candidates, n, cutoff)
            ids = people.ids_at(chosen)
        return [Standing(member, score) for member, score in zip(ids, values.tolist(), strict=True)]

    # ---------------------------------------------------------------- badges and rewards

    def badge_rules(self) -> list[BadgeRule]:
        """The group's badge rules, in order.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> FanGroup("espresso", "ann").badge_rules()
        []
        """
        return list(self._badges.rules)

    def add_badge_rule(
        self, by: Hashable, rule: BadgeRule, *, at: datetime | None = None
    ) -> list[Badge]:
        """Add a badge rule (``by`` needs CHANGE_SETTINGS); members who already meet it get it.

        Examples
        --------
        >>> from community_marketing.groups import BadgeRule, FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.record_contribution("ann", "post")
        >>> [b.member for b in group.add_badge_rule("ann", BadgeRule("Poster", "bronze", 1,
        ...                                                          kind="post"))]
        ['ann']
        """
        micros = self._now(at)
        with self._lock:
            self._actor(by, Ability.CHANGE_SETTINGS)
            checked, plans = self._badges.rule_awards(
                rule, self._membership.members(), self._ledger
            )
            self._badges.add_rule(checked)
            start = self._badges.award(plans, micros)
            return self._badges.since(start, self._membership.people)

    def award_badge(
        self, by: Hashable, member: Hashable, badge: str, *, at: datetime | None = None
    ) -> Badge:
        """Award a badge by hand; ``by`` needs AWARD_BADGES and must outrank nobody.

        Examples
        --------
        >>> from community_marketing.groups import BadgeRule, FanGroup
        >>> group = FanGroup("espresso", "ann",
        ...                  badge_rules=[BadgeRule("Ambassador", "gold", 1000)])
        >>> _ = group.join("bob")
        >>> group.award_badge("ann", "bob", "Ambassador").tier
        <BadgeTier.GOLD: 'gold'>
        """
        micros = self._now(at)
        with self._lock:
            actor = self._actor(by, Ability.AWARD_BADGES)
            index = self._membership.index_of(member)
            if actor == index:
                raise PermissionDeniedError(f"{by!r} cannot award a badge to themselves")
            number = self._badges.number_of(badge)
            row = self._badges.award_by_hand(index, number, micros)
            return self._badges.since(row, self._membership.people)[0]

    def evaluate_badges(self, *, at: datetime | None = None) -> list[Badge]:
        """Re-evaluate every badge rule for every member at ``at``; returns the new badges.

        Rules with a ``window`` award here (their count slides with time); ``revocable``
        rules take back what no longer holds, latest grant first, from every listing.

        Examples
        --------
        >>> from datetime import UTC, datetime, timedelta
        >>> from community_marketing.groups import BadgeRule, FanGroup
        >>> rule = BadgeRule("Active", "bronze", 3, kind="post", window=timedelta(days=7),
        ...                  revocable=True)
        >>> start = datetime(2026, 1, 1, tzinfo=UTC)
        >>> group = FanGroup("espresso", "ann", badge_rules=[rule], clock=lambda: start)
        >>> _ = group.record_contribution("ann", "post", weight=3)
        >>> [badge.name for badge in group.evaluate_badges()]
        ['Active']
        >>> _ = group.evaluate_badges(at=start + timedelta(days=7))
        >>> group.badges("ann"), group.display_name("ann")
        ([], 'ann')
        """
        micros = self._now(at)
        with self._lock:
            return _badge_rules.evaluate_group(self, micros)

    def badges(self, member: Hashable) -> list[Badge]:
        """The badges ``member`` holds, oldest first.

        Examples
        --------
        >>> from community_marketing.groups import BadgeRule, FanGroup
        >>> group = FanGroup("espresso", "ann",
        ...                  badge_rules=[BadgeRule("Reviewer", "bronze", 1, kind="review")])
        >>> _ = group.record_contribution("ann", "review")
        >>> [badge.name for badge in group.badges("ann")]
        ['Reviewer']
        """
        rows = self._badges.rows_of(self._membership.index_seen(member))
        return self._badges.badges_from(rows, self._membership.people)

    def rewards_due(self) -> list[RewardDue]:
        """Trials and discounts earned and not yet handed out, oldest first.

        Examples
        --------
        >>> from community_marketing.groups import BadgeRule, FanGroup, Reward
        >>> rule = BadgeRule("Critic", "silver", 2, kind="review", reward=Reward("discount", 10))
        >>> group = FanGroup("espresso", "ann", badge_rules=[rule])
        >>> _ = group.record_contribution("ann", "review", weight=2)
        >>> [(due.member, due.reward.value) for due in group.rewards_due()]
        [('ann', 10)]
        """
        return _rewards.rewards_due(self._badges, self._membership.people)

    def mark_handed_out(self, ids: Iterable[int]) -> None:
        """Settle rewards the brand has handed out (ids from :meth:`rewards_due`).

        Examples
        --------
        >>> from community_marketing.groups import BadgeRule, FanGroup, Reward
        >>> rule = BadgeRule("Critic", "silver", 1, kind="review", reward=Reward("trial"))
        >>> group = FanGroup("espresso", "ann", badge_rules=[rule])
        >>> _ = group.record_contribution("ann", "review")
        >>> group.mark_handed_out([due.id for due in group.rewards_due()])
        >>> group.rewards_due()
        []
        """
        with self._lock:
            _rewards.mark_handed_out(self._badges, ids)

    def display_name(self, member: Hashable) -> str:
        """The member's nickname (or id) with their best badge beside it.

        Examples
        --------
        >>> from community_marketing.groups import BadgeRule, FanGroup
        >>> group = FanGroup("espresso", "ann",
        ...                  badge_rules=[BadgeRule("Guru", "gold", 1, kind="accepted_answer")])
        >>> group.set_attributes("ann", {"nickname": "Ann B."})
        >>> _ = group.record_contribution("ann", "accepted_answer")
        >>> group.display_name("ann")
        'Ann B. [gold: Guru]'
        """
        nickname = self._places.value(self._membership.index_of(member), "nickname")
        return labelled(str(member) if nickname is None else str(nickname), self.badges(member))

    # ---------------------------------------------------------------- attributes and reach

    def set_attributes(self, member: Hashable, attributes: Mapping[str, Hashable]) -> None:
        """Set a member's attributes (region, city, nickname...); a None value clears one.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> group.set_attributes("ann", {"city": "Lyon"})
        >>> group.attributes_of("ann")
        {'city': 'Lyon'}
        """
        row = attribute_row(attributes)
        with self._lock:
            index = self._membership.index_of(member)
            capacity = len(self._membership.member)
            self._places.store_columns(np.array([index]), row, capacity)

    def attributes_of(self, member: Hashable) -> dict[str, Hashable]:
        """The member's attributes.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> FanGroup("espresso", "ann").attributes_of("ann")
        {}
        """
        return self._places.of(self._membership.index_of(member))

    def hotspots(
        self, attribute: str, *, top: int = 10, since: datetime | None = None, min_members: int = 0
    ) -> list[Hotspot]:
        """Rank an attribute's values by active members, then contributions, then members.

        Active communities reveal promising areas. A member is active if they contributed
        (since ``since``, or ever). Only current members with the attribute set count.

        Parameters
        ----------
        attribute : str
            A member attribute ("region", "city"...).
        top : int, default 10
            How many values.
        since : datetime, optional
            Count activity at or after this moment only.
        min_members : int, default 0
            Hide every value with fewer active members than this: a small cell identifies
            people (the threshold rule of statistical disclosure control; 5 or 10 is usual
            for published figures).

        Returns
        -------
        list of Hotspot
            Best first; empty for an attribute nobody has.

        See Also
        --------
        rising_areas : how active members changed between two periods.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> cities = {"city": ["Lyon", "Nice", "Nice"]}
        >>> _ = group.join_many(["bob", "cid", "dan"], attributes=cities)
        >>> _ = group.record_contribution("bob", "post")
        >>> [(h.value, h.active_members, h.members) for h in group.hotspots("city")]
        [('Lyon', 1, 1), ('Nice', 0, 2)]
        >>> group.hotspots("city", min_members=2)
        []
        """
        with self._lock:  # one consistent snapshot of members, attributes and the log
            parts = (self._places, self._membership, self._ledger)
            return hotspots_of(*parts, attribute, top, _since(since), min_members)

    def rising_areas(
        self, attribute: str, *, period: timedelta, at: datetime | None = None, min_members: int = 0
    ) -> list[RisingArea]:
        """Where activity grows: active members per value in the last ``period`` against the
        one before, most risen first (ties: more active now, then first seen).

        A member is active in a period if they contributed in it; only current members with
        the attribute set count. Where to open next: the areas whose active community grows.

        Parameters
        ----------
        attribute : str
            A member attribute ("region", "city"...).
        period : timedelta
            The length of each period: ``[at - period, at)`` against
            ``[at - 2 period, at - period)``; positive.
        at : datetime, optional
            The end of the later period; now by default.
        min_members : int, default 0
            Hide every value with fewer active members than this in either period (a
            change and one count give the other, so both must be large enough).

        Returns
        -------
        list of RisingArea
            Values with activity in either period, the largest rise first (slice it for
            the top few).

        Examples
        --------
        >>> from datetime import UTC, datetime, timedelta
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> cities = {"city": ["Lyon", "Nice", "Nice"]}
        >>> _ = group.join_many(["bob", "cid", "dan"], attributes=cities)
        >>> t = datetime(2026, 5, 1, tzinfo=UTC)
        >>> _ = group.record_contribution("bob", "post", at=t - timedelta(days=10))
        >>> _ = group.record_contribution("cid", "post", at=t - timedelta(days=2))
        >>> _ = group.record_contribution("dan", "post", at=t - timedelta(days=1))
        >>> [(a.value, a.active_before, a.active_now, a.change)
        ...  for a in group.rising_areas("city", period=timedelta(days=7), at=t)]
        [('Nice', 0, 2, 2), ('Lyon', 1, 0, -1)]
        """
        with self._lock:
            parts = (self._places, self._membership, self._ledger)
            return rising_areas(*parts, attribute, period, self._now(at), min_members)

    def notice(
        self, by: Hashable, message: str, *, channel: str | None = None, at: datetime | None = None
    ) -> list[Hashable]:
        """The members a notice from ``by`` (who needs SEND_NOTICES) may reach now.

        With a registry, only those it allows for the group's purpose on ``channel`` at ``at``
        (consent, quiet hours, caps, pauses); without one, every member but the sender. The
        library sends nothing.

        Parameters
        ----------
        by : hashable
            The sender.
        message : str
            The notice's text (non-empty).
        channel : str, optional
            One of :attr:`channels`; the first by default.
        at : datetime, optional
            When; the clock's now by default.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join_many(["bob", "cid"])
        >>> group.notice("ann", "Tasting on Friday")
        ['bob', 'cid']
        """
        check_text(message, "message")
        channel = self._consent.channel(channel)
        when = resolve_at(at, self._clock)
        actor = self._actor(by, Ability.SEND_NOTICES)
        return self._consent.audience(self._membership.others(actor), channel, when)

    # ---------------------------------------------------------------- erasure

    def erase(self, member: Hashable, *, at: datetime | None = None) -> Removed:
        """Erase ``member``'s data from the group (GDPR Art. 17); a receipt of what went.

        Membership, nickname and attributes, contributions, badges (so rewards due), join
        requests and invitations sent or received go; others' totals stay. A keyed fingerprint
        of the id stays (in :meth:`to_state` too), so joining, asking or being invited again is
        refused until :func:`community_marketing.readmit`. An id the group never saw gives an
        empty receipt and is suppressed all the same.

        Raises
        ------
        PermissionDeniedError
            ``member`` founded the group, or is its last owner.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> _ = group.join("bob", consent=True)
        >>> group.erase("bob").to_dict()["removed"]["memberships"]
        1
        >>> group.join("bob", consent=True)
        Traceback (most recent call last):
        ...
        community_marketing.errors.ConsentRequiredError: members: 'bob' was erased; readmit them (a fresh express opt-in recorded after the erasure) before adding them again
        """  # noqa: E501
        with self._lock:
            return _erasure.plan(self, check_id(member, "member"), self._now(at)).apply()

    # ---------------------------------------------------------------- state

    def to_state(self) -> dict[str, Any]:
        """The group as plain data (with a ``"schema"`` key) for :meth:`from_state`.

        Timestamps are integer microseconds since the epoch, UTC. The registry and clock are
        not part of the state.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> state = group.to_state()
        >>> FanGroup.from_state(state).to_state() == state
        True
        """
        with self._lock:
            return _state.to_state(self)

    @classmethod
    def from_state(
        cls,
        state: Mapping[str, Any],
        *,
        registry: OptInRegistry | None = None,
        clock: Clock | None = None,
    ) -> FanGroup:
        """Rebuild a group from :meth:`to_state`; bad data raises ``InvalidInputError`` only.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> FanGroup.from_state({"schema": 99})
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: state.schema: expected 1, got 99
        """
        return _state.from_state(cls, state, registry, clock)

    def to_bytes(self) -> bytes:
        """The whole group as one compact blob, built from :meth:`to_state` (no files).

        JSON for the tree and ``numpy.save`` for the arrays, zipped: reading it back
        runs no code, unlike a pickle. Neither the registry nor the clock is in it.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> group = FanGroup("espresso", "ann")
        >>> FanGroup.from_bytes(group.to_bytes()).to_state() == group.to_state()
        True
        """
        return state_to_bytes(self.to_state())

    @classmethod
    def from_bytes(
        cls, data: bytes, *, registry: OptInRegistry | None = None, clock: Clock | None = None
    ) -> FanGroup:
        """Rebuild a group from :meth:`to_bytes`; ``InvalidInputError`` for anything else.

        Examples
        --------
        >>> from community_marketing.groups import FanGroup
        >>> FanGroup.from_bytes(b"nope")
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: data: expected the bytes of to_bytes()
        """
        return cls.from_state(state_from_bytes(data), registry=registry, clock=clock)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as ``from_state(to_state(), registry=..., clock=...)``; registry included."""
        keywords = {"registry": self._consent.registry, "clock": self._clock}
        return pickle_reduce(type(self).from_state, self.to_state(), **keywords)

    def __copy__(self) -> FanGroup:
        """An independent group with the same state, sharing the registry and the clock."""
        keywords = {"registry": self._consent.registry, "clock": self._clock}
        return copied(type(self).from_state, self.to_state(), None, **keywords)

    def __deepcopy__(self, memo: dict[int, Any]) -> FanGroup:
        """An independent group over a deep copy of the registry; the clock is shared."""
        keywords = {"registry": self._consent.registry, "clock": self._clock}
        return copied(type(self).from_state, self.to_state(), memo, **keywords)
