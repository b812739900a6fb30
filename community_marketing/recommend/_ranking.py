"""The ranking metrics over a users x k matrix of hits, shared by ``evaluation`` and ``tune``.

Definitions (``evaluation``'s module docstring has them in words): precision is hits / K;
recall hits / |relevant|; nDCG binary-relevance DCG over the ideal DCG of
``min(K, |relevant|)`` hits; MAP the mean of the precisions at each hit over
``min(K, |relevant|)``. Each averages over the users given (those with something relevant).
"""

from __future__ import annotations

import numpy as np

from .._types import BoolArray, Int64Array

__all__ = ["METRICS", "map_of", "metric_of", "ndcg_of", "precision_of", "recall_of"]

METRICS = ("precision", "recall", "ndcg", "map")
"""The metric names ``tune`` takes, as ``EvaluationReport`` names its fields."""


def precision_of(hits: BoolArray, k: int) -> float:
    return float(hits.sum(axis=1).mean() / k) if hits.shape[0] else 0.0


def recall_of(hits: BoolArray, sizes: Int64Array) -> float:
    return float((hits.sum(axis=1) / sizes).mean()) if hits.shape[0] else 0.0


def ndcg_of(hits: BoolArray, sizes: Int64Array, k: int) -> float:
    if not hits.shape[0]:
        return 0.0
    ideal_hits = np.minimum(sizes, k)
    depth = max(hits.shape[1], int(ideal_hits.max()))
    discounts = 1.0 / np.log2(np.arange(2, depth + 2))
    dcg = (hits * discounts[: hits.shape[1]]).sum(axis=1)
    ideal = np.cumsum(discounts)[ideal_hits - 1]
    return float((dcg / ideal).mean())


def map_of(hits: BoolArray, sizes: Int64Array, k: int) -> float:
    if not hits.shape[0]:
        return 0.0
    cumulative = np.cumsum(hits, axis=1)
    precisions = cumulative / np.arange(1, hits.shape[1] + 1)
    average = (precisions * hits).sum(axis=1) / np.minimum(sizes, k)
    return float(average.mean())


def metric_of(name: str, hits: BoolArray, sizes: Int64Array, k: int) -> float:
    """The metric ``name`` (one of :data:`METRICS`) of ``hits``."""
    if name == "precision":
        return precision_of(hits, k)
    if name == "recall":
        return recall_of(hits, sizes)
    if name == "ndcg":
        return ndcg_of(hits, sizes, k)
    return map_of(hits, sizes, k)
