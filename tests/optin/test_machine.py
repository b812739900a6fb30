"""OptInRegistry's promise on every path: a state machine over every kind of write, rebuilt
after each step through ``to_state``/``from_state`` and through JSON events/``from_events``.

Issue 13 asks for it: grants (several bases), imports, double opt-ins, withdrawals, SMS
keywords, suppressions, erasures, sends and preferences, interleaved under a clock that
moves forward, some writes back-dated. After each step the registry, its state copy and
its event copy must give the same answer to every question (contact, purpose, channel,
``at``, ``known_at``), the bulk answers must agree with the scalar ones, and the
ledger's model-level promises must hold (erasure lasts, suppression wins, what the
registry knew at a past moment never changes afterwards).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from community_marketing import (
    ConsentAction,
    ConsentEvent,
    ConsentRequiredError,
    ConsentStatus,
    InvalidInputError,
    InvalidTokenError,
    OptInRegistry,
    Reason,
)
from community_marketing.optin._erasure import REGRANT

T0 = datetime(2026, 3, 7, 14, tzinfo=UTC)  # 09:00 in New York, the day before DST starts
TTL = timedelta(hours=2)
US = timedelta(microseconds=1)
CONFIG: dict[str, Any] = {
    "token_ttl": TTL,
    "expiry": {"*": {"implied_business": timedelta(days=2)}},
    "exempt_purposes": ["receipts"],
    "default_max_per_period": (2, timedelta(hours=12)),
    "send_window": (time(7), time(22)),
    "default_timezone": "America/New_York",
    "soft_opt_in_purposes": ["offers"],
}
PURPOSES = ["news", "offers", "receipts"]
CHANNELS = ["email", "sms"]
PAIRS = [(p, c) for p in PURPOSES for c in CHANNELS]
ONE: list[Hashable] = [1, 1.0, np.int64(1), True]
"""One contact under four ids that Python treats as equal."""
WRITERS: list[Hashable] = ["ann", "bob", *ONE]
ASKED: list[Hashable] = ["ann", "bob", *ONE, "zed", 2]
"""Every contact asked about: the written ones, each id of contact 1, and two strangers."""
TEXTS = {
    "STOP": "stop",
    "opt out!": "stop",
    "Stop please": "stop",
    "\uff33\uff34\uff2f\uff30": "stop",  # full-width STOP
    "START": "start",
    "yes": "start",
    "HELP": "help",
    "hello there": "none",
}
KEY_ACTIONS = {
    ConsentAction.GRANT,
    ConsentAction.REQUEST,
    ConsentAction.CONFIRM,
    ConsentAction.WITHDRAW,
}
MARK_ACTIONS = {ConsentAction.SUPPRESS, ConsentAction.UNSUPPRESS}

backs = st.sampled_from([0, 0, 0, 10, 90])
"""Minutes a write is back-dated by (0: at the clock's now, ``at=None``)."""
contacts = st.sampled_from(WRITERS)
purposes = st.sampled_from(PURPOSES)
channels = st.sampled_from(CHANNELS)


def key_of(contact: Hashable) -> Hashable:
    """The one model key of ids that Python treats as equal."""
    return contact if isinstance(contact, str) else int(contact)  # type: ignore[call-overload]


def on_key(purpose: str, channel: str) -> Callable[[ConsentEvent], bool]:
    """Events of the (purpose, channel) key chain, the one a key's live write must follow."""
    return lambda e: e.action in KEY_ACTIONS and (e.purpose, e.channel) == (purpose, channel)


def rebuild_from_json(registry: OptInRegistry) -> OptInRegistry:
    """The documented event route: events to JSON and back, with the erasure key."""
    dumped = json.dumps([event.to_dict() for event in registry.events()])
    events = [ConsentEvent.from_dict(data) for data in json.loads(dumped)]
    return OptInRegistry.from_events(events, erasure_key=registry.erasure_key, **CONFIG)


def assert_same_state(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    """Two ``to_state`` results are equal: columns by numpy, everything else by ==."""
    assert ours.keys() == theirs.keys()
    assert ours["columns"].keys() == theirs["columns"].keys()
    for name, column in ours["columns"].items():
        assert np.array_equal(column, theirs["columns"][name]), name
    for name in ours.keys() - {"columns"}:
        assert ours[name] == theirs[name], name


def once_each(asked: list[Hashable], reasons: list[Reason]) -> list[Hashable]:
    """The allowed contacts, each person once: the first of its ids, in the order asked."""
    seen: set[Hashable] = set()
    out = []
    for contact, reason in zip(asked, reasons, strict=True):
        if key_of(contact) not in seen and reason is Reason.ALLOWED:
            out.append(contact)
        seen.add(key_of(contact))
    return out


@dataclass
class Token:
    """A double opt-in token held by the machine, with what it knows of its request."""

    token: str
    contact: Hashable
    requested_at: datetime
    used: bool = False
    erased: bool = False


@dataclass(frozen=True)
class Known:
    """An answer given for ``known_at`` in the past: it must never change (erasure aside)."""

    contact: Hashable
    purpose: str
    channel: str
    at: datetime
    known_at: datetime
    reason: Reason


class LedgerMachine(RuleBasedStateMachine):
    """Interleaves every kind of write under a forward-moving clock, and after each step
    checks that a registry, its ``from_state`` copy and its JSON ``from_events`` copy
    answer every question alike, and that the ledger's promises hold.

    The model kept beside the registry is small: when each contact was erased and when
    its own express opt-in lifted that, its suppression marks, its tokens, and answers
    given for a past ``known_at``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.moments = [T0]
        self.registry = OptInRegistry(clock=lambda: self.now, **CONFIG)
        self.tokens: list[Token] = []
        self.erased: dict[Hashable, datetime] = {}
        self.last_erased: dict[Hashable, datetime] = {}
        self.lifted: dict[Hashable, datetime] = {}
        self.marks: dict[Hashable, list[tuple[datetime, bool]]] = {}
        self.known: list[Known] = []
        self.steps = 0

    # ------------------------------------------------------------------ helpers

    def clock(self) -> datetime:
        return self.now

    def at_of(self, back: int) -> datetime | None:
        return None if back == 0 else self.now - timedelta(minutes=back)

    def snapshot(self) -> tuple[object, ...]:
        """Everything a refused call must leave as it was."""
        r = self.registry
        return tuple(r.events()), repr(r), r.to_state()["tokens"], r.to_state()["next_seq"]

    def attempt(
        self,
        write: Callable[[], Any],
        contact: Hashable,
        chain: Callable[[ConsentEvent], bool],
        at: datetime | None,
    ) -> tuple[bool, Any]:
        """Run a write; a refusal is allowed only for a back-dated write behind its chain."""
        before = self.snapshot()
        try:
            return True, write()
        except InvalidInputError:
            assert at is not None, "a write at the clock's now was refused"
            later = [e for e in self.registry.history(contact) if chain(e) and e.at > at]
            erased = self.last_erased.get(key_of(contact))
            assert later or (erased is not None and at < erased), (
                f"a write at {at} was refused though nothing later is on its chain"
            )
            assert self.snapshot() == before, "a refused write changed the registry"
            return False, None

    def erasure_holds(self, key: Hashable, at: datetime) -> bool:
        """The model: erased by ``at`` and not yet lifted by the contact's own opt-in."""
        erased = self.erased.get(key)
        lifted = self.lifted.get(key)
        return erased is not None and erased <= at and (lifted is None or at < lifted)

    def note_express(self, contact: Hashable, at: datetime, event: ConsentEvent) -> None:
        """A scalar express grant or a confirmation: the mark, and the lift, iff it lifts."""
        key = key_of(contact)
        lifts = self.erasure_holds(key, at)
        assert (event.reason == REGRANT) is lifts, (event, self.erased, self.lifted)
        if lifts:
            self.lifted[key] = at

    def marked(self, key: Hashable, at: datetime) -> bool:
        marks = sorted(self.marks.get(key, []), key=lambda mark: mark[0])
        current = [on for moment, on in marks if moment <= at]
        return bool(current) and current[-1]

    def refused_soft(self, purpose: str, write: Callable[[], Any]) -> bool:
        """A soft opt-in outside the declared purposes is refused, changing nothing."""
        if purpose == "offers":
            return False
        before = self.snapshot()
        with pytest.raises(InvalidInputError, match="soft_opt_in"):
            write()
        assert self.snapshot() == before
        return True

    # ------------------------------------------------------------------ rules: time

    @rule(minutes=st.sampled_from([1, 45, 180, 700, 1500]))
    def tick(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        self.moments.append(self.now)

    # ------------------------------------------------------------------ rules: consent

    @rule(
        contact=contacts,
        purpose=purposes,
        channel=channels,
        basis=st.sampled_from(["express", "express", "implied_business", "soft_opt_in"]),
        back=backs,
        lapses=st.booleans(),
    )
    def grant(
        self, contact: Hashable, purpose: str, channel: str, basis: str, back: int, lapses: bool
    ) -> None:
        at = self.at_of(back)
        source = "sale:1042" if basis == "soft_opt_in" else "form"
        expires = self.now + timedelta(hours=3) if lapses else None

        def write() -> ConsentEvent:
            return self.registry.grant(
                contact, purpose, channel, source=source, basis=basis, expires_at=expires, at=at
            )

        if basis == "soft_opt_in" and self.refused_soft(purpose, write):
            return
        done, event = self.attempt(write, contact, on_key(purpose, channel), at)
        if done and basis == "express":
            self.note_express(contact, event.at, event)
        elif done:
            assert event.reason is None

    @rule(
        batch=st.lists(contacts, min_size=1, max_size=4),
        purpose=purposes,
        both=st.booleans(),
        channel=channels,
        basis=st.sampled_from(["express", "implied_business", "soft_opt_in"]),
        back=backs,
    )
    def grant_many(
        self,
        batch: list[Hashable],
        purpose: str,
        both: bool,
        channel: str,
        basis: str,
        back: int,
    ) -> None:
        """Imports: whatever their basis, they never lift an erasure."""
        at = self.at_of(back)
        names: str | list[str] = CHANNELS if both else channel
        source = "sale:crm" if basis == "soft_opt_in" else "crm_import"
        since = len(self.registry.events())

        def write() -> int:
            return self.registry.grant_many(
                batch, purpose, names, source=source, basis=basis, at=at
            )

        if basis == "soft_opt_in" and self.refused_soft(purpose, write):
            return
        chains = [on_key(purpose, name) for name in (CHANNELS if both else [channel])]
        before = self.snapshot()
        try:
            count = write()
        except InvalidInputError:
            # Refused only when back-dated behind one of the batch's chains; all or nothing.
            assert at is not None, "an import at the clock's now was refused"
            assert any(
                chain(e) and e.at > at
                for c in batch
                for e in self.registry.history(c)
                for chain in chains
            ) or any(at < self.last_erased.get(key_of(c), at) for c in batch)
            assert self.snapshot() == before
            return
        assert count == len(batch) * len(chains)
        for event in self.registry.events()[since:]:
            assert event.reason is None, "an import carried the mark that lifts an erasure"

    @rule(contact=contacts, purpose=purposes, channel=channels, back=backs)
    def request(self, contact: Hashable, purpose: str, channel: str, back: int) -> None:
        at = self.at_of(back)

        def write() -> str:
            return self.registry.request(contact, purpose, channel, source="form", at=at)

        done, token = self.attempt(write, contact, on_key(purpose, channel), at)
        if done:
            self.tokens.append(Token(token, contact, at or self.now))

    @precondition(lambda self: bool(self.tokens))
    @rule(data=st.data())
    def confirm(self, data: st.DataObject) -> None:
        """Used, expired and erased tokens are refused; nothing changes then."""
        held = data.draw(st.sampled_from(self.tokens))
        doomed = held.used or held.erased or self.now >= held.requested_at + TTL
        before = self.snapshot()
        try:
            event = self.registry.confirm(held.token)
        except InvalidTokenError:
            assert self.snapshot() == before, "a refused confirmation changed the registry"
            return
        assert not doomed, f"a used, erased or expired token was confirmed: {held}"
        held.used = True
        self.note_express(held.contact, event.at, event)

    @rule(
        contact=contacts,
        purpose=st.sampled_from([*PURPOSES, None]),
        channel=st.sampled_from([*CHANNELS, None]),
        back=backs,
    )
    def withdraw(
        self, contact: Hashable, purpose: str | None, channel: str | None, back: int
    ) -> None:
        """A back-dated withdrawal must not rewrite what the registry knew before it."""
        at = self.at_of(back)
        asked = [(p, c) for p, c in PAIRS if purpose in (None, p) and channel in (None, c)]
        knew = self.now - US
        before: list[Known] = []
        if at is not None:
            for p, c in asked[:2]:
                for moment in (at, self.now):
                    reason = self.registry.check(contact, p, c, at=moment, known_at=knew)
                    before.append(Known(contact, p, c, moment, knew, reason))

        def write() -> list[ConsentEvent]:
            return self.registry.withdraw(contact, purpose, channel, source="link", at=at)

        def chain(event: ConsentEvent) -> bool:
            return event.action in KEY_ACTIONS and (event.purpose, event.channel) in asked

        done, _ = self.attempt(write, contact, chain, at)
        if done:
            self.known.extend(before)

    @rule(contact=contacts, text=st.sampled_from(sorted(TEXTS)), back=backs)
    def apply_keyword(self, contact: Hashable, text: str, back: int) -> None:
        """STOP, "opt out", START, YES, HELP and other text on "sms"."""
        at = self.at_of(back)

        def write() -> Any:
            return self.registry.apply_keyword(contact, "sms", text, at=at)

        def chain(event: ConsentEvent) -> bool:
            return event.action in KEY_ACTIONS and event.channel == "sms"

        done, result = self.attempt(write, contact, chain, at)
        if not done:
            return
        assert result.kind == TEXTS[text]
        if result.kind in ("help", "none"):
            assert result.events == ()
        for event in result.events if result.kind == "start" else ():
            assert event.basis == "express"
            assert event.channel == "sms"
            assert event.reason is None, "a keyword reply lifted an erasure"

    @rule(contact=contacts, on=st.booleans(), back=backs)
    def suppress(self, contact: Hashable, on: bool, back: int) -> None:
        at = self.at_of(back)
        r = self.registry

        def write() -> ConsentEvent:
            if on:
                return r.suppress(contact, reason="complaint", at=at)
            return r.unsuppress(contact, reason="resolved", at=at)

        done, event = self.attempt(write, contact, lambda e: e.action in MARK_ACTIONS, at)
        if done:
            self.marks.setdefault(key_of(contact), []).append((event.at, on))

    @rule(contact=contacts, back=backs)
    def erase(self, contact: Hashable, back: int) -> None:
        at = self.at_of(back)

        def write() -> ConsentEvent:
            return self.registry.erase(contact, at=at)

        done, event = self.attempt(write, contact, lambda e: True, at)
        if not done:
            return
        key = key_of(contact)
        assert self.registry.history(contact) == []
        self.erased[key] = min(event.at, self.erased.get(key, event.at))
        self.last_erased[key] = event.at
        self.lifted.pop(key, None)
        self.marks.pop(key, None)
        self.known = [k for k in self.known if key_of(k.contact) != key]
        for held in self.tokens:
            if key_of(held.contact) == key:
                held.erased = True

    @rule(contact=contacts, purpose=purposes, channel=channels, back=backs)
    def record_sent(self, contact: Hashable, purpose: str, channel: str, back: int) -> None:
        """Only allowed sends are recorded; a refused one changes nothing."""
        at = self.at_of(back)
        r = self.registry
        if r.may_contact(contact, purpose, channel, at=at):

            def write() -> ConsentEvent:
                return r.record_sent(contact, purpose, channel, at=at)

            def chain(event: ConsentEvent) -> bool:
                return event.action is ConsentAction.SENT and event.purpose != "receipts"

            self.attempt(write, contact, chain, at)
            return
        before = self.snapshot()
        try:
            r.record_sent(contact, purpose, channel, at=at)
        except ConsentRequiredError:
            assert self.snapshot() == before
        else:
            raise AssertionError("a send the registry refuses was recorded")

    @rule(
        contact=contacts,
        zone=st.sampled_from([None, "Europe/Paris", "Asia/Tokyo", "America/New_York"]),
        quiet=st.sampled_from([None, (time(22), time(8)), (time(12), time(14))]),
        cap=st.sampled_from([None, (1, timedelta(hours=6)), (3, timedelta(days=1))]),
        pause=st.sampled_from([None, timedelta(hours=2)]),
        back=backs,
    )
    def set_preferences(
        self,
        contact: Hashable,
        zone: str | None,
        quiet: tuple[time, time] | None,
        cap: tuple[int, timedelta] | None,
        pause: timedelta | None,
        back: int,
    ) -> None:
        at = self.at_of(back)

        def write() -> ConsentEvent:
            return self.registry.set_preferences(
                contact,
                timezone=zone,
                quiet_hours=quiet,
                max_per_period=cap,
                paused_until=None if pause is None else self.now + pause,
                at=at,
            )

        self.attempt(write, contact, lambda e: e.action is ConsentAction.PREFERENCES, at)

    # ------------------------------------------------------------------ invariants

    def moments_asked(self) -> list[datetime]:
        """Past, now and future moments ``at`` is asked for."""
        past = self.moments[len(self.moments) // 2]
        return [past, self.now, self.now + timedelta(hours=5), self.now + timedelta(days=3)]

    @invariant()
    def copies_answer_alike(self) -> None:
        """``from_state`` and JSON ``from_events`` copies hold the same events and give the
        same status, check, may_contact, check_many and audience for every contact (each id
        of contact 1, strangers and erased ones too), purpose, channel, ``at`` and
        ``known_at``; bulk answers equal scalar ones; ``A.to_state()`` equals the original's.
        """
        self.steps += 1
        r = self.registry
        state = r.to_state()
        a = OptInRegistry.from_state(state, clock=self.clock)
        b = rebuild_from_json(r)
        assert_same_state(a.to_state(), state)
        events = r.events()
        assert a.events() == events
        assert b.events() == events
        copies = (r, a, b)
        moments = self.moments_asked()
        past_known = self.moments[len(self.moments) // 3]
        known_at = (None, past_known if self.steps % 2 else self.now)
        flat = [c for _ in moments for c in ASKED]
        flat_at = [m for m in moments for _ in ASKED]
        for index, (purpose, channel) in enumerate(PAIRS):
            bulk = {}
            # known_at rebuilds the registry per call: two pairs a step, all of them in three.
            for known in known_at if (index + self.steps) % 3 == 0 else known_at[:1]:
                answers = [
                    list(reg.check_many(flat, purpose, channel, at=flat_at, known_at=known))
                    for reg in copies
                ]
                assert answers[0] == answers[1] == answers[2], (purpose, channel, known)
                bulk[known] = answers[0]
            scalar = [
                r.check(c, purpose, channel, at=m) for c, m in zip(flat, flat_at, strict=True)
            ]
            assert scalar == bulk[None], (purpose, channel)
            now = slice(len(ASKED), 2 * len(ASKED))  # the copies' scalar checks: at now
            for reg in (a, b):
                scalar = [reg.check(c, purpose, channel, at=self.now) for c in ASKED]
                assert scalar == bulk[None][now], (purpose, channel)
            statuses = [
                [reg.status(c, purpose, channel, at=m) for c, m in zip(flat, flat_at, strict=True)]
                for reg in copies
            ]
            assert statuses[0] == statuses[1] == statuses[2], (purpose, channel)
            for reg in copies:
                audience = reg.audience(ASKED, purpose, channel)
                assert audience == self.expected_audience(reg, purpose, channel)
        self.scalar_known_at(copies)

    def expected_audience(self, reg: OptInRegistry, purpose: str, channel: str) -> list[Hashable]:
        """The allowed contacts of ``ASKED``, each person once (its first id), by scalar checks."""
        return once_each(ASKED, [reg.check(c, purpose, channel) for c in ASKED])

    def scalar_known_at(self, copies: tuple[OptInRegistry, ...]) -> None:
        """One contact and pair per step (rotating): with ``known_at``, status agrees across
        the copies, and check, may_contact and audience agree with ``check_many``."""
        contact = ASKED[self.steps % len(ASKED)]
        purpose, channel = PAIRS[self.steps % len(PAIRS)]
        known = self.moments[len(self.moments) // 3] if self.steps % 2 else self.now
        at = self.moments[len(self.moments) // 2]
        r = copies[0]
        check = r.check(contact, purpose, channel, at=at, known_at=known)
        bulk = r.check_many([contact], purpose, channel, at=at, known_at=known)[0]
        may = r.may_contact(contact, purpose, channel, at=at, known_at=known)
        assert check is bulk
        assert may is (check is Reason.ALLOWED)
        statuses = {reg.status(contact, purpose, channel, at=at, known_at=known) for reg in copies}
        assert len(statuses) == 1, (contact, purpose, channel, at, known, statuses)
        audience = r.audience(ASKED, purpose, channel, at=self.now, known_at=known)
        reasons = r.check_many(ASKED, purpose, channel, at=self.now, known_at=known)
        assert audience == once_each(ASKED, list(reasons)), (purpose, channel, known)

    @invariant()
    def erasure_lasts(self) -> None:
        """An erased contact, under any of its ids, is suppressed for every purpose (exempt
        ones too) until its own express grant or confirmation after the erasure."""
        r = self.registry
        for key in self.erased:
            ids = ONE if key == 1 else [key]
            for moment in (self.now, self.now + timedelta(days=3)):
                if not self.erasure_holds(key, moment):
                    continue
                for contact in ids:
                    assert r.is_suppressed(contact, at=moment), (contact, moment)
                    for purpose, channel in PAIRS:
                        reason = r.check(contact, purpose, channel, at=moment)
                        assert reason is Reason.SUPPRESSED, (contact, purpose, channel, moment)
                        status = r.status(contact, purpose, channel, at=moment)
                        assert status is ConsentStatus.SUPPRESSED

    @invariant()
    def suppression_wins(self) -> None:
        """A contact suppressed (a mark or an erasure still in force) is in no audience, and
        ``is_suppressed`` says exactly what the model's marks and erasures say."""
        r = self.registry
        for contact in ASKED:
            key = key_of(contact)
            expected = self.marked(key, self.now) or self.erasure_holds(key, self.now)
            assert r.is_suppressed(contact) is expected, contact
            if expected:
                for purpose, channel in PAIRS:
                    assert contact not in r.audience([contact], purpose, channel)

    @invariant()
    def the_past_stays_known(self) -> None:
        """What the registry answered for a past ``known_at`` (taken just before each
        back-dated withdrawal) never changes afterwards, unless the contact was erased."""
        r = self.registry
        for k in self.known[-6:]:
            reason = r.check(k.contact, k.purpose, k.channel, at=k.at, known_at=k.known_at)
            assert reason is k.reason, k


# About 15 s on one loaded core (500 steps, each rebuilding the registry twice and asking
# it ~2,000 questions); hunting runs of 60 x 25 and 100 x 30 steps passed too.
LedgerMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestLedgerMachine = LedgerMachine.TestCase
