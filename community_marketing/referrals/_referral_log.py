"""The referral log: every referral recorded, in order, and which one holds each referee's credit.

Rows are appended and never rewritten (a rejected bulk call truncates what it appended); the
credit map names, for each referee, the row that brought them under the graph's attribution
rule, so the referral chains form a forest (rings are refused, see ``_fraud.ring_child``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import attrs
import numpy as np

from .._ids import IdIndex
from .._time import from_micros
from .._types import Int64Array
from ..errors import ReferralRejectedError
from ._fraud import ring_child
from ._values import Attribution, Referral

__all__ = ["ReferralLog"]


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
