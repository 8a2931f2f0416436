"""Indexing ops: gather, one_hot and basic slicing, one block per op."""
from __future__ import annotations

import numpy as np

from .. import dtypes, shapes
from ..backend import scatter_add
from ..errors import InvalidArgumentError
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


# --- reversal ---------------------------------------------------------------------------
def _reverse_axes(x, axis, what):
    axes = [int(a) for a in (np.atleast_1d(axis).tolist() if axis is not None else [])]
    if x.shape.ndims is None:
        if any(a < 0 for a in axes):
            raise ValueError(f"{what}: a negative axis needs a tensor of known rank, got "
                             f"{x.describe()}")
        return tuple(axes)
    normal = shapes.normalize_axis(axes, x.shape.ndims)
    if len(set(normal)) != len(normal):
        raise ValueError(f"{what}: axis {axes} names an axis twice")
    return tuple(normal)


register(OpDef("ReverseV2", infer=lambda inputs, attrs: [(inputs[0].dtype, inputs[0].shape)],
               forward=lambda xp, x, axis: xp.flip(x, axis=axis) if axis else x,
               grad=lambda op, dy: [make("ReverseV2", [dy], axis=op.attrs["axis"])]))


def reverse(tensor, axis, name=None):
    """`tensor` with the order of its entries along each axis in `axis` reversed.
    Example: `tf.reverse(x, [1])` reverses the time axis of a [batch, time, depth] tensor."""
    x = convert_to_tensor(tensor)
    return make("ReverseV2", [x], name=name, axis=_reverse_axes(x, axis, "reverse"))


reverse_v2 = reverse


def _reverse_sequence_infer(inputs, attrs):
    x, lengths = inputs
    check_dtype(lengths, INDEX_INTS, "seq_lengths")
    if lengths.shape.ndims not in (None, 1):
        raise ValueError(f"reverse_sequence: seq_lengths must be a vector, got {lengths.describe()}")
    nd = x.shape.ndims
    if nd is not None:
        seq, batch = attrs["seq_axis"], attrs["batch_axis"]
        if not (0 <= seq < nd and 0 <= batch < nd) or seq == batch:
            raise ValueError(f"reverse_sequence: seq_axis {seq} and batch_axis {batch} must be "
                             f"two different axes of {x.describe()}")
        n, m = x.shape.dims[batch], lengths.shape.dims[0] if lengths.shape.dims else None
        if n is not None and m is not None and n != m:
            raise ValueError(f"reverse_sequence: seq_lengths has {m} entries for a batch of "
                             f"{n} (axis {batch} of {x.describe()})")
    return [(x.dtype, x.shape)]


def _reverse_sequence_forward(xp, x, lengths, seq_axis, batch_axis):
    steps, batch = x.shape[seq_axis], x.shape[batch_axis]
    if lengths.shape != (batch,):
        raise InvalidArgumentError(None, None, f"reverse_sequence: seq_lengths has shape "
                                               f"{fmt(lengths.shape)}, expected [{batch}]")
    if lengths.size and (int(lengths.min()) < 0 or int(lengths.max()) > steps):
        raise InvalidArgumentError(None, None, f"reverse_sequence: seq_lengths must be in "
                                               f"[0, {steps}] (axis {seq_axis}'s length), got "
                                               f"{lengths.tolist()}")
    t = xp.arange(steps)[None, :]
    n = lengths.astype(np.int64)[:, None]
    index = xp.where(t < n, n - 1 - t, t)  # [batch, steps]: where each output step reads
    shape = [1] * x.ndim
    shape[batch_axis], shape[seq_axis] = batch, steps
    if batch_axis > seq_axis:
        index = index.T
    index = xp.broadcast_to(index.reshape(shape), x.shape)
    return xp.take_along_axis(x, index, axis=seq_axis)


register(OpDef("ReverseSequence", infer=_reverse_sequence_infer, forward=_reverse_sequence_forward,
               grad=lambda op, dy: [make("ReverseSequence", [dy, op.inputs[1]], **op.attrs), None],
               tf_attrs=lambda op: {"seq_dim": op.attrs["seq_axis"],
                                    "batch_dim": op.attrs["batch_axis"],
                                    "T": op.inputs[0].dtype, "Tlen": op.inputs[1].dtype}))


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None,
                     seq_dim=None, batch_dim=None):
    """Reverse the first seq_lengths[i] entries along `seq_axis` of each slice i along
    `batch_axis` (default 0); the entries past a slice's length stay where they are.
    Example: `tf.reverse_sequence(x, lengths, seq_axis=1, batch_axis=0)` on [batch, time, depth].
    """
    x = convert_to_tensor(input)
    lengths = convert_to_tensor(seq_lengths, preferred_dtype=dtypes.int64)
    seq = seq_axis if seq_axis is not None else seq_dim
    if seq is None:
        raise ValueError("reverse_sequence: give seq_axis (the axis to reverse)")
    batch = batch_axis if batch_axis is not None else (batch_dim if batch_dim is not None else 0)
    nd = x.shape.ndims
    if nd is not None:
        seq, batch = (shapes.normalize_axis(int(a), nd)[0] for a in (seq, batch))
    return make("ReverseSequence", [x, lengths], name=name, seq_axis=int(seq),
                batch_axis=int(batch))


# --- gradients of slices that tile a tensor -------------------------------------------------
def slice_run(grad):
    """(x, axis, start, stop, indexed) when `grad` is a StridedSliceGrad whose slice takes one
    contiguous run along one axis of x and all of every other axis (what split and unstack
    make); else None."""
    op = grad.op
    if op.type != "StridedSliceGrad":
        return None
    x, key = op.inputs[1], op.attrs["key"]
    axis = 0
    while axis < len(key) and key[axis] == slice(None):
        axis += 1
    if x.shape.dims is None or axis != len(key) - 1 or axis >= len(x.shape.dims):
        return None
    k, length = key[axis], x.shape.dims[axis]
    if length is None:
        return None
    if isinstance(k, int):
        start = k % length if -length <= k < length else None
        return None if start is None else (x, axis, start, start + 1, True)
    if isinstance(k, slice) and k.step in (None, 1):
        start, stop, _ = k.indices(length)
        return (x, axis, start, stop, False) if start < stop else None
    return None
