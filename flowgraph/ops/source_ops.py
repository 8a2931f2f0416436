"""Ops that make values rather than transform them: constants, placeholders, fills, zeros and
ones (also shaped like another tensor) and ranges. One block per op."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..registry import NOT_DIFFERENTIABLE, OpDef, register
from ..shapes import TensorShape, fmt
from .core import (INDEX_INTS, NUMBERS, check_dtype, const_value, constant, convert_to_tensor,
                   make, same_as_first, same_dtype)


def _const_kernel(op, runtime):
    value = runtime.to_device(op.attrs["value"])
    return lambda: value


register(OpDef("Const", infer=lambda inputs, attrs: [(attrs["dtype"], TensorShape(attrs["value"].shape))],
               kernel=_const_kernel, grad=NOT_DIFFERENTIABLE, role="constant"))


def _placeholder_kernel(op, runtime):
    raise AssertionError("placeholders are fed, never run")  # the plan checks feeds first


register(OpDef("Placeholder", infer=lambda inputs, attrs: [(attrs["dtype"], attrs["shape"])],
               kernel=_placeholder_kernel, grad=NOT_DIFFERENTIABLE, stateful=True,
               role="placeholder"))


def placeholder(dtype, shape=None, name=None):
    """A tensor whose value is fed at run time: `sess.run(y, feed_dict={x: value})`.

    shape: None (any shape) or a list whose None entries accept any length, e.g. [None, 2].
    """
    return make("Placeholder", [], name=name, dtype=dtypes.as_dtype(dtype),
                shape=TensorShape(shape))


register(OpDef("PlaceholderWithDefault", infer=lambda inputs, attrs: [(inputs[0].dtype, attrs["shape"])],
               forward=lambda xp, x, shape: x, grad=lambda op, dy: [dy],
               pass_through=True, role="placeholder_default"))


def placeholder_with_default(input, shape, name=None):
    """A placeholder that takes `input`'s value when not fed."""
    x = convert_to_tensor(input)
    shape = TensorShape(shape)
    if not shape.is_compatible_with(x.shape):
        raise ValueError(f"default value of shape {fmt(x.shape)} does not fit {fmt(shape)}")
    return make("PlaceholderWithDefault", [x], name=name, shape=shape)


def _fill_infer(inputs, attrs):
    dims, value = inputs
    check_dtype(dims, INDEX_INTS, "dims")
    dv = const_value(dims)
    if dv is not None:
        return [(value.dtype, TensorShape(dv.tolist()))]
    n = dims.shape.dims[0] if dims.shape.dims else None
    return [(value.dtype, TensorShape(None) if n is None else TensorShape([None] * n))]


register(OpDef("Fill", infer=_fill_infer, grad=lambda op, dy: [None, _sum_all(dy)],
               forward=lambda xp, dims, value: xp.full(tuple(int(d) for d in dims.tolist()),
                                                       value, dtype=value.dtype), fresh=True))


def _sum_all(t):
    from .reduction_ops import reduce_sum  # a real cycle: reductions' gradients use these ops
    return reduce_sum(t)


def fill(dims, value, name=None):
    """A tensor of shape `dims` filled with `value`."""
    return make("Fill", [convert_to_tensor(dims, dtype=dtypes.int32 if not hasattr(dims, "dtype") else None),
                         convert_to_tensor(value)], name=name)


def _static_shape(shape):
    if hasattr(shape, "_as_graph_element") or hasattr(shape, "op"):
        return None
    return [int(d) for d in (shape.as_list() if isinstance(shape, TensorShape) else
                             ([shape] if isinstance(shape, int) else shape))]


#: Fills of fewer elements become constants; larger ones stay Fill ops, computed at run time
#: (TF1's rule: a 20000 x 10000 tf.zeros costs nothing until it runs, and is never held twice).
SMALL_FILL = 1000


def filled(shape, value, dtype, name):
    """A tensor of `shape` (a list of ints or an int32 tensor) filled with `value`: a Const
    when small, else a Fill op."""
    dtype = dtypes.as_dtype(dtype)
    scalar = np.asarray(value, dtype.np_dtype)
    static = _static_shape(shape)
    if static is not None and int(np.prod(static, dtype=np.int64)) < SMALL_FILL:
        return constant(np.full(static, scalar), name=name)
    if static is not None:
        if any(d < 0 for d in static):
            raise ValueError(f"{name}: dimensions must not be negative, got {static}")
        shape = np.asarray(static, np.int32 if max(static) < 2**31 else np.int64)
    return fill(shape, scalar, name=name)


def zeros(shape, dtype=dtypes.float32, name=None):
    """A tensor of zeros; `shape` is a list of ints or an int32 tensor."""
    return filled(shape, 0, dtype, name or "zeros")


def ones(shape, dtype=dtypes.float32, name=None):
    """A tensor of ones; `shape` is a list of ints or an int32 tensor."""
    return filled(shape, 1, dtype, name or "ones")


def _ones(xp, x):
    out = xp.empty(x.shape, dtype=x.dtype)
    out.fill(1)
    return out


register(OpDef("ZerosLike", infer=same_as_first, forward=lambda xp, x: xp.zeros(x.shape, dtype=x.dtype),
               grad=NOT_DIFFERENTIABLE, shape_only=True, fresh=True))
register(OpDef("OnesLike", infer=same_as_first, forward=_ones, grad=NOT_DIFFERENTIABLE, shape_only=True,
               fresh=True))


def zeros_like(tensor, dtype=None, name=None):
    t = convert_to_tensor(tensor)
    out = make("ZerosLike", [t], name=name)
    return out if dtype is None else _cast(out, dtype)


def ones_like(tensor, dtype=None, name=None):
    t = convert_to_tensor(tensor)
    out = make("OnesLike", [t], name=name)
    return out if dtype is None else _cast(out, dtype)


def _cast(t, dtype):
    from .math_ops import cast  # a real cycle: math_ops' gradients use zeros_like and friends
    return cast(t, dtype)


def _range_infer(inputs, attrs):
    start, limit, delta = inputs
    dt = same_dtype(inputs)
    check_dtype(start, NUMBERS, "start")
    for t, nm in zip(inputs, ("start", "limit", "delta")):
        if t.shape.ndims not in (None, 0):
            raise ValueError(f"range: {nm} must be a scalar, got shape {fmt(t.shape)}")
    values = [const_value(t) for t in inputs]
    if any(v is None for v in values):
        return [(dt, TensorShape([None]))]
    a, b, d = (v.item() for v in values)
    if d == 0:
        raise ValueError("range: delta must not be 0")
    return [(dt, TensorShape([max(0, int(np.ceil((b - a) / d)))]))]


register(OpDef("Range", infer=_range_infer, grad=NOT_DIFFERENTIABLE,
               forward=lambda xp, start, limit, delta: xp.arange(start, limit, delta,
                                                                 dtype=start.dtype)))


def range_(start, limit=None, delta=1, dtype=None, name="range"):
    """tf.range: [start, start + delta, ...) up to limit; `tf.range(5)` -> [0 1 2 3 4] (int32)."""
    if limit is None:
        start, limit = 0, start
    if dtype is None:
        values = [v for v in (start, limit, delta) if not hasattr(v, "dtype")]
        tensors = [v for v in (start, limit, delta) if hasattr(v, "dtype") and hasattr(v, "op")]
        if tensors:
            dtype = tensors[0].dtype
        else:
            dtype = dtypes.float32 if any(isinstance(v, float) for v in values) else dtypes.int32
    dtype = dtypes.as_dtype(dtype)
    ins = [convert_to_tensor(v, dtype=dtype) for v in (start, limit, delta)]
    return make("Range", ins, name=name)
