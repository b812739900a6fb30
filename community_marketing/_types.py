"""The array type aliases, one meaning each, shared by every module."""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = [
    "AnyArray",
    "BoolArray",
    "DatetimeArray",
    "Float32Array",
    "Float64Array",
    "Int8Array",
    "Int16Array",
    "Int32Array",
    "Int64Array",
    "ObjectArray",
]

AnyArray: TypeAlias = npt.NDArray[Any]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
Int8Array: TypeAlias = npt.NDArray[np.int8]
Int16Array: TypeAlias = npt.NDArray[np.int16]
Int32Array: TypeAlias = npt.NDArray[np.int32]
Int64Array: TypeAlias = npt.NDArray[np.int64]
Float32Array: TypeAlias = npt.NDArray[np.float32]
"""ALS factors and scores: implicit computes in float32."""
Float64Array: TypeAlias = npt.NDArray[np.float64]
DatetimeArray: TypeAlias = npt.NDArray[np.datetime64]
ObjectArray: TypeAlias = npt.NDArray[np.object_]
