"""The registry's value types: statuses, actions, reasons, preferences, events, answers."""

from __future__ import annotations

import enum
from collections.abc import Hashable, Iterator, Mapping
from datetime import datetime, time, timedelta
from itertools import compress
from typing import Any, ClassVar, Final

import attrs
import numpy as np
import numpy.typing as npt

from .._display import short
from .._frames import columns_html, frame, labelled
from .._time import MAX_MICROS, MIN_MICROS, NEVER, ensure_aware, ensure_timedelta
from .._types import BoolArray, Int8Array, Int64Array
from ..errors import InvalidInputError
from ._timing import check_daily_range, check_zone_name, in_daily_range, local_time

__all__ = [
    "ConsentAction",
    "ConsentChecks",
    "ConsentEvent",
    "ConsentStatus",
    "KeywordResult",
    "Preferences",
    "Reason",
]


class ConsentStatus(enum.Enum):
    """The consent state of one (contact, purpose, channel) key.

    Examples
    --------
    >>> from community_marketing import ConsentStatus
    >>> ConsentStatus.GRANTED.value
    'granted'
    >>> print(ConsentStatus.GRANTED), f"{ConsentStatus.PENDING:>9}"
    granted
    (None, '  pending')
    """

    def __str__(self) -> str:
        """The value: ``granted``."""
        return str(self.value)

    def __format__(self, spec: str) -> str:
        """The value, formatted as a str."""
        return format(str(self), spec)

    NONE = "none"
    PENDING = "pending"
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    SUPPRESSED = "suppressed"


class ConsentAction(enum.Enum):
    """What a ``ConsentEvent`` records.

    Examples
    --------
    >>> from community_marketing import ConsentAction
    >>> ConsentAction("withdraw") is ConsentAction.WITHDRAW
    True
    >>> str(ConsentAction.WITHDRAW)
    'withdraw'
    """

    def __str__(self) -> str:
        """The value: ``withdraw``."""
        return str(self.value)

    def __format__(self, spec: str) -> str:
        """The value, formatted as a str."""
        return format(str(self), spec)

    GRANT = "grant"
    REQUEST = "request"
    CONFIRM = "confirm"
    WITHDRAW = "withdraw"
    SUPPRESS = "suppress"
    UNSUPPRESS = "unsuppress"
    ERASE = "erase"
    SENT = "sent"
    PREFERENCES = "preferences"


class Reason(enum.IntEnum):
    """Why a contact may or may not be contacted right now; ``ALLOWED`` is the only yes.

    ``PAUSED``, ``QUIET_HOURS``, ``FREQUENCY_CAP`` and ``OUTSIDE_SEND_WINDOW`` (the
    registry's ``send_window``) are refusals on time grounds, which
    ``OptInRegistry.next_allowed_at`` sees lift. The codes are persisted: new
    members come last.

    Examples
    --------
    >>> from community_marketing import Reason
    >>> [reason.name for reason in Reason][:3]
    ['ALLOWED', 'NO_CONSENT', 'PENDING']
    >>> print(Reason.QUIET_HOURS), int(Reason.QUIET_HOURS), f"{Reason.ALLOWED:d}"
    quiet_hours
    (None, 7, '0')
    """

    ALLOWED = 0
    NO_CONSENT = 1
    PENDING = 2
    WITHDRAWN = 3
    EXPIRED = 4
    SUPPRESSED = 5
    PAUSED = 6
    QUIET_HOURS = 7
    FREQUENCY_CAP = 8
    OUTSIDE_SEND_WINDOW = 9

    def __str__(self) -> str:
        """The lowercase name, as ``CampaignPlan.excluded`` keys it: ``quiet_hours``."""
        return self.name.lower()

    def __format__(self, spec: str) -> str:
        """The lowercase name; an integer format (``d``, ``x``...) gives the code."""
        if spec and spec[-1] in "bcdoxXn":
            return format(int(self), spec)
        return format(str(self), spec)


TIME_REASONS: Final = frozenset(
    {Reason.PAUSED, Reason.QUIET_HOURS, Reason.FREQUENCY_CAP, Reason.OUTSIDE_SEND_WINDOW}
)
"""Refusals on time grounds: each lifts at a moment ``next_allowed_at`` can tell."""


_REASONS: Final = tuple(Reason)


def _check_quiet_hours(value: object) -> tuple[time, time] | None:
    return check_daily_range(value, "quiet_hours", "the contact's own time zone")


MAX_SPAN: Final = timedelta(microseconds=MAX_MICROS - MIN_MICROS)
"""The longest duration there is room for between two representable moments."""


def check_duration(value: object, field: str) -> timedelta:
    """A positive timedelta no longer than the representable range (``timedelta.max`` is not)."""
    duration = ensure_timedelta(value, field)
    if duration > MAX_SPAN:
        raise InvalidInputError(
            f"{field}: expected a duration of at most {MAX_SPAN.days} days, got {duration}"
        )
    return duration


def check_cap(value: object, field: str = "max_per_period") -> tuple[int, timedelta] | None:
    if value is None:
        return None
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or not isinstance(value[0], int)
        or isinstance(value[0], bool)
        or not 1 <= value[0] <= NEVER
    ):
        raise InvalidInputError(
            f"{field}: expected (count >= 1, timedelta), e.g. (3, timedelta(days=7)), "
            f"with count <= {NEVER}, got {value!r}"
        )
    check_duration(value[1], f"{field}[1]")
    return value


def _check_timezone(value: object) -> str | None:
    return None if value is None else check_zone_name(value, "timezone")


@attrs.frozen
class Preferences:
    """When and how often a contact accepts to hear from the brand.

    Parameters
    ----------
    timezone : str or None
        IANA zone of the contact, for quiet hours and the registry's send window; the
        registry's ``default_timezone`` (UTC unless told) when None.
    quiet_hours : (datetime.time, datetime.time) or None
        Local start and end of the quiet period; may wrap midnight (22:00 to 08:00).
    max_per_period : (int, timedelta) or None
        At most that many non-exempt sends within any trailing period.
    paused_until : datetime or None
        No contact before this moment.

    Examples
    --------
    >>> from datetime import time
    >>> from community_marketing import Preferences
    >>> Preferences(timezone="Europe/Paris", quiet_hours=(time(22), time(8))).timezone
    'Europe/Paris'
    """

    timezone: str | None = attrs.field(default=None, converter=_check_timezone)
    quiet_hours: tuple[time, time] | None = attrs.field(default=None, converter=_check_quiet_hours)
    max_per_period: tuple[int, timedelta] | None = attrs.field(default=None, converter=check_cap)
    paused_until: datetime | None = attrs.field(default=None)

    @paused_until.validator
    def _check_paused(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            ensure_aware(value, "paused_until")

    def in_quiet_hours(self, at: datetime) -> bool:
        """Whether ``at`` falls in the contact's quiet hours, in their own time zone.

        Examples
        --------
        >>> from datetime import UTC, datetime, time
        >>> from community_marketing import Preferences
        >>> prefs = Preferences(timezone="Asia/Tokyo", quiet_hours=(time(22), time(8)))
        >>> prefs.in_quiet_hours(datetime(2026, 1, 1, 14, 0, tzinfo=UTC))  # 23:00 in Tokyo
        True
        """
        return self.quiet_at(at, "UTC")

    def quiet_at(self, at: datetime, default_timezone: str) -> bool:
        """``in_quiet_hours``, with ``default_timezone`` for a contact who set no zone."""
        if self.quiet_hours is None:
            return False
        return in_daily_range(local_time(at, self.timezone or default_timezone), self.quiet_hours)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return {
            "timezone": self.timezone,
            "quiet_hours": None
            if self.quiet_hours is None
            else [part.isoformat() for part in self.quiet_hours],
            "max_per_period": None
            if self.max_per_period is None
            else [self.max_per_period[0], self.max_per_period[1].total_seconds()],
            "paused_until": None if self.paused_until is None else self.paused_until.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: object) -> Preferences:
        """Inverse of ``to_dict``; ``InvalidInputError`` on anything else."""
        if not isinstance(data, Mapping) or set(data) != {
            "timezone",
            "quiet_hours",
            "max_per_period",
            "paused_until",
        }:
            raise InvalidInputError(f"preferences: expected a preferences dict, got {data!r}")
        try:
            quiet = data["quiet_hours"]
            cap = data["max_per_period"]
            paused = data["paused_until"]
            return cls(
                timezone=data["timezone"],
                quiet_hours=None if quiet is None else tuple(time.fromisoformat(q) for q in quiet),
                max_per_period=None if cap is None else (cap[0], timedelta(seconds=cap[1])),
                paused_until=None if paused is None else datetime.fromisoformat(paused),
            )
        except (TypeError, ValueError, IndexError, KeyError, OverflowError) as exc:
            if isinstance(exc, InvalidInputError):
                raise
            raise InvalidInputError(f"preferences: {exc}") from None


@attrs.frozen
class ConsentEvent:
    """One row of the consent log: what happened, to whom, when, how, on what basis.

    ``contact`` is None only for an ``ERASE`` event, which keeps a keyed hash of
    the erased contact in ``proof``, the id of the key in ``key_id``, and nothing
    else about them. ``at`` is the moment the event speaks of; ``recorded_at`` is
    when the registry wrote it, given only when that differs from ``at`` (an event
    written later is :attr:`back_dated`): audits ask what the registry knew then
    through ``known_at=``.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from community_marketing import OptInRegistry
    >>> registry = OptInRegistry()
    >>> event = registry.grant("ann", "newsletter", "email", source="signup_form",
    ...                        at=datetime(2026, 1, 5, tzinfo=UTC))
    >>> event.action, event.basis, event.at.isoformat()
    (<ConsentAction.GRANT: 'grant'>, 'express', '2026-01-05T00:00:00+00:00')
    >>> ConsentEvent.from_dict(event.to_dict()) == event
    True
    """

    seq: int
    contact: Hashable
    purpose: str | None
    channel: str | None
    action: ConsentAction
    at: datetime
    source: str
    basis: str | None = None
    notice_version: str | None = None
    proof: str | None = None
    expires_at: datetime | None = None
    jurisdiction: str | None = None
    reason: str | None = None
    preferences: Preferences | None = None
    key_id: str | None = None
    recorded_at: datetime | None = None

    @property
    def back_dated(self) -> bool:
        """Whether the registry recorded the event after the moment it speaks of.

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry(clock=lambda: datetime(2026, 3, 1, tzinfo=UTC))
        >>> registry.withdraw("ann", source="letter", at=datetime(2026, 2, 1, tzinfo=UTC))[0].back_dated
        True
        """  # noqa: E501
        return self.recorded_at is not None and self.recorded_at > self.at

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (the contact is stored as given: keep ids JSON-friendly)."""
        return {
            "seq": self.seq,
            "contact": self.contact,
            "purpose": self.purpose,
            "channel": self.channel,
            "action": self.action.value,
            "at": self.at.isoformat(),
            "source": self.source,
            "basis": self.basis,
            "notice_version": self.notice_version,
            "proof": self.proof,
            "expires_at": None if self.expires_at is None else self.expires_at.isoformat(),
            "jurisdiction": self.jurisdiction,
            "reason": self.reason,
            "preferences": None if self.preferences is None else self.preferences.to_dict(),
            "key_id": self.key_id,
            "recorded_at": None if self.recorded_at is None else self.recorded_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConsentEvent:
        """Inverse of ``to_dict``; ``InvalidInputError`` names the bad field."""
        if not isinstance(data, Mapping):
            raise InvalidInputError(f"event: expected a dict, got {type(data).__name__}")
        try:
            expires = data.get("expires_at")
            prefs = data.get("preferences")
            recorded = data.get("recorded_at")
            return cls(
                seq=data["seq"],
                contact=data["contact"],
                purpose=data.get("purpose"),
                channel=data.get("channel"),
                action=ConsentAction(data["action"]),
                at=datetime.fromisoformat(data["at"]),
                source=data["source"],
                basis=data.get("basis"),
                notice_version=data.get("notice_version"),
                proof=data.get("proof"),
                expires_at=None if expires is None else datetime.fromisoformat(expires),
                jurisdiction=data.get("jurisdiction"),
                reason=data.get("reason"),
                preferences=None if prefs is None else Preferences.from_dict(prefs),
                key_id=data.get("key_id"),
                recorded_at=None if recorded is None else datetime.fromisoformat(recorded),
            )
        except KeyError as exc:
            raise InvalidInputError(f"event: missing field {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            if isinstance(exc, InvalidInputError):
                raise
            raise InvalidInputError(f"event: {exc}") from None


@attrs.frozen(eq=False)
class ConsentChecks:
    """The answer of ``check_many``: one ``Reason`` per contact, in the order asked.

    Attributes
    ----------
    contacts : list
        The contacts, as given.
    codes : numpy.ndarray of int8
        ``Reason`` values, vectorized.
    NEVER : int
        The sentinel of ``next_allowed_at()`` for a refusal that time alone does not lift.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from community_marketing import OptInRegistry, Reason
    >>> registry = OptInRegistry()
    >>> _ = registry.grant("ann", "news", "email", source="form",
    ...                    at=datetime(2026, 1, 1, tzinfo=UTC))
    >>> checks = registry.check_many(["ann", "bob"], "news", "email",
    ...                              at=datetime(2026, 2, 1, tzinfo=UTC))
    >>> list(checks)
    [<Reason.ALLOWED: 0>, <Reason.NO_CONSENT: 1>]
    >>> checks.allowed_contacts(), checks.counts()[Reason.NO_CONSENT]
    (['ann'], 1)
    """

    NEVER: ClassVar[int] = NEVER

    contacts: list[Hashable]
    codes: Int8Array
    _at: Int64Array | None = attrs.field(default=None, kw_only=True)
    _waits: tuple[Int64Array, Int64Array] | None = attrs.field(default=None, kw_only=True)

    def __len__(self) -> int:
        return len(self.contacts)

    def __iter__(self) -> Iterator[Reason]:
        return map(_REASONS.__getitem__, self.codes.tolist())

    def __getitem__(self, position: int) -> Reason:
        return _REASONS[int(self.codes[position])]

    def __repr__(self) -> str:
        counts = ", ".join(f"{r.name}={c}" for r, c in self.counts().items() if c)
        return f"ConsentChecks(n={len(self)}, {counts})"

    @property
    def allowed(self) -> BoolArray:
        """Boolean mask: True where the contact may be contacted."""
        return np.equal(self.codes, int(Reason.ALLOWED))

    def allowed_contacts(self) -> list[Hashable]:
        """The contacts that may be contacted, in the order asked."""
        return list(compress(self.contacts, self.allowed.tolist()))

    def counts(self) -> dict[Reason, int]:
        """How many contacts got each reason, keyed by ``Reason``; see :meth:`counts_by_name`."""
        tally = np.bincount(self.codes, minlength=len(_REASONS))
        return {reason: int(tally[reason]) for reason in _REASONS}

    def counts_by_name(self) -> dict[str, int]:
        """How many contacts got each reason, keyed by lowercase name as ``CampaignPlan.excluded``.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("ann", "news", "email", source="form")
        >>> counts = registry.check_many(["ann", "bob"], "news", "email").counts_by_name()
        >>> counts["allowed"], counts["no_consent"]
        (1, 1)
        """
        return {str(reason): count for reason, count in self.counts().items()}

    def next_allowed_at(self) -> Int64Array:
        """When each contact may be contacted, as UTC microseconds since the epoch (int64).

        The moment asked for an allowed contact; for a refusal on time grounds
        (``PAUSED``, ``QUIET_HOURS``, ``OUTSIDE_SEND_WINDOW``, ``FREQUENCY_CAP``) the
        first later moment at which every one of them lifts, as
        ``OptInRegistry.next_allowed_at`` tells; ``ConsentChecks.NEVER`` (the int64
        maximum) for any other refusal, or when no representable moment frees the contact.

        Examples
        --------
        >>> from datetime import UTC, datetime, time
        >>> from community_marketing import ConsentChecks, OptInRegistry
        >>> registry = OptInRegistry(send_window=(time(8), time(21)))
        >>> _ = registry.grant("ann", "news", "sms", source="form",
        ...                    at=datetime(2026, 1, 1, tzinfo=UTC))
        >>> checks = registry.check_many(["ann", "bob"], "news", "sms",
        ...                              at=datetime(2026, 1, 2, 22, tzinfo=UTC))
        >>> moments = checks.next_allowed_at()
        >>> moments.astype("datetime64[us]")[0], moments[1] == ConsentChecks.NEVER
        (np.datetime64('2026-01-03T08:00:00.000000'), np.True_)
        """
        out = np.full(len(self.codes), NEVER, np.int64)
        if self._at is not None:
            allowed = self.allowed
            out[allowed] = np.broadcast_to(self._at, out.shape)[allowed]
        if self._waits is not None:
            positions, until = self._waits
            out[positions] = until
        return out

    def _repr_html_(self) -> str:
        return columns_html(f"Consent checks of {len(self.contacts)} contacts", self._shown())

    def _shown(self) -> dict[str, npt.NDArray[Any]]:
        """``to_columns`` with ``next_allowed_at`` as moments, NaT where time frees no one."""
        columns = self.to_columns()
        moments = columns["next_allowed_at"]
        columns["next_allowed_at"] = np.where(
            moments == self.NEVER, np.datetime64("NaT", "us"), moments.astype("datetime64[us]")
        )
        return columns

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """The answer as named 1-d numpy columns, ready for Arrow, pandas or Spark.

        ``contact`` object (as asked), ``reason`` str (the ``Reason`` name in lower
        case), ``allowed`` bool, ``next_allowed_at`` int64 UTC microseconds (see
        :meth:`next_allowed_at`; ``ConsentChecks.NEVER`` when time alone frees no one).

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("bob", "news", "email", source="form")
        >>> columns = registry.check_many(["ann", "bob"], "news", "email").to_columns()
        >>> columns["reason"].tolist(), columns["allowed"].tolist()
        (['no_consent', 'allowed'], [False, True])
        """
        names = np.array([reason.name.lower() for reason in _REASONS])
        return {
            "contact": np.fromiter(self.contacts, object, len(self.contacts)),
            "reason": names[self.codes.astype(np.intp)],
            "allowed": self.allowed,
            "next_allowed_at": self.next_allowed_at(),
        }

    def to_frame(self, labels: Mapping[Hashable, object] | None = None) -> Any:
        """``to_columns`` as a pandas DataFrame (needs pandas); ``labels`` names the contacts.

        ``next_allowed_at`` comes out as aware UTC times, ``NaT`` where time alone frees no
        one (``to_columns`` keeps int64 microseconds for Arrow and Spark).

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> at = datetime(2026, 3, 1, tzinfo=UTC)
        >>> _ = registry.grant("bob", "news", "email", source="form", at=at)
        >>> table = registry.check_many(["ann", "bob"], "news", "email", at=at).to_frame(
        ...     labels={"ann": "Ann Lee"})
        >>> table.columns.tolist()
        ['contact', 'contact_name', 'reason', 'allowed', 'next_allowed_at']
        >>> table["next_allowed_at"].isna().tolist(), str(table["next_allowed_at"][1])
        ([True, False], '2026-03-01 00:00:00+00:00')
        """
        return frame(labelled(self._shown(), labels))


@attrs.frozen
class KeywordResult:
    """What ``apply_keyword`` understood and recorded.

    Examples
    --------
    >>> from community_marketing import OptInRegistry
    >>> OptInRegistry().apply_keyword("+15550100", "sms", " help ").kind
    'help'
    """

    kind: str
    keyword: str
    events: tuple[ConsentEvent, ...] = attrs.field(repr=short)
