"""The referral log: every referral recorded, in order, and which one holds each referee's credit.

Rows are appended and never rewritten (a rejected bulk call truncates what it appended); the
credit map names, for each referee, the row that brought them under the graph's attribution
rule, so the referral chains form a forest (rings are refused, see ``_fraud.ring_child``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import cast

import attrs
import numpy as np

from .._checks import check_optional_text
from .._ids import IdIndex, as_id_list, check_id
from .._imports import ImportReport, import_rows
from .._time import ensure_aware, ensure_timedelta, from_micros, micros_array, to_micros
from .._types import Int64Array
from ..errors import InvalidInputError, ReferralRejectedError
from ._fraud import ring_child
from ._members import Members
from ._values import Attribution, Referral

__all__ = [
    "ReferralLog",
    "check_moments",
    "check_qualified",
    "check_rows",
    "check_texts",
    "record",
]

Undo = list[tuple[int, int, int | None]]


@attrs.define(eq=False)
class ReferralLog:
    """Columns of recorded referrals (member indices, micro-second times) and the credit map."""

    attribution: Attribution
    window_us: int | None
    src: list[int] = attrs.field(factory=list)
    dst: list[int] = attrs.field(factory=list)
    at: list[int] = attrs.field(factory=list)
    code: list[str | None] = attrs.field(factory=list)
    channel: list[str | None] = attrs.field(factory=list)
    credit: dict[int, int] = attrs.field(factory=dict)

    @classmethod
    def checked(cls, attribution: object, window: object) -> ReferralLog:
        """An empty log for the attribution rule (and window), or ``InvalidInputError``."""
        if not isinstance(attribution, str) or attribution not in (
            "first_touch",
            "last_touch",
            "window",
        ):
            raise InvalidInputError(
                "attribution: expected 'first_touch', 'last_touch' or 'window', "
                f"got {attribution!r}"
            )
        rule = cast(Attribution, attribution)
        if rule != "window":
            if window is not None:
                raise InvalidInputError("window: only meaningful with attribution='window'")
            return cls(rule, None)
        if window is None:
            raise InvalidInputError("window: required with attribution='window'")
        window_us = ensure_timedelta(window, "window") // timedelta(microseconds=1)
        return cls(rule, window_us)

    def __len__(self) -> int:
        return len(self.src)

    def admit(
        self,
        referrer: Hashable,
        referee: Hashable,
        src: int,
        dst: int,
        when: int,
        member_since: int | None,
        ids: IdIndex,
    ) -> bool:
        """Whether the referral would take the credit; ``ReferralRejectedError`` if refused.

        ``src`` and ``dst`` are the indices of ``referrer`` and ``referee`` (-1 when new);
        ``member_since`` is when ``referee`` was declared a member (None if never).
        """
        if referrer == referee:
            raise ReferralRejectedError("self_referral", f"{referrer!r} cannot refer themself")
        if member_since is not None and member_since <= when:
            raise ReferralRejectedError(
                "existing_member",
                f"{referee!r} was already a member since {from_micros(member_since)}",
            )
        attributed = dst < 0 or self.takes_credit(dst, when)
        if attributed and src >= 0 and dst >= 0 and (child := ring_child(self, dst, src)) >= 0:
            raise ReferralRejectedError(
                "ring",
                f"{referrer!r} cannot refer {referee!r}: {referee!r} referred "
                f"{ids.id_at(child)!r} (a ring)",
            )
        return attributed

    def takes_credit(self, dst: int, when: int) -> bool:
        row = self.credit.get(dst)
        if row is None:
            return True
        held = self.at[row]
        if self.attribution == "first_touch":
            return when < held
        if self.attribution == "last_touch":
            return when >= held
        assert self.window_us is not None
        return when < held or when - held > self.window_us

    def append(
        self, src: int, dst: int, when: int, code: str | None, channel: str | None, credit: bool
    ) -> None:
        row = len(self.src)
        self.src.append(src)
        self.dst.append(dst)
        self.at.append(when)
        self.code.append(code)
        self.channel.append(channel)
        if credit:
            self.credit[dst] = row

    def undo(self, rows: int, credits: list[tuple[int, int | None]]) -> None:
        """Forget rows from ``rows`` on and give each member back its former credit row."""
        for member, credit in reversed(credits):
            if credit is None:
                self.credit.pop(member, None)
            else:
                self.credit[member] = credit
        del self.src[rows:], self.dst[rows:], self.at[rows:]
        del self.code[rows:], self.channel[rows:]

    def parent(self, i: int) -> int:
        """The member credited with bringing ``i`` (-1 if nobody)."""
        row = self.credit.get(i)
        return -1 if row is None else self.src[row]

    def referral(self, row: int, ids: IdIndex) -> Referral:
        return Referral(
            ids.id_at(self.src[row]),
            ids.id_at(self.dst[row]),
            from_micros(self.at[row]),
            self.code[row],
            self.channel[row],
            self.credit.get(self.dst[row]) == row,
        )

    def credited_rows(self, i: int) -> list[int]:
        """The rows ``i`` holds the credit for, oldest first."""
        rows = sorted((self.at[row], row) for row in self.credit.values() if self.src[row] == i)
        return [row for _, row in rows]

    def chain(self, i: int) -> list[int]:
        """``i``, its referrer, their referrer... up to the root."""
        chain = [i]
        while (i := self.parent(i)) >= 0:
            chain.append(i)
        return chain

    def tree(self, start: int) -> tuple[list[int], list[int], list[int]]:
        """Members under ``start`` breadth-first, with each one's referrer and depth."""
        children: dict[int, list[int]] = {}
        for dst, row in sorted(self.credit.items()):
            children.setdefault(self.src[row], []).append(dst)
        order, parents, depths = [start], [-1], [0]
        position = 0
        while position < len(order):
            node = order[position]
            for child in children.get(node, ()):
                order.append(child)
                parents.append(node)
                depths.append(depths[position] + 1)
            position += 1
        return order, parents, depths

    def attributed(self) -> tuple[Int64Array, Int64Array, Int64Array]:
        """Referrer, referee and time of every referral that holds a credit."""
        rows = np.fromiter(self.credit.values(), np.int64, len(self.credit))
        src = np.asarray(self.src, np.int64)[rows]
        dst = np.asarray(self.dst, np.int64)[rows]
        at = np.asarray(self.at, np.int64)[rows]
        return src, dst, at

    def counts(
        self, ids: IdIndex, qualified: Callable[[Hashable], bool] | None
    ) -> tuple[Int64Array, Int64Array]:
        """Referrers with attributed (qualified) referrals, most first, and their counts."""
        src, dst, _ = self.attributed()
        if qualified is not None:
            keep = np.fromiter(
                (bool(qualified(referee)) for referee in ids.ids_at(dst)), np.bool_, len(dst)
            )
            src = src[keep]
        counts = np.bincount(src, minlength=len(ids))
        order = np.flatnonzero(counts)
        order = order[np.argsort(-counts[order], kind="stable")]
        return order, counts[order]


def check_lengths(sources: list[Hashable], targets: list[Hashable]) -> int:
    """The number of rows of a bulk call, once both columns hold as many values."""
    count = len(sources)
    if len(targets) != count:
        raise InvalidInputError(
            f"referees: expected {count} ids (as many as referrers), got {len(targets)}"
        )
    return count


def check_rows(sources: list[Hashable], targets: list[Hashable]) -> int:
    """The number of rows of a bulk call, once both columns hold as many valid ids."""
    count = check_lengths(sources, targets)
    for name, column in (("referrers", sources), ("referees", targets)):
        for row, value in enumerate(column):
            check_id(value, f"{name}[{row}]")
    return count


def import_referrals(
    record_many: Callable[..., object],
    referrers: Iterable[Hashable],
    referees: Iterable[Hashable],
    at: object,
    codes: Sequence[str | None] | None,
    channels: Sequence[str | None] | None,
) -> ImportReport:
    """``record_referrals(on_error="skip")``: good rows recorded in order, refused reported."""
    sources = as_id_list(referrers, "referrers")
    targets = as_id_list(referees, "referees")
    # A bad id is a refused row like any other (the block holding it fails and is split).
    count = check_lengths(sources, targets)
    code_column = check_texts(codes, count, "codes")
    channel_column = check_texts(channels, count, "channels")
    shared = at is None or isinstance(at, datetime)
    moments = [] if shared else check_moments(at, count)

    def block(a: int, b: int) -> object:
        when = at if shared else moments[a:b]
        return record_many(
            sources[a:b],
            targets[a:b],
            at=when,
            codes=code_column[a:b],
            channels=channel_column[a:b],
        )

    return import_rows(count, block, lambda row: (sources[row], targets[row]))


def check_texts(given: Sequence[str | None] | None, count: int, name: str) -> list[str | None]:
    """One optional text per row (all None when not given)."""
    if given is None:
        values: list[object] = [None] * count
    elif isinstance(given, (str, bytes)) or not isinstance(given, Iterable):
        # One str would be split into letters: refused as a sequence.
        raise InvalidInputError(
            f"{name}: expected a sequence of {count} str or None, got {type(given).__name__}"
        )
    else:
        values = list(given)
    if len(values) != count:
        raise InvalidInputError(f"{name}: expected {count} values, got {len(values)}")
    return [check_optional_text(v, f"{name}[{row}]") for row, v in enumerate(values)]


def check_moments(at: object, count: int) -> list[datetime]:
    """One aware timestamp per row, from a sequence of them or numpy datetime64 (UTC)."""
    if isinstance(at, np.datetime64) or (
        isinstance(at, np.ndarray) and np.issubdtype(at.dtype, np.datetime64)
    ):
        return [from_micros(micros) for micros in micros_array(at, count, "at").tolist()]
    if isinstance(at, (str, bytes)) or not isinstance(at, Iterable):
        raise InvalidInputError(
            "at: expected an aware datetime, a sequence of them or datetime64, "
            f"got {type(at).__name__}"
        )
    moments = [ensure_aware(value, f"at[{row}]") for row, value in enumerate(at)]
    if len(moments) != count:
        raise InvalidInputError(f"at: expected {count} timestamps, got {len(moments)}")
    return moments


def check_qualified(qualified: object) -> Callable[[Hashable], bool] | None:
    """The test a referee must pass to count: a callable, a collection's membership, or None."""
    if qualified is None:
        return None
    if callable(qualified):
        return qualified
    if isinstance(qualified, (str, bytes)):
        # ``"ab".__contains__`` asks about substrings, not about referees.
        raise InvalidInputError(
            f"qualified: expected a callable or a collection of ids, got {type(qualified).__name__}"
        )
    if isinstance(qualified, Collection):
        return qualified.__contains__
    raise InvalidInputError(
        f"qualified: expected a callable or a collection, got {type(qualified).__name__}"
    )


def record(
    log: ReferralLog,
    members: Members,
    rows: Iterable[tuple[Hashable, Hashable, datetime, str | None, str | None]],
    *,
    bulk: bool = True,
) -> list[Referral]:
    """Record checked rows in order, all or nothing: a refusal puts both parts back."""
    size, logged = len(members.ids), len(log)
    undo: Undo = []
    done = []
    for row, item in enumerate(rows):
        try:
            done.append(_record_one(log, members, *item, undo))
        except ReferralRejectedError as error:
            for member, since, _ in reversed(undo):
                members.since[member] = since
            log.undo(logged, [(member, credit) for member, _, credit in undo])
            members.truncate(size)
            if not bulk:
                raise
            raise ReferralRejectedError(error.reason, f"row {row}: {error}") from None
    return done


def _record_one(
    log: ReferralLog,
    members: Members,
    referrer: Hashable,
    referee: Hashable,
    moment: datetime,
    code: str | None,
    channel: str | None,
    undo: Undo,
) -> Referral:
    when = to_micros(moment)
    src, dst = members.ids.get(referrer), members.ids.get(referee)
    since = int(members.since[dst]) if dst >= 0 and bool(members.told[dst]) else None
    attributed = log.admit(referrer, referee, src, dst, when, since, members.ids)
    src = members.add_one(referrer, "referrer", when)
    dst = members.add_one(referee, "referee", when)
    undo.append((dst, int(members.since[dst]), log.credit.get(dst)))
    members.since[dst] = min(int(members.since[dst]), when)
    log.append(src, dst, when, code, channel, attributed)
    return Referral(referrer, referee, moment, code, channel, attributed)
