"""ReferralGraph's referral section: recording, attribution, trees, counts, fraud flags, K."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy.typing as npt

from .._checks import check_int, check_optional_text
from .._ids import as_id_list, check_id
from .._time import ensure_aware, ensure_timedelta, resolve_at, to_micros
from ..errors import InvalidInputError, ReferralRejectedError
from . import _fraud, _growth
from ._graph_base import GraphBase
from ._values import Referral, ReferralFlag, ReferralTree, ViralCoefficient

__all__ = ["ReferralMethods"]


class ReferralMethods(GraphBase):
    """The public methods of :class:`ReferralGraph` about who brought whom."""

    __slots__ = ()

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
            texts[name] = [check_optional_text(v, f"{name}[{row}]") for row, v in enumerate(values)]
        if at is None or isinstance(at, datetime):
            moments = [resolve_at(at, self._clock)] * count
        else:
            moments = [ensure_aware(value, f"at[{row}]") for row, value in enumerate(at)]
            if len(moments) != count:
                raise InvalidInputError(f"at: expected {count} timestamps, got {len(moments)}")
        return self._record(sources, targets, moments, texts["codes"], texts["channels"])

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
        parent = self._referrals.parent(self._index(id))
        return None if parent < 0 else self._ids.id_at(parent)

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
        rows = self._referrals.credited_rows(self._index(id))
        return [self._referrals.referral(row, self._ids) for row in rows]

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
        return [self._referrals.referral(row, self._ids) for row in range(len(self._referrals))]

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
        return self._ids.ids_at(self._referrals.chain(self._index(id)))

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
        order, parents, depths = self._referrals.tree(self._index(root))
        members = tuple(self._ids.ids_at(order))
        referrers = tuple(None if p < 0 else self._ids.id_at(p) for p in parents)
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
        test: Callable[[Hashable], bool] | None = None
        if qualified is not None:
            if callable(qualified):
                test = qualified
            elif isinstance(qualified, Collection):
                test = qualified.__contains__
            else:
                raise InvalidInputError(
                    "qualified: expected a callable or a collection, "
                    f"got {type(qualified).__name__}"
                )
        order, counts = self._referrals.counts(self._ids, test)
        return dict(zip(self._ids.ids_at(order), counts.tolist(), strict=True))

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
        return _fraud.suspicious_referrals(self._referrals, self._ids, burst, span)

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
        return _growth.viral_coefficient(self._since, at, low, high, start, invitations)

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
        size, rows = len(self._ids), len(self._referrals)
        undo: list[tuple[int, int, int | None]] = []
        done = []
        for row, item in enumerate(zip(sources, targets, moments, codes, channels, strict=True)):
            try:
                done.append(self._record_one(*item, undo))
            except ReferralRejectedError as error:
                self._undo_records(size, rows, undo)
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
        src, dst = self._ids.get(referrer), self._ids.get(referee)
        since = int(self._since[dst]) if dst >= 0 and bool(self._told[dst]) else None
        attributed = self._referrals.admit(referrer, referee, src, dst, when, since, self._ids)
        src = self._add_one(referrer, "referrer", when)
        dst = self._add_one(referee, "referee", when)
        undo.append((dst, int(self._since[dst]), self._referrals.credit.get(dst)))
        self._since[dst] = min(int(self._since[dst]), when)
        self._referrals.append(src, dst, when, code, channel, attributed)
        return Referral(referrer, referee, moment, code, channel, attributed)

    def _undo_records(self, size: int, rows: int, undo: list[tuple[int, int, int | None]]) -> None:
        """Put members and the log back as they were before a rejected call."""
        for member, since, _ in reversed(undo):
            self._since[member] = since
        self._referrals.undo(rows, [(member, credit) for member, _, credit in undo])
        self._ids.truncate(size)
        self._since, self._told = self._since[:size].copy(), self._told[:size].copy()
        self._changed()
