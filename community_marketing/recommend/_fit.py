"""What a fit learns (``Fitted``), how implicit's ALS learns it, and ``update_users``' fold-in.

A ``Fitted`` is replaced as a whole by ``fit``, ``update_users``, ``from_factors``
and ``from_state``, never changed in place, so concurrent readers see one fit or
the next, never half of each.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from implicit.recommender_base import ModelFitError
from threadpoolctl import threadpool_limits

from .._checks import RandomState
from .._ids import IdIndex
from .._progress import ProgressCallback, ShowProgress
from .._types import Float32Array, Float64Array, Int64Array, ObjectArray
from ..errors import InvalidInputError
from ._interactions import Interactions, canonical_csr
from ._weighting import item_length_norm, weigh

__all__ = [
    "MAX_CONFIDENCE",
    "MAX_FACTOR",
    "Fitted",
    "als_guard",
    "check_confidence",
    "check_factor_values",
    "check_history",
    "fit_als",
    "fitted_from_factors",
    "fold_in",
    "new_model",
    "weighted_rows",
]

MAX_CONFIDENCE = 1e6
"""The largest confidence (``alpha`` times a weighted value) that ALS is given.

implicit solves in float32, where conjugate gradient squares terms of the order of
a confidence times the factors: from about 1e8 on, a fit can overflow into NaN. 1e6
keeps a hundredfold margin and is far above what a sensible weighting produces
(``log1p`` of the largest float32 is 89).
"""

MAX_FACTOR = 1e6
"""The largest magnitude of a factor entry, learned or given.

With at most ``MAX_FACTORS`` factors a score stays below ``factors * 1e12``, and a sum
of scores over every user of a community below float32's 3.4e38.
"""


@attrs.frozen
class Fitted:
    """Everything a fit learned; replaced as a whole, never mutated in place.

    The one exception is the cache of unit-length item factors, computed on first
    use: it is derived from the fit alone, so two readers racing to fill it store
    the same array.
    """

    model: Any
    users: IdIndex
    items: IdIndex
    item_id_array: ObjectArray
    user_items: sp.csr_matrix | None
    popularity: Float32Array
    item_length_norm: Float32Array | None
    _unit_items: Float64Array | None = attrs.field(default=None, init=False, repr=False, eq=False)

    def unit_item_factors(self) -> Float64Array:
        """The item factors scaled to unit length (zero rows stay zero), in float64."""
        unit = self._unit_items
        if unit is None:
            factors = np.asarray(self.model.item_factors, dtype=np.float64)
            norms = np.linalg.norm(factors, axis=1)
            # float64 so that a user's scores do not depend on the batch it came in
            # (BLAS sums a single row and a block in different orders at float32).
            unit = factors / np.where(norms > 0, norms, 1.0)[:, None]
            object.__setattr__(self, "_unit_items", unit)
        return unit


def check_confidence(weighted: sp.csr_matrix, alpha: float, field: str) -> None:
    """Raise unless every confidence ``alpha * weighted`` is at most ``MAX_CONFIDENCE``."""
    if not weighted.nnz:
        return
    largest = float(weighted.data.max()) * alpha
    if not largest <= MAX_CONFIDENCE:
        raise InvalidInputError(
            f"{field}: expected alpha ({alpha!r}) times every weighted value to be at most "
            f"{MAX_CONFIDENCE:g}, got {largest:g}; lower alpha or scale the weights down"
        )


def check_history(
    user_items: sp.csr_matrix, alpha: float, weighting: str | None, field: str
) -> None:
    """Raise unless the confidences of a whole history stay within ``MAX_CONFIDENCE``.

    For histories that come from outside a fit (``from_factors``, ``from_state``):
    ``explain`` and ``update_users`` solve against them.
    """
    length_norm = item_length_norm(user_items) if weighting == "bm25" else None
    check_confidence(weigh(user_items, weighting, user_items.shape[1], length_norm), alpha, field)


def check_factor_values(matrix: npt.NDArray[Any], field: str) -> None:
    """Raise unless every entry of ``matrix`` is finite and at most ``MAX_FACTOR`` in size."""
    if not matrix.size:
        return
    largest = float(np.abs(matrix).max())
    if not largest <= MAX_FACTOR:
        raise InvalidInputError(
            f"{field}: expected finite numbers of magnitude at most {MAX_FACTOR:g}, got {largest!r}"
        )


@contextmanager
def als_guard(field: str) -> Iterator[None]:
    """implicit's failures (NaN factors, LAPACK, float overflow) as ``InvalidInputError``.

    A last resort behind the bounds on confidences and factors: nothing the checks let
    through should reach it.
    """
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    except InvalidInputError:
        raise
    except (ModelFitError, ValueError, ArithmeticError, RuntimeWarning) as error:
        raise InvalidInputError(
            f"{field}: ALS could not solve for these values ({type(error).__name__}: {error}); "
            "raise regularization or scale the weights down"
        ) from error


def new_model(params: dict[str, Any]) -> Any:
    """An unfitted implicit CPU ALS model with the checked hyper-parameters."""
    with threadpool_limits(limits=1, user_api="blas"):
        return AlternatingLeastSquares(dtype=np.float32, **params)


def fit_als(
    params: dict[str, Any],
    data: Interactions,
    weighting: str | None,
    show_progress: ShowProgress,
    on_sweep: Callable[[int, Any], None] | None = None,
) -> Fitted:
    """Weigh ``data``, fit implicit's ALS on it, and keep what answering needs.

    ``on_sweep(done, model)``, when given, is called after each ALS sweep with the implicit
    model as it stands (``tune`` scores several iteration counts from one fit that way).
    """
    if data.n_users < 2 or data.n_items < 2:
        raise InvalidInputError(
            "interactions: expected at least 2 users and 2 items, "
            f"got {data.n_users} users and {data.n_items} items"
        )
    if data.nnz == 0:
        raise InvalidInputError("weights: expected some positive weight, got all zeros")
    raw = data.matrix
    length_norm = item_length_norm(raw) if weighting == "bm25" else None
    confidence = weigh(raw, weighting, data.n_items, length_norm)
    if confidence.nnz == 0:
        raise InvalidInputError(
            f"weights: the {weighting!r} weighting leaves no positive confidence"
        )
    check_confidence(confidence, params["alpha"], "weights")
    model = new_model(params)
    callback = (
        None
        if isinstance(show_progress, bool)
        else _sweep_callback(show_progress, params["iterations"])
    )
    if on_sweep is not None:
        callback = _watched(callback, on_sweep, model)
    try:
        with als_guard("interactions"):
            model.fit(confidence, show_progress=show_progress is True, callback=callback)
    except _CallbackError as stop:
        raise stop.error from None
    check_learned(model.user_factors, model.item_factors)
    # The confidences can be as large as the interactions: free them before the rest.
    del confidence
    return Fitted(
        model=model,
        users=data._user_index,
        items=data._item_index,
        item_id_array=_object_array(data.item_ids),
        user_items=raw,
        popularity=_popularity(raw),
        item_length_norm=length_norm,
    )


def fitted_from_factors(
    params: dict[str, Any],
    users: IdIndex,
    items: IdIndex,
    user_factors: Float32Array,
    item_factors: Float32Array,
    *,
    user_items: sp.csr_matrix | None,
    weighting: str | None,
    popularity: Float32Array | None = None,
    length_norm: Float32Array | None = None,
) -> Fitted:
    """A ``Fitted`` around factors learned elsewhere (or earlier), deriving what is missing."""
    implicit_model = new_model(params)
    implicit_model.user_factors = user_factors
    implicit_model.item_factors = item_factors
    if popularity is None:
        popularity = (
            _popularity(user_items)
            if user_items is not None
            else (user_factors.mean(axis=0) @ item_factors.T).astype(np.float32)
        )
    if weighting == "bm25" and length_norm is None:
        length_norm = (
            item_length_norm(user_items)
            if user_items is not None
            else np.ones(len(items), dtype=np.float32)
        )
    return Fitted(
        model=implicit_model,
        users=users,
        items=items,
        item_id_array=_object_array(items.ids()),
        user_items=user_items,
        popularity=popularity,
        item_length_norm=length_norm,
    )


def fold_in(
    state: Fitted, data: Interactions, *, weighting: str | None, random_state: RandomState
) -> Fitted:
    """``state`` with ``data`` added to the history and those users' factors solved again.

    Solves with implicit's ``recalculate_user`` (what its ``partial_fit_users``
    does) into new arrays, leaving the live model untouched.
    """
    columns = state.items.indices(data.item_ids, "items")
    if state.user_items is None:
        raise InvalidInputError(
            "update_users: needs the interactions; pass interactions= to from_factors()"
        )
    users_index = IdIndex(state.users.ids(), kind="user")
    rows = users_index.add_many(data.user_ids, "users")
    merged = _merged_history(state.user_items, data, rows, columns, len(users_index))
    if not np.isfinite(merged.data).all():
        raise InvalidInputError(
            "weights: the summed history of a user overflows float32; scale the weights down"
        )
    history = weighted_rows(state, merged, rows, weighting)
    model = state.model
    check_confidence(history, float(model.alpha), "weights")
    with als_guard("weights"):
        new_factors = model.recalculate_user(rows, history)
    check_factor_values(new_factors, "user_factors")
    factors = _grown_rows(model.user_factors, len(users_index))
    factors[rows] = new_factors
    return fitted_from_factors(
        _model_params(model, random_state),
        users_index,
        state.items,
        factors,
        model.item_factors,
        user_items=merged,
        weighting=weighting,
        length_norm=state.item_length_norm,
    )


def check_learned(user_factors: Float32Array, item_factors: Float32Array) -> None:
    """Raise when a fit learned factors beyond ``MAX_FACTOR`` (it diverged)."""
    for matrix in (user_factors, item_factors):
        if matrix.size and not float(np.abs(matrix).max()) <= MAX_FACTOR:
            raise InvalidInputError(
                f"regularization: the fit diverged (a factor beyond {MAX_FACTOR:g}); "
                "raise regularization or scale the weights down"
            )


def weighted_rows(
    state: Fitted, raw: sp.csr_matrix, rows: Int64Array, weighting: str | None
) -> sp.csr_matrix:
    """The confidences of ``rows`` of ``raw``, weighed as the fit weighed its matrix."""
    weighted: sp.csr_matrix = weigh(raw[rows], weighting, len(state.items), state.item_length_norm)
    return weighted


def _merged_history(
    old: sp.csr_matrix, data: Interactions, rows: Int64Array, columns: Int64Array, n_users: int
) -> sp.csr_matrix:
    """``old`` grown to ``n_users`` rows, plus ``data`` renumbered to its rows and columns."""
    delta = data.matrix.tocoo()
    delta = sp.csr_matrix(
        (delta.data, (rows[delta.row], columns[delta.col])),
        shape=(n_users, old.shape[1]),
    )
    grown = sp.csr_matrix(
        (
            old.data,
            old.indices,
            np.concatenate([old.indptr, np.full(n_users - old.shape[0], old.indptr[-1])]),
        ),
        shape=(n_users, old.shape[1]),
    )
    return canonical_csr(grown + delta)


def _grown_rows(factors: Float32Array, n_rows: int) -> Float32Array:
    """A copy of ``factors`` with zero rows appended up to ``n_rows``."""
    if n_rows > factors.shape[0]:
        return np.concatenate(
            [factors, np.zeros((n_rows - factors.shape[0], factors.shape[1]), factors.dtype)]
        )
    return factors.copy()


def _model_params(model: Any, random_state: RandomState) -> dict[str, Any]:
    return {
        "factors": int(model.factors),
        "regularization": float(model.regularization),
        "alpha": float(model.alpha),
        "iterations": int(model.iterations),
        "num_threads": int(model.num_threads),
        "random_state": random_state,
    }


class _CallbackError(Exception):
    """Carries what the caller's progress callback raised past ``als_guard``, unchanged."""

    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.error = error


def _sweep_callback(
    report: ProgressCallback, total: int
) -> Callable[[int, float, float | None], None]:
    """implicit's fit callback (iteration from 0, seconds, loss) as ``report(done, total)``."""

    def callback(iteration: int, elapsed: float, loss: float | None) -> None:
        try:
            report(iteration + 1, total)
        except Exception as error:
            raise _CallbackError(error) from error

    return callback


def _watched(
    callback: Callable[[int, float, float | None], None] | None,
    on_sweep: Callable[[int, Any], None],
    model: Any,
) -> Callable[[int, float, float | None], None]:
    """``callback`` (if any), then ``on_sweep(done, model)``; what either raises goes through."""

    def watched(iteration: int, elapsed: float, loss: float | None) -> None:
        if callback is not None:
            callback(iteration, elapsed, loss)
        try:
            on_sweep(iteration + 1, model)
        except Exception as error:
            raise _CallbackError(error) from error

    return watched


def _object_array(ids: Sequence[Hashable]) -> ObjectArray:
    array = np.empty(len(ids), dtype=object)
    array[:] = list(ids)
    return array


def _popularity(matrix: sp.csr_matrix) -> Float32Array:
    return np.bincount(matrix.indices, minlength=matrix.shape[1]).astype(np.float32)
