"""Word-of-mouth cascades: the independent cascade and linear threshold models, many runs at once.

All runs of a block advance together, one step at a time: run ``r``'s member ``v`` is entry
``r * n + v`` of one flat boolean array, so a step is a few vectorized numpy calls whatever the
number of runs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from .._checks import check_probability
from .._ids import IdIndex
from .._progress import Progress
from .._types import BoolArray, Float64Array, Int64Array
from ..errors import InvalidInputError
from . import _sparse
from ._sparse import Heeding, distinct, live_blocks, live_edges
from ._values import DEFAULT_PROBABILITY, CascadeModel

__all__ = [
    "MAX_RUNS",
    "cascade_weights",
    "check_model",
    "edge_probability",
    "run_cascades",
    "threshold_weights",
]


MAX_RUNS = 10_000_000
"""The most runs one ``simulate_cascade`` call simulates (its per-run reach alone is 80 MB)."""


def check_model(model: object) -> None:
    if not isinstance(model, str) or model not in ("independent_cascade", "linear_threshold"):
        raise InvalidInputError(
            f"model: expected 'independent_cascade' or 'linear_threshold', got {model!r}"
        )


def edge_probability(
    csr: sp.csr_matrix, probability: object, field: str = "probability"
) -> float | Float64Array:
    """A probability in ``[0, 1]``, or one per adjacency entry (checked, as float64)."""
    if isinstance(probability, np.ndarray):
        values = probability
        if values.ndim != 1 or len(values) != csr.nnz:
            raise InvalidInputError(
                f"{field}: expected a scalar or {csr.nnz} per-edge values "
                f"(adjacency entries), got shape {values.shape}"
            )
        if values.dtype.kind not in "fiu":
            raise InvalidInputError(f"{field}: expected numbers, got dtype {values.dtype}")
        values = values.astype(np.float64)
        bad = np.flatnonzero(~((values >= 0.0) & (values <= 1.0)))
        if bad.size:
            raise InvalidInputError(
                f"{field}[{int(bad[0])}]: expected a probability in [0, 1], got {values[bad[0]]!r}"
            )
        return values
    return check_probability(probability, field, zero=True)


def threshold_weights(csr: sp.csr_matrix, probability: object, ids: IdIndex) -> Float64Array:
    """Linear-threshold weights per adjacency entry; each member's incoming sum at most 1."""
    n = csr.shape[0]
    if probability is None:
        degree = np.diff(csr.indptr).astype(np.float64)
        # Edge (row u, column v) carries 1 / degree(v): v's friends share its threshold.
        uniform: Float64Array = 1.0 / degree[csr.indices]
        return uniform
    weights = edge_probability(csr, probability)
    if not isinstance(weights, np.ndarray):
        weights = np.full(csr.nnz, weights)
    incoming = np.bincount(csr.indices, weights=weights, minlength=n)
    over = np.flatnonzero(incoming > 1.0 + 1e-9)
    if over.size:
        raise InvalidInputError(
            f"probability: linear-threshold weights into {ids.id_at(int(over[0]))!r} "
            f"sum to {incoming[over[0]]:.10g}, expected at most 1"
        )
    return weights


def cascade_weights(
    csr: sp.csr_matrix, model: CascadeModel, probability: object, ids: IdIndex
) -> float | Float64Array:
    """What ``simulate_cascade``'s ``probability`` means under ``model``, checked."""
    if model == "independent_cascade":
        return edge_probability(csr, DEFAULT_PROBABILITY if probability is None else probability)
    return threshold_weights(csr, probability, ids)


def run_cascades(
    csr: sp.csr_matrix,
    seeds: Int64Array,
    weights: float | Float64Array,
    model: CascadeModel,
    runs: int,
    limit: int,
    rng: np.random.Generator,
    progress: Progress,
    transposed: Callable[[], Int64Array],
) -> tuple[Int64Array, Int64Array, Float64Array]:
    """Final reach of each run, runs reaching each member, and the mean reach after each step.

    Runs go by blocks small enough that one block's flat arrays stay within the budget;
    ``transposed`` gives the reverse position of every adjacency entry (linear threshold).
    """
    n = csr.shape[0]
    budget = _sparse.VISITED_BUDGET
    spread: Callable[..., tuple[BoolArray, Int64Array]] = _independent_cascade
    live: float | Float64Array | Heeding = weights
    if model == "linear_threshold":
        # Live edges: the friend each member heeds, from its weights in the transpose's
        # order. A block holds about 50 bytes per member and run, not one: a smaller block.
        full = np.broadcast_to(np.asarray(weights, np.float64), (csr.nnz,))
        live = Heeding(csr.indptr, full[transposed()])
        spread, budget = _linear_threshold, budget // 32
    chunk = max(1, min(runs, budget // max(n, 1)))
    reach = np.empty(runs, np.int64)
    hits = np.zeros(n, np.int64)
    curves: list[Int64Array] = []
    for first in range(0, runs, chunk):
        count = min(chunk, runs - first)
        active, curve = spread(csr, seeds, live, count, limit, rng)
        # Seeds are distinct, so the last step's running count is each run's reach.
        reach[first : first + count] = curve[:, -1]
        if int(curve[:, -1].sum()) * 16 < count * n:
            # Small cascades: count the few members reached rather than every cell.
            hits += np.bincount(np.flatnonzero(active) % n, minlength=n)
        else:
            hits += active.reshape(count, n).sum(axis=0)
        curves.append(curve)
        progress.advance(count)
    return reach, hits, _mean_curve(curves)


def _mean_curve(curves: list[Int64Array]) -> Float64Array:
    """Mean reach by step over all runs; a run that stopped early keeps its final reach."""
    width = max(curve.shape[1] for curve in curves)
    padded = [
        np.concatenate([c, np.repeat(c[:, -1:], width - c.shape[1], axis=1)], axis=1)
        for c in curves
    ]
    steps: Float64Array = np.concatenate(padded, axis=0).mean(axis=0)
    return steps


def _independent_cascade(
    csr: sp.csr_matrix,
    seeds: Int64Array,
    probability: float | Float64Array,
    runs: int,
    limit: int,
    rng: np.random.Generator,
) -> tuple[BoolArray, Int64Array]:
    n = csr.shape[0]
    indptr, indices = csr.indptr, csr.indices
    active = np.zeros(runs * n, np.bool_)
    frontier = (np.arange(runs, dtype=np.int64)[:, None] * n + seeds[None, :]).reshape(-1)
    active[frontier] = True
    curve = [np.full(runs, len(seeds), np.int64)]
    step = 0
    while frontier.size and step < limit:
        run, node = np.divmod(frontier, n)
        found = []
        # By blocks of members whose edges fit the budget, each marked before the next is
        # drawn: on a dense graph most edges lead to members already reached.
        for lo, hi in live_blocks(indptr, node, probability):
            positions, owner = live_edges(indptr, node[lo:hi], probability, rng)
            keys = run[lo:hi][owner] * n + indices[positions]
            fresh = distinct(keys[~active[keys]])
            active[fresh] = True
            found.append(fresh)
        frontier = found[0] if len(found) == 1 else np.concatenate(found)
        if not frontier.size:
            break
        curve.append(curve[-1] + np.bincount(frontier // n, minlength=runs))
        step += 1
    return active, np.stack(curve, axis=1)


def _linear_threshold(
    csr: sp.csr_matrix,
    seeds: Int64Array,
    heeding: Heeding,
    runs: int,
    limit: int,
    rng: np.random.Generator,
) -> tuple[BoolArray, Int64Array]:
    """Linear threshold as live edges: each member heeds at most one friend, and is active
    after ``t`` steps when heeding leads to a seed in at most ``t`` hops.

    Kempe, Kleinberg and Tardos (KDD 2003, Theorem 2.5 and its proof) show that the active
    sets after each step have the same distribution as under random thresholds, when each
    member heeds friend ``u`` with probability equal to ``u``'s weight on it. The heeding
    paths are followed by pointer doubling: ``log2(min(limit, n))`` gathers over all
    members, whatever the size of the cascade. ``heeding`` picks the friend heeded from the
    weights in the transpose's order (each row lists who weighs on that member).
    """
    n = csr.shape[0]
    indices = csr.indices
    size = runs * n
    # Entry ``r * n + v`` is member ``v`` in run ``r``.
    positions, heeds = heeding(np.tile(np.arange(n, dtype=np.int64), runs), rng)
    # One slot past the members stands for "heeds nobody": it points to itself, as seeds do.
    # Pointers of 32 bits where they hold every slot: half the bytes each doubling gathers.
    parent = np.full(size + 1, size, np.int32 if size < np.iinfo(np.int32).max else np.int64)
    parent[heeds] = heeds - heeds % n + indices[positions]
    hops = np.zeros(size + 1, np.int32)
    hops[heeds] = 1
    seeded = np.zeros(size + 1, np.bool_)
    flat_seeds = (np.arange(runs, dtype=np.int64)[:, None] * n + seeds[None, :]).reshape(-1)
    seeded[flat_seeds] = True
    parent[flat_seeds] = flat_seeds
    hops[flat_seeds] = 0
    reachable = min(limit, n)
    for _ in range(max(reachable - 1, 0).bit_length()):
        hops += hops[parent]
        parent = parent[parent]
    active = seeded[parent[:size]] & (hops[:size] <= limit)
    far = int(hops[:size][active].max()) if active.any() else 0
    found = np.flatnonzero(active)
    by_step = np.bincount(
        (found // n) * (far + 1) + hops[found], minlength=runs * (far + 1)
    ).reshape(runs, far + 1)
    return active, np.cumsum(by_step, axis=1)
