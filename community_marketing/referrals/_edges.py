"""Friendships: accepted links, pending requests and the rights each friend grants the other.

Accepted links are a sorted array of packed ``(low, high)`` index pairs plus a small buffer of
recent single changes, so that one change costs O(1) and a bulk import one sort; the first read
after a change compiles them into the symmetric CSR matrix every algorithm runs on.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from .._ids import IdIndex, as_id_list, plain_id
from .._imports import ImportReport, import_rows
from .._types import Int64Array
from ..errors import InvalidInputError
from ._sparse import LOW_BITS, LOW_MASK, MAX_MEMBERS, distinct, pack
from ._values import FriendRight

__all__ = ["Column", "Friendships", "check_right", "compile_csr", "map_pairs", "split_pairs"]

Column = list[Hashable] | npt.NDArray[Any]


def _key(a: int, b: int) -> int:
    low, high = (a, b) if a < b else (b, a)
    return (low << LOW_BITS) | high


@attrs.define(eq=False)
class Friendships:
    """Who is friends with whom (by member index), who asked whom, and who granted what."""

    keys: Int64Array = attrs.field(factory=lambda: np.empty(0, np.int64))
    added: set[int] = attrs.field(factory=set)
    removed: set[int] = attrs.field(factory=set)
    requests: dict[tuple[int, int], int] = attrs.field(factory=dict)
    rights: dict[tuple[int, int], int] = attrs.field(factory=dict)

    def count(self) -> int:
        """Number of friendships, each counted once."""
        return len(self.keys) - len(self.removed) + len(self.added)

    def are_friends(self, i: int, j: int) -> bool:
        """Whether members ``i`` and ``j`` (two distinct indices) are friends."""
        key = _key(i, j)
        if key in self.added:
            return True
        if key in self.removed:
            return False
        position = int(np.searchsorted(self.keys, key))
        return position < len(self.keys) and int(self.keys[position]) == key

    def request(self, i: int, j: int, when: int) -> str:
        """``i`` asks ``j``; ``"accepted"`` when ``j`` had asked ``i`` first."""
        if self.are_friends(i, j):
            return "already_friends"
        if (j, i) in self.requests:
            del self.requests[(j, i)]
            self.link(i, j)
            return "accepted"
        self.requests.setdefault((i, j), when)
        return "pending"

    def take_request(self, i: int, j: int, a: Hashable, b: Hashable) -> None:
        """Settle the pending request of ``i`` (id ``a``) to ``j`` (id ``b``), or raise."""
        if (i, j) not in self.requests:
            raise InvalidInputError(f"a: no pending friendship request from {a!r} to {b!r}")
        del self.requests[(i, j)]

    def check_friends(self, i: int, j: int, owner: Hashable, friend: Hashable) -> tuple[int, int]:
        """``(i, j)`` if ``j`` (id ``friend``) is a friend of ``i`` (id ``owner``), or raise."""
        if i == j or not self.are_friends(i, j):
            raise InvalidInputError(f"friend: {friend!r} is not a friend of {owner!r}")
        return i, j

    def askers(self, j: int) -> list[int]:
        """Who asked ``j`` and is still waiting, oldest first."""
        found = sorted((when, i) for (i, k), when in self.requests.items() if k == j)
        return [i for _, i in found]

    def link(self, i: int, j: int) -> None:
        key = _key(i, j)
        if key in self.removed:
            self.removed.discard(key)
        else:
            self.added.add(key)

    def unlink(self, i: int, j: int) -> bool:
        """End a friendship and the rights both ways; whether there was one."""
        key = _key(i, j)
        if i == j or not self.are_friends(i, j):
            return False
        if key in self.added:
            self.added.discard(key)
        else:
            self.removed.add(key)
        self.rights.pop((i, j), None)
        self.rights.pop((j, i), None)
        return True

    def add_many(self, i: Int64Array, j: Int64Array) -> int:
        """Merge the links ``i[r] -- j[r]`` in one sort; how many were new."""
        self.flush()
        before = len(self.keys)
        keys = pack(np.minimum(i, j), np.maximum(i, j))
        self.keys = distinct(np.concatenate([self.keys, keys]))
        return len(self.keys) - before

    def merged_keys(self) -> Int64Array:
        """The sorted friendship keys with the single changes folded in (no mutation)."""
        keys = self.keys
        if self.removed:
            gone = np.fromiter(self.removed, np.int64, len(self.removed))
            keys = keys[~np.isin(keys, gone)]
        if self.added:
            new = np.fromiter(self.added, np.int64, len(self.added))
            keys = distinct(np.concatenate([keys, new]))
        return keys

    def flush(self) -> None:
        """Fold single changes into the sorted key array (writes only: reads never mutate)."""
        if self.added or self.removed:
            self.keys = self.merged_keys()
            self.added = set()
            self.removed = set()

    def grant(self, pair: tuple[int, int], right: FriendRight) -> None:
        self.rights[pair] = self.rights.get(pair, 0) | right.value

    def revoke(self, pair: tuple[int, int], right: FriendRight) -> None:
        bits = self.rights.get(pair, 0) & ~right.value
        if bits:
            self.rights[pair] = bits
        else:
            self.rights.pop(pair, None)

    def granted(self, i: int, j: int) -> FriendRight:
        return FriendRight(self.rights.get((i, j), 0))

    def granted_to(self, i: int, right: FriendRight) -> list[int]:
        """The friends ``i`` lets do all of ``right``, in row order."""
        return sorted(
            j
            for (k, j), bits in self.rights.items()
            if k == i and bits & right.value == right.value
        )


def check_right(value: object) -> FriendRight:
    if not isinstance(value, FriendRight):
        raise InvalidInputError(f"right: expected a FriendRight, got {type(value).__name__}")
    return value


def compile_csr(keys: Int64Array, n: int) -> sp.csr_matrix:
    """The symmetric, read-only ``n x n`` adjacency of the sorted friendship ``keys``."""
    low = (keys >> LOW_BITS).astype(np.int64)
    high = (keys & LOW_MASK).astype(np.int64)
    index_type = np.int32 if 2 * len(keys) < MAX_MEMBERS else np.int64
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(low, minlength=n), out=indptr[1:])
    upper = sp.csr_matrix(
        (np.ones(len(keys)), high.astype(index_type), indptr.astype(index_type)),
        shape=(n, n),
    )
    upper.has_sorted_indices = True
    full = (upper + upper.T.tocsr()).tocsr()
    full.sort_indices()
    for array in (full.data, full.indices, full.indptr):
        array.flags.writeable = False
    return full


def split_pairs(
    first: Iterable[Any] | npt.NDArray[Any], second: Iterable[Hashable] | npt.NDArray[Any] | None
) -> tuple[Column, Column]:
    """The two ends of each link, from pairs, an (m, 2) array, or two columns."""
    if second is not None:
        left: Column = first if isinstance(first, np.ndarray) else as_id_list(first, "first")
        right: Column = second if isinstance(second, np.ndarray) else as_id_list(second, "second")
        for name, column in (("first", left), ("second", right)):
            if isinstance(column, np.ndarray) and column.ndim != 1:
                raise InvalidInputError(f"{name}: expected a 1-d array, got {column.shape}")
        if len(left) != len(right):
            raise InvalidInputError(
                f"second: expected {len(left)} ids (as many as first), got {len(right)}"
            )
        return left, right
    if isinstance(first, np.ndarray):
        if first.ndim != 2 or first.shape[1] != 2:
            raise InvalidInputError(f"first: expected an (m, 2) array, got {first.shape}")
        return first[:, 0], first[:, 1]
    if hasattr(first, "columns") or hasattr(first, "column_names") or isinstance(first, Mapping):
        raise InvalidInputError(
            "first: got a table; read its two columns by name with "
            "graph.add_friendships_from(table, first='userID', second='friendID')"
        )
    pairs = as_id_list(first, "first")
    left, right = [], []
    for row, pair in enumerate(pairs):
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise InvalidInputError(
                f"first[{row}]: expected a pair (a, b), got {pair!r} (for a table, use "
                "graph.add_friendships_from(table, first=..., second=...))"
            )
        left.append(pair[0])
        right.append(pair[1])
    return left, right


def import_friendships(
    add: Callable[..., object],
    first: Iterable[Any] | npt.NDArray[Any],
    second: Iterable[Hashable] | npt.NDArray[Any] | None,
    at: datetime | None,
) -> ImportReport:
    """``add_friendships(on_error="skip")``: the good links added, the refused ones reported."""
    if second is None and not isinstance(first, np.ndarray):
        rows = as_id_list(first, "first")
        return import_rows(len(rows), lambda a, b: add(rows[a:b], at=at), rows.__getitem__)
    left, right = split_pairs(first, second)
    return import_rows(
        len(left),
        lambda a, b: add(left[a:b], right[a:b], at=at),
        lambda r: (plain_id(left[r]), plain_id(right[r])),
    )


def map_pairs(ids: IdIndex, left: Column, right: Column) -> tuple[Int64Array, Int64Array]:
    """Member indices of both ends (new ids added in order ``a0, b0, a1, b1, ...``).

    Raises on a self-loop or on too many members; the caller undoes the added ids.
    """
    m = len(left)
    if (
        isinstance(left, np.ndarray)
        and isinstance(right, np.ndarray)
        and left.dtype.kind in "iu"
        and right.dtype.kind in "iu"
        and m
    ):
        i, j = _map_int_pairs(ids, left.astype(np.int64), right.astype(np.int64))
    else:
        both: list[Hashable] = [None] * (2 * m)
        both[0::2] = left.tolist() if isinstance(left, np.ndarray) else left
        both[1::2] = right.tolist() if isinstance(right, np.ndarray) else right
        indices = ids.add_many(both, "first")
        i, j = indices[0::2], indices[1::2]
    loops = np.flatnonzero(i == j)
    if loops.size:
        row = int(loops[0])
        raise InvalidInputError(
            f"second[{row}]: self-loop on {ids.id_at(int(i[row]))!r} "
            "(a member cannot befriend themself)"
        )
    if len(ids) > MAX_MEMBERS:
        raise InvalidInputError(f"first: more than {MAX_MEMBERS} members")
    return i, j


def _map_int_pairs(
    ids: IdIndex, left: Int64Array, right: Int64Array
) -> tuple[Int64Array, Int64Array]:
    m = len(left)
    low = min(int(left.min()), int(right.min()))
    high = max(int(left.max()), int(right.max()))
    if low < 0 or high >= max(4 * m, 1 << 20):
        both = np.empty(2 * m, np.int64)
        both[0::2] = left
        both[1::2] = right
        values, first_at, inverse = np.unique(both, return_index=True, return_inverse=True)
        order = np.argsort(first_at, kind="stable")
        indices = np.empty(len(values), np.int64)
        indices[order] = ids.add_many(values[order], "first")
        mapped = indices[inverse.reshape(-1)]
        return mapped[0::2], mapped[1::2]
    first_at = np.full(high + 1, np.iinfo(np.int64).max, np.int64)
    np.minimum.at(first_at, left, np.arange(0, 2 * m, 2, dtype=np.int64))
    np.minimum.at(first_at, right, np.arange(1, 2 * m, 2, dtype=np.int64))
    values = np.flatnonzero(first_at != np.iinfo(np.int64).max)
    values = values[np.argsort(first_at[values], kind="stable")]
    table = first_at  # reused as the value -> index table
    table[values] = ids.add_many(values, "first")
    return table[left], table[right]
