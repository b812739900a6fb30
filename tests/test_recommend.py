"""Tests of community_marketing.recommend: the estimator contract, every call, bad input."""

from __future__ import annotations

import ast
import warnings
from collections.abc import Hashable
from pathlib import Path
from typing import Any, ClassVar

import implicit.utils
import numpy as np
import pytest
import scipy.sparse as sp
import threadpoolctl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from implicit.cpu.als import AlternatingLeastSquares

from community_marketing.errors import InvalidInputError, NotFittedError, UnknownIdError
from community_marketing.recommend import (
    Explanation,
    FriendGraph,
    Interactions,
    RecommendationBatch,
    Recommendations,
    Recommender,
)

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "lastfm-2k"


class Friends:
    """A tiny friendship graph implementing the FriendGraph protocol."""

    def __init__(self, pairs: list[tuple[Hashable, Hashable]]) -> None:
        self._ids: list[Hashable] = []
        self._position: dict[Hashable, int] = {}
        self._friends: dict[Hashable, list[Hashable]] = {}
        for a, b in pairs:
            for node in (a, b):
                if node not in self._position:
                    self._position[node] = len(self._ids)
                    self._ids.append(node)
                    self._friends[node] = []
            self._friends[a].append(b)
            self._friends[b].append(a)

    def friends(self, id: Hashable) -> list[Hashable]:
        return list(self._friends[id])

    def adjacency(self) -> tuple[sp.csr_matrix, list[Hashable]]:
        rows, cols = [], []
        for node, others in self._friends.items():
            for other in others:
                rows.append(self._position[node])
                cols.append(self._position[other])
        size = len(self._ids)
        matrix = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(size, size))
        return matrix, list(self._ids)


def clustered(
    n_users: int = 40, n_items: int = 30, seed: int = 0
) -> tuple[list[str], list[str], list[float]]:
    """Two taste clusters: the first half of the users like the first half of the items."""
    rng = np.random.default_rng(seed)
    users, items, weights = [], [], []
    for user in range(n_users):
        half = 0 if user < n_users // 2 else 1
        pool = np.arange(half * n_items // 2, (half + 1) * n_items // 2)
        for item in rng.choice(pool, size=6, replace=False).tolist():
            users.append(f"u{user}")
            items.append(f"i{item}")
            weights.append(float(rng.integers(1, 20)))
    return users, items, weights


def small(**params: Any) -> Recommender:
    defaults: dict[str, Any] = {
        "factors": 8,
        "iterations": 8,
        "random_state": 7,
        "num_threads": 1,
    }
    defaults.update(params)
    return Recommender(**defaults)


@pytest.fixture(scope="module")
def triples() -> tuple[list[str], list[str], list[float]]:
    return clustered()


@pytest.fixture(scope="module")
def two_factor(triples: tuple[list[str], list[str], list[float]]) -> Recommender:
    """Two factors are enough for two clusters, and too few to overfit them."""
    return small(factors=2, iterations=15).fit(*triples)


@pytest.fixture(scope="module")
def fitted(triples: tuple[list[str], list[str], list[float]]) -> Recommender:
    return small().fit(*triples)


# --------------------------------------------------------------------------- contract mixin


class RecommenderContract:
    """Contract every recommender configuration keeps (in the manner of implicit's
    RecommenderBaseTestMixin): fit returns self, refit forgets, same seed same
    factors, not fitted raises, state round trip."""

    params: ClassVar[dict[str, Any]] = {}

    def make(self, **extra: Any) -> Recommender:
        return small(**{**self.params, **extra})

    def test_fit_returns_self(self) -> None:
        model = self.make()
        assert model.fit(*clustered()) is model
        assert model.is_fitted

    def test_refit_forgets_the_previous_fit(self) -> None:
        model = self.make().fit(*clustered())
        model.fit(["x", "x", "y", "y"], ["p", "q", "q", "r"])
        assert model.user_ids_ == ["x", "y"]
        assert model.item_ids_ == ["p", "q", "r"]
        assert model.user_factors_.shape == (2, model.factors)
        with pytest.raises(UnknownIdError):
            model.recommend("u0")

    def test_same_seed_same_factors(self) -> None:
        first = self.make().fit(*clustered())
        second = self.make().fit(*clustered())
        np.testing.assert_array_equal(first.user_factors_, second.user_factors_)
        np.testing.assert_array_equal(first.item_factors_, second.item_factors_)

    def test_other_seed_other_factors(self) -> None:
        first = self.make(random_state=1).fit(*clustered())
        second = self.make(random_state=2).fit(*clustered())
        assert not np.array_equal(first.user_factors_, second.user_factors_)

    def test_not_fitted_raises(self) -> None:
        model = self.make()
        for call in (
            lambda: model.user_factors_,
            lambda: model.item_factors_,
            lambda: model.user_ids_,
            lambda: model.item_ids_,
            lambda: model.recommend("u0"),
            lambda: model.recommend_many(["u0"]),
            lambda: model.similar_items("i0"),
            lambda: model.similar_users("u0"),
            lambda: model.explain("u0", "i0"),
            lambda: model.audience_for("i0"),
            lambda: model.update_users(["u0"], ["i0"]),
            lambda: model.popular(),
            model.to_state,
        ):
            with pytest.raises(NotFittedError):
                call()

    def test_state_round_trip(self) -> None:
        model = self.make().fit(*clustered())
        again = Recommender.from_state(model.to_state())
        np.testing.assert_array_equal(again.user_factors_, model.user_factors_)
        np.testing.assert_array_equal(again.item_factors_, model.item_factors_)
        assert again.user_ids_ == model.user_ids_
        assert again.item_ids_ == model.item_ids_
        users = model.user_ids_
        for user in users[:5]:
            assert again.recommend(user) == model.recommend(user)
            assert again.explain(user, "i3") == model.explain(user, "i3")
        assert again.audience_for("i3") == model.audience_for("i3")
        assert again.recommend("new", cold_start=True) == model.recommend("new", cold_start=True)
        assert again.weighting == model.weighting
        assert again.to_state()["params"] == model.to_state()["params"]

    def test_fit_never_warns(self) -> None:
        # implicit checks the BLAS thread count once per process; make it check again.
        implicit.utils._checked_blas_config = False
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            self.make().fit(*clustered())


class TestContractLog(RecommenderContract):
    params: ClassVar[dict[str, Any]] = {"weighting": "log"}


class TestContractNone(RecommenderContract):
    params: ClassVar[dict[str, Any]] = {"weighting": None}


class TestContractBm25(RecommenderContract):
    params: ClassVar[dict[str, Any]] = {"weighting": "bm25"}


class TestContractTfidf(RecommenderContract):
    params: ClassVar[dict[str, Any]] = {"weighting": "tfidf"}


class TestWeightingKeepsEveryUser:
    """No weighting drops a user's history, whatever the rounding of a logarithm."""

    @pytest.mark.parametrize("weighting", ["log", "bm25", "tfidf"])
    @pytest.mark.parametrize("n_items", [2, 3, 7, 50])
    def test_users_holding_almost_or_all_items_keep_their_history(
        self, weighting: str, n_items: int
    ) -> None:
        items = [f"i{k}" for k in range(n_items)]
        users = ["all"] * n_items + ["but_one"] * (n_items - 1) + ["one"]
        held = items + items[:-1] + items[-1:]
        model = Recommender(
            factors=2, iterations=3, weighting=weighting, random_state=0, num_threads=1
        ).fit(users, held)
        for user in ("all", "but_one", "one"):
            row = model.user_ids_.index(user)
            assert np.abs(model.user_factors_[row]).sum() > 0, user

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.integers(1, 40).flatmap(
            lambda n: st.tuples(
                st.just(n),
                st.lists(
                    st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True),
                    min_size=1,
                    max_size=20,
                ),
            )
        ),
        st.sampled_from(["bm25", "tfidf"]),
    )
    def test_every_confidence_is_positive(
        self, case: tuple[int, list[list[int]]], weighting: str
    ) -> None:
        from community_marketing.recommend._weighting import item_length_norm as _item_length_norm, weigh as _weigh

        n_items, rows = case
        indptr = np.cumsum([0] + [len(r) for r in rows])
        indices = np.concatenate([np.sort(r) for r in rows])
        raw = sp.csr_matrix(
            (np.ones(len(indices), np.float32), indices, indptr), shape=(len(rows), n_items)
        )
        weighted = _weigh(raw, weighting, n_items, _item_length_norm(raw))
        assert weighted.nnz == raw.nnz
        assert (weighted.data > 0).all()


# --------------------------------------------------------------------------- Interactions


def test_from_triples_sums_duplicates_and_keeps_first_appearance_order() -> None:
    data = Interactions.from_triples(["b", "a", "b"], [2, 1, 2], [1.0, 2.0, 3.0])
    assert data.user_ids == ("b", "a")
    assert data.item_ids == (2, 1)
    assert data.matrix.toarray().tolist() == [[4.0, 0.0], [0.0, 2.0]]
    assert data.matrix.dtype == np.float32
    assert data.items_of("b") == [2]


def test_from_triples_numpy_fast_path_matches_the_list_path() -> None:
    users = np.array([30, 10, 30, 20, 10], dtype=np.int64)
    items = np.array(["b", "a", "b", "c", "c"])
    weights = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    fast = Interactions.from_triples(users, items, weights)
    slow = Interactions.from_triples(users.tolist(), items.tolist(), weights.tolist())
    assert fast.user_ids == slow.user_ids == (30, 10, 20)
    assert fast.item_ids == slow.item_ids == ("b", "a", "c")
    assert all(type(user) is int for user in fast.user_ids)
    assert (fast.matrix != slow.matrix).nnz == 0


def test_from_triples_defaults_weights_to_one_and_drops_zeros() -> None:
    data = Interactions.from_triples(["a", "a", "b"], ["x", "y", "x"], [0.0, 1.0, 1.0])
    assert data.nnz == 2
    assert Interactions.from_triples(["a"], ["x"]).matrix.toarray().tolist() == [[1.0]]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0])
def test_from_triples_names_the_bad_row(bad: float) -> None:
    with pytest.raises(InvalidInputError, match=r"weights\[2\]"):
        Interactions.from_triples(["a", "b", "c"], ["x", "y", "z"], [1.0, 2.0, bad])


@pytest.mark.parametrize(
    ("users", "items", "weights", "message"),
    [
        ([], [], None, "at least one"),
        (["a", "b"], ["x"], None, "items: expected 2"),
        (["a"], ["x"], [1.0, 2.0], "weights: expected 1"),
        (["a", None], ["x", "y"], None, "users"),
        (["a"], ["x"], ["heavy"], "weights"),
        ("ab", ["x", "y"], None, "users"),
    ],
)
def test_from_triples_bad_input(users: Any, items: Any, weights: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        Interactions.from_triples(users, items, weights)


def test_from_csr_checks_shape_ids_and_values() -> None:
    matrix = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 2.0]]))
    with pytest.raises(InvalidInputError, match="shape"):
        Interactions.from_csr(matrix, ["a"], ["x", "y"])
    with pytest.raises(InvalidInputError, match="distinct"):
        Interactions.from_csr(matrix, ["a", "a"], ["x", "y"])
    with pytest.raises(InvalidInputError, match=r"scipy\.sparse"):
        Interactions.from_csr(np.eye(2), ["a", "b"], ["x", "y"])
    negative = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, -2.0]]))
    with pytest.raises(InvalidInputError, match="user 'b' for item 'y'"):
        Interactions.from_csr(negative, ["a", "b"], ["x", "y"])


def test_from_csr_does_not_modify_the_callers_matrix() -> None:
    coo = sp.coo_matrix(([1.0, 2.0, 0.0], ([0, 0, 1], [1, 1, 0])), shape=(2, 2))
    matrix = sp.csr_matrix(coo)
    before = (matrix.data.copy(), matrix.indices.copy(), matrix.indptr.copy())
    data = Interactions.from_csr(matrix, ["a", "b"], ["x", "y"])
    assert data.matrix.toarray().tolist() == [[0.0, 3.0], [0.0, 0.0]]
    for part, saved in zip((matrix.data, matrix.indices, matrix.indptr), before, strict=True):
        np.testing.assert_array_equal(part, saved)


# --------------------------------------------------------------------------- fit


def test_hyper_parameters_are_stored_unmodified() -> None:
    rng = np.random.default_rng(3)
    model = Recommender(factors=5, regularization=0.5, alpha=3, weighting=None, random_state=rng)
    assert (model.factors, model.regularization, model.alpha, model.weighting) == (5, 0.5, 3, None)
    assert model.random_state is rng


def test_fit_accepts_interactions_and_numpy_arrays(
    triples: tuple[list[str], list[str], list[float]],
) -> None:
    users, items, weights = triples
    from_value = small().fit(Interactions.from_triples(users, items, weights))
    from_arrays = small().fit(np.array(users), np.array(items), np.array(weights))
    np.testing.assert_array_equal(from_value.user_factors_, from_arrays.user_factors_)


def test_fit_with_a_generator_is_reproducible_from_the_same_seed(
    triples: tuple[list[str], list[str], list[float]],
) -> None:
    first = small(random_state=np.random.default_rng(5)).fit(*triples)
    second = small(random_state=np.random.default_rng(5)).fit(*triples)
    np.testing.assert_array_equal(first.item_factors_, second.item_factors_)


def test_factors_equal_raw_implicit_on_the_same_matrix(
    triples: tuple[list[str], list[str], list[float]],
) -> None:
    data = Interactions.from_triples(*triples)
    ours = small(alpha=2.0, regularization=0.05).fit(data)
    confidence = data.matrix.copy()
    confidence.data = np.log1p(confidence.data)
    with threadpoolctl.threadpool_limits(1, "blas"):
        raw = AlternatingLeastSquares(
            factors=8, regularization=0.05, alpha=2.0, iterations=8, random_state=7, num_threads=1
        )
        raw.fit(confidence, show_progress=False)
    np.testing.assert_array_equal(ours.user_factors_, raw.user_factors)
    np.testing.assert_array_equal(ours.item_factors_, raw.item_factors)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"factors": 0}, "factors"),
        ({"factors": 2.5}, "factors"),
        ({"regularization": -1.0}, "regularization"),
        ({"alpha": 0.0}, "alpha"),
        ({"iterations": -1}, "iterations"),
        ({"weighting": "sqrt"}, "weighting"),
        ({"num_threads": -2}, "num_threads"),
        ({"random_state": np.random.RandomState(0)}, "random_state"),
        ({"random_state": "seed"}, "random_state"),
        ({"show_progress": "yes"}, "show_progress"),
    ],
)
def test_bad_hyper_parameters_raise_at_fit(params: dict[str, Any], message: str) -> None:
    model = small(**params)
    with pytest.raises(InvalidInputError, match=message):
        model.fit(["a", "b"], ["x", "y"])


@pytest.mark.parametrize(
    ("users", "items", "weights", "message"),
    [
        (["a", "a"], ["x", "y"], None, "at least 2 users"),
        (["a", "b"], ["x", "x"], None, "2 items"),
        (["a", "b"], ["x", "y"], [0.0, 0.0], "at least one|positive"),
        (["a", "b"], ["x"], None, "items: expected 2"),
        ([], [], None, "at least one"),
    ],
)
def test_fit_bad_interactions(users: Any, items: Any, weights: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        small().fit(users, items, weights)


def test_fit_with_interactions_and_triples_at_once_raises(
    triples: tuple[list[str], list[str], list[float]],
) -> None:
    with pytest.raises(InvalidInputError, match="Interactions"):
        small().fit(Interactions.from_triples(*triples), ["x"])
    with pytest.raises(InvalidInputError, match="items"):
        small().fit(["a", "b"])


def test_failed_fit_keeps_the_previous_fit(fitted: Recommender) -> None:
    model = small().fit(*clustered())
    before = model.user_factors_.copy()
    with pytest.raises(InvalidInputError):
        model.fit(["a", "b"], ["x", "y"], [1.0, -1.0])
    np.testing.assert_array_equal(model.user_factors_, before)


# --------------------------------------------------------------------------- recommend


def manual_scores(model: Recommender, user: Hashable) -> dict[Hashable, float]:
    row = model.user_ids_.index(user)
    scores = model.item_factors_ @ model.user_factors_[row]
    return dict(zip(model.item_ids_, scores.tolist(), strict=True))


def test_recommend_ranks_by_dot_product_and_excludes_seen(
    fitted: Recommender, triples: tuple[list[str], list[str], list[float]]
) -> None:
    users, items, _ = triples
    seen = {item for user, item in zip(users, items, strict=True) if user == "u0"}
    recs = fitted.recommend("u0", n=5)
    assert isinstance(recs, Recommendations)
    assert recs.source == "als"
    assert len(recs) == 5
    assert not seen & set(recs.items)
    expected = manual_scores(fitted, "u0")
    unseen = sorted((item for item in expected if item not in seen), key=lambda i: -expected[i])
    assert list(recs.items) == unseen[:5]
    assert recs.scores == pytest.approx([expected[i] for i in recs.items], rel=1e-5)
    assert list(recs.scores) == sorted(recs.scores, reverse=True)


def test_recommend_finds_the_users_cluster(two_factor: Recommender) -> None:
    first_half = {f"i{i}" for i in range(15)}
    assert set(two_factor.recommend("u1", n=5).items) <= first_half
    assert not set(two_factor.recommend("u30", n=5).items) & first_half


def test_recommend_can_include_seen_items(fitted: Recommender) -> None:
    recs = fitted.recommend("u0", n=30, exclude_seen=False)
    assert len(recs) == 30
    assert set(recs.items) == set(fitted.item_ids_)


def test_recommend_with_candidates_and_exclusions(fitted: Recommender) -> None:
    recs = fitted.recommend("u0", n=10, items=["i20", "i1", "i2"], exclude_seen=False)
    assert sorted(map(str, recs.items)) == ["i1", "i2", "i20"]
    expected = manual_scores(fitted, "u0")
    assert list(recs.items) == sorted(recs.items, key=lambda i: -expected[i])
    best = fitted.recommend("u0", n=3)
    without = fitted.recommend("u0", n=3, exclude=[best.items[0], "never-seen-item"])
    assert best.items[0] not in without.items
    assert without.items[:2] == best.items[1:]
    with pytest.raises(UnknownIdError):
        fitted.recommend("u0", items=["i1", "nope"])


def test_recommend_returns_fewer_when_everything_is_filtered(fitted: Recommender) -> None:
    history = [item for item, _ in fitted.recommend("u0", n=30, exclude_seen=False)]
    recs = fitted.recommend("u0", n=30)
    assert len(recs) == 30 - 6
    assert set(recs.items) | set(history) == set(history)
    assert fitted.recommend("u0", items=["i0", "i1", "i2", "i3", "i4", "i5", "i6"], n=7)


def test_recommend_unknown_user_raises_unless_cold_start(fitted: Recommender) -> None:
    with pytest.raises(UnknownIdError) as caught:
        fitted.recommend("stranger")
    assert caught.value.id == "stranger"
    recs = fitted.recommend("stranger", n=3, cold_start=True)
    assert recs.source == "popularity"
    assert list(recs.items) == [item for item, _ in fitted.popular(n=3)]


@pytest.mark.parametrize(
    ("options", "message"),
    [({"n": 0}, "n"), ({"social_weight": 1.5}, "social_weight"), ({"social_weight": -1}, "social")],
)
def test_recommend_bad_options(fitted: Recommender, options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        fitted.recommend("u0", **options)


def test_recommend_many_matches_recommend(fitted: Recommender) -> None:
    users = ["u3", "u0", "u25", "u3"]
    batch = fitted.recommend_many(users, n=4)
    assert isinstance(batch, RecommendationBatch)
    assert batch.users == tuple(users)
    assert batch.items.shape == (4, 4)
    assert batch.sources == ("als",) * 4
    for position, user in enumerate(users):
        single = fitted.recommend(user, n=4)
        # One row or several take different BLAS paths: the last float bits may differ.
        assert batch[position].items == single.items
        assert batch[position].scores == pytest.approx(single.scores, rel=1e-5)
    assert [rec.user for rec in batch] == users
    assert len(batch[1:3]) == 2


def test_recommend_many_pads_short_rows(fitted: Recommender) -> None:
    batch = fitted.recommend_many(["u0", "u1"], n=30)
    assert batch.items.shape == (2, 30)
    assert batch.items[0, -1] is None
    assert batch.scores[0, -1] == -np.inf
    assert len(batch[0]) == 24


def test_recommend_many_unknown_user_raises(fitted: Recommender) -> None:
    with pytest.raises(UnknownIdError):
        fitted.recommend_many(["u0", "ghost"])


def test_recommend_many_mixes_warm_and_cold_users(fitted: Recommender) -> None:
    batch = fitted.recommend_many(["u0", "ghost"], n=3, cold_start=True)
    assert batch.sources == ("als", "popularity")
    assert batch[0].items == fitted.recommend("u0", n=3).items
    assert batch[1].items == tuple(item for item, _ in fitted.popular(n=3))


# --------------------------------------------------------------------------- social and cold start


def test_social_weight_zero_is_plain_als(fitted: Recommender) -> None:
    graph = Friends([("u0", "u30"), ("u0", "u31")])
    assert fitted.recommend("u0", friends=graph, social_weight=0.0) == fitted.recommend("u0")


def test_social_blend_mixes_the_friends_mean(fitted: Recommender) -> None:
    graph = Friends([("u0", "u30"), ("u0", "u31"), ("u0", "stranger")])
    recs = fitted.recommend("u0", n=24, friends=graph, social_weight=0.5)
    assert recs.source == "social"
    ids = fitted.user_ids_
    factors = fitted.user_factors_
    mean = (factors[ids.index("u30")] + factors[ids.index("u31")]) / 2
    blended = 0.5 * factors[ids.index("u0")] + 0.5 * mean
    expected = dict(zip(fitted.item_ids_, (fitted.item_factors_ @ blended).tolist(), strict=True))
    assert recs.scores == pytest.approx([expected[i] for i in recs.items], rel=1e-4, abs=1e-6)
    assert list(recs.items) == sorted(recs.items, key=lambda i: -expected[i])


def test_social_blend_without_known_friends_stays_als(fitted: Recommender) -> None:
    graph = Friends([("u0", "stranger")])
    recs = fitted.recommend("u0", friends=graph, social_weight=0.5)
    assert recs.source == "als"
    assert recs == fitted.recommend("u0")
    lonely = Friends([("x", "y")])
    assert fitted.recommend("u0", friends=lonely, social_weight=0.5).source == "als"


def test_cold_user_is_scored_from_friends(two_factor: Recommender) -> None:
    graph = Friends([("newbie", "u30"), ("newbie", "u31"), ("newbie", "u32")])
    recs = two_factor.recommend("newbie", n=5, friends=graph)
    assert recs.source == "friends"
    second_half = {f"i{i}" for i in range(15, 30)}
    assert set(recs.items) <= second_half


def test_cold_user_with_only_unknown_friends_uses_friends_of_friends(
    two_factor: Recommender,
) -> None:
    graph = Friends([("newbie", "also-new"), ("also-new", "u30"), ("also-new", "u31")])
    recs = two_factor.recommend("newbie", n=5, friends=graph)
    assert recs.source == "friends"
    assert set(recs.items) <= {f"i{i}" for i in range(15, 30)}


def test_cold_scores_follow_friends_and_their_listens(fitted: Recommender) -> None:
    # u0's own items lead a cold user whose only friend is u0 (listens term).
    graph = Friends([("newbie", "u0")])
    recs = fitted.recommend("newbie", n=6, friends=graph)
    own = [item for item, _ in fitted.recommend("u0", n=30, exclude_seen=False)]
    history = set(own) - set(fitted.recommend("u0", n=30).items)
    assert len(set(recs.items) & history) >= 3
    assert list(recs.scores) == sorted(recs.scores, reverse=True)


def test_cold_user_without_friends_gets_popularity(fitted: Recommender) -> None:
    graph = Friends([("newbie", "other-stranger")])
    recs = fitted.recommend("newbie", n=4, friends=graph)
    assert recs.source == "popularity"
    assert list(recs.items) == [item for item, _ in fitted.popular(n=4)]
    assert fitted.recommend("not-in-graph", friends=graph).source == "popularity"


def test_cold_start_respects_candidates_and_exclusions(fitted: Recommender) -> None:
    graph = Friends([("newbie", "u30")])
    recs = fitted.recommend("newbie", n=5, friends=graph, items=["i1", "i20", "i21"])
    assert sorted(map(str, recs.items)) == ["i1", "i20", "i21"]
    top = fitted.recommend("newbie", n=1, friends=graph).items[0]
    assert top not in fitted.recommend("newbie", n=5, friends=graph, exclude=[top]).items
    popular = fitted.popular(n=1)[0][0]
    assert popular not in fitted.recommend("alone", cold_start=True, exclude=[popular]).items


def test_many_users_go_through_the_adjacency_like_through_friends(fitted: Recommender) -> None:
    pairs: list[tuple[Hashable, Hashable]] = [(f"u{i}", f"u{(i + 1) % 40}") for i in range(40)]
    pairs += [(f"cold{i}", f"u{i}") for i in range(40)]
    graph = Friends(pairs)
    users = [f"u{i}" for i in range(40)] + [f"cold{i}" for i in range(40)] + ["alone"]
    batch = fitted.recommend_many(users, n=5, friends=graph, social_weight=0.3)
    assert batch.sources.count("social") == 40
    assert batch.sources.count("friends") == 40
    assert batch.sources[-1] == "popularity"
    for position in (0, 17, 40, 79, 80):
        single = fitted.recommend(users[position], n=5, friends=graph, social_weight=0.3)
        assert single.items == batch[position].items
        assert single.source == batch[position].source
        assert single.scores == pytest.approx(batch[position].scores, rel=1e-4, abs=1e-6)


def test_friend_graph_protocol_is_runtime_checkable() -> None:
    assert isinstance(Friends([]), FriendGraph)
    assert not isinstance(object(), FriendGraph)


def test_recommend_module_never_imports_referrals() -> None:
    import community_marketing.recommend as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert not any("referrals" in name for name in imported)


# --------------------------------------------------------------------------- similar, explain


def cosine_ranking(factors: np.ndarray, ids: list[Hashable], of: Hashable) -> list[Hashable]:
    norms = np.linalg.norm(factors, axis=1)
    row = ids.index(of)
    scores = factors @ factors[row] / (norms * norms[row])
    order = [i for i in np.argsort(-scores, kind="stable").tolist() if i != row]
    return [ids[i] for i in order]


def test_similar_items_is_cosine_without_the_item(fitted: Recommender) -> None:
    similar = fitted.similar_items("i3", n=4)
    assert len(similar) == 4
    assert "i3" not in [item for item, _ in similar]
    expected = cosine_ranking(fitted.item_factors_, fitted.item_ids_, "i3")
    assert [item for item, _ in similar] == expected[:4]
    assert all(-1.0001 <= score <= 1.0001 for _, score in similar)
    with pytest.raises(UnknownIdError):
        fitted.similar_items("nope")


def test_similar_users_is_cosine_without_the_user(fitted: Recommender) -> None:
    similar = fitted.similar_users("u5", n=3)
    expected = cosine_ranking(fitted.user_factors_, fitted.user_ids_, "u5")
    assert [user for user, _ in similar] == expected[:3]
    assert len(fitted.similar_users("u5", n=500)) == 39
    with pytest.raises(UnknownIdError):
        fitted.similar_users("nope")


def test_explain_lists_the_users_own_items(
    fitted: Recommender, triples: tuple[list[str], list[str], list[float]]
) -> None:
    users, items, _ = triples
    history = {item for user, item in zip(users, items, strict=True) if user == "u0"}
    target = fitted.recommend("u0", n=1).items[0]
    why = fitted.explain("u0", target, n=3)
    assert isinstance(why, Explanation)
    assert (why.user, why.item) == ("u0", target)
    assert len(why.contributions) == 3
    assert {item for item, _ in why.contributions} <= history
    scores = [score for _, score in why.contributions]
    assert scores == sorted(scores, reverse=True)
    everything = fitted.explain("u0", target, n=50)
    assert len(everything.contributions) == len(history)
    assert everything.score == pytest.approx(sum(s for _, s in everything.contributions), rel=1e-4)
    assert everything.score == pytest.approx(why.score)


def test_explain_unknown_ids_raise(fitted: Recommender) -> None:
    with pytest.raises(UnknownIdError):
        fitted.explain("ghost", "i1")
    with pytest.raises(UnknownIdError):
        fitted.explain("u0", "ghost")


# --------------------------------------------------------------------------- audience


def test_audience_for_ranks_users_without_the_item(
    fitted: Recommender, triples: tuple[list[str], list[str], list[float]]
) -> None:
    users, items, _ = triples
    holders = {user for user, item in zip(users, items, strict=True) if item == "i3"}
    audience = fitted.audience_for("i3", n=500)
    assert {user for user, _ in audience} == set(fitted.user_ids_) - holders
    column = fitted.item_ids_.index("i3")
    scores = fitted.user_factors_ @ fitted.item_factors_[column]
    expected = {u: s for u, s in zip(fitted.user_ids_, scores.tolist(), strict=True)}
    assert [s for _, s in audience] == pytest.approx([expected[u] for u, _ in audience])
    assert [s for _, s in audience] == sorted((s for _, s in audience), reverse=True)
    assert fitted.audience_for("i3", n=3) == audience[:3]


def test_audience_for_respects_eligible(fitted: Recommender) -> None:
    audience = fitted.audience_for("i3", n=10, eligible=["u20", "u21", "ghost", "u20"])
    assert {user for user, _ in audience} <= {"u20", "u21"}
    assert fitted.audience_for("i3", eligible=[]) == []
    assert fitted.audience_for("i3", eligible=["ghost"]) == []
    with pytest.raises(UnknownIdError):
        fitted.audience_for("ghost-item")


# --------------------------------------------------------------------------- update_users


def test_update_users_adds_a_new_user_like_implicit_recalculate(
    triples: tuple[list[str], list[str], list[float]],
) -> None:
    model = small().fit(*triples)
    items_before = model.item_factors_.copy()
    model.update_users(["new", "new"], ["i20", "i21"], [3.0, 4.0])
    assert model.user_ids_[-1] == "new"
    assert model.user_factors_.shape[0] == 41
    np.testing.assert_array_equal(model.item_factors_, items_before)
    recs = model.recommend("new", n=5)
    assert recs.source == "als"
    assert not {"i20", "i21"} & set(recs.items)
    row = sp.csr_matrix((np.log1p([3.0, 4.0]).astype(np.float32), [20, 21], [0, 2]), shape=(1, 30))
    columns = [model.item_ids_.index(f"i{i}") for i in range(30)]
    row = row[:, np.argsort(columns)]
    raw = model.to_state()
    implicit_model = AlternatingLeastSquares(
        factors=8, regularization=0.05, alpha=2.0, iterations=1, num_threads=1
    )
    implicit_model.user_factors = raw["user_factors"]
    implicit_model.item_factors = raw["item_factors"]
    expected = implicit_model.recalculate_user([0], sp.csr_matrix(row))
    np.testing.assert_allclose(model.user_factors_[-1], expected[0], rtol=1e-4, atol=1e-6)


def test_update_users_extends_an_existing_history(
    triples: tuple[list[str], list[str], list[float]],
) -> None:
    model = small().fit(*triples)
    before = model.user_factors_.copy()
    model.update_users(["u0"], ["i29"], [50.0])
    assert "i29" not in model.recommend("u0", n=30).items
    assert not np.array_equal(model.user_factors_[0], before[0])
    np.testing.assert_array_equal(model.user_factors_[1:], before[1:])


def test_update_users_unknown_item_changes_nothing(
    triples: tuple[list[str], list[str], list[float]],
) -> None:
    model = small().fit(*triples)
    state = model.to_state()
    with pytest.raises(UnknownIdError):
        model.update_users(["new"], ["brand-new-item"])
    with pytest.raises(InvalidInputError):
        model.update_users(["new"], ["i1"], [float("nan")])
    assert model.user_ids_ == state["user_ids"]
    np.testing.assert_array_equal(model.user_factors_, state["user_factors"])


# --------------------------------------------------------------------------- from_factors


def test_from_factors_serves_outside_factors() -> None:
    model = Recommender.from_factors(
        ["a", "b"], ["x", "y", "z"], [[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]
    )
    assert model.recommend("b", n=3).items == ("y", "z", "x")
    assert model.user_factors_.dtype == np.float32
    with pytest.raises(InvalidInputError, match="explain"):
        model.explain("a", "x")


def test_from_factors_with_interactions_excludes_seen() -> None:
    data = Interactions.from_triples(["b", "a"], ["y", "z"])
    model = Recommender.from_factors(
        ["a", "b"],
        ["x", "y", "z"],
        [[1.0, 0.0], [0.0, 1.0]],
        [[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]],
        interactions=data,
    )
    assert model.recommend("b", n=3).items == ("z", "x")
    assert model.audience_for("y") == [("a", 0.0)]
    assert model.explain("b", "z").contributions[0][0] == "y"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((["a"], ["x"], [[1.0, 2.0]], [[1.0]]), "columns"),
        ((["a", "a"], ["x"], [[1.0], [2.0]], [[1.0]]), "distinct"),
        ((["a"], ["x"], [[float("nan")]], [[1.0]]), "finite"),
        ((["a"], ["x"], [[1.0], [2.0]], [[1.0]]), "shape"),
        ((["a"], ["x"], "factors", [[1.0]]), "user_factors"),
        (([], ["x"], np.zeros((0, 1)), [[1.0]]), "at least one"),
    ],
)
def test_from_factors_bad_input(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        Recommender.from_factors(*args)


def test_from_factors_interactions_must_use_known_ids() -> None:
    with pytest.raises(UnknownIdError):
        Recommender.from_factors(
            ["a"], ["x"], [[1.0]], [[1.0]], interactions=Interactions.from_triples(["z"], ["x"])
        )


# --------------------------------------------------------------------------- state


def test_state_is_plain_data(fitted: Recommender) -> None:
    state = fitted.to_state()
    assert state["schema"] == 1
    allowed = (dict, list, str, int, float, bool, type(None), np.ndarray)

    def walk(value: object) -> None:
        assert isinstance(value, allowed), type(value)
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(state)


def test_state_round_trip_after_update_and_with_a_generator() -> None:
    model = small(random_state=np.random.default_rng(1)).fit(*clustered())
    model.update_users(["late"], ["i2"])
    again = Recommender.from_state(model.to_state())
    assert again.random_state is None
    assert again.recommend("late") == model.recommend("late")
    assert again.user_ids_ == model.user_ids_


def test_from_state_does_not_share_arrays_with_the_state(fitted: Recommender) -> None:
    state = fitted.to_state()
    again = Recommender.from_state(state)
    state["user_factors"][:] = 0.0
    assert again.user_factors_.any()


JUNK: list[tuple[str, object]] = [
    ("schema", 2),
    ("params", None),
    ("params", {"factors": 3}),
    ("user_ids", "abc"),
    ("user_ids", ["same", "same"]),
    ("item_ids", None),
    ("user_factors", [[1.0]]),
    ("user_factors", np.zeros((1, 1))),
    ("item_factors", np.full((30, 8), np.nan)),
    ("item_factors", np.zeros((30, 3))),
    ("user_items", {"data": np.ones(2)}),
    ("user_items", "matrix"),
    ("popularity", np.zeros(3)),
    ("popularity", "hot"),
    ("item_length_norm", np.zeros(2)),
]


@pytest.mark.parametrize(("key", "junk"), JUNK)
def test_from_state_rejects_junk_with_invalid_input(
    fitted: Recommender, key: str, junk: object
) -> None:
    state = fitted.to_state()
    state[key] = junk
    with pytest.raises(InvalidInputError):
        Recommender.from_state(state)


def test_from_state_rejects_bad_params_and_csr(fitted: Recommender) -> None:
    state = fitted.to_state()
    state["params"] = {**state["params"], "weighting": "sqrt"}
    with pytest.raises(InvalidInputError, match="weighting"):
        Recommender.from_state(state)
    state = fitted.to_state()
    state["user_items"]["indices"] = state["user_items"]["indices"] + 1000
    with pytest.raises(InvalidInputError, match="user_items"):
        Recommender.from_state(state)
    state = fitted.to_state()
    state["user_items"]["data"] = -state["user_items"]["data"]
    with pytest.raises(InvalidInputError):
        Recommender.from_state(state)
    junk: object
    for junk in (None, [], "state", {"schema": 1}):
        with pytest.raises(InvalidInputError):
            Recommender.from_state(junk)


junk_values = st.one_of(
    st.none(),
    st.integers(-3, 3),
    st.floats(allow_nan=True),
    st.text(max_size=3),
    st.lists(st.integers(0, 3), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.builds(np.zeros, st.integers(0, 4)),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(key=st.sampled_from(sorted(small().fit(*clustered()).to_state())), junk=junk_values)
def test_from_state_raises_only_invalid_input(fitted: Recommender, key: str, junk: object) -> None:
    state = fitted.to_state()
    state[key] = junk
    try:
        again = Recommender.from_state(state)
    except InvalidInputError:
        return
    # The few junk values that are valid (None for optional parts) still give a working model.
    assert again.recommend("u0", n=3)


# --------------------------------------------------------------------------- Last.fm


def load_lastfm() -> tuple[Interactions, Friends]:
    listens = np.loadtxt(DATA_DIR / "user_artists.dat", skiprows=1, dtype=np.int64)
    pairs = np.loadtxt(DATA_DIR / "user_friends.dat", dtype=np.int64)
    data = Interactions.from_triples(listens[:, 0], listens[:, 1], listens[:, 2])
    return data, Friends([(int(a), int(b)) for a, b in pairs.tolist() if a < b])


@pytest.mark.lastfm
@pytest.mark.slow
@pytest.mark.skipif(not DATA_DIR.is_dir(), reason="../shared/data/lastfm-2k is absent")
def test_lastfm_cold_start_beats_popularity_and_warm_beats_popularity() -> None:
    from community_marketing.evaluation import (
        PopularityBaseline,
        evaluate,
        hide_users,
        train_test_split,
    )

    data, graph = load_lastfm()
    train, test = train_test_split(data, test_fraction=0.2, random_state=0)
    model = Recommender(random_state=0).fit(train)
    warm = evaluate(model, train, test, k=10)
    popular = evaluate(PopularityBaseline().fit(train), train, test, k=10)
    assert warm.precision > 2 * popular.precision
    train, hidden = hide_users(data, fraction=0.2, random_state=0)
    model = Recommender(random_state=0).fit(train)
    cold = evaluate(model, train, hidden, k=10, friends=graph)
    cold_popular = evaluate(PopularityBaseline().fit(train), train, hidden, k=10)
    assert cold.precision > cold_popular.precision + 0.1
