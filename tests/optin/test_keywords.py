"""OptInRegistry. SMS keywords: STOP, START, HELP."""

from __future__ import annotations

import pytest

from community_marketing import ConsentStatus, InvalidInputError, OptInRegistry

from ._support import HOUR, T0

# ---------------------------------------------------------------- keywords


def test_sms_keywords(registry: OptInRegistry) -> None:
    registry.grant("+1555", "alerts", "sms", source="web", at=T0)
    registry.grant("+1555", "offers", "sms", source="web", at=T0)
    registry.grant("+1555", "offers", "email", source="web", at=T0)
    stop = registry.apply_keyword("+1555", "sms", "Stop please", at=T0 + HOUR)
    assert stop.kind == "stop"
    assert stop.keyword == "STOP"
    assert len(stop.events) == 2
    assert registry.may_contact("+1555", "offers", "email", at=T0 + HOUR)  # other channel kept
    help_result = registry.apply_keyword("+1555", "sms", "HELP", at=T0 + 2 * HOUR)
    assert help_result.kind == "help"
    assert help_result.events == ()
    assert registry.apply_keyword("+1555", "sms", "hello", at=T0 + 2 * HOUR).kind == "none"
    start = registry.apply_keyword("+1555", "sms", "start", at=T0 + 3 * HOUR)
    assert sorted(e.purpose for e in start.events if e.purpose) == ["alerts", "offers"]
    assert all(e.source == "keyword:START" for e in start.events)
    assert registry.may_contact("+1555", "alerts", "sms", at=T0 + 3 * HOUR)


def test_keyword_lists_are_configuration() -> None:
    registry = OptInRegistry(stop_keywords=["ARRET"], start_keywords=["REPRISE"])
    registry.grant("+33", "alerts", "sms", source="web", at=T0)
    assert registry.apply_keyword("+33", "sms", "STOP", at=T0 + HOUR).kind == "none"
    assert registry.apply_keyword("+33", "sms", "arret", at=T0 + HOUR).kind == "stop"
    assert not registry.may_contact("+33", "alerts", "sms", at=T0 + HOUR)


# ---------------------------------------------------------------- issue 13, faults 4 and 5


@pytest.mark.parametrize(
    "text", ["REVOKE", "opt out", "OPTOUT", "Opt Out!", "  opt   out  ", "revoke please"]
)
def test_fcc_revocation_words_withdraw_by_default(registry: OptInRegistry, text: str) -> None:
    registry.grant("+1555", "alerts", "sms", source="web", at=T0)
    result = registry.apply_keyword("+1555", "sms", text, at=T0 + HOUR)
    assert result.kind == "stop"
    assert len(result.events) == 1
    assert not registry.may_contact("+1555", "alerts", "sms", at=T0 + HOUR)


@pytest.mark.parametrize(
    "word", ["STOP", "QUIT", "END", "REVOKE", "OPT OUT", "CANCEL", "UNSUBSCRIBE", "STOPALL"]
)
def test_default_stop_words_include_47_cfr_64_1200_a_10(word: str) -> None:
    assert OptInRegistry().apply_keyword("+1", "sms", word.lower()).kind == "stop"


@pytest.mark.parametrize(
    "text", ["ＳＴＯＰ", "stop.", "«Stop»", "*STOP*", "Stop, please", "sToP\n"]
)
def test_message_is_normalized_like_the_keywords(text: str) -> None:
    result = OptInRegistry().apply_keyword("+1", "sms", text)
    assert (result.kind, result.keyword) == ("stop", "STOP")


def test_multi_word_keyword_given_to_the_constructor_matches() -> None:
    registry = OptInRegistry(stop_keywords=["Opt out", "ＡＲＲÊＴ"], start_keywords=["opt in"])
    registry.grant("+33", "alerts", "sms", source="web", at=T0)
    stop = registry.apply_keyword("+33", "sms", "OPT OUT now", at=T0 + HOUR)
    assert (stop.kind, stop.keyword) == ("stop", "OPT OUT")
    assert registry.apply_keyword("+33", "sms", "opt", at=T0 + HOUR).kind == "none"
    assert registry.apply_keyword("+33", "sms", "arrêt", at=T0 + HOUR).kind == "stop"
    assert registry.apply_keyword("+33", "sms", "Opt in", at=T0 + 2 * HOUR).kind == "start"
    assert registry.may_contact("+33", "alerts", "sms", at=T0 + 2 * HOUR)


def test_longest_keyword_wins() -> None:
    registry = OptInRegistry(stop_keywords=["STOP"], help_keywords=["STOP HELP ME"])
    assert registry.apply_keyword("+1", "sms", "stop help me please").kind == "help"
    assert registry.apply_keyword("+1", "sms", "stop help").kind == "stop"


@pytest.mark.parametrize("field", ["stop_keywords", "start_keywords", "help_keywords"])
def test_keyword_list_as_one_str_is_refused(field: str) -> None:
    with pytest.raises(InvalidInputError, match=field):
        OptInRegistry(**{field: "STOP"})
    state = OptInRegistry().to_state()
    state["config"][field] = "STOP"
    with pytest.raises(InvalidInputError, match=f"state.config.{field}"):
        OptInRegistry.from_state(state)


def test_keyword_without_letters_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="stop_keywords"):
        OptInRegistry(stop_keywords=["!!!"])


def test_start_does_not_undo_an_unsubscribe_link(registry: OptInRegistry) -> None:
    registry.grant("+1555", "promos", "sms", source="web", at=T0)
    registry.withdraw("+1555", "promos", "sms", source="unsubscribe_link", at=T0 + HOUR)
    for word in ("START", "YES"):
        assert registry.apply_keyword("+1555", "sms", word, at=T0 + 2 * HOUR).events == ()
    assert not registry.may_contact("+1555", "promos", "sms", at=T0 + 3 * HOUR)


def test_start_undoes_only_what_a_stop_ended(registry: OptInRegistry) -> None:
    registry.grant("+1555", "alerts", "sms", source="web", at=T0)
    registry.grant("+1555", "promos", "sms", source="web", at=T0)
    registry.grant("+1555", "promos", "email", source="web", at=T0)
    registry.withdraw("+1555", "promos", "sms", source="unsubscribe_link", at=T0 + HOUR)
    registry.withdraw("+1555", "promos", "email", source="unsubscribe_link", at=T0 + HOUR)
    registry.apply_keyword("+1555", "sms", "STOP", at=T0 + 2 * HOUR)  # promos again, too
    start = registry.apply_keyword("+1555", "sms", "yes", at=T0 + 3 * HOUR)
    assert [(e.purpose, e.channel) for e in start.events] == [("alerts", "sms")]
    at = T0 + 4 * HOUR
    assert registry.may_contact("+1555", "alerts", "sms", at=at)
    assert not registry.may_contact("+1555", "promos", "sms", at=at)
    assert not registry.may_contact("+1555", "promos", "email", at=at)


def test_start_after_a_later_unsubscribe_link_keeps_it_withdrawn(
    registry: OptInRegistry,
) -> None:
    registry.grant("+1555", "alerts", "sms", source="web", at=T0)
    registry.apply_keyword("+1555", "sms", "STOP", at=T0 + HOUR)
    registry.withdraw("+1555", "alerts", "sms", source="preference_center", at=T0 + 2 * HOUR)
    assert registry.apply_keyword("+1555", "sms", "START", at=T0 + 3 * HOUR).events == ()


def test_start_does_not_revive_a_lapsed_grant(registry: OptInRegistry) -> None:
    registry.grant("+1555", "alerts", "sms", source="web", expires_at=T0 + HOUR, at=T0)
    registry.apply_keyword("+1555", "sms", "STOP", at=T0 + 2 * HOUR)
    assert registry.apply_keyword("+1555", "sms", "START", at=T0 + 3 * HOUR).events == ()


def test_start_undoes_a_stop_from_before_a_round_trip(registry: OptInRegistry) -> None:
    registry.grant("+1555", "alerts", "sms", source="web", at=T0)
    registry.apply_keyword("+1555", "sms", "STOP", at=T0 + HOUR)
    copy = OptInRegistry.from_events(registry.events())
    start = copy.apply_keyword("+1555", "sms", "START", at=T0 + 2 * HOUR)
    assert [e.purpose for e in start.events] == ["alerts"]


def test_a_keyword_reply_never_lifts_an_erasure() -> None:
    """An import of an erased number, a STOP, then "yes": the number stays suppressed."""
    registry = OptInRegistry()
    registry.erase("+1555", at=T0)
    registry.grant_many(
        ["+1555"], "promos", "sms", basis="implied_business", source="crm", at=T0 + HOUR
    )
    registry.apply_keyword("+1555", "sms", "STOP", at=T0 + 2 * HOUR)
    result = registry.apply_keyword("+1555", "sms", "yes", at=T0 + 3 * HOUR)
    assert all(event.reason is None for event in result.events)
    assert registry.status("+1555", "promos", "sms", at=T0 + 4 * HOUR) is ConsentStatus.SUPPRESSED
    registry.grant("+1555", "promos", "sms", source="web_form", at=T0 + 5 * HOUR)
    assert registry.may_contact("+1555", "promos", "sms", at=T0 + 6 * HOUR)
