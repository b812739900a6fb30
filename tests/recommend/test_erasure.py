"""Recommender.erase cuts the user from the live fit: the same as a rebuild from its state."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from community_marketing.recommend import Recommender


def _rebuilt_without(model: Recommender, user: object) -> Recommender:
    """The oracle: ``model`` written out, the user's rows cut from the plain state, read back."""
    state: dict[str, Any] = model.to_state()
    index = state["user_ids"].index(user)
    del state["user_ids"][index]
    state["user_factors"] = np.delete(state["user_factors"], index, axis=0)
    if state["user_items"] is not None:
        parts = state["user_items"]
        matrix = sp.csr_matrix(
            (parts["data"], parts["indices"], parts["indptr"]),
            shape=(len(state["user_ids"]) + 1, len(state["item_ids"])),
        )
        kept = matrix[np.delete(np.arange(matrix.shape[0]), index)]
        parts.update(data=kept.data, indices=kept.indices, indptr=kept.indptr)
    return Recommender.from_state(state)


def _same_state(a: Recommender, b: Recommender) -> None:
    left, right = a.to_state(), b.to_state()
    left.pop("erasure"), right.pop("erasure")
    assert left.keys() == right.keys()
    for key in left:
        if isinstance(left[key], np.ndarray):
            np.testing.assert_array_equal(left[key], right[key], err_msg=key)
        elif isinstance(left[key], dict) and key == "user_items":
            for part in left[key]:
                np.testing.assert_array_equal(left[key][part], right[key][part], err_msg=part)
        else:
            assert left[key] == right[key], key


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 5)), min_size=1, max_size=40),
    st.integers(0, 9),
    st.sampled_from(["log", "bm25", None]),
)
def test_erase_equals_a_rebuild_without_the_user(
    pairs: list[tuple[int, int]], pick: int, weighting: Any
) -> None:
    pairs = [(0, 0), (1, 1), *pairs]
    users = [f"u{u}" for u, _ in pairs]
    items = [f"i{i}" for _, i in pairs]
    model = Recommender(
        factors=2, iterations=2, weighting=weighting, random_state=0, num_threads=1
    ).fit(users, items)
    user = model.user_ids_[pick % len(model.user_ids_)]
    expected = _rebuilt_without(model, user)
    before = model.similar_users(user, n=3) if len(model.user_ids_) > 1 else []
    assert isinstance(before, list)
    removed = model.erase(user)
    held = {i for u, i in zip(users, items, strict=True) if u == user}
    assert dict(removed.counts)["interactions"] == len(held)
    _same_state(model, expected)
    assert user not in model.user_ids_
    for other in model.user_ids_:
        assert model.similar_users(other, n=5) == expected.similar_users(other, n=5)
        assert model.recommend(other, n=3) == expected.recommend(other, n=3)
    assert model.holders_of("i0" if "i0" in model.item_ids_ else model.item_ids_[0]) == (
        expected.holders_of("i0" if "i0" in expected.item_ids_ else expected.item_ids_[0])
    )


def test_erase_counts_the_rows_it_cut_and_leaves_a_copy_untouched() -> None:
    model = Recommender(factors=2, iterations=2, random_state=0, num_threads=1)
    model.fit(["ann", "ann", "bob", "cid"], ["tea", "jam", "tea", "jam"])
    copy = Recommender.from_state(model.to_state())
    factors = model.user_factors_.copy()
    removed = model.erase("ann")
    assert dict(removed.counts) == {"users": 1, "factors": 1, "interactions": 2}
    np.testing.assert_array_equal(model.user_factors_, factors[1:])
    assert model.user_ids_ == ["bob", "cid"]
    assert copy.user_ids_ == ["ann", "bob", "cid"]
    assert model.holders_of("tea") == ["bob"]
