"""Ranking metrics and splits for judging a recommender offline.

Every metric takes what was recommended and what was relevant, both keyed by
user, and averages over the users that have something relevant:

- ``precision_at_k``: hits / K. Note that implicit's own ``precision_at_k``
  divides by ``min(K, |relevant|)`` instead, which reads higher for users with
  fewer than K relevant items; the two agree when every user has at least K.
- ``recall_at_k``: hits / |relevant|.
- ``ndcg_at_k``: binary-relevance DCG over the ideal DCG of ``min(K, |relevant|)`` hits.
- ``map_at_k``: mean over users of the average precision at each hit, divided
  by ``min(K, |relevant|)``.
- ``coverage``: the share of the catalogue that appears in some list.

``train_test_split`` holds out a share (or ``leave_out`` items) of each user's
interactions; ``hide_users`` holds out whole users for cold-start studies.
``evaluate`` runs a model on the held-out users and returns an
:class:`EvaluationReport`; :class:`PopularityBaseline` is the bar to clear.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import attrs
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from ._checks import check_bool, check_int, generator
from ._display import short
from ._frames import frame, html_table
from ._ids import as_id_list, check_id
from ._types import BoolArray, Float64Array, Int64Array
from .errors import InvalidInputError, NotFittedError
from .recommend import Interactions, RecommendationBatch, Source
from .recommend._ranking import map_of as _map
from .recommend._ranking import ndcg_of as _ndcg
from .recommend._ranking import precision_of as _precision
from .recommend._ranking import recall_of as _recall
from .recommend._split import split_interactions

if TYPE_CHECKING:
    import pandas

__all__ = [
    "EvaluationReport",
    "PopularityBaseline",
    "coverage",
    "evaluate",
    "hide_users",
    "map_at_k",
    "ndcg_at_k",
    "precision_at_k",
    "recall_at_k",
    "relevant_items",
    "train_test_split",
]

Recommended = Mapping[Hashable, Sequence[Hashable]]
Relevant = Mapping[Hashable, Collection[Hashable]]


class _BatchRecommender(Protocol):
    def recommend_many(
        self, users: Sequence[Hashable], *, n: int = 10, exclude_seen: bool = True
    ) -> RecommendationBatch: ...

    @property
    def item_ids_(self) -> list[Hashable]: ...


_MAX_K = 2**31 - 1


def _check_k(k: object) -> int:
    return check_int(k, "k", low=1, high=_MAX_K)


def _interactions_of(
    interactions: Interactions | Sequence[Hashable] | npt.NDArray[Any],
    items: Sequence[Hashable] | npt.NDArray[Any] | None,
    weights: Sequence[float] | npt.NDArray[Any] | None,
) -> Interactions:
    """What ``Recommender.fit`` takes: an ``Interactions`` value, or users, items and weights."""
    if isinstance(interactions, Interactions):
        if items is not None or weights is not None:
            raise InvalidInputError(
                "items, weights: expected None when passing an Interactions value"
            )
        return interactions
    if items is None:
        raise InvalidInputError(
            f"interactions: expected Interactions, or user ids with items, "
            f"got {type(interactions).__name__} without items"
        )
    return Interactions.from_triples(interactions, items, weights)


def _check_interactions(value: object, field: str) -> Interactions:
    if not isinstance(value, Interactions):
        raise InvalidInputError(f"{field}: expected Interactions, got {type(value).__name__}")
    return value


def _items_of(value: object, field: str) -> list[Hashable]:
    """One user's items as a list of ids; a str is refused, not split into letters."""
    items = as_id_list(value, field)  # type: ignore[arg-type]
    try:
        frozenset(items)
    except TypeError:
        raise InvalidInputError(f"{field}: expected hashable items") from None
    return items


def train_test_split(
    interactions: Interactions | Sequence[Hashable] | npt.NDArray[Any],
    items: Sequence[Hashable] | npt.NDArray[Any] | None = None,
    weights: Sequence[float] | npt.NDArray[Any] | None = None,
    *,
    test_fraction: float = 0.2,
    leave_out: int | None = None,
    random_state: int | np.random.Generator | None = None,
) -> tuple[Interactions, Interactions]:
    """Hold out part of each user's interactions, at random but reproducibly.

    Each user keeps at least one interaction in the training set, so every test
    user is known to a model fitted on ``train``. Both halves keep all the ids
    (a user or item may have an empty row or column in one of them).

    Parameters
    ----------
    interactions : Interactions or sequence of hashable
        Everything observed: what ``Recommender.fit`` takes, an :class:`Interactions`
        value or the user of each interaction (then with ``items`` and ``weights``).
    items : sequence of hashable, optional
        The item of each interaction, with ``interactions`` as user ids.
    weights : sequence of float, optional
        How much of each interaction; 1 when omitted.
    test_fraction : float, default 0.2
        Share of each user's interactions to hold out (rounded, at most all but one).
    leave_out : int, optional
        Hold out exactly this many per user instead (leave-k-out); users with
        ``leave_out`` interactions or fewer stay whole in ``train``.
    random_state : int, numpy.random.Generator or None
        Seed; the same seed gives the same split.

    Returns
    -------
    (Interactions, Interactions)
        ``train`` and ``test``.

    Examples
    --------
    >>> from community_marketing.recommend import Interactions
    >>> data = Interactions.from_triples(["a"] * 5 + ["b"] * 2, list("vwxyz") + ["v", "w"])
    >>> train, test = train_test_split(data, leave_out=1, random_state=0)
    >>> train.nnz, test.nnz
    (5, 2)
    >>> sorted(test.items_of("a")) == sorted(set(data.items_of("a")) - set(train.items_of("a")))
    True
    >>> train, test = train_test_split(["a", "a", "b"], ["v", "w", "v"], [3, 1, 2], leave_out=1)
    >>> train.nnz, test.nnz
    (2, 1)
    """
    interactions = _interactions_of(interactions, items, weights)
    rng = generator(random_state)
    if leave_out is None:
        if (
            not isinstance(test_fraction, (int, float))
            or isinstance(test_fraction, bool)
            or not 0 < test_fraction < 1
        ):
            raise InvalidInputError(
                f"test_fraction: expected a number strictly between 0 and 1, got {test_fraction!r}"
            )
    else:
        leave_out = check_int(leave_out, "leave_out", low=1)
    fraction = 0.0 if leave_out is not None else float(test_fraction)
    return split_interactions(interactions, fraction, leave_out, rng)


def hide_users(
    interactions: Interactions | Sequence[Hashable] | npt.NDArray[Any],
    items: Sequence[Hashable] | npt.NDArray[Any] | None = None,
    weights: Sequence[float] | npt.NDArray[Any] | None = None,
    *,
    fraction: float = 0.2,
    random_state: int | np.random.Generator | None = None,
) -> tuple[Interactions, Interactions]:
    """Hold out whole users: the cold-start protocol.

    Parameters
    ----------
    interactions : Interactions or sequence of hashable
        Everything observed: an :class:`Interactions` value, or the user of each
        interaction (with ``items`` and ``weights``), as ``Recommender.fit`` takes.
    items, weights : sequences, optional
        The item and the weight of each interaction.
    fraction : float, default 0.2
        Share of the users to hide.
    random_state : int, numpy.random.Generator or None
        Seed.

    Returns
    -------
    (Interactions, Interactions)
        ``train`` without the hidden users at all, and ``test`` with only the
        hidden users and their full history (the truth to find).

    Examples
    --------
    >>> from community_marketing.recommend import Interactions
    >>> data = Interactions.from_triples(list("abcde"), list("vwxyz"))
    >>> train, test = hide_users(data, fraction=0.4, random_state=1)
    >>> train.n_users, test.n_users, set(train.user_ids) & set(test.user_ids)
    (3, 2, set())
    """
    interactions = _interactions_of(interactions, items, weights)
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        raise InvalidInputError(
            f"fraction: expected a number strictly between 0 and 1, got {fraction!r}"
        )
    rng = generator(random_state)
    n_users = interactions.n_users
    hidden_count = min(max(round(n_users * fraction), 1), n_users - 1)
    hidden = np.zeros(n_users, dtype=bool)
    hidden[rng.choice(n_users, size=hidden_count, replace=False)] = True

    def rows(mask: BoolArray) -> Interactions:
        positions = np.flatnonzero(mask)
        return Interactions.from_csr(
            interactions.matrix[positions],
            [interactions.user_ids[p] for p in positions.tolist()],
            interactions.item_ids,
        )

    return rows(~hidden), rows(hidden)


def _relevant_users(relevant: Relevant) -> list[Hashable]:
    if not isinstance(relevant, Mapping):
        raise InvalidInputError(
            f"relevant: expected a mapping of user -> items, got {type(relevant).__name__}"
        )
    users = []
    for user, items in relevant.items():
        if isinstance(items, (str, bytes)) or not isinstance(items, Collection):
            raise InvalidInputError(
                f"relevant[{user!r}]: expected a collection of items, got {type(items).__name__}"
            )
        if len(items) > 0:
            users.append(user)
    return users


def _hits(recommended: Recommended, relevant: Relevant, k: int) -> tuple[BoolArray, Int64Array]:
    """Boolean hits (users x k) and the number of relevant items of each user."""
    if not isinstance(recommended, Mapping):
        raise InvalidInputError(
            f"recommended: expected a mapping of user -> items, got {type(recommended).__name__}"
        )
    users = _relevant_users(relevant)
    truths = [set(_items_of(relevant[user], f"relevant[{user!r}]")) for user in users]
    lists = [_items_of(recommended.get(user, ()), f"recommended[{user!r}]")[:k] for user in users]
    # Columns past the longest list would be all misses: the metrics divide by k instead.
    width = max((len(ranked) for ranked in lists), default=0)
    hits = np.zeros((len(users), width), dtype=bool)
    sizes = np.array([len(truth) for truth in truths], dtype=np.int64)
    for row, (ranked, truth) in enumerate(zip(lists, truths, strict=True)):
        for position, item in enumerate(ranked):
            hits[row, position] = item in truth
    return hits, sizes


def precision_at_k(recommended: Recommended, relevant: Relevant, *, k: int = 10) -> float:
    """Mean over users of hits in the first ``k`` / ``k``.

    Parameters
    ----------
    recommended : mapping of user -> sequence of items
        Each user's ranked list (a missing user counts as an empty list).
    relevant : mapping of user -> collection of items
        What each user actually liked; users with nothing relevant are skipped.
    k : int, default 10
        Cut-off.

    Returns
    -------
    float

    Examples
    --------
    >>> precision_at_k({"a": ["x", "y"]}, {"a": {"x"}}, k=2)
    0.5
    """
    k = _check_k(k)
    hits, _ = _hits(recommended, relevant, k)
    return _precision(hits, k)


def recall_at_k(recommended: Recommended, relevant: Relevant, *, k: int = 10) -> float:
    """Mean over users of hits in the first ``k`` / number of relevant items.

    Examples
    --------
    >>> recall_at_k({"a": ["x", "y"]}, {"a": {"x", "z", "w", "v"}}, k=2)
    0.25
    """
    k = _check_k(k)
    hits, sizes = _hits(recommended, relevant, k)
    return _recall(hits, sizes)


def ndcg_at_k(recommended: Recommended, relevant: Relevant, *, k: int = 10) -> float:
    """Normalised discounted cumulative gain at ``k`` (binary relevance).

    Examples
    --------
    >>> ndcg_at_k({"a": ["x", "y"]}, {"a": {"x"}}, k=2)
    1.0
    >>> round(ndcg_at_k({"a": ["y", "x"]}, {"a": {"x"}}, k=2), 4)
    0.6309
    """
    k = _check_k(k)
    hits, sizes = _hits(recommended, relevant, k)
    return _ndcg(hits, sizes, k)


def map_at_k(recommended: Recommended, relevant: Relevant, *, k: int = 10) -> float:
    """Mean average precision at ``k``.

    Examples
    --------
    >>> map_at_k({"a": ["y", "x"]}, {"a": {"x"}}, k=2)
    0.5
    """
    k = _check_k(k)
    hits, sizes = _hits(recommended, relevant, k)
    return _map(hits, sizes, k)


def coverage(recommended: Recommended, catalogue_size: int) -> float:
    """The share of a catalogue of ``catalogue_size`` items that appears in some list.

    Examples
    --------
    >>> coverage({"a": ["x", "y"], "b": ["x"]}, 4)
    0.5
    """
    size = check_int(catalogue_size, "catalogue_size", low=1)
    if not isinstance(recommended, Mapping):
        raise InvalidInputError(
            f"recommended: expected a mapping of user -> items, got {type(recommended).__name__}"
        )
    distinct: set[Hashable] = set()
    for user, items in recommended.items():
        distinct.update(_items_of(items, f"recommended[{user!r}]"))
    return len(distinct) / size


@attrs.frozen
class EvaluationReport:
    """Ranking quality of one model on one split.

    Attributes
    ----------
    k : int
        Cut-off of every metric.
    users : int
        Number of users evaluated (those with held-out items).
    precision, recall, ndcg, map : float
        The metrics at ``k`` (see the module docstring for the definitions).
    coverage : float
        Share of the catalogue recommended to someone.

    Examples
    --------
    >>> report = EvaluationReport(k=10, users=2, precision=0.2, recall=0.3,
    ...                           ndcg=0.25, map=0.1, coverage=0.05)
    >>> report.precision
    0.2
    """

    k: int
    users: int
    precision: float
    recall: float
    ndcg: float
    map: float
    coverage: float

    def to_frame(self) -> pandas.DataFrame:
        """One row of metrics as a pandas DataFrame (needs pandas)."""
        return frame({name: [value] for name, value in attrs.asdict(self).items()})

    def _repr_html_(self) -> str:
        values = attrs.asdict(self)
        return html_table(
            f"Ranking quality at k={self.k}",
            list(values),
            [[f"{v:.4f}" if isinstance(v, float) else v for v in values.values()]],
        )


def relevant_items(test: Interactions) -> dict[Hashable, set[Hashable]]:
    """Each user's held-out items, for the metric functions.

    Examples
    --------
    >>> from community_marketing.recommend import Interactions
    >>> truth = relevant_items(Interactions.from_triples(["a", "a", "b"], ["x", "y", "x"]))
    >>> sorted(truth), sorted(truth["a"])
    (['a', 'b'], ['x', 'y'])
    """
    matrix = _check_interactions(test, "test").matrix
    out: dict[Hashable, set[Hashable]] = {}
    items = test.item_ids
    for row, user in enumerate(test.user_ids):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        if end > start:
            out[user] = {items[i] for i in matrix.indices[start:end].tolist()}
    return out


def evaluate(
    recommender: Any,
    train: Interactions,
    test: Interactions,
    *,
    k: int = 10,
    **options: Any,
) -> EvaluationReport:
    """Rank for every user with held-out items and measure the lists against them.

    Parameters
    ----------
    recommender : Recommender or PopularityBaseline
        Fitted on ``train`` (anything with ``recommend_many(users, n=...)``).
    train : Interactions
        What the model was fitted on; its items are not counted as hits
        (the model leaves them out with ``exclude_seen``).
    test : Interactions
        The held-out interactions; the truth.
    k : int, default 10
        Cut-off.
    **options
        Passed on to ``recommend_many`` (for example ``friends=`` and
        ``social_weight=``).

    Returns
    -------
    EvaluationReport

    Examples
    --------
    >>> from community_marketing.recommend import Interactions
    >>> train = Interactions.from_triples(["a", "b", "b"], ["x", "x", "y"])
    >>> test = Interactions.from_triples(["a"], ["y"])
    >>> report = evaluate(PopularityBaseline().fit(train), train, test, k=1)
    >>> report.precision, report.users
    (1.0, 1)
    """
    k = _check_k(k)
    if not callable(getattr(recommender, "recommend_many", None)):
        raise InvalidInputError(
            "recommender: expected a fitted model with recommend_many(), "
            f"got {type(recommender).__name__}"
        )
    if not isinstance(train, Interactions) or not isinstance(test, Interactions):
        raise InvalidInputError("train, test: expected Interactions values")
    relevant = relevant_items(test)
    users = list(relevant)
    if not users:
        raise InvalidInputError("test: expected some held-out interactions, got none")
    batch = recommender.recommend_many(users, n=k, **options)
    recommended = {rec.user: list(rec.items) for rec in batch}
    hits, sizes = _hits(recommended, relevant, k)
    return EvaluationReport(
        k=k,
        users=len(users),
        precision=_precision(hits, k),
        recall=_recall(hits, sizes),
        ndcg=_ndcg(hits, sizes, k),
        map=_map(hits, sizes, k),
        coverage=coverage(recommended, max(train.n_items, 1)),
    )


@attrs.define(eq=False)
class PopularityBaseline:
    """Recommend the most popular items (by number of users) to everyone.

    The bar any personalised model has to clear. Follows the same contract as
    ``Recommender`` (``fit`` returns ``self``, ``NotFittedError`` before fit).

    Examples
    --------
    >>> from community_marketing.recommend import Interactions
    >>> data = Interactions.from_triples(["a", "b", "b"], ["x", "x", "y"])
    >>> PopularityBaseline().fit(data).recommend_many(["a", "new"], n=1).items.tolist()
    [['y'], ['x']]
    """

    _items: tuple[Hashable, ...] | None = attrs.field(repr=short, default=None, init=False)
    _counts: Float64Array | None = attrs.field(repr=short, default=None, init=False)
    _seen: sp.csr_matrix | None = attrs.field(default=None, init=False)
    _users: dict[Hashable, int] = attrs.field(repr=short, factory=dict, init=False)

    def fit(self, interactions: Interactions) -> PopularityBaseline:
        """Count the users of each item; forget any earlier fit.

        Examples
        --------
        >>> from community_marketing.recommend import Interactions
        >>> model = PopularityBaseline()
        >>> model.fit(Interactions.from_triples(["a"], ["x"])) is model
        True
        """
        if not isinstance(interactions, Interactions):
            raise InvalidInputError(
                f"interactions: expected Interactions, got {type(interactions).__name__}"
            )
        matrix = interactions.matrix
        self._counts = np.bincount(matrix.indices, minlength=matrix.shape[1]).astype(np.float64)
        self._items = interactions.item_ids
        self._seen = matrix
        self._users = {user: row for row, user in enumerate(interactions.user_ids)}
        return self

    @property
    def item_ids_(self) -> list[Hashable]:
        """The items, in column order."""
        if self._items is None:
            raise NotFittedError("PopularityBaseline is not fitted: call fit() first")
        return list(self._items)

    def recommend_many(
        self,
        users: Sequence[Hashable] | npt.NDArray[Any],
        *,
        n: int = 10,
        exclude_seen: bool = True,
    ) -> RecommendationBatch:
        """The ``n`` most popular items each user does not have yet.

        Examples
        --------
        >>> from community_marketing.recommend import Interactions
        >>> model = PopularityBaseline().fit(Interactions.from_triples(["a", "b"], ["x", "x"]))
        >>> model.recommend_many(["a"], n=1).sources
        ('popularity',)
        """
        if self._counts is None or self._items is None or self._seen is None:
            raise NotFittedError("PopularityBaseline is not fitted: call fit() first")
        n = _check_k(n)
        exclude_seen = check_bool(exclude_seen, "exclude_seen")
        user_list = as_id_list(users, "users")
        counts = self._counts
        order = np.lexsort((np.arange(counts.size), -counts))
        width = min(n, counts.size)
        items = np.empty((len(user_list), width), dtype=object)
        scores = np.full((len(user_list), width), -np.inf, dtype=np.float32)
        item_array = np.empty(counts.size, dtype=object)
        item_array[:] = list(self._items)
        matrix = self._seen
        for position, user in enumerate(user_list):
            check_id(user, f"users[{position}]")
            row = self._users.get(user, -1) if exclude_seen else -1
            ranked = order
            if row >= 0:
                seen = matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]]
                ranked = order[~np.isin(order, seen)]
            chosen = ranked[:width]
            items[position, : chosen.size] = item_array[chosen]
            scores[position, : chosen.size] = counts[chosen]
        popularity: Source = "popularity"
        sources = (popularity,) * len(user_list)
        return RecommendationBatch(tuple(user_list), items, scores, sources)
