"""Answering from a fit: top-k for users, similar items and users, audiences, explanations.

Each function takes the ``Fitted`` state and arguments the face has already
checked; the warm path is one batched call into implicit's ``topk``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from implicit.cpu.topk import topk

from .._ids import IdIndex
from .._types import BoolArray, Float32Array, Float64Array, Int64Array
from ..errors import InvalidInputError, UnknownIdError
from ._fit import Fitted, als_guard, weighted_rows
from ._social import FriendGraph, blend, friend_matrix, friends_of_friends, top_from_friends
from ._values import Explanation, RecommendationBatch, Source

__all__ = [
    "audience_for",
    "explain",
    "holders_of",
    "popular",
    "recommend_many",
    "recommend_related",
    "similar_items",
    "similar_users",
]

_FILTERED = -np.finfo(np.float32).max
# recommend_related scores this many users per dense block of (users x items).
_RELATED_CHUNK = 512


def recommend_many(
    state: Fitted,
    user_list: list[Hashable],
    *,
    n: int,
    exclude_seen: bool,
    items: Iterable[Hashable] | None,
    exclude: Iterable[Hashable] | None,
    friends: FriendGraph | None,
    social_weight: float,
    cold_start: bool,
    num_threads: int,
) -> RecommendationBatch:
    """Top ``n`` per user: warm users from their factors, cold ones from friends or popularity.

    Short rows are padded with ``None`` items and ``-inf`` scores.
    """
    candidates, excluded = _item_filters(state, items, exclude)
    rows = state.users.lookup(user_list, "users")
    cold = rows < 0
    if cold.any() and friends is None and not cold_start:
        raise UnknownIdError("user", user_list[int(np.argmax(cold))])
    count = len(user_list)
    k = min(n, len(state.items) if candidates is None else candidates.size)
    out_ids = np.zeros((count, k), dtype=np.int64)
    out_scores = np.full((count, k), -np.inf, dtype=np.float32)
    sources: list[Source] = ["als"] * count
    friend_rows = None
    if friends is not None and (cold.any() or social_weight > 0):
        friend_rows = friend_matrix(state, friends, user_list, cold | (social_weight > 0))
    if not cold.all():
        positions = np.flatnonzero(~cold)
        warm_rows = rows[positions]
        vectors = state.model.user_factors[warm_rows]
        if friend_rows is not None and social_weight > 0:
            vectors, blended = blend(state, vectors, friend_rows[positions], social_weight)
            for position in positions[blended].tolist():
                sources[position] = "social"
        seen, warm_excluded = _seen_filters(state, warm_rows, exclude_seen, excluded)
        ids, scores = _topk(state, vectors, k, seen, candidates, warm_excluded, num_threads)
        out_ids[positions] = ids
        out_scores[positions] = scores
    if cold.any():
        positions = np.flatnonzero(cold)
        ids, scores, cold_sources = _cold_answers(
            state, friends, friend_rows, user_list, positions, k, candidates, excluded
        )
        out_ids[positions] = ids
        out_scores[positions] = scores
        for position, source in zip(positions.tolist(), cold_sources, strict=True):
            sources[position] = source
    missing = ~np.isfinite(out_scores)
    item_ids = state.item_id_array[out_ids]
    if missing.any():
        item_ids[missing] = None
    return RecommendationBatch(tuple(user_list), item_ids, out_scores, tuple(sources))


def _item_filters(
    state: Fitted, items: Iterable[Hashable] | None, exclude: Iterable[Hashable] | None
) -> tuple[Int64Array | None, Int64Array | None]:
    """The candidate columns (unknown ids raise) and the excluded ones (unknown ids ignored)."""
    candidates = None
    if items is not None:
        candidates = np.unique(state.items.indices(items, "items"))
        if candidates.size == 0:
            raise InvalidInputError("items: expected at least one candidate item, got none")
    excluded = None
    if exclude is not None:
        excluded = state.items.lookup(exclude, "exclude")
        excluded = np.unique(excluded[excluded >= 0])
    return candidates, excluded


def _seen_filters(
    state: Fitted, warm_rows: Int64Array, exclude_seen: bool, excluded: Int64Array | None
) -> tuple[sp.csr_matrix | None, Int64Array | None]:
    """What implicit filters for warm users: per-user seen rows, and the global exclusions."""
    if not exclude_seen or state.user_items is None:
        return None, excluded
    matrix = state.user_items
    if warm_rows.size == 1:
        # One user: the seen items join the global filter, no sparse slicing.
        row = int(warm_rows[0])
        history = matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]]
        return None, history if excluded is None else np.union1d(excluded, history)
    return matrix[warm_rows], excluded


def _topk(
    state: Fitted,
    vectors: Float32Array,
    k: int,
    seen: sp.csr_matrix | None,
    candidates: Int64Array | None,
    excluded: Int64Array | None,
    num_threads: int,
) -> tuple[Int64Array, Float32Array]:
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
        num_threads=num_threads if vectors.shape[0] > 1 else 1,
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


def _cold_answers(
    state: Fitted,
    friends: FriendGraph | None,
    friend_rows: sp.csr_matrix | None,
    user_list: list[Hashable],
    positions: Int64Array,
    k: int,
    candidates: Int64Array | None,
    excluded: Int64Array | None,
) -> tuple[Int64Array, Float32Array, list[Source]]:
    """Top items for the users at ``positions``, whom the model never saw.

    From their friends and friends of friends when any is known, else popularity.
    """
    with_friends = np.zeros(positions.size, dtype=bool)
    second_rows = None
    if friends is not None and friend_rows is not None:
        second_rows = friends_of_friends(state, friends, user_list, positions)
        with_friends = (np.diff(friend_rows[positions].indptr) > 0) | (
            np.diff(second_rows[positions].indptr) > 0
        )
    ids = np.zeros((positions.size, k), dtype=np.int64)
    scores = np.full((positions.size, k), -np.inf, dtype=np.float32)
    sources: list[Source] = ["popularity"] * positions.size
    social = positions[with_friends]
    if friend_rows is not None and second_rows is not None and social.size:
        ids[with_friends], scores[with_friends] = top_from_friends(
            state, friend_rows[social], second_rows[social], k, candidates, excluded
        )
        for index in np.flatnonzero(with_friends).tolist():
            sources[index] = "friends"
    if not with_friends.all():
        ids[~with_friends], scores[~with_friends] = _popular_top(state, k, candidates, excluded)
    return ids, scores, sources


def _popular_top(
    state: Fitted, k: int, candidates: Int64Array | None, excluded: Int64Array | None
) -> tuple[Int64Array, Float32Array]:
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


def _restrict_columns(matrix: sp.csr_matrix, columns: Int64Array) -> sp.csr_matrix:
    """The columns ``columns`` (sorted, distinct) of ``matrix``, renumbered from 0."""
    restricted: sp.csr_matrix = sp.csr_matrix(matrix[:, columns])
    return restricted


def similar_items(
    state: Fitted, item: Hashable, n: int, min_holders: int = 0
) -> list[tuple[Hashable, float]]:
    """The ``n`` items of most similar factors (cosine, implicit's), ``item`` left out.

    Items with fewer than ``min_holders`` holders go to implicit's ``filter_items``.
    """
    index = state.items.index(item)
    k = min(n + 1, len(state.items))
    filtered = None
    if min_holders > 0:
        if state.user_items is None:
            raise InvalidInputError(
                "min_holders: needs the interactions; pass interactions= to from_factors()"
            )
        holders = np.bincount(state.user_items.indices, minlength=len(state.items))
        filtered = np.flatnonzero(holders < min_holders).astype(np.int32)
        # No more slots than allowed items: a filtered slot's score is scaled by the norm
        # of the query and could pass for a real one.
        k = min(k, len(state.items) - filtered.size)
        if k == 0:
            return []
        if not filtered.size:
            filtered = None
    ids, scores = state.model.similar_items(index, N=k, filter_items=filtered)
    return _pairs(state.items, ids, scores, skip=index, n=n)


def similar_users(state: Fitted, user: Hashable, n: int) -> list[tuple[Hashable, float]]:
    """The ``n`` users of most similar factors (cosine, implicit's), ``user`` left out."""
    index = state.users.index(user)
    k = min(n + 1, len(state.users))
    ids, scores = state.model.similar_users(index, N=k)
    return _pairs(state.users, ids, scores, skip=index, n=n)


def _pairs(
    index: IdIndex, ids: npt.NDArray[Any], scores: npt.NDArray[Any], *, skip: int, n: int
) -> list[tuple[Hashable, float]]:
    keep = (ids != skip) & (scores > _FILTERED)
    chosen = ids[keep][:n]
    return list(zip(index.ids_at(chosen), scores[keep][:n].tolist(), strict=True))


def explain(
    state: Fitted, user: Hashable, item: Hashable, n: int, weighting: str | None
) -> Explanation:
    """implicit's ``explain`` over the user's weighted history, in the application's ids."""
    row = state.users.index(user)
    column = state.items.index(item)
    if state.user_items is None:
        raise InvalidInputError(
            "explain: needs the interactions; pass interactions= to from_factors()"
        )
    history = weighted_rows(state, state.user_items, np.array([row]), weighting)
    with als_guard("regularization"):
        total, contributions, _ = state.model.explain(0, history, column, N=n)
    return Explanation(
        user,
        item,
        float(total),
        tuple((state.items.id_at(int(i)), float(s)) for i, s in contributions),
    )


def audience_for(
    state: Fitted, item: Hashable, n: int, eligible: Iterable[Hashable] | None
) -> list[tuple[Hashable, float]]:
    """The ``n`` best-scoring users for ``item`` among those without it (and ``eligible``)."""
    if eligible is not None:
        return audience_among(state, item, n, eligible)[0]
    column = state.items.index(item)
    allowed = np.ones(state.model.user_factors.shape[0], dtype=bool)
    allowed[_holder_rows(state.user_items, column)] = False
    return _best(state, column, np.flatnonzero(allowed), n)


def audience_among(
    state: Fitted, item: Hashable, n: int, eligible: Iterable[Hashable]
) -> tuple[list[tuple[Hashable, float]], int, int]:
    """:func:`audience_for` among ``eligible``, with how many of them hold ``item`` already
    and how many the model does not know (each counted as often as given)."""
    column = state.items.index(item)
    rows = state.users.lookup(eligible, "eligible")
    known = rows[rows >= 0]
    holds = np.isin(known, _holder_rows(state.user_items, column))
    candidates = np.unique(known[~holds])
    best = _best(state, column, candidates, n)
    return best, int(np.count_nonzero(holds)), len(rows) - len(known)


def _best(
    state: Fitted, column: int, candidates: Int64Array, n: int
) -> list[tuple[Hashable, float]]:
    """The ``n`` best-scoring of the user rows ``candidates`` for item ``column``."""
    if candidates.size == 0:
        return []
    factors = state.model.user_factors
    item_factor = state.model.item_factors[column]
    # Scoring everyone reads the factors once in order; gathering many rows first copies them.
    if candidates.size * 4 >= factors.shape[0]:
        scores = (factors @ item_factor)[candidates]
    else:
        scores = factors[candidates] @ item_factor
    k = min(n, candidates.size)
    top = np.argpartition(-scores, k - 1)[:k] if k < candidates.size else np.arange(k)
    top = top[np.lexsort((candidates[top], -scores[top]))]
    return list(zip(state.users.ids_at(candidates[top]), scores[top].tolist(), strict=True))


def holders_of(state: Fitted, item: Hashable) -> list[Hashable]:
    """The users whose known history holds ``item`` (none without interactions)."""
    column = state.items.index(item)
    if state.user_items is None:
        return []
    return state.users.ids_at(np.unique(_holder_rows(state.user_items, column)))


def _holder_rows(matrix: sp.csr_matrix | None, column: int) -> Int64Array:
    """The rows of ``matrix`` with an entry in ``column`` (none when there is no matrix)."""
    if matrix is None:
        return np.zeros(0, dtype=np.int64)
    positions = np.flatnonzero(matrix.indices == column)
    rows: Int64Array = np.searchsorted(matrix.indptr, positions, side="right") - 1
    return rows


def popular(state: Fitted, n: int) -> list[tuple[Hashable, float]]:
    """The ``n`` items held by most users, ties in item order."""
    order = np.lexsort((np.arange(state.popularity.size), -state.popularity))[:n]
    return list(zip(state.items.ids_at(order), state.popularity[order].tolist(), strict=True))


def recommend_related(
    state: Fitted,
    names: list[Hashable],
    histories: Sequence[Sequence[Hashable] | None] | None,
    n: int,
    blend: float,
) -> list[list[tuple[Hashable, float]] | None]:
    """Per user, the ``n`` items nearest (cosine) to their blended user-and-history query."""
    rows = state.users.lookup(names, "users")
    unit_items = state.unit_item_factors()
    user_factors = np.asarray(state.model.user_factors, dtype=np.float32)
    out: list[list[tuple[Hashable, float]] | None] = []
    for start in range(0, len(names), _RELATED_CHUNK):
        block = range(start, min(start + _RELATED_CHUNK, len(names)))
        queries = np.zeros((len(block), unit_items.shape[1]), dtype=np.float64)
        excluded: list[Int64Array] = []
        known = np.zeros(len(block), dtype=bool)
        for k, i in enumerate(block):
            wanted = None if histories is None else histories[i]
            query, seen = _related_query(
                state, unit_items, user_factors, int(rows[i]), wanted, i, blend
            )
            excluded.append(seen)
            if query is not None:
                known[k] = True
                queries[k] = query
        scores = queries @ unit_items.T
        for k in range(len(block)):
            scores[k, excluded[k]] = -np.inf
        out.extend(_related_lists(state, scores, known, n))
    return out


def _related_query(
    state: Fitted,
    unit_items: Float64Array,
    user_factors: Float32Array,
    row: int,
    wanted: Sequence[Hashable] | None,
    position: int,
    blend: float,
) -> tuple[Float64Array | None, Int64Array]:
    """One user's query vector, and the columns never to suggest them.

    The query is None when neither the user nor any item of their history is
    known; the columns are their history and what they already have.
    """
    seen = (
        state.user_items.indices[state.user_items.indptr[row] : state.user_items.indptr[row + 1]]
        if row >= 0 and state.user_items is not None
        else np.zeros(0, dtype=np.int32)
    )
    if wanted is None:
        history = seen.astype(np.int64)
    else:
        history = state.items.lookup(list(wanted), f"histories[{position}]")
        history = history[history >= 0]
    parts = []
    if row >= 0:
        parts.append((1.0 - blend, _unit(user_factors[row])))
    if history.size:
        parts.append((blend, _unit(unit_items[history].mean(axis=0))))
    if not parts:
        return None, history
    total = sum(weight for weight, _ in parts) or 1.0
    query = np.asarray(sum(weight * vector for weight, vector in parts) / total, dtype=np.float64)
    return query, np.union1d(seen, history).astype(np.int64)


def _related_lists(
    state: Fitted, scores: Float64Array, known: BoolArray, n: int
) -> list[list[tuple[Hashable, float]] | None]:
    """Each row's best ``n`` items with float32-rounded scores; None for unknown rows."""
    top, top_scores = _top_rows(scores, n)
    out: list[list[tuple[Hashable, float]] | None] = []
    for k in range(scores.shape[0]):
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


def _unit(vector: npt.NDArray[np.floating[Any]]) -> Float64Array:
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm > 0 else vector).astype(np.float64)


def _top_rows(scores: Float64Array, n: int) -> tuple[Int64Array, Float64Array]:
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
