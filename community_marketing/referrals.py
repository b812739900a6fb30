"""ReferralGraph: who knows whom, who brought whom, and how far word of mouth travels.

Friendships are mutual and exist only once the other side accepts (or an import says they were
accepted). Each friend grants the other rights one at a time (:class:`FriendRight`). Referrals are
directed and attributed: one referrer per referee, first-touch by default, with self-referrals,
referrals of existing members and rings refused (``ReferralRejectedError`` with a ``reason``).

Inside, every person gets a dense index (``IdIndex``); friend links are kept as a sorted array
of packed ``(low, high)`` index pairs plus a small buffer of recent single changes, compiled into
a symmetric ``scipy.sparse`` CSR matrix that every algorithm (reach, PageRank, components,
cascades, influencer selection) runs on. A write invalidates the compiled matrix.

Threads: a ``ReferralGraph`` is safe for concurrent reads (reads never mutate shared state beyond
an idempotent cache); writes need the caller's lock.

Examples
--------
>>> from datetime import UTC, datetime
>>> from community_marketing.referrals import ReferralGraph
>>> graph = ReferralGraph(clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
>>> graph.add_friendships([("ann", "bob"), ("bob", "cid"), ("cid", "dan"), ("ann", "eve")])
4
>>> graph.friends_of_friends("ann")
[('cid', 1)]
>>> graph.reach(["ann"], hops=2)
4
>>> _ = graph.record_referral("ann", "bob")
>>> graph.referrer_of("bob")
'ann'
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ._checks import check_int
from ._frames import frame, html_table
from ._ids import IdIndex, as_id_list, check_id
from ._progress import Progress, ShowProgress, check_show_progress
from ._time import (
    Clock,
    ensure_aware,
    ensure_timedelta,
    from_micros,
    resolve_at,
    to_micros,
    utc_now,
)
from .errors import InvalidInputError, ReferralRejectedError, UnknownIdError

if TYPE_CHECKING:
    import pandas

__all__ = [
    "Attribution",
    "CascadeModel",
    "CascadeResult",
    "FriendRight",
    "GrowthProjection",
    "Influencers",
    "Referral",
    "ReferralFlag",
    "ReferralGraph",
    "ReferralTree",
    "ViralCoefficient",
    "project_growth",
]

SCHEMA: Final = 1
_LOW_BITS: Final = 32
_LOW_MASK: Final = (1 << 32) - 1
_MAX_MEMBERS: Final = (1 << 31) - 1
_VISITED_BUDGET: Final = 1 << 25
_NO_TIME: Final = np.iinfo(np.int64).max

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

Attribution = Literal["first_touch", "last_touch", "window"]
"""How a referee's single referrer is chosen when several people referred them."""

CascadeModel = Literal["independent_cascade", "linear_threshold"]
"""The word-of-mouth model of :meth:`ReferralGraph.simulate_cascade`."""

InfluenceMethod = Literal["degree", "pagerank", "cascade"]


# --------------------------------------------------------------------------------------------
# Value types
# --------------------------------------------------------------------------------------------


class FriendRight(enum.Flag):
    """What one friend lets the other do, granted one friend at a time (as Second Life does).

    Rights are directed: ``grant_right(owner, friend, MODIFY_OBJECTS)`` lets ``friend`` edit
    ``owner``'s objects, not the other way round.

    Examples
    --------
    >>> from community_marketing.referrals import FriendRight
    >>> rights = FriendRight.SEE_ONLINE | FriendRight.SEE_ON_MAP
    >>> FriendRight.SEE_ON_MAP in rights, FriendRight.MODIFY_OBJECTS in rights
    (True, False)
    """

    NONE = 0
    SEE_ONLINE = 1 << 0
    SEE_ON_MAP = 1 << 1
    MODIFY_OBJECTS = 1 << 2
    ALL = (1 << 3) - 1


@attrs.frozen(slots=True)
class Referral:
    """One recorded referral: ``referrer`` brought ``referee`` at ``at``.

    Attributes
    ----------
    referrer, referee : hashable
        Who referred whom.
    at : datetime
        When (aware).
    code, channel : str or None
        The referral code used and the channel it travelled through, if known.
    attributed : bool
        Whether this referral holds the credit for ``referee`` (when it was recorded).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from community_marketing.referrals import Referral
    >>> r = Referral("ann", "bob", datetime(2026, 1, 1, tzinfo=UTC), "ANN10", "email", True)
    >>> r.referrer, r.code
    ('ann', 'ANN10')
    """

    referrer: Hashable
    referee: Hashable
    at: datetime
    code: str | None = None
    channel: str | None = None
    attributed: bool = True


@attrs.frozen(slots=True)
class ReferralTree:
    """Everyone brought in, directly or not, by ``root``, in breadth-first order.

    Attributes
    ----------
    root : hashable
        The person at the top.
    members : tuple
        Ids in breadth-first order, ``root`` first.
    referrers : tuple
        The referrer of each member (``None`` for the root).
    depths : tuple of int
        Distance from the root.

    Examples
    --------
    >>> from community_marketing.referrals import ReferralTree
    >>> tree = ReferralTree("ann", ("ann", "bob"), (None, "ann"), (0, 1))
    >>> tree.size, tree.children("ann")
    (2, ['bob'])
    """

    root: Hashable
    members: tuple[Hashable, ...]
    referrers: tuple[Hashable, ...]
    depths: tuple[int, ...]

    @property
    def size(self) -> int:
        """Number of people in the tree, root included."""
        return len(self.members)

    def children(self, id: Hashable) -> list[Hashable]:
        """The people ``id`` referred directly, in breadth-first order."""
        return [m for m, r in zip(self.members, self.referrers, strict=True) if r == id]


@attrs.frozen(slots=True)
class ReferralFlag:
    """A pattern worth a human look (a flag, not a verdict).

    Attributes
    ----------
    referrer : hashable
        Whose referrals raised the flag.
    pattern : str
        ``"burst"`` (many referrals in a short window), ``"fast_chain"`` (referees who refer
        again within the window, three hops or more: a farm of fresh accounts) or
        ``"shared_code"`` (a code used by several referrers).
    count : int
        Referrals involved.
    start, end : datetime
        The span of those referrals.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from community_marketing.referrals import ReferralFlag
    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> ReferralFlag("ann", "burst", 12, t, t).pattern
    'burst'
    """

    referrer: Hashable
    pattern: str
    count: int
    start: datetime
    end: datetime


@attrs.frozen(slots=True)
class ViralCoefficient:
    """K-factor of a period: invitations per member times conversion.

    Attributes
    ----------
    k : float
        Attributed referrals in the period per member at its start (equal to
        ``invitations_per_member * conversion`` when invitations are known).
    members : int
        Members before the period began.
    referrals : int
        Attributed referrals recorded in the period.
    invitations : int or None
        Invitations sent in the period, when the caller knows them.
    invitations_per_member, conversion : float or None
        The two factors of K, when invitations are known.

    Examples
    --------
    >>> from community_marketing.referrals import ViralCoefficient
    >>> ViralCoefficient(0.5, 10, 5, 20, 2.0, 0.25).k
    0.5
    """

    k: float
    members: int
    referrals: int
    invitations: int | None = None
    invitations_per_member: float | None = None
    conversion: float | None = None


@attrs.frozen(slots=True, eq=False)
class GrowthProjection:
    """Members after each referral cycle for a viral coefficient ``k``.

    Attributes
    ----------
    k : float
        The viral coefficient.
    initial : float
        Members at cycle 0 (U0).
    users : numpy.ndarray
        ``users[t] = U0 (K^(t+1) - 1) / (K - 1)`` for ``t = 0..cycles``.
    limit : float
        ``U0 / (1 - K)`` when ``K < 1``, otherwise ``inf``.

    Examples
    --------
    >>> from community_marketing.referrals import project_growth
    >>> project_growth(0.5, 3, 100).users.tolist()
    [100.0, 150.0, 175.0, 187.5]
    """

    k: float
    initial: float
    users: FloatArray
    limit: float


@attrs.frozen(slots=True, eq=False)
class CascadeResult:
    """What many simulated word-of-mouth cascades reached.

    Attributes
    ----------
    seeds : tuple
        The seed ids.
    model : str
        ``"independent_cascade"`` or ``"linear_threshold"``.
    runs : int
        Number of simulated runs.
    mean, std : float
        Mean and standard deviation of the final reach (seeds included).
    reach : numpy.ndarray
        Final reach of each run (int64, length ``runs``).
    activation_probability : numpy.ndarray
        Fraction of runs in which each member was reached, in the order of ``ids``.
    steps : numpy.ndarray
        Mean reach after each step; ``steps[0]`` is the number of seeds.
    ids : tuple
        Member ids in row order (the order of ``activation_probability``).

    Examples
    --------
    >>> from community_marketing.referrals import ReferralGraph
    >>> graph = ReferralGraph()
    >>> _ = graph.add_friendships([("a", "b"), ("b", "c")])
    >>> result = graph.simulate_cascade(["a"], probability=1.0, runs=4, random_state=0)
    >>> result.mean, result.steps.tolist()
    (3.0, [1.0, 2.0, 3.0])
    >>> result.probability_of("c")
    1.0
    """

    seeds: tuple[Hashable, ...]
    model: str
    runs: int
    mean: float
    std: float
    reach: IntArray
    activation_probability: FloatArray
    steps: FloatArray
    ids: tuple[Hashable, ...]

    def to_frame(self) -> pandas.DataFrame:
        """Each member's activation probability as a pandas DataFrame (needs pandas)."""
        return frame(
            {"member": list(self.ids), "activation_probability": self.activation_probability}
        )

    def _repr_html_(self) -> str:
        return html_table(
            f"{self.model} cascade from {len(self.seeds)} seeds, {self.runs} runs",
            ["mean reach", "std", "min", "max", "reach by step"],
            [
                [
                    f"{self.mean:.1f}",
                    f"{self.std:.1f}",
                    int(self.reach.min()) if self.reach.size else 0,
                    int(self.reach.max()) if self.reach.size else 0,
                    ", ".join(f"{x:.0f}" for x in self.steps[:8]),
                ]
            ],
        )

    def probability_of(self, id: Hashable) -> float:
        """The fraction of runs that reached ``id``; ``UnknownIdError`` if not a member."""
        try:
            position = self.ids.index(id)
        except ValueError:
            raise UnknownIdError("member", id) from None
        return float(self.activation_probability[position])


@attrs.frozen(slots=True, eq=False)
class Influencers:
    """The seeds chosen by :meth:`ReferralGraph.influencers`.

    Attributes
    ----------
    ids : tuple
        The chosen members, best first.
    scores : numpy.ndarray
        Their degree, PageRank, or marginal coverage (reverse-reachable sets newly covered).
    method : str
        ``"degree"``, ``"pagerank"`` or ``"cascade"``.
    expected_spread : float or None
        For ``"cascade"``: the estimated expected reach of the seed set (seeds included).
    samples : int
        Reverse-reachable sets drawn (0 unless ``"cascade"``).

    Examples
    --------
    >>> from community_marketing.referrals import ReferralGraph
    >>> graph = ReferralGraph()
    >>> _ = graph.add_friendships([("hub", x) for x in "abcd"])
    >>> graph.influencers(1).ids
    ('hub',)
    """

    ids: tuple[Hashable, ...]
    scores: FloatArray
    method: str
    expected_spread: float | None = None
    samples: int = 0


def project_growth(k: float, cycles: int, initial: float) -> GrowthProjection:
    """Project members over referral cycles: ``U(t) = U0 (K^(t+1) - 1) / (K - 1)``.

    Parameters
    ----------
    k : float
        Viral coefficient (>= 0).
    cycles : int
        Number of cycles after the first (>= 0).
    initial : float
        Members at the start, U0 (>= 0).

    Returns
    -------
    GrowthProjection
        ``users`` for ``t = 0..cycles`` and the limit ``U0 / (1 - K)`` when ``K < 1``.

    Examples
    --------
    >>> from community_marketing.referrals import project_growth
    >>> growth = project_growth(2.0, 2, 10)
    >>> growth.users.tolist(), growth.limit
    ([10.0, 30.0, 70.0], inf)
    >>> project_growth(0.5, 0, 100).limit
    200.0
    """
    k = _check_float(k, "k", low=0.0)
    initial = _check_float(initial, "initial", low=0.0)
    cycles = check_int(cycles, "cycles", low=0)
    t = np.arange(cycles + 1, dtype=np.float64)
    if k == 1.0:
        users: FloatArray = initial * (t + 1.0)
    else:
        users = initial * (np.power(k, t + 1.0) - 1.0) / (k - 1.0)
    limit = initial / (1.0 - k) if k < 1.0 else math.inf
    return GrowthProjection(k, initial, users, limit)


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


def _check_float(
    value: object, field: str, *, low: float | None = None, high: float | None = None
) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidInputError(f"{field}: expected a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidInputError(f"{field}: expected a finite number, got {number!r}")
    if low is not None and number < low:
        raise InvalidInputError(f"{field}: expected a number >= {low}, got {number!r}")
    if high is not None and number > high:
        raise InvalidInputError(f"{field}: expected a number <= {high}, got {number!r}")
    return number


def _check_text(value: object, field: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InvalidInputError(f"{field}: expected a str or None, got {type(value).__name__}")


def _check_right(value: object) -> FriendRight:
    if not isinstance(value, FriendRight):
        raise InvalidInputError(f"right: expected a FriendRight, got {type(value).__name__}")
    return value


def _generator(random_state: object) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)):
        raise InvalidInputError(
            "random_state: expected an int, a numpy Generator or None, "
            f"got {type(random_state).__name__}"
        )
    if int(random_state) < 0:
        raise InvalidInputError(f"random_state: expected an int >= 0, got {random_state}")
    return np.random.default_rng(int(random_state))


def _pack(low: IntArray, high: IntArray) -> IntArray:
    return (low << _LOW_BITS) | high


def _distinct(values: npt.NDArray[Any]) -> IntArray:
    """Sorted distinct int64 values (a plain sort: faster here than numpy's hashing unique)."""
    out = np.sort(values.astype(np.int64, copy=False))
    if len(out) > 1:
        keep = np.empty(len(out), np.bool_)
        keep[0] = True
        np.not_equal(out[1:], out[:-1], out=keep[1:])
        out = out[keep]
    return out


def _gather(indptr: npt.NDArray[Any], nodes: IntArray) -> tuple[IntArray, IntArray]:
    """Positions in ``indices`` of all edges leaving ``nodes``, and which node each came from."""
    starts = indptr[nodes].astype(np.int64)
    counts = indptr[nodes + 1].astype(np.int64) - starts
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(nodes), dtype=np.int64), counts)
    offsets = np.cumsum(counts) - counts
    positions = np.arange(total, dtype=np.int64) - np.repeat(offsets - starts, counts)
    return positions, owner


def _live_edges(
    indptr: npt.NDArray[Any],
    nodes: IntArray,
    probability: float | FloatArray,
    rng: np.random.Generator,
) -> tuple[IntArray, IntArray]:
    """The edges leaving ``nodes`` that fire, each with its probability, and their source.

    With one small probability the successes are placed by geometric gaps, so only about
    ``p * edges`` random numbers are drawn and no untried edge is ever gathered.
    """
    if isinstance(probability, np.ndarray) or probability > 0.25:
        positions, owner = _gather(indptr, nodes)
        draw = rng.random(len(positions))
        threshold = probability[positions] if isinstance(probability, np.ndarray) else probability
        live = draw < threshold
        return positions[live], owner[live]
    starts = indptr[nodes].astype(np.int64)
    counts = indptr[nodes + 1].astype(np.int64) - starts
    ends = np.cumsum(counts)
    total = int(ends[-1]) if len(ends) else 0
    if total == 0 or probability <= 0.0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    expected = total * probability
    gaps = rng.geometric(probability, int(expected + 6 * math.sqrt(expected) + 16))
    hits = np.cumsum(gaps) - 1
    while hits[-1] < total:
        more = rng.geometric(probability, int(expected) + 16)
        hits = np.concatenate([hits, hits[-1] + np.cumsum(more)])
    hits = hits[: int(np.searchsorted(hits, total))]
    owner = np.searchsorted(ends, hits, side="right")
    positions = starts[owner] + hits - (ends[owner] - counts[owner])
    return positions, owner


# --------------------------------------------------------------------------------------------
# The graph
# --------------------------------------------------------------------------------------------


@attrs.define(eq=False, repr=False)
class ReferralGraph:
    """Friendships, per-friend rights and attributed referrals over a sparse graph.

    Parameters
    ----------
    attribution : {"first_touch", "last_touch", "window"}, default "first_touch"
        Which referral gets the credit when several people referred the same person. With
        ``"window"`` the first referrer keeps it for ``window``, after which a new referral
        takes it over.
    window : timedelta, optional
        The attribution window; required with ``attribution="window"``.
    clock : callable, optional
        Returns the current aware datetime (UTC now by default); used when ``at`` is None.

    Notes
    -----
    Safe for concurrent reads from several threads; writes (anything that records, adds,
    grants or removes) need the caller's lock. Ids are any hashable.

    Friendship changes are cheap to record; the first read after a change recompiles the CSR
    matrix in time linear in the number of friendships, so load many links with
    :meth:`add_friendships` rather than one at a time.

    Examples
    --------
    >>> from community_marketing.referrals import ReferralGraph
    >>> graph = ReferralGraph()
    >>> graph.request_friendship("ann", "bob")
    'pending'
    >>> graph.accept_friendship("bob", "ann")
    >>> graph.friends("ann")
    ['bob']
    >>> graph
    ReferralGraph(members=2, friendships=1, pending_requests=0, referrals=0,
                  attribution='first_touch')
    """

    _attribution: Attribution = attrs.field(default="first_touch", alias="attribution")
    _window: timedelta | None = attrs.field(default=None, alias="window")
    _clock: Clock = attrs.field(default=utc_now, alias="clock")
    _ids: IdIndex = attrs.field(init=False, factory=lambda: IdIndex(kind="member"))
    _since: IntArray = attrs.field(init=False, factory=lambda: np.empty(0, np.int64))
    _told: BoolArray = attrs.field(init=False, factory=lambda: np.empty(0, np.bool_))
    _keys: IntArray = attrs.field(init=False, factory=lambda: np.empty(0, np.int64))
    _added: set[int] = attrs.field(init=False, factory=set)
    _removed: set[int] = attrs.field(init=False, factory=set)
    _requests: dict[tuple[int, int], int] = attrs.field(init=False, factory=dict)
    _rights: dict[tuple[int, int], int] = attrs.field(init=False, factory=dict)
    _log_src: list[int] = attrs.field(init=False, factory=list)
    _log_dst: list[int] = attrs.field(init=False, factory=list)
    _log_at: list[int] = attrs.field(init=False, factory=list)
    _log_code: list[str | None] = attrs.field(init=False, factory=list)
    _log_channel: list[str | None] = attrs.field(init=False, factory=list)
    _credit: dict[int, int] = attrs.field(init=False, factory=dict)
    _csr: sp.csr_matrix | None = attrs.field(init=False, default=None)
    _transpose: IntArray | None = attrs.field(init=False, default=None)

    def __attrs_post_init__(self) -> None:
        if self._attribution not in ("first_touch", "last_touch", "window"):
            raise InvalidInputError(
                "attribution: expected 'first_touch', 'last_touch' or 'window', "
                f"got {self._attribution!r}"
            )
        if self._attribution == "window":
            if self._window is None:
                raise InvalidInputError("window: required with attribution='window'")
            ensure_timedelta(self._window, "window")
        elif self._window is not None:
            raise InvalidInputError("window: only meaningful with attribution='window'")
        if not callable(self._clock):
            raise InvalidInputError(f"clock: expected a callable, got {type(self._clock).__name__}")

    def __repr__(self) -> str:
        return (
            f"ReferralGraph(members={self._ids.count}, friendships={self.friendship_count}, "
            f"pending_requests={len(self._requests)}, referrals={len(self._credit)}, "
            f"attribution={self._attribution!r})"
        )

    # ---------------------------------------------------------------- members and ids

    def __len__(self) -> int:
        """Number of members (everyone the graph has seen)."""
        return self._ids.count

    def __contains__(self, id: object) -> bool:
        return id in self._ids

    def ids(self) -> list[Hashable]:
        """All member ids in row order (the order of ``adjacency``, ``degrees``, ``pagerank``).

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("b", "a")])
        >>> graph.ids()
        ['b', 'a']
        """
        return self._ids.ids()

    def add_members(self, ids: Iterable[Hashable], *, at: datetime | None = None) -> int:
        """Tell the graph these people were already members at ``at`` (referring them is refused).

        Parameters
        ----------
        ids : iterable of hashable
            Existing members.
        at : datetime, optional
            Since when (the clock's now by default). An earlier known time is kept.

        Returns
        -------
        int
            How many ids were new to the graph.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> graph.add_members(["ann", "bob"])
        2
        >>> "bob" in graph
        True
        """
        when = to_micros(resolve_at(at, self._clock))
        items = as_id_list(ids, "ids")
        before = len(self._ids)
        indices = self._ids.add_many(items, "ids")
        self._grow(when)
        self._since[indices] = np.minimum(self._since[indices], when)
        self._told[indices] = True
        return len(self._ids) - before

    def _grow(self, when: int) -> None:
        size = len(self._ids)
        old = len(self._since)
        if size == old:
            return
        self._since = np.concatenate([self._since, np.full(size - old, when, np.int64)])
        self._told = np.concatenate([self._told, np.zeros(size - old, np.bool_)])
        self._csr = None
        self._transpose = None

    def _index(self, id: Hashable) -> int:
        return self._ids.index(id)

    def _add_one(self, id: object, field: str, when: int) -> int:
        index = self._ids.add(check_id(id, field), field)
        self._grow(when)
        return index

    # ---------------------------------------------------------------- friendships

    @property
    def friendship_count(self) -> int:
        """Number of friendships (each counted once).

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> graph.add_friendships([("a", "b"), ("b", "a")])
        1
        >>> graph.friendship_count
        1
        """
        return len(self._keys) - len(self._removed) + len(self._added)

    def _has_key(self, key: int) -> bool:
        if key in self._added:
            return True
        if key in self._removed:
            return False
        position = int(np.searchsorted(self._keys, key))
        return position < len(self._keys) and int(self._keys[position]) == key

    @staticmethod
    def _key(a: int, b: int) -> int:
        low, high = (a, b) if a < b else (b, a)
        return (low << _LOW_BITS) | high

    def are_friends(self, a: Hashable, b: Hashable) -> bool:
        """Whether ``a`` and ``b`` are friends (unknown ids are simply not friends).

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b")])
        >>> graph.are_friends("b", "a"), graph.are_friends("a", "zed")
        (True, False)
        """
        i, j = self._ids.get(a), self._ids.get(b)
        if i < 0 or j < 0 or i == j:
            return False
        return self._has_key(self._key(i, j))

    def request_friendship(self, a: Hashable, b: Hashable, *, at: datetime | None = None) -> str:
        """``a`` asks ``b`` to be friends; the link exists once ``b`` accepts.

        Parameters
        ----------
        a, b : hashable
            Who asks, and whom.
        at : datetime, optional
            When (the clock's now by default).

        Returns
        -------
        str
            ``"pending"``; ``"accepted"`` if ``b`` had already asked ``a`` (both want it);
            ``"already_friends"`` if they are.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> graph.request_friendship("ann", "bob")
        'pending'
        >>> graph.request_friendship("bob", "ann")
        'accepted'
        >>> graph.are_friends("ann", "bob")
        True
        """
        when = to_micros(resolve_at(at, self._clock))
        check_id(a, "a")
        check_id(b, "b")
        if a == b:
            raise InvalidInputError(f"b: a member cannot befriend themself, got {b!r} twice")
        i = self._add_one(a, "a", when)
        j = self._add_one(b, "b", when)
        if self._has_key(self._key(i, j)):
            return "already_friends"
        if (j, i) in self._requests:
            del self._requests[(j, i)]
            self._link(i, j)
            return "accepted"
        self._requests.setdefault((i, j), when)
        return "pending"

    def pending_requests(self, id: Hashable) -> list[Hashable]:
        """Who asked ``id`` to be friends and is still waiting, oldest first.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.request_friendship("ann", "bob")
        >>> graph.pending_requests("bob"), graph.pending_requests("ann")
        (['ann'], [])
        """
        j = self._index(id)
        found = sorted((when, i) for (i, k), when in self._requests.items() if k == j)
        return self._ids.ids_at([i for _, i in found])

    def _pending(self, b: Hashable, a: Hashable) -> tuple[int, int]:
        j, i = self._index(b), self._index(a)
        if (i, j) not in self._requests:
            raise InvalidInputError(f"a: no pending friendship request from {a!r} to {b!r}")
        return i, j

    def accept_friendship(self, b: Hashable, a: Hashable, *, at: datetime | None = None) -> None:
        """``b`` accepts the pending request from ``a``; they become friends.

        Raises ``InvalidInputError`` when ``a`` has not asked ``b``.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.request_friendship("ann", "bob")
        >>> graph.accept_friendship("bob", "ann")
        >>> graph.degree("bob")
        1
        """
        resolve_at(at, self._clock)
        i, j = self._pending(b, a)
        del self._requests[(i, j)]
        self._link(i, j)

    def decline_friendship(self, b: Hashable, a: Hashable, *, at: datetime | None = None) -> None:
        """``b`` declines the pending request from ``a``; no link is made.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.request_friendship("ann", "bob")
        >>> graph.decline_friendship("bob", "ann")
        >>> graph.are_friends("ann", "bob"), graph.pending_requests("bob")
        (False, [])
        """
        resolve_at(at, self._clock)
        i, j = self._pending(b, a)
        del self._requests[(i, j)]

    def _link(self, i: int, j: int) -> None:
        key = self._key(i, j)
        if key in self._removed:
            self._removed.discard(key)
        else:
            self._added.add(key)
        self._csr = None
        self._transpose = None

    def remove_friendship(self, a: Hashable, b: Hashable) -> bool:
        """End the friendship of ``a`` and ``b`` and the rights each gave the other.

        Returns
        -------
        bool
            Whether they were friends.

        Examples
        --------
        >>> from community_marketing.referrals import FriendRight, ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b")])
        >>> graph.grant_right("a", "b", FriendRight.SEE_ON_MAP)
        >>> graph.remove_friendship("a", "b"), graph.remove_friendship("a", "b")
        (True, False)
        >>> graph.has_right("a", "b", FriendRight.SEE_ON_MAP)
        False
        """
        i, j = self._index(a), self._index(b)
        key = self._key(i, j)
        if i == j or not self._has_key(key):
            return False
        if key in self._added:
            self._added.discard(key)
        else:
            self._removed.add(key)
        self._rights.pop((i, j), None)
        self._rights.pop((j, i), None)
        self._csr = None
        self._transpose = None
        return True

    def add_friendships(
        self,
        first: Iterable[Any] | npt.NDArray[Any],
        second: Iterable[Hashable] | npt.NDArray[Any] | None = None,
        *,
        at: datetime | None = None,
    ) -> int:
        """Bulk-load friendships already accepted elsewhere (an import).

        Parameters
        ----------
        first : sequence of pairs, (m, 2) array, or sequence of ids
            Pairs ``(a, b)``; or, with ``second``, the first end of each link.
        second : sequence of ids, optional
            The other end of each link, as long as ``first``.
        at : datetime, optional
            When new members joined (the clock's now by default).

        Returns
        -------
        int
            How many friendships were new.

        Notes
        -----
        New ids get indices in order of first appearance (``a0, b0, a1, b1, ...``). Integer
        numpy arrays take a vectorized path. Repeated pairs are merged; a self-loop is
        ``InvalidInputError`` and nothing is added.

        Examples
        --------
        >>> import numpy as np
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> graph.add_friendships(np.array([1, 2, 3]), np.array([2, 3, 1]))
        3
        >>> graph.add_friendships([(1, 4)])
        1
        >>> graph.add_friendships([(5, 5)])
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: second[0]: self-loop on 5 ...
        """
        when = to_micros(resolve_at(at, self._clock))
        left, right = self._split_pairs(first, second)
        size = len(self._ids)
        try:
            i, j = self._map_pairs(left, right)
            loops = np.flatnonzero(i == j)
            if loops.size:
                row = int(loops[0])
                raise InvalidInputError(
                    f"second[{row}]: self-loop on {self._ids.id_at(int(i[row]))!r} "
                    "(a member cannot befriend themself)"
                )
            if len(self._ids) > _MAX_MEMBERS:
                raise InvalidInputError(f"first: more than {_MAX_MEMBERS} members")
        except BaseException:
            self._ids.truncate(size)
            raise
        self._grow(when)
        self._flush()
        before = len(self._keys)
        keys = _pack(np.minimum(i, j), np.maximum(i, j))
        self._keys = _distinct(np.concatenate([self._keys, keys]))
        self._csr = None
        self._transpose = None
        return len(self._keys) - before

    @staticmethod
    def _split_pairs(
        first: Iterable[Any] | npt.NDArray[Any],
        second: Iterable[Hashable] | npt.NDArray[Any] | None,
    ) -> tuple[list[Hashable] | npt.NDArray[Any], list[Hashable] | npt.NDArray[Any]]:
        if second is not None:
            left: list[Hashable] | npt.NDArray[Any] = (
                first if isinstance(first, np.ndarray) else as_id_list(first, "first")
            )
            right: list[Hashable] | npt.NDArray[Any] = (
                second if isinstance(second, np.ndarray) else as_id_list(second, "second")
            )
            for name, column in (("first", left), ("second", right)):
                if isinstance(column, np.ndarray) and column.ndim != 1:
                    raise InvalidInputError(f"{name}: expected a 1-d array, got {column.shape}")
            if len(left) != len(right):
                raise InvalidInputError(
                    f"second: expected {len(left)} ids (as many as first), got {len(right)}"
                )
            return left, right
        if isinstance(first, np.ndarray):
            if first.ndim != 2 or first.shape[1] != 2:
                raise InvalidInputError(f"first: expected an (m, 2) array, got {first.shape}")
            return first[:, 0], first[:, 1]
        pairs = as_id_list(first, "first")
        left, right = [], []
        for row, pair in enumerate(pairs):
            if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
                raise InvalidInputError(f"first[{row}]: expected a pair (a, b), got {pair!r}")
            left.append(pair[0])
            right.append(pair[1])
        return left, right

    def _map_pairs(
        self,
        left: list[Hashable] | npt.NDArray[Any],
        right: list[Hashable] | npt.NDArray[Any],
    ) -> tuple[IntArray, IntArray]:
        m = len(left)
        if (
            isinstance(left, np.ndarray)
            and isinstance(right, np.ndarray)
            and left.dtype.kind in "iu"
            and right.dtype.kind in "iu"
            and m
        ):
            return self._map_int_pairs(left.astype(np.int64), right.astype(np.int64))
        both: list[Hashable] = [None] * (2 * m)
        both[0::2] = left.tolist() if isinstance(left, np.ndarray) else left
        both[1::2] = right.tolist() if isinstance(right, np.ndarray) else right
        indices = self._ids.add_many(both, "first")
        return indices[0::2], indices[1::2]

    def _map_int_pairs(self, left: IntArray, right: IntArray) -> tuple[IntArray, IntArray]:
        m = len(left)
        low = min(int(left.min()), int(right.min()))
        high = max(int(left.max()), int(right.max()))
        if low < 0 or high >= max(4 * m, 1 << 20):
            both = np.empty(2 * m, np.int64)
            both[0::2] = left
            both[1::2] = right
            values, first_at, inverse = np.unique(both, return_index=True, return_inverse=True)
            order = np.argsort(first_at, kind="stable")
            indices = np.empty(len(values), np.int64)
            indices[order] = self._ids.add_many(values[order], "first")
            mapped = indices[inverse.reshape(-1)]
            return mapped[0::2], mapped[1::2]
        first_at = np.full(high + 1, np.iinfo(np.int64).max, np.int64)
        np.minimum.at(first_at, left, np.arange(0, 2 * m, 2, dtype=np.int64))
        np.minimum.at(first_at, right, np.arange(1, 2 * m, 2, dtype=np.int64))
        values = np.flatnonzero(first_at != np.iinfo(np.int64).max)
        values = values[np.argsort(first_at[values], kind="stable")]
        table = first_at  # reused as the value -> index table
        table[values] = self._ids.add_many(values, "first")
        return table[left], table[right]

    def _merged_keys(self) -> IntArray:
        """The sorted friendship keys with the single changes folded in (no mutation)."""
        keys = self._keys
        if self._removed:
            gone = np.fromiter(self._removed, np.int64, len(self._removed))
            keys = keys[~np.isin(keys, gone)]
        if self._added:
            new = np.fromiter(self._added, np.int64, len(self._added))
            keys = _distinct(np.concatenate([keys, new]))
        return keys

    def _flush(self) -> None:
        """Fold single changes into the sorted key array (writes only: reads never mutate)."""
        if self._added or self._removed:
            self._keys = self._merged_keys()
            self._added = set()
            self._removed = set()

    def _matrix(self) -> sp.csr_matrix:
        csr = self._csr
        if csr is not None:
            return csr
        n = len(self._ids)
        keys = self._merged_keys()
        low = (keys >> _LOW_BITS).astype(np.int64)
        high = (keys & _LOW_MASK).astype(np.int64)
        index_type = np.int32 if 2 * len(keys) < _MAX_MEMBERS else np.int64
        indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(low, minlength=n), out=indptr[1:])
        upper = sp.csr_matrix(
            (np.ones(len(keys)), high.astype(index_type), indptr.astype(index_type)),
            shape=(n, n),
        )
        upper.has_sorted_indices = True
        full = (upper + upper.T.tocsr()).tocsr()
        full.sort_indices()
        for array in (full.data, full.indices, full.indptr):
            array.flags.writeable = False
        self._csr = full
        return full

    def adjacency(self) -> tuple[sp.csr_matrix, list[Hashable]]:
        """The symmetric friend adjacency (float64 ones, read-only) and the ids of its rows.

        Returns
        -------
        (scipy.sparse.csr_matrix, list)
            ``n x n`` CSR with sorted indices, and the ids in row order.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b")])
        >>> matrix, ids = graph.adjacency()
        >>> matrix.toarray().tolist(), ids
        ([[0.0, 1.0], [1.0, 0.0]], ['a', 'b'])
        """
        return self._matrix(), self._ids.ids()

    def friends(self, id: Hashable) -> list[Hashable]:
        """The friends of ``id`` in row order; ``UnknownIdError`` if never seen.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b"), ("c", "a")])
        >>> graph.friends("a")
        ['b', 'c']
        """
        i = self._index(id)
        matrix = self._matrix()
        return self._ids.ids_at(matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]])

    def degree(self, id: Hashable) -> int:
        """Number of friends of ``id``.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b"), ("c", "a")])
        >>> graph.degree("a")
        2
        """
        i = self._index(id)
        indptr = self._matrix().indptr
        return int(indptr[i + 1] - indptr[i])

    def degrees(self) -> IntArray:
        """Number of friends of every member, in the order of ``ids()``.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b"), ("c", "a")])
        >>> graph.degrees().tolist()
        [2, 1, 1]
        """
        out: IntArray = np.diff(self._matrix().indptr).astype(np.int64)
        return out

    # ---------------------------------------------------------------- rights

    def _friend_pair(self, owner: Hashable, friend: Hashable) -> tuple[int, int]:
        i, j = self._index(owner), self._index(friend)
        if i == j or not self._has_key(self._key(i, j)):
            raise InvalidInputError(f"friend: {friend!r} is not a friend of {owner!r}")
        return i, j

    def grant_right(self, owner: Hashable, friend: Hashable, right: FriendRight) -> None:
        """``owner`` lets ``friend`` do ``right`` (directed; they must be friends).

        Examples
        --------
        >>> from community_marketing.referrals import FriendRight, ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("ann", "bob")])
        >>> graph.grant_right("ann", "bob", FriendRight.MODIFY_OBJECTS)
        >>> graph.has_right("ann", "bob", FriendRight.MODIFY_OBJECTS)
        True
        >>> graph.has_right("bob", "ann", FriendRight.MODIFY_OBJECTS)
        False
        """
        right = _check_right(right)
        pair = self._friend_pair(owner, friend)
        self._rights[pair] = self._rights.get(pair, 0) | right.value

    def revoke_right(self, owner: Hashable, friend: Hashable, right: FriendRight) -> None:
        """``owner`` takes ``right`` back from ``friend``.

        Examples
        --------
        >>> from community_marketing.referrals import FriendRight, ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("ann", "bob")])
        >>> graph.grant_right("ann", "bob", FriendRight.ALL)
        >>> graph.revoke_right("ann", "bob", FriendRight.SEE_ON_MAP)
        >>> graph.rights("ann", "bob") == FriendRight.SEE_ONLINE | FriendRight.MODIFY_OBJECTS
        True
        """
        right = _check_right(right)
        pair = self._friend_pair(owner, friend)
        bits = self._rights.get(pair, 0) & ~right.value
        if bits:
            self._rights[pair] = bits
        else:
            self._rights.pop(pair, None)

    def rights(self, owner: Hashable, friend: Hashable) -> FriendRight:
        """Everything ``owner`` lets ``friend`` do (``NONE`` if not friends).

        Examples
        --------
        >>> from community_marketing.referrals import FriendRight, ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("ann", "bob")])
        >>> graph.rights("ann", "bob")
        <FriendRight.NONE: 0>
        """
        i, j = self._index(owner), self._index(friend)
        return FriendRight(self._rights.get((i, j), 0))

    def has_right(self, owner: Hashable, friend: Hashable, right: FriendRight) -> bool:
        """Whether ``owner`` lets ``friend`` do every right in ``right``.

        Examples
        --------
        >>> from community_marketing.referrals import FriendRight, ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("ann", "bob")])
        >>> graph.has_right("ann", "bob", FriendRight.SEE_ONLINE)
        False
        """
        right = _check_right(right)
        return right in self.rights(owner, friend)

    def friends_with_right(self, owner: Hashable, right: FriendRight) -> list[Hashable]:
        """The friends ``owner`` lets do ``right``, in row order.

        Examples
        --------
        >>> from community_marketing.referrals import FriendRight, ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("ann", "bob"), ("ann", "cid")])
        >>> graph.grant_right("ann", "cid", FriendRight.SEE_ON_MAP)
        >>> graph.friends_with_right("ann", FriendRight.SEE_ON_MAP)
        ['cid']
        """
        right = _check_right(right)
        i = self._index(owner)
        chosen = sorted(
            j
            for (k, j), bits in self._rights.items()
            if k == i and bits & right.value == right.value
        )
        return self._ids.ids_at(chosen)

    # ---------------------------------------------------------------- referrals

    def record_referral(
        self,
        referrer: Hashable,
        referee: Hashable,
        *,
        at: datetime | None = None,
        code: str | None = None,
        channel: str | None = None,
    ) -> Referral:
        """Record that ``referrer`` brought ``referee``; attribute it per the graph's rule.

        Parameters
        ----------
        referrer, referee : hashable
            Who referred whom (either may be new to the graph).
        at : datetime, optional
            When (the clock's now by default).
        code, channel : str, optional
            The referral code and the channel, kept for reporting and fraud flags.

        Returns
        -------
        Referral
            With ``attributed=True`` if it now holds the credit for ``referee``.

        Raises
        ------
        ReferralRejectedError
            ``reason`` is ``"self_referral"``, ``"existing_member"`` (``referee`` was declared a
            member through ``add_members`` before ``at``) or ``"cycle"`` (the credit would
            close a ring). Nothing is recorded.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> graph.record_referral("ann", "bob", code="ANN10").attributed
        True
        >>> graph.record_referral("cid", "bob").attributed  # first touch keeps the credit
        False
        >>> graph.record_referral("bob", "ann")
        Traceback (most recent call last):
        ...
        community_marketing.errors.ReferralRejectedError: 'bob' cannot refer 'ann': ... (a ring)
        """
        check_id(referrer, "referrer")
        check_id(referee, "referee")
        code = _check_text(code, "code")
        channel = _check_text(channel, "channel")
        moment = resolve_at(at, self._clock)
        return self._record([referrer], [referee], [moment], [code], [channel], bulk=False)[0]

    def record_referrals(
        self,
        referrers: Iterable[Hashable] | npt.NDArray[Any],
        referees: Iterable[Hashable] | npt.NDArray[Any],
        *,
        at: datetime | Sequence[datetime] | None = None,
        codes: Sequence[str | None] | None = None,
        channels: Sequence[str | None] | None = None,
    ) -> list[Referral]:
        """Record many referrals in order, all or nothing (the bulk form of ``record_referral``).

        Parameters
        ----------
        referrers, referees : sequences of hashable
            Who referred whom, row by row (same length).
        at : datetime or sequence of datetime, optional
            One time for all, or one per row (the clock's now by default).
        codes, channels : sequences of str or None, optional
            One per row.

        Returns
        -------
        list of Referral
            One per row, in order.

        Raises
        ------
        ReferralRejectedError
            The first rejected row, named in the message; nothing is recorded.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> done = graph.record_referrals(["ann", "ann", "bob"], ["bob", "cid", "dan"])
        >>> [r.attributed for r in done], graph.referral_chain("dan")
        ([True, True, True], ['dan', 'bob', 'ann'])
        >>> graph.record_referrals(["eve", "dan"], ["fay", "ann"])
        Traceback (most recent call last):
        ...
        community_marketing.errors.ReferralRejectedError: row 1: 'dan' cannot refer 'ann': ...
        >>> "eve" in graph
        False
        """
        sources = as_id_list(referrers, "referrers")
        targets = as_id_list(referees, "referees")
        count = len(sources)
        if len(targets) != count:
            raise InvalidInputError(
                f"referees: expected {count} ids (as many as referrers), got {len(targets)}"
            )
        for name, column in (("referrers", sources), ("referees", targets)):
            for row, value in enumerate(column):
                check_id(value, f"{name}[{row}]")
        texts: dict[str, list[str | None]] = {}
        for name, given in (("codes", codes), ("channels", channels)):
            values = [None] * count if given is None else list(given)
            if len(values) != count:
                raise InvalidInputError(f"{name}: expected {count} values, got {len(values)}")
            texts[name] = [_check_text(v, f"{name}[{row}]") for row, v in enumerate(values)]
        if at is None or isinstance(at, datetime):
            moments = [resolve_at(at, self._clock)] * count
        else:
            moments = [ensure_aware(value, f"at[{row}]") for row, value in enumerate(at)]
            if len(moments) != count:
                raise InvalidInputError(f"at: expected {count} timestamps, got {len(moments)}")
        return self._record(sources, targets, moments, texts["codes"], texts["channels"])

    def _record(
        self,
        sources: list[Hashable],
        targets: list[Hashable],
        moments: list[datetime],
        codes: list[str | None],
        channels: list[str | None],
        *,
        bulk: bool = True,
    ) -> list[Referral]:
        size, rows = len(self._ids), len(self._log_src)
        undo: list[tuple[int, int, int | None]] = []
        done = []
        for row, item in enumerate(zip(sources, targets, moments, codes, channels, strict=True)):
            try:
                done.append(self._record_one(*item, undo))
            except ReferralRejectedError as error:
                for member, since, credit in reversed(undo):
                    self._since[member] = since
                    if credit is None:
                        self._credit.pop(member, None)
                    else:
                        self._credit[member] = credit
                self._ids.truncate(size)
                self._since, self._told = self._since[:size].copy(), self._told[:size].copy()
                del self._log_src[rows:], self._log_dst[rows:], self._log_at[rows:]
                del self._log_code[rows:], self._log_channel[rows:]
                self._csr = None
                self._transpose = None
                if not bulk:
                    raise
                raise ReferralRejectedError(error.reason, f"row {row}: {error}") from None
        return done

    def _record_one(
        self,
        referrer: Hashable,
        referee: Hashable,
        moment: datetime,
        code: str | None,
        channel: str | None,
        undo: list[tuple[int, int, int | None]],
    ) -> Referral:
        when = to_micros(moment)
        if referrer == referee:
            raise ReferralRejectedError("self_referral", f"{referrer!r} cannot refer themself")
        src, dst = self._ids.get(referrer), self._ids.get(referee)
        if dst >= 0 and bool(self._told[dst]) and int(self._since[dst]) <= when:
            raise ReferralRejectedError(
                "existing_member",
                f"{referee!r} was already a member since {from_micros(int(self._since[dst]))}",
            )
        attributed = dst < 0 or self._takes_credit(dst, when)
        if attributed and src >= 0 and dst >= 0 and self._is_ancestor(dst, src):
            raise ReferralRejectedError(
                "cycle",
                f"{referrer!r} cannot refer {referee!r}: {referee!r} referred "
                f"{self._ids.id_at(self._chain_child(dst, src))!r} (a ring)",
            )
        src = self._add_one(referrer, "referrer", when)
        dst = self._add_one(referee, "referee", when)
        undo.append((dst, int(self._since[dst]), self._credit.get(dst)))
        self._since[dst] = min(int(self._since[dst]), when)
        row = len(self._log_src)
        self._log_src.append(src)
        self._log_dst.append(dst)
        self._log_at.append(when)
        self._log_code.append(code)
        self._log_channel.append(channel)
        if attributed:
            self._credit[dst] = row
        return Referral(referrer, referee, moment, code, channel, attributed)

    def _takes_credit(self, dst: int, when: int) -> bool:
        row = self._credit.get(dst)
        if row is None:
            return True
        held = self._log_at[row]
        if self._attribution == "first_touch":
            return when < held
        if self._attribution == "last_touch":
            return when >= held
        assert self._window is not None
        return when < held or when - held > self._window // timedelta(microseconds=1)

    def _parent(self, i: int) -> int:
        row = self._credit.get(i)
        return -1 if row is None else self._log_src[row]

    def _is_ancestor(self, ancestor: int, i: int) -> bool:
        """Whether ``ancestor`` is ``i`` or above ``i`` in the referral chain."""
        while i >= 0:
            if i == ancestor:
                return True
            i = self._parent(i)
        return False

    def _chain_child(self, ancestor: int, i: int) -> int:
        """The member just below ``ancestor`` on the way up from ``i``."""
        child = i
        while i != ancestor:
            child, i = i, self._parent(i)
        return child

    def referrer_of(self, id: Hashable) -> Hashable | None:
        """Who holds the credit for bringing ``id`` (``None`` if nobody).

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.record_referral("ann", "bob")
        >>> graph.referrer_of("bob"), graph.referrer_of("ann")
        ('ann', None)
        """
        parent = self._parent(self._index(id))
        return None if parent < 0 else self._ids.id_at(parent)

    def _referral(self, row: int) -> Referral:
        return Referral(
            self._ids.id_at(self._log_src[row]),
            self._ids.id_at(self._log_dst[row]),
            from_micros(self._log_at[row]),
            self._log_code[row],
            self._log_channel[row],
            self._credit.get(self._log_dst[row]) == row,
        )

    def referrals_of(self, id: Hashable) -> list[Referral]:
        """The referrals ``id`` holds the credit for, oldest first.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.record_referral("ann", "bob")
        >>> _ = graph.record_referral("ann", "cid")
        >>> [r.referee for r in graph.referrals_of("ann")]
        ['bob', 'cid']
        """
        i = self._index(id)
        rows = sorted(
            (self._log_at[row], row) for row in self._credit.values() if self._log_src[row] == i
        )
        return [self._referral(row) for _, row in rows]

    def referral_history(self) -> list[Referral]:
        """Every recorded referral, attributed or not, in the order recorded.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.record_referral("ann", "bob")
        >>> _ = graph.record_referral("cid", "bob")
        >>> [(r.referrer, r.attributed) for r in graph.referral_history()]
        [('ann', True), ('cid', False)]
        """
        return [self._referral(row) for row in range(len(self._log_src))]

    def referral_chain(self, id: Hashable) -> list[Hashable]:
        """``id``, its referrer, their referrer... up to the root.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.record_referral("ann", "bob")
        >>> _ = graph.record_referral("bob", "cid")
        >>> graph.referral_chain("cid")
        ['cid', 'bob', 'ann']
        """
        i = self._index(id)
        chain = [i]
        while (i := self._parent(i)) >= 0:
            chain.append(i)
        return self._ids.ids_at(chain)

    def _children(self) -> dict[int, list[int]]:
        children: dict[int, list[int]] = {}
        for dst, row in sorted(self._credit.items()):
            children.setdefault(self._log_src[row], []).append(dst)
        return children

    def referral_tree(self, root: Hashable) -> ReferralTree:
        """Everyone ``root`` brought in, directly or through others, breadth-first.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> for a, b in [("ann", "bob"), ("ann", "cid"), ("bob", "dan")]:
        ...     _ = graph.record_referral(a, b)
        >>> tree = graph.referral_tree("ann")
        >>> tree.members, tree.depths
        (('ann', 'bob', 'cid', 'dan'), (0, 1, 1, 2))
        """
        start = self._index(root)
        children = self._children()
        order, parents, depths = [start], [-1], [0]
        position = 0
        while position < len(order):
            node = order[position]
            for child in children.get(node, ()):
                order.append(child)
                parents.append(node)
                depths.append(depths[position] + 1)
            position += 1
        members = tuple(self._ids.ids_at(order))
        referrers = tuple(None if p < 0 else self._ids.id_at(p) for p in parents)
        return ReferralTree(root, members, referrers, tuple(depths))

    def _attributed_arrays(self) -> tuple[IntArray, IntArray, IntArray]:
        rows = np.fromiter(self._credit.values(), np.int64, len(self._credit))
        src = np.asarray(self._log_src, np.int64)[rows]
        dst = np.asarray(self._log_dst, np.int64)[rows]
        at = np.asarray(self._log_at, np.int64)[rows]
        return src, dst, at

    def referral_counts(
        self, *, qualified: Callable[[Hashable], bool] | Collection[Hashable] | None = None
    ) -> dict[Hashable, int]:
        """Attributed referrals per referrer, most first (ties in row order).

        Parameters
        ----------
        qualified : callable or collection, optional
            Count only referees for which ``qualified(referee)`` is true, or that are in the
            collection (reward tiers that depend on the referee's quality).

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> for a, b in [("ann", "bob"), ("ann", "cid"), ("bob", "dan")]:
        ...     _ = graph.record_referral(a, b)
        >>> graph.referral_counts()
        {'ann': 2, 'bob': 1}
        >>> graph.referral_counts(qualified={"dan"})
        {'bob': 1}
        """
        src, dst, _ = self._attributed_arrays()
        if qualified is not None:
            test: Callable[[Hashable], bool]
            if callable(qualified):
                test = qualified
            elif isinstance(qualified, Collection):
                test = qualified.__contains__
            else:
                raise InvalidInputError(
                    "qualified: expected a callable or a collection, "
                    f"got {type(qualified).__name__}"
                )
            keep = np.fromiter(
                (bool(test(referee)) for referee in self._ids.ids_at(dst)), np.bool_, len(dst)
            )
            src = src[keep]
        counts = np.bincount(src, minlength=len(self._ids))
        order = np.flatnonzero(counts)
        order = order[np.argsort(-counts[order], kind="stable")]
        return dict(zip(self._ids.ids_at(order), counts[order].tolist(), strict=True))

    def suspicious_referrals(
        self, *, burst: int = 10, window: timedelta = timedelta(hours=1)
    ) -> list[ReferralFlag]:
        """Flag referral patterns that fraud usually leaves (flags, not verdicts).

        Parameters
        ----------
        burst : int, default 10
            A referrer with more than ``burst`` attributed referrals within any ``window``.
        window : timedelta, default 1 hour
            The short window of bursts and fast chains.

        Returns
        -------
        list of ReferralFlag
            ``"burst"``, ``"fast_chain"`` (a referee who refers again within ``window`` of being
            referred, three hops or more) and ``"shared_code"`` (a code used by more than one
            referrer), by referrer row order then pattern.

        Examples
        --------
        >>> from datetime import UTC, datetime, timedelta
        >>> from community_marketing.referrals import ReferralGraph
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> graph = ReferralGraph()
        >>> for n in range(4):
        ...     _ = graph.record_referral("ann", f"new{n}", at=t + timedelta(minutes=n))
        >>> [(f.referrer, f.pattern, f.count) for f in graph.suspicious_referrals(burst=3)]
        [('ann', 'burst', 4)]
        """
        burst = check_int(burst, "burst", low=1)
        span = ensure_timedelta(window, "window") // timedelta(microseconds=1)
        flags: list[tuple[int, int, ReferralFlag]] = []
        src, dst, at = self._attributed_arrays()
        order = np.lexsort((at, src))
        src, dst, at = src[order], dst[order], at[order]
        referrers, starts = np.unique(src, return_index=True)
        stops = np.append(starts[1:], len(src))
        for referrer, lo, hi in zip(
            referrers.tolist(), starts.tolist(), stops.tolist(), strict=True
        ):
            times = at[lo:hi]
            # For each referral, how many of the same referrer's fall in [at, at + window].
            within = np.searchsorted(times, times + span, side="right") - np.arange(len(times))
            best = int(within.argmax())
            size = int(within[best])
            if size > burst:
                flag = ReferralFlag(
                    self._ids.id_at(referrer),
                    "burst",
                    size,
                    from_micros(int(times[best])),
                    from_micros(int(times[best + size - 1])),
                )
                flags.append((referrer, 0, flag))
        flags.extend(self._fast_chains(src, dst, at, span))
        flags.extend(self._shared_codes())
        flags.sort(key=lambda item: (item[0], item[1]))
        return [flag for _, _, flag in flags]

    def _fast_chains(
        self, src: IntArray, dst: IntArray, at: IntArray, span: int
    ) -> list[tuple[int, int, ReferralFlag]]:
        joined = dict(zip(dst.tolist(), at.tolist(), strict=True))
        fast: dict[int, list[int]] = {}
        for s, t in zip(src.tolist(), at.tolist(), strict=True):
            since = joined.get(s)
            if since is not None and 0 <= t - since <= span:
                fast.setdefault(s, []).append(t)
        below: dict[int, list[int]] = {}
        for member in fast:
            parent = self._parent(member)
            if parent in fast:
                below.setdefault(parent, []).append(member)
        flags = []
        for top in sorted(fast):
            if self._parent(top) in fast or top not in below:
                continue
            group = [top]
            for member in group:
                group.extend(below.get(member, ()))
            times = [t for member in group for t in fast[member]]
            flag = ReferralFlag(
                self._ids.id_at(top),
                "fast_chain",
                len(times),
                from_micros(min(times)),
                from_micros(max(times)),
            )
            flags.append((top, 1, flag))
        return flags

    def _shared_codes(self) -> list[tuple[int, int, ReferralFlag]]:
        users: dict[str, dict[int, list[int]]] = {}
        for row, code in enumerate(self._log_code):
            if code is not None:
                users.setdefault(code, {}).setdefault(self._log_src[row], []).append(row)
        flags = []
        for by_referrer in users.values():
            if len(by_referrer) < 2:
                continue
            for referrer, rows in by_referrer.items():
                times = [self._log_at[row] for row in rows]
                flags.append(
                    (
                        referrer,
                        2,
                        ReferralFlag(
                            self._ids.id_at(referrer),
                            "shared_code",
                            len(rows),
                            from_micros(min(times)),
                            from_micros(max(times)),
                        ),
                    )
                )
        return flags

    def viral_coefficient(
        self, *, start: datetime, end: datetime, invitations: int | None = None
    ) -> ViralCoefficient:
        """K-factor of ``[start, end)``: attributed referrals per member at ``start``.

        Parameters
        ----------
        start, end : datetime
            The period (aware, ``start < end``).
        invitations : int, optional
            Invitations sent in the period, if known: splits K into invitations per member
            and conversion.

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> from community_marketing.referrals import ReferralGraph
        >>> jan, feb, mar = (datetime(2026, m, 1, tzinfo=UTC) for m in (1, 2, 3))
        >>> graph = ReferralGraph()
        >>> _ = graph.add_members(["ann", "bob"], at=jan)
        >>> _ = graph.record_referral("ann", "cid", at=feb)
        >>> k = graph.viral_coefficient(start=feb, end=mar, invitations=4)
        >>> k.k, k.invitations_per_member, k.conversion
        (0.5, 2.0, 0.25)
        """
        low = to_micros(ensure_aware(start, "start"))
        high = to_micros(ensure_aware(end, "end"))
        if low >= high:
            raise InvalidInputError(f"end: expected a time after start {start}, got {end}")
        if invitations is not None:
            invitations = check_int(invitations, "invitations", low=0)
        members = int(np.count_nonzero(self._since < low))
        _, _, at = self._attributed_arrays()
        referrals = int(np.count_nonzero((at >= low) & (at < high)))
        if members == 0:
            raise InvalidInputError(f"start: no members before {start}; K is undefined")
        k = referrals / members
        if invitations is None:
            return ViralCoefficient(k, members, referrals)
        if referrals > invitations:
            raise InvalidInputError(
                f"invitations: expected at least the {referrals} referrals, got {invitations}"
            )
        conversion = referrals / invitations if invitations else 0.0
        return ViralCoefficient(
            k, members, referrals, invitations, invitations / members, conversion
        )

    # ---------------------------------------------------------------- reach

    def _seeds(self, seeds: Iterable[Hashable] | Hashable, field: str = "seeds") -> IntArray:
        items = (
            [seeds]
            if isinstance(seeds, (str, bytes)) or not isinstance(seeds, (Iterable, np.ndarray))
            else as_id_list(seeds, field)
        )
        return _distinct(self._ids.indices(items, field))

    def friends_of_friends(
        self, id: Hashable, *, n: int | None = None
    ) -> list[tuple[Hashable, int]]:
        """People at distance exactly 2, with their number of mutual friends, most first.

        Ties are broken by row order (first seen first).

        Parameters
        ----------
        id : hashable
            The member.
        n : int, optional
            Keep only the best ``n``.

        Returns
        -------
        list of (id, int)
            The conquest list.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> pairs = [("me", "a"), ("me", "b"), ("a", "x"), ("b", "x"), ("a", "y")]
        >>> _ = graph.add_friendships(pairs)
        >>> graph.friends_of_friends("me")
        [('x', 2), ('y', 1)]
        >>> graph.friends_of_friends("me", n=1)
        [('x', 2)]
        """
        i = self._index(id)
        if n is not None:
            n = check_int(n, "n", low=0)
        matrix = self._matrix()
        indptr, indices = matrix.indptr, matrix.indices
        direct = indices[indptr[i] : indptr[i + 1]].astype(np.int64)
        positions, _ = _gather(indptr, direct)
        counts = np.bincount(indices[positions], minlength=matrix.shape[0])
        counts[i] = 0
        counts[direct] = 0
        found = np.flatnonzero(counts)
        found = found[np.argsort(-counts[found], kind="stable")]
        if n is not None:
            found = found[:n]
        return list(zip(self._ids.ids_at(found), counts[found].tolist(), strict=True))

    def reach(self, seeds: Iterable[Hashable] | Hashable, *, hops: int = 2) -> int:
        """How many distinct people are within ``hops`` friendships of ``seeds`` (seeds included).

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b"), ("b", "c"), ("c", "d")])
        >>> graph.reach(["a"], hops=1), graph.reach(["a"], hops=2), graph.reach(["a", "d"], hops=1)
        (2, 3, 4)
        """
        hops = check_int(hops, "hops", low=0)
        start = self._seeds(seeds)
        matrix = self._matrix()
        seen = np.zeros(matrix.shape[0], np.bool_)
        seen[start] = True
        frontier = start
        for _ in range(hops):
            if not frontier.size:
                break
            positions, _ = _gather(matrix.indptr, frontier)
            nxt = _distinct(matrix.indices[positions])
            frontier = nxt[~seen[nxt]]
            seen[frontier] = True
        return int(np.count_nonzero(seen))

    def reach_all(self, *, hops: int = 2, show_progress: ShowProgress = False) -> IntArray:
        """:meth:`reach` of every member alone, in the order of ``ids()``, vectorized.

        Rows are processed in blocks of sparse boolean products, so memory stays bounded.

        Parameters
        ----------
        hops : int, default 2
            How far word of mouth travels.
        show_progress : bool or callable, default False
            ``True`` draws a progress bar in members done; a callable is called as
            ``callback(done, total)`` after each block (raise from it to stop).

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b"), ("b", "c"), ("c", "d")])
        >>> graph.reach_all(hops=2).tolist()
        [3, 4, 4, 3]
        """
        hops = check_int(hops, "hops", low=0)
        show_progress = check_show_progress(show_progress)
        matrix = self._matrix()
        n = matrix.shape[0]
        with Progress(show_progress, n, "reach") as progress:
            if hops == 0 or n == 0:
                progress.advance(n)
                return np.ones(n, np.int64)
            step = (
                (matrix + sp.identity(n, dtype=np.float64, format="csr")).astype(np.bool_).tocsr()
            )
            if hops == 1:
                sizes: IntArray = np.diff(step.indptr).astype(np.int64)
                progress.advance(n)
                return sizes
            degree = np.diff(step.indptr).astype(np.int64)
            # Work per row of a two-hop product: the sum of the degrees of its neighbours.
            work = np.add.reduceat(degree[step.indices], step.indptr[:-1]) if n else degree
            work[degree == 0] = 0
            bounds = _blocks(np.cumsum(work), _VISITED_BUDGET)
            out = np.empty(n, np.int64)
            for lo, hi in bounds:
                block = step[lo:hi]
                for _ in range(hops - 1):
                    block = block @ step
                out[lo:hi] = np.diff(block.indptr)
                progress.advance(hi - lo)
            return out

    # ---------------------------------------------------------------- centrality

    def pagerank(
        self, *, damping: float = 0.85, tol: float = 1e-10, max_iter: int = 1000
    ) -> FloatArray:
        """PageRank of every member over friendships, in the order of ``ids()``.

        Power iteration as networkx does it (a friendship is a link both ways; members without
        friends spread their rank uniformly), stopped when the L1 change is below ``n * tol``.

        Parameters
        ----------
        damping : float, default 0.85
            Probability of following a link rather than jumping anywhere.
        tol : float, default 1e-10
            Convergence tolerance per member.
        max_iter : int, default 1000
            ``InvalidInputError`` if not converged by then.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("hub", x) for x in "abc"])
        >>> scores = graph.pagerank()
        >>> round(float(scores.sum()), 6), int(scores.argmax())
        (1.0, 0)
        """
        damping = _check_float(damping, "damping", low=0.0, high=1.0)
        tol = _check_float(tol, "tol", low=0.0)
        max_iter = check_int(max_iter, "max_iter", low=1)
        matrix = self._matrix()
        n = matrix.shape[0]
        if n == 0:
            return np.empty(0, np.float64)
        degree = np.diff(matrix.indptr).astype(np.float64)
        dangling = degree == 0
        inverse = np.divide(1.0, degree, out=np.zeros(n), where=~dangling)
        rank: FloatArray = np.full(n, 1.0 / n)
        for _ in range(max_iter):
            previous = rank
            spread: FloatArray = matrix @ (previous * inverse)
            rank = damping * spread + (damping * previous[dangling].sum() + 1.0 - damping) / n
            if np.abs(rank - previous).sum() < n * tol:
                return rank
        raise InvalidInputError(f"max_iter: PageRank did not converge in {max_iter} iterations")

    def communities(self) -> list[list[Hashable]]:
        """Connected components of the friend graph, largest first (ties: first row first).

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b"), ("c", "d"), ("d", "e")])
        >>> graph.communities()
        [['c', 'd', 'e'], ['a', 'b']]
        """
        matrix = self._matrix()
        if matrix.shape[0] == 0:
            return []
        count, labels = connected_components(matrix, directed=False)
        order = np.argsort(labels, kind="stable")
        sizes = np.bincount(labels, minlength=count)
        first = np.full(count, len(labels))
        np.minimum.at(first, labels, np.arange(len(labels)))
        ranked = np.lexsort((first, -sizes))
        bounds = np.concatenate([[0], np.cumsum(sizes)])
        groups = []
        for label in ranked.tolist():
            members = order[bounds[label] : bounds[label + 1]]
            groups.append(self._ids.ids_at(members))
        return groups

    def influencers(
        self,
        k: int,
        *,
        method: InfluenceMethod = "degree",
        probability: float | npt.NDArray[np.floating[Any]] | None = None,
        model: CascadeModel = "independent_cascade",
        epsilon: float = 0.3,
        max_samples: int = 2_000_000,
        random_state: int | np.random.Generator | None = None,
        candidates: Iterable[Hashable] | None = None,
        show_progress: ShowProgress = False,
    ) -> Influencers:
        """The ``k`` members to seed word of mouth with.

        Parameters
        ----------
        k : int
            How many seeds (at most the number of members).
        method : {"degree", "pagerank", "cascade"}, default "degree"
            Rank by number of friends, by PageRank, or choose the seed set that maximizes the
            expected cascade spread by reverse-reachable sets (IMM: the sample size follows
            from ``epsilon``, with the usual ``1 - 1/e - epsilon`` guarantee).
        probability : float or array, optional
            For ``"cascade"``, as in :meth:`simulate_cascade`: under the independent cascade
            the activation probability per friendship (0.1 when omitted); under linear
            threshold the influence weights (``1 / degree`` of the influenced member when
            omitted). Scalar or per edge in the order of ``adjacency()`` entries (row
            activates column).
        model : {"independent_cascade", "linear_threshold"}
            For ``"cascade"``: the diffusion model whose spread is maximized. Linear
            threshold draws its reverse-reachable sets as live-edge walks: each member
            heeds at most one friend, chosen with probability equal to that friend's weight.
        epsilon : float, default 0.3
            For ``"cascade"``: approximation slack; smaller draws more sets.
        max_samples : int, default 2,000,000
            For ``"cascade"``: cap on reverse-reachable sets.
        random_state : int, Generator or None
            For ``"cascade"``: the same seed gives the same choice.
        candidates : iterable of ids, optional
            Choose seeds only among these members (spread still counts everyone reached).
        show_progress : bool or callable, default False
            ``True`` draws a progress bar; a callable is called as ``callback(done, total)``.
            For ``"cascade"`` the units are reverse-reachable sets drawn, and ``total`` rises
            as the sample size is refined; the other methods report one step.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("hub", x) for x in "abcd"] + [("e", "f")])
        >>> graph.influencers(2, method="pagerank").ids
        ('hub', 'e')
        >>> best = graph.influencers(2, method="cascade", probability=1.0, random_state=0)
        >>> best.ids, best.expected_spread
        (('hub', 'e'), 7.0)
        >>> graph.influencers(2, method="cascade", model="linear_threshold", random_state=0).ids
        ('hub', 'e')
        """
        k = check_int(k, "k", low=0)
        show_progress = check_show_progress(show_progress)
        allowed = np.ones(len(self._ids), np.bool_)
        if candidates is not None:
            allowed[:] = False
            allowed[self._ids.indices(as_id_list(candidates, "candidates"), "candidates")] = True
        n = int(np.count_nonzero(allowed))
        if k > n:
            raise InvalidInputError(f"k: expected at most {n} (the candidates), got {k}")
        if method not in ("degree", "pagerank", "cascade"):
            raise InvalidInputError(
                f"method: expected 'degree', 'pagerank' or 'cascade', got {method!r}"
            )
        if method == "cascade":
            _check_model(model)
            with Progress(show_progress, 0, "reverse-reachable sets") as progress:
                return self._cascade_influencers(
                    k, probability, model, epsilon, max_samples, random_state, allowed, progress
                )
        with Progress(show_progress, 1, method) as progress:
            scores = self.degrees().astype(np.float64) if method == "degree" else self.pagerank()
            order = np.argsort(-scores, kind="stable")
            top = order[allowed[order]][:k]
            progress.advance()
        return Influencers(tuple(self._ids.ids_at(top)), scores[top], method)

    # ---------------------------------------------------------------- cascades

    def _edge_probability(
        self, probability: object, field: str = "probability"
    ) -> float | FloatArray:
        matrix = self._matrix()
        if isinstance(probability, np.ndarray):
            values = probability
            if values.ndim != 1 or len(values) != matrix.nnz:
                raise InvalidInputError(
                    f"{field}: expected a scalar or {matrix.nnz} per-edge values "
                    f"(adjacency entries), got shape {values.shape}"
                )
            if values.dtype.kind not in "fiu":
                raise InvalidInputError(f"{field}: expected numbers, got dtype {values.dtype}")
            values = values.astype(np.float64)
            bad = np.flatnonzero(~((values >= 0.0) & (values <= 1.0)))
            if bad.size:
                raise InvalidInputError(
                    f"{field}[{int(bad[0])}]: expected a probability in [0, 1], "
                    f"got {values[bad[0]]!r}"
                )
            return values
        return _check_float(probability, field, low=0.0, high=1.0)

    def simulate_cascade(
        self,
        seeds: Iterable[Hashable] | Hashable,
        *,
        probability: float | npt.NDArray[np.floating[Any]] | None = None,
        runs: int = 100,
        model: CascadeModel = "independent_cascade",
        max_steps: int | None = None,
        random_state: int | np.random.Generator | None = None,
        show_progress: ShowProgress = False,
    ) -> CascadeResult:
        """Simulate word of mouth from ``seeds``, many runs at once.

        Parameters
        ----------
        seeds : id or iterable of ids
            Who starts talking.
        probability : float or array
            Independent cascade: the chance that an activated member convinces each friend
            (scalar, or per edge in the order of ``adjacency()`` entries, row activates
            column). Linear threshold: the weight of each friend's influence; ``None`` means
            ``1 / degree`` of the influenced member; incoming weights must sum to at most 1.
        runs : int, default 100
            Number of simulated runs (all advanced together, step by step).
        model : {"independent_cascade", "linear_threshold"}
            The diffusion model.
        max_steps : int, optional
            Stop after this many steps.
        random_state : int, Generator or None
            The same int seed gives the same result, bit for bit.
        show_progress : bool or callable, default False
            ``True`` draws a progress bar in runs done; a callable is called as
            ``callback(done, total)`` after each block of runs (raise from it to stop).

        Returns
        -------
        CascadeResult

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([(0, i) for i in range(1, 50)])
        >>> a = graph.simulate_cascade([0], probability=0.2, runs=500, random_state=7)
        >>> b = graph.simulate_cascade([0], probability=0.2, runs=500, random_state=7)
        >>> bool((a.reach == b.reach).all()), 9.0 < a.mean < 12.0
        (True, True)
        >>> # Each leaf's only friend is the hub, so under linear threshold all follow it.
        >>> graph.simulate_cascade([0], model="linear_threshold", runs=10, random_state=0).mean
        50.0
        """
        start = self._seeds(seeds)
        runs = check_int(runs, "runs", low=1)
        show_progress = check_show_progress(show_progress)
        if max_steps is not None:
            max_steps = check_int(max_steps, "max_steps", low=0)
        _check_model(model)
        matrix = self._matrix()
        n = matrix.shape[0]
        rng = _generator(random_state)
        if model == "independent_cascade":
            if probability is None:
                raise InvalidInputError("probability: required by the independent cascade model")
            weights = self._edge_probability(probability)
        else:
            weights = self._threshold_weights(probability)
        limit = max_steps if max_steps is not None else n + 1
        chunk = max(1, min(runs, _VISITED_BUDGET // max(n, 1)))
        reach = np.empty(runs, np.int64)
        hits = np.zeros(n, np.int64)
        curves: list[IntArray] = []
        with Progress(show_progress, runs, "cascade runs") as progress:
            for first in range(0, runs, chunk):
                count = min(chunk, runs - first)
                if model == "independent_cascade":
                    active, curve = _independent_cascade(matrix, start, weights, count, limit, rng)
                else:
                    active, curve = _linear_threshold(matrix, start, weights, count, limit, rng)
                grid = active.reshape(count, n)
                reach[first : first + count] = grid.sum(axis=1)
                hits += grid.sum(axis=0)
                curves.append(curve)
                progress.advance(count)
        width = max(curve.shape[1] for curve in curves)
        padded = [
            np.concatenate([c, np.repeat(c[:, -1:], width - c.shape[1], axis=1)], axis=1)
            for c in curves
        ]
        steps = np.concatenate(padded, axis=0).mean(axis=0)
        ids = tuple(self._ids.ids())
        return CascadeResult(
            seeds=tuple(self._ids.ids_at(start)),
            model=model,
            runs=runs,
            mean=float(reach.mean()),
            std=float(reach.std()),
            reach=reach,
            activation_probability=hits / runs,
            steps=steps,
            ids=ids,
        )

    def _threshold_weights(self, probability: object) -> FloatArray:
        matrix = self._matrix()
        n = matrix.shape[0]
        if probability is None:
            degree = np.diff(matrix.indptr).astype(np.float64)
            # Edge (row u, column v) carries 1 / degree(v): v's friends share its threshold.
            uniform: FloatArray = 1.0 / degree[matrix.indices]
            return uniform
        weights = self._edge_probability(probability)
        if not isinstance(weights, np.ndarray):
            weights = np.full(matrix.nnz, weights)
        incoming = np.bincount(matrix.indices, weights=weights, minlength=n)
        over = np.flatnonzero(incoming > 1.0 + 1e-9)
        if over.size:
            raise InvalidInputError(
                f"probability: linear-threshold weights into {self._ids.id_at(int(over[0]))!r} "
                f"sum to {incoming[over[0]]:.3f}, expected at most 1"
            )
        return weights

    def _cascade_influencers(
        self,
        k: int,
        probability: object,
        model: CascadeModel,
        epsilon: float,
        max_samples: int,
        random_state: object,
        allowed: BoolArray,
        progress: Progress,
    ) -> Influencers:
        epsilon = _check_float(epsilon, "epsilon", low=1e-6, high=1.0)
        max_samples = check_int(max_samples, "max_samples", low=1)
        weights: float | FloatArray
        if model == "linear_threshold":
            weights = self._threshold_weights(probability)
        else:
            weights = self._edge_probability(0.1 if probability is None else probability)
        rng = _generator(random_state)
        matrix = self._matrix()
        n = matrix.shape[0]
        if k == 0 or n == 0:
            return Influencers((), np.empty(0), "cascade", 0.0, 0)
        if isinstance(weights, np.ndarray):
            weights = weights[self._reverse_positions()]
        sampler = _RRSampler(matrix, weights, rng, progress, model)
        log_n = math.log(n)
        log_choose = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
        ell = 1.0 + math.log(2) / log_n if n > 1 else 1.0
        eps_prime = math.sqrt(2) * epsilon
        lambda_prime = (
            (2 + 2 / 3 * eps_prime)
            * (log_choose + ell * log_n + math.log(max(math.log2(n), 1.0)))
            * n
            / eps_prime**2
        )
        lower = 1.0
        for i in range(1, max(int(math.log2(n)), 1)):
            x = n / 2**i
            sampler.extend(min(math.ceil(lambda_prime / x), max_samples))
            _, covered, _ = sampler.greedy(k, allowed)
            if n * covered >= (1 + eps_prime) * x:
                lower = n * covered / (1 + eps_prime)
                break
            if sampler.count >= max_samples:
                break
        alpha = math.sqrt(ell * log_n + math.log(2))
        beta = math.sqrt((1 - 1 / math.e) * (log_choose + ell * log_n + math.log(2)))
        lambda_star = 2 * n * ((1 - 1 / math.e) * alpha + beta) ** 2 / epsilon**2
        sampler.extend(min(math.ceil(lambda_star / lower), max_samples))
        chosen, covered, gains = sampler.greedy(k, allowed)
        return Influencers(
            tuple(self._ids.ids_at(chosen)),
            gains.astype(np.float64),
            "cascade",
            float(n * covered),
            sampler.count,
        )

    def _reverse_positions(self) -> IntArray:
        """For each adjacency entry (v, u), the position of entry (u, v)."""
        cached = self._transpose
        if cached is not None:
            return cached
        matrix = self._matrix()
        n = matrix.shape[0]
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(matrix.indptr))
        order = np.argsort(matrix.indices.astype(np.int64) * n + rows, kind="stable")
        positions = np.empty(len(order), np.int64)
        positions[order] = np.arange(len(order), dtype=np.int64)
        self._transpose = positions
        return positions

    # ---------------------------------------------------------------- state

    def to_state(self) -> dict[str, Any]:
        """The whole graph as plain data and numpy arrays, with a ``"schema"`` key.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b")])
        >>> _ = graph.record_referral("a", "c", code="A1")
        >>> copy = ReferralGraph.from_state(graph.to_state())
        >>> copy.friends("a"), copy.referrer_of("c")
        (['b'], 'a')
        """
        keys = self._merged_keys()
        requests = sorted(self._requests.items())
        rights = sorted(self._rights.items())
        return {
            "schema": SCHEMA,
            "attribution": self._attribution,
            "window_us": None
            if self._window is None
            else self._window // timedelta(microseconds=1),
            "ids": self._ids.ids(),
            "since_us": self._since.copy(),
            "told": self._told.copy(),
            "friend_low": (keys >> _LOW_BITS).astype(np.int64),
            "friend_high": (keys & _LOW_MASK).astype(np.int64),
            "requests": [[i, j, when] for (i, j), when in requests],
            "rights": [[i, j, bits] for (i, j), bits in rights],
            "referrals": {
                "referrer": np.asarray(self._log_src, np.int64),
                "referee": np.asarray(self._log_dst, np.int64),
                "at_us": np.asarray(self._log_at, np.int64),
                "code": list(self._log_code),
                "channel": list(self._log_channel),
            },
            "credit": sorted([dst, row] for dst, row in self._credit.items()),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any], *, clock: Clock | None = None) -> ReferralGraph:
        """Rebuild a graph from :meth:`to_state`; ``InvalidInputError`` names any bad field.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> ReferralGraph.from_state({"schema": 2})
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: state.schema: expected 1, got 2
        """
        try:
            return _load(cls, state, clock)
        except InvalidInputError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as err:
            raise InvalidInputError(f"state: malformed ({type(err).__name__}: {err})") from None


# --------------------------------------------------------------------------------------------
# Kernels
# --------------------------------------------------------------------------------------------


def _blocks(cumulative: IntArray, budget: int) -> list[tuple[int, int]]:
    """Split rows into consecutive blocks whose cumulative work stays near ``budget``."""
    n = len(cumulative)
    bounds = []
    lo = 0
    while lo < n:
        base = int(cumulative[lo - 1]) if lo else 0
        hi = int(np.searchsorted(cumulative, base + budget, side="right"))
        hi = min(max(hi, lo + 1), n)
        bounds.append((lo, hi))
        lo = hi
    return bounds


def _check_model(model: object) -> None:
    if model not in ("independent_cascade", "linear_threshold"):
        raise InvalidInputError(
            f"model: expected 'independent_cascade' or 'linear_threshold', got {model!r}"
        )


def _heeded_friend(
    indptr: npt.NDArray[Any],
    nodes: IntArray,
    cumulative: FloatArray,
    rng: np.random.Generator,
) -> tuple[IntArray, IntArray]:
    """Linear threshold's live edges: each node heeds one entry of its row, or none.

    Entry ``j`` of a row is chosen with probability equal to its weight (Kempe et al.'s
    live-edge equivalence), found by one binary search in the running sum of the weights.
    """
    starts = indptr[nodes].astype(np.int64)
    ends = indptr[nodes + 1].astype(np.int64)
    before = np.where(starts > 0, cumulative[np.maximum(starts - 1, 0)], 0.0)
    target = before + rng.random(len(nodes))
    positions = np.searchsorted(cumulative, target, side="right")
    heeds = positions < ends
    return positions[heeds].astype(np.int64), np.flatnonzero(heeds)


def _independent_cascade(
    matrix: sp.csr_matrix,
    seeds: IntArray,
    probability: float | FloatArray,
    runs: int,
    limit: int,
    rng: np.random.Generator,
) -> tuple[BoolArray, IntArray]:
    n = matrix.shape[0]
    indptr, indices = matrix.indptr, matrix.indices
    active = np.zeros(runs * n, np.bool_)
    frontier = (np.arange(runs, dtype=np.int64)[:, None] * n + seeds[None, :]).reshape(-1)
    active[frontier] = True
    curve = [np.full(runs, len(seeds), np.int64)]
    step = 0
    while frontier.size and step < limit:
        run, node = np.divmod(frontier, n)
        positions, owner = _live_edges(indptr, node, probability, rng)
        keys = run[owner] * n + indices[positions]
        keys = keys[~active[keys]]
        frontier = _distinct(keys)
        if not frontier.size:
            break
        active[frontier] = True
        curve.append(curve[-1] + np.bincount(frontier // n, minlength=runs))
        step += 1
    return active, np.stack(curve, axis=1)


def _linear_threshold(
    matrix: sp.csr_matrix,
    seeds: IntArray,
    weights: float | FloatArray,
    runs: int,
    limit: int,
    rng: np.random.Generator,
) -> tuple[BoolArray, IntArray]:
    n = matrix.shape[0]
    indptr, indices = matrix.indptr, matrix.indices
    thresholds = rng.random(runs * n)
    pressure = np.zeros(runs * n)
    active = np.zeros(runs * n, np.bool_)
    frontier = (np.arange(runs, dtype=np.int64)[:, None] * n + seeds[None, :]).reshape(-1)
    active[frontier] = True
    curve = [np.full(runs, len(seeds), np.int64)]
    step = 0
    while frontier.size and step < limit:
        run, node = np.divmod(frontier, n)
        positions, owner = _gather(indptr, node)
        keys = run[owner] * n + indices[positions]
        weight = weights[positions] if isinstance(weights, np.ndarray) else weights
        pressure += np.bincount(
            keys, weights=np.broadcast_to(weight, keys.shape), minlength=runs * n
        )
        touched = _distinct(keys)
        touched = touched[~active[touched]]
        frontier = touched[pressure[touched] >= thresholds[touched]]
        if not frontier.size:
            break
        active[frontier] = True
        curve.append(curve[-1] + np.bincount(frontier // n, minlength=runs))
        step += 1
    return active, np.stack(curve, axis=1)


class _RRSampler:
    """Reverse-reachable sets of the independent cascade, drawn many at a time."""

    def __init__(
        self,
        matrix: sp.csr_matrix,
        weights: float | FloatArray,
        rng: np.random.Generator,
        progress: Progress,
        model: CascadeModel = "independent_cascade",
    ) -> None:
        self.matrix = matrix
        self.weights = weights
        self.rng = rng
        self.progress = progress
        self.model = model
        # Linear threshold: each row's weights laid end to end, to pick one friend per
        # member with a single binary search.
        self.cumulative: FloatArray | None = None
        if model == "linear_threshold":
            full = np.broadcast_to(np.asarray(weights, np.float64), (matrix.nnz,))
            self.cumulative = np.cumsum(full)
        self.n = matrix.shape[0]
        self.count = 0
        self.set_ids: list[IntArray] = []
        self.nodes: list[IntArray] = []

    def extend(self, target: int) -> None:
        n = self.n
        indptr, indices = self.matrix.indptr, self.matrix.indices
        batch_size = max(1, _VISITED_BUDGET // n)
        self.progress.retotal(max(target, self.count))
        # One scratch array for all batches, cleared entry by entry: RR sets are small.
        visited = np.zeros(min(batch_size, max(target - self.count, 1)) * n, np.bool_)
        while self.count < target:
            batch = min(batch_size, target - self.count)
            roots = self.rng.integers(0, n, batch)
            frontier = np.arange(batch, dtype=np.int64) * n + roots
            visited[frontier] = True
            members = [frontier]
            while frontier.size:
                sets, node = np.divmod(frontier, n)
                if self.cumulative is None:
                    positions, owner = _live_edges(indptr, node, self.weights, self.rng)
                else:
                    positions, owner = _heeded_friend(indptr, node, self.cumulative, self.rng)
                keys = sets[owner] * n + indices[positions]
                keys = keys[~visited[keys]]
                frontier = _distinct(keys)
                visited[frontier] = True
                members.append(frontier)
            found = np.concatenate(members)
            visited[found] = False
            self.set_ids.append(found // n + self.count)
            self.nodes.append(found % n)
            self.count += batch
            self.progress.advance(batch)

    def greedy(self, k: int, allowed: BoolArray) -> tuple[IntArray, float, IntArray]:
        """Max coverage: the k nodes covering most sets, the fraction covered, each gain."""
        set_ids = np.concatenate(self.set_ids)
        nodes = np.concatenate(self.nodes)
        by_set = sp.csr_matrix(
            (np.ones(len(nodes), np.bool_), (set_ids, nodes)), shape=(self.count, self.n)
        )
        by_node = by_set.tocsc()
        gain = np.diff(by_node.indptr).astype(np.int64)
        gain[~allowed] = -1
        covered = np.zeros(self.count, np.bool_)
        chosen = np.empty(k, np.int64)
        gains = np.empty(k, np.int64)
        for step in range(k):
            best = int(gain.argmax())
            chosen[step], gains[step] = best, gain[best]
            sets = by_node.indices[by_node.indptr[best] : by_node.indptr[best + 1]]
            sets = sets[~covered[sets]]
            covered[sets] = True
            positions, _ = _gather(by_set.indptr, sets.astype(np.int64))
            gain -= np.bincount(by_set.indices[positions], minlength=self.n)
            gain[best] = -1
        return chosen, float(covered.sum()) / self.count, gains


# --------------------------------------------------------------------------------------------
# State loading
# --------------------------------------------------------------------------------------------


def _array(state: Mapping[str, Any], name: str, kind: str, length: int | None) -> npt.NDArray[Any]:
    value = state.get(name)
    if not isinstance(value, np.ndarray) or value.ndim != 1 or value.dtype.kind not in kind:
        raise InvalidInputError(f"state.{name}: expected a 1-d numpy array of kind {kind!r}")
    if length is not None and len(value) != length:
        raise InvalidInputError(f"state.{name}: expected length {length}, got {len(value)}")
    return value


def _load(cls: type[ReferralGraph], state: Mapping[str, Any], clock: Clock | None) -> ReferralGraph:
    if not isinstance(state, Mapping):
        raise InvalidInputError(f"state: expected a dict, got {type(state).__name__}")
    if state.get("schema") != SCHEMA:
        raise InvalidInputError(f"state.schema: expected {SCHEMA}, got {state.get('schema')!r}")
    window_us = state.get("window_us")
    if window_us is not None:
        window_us = check_int(window_us, "state.window_us", low=1)
    attribution = state.get("attribution")
    graph = cls(
        attribution=attribution,  # type: ignore[arg-type]
        window=None if window_us is None else timedelta(microseconds=window_us),
        clock=clock or utc_now,
    )
    ids = state.get("ids")
    if not isinstance(ids, list):
        raise InvalidInputError("state.ids: expected a list")
    index = IdIndex(kind="member")
    if len(index.add_many(ids, "state.ids")) != len(ids) or len(index) != len(ids):
        raise InvalidInputError("state.ids: expected distinct ids")
    n = len(ids)
    since = _array(state, "since_us", "i", n).astype(np.int64)
    told = _array(state, "told", "b", n).astype(np.bool_)
    low = _array(state, "friend_low", "i", None).astype(np.int64)
    high = _array(state, "friend_high", "i", len(low)).astype(np.int64)
    if len(low) and not ((low >= 0).all() and (low < high).all() and (high < n).all()):
        raise InvalidInputError("state.friend_low: expected 0 <= low < high < len(ids)")
    keys = _pack(low, high)
    if len(keys) > 1 and not (np.diff(keys) > 0).all():
        raise InvalidInputError("state.friend_low: expected sorted, distinct friendships")
    graph._ids = index
    graph._since = since.copy()
    graph._told = told.copy()
    graph._keys = keys
    requests = state.get("requests")
    if not isinstance(requests, list):
        raise InvalidInputError("state.requests: expected a list")
    for row, item in enumerate(requests):
        i, j = (check_int(x, f"state.requests[{row}]", low=0) for x in item[:2])
        when = check_int(item[2], f"state.requests[{row}]")
        if len(item) != 3:
            raise InvalidInputError(f"state.requests[{row}]: expected [from, to, at_us]")
        if i >= n or j >= n or i == j or graph._has_key(graph._key(i, j)):
            raise InvalidInputError(
                f"state.requests[{row}]: expected a pending request between two non-friends"
            )
        graph._requests[(i, j)] = when
    rights = state.get("rights")
    if not isinstance(rights, list):
        raise InvalidInputError("state.rights: expected a list")
    for row, item in enumerate(rights):
        i, j, bits = (check_int(x, f"state.rights[{row}]", low=0) for x in item)
        if i >= n or j >= n or not graph._has_key(graph._key(i, j)) or i == j:
            raise InvalidInputError(f"state.rights[{row}]: not a friendship")
        if bits == 0 or bits & ~FriendRight.ALL.value:
            raise InvalidInputError(f"state.rights[{row}]: bad right bits {bits}")
        graph._rights[(i, j)] = bits
    _load_referrals(graph, state, n)
    return graph


def _load_referrals(graph: ReferralGraph, state: Mapping[str, Any], n: int) -> None:
    log = state.get("referrals")
    if not isinstance(log, Mapping):
        raise InvalidInputError("state.referrals: expected a dict")
    src = _array(log, "referrer", "i", None)
    dst = _array(log, "referee", "i", len(src))
    at = _array(log, "at_us", "i", len(src))
    if len(src) and not (
        (src >= 0).all() and (dst >= 0).all() and (src < n).all() and (dst < n).all()
    ):
        raise InvalidInputError("state.referrals: member index out of range")
    if (src == dst).any():
        raise InvalidInputError("state.referrals: self-referral")
    texts = {}
    for name in ("code", "channel"):
        values = log.get(name)
        if not isinstance(values, list) or len(values) != len(src):
            raise InvalidInputError(f"state.referrals.{name}: expected a list of {len(src)}")
        for row, value in enumerate(values):
            _check_text(value, f"state.referrals.{name}[{row}]")
        texts[name] = list(values)
    credit = state.get("credit")
    if not isinstance(credit, list):
        raise InvalidInputError("state.credit: expected a list")
    parent = np.full(n, -1, np.int64)
    for position, item in enumerate(credit):
        member, row = (check_int(x, f"state.credit[{position}]", low=0) for x in item)
        if row >= len(src) or int(dst[row]) != member or parent[member] >= 0:
            raise InvalidInputError(f"state.credit[{position}]: not a referral of that member")
        parent[member] = int(src[row])
        graph._credit[member] = row
    # Pointer doubling: after 2^bits > n jumps, only members on a ring still have an ancestor.
    for _ in range(max(n, 1).bit_length() + 1):
        parent = np.where(parent >= 0, parent[parent], -1)
    if (parent >= 0).any():
        raise InvalidInputError("state.credit: the referral credit forms a ring")
    graph._log_src = src.astype(np.int64).tolist()
    graph._log_dst = dst.astype(np.int64).tolist()
    graph._log_at = at.astype(np.int64).tolist()
    graph._log_code = texts["code"]
    graph._log_channel = texts["channel"]
