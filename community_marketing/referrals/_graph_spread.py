"""ReferralGraph's word-of-mouth section: reach, centrality, communities, cascades, seeds."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from .._checks import check_float, check_int, check_probability, generator
from .._ids import as_id_list
from .._progress import Progress, ShowProgress, check_show_progress
from .._types import BoolArray, Float64Array, Int64Array
from ..errors import InvalidInputError
from . import _centrality, _communities, _reach
from ._cascades import (
    cascade_weights,
    check_model,
    edge_probability,
    run_cascades,
    threshold_weights,
)
from ._graph_base import GraphBase
from ._influence import imm_seeds, top_ranked
from ._values import CascadeModel, CascadeResult, InfluenceMethod, Influencers

__all__ = ["SpreadMethods"]


class SpreadMethods(GraphBase):
    """The public methods of :class:`ReferralGraph` about how far word of mouth travels."""

    __slots__ = ()

    def friends_of_friends(
        self, id: Hashable, *, n: int | None = None
    ) -> list[tuple[Hashable, int]]:
        """People at distance exactly 2, with their number of mutual friends, most first.

        Ties are broken by row order (first seen first).

        Parameters
        ----------
        id : hashable
            The member.
        n : int, optional
            Keep only the best ``n``.

        Returns
        -------
        list of (id, int)
            The conquest list.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> pairs = [("me", "a"), ("me", "b"), ("a", "x"), ("b", "x"), ("a", "y")]
        >>> _ = graph.add_friendships(pairs)
        >>> graph.friends_of_friends("me")
        [('x', 2), ('y', 1)]
        >>> graph.friends_of_friends("me", n=1)
        [('x', 2)]
        """
        i = self._index(id)
        if n is not None:
            n = check_int(n, "n", low=0)
        found, counts = _reach.friends_of_friends(self._matrix(), i, n)
        return list(zip(self._ids.ids_at(found), counts.tolist(), strict=True))

    def reach(self, seeds: Iterable[Hashable] | Hashable, *, hops: int = 2) -> int:
        """How many distinct people are within ``hops`` friendships of ``seeds`` (seeds included).

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b"), ("b", "c"), ("c", "d")])
        >>> graph.reach(["a"], hops=1), graph.reach(["a"], hops=2), graph.reach(["a", "d"], hops=1)
        (2, 3, 4)
        """
        hops = check_int(hops, "hops", low=0)
        return _reach.reach(self._matrix(), self._seeds(seeds), hops)

    def reach_all(self, *, hops: int = 2, show_progress: ShowProgress = False) -> Int64Array:
        """:meth:`reach` of every member alone, in the order of ``ids()``, vectorized.

        Rows are processed in blocks of sparse boolean products, so memory stays bounded.

        Parameters
        ----------
        hops : int, default 2
            How far word of mouth travels.
        show_progress : bool or callable, default False
            ``True`` draws a progress bar in members done; a callable is called as
            ``callback(done, total)`` after each block (raise from it to stop).

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b"), ("b", "c"), ("c", "d")])
        >>> graph.reach_all(hops=2).tolist()
        [3, 4, 4, 3]
        """
        hops = check_int(hops, "hops", low=0)
        show_progress = check_show_progress(show_progress)
        csr = self._matrix()
        with Progress(show_progress, csr.shape[0], "reach") as progress:
            return _reach.reach_all(csr, hops, progress)

    def pagerank(
        self, *, damping: float = 0.85, tol: float = 1e-10, max_iter: int = 1000
    ) -> Float64Array:
        """PageRank of every member over friendships, in the order of ``ids()``.

        Power iteration as networkx does it (a friendship is a link both ways; members without
        friends spread their rank uniformly), stopped when the L1 change is below ``n * tol``.

        Parameters
        ----------
        damping : float, default 0.85
            Probability of following a link rather than jumping anywhere.
        tol : float, default 1e-10
            Convergence tolerance per member.
        max_iter : int, default 1000
            ``InvalidInputError`` if not converged by then.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("hub", x) for x in "abc"])
        >>> scores = graph.pagerank()
        >>> round(float(scores.sum()), 6), int(scores.argmax())
        (1.0, 0)
        """
        damping = check_probability(damping, "damping", zero=True)
        tol = check_float(tol, "tol", low=0.0)
        max_iter = check_int(max_iter, "max_iter", low=1)
        return _centrality.pagerank(self._matrix(), damping, tol, max_iter)

    def communities(self) -> list[list[Hashable]]:
        """Connected components of the friend graph, largest first (ties: first row first).

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b"), ("c", "d"), ("d", "e")])
        >>> graph.communities()
        [['c', 'd', 'e'], ['a', 'b']]
        """
        return [self._ids.ids_at(group) for group in _communities.communities(self._matrix())]

    def influencers(
        self,
        k: int,
        *,
        method: InfluenceMethod = "degree",
        probability: float | npt.NDArray[np.floating[Any]] | None = None,
        model: CascadeModel = "independent_cascade",
        epsilon: float = 0.3,
        max_samples: int = 2_000_000,
        random_state: int | np.random.Generator | None = None,
        candidates: Iterable[Hashable] | None = None,
        show_progress: ShowProgress = False,
    ) -> Influencers:
        """The ``k`` members to seed word of mouth with.

        Parameters
        ----------
        k : int
            How many seeds (at most the number of members).
        method : {"degree", "pagerank", "cascade"}, default "degree"
            Rank by number of friends, by PageRank, or choose the seed set that maximizes the
            expected cascade spread by reverse-reachable sets (IMM: the sample size follows
            from ``epsilon``, with the usual ``1 - 1/e - epsilon`` guarantee).
        probability : float or array, optional
            For ``"cascade"``, as in :meth:`simulate_cascade`: under the independent cascade
            the activation probability per friendship (0.1 when omitted); under linear
            threshold the influence weights (``1 / degree`` of the influenced member when
            omitted). Scalar or per edge in the order of ``adjacency()`` entries (row
            activates column).
        model : {"independent_cascade", "linear_threshold"}
            For ``"cascade"``: the diffusion model whose spread is maximized. Linear
            threshold draws its reverse-reachable sets as live-edge walks: each member
            heeds at most one friend, chosen with probability equal to that friend's weight.
        epsilon : float, default 0.3
            For ``"cascade"``: approximation slack; smaller draws more sets.
        max_samples : int, default 2,000,000
            For ``"cascade"``: cap on reverse-reachable sets.
        random_state : int, Generator or None
            For ``"cascade"``: the same seed gives the same choice.
        candidates : iterable of ids, optional
            Choose seeds only among these members (spread still counts everyone reached).
        show_progress : bool or callable, default False
            ``True`` draws a progress bar; a callable is called as ``callback(done, total)``.
            For ``"cascade"`` the units are reverse-reachable sets drawn, and ``total`` rises
            as the sample size is refined; the other methods report one step.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("hub", x) for x in "abcd"] + [("e", "f")])
        >>> graph.influencers(2, method="pagerank").ids
        ('hub', 'e')
        >>> best = graph.influencers(2, method="cascade", probability=1.0, random_state=0)
        >>> best.ids, best.expected_spread
        (('hub', 'e'), 7.0)
        >>> graph.influencers(2, method="cascade", model="linear_threshold", random_state=0).ids
        ('hub', 'e')
        """
        k = check_int(k, "k", low=0)
        show_progress = check_show_progress(show_progress)
        allowed = np.ones(len(self._ids), np.bool_)
        if candidates is not None:
            allowed[:] = False
            allowed[self._ids.indices(as_id_list(candidates, "candidates"), "candidates")] = True
        n = int(np.count_nonzero(allowed))
        if k > n:
            raise InvalidInputError(f"k: expected at most {n} (the candidates), got {k}")
        if method not in ("degree", "pagerank", "cascade"):
            raise InvalidInputError(
                f"method: expected 'degree', 'pagerank' or 'cascade', got {method!r}"
            )
        if method == "cascade":
            check_model(model)
            with Progress(show_progress, 0, "reverse-reachable sets") as progress:
                return self._cascade_influencers(
                    k, probability, model, epsilon, max_samples, random_state, allowed, progress
                )
        with Progress(show_progress, 1, method) as progress:
            csr = self._matrix()
            scores = (
                _centrality.degrees(csr).astype(np.float64)
                if method == "degree"
                else self.pagerank()
            )
            top = top_ranked(scores, allowed, k)
            progress.advance()
        return Influencers(tuple(self._ids.ids_at(top)), scores[top], method)

    def simulate_cascade(
        self,
        seeds: Iterable[Hashable] | Hashable,
        *,
        probability: float | npt.NDArray[np.floating[Any]] | None = None,
        runs: int = 100,
        model: CascadeModel = "independent_cascade",
        max_steps: int | None = None,
        random_state: int | np.random.Generator | None = None,
        show_progress: ShowProgress = False,
    ) -> CascadeResult:
        """Simulate word of mouth from ``seeds``, many runs at once.

        Parameters
        ----------
        seeds : id or iterable of ids
            Who starts talking.
        probability : float or array
            Independent cascade: the chance that an activated member convinces each friend
            (scalar, or per edge in the order of ``adjacency()`` entries, row activates
            column). Linear threshold: the weight of each friend's influence; ``None`` means
            ``1 / degree`` of the influenced member; incoming weights must sum to at most 1.
        runs : int, default 100
            Number of simulated runs (all advanced together, step by step).
        model : {"independent_cascade", "linear_threshold"}
            The diffusion model.
        max_steps : int, optional
            Stop after this many steps.
        random_state : int, Generator or None
            The same int seed gives the same result, bit for bit.
        show_progress : bool or callable, default False
            ``True`` draws a progress bar in runs done; a callable is called as
            ``callback(done, total)`` after each block of runs (raise from it to stop).

        Returns
        -------
        CascadeResult

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([(0, i) for i in range(1, 50)])
        >>> a = graph.simulate_cascade([0], probability=0.2, runs=500, random_state=7)
        >>> b = graph.simulate_cascade([0], probability=0.2, runs=500, random_state=7)
        >>> bool((a.reach == b.reach).all()), 9.0 < a.mean < 12.0
        (True, True)
        >>> # Each leaf's only friend is the hub, so under linear threshold all follow it.
        >>> graph.simulate_cascade([0], model="linear_threshold", runs=10, random_state=0).mean
        50.0
        """
        start = self._seeds(seeds)
        runs = check_int(runs, "runs", low=1)
        show_progress = check_show_progress(show_progress)
        if max_steps is not None:
            max_steps = check_int(max_steps, "max_steps", low=0)
        check_model(model)
        csr = self._matrix()
        rng = generator(random_state)
        weights = cascade_weights(csr, model, probability, self._ids)
        limit = max_steps if max_steps is not None else csr.shape[0] + 1
        with Progress(show_progress, runs, "cascade runs") as progress:
            reach, hits, steps = run_cascades(
                csr, start, weights, model, runs, limit, rng, progress
            )
        return CascadeResult(
            seeds=tuple(self._ids.ids_at(start)),
            model=model,
            runs=runs,
            mean=float(reach.mean()),
            std=float(reach.std()),
            reach=reach,
            activation_probability=hits / runs,
            steps=steps,
            ids=tuple(self._ids.ids()),
        )

    def _cascade_influencers(
        self,
        k: int,
        probability: object,
        model: CascadeModel,
        epsilon: float,
        max_samples: int,
        random_state: object,
        allowed: BoolArray,
        progress: Progress,
    ) -> Influencers:
        epsilon = check_float(epsilon, "epsilon", low=1e-6, high=1.0)
        max_samples = check_int(max_samples, "max_samples", low=1)
        csr = self._matrix()
        weights: float | Float64Array
        if model == "linear_threshold":
            weights = threshold_weights(csr, probability, self._ids)
        else:
            weights = edge_probability(csr, 0.1 if probability is None else probability)
        rng = generator(random_state)
        if k == 0 or csr.shape[0] == 0:
            return Influencers((), np.empty(0), "cascade", 0.0, 0)
        if isinstance(weights, np.ndarray):
            weights = weights[self._reverse_positions()]
        chosen, gains, spread, samples = imm_seeds(
            csr, k, weights, model, epsilon, max_samples, rng, allowed, progress
        )
        ids = tuple(self._ids.ids_at(chosen))
        return Influencers(ids, gains.astype(np.float64), "cascade", spread, samples)
