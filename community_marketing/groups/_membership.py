"""Membership: who the group has seen, who belongs, who is banned, requests and invitations.

The registry link lives here too: with an :class:`OptInRegistry`, joining is an express grant of
the group's purpose on each channel, leaving withdraws it, and a suppressed contact cannot join.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from .._checks import check_bool, check_text
from .._columns import grown
from .._erased import ErasedIds
from .._ids import IdIndex, check_id
from .._imports import ImportReport, check_on_error, import_rows
from .._time import check_micros, from_micros
from .._types import BoolArray, Int64Array
from ..errors import (
    ConsentRequiredError,
    InvalidInputError,
    InvalidTokenError,
    PermissionDeniedError,
    UnknownIdError,
)
from ..optin import OptInRegistry, Reason
from ._values import (
    DAY_MICROS,
    MAX_QUESTIONS,
    Ability,
    Invitation,
    JoinRequest,
    Request,
    ability_names,
    check_amount,
)


def check_channels(channels: object) -> tuple[str, ...]:
    """A non-empty sequence of distinct channel names."""
    if isinstance(channels, str) or not isinstance(channels, Sequence) or not channels:
        raise InvalidInputError(f"channels: expected a non-empty sequence of str, got {channels!r}")
    checked = tuple(check_text(c, f"channels[{i}]") for i, c in enumerate(channels))
    if len(set(checked)) != len(checked):
        raise InvalidInputError(f"channels: expected distinct channels, got {checked}")
    return checked


def check_questions(questions: object) -> tuple[str, ...]:
    """At most :data:`MAX_QUESTIONS` screening questions."""
    if isinstance(questions, str) or not isinstance(questions, Sequence):
        raise InvalidInputError(f"questions: expected a sequence of str, got {questions!r}")
    if len(questions) > MAX_QUESTIONS:
        raise InvalidInputError(
            f"questions: expected at most {MAX_QUESTIONS} screening questions, got {len(questions)}"
        )
    return tuple(check_text(q, f"questions[{i}]") for i, q in enumerate(questions))


def check_answers(answers: object, questions: tuple[str, ...]) -> tuple[str, ...]:
    """One non-empty answer per screening question."""
    if isinstance(answers, str) or not isinstance(answers, Sequence):
        raise InvalidInputError(f"answers: expected a sequence of str, got {answers!r}")
    if len(answers) != len(questions):
        raise InvalidInputError(f"answers: expected {len(questions)} answers, got {len(answers)}")
    return tuple(check_text(a, f"answers[{i}]") for i, a in enumerate(answers))


def invitation_expiry(expires_in: object, micros: int) -> int:
    """When an invitation made at ``micros`` lapses: a positive ``expires_in`` later, in range."""
    if not isinstance(expires_in, timedelta) or expires_in <= timedelta(0):
        raise InvalidInputError(f"expires_in: expected a positive timedelta, got {expires_in!r}")
    return check_micros(micros + expires_in // timedelta(microseconds=1), "expires_in")


def as_registry(registry: object) -> OptInRegistry | None:
    """``registry`` when it is an OptInRegistry or None."""
    if registry is None:
        return None
    if not isinstance(registry, OptInRegistry):
        raise InvalidInputError(
            f"registry: expected an OptInRegistry or None, got {type(registry).__name__}"
        )
    return registry


class Grows(Protocol):
    """A part with a column (or row) per person."""

    def grow(self, capacity: int) -> None:
        """Room for ``capacity`` people."""


class Enrollment:
    """How people get in: open or closed, the fees, the screening questions.

    Parameters
    ----------
    is_open : bool
        Whether anyone may join directly (False: request and approval).
    fee, creation_fee : number
        The fee to join and the fee paid to create the group.
    questions : tuple of str
        The screening questions of a closed group.
    group : str
        The group's name, for messages.
    """

    __slots__ = ("creation_fee", "fee", "group", "is_open", "questions")

    def __init__(
        self,
        is_open: bool,
        fee: int | float,
        creation_fee: int | float,
        questions: tuple[str, ...],
        group: str,
    ) -> None:
        self.is_open = is_open
        self.fee = fee
        self.creation_fee = creation_fee
        self.questions = questions
        self.group = group

    @classmethod
    def checked(
        cls, is_open: object, fee: object, creation_fee: object, questions: object, group: str
    ) -> Enrollment:
        """The settings checked in this order, each message naming the constructor's argument."""
        return cls(
            check_bool(is_open, "open_enrollment"),
            check_amount(fee, "enrollment_fee"),
            check_amount(creation_fee, "creation_fee"),
            check_questions(questions),
            group,
        )

    def require_open(self) -> None:
        """``PermissionDeniedError`` unless anyone may join directly."""
        if not self.is_open:
            raise PermissionDeniedError(
                f"{self.group!r} is closed: use request_to_join and wait for approval"
            )

    def require_closed(self) -> None:
        """``InvalidInputError`` for a request to join an open group."""
        if self.is_open:
            raise InvalidInputError(f"{self.group!r} is open: join directly")

    def check_consent(self, consent: object) -> None:
        """``ConsentRequiredError`` for anything but an explicit ``True``."""
        if consent is not True:
            raise ConsentRequiredError(
                f"joining {self.group!r} needs explicit consent (consent=True), got {consent!r}"
            )

    def check_join(self, consent: object, fee_paid: object, source: object) -> None:
        """A join's arguments, shared by every row: consent, the fee, the source."""
        self.check_consent(consent)
        self.check_fee(check_amount(fee_paid, "fee_paid"))
        check_text(source, "source")

    def check_fee(self, paid: int | float) -> None:
        """``InvalidInputError`` when ``paid`` is below the enrollment fee."""
        if paid < self.fee:
            raise InvalidInputError(f"fee_paid: expected at least {self.fee}, got {paid}")


def admit_rows(
    admit: Callable[[list[Hashable], int, str, dict[str, list[Hashable]] | None], int],
    items: list[Hashable],
    micros: int,
    source: str,
    attributes: dict[str, list[Hashable]] | None,
    on_error: object,
) -> int | ImportReport:
    """``admit`` every row, or with ``on_error="skip"`` the good ones and report the others."""
    if check_on_error(on_error) == "raise":
        return admit(items, micros, source, attributes)

    def block(start: int, stop: int) -> int:
        columns = None if attributes is None else {k: v[start:stop] for k, v in attributes.items()}
        return admit(items[start:stop], micros, source, columns)

    return import_rows(len(items), block, items.__getitem__)


class Membership:
    """Everyone the group has seen (a dense index each), and whether they belong or are banned.

    A person stays in the index after leaving: reputation and badges are kept for a return.
    """

    __slots__ = ("banned", "erased", "int_table", "joined", "member", "people", "requests")

    def __init__(self) -> None:
        self.people = IdIndex(kind="member")
        self.erased = ErasedIds()
        self.member: BoolArray = np.zeros(0, np.bool_)
        self.banned: BoolArray = np.zeros(0, np.bool_)
        self.joined: Int64Array = np.zeros(0, np.int64)
        self.requests: dict[Hashable, Request] = {}
        # Direct-address table for integer ids: (lowest id, highest id, index per id - lowest).
        self.int_table: tuple[int, int, Int64Array] | None = None

    def grow(self, capacity: int) -> None:
        """Room for ``capacity`` people."""
        self.member = grown(self.member, capacity)
        self.banned = grown(self.banned, capacity)
        self.joined = grown(self.joined, capacity)

    def reserve(self, n: int, parts: Sequence[Grows]) -> None:
        """Room for ``n`` people here and in every other part, all at one capacity."""
        capacity = len(self.member)
        if n <= capacity:
            return
        capacity = max(n, 2 * capacity, 64)
        for part in parts:
            part.grow(capacity)
        self.grow(capacity)

    def add(
        self, ids: list[Hashable], parts: Sequence[Grows], field: str = "members"
    ) -> Int64Array:
        """The indices of ``ids``, new ones added after ``parts`` made room for them."""
        # Columns grow before the index does, so a lock-free reader never sees an index
        # beyond the columns.
        self.reserve(len(self.people) + len(ids), parts)
        known = len(self.people)
        indices = self.people.add_many(ids, field)
        if len(self.people) != known:
            self.int_table = None
        return indices

    def is_member(self, member: Hashable) -> bool:
        """Whether ``member`` belongs now."""
        index = self.people.get(member)
        return index >= 0 and bool(self.member[index])

    def is_banned(self, member: Hashable) -> bool:
        """Whether ``member`` is banned."""
        index = self.people.get(member)
        return index >= 0 and bool(self.banned[index])

    def members(self) -> Int64Array:
        """The indices of current members."""
        return np.flatnonzero(self.member[: len(self.people)])

    def current(self, indices: Int64Array) -> list[Hashable]:
        """The ids of those of ``indices`` who are members now, in order."""
        return self.people.ids_at(indices[self.member[indices]])

    def others(self, actor: int) -> list[Hashable]:
        """Every current member but ``actor``, in order of first appearance."""
        size = len(self.people)
        mask = self.member[:size].copy()
        mask[actor] = False
        return self.people.ids_at(np.flatnonzero(mask))

    def acting(self, by: Hashable, ability: Ability, group: str) -> int:
        """The index of ``by`` if a member; ``PermissionDeniedError`` naming ``ability`` if not."""
        index = self.people.get(by)
        if index < 0 or not self.member[index]:
            raise PermissionDeniedError(
                f"{by!r} is not a member of {group!r}; lacks {ability_names(ability)}"
            )
        return index

    def check_newcomer(self, member: Hashable, group: str) -> None:
        """Someone who may be invited or ask to join: neither banned nor a member."""
        self.erased.refuse([member], "member")
        if self.is_banned(member):
            raise PermissionDeniedError(f"{member!r} is banned from {group!r}")
        if self.is_member(member):
            raise InvalidInputError(f"member: {member!r} is already a member")

    def index_seen(self, member: Hashable) -> int:
        """The index of anyone the group has seen, member or not; ``UnknownIdError`` otherwise."""
        index = self.people.get(member)
        if index < 0:
            raise UnknownIdError("member", member)
        return index

    def index_of(self, member: Hashable, field: str = "member") -> int:
        """The index of a current member; ``UnknownIdError`` otherwise."""
        index = self.people.get(member)
        if index < 0 or not self.member[index]:
            raise UnknownIdError(field, member)
        return index

    def indices_of_members(self, members: Any, field: str) -> Int64Array:
        """Indices of current members, vectorized; ``UnknownIdError`` names the first stranger."""
        if (
            isinstance(members, np.ndarray)
            and members.ndim == 1
            and np.issubdtype(members.dtype, np.integer)
        ):
            indices = self.int_indices(members)
        else:
            indices = self.people.lookup(members, field)
        known = indices >= 0
        known[known] = self.member[indices[known]]
        if not known.all():
            row = int(np.argmin(known))
            stranger = members[row]
            if isinstance(stranger, np.generic):
                stranger = stranger.item()
            raise UnknownIdError(field[:-1] if field.endswith("s") else field, stranger)
        return indices

    def int_indices(self, members: npt.NDArray[np.integer[Any]]) -> Int64Array:
        """Indices of integer ids through a direct-address table (dense int ids are common)."""
        table = self.int_table or self._int_table()
        if table is None:
            return self.people.lookup(members, "members")
        low, high, slots = table
        values = members.astype(np.int64, copy=False)
        inside = (values >= low) & (values <= high)
        result = np.full(len(values), -1, np.int64)
        result[inside] = slots[values[inside] - low]
        return result

    def _int_table(self) -> tuple[int, int, Int64Array] | None:
        """Build the table when every id is an int and they are dense enough; else None."""
        ids = self.people.ids()
        if not all(type(i) is int for i in ids) or not ids:
            return None
        keys = np.array(ids, dtype=object)
        try:
            keys = keys.astype(np.int64)
        except OverflowError:
            return None
        low, high = int(keys.min()), int(keys.max())
        if high - low > 4 * len(ids) + (1 << 16):
            return None
        slots = np.full(high - low + 1, -1, np.int64)
        slots[keys - low] = np.arange(len(ids), dtype=np.int64)
        self.int_table = (low, high, slots)
        return self.int_table

    def screen(self, items: list[Hashable], group: str) -> tuple[BoolArray, list[Hashable]]:
        """Who of ``items`` is a member already, and the fresh ones (distinct, in order).

        Raises ``PermissionDeniedError`` for a banned person; unknown ids are checked.
        """
        known = self.people.lookup(items, "members")
        for row in np.flatnonzero(known < 0).tolist():
            check_id(items[row], f"members[{row}]")
        seen = known >= 0
        banned = np.zeros(len(items), np.bool_)
        banned[seen] = self.banned[known[seen]]
        if banned.any():
            raise PermissionDeniedError(
                f"{items[int(np.argmax(banned))]!r} is banned from {group!r}"
            )
        already = np.zeros(len(items), np.bool_)
        already[seen] = self.member[known[seen]]
        self.erased.refuse(items, "members")
        fresh = list(
            dict.fromkeys(
                item for item, old in zip(items, already.tolist(), strict=True) if not old
            )
        )
        return already, fresh

    def admit(self, indices: Int64Array, micros: int) -> None:
        """``indices`` belong from ``micros`` on."""
        self.member[indices] = True
        self.joined[indices] = micros

    def expel(self, index: int) -> None:
        """``index`` no longer belongs."""
        self.member[index] = False

    def drop_requests(self, members: list[Hashable]) -> None:
        """Forget the pending requests of ``members`` (they joined)."""
        if self.requests:
            for member in members:
                self.requests.pop(member, None)

    def pending(self, member: Hashable) -> None:
        """``UnknownIdError`` unless ``member`` has a pending request."""
        if member not in self.requests:
            raise UnknownIdError("join request", member)

    def join_requests(self) -> list[JoinRequest]:
        """The pending requests as values, oldest first."""
        return [
            JoinRequest(r.member, r.answers, from_micros(r.at), r.fee_paid)
            for r in list(self.requests.values())
        ]

    def ban(self, index: int, member: Hashable) -> None:
        """``member`` (at ``index``, not a member now) is banned; their request is dropped."""
        self.banned[index] = True
        self.requests.pop(member, None)

    def unban(self, member: Hashable) -> bool:
        """Lift the ban of ``member``; False if they were not banned."""
        index = self.people.get(member)
        if index < 0 or not self.banned[index]:
            return False
        self.banned[index] = False
        return True


class ConsentLink:
    """The group's link to an optional registry: grants on join, withdrawals on leave.

    Parameters
    ----------
    registry : OptInRegistry or None
        Without one, consent given at join is the group's own record and every call is a no-op.
    purpose, channels, group
        The consent purpose, the channels granted, and the group's name for messages.
    """

    __slots__ = ("channels", "group", "purpose", "registry")

    def __init__(
        self, registry: OptInRegistry | None, purpose: str, channels: tuple[str, ...], group: str
    ) -> None:
        self.registry = registry
        self.purpose = purpose
        self.channels = channels
        self.group = group

    @classmethod
    def checked(
        cls, registry: object, purpose: object, channels: object, group: str
    ) -> ConsentLink:
        """The link checked in this order; the purpose is ``"group:<group>"`` by default."""
        linked = as_registry(registry)
        purpose = f"group:{group}" if purpose is None else check_text(purpose, "purpose")
        return cls(linked, purpose, check_channels(channels), group)

    def channel(self, channel: str | None) -> str:
        """``channel`` if it is one of the group's; the first for None."""
        channel = self.channels[0] if channel is None else channel
        if not isinstance(channel, str) or channel not in self.channels:
            raise InvalidInputError(f"channel: expected one of {self.channels}, got {channel!r}")
        return channel

    def check_suppression(self, ids: Sequence[Hashable], micros: int) -> None:
        """``ConsentRequiredError`` if one of ``ids`` is on the registry's suppression list."""
        registry = self.registry
        if registry is None or not ids:
            return
        checks = registry.check_many(ids, self.purpose, self.channels[0], at=from_micros(micros))
        suppressed = np.flatnonzero(checks.codes == Reason.SUPPRESSED)
        if suppressed.size:
            raise ConsentRequiredError(
                f"{ids[int(suppressed[0])]!r} is on the suppression list and cannot join "
                f"{self.group!r}"
            )

    def grant(self, ids: list[Hashable], micros: int, source: str) -> None:
        """Record the joins of ``ids`` as grants on every channel."""
        if self.registry is None or not ids:
            return
        # Every channel in one block: a grant refused on one records none.
        self.registry.grant_many(
            ids, self.purpose, self.channels, basis="express", source=source, at=from_micros(micros)
        )

    def withdraw(self, member: Hashable, micros: int, source: str) -> None:
        """Record that ``member`` left (or was removed or banned)."""
        if self.registry is None:
            return
        self.registry.withdraw_many(
            [member], self.purpose, self.channels, source=source, at=from_micros(micros)
        )

    def audience(self, ids: list[Hashable], channel: str, when: datetime) -> list[Hashable]:
        """Those of ``ids`` the registry allows on ``channel`` at ``when`` (all without one)."""
        if self.registry is None:
            return ids
        return list(self.registry.audience(ids, self.purpose, channel, at=when))


def digest(secret: str) -> bytes:
    """What the group keeps of an invitation's secret."""
    return hashlib.sha256(secret.encode()).digest()


class Invitations:
    """Single-use invitations, and who sent how many (for the daily cap).

    Parameters
    ----------
    cap : int
        How many invitations one inviter may send in any 24 hours.
    """

    __slots__ = ("cap", "invited", "items", "sent_by")

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.items: list[Invitation] = []
        self.sent_by: dict[Hashable, list[int]] = {}
        self.invited: dict[Hashable, list[int]] = {}

    def issue(self, by: Hashable, member: Hashable, micros: int, expires: int) -> str:
        """A new token ``"<number>.<secret>"`` for ``member``; the cap is checked first."""
        since = micros - DAY_MICROS
        sent = sum(1 for t in self.sent_by.get(by, ()) if t > since)
        if sent >= self.cap:
            raise PermissionDeniedError(f"{by!r} reached the daily cap of {self.cap} invitations")
        secret = secrets.token_urlsafe(32)
        position = self.add(Invitation(member, by, digest(secret), micros, expires))
        return f"{position}.{secret}"

    def add(self, invitation: Invitation) -> int:
        """Keep ``invitation``; returns its number."""
        position = len(self.items)
        self.items.append(invitation)
        self.sent_by.setdefault(invitation.by, []).append(invitation.created_at)
        self.invited.setdefault(invitation.member, []).append(position)
        return position

    def find(self, token: object) -> Invitation:
        """The invitation ``token`` names; ``InvalidTokenError`` for anything else.

        The digest is compared in constant time, a made-up number included.
        """
        if not isinstance(token, str):
            raise InvalidTokenError(f"token: malformed, expected a str, got {type(token).__name__}")
        number, dot, secret = token.partition(".")
        # str.isdigit also accepts digits int() refuses ("²"), and a secret must encode.
        if not (dot and secret and token.isascii() and number.isdigit() and len(number) <= 18):
            raise InvalidTokenError("token: malformed")
        position = int(number)
        candidate = self.items[position] if position < len(self.items) else None
        expected = candidate.digest if candidate is not None else bytes(32)
        matches = hmac.compare_digest(digest(secret), expected)
        if candidate is None or not matches:
            raise InvalidTokenError("token: wrong")
        return candidate

    def usable(self, token: object, micros: int) -> Invitation:
        """The invitation ``token`` names, if unused and unexpired at ``micros``."""
        invitation = self.find(token)
        if invitation.used:
            raise InvalidTokenError("token: already used (or voided by a ban)")
        if micros >= invitation.expires_at:
            raise InvalidTokenError("token: expired")
        return invitation

    def void(self, member: Hashable) -> None:
        """Void every invitation to ``member`` (they were banned)."""
        for position in self.invited.get(member, ()):
            self.items[position].used = True
