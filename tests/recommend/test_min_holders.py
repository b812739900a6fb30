"""similar_items(min_holders=...): items with too few holders are left out."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from community_marketing.errors import InvalidInputError
from community_marketing.recommend import Interactions, Recommender

from ._support import DATA_DIR


def holder_counts(model: Recommender) -> dict[Hashable, int]:
    return {item: len(model.holders_of(item)) for item in model.item_ids_}


def cosine_order(model: Recommender, of: Hashable) -> list[Hashable]:
    factors = model.item_factors_.astype(np.float64)
    norms = np.linalg.norm(factors, axis=1)
    row = model.item_ids_.index(of)
    scores = factors @ factors[row] / (norms * norms[row])
    return [model.item_ids_[i] for i in np.argsort(-scores, kind="stable").tolist() if i != row]


def test_min_holders_leaves_out_rare_items(fitted: Recommender) -> None:
    counts = holder_counts(fitted)
    threshold = sorted(counts.values())[len(counts) // 2]
    similar = fitted.similar_items("i3", n=50, min_holders=threshold)
    assert similar
    assert all(counts[item] >= threshold for item, _ in similar)
    kept = [item for item in cosine_order(fitted, "i3") if counts[item] >= threshold]
    assert [item for item, _ in similar] == kept[:50]
    assert fitted.similar_items("i3", n=5, min_holders=0) == fitted.similar_items("i3", n=5)
    assert fitted.similar_items("i3", n=5, min_holders=1) == fitted.similar_items("i3", n=5)


def test_min_holders_above_every_count_gives_nothing(fitted: Recommender) -> None:
    assert fitted.similar_items("i3", n=5, min_holders=10_000) == []


def test_the_item_itself_may_be_rare() -> None:
    data = Interactions.from_triples(["a", "b", "b", "c"], ["x", "y", "x", "z"])
    model = Recommender.from_factors(
        ["a", "b", "c"],
        ["x", "y", "z"],
        [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
        [[1.0, 0.0], [0.9, 0.1], [0.5, 0.5]],
        interactions=data,
    )
    assert [item for item, _ in model.similar_items("z", n=5, min_holders=2)] == ["x"]


@pytest.mark.parametrize("bad", [-1, 1.5, "2", True, None])
def test_bad_min_holders_is_refused(fitted: Recommender, bad: object) -> None:
    with pytest.raises(InvalidInputError, match="min_holders"):
        fitted.similar_items("i3", min_holders=bad)  # type: ignore[arg-type]


def test_min_holders_needs_the_interactions() -> None:
    model = Recommender.from_factors(["a"], ["x", "y"], [[1.0]], [[1.0], [2.0]])
    assert model.similar_items("x", min_holders=0) == [("y", 1.0)]
    with pytest.raises(InvalidInputError, match="min_holders: needs the interactions"):
        model.similar_items("x", min_holders=1)


@settings(max_examples=30, deadline=None)
@given(
    holders=st.lists(st.integers(0, 4), min_size=3, max_size=8),
    threshold=st.integers(0, 5),
    seed=st.integers(0, 1000),
)
def test_min_holders_is_the_plain_ranking_filtered(
    holders: list[int], threshold: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    users = [f"u{i}" for i in range(4)]
    items = [f"i{j}" for j in range(len(holders))]
    pairs = [(users[i], items[j]) for j, count in enumerate(holders) for i in range(count)]
    # One interaction on the first item keeps the history non-empty.
    pairs.append((users[0], items[0]))
    data = Interactions.from_triples([u for u, _ in pairs], [i for _, i in pairs])
    factors = rng.normal(size=(len(items), 3)) + 0.01
    model = Recommender.from_factors(
        users, items, rng.normal(size=(4, 3)), factors, interactions=data
    )
    counts = holder_counts(model)
    got = [item for item, _ in model.similar_items(items[0], n=10, min_holders=threshold)]
    expected = [item for item in cosine_order(model, items[0]) if counts[item] >= threshold]
    assert got == expected[:10]


@pytest.mark.lastfm
@pytest.mark.slow
@pytest.mark.skipif(not DATA_DIR.is_dir(), reason="../shared/data/lastfm-2k is absent")
def test_lastfm_popular_artist_has_no_single_listener_neighbours() -> None:
    listens = np.loadtxt(DATA_DIR / "user_artists.dat", skiprows=1, dtype=np.int64)
    model = Recommender(random_state=0, num_threads=1).fit(
        listens[:, 0], listens[:, 1], listens[:, 2]
    )
    counts = dict(enumerate(np.bincount(listens[:, 1]).tolist()))
    popular = max(counts, key=counts.__getitem__)
    plain = [item for item, _ in model.similar_items(popular, n=10)]
    filtered = [item for item, _ in model.similar_items(popular, n=10, min_holders=2)]
    assert len(filtered) == 10
    assert min(counts[item] for item in filtered) >= 2  # type: ignore[index]
    kept = [item for item in plain if counts[item] >= 2]  # type: ignore[index]
    assert filtered[: len(kept)] == kept
