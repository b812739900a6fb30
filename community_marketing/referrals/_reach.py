"""How far word of mouth travels over friendships: friends of friends, reach, reach of everyone.

Functions over the symmetric friend CSR (``csr``) and member indices.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .._progress import Progress
from .._types import Int64Array
from . import _sparse
from ._sparse import blocks, distinct, gather

__all__ = ["friends_of_friends", "reach", "reach_all"]


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
