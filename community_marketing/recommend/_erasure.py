"""Erasure of one user from a recommender (GDPR Art. 17): a rebuild without them, checked first.

The user's row of interactions and their factors are cut from :func:`write_state`'s output and
the model is read back. Item factors and popularity were learned with the user's data and stay
until the next ``fit``; ``fit`` drops the rows of erased users (a filter), ``update_users``
refuses them (``ConsentRequiredError``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from .._erased import ErasedIds, Plan, Removed
from .._ids import as_id_list
from ._fit import Fitted
from ._interactions import Interactions

if TYPE_CHECKING:
    from ._recommender import Recommender


def erased_of(model: Recommender) -> ErasedIds:
    """The fingerprints a recommender keeps."""
    return model._erased


def plan(model: Recommender, user: Hashable, micros: int) -> Plan:
    """The erasure of ``user`` checked and prepared; the model is not changed yet.

    The new fit is cut from the live one with numpy (the user's factor row and interaction
    row, later rows one up), without the round trip through ``to_state`` and its checks.
    """
    fitted = model._fitted
    index = -1 if fitted is None else fitted.users.get(user)
    if fitted is None or index < 0:
        return Plan(model, None, erased_of, user, micros, Removed("recommender", ()))
    matrix = fitted.user_items
    interactions = 0
    if matrix is not None:
        interactions = int(matrix.indptr[index + 1] - matrix.indptr[index])
        matrix = without_row(matrix, index)
    rebuilt = attrs.evolve(
        fitted,
        model=_model_without(fitted.model, index),
        users=fitted.users.without(index),
        user_items=matrix,
    )
    keep = tuple(f.name for f in attrs.fields(type(model)) if f.name != "_fitted")
    counts = (("users", 1), ("factors", 1), ("interactions", interactions))
    return Plan(model, _Fit(rebuilt), erased_of, user, micros, Removed("recommender", counts), keep)


@attrs.frozen
class _Fit:
    """What :class:`Plan` swaps into the recommender: its fit, nothing else."""

    _fitted: Fitted = attrs.field(alias="_fitted")


def without_row(matrix: sp.csr_matrix, row: int) -> sp.csr_matrix:
    """``matrix`` without ``row`` (later rows one up), cut from its arrays in O(nnz)."""
    start, end = int(matrix.indptr[row]), int(matrix.indptr[row + 1])
    indptr = np.concatenate([matrix.indptr[: row + 1], matrix.indptr[row + 2 :] - (end - start)])
    data = np.concatenate([matrix.data[:start], matrix.data[end:]])
    indices = np.concatenate([matrix.indices[:start], matrix.indices[end:]])
    shape = (matrix.shape[0] - 1, matrix.shape[1])
    return sp.csr_matrix((data, indices, indptr), shape=shape)


def _model_without(implicit_model: Any, row: int) -> Any:
    """A copy of implicit's model without one user's factors (the live model is untouched)."""
    model = copy.copy(implicit_model)
    model.user_factors = np.delete(implicit_model.user_factors, row, axis=0)
    # implicit caches the users' norms for similar_users; they belong to the old rows.
    for cached in ("_user_norms", "_user_norms_host"):
        if hasattr(model, cached):
            setattr(model, cached, None)
    return model


def filtered(
    erased: ErasedIds,
    users: Interactions | Sequence[Hashable] | npt.NDArray[Any],
    items: Sequence[Hashable] | npt.NDArray[Any] | None,
    weights: Sequence[float] | npt.NDArray[Any] | None,
) -> tuple[Any, Any, Any]:
    """``fit``'s input without the rows of erased users (an ``Interactions`` value stays one)."""
    if not erased.erased:
        return users, items, weights
    if isinstance(users, Interactions):
        keep = np.array(erased.keep(users.user_ids), np.bool_)
        if keep.all():
            return users, items, weights
        ids = [u for u, k in zip(users.user_ids, keep.tolist(), strict=True) if k]
        return Interactions.from_csr(users.matrix[keep], ids, users.item_ids), items, weights
    user_list = as_id_list(users, "users")
    keep = np.array(erased.keep(user_list), np.bool_)
    if keep.all() or items is None:
        return users, items, weights
    pick = np.flatnonzero(keep).tolist()
    item_list = as_id_list(items, "items")
    return (
        [user_list[i] for i in pick],
        [item_list[i] for i in pick] if len(item_list) == len(user_list) else items,
        None if weights is None else np.asarray(weights, np.float64)[pick],
    )


def access(model: Recommender, user: Hashable, plain: Callable[[Any], Any]) -> dict[str, Any]:
    """What the model holds of ``user`` (Art. 15): their interactions, items as ``plain`` ids."""
    fitted = model._fitted
    index = -1 if fitted is None else fitted.users.get(user)
    if fitted is None or index < 0 or fitted.user_items is None:
        return {"interactions": []}
    row = fitted.user_items[index]
    items = fitted.items.ids_at(row.indices)
    return {
        "interactions": [
            {"item": plain(i), "weight": float(w)}
            for i, w in zip(items, row.data.tolist(), strict=True)
        ]
    }
