"""show_progress on long operations: a bar, a callback(done, total), or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from community_marketing import (
    InvalidInputError,
    OptInRegistry,
    Recommender,
    ReferralGraph,
    plan_campaign,
)
from community_marketing.datasets import synthetic_community
from community_marketing.referrals import _reach, _sparse

T0 = datetime(2026, 6, 1, 12, tzinfo=UTC)


class Recorder:
    """A progress callback that keeps every report, and can stop the work at one."""

    def __init__(self, stop_at: int | None = None) -> None:
        self.calls: list[tuple[int, int]] = []
        self.stop_at = stop_at

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))
        if self.stop_at is not None and len(self.calls) == self.stop_at:
            raise KeyboardInterrupt("stopped by the application")

    def assert_complete(self, total: int | None = None) -> None:
        assert self.calls, "no progress was reported"
        done = [d for d, _ in self.calls]
        assert done == sorted(done)
        assert len(set(done)) == len(done)
        assert self.calls[-1][0] == self.calls[-1][1]
        if total is not None:
            assert self.calls[-1] == (total, total)


@pytest.fixture
def ring() -> ReferralGraph:
    graph = ReferralGraph()
    n = 200
    chords = {tuple(sorted((i, (i * 7 + 3) % n))) for i in range(n)}
    pairs = {tuple(sorted((i, (i + 1) % n))) for i in range(n)} | chords
    graph.add_friendships(sorted((a, b) for a, b in pairs if a != b))
    return graph


def test_reach_all_reports_every_member_in_blocks(
    ring: ReferralGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = ring.reach_all(hops=2)
    monkeypatch.setattr(_sparse, "VISITED_BUDGET", 300)
    monkeypatch.setattr(_reach, "BLOCK_BYTES", 8 * 4 * 30)  # 30 rows of 4-word bitsets
    recorder = Recorder()
    np.testing.assert_array_equal(ring.reach_all(hops=2, show_progress=recorder), expected)
    recorder.assert_complete(200)
    assert len(recorder.calls) > 1
    for hops in (0, 1):
        once = Recorder()
        ring.reach_all(hops=hops, show_progress=once)
        assert once.calls == [(200, 200)]


def test_simulate_cascade_reports_runs_and_keeps_the_result(
    ring: ReferralGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_sparse, "VISITED_BUDGET", 200 * 10)
    plain = ring.simulate_cascade([0, 50], probability=0.3, runs=40, random_state=3)
    recorder = Recorder()
    chunked = ring.simulate_cascade(
        [0, 50], probability=0.3, runs=40, random_state=3, show_progress=recorder
    )
    assert recorder.calls == [(10, 40), (20, 40), (30, 40), (40, 40)]
    # Reporting draws nothing: the same seed gives the same reach, run for run.
    np.testing.assert_array_equal(chunked.reach, plain.reach)


def test_cascade_influencers_report_sets_drawn(ring: ReferralGraph) -> None:
    plain = ring.influencers(3, method="cascade", probability=0.2, random_state=5)
    recorder = Recorder()
    best = ring.influencers(
        3, method="cascade", probability=0.2, random_state=5, show_progress=recorder
    )
    assert best.ids == plain.ids
    assert best.samples == plain.samples
    assert best.expected_spread == plain.expected_spread
    recorder.assert_complete(best.samples)
    for method in ("degree", "pagerank"):
        once = Recorder()
        reported = ring.influencers(3, method=method, show_progress=once)
        quiet = ring.influencers(3, method=method)
        assert reported.ids == quiet.ids
        np.testing.assert_array_equal(reported.scores, quiet.scores)
        assert once.calls == [(1, 1)]


def test_stopping_from_the_callback_propagates(ring: ReferralGraph) -> None:
    before = ring.to_state()
    with pytest.raises(KeyboardInterrupt, match="stopped"):
        ring.simulate_cascade([0], probability=0.5, runs=10, show_progress=Recorder(stop_at=1))
    assert_same(ring.to_state(), before)


def assert_same(actual: object, expected: object) -> None:
    """Deep equality for states that hold numpy arrays."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict)
        assert actual.keys() == expected.keys()
        for key in expected:
            assert_same(actual[key], expected[key])
    elif isinstance(expected, (list, tuple)):
        assert isinstance(actual, type(expected))
        assert len(actual) == len(expected)
        for a, b in zip(actual, expected, strict=True):
            assert_same(a, b)
    elif isinstance(expected, np.ndarray):
        np.testing.assert_array_equal(actual, expected)
    else:
        assert actual == expected


def fitted_pair() -> tuple[list[str], list[str]]:
    users = [f"u{i % 12}" for i in range(60)]
    items = [f"i{(i * 5) % 9}" for i in range(60)]
    return users, items


def test_recommender_fit_reports_each_sweep() -> None:
    users, items = fitted_pair()
    plain = Recommender(factors=3, iterations=4, random_state=0, num_threads=1).fit(users, items)
    recorder = Recorder()
    model = Recommender(
        factors=3, iterations=4, random_state=0, num_threads=1, show_progress=recorder
    ).fit(users, items)
    assert recorder.calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    np.testing.assert_array_equal(model.user_factors_, plain.user_factors_)
    # A callable is the application's, not data: the state keeps a bool.
    assert model.to_state()["params"]["show_progress"] is False
    assert Recommender.from_state(model.to_state()).recommend("u1") == model.recommend("u1")


def test_recommender_fit_stopped_keeps_the_earlier_fit() -> None:
    users, items = fitted_pair()
    model = Recommender(factors=3, iterations=4, random_state=0, num_threads=1).fit(users, items)
    before = model.user_factors_.copy()
    model.show_progress = Recorder(stop_at=2)
    with pytest.raises(KeyboardInterrupt):
        model.fit(users[:30], items[:30])
    np.testing.assert_array_equal(model.user_factors_, before)
    assert len(model.user_ids_) == 12


def test_plan_campaign_reports_its_four_stages() -> None:
    users = [f"u{i}" for i in range(20)]
    rng = np.random.default_rng(0)
    model = Recommender.from_factors(users, ["tea"], rng.normal(size=(20, 2)), [[1.0, 0.5]])
    registry = OptInRegistry()
    registry.grant_many(
        users[:15], "launches", "email", basis="express", source="form", at=T0 - timedelta(hours=1)
    )
    graph = ReferralGraph()
    graph.add_friendships([(users[i], users[(i + 1) % 20]) for i in range(20)])
    options: dict[str, Any] = {
        "recommender": model, "registry": registry, "purpose": "launches", "channel": "email",
        "graph": graph, "seeds": 2, "at": T0, "random_state": 1,
    }  # fmt: skip
    recorder = Recorder()
    plan = plan_campaign("tea", **options, show_progress=recorder)
    assert recorder.calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert plan == plan_campaign("tea", **options)
    events = registry.events()
    with pytest.raises(KeyboardInterrupt):
        plan_campaign("tea", **options, show_progress=Recorder(stop_at=3))
    assert registry.events() == events


def test_synthetic_community_reports_five_stages() -> None:
    recorder = Recorder()
    community = synthetic_community(300, 40, random_state=2, show_progress=recorder)
    assert recorder.calls == [(i, 5) for i in range(1, 6)]
    assert community == synthetic_community(300, 40, random_state=2)


def test_true_draws_a_bar_on_stderr(
    ring: ReferralGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = ring.reach_all(hops=2)
    assert capsys.readouterr().err == ""
    np.testing.assert_array_equal(ring.reach_all(hops=2, show_progress=True), expected)
    assert "reach" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["yes", 1, None, 0.5])
def test_bad_show_progress_names_the_field_and_changes_nothing(
    ring: ReferralGraph, bad: object
) -> None:
    calls = [
        lambda: ring.reach_all(show_progress=bad),
        lambda: ring.simulate_cascade([0], probability=0.1, show_progress=bad),
        lambda: ring.influencers(2, show_progress=bad),
        lambda: ring.influencers(2, method="cascade", show_progress=bad),
        lambda: synthetic_community(50, 10, show_progress=bad),
    ]
    for call in calls:
        with pytest.raises(
            InvalidInputError, match=r"^show_progress: expected a bool or a callable"
        ):
            call()
    users, items = fitted_pair()
    model = Recommender(factors=2, iterations=1, random_state=0, num_threads=1).fit(users, items)
    before = model.user_factors_.copy()
    model.show_progress = bad  # type: ignore[assignment]
    with pytest.raises(InvalidInputError, match=r"^show_progress: "):
        model.fit(users, items)
    np.testing.assert_array_equal(model.user_factors_, before)


def test_a_bar_stays_when_done_and_reaches_its_total(capsys: pytest.CaptureFixture[str]) -> None:
    users = [f"u{i}" for i in range(20)]
    rng = np.random.default_rng(0)
    model = Recommender.from_factors(users, ["tea"], rng.normal(size=(20, 2)), [[1.0, 0.5]])
    registry = OptInRegistry()
    registry.grant_many(
        users, "launches", "email", basis="express", source="form", at=T0 - timedelta(hours=1)
    )
    plan_campaign(
        "tea", recommender=model, registry=registry, purpose="launches", channel="email",
        at=T0, show_progress=True,
    )  # fmt: skip
    drawn = capsys.readouterr().err
    last = drawn.replace("\r", "\n").strip().splitlines()[-1]
    assert "4/4" in last
    assert "100%" in last
