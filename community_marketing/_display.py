"""One-line reprs of long values: a count and the first few items, then ``…``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["SHOWN", "short"]

SHOWN = 6
"""A sequence this long or shorter is shown whole; a longer one by its first 3 items."""
_HEAD = 3


def short(value: Any) -> str:
    """``repr(value)`` on one line, long sequences, mappings and arrays summarized.

    Examples
    --------
    >>> import numpy as np
    >>> short(tuple("abcdefgh"))
    "('a', 'b', 'c', … 8 items)"
    >>> short(np.arange(100))
    'array([0, 1, 2, … 100 values])'
    >>> short(np.array([0.5, 1.0]))
    'array([0.5, 1. ])'
    >>> short({"a": 1})
    "{'a': 1}"
    """
    if isinstance(value, np.ndarray):
        return _array(value)
    if isinstance(value, (tuple, list)) and len(value) > SHOWN:
        head = ", ".join(short(v) for v in value[:_HEAD])
        opening, closing = ("(", ")") if isinstance(value, tuple) else ("[", "]")
        return f"{opening}{head}, … {len(value)} items{closing}"
    if isinstance(value, Mapping) and len(value) > SHOWN:
        pairs = list(value.items())[:_HEAD]
        head = ", ".join(f"{short(k)}: {short(v)}" for k, v in pairs)
        return f"{{{head}, … {len(value)} items}}"
    return " ".join(repr(value).split()) if "\n" in repr(value) else repr(value)


def _array(value: np.ndarray[Any, Any]) -> str:
    flat = value.ravel()
    if flat.size <= SHOWN and value.ndim <= 1:
        return f"array({np.array2string(value, separator=', ', max_line_width=10**6)})"
    head = np.array2string(flat[:_HEAD], separator=", ", max_line_width=10**6)[1:-1]
    shape = "" if value.ndim == 1 else f", shape={value.shape}"
    return f"array([{head}, … {flat.size} values]{shape})"
