"""The consent log: numpy columns, one row per event, and the chains that link them.

Each event is a row in numpy columns (``seq``, contact, purpose/channel pair,
action, time, expiry, metadata); ``ConsentEvent`` objects are built only when
asked for. Each (contact, purpose, channel) key keeps a pointer to its latest
event and every event a pointer to the previous one of its chain, so the current
state is one gather and a past state ("was she opted in when we sent it?") a
short walk back.

Chains:

- a key chain per (contact, purpose, channel): grant, request, confirm, withdraw;
- per contact: suppressions, sends (for frequency caps) and preferences.
"""

from __future__ import annotations

import bisect
from typing import Final

import numpy as np

from .._time import NEVER
from .._types import BoolArray, Int8Array, Int16Array, Int32Array, Int64Array
from ._values import ConsentAction

ACTIONS: Final = tuple(ConsentAction)
A: Final = {action: np.int8(code) for code, action in enumerate(ACTIONS)}
GRANT, REQUEST, CONFIRM, WITHDRAW = (
    A[ConsentAction.GRANT],
    A[ConsentAction.REQUEST],
    A[ConsentAction.CONFIRM],
    A[ConsentAction.WITHDRAW],
)
SUPPRESS, UNSUPPRESS, ERASE, SENT, PREFERENCES = (
    A[ConsentAction.SUPPRESS],
    A[ConsentAction.UNSUPPRESS],
    A[ConsentAction.ERASE],
    A[ConsentAction.SENT],
    A[ConsentAction.PREFERENCES],
)
_OWN: Final = int(np.iinfo(np.int64).min)
"""A run of rows recorded at their own moments (``ts``)."""

TOMBSTONE: Final = np.int8(len(ACTIONS))
"""The action code of an erased row: it keeps its place in the chains, nothing personal."""


def action_table(*codes: np.int8) -> BoolArray:
    """A lookup table over action codes: ``table[actions]`` beats ``np.isin`` on big blocks."""
    table = np.zeros(len(ACTIONS) + 1, bool)
    table[list(codes)] = True
    return table


IS_KEY: Final = action_table(GRANT, REQUEST, CONFIRM, WITHDRAW)
IS_GRANT: Final = action_table(GRANT, CONFIRM)
IS_MARK: Final = action_table(SUPPRESS, UNSUPPRESS)

Moments = int | Int64Array
"""Microseconds since the epoch: one moment for all rows, or one per row."""


class Log:
    """Growable numpy columns, one row per event.

    ``seq`` and ``expires`` are materialized only once a row needs them: a live
    registry numbers rows in order (seq == row) and most grants never lapse, and at
    millions of events those columns would be a third of the memory. When each row
    was recorded is kept as runs of rows (a write records all its rows at one
    reading of the clock): a bulk import costs one run, not a column. The
    columns grow by an eighth rather than through ``_columns.grown`` (which
    doubles): a bulk load lands at its exact size, and the log is the registry's
    memory.
    """

    __slots__ = (
        "_expires",
        "_run_starts",
        "_run_values",
        "_runs",
        "_seq",
        "action",
        "contact",
        "meta",
        "n",
        "pair",
        "prev",
        "ts",
    )

    _EAGER = ("contact", "pair", "action", "ts", "prev", "meta")

    def __init__(self) -> None:
        self.n = 0
        self.contact: Int32Array = np.empty(0, np.int32)
        self.pair: Int16Array = np.empty(0, np.int16)
        self.action: Int8Array = np.empty(0, np.int8)
        self.ts: Int64Array = np.empty(0, np.int64)
        self.prev: Int32Array = np.empty(0, np.int32)
        self.meta: Int32Array = np.empty(0, np.int32)
        self._seq: Int64Array | None = None
        self._expires: Int64Array | None = None
        self._run_starts: list[int] = []
        self._run_values: list[int] = []
        self._runs: tuple[Int64Array, Int64Array] | None = None

    def _names(self) -> list[str]:
        lazy = [name for name in ("_seq", "_expires") if getattr(self, name) is not None]
        return [*self._EAGER, *lazy]

    def reserve(self, extra: int) -> None:
        """Room for ``extra`` more rows."""
        needed = self.n + extra
        capacity = len(self.ts)
        if needed <= capacity:
            return
        # Grow by an eighth at least: bulk loads land at their exact size, trickles amortize,
        # and the copy's peak stays small next to the log itself.
        capacity = max(needed, capacity + capacity // 8, 16)
        for name in self._names():
            old = getattr(self, name)
            new = np.empty(capacity, old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def _materialize(self, name: str, fill: Int64Array) -> Int64Array:
        column = np.empty(len(self.ts), np.int64)
        column[: self.n] = fill
        setattr(self, name, column)
        return column

    def write_seq(self, start: int, values: Int64Array) -> None:
        """Seqs of rows ``start:start+len(values)``."""
        if self._seq is None and _is_range(values, start):
            return
        column = self._seq
        if column is None:
            column = self._materialize("_seq", np.arange(start, dtype=np.int64))
        column[start : start + len(values)] = values

    def write_seq_range(self, start: int, end: int, first: int) -> None:
        """Seqs ``first, first + 1, ...`` for rows ``start:end``."""
        if self._seq is None and first == start:
            return
        column = self._seq
        if column is None:
            column = self._materialize("_seq", np.arange(start, dtype=np.int64))
        column[start:end] = np.arange(first, first + end - start)

    def write_expires(self, start: int, end: int, values: int | Int64Array) -> None:
        """Expiry moments of rows ``start:end`` (``NEVER``: does not lapse)."""
        column = self._expires
        if column is None:
            if np.all(np.asarray(values) == NEVER):
                return
            column = self._materialize("_expires", np.full(start, NEVER, np.int64))
        column[start:end] = values

    def write_recorded(self, start: int, end: int, values: int | Int64Array) -> None:
        """When rows ``start:end`` were recorded (UTC microseconds), beside their ``ts``.

        Rows recorded at their own moment are the default and cost nothing; other
        rows are kept as runs of equal values (one per write on the live path).
        """
        last = self._run_values[-1] if self._run_values else _OWN
        given = np.broadcast_to(np.asarray(values, np.int64), (end - start,))
        own = given == self.ts[start:end]
        if own.all():
            marked = np.full(1, _OWN, np.int64)
        elif np.ndim(values) == 0 and not own.any():
            marked = np.full(1, int(values), np.int64)  # one write, one run: no column
        else:
            marked = np.where(own, _OWN, given)
        if len(marked) == 1 and int(marked[0]) == last:
            return
        changes = np.flatnonzero(marked[1:] != marked[:-1]) + 1
        for first in [0, *changes.tolist()]:
            value = int(marked[first])
            if not self._run_values or self._run_values[-1] != value:
                self._run_starts.append(start + first)
                self._run_values.append(value)
        self._runs = None

    def _run_arrays(self) -> tuple[Int64Array, Int64Array]:
        if self._runs is None:
            self._runs = (
                np.array(self._run_starts, np.int64),
                np.array(self._run_values, np.int64),
            )
        return self._runs

    def recorded(self, rows: Int64Array | Int32Array | slice) -> Int64Array:
        """When ``rows`` were recorded (their own moment, unless written later or earlier)."""
        if not self.has_recorded:
            return self.ts[rows]
        positions = np.arange(self.n)[rows] if isinstance(rows, slice) else np.asarray(rows)
        starts, values = self._run_arrays()
        run = np.searchsorted(starts, positions, side="right") - 1
        found = np.where(run >= 0, values[np.maximum(run, 0)], _OWN)
        return np.where(found == _OWN, self.ts[positions], found)

    @property
    def has_recorded(self) -> bool:
        """Whether some row was recorded at another moment than its own."""
        return any(value != _OWN for value in self._run_values)

    def recorded_one(self, row: int) -> int:
        """``recorded`` of one row."""
        run = bisect.bisect_right(self._run_starts, row) - 1
        value = self._run_values[run] if run >= 0 else _OWN
        return int(self.ts.item(row)) if value == _OWN else value

    def truncate_runs(self, n: int) -> None:
        """Forget the runs of rows from ``n`` on (they were never written)."""
        while self._run_starts and self._run_starts[-1] >= n:
            self._run_starts.pop()
            self._run_values.pop()
        self._runs = None

    def seq(self, rows: Int64Array | Int32Array | slice) -> Int64Array:
        """The seqs of ``rows``."""
        if self._seq is not None:
            return self._seq[rows]
        if isinstance(rows, slice):
            return np.arange(*rows.indices(self.n), dtype=np.int64)
        return np.asarray(rows, np.int64)

    def expires(self, rows: Int64Array | Int32Array) -> Int64Array:
        """The expiry moments of ``rows``."""
        if self._expires is None:
            return np.full(len(rows), NEVER, np.int64)
        return self._expires[rows]

    def expires_one(self, row: int) -> int:
        """The expiry moment of one row (the scalar path's read, no array built)."""
        return NEVER if self._expires is None else int(self._expires.item(row))

    def nbytes(self) -> int:
        """Bytes held, spare capacity included (the runs of ``recorded`` are a few)."""
        columns: int = sum(getattr(self, name).nbytes for name in self._names())
        return columns + 16 * len(self._run_starts)

    def as_of(self, rows: Int32Array, at: Moments) -> Int32Array:
        """Walk each chain back from ``rows`` to its latest event at or before ``at``."""
        moments = broadcast(at, len(rows))
        rows = rows.copy()
        live = np.flatnonzero(rows >= 0)
        while live.size:
            late = live[self.ts[rows[live]] > moments[live]]
            if not late.size:
                break
            rows[late] = self.prev[rows[late]]
            live = late[rows[late] >= 0]
        return rows

    def as_of_one(self, row: int, at: int) -> int:
        """``as_of`` for one chain: the scalar path's walk, without arrays."""
        ts, prev = self.ts, self.prev
        while row >= 0 and ts.item(row) > at:
            row = prev.item(row)
        return row


def _is_range(values: Int64Array, start: int) -> bool:
    return bool(len(values) == 0 or (values == np.arange(start, start + len(values))).all())


def broadcast(at: Moments, n: int) -> Int64Array:
    """``at`` as ``n`` moments (a read-only view when it is one moment)."""
    return np.broadcast_to(np.asarray(at, np.int64), (n,))


def gather(heads: Int32Array, cidx: Int64Array) -> Int32Array:
    """``heads[cidx]`` with -1 for unknown contacts (-1) and contacts newer than the heads."""
    inside = (cidx >= 0) & (cidx < len(heads))
    out = np.full(len(cidx), -1, np.int32)
    out[inside] = heads[cidx[inside]]
    return out


def head_of(heads: Int32Array, contact: int) -> int:
    """``gather`` for one contact index (>= 0)."""
    return heads.item(contact) if contact < len(heads) else -1
