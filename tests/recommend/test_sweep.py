"""The bad-input sweep over Recommender and the functions of recommend and evaluation."""

from __future__ import annotations

import pytest

from tests._sweep import breaches, function_breaches
from tests._tables.recommend import FUNCTIONS, RECOMMENDER_CALLS


@pytest.mark.parametrize("method", sorted(RECOMMENDER_CALLS))
def test_every_method_keeps_the_contract(method: str) -> None:
    assert breaches("Recommender", method) == []


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_raises_only_library_errors(name: str) -> None:
    assert function_breaches(name) == []
