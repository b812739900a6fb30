"""The event store: the log, its lookup tables (contacts, pairs, metadata) and its chains."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from .._columns import grown
from .._ids import IdIndex
from .._time import NEVER, from_micros
from .._types import BoolArray, Int8Array, Int32Array, Int64Array
from ..errors import InvalidInputError
from ._erasure import Erasures, check_after_erasures
from ._log import ACTIONS, IS_GRANT, IS_KEY, IS_MARK, PREFERENCES, SENT, SUPPRESS, Log, gather
from ._values import ConsentEvent

Heads = Iterator[tuple[Int32Array, Int64Array, Int64Array]]
"""(heads, owner of each event, positions of the events in the block), per chain touched."""

Chains = list[tuple[Callable[[Int64Array], Heads], Int64Array]]
"""Which events of a block go in which chain: (function giving ``Heads``, positions)."""


class Store:
    """The log and everything needed to read it: ids, pairs, metadata, extras, chain heads.

    Parameters
    ----------
    erasures : Erasures
        Told of every new contact (an erased id may come back) and every grant
        (an express grant lifts an erasure's suppression).
    exempt : frozenset of str
        Transactional purposes, whose sends do not count toward frequency caps.
    """

    def __init__(self, erasures: Erasures, exempt: frozenset[str]) -> None:
        self.erasures = erasures
        self.exempt = exempt
        self.contacts = IdIndex(kind="contact")
        self.log = Log()
        self.next_seq = 0
        self.pairs: list[tuple[str | None, str | None]] = []
        self.pair_index: dict[tuple[str | None, str | None], int] = {}
        self.key_heads: dict[int, Int32Array] = {}
        self.supp_heads: Int32Array = np.empty(0, np.int32)
        self.sent_heads: Int32Array = np.empty(0, np.int32)
        self.pref_heads: Int32Array = np.empty(0, np.int32)
        self.metas: list[tuple[str, str | None, str | None, str | None]] = []
        self.meta_index: dict[tuple[str, str | None, str | None, str | None], int] = {}
        self.extras: dict[int, dict[str, Any]] = {}
        self.wall: int | None = None
        """The clock's reading of the write under way (set under the lock): live rows
        are recorded then, whatever moment they speak of."""

    # ------------------------------------------------------------------ lookups

    def pair_of(self, purpose: str | None, channel: str | None, *, create: bool) -> int:
        """The index of a (purpose, channel) pair; -1 when unknown and not ``create``."""
        key = (purpose, channel)
        found = self.pair_index.get(key)
        if found is not None or not create:
            return -1 if found is None else found
        if len(self.pairs) >= np.iinfo(np.int16).max:
            raise InvalidInputError("purpose/channel: too many distinct pairs (32767 at most)")
        index = len(self.pairs)
        self.pairs.append(key)
        self.pair_index[key] = index
        if purpose is not None and channel is not None:
            self.key_heads[index] = np.full(len(self.contacts), -1, np.int32)
        return index

    def key_pair(self, pair: int) -> tuple[str, str]:
        """The (purpose, channel) of a key pair (never a wildcard)."""
        purpose, channel = self.pairs[pair]
        if purpose is None or channel is None:
            raise InvalidInputError(f"pair {pair} is not a (purpose, channel) key")
        return purpose, channel

    def meta_of(
        self, source: str, basis: str | None, notice: str | None, jurisdiction: str | None
    ) -> int:
        """The index of a metadata tuple, added when new."""
        key = (source, basis, notice, jurisdiction)
        found = self.meta_index.get(key)
        if found is None:
            found = len(self.metas)
            self.metas.append(key)
            self.meta_index[key] = found
        return found

    def event_count(self) -> int:
        """Events held (tombstones of erased rows excluded)."""
        log = self.log
        return int(np.count_nonzero(log.action[: log.n] != len(ACTIONS)))

    def suppressed_count(self) -> int:
        """Contacts whose latest mark is a suppression."""
        heads = self.supp_heads
        return int(np.count_nonzero(self.log.action[heads[heads >= 0]] == SUPPRESS))

    def event(self, row: int) -> ConsentEvent:
        """The ``ConsentEvent`` of one row."""
        log = self.log
        contact_index = int(log.contact[row])
        purpose, channel = self.pairs[int(log.pair[row])] if log.pair[row] >= 0 else (None, None)
        source, basis, notice, jurisdiction = self.metas[int(log.meta[row])]
        extra = self.extras.get(row, {})
        expires = log.expires_one(row)
        recorded = log.recorded_one(row)
        return ConsentEvent(
            seq=int(log.seq(np.array([row]))[0]),
            contact=None if contact_index < 0 else self.contacts.id_at(contact_index),
            purpose=purpose,
            channel=channel,
            action=ACTIONS[int(log.action[row])],
            at=from_micros(int(log.ts[row])),
            source=source,
            basis=basis,
            notice_version=notice,
            proof=extra.get("proof"),
            expires_at=None if expires == NEVER else from_micros(expires),
            jurisdiction=jurisdiction,
            reason=extra.get("reason"),
            preferences=extra.get("preferences"),
            key_id=extra.get("key_id"),
            recorded_at=None if recorded == log.ts.item(row) else from_micros(recorded),
        )

    # ------------------------------------------------------------------ writing

    @contextmanager
    def undo_on_error(self) -> Iterator[None]:
        """If the block raises, forget the contacts, pairs and metadata it added.

        Every write validates before touching the log, so undoing the lookup
        tables is all it takes for a refused call to change nothing. The caller
        holds the registry's lock.
        """
        contacts, pairs, metas = len(self.contacts), len(self.pairs), len(self.metas)
        try:
            yield
        except BaseException:
            self.erasures.forget_new(contacts, len(self.contacts))
            self.contacts.truncate(contacts)
            for key in self.pairs[pairs:]:
                self.key_heads.pop(self.pair_index.pop(key), None)
            del self.pairs[pairs:]
            for meta in self.metas[metas:]:
                del self.meta_index[meta]
            del self.metas[metas:]
            raise

    def add_contacts(self, contacts: Sequence[Hashable], field: str) -> Int64Array:
        """The indices of ``contacts``, adding the new ones."""
        before = len(self.contacts)
        cidx = self.contacts.add_many(contacts, field)
        size = len(self.contacts)
        if size > before:
            self.supp_heads = grown(self.supp_heads, size, -1)
            self.sent_heads = grown(self.sent_heads, size, -1)
            self.pref_heads = grown(self.pref_heads, size, -1)
            for pair, heads in self.key_heads.items():
                self.key_heads[pair] = grown(heads, size, -1)
            self.erasures.note_new(self.contacts, before, size)
        return cidx

    def append(
        self,
        cidx: Int64Array,
        pair: int | Int64Array,
        action: np.int8 | Int8Array,
        ts: Int64Array,
        meta: int | Int32Array,
        expires: int | Int64Array = NEVER,
        *,
        seq: Int64Array | None = None,
        live: bool = True,
        extras: Mapping[int, dict[str, Any]] | None = None,
        recorded: int | Int64Array | None = None,
    ) -> Int64Array:
        """Append a block of events; link the chains.

        On the live path the block may come in any order (it is sorted stably by time
        here) and an event may not precede the latest event of its chain; off it
        (``live=False``: loading a state or events) the rows keep the order given,
        which must be time order within each chain (the loaders see to it), so that
        a loaded state is written back row for row;
        everything is validated before the first column is written, so a refused
        block changes nothing. Returns the rows written, in the block's order.
        Rows are recorded at ``recorded``: by default the write's wall time on the live
        path, their own moment otherwise.
        """
        n = len(cidx)
        log = self.log
        if n == 0:
            return np.empty(0, np.int64)
        pairs = np.broadcast_to(np.asarray(pair, np.int64), (n,))
        actions = np.broadcast_to(np.asarray(action, np.int8), (n,))
        in_order = not live or n < 2 or bool((ts[1:] >= ts[:-1]).all())
        order = None if in_order else np.argsort(ts, kind="stable")

        def take(values: Any) -> Any:
            """``values`` in time order (a scalar stays a scalar: numpy broadcasts it)."""
            if np.ndim(values) == 0 or order is None:
                return values
            return np.asarray(values)[order]

        rows = np.arange(log.n, log.n + n)
        if order is not None:
            rows[order] = rows.copy()
        chains = self._chains(cidx, pairs, actions)
        if live:
            self._check_in_order(chains, ts)
            check_after_erasures(self.erasures, cidx, ts)
        if seq is None:
            self._check_seqs_left(n)
        log.reserve(n)
        start, end = log.n, log.n + n
        if seq is None:
            log.write_seq_range(start, end, self.next_seq)
        else:
            log.write_seq(start, take(seq))
        log.contact[start:end] = take(cidx)
        log.pair[start:end] = take(pair)
        log.action[start:end] = take(action)
        log.ts[start:end] = take(ts)
        log.write_expires(start, end, take(expires))
        if recorded is None:
            recorded = self.wall if live and self.wall is not None else ts
        log.write_recorded(start, end, take(recorded))
        log.meta[start:end] = take(meta)
        log.prev[start:end] = -1
        for position, extra in (extras or {}).items():
            self.extras[int(rows[position])] = extra
        log.n = end
        self.next_seq = max(self.next_seq, int(log.seq(slice(start, end)).max()) + 1)
        for heads_of, members in chains:
            for heads, owners, picked in heads_of(members):
                self._link(heads, owners, rows[picked])
        self._note_grants(cidx, actions, ts, rows)
        return rows

    def _check_seqs_left(self, n: int) -> None:
        """Refuse a block that would number an event past the int64 range."""
        if self.next_seq > NEVER - n:
            raise InvalidInputError(
                f"seq: no sequence numbers left for {n} more event(s) (next_seq "
                f"{self.next_seq}, the last is {NEVER - 1})"
            )

    def _check_in_order(self, chains: Chains, ts: Int64Array) -> None:
        """Refuse an event earlier than the latest one of its chain (the live path)."""
        log = self.log
        for heads_of, members in chains:
            for heads, owners, picked in heads_of(members):
                last = gather(heads, owners)
                late = np.flatnonzero(last >= 0)
                earlier = log.ts[last[late]] > ts[picked[late]]
                if late.size and earlier.any():
                    bad = picked[late[np.argmax(earlier)]]
                    raise InvalidInputError(
                        f"at: {from_micros(int(ts[bad])).isoformat()} is earlier than the "
                        "latest event already recorded for that contact and key; "
                        "the live path cannot go back in time (use from_events)"
                    )

    def _chains(self, cidx: Int64Array, pairs: Int64Array, actions: Int8Array) -> Chains:
        """Which events go in which chain."""
        key_rows = np.flatnonzero(IS_KEY[actions] & self._keyed_pairs()[pairs])
        supp_rows = np.flatnonzero(IS_MARK[actions])
        sent_rows = np.flatnonzero(actions == SENT)
        if sent_rows.size and self.exempt:
            # Transactional sends never count toward a frequency cap: they stay off the chain.
            exempt_pairs = [
                i for i, (p, _) in enumerate(self.pairs) if p is not None and p in self.exempt
            ]
            sent_rows = sent_rows[~np.isin(pairs[sent_rows], exempt_pairs)]
        pref_rows = np.flatnonzero(actions == PREFERENCES)

        def keyed(rows: Int64Array) -> Heads:
            block_pairs = pairs[rows]
            for pair in np.flatnonzero(np.bincount(block_pairs)).tolist():
                picked = rows[block_pairs == pair]
                yield self.key_heads[pair], cidx[picked], picked

        def per_contact(name: str) -> Callable[[Int64Array], Heads]:
            def heads_of(rows: Int64Array) -> Heads:
                yield getattr(self, name), cidx[rows], rows

            return heads_of

        out: Chains = []
        for heads_of, rows in (
            (keyed, key_rows),
            (per_contact("supp_heads"), supp_rows),
            (per_contact("sent_heads"), sent_rows),
            (per_contact("pref_heads"), pref_rows),
        ):
            if rows.size:
                out.append((heads_of, rows))
        return out

    def _keyed_pairs(self) -> BoolArray:
        """``table[pair]``: whether the pair is a (purpose, channel) key; ``table[-1]`` is False."""
        table = np.zeros(len(self.pairs) + 1, bool)
        table[list(self.key_heads)] = True
        return table

    def _link(self, heads: Int32Array, owners: Int64Array, rows: Int64Array) -> None:
        """Chain ``rows`` (one per owner event) behind each owner's head; move the heads."""
        if len(owners) < 2 or np.bincount(owners).max() == 1:
            # One event per owner, the usual bulk load: no sort needed.
            self.log.prev[rows] = heads[owners]
            heads[owners] = rows
            return
        order = np.lexsort((rows, owners))
        owner = owners[order]
        row = rows[order]
        first = np.ones(len(owner), bool)
        first[1:] = owner[1:] != owner[:-1]
        prev = np.empty(len(row), np.int32)
        prev[1:] = row[:-1]
        prev[first] = heads[owner[first]]
        self.log.prev[row] = prev
        last = np.ones(len(owner), bool)
        last[:-1] = first[1:]
        heads[owner[last]] = row[last]

    def _note_grants(
        self, cidx: Int64Array, actions: Int8Array, ts: Int64Array, rows: Int64Array
    ) -> None:
        """Tell the erasures of each grant by a once-erased contact."""
        erasures = self.erasures
        if not erasures.erased_at:
            return
        for position in np.flatnonzero(IS_GRANT[actions]).tolist():
            reason = self.extras.get(int(rows[position]), {}).get("reason")
            erasures.note_grant(int(cidx[position]), int(ts[position]), reason)
