"""Seeded synthetic communities: computation only, no files.

``synthetic_community`` draws a whole brand community from one seed: members in
local clusters and regions, power-law friendships mostly inside the clusters,
listening interactions that follow each cluster's favourite topic (so friends and
recommendations agree), referrals along friendships, and a consent history with
double opt-ins, withdrawals and suppressions. Everything is vectorized numpy: a
million members with ten million friend links and ten million interactions build
in well under a minute and about 1.3 GB at peak.

The recipe, in order:

1. members join over one year (more of them later: the community grows), and
   their ids follow the order they joined;
2. each member falls in a cluster, each cluster lives mostly in one region and
   prefers one topic of items;
3. friendships follow a Chung-Lu model with Pareto weights (a few hubs, many
   members with few friends); one endpoint of most links is drawn inside the
   other's cluster;
4. each member listens to about ``interactions_per_member`` distinct items, drawn
   from their cluster's topic, from the global Zipf popularity, or at random;
5. some members were referred, mostly by a friend who joined before them;
6. most members subscribe to the newsletter by email when they join, some to SMS
   offers through a double opt-in, and over time some withdraw or complain.
"""

from __future__ import annotations

import functools
import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import attrs
import numpy as np
import numpy.typing as npt

from ._checks import check_float, check_int, generator
from ._conversions import draw_conversions
from ._progress import Progress, ShowProgress, check_show_progress
from ._time import EPOCH, ensure_aware, to_micros
from ._types import DatetimeArray, Float32Array, Float64Array, Int8Array, Int64Array, ObjectArray
from .errors import InvalidInputError
from .optin import ConsentAction, ConsentEvent, OptInRegistry

if TYPE_CHECKING:
    from .campaign import CampaignPlan

__all__ = ["REGIONS", "Community", "synthetic_community"]


REGIONS: Final = (
    "London",
    "Paris",
    "Berlin",
    "Madrid",
    "Milan",
    "Amsterdam",
    "Lisbon",
    "Stockholm",
)
"""The regions members live in, most populous first."""

_REGION_SHARE: Final = np.array([0.22, 0.19, 0.15, 0.12, 0.1, 0.09, 0.07, 0.06])
_HOME_REGION: Final = 0.85
"""Chance that a member lives in their cluster's home region."""

_SPAN_US: Final = 365 * 86_400 * 1_000_000
_MAX_SIZE: Final = 2**31 - 1
"""The most members or items: dense indices of sparse matrices are int32."""
_MAX_RATE: Final = 1e15
"""Members join, and the consent history unfolds, over one year after ``start``."""

_DEGREE_TAIL: Final = 1.5
"""Pareto shape of the friendship weights: degrees fall off as k ** -2.5."""
_INTRA_CLUSTER: Final = 0.9
"""Chance that a friendship's second endpoint is drawn inside the first one's cluster."""
_EDGE_ROUNDS: Final = 8

_FROM_TOPIC: Final = 0.75
_FROM_POPULARITY: Final = 0.15
"""Interaction sources: the cluster's topic, global popularity, else uniform noise."""
_ZIPF: Final = 0.9
_ACTIVITY_SIGMA: Final = 1.0
"""Log-normal spread of how much members listen (a few heavy listeners)."""
_OVERSAMPLE: Final = 1.3
"""Draws per missing distinct item: repeats of an item become plays, not new rows."""
_INTERACTION_ROUNDS: Final = 6
_PLAYS_TAIL: Final = 1.2

_REFERRED_BY_FRIEND: Final = 0.4
_REFERRED_BY_STRANGER: Final = 0.05

_SILENT: Final = 0.03
_SMS_REQUEST: Final = 0.25
_SMS_CONFIRM: Final = 0.8
_CONFIRM_MEDIAN_S: Final = 240.0
_NEWSLETTER_STAY_DAYS: Final = 700.0
_SMS_STAY_DAYS: Final = 400.0
_COMPLAINT: Final = 0.005

_STEPS: Final = (
    (ConsentAction.GRANT, "newsletter", "email", "signup_form"),
    (ConsentAction.REQUEST, "offers", "sms", "signup_form"),
    (ConsentAction.CONFIRM, "offers", "sms", "signup_form"),
    (ConsentAction.WITHDRAW, "newsletter", "email", "unsubscribe_link"),
    (ConsentAction.WITHDRAW, "offers", "sms", "sms_keyword"),
    (ConsentAction.SUPPRESS, None, None, "complaint_feedback_loop"),
)
"""The kinds of consent event, by step code; the order is the order they can follow."""
(
    _GRANT_NEWSLETTER,
    _REQUEST_SMS,
    _CONFIRM_SMS,
    _WITHDRAW_NEWSLETTER,
    _WITHDRAW_SMS,
    _SUPPRESS,
) = range(len(_STEPS))
_BASIS: Final = "express"
_COMPLAINT_REASON: Final = "spam_complaint"


def _array_eq(left: npt.NDArray[Any], right: npt.NDArray[Any]) -> bool:
    return left.dtype == right.dtype and bool(np.array_equal(left, right))


_ARRAY_EQ: Final = attrs.cmp_using(eq=_array_eq)


@attrs.frozen
class _ConsentColumns:
    """The consent history as columns, in time order: the cheap form of the event list."""

    members: Int64Array = attrs.field(eq=_ARRAY_EQ, repr=False)
    steps: Int8Array = attrs.field(eq=_ARRAY_EQ, repr=False)
    at_us: Int64Array = attrs.field(eq=_ARRAY_EQ, repr=False)

    def __len__(self) -> int:
        return len(self.members)


@attrs.frozen
class Community:
    """A synthetic brand community: members, friendships, interactions, referrals, consent.

    Built by ``synthetic_community``; every member and item is an index into
    ``member_ids`` and ``item_ids``. Two communities are equal when every array
    is equal, bit for bit.

    Attributes
    ----------
    member_ids : list of str
        ``"m0000"``-style ids, zero padded to the size, in the order members joined.
    item_ids : list of str
        ``"i000"``-style ids.
    clusters : numpy.ndarray of int64
        The local cluster of each member.
    regions : list of str
        Where each member lives, one of ``REGIONS``; mostly their cluster's home region.
    cluster_topics : numpy.ndarray of int64
        The topic each cluster prefers.
    item_topics : numpy.ndarray of int64
        The topic of each item.
    friendships : numpy.ndarray of int64, shape (m, 2)
        Undirected friend links as member indices, ``a < b`` on each row, sorted,
        unique, no self loops. Since ids follow join order, ``a`` joined first.
    interactions_users, interactions_items : numpy.ndarray of int64
        Member and item index of each interaction, sorted; no (member, item) twice.
    interactions_weights : numpy.ndarray of float32
        Plays of each interaction: positive, listen-count-like, heavy-tailed.
    referrals : numpy.ndarray of int64, shape (r, 2)
        (referrer, referee) member indices, sorted by referee: a forest, since each
        referee appears once and every referrer joined before their referee.
    joined_at : numpy.ndarray of datetime64[us]
        When each member joined, UTC by convention, strictly increasing.
    start : datetime
        When the first member could join (aware).
    as_of : datetime
        The moment the community is observed: one year after ``start``; every
        event happened before it.

    See Also
    --------
    synthetic_community : build one.

    Examples
    --------
    >>> from community_marketing.datasets import synthetic_community
    >>> community = synthetic_community(300, 40, random_state=7)
    >>> community.member_ids[:3], community.item_ids[-1]
    (['m000', 'm001', 'm002'], 'i39')
    >>> community.friendships.shape[1], community.friendships.dtype
    (2, dtype('int64'))
    """

    member_ids: list[str] = attrs.field(repr=False)
    item_ids: list[str] = attrs.field(repr=False)
    clusters: Int64Array = attrs.field(eq=_ARRAY_EQ, repr=False)
    regions: list[str] = attrs.field(repr=False)
    cluster_topics: Int64Array = attrs.field(eq=_ARRAY_EQ, repr=False)
    item_topics: Int64Array = attrs.field(eq=_ARRAY_EQ, repr=False)
    friendships: Int64Array = attrs.field(eq=_ARRAY_EQ, repr=False)
    interactions_users: Int64Array = attrs.field(eq=_ARRAY_EQ, repr=False)
    interactions_items: Int64Array = attrs.field(eq=_ARRAY_EQ, repr=False)
    interactions_weights: Float32Array = attrs.field(eq=_ARRAY_EQ, repr=False)
    referrals: Int64Array = attrs.field(eq=_ARRAY_EQ, repr=False)
    joined_at: DatetimeArray = attrs.field(eq=_ARRAY_EQ, repr=False)
    start: datetime = attrs.field(repr=False)
    as_of: datetime = attrs.field(repr=False)
    _consent: _ConsentColumns = attrs.field(repr=False)

    def __repr__(self) -> str:
        return (
            f"Community(members={len(self.member_ids)}, items={len(self.item_ids)}, "
            f"clusters={len(self.cluster_topics)}, friendships={len(self.friendships)}, "
            f"interactions={len(self.interactions_users)}, referrals={len(self.referrals)}, "
            f"consent_events={len(self._consent)})"
        )

    @functools.cached_property
    def consent_events(self) -> list[ConsentEvent]:
        """The consent history as ``ConsentEvent`` objects, in time order, seqs 0..n-1.

        Most members grant ``("newsletter", "email")`` when they join (source
        ``"signup_form"``); some also ask for ``("offers", "sms")`` by double opt-in
        (a ``REQUEST``, then usually a ``CONFIRM`` minutes later); over the year some
        withdraw (``"unsubscribe_link"``, ``"sms_keyword"``), a few complain and are
        suppressed (reason ``"spam_complaint"``), and a few never set anything.
        Built on first access and kept: for millions of members prefer
        ``consent_registry()``, which never builds the objects.

        Examples
        --------
        >>> from community_marketing import OptInRegistry
        >>> from community_marketing.datasets import synthetic_community
        >>> community = synthetic_community(200, 30, random_state=1)
        >>> events = community.consent_events
        >>> events[0].action.value, events[0].purpose, events[0].source
        ('grant', 'newsletter', 'signup_form')
        >>> [e.seq for e in events] == list(range(len(events)))
        True
        >>> registry = OptInRegistry.from_events(events)
        """
        columns = self._consent
        ids = self.member_ids
        at_objects = (columns.at_us.astype("datetime64[us]")).astype(object).tolist()
        return [
            ConsentEvent(
                seq=seq,
                contact=ids[member],
                purpose=_STEPS[step][1],
                channel=_STEPS[step][2],
                action=_STEPS[step][0],
                at=moment.replace(tzinfo=UTC),
                source=_STEPS[step][3],
                basis=None if step >= _WITHDRAW_NEWSLETTER else _BASIS,
                reason=_COMPLAINT_REASON if step == _SUPPRESS else None,
            )
            for seq, (member, step, moment) in enumerate(
                zip(columns.members.tolist(), columns.steps.tolist(), at_objects, strict=True)
            )
        ]

    def consent_registry(self, **config: Any) -> OptInRegistry:
        """The consent history loaded into an ``OptInRegistry`` in a few bulk calls.

        Gives the same status for every member, key and moment as
        ``OptInRegistry.from_events(community.consent_events)``, without building
        an event object: one bulk call per kind of event, with a timestamp per row.
        Sequence numbers follow those calls, not time.

        Parameters
        ----------
        **config
            The ``OptInRegistry`` constructor's keywords (``clock``, ``token_ttl``...).
            With an ``expiry`` policy, grants lapse as if they were recorded live.

        Returns
        -------
        OptInRegistry
            A new registry holding every consent event of the community.

        Examples
        --------
        >>> from community_marketing.datasets import synthetic_community
        >>> community = synthetic_community(200, 30, random_state=1)
        >>> registry = community.consent_registry()
        >>> allowed = registry.audience(community.member_ids, "newsletter", "email",
        ...                             at=community.as_of)
        >>> 0 < len(allowed) < 200
        True
        """
        registry = OptInRegistry(**config)
        columns = self._consent
        ids = np.array(self.member_ids, dtype=object)
        tokens: dict[str, str] = {}
        for step, (action, purpose, channel, source) in enumerate(_STEPS):
            rows = np.flatnonzero(columns.steps == step)
            if not rows.size:
                continue
            contacts = ids[columns.members[rows]]
            moments = columns.at_us[rows].astype("datetime64[us]")
            if action is ConsentAction.SUPPRESS:
                registry.suppress_many(
                    contacts, reason=_COMPLAINT_REASON, source=source, at=moments
                )
                continue
            if purpose is None or channel is None:
                raise InvalidInputError(f"consent step {step}: needs a purpose and a channel")
            if action is ConsentAction.WITHDRAW:
                registry.withdraw_many(contacts, purpose, channel, source=source, at=moments)
            elif action is ConsentAction.GRANT:
                registry.grant_many(
                    contacts, purpose, channel, source=source, basis=_BASIS, at=moments
                )
            elif action is ConsentAction.REQUEST:
                tokens.update(
                    zip(
                        contacts.tolist(),
                        registry.request_many(
                            contacts, purpose, channel, source=source, basis=_BASIS, at=moments
                        ),
                        strict=True,
                    )
                )
            else:
                registry.confirm_many([tokens.pop(c) for c in contacts.tolist()], at=moments)
        return registry

    def interactions(self) -> tuple[ObjectArray, ObjectArray, Float32Array]:
        """Member ids, item ids and weights of every interaction, ready for ``Recommender.fit``.

        Returns
        -------
        users, items : numpy.ndarray of object (str)
            The member id and item id of each interaction.
        weights : numpy.ndarray of float32
            The plays of each interaction.

        Examples
        --------
        >>> from community_marketing.datasets import synthetic_community
        >>> community = synthetic_community(100, 20, random_state=0)
        >>> users, items, weights = community.interactions()
        >>> len(users) == len(items) == len(weights) == len(community.interactions_users)
        True
        >>> users[0], items[0].startswith("i")
        ('m00', True)
        """
        users = np.array(self.member_ids, dtype=object)[self.interactions_users]
        items = np.array(self.item_ids, dtype=object)[self.interactions_items]
        return users, items, self.interactions_weights

    def friend_pairs(self) -> list[tuple[str, str]]:
        """Every friendship as a pair of member ids (earlier member first).

        Examples
        --------
        >>> from community_marketing.datasets import synthetic_community
        >>> community = synthetic_community(100, 20, random_state=0)
        >>> pairs = community.friend_pairs()
        >>> len(pairs) == len(community.friendships), pairs[0][0] < pairs[0][1]
        (True, True)
        """
        ids = self.member_ids
        return [(ids[a], ids[b]) for a, b in self.friendships.tolist()]

    def conversions(
        self,
        plan: CampaignPlan,
        *,
        base_rate: float = 0.05,
        uplift: float = 0.02,
        spillover: float = 0.0,
        value_mean: float = 20.0,
        window: timedelta = timedelta(days=14),
        random_state: int | np.random.Generator | None = 0,
    ) -> tuple[ObjectArray, DatetimeArray, Float64Array]:
        """Conversions after ``plan`` with a known truth: ``(contacts, at, values)``.

        In ``[plan.at, plan.at + window)`` each member converts at most once: at
        ``base_rate``, plus ``uplift`` for the plan's targets, plus ``spillover`` for
        members outside the plan with a targeted friend; the control at ``base_rate``.

        Examples
        --------
        >>> from community_marketing import CampaignPlan
        >>> from community_marketing.datasets import synthetic_community
        >>> c = synthetic_community(2_000, 30, random_state=1)
        >>> plan = CampaignPlan("tea", "news", "email", c.as_of, tuple((m, 1.0) for m in
        ...     c.member_ids[:1000]), (), "score", None, None, None, 0.05, 1, {}, 2_000, {},
        ...     control=tuple(c.member_ids[1000:]))
        >>> result = plan.measure(c.conversions(plan, base_rate=0.1, uplift=0.2))
        >>> round(result.uplift, 1), bool(result.p_value < 0.001)
        (0.2, True)
        """
        return draw_conversions(
            self.member_ids, self.friendships, plan, (base_rate, uplift, spillover),
            value_mean, window, random_state,
        )  # fmt: skip


def _padded_ids(prefix: str, n: int) -> list[str]:
    pattern = f"{prefix}{{:0{len(str(n - 1))}d}}"
    return list(map(pattern.format, range(n)))


class _GroupedSampler:
    """Draw indices in proportion to their weights, globally or inside one group.

    Indices sorted by group make each group a contiguous range of one cumulative
    sum, so a draw inside a group is one uniform number and one binary search.
    """

    def __init__(self, groups: Int64Array, weights: Float64Array, n_groups: int) -> None:
        self.order = np.argsort(groups, kind="stable")
        self.weights = weights[self.order]
        self.cumulative = np.cumsum(self.weights)
        self.total = float(self.cumulative[-1])
        sizes = np.bincount(groups, minlength=n_groups)
        self.group_end = np.cumsum(sizes)
        self.group_start = self.group_end - sizes
        padded = np.concatenate(([0.0], self.cumulative))
        self.low = padded[self.group_start]
        self.high = padded[self.group_end]

    def _pick(self, targets: Float64Array) -> Int64Array:
        positions = np.searchsorted(self.cumulative, targets, side="right")
        return np.minimum(positions, len(self.order) - 1)

    def ascending(self, rng: np.random.Generator, count: int) -> Int64Array:
        """``count`` independent draws, grouped by group (counts, not a search per draw)."""
        hits = rng.multinomial(count, self.weights / self.total)
        return np.repeat(self.order, hits)

    def shuffled(self, rng: np.random.Generator, count: int) -> Int64Array:
        """``count`` independent draws in random order."""
        return rng.permutation(self.ascending(rng, count))

    def within(self, group: Int64Array, uniform: Float64Array) -> Int64Array:
        """One index per entry of ``group``; every group must be non-empty."""
        low, high = self.low[group], self.high[group]
        positions = self._pick(low + uniform * (high - low))
        positions = np.clip(positions, self.group_start[group], self.group_end[group] - 1)
        return self.order[positions]


# numpy's own set routines (unique, isin, union1d) hash or argsort; on tens of millions
# of int64 keys a plain sort and a search with sorted needles are many times faster.


def _unique_counts(values: Int64Array) -> tuple[Int64Array, Int64Array]:
    """The distinct ``values``, sorted, and how often each occurs."""
    ordered = np.sort(values)
    if not ordered.size:
        return ordered, np.empty(0, np.int64)
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    return ordered[starts], np.diff(np.append(starts, len(ordered)))


def _positions_in(
    known: Int64Array, values: Int64Array
) -> tuple[Int64Array, npt.NDArray[np.bool_]]:
    """Where each sorted ``values`` sits in sorted ``known``, and whether it is there."""
    if not known.size:
        return np.zeros(len(values), np.int64), np.zeros(len(values), bool)
    positions = np.minimum(np.searchsorted(known, values), len(known) - 1)
    return positions, known[positions] == values


def _random_subset(rng: np.random.Generator, values: Int64Array, size: int) -> Int64Array:
    """``size`` of the sorted ``values`` chosen uniformly at random, still sorted."""
    if size >= len(values):
        return values
    picked = np.argpartition(rng.random(len(values)), size - 1)[:size]
    return values[np.sort(picked)]


def _group_starts(sorted_groups: Int64Array) -> Int64Array:
    """For each row of a sorted array, the row where its run of equal values begins."""
    if not sorted_groups.size:
        return np.empty(0, np.int64)
    new_run = np.concatenate(([True], sorted_groups[1:] != sorted_groups[:-1]))
    starts = np.flatnonzero(new_run)
    run_of_row: Int64Array = np.cumsum(new_run) - 1
    return starts[run_of_row]


def _friendships(
    rng: np.random.Generator, clusters: Int64Array, n_clusters: int, mean_friends: float
) -> Int64Array:
    """Chung-Lu links with Pareto weights, most drawn inside a cluster; rows (a, b), a < b."""
    n = len(clusters)
    wanted = min(round(n * mean_friends / 2), n * (n - 1) // 2)
    weights = 1.0 + rng.pareto(_DEGREE_TAIL, n)
    # Beyond sqrt(total weight), Chung-Lu asks for more links than a member can have.
    weights = np.minimum(weights, math.sqrt(float(weights.sum())))
    sampler = _GroupedSampler(clusters, weights, n_clusters)
    keys = np.empty(0, np.int64)
    for _ in range(_EDGE_ROUNDS):
        missing = wanted - len(keys)
        if missing <= 0:
            break
        draws = int(missing * 1.1) + 16
        # First endpoints come grouped by cluster, so the searches for second endpoints
        # inside the same cluster stay in one small stretch of memory at a time.
        first = sampler.ascending(rng, draws)
        inside = rng.random(draws) < _INTRA_CLUSTER
        n_inside = int(np.count_nonzero(inside))
        second = np.empty(draws, np.int64)
        second[inside] = sampler.within(clusters[first[inside]], rng.random(n_inside))
        second[~inside] = sampler.shuffled(rng, draws - n_inside)
        linked = first != second
        low = np.minimum(first, second)[linked]
        high = np.maximum(first, second)[linked]
        del first, second, inside, linked
        candidates, _ = _unique_counts(low * n + high)
        _, known = _positions_in(keys, candidates)
        fresh = _random_subset(rng, candidates[~known], missing)
        if not fresh.size:
            break
        keys = np.sort(np.concatenate([keys, fresh]))
    return np.stack([keys // n, keys % n], axis=1) if keys.size else np.empty((0, 2), np.int64)


def _interactions(
    rng: np.random.Generator,
    clusters: Int64Array,
    cluster_topics: Int64Array,
    item_topics: Int64Array,
    n_topics: int,
    per_member: float,
) -> tuple[Int64Array, Int64Array, Float32Array]:
    """Distinct (member, item) pairs following each cluster's topic, with heavy-tailed plays.

    Draws come in rounds: each member draws a little more than they still need;
    repeats of an item they already have become plays; among their new items they
    keep what they still need, chosen in proportion to how often each was drawn
    (weighted sampling without replacement, by exponential clocks).
    """
    n, n_items = len(clusters), len(item_topics)
    spread = _ACTIVITY_SIGMA
    activity = rng.lognormal(-(spread**2) / 2, spread, n)
    # Beyond _MAX_RATE every draw exceeds n_items anyway; the cap keeps numpy's Poisson
    # within its range for any finite interactions_per_member.
    wanted = np.minimum(rng.poisson(np.minimum(per_member * activity, _MAX_RATE)), n_items)
    ranks = np.arange(1, n_items + 1, dtype=np.float64)
    popularity: Float64Array = (1.0 / ranks**_ZIPF)[rng.permutation(n_items)]
    sampler = _GroupedSampler(item_topics, popularity, n_topics)
    member_topics = cluster_topics[clusters]
    keys = np.empty(0, np.int64)
    plays = np.empty(0, np.int64)
    for _ in range(_INTERACTION_ROUNDS):
        missing = wanted - np.bincount(keys // n_items, minlength=n)
        if not missing.any():
            break
        users = np.repeat(
            np.arange(n, dtype=np.int64), np.ceil(missing * _OVERSAMPLE).astype(np.int64)
        )
        drawn = users * n_items + _draw_items(rng, sampler, member_topics[users], n_items)
        del users
        candidates, hits = _unique_counts(drawn)
        del drawn
        positions, known = _positions_in(keys, candidates)
        plays[positions[known]] += hits[known]
        fresh, hits = candidates[~known], hits[~known]
        owner = fresh // n_items
        # Rows of a member with more new items than needed compete; the rest are kept.
        crowded = np.flatnonzero(np.bincount(owner, minlength=n)[owner] > missing[owner])
        keep = np.ones(len(fresh), bool)
        if crowded.size:
            clock = rng.exponential(1.0, len(crowded)) / hits[crowded]
            local = owner[crowded]
            scale = float(clock.max()) + 1.0
            order = np.argsort(local * scale + clock)
            rank = np.arange(len(crowded)) - _group_starts(local[order])
            keep[crowded[order]] = rank < missing[local[order]]
        keys, plays = _merge_counts(keys, plays, fresh[keep], hits[keep])
    extra = np.floor(rng.pareto(_PLAYS_TAIL, len(keys)) * 3.0)
    weights = np.minimum(plays + extra, 1e6).astype(np.float32)
    return keys // n_items, keys % n_items, weights


def _merge_counts(
    keys: Int64Array, counts: Int64Array, more_keys: Int64Array, more_counts: Int64Array
) -> tuple[Int64Array, Int64Array]:
    """Two sorted, disjoint key sets with their counts, merged and still sorted."""
    # Each key lands after its own predecessors and the other set's smaller keys.
    old_at = np.arange(len(keys)) + np.searchsorted(more_keys, keys)
    new_at = np.arange(len(more_keys)) + np.searchsorted(keys, more_keys)
    merged = np.empty(len(keys) + len(more_keys), np.int64)
    merged_counts = np.empty(len(merged), np.int64)
    merged[old_at], merged_counts[old_at] = keys, counts
    merged[new_at], merged_counts[new_at] = more_keys, more_counts
    return merged, merged_counts


def _draw_items(
    rng: np.random.Generator, sampler: _GroupedSampler, topics: Int64Array, n_items: int
) -> Int64Array:
    """One item per entry of ``topics``: from that topic, by popularity, or uniformly."""
    total = len(topics)
    source = rng.random(total)
    uniform = rng.random(total)
    items = np.empty(total, np.int64)
    topical = source < _FROM_TOPIC
    popular = ~topical & (source < _FROM_TOPIC + _FROM_POPULARITY)
    noise = ~topical & ~popular
    items[topical] = sampler.within(topics[topical], uniform[topical])
    items[popular] = sampler.shuffled(rng, int(np.count_nonzero(popular)))
    items[noise] = np.minimum(uniform[noise] * n_items, n_items - 1).astype(np.int64)
    return items


def _referrals(rng: np.random.Generator, friendships: Int64Array, n: int) -> Int64Array:
    """(referrer, referee) rows: mostly an earlier friend, sometimes any earlier member."""
    # Friendships keyed by (b, a) and sorted group each member's earlier friends.
    by_referee = np.sort(friendships[:, 1] * n + friendships[:, 0])
    earlier_friends = np.bincount(friendships[:, 1], minlength=n)
    first_friend = np.cumsum(earlier_friends) - earlier_friends
    referees = np.flatnonzero(earlier_friends)
    referees = referees[rng.random(len(referees)) < _REFERRED_BY_FRIEND]
    pick = first_friend[referees] + (rng.random(len(referees)) * earlier_friends[referees]).astype(
        np.int64
    )
    pick = np.minimum(pick, first_friend[referees] + earlier_friends[referees] - 1)
    referrers = by_referee[pick] % n
    lonely = np.flatnonzero(earlier_friends[1:] == 0) + 1
    lonely = lonely[rng.random(len(lonely)) < _REFERRED_BY_STRANGER]
    strangers = rng.integers(0, lonely) if lonely.size else np.empty(0, np.int64)
    referee_all = np.concatenate([referees, lonely]).astype(np.int64)
    referrer_all = np.concatenate([referrers, strangers]).astype(np.int64)
    order = np.argsort(referee_all)
    return np.stack([referrer_all[order], referee_all[order]], axis=1)


def _joined_at_us(rng: np.random.Generator, n: int, start_us: int) -> Int64Array:
    """Strictly increasing join times over the year, denser later (a growing community)."""
    offsets = np.sort((np.sqrt(rng.random(n)) * (_SPAN_US - n)).astype(np.int64))
    return start_us + offsets + np.arange(n, dtype=np.int64)


def _consent(rng: np.random.Generator, joined_us: Int64Array, end_us: int) -> _ConsentColumns:
    """The consent history as columns, sorted by time (then member, then step)."""
    n = len(joined_us)
    day_us = 86_400 * 1_000_000
    active = rng.random(n) >= _SILENT
    sms = active & (rng.random(n) < _SMS_REQUEST)
    delay_us = (rng.lognormal(math.log(_CONFIRM_MEDIAN_S), 1.0, n) * 1e6).astype(np.int64)
    confirm_us = joined_us + 1 + np.minimum(delay_us, day_us)
    confirmed = sms & (rng.random(n) < _SMS_CONFIRM) & (confirm_us < end_us)
    leave_news_us = (
        joined_us + 1 + (rng.exponential(_NEWSLETTER_STAY_DAYS, n) * day_us).astype(np.int64)
    )
    leave_sms_us = confirm_us + 1 + (rng.exponential(_SMS_STAY_DAYS, n) * day_us).astype(np.int64)
    complaint_us = joined_us + 1 + (rng.random(n) * (end_us - joined_us - 1)).astype(np.int64)
    complains = active & (rng.random(n) < _COMPLAINT)
    blocks = [
        (_GRANT_NEWSLETTER, active, joined_us),
        (_REQUEST_SMS, sms, joined_us),
        (_CONFIRM_SMS, confirmed, confirm_us),
        (_WITHDRAW_NEWSLETTER, active & (leave_news_us < end_us), leave_news_us),
        (_WITHDRAW_SMS, confirmed & (leave_sms_us < end_us), leave_sms_us),
        (_SUPPRESS, complains & (complaint_us < end_us), complaint_us),
    ]
    members = np.concatenate([np.flatnonzero(mask) for _, mask, _ in blocks]).astype(np.int64)
    steps = np.concatenate([np.full(int(mask.sum()), step, np.int8) for step, mask, _ in blocks])
    at_us = np.concatenate([times[mask] for _, mask, times in blocks])
    order = np.lexsort((steps, members, at_us))
    return _ConsentColumns(members[order], steps[order], at_us[order])


def _clusters_and_regions(
    rng: np.random.Generator, n_members: int, n_clusters: int
) -> tuple[Int64Array, Int64Array]:
    """Each member's cluster (none empty) and region (mostly the cluster's home region)."""
    share = rng.gamma(2.0, 1.0, n_clusters)
    clusters = rng.choice(n_clusters, size=n_members, p=share / share.sum()).astype(np.int64)
    # Every cluster keeps at least one member, so that sampling inside it is defined.
    clusters[rng.permutation(n_members)[:n_clusters]] = np.arange(n_clusters)
    home = rng.choice(len(REGIONS), size=n_clusters, p=_REGION_SHARE)
    away = rng.choice(len(REGIONS), size=n_members, p=_REGION_SHARE)
    region_codes = np.where(rng.random(n_members) < _HOME_REGION, home[clusters], away)
    return clusters, region_codes.astype(np.int64)


def _check_sizes(n_members: object, n_items: object, n_clusters: object) -> tuple[int, int, int]:
    """The sizes checked; about ``sqrt(n_members) / 2`` clusters by default."""
    members = check_int(n_members, "n_members", low=2, high=_MAX_SIZE)
    items = check_int(n_items, "n_items", low=1, high=_MAX_SIZE)
    if n_clusters is None:
        n_clusters = max(1, round(math.sqrt(members) / 2))
    clusters = check_int(n_clusters, "n_clusters", low=1, high=members)
    return members, items, clusters


def synthetic_community(
    n_members: int = 2_000,
    n_items: int = 500,
    *,
    n_clusters: int | None = None,
    mean_friends: float = 8.0,
    interactions_per_member: float = 20.0,
    random_state: int | np.random.Generator | None = 0,
    start: datetime = datetime(2026, 1, 1, tzinfo=UTC),
    show_progress: ShowProgress = False,
) -> Community:
    """A seeded, realistic brand community, computed in memory (no files).

    Parameters
    ----------
    n_members : int, default 2000
        How many members (at least 2, at most 2**31 - 1).
    n_items : int, default 500
        How many items (at least 1, at most 2**31 - 1).
    n_clusters : int, optional
        How many local clusters; about ``sqrt(n_members) / 2`` by default.
    mean_friends : float, default 8.0
        Mean number of friends per member (Chung-Lu target; repeats are drawn
        again). Fewer come out when the clusters are too small to hold them.
    interactions_per_member : float, default 20.0
        Mean number of distinct items a member listens to; no member gets more
        than ``n_items``, and heavy listeners may get a little less than drawn.
    random_state : int, numpy.random.Generator or None, default 0
        The seed: the same seed gives the same community, bit for bit.
    start : datetime, default 2026-01-01 UTC
        When the first member can join; members join over the following year.
    show_progress : bool or callable, default False
        ``True`` draws a progress bar over the five stages (members, friendships,
        interactions, referrals, consent); a callable is called as
        ``callback(done, total)`` after each.

    Returns
    -------
    Community
        Arrays and lists of plain values in a frozen bundle.

    Raises
    ------
    InvalidInputError
        A bad argument; the message names it.

    See Also
    --------
    Community : what the bundle holds.

    Examples
    --------
    >>> from community_marketing.datasets import synthetic_community
    >>> community = synthetic_community(500, 60, random_state=3)
    >>> community
    Community(members=500, items=60, clusters=11, friendships=2000, interactions=..., ...)
    >>> users, items, weights = community.interactions()
    >>> bool((weights > 0).all())
    True
    >>> synthetic_community(500, 60, random_state=3) == community
    True
    """
    n_members, n_items, n_clusters = _check_sizes(n_members, n_items, n_clusters)
    mean_friends = check_float(mean_friends, "mean_friends", low=0.0)
    per_member = check_float(interactions_per_member, "interactions_per_member", low=0.0)
    start_us = to_micros(ensure_aware(start, "start"))
    show_progress = check_show_progress(show_progress)
    rng = generator(random_state)
    with Progress(show_progress, 5, "members") as progress:
        clusters, region_codes = _clusters_and_regions(rng, n_members, n_clusters)
        n_topics = max(1, round(math.sqrt(n_items) / 2))
        item_topics = rng.integers(0, n_topics, n_items).astype(np.int64)
        item_topics[rng.permutation(n_items)[:n_topics]] = np.arange(n_topics)
        cluster_topics = rng.integers(0, n_topics, n_clusters).astype(np.int64)
        progress.advance()

        progress.describe("friendships")
        friendships = _friendships(rng, clusters, n_clusters, mean_friends)
        progress.advance()
        progress.describe("interactions")
        users, items, weights = _interactions(
            rng, clusters, cluster_topics, item_topics, n_topics, per_member
        )
        progress.advance()
        progress.describe("referrals")
        referrals = _referrals(rng, friendships, n_members)
        progress.advance()
        progress.describe("consent")
        joined_us = _joined_at_us(rng, n_members, start_us)
        end_us = start_us + _SPAN_US
        consent = _consent(rng, joined_us, end_us)
        progress.advance()
        return Community(
            member_ids=_padded_ids("m", n_members),
            item_ids=_padded_ids("i", n_items),
            clusters=clusters,
            regions=np.array(REGIONS, dtype=object)[region_codes].tolist(),
            cluster_topics=cluster_topics,
            item_topics=item_topics,
            friendships=friendships,
            interactions_users=users,
            interactions_items=items,
            interactions_weights=weights,
            referrals=referrals,
            joined_at=joined_us.astype("datetime64[us]"),
            start=start,
            as_of=EPOCH + timedelta(microseconds=end_us),
            consent=consent,
        )
