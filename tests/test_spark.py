"""Spark trains and filters, the library serves and decides (docs/scaling.md, "Spark").

Optional: needs the ``spark`` extra (``pip install -e '.[spark]'``) and a working
``java``; skipped with the reason otherwise. ``.ci/run`` runs it as its own step.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from community_marketing import Interactions, OptInRegistry, Recommender

from ._consent_stream import ASKED_AT, CHANNEL, PURPOSE, mixed_registry

pytestmark = pytest.mark.spark

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "lastfm-2k"
BUCKETS = 8
EVENT_SCHEMA = (
    "seq long, contact string, purpose string, channel string, action string, at long, "
    "source string, basis string, notice_version string, proof string, expires_at long, "
    "jurisdiction string, reason string, preferences string, key_id string, recorded_at long"
)


def _java_problem() -> str | None:
    java = shutil.which("java")
    if java is None:
        return "no java on PATH: Spark needs Java 17"
    done = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return f"java -version failed: {done.stderr.strip()[:200]}"
    return None


@pytest.fixture(scope="module")
def spark(request: pytest.FixtureRequest) -> Any:
    pytest.importorskip("pyspark", reason="pyspark is not installed: pip install -e '.[spark]'")
    pytest.importorskip("pyarrow", reason="pyarrow is not installed: pip install -e '.[spark]'")
    problem = _java_problem()
    if problem is not None:
        pytest.skip(problem)
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("community-marketing-tests")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    request.addfinalizer(session.stop)  # noqa: PT021 - the finalizer runs even if setup fails later
    return session


def _lastfm() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    path = DATA / "user_artists.dat"
    if not path.exists():
        pytest.skip(f"the Last.fm data is absent: put hetrec2011-lastfm-2k's files in {DATA}")
    rows = np.loadtxt(path, skiprows=1, dtype=np.int64)
    users = np.array([f"listener-{u}" for u in rows[:, 0]], dtype=object)
    artists = np.array([f"artist-{a}" for a in rows[:, 1]], dtype=object)
    return users, artists, np.log1p(rows[:, 2]).astype(np.float32)


def test_spark_als_factors_served_here_give_sparks_own_top_10(spark: Any) -> None:
    import pandas as pd
    from pyspark.ml.recommendation import ALS

    users, artists, plays = _lastfm()
    # The brand's ids become Spark's integer ids (ALS wants int columns), and back.
    user_ids, user_codes = np.unique(users, return_inverse=True)
    artist_ids, artist_codes = np.unique(artists, return_inverse=True)
    # A test split Spark never trains on: 40 listeners' rows, and so some artists.
    held_out = np.isin(user_codes, np.arange(0, len(user_ids), len(user_ids) // 40))
    train = ~held_out
    frame = spark.createDataFrame(
        pd.DataFrame(
            {
                "user": user_codes[train].astype(np.int32),
                "item": artist_codes[train].astype(np.int32),
                "rating": plays[train],
            }
        )
    )
    als = ALS(
        rank=8,
        maxIter=3,
        regParam=0.05,
        alpha=2.0,
        implicitPrefs=True,
        numUserBlocks=2,
        numItemBlocks=2,
        seed=7,
        userCol="user",
        itemCol="item",
        ratingCol="rating",
    )
    fitted = als.fit(frame)
    user_rows = fitted.userFactors.toPandas()
    item_rows = fitted.itemFactors.toPandas()
    history = Interactions.from_triples(users, artists, plays)
    with pytest.raises(KeyError):
        Recommender.from_factors(
            user_ids[user_rows["id"].to_numpy()],
            artist_ids[item_rows["id"].to_numpy()],
            np.stack(user_rows["features"].to_numpy()),
            np.stack(item_rows["features"].to_numpy()),
            interactions=history,
        )
    model = Recommender.from_factors(
        user_ids[user_rows["id"].to_numpy()],
        artist_ids[item_rows["id"].to_numpy()],
        np.stack(user_rows["features"].to_numpy()),
        np.stack(item_rows["features"].to_numpy()),
        interactions=history,
        unknown="drop",
    )
    asked = sorted(set(user_rows["id"].tolist()))[::37]
    subset = spark.createDataFrame([(code,) for code in asked], "user int")
    theirs = {
        row["user"]: [(r["item"], r["rating"]) for r in row["recommendations"]]
        for row in fitted.recommendForUserSubset(subset, 10).collect()
    }
    assert len(theirs) == len(asked) >= 40
    worst = 0.0
    for code in asked:
        ours = model.recommend(user_ids[code], n=10, exclude_seen=False)
        assert list(ours.items) == [artist_ids[item] for item, _ in theirs[code]]
        gaps = np.abs(np.array(ours.scores) - np.array([score for _, score in theirs[code]]))
        worst = max(worst, float(gaps.max()))
        seen = set(history.matrix[history.user_ids.index(user_ids[code])].indices.tolist())
        fresh = model.recommend(user_ids[code], n=10).items
        assert not {history.item_ids.index(item) for item in fresh} & seen
    assert worst < 1e-4
    print(f"largest score difference against Spark: {worst:.2e}")


def _spark_audience(spark: Any, registry: OptInRegistry) -> set[str]:
    """The recipe of docs/scaling.md: the library decides each group of contacts in Spark."""
    import pandas as pd
    from pyspark.sql import functions as F  # noqa: N812 - Spark's own idiom

    columns = registry.event_columns()
    columns["preferences"] = np.array(
        [None if p is None else json.dumps(p) for p in columns["preferences"]], dtype=object
    )
    events = spark.createDataFrame(pd.DataFrame(columns), EVENT_SCHEMA)
    bucket = F.pmod(F.xxhash64("contact"), F.lit(BUCKETS))
    known = events.where(F.col("contact").isNotNull()).withColumn("bucket", bucket)
    # An erasure names no one: every group needs all of them to keep the erased out.
    erasures = events.where(F.col("contact").isNull()).crossJoin(
        spark.range(BUCKETS).withColumnRenamed("id", "bucket")
    )
    key = registry.erasure_key

    def decide(frame: pd.DataFrame) -> pd.DataFrame:
        group = OptInRegistry.from_event_columns(frame, erasure_key=key)
        asked = frame["contact"].dropna().unique().tolist()
        return pd.DataFrame({"contact": group.audience(asked, PURPOSE, CHANNEL, at=ASKED_AT)})

    decided = known.unionByName(erasures).groupBy("bucket").applyInPandas(decide, "contact string")
    rows = decided.collect()
    audience = [row["contact"] for row in rows]
    assert len(audience) == len(set(audience))
    return set(audience)


def test_spark_consent_audience_is_the_registrys(spark: Any) -> None:
    registry = mixed_registry(3000, seed=11)
    contacts = [f"c{i}" for i in range(3100)]  # a hundred the registry never heard of
    expected = registry.audience(contacts, PURPOSE, CHANNEL, at=ASKED_AT)
    reasons = registry.check_many(contacts, PURPOSE, CHANNEL, at=ASKED_AT).counts()
    refused = {reason.name for reason, count in reasons.items() if count}
    assert refused >= {"NO_CONSENT", "WITHDRAWN", "SUPPRESSED", "QUIET_HOURS"}
    assert "FREQUENCY_CAP" in refused
    assert _spark_audience(spark, registry) == set(expected)
    assert 0 < len(expected) < 3000


def test_event_columns_round_trip_through_arrow_and_pandas() -> None:
    pa = pytest.importorskip(
        "pyarrow", reason="pyarrow is not installed: pip install -e '.[spark]'"
    )
    pytest.importorskip("pandas")
    registry = mixed_registry(400, seed=3)
    columns = registry.event_columns()
    columns["preferences"] = np.array(
        [None if p is None else json.dumps(p) for p in columns["preferences"]], dtype=object
    )
    table = pa.table(columns)
    key = registry.erasure_key
    for source in (table, table.to_pandas()):
        copy = OptInRegistry.from_event_columns(source, erasure_key=key)
        assert copy.events() == registry.events()
