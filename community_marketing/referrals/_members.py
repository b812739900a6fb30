"""Members: everyone the graph has seen, since when, who was declared a member, and the CSR cache.

Each id gets a dense row index on first sight; ``since`` and ``told`` are columns by row. The
friend matrix compiled from the friendships is cached here, since its shape is the member count;
any write that changes members or links forgets it, and the next read compiles it again.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import attrs
import numpy as np
import scipy.sparse as sp

from .._erased import ErasedIds
from .._ids import IdIndex, as_id_list, check_id
from .._types import BoolArray, Int64Array
from ._edges import Column, Friendships, compile_csr, map_pairs
from ._influence import reverse_positions
from ._sparse import distinct
from ._values import Influencers

__all__ = ["Members"]


@attrs.define(eq=False)
class Members:
    """Ids by row, when each became known (micro-seconds), and whether declared a member."""

    ids: IdIndex = attrs.field(factory=lambda: IdIndex(kind="member"))
    since: Int64Array = attrs.field(factory=lambda: np.empty(0, np.int64))
    told: BoolArray = attrs.field(factory=lambda: np.empty(0, np.bool_))
    csr: sp.csr_matrix | None = None
    transpose: Int64Array | None = None
    erased: ErasedIds = attrs.field(factory=ErasedIds)

    def grow(self, when: int) -> None:
        """Give every id added since the last call its columns, known since ``when``."""
        size = len(self.ids)
        old = len(self.since)
        if size == old:
            return
        self.since = np.concatenate([self.since, np.full(size - old, when, np.int64)])
        self.told = np.concatenate([self.told, np.zeros(size - old, np.bool_)])
        self.changed()

    def changed(self) -> None:
        """Forget the compiled matrix after a write (the next read compiles it again)."""
        self.csr = None
        self.transpose = None

    def truncate(self, size: int) -> None:
        """Forget the ids from row ``size`` on (the undo of a rejected call)."""
        self.ids.truncate(size)
        self.since, self.told = self.since[:size].copy(), self.told[:size].copy()
        self.changed()

    def index(self, id: Hashable) -> int:
        return self.ids.index(id)

    def add_one(self, id: object, field: str, when: int) -> int:
        self.erased.refuse([check_id(id, field)], field)
        index = self.ids.add(check_id(id, field), field)
        self.grow(when)
        return index

    def declare(self, items: list[Hashable], when: int) -> int:
        """Mark ``items`` as members since ``when`` (an earlier known time is kept); new ones."""
        before = len(self.ids)
        self.erased.refuse(items, "ids")
        indices = self.ids.add_many(items, "ids")
        self.grow(when)
        self.since[indices] = np.minimum(self.since[indices], when)
        self.told[indices] = True
        return len(self.ids) - before

    def add_pairs(self, left: Column, right: Column, when: int) -> tuple[Int64Array, Int64Array]:
        """Row indices of both ends of each link; all or nothing (new ids undone on error)."""
        size = len(self.ids)
        if self.erased.erased:
            self.erased.refuse([*as_id_list(left, "ids"), *as_id_list(right, "ids")], "ids")
        try:
            i, j = map_pairs(self.ids, left, right)
        except BaseException:
            self.ids.truncate(size)
            raise
        self.grow(when)
        return i, j

    def seeds(self, seeds: Iterable[Hashable] | Hashable, field: str = "seeds") -> Int64Array:
        """Distinct row indices of one id, an iterable of ids, or an ``Influencers`` result."""
        if isinstance(seeds, Influencers):
            seeds = list(seeds.ids)
        items = (
            [seeds]
            if isinstance(seeds, (str, bytes)) or not isinstance(seeds, (Iterable, np.ndarray))
            else as_id_list(seeds, field)
        )
        return distinct(self.ids.indices(items, field))

    def allowed(self, candidates: Iterable[Hashable] | None) -> BoolArray:
        """A row mask: everyone, or only ``candidates``."""
        allowed = np.ones(len(self.ids), np.bool_)
        if candidates is not None:
            allowed[:] = False
            allowed[self.ids.indices(as_id_list(candidates, "candidates"), "candidates")] = True
        return allowed

    def matrix(self, edges: Friendships) -> sp.csr_matrix:
        """The friend matrix over every member, compiled on the first read after a write."""
        csr = self.csr
        if csr is None:
            csr = self.csr = compile_csr(edges.merged_keys(), len(self.ids))
        return csr

    def reverse_positions(self, edges: Friendships) -> Int64Array:
        """For each stored entry of the matrix, the position of its transpose (cached too)."""
        cached = self.transpose
        if cached is None:
            cached = self.transpose = reverse_positions(self.matrix(edges))
        return cached
