"""``to_state`` / ``from_state`` for ReferralGraph: plain data out, every field checked back in."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from .._checks import check_int, check_optional_text
from .._erased import ErasedIds
from .._ids import IdIndex
from .._time import MAX_MICROS, MIN_MICROS
from ..errors import InvalidInputError
from ._edges import Friendships
from ._fraud import credit_has_ring
from ._members import Members
from ._referral_log import ReferralLog
from ._sparse import LOW_BITS, LOW_MASK, pack
from ._values import Attribution, FriendRight

__all__ = ["SCHEMA", "dump", "load", "settings"]

SCHEMA: Final = 1


def dump(members: Members, edges: Friendships, log: ReferralLog) -> dict[str, Any]:
    """The graph's storage as plain data and numpy arrays."""
    keys = edges.merged_keys()
    return {
        "schema": SCHEMA,
        "erasure": members.erased.to_state(),
        "attribution": log.attribution,
        "window_us": log.window_us,
        "ids": members.ids.ids(),
        "since_us": members.since.copy(),
        "told": members.told.copy(),
        "friend_low": (keys >> LOW_BITS).astype(np.int64),
        "friend_high": (keys & LOW_MASK).astype(np.int64),
        "requests": [[i, j, when] for (i, j), when in sorted(edges.requests.items())],
        "rights": [[i, j, bits] for (i, j), bits in sorted(edges.rights.items())],
        "referrals": {
            "referrer": np.asarray(log.src, np.int64),
            "referee": np.asarray(log.dst, np.int64),
            "at_us": np.asarray(log.at, np.int64),
            "code": list(log.code),
            "channel": list(log.channel),
        },
        "credit": sorted([dst, row] for dst, row in log.credit.items()),
    }


def settings(state: Mapping[str, Any]) -> tuple[Attribution, timedelta | None]:
    """The attribution rule and window ``state`` was saved with (checked by the graph)."""
    if not isinstance(state, Mapping):
        raise InvalidInputError(f"state: expected a dict, got {type(state).__name__}")
    if state.get("schema") != SCHEMA:
        raise InvalidInputError(f"state.schema: expected {SCHEMA}, got {state.get('schema')!r}")
    window_us = state.get("window_us")
    if window_us is not None:
        window_us = check_int(window_us, "state.window_us", low=1)
    attribution: Attribution = state.get("attribution")  # type: ignore[assignment]
    return attribution, None if window_us is None else timedelta(microseconds=window_us)


def load(state: Mapping[str, Any], log: ReferralLog) -> tuple[Members, Friendships]:
    """Members and friendships rebuilt from ``state``, and the referrals into the empty ``log``.

    ``InvalidInputError`` names the first bad field.
    """
    members = _load_members(state)
    members.erased = ErasedIds.from_state(state.get("erasure"))
    edges = _load_friendships(state, len(members.ids))
    _load_referrals(log, state, len(members.ids))
    return members, edges


def _array(state: Mapping[str, Any], name: str, kind: str, length: int | None) -> npt.NDArray[Any]:
    value = state.get(name)
    if not isinstance(value, np.ndarray) or value.ndim != 1 or value.dtype.kind not in kind:
        raise InvalidInputError(f"state.{name}: expected a 1-d numpy array of kind {kind!r}")
    if length is not None and len(value) != length:
        raise InvalidInputError(f"state.{name}: expected length {length}, got {len(value)}")
    return value


def _moments(values: npt.NDArray[Any], field: str) -> npt.NDArray[np.int64]:
    """Microsecond times, each within the representable range."""
    micros = values.astype(np.int64)
    outside = (micros < MIN_MICROS) | (micros > MAX_MICROS)
    if outside.any():
        row = int(outside.argmax())
        raise InvalidInputError(
            f"{field}[{row}]: expected a moment between 0001-01-02 and 9999-12-30 UTC "
            f"in microseconds, got {int(micros[row])}"
        )
    return micros


def _load_members(state: Mapping[str, Any]) -> Members:
    ids = state.get("ids")
    if not isinstance(ids, list):
        raise InvalidInputError("state.ids: expected a list")
    index = IdIndex(kind="member")
    if len(index.add_many(ids, "state.ids")) != len(ids) or len(index) != len(ids):
        raise InvalidInputError("state.ids: expected distinct ids")
    since = _moments(_array(state, "since_us", "i", len(ids)), "state.since_us")
    told = _array(state, "told", "b", len(ids)).astype(np.bool_)
    return Members(index, since.copy(), told.copy())


def _load_friendships(state: Mapping[str, Any], n: int) -> Friendships:
    low = _array(state, "friend_low", "i", None).astype(np.int64)
    high = _array(state, "friend_high", "i", len(low)).astype(np.int64)
    if len(low) and not ((low >= 0).all() and (low < high).all() and (high < n).all()):
        raise InvalidInputError("state.friend_low: expected 0 <= low < high < len(ids)")
    keys = pack(low, high)
    if len(keys) > 1 and not (np.diff(keys) > 0).all():
        raise InvalidInputError("state.friend_low: expected sorted, distinct friendships")
    edges = Friendships(keys)
    requests = state.get("requests")
    if not isinstance(requests, list):
        raise InvalidInputError("state.requests: expected a list")
    for row, item in enumerate(requests):
        i, j = (check_int(x, f"state.requests[{row}]", low=0) for x in item[:2])
        when = check_int(item[2], f"state.requests[{row}]", low=MIN_MICROS, high=MAX_MICROS)
        if len(item) != 3:
            raise InvalidInputError(f"state.requests[{row}]: expected [from, to, at_us]")
        if i >= n or j >= n or i == j or edges.are_friends(i, j):
            raise InvalidInputError(
                f"state.requests[{row}]: expected a pending request between two non-friends"
            )
        edges.requests[(i, j)] = when
    rights = state.get("rights")
    if not isinstance(rights, list):
        raise InvalidInputError("state.rights: expected a list")
    for row, item in enumerate(rights):
        i, j, bits = (check_int(x, f"state.rights[{row}]", low=0) for x in item)
        if i >= n or j >= n or not edges.are_friends(i, j) or i == j:
            raise InvalidInputError(f"state.rights[{row}]: not a friendship")
        if bits == 0 or bits & ~FriendRight.ALL.value:
            raise InvalidInputError(f"state.rights[{row}]: bad right bits {bits}")
        edges.rights[(i, j)] = bits
    return edges


def _load_referrals(log: ReferralLog, state: Mapping[str, Any], n: int) -> None:
    referrals = state.get("referrals")
    if not isinstance(referrals, Mapping):
        raise InvalidInputError("state.referrals: expected a dict")
    src = _array(referrals, "referrer", "i", None)
    dst = _array(referrals, "referee", "i", len(src))
    at = _moments(_array(referrals, "at_us", "i", len(src)), "state.referrals.at_us")
    if len(src) and not (
        (src >= 0).all() and (dst >= 0).all() and (src < n).all() and (dst < n).all()
    ):
        raise InvalidInputError("state.referrals: member index out of range")
    if (src == dst).any():
        raise InvalidInputError("state.referrals: self-referral")
    texts = {}
    for name in ("code", "channel"):
        values = referrals.get(name)
        if not isinstance(values, list) or len(values) != len(src):
            raise InvalidInputError(f"state.referrals.{name}: expected a list of {len(src)}")
        texts[name] = [
            check_optional_text(value, f"state.referrals.{name}[{row}]")
            for row, value in enumerate(values)
        ]
    _load_credit(log, state, src, dst, n)
    log.src = src.astype(np.int64).tolist()
    log.dst = dst.astype(np.int64).tolist()
    log.at = at.astype(np.int64).tolist()
    log.code = texts["code"]
    log.channel = texts["channel"]


def _load_credit(
    log: ReferralLog,
    state: Mapping[str, Any],
    src: npt.NDArray[Any],
    dst: npt.NDArray[Any],
    n: int,
) -> None:
    credit = state.get("credit")
    if not isinstance(credit, list):
        raise InvalidInputError("state.credit: expected a list")
    parent = np.full(n, -1, np.int64)
    for position, item in enumerate(credit):
        member, row = (check_int(x, f"state.credit[{position}]", low=0) for x in item)
        if row >= len(src) or int(dst[row]) != member or parent[member] >= 0:
            raise InvalidInputError(f"state.credit[{position}]: not a referral of that member")
        parent[member] = int(src[row])
        log.credit[member] = row
    if credit_has_ring(parent):
        raise InvalidInputError("state.credit: the referral credit forms a ring")
