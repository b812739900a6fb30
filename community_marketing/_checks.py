"""Argument checks shared by every module: one wording for each kind of bad value.

Each check returns the value in its canonical form or raises ``InvalidInputError``
whose message starts with the field's name, says what was expected and shows what
arrived. Parts validate with these at the face, before the first byte is written.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .errors import InvalidInputError

__all__ = [
    "RandomState",
    "check_bool",
    "check_float",
    "check_int",
    "check_optional_text",
    "check_probability",
    "check_random_state",
    "check_text",
    "check_texts",
    "generator",
]

RandomState = int | np.random.Generator | None
"""A seed, a numpy Generator, or None for fresh entropy."""

_NUMBER_TYPES = (int, float, np.integer, np.floating)


def check_int(value: object, field: str, *, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an int within ``[low, high]``, else an error naming ``field``.

    bool is refused although it is an int: ``budget=True`` is a mistake, not 1.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidInputError(f"{field}: expected an int, got {type(value).__name__}")
    number = int(value)
    if low is not None and number < low:
        raise InvalidInputError(f"{field}: expected an int >= {low}, got {number}")
    if high is not None and number > high:
        raise InvalidInputError(f"{field}: expected an int <= {high}, got {number}")
    return number


def check_float(
    value: object,
    field: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> float:
    """``value`` as a finite float within its bounds (``low`` excluded when ``low_open``)."""
    if isinstance(value, bool) or not isinstance(value, _NUMBER_TYPES):
        raise InvalidInputError(f"{field}: expected a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidInputError(f"{field}: expected a finite number, got {number!r}")
    if low is not None and (number < low or (low_open and number == low)):
        sign = ">" if low_open else ">="
        raise InvalidInputError(f"{field}: expected a number {sign} {low}, got {number!r}")
    if high is not None and number > high:
        raise InvalidInputError(f"{field}: expected a number <= {high}, got {number!r}")
    return number


def check_probability(value: object, field: str = "probability", *, zero: bool = False) -> float:
    """A probability in ``(0, 1]`` (``[0, 1]`` when ``zero``)."""
    number = check_float(value, field)
    if not (0.0 <= number <= 1.0) or (number == 0.0 and not zero):
        interval = "[0, 1]" if zero else "(0, 1]"
        raise InvalidInputError(f"{field}: expected a probability in {interval}, got {number!r}")
    return number


def check_bool(value: object, field: str) -> bool:
    """A real bool (numpy's included); 0, 1 and None are refused."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise InvalidInputError(f"{field}: expected a bool, got {type(value).__name__}")


def check_text(value: object, field: str) -> str:
    """A str with something other than white space in it."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{field}: expected a non-empty str, got {value!r}")
    return value


def check_optional_text(value: object, field: str) -> str | None:
    """None, or a non-empty str."""
    return None if value is None else check_text(value, field)


def check_texts(value: object, field: str) -> tuple[str, ...]:
    """A sequence of non-empty strs; one str is refused rather than split into letters."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidInputError(f"{field}: expected a sequence of str, got {type(value).__name__}")
    items: Sequence[Any] = list(value)
    return tuple(check_text(item, f"{field}[{row}]") for row, item in enumerate(items))


def check_random_state(value: object) -> RandomState:
    """A non-negative int seed, a ``numpy.random.Generator`` or None."""
    if value is None or isinstance(value, np.random.Generator):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if value < 0:
            raise InvalidInputError(f"random_state: expected a seed >= 0, got {value}")
        return int(value)
    raise InvalidInputError(
        "random_state: expected an int, a numpy.random.Generator or None, "
        f"got {type(value).__name__}"
    )


def generator(random_state: object) -> np.random.Generator:
    """The Generator that ``random_state`` names (the same one when given a Generator)."""
    checked = check_random_state(random_state)
    if isinstance(checked, np.random.Generator):
        return checked
    return np.random.default_rng(checked)
