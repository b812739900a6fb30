"""Double opt-in tokens: single use, unguessable (``secrets``), compared in constant time.

A token is ``"<seq>.<secret>"``: the seq of its REQUEST event and 32 random bytes.
Only a SHA-256 digest of the secret is kept, beside the token's deadline and row.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from .._time import NEVER, later_micros
from .._types import Int64Array
from ..errors import InvalidInputError, InvalidTokenError
from ._log import CONFIRM, Log

if TYPE_CHECKING:
    from ._status import Policy
    from ._store import Store

_TOKEN_RE: Final = re.compile(r"\A(\d{1,19})\.([A-Za-z0-9_-]{43})\Z")


class Tokens:
    """The open double opt-in requests: seq -> (digest of the secret, deadline, request row)."""

    __slots__ = ("open",)

    def __init__(self) -> None:
        self.open: dict[int, tuple[bytes, int, int]] = {}

    def issue(self, seq: int, deadline: int, row: int) -> str:
        """A new token for the request ``row`` (seq ``seq``), confirmable before ``deadline``."""
        secret = secrets.token_urlsafe(32)
        self.open[seq] = (hashlib.sha256(secret.encode()).digest(), deadline, row)
        return f"{seq}.{secret}"

    def forget_erased(self, log: Log) -> None:
        """Drop the tokens whose request row was erased."""
        self.open = {seq: value for seq, value in self.open.items() if log.contact[value[2]] >= 0}

    def valid_row(self, store: Store, token: object, now: int, field: str) -> int:
        """The request row of a token that may be confirmed at ``now``; else InvalidTokenError."""
        if not isinstance(token, str):
            raise InvalidTokenError(f"{field}: expected a str, got {type(token).__name__}")
        match = _TOKEN_RE.match(token)
        if match is None:
            raise InvalidTokenError(
                f"{field}: malformed (expected the string returned by request())"
            )
        stored = self.open.get(int(match.group(1)))
        digest = hashlib.sha256(match.group(2).encode()).digest()
        # Compare even for an unknown seq, so that timing tells nothing about which seqs exist.
        valid = hmac.compare_digest(digest, stored[0] if stored is not None else bytes(32))
        if stored is None or not valid:
            raise InvalidTokenError(f"{field}: unknown or already used")
        if now >= stored[1]:
            raise InvalidTokenError(f"{field}: expired")
        row = stored[2]
        log = store.log
        cidx = int(log.contact[row])
        if cidx < 0 or store.key_heads[int(log.pair[row])][cidx] != row:
            raise InvalidTokenError(f"{field}: the request was superseded since")
        if now < int(log.ts[row]):
            raise InvalidTokenError(f"{field}: confirmed before it was requested")
        return row


def token_list(tokens: object) -> list[object]:
    """The tokens of ``confirm_many``: any iterable but one str (or bytes) or a non-iterable."""
    if isinstance(tokens, (str, bytes)) or not isinstance(tokens, Iterable):
        kind = "one str" if isinstance(tokens, str) else type(tokens).__name__
        raise InvalidInputError(f"tokens: expected a sequence of tokens, got {kind}")
    return list(tokens)


def issue_many(store: Store, tokens: Tokens, rows: Int64Array, ttl_us: int) -> list[str]:
    """One token per request row, in order."""
    log = store.log
    seqs = log.seq(rows).tolist()
    deadlines = later_micros(log.ts[rows], ttl_us).tolist()
    return [
        tokens.issue(seq, deadline, row)
        for seq, deadline, row in zip(seqs, deadlines, rows.tolist(), strict=True)
    ]


def confirm(
    store: Store,
    tokens: Tokens,
    policy: Policy,
    items: Sequence[object],
    now: Int64Array,
    field: Callable[[int], str],
) -> Int64Array:
    """Validate every token, then record one CONFIRM per request; the rows written."""
    rows = [tokens.valid_row(store, token, int(now[i]), field(i)) for i, token in enumerate(items)]
    if len(set(rows)) != len(rows):
        repeat = next(i for i, row in enumerate(rows) if row in rows[:i])
        raise InvalidTokenError(f"{field(repeat)}: unknown or already used")
    picked = np.array(rows, np.int64)
    log = store.log
    expiry = np.full(len(rows), NEVER, np.int64)
    for i, row in enumerate(rows):
        purpose, _ = store.key_pair(int(log.pair[row]))
        lifetime = policy.lifetime_us(purpose, store.metas[int(log.meta[row])][1] or "")
        if lifetime is not None:
            expiry[i] = later_micros(int(now[i]), lifetime)
    # A confirmation is the contact's own express act: it carries the request's proof
    # and, after an erasure, the mark that lifts it.
    proofs: dict[int, dict[str, Any]] = {}
    for i, row in enumerate(rows):
        extra = {
            key: store.extras[row][key] for key in ("proof",) if key in store.extras.get(row, {})
        }
        extra.update(store.erasures.regrant_extra(int(log.contact[row]), int(now[i])))
        if extra:
            proofs[i] = extra
    written = store.append(
        log.contact[picked].astype(np.int64),
        log.pair[picked].astype(np.int64),
        CONFIRM,
        now,
        log.meta[picked],
        expiry,
        extras=proofs,
    )
    for seq in log.seq(picked).tolist():
        del tokens.open[seq]
    return written
