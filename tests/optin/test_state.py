"""OptInRegistry. Proof, export and persistence: events, from_events, to_state/from_state."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

import numpy as np
import pytest

from community_marketing import (
    ConsentAction,
    ConsentEvent,
    ConsentStatus,
    InvalidInputError,
    OptInRegistry,
    Reason,
)

from ._support import DAY, HOUR, T0

# ---------------------------------------------------------------- proof, export, persistence


def test_export_is_json_compatible(registry: OptInRegistry) -> None:
    registry.grant("ann", "news", "email", source="form", notice_version="v1", at=T0)
    registry.set_preferences("ann", quiet_hours=(time(22), time(7)), at=T0)
    receipt = registry.export("ann", at=T0 + DAY)
    assert json.loads(json.dumps(receipt)) == receipt
    assert receipt["consents"] == [{"purpose": "news", "channel": "email", "status": "granted"}]
    assert receipt["preferences"]["quiet_hours"] == ["22:00:00", "07:00:00"]
    assert [e["action"] for e in receipt["events"]] == ["grant", "preferences"]
    assert receipt["suppressed"] is False


def test_events_since_and_from_events_roundtrip(registry: OptInRegistry) -> None:
    registry.grant("ann", "news", "email", source="f", at=T0)
    token = registry.request("bob", "news", "email", source="f", at=T0)
    registry.confirm(token, at=T0 + HOUR)
    registry.suppress("cid", reason="bounce", at=T0)
    registry.set_preferences("ann", timezone="Europe/Paris", at=T0)
    registry.record_sent("ann", "news", "email", at=T0 + HOUR)
    registry.withdraw("ann", source="link", at=T0 + DAY)
    events = registry.events()
    assert [e.seq for e in events] == list(range(len(events)))
    assert registry.events(since=5) == events[5:]
    rebuilt = OptInRegistry.from_events(list(reversed(events)))
    assert rebuilt.events() == events
    for contact in ("ann", "bob", "cid", "dan"):
        assert rebuilt.status(contact, "news", "email", at=T0 + 2 * DAY) is registry.status(
            contact, "news", "email", at=T0 + 2 * DAY
        )
    dicts = json.loads(json.dumps([e.to_dict() for e in events]))
    assert [ConsentEvent.from_dict(d) for d in dicts] == events


def test_from_events_sorts_by_time_and_keeps_seq() -> None:
    t = [T0 + i * HOUR for i in range(3)]
    events = [
        ConsentEvent(7, "ann", "news", "email", ConsentAction.WITHDRAW, t[2], "link"),
        ConsentEvent(3, "ann", "news", "email", ConsentAction.GRANT, t[0], "form", "express"),
    ]
    registry = OptInRegistry.from_events(events)
    assert [e.seq for e in registry.events()] == [3, 7]
    assert registry.status("ann", "news", "email", at=t[1]) is ConsentStatus.GRANTED
    assert registry.status("ann", "news", "email", at=t[2]) is ConsentStatus.WITHDRAWN
    assert registry.grant("bob", "news", "email", source="f", at=t[2]).seq == 8


def test_from_events_rejects_bad_events() -> None:
    good = ConsentEvent(0, "ann", "news", "email", ConsentAction.GRANT, T0, "f", "express")
    with pytest.raises(InvalidInputError, match="unique"):
        OptInRegistry.from_events([good, good])
    with pytest.raises(InvalidInputError, match=r"events\[0\]"):
        OptInRegistry.from_events(["not an event"])  # type: ignore[list-item]
    naive = ConsentEvent(0, "ann", "news", "email", ConsentAction.GRANT, datetime(2026, 1, 1), "f")
    with pytest.raises(InvalidInputError, match="at"):
        OptInRegistry.from_events([naive])
    no_basis = ConsentEvent(0, "ann", "news", "email", ConsentAction.GRANT, T0, "f")
    with pytest.raises(InvalidInputError, match="basis"):
        OptInRegistry.from_events([no_basis])
    with pytest.raises(InvalidInputError, match="event"):
        ConsentEvent.from_dict({"seq": 1})


def test_state_roundtrip_is_exact(registry: OptInRegistry) -> None:
    registry.grant("ann", "news", "email", source="f", proof="p", at=T0)
    pending = registry.request("bob", "news", "email", source="f", at=T0)
    registry.suppress("cid", reason="bounce", at=T0)
    registry.set_preferences("ann", max_per_period=(3, 7 * DAY), at=T0)
    registry.record_sent("ann", "news", "email", at=T0 + HOUR)
    registry.grant("eve", "news", "sms", source="f", at=T0)
    registry.erase("eve", at=T0 + HOUR)
    state = registry.to_state()
    assert state["schema"] == 1
    copy = OptInRegistry.from_state(state)
    assert copy.events() == registry.events()
    assert repr(copy) == repr(registry)
    assert copy.to_state()["contacts"] == state["contacts"]
    # The pending double opt-in survives: tokens are in the state (as hashes only).
    assert pending.split(".")[1] not in json.dumps(state, default=str)
    copy.confirm(pending, at=T0 + 2 * HOUR)
    assert copy.status("bob", "news", "email", at=T0 + 2 * HOUR) is ConsentStatus.GRANTED


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s: s.update(schema=2),
        lambda s: s.pop("columns"),
        lambda s: s["columns"].update(ts=np.zeros(3)),
        lambda s: s["columns"].update(ts=s["columns"]["ts"][:-1]),
        lambda s: s["columns"]["contact"].__setitem__(0, 99),
        lambda s: s["columns"]["action"].__setitem__(0, 42),
        lambda s: s["columns"]["seq"].__setitem__(1, 0),
        lambda s: s.update(contacts=["ann", "ann"]),
        lambda s: s.update(contacts="ann"),
        lambda s: s.update(pairs=[["news"]]),
        lambda s: s.update(metas=[[None, None, None, None]]),
        lambda s: s.update(extras=[[0, {"secret": 1}]]),
        lambda s: s.update(tokens=[[0, "zz", 1]]),
        lambda s: s.update(next_seq=-1),
        lambda s: s["config"].update(token_ttl_s="x"),
        lambda s: s["config"].update(erasure_key="00"),
        lambda s: s.update(config=None),
    ],
)
def test_from_state_rejects_junk(registry: OptInRegistry, mutate: object) -> None:
    registry.grant("ann", "news", "email", source="f", at=T0)
    registry.grant("bob", "news", "email", source="f", at=T0)
    state = registry.to_state()
    mutate(state)  # type: ignore[operator]
    with pytest.raises(InvalidInputError):
        OptInRegistry.from_state(state)


def test_repr_counts(registry: OptInRegistry) -> None:
    registry.grant_many(["a", "b"], "news", "email", basis="express", source="i", at=T0)
    registry.suppress("a", reason="bounce", at=T0)
    assert repr(registry) == "OptInRegistry(contacts=2, events=3, pairs=1, suppressed=1)"


# ---------------------------------------------------------------- issue 13: the new settings travel

RULES = {
    "send_window": (time(8), time(21, 30)),
    "default_timezone": "America/Chicago",
    "soft_opt_in_purposes": ["offers", "accessories"],
    "stop_keywords": ["STOP", "opt out"],
}


def test_new_settings_round_trip_through_state_and_events() -> None:
    registry = OptInRegistry(**RULES)  # type: ignore[arg-type]
    registry.grant("ann", "offers", "sms", source="sale:order-7", basis="soft_opt_in", at=T0)
    state = registry.to_state()
    assert json.loads(json.dumps(state["config"])) == state["config"]
    assert state["config"]["send_window"] == ["08:00:00", "21:30:00"]
    assert state["config"]["default_timezone"] == "America/Chicago"
    assert state["config"]["soft_opt_in_purposes"] == ["accessories", "offers"]
    assert state["config"]["stop_keywords"] == ["OPT OUT", "STOP"]
    copy = OptInRegistry.from_state(state)
    assert copy.to_state()["config"] == state["config"]
    rebuilt = OptInRegistry.from_events(registry.events(), **RULES)  # type: ignore[arg-type]
    assert rebuilt.to_state()["config"] | {"erasure_key": ""} == state["config"] | {
        "erasure_key": ""
    }
    late = datetime(2026, 1, 6, 4, tzinfo=UTC)  # 22:00 in Chicago
    for other in (copy, rebuilt):
        assert other.check("ann", "offers", "sms", at=late).name == "OUTSIDE_SEND_WINDOW"
        assert other.next_allowed_at("ann", "offers", "sms", at=late) == registry.next_allowed_at(
            "ann", "offers", "sms", at=late
        )
        assert other.apply_keyword("ann", "sms", "Opt out", at=late).kind == "stop"
        other.grant("bob", "offers", "sms", source="negotiation", basis="soft_opt_in", at=late)


def test_states_without_the_new_settings_still_load() -> None:
    state = OptInRegistry().to_state()
    for name in ("send_window", "default_timezone", "soft_opt_in_purposes"):
        del state["config"][name]
    config = OptInRegistry.from_state(state).to_state()["config"]
    assert (config["send_window"], config["default_timezone"]) == (None, "UTC")
    assert config["soft_opt_in_purposes"] == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("send_window", "08:00-21:00"),
        ("send_window", ["08:00:00"]),
        ("send_window", ["8 am", "9 pm"]),
        ("send_window", ["08:00:00", "08:00:00"]),
        ("send_window", ["08:00:00+01:00", "21:00:00"]),
        ("default_timezone", "Nowhere/Land"),
        ("default_timezone", 3),
        ("soft_opt_in_purposes", "offers"),
        ("soft_opt_in_purposes", [""]),
        ("stop_keywords", "STOP"),
        ("start_keywords", "START"),
        ("help_keywords", "HELP"),
        ("exempt_purposes", "receipts"),
    ],
)
def test_from_state_checks_the_new_settings(name: str, value: object) -> None:
    state = OptInRegistry().to_state()
    state["config"][name] = value
    with pytest.raises(InvalidInputError, match=f"state.config.*{name}"):
        OptInRegistry.from_state(state)


# ---------------------------------------------------------------- what the registry knew, when


def _backdated_withdrawal() -> tuple[OptInRegistry, datetime]:
    clock = {"now": T0}
    registry = OptInRegistry(clock=lambda: clock["now"])
    registry.grant("ann", "news", "email", source="form")
    sent = T0 + 10 * DAY
    clock["now"] = sent
    registry.record_sent("ann", "news", "email")
    clock["now"] = T0 + 30 * DAY
    registry.withdraw("ann", source="letter", at=T0 + 5 * DAY)
    return registry, sent


def test_a_back_dated_withdrawal_does_not_rewrite_what_was_known() -> None:
    registry, sent = _backdated_withdrawal()
    assert registry.status("ann", "news", "email", at=sent) is ConsentStatus.WITHDRAWN
    assert registry.status("ann", "news", "email", at=sent, known_at=sent) is (
        ConsentStatus.GRANTED
    )
    assert registry.may_contact("ann", "news", "email", at=sent, known_at=sent)
    assert registry.audience(["ann"], "news", "email", at=sent, known_at=sent) == ["ann"]
    assert list(registry.check_many(["ann"], "news", "email", at=sent, known_at=sent)) == [
        Reason.ALLOWED
    ]
    withdrawal = registry.history("ann")[-1]
    assert withdrawal.back_dated
    assert withdrawal.recorded_at == T0 + 30 * DAY
    assert not registry.history("ann")[0].back_dated
    assert registry.history("ann")[0].recorded_at is None


def test_recorded_at_survives_every_rebuild() -> None:
    registry, sent = _backdated_withdrawal()
    wire = json.loads(json.dumps([e.to_dict() for e in registry.events()]))
    copies = [
        OptInRegistry.from_state(registry.to_state()),
        OptInRegistry.from_events([ConsentEvent.from_dict(e) for e in wire]),
    ]
    for copy in copies:
        assert copy.events() == registry.events()
        assert copy.status("ann", "news", "email", at=sent, known_at=sent) is (
            ConsentStatus.GRANTED
        )


def test_live_writes_cost_no_recorded_column() -> None:
    registry = OptInRegistry()
    registry.grant_many(
        [f"c{k}" for k in range(100)], "news", "email", basis="express", source="form"
    )
    assert "recorded" not in registry.to_state()["columns"]
    assert all(e.recorded_at is None for e in registry.events())


def _same_state(ours: dict[str, object], theirs: dict[str, object]) -> None:
    columns, copied = ours.pop("columns"), theirs.pop("columns")
    assert isinstance(columns, dict)
    assert isinstance(copied, dict)
    assert columns.keys() == copied.keys()
    for name, column in columns.items():
        assert np.array_equal(column, copied[name]), name
    assert ours == theirs


def test_round_trip_is_exact_with_a_back_dated_write_on_another_key() -> None:
    # Found by tests/optin/test_machine.py: rows written out of time order across keys
    # came back from from_state in time order, so the second to_state differed.
    registry = OptInRegistry(clock=lambda: T0 + 2 * HOUR)
    registry.grant("ann", "news", "email", source="form")
    registry.grant("ann", "offers", "email", source="form", at=T0 + HOUR)
    state = registry.to_state()
    _same_state(OptInRegistry.from_state(state).to_state(), state)


def test_round_trip_is_exact_once_the_back_dated_rows_are_erased() -> None:
    # Found by the machine: the erased back-dated withdrawal left a "recorded" column
    # in to_state that from_state then dropped.
    clock = {"now": T0 + DAY}
    registry = OptInRegistry(clock=lambda: clock["now"])
    registry.withdraw("ann", source="letter", at=T0)
    registry.erase("ann")
    state = registry.to_state()
    assert "recorded" not in state["columns"]
    _same_state(OptInRegistry.from_state(state).to_state(), state)


def test_a_state_whose_events_use_an_undeclared_purpose_is_refused() -> None:
    from community_marketing import InvalidInputError, OptInRegistry

    registry = OptInRegistry(purposes=["news"], channels=["email"])
    registry.grant("ann", "news", "email", source="form")
    state = registry.to_state()
    assert OptInRegistry.from_state(state).may_contact("ann", "news", "email")
    state["config"]["purposes"] = ["offers"]
    with pytest.raises(InvalidInputError, match=r"^state\.pairs\[0\]: purpose: 'news' is not"):
        OptInRegistry.from_state(state)
    state["config"]["purposes"], state["config"]["channels"] = None, ["sms"]
    with pytest.raises(InvalidInputError, match=r"^state\.pairs\[0\]: channel: 'email'"):
        OptInRegistry.from_state(state)
