"""The consent log as named columns: one 1-d numpy array per field, one row per event.

The layout travels through Arrow, Parquet, pandas, polars and Spark DataFrames as it
is: integers are int64, text is object (None for null), and the three moments are
int64 UTC microseconds since the epoch. ``expires_at`` holds ``NO_EXPIRY`` (the int64
maximum, ``ConsentChecks.NEVER``) for an event without an expiry, and ``recorded_at``
is always filled (equal to ``at`` unless the event was back-dated), so no time column
ever needs a nullable integer type. Tables are read by column name and never imported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from .._checks import check_text
from .._ids import check_id
from .._time import MAX_MICROS, MIN_MICROS, NEVER, from_micros, to_micros
from ..errors import InvalidInputError
from ._values import ConsentAction, ConsentEvent, Preferences

__all__ = ["COLUMNS", "NO_EXPIRY", "event_columns", "events_from_columns", "renamed_error"]

COLUMNS: Final = (
    "seq",
    "contact",
    "purpose",
    "channel",
    "action",
    "at",
    "source",
    "basis",
    "notice_version",
    "proof",
    "expires_at",
    "jurisdiction",
    "reason",
    "preferences",
    "key_id",
    "recorded_at",
)
"""The column names, in ``ConsentEvent``'s field order."""

NO_EXPIRY: Final = NEVER
"""``expires_at`` of an event without an expiry: the int64 maximum."""

_OPTIONAL_TEXT: Final = ("purpose", "channel", "basis", "notice_version", "jurisdiction")
_FREE_TEXT: Final = ("proof", "reason", "key_id")
_ACTIONS: Final = {action.value: action for action in ConsentAction}


def event_columns(events: list[ConsentEvent]) -> dict[str, npt.NDArray[Any]]:
    """``events`` (in seq order) as the named columns of the module's layout."""
    n = len(events)

    def objects(values: Iterable[Any]) -> npt.NDArray[Any]:
        return np.fromiter(values, object, n)

    def micros(values: Iterable[int]) -> npt.NDArray[np.int64]:
        return np.fromiter(values, np.int64, n)

    columns: dict[str, npt.NDArray[Any]] = {
        "seq": micros(e.seq for e in events),
        "contact": objects(e.contact for e in events),
        "action": objects(e.action.value for e in events),
        "at": micros(to_micros(e.at) for e in events),
        "expires_at": micros(
            NO_EXPIRY if e.expires_at is None else to_micros(e.expires_at) for e in events
        ),
        "recorded_at": micros(to_micros(e.recorded_at or e.at) for e in events),
        "preferences": objects(
            None if e.preferences is None else e.preferences.to_dict() for e in events
        ),
    }
    for name in ("source", *_OPTIONAL_TEXT, *_FREE_TEXT):
        columns[name] = objects(getattr(e, name) for e in events)
    return {name: columns[name] for name in COLUMNS}


def events_from_columns(columns: object) -> list[ConsentEvent]:
    """The events of named columns, checked; ``InvalidInputError`` names column and row."""
    arrays = {name: _column(columns, name) for name in COLUMNS}
    n = len(arrays["seq"])
    for name, column in arrays.items():
        if len(column) != n:
            raise InvalidInputError(
                f"columns[{name!r}]: expected {n} rows like 'seq', got {len(column)}"
            )
    seq = _integers(arrays["seq"], "seq")
    _check_seq(seq)
    at = _moments(arrays["at"], "at", allow=None)
    expires = _moments(arrays["expires_at"], "expires_at", allow=NO_EXPIRY)
    recorded = _moments(arrays["recorded_at"], "recorded_at", allow=None)
    values = {name: arrays[name].tolist() for name in COLUMNS}
    events = []
    for row in range(n):
        action = _action(values["action"][row], row)
        events.append(
            ConsentEvent(
                seq=int(seq[row]),
                contact=_contact(values["contact"][row], action, row),
                action=action,
                at=from_micros(int(at[row])),
                source=check_text(values["source"][row], _where("source", row)),
                expires_at=None if expires[row] == NO_EXPIRY else from_micros(int(expires[row])),
                preferences=_preferences(values["preferences"][row], row),
                recorded_at=None if recorded[row] == at[row] else from_micros(int(recorded[row])),
                **{name: _text(values[name][row], name, row) for name in _OPTIONAL_TEXT},
                **{name: _text(values[name][row], name, row, empty=True) for name in _FREE_TEXT},
            )
        )
    return events


def renamed_error(error: InvalidInputError) -> InvalidInputError:
    """An error of ``from_events`` about ``events[i].field``, told in columns and rows."""
    message = re.sub(r"events\[(\d+)\]\.(\w+)", r"columns['\2'][\1]", str(error))
    return InvalidInputError(re.sub(r"events\[(\d+)\]", r"columns row \1", message))


def _where(name: str, row: int) -> str:
    return f"columns[{name!r}][{row}]"


def _column(columns: object, name: str) -> npt.NDArray[Any]:
    getter: Callable[[str], Any] | None = getattr(columns, "__getitem__", None)
    if getter is None or isinstance(columns, (str, bytes)):
        raise InvalidInputError(
            f"columns: expected a mapping or a table of named columns, got {type(columns).__name__}"
        )
    try:
        column = getter(name)
    except Exception:  # each table library raises its own missing-column error
        raise InvalidInputError(f"columns: missing column {name!r}") from None
    values = np.asarray(column)
    if values.ndim != 1:
        raise InvalidInputError(f"columns[{name!r}]: expected a 1-d column, got {values.ndim}-d")
    return values


def _integers(values: npt.NDArray[Any], name: str) -> npt.NDArray[np.int64]:
    if values.dtype.kind in "iu":
        return values.astype(np.int64)
    for row, value in enumerate(values.tolist()):
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidInputError(f"{_where(name, row)}: expected an int, got {value!r}")
    return values.astype(np.int64)


def _check_seq(seq: npt.NDArray[np.int64]) -> None:
    negative = np.flatnonzero(seq < 0)
    if negative.size:
        row = int(negative[0])
        raise InvalidInputError(f"{_where('seq', row)}: expected an int >= 0, got {seq[row]}")
    order = np.argsort(seq, kind="stable")
    repeated = np.flatnonzero(seq[order][1:] == seq[order][:-1])
    if repeated.size:
        row = int(order[repeated[0] + 1])
        raise InvalidInputError(f"{_where('seq', row)}: sequence number {seq[row]} repeated")


def _moments(values: npt.NDArray[Any], name: str, allow: int | None) -> npt.NDArray[np.int64]:
    micros = _integers(values, name)
    bad = (micros < MIN_MICROS) | (micros > MAX_MICROS)
    if allow is not None:
        bad &= micros != allow
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InvalidInputError(
            f"{_where(name, row)}: expected UTC microseconds between 0001-01-02 and 9999-12-30"
            + (" or NO_EXPIRY" if allow is not None else "")
            + f", got {micros[row]}"
        )
    return micros


def _is_null(value: object) -> bool:
    """None, or the float NaN pandas writes for a missing value."""
    return value is None or (isinstance(value, float) and value != value)


def _text(value: object, name: str, row: int, *, empty: bool = False) -> str | None:
    if _is_null(value):
        return None
    if not isinstance(value, str) or (not empty and not value.strip()):
        expected = "a str or None" if empty else "a non-empty str or None"
        raise InvalidInputError(f"{_where(name, row)}: expected {expected}, got {value!r}")
    return value


def _action(value: object, row: int) -> ConsentAction:
    action = _ACTIONS.get(value) if isinstance(value, str) else None
    if action is None:
        raise InvalidInputError(
            f"{_where('action', row)}: expected one of {sorted(_ACTIONS)}, got {value!r}"
        )
    return action


def _contact(value: object, action: ConsentAction, row: int) -> Any:
    if action is ConsentAction.ERASE:
        if not _is_null(value):
            raise InvalidInputError(
                f"{_where('contact', row)}: an erase event holds no contact, got {value!r}"
            )
        return None
    return check_id(value, _where("contact", row))


def _preferences(value: object, row: int) -> Preferences | None:
    if _is_null(value):
        return None
    try:
        data = json.loads(value) if isinstance(value, str) else value
        if not isinstance(data, Mapping):
            raise InvalidInputError(f"expected a dict or its JSON text, got {value!r}")
        return Preferences.from_dict(dict(data))
    except (InvalidInputError, ValueError) as exc:
        raise InvalidInputError(f"{_where('preferences', row)}: {exc}") from None
