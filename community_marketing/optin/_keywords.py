"""SMS keywords: STOP withdraws a channel, START re-grants what STOP withdrew, HELP informs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import attrs
import numpy as np

from .._checks import check_text
from ..errors import InvalidInputError
from ._status import S_WITHDRAWN, Policy, key_status_many
from ._store import Store

DEFAULT_STOP: Final = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
DEFAULT_START: Final = frozenset({"START", "UNSTOP", "YES"})
DEFAULT_HELP: Final = frozenset({"HELP", "INFO"})


def keyword_set(words: Iterable[str], field: str) -> frozenset[str]:
    """The keywords, upper-cased; one str is refused rather than split into letters."""
    if isinstance(words, str):
        raise InvalidInputError(f"{field}: expected an iterable of str, got one str")
    return frozenset(check_text(w, f"{field}[]").strip().upper() for w in words)


@attrs.frozen
class Keywords:
    """The registry's keyword families, upper-cased."""

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
        """(kind, keyword) of a message: kind is "stop", "start", "help" or "none"."""
        if not isinstance(text, str):
            raise InvalidInputError(f"text: expected a str, got {type(text).__name__}")
        words = text.strip().upper().split()
        keyword = words[0] if words else ""
        for kind, family in (("stop", self.stop), ("start", self.start), ("help", self.help)):
            if keyword in family:
                return kind, keyword
        return "none", keyword


def withdrawn_purposes(
    store: Store, policy: Policy, contact: int, channel: str, at: int
) -> list[str]:
    """The purposes withdrawn on ``channel`` at ``at``: what a START re-grants."""
    cidx = np.array([contact], np.int64)
    purposes = []
    for pair in sorted(store.key_heads):
        purpose, pair_channel = store.key_pair(pair)
        if pair_channel != channel:
            continue
        status, _ = key_status_many(store, policy, cidx, pair, at)
        if status[0] == S_WITHDRAWN:
            purposes.append(purpose)
    return purposes
