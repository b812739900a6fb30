"""The registry's lock and clock: one reading of the clock per write, taken under the lock.

Every row a write appends is recorded at that reading, and "now" (``at=None``) inside
the write means the same moment, so concurrent writers never see each other go back
in time and live rows cost no ``recorded`` column. Reads read the clock themselves and
take no lock, except the multi-row ones (``export``, ``history``, ``events``), which
take it so that they never see half of a bulk write.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from .._time import Clock, ensure_aware, from_micros, resolve_at, to_micros
from ._store import Store


class Session:
    """The lock, the clock, and the reading of the clock of the write under way.

    Parameters
    ----------
    clock : callable
        Returns the current aware datetime.
    store : Store
        Whose ``wall`` (the write's reading) this session sets.
    """

    __slots__ = ("clock", "lock", "store", "writer")

    def __init__(self, clock: Clock, store: Store) -> None:
        self.clock = clock
        self.store = store
        self.lock = threading.RLock()
        self.writer: int | None = None

    @contextmanager
    def write(self) -> Iterator[None]:
        """Hold the lock; a write that raises leaves the store as it found it."""
        store = self.store
        with self.lock, store.undo_on_error():
            if store.wall is not None:
                yield
                return
            store.wall = to_micros(resolve_at(None, self.clock))
            self.writer = threading.get_ident()
            try:
                yield
            finally:
                store.wall = None
                self.writer = None

    def now(self) -> datetime:
        """Now: the write's own reading while this thread writes, else the clock's."""
        wall = self.store.wall
        if wall is not None and self.writer == threading.get_ident():
            return from_micros(wall)
        return resolve_at(None, self.clock)

    def micros(self, at: object) -> int:
        """``at`` checked, or now, in UTC microseconds (one clock call on the read path)."""
        if at is not None:
            return to_micros(ensure_aware(at, "at"))
        wall = self.store.wall
        if wall is not None and self.writer == threading.get_ident():
            return wall
        return to_micros(ensure_aware(self.clock(), "clock()"))
