"""The bad-input sweep over ReferralGraph and the compositions (campaign, measurement, datasets).

Every public method and every function of the table meets every bad value of
``tests/_sweep_cases.BAD_VALUES``, one argument at a time: it answers, or raises the
library's error and leaves the state unchanged.
"""

from __future__ import annotations

import pytest

from .._sweep import breaches, function_breaches
from .._tables.referrals import FUNCTIONS, GRAPH_CALLS


@pytest.mark.parametrize("method", sorted(GRAPH_CALLS))
def test_method_keeps_the_contract(method: str) -> None:
    assert breaches("ReferralGraph", method) == []


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_keeps_the_contract(name: str) -> None:
    assert function_breaches(name) == []
