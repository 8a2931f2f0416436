"""DTypes and their NumPy mapping."""
from __future__ import annotations

import numpy as np


class DType:
    """A tensor element type: a name and the NumPy dtype that holds it."""

    __slots__ = ("name", "np_dtype")

    def __init__(self, name: str, np_dtype):
        self.name = name
        self.np_dtype = np.dtype(np_dtype)

    @property
    def as_numpy_dtype(self):
        return self.np_dtype.type

    @property
    def is_floating(self) -> bool:
        return self.np_dtype.kind == "f"

    @property
    def is_integer(self) -> bool:
        return self.np_dtype.kind in "iu"

    @property
    def is_unsigned(self) -> bool:
        return self.np_dtype.kind == "u"

    @property
    def is_bool(self) -> bool:
        return self.np_dtype.kind == "b"

    @property
    def base_dtype(self) -> "DType":
        return self

    @property
    def min(self):
        return np.finfo(self.np_dtype).min if self.is_floating else np.iinfo(self.np_dtype).min

    @property
    def max(self):
        return np.finfo(self.np_dtype).max if self.is_floating else np.iinfo(self.np_dtype).max

    def __repr__(self):
        return f"tf.{self.name}"

    def __str__(self):
        return f"<dtype: '{self.name}'>"  # as TF1 prints a dtype: print(tf.float32)

    def __reduce__(self):
        return (as_dtype, (self.name,))


float16 = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
bool_ = DType("bool", np.bool_)
half = float16
double = float64

_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, uint16, bool_)
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(float=float32, double=float64, half=float16)  # TF's own names for these
_BY_NP = {d.np_dtype: d for d in _ALL}


def as_dtype(value) -> DType:
    """Turn a DType, its name, a NumPy dtype or a Python type into a DType."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    if value is bool:
        return bool_
    if value is int:
        return int32
    if value is float:
        return float32
    try:
        dt = np.dtype(value)
    except TypeError:
        dt = None
    if dt is not None and dt in _BY_NP:
        return _BY_NP[dt]
    raise TypeError(f"Cannot convert {value!r} to a flowgraph dtype; "
                    f"supported: {', '.join(sorted(_BY_NAME))}")


def cast_exact(dtype: DType, array: np.ndarray):
    """`array` converted to `dtype`, or None when some value cannot be held there.

    Exact for integer and bool targets (fractions, NaN and out-of-range values are refused);
    for float targets only overflow to infinity is refused, as integers and doubles round.
    """
    src, dst = array.dtype, dtype.np_dtype
    if src == dst:
        return array
    if np.can_cast(src, dst, casting="safe"):
        return array.astype(dst)
    if src.kind not in "biuf":
        return None
    with np.errstate(all="ignore"):
        out = array.astype(dst)
        if dst.kind == "f":
            if src.kind in "iub" and dst.itemsize >= 4:
                return out  # every integer is within float32's range
            if np.isfinite(out).all() or not (np.isinf(out) & np.isfinite(array)).any():
                return out
            return None
        if src.kind == "f" and not np.isfinite(array).all():
            return None
        return out if np.array_equal(out, array) else None
