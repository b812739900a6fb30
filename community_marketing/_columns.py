"""Growable typed columns: the one amortized-append store behind every event log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["Columns", "grown"]


def grown(array: npt.NDArray[Any], size: int, fill: Any = 0) -> npt.NDArray[Any]:
    """``array`` with room for at least ``size`` rows (new rows hold ``fill``).

    Capacity grows geometrically so that n appends cost O(n) in all; the same
    array comes back when it is already large enough.
    """
    if len(array) >= size:
        return array
    new = np.full(max(size, 2 * len(array), 64), fill, array.dtype)
    new[: len(array)] = array
    return new


class Columns:
    """Parallel numpy columns of one length that grow by appending rows.

    Parameters
    ----------
    dtypes : mapping of str to dtype
        The columns, by name.
    fills : mapping of str to scalar, optional
        What a column holds in rows not yet written (0 by default).
    """

    __slots__ = ("_arrays", "_fills", "length")

    def __init__(self, dtypes: Mapping[str, Any], fills: Mapping[str, Any] | None = None) -> None:
        self._arrays = {name: np.zeros(0, dtype) for name, dtype in dtypes.items()}
        self._fills = dict(fills or {})
        self.length = 0

    def append(self, **columns: npt.ArrayLike) -> None:
        """Append rows: one array (or scalar) per column, all of one length."""
        n = len(np.atleast_1d(next(iter(columns.values()))))
        needed = self.length + n
        for name, array in self._arrays.items():
            self._arrays[name] = grown(array, needed, self._fills.get(name, 0))
        for name, values in columns.items():
            self._arrays[name][self.length : needed] = values
        self.length = needed

    def truncate(self, length: int) -> None:
        """Forget every row from ``length`` on (the undo of a failed append)."""
        self.length = min(self.length, length)

    def select(self, rows: npt.NDArray[np.bool_]) -> Columns:
        """A new ``Columns`` holding the rows where ``rows`` is True (this one unchanged)."""
        out = Columns({}, self._fills)
        out._arrays = {name: self[name][rows] for name in self._arrays}
        out.length = int(np.count_nonzero(rows))
        return out

    def names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(self._arrays)

    def nbytes(self) -> int:
        """Bytes held, spare capacity included."""
        return sum(array.nbytes for array in self._arrays.values())

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        return self._arrays[name][: self.length]

    def __len__(self) -> int:
        return self.length
