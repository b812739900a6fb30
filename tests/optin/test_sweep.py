"""The bad-input sweep over OptInRegistry: every method, every argument, every bad value.

Each public method meets each value of ``tests._sweep_cases.BAD_VALUES`` in each
argument: it answers, or raises the library's error and leaves ``to_state()`` as it
was; an answer leaves a state that round-trips. The constructor and the named
constructors answer or raise the library's error.
"""

from __future__ import annotations

import pytest

from .._sweep import breaches, function_breaches
from .._tables.optin import FUNCTIONS, REGISTRY_CALLS


@pytest.mark.parametrize("method", sorted(REGISTRY_CALLS))
def test_every_method_keeps_the_contract_under_bad_input(method: str) -> None:
    assert breaches("OptInRegistry", method) == []


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_constructor_refuses_bad_input_with_the_library_error(name: str) -> None:
    assert function_breaches(name) == []


def test_the_table_calls_every_public_method() -> None:
    from community_marketing import OptInRegistry

    public = {
        name
        for name in dir(OptInRegistry)
        if not name.startswith("_")
        and callable(getattr(OptInRegistry, name))
        and name
        not in {
            "from_state",
            "from_events",
            "from_event_columns",
            "to_state",
            "to_bytes",
            "from_bytes",
        }
    }
    assert public == set(REGISTRY_CALLS)
