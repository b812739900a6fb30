"""ReferralGraph beside igraph, networkx, cynetdiff, NDlib and CELF, measured in the same run.

Graphs: the Last.fm friend graph (../shared/data/lastfm-2k/user_friends.dat: 1,892 users,
12,717 links) and synthetic power-law (Chung-Lu, exponent 2.5) graphs of 100,000 members and
1,000,000 links, and of 1,000,000 members and 10,000,000 links.

    python benchmarks/bench_referrals.py                      # lastfm,100k
    python benchmarks/bench_referrals.py --sizes lastfm,100k,1m
    python benchmarks/bench_referrals.py --sizes lastfm --skip celf

Each row prints our time, the peer's, and the ratio peer / ours (above 1: we are faster). A peer
that would take too long on a graph is skipped with the reason printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from community_marketing.referrals import ReferralGraph

LASTFM = Path(__file__).resolve().parents[1].parent / "shared/data/lastfm-2k/user_friends.dat"
SIZES = {"100k": (100_000, 1_000_000), "1m": (1_000_000, 10_000_000)}
ROWS: list[tuple[str, str, str, str, str, str]] = []


def timed(call: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, result


def seconds(value: float) -> str:
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms"
    return f"{value * 1e6:.0f} us"


def row(
    graph: str, what: str, ours: float, peer: str, theirs: float | None, note: str = ""
) -> None:
    ratio = "" if theirs is None else f"{theirs / ours:.1f}x"
    line = (graph, what, seconds(ours), peer, "" if theirs is None else seconds(theirs), ratio)
    ROWS.append((*line[:5], f"{ratio} {note}".strip()))
    print(" | ".join(line), note, flush=True)


def skip(graph: str, what: str, peer: str, reason: str, ours: float | None = None) -> None:
    mine = "" if ours is None else seconds(ours)
    ROWS.append((graph, what, mine, peer, "skipped", reason))
    print(f"{graph} | {what} | {mine} | {peer} skipped: {reason}", flush=True)


def lastfm_edges() -> tuple[np.ndarray, np.ndarray]:
    lines = LASTFM.read_text().splitlines()[1:]
    pairs = np.array([line.split("\t") for line in lines if line.strip()], dtype=np.int64)
    low, high = np.minimum(pairs[:, 0], pairs[:, 1]), np.maximum(pairs[:, 0], pairs[:, 1])
    keys = np.unique(low << 32 | high)
    return keys >> 32, keys & 0xFFFFFFFF


def power_law_edges(n: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Chung-Lu graph: endpoints drawn with weight rank^(-1/(gamma-1)), gamma = 2.5."""
    rng = np.random.default_rng(seed)
    weight = np.arange(1, n + 1, dtype=np.float64) ** (-1 / 1.5)
    cumulative = np.cumsum(weight / weight.sum())
    label = rng.permutation(n)
    keys = np.empty(0, np.int64)
    while len(keys) < m:
        draw = int((m - len(keys)) * 1.2) + 1000
        a = label[np.searchsorted(cumulative, rng.random(draw))]
        b = label[np.searchsorted(cumulative, rng.random(draw))]
        keep = a != b
        low, high = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
        keys = np.union1d(keys, low.astype(np.int64) << 32 | high)
    keys = rng.permutation(keys)[:m]
    return keys >> 32, keys & 0xFFFFFFFF


def csr_bytes(matrix: Any) -> int:
    return int(matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes)


def graph_array_bytes(graph: ReferralGraph) -> int:
    """Bytes of every numpy array the graph holds (the id index's dict excluded)."""
    members, edges = graph._members, graph._edges
    total = 0
    for value in (members.since, members.told, edges.keys, members.transpose):
        total += 0 if value is None else value.nbytes
    matrix = members.csr
    return total + (0 if matrix is None else csr_bytes(matrix))


def bench_graph(name: str, a: np.ndarray, b: np.ndarray, args: argparse.Namespace) -> None:
    import igraph
    import networkx as nx

    n_links = len(a)
    big = n_links > 2_000_000
    huge = n_links > 5_000_000
    print(f"\n== {name}: {n_links:,} links ==", flush=True)

    # -- build from edge arrays (ours includes compiling the CSR)
    def build_ours() -> ReferralGraph:
        graph = ReferralGraph()
        graph.add_friendships(a, b)
        graph.adjacency()
        return graph

    t_ours, graph = timed(build_ours, 1 if big else 3)
    matrix, ids = graph.adjacency()
    n = matrix.shape[0]
    order = np.asarray(ids, dtype=np.int64)
    remap = np.empty(int(order.max()) + 1, np.int64)
    remap[order] = np.arange(n)
    edges = np.column_stack([remap[a], remap[b]])
    t_ig, ig_graph = timed(lambda: igraph.Graph(n=n, edges=edges), 1 if big else 3)
    row(name, "build from edge arrays", t_ours, "igraph Graph(edges)", t_ig)
    if huge:
        skip(name, "build from edge arrays", "networkx", "minutes and >10 GB at 10M links")
        nx_graph = None
    else:
        t_nx, nx_graph = timed(lambda: nx.Graph(edges.tolist()), 1)
        row(name, "build from edge arrays", t_ours, "networkx Graph(edges)", t_nx)

    # -- memory
    held, plain = graph_array_bytes(graph), csr_bytes(matrix)
    print(
        f"{name} | memory | graph arrays {held / 2**20:.1f} MiB vs CSR {plain / 2**20:.1f}"
        f" MiB = {held / plain:.2f}x (id index dict not counted)",
        flush=True,
    )
    ROWS.append(
        (
            name,
            "memory (arrays / CSR)",
            f"{held / 2**20:.1f} MiB",
            "CSR arrays",
            f"{csr_bytes(matrix) / 2**20:.1f} MiB",
            f"{held / csr_bytes(matrix):.2f}x of CSR",
        )
    )

    # -- reach_all(hops=2)
    if "reach" not in args.skip:
        t_ours, ours = timed(lambda: graph.reach_all(hops=2), 1 if big else 3)
        t_ig, theirs = timed(lambda: ig_graph.neighborhood_size(order=2), 1 if big else 3)
        same = np.array_equal(ours, np.asarray(theirs))
        row(name, "reach_all(hops=2)", t_ours, "igraph neighborhood_size(2)", t_ig, f"same={same}")
        if nx_graph is None:
            skip(name, "reach_all(hops=2)", "networkx", "hours at 1M members")
        else:
            sample = np.random.default_rng(1).choice(n, min(n, 300), replace=False)
            start = time.perf_counter()
            for node in sample.tolist():
                nx.single_source_shortest_path_length(nx_graph, node, cutoff=2)
            t_nx = (time.perf_counter() - start) * n / len(sample)
            row(
                name,
                "reach_all(hops=2)",
                t_ours,
                "networkx BFS cutoff=2",
                t_nx,
                f"(networkx extrapolated from {len(sample)} members)",
            )

    # -- pagerank
    if "pagerank" not in args.skip:
        t_ours, ours = timed(lambda: graph.pagerank(tol=1e-10), 1 if big else 3)
        t_ig, theirs = timed(lambda: np.asarray(ig_graph.pagerank(damping=0.85)), 1 if big else 3)
        top_ours = set(np.argsort(-ours, kind="stable")[:100].tolist())
        top_ig = set(np.argsort(-theirs, kind="stable")[:100].tolist())
        note = (
            f"max|diff|={np.abs(ours - theirs).max():.1e} top100 overlap={len(top_ours & top_ig)}"
        )
        row(name, "pagerank", t_ours, "igraph pagerank (PRPACK)", t_ig, note)
        t_ar, _ = timed(lambda: ig_graph.pagerank(implementation="arpack"), 1 if big else 3)
        row(name, "pagerank", t_ours, "igraph pagerank (ARPACK)", t_ar)
        if nx_graph is None or big:
            skip(name, "pagerank", "networkx", "too slow at this size (pure Python)")
        else:
            t_nx, _ = timed(lambda: nx.pagerank(nx_graph, tol=1e-10, max_iter=1000), 1)
            row(name, "pagerank", t_ours, "networkx pagerank", t_nx)

    # -- cascades beside cynetdiff (Cython/C++), then NDlib (pure Python) as history
    if "cascade" not in args.skip:
        bench_cascades(name, graph, matrix, ids, nx_graph, args)

    # -- IMM on every graph: time, peak memory beside the reverse-reachable sets, spread
    if "influence" not in args.skip:
        for probability in args.influence_p:
            bench_influence(name, graph, probability)

    # -- influencers by reverse-reachable sets vs CELF greedy
    if "celf" not in args.skip and n < 10_000:
        probability = 0.05
        t_ours, chosen = timed(
            lambda: graph.influencers(
                10, method="cascade", probability=probability, random_state=0
            ),
            1,
        )
        t_celf, celf_seeds = timed(lambda: celf(graph, 10, probability, args.celf_runs), 1)
        ours = graph.simulate_cascade(
            chosen.ids, probability=probability, runs=20_000, random_state=42
        ).mean
        theirs = graph.simulate_cascade(
            celf_seeds, probability=probability, runs=20_000, random_state=42
        ).mean
        row(
            name,
            "influencers(10, cascade)",
            t_ours,
            f"CELF greedy ({args.celf_runs} runs/eval)",
            t_celf,
            f"spread {ours:.1f} vs {theirs:.1f} = {ours / theirs:.1%} "
            f"(IMM estimate {chosen.expected_spread:.1f}, {chosen.samples} RR sets)",
        )
        # Linear threshold with 1/degree weights: each member heeds one friend at most.
        lt: dict[str, Any] = {"model": "linear_threshold"}
        t_ours, chosen = timed(
            lambda: graph.influencers(10, method="cascade", random_state=0, **lt), 1
        )
        t_celf, celf_seeds = timed(
            lambda: celf(graph, 10, None, args.celf_runs, "linear_threshold"), 1
        )
        ours = graph.simulate_cascade(chosen.ids, runs=20_000, random_state=42, **lt).mean
        theirs = graph.simulate_cascade(celf_seeds, runs=20_000, random_state=42, **lt).mean
        row(
            name,
            "influencers(10, cascade, linear_threshold)",
            t_ours,
            f"CELF greedy, LT ({args.celf_runs} runs/eval)",
            t_celf,
            f"spread {ours:.1f} vs {theirs:.1f} = {ours / theirs:.1%} "
            f"(IMM estimate {chosen.expected_spread:.1f}, {chosen.samples} RR sets)",
        )
    elif "celf" not in args.skip:
        skip(name, "influencers(10, cascade)", "CELF greedy", "CELF is run on Last.fm only")


def bench_influence(name: str, graph: ReferralGraph, probability: float) -> None:
    """influencers(10, cascade): wall time, then tracemalloc's peak against the sets.

    The sets are measured at their largest during the call (after each round is drawn):
    the pilot's, dropped once they chose the sentinel, may be far larger than those the
    greedy reads last. What the peak holds beyond twice the sets (the sets and a scratch
    of their size) is printed in bytes a member: IMM's greedy keeps a gain per member.
    """
    import tracemalloc

    from community_marketing.referrals import _influence

    t_ours, chosen = timed(
        lambda: graph.influencers(10, method="cascade", probability=probability, random_state=0)
    )
    largest = [0]
    extend = _influence._RRSampler.extend

    def measured(self: Any, target: int) -> None:
        extend(self, target)
        largest[0] = max(largest[0], self.nbytes())

    _influence._RRSampler.extend = measured  # type: ignore[method-assign]
    tracemalloc.start()
    try:
        graph.influencers(10, method="cascade", probability=probability, random_state=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        _influence._RRSampler.extend = extend  # type: ignore[method-assign]
    spread = graph.simulate_cascade(
        chosen.ids, probability=probability, runs=200, random_state=42
    ).mean
    rr = largest[0]
    beyond = (peak - 2 * rr) / max(graph.adjacency()[0].shape[0], 1)
    note = (
        f"{chosen.samples} RR sets, at most {rr / 2**20:.1f} MiB; peak {peak / 2**20:.1f} MiB "
        f"= {peak / rr:.2f}x, {beyond:.0f} B a member beyond 2x; spread {spread:.1f} "
        f"(IMM estimate {chosen.expected_spread:.1f})"
    )
    skip(name, f"influencers(10, cascade, p={probability})", "none in one run", note, t_ours)


def bench_cascades(
    name: str, graph: ReferralGraph, matrix: Any, ids: list[Any], nx_graph: Any, args: Any
) -> None:
    """simulate_cascade per run beside cynetdiff under both models, then NDlib (IC)."""
    n = matrix.shape[0]
    seeds = np.argsort(-np.diff(matrix.indptr), kind="stable")[10:20]
    seed_ids = [ids[i] for i in seeds.tolist()]
    runs = 1000 if n < 10_000 else 100 if n < 500_000 else 20
    for model, probability in [
        ("independent_cascade", 0.01),
        ("independent_cascade", 0.05),
        ("linear_threshold", None),
    ]:
        what = f"simulate_cascade per run ({'IC p=' + str(probability) if probability else 'LT'})"
        start = time.perf_counter()
        result = graph.simulate_cascade(
            seed_ids,
            probability=probability,
            runs=runs,
            model=model,  # type: ignore[arg-type]
            random_state=0,
        )
        t_ours = time.perf_counter() - start
        peer_runs = runs if n < 500_000 else 5
        t_cy, reach, spread = cynetdiff_cascade(matrix, seeds, probability, peer_runs, model)
        gap = abs(result.mean - reach) / reach
        # The standard error of the difference of the two means, as a share of theirs.
        noise = np.sqrt(result.std**2 / runs + spread**2 / peer_runs) / reach
        row(
            name,
            what,
            t_ours / runs,
            f"cynetdiff {'IndependentCascadeModel' if probability else 'LinearThresholdModel'}",
            t_cy,
            f"mean reach {result.mean:.1f} vs {reach:.1f} ({gap:.1%}, standard error "
            f"{noise:.1%}; {runs} vs {peer_runs} runs)",
        )
    if "ndlib" in args.skip:
        return
    try:
        import ndlib  # noqa: F401
    except ImportError:
        skip(name, "simulate_cascade per run (IC)", "NDlib", "not installed")
        return
    probability = 0.05 if n < 10_000 else 0.01
    ndlib_runs = 0 if n > 500_000 else (60 if n < 10_000 else 8)
    t_ours, result = timed(
        lambda: graph.simulate_cascade(seed_ids, probability=probability, runs=runs, random_state=0)
    )
    if ndlib_runs == 0:
        skip(name, "simulate_cascade per run (IC)", "NDlib", "its per-node Python loop at 1M")
        return
    t_nd, reach = ndlib_cascade(nx_graph, [int(s) for s in seeds], probability, ndlib_runs)
    gap = abs(result.mean - reach) / reach
    row(
        name,
        f"simulate_cascade per run (IC p={probability})",
        t_ours / runs,
        "NDlib IndependentCascadesModel",
        t_nd,
        f"mean reach {result.mean:.1f} vs {reach:.1f} ({gap:.1%}; {runs} vs {ndlib_runs} runs)",
    )


def cynetdiff_cascade(
    matrix: Any, seeds: np.ndarray, probability: float | None, runs: int, model: str
) -> tuple[float, float, float]:
    """Seconds per run, mean and standard deviation of cynetdiff's final reach.

    On the same CSR and seeds as ours. Its ``starts`` has one entry per node (no closing
    offset). Linear threshold without ``influence`` weighs each friend 1 / in-degree, our
    ``probability=None``.
    """
    from array import array

    from cynetdiff.models import IndependentCascadeModel, LinearThresholdModel

    starts = array("I", matrix.indptr[:-1].astype(np.uint32).tobytes())
    edges = array("I", matrix.indices.astype(np.uint32).tobytes())
    peer: Any
    if model == "independent_cascade":
        peer = IndependentCascadeModel(starts, edges, activation_prob=probability, rng=0)
    else:
        peer = LinearThresholdModel(starts, edges, rng=0)
    peer.set_seeds(seeds.tolist())
    reaches = []
    start = time.perf_counter()
    for _ in range(runs):
        peer.reset_model()
        peer.advance_until_completion()
        reaches.append(peer.get_num_activated_nodes())
    return (time.perf_counter() - start) / runs, float(np.mean(reaches)), float(np.std(reaches))


def ndlib_cascade(
    nx_graph: Any, seeds: list[int], probability: float, runs: int
) -> tuple[float, float]:
    """Seconds per run and mean final reach of NDlib's IndependentCascadesModel."""
    import ndlib.models.epidemics as ep
    from ndlib.models import ModelConfig

    config = ModelConfig.Configuration()
    config.add_model_initial_configuration("Infected", seeds)
    for edge in nx_graph.edges():
        config.add_edge_configuration("threshold", edge, probability)
    reaches = []
    np.random.seed(0)
    start = time.perf_counter()
    for _ in range(runs):
        model = ep.IndependentCascadesModel(nx_graph)
        model.set_initial_status(config)
        while True:
            step = model.iteration(node_status=False)
            if step["node_count"][1] == 0 and step["iteration"] > 0:
                break
        reaches.append(step["node_count"][2])
    return (time.perf_counter() - start) / runs, float(np.mean(reaches))


def celf(
    graph: ReferralGraph,
    k: int,
    probability: float | None,
    runs: int,
    model: str = "independent_cascade",
) -> list[Any]:
    """CELF lazy greedy (Leskovec et al. 2007) on top of simulate_cascade."""
    import heapq

    ids = graph.ids()

    def spread(seeds: list[Any]) -> float:
        return graph.simulate_cascade(
            seeds,
            probability=probability,
            runs=runs,
            model=model,  # type: ignore[arg-type]
            random_state=7,
        ).mean

    heap = [(-spread([member]), position, 0) for position, member in enumerate(ids)]
    heapq.heapify(heap)
    chosen: list[Any] = []
    current = 0.0
    while len(chosen) < k:
        gain, position, round_ = heapq.heappop(heap)
        if round_ == len(chosen):
            chosen.append(ids[position])
            current += -gain
            continue
        fresh = spread([*chosen, ids[position]]) - current
        heapq.heappush(heap, (-fresh, position, len(chosen)))
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="lastfm,100k", help="comma list: lastfm,100k,1m")
    parser.add_argument(
        "--skip", default="", help="comma list: reach,pagerank,cascade,ndlib,celf,influence"
    )
    parser.add_argument("--celf-runs", type=int, default=100, help="cascade runs per CELF eval")
    parser.add_argument(
        "--influence-p", default="0.01", help="comma list of IMM probabilities on every graph"
    )
    args = parser.parse_args()
    args.skip = set(filter(None, args.skip.split(",")))
    args.influence_p = [float(p) for p in args.influence_p.split(",")]
    import igraph
    import networkx
    import scipy

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"igraph {igraph.__version__}, networkx {networkx.__version__}"
    )
    for size in args.sizes.split(","):
        if size == "lastfm":
            if not LASTFM.exists():
                print(f"lastfm skipped: {LASTFM} not found")
                continue
            a, b = lastfm_edges()
        elif size in SIZES:
            members, links = SIZES[size]
            start = time.perf_counter()
            a, b = power_law_edges(members, links)
            print(f"(generated {size} in {time.perf_counter() - start:.1f} s)")
        else:
            parser.error(f"--sizes: unknown size {size!r}")
        bench_graph(size, a, b, args)
    print("\n| graph | operation | ours | peer | peer time | peer / ours |")
    print("| --- | --- | --- | --- | --- | --- |")
    for line in ROWS:
        print("| " + " | ".join(line) + " |")


if __name__ == "__main__":
    main()
