"""Tuning on the brand's own data: a seeded grid or random search scored on a held-out split.

The split is ``evaluation.train_test_split``'s (the same kernel, ``_split``): each user keeps
most of their history for training and ``validation`` of it is held out. Every trial fits
implicit's ALS on the training part and ranks for the users with held-out items exactly as
``evaluation.evaluate`` does (their training items left out), so a trial's score is what
``evaluate`` would report for those settings.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
from implicit.cpu.topk import topk

from .._checks import RandomState, check_int, generator
from .._erased import ErasedIds
from .._frames import frame, html_table
from .._progress import Progress, ShowProgress, check_show_progress
from ..errors import InvalidInputError
from ._fit import fit_als
from ._interactions import Interactions, interactions_from
from ._ranking import METRICS, metric_of
from ._split import split_interactions

if TYPE_CHECKING:
    import pandas

    from ._recommender import Recommender

__all__ = ["DEFAULT_SPACE", "SPACE_KEYS", "Trial", "TuningResult", "tune"]

SPACE_KEYS = ("factors", "regularization", "alpha", "iterations", "weighting")
"""The hyper-parameters a search may vary, in the order a grid enumerates them."""

DEFAULT_SPACE: Mapping[str, tuple[Any, ...]] = {
    "factors": (64, 128),
    "regularization": (30.0, 60.0, 100.0),
    "alpha": (2.0, 3.0, 4.0),
    "iterations": (10, 15),
    "weighting": ("log",),
}
"""The search when ``space`` is None: 36 settings (18 fits), log weighting.

Centred where implicit's ALS does best on listening data (Last.fm 2K): a regularization of
about twenty times ``alpha``, far above the constructor's 0.05, because implicit's
regularization is not scaled by the length of a history (Spark's ALS-WR is), and a confidence
of ``alpha * log1p(weight)`` needs it to grow with ``alpha``. Off that ridge precision drops
fast (factors 128, alpha 2, regularization 100: 0.170 against 0.203 at 60 and alpha 3), so the
default searches along it; pass ``space`` for data of another shape. ``alpha`` scales the
weighted values, so its range depends on the weighting (BM25 values run a hundred times
higher than ``log1p``'s): search ``weighting`` with alphas fitted to each, in separate calls.
"""

_MAX_GRID = 10_000_000


@attrs.frozen
class Trial:
    """One setting tried by :meth:`Recommender.tune`: its hyper-parameters, score and time.

    Attributes
    ----------
    factors, regularization, alpha, iterations, weighting
        The hyper-parameters of this trial (the others are the tuned model's own).
    score : float
        The validation metric (NaN when ALS could not fit these values).
    seconds : float
        Wall time of the fit and the scoring, in seconds (not compared by ``==``).

    Examples
    --------
    >>> Trial(32, 0.5, 1.0, 15, "log", 0.19, 1.2).params()["factors"]
    32
    """

    factors: int
    regularization: float
    alpha: float
    iterations: int
    weighting: str | None
    score: float
    seconds: float = attrs.field(eq=False)

    def params(self) -> dict[str, Any]:
        """The hyper-parameters by name, for ``Recommender(**...)`` or ``set_params``."""
        return {name: getattr(self, name) for name in SPACE_KEYS}


@attrs.frozen(repr=False)
class TuningResult:
    """What :meth:`Recommender.tune` found: every trial, the best one, and a way to use it.

    Attributes
    ----------
    metric : str
        ``"precision"``, ``"recall"``, ``"ndcg"`` or ``"map"``, at ``k``.
    k : int
        Cut-off of the metric.
    trials : tuple of Trial
        Every trial, in the order run.
    best : Trial
        The trial of the highest score (the first of equal ones).

    Examples
    --------
    >>> model = Recommender(factors=2, iterations=2, random_state=0, num_threads=1)
    >>> data = Interactions.from_triples(["a", "a", "b", "b", "c", "c"],
    ...                                  ["x", "y", "x", "z", "y", "z"])
    >>> result = model.tune(data, space={"factors": [1, 2]}, validation=0.5, random_state=0)
    >>> len(result.trials), result.best_params["factors"] in (1, 2)
    (2, True)
    >>> result.fit(data).is_fitted
    True
    """

    metric: str
    k: int
    trials: tuple[Trial, ...]
    _template: Any = attrs.field(eq=False, alias="template")

    @property
    def best(self) -> Trial:
        """The trial of the highest score (ties: the first); NaN scores never win."""
        scores = np.array([trial.score for trial in self.trials], dtype=np.float64)
        if np.isnan(scores).all():
            raise InvalidInputError("trials: ALS could fit none of the settings tried")
        return self.trials[int(np.nanargmax(scores))]

    @property
    def best_score(self) -> float:
        """The best trial's score."""
        return self.best.score

    @property
    def best_params(self) -> dict[str, Any]:
        """Every hyper-parameter of the best model, for ``Recommender(**...)``."""
        return {**self._template.get_params(), **self.best.params()}

    def recommender(self) -> Recommender:
        """A new unfitted ``Recommender`` with the best hyper-parameters.

        It keeps the tuned model's erased ids (their rows never come back through ``fit``).
        """
        model: Recommender = copy.copy(self._template)
        return model.set_params(**self.best.params())

    def fit(
        self,
        users: Interactions | Sequence[Hashable] | Any,
        items: Sequence[Hashable] | Any | None = None,
        weights: Sequence[float] | Any | None = None,
    ) -> Recommender:
        """:meth:`recommender`, fitted on the given interactions (as ``Recommender.fit``)."""
        return self.recommender().fit(users, items, weights)

    def to_frame(self) -> pandas.DataFrame:
        """One row per trial (hyper-parameters, score, seconds) as a pandas DataFrame."""
        return frame(
            {
                name: [getattr(trial, name) for trial in self.trials]
                for name in (*SPACE_KEYS, "score", "seconds")
            }
        )

    def __repr__(self) -> str:
        count = len(self.trials)
        if all(math.isnan(trial.score) for trial in self.trials):
            return f"TuningResult({self.metric}@{self.k}: no setting fitted, trials={count})"
        best = self.best
        return (
            f"TuningResult({self.metric}@{self.k}={best.score:.4f}, "
            f"best={best.params()}, trials={count})"
        )

    def _repr_html_(self) -> str:
        return html_table(
            f"Tuning: {self.metric}@{self.k}, {len(self.trials)} trials",
            [*SPACE_KEYS, "score", "seconds"],
            [
                [*trial.params().values(), f"{trial.score:.4f}", f"{trial.seconds:.2f}"]
                for trial in self.trials
            ],
        )


def check_space(model: Recommender, space: object) -> dict[str, tuple[Any, ...]]:
    """``space`` (or the default) as key -> distinct values, each value checked as ``fit`` would."""
    if space is None:
        space = DEFAULT_SPACE
    if not isinstance(space, Mapping):
        raise InvalidInputError(
            f"space: expected a mapping of hyper-parameter -> values, got {type(space).__name__}"
        )
    checked: dict[str, tuple[Any, ...]] = {}
    for key, values in space.items():
        if key not in SPACE_KEYS:
            raise InvalidInputError(
                f"space: {key!r} is not searched; expected keys among {', '.join(SPACE_KEYS)}"
            )
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise InvalidInputError(f"space.{key}: expected a non-empty list of values")
        for position, value in enumerate(values):
            probe = copy.copy(model).set_params(**{key: value})
            try:
                probe._check_params()
            except InvalidInputError as error:
                raise InvalidInputError(f"space.{key}[{position}]: {error}") from None
        checked[key] = tuple(dict.fromkeys(values))
    size = math.prod(len(values) for values in checked.values())
    if size > _MAX_GRID:
        raise InvalidInputError(f"space: expected at most {_MAX_GRID:,} settings, got {size:,}")
    return checked


def settings(
    space: dict[str, tuple[Any, ...]], n_trials: int | None, rng: np.random.Generator
) -> list[tuple[dict[str, Any], list[int] | None]]:
    """The settings to try, as fits: the other hyper-parameters and the iteration counts.

    Settings that differ only in ``iterations`` share one fit, scored after each count, so
    the draw is over the other hyper-parameters and each drawn point takes every count
    (the last one only as many as ``n_trials`` leaves). The whole grid, in order, when it
    has ``n_trials`` points or fewer. ``None`` counts: the model's own ``iterations``.
    """
    counts = list(space["iterations"]) if "iterations" in space else None
    others = {key: values for key, values in space.items() if key != "iterations"}
    sizes = [len(values) for values in others.values()]
    per_fit = len(counts) if counts else 1
    fits = math.prod(sizes)
    if n_trials is None or n_trials >= fits * per_fit:
        chosen, last = np.arange(fits), per_fit
    else:
        drawn = -(-n_trials // per_fit)
        chosen = rng.choice(fits, size=drawn, replace=False)
        last = n_trials - (drawn - 1) * per_fit
    out: list[tuple[dict[str, Any], list[int] | None]] = []
    for position, flat in enumerate(chosen.tolist()):
        point = np.unravel_index(flat, sizes) if sizes else ()
        params = {
            key: values[int(index)]
            for (key, values), index in zip(others.items(), point, strict=True)
        }
        wanted = counts if counts is None or position < len(chosen) - 1 else counts[:last]
        out.append((params, wanted))
    return out


def tune(
    model: Recommender,
    data: tuple[Any, Any, Any],
    *,
    space: object,
    n_trials: object,
    metric: object,
    k: object,
    validation: object,
    random_state: RandomState,
    show_progress: ShowProgress,
) -> TuningResult:
    """Search ``space`` on a split of ``data``; nothing of ``model`` changes."""
    if not isinstance(metric, str) or metric not in METRICS:
        raise InvalidInputError(f"metric: expected one of {', '.join(METRICS)}, got {metric!r}")
    k = check_int(k, "k", low=1)
    count = None if n_trials is None else check_int(n_trials, "n_trials", low=1)
    if (
        isinstance(validation, bool)
        or not isinstance(validation, (int, float))
        or not 0 < validation < 1
    ):
        raise InvalidInputError(
            f"validation: expected a number strictly between 0 and 1, got {validation!r}"
        )
    check_show_progress(show_progress)
    model._check_params()
    # Unfitted, so copies are cheap; with the model's erased ids, so they never come back.
    template = type(model)(**model.get_params()).set_params(show_progress=False)
    template._erased = ErasedIds.from_state(model._erased.to_state(), "erasure")
    grid = check_space(template, space)
    interactions = interactions_from(*data)
    rng = generator(random_state)
    train, held = split_interactions(interactions, float(validation), None, rng)
    if held.nnz == 0:
        raise InvalidInputError(
            f"validation: {validation!r} of each user's interactions rounds to none held out; "
            "raise it, or tune on users with more interactions"
        )
    seed = model.random_state if isinstance(model.random_state, int) else int(rng.integers(2**31))
    fits = settings(grid, count, rng)
    total = sum(1 if counts is None else len(counts) for _, counts in fits)
    trials: list[Trial] = []
    with Progress(show_progress, total, "tune") as progress:
        for params, counts in fits:
            trial = copy.copy(template).set_params(**params, random_state=seed)
            for group in _fit_groups(counts or [template.iterations]):
                done = _run(trial, group, train, held, metric, k)
                trials.extend(done)
                progress.advance(len(done))
    return TuningResult(metric, k, tuple(trials), template=template)


def _fit_groups(counts: list[int]) -> list[list[int]]:
    """Iteration counts that one fit can score: 0 (no sweep, no callback) fits alone."""
    if 0 in counts and len(counts) > 1:
        return [[0], [c for c in counts if c]]
    return [counts]


def _run(
    trial: Recommender,
    counts: list[int],
    train: Interactions,
    held: Interactions,
    metric: str,
    k: int,
) -> list[Trial]:
    """One fit of ``trial`` to the largest of ``counts``, scored after each of them."""
    trial.set_params(iterations=max(counts))
    params = trial._check_params()
    scored: dict[int, tuple[float, float]] = {}
    start = time.perf_counter()

    def on_sweep(done: int, model: Any) -> None:
        if done in counts:
            score = validation_score(model, train, held, metric, k, trial.num_threads)
            scored[done] = (score, time.perf_counter() - start)

    try:
        fitted = fit_als(params, train, trial.weighting, False, on_sweep=on_sweep)
        if 0 in counts:
            on_sweep(0, fitted.model)
    except InvalidInputError:
        # ALS could not fit these values (it diverged, or a confidence overflows).
        scored = {c: (math.nan, time.perf_counter() - start) for c in counts}
    return [
        Trial(
            trial.factors,
            trial.regularization,
            trial.alpha,
            iterations,
            trial.weighting,
            *scored[iterations],
        )
        for iterations in counts
    ]


def validation_score(
    model: Any, train: Interactions, held: Interactions, metric: str, k: int, num_threads: int
) -> float:
    """``metric`` at ``k`` of implicit ``model`` (fit on ``train``) against ``held``, as evaluate.

    ``train`` and ``held`` share their ids (rows and columns); the users ranked are those with
    held-out items, their training items left out of their lists.
    """
    truth = held.matrix
    rows = np.flatnonzero(np.diff(truth.indptr) > 0)
    n_items = truth.shape[1]
    width = min(k, n_items)
    ids, scores = topk(
        model.item_factors,
        np.ascontiguousarray(model.user_factors[rows]),
        width,
        filter_query_items=train.matrix[rows],
        num_threads=num_threads,
    )
    keys = np.repeat(np.arange(truth.shape[0], dtype=np.int64), np.diff(truth.indptr))
    keys = np.sort(keys * n_items + truth.indices)
    wanted = rows[:, None].astype(np.int64) * n_items + ids.astype(np.int64)
    found = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
    # A slot implicit could not fill (everything filtered) is a miss, as a short list is.
    hits = (keys[found] == wanted) & (scores > -np.finfo(np.float32).max)
    sizes = np.diff(truth.indptr)[rows].astype(np.int64)
    return metric_of(metric, hits, sizes, k)
