"""OptInRegistry. Erasure: keyed fingerprints, no silent re-import, rebuilds."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from decimal import Decimal

import numpy as np
import pytest

from community_marketing import (
    ConsentAction,
    ConsentEvent,
    ConsentStatus,
    InvalidInputError,
    InvalidTokenError,
    OptInRegistry,
    Reason,
)
from community_marketing.optin._erasure import REGRANT, Erasures

from ._support import DAY, HOUR, T0, snapshot

# ---------------------------------------------------------------- erasure


def test_erase_removes_personal_data_and_keeps_a_keyed_hash(registry: OptInRegistry) -> None:
    registry.grant("ann@example.com", "news", "email", source="form", proof="ip=1.2.3.4", at=T0)
    registry.set_preferences("ann@example.com", timezone="Europe/Paris", at=T0)
    registry.grant("bob", "news", "email", source="form", at=T0)
    event = registry.erase("ann@example.com", at=T0 + DAY)
    assert event.action is ConsentAction.ERASE
    assert event.contact is None
    assert event.proof is not None
    assert "ann@example.com" not in event.proof
    assert registry.history("ann@example.com") == []
    dumped = json.dumps([e.to_dict() for e in registry.events()])
    assert "ann@example.com" not in dumped
    assert "1.2.3.4" not in dumped
    assert registry.may_contact("bob", "news", "email", at=T0 + DAY)


def test_erased_contact_cannot_be_silently_reimported(registry: OptInRegistry) -> None:
    registry.grant("ann", "news", "email", source="form", at=T0)
    registry.erase("ann", at=T0 + DAY)
    registry.grant_many(["ann"], "news", "email", source="import", basis="implied_business",
                        at=T0 + 2 * DAY)  # fmt: skip
    assert registry.status("ann", "news", "email", at=T0 + 2 * DAY) is ConsentStatus.SUPPRESSED
    registry.grant("ann", "news", "email", source="signup_form", at=T0 + 3 * DAY)
    assert registry.status("ann", "news", "email", at=T0 + 3 * DAY) is ConsentStatus.GRANTED
    # The audit view of the in-between moment still says suppressed.
    assert registry.status("ann", "news", "email", at=T0 + 2 * DAY) is ConsentStatus.SUPPRESSED


def test_erase_survives_rebuilds(registry: OptInRegistry) -> None:
    registry.grant("ann", "news", "email", source="form", at=T0)
    registry.erase("ann", at=T0 + DAY)
    state_copy = OptInRegistry.from_state(registry.to_state())
    events_copy = OptInRegistry.from_events(
        registry.events(), erasure_key=bytes.fromhex(registry.to_state()["config"]["erasure_key"])
    )
    for copy in (state_copy, events_copy):
        copy.grant_many(["ann"], "news", "email", source="import", basis="implied_business",
                        at=T0 + 2 * DAY)  # fmt: skip
        assert copy.status("ann", "news", "email", at=T0 + 2 * DAY) is ConsentStatus.SUPPRESSED


def test_erase_invalidates_pending_tokens(registry: OptInRegistry) -> None:
    token = registry.request("ann", "news", "email", source="form", at=T0)
    registry.erase("ann", at=T0 + HOUR)
    with pytest.raises(InvalidTokenError):
        registry.confirm(token, at=T0 + 2 * HOUR)


# ---------------------------------------------------------------- issue: erasure that lasts


def test_erasure_survives_the_json_events_route(registry: OptInRegistry) -> None:
    """Fault 1: rebuilt from JSON events, an erased contact stays suppressed."""
    registry.grant("ann", "news", "email", source="form", at=T0)
    registry.erase("ann", at=T0 + DAY)
    wire = json.dumps([event.to_dict() for event in registry.events()])
    events = [ConsentEvent.from_dict(item) for item in json.loads(wire)]
    with pytest.raises(InvalidInputError, match=r"^erasure_key: the events hold 1 erasure"):
        OptInRegistry.from_events(events)
    with pytest.raises(InvalidInputError, match=r"^erasure_key: not the key"):
        OptInRegistry.from_events(events, erasure_key=b"k" * 32)
    copy = OptInRegistry.from_events(events, erasure_key=registry.erasure_key)
    copy.grant_many(["ann"], "news", "email", source="crm", basis="implied_business",
                    at=T0 + 2 * DAY)  # fmt: skip
    assert copy.status("ann", "news", "email", at=T0 + 2 * DAY) is ConsentStatus.SUPPRESSED
    assert copy.events()[-2] == registry.events()[-1]  # the ERASE event, key id and all


def test_erase_event_names_the_key_never_the_key_itself(registry: OptInRegistry) -> None:
    event = registry.erase("ann", at=T0)
    assert event.key_id is not None
    assert len(event.key_id) == 16
    assert registry.erasure_key.hex() not in json.dumps(event.to_dict())
    other = OptInRegistry(erasure_key=registry.erasure_key)
    assert other.erase("bob", at=T0).key_id == event.key_id


@pytest.mark.parametrize("alias", [np.int64(1), 1.0, True, np.float32(1.0), Decimal(1)])
def test_erasure_holds_for_every_id_python_treats_as_equal(
    registry: OptInRegistry, alias: object
) -> None:
    """Fault 2: erase(1), then an import of np.int64(1), 1.0 or True stays suppressed."""
    registry.grant(1, "news", "email", source="form", at=T0)
    registry.erase(1, at=T0 + DAY)
    registry.grant_many([alias], "news", "email", source="crm", basis="implied_business",
                        at=T0 + 2 * DAY)  # fmt: skip
    assert registry.check(1, "news", "email", at=T0 + 2 * DAY) is Reason.SUPPRESSED
    assert registry.is_suppressed(alias, at=T0 + 2 * DAY)
    assert not registry.may_contact(1, "news", "email", at=T0 + 2 * DAY)


def test_erasure_of_one_id_does_not_touch_its_string_twin(registry: OptInRegistry) -> None:
    registry.erase(1, at=T0)
    registry.grant("1", "news", "email", source="form", at=T0 + DAY)
    assert registry.may_contact("1", "news", "email", at=T0 + DAY)


def test_fingerprints_of_str_and_int_ids_are_unchanged_for_older_states() -> None:
    """States written before ids had canonical forms keep their erasures."""
    key = b"0" * 32
    erasures = Erasures(key)
    for contact in ("ann@example.com", 42):
        material = f"{type(contact).__module__}.{type(contact).__qualname__}:{contact!r}"
        old = hmac.new(key, material.encode(), hashlib.sha256).hexdigest()
        assert erasures.fingerprint(contact) == old


@pytest.mark.parametrize("basis", ["express", "implied_business"])
def test_no_import_lifts_an_erasure(registry: OptInRegistry, basis: str) -> None:
    """Fault 3: a bulk grant, express or not, leaves an erased contact suppressed."""
    registry.grant("ann", "news", "email", source="form", at=T0)
    registry.erase("ann", at=T0 + DAY)
    registry.grant_many(["ann"], "news", "email", source="crm", basis=basis, at=T0 + 2 * DAY)
    assert registry.status("ann", "news", "email", at=T0 + 3 * DAY) is ConsentStatus.SUPPRESSED


@pytest.mark.parametrize("route", ["grant", "double_opt_in"])
def test_a_fresh_express_opt_in_lifts_it_visibly_and_for_good(
    registry: OptInRegistry, route: str
) -> None:
    registry.erase("ann", at=T0)
    registry.grant_many(["ann"], "news", "email", source="crm", basis="express", at=T0 + DAY)
    if route == "grant":
        registry.grant("ann", "news", "email", source="signup_form", at=T0 + 2 * DAY)
    else:
        token = registry.request("ann", "news", "email", source="form", at=T0 + 2 * DAY)
        registry.confirm(token, at=T0 + 2 * DAY + HOUR)
    moment = T0 + 3 * DAY
    assert registry.may_contact("ann", "news", "email", at=moment)
    assert registry.history("ann")[-1].reason == REGRANT
    key = registry.erasure_key
    for copy in (
        OptInRegistry.from_state(registry.to_state()),
        OptInRegistry.from_events(registry.events(), erasure_key=key),
    ):
        assert copy.may_contact("ann", "news", "email", at=moment)
        assert copy.status("ann", "news", "email", at=T0 + DAY) is ConsentStatus.SUPPRESSED


def test_concurrent_writers_with_the_clock_are_not_refused() -> None:
    """Fault 8: the clock is read under the lock, so no writer looks back in time."""
    registry = OptInRegistry()
    registry.grant("ann", "news", "email", source="form")
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for _ in range(200):
                if k % 2:
                    registry.grant("ann", "news", "email", source="form")
                else:
                    registry.withdraw("ann", "news", "email", source="link")
        except BaseException as error:  # pragma: no cover - the failure shown by the assert
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(registry.history("ann")) == 1 + 8 * 200


def _copies(registry: OptInRegistry) -> list[OptInRegistry]:
    wire = json.loads(json.dumps([e.to_dict() for e in registry.events()]))
    return [
        OptInRegistry.from_state(registry.to_state()),
        OptInRegistry.from_events(
            [ConsentEvent.from_dict(e) for e in wire], erasure_key=registry.erasure_key
        ),
    ]


def test_a_second_erasure_cannot_go_back_before_the_first(registry: OptInRegistry) -> None:
    # Found by tests/optin/test_machine.py: the earlier second erasure moved the start of
    # the suppression back live, while a replay in time order kept the later moment.
    registry.erase("ann", at=T0 + DAY)
    before = snapshot(registry)
    with pytest.raises(InvalidInputError, match="erasure cannot go back in time"):
        registry.erase("ann", at=T0)
    assert snapshot(registry) == before
    registry.erase("ann", at=T0 + 2 * DAY)
    for copy in [registry, *_copies(registry)]:
        assert not copy.is_suppressed("ann", at=T0 + HOUR)
        assert copy.is_suppressed("ann", at=T0 + DAY)


def test_no_write_of_an_erased_contact_goes_back_before_its_erasure(
    registry: OptInRegistry,
) -> None:
    # Found by the machine: a grant dated before the erasure was kept live, but erased by
    # every replay in time order, so the copies lost it.
    registry.erase(1, at=T0 + DAY)
    before = snapshot(registry)
    with pytest.raises(InvalidInputError, match="erasure cannot go back in time"):
        registry.grant_many([np.int64(1)], "news", "email", basis="express", source="crm", at=T0)
    with pytest.raises(InvalidInputError, match="erasure cannot go back in time"):
        registry.grant(1.0, "news", "email", source="form", at=T0)
    assert snapshot(registry) == before
    registry.grant(1, "news", "email", source="form", at=T0 + DAY)
    for copy in _copies(registry):
        assert copy.events() == registry.events()
        assert copy.may_contact(1, "news", "email", at=T0 + 2 * DAY)


def test_no_write_goes_back_before_the_latest_erasure(registry: OptInRegistry) -> None:
    # Found by the machine: erased twice, the id took a grant dated between the two
    # erasures; the replay in time order erased it with the second one.
    registry.erase("ann", at=T0)
    registry.erase("ann", at=T0 + DAY)
    with pytest.raises(InvalidInputError, match="erasure cannot go back in time"):
        registry.grant_many(["ann"], "news", "email", basis="express", source="crm", at=T0 + HOUR)
    registry.grant_many(["ann"], "news", "email", basis="express", source="crm", at=T0 + DAY)
    for copy in _copies(registry):
        assert copy.events() == registry.events()
        assert copy.is_suppressed("ann", at=T0 + HOUR)
