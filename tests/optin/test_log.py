"""The consent log's columns: when each row was recorded, kept as runs."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from community_marketing.optin._log import Log

_BLOCK = st.tuples(
    st.integers(1, 6),
    st.one_of(st.none(), st.integers(0, 3), st.lists(st.integers(0, 3), min_size=6, max_size=6)),
)


@given(st.lists(_BLOCK, max_size=12))
def test_recorded_equals_an_explicit_column(blocks: list[tuple[int, object]]) -> None:
    """Blocks recorded at their own moments, at one moment, or row by row, read back exactly."""
    log = Log()
    expected: list[int] = []
    for size, given_values in blocks:
        start = log.n
        log.reserve(size)
        ts = np.arange(start, start + size, dtype=np.int64) % 4
        log.ts[start : start + size] = ts
        if given_values is None:
            values: int | np.ndarray = ts
        elif isinstance(given_values, int):
            values = given_values
        else:
            values = np.array(given_values[:size], np.int64)
        log.write_recorded(start, start + size, values)
        log.n = start + size
        expected.extend(np.broadcast_to(values, (size,)).tolist())
    assert log.recorded(slice(0, log.n)).tolist() == expected
    assert [log.recorded_one(row) for row in range(log.n)] == expected
    assert log.has_recorded == (expected != log.ts[: log.n].tolist())
