"""What every op module shares: tensor conversion, op creation, dtype checks."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..dtypes import DType
from ..graph import get_default_graph, user_location
from ..shapes import TensorShape, fmt
from ..tensor import Tensor

FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)
INTS = (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16)
NUMBERS = FLOATS + INTS
INDEX_INTS = (dtypes.int32, dtypes.int64)  # the dtypes of shapes, dims and indices


def make(op_type: str, inputs, name=None, **attrs):
    """Create an op in the default graph and return its first output."""
    return get_default_graph().create_op(op_type, inputs, attrs, name).outputs[0]


def make_op(op_type: str, inputs, name=None, **attrs):
    return get_default_graph().create_op(op_type, inputs, attrs, name)


def _default_array(value) -> np.ndarray:
    """TF's dtype rules for Python values: ints -> int32, floats -> float32."""
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    try:
        arr = np.asarray(value)
    except ValueError as e:  # NumPy >= 1.24 refuses nested lists of unequal lengths
        raise ValueError(f"Cannot convert {value!r} to a tensor: ragged nested lists ({e})") \
            from None
    if arr.dtype == object:
        if _all_ints(arr):
            raise TypeError(f"Cannot convert {_short(arr)} to a tensor: it has integers out of "
                            f"{_range_text('int64')}")
        raise TypeError(f"Cannot convert {value!r} to a tensor: ragged or mixed values")
    if arr.dtype.kind in "iu":
        if arr.size == 0 or (arr.min() >= np.iinfo(np.int32).min and arr.max() <= np.iinfo(np.int32).max):
            return arr.astype(np.int32)
        if arr.dtype == np.uint64 and arr.max() > np.iinfo(np.int64).max:  # would wrap around
            raise TypeError(f"Cannot convert {_short(arr)} to a tensor: it has integers out of "
                            f"{_range_text('int64')}")
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        return arr.astype(np.float32)
    return arr


def as_array(value, dtype: DType | None, what: str) -> np.ndarray:
    """`value` as a NumPy array of `dtype`, refusing values the dtype cannot hold exactly."""
    if hasattr(value, "to_numpy") and not isinstance(value, np.ndarray):  # pandas
        if dtype is not None and dtype.is_floating:
            try:  # straight to the float type in one pass; exactness only matters on overflow
                with np.errstate(over="ignore"):
                    out = value.to_numpy(dtype=dtype.np_dtype)
                if np.isfinite(out).all():
                    return out
            except (TypeError, ValueError):
                pass  # not numeric: the checks below say what is wrong
        value = value.to_numpy()
    if dtype is None:
        arr = _default_array(value)
        dtypes.as_dtype(arr.dtype)  # raises for unsupported dtypes
        return arr
    try:
        arr = np.asarray(value)
    except ValueError as e:
        raise ValueError(f"{what}: cannot convert to an array ({e})") from None
    if arr.dtype == object:
        if dtype.is_integer and _all_ints(arr):  # Python ints too big for any NumPy integer
            raise TypeError(f"{what}: expected {dtype.name}, but the value ({_short(arr)}) has "
                            f"integers out of {_range_text(dtype.name)}")
        try:  # floats through float64, so that the range check below sees an overflow
            arr = np.asarray(value, dtype=np.float64 if dtype.is_floating else dtype.np_dtype)
        except (TypeError, ValueError, OverflowError):
            raise TypeError(f"{what}: cannot convert {value!r} to {dtype.name}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{what}: expected {dtype.name}, got values of type {arr.dtype}")
    out = dtypes.cast_exact(dtype, arr)
    if out is None:
        raise TypeError(f"{what}: expected {dtype.name}, but the value ({_short(arr)}, "
                        f"{arr.dtype}) cannot be held exactly in {dtype.name}")
    return out


def _all_ints(arr) -> bool:
    return arr.size > 0 and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                for v in arr.flat)


def _range_text(name: str) -> str:
    info = np.iinfo(name)
    return f"the range of {name}, [{info.min}, {info.max}]"


def _short(arr) -> str:
    text = np.array2string(np.asarray(arr), threshold=6, edgeitems=2)
    return text if len(text) < 60 else text[:57] + "..."


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """A tensor with a fixed value.

    Args: value (Python number, list or NumPy array), dtype (default: int32 for Python ints,
    float32 for Python floats, the array's own dtype for NumPy values), shape (the value is
    broadcast from a scalar or reshaped), name.
    Example: `tf.constant([[1., 2.]], name="c")` -> float32 tensor of shape [1, 2].
    """
    dtype = dtypes.as_dtype(dtype) if dtype is not None else None
    arr = as_array(value, dtype, f"constant '{name}'")
    if shape is not None:
        shape = [int(d) for d in (shape if not isinstance(shape, int) else [shape])]
        if arr.size == 1:
            arr = np.full(shape, arr.reshape(()), dtype=arr.dtype)
        elif arr.size == int(np.prod(shape)) and not verify_shape:
            arr = arr.reshape(shape)
        else:
            raise ValueError(f"constant '{name}': a value of shape {fmt(arr.shape)} does not fit "
                             f"the requested shape {fmt(shape)} ({user_location()})")
    arr = np.array(arr, order="C")  # a private, read-only copy
    arr.flags.writeable = False
    return make("Const", [], name=name, value=arr, dtype=dtypes.as_dtype(arr.dtype))


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None) -> Tensor:
    """A Tensor for `value`: tensors and variables pass through; other values become constants."""
    if hasattr(value, "_as_graph_element") and not isinstance(value, Tensor):
        value = value._as_graph_element()
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype is not dtypes.as_dtype(dtype):
            raise TypeError(f"Tensor {value.describe()} has dtype {value.dtype.name}, "
                            f"expected {dtypes.as_dtype(dtype).name}")
        return value
    if dtype is None and preferred_dtype is not None:
        try:
            return constant(value, preferred_dtype, name=name or "Const")
        except TypeError:
            pass
    return constant(value, dtype, name=name or "Const")


def binary_inputs(x, y, op_name: str):
    """Convert two operands TF's way: a plain value takes the other operand's dtype."""
    xt, yt = isinstance(x, Tensor) or hasattr(x, "_as_graph_element"), \
        isinstance(y, Tensor) or hasattr(y, "_as_graph_element")
    if xt:
        x = convert_to_tensor(x)
    if yt:
        y = convert_to_tensor(y)
    try:
        if xt and not yt:
            y = convert_to_tensor(y, dtype=x.dtype, name="y")
        elif yt and not xt:
            x = convert_to_tensor(x, dtype=y.dtype, name="x")
        elif not xt and not yt:
            x = convert_to_tensor(x, name="x")
            y = convert_to_tensor(y, dtype=x.dtype, name="y")
    except TypeError as e:
        raise TypeError(f"{op_name}: {e} ({user_location()})") from None
    return x, y


def check_dtype(t: Tensor, allowed, arg: str = "x"):
    if t.dtype not in allowed:
        raise TypeError(f"Value passed to parameter '{arg}' ({t.name}) has DataType "
                        f"{t.dtype.name} not in list of allowed values: "
                        f"{', '.join(d.name for d in allowed)}")


def same_dtype(inputs):
    first = inputs[0]
    for other in inputs[1:]:
        if other.dtype is not first.dtype:
            raise TypeError(f"Input dtypes must match: {first.describe()} is "
                            f"{first.dtype.name} but {other.describe()} is {other.dtype.name}")
    return first.dtype


def const_value(t: Tensor):
    """The NumPy value of `t` when it is a constant, else None."""
    if t.op.type == "Const":
        return t.op.attrs["value"]
    return None



def same_as_first(inputs, attrs):
    """The shape rule of ops whose output has their first input's dtype and shape."""
    return [(inputs[0].dtype, inputs[0].shape)]


def merged_shape(inputs, what: str) -> TensorShape:
    """The one static shape all `inputs` share (None dims filled in from each other)."""
    shape = inputs[0].shape
    for t in inputs[1:]:
        if not shape.is_compatible_with(t.shape):
            raise ValueError(f"{what} inputs must have one shape: {fmt(shape)} vs {fmt(t.shape)}")
        shape = shape.merge_with(t.shape)
    return shape
