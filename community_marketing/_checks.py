"""Argument checks shared by the modules: one wording for every bad number."""

from __future__ import annotations

import numpy as np

from .errors import InvalidInputError


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
