"""``OptInRegistry.export``: everything held about one contact, as one plain document."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from .._time import from_micros
from ._state import SCHEMA
from ._status import STATUSES, Policy, status_one
from ._store import Store

if TYPE_CHECKING:  # pragma: no cover
    from ._registry import OptInRegistry

__all__ = ["export"]


def export(
    registry: OptInRegistry, store: Store, policy: Policy, contact: Hashable, now: int
) -> dict[str, Any]:
    """``export`` under the registry's lock: one consistent snapshot of the contact."""
    cidx = store.contacts.get(contact)
    consents = []
    for pair in sorted(store.key_heads):
        purpose, channel = store.key_pair(pair)
        if 0 <= cidx < len(store.key_heads[pair]) and store.key_heads[pair][cidx] >= 0:
            status = status_one(store, policy, cidx, purpose, channel, now)
            consents.append(
                {"purpose": purpose, "channel": channel, "status": STATUSES[status].value}
            )
    return {
        "schema": SCHEMA,
        "contact": contact if isinstance(contact, (str, int, float)) else repr(contact),
        "as_of": from_micros(now).isoformat(),
        "suppressed": registry.is_suppressed(contact, at=from_micros(now)),
        "preferences": registry.preferences(contact, at=from_micros(now)).to_dict(),
        "consents": consents,
        "events": [event.to_dict() for event in registry.history(contact)],
    }
