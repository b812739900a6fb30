"""IdIndex: the application's own hashable ids <-> dense int indices.

Users, items, contacts and members are whatever the application uses (str,
int, UUID...). Matrices and columnar logs need dense integer positions; this
module is the one place that translates, in bulk and without Python loops where
the dict can do the work in C.
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Iterable, Iterator
from decimal import Decimal
from fractions import Fraction
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt

from ._types import Int64Array
from .errors import InvalidInputError, UnknownIdError

__all__ = ["IdIndex", "as_id_list", "canonical_form", "canonical_id", "check_id", "plain_id"]

IndexArray = Int64Array


class _Removed:
    """Marks the slot of an id that was removed (erased); never equal to an id."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<removed>"


_REMOVED: Any = _Removed()


def as_id_list(ids: Iterable[Hashable] | npt.NDArray[Any], field: str) -> list[Hashable]:
    """Return ``ids`` as a list of plain Python ids (numpy scalars become Python scalars).

    A table column (pandas, polars or pyarrow) is read through numpy; a whole table is
    refused, since iterating one gives its column names.
    """
    if hasattr(ids, "columns") or hasattr(ids, "column_names"):
        raise InvalidInputError(
            f"{field}: expected a sequence of ids, got a table ({type(ids).__name__}); "
            "pass one of its columns, e.g. table['id']"
        )
    if not isinstance(ids, np.ndarray) and hasattr(ids, "to_numpy"):
        ids = np.asarray(ids.to_numpy())
    if isinstance(ids, np.ndarray):
        if ids.ndim != 1:
            raise InvalidInputError(
                f"{field}: expected a 1-d sequence of ids, got shape {ids.shape}"
            )
        items: list[Hashable] = ids.tolist()
        return items
    if isinstance(ids, (str, bytes)):
        raise InvalidInputError(
            f"{field}: expected a sequence of ids, got a single {type(ids).__name__}"
        )
    try:
        return list(ids)
    except TypeError:
        raise InvalidInputError(
            f"{field}: expected a sequence of ids, got {type(ids).__name__}"
        ) from None


def check_id(value: object, field: str) -> Hashable:
    """Validate one id: hashable, not None, not NaN."""
    try:
        hash(value)
    except TypeError:
        raise InvalidInputError(
            f"{field}: expected a hashable id, got unhashable {type(value).__name__}"
        ) from None
    if value is None or (isinstance(value, (float, np.floating)) and value != value):
        raise InvalidInputError(f"{field}: expected an id, got {value!r}")
    return value


def plain_id(value: Hashable) -> Hashable:
    """``value`` with numpy scalars turned into the Python scalar they equal.

    ``np.int64(1)`` and ``1`` are one key to a dict already; keeping the plain form
    makes them one id in reprs, states and exports too.
    """
    if isinstance(value, np.generic):
        plain: Hashable = value.item()
        return plain
    return value


def _plain_number(value: Any) -> Hashable:
    """The plainest equal number: an int, else a float, else the exact Fraction."""
    try:
        exact = Fraction(value)
    except (OverflowError, ValueError):  # infinities (NaN is refused before)
        return float(value)
    if exact.denominator == 1:
        return exact.numerator
    if Fraction(float(exact)) == exact:
        return float(exact)
    return exact


def canonical_form(value: Hashable) -> Hashable:
    """The one plain value among those equal to ``value`` (of True, 1.0 and np.int64(1): 1)."""
    value = plain_id(value)
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, (numbers.Real, Decimal)):
        return _plain_number(value)
    if isinstance(value, numbers.Complex) and value.imag == 0:
        return canonical_form(value.real)
    if isinstance(value, tuple):
        return tuple(map(canonical_form, value))
    if isinstance(value, frozenset):
        return frozenset(map(canonical_form, value))
    return value


def canonical_id(value: Hashable) -> str:
    """A text key for ``value`` on which ids that Python treats as equal agree.

    ``1``, ``1.0``, ``True``, ``np.int64(1)`` and ``Decimal(1)`` all compare and
    hash equal, so the ledger holds them as one contact; keyed fingerprints of an
    erased contact must agree as well, or an equal id of another type would slip
    past an erasure. The key is ``"<module>.<type>:<repr>"`` of the canonical form
    (numbers by exact value: an int, else a float, else a Fraction; tuples member by
    member; frozensets with their members' keys sorted, since their repr order
    depends on the hash seed).

    Examples
    --------
    >>> canonical_id(1) == canonical_id(1.0) == canonical_id(True) == canonical_id(np.int64(1))
    True
    >>> canonical_id("ann"), canonical_id(1)
    ("builtins.str:'ann'", 'builtins.int:1')
    """
    form = canonical_form(value)
    if isinstance(form, tuple):
        return "builtins.tuple:(" + ", ".join(map(canonical_id, form)) + ")"
    if isinstance(form, frozenset):
        return "builtins.frozenset:{" + ", ".join(sorted(map(canonical_id, form))) + "}"
    kind = type(form)
    return f"{kind.__module__}.{kind.__qualname__}:{form!r}"


class IdIndex:
    """A bijection between hashable ids and dense indices ``0..n-1``.

    Indices are handed out in order of first appearance and never reused, so
    arrays indexed by them only ever grow. A removed id leaves a hole.

    Parameters
    ----------
    ids : iterable of hashable, optional
        Ids to add, in order.
    kind : str, default "id"
        What the ids are ("user", "item", "contact"), used in error messages.

    Examples
    --------
    >>> index = IdIndex(["ann", "bob"], kind="user")
    >>> index.add_many(["bob", "cid"]).tolist()
    [1, 2]
    >>> index.indices(["cid", "ann"]).tolist()
    [2, 0]
    >>> index.lookup(["ann", "zoe"]).tolist()
    [0, -1]
    >>> index.indices(["zoe"])
    Traceback (most recent call last):
    ...
    community_marketing.errors.UnknownIdError: unknown user: 'zoe'
    """

    __slots__ = ("_ids", "_index", "kind")

    def __init__(self, ids: Iterable[Hashable] = (), *, kind: str = "id") -> None:
        self.kind = kind
        self._ids: list[Hashable] = []
        self._index: dict[Hashable, int] = {}
        items = as_id_list(ids, f"{kind}s")
        if items:
            self.add_many(items)

    def __len__(self) -> int:
        """Number of slots handed out (removed ids included)."""
        return len(self._ids)

    def __contains__(self, id: object) -> bool:
        try:
            return id in self._index
        except TypeError:
            return False

    def __iter__(self) -> Iterator[Hashable]:
        return (i for i in self._ids if i is not _REMOVED)

    def __repr__(self) -> str:
        return f"IdIndex(kind={self.kind!r}, n={len(self._index)})"

    @property
    def count(self) -> int:
        """Number of live (not removed) ids."""
        return len(self._index)

    def ids(self) -> list[Hashable]:
        """All slots in index order; a removed id's slot holds a placeholder."""
        return list(self._ids)

    def id_at(self, index: int) -> Hashable:
        """The id at ``index``."""
        value = self._ids[index]
        if value is _REMOVED:
            raise UnknownIdError(self.kind, f"<removed #{index}>")
        return value

    def ids_at(self, indices: Iterable[int] | npt.NDArray[np.integer[Any]]) -> list[Hashable]:
        """The ids at ``indices``, in order."""
        positions = indices.tolist() if isinstance(indices, np.ndarray) else list(indices)
        return list(map(self._ids.__getitem__, positions))

    def index(self, id: Hashable) -> int:
        """The index of one id; ``UnknownIdError`` if it was never added."""
        try:
            return self._index[id]
        except (KeyError, TypeError):
            raise UnknownIdError(self.kind, id) from None

    def get(self, id: Hashable, default: int = -1) -> int:
        """The index of one id, or ``default`` if unknown (or unhashable)."""
        try:
            return self._index.get(id, default)
        except TypeError:
            return default

    def indices(self, ids: Iterable[Hashable] | npt.NDArray[Any], field: str = "ids") -> IndexArray:
        """Indices of ``ids`` in order; ``UnknownIdError`` names the first unknown one."""
        items = as_id_list(ids, field)
        try:
            return np.fromiter(map(self._index.__getitem__, items), np.int64, len(items))
        except (KeyError, TypeError):
            for item in items:
                if self.get(item) < 0:
                    raise UnknownIdError(self.kind, item) from None
            raise  # pragma: no cover - the loop above always finds the culprit

    def lookup(self, ids: Iterable[Hashable] | npt.NDArray[Any], field: str = "ids") -> IndexArray:
        """Indices of ``ids`` in order, ``-1`` for an unknown id (default deny).

        An unhashable entry is bad input, not an unknown id: ``InvalidInputError``.
        """
        items = as_id_list(ids, field)
        try:
            return np.fromiter(map(self._index.get, items, repeat(-1)), np.int64, len(items))
        except TypeError:
            for position, item in enumerate(items):
                check_id(item, f"{field}[{position}]")
            raise  # pragma: no cover

    def add(self, id: Hashable, field: str = "id") -> int:
        """Add one id if new; return its index."""
        position = self._index.get(check_id(id, field))
        if position is not None:
            return position
        id = plain_id(id)
        position = len(self._ids)
        self._index[id] = position
        self._ids.append(id)
        return position

    def add_many(
        self, ids: Iterable[Hashable] | npt.NDArray[Any], field: str = "ids"
    ) -> IndexArray:
        """Add the new ids among ``ids`` (first appearance wins); return all their indices.

        Validates every new id before adding any, so a bad id changes nothing.
        """
        items = as_id_list(ids, field)
        index = self._index
        try:
            out = np.fromiter(map(index.get, items, repeat(-1)), np.int64, len(items))
        except TypeError:
            for position, item in enumerate(items):
                check_id(item, f"{field}[{position}]")
            raise  # pragma: no cover
        missing = np.flatnonzero(out < 0)
        if not missing.size:
            return out
        start_live = len(index)
        new_items = items if missing.size == len(items) else [items[i] for i in missing.tolist()]
        if None in new_items:
            check_id(None, f"{field}[{items.index(None)}]")
        types = set(map(type, new_items))
        if any(issubclass(kind, (float, np.floating)) for kind in types):
            for position, key in enumerate(new_items):
                if isinstance(key, (float, np.floating)) and key != key:
                    check_id(key, f"{field}[{int(missing[position])}]")
        if any(issubclass(kind, np.generic) for kind in types):
            new_items = list(map(plain_id, new_items))
        start = len(self._ids)
        index.update(zip(new_items, range(start, start + len(new_items)), strict=True))
        if len(index) == start_live + len(new_items):
            # No repeats among the new ids (the usual bulk load): positions are a range.
            self._ids.extend(new_items)
            out[missing] = np.arange(start, start + len(new_items))
            return out
        # Repeats: the update above gave a repeated id its last position; redo in first order.
        for key in new_items:
            index.pop(key, None)
        distinct = dict.fromkeys(new_items)
        index.update(zip(distinct, range(start, start + len(distinct)), strict=True))
        self._ids.extend(distinct)
        out[missing] = np.fromiter(map(index.__getitem__, new_items), np.int64, len(new_items))
        return out

    def remove(self, id: Hashable) -> int:
        """Forget ``id`` (its slot stays a hole); return the index it had."""
        position = self.index(id)
        del self._index[id]
        self._ids[position] = _REMOVED
        return position

    def without(self, position: int) -> IdIndex:
        """A new index without the slot ``position``: later ids move one down (an erasure).

        O(n) at C speed: the ids are already checked, so nothing is checked again.

        Examples
        --------
        >>> index = IdIndex(["ann", "bob", "cid"], kind="user")
        >>> smaller = index.without(1)
        >>> smaller.ids(), smaller.index("cid"), index.index("cid")
        (['ann', 'cid'], 1, 2)
        """
        out = IdIndex(kind=self.kind)
        ids = self._ids[:position] + self._ids[position + 1 :]
        # A copy keeps the hash table as it is (no rehashing); only the later ids move.
        index = self._index.copy()
        index.pop(self._ids[position], None)
        index.update(zip(ids[position:], range(position, len(ids)), strict=True))
        index.pop(_REMOVED, None)
        out._ids, out._index = ids, index
        return out

    def truncate(self, size: int) -> None:
        """Forget every id added after the first ``size`` slots (undo of a refused bulk add)."""
        for key in self._ids[size:]:
            if key is not _REMOVED:
                del self._index[key]
        del self._ids[size:]

    def is_removed(self, index: int) -> bool:
        """Whether the slot at ``index`` belonged to a removed id."""
        return self._ids[index] is _REMOVED
