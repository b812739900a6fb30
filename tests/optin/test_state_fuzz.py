"""A fuzzer over real OptInRegistry states: ``from_state`` refuses with InvalidInputError only.

The states come from a few populated registries (tokens, erasures, preferences,
expiry policy, back-dated and out-of-order writes, a registry rebuilt from
shuffled events). A mutation picks one node of a state (any dict value, list item
or array) and drops it, changes its type, reshapes or re-dtypes it, puts NaN, inf,
huge ints, negative or out-of-range indices in it, puts a str where a list
belongs, a list of the wrong length, or ``True`` as a dict key. ``from_state`` then
raises ``InvalidInputError``, or accepts a registry that answers reads and whose
state round-trips.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community_marketing import InvalidInputError, OptInRegistry

from .._sweep import same

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)
Path = tuple[Any, ...]


def _busy() -> OptInRegistry:
    registry = OptInRegistry(
        clock=lambda: T0 + 40 * DAY,
        expiry={"*": {"implied_business": 700 * DAY}},
        exempt_purposes=["receipts"],
        default_max_per_period=(2, 7 * DAY),
        send_window=(time(8), time(21)),
        soft_opt_in_purposes=["offers"],
    )
    registry.grant("ann", "news", "email", source="form", proof="ip=1", at=T0 + 2 * DAY)
    registry.grant("bob", "news", "email", source="form", at=T0)  # out of time order
    registry.grant_many(
        ["cid", "dan", "eve"],
        "news",
        ["email", "sms"],
        basis="implied_business",
        source="import",
        at=[T0 + 3 * DAY, T0 + DAY, T0 + 2 * DAY],
    )
    registry.request("fay", "news", "email", source="form", at=T0)
    registry.request_many(["gus", "hal"], "offers", "email", source="sale", at=T0)
    registry.set_preferences(
        "ann",
        timezone="Europe/Paris",
        quiet_hours=(time(22), time(7)),
        max_per_period=(1, DAY),
        paused_until=T0 + 5 * DAY,
        at=T0 + 2 * DAY,
    )
    registry.record_sent("bob", "news", "email", at=T0 + 10 * DAY)
    registry.suppress("dan", reason="bounce", at=T0 + 4 * DAY)
    registry.withdraw("bob", source="letter", at=T0 + 11 * DAY)
    registry.erase("eve", at=T0 + 12 * DAY)
    registry.withdraw("cid", "news", "sms", source="link")  # recorded at the clock's now
    return registry


def _states() -> list[dict[str, Any]]:
    busy = _busy()
    events = busy.events()
    random.Random(7).shuffle(events)
    rebuilt = OptInRegistry.from_events(events, erasure_key=busy.erasure_key)
    small = OptInRegistry()
    small.grant(7, "news", "push", source="app", at=T0)
    return [busy.to_state(), rebuilt.to_state(), small.to_state(), OptInRegistry().to_state()]


STATES = _states()


def _paths(node: Any, path: Path = ()) -> list[Path]:
    """Every node of a state, by its path of keys and indices."""
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


PATHS = [_paths(state) for state in STATES]

REPLACEMENTS: list[Any] = [
    None,
    float("nan"),
    float("inf"),
    -1,
    0,
    2**63,
    2**80,
    -(2**80),
    True,
    1.5,
    "",
    "news",
    "STOP",
    b"ab",
    [],
    ["x"],
    [[1]],
    {},
    {True: 1},
    (1, 2),
    np.zeros((2, 2)),
    np.array([np.nan]),
    np.int64(3),
]


def _reshape(value: Any, rng: random.Random) -> Any:
    """An array (or list) reshaped, re-typed, cut or given a bad entry."""
    if isinstance(value, list):
        choices: list[Callable[[], Any]] = [
            lambda: value[:-1],
            lambda: [*value, value[-1] if value else None],
            lambda: value[::-1],
            lambda: tuple(value),
            lambda: ",".join(map(str, value)),
        ]
        return rng.choice(choices)()
    array = np.asarray(value)
    if array.ndim != 1:
        return array
    bad_entries = [-2, -1, len(array), 2**62, 2**63 - 1, -(2**63)]
    choices = [
        lambda: array.reshape(1, -1),
        lambda: array.astype(np.float64),
        lambda: np.where(np.arange(len(array)) == 0, np.nan, array.astype(np.float64)),
        lambda: array.astype(np.uint64),
        lambda: array.astype(np.int8),
        lambda: array.astype(object),
        lambda: array[:-1],
        lambda: np.concatenate([array, array[:1]]),
        lambda: array[::-1].copy(),
        lambda: array.tolist(),
    ]
    if len(array):

        def put() -> Any:
            out = array.astype(np.int64)
            out[rng.randrange(len(array))] = rng.choice(bad_entries)
            return out

        choices += [put, put, put]
    return rng.choice(choices)()


def mutate(state: dict[str, Any], path: Path, how: int, rng: random.Random) -> dict[str, Any]:
    """A deep copy of ``state`` with the node at ``path`` mutated (``how`` picks the way)."""
    out = copy.deepcopy(state)
    if not path:
        out[True] = out.pop("schema")
        return out
    parent = out
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    value = parent[last]
    kind = how % 4
    if kind == 0 and isinstance(parent, dict):
        del parent[last]
    elif kind == 1 and isinstance(value, (list, np.ndarray)):
        parent[last] = _reshape(value, rng)
    elif kind == 2 and isinstance(value, dict):
        value[True] = value[next(iter(value))] if value else 1
        if value and rng.random() < 0.5:
            del value[next(iter(value))]
    else:
        parent[last] = rng.choice(REPLACEMENTS)
    return out


def _reads(registry: OptInRegistry) -> None:
    """Reads of every kind: a state accepted must give a registry that answers them.

    Questions name a purpose and channel the registry accepts: a state may declare its own
    vocabularies (an empty registry's may be anything), and a question outside them is
    refused, rightly, with ``InvalidInputError``.
    """
    contacts = ["ann", "bob", "cid", "dan", "fay", 7]
    config = registry.to_state()["config"]
    purposes, channels = config.get("purposes"), config.get("channels")
    purpose = "news" if purposes is None else min(purposes, default=None)
    channel = "email" if channels is None else min(channels, default=None)
    registry.events()
    registry.history("ann")
    registry.export("bob", at=T0 + 50 * DAY)
    if purpose is not None and channel is not None:
        registry.check_many(contacts, purpose, channel, at=T0 + 50 * DAY)
        registry.check("ann", purpose, channel, at=T0 + 3 * DAY)
        registry.next_allowed_at("ann", purpose, channel, at=T0 + 3 * DAY)
        registry.expiring(purpose, channel, within=3000 * DAY, at=T0)
    repr(registry)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.integers(0, len(STATES) - 1), st.integers(0, 2**32), st.integers(0, 3), st.randoms())
def test_mutated_states_raise_only_invalid_input(
    which: int, pick: int, how: int, rng: random.Random
) -> None:
    paths = PATHS[which]
    state = mutate(STATES[which], paths[pick % len(paths)], how, rng)
    try:
        registry = OptInRegistry.from_state(state, clock=lambda: T0 + 40 * DAY)
    except InvalidInputError:
        return
    _reads(registry)
    again = registry.to_state()
    assert same(OptInRegistry.from_state(again).to_state(), again)


@pytest.mark.parametrize("which", range(len(STATES)))
def test_real_states_round_trip_exactly(which: int) -> None:
    state = STATES[which]
    assert same(OptInRegistry.from_state(state).to_state(), state)


@pytest.mark.parametrize("which", range(len(STATES)))
def test_every_node_of_a_real_state_dropped_or_replaced_raises_only_invalid_input(
    which: int,
) -> None:
    rng = random.Random(which)
    for path in PATHS[which]:
        for how in (0, 3):
            state = mutate(STATES[which], path, how, rng)
            try:
                registry = OptInRegistry.from_state(state, clock=lambda: T0 + 40 * DAY)
            except InvalidInputError:
                continue
            _reads(registry)
