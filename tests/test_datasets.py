"""Tests of community_marketing.datasets: determinism, structure, realism, consent, arguments."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from community_marketing.datasets import REGIONS, Community, synthetic_community
from community_marketing.errors import InvalidInputError
from community_marketing.optin import ConsentAction, ConsentStatus, OptInRegistry

KEYS = (("newsletter", "email"), ("offers", "sms"))


@pytest.fixture(scope="module")
def community() -> Community:
    return synthetic_community(2_000, 300, random_state=11)


@pytest.fixture(scope="module")
def small() -> Community:
    return synthetic_community(400, 80, random_state=5)


def degrees(community: Community) -> np.ndarray[Any, np.dtype[np.int64]]:
    return np.bincount(community.friendships.ravel(), minlength=len(community.member_ids))


def check_structure(community: Community) -> None:
    n, n_items = len(community.member_ids), len(community.item_ids)
    friendships = community.friendships
    assert friendships.dtype == np.int64
    assert friendships.ndim == 2
    assert friendships.shape[1] == 2
    a, b = friendships[:, 0], friendships[:, 1]
    assert (a < b).all(), "a < b on every row, hence no self loops"
    assert a.min(initial=0) >= 0
    assert b.max(initial=0) < n
    keys = a * n + b
    assert (np.diff(keys) > 0).all(), "sorted and unique"

    users, items = community.interactions_users, community.interactions_items
    weights = community.interactions_weights
    assert users.dtype == items.dtype == np.int64
    assert weights.dtype == np.float32
    assert len(users) == len(items) == len(weights)
    assert (weights > 0).all()
    assert np.isfinite(weights).all()
    assert users.min(initial=0) >= 0
    assert users.max(initial=0) < n
    assert items.min(initial=0) >= 0
    assert items.max(initial=0) < n_items
    pairs = users * n_items + items
    assert len(np.unique(pairs)) == len(pairs), "no (member, item) pair twice"

    referrals = community.referrals
    assert referrals.dtype == np.int64
    assert referrals.shape == (len(referrals), 2)
    referrers, referees = referrals[:, 0], referrals[:, 1]
    assert len(set(referees.tolist())) == len(referees), "each referee once"
    joined = community.joined_at
    assert (joined[referrers] < joined[referees]).all(), "referrer joined earlier"
    assert_forest(referrals, n)

    assert joined.dtype == np.dtype("datetime64[us]")
    assert joined.shape == (n,)
    assert (np.diff(joined.astype(np.int64)) > 0).all()
    assert community.clusters.shape == (n,)
    assert len(community.regions) == n
    assert set(community.regions) <= set(REGIONS)


def assert_forest(referrals: np.ndarray[Any, np.dtype[np.int64]], n: int) -> None:
    """Walk every chain of referrers up to its root: a cycle would never end."""
    parent = np.full(n, -1, np.int64)
    parent[referrals[:, 1]] = referrals[:, 0]
    current = np.arange(n)
    for _ in range(n + 1):
        climbing = parent[current] >= 0
        if not climbing.any():
            return
        current = np.where(climbing, parent[current], current)
    pytest.fail("the referrals contain a cycle")


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_the_same_community_bit_for_bit() -> None:
    first = synthetic_community(500, 60, random_state=3)
    second = synthetic_community(500, 60, random_state=3)
    assert first == second
    for name in (
        "clusters",
        "friendships",
        "interactions_users",
        "interactions_items",
        "interactions_weights",
        "referrals",
        "joined_at",
    ):
        left, right = getattr(first, name), getattr(second, name)
        assert left.dtype == right.dtype
        assert left.tobytes() == right.tobytes(), name
    assert first.regions == second.regions
    assert first.consent_events == second.consent_events


def test_a_generator_gives_the_same_community_as_its_seed() -> None:
    from_seed = synthetic_community(300, 40, random_state=8)
    from_generator = synthetic_community(300, 40, random_state=np.random.default_rng(8))
    assert from_seed == from_generator


def test_different_seeds_give_different_communities() -> None:
    first = synthetic_community(500, 60, random_state=1)
    second = synthetic_community(500, 60, random_state=2)
    assert first != second
    assert not np.array_equal(first.friendships, second.friendships)
    assert not np.array_equal(first.interactions_items, second.interactions_items)
    assert first.consent_events != second.consent_events


# --------------------------------------------------------------------------- structure


def test_structure_holds(community: Community) -> None:
    check_structure(community)


@settings(max_examples=25, deadline=None)
@given(
    n_members=st.integers(2, 120),
    n_items=st.integers(1, 40),
    mean_friends=st.floats(0, 6),
    per_member=st.floats(0, 1),
    n_clusters=st.integers(1, 10),
    seed=st.integers(0, 2**32),
)
def test_structure_holds_for_any_size(
    n_members: int,
    n_items: int,
    mean_friends: float,
    per_member: float,
    n_clusters: int,
    seed: int,
) -> None:
    community = synthetic_community(
        n_members,
        n_items,
        n_clusters=min(n_clusters, n_members),
        mean_friends=min(mean_friends, n_members - 1),
        interactions_per_member=per_member * n_items,
        random_state=seed,
    )
    check_structure(community)
    registry = OptInRegistry.from_events(community.consent_events)
    assert repr(registry).startswith("OptInRegistry(")


def test_ids_are_zero_padded_to_the_size() -> None:
    community = synthetic_community(1_000, 12, random_state=0)
    assert community.member_ids[0] == "m000"
    assert community.member_ids[-1] == "m999"
    assert community.item_ids == [f"i{i:02d}" for i in range(12)]
    assert len(set(community.member_ids)) == 1_000


def test_sizes_follow_the_arguments() -> None:
    community = synthetic_community(
        1_000, 200, n_clusters=7, mean_friends=6.0, interactions_per_member=15.0, random_state=2
    )
    assert len(community.member_ids) == 1_000
    assert len(community.item_ids) == 200
    assert set(community.clusters.tolist()) == set(range(7))
    assert len(community.friendships) == 3_000
    per_member = len(community.interactions_users) / 1_000
    assert 12.0 < per_member < 17.0


def test_smallest_community_builds() -> None:
    community = synthetic_community(2, 1, mean_friends=1.0, interactions_per_member=1.0)
    check_structure(community)
    assert community.friendships.tolist() in ([], [[0, 1]])


def test_means_beyond_what_the_sizes_allow_saturate() -> None:
    community = synthetic_community(10, 5, mean_friends=50.0, interactions_per_member=50.0)
    check_structure(community)
    assert 0 < len(community.friendships) <= 45
    assert np.bincount(community.interactions_users).max() <= 5


def test_zero_means_give_no_links_and_no_interactions() -> None:
    community = synthetic_community(50, 5, mean_friends=0, interactions_per_member=0)
    assert community.friendships.shape == (0, 2)
    assert len(community.interactions_users) == 0
    assert community.referrals.shape[1] == 2
    check_structure(community)


def test_members_join_over_the_year_after_start() -> None:
    start = datetime(2025, 6, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    community = synthetic_community(300, 20, random_state=4, start=start)
    first = community.joined_at[0].astype(datetime).replace(tzinfo=UTC)
    last = community.joined_at[-1].astype(datetime).replace(tzinfo=UTC)
    assert start <= first < last < community.as_of
    assert community.as_of == start + timedelta(days=365)
    assert community.start == start


# --------------------------------------------------------------------------- realism


def test_degrees_have_a_heavy_tail(community: Community) -> None:
    degree = degrees(community)
    assert degree.mean() == pytest.approx(8.0, rel=0.02)
    assert degree.max() > 8 * degree.mean()
    top = np.sort(degree)[::-1][: len(degree) // 100]
    assert top.sum() > 0.05 * degree.sum(), "the top 1% hold more than 5% of the links"


def test_most_friendships_are_inside_a_cluster(community: Community) -> None:
    clusters = community.clusters[community.friendships]
    inside = float(np.mean(clusters[:, 0] == clusters[:, 1]))
    assert 0.7 < inside < 0.99, "local clusters, and some links across them"


def test_regions_follow_clusters(community: Community) -> None:
    regions = np.array(community.regions)
    shares = []
    for cluster in range(len(community.cluster_topics)):
        _, counts = np.unique(regions[community.clusters == cluster], return_counts=True)
        shares.append(counts.max() / counts.sum())
    assert np.mean(shares) > 0.7
    assert len(set(community.regions)) > 3


def test_interactions_follow_the_cluster_topic(community: Community) -> None:
    topics = community.item_topics[community.interactions_items]
    preferred = community.cluster_topics[community.clusters[community.interactions_users]]
    assert np.mean(topics == preferred) > 0.4
    counts = np.bincount(community.interactions_users, minlength=len(community.member_ids))
    assert counts.mean() == pytest.approx(20.0, rel=0.15)
    assert counts.max() > 4 * counts.mean(), "a few heavy listeners"


def test_weights_look_like_listen_counts(community: Community) -> None:
    weights = community.interactions_weights
    assert (weights == np.round(weights)).all()
    assert weights.min() >= 1
    assert weights.max() > 50 * np.median(weights)


def test_items_have_a_popularity_tail(community: Community) -> None:
    popularity = np.sort(np.bincount(community.interactions_items))[::-1]
    assert popularity[: len(popularity) // 10].sum() > 0.25 * popularity.sum()


def test_friends_share_more_items_than_random_pairs(community: Community) -> None:
    n, n_items = len(community.member_ids), len(community.item_ids)
    likes = sp.csr_matrix(
        (
            np.ones(len(community.interactions_users)),
            (community.interactions_users, community.interactions_items),
        ),
        shape=(n, n_items),
    )

    def shared(pairs: np.ndarray[Any, np.dtype[np.int64]]) -> float:
        both = likes[pairs[:, 0]].multiply(likes[pairs[:, 1]])
        return float(both.sum() / len(pairs))

    rng = np.random.default_rng(0)
    strangers = rng.integers(0, n, size=(len(community.friendships), 2))
    strangers = strangers[strangers[:, 0] != strangers[:, 1]]
    assert shared(community.friendships) > 1.5 * shared(strangers)


def test_referrers_are_mostly_friends(community: Community) -> None:
    n = len(community.member_ids)
    friends = set((community.friendships[:, 0] * n + community.friendships[:, 1]).tolist())
    referrals = community.referrals
    by_friend = np.array([a * n + b in friends for a, b in referrals.tolist()])
    assert 0.1 * n < len(referrals) < 0.6 * n
    assert by_friend.mean() > 0.8


# --------------------------------------------------------------------------- consent


def test_consent_events_are_in_time_order_with_dense_seqs(small: Community) -> None:
    events = small.consent_events
    assert [event.seq for event in events] == list(range(len(events)))
    moments = [event.at for event in events]
    assert moments == sorted(moments)
    assert all(event.at.tzinfo is not None for event in events)
    assert small.start <= moments[0]
    assert moments[-1] < small.as_of
    assert small.consent_events is events, "built once, then kept"


def test_consent_events_tell_the_expected_story(community: Community) -> None:
    events = community.consent_events
    kinds = Counter((e.action, e.purpose, e.channel, e.source) for e in events)
    n = len(community.member_ids)
    grants = kinds[(ConsentAction.GRANT, "newsletter", "email", "signup_form")]
    requests = kinds[(ConsentAction.REQUEST, "offers", "sms", "signup_form")]
    confirms = kinds[(ConsentAction.CONFIRM, "offers", "sms", "signup_form")]
    assert 0.9 * n < grants < n, "most members subscribe when they join, a few never do"
    assert 0.1 * n < requests < 0.4 * n
    assert 0.6 * requests < confirms < requests, "most double opt-ins are confirmed"
    assert kinds[(ConsentAction.WITHDRAW, "newsletter", "email", "unsubscribe_link")] > 0
    assert kinds[(ConsentAction.WITHDRAW, "offers", "sms", "sms_keyword")] > 0
    suppressions = [e for e in events if e.action is ConsentAction.SUPPRESS]
    assert 0 < len(suppressions) < 0.02 * n
    assert {e.reason for e in suppressions} == {"spam_complaint"}
    assert sum(kinds.values()) == len(events)

    joined: dict[Any, datetime] = dict(
        zip(community.member_ids, community.joined_at.tolist(), strict=True)
    )
    first_seen: dict[object, tuple[ConsentAction, datetime]] = {}
    requested: dict[object, datetime] = {}
    for event in events:
        first_seen.setdefault(event.contact, (event.action, event.at))
        if event.action is ConsentAction.REQUEST:
            requested[event.contact] = event.at
        if event.action is ConsentAction.CONFIRM:
            assert requested[event.contact] < event.at < requested[event.contact] + timedelta(2)
    for contact, (action, moment) in first_seen.items():
        assert action in (ConsentAction.GRANT, ConsentAction.REQUEST)
        assert moment.replace(tzinfo=None) == joined[contact], "the first consent is at join"
    assert 0 < n - len(first_seen) < 0.1 * n, "a few members set nothing at all"


def test_consent_registry_agrees_with_from_events(small: Community) -> None:
    replayed = OptInRegistry.from_events(small.consent_events)
    bulk = small.consent_registry()
    moments = [
        small.start + timedelta(days=120),
        small.start + timedelta(days=300),
        small.as_of - timedelta(hours=1),
        small.as_of + timedelta(days=3),
    ]
    seen: Counter[ConsentStatus] = Counter()
    for moment in moments:
        for purpose, channel in KEYS:
            for contact in small.member_ids:
                expected = replayed.status(contact, purpose, channel, at=moment)
                assert bulk.status(contact, purpose, channel, at=moment) is expected, (
                    contact,
                    purpose,
                    moment,
                )
                seen[expected] += 1
    assert {ConsentStatus.GRANTED, ConsentStatus.WITHDRAWN, ConsentStatus.NONE} <= set(seen)
    assert ConsentStatus.SUPPRESSED in seen

    def content(events: list[Any]) -> Counter[tuple[Any, ...]]:
        return Counter(
            (e.contact, e.action, e.purpose, e.channel, e.at, e.source, e.basis, e.reason)
            for e in events
        )

    assert content(bulk.events()) == content(small.consent_events)


def test_pending_requests_show_as_pending_until_their_token_expires() -> None:
    community = synthetic_community(3_000, 20, random_state=9, mean_friends=2.0)
    registry = community.consent_registry()
    events = community.consent_events
    confirmed = {e.contact for e in events if e.action is ConsentAction.CONFIRM}
    pending = [
        e for e in events if e.action is ConsentAction.REQUEST and e.contact not in confirmed
    ]
    assert pending
    request = pending[-1]
    at = request.at + timedelta(hours=1)
    assert registry.status(request.contact, "offers", "sms", at=at) is ConsentStatus.PENDING
    later = request.at + timedelta(days=3)
    assert registry.status(request.contact, "offers", "sms", at=later) is ConsentStatus.NONE


def test_consent_registry_takes_the_registry_config(small: Community) -> None:
    now = small.as_of
    registry = small.consent_registry(clock=lambda: now, token_ttl=timedelta(hours=1))
    allowed = registry.audience(small.member_ids, "newsletter", "email")
    assert 0.5 * len(small.member_ids) < len(allowed) < len(small.member_ids)


# --------------------------------------------------------------------------- convenience


def test_interactions_returns_ids(small: Community) -> None:
    users, items, weights = small.interactions()
    assert len(users) == len(items) == len(weights) == len(small.interactions_users)
    position = len(users) // 2
    assert users[position] == small.member_ids[small.interactions_users[position]]
    assert items[position] == small.item_ids[small.interactions_items[position]]
    assert weights is small.interactions_weights


def test_interactions_fit_a_recommender(small: Community) -> None:
    from community_marketing.recommend import Recommender

    model = Recommender(factors=4, iterations=2, random_state=0, num_threads=1)
    model.fit(*small.interactions())
    assert model.user_factors_.shape[0] == len(set(small.interactions_users.tolist()))


def test_friend_pairs_returns_id_pairs(small: Community) -> None:
    pairs = small.friend_pairs()
    assert len(pairs) == len(small.friendships)
    a, b = small.friendships[0].tolist()
    assert pairs[0] == (small.member_ids[a], small.member_ids[b])


def test_repr_shows_counts_only(small: Community) -> None:
    text = repr(small)
    assert text.startswith("Community(members=400, items=80, clusters=10, friendships=1600, ")
    assert f"consent_events={len(small.consent_events)})" in text
    assert "m000" not in text
    assert len(text) < 200


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"n_members": 1}, "n_members"),
        ({"n_members": 0}, "n_members"),
        ({"n_members": 2.5}, "n_members"),
        ({"n_members": True}, "n_members"),
        ({"n_members": "10"}, "n_members"),
        ({"n_items": 0}, "n_items"),
        ({"n_items": -3}, "n_items"),
        ({"n_clusters": 0}, "n_clusters"),
        ({"n_clusters": 11}, "n_clusters"),
        ({"mean_friends": -1.0}, "mean_friends"),
        ({"mean_friends": float("nan")}, "mean_friends"),
        ({"mean_friends": "8"}, "mean_friends"),
        ({"interactions_per_member": -0.5}, "interactions_per_member"),
        ({"interactions_per_member": float("inf")}, "interactions_per_member"),
        ({"random_state": "seed"}, "random_state"),
        ({"random_state": 1.5}, "random_state"),
        ({"random_state": -1}, "random_state"),
        ({"random_state": True}, "random_state"),
        ({"start": datetime(2026, 1, 1)}, "start"),
        ({"start": "2026-01-01"}, "start"),
    ],
)
def test_bad_arguments_raise_naming_the_field(kwargs: dict[str, Any], field: str) -> None:
    arguments: dict[str, Any] = {"n_members": 10, "n_items": 5, **kwargs}
    with pytest.raises(InvalidInputError, match=rf"^{field}: "):
        synthetic_community(**arguments)


def test_numpy_integers_are_accepted() -> None:
    sizes: dict[str, Any] = {
        "n_members": np.int64(30),
        "n_items": np.int32(5),
        "n_clusters": np.int16(3),
        "random_state": np.int64(2),
    }
    community = synthetic_community(**sizes)
    assert len(community.member_ids) == 30
    assert community == synthetic_community(30, 5, n_clusters=3, random_state=2)
