"""Niches: what each community of the friend graph favours, where it lives, and who may hear.

A brand that stops addressing one mass target looks for the communities its customers form
(:meth:`ReferralGraph.communities`) and, in each, what sets it apart: the items its members
hold far more often than everyone does (lift), the regions where it gathers, and how many of
its members the consent registry lets the brand contact. :func:`niche_audiences` turns the
question around: which communities love this item most.

Lift is the association-rule measure of Brin, Motwani, Ullman & Tsur (1997), "Dynamic
itemset counting and implication rules for market basket data", SIGMOD: for community ``c``
and item ``i``, ``lift = P(i | c) / P(i)`` where ``P(i | c)`` is the share of the community's
members known to the recommender who hold ``i`` (any interaction) and ``P(i)`` the share of
all the recommender's users who do. 1.0 means no preference; 3.0, three times the usual rate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from ._checks import check_int, check_text
from ._display import short
from ._frames import frame, html_table
from ._time import Clock, resolve_at
from ._types import Float64Array, Int64Array
from .errors import InvalidInputError, UnknownIdError
from .groups import FanGroup
from .optin import OptInRegistry
from .recommend import Recommender
from .referrals import Communities

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["Niche", "niche_audiences", "niches"]


@attrs.frozen(slots=True, eq=False)
class Niche:
    """One community seen as a market: its favourite items, its regions, its reachable members.

    Attributes
    ----------
    community : int
        The community's label in the :class:`~community_marketing.Communities` it came from.
    size : int
        Its members.
    items : tuple
        The items it favours most, highest lift first (ties: more holders first).
    lift : numpy.ndarray of float64, shape (len(items),)
        ``P(item | community) / P(item)`` of each (see the module notes).
    holders : numpy.ndarray of int64, shape (len(items),)
        How many of its members hold each item.
    regions : tuple of (value, int)
        The values of the group attribute most of its members have, with their counts,
        most first (empty without a group).
    allowed : int or None
        How many of its members the registry allows for the purpose and channel at the
        moment asked (None without a registry).

    Examples
    --------
    >>> Niche(0, 4, ("jam",), np.array([2.0]), np.array([2]), (("Lyon", 3),), 2).items
    ('jam',)
    """

    community: int
    size: int
    items: tuple[Hashable, ...] = attrs.field(repr=short)
    lift: Float64Array = attrs.field(repr=short)
    holders: Int64Array = attrs.field(repr=short)
    regions: tuple[tuple[Hashable, int], ...] = attrs.field(repr=short)
    allowed: int | None = None

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """One row per favoured item: ``item``, ``lift``, ``holders``.

        Examples
        --------
        >>> niche = Niche(0, 4, ("jam",), np.array([2.0]), np.array([2]), (), None)
        >>> niche.to_columns()["lift"].tolist()
        [2.0]
        """
        return {
            "item": np.fromiter(self.items, object, len(self.items)),
            "lift": np.asarray(self.lift, np.float64),
            "holders": np.asarray(self.holders, np.int64),
        }

    def to_frame(self) -> pandas.DataFrame:
        """``to_columns`` as a pandas DataFrame (needs pandas)."""
        return frame(self.to_columns())

    def _repr_html_(self) -> str:
        regions = ", ".join(f"{value} ({count})" for value, count in self.regions)
        return html_table(
            f"community {self.community}: {self.size} members, {self.allowed} allowed, "
            f"regions {regions or '-'}",
            ["item", "lift", "holders"],
            zip(self.items, (f"{x:.2f}" for x in self.lift), self.holders.tolist(), strict=True),
        )


def niches(
    communities: Communities,
    *,
    recommender: Recommender,
    group: FanGroup | None = None,
    attribute: str = "region",
    registry: OptInRegistry | None = None,
    purpose: str | None = None,
    channel: str | None = None,
    at: datetime | None = None,
    clock: Clock | None = None,
    top: int = 5,
    min_holders: int = 2,
    min_size: int = 1,
    min_members: int = 0,
) -> list[Niche]:
    """Each community as a niche: favourite items by lift, strongest regions, members allowed.

    Parameters
    ----------
    communities : Communities
        From :meth:`ReferralGraph.communities`.
    recommender : Recommender
        Its interactions give who holds what; it must have been fitted on (or given)
        interactions.
    group : FanGroup, optional
        Gives each member's ``attribute`` for ``regions``; only the group's members count.
    attribute : str, default "region"
        The member attribute whose values are the regions ("city", "region"...).
    registry : OptInRegistry, optional
        Counts the members it allows for ``purpose`` and ``channel`` at ``at``.
    purpose, channel : str, optional
        Required with ``registry``.
    at : datetime, optional
        When the consent is asked; now (``clock``, else the registry's clock) by default.
    clock : callable, optional
        Where "now" comes from when ``at`` is None.
    top : int, default 5
        Items and regions kept per niche.
    min_holders : int, default 2
        An item counts for a community only if at least this many members hold it (one
        holder in a small community gives a large, meaningless lift).
    min_size : int, default 1
        Communities smaller than this are left out.
    min_members : int, default 0
        Regions with fewer members than this are left out of ``regions`` (small cells
        identify people), as :meth:`FanGroup.hotspots` hides them; give ``min_size`` the same
        value so that a small community's items and consent count stay hidden too.

    Returns
    -------
    list of Niche
        By community label (largest community first).

    Raises
    ------
    InvalidInputError
        For a bad argument, a recommender without interactions, or a registry without
        ``purpose`` and ``channel``.

    Examples
    --------
    >>> from community_marketing import Interactions, Recommender, ReferralGraph
    >>> graph = ReferralGraph()
    >>> _ = graph.add_friendships([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"),
    ...                            ("d", "e"), ("e", "f"), ("d", "f")])
    >>> found = graph.communities(random_state=0)
    >>> data = Interactions.from_triples(["a", "b", "c", "d", "e", "f", "f"],
    ...                                 ["jam", "jam", "tea", "tea", "tea", "tea", "jam"])
    >>> model = Recommender.from_factors(list("abcdef"), ["jam", "tea"], [[1.0]] * 6,
    ...                                  [[1.0], [1.0]], interactions=data)
    >>> [(n.community, n.items, n.lift.round(2).tolist()) for n in niches(found,
    ...                                                                   recommender=model)]
    [(0, ('jam',), [1.33]), (1, ('tea',), [1.5])]
    """
    top = check_int(top, "top", low=0)
    min_holders = check_int(min_holders, "min_holders", low=1)
    min_size = check_int(min_size, "min_size", low=1)
    min_members = check_int(min_members, "min_members", low=0)
    lift, counts, items = _lift_table(communities, recommender, group)
    regions = _region_counts(communities, group, check_text(attribute, "attribute"))
    allowed = _allowed_counts(communities, registry, purpose, channel, at, clock)
    found = []
    for label in np.flatnonzero(communities.sizes >= min_size).tolist():
        row_lift, row_counts = lift[label], counts[label]
        keep = np.flatnonzero(row_counts >= min_holders)
        order = keep[np.lexsort((-row_counts[keep], -row_lift[keep]))][:top]
        found.append(
            Niche(
                community=label,
                size=int(communities.sizes[label]),
                items=tuple(items[i] for i in order.tolist()),
                lift=row_lift[order],
                holders=row_counts[order].astype(np.int64),
                regions=_shown(regions[label], min_members, top) if regions else (),
                allowed=None if allowed is None else int(allowed[label]),
            )
        )
    return found


def niche_audiences(
    item: Hashable,
    *,
    communities: Communities,
    recommender: Recommender,
    n: int = 3,
    min_holders: int = 2,
) -> list[tuple[int, float]]:
    """The communities that love ``item`` most: ``(label, lift)``, highest lift first.

    Parameters
    ----------
    item : hashable
        An item the recommender knows.
    communities : Communities
        From :meth:`ReferralGraph.communities`.
    recommender : Recommender
        Its interactions give who holds what.
    n : int, default 3
        How many communities.
    min_holders : int, default 2
        A community counts only if at least this many of its members hold ``item``.

    Returns
    -------
    list of (int, float)
        Community labels with their lift for ``item`` (see :mod:`community_marketing.niches`);
        plan inside one with ``plan_campaign(..., communities=, community=label)``.

    Raises
    ------
    UnknownIdError
        If the recommender does not know ``item``.
    InvalidInputError
        For a bad argument or a recommender without interactions.

    Examples
    --------
    >>> from community_marketing import Interactions, Recommender, ReferralGraph
    >>> graph = ReferralGraph()
    >>> _ = graph.add_friendships([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"),
    ...                            ("d", "e"), ("e", "f"), ("d", "f")])
    >>> found = graph.communities(random_state=0)
    >>> data = Interactions.from_triples(["a", "b", "c", "d", "e", "f", "f"],
    ...                                 ["jam", "jam", "tea", "tea", "tea", "tea", "jam"])
    >>> model = Recommender.from_factors(list("abcdef"), ["jam", "tea"], [[1.0]] * 6,
    ...                                  [[1.0], [1.0]], interactions=data)
    >>> niche_audiences("tea", communities=found, recommender=model, min_holders=1)
    [(1, 1.5), (0, 0.5)]
    """
    n = check_int(n, "n", low=0)
    min_holders = check_int(min_holders, "min_holders", low=1)
    lift, counts, items = _lift_table(communities, recommender, None)
    column = _item_index(items, item)
    keep = np.flatnonzero(counts[:, column] >= min_holders)
    order = keep[np.lexsort((keep, -counts[keep, column], -lift[keep, column]))][:n]
    return [(int(label), float(lift[label, column])) for label in order.tolist()]


def _item_index(items: list[Hashable], item: Hashable) -> int:
    try:
        return items.index(item)
    except ValueError:
        raise UnknownIdError("item", item) from None


def _lift_table(
    communities: Communities, recommender: Recommender, group: FanGroup | None
) -> tuple[Float64Array, Float64Array, list[Hashable]]:
    """Lift and holder counts, communities by items (dense), and the item ids."""
    if not isinstance(communities, Communities):
        raise InvalidInputError(
            f"communities: expected a Communities, got {type(communities).__name__}"
        )
    if not isinstance(recommender, Recommender):
        raise InvalidInputError(
            f"recommender: expected a Recommender, got {type(recommender).__name__}"
        )
    if group is not None and not isinstance(group, FanGroup):
        raise InvalidInputError(f"group: expected a FanGroup, got {type(group).__name__}")
    state = recommender.to_state()
    parts = state.get("user_items")
    if parts is None:
        raise InvalidInputError("recommender: has no interactions to tell who holds what")
    users, items = recommender.user_ids_, recommender.item_ids_
    held = sp.csr_array(
        (np.ones(parts["data"].size), parts["indices"], parts["indptr"]),
        shape=(len(users), len(items)),
    )
    label_of = dict(zip(communities.ids, communities.labels.tolist(), strict=True))
    members = None if group is None else set(group.members())
    labels = np.array(
        [label_of.get(u, -1) if members is None or u in members else -1 for u in users],
        dtype=np.int64,
    )
    counted = labels >= 0
    k = communities.count
    indicator = sp.csr_array(
        (np.ones(int(counted.sum())), (labels[counted], np.flatnonzero(counted))),
        shape=(k, len(users)),
    )
    counts = np.asarray((indicator @ held).toarray(), dtype=np.float64)
    known = np.bincount(labels[counted], minlength=k).astype(np.float64)
    overall = np.asarray(held.sum(axis=0), dtype=np.float64) / max(len(users), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = counts / known[:, None]
        lift = np.where(overall > 0, rate / overall, 0.0)
    return np.nan_to_num(lift), counts, list(items)


def _region_counts(
    communities: Communities, group: FanGroup | None, attribute: str
) -> list[Counter[Hashable]] | None:
    """Per community, how many of its group members have each value of ``attribute``."""
    if group is None:
        return None
    regions: list[Counter[Hashable]] = [Counter() for _ in range(communities.count)]
    members = set(group.members())
    for member, label in zip(communities.ids, communities.labels.tolist(), strict=True):
        if member in members:
            value = group.attributes_of(member).get(attribute)
            if value is not None:
                regions[label][value] += 1
    return regions


def _allowed_counts(
    communities: Communities,
    registry: OptInRegistry | None,
    purpose: str | None,
    channel: str | None,
    at: datetime | None,
    clock: Clock | None,
) -> Int64Array | None:
    """Per community, how many members the registry allows for ``purpose`` on ``channel``."""
    if registry is None:
        return None
    if not isinstance(registry, OptInRegistry):
        raise InvalidInputError(f"registry: expected an OptInRegistry, got {type(registry)}")
    if purpose is None or channel is None:
        raise InvalidInputError("purpose: a registry needs a purpose and a channel to ask about")
    if clock is not None and not callable(clock):
        raise InvalidInputError(f"clock: expected a callable, got {type(clock).__name__}")
    moment = resolve_at(at, clock if clock is not None else registry.clock)
    allowed = set(registry.check_many(list(communities.ids), purpose, channel, at=moment)
                  .allowed_contacts())  # fmt: skip
    flags = np.fromiter((m in allowed for m in communities.ids), bool, len(communities.ids))
    return np.bincount(communities.labels[flags], minlength=communities.count)


def _shown(
    counts: Counter[Hashable], min_members: int, top: int
) -> tuple[tuple[Hashable, int], ...]:
    """The ``top`` largest regions of at least ``min_members`` members."""
    return tuple((value, n) for value, n in counts.most_common() if n >= min_members)[:top]
