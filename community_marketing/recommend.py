"""Recommender: implicit-feedback ALS with the application's own ids, friends and consent.

``Recommender`` wraps ``implicit``'s CPU ``AlternatingLeastSquares`` and keeps an
id index on each side, so the application speaks in its own user and item ids
and never in matrix rows. On top of ALS it answers the reverse question (who
should hear about this product), blends in the scores of a user's friends, and
starts cold users from their friends' factors, falling back on popularity.

The friends come through :class:`FriendGraph`, a small protocol that
``ReferralGraph`` (or any class of the application) satisfies; this module never
imports the graph module.

Threads: a fitted ``Recommender`` is safe for concurrent reads (``recommend``,
``audience_for``...); ``fit``, ``update_users`` and the like are writes and need
the caller's lock.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Any, Literal, Protocol, overload, runtime_checkable

import attrs
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from implicit.cpu.topk import topk
from threadpoolctl import threadpool_limits

from ._checks import check_int
from ._ids import IdIndex, as_id_list
from ._progress import ProgressCallback, ShowProgress, check_show_progress
from .errors import InvalidInputError, NotFittedError, UnknownIdError

__all__ = [
    "Explanation",
    "FriendGraph",
    "Interactions",
    "RecommendationBatch",
    "Recommendations",
    "Recommender",
    "Source",
]

Source = Literal["als", "social", "friends", "popularity"]
"""Where a list of recommendations came from.

``"als"``: the user's own factors; ``"social"``: their factors blended with their
friends'; ``"friends"``: a cold user scored from their friends (their factors,
their friends' factors and their listens); ``"popularity"``: a cold user with no
known friends or friends of friends, given the most popular items.
"""

Weighting = Literal["log", "bm25", "tfidf"]

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

STATE_SCHEMA = 1
_FILTERED = -np.finfo(np.float32).max
_BM25_K1 = 100.0
_BM25_B = 0.8
# Cold start: how much of the friends of friends and of the friends' own listens
# joins the friends' summed factors (tuned on Last.fm 2K, see _cold_top).
_COLD_SECOND_WEIGHT = np.float32(0.4)
_COLD_LISTENS_WEIGHT = np.float32(0.4)
# Above this many users needing friends, read the whole graph once through adjacency().
_ADJACENCY_FROM = 64


@runtime_checkable
class FriendGraph(Protocol):
    """What the recommender needs from a friendship graph.

    ``ReferralGraph`` satisfies it; so does any object with these two methods.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> class Pairs:
    ...     def friends(self, id):
    ...         return {"ann": ["bob"], "bob": ["ann"]}.get(id, [])
    ...     def adjacency(self):
    ...         return sp.csr_matrix([[0.0, 1.0], [1.0, 0.0]]), ["ann", "bob"]
    >>> isinstance(Pairs(), FriendGraph)
    True
    """

    def friends(self, id: Hashable) -> list[Hashable]:
        """The ids of the friends of ``id`` (empty, or ``KeyError``, if unknown)."""
        ...

    def adjacency(self) -> tuple[sp.csr_matrix, list[Hashable]]:
        """The symmetric friend adjacency and the ids of its rows, in row order."""
        ...


def _check_weights(data: npt.NDArray[Any], field: str, rows: Sequence[Hashable] | None) -> None:
    """Raise if any weight is NaN, infinite or negative, naming the first bad one."""
    bad = ~np.isfinite(data) | (data < 0)
    if not bad.any():
        return
    position = int(np.argmax(bad))
    where = f"{field}[{position}]" if rows is None else f"{field} for user {rows[position]!r}"
    raise InvalidInputError(
        f"{where}: expected a finite non-negative weight, got {float(data[position])!r}"
    )


def _as_float_array(values: Any, field: str) -> npt.NDArray[np.float64]:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{field}: expected numbers, got {type(values).__name__}") from None
    if array.ndim != 1:
        raise InvalidInputError(f"{field}: expected a 1-d sequence, got shape {array.shape}")
    return array


def _canonical(matrix: Any) -> sp.csr_matrix:
    """CSR, float32, duplicates summed, explicit zeros dropped, indices sorted.

    A matrix already in that form is returned as it is (no copy); any other is
    copied, so the caller's matrix is never modified.
    """
    if (
        isinstance(matrix, sp.csr_matrix)
        and matrix.dtype == np.float32
        and matrix.has_canonical_format
        and matrix.data.size
        and matrix.data.all()
    ):
        return matrix
    matrix = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    return matrix


@attrs.frozen(eq=False)
class Interactions:
    """Who interacted with what, and how much: a users x items CSR with its ids.

    Build it with :meth:`from_triples` or :meth:`from_csr`; both sum duplicates,
    drop zero weights and refuse NaN, infinite or negative weights.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        ``float32`` users x items matrix of summed weights.
    user_ids : tuple of hashable
        The id of each row.
    item_ids : tuple of hashable
        The id of each column.

    Examples
    --------
    >>> data = Interactions.from_triples(["ann", "ann", "bob"], ["tea", "tea", "jam"], [1, 2, 5])
    >>> data.user_ids, data.item_ids
    (('ann', 'bob'), ('tea', 'jam'))
    >>> data.matrix.toarray().tolist()
    [[3.0, 0.0], [0.0, 5.0]]
    """

    matrix: sp.csr_matrix = attrs.field(repr=False)
    user_ids: tuple[Hashable, ...]
    item_ids: tuple[Hashable, ...]
    _user_index: IdIndex = attrs.field(init=False, repr=False)
    _item_index: IdIndex = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        matrix = self.matrix
        if not sp.issparse(matrix):
            raise InvalidInputError(
                f"matrix: expected a scipy.sparse matrix, got {type(matrix).__name__}"
            )
        users = IdIndex(self.user_ids, kind="user")
        items = IdIndex(self.item_ids, kind="item")
        if len(users) != len(self.user_ids):
            raise InvalidInputError("user_ids: expected distinct ids, got duplicates")
        if len(items) != len(self.item_ids):
            raise InvalidInputError("item_ids: expected distinct ids, got duplicates")
        if matrix.shape != (len(users), len(items)):
            raise InvalidInputError(
                f"matrix: expected shape ({len(users)}, {len(items)}) to match the ids, "
                f"got {matrix.shape}"
            )
        canonical = _canonical(matrix)
        if canonical is not matrix:
            object.__setattr__(self, "matrix", canonical)
        bad = ~np.isfinite(canonical.data) | (canonical.data < 0)
        if bad.any():
            position = int(np.argmax(bad))
            row_of = np.searchsorted(canonical.indptr, np.arange(position + 1), side="right") - 1
            raise InvalidInputError(
                f"matrix: weight of user {self.user_ids[row_of[position]]!r} for item "
                f"{self.item_ids[canonical.indices[position]]!r}: expected a finite "
                f"non-negative number, got {float(canonical.data[position])!r}"
            )
        object.__setattr__(self, "_user_index", users)
        object.__setattr__(self, "_item_index", items)

    @classmethod
    def from_triples(
        cls,
        users: Sequence[Hashable] | npt.NDArray[Any],
        items: Sequence[Hashable] | npt.NDArray[Any],
        weights: Sequence[float] | npt.NDArray[Any] | None = None,
    ) -> Interactions:
        """Interactions from three parallel sequences: who, what, how much.

        Parameters
        ----------
        users : sequence of hashable
            The user of each interaction, in the application's own ids.
        items : sequence of hashable
            The item of each interaction.
        weights : sequence of float, optional
            How much (listens, purchases, visits); 1 for each row when omitted.
            Duplicated (user, item) pairs are summed.

        Returns
        -------
        Interactions

        Raises
        ------
        InvalidInputError
            Empty input, mismatched lengths, a bad id, or a NaN, infinite or
            negative weight (the message names the row).

        Examples
        --------
        >>> Interactions.from_triples([1, 2], ["a", "b"]).matrix.nnz
        2
        >>> Interactions.from_triples([1, 2], ["a", "b"], [1.0, -1.0])
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: weights[1]: expected a finite non-negative weight, got -1.0
        """  # noqa: E501
        user_list = _id_sequence(users, "users")
        item_list = _id_sequence(items, "items")
        count = len(user_list)
        if count == 0:
            raise InvalidInputError("users: expected at least one interaction, got none")
        if len(item_list) != count:
            raise InvalidInputError(
                f"items: expected {count} ids to match users, got {len(item_list)}"
            )
        if weights is None:
            values = np.ones(count, dtype=np.float64)
        else:
            values = _as_float_array(weights, "weights")
            if values.shape[0] != count:
                raise InvalidInputError(
                    f"weights: expected {count} weights to match users, got {values.shape[0]}"
                )
            _check_weights(values, "weights", None)
        user_ids, rows = _dense_ids(users, user_list, "users", "user")
        item_ids, cols = _dense_ids(items, item_list, "items", "item")
        matrix = sp.csr_matrix(
            (values.astype(np.float32), (rows, cols)), shape=(len(user_ids), len(item_ids))
        )
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        return cls(matrix, tuple(user_ids), tuple(item_ids))

    @classmethod
    def from_csr(
        cls,
        matrix: Any,
        user_ids: Sequence[Hashable] | npt.NDArray[Any],
        item_ids: Sequence[Hashable] | npt.NDArray[Any],
    ) -> Interactions:
        """Interactions from a users x items sparse matrix and the ids of its rows and columns.

        A CSR matrix that is already ``float32`` with summed duplicates, sorted
        indices and no explicit zeros is used as it is, without a copy (which
        matters at ten million interactions): do not modify it afterwards. Any
        other matrix is copied and never modified.

        Parameters
        ----------
        matrix : scipy.sparse matrix
            Users as rows, items as columns (any sparse format; converted to CSR).
        user_ids : sequence of hashable
            One distinct id per row.
        item_ids : sequence of hashable
            One distinct id per column.

        Returns
        -------
        Interactions

        Examples
        --------
        >>> import scipy.sparse as sp
        >>> matrix = sp.csr_matrix([[1.0, 0.0], [0.0, 2.0]])
        >>> data = Interactions.from_csr(matrix, ["u", "v"], [7, 8])
        >>> data.n_users, data.n_items, data.nnz
        (2, 2, 2)
        """
        return cls(
            matrix,
            tuple(as_id_list(user_ids, "user_ids")),
            tuple(as_id_list(item_ids, "item_ids")),
        )

    @property
    def n_users(self) -> int:
        """Number of users (rows)."""
        return int(self.matrix.shape[0])

    @property
    def n_items(self) -> int:
        """Number of items (columns)."""
        return int(self.matrix.shape[1])

    @property
    def nnz(self) -> int:
        """Number of distinct (user, item) pairs."""
        return int(self.matrix.nnz)

    def items_of(self, user: Hashable) -> list[Hashable]:
        """The items ``user`` interacted with, in column order.

        Examples
        --------
        >>> Interactions.from_triples(["a", "a"], ["x", "y"]).items_of("a")
        ['x', 'y']
        """
        row = self._user_index.index(user)
        start, end = self.matrix.indptr[row], self.matrix.indptr[row + 1]
        return [self.item_ids[i] for i in self.matrix.indices[start:end].tolist()]


@attrs.frozen
class Recommendations(Sequence[tuple[Hashable, float]]):
    """Recommended items for one user, best first, and where they came from.

    Iterating gives ``(item, score)`` pairs.

    Attributes
    ----------
    user : hashable
        Who they are for.
    items : tuple of hashable
        The recommended items, best first.
    scores : tuple of float
        Their scores (higher is better; comparable within one list only).
    source : {"als", "social", "friends", "popularity"}
        What the scores came from (see :data:`Source`).

    Examples
    --------
    >>> recs = Recommendations("ann", ("tea", "jam"), (0.9, 0.5), "als")
    >>> list(recs)
    [('tea', 0.9), ('jam', 0.5)]
    >>> recs[0], len(recs), recs.source
    (('tea', 0.9), 2, 'als')
    """

    user: Hashable
    items: tuple[Hashable, ...]
    scores: tuple[float, ...]
    source: Source

    @overload
    def __getitem__(self, index: int) -> tuple[Hashable, float]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[Hashable, float]]: ...

    def __getitem__(
        self, index: int | slice
    ) -> tuple[Hashable, float] | Sequence[tuple[Hashable, float]]:
        if isinstance(index, slice):
            return list(zip(self.items[index], self.scores[index], strict=True))
        return self.items[index], self.scores[index]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[tuple[Hashable, float]]:
        return zip(self.items, self.scores, strict=True)


@attrs.frozen(eq=False)
class RecommendationBatch(Sequence[Recommendations]):
    """Recommendations for many users at once, as arrays.

    Row ``r`` is for ``users[r]``; a row shorter than ``n`` is padded with
    ``None`` items and ``-inf`` scores. Indexing gives a :class:`Recommendations`.

    Attributes
    ----------
    users : tuple of hashable
        The users, in the order asked.
    items : numpy.ndarray of object, shape (len(users), n)
        Item ids, best first.
    scores : numpy.ndarray of float32, shape (len(users), n)
        Their scores.
    sources : tuple of str
        The :data:`Source` of each row.

    Examples
    --------
    >>> import numpy as np
    >>> batch = RecommendationBatch(
    ...     ("ann",), np.array([["tea", None]], dtype=object),
    ...     np.array([[0.5, -np.inf]], dtype=np.float32), ("als",))
    >>> batch[0]
    Recommendations(user='ann', items=('tea',), scores=(0.5,), source='als')
    """

    users: tuple[Hashable, ...]
    items: npt.NDArray[np.object_] = attrs.field(repr=False)
    scores: FloatArray = attrs.field(repr=False)
    sources: tuple[Source, ...]

    @overload
    def __getitem__(self, index: int) -> Recommendations: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Recommendations]: ...

    def __getitem__(self, index: int | slice) -> Recommendations | Sequence[Recommendations]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self.users))[index]]
        scores = self.scores[index]
        keep = int(np.count_nonzero(np.isfinite(scores)))
        return Recommendations(
            self.users[index],
            tuple(self.items[index, :keep].tolist()),
            tuple(scores[:keep].tolist()),
            self.sources[index],
        )

    def __len__(self) -> int:
        return len(self.users)

    def __iter__(self) -> Iterator[Recommendations]:
        return (self[i] for i in range(len(self.users)))


@attrs.frozen
class Explanation:
    """Why an item is recommended to a user: the user's own items that weigh most.

    Attributes
    ----------
    user : hashable
        The user.
    item : hashable
        The item explained.
    score : float
        The item's total score for the user (sum of all contributions).
    contributions : tuple of (hashable, float)
        The user's items that contributed most, largest first.

    Examples
    --------
    >>> Explanation("ann", "jam", 0.8, (("tea", 0.6), ("scone", 0.2))).contributions[0]
    ('tea', 0.6)
    """

    user: Hashable
    item: Hashable
    score: float
    contributions: tuple[tuple[Hashable, float], ...]


@attrs.frozen
class _Fitted:
    """Everything a fit learned; replaced as a whole, never mutated in place."""

    model: Any
    users: IdIndex
    items: IdIndex
    item_id_array: npt.NDArray[np.object_]
    user_items: sp.csr_matrix | None
    popularity: FloatArray
    item_length_norm: FloatArray | None


def _unit(vector: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float64]:
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm > 0 else vector).astype(np.float64)


def _top_rows(scores: npt.NDArray[np.float64], n: int) -> tuple[IntArray, npt.NDArray[np.float64]]:
    """Per row, the ``n`` best columns and their scores, best first, ties by column."""
    n = min(n, scores.shape[1])
    if n < scores.shape[1]:
        top = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    else:
        top = np.broadcast_to(np.arange(n), scores.shape).copy()
    values = np.take_along_axis(scores, top, axis=1)
    order = np.lexsort((top, -values), axis=1)
    return (
        np.take_along_axis(top, order, axis=1).astype(np.int64),
        np.take_along_axis(values, order, axis=1),
    )


def _check_random_state(value: object) -> int | np.random.Generator | None:
    if value is None or isinstance(value, np.random.Generator):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if value < 0:
            raise InvalidInputError(f"random_state: expected a non-negative seed, got {value}")
        return int(value)
    raise InvalidInputError(
        "random_state: expected an int, a numpy.random.Generator or None, "
        f"got {type(value).__name__}"
    )


def _check_float(value: object, field: str, *, positive: bool) -> float:
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
        raise InvalidInputError(f"{field}: expected a number, got {type(value).__name__}")
    number = float(value)
    if not np.isfinite(number) or number < 0 or (positive and number == 0):
        bound = "positive" if positive else "non-negative"
        raise InvalidInputError(f"{field}: expected a finite {bound} number, got {value!r}")
    return number


def _item_length_norm(raw: sp.csr_matrix) -> FloatArray:
    """BM25 length normalisation of each item (an item is a document of its users)."""
    item_sums = np.bincount(raw.indices, weights=raw.data, minlength=raw.shape[1])
    mean = item_sums.mean() if item_sums.size else 1.0
    norm = (1.0 - _BM25_B) + _BM25_B * item_sums / (mean if mean > 0 else 1.0)
    return norm.astype(np.float32)


def _sweep_callback(
    report: ProgressCallback, total: int
) -> Callable[[int, float, float | None], None]:
    """implicit's fit callback (iteration from 0, seconds, loss) as ``report(done, total)``."""

    def callback(iteration: int, elapsed: float, loss: float | None) -> None:
        report(iteration + 1, total)

    return callback


def _weigh(
    raw: sp.csr_matrix, weighting: str | None, n_items: int, length_norm: FloatArray | None
) -> sp.csr_matrix:
    """The confidence matrix implicit fits on, from summed raw weights.

    ``bm25`` and ``tfidf`` weigh the items x users matrix, as implicit's own Last.fm
    example does with ``implicit.nearest_neighbours.bm25_weight`` and ``tfidf_weight``,
    but with an idf that stays positive: implicit's ``log(N) - log1p(n)`` is zero for a
    user holding ``N - 1`` items (their whole history vanishes, or not, by the last bit
    of a logarithm) and negative for one holding all ``N``. BM25 takes Lucene's
    ``BM25Similarity`` idf, ``log(1 + (N - n + 0.5) / (n + 0.5))``; TF-IDF takes
    scikit-learn's ``smooth_idf``, ``log((1 + N) / (1 + n)) + 1``. Every factor depends
    only on the row's user or on ``length_norm`` learned at fit, so ``update_users``
    can weigh new rows the same way.
    """
    if weighting is None:
        return raw
    data = raw.data
    if weighting == "log":
        weighted = np.log1p(data)
    else:
        per_user = np.diff(raw.indptr)
        if weighting == "tfidf":
            idf = np.log((1.0 + n_items) / (1.0 + per_user)) + 1.0
            weighted = np.sqrt(data) * np.repeat(idf.astype(np.float32), per_user)
        else:
            assert length_norm is not None
            idf = np.log1p((n_items - per_user + 0.5) / (per_user + 0.5))
            idf_of = np.repeat(idf.astype(np.float32), per_user)
            weighted = (
                data * (_BM25_K1 + 1.0) / (_BM25_K1 * length_norm[raw.indices] + data) * idf_of
            )
    weighted = weighted.astype(np.float32)
    # A zero or negative confidence means something else to implicit (a dislike).
    if (weighted > 0).all():
        return sp.csr_matrix((weighted, raw.indices, raw.indptr), shape=raw.shape, copy=False)
    matrix = sp.csr_matrix((weighted, raw.indices, raw.indptr), shape=raw.shape, copy=True)
    np.maximum(matrix.data, 0, out=matrix.data)
    matrix.eliminate_zeros()
    return matrix


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
        Number of latent factors.
    regularization : float, default 0.05
        L2 regularization of the factors.
    alpha : float, default 2.0
        Confidence scale: implicit fits on ``alpha * weight``.
    iterations : int, default 15
        ALS sweeps.
    weighting : {None, "log", "bm25", "tfidf"}, default "log"
        How summed weights become confidences: as they are, ``log1p``, or a
        BM25 / TF-IDF weighting as in implicit's Last.fm example, with an idf that
        never drops a user (Lucene's BM25 idf; scikit-learn's smooth idf).
    num_threads : int, default 0
        Threads for fitting and batch calls; 0 means every core. BLAS is held to
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
    random_state: int | np.random.Generator | None = None
    show_progress: ShowProgress = False
    _fitted: _Fitted | None = attrs.field(default=None, init=False, repr=False)
    # Unit-length item factors for recommend_related, kept with the fit they came from.
    _unit_items: tuple[_Fitted, npt.NDArray[np.float64]] | None = attrs.field(
        default=None, init=False, repr=False
    )

    # ------------------------------------------------------------------ learned state

    def _state(self) -> _Fitted:
        if self._fitted is None:
            raise NotFittedError(
                "Recommender is not fitted: call fit() or Recommender.from_factors() first"
            )
        return self._fitted

    @property
    def user_factors_(self) -> FloatArray:
        """Learned user factors, one row per id of ``user_ids_`` (``NotFittedError`` before fit)."""
        factors: FloatArray = self._state().model.user_factors
        return factors

    @property
    def item_factors_(self) -> FloatArray:
        """Learned item factors, one row per id of ``item_ids_``."""
        factors: FloatArray = self._state().model.item_factors
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
        weighting = self.weighting
        if weighting not in (None, "log", "bm25", "tfidf"):
            raise InvalidInputError(
                f"weighting: expected None, 'log', 'bm25' or 'tfidf', got {weighting!r}"
            )
        check_show_progress(self.show_progress)
        return {
            "factors": check_int(self.factors, "factors", low=1),
            "regularization": _check_float(self.regularization, "regularization", positive=False),
            "alpha": _check_float(self.alpha, "alpha", positive=True),
            "iterations": check_int(self.iterations, "iterations", low=0),
            "num_threads": check_int(self.num_threads, "num_threads", low=0),
            "random_state": _check_random_state(self.random_state),
        }

    def _new_model(self, params: dict[str, Any]) -> Any:
        with threadpool_limits(limits=1, user_api="blas"):
            return AlternatingLeastSquares(dtype=np.float32, **params)

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
            An :class:`Interactions` value, or the user of each interaction.
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
            weights (naming the row), all-zero weights, or fewer than two users
            or two items. A failed fit leaves the previous fit in place.

        Examples
        --------
        >>> model = Recommender(factors=2, iterations=2, random_state=0, num_threads=1)
        >>> model.fit(["a", "b"], ["x", "y"]) is model
        True
        >>> model.fit(["a", "b"], ["x", "y"], [1.0, float("nan")])
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: weights[1]: expected a finite non-negative weight, got nan
        """  # noqa: E501
        params = self._check_params()
        data = self._interactions(users, items, weights)
        if data.n_users < 2 or data.n_items < 2:
            raise InvalidInputError(
                "interactions: expected at least 2 users and 2 items, "
                f"got {data.n_users} users and {data.n_items} items"
            )
        if data.nnz == 0:
            raise InvalidInputError("weights: expected some positive weight, got all zeros")
        raw = data.matrix
        length_norm = _item_length_norm(raw) if self.weighting == "bm25" else None
        confidence = _weigh(raw, self.weighting, data.n_items, length_norm)
        if confidence.nnz == 0:
            raise InvalidInputError(
                f"weights: the {self.weighting!r} weighting leaves no positive confidence"
            )
        model = self._new_model(params)
        show_progress = self.show_progress
        callback = (
            None
            if isinstance(show_progress, bool)
            else _sweep_callback(show_progress, params["iterations"])
        )
        with threadpool_limits(limits=1, user_api="blas"):
            model.fit(confidence, show_progress=show_progress is True, callback=callback)
        del confidence
        self._fitted = _Fitted(
            model=model,
            users=data._user_index,
            items=data._item_index,
            item_id_array=_object_array(data.item_ids),
            user_items=raw,
            popularity=_popularity(raw),
            item_length_norm=length_norm,
        )
        return self

    @staticmethod
    def _interactions(
        users: Interactions | Sequence[Hashable] | npt.NDArray[Any],
        items: Sequence[Hashable] | npt.NDArray[Any] | None,
        weights: Sequence[float] | npt.NDArray[Any] | None,
    ) -> Interactions:
        if isinstance(users, Interactions):
            if items is not None or weights is not None:
                raise InvalidInputError(
                    "items, weights: expected None when passing an Interactions value"
                )
            return users
        if items is None:
            raise InvalidInputError("items: expected a sequence of item ids, got None")
        return Interactions.from_triples(users, items, weights)

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
    ) -> Recommender:
        """Serve factors trained elsewhere (for example by Spark MLlib's ALS).

        Parameters
        ----------
        user_ids, item_ids : sequence of hashable
            The ids of the factor rows, distinct.
        user_factors : array_like, shape (len(user_ids), k)
            User factors.
        item_factors : array_like, shape (len(item_ids), k)
            Item factors.
        interactions : Interactions, optional
            The history behind the factors, for ``exclude_seen``, ``explain``,
            ``audience_for`` and popularity; its ids must be among the given ones.
        regularization, alpha, weighting, num_threads
            As for :class:`Recommender`; used by ``explain`` and ``update_users``.

        Returns
        -------
        Recommender
            A fitted recommender.

        Examples
        --------
        >>> model = Recommender.from_factors(
        ...     ["ann", "bob"], ["tea", "jam"], [[1.0, 0.0], [0.0, 1.0]], [[2.0, 0.0], [0.0, 3.0]])
        >>> model.recommend("bob", n=1)
        Recommendations(user='bob', items=('jam',), scores=(3.0,), source='als')
        """
        model = cls(
            factors=1,
            regularization=regularization,
            alpha=alpha,
            weighting=weighting,
            num_threads=num_threads,
        )
        users = _distinct_index(user_ids, "user_ids", "user")
        items = _distinct_index(item_ids, "item_ids", "item")
        user_matrix = _factor_matrix(user_factors, "user_factors", len(users))
        item_matrix = _factor_matrix(item_factors, "item_factors", len(items))
        if user_matrix.shape[1] != item_matrix.shape[1]:
            raise InvalidInputError(
                f"item_factors: expected {user_matrix.shape[1]} columns like user_factors, "
                f"got {item_matrix.shape[1]}"
            )
        model.factors = int(user_matrix.shape[1])
        params = model._check_params()
        user_items = None
        if interactions is not None:
            user_items = _align(interactions, users, items)
        model._install(params, users, items, user_matrix, item_matrix, user_items, None, None)
        return model

    def _install(
        self,
        params: dict[str, Any],
        users: IdIndex,
        items: IdIndex,
        user_factors: FloatArray,
        item_factors: FloatArray,
        user_items: sp.csr_matrix | None,
        popularity: FloatArray | None,
        length_norm: FloatArray | None,
    ) -> None:
        implicit_model = self._new_model(params)
        implicit_model.user_factors = user_factors
        implicit_model.item_factors = item_factors
        if popularity is None:
            popularity = (
                _popularity(user_items)
                if user_items is not None
                else (user_factors.mean(axis=0) @ item_factors.T).astype(np.float32)
            )
        if self.weighting == "bm25" and length_norm is None:
            length_norm = (
                _item_length_norm(user_items)
                if user_items is not None
                else np.ones(len(items), dtype=np.float32)
            )
        self._fitted = _Fitted(
            model=implicit_model,
            users=users,
            items=items,
            item_id_array=_object_array(items.ids()),
            user_items=user_items,
            popularity=popularity,
            item_length_norm=length_norm,
        )

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
        weight = _check_float(social_weight, "social_weight", positive=False)
        if weight > 1:
            raise InvalidInputError(f"social_weight: expected a number in [0, 1], got {weight}")
        user_list = as_id_list(users, "users")
        candidates = None
        if items is not None:
            candidates = np.unique(state.items.indices(items, "items"))
            if candidates.size == 0:
                raise InvalidInputError("items: expected at least one candidate item, got none")
        excluded = None
        if exclude is not None:
            excluded = state.items.lookup(exclude, "exclude")
            excluded = np.unique(excluded[excluded >= 0])
        rows = state.users.lookup(user_list, "users")
        cold = rows < 0
        if cold.any() and friends is None and not cold_start:
            raise UnknownIdError("user", user_list[int(np.argmax(cold))])
        count = len(user_list)
        k = min(n, len(state.items) if candidates is None else candidates.size)
        out_ids = np.zeros((count, k), dtype=np.int64)
        out_scores = np.full((count, k), -np.inf, dtype=np.float32)
        sources: list[Source] = ["als"] * count
        friend_matrix = None
        if friends is not None and (cold.any() or weight > 0):
            friend_matrix = _friend_matrix(state, friends, user_list, cold | (weight > 0))
        if not cold.all():
            positions = np.flatnonzero(~cold)
            vectors = state.model.user_factors[rows[positions]]
            if friend_matrix is not None and weight > 0:
                vectors, blended = _blend(state, vectors, friend_matrix[positions], weight)
                for position in positions[blended].tolist():
                    sources[position] = "social"
            seen = None
            warm_excluded = excluded
            if exclude_seen and state.user_items is not None:
                if positions.size == 1:
                    # One user: the seen items join the global filter, no sparse slicing.
                    matrix = state.user_items
                    row = int(rows[positions[0]])
                    history = matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]]
                    warm_excluded = history if excluded is None else np.union1d(excluded, history)
                else:
                    seen = state.user_items[rows[positions]]
            ids, scores = self._topk(state, vectors, k, seen, candidates, warm_excluded)
            out_ids[positions] = ids
            out_scores[positions] = scores
        if cold.any():
            positions = np.flatnonzero(cold)
            with_friends = np.zeros(positions.size, dtype=bool)
            second_matrix = None
            if friends is not None and friend_matrix is not None:
                second_matrix = _friends_of_friends(state, friends, user_list, positions)
                with_friends = (np.diff(friend_matrix[positions].indptr) > 0) | (
                    np.diff(second_matrix[positions].indptr) > 0
                )
            social = positions[with_friends]
            if friend_matrix is not None and second_matrix is not None and social.size:
                ids, scores = _cold_top(
                    state, friend_matrix[social], second_matrix[social], k, candidates, excluded
                )
                out_ids[social] = ids
                out_scores[social] = scores
                for position in social.tolist():
                    sources[position] = "friends"
            lonely = positions[~with_friends]
            if lonely.size:
                ids, scores = _popular_top(state, k, candidates, excluded)
                out_ids[lonely] = ids
                out_scores[lonely] = scores
                for position in lonely.tolist():
                    sources[position] = "popularity"
        missing = ~np.isfinite(out_scores)
        item_ids = state.item_id_array[out_ids]
        if missing.any():
            item_ids[missing] = None
        return RecommendationBatch(tuple(user_list), item_ids, out_scores, tuple(sources))

    def _topk(
        self,
        state: _Fitted,
        vectors: FloatArray,
        k: int,
        seen: sp.csr_matrix | None,
        candidates: IntArray | None,
        excluded: IntArray | None,
    ) -> tuple[IntArray, FloatArray]:
        """One batched call into implicit's top-k; ``-inf`` marks a missing slot."""
        factors = state.model.item_factors
        if candidates is not None:
            factors = factors[candidates]
            if seen is not None:
                seen = _restrict_columns(seen, candidates)
            if excluded is not None:
                excluded = np.flatnonzero(np.isin(candidates, excluded))
        filter_items = None
        if excluded is not None and excluded.size:
            filter_items = excluded.astype(np.int32)
        ids, scores = topk(
            factors,
            np.ascontiguousarray(vectors, dtype=np.float32),
            k,
            filter_query_items=seen,
            filter_items=filter_items,
            # A single query gains nothing from a thread pool but its start-up cost.
            num_threads=self.num_threads if vectors.shape[0] > 1 else 1,
        )
        ids = ids.astype(np.int64)
        if candidates is not None:
            ids = candidates[ids]
        missing = scores <= _FILTERED
        if missing.any():
            scores = scores.copy()
            scores[missing] = -np.inf
            ids[missing] = 0
        return ids, scores

    def similar_items(self, item: Hashable, *, n: int = 10) -> list[tuple[Hashable, float]]:
        """Items whose factors point the same way: "customers who liked this also liked".

        Parameters
        ----------
        item : hashable
            The item.
        n : int, default 10
            How many, the item itself excluded.

        Returns
        -------
        list of (hashable, float)
            Items and cosine similarities, most similar first.

        Examples
        --------
        >>> model = Recommender.from_factors(
        ...     ["ann"], ["tea", "jam", "pie"], [[1.0, 1.0]], [[1.0, 0.0], [0.0, 1.0], [2.0, 0.1]])
        >>> [item for item, _ in model.similar_items("tea", n=1)]
        ['pie']
        """
        state = self._state()
        n = check_int(n, "n", low=1)
        index = state.items.index(item)
        model = state.model
        k = min(n + 1, len(state.items))
        ids, scores = model.similar_items(index, N=k)
        return _pairs(state.items, ids, scores, skip=index, n=n)

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
        n = check_int(n, "n", low=1)
        index = state.users.index(user)
        k = min(n + 1, len(state.users))
        ids, scores = state.model.similar_users(index, N=k)
        return _pairs(state.users, ids, scores, skip=index, n=n)

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
        row = state.users.index(user)
        column = state.items.index(item)
        if state.user_items is None:
            raise InvalidInputError(
                "explain: needs the interactions; pass interactions= to from_factors()"
            )
        history = self._weighted_rows(state, state.user_items, np.array([row]))
        with threadpool_limits(limits=1, user_api="blas"):
            total, contributions, _ = state.model.explain(0, history, column, N=n)
        return Explanation(
            user,
            item,
            float(total),
            tuple((state.items.id_at(int(i)), float(s)) for i, s in contributions),
        )

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
        n = check_int(n, "n", low=1)
        column = state.items.index(item)
        factors = state.model.user_factors
        item_factor = state.model.item_factors[column]
        holders = np.zeros(0, dtype=np.int64)
        if state.user_items is not None:
            matrix = state.user_items
            positions = np.flatnonzero(matrix.indices == column)
            holders = np.searchsorted(matrix.indptr, positions, side="right") - 1
        if eligible is None:
            scores = factors @ item_factor
            allowed = np.ones(factors.shape[0], dtype=bool)
            allowed[holders] = False
            candidates = np.flatnonzero(allowed)
            scores = scores[candidates]
        else:
            candidates = state.users.lookup(eligible, "eligible")
            candidates = np.unique(candidates[candidates >= 0])
            candidates = candidates[~np.isin(candidates, holders)]
            scores = factors[candidates] @ item_factor
        if candidates.size == 0:
            return []
        k = min(n, candidates.size)
        top = np.argpartition(-scores, k - 1)[:k] if k < candidates.size else np.arange(k)
        top = top[np.lexsort((candidates[top], -scores[top]))]
        return list(zip(state.users.ids_at(candidates[top]), scores[top].tolist(), strict=True))

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
        state = self._state()
        column = state.items.index(item)
        if state.user_items is None:
            return []
        matrix = state.user_items
        positions = np.flatnonzero(matrix.indices == column)
        rows = np.searchsorted(matrix.indptr, positions, side="right") - 1
        return state.users.ids_at(np.unique(rows))

    def _unit_item_factors(self, state: _Fitted) -> npt.NDArray[np.float64]:
        cached = self._unit_items
        if cached is not None and cached[0] is state:
            return cached[1]
        factors = np.asarray(state.model.item_factors, dtype=np.float64)
        norms = np.linalg.norm(factors, axis=1)
        # float64 so that a user's scores do not depend on the batch it came in
        # (BLAS sums a single row and a block in different orders at float32).
        unit = factors / np.where(norms > 0, norms, 1.0)[:, None]
        self._unit_items = (state, unit)
        return unit

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
            means the user's own history in the model.
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
        blend = _check_float(blend, "blend", positive=False)
        if blend > 1:
            raise InvalidInputError(f"blend: expected a number in [0, 1], got {blend}")
        names = as_id_list(users, "users")
        if histories is not None and len(histories) != len(names):
            raise InvalidInputError(
                f"histories: expected one entry per user ({len(names)}), got {len(histories)}"
            )
        rows = state.users.lookup(names, "users")
        unit_items = self._unit_item_factors(state)
        user_factors = np.asarray(state.model.user_factors, dtype=np.float32)
        out: list[list[tuple[Hashable, float]] | None] = []
        chunk = 512
        for start in range(0, len(names), chunk):
            block = range(start, min(start + chunk, len(names)))
            queries = np.zeros((len(block), unit_items.shape[1]), dtype=np.float64)
            excluded: list[IntArray] = []
            known = np.zeros(len(block), dtype=bool)
            for k, i in enumerate(block):
                row = int(rows[i])
                seen = (
                    state.user_items.indices[
                        state.user_items.indptr[row] : state.user_items.indptr[row + 1]
                    ]
                    if row >= 0 and state.user_items is not None
                    else np.zeros(0, dtype=np.int32)
                )
                wanted = None if histories is None else histories[i]
                if wanted is None:
                    history = seen.astype(np.int64)
                else:
                    history = state.items.lookup(list(wanted), f"histories[{i}]")
                    history = history[history >= 0]
                parts = []
                if row >= 0:
                    parts.append((1.0 - blend, _unit(user_factors[row])))
                if history.size:
                    parts.append((blend, _unit(unit_items[history].mean(axis=0))))
                if not parts:
                    excluded.append(history)
                    continue
                known[k] = True
                total = sum(weight for weight, _ in parts) or 1.0
                queries[k] = sum(weight * vector for weight, vector in parts) / total
                excluded.append(np.union1d(seen, history).astype(np.int64))
            scores = queries @ unit_items.T
            for k in range(len(block)):
                scores[k, excluded[k]] = -np.inf
            top, top_scores = _top_rows(scores, n)
            for k in range(len(block)):
                if not known[k]:
                    out.append(None)
                    continue
                keep = np.isfinite(top_scores[k])
                out.append(
                    list(
                        zip(
                            state.items.ids_at(top[k][keep]),
                            top_scores[k][keep].astype(np.float32).astype(float).tolist(),
                            strict=True,
                        )
                    )
                )
        return out

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
        n = check_int(n, "n", low=1)
        order = np.lexsort((np.arange(state.popularity.size), -state.popularity))[:n]
        return list(zip(state.items.ids_at(order), state.popularity[order].tolist(), strict=True))

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
        data = Interactions.from_triples(users, items, weights)
        columns = state.items.indices(data.item_ids, "items")
        if state.user_items is None:
            raise InvalidInputError(
                "update_users: needs the interactions; pass interactions= to from_factors()"
            )
        users_index = IdIndex(state.users.ids(), kind="user")
        rows = users_index.add_many(data.user_ids, "users")
        n_users = len(users_index)
        delta = data.matrix.tocoo()
        delta = sp.csr_matrix(
            (delta.data, (rows[delta.row], columns[delta.col])),
            shape=(n_users, len(state.items)),
        )
        old = state.user_items
        grown = sp.csr_matrix(
            (
                old.data,
                old.indices,
                np.concatenate([old.indptr, np.full(n_users - old.shape[0], old.indptr[-1])]),
            ),
            shape=(n_users, old.shape[1]),
        )
        merged = _canonical(grown + delta)
        history = self._weighted_rows(state, merged, rows)
        model = state.model
        with threadpool_limits(limits=1, user_api="blas"):
            new_factors = model.recalculate_user(rows, history)
        factors = model.user_factors
        if n_users > factors.shape[0]:
            factors = np.concatenate(
                [factors, np.zeros((n_users - factors.shape[0], factors.shape[1]), factors.dtype)]
            )
        else:
            factors = factors.copy()
        factors[rows] = new_factors
        self._install(
            _model_params(model, self),
            users_index,
            state.items,
            factors,
            model.item_factors,
            merged,
            None,
            state.item_length_norm,
        )
        return self

    def _weighted_rows(self, state: _Fitted, raw: sp.csr_matrix, rows: IntArray) -> sp.csr_matrix:
        weighted: sp.csr_matrix = _weigh(
            raw[rows], self.weighting, len(state.items), state.item_length_norm
        )
        return weighted

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
        matrix = state.user_items
        return {
            "schema": STATE_SCHEMA,
            "params": {
                "factors": self.factors,
                "regularization": self.regularization,
                "alpha": self.alpha,
                "iterations": self.iterations,
                "weighting": self.weighting,
                "num_threads": self.num_threads,
                "random_state": random_state,
                "show_progress": self.show_progress is True,
            },
            "user_ids": state.users.ids(),
            "item_ids": state.items.ids(),
            "user_factors": state.model.user_factors.copy(),
            "item_factors": state.model.item_factors.copy(),
            "user_items": None
            if matrix is None
            else {
                "data": matrix.data.copy(),
                "indices": matrix.indices.copy(),
                "indptr": matrix.indptr.copy(),
            },
            "popularity": state.popularity.copy(),
            "item_length_norm": None
            if state.item_length_norm is None
            else state.item_length_norm.copy(),
        }

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
        if not isinstance(state, dict):
            raise InvalidInputError(f"state: expected a dict, got {type(state).__name__}")
        schema = state.get("schema")
        if not isinstance(schema, int) or isinstance(schema, bool) or schema != STATE_SCHEMA:
            raise InvalidInputError(f"schema: expected {STATE_SCHEMA}, got {state.get('schema')!r}")
        params = _field(state, "params", dict)
        known = {
            "factors",
            "regularization",
            "alpha",
            "iterations",
            "weighting",
            "num_threads",
            "random_state",
            "show_progress",
        }
        if set(params) != known:
            raise InvalidInputError(
                f"params: expected the keys {sorted(known)}, got {sorted(map(str, params))}"
            )
        model = cls(**params)
        try:
            checked = model._check_params()
        except InvalidInputError as error:
            raise InvalidInputError(f"params.{error}") from None
        users = _distinct_index(_field(state, "user_ids", list), "user_ids", "user")
        items = _distinct_index(_field(state, "item_ids", list), "item_ids", "item")
        user_factors = _factor_matrix(
            _field(state, "user_factors", np.ndarray), "user_factors", len(users)
        )
        item_factors = _factor_matrix(
            _field(state, "item_factors", np.ndarray), "item_factors", len(items)
        )
        if user_factors.shape[1] != item_factors.shape[1]:
            raise InvalidInputError("item_factors: expected as many columns as user_factors")
        popularity = _vector(_field(state, "popularity", np.ndarray), "popularity", len(items))
        raw_norm = state.get("item_length_norm")
        length_norm = (
            None if raw_norm is None else _vector(raw_norm, "item_length_norm", len(items))
        )
        user_items = _matrix_from_state(state.get("user_items"), len(users), len(items))
        model._install(
            checked, users, items, user_factors, item_factors, user_items, popularity, length_norm
        )
        return model


# ---------------------------------------------------------------------- helpers


def _model_params(model: Any, owner: Recommender) -> dict[str, Any]:
    return {
        "factors": int(model.factors),
        "regularization": float(model.regularization),
        "alpha": float(model.alpha),
        "iterations": int(model.iterations),
        "num_threads": int(model.num_threads),
        "random_state": owner._check_params()["random_state"],
    }


def _object_array(ids: Sequence[Hashable]) -> npt.NDArray[np.object_]:
    array = np.empty(len(ids), dtype=object)
    array[:] = list(ids)
    return array


def _popularity(matrix: sp.csr_matrix) -> FloatArray:
    return np.bincount(matrix.indices, minlength=matrix.shape[1]).astype(np.float32)


def _restrict_columns(matrix: sp.csr_matrix, columns: IntArray) -> sp.csr_matrix:
    """The columns ``columns`` (sorted, distinct) of ``matrix``, renumbered from 0."""
    restricted: sp.csr_matrix = sp.csr_matrix(matrix[:, columns])
    return restricted


def _pairs(
    index: IdIndex, ids: npt.NDArray[Any], scores: npt.NDArray[Any], *, skip: int, n: int
) -> list[tuple[Hashable, float]]:
    keep = (ids != skip) & (scores > _FILTERED)
    chosen = ids[keep][:n]
    return list(zip(index.ids_at(chosen), scores[keep][:n].tolist(), strict=True))


def _graph_view(state: _Fitted, graph: FriendGraph) -> tuple[sp.csr_matrix, IdIndex, sp.csr_matrix]:
    """The graph's binary adjacency, its id index, and its graph-row -> model-row map."""
    adjacency, graph_ids = graph.adjacency()
    binary = sp.csr_matrix(adjacency, dtype=np.float32, copy=True)
    binary.eliminate_zeros()
    binary.data[:] = 1.0
    graph_index = IdIndex(graph_ids, kind="user")
    if binary.shape != (len(graph_index), len(graph_index)):
        raise InvalidInputError(
            f"friends.adjacency(): expected a square matrix over {len(graph_index)} ids, "
            f"got shape {binary.shape}"
        )
    model_rows = state.users.lookup(graph_index.ids(), "friends.adjacency() ids")
    usable = model_rows >= 0
    to_model = sp.csr_matrix(
        (
            np.ones(int(usable.sum()), dtype=np.float32),
            (np.flatnonzero(usable), model_rows[usable]),
        ),
        shape=(len(graph_index), len(state.users)),
    )
    return binary, graph_index, to_model


def _picker(graph_index: IdIndex, user_list: list[Hashable], positions: IntArray) -> sp.csr_matrix:
    graph_rows = graph_index.lookup([user_list[p] for p in positions.tolist()])
    present = graph_rows >= 0
    return sp.csr_matrix(
        (
            np.ones(int(present.sum()), dtype=np.float32),
            (positions[present], graph_rows[present]),
        ),
        shape=(len(user_list), len(graph_index)),
    )


def _safe_friends(graph: FriendGraph, user: Hashable) -> list[Hashable]:
    try:
        return list(graph.friends(user))
    except KeyError:
        return []


def _rows_to_matrix(
    state: _Fitted, count: int, entries: list[tuple[int, list[Hashable], list[float]]]
) -> sp.csr_matrix:
    """A count x model-users matrix from (row, ids, weights) triples; unknown ids dropped."""
    rows: list[IntArray] = []
    columns: list[IntArray] = []
    values: list[npt.NDArray[np.float32]] = []
    for position, ids, weights in entries:
        found = state.users.lookup(ids, "friends")
        keep = found >= 0
        rows.append(np.full(int(keep.sum()), position, dtype=np.int64))
        columns.append(found[keep])
        values.append(np.asarray(weights, dtype=np.float32)[keep])
    if not rows:
        return sp.csr_matrix((count, len(state.users)), dtype=np.float32)
    matrix = sp.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))),
        shape=(count, len(state.users)),
    )
    matrix.sum_duplicates()
    return matrix


def _friend_matrix(
    state: _Fitted,
    graph: FriendGraph,
    user_list: list[Hashable],
    need: npt.NDArray[np.bool_],
) -> sp.csr_matrix:
    """Binary users x model-users matrix: row ``r`` marks the known friends of ``user_list[r]``.

    Only rows in ``need`` are filled. Few users go through ``graph.friends``; many
    through one ``graph.adjacency()`` and two sparse products.
    """
    positions = np.flatnonzero(need)
    if positions.size > _ADJACENCY_FROM:
        binary, graph_index, to_model = _graph_view(state, graph)
        matrix = sp.csr_matrix(_picker(graph_index, user_list, positions) @ binary @ to_model)
    else:
        entries = []
        for position in positions.tolist():
            friend_ids = _safe_friends(graph, user_list[position])
            entries.append((position, friend_ids, [1.0] * len(friend_ids)))
        matrix = _rows_to_matrix(state, len(user_list), entries)
    matrix.eliminate_zeros()
    matrix.data[:] = 1.0
    return matrix


def _friends_of_friends(
    state: _Fitted,
    graph: FriendGraph,
    user_list: list[Hashable],
    positions: IntArray,
) -> sp.csr_matrix:
    """Users x model-users weights of the friends of friends (Adamic-Adar).

    A friend of a friend ``w`` of user ``u`` weighs the sum over their common
    friends ``f`` of ``1 / log(degree(f))``: a friend with few friends says more.
    ``u`` itself and ``u``'s direct friends are left out.
    """
    count = len(user_list)
    if positions.size > _ADJACENCY_FROM:
        binary, graph_index, to_model = _graph_view(state, graph)
        picker = _picker(graph_index, user_list, positions)
        degree = np.diff(binary.indptr).astype(np.float64)
        inverse = (1.0 / np.log(np.maximum(degree, 2.0))).astype(np.float32)
        direct = sp.csr_matrix(picker @ binary)
        second = sp.csr_matrix(direct @ sp.diags(inverse) @ binary)
        second = second - second.multiply(direct) - second.multiply(picker)
        matrix = sp.csr_matrix(second @ to_model)
    else:
        entries = []
        for position in positions.tolist():
            user = user_list[position]
            friend_ids = _safe_friends(graph, user)
            direct_set = set(friend_ids)
            weights: dict[Hashable, float] = {}
            for friend in direct_set:
                others = _safe_friends(graph, friend)
                share = 1.0 / float(np.log(max(len(others), 2)))
                for other in others:
                    if other != user and other not in direct_set:
                        weights[other] = weights.get(other, 0.0) + share
            entries.append((position, list(weights), list(weights.values())))
        matrix = _rows_to_matrix(state, count, entries)
    matrix.eliminate_zeros()
    return matrix


def _blend(
    state: _Fitted, vectors: FloatArray, friend_rows: sp.csr_matrix, weight: float
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """``(1 - weight)`` of each user's factors plus ``weight`` of their friends' mean."""
    counts = np.diff(friend_rows.indptr)
    blended = counts > 0
    if not blended.any():
        return vectors, blended
    mean = np.asarray(friend_rows @ state.model.user_factors) / np.maximum(counts, 1)[:, None]
    mixed = np.where(blended[:, None], (1.0 - weight) * vectors + weight * mean, vectors)
    return mixed.astype(np.float32), blended


def _row_max_scaled(scores: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    scale = np.abs(scores).max(axis=1, keepdims=True)
    scores /= np.maximum(scale, np.float32(1e-12))
    return scores


def _cold_top(
    state: _Fitted,
    friend_rows: sp.csr_matrix,
    second_rows: sp.csr_matrix,
    k: int,
    candidates: IntArray | None,
    excluded: IntArray | None,
) -> tuple[IntArray, FloatArray]:
    """Top items for users with no history, from their friends.

    Three signals, each scaled to at most 1 per user, are added: the friends'
    summed factors times the item factors (the strongest alone), the same for the
    friends of friends weighted by Adamic-Adar, and the friends' own log-damped
    listens of the item (what the low-rank factors smooth away). The weights were
    chosen on Last.fm 2K over three seeds and three hidden shares, where the mix
    beat the plain sum of the friends' factors in all nine runs (see
    ``benchmarks/bench_recommend.py``).
    """
    factors = state.model.user_factors
    item_factors = state.model.item_factors
    listens = None
    if state.user_items is not None:
        matrix = state.user_items
        listens = sp.csr_matrix(
            (np.log1p(matrix.data), matrix.indices, matrix.indptr), shape=matrix.shape
        )
    out_ids = np.zeros((friend_rows.shape[0], k), dtype=np.int64)
    out_scores = np.zeros((friend_rows.shape[0], k), dtype=np.float32)
    chunk = 256
    for start in range(0, friend_rows.shape[0], chunk):
        part = friend_rows[start : start + chunk]
        scores = _row_max_scaled(np.asarray(part @ factors, dtype=np.float32) @ item_factors.T)
        second = np.asarray(second_rows[start : start + chunk] @ factors, dtype=np.float32)
        scores += _COLD_SECOND_WEIGHT * _row_max_scaled(second @ item_factors.T)
        if listens is not None:
            heard = np.asarray((part @ listens).todense(), dtype=np.float32)
            scores += _COLD_LISTENS_WEIGHT * _row_max_scaled(heard)
        ids, top = _dense_top(scores, k, candidates, excluded)
        out_ids[start : start + chunk] = ids
        out_scores[start : start + chunk] = top
    return out_ids, out_scores


def _popular_top(
    state: _Fitted, k: int, candidates: IntArray | None, excluded: IntArray | None
) -> tuple[IntArray, FloatArray]:
    """The ``k`` most popular allowed items (ties: first seen first), as a 1-row result."""
    order = np.lexsort((np.arange(state.popularity.size), -state.popularity))
    if candidates is not None:
        order = order[np.isin(order, candidates)]
    if excluded is not None and excluded.size:
        order = order[~np.isin(order, excluded)]
    chosen = order[:k]
    ids = np.zeros((1, k), dtype=np.int64)
    scores = np.full((1, k), -np.inf, dtype=np.float32)
    ids[0, : chosen.size] = chosen
    scores[0, : chosen.size] = state.popularity[chosen]
    return ids, scores


def _dense_top(
    scores: npt.NDArray[np.float32],
    k: int,
    candidates: IntArray | None,
    excluded: IntArray | None,
) -> tuple[IntArray, FloatArray]:
    """Best ``k`` columns of each row of a dense score matrix (modified in place)."""
    if excluded is not None and excluded.size:
        scores[:, excluded] = -np.inf
    if candidates is not None:
        scores = scores[:, candidates]
    if k < scores.shape[1]:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        part = np.tile(np.arange(scores.shape[1]), (scores.shape[0], 1))
    picked = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-picked, axis=1, kind="stable")
    ids = np.take_along_axis(part, order, axis=1).astype(np.int64)
    top = np.take_along_axis(picked, order, axis=1).astype(np.float32)
    if candidates is not None:
        ids = candidates[ids]
    ids[~np.isfinite(top)] = 0
    return ids, top


def _id_sequence(ids: Any, field: str) -> Sequence[Hashable] | npt.NDArray[Any]:
    """``ids`` as a list, or as the 1-d numpy array it is when it has a plain dtype."""
    if isinstance(ids, np.ndarray) and ids.dtype.kind in "iuU" and ids.ndim == 1:
        return ids
    return as_id_list(ids, field)


def _dense_ids(
    original: Any, ids: Sequence[Hashable] | npt.NDArray[Any], field: str, kind: str
) -> tuple[list[Hashable], IntArray]:
    """Distinct ids in order of first appearance, and the position of each row's id.

    A numpy array of ints or strings is mapped with ``np.unique`` (no Python object
    per row, which matters at ten million rows); anything else through ``IdIndex``.
    """
    if isinstance(ids, np.ndarray):
        distinct, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rank = np.empty(order.size, dtype=np.int64)
        rank[order] = np.arange(order.size)
        distinct_ids: list[Hashable] = distinct[order].tolist()
        return distinct_ids, rank[inverse.ravel()]
    index = IdIndex(kind=kind)
    positions = index.add_many(ids, field)
    return index.ids(), positions


def _distinct_index(ids: Any, field: str, kind: str) -> IdIndex:
    items = as_id_list(ids, field)
    index = IdIndex(kind=kind)
    index.add_many(items, field)
    if len(index) != len(items):
        raise InvalidInputError(f"{field}: expected distinct ids, got duplicates")
    if not items:
        raise InvalidInputError(f"{field}: expected at least one id, got none")
    return index


def _factor_matrix(values: Any, field: str, rows: int) -> FloatArray:
    try:
        matrix = np.array(values, dtype=np.float32)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{field}: expected a 2-d array of numbers") from None
    if matrix.ndim != 2 or matrix.shape[0] != rows or matrix.shape[1] == 0:
        raise InvalidInputError(
            f"{field}: expected shape ({rows}, k) with k >= 1, got {matrix.shape}"
        )
    if not np.isfinite(matrix).all():
        raise InvalidInputError(f"{field}: expected finite numbers, got NaN or inf")
    return np.ascontiguousarray(matrix)


def _vector(values: Any, field: str, size: int) -> FloatArray:
    if not isinstance(values, np.ndarray):
        raise InvalidInputError(f"{field}: expected a numpy array, got {type(values).__name__}")
    try:
        vector = np.array(values, dtype=np.float32)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{field}: expected numbers") from None
    if vector.shape != (size,) or not np.isfinite(vector).all():
        raise InvalidInputError(
            f"{field}: expected {size} finite numbers, got shape {vector.shape}"
        )
    return vector


def _field(state: dict[Any, Any], name: str, kind: type) -> Any:
    if name not in state:
        raise InvalidInputError(f"{name}: missing from state")
    value = state[name]
    if not isinstance(value, kind):
        raise InvalidInputError(f"{name}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _matrix_from_state(value: object, n_users: int, n_items: int) -> sp.csr_matrix | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"data", "indices", "indptr"}:
        raise InvalidInputError("user_items: expected None or a dict of data, indices, indptr")
    parts = {}
    for key in ("data", "indices", "indptr"):
        part = value[key]
        if not isinstance(part, np.ndarray) or part.ndim != 1:
            raise InvalidInputError(f"user_items.{key}: expected a 1-d numpy array")
        parts[key] = part
    data = parts["data"]
    if not np.issubdtype(data.dtype, np.number):
        raise InvalidInputError("user_items.data: expected numbers")
    _check_weights(data.astype(np.float64), "user_items.data", None)
    indices, indptr = parts["indices"], parts["indptr"]
    if not (np.issubdtype(indices.dtype, np.integer) and np.issubdtype(indptr.dtype, np.integer)):
        raise InvalidInputError("user_items.indices, indptr: expected integer arrays")
    if (
        indptr.shape != (n_users + 1,)
        or indptr[0] != 0
        or indptr[-1] != data.size
        or indices.size != data.size
        or (np.diff(indptr) < 0).any()
        or (indices.size and (indices.min() < 0 or indices.max() >= n_items))
    ):
        raise InvalidInputError(
            f"user_items: not a valid CSR structure for {n_users} users x {n_items} items"
        )
    matrix = sp.csr_matrix(
        (data.astype(np.float32), indices.astype(np.int32), indptr.astype(np.int32)),
        shape=(n_users, n_items),
    )
    return _canonical(matrix)


def _align(data: Interactions, users: IdIndex, items: IdIndex) -> sp.csr_matrix:
    """``data``'s matrix renumbered to the rows of ``users`` and columns of ``items``."""
    rows = users.indices(data.user_ids, "interactions.user_ids")
    columns = items.indices(data.item_ids, "interactions.item_ids")
    coo = data.matrix.tocoo()
    return _canonical(
        sp.csr_matrix((coo.data, (rows[coo.row], columns[coo.col])), shape=(len(users), len(items)))
    )
