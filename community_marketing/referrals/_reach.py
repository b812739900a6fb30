"""How far word of mouth travels over friendships: friends of friends, reach, reach of everyone.

Functions over the symmetric friend CSR (``csr``) and member indices.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components

from .._progress import Progress
from .._types import Int64Array
from . import _sparse
from ._sparse import blocks, distinct, gather

__all__ = ["friends_of_friends", "hops_from", "reach", "reach_all"]

HUB_SHARE = 8
"""A friend is a hub once their circle (friends and themselves) holds a ``1 / HUB_SHARE``
share of the 64-bit words of a member bitset: OR-ing those words then costs less than visiting
the circle entry by entry. Read at call time, like the two budgets below, so tests can move
it and force either path."""
BLOCK_BYTES = 1 << 20
"""Bytes of the member bitsets one block of two-hop rows builds (kept within a core's cache)."""
HUB_BYTES = 1 << 26
"""Bytes the hubs' bitsets may take; past it only the best-connected hubs keep one."""


def friends_of_friends(csr: sp.csr_matrix, i: int, n: int | None) -> tuple[Int64Array, Int64Array]:
    """Members at distance exactly 2 from ``i``, most mutual friends first, and those counts."""
    indptr, indices = csr.indptr, csr.indices
    direct = indices[indptr[i] : indptr[i + 1]].astype(np.int64)
    positions, _ = gather(indptr, direct)
    counts = np.bincount(indices[positions], minlength=csr.shape[0])
    counts[i] = 0
    counts[direct] = 0
    found = np.flatnonzero(counts)
    found = found[np.argsort(-counts[found], kind="stable")]
    if n is not None:
        found = found[:n]
    return found, counts[found]


def reach(csr: sp.csr_matrix, start: Int64Array, hops: int) -> int:
    """Distinct members within ``hops`` friendships of the members ``start`` (included)."""
    seen = np.zeros(csr.shape[0], np.bool_)
    seen[start] = True
    frontier = start
    for _ in range(hops):
        if not frontier.size:
            break
        positions, _ = gather(csr.indptr, frontier)
        nxt = distinct(csr.indices[positions])
        frontier = nxt[~seen[nxt]]
        seen[frontier] = True
    return int(np.count_nonzero(seen))


def hops_from(csr: sp.csr_matrix, start: int) -> Int64Array:
    """Friendships between ``start`` and each member (``n`` for those it cannot reach)."""
    n = csr.shape[0]
    order, parent = breadth_first_order(csr, start, directed=True, return_predecessors=True)
    # The queue takes members in order of their parent's place in it, so each level is the
    # run of members whose parents sit in the level before.
    place = np.empty(n, np.int64)
    place[order] = np.arange(len(order))
    parent_place = place[parent[order[1:]]]
    hops = np.full(n, n, np.int64)
    hops[start] = 0
    level, lo, hi = 0, 0, 1
    while hi < len(order):
        level += 1
        lo, hi = hi, 1 + int(np.searchsorted(parent_place, hi, side="left"))
        hops[order[lo:hi]] = level
    return hops


def reach_all(csr: sp.csr_matrix, hops: int, progress: Progress) -> Int64Array:
    """:func:`reach` of every member alone, by blocks of sparse boolean products."""
    n = csr.shape[0]
    if hops == 0 or n == 0:
        progress.advance(n)
        return np.ones(n, np.int64)
    step = (csr + sp.identity(n, dtype=np.float64, format="csr")).astype(np.bool_).tocsr()
    if hops == 1:
        sizes: Int64Array = np.diff(step.indptr).astype(np.int64)
        progress.advance(n)
        return sizes
    if hops >= n - 1:
        # No path is longer than n - 1 friendships: everyone reaches their whole component.
        _, labels = connected_components(csr, directed=False)
        progress.advance(n)
        component_sizes: Int64Array = np.bincount(labels)[labels].astype(np.int64)
        return component_sizes
    if hops == 2:
        return two_hops(step, progress, max(2, ((n + 63) >> 6) // HUB_SHARE))
    degree = np.diff(step.indptr).astype(np.int64)
    # Work per row of a two-hop product: the sum of the degrees of its neighbours.
    work = np.add.reduceat(degree[step.indices], step.indptr[:-1]) if n else degree
    work[degree == 0] = 0
    out = np.empty(n, np.int64)
    for lo, hi in blocks(np.cumsum(work), _sparse.VISITED_BUDGET):
        block = step[lo:hi]
        # ``step`` holds the diagonal, so a product only grows; once it stops growing every
        # further hop finds nobody new (at most n products, whatever ``hops`` is).
        for _ in range(hops - 1):
            grown = block @ step
            if grown.nnz == block.nnz:
                break
            block = grown
        out[lo:hi] = np.diff(block.indptr)
        progress.advance(hi - lo)
    return out


def two_hops(step: sp.csr_matrix, progress: Progress, hub_degree: int) -> Int64Array:
    """Distinct members within two friendships of each member (``step`` holds the diagonal).

    Row ``v`` of ``step @ step`` is the union of the circles of ``v``'s circle. A breadth-first
    search (igraph's ``neighborhood_size``) visits every entry of every such circle, so a hub
    with ``d`` friends costs ``d`` visits to each of them. Here a hub's circle is a bitset of
    ``ceil(n / 64)`` words, OR-ed 64 members at a time; the other circles are scattered into the
    same bitset bit by bit, and a popcount gives the size. Members with no hub in their circle
    take a plain sparse product, which never touches a whole bitset. A hub is a member whose
    circle holds ``hub_degree`` entries or more.
    """
    n = step.shape[0]
    words = (n + 63) >> 6
    indptr = step.indptr.astype(np.int64)
    indices = step.indices
    degree = np.diff(indptr)
    hub = degree >= hub_degree
    fits = max(1, HUB_BYTES // (8 * words))
    if np.count_nonzero(hub) > fits:
        hub[:] = False
        hub[np.argsort(-degree, kind="stable")[:fits]] = True
    hubs = np.flatnonzero(hub)
    slot = np.cumsum(hub) - 1
    on_hub = hub[indices]

    def per_row(values: Int64Array) -> Int64Array:
        running = np.concatenate([[0], np.cumsum(values)])
        summed: Int64Array = running[indptr[1:]] - running[indptr[:-1]]
        return summed

    hub_count = per_row(on_hub.astype(np.int64))
    light_work = per_row(np.where(on_hub, 0, degree[indices]))
    hub_of = _rows(hub_count, slot[indices[on_hub]], len(hubs))
    light_of = _rows(degree - hub_count, indices[~on_hub], n)
    # Each entry as the bitset word it lands in and its bit within that word.
    word_of = sp.csr_matrix(
        ((indices & 63).astype(np.uint8), (indices >> 6).astype(np.int32), indptr), (n, words)
    )
    hub_bits = np.zeros((len(hubs), words), np.uint64)
    _scatter(hub_bits, word_of, hubs, np.arange(len(hubs), dtype=np.int64))

    out = np.empty(n, np.int64)
    plain = np.flatnonzero(hub_count == 0)
    for lo, hi in blocks(np.cumsum(light_work[plain]), _sparse.VISITED_BUDGET):
        rows = plain[lo:hi]
        out[rows] = np.diff((step[rows] @ step).indptr)
        progress.advance(len(rows))
    # Most hubs first, so a block's j-th OR covers a prefix of its rows.
    rich = np.flatnonzero(hub_count)
    rich = rich[np.argsort(-hub_count[rich], kind="stable")]
    per_block = max(1, BLOCK_BYTES // (8 * words))
    buffer = np.empty((min(per_block, len(rich)), words), np.uint64)
    # A scattered entry takes some 30 bytes of temporaries, a product's entry 5.
    for start, stop in blocks(np.cumsum(light_work[rich]), _sparse.VISITED_BUDGET // 8):
        for lo in range(start, stop, per_block):
            rows = rich[lo : min(lo + per_block, stop)]
            bits = buffer[: len(rows)]
            mine = hub_of[rows]
            first, hub_slots = mine.indptr, mine.indices
            count = np.diff(first)
            bits[:] = hub_bits[hub_slots[first[:-1]]]
            j = 1
            while (more := int(np.count_nonzero(count > j))) > 0:
                np.bitwise_or(bits[:more], hub_bits[hub_slots[first[:more] + j]], out=bits[:more])
                j += 1
            light = light_of[rows]
            owner = np.repeat(np.arange(len(rows), dtype=np.int64), np.diff(light.indptr))
            _scatter(bits, word_of, light.indices, owner)
            out[rows] = popcount(bits)
            progress.advance(len(rows))
    return out


_ONE = np.uint64(1)


def _scatter(
    bits: npt.NDArray[np.uint64], word_of: sp.csr_matrix, members: Int64Array, row: Int64Array
) -> None:
    """OR the circle of each of ``members`` into row ``row[i]`` of the bitsets ``bits``."""
    landing = word_of[members]
    at = np.repeat(row * bits.shape[1], np.diff(landing.indptr)) + landing.indices
    np.bitwise_or.at(bits.reshape(-1), at, _ONE << landing.data.astype(np.uint64))


_BYTE_BITS = np.array([bin(byte).count("1") for byte in range(256)], np.uint8)


def popcount(bits: npt.NDArray[np.uint64]) -> Int64Array:
    """Set bits in each row of a 2-d ``uint64`` array (numpy 2's ``bitwise_count`` if present)."""
    if hasattr(np, "bitwise_count"):
        counted: Int64Array = np.bitwise_count(bits).sum(axis=1, dtype=np.int64)
        return counted
    return _popcount_bytes(bits)


def _popcount_bytes(bits: npt.NDArray[np.uint64]) -> Int64Array:
    """:func:`popcount` by a table of the 256 bytes, for numpy 1.x."""
    counted: Int64Array = _BYTE_BITS[bits.view(np.uint8)].sum(axis=1, dtype=np.int64)
    return counted


def _rows(counts: Int64Array, columns: Int64Array, width: int) -> sp.csr_matrix:
    """A boolean CSR with ``counts[i]`` entries in row ``i``, taken in order from ``columns``."""
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return sp.csr_matrix((np.ones(len(columns), np.bool_), columns, indptr), (len(counts), width))
