"""Community detection on a weighted undirected graph held as ``scipy.sparse`` CSR.

Louvain (Blondel et al. 2008) and Leiden (Traag, Waltman & van Eck 2019), vectorized: every
phase is a handful of sparse products and segment reductions over all nodes at once, never a
Python loop over nodes or links. The loops are over sweeps, rounds and levels only.

The local moving phase is *synchronous*: each sweep computes, for every node still active, its
link weight to each neighbouring community (one sparse product ``A[rows] @ P``), the modularity
gain of moving there, and moves every node at once to its best community. Synchronous moves can
oscillate (two nodes swapping communities forever); we use the alternating rule of the GPU
Louvain in RAPIDS cuGraph (Naim et al. 2017, "Community detection on the GPU", IPDPS): on even
sweeps a node may only move to a community of higher number, on odd sweeps of lower number, so
two nodes can never swap in one sweep.

Leiden's refinement is also synchronous: within each community, singletons that are well
connected to it merge into a neighbouring refined cluster, and in each round the clusters are
split at random into *movers* and *receivers*, so a node always joins a cluster that does not
change in the same round. A receiver is connected and the mover is linked to it, so every refined
cluster stays connected; the coarse graph is built from the refined clusters, and the last step
splits any community into its connected parts (which never lowers modularity), so every community
returned by :func:`leiden` induces a connected subgraph.

Internally the adjacency carries every self loop twice on the diagonal (networkx counts a self
loop twice in a degree), so that a node's degree is its row sum and ``P.T @ A @ P`` aggregates
without correction.
"""

from __future__ import annotations

import importlib
import random
import threading
from typing import Any, Final, Literal

import attrs
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from community_marketing._checks import check_float, check_int
from community_marketing._types import BoolArray, Float64Array, Int64Array
from community_marketing.errors import InvalidInputError

__all__ = [
    "Backend",
    "check_backend",
    "igraph_available",
    "leiden",
    "louvain",
    "modularity",
    "normalized_mutual_information",
    "partition",
]

Backend = Literal["auto", "scipy", "igraph"]
"""Who finds the communities: ``"scipy"`` (this module, the default install), ``"igraph"``
(the ``communities`` extra), or ``"auto"`` (igraph when importable, else scipy)."""

_MAX_SWEEPS: Final = 16
_MAX_ROUNDS: Final = 32
_MAX_LEVELS: Final = 64
_TOLERANCE: Final = 1e-12
_MIN_GAIN: Final = 1e-4
_PATIENCE: Final = 3


def modularity(adjacency: Any, labels: Any, resolution: float = 1.0) -> float:
    """Newman-Girvan modularity of a partition, with a resolution.

    ``Q = sum_c [ L_c / m - resolution * (K_c / 2m) ** 2 ]`` where ``L_c`` is the weight of the
    links inside community ``c``, ``K_c`` the sum of its members' degrees and ``m`` the total
    link weight: the definition of ``networkx.community.modularity`` (a self loop counts once
    in ``L_c`` and twice in a degree).

    Parameters
    ----------
    adjacency : scipy.sparse array or matrix, shape (n, n)
        Symmetric, non-negative link weights; converted to float64 CSR.
    labels : array-like of int, shape (n,)
        The community of each node; any integers.
    resolution : float, default 1.0
        Above 1 favours smaller communities, below 1 larger ones.

    Returns
    -------
    float
        The modularity, at most 1; 0.0 for a graph without links.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> edges = np.array([[0, 1], [1, 2], [0, 2], [3, 4], [4, 5], [3, 5], [2, 3]])
    >>> a = sp.coo_array((np.ones(7), (edges[:, 0], edges[:, 1])), shape=(6, 6))
    >>> round(modularity(a + a.T, [0, 0, 0, 1, 1, 1]), 4)
    0.3571
    """
    matrix = _adjacency(adjacency)
    return _modularity(matrix, _labels(labels, matrix.shape[0]), resolution)


def louvain(
    adjacency: Any,
    *,
    resolution: float = 1.0,
    rng: np.random.Generator,
) -> Int64Array:
    """Communities that maximise modularity, by the Louvain method, vectorized.

    Blondel, Guillaume, Lambiotte & Lefebvre (2008), "Fast unfolding of communities in large
    networks", J. Stat. Mech. P10008: local moves until no node gains by moving, then each
    community becomes one node of a coarser graph, and again, until nothing moves. The local
    moves here are synchronous with cuGraph's alternating up/down rule (see the module notes).

    Parameters
    ----------
    adjacency : scipy.sparse array or matrix, shape (n, n)
        Symmetric, non-negative link weights (float64 after conversion); self loops allowed.
    resolution : float, default 1.0
        Above 1 favours smaller communities, below 1 larger ones.
    rng : numpy.random.Generator
        Breaks the symmetry of the synchronous sweeps; the same seed gives the same labels.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
        The community of each node, ``0..k-1``, numbered by first appearance in node order.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> edges = np.array([[0, 1], [1, 2], [0, 2], [3, 4], [4, 5], [3, 5], [2, 3]])
    >>> a = sp.coo_array((np.ones(7), (edges[:, 0], edges[:, 1])), shape=(6, 6))
    >>> louvain(a + a.T, rng=np.random.default_rng(0)).tolist()
    [0, 0, 0, 1, 1, 1]
    """
    matrix = _adjacency(adjacency)
    _check_resolution(resolution)
    labels = _optimise(matrix, np.arange(matrix.shape[0]), resolution, rng, refine=False)
    return _canonical(labels)


def leiden(
    adjacency: Any,
    *,
    resolution: float = 1.0,
    rng: np.random.Generator,
    n_iterations: int = 4,
) -> Int64Array:
    """Connected communities that maximise modularity, by the Leiden method, vectorized.

    Traag, Waltman & van Eck (2019), "From Louvain to Leiden: guaranteeing well-connected
    communities", Scientific Reports 9, 5233: Louvain's local moves, then a refinement inside
    each community whose clusters, not the communities, become the nodes of the coarser graph.
    Every returned community induces a connected subgraph.

    Parameters
    ----------
    adjacency : scipy.sparse array or matrix, shape (n, n)
        Symmetric, non-negative link weights (float64 after conversion); self loops allowed.
    resolution : float, default 1.0
        Above 1 favours smaller communities, below 1 larger ones.
    rng : numpy.random.Generator
        Breaks the symmetry of the synchronous sweeps; the same seed gives the same labels.
    n_iterations : int, default 4
        How many times the whole algorithm runs, each starting from the previous partition;
        it stops earlier once an iteration no longer raises modularity (as igraph's
        ``community_leiden``, whose default is 2: a synchronous sweep gains less than a
        sequential one, and the later iterations are the cheap ones).

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
        The community of each node, ``0..k-1``, numbered by first appearance in node order.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> edges = np.array([[0, 1], [1, 2], [0, 2], [3, 4], [4, 5], [3, 5], [2, 3]])
    >>> a = sp.coo_array((np.ones(7), (edges[:, 0], edges[:, 1])), shape=(6, 6))
    >>> leiden(a + a.T, rng=np.random.default_rng(0)).tolist()
    [0, 0, 0, 1, 1, 1]
    """
    matrix = _adjacency(adjacency)
    _check_resolution(resolution)
    check_int(n_iterations, "n_iterations", low=1)
    labels: Int64Array = np.arange(matrix.shape[0], dtype=np.int64)
    quality = -np.inf
    for _ in range(n_iterations):
        found = _split_disconnected(matrix, _optimise(matrix, labels, resolution, rng, refine=True))
        found_quality = _modularity(matrix, found, resolution)
        if found_quality <= quality + _TOLERANCE:
            break
        labels, quality = found, found_quality
    return _canonical(labels)


def partition(
    adjacency: Any,
    *,
    method: Literal["leiden", "louvain"],
    resolution: float,
    rng: np.random.Generator,
    backend: Backend = "auto",
) -> tuple[Int64Array, str]:
    """Communities by Leiden or Louvain, from this module or from igraph, and who found them.

    Parameters
    ----------
    adjacency : scipy.sparse array or matrix, shape (n, n)
        Symmetric, non-negative link weights; self loops allowed.
    method : {"leiden", "louvain"}
        Leiden (every community connected) or Louvain.
    resolution : float
        Above 1 favours smaller communities, below 1 larger ones.
    rng : numpy.random.Generator
        The only source of randomness: the same seed gives the same labels on one backend.
    backend : {"auto", "scipy", "igraph"}, default "auto"
        ``"igraph"`` runs ``Graph.community_leiden`` (``objective_function="modularity"``,
        two iterations) or ``community_multilevel`` with a ``random.Random`` seeded from
        ``rng`` installed as igraph's generator for the call, then restored; ``"auto"`` is
        igraph when it imports, else this module. Two backends give different partitions of
        similar modularity (docs/benchmarks.md).

    Returns
    -------
    labels : numpy.ndarray of int64, shape (n,)
        ``0..k-1`` numbered by first appearance in node order; each Leiden community is
        connected whatever the backend.
    backend : str
        ``"scipy"`` or ``"igraph"``.

    Raises
    ------
    InvalidInputError
        For a bad adjacency, resolution, method or backend, or ``"igraph"`` without igraph.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> edges = np.array([[0, 1], [1, 2], [0, 2], [3, 4], [4, 5], [3, 5], [2, 3]])
    >>> a = sp.coo_array((np.ones(7), (edges[:, 0], edges[:, 1])), shape=(6, 6))
    >>> labels, _ = partition(a + a.T, method="leiden", resolution=1.0,
    ...                       rng=np.random.default_rng(0))
    >>> labels.tolist()
    [0, 0, 0, 1, 1, 1]
    """
    if not isinstance(method, str) or method not in ("leiden", "louvain"):
        raise InvalidInputError(f"method: expected 'leiden' or 'louvain', got {method!r}")
    check_backend(backend)
    if backend == "igraph" and not igraph_available():
        raise InvalidInputError(
            "backend: 'igraph' needs the igraph package (pip install community-marketing"
            "[communities])"
        )
    if backend == "scipy" or (backend == "auto" and not igraph_available()):
        run = leiden if method == "leiden" else louvain
        return run(adjacency, resolution=resolution, rng=rng), "scipy"
    matrix = _adjacency(adjacency)
    _check_resolution(resolution)
    labels = _igraph_labels(matrix, method, resolution, rng)
    if method == "leiden":
        labels = _split_disconnected(matrix, labels)
    return _canonical(labels), "igraph"


def check_backend(backend: object) -> None:
    """``InvalidInputError`` unless ``backend`` is ``"auto"``, ``"scipy"`` or ``"igraph"``.

    Examples
    --------
    >>> check_backend("scipy")
    """
    if not isinstance(backend, str) or backend not in ("auto", "scipy", "igraph"):
        raise InvalidInputError(f"backend: expected 'auto', 'scipy' or 'igraph', got {backend!r}")


def igraph_available() -> bool:
    """Whether igraph imports (the ``communities`` extra).

    Examples
    --------
    >>> isinstance(igraph_available(), bool)
    True
    """
    try:
        importlib.import_module("igraph")
    except ImportError:
        return False
    return True


_IGRAPH_RANDOM = threading.Lock()


def _igraph_graph(igraph: Any, matrix: sp.csr_array) -> tuple[Any, list[float] | None]:
    """The undirected igraph graph of ``matrix`` and its edge weights (None: all ones)."""
    upper = sp.triu(matrix).tocoo()
    graph = igraph.Graph(n=matrix.shape[0])
    graph.add_edges(np.c_[upper.row, upper.col])  # an array: several times faster than a list
    # A diagonal entry w is a loop of weight w: :func:`modularity` counts it twice in the
    # degree and in the community's inside weight, and so does igraph, so it goes as it is.
    weights = upper.data
    return graph, None if np.all(weights == 1.0) else weights.tolist()


def _igraph_labels(
    matrix: sp.csr_array, method: str, resolution: float, rng: np.random.Generator
) -> Int64Array:
    """igraph's labels, its generator seeded from ``rng`` for the call (igraph draws from one
    process-wide generator, so calls take turns)."""
    igraph = importlib.import_module("igraph")
    graph, given = _igraph_graph(igraph, matrix)
    seeded = random.Random(int(rng.integers(2**63)))
    with _IGRAPH_RANDOM:
        igraph.set_random_number_generator(seeded)
        try:
            if method == "leiden":
                found = graph.community_leiden(
                    objective_function="modularity",
                    weights=given,
                    resolution=resolution,
                    n_iterations=2,
                )
            else:
                found = graph.community_multilevel(weights=given, resolution=resolution)
        finally:
            igraph.set_random_number_generator(random)
    return _compact(np.asarray(found.membership, dtype=np.int64))


def normalized_mutual_information(labels_true: Any, labels_pred: Any) -> float:
    """How much two partitions of the same nodes tell about each other, from 0 to 1.

    ``I(X; Y) / mean(H(X), H(Y))``, the arithmetic normalisation (scikit-learn's default in
    ``normalized_mutual_info_score``); 1.0 when both partitions are the same up to numbering,
    and 1.0 too when both put every node in one community.

    Parameters
    ----------
    labels_true, labels_pred : array-like of int, shape (n,)
        The community of each node in each partition; any integers.

    Returns
    -------
    float
        The normalized mutual information, in ``[0, 1]``.

    Examples
    --------
    >>> round(normalized_mutual_information([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]), 4)
    0.5158
    """
    first, second = np.asarray(labels_true), np.asarray(labels_pred)
    if first.shape != second.shape or first.ndim != 1:
        raise InvalidInputError(
            f"labels: expected two partitions of the same nodes, got shapes {first.shape} "
            f"and {second.shape}"
        )
    n = first.size
    if n == 0:
        return 1.0
    first, second = _labels(first, n), _labels(second, n)
    pairs = np.unique(first * (int(second.max(initial=0)) + 1) + second, return_counts=True)[1]
    rows, columns = np.bincount(first) / n, np.bincount(second) / n
    entropy_first = float(-(rows * np.log(rows)).sum())
    entropy_second = float(-(columns * np.log(columns)).sum())
    if entropy_first == 0 and entropy_second == 0:
        return 1.0
    joint = pairs / n
    mutual = entropy_first + entropy_second - float(-(joint * np.log(joint)).sum())
    return max(0.0, min(1.0, mutual / ((entropy_first + entropy_second) / 2)))


def _adjacency(adjacency: Any) -> sp.csr_array:
    """Float64 CSR with each self loop doubled on the diagonal, after the boundary checks."""
    if not sp.issparse(adjacency):
        raise InvalidInputError(
            f"adjacency: expected a scipy.sparse array or matrix, got {type(adjacency).__name__}"
        )
    if adjacency.ndim != 2 or adjacency.shape[0] != adjacency.shape[1]:
        raise InvalidInputError(f"adjacency: expected a square matrix, got shape {adjacency.shape}")
    matrix = sp.csr_array(adjacency, dtype=np.float64)
    matrix.sum_duplicates()
    if not np.all(np.isfinite(matrix.data)) or np.any(matrix.data < 0):
        raise InvalidInputError("adjacency: expected finite, non-negative weights")
    asymmetry = abs(matrix - matrix.T)
    if asymmetry.nnz and asymmetry.max() > 1e-9 * max(1.0, float(abs(matrix).max())):
        raise InvalidInputError("adjacency: expected a symmetric matrix (an undirected graph)")
    doubled = sp.csr_array(matrix + sp.diags_array(matrix.diagonal()))
    doubled.eliminate_zeros()
    doubled.sort_indices()
    return doubled


def _labels(labels: Any, n: int) -> Int64Array:
    values = np.asarray(labels)
    if values.shape != (n,) or (n and not np.issubdtype(values.dtype, np.integer)):
        raise InvalidInputError(
            f"labels: expected {n} integers, got shape {values.shape} of {values.dtype}"
        )
    return _compact(values)


def _check_resolution(resolution: float) -> None:
    check_float(resolution, "resolution", low=0)


def _compact(labels: Any) -> Int64Array:
    """The same partition numbered 0..k-1 (in increasing order of the old numbers)."""
    inverse = np.unique(labels, return_inverse=True)[1]
    return np.asarray(inverse, dtype=np.int64).reshape(-1)


def _canonical(labels: Int64Array) -> Int64Array:
    """The same partition numbered 0..k-1 by first appearance in node order."""
    if labels.size == 0:
        return np.zeros(0, dtype=np.int64)
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return rank[inverse.reshape(-1)]


def _rows(matrix: sp.csr_array) -> Int64Array:
    """The row of each stored entry."""
    return np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))


def _modularity(matrix: sp.csr_array, labels: Int64Array, resolution: float) -> float:
    degree = np.asarray(matrix.sum(axis=1), dtype=np.float64)
    two_m = float(degree.sum())
    if two_m == 0:
        return 0.0
    inside = labels[_rows(matrix)] == labels[matrix.indices]
    internal = float(matrix.data[inside].sum())
    totals = np.bincount(labels, weights=degree)
    return internal / two_m - resolution * float(totals @ totals) / two_m**2


def _indicator(labels: Int64Array, k: int) -> sp.csr_array:
    """The n x k matrix with one 1 per row, in the column of the row's label."""
    n = labels.size
    return sp.csr_array((np.ones(n), labels, np.arange(n + 1, dtype=np.int64)), shape=(n, k))


def _aggregate(matrix: sp.csr_array, clusters: Int64Array, k: int) -> sp.csr_array:
    """``P.T @ A @ P``: one node per cluster, the links between clusters summed."""
    indicator = _indicator(clusters, k)
    return sp.csr_array(indicator.T @ (matrix @ indicator))


def _split_disconnected(matrix: sp.csr_array, labels: Int64Array) -> Int64Array:
    """Each community cut into its connected parts (splitting never lowers modularity)."""
    rows = _rows(matrix)
    inside = labels[rows] == labels[matrix.indices]
    n = matrix.shape[0]
    within = sp.csr_array(
        (matrix.data[inside], (rows[inside], matrix.indices[inside])), shape=(n, n)
    )
    return np.asarray(connected_components(within, directed=False)[1], dtype=np.int64)


@attrs.frozen
class _Level:
    """One level's graph and what every sweep reads from it."""

    matrix: sp.csr_array
    degree: Float64Array
    loops: Float64Array
    entry_rows: Int64Array
    scale: float
    """``resolution / 2m``: a gain times ``m`` is ``w(i, C) - scale k_i K_C`` (see _best_moves)."""

    @classmethod
    def of(cls, matrix: sp.csr_array, degree: Float64Array, scale: float) -> _Level:
        loops = np.asarray(matrix.diagonal(), dtype=np.float64)
        return cls(matrix, degree, loops, _rows(matrix), scale)

    def quality(self, labels: Int64Array, totals: Float64Array) -> float:
        """Modularity times ``1 / resolution`` (only compared within a level)."""
        inside = labels[self.entry_rows] == labels[self.matrix.indices]
        internal = float(self.matrix.data[inside].sum())
        return self.scale * internal - self.scale**2 * float(totals @ totals)


def _best_per_row(
    indptr: Int64Array, entry_rows: Int64Array, scores: Float64Array
) -> tuple[Float64Array, Int64Array]:
    """Each row's best score (-inf if it has none) and the first entry that reaches it."""
    counts = np.diff(indptr)
    best = np.full(counts.size, -np.inf)
    nonempty = counts > 0
    if scores.size:
        best[nonempty] = np.maximum.reduceat(scores, indptr[:-1][nonempty])
    hits = np.flatnonzero(scores == best[entry_rows])
    hit_rows = entry_rows[hits]
    first = np.ones(hit_rows.size, dtype=bool)
    first[1:] = hit_rows[1:] != hit_rows[:-1]
    position = np.full(counts.size, -1, dtype=np.int64)
    position[hit_rows[first]] = hits[first]
    return best, position


def _link_weights(
    matrix: sp.csr_array, rows: Int64Array, labels: Int64Array
) -> tuple[Int64Array, Int64Array, Int64Array, Float64Array]:
    """For each given row: its weight to each neighbouring community, as a CSR (indptr, row of
    each entry, community, weight), from one sparse product ``A[rows] @ P``."""
    n = matrix.shape[0]
    block = matrix if rows.size == n else matrix[rows]
    weights = sp.csr_array(block @ _indicator(labels, n))
    indptr = np.asarray(weights.indptr, dtype=np.int64)
    entry_rows = np.repeat(np.arange(rows.size, dtype=np.int64), np.diff(indptr))
    return indptr, entry_rows, np.asarray(weights.indices, dtype=np.int64), weights.data


def _best_moves(
    level: _Level,
    rows: Int64Array,
    labels: Int64Array,
    totals: Float64Array,
    upward: bool,
) -> tuple[Int64Array, Float64Array, BoolArray]:
    """Each row's best allowed community (-1 to stay), the gain, and whether a better one was
    barred by the up/down rule.

    The gain of moving node i from D to C, times ``m``, is
    ``w(i, C) - scale k_i K_C - [w(i, D - i) - scale k_i (K_D - k_i)]``.
    """
    indptr, entry_rows, community, weight = _link_weights(level.matrix, rows, labels)
    counts = np.diff(indptr)
    own, k = labels[rows], level.degree[rows]
    own_per_entry = np.repeat(own, counts)
    score = weight - level.scale * np.repeat(k, counts) * totals[community]
    own_entries = np.flatnonzero(community == own_per_entry)
    own_rows = entry_rows[own_entries]
    score[own_entries] += level.scale * k[own_rows] ** 2 - level.loops[rows[own_rows]]
    stay = -level.scale * k * (totals[own] - k)
    stay[own_rows] = score[own_entries]
    margin = stay + _TOLERANCE * np.maximum(k, 1.0)
    barred = np.where(community > own_per_entry if upward else community < own_per_entry, 0, 1)
    best, position = _best_per_row(indptr, entry_rows, np.where(barred, -np.inf, score))
    target = np.where(best > margin, community[np.maximum(position, 0)], -1)
    unrestricted = np.full(counts.size, -np.inf)
    nonempty = counts > 0
    if score.size:
        unrestricted[nonempty] = np.maximum.reduceat(score, indptr[:-1][nonempty])
    return target, best - stay, (unrestricted > margin) & (target < 0)


def _admit(
    nodes: Int64Array,
    destination: Int64Array,
    gain: Float64Array,
    degree: Float64Array,
    scale: float,
) -> tuple[Int64Array, Int64Array]:
    """The moves that still gain once the earlier arrivals in the same community (by gain,
    highest first) are counted in its total degree: a hub does not swallow its whole
    neighbourhood in one synchronous sweep."""
    order = np.lexsort((-gain, destination))
    destination, degree = destination[order], degree[order]
    arrived = np.cumsum(degree) - degree
    starts = np.ones(order.size, dtype=bool)
    starts[1:] = destination[1:] != destination[:-1]
    arrived -= np.maximum.accumulate(np.where(starts, arrived, 0.0))
    admitted = gain[order] - scale * degree * arrived > _TOLERANCE * np.maximum(degree, 1.0)
    return nodes[order][admitted], destination[admitted]


def _move_nodes(level: _Level, labels: Int64Array) -> Int64Array:
    """Synchronous local moves (up/down rule, admission cap) while modularity still rises.

    A sweep revisits only the nodes next to one that moved and those the up/down rule held
    back; the phase stops after ``_PATIENCE`` sweeps that did not raise the best modularity by
    a fraction ``_MIN_GAIN``, and keeps the best partition seen.
    """
    n = level.matrix.shape[0]
    labels = labels.copy()
    totals: Float64Array = np.bincount(labels, weights=level.degree, minlength=n).astype(np.float64)
    active = np.ones(n, dtype=bool)
    best_quality = level.quality(labels, totals)
    best = labels.copy()
    stalls = 0
    for sweep in range(_MAX_SWEEPS):
        rows = np.flatnonzero(active)
        if rows.size == 0 or stalls == _PATIENCE:
            break
        target, gain, barred = _best_moves(level, rows, labels, totals, sweep % 2 == 0)
        moving = target >= 0
        moved, destination = _admit(
            rows[moving], target[moving], gain[moving], level.degree[rows[moving]], level.scale
        )
        weights = level.degree[moved]
        totals += np.bincount(destination, weights=weights, minlength=n)
        totals -= np.bincount(labels[moved], weights=weights, minlength=n)
        labels[moved] = destination
        quality = level.quality(labels, totals)
        stalls = 0 if quality > best_quality + _MIN_GAIN * abs(best_quality) else stalls + 1
        if quality > best_quality:
            best_quality, best[:] = quality, labels
        touched = np.zeros(n)
        touched[moved] = 1.0
        active = level.matrix @ touched > 0
        active[rows[barred]] = True
    return best


def _within(matrix: sp.csr_array, communities: Int64Array) -> sp.csr_array:
    """The links inside communities, self loops dropped."""
    rows = _rows(matrix)
    keep = (communities[rows] == communities[matrix.indices]) & (rows != matrix.indices)
    indptr = np.zeros(matrix.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=matrix.shape[0]), out=indptr[1:])
    return sp.csr_array((matrix.data[keep], matrix.indices[keep], indptr), shape=matrix.shape)


def _refine(level: _Level, communities: Int64Array, rng: np.random.Generator) -> Int64Array:
    """Leiden's refinement, synchronous: inside each community, well-connected singletons join
    a well-connected neighbouring cluster with the best non-negative gain. Each round draws
    which clusters may send and which may receive, so a node joins a cluster that does not
    change in that round: every cluster stays connected."""
    n, degree, scale = level.matrix.shape[0], level.degree, level.scale
    within = _within(level.matrix, communities)
    inner = np.asarray(within.sum(axis=1), dtype=np.float64)
    community_totals = np.bincount(communities, weights=degree, minlength=n)[communities]
    well = inner >= scale * degree * (community_totals - degree)
    clusters = np.arange(n, dtype=np.int64)
    totals = degree.copy()
    size = np.ones(n, dtype=np.int64)
    entry_rows = _rows(within)
    for _ in range(_MAX_ROUNDS):
        singles = np.flatnonzero(well & (size[clusters] == 1))
        if singles.size == 0:
            break
        inside = clusters[entry_rows] == clusters[within.indices]
        external = np.bincount(clusters, weights=inner, minlength=n) - np.bincount(
            clusters[entry_rows[inside]], weights=within.data[inside], minlength=n
        )
        receiving = external >= scale * totals * (community_totals - totals)
        indptr, rows, target, weight = _link_weights(within, singles, clusters)
        gain = weight - scale * degree[singles][rows] * totals[target]
        score = np.where(receiving[target], gain, -np.inf)
        if not np.any(score >= 0):
            break
        heads = rng.random(n) < 0.5
        allowed = heads[singles][rows] & ~heads[target]
        best, position = _best_per_row(indptr, rows, np.where(allowed, score, -np.inf))
        joins = best >= 0
        movers, destination = singles[joins], target[position[joins]]
        np.add.at(totals, destination, degree[movers])
        totals[movers] = 0.0
        clusters[movers] = destination
        size = np.bincount(clusters, minlength=n)
    return clusters


def _optimise(
    matrix: sp.csr_array,
    labels: Int64Array,
    resolution: float,
    rng: np.random.Generator,
    *,
    refine: bool,
) -> Int64Array:
    """Levels of local moves (and refinement) and aggregation, until no community merges.

    The communities are first numbered at random: the numbering steers the up/down rule and
    the ties, as the random node order does in a sequential Louvain.
    """
    degree = np.asarray(matrix.sum(axis=1), dtype=np.float64)
    two_m = float(degree.sum())
    labels = _compact(labels)
    if two_m == 0:
        return labels
    level = _Level.of(matrix, degree, resolution / two_m)
    membership = np.arange(matrix.shape[0], dtype=np.int64)
    communities = rng.permutation(int(labels.max()) + 1)[labels]
    for _ in range(_MAX_LEVELS):
        communities = _compact(_move_nodes(level, communities))
        size = level.matrix.shape[0]
        if int(communities.max()) + 1 == size:
            break
        clusters = _compact(_refine(level, communities, rng)) if refine else communities
        if int(clusters.max()) + 1 == size:
            clusters = communities
        coarse = np.empty(int(clusters.max()) + 1, dtype=np.int64)
        coarse[clusters] = communities
        membership = clusters[membership]
        degree = np.bincount(clusters, weights=level.degree, minlength=coarse.size).astype(
            np.float64
        )
        level = _Level.of(_aggregate(level.matrix, clusters, coarse.size), degree, level.scale)
        communities = coarse
    return communities[membership]
