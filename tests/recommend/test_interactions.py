"""Interactions (_interactions): building the users x items matrix from triples or a CSR."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from community_marketing.errors import InvalidInputError
from community_marketing.recommend import (
    Interactions,
)


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
