"""Community detection beside igraph (Leiden, multilevel) and networkx (Louvain), in one run.

Graphs: the Last.fm friend graph (../shared/data/lastfm-2k/user_friends.dat: 1,892 users,
12,717 links), seeded Chung-Lu power-law graphs (exponent 2.5) of 100,000 and 1,000,000 links,
and planted partitions (stochastic block models) whose truth is known.

    python benchmarks/bench_communities.py                        # lastfm,100k,sbm
    python benchmarks/bench_communities.py --sizes lastfm,100k,1m,sbm --repeat 2
    python benchmarks/bench_communities.py --sizes 1m --skip networkx

"ours leiden, igraph backend" is ``partition(..., backend="igraph")``: igraph's Leiden with
our conversion from CSR, seeding and connectedness check around it.

Each method runs ``--repeat`` times, the methods alternating, and keeps its best time; every row
prints the time, the ratio to our Leiden (above 1: the peer is slower), the modularity and its
ratio to igraph's Leiden, and, on planted partitions, the NMI with the truth. With
``--memory``, peak memory is tracemalloc's peak during one more call, untimed: it sees numpy
and Python allocations, not igraph's C heap.
"""

from __future__ import annotations

import argparse
import math
import platform
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_referrals import power_law_edges as referral_power_law

from community_marketing._leiden import (
    leiden,
    louvain,
    modularity,
    normalized_mutual_information,
    partition,
)

LASTFM = Path(__file__).resolve().parents[1].parent / "shared/data/lastfm-2k/user_friends.dat"
POWER_LAW = {"100k": (10_000, 100_000), "1m": (100_000, 1_000_000)}
Edges = tuple[np.ndarray, np.ndarray]


def lastfm_edges() -> tuple[int, Edges]:
    lines = LASTFM.read_text().splitlines()[1:]
    pairs = np.array([line.split("\t") for line in lines if line.strip()], dtype=np.int64)
    low, high = np.minimum(pairs[:, 0], pairs[:, 1]), np.maximum(pairs[:, 0], pairs[:, 1])
    keys = np.unique(low << 32 | high)
    ids, dense = np.unique(np.r_[keys >> 32, keys & 0xFFFFFFFF], return_inverse=True)
    return ids.size, (dense[: keys.size], dense[keys.size :])


def power_law_edges(n: int, m: int, seed: int = 0) -> tuple[int, Edges]:
    """bench_referrals' Chung-Lu graph (gamma = 2.5), with its number of nodes."""
    return n, referral_power_law(n, m, seed)


def planted_edges(
    blocks: int, size: int, inside: float, outside: float, seed: int = 0
) -> tuple[int, Edges, np.ndarray]:
    """Stochastic block model: mean degree ``inside`` within the block, ``outside`` across."""
    rng = np.random.default_rng(seed)
    n = blocks * size
    truth = np.repeat(np.arange(blocks), size)
    count_in, count_out = int(n * inside / 2), int(n * outside / 2)
    a_in = rng.integers(0, n, count_in)
    b_in = truth[a_in] * size + rng.integers(0, size, count_in)
    a_out = rng.integers(0, n, count_out)
    b_out = rng.integers(0, n, count_out)
    a, b = np.r_[a_in, a_out], np.r_[b_in, b_out]
    keep = a != b
    keys = np.unique(np.minimum(a, b)[keep] << 32 | np.maximum(a, b)[keep])
    return n, (keys >> 32, keys & 0xFFFFFFFF), truth


def adjacency_of(n: int, edges: Edges) -> sp.csr_array:
    a, b = edges
    half = sp.coo_array((np.ones(a.size), (a, b)), shape=(n, n))
    return sp.csr_array(half + half.T)


def measured(call: Callable[[], Any], memory: bool) -> tuple[float, float, Any]:
    """Wall time, tracemalloc peak (bytes, NaN unless ``memory``) and result of one call.

    The time comes from an untraced call: tracemalloc slows every Python allocation, and so
    the Python-side work (building igraph's graph from arrays) more than the C side.
    """
    start = time.perf_counter()
    result = call()
    elapsed = time.perf_counter() - start
    if not memory:
        return elapsed, float("nan"), result
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak, result


def methods(n: int, edges: Edges, skip: set[str]) -> dict[str, Callable[[], np.ndarray]]:
    adjacency = adjacency_of(n, edges)
    chosen: dict[str, Callable[[], np.ndarray]] = {
        "ours leiden": lambda: leiden(adjacency, rng=np.random.default_rng(0)),
        "ours louvain": lambda: louvain(adjacency, rng=np.random.default_rng(0)),
    }
    if "igraph" not in skip:
        import igraph

        def ours_igraph() -> np.ndarray:
            return partition(
                adjacency,
                method="leiden",
                resolution=1.0,
                rng=np.random.default_rng(0),
                backend="igraph",
            )[0]

        chosen["ours leiden, igraph backend"] = ours_igraph

        graph = igraph.Graph(n=n, edges=np.c_[edges[0], edges[1]].tolist())

        def igraph_leiden() -> np.ndarray:
            found = graph.community_leiden(objective_function="modularity", n_iterations=2)
            return np.asarray(found.membership)

        chosen["igraph leiden"] = igraph_leiden
        chosen["igraph multilevel"] = lambda: np.asarray(graph.community_multilevel().membership)
    if "networkx" not in skip:
        import networkx as nx

        nx_graph = nx.Graph()
        nx_graph.add_nodes_from(range(n))
        nx_graph.add_edges_from(zip(edges[0].tolist(), edges[1].tolist(), strict=True))

        def networkx_louvain() -> np.ndarray:
            labels = np.empty(n, dtype=np.int64)
            for label, members in enumerate(nx.community.louvain_communities(nx_graph, seed=0)):
                labels[list(members)] = label
            return labels

        chosen["networkx louvain"] = networkx_louvain
    return chosen


def bench(
    name: str, n: int, edges: Edges, args: argparse.Namespace, truth: np.ndarray | None = None
) -> list[str]:
    adjacency = adjacency_of(n, edges)
    chosen = methods(n, edges, set(args.skip.split(",")))
    best: dict[str, tuple[float, float, np.ndarray]] = {}
    for _ in range(args.repeat):
        for method, call in chosen.items():
            elapsed, peak, labels = measured(call, args.memory)
            if method not in best or elapsed < best[method][0]:
                best[method] = (elapsed, peak, labels)
    ours = best["ours leiden"][0]
    reference = best.get("igraph leiden")
    reference_q = modularity(adjacency, reference[2]) if reference else float("nan")
    rows = []
    for method, (elapsed, peak, labels) in best.items():
        quality = modularity(adjacency, labels)
        nmi = "" if truth is None else f"{normalized_mutual_information(truth, labels):.4f}"
        memory = "" if method.startswith("igraph") or math.isnan(peak) else f"{peak / 2**20:.0f} MB"
        rows.append(
            f"| {name} | {method} | {elapsed:.3f} s | {elapsed / ours:.2f}x | {quality:.5f} | "
            f"{quality / reference_q:.4f} | {int(labels.max()) + 1} | {nmi} | {memory} |"
        )
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="lastfm,100k,sbm")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip", default="", help="igraph,networkx")
    parser.add_argument(
        "--memory", action="store_true", help="also one traced call per method for its peak"
    )
    args = parser.parse_args()
    model = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    cpu = next(
        (line.split(":", 1)[1].strip() for line in model.splitlines() if "Model name" in line), "?"
    )
    print(f"{cpu}, {platform.python_version()}, numpy {np.__version__}")
    print(
        "| graph | method | time | time / ours leiden | modularity | Q / igraph leiden | "
        "communities | NMI | peak memory |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for size in args.sizes.split(","):
        if size == "lastfm":
            bench("lastfm (1,892 / 12,717)", *lastfm_edges(), args)
        elif size in POWER_LAW:
            nodes, links = POWER_LAW[size]
            bench(f"power law ({nodes:,} / {links:,})", *power_law_edges(nodes, links), args)
        elif size == "sbm":
            for inside, outside in ((16.0, 4.0), (12.0, 6.0), (10.0, 10.0)):
                n, edges, truth = planted_edges(50, 200, inside, outside)
                label = f"planted 50 x 200, degree {inside:g} in / {outside:g} out"
                bench(label, n, edges, args, truth)


if __name__ == "__main__":
    main()
