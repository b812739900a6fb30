"""New products: a factor for an item with no history, so that it can be placed and targeted.

Two ways in. ``like``: the items the brand names as alike, their factors averaged with the
given weights (the new item starts where its neighbours are). ``holders``: its first few
holders, solved by least squares against the fixed user factors with the model's
regularization and confidence, as implicit's ``recalculate_item`` (what its
``partial_fit_items`` does) solves one side of ALS. A ``Fitted`` is built anew; readers see
the old fit or the new one.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._checks import RandomState
from .._erased import ErasedIds
from .._ids import IdIndex, as_id_list
from .._types import Float64Array, Int64Array
from ..errors import InvalidInputError
from ._fit import (
    Fitted,
    _model_params,
    als_guard,
    check_confidence,
    check_factor_values,
    fitted_from_factors,
)
from ._interactions import MAX_WEIGHT, canonical_csr
from ._weighting import new_item_length_norm, weigh

__all__ = ["add_items", "weighted_entries"]

Entry = tuple[list[Hashable], Float64Array]


def weighted_entries(value: object, count: int, field: str) -> list[Entry]:
    """One ``(ids, weights)`` per new item from a sequence of id sequences or id -> weight maps.

    A single str (or bytes) is refused as an entry: it is an id, not a list of them.
    """
    if isinstance(value, (str, bytes, Mapping)):
        raise InvalidInputError(
            f"{field}: expected one entry per new item (a list of ids or an id -> weight "
            f"mapping each), got {type(value).__name__}"
        )
    entries = as_id_list(value, field)  # type: ignore[arg-type]
    if len(entries) != count:
        raise InvalidInputError(
            f"{field}: expected one entry per new item ({count}), got {len(entries)}"
        )
    return [_entry(entry, f"{field}[{position}]") for position, entry in enumerate(entries)]


def _entry(entry: object, field: str) -> Entry:
    if isinstance(entry, Mapping):
        ids = as_id_list(list(entry), field)
        raw = list(entry.values())
    elif isinstance(entry, (str, bytes)):
        raise InvalidInputError(f"{field}: expected a list of ids or a mapping, got a str")
    else:
        ids = as_id_list(entry, field)  # type: ignore[arg-type]
        raw = [1.0] * len(ids)
    if not ids:
        raise InvalidInputError(f"{field}: expected at least one id, got none")
    weights = np.zeros(len(raw), dtype=np.float64)
    for position, (id, weight) in enumerate(zip(ids, raw, strict=True)):
        if isinstance(weight, bool) or not isinstance(weight, (int, float, np.number)):
            raise InvalidInputError(
                f"{field}[{id!r}]: expected a number, got {type(weight).__name__}"
            )
        if not 0 < float(weight) <= MAX_WEIGHT:
            raise InvalidInputError(
                f"{field}[{id!r}]: expected a finite positive weight, got {weight!r}"
            )
        weights[position] = float(weight)
    return ids, weights


def _new_ids(state: Fitted, item_ids: object) -> list[Hashable]:
    ids = as_id_list(item_ids, "item_ids")  # type: ignore[arg-type]
    if not ids:
        raise InvalidInputError("item_ids: expected at least one new item, got none")
    fresh = IdIndex(kind="item")
    fresh.add_many(ids, "item_ids")
    if len(fresh) != len(ids):
        raise InvalidInputError("item_ids: expected distinct ids, got duplicates")
    known = state.items.lookup(ids, "item_ids")
    if (known >= 0).any():
        position = int(np.argmax(known >= 0))
        raise InvalidInputError(
            f"item_ids[{position}]: {ids[position]!r} is already known; "
            "add_items is for items with no factor"
        )
    return fresh.ids()


def add_items(
    state: Fitted,
    item_ids: object,
    *,
    like: object,
    holders: object,
    erased: ErasedIds,
    weighting: str | None,
    random_state: RandomState,
) -> Fitted:
    """``state`` with factors for ``item_ids`` from ``like`` or ``holders`` (exactly one)."""
    if (like is None) == (holders is None):
        raise InvalidInputError(
            "like, holders: expected exactly one of them (alike items, or first holders)"
        )
    ids = _new_ids(state, item_ids)
    if like is not None:
        entries = weighted_entries(like, len(ids), "like")
        factors = _from_like(state, entries)
        user_items, counts = _grown_columns(state.user_items, None, len(ids))
    else:
        entries = weighted_entries(holders, len(ids), "holders")
        for position, (users, _) in enumerate(entries):
            erased.refuse(users, f"holders[{position}]")
        factors, user_items, counts = _from_holders(state, entries, weighting)
    check_factor_values(factors, "item_factors")
    items = IdIndex(state.items.ids(), kind="item")
    items.add_many(ids, "item_ids")
    model = state.model
    item_factors = np.concatenate([model.item_factors, factors.astype(np.float32)])
    if state.user_items is None:
        # Without a history, popularity is the mean user's score (as from_factors gives it).
        extra = (model.user_factors.mean(axis=0) @ factors.T).astype(np.float32)
    else:
        extra = counts.astype(np.float32)
    length_norm = None
    if state.item_length_norm is not None:
        length_norm = np.concatenate(
            [state.item_length_norm, new_item_length_norm(state.user_items, user_items, len(ids))]
        )
    return fitted_from_factors(
        _model_params(model, random_state),
        state.users,
        items,
        model.user_factors,
        item_factors,
        user_items=user_items,
        weighting=weighting,
        popularity=np.concatenate([state.popularity, extra]),
        length_norm=length_norm,
    )


def _from_like(state: Fitted, entries: list[Entry]) -> Float64Array:
    """Each new item's factor: the weighted mean of its alike items' factors."""
    known = np.asarray(state.model.item_factors, dtype=np.float64)
    factors = np.zeros((len(entries), known.shape[1]), dtype=np.float64)
    for position, (alike, weights) in enumerate(entries):
        columns = state.items.indices(alike, f"like[{position}]")
        factors[position] = weights @ known[columns] / weights.sum()
    return factors


def _from_holders(
    state: Fitted, entries: list[Entry], weighting: str | None
) -> tuple[Float64Array, sp.csr_matrix, Int64Array]:
    """Least-squares factors from the holders, the grown history, and holders per new item."""
    if state.user_items is None:
        raise InvalidInputError(
            "holders: needs the interactions; pass interactions= to from_factors()"
        )
    rows = [state.users.indices(users, f"holders[{i}]") for i, (users, _) in enumerate(entries)]
    new = sp.csr_matrix(
        (
            np.concatenate([weights for _, weights in entries]),
            (
                np.concatenate(rows),
                np.repeat(np.arange(len(entries)), [len(r) for r in rows]),
            ),
        ),
        shape=(state.user_items.shape[0], len(entries)),
    )
    merged, counts = _grown_columns(state.user_items, new, len(entries))
    if not np.isfinite(merged.data).all() or merged.data.max(initial=0) > MAX_WEIGHT:
        raise InvalidInputError("holders: the summed weights overflow float32; scale them down")
    touched = np.unique(np.concatenate(rows))
    n_items = merged.shape[1]
    length_norm = None
    if weighting == "bm25":
        assert state.item_length_norm is not None
        length_norm = np.concatenate(
            [
                state.item_length_norm,
                new_item_length_norm(state.user_items, merged, len(entries)),
            ]
        )
    confidence = weigh(merged[touched], weighting, n_items, length_norm)
    first_new = n_items - len(entries)
    item_users = sp.csr_matrix(confidence[:, first_new:].T)
    # Rows of item_users are the new items; its columns are the touched users only.
    item_users = sp.csr_matrix(
        (item_users.data, touched[item_users.indices], item_users.indptr),
        shape=(len(entries), merged.shape[0]),
    )
    model = state.model
    check_confidence(item_users, float(model.alpha), "holders")
    with als_guard("holders"):
        factors = model.recalculate_item(np.arange(len(entries)), item_users)
    return np.asarray(factors, dtype=np.float64), merged, counts


def _grown_columns(
    old: sp.csr_matrix | None, new: sp.csr_matrix | None, count: int
) -> tuple[Any, Int64Array]:
    """``old`` with ``count`` columns appended (``new``'s entries in them), holders per column."""
    if old is None:
        return None, np.zeros(count, dtype=np.int64)
    if new is None:
        new = sp.csr_matrix((old.shape[0], count), dtype=old.dtype)
    merged = canonical_csr(sp.hstack([old, new], format="csr", dtype=np.float32))
    counts = np.bincount(merged.indices, minlength=merged.shape[1])[old.shape[1] :]
    return merged, counts.astype(np.int64)
