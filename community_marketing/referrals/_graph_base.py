"""The fields of the ReferralGraph face, the storage steps its sections share, and its state."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from datetime import timedelta
from typing import Any, Self

import attrs
import numpy as np
import scipy.sparse as sp

from .._ids import IdIndex, as_id_list, check_id
from .._time import Clock, ensure_timedelta, utc_now
from .._types import BoolArray, Int64Array
from ..errors import InvalidInputError
from . import _state
from ._edges import Friendships, compile_csr
from ._influence import reverse_positions
from ._referral_log import ReferralLog
from ._sparse import distinct
from ._values import Attribution

__all__ = ["GraphBase"]


@attrs.define(eq=False, repr=False)
class GraphBase:
    """What every section of :class:`ReferralGraph` reads: settings, clock, members, parts.

    The parts own the data (``_edges`` the friendships, ``_referrals`` the referral log);
    this class holds the members, the compiled CSR matrix and the steps that span parts.
    """

    _attribution: Attribution = attrs.field(default="first_touch", alias="attribution")
    _window: timedelta | None = attrs.field(default=None, alias="window")
    _clock: Clock = attrs.field(default=utc_now, alias="clock")
    _ids: IdIndex = attrs.field(init=False, factory=lambda: IdIndex(kind="member"))
    _since: Int64Array = attrs.field(init=False, factory=lambda: np.empty(0, np.int64))
    _told: BoolArray = attrs.field(init=False, factory=lambda: np.empty(0, np.bool_))
    _edges: Friendships = attrs.field(init=False, factory=Friendships)
    _referrals: ReferralLog = attrs.field(init=False)
    _csr: sp.csr_matrix | None = attrs.field(init=False, default=None)
    _transpose: Int64Array | None = attrs.field(init=False, default=None)

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
        window_us = None if self._window is None else self._window // timedelta(microseconds=1)
        self._referrals = ReferralLog(self._attribution, window_us)

    def _grow(self, when: int) -> None:
        size = len(self._ids)
        old = len(self._since)
        if size == old:
            return
        self._since = np.concatenate([self._since, np.full(size - old, when, np.int64)])
        self._told = np.concatenate([self._told, np.zeros(size - old, np.bool_)])
        self._changed()

    def _changed(self) -> None:
        """Forget the compiled matrix after a write (the next read compiles it again)."""
        self._csr = None
        self._transpose = None

    def _index(self, id: Hashable) -> int:
        return self._ids.index(id)

    def _add_one(self, id: object, field: str, when: int) -> int:
        index = self._ids.add(check_id(id, field), field)
        self._grow(when)
        return index

    def _seeds(self, seeds: Iterable[Hashable] | Hashable, field: str = "seeds") -> Int64Array:
        items = (
            [seeds]
            if isinstance(seeds, (str, bytes)) or not isinstance(seeds, (Iterable, np.ndarray))
            else as_id_list(seeds, field)
        )
        return distinct(self._ids.indices(items, field))

    def _matrix(self) -> sp.csr_matrix:
        csr = self._csr
        if csr is None:
            csr = self._csr = compile_csr(self._edges.merged_keys(), len(self._ids))
        return csr

    def _reverse_positions(self) -> Int64Array:
        cached = self._transpose
        if cached is None:
            cached = self._transpose = reverse_positions(self._matrix())
        return cached

    def _adopt(
        self,
        ids: IdIndex,
        since: Int64Array,
        told: BoolArray,
        edges: Friendships,
        referrals: ReferralLog,
    ) -> None:
        """Take over storage that ``_state.load`` has checked."""
        self._ids, self._since, self._told = ids, since, told
        self._edges, self._referrals = edges, referrals
        self._changed()

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
        return _state.dump(self._ids, self._since, self._told, self._edges, self._referrals)

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
            return _state.load(cls, state, clock)
        except InvalidInputError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as err:
            raise InvalidInputError(f"state: malformed ({type(err).__name__}: {err})") from None
