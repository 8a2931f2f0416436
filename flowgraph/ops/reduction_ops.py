"""Reductions (sum, mean, max, min, prod, any, all), their gradient helper Unreduce, and
argmax/argmin: one block per op."""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes, shapes
from ..registry import NOT_DIFFERENTIABLE, OpDef, register
from ..shapes import TensorShape
from .array_ops import size
from .core import NUMBERS, check_dtype, const_value, convert_to_tensor, make
from .math_ops import BOOL, cast, equal, where
from .source_ops import ones_like, zeros_like


# --- the gradient helper of reductions ---------------------------------------------------
def _unreduce_forward(xp, g, x, axis, keepdims):
    if not keepdims and axis is not None and g.ndim:
        shape = list(g.shape)
        for a in sorted(a % x.ndim for a in axis):
            shape.insert(a, 1)
        g = g.reshape(shape)
    # A fresh contiguous buffer. broadcast_to's stride-0 view is ~10x cheaper to make, but the
    # view and the kernel that reads it (a multiply, a matmul) take ~1.3x as long in total
    # (benchmarks/kernels.py).
    out = xp.empty(x.shape, dtype=g.dtype)
    out[...] = g
    return out


def _unreduce_grad(op, g):
    axis = op.attrs["axis"]
    return [reduce_sum(g, list(axis) if axis is not None else None,
                       keepdims=op.attrs["keepdims"]), None]


register(OpDef("Unreduce", infer=lambda inputs, attrs: [(inputs[0].dtype, inputs[1].shape)],
               forward=_unreduce_forward, grad=_unreduce_grad, tf_type="BroadcastTo"))


def unreduce(g, x, axis, keepdims):
    """Undo a reduction of `x` over `axis`: `g` broadcast back to `x`'s shape."""
    return make("Unreduce", [g, x], axis=axis, keepdims=keepdims)


# --- reductions -----------------------------------------------------------------------------
def _reduce_infer(allowed):
    def infer(inputs, attrs):
        check_dtype(inputs[0], allowed)
        return [(inputs[0].dtype, shapes.reduce(inputs[0].shape, attrs["axis"], attrs["keepdims"]))]
    return infer


def _reduce_forward(fn):
    def forward(xp, x, axis, keepdims):
        out = getattr(x, fn)(axis=axis, keepdims=keepdims)  # the method: no dispatch layer
        return out.astype(x.dtype, copy=False) if out.dtype != x.dtype else out
    return forward


def _extreme_forward(fn):
    """max/min; over nothing they give TF's identity (-inf/+inf, an integer dtype's lowest
    or highest value) where NumPy raises "zero-size array to reduction operation"."""
    reduce = _reduce_forward(fn)

    def forward(xp, x, axis, keepdims):
        if x.size:
            return reduce(xp, x, axis, keepdims)
        info = np.finfo(x.dtype) if x.dtype.kind == "f" else np.iinfo(x.dtype)
        identity = (-np.inf if fn == "max" else np.inf) if x.dtype.kind == "f" else \
            (info.min if fn == "max" else info.max)
        axes = range(x.ndim) if axis is None else axis
        shape = [1 if i in axes else d for i, d in enumerate(x.shape)
                 if keepdims or i not in axes]
        return xp.full(shape, identity, dtype=x.dtype)
    return forward


def _unreduce(op, g):
    return unreduce(g, op.inputs[0], op.attrs["axis"], op.attrs["keepdims"])


def _mean_grad(op, dy):
    x, y = op.inputs[0], op.outputs[0]
    n_in, n_out = x.shape.num_elements(), y.shape.num_elements()
    if n_in is not None and n_out is not None and n_in:
        return [_unreduce(op, dy) * (n_out / n_in)]
    ratio = cast(size(y), x.dtype) / cast(size(x), x.dtype)
    return [_unreduce(op, dy) * ratio]


def _extreme_grad(op, dy):
    x = op.inputs[0]
    mask = cast(equal(x, _unreduce(op, op.outputs[0])), x.dtype)
    count = reduce_sum(mask, op.attrs["axis"], keepdims=True)
    return [_unreduce(op, dy) * mask / count]


def _prod_grad(op, dy):
    # d prod / d x_i is the product of the other entries; prod / x_i would be 0/0 at zeros.
    x, axis = op.inputs[0], op.attrs["axis"]
    is_zero, ones = equal(x, zeros_like(x)), ones_like(x)
    safe = where(is_zero, ones, x)
    nonzero_prod = reduce_prod(safe, axis, keepdims=True)
    zero_prod = reduce_prod(where(is_zero, x, ones), axis, keepdims=True)  # 0, or 1: no zeros
    one_zero = cast(equal(reduce_sum(cast(is_zero, x.dtype), axis, keepdims=True), 1), x.dtype)
    others = where(is_zero, nonzero_prod * one_zero, zero_prod * nonzero_prod / safe)
    return [_unreduce(op, dy) * others]


def _mean_forward(xp, x, axis, keepdims):
    """The mean as TF computes it: the sum over `axis` divided by the count, exact for integer
    dtypes (the division truncates toward zero, as C++'s does) and never through float. An
    empty reduction gives nan for floats and 0 for integers (TF's identity values), without
    NumPy's "Mean of empty slice" warning."""
    n = x.size if axis is None else math.prod([x.shape[a] for a in axis])
    if x.dtype.kind in "fc":
        if x.dtype.itemsize == 2:  # float16 sums in float32, as NumPy's own mean does
            return (x.sum(axis=axis, keepdims=keepdims, dtype=np.float32) / n).astype(x.dtype)
        out = x.sum(axis=axis, keepdims=keepdims) / n  # 0/0: nan (warnings are off)
        return out if out.dtype == x.dtype else out.astype(x.dtype)
    wide = np.uint64 if x.dtype.kind == "u" else np.int64
    total = x.sum(axis=axis, keepdims=keepdims, dtype=wide)  # wraps on overflow, as TF's does
    if n == 0:
        return xp.zeros_like(total, dtype=x.dtype)
    quotient = total // n
    if x.dtype.kind == "i":  # floor division rounds negative quotients down: truncate instead
        quotient = quotient + ((total < 0) & (quotient * n != total))
    return quotient.astype(x.dtype, copy=False)


for _op, _fn, _grad, _allowed in (
        ("Sum", "sum", lambda op, dy: [_unreduce(op, dy)], NUMBERS),
        ("Prod", "prod", _prod_grad, NUMBERS)):
    register(OpDef(_op, infer=_reduce_infer(_allowed), forward=_reduce_forward(_fn), grad=_grad))
for _op, _fn in (("Max", "max"), ("Min", "min")):
    register(OpDef(_op, infer=_reduce_infer(NUMBERS), forward=_extreme_forward(_fn),
                   grad=_extreme_grad))
register(OpDef("Mean", infer=_reduce_infer(NUMBERS), forward=_mean_forward, grad=_mean_grad))
register(OpDef("Any", infer=_reduce_infer(BOOL), forward=_reduce_forward("any"),
               grad=NOT_DIFFERENTIABLE))
register(OpDef("All", infer=_reduce_infer(BOOL), forward=_reduce_forward("all"),
               grad=NOT_DIFFERENTIABLE))


def _reducer(op_type, doc):
    def api(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
            keep_dims=None):
        x = convert_to_tensor(input_tensor)
        if axis is None:
            axis = reduction_indices
        keep = bool(keepdims if keepdims is not None else (keep_dims or False))
        if hasattr(axis, "op"):
            axis = const_value(axis)
            if axis is None:
                raise TypeError(f"{op_type}: the reduction axis must be a constant")
        if axis is not None and not isinstance(axis, int):
            axis = axis.tolist() if hasattr(axis, "tolist") else axis  # NumPy ints and arrays
            axis = int(axis) if isinstance(axis, int) else [int(a) for a in axis]
        ax = shapes.normalize_axis(axis, x.shape.ndims) if axis is not None else None
        return make(op_type, [x], name=name, axis=ax, keepdims=keep)
    api.__doc__ = (f"{doc} over `axis` (None: all; int or list; negative counts from the end). "
                   f"keepdims (or the old keep_dims) keeps reduced axes with length 1.")
    return api


reduce_sum = _reducer("Sum", "Sum of elements")
reduce_mean = _reducer("Mean", "Mean of elements")
reduce_max = _reducer("Max", "Maximum of elements")
reduce_min = _reducer("Min", "Minimum of elements")
reduce_prod = _reducer("Prod", "Product of elements")
reduce_any = _reducer("Any", "Logical or of elements")
reduce_all = _reducer("All", "Logical and of elements")


def _arg_infer(inputs, attrs):
    x = inputs[0]
    check_dtype(x, NUMBERS)
    if x.shape.dims is None:
        return [(attrs["output_type"], TensorShape(None))]
    nd = len(x.shape.dims)
    if nd == 0:
        raise ValueError("argmax/argmin need a tensor of rank >= 1, got a scalar")
    ax = shapes.normalize_axis(attrs["axis"], nd)[0]
    return [(attrs["output_type"], TensorShape(d for i, d in enumerate(x.shape.dims) if i != ax))]


register(OpDef("ArgMax", infer=_arg_infer, grad=NOT_DIFFERENTIABLE,
               forward=lambda xp, x, axis, output_type: xp.argmax(x, axis=axis).astype(
                   output_type.np_dtype, copy=False)))
register(OpDef("ArgMin", infer=_arg_infer, grad=NOT_DIFFERENTIABLE,
               forward=lambda xp, x, axis, output_type: xp.argmin(x, axis=axis).astype(
                   output_type.np_dtype, copy=False)))


def _arg(op_type):
    def api(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):
        x = convert_to_tensor(input)
        if axis is None:
            axis = dimension if dimension is not None else 0
        return make(op_type, [x], name=name, axis=int(axis),
                    output_type=dtypes.as_dtype(output_type))
    api.__doc__ = f"Index of the {'largest' if op_type == 'ArgMax' else 'smallest'} value along axis (default 0); int64."
    return api


argmax = _arg("ArgMax")
argmin = _arg("ArgMin")
