"""The bad-input sweep: every public method, one argument at a time, every bad value.

A call keeps the contract when it answers, or raises one of the library's errors and
leaves ``to_state()`` exactly as it was; an answer must leave a state that still
round-trips through ``from_state``. Anything else (a raw ``TypeError``, an
``OverflowError`` on a later read, a call that never returns) is a breach, reported
as one line. Functions and constructors are held to the first half: answer, or raise
the library's error.
"""

from __future__ import annotations

import inspect
import signal
from collections.abc import Iterator
from typing import Any

import numpy as np

from community_marketing import CommunityMarketingError

from ._sweep_cases import BAD_VALUES, Builder, Call, Clock, FunctionCall
from ._tables import groups, optin, recommend, referrals

PRIMITIVES: dict[str, tuple[Builder, dict[str, Call]]] = {
    **optin.BUILDERS,
    **groups.BUILDERS,
    **referrals.BUILDERS,
    **recommend.BUILDERS,
}
FUNCTIONS: dict[str, FunctionCall] = {
    **optin.FUNCTIONS,
    **groups.FUNCTIONS,
    **referrals.FUNCTIONS,
    **recommend.FUNCTIONS,
}


class HangError(Exception):
    """A call that did not answer within its time."""


def _alarm(signum: int, frame: object) -> None:
    raise HangError


def same(a: Any, b: Any) -> bool:
    """Deep equality of states: numpy arrays by value (NaN equal to NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind in "fc":
            return bool(np.array_equal(a, b, equal_nan=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    return bool(type(a) is type(b) and a == b)


def resolve(value: Any, context: dict[str, Any]) -> Any:
    """A table value, or what its lambda makes of the built context."""
    is_lambda = callable(value) and getattr(value, "__name__", "") == "<lambda>"
    return value(context) if is_lambda else value


def reload(kind: str, instance: Any, state: dict[str, Any], clock: Clock) -> Any:
    cls = type(instance)
    if kind == "Recommender":
        return cls.from_state(state)
    if kind.startswith("FanGroup"):
        return cls.from_state(state, clock=clock)
    return cls.from_state(state, clock=clock)


def cases(kind: str | None = None) -> Iterator[tuple[str, str, str, str]]:
    """(primitive, method, argument, bad value name) for every combination (of ``kind``)."""
    for name, (build, calls) in PRIMITIVES.items():
        if kind is not None and name != kind:
            continue
        instance, _ = build(Clock())
        for method in calls:
            for argument in inspect.signature(getattr(instance, method)).parameters:
                for bad in BAD_VALUES:
                    yield name, method, argument, bad


def breaches(kind: str, method: str) -> list[str]:
    """Every way ``kind.method`` breaks the contract under the table of bad values."""
    found = []
    for _, _, argument, bad in (c for c in cases(kind) if c[1] == method):
        line = run(kind, method, argument, bad)
        if line is not None:
            found.append(line)
    return found


def run(kind: str, method: str, argument: str, bad: str, *, seconds: int = 5) -> str | None:
    """None when the call keeps the contract; else a line saying how it broke it."""
    build, calls = PRIMITIVES[kind]
    clock = Clock()
    instance, context = build(clock)
    args, kwargs = calls[method]
    bound = inspect.signature(getattr(instance, method)).bind_partial(
        *[resolve(a, context) for a in args], **{k: resolve(v, context) for k, v in kwargs.items()}
    )
    arguments = dict(bound.arguments)
    arguments[argument] = BAD_VALUES[bad]
    before = instance.to_state()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        getattr(instance, method)(**arguments)
    except HangError:
        return f"{kind}.{method}({argument}={bad}): no answer in {seconds} s"
    except CommunityMarketingError:
        signal.alarm(0)
        try:
            after = instance.to_state()
        except Exception as error:
            return f"{kind}.{method}({argument}={bad}): refused, then to_state raised {error!r}"
        if not same(before, after):
            return f"{kind}.{method}({argument}={bad}): refused but changed the state"
        return None
    except Exception as error:
        signal.alarm(0)
        return f"{kind}.{method}({argument}={bad}): raw {type(error).__name__}: {error}"[:300]
    finally:
        signal.alarm(0)
    try:
        state = instance.to_state()
        again = reload(kind, instance, state, clock).to_state()
    except Exception as error:
        return f"{kind}.{method}({argument}={bad}): accepted, then the state broke: {error!r}"[:300]
    if not same(state, again):
        return f"{kind}.{method}({argument}={bad}): accepted, then the state did not round-trip"
    return None


def function_breaches(name: str, *, seconds: int = 5) -> list[str]:
    """Every way the function or constructor ``name`` breaks the contract."""
    function, args, kwargs = FUNCTIONS[name]
    arguments = dict(inspect.signature(function).bind_partial(*args, **kwargs).arguments)
    found = []
    for argument in inspect.signature(function).parameters:
        for bad in BAD_VALUES:
            trial = {**arguments, argument: BAD_VALUES[bad]}
            signal.signal(signal.SIGALRM, _alarm)
            signal.alarm(seconds)
            try:
                function(**trial)
            except HangError:
                found.append(f"{name}({argument}={bad}): no answer in {seconds} s")
            except CommunityMarketingError:
                pass
            except Exception as error:
                found.append(f"{name}({argument}={bad}): raw {type(error).__name__}: {error}"[:300])
            finally:
                signal.alarm(0)
    return found
