"""Tests of the shared argument checks and growable columns."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from community_marketing._checks import (
    check_bool,
    check_float,
    check_int,
    check_optional_text,
    check_probability,
    check_random_state,
    check_text,
    check_texts,
    generator,
)
from community_marketing._columns import Columns, grown
from community_marketing.errors import InvalidInputError


@pytest.mark.parametrize("bad", [True, 1.0, "1", None, np.float64(1)])
def test_check_int_refuses_non_ints(bad: object) -> None:
    with pytest.raises(InvalidInputError, match=r"^count: expected an int"):
        check_int(bad, "count")


def test_check_int_bounds() -> None:
    assert check_int(np.int64(3), "n", low=0, high=3) == 3
    with pytest.raises(InvalidInputError, match=r"n: expected an int >= 1, got 0"):
        check_int(0, "n", low=1)
    with pytest.raises(InvalidInputError, match=r"n: expected an int <= 2, got 3"):
        check_int(3, "n", high=2)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_check_float_refuses_non_finite(bad: float) -> None:
    with pytest.raises(InvalidInputError, match=r"^x: expected a finite number"):
        check_float(bad, "x")


def test_check_float_open_and_closed_bounds() -> None:
    assert check_float(0, "x", low=0.0) == 0.0
    with pytest.raises(InvalidInputError, match=r"x: expected a number > 0.0"):
        check_float(0, "x", low=0.0, low_open=True)
    with pytest.raises(InvalidInputError, match="x: expected a number, got bool"):
        check_float(True, "x")


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_check_probability_accepts_exactly_the_open_closed_unit_interval(value: float) -> None:
    if 0.0 < value <= 1.0:
        assert check_probability(value) == value
    else:
        with pytest.raises(InvalidInputError, match=r"^probability: "):
            check_probability(value)


def test_check_probability_zero_allowed_when_asked() -> None:
    assert check_probability(0.0, "share", zero=True) == 0.0


def test_check_bool() -> None:
    assert check_bool(np.bool_(True), "flag") is True
    for bad in (0, 1, None, "yes"):
        with pytest.raises(InvalidInputError, match=r"^flag: expected a bool"):
            check_bool(bad, "flag")


def test_texts() -> None:
    assert check_text("news", "purpose") == "news"
    assert check_optional_text(None, "purpose") is None
    for bad in ("", "   ", None, 3):
        with pytest.raises(InvalidInputError, match=r"^purpose: expected a non-empty str"):
            check_text(bad, "purpose")
    assert check_texts(["a", "b"], "purposes") == ("a", "b")
    with pytest.raises(InvalidInputError, match=r"^purposes: expected a sequence of str"):
        check_texts("news", "purposes")
    with pytest.raises(InvalidInputError, match=r"^purposes\[1\]: expected a non-empty str"):
        check_texts(["a", ""], "purposes")


def test_random_state() -> None:
    rng = np.random.default_rng(0)
    assert check_random_state(rng) is rng
    assert generator(rng) is rng
    assert check_random_state(np.int32(4)) == 4
    assert generator(7).integers(1000) == np.random.default_rng(7).integers(1000)
    for bad in (-1, True, 1.5, "7"):
        with pytest.raises(InvalidInputError, match=r"^random_state: "):
            check_random_state(bad)


def test_grown_keeps_values_and_fills() -> None:
    array = np.array([1, 2], np.int32)
    assert grown(array, 2) is array
    bigger = grown(array, 3, fill=-1)
    assert bigger.dtype == np.int32
    assert bigger[:2].tolist() == [1, 2]
    assert (bigger[2:] == -1).all()


@given(st.lists(st.lists(st.integers(-(2**31), 2**31 - 1), max_size=70), max_size=8))
def test_columns_equal_concatenation(blocks: list[list[int]]) -> None:
    columns = Columns({"a": np.int64, "b": np.int64}, fills={"b": -1})
    for block in blocks:
        values = np.array(block, np.int64)
        columns.append(a=values, b=values * 2)
    flat = np.array([v for block in blocks for v in block], np.int64)
    assert len(columns) == len(flat)
    np.testing.assert_array_equal(columns["a"], flat)
    np.testing.assert_array_equal(columns["b"], flat * 2)
    columns.truncate(len(flat) // 2)
    np.testing.assert_array_equal(columns["a"], flat[: len(flat) // 2])
    assert columns.names() == ("a", "b")
    assert columns.nbytes() >= 16 * len(flat)
