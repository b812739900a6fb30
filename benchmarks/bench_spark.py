"""Spark beside this library: the same ALS fit on Last.fm, the same consent audience.

Needs the ``spark`` extra (``pip install -e '.[spark]'``), Java 17 and, for the fit,
../shared/data/lastfm-2k. Spark runs in local mode on the same cores (``local[2]``); its
memory is the peak RSS of its processes (the JVM and its Python workers), this library's
the peak RSS of this process above what it held before. Reports, not targets.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "lastfm-2k"

from community_marketing import OptInRegistry, Recommender  # noqa: E402
from tests._consent_stream import ASKED_AT, CHANNEL, PURPOSE, mixed_registry  # noqa: E402
from tests.test_spark import EVENT_SCHEMA  # noqa: E402


class Peak:
    """Peak RSS, sampled every 50 ms, of this process and of its children (Spark's)."""

    def __init__(self) -> None:
        self.me = psutil.Process()
        self.ours = self.theirs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                children = sum(c.memory_info().rss for c in self.me.children(recursive=True))
            except psutil.Error:
                children = 0
            self.ours = max(self.ours, self.me.memory_info().rss)
            self.theirs = max(self.theirs, children)
            time.sleep(0.05)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def timed(label: str, call: Callable[[], Any]) -> tuple[Any, float, int, int]:
    before = psutil.Process().memory_info().rss
    with Peak() as peak:
        start = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - start
    print(
        f"{label}: {seconds:.2f} s, peak RSS ours +{(peak.ours - before) / 2**20:.0f} MB, "
        f"Spark's processes {peak.theirs / 2**20:.0f} MB",
        flush=True,
    )
    return result, seconds, peak.ours - before, peak.theirs


def session() -> Any:
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    return (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )


def bench_fit(spark: Any, factors: int, iterations: int) -> None:
    import pandas as pd
    from pyspark.ml.recommendation import ALS

    rows = np.loadtxt(DATA / "user_artists.dat", skiprows=1, dtype=np.int64)
    plays = np.log1p(rows[:, 2]).astype(np.float32)
    frame = spark.createDataFrame(
        pd.DataFrame(
            {
                "user": rows[:, 0].astype(np.int32),
                "item": rows[:, 1].astype(np.int32),
                "rating": plays,
            }
        )
    ).cache()
    frame.count()
    als = ALS(
        rank=factors,
        maxIter=iterations,
        regParam=0.05,
        alpha=2.0,
        implicitPrefs=True,
        numUserBlocks=2,
        numItemBlocks=2,
        seed=0,
        userCol="user",
        itemCol="item",
        ratingCol="rating",
    )

    def spark_fit() -> Any:
        fitted = als.fit(frame)
        fitted.userFactors.count()  # fit is lazy about nothing, but force the factors anyway
        return fitted

    model = Recommender(
        factors=factors,
        iterations=iterations,
        regularization=0.05,
        alpha=2.0,
        weighting=None,
        random_state=0,
    )
    _, theirs, _, _ = timed(f"Spark ALS fit, Last.fm, rank {factors}, {iterations} it", spark_fit)
    _, ours, _, _ = timed(
        "community-marketing fit (implicit)",
        lambda: model.fit(rows[:, 0].tolist(), rows[:, 1].tolist(), plays),
    )
    print(f"ratio Spark/ours: {theirs / ours:.1f}x", flush=True)


def bench_audience(spark: Any, contacts: int, buckets: int) -> None:
    import pandas as pd
    from pyspark.sql import functions as F  # noqa: N812 - Spark's own idiom

    registry, _, _, _ = timed(
        f"build the mixed registry, {contacts:,} contacts", lambda: mixed_registry(contacts, seed=1)
    )
    asked = [f"c{i}" for i in range(contacts)]
    expected, ours, _, _ = timed(
        "community-marketing audience()",
        lambda: registry.audience(asked, PURPOSE, CHANNEL, at=ASKED_AT),
    )

    def export() -> Any:
        columns = registry.event_columns()
        columns["preferences"] = np.array(
            [None if p is None else json.dumps(p) for p in columns["preferences"]], dtype=object
        )
        return spark.createDataFrame(pd.DataFrame(columns), EVENT_SCHEMA).cache()

    events, _, _, _ = timed("event_columns() into a cached Spark DataFrame", export)
    print(f"events: {events.count():,}", flush=True)
    key = registry.erasure_key

    def decide(frame: pd.DataFrame) -> pd.DataFrame:
        group = OptInRegistry.from_event_columns(frame, erasure_key=key)
        ids = frame["contact"].dropna().unique().tolist()
        return pd.DataFrame({"contact": group.audience(ids, PURPOSE, CHANNEL, at=ASKED_AT)})

    def spark_audience() -> set[str]:
        known = events.where(F.col("contact").isNotNull()).withColumn(
            "bucket", F.pmod(F.xxhash64("contact"), F.lit(buckets))
        )
        erasures = events.where(F.col("contact").isNull()).crossJoin(
            spark.range(buckets).withColumnRenamed("id", "bucket")
        )
        out = known.unionByName(erasures).groupBy("bucket").applyInPandas(decide, "contact string")
        return {row["contact"] for row in out.collect()}

    found, theirs, _, _ = timed(f"Spark applyInPandas audience ({buckets} groups)", spark_audience)
    print(
        f"equal audiences: {found == set(expected)} ({len(expected):,} contacts); "
        f"ratio Spark/ours: {theirs / ours:.0f}x",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--buckets", type=int, default=16)
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--skip-fit", action="store_true")
    args = parser.parse_args()
    spark = session()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        if not args.skip_fit:
            bench_fit(spark, args.factors, args.iterations)
        bench_audience(spark, args.contacts, args.buckets)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
