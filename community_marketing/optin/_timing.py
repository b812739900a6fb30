"""Daily time ranges in a contact's own zone: quiet hours and the send window, written once.

A daily range ``(start, end)`` of naive wall-clock times holds ``start <= t < end``
and may wrap midnight (22:00 to 08:00). Quiet hours refuse contact inside their
range; the send window refuses it outside, that is inside ``(end, start)``.
``daily_exit`` gives the first moment a range stops holding, DST-correct through
``zoneinfo``: on a spring-forward day a wall time that does not exist is reached
when the clocks jump past it, on a fall-back day the first of two is taken.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .._checks import check_text
from .._time import from_micros, to_micros
from ..errors import InvalidInputError

DailyRange = tuple[time, time]
"""(start, end) naive wall-clock times; ``start > end`` wraps midnight."""


def check_daily_range(value: object, field: str, where: str) -> DailyRange | None:
    """``value`` if it is None or a (start, end) tuple of distinct naive ``datetime.time``."""
    if value is None:
        return None
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or not all(isinstance(part, time) and part.tzinfo is None for part in value)
    ):
        raise InvalidInputError(
            f"{field}: expected a (start, end) tuple of naive datetime.time in {where}, "
            f"got {value!r}"
        )
    if value[0] == value[1]:
        raise InvalidInputError(f"{field}: start and end are equal ({value[0]})")
    return value


def check_zone_name(value: object, field: str) -> str:
    """``value`` if it names an IANA time zone ('Europe/Paris', 'UTC')."""
    name = check_text(value, field)
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInputError(
            f"{field}: expected an IANA zone name such as 'Europe/Paris', got {name[:64]!r}"
            + ("..." if len(name) > 64 else "")
        ) from None
    return name


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` of a checked name."""
    return ZoneInfo(name)


def in_daily_range(local: time, window: DailyRange) -> bool:
    """Whether the wall-clock time ``local`` lies in ``window`` (which may wrap midnight)."""
    start, end = window
    if start < end:
        return start <= local < end
    return local >= start or local < end


def local_time(moment: datetime, zone_name: str) -> time:
    """The naive wall-clock time of an aware ``moment`` in the zone ``zone_name``."""
    return moment.astimezone(zone(zone_name)).time().replace(tzinfo=None)


def daily_exit(at: int, zone_name: str, window: DailyRange) -> int:
    """The first moment (UTC microseconds, later than ``at``) at which ``window`` stops holding.

    ``at`` must lie in ``window``; the answer is where the wall clock next reaches
    the window's end in ``zone_name``.
    """
    tz = zone(zone_name)
    local = from_micros(at).astimezone(tz)
    wall = local.time().replace(tzinfo=None)
    start, end = window
    day = local.date()
    if start > end and wall >= start:
        day += timedelta(days=1)
    return max(at + 1, _first_reaching(day, end, tz))


def _first_reaching(day: date, wall: time, tz: ZoneInfo) -> int:
    """The first moment at which the wall clock of ``tz`` shows ``day`` at ``wall`` or later."""
    first = datetime.combine(day, wall, tzinfo=tz)  # fold=0: the earlier of two
    moment = to_micros(first.astimezone(UTC))
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == first.replace(tzinfo=None):
        return moment
    # The wall time falls in a spring-forward gap: the answer is the jump itself, found by
    # bisection between the two readings of the wall time (about 32 steps for an hour).
    low = to_micros(first.replace(fold=1).astimezone(UTC))
    high = moment
    target = first.replace(tzinfo=None)
    while high - low > 1:
        middle = low + (high - low) // 2
        if from_micros(middle).astimezone(tz).replace(tzinfo=None) >= target:
            high = middle
        else:
            low = middle
    return high
