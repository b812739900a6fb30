"""Communities of the friend graph: Leiden, Louvain (``_leiden.py``) or connected components."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .._leiden import Backend, check_backend, igraph_available, modularity, partition
from .._types import Int64Array
from ..errors import InvalidInputError
from ._values import Communities, CommunityMethod

__all__ = ["MAX_RESOLUTION", "check", "communities", "ranked"]

MAX_RESOLUTION = 1e6
"""Above this, squared degree sums times the resolution could overflow float64."""


def check(method: object, backend: object) -> None:
    """``InvalidInputError`` naming ``method`` or ``backend`` when either is unknown."""
    if not isinstance(method, str) or method not in ("leiden", "louvain", "components"):
        raise InvalidInputError(
            f"method: expected 'leiden', 'louvain' or 'components', got {method!r}"
        )
    check_backend(backend)


def communities(
    csr: sp.csr_matrix,
    ids: list[Hashable],
    method: CommunityMethod,
    resolution: float,
    rng: np.random.Generator,
    backend: Backend,
) -> Communities:
    """The partition of the members of ``csr`` (rows named by ``ids``) by ``method``."""
    n = csr.shape[0]
    if n == 0:
        empty = np.zeros(0, np.int64)
        return Communities((), empty, empty, 0.0, method, resolution, _name(method, backend))
    if method == "components":
        found = np.asarray(connected_components(csr, directed=False)[1], np.int64)
        used = "components"
    else:
        found, used = partition(csr, method=method, resolution=resolution, rng=rng, backend=backend)
    labels = ranked(found)
    sizes = np.bincount(labels).astype(np.int64)
    quality = modularity(csr, labels, resolution)
    return Communities(tuple(ids), labels, sizes, quality, method, resolution, used)


def ranked(labels: Int64Array) -> Int64Array:
    """The same partition numbered by size, largest first (ties: earliest first member)."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    sizes = np.bincount(inverse.reshape(-1))
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.lexsort((first, -sizes))] = np.arange(first.size)
    return rank[inverse.reshape(-1)]


def _name(method: str, backend: Backend) -> str:
    if method == "components":
        return "components"
    igraph = backend == "igraph" or (backend == "auto" and igraph_available())
    return "igraph" if igraph else "scipy"
