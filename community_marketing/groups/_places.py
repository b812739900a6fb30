"""Member attributes (region, city, nickname...) and the hotspots they reveal.

Each attribute is a column of codes into its own index of values (-1: not set), so hotspots over a
million members are a few ``bincount`` calls.

Small cells identify people: an area with two active members tells who they are to anyone who
knows the place. ``min_members=k`` hides every area with fewer than ``k`` active members, the
minimum cell size of statistical disclosure control (Hundepool et al. 2012, "Statistical
Disclosure Control", Wiley, section 5.2, threshold rule); rising areas hide an area unless both
periods pass it, since a change and one count give the other.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from .._checks import check_int, check_text
from .._columns import grown
from .._ids import IdIndex, as_id_list, check_id
from .._types import BoolArray, Int64Array
from ..errors import InvalidInputError
from ._values import Hotspot

if TYPE_CHECKING:  # pragma: no cover
    from ._ledger import Ledger
    from ._membership import Membership


@attrs.frozen(slots=True)
class RisingArea:
    """One value of a member attribute and how its active members changed between two periods.

    Attributes
    ----------
    value : hashable
        The attribute's value ("Lyon").
    active_before, active_now : int
        Members (current, with this value) who contributed in the earlier and in the
        later period.
    change : int
        ``active_now - active_before``.

    Examples
    --------
    >>> from community_marketing.groups import RisingArea
    >>> RisingArea("Lyon", active_before=10, active_now=25, change=15).change
    15
    """

    value: Hashable
    active_before: int
    active_now: int
    change: int


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


def hotspots_of(
    places: Places,
    membership: Membership,
    ledger: Ledger,
    attribute: object,
    top: object,
    cutoff: int | None,
    min_members: object,
) -> list[Hotspot]:
    """:meth:`FanGroup.hotspots` under the group's lock: the checks, then the ranking."""
    check_text(attribute, "attribute")
    top = check_int(top, "top", low=0)
    min_members = check_int(min_members, "min_members", low=0)
    if attribute not in places.columns:
        return []
    size = len(membership.people)
    activity = ledger.activity_of(size, cutoff)
    spots = places.hotspots(str(attribute), membership.member[:size], activity, size)
    return [spot for spot in spots if spot.active_members >= min_members][:top]


def rising_areas(
    places: Places,
    membership: Membership,
    ledger: Ledger,
    attribute: object,
    period: object,
    now: int,
    min_members: object,
) -> list[RisingArea]:
    """:meth:`FanGroup.rising_areas` under the group's lock: active members in
    ``[now - period, now)`` against ``[now - 2 period, now - period)``, most risen first
    (ties: more active now, then first seen)."""
    check_text(attribute, "attribute")
    if not isinstance(period, timedelta) or period <= timedelta(0):
        raise InvalidInputError(f"period: expected a positive timedelta, got {period!r}")
    min_members = check_int(min_members, "min_members", low=0)
    if attribute not in places.columns:
        return []
    step = period // timedelta(microseconds=1)
    size = len(membership.people)
    values, codes = places.columns[str(attribute)]
    counted = membership.member[:size] & (codes[:size] >= 0)
    where = codes[:size][counted]
    since = [ledger.activity_since(now - k * step, size)[counted] for k in (2, 1, 0)]
    before = np.bincount(where, weights=(since[0] - since[1]) > 0, minlength=len(values))
    after = np.bincount(where, weights=(since[1] - since[2]) > 0, minlength=len(values))
    shown = np.flatnonzero((np.minimum(before, after) >= min_members) & (before + after > 0))
    change = after[shown] - before[shown]
    order = shown[np.lexsort((shown, -after[shown], -change))]
    return [
        RisingArea(value, int(b), int(a), int(a) - int(b))
        for value, b, a in zip(
            values.ids_at(order), before[order].tolist(), after[order].tolist(), strict=True
        )
    ]


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
