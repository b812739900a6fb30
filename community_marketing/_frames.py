"""Notebook views of result values: pandas frames (optional) and small HTML tables."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["frame", "html_table"]


def frame(columns: Mapping[str, Sequence[Any] | Any]) -> Any:
    """A pandas DataFrame of ``columns``; a clear ImportError when pandas is missing."""
    try:
        import pandas
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "to_frame() needs pandas: pip install 'community-marketing[frames]'"
        ) from None
    return pandas.DataFrame(dict(columns))


def html_table(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """An escaped HTML table with a caption, for ``_repr_html_``."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><caption>{html.escape(title)}</caption><tr>{head}</tr>{body}</table>"
