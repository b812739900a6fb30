"""Graphs the referrals tests share: a fixed clock, small graphs, snapshots, Last.fm."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from community_marketing.referrals import ReferralGraph

T0 = datetime(2026, 1, 1, tzinfo=UTC)
LASTFM = Path(__file__).resolve().parents[3] / "shared" / "data" / "lastfm-2k" / "user_friends.dat"


def clock() -> datetime:
    return T0


def make(pairs: list[tuple[object, object]], **kwargs: object) -> ReferralGraph:
    graph = ReferralGraph(clock=clock, **kwargs)  # type: ignore[arg-type]
    graph.add_friendships(pairs)
    return graph


def snapshot(graph: ReferralGraph) -> tuple[object, ...]:
    state = graph.to_state()
    arrays = {
        key: value.tolist()
        for key, value in state.items()
        if isinstance(value, np.ndarray)  # the columns
    }
    log = {key: np.asarray(value).tolist() for key, value in state["referrals"].items()}
    rest = {k: v for k, v in state.items() if k not in arrays and k != "referrals"}
    return (repr(rest), arrays, log, repr(graph))


def to_networkx(graph: ReferralGraph) -> nx.Graph:
    matrix, ids = graph.adjacency()
    out = nx.Graph()
    out.add_nodes_from(ids)
    rows, cols = matrix.nonzero()
    out.add_edges_from((ids[r], ids[c]) for r, c in zip(rows.tolist(), cols.tolist(), strict=True))
    return out


def lastfm_graph() -> ReferralGraph:
    if not LASTFM.exists():
        pytest.skip(f"Last.fm data not found at {LASTFM}")
    lines = LASTFM.read_text().splitlines()[1:]
    pairs = np.array([line.split("\t") for line in lines if line.strip()], dtype=np.int64)
    graph = ReferralGraph(clock=clock)
    graph.add_friendships(pairs[:, 0], pairs[:, 1])
    return graph
