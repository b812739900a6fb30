"""Conversions as they arrive (arrays or a table, filtered to a window), and synthetic ones.

Tables (pandas, polars, a dict of columns) are read by column name and turned into
numpy arrays; none of those libraries is imported here.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from ._checks import check_float, check_probability, generator
from ._ids import as_id_list
from ._time import ensure_aware, ensure_timedelta, micros_array, to_micros
from ._types import DatetimeArray, Float64Array, Int64Array, ObjectArray
from .errors import InvalidInputError

__all__ = ["draw_conversions", "read_conversions"]


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


def draw_conversions(
    member_ids: Sequence[Hashable],
    friendships: Int64Array,
    plan: Any,
    rates: tuple[object, object, object],
    value_mean: object,
    window: object,
    random_state: object,
) -> tuple[ObjectArray, DatetimeArray, Float64Array]:
    """``Community.conversions``: who converts after ``plan``, when, and for how much.

    ``rates`` are the base rate, the uplift of the plan's targets and the spillover to
    members outside the plan with at least one targeted friend; the control converts
    at the base rate whatever its friends.
    """
    base = check_probability(rates[0], "base_rate", zero=True)
    uplift, spillover = check_float(rates[1], "uplift"), check_float(rates[2], "spillover")
    for name, rate in (("uplift", uplift), ("spillover", spillover)):
        if not 0.0 <= base + rate <= 1.0:
            raise InvalidInputError(f"{name}: expected base_rate + {name} in [0, 1], got {rate}")
    mean = check_float(value_mean, "value_mean", low=0.0)
    span = ensure_timedelta(window, "window") // timedelta(microseconds=1)
    start_us = to_micros(ensure_aware(plan.at, "plan.at"))
    rng = generator(random_state)
    n = len(member_ids)
    index = dict(zip(member_ids, range(n), strict=True))
    treated, planned = np.zeros(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_)
    treated[[index[m] for m in plan.target_ids if m in index]] = True
    planned[[index[m] for m in plan.control if m in index]] = True
    planned |= treated
    a, b = friendships[:, 0], friendships[:, 1]
    exposed = np.zeros(n, dtype=np.bool_)
    exposed[b[treated[a]]] = True
    exposed[a[treated[b]]] = True
    probability = np.full(n, base)
    probability[exposed & ~planned] += spillover
    probability[treated] += uplift
    converted = np.flatnonzero(rng.random(n) < probability)
    at_us = start_us + (rng.random(converted.size) * span).astype(np.int64)
    values = np.round(rng.exponential(mean, converted.size), 2)
    ids = np.array(member_ids, dtype=object)[converted]
    return ids, at_us.astype("datetime64[us]"), values
