"""ReferralGraph, the face: checks arguments, owns the clock, delegates to the parts.

Each public method checks its arguments, resolves the clock, and calls the parts that own the
data (``Members``, ``Friendships``, ``ReferralLog``) or the algorithm functions over the compiled
friend matrix (reach, centrality, communities, cascades, influence, growth, fraud); this file
holds no algorithm. There is no lock: reads are safe concurrently, writes need the caller's.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Self

import attrs
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from .._checks import check_float, check_int, check_optional_text, check_probability, generator
from .._erased import Removed
from .._frames import column, text_column
from .._ids import as_id_list, check_id
from .._imports import ImportReport, OnError, check_on_error
from .._leiden import Backend
from .._persist import copied, pickle_reduce, state_from_bytes, state_to_bytes
from .._progress import Progress, ShowProgress, check_show_progress
from .._time import (
    MAX_MICROS,
    MIN_MICROS,
    Clock,
    ensure_aware,
    ensure_timedelta,
    resolve_at,
    to_micros,
    utc_now,
)
from .._types import Float64Array, Int64Array
from ..errors import InvalidInputError
from . import _centrality, _communities, _erasure, _fraud, _growth, _reach, _state
from ._cascades import MAX_RUNS, cascade_weights, check_model, run_cascades
from ._communities import MAX_RESOLUTION
from ._edges import Friendships, check_right, import_friendships, split_pairs
from ._influence import cascade_seeds, top_ranked
from ._members import Members
from ._referral_log import (
    ReferralLog,
    check_moments,
    check_qualified,
    check_rows,
    check_texts,
    import_referrals,
    record,
)
from ._values import (
    Attribution,
    CascadeModel,
    CascadeResult,
    Communities,
    CommunityMethod,
    FriendRight,
    InfluenceMethod,
    Influencers,
    Referral,
    ReferralFlag,
    ReferralTree,
    ViralCoefficient,
)

__all__ = ["ReferralGraph"]


@attrs.define(init=False, repr=False, eq=False)
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

    _clock: Clock
    _members: Members
    _edges: Friendships
    _referrals: ReferralLog

    def __init__(
        self,
        attribution: Attribution = "first_touch",
        window: timedelta | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._referrals = ReferralLog.checked(attribution, window)
        if not callable(clock):
            raise InvalidInputError(f"clock: expected a callable, got {type(clock).__name__}")
        self._clock = clock
        self._members = Members()
        self._edges = Friendships()

    # ---------------------------------------------------------------- steps the methods share

    def _now(self, at: object) -> int:
        return to_micros(resolve_at(at, self._clock))

    def _matrix(self) -> sp.csr_matrix:
        return self._members.matrix(self._edges)

    def _reverse_positions(self) -> Int64Array:
        return self._members.reverse_positions(self._edges)

    def _friend_pair(self, owner: Hashable, friend: Hashable) -> tuple[int, int]:
        i, j = self._members.index(owner), self._members.index(friend)
        return self._edges.check_friends(i, j, owner, friend)

    def __repr__(self) -> str:
        return (
            f"ReferralGraph(members={self._members.ids.count}, "
            f"friendships={self.friendship_count}, "
            f"pending_requests={len(self._edges.requests)}, "
            f"referrals={len(self._referrals.credit)}, "
            f"attribution={self._referrals.attribution!r})"
        )

    def __len__(self) -> int:
        """Number of members (everyone the graph has seen)."""
        return self._members.ids.count

    def __contains__(self, id: object) -> bool:
        return id in self._members.ids

    # ---------------------------------------------------------------- members and friends

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
        return self._members.ids.ids()

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
        when = self._now(at)
        return self._members.declare(as_id_list(ids, "ids"), when)

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
        return self._edges.count()

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
        i, j = self._members.ids.get(a), self._members.ids.get(b)
        if i < 0 or j < 0 or i == j:
            return False
        return self._edges.are_friends(i, j)

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
        when = self._now(at)
        check_id(a, "a")
        check_id(b, "b")
        if a == b:
            raise InvalidInputError(f"b: a member cannot befriend themself, got {b!r} twice")
        i = self._members.add_one(a, "a", when)
        j = self._members.add_one(b, "b", when)
        answer = self._edges.request(i, j, when)
        if answer == "accepted":
            self._members.changed()
        return answer

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
        ids = self._members.ids
        return ids.ids_at(self._edges.askers(ids.index(id)))

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
        j, i = self._members.index(b), self._members.index(a)
        self._edges.take_request(i, j, a, b)
        self._edges.link(i, j)
        self._members.changed()

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
        j, i = self._members.index(b), self._members.index(a)
        self._edges.take_request(i, j, a, b)

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
        if not self._edges.unlink(self._members.index(a), self._members.index(b)):
            return False
        self._members.changed()
        return True

    def add_friendships(
        self,
        first: Iterable[Any] | npt.NDArray[Any],
        second: Iterable[Hashable] | npt.NDArray[Any] | None = None,
        *,
        at: datetime | None = None,
        on_error: OnError = "raise",
    ) -> int | ImportReport:
        """Bulk-load friendships already accepted elsewhere (an import).

        Parameters
        ----------
        first : sequence of pairs, (m, 2) array, or sequence of ids
            Pairs ``(a, b)``; or, with ``second``, the first end of each link.
        second : sequence of ids, optional
            The other end of each link, as long as ``first``.
        at : datetime, optional
            When new members joined (the clock's now by default).
        on_error : {"raise", "skip"}, default "raise"
            ``"raise"``: all or nothing. ``"skip"``: add the good links and report the
            refused ones (a self-loop, a bad id, a row that is no pair).

        Returns
        -------
        int or ImportReport
            How many friendships were new; with ``on_error="skip"`` an
            :class:`~community_marketing.ImportReport` (``written``: that number; each
            refused row's position, pair and reason).

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
        >>> graph.add_friendships([(5, 6), (7, 7), "userID"], on_error="skip").refused
        [(1, (7, 7), 'self-loop on 7 ...'), (2, 'userID', "expected a pair ...")]
        """
        if check_on_error(on_error) == "skip":
            return import_friendships(self.add_friendships, first, second, at)
        when = self._now(at)
        left, right = split_pairs(first, second)
        i, j = self._members.add_pairs(left, right, when)
        added = self._edges.add_many(i, j)
        self._members.changed()
        return added

    def add_friendships_from(
        self,
        table: object,
        *,
        first: str,
        second: str,
        at: datetime | None = None,
        on_error: OnError = "raise",
    ) -> int | ImportReport:
        """Bulk-load friendships from two named columns of a table (``add_friendships``).

        Parameters
        ----------
        table : DataFrame or mapping of str to array
            A pandas, polars or pyarrow table, or a dict of arrays, read by column name.
        first, second : str
            The columns holding the two ends of each link.
        at : datetime, optional
            When new members joined (the clock's now by default).
        on_error : {"raise", "skip"}, default "raise"
            As in :meth:`add_friendships`: ``"skip"`` loads the good rows and reports the
            refused ones.

        Returns
        -------
        int or ImportReport
            How many friendships were new (an ``ImportReport`` with ``on_error="skip"``).

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> table = {"userID": [2, 2, 3], "friendID": [3, 4, 4]}
        >>> ReferralGraph().add_friendships_from(table, first="userID", second="friendID")
        3
        >>> ReferralGraph().add_friendships(table)
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: first: got a table; read its two ...
        """
        left, right = column(table, first, "first"), column(table, second, "second")
        return self.add_friendships(left, right, at=at, on_error=on_error)

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
        return self._matrix(), self._members.ids.ids()

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
        ids = self._members.ids
        i = ids.index(id)
        csr = self._members.matrix(self._edges)
        return ids.ids_at(csr.indices[csr.indptr[i] : csr.indptr[i + 1]])

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
        i = self._members.index(id)
        indptr = self._matrix().indptr
        return int(indptr[i + 1] - indptr[i])

    def degrees(self) -> Int64Array:
        """Number of friends of every member, in the order of ``ids()``.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b"), ("c", "a")])
        >>> graph.degrees().tolist()
        [2, 1, 1]
        """
        return _centrality.degrees(self._matrix())

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
        right = check_right(right)
        self._edges.grant(self._friend_pair(owner, friend), right)

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
        right = check_right(right)
        self._edges.revoke(self._friend_pair(owner, friend), right)

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
        i, j = self._members.index(owner), self._members.index(friend)
        return self._edges.granted(i, j)

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
        right = check_right(right)
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
        right = check_right(right)
        ids = self._members.ids
        return ids.ids_at(self._edges.granted_to(ids.index(owner), right))

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
            member through ``add_members`` before ``at``) or ``"ring"`` (the credit would
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
        code = check_optional_text(code, "code")
        channel = check_optional_text(channel, "channel")
        moment = resolve_at(at, self._clock)
        row = (referrer, referee, moment, code, channel)
        return record(self._referrals, self._members, [row], bulk=False)[0]

    def record_referrals(
        self,
        referrers: Iterable[Hashable] | npt.NDArray[Any],
        referees: Iterable[Hashable] | npt.NDArray[Any],
        *,
        at: datetime | Sequence[datetime] | npt.NDArray[Any] | np.datetime64 | None = None,
        codes: Sequence[str | None] | None = None,
        channels: Sequence[str | None] | None = None,
        on_error: OnError = "raise",
    ) -> list[Referral] | ImportReport:
        """Record many referrals in order, all or nothing (the bulk form of ``record_referral``).

        Parameters
        ----------
        referrers, referees : sequences of hashable
            Who referred whom, row by row (same length).
        at : datetime, sequence of datetime or datetime64, optional
            One time for all, or one per row (the clock's now by default); numpy
            ``datetime64`` is read as UTC.
        codes, channels : sequences of str or None, optional
            One per row (a single str is refused, not split into letters).
        on_error : {"raise", "skip"}, default "raise"
            ``"raise"``: all or nothing. ``"skip"``: record the good rows in order and
            report the rejected ones.

        Returns
        -------
        list of Referral or ImportReport
            One per row, in order; with ``on_error="skip"`` an
            :class:`~community_marketing.ImportReport` whose ``values`` are the referrals
            recorded and whose ``refused`` name each rejected ``(referrer, referee)``.

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
        >>> report = graph.record_referrals(["eve", "dan"], ["fay", "ann"], on_error="skip")
        >>> report.written, report.refused[0][:2]
        (1, (1, ('dan', 'ann')))
        """
        if check_on_error(on_error) == "skip":
            return import_referrals(self.record_referrals, referrers, referees, at, codes, channels)
        sources = as_id_list(referrers, "referrers")
        targets = as_id_list(referees, "referees")
        count = check_rows(sources, targets)
        code_column = check_texts(codes, count, "codes")
        channel_column = check_texts(channels, count, "channels")
        if at is None or isinstance(at, datetime):
            moments = [resolve_at(at, self._clock)] * count
        else:
            moments = check_moments(at, count)
        rows = zip(sources, targets, moments, code_column, channel_column, strict=True)
        return record(self._referrals, self._members, rows)

    def record_referrals_from(
        self,
        table: object,
        *,
        referrer: str,
        referee: str,
        at: str | None = None,
        code: str | None = None,
        channel: str | None = None,
        on_error: OnError = "raise",
    ) -> list[Referral] | ImportReport:
        """Record referrals from named columns of a table (``record_referrals``).

        Parameters
        ----------
        table : DataFrame or mapping of str to array
            A pandas, polars or pyarrow table, or a dict of arrays, read by column name.
        referrer, referee : str
            The columns of who referred whom.
        at, code, channel : str, optional
            The columns of times (aware datetimes or ``datetime64``, read as UTC), codes
            and channels; the clock's now and no code or channel when omitted.
        on_error : {"raise", "skip"}, default "raise"
            As in :meth:`record_referrals`: ``"skip"`` records the good rows and reports
            the refused ones.

        Returns
        -------
        list of Referral, or ImportReport
            An ``ImportReport`` (its ``values`` the referrals) with ``on_error="skip"``.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> table = {"from": ["ann", "bob"], "to": ["bob", "cid"]}
        >>> len(graph.record_referrals_from(table, referrer="from", referee="to"))
        2
        >>> graph.referral_chain("cid")
        ['cid', 'bob', 'ann']
        """
        return self.record_referrals(
            column(table, referrer, "referrer"),
            column(table, referee, "referee"),
            at=None if at is None else column(table, at, "at"),
            codes=None if code is None else text_column(table, code, "code"),
            channels=None if channel is None else text_column(table, channel, "channel"),
            on_error=on_error,
        )

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
        parent = self._referrals.parent(self._members.index(id))
        return None if parent < 0 else self._members.ids.id_at(parent)

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
        rows = self._referrals.credited_rows(self._members.index(id))
        return [self._referrals.referral(row, self._members.ids) for row in rows]

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
        log, ids = self._referrals, self._members.ids
        return [log.referral(row, ids) for row in range(len(log))]

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
        ids = self._members.ids
        return ids.ids_at(self._referrals.chain(ids.index(id)))

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
        ids = self._members.ids
        order, parents, depths = self._referrals.tree(ids.index(root))
        members = tuple(ids.ids_at(order))
        referrers = tuple(None if p < 0 else ids.id_at(p) for p in parents)
        return ReferralTree(root, members, referrers, tuple(depths))

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
        test = check_qualified(qualified)
        ids = self._members.ids
        order, counts = self._referrals.counts(ids, test)
        return dict(zip(ids.ids_at(order), counts.tolist(), strict=True))

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
        # No two moments lie further apart than the representable range: a longer window
        # means the same as that range, and keeps ``at + window`` inside int64.
        span = min(
            ensure_timedelta(window, "window") // timedelta(microseconds=1),
            MAX_MICROS - MIN_MICROS,
        )
        return _fraud.suspicious_referrals(self._referrals, self._members.ids, burst, span)

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
        _, _, at = self._referrals.attributed()
        return _growth.viral_coefficient(self._members.since, at, low, high, start, invitations)

    # ---------------------------------------------------------------- word of mouth

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
        i = self._members.index(id)
        if n is not None:
            n = check_int(n, "n", low=0)
        found, counts = _reach.friends_of_friends(self._matrix(), i, n)
        return list(zip(self._members.ids.ids_at(found), counts.tolist(), strict=True))

    def reach(self, seeds: Iterable[Hashable] | Hashable, *, hops: int = 2) -> int:
        """How many distinct people are within ``hops`` friendships of ``seeds`` (seeds included).

        ``seeds`` is an id, an iterable of ids, or an :meth:`influencers` result.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b"), ("b", "c"), ("c", "d")])
        >>> graph.reach(["a"], hops=1), graph.reach(["a"], hops=2), graph.reach(["a", "d"], hops=1)
        (2, 3, 4)
        >>> graph.reach(graph.influencers(1), hops=1)
        3
        """
        hops = check_int(hops, "hops", low=0)
        return _reach.reach(self._matrix(), self._members.seeds(seeds), hops)

    def reach_all(self, *, hops: int = 2, show_progress: ShowProgress = False) -> Int64Array:
        """:meth:`reach` of every member alone, in the order of ``ids()``, vectorized.

        Rows are processed in blocks, so memory stays bounded. For ``hops=2`` a hub (a member
        with some ``n / 512`` friends or more) is a bitset of the ``n`` members, OR-ed 64 members
        per word into the bitset of each of its friends, where a breadth-first search (igraph's
        ``neighborhood_size``) would visit the hub's friends once per friend; the other
        friends' circles are scattered into the same bitset and a popcount gives the count.
        Members with no hub as a friend, and other ``hops``, take sparse boolean products.

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
        csr = self._matrix()
        with Progress(show_progress, csr.shape[0], "reach") as progress:
            return _reach.reach_all(csr, hops, progress)

    def pagerank(
        self, *, damping: float = 0.85, tol: float = 1e-10, max_iter: int = 1000
    ) -> Float64Array:
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
        damping = check_probability(damping, "damping", zero=True)
        tol = check_float(tol, "tol", low=0.0)
        max_iter = check_int(max_iter, "max_iter", low=1)
        return _centrality.pagerank(self._matrix(), damping, tol, max_iter)

    def communities(
        self,
        method: CommunityMethod = "leiden",
        *,
        resolution: float = 1.0,
        random_state: int | np.random.Generator | None = None,
        backend: Backend = "auto",
    ) -> Communities:
        """Communities of the friend graph: groups of members more linked inside than chance.

        ``"leiden"`` (Traag, Waltman & van Eck 2019) maximises modularity and returns only
        connected communities; ``"louvain"`` (Blondel et al. 2008) is its predecessor, which
        may return a community held together by a member outside it; ``"components"`` are
        the connected components (a community per island, however loosely linked).
        Every member is in one community: a member without friends is a community alone.

        Parameters
        ----------
        method : {"leiden", "louvain", "components"}, default "leiden"
            How to group.
        resolution : float, default 1.0
            Modularity's resolution, in ``[0, 1e6]``: above 1 finds smaller communities,
            below 1 larger ones (every member is alone long before 1e6); ``"components"``
            uses it only in ``modularity``.
        random_state : int or numpy.random.Generator, optional
            Seeds the search; the same seed gives the same partition on one backend.
        backend : {"auto", "scipy", "igraph"}, default "auto"
            ``"scipy"``: the vectorized implementation of the default install;
            ``"igraph"``: igraph's Leiden in C (the ``communities`` extra), several times
            faster on large graphs (docs/benchmarks.md); ``"auto"``: igraph when installed,
            else scipy. The partition says which ran (``Communities.backend``).

        Returns
        -------
        Communities
            A label per member, the largest community first, with its modularity.

        Raises
        ------
        InvalidInputError
            For an unknown method or backend, a negative or non-finite resolution, a bad
            ``random_state``, or ``backend="igraph"`` without igraph installed.

        See Also
        --------
        community_marketing.niches : what each community favours, where, and who may hear.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> cliques = [(f"{c}{i}", f"{c}{j}") for c in "xy" for i in range(5)
        ...            for j in range(i + 1, 5)]
        >>> _ = graph.add_friendships([*cliques, ("x0", "y0")])
        >>> graph.communities(random_state=0).sizes.tolist()
        [5, 5]
        >>> graph.communities(method="components").sizes.tolist()
        [10]
        """
        _communities.check(method, backend)
        resolution = check_float(resolution, "resolution", low=0.0, high=MAX_RESOLUTION)
        rng = generator(random_state)
        ids = self._members.ids.ids()
        return _communities.communities(self._matrix(), ids, method, resolution, rng, backend)

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
            expected cascade spread by reverse-reachable sets (IMM, Tang, Shi and Xiao 2015:
            the sample size follows from ``epsilon``, with the usual ``1 - 1/e - epsilon``
            guarantee). When one member holds at least 1% of the first sets drawn, it is
            chosen first and later sets stop at it (a sentinel, as in HIST, Guo et al. 2020):
            on power-law graphs the few sets that reach a hub hold nearly all members, and
            under the independent cascade long walks head for it, fewest friendships away
            first (which changes where they stop, not what they hold). The
            greedy's ``1 - 1/e`` is then checked against an upper bound on the best coverage
            (OPIM-C's, Tang et al. 2018), and no later seed may cover more than it; if either
            fails, the sets are drawn again whole (``samples`` then counts both draws).
        probability : float or array, optional
            For ``"cascade"``, as in :meth:`simulate_cascade`: under the independent cascade
            the activation probability per friendship (``DEFAULT_PROBABILITY``, 0.05, when
            omitted); under linear
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
            For ``"cascade"``: cap on the reverse-reachable sets of one draw.
        random_state : int, Generator or None
            For ``"cascade"``: the same seed gives the same choice.
        candidates : iterable of ids, optional
            Choose seeds only among these members (spread still counts everyone reached).
            For ``"cascade"``, IMM's union bound then runs over the seed sets of candidates
            only, so fewer sets are drawn for the same guarantee.
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
        allowed = self._members.allowed(candidates)
        n = int(np.count_nonzero(allowed))
        if k > n:
            raise InvalidInputError(f"k: expected at most {n} (the candidates), got {k}")
        if not isinstance(method, str) or method not in ("degree", "pagerank", "cascade"):
            raise InvalidInputError(
                f"method: expected 'degree', 'pagerank' or 'cascade', got {method!r}"
            )
        ids = self._members.ids
        if method == "cascade":
            check_model(model)
            with Progress(show_progress, 0, "reverse-reachable sets") as progress:
                epsilon = check_float(epsilon, "epsilon", low=1e-6, high=1.0)
                max_samples = check_int(max_samples, "max_samples", low=1)
                chosen, gains, spread, samples = cascade_seeds(
                    self._matrix(),
                    k,
                    probability,
                    model,
                    epsilon,
                    max_samples,
                    random_state,
                    allowed,
                    progress,
                    self._reverse_positions,
                    ids,
                )
                return Influencers(tuple(ids.ids_at(chosen)), gains, "cascade", spread, samples)
        with Progress(show_progress, 1, method) as progress:
            scores = (
                _centrality.degrees(self._matrix()).astype(np.float64)
                if method == "degree"
                else self.pagerank()
            )
            top = top_ranked(scores, allowed, k)
            progress.advance()
        return Influencers(tuple(ids.ids_at(top)), scores[top], method)

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
        seeds : id, iterable of ids, or Influencers
            Who starts talking (an :meth:`influencers` result is read as its ``ids``).
        probability : float or array, optional
            Independent cascade: the chance that an activated member convinces each friend
            (scalar, or per edge in the order of ``adjacency()`` entries, row activates
            column); ``DEFAULT_PROBABILITY`` (0.05) when omitted, as in :meth:`influencers`
            and ``plan_campaign``. Linear threshold: the weight of each friend's influence;
            ``None`` means ``1 / degree`` of the influenced member; incoming weights must sum
            to at most 1.
        runs : int, default 100
            Number of simulated runs (all advanced together, step by step), at most
            10,000,000.
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
        >>> graph.simulate_cascade(graph.influencers(1), runs=10, random_state=0).seeds
        (0,)
        >>> # Each leaf's only friend is the hub, so under linear threshold all follow it.
        >>> graph.simulate_cascade([0], model="linear_threshold", runs=10, random_state=0).mean
        50.0
        """
        start = self._members.seeds(seeds)
        runs = check_int(runs, "runs", low=1, high=MAX_RUNS)
        show_progress = check_show_progress(show_progress)
        if max_steps is not None:
            max_steps = check_int(max_steps, "max_steps", low=0)
        check_model(model)
        csr = self._matrix()
        ids = self._members.ids
        rng = generator(random_state)
        weights = cascade_weights(csr, model, probability, ids)
        limit = max_steps if max_steps is not None else csr.shape[0] + 1
        with Progress(show_progress, runs, "cascade runs") as progress:
            reach, hits, steps = run_cascades(
                csr, start, weights, model, runs, limit, rng, progress, self._reverse_positions
            )
        return CascadeResult(
            seeds=tuple(ids.ids_at(start)),
            model=model,
            runs=runs,
            mean=float(reach.mean()),
            std=float(reach.std()),
            reach=reach,
            activation_probability=hits / runs,
            steps=steps,
            ids=tuple(ids.ids()),
        )

    # ---------------------------------------------------------------- state

    def erase(self, id: Hashable, *, at: datetime | None = None) -> Removed:
        """Erase ``id`` from the graph (GDPR Art. 17); a receipt of what went.

        Its row, friendships, pending requests, rights and referrals (given or received) and
        their codes go; a referrer's count loses that referral. A keyed fingerprint of the
        id stays (in :meth:`to_state` too): adding it again, one by one or in a bulk import,
        raises ``ConsentRequiredError`` until :func:`community_marketing.readmit`. An
        unknown id gives an empty receipt and is suppressed all the same. Writes need the
        caller's lock.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> graph.add_friendships([("ann", "bob"), ("bob", "cid")])
        2
        >>> graph.erase("bob").to_dict()["removed"]["friendships"]
        2
        >>> graph.ids()
        ['ann', 'cid']
        """
        check_id(id, "id")
        return _erasure.plan(self, id, to_micros(resolve_at(at, self._clock))).apply()

    @property
    def erasure_key(self) -> bytes:
        """The secret key of the erased ids' fingerprints (kept in :meth:`to_state`)."""
        return self._members.erased.key

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
        return _state.dump(self._members, self._edges, self._referrals)

    @classmethod
    def from_state(cls, state: Mapping[str, Any], *, clock: Clock | None = None) -> Self:
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
            attribution, window = _state.settings(state)
            graph = cls(attribution, window, clock or utc_now)
            graph._members, graph._edges = _state.load(state, graph._referrals)
        except InvalidInputError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as err:
            raise InvalidInputError(f"state: malformed ({type(err).__name__}: {err})") from None
        return graph

    def to_bytes(self) -> bytes:
        """The whole graph as one compact blob, built from :meth:`to_state` (no files).

        JSON for the tree and ``numpy.save`` for the arrays, zipped: reading it back
        runs no code, unlike a pickle. The clock is not in it.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> graph = ReferralGraph()
        >>> _ = graph.add_friendships([("a", "b")])
        >>> ReferralGraph.from_bytes(graph.to_bytes()).friends("a")
        ['b']
        """
        return state_to_bytes(self.to_state())

    @classmethod
    def from_bytes(cls, data: bytes, *, clock: Clock | None = None) -> Self:
        """Rebuild a graph from :meth:`to_bytes`; ``InvalidInputError`` for anything else.

        Examples
        --------
        >>> from community_marketing.referrals import ReferralGraph
        >>> ReferralGraph.from_bytes(b"nope")
        Traceback (most recent call last):
        ...
        community_marketing.errors.InvalidInputError: data: expected the bytes of to_bytes()
        """
        return cls.from_state(state_from_bytes(data), clock=clock)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as ``from_state(to_state(), clock=...)``: a clock that cannot pickle is named."""
        return pickle_reduce(type(self).from_state, self.to_state(), clock=self._clock)

    def __copy__(self) -> Self:
        """An independent graph with the same edges and referrals, sharing the clock."""
        return copied(type(self).from_state, self.to_state(), None, clock=self._clock)

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        """As ``copy.copy``: the state copied, the clock shared."""
        return copied(type(self).from_state, self.to_state(), memo, clock=self._clock)
