"""Issue 12's inputs for Recommender: each refused, naming the field, changing nothing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from community_marketing import InvalidInputError, ReferralGraph
from community_marketing.recommend import Interactions, Recommender

from .._sweep import same

USERS = ["ann", "ann", "bob", "bob", "cid", "cid", "dan", "eve"]
ITEMS = ["tea", "jam", "tea", "scone", "jam", "scone", "tea", "jam"]


def fitted(**params: Any) -> Recommender:
    defaults: dict[str, Any] = {"factors": 3, "iterations": 3, "random_state": 0, "num_threads": 1}
    return Recommender(**{**defaults, **params}).fit(USERS, ITEMS)


def refuses(model: Recommender, field: str, call: Any) -> None:
    """``call()`` raises InvalidInputError naming ``field`` and leaves the state as it was."""
    before = model.to_state()
    with pytest.raises(InvalidInputError, match=field):
        call()
    assert same(before, model.to_state())


# ---------------------------------------------------------------- kind 3: a str is not a list


def test_a_history_given_as_one_str_is_refused() -> None:
    model = fitted()
    refuses(model, r"histories\[0\]", lambda: model.recommend_related(["ann"], histories=["xy"]))


@pytest.mark.parametrize("histories", ["ab", 5, 1.5, b"ab", np.array([np.nan, 1.0])])
def test_histories_that_are_not_a_sequence_of_histories_are_refused(histories: Any) -> None:
    model = fitted()
    refuses(model, "histories", lambda: model.recommend_related(["ann"], histories=histories))


def test_a_history_as_a_list_still_works() -> None:
    assert fitted().recommend_related(["zed"], histories=[["tea"]], n=1)[0] is not None


# ---------------------------------------------------------------- kind 4: ill-typed values


@pytest.mark.parametrize("value", [None, 1, 0, "yes", np.array([True])])
@pytest.mark.parametrize("field", ["exclude_seen", "cold_start"])
def test_non_bool_flags_are_refused(field: str, value: Any) -> None:
    model = fitted()
    refuses(model, field, lambda: model.recommend("ann", **{field: value}))
    refuses(model, field, lambda: model.recommend_many(["ann"], **{field: value}))


@pytest.mark.parametrize("friends", [5, "graph", [("ann", "bob")], object(), np.zeros(2)])
def test_friends_that_are_not_a_graph_are_refused(friends: Any) -> None:
    model = fitted()
    refuses(model, "friends", lambda: model.recommend("ann", friends=friends, social_weight=0.5))
    refuses(model, "friends", lambda: model.recommend_many(["zed"], friends=friends))


def test_a_graph_whose_friends_are_one_str_is_refused() -> None:
    class Odd:
        def friends(self, id: Any) -> Any:
            return "bob"

        def adjacency(self) -> Any:
            raise AssertionError

    model = fitted()
    refuses(model, "friends", lambda: model.recommend("zed", friends=Odd()))


def test_a_real_graph_is_still_welcome() -> None:
    graph = ReferralGraph()
    graph.add_friendships([("zed", "ann")])
    assert fitted().recommend("zed", n=1, friends=graph).source == "friends"


# ---------------------------------------------------------------- kind 5: ALS overflow


def test_huge_weights_without_weighting_are_refused_and_the_fit_stays() -> None:
    model = fitted(factors=2, weighting=None)
    refuses(
        model,
        "weights",
        lambda: model.fit(["u1", "u1", "u2", "u2"], ["i1", "i2", "i1", "i2"], [1e12, 1, 1, 1e12]),
    )


def test_the_issue_fit_raises_invalid_input_naming_weights() -> None:
    with pytest.raises(InvalidInputError, match=r"^weights: .*1e\+06"):
        Recommender(factors=2, weighting=None).fit(
            ["u1", "u1", "u2", "u2"], ["i1", "i2", "i1", "i2"], [1e12, 1, 1, 1e12]
        )


def test_a_huge_alpha_is_refused_and_the_fit_stays() -> None:
    model = fitted()
    model.alpha = 1e38
    before = model.to_state()
    with pytest.raises(InvalidInputError, match=r"^alpha: .*1000000"):
        model.fit(USERS, ITEMS)
    model.alpha = 2.0
    assert same(before | {"params": {**before["params"], "alpha": 2.0}}, model.to_state())


def test_alpha_times_weights_past_the_ceiling_is_refused_under_log_weighting() -> None:
    with pytest.raises(InvalidInputError, match="weights"):
        Recommender(alpha=1e5, factors=2, num_threads=1).fit(USERS, ITEMS, [1e30] * len(USERS))


def test_update_users_with_huge_weights_is_refused_and_changes_nothing() -> None:
    model = fitted(weighting=None)
    refuses(model, "weights", lambda: model.update_users(["zed"], ["tea"], [1e12]))
    refuses(model, "weights", lambda: model.update_users(["ann"], ["tea"], [3e38]))


def test_explain_on_a_singular_system_is_invalid_input_not_lapack() -> None:
    model = Recommender.from_factors(
        ["a", "b"],
        ["x", "y"],
        [[0.0, 0.0], [0.0, 0.0]],
        [[0.0, 0.0], [0.0, 0.0]],
        interactions=Interactions.from_triples(["a"], ["x"]),
        regularization=0.0,
    )
    refuses(model, "regularization", lambda: model.explain("a", "y"))


@pytest.mark.parametrize("scale", [1e20, 1e7, float("inf"), 1e300])
def test_from_factors_refuses_factors_whose_scores_would_overflow(scale: float) -> None:
    with pytest.raises(InvalidInputError, match="user_factors"):
        Recommender.from_factors(["a"], ["x", "y"], [[scale, scale]], [[1.0, 0.0], [0.0, 1.0]])


def test_from_factors_at_the_bound_scores_finitely() -> None:
    model = Recommender.from_factors(
        ["a"], ["x", "y"], [[1e6] * 4], [[1e6] * 4, [-1e6] * 4], num_threads=1
    )
    assert all(np.isfinite(score) for _, score in model.recommend("a", n=2))


def test_from_factors_refuses_too_many_columns() -> None:
    with pytest.raises(InvalidInputError, match="user_factors"):
        Recommender.from_factors(["a"], ["x"], np.ones((1, 5000)), np.ones((1, 5000)))


def test_from_state_refuses_params_factors_unlike_the_width() -> None:
    state = fitted().to_state()
    state["params"]["factors"] = 7
    with pytest.raises(InvalidInputError, match=r"params\.factors"):
        Recommender.from_state(state)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("num_threads", 2**63),
        ("num_threads", 5000),
        ("factors", 2**40),
        ("iterations", 2**63 - 1),
        ("regularization", 1e30),
        ("alpha", 1e38),
    ],
)
def test_huge_hyper_parameters_are_refused_at_fit_and_the_fit_stays(field: str, value: Any) -> None:
    model = fitted()
    before = model.to_state()
    setattr(model, field, value)
    with pytest.raises(InvalidInputError, match=f"^{field}: expected"):
        model.fit(USERS, ITEMS)
    setattr(model, field, before["params"][field])
    assert same(before, model.to_state())


def test_a_progress_callback_error_still_comes_through_unchanged() -> None:
    def stop(done: int, total: int) -> None:
        raise ValueError("stop here")

    model = fitted()
    before = model.to_state()
    model.show_progress = stop
    with pytest.raises(ValueError, match="stop here") as caught:
        model.fit(USERS, ITEMS)
    assert not isinstance(caught.value, InvalidInputError)
    model.show_progress = False
    assert same(before, model.to_state())


def test_weights_beyond_float32_are_refused_by_interactions() -> None:
    with pytest.raises(InvalidInputError, match=r"weights\[1\]: expected a weight at most"):
        Interactions.from_triples(["a", "b"], ["x", "y"], [1.0, 1e300])
