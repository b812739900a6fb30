"""Walking the friend CSR: packed edge keys, distinct sorts, edge gathering, live edges.

The small array kernels that reach, cascades and influence selection share.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from .._types import Float64Array, Int64Array

__all__ = [
    "LIVE_BUDGET",
    "LOW_BITS",
    "LOW_MASK",
    "MAX_MEMBERS",
    "VISITED_BUDGET",
    "DenseKeySet",
    "Heeding",
    "KeySet",
    "blocks",
    "distinct",
    "gather",
    "live_blocks",
    "live_edges",
    "pack",
]

LOW_BITS: Final = 32
LOW_MASK: Final = (1 << 32) - 1
MAX_MEMBERS: Final = (1 << 31) - 1
VISITED_BUDGET = 1 << 25
"""Booleans one block of runs, rows or sets may mark at once (read at call time, so a test
can lower it to force several blocks)."""
LIVE_BUDGET = 1 << 19
"""Edges :func:`live_edges` draws or gathers at once, about (:func:`live_blocks`; read at
call time): some 50 bytes each until the members they lead to are marked, 25 MiB."""


def pack(low: Int64Array, high: Int64Array) -> Int64Array:
    """Friendship keys: the lower index in the high bits, so sorted keys group by row."""
    return (low << LOW_BITS) | high


def distinct(values: npt.NDArray[Any]) -> Int64Array:
    """Sorted distinct int64 values (a plain sort: faster here than numpy's hashing unique)."""
    out = np.sort(values.astype(np.int64, copy=False))
    if len(out) > 1:
        keep = np.empty(len(out), np.bool_)
        keep[0] = True
        np.not_equal(out[1:], out[:-1], out=keep[1:])
        out = out[keep]
    return out


def gather(indptr: npt.NDArray[Any], nodes: Int64Array) -> tuple[Int64Array, Int64Array]:
    """Positions in ``indices`` of all edges leaving ``nodes``, and which node each came from."""
    starts = indptr[nodes].astype(np.int64)
    counts = indptr[nodes + 1].astype(np.int64) - starts
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(nodes), dtype=np.int64), counts)
    offsets = np.cumsum(counts) - counts
    positions = np.arange(total, dtype=np.int64) - np.repeat(offsets - starts, counts)
    return positions, owner


def live_edges(
    indptr: npt.NDArray[Any],
    nodes: Int64Array,
    probability: float | Float64Array,
    rng: np.random.Generator,
) -> tuple[Int64Array, Int64Array]:
    """The edges leaving ``nodes`` that fire, each with its probability, and their source.

    With one small probability the successes are placed by geometric gaps, so only about
    ``p * edges`` random numbers are drawn and no untried edge is ever gathered. A gap is
    ``1 + floor(E / -log(1 - p))`` for a standard exponential ``E``, geometric with success
    probability ``p``: the inversion numpy's own ``Generator.geometric`` runs for
    ``p < 1/3`` (``random_geometric_inversion`` in numpy's ``distributions.c``; the same
    gaps from the same stream, as of numpy 2), but over a whole array of ziggurat
    exponentials at once instead of one call a draw, at about half the cost.
    """
    if isinstance(probability, np.ndarray) or probability > 0.25:
        positions, owner = gather(indptr, nodes)
        draw = rng.random(len(positions))
        threshold = probability[positions] if isinstance(probability, np.ndarray) else probability
        live = draw < threshold
        return positions[live], owner[live]
    starts = indptr[nodes].astype(np.int64)
    counts = indptr[nodes + 1] - starts
    ends = np.cumsum(counts)
    total = int(ends[-1]) if len(ends) else 0
    if total == 0 or probability <= 0.0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # Hit ``h`` of node ``i``'s run lies at ``base[i] + h`` in ``indices``.
    base = starts + counts - ends
    expected = total * probability
    scale = -1.0 / math.log1p(-probability)
    # A gap past ``total`` ends the draw whatever its length: clipping it there keeps the
    # running sum inside int64 (and the float inside its range for a tiny p), and every
    # round moves at least 16 edges on, so the loop ends.
    hits = np.cumsum(_gaps(rng, int(expected + 6 * math.sqrt(expected) + 16), scale, total)) - 1
    while hits[-1] < total:
        more = _gaps(rng, int(expected) + 16, scale, total)
        hits = np.concatenate([hits, hits[-1] + np.cumsum(more)])
    hits = hits[: int(np.searchsorted(hits, total))]
    if len(hits) > 2 * len(ends):
        # Fewer runs than hits: each run's first hit found, the owners filled in by a
        # running count (2.5x faster with three or more hits a run).
        first = np.searchsorted(hits, ends[:-1])
        owner = np.cumsum(np.bincount(first, minlength=len(hits) + 1)[: len(hits)])
    else:
        owner = np.searchsorted(ends, hits, side="right")
    positions = base[owner] + hits
    return positions, owner


def live_blocks(
    indptr: npt.NDArray[Any], nodes: npt.NDArray[Any], probability: float | Float64Array
) -> list[tuple[int, int]]:
    """Blocks of ``nodes`` whose edges :func:`live_edges` draws ``LIVE_BUDGET`` at a time,
    about: with one small probability it draws only the live ones, otherwise it gathers
    every edge (``probability`` 0 stands for one draw per node, as :class:`Heeding`)."""
    if not len(nodes):
        return [(0, 0)]
    if isinstance(probability, np.ndarray) or probability > 0.25:
        rate = 1.0
    elif probability <= 0.0:
        return [(0, len(nodes))]
    else:
        rate = probability
    work = np.cumsum(indptr[nodes + 1] - indptr[nodes])
    if work[-1] * rate <= LIVE_BUDGET:
        return [(0, len(nodes))]
    return blocks(work, max(int(LIVE_BUDGET / rate), 1))


def _gaps(rng: np.random.Generator, size: int, scale: float, total: int) -> Int64Array:
    """``size`` geometric gaps (``scale = -1 / log(1 - p)``), each at most ``total + 1``."""
    floor = np.minimum(rng.standard_exponential(size) * scale, float(total))
    gaps: Int64Array = floor.astype(np.int64) + 1
    return gaps


class Heeding:
    """Linear threshold's live edges: each node heeds one entry of its row, or none.

    Entry ``j`` of a row is chosen with probability equal to its weight (Kempe et al.'s
    live-edge equivalence). Where every entry of each row weighs the same (``1 / degree``,
    the default, or one probability for every friendship), it is entry ``floor(U / w)`` of
    the row for one uniform ``U``, heeded when ``U < w * degree``: no search. Otherwise one
    binary search finds it in the running sum of the weights.

    ``weights`` are per entry, in ``indptr``'s order; each row's sum is at most 1.
    """

    def __init__(self, indptr: npt.NDArray[Any], weights: Float64Array) -> None:
        self.indptr = indptr
        self.cumulative: Float64Array | None = None
        counts = np.diff(indptr)
        same = weights[1:] == weights[:-1]
        # Entries either side of a row's start may differ.
        inner = indptr[1:-1]
        same[inner[(inner > 0) & (inner < len(weights))] - 1] = True
        if not same.all():
            self.cumulative = np.cumsum(weights)
            return
        weight = np.zeros(len(counts))
        weight[counts > 0] = weights[indptr[:-1][counts > 0]]
        self.scale = np.divide(1.0, weight, out=np.zeros_like(weight), where=weight > 0)
        self.share = weight * counts

    def __call__(
        self, nodes: npt.NDArray[Any], rng: np.random.Generator
    ) -> tuple[Int64Array, Int64Array]:
        """The entry each of ``nodes`` heeds (positions in ``indices``), and which heeds it."""
        indptr = self.indptr
        starts = indptr[nodes].astype(np.int64)
        draw = rng.random(len(nodes))
        if self.cumulative is None:
            heeds = np.flatnonzero(draw < self.share[nodes])
            slot = (draw[heeds] * self.scale[nodes[heeds]]).astype(np.int64)
            # ``U * (1 / w)`` may round up to the degree when ``U`` is just under ``w * d``.
            last = indptr[nodes[heeds] + 1].astype(np.int64) - 1
            return np.minimum(starts[heeds] + slot, last), heeds
        cumulative = self.cumulative
        ends = indptr[nodes + 1].astype(np.int64)
        before = np.where(starts > 0, cumulative[np.maximum(starts - 1, 0)], 0.0)
        positions = np.searchsorted(cumulative, before + draw, side="right")
        live = positions < ends
        return positions[live].astype(np.int64), np.flatnonzero(live)


def blocks(cumulative: Int64Array, budget: int) -> list[tuple[int, int]]:
    """Split rows into consecutive blocks whose cumulative work stays near ``budget``."""
    n = len(cumulative)
    bounds = []
    lo = 0
    while lo < n:
        base = int(cumulative[lo - 1]) if lo else 0
        hi = int(np.searchsorted(cumulative, base + budget, side="right"))
        hi = min(max(hi, lo + 1), n)
        bounds.append((lo, hi))
        lo = hi
    return bounds


_GOLDEN: Final = np.uint64(0x9E3779B97F4A7C15)
_EMPTY: Final = -1
# Keys left after a probe round that are probed one at a time (:meth:`KeySet.add`).
_STRAGGLERS: Final = 32


class KeySet:
    """A set of non-negative int64 keys that tests and inserts a whole array at once.

    Open addressing with linear probing. The table starts with four slots per key expected,
    so it is a quarter full once they are in (shorter probe chains, so fewer rounds of
    ``add``, each a dozen numpy calls however few its keys), and it is never let over half
    full: ``add`` inserts in slices that fit and doubles the table only once it holds more
    than three keys in eight slots. ``add`` is one gather and one scatter per key and probe
    round, so a batch of walks can mark what it visited without a dense array of
    ``walks * members`` booleans. Fibonacci hashing (Knuth, TAOCP vol. 3, 6.4) spreads the
    packed ``walk << 32 | member`` keys over the table.
    """

    def __init__(self, expected: int) -> None:
        self._empty(max(10, int(expected * 4 - 1).bit_length()))

    def _empty(self, bits: int) -> None:
        """An empty table of ``2 ** bits`` slots."""
        self.bits = bits
        self.table = np.full(1 << bits, _EMPTY, np.int64)
        self.claim = np.empty(1 << bits, np.int32)
        self.size = 0

    def add(self, keys: Int64Array) -> npt.NDArray[np.bool_]:
        """Insert ``keys``; True where a key was not in the set before, at its first place.

        Offered keys are often mostly in the set already (a walk meets members it has
        visited), so the table is sized by the keys that went in, not by those offered:
        a slice of at most the room left below half full goes in at a time, and the table
        grows only when that room is under an eighth of it.
        """
        new = np.empty(len(keys), np.bool_)
        lo = 0
        while lo < len(keys):
            room = len(self.table) // 2 - self.size
            if room < len(keys) - lo and room < len(self.table) // 8:
                self._grow()
                continue
            hi = lo + room
            new[lo:hi] = self._insert(keys[lo:hi])
            lo = hi
        return new

    def _grow(self) -> None:
        """Twice the slots, every key hashed again: a quarter full at most."""
        held = self.table[self.table != _EMPTY]
        self._empty(self.bits + 1)
        self._insert(held)

    def _insert(self, keys: Int64Array) -> npt.NDArray[np.bool_]:
        """:meth:`add` for keys that fit below half full whatever they hold."""
        table, claim = self.table, self.claim
        new = np.zeros(len(keys), np.bool_)
        pending = np.arange(len(keys), dtype=np.int32)
        slot = ((keys.view(np.uint64) * _GOLDEN) >> np.uint64(64 - self.bits)).astype(np.intp)
        mask = len(table) - 1
        while pending.size:
            if pending.size <= _STRAGGLERS:
                self._add_one_by_one(keys, pending, slot, new)
                break
            key = keys[pending]
            empty = table[slot] == _EMPTY
            # Keys racing for one slot: written in reverse, the last write (which numpy
            # keeps) is the first claimant, so of equal keys the first is counted new.
            free, claimant = slot[empty][::-1], pending[empty][::-1]
            table[free] = key[empty][::-1]
            claim[free] = claimant
            new[claimant[claim[free] == claimant]] = True
            moving = table[slot] != key
            pending, slot = pending[moving], (slot[moving] + 1) & mask
        self.size += int(np.count_nonzero(new))
        return new

    def _add_one_by_one(
        self,
        keys: Int64Array,
        pending: npt.NDArray[np.int32],
        slot: npt.NDArray[np.intp],
        new: npt.NDArray[np.bool_],
    ) -> None:
        """The last few keys of :meth:`add`, probed in order in Python: a probe round of numpy
        calls costs more than probing a dozen keys one at a time."""
        table = self.table
        mask = len(table) - 1
        for at, start in zip(pending.tolist(), slot.tolist(), strict=True):
            key = int(keys[at])
            place = start
            while True:
                held = int(table[place])
                if held == _EMPTY:
                    table[place] = key
                    new[at] = True
                    break
                if held == key:
                    break
                place = (place + 1) & mask


class DenseKeySet:
    """:class:`KeySet`'s ``add`` over one boolean per walk and member, for a batch of walks
    that may each visit a large share of the members (a giant component): a byte read per
    visit costs less than a hash probe into a table too large for the cache, and holds less
    than the four slots of 12 bytes a hash set keeps per visit once the walks visit a tenth
    of the members or more.

    Keys are ``walk << 32 | member`` with ``walk < walks`` and ``member < n``; of equal keys
    in one call, the first is counted new, as in :class:`KeySet`, so both give the same walks.
    """

    def __init__(self, walks: int, n: int) -> None:
        self.n = n
        self.seen = np.zeros(walks * n, np.bool_)
        # Where the first of each fresh key sits in one call, to tell equal keys apart in
        # one pass instead of a sort; only for a quarter of the budget (32 MiB of int32,
        # of which only the slots written are ever touched).
        self.first = np.empty(walks * n, np.int32) if walks * n <= VISITED_BUDGET // 4 else None
        self.size = 0

    def add(self, keys: Int64Array) -> npt.NDArray[np.bool_]:
        """Insert ``keys``; True where a key was not in the set before, at its first place."""
        flat = (keys >> LOW_BITS) * self.n + (keys & LOW_MASK)
        fresh = np.flatnonzero(~self.seen[flat])
        if len(fresh) > 1 and self.first is not None:
            spots = flat[fresh]
            order = np.arange(len(spots), dtype=np.int32)
            # Written in reverse, the last write (which numpy keeps) is the first of equal keys.
            self.first[spots[::-1]] = order[::-1]
            fresh = fresh[self.first[spots] == order]
        elif len(fresh) > 1:
            # Equal keys among the fresh: numpy's unique gives the first place of each.
            _, first = np.unique(flat[fresh], return_index=True)
            if len(first) < len(fresh):
                fresh = fresh[first]
        self.seen[flat[fresh]] = True
        new = np.zeros(len(keys), np.bool_)
        new[fresh] = True
        self.size += len(fresh)
        return new
