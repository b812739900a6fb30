"""The per-user hold-out split, shared by ``evaluation.train_test_split`` and ``tune``.

It lives here, below ``evaluation``, so that ``Recommender.tune`` validates on the very
split users evaluate with (imports flow from ``evaluation`` to ``recommend``, not back).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._types import BoolArray
from ._interactions import Interactions

__all__ = ["held_out", "split_interactions", "split_rows"]


def held_out(
    matrix: sp.csr_matrix, test_fraction: float, leave_out: int | None, rng: np.random.Generator
) -> BoolArray:
    """Which stored entries of ``matrix`` are held out; each user keeps at least one.

    ``test_fraction`` of each row (rounded, at most all but one) or, with ``leave_out``,
    exactly that many from rows longer than it. Within a row the entries of the smallest
    random keys go, so the same generator state gives the same split.
    """
    counts = np.diff(matrix.indptr)
    if leave_out is None:
        held_count = np.minimum(np.rint(counts * test_fraction).astype(np.int64), counts - 1)
    else:
        # Beyond the longest history every user stays whole: the same as that length.
        leave_out = min(leave_out, int(counts.max(initial=0)))
        held_count = np.where(counts > leave_out, leave_out, 0)
    held_count = np.maximum(held_count, 0)
    nnz = int(matrix.indptr[-1])
    keys = rng.random(nnz)
    row_of = np.repeat(np.arange(counts.size), counts)
    order = np.lexsort((keys, row_of))
    rank = np.empty(nnz, dtype=np.int64)
    rank[order] = np.arange(nnz) - np.repeat(matrix.indptr[:-1], counts)
    held: BoolArray = rank < held_count[row_of]
    return held


def split_rows(data: Interactions, held: BoolArray) -> tuple[Interactions, Interactions]:
    """``data`` without the ``held`` entries, and the ``held`` entries alone; same ids."""
    matrix = data.matrix
    kept = sp.csr_matrix(
        (np.where(held, 0, matrix.data).astype(np.float32), matrix.indices, matrix.indptr),
        shape=matrix.shape,
        copy=True,
    )
    out = sp.csr_matrix(
        (np.where(held, matrix.data, 0).astype(np.float32), matrix.indices, matrix.indptr),
        shape=matrix.shape,
        copy=True,
    )
    kept.eliminate_zeros()
    out.eliminate_zeros()
    return (
        Interactions.from_csr(kept, data.user_ids, data.item_ids),
        Interactions.from_csr(out, data.user_ids, data.item_ids),
    )


def split_interactions(
    data: Interactions, test_fraction: float, leave_out: int | None, rng: np.random.Generator
) -> tuple[Interactions, Interactions]:
    """``train`` and ``test`` of :func:`held_out` (arguments already checked)."""
    return split_rows(data, held_out(data.matrix, test_fraction, leave_out, rng))
