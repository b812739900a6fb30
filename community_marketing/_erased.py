"""Erased ids outside the consent ledger: keyed fingerprints, what an erasure removed.

Every primitive keeps the fingerprints of the ids erased from it: an HMAC-SHA256 of the
id's canonical form under a per-instance ``erasure_key``, the same hash the consent ledger
keeps (``optin._erasure``). Only the fingerprint stays, so the id itself is gone, yet the
same person added again is recognized and refused until readmitted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Final

import attrs

from ._ids import canonical_id
from .errors import ConsentRequiredError, InvalidInputError

__all__ = [
    "ErasedIds",
    "Plan",
    "Removed",
    "fingerprint",
    "key_id",
    "plain_state_ids",
    "swap_fields",
]

_LABEL: Final = b"community-marketing erasure key id"


def key_id(key: bytes) -> str:
    """A public name of ``key`` (a keyed hash of a fixed label), never the key itself."""
    return hmac.new(key, _LABEL, hashlib.sha256).hexdigest()[:16]


def fingerprint(key: bytes, id: Hashable) -> str:
    """HMAC-SHA256 of ``canonical_id(id)`` under ``key``, hex: equal ids share one."""
    return hmac.new(key, canonical_id(id).encode(), hashlib.sha256).hexdigest()


@attrs.frozen
class Removed:
    """What an erasure removed from one primitive: counts by kind (a receipt, no ids).

    Examples
    --------
    >>> Removed("group", (("members", 1),)).to_dict()
    {'primitive': 'group', 'removed': {'members': 1}}
    """

    primitive: str
    counts: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        """Everything removed, all kinds together."""
        return sum(n for _, n in self.counts)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the primitive's name and the counts by kind."""
        return {"primitive": self.primitive, "removed": dict(self.counts)}


class ErasedIds:
    """The fingerprints of the ids erased from one primitive, and the key they are made with.

    Parameters
    ----------
    key : bytes, optional
        The HMAC key, at least 16 bytes; 32 random bytes by default.
    """

    __slots__ = ("erased", "key")

    def __init__(self, key: bytes | None = None) -> None:
        self.key = secrets.token_bytes(32) if key is None else key
        self.erased: dict[str, int] = {}
        """Fingerprint -> moment of the erasure (microseconds)."""

    def fingerprint(self, id: Hashable) -> str:
        """The keyed hash of ``id``."""
        return fingerprint(self.key, id)

    @property
    def key_id(self) -> str:
        """A public name of the key, never the key itself."""
        return key_id(self.key)

    def note(self, id: Hashable, micros: int) -> None:
        """``id`` was erased at ``micros``."""
        self.erased.setdefault(self.fingerprint(id), micros)

    def erased_at(self, id: Hashable) -> int | None:
        """When ``id`` was erased, None if it was not (or was readmitted)."""
        if not self.erased:
            return None
        try:
            return self.erased.get(self.fingerprint(id))
        except (TypeError, ValueError):
            return None

    def refuse(self, ids: Iterable[Hashable], what: str) -> None:
        """``ConsentRequiredError`` naming the first erased id among ``ids``."""
        if not self.erased:
            return
        for id in ids:
            if self.erased_at(id) is not None:
                raise ConsentRequiredError(
                    f"{what}: {id!r} was erased; readmit them (a fresh express opt-in "
                    "recorded after the erasure) before adding them again"
                )

    def keep(self, ids: Iterable[Hashable]) -> list[bool]:
        """For each of ``ids``, whether it was never erased (a bulk import's filter)."""
        if not self.erased:
            return [True for _ in ids]
        return [self.erased_at(id) is None for id in ids]

    def readmit(self, id: Hashable) -> bool:
        """Forget the fingerprint of ``id``; whether there was one."""
        return self.erased.pop(self.fingerprint(id), None) is not None

    def to_state(self) -> dict[str, Any]:
        """Plain data: the key in hex and the fingerprints with their moments."""
        return {"key": self.key.hex(), "erased": sorted([f, t] for f, t in self.erased.items())}

    @classmethod
    def from_state(cls, state: object, field: str = "state.erasure") -> ErasedIds:
        """Inverse of :meth:`to_state`; a fresh key for None (a state from before erasure)."""
        if state is None:
            return cls()
        if not isinstance(state, Mapping) or set(state) != {"key", "erased"}:
            raise InvalidInputError(f"{field}: expected a dict with 'key' and 'erased'")
        try:
            key = bytes.fromhex(state["key"])
        except (TypeError, ValueError):
            raise InvalidInputError(f"{field}.key: expected hex text") from None
        if len(key) < 16:
            raise InvalidInputError(f"{field}.key: expected at least 16 bytes")
        erased = cls(key)
        rows = state["erased"]
        if not isinstance(rows, list):
            raise InvalidInputError(f"{field}.erased: expected a list")
        for i, row in enumerate(rows):
            if not (
                isinstance(row, (list, tuple))
                and len(row) == 2
                and isinstance(row[0], str)
                and len(row[0]) == 64
                and all(c in "0123456789abcdef" for c in row[0])
                and type(row[1]) is int
            ):
                raise InvalidInputError(f"{field}.erased[{i}]: expected [hex fingerprint, micros]")
            erased.erased[row[0]] = row[1]
        return erased


def swap_fields(target: Any, source: Any, keep: tuple[str, ...] = ()) -> None:
    """Give ``target`` every attrs field of ``source`` but ``keep`` (an in-memory rebuild)."""
    for field in attrs.fields(type(target)):
        if field.name not in keep:
            setattr(target, field.name, getattr(source, field.name))


class Plan:
    """A checked erasure not yet applied: :meth:`apply` swaps the rebuilt parts in, :meth:`undo`
    puts the old ones back (both in memory, neither can fail on data).

    Parameters
    ----------
    target : attrs instance
        The primitive to change.
    rebuilt : attrs instance or None
        The same primitive rebuilt without the person; None when it held nothing of them.
    erased_of : callable
        The :class:`ErasedIds` of a primitive.
    id, micros
        Who is erased, and when.
    removed : Removed
        What the erasure removes.
    keep : tuple of str
        Fields the target keeps (its lock, its clock).
    """

    __slots__ = ("_old", "erased_of", "id", "keep", "micros", "rebuilt", "removed", "target")

    def __init__(
        self,
        target: Any,
        rebuilt: Any,
        erased_of: Callable[[Any], ErasedIds],
        id: Hashable,
        micros: int,
        removed: Removed,
        keep: tuple[str, ...] = (),
    ) -> None:
        self.target, self.rebuilt, self.erased_of = target, rebuilt, erased_of
        self.id, self.micros, self.removed, self.keep = id, micros, removed, keep
        self._old: tuple[dict[str, Any], dict[str, int]] | None = None

    def apply(self) -> Removed:
        """Swap the rebuilt parts in and keep the fingerprint; the receipt of what went."""
        target = self.target
        old = {f.name: getattr(target, f.name) for f in attrs.fields(type(target))}
        self._old = (old, dict(self.erased_of(target).erased))
        if self.rebuilt is not None:
            swap_fields(target, self.rebuilt, self.keep)
        self.erased_of(target).note(self.id, self.micros)
        return self.removed

    def undo(self) -> None:
        """Put back what :meth:`apply` replaced (nothing if it was not applied)."""
        if self._old is None:
            return
        fields, fingerprints = self._old
        for name, value in fields.items():
            setattr(self.target, name, value)
        self.erased_of(self.target).erased = fingerprints
        self._old = None


def plain_state_ids(value: Hashable, id: Hashable) -> bool:
    """Whether a state's id ``value`` is ``id`` (equal ids, of any type, are one person)."""
    try:
        return bool(value == id) and canonical_id(value) == canonical_id(id)
    except TypeError:
        return False
