"""Tests of community_marketing.evaluation: metrics against hand counts and implicit, splits."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pytest
import scipy.sparse as sp
import threadpoolctl
from hypothesis import given, settings
from hypothesis import strategies as st
from implicit.cpu.als import AlternatingLeastSquares
from implicit.evaluation import ranking_metrics_at_k

from community_marketing.errors import InvalidInputError, NotFittedError
from community_marketing.evaluation import (
    EvaluationReport,
    PopularityBaseline,
    coverage,
    evaluate,
    hide_users,
    map_at_k,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    relevant_items,
    train_test_split,
)
from community_marketing.recommend import Interactions, Recommender


def community(n_users: int = 60, n_items: int = 40, seed: int = 0) -> Interactions:
    rng = np.random.default_rng(seed)
    users, items = [], []
    for user in range(n_users):
        pool = np.arange(20) if user % 2 else np.arange(20, n_items)
        for item in rng.choice(pool, size=int(rng.integers(3, 12)), replace=False).tolist():
            users.append(f"u{user}")
            items.append(f"i{item}")
    return Interactions.from_triples(users, items, rng.integers(1, 9, size=len(users)))


# --------------------------------------------------------------------------- metrics by hand

RECOMMENDED: dict[Hashable, list[Hashable]] = {"a": ["x", "y", "z"], "b": ["p", "q", "r"]}
RELEVANT: dict[Hashable, set[Hashable]] = {"a": {"y"}, "b": {"p", "r", "s", "t"}, "c": set()}


def test_precision_is_hits_over_k() -> None:
    # a: 1 hit, b: 2 hits; c has nothing relevant and is skipped.
    assert precision_at_k(RECOMMENDED, RELEVANT, k=3) == pytest.approx((1 / 3 + 2 / 3) / 2)
    # Not implicit's min(K, |relevant|): "a" has one relevant item and still scores 1/3.
    assert precision_at_k(RECOMMENDED, {"a": {"y"}}, k=3) == pytest.approx(1 / 3)


def test_recall_is_hits_over_relevant() -> None:
    assert recall_at_k(RECOMMENDED, RELEVANT, k=3) == pytest.approx((1 / 1 + 2 / 4) / 2)


def test_ndcg_by_hand() -> None:
    a = (1 / np.log2(3)) / 1.0
    b = (1 + 1 / np.log2(4)) / (1 + 1 / np.log2(3) + 1 / np.log2(4))
    assert ndcg_at_k(RECOMMENDED, RELEVANT, k=3) == pytest.approx((a + b) / 2)


def test_map_by_hand() -> None:
    a = (1 / 2) / 1
    b = (1 / 1 + 2 / 3) / 3
    assert map_at_k(RECOMMENDED, RELEVANT, k=3) == pytest.approx((a + b) / 2)


def test_metrics_cut_at_k_and_count_missing_users_as_empty() -> None:
    assert precision_at_k(RECOMMENDED, RELEVANT, k=1) == pytest.approx(0.5)
    assert precision_at_k({}, RELEVANT, k=3) == 0.0
    assert precision_at_k(RECOMMENDED, {}, k=3) == 0.0
    assert ndcg_at_k({"a": ["y"]}, {"a": {"y"}}, k=10) == pytest.approx(1.0)


def test_coverage() -> None:
    assert coverage(RECOMMENDED, 12) == pytest.approx(0.5)
    with pytest.raises(InvalidInputError, match="catalogue_size"):
        coverage(RECOMMENDED, 0)


@pytest.mark.parametrize("metric", [precision_at_k, recall_at_k, ndcg_at_k, map_at_k])
def test_metrics_bad_input(metric: object) -> None:
    assert callable(metric)
    with pytest.raises(InvalidInputError, match="k"):
        metric(RECOMMENDED, RELEVANT, k=0)
    with pytest.raises(InvalidInputError, match="relevant"):
        metric(RECOMMENDED, [("a", {"y"})], k=3)
    with pytest.raises(InvalidInputError, match="recommended"):
        metric([["x"]], RELEVANT, k=3)


def test_ndcg_and_map_agree_with_implicit() -> None:
    data = community()
    train, test = train_test_split(data, test_fraction=0.3, random_state=3)
    with threadpoolctl.threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(factors=4, iterations=5, random_state=1, num_threads=1)
        model.fit(train.matrix, show_progress=False)
        theirs = ranking_metrics_at_k(model, train.matrix, test.matrix, K=5, show_progress=False)
    rows = np.arange(data.n_users)
    ids, _ = model.recommend(rows, train.matrix[rows], N=5)
    recommended = {
        user: [data.item_ids[i] for i in ids[row].tolist()]
        for row, user in enumerate(data.user_ids)
    }
    relevant = relevant_items(test)
    assert ndcg_at_k(recommended, relevant, k=5) == pytest.approx(theirs["ndcg"], rel=1e-6)
    assert map_at_k(recommended, relevant, k=5) == pytest.approx(theirs["map"], rel=1e-6)
    # implicit's precision divides by min(K, |relevant|) over all users at once.
    ours = precision_at_k(recommended, relevant, k=5)
    assert ours <= theirs["precision"] + 1e-9


# --------------------------------------------------------------------------- splits


def test_train_test_split_partitions_each_user() -> None:
    data = community()
    train, test = train_test_split(data, test_fraction=0.25, random_state=0)
    assert train.user_ids == data.user_ids == test.user_ids
    assert train.item_ids == data.item_ids == test.item_ids
    np.testing.assert_allclose((train.matrix + test.matrix).toarray(), data.matrix.toarray())
    assert train.matrix.multiply(test.matrix).nnz == 0
    assert (np.diff(train.matrix.indptr) >= 1).all()
    held = np.diff(test.matrix.indptr)
    expected = np.minimum(
        np.rint(np.diff(data.matrix.indptr) * 0.25), np.diff(data.matrix.indptr) - 1
    )
    np.testing.assert_array_equal(held, expected)


def test_train_test_split_is_seeded() -> None:
    data = community()
    first = train_test_split(data, random_state=4)[1].matrix
    second = train_test_split(data, random_state=4)[1].matrix
    other = train_test_split(data, random_state=5)[1].matrix
    assert (first != second).nnz == 0
    assert (first != other).nnz > 0
    generator = train_test_split(data, random_state=np.random.default_rng(4))[1].matrix
    assert (first != generator).nnz == 0


def test_leave_k_out() -> None:
    data = community()
    train, test = train_test_split(data, leave_out=2, random_state=0)
    counts = np.diff(data.matrix.indptr)
    held = np.diff(test.matrix.indptr)
    np.testing.assert_array_equal(held, np.where(counts > 2, 2, 0))
    assert train.nnz + test.nnz == data.nnz


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"test_fraction": 0.0}, "test_fraction"),
        ({"test_fraction": 1.0}, "test_fraction"),
        ({"test_fraction": "half"}, "test_fraction"),
        ({"leave_out": 0}, "leave_out"),
        ({"leave_out": 1.5}, "leave_out"),
        ({"random_state": np.random.RandomState(0)}, "random_state"),
    ],
)
def test_train_test_split_bad_input(options: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        train_test_split(community(), **options)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="Interactions"):
        train_test_split(sp.csr_matrix(np.eye(2)))


@settings(max_examples=40, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(1, 5)), min_size=1, max_size=40
    ),
    fraction=st.floats(0.05, 0.95),
    seed=st.integers(0, 2**16),
)
def test_split_property_partition(
    pairs: list[tuple[int, int, int]], fraction: float, seed: int
) -> None:
    users, items, weights = zip(*pairs, strict=True)
    data = Interactions.from_triples(list(users), list(items), list(weights))
    train, test = train_test_split(data, test_fraction=fraction, random_state=seed)
    assert ((train.matrix + test.matrix) != data.matrix).nnz == 0
    assert train.matrix.multiply(test.matrix).nnz == 0
    assert (np.diff(train.matrix.indptr) >= 1).all()


def test_hide_users() -> None:
    data = community()
    train, hidden = hide_users(data, fraction=0.2, random_state=0)
    assert hidden.n_users == 12
    assert train.n_users == 48
    assert not set(train.user_ids) & set(hidden.user_ids)
    assert train.nnz + hidden.nnz == data.nnz
    for user in hidden.user_ids:
        assert hidden.items_of(user) == data.items_of(user)
    again = hide_users(data, fraction=0.2, random_state=0)[1]
    assert again.user_ids == hidden.user_ids
    with pytest.raises(InvalidInputError, match="fraction"):
        hide_users(data, fraction=1.5)


# --------------------------------------------------------------------------- evaluate, baseline


def test_evaluate_reports_every_metric() -> None:
    data = community()
    train, test = train_test_split(data, test_fraction=0.3, random_state=0)
    model = Recommender(factors=4, iterations=8, random_state=0, num_threads=1).fit(train)
    report = evaluate(model, train, test, k=5)
    assert isinstance(report, EvaluationReport)
    assert report.k == 5
    assert report.users == len(relevant_items(test))
    batch = model.recommend_many(list(relevant_items(test)), n=5)
    recommended = {rec.user: list(rec.items) for rec in batch}
    truth = relevant_items(test)
    assert report.precision == pytest.approx(precision_at_k(recommended, truth, k=5))
    assert report.recall == pytest.approx(recall_at_k(recommended, truth, k=5))
    assert report.ndcg == pytest.approx(ndcg_at_k(recommended, truth, k=5))
    assert report.map == pytest.approx(map_at_k(recommended, truth, k=5))
    assert report.coverage == pytest.approx(coverage(recommended, data.n_items))
    popular = evaluate(PopularityBaseline().fit(train), train, test, k=5)
    assert report.precision > popular.precision


def test_evaluate_bad_input() -> None:
    data = community()
    train, test = train_test_split(data, random_state=0)
    baseline = PopularityBaseline().fit(train)
    with pytest.raises(InvalidInputError, match="train, test"):
        evaluate(baseline, train.matrix, test)
    empty = Interactions.from_csr(sp.csr_matrix(test.matrix.shape), test.user_ids, test.item_ids)
    with pytest.raises(InvalidInputError, match="held-out"):
        evaluate(baseline, train, empty)
    with pytest.raises(InvalidInputError, match="k"):
        evaluate(baseline, train, test, k=0)


def test_popularity_baseline() -> None:
    data = Interactions.from_triples(["a", "b", "b", "c"], ["x", "x", "y", "z"])
    model = PopularityBaseline()
    with pytest.raises(NotFittedError):
        model.recommend_many(["a"])
    with pytest.raises(NotFittedError):
        _ = model.item_ids_
    assert model.fit(data) is model
    batch = model.recommend_many(["a", "b", "new"], n=3)
    assert batch[0].items == ("y", "z")
    assert batch[1].items == ("z",)
    assert batch[2].items == ("x", "y", "z")
    assert batch[2].scores == (2.0, 1.0, 1.0)
    assert model.recommend_many(["a"], n=1, exclude_seen=False)[0].items == ("x",)
    assert model.item_ids_ == ["x", "y", "z"]
    model.fit(Interactions.from_triples(["q"], ["w"]))
    assert model.recommend_many(["a"], n=3)[0].items == ("w",)


# --------------------------------------------------------------------------- bad input (issue 12)


def test_a_relevant_or_recommended_list_given_as_one_str_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="relevant"):
        precision_at_k({"a": ["x"]}, {"a": "xy"}, k=1)
    with pytest.raises(InvalidInputError, match="recommended"):
        precision_at_k({"a": "xy"}, {"a": {"x"}}, k=1)
    with pytest.raises(InvalidInputError, match="recommended"):
        coverage({"a": "xy"}, 3)


def test_unhashable_and_non_collection_items_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="relevant"):
        recall_at_k({"a": ["x"]}, {"a": 1}, k=1)
    with pytest.raises(InvalidInputError, match="recommended"):
        ndcg_at_k({"a": [["x"]]}, {"a": {"x"}}, k=1)


def test_a_huge_k_is_answered_without_allocating_it() -> None:
    assert precision_at_k({"a": ["x"]}, {"a": {"x"}}, k=2**31 - 1) == pytest.approx(2**-31)
    assert map_at_k({"a": ["x"]}, {"a": {"x", "y"}}, k=2**31 - 1) == pytest.approx(0.5)
    with pytest.raises(InvalidInputError, match=r"^k: "):
        precision_at_k({"a": ["x"]}, {"a": {"x"}}, k=2**80)


def test_a_huge_leave_out_keeps_every_user_whole() -> None:
    data = community()
    train, test = train_test_split(data, leave_out=2**80, random_state=0)
    assert (train.nnz, test.nnz) == (data.nnz, 0)


def test_evaluate_and_relevant_items_refuse_what_is_not_a_model_or_interactions() -> None:
    data = community()
    with pytest.raises(InvalidInputError, match="recommender"):
        evaluate(5, data, data)
    with pytest.raises(InvalidInputError, match="test"):
        relevant_items("test")  # type: ignore[arg-type]


def test_the_baseline_refuses_a_non_bool_exclude_seen_and_unhashable_users() -> None:
    model = PopularityBaseline().fit(community())
    with pytest.raises(InvalidInputError, match="exclude_seen"):
        model.recommend_many(["u1"], exclude_seen=None)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"users\[0\]"):
        model.recommend_many([["u1"]])
