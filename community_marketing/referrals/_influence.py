"""Choosing whom to seed: top by a score, or the IMM seed set over reverse-reachable sets.

IMM (Tang, Shi and Xiao 2015) draws random reverse-reachable (RR) sets until a greedy maximum
coverage over them estimates the best expected spread within ``1 - 1/e - epsilon``. Under the
independent cascade an RR set is a reverse walk over live edges; under linear threshold each
member heeds at most one friend (Kempe et al.'s live-edge equivalence).
"""

from __future__ import annotations

import bisect
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
from ._reach import hops_from
from ._sparse import (
    LOW_BITS,
    LOW_MASK,
    DenseKeySet,
    Heeding,
    KeySet,
    blocks,
    gather,
    live_blocks,
    live_edges,
)
from ._values import DEFAULT_PROBABILITY, CascadeModel

__all__ = ["cascade_seeds", "imm_seeds", "reverse_positions", "top_ranked"]

_UNCOUNT_BUDGET = 1 << 18
"""Members of covered sets gathered at once in the greedy (24 bytes each while gathered)."""
_BATCH_PAIRS = 1 << 16
"""Members the walks of one batch visit, about: the hash set of visits holds four times as
many slots of 12 bytes, 3 MiB."""
_SENTINEL_SHARE = 0.01
"""The least share of the first round's sets the sentinel must hold to be worth it."""
_SENTINEL_TIE = 0.02
"""Members holding this close to the most sets count as tied for the sentinel."""
_SENTINEL_VISITS = 32
"""Mean members a walk visits below which stopping walks early saves too little."""
_SENTINEL_SLACK = 0.1
"""How many more sets than the sentinel (a share of its own) another member may hold."""
_PILOT_SETS = 32
"""Sets the most covered candidate must hold before the sentinel may be chosen from a pilot
smaller than IMM's first round (whose walks, drawn before any sentinel, are dropped)."""
_HEADING_VISITS = 1024
"""Mean members a walk visits before the sentinel from which walks head for it: heading
costs numpy rounds of its own, worth it where walks span a giant component (6,357 visits
on a million members at p = 0.05), not where they are short (61 on 100,000 at p = 0.01)."""
_DENSE_BYTES = 1 << 23
"""Bytes a batch's dense array of visits may always take (:func:`_dense_pays`)."""
_FIRST_BATCH = 1
"""Walks in the first batch, before their sizes are known: then twice as many each batch, at
most, so a graph where every walk visits everyone never holds many such walks at once."""


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
    drawn = 0
    for truncate in (True, False):
        sampler = _RRSampler(csr, weights, rng, progress, model, allowed)
        # A second draw counts on from the first on the progress bar.
        sampler.drawn_before = drawn
        chosen, gains, spread = _imm(sampler, k, epsilon, max_samples, allowed, truncate)
        drawn = sampler.drawn_before + sampler.count
        # With a sentinel chosen first, the greedy's 1 - 1/e must be shown on these sets, as
        # IMM's guarantee rests on it, and no later seed may cover more than it did (the
        # greedy would then have chosen that one first, and the seeds are best first); when
        # either fails, the sets are drawn again in full.
        if sampler.sentinel < 0 or (
            spread >= (1 - 1 / math.e) * sampler.bound * sampler.n
            and gains[1:].max(initial=0) <= gains[0]
        ):
            break
    return chosen, gains, spread, drawn


def _imm(
    sampler: _RRSampler,
    k: int,
    epsilon: float,
    max_samples: int,
    allowed: BoolArray,
    truncate: bool,
) -> tuple[Int64Array, Int64Array, float]:
    n = sampler.n
    log_n = math.log(n)
    # IMM's union bound runs over the seed sets that may be chosen: of the candidates only.
    m = int(np.count_nonzero(allowed))
    log_choose = math.lgamma(m + 1) - math.lgamma(k + 1) - math.lgamma(m - k + 1)
    ell = 1.0 + math.log(2) / log_n if n > 1 else 1.0
    lower = _lower_bound(
        sampler, k, epsilon, max_samples, allowed, log_n, log_choose, ell, truncate
    )
    alpha = math.sqrt(ell * log_n + math.log(2))
    beta = math.sqrt((1 - 1 / math.e) * (log_choose + ell * log_n + math.log(2)))
    lambda_star = 2 * n * ((1 - 1 / math.e) * alpha + beta) ** 2 / epsilon**2
    sampler.extend(min(math.ceil(lambda_star / lower), max_samples))
    chosen, covered, gains = sampler.greedy(k, allowed)
    return chosen, gains, float(n * covered)


def _lower_bound(
    sampler: _RRSampler,
    k: int,
    epsilon: float,
    max_samples: int,
    allowed: BoolArray,
    log_n: float,
    log_choose: float,
    ell: float,
    truncate: bool,
) -> float:
    """IMM's sampling phase: a lower bound on the best spread, halving the guess each round.

    With ``truncate``, the first round chooses the sentinel (:meth:`_RRSampler.likely_first`):
    any set is a fair sample for this bound, which holds for every seed set, not only the
    greedy's.
    """
    n: int = sampler.n
    eps_prime = math.sqrt(2) * epsilon
    lambda_prime = (
        (2 + 2 / 3 * eps_prime)
        * (log_choose + ell * log_n + math.log(max(math.log2(n), 1.0)))
        * n
        / eps_prime**2
    )
    if truncate and k:
        _pilot(sampler, min(math.ceil(2 * lambda_prime / n), max_samples), allowed)
    for i in range(1, max(int(math.log2(n)), 1)):
        x = n / 2**i
        sampler.extend(min(math.ceil(lambda_prime / x), max_samples))
        _, covered, _ = sampler.greedy(k, allowed, bound=False)
        if truncate and i == 1 and k and sampler.sentinel < 0:
            sampler.choose_sentinel(allowed)
        if n * covered >= (1 + eps_prime) * x:
            return n * covered / (1 + eps_prime)
        if sampler.count >= max_samples:
            break
    return 1.0


def _pilot(sampler: _RRSampler, first: int, allowed: BoolArray) -> None:
    """Choose the sentinel early: on a pilot of 64, 128, ... sets, short of IMM's ``first``
    round, as soon as one candidate holds ``_PILOT_SETS`` of them.

    Walks drawn before the sentinel are dropped once it is chosen, and those that would reach
    it visit the most; past the epidemic threshold they span a giant component, so drawing the
    whole first round before choosing (2,393 sets on a million members, half of all visits)
    costs more than the rest of IMM. When no sentinel is safe on the pilot, its sets stay and
    the first round goes on to choose again on all of its sets.
    """
    target = 64
    while target < first:
        sampler.extend(target)
        if np.where(allowed, sampler.degree, -1).max(initial=-1) >= _PILOT_SETS:
            sampler.choose_sentinel(allowed)
            return
        target *= 2


class _RRSampler:
    """Reverse-reachable sets under either model, drawn many at a time.

    Each round of :meth:`extend` appends its sets member by member to one flat int32 array,
    grouped by set (``starts`` gives where each set begins), and one inverted piece: for each
    member, the sets of that round holding it, by a counting sort of the round alone, when
    the greedy first reads the round. Earlier rounds are never rebuilt, so the greedy of each
    IMM round reuses all that came before (only :meth:`truncate_at` drops, once, the rounds
    that chose the sentinel).

    The walks of a batch advance together, one level at a time, and a :class:`KeySet` of
    ``set << 32 | member`` keys says which members each walk has visited. Batches are sized
    by the mean visits of the walks so far, so the set stays small whatever the graph.
    """

    def __init__(
        self,
        matrix: sp.csr_matrix,
        weights: float | Float64Array,
        rng: np.random.Generator,
        progress: Progress,
        model: CascadeModel = "independent_cascade",
        allowed: BoolArray | None = None,
    ) -> None:
        self.matrix = matrix
        # Only members that may be chosen are kept in the sets: the greedy never reads the
        # others, so among 10,000 candidates of 1,000,000 members the sets shrink 100-fold.
        self.kept = None if allowed is None or allowed.all() else allowed
        self.weights = weights
        self.rng = rng
        self.progress = progress
        self.model = model
        # Linear threshold: one friend heeded per member (or none).
        self.heeding: Heeding | None = None
        if model == "linear_threshold":
            full = np.broadcast_to(np.asarray(weights, np.float64), (matrix.nnz,))
            self.heeding = Heeding(matrix.indptr, np.ascontiguousarray(full))
        self.n = matrix.shape[0]
        self.count = 0
        self.rounds: list[_Round] = []
        # Sets holding each member, over all rounds: the greedy's first gains.
        self.degree = np.zeros(self.n, np.int64)
        # No sentinel yet (-1 is no member); ``hits`` counts the sets that reached it.
        self.sentinel = -1
        self.hits = 0
        self.hops: npt.NDArray[np.uint8] | None = None
        self.levels = 0
        self.bound = 0.0
        # Sets drawn and dropped before these: by an earlier sampler of the same call, or
        # before the sentinel (progress counts on from there).
        self.drawn_before = 0
        # Members visited by the walks, and walks, since the sentinel changed them.
        self.visits = 0
        self.walks = 0
        self.last_batch = _FIRST_BATCH

    def nbytes(self) -> int:
        """Bytes of the sets themselves: members and where each set starts."""
        return sum(r.members.nbytes + r.starts.nbytes for r in self.rounds)

    def extend(self, target: int) -> None:
        if target <= self.count:
            return
        self.progress.retotal(self.drawn_before + max(target, self.count))
        first = self.count
        members: list[npt.NDArray[np.int32]] = []
        sizes: list[Int64Array] = []
        batch = self._batch()
        while self.count < target:
            batch = min(batch, target - self.count)
            found, hit, visits = self._draw(batch)
            node = found & LOW_MASK
            if self.kept is not None:
                keep = self.kept[node]
                found, node = found[keep], node[keep]
            sizes.append(np.bincount(found >> LOW_BITS, minlength=batch))
            members.append(node.astype(np.int32))
            self.hits += int(np.count_nonzero(hit))
            self.count += batch
            self.progress.advance(batch)
            self.visits += visits
            self.walks += batch
            self.last_batch = batch
            batch = self._batch()
        self.rounds.append(_Round.of(first, members, sizes, self.n))
        # In place: a count of every member would take 8 bytes a member.
        np.add.at(self.degree, self.rounds[-1].members, 1)

    def _batch(self) -> int:
        """Walks for the next batch: about ``_BATCH_PAIRS`` visits by the mean over every walk
        so far, and at most twice the last batch. Sizes are heavy-tailed: a few walks in a
        hundred may visit a thousand times more than the rest, and a first batch without
        them would make the next one a thousand times too large."""
        if not self.walks:
            # Even if every walk visits everyone, the first batch visits at most 1/64 of
            # the budget of booleans: on small graphs it need not start from one walk.
            return max(_FIRST_BATCH, _sparse.VISITED_BUDGET // 64 // max(int(self.n), 1))
        walks = max(_BATCH_PAIRS / max(self.visits / self.walks, 1.0), 1)
        most = 1 << 20
        if self.hops is not None:
            # A walk heading for the sentinel walks on from its nearest members only, so
            # long walks (a chain, a grid) take one numpy round per hop: as many walks as a
            # dense array of visits of ``_DENSE_BYTES`` holds, if more, bound the memory
            # whatever their length with far fewer rounds (a chain of 6,000 members at
            # p = 1: 280 walks a batch, not 21). :class:`_Waiting` counts each walk's members
            # at each distance: 4 bytes each.
            walks = max(walks, _DENSE_BYTES // (5 * self.n))
            most = (1 << 22) // self.levels
        return int(min(walks, 2 * self.last_batch, most))

    def likely_first(self, allowed: BoolArray) -> int:
        """The sentinel to stop later sets at, or -1 when none is safe and worth it.

        The greedy's first choice is a member holding the most sets. When several hold
        about as many (within ``_SENTINEL_TIE``, as the members of one dense core do), the one
        with most friends is taken: the walks reach it soonest, so they stop soonest.

        It is worth it only when a walk visits ``_SENTINEL_VISITS`` members or more on
        average and it holds ``_SENTINEL_SHARE`` of the sets. It is safe only when no other
        member may hold more than ``_SENTINEL_SLACK`` more sets than it: for each member
        ``u``, the sets holding ``u`` but not it (``b``) against those holding it but not
        ``u`` (``a``), ``b - a + 2 sqrt(a + b)`` must stay within that slack (McNemar's
        paired comparison, two standard errors). Members of one core hold the same sets and
        pass; two members a few sets apart on a small first round do not.
        """
        cover = np.where(allowed, self.degree, -1)
        top = int(cover.max()) if len(cover) else -1
        if top <= 0 or top < _SENTINEL_SHARE * self.count:
            return -1
        if self.visits < _SENTINEL_VISITS * self.walks:
            return -1
        near = np.flatnonzero(cover >= top * (1 - _SENTINEL_TIE))
        indptr = self.matrix.indptr
        friends = indptr[near + 1] - indptr[near]
        sentinel = int(near[friends.argmax()])
        held = int(cover[sentinel])
        slack = _SENTINEL_SLACK * held
        # For a member holding ``c`` sets, ``b - a = c - held`` and ``a + b <= held + c``, so
        # its margin is at most ``c - held + 2 sqrt(held + c)``, rising in ``c``: only
        # members holding ``least`` sets or more may fail, and only theirs are computed
        # (a handful of arrays over every member was the peak memory of the whole call).
        least = bisect.bisect_left(
            range(held + 1), True, key=lambda c: c - held + 2 * math.sqrt(held + c) > slack
        )
        contending = cover >= least
        contending[sentinel] = False
        if not contending.any():
            return sentinel
        # Sets holding both it and each member: taken out of zero as the greedy takes
        # covered sets out of the gains, in bounded slices.
        both = np.zeros(self.n, np.int64)
        for piece in self.rounds:
            piece.uncount(piece.sets_holding(sentinel, scan=True), both)
        # A block of members at a time: four arrays over every contender were the peak
        # of the call on a million members at p = 0.05.
        for lo in range(0, self.n, _UNCOUNT_BUDGET):
            part = np.flatnonzero(contending[lo : lo + _UNCOUNT_BUDGET]) + lo
            shared = -both[part]
            only_it = held - shared
            only_them = cover[part] - shared
            if (only_them - only_it + 2 * np.sqrt(only_it + only_them) > slack).any():
                return -1
        return sentinel

    def choose_sentinel(self, allowed: BoolArray) -> None:
        """Stop later sets at :meth:`likely_first`'s member, if it gives one."""
        sentinel = self.likely_first(allowed)
        if sentinel >= 0:
            self.truncate_at(sentinel)

    def truncate_at(self, sentinel: int) -> None:
        """Stop every set at ``sentinel`` from now on, dropping the sets drawn so far.

        A set holding the sentinel is covered once the sentinel is chosen, whatever else it
        holds, so only their number is kept (``hits``); the greedy then chooses the sentinel
        first. On power-law graphs the few sets that reach a hub hold nearly all members,
        so the walks stop early and the sets shrink many times over (HIST's sentinel set,
        Guo et al., SIGMOD 2020). The sets drawn so far chose the sentinel: kept, they
        would count it high (the most covered member of a sample is covered more in that
        sample than in the next), so they are dropped and only counted as drawn.
        """
        self.sentinel = sentinel
        heading = self.heeding is None and self.visits >= _HEADING_VISITS * self.walks
        # The dropped sets go first: they may be the most the call ever holds.
        self.drawn_before += self.count
        self.progress.retotal(self.drawn_before)
        self.count = self.hits = 0
        self.rounds = []
        self.degree[:] = 0
        self.visits = self.walks = 0
        if heading:
            # Independent cascade: long walks then head for the sentinel (:class:`_Waiting`).
            # The friend CSR is symmetric, so hops from it are hops to it. Under linear
            # threshold a walk is a single path, with nothing to choose between.
            # One byte a member, the rank of its hops among all (past 255 distinct hop
            # counts, all are as far: the order is only a guide).
            hops = hops_from(self.matrix, sentinel)
            rank = np.cumsum(np.bincount(hops) > 0) - 1
            self.levels = min(int(rank[-1]) + 1, 256)
            self.hops = np.minimum(rank[hops], self.levels - 1).astype(np.uint8)

    def _draw(self, batch: int) -> tuple[Int64Array, BoolArray, int]:
        """Keys ``set << 32 | member`` of ``batch`` new sets, grouped by set; which sets hit the
        sentinel (their members left out); and how many members the walks visited."""
        roots = self.rng.integers(0, self.n, batch)
        hit = roots == self.sentinel
        sets = np.flatnonzero(~hit).astype(np.int64)
        node = roots[sets]
        frontier = (sets << LOW_BITS) | node
        seen: KeySet | DenseKeySet
        # At most the batch's budget of visits (:meth:`_batch`), so its table is 4 slots a visit.
        expected = int(batch * max(self.visits / max(self.walks, 1), 1.0))
        if _dense_pays(batch * self.n, expected):
            seen = DenseKeySet(batch, self.n)
        else:
            seen = KeySet(expected)
        seen.add(frontier)
        levels = [frontier]
        # Members found but not yet walked from (only while walks head for the sentinel).
        waiting = None if self.hops is None else _Waiting(self.hops, self.levels, hit)
        while True:
            if waiting is not None:
                waiting.push(sets, node)
                sets, node = waiting.pop()
            if not node.size:
                break
            sets, node, keys = self._step(sets, node, seen, hit)
            levels.append(keys)
        found = np.concatenate(levels)
        visits = len(found)
        if hit.any():
            found = found[~hit[found >> LOW_BITS]]
        return _by_set(found, batch), hit, visits

    def _step(
        self, sets: Int64Array, node: npt.NDArray[Any], seen: KeySet | DenseKeySet, hit: BoolArray
    ) -> tuple[Int64Array, npt.NDArray[Any], Int64Array]:
        """One round of the walks ``sets`` from members ``node``: the members they find that
        ``seen`` did not hold (now marked), as walks, members and keys.

        The edges are drawn by blocks of members (:func:`live_blocks`): on a dense graph
        each walk may gather hundreds of thousands of edges a round, most to members it
        has visited, and a block is marked before the next one is drawn.
        """
        indptr, indices = self.matrix.indptr, self.matrix.indices
        chunks = live_blocks(indptr, node, self.weights if self.heeding is None else 0.0)
        found: list[tuple[Int64Array, npt.NDArray[Any], Int64Array]] = []
        for lo, hi in chunks:
            if self.heeding is None:
                positions, owner = live_edges(indptr, node[lo:hi], self.weights, self.rng)
            else:
                positions, owner = self.heeding(node[lo:hi], self.rng)
            walks, members = sets[lo:hi][owner], indices[positions]
            at = members == self.sentinel
            if at.any():
                # A walk ends at the sentinel: what else it found this round is never walked
                # from, so it is not marked either (a hub's friends, mostly: marking them
                # doubled the hash set of a batch heading there).
                hit[walks[at]] = True
                going = ~hit[walks]
                walks, members = walks[going], members[going]
            keys = (walks << LOW_BITS) | members
            new = seen.add(keys)
            found.append((walks[new], members[new], keys[new]))
        if len(found) == 1:
            return found[0]
        walks, members, keys = (np.concatenate(part) for part in zip(*found, strict=True))
        # A walk may reach the sentinel in a later block than it found others in.
        going = ~hit[walks]
        return walks[going], members[going], keys[going]

    def greedy(
        self, k: int, allowed: BoolArray, bound: bool = True
    ) -> tuple[Int64Array, float, Int64Array]:
        """Max coverage: the k nodes covering most sets, the fraction covered, each gain.

        With a sentinel, it is chosen first. With ``bound``, ``self.bound`` is then set to
        an upper bound on the fraction the best ``k`` allowed members cover: after any ``j``
        choices, what they cover plus the ``k`` largest marginal gains (submodularity;
        OPIM-C's bound, Tang et al., SIGMOD 2018), taken at ``j`` = 0 (without a sentinel),
        1, 2, 4, ... and ``k``.
        """
        gain = self.degree.copy()
        gain[~allowed] = -1
        covered = np.zeros(self.count, np.bool_)
        chosen = np.empty(k, np.int64)
        gains = np.empty(k, np.int64)
        total = 0
        start = 0
        upper = math.inf if bound else -math.inf
        if self.sentinel >= 0 and k:
            chosen[0], gains[0] = self.sentinel, self.hits
            total, start = self.hits, 1
            gain[self.sentinel] = -1
        elif bound:
            # Without a sentinel the first gains are exact, so j = 0 bounds too.
            upper = _top_sum(gain, k)
        for step in range(start, k):
            if bound and step and step & (step - 1) == 0:
                upper = min(upper, total + _top_sum(gain, k))
            best = int(gain.argmax())
            chosen[step], gains[step] = best, gain[best]
            for piece in self.rounds:
                sets = piece.sets_holding(best)
                sets = sets[~covered[sets]]
                covered[sets] = True
                total += len(sets)
                piece.uncount(sets, gain)
            gain[best] = -1
        if bound:
            upper = min(upper, total + _top_sum(gain, k))
            self.bound = upper / self.count if self.count else 0.0
        return chosen, total / self.count, gains


def _top_sum(gain: Int64Array, k: int) -> int:
    """The sum of the ``k`` largest positive entries of ``gain``."""
    if k >= len(gain):
        return int(gain[gain > 0].sum())
    top = np.partition(gain, len(gain) - k)[len(gain) - k :]
    return int(top[top > 0].sum())


def _by_set(keys: Int64Array, walks: int) -> Int64Array:
    """``keys`` (``set << 32 | member``) grouped by set, in set order.

    Only the grouping matters (the members of a set are read as a whole), and with fewer
    than 65,536 walks a batch numpy sorts the 16-bit set numbers stably by radix: 4-5x
    faster than sorting the whole keys.
    """
    if walks > 1 << 16:
        grouped: Int64Array = np.sort(keys)
        return grouped
    order = np.argsort((keys >> LOW_BITS).astype(np.uint16), kind="stable")
    grouped = keys[order]
    return grouped


def _dense_pays(pairs: int, expected: int) -> bool:
    """Whether a batch of ``pairs`` walks and members, expected to visit ``expected`` of them,
    marks its visits in a :class:`DenseKeySet` rather than a :class:`KeySet`.

    Where it holds no more than the hash set would (four slots of 12 bytes per visit), or
    8 MiB at most: a byte read per visit beats a hash probe, the more so as the walks span
    the graph (the pilot's walks across a giant component, before any sentinel: 3.0 s
    instead of 5.0 s on 1M/10M at p = 0.05), but where walks are short the hash set is far
    smaller (14 MiB against 39 MiB at the peak on 100k/1M at p = 0.01).
    """
    if pairs > _sparse.VISITED_BUDGET:
        return False
    dense = pairs * (5 if pairs <= _sparse.VISITED_BUDGET // 4 else 1)
    return dense <= max(_DENSE_BYTES, 48 * expected)


class _Waiting:
    """Members the walks found but have not walked from, in one bucket per distance to the
    sentinel (``rank``: hops, ranked), and how many each walk has in each bucket.

    :meth:`pop` takes every walk's nearest members, scanning only the buckets some walk is
    nearest in: the far buckets hold most of the members (83% on a million members at
    p = 0.05) and are left alone until a walk runs out of nearer ones.

    The order a walk goes in changes only where it stops: it ends at the sentinel or once it
    has walked from everyone it found, and its set is the same either way. Heading for the
    sentinel first (a best-first search over the friend hops to it) stops a walk in a giant
    component after 4,800 visits instead of 17,900 on a million members at p = 0.05.
    """

    def __init__(self, rank: npt.NDArray[np.uint8], levels: int, hit: BoolArray) -> None:
        self.rank = rank
        # Walks that reached the sentinel (updated by the caller): their members are dropped.
        self.hit = hit
        self.held = np.zeros((levels, len(hit)), np.int32)
        # Each bucket in pieces, joined only when a walk is nearest in it: a far bucket
        # grows every round, and joining it each time would copy it each time.
        self.sets: list[list[Int64Array]] = [[] for _ in range(levels)]
        self.node: list[list[Int64Array]] = [[] for _ in range(levels)]

    def push(self, sets: Int64Array, node: Int64Array) -> None:
        """Add members ``node`` found by walks ``sets``."""
        level = self.rank[node].astype(np.intp)
        levels, walks = self.held.shape
        self.held += (
            np.bincount(level * walks + sets, minlength=levels * walks)
            .reshape(levels, walks)
            .astype(np.int32)
        )
        order = np.argsort(level, kind="stable")
        sets, node = sets[order], node[order]
        ends = np.cumsum(np.bincount(level, minlength=levels)).tolist()
        lo = 0
        for at, hi in enumerate(ends):
            if hi > lo:
                self.sets[at].append(sets[lo:hi])
                self.node[at].append(node[lo:hi])
            lo = hi

    def pop(self) -> tuple[Int64Array, Int64Array]:
        """Every walk's nearest members, out of the buckets: ``(sets, members)``."""
        holds = (self.held > 0) & ~self.hit
        nearest = np.where(holds.any(axis=0), holds.argmax(axis=0), len(self.held))
        sets: list[Int64Array] = []
        node: list[Int64Array] = []
        for at in np.flatnonzero(np.bincount(nearest, minlength=len(self.held) + 1)[:-1]).tolist():
            there, members = np.concatenate(self.sets[at]), np.concatenate(self.node[at])
            take = nearest[there] == at
            keep = ~(take | self.hit[there])
            sets.append(there[take])
            node.append(members[take])
            self.sets[at], self.node[at] = [there[keep]], [members[keep]]
            self.held[at, nearest == at] = 0
        if not sets:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(sets), np.concatenate(node)


class _Round:
    """One round of sets: members grouped by set, and the inverted piece of that round,
    built when the greedy first asks for it (the pilot's sets, dropped once they chose the
    sentinel, never need one)."""

    def __init__(
        self, first: int, members: npt.NDArray[np.int32], starts: Int64Array, n: int
    ) -> None:
        self.first = first
        self.members = members
        self.starts = starts
        self.n = n
        self.present: npt.NDArray[Any] | None = None
        self.member_starts: npt.NDArray[Any] | None = None
        self.holders: npt.NDArray[Any] | None = None

    def index(self) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
        """Where each member's sets start in ``holders``, and ``holders``: the inverted piece."""
        if self.member_starts is None or self.holders is None:
            # The counting sort of scipy's CSR -> CSC: sets come out ascending for each member.
            by_set = sp.csr_matrix(
                (np.ones(len(self.members), np.bool_), self.members, self.starts),
                shape=(len(self.starts) - 1, self.n),
            )
            by_member = by_set.tocsc()
            del by_set
            ptr: npt.NDArray[Any] = by_member.indptr
            # Where fewer than half the members are in a set, only they keep a pointer: one
            # for every member takes 4 bytes a member each round, 4.6 times the sets on a
            # million members at p = 0.01.
            held = ptr[1:] != ptr[:-1]
            if 2 * np.count_nonzero(held) < self.n:
                self.present = np.flatnonzero(held).astype(ptr.dtype)
                ptr = np.append(ptr[self.present], ptr[-1])
            self.member_starts, self.holders = ptr, by_member.indices
        return self.member_starts, self.holders

    @classmethod
    def of(
        cls, first: int, members: list[npt.NDArray[np.int32]], sizes: list[Int64Array], n: int
    ) -> _Round:
        flat = np.concatenate(members)
        members.clear()
        counts = np.concatenate(sizes)
        starts = np.zeros(len(counts) + 1, np.int64)
        np.cumsum(counts, out=starts[1:])
        return cls(first, flat, starts, n)

    def sets_holding(self, node: int, scan: bool = False) -> Int64Array:
        """Global ids of this round's sets that hold ``node``, ascending.

        With ``scan`` and no inverted piece yet, by one pass over the members instead: a
        single lookup does not pay for building it.
        """
        if scan and self.holders is None:
            # A member is in a set at most once, so each set is found once.
            local: npt.NDArray[Any] = (
                np.searchsorted(self.starts, np.flatnonzero(self.members == node), "right") - 1
            )
        else:
            ptr, holders = self.index()
            at = node
            if self.present is not None:
                at = int(np.searchsorted(self.present, node))
                if at == len(self.present) or self.present[at] != node:
                    return np.empty(0, np.int64)
            local = holders[ptr[at] : ptr[at + 1]]
        held: Int64Array = local.astype(np.int64) + self.first
        return held

    def uncount(self, sets: Int64Array, gain: Int64Array) -> None:
        """Take the newly covered ``sets`` (global ids, in this round) out of ``gain``."""
        local = sets - self.first
        if not local.size:
            return
        sizes = self.starts[local + 1] - self.starts[local]
        # Subtracted in place: a count of every member (8 bytes each, a block) would hold
        # more than the block itself on a million members.
        if int(sizes.sum()) * 4 >= len(self.members):
            # Most of the round is covered: one byte per member beats eight per position,
            # by blocks of whole sets.
            newly = np.zeros(len(self.starts) - 1, np.bool_)
            newly[local] = True
            for lo, hi in blocks(self.starts[1:], 4 * _UNCOUNT_BUDGET):
                first, last = self.starts[lo], self.starts[hi]
                mask = np.repeat(newly[lo:hi], np.diff(self.starts[lo : hi + 1]))
                np.subtract.at(gain, self.members[first:last][mask], 1)
            return
        # Blocks of sets whose members fit the budget keep the gathered positions small.
        for lo, hi in blocks(np.cumsum(sizes), _UNCOUNT_BUDGET):
            positions, _ = gather(self.starts, local[lo:hi])
            np.subtract.at(gain, self.members[positions], 1)
