"""The fields of the face and the small steps its public methods share."""

from __future__ import annotations

import threading
from collections.abc import Hashable

import attrs
import numpy as np

from .._time import Clock, resolve_at, to_micros, utc_now
from .._types import Int64Array
from ..errors import ConsentRequiredError, InvalidInputError, PermissionDeniedError
from ._badges import Badges
from ._ledger import Ledger
from ._membership import ConsentLink, Invitations, Membership
from ._places import Places
from ._roles import Roles
from ._trust import Trust
from ._values import Ability, Badge, ability_names


def check_clock(clock: object) -> Clock:
    """A callable returning aware datetimes; UTC now for None."""
    if clock is not None and not callable(clock):
        raise InvalidInputError(f"clock: expected a callable, got {type(clock).__name__}")
    return utc_now if clock is None else clock


@attrs.define(init=False, repr=False, eq=False)
class GroupBase:
    """What every section of :class:`FanGroup` reads: its settings, lock, clock and parts.

    The parts own the data; this class only holds them and the steps that span several.
    """

    _name: str
    _founder: Hashable
    _open: bool
    _enrollment_fee: int | float
    _creation_fee: int | float
    _questions: tuple[str, ...]
    _clock: Clock
    _lock: threading.RLock
    _consent: ConsentLink
    _membership: Membership
    _invitations: Invitations
    _roles: Roles
    _trust: Trust
    _ledger: Ledger
    _badges: Badges
    _places: Places

    def _now(self, at: object, field: str = "at") -> int:
        return to_micros(resolve_at(at, self._clock, field))

    def _grow(self, n: int) -> None:
        """Room for ``n`` people in every part, all at one capacity."""
        capacity = len(self._membership.member)
        if n <= capacity:
            return
        capacity = max(n, 2 * capacity, 64)
        self._roles.grow(capacity)
        self._trust.grow(capacity)
        self._ledger.grow(capacity)
        self._badges.grow(capacity)
        self._places.grow(capacity)
        self._membership.grow(capacity)

    def _add_people(self, ids: list[Hashable]) -> Int64Array:
        # Columns grow before the index does, so a lock-free reader never sees an index
        # beyond the columns.
        self._grow(len(self._membership.people) + len(ids))
        return self._membership.add(ids)

    def _actor(self, by: Hashable, ability: Ability) -> int:
        """The index of ``by`` if a member holding ``ability``; else ``PermissionDeniedError``."""
        index = self._membership.people.get(by)
        if index < 0 or not self._membership.member[index]:
            raise PermissionDeniedError(
                f"{by!r} is not a member of {self._name!r}; lacks {ability_names(ability)}"
            )
        self._roles.check_holds(by, index, ability)
        return index

    def _refresh_abilities(self, indices: Int64Array | int) -> None:
        idx = np.atleast_1d(np.asarray(indices, np.int64))
        self._roles.refresh(idx, self._trust.unlocked(idx))

    def _check_consent(self, consent: object) -> None:
        if consent is not True:
            raise ConsentRequiredError(
                f"joining {self._name!r} needs explicit consent (consent=True), got {consent!r}"
            )

    def _check_fee(self, paid: int | float) -> None:
        if paid < self._enrollment_fee:
            raise InvalidInputError(
                f"fee_paid: expected at least {self._enrollment_fee}, got {paid}"
            )

    def _check_newcomer(self, member: Hashable) -> None:
        """Someone who may be invited or ask to join: neither banned nor a member."""
        if self._membership.is_banned(member):
            raise PermissionDeniedError(f"{member!r} is banned from {self._name!r}")
        if self._membership.is_member(member):
            raise InvalidInputError(f"member: {member!r} is already a member")

    def _badges_from(self, rows: Int64Array) -> list[Badge]:
        return self._badges.badges_from(rows, self._membership.people)

    def _admit_indices(self, indices: Int64Array, micros: int) -> None:
        self._membership.admit(indices, micros)
        self._roles.admit(indices)
        self._refresh_abilities(indices)

    def _expel(self, index: int) -> None:
        self._membership.expel(index)
        self._roles.expel(index)
        self._refresh_abilities(index)
