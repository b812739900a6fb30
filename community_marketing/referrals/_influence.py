"""Choosing whom to seed: top by a score, or the IMM seed set over reverse-reachable sets.

IMM (Tang, Shi and Xiao 2015) draws random reverse-reachable (RR) sets until a greedy maximum
coverage over them estimates the best expected spread within ``1 - 1/e - epsilon``. Under the
independent cascade an RR set is a reverse walk over live edges; under linear threshold each
member heeds at most one friend (Kempe et al.'s live-edge equivalence).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from .._checks import generator
from .._ids import IdIndex
from .._progress import Progress
from .._types import BoolArray, Float64Array, Int64Array
from . import _sparse
from ._cascades import edge_probability, threshold_weights
from ._sparse import distinct, gather, live_edges
from ._values import DEFAULT_PROBABILITY, CascadeModel

__all__ = ["cascade_seeds", "imm_seeds", "reverse_positions", "top_ranked"]


def top_ranked(scores: Float64Array, allowed: BoolArray, k: int) -> Int64Array:
    """The ``k`` allowed members of highest score (ties: first row first)."""
    order = np.argsort(-scores, kind="stable")
    top: Int64Array = order[allowed[order]][:k]
    return top


def reverse_positions(csr: sp.csr_matrix) -> Int64Array:
    """For each adjacency entry (v, u), the position of entry (u, v)."""
    n = csr.shape[0]
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(csr.indptr))
    order = np.argsort(csr.indices.astype(np.int64) * n + rows, kind="stable")
    positions = np.empty(len(order), np.int64)
    positions[order] = np.arange(len(order), dtype=np.int64)
    return positions


def cascade_seeds(
    csr: sp.csr_matrix,
    k: int,
    probability: object,
    model: CascadeModel,
    epsilon: float,
    max_samples: int,
    random_state: object,
    allowed: BoolArray,
    progress: Progress,
    transposed: Callable[[], Int64Array],
    ids: IdIndex,
) -> tuple[Int64Array, Float64Array, float, int]:
    """IMM seeds under ``model`` with ``probability`` checked as ``simulate_cascade`` does.

    Returns the seeds, each one's marginal coverage, the estimated spread and the sets drawn;
    ``transposed`` gives the reverse position of every adjacency entry (asked only for
    per-edge weights), ``ids`` names a member in an error.
    """
    weights: float | Float64Array
    if model == "linear_threshold":
        weights = threshold_weights(csr, probability, ids)
    else:
        weights = edge_probability(csr, DEFAULT_PROBABILITY if probability is None else probability)
    rng = generator(random_state)
    if k == 0 or csr.shape[0] == 0:
        return np.empty(0, np.int64), np.empty(0), 0.0, 0
    if isinstance(weights, np.ndarray):
        weights = weights[transposed()]
    chosen, gains, spread, samples = imm_seeds(
        csr, k, weights, model, epsilon, max_samples, rng, allowed, progress
    )
    return chosen, gains.astype(np.float64), spread, samples


def imm_seeds(
    csr: sp.csr_matrix,
    k: int,
    weights: float | Float64Array,
    model: CascadeModel,
    epsilon: float,
    max_samples: int,
    rng: np.random.Generator,
    allowed: BoolArray,
    progress: Progress,
) -> tuple[Int64Array, Int64Array, float, int]:
    """The seeds, each one's marginal coverage, the estimated spread and the sets drawn.

    ``weights`` are per reversed adjacency entry (the transpose's order) when an array.
    """
    n = csr.shape[0]
    sampler = _RRSampler(csr, weights, rng, progress, model)
    log_n = math.log(n)
    log_choose = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    ell = 1.0 + math.log(2) / log_n if n > 1 else 1.0
    lower = _lower_bound(sampler, k, epsilon, max_samples, allowed, log_n, log_choose, ell)
    alpha = math.sqrt(ell * log_n + math.log(2))
    beta = math.sqrt((1 - 1 / math.e) * (log_choose + ell * log_n + math.log(2)))
    lambda_star = 2 * n * ((1 - 1 / math.e) * alpha + beta) ** 2 / epsilon**2
    sampler.extend(min(math.ceil(lambda_star / lower), max_samples))
    chosen, covered, gains = sampler.greedy(k, allowed)
    return chosen, gains, float(n * covered), sampler.count


def _lower_bound(
    sampler: _RRSampler,
    k: int,
    epsilon: float,
    max_samples: int,
    allowed: BoolArray,
    log_n: float,
    log_choose: float,
    ell: float,
) -> float:
    """IMM's sampling phase: a lower bound on the best spread, halving the guess each round."""
    n: int = sampler.n
    eps_prime = math.sqrt(2) * epsilon
    lambda_prime = (
        (2 + 2 / 3 * eps_prime)
        * (log_choose + ell * log_n + math.log(max(math.log2(n), 1.0)))
        * n
        / eps_prime**2
    )
    for i in range(1, max(int(math.log2(n)), 1)):
        x = n / 2**i
        sampler.extend(min(math.ceil(lambda_prime / x), max_samples))
        _, covered, _ = sampler.greedy(k, allowed)
        if n * covered >= (1 + eps_prime) * x:
            return n * covered / (1 + eps_prime)
        if sampler.count >= max_samples:
            break
    return 1.0


def _heeded_friend(
    indptr: npt.NDArray[Any],
    nodes: Int64Array,
    cumulative: Float64Array,
    rng: np.random.Generator,
) -> tuple[Int64Array, Int64Array]:
    """Linear threshold's live edges: each node heeds one entry of its row, or none.

    Entry ``j`` of a row is chosen with probability equal to its weight (Kempe et al.'s
    live-edge equivalence), found by one binary search in the running sum of the weights.
    """
    starts = indptr[nodes].astype(np.int64)
    ends = indptr[nodes + 1].astype(np.int64)
    before = np.where(starts > 0, cumulative[np.maximum(starts - 1, 0)], 0.0)
    target = before + rng.random(len(nodes))
    positions = np.searchsorted(cumulative, target, side="right")
    heeds = positions < ends
    return positions[heeds].astype(np.int64), np.flatnonzero(heeds)


class _RRSampler:
    """Reverse-reachable sets under either model, drawn many at a time."""

    def __init__(
        self,
        matrix: sp.csr_matrix,
        weights: float | Float64Array,
        rng: np.random.Generator,
        progress: Progress,
        model: CascadeModel = "independent_cascade",
    ) -> None:
        self.matrix = matrix
        self.weights = weights
        self.rng = rng
        self.progress = progress
        self.model = model
        # Linear threshold: each row's weights laid end to end, to pick one friend per
        # member with a single binary search.
        self.cumulative: Float64Array | None = None
        if model == "linear_threshold":
            full = np.broadcast_to(np.asarray(weights, np.float64), (matrix.nnz,))
            self.cumulative = np.cumsum(full)
        self.n = matrix.shape[0]
        self.count = 0
        self.set_ids: list[Int64Array] = []
        self.nodes: list[Int64Array] = []

    def extend(self, target: int) -> None:
        n = self.n
        indptr, indices = self.matrix.indptr, self.matrix.indices
        batch_size = max(1, _sparse.VISITED_BUDGET // n)
        self.progress.retotal(max(target, self.count))
        # One scratch array for all batches, cleared entry by entry: RR sets are small.
        visited = np.zeros(min(batch_size, max(target - self.count, 1)) * n, np.bool_)
        while self.count < target:
            batch = min(batch_size, target - self.count)
            roots = self.rng.integers(0, n, batch)
            frontier = np.arange(batch, dtype=np.int64) * n + roots
            visited[frontier] = True
            members = [frontier]
            while frontier.size:
                sets, node = np.divmod(frontier, n)
                if self.cumulative is None:
                    positions, owner = live_edges(indptr, node, self.weights, self.rng)
                else:
                    positions, owner = _heeded_friend(indptr, node, self.cumulative, self.rng)
                keys = sets[owner] * n + indices[positions]
                keys = keys[~visited[keys]]
                frontier = distinct(keys)
                visited[frontier] = True
                members.append(frontier)
            found = np.concatenate(members)
            visited[found] = False
            self.set_ids.append(found // n + self.count)
            self.nodes.append(found % n)
            self.count += batch
            self.progress.advance(batch)

    def greedy(self, k: int, allowed: BoolArray) -> tuple[Int64Array, float, Int64Array]:
        """Max coverage: the k nodes covering most sets, the fraction covered, each gain."""
        set_ids = np.concatenate(self.set_ids)
        nodes = np.concatenate(self.nodes)
        by_set = sp.csr_matrix(
            (np.ones(len(nodes), np.bool_), (set_ids, nodes)), shape=(self.count, self.n)
        )
        by_node = by_set.tocsc()
        gain = np.diff(by_node.indptr).astype(np.int64)
        gain[~allowed] = -1
        covered = np.zeros(self.count, np.bool_)
        chosen = np.empty(k, np.int64)
        gains = np.empty(k, np.int64)
        for step in range(k):
            best = int(gain.argmax())
            chosen[step], gains[step] = best, gain[best]
            sets = by_node.indices[by_node.indptr[best] : by_node.indptr[best + 1]]
            sets = sets[~covered[sets]]
            covered[sets] = True
            positions, _ = gather(by_set.indptr, sets.astype(np.int64))
            gain -= np.bincount(by_set.indices[positions], minlength=self.n)
            gain[best] = -1
        return chosen, float(covered.sum()) / self.count, gains
