"""The bad-input sweep over FanGroup: every public method, every argument, every bad value.

Each call must answer, or raise the library's own error and leave ``to_state()`` as it was;
an accepted value must leave a state that round-trips through ``from_state``.
"""

from __future__ import annotations

import pytest

from .._sweep import breaches, function_breaches
from .._tables.groups import BUILDERS, FUNCTIONS

METHODS = [(kind, method) for kind, (_, calls) in BUILDERS.items() for method in calls]


@pytest.mark.parametrize(("kind", "method"), METHODS, ids=[f"{k}.{m}" for k, m in METHODS])
def test_method_keeps_the_contract_under_every_bad_value(kind: str, method: str) -> None:
    assert breaches(kind, method) == []


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_raises_only_library_errors(name: str) -> None:
    assert function_breaches(name) == []
