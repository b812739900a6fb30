"""Aware-UTC time checks and conversions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from community_marketing import InvalidInputError
from community_marketing._time import (
    MAX_MICROS,
    MAX_MOMENT,
    MIN_MICROS,
    MIN_MOMENT,
    check_micros,
    ensure_aware,
    ensure_timedelta,
    from_micros,
    micros_array,
    resolve_at,
    to_micros,
)


def test_naive_and_non_datetimes_are_refused() -> None:
    with pytest.raises(
        InvalidInputError, match="at: expected a timezone-aware datetime, got naive"
    ):
        ensure_aware(datetime(2026, 1, 1), "at")
    with pytest.raises(InvalidInputError, match="got date"):
        ensure_aware(date(2026, 1, 1), "at")
    with pytest.raises(InvalidInputError, match="got str"):
        ensure_aware("2026-01-01T00:00:00Z", "at")


def test_resolve_at_uses_the_clock() -> None:
    moment = datetime(2026, 5, 1, tzinfo=UTC)
    assert resolve_at(None, lambda: moment) == moment
    with pytest.raises(InvalidInputError, match=r"clock\(\)"):
        resolve_at(None, lambda: datetime(2026, 5, 1))


@given(st.datetimes(timezones=st.just(UTC)))
def test_micros_roundtrip_exactly(moment: datetime) -> None:
    assert from_micros(to_micros(moment)) == moment


def test_other_offsets_mean_the_same_instant() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert to_micros(datetime(2026, 1, 1, 2, tzinfo=plus_two)) == to_micros(
        datetime(2026, 1, 1, tzinfo=UTC)
    )


def test_micros_array_forms() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    assert micros_array(moment, 3, "at").tolist() == [to_micros(moment)] * 3
    stamps = np.array(["2026-01-01T00:00:00"], dtype="datetime64[s]")
    assert micros_array(stamps, 1, "at").tolist() == [to_micros(moment)]
    with pytest.raises(InvalidInputError, match="NaT"):
        micros_array(np.array(["NaT"], dtype="datetime64[us]"), 1, "at")
    with pytest.raises(InvalidInputError, match=r"at\[1\]"):
        micros_array([moment, datetime(2026, 1, 1)], 2, "at")
    with pytest.raises(InvalidInputError, match="expected 2 timestamps"):
        micros_array([moment], 2, "at")


def test_ensure_timedelta() -> None:
    assert ensure_timedelta(timedelta(seconds=1), "ttl") == timedelta(seconds=1)
    with pytest.raises(InvalidInputError, match="ttl: expected a positive duration"):
        ensure_timedelta(timedelta(0), "ttl")
    with pytest.raises(InvalidInputError, match="ttl: expected a timedelta"):
        ensure_timedelta(3600, "ttl")


def test_moments_outside_the_representable_range_are_refused() -> None:
    minus_five = timezone(timedelta(hours=-5))
    for moment in (
        datetime(9999, 12, 31, 23, tzinfo=minus_five),  # year 10000 in UTC
        datetime(9999, 12, 31, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
    ):
        with pytest.raises(InvalidInputError, match=r"^at: expected a moment between"):
            ensure_aware(moment, "at")
    assert ensure_aware(MAX_MOMENT, "at") is MAX_MOMENT
    assert from_micros(MAX_MICROS) == MAX_MOMENT
    assert from_micros(MIN_MICROS) == MIN_MOMENT


def test_check_micros() -> None:
    assert check_micros(MAX_MICROS, "expires_at") == MAX_MICROS
    with pytest.raises(InvalidInputError, match=r"^expires_at: the moment falls outside"):
        check_micros(MAX_MICROS + 1, "expires_at")
    with pytest.raises(InvalidInputError, match=r"^expires_at: the moment falls outside"):
        check_micros(MIN_MICROS - 1, "expires_at")


@pytest.mark.parametrize("bad", [0, 1.5, float("nan"), None, "2026-01-01", b"x", object()])
def test_micros_array_refuses_what_is_not_a_moment(bad: object) -> None:
    with pytest.raises(InvalidInputError, match=r"^at"):
        micros_array(bad, 2, "at")  # type: ignore[arg-type]


def test_micros_array_takes_a_datetime64_scalar_and_checks_the_range() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    stamp = np.datetime64("2026-01-01T00:00:00")
    assert micros_array(stamp, 2, "at").tolist() == [to_micros(moment)] * 2
    far = np.array(["2026-01-01", "9999-12-31"], dtype="datetime64[D]")
    with pytest.raises(InvalidInputError, match=r"^at\[1\]: expected a moment between"):
        micros_array(far, 2, "at")
