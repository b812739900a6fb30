"""The bad-input sweep's table for OptInRegistry: a builder and a valid call of every method."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from community_marketing import OptInRegistry

from .._sweep_cases import T0, Builder, Call, Clock, FunctionCall


def _registry(clock: Clock) -> tuple[OptInRegistry, dict[str, Any]]:
    registry = OptInRegistry(clock=clock, default_max_per_period=(3, timedelta(days=7)))
    registry.grant_many(
        ["ann", "bob", "eve"], "news", ["email", "sms"], basis="express", source="form", at=T0
    )
    token = registry.request("cid", "news", "email", source="form", at=T0)
    other = registry.request("eve", "promos", "email", source="form", at=T0)
    registry.set_preferences("ann", timezone="Europe/Paris", at=T0)
    registry.suppress("dan", reason="bounce", at=T0)
    registry.record_sent("bob", "news", "email", at=T0)
    return registry, {"token": token, "tokens": [other]}


REGISTRY_CALLS: dict[str, Call] = {
    "apply_keyword": (("bob", "sms", "STOP"), {}),
    "audience": ((["ann", "bob"], "news", "email"), {}),
    "check": (("ann", "news", "email"), {}),
    "check_many": ((["ann", "bob"], "news", "email"), {}),
    "confirm": ((lambda c: c["token"],), {}),
    "confirm_many": ((lambda c: c["tokens"],), {}),
    "erase": (("bob",), {}),
    "erased_at": (("dan",), {}),
    "events": ((), {"since": 0}),
    "event_columns": ((), {}),
    "expiring": (("news", "email"), {"within": timedelta(days=30)}),
    "export": (("ann",), {}),
    "grant": (("zed", "news", "email"), {"source": "form", "basis": "express"}),
    "grant_many": ((["zed", "zoe"], "news", "email"), {"source": "form", "basis": "express"}),
    "history": (("ann",), {}),
    "is_suppressed": (("dan",), {}),
    "may_contact": (("ann", "news", "email"), {}),
    "next_allowed_at": (("ann", "news", "email"), {}),
    "preferences": (("ann",), {}),
    "record_sent": (("ann", "news", "email"), {}),
    "record_sent_many": ((["ann", "bob"], "news", "email"), {}),
    "request": (("zed", "news", "email"), {"source": "form"}),
    "request_many": ((["zed", "zoe"], "news", "email"), {"source": "form"}),
    "set_preferences": (
        ("bob",),
        {
            "timezone": "America/New_York",
            "quiet_hours": (time(22), time(7)),
            "max_per_period": (2, timedelta(days=1)),
            "paused_until": T0 + timedelta(days=3),
        },
    ),
    "status": (("ann", "news", "email"), {}),
    "suppress": (("ann",), {"reason": "complaint"}),
    "suppress_many": ((["ann", "bob"],), {"reason": "complaint"}),
    "unsuppress": (("dan",), {"reason": "fixed"}),
    "withdraw": (("ann", "news", "email"), {"source": "link"}),
    "withdraw_many": ((["ann", "bob"], "news", "email"), {"source": "link"}),
}


BUILDERS: dict[str, tuple[Builder, dict[str, Call]]] = {
    "OptInRegistry": (_registry, REGISTRY_CALLS)
}

_STATE_REGISTRY, _ = _registry(Clock())

FUNCTIONS: dict[str, FunctionCall] = {
    "OptInRegistry": (
        OptInRegistry,
        (),
        {
            "clock": Clock(),
            "token_ttl": timedelta(days=2),
            "expiry": {"*": {"implied_business": timedelta(days=730)}},
            "exempt_purposes": ["receipts"],
            "default_max_per_period": (3, timedelta(days=7)),
            "stop_keywords": ["STOP", "opt out"],
            "start_keywords": ["START"],
            "help_keywords": ["HELP"],
            "send_window": (time(8), time(21)),
            "default_timezone": "Europe/Paris",
            "soft_opt_in_purposes": ["offers"],
            "erasure_key": b"k" * 32,
        },
    ),
    "OptInRegistry.from_state": (
        OptInRegistry.from_state,
        (_STATE_REGISTRY.to_state(),),
        {"clock": Clock()},
    ),
    "OptInRegistry.from_events": (OptInRegistry.from_events, (_STATE_REGISTRY.events(),), {}),
    "OptInRegistry.from_event_columns": (
        OptInRegistry.from_event_columns,
        (_STATE_REGISTRY.event_columns(),),
        {},
    ),
}
"""Functions and constructors of this primitive's module, swept for library errors only."""
