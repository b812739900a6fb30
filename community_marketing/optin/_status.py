"""The consent status rules, each written once, with the scalar and bulk paths side by side.

Each rule is one small function over scalars: ``lapsed`` (explicit and policy
expiry), ``request_open`` (double opt-in expiry), ``suppressing`` (a suppression
mark), ``Erasures.suppresses`` (an erasure), and the three decisions
``_key_status_rule``, ``_status_rule`` and ``_reason_rule`` (suppression beats
everything, exempt purposes need no consent). The decisions are tabulated once at
import: the bulk path indexes the numpy table with arrays, the scalar fast path
(``status_one``, a few microseconds) indexes the same table as nested lists.
Pause, quiet hours and frequency caps are in ``_preferences``; both paths reach
them through ``reasons_from_status``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Final

import attrs
import numpy as np

from .._checks import check_text
from .._time import MAX_MICROS, from_micros
from .._types import BoolArray, Int8Array, Int32Array, Int64Array
from ..errors import InvalidInputError
from ._log import CONFIRM, GRANT, REQUEST, SUPPRESS, WITHDRAW, Moments, broadcast, gather
from ._preferences import apply_preferences, timing_applies
from ._store import Store
from ._timing import DailyRange, check_daily_range, check_zone_name, in_daily_range, local_time
from ._values import ConsentStatus, Reason, check_cap, check_duration

S_NONE, S_PENDING, S_GRANTED, S_WITHDRAWN, S_EXPIRED, S_SUPPRESSED = range(6)
STATUSES: Final = (
    ConsentStatus.NONE,
    ConsentStatus.PENDING,
    ConsentStatus.GRANTED,
    ConsentStatus.WITHDRAWN,
    ConsentStatus.EXPIRED,
    ConsentStatus.SUPPRESSED,
)
REASONS: Final = tuple(Reason)

_BASE_NONE, _BASE_WITHDRAW, _BASE_GRANT = range(3)
_BASE_OF_ACTION = np.zeros(16, np.int8)
_BASE_OF_ACTION[[GRANT, CONFIRM]] = _BASE_GRANT
_BASE_OF_ACTION[WITHDRAW] = _BASE_WITHDRAW
_BASE_OF_ACTION_LIST: Final = _BASE_OF_ACTION.tolist()
_REQUEST_I, _SUPPRESS_I = int(REQUEST), int(SUPPRESS)


@attrs.frozen
class Policy:
    """The registry's rule parameters: token lifetime, expiry policy, exempt purposes, cap,
    send window and default zone, soft opt-in purposes."""

    token_ttl_us: int
    expiry: Mapping[str, Mapping[str, int]]
    exempt: frozenset[str]
    default_cap: tuple[int, timedelta] | None
    send_window: DailyRange | None = None
    default_zone: str = "UTC"
    soft_opt_in: frozenset[str] = frozenset()
    purposes: frozenset[str] | None = None
    channels: frozenset[str] | None = None

    @classmethod
    def checked(
        cls,
        token_ttl: object,
        expiry: object,
        exempt_purposes: object,
        default_max_per_period: object,
        *,
        send_window: object = None,
        default_timezone: object = "UTC",
        soft_opt_in_purposes: object = (),
        purposes: object = None,
        channels: object = None,
    ) -> Policy:
        """The policy from the constructor's arguments, each checked."""
        ttl = check_duration(token_ttl, "token_ttl") // timedelta(microseconds=1)
        exempt = _purpose_set(exempt_purposes, "exempt_purposes")
        cap = check_cap(default_max_per_period, "default_max_per_period")
        window = check_daily_range(send_window, "send_window", "the contact's own time zone")
        default_zone = check_zone_name(default_timezone, "default_timezone")
        soft = _purpose_set(soft_opt_in_purposes, "soft_opt_in_purposes")
        expiry_us = _checked_expiry(expiry)
        known = _vocabulary(purposes, "purposes"), _vocabulary(channels, "channels")
        return cls(ttl, expiry_us, exempt, cap, window, default_zone, soft, *known)

    def check_names(self, purpose: object, channel: object) -> None:
        """``InvalidInputError`` for a purpose or channel outside a declared vocabulary.

        ``channel`` may be one name or several; None (any purpose, any channel) passes.
        """
        if self.purposes is None and self.channels is None:  # the scalar path's usual case
            return
        for field, value, known in (
            ("purpose", purpose, self.purposes),
            ("channel", channel, self.channels),
        ):
            if known is None or value is None:
                continue
            names = (value,) if isinstance(value, str) else value
            if not isinstance(names, (tuple, list)):
                continue
            for name in names:
                if isinstance(name, str) and name not in known:
                    raise InvalidInputError(
                        f"{field}: {name!r} is not a declared {field}; "
                        f"expected one of {sorted(known)!r}"
                    )

    def check_basis(self, purpose: object, source: object, basis: object) -> None:
        """Refuse a ``soft_opt_in`` grant that PECR reg 22(3) does not allow (see ``grant``)."""
        if not isinstance(basis, str) or basis != SOFT_OPT_IN:
            return
        check_text(source, "source")
        check_text(purpose, "purpose")
        if not is_sale_source(source):  # type: ignore[arg-type]
            raise InvalidInputError(
                f"basis: 'soft_opt_in' needs a source naming a sale or a negotiation "
                f"('sale', 'negotiation', 'sale:...' or 'negotiation:...'), got {source!r}"
            )
        if purpose not in self.soft_opt_in:
            raise InvalidInputError(
                f"basis: 'soft_opt_in' covers only the similar products declared in "
                f"soft_opt_in_purposes {sorted(self.soft_opt_in)!r}, not purpose {purpose!r}"
            )

    def lifetime_us(self, purpose: str, basis: str) -> int | None:
        """How long a grant of ``basis`` for ``purpose`` lasts (policy expiry); None: no lapse."""
        for scope in (purpose, "*"):
            rules = self.expiry.get(scope)
            if rules is not None and basis in rules:
                return rules[basis]
        return None


SOFT_OPT_IN: Final = "soft_opt_in"
_SALE_SOURCES: Final = ("sale", "negotiation")


def is_sale_source(source: str) -> bool:
    """A source naming a sale or a negotiation: ``sale``, ``negotiation``, or either + ``:...``."""
    head, _, _ = source.partition(":")
    return head in _SALE_SOURCES and (source == head or len(source) > len(head) + 1)


def _vocabulary(value: object, field: str) -> frozenset[str] | None:
    """None (anything goes), or a non-empty set of declared names."""
    if value is None:
        return None
    names = _purpose_set(value, field)
    if not names:
        raise InvalidInputError(f"{field}: expected None or at least one name, got none")
    return names


def _purpose_set(value: object, field: str) -> frozenset[str]:
    if isinstance(value, str):
        raise InvalidInputError(f"{field}: expected an iterable of str, got one str")
    if not isinstance(value, Iterable):
        raise InvalidInputError(f"{field}: expected an iterable of str, got {type(value).__name__}")
    return frozenset(check_text(p, f"{field}[]") for p in value)


def _checked_expiry(expiry: object) -> dict[str, dict[str, int]]:
    if expiry is None:
        return {}
    if not isinstance(expiry, Mapping):
        raise InvalidInputError("expiry: expected {purpose: {basis: timedelta}}")
    out: dict[str, dict[str, int]] = {}
    for purpose, rules in expiry.items():
        check_text(purpose, "expiry key")
        if not isinstance(rules, Mapping):
            raise InvalidInputError(f"expiry[{purpose!r}]: expected {{basis: timedelta}}")
        out[purpose] = {
            check_text(basis, f"expiry[{purpose!r}] key"): check_duration(
                life, f"expiry[{purpose!r}][{basis!r}]"
            )
            // timedelta(microseconds=1)
            for basis, life in rules.items()
        }
    return out


# ---------------------------------------------------------------------- the rules


def lapsed(expires: Moments, at: Moments) -> bool | BoolArray:
    """A grant (explicit ``expires_at`` or policy lifetime) has lapsed at ``at``."""
    return expires <= at


def request_open(requested_at: Moments, at: Moments, ttl_us: int) -> bool | BoolArray:
    """Double opt-in expiry: a request counts as pending for ``token_ttl`` after it was made."""
    return at < requested_at + ttl_us


def suppressing(mark: int | Int8Array) -> bool | BoolArray:
    """The latest suppress/unsuppress mark of a contact is a suppression."""
    return mark == _SUPPRESS_I


def _key_status_rule(base: int, has_lapsed: bool, pending: bool) -> int:
    """The status of a key from its base event (grant or withdraw) and an open request."""
    if base == _BASE_GRANT and not has_lapsed:
        return S_GRANTED
    if pending:
        return S_PENDING
    return (S_NONE, S_WITHDRAWN, S_EXPIRED)[base]


def _status_rule(key_status: int, suppressed: bool) -> int:
    """A suppression (mark or erasure) overrides every grant."""
    return S_SUPPRESSED if suppressed else key_status


def _reason_rule(status: int, exempt: bool) -> int:
    """Exempt (transactional) purposes need no consent, but a suppression still wins."""
    if status == S_SUPPRESSED:
        return Reason.SUPPRESSED
    if exempt:
        return Reason.ALLOWED
    return (
        Reason.NO_CONSENT,
        Reason.PENDING,
        Reason.ALLOWED,
        Reason.WITHDRAWN,
        Reason.EXPIRED,
        Reason.SUPPRESSED,
    )[status]


_FLAGS = (False, True)
KEY_STATUS: Final = np.array(
    [[[_key_status_rule(b, lap, op) for op in _FLAGS] for lap in _FLAGS] for b in range(3)],
    np.int8,
)
STATUS: Final = np.array([[_status_rule(s, sup) for sup in _FLAGS] for s in range(6)], np.int8)
REASON: Final = np.array([[_reason_rule(s, ex) for ex in _FLAGS] for s in range(6)], np.int8)
_KEY_STATUS_LIST: Final = KEY_STATUS.tolist()
_STATUS_LIST: Final = STATUS.tolist()
_REASON_LIST: Final = REASON.tolist()


# ---------------------------------------------------------------------- scalar fast path


def status_one(
    store: Store, policy: Policy, contact: int, purpose: str, channel: str, at: int
) -> int:
    """The status code of one key at ``at``: the rules above, on Python ints."""
    if contact < 0:
        return S_NONE
    log = store.log
    ts, prev, action = log.ts, log.prev, log.action
    heads = store.supp_heads
    row = heads.item(contact) if contact < len(heads) else -1
    while row >= 0 and ts.item(row) > at:
        row = prev.item(row)
    suppressed = row >= 0 and suppressing(action.item(row))
    if not suppressed and store.erasures.erased_at:
        suppressed = store.erasures.suppresses(contact, at)
    pair = store.pair_index.get((purpose, channel))
    keyed = store.key_heads.get(pair) if pair is not None else None
    row = keyed.item(contact) if keyed is not None and contact < len(keyed) else -1
    while row >= 0 and ts.item(row) > at:
        row = prev.item(row)
    pending = -1
    while row >= 0 and action.item(row) == _REQUEST_I:
        pending = row if pending < 0 else pending
        row = prev.item(row)
    base = _BASE_OF_ACTION_LIST[action.item(row)] if row >= 0 else _BASE_NONE
    has_lapsed = row >= 0 and lapsed(log.expires_one(row), at)
    is_open = pending >= 0 and request_open(ts.item(pending), at, policy.token_ttl_us)
    return _STATUS_LIST[_KEY_STATUS_LIST[base][has_lapsed][is_open]][suppressed]  # type: ignore[no-any-return]


def reason_one(
    store: Store, policy: Policy, contact: int, purpose: str, channel: str, at: int
) -> int:
    """The ``Reason`` code of one key at ``at``; preferences and caps go through the bulk path."""
    status = status_one(store, policy, contact, purpose, channel, at)
    prefs = store.pref_heads
    has_prefs = 0 <= contact < len(prefs) and prefs.item(contact) >= 0
    if has_prefs or policy.default_cap is not None:
        cidx = np.array([contact], np.int64)
        codes = np.array([status], np.int8)
        return int(reasons_from_status(store, policy, cidx, codes, purpose, at)[0])
    reason: int = _REASON_LIST[status][purpose in policy.exempt]
    window = policy.send_window
    if window is None or reason != Reason.ALLOWED or not timing_applies(policy, purpose):
        return reason
    inside = in_daily_range(local_time(from_micros(at), policy.default_zone), window)
    return reason if inside else int(Reason.OUTSIDE_SEND_WINDOW)


# ---------------------------------------------------------------------- bulk path


def key_status_many(
    store: Store, policy: Policy, cidx: Int64Array, pair: int, at: Moments
) -> tuple[Int8Array, Int32Array]:
    """Status code and base row (latest grant/confirm/withdraw) of each key at ``at``."""
    n = len(cidx)
    heads = store.key_heads.get(pair)
    if heads is None:
        return np.full(n, S_NONE, np.int8), np.full(n, -1, np.int32)
    at = broadcast(at, n)
    log = store.log
    rows = log.as_of(gather(heads, cidx), at)
    base = rows.copy()
    pending = np.full(n, -1, np.int32)
    has = rows >= 0
    is_request = np.zeros(n, bool)
    is_request[has] = log.action[rows[has]] == REQUEST
    pending[is_request] = rows[is_request]
    walking = np.flatnonzero(is_request)
    while walking.size:
        base[walking] = log.prev[base[walking]]
        walking = walking[base[walking] >= 0]
        walking = walking[log.action[base[walking]] == REQUEST]
    present = np.flatnonzero(base >= 0)
    kind = np.zeros(n, np.int8)
    kind[present] = _BASE_OF_ACTION[log.action[base[present]]]
    has_lapsed = np.zeros(n, bool)
    has_lapsed[present] = lapsed(log.expires(base[present]), at[present])
    is_open = np.zeros(n, bool)
    waiting = np.flatnonzero(pending >= 0)
    is_open[waiting] = request_open(log.ts[pending[waiting]], at[waiting], policy.token_ttl_us)
    return KEY_STATUS[kind, has_lapsed.view(np.int8), is_open.view(np.int8)], base


def suppressed_many(store: Store, cidx: Int64Array, at: Moments) -> BoolArray:
    """Whether each contact is suppressed at ``at`` (a mark or an erasure)."""
    log = store.log
    at = broadcast(at, len(cidx))
    rows = log.as_of(gather(store.supp_heads, cidx), at)
    out = np.zeros(len(cidx), bool)
    has = rows >= 0
    out[has] = suppressing(log.action[rows[has]])
    erasures = store.erasures
    if erasures.erased_at:
        erased = np.fromiter(erasures.erased_at, np.int64, len(erasures.erased_at))
        for position in np.flatnonzero(np.isin(cidx, erased)).tolist():
            if erasures.suppresses(int(cidx[position]), int(at[position])):
                out[position] = True
    return out


def status_many(
    store: Store, policy: Policy, cidx: Int64Array, purpose: str, channel: str, at: Moments
) -> tuple[Int8Array, Int32Array]:
    """Status code (suppression included) and base row of each contact's key at ``at``."""
    pair = store.pair_of(purpose, channel, create=False)
    key_status, base = key_status_many(store, policy, cidx, pair, at)
    suppressed = suppressed_many(store, cidx, at)
    return STATUS[key_status, suppressed.view(np.int8)], base


def reasons_many(
    store: Store, policy: Policy, cidx: Int64Array, purpose: str, channel: str, at: Moments
) -> Int8Array:
    """The ``Reason`` code of each contact at ``at``."""
    status, _ = status_many(store, policy, cidx, purpose, channel, at)
    return reasons_from_status(store, policy, cidx, status, purpose, at)


def reasons_from_status(
    store: Store, policy: Policy, cidx: Int64Array, status: Int8Array, purpose: str, at: Moments
) -> Int8Array:
    """Reasons from status codes; for non-exempt purposes, the contacts' preferences too."""
    timed = timing_applies(policy, purpose)
    reasons: Int8Array = REASON[status, int(not timed)]
    if timed:
        allowed = np.flatnonzero(reasons == Reason.ALLOWED)
        if allowed.size:
            apply_preferences(store, policy, cidx, allowed, reasons, at)
    return reasons


def expiring(
    store: Store, policy: Policy, purpose: str, channel: str, now: int, horizon: int
) -> list[tuple[Hashable, datetime]]:
    """Granted contacts whose consent lapses by ``now + horizon``, soonest first."""
    policy.check_names(purpose, channel)
    if store.pair_of(purpose, channel, create=False) < 0:
        return []
    cidx = np.arange(len(store.contacts), dtype=np.int64)
    status, base = status_many(store, policy, cidx, purpose, channel, now)
    granted = np.flatnonzero(status == S_GRANTED)
    lapse = store.log.expires(base[granted])
    soon = lapse <= min(now + horizon, MAX_MICROS)
    order = np.argsort(lapse[soon], kind="stable")
    picked = granted[soon][order].tolist()
    moments = lapse[soon][order].tolist()
    return [(store.contacts.id_at(c), from_micros(t)) for c, t in zip(picked, moments, strict=True)]
