"""OptInRegistry, the face: the public methods, the lock and the clock, over the parts."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from .._checks import check_int, check_text
from .._ids import check_id
from .._imports import ImportReport, OnError, imported
from .._persist import (
    copy_with_clock,
    deepcopy_with_clock,
    reduce_with_clock,
    state_from_bytes,
    state_to_bytes,
)
from .._time import (
    NEVER,
    Clock,
    ensure_aware,
    ensure_timedelta,
    from_micros,
    later_micros,
    micros_array,
    resolve_at,
    to_micros,
    utc_now,
)
from .._types import Int64Array
from ..errors import InvalidInputError
from . import _erasure, _event_columns, _export, _record, _sends, _state, _tokens
from ._erasure import Erasures
from ._keywords import DEFAULT_HELP, DEFAULT_START, DEFAULT_STOP, Keywords, stopped_purposes
from ._log import (
    GRANT,
    PREFERENCES,
    REQUEST,
    SENT,
    SUPPRESS,
    TOMBSTONE,
    UNSUPPRESS,
    WITHDRAW,
)
from ._next_allowed import next_allowed_many
from ._preferences import preferences_at
from ._record import Provenance
from ._session import Session
from ._status import (
    REASONS,
    STATUSES,
    Policy,
    expiring,
    reason_one,
    status_one,
    suppressed_many,
)
from ._store import Store
from ._tokens import Tokens, issue_many
from ._values import ConsentChecks, ConsentEvent, ConsentStatus, KeywordResult, Preferences, Reason


def _token_field(position: int) -> str:
    return "token"


def _tokens_field(position: int) -> str:
    return f"tokens[{position}]"


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
        SMS keywords for ``apply_keyword``; a keyword may be several words ("opt out").
        Read as a message is: Unicode NFKC, case-insensitive, punctuation around
        words ignored. The defaults follow 47 CFR 64.1200(a)(10) and the CTIA. One
        str is refused (it would be split into letters).
    send_window : (datetime.time, datetime.time), optional
        The registry-wide hours in which non-exempt contact is allowed, as naive
        wall-clock times in each contact's own zone, start included, end excluded
        (may wrap midnight). ``(time(8), time(21))`` keeps the TCPA's rule for
        telephone solicitation (47 CFR 64.1200(c)(1): not before 8 a.m. nor after
        9 p.m. local time). Outside it ``check`` answers ``OUTSIDE_SEND_WINDOW``.
        None (default): no window.
    default_timezone : str, default "UTC"
        IANA zone for contacts who set none in their preferences; quiet hours and
        the send window are read in it.
    soft_opt_in_purposes : iterable of str
        The purposes that market the registry's *similar products and services*:
        the only ones a ``basis="soft_opt_in"`` grant may cover (PECR reg 22(3)).
    erasure_key : bytes, optional
        Key of the keyed hash kept for erased contacts; random by default (kept in
        ``to_state``).
    purposes, channels : iterable of str, optional
        Declared vocabularies: a purpose or channel outside them, written or asked
        about, raises ``InvalidInputError`` naming the field and listing the known
        names, so a typo (``"Newsletter"``) is caught instead of answering an empty
        audience. None (default): any name goes. Kept in ``to_state``.

    Notes
    -----
    Thread-safe: one lock per instance, held while mutating and while reading many
    rows (``export``, ``history``, ``events``); other reads take no lock.

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
    >>> declared = OptInRegistry(purposes=["newsletter", "offers"], channels=["email"])
    >>> declared.audience(["ann"], "Newsletter", "email")
    Traceback (most recent call last):
    ...
    community_marketing.errors.InvalidInputError: purpose: 'Newsletter' is not a declared purpose; expected one of ['newsletter', 'offers']
    """  # noqa: E501

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
        send_window: tuple[time, time] | None = None,
        default_timezone: str = "UTC",
        soft_opt_in_purposes: Iterable[str] = (),
        erasure_key: bytes | None = None,
        purposes: Iterable[str] | None = None,
        channels: Iterable[str] | None = None,
    ) -> None:
        if clock is not None and not callable(clock):
            raise InvalidInputError(f"clock: expected a callable, got {type(clock).__name__}")
        self._clock: Clock = clock or utc_now
        self._policy = Policy.checked(
            token_ttl,
            expiry,
            exempt_purposes,
            default_max_per_period,
            send_window=send_window,
            default_timezone=default_timezone,
            soft_opt_in_purposes=soft_opt_in_purposes,
            purposes=purposes,
            channels=channels,
        )
        self._keywords = Keywords.checked(stop_keywords, start_keywords, help_keywords)
        if erasure_key is not None and (
            not isinstance(erasure_key, bytes) or len(erasure_key) < 16
        ):
            raise InvalidInputError("erasure_key: expected at least 16 bytes")
        self._erasure_key = erasure_key if erasure_key is not None else secrets.token_bytes(32)
        self._store = Store(Erasures(self._erasure_key), self._policy.exempt)
        self._session = Session(self._clock, self._store)
        # (contacts, indices, reason codes, moments) of a question over many contacts
        self._reasons = functools.partial(_sends.question, self._store, self._policy, self._session)
        self._lock = self._session.lock
        self._tokens = Tokens()

    def __repr__(self) -> str:
        store = self._store
        return (
            f"OptInRegistry(contacts={store.contacts.count}, events={store.event_count()}, "
            f"pairs={len(store.key_heads)}, suppressed={store.suppressed_count()})"
        )

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
            ``"soft_opt_in"`` (PECR reg 22(3): contact details obtained in the course
            of a sale or negotiation, for similar products) is accepted only with a
            ``source`` of ``"sale"`` or ``"negotiation"``, or starting with ``"sale:"``
            or ``"negotiation:"`` ("sale:order-1042"), and only for a purpose listed in
            the registry's ``soft_opt_in_purposes``; the same rule holds for
            ``grant_many``, ``request`` and ``request_many``.
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

        Raises
        ------
        InvalidInputError
            A bad argument, or a ``soft_opt_in`` basis that PECR reg 22(3) does not
            allow here (the message names ``basis``); nothing is recorded.

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry(soft_opt_in_purposes=["offers"])
        >>> registry.grant("ann", "newsletter", "email", source="signup_form",
        ...                at=datetime(2026, 1, 1, tzinfo=UTC)).seq
        0
        >>> registry.grant("bob", "offers", "email", source="sale:order-1042",
        ...                basis="soft_opt_in").basis
        'soft_opt_in'
        >>> registry.grant("cid", "offers", "email", source="newsletter_form",
        ...                basis="soft_opt_in")
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: basis: 'soft_opt_in' needs a source...
        """
        provenance = Provenance(source, basis, notice_version, jurisdiction)
        return self._grant(GRANT, (contact, purpose, channel), provenance, proof, expires_at, at)

    def grant_many(
        self,
        contacts: Sequence[Hashable] | npt.NDArray[Any],
        purpose: str,
        channel: str | Sequence[str],
        *,
        source: str,
        basis: str,
        notice_version: str | None = None,
        jurisdiction: str | None = None,
        expires_at: datetime | None = None,
        at: datetime | Sequence[datetime] | npt.NDArray[Any] | None = None,
        on_error: OnError = "raise",
    ) -> int | ImportReport:
        """Record many grants for one purpose and channel at once (imports, bulk loads).

        An import names its legal basis (there is no default), and no import lifts
        an erasure or a suppression, whatever its basis: that takes the contact's
        own express opt-in, through :meth:`grant` or a confirmed double opt-in,
        recorded after it.

        Parameters
        ----------
        contacts : sequence or numpy array of ids
            One grant per entry.
        channel : str or sequence of str
            One channel, or several: one grant per contact and channel, all recorded
            in one block or none of them.
        basis : str
            The legal basis of every row ("express", "implied_business"...): required.
        purpose, source, notice_version, jurisdiction, expires_at
            As for ``grant``, shared by every row.
        at : datetime, sequence of datetimes or numpy datetime64 array, optional
            One moment for all, or one per contact (datetime64 is read as UTC).
        on_error : {"raise", "skip"}, default "raise"
            ``"raise"``: all or nothing, the first refused row named. ``"skip"``: record
            the good rows and report the refused ones (a bad id, a moment before the
            contact's latest event).

        Returns
        -------
        int or ImportReport
            The number of events recorded; with ``on_error="skip"`` an
            :class:`~community_marketing.ImportReport` (``written``: that number; each
            refused row's position, contact and reason).

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> registry.grant_many(["ann", "bob", "cid"], "newsletter", "email", basis="express",
        ...                     source="import", at=datetime(2026, 1, 1, tzinfo=UTC))
        3
        >>> registry.grant_many(["ann", "bob"], "offers", ["email", "sms"], basis="express",
        ...                     source="import", at=datetime(2026, 1, 1, tzinfo=UTC))
        4
        >>> registry.grant_many(["dan"], "offers", "email", source="import")
        Traceback (most recent call last):
        ...
        TypeError: OptInRegistry.grant_many() missing 1 required keyword-only argument: 'basis'
        """
        provenance = Provenance(source, basis, notice_version, jurisdiction)
        write = partial(self._many, GRANT, purpose, channel, provenance, expires_at)
        return imported(on_error, contacts, at, write, len)

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
        provenance = Provenance(source, basis, notice_version, jurisdiction)
        with self._session.write():
            event = self._grant(REQUEST, (contact, purpose, channel), provenance, proof, None, at)
            deadline = later_micros(to_micros(event.at), self._policy.token_ttl_us)
            return self._tokens.issue(event.seq, deadline, self._store.log.n - 1)

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
        with self._session.write():
            now = np.array([self._session.micros(at)], np.int64)
            rows = _tokens.confirm(
                self._store, self._tokens, self._policy, [token], now, _token_field
            )
            return self._store.event(int(rows[0]))

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
        provenance = Provenance(source, basis, notice_version, jurisdiction)
        with self._session.write():
            rows = self._many(REQUEST, purpose, channel, provenance, None, contacts, at)
            return issue_many(self._store, self._tokens, rows, self._policy.token_ttl_us)

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
        items = _tokens.token_list(tokens)
        if not items:
            return 0
        with self._session.write():
            now = micros_array(
                resolve_at(None, self._session.now) if at is None else at, len(items), "at"
            )
            store, policy = self._store, self._policy
            return len(_tokens.confirm(store, self._tokens, policy, items, now, _tokens_field))

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
        with self._session.write():
            now = self._session.micros(at)
            self._policy.check_names(purpose, channel)
            rows = _record.withdraw(self._store, contact, purpose, channel, source, now)
            return [self._store.event(int(r)) for r in rows]

    def withdraw_many(
        self,
        contacts: Sequence[Hashable] | npt.NDArray[Any],
        purpose: str,
        channel: str | Sequence[str],
        *,
        source: str,
        at: datetime | Sequence[datetime] | npt.NDArray[Any] | None = None,
        on_error: OnError = "raise",
    ) -> int | ImportReport:
        """Withdraw one purpose on one channel, or on several, for many contacts at once.

        With several channels every withdrawal is recorded in one block, or none is.
        ``on_error="skip"`` records the good rows and returns an
        :class:`~community_marketing.ImportReport` of the refused ones instead of the count.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant_many(["ann", "bob"], "news", "email", basis="express",
        ...                         source="import")
        >>> registry.withdraw_many(["bob"], "news", "email", source="bounce_cleanup")
        1
        >>> registry.audience(["ann", "bob"], "news", "email")
        ['ann']
        """
        write = partial(self._many, WITHDRAW, purpose, channel, Provenance(source), None)
        return imported(on_error, contacts, at, write, len)

    def suppress_many(
        self,
        contacts: Sequence[Hashable] | npt.NDArray[Any],
        *,
        reason: str,
        source: str = "api",
        at: datetime | Sequence[datetime] | npt.NDArray[Any] | None = None,
        on_error: OnError = "raise",
    ) -> int | ImportReport:
        """Put many contacts on the do-not-contact list (a complaint feed, a bounce report).

        ``on_error="skip"`` records the good rows and returns an
        :class:`~community_marketing.ImportReport` of the refused ones (a bad id, a bad
        moment) instead of the count.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> registry.suppress_many(["ann", "bob"], reason="hard_bounce")
        2
        >>> registry.is_suppressed("bob")
        True
        """
        return imported(on_error, contacts, at, partial(self._suppress_many, reason, source), int)

    def _suppress_many(self, reason: str, source: str, contacts: Any, at: Any) -> int:
        with self._session.write():
            return _record.suppress_many(
                self._store, self._session.now, contacts, reason, source, at
            )

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
        return self._contact_event(SUPPRESS, contact, source, at, {"reason": reason})

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
        return self._contact_event(UNSUPPRESS, contact, source, at, {"reason": reason})

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
        now = self._session.micros(at)
        index = self._store.contacts.get(contact)
        if index < 0:
            return self._store.erasures.erased_unknown(contact, now)
        return bool(suppressed_many(self._store, np.array([index], np.int64), now)[0])

    def erased_at(self, contact: Hashable) -> datetime | None:
        """The moment of the contact's latest erasure (UTC), or None if it was never erased.

        The registry keeps only the keyed hash of an erased id, so this answers from the
        fingerprint: in O(1), without reading the event log.

        Examples
        --------
        >>> from datetime import datetime, timezone
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> at = datetime(2026, 1, 2, tzinfo=timezone.utc)
        >>> _ = registry.erase("ann", at=at)
        >>> registry.erased_at("ann") == at, registry.erased_at("bob")
        (True, None)
        """
        check_id(contact, "contact")
        with self._lock:
            micros = self._store.erasures.last.get(self._store.erasures.fingerprint(contact))
        return None if micros is None else from_micros(micros)

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
        with self._session.write():
            now = self._session.micros(at)
            return self._store.event(_erasure.erase(self._store, self._tokens, contact, now))

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
        prefs = Preferences(timezone, quiet_hours, max_per_period, paused_until)
        return self._contact_event(PREFERENCES, contact, source, at, {"preferences": prefs})

    def preferences(self, contact: Hashable, *, at: datetime | None = None) -> Preferences:
        """The contact's preferences in force at ``at`` (defaults when none were set).

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> OptInRegistry().preferences("ann").quiet_hours is None
        True
        """
        return preferences_at(
            self._store, self._store.contacts.get(contact), self._session.micros(at)
        )

    def record_sent(
        self,
        contact: Hashable,
        purpose: str,
        channel: str,
        *,
        at: datetime | None = None,
    ) -> ConsentEvent:
        """Record that a message went out, so that frequency caps hold.

        Only a send the registry allowed at ``at`` is recorded (exempt purposes
        pass; a suppressed contact never does): the ledger holds no send it would
        have refused, and caps count only allowed sends.

        Raises
        ------
        ConsentRequiredError
            The contact was not allowed then; the message gives the reason.

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
        >>> registry.record_sent("ann", "news", "email", at=t0 + timedelta(hours=1))
        Traceback (most recent call last):
        ...
        community_marketing.errors.ConsentRequiredError: contact: 'ann' may not be sent 'news' over 'email' at 2026-01-01T01:00:00+00:00: frequency_cap; only allowed sends are recorded
        """  # noqa: E501
        check_id(contact, "contact")
        with self._session.write():
            moment = from_micros(self._session.micros(at))
            _, _, reasons, now = self._reasons([contact], purpose, channel, moment)
            _sends.require_allowed([contact], reasons, purpose, channel, now, "contact")
            return self._contact_event(
                SENT, contact, "send", from_micros(int(now)), {}, pair=(purpose, channel)
            )

    def record_sent_many(
        self,
        contacts: Sequence[Hashable] | npt.NDArray[Any],
        purpose: str,
        channel: str,
        *,
        at: datetime | Sequence[datetime] | npt.NDArray[Any] | None = None,
        on_error: OnError = "raise",
    ) -> int | ImportReport:
        """Record one send per contact (a campaign's delivery report).

        All or nothing: if any contact was not allowed at its moment, nothing is
        recorded (see :meth:`record_sent`). With ``on_error="skip"`` the allowed sends
        are recorded and an :class:`~community_marketing.ImportReport` names each refused
        contact and why, instead of the count.

        Raises
        ------
        ConsentRequiredError
            Names the first contact that was not allowed, and how many were not.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant_many(["ann", "bob"], "news", "email", basis="express", source="form")
        >>> registry.record_sent_many(["ann", "bob"], "news", "email")
        2
        >>> registry.record_sent_many(["ann", "zoe"], "news", "email")
        Traceback (most recent call last):
        ...
        community_marketing.errors.ConsentRequiredError: contacts[1]: 'zoe' may not be sent 'news' over 'email' at ...: no_consent; only allowed sends are recorded
        """  # noqa: E501
        return imported(on_error, contacts, at, partial(self._sent_many, purpose, channel), int)

    def _sent_many(self, purpose: str, channel: str, contacts: Any, at: Any) -> int:
        with self._session.write():
            items, _, reasons, now = self._reasons(contacts, purpose, channel, at)
            _sends.require_allowed(items, reasons, purpose, channel, now, "contacts")
            moments = (
                now.astype("datetime64[us]") if isinstance(now, np.ndarray) else from_micros(now)
            )
            sent = self._many(SENT, purpose, channel, Provenance("send"), None, items, moments)
            return len(sent)

    def apply_keyword(
        self, contact: Hashable, channel: str, text: str, *, at: datetime | None = None
    ) -> KeywordResult:
        """Apply an SMS-style keyword received from ``contact`` on ``channel``.

        STOP-family words withdraw every purpose on the channel; START-family
        words re-grant (express basis, source ``"keyword:START"``) only what an SMS
        STOP ended on this channel: a purpose withdrawn since its grant by any other
        source (an unsubscribe link, a preference centre) stays withdrawn, as the
        CTIA Messaging Principles and carrier practice have a START undo a STOP and
        nothing else. HELP-family words and anything else change nothing.

        The message is read as the keywords are (Unicode NFKC, any case, punctuation
        around words ignored, white space collapsed); a keyword matches the whole
        message or its leading words, the longest keyword first ("Stop please",
        "opt out!", full-width "ＳＴＯＰ").

        Parameters
        ----------
        contact : hashable
            Who sent the message.
        channel : str
            Where it came in ("sms").
        text : str
            The message.
        at : datetime, optional
            When; the registry's clock by default.

        Returns
        -------
        KeywordResult
            ``kind`` ("stop", "start", "help" or "none"), the normalized ``keyword``
            matched (the first word when none), and the events recorded.

        Raises
        ------
        InvalidInputError
            ``text`` is not a str, or another argument is invalid.

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
        >>> registry.apply_keyword("+15550100", "sms", "Opt out!").keyword
        'OPT OUT'
        """
        check_id(contact, "contact")
        check_text(channel, "channel")
        kind, keyword = self._keywords.classify(text)
        source = f"keyword:{keyword}"
        with self._session.write():
            if kind == "stop":
                events = self.withdraw(contact, None, channel, source=source, at=at)
            elif kind == "start":
                now = self._session.micros(at)
                index = self._store.contacts.get(contact)
                purposes = stopped_purposes(self._store, self._policy, index, channel, now)
                moment = from_micros(now)
                events = [
                    self.grant(contact, p, channel, source=source, at=moment) for p in purposes
                ]
            else:
                events = []
            return KeywordResult(kind, keyword, tuple(events))

    def status(
        self,
        contact: Hashable,
        purpose: str,
        channel: str,
        *,
        at: datetime | None = None,
        known_at: datetime | None = None,
    ) -> ConsentStatus:
        """The consent status of one key, now or as of ``at`` (audits).

        ``known_at`` answers as the registry knew then: only events recorded by
        that moment count, so a withdrawal recorded today but dated last month
        does not rewrite "was this send allowed when we sent it?". Erased events
        stay erased even then.

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> from community_marketing import OptInRegistry
        >>> now = {"t": datetime(2026, 5, 1, tzinfo=UTC)}
        >>> registry = OptInRegistry(clock=lambda: now["t"])
        >>> OptInRegistry().status("stranger", "news", "email").value
        'none'
        >>> _ = registry.grant("ann", "news", "email", source="form")
        >>> now["t"] = datetime(2026, 6, 1, tzinfo=UTC)
        >>> _ = registry.withdraw("ann", source="letter", at=datetime(2026, 5, 10, tzinfo=UTC))
        >>> sent = datetime(2026, 5, 20, tzinfo=UTC)
        >>> registry.status("ann", "news", "email", at=sent).value
        'withdrawn'
        >>> registry.status("ann", "news", "email", at=sent, known_at=sent).value
        'granted'
        """
        if known_at is not None:
            return self._known(known_at).status(contact, purpose, channel, at=at)
        index, now = self._one(contact, purpose, channel, at)
        if index is None:
            return ConsentStatus.SUPPRESSED
        return STATUSES[status_one(self._store, self._policy, index, purpose, channel, now)]

    def check(
        self,
        contact: Hashable,
        purpose: str,
        channel: str,
        *,
        at: datetime | None = None,
        known_at: datetime | None = None,
    ) -> Reason:
        """Why ``contact`` may (``Reason.ALLOWED``) or may not be contacted now.

        ``known_at``: as the registry knew then (see :meth:`status`).

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> OptInRegistry().check("stranger", "news", "email")
        <Reason.NO_CONSENT: 1>
        """
        if known_at is not None:
            return self._known(known_at).check(contact, purpose, channel, at=at)
        index, now = self._one(contact, purpose, channel, at)
        if index is None:
            return Reason.SUPPRESSED
        return REASONS[reason_one(self._store, self._policy, index, purpose, channel, now)]

    def may_contact(
        self,
        contact: Hashable,
        purpose: str,
        channel: str,
        *,
        at: datetime | None = None,
        known_at: datetime | None = None,
    ) -> bool:
        """True only if consent is granted and the contact's preferences allow it now.

        ``known_at``: as the registry knew then (see :meth:`status`).

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("ann", "news", "email", source="form")
        >>> registry.may_contact("ann", "news", "email"), registry.may_contact("ann", "news", "sms")
        (True, False)
        """
        return self.check(contact, purpose, channel, at=at, known_at=known_at) is Reason.ALLOWED

    def next_allowed_at(
        self, contact: Hashable, purpose: str, channel: str, *, at: datetime | None = None
    ) -> datetime | None:
        """The first moment, at or after ``at``, at which ``contact`` may be contacted.

        For a refusal on time grounds (``PAUSED``, ``QUIET_HOURS``,
        ``OUTSIDE_SEND_WINDOW``, ``FREQUENCY_CAP``) the send can be held rather than
        dropped, as Braze does: a pause ends at ``paused_until``; quiet hours and the
        send window (TCPA, 47 CFR 64.1200(c)(1)) end when the contact's own wall
        clock leaves them, daylight saving time included (``zoneinfo``); a frequency
        cap frees up when the oldest send that keeps it full leaves the period.
        When several apply, the moment satisfies all of them, and consent must still
        hold there (a grant lapsing first gives None). Sends not yet recorded are
        not foreseen.

        Parameters
        ----------
        contact : hashable
            The person, by the application's id.
        purpose, channel : str
            What for, and how.
        at : datetime, optional
            From when; the registry's clock by default.

        Returns
        -------
        datetime or None
            ``at`` itself (in UTC) when contact is allowed then; the moment (UTC,
            microseconds) it becomes allowed for a refusal on time grounds; None for
            any other refusal (no consent, withdrawn, expired, suppressed), or when no
            representable moment within 64 jumps allows it (quiet hours that cover
            the whole send window).

        Raises
        ------
        InvalidInputError
            A bad argument or a naive ``at``.

        Examples
        --------
        >>> from datetime import UTC, datetime, time
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry(send_window=(time(8), time(21)))
        >>> _ = registry.grant("ann", "news", "sms", source="form",
        ...                    at=datetime(2026, 3, 1, tzinfo=UTC))
        >>> _ = registry.set_preferences("ann", timezone="America/New_York",
        ...                              at=datetime(2026, 3, 1, tzinfo=UTC))
        >>> late = datetime(2026, 3, 8, 3, tzinfo=UTC)  # 22:00 in New York on March 7
        >>> registry.check("ann", "news", "sms", at=late).name
        'OUTSIDE_SEND_WINDOW'
        >>> registry.next_allowed_at("ann", "news", "sms", at=late).isoformat()
        '2026-03-08T12:00:00+00:00'
        >>> registry.next_allowed_at("bob", "news", "sms", at=late) is None
        True
        """
        index, now = self._one(contact, purpose, channel, at)
        if index is None:
            return None
        store, policy = self._store, self._policy
        reason = reason_one(store, policy, index, purpose, channel, now)
        if reason == Reason.ALLOWED:
            return from_micros(now)
        cidx = np.array([index], np.int64)
        codes = np.array([reason], np.int8)
        _, until = next_allowed_many(store, policy, cidx, purpose, channel, now, codes)
        return None if not until.size or until[0] == NEVER else from_micros(int(until[0]))

    def check_many(
        self,
        contacts: Sequence[Hashable] | npt.NDArray[Any],
        purpose: str,
        channel: str,
        *,
        at: datetime | Sequence[datetime] | npt.NDArray[Any] | None = None,
        known_at: datetime | None = None,
    ) -> ConsentChecks:
        """A ``Reason`` per contact, vectorized; unknown contacts are ``NO_CONSENT``.

        ``at`` is one moment for all, or one per contact (a sequence of aware
        datetimes or a numpy datetime64 array read as UTC): "could we have
        contacted each of them when we did?" The answer also tells, through
        ``ConsentChecks.next_allowed_at()``, when each contact refused on time
        grounds may be contacted (see ``next_allowed_at``).

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("bob", "news", "email", source="form")
        >>> [r.name for r in registry.check_many(["ann", "bob"], "news", "email")]
        ['NO_CONSENT', 'ALLOWED']
        """
        if known_at is not None:
            return self._known(known_at).check_many(contacts, purpose, channel, at=at)
        items, cidx, reasons, now = self._reasons(contacts, purpose, channel, at)
        store, policy = self._store, self._policy
        waits = next_allowed_many(store, policy, cidx, purpose, channel, now, reasons)
        return ConsentChecks(items, reasons, at=np.asarray(now, np.int64), waits=waits)

    def audience(
        self,
        contacts: Sequence[Hashable] | npt.NDArray[Any],
        purpose: str,
        channel: str,
        *,
        at: datetime | None = None,
        known_at: datetime | None = None,
    ) -> list[Hashable]:
        """The contacts that may be contacted now, each once, in the given order.

        A contact listed twice is one person: listed once here, so that it never
        takes two places under a frequency cap. ``known_at``: as the registry knew
        then (see :meth:`status`).

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant_many(["ann", "cid"], "news", "email", basis="express",
        ...                         source="import")
        >>> registry.audience(["ann", "bob", "cid", "ann"], "news", "email")
        ['ann', 'cid']
        """
        if known_at is not None:
            return self._known(known_at).audience(contacts, purpose, channel, at=at)
        items, cidx, reasons, _ = self._reasons(contacts, purpose, channel, at)
        return _sends.distinct_allowed(items, cidx, reasons)

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
        check_text(purpose, "purpose")
        check_text(channel, "channel")
        horizon = ensure_timedelta(within, "within") // timedelta(microseconds=1)
        now = self._session.micros(at)
        return expiring(self._store, self._policy, purpose, channel, now, horizon)

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
        store = self._store
        # Multi-row reads take the lock: a bulk write never shows half of its block.
        with self._lock:
            cidx = store.contacts.get(contact)
            if cidx < 0:
                return []
            rows = np.flatnonzero(store.log.contact[: store.log.n] == cidx)
            rows = rows[np.argsort(store.log.seq(rows), kind="stable")]
            return [store.event(int(r)) for r in rows]

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
        now = self._session.micros(at)
        with self._lock:
            return _export.export(self, contact, now)

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
        check_int(since, "since", low=0)
        log = self._store.log
        with self._lock:
            rows = np.flatnonzero(
                (log.seq(slice(0, log.n)) >= since) & (log.action[: log.n] != TOMBSTONE)
            )
            rows = rows[np.argsort(log.seq(rows), kind="stable")]
            return [self._store.event(int(r)) for r in rows]

    @classmethod
    def from_events(cls, events: Iterable[ConsentEvent], **config: Any) -> OptInRegistry:
        """Rebuild a registry from its events, in any order (sorted stably by time, then seq).

        ``config`` takes the constructor's keywords. Double opt-in tokens are
        secrets and are not in events: pending requests rebuilt this way cannot be
        confirmed (``to_state`` keeps them). Erasures keep the erased suppressed
        only under the key their proofs were made with, and events carry the key's
        id, not the key: events holding an erasure need ``erasure_key`` (see
        :attr:`erasure_key`).

        Raises
        ------
        InvalidInputError
            A bad event (the message names it); events with erasures but no
            ``erasure_key``, or another key than the erasures were made with.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("ann", "news", "email", source="form")
        >>> copy = OptInRegistry.from_events(reversed(registry.events()))
        >>> copy.events() == registry.events()
        True
        >>> _ = registry.erase("ann")
        >>> copy = OptInRegistry.from_events(registry.events(), erasure_key=registry.erasure_key)
        >>> copy.is_suppressed("ann")
        True
        """
        registry = cls(**_state.known_keywords(cls, config))
        _state.load_events(
            registry._store,
            registry._tokens,
            events,
            key_given=config.get("erasure_key") is not None,
        )
        return registry

    @property
    def clock(self) -> Clock:
        """Where the registry's "now" comes from; compositions ask it too.

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> from community_marketing import OptInRegistry
        >>> OptInRegistry(clock=lambda: datetime(2030, 1, 1, tzinfo=UTC)).clock().year
        2030
        """
        return self._clock

    @property
    def erasure_key(self) -> bytes:
        """The secret key of erased contacts' fingerprints: keep it with the events.

        ``to_state`` holds it already; an application that persists events instead
        stores this key beside them and gives it back to :meth:`from_events`.
        """
        return self._erasure_key

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
            config = _state.config_dict(self._policy, self._keywords, self._erasure_key)
            return _state.to_state(self._store, self._tokens, config)

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
        registry = _state.new_registry(cls, state, clock)
        _state.load_state(registry._store, registry._tokens, state)
        _state.check_declared(registry._policy, state["pairs"])
        return registry

    def to_bytes(self) -> bytes:
        """The whole registry as one compact blob, built from :meth:`to_state` (no files).

        JSON for the tree and ``numpy.save`` for the arrays, zipped: reading it back
        runs no code, unlike a pickle. The clock is not in it.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("ann", "news", "email", source="form")
        >>> OptInRegistry.from_bytes(registry.to_bytes()).events() == registry.events()
        True
        """
        return state_to_bytes(self.to_state())

    @classmethod
    def from_bytes(cls, data: bytes, *, clock: Clock | None = None) -> OptInRegistry:
        """Rebuild a registry from :meth:`to_bytes`; ``InvalidInputError`` for anything else.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> OptInRegistry.from_bytes(b"nope")
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: data: expected the bytes of to_bytes()
        """
        return cls.from_state(state_from_bytes(data), clock=clock)

    # Pickles and copies go through from_state(to_state(), clock=...), sharing the clock.
    __reduce__ = reduce_with_clock
    __copy__ = copy_with_clock
    __deepcopy__ = deepcopy_with_clock

    def event_columns(self) -> dict[str, npt.NDArray[Any]]:
        """The consent log as named 1-d numpy columns, one row per event in seq order.

        Ready for Arrow, Parquet, pandas, polars or a Spark DataFrame: ``seq`` int64;
        ``contact`` object (None for an erasure); ``purpose``, ``channel``, ``source``,
        ``basis``, ``notice_version``, ``proof``, ``jurisdiction``, ``reason`` and
        ``key_id`` object, None for null; ``action`` object (``ConsentAction`` values);
        ``at``, ``expires_at`` and ``recorded_at`` int64 UTC microseconds since the
        epoch, where ``expires_at`` is ``ConsentChecks.NEVER`` (the int64 maximum) for
        no expiry and ``recorded_at`` equals ``at`` unless the event was back-dated, so
        no time column is ever null; ``preferences`` object, the JSON-able dict of
        ``Preferences.to_dict()`` or None. The order of keys is ``ConsentEvent``'s.

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("ann", "news", "email", source="form",
        ...                    at=datetime(2026, 1, 1, tzinfo=UTC))
        >>> columns = registry.event_columns()
        >>> list(columns)[:6]
        ['seq', 'contact', 'purpose', 'channel', 'action', 'at']
        >>> columns["contact"].tolist(), columns["at"].astype("datetime64[us]")[0]
        (['ann'], np.datetime64('2026-01-01T00:00:00.000000'))
        >>> columns["expires_at"][0] == ConsentChecks.NEVER, columns["proof"].tolist()
        (np.True_, [None])
        """
        return _event_columns.event_columns(self.events())

    @classmethod
    def from_event_columns(cls, columns: object, **config: Any) -> OptInRegistry:
        """Rebuild a registry from :meth:`event_columns`, as :meth:`from_events` does.

        ``columns`` is a dict of 1-d arrays or any table read by column name
        (``columns["seq"]``: a pandas or polars DataFrame, a pyarrow Table), never
        imported here. Text nulls may be None or NaN (pandas' missing value);
        ``preferences`` may also be JSON text, for stores without a dict type.
        ``config`` takes the constructor's keywords; events with erasures need
        ``erasure_key``, exactly as for :meth:`from_events`.

        Raises
        ------
        InvalidInputError
            A missing or bad column; the message names the column and the row.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> registry = OptInRegistry()
        >>> _ = registry.grant("ann", "news", "email", source="form")
        >>> _ = registry.erase("ann")
        >>> copy = OptInRegistry.from_event_columns(
        ...     registry.event_columns(), erasure_key=registry.erasure_key)
        >>> copy.events() == registry.events()
        True
        >>> columns = registry.event_columns()
        >>> columns["action"][0] = "agree"
        >>> OptInRegistry.from_event_columns(columns, erasure_key=registry.erasure_key)
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: columns['action'][0]: expected one of [...
        """
        events = _event_columns.events_from_columns(columns)
        try:
            return cls.from_events(events, **config)
        except InvalidInputError as error:
            raise _event_columns.renamed_error(error) from None

    # ------------------------------------------------------------------ private helpers

    def _known(self, known_at: object) -> OptInRegistry:
        """The registry as it knew at ``known_at``: rebuilt from the rows recorded by then."""
        state = _state.known_state(self.to_state(), to_micros(ensure_aware(known_at, "known_at")))
        return type(self).from_state(state, clock=self._clock)

    def _one(
        self, contact: Hashable, purpose: str, channel: str, at: datetime | None
    ) -> tuple[int | None, int]:
        """Validated (contact index, moment) of a scalar question; None: an erased id."""
        return _sends.one(self._store, self._policy, self._session, contact, purpose, channel, at)

    def _grant(
        self,
        action: np.int8,
        key: tuple[Hashable, str, str],
        provenance: Provenance,
        proof: str | None,
        expires_at: datetime | None,
        at: datetime | None,
    ) -> ConsentEvent:
        self._policy.check_basis(key[1], provenance.source, provenance.basis)
        with self._session.write():
            now = self._session.micros(at)
            store = self._store
            row = _record.grant_one(
                store, self._policy, action, key, provenance, proof, expires_at, now
            )
            return store.event(row)

    def _many(
        self,
        action: np.int8,
        purpose: str,
        channel: str | Sequence[str],
        provenance: Provenance,
        expires_at: datetime | None,
        contacts: Sequence[Hashable] | npt.NDArray[Any],
        at: datetime | Sequence[datetime] | npt.NDArray[Any] | None,
    ) -> Int64Array:
        self._policy.check_basis(purpose, provenance.source, provenance.basis)
        with self._session.write():
            return _record.record_many(
                self._store,
                self._policy,
                self._session.now,
                action,
                contacts,
                purpose,
                channel,
                provenance,
                expires_at,
                at,
            )

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
        with self._session.write():
            now = self._session.micros(at)
            row = _record.contact_event(self._store, action, contact, source, now, extra, pair)
            return self._store.event(row)
