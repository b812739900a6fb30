"""Friends in the scores: the FriendGraph protocol, the social blend, and cold start from friends.

Graphs come in through :class:`FriendGraph` only, so this package never imports
``referrals``. A few users are read through ``graph.friends``; many through one
``graph.adjacency()`` and sparse products.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp

from .._ids import IdIndex, as_id_list
from .._types import BoolArray, Float32Array, Int64Array
from ..errors import InvalidInputError
from ._fit import Fitted

__all__ = ["FriendGraph", "blend", "friend_matrix", "friends_of_friends", "top_from_friends"]

# Cold start: how much of the friends of friends and of the friends' own listens
# joins the friends' summed factors (tuned on Last.fm 2K, see top_from_friends).
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


def _graph_view(state: Fitted, graph: FriendGraph) -> tuple[sp.csr_matrix, IdIndex, sp.csr_matrix]:
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


def _picker(
    graph_index: IdIndex, user_list: list[Hashable], positions: Int64Array
) -> sp.csr_matrix:
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
        found = graph.friends(user)
    except KeyError:
        return []
    return as_id_list(found, "friends.friends()")


def _rows_to_matrix(
    state: Fitted, count: int, entries: list[tuple[int, list[Hashable], list[float]]]
) -> sp.csr_matrix:
    """A count x model-users matrix from (row, ids, weights) triples; unknown ids dropped."""
    rows: list[Int64Array] = []
    columns: list[Int64Array] = []
    values: list[Float32Array] = []
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


def friend_matrix(
    state: Fitted,
    graph: FriendGraph,
    user_list: list[Hashable],
    need: BoolArray,
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


def friends_of_friends(
    state: Fitted,
    graph: FriendGraph,
    user_list: list[Hashable],
    positions: Int64Array,
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


def blend(
    state: Fitted, vectors: Float32Array, friend_rows: sp.csr_matrix, weight: float
) -> tuple[Float32Array, BoolArray]:
    """``(1 - weight)`` of each user's factors plus ``weight`` of their friends' mean."""
    counts = np.diff(friend_rows.indptr)
    blended = counts > 0
    if not blended.any():
        return vectors, blended
    mean = np.asarray(friend_rows @ state.model.user_factors) / np.maximum(counts, 1)[:, None]
    mixed = np.where(blended[:, None], (1.0 - weight) * vectors + weight * mean, vectors)
    return mixed.astype(np.float32), blended


def _row_max_scaled(scores: Float32Array) -> Float32Array:
    scale = np.abs(scores).max(axis=1, keepdims=True)
    scores /= np.maximum(scale, np.float32(1e-12))
    return scores


def top_from_friends(
    state: Fitted,
    friend_rows: sp.csr_matrix,
    second_rows: sp.csr_matrix,
    k: int,
    candidates: Int64Array | None,
    excluded: Int64Array | None,
) -> tuple[Int64Array, Float32Array]:
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


def _dense_top(
    scores: Float32Array,
    k: int,
    candidates: Int64Array | None,
    excluded: Int64Array | None,
) -> tuple[Int64Array, Float32Array]:
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
