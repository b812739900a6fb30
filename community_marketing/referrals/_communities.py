"""Communities of the friend graph: today its connected components."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .._types import Int64Array

__all__ = ["communities"]


def communities(csr: sp.csr_matrix) -> list[Int64Array]:
    """Member indices of each connected component, largest first (ties: first row first)."""
    if csr.shape[0] == 0:
        return []
    count, labels = connected_components(csr, directed=False)
    order = np.argsort(labels, kind="stable")
    sizes = np.bincount(labels, minlength=count)
    first = np.full(count, len(labels))
    np.minimum.at(first, labels, np.arange(len(labels)))
    ranked = np.lexsort((first, -sizes))
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    return [order[bounds[label] : bounds[label + 1]] for label in ranked.tolist()]
