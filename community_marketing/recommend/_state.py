"""Persistence and outside factors: to_state / from_state, and the checks of from_factors.

Everything read is validated and a bad field raises ``InvalidInputError`` naming it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from .._ids import IdIndex, as_id_list
from .._types import Float32Array
from ..errors import InvalidInputError
from ._fit import Fitted, check_factor_values, check_history, fitted_from_factors
from ._interactions import Interactions, align, canonical_csr, check_weights

__all__ = [
    "STATE_SCHEMA",
    "check_factors",
    "check_unknown",
    "history_of",
    "read_fitted",
    "read_params",
    "write_state",
]

STATE_SCHEMA = 1
_KEYS = frozenset(
    {
        "schema",
        "params",
        "user_ids",
        "item_ids",
        "user_factors",
        "item_factors",
        "user_items",
        "popularity",
        "item_length_norm",
    }
)
_FLOAT32_MAX = float(np.finfo(np.float32).max)
_PARAMS = frozenset(
    {
        "factors",
        "regularization",
        "alpha",
        "iterations",
        "weighting",
        "num_threads",
        "random_state",
        "show_progress",
    }
)


def write_state(params: dict[str, Any], state: Fitted) -> dict[str, Any]:
    """Plain data for :func:`read_params` and :func:`read_fitted`; arrays are copies."""
    matrix = state.user_items
    return {
        "schema": STATE_SCHEMA,
        "params": params,
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


def read_params(state: object) -> tuple[dict[str, Any], dict[str, Any]]:
    """The state as a dict and its hyper-parameters, after checking the schema and their names."""
    if not isinstance(state, dict):
        raise InvalidInputError(f"state: expected a dict, got {type(state).__name__}")
    schema = state.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema != STATE_SCHEMA:
        raise InvalidInputError(f"schema: expected {STATE_SCHEMA}, got {state.get('schema')!r}")
    if set(state) - {"erasure"} != _KEYS:
        raise InvalidInputError(
            f"state: expected the keys {sorted(_KEYS)}, got {sorted(map(str, state))}"
        )
    params: dict[str, Any] = _field(state, "params", dict)
    if set(params) != _PARAMS:
        raise InvalidInputError(
            f"params: expected the keys {sorted(_PARAMS)}, got {sorted(map(str, params))}"
        )
    return state, params


def read_fitted(state: dict[str, Any], params: dict[str, Any], weighting: str | None) -> Fitted:
    """The fit a state holds (``state`` already passed :func:`read_params`)."""
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
    if params["factors"] != user_factors.shape[1]:
        raise InvalidInputError(
            f"params.factors: expected the width of the factors ({user_factors.shape[1]}), "
            f"got {params['factors']}"
        )
    popularity = _vector(_field(state, "popularity", np.ndarray), "popularity", len(items))
    raw_norm = state.get("item_length_norm")
    length_norm = None if raw_norm is None else _vector(raw_norm, "item_length_norm", len(items))
    if length_norm is not None and not (length_norm > 0).all():
        raise InvalidInputError("item_length_norm: expected positive numbers")
    user_items = _matrix_from_state(state.get("user_items"), len(users), len(items))
    if user_items is not None:
        check_history(user_items, params["alpha"], weighting, "user_items")
    return fitted_from_factors(
        params,
        users,
        items,
        user_factors,
        item_factors,
        user_items=user_items,
        weighting=weighting,
        popularity=popularity,
        length_norm=length_norm,
    )


def check_factors(
    user_ids: Sequence[Hashable] | npt.NDArray[Any],
    item_ids: Sequence[Hashable] | npt.NDArray[Any],
    user_factors: npt.ArrayLike,
    item_factors: npt.ArrayLike,
) -> tuple[IdIndex, IdIndex, Float32Array, Float32Array]:
    """``from_factors``' ids and factors, checked: distinct ids, finite factors of one width."""
    users = _distinct_index(user_ids, "user_ids", "user")
    items = _distinct_index(item_ids, "item_ids", "item")
    user_matrix = _factor_matrix(user_factors, "user_factors", len(users))
    item_matrix = _factor_matrix(item_factors, "item_factors", len(items))
    if user_matrix.shape[1] != item_matrix.shape[1]:
        raise InvalidInputError(
            f"item_factors: expected {user_matrix.shape[1]} columns like user_factors, "
            f"got {item_matrix.shape[1]}"
        )
    return users, items, user_matrix, item_matrix


def check_unknown(value: object) -> str:
    """``from_factors``' ``unknown``: ``"raise"`` or ``"drop"``."""
    if not isinstance(value, str) or value not in ("raise", "drop"):
        raise InvalidInputError(f"unknown: expected 'raise' or 'drop', got {value!r}")
    return value


def history_of(data: Interactions, users: IdIndex, items: IdIndex, unknown: str) -> sp.csr_matrix:
    """``data`` on the factors' rows and columns; with ``"drop"``, without ids lacking factors."""
    if unknown == "raise":
        return align(data, users, items)
    rows = users.lookup(data.user_ids, "interactions.user_ids")
    columns = items.lookup(data.item_ids, "interactions.item_ids")
    coo = data.matrix.tocoo()
    row, column = rows[coo.row], columns[coo.col]
    keep = (row >= 0) & (column >= 0)
    matrix = sp.csr_matrix(
        (coo.data[keep], (row[keep], column[keep])), shape=(len(users), len(items))
    )
    return canonical_csr(matrix)


def _distinct_index(ids: Any, field: str, kind: str) -> IdIndex:
    items = as_id_list(ids, field)
    index = IdIndex(kind=kind)
    index.add_many(items, field)
    if len(index) != len(items):
        raise InvalidInputError(f"{field}: expected distinct ids, got duplicates")
    if not items:
        raise InvalidInputError(f"{field}: expected at least one id, got none")
    return index


def _factor_matrix(values: Any, field: str, rows: int) -> Float32Array:
    if isinstance(values, np.ndarray) and values.dtype.kind not in "iuf":
        raise InvalidInputError(f"{field}: expected an array of numbers, got dtype {values.dtype}")
    try:
        # float64 first: a cast of a huge number to float32 is inf (and a warning).
        matrix = np.array(values, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInputError(f"{field}: expected a 2-d array of numbers") from None
    if matrix.ndim != 2 or matrix.shape[0] != rows or matrix.shape[1] == 0:
        raise InvalidInputError(
            f"{field}: expected shape ({rows}, k) with k >= 1, got {matrix.shape}"
        )
    check_factor_values(matrix, field)
    return np.ascontiguousarray(matrix, dtype=np.float32)


def _vector(values: Any, field: str, size: int) -> Float32Array:
    if not isinstance(values, np.ndarray):
        raise InvalidInputError(f"{field}: expected a numpy array, got {type(values).__name__}")
    if values.dtype.kind not in "iuf":
        raise InvalidInputError(f"{field}: expected numbers, got dtype {values.dtype}")
    vector = values.astype(np.float64)
    if vector.shape != (size,):
        raise InvalidInputError(f"{field}: expected {size} numbers, got shape {vector.shape}")
    if not (np.abs(vector) <= _FLOAT32_MAX).all():
        raise InvalidInputError(f"{field}: expected finite float32 numbers")
    return vector.astype(np.float32)


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
    if data.dtype.kind not in "iuf":
        raise InvalidInputError("user_items.data: expected numbers")
    check_weights(data.astype(np.float64), "user_items.data", None)
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
    return canonical_csr(matrix)
