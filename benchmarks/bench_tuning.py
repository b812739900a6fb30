"""Tuning on the brand's own data, and audiences for new products, on Last.fm 2K.

Usage::

    python benchmarks/bench_tuning.py                    # both parts, 3 seeds, 20 trials
    python benchmarks/bench_tuning.py --skip-new-items --seeds 1

Part 1, tune: for each seed, the library's 80/20 per-user split (``train_test_split``);
``Recommender.tune`` on the training part only (its own validation split inside it), the
best settings refitted on the whole training part and measured on the test part, beside the
defaults measured the same way, in the same run. Spark MLlib's tuned ALS (0.1996, issue 21)
is quoted, not run here. Wall and CPU seconds of each ``tune`` call are printed.

Part 2, new items: 10% of the artists hidden from training; each hidden artist with six
listeners or more is added with ``add_items``, once with its 3 most co-listened known artists
as ``like`` and once with 5 of its listeners (seeded) as ``holders``; its ``audience_for``
(n=100) is scored against its true listeners (the 5 holders left out of the truth in that
variant), beside a popularity baseline: the 100 most active users (most artists in training)
who do not hold it.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from community_marketing.evaluation import evaluate, train_test_split  # noqa: E402
from community_marketing.recommend import Interactions, Recommender  # noqa: E402

DATA_DIR = ROOT.parent / "shared" / "data" / "lastfm-2k"
SPARK_TUNED = 0.1996
# The best setting of a hand search on the test splits themselves (issue 21's protocol for its
# 0.1937): measured here beside what tune finds without seeing the test split.
BY_HAND: dict[str, Any] = {"factors": 128, "regularization": 60.0, "alpha": 3.0}
ROWS: list[tuple[str, str, str, str]] = []


def row(name: str, ours: float, theirs: float | None, *, digits: int = 4) -> None:
    """Record and print one figure beside its peer, with the ratio."""
    ratio = "" if not theirs else f"{ours / theirs:.3f}"
    peer = "" if theirs is None else f"{theirs:.{digits}f}"
    ROWS.append((name, f"{ours:.{digits}f}", peer, ratio))
    print(f"  {name:60s} {ROWS[-1][1]:>10s} {peer:>10s} {ratio:>7s}", flush=True)


def header(title: str, peer: str) -> None:
    print(f"\n## {title}\n  {'figure':60s} {'ours':>10s} {peer:>10s} {'ratio':>7s}", flush=True)


def load() -> Interactions:
    listens = np.loadtxt(DATA_DIR / "user_artists.dat", skiprows=1, dtype=np.int64)
    return Interactions.from_triples(listens[:, 0], listens[:, 1], listens[:, 2])


def tuning(data: Interactions, seeds: list[int], trials: int) -> None:
    header(f"tune: precision@10 on the test split, {trials} trials, seeds {seeds}", "defaults")
    tuned, default, by_hand, wall, cpu = [], [], [], [], []
    for seed in seeds:
        train, test = train_test_split(data, test_fraction=0.2, random_state=seed)
        default.append(
            evaluate(Recommender(random_state=seed).fit(train), train, test, k=10).precision
        )
        hand = Recommender(**BY_HAND, random_state=seed).fit(train)
        by_hand.append(evaluate(hand, train, test, k=10).precision)
        start, start_cpu = time.perf_counter(), time.process_time()
        result = Recommender(random_state=seed).tune(train, n_trials=trials, random_state=seed)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        tuned.append(evaluate(result.fit(train), train, test, k=10).precision)
        print(f"  seed {seed}: {result!r}; test precision@10 {tuned[-1]:.4f}", flush=True)
        print(f"  seed {seed}: tune {wall[-1]:.1f} s wall, {cpu[-1]:.1f} s CPU", flush=True)
    row("precision@10, tuned (mean of seeds)", float(np.mean(tuned)), float(np.mean(default)))
    row("precision@10, tuned vs Spark MLlib tuned (quoted)", float(np.mean(tuned)), SPARK_TUNED)
    row(f"precision@10, {BY_HAND} vs Spark (quoted)", float(np.mean(by_hand)), SPARK_TUNED)
    row(f"tune seconds, {trials} trials (wall, mean) vs the 60 s target", float(np.mean(wall)), 60)
    row("tune seconds (CPU of this process, mean)", float(np.mean(cpu)), None)


def co_listened(binary: sp.csr_matrix, hidden: np.ndarray, known: np.ndarray, n: int) -> Any:
    """For each hidden column, the ``n`` known columns sharing most users with it."""
    overlap = (binary[:, hidden].T @ binary[:, known]).toarray()
    return known[np.argsort(-overlap, axis=1, kind="stable")[:, :n]]


def new_items(data: Interactions, seed: int) -> None:
    rng = np.random.default_rng(seed)
    matrix = data.matrix
    binary = sp.csr_matrix((np.ones(matrix.nnz, np.float32), matrix.indices, matrix.indptr),
                           shape=matrix.shape, copy=True)  # fmt: skip
    columns = np.arange(data.n_items)
    hidden = np.sort(rng.choice(columns, size=data.n_items // 10, replace=False))
    known = np.setdiff1d(columns, hidden)
    listeners = np.diff(binary.tocsc().indptr)
    scored = hidden[listeners[hidden] >= 6]
    keep = np.isin(matrix.indices, known)
    # copy=True: eliminate_zeros compacts the index arrays in place.
    train_matrix = sp.csr_matrix((matrix.data * keep, matrix.indices, matrix.indptr),
                                 shape=matrix.shape, copy=True)  # fmt: skip
    train_matrix.eliminate_zeros()
    rows = np.flatnonzero(np.diff(train_matrix.indptr) > 0)
    users = [data.user_ids[i] for i in rows.tolist()]
    train = Interactions.from_csr(
        train_matrix[rows][:, known], users, [data.item_ids[i] for i in known.tolist()]
    )
    model = Recommender(random_state=seed).fit(train)
    header(
        f"new items: {hidden.size} artists hidden, {scored.size} with >= 6 listeners scored, "
        f"seed {seed}",
        "popularity",
    )
    item_ids = [data.item_ids[i] for i in scored.tolist()]
    alike = co_listened(binary, scored, known, 3)
    like = [[data.item_ids[i] for i in row.tolist()] for row in alike]
    csc = binary.tocsc()
    truth = [set(csc.indices[csc.indptr[c] : csc.indptr[c + 1]].tolist()) for c in scored]
    position = {user: i for i, user in enumerate(data.user_ids)}
    firsts = [rng.choice(sorted(t), size=5, replace=False).tolist() for t in truth]
    activity = np.diff(train.matrix.indptr)
    active = [train.user_ids[i] for i in np.argsort(-activity, kind="stable").tolist()]
    start = time.perf_counter()
    liked = copy.copy(model).add_items(item_ids, like=like)
    like_seconds = time.perf_counter() - start
    start = time.perf_counter()
    held = copy.copy(model).add_items(
        item_ids, holders=[[data.user_ids[u] for u in first] for first in firsts]
    )
    holders_seconds = time.perf_counter() - start
    figures: dict[str, list[float]] = {}
    for k, item in enumerate(item_ids):
        for name, fitted, given in (("like", liked, set()), ("holders", held, set(firsts[k]))):
            wanted = truth[k] - given
            audience = [position[u] for u, _ in fitted.audience_for(item, n=100)]
            popular = [position[u] for u in active if position[u] not in given][:100]
            for side, ranked in (("ours", audience), ("popularity", popular)):
                hits = len(set(ranked) & wanted)
                figures.setdefault(f"{name} {side} precision", []).append(hits / 100)
                figures.setdefault(f"{name} {side} recall", []).append(hits / len(wanted))
    for name in ("like", "holders"):
        for metric in ("precision", "recall"):
            row(
                f"{name}: {metric}@100 of the true listeners",
                float(np.mean(figures[f"{name} ours {metric}"])),
                float(np.mean(figures[f"{name} popularity {metric}"])),
            )
    row(f"add_items seconds, like, {len(item_ids)} items", like_seconds, None)
    row(f"add_items seconds, holders, {len(item_ids)} items", holders_seconds, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--skip-tune", action="store_true")
    parser.add_argument("--skip-new-items", action="store_true")
    args = parser.parse_args()
    if not DATA_DIR.is_dir():
        print(f"Last.fm data not found at {DATA_DIR}: nothing to measure")
        return
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()}; num_threads=0")
    data = load()
    print(f"Last.fm 2K: {data.n_users} users, {data.n_items} artists, {data.nnz} pairs")
    if not args.skip_new_items:
        new_items(data, 0)
    if not args.skip_tune:
        tuning(data, list(range(args.seeds)), args.trials)
    print("\n| figure | ours | peer | ratio |\n| --- | --- | --- | --- |")
    for name, ours, theirs, ratio in ROWS:
        print(f"| {name} | {ours} | {theirs} | {ratio} |")


if __name__ == "__main__":
    main()
