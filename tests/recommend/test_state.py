"""from_factors, to_state and from_state (_state): outside factors and persistence."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community_marketing.errors import InvalidInputError, UnknownIdError
from community_marketing.recommend import (
    Interactions,
    Recommender,
)

from ._support import clustered, small


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
