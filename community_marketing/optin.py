"""OptInRegistry: the consent ledger.

*May we contact this person, for this purpose, over this channel, now? Can we
prove it?* The registry answers from an append-only event log. Each event is a
row in numpy columns (``seq``, contact, purpose/channel pair, action, time,
expiry, metadata); ``ConsentEvent`` objects are built only when asked for. Each
(contact, purpose, channel) key keeps a pointer to its latest event and every
event a pointer to the previous one of its chain, so the current state is one
gather and a past state ("was she opted in when we sent it?") a short walk back.

Chains:

- a key chain per (contact, purpose, channel): grant, request, confirm, withdraw;
- per contact: suppressions, sends (for frequency caps) and preferences.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from itertools import compress
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
import numpy as np
import numpy.typing as npt

from ._ids import IdIndex, as_id_list, check_id
from ._time import (
    NEVER,
    Clock,
    ensure_aware,
    ensure_timedelta,
    from_micros,
    micros_array,
    resolve_at,
    to_micros,
    utc_now,
)
from .errors import InvalidInputError, InvalidTokenError

__all__ = [
    "ConsentAction",
    "ConsentChecks",
    "ConsentEvent",
    "ConsentStatus",
    "KeywordResult",
    "OptInRegistry",
    "Preferences",
    "Reason",
]

SCHEMA: Final = 1

Int32Array = npt.NDArray[np.int32]
Int64Array = npt.NDArray[np.int64]


class ConsentStatus(enum.Enum):
    """The consent state of one (contact, purpose, channel) key.

    Examples
    --------
    >>> from community_marketing import ConsentStatus
    >>> ConsentStatus.GRANTED.value
    'granted'
    """

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
    """

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

    Examples
    --------
    >>> from community_marketing import Reason
    >>> [reason.name for reason in Reason][:3]
    ['ALLOWED', 'NO_CONSENT', 'PENDING']
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


_ACTIONS: Final = tuple(ConsentAction)
_A = {action: np.int8(code) for code, action in enumerate(_ACTIONS)}
_GRANT, _REQUEST, _CONFIRM, _WITHDRAW = (
    _A[ConsentAction.GRANT],
    _A[ConsentAction.REQUEST],
    _A[ConsentAction.CONFIRM],
    _A[ConsentAction.WITHDRAW],
)
_SUPPRESS, _UNSUPPRESS, _ERASE, _SENT, _PREFERENCES = (
    _A[ConsentAction.SUPPRESS],
    _A[ConsentAction.UNSUPPRESS],
    _A[ConsentAction.ERASE],
    _A[ConsentAction.SENT],
    _A[ConsentAction.PREFERENCES],
)
_TOMBSTONE: Final = np.int8(len(_ACTIONS))
"""The action code of an erased row: it keeps its place in the chains, nothing personal."""

_SUPPRESS_I, _REQUEST_I, _WITHDRAW_I = int(_SUPPRESS), int(_REQUEST), int(_WITHDRAW)


def _action_table(*codes: np.int8) -> npt.NDArray[np.bool_]:
    """A lookup table over action codes: ``table[actions]`` beats ``np.isin`` on big blocks."""
    table = np.zeros(len(_ACTIONS) + 1, bool)
    table[list(codes)] = True
    return table


_IS_KEY = _action_table(_GRANT, _REQUEST, _CONFIRM, _WITHDRAW)
_IS_GRANT = _action_table(_GRANT, _CONFIRM)
_IS_MARK = _action_table(_SUPPRESS, _UNSUPPRESS)

_S_NONE, _S_PENDING, _S_GRANTED, _S_WITHDRAWN, _S_EXPIRED, _S_SUPPRESSED = range(6)
_STATUSES: Final = (
    ConsentStatus.NONE,
    ConsentStatus.PENDING,
    ConsentStatus.GRANTED,
    ConsentStatus.WITHDRAWN,
    ConsentStatus.EXPIRED,
    ConsentStatus.SUPPRESSED,
)
_STATUS_TO_REASON: Final = np.array(
    [
        Reason.NO_CONSENT,
        Reason.PENDING,
        Reason.ALLOWED,
        Reason.WITHDRAWN,
        Reason.EXPIRED,
        Reason.SUPPRESSED,
    ],
    dtype=np.int8,
)
_REASONS: Final = tuple(Reason)

_TOKEN_RE: Final = re.compile(r"\A(\d{1,19})\.([A-Za-z0-9_-]{43})\Z")

DEFAULT_STOP: Final = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
DEFAULT_START: Final = frozenset({"START", "UNSTOP", "YES"})
DEFAULT_HELP: Final = frozenset({"HELP", "INFO"})


def _nonempty_str(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{field}: expected a non-empty str, got {value!r}")
    return value


def _channels(value: object) -> tuple[str, ...]:
    """One channel, or a non-empty sequence of distinct channels."""
    if isinstance(value, str):
        return (_nonempty_str(value, "channel"),)
    if not isinstance(value, Sequence) or not value:
        raise InvalidInputError(
            f"channel: expected a str or a non-empty sequence of str, got {value!r}"
        )
    names = tuple(_nonempty_str(name, f"channel[{i}]") for i, name in enumerate(value))
    if len(set(names)) != len(names):
        raise InvalidInputError(f"channel: expected distinct channels, got {list(names)!r}")
    return names


def _optional_str(value: object, field: str) -> str | None:
    return None if value is None else _nonempty_str(value, field)


def _check_quiet_hours(value: object) -> tuple[time, time] | None:
    if value is None:
        return None
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or not all(isinstance(part, time) and part.tzinfo is None for part in value)
    ):
        raise InvalidInputError(
            "quiet_hours: expected a (start, end) tuple of naive datetime.time in the "
            f"contact's own time zone, got {value!r}"
        )
    if value[0] == value[1]:
        raise InvalidInputError(f"quiet_hours: start and end are equal ({value[0]})")
    return value


def _check_cap(value: object, field: str = "max_per_period") -> tuple[int, timedelta] | None:
    if value is None:
        return None
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or not isinstance(value[0], int)
        or isinstance(value[0], bool)
        or value[0] < 1
    ):
        raise InvalidInputError(
            f"{field}: expected (count >= 1, timedelta), e.g. (3, timedelta(days=7)), got {value!r}"
        )
    ensure_timedelta(value[1], f"{field}[1]")
    return value


def _check_timezone(value: object) -> str | None:
    if value is None:
        return None
    name = _nonempty_str(value, "timezone")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(
            f"timezone: expected an IANA zone name such as 'Europe/Paris', got {name!r}"
        ) from None
    return name


@attrs.frozen
class Preferences:
    """When and how often a contact accepts to hear from the brand.

    Parameters
    ----------
    timezone : str or None
        IANA zone of the contact, for quiet hours; UTC when None.
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
    max_per_period: tuple[int, timedelta] | None = attrs.field(default=None, converter=_check_cap)
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
        if self.quiet_hours is None:
            return False
        zone = ZoneInfo(self.timezone) if self.timezone else None
        local = (at.astimezone(zone) if zone else at).time().replace(tzinfo=None)
        start, end = self.quiet_hours
        if start < end:
            return start <= local < end
        return local >= start or local < end

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
    the erased contact in ``proof`` and nothing else about them.

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
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConsentEvent:
        """Inverse of ``to_dict``; ``InvalidInputError`` names the bad field."""
        if not isinstance(data, Mapping):
            raise InvalidInputError(f"event: expected a dict, got {type(data).__name__}")
        try:
            expires = data.get("expires_at")
            prefs = data.get("preferences")
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

    contacts: list[Hashable]
    codes: npt.NDArray[np.int8]

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
    def allowed(self) -> npt.NDArray[np.bool_]:
        """Boolean mask: True where the contact may be contacted."""
        return np.equal(self.codes, int(Reason.ALLOWED))

    def allowed_contacts(self) -> list[Hashable]:
        """The contacts that may be contacted, in the order asked."""
        return list(compress(self.contacts, self.allowed.tolist()))

    def counts(self) -> dict[Reason, int]:
        """How many contacts got each reason."""
        tally = np.bincount(self.codes, minlength=len(_REASONS))
        return {reason: int(tally[reason]) for reason in _REASONS}


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
    events: tuple[ConsentEvent, ...]


class _Log:
    """Growable numpy columns, one row per event.

    ``seq`` and ``expires`` are materialized only once a row needs them: a live
    registry numbers rows in order (seq == row) and most grants never lapse, and
    at millions of events those two columns would be a third of the memory.
    """

    __slots__ = ("_expires", "_seq", "action", "contact", "meta", "n", "pair", "prev", "ts")

    _EAGER = ("contact", "pair", "action", "ts", "prev", "meta")

    def __init__(self) -> None:
        self.n = 0
        self.contact: Int32Array = np.empty(0, np.int32)
        self.pair: npt.NDArray[np.int16] = np.empty(0, np.int16)
        self.action: npt.NDArray[np.int8] = np.empty(0, np.int8)
        self.ts: Int64Array = np.empty(0, np.int64)
        self.prev: Int32Array = np.empty(0, np.int32)
        self.meta: Int32Array = np.empty(0, np.int32)
        self._seq: Int64Array | None = None
        self._expires: Int64Array | None = None

    def _names(self) -> list[str]:
        lazy = [name for name in ("_seq", "_expires") if getattr(self, name) is not None]
        return [*self._EAGER, *lazy]

    def reserve(self, extra: int) -> None:
        needed = self.n + extra
        capacity = len(self.ts)
        if needed <= capacity:
            return
        # Grow by an eighth at least: bulk loads land at their exact size, trickles amortize,
        # and the copy's peak stays small next to the log itself.
        capacity = max(needed, capacity + capacity // 8, 16)
        for name in self._names():
            old = getattr(self, name)
            new = np.empty(capacity, old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def _materialize(self, name: str, fill: Int64Array) -> Int64Array:
        column = np.empty(len(self.ts), np.int64)
        column[: self.n] = fill
        setattr(self, name, column)
        return column

    def write_seq(self, start: int, values: Int64Array) -> None:
        """Seqs of rows ``start:start+len(values)``."""
        if self._seq is None and _is_range(values, start):
            return
        column = self._seq
        if column is None:
            column = self._materialize("_seq", np.arange(start, dtype=np.int64))
        column[start : start + len(values)] = values

    def write_seq_range(self, start: int, end: int, first: int) -> None:
        if self._seq is None and first == start:
            return
        column = self._seq
        if column is None:
            column = self._materialize("_seq", np.arange(start, dtype=np.int64))
        column[start:end] = np.arange(first, first + end - start)

    def write_expires(self, start: int, end: int, values: int | Int64Array) -> None:
        column = self._expires
        if column is None:
            if np.all(np.asarray(values) == NEVER):
                return
            column = self._materialize("_expires", np.full(start, NEVER, np.int64))
        column[start:end] = values

    def seq(self, rows: Int64Array | Int32Array | slice) -> Int64Array:
        if self._seq is not None:
            return self._seq[rows]
        if isinstance(rows, slice):
            return np.arange(*rows.indices(self.n), dtype=np.int64)
        return np.asarray(rows, np.int64)

    def expires(self, rows: Int64Array | Int32Array) -> Int64Array:
        if self._expires is None:
            return np.full(len(rows), NEVER, np.int64)
        return self._expires[rows]

    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in self._names())


def _is_range(values: Int64Array, start: int) -> bool:
    return bool(len(values) == 0 or (values == np.arange(start, start + len(values))).all())


def _grown(array: Int32Array, size: int) -> Int32Array:
    if len(array) >= size:
        return array
    new = np.full(max(size, len(array) + len(array) // 4), -1, np.int32)
    new[: len(array)] = array
    return new


Moments = int | Int64Array
"""Microseconds since the epoch: one moment for all rows, or one per row."""


def _broadcast(at: Moments, n: int) -> Int64Array:
    return np.broadcast_to(np.asarray(at, np.int64), (n,))


def _gather(heads: Int32Array, cidx: Int64Array) -> Int32Array:
    """``heads[cidx]`` with -1 for unknown contacts (-1) and contacts newer than the heads."""
    inside = (cidx >= 0) & (cidx < len(heads))
    out = np.full(len(cidx), -1, np.int32)
    out[inside] = heads[cidx[inside]]
    return out


class OptInRegistry:
    """The consent ledger: who agreed to hear from the brand, for what, on which channel.

    Keyed by (contact, purpose, channel). Contacts are any hashable; purposes
    ("newsletter", "group:apple-students") and channels ("email", "sms", "push")
    are strings the application chooses. Default deny: only an explicit grant
    (or a confirmed double opt-in) allows contact, a suppression overrides every
    grant, and a contact the registry never heard of is simply not allowed.

    Parameters
    ----------
    clock : callable, optional
        Returns the current aware datetime; UTC now by default.
    token_ttl : timedelta, default 2 days
        How long a double opt-in token can be confirmed.
    expiry : mapping, optional
        ``{purpose: {basis: lifetime}}``; purpose ``"*"`` applies to every purpose.
        A grant without ``expires_at`` lapses ``lifetime`` after it was recorded
        (e.g. ``{"*": {"implied_business": timedelta(days=730)}}`` for CASL). Express
        consent does not lapse unless told.
    exempt_purposes : iterable of str
        Transactional purposes: allowed without consent and regardless of
        preferences, but never for a suppressed contact.
    default_max_per_period : (int, timedelta), optional
        Frequency cap for contacts who did not set their own.
    stop_keywords, start_keywords, help_keywords : iterable of str
        SMS keywords for ``apply_keyword`` (compared upper-cased).
    erasure_key : bytes, optional
        Key of the keyed hash kept for erased contacts; random by default (kept in
        ``to_state``).

    Notes
    -----
    Thread-safe: one lock per instance, held while mutating; reads take no lock.

    Examples
    --------
    >>> from datetime import UTC, datetime, timedelta
    >>> from community_marketing import OptInRegistry, ConsentStatus
    >>> t0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
    >>> registry = OptInRegistry(clock=lambda: t0 + timedelta(days=30))
    >>> _ = registry.grant("ann@example.com", "newsletter", "email",
    ...                    source="signup_form", notice_version="v3", at=t0)
    >>> registry.may_contact("ann@example.com", "newsletter", "email")
    True
    >>> _ = registry.withdraw("ann@example.com", source="unsubscribe_link",
    ...                       at=t0 + timedelta(days=10))
    >>> registry.status("ann@example.com", "newsletter", "email")
    <ConsentStatus.WITHDRAWN: 'withdrawn'>
    >>> registry.status("ann@example.com", "newsletter", "email", at=t0 + timedelta(days=1))
    <ConsentStatus.GRANTED: 'granted'>
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        token_ttl: timedelta = timedelta(days=2),
        expiry: Mapping[str, Mapping[str, timedelta]] | None = None,
        exempt_purposes: Iterable[str] = (),
        default_max_per_period: tuple[int, timedelta] | None = None,
        stop_keywords: Iterable[str] = DEFAULT_STOP,
        start_keywords: Iterable[str] = DEFAULT_START,
        help_keywords: Iterable[str] = DEFAULT_HELP,
        erasure_key: bytes | None = None,
    ) -> None:
        if clock is not None and not callable(clock):
            raise InvalidInputError(f"clock: expected a callable, got {type(clock).__name__}")
        self._clock: Clock = clock or utc_now
        self._token_ttl_us = ensure_timedelta(token_ttl, "token_ttl") // timedelta(microseconds=1)
        self._expiry = self._check_expiry(expiry)
        if isinstance(exempt_purposes, str):
            raise InvalidInputError("exempt_purposes: expected an iterable of str, got one str")
        self._exempt = frozenset(_nonempty_str(p, "exempt_purposes[]") for p in exempt_purposes)
        self._default_cap = _check_cap(default_max_per_period, "default_max_per_period")
        self._stop = self._keywords(stop_keywords, "stop_keywords")
        self._start = self._keywords(start_keywords, "start_keywords")
        self._help = self._keywords(help_keywords, "help_keywords")
        if erasure_key is not None and (
            not isinstance(erasure_key, bytes) or len(erasure_key) < 16
        ):
            raise InvalidInputError("erasure_key: expected at least 16 bytes")
        self._erasure_key = erasure_key if erasure_key is not None else secrets.token_bytes(32)

        self._lock = threading.RLock()
        self._contacts = IdIndex(kind="contact")
        self._log = _Log()
        self._next_seq = 0
        self._pairs: list[tuple[str | None, str | None]] = []
        self._pair_index: dict[tuple[str | None, str | None], int] = {}
        self._key_heads: dict[int, Int32Array] = {}
        self._supp_heads: Int32Array = np.empty(0, np.int32)
        self._sent_heads: Int32Array = np.empty(0, np.int32)
        self._pref_heads: Int32Array = np.empty(0, np.int32)
        self._metas: list[tuple[str, str | None, str | None, str | None]] = []
        self._meta_index: dict[tuple[str, str | None, str | None, str | None], int] = {}
        self._extras: dict[int, dict[str, Any]] = {}
        self._tokens: dict[int, tuple[bytes, int, int]] = {}
        self._erased: dict[str, int] = {}
        self._erased_at: dict[int, int] = {}
        self._regrant_at: dict[int, int] = {}

    # ------------------------------------------------------------------ config helpers

    @staticmethod
    def _check_expiry(
        expiry: Mapping[str, Mapping[str, timedelta]] | None,
    ) -> dict[str, dict[str, int]]:
        if expiry is None:
            return {}
        if not isinstance(expiry, Mapping):
            raise InvalidInputError("expiry: expected {purpose: {basis: timedelta}}")
        out: dict[str, dict[str, int]] = {}
        for purpose, rules in expiry.items():
            _nonempty_str(purpose, "expiry key")
            if not isinstance(rules, Mapping):
                raise InvalidInputError(f"expiry[{purpose!r}]: expected {{basis: timedelta}}")
            out[purpose] = {
                _nonempty_str(basis, f"expiry[{purpose!r}] key"): ensure_timedelta(
                    life, f"expiry[{purpose!r}][{basis!r}]"
                )
                // timedelta(microseconds=1)
                for basis, life in rules.items()
            }
        return out

    @staticmethod
    def _keywords(words: Iterable[str], field: str) -> frozenset[str]:
        if isinstance(words, str):
            raise InvalidInputError(f"{field}: expected an iterable of str, got one str")
        return frozenset(_nonempty_str(w, f"{field}[]").strip().upper() for w in words)

    def _config(self) -> dict[str, Any]:
        return {
            "token_ttl_s": self._token_ttl_us / 1e6,
            "expiry": {
                p: {b: life / 1e6 for b, life in rules.items()} for p, rules in self._expiry.items()
            },
            "exempt_purposes": sorted(self._exempt),
            "default_max_per_period": None
            if self._default_cap is None
            else [self._default_cap[0], self._default_cap[1].total_seconds()],
            "stop_keywords": sorted(self._stop),
            "start_keywords": sorted(self._start),
            "help_keywords": sorted(self._help),
            "erasure_key": self._erasure_key.hex(),
        }

    def __repr__(self) -> str:
        return (
            f"OptInRegistry(contacts={self._contacts.count}, events={self._event_count()}, "
            f"pairs={len(self._key_heads)}, suppressed={self._count_suppressed()})"
        )

    def _event_count(self) -> int:
        log = self._log
        return int(np.count_nonzero(log.action[: log.n] != _TOMBSTONE))

    def _count_suppressed(self) -> int:
        heads = self._supp_heads
        live = heads[heads >= 0]
        return int(np.count_nonzero(self._log.action[live] == _SUPPRESS))

    # ------------------------------------------------------------------ small lookups

    def _now_us(self, at: object) -> int:
        return to_micros(resolve_at(at, self._clock))

    def _pair_of(self, purpose: str | None, channel: str | None, *, create: bool) -> int:
        key = (purpose, channel)
        found = self._pair_index.get(key)
        if found is not None or not create:
            return -1 if found is None else found
        if len(self._pairs) >= np.iinfo(np.int16).max:
            raise InvalidInputError("purpose/channel: too many distinct pairs (32767 at most)")
        index = len(self._pairs)
        self._pairs.append(key)
        self._pair_index[key] = index
        if purpose is not None and channel is not None:
            self._key_heads[index] = np.full(len(self._contacts), -1, np.int32)
        return index

    def _key_pair(self, pair: int) -> tuple[str, str]:
        """The (purpose, channel) of a key pair (never a wildcard)."""
        purpose, channel = self._pairs[pair]
        if purpose is None or channel is None:
            raise InvalidInputError(f"pair {pair} is not a (purpose, channel) key")
        return purpose, channel

    def _meta_of(
        self, source: str, basis: str | None, notice: str | None, jurisdiction: str | None
    ) -> int:
        key = (source, basis, notice, jurisdiction)
        found = self._meta_index.get(key)
        if found is None:
            found = len(self._metas)
            self._metas.append(key)
            self._meta_index[key] = found
        return found

    def _lifetime_us(self, purpose: str, basis: str) -> int | None:
        for scope in (purpose, "*"):
            rules = self._expiry.get(scope)
            if rules is not None and basis in rules:
                return rules[basis]
        return None

    def _fingerprint(self, contact: Hashable) -> str:
        material = f"{type(contact).__module__}.{type(contact).__qualname__}:{contact!r}"
        return hmac.new(self._erasure_key, material.encode(), hashlib.sha256).hexdigest()

    # ------------------------------------------------------------------ the write path

    @contextmanager
    def _write(self) -> Iterator[None]:
        """Hold the lock; if the block raises, forget the contacts, pairs and metadata it added.

        Every write validates before touching the log, so undoing the lookup
        tables is all it takes for a refused call to change nothing.
        """
        with self._lock:
            contacts, pairs, metas = len(self._contacts), len(self._pairs), len(self._metas)
            try:
                yield
            except BaseException:
                for index in range(contacts, len(self._contacts)):
                    self._erased_at.pop(index, None)
                self._contacts.truncate(contacts)
                for key in self._pairs[pairs:]:
                    self._key_heads.pop(self._pair_index.pop(key), None)
                del self._pairs[pairs:]
                for meta in self._metas[metas:]:
                    del self._meta_index[meta]
                del self._metas[metas:]
                raise

    def _add_contacts(self, contacts: Sequence[Hashable], field: str) -> Int64Array:
        before = len(self._contacts)
        cidx = self._contacts.add_many(contacts, field)
        size = len(self._contacts)
        if size > before:
            self._grow_heads(size)
            if self._erased:
                for index in range(before, size):
                    erased = self._erased.get(self._fingerprint(self._contacts.id_at(index)))
                    if erased is not None:
                        self._erased_at[index] = erased
        return cidx

    def _grow_heads(self, size: int) -> None:
        self._supp_heads = _grown(self._supp_heads, size)
        self._sent_heads = _grown(self._sent_heads, size)
        self._pref_heads = _grown(self._pref_heads, size)
        for pair, heads in self._key_heads.items():
            self._key_heads[pair] = _grown(heads, size)

    def _append(
        self,
        cidx: Int64Array,
        pair: int | Int64Array,
        action: np.int8 | npt.NDArray[np.int8],
        ts: Int64Array,
        meta: int | Int32Array,
        expires: int | Int64Array = NEVER,
        *,
        seq: Int64Array | None = None,
        live: bool = True,
        extras: Mapping[int, dict[str, Any]] | None = None,
    ) -> Int64Array:
        """Append a block of events (any order: sorted stably by time here); link the chains.

        On the live path an event may not precede the latest event of its chain;
        everything is validated before the first column is written, so a refused
        block changes nothing. Returns the rows written, in the block's order.
        """
        n = len(cidx)
        log = self._log
        if n == 0:
            return np.empty(0, np.int64)
        pairs = np.broadcast_to(np.asarray(pair, np.int64), (n,))
        actions = np.broadcast_to(np.asarray(action, np.int8), (n,))
        in_order = n < 2 or bool((ts[1:] >= ts[:-1]).all())
        order = None if in_order else np.argsort(ts, kind="stable")

        def take(values: Any) -> Any:
            """``values`` in time order (a scalar stays a scalar: numpy broadcasts it)."""
            if np.ndim(values) == 0 or order is None:
                return values
            return np.asarray(values)[order]

        rows = np.arange(log.n, log.n + n)
        if order is not None:
            rows[order] = rows.copy()
        chains = self._chains(cidx, pairs, actions)
        if live:
            for heads_of, members in chains:
                for heads, owners, picked in heads_of(members):
                    last = _gather(heads, owners)
                    known = last >= 0
                    late = np.flatnonzero(known)
                    if late.size and (log.ts[last[late]] > ts[picked[late]]).any():
                        bad = picked[late[np.argmax(log.ts[last[late]] > ts[picked[late]])]]
                        raise InvalidInputError(
                            f"at: {from_micros(int(ts[bad])).isoformat()} is earlier than the "
                            "latest event already recorded for that contact and key; "
                            "the live path cannot go back in time (use from_events)"
                        )
        log.reserve(n)
        start = log.n
        end = start + n
        if seq is None:
            log.write_seq_range(start, end, self._next_seq)
        else:
            log.write_seq(start, take(seq))
        log.contact[start:end] = take(cidx)
        log.pair[start:end] = take(pair)
        log.action[start:end] = take(action)
        log.ts[start:end] = take(ts)
        log.write_expires(start, end, take(expires))
        log.meta[start:end] = take(meta)
        log.prev[start:end] = -1
        if extras:
            for position, extra in extras.items():
                self._extras[int(rows[position])] = extra
        log.n = end
        self._next_seq = max(self._next_seq, int(log.seq(slice(start, end)).max()) + 1)
        for heads_of, members in chains:
            for heads, owners, picked in heads_of(members):
                self._link(heads, owners, rows[picked])
        self._note_regrants(cidx, actions, ts, rows)
        return rows

    def _chains(
        self, cidx: Int64Array, pairs: npt.NDArray[np.int64], actions: npt.NDArray[np.int8]
    ) -> list[tuple[Any, Int64Array]]:
        """Which events go in which chain: (function giving (heads, owners, rows), rows)."""
        key_rows = np.flatnonzero(_IS_KEY[actions] & self._keyed_pairs()[pairs])
        supp_rows = np.flatnonzero(_IS_MARK[actions])
        sent_rows = np.flatnonzero(actions == _SENT)
        if sent_rows.size and self._exempt:
            exempt_pairs = [
                i for i, (p, _) in enumerate(self._pairs) if p is not None and p in self._exempt
            ]
            sent_rows = sent_rows[~np.isin(pairs[sent_rows], exempt_pairs)]
        pref_rows = np.flatnonzero(actions == _PREFERENCES)

        def keyed(rows: Int64Array) -> Iterator[tuple[Int32Array, Int64Array, Int64Array]]:
            block_pairs = pairs[rows]
            for pair in np.flatnonzero(np.bincount(block_pairs)).tolist():
                picked = rows[block_pairs == pair]
                yield self._key_heads[pair], cidx[picked], picked

        def per_contact(name: str) -> Any:
            def heads_of(rows: Int64Array) -> Iterator[tuple[Int32Array, Int64Array, Int64Array]]:
                yield getattr(self, name), cidx[rows], rows

            return heads_of

        out: list[tuple[Any, Int64Array]] = []
        for heads_of, rows in (
            (keyed, key_rows),
            (per_contact("_supp_heads"), supp_rows),
            (per_contact("_sent_heads"), sent_rows),
            (per_contact("_pref_heads"), pref_rows),
        ):
            if rows.size:
                out.append((heads_of, rows))
        return out

    def _keyed_pairs(self) -> npt.NDArray[np.bool_]:
        """``table[pair]``: whether the pair is a (purpose, channel) key; ``table[-1]`` is False."""
        table = np.zeros(len(self._pairs) + 1, bool)
        table[list(self._key_heads)] = True
        return table

    def _link(self, heads: Int32Array, owners: Int64Array, rows: Int64Array) -> None:
        """Chain ``rows`` (one per owner event) behind each owner's head; move the heads."""
        if len(owners) < 2 or np.bincount(owners).max() == 1:
            # One event per owner, the usual bulk load: no sort needed.
            self._log.prev[rows] = heads[owners]
            heads[owners] = rows
            return
        order = np.lexsort((rows, owners))
        owner = owners[order]
        row = rows[order]
        first = np.ones(len(owner), bool)
        first[1:] = owner[1:] != owner[:-1]
        prev = np.empty(len(row), np.int32)
        prev[1:] = row[:-1]
        prev[first] = heads[owner[first]]
        self._log.prev[row] = prev
        last = np.ones(len(owner), bool)
        last[:-1] = first[1:]
        heads[owner[last]] = row[last]

    def _note_regrants(
        self, cidx: Int64Array, actions: npt.NDArray[np.int8], ts: Int64Array, rows: Int64Array
    ) -> None:
        """An express grant after an erasure lifts the erasure's suppression."""
        if not self._erased_at:
            return
        for position in np.flatnonzero(_IS_GRANT[actions]).tolist():
            contact = int(cidx[position])
            erased = self._erased_at.get(contact)
            if erased is None or int(ts[position]) < erased:
                continue
            meta = self._metas[int(self._log.meta[rows[position]])]
            if meta[1] == "express" and int(ts[position]) < self._regrant_at.get(contact, NEVER):
                self._regrant_at[contact] = int(ts[position])

    def _event(self, row: int) -> ConsentEvent:
        log = self._log
        action = _ACTIONS[int(log.action[row])]
        contact_index = int(log.contact[row])
        purpose, channel = self._pairs[int(log.pair[row])] if log.pair[row] >= 0 else (None, None)
        source, basis, notice, jurisdiction = self._metas[int(log.meta[row])]
        extra = self._extras.get(row, {})
        expires = int(log.expires(np.array([row]))[0])
        return ConsentEvent(
            seq=int(log.seq(np.array([row]))[0]),
            contact=None if contact_index < 0 else self._contacts.id_at(contact_index),
            purpose=purpose,
            channel=channel,
            action=action,
            at=from_micros(int(log.ts[row])),
            source=source,
            basis=basis,
            notice_version=notice,
            proof=extra.get("proof"),
            expires_at=None if expires == NEVER else from_micros(expires),
            jurisdiction=jurisdiction,
            reason=extra.get("reason"),
            preferences=extra.get("preferences"),
        )

    # ------------------------------------------------------------------ recording consent

    def grant(
        self,
        contact: Hashable,
        purpose: str,
        channel: str,
        *,
        source: str,
        basis: str = "express",
        notice_version: str | None = None,
        proof: str | None = None,
        expires_at: datetime | None = None,
        jurisdiction: str | None = None,
        at: datetime | None = None,
    ) -> ConsentEvent:
        """Record that ``contact`` agreed to hear about ``purpose`` over ``channel``.

        Parameters
        ----------
        contact : hashable
            The person, by the application's id.
        purpose, channel : str
            What for, and how ("newsletter", "email").
        source : str
            How the consent was collected ("signup_form", "sms_keyword", "import").
        basis : str, default "express"
            Legal basis ("express", "implied_business", "soft_opt_in"...).
        notice_version : str, optional
            Version of the privacy notice the contact saw.
        proof : str, optional
            Proof text or hash (form payload digest, IP and user agent...).
        expires_at : datetime, optional
            When this consent lapses; otherwise the registry's expiry policy decides.
        jurisdiction : str, optional
            Where the consent was collected ("CA", "EU").
        at : datetime, optional
            When; the registry's clock by default.

        Returns
        -------
        ConsentEvent
            The recorded event.

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> registry.grant("ann", "newsletter", "email", source="signup_form",
        ...                at=datetime(2026, 1, 1, tzinfo=UTC)).seq
        0
        """
        return self._grant_event(
            _GRANT,
            contact,
            purpose,
            channel,
            source=source,
            basis=basis,
            notice_version=notice_version,
            proof=proof,
            expires_at=expires_at,
            jurisdiction=jurisdiction,
            at=at,
        )

    def _grant_event(
        self,
        action: np.int8,
        contact: Hashable,
        purpose: str,
        channel: str,
        *,
        source: str,
        basis: str,
        notice_version: str | None,
        proof: str | None,
        expires_at: datetime | None,
        jurisdiction: str | None,
        at: datetime | None,
    ) -> ConsentEvent:
        check_id(contact, "contact")
        _nonempty_str(purpose, "purpose")
        _nonempty_str(channel, "channel")
        _nonempty_str(source, "source")
        _nonempty_str(basis, "basis")
        _optional_str(notice_version, "notice_version")
        _optional_str(jurisdiction, "jurisdiction")
        if proof is not None and not isinstance(proof, str):
            raise InvalidInputError(f"proof: expected a str, got {type(proof).__name__}")
        now = self._now_us(at)
        if expires_at is not None:
            expiry = to_micros(ensure_aware(expires_at, "expires_at"))
            if expiry <= now:
                raise InvalidInputError("expires_at: must be later than the grant itself")
        else:
            lifetime = self._lifetime_us(purpose, basis) if action != _REQUEST else None
            expiry = NEVER if lifetime is None else now + lifetime
        with self._write():
            pair = self._pair_of(purpose, channel, create=True)
            meta = self._meta_of(source, basis, notice_version, jurisdiction)
            cidx = self._add_contacts([contact], "contact")
            extras = {0: {"proof": proof}} if proof is not None else None
            row = self._append(
                cidx, pair, action, np.array([now], np.int64), meta, expiry, extras=extras
            )
            return self._event(int(row[0]))

    def grant_many(
        self,
        contacts: Sequence[Hashable] | npt.NDArray[Any],
        purpose: str,
        channel: str | Sequence[str],
        *,
        source: str,
        basis: str = "express",
        notice_version: str | None = None,
        jurisdiction: str | None = None,
        expires_at: datetime | None = None,
        at: datetime | Sequence[datetime] | npt.NDArray[Any] | None = None,
    ) -> int:
        """Record many grants for one purpose and channel at once (imports, bulk loads).

        Parameters
        ----------
        contacts : sequence or numpy array of ids
            One grant per entry.
        channel : str or sequence of str
            One channel, or several: one grant per contact and channel, all recorded
            in one block or none of them.
        purpose, source, basis, notice_version, jurisdiction, expires_at
            As for ``grant``, shared by every row.
        at : datetime, sequence of datetimes or numpy datetime64 array, optional
            One moment for all, or one per contact (datetime64 is read as UTC).

        Returns
        -------
        int
            The number of events recorded.

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> registry.grant_many(["ann", "bob", "cid"], "newsletter", "email",
        ...                     source="import", at=datetime(2026, 1, 1, tzinfo=UTC))
        3
        >>> registry.grant_many(["ann", "bob"], "offers", ["email", "sms"], source="import",
        ...                     at=datetime(2026, 1, 1, tzinfo=UTC))
        4
        """
        return len(
            self._many(
                _GRANT,
                contacts,
                purpose,
                channel,
                source=source,
                basis=basis,
                notice_version=notice_version,
                jurisdiction=jurisdiction,
                expires_at=expires_at,
                at=at,
            )
        )

    def _many(
        self,
        action: np.int8,
        contacts: Sequence[Hashable] | npt.NDArray[Any],
        purpose: str,
        channel: str | Sequence[str],
        *,
        source: str,
        basis: str | None = None,
        notice_version: str | None = None,
        jurisdiction: str | None = None,
        expires_at: datetime | None = None,
        at: datetime | Sequence[datetime] | npt.NDArray[Any] | None = None,
    ) -> Int64Array:
        """Validate and append one event per contact and channel; the rows written, in order.

        With several channels the rows go channel by channel, in one block: a
        refused block (say, a grant older than a channel's latest event) changes nothing.
        """
        _nonempty_str(purpose, "purpose")
        channels = _channels(channel)
        _nonempty_str(source, "source")
        if basis is not None:
            _nonempty_str(basis, "basis")
        _optional_str(notice_version, "notice_version")
        _optional_str(jurisdiction, "jurisdiction")
        items = as_id_list(contacts, "contacts")
        n = len(items)
        if n == 0:
            return np.empty(0, np.int64)
        ts = micros_array(resolve_at(None, self._clock) if at is None else at, n, "at")
        expiry: int | Int64Array = NEVER
        if expires_at is not None:
            expiry = to_micros(ensure_aware(expires_at, "expires_at"))
            if (ts >= expiry).any():
                raise InvalidInputError("expires_at: must be later than every grant")
        elif action == _GRANT and basis is not None:
            lifetime = self._lifetime_us(purpose, basis)
            if lifetime is not None:
                expiry = ts + lifetime
        with self._write():
            pairs = [self._pair_of(purpose, name, create=True) for name in channels]
            meta = self._meta_of(source, basis, notice_version, jurisdiction)
            cidx = self._add_contacts(items, "contacts")
            if len(pairs) == 1:
                return self._append(cidx, pairs[0], action, ts, meta, expiry)
            k = len(pairs)
            return self._append(
                np.tile(cidx, k),
                np.repeat(np.asarray(pairs, np.int64), n),
                action,
                np.tile(ts, k),
                meta,
                expiry if isinstance(expiry, int) else np.tile(expiry, k),
            )

    def request(
        self,
        contact: Hashable,
        purpose: str,
        channel: str,
        *,
        source: str,
        basis: str = "express",
        notice_version: str | None = None,
        proof: str | None = None,
        jurisdiction: str | None = None,
        at: datetime | None = None,
    ) -> str:
        """Start a double opt-in: record a pending grant and return its single-use token.

        The application sends the token to the contact (a link in an email, a
        code by SMS); ``confirm(token)`` within the registry's ``token_ttl`` turns
        it into a grant. Only a hash of the token is kept.

        Returns
        -------
        str
            An unguessable token (``secrets``), valid once.

        Examples
        --------
        >>> from datetime import UTC, datetime, timedelta
        >>> from community_marketing import OptInRegistry
        >>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
        >>> registry = OptInRegistry()
        >>> token = registry.request("ann", "newsletter", "email", source="signup_form", at=t0)
        >>> registry.status("ann", "newsletter", "email", at=t0).value
        'pending'
        >>> registry.confirm(token, at=t0 + timedelta(hours=1)).action.value
        'confirm'
        """
        secret = secrets.token_urlsafe(32)
        with self._write():
            event = self._grant_event(
                _REQUEST,
                contact,
                purpose,
                channel,
                source=source,
                basis=basis,
                notice_version=notice_version,
                proof=proof,
                expires_at=None,
                jurisdiction=jurisdiction,
                at=at,
            )
            self._tokens[event.seq] = (
                hashlib.sha256(secret.encode()).digest(),
                to_micros(event.at) + self._token_ttl_us,
                self._log.n - 1,
            )
        return f"{event.seq}.{secret}"

    def confirm(self, token: str, *, at: datetime | None = None) -> ConsentEvent:
        """Confirm a double opt-in; record the grant as its own ``CONFIRM`` event.

        Raises
        ------
        InvalidTokenError
            The token is malformed, wrong, already used, expired, or its request
            was superseded (withdrawn, erased) since.

        Examples
        --------
        >>> from community_marketing import OptInRegistry, InvalidTokenError
        >>> registry = OptInRegistry()
        >>> token = registry.request("ann", "news", "email", source="form")
        >>> _ = registry.confirm(token)
        >>> registry.confirm(token)
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidTokenError: token: unknown or already used
        """
        now = np.array([self._now_us(at)], np.int64)
        with self._write():
            written = self._confirm([token], now, lambda _: "token")
            return self._event(int(written[0]))

    def request_many(
        self,
        contacts: Sequence[Hashable] | npt.NDArray[Any],
        purpose: str,
        channel: str,
        *,
        source: str,
        basis: str = "express",
        notice_version: str | None = None,
        jurisdiction: str | None = None,
        at: datetime | Sequence[datetime] | npt.NDArray[Any] | None = None,
    ) -> list[str]:
        """Start many double opt-ins at once; one single-use token per contact, in order.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> tokens = registry.request_many(["ann", "bob"], "news", "email", source="import")
        >>> registry.confirm_many(tokens[:1])
        1
        >>> [registry.status(c, "news", "email").value for c in ("ann", "bob")]
        ['granted', 'pending']
        """
        with self._write():
            rows = self._many(
                _REQUEST,
                contacts,
                purpose,
                channel,
                source=source,
                basis=basis,
                notice_version=notice_version,
                jurisdiction=jurisdiction,
                at=at,
            )
            log = self._log
            seqs = log.seq(rows).tolist()
            deadlines = (log.ts[rows] + self._token_ttl_us).tolist()
            tokens = []
            for seq, deadline, row in zip(seqs, deadlines, rows.tolist(), strict=True):
                secret = secrets.token_urlsafe(32)
                self._tokens[seq] = (hashlib.sha256(secret.encode()).digest(), deadline, row)
                tokens.append(f"{seq}.{secret}")
            return tokens

    def confirm_many(
        self,
        tokens: Sequence[str],
        *,
        at: datetime | Sequence[datetime] | npt.NDArray[Any] | None = None,
    ) -> int:
        """Confirm many double opt-ins (a batch of clicked links), all or nothing.

        ``at`` is one moment, or one per token. Any wrong, reused, expired or
        superseded token raises ``InvalidTokenError`` naming its position, and then
        nothing is confirmed.

        Returns
        -------
        int
            The number of ``CONFIRM`` events recorded.

        Examples
        --------
        >>> from community_marketing import InvalidTokenError, OptInRegistry
        >>> registry = OptInRegistry()
        >>> token = registry.request("ann", "news", "email", source="form")
        >>> registry.confirm_many([token, token])
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidTokenError: tokens[1]: unknown or already used
        >>> registry.status("ann", "news", "email").value
        'pending'
        """
        if isinstance(tokens, str):
            raise InvalidInputError("tokens: expected a sequence of tokens, got one str")
        items = list(tokens)
        if not items:
            return 0
        now = micros_array(resolve_at(None, self._clock) if at is None else at, len(items), "at")
        with self._write():
            return len(self._confirm(items, now, lambda i: f"tokens[{i}]"))

    def _confirm(
        self, tokens: Sequence[object], now: Int64Array, field: Callable[[int], str]
    ) -> Int64Array:
        """Validate every token, then record one CONFIRM per request; the rows written."""
        rows = [self._valid_token(token, int(now[i]), field(i)) for i, token in enumerate(tokens)]
        if len(set(rows)) != len(rows):
            repeat = next(i for i, row in enumerate(rows) if row in rows[:i])
            raise InvalidTokenError(f"{field(repeat)}: unknown or already used")
        picked = np.array(rows, np.int64)
        log = self._log
        expiry = np.full(len(rows), NEVER, np.int64)
        for i, row in enumerate(rows):
            purpose, _ = self._key_pair(int(log.pair[row]))
            lifetime = self._lifetime_us(purpose, self._metas[int(log.meta[row])][1] or "")
            if lifetime is not None:
                expiry[i] = now[i] + lifetime
        proofs = {
            i: {"proof": self._extras[row]["proof"]}
            for i, row in enumerate(rows)
            if "proof" in self._extras.get(row, {})
        }
        written = self._append(
            log.contact[picked].astype(np.int64),
            log.pair[picked].astype(np.int64),
            _CONFIRM,
            now,
            log.meta[picked],
            expiry,
            extras=proofs,
        )
        for seq in log.seq(picked).tolist():
            del self._tokens[seq]
        return written

    def _valid_token(self, token: object, now: int, field: str) -> int:
        """The request row of a token that may be confirmed at ``now``; else InvalidTokenError."""
        if not isinstance(token, str):
            raise InvalidTokenError(f"{field}: expected a str, got {type(token).__name__}")
        match = _TOKEN_RE.match(token)
        if match is None:
            raise InvalidTokenError(
                f"{field}: malformed (expected the string returned by request())"
            )
        stored = self._tokens.get(int(match.group(1)))
        digest = hashlib.sha256(match.group(2).encode()).digest()
        valid = hmac.compare_digest(digest, stored[0] if stored is not None else bytes(32))
        if stored is None or not valid:
            raise InvalidTokenError(f"{field}: unknown or already used")
        if now >= stored[1]:
            raise InvalidTokenError(f"{field}: expired")
        row = stored[2]
        log = self._log
        cidx = int(log.contact[row])
        if cidx < 0 or self._key_heads[int(log.pair[row])][cidx] != row:
            raise InvalidTokenError(f"{field}: the request was superseded since")
        if now < int(log.ts[row]):
            raise InvalidTokenError(f"{field}: confirmed before it was requested")
        return row

    def withdraw(
        self,
        contact: Hashable,
        purpose: str | None = None,
        channel: str | None = None,
        *,
        source: str,
        at: datetime | None = None,
    ) -> list[ConsentEvent]:
        """Withdraw consent: one call, no preconditions, history kept.

        ``None`` means every purpose (or every channel) the contact has. When
        nothing matched, the request itself is still recorded.

        Returns
        -------
        list of ConsentEvent
            One event per (purpose, channel) withdrawn.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("ann", "news", "email", source="form")
        >>> _ = registry.grant("ann", "offers", "sms", source="form")
        >>> [(e.purpose, e.channel) for e in registry.withdraw("ann", source="preference_center")]
        [('news', 'email'), ('offers', 'sms')]
        """
        check_id(contact, "contact")
        _optional_str(purpose, "purpose")
        _optional_str(channel, "channel")
        _nonempty_str(source, "source")
        now = self._now_us(at)
        with self._write():
            cidx = self._contacts.get(contact)
            targets = [
                pair
                for pair, heads in self._key_heads.items()
                if cidx >= 0
                and cidx < len(heads)
                and heads[cidx] >= 0
                and purpose in (None, self._pairs[pair][0])
                and channel in (None, self._pairs[pair][1])
            ]
            if not targets and purpose is not None and channel is not None:
                targets = [self._pair_of(purpose, channel, create=True)]
            meta = self._meta_of(source, None, None, None)
            if not targets:
                pair = self._pair_of(purpose, channel, create=True)
                row = self._append(
                    self._add_contacts([contact], "contact"),
                    pair,
                    _WITHDRAW,
                    np.array([now], np.int64),
                    meta,
                )
                return [self._event(int(row[0]))]
            cidx_array = self._add_contacts([contact] * len(targets), "contact")
            rows = self._append(
                cidx_array,
                np.array(sorted(targets), np.int64),
                _WITHDRAW,
                np.full(len(targets), now, np.int64),
                meta,
            )
            return [self._event(int(r)) for r in rows]

    def withdraw_many(
        self,
        contacts: Sequence[Hashable] | npt.NDArray[Any],
        purpose: str,
        channel: str | Sequence[str],
        *,
        source: str,
        at: datetime | Sequence[datetime] | npt.NDArray[Any] | None = None,
    ) -> int:
        """Withdraw one purpose on one channel, or on several, for many contacts at once.

        With several channels every withdrawal is recorded in one block, or none is.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant_many(["ann", "bob"], "news", "email", source="import")
        >>> registry.withdraw_many(["bob"], "news", "email", source="bounce_cleanup")
        1
        >>> registry.audience(["ann", "bob"], "news", "email")
        ['ann']
        """
        return len(self._many(_WITHDRAW, contacts, purpose, channel, source=source, at=at))

    def suppress_many(
        self,
        contacts: Sequence[Hashable] | npt.NDArray[Any],
        *,
        reason: str,
        source: str = "api",
        at: datetime | Sequence[datetime] | npt.NDArray[Any] | None = None,
    ) -> int:
        """Put many contacts on the do-not-contact list (a complaint feed, a bounce report).

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> registry.suppress_many(["ann", "bob"], reason="hard_bounce")
        2
        >>> registry.is_suppressed("bob")
        True
        """
        _nonempty_str(reason, "reason")
        _nonempty_str(source, "source")
        items = as_id_list(contacts, "contacts")
        if not items:
            return 0
        ts = micros_array(resolve_at(None, self._clock) if at is None else at, len(items), "at")
        extra = {"reason": reason}
        with self._write():
            cidx = self._add_contacts(items, "contacts")
            self._append(
                cidx,
                -1,
                _SUPPRESS,
                ts,
                self._meta_of(source, None, None, None),
                extras=dict.fromkeys(range(len(items)), extra),
            )
        return len(items)

    def suppress(
        self, contact: Hashable, *, reason: str, source: str = "api", at: datetime | None = None
    ) -> ConsentEvent:
        """Put ``contact`` on the do-not-contact list; it wins over every grant.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("ann", "news", "email", source="form")
        >>> _ = registry.suppress("ann", reason="legal_request")
        >>> registry.status("ann", "news", "email").value
        'suppressed'
        """
        return self._contact_event(_SUPPRESS, contact, source, at, {"reason": reason})

    def unsuppress(
        self, contact: Hashable, *, reason: str, source: str = "api", at: datetime | None = None
    ) -> ConsentEvent:
        """Take ``contact`` off the do-not-contact list; earlier grants count again.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("ann", "news", "email", source="form")
        >>> _ = registry.suppress("ann", reason="bounce")
        >>> _ = registry.unsuppress("ann", reason="address fixed")
        >>> registry.may_contact("ann", "news", "email")
        True
        """
        return self._contact_event(_UNSUPPRESS, contact, source, at, {"reason": reason})

    def _contact_event(
        self,
        action: np.int8,
        contact: Hashable,
        source: str,
        at: datetime | None,
        extra: dict[str, Any],
        pair: tuple[str | None, str | None] = (None, None),
    ) -> ConsentEvent:
        check_id(contact, "contact")
        _nonempty_str(source, "source")
        if "reason" in extra:
            _nonempty_str(extra["reason"], "reason")
        now = self._now_us(at)
        with self._write():
            cidx = self._add_contacts([contact], "contact")
            row = self._append(
                cidx,
                self._pair_of(*pair, create=True),
                action,
                np.array([now], np.int64),
                self._meta_of(source, None, None, None),
                extras={0: extra},
            )
            return self._event(int(row[0]))

    def is_suppressed(self, contact: Hashable, *, at: datetime | None = None) -> bool:
        """Whether ``contact`` is on the do-not-contact list (or erased and not re-granted).

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.suppress("ann", reason="complaint")
        >>> registry.is_suppressed("ann"), registry.is_suppressed("bob")
        (True, False)
        """
        now = self._now_us(at)
        index = self._contacts.get(contact)
        if index < 0:
            return self._erased_unknown(contact, now)
        return bool(self._suppressed(np.array([index], np.int64), now)[0])

    def _erased_unknown(self, contact: Hashable, at: int) -> bool:
        """An id the registry does not hold may still be the keyed hash of an erased one."""
        if not self._erased:
            return False
        erased = self._erased.get(self._fingerprint(contact))
        return erased is not None and erased <= at

    # ------------------------------------------------------------------ erasure

    def erase(self, contact: Hashable, *, at: datetime | None = None) -> ConsentEvent:
        """Erase the contact's personal data and events (GDPR Art. 17).

        What stays is an ``ERASE`` event holding a keyed hash of the id: a later
        import of the same contact is treated as suppressed until the contact
        gives a new *express* grant.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("ann", "news", "email", source="form")
        >>> _ = registry.erase("ann")
        >>> registry.history("ann")
        []
        >>> _ = registry.grant_many(["ann"], "news", "email", source="import",
        ...                         basis="implied_business")
        >>> registry.status("ann", "news", "email").value
        'suppressed'
        """
        check_id(contact, "contact")
        now = self._now_us(at)
        fingerprint = self._fingerprint(contact)
        with self._write():
            cidx = self._contacts.get(contact)
            if cidx >= 0:
                self._check_not_before(cidx, now)
            meta = self._meta_of("erasure", None, None, None)
            row = self._append(
                np.array([-1], np.int64),
                -1,
                _ERASE,
                np.array([now], np.int64),
                meta,
                extras={0: {"proof": fingerprint}},
            )
            self._apply_erasure(fingerprint, now, cidx if cidx >= 0 else None)
            return self._event(int(row[0]))

    def _check_not_before(self, cidx: int, now: int) -> None:
        log = self._log
        rows = np.flatnonzero(log.contact[: log.n] == cidx)
        if rows.size and int(log.ts[rows].max()) > now:
            raise InvalidInputError(
                "at: earlier than the latest event of the contact; erasure cannot go back in time"
            )

    def _apply_erasure(self, fingerprint: str, now: int, contact: int | None = None) -> None:
        """Tombstone the contact's rows and forget the contact; keep only the fingerprint."""
        self._erased[fingerprint] = now
        if contact is None:
            contact = next(
                (
                    index
                    for index in range(len(self._contacts))
                    if not self._contacts.is_removed(index)
                    and self._fingerprint(self._contacts.id_at(index)) == fingerprint
                ),
                None,
            )
            if contact is None:
                return
        log = self._log
        rows = np.flatnonzero(log.contact[: log.n] == contact)
        log.action[rows] = _TOMBSTONE
        log.contact[rows] = -1
        log.meta[rows] = self._meta_of("erasure", None, None, None)
        for row in rows.tolist():
            self._extras.pop(row, None)
        self._tokens = {
            seq: value for seq, value in self._tokens.items() if log.contact[value[2]] >= 0
        }
        for heads in (self._supp_heads, self._sent_heads, self._pref_heads):
            heads[contact] = -1
        for heads in self._key_heads.values():
            heads[contact] = -1
        self._erased_at.pop(contact, None)
        self._regrant_at.pop(contact, None)
        self._contacts.remove(self._contacts.id_at(contact))

    # ------------------------------------------------------------------ preferences and sends

    def set_preferences(
        self,
        contact: Hashable,
        *,
        timezone: str | None = None,
        quiet_hours: tuple[time, time] | None = None,
        max_per_period: tuple[int, timedelta] | None = None,
        paused_until: datetime | None = None,
        source: str = "preference_center",
        at: datetime | None = None,
    ) -> ConsentEvent:
        """Record the contact's own choices of when and how often; they replace earlier ones.

        Examples
        --------
        >>> from datetime import UTC, datetime, time, timedelta
        >>> from community_marketing import OptInRegistry, Reason
        >>> registry = OptInRegistry()
        >>> t0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
        >>> _ = registry.grant("ann", "news", "email", source="form", at=t0)
        >>> _ = registry.set_preferences("ann", timezone="Europe/Paris",
        ...                              quiet_hours=(time(22), time(8)), at=t0)
        >>> registry.check("ann", "news", "email", at=t0.replace(hour=23))
        <Reason.QUIET_HOURS: 7>
        """
        prefs = Preferences(
            timezone=timezone,
            quiet_hours=quiet_hours,
            max_per_period=max_per_period,
            paused_until=paused_until,
        )
        return self._contact_event(_PREFERENCES, contact, source, at, {"preferences": prefs})

    def preferences(self, contact: Hashable, *, at: datetime | None = None) -> Preferences:
        """The contact's preferences in force at ``at`` (defaults when none were set).

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> OptInRegistry().preferences("ann").quiet_hours is None
        True
        """
        now = self._now_us(at)
        cidx = np.array([self._contacts.get(contact)], np.int64)
        row = int(self._as_of(_gather(self._pref_heads, cidx), now)[0])
        if row < 0:
            return Preferences()
        prefs: Preferences = self._extras[row]["preferences"]
        return prefs

    def record_sent(
        self,
        contact: Hashable,
        purpose: str,
        channel: str,
        *,
        at: datetime | None = None,
    ) -> ConsentEvent:
        """Record that a message went out, so that frequency caps hold.

        Examples
        --------
        >>> from datetime import UTC, datetime, timedelta
        >>> from community_marketing import OptInRegistry, Reason
        >>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
        >>> registry = OptInRegistry(default_max_per_period=(1, timedelta(days=1)))
        >>> _ = registry.grant("ann", "news", "email", source="form", at=t0)
        >>> _ = registry.record_sent("ann", "news", "email", at=t0)
        >>> registry.check("ann", "news", "email", at=t0 + timedelta(hours=1))
        <Reason.FREQUENCY_CAP: 8>
        """
        _nonempty_str(purpose, "purpose")
        _nonempty_str(channel, "channel")
        return self._contact_event(_SENT, contact, "send", at, {}, pair=(purpose, channel))

    def record_sent_many(
        self,
        contacts: Sequence[Hashable] | npt.NDArray[Any],
        purpose: str,
        channel: str,
        *,
        at: datetime | Sequence[datetime] | npt.NDArray[Any] | None = None,
    ) -> int:
        """Record one send per contact (a campaign's delivery report).

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> OptInRegistry().record_sent_many(["ann", "bob"], "news", "email")
        2
        """
        return len(self._many(_SENT, contacts, purpose, channel, source="send", at=at))

    def apply_keyword(
        self, contact: Hashable, channel: str, text: str, *, at: datetime | None = None
    ) -> KeywordResult:
        """Apply an SMS-style keyword received from ``contact`` on ``channel``.

        STOP-family words withdraw every purpose on the channel; START-family
        words re-grant (express, source ``"keyword"``) the purposes withdrawn on it;
        HELP-family and anything else change nothing.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("+15550100", "alerts", "sms", source="web_form")
        >>> registry.apply_keyword("+15550100", "sms", "stop").kind
        'stop'
        >>> registry.may_contact("+15550100", "alerts", "sms")
        False
        >>> len(registry.apply_keyword("+15550100", "sms", "START").events)
        1
        >>> registry.may_contact("+15550100", "alerts", "sms")
        True
        """
        check_id(contact, "contact")
        _nonempty_str(channel, "channel")
        if not isinstance(text, str):
            raise InvalidInputError(f"text: expected a str, got {type(text).__name__}")
        words = text.strip().upper().split()
        keyword = words[0] if words else ""
        with self._write():
            if keyword in self._stop:
                events = self.withdraw(contact, None, channel, source=f"keyword:{keyword}", at=at)
                return KeywordResult("stop", keyword, tuple(events))
            if keyword in self._start:
                now = self._now_us(at)
                cidx = np.array([self._contacts.get(contact)], np.int64)
                regrant = []
                for pair in sorted(self._key_heads):
                    purpose, pair_channel = self._key_pair(pair)
                    if pair_channel != channel:
                        continue
                    status, _ = self._key_status(cidx, pair, now)
                    if status[0] == _S_WITHDRAWN:
                        regrant.append(purpose)
                events = [
                    self.grant(
                        contact, purpose, channel, source=f"keyword:{keyword}", at=from_micros(now)
                    )
                    for purpose in regrant
                ]
                return KeywordResult("start", keyword, tuple(events))
            kind = "help" if keyword in self._help else "none"
            return KeywordResult(kind, keyword, ())

    # ------------------------------------------------------------------ the read path

    def _status_one(self, contact: int, purpose: str, channel: str, at: int) -> int:
        """Scalar fast path of ``_status_codes`` (the property tests hold them equal)."""
        if contact < 0:
            return _S_NONE
        log = self._log
        ts, prev, action = log.ts, log.prev, log.action
        heads = self._supp_heads
        row = heads.item(contact) if contact < len(heads) else -1
        while row >= 0 and ts.item(row) > at:
            row = prev.item(row)
        if row >= 0 and action.item(row) == _SUPPRESS_I:
            return _S_SUPPRESSED
        if self._erased_at:
            erased = self._erased_at.get(contact)
            if erased is not None and erased <= at < self._regrant_at.get(contact, NEVER):
                return _S_SUPPRESSED
        pair = self._pair_index.get((purpose, channel))
        keyed = self._key_heads.get(pair) if pair is not None else None
        if keyed is None:
            return _S_NONE
        row = keyed.item(contact) if contact < len(keyed) else -1
        while row >= 0 and ts.item(row) > at:
            row = prev.item(row)
        pending = -1
        while row >= 0 and action.item(row) == _REQUEST_I:
            pending = row if pending < 0 else pending
            row = prev.item(row)
        status = _S_NONE
        if row >= 0:
            if action.item(row) == _WITHDRAW_I:
                status = _S_WITHDRAWN
            else:
                lapse = NEVER if log._expires is None else log._expires.item(row)
                status = _S_EXPIRED if lapse <= at else _S_GRANTED
        if pending >= 0 and status != _S_GRANTED and at < ts.item(pending) + self._token_ttl_us:
            status = _S_PENDING
        return status

    def _reason_one(self, contact: int, purpose: str, channel: str, at: int) -> int:
        """Scalar fast path of ``_reasons``; preferences and caps go through the bulk path."""
        if contact < 0:
            return Reason.ALLOWED if purpose in self._exempt else Reason.NO_CONSENT
        status = self._status_one(contact, purpose, channel, at)
        if status == _S_SUPPRESSED:
            return Reason.SUPPRESSED
        if purpose in self._exempt:
            return Reason.ALLOWED
        if status != _S_GRANTED:
            return int(_STATUS_TO_REASON[status])
        prefs = self._pref_heads
        has_prefs = contact < len(prefs) and prefs.item(contact) >= 0
        if has_prefs or self._default_cap is not None:
            cidx = np.array([contact], np.int64)
            return int(self._reasons(cidx, purpose, channel, at)[0])
        return Reason.ALLOWED

    def _as_of(self, rows: Int32Array, at: Moments) -> Int32Array:
        """Walk each chain back from ``rows`` to its latest event at or before ``at``."""
        log = self._log
        moments = _broadcast(at, len(rows))
        rows = rows.copy()
        live = np.flatnonzero(rows >= 0)
        while live.size:
            late = live[log.ts[rows[live]] > moments[live]]
            if not late.size:
                break
            rows[late] = log.prev[rows[late]]
            live = late[rows[late] >= 0]
        return rows

    def _key_status(
        self, cidx: Int64Array, pair: int, at: Moments
    ) -> tuple[npt.NDArray[np.int8], Int32Array]:
        """Status code and base row (latest grant/confirm/withdraw) of each key at ``at``."""
        n = len(cidx)
        at = _broadcast(at, n)
        status = np.full(n, _S_NONE, np.int8)
        heads = self._key_heads.get(pair)
        if heads is None:
            return status, np.full(n, -1, np.int32)
        log = self._log
        rows = self._as_of(_gather(heads, cidx), at)
        base = rows.copy()
        pending = np.full(n, -1, np.int32)
        has = rows >= 0
        is_request = np.zeros(n, bool)
        is_request[has] = log.action[rows[has]] == _REQUEST
        pending[is_request] = rows[is_request]
        walking = np.flatnonzero(is_request)
        while walking.size:
            base[walking] = log.prev[base[walking]]
            walking = walking[base[walking] >= 0]
            walking = walking[log.action[base[walking]] == _REQUEST]
        present = np.flatnonzero(base >= 0)
        action = log.action[base[present]]
        withdrawn = action == _WITHDRAW
        granted = (action == _GRANT) | (action == _CONFIRM)
        expired = granted & (log.expires(base[present]) <= at[present])
        status[present[withdrawn]] = _S_WITHDRAWN
        status[present[granted & ~expired]] = _S_GRANTED
        status[present[expired]] = _S_EXPIRED
        waiting = np.flatnonzero(pending >= 0)
        waiting = waiting[
            (status[waiting] != _S_GRANTED)
            & (at[waiting] < log.ts[pending[waiting]] + self._token_ttl_us)
        ]
        status[waiting] = _S_PENDING
        return status, base

    def _suppressed(self, cidx: Int64Array, at: Moments) -> npt.NDArray[np.bool_]:
        log = self._log
        at = _broadcast(at, len(cidx))
        rows = self._as_of(_gather(self._supp_heads, cidx), at)
        out = np.zeros(len(cidx), bool)
        has = rows >= 0
        out[has] = log.action[rows[has]] == _SUPPRESS
        if self._erased_at:
            erased = np.fromiter(self._erased_at, np.int64, len(self._erased_at))
            for position in np.flatnonzero(np.isin(cidx, erased)).tolist():
                contact = int(cidx[position])
                moment = int(at[position])
                if self._erased_at[contact] <= moment < self._regrant_at.get(contact, NEVER):
                    out[position] = True
        return out

    def _status_codes(
        self, cidx: Int64Array, purpose: str, channel: str, at: Moments
    ) -> npt.NDArray[np.int8]:
        status, _ = self._key_status(cidx, self._pair_of(purpose, channel, create=False), at)
        status[self._suppressed(cidx, at)] = _S_SUPPRESSED
        return status

    def _reasons(
        self, cidx: Int64Array, purpose: str, channel: str, at: Moments
    ) -> npt.NDArray[np.int8]:
        status = self._status_codes(cidx, purpose, channel, at)
        if purpose in self._exempt:
            return np.where(status == _S_SUPPRESSED, Reason.SUPPRESSED, Reason.ALLOWED).astype(
                np.int8
            )
        reasons = _STATUS_TO_REASON[status]
        allowed = np.flatnonzero(reasons == Reason.ALLOWED)
        if allowed.size:
            self._apply_preferences(cidx, allowed, reasons, at)
        return reasons

    def _apply_preferences(
        self, cidx: Int64Array, allowed: Int64Array, reasons: npt.NDArray[np.int8], at: Moments
    ) -> None:
        """Pause, quiet hours and frequency caps, for the contacts consent allows."""
        log = self._log
        at = _broadcast(at, len(cidx))[allowed]
        pref_rows = self._as_of(_gather(self._pref_heads, cidx[allowed]), at)
        cap_count = np.zeros(len(allowed), np.int64)
        cap_period = np.zeros(len(allowed), np.int64)
        if self._default_cap is not None:
            cap_count[:] = self._default_cap[0]
            cap_period[:] = self._default_cap[1] // timedelta(microseconds=1)
        with_prefs = np.flatnonzero(pref_rows >= 0)
        if with_prefs.size:
            for position in with_prefs.tolist():
                moment = from_micros(int(at[position]))
                prefs: Preferences = self._extras[int(pref_rows[position])]["preferences"]
                target = int(allowed[position])
                if prefs.paused_until is not None and moment < prefs.paused_until:
                    reasons[target] = Reason.PAUSED
                elif prefs.in_quiet_hours(moment):
                    reasons[target] = Reason.QUIET_HOURS
                if prefs.max_per_period is not None:
                    cap_count[position] = prefs.max_per_period[0]
                    cap_period[position] = prefs.max_per_period[1] // timedelta(microseconds=1)
        capped = np.flatnonzero((cap_count > 0) & (reasons[allowed] == Reason.ALLOWED))
        if not capped.size:
            return
        rows = self._as_of(_gather(self._sent_heads, cidx[allowed[capped]]), at[capped])
        since = at[capped] - cap_period[capped]
        sent = np.zeros(len(capped), np.int64)
        active = np.flatnonzero(rows >= 0)
        limit = int(cap_count[capped].max())
        for _ in range(limit):
            active = active[log.ts[rows[active]] > since[active]]
            if not active.size:
                break
            sent[active] += 1
            rows[active] = log.prev[rows[active]]
            active = active[rows[active] >= 0]
        over = sent >= cap_count[capped]
        reasons[allowed[capped[over]]] = Reason.FREQUENCY_CAP

    def _lookup(
        self, contacts: Sequence[Hashable] | npt.NDArray[Any]
    ) -> tuple[list[Hashable], Int64Array]:
        items = as_id_list(contacts, "contacts")
        return items, self._contacts.lookup(items, "contacts")

    def status(
        self, contact: Hashable, purpose: str, channel: str, *, at: datetime | None = None
    ) -> ConsentStatus:
        """The consent status of one key, now or as of ``at`` (audits).

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> OptInRegistry().status("stranger", "news", "email").value
        'none'
        """
        index, now = self._one(contact, purpose, channel, at)
        if index is None:
            return ConsentStatus.SUPPRESSED
        return _STATUSES[self._status_one(index, purpose, channel, now)]

    def _one(
        self, contact: Hashable, purpose: str, channel: str, at: datetime | None
    ) -> tuple[int | None, int]:
        """Validated (contact index, moment) of a scalar question; None: an erased id."""
        check_id(contact, "contact")
        _nonempty_str(purpose, "purpose")
        _nonempty_str(channel, "channel")
        now = self._now_us(at)
        index = self._contacts.get(contact)
        if index < 0 and self._erased_unknown(contact, now):
            return None, now
        return index, now

    def check(
        self, contact: Hashable, purpose: str, channel: str, *, at: datetime | None = None
    ) -> Reason:
        """Why ``contact`` may (``Reason.ALLOWED``) or may not be contacted now.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> OptInRegistry().check("stranger", "news", "email")
        <Reason.NO_CONSENT: 1>
        """
        index, now = self._one(contact, purpose, channel, at)
        if index is None:
            return Reason.SUPPRESSED
        return _REASONS[self._reason_one(index, purpose, channel, now)]

    def may_contact(
        self, contact: Hashable, purpose: str, channel: str, *, at: datetime | None = None
    ) -> bool:
        """True only if consent is granted and the contact's preferences allow it now.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("ann", "news", "email", source="form")
        >>> registry.may_contact("ann", "news", "email"), registry.may_contact("ann", "news", "sms")
        (True, False)
        """
        return self.check(contact, purpose, channel, at=at) is Reason.ALLOWED

    def check_many(
        self,
        contacts: Sequence[Hashable] | npt.NDArray[Any],
        purpose: str,
        channel: str,
        *,
        at: datetime | Sequence[datetime] | npt.NDArray[Any] | None = None,
    ) -> ConsentChecks:
        """A ``Reason`` per contact, vectorized; unknown contacts are ``NO_CONSENT``.

        ``at`` is one moment for all, or one per contact (a sequence of aware
        datetimes or a numpy datetime64 array read as UTC): "could we have
        contacted each of them when we did?"

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("bob", "news", "email", source="form")
        >>> [r.name for r in registry.check_many(["ann", "bob"], "news", "email")]
        ['NO_CONSENT', 'ALLOWED']
        """
        _nonempty_str(purpose, "purpose")
        _nonempty_str(channel, "channel")
        items, cidx = self._lookup(contacts)
        now: Moments
        if at is None or isinstance(at, datetime):
            now = self._now_us(at)
        else:
            now = micros_array(at, len(items), "at")
        reasons = self._reasons(cidx, purpose, channel, now)
        if self._erased:
            moments = _broadcast(now, len(items))
            for position in np.flatnonzero(cidx < 0).tolist():
                if self._erased_unknown(items[position], int(moments[position])):
                    reasons[position] = Reason.SUPPRESSED
        return ConsentChecks(items, reasons)

    def audience(
        self,
        contacts: Sequence[Hashable] | npt.NDArray[Any],
        purpose: str,
        channel: str,
        *,
        at: datetime | None = None,
    ) -> list[Hashable]:
        """The contacts that may be contacted now, in the given order.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant_many(["ann", "cid"], "news", "email", source="import")
        >>> registry.audience(["ann", "bob", "cid"], "news", "email")
        ['ann', 'cid']
        """
        return self.check_many(contacts, purpose, channel, at=at).allowed_contacts()

    def expiring(
        self,
        purpose: str,
        channel: str,
        *,
        within: timedelta,
        at: datetime | None = None,
    ) -> list[tuple[Hashable, datetime]]:
        """Granted contacts whose consent lapses within ``within``, soonest first.

        Examples
        --------
        >>> from datetime import UTC, datetime, timedelta
        >>> from community_marketing import OptInRegistry
        >>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
        >>> registry = OptInRegistry(expiry={"*": {"implied_business": timedelta(days=730)}})
        >>> _ = registry.grant("ann", "news", "email", source="purchase",
        ...                    basis="implied_business", at=t0)
        >>> [(c, d.date().isoformat()) for c, d in registry.expiring(
        ...     "news", "email", within=timedelta(days=30), at=t0 + timedelta(days=720))]
        [('ann', '2028-01-01')]
        """
        _nonempty_str(purpose, "purpose")
        _nonempty_str(channel, "channel")
        horizon = ensure_timedelta(within, "within") // timedelta(microseconds=1)
        now = self._now_us(at)
        pair = self._pair_of(purpose, channel, create=False)
        if pair < 0:
            return []
        cidx = np.arange(len(self._contacts), dtype=np.int64)
        status, base = self._key_status(cidx, pair, now)
        status[self._suppressed(cidx, now)] = _S_SUPPRESSED
        granted = np.flatnonzero(status == _S_GRANTED)
        lapse = self._log.expires(base[granted])
        soon = lapse <= now + horizon
        order = np.argsort(lapse[soon], kind="stable")
        picked = granted[soon][order]
        return [
            (self._contacts.id_at(int(c)), from_micros(int(t)))
            for c, t in zip(picked.tolist(), lapse[soon][order].tolist(), strict=True)
        ]

    # ------------------------------------------------------------------ proof and portability

    def history(self, contact: Hashable) -> list[ConsentEvent]:
        """Every event of the contact, in order: the proof GDPR Art. 7(1) asks for.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("ann", "news", "email", source="form")
        >>> _ = registry.withdraw("ann", source="link")
        >>> [e.action.value for e in registry.history("ann")]
        ['grant', 'withdraw']
        """
        cidx = self._contacts.get(contact)
        if cidx < 0:
            return []
        log = self._log
        rows = np.flatnonzero(log.contact[: log.n] == cidx)
        rows = rows[np.argsort(log.seq(rows), kind="stable")]
        return [self._event(int(r)) for r in rows]

    def export(self, contact: Hashable, *, at: datetime | None = None) -> dict[str, Any]:
        """A JSON-compatible receipt of everything held on the contact (portability).

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("ann", "news", "email", source="form")
        >>> receipt = registry.export("ann")
        >>> receipt["consents"][0]["status"], len(receipt["events"])
        ('granted', 1)
        """
        now = self._now_us(at)
        cidx = np.array([self._contacts.get(contact)], np.int64)
        consents = []
        for pair in sorted(self._key_heads):
            purpose, channel = self._key_pair(pair)
            heads = self._key_heads[pair]
            if cidx[0] < 0 or cidx[0] >= len(heads) or heads[cidx[0]] < 0:
                continue
            status = _STATUSES[int(self._status_codes(cidx, purpose, channel, now)[0])]
            consents.append({"purpose": purpose, "channel": channel, "status": status.value})
        return {
            "schema": SCHEMA,
            "contact": contact if isinstance(contact, (str, int, float)) else repr(contact),
            "as_of": from_micros(now).isoformat(),
            "suppressed": self.is_suppressed(contact, at=from_micros(now)),
            "preferences": self.preferences(contact, at=from_micros(now)).to_dict(),
            "consents": consents,
            "events": [event.to_dict() for event in self.history(contact)],
        }

    # ------------------------------------------------------------------ persistence

    def events(self, since: int = 0) -> list[ConsentEvent]:
        """The events with ``seq >= since``, in sequence order (store them incrementally).

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("ann", "news", "email", source="form")
        >>> _ = registry.grant("bob", "news", "email", source="form")
        >>> [e.contact for e in registry.events(since=1)]
        ['bob']
        """
        if not isinstance(since, int) or isinstance(since, bool) or since < 0:
            raise InvalidInputError(f"since: expected an int >= 0, got {since!r}")
        log = self._log
        rows = np.flatnonzero(
            (log.seq(slice(0, log.n)) >= since) & (log.action[: log.n] != _TOMBSTONE)
        )
        rows = rows[np.argsort(log.seq(rows), kind="stable")]
        return [self._event(int(r)) for r in rows]

    @classmethod
    def from_events(cls, events: Iterable[ConsentEvent], **config: Any) -> OptInRegistry:
        """Rebuild a registry from its events, in any order (sorted stably by time, then seq).

        ``config`` takes the constructor's keywords. Double opt-in tokens are
        secrets and are not in events: pending requests rebuilt this way cannot be
        confirmed (``to_state`` keeps them).

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("ann", "news", "email", source="form")
        >>> copy = OptInRegistry.from_events(reversed(registry.events()))
        >>> copy.events() == registry.events()
        True
        """
        registry = cls(**config)
        items = list(events)
        for position, event in enumerate(items):
            if not isinstance(event, ConsentEvent):
                raise InvalidInputError(
                    f"events[{position}]: expected a ConsentEvent, got {type(event).__name__}"
                )
        seqs = [e.seq for e in items]
        if any(not isinstance(s, int) or isinstance(s, bool) or s < 0 for s in seqs):
            raise InvalidInputError("events[].seq: expected ints >= 0")
        if len(set(seqs)) != len(seqs):
            raise InvalidInputError("events[].seq: sequence numbers must be unique")
        rows = []
        for position, event in enumerate(items):
            rows.append(registry._row_from_event(event, f"events[{position}]"))
        registry._replay(rows)
        return registry

    def _row_from_event(self, event: ConsentEvent, field: str) -> tuple[Any, ...]:
        action = event.action
        if not isinstance(action, ConsentAction):
            raise InvalidInputError(f"{field}.action: expected a ConsentAction")
        ts = to_micros(ensure_aware(event.at, f"{field}.at"))
        _nonempty_str(event.source, f"{field}.source")
        for name in ("purpose", "channel", "basis", "notice_version", "jurisdiction"):
            _optional_str(getattr(event, name), f"{field}.{name}")
        for name in ("proof", "reason"):
            value = getattr(event, name)
            if value is not None and not isinstance(value, str):
                raise InvalidInputError(f"{field}.{name}: expected a str or None")
        if action is ConsentAction.ERASE:
            if event.contact is not None or not isinstance(event.proof, str):
                raise InvalidInputError(f"{field}: an erase event holds no contact, only a proof")
        else:
            check_id(event.contact, f"{field}.contact")
        if action in (ConsentAction.GRANT, ConsentAction.CONFIRM, ConsentAction.REQUEST) and (
            event.purpose is None or event.channel is None or event.basis is None
        ):
            raise InvalidInputError(f"{field}: a {action.value} needs purpose, channel and basis")
        if action is ConsentAction.SENT and (event.purpose is None or event.channel is None):
            raise InvalidInputError(f"{field}: a send needs purpose and channel")
        if action is ConsentAction.PREFERENCES and not isinstance(event.preferences, Preferences):
            raise InvalidInputError(f"{field}.preferences: expected Preferences")
        if action in (ConsentAction.SUPPRESS, ConsentAction.UNSUPPRESS) and not event.reason:
            raise InvalidInputError(f"{field}.reason: a suppression needs a reason")
        expires = (
            NEVER
            if event.expires_at is None
            else to_micros(ensure_aware(event.expires_at, f"{field}.expires_at"))
        )
        extra = {
            name: getattr(event, name)
            for name in ("proof", "reason", "preferences")
            if getattr(event, name) is not None
        }
        return (
            ts,
            event.seq,
            event.contact,
            (event.purpose, event.channel),
            _A[action],
            expires,
            (event.source, event.basis, event.notice_version, event.jurisdiction),
            extra,
        )

    def _replay(self, rows: list[tuple[Any, ...]]) -> None:
        """Apply validated rows in time order; each erasure applies where it stands."""
        rows.sort(key=lambda row: (row[0], row[1]))
        block: list[tuple[Any, ...]] = []
        for row in rows:
            if row[4] == _ERASE:
                self._replay_block(block)
                block = []
                self._replay_block([row])
                self._apply_erasure(row[7]["proof"], row[0])
            else:
                block.append(row)
        self._replay_block(block)

    def _replay_block(self, block: list[tuple[Any, ...]]) -> None:
        if not block:
            return
        contacts = [row[2] for row in block]
        erase_rows = [i for i, row in enumerate(block) if row[4] == _ERASE]
        cidx = np.full(len(block), -1, np.int64)
        keep = [i for i in range(len(block)) if i not in set(erase_rows)]
        if keep:
            cidx[keep] = self._add_contacts([contacts[i] for i in keep], "events[].contact")
        pairs = np.array(
            [
                self._pair_of(*row[3], create=True) if row[3] != (None, None) else -1
                for row in block
            ],
            np.int64,
        )
        self._append(
            cidx,
            pairs,
            np.array([row[4] for row in block], np.int8),
            np.array([row[0] for row in block], np.int64),
            np.array([self._meta_of(*row[6]) for row in block], np.int32),
            np.array([row[5] for row in block], np.int64),
            seq=np.array([row[1] for row in block], np.int64),
            live=False,
            extras={i: row[7] for i, row in enumerate(block) if row[7]},
        )

    def to_state(self) -> dict[str, Any]:
        """The whole registry as plain data and numpy arrays, with a ``"schema"`` key.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("ann", "news", "email", source="form")
        >>> copy = OptInRegistry.from_state(registry.to_state())
        >>> copy.events() == registry.events()
        True
        """
        with self._lock:
            log = self._log
            rows = np.flatnonzero(log.action[: log.n] != _TOMBSTONE)
            live_contacts = np.unique(log.contact[rows][log.contact[rows] >= 0])
            remap = np.full(len(self._contacts) + 1, -1, np.int32)
            remap[live_contacts] = np.arange(len(live_contacts), dtype=np.int32)
            contact_col = remap[log.contact[rows]]  # -1 (erase rows) reads the last slot: -1
            position = {int(r): i for i, r in enumerate(rows.tolist()) if int(r) in self._extras}
            extras = []
            for row, index in position.items():
                extra = dict(self._extras[row])
                if "preferences" in extra:
                    extra["preferences"] = extra["preferences"].to_dict()
                extras.append([index, extra])
            return {
                "schema": SCHEMA,
                "config": self._config(),
                "contacts": self._contacts.ids_at(live_contacts),
                "pairs": [list(pair) for pair in self._pairs],
                "metas": [list(meta) for meta in self._metas],
                "columns": {
                    "seq": log.seq(rows),
                    "contact": contact_col,
                    "pair": log.pair[rows],
                    "action": log.action[rows],
                    "ts": log.ts[rows].copy(),
                    "expires": log.expires(rows),
                    "meta": log.meta[rows],
                },
                "extras": extras,
                "tokens": [
                    [seq, digest.hex(), expires]
                    for seq, (digest, expires, _) in self._tokens.items()
                ],
                "next_seq": self._next_seq,
            }

    @classmethod
    def from_state(cls, state: Mapping[str, Any], *, clock: Clock | None = None) -> OptInRegistry:
        """Rebuild a registry from ``to_state``; ``InvalidInputError`` names any bad field.

        Examples
        --------
        >>> from community_marketing import OptInRegistry, InvalidInputError
        >>> OptInRegistry.from_state({"schema": 99})
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: state.schema: expected 1, got 99
        """
        return _load_state(cls, state, clock)


def _state_list(state: Mapping[str, Any], name: str) -> list[Any]:
    value = state.get(name)
    if not isinstance(value, list):
        raise InvalidInputError(f"state.{name}: expected a list, got {type(value).__name__}")
    return value


def _config_from_state(config: object) -> dict[str, Any]:
    if not isinstance(config, Mapping):
        raise InvalidInputError("state.config: expected a dict")
    try:
        cap = config["default_max_per_period"]
        return {
            "token_ttl": timedelta(seconds=config["token_ttl_s"]),
            "expiry": {
                purpose: {basis: timedelta(seconds=life) for basis, life in rules.items()}
                for purpose, rules in config["expiry"].items()
            },
            "exempt_purposes": list(config["exempt_purposes"]),
            "default_max_per_period": None if cap is None else (cap[0], timedelta(seconds=cap[1])),
            "stop_keywords": list(config["stop_keywords"]),
            "start_keywords": list(config["start_keywords"]),
            "help_keywords": list(config["help_keywords"]),
            "erasure_key": bytes.fromhex(config["erasure_key"]),
        }
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as exc:
        raise InvalidInputError(f"state.config: {type(exc).__name__}: {exc}") from None


def _columns_from_state(state: Mapping[str, Any]) -> dict[str, Int64Array]:
    columns = state.get("columns")
    if not isinstance(columns, Mapping):
        raise InvalidInputError("state.columns: expected a dict of arrays")
    arrays: dict[str, Int64Array] = {}
    for name in ("seq", "contact", "pair", "action", "ts", "expires", "meta"):
        array = columns.get(name)
        if not isinstance(array, np.ndarray) or array.ndim != 1 or array.dtype.kind not in "iu":
            raise InvalidInputError(f"state.columns.{name}: expected a 1-d integer numpy array")
        if arrays and len(array) != len(arrays["seq"]):
            raise InvalidInputError(
                f"state.columns.{name}: length {len(array)}, expected {len(arrays['seq'])}"
            )
        arrays[name] = array
    return arrays


def _check_tables(pairs: list[Any], metas: list[Any]) -> None:
    for i, pair in enumerate(pairs):
        if not isinstance(pair, list) or len(pair) != 2:
            raise InvalidInputError(f"state.pairs[{i}]: expected [purpose, channel]")
        for part in pair:
            _optional_str(part, f"state.pairs[{i}]")
    if len({tuple(pair) for pair in pairs}) != len(pairs):
        raise InvalidInputError("state.pairs: duplicate pairs")
    for i, meta in enumerate(metas):
        if not isinstance(meta, list) or len(meta) != 4:
            raise InvalidInputError(
                f"state.metas[{i}]: expected [source, basis, notice_version, jurisdiction]"
            )
        _nonempty_str(meta[0], f"state.metas[{i}][0]")
        for part in meta[1:]:
            _optional_str(part, f"state.metas[{i}]")
    if len({tuple(meta) for meta in metas}) != len(metas):
        raise InvalidInputError("state.metas: duplicate entries")


def _extras_from_state(state: Mapping[str, Any], n: int) -> dict[int, dict[str, Any]]:
    extras: dict[int, dict[str, Any]] = {}
    for i, entry in enumerate(_state_list(state, "extras")):
        if (
            not isinstance(entry, list)
            or len(entry) != 2
            or not isinstance(entry[0], int)
            or not 0 <= entry[0] < n
            or entry[0] in extras
            or not isinstance(entry[1], dict)
            or not set(entry[1]) <= {"proof", "reason", "preferences"}
        ):
            raise InvalidInputError(
                f"state.extras[{i}]: expected [row, {{proof, reason, preferences}}]"
            )
        extra = dict(entry[1])
        for name in ("proof", "reason"):
            if name in extra and not isinstance(extra[name], str):
                raise InvalidInputError(f"state.extras[{i}].{name}: expected a str")
        if "preferences" in extra:
            extra["preferences"] = Preferences.from_dict(extra["preferences"])
        extras[entry[0]] = extra
    return extras


def _check_rows(
    arrays: Mapping[str, Int64Array],
    pairs: list[Any],
    metas: list[Any],
    contacts: list[Any],
    extras: Mapping[int, dict[str, Any]],
) -> None:
    """Every row must be an event the live registry could have written."""
    n = len(arrays["seq"])

    def bounded(name: str, low: int, high: int) -> None:
        array = arrays[name]
        if n and (int(array.min()) < low or int(array.max()) >= high):
            raise InvalidInputError(f"state.columns.{name}: values outside [{low}, {high})")

    bounded("contact", -1, len(contacts))
    bounded("pair", -1, len(pairs))
    bounded("action", 0, len(_ACTIONS))
    bounded("meta", 0, max(len(metas), 1) if metas else 0)
    bounded("seq", 0, NEVER)
    low, high = (
        to_micros(datetime.min.replace(tzinfo=UTC)),
        to_micros(datetime.max.replace(tzinfo=UTC)),
    )
    bounded("ts", low, high)
    expires = arrays["expires"]
    if ((expires != NEVER) & ((expires < low) | (expires >= high))).any():
        raise InvalidInputError(
            f"state.columns.expires: values outside [{low}, {high}) and not 'never'"
        )
    seq = arrays["seq"]
    if n > 1 and not (seq[1:] > seq[:-1]).all() and (np.diff(np.sort(seq)) == 0).any():
        raise InvalidInputError("state.columns.seq: sequence numbers must be unique")
    action = arrays["action"]
    erase = action == _ERASE
    if ((arrays["contact"] < 0) != erase).any():
        raise InvalidInputError("state.columns.contact: only erase rows have no contact (-1)")
    full = np.array([p[0] is not None and p[1] is not None for p in pairs] + [False], bool)
    pair = arrays["pair"]
    needs_pair = _action_table(_GRANT, _REQUEST, _CONFIRM, _SENT)[action]
    if (needs_pair & ~full[pair]).any():
        raise InvalidInputError("state.columns.pair: grants, requests and sends need a pair")
    has_basis = np.array([m[1] is not None for m in metas] + [False], bool)
    if (_action_table(_GRANT, _REQUEST, _CONFIRM)[action] & ~has_basis[arrays["meta"]]).any():
        raise InvalidInputError("state.columns.meta: grants need a basis")
    needs_extra = _action_table(_ERASE, _SUPPRESS, _UNSUPPRESS, _PREFERENCES)[action]
    for row in np.flatnonzero(needs_extra):
        extra = extras.get(int(row), {})
        code = action[row]
        needed = {_ERASE: "proof", _SUPPRESS: "reason", _UNSUPPRESS: "reason"}.get(
            code, "preferences"
        )
        if needed not in extra:
            raise InvalidInputError(f"state.extras: row {int(row)} needs its {needed}")


def _load_state(
    cls: type[OptInRegistry], state: Mapping[str, Any], clock: Clock | None
) -> OptInRegistry:
    if not isinstance(state, Mapping):
        raise InvalidInputError(f"state: expected a dict, got {type(state).__name__}")
    if state.get("schema") != SCHEMA:
        raise InvalidInputError(f"state.schema: expected {SCHEMA}, got {state.get('schema')!r}")
    try:
        registry = cls(clock=clock, **_config_from_state(state.get("config")))
    except InvalidInputError as exc:
        raise InvalidInputError(f"state.config: {exc}") from None
    contacts = _state_list(state, "contacts")
    pairs = _state_list(state, "pairs")
    metas = _state_list(state, "metas")
    _check_tables(pairs, metas)
    arrays = _columns_from_state(state)
    n = len(arrays["seq"])
    extras = _extras_from_state(state, n)
    _check_rows(arrays, pairs, metas, contacts, extras)
    for row in np.flatnonzero(arrays["action"] == _ERASE).tolist():
        registry._erased[extras[row]["proof"]] = int(arrays["ts"][row])
    for pair in pairs:
        registry._pair_of(pair[0], pair[1], create=True)
    for meta in metas:
        registry._meta_of(*meta)
    remap = registry._add_contacts(contacts, "state.contacts")
    if len(registry._contacts) != len(contacts):
        raise InvalidInputError("state.contacts: duplicate contacts")
    contact = arrays["contact"]
    cidx = np.full(n, -1, np.int64)
    known = contact >= 0
    cidx[known] = remap[contact[known]]
    del known
    try:
        registry._append(
            cidx,
            arrays["pair"].astype(np.int64),
            arrays["action"].astype(np.int8),
            arrays["ts"].astype(np.int64),
            arrays["meta"].astype(np.int32),
            arrays["expires"].astype(np.int64),
            seq=arrays["seq"].astype(np.int64),
            live=False,
            extras=extras,
        )
    except InvalidInputError as exc:
        raise InvalidInputError(f"state: {exc}") from None
    log = registry._log
    seqs = log.seq(slice(0, log.n))
    by_seq = np.argsort(seqs, kind="stable")
    for i, entry in enumerate(_state_list(state, "tokens")):
        try:
            seq, digest, expires = entry
            found = int(np.searchsorted(seqs, int(seq), sorter=by_seq))
            if found >= log.n or seqs[by_seq[found]] != int(seq):
                raise KeyError(seq)
            row = int(by_seq[found])
            raw = bytes.fromhex(digest)
            if len(raw) != 32 or log.action[row] != _REQUEST:
                raise ValueError("not the digest of a request")
            registry._tokens[int(seq)] = (raw, int(expires), row)
        except (TypeError, ValueError, KeyError) as exc:
            raise InvalidInputError(f"state.tokens[{i}]: {type(exc).__name__}: {exc}") from None
    next_seq = state.get("next_seq")
    if not isinstance(next_seq, int) or isinstance(next_seq, bool) or next_seq < registry._next_seq:
        raise InvalidInputError("state.next_seq: expected an int past every event's seq")
    registry._next_seq = next_seq
    return registry
