"""The contribution ledger: points per kind, reputation, counts, activity and leaderboards.

Every contribution is a row of a growable columnar log (member, kind, weight, at); per-person
totals are kept beside it so reputation and leaderboards read one column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from .._checks import check_int, check_text
from .._columns import Columns, grown
from .._ids import IdIndex, as_id_list
from .._types import Int16Array, Int32Array, Int64Array
from ..errors import InvalidInputError
from ._values import INT32_MAX, MAX_COUNT, NEVER


def grown_rows(array: npt.NDArray[Any], capacity: int) -> npt.NDArray[Any]:
    """A 2-d ``array`` with ``capacity`` rows (new rows zero), one row per person."""
    if len(array) >= capacity:
        return array
    new = np.zeros((capacity, array.shape[1]), array.dtype)
    new[: len(array)] = array
    return new


def distinct(indices: Int64Array, size: int) -> Int64Array:
    """The distinct values of ``indices`` (all below ``size``), sorted."""
    if len(indices) * 8 < size:
        return np.unique(indices).astype(np.int64)
    mark = np.zeros(size, np.bool_)
    mark[indices] = True
    return np.flatnonzero(mark)


def positions(touched: Int64Array, indices: Int64Array, size: int) -> Int64Array:
    """Where each of ``indices`` sits in ``touched`` (sorted, distinct, all below ``size``)."""
    if len(indices) * 8 < size:
        return np.searchsorted(touched, indices)
    table = np.empty(size, np.int64)
    table[touched] = np.arange(len(touched), dtype=np.int64)
    return table[indices]


def check_points(points: object) -> dict[str, int]:
    """A non-empty mapping of contribution kind to points in [-10**6, 10**6]."""
    if not isinstance(points, Mapping) or not points:
        raise InvalidInputError(
            f"points: expected a non-empty mapping of kind to int, got {points!r}"
        )
    if len(points) > np.iinfo(np.int16).max:
        raise InvalidInputError("points: too many kinds")
    return {
        check_text(kind, "points key"): check_int(
            value, f"points[{kind!r}]", low=-(10**6), high=10**6
        )
        for kind, value in points.items()
    }


def check_weights(weights: object, n: int) -> Int32Array:
    """``n`` positive int32 multipliers (all 1 when ``weights`` is None)."""
    if weights is None:
        return np.ones(n, np.int32)
    if isinstance(weights, (str, bytes)):
        raise InvalidInputError("weights: expected a sequence of ints")
    array = np.asarray(weights)
    if array.shape != (n,):
        raise InvalidInputError(f"weights: expected {n} weights, got shape {array.shape}")
    if n and array.dtype == object:
        for row, value in enumerate(array.tolist()):
            check_int(value, f"weights[{row}]", low=1, high=INT32_MAX)
        array = array.astype(np.int64)
    if n and not np.issubdtype(array.dtype, np.integer):
        raise InvalidInputError(f"weights: expected ints, got dtype {array.dtype}")
    if n and (array.min() < 1 or array.max() > INT32_MAX):
        row = int(np.argmax((array < 1) | (array > INT32_MAX)))
        raise InvalidInputError(
            f"weights[{row}]: expected an int from 1 to {INT32_MAX}, got {array[row]}"
        )
    return array.astype(np.int32)


class Totals:
    """The totals of the people a batch touches, once it is recorded (see ``totals_after``)."""

    __slots__ = ("counts", "reputation", "touched")

    def __init__(self, touched: Int64Array, reputation: Int64Array, counts: Int64Array) -> None:
        self.touched = touched
        self.reputation = reputation
        self.counts = counts


class Ledger:
    """Contributions: the log, and per person reputation, counts per kind and activity.

    Parameters
    ----------
    points : mapping of str to int
        Points per contribution kind, already checked (see :func:`check_points`).
    """

    __slots__ = (
        "activity",
        "counts",
        "kind_code",
        "kind_points",
        "kinds",
        "last_at",
        "log",
        "points",
        "reputation",
    )

    def __init__(self, points: dict[str, int]) -> None:
        self.points = points
        self.kinds = list(points)
        self.kind_code = {kind: code for code, kind in enumerate(self.kinds)}
        self.kind_points: Int64Array = np.array([points[k] for k in self.kinds], np.int64)
        self.reputation: Int64Array = np.zeros(0, np.int64)
        self.activity: Int64Array = np.zeros(0, np.int64)
        self.last_at: Int64Array = np.full(0, NEVER, np.int64)
        self.counts: Int64Array = np.zeros((0, len(self.kinds)), np.int64)
        self.log = Columns(
            {
                "member": np.int32,
                "kind": np.int16,
                "weight": np.int32,
                "at": np.int64,
                "credited": np.int64,
                "day": np.int64,
            }
        )

    def grow(self, capacity: int) -> None:
        """Room for ``capacity`` people."""
        self.reputation = grown(self.reputation, capacity)
        self.activity = grown(self.activity, capacity)
        self.last_at = grown(self.last_at, capacity, NEVER)
        self.counts = grown_rows(self.counts, capacity)

    def kind_codes(self, kinds: object, n: int) -> Int16Array:
        """The codes of one kind for all ``n`` rows, or of one kind per row."""
        if isinstance(kinds, str):
            code = self.kind_code.get(kinds)
            if code is None:
                raise InvalidInputError(f"kind: expected one of {self.kinds}, got {kinds!r}")
            return np.full(n, code, np.int16)
        items = as_id_list(kinds, "kinds")  # type: ignore[arg-type]
        if len(items) != n:
            raise InvalidInputError(f"kinds: expected {n} kinds, got {len(items)}")
        code_of: Any = self.kind_code.__getitem__
        try:
            return np.fromiter(map(code_of, items), np.int16, n)
        except (KeyError, TypeError):
            for row, item in enumerate(items):
                if not isinstance(item, str) or item not in self.kind_code:
                    raise InvalidInputError(
                        f"kinds[{row}]: expected one of {self.kinds}, got {item!r}"
                    ) from None
            raise  # pragma: no cover - the loop above always finds the culprit

    def raw_points(self, codes: Int16Array, weights: Int32Array) -> Int64Array:
        """The points of each row before any cap: ``points[kind] * weight``."""
        raw: Int64Array = self.kind_points[codes] * weights.astype(np.int64)
        return raw

    def totals_after(
        self, indices: Int64Array, codes: Int16Array, weights: Int32Array, credited: Int64Array,
        people: IdIndex, field: str,
    ) -> Totals:  # fmt: skip
        """What the touched people's totals become with these rows; nothing is written.

        ``credited`` is what each row adds to reputation (its points, or less under a daily
        cap; see ``_reputation``), never more in size than its points.

        Every total must stay within ``[-MAX_COUNT, MAX_COUNT]``, else ``InvalidInputError``
        naming ``field`` and the person. The sums run in float64: exact, because what one
        person gains in a batch is checked to stay below 2**53 first (in Python ints, for
        the rare batch whose bound is not obvious).
        """
        if len(indices) == 1:
            return self._one_after(indices, int(codes[0]), int(weights[0]), credited, people,
                                   field)  # fmt: skip
        touched = distinct(indices, len(people))
        rows = positions(touched, indices, len(people))
        wide = weights.astype(np.int64)
        largest = max(int(np.abs(self.kind_points).max()), 1) * int(wide.max())
        if largest * len(wide) > MAX_COUNT:
            gains = np.abs(np.take(self.kind_points, codes) * wide)
            for column in (gains, wide):
                exact = np.zeros(len(touched), object)
                np.add.at(exact, rows, column.astype(object))
                self._check_range(exact, touched, people, field)
        k = len(self.kinds)
        summed = np.bincount(rows * k + codes, weights=wide, minlength=len(touched) * k)
        added = summed.astype(np.int64).reshape(len(touched), k)
        counts = self.counts[touched] + added
        gained = np.bincount(rows, weights=credited.astype(np.float64), minlength=len(touched))
        reputation = self.reputation[touched] + gained.astype(np.int64)
        self._check_range(np.abs(reputation), touched, people, field)
        if counts.size and counts.max() > MAX_COUNT:
            self._check_range(counts.max(axis=1), touched, people, field)
        return Totals(touched, reputation, counts)

    def _one_after(
        self, indices: Int64Array, code: int, weight: int, credited: Int64Array, people: IdIndex,
        field: str,
    ) -> Totals:  # fmt: skip
        """:meth:`totals_after` for one row, the hot scalar path, in Python ints."""
        index = int(indices[0])
        reputation = int(self.reputation[index]) + int(credited[0])
        counts = self.counts[index : index + 1].copy()
        count = int(counts[0, code]) + weight
        if abs(reputation) > MAX_COUNT or count > MAX_COUNT:
            self._check_range(np.array([MAX_COUNT + 1]), indices, people, field)
        counts[0, code] = count
        return Totals(indices, np.array([reputation], np.int64), counts)

    @staticmethod
    def _check_range(values: Any, touched: Int64Array, people: IdIndex, field: str) -> None:
        if len(values) and values.max() > MAX_COUNT:
            member = people.id_at(int(touched[int(np.argmax(values > MAX_COUNT))]))
            raise InvalidInputError(
                f"{field}: the reputation or a count of {member!r} would pass 2**53, "
                "the range of a counter"
            )

    def record(
        self, indices: Int64Array, codes: Int16Array, weights: Int32Array, micros: Int64Array,
        credited: Int64Array, totals: Totals, days: Int64Array,
    ) -> None:  # fmt: skip
        """Append rows to the log and store the totals :meth:`totals_after` computed.

        ``days`` is each row's local day under a daily cap (0 without one)."""
        self.log.append(
            member=indices, kind=codes, weight=weights, at=micros, credited=credited, day=days
        )
        self.reputation[totals.touched] = totals.reputation
        self.counts[totals.touched] = totals.counts
        np.add.at(self.activity, indices, 1)
        np.maximum.at(self.last_at, indices, micros)

    def counts_of(self, index: int) -> dict[str, int]:
        """How many of each kind ``index`` contributed."""
        return dict(zip(self.kinds, self.counts[index].tolist(), strict=True))

    def scores_since(self, cutoff: int, size: int) -> Int64Array:
        """Points per person from contributions at or after ``cutoff`` (microseconds)."""
        log = self.log
        recent = log["at"] >= cutoff
        points = log["credited"][recent]
        members = log["member"][recent]
        if not len(points) or int(np.abs(points).max()) * len(points) <= MAX_COUNT:
            # float64 sums are exact below 2**53, and bincount is the fastest sum per person.
            summed = np.bincount(members, weights=points.astype(np.float64), minlength=size)
            return summed.astype(np.int64)
        scores = np.zeros(size, np.int64)
        np.add.at(scores, members, points)
        return scores

    def activity_since(self, cutoff: int, size: int) -> Int64Array:
        """Contributions per person at or after ``cutoff`` (microseconds)."""
        log = self.log
        return np.bincount(log["member"][log["at"] >= cutoff], minlength=size)

    def activity_of(self, size: int, cutoff: int | None) -> Int64Array:
        """Contributions per person among the first ``size``: ever, or since ``cutoff``."""
        if cutoff is None:
            return self.activity[:size]
        return self.activity_since(cutoff, size)

    def leaders(
        self, candidates: Int64Array, n: int, size: int, cutoff: int | None
    ) -> tuple[Int64Array, Int64Array]:
        """The ``n`` best ``candidates`` by points (ever, or since ``cutoff``), best first."""
        scores = self.reputation[:size] if cutoff is None else self.scores_since(cutoff, size)
        return best_of(candidates, scores, n)


def best_of(candidates: Int64Array, scores: Int64Array, n: int) -> tuple[Int64Array, Int64Array]:
    """The ``n`` best ``candidates`` by ``scores`` (ties to the lower index), best first.

    Returns the chosen candidates and their scores. A partition keeps this O(len) for a small
    ``n`` over millions of members.
    """
    values = scores[candidates]
    if n < len(candidates):
        kth = np.partition(values, len(values) - n)[len(values) - n]
        above = np.flatnonzero(values > kth)
        ties = np.flatnonzero(values == kth)[: n - len(above)]
        chosen = np.concatenate([above, ties])
        candidates, values = candidates[chosen], values[chosen]
    order = np.lexsort((candidates, -values))[:n]
    return candidates[order], values[order]
