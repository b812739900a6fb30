"""Fitted models shared by the tests of one module (fitting is the slow part)."""

from __future__ import annotations

import pytest

from community_marketing.recommend import Recommender

from ._support import clustered, small


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
