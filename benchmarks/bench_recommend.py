"""Recommender beside raw implicit, measured in the same run.

Usage::

    python benchmarks/bench_recommend.py                       # everything, full synthetic size
    python benchmarks/bench_recommend.py --users 50000 --items 10000 --interactions 1000000
    python benchmarks/bench_recommend.py --skip-synthetic      # Last.fm only

Part 1 (needs ../shared/data/lastfm-2k): ranking quality against raw implicit fitted
on the same matrix with the same seed, cold start from friends against popularity
and the plain sum of the friends' factors, and the best social blend weight.

Part 2: a synthetic users x items matrix (500,000 x 100,000, 10,000,000 interactions
by default): fit, batched and single recommend, audience_for, peak memory (each side
in its own subprocess). BLAS is held to one thread on both sides.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import threadpoolctl
from implicit.cpu.als import AlternatingLeastSquares
from implicit.cpu.topk import topk
from implicit.evaluation import ranking_metrics_at_k

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from community_marketing.evaluation import (  # noqa: E402
    PopularityBaseline,
    evaluate,
    hide_users,
    map_at_k,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    relevant_items,
    train_test_split,
)
from community_marketing.recommend import Interactions, Recommender  # noqa: E402

DATA_DIR = ROOT.parent / "shared" / "data" / "lastfm-2k"
PARAMS: dict[str, Any] = {"factors": 64, "regularization": 0.05, "alpha": 2.0, "iterations": 15}
ROWS: list[tuple[str, str, str, str]] = []


def row(name: str, ours: float, theirs: float | None, unit: str = "", *, digits: int = 4) -> None:
    """Record and print one figure beside its peer, with the ratio."""
    ratio = "" if not theirs else f"{ours / theirs:.3f}"
    peer = "" if theirs is None else f"{theirs:.{digits}f}{unit}"
    ROWS.append((name, f"{ours:.{digits}f}{unit}", peer, ratio))
    print(f"  {name:58s} {ROWS[-1][1]:>14s} {peer:>14s} {ratio:>7s}", flush=True)


def header(title: str, peer: str = "raw implicit") -> None:
    print(f"\n## {title}\n  {'figure':58s} {'ours':>14s} {peer:>14s} {'ratio':>7s}", flush=True)


class FriendPairs:
    """The Last.fm friendship graph through the FriendGraph protocol."""

    def __init__(self, pairs: npt.NDArray[np.int64]) -> None:
        ids = sorted(set(pairs[:, 0].tolist()) | set(pairs[:, 1].tolist()))
        position = {user: i for i, user in enumerate(ids)}
        rows = np.array([position[u] for u in pairs[:, 0].tolist()])
        cols = np.array([position[u] for u in pairs[:, 1].tolist()])
        size = len(ids)
        matrix = sp.csr_matrix((np.ones(rows.size, np.float32), (rows, cols)), shape=(size, size))
        self._matrix = sp.csr_matrix((matrix + matrix.T) > 0, dtype=np.float32)
        self._ids: list[Hashable] = list(ids)
        self._position = position

    def friends(self, id: Hashable) -> list[Hashable]:
        start, end = self._matrix.indptr[self._position[id] : self._position[id] + 2]
        return [self._ids[i] for i in self._matrix.indices[start:end].tolist()]

    def adjacency(self) -> tuple[sp.csr_matrix, list[Hashable]]:
        return self._matrix, self._ids


def raw_model(seed: int, matrix: sp.csr_matrix) -> tuple[Any, float]:
    """Raw implicit fitted on log1p(weights), as the Last.fm README's reference does."""
    confidence = matrix.copy()
    confidence.data = np.log1p(confidence.data)
    with threadpoolctl.threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(**PARAMS, random_state=seed)
        start = time.perf_counter()
        model.fit(confidence, show_progress=False)
    return model, time.perf_counter() - start


def raw_lists(
    model: Any, train: Interactions, users: Sequence[Hashable], k: int
) -> dict[Hashable, list[Hashable]]:
    position = {user: i for i, user in enumerate(train.user_ids)}
    rows = np.array([position[u] for u in users])
    ids, _ = model.recommend(rows, train.matrix[rows], N=k)
    return {user: [train.item_ids[i] for i in ids[r].tolist()] for r, user in enumerate(users)}


def lastfm(seeds: list[int]) -> None:
    listens = np.loadtxt(DATA_DIR / "user_artists.dat", skiprows=1, dtype=np.int64)
    pairs = np.loadtxt(DATA_DIR / "user_friends.dat", dtype=np.int64)
    data = Interactions.from_triples(listens[:, 0], listens[:, 1], listens[:, 2])
    graph = FriendPairs(pairs)
    print(f"Last.fm 2K: {data.n_users} users, {data.n_items} artists, {data.nnz} pairs")

    header(f"Last.fm warm quality @10, 80/20 per-user split, mean of seeds {seeds}")
    ours_m: dict[str, list[float]] = {}
    raw_m: dict[str, list[float]] = {}
    blend: dict[float, list[float]] = {}
    weights = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    for seed in seeds:
        train, test = train_test_split(data, test_fraction=0.2, random_state=seed)
        start = time.perf_counter()
        ours = Recommender(**PARAMS, random_state=seed).fit(train)
        ours_fit = time.perf_counter() - start
        raw, raw_fit = raw_model(seed, train.matrix)
        report = evaluate(ours, train, test, k=10)
        truth = relevant_items(test)
        lists = raw_lists(raw, train, list(truth), 10)
        their = {
            "precision": precision_at_k(lists, truth, k=10),
            "recall": recall_at_k(lists, truth, k=10),
            "ndcg": ndcg_at_k(lists, truth, k=10),
            "map": map_at_k(lists, truth, k=10),
        }
        with threadpoolctl.threadpool_limits(1, "blas"):
            implicit_own = ranking_metrics_at_k(
                raw, train.matrix, test.matrix, K=10, show_progress=False
            )
        for name, value in (
            ("precision", report.precision),
            ("recall", report.recall),
            ("ndcg", report.ndcg),
            ("map", report.map),
            ("fit seconds", ours_fit),
            ("implicit-definition precision", float(implicit_own["precision"])),
        ):
            ours_m.setdefault(name, []).append(value)
        for name, value in their.items():
            raw_m.setdefault(name, []).append(value)
        raw_m.setdefault("fit seconds", []).append(raw_fit)
        raw_m.setdefault("implicit-definition precision", []).append(
            float(implicit_own["precision"])
        )
        raw_m.setdefault("max |factor difference|", []).append(0.0)
        ours_m.setdefault("max |factor difference|", []).append(
            float(np.abs(ours.user_factors_ - raw.user_factors).max())
        )
        for weight in weights:
            result = evaluate(ours, train, test, k=10, friends=graph, social_weight=weight)
            blend.setdefault(weight, []).append(result.precision)
    for name in ("precision", "recall", "ndcg", "map"):
        row(f"{name}@10", float(np.mean(ours_m[name])), float(np.mean(raw_m[name])))
    row(
        "precision@10, implicit's min(K, |test|) definition",
        float(np.mean(ours_m["implicit-definition precision"])),
        float(np.mean(raw_m["implicit-definition precision"])),
    )
    row("max |user factor difference| (same seed)", max(ours_m["max |factor difference|"]), 0.0)
    row("fit seconds", float(np.mean(ours_m["fit seconds"])), float(np.mean(raw_m["fit seconds"])))

    header("Social blend for warm users, precision@10", "social_weight=0")
    base = float(np.mean(blend[0.0]))
    for weight in weights[1:]:
        row(f"social_weight={weight}", float(np.mean(blend[weight])), base)
    best = max(weights, key=lambda w: float(np.mean(blend[w])))
    print(
        f"  best social_weight={best}: gain {float(np.mean(blend[best])) - base:+.4f} precision@10"
    )

    for fraction in (0.2, 0.1, 0.3):
        header(
            f"Cold start, {fraction:.0%} of users hidden, precision@10 vs full lists, "
            f"seeds {seeds}",
            "peer",
        )
        ours_p, popular_p, plain_p = [], [], []
        for seed in seeds:
            train, hidden = hide_users(data, fraction=fraction, random_state=seed)
            ours = Recommender(**PARAMS, random_state=seed).fit(train)
            raw, _ = raw_model(seed, train.matrix)
            ours_p.append(evaluate(ours, train, hidden, k=10, friends=graph).precision)
            popular_p.append(
                evaluate(PopularityBaseline().fit(train), train, hidden, k=10).precision
            )
            plain_p.append(plain_friend_sum(raw, train, hidden, graph))
        print(f"  per seed: ours {np.round(ours_p, 4)}, plain sum {np.round(plain_p, 4)}")
        row(
            f"cold start {fraction:.0%} hidden: ours vs most popular",
            float(np.mean(ours_p)),
            float(np.mean(popular_p)),
        )
        row(
            f"cold start {fraction:.0%} hidden: ours vs plain sum of friends' factors",
            float(np.mean(ours_p)),
            float(np.mean(plain_p)),
        )


def plain_friend_sum(
    raw: Any, train: Interactions, hidden: Interactions, graph: FriendPairs
) -> float:
    """The README's reference: rank by the sum of the friends' ALS factors (popularity if none)."""
    position = {user: i for i, user in enumerate(train.user_ids)}
    popularity = np.bincount(train.matrix.indices, minlength=train.n_items)
    popular = np.argsort(-popularity, kind="stable")[:10]
    lists: dict[Hashable, list[Hashable]] = {}
    for user in hidden.user_ids:
        rows = [position[f] for f in graph.friends(user) if f in position]
        if rows:
            vector = raw.user_factors[rows].sum(axis=0)
            ids, _ = topk(raw.item_factors, vector, 10)
            chosen = ids[0]
        else:
            chosen = popular
        lists[user] = [train.item_ids[i] for i in chosen.tolist()]
    return precision_at_k(lists, relevant_items(hidden), k=10)


# --------------------------------------------------------------------------- synthetic


def synthetic(users: int, items: int, interactions: int, seed: int = 0) -> tuple[Any, Any, Any]:
    """Users uniform, items with a long tail (Zipf-like), listen counts 1..49."""
    rng = np.random.default_rng(seed)
    user_col = rng.integers(0, users, size=interactions, dtype=np.int64)
    popularity = 1.0 / np.arange(10, items + 10) ** 0.9
    cdf = np.cumsum(popularity / popularity.sum())
    item_col = np.minimum(np.searchsorted(cdf, rng.random(interactions)), items - 1)
    weights = rng.integers(1, 50, size=interactions).astype(np.float32)
    # The application's ids: user 17 is "17" + offset, not row 17.
    return user_col * 7 + 1_000_000, item_col * 3 + 5, weights


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def memory_child(side: str, users: int, items: int, interactions: int) -> None:
    """Generate, then build and fit; print resident-set figures in MiB (own process).

    ``ru_maxrss`` alone would be the generator's own peak; a sampling thread
    (psutil, every 5 ms) measures the peak during build + fit above the resident
    set left once the triples exist.
    """
    import threading

    import psutil

    user_col, item_col, weights = synthetic(users, items, interactions)
    process = psutil.Process()
    baseline = process.memory_info().rss / 2**20
    peak = [baseline]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], process.memory_info().rss / 2**20)
            done.wait(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    if side == "raw":
        _, rows = np.unique(user_col, return_inverse=True)
        _, cols = np.unique(item_col, return_inverse=True)
        matrix = sp.csr_matrix((weights, (rows, cols)))
        del rows, cols
        with threadpoolctl.threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(**PARAMS, random_state=0)
            model.fit(matrix, show_progress=False)
    else:
        data = Interactions.from_triples(user_col, item_col, weights)
        Recommender(**PARAMS, weighting=None, random_state=0).fit(data)
    done.set()
    sampler.join()
    print(json.dumps({"baseline_mib": baseline, "peak_mib": peak[0]}))


def run_synthetic(users: int, items: int, interactions: int, batch: int, repeats: int) -> None:
    print(f"\nSynthetic: {users:,} users x {items:,} items, {interactions:,} interactions")
    user_col, item_col, weights = synthetic(users, items, interactions)
    header("Synthetic timings (seconds unless stated)")

    def raw_build() -> tuple[sp.csr_matrix, npt.NDArray[Any], npt.NDArray[Any]]:
        user_ids, rows = np.unique(user_col, return_inverse=True)
        item_ids, cols = np.unique(item_col, return_inverse=True)
        matrix = sp.csr_matrix((weights, (rows, cols)), shape=(user_ids.size, item_ids.size))
        matrix.sum_duplicates()
        return matrix, user_ids, item_ids

    (raw_matrix, _, _), raw_build_s = timed(raw_build)
    data, build_s = timed(lambda: Interactions.from_triples(user_col, item_col, weights))
    del raw_matrix
    # From here both sides use the very same CSR (ours keeps first-appearance order).
    matrix = data.matrix
    print(f"  matrix: {matrix.shape}, nnz {matrix.nnz:,}")
    row("ids + matrix build (ours: Interactions.from_triples)", build_s, raw_build_s, "s", digits=2)

    raw_fits: list[float] = []
    our_fits: list[float] = []

    def fit_raw() -> Any:
        with threadpoolctl.threadpool_limits(1, "blas"):
            raw = AlternatingLeastSquares(**PARAMS, random_state=0)
            start = time.perf_counter()
            raw.fit(data.matrix, show_progress=False)
            raw_fits.append(time.perf_counter() - start)
        return raw

    inner_fits: list[float] = []
    implicit_fit = AlternatingLeastSquares.fit

    def timed_implicit_fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return implicit_fit(self, *args, **kwargs)
        finally:
            inner_fits.append(time.perf_counter() - start)

    def fit_ours() -> Recommender:
        model = Recommender(**PARAMS, weighting=None, random_state=0)
        # Time implicit's own fit inside ours too: the difference is exactly what the
        # wrapper costs, free of the run-to-run noise of a shared machine.
        AlternatingLeastSquares.fit = timed_implicit_fit  # type: ignore[method-assign]
        try:
            start = time.perf_counter()
            model.fit(data)
            our_fits.append(time.perf_counter() - start)
        finally:
            AlternatingLeastSquares.fit = implicit_fit  # type: ignore[method-assign]
        return model

    # Alternate which side goes first (ABBA) and keep the best of each: the
    # machine is shared, and whichever side always ran first would carry any
    # warm-up or allocator effect alone.
    for repeat in range(repeats):
        if repeat % 2 == 0:
            raw, model = fit_raw(), fit_ours()
        else:
            model, raw = fit_ours(), fit_raw()
    print(f"  fit seconds per repeat: ours {np.round(our_fits, 2)}, raw {np.round(raw_fits, 2)}")
    print(f"  median fit ratio: {np.median(our_fits) / np.median(raw_fits):.3f}")
    overhead = np.array(our_fits) - np.array(inner_fits)
    print(
        f"  ours minus implicit's fit inside it: {np.round(overhead, 3)} s "
        f"(at most {overhead.max() / min(inner_fits):.2%} of the fit)"
    )
    fit_s, raw_fit_s = min(our_fits), min(raw_fits)
    difference = float(np.abs(model.user_factors_ - raw.user_factors).max())
    print(f"  max |user factor difference| between the two fits: {difference}")
    row(f"fit, same CSR (best of {repeats})", fit_s, raw_fit_s, "s", digits=2)
    worst = int(np.argmax(overhead))
    row(
        "fit vs implicit's fit timed inside it (repeat with most overhead)",
        our_fits[worst],
        inner_fits[worst],
        "s",
        digits=3,
    )
    row("fit + ids + matrix build", fit_s + build_s, raw_fit_s + raw_build_s, "s", digits=2)

    rng = np.random.default_rng(1)
    chosen = rng.choice(matrix.shape[0], size=min(batch, matrix.shape[0]), replace=False)
    our_users = [data.user_ids[i] for i in chosen.tolist()]
    our_rows = model._state().users.indices(our_users)
    raw_many, our_many = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        raw.recommend(our_rows, matrix[our_rows], N=10)
        raw_many.append(time.perf_counter() - start)
        start = time.perf_counter()
        model.recommend_many(our_users, n=10)
        our_many.append(time.perf_counter() - start)
    row(
        f"recommend_many, {len(our_users):,} users, n=10 (best of {repeats})",
        min(our_many),
        min(raw_many),
        "s",
        digits=3,
    )

    singles = our_users[:300]
    single_rows = our_rows[:300].tolist()
    raw_times, our_times = [], []
    for user, index in zip(singles, single_rows, strict=True):
        start = time.perf_counter()
        raw.recommend(index, matrix[index], N=10)
        raw_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        model.recommend(user, n=10)
        our_times.append(time.perf_counter() - start)
    row(
        "recommend one user, median of 300 (ms)",
        1000 * float(np.median(our_times)),
        1000 * float(np.median(raw_times)),
        "ms",
        digits=3,
    )

    targets = [data.item_ids[i] for i in range(0, min(5, data.n_items))]
    columns = model._state().items.indices(targets).tolist()
    raw_audience, our_audience = [], []
    for item, column in zip(targets, columns, strict=True):
        start = time.perf_counter()
        numpy_audience(raw, matrix, column, 100)
        raw_audience.append(time.perf_counter() - start)
        start = time.perf_counter()
        model.audience_for(item, n=100)
        our_audience.append(time.perf_counter() - start)
    row(
        "audience_for one item over all users, n=100, median of 5 (vs numpy)",
        float(np.median(our_audience)),
        float(np.median(raw_audience)),
        "s",
        digits=3,
    )


def run_memory(users: int, items: int, interactions: int) -> None:
    """Peak memory of each side, each in a fresh process."""
    header("Synthetic peak memory")
    args = [str(users), str(items), str(interactions)]
    peaks = {}
    for side in ("raw", "ours"):
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", side, *args],
            check=True,
            capture_output=True,
            text=True,
        )
        peaks[side] = json.loads(out.stdout.strip().splitlines()[-1])
    row(
        "peak RSS during build + fit (MiB, sampled)",
        peaks["ours"]["peak_mib"],
        peaks["raw"]["peak_mib"],
        "",
        digits=0,
    )
    row(
        "peak RSS above the generated triples (MiB)",
        peaks["ours"]["peak_mib"] - peaks["ours"]["baseline_mib"],
        peaks["raw"]["peak_mib"] - peaks["raw"]["baseline_mib"],
        "",
        digits=0,
    )


def numpy_audience(raw: Any, matrix: sp.csr_matrix, column: int, n: int) -> Any:
    """What an implicit user writes for "who wants this item": scores, drop holders, top n."""
    scores = raw.user_factors @ raw.item_factors[column]
    holders = matrix[:, column].nonzero()[0]
    scores[holders] = -np.inf
    top = np.argpartition(-scores, n)[:n]
    return top[np.argsort(-scores[top])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=500_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=10_000_000)
    parser.add_argument("--batch", type=int, default=100_000, help="users for recommend_many")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2, help="timing repeats per side")
    parser.add_argument("--skip-lastfm", action="store_true")
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--memory-only", action="store_true", help="only the peak memory part")
    parser.add_argument("--memory-child", choices=["raw", "ours"], help=argparse.SUPPRESS)
    parser.add_argument("child_args", nargs="*", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, *args.child_args)
        return
    print(f"machine: {os.cpu_count()} cores; BLAS held to 1 thread; implicit num_threads=0")
    if args.memory_only:
        run_memory(args.users, args.items, args.interactions)
        return
    if not args.skip_lastfm:
        if DATA_DIR.is_dir():
            lastfm(list(range(args.seeds)))
        else:
            print(f"Last.fm data not found at {DATA_DIR}: skipped")
    if not args.skip_synthetic:
        run_synthetic(args.users, args.items, args.interactions, args.batch, args.repeats)
        if not args.skip_memory:
            run_memory(args.users, args.items, args.interactions)
    print("\n| figure | ours | raw implicit / peer | ratio |\n| --- | --- | --- | --- |")
    for name, ours, theirs, ratio in ROWS:
        print(f"| {name} | {ours} | {theirs} | {ratio} |")


if __name__ == "__main__":
    main()
