"""Imports that report: ``on_error="skip"`` writes the good rows and names the refused ones.

A bulk write is all or nothing. With ``on_error="skip"`` the batch is tried whole; a refused
block is split in halves and each half tried again, so the good rows are written in order in
few blocks and each refused row is found alone, with the message of its own error. Since a
call that raises changes nothing, a refused half leaves no trace before it is split.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import attrs
import numpy as np

from ._frames import frame, html_table
from .errors import CommunityMarketingError, InvalidInputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["ImportReport", "OnError", "check_on_error", "import_rows", "imported"]

R = TypeVar("R")

OnError = Literal["raise", "skip"]
"""What a bulk write does with a refused row: raise (nothing written) or skip it and report."""

_FIELD_PREFIX = re.compile(r"^(?:[A-Za-z_]+\[0\]|row 0): ")


@attrs.frozen
class ImportReport:
    """What a bulk write with ``on_error="skip"`` did: rows written, rows refused and why.

    Attributes
    ----------
    written : int
        What the method returns with ``on_error="raise"`` for the rows it wrote (events
        recorded, members new, friendships new, or referrals recorded).
    rows : tuple of int
        The position in the input of each refused row, in order.
    ids : tuple
        The id of each refused row (a contact, a member, or an ``(a, b)`` pair).
    reasons : tuple of str
        Why each row was refused: the message its own error would have raised.
    values : tuple
        For methods that return values (``record_referrals``), those of the rows written.

    Examples
    --------
    >>> from community_marketing import OptInRegistry
    >>> registry = OptInRegistry()
    >>> _ = registry.grant_many(["ann", "cid"], "news", "email", source="form", basis="express")
    >>> report = registry.record_sent_many(["ann", "bob", "cid"], "news", "email",
    ...                                    on_error="skip")
    >>> report.written, report.rows, report.ids
    (2, (1,), ('bob',))
    >>> report.reasons[0].endswith("no_consent; only allowed sends are recorded")
    True
    >>> report
    ImportReport(written=2, refused=1)
    """

    written: int
    rows: tuple[int, ...] = ()
    ids: tuple[Hashable, ...] = ()
    reasons: tuple[str, ...] = ()
    values: tuple[Any, ...] = ()

    @property
    def refused(self) -> list[tuple[int, Hashable, str]]:
        """``(row, id, reason)`` of each refused row, in input order."""
        return list(zip(self.rows, self.ids, self.reasons, strict=True))

    def __repr__(self) -> str:
        return f"ImportReport(written={self.written}, refused={len(self.rows)})"

    def to_frame(self) -> pandas.DataFrame:
        """The refused rows as a pandas DataFrame: row, id, reason (needs pandas)."""
        return frame({"row": list(self.rows), "id": list(self.ids), "reason": list(self.reasons)})

    def _repr_html_(self) -> str:
        title = f"Import: {self.written} written, {len(self.rows)} refused"
        return html_table(title, ["row", "id", "reason"], self.refused)


def check_on_error(value: object) -> OnError:
    """``value`` if it is "raise" or "skip"."""
    if not isinstance(value, str) or value not in ("raise", "skip"):
        raise InvalidInputError(f"on_error: expected 'raise' or 'skip', got {value!r}")
    return "skip" if value == "skip" else "raise"


def imported(
    on_error: object,
    contacts: Any,
    at: Any,
    write: Callable[[Any, Any], R],
    count: Callable[[R], int],
) -> int | ImportReport:
    """``count(write(contacts, at))``, or with ``on_error="skip"`` block by block, reported.

    ``at`` is one moment for all rows (None, a datetime, a datetime64) or one per row.
    """
    if check_on_error(on_error) == "raise" or isinstance(contacts, (str, bytes)):
        return count(write(contacts, at))
    rows = contacts if isinstance(contacts, np.ndarray) else list(contacts)
    shared = at is None or isinstance(at, (datetime, np.datetime64, str))
    if not shared and len(at) != len(rows):
        raise InvalidInputError(f"at: expected {len(rows)} moments (one per row), got {len(at)}")

    def block(start: int, stop: int) -> int:
        return count(write(rows[start:stop], at if shared else at[start:stop]))

    return import_rows(len(rows), block, lambda row: rows[row])


def import_rows(
    n: int, write: Callable[[int, int], Any], id_of: Callable[[int], Hashable]
) -> ImportReport:
    """Write rows ``[0, n)`` through ``write(start, stop)``, skipping the refused ones.

    ``write`` writes one block of consecutive rows, all or nothing, and returns what the
    method returns: a count, or a list of values (counted by its length); ``id_of`` names
    a refused row.
    """
    # An empty block checks what every row shares (a purpose, a fee): that raises, not skips.
    write(0, 0)
    written = 0
    values: list[Any] = []
    refused: list[tuple[int, Hashable, str]] = []
    blocks = [(0, n)] if n else []
    while blocks:
        start, stop = blocks.pop()
        try:
            result = write(start, stop)
        except CommunityMarketingError as error:
            if stop - start > 1:
                middle = (start + stop) // 2
                blocks += [(middle, stop), (start, middle)]
                continue
            reason = _FIELD_PREFIX.sub("", str(error.args[0] if error.args else error))
            refused.append((start, id_of(start), reason))
            continue
        if isinstance(result, Sequence):
            values.extend(result)
            written += len(result)
        else:
            written += int(result)
    rows, ids, reasons = zip(*refused, strict=True) if refused else ((), (), ())
    return ImportReport(written, tuple(rows), tuple(ids), tuple(reasons), tuple(values))
