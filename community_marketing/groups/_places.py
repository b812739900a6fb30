"""Member attributes (region, city, nickname...) and the hotspots they reveal.

Each attribute is a column of codes into its own index of values (-1: not set), so hotspots over a
million members are a few ``bincount`` calls.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np

from .._checks import check_text
from .._columns import grown
from .._ids import IdIndex, as_id_list, check_id
from .._types import BoolArray, Int64Array
from ..errors import InvalidInputError
from ._values import Hotspot


def check_attribute_map(attributes: object) -> dict[str, Any]:
    """One member's attributes: str keys, hashable values or None (to clear)."""
    if not isinstance(attributes, Mapping):
        raise InvalidInputError(
            f"attributes: expected a mapping of str, got {type(attributes).__name__}"
        )
    checked: dict[str, Any] = {}
    for key, value in attributes.items():
        check_text(key, "attributes key")
        checked[key] = None if value is None else check_id(value, f"attributes[{key!r}]")
    return checked


def attribute_row(attributes: object) -> dict[str, list[Hashable]]:
    """One member's attributes (see :func:`check_attribute_map`) as one-row columns."""
    return {key: [value] for key, value in check_attribute_map(attributes).items()}


def check_attribute_columns(attributes: object, n: int) -> dict[str, list[Hashable]]:
    """Attribute columns for a bulk join, each ``n`` long."""
    if not isinstance(attributes, Mapping):
        raise InvalidInputError("attributes: expected a mapping of str to sequences")
    columns = {}
    for key, values in attributes.items():
        check_text(key, "attributes key")
        column = as_id_list(values, f"attributes[{key!r}]")
        for row, value in enumerate(column):
            if value is not None:
                check_id(value, f"attributes[{key!r}][{row}]")
        if len(column) != n:
            raise InvalidInputError(f"attributes[{key!r}]: expected {n} values, got {len(column)}")
        columns[key] = column
    return columns


class Places:
    """Every attribute: its index of values and, per person, the code of theirs."""

    __slots__ = ("columns",)

    def __init__(self) -> None:
        self.columns: dict[str, tuple[IdIndex, Int64Array]] = {}

    def grow(self, capacity: int) -> None:
        """Room for ``capacity`` people."""
        for name, (values, codes) in self.columns.items():
            self.columns[name] = (values, grown(codes, capacity, -1))

    def store(self, key: str, indices: Int64Array, column: list[Hashable], capacity: int) -> None:
        """Set ``key`` of ``indices`` to ``column`` (None clears)."""
        if key not in self.columns:
            self.columns[key] = (IdIndex(kind=f"{key} value"), np.full(capacity, -1, np.int64))
        values, codes = self.columns[key]
        present = [v is not None for v in column]
        new_codes = np.full(len(column), -1, np.int64)
        if any(present):
            mask = np.array(present)
            new_codes[mask] = values.add_many([v for v in column if v is not None], key)
        codes[indices] = new_codes

    def store_columns(
        self, indices: Int64Array, columns: dict[str, list[Hashable]] | None, capacity: int
    ) -> None:
        """Set every attribute of ``columns`` (aligned with ``indices``)."""
        for key, column in (columns or {}).items():
            self.store(key, indices, column, capacity)

    def hotspots(
        self, attribute: str, member: BoolArray, activity: Int64Array, top: int
    ) -> list[Hotspot]:
        """Rank the values of ``attribute`` among current members (see :func:`rank_hotspots`).

        ``member`` and ``activity`` cover the people the group has seen.
        """
        values, codes = self.columns[attribute]
        codes = codes[: len(member)]
        return rank_hotspots(values, codes, member & (codes >= 0), activity, top)

    def value(self, index: int, key: str) -> Hashable | None:
        """``index``'s value of ``key``, None when not set."""
        column = self.columns.get(key)
        if column is None:
            return None
        values, codes = column
        code = int(codes[index])
        return None if code < 0 else values.id_at(code)

    def of(self, index: int) -> dict[str, Hashable]:
        """Every attribute ``index`` has set."""
        values = {key: self.value(index, key) for key in self.columns}
        return {key: value for key, value in values.items() if value is not None}


def rank_hotspots(
    values: IdIndex, codes: Int64Array, counted: Any, activity: Int64Array, top: int
) -> list[Hotspot]:
    """Rank ``values`` by active members, then contributions, then members.

    ``codes`` and ``activity`` are per person; ``counted`` marks the people that count
    (current members with the attribute set).
    """
    n_values = len(values)
    where = codes[counted]
    members = np.bincount(where, minlength=n_values)
    active = np.bincount(where, weights=activity[counted] > 0, minlength=n_values)
    volume = np.bincount(where, weights=activity[counted], minlength=n_values)
    present = np.flatnonzero(members > 0)
    order = np.lexsort((present, -members[present], -volume[present], -active[present]))[:top]
    chosen = present[order]
    return [
        Hotspot(value, int(m), int(a), int(c))
        for value, m, a, c in zip(
            values.ids_at(chosen),
            members[chosen].tolist(),
            active[chosen].tolist(),
            volume[chosen].tolist(),
            strict=True,
        )
    ]
