"""Building a group's empty parts from its checked settings (the constructor and ``from_state``)."""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING

from .._checks import check_int, check_text
from .._ids import check_id
from .._time import Clock, utc_now
from ..errors import InvalidInputError
from ._badges import Badges, check_rules
from ._join_rules import check_join_rules
from ._ledger import Ledger, check_points
from ._membership import ConsentLink, Enrollment, Invitations, Membership
from ._places import Places
from ._reputation import DailyCap, check_reputation_policy
from ._roles import Roles
from ._trust import Trust, check_policy
from ._values import DEFAULT_POINTS, BadgeRule, JoinRule, ReputationPolicy, TrustPolicy

if TYPE_CHECKING:
    from ._group import FanGroup

__all__ = ["check_clock", "configure"]


def check_clock(clock: object) -> Clock:
    """A callable returning aware datetimes; UTC now for None."""
    if clock is not None and not callable(clock):
        raise InvalidInputError(f"clock: expected a callable, got {type(clock).__name__}")
    return utc_now if clock is None else clock


def configure(
    group: FanGroup,
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
    reputation: ReputationPolicy | None = None,
    join_rules: Sequence[JoinRule] = (),
) -> None:
    """Check every setting (in the order of the signature), then build the empty parts."""
    group._name = check_text(name, "name")
    group._founder = check_id(owner, "owner")
    group._consent = ConsentLink.checked(registry, purpose, channels, group._name)
    group._enrollment = Enrollment.checked(
        open_enrollment, enrollment_fee, creation_fee, questions, group._name
    )
    group._invitations = Invitations(check_int(invite_daily_cap, "invite_daily_cap", low=0))
    group._ledger = Ledger(check_points(DEFAULT_POINTS if points is None else points))
    group._trust = Trust(check_policy(trust, group._ledger))
    group._clock = check_clock(clock)
    group._cap = DailyCap(check_reputation_policy(reputation))
    group._lock = threading.RLock()
    group._membership = Membership()
    group._roles = Roles()
    group._places = Places()
    group._badges = Badges(check_rules(badge_rules, (), group._ledger))
    group._join_rules = check_join_rules(join_rules)
    if group._join_rules and group._enrollment.is_open:
        raise InvalidInputError(
            "join_rules: an open group admits everyone who joins; rules decide requests to "
            "join a closed group (open_enrollment=False)"
        )
