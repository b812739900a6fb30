"""ReferralGraph's friendship section: members, friend requests and links, rights."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from .._ids import as_id_list, check_id
from .._time import resolve_at, to_micros
from .._types import Int64Array
from ..errors import InvalidInputError
from . import _centrality
from ._edges import check_right, map_pairs, split_pairs
from ._graph_base import GraphBase
from ._values import FriendRight

__all__ = ["FriendMethods"]


class FriendMethods(GraphBase):
    """The public methods of :class:`ReferralGraph` about members, friends and rights."""

    __slots__ = ()

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
        i, j = self._ids.get(a), self._ids.get(b)
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
        when = to_micros(resolve_at(at, self._clock))
        check_id(a, "a")
        check_id(b, "b")
        if a == b:
            raise InvalidInputError(f"b: a member cannot befriend themself, got {b!r} twice")
        i = self._add_one(a, "a", when)
        j = self._add_one(b, "b", when)
        answer = self._edges.request(i, j, when)
        if answer == "accepted":
            self._changed()
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
        return self._ids.ids_at(self._edges.askers(self._index(id)))

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
        del self._edges.requests[(i, j)]
        self._edges.link(i, j)
        self._changed()

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
        del self._edges.requests[(i, j)]

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
        if not self._edges.unlink(self._index(a), self._index(b)):
            return False
        self._changed()
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
        left, right = split_pairs(first, second)
        size = len(self._ids)
        try:
            i, j = map_pairs(self._ids, left, right)
        except BaseException:
            self._ids.truncate(size)
            raise
        self._grow(when)
        added = self._edges.add_many(i, j)
        self._changed()
        return added

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
        csr = self._matrix()
        return self._ids.ids_at(csr.indices[csr.indptr[i] : csr.indptr[i + 1]])

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
        i, j = self._index(owner), self._index(friend)
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
        return self._ids.ids_at(self._edges.granted_to(self._index(owner), right))

    def _pending(self, b: Hashable, a: Hashable) -> tuple[int, int]:
        j, i = self._index(b), self._index(a)
        if (i, j) not in self._edges.requests:
            raise InvalidInputError(f"a: no pending friendship request from {a!r} to {b!r}")
        return i, j

    def _friend_pair(self, owner: Hashable, friend: Hashable) -> tuple[int, int]:
        i, j = self._index(owner), self._index(friend)
        if i == j or not self._edges.are_friends(i, j):
            raise InvalidInputError(f"friend: {friend!r} is not a friend of {owner!r}")
        return i, j
