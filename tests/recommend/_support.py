"""What the recommend tests share: a toy friendship graph, clustered data, a small model."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from community_marketing.recommend import Recommender

DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "lastfm-2k"


class Friends:
    """A tiny friendship graph implementing the FriendGraph protocol."""

    def __init__(self, pairs: list[tuple[Hashable, Hashable]]) -> None:
        self._ids: list[Hashable] = []
        self._position: dict[Hashable, int] = {}
        self._friends: dict[Hashable, list[Hashable]] = {}
        for a, b in pairs:
            for node in (a, b):
                if node not in self._position:
                    self._position[node] = len(self._ids)
                    self._ids.append(node)
                    self._friends[node] = []
            self._friends[a].append(b)
            self._friends[b].append(a)

    def friends(self, id: Hashable) -> list[Hashable]:
        return list(self._friends[id])

    def adjacency(self) -> tuple[sp.csr_matrix, list[Hashable]]:
        rows, cols = [], []
        for node, others in self._friends.items():
            for other in others:
                rows.append(self._position[node])
                cols.append(self._position[other])
        size = len(self._ids)
        matrix = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(size, size))
        return matrix, list(self._ids)


def clustered(
    n_users: int = 40, n_items: int = 30, seed: int = 0
) -> tuple[list[str], list[str], list[float]]:
    """Two taste clusters: the first half of the users like the first half of the items."""
    rng = np.random.default_rng(seed)
    users, items, weights = [], [], []
    for user in range(n_users):
        half = 0 if user < n_users // 2 else 1
        pool = np.arange(half * n_items // 2, (half + 1) * n_items // 2)
        for item in rng.choice(pool, size=6, replace=False).tolist():
            users.append(f"u{user}")
            items.append(f"i{item}")
            weights.append(float(rng.integers(1, 20)))
    return users, items, weights


def small(**params: Any) -> Recommender:
    defaults: dict[str, Any] = {
        "factors": 8,
        "iterations": 8,
        "random_state": 7,
        "num_threads": 1,
    }
    defaults.update(params)
    return Recommender(**defaults)
