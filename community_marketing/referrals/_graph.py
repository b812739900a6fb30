"""ReferralGraph, the face: members, the clock and the compiled friend matrix, over the parts.

It checks arguments on entry and hands the work to the parts and the algorithm functions; its
public methods are written in three sections (``_graph_friends``, ``_graph_referrals``,
``_graph_spread``) over ``_graph_base``, which holds the fields, so that no file grows past what
a reader takes in at once.
"""

from __future__ import annotations

from ._graph_friends import FriendMethods
from ._graph_referrals import ReferralMethods
from ._graph_spread import SpreadMethods

__all__ = ["ReferralGraph"]


class ReferralGraph(FriendMethods, ReferralMethods, SpreadMethods):
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

    # The fields, __init__ and state live in GraphBase; the public methods in three sections.
    __slots__ = ()

    def __repr__(self) -> str:
        return (
            f"ReferralGraph(members={self._ids.count}, friendships={self.friendship_count}, "
            f"pending_requests={len(self._edges.requests)}, "
            f"referrals={len(self._referrals.credit)}, attribution={self._attribution!r})"
        )

    def __len__(self) -> int:
        """Number of members (everyone the graph has seen)."""
        return self._ids.count

    def __contains__(self, id: object) -> bool:
        return id in self._ids
