"""OptInRegistry.event_columns / from_event_columns, and ConsentChecks.to_columns."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np
import pytest

from community_marketing import ConsentChecks, InvalidInputError, OptInRegistry

from .._consent_stream import ASKED_AT, CHANNEL, PURPOSE, mixed_registry

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def registry() -> OptInRegistry:
    registry = mixed_registry(300, seed=5)
    registry.grant(
        "dan",
        "news",
        "email",
        source="form",
        notice_version="v2",
        proof="ip=1",
        jurisdiction="CA",
        expires_at=T0 + timedelta(days=400),
        at=T0,
    )
    registry.withdraw("dan", source="letter", at=T0 + timedelta(days=1))
    registry.set_preferences(
        "dan",
        timezone="Europe/Paris",
        quiet_hours=(time(22), time(7)),
        max_per_period=(2, timedelta(days=1)),
        paused_until=T0 + timedelta(days=3),
        at=T0,
    )
    registry.suppress("dan", reason="complaint", at=T0 + timedelta(days=2))
    return registry


def test_columns_are_named_typed_and_in_seq_order(registry: OptInRegistry) -> None:
    columns = registry.event_columns()
    events = registry.events()
    assert next(iter(columns)) == "seq"
    assert len(columns) == 16
    assert all(values.shape == (len(events),) for values in columns.values())
    assert columns["seq"].tolist() == [e.seq for e in events]
    for name in ("seq", "at", "expires_at", "recorded_at"):
        assert columns[name].dtype == np.int64
    for name in ("contact", "purpose", "action", "proof", "preferences"):
        assert columns[name].dtype == object
    assert set(columns["action"].tolist()) >= {"grant", "withdraw", "suppress", "erase", "sent"}
    erase = columns["action"] == "erase"
    assert all(c is None for c in columns["contact"][erase].tolist())
    no_expiry = np.array([e.expires_at is None for e in events])
    assert (columns["expires_at"][no_expiry] == ConsentChecks.NEVER).all()
    back_dated = np.array([e.back_dated for e in events])
    assert back_dated.any()
    assert (columns["recorded_at"][~back_dated] == columns["at"][~back_dated]).all()
    prefs = [p for p in columns["preferences"].tolist() if p is not None]
    assert prefs
    assert all(json.loads(json.dumps(p)) == p for p in prefs)


def test_round_trip_is_exact(registry: OptInRegistry) -> None:
    copy = OptInRegistry.from_event_columns(
        registry.event_columns(), erasure_key=registry.erasure_key, clock=registry.clock
    )
    assert copy.events() == registry.events()
    contacts = [f"c{i}" for i in range(320)]
    assert copy.audience(contacts, PURPOSE, CHANNEL, at=ASKED_AT) == registry.audience(
        contacts, PURPOSE, CHANNEL, at=ASKED_AT
    )


def test_round_trip_of_an_empty_registry() -> None:
    assert OptInRegistry.from_event_columns(OptInRegistry().event_columns()).events() == []


def test_erasures_need_the_key_as_from_events_does(registry: OptInRegistry) -> None:
    with pytest.raises(InvalidInputError, match="erasure_key"):
        OptInRegistry.from_event_columns(registry.event_columns())


def test_json_text_and_nan_nulls_are_read(registry: OptInRegistry) -> None:
    columns = registry.event_columns()
    columns["preferences"] = np.array(
        [None if p is None else json.dumps(p) for p in columns["preferences"]], dtype=object
    )
    columns["proof"] = np.array(
        [float("nan") if p is None else p for p in columns["proof"]], dtype=object
    )
    columns["at"] = columns["at"].tolist()
    copy = OptInRegistry.from_event_columns(columns, erasure_key=registry.erasure_key)
    assert copy.events() == registry.events()


class Table:
    """A table read by name, like pandas, polars or pyarrow, without importing them."""

    def __init__(self, columns: dict[str, Any]) -> None:
        self._columns = columns

    def __getitem__(self, name: str) -> Any:
        return self._columns[name]


def test_a_table_object_is_read_by_name(registry: OptInRegistry) -> None:
    copy = OptInRegistry.from_event_columns(
        Table(registry.event_columns()), erasure_key=registry.erasure_key
    )
    assert copy.events() == registry.events()


def _bad(name: str, row: int, value: object) -> dict[str, Any]:
    registry = OptInRegistry()
    registry.grant_many(["ann", "bob"], "news", "email", basis="express", source="import", at=T0)
    registry.set_preferences("bob", timezone="UTC", at=T0)
    columns: dict[str, Any] = registry.event_columns()
    values = columns[name].astype(object)
    values[row] = value
    columns[name] = values
    return columns


@pytest.mark.parametrize(
    ("name", "row", "value", "message"),
    [
        ("seq", 1, -1, r"columns\['seq'\]\[1\]: expected an int >= 0"),
        ("seq", 2, 0, r"columns\['seq'\]\[2\]: sequence number 0 repeated"),
        ("seq", 0, "x", r"columns\['seq'\]\[0\]: expected an int"),
        ("contact", 1, None, r"columns\['contact'\]\[1\]: expected an id"),
        ("contact", 1, ["x"], r"columns\['contact'\]\[1\]: expected a hashable id"),
        ("action", 0, "agree", r"columns\['action'\]\[0\]: expected one of"),
        ("at", 1, 2**62, r"columns\['at'\]\[1\]: expected UTC microseconds"),
        ("expires_at", 0, -(2**62), r"columns\['expires_at'\]\[0\]: expected UTC micro"),
        ("recorded_at", 0, 2.5, r"columns\['recorded_at'\]\[0\]: expected an int"),
        ("source", 1, "", r"columns\['source'\]\[1\]: expected a non-empty str"),
        ("purpose", 0, 3, r"columns\['purpose'\]\[0\]: expected a non-empty str or None"),
        ("proof", 0, 3, r"columns\['proof'\]\[0\]: expected a str or None"),
        ("preferences", 2, "{", r"columns\['preferences'\]\[2\]:"),
        ("preferences", 2, [1], r"columns\['preferences'\]\[2\]: expected a dict"),
        ("basis", 0, None, r"columns row 0: a grant needs purpose, channel and basis"),
    ],
)
def test_a_bad_cell_is_named_by_column_and_row(
    name: str, row: int, value: object, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        OptInRegistry.from_event_columns(_bad(name, row, value))


def test_missing_short_or_wrong_columns_are_refused() -> None:
    columns: dict[str, Any] = OptInRegistry().event_columns()
    del columns["key_id"]
    with pytest.raises(InvalidInputError, match="missing column 'key_id'"):
        OptInRegistry.from_event_columns(columns)
    columns = _bad("seq", 0, 0)
    columns["reason"] = columns["reason"][:1]
    with pytest.raises(InvalidInputError, match=r"columns\['reason'\]: expected 3 rows"):
        OptInRegistry.from_event_columns(columns)
    columns = _bad("seq", 0, 0)
    columns["at"] = np.zeros((3, 1), np.int64)
    with pytest.raises(InvalidInputError, match=r"columns\['at'\]: expected a 1-d column"):
        OptInRegistry.from_event_columns(columns)
    with pytest.raises(InvalidInputError, match="columns: expected a mapping or a table"):
        OptInRegistry.from_event_columns(42)


def test_consent_checks_to_columns() -> None:
    registry = OptInRegistry()
    registry.grant("bob", "news", "sms", source="form", at=T0)
    registry.set_preferences("cid", quiet_hours=(time(0), time(23)), at=T0)
    registry.grant("cid", "news", "sms", source="form", at=T0)
    checks = registry.check_many(
        ["ann", "bob", "cid", ("d", 1)], "news", "sms", at=T0 + timedelta(hours=12)
    )
    columns = checks.to_columns()
    assert list(columns) == ["contact", "reason", "allowed", "next_allowed_at"]
    assert columns["contact"].dtype == object
    assert columns["contact"].tolist()[3] == ("d", 1)
    assert columns["reason"].tolist() == ["no_consent", "allowed", "quiet_hours", "no_consent"]
    assert columns["reason"].dtype.kind == "U"
    assert columns["allowed"].tolist() == [False, True, False, False]
    assert columns["next_allowed_at"].dtype == np.int64
    assert columns["next_allowed_at"].tolist() == checks.next_allowed_at().tolist()
