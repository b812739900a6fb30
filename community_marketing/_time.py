"""Aware-UTC time: checks at the boundary, int64 microseconds inside.

Every timestamp that enters the library is a timezone-aware ``datetime`` (a
naive one is ambiguous across the contact's and the server's zones, so it is
refused). Columnar stores keep integer microseconds since the Unix epoch, UTC,
which is exactly the resolution of ``datetime``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import InvalidInputError

__all__ = [
    "EPOCH",
    "MAX_MICROS",
    "MAX_MOMENT",
    "MIN_MICROS",
    "MIN_MOMENT",
    "NEVER",
    "Clock",
    "check_micros",
    "ensure_aware",
    "ensure_timedelta",
    "from_micros",
    "later_micros",
    "micros_array",
    "resolve_at",
    "to_micros",
    "utc_now",
]

Clock = Callable[[], datetime]
"""A callable returning the current time as an aware ``datetime``."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NEVER = np.iinfo(np.int64).max
"""Sentinel microseconds for "no expiry"."""

_MICROSECOND = timedelta(microseconds=1)

MIN_MOMENT = datetime(1, 1, 2, tzinfo=UTC)
MAX_MOMENT = datetime(9999, 12, 30, tzinfo=UTC)
"""The representable range: a day inside ``datetime``'s own, so that any moment in it
can be shown in any time zone (offsets are under a day) without overflow."""
MIN_MICROS = (MIN_MOMENT - EPOCH) // _MICROSECOND
MAX_MICROS = (MAX_MOMENT - EPOCH) // _MICROSECOND
_RANGE = "between 0001-01-02 and 9999-12-30 UTC"


def utc_now() -> datetime:
    """The default clock: now, in UTC."""
    return datetime.now(UTC)


def ensure_aware(value: object, field: str) -> datetime:
    """Return ``value`` if it is an aware datetime; ``InvalidInputError`` otherwise."""
    if not isinstance(value, datetime):
        raise InvalidInputError(
            f"{field}: expected a timezone-aware datetime, got {type(value).__name__}"
        )
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise InvalidInputError(
            f"{field}: expected a timezone-aware datetime, got naive {value.isoformat()}"
        )
    if not MIN_MOMENT <= value <= MAX_MOMENT:
        raise InvalidInputError(f"{field}: expected a moment {_RANGE}, got {value.isoformat()}")
    return value


def later_micros(moment: Any, duration_us: int) -> Any:
    """``moment + duration_us`` (scalar or int64 array), or ``NEVER`` past the range.

    A grant or token that would lapse after the last representable moment never
    lapses within representable time, so it is ``NEVER`` rather than an overflow.
    """
    limit = MAX_MICROS - duration_us
    if isinstance(moment, np.ndarray):
        return np.where(moment > limit, NEVER, moment + min(duration_us, MAX_MICROS))
    return NEVER if moment > limit else moment + duration_us


def check_micros(value: int, field: str) -> int:
    """``value`` (UTC microseconds, e.g. a moment plus a duration) if it is representable."""
    if not MIN_MICROS <= value <= MAX_MICROS:
        raise InvalidInputError(
            f"{field}: the moment falls outside the representable range ({_RANGE})"
        )
    return value


def ensure_timedelta(value: object, field: str, *, positive: bool = True) -> timedelta:
    """Return ``value`` if it is a (strictly positive) timedelta."""
    if not isinstance(value, timedelta):
        raise InvalidInputError(f"{field}: expected a timedelta, got {type(value).__name__}")
    if positive and value <= timedelta(0):
        raise InvalidInputError(f"{field}: expected a positive duration, got {value}")
    return value


def to_micros(value: datetime) -> int:
    """Exact integer microseconds since the epoch of an aware datetime."""
    return (value - EPOCH) // _MICROSECOND


def from_micros(micros: int) -> datetime:
    """The aware UTC datetime at ``micros`` microseconds since the epoch."""
    return EPOCH + timedelta(microseconds=int(micros))


def resolve_at(at: object, clock: Clock, field: str = "at") -> datetime:
    """``at`` checked, or the clock's now when ``at`` is None."""
    if at is None:
        return ensure_aware(clock(), "clock()")
    return ensure_aware(at, field)


def micros_array(
    values: datetime | Sequence[datetime] | npt.NDArray[Any] | np.datetime64,
    n: int,
    field: str,
) -> npt.NDArray[np.int64]:
    """Microseconds for ``n`` events from one moment, a sequence of them, or datetime64 (UTC).

    numpy ``datetime64`` carries no zone; by the convention of numpy and pandas it is
    read as UTC. It is the fast path for bulk loads. Every moment must lie in the
    representable range (0001-01-02 to 9999-12-30 UTC).
    """
    if isinstance(values, datetime):
        return np.full(n, to_micros(ensure_aware(values, field)), dtype=np.int64)
    if isinstance(values, np.datetime64):
        return micros_array(np.full(n, values), n, field)
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.datetime64):
        if values.shape != (n,):
            raise InvalidInputError(f"{field}: expected {n} timestamps, got shape {values.shape}")
        if np.isnat(values).any():
            raise InvalidInputError(f"{field}: NaT at row {int(np.isnat(values).argmax())}")
        micros = values.astype("datetime64[us]").astype(np.int64)
        outside = (micros < MIN_MICROS) | (micros > MAX_MICROS)
        if outside.any():
            row = int(outside.argmax())
            raise InvalidInputError(f"{field}[{row}]: expected a moment {_RANGE}")
        return micros
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidInputError(
            f"{field}: expected an aware datetime, a sequence of them or a datetime64 array, "
            f"got {type(values).__name__}"
        )
    items = list(values)
    if len(items) != n:
        raise InvalidInputError(f"{field}: expected {n} timestamps, got {len(items)}")
    out = np.empty(n, dtype=np.int64)
    for row, item in enumerate(items):
        out[row] = to_micros(ensure_aware(item, f"{field}[{row}]"))
    return out
