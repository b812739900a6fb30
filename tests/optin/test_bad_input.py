"""OptInRegistry, issue 12: each bad input the issue lists, as a regression test.

Every refusal is an ``InvalidInputError`` naming the field, and leaves
``to_state()`` as it was; what is accepted leaves a registry whose state reloads.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import numpy as np
import pytest

from community_marketing import ConsentEvent, InvalidInputError, OptInRegistry

from .._sweep import same

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def populated() -> OptInRegistry:
    registry = OptInRegistry(clock=lambda: T0 + 30 * DAY)
    channels = ["email", "sms"]
    registry.grant_many(["ann", "bob"], "news", channels, basis="express", source="f", at=T0)
    registry.request("cid", "news", "email", source="form", at=T0)
    return registry


def refused(registry: OptInRegistry, field: str, call: Any) -> InvalidInputError:
    """``call()`` raises InvalidInputError naming ``field`` and changes nothing."""
    before = registry.to_state()
    with pytest.raises(InvalidInputError, match=field) as info:
        call()
    assert same(registry.to_state(), before)
    return info.value


def reloads(registry: OptInRegistry) -> None:
    state = registry.to_state()
    assert same(OptInRegistry.from_state(state).to_state(), state)


# ---------------------------------------------------------------- kind 1: a write that raises


def test_a_grant_past_year_9999_in_utc_is_refused_and_writes_nothing() -> None:
    registry = OptInRegistry()
    at = datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))
    refused(registry, "^at: ", lambda: registry.grant("x", "p", "c", source="s", at=at))
    registry.grant("y", "p", "c", source="s", at=T0)
    assert [e.contact for e in registry.history("y")] == ["y"]
    assert registry.to_state()["contacts"] == ["y"]  # no orphan row for "x"


# ---------------------------------------------------------------- kind 2: unrepresentable values


def test_token_ttl_of_timedelta_max_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"^token_ttl: "):
        OptInRegistry(token_ttl=timedelta.max)


def test_durations_past_the_representable_range_are_refused_everywhere() -> None:
    with pytest.raises(InvalidInputError, match=r"^expiry\['\*'\]\['express'\]: "):
        OptInRegistry(expiry={"*": {"express": timedelta.max}})
    with pytest.raises(InvalidInputError, match=r"^default_max_per_period\[1\]: "):
        OptInRegistry(default_max_per_period=(1, timedelta.max))
    registry = populated()
    refused(
        registry,
        r"^max_per_period\[1\]: ",
        lambda: registry.set_preferences("ann", max_per_period=(1, timedelta.max), at=T0),
    )


def test_a_cap_count_of_2_to_the_63_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"^default_max_per_period: "):
        OptInRegistry(default_max_per_period=(2**63, timedelta(days=7)))
    registry = populated()
    refused(
        registry,
        "^max_per_period: ",
        lambda: registry.set_preferences("ann", max_per_period=(2**63, DAY), at=T0),
    )


def test_the_largest_cap_and_period_are_harmless() -> None:
    registry = populated()
    longest = timedelta(days=3_652_056)
    registry.set_preferences("ann", max_per_period=(2**63 - 1, longest), at=T0)
    registry.record_sent("ann", "news", "email", at=T0 + DAY)
    assert registry.may_contact("ann", "news", "email", at=T0 + 2 * DAY)
    assert registry.check_many(["ann"], "news", "email", at=T0 + 2 * DAY).allowed.all()
    reloads(registry)


def test_a_state_with_next_seq_2_to_the_80_is_refused() -> None:
    state = populated().to_state()
    state["next_seq"] = 2**80
    with pytest.raises(InvalidInputError, match=r"^state\.next_seq: "):
        OptInRegistry.from_state(state)


def test_a_registry_out_of_sequence_numbers_refuses_writes_and_changes_nothing() -> None:
    state = populated().to_state()
    state["next_seq"] = 2**63 - 1
    registry = OptInRegistry.from_state(state)
    refused(registry, "^seq: ", lambda: registry.grant("dan", "news", "email", source="f", at=T0))
    refused(
        registry,
        "^seq: ",
        lambda: registry.grant_many(["dan"], "news", "email", basis="express", source="f", at=T0),
    )


@pytest.mark.parametrize(
    "method", ["grant_many", "request_many", "withdraw_many", "suppress_many", "record_sent_many"]
)
@pytest.mark.parametrize("at", [0, float("nan")], ids=["zero", "nan"])
def test_bulk_writes_refuse_a_number_for_at(method: str, at: object) -> None:
    registry = populated()
    calls = {
        "grant_many": lambda: registry.grant_many(
            ["ann"], "news", "email", basis="express", source="f", at=at
        ),
        "request_many": lambda: registry.request_many(["dan"], "news", "email", source="f", at=at),
        "withdraw_many": lambda: registry.withdraw_many(
            ["ann"], "news", "email", source="f", at=at
        ),
        "suppress_many": lambda: registry.suppress_many(["ann"], reason="r", at=at),
        "record_sent_many": lambda: registry.record_sent_many(["ann"], "news", "email", at=at),
    }
    refused(registry, "^at: ", calls[method])


def test_bulk_reads_refuse_a_number_for_at() -> None:
    registry = populated()
    token = registry.request("dan", "news", "email", source="f", at=T0)
    for at in (0, float("nan")):
        refused(
            registry, "^at: ", lambda at=at: registry.check_many(["ann"], "news", "email", at=at)
        )
        refused(registry, "^at: ", lambda at=at: registry.confirm_many([token], at=at))


def test_bulk_methods_accept_a_datetime64_scalar_as_utc() -> None:
    registry = populated()
    at = np.datetime64("2026-01-02T12:00")
    assert registry.grant_many(["dan"], "news", "email", basis="express", source="f", at=at) == 1
    assert registry.history("dan")[0].at == T0 + DAY
    assert registry.check_many(["dan"], "news", "email", at=at).allowed.all()
    assert registry.record_sent_many(["dan"], "news", "email", at=at) == 1
    reloads(registry)


def test_scalar_methods_refuse_a_datetime64() -> None:
    registry = populated()
    at = np.datetime64("2026-01-02T12:00")
    refused(registry, "^at: ", lambda: registry.record_sent("ann", "news", "email", at=at))
    refused(registry, "^at: ", lambda: registry.grant("dan", "news", "email", source="f", at=at))


# ---------------------------------------------------------------- kind 3: a str for a list


@pytest.mark.parametrize(
    ("name", "value"), [("exempt_purposes", "news"), ("stop_keywords", "STOP")]
)
def test_from_state_refuses_one_str_where_a_list_belongs(name: str, value: str) -> None:
    state = populated().to_state()
    state["config"][name] = value
    with pytest.raises(InvalidInputError, match=rf"^state\.config\.{name}: ") as info:
        OptInRegistry.from_state(state)
    assert "state.config: state.config" not in str(info.value)


# ---------------------------------------------------------------- kind 4: ill-typed values


def test_grant_many_with_basis_none_is_refused() -> None:
    registry = populated()
    refused(
        registry,
        "^basis: ",
        lambda: registry.grant_many(["dan"], "news", "email", basis=None, source="f", at=T0),  # type: ignore[arg-type]
    )
    refused(
        registry,
        "^basis: ",
        lambda: registry.request_many(["dan"], "news", "email", basis=None, source="f", at=T0),  # type: ignore[arg-type]
    )
    reloads(registry)


def test_a_basis_that_is_an_array_is_refused() -> None:
    registry = populated()
    basis: Any = np.zeros(2)
    refused(
        registry,
        "^basis: ",
        lambda: registry.grant("dan", "news", "email", source="f", basis=basis),
    )


# ---------------------------------------------------------------- kind 9: states


def test_from_state_refuses_a_token_time_of_inf() -> None:
    state = populated().to_state()
    state["tokens"][0][2] = float("inf")
    with pytest.raises(InvalidInputError, match=r"^state\.tokens\[0\]\[2\]: "):
        OptInRegistry.from_state(state)


def test_from_state_refuses_true_as_an_extras_key_or_row() -> None:
    registry = populated()
    registry.suppress("dan", reason="bounce", at=T0)
    state = registry.to_state()
    row, extra = state["extras"][-1]
    state["extras"][-1] = [row, {True: 1, **extra}]
    with pytest.raises(InvalidInputError, match=r"^state\.extras\[\d+\]: "):
        OptInRegistry.from_state(state)
    state["extras"][-1] = [True, extra]
    with pytest.raises(InvalidInputError, match=r"^state\.extras\[\d+\]: "):
        OptInRegistry.from_state(state)


def test_a_state_round_trips_when_writes_came_out_of_time_order() -> None:
    registry = OptInRegistry(clock=lambda: T0 + 30 * DAY)
    registry.grant("ann", "news", "email", source="f", at=T0 + 2 * DAY)
    registry.grant("bob", "news", "email", source="f", at=T0)
    registry.grant_many(
        ["cid", "dan", "eve"],
        "news",
        ["email", "sms"],
        basis="express",
        source="f",
        at=[T0 + 3 * DAY, T0 + DAY, T0 + 2 * DAY],
    )
    registry.suppress("fay", reason="r", at=T0 - DAY)
    registry.withdraw("bob", source="letter", at=T0 + DAY)
    state = registry.to_state()
    assert same(OptInRegistry.from_state(state).to_state(), state)


def test_a_state_rebuilt_from_events_in_any_order_round_trips() -> None:
    registry = populated()
    registry.suppress("dan", reason="r", at=T0 - DAY)
    registry.erase("bob", at=T0 + DAY)
    events = registry.events()
    random.Random(3).shuffle(events)
    rebuilt = OptInRegistry.from_events(events, erasure_key=registry.erasure_key)
    state = rebuilt.to_state()
    assert same(OptInRegistry.from_state(state).to_state(), state)


def test_from_state_refuses_a_chain_out_of_time_order() -> None:
    registry = OptInRegistry()
    registry.grant("ann", "news", "email", source="f", at=T0)
    registry.withdraw("ann", "news", "email", source="f", at=T0 + DAY)
    state = registry.to_state()
    state["columns"]["ts"] = state["columns"]["ts"][::-1].copy()
    with pytest.raises(InvalidInputError, match=r"^state\.columns\.ts: "):
        OptInRegistry.from_state(state)


def test_from_events_refuses_a_seq_past_int64_and_unknown_keywords() -> None:
    event = populated().events()[0]
    huge = attrs.evolve(event, seq=2**80)
    with pytest.raises(InvalidInputError, match=r"^events\[\]\.seq: "):
        OptInRegistry.from_events([huge])
    with pytest.raises(InvalidInputError, match=r"^config: "):
        OptInRegistry.from_events([event], colck=None)
    with pytest.raises(InvalidInputError, match=r"^events: "):
        OptInRegistry.from_events(None)  # type: ignore[arg-type]


# ---------------------------------------------------------------- kind 10: raw exceptions


def test_confirm_many_with_tokens_none_is_refused() -> None:
    registry = populated()
    refused(registry, "^tokens: ", lambda: registry.confirm_many(None))  # type: ignore[arg-type]


def test_exempt_purposes_none_is_refused() -> None:
    for name in ("exempt_purposes", "soft_opt_in_purposes", "stop_keywords"):
        with pytest.raises(InvalidInputError, match=rf"^{name}: "):
            OptInRegistry(**{name: None})


def test_a_100000_character_time_zone_is_refused() -> None:
    registry = populated()
    error = refused(
        registry, "^timezone: ", lambda: registry.set_preferences("ann", timezone="x" * 100_000)
    )
    assert len(str(error)) < 200


def test_expiring_within_timedelta_max_answers() -> None:
    registry = OptInRegistry(expiry={"*": {"implied_business": 700 * DAY}})
    registry.grant("ann", "news", "email", source="f", basis="implied_business", at=T0)
    assert registry.expiring("news", "email", within=timedelta.max, at=T0) == [
        ("ann", T0 + 700 * DAY)
    ]


# ---------------------------------------------------------------- kind 8: torn reads


def test_a_concurrent_reader_never_sees_half_of_a_bulk_grant() -> None:
    registry = OptInRegistry(clock=lambda: T0 + 30 * DAY)
    blocks = 150
    done = threading.Event()
    torn: list[str] = []

    def write() -> None:
        try:
            for i in range(blocks):
                registry.grant_many(
                    ["ann", "bob"], f"p{i}", ["email", "sms"], basis="express", source="f", at=T0
                )
        finally:
            done.set()

    def halves(events: list[dict[str, Any]] | list[ConsentEvent]) -> set[str]:
        seen: dict[str, int] = {}
        for event in events:
            purpose = event["purpose"] if isinstance(event, dict) else event.purpose
            seen[purpose] = seen.get(purpose, 0) + 1
        return {purpose for purpose, count in seen.items() if count % 2}

    writer = threading.Thread(target=write)
    writer.start()
    reads = 0
    while not done.is_set() and reads < 2000:
        receipt = registry.export("ann", at=T0 + DAY)
        if halves(receipt["events"]) or len(receipt["consents"]) % 2:
            torn.append(f"export: {len(receipt['events'])} events")
        if halves(registry.history("bob")):
            torn.append("history")
        all_events = registry.events()
        if len(all_events) % 4:
            torn.append(f"events: {len(all_events)}")
        reads += 1
    writer.join(timeout=30)
    assert not writer.is_alive()
    assert torn == []
    assert len(registry.events()) == 4 * blocks
