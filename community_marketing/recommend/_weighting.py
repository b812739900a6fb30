"""Confidence weighting: how summed raw weights become what implicit fits on (log, BM25, TF-IDF)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._types import Float32Array

__all__ = ["item_length_norm", "new_item_length_norm", "weigh"]

_BM25_K1 = 100.0
_BM25_B = 0.8


def item_length_norm(raw: sp.csr_matrix) -> Float32Array:
    """BM25 length normalisation of each item (an item is a document of its users)."""
    item_sums = np.bincount(raw.indices, weights=raw.data, minlength=raw.shape[1])
    mean = item_sums.mean() if item_sums.size else 1.0
    norm = (1.0 - _BM25_B) + _BM25_B * item_sums / (mean if mean > 0 else 1.0)
    return norm.astype(np.float32)


def new_item_length_norm(
    old: sp.csr_matrix | None, merged: sp.csr_matrix | None, count: int
) -> Float32Array:
    """BM25 length normalisation of the last ``count`` columns of ``merged``.

    Measured against the mean item of ``old`` (the history before they were added), so
    that the norms of the items already known stay as they were; ones without a history.
    """
    if old is None or merged is None:
        return np.ones(count, dtype=np.float32)
    sums = np.bincount(merged.indices, weights=merged.data, minlength=merged.shape[1])
    mean = float(old.data.sum()) / old.shape[1] if old.shape[1] else 1.0
    norm = (1.0 - _BM25_B) + _BM25_B * sums[old.shape[1] :] / (mean if mean > 0 else 1.0)
    return norm.astype(np.float32)


def weigh(
    raw: sp.csr_matrix, weighting: str | None, n_items: int, length_norm: Float32Array | None
) -> sp.csr_matrix:
    """The confidence matrix implicit fits on, from summed raw weights.

    ``bm25`` and ``tfidf`` weigh the items x users matrix, as implicit's own Last.fm
    example does with ``implicit.nearest_neighbours.bm25_weight`` and ``tfidf_weight``,
    but with an idf that stays positive: implicit's ``log(N) - log1p(n)`` is zero for a
    user holding ``N - 1`` items (their whole history vanishes, or not, by the last bit
    of a logarithm) and negative for one holding all ``N``. BM25 takes Lucene's
    ``BM25Similarity`` idf, ``log(1 + (N - n + 0.5) / (n + 0.5))``; TF-IDF takes
    scikit-learn's ``smooth_idf``, ``log((1 + N) / (1 + n)) + 1``. Every factor depends
    only on the row's user or on ``length_norm`` learned at fit, so ``update_users``
    can weigh new rows the same way.
    """
    if weighting is None:
        return raw
    data = raw.data
    if weighting == "log":
        weighted = np.log1p(data)
    else:
        per_user = np.diff(raw.indptr)
        if weighting == "tfidf":
            idf = np.log((1.0 + n_items) / (1.0 + per_user)) + 1.0
            weighted = np.sqrt(data) * np.repeat(idf.astype(np.float32), per_user)
        else:
            assert length_norm is not None
            idf = np.log1p((n_items - per_user + 0.5) / (per_user + 0.5))
            idf_of = np.repeat(idf.astype(np.float32), per_user)
            # float64: data * (k1 + 1) overflows float32 for the largest weights.
            wide = data.astype(np.float64)
            weighted = (
                wide * (_BM25_K1 + 1.0) / (_BM25_K1 * length_norm[raw.indices] + wide) * idf_of
            )
    weighted = weighted.astype(np.float32)
    # A zero or negative confidence means something else to implicit (a dislike).
    if (weighted > 0).all():
        return sp.csr_matrix((weighted, raw.indices, raw.indptr), shape=raw.shape, copy=False)
    matrix = sp.csr_matrix((weighted, raw.indices, raw.indptr), shape=raw.shape, copy=True)
    np.maximum(matrix.data, 0, out=matrix.data)
    matrix.eliminate_zeros()
    return matrix
