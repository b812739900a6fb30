"""Recommender.tune: a seeded search scored as evaluation.evaluate scores, on its split."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from community_marketing.errors import InvalidInputError
from community_marketing.evaluation import evaluate, train_test_split
from community_marketing.recommend import Interactions, Recommender, Trial, TuningResult
from community_marketing.recommend._tuning import settings as draw_settings

from ._support import DATA_DIR, clustered, small

SPACE = {"factors": [2, 4], "regularization": [0.01, 1.0], "alpha": [1.0, 3.0]}


@pytest.fixture(scope="module")
def data() -> Interactions:
    return Interactions.from_triples(*clustered(n_users=60, n_items=30, seed=3))


def test_the_same_seed_gives_the_same_search(data: Interactions) -> None:
    first = small().tune(data, space=SPACE, n_trials=5, random_state=4)
    second = small().tune(data, space=SPACE, n_trials=5, random_state=4)
    assert [t.params() for t in first.trials] == [t.params() for t in second.trials]
    assert [t.score for t in first.trials] == [t.score for t in second.trials]
    other = small().tune(data, space=SPACE, n_trials=5, random_state=5)
    assert [t.params() for t in other.trials] != [t.params() for t in first.trials]


def test_a_small_grid_is_tried_whole_and_in_order(data: Interactions) -> None:
    result = small().tune(data, space=SPACE, n_trials=100, random_state=0)
    grid = [
        (f, r, a) for f in SPACE["factors"] for r in SPACE["regularization"] for a in SPACE["alpha"]
    ]
    assert [(t.factors, t.regularization, t.alpha) for t in result.trials] == grid
    assert small().tune(data, space=SPACE, n_trials=None, random_state=0).trials == result.trials


def test_a_large_grid_is_sampled_without_repeats(data: Interactions) -> None:
    space = {"factors": [2, 3, 4, 5], "alpha": [0.5, 1.0, 2.0, 4.0], "iterations": [2, 4]}
    result = small().tune(data, space=space, n_trials=6, random_state=0)
    seen = [(t.factors, t.alpha, t.iterations) for t in result.trials]
    assert len(set(seen)) == 6
    for factors, alpha, iterations in seen:
        assert factors in space["factors"]
        assert alpha in space["alpha"]
        assert iterations in space["iterations"]
    assert {t.regularization for t in result.trials} == {small().regularization}
    assert {t.weighting for t in result.trials} == {"log"}


@pytest.mark.parametrize("metric", ["precision", "recall", "ndcg", "map"])
def test_each_score_is_what_evaluate_reports_on_the_same_split(
    data: Interactions, metric: str
) -> None:
    model = small(random_state=11)
    result = model.tune(
        data, space=SPACE, n_trials=3, metric=metric, k=5, validation=0.3, random_state=2
    )
    train, held = train_test_split(data, test_fraction=0.3, random_state=2)
    for trial in result.trials:
        oracle = small(random_state=11, **trial.params()).fit(train)
        report = evaluate(oracle, train, held, k=5)
        assert trial.score == pytest.approx(getattr(report, metric), abs=1e-12)
        assert trial.seconds > 0


def test_iteration_counts_scored_from_one_fit_are_separate_fits(data: Interactions) -> None:
    space = {"alpha": [1.0, 3.0], "iterations": [0, 2, 5]}
    result = small(random_state=3).tune(data, space=space, n_trials=5, random_state=1)
    assert [t.iterations for t in result.trials] == [0, 2, 5, 0, 2]
    train, held = train_test_split(data, test_fraction=0.2, random_state=1)
    for trial in result.trials:
        oracle = small(random_state=3, **trial.params()).fit(train)
        assert trial.score == pytest.approx(evaluate(oracle, train, held, k=10).precision)


def test_the_model_does_not_change_and_the_result_fits_the_best(data: Interactions) -> None:
    model = small(num_threads=1).fit(data)
    before = model.to_state()
    result = model.tune(data, space=SPACE, n_trials=4, random_state=0)
    after = model.to_state()
    np.testing.assert_array_equal(after["item_factors"], before["item_factors"])
    assert after["params"] == before["params"]
    best = result.best
    assert best.score == max(t.score for t in result.trials)
    assert result.best_score == best.score
    assert result.best_params == {**model.get_params(), **best.params()}
    fresh = result.recommender()
    assert not fresh.is_fitted
    assert fresh.get_params() == result.best_params
    fitted = result.fit(data)
    assert fitted.is_fitted
    assert fitted.num_threads == 1
    assert fitted.factors == best.factors


def test_the_result_is_frozen_and_tabular(data: Interactions) -> None:
    result = small().tune(data, space={"alpha": [1.0, 2.0]}, random_state=0)
    assert isinstance(result, TuningResult)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        result.k = 3  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        result.trials[0].score = 1.0  # type: ignore[misc]
    assert repr(result).startswith(f"TuningResult(precision@10={result.best_score:.4f}, best=")
    assert repr(result).endswith("trials=2)")
    assert "<table" in result._repr_html_()
    pytest.importorskip("pandas")
    table = result.to_frame()
    assert list(table.columns) == [
        "factors", "regularization", "alpha", "iterations", "weighting", "score", "seconds",
    ]  # fmt: skip
    assert table["alpha"].tolist() == [1.0, 2.0]
    assert isinstance(result.trials[0], Trial)


def test_erased_users_stay_out_of_the_search_and_the_refit(data: Interactions) -> None:
    model = small().fit(data)
    model.erase("u3", at=datetime(2026, 1, 1, tzinfo=UTC))
    result = model.tune(data, space={"alpha": [1.0]}, random_state=0)
    assert "u3" not in result.fit(data).user_ids_
    assert "u3" not in result.recommender().fit(data).user_ids_


def test_progress_reaches_the_total_and_a_raise_stops_cleanly(data: Interactions) -> None:
    calls: list[tuple[int, int]] = []
    small().tune(
        data, space=SPACE, n_trials=3, random_state=0, show_progress=lambda *a: calls.append(a)
    )
    assert calls == [(1, 3), (2, 3), (3, 3)]
    model = small().fit(data)
    before = model.to_state()

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.tune(data, space=SPACE, n_trials=3, random_state=0, show_progress=stop)
    np.testing.assert_array_equal(model.to_state()["user_factors"], before["user_factors"])


def test_the_bar_is_drawn(data: Interactions, capsys: pytest.CaptureFixture[str]) -> None:
    space = {"alpha": [1.0, 2.0], "iterations": [2, 3]}
    small().tune(data, space=space, random_state=0, show_progress=True)
    err = capsys.readouterr().err
    assert "tune:" in err
    # tqdm skips redraws within 0.1 s, so the last frame drawn may come before the end.
    assert "/4 [" in err


def test_a_setting_als_cannot_fit_scores_nan_and_never_wins() -> None:
    users, items, _ = clustered()
    heavy = Interactions.from_triples(users, items, [5e5] * len(users))
    model = small(weighting=None)
    result = model.tune(heavy, space={"alpha": [1.0, 3.0]}, random_state=0)
    assert np.isnan(result.trials[1].score)
    assert result.best.alpha == 1.0
    hopeless = model.tune(heavy, space={"alpha": [3.0]}, random_state=0)
    assert repr(hopeless) == "TuningResult(precision@10: no setting fitted, trials=1)"
    with pytest.raises(InvalidInputError, match="trials: ALS could fit none"):
        hopeless.best  # noqa: B018


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"metric": "auc"}, "metric: expected one of precision, recall, ndcg, map"),
        ({"metric": None}, "metric"),
        ({"k": 0}, "k: expected"),
        ({"n_trials": 0}, "n_trials: expected"),
        ({"n_trials": 2.5}, "n_trials"),
        ({"validation": 1.0}, "validation: expected a number strictly between 0 and 1"),
        ({"validation": True}, "validation"),
        ({"validation": 0.01}, "validation: 0.01 of each user's interactions rounds to none"),
        ({"space": [("alpha", [1.0])]}, "space: expected a mapping"),
        ({"space": {"num_threads": [1]}}, "space: 'num_threads' is not searched"),
        ({"space": {"alpha": []}}, "space.alpha: expected a non-empty list"),
        ({"space": {"weighting": "log"}}, "space.weighting: expected a non-empty list"),
        ({"space": {"alpha": [1.0, -1.0]}}, "space.alpha\\[1\\]: alpha"),
        ({"space": {"weighting": ["log", "bm24"]}}, "space.weighting\\[1\\]: weighting"),
        ({"show_progress": "yes"}, "show_progress"),
    ],
)
def test_bad_arguments_are_refused_and_change_nothing(
    data: Interactions, options: dict[str, Any], match: str
) -> None:
    model = small().fit(data)
    before = model.to_state()
    with pytest.raises(InvalidInputError, match=match):
        model.tune(data, **{"space": {"alpha": [1.0]}, "random_state": 0, **options})
    assert model.to_state()["params"] == before["params"]
    np.testing.assert_array_equal(model.to_state()["item_factors"], before["item_factors"])


def test_bad_model_parameters_are_refused_before_any_work(data: Interactions) -> None:
    with pytest.raises(InvalidInputError, match="num_threads"):
        small(num_threads=-1).tune(data, space={"alpha": [1.0]})


@pytest.mark.lastfm
@pytest.mark.slow
@pytest.mark.skipif(not DATA_DIR.is_dir(), reason="../shared/data/lastfm-2k is absent")
def test_lastfm_tuned_beats_the_defaults_on_the_test_split() -> None:
    listens = np.loadtxt(DATA_DIR / "user_artists.dat", skiprows=1, dtype=np.int64)
    data = Interactions.from_triples(listens[:, 0], listens[:, 1], listens[:, 2])
    train, test = train_test_split(data, test_fraction=0.2, random_state=0)
    model = Recommender(random_state=0)
    space = {"factors": [32, 64], "alpha": [1.0, 2.0], "regularization": [0.05, 5.0]}
    result = model.tune(train, space=space, n_trials=4, random_state=0)
    tuned = evaluate(result.fit(train), train, test, k=10).precision
    default = evaluate(Recommender(random_state=0).fit(train), train, test, k=10).precision
    assert tuned >= default


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=0, max_size=3),
    iterations=st.one_of(st.none(), st.lists(st.integers(1, 30), min_size=1, max_size=3)),
    n_trials=st.one_of(st.none(), st.integers(1, 40)),
    seed=st.integers(0, 100),
)
def test_the_draw_covers_n_trials_distinct_settings_of_the_grid(
    sizes: list[int], iterations: list[int] | None, n_trials: int | None, seed: int
) -> None:
    keys = ["factors", "regularization", "alpha"][: len(sizes)]
    space: dict[str, tuple[Any, ...]] = {
        key: tuple(range(1, size + 1)) for key, size in zip(keys, sizes, strict=True)
    }
    if iterations is not None:
        space["iterations"] = tuple(dict.fromkeys(iterations))
    fits = draw_settings(space, n_trials, np.random.default_rng(seed))
    tried = [
        (tuple(params.items()), count) for params, counts in fits for count in counts or [None]
    ]
    total = int(np.prod(sizes)) * len(space.get("iterations", (None,)))
    assert len(tried) == (total if n_trials is None else min(n_trials, total))
    assert len(set(tried)) == len(tried)
    for params, count in tried:
        assert all(dict(params)[key] in space[key] for key in keys)
        assert count is None or count in space["iterations"]
    assert fits == draw_settings(space, n_trials, np.random.default_rng(seed))
