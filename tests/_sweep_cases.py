"""The bad-input sweep's common table: the bad values, the clock, the shape of a call.

Each primitive's table (``tests/_tables/<primitive>.py``) has a builder (a small,
populated instance) and its valid calls: ``method name -> (positional args, keyword
args)``, where a value may be a lambda taking the built context (for tokens and other
values the builder made). The sweep replaces one argument at a time by each value of
``BAD_VALUES``. Functions and constructors have a table of their own (``FUNCTIONS``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0 + timedelta(days=1)

    def __call__(self) -> datetime:
        return self.now


class _Unhashable:
    __hash__ = None  # type: ignore[assignment]


# One table of bad values: every argument of every public method meets each of them.
BAD_VALUES: dict[str, Any] = {
    "None": None,
    "nan": float("nan"),
    "inf": float("inf"),
    "-inf": float("-inf"),
    "negative": -1,
    "zero": 0,
    "huge int": 2**80,
    "int64 max": 2**63 - 1,
    "tiny float": 1e-300,
    "huge float": 1e300,
    "bool": True,
    "empty str": "",
    "blank str": "   ",
    "str": "ab",
    "long str": "x" * 100_000,
    "non-ascii str": "é€",
    "bytes": b"ab",
    "object": object(),
    "unhashable": _Unhashable(),
    "list with unhashable": [[1]],
    "empty list": [],
    "empty tuple": (),
    "dict": {"a": 1},
    "naive datetime": datetime(2026, 5, 1, 12),
    "year 10000 in UTC": datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
    "year 1": datetime(1, 1, 1, tzinfo=UTC),
    "datetime64": np.datetime64("2026-05-01T12:00"),
    "timedelta max": timedelta.max,
    "timedelta negative": timedelta(-1),
    "timedelta zero": timedelta(0),
    "numpy 2d": np.zeros((2, 2)),
    "numpy empty": np.zeros(0),
    "numpy nan array": np.array([np.nan, 1.0]),
    "mismatched list": ["ann", "bob", "cid", "dan", "eve", "zed", "zoe"],
    "unknown id": "nobody",
}

Call = tuple[tuple[Any, ...], dict[str, Any]]
"""Positional and keyword arguments of a valid call."""

Builder = Callable[[Clock], tuple[Any, dict[str, Any]]]
"""Makes a small populated instance and a context (tokens, other objects) for the calls."""

FunctionCall = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]
"""A function or constructor and the arguments of a valid call."""
