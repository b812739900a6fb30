"""Persistence: ``to_state``/``from_state`` and ``from_events``, with their validation.

``from_state`` and ``from_events`` check every field they read and raise
``InvalidInputError`` naming it; the rows then go through ``Store.append`` off
the live path (any time order, seqs as given).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from datetime import time, timedelta
from typing import Any, Final, TypeVar

import numpy as np

from .._checks import check_int, check_optional_text, check_text
from .._ids import check_id
from .._time import MAX_MICROS, MIN_MICROS, NEVER, Clock, ensure_aware, to_micros
from .._types import Int64Array
from ..errors import InvalidInputError
from ._erasure import apply_erasure
from ._keywords import Keywords
from ._log import (
    ACTIONS,
    CONFIRM,
    ERASE,
    GRANT,
    PREFERENCES,
    REQUEST,
    SENT,
    SUPPRESS,
    TOMBSTONE,
    UNSUPPRESS,
    A,
    action_table,
)
from ._status import Policy
from ._store import Store
from ._tokens import Tokens
from ._values import ConsentAction, ConsentEvent, Preferences

SCHEMA: Final = 1

R = TypeVar("R")


def config_dict(policy: Policy, keywords: Keywords, erasure_key: bytes) -> dict[str, Any]:
    """The registry's configuration as plain data."""
    return {
        "token_ttl_s": policy.token_ttl_us / 1e6,
        "expiry": {
            p: {b: life / 1e6 for b, life in rules.items()} for p, rules in policy.expiry.items()
        },
        "exempt_purposes": sorted(policy.exempt),
        "default_max_per_period": None
        if policy.default_cap is None
        else [policy.default_cap[0], policy.default_cap[1].total_seconds()],
        "stop_keywords": sorted(keywords.stop),
        "start_keywords": sorted(keywords.start),
        "help_keywords": sorted(keywords.help),
        "send_window": None
        if policy.send_window is None
        else [part.isoformat() for part in policy.send_window],
        "default_timezone": policy.default_zone,
        "soft_opt_in_purposes": sorted(policy.soft_opt_in),
        "purposes": None if policy.purposes is None else sorted(policy.purposes),
        "channels": None if policy.channels is None else sorted(policy.channels),
        "erasure_key": erasure_key.hex(),
    }


def known_keywords(factory: Callable[..., Any], config: dict[str, Any]) -> dict[str, Any]:
    """``config`` if every keyword is one of the constructor's (``from_events``)."""
    unknown = sorted(set(config) - set(inspect.signature(factory).parameters))
    if unknown:
        raise InvalidInputError(
            f"config: unknown keyword(s) {unknown}; expected the constructor's keywords"
        )
    return config


def load_events(
    store: Store, tokens: Tokens, events: Iterable[ConsentEvent], *, key_given: bool
) -> None:
    """Fill an empty store from events in any order (sorted stably by time, then seq).

    Erasures keep suppressing only under the key their proofs were made with: events
    that hold any need that registry's ``erasure_key`` in the configuration (the
    events carry the key's id, never the key, since events travel to analytics).
    """
    if isinstance(events, (str, bytes, Mapping)) or not isinstance(events, Iterable):
        raise InvalidInputError(
            f"events: expected an iterable of ConsentEvent, got {type(events).__name__}"
        )
    items = list(events)
    for position, event in enumerate(items):
        if not isinstance(event, ConsentEvent):
            raise InvalidInputError(
                f"events[{position}]: expected a ConsentEvent, got {type(event).__name__}"
            )
    seqs = [e.seq for e in items]
    if any(not isinstance(s, int) or isinstance(s, bool) or not 0 <= s < NEVER for s in seqs):
        raise InvalidInputError(f"events[].seq: expected ints in [0, {NEVER})")
    if len(set(seqs)) != len(seqs):
        raise InvalidInputError("events[].seq: sequence numbers must be unique")
    rows = [_row_from_event(event, f"events[{position}]") for position, event in enumerate(items)]
    _check_erasure_key(store, [e for e in items if e.action is ConsentAction.ERASE], key_given)
    _replay(store, tokens, rows)


def _check_erasure_key(store: Store, erasures: list[ConsentEvent], key_given: bool) -> None:
    if not erasures:
        return
    ids = sorted({e.key_id for e in erasures if e.key_id is not None})
    if len(ids) > 1:
        raise InvalidInputError(f"events: erasures made under several erasure keys {ids}")
    if not key_given:
        raise InvalidInputError(
            f"erasure_key: the events hold {len(erasures)} erasure(s); pass the erasure_key "
            "of the registry that made them (to_state()['config']['erasure_key']), or they "
            "would no longer keep the erased contacts suppressed"
        )
    if ids and ids[0] != store.erasures.key_id:
        raise InvalidInputError(
            f"erasure_key: not the key the events' erasures were made with (key id {ids[0]})"
        )


def _row_from_event(event: ConsentEvent, field: str) -> tuple[Any, ...]:
    action = event.action
    if not isinstance(action, ConsentAction):
        raise InvalidInputError(f"{field}.action: expected a ConsentAction")
    ts = to_micros(ensure_aware(event.at, f"{field}.at"))
    check_text(event.source, f"{field}.source")
    for name in ("purpose", "channel", "basis", "notice_version", "jurisdiction"):
        check_optional_text(getattr(event, name), f"{field}.{name}")
    for name in ("proof", "reason", "key_id"):
        value = getattr(event, name)
        if value is not None and not isinstance(value, str):
            raise InvalidInputError(f"{field}.{name}: expected a str or None")
    if action is ConsentAction.ERASE:
        if event.contact is not None or not isinstance(event.proof, str):
            raise InvalidInputError(f"{field}: an erase event holds no contact, only a proof")
    else:
        check_id(event.contact, f"{field}.contact")
    if action in (ConsentAction.GRANT, ConsentAction.CONFIRM, ConsentAction.REQUEST) and (
        event.purpose is None or event.channel is None or event.basis is None
    ):
        raise InvalidInputError(f"{field}: a {action.value} needs purpose, channel and basis")
    if action is ConsentAction.SENT and (event.purpose is None or event.channel is None):
        raise InvalidInputError(f"{field}: a send needs purpose and channel")
    if action is ConsentAction.PREFERENCES and not isinstance(event.preferences, Preferences):
        raise InvalidInputError(f"{field}.preferences: expected Preferences")
    if action in (ConsentAction.SUPPRESS, ConsentAction.UNSUPPRESS) and not event.reason:
        raise InvalidInputError(f"{field}.reason: a suppression needs a reason")
    expires = (
        NEVER
        if event.expires_at is None
        else to_micros(ensure_aware(event.expires_at, f"{field}.expires_at"))
    )
    extra = {
        name: getattr(event, name)
        for name in ("proof", "reason", "preferences", "key_id")
        if getattr(event, name) is not None
    }
    return (
        ts,
        event.seq,
        event.contact,
        (event.purpose, event.channel),
        A[action],
        expires,
        (event.source, event.basis, event.notice_version, event.jurisdiction),
        extra,
        ts
        if event.recorded_at is None
        else to_micros(ensure_aware(event.recorded_at, f"{field}.recorded_at")),
    )


def _replay(store: Store, tokens: Tokens, rows: list[tuple[Any, ...]]) -> None:
    """Apply validated rows in time order; each erasure applies where it stands."""
    rows.sort(key=lambda row: (row[0], row[1]))
    block: list[tuple[Any, ...]] = []
    for row in rows:
        if row[4] == ERASE:
            _replay_block(store, block)
            block = []
            _replay_block(store, [row])
            apply_erasure(store, tokens, row[7]["proof"], row[0])
        else:
            block.append(row)
    _replay_block(store, block)


def _replay_block(store: Store, block: list[tuple[Any, ...]]) -> None:
    if not block:
        return
    contacts = [row[2] for row in block]
    erase_rows = [i for i, row in enumerate(block) if row[4] == ERASE]
    cidx = np.full(len(block), -1, np.int64)
    keep = [i for i in range(len(block)) if i not in set(erase_rows)]
    if keep:
        cidx[keep] = store.add_contacts([contacts[i] for i in keep], "events[].contact")
    pairs = np.array(
        [store.pair_of(*row[3], create=True) if row[3] != (None, None) else -1 for row in block],
        np.int64,
    )
    store.append(
        cidx,
        pairs,
        np.array([row[4] for row in block], np.int8),
        np.array([row[0] for row in block], np.int64),
        np.array([store.meta_of(*row[6]) for row in block], np.int32),
        np.array([row[5] for row in block], np.int64),
        seq=np.array([row[1] for row in block], np.int64),
        live=False,
        extras={i: row[7] for i, row in enumerate(block) if row[7]},
        recorded=np.array([row[8] for row in block], np.int64),
    )


def to_state(store: Store, tokens: Tokens, config: dict[str, Any]) -> dict[str, Any]:
    """The store as plain data and numpy arrays, with a ``"schema"`` key (the caller locks)."""
    log = store.log
    rows = np.flatnonzero(log.action[: log.n] != TOMBSTONE)
    # In replay order (time, then seq), the order from_state keeps: a round trip is exact.
    rows = rows[np.lexsort((log.seq(rows), log.ts[rows]))]
    live_contacts = np.unique(log.contact[rows][log.contact[rows] >= 0])
    remap = np.full(len(store.contacts) + 1, -1, np.int32)
    remap[live_contacts] = np.arange(len(live_contacts), dtype=np.int32)
    contact_col = remap[log.contact[rows]]  # -1 (erase rows) reads the last slot: -1
    ts = log.ts[rows]
    recorded = log.recorded(rows)
    position = {int(r): i for i, r in enumerate(rows.tolist()) if int(r) in store.extras}
    extras = []
    for row, index in position.items():
        extra = dict(store.extras[row])
        if "preferences" in extra:
            extra["preferences"] = extra["preferences"].to_dict()
        extras.append([index, extra])
    return {
        "schema": SCHEMA,
        "config": config,
        "contacts": store.contacts.ids_at(live_contacts),
        "pairs": [list(pair) for pair in store.pairs],
        "metas": [list(meta) for meta in store.metas],
        "columns": {
            "seq": log.seq(rows),
            "contact": contact_col,
            "pair": log.pair[rows],
            "action": log.action[rows],
            "ts": ts,
            "expires": log.expires(rows),
            "meta": log.meta[rows],
            # Only when some row kept was recorded at another moment (not for erased ones).
            **({"recorded": recorded} if (recorded != ts).any() else {}),
        },
        "extras": extras,
        "tokens": [
            [seq, digest.hex(), expires] for seq, (digest, expires, _) in tokens.open.items()
        ],
        "next_seq": store.next_seq,
    }


def known_state(state: dict[str, Any], known: int) -> dict[str, Any]:
    """``state`` (of ``to_state``) holding only the rows recorded by ``known``."""
    columns = state["columns"]
    keep = columns.get("recorded", columns["ts"]) <= known
    position = np.cumsum(keep) - 1
    seqs = set(columns["seq"][keep].tolist())
    return {
        **state,
        "columns": {name: array[keep] for name, array in columns.items()},
        "extras": [[int(position[row]), extra] for row, extra in state["extras"] if keep[row]],
        "tokens": [token for token in state["tokens"] if token[0] in seqs],
    }


def _state_list(state: Mapping[str, Any], name: str) -> list[Any]:
    value = state.get(name)
    if not isinstance(value, list):
        raise InvalidInputError(f"state.{name}: expected a list, got {type(value).__name__}")
    return value


def config_from_state(config: object) -> dict[str, Any]:
    if not isinstance(config, Mapping):
        raise InvalidInputError("state.config: expected a dict")
    try:
        cap = config["default_max_per_period"]
        return {
            "token_ttl": timedelta(seconds=config["token_ttl_s"]),
            "expiry": {
                purpose: {basis: timedelta(seconds=life) for basis, life in rules.items()}
                for purpose, rules in config["expiry"].items()
            },
            "exempt_purposes": _text_list(config, "exempt_purposes"),
            "default_max_per_period": None if cap is None else (cap[0], timedelta(seconds=cap[1])),
            "stop_keywords": _text_list(config, "stop_keywords"),
            "start_keywords": _text_list(config, "start_keywords"),
            "help_keywords": _text_list(config, "help_keywords"),
            "send_window": _window_from_state(config.get("send_window")),
            "default_timezone": config.get("default_timezone", "UTC"),
            "soft_opt_in_purposes": _text_list(config, "soft_opt_in_purposes", ()),
            "purposes": _optional_list(config, "purposes"),
            "channels": _optional_list(config, "channels"),
            "erasure_key": bytes.fromhex(config["erasure_key"]),
        }
    except InvalidInputError as exc:
        raise InvalidInputError(f"state.config.{exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as exc:
        raise InvalidInputError(f"state.config: {type(exc).__name__}: {exc}") from None


def _text_list(config: Mapping[str, Any], name: str, default: Any = None) -> list[Any]:
    """A list of keywords or purposes (the constructor checks each); never one str."""
    value = config[name] if default is None else config.get(name, default)
    if not isinstance(value, (list, tuple)):
        raise InvalidInputError(f"{name}: expected a list of str, got {type(value).__name__}")
    return list(value)


def _optional_list(config: Mapping[str, Any], name: str) -> list[Any] | None:
    """A declared vocabulary: None (absent in older states too) or a list of names."""
    return None if config.get(name) is None else _text_list(config, name)


def _window_from_state(value: object) -> tuple[time, time] | None:
    """The send window from ``[start, end]`` ISO times (the constructor checks the rest)."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, str) for v in value):
        raise InvalidInputError(f"send_window: expected [start, end] ISO times, got {value!r}")
    try:
        return time.fromisoformat(value[0]), time.fromisoformat(value[1])
    except ValueError:
        raise InvalidInputError(
            f"send_window: expected [start, end] ISO times, got {value!r}"
        ) from None


def _columns_from_state(state: Mapping[str, Any]) -> dict[str, Int64Array]:
    columns = state.get("columns")
    if not isinstance(columns, Mapping):
        raise InvalidInputError("state.columns: expected a dict of arrays")
    arrays: dict[str, Int64Array] = {}
    for name in ("seq", "contact", "pair", "action", "ts", "expires", "meta"):
        array = columns.get(name)
        if not isinstance(array, np.ndarray) or array.ndim != 1 or array.dtype.kind not in "iu":
            raise InvalidInputError(f"state.columns.{name}: expected a 1-d integer numpy array")
        if arrays and len(array) != len(arrays["seq"]):
            raise InvalidInputError(
                f"state.columns.{name}: length {len(array)}, expected {len(arrays['seq'])}"
            )
        arrays[name] = array
    recorded = columns.get("recorded")
    if recorded is not None:
        if (
            not isinstance(recorded, np.ndarray)
            or recorded.shape != arrays["seq"].shape
            or (recorded.dtype.kind not in "iu")
        ):
            raise InvalidInputError(
                "state.columns.recorded: expected a 1-d integer numpy array as long as seq"
            )
        arrays["recorded"] = recorded
    return arrays


def _check_tables(pairs: list[Any], metas: list[Any]) -> None:
    for i, pair in enumerate(pairs):
        if not isinstance(pair, list) or len(pair) != 2:
            raise InvalidInputError(f"state.pairs[{i}]: expected [purpose, channel]")
        for part in pair:
            check_optional_text(part, f"state.pairs[{i}]")
    if len({tuple(pair) for pair in pairs}) != len(pairs):
        raise InvalidInputError("state.pairs: duplicate pairs")
    for i, meta in enumerate(metas):
        if not isinstance(meta, list) or len(meta) != 4:
            raise InvalidInputError(
                f"state.metas[{i}]: expected [source, basis, notice_version, jurisdiction]"
            )
        check_text(meta[0], f"state.metas[{i}][0]")
        for part in meta[1:]:
            check_optional_text(part, f"state.metas[{i}]")
    if len({tuple(meta) for meta in metas}) != len(metas):
        raise InvalidInputError("state.metas: duplicate entries")


def _extras_from_state(state: Mapping[str, Any], n: int) -> dict[int, dict[str, Any]]:
    extras: dict[int, dict[str, Any]] = {}
    for i, entry in enumerate(_state_list(state, "extras")):
        if (
            not isinstance(entry, list)
            or len(entry) != 2
            or not isinstance(entry[0], int)
            or isinstance(entry[0], bool)
            or not 0 <= entry[0] < n
            or entry[0] in extras
            or not isinstance(entry[1], dict)
            or not set(entry[1]) <= {"proof", "reason", "preferences", "key_id"}
        ):
            raise InvalidInputError(
                f"state.extras[{i}]: expected [row, {{proof, reason, preferences, key_id}}]"
            )
        extra = dict(entry[1])
        for name in ("proof", "reason", "key_id"):
            if name in extra and not isinstance(extra[name], str):
                raise InvalidInputError(f"state.extras[{i}].{name}: expected a str")
        if "preferences" in extra:
            extra["preferences"] = Preferences.from_dict(extra["preferences"])
        extras[entry[0]] = extra
    return extras


def _check_rows(
    arrays: Mapping[str, Int64Array],
    pairs: list[Any],
    metas: list[Any],
    contacts: list[Any],
    extras: Mapping[int, dict[str, Any]],
) -> None:
    """Every row must be an event the live registry could have written."""
    n = len(arrays["seq"])

    def bounded(name: str, low: int, high: int) -> None:
        array = arrays[name]
        if n and (int(array.min()) < low or int(array.max()) >= high):
            raise InvalidInputError(f"state.columns.{name}: values outside [{low}, {high})")

    bounded("contact", -1, len(contacts))
    bounded("pair", -1, len(pairs))
    bounded("action", 0, len(ACTIONS))
    bounded("meta", 0, max(len(metas), 1) if metas else 0)
    bounded("seq", 0, NEVER)
    low, high = MIN_MICROS, MAX_MICROS + 1
    bounded("ts", low, high)
    if "recorded" in arrays:
        bounded("recorded", low, high)
    expires = arrays["expires"]
    if ((expires != NEVER) & ((expires < low) | (expires >= high))).any():
        raise InvalidInputError(
            f"state.columns.expires: values outside [{low}, {high}) and not 'never'"
        )
    seq = arrays["seq"]
    if n > 1 and not (seq[1:] > seq[:-1]).all() and (np.diff(np.sort(seq)) == 0).any():
        raise InvalidInputError("state.columns.seq: sequence numbers must be unique")
    action = arrays["action"]
    erase = action == ERASE
    if ((arrays["contact"] < 0) != erase).any():
        raise InvalidInputError("state.columns.contact: only erase rows have no contact (-1)")
    full = np.array([p[0] is not None and p[1] is not None for p in pairs] + [False], bool)
    pair = arrays["pair"]
    needs_pair = action_table(GRANT, REQUEST, CONFIRM, SENT)[action]
    if (needs_pair & ~full[pair]).any():
        raise InvalidInputError("state.columns.pair: grants, requests and sends need a pair")
    has_basis = np.array([m[1] is not None for m in metas] + [False], bool)
    if (action_table(GRANT, REQUEST, CONFIRM)[action] & ~has_basis[arrays["meta"]]).any():
        raise InvalidInputError("state.columns.meta: grants need a basis")
    needs_extra = action_table(ERASE, SUPPRESS, UNSUPPRESS, PREFERENCES)[action]
    for row in np.flatnonzero(needs_extra):
        extra = extras.get(int(row), {})
        code = action[row]
        needed = {ERASE: "proof", SUPPRESS: "reason", UNSUPPRESS: "reason"}.get(code, "preferences")
        if needed not in extra:
            raise InvalidInputError(f"state.extras: row {int(row)} needs its {needed}")


def new_registry(factory: Callable[..., R], state: object, clock: Clock | None) -> R:
    """An empty registry configured as ``state`` says (schema and config checked)."""
    if not isinstance(state, Mapping):
        raise InvalidInputError(f"state: expected a dict, got {type(state).__name__}")
    schema = state.get("schema")
    if type(schema) is not int or schema != SCHEMA:
        raise InvalidInputError(f"state.schema: expected {SCHEMA}, got {schema!r}")
    config = config_from_state(state.get("config"))
    try:
        return factory(clock=clock, **config)
    except InvalidInputError as exc:
        raise InvalidInputError(f"state.config: {exc}") from None


def load_state(store: Store, tokens: Tokens, state: Mapping[str, Any]) -> None:
    """Fill the empty store of ``new_registry`` from ``state``, every field checked."""
    contacts = _state_list(state, "contacts")
    pairs = _state_list(state, "pairs")
    metas = _state_list(state, "metas")
    _check_tables(pairs, metas)
    arrays = _columns_from_state(state)
    n = len(arrays["seq"])
    extras = _extras_from_state(state, n)
    _check_rows(arrays, pairs, metas, contacts, extras)
    for row in np.flatnonzero(arrays["action"] == ERASE).tolist():
        store.erasures.note_erasure(extras[row]["proof"], int(arrays["ts"][row]))
    for pair in pairs:
        store.pair_of(pair[0], pair[1], create=True)
    for meta in metas:
        store.meta_of(*meta)
    remap = store.add_contacts(contacts, "state.contacts")
    if len(store.contacts) != len(contacts):
        raise InvalidInputError("state.contacts: duplicate contacts")
    contact = arrays["contact"]
    cidx = np.full(n, -1, np.int64)
    known = contact >= 0
    cidx[known] = remap[contact[known]]
    del known
    try:
        store.append(
            cidx,
            arrays["pair"].astype(np.int64),
            arrays["action"].astype(np.int8),
            arrays["ts"].astype(np.int64),
            arrays["meta"].astype(np.int32),
            arrays["expires"].astype(np.int64),
            seq=arrays["seq"].astype(np.int64),
            live=False,
            extras=extras,
            recorded=arrays["recorded"].astype(np.int64) if "recorded" in arrays else None,
        )
    except InvalidInputError as exc:
        raise InvalidInputError(f"state: {exc}") from None
    _check_chains_in_order(store)
    _load_tokens(store, tokens, _state_list(state, "tokens"))
    next_seq = state.get("next_seq")
    if (
        not isinstance(next_seq, int)
        or isinstance(next_seq, bool)
        or not store.next_seq <= next_seq <= NEVER
    ):
        raise InvalidInputError(
            f"state.next_seq: expected an int past every event's seq and <= {NEVER}, "
            f"got {next_seq!r}"
        )
    store.next_seq = next_seq


def _check_chains_in_order(store: Store) -> None:
    """Each chain (a key's events, a contact's marks, sends, preferences) in time order.

    The rows keep the state's order, so a chain's events must come in time order
    as the live path and ``from_events`` write them: the reads walk chains back in time.
    """
    log = store.log
    prev = log.prev[: log.n]
    linked = np.flatnonzero(prev >= 0)
    if (log.ts[prev[linked]] > log.ts[linked]).any():
        raise InvalidInputError(
            "state.columns.ts: the events of one contact and key (or of one contact's "
            "suppressions, sends or preferences) must come in time order"
        )


def _load_tokens(store: Store, tokens: Tokens, entries: list[Any]) -> None:
    log = store.log
    seqs = log.seq(slice(0, log.n))
    by_seq = np.argsort(seqs, kind="stable")
    for i, entry in enumerate(entries):
        field = f"state.tokens[{i}]"
        if not isinstance(entry, list) or len(entry) != 3:
            raise InvalidInputError(f"{field}: expected [seq, digest hex, deadline]")
        seq, digest, expires = entry
        check_int(seq, f"{field}[0]", low=0, high=NEVER - 1)
        expires = check_int(expires, f"{field}[2]", low=MIN_MICROS)
        if expires > MAX_MICROS and expires != NEVER:
            raise InvalidInputError(f"{field}[2]: a deadline past {MAX_MICROS} must be 'never'")
        if seq in tokens.open:
            raise InvalidInputError(f"{field}[0]: a second token for seq {seq}")
        found = int(np.searchsorted(seqs, seq, sorter=by_seq))
        if found >= log.n or seqs[by_seq[found]] != seq:
            raise InvalidInputError(f"{field}[0]: no event has seq {seq}")
        row = int(by_seq[found])
        try:
            raw = bytes.fromhex(digest)
        except (TypeError, ValueError):
            raw = b""
        if len(raw) != 32 or log.action[row] != REQUEST:
            raise InvalidInputError(f"{field}: expected the 32-byte hex digest of a request")
        tokens.open[seq] = (raw, expires, row)


def check_declared(policy: Any, pairs: list[Any]) -> None:
    """Every purpose and channel the events use is in the declared vocabularies, if any.

    A state whose events name a purpose its own vocabulary refuses would load, then refuse
    every question about that purpose.
    """
    for row, (purpose, channel) in enumerate(pairs):
        try:
            policy.check_names(purpose, channel)
        except InvalidInputError as error:
            raise InvalidInputError(f"state.pairs[{row}]: {error}") from None
