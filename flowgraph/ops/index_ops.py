"""Indexing ops: gather, one_hot and basic slicing, one block per op."""
from __future__ import annotations

import numpy as np

from .. import dtypes, shapes
from ..backend import scatter_add
from ..registry import NOT_DIFFERENTIABLE, OpDef, register
from ..shapes import TensorShape, fmt
from .core import INDEX_INTS, NUMBERS, check_dtype, convert_to_tensor, make


# --- indexing ---------------------------------------------------------------------------
def _gather_infer(inputs, attrs):
    params, indices = inputs
    check_dtype(indices, INDEX_INTS, "indices")
    if params.shape.dims is None or indices.shape.dims is None:
        return [(params.dtype, TensorShape(None))]
    nd = len(params.shape.dims)
    ax = shapes.normalize_axis(attrs["axis"], nd)[0]
    d = params.shape.dims
    return [(params.dtype, TensorShape(d[:ax] + indices.shape.dims + d[ax + 1:]))]


def _check_indices(xp, indices, n):
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= n):
        bad = int(indices.min()) if int(indices.min()) < 0 else int(indices.max())
        raise IndexError(f"indices contain {bad}, which is not in [0, {n})")


def _gather_forward(xp, params, indices, axis):
    _check_indices(xp, indices, params.shape[axis])
    return xp.take(params, indices, axis=axis)


def _gather_grad_forward(xp, dy, indices, params, axis):
    axis %= params.ndim  # gather keeps a negative axis when the rank was unknown at build time
    out = xp.zeros(params.shape, dtype=dy.dtype)
    flat = indices.reshape(-1)
    lead = params.shape[:axis]
    dy = dy.reshape(lead + (flat.size,) + params.shape[axis + 1:])
    scatter_add(xp, xp.moveaxis(out, axis, 0), flat, xp.moveaxis(dy, axis, 0))
    return out


register(OpDef("GatherV2", infer=_gather_infer, forward=_gather_forward,
               grad=lambda op, dy: [make("GatherGrad", [dy, op.inputs[1], op.inputs[0]],
                                         axis=op.attrs["axis"]), None]))
register(OpDef("GatherGrad", infer=lambda inputs, attrs: [(inputs[0].dtype, inputs[2].shape)],
               forward=_gather_grad_forward, tf_type="UnsortedSegmentSum",
               grad=lambda op, g: [gather(g, op.inputs[1], axis=op.attrs["axis"]), None, None]))


def gather(params, indices, axis=0, name=None, validate_indices=None):
    """Pick slices of `params` along `axis` at integer `indices` (any shape)."""
    params = convert_to_tensor(params)
    indices = convert_to_tensor(indices, preferred_dtype=dtypes.int32)
    nd = params.shape.ndims
    axis = shapes.normalize_axis(int(axis), nd)[0] if nd else int(axis)  # rejects out of range
    return make("GatherV2", [params, indices], name=name, axis=axis)


def _one_hot_infer(inputs, attrs):
    idx = inputs[0]
    check_dtype(idx, NUMBERS, "indices")
    if idx.shape.dims is None:
        return [(attrs["dtype"], TensorShape(None))]
    dims = list(idx.shape.dims)
    ax = attrs["axis"]
    dims.insert(len(dims) if ax == -1 else ax, attrs["depth"])
    return [(attrs["dtype"], TensorShape(dims))]


def _one_hot_forward(xp, indices, depth, on_value, off_value, axis, dtype):
    hot = xp.expand_dims(indices, -1) == xp.arange(depth)
    out = xp.where(hot, on_value, off_value).astype(dtype.np_dtype)
    return out if axis == -1 else xp.moveaxis(out, -1, axis)


register(OpDef("OneHot", infer=_one_hot_infer, forward=_one_hot_forward, grad=NOT_DIFFERENTIABLE))


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot vectors of length `depth` for integer `indices` (out-of-range gives all off)."""
    dtype = dtypes.as_dtype(dtype) if dtype is not None else dtypes.float32
    return make("OneHot", [convert_to_tensor(indices)], name=name, depth=int(depth),
                on_value=1 if on_value is None else on_value,
                off_value=0 if off_value is None else off_value,
                axis=-1 if axis is None else int(axis), dtype=dtype)


# --- slicing --------------------------------------------------------------------------------
def _normalize_key(key):
    key = key if isinstance(key, tuple) else (key,)
    out = []
    for k in key:
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            out.append(int(k))
        elif isinstance(k, slice):
            for part in (k.start, k.stop, k.step):
                if part is not None and not isinstance(part, (int, np.integer)):
                    raise TypeError("Tensor slices take Python ints; for tensor indices use "
                                    "tf.gather")
            out.append(slice(k.start, k.stop, k.step))
        elif k is None or k is Ellipsis:
            out.append(k)
        else:
            raise TypeError(f"Only integers, slices, None and ... are valid tensor indices, got "
                            f"{type(k).__name__}; for tensor indices use tf.gather")
    return tuple(out)


def _slice_infer(inputs, attrs):
    x, key = inputs[0], attrs["key"]
    if x.shape.dims is None:
        return [(x.dtype, TensorShape(None))]
    dims = list(x.shape.dims)
    n_used = sum(1 for k in key if k is not None and k is not Ellipsis)
    if n_used > len(dims):
        raise ValueError(f"too many indices ({n_used}) for a tensor of shape {fmt(x.shape)}")
    if Ellipsis not in key:
        key = key + (Ellipsis,)
    out, pos = [], 0
    for k in key:
        if k is Ellipsis:
            rest = len(dims) - n_used
            out += dims[pos:pos + rest]
            pos += rest
        elif k is None:
            out.append(1)
        elif isinstance(k, int):
            d = dims[pos]
            if d is not None and not -d <= k < d:
                raise ValueError(f"index {k} is out of bounds for axis {pos} with size {d}")
            pos += 1
        else:
            d = dims[pos]
            out.append(None if d is None else len(range(*k.indices(d))))
            pos += 1
    return [(x.dtype, TensorShape(out))]


def _slice_grad_forward(xp, dy, x, key):
    out = xp.zeros(x.shape, dtype=dy.dtype)
    out[key] = dy
    return out


register(OpDef("StridedSlice", infer=_slice_infer, forward=lambda xp, x, key: x[key],
               grad=lambda op, dy: [make("StridedSliceGrad", [dy, op.inputs[0]],
                                         key=op.attrs["key"])]))
register(OpDef("StridedSliceGrad", infer=lambda inputs, attrs: [(inputs[0].dtype, inputs[1].shape)],
               forward=_slice_grad_forward,
               grad=lambda op, g: [strided_slice(g, op.attrs["key"]), None]))


def strided_slice(input_, key, name="strided_slice"):
    """`t[key]` for a key of ints, slices, None and ... (NumPy basic indexing)."""
    return make("StridedSlice", [convert_to_tensor(input_)], name=name, key=_normalize_key(key))
