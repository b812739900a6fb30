"""Tables in and out: named columns read from any table, frames and HTML for results.

Tables (pandas, polars, pyarrow, a dict of arrays) are read by column name and turned
into numpy arrays; none of those libraries is imported here, and pandas only inside
``frame`` when a caller asks for a DataFrame.
"""

from __future__ import annotations

import enum
import html
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt

from .errors import InvalidInputError

__all__ = [
    "HTML_ROWS",
    "ID_COLUMNS",
    "column",
    "columns_of",
    "frame",
    "frame_of",
    "html_table",
    "labelled",
    "names_for",
    "text_column",
    "with_label",
]

ID_COLUMNS: Final = frozenset(
    {"contact", "member", "user", "item", "referrer", "referee", "customer", "root", "seed"}
)
"""Column names holding the application's ids: ``labels=`` adds a name beside each."""


def _column_names(table: object) -> list[str] | None:
    names = getattr(table, "column_names", None)  # pyarrow
    if names is None:
        names = getattr(table, "columns", None)  # pandas, polars
    if names is None and isinstance(table, Mapping):
        names = list(table.keys())
    if names is None or isinstance(table, (str, bytes)) or not hasattr(table, "__getitem__"):
        return None
    return [str(name) for name in names]


def column(table: object, name: object, field: str) -> npt.NDArray[Any]:
    """Column ``name`` of ``table`` as a 1-d numpy array; ``field`` names it in errors."""
    if not isinstance(name, str):
        raise InvalidInputError(f"{field}: expected a column name (str), got {name!r}")
    names = _column_names(table)
    if names is None:
        raise InvalidInputError(
            f"{field}: expected a table with named columns (pandas, polars, pyarrow or a "
            f"dict of arrays), got {type(table).__name__}"
        )
    if name not in names:
        raise InvalidInputError(
            f"{field}: no column {name!r} in the table; its columns are {names[:10]}"
        )
    values: Any = table[name]  # type: ignore[index]
    array = np.asarray(values.to_numpy() if hasattr(values, "to_numpy") else values)
    if array.ndim != 1:
        raise InvalidInputError(f"{field}: expected a 1-d column {name!r}, got {array.shape}")
    return array


def text_column(table: object, name: object, field: str) -> list[Any]:
    """A text column as a list, with pandas' missing values (NaN, NA) read as None."""
    return [
        None if value is None or value != value else value
        for value in column(table, name, field).tolist()
    ]


def frame(columns: Mapping[str, Sequence[Any] | Any]) -> Any:
    """A pandas DataFrame of ``columns``; a clear ImportError when pandas is missing.

    A ``datetime64`` column (UTC by the library's convention) comes out aware in UTC.
    """
    try:
        import pandas
    except ImportError:
        raise ImportError(
            "to_frame() needs pandas: pip install 'community-marketing[frames]'"
        ) from None
    table = pandas.DataFrame(dict(columns))
    for name, values in columns.items():
        if isinstance(values, np.ndarray) and values.dtype.kind == "M":
            table[name] = table[name].dt.tz_localize("UTC")
    return table


HTML_ROWS = 20
"""A table this long or shorter is shown whole; a longer one by its head and tail."""
_HEAD_ROWS, _TAIL_ROWS = 10, 5


def html_table(
    title: str, header: Sequence[str], rows: Iterable[Sequence[object]], *, hidden: int = 0
) -> str:
    """An escaped HTML table with a caption, for ``_repr_html_``: head, "… N more", tail.

    ``hidden`` counts rows the caller already left out: ``rows`` is then the head and tail.

    Examples
    --------
    >>> table = html_table("t", ["n"], [[i] for i in range(30)])
    >>> table.count("<tr>"), "… 15 more" in table, "<td>29</td>" in table
    (17, True, True)
    """
    shown = list(rows)
    if not hidden and len(shown) > HTML_ROWS:
        hidden = len(shown) - _HEAD_ROWS - _TAIL_ROWS
        shown = [*shown[:_HEAD_ROWS], *shown[-_TAIL_ROWS:]]
    cells = [
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in shown
    ]
    if hidden:
        gap = f'<tr><td colspan="{len(header)}">… {hidden} more</td></tr>'
        cells.insert(_HEAD_ROWS, gap)
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(cells)
    return f"<table><caption>{html.escape(title)}</caption><tr>{head}</tr>{body}</table>"


def columns_html(title: str, columns: Mapping[str, npt.NDArray[Any]]) -> str:
    """A result's ``to_columns`` as an HTML table (head, "… N more", tail), floats to 4 places.

    Examples
    --------
    >>> import numpy as np
    >>> table = columns_html("t", {"item": np.array(["tea"], object), "score": np.array([0.5])})
    >>> "<th>score</th>" in table, "<td>0.5000</td>" in table
    (True, True)
    """
    names = list(columns)
    arrays = [columns[name] for name in names]
    n = len(arrays[0]) if arrays else 0
    # Only the rows shown are formatted: a batch may hold millions.
    shown = list(range(n))
    if n > HTML_ROWS:
        shown = [*range(_HEAD_ROWS), *range(n - _TAIL_ROWS, n)]
    rows = [[f"{a[i]:.4f}" if a.dtype.kind == "f" else a[i] for a in arrays] for i in shown]
    return html_table(title, names, rows, hidden=n - len(shown))


def _plain(value: object) -> object:
    """An enum member as its text (its str value, else its lower-case name)."""
    if not isinstance(value, enum.Enum):
        return value
    if isinstance(value.value, str):
        return value.value
    return (value.name or str(value)).lower()


def _array(values: list[Any]) -> npt.NDArray[Any]:
    """One typed column: bool, int64, float64, datetime64[us] (UTC) or object."""
    values = [_plain(v) for v in values]
    if values and all(isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.bool_)
    if values and all(isinstance(v, int) and not isinstance(v, (bool, enum.Enum)) for v in values):
        if all(-(2**63) <= v < 2**63 for v in values):
            return np.array(values, dtype=np.int64)
        return np.fromiter(values, object, len(values))
    if values and all(
        isinstance(v, (int, float)) and not isinstance(v, (bool, enum.Enum)) for v in values
    ):
        return np.array(values, dtype=np.float64)
    times = [v for v in values if v is not None]
    if times and all(isinstance(v, datetime) and v.tzinfo is not None for v in times):
        naive = [None if v is None else v.astimezone(UTC).replace(tzinfo=None) for v in values]
        return np.array(naive, dtype="datetime64[us]")  # None becomes NaT
    return np.fromiter(values, object, len(values))


def columns_of(values: object) -> dict[str, npt.NDArray[Any]]:
    """Named numpy columns of a result or of a list of value objects.

    A value with its own ``to_columns`` gives those; a list of attrs value objects gives
    one row per value and one column per public field (the union over mixed types, None
    where a type lacks a field). Datetimes become ``datetime64[us]`` in UTC.

    Parameters
    ----------
    values : result or sequence of value objects
        A listing (``group.leaderboard(5)``, ``registry.history(c)``, badges, referrals,
        offers...) or a result with ``to_columns``; ``(id, score)`` pairs (``popular``,
        ``similar_items``, ``audience_for``) give ``id`` and ``score``, bare ids
        (``members()``, ``holders_of``) give ``id``.

    Returns
    -------
    dict of str to numpy.ndarray

    Raises
    ------
    InvalidInputError
        Something that is neither a list of attrs value objects nor has ``to_columns``.

    Examples
    --------
    >>> from community_marketing import FanGroup, columns_of
    >>> group = FanGroup("espresso", 1)
    >>> _ = group.join_many([2, 3])
    >>> _ = group.record_contributions([2, 3, 2], "post")
    >>> columns_of(group.leaderboard(2))
    {'member': array([2, 3]), 'reputation': array([4, 2])}
    """
    return _table(values)[0]


def _table(values: object) -> tuple[dict[str, npt.NDArray[Any]], frozenset[str]]:
    """:func:`columns_of`, and the columns that hold ids (labels name them)."""
    own = getattr(values, "to_columns", None)
    if callable(own):
        result: dict[str, npt.NDArray[Any]] = own()
        return result, ID_COLUMNS
    if attrs.has(type(values)):
        values = [values]
    if not isinstance(values, Iterable) or isinstance(values, (str, bytes, Mapping)):
        raise InvalidInputError(
            f"values: expected a list of result values or a result with to_columns(), "
            f"got {type(values).__name__}"
        )
    rows = list(values)
    if rows and not any(attrs.has(type(row)) for row in rows):
        # The "id" of plain ids and (id, score) pairs is an id; a reward's "id" is a number.
        return _plain_rows(rows), ID_COLUMNS | {"id"}
    names: dict[str, None] = {}
    for row in rows:
        if not attrs.has(type(row)):
            raise InvalidInputError(
                f"values: expected attrs value objects, got {type(row).__name__}"
            )
        for field in attrs.fields(type(row)):
            if not field.name.startswith("_"):
                names.setdefault(field.name, None)
    columns = {name: [getattr(row, name, None) for row in rows] for name in names}
    return _flattened(columns), ID_COLUMNS


def _plain_rows(rows: list[Any]) -> dict[str, npt.NDArray[Any]]:
    """``id`` and ``score`` of ``(id, float)`` pairs (``similar_items``, ``audience_for``,
    ``popular``), or ``id`` of bare ids (``members()``, ``holders_of``)."""
    if all(
        isinstance(row, tuple) and len(row) == 2 and isinstance(row[1], (float, np.floating))
        for row in rows
    ):
        return {
            "id": np.fromiter((row[0] for row in rows), object, len(rows)),
            "score": np.fromiter((row[1] for row in rows), np.float64, len(rows)),
        }
    return {"id": np.fromiter(rows, object, len(rows))}


def _flattened(raw: dict[str, list[Any]]) -> dict[str, npt.NDArray[Any]]:
    """Typed columns; a field holding value objects (a badge's reward) spreads into
    ``<field>_<subfield>`` columns, None where a row has none."""
    out: dict[str, npt.NDArray[Any]] = {}
    for name, values in raw.items():
        present = [v for v in values if v is not None]
        if present and all(attrs.has(type(v)) for v in present):
            kinds = {type(v) for v in present}
            fields = [f.name for k in kinds for f in attrs.fields(k) if not f.name.startswith("_")]
            for field in dict.fromkeys(fields):
                out[f"{name}_{field}"] = _array([getattr(v, field, None) for v in values])
        else:
            out[name] = _array(values)
    return out


def labelled(
    columns: Mapping[str, npt.NDArray[Any]],
    labels: Mapping[Hashable, object] | None,
    id_columns: frozenset[str] = ID_COLUMNS,
) -> dict[str, npt.NDArray[Any]]:
    """``columns`` with ``<id column>_name`` beside each id column, from ``labels``.

    ``labels`` is one mapping of id to name for every id column, or a mapping of column to
    such a mapping (``{"item": artists, "user": people}``) when ids of different kinds
    overlap (user 5 and artist 5).
    """
    out = dict(columns)
    if labels is None:
        return out
    per_column = _per_column(labels)
    out = {}
    for name, values in columns.items():
        out[name] = values
        names_of: Any = labels.get(name) if per_column else labels
        if name in id_columns and names_of is not None:
            names = [names_of.get(value) for value in values.tolist()]
            out[f"{name}_name"] = np.fromiter(names, object, len(names))
    return out


def _per_column(labels: object) -> bool:
    """Whether ``labels`` maps id columns to mappings (else it maps ids to names)."""
    if not isinstance(labels, Mapping):
        raise InvalidInputError(
            f"labels: expected a mapping of id to name, got {type(labels).__name__}"
        )
    nested = [isinstance(v, Mapping) for v in labels.values()]
    if not any(nested):
        return False
    if not all(nested) or not set(labels) <= ID_COLUMNS:
        raise InvalidInputError(
            "labels: expected a mapping of id to name, or of id column "
            f"({', '.join(sorted(ID_COLUMNS))}) to such a mapping"
        )
    return True


def frame_of(values: object, labels: Mapping[Hashable, object] | None = None) -> Any:
    """A pandas DataFrame of a result or of a list of value objects (needs pandas).

    Parameters
    ----------
    values : result or sequence of value objects
        As for :func:`columns_of`.
    labels : mapping of id to name, optional
        Adds ``<column>_name`` beside each id column (``member``, ``contact``, ``item``,
        ``user``, ``referrer``, ``referee``, ``customer``...); None for an id not in it.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> from community_marketing import FanGroup, frame_of
    >>> group = FanGroup("espresso", 1)
    >>> _ = group.join_many([2, 3])
    >>> _ = group.record_contributions([2, 3, 2], "post")
    >>> frame_of(group.leaderboard(2), labels={2: "Ann", 3: "Bob"})
       member member_name  reputation
    0       2         Ann           4
    1       3         Bob           2
    """
    columns, id_columns = _table(values)
    return frame(labelled(columns, labels, id_columns))


def names_for(labels: Mapping[Hashable, Any] | None, column: str) -> Mapping[Hashable, Any] | None:
    """The id-to-name mapping ``labels`` gives ``column`` (itself, or its ``column`` entry)."""
    return labels.get(column) if labels is not None and _per_column(labels) else labels


def with_label(id: Hashable, names: Mapping[Hashable, Any] | None) -> str:
    """``67 (Radiohead)`` when ``names`` (from :func:`names_for`) names ``id``, else ``67``."""
    if names is None or id not in names:
        return str(id)
    return f"{id} ({names[id]})"
