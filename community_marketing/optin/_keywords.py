"""SMS keywords: STOP withdraws a channel, START restores what a STOP ended, HELP informs.

The default STOP words are the FCC's (47 CFR 64.1200(a)(10): "stop", "quit",
"end", "revoke", "opt out", "cancel", "unsubscribe") and the carriers' (CTIA
Messaging Principles: STOPALL, OPTOUT). A message and every keyword are read the
same way (``normalize``): Unicode NFKC (full-width letters become ASCII),
case-folded then upper-cased, split on white space, punctuation stripped around
each word. A keyword matches the whole message or its leading words, the longest
keyword first ("STOP please" is a STOP; "opt out" matches OPT OUT).

START restores only what an SMS STOP ended (CTIA Messaging Principles and carrier
practice: an opt-out keyword is undone by an opt-in keyword on the same channel;
a consumer's other opt-outs stand): see ``stopped_purposes``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Final

import attrs
import numpy as np

from .._checks import check_text
from ..errors import InvalidInputError
from ._log import CONFIRM, GRANT, REQUEST, WITHDRAW
from ._status import S_WITHDRAWN, Policy, key_status_many, lapsed
from ._store import Store

DEFAULT_STOP: Final = frozenset(
    {
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "REVOKE",
        "OPT OUT",
        "OPTOUT",
    }
)
DEFAULT_START: Final = frozenset({"START", "UNSTOP", "YES"})
DEFAULT_HELP: Final = frozenset({"HELP", "INFO"})

_GRANTS: Final = (int(GRANT), int(CONFIRM))
_WITHDRAW_I, _REQUEST_I = int(WITHDRAW), int(REQUEST)

KEYWORD_SOURCE: Final = "keyword:"
"""Prefix of the ``source`` of every event ``apply_keyword`` records ("keyword:STOP")."""


def _is_edge(char: str) -> bool:
    """Punctuation and symbols that may surround a word ("STOP!", "«stop»", "*END*")."""
    return unicodedata.category(char)[0] in "PS"


def normalize(text: str) -> tuple[str, ...]:
    """The words of ``text``: NFKC, case-folded and upper-cased, punctuation stripped around."""
    folded = unicodedata.normalize("NFKC", text).casefold().upper()
    words = []
    for word in folded.split():
        start, end = 0, len(word)
        while start < end and _is_edge(word[start]):
            start += 1
        while end > start and _is_edge(word[end - 1]):
            end -= 1
        if start < end:
            words.append(word[start:end])
    return tuple(words)


def keyword_set(words: Iterable[str], field: str) -> frozenset[str]:
    """The keywords, normalized; one str is refused rather than split into letters."""
    if isinstance(words, str):
        raise InvalidInputError(f"{field}: expected an iterable of str, got one str")
    if not isinstance(words, Iterable):
        raise InvalidInputError(f"{field}: expected an iterable of str, got {type(words).__name__}")
    out = set()
    for word in words:
        normal = normalize(check_text(word, f"{field}[]"))
        if not normal:
            raise InvalidInputError(f"{field}[]: {word!r} holds no letter or digit")
        out.add(" ".join(normal))
    return frozenset(out)


@attrs.frozen
class Keywords:
    """The registry's keyword families, normalized (multi-word keywords joined by one space)."""

    stop: frozenset[str]
    start: frozenset[str]
    help: frozenset[str]

    @classmethod
    def checked(cls, stop: Iterable[str], start: Iterable[str], help: Iterable[str]) -> Keywords:
        """The families from the constructor's arguments, each checked."""
        return cls(
            keyword_set(stop, "stop_keywords"),
            keyword_set(start, "start_keywords"),
            keyword_set(help, "help_keywords"),
        )

    def classify(self, text: object) -> tuple[str, str]:
        """(kind, keyword) of a message: kind is "stop", "start", "help" or "none".

        The longest keyword that is the message's leading words wins; on a tie,
        STOP before START before HELP. With no keyword, the first word is returned.
        """
        if not isinstance(text, str):
            raise InvalidInputError(f"text: expected a str, got {type(text).__name__}")
        words = normalize(text)
        longest = max((len(k.split(" ")) for k in self.stop | self.start | self.help), default=1)
        for size in range(min(longest, len(words)), 0, -1):
            keyword = " ".join(words[:size])
            for kind, family in (("stop", self.stop), ("start", self.start), ("help", self.help)):
                if keyword in family:
                    return kind, keyword
        return "none", words[0] if words else ""


def stopped_purposes(
    store: Store, policy: Policy, contact: int, channel: str, at: int
) -> list[str]:
    """The purposes on ``channel`` that an SMS STOP ended and nothing else withdrew since.

    A purpose qualifies when it is withdrawn at ``at``, every withdrawal since its
    latest grant came from a keyword (source ``keyword:...``), and that grant was
    still in force at the first of them. A purpose withdrawn through an
    unsubscribe link, a preference centre or any other source stays withdrawn,
    even if a STOP came after.
    """
    if contact < 0:
        return []
    cidx = np.array([contact], np.int64)
    purposes = []
    for pair in sorted(store.key_heads):
        purpose, pair_channel = store.key_pair(pair)
        if pair_channel != channel:
            continue
        status, base = key_status_many(store, policy, cidx, pair, at)
        if status[0] == S_WITHDRAWN and _ended_by_keyword(store, int(base[0])):
            purposes.append(purpose)
    return purposes


def _ended_by_keyword(store: Store, row: int) -> bool:
    """Whether the withdrawals from ``row`` back to the key's grant all came from keywords."""
    log = store.log
    first_stop = -1
    while row >= 0 and log.action.item(row) in (_WITHDRAW_I, _REQUEST_I):
        if log.action.item(row) == _WITHDRAW_I:
            if not store.metas[log.meta.item(row)][0].startswith(KEYWORD_SOURCE):
                return False
            first_stop = row
        row = log.prev.item(row)
    if row < 0 or first_stop < 0 or log.action.item(row) not in _GRANTS:
        return False
    return not lapsed(log.expires_one(row), log.ts.item(first_stop))
