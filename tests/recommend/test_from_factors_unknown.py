"""Recommender.from_factors(unknown=...): ids in the history that have no factors."""

from __future__ import annotations

import pytest

from community_marketing import Interactions, InvalidInputError, Recommender, UnknownIdError

USERS, ITEMS = ["ann", "bob"], ["tea", "jam", "mug"]
USER_FACTORS = [[1.0, 0.0], [0.0, 1.0]]
ITEM_FACTORS = [[2.0, 0.0], [0.0, 3.0], [1.0, 1.0]]
HISTORY = Interactions.from_triples(
    ["ann", "ann", "cid", "bob", "bob"], ["tea", "cake", "tea", "jam", "mug"], [1, 1, 4, 2, 1]
)


def test_raise_is_the_default() -> None:
    with pytest.raises(UnknownIdError):
        Recommender.from_factors(USERS, ITEMS, USER_FACTORS, ITEM_FACTORS, interactions=HISTORY)


def test_drop_leaves_out_interactions_without_factors() -> None:
    model = Recommender.from_factors(
        USERS, ITEMS, USER_FACTORS, ITEM_FACTORS, interactions=HISTORY, unknown="drop"
    )
    assert model.recommend("ann", n=3).items == ("mug", "jam")  # tea is excluded as seen
    assert model.recommend("bob", n=3).items == ("tea",)
    with pytest.raises(UnknownIdError):
        model.recommend("cid", n=1)


def test_drop_without_unknown_ids_equals_raise() -> None:
    history = Interactions.from_triples(["ann", "bob"], ["tea", "jam"], [1, 1])
    kept, raised = (
        Recommender.from_factors(
            USERS, ITEMS, USER_FACTORS, ITEM_FACTORS, interactions=history, unknown=unknown
        )
        for unknown in ("drop", "raise")
    )
    for user in USERS:
        assert kept.recommend(user, n=3) == raised.recommend(user, n=3)


@pytest.mark.parametrize("unknown", ["skip", None, 1, ["drop"]])
def test_bad_unknown_is_refused(unknown: object) -> None:
    with pytest.raises(InvalidInputError, match="unknown: expected 'raise' or 'drop'"):
        Recommender.from_factors(
            USERS,
            ITEMS,
            USER_FACTORS,
            ITEM_FACTORS,
            unknown=unknown,  # type: ignore[arg-type]
        )
