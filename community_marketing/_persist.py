"""Pickles, copies and byte blobs of the primitives, all built on ``to_state``/``from_state``.

A pickle holds a primitive's public ``from_state`` and its plain state (plus the
clock, and a group's registry), never the private fields, so a pickle written by
one version of a class loads in the next as long as the state schema does. The
blob of ``to_bytes`` is JSON for the tree and ``numpy.save`` (``allow_pickle=False``)
for the arrays, zipped together: reading it runs no code.
"""

from __future__ import annotations

import base64
import copy
import functools
import io
import json
import pickle
import uuid
import zipfile
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np

from .errors import InvalidInputError

__all__ = [
    "copied",
    "copy_with_clock",
    "deepcopy_with_clock",
    "pickle_reduce",
    "reduce_with_clock",
    "state_from_bytes",
    "state_to_bytes",
]

_MAGIC = b"CMSTATE1"
_TREE = "tree"

_T = TypeVar("_T")


def pickle_reduce(rebuild: Callable[..., Any], state: Any, **keywords: Any) -> tuple[Any, ...]:
    """``__reduce__``'s answer: ``rebuild(state, **keywords)``; a clock that cannot pickle is named.

    Examples
    --------
    >>> from community_marketing import InvalidInputError
    >>> pickle_reduce(dict, {"schema": 1}, clock=lambda: None)
    Traceback (most recent call last):
    ...
    community_marketing.errors.InvalidInputError: clock: <lambda> does not pickle (PicklingError); pass a module-level function as clock, or pickle to_state() and give clock= to from_state
    """  # noqa: E501
    clock = keywords.get("clock")
    if clock is not None:
        try:
            pickle.dumps(clock)
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            name = getattr(clock, "__name__", type(clock).__name__)
            raise InvalidInputError(
                f"clock: {name} does not pickle ({type(error).__name__}); pass a module-level "
                "function as clock, or pickle to_state() and give clock= to from_state"
            ) from None
    if not keywords:
        return rebuild, (state,)
    return functools.partial(rebuild, **keywords), (state,)


def copied(
    rebuild: Callable[..., _T], state: Any, memo: dict[int, Any] | None, **keywords: Any
) -> _T:
    """A new instance from a deep copy of ``state``: ``memo`` None for ``copy.copy``.

    The ``clock`` keyword is passed as it is; other keywords (a group's registry)
    are deep-copied for ``copy.deepcopy`` and shared for ``copy.copy``.

    Examples
    --------
    >>> copied(dict, {"a": [1]}, None)
    {'a': [1]}
    """
    if memo is not None:
        keywords = {
            name: value if name == "clock" else copy.deepcopy(value, memo)
            for name, value in keywords.items()
        }
    return rebuild(copy.deepcopy(state, memo), **keywords)


def state_to_bytes(state: Mapping[str, Any]) -> bytes:
    """One compact blob of ``state``: JSON for the tree, ``numpy.save`` for arrays, zipped.

    Keeps str, int, float, bool, None, bytes, UUID, lists, tuples, dicts (any
    hashable keys of these kinds) and numpy arrays; anything else raises
    ``InvalidInputError`` naming where it sits.

    Examples
    --------
    >>> import numpy as np
    >>> blob = state_to_bytes({"schema": 1, "ids": ("a", 2), "x": np.arange(3)})
    >>> back = state_from_bytes(blob)
    >>> back["ids"], back["x"].tolist()
    (('a', 2), [0, 1, 2])
    """
    arrays: list[np.ndarray[Any, Any]] = []
    tree = _encode(state, "state", arrays)
    text = json.dumps(tree, separators=(",", ":"), allow_nan=True).encode()
    named = {f"a{i}": array for i, array in enumerate(arrays)}
    named[_TREE] = np.frombuffer(text, dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, allow_pickle=False, **named)
    return _MAGIC + buffer.getvalue()


def state_from_bytes(data: object) -> Any:
    """The state inside a :func:`to_bytes` blob; ``InvalidInputError`` for anything else.

    Examples
    --------
    >>> state_from_bytes(b"nope")
    Traceback (most recent call last):
    ...
    community_marketing.errors.InvalidInputError: data: expected the bytes of to_bytes()
    """
    if not isinstance(data, (bytes, bytearray, memoryview)) or bytes(data[:8]) != _MAGIC:
        raise InvalidInputError("data: expected the bytes of to_bytes()")
    try:
        with np.load(io.BytesIO(bytes(data[8:])), allow_pickle=False) as archive:
            named = {name: archive[name] for name in archive.files}
        tree = json.loads(named.pop(_TREE).tobytes().decode())
        arrays = [named[f"a{i}"] for i in range(len(named))]
        return _decode(tree, arrays)
    except InvalidInputError:
        raise
    except (ValueError, KeyError, TypeError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise InvalidInputError(f"data: malformed ({type(error).__name__}: {error})") from None


def _encode(value: Any, path: str, arrays: list[np.ndarray[Any, Any]]) -> Any:
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, list):
        return [_encode(v, f"{path}[{i}]", arrays) for i, v in enumerate(value)]
    if isinstance(value, tuple):
        return {"t": [_encode(v, f"{path}[{i}]", arrays) for i, v in enumerate(value)]}
    if isinstance(value, Mapping):
        return {
            "m": [
                [_encode(k, f"{path} key", arrays), _encode(v, f"{path}.{k}", arrays)]
                for k, v in value.items()
            ]
        }
    if isinstance(value, (bytes, bytearray)):
        return {"b": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind in "OV":
            items = [_encode(v, f"{path}[{i}]", arrays) for i, v in enumerate(array.ravel())]
            return {"o": items, "s": list(array.shape)}
        arrays.append(array)
        return {"a": len(arrays) - 1, "g": isinstance(value, np.generic)}
    raise InvalidInputError(
        f"{path}: to_bytes cannot store a {type(value).__name__}; it keeps str, int, float, "
        "bool, None, bytes, UUID, lists, tuples, dicts and numpy arrays (use pickle instead)"
    )


def _decode(tree: Any, arrays: list[np.ndarray[Any, Any]]) -> Any:
    if isinstance(tree, list):
        return [_decode(v, arrays) for v in tree]
    if not isinstance(tree, dict):
        return tree
    if "t" in tree:
        return tuple(_decode(v, arrays) for v in tree["t"])
    if "m" in tree:
        return {_decode(k, arrays): _decode(v, arrays) for k, v in tree["m"]}
    if "b" in tree:
        return base64.b64decode(tree["b"], validate=True)
    if "u" in tree:
        return uuid.UUID(tree["u"])
    if "o" in tree:
        items = [_decode(v, arrays) for v in tree["o"]]
        array = np.empty(len(items), dtype=object)
        for position, item in enumerate(items):
            array[position] = item
        return array.reshape(tree["s"])
    array = arrays[tree["a"]]
    return array[()] if tree["g"] else array


def reduce_with_clock(self: Any) -> tuple[Any, ...]:
    """``__reduce__`` of a primitive with ``_clock``: ``from_state(to_state(), clock=...)``."""
    return pickle_reduce(type(self).from_state, self.to_state(), clock=self._clock)


def copy_with_clock(self: Any) -> Any:
    """``__copy__`` of a primitive with ``_clock``: the state copied, the clock shared."""
    return copied(type(self).from_state, self.to_state(), None, clock=self._clock)


def deepcopy_with_clock(self: Any, memo: dict[int, Any]) -> Any:
    """``__deepcopy__`` of a primitive with ``_clock``: as ``copy.copy``."""
    return copied(type(self).from_state, self.to_state(), memo, clock=self._clock)
