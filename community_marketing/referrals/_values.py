"""The value types of referrals: rights, referrals, flags, growth and cascade results."""

from __future__ import annotations

import enum
from collections.abc import Hashable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import attrs
import numpy as np
import numpy.typing as npt

from .._checks import check_int
from .._display import short
from .._frames import columns_html, frame, html_table, labelled
from .._types import Float64Array, Int64Array
from ..errors import InvalidInputError, UnknownIdError

if TYPE_CHECKING:
    import pandas

__all__ = [
    "Attribution",
    "CascadeModel",
    "CascadeResult",
    "Communities",
    "CommunityMethod",
    "FriendRight",
    "GrowthProjection",
    "InfluenceMethod",
    "Influencers",
    "Referral",
    "ReferralFlag",
    "ReferralTree",
    "ViralCoefficient",
]

Attribution = Literal["first_touch", "last_touch", "window"]
"""How a referee's single referrer is chosen when several people referred them."""

CascadeModel = Literal["independent_cascade", "linear_threshold"]
"""The word-of-mouth model of :meth:`ReferralGraph.simulate_cascade`."""

InfluenceMethod = Literal["degree", "pagerank", "cascade"]

CommunityMethod = Literal["leiden", "louvain", "components"]
"""How :meth:`ReferralGraph.communities` groups members."""

DEFAULT_PROBABILITY = 0.05
"""The per-friendship activation probability of the independent cascade when none is given.

One default for :meth:`ReferralGraph.simulate_cascade`, :meth:`ReferralGraph.influencers`
(``method="cascade"``) and :func:`community_marketing.plan_campaign`.
"""


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
    >>> print(rights)
    see_online|see_on_map
    """

    NONE = 0
    SEE_ONLINE = 1 << 0
    SEE_ON_MAP = 1 << 1
    MODIFY_OBJECTS = 1 << 2
    ALL = (1 << 3) - 1

    def __str__(self) -> str:
        """The lowercase names joined by ``|``: ``remove|moderate``."""
        return (self.name or "none").lower()

    def __format__(self, spec: str) -> str:
        """The lowercase names, formatted as a str."""
        return format(str(self), spec)


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
    members: tuple[Hashable, ...] = attrs.field(repr=short)
    referrers: tuple[Hashable, ...] = attrs.field(repr=short)
    depths: tuple[int, ...] = attrs.field(repr=short)

    @property
    def size(self) -> int:
        """Number of people in the tree, root included."""
        return len(self.members)

    def children(self, id: Hashable) -> list[Hashable]:
        """The people ``id`` referred directly, in breadth-first order."""
        return [m for m, r in zip(self.members, self.referrers, strict=True) if r == id]

    def _repr_html_(self) -> str:
        return columns_html(f"Referral tree of {self.root}", self.to_columns())

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """One row per person, breadth first: ``member``, ``referrer``, ``depth``.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralTree
        >>> ReferralTree("ann", ("ann", "bob"), (None, "ann"), (0, 1)).to_columns()["depth"]
        array([0, 1])
        """
        n = len(self.members)
        return {
            "member": np.fromiter(self.members, object, n),
            "referrer": np.fromiter(self.referrers, object, n),
            "depth": np.array(self.depths, dtype=np.int64),
        }

    def to_frame(self, labels: Mapping[Hashable, object] | None = None) -> pandas.DataFrame:
        """``to_columns`` as a pandas DataFrame (needs pandas); ``labels`` names the people."""
        return frame(labelled(self.to_columns(), labels))


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
    users: Float64Array = attrs.field(repr=short)
    limit: float

    def _repr_html_(self) -> str:
        return columns_html(f"Growth projection, K = {self.k}", self.to_columns())

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """One row per cycle: ``cycle`` (0 is the start) and expected ``users``.

        Examples
        --------
        >>> from community_marketing.referrals import project_growth
        >>> project_growth(0.5, 2, 100).to_columns()["cycle"]
        array([0, 1, 2])
        """
        return {
            "cycle": np.arange(len(self.users), dtype=np.int64),
            "users": np.asarray(self.users, np.float64),
        }

    def to_frame(self) -> pandas.DataFrame:
        """``to_columns`` as a pandas DataFrame (needs pandas)."""
        return frame(self.to_columns())


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

    seeds: tuple[Hashable, ...] = attrs.field(repr=short)
    model: str
    runs: int
    mean: float
    std: float
    reach: Int64Array = attrs.field(repr=short)
    activation_probability: Float64Array = attrs.field(repr=short)
    steps: Float64Array = attrs.field(repr=short)
    ids: tuple[Hashable, ...] = attrs.field(repr=short)

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """Each member's activation probability: ``member``, ``activation_probability``.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b")])
        >>> result = graph.simulate_cascade(["a"], probability=1.0, runs=2, random_state=0)
        >>> result.to_columns()["activation_probability"].tolist()
        [1.0, 1.0]
        """
        return {
            "member": np.fromiter(self.ids, object, len(self.ids)),
            "activation_probability": np.asarray(self.activation_probability, np.float64),
        }

    def to_frame(self, labels: Mapping[Hashable, object] | None = None) -> pandas.DataFrame:
        """``to_columns`` as a pandas DataFrame (needs pandas); ``labels`` names the members."""
        return frame(labelled(self.to_columns(), labels))

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
                    ", ".join(f"{x:.0f}" for x in self.steps[:8])
                    + (f", … {self.steps.size - 8} more" if self.steps.size > 8 else ""),
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
        For ``"cascade"``: the estimated expected reach of the seed set (seeds included):
        the share of the sets the seeds cover, times the members. The greedy is scored on
        the sets it chose from, so it runs a little high (1-2% on the benchmarks' graphs;
        3.3 where 3 seeds reach only themselves among 200 members at p = 0); for an
        unbiased figure, run ``simulate_cascade`` on the seeds.
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

    ids: tuple[Hashable, ...] = attrs.field(repr=short)
    scores: Float64Array = attrs.field(repr=short)
    method: str
    expected_spread: float | None = None
    samples: int = 0

    def _repr_html_(self) -> str:
        return columns_html(f"Influencers by {self.method}", self.to_columns())

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """The seeds best first: ``member``, ``rank`` (from 1), ``score``.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("hub", x) for x in "abcd"])
        >>> graph.influencers(1).to_columns()
        {'member': array(['hub'], dtype=object), 'rank': array([1]), 'score': array([4.])}
        """
        n = len(self.ids)
        return {
            "member": np.fromiter(self.ids, object, n),
            "rank": np.arange(1, n + 1, dtype=np.int64),
            "score": np.asarray(self.scores, np.float64),
        }

    def to_frame(self, labels: Mapping[Hashable, object] | None = None) -> pandas.DataFrame:
        """``to_columns`` as a pandas DataFrame (needs pandas); ``labels`` names the members.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("hub", x) for x in "abcd"])
        >>> graph.influencers(1).to_frame(labels={"hub": "Ann"})["member_name"].tolist()
        ['Ann']
        """
        return frame(labelled(self.to_columns(), labels))


def _read_only(values: Any) -> Int64Array:
    """An int64 copy nobody can write to (a frozen value's arrays stay as they were)."""
    array: Int64Array = np.array(values, dtype=np.int64)
    array.flags.writeable = False
    return array


def _positions(instance: Communities) -> dict[Hashable, int]:
    return {id: row for row, id in enumerate(instance.ids)}


@attrs.frozen(slots=True, eq=False)
class Communities:
    """A partition of a graph's members into communities, from :meth:`ReferralGraph.communities`.

    Labels are ``0..count-1``, the largest community first (ties: the one whose first member
    came first); every member has exactly one.

    Attributes
    ----------
    ids : tuple
        Every member, in the graph's row order.
    labels : numpy.ndarray of int64, shape (len(ids),)
        The community of each member, aligned with ``ids``.
    sizes : numpy.ndarray of int64, shape (count,)
        Members per community, by label (non-increasing).
    modularity : float
        Newman-Girvan modularity of the partition at ``resolution`` (``networkx``'s
        definition; 0.0 without links).
    method : str
        ``"leiden"``, ``"louvain"`` or ``"components"``.
    resolution : float
        The resolution the partition was sought at (1.0: classic modularity).
    backend : str
        Who found it: ``"scipy"`` (the default install), ``"igraph"``, or ``"components"``.

    Examples
    --------
    >>> from community_marketing.referrals import ReferralGraph
    >>> graph = ReferralGraph()
    >>> _ = graph.add_friendships([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"),
    ...                            ("d", "e"), ("e", "f"), ("d", "f")])
    >>> found = graph.communities(random_state=0)
    >>> found.count, found.sizes.tolist(), round(found.modularity, 4)
    (2, [3, 3], 0.3571)
    >>> found.members_of(found.label_of("e"))
    ['d', 'e', 'f']
    """

    ids: tuple[Hashable, ...] = attrs.field(repr=short)
    labels: Int64Array = attrs.field(repr=short, converter=_read_only)
    sizes: Int64Array = attrs.field(repr=short, converter=_read_only)
    modularity: float
    method: str
    resolution: float = 1.0
    backend: str = "scipy"
    _position: dict[Hashable, int] = attrs.field(
        init=False, repr=False, default=attrs.Factory(_positions, takes_self=True)
    )

    def __eq__(self, other: object) -> bool:
        """The same members, labels and settings (the arrays compared by value)."""
        if not isinstance(other, Communities):
            return NotImplemented
        return (
            self.ids == other.ids
            and np.array_equal(self.labels, other.labels)
            and (self.modularity, self.method, self.resolution, self.backend)
            == (other.modularity, other.method, other.resolution, other.backend)
        )

    __hash__ = None  # type: ignore[assignment]

    @property
    def count(self) -> int:
        """How many communities."""
        return int(self.sizes.size)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[list[Hashable]]:
        """Each community's members (row order), by label: largest first."""
        return iter(self.groups())

    def groups(self) -> list[list[Hashable]]:
        """Each community's members in row order, by label (largest first).

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b"), ("c", "d"), ("d", "e")])
        >>> graph.communities(method="components").groups()
        [['c', 'd', 'e'], ['a', 'b']]
        """
        order = np.argsort(self.labels, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(self.sizes)]).tolist()
        return [
            [self.ids[row] for row in order[bounds[label] : bounds[label + 1]].tolist()]
            for label in range(self.count)
        ]

    def members_of(self, label: int) -> list[Hashable]:
        """The members of community ``label``, in row order.

        Raises
        ------
        InvalidInputError
            If ``label`` is not an int in ``[0, count)``.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b"), ("c", "d"), ("d", "e")])
        >>> graph.communities(method="components").members_of(1)
        ['a', 'b']
        """
        label = check_int(label, "label", low=0, high=max(self.count - 1, 0))
        if self.count == 0:
            raise InvalidInputError("label: the partition has no communities")
        return [self.ids[row] for row in np.flatnonzero(self.labels == label).tolist()]

    def label_of(self, id: Hashable) -> int:
        """The community of member ``id``.

        Raises
        ------
        UnknownIdError
            If ``id`` is not a member of the partition.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b"), ("c", "d"), ("d", "e")])
        >>> graph.communities(method="components").label_of("a")
        1
        """
        try:
            row = self._position[id]
        except (KeyError, TypeError):
            raise UnknownIdError("member", id) from None
        return int(self.labels[row])

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """One row per member: ``member``, ``community`` (its label), in row order.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b"), ("c", "d"), ("d", "e")])
        >>> graph.communities(method="components").to_columns()["community"].tolist()
        [1, 1, 0, 0, 0]
        """
        return {
            "member": np.fromiter(self.ids, object, len(self.ids)),
            "community": np.asarray(self.labels, np.int64),
        }

    def to_frame(self, labels: Mapping[Hashable, object] | None = None) -> pandas.DataFrame:
        """``to_columns`` as a pandas DataFrame (needs pandas); ``labels`` names the members.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b")])
        >>> graph.communities(method="components").to_frame()["community"].tolist()
        [0, 0]
        """
        return frame(labelled(self.to_columns(), labels))

    def _repr_html_(self) -> str:
        groups = self.groups()
        return html_table(
            f"{self.count} {self.method} communities of {len(self.ids)} members, "
            f"modularity {self.modularity:.4f}",
            ["community", "members", "first members"],
            [[label, len(group), short(tuple(group))] for label, group in enumerate(groups)],
        )
