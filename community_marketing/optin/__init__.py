"""OptInRegistry: the consent ledger, one part per file.

- ``_registry.py``: ``OptInRegistry``, the face: public methods, the lock and the clock.
- ``_values.py``: ``ConsentStatus``, ``ConsentAction``, ``Reason``, ``Preferences``,
  ``ConsentEvent``, ``ConsentChecks``, ``KeywordResult``.
- ``_log.py``: the event columns (``Log``), action codes, chain walks back in time.
- ``_store.py``: the store over the log: ids, pairs, metadata, chain heads, ``append``.
- ``_record.py``: the write paths (grant, many, withdraw, suppress, contact events).
- ``_status.py``: the consent rules (expiry, double opt-in expiry, suppression, exempt
  purposes), each written once; the scalar fast path and the bulk path side by side.
- ``_preferences.py``: pause, quiet hours and frequency caps.
- ``_tokens.py``: double opt-in tokens (``secrets``, constant-time compare), confirmation.
- ``_keywords.py``: SMS keywords STOP, START, HELP.
- ``_erasure.py``: erasure, keyed fingerprints of erased ids.
- ``_state.py``: ``to_state``/``from_state`` and ``from_events``, with their validation.
"""

from __future__ import annotations

from .._public import publish
from ._registry import OptInRegistry
from ._values import (
    ConsentAction,
    ConsentChecks,
    ConsentEvent,
    ConsentStatus,
    KeywordResult,
    Preferences,
    Reason,
)

__all__ = [
    "ConsentAction",
    "ConsentChecks",
    "ConsentEvent",
    "ConsentStatus",
    "KeywordResult",
    "OptInRegistry",
    "Preferences",
    "Reason",
]

publish(__name__, *(globals()[name] for name in __all__))
