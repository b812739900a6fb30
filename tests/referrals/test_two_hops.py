"""reach_all(hops=2) by hub bitsets, against networkx and igraph, on every path it can take."""

from __future__ import annotations

import igraph as ig
import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from community_marketing._progress import Progress
from community_marketing.referrals import _reach, _sparse


def circles(n: int, pairs: list[tuple[int, int]]) -> sp.csr_matrix:
    """The friend CSR with the diagonal, as reach_all builds it."""
    a = np.array([p[0] for p in pairs], np.int64)
    b = np.array([p[1] for p in pairs], np.int64)
    keep = a != b
    adjacency = sp.coo_matrix(
        (np.ones(2 * int(keep.sum())), (np.r_[a[keep], b[keep]], np.r_[b[keep], a[keep]])), (n, n)
    )
    step = (adjacency + sp.identity(n, format="csr")).astype(np.bool_).tocsr()
    step.sort_indices()
    return step


def networkx_sizes(n: int, pairs: list[tuple[int, int]]) -> list[int]:
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from((a, b) for a, b in pairs if a != b)
    return [len(nx.single_source_shortest_path_length(graph, v, cutoff=2)) for v in range(n)]


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    """Up to 200 members (so bitsets span several words), a few stars among random links."""
    n = draw(st.integers(1, 200))
    member = st.integers(0, n - 1)
    pairs = draw(st.lists(st.tuples(member, member), max_size=300))
    for centre in draw(st.lists(member, max_size=3)):
        stride = draw(st.integers(1, 7))
        pairs += [(centre, other) for other in range(0, n, stride)]
    return n, pairs


def sizes(step: sp.csr_matrix, hub_degree: int) -> list[int]:
    with Progress(False, step.shape[0], "reach") as progress:
        return list(_reach.two_hops(step, progress, hub_degree).tolist())


@settings(max_examples=80, deadline=None)
@given(graphs(), st.sampled_from([2, 3, 6, 40, 10**9]), st.sampled_from([8, 64, 1 << 20]))
def test_every_hub_threshold_and_block_size_gives_the_breadth_first_counts(
    graph: tuple[int, list[tuple[int, int]]], hub_degree: int, block_bytes: int
) -> None:
    n, pairs = graph
    expected = networkx_sizes(n, pairs)
    step = circles(n, pairs)
    with pytest.MonkeyPatch.context() as patch:
        # Tiny blocks split the rows with hubs; a tiny budget splits the plain products.
        patch.setattr(_reach, "BLOCK_BYTES", block_bytes)
        patch.setattr(_sparse, "VISITED_BUDGET", 50 if block_bytes == 8 else 1 << 25)
        assert sizes(step, hub_degree) == expected


@settings(max_examples=30, deadline=None)
@given(graphs())
def test_a_capped_hub_budget_keeps_the_best_connected_hubs_and_the_counts(
    graph: tuple[int, list[tuple[int, int]]],
) -> None:
    n, pairs = graph
    step = circles(n, pairs)
    words = (n + 63) >> 6
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_reach, "HUB_BYTES", 8 * words * 2)  # room for two hubs' bitsets
        assert sizes(step, 2) == networkx_sizes(n, pairs)


def test_power_law_graph_matches_igraph_neighborhood_size() -> None:
    rng = np.random.default_rng(7)
    n, m = 3_000, 15_000
    weight = np.arange(1, n + 1, dtype=np.float64) ** (-1 / 1.5)
    ends = rng.choice(n, size=(m, 2), p=weight / weight.sum())
    pairs = [(int(a), int(b)) for a, b in ends if a != b]
    step = circles(n, pairs)
    degree = np.diff(step.indptr)
    words = (n + 63) >> 6
    hub_degree = words // _reach.HUB_SHARE
    # Both paths carry real work on this graph: rows with hubs and rows without.
    on_hub = degree[step.indices] >= hub_degree
    with_hubs = np.add.reduceat(on_hub, step.indptr[:-1]) > 0
    assert 0 < with_hubs.sum() < n
    reference = ig.Graph(n=n, edges=pairs)
    reference.simplify()
    expected = reference.neighborhood_size(order=2)
    assert sizes(step, hub_degree) == expected


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 40), st.integers(1, 30), st.integers(0, 2**32 - 1))
def test_popcount_by_byte_table_matches_numpy_and_python(rows: int, words: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2**64, (rows, words), dtype=np.uint64)
    bits[:, ::3] = np.uint64(2**64 - 1)
    expected = [sum(bin(int(word)).count("1") for word in row) for row in bits]
    assert _reach._popcount_bytes(bits).tolist() == expected
    assert _reach.popcount(bits).tolist() == expected
