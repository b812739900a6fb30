"""The values a recommender answers with: frozen, comparable, picklable."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from typing import Any, Literal, overload

import attrs
import numpy as np
import numpy.typing as npt

from .._display import short
from .._frames import columns_html, frame, labelled
from .._types import Float32Array, ObjectArray

__all__ = [
    "Explanation",
    "RecommendationBatch",
    "Recommendations",
    "Source",
    "Weighting",
]

Source = Literal["als", "social", "friends", "popularity"]
"""Where a list of recommendations came from.

``"als"``: the user's own factors; ``"social"``: their factors blended with their
friends'; ``"friends"``: a cold user scored from their friends (their factors,
their friends' factors and their listens); ``"popularity"``: a cold user with no
known friends or friends of friends, given the most popular items.
"""

Weighting = Literal["log", "bm25", "tfidf"]


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
    items: tuple[Hashable, ...] = attrs.field(repr=short)
    scores: tuple[float, ...] = attrs.field(repr=short)
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

    def _repr_html_(self) -> str:
        return columns_html(f"Recommendations for {self.user}", self.to_columns())

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """One row per item: ``user``, ``rank`` (from 1), ``item``, ``score``.

        Examples
        --------
        >>> Recommendations("ann", ("tea", "jam"), (0.9, 0.5), "als").to_columns()["rank"]
        array([1, 2])
        """
        n = len(self.items)
        return {
            "user": np.full(n, self.user, dtype=object) if n else np.empty(0, object),
            "rank": np.arange(1, n + 1, dtype=np.int64),
            "item": np.fromiter(self.items, object, n),
            "score": np.array(self.scores, dtype=np.float64),
        }

    def to_frame(self, labels: Mapping[Hashable, object] | None = None) -> Any:
        """``to_columns`` as a pandas DataFrame (needs pandas); ``labels`` names the ids.

        Examples
        --------
        >>> recs = Recommendations("ann", ("tea",), (0.9,), "als")
        >>> recs.to_frame(labels={"tea": "Earl Grey"})["item_name"].tolist()
        ['Earl Grey']
        """
        return frame(labelled(self.to_columns(), labels))


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

    users: tuple[Hashable, ...] = attrs.field(repr=short)
    items: ObjectArray = attrs.field(repr=False)
    scores: Float32Array = attrs.field(repr=False)
    sources: tuple[Source, ...] = attrs.field(repr=short)

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

    def _repr_html_(self) -> str:
        return columns_html(f"Recommendations for {len(self.users)} users", self.to_columns())

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """One row per recommended item: ``user``, ``rank`` (from 1), ``item``, ``score``.

        Examples
        --------
        >>> import numpy as np
        >>> batch = RecommendationBatch(
        ...     ("ann", "bob"), np.array([["tea", "jam"], ["jam", None]], dtype=object),
        ...     np.array([[0.5, 0.2], [0.4, -np.inf]], dtype=np.float32), ("als", "als"))
        >>> batch.to_columns()["user"].tolist(), batch.to_columns()["rank"].tolist()
        (['ann', 'ann', 'bob'], [1, 2, 1])
        """
        keep = np.isfinite(self.scores)
        rows, ranks = np.nonzero(keep)
        users = np.fromiter(self.users, object, len(self.users))
        return {
            "user": users[rows],
            "rank": (ranks + 1).astype(np.int64),
            "item": self.items[keep],
            "score": self.scores[keep].astype(np.float64),
        }

    def to_frame(self, labels: Mapping[Hashable, object] | None = None) -> Any:
        """``to_columns`` as a pandas DataFrame (needs pandas); ``labels`` names the ids.

        Examples
        --------
        >>> import numpy as np
        >>> batch = RecommendationBatch(("ann",), np.array([["tea"]], dtype=object),
        ...     np.array([[0.5]], dtype=np.float32), ("als",))
        >>> batch.to_frame(labels={"tea": "Earl Grey"}).columns.tolist()
        ['user', 'user_name', 'rank', 'item', 'item_name', 'score']
        """
        return frame(labelled(self.to_columns(), labels))

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
    contributions: tuple[tuple[Hashable, float], ...] = attrs.field(repr=short)

    def _repr_html_(self) -> str:
        return columns_html(f"Why {self.item} for {self.user}", self.to_columns())

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """One row per contribution: ``user``, ``item``, ``because`` (the user's item), ``weight``.

        Examples
        --------
        >>> why = Explanation("ann", "jam", 0.8, (("tea", 0.6), ("scone", 0.2)))
        >>> why.to_columns()["because"].tolist()
        ['tea', 'scone']
        """
        n = len(self.contributions)
        return {
            "user": np.full(n, self.user, dtype=object) if n else np.empty(0, object),
            "item": np.full(n, self.item, dtype=object) if n else np.empty(0, object),
            "because": np.fromiter((c for c, _ in self.contributions), object, n),
            "weight": np.fromiter((w for _, w in self.contributions), np.float64, n),
        }

    def to_frame(self, labels: Mapping[Hashable, object] | None = None) -> Any:
        """``to_columns`` as a pandas DataFrame (needs pandas); ``labels`` names the ids.

        Examples
        --------
        >>> why = Explanation("ann", "jam", 0.8, (("tea", 0.6),))
        >>> why.to_frame()["weight"].tolist()
        [0.6]
        """
        return frame(labelled(self.to_columns(), labels))
