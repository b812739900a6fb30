"""OptInRegistry against a tiny reference model (hypothesis stateful testing), and junk states."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from community_marketing import (
    ConsentRequiredError,
    ConsentStatus,
    InvalidInputError,
    InvalidTokenError,
    OptInRegistry,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TTL = timedelta(hours=2)
CONTACTS = ["ann", "bob", 7]
PURPOSES = ["news", "offers"]
CHANNELS = ["email", "sms"]


@dataclass
class Event:
    at: datetime
    kind: str  # grant, request, confirm, withdraw, suppress, unsuppress
    purpose: str | None = None
    channel: str | None = None
    basis: str = "express"


@dataclass
class Model:
    """The registry's rules, written as plainly as possible."""

    events: dict[object, list[Event]] = field(default_factory=dict)
    erased_at: dict[object, datetime] = field(default_factory=dict)
    regrant_at: dict[object, datetime] = field(default_factory=dict)

    def key_events(self, contact: object, purpose: str, channel: str, at: datetime) -> list[Event]:
        return [
            e
            for e in self.events.get(contact, [])
            if e.at <= at
            and e.purpose == purpose
            and e.channel == channel
            and e.kind in {"grant", "request", "confirm", "withdraw"}
        ]

    def suppressed(self, contact: object, at: datetime) -> bool:
        marks = [
            e
            for e in self.events.get(contact, [])
            if e.at <= at and e.kind in {"suppress", "unsuppress"}
        ]
        if marks and marks[-1].kind == "suppress":
            return True
        erased = self.erased_at.get(contact)
        regrant = self.regrant_at.get(contact)
        return erased is not None and erased <= at and (regrant is None or at < regrant)

    def status(self, contact: object, purpose: str, channel: str, at: datetime) -> ConsentStatus:
        if self.suppressed(contact, at):
            return ConsentStatus.SUPPRESSED
        events = self.key_events(contact, purpose, channel, at)
        base_index = max((i for i, e in enumerate(events) if e.kind != "request"), default=-1)
        base = events[base_index] if base_index >= 0 else None
        pending = events[base_index + 1 :]  # requests recorded after the base event
        if base is None:
            status = ConsentStatus.NONE
        elif base.kind == "withdraw":
            status = ConsentStatus.WITHDRAWN
        else:
            status = ConsentStatus.GRANTED
        if pending and status is not ConsentStatus.GRANTED and at < pending[-1].at + TTL:
            status = ConsentStatus.PENDING
        return status

    def record(self, contact: object, event: Event) -> None:
        self.events.setdefault(contact, []).append(event)
        erased = self.erased_at.get(contact)
        if (
            erased is not None
            and event.kind in {"grant", "confirm"}
            and event.basis == "express"
            and event.at >= erased
            and contact not in self.regrant_at
        ):
            self.regrant_at[contact] = event.at


class RegistryMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.registry = OptInRegistry(token_ttl=TTL, clock=lambda: self.now)
        self.model = Model()
        self.tokens: list[tuple[str, object, str, str, datetime, int]] = []
        self.used: set[int] = set()
        self.moments = [T0]

    @rule(minutes=st.integers(1, 200))
    def tick(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        self.moments.append(self.now)

    @rule(
        contact=st.sampled_from(CONTACTS),
        purpose=st.sampled_from(PURPOSES),
        channel=st.sampled_from(CHANNELS),
        basis=st.sampled_from(["express", "implied_business"]),
    )
    def grant(self, contact: object, purpose: str, channel: str, basis: str) -> None:
        self.registry.grant(contact, purpose, channel, source="form", basis=basis)
        self.model.record(contact, Event(self.now, "grant", purpose, channel, basis))

    @rule(
        contact=st.sampled_from(CONTACTS),
        purpose=st.sampled_from(PURPOSES),
        channel=st.sampled_from(CHANNELS),
    )
    def request(self, contact: object, purpose: str, channel: str) -> None:
        token = self.registry.request(contact, purpose, channel, source="form")
        self.model.record(contact, Event(self.now, "request", purpose, channel))
        index = len(self.model.events[contact]) - 1
        self.tokens.append((token, contact, purpose, channel, self.now, index))

    @precondition(lambda self: bool(self.tokens))
    @rule(data=st.data())
    def confirm(self, data: st.DataObject) -> None:
        position = data.draw(st.integers(0, len(self.tokens) - 1))
        token, contact, purpose, channel, requested, _ = self.tokens[position]
        keyed = self.model.key_events(contact, purpose, channel, self.now)
        latest = keyed[-1] if keyed else None
        valid = (
            position not in self.used
            and self.now < requested + TTL
            and latest is not None
            and latest.kind == "request"
            and latest.at == requested
            and self._still_latest_request(contact, purpose, channel, position)
        )
        if valid:
            self.registry.confirm(token)
            self.used.add(position)
            self.model.record(contact, Event(self.now, "confirm", purpose, channel))
        else:
            before = self.registry.events()
            try:
                self.registry.confirm(token)
            except InvalidTokenError:
                pass
            else:
                raise AssertionError("an invalid token was accepted")
            assert self.registry.events() == before

    def _still_latest_request(
        self, contact: object, purpose: str, channel: str, position: int
    ) -> bool:
        """The token's request is the key's newest event (a later request supersedes it)."""
        later = [
            t
            for i, t in enumerate(self.tokens)
            if i > position and t[1] == contact and t[2] == purpose and t[3] == channel
        ]
        return not later

    @rule(
        contact=st.sampled_from(CONTACTS),
        purpose=st.sampled_from([*PURPOSES, None]),
        channel=st.sampled_from([*CHANNELS, None]),
    )
    def withdraw(self, contact: object, purpose: str | None, channel: str | None) -> None:
        events = self.registry.withdraw(contact, purpose, channel, source="link")
        existing = {
            (e.purpose, e.channel)
            for e in self.model.events.get(contact, [])
            if e.kind in {"grant", "request", "confirm", "withdraw"}
        }
        targets = sorted(
            (p, c)
            for p, c in existing
            if purpose in (None, p) and channel in (None, c) and p is not None and c is not None
        )
        if not targets and purpose is not None and channel is not None:
            targets = [(purpose, channel)]
        recorded = sorted((e.purpose, e.channel) for e in events if e.purpose and e.channel)
        assert recorded == targets
        for p, c in targets:
            self.model.record(contact, Event(self.now, "withdraw", p, c))

    @rule(contact=st.sampled_from(CONTACTS), on=st.booleans())
    def suppress(self, contact: object, on: bool) -> None:
        if on:
            self.registry.suppress(contact, reason="complaint")
        else:
            self.registry.unsuppress(contact, reason="resolved")
        self.model.record(contact, Event(self.now, "suppress" if on else "unsuppress"))

    @rule(contact=st.sampled_from(CONTACTS))
    def erase(self, contact: object) -> None:
        self.registry.erase(contact)
        self.model.events.pop(contact, None)
        # Erased again, an id stays suppressed from its first erasure on.
        self.model.erased_at.setdefault(contact, self.now)
        self.model.regrant_at.pop(contact, None)
        self.tokens = [
            (t[0], object(), *t[2:]) if t[1] == contact else t  # type: ignore[misc]
            for t in self.tokens
        ]

    @rule()
    def roundtrip(self) -> None:
        state_copy = OptInRegistry.from_state(self.registry.to_state(), clock=lambda: self.now)
        assert state_copy.events() == self.registry.events()
        key = bytes.fromhex(self.registry.to_state()["config"]["erasure_key"])
        events_copy = OptInRegistry.from_events(
            self.registry.events(), token_ttl=TTL, erasure_key=key
        )
        for copy in (state_copy, events_copy):
            for purpose in PURPOSES:
                for channel in CHANNELS:
                    ours = self.registry.check_many(CONTACTS, purpose, channel, at=self.now)
                    theirs = copy.check_many(CONTACTS, purpose, channel, at=self.now)
                    assert list(ours) == list(theirs)

    @invariant()
    def statuses_match_the_model(self) -> None:
        for at in {self.now, self.moments[len(self.moments) // 2]}:
            for purpose in PURPOSES:
                for channel in CHANNELS:
                    bulk = self.registry.check_many(CONTACTS, purpose, channel, at=at)
                    for position, contact in enumerate(CONTACTS):
                        expected = self.model.status(contact, purpose, channel, at)
                        actual = self.registry.status(contact, purpose, channel, at=at)
                        assert actual is expected, (contact, purpose, channel, at)
                        assert bulk[position] is self.registry.check(
                            contact, purpose, channel, at=at
                        )


TestRegistryMachine = RegistryMachine.TestCase
TestRegistryMachine.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


json_leaf = st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.floats()
junk = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(junk)
def test_from_state_junk_raises_only_invalid_input(value: object) -> None:
    with contextlib.suppress(InvalidInputError):
        OptInRegistry.from_state(value)  # type: ignore[arg-type]


def _valid_state() -> dict[str, object]:
    registry = OptInRegistry()
    registry.grant("ann", "news", "email", source="f", at=T0)
    registry.request("bob", "news", "sms", source="f", at=T0)
    registry.suppress("cid", reason="r", at=T0)
    registry.set_preferences("ann", timezone="UTC", at=T0)
    return registry.to_state()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["seq", "contact", "pair", "action", "ts", "expires", "meta"]),
    st.integers(0, 3),
    st.integers(-(2**63), 2**63 - 1),
)
def test_from_state_corrupted_columns_raise_only_invalid_input(
    name: str, row: int, value: int
) -> None:
    state = _valid_state()
    columns = state["columns"]
    assert isinstance(columns, dict)
    column = columns[name].astype(np.int64)  # as a database might hand it back
    column[row] = value
    columns[name] = column
    try:
        copy = OptInRegistry.from_state(state)
    except InvalidInputError:
        return
    copy.events()  # whatever it accepted must still be a working registry
    copy.check_many(["ann", "bob", "cid"], "news", "email", at=T0)


def send_if_allowed(registry: OptInRegistry, contact: int, at: datetime) -> None:
    """Record the send when it is allowed; otherwise it must be refused, changing nothing."""
    if registry.may_contact(contact, "news", "email", at=at):
        registry.record_sent(contact, "news", "email", at=at)
        return
    before = registry.events()
    with pytest.raises(ConsentRequiredError):
        registry.record_sent(contact, "news", "email", at=at)
    assert registry.events() == before


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 5),
            st.sampled_from(["grant", "withdraw", "suppress", "unsuppress", "sent"]),
            st.integers(0, 50),
        ),
        max_size=40,
    ),
    st.integers(0, 60),
)
def test_bulk_checks_equal_scalar_checks(
    script: list[tuple[int, str, int]], query_hour: int
) -> None:
    registry = OptInRegistry(default_max_per_period=(2, timedelta(hours=5)))
    for contact, kind, hour in sorted(script, key=lambda s: s[2]):
        at = T0 + timedelta(hours=hour)
        if kind == "grant":
            registry.grant(contact, "news", "email", source="f", at=at)
        elif kind == "withdraw":
            registry.withdraw(contact, "news", "email", source="f", at=at)
        elif kind == "sent":
            send_if_allowed(registry, contact, at)
        else:
            getattr(registry, kind)(contact, reason="r", at=at)
    at = T0 + timedelta(hours=query_hour)
    contacts = list(range(7))
    checks = registry.check_many(np.array(contacts), "news", "email", at=at)
    assume(len(checks) == 7)
    assert list(checks) == [registry.check(c, "news", "email", at=at) for c in contacts]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 4), st.sampled_from(["grant", "withdraw", "sent"]), st.integers(0, 30)
        ),
        max_size=30,
    ),
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 40)), min_size=1, max_size=12),
)
def test_per_contact_moments_equal_scalar_checks(
    script: list[tuple[int, str, int]], queries: list[tuple[int, int]]
) -> None:
    registry = OptInRegistry(default_max_per_period=(1, timedelta(hours=3)))
    for contact, kind, hour in sorted(script, key=lambda s: s[2]):
        at = T0 + timedelta(hours=hour)
        if kind == "grant":
            registry.grant(contact, "news", "email", source="f", at=at)
        elif kind == "withdraw":
            registry.withdraw(contact, "news", "email", source="f", at=at)
        else:
            send_if_allowed(registry, contact, at)
    contacts = [contact for contact, _ in queries]
    moments = [T0 + timedelta(hours=hour) for _, hour in queries]
    checks = registry.check_many(contacts, "news", "email", at=moments)
    expected = [
        registry.check(c, "news", "email", at=m) for c, m in zip(contacts, moments, strict=True)
    ]
    assert list(checks) == expected
    stamps = np.array([m.replace(tzinfo=None) for m in moments], dtype="datetime64[us]")
    assert list(registry.check_many(contacts, "news", "email", at=stamps)) == expected
