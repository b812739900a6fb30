"""FanGroup, the face: checks arguments, owns the lock and the clock, delegates to the parts.

Its public methods are spread over three sections by area (``_group_membership``,
``_group_roles``, ``_group_activity``) so each file stays readable; the fields and the shared
steps are in ``_group_base``. Sections hold no state of their own.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from .._checks import check_bool, check_int, check_text
from .._ids import check_id
from .._time import Clock
from ..optin import OptInRegistry
from . import _state
from ._badges import Badges, check_rules
from ._group_activity import ActivityMethods
from ._group_base import check_clock
from ._group_membership import MembershipMethods
from ._group_roles import RoleMethods
from ._ledger import Ledger, check_points
from ._membership import (
    ConsentLink,
    Invitations,
    Membership,
    as_registry,
    check_channels,
    check_questions,
)
from ._places import Places
from ._roles import Roles
from ._trust import Trust, check_policy
from ._values import DEFAULT_POINTS, BadgeRule, TrustPolicy, check_amount


@attrs.define(init=False, repr=False, eq=False)
class FanGroup(MembershipMethods, RoleMethods, ActivityMethods):
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
    badge_rules : sequence of BadgeRule, default ()
        Badges granted automatically.
    clock : callable, optional
        Returns the current aware datetime; UTC now by default.

    Notes
    -----
    Safe to share between threads: one lock per group, held while mutating. Reads such as
    :meth:`can` take no lock.

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
        badge_rules: Sequence[BadgeRule] = (),
        clock: Clock | None = None,
    ) -> None:
        self._configure(
            name,
            owner,
            registry=registry,
            purpose=purpose,
            channels=channels,
            open_enrollment=open_enrollment,
            enrollment_fee=enrollment_fee,
            creation_fee=creation_fee,
            questions=questions,
            invite_daily_cap=invite_daily_cap,
            points=points,
            trust=trust,
            badge_rules=badge_rules,
            clock=clock,
        )
        founder = [self._founder]
        micros = self._now(None)
        self._consent.check_suppression(founder, micros)
        self._consent.grant(founder, micros, "group:create")
        index = self._add_people(founder)
        self._admit_indices(index, micros)
        self._roles.make_founder(int(index[0]))
        self._refresh_abilities(index)

    def _configure(
        self,
        name: str,
        owner: Hashable,
        *,
        registry: object,
        purpose: str | None,
        channels: Sequence[str],
        open_enrollment: bool,
        enrollment_fee: float,
        creation_fee: float,
        questions: Sequence[str],
        invite_daily_cap: int,
        points: Mapping[str, int] | None,
        trust: TrustPolicy | None,
        badge_rules: Sequence[BadgeRule],
        clock: Clock | None,
    ) -> None:
        """Check every setting (in the order of the signature), then build the empty parts."""
        self._name = check_text(name, "name")
        self._founder = check_id(owner, "owner")
        linked = as_registry(registry)
        purpose = f"group:{name}" if purpose is None else check_text(purpose, "purpose")
        self._consent = ConsentLink(linked, purpose, check_channels(channels), self._name)
        self._open = check_bool(open_enrollment, "open_enrollment")
        self._enrollment_fee = check_amount(enrollment_fee, "enrollment_fee")
        self._creation_fee = check_amount(creation_fee, "creation_fee")
        self._questions = check_questions(questions)
        self._invitations = Invitations(check_int(invite_daily_cap, "invite_daily_cap", low=0))
        self._ledger = Ledger(check_points(DEFAULT_POINTS if points is None else points))
        self._trust = Trust(check_policy(trust))
        self._clock = check_clock(clock)
        self._lock = threading.RLock()
        self._membership = Membership()
        self._roles = Roles()
        self._places = Places()
        self._badges = Badges(check_rules(badge_rules, (), self._ledger))

    # ---------------------------------------------------------------- small helpers

    def __repr__(self) -> str:
        owners = self.owners()
        shown = owners[:3] + (["..."] if len(owners) > 3 else [])
        return (
            f"FanGroup(name={self._name!r}, members={self.member_count}, "
            f"owners={shown!r}, open_enrollment={self._open})"
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
        return self._open

    @property
    def enrollment_fee(self) -> int | float:
        """The fee a newcomer pays to join."""
        return self._enrollment_fee

    @property
    def creation_fee(self) -> int | float:
        """The fee paid to create the group."""
        return self._creation_fee

    @property
    def questions(self) -> tuple[str, ...]:
        """The screening questions of a closed group."""
        return self._questions

    @property
    def points(self) -> dict[str, int]:
        """Points per contribution kind."""
        return dict(self._ledger.points)

    @property
    def trust_policy(self) -> TrustPolicy:
        """The trust levels and what they unlock."""
        return self._trust.policy

    @property
    def member_count(self) -> int:
        """The number of current members."""
        return int(np.count_nonzero(self._membership.member))

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


# FanGroup names the public module as its home (see __init__), so doctest no longer counts its
# methods as this file's; ``__test__`` points doctest at their examples again.
__test__ = {"FanGroup": FanGroup}
