"""Confidence weighting (_weighting): no weighting ever drops a user's history."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community_marketing.recommend import (
    Recommender,
)
from community_marketing.recommend._weighting import item_length_norm, weigh


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

        n_items, rows = case
        indptr = np.cumsum([0] + [len(r) for r in rows])
        indices = np.concatenate([np.sort(r) for r in rows])
        raw = sp.csr_matrix(
            (np.ones(len(indices), np.float32), indices, indptr), shape=(len(rows), n_items)
        )
        weighted = weigh(raw, weighting, n_items, item_length_norm(raw))
        assert weighted.nnz == raw.nnz
        assert (weighted.data > 0).all()
