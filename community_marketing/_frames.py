"""Notebook views of result values: pandas frames (optional) and small HTML tables."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["HTML_ROWS", "frame", "html_table"]


def frame(columns: Mapping[str, Sequence[Any] | Any]) -> Any:
    """A pandas DataFrame of ``columns``; a clear ImportError when pandas is missing."""
    try:
        import pandas
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "to_frame() needs pandas: pip install 'community-marketing[frames]'"
        ) from None
    return pandas.DataFrame(dict(columns))


HTML_ROWS = 20
"""A table this long or shorter is shown whole; a longer one by its head and tail."""
_HEAD_ROWS, _TAIL_ROWS = 10, 5


def html_table(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """An escaped HTML table with a caption, for ``_repr_html_``: head, "… N more", tail.

    Examples
    --------
    >>> table = html_table("t", ["n"], [[i] for i in range(30)])
    >>> table.count("<tr>"), "… 15 more" in table, "<td>29</td>" in table
    (17, True, True)
    """
    shown = list(rows)
    hidden = 0
    if len(shown) > HTML_ROWS:
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
