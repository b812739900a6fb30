"""Hyper-parameters as scikit-learn reads them, and pickles and copies built on ``to_state``."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .._erased import ErasedIds
from .._persist import pickle_reduce
from ..errors import InvalidInputError

if TYPE_CHECKING:
    from ._recommender import Recommender

__all__ = ["PARAMS", "copied", "get_params", "reduce_model", "set_params"]

PARAMS = (
    "factors",
    "regularization",
    "alpha",
    "iterations",
    "weighting",
    "num_threads",
    "random_state",
    "show_progress",
)
"""The constructor's hyper-parameters, in its order."""


def get_params(model: Recommender) -> dict[str, Any]:
    """Every hyper-parameter by name, as stored (scikit-learn's ``get_params``)."""
    return {name: getattr(model, name) for name in PARAMS}


def set_params(model: Recommender, params: dict[str, Any]) -> Recommender:
    """Set hyper-parameters by name; an unknown name changes nothing and raises."""
    for name in params:
        if name not in PARAMS:
            raise InvalidInputError(
                f"{name}: not a parameter of Recommender; expected one of {', '.join(PARAMS)}"
            )
    for name, value in params.items():
        setattr(model, name, value)
    return model


def _snapshot(model: Recommender) -> dict[str, Any]:
    return {
        "state": model.to_state() if model.is_fitted else None,
        "params": get_params(model),
        "erasure": model._erased.to_state(),
    }


def restore(cls: type[Recommender], snapshot: dict[str, Any]) -> Recommender:
    """The model of :func:`_snapshot`: ``from_state`` when fitted, with the exact parameters."""
    state = snapshot["state"]
    model = cls() if state is None else cls.from_state(state)
    model._erased = ErasedIds.from_state(snapshot["erasure"], "erasure")
    return set_params(model, snapshot["params"])


def reduce_model(model: Recommender) -> tuple[Any, ...]:
    """``__reduce__``: ``from_state`` over ``to_state`` (if fitted) and the parameters."""
    rebuild, (snapshot,) = pickle_reduce(restore, _snapshot(model))
    return rebuild, (type(model), snapshot)


def copied(model: Recommender, memo: dict[int, Any] | None) -> Recommender:
    """An independent copy; the parameters are shared by ``copy.copy``, copied by ``deepcopy``."""
    snapshot = _snapshot(model)
    params = snapshot.pop("params")
    snapshot = copy.deepcopy(snapshot, memo)
    snapshot["params"] = params if memo is None else copy.deepcopy(params, memo)
    return restore(type(model), snapshot)
