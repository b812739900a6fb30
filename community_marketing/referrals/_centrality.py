"""Who is central in the friend graph: degree and PageRank, over the friend CSR."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._types import Float64Array, Int64Array
from ..errors import InvalidInputError

__all__ = ["degrees", "pagerank"]


def degrees(csr: sp.csr_matrix) -> Int64Array:
    """Number of friends of every member."""
    out: Int64Array = np.diff(csr.indptr).astype(np.int64)
    return out


def pagerank(csr: sp.csr_matrix, damping: float, tol: float, max_iter: int) -> Float64Array:
    """PageRank by power iteration, as networkx computes it (dangling rank spread uniformly)."""
    n = csr.shape[0]
    if n == 0:
        return np.empty(0, np.float64)
    degree = np.diff(csr.indptr).astype(np.float64)
    dangling = degree == 0
    inverse = np.divide(1.0, degree, out=np.zeros(n), where=~dangling)
    rank: Float64Array = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        previous = rank
        spread: Float64Array = csr @ (previous * inverse)
        rank = damping * spread + (damping * previous[dangling].sum() + 1.0 - damping) / n
        if np.abs(rank - previous).sum() < n * tol:
            return rank
    raise InvalidInputError(f"max_iter: PageRank did not converge in {max_iter} iterations")
