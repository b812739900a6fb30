"""Conversions as they arrive: arrays or a table with named columns, filtered to a window.

Tables (pandas, polars, a dict of columns) are read by column name and turned into
numpy arrays; none of those libraries is imported here.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import datetime
from typing import Any

import numpy as np

from ._ids import as_id_list
from ._time import micros_array
from ._types import Float64Array
from .errors import InvalidInputError

__all__ = ["read_conversions"]


def _columns_of(conversions: object) -> tuple[Any, Any, Any]:
    """(contacts, at, values or None) from arrays or a table with named columns."""
    if isinstance(conversions, (tuple, list)):
        if len(conversions) not in (2, 3):
            raise InvalidInputError(
                "conversions: expected (contacts, at) or (contacts, at, values), "
                f"got {len(conversions)} columns"
            )
        return conversions[0], conversions[1], conversions[2] if len(conversions) == 3 else None
    names = getattr(conversions, "columns", None)
    if names is None and isinstance(conversions, Mapping):
        names = list(conversions.keys())
    if names is None or not hasattr(conversions, "__getitem__"):
        raise InvalidInputError(
            "conversions: expected (contacts, at[, values]) arrays or a table with columns "
            f"'contact', 'at' and optionally 'value', got {type(conversions).__name__}"
        )
    present = {str(name) for name in names}
    for needed in ("contact", "at"):
        if needed not in present:
            raise InvalidInputError(f"conversions['{needed}']: missing column")
    table: Any = conversions
    return table["contact"], table["at"], table["value"] if "value" in present else None


def read_conversions(
    conversions: object, start_us: int, end_us: int | None
) -> tuple[list[Hashable], Float64Array | None]:
    """The contacts and values of the conversions in the window ``[start, end)``."""
    contacts, at, values = _columns_of(conversions)
    if isinstance(contacts, (list, tuple)):
        ids = list(contacts)
    else:
        ids = as_id_list(np.asarray(contacts), "conversions.contact")
    n = len(ids)
    if not isinstance(at, (list, tuple, datetime)):
        at = np.asarray(at)
        if at.dtype == object:
            at = at.tolist()
    micros = micros_array(at, n, "conversions.at")
    amounts = None
    if values is not None:
        try:
            amounts = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidInputError("conversions.value: expected numbers") from None
        if amounts.shape != (n,):
            raise InvalidInputError(
                f"conversions.value: expected {n} values, got shape {amounts.shape}"
            )
        if not np.isfinite(amounts).all():
            raise InvalidInputError("conversions.value: expected finite numbers")
    keep = micros >= start_us
    if end_us is not None:
        keep &= micros < end_us
    rows = np.flatnonzero(keep)
    if rows.size < n:
        ids = [ids[row] for row in rows.tolist()]
        amounts = None if amounts is None else amounts[rows]
    return ids, amounts
