"""Recommender, the face: hyper-parameters, argument checks, and thin delegates to the parts.

What the model learned lives in one ``Fitted`` value (``_fit``), replaced as a
whole by every write, so a fitted ``Recommender`` is safe for concurrent reads;
``fit``, ``update_users`` and the like are writes and need the caller's lock.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
import numpy.typing as npt

from .._checks import RandomState, check_bool, check_float, check_int, check_random_state
from .._erased import ErasedIds, Removed
from .._ids import as_id_list, check_id
from .._persist import state_from_bytes, state_to_bytes
from .._progress import ShowProgress, check_show_progress
from .._time import resolve_at, to_micros, utc_now
from .._types import Float32Array
from ..errors import InvalidInputError, NotFittedError
from . import _answers, _erasure, _new_items, _params, _tuning
from ._fit import (
    MAX_CONFIDENCE,
    Fitted,
    check_history,
    fit_als,
    fitted_from_factors,
    fold_in,
)
from ._interactions import Interactions, interactions_from
from ._social import FriendGraph
from ._state import (
    check_factors,
    check_unknown,
    history_of,
    read_fitted,
    read_params,
    write_state,
)
from ._tuning import TuningResult
from ._values import Explanation, RecommendationBatch, Recommendations, Weighting

__all__ = ["MAX_FACTORS", "MAX_ITERATIONS", "MAX_REGULARIZATION", "MAX_THREADS", "Recommender"]

MAX_FACTORS = 4096
"""The most latent factors: beyond it a fit is a memory error, not a model."""
MAX_ITERATIONS = 10_000
"""The most ALS sweeps (ALS settles in tens): every fit ends."""
MAX_REGULARIZATION = 1e6
"""The largest L2 regularization; implicit's float32 solver gives NaN from about 1e30."""
MAX_THREADS = 1024
"""The most threads a fit or a batch call asks OpenMP for."""


@attrs.define(eq=False)
class Recommender:
    """Implicit-feedback recommendations (ALS) with the application's own ids.

    Follows scikit-learn's estimator contract: hyper-parameters only here,
    stored unmodified and checked by :meth:`fit`; ``fit`` returns ``self`` and
    forgets any earlier fit; what it learned lives in ``user_factors_``,
    ``item_factors_``, ``user_ids_`` and ``item_ids_``. Asking anything before
    ``fit`` (or :meth:`from_factors`) raises ``NotFittedError``.

    Safe for concurrent reads; ``fit`` and ``update_users`` need the caller's lock.

    Parameters
    ----------
    factors : int, default 64
        Number of latent factors, from 1 to 4096.
    regularization : float, default 0.05
        L2 regularization of the factors, from 0 to 1e6.
    alpha : float, default 2.0
        Confidence scale: implicit fits on ``alpha * weight``. Every confidence
        (``alpha`` times a weighted value) must be at most 1e6, which keeps
        implicit's float32 solver finite; ``fit`` refuses more.
    iterations : int, default 15
        ALS sweeps, from 0 to 10,000.
    weighting : {None, "log", "bm25", "tfidf"}, default "log"
        How summed weights become confidences: as they are, ``log1p``, or a
        BM25 / TF-IDF weighting as in implicit's Last.fm example, with an idf that
        never drops a user (Lucene's BM25 idf; scikit-learn's smooth idf).
    num_threads : int, default 0
        Threads for fitting and batch calls, at most 1024; 0 means every core. BLAS is held to
        one thread during ``fit`` so implicit neither warns nor oversubscribes.
    random_state : int, numpy.random.Generator or None, default None
        Seed of the initial factors; the same int gives the same factors.
    show_progress : bool or callable, default False
        ``True`` draws implicit's progress bar during ``fit``; a callable is called as
        ``callback(done, total)`` after each ALS sweep (raise from it to stop: the
        earlier fit stays in place). ``to_state`` keeps a bool only.

    Examples
    --------
    >>> model = Recommender(factors=4, iterations=5, random_state=0, num_threads=1)
    >>> model = model.fit(
    ...     ["ann", "ann", "bob", "bob", "cid", "cid"],
    ...     ["tea", "jam", "tea", "scone", "jam", "scone"])
    >>> model.user_factors_.shape, model.item_ids_
    ((3, 4), ['tea', 'jam', 'scone'])
    >>> model.recommend("ann", n=1).items
    ('scone',)
    """

    factors: int = 64
    regularization: float = 0.05
    alpha: float = 2.0
    iterations: int = 15
    weighting: Weighting | None = "log"
    num_threads: int = 0
    random_state: RandomState = None
    show_progress: ShowProgress = False
    _fitted: Fitted | None = attrs.field(default=None, init=False, repr=False)
    _erased: ErasedIds = attrs.field(factory=ErasedIds, init=False, repr=False, eq=False)

    # ------------------------------------------------------------------ learned state

    def _state(self) -> Fitted:
        if self._fitted is None:
            raise NotFittedError(
                "Recommender is not fitted: call fit() or Recommender.from_factors() first"
            )
        return self._fitted

    @property
    def user_factors_(self) -> Float32Array:
        """Learned user factors, one row per id of ``user_ids_`` (``NotFittedError`` before fit)."""
        factors: Float32Array = self._state().model.user_factors
        return factors

    @property
    def item_factors_(self) -> Float32Array:
        """Learned item factors, one row per id of ``item_ids_``."""
        factors: Float32Array = self._state().model.item_factors
        return factors

    @property
    def user_ids_(self) -> list[Hashable]:
        """The user ids, in the row order of ``user_factors_``."""
        return self._state().users.ids()

    @property
    def item_ids_(self) -> list[Hashable]:
        """The item ids, in the row order of ``item_factors_``."""
        return self._state().items.ids()

    @property
    def is_fitted(self) -> bool:
        """Whether the model has factors to answer with.

        Examples
        --------
        >>> Recommender().is_fitted
        False
        """
        return self._fitted is not None

    # ------------------------------------------------------------------ fitting

    def _check_params(self) -> dict[str, Any]:
        """The hyper-parameters as implicit takes them, checked (``weighting`` apart)."""
        weighting = self.weighting
        if weighting is not None and not (
            isinstance(weighting, str) and weighting in ("log", "bm25", "tfidf")
        ):
            raise InvalidInputError(
                f"weighting: expected None, 'log', 'bm25' or 'tfidf', got {weighting!r}"
            )
        check_show_progress(self.show_progress)
        return {
            "factors": check_int(self.factors, "factors", low=1, high=MAX_FACTORS),
            "regularization": check_float(
                self.regularization, "regularization", low=0.0, high=MAX_REGULARIZATION
            ),
            "alpha": check_float(self.alpha, "alpha", low=0.0, low_open=True, high=MAX_CONFIDENCE),
            "iterations": check_int(self.iterations, "iterations", low=0, high=MAX_ITERATIONS),
            "num_threads": check_int(self.num_threads, "num_threads", low=0, high=MAX_THREADS),
            "random_state": check_random_state(self.random_state),
        }

    def fit(
        self,
        users: Interactions | Sequence[Hashable] | npt.NDArray[Any],
        items: Sequence[Hashable] | npt.NDArray[Any] | None = None,
        weights: Sequence[float] | npt.NDArray[Any] | None = None,
    ) -> Recommender:
        """Learn user and item factors from interactions; forget any earlier fit.

        Parameters
        ----------
        users : Interactions or sequence of hashable
            An :class:`Interactions` value, or the user of each interaction. A table
            (pandas, polars, pyarrow) goes through :meth:`Interactions.from_frame`:
            ``fit(Interactions.from_frame(df, user="userID", item="artistID"))``.
        items : sequence of hashable, optional
            The item of each interaction (with ``users`` as a sequence).
        weights : sequence of float, optional
            How much of each interaction; 1 when omitted. Duplicates are summed.

        Returns
        -------
        Recommender
            ``self``, fitted.

        Raises
        ------
        InvalidInputError
            Bad hyper-parameters, mismatched lengths, NaN, infinite or negative
            weights (naming the row), all-zero weights, fewer than two users
            or two items, a confidence above 1e6, or a fit that diverged. A failed
            fit leaves the previous fit in place.

        Examples
        --------
        >>> model = Recommender(factors=2, iterations=2, random_state=0, num_threads=1)
        >>> model.fit(["a", "b"], ["x", "y"]) is model
        True
        >>> table = {"userID": ["a", "b"], "artistID": ["x", "y"]}
        >>> model.fit(Interactions.from_frame(table, user="userID", item="artistID")) is model
        True
        >>> model.fit(["a", "b"], ["x", "y"], [1.0, float("nan")])
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: weights[1]: expected a finite non-negative weight, got nan
        """  # noqa: E501
        params = self._check_params()
        data = interactions_from(*_erasure.filtered(self._erased, users, items, weights))
        self._fitted = fit_als(params, data, self.weighting, self.show_progress)
        return self

    def tune(
        self,
        users: Interactions | Sequence[Hashable] | npt.NDArray[Any],
        items: Sequence[Hashable] | npt.NDArray[Any] | None = None,
        weights: Sequence[float] | npt.NDArray[Any] | None = None,
        *,
        space: Mapping[str, Sequence[Any]] | None = None,
        n_trials: int | None = 20,
        metric: str = "precision",
        k: int = 10,
        validation: float = 0.2,
        random_state: RandomState = None,
        show_progress: ShowProgress = False,
    ) -> TuningResult:
        """Search hyper-parameters on the brand's own data; this model does not change.

        Holds out ``validation`` of each user's interactions with
        ``evaluation.train_test_split``'s split, fits one model per setting on the rest and
        scores it as ``evaluation.evaluate`` would (the ranking metric ``metric`` at ``k``).
        Settings come from ``space``: the whole grid, in order, when it has ``n_trials``
        points or fewer, otherwise ``n_trials`` distinct points drawn at random (Bergstra and
        Bengio, 2012: random search finds good settings in fewer trials than a grid). The
        hyper-parameters outside ``space``, ``num_threads`` among them, are this model's; a
        fit's seed is this model's int ``random_state``, or one drawn from ``random_state``.

        Parameters
        ----------
        users, items, weights
            The interactions, as :meth:`fit` takes them (erased users' rows are dropped).
        space : mapping of str to sequence, optional
            Values to try for any of ``factors``, ``regularization``, ``alpha``,
            ``iterations`` and ``weighting``. None: factors 64, 128; regularization 30, 60,
            100; alpha 2, 3, 4; iterations 10, 15; weighting "log" (36 settings, 18 fits),
            centred where implicit's ALS does best on listening data (regularization about
            twenty times alpha: implicit does not scale it by history length).
        n_trials : int or None, default 20
            How many settings at most; None tries the whole grid.
        metric : {"precision", "recall", "ndcg", "map"}, default "precision"
            The validation metric (``evaluation``'s definitions).
        k : int, default 10
            Its cut-off.
        validation : float, default 0.2
            Share of each user's interactions held out, strictly between 0 and 1.
        random_state : int, numpy.random.Generator or None
            Seed of the split, of the draw of settings and (unless this model has an int
            ``random_state``) of the fits: the same int gives the same result.
        show_progress : bool or callable, default False
            ``True`` draws a bar over the trials; a callable is called as
            ``callback(done, total)`` after each trial (raise from it to stop: nothing changes).

        Returns
        -------
        TuningResult
            Every trial's settings, score and seconds; ``best_params``; ``fit(...)`` gives a
            recommender with the best settings fitted (keeping this model's erased ids).

        Raises
        ------
        InvalidInputError
            A bad argument, a value of ``space`` that ``fit`` would refuse (named as
            ``space.alpha[2]``), or data where nothing can be held out.

        Examples
        --------
        >>> data = Interactions.from_triples(
        ...     ["a", "a", "a", "b", "b", "b", "c", "c", "c", "d", "d", "d"],
        ...     ["x", "y", "z", "x", "y", "w", "y", "z", "w", "x", "z", "w"])
        >>> model = Recommender(factors=2, iterations=3, random_state=0, num_threads=1)
        >>> result = model.tune(data, space={"regularization": [0.01, 1.0], "alpha": [1.0, 4.0]},
        ...                     n_trials=3, k=2, random_state=0)
        >>> len(result.trials), sorted(result.best_params) == sorted(model.get_params())
        (3, True)
        >>> result.fit(data).regularization == result.best.regularization
        True
        >>> model.tune(data, space={"factors": [0]})
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: space.factors[0]: factors: expected an int >= 1, got 0
        """  # noqa: E501
        data = _erasure.filtered(self._erased, users, items, weights)
        return _tuning.tune(
            self,
            data,
            space=space,
            n_trials=n_trials,
            metric=metric,
            k=k,
            validation=validation,
            random_state=random_state,
            show_progress=show_progress,
        )

    @classmethod
    def from_factors(
        cls,
        user_ids: Sequence[Hashable] | npt.NDArray[Any],
        item_ids: Sequence[Hashable] | npt.NDArray[Any],
        user_factors: npt.ArrayLike,
        item_factors: npt.ArrayLike,
        *,
        interactions: Interactions | None = None,
        regularization: float = 0.05,
        alpha: float = 2.0,
        weighting: Weighting | None = "log",
        num_threads: int = 0,
        unknown: str = "raise",
    ) -> Recommender:
        """Serve factors trained elsewhere (for example by Spark MLlib's ALS).

        Parameters
        ----------
        user_ids, item_ids : sequence of hashable
            The ids of the factor rows, distinct.
        user_factors : array_like, shape (len(user_ids), k)
            User factors: finite, at most 1e6 in magnitude, ``k`` at most 4096 (so
            that no score overflows float32).
        item_factors : array_like, shape (len(item_ids), k)
            Item factors.
        interactions : Interactions, optional
            The history behind the factors, for ``exclude_seen``, ``explain``,
            ``audience_for`` and popularity; its ids must be among the given ones.
        regularization, alpha, weighting, num_threads
            As for :class:`Recommender`; used by ``explain`` and ``update_users``.
        unknown : {"raise", "drop"}, default "raise"
            What to do with interactions whose user or item has no factors (an id
            seen only in a test split, or filtered out before training): ``"raise"``
            an ``UnknownIdError``, or ``"drop"`` them from the history kept here.

        Returns
        -------
        Recommender
            A fitted recommender.

        Raises
        ------
        UnknownIdError
            With ``unknown="raise"``, an interaction's user or item has no factors.
        InvalidInputError
            Bad ids or factors, or an ``unknown`` other than "raise" or "drop".

        Examples
        --------
        >>> model = Recommender.from_factors(
        ...     ["ann", "bob"], ["tea", "jam"], [[1.0, 0.0], [0.0, 1.0]], [[2.0, 0.0], [0.0, 3.0]])
        >>> model.recommend("bob", n=1)
        Recommendations(user='bob', items=('jam',), scores=(3.0,), source='als')

        With ``unknown="drop"``, the two interactions of "cid" (no factors) and the
        one on "mug" (no factors) are left out; "ann"'s tea is kept and excluded:

        >>> history = Interactions.from_triples(
        ...     ["ann", "ann", "cid", "cid"], ["tea", "mug", "tea", "jam"], [1, 1, 1, 1])
        >>> model = Recommender.from_factors(
        ...     ["ann", "bob"], ["tea", "jam"], [[1.0, 0.0], [0.0, 1.0]], [[2.0, 0.0], [0.0, 3.0]],
        ...     interactions=history, unknown="drop")
        >>> model.recommend("ann", n=2).items
        ('jam',)
        >>> Recommender.from_factors(["ann"], ["tea"], [[1.0]], [[1.0]], unknown="skip")
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: unknown: expected 'raise' or 'drop', got...
        """
        unknown = check_unknown(unknown)
        model = cls(
            factors=1,
            regularization=regularization,
            alpha=alpha,
            weighting=weighting,
            num_threads=num_threads,
        )
        users, items, user_matrix, item_matrix = check_factors(
            user_ids, item_ids, user_factors, item_factors
        )
        if user_matrix.shape[1] > MAX_FACTORS:
            raise InvalidInputError(
                f"user_factors: expected at most {MAX_FACTORS} columns, got {user_matrix.shape[1]}"
            )
        model.factors = int(user_matrix.shape[1])
        params = model._check_params()
        if interactions is not None and not isinstance(interactions, Interactions):
            raise InvalidInputError(
                f"interactions: expected Interactions or None, got {type(interactions).__name__}"
            )
        user_items = (
            None if interactions is None else history_of(interactions, users, items, unknown)
        )
        if user_items is not None:
            check_history(user_items, params["alpha"], model.weighting, "interactions")
        model._fitted = fitted_from_factors(
            params,
            users,
            items,
            user_matrix,
            item_matrix,
            user_items=user_items,
            weighting=model.weighting,
        )
        return model

    # ------------------------------------------------------------------ answering

    def recommend(
        self,
        user: Hashable,
        *,
        n: int = 10,
        exclude_seen: bool = True,
        items: Iterable[Hashable] | None = None,
        exclude: Iterable[Hashable] | None = None,
        friends: FriendGraph | None = None,
        social_weight: float = 0.0,
        cold_start: bool = False,
    ) -> Recommendations:
        """The ``n`` items ``user`` is most likely to want, best first.

        Parameters
        ----------
        user : hashable
            The user, in the application's ids.
        n : int, default 10
            How many items at most.
        exclude_seen : bool, default True
            Leave out the items the user already has.
        items : iterable of hashable, optional
            Rank only these candidate items.
        exclude : iterable of hashable, optional
            Never recommend these items (unknown ids are ignored).
        friends : FriendGraph, optional
            A friendship graph (``ReferralGraph`` or anything with
            :class:`FriendGraph`'s methods). Blends the friends' factors into a
            known user's; scores a user the model has never seen from their
            friends' factors, their friends of friends' and their friends' listens
            (source ``"friends"``), or from popularity when none is known.
        social_weight : float, default 0.0
            Share of the friends in a known user's scores, from 0 (plain ALS) to 1.
        cold_start : bool, default False
            Answer an unknown user with no known friends from popularity instead
            of raising ``UnknownIdError``. Implied by ``friends``.

        Returns
        -------
        Recommendations
            ``(item, score)`` pairs and the ``source`` used.

        Raises
        ------
        UnknownIdError
            ``user`` was never seen and neither ``friends`` nor ``cold_start`` was
            given, or a candidate in ``items`` is unknown.

        See Also
        --------
        recommend_many : the same for many users in one batched call.

        Examples
        --------
        >>> model = Recommender.from_factors(
        ...     ["ann", "bob"], ["tea", "jam", "pie"], [[1.0, 0.0], [0.0, 1.0]],
        ...     [[2.0, 0.0], [0.0, 3.0], [1.0, 1.0]])
        >>> model.recommend("ann", n=2)
        Recommendations(user='ann', items=('tea', 'pie'), scores=(2.0, 1.0), source='als')
        >>> model.recommend("ann", n=2, items=["jam", "pie"]).items
        ('pie', 'jam')
        >>> model.recommend("zoe", n=1, cold_start=True).source
        'popularity'
        """
        return self.recommend_many(
            [user],
            n=n,
            exclude_seen=exclude_seen,
            items=items,
            exclude=exclude,
            friends=friends,
            social_weight=social_weight,
            cold_start=cold_start,
        )[0]

    def recommend_many(
        self,
        users: Sequence[Hashable] | npt.NDArray[Any],
        *,
        n: int = 10,
        exclude_seen: bool = True,
        items: Iterable[Hashable] | None = None,
        exclude: Iterable[Hashable] | None = None,
        friends: FriendGraph | None = None,
        social_weight: float = 0.0,
        cold_start: bool = False,
    ) -> RecommendationBatch:
        """Recommendations for many users in one batched call into implicit.

        Takes the same options as :meth:`recommend`.

        Parameters
        ----------
        users : sequence of hashable
            The users, in the application's ids.
        n, exclude_seen, items, exclude, friends, social_weight, cold_start
            As for :meth:`recommend`.

        Returns
        -------
        RecommendationBatch
            One row per user; ``batch[i]`` is a :class:`Recommendations`.

        Examples
        --------
        >>> model = Recommender.from_factors(
        ...     ["ann", "bob"], ["tea", "jam"], [[1.0, 0.0], [0.0, 1.0]], [[2.0, 0.0], [0.0, 3.0]])
        >>> batch = model.recommend_many(["bob", "ann"], n=1)
        >>> batch.items.tolist(), batch.sources
        ([['jam'], ['tea']], ('als', 'als'))
        """
        state = self._state()
        n = check_int(n, "n", low=1)
        weight = check_float(social_weight, "social_weight", low=0.0, high=1.0)
        if friends is not None and not isinstance(friends, FriendGraph):
            raise InvalidInputError(
                "friends: expected None or a graph with friends() and adjacency() "
                f"(a FriendGraph), got {type(friends).__name__}"
            )
        return _answers.recommend_many(
            state,
            as_id_list(users, "users"),
            n=n,
            exclude_seen=check_bool(exclude_seen, "exclude_seen"),
            items=items,
            exclude=exclude,
            friends=friends,
            social_weight=weight,
            cold_start=check_bool(cold_start, "cold_start"),
            num_threads=self.num_threads,
        )

    def similar_items(
        self, item: Hashable, *, n: int = 10, min_holders: int = 0
    ) -> list[tuple[Hashable, float]]:
        """Items whose factors point the same way: "customers who liked this also liked".

        Parameters
        ----------
        item : hashable
            The item (it may itself have fewer than ``min_holders`` holders).
        n : int, default 10
            How many, the item itself excluded.
        min_holders : int, default 0
            Leave out items held by fewer users than this in the interactions the
            model knows (:meth:`holders_of`): an item with one listener has a factor
            fitted to one history, and a cosine near 1 with it says little.

        Returns
        -------
        list of (hashable, float)
            Items and cosine similarities, most similar first.

        Raises
        ------
        UnknownIdError
            ``item`` is unknown.
        InvalidInputError
            ``n`` below 1, ``min_holders`` negative, or ``min_holders`` above 0 on a
            model without interactions (``from_factors`` without ``interactions=``).

        Examples
        --------
        >>> model = Recommender.from_factors(
        ...     ["ann"], ["tea", "jam", "pie"], [[1.0, 1.0]], [[1.0, 0.0], [0.0, 1.0], [2.0, 0.1]])
        >>> [item for item, _ in model.similar_items("tea", n=1)]
        ['pie']
        >>> history = Interactions.from_triples(["ann", "ann"], ["tea", "jam"])
        >>> model = Recommender.from_factors(
        ...     ["ann"], ["tea", "jam", "pie"], [[1.0, 1.0]], [[1.0, 0.0], [0.0, 1.0], [2.0, 0.1]],
        ...     interactions=history)
        >>> [item for item, _ in model.similar_items("tea", n=1, min_holders=1)]
        ['jam']
        """
        state = self._state()
        n = check_int(n, "n", low=1)
        min_holders = check_int(min_holders, "min_holders", low=0)
        return _answers.similar_items(state, item, n, min_holders)

    def similar_users(self, user: Hashable, *, n: int = 10) -> list[tuple[Hashable, float]]:
        """Lookalike users: cosine similarity of the user factors.

        Parameters
        ----------
        user : hashable
            The user.
        n : int, default 10
            How many, the user excluded.

        Returns
        -------
        list of (hashable, float)
            Users and cosine similarities, most similar first.

        Examples
        --------
        >>> model = Recommender.from_factors(
        ...     ["ann", "bob", "cid"], ["tea"], [[1.0, 0.0], [0.0, 1.0], [0.9, 0.1]], [[1.0, 1.0]])
        >>> [user for user, _ in model.similar_users("ann", n=1)]
        ['cid']
        """
        state = self._state()
        return _answers.similar_users(state, user, check_int(n, "n", low=1))

    def explain(self, user: Hashable, item: Hashable, *, n: int = 5) -> Explanation:
        """Which of the user's own items make ``item`` score as it does.

        Uses implicit's ``explain`` (Hu, Koren and Volinsky, section 5): the score
        of an item is a sum over the user's items, and the largest terms explain it.

        Parameters
        ----------
        user : hashable
            A user with history.
        item : hashable
            The item to explain, usually one recommended to ``user``.
        n : int, default 5
            How many contributing items.

        Returns
        -------
        Explanation

        Examples
        --------
        >>> model = Recommender(factors=2, iterations=3, random_state=0, num_threads=1)
        >>> model = model.fit(["a", "a", "b", "b"], ["x", "y", "x", "z"])
        >>> why = model.explain("a", "z", n=1)
        >>> why.user, why.item, [item for item, _ in why.contributions]
        ('a', 'z', ['x'])
        """
        state = self._state()
        n = check_int(n, "n", low=1)
        return _answers.explain(state, user, item, n, self.weighting)

    def audience_for(
        self,
        item: Hashable,
        *,
        n: int = 100,
        eligible: Iterable[Hashable] | None = None,
    ) -> list[tuple[Hashable, float]]:
        """The users most likely to want ``item``, among those who do not have it yet.

        Parameters
        ----------
        item : hashable
            The product to find an audience for.
        n : int, default 100
            How many users at most.
        eligible : iterable of hashable, optional
            Only these users (for example the contacts an ``OptInRegistry``
            allows); ids the model does not know are left out.

        Returns
        -------
        list of (hashable, float)
            Users and scores, best first.

        Examples
        --------
        >>> model = Recommender.from_factors(
        ...     ["ann", "bob", "cid"], ["tea"], [[1.0], [3.0], [2.0]], [[1.0]])
        >>> model.audience_for("tea", n=2)
        [('bob', 3.0), ('cid', 2.0)]
        >>> model.audience_for("tea", eligible=["ann", "zoe"])
        [('ann', 1.0)]
        """
        state = self._state()
        return _answers.audience_for(state, item, check_int(n, "n", low=1), eligible)

    def _audience_among(
        self, item: Hashable, n: int, eligible: Iterable[Hashable]
    ) -> tuple[list[tuple[Hashable, float]], int, int]:
        """:meth:`audience_for` among ``eligible``, with how many of them hold ``item``
        already and how many the model does not know: one lookup for a campaign's three
        answers."""
        state = self._state()
        return _answers.audience_among(state, item, check_int(n, "n", low=1), eligible)

    def holders_of(self, item: Hashable) -> list[Hashable]:
        """The users who already have ``item`` in the interactions the model knows.

        Examples
        --------
        >>> data = Interactions.from_triples(["ann", "bob"], ["tea", "jam"])
        >>> model = Recommender.from_factors(["ann", "bob"], ["tea", "jam"],
        ...                                  [[1.0], [1.0]], [[1.0], [1.0]], interactions=data)
        >>> model.holders_of("tea")
        ['ann']
        """
        return _answers.holders_of(self._state(), item)

    def recommend_related(
        self,
        users: Sequence[Hashable] | npt.NDArray[Any],
        *,
        histories: Sequence[Sequence[Hashable] | None] | None = None,
        n: int = 10,
        blend: float = 0.5,
    ) -> list[list[tuple[Hashable, float]] | None]:
        """Items related to what each user has, blended with their own recommendations.

        Each user's query is ``(1 - blend) * u + blend * h`` where ``u`` is their
        unit-length user factor and ``h`` the unit-length mean of the factors of
        their history (``histories[i]``, or what the model saw them interact
        with); items are ranked by cosine with it, and never include the history
        or anything the user already has. "Similar to what you bought" at
        ``blend=1``; plain (cosine) recommendations at ``blend=0``.

        Parameters
        ----------
        users : sequence of hashable
            Unknown users are fine when a history is given for them.
        histories : sequence of (sequence or None), optional
            Per user, the items to relate to (unknown items are ignored); None
            means the user's own history in the model. A history is a sequence of
            ids: a single str is refused, not split into letters.
        n : int, default 10
            Items per user.
        blend : float, default 0.5
            Weight of the history against the user's own factor.

        Returns
        -------
        list
            Per user, ``[(item, score), ...]`` best first (empty when nothing is
            left to suggest), or None when the model knows neither the user nor
            any item of their history.

        Examples
        --------
        >>> model = Recommender.from_factors(
        ...     ["ann"], ["tea", "jam", "mug"], [[0.0, 1.0]],
        ...     [[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
        >>> [item for item, _ in model.recommend_related(["ann"], histories=[["tea"]],
        ...                                                n=2, blend=1.0)[0]]
        ['jam', 'mug']
        >>> model.recommend_related(["zoe"])
        [None]
        """
        state = self._state()
        n = check_int(n, "n", low=1)
        blend = check_float(blend, "blend", low=0.0, high=1.0)
        names = as_id_list(users, "users")
        wanted = None if histories is None else _check_histories(histories, len(names))
        return _answers.recommend_related(state, names, wanted, n, blend)

    def popular(self, *, n: int = 10) -> list[tuple[Hashable, float]]:
        """The most popular items (by number of users), for cold start and baselines.

        Examples
        --------
        >>> model = Recommender(factors=2, iterations=1, random_state=0, num_threads=1)
        >>> model = model.fit(["a", "b", "b"], ["x", "x", "y"])
        >>> model.popular(n=1)
        [('x', 2.0)]
        """
        state = self._state()
        return _answers.popular(state, check_int(n, "n", low=1))

    # ------------------------------------------------------------------ updating

    def update_users(
        self,
        users: Sequence[Hashable] | npt.NDArray[Any],
        items: Sequence[Hashable] | npt.NDArray[Any],
        weights: Sequence[float] | npt.NDArray[Any] | None = None,
    ) -> Recommender:
        """Add interactions and refresh those users' factors without a full refit.

        The new weights are added to each user's history, then the users'
        factors are solved again against the fixed item factors with implicit's
        ``recalculate_user`` (what its ``partial_fit_users`` does, without
        mutating the live model: readers see the old or the new factors, never
        half of each). Users never seen before are added.

        Parameters
        ----------
        users, items, weights
            As for :meth:`fit`; items must be known to the model.

        Returns
        -------
        Recommender
            ``self``.

        Raises
        ------
        UnknownIdError
            An item the model has never seen (refit to learn new items).

        Examples
        --------
        >>> model = Recommender(factors=2, iterations=3, random_state=0, num_threads=1)
        >>> model = model.fit(["a", "a", "b", "b"], ["x", "y", "x", "z"])
        >>> model = model.update_users(["new"], ["z"])
        >>> model.user_ids_
        ['a', 'b', 'new']
        >>> model.recommend("new", n=1).source
        'als'
        """
        state = self._state()
        self._erased.refuse(as_id_list(users, "users"), "users")
        data = Interactions.from_triples(users, items, weights)
        random_state = self._check_params()["random_state"]
        self._fitted = fold_in(state, data, weighting=self.weighting, random_state=random_state)
        return self

    def add_items(
        self,
        item_ids: Sequence[Hashable] | npt.NDArray[Any],
        *,
        like: Sequence[Sequence[Hashable] | Mapping[Hashable, float]] | None = None,
        holders: Sequence[Sequence[Hashable] | Mapping[Hashable, float]] | None = None,
    ) -> Recommender:
        """Give items with no history a factor: new products, before anyone has them.

        Pass exactly one of ``like`` and ``holders``, with one entry per new item. ``like``:
        the new item's factor is the weighted mean of the factors of the items named alike
        (the brand's own judgement: "this launch is for the fans of these three"). ``holders``:
        its first holders, a least-squares fold-in on the fixed user factors with the model's
        ``regularization``, ``alpha`` and ``weighting``, as implicit's ``recalculate_item``
        solves one item in ALS (Hu, Koren and Volinsky, eq. 5, for an item); the holders join
        the history (``holders_of``, ``audience_for`` leaves them out). Afterwards
        ``audience_for``, ``similar_items``, ``recommend``, ``plan_campaign`` and presence
        offers answer for the new items, and :meth:`to_state` keeps them. Needs the caller's
        lock.

        Parameters
        ----------
        item_ids : sequence of hashable
            The new items, distinct and unknown to the model.
        like : sequence, optional
            Per new item, the known items alike: a list of ids (equal weights) or a mapping
            id -> positive weight.
        holders : sequence, optional
            Per new item, its first holders (known users): a list of ids (weight 1 each, as
            one interaction) or a mapping user -> positive weight (summed raw weight, weighed
            as ``fit`` weighs).

        Returns
        -------
        Recommender
            ``self``.

        Raises
        ------
        InvalidInputError
            Neither or both of ``like`` and ``holders``, an entry count other than
            ``len(item_ids)``, an empty entry, a weight that is not finite and positive, a
            known or repeated item id, or ``holders`` on a model without interactions.
        UnknownIdError
            An item of ``like`` or a user of ``holders`` the model does not know.
        ConsentRequiredError
            A holder was erased (:meth:`erase`): erased users never come back this way.

        Examples
        --------
        >>> model = Recommender.from_factors(
        ...     ["ann", "bob"], ["tea", "jam"], [[1.0, 0.0], [0.0, 1.0]], [[2.0, 0.0], [0.0, 2.0]])
        >>> model = model.add_items(["chai"], like=[{"tea": 3.0, "jam": 1.0}])
        >>> model.item_factors_[-1].tolist()
        [1.5, 0.5]
        >>> model.audience_for("chai", n=1)
        [('ann', 1.5)]
        >>> model.add_items(["chai"], like=[["tea"]])
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: item_ids[0]: 'chai' is already known; add_items is for items with no factor
        """  # noqa: E501
        state = self._state()
        random_state = self._check_params()["random_state"]
        self._fitted = _new_items.add_items(
            state,
            item_ids,
            like=like,
            holders=holders,
            erased=self._erased,
            weighting=self.weighting,
            random_state=random_state,
        )
        return self

    def erase(self, user: Hashable, *, at: datetime | None = None) -> Removed:
        """Erase ``user``'s interaction row and factors (GDPR Art. 17); a receipt of what went.

        ``holders_of``, ``audience_for``, ``similar_users`` and social scores never list the
        user again. Item factors and popularity learned with their data stay until the next
        :meth:`fit` (retrain to drop them). A keyed fingerprint stays (in :meth:`to_state`):
        ``fit`` drops the user's rows, ``update_users`` raises ``ConsentRequiredError``,
        until :func:`community_marketing.readmit`. An unknown user (or an unfitted model)
        gives an empty receipt and is suppressed all the same. Needs the caller's lock.

        Examples
        --------
        >>> model = Recommender(factors=2, iterations=2, random_state=0, num_threads=1)
        >>> model = model.fit(["ann", "bob", "bob", "cid"], ["tea", "tea", "jam", "jam"])
        >>> model.erase("bob").to_dict()["removed"]["interactions"]
        2
        >>> model.holders_of("tea")
        ['ann']
        >>> model.fit(["ann", "bob", "cid"], ["tea", "tea", "jam"]).user_ids_
        ['ann', 'cid']
        """
        check_id(user, "user")
        return _erasure.plan(self, user, to_micros(resolve_at(at, utc_now))).apply()

    @property
    def erasure_key(self) -> bytes:
        """The secret key of the erased ids' fingerprints (kept in :meth:`to_state`)."""
        return self._erased.key

    # ------------------------------------------------------------------ state

    def to_state(self) -> dict[str, Any]:
        """Plain data (numpy arrays for the matrices) to persist; see :meth:`from_state`.

        Returns
        -------
        dict
            ``schema``, hyper-parameters, ids, factors and the interaction matrix.

        Examples
        --------
        >>> model = Recommender.from_factors(["a"], ["x"], [[1.0]], [[2.0]])
        >>> state = model.to_state()
        >>> state["schema"], state["user_ids"], state["user_factors"].shape
        (1, ['a'], (1, 1))
        """
        state = self._state()
        random_state = self.random_state if isinstance(self.random_state, int) else None
        params = {
            "factors": self.factors,
            "regularization": self.regularization,
            "alpha": self.alpha,
            "iterations": self.iterations,
            "weighting": self.weighting,
            "num_threads": self.num_threads,
            "random_state": random_state,
            "show_progress": self.show_progress is True,
        }
        return {**write_state(params, state), "erasure": self._erased.to_state()}

    @classmethod
    def from_state(cls, state: object) -> Recommender:
        """Rebuild a fitted recommender from :meth:`to_state`'s output.

        Raises
        ------
        InvalidInputError
            Anything missing or malformed; the message names the field.

        Examples
        --------
        >>> model = Recommender.from_factors(["a", "b"], ["x", "y"], [[1.0], [2.0]], [[1.0], [3.0]])
        >>> again = Recommender.from_state(model.to_state())
        >>> again.recommend("b") == model.recommend("b")
        True
        >>> Recommender.from_state({"schema": 99})
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: schema: expected 1, got 99
        """
        fields, params = read_params(state)
        model = cls(**params)
        try:
            checked = model._check_params()
        except InvalidInputError as error:
            raise InvalidInputError(f"params.{error}") from None
        if not isinstance(model.show_progress, bool):
            raise InvalidInputError(
                f"params.show_progress: expected a bool, got {type(model.show_progress).__name__}"
            )
        model._fitted = read_fitted(fields, checked, model.weighting)
        model._erased = ErasedIds.from_state(fields.get("erasure"), "erasure")
        return model

    def to_bytes(self) -> bytes:
        """The fitted model as one compact blob, built from :meth:`to_state` (no files).

        JSON for the tree and ``numpy.save`` for the arrays, zipped: reading it back
        runs no code, unlike a pickle. ``NotFittedError`` before fit.

        Examples
        --------
        >>> model = Recommender.from_factors(["a", "b"], ["x", "y"], [[1.0], [2.0]], [[1.0], [3.0]])
        >>> again = Recommender.from_bytes(model.to_bytes())
        >>> again.recommend("b") == model.recommend("b")
        True
        """
        return state_to_bytes(self.to_state())

    @classmethod
    def from_bytes(cls, data: bytes) -> Recommender:
        """Rebuild a fitted recommender from :meth:`to_bytes`; ``InvalidInputError`` otherwise.

        Examples
        --------
        >>> Recommender.from_bytes(b"nope")
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: data: expected the bytes of to_bytes()
        """
        return cls.from_state(state_from_bytes(data))

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The hyper-parameters by name, as stored: scikit-learn's estimator contract.

        ``deep`` is accepted for scikit-learn; no parameter is itself an estimator.

        Examples
        --------
        >>> Recommender(factors=8).get_params()["factors"]
        8
        """
        return _params.get_params(self)

    def set_params(self, **params: Any) -> Recommender:
        """Set hyper-parameters by name (checked by :meth:`fit`) and return ``self``.

        An unknown name raises ``InvalidInputError`` and changes nothing.

        Examples
        --------
        >>> Recommender().set_params(factors=8, iterations=3).factors
        8
        >>> Recommender().set_params(factor=8)
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: factor: not a parameter of Recommender; expected one of factors, regularization, alpha, iterations, weighting, num_threads, random_state, show_progress
        """  # noqa: E501
        return _params.set_params(self, params)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as ``from_state(to_state())`` (when fitted) with the exact hyper-parameters."""
        return _params.reduce_model(self)

    def __copy__(self) -> Recommender:
        """An independent model with the same fit and hyper-parameters."""
        return _params.copied(self, None)

    def __deepcopy__(self, memo: dict[int, Any]) -> Recommender:
        """As ``copy.copy``, the hyper-parameters deep-copied too."""
        return _params.copied(self, memo)


def _check_histories(histories: object, count: int) -> list[list[Hashable] | None]:
    """``histories`` as one list of ids (or None) per user; a str is refused, not split."""
    entries = as_id_list(histories, "histories")  # type: ignore[arg-type]
    if len(entries) != count:
        raise InvalidInputError(
            f"histories: expected one entry per user ({count}), got {len(entries)}"
        )
    return [
        None if entry is None else as_id_list(entry, f"histories[{position}]")  # type: ignore[arg-type]
        for position, entry in enumerate(entries)
    ]
