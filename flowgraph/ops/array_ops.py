"""Pass-through, shape queries and shape-moving ops (reshape, transpose, concat, stack, tile):
one block per op."""
from __future__ import annotations

import numpy as np

from .. import dtypes, shapes
from ..registry import NOT_DIFFERENTIABLE, OpDef, register
from ..shapes import TensorShape, fmt
from .core import (INDEX_INTS, check_dtype, const_value, convert_to_tensor, make, merged_shape,
                   same_as_first, same_dtype)
from .index_ops import gather, slice_run, strided_slice
from .source_ops import zeros_like


# --- pass-through -----------------------------------------------------------------------
register(OpDef("Identity", infer=same_as_first, forward=lambda xp, x: x, grad=lambda op, dy: [dy],
               pass_through=True))
register(OpDef("StopGradient", infer=same_as_first, forward=lambda xp, x: x, grad=NOT_DIFFERENTIABLE,
               pass_through=True))


def identity(input, name=None):
    """The same value, as a new op (a place for control dependencies and names)."""
    return make("Identity", [convert_to_tensor(input)], name=name)


def stop_gradient(input, name=None):
    """The same value; gradients do not flow back through it."""
    return make("StopGradient", [convert_to_tensor(input)], name=name)


# --- shape queries ----------------------------------------------------------------------
def _shape_infer(inputs, attrs):
    nd = inputs[0].shape.ndims
    return [(attrs["out_type"], TensorShape([nd]))]


register(OpDef("Shape", infer=_shape_infer, grad=NOT_DIFFERENTIABLE, shape_only=True,
               forward=lambda xp, x, out_type: xp.asarray(x.shape, dtype=out_type.np_dtype)))
register(OpDef("Size", infer=lambda i, a: [(a["out_type"], TensorShape([]))], grad=NOT_DIFFERENTIABLE,
               shape_only=True,
               forward=lambda xp, x, out_type: xp.asarray(x.size, dtype=out_type.np_dtype)))
register(OpDef("Rank", infer=lambda i, a: [(dtypes.int32, TensorShape([]))], grad=NOT_DIFFERENTIABLE,
               shape_only=True,
               forward=lambda xp, x: xp.asarray(x.ndim, dtype=np.int32)))


def shape(input, name=None, out_type=dtypes.int32):
    """The run-time shape of `input` as an int32 vector."""
    return make("Shape", [convert_to_tensor(input)], name=name, out_type=dtypes.as_dtype(out_type))


def size(input, name=None, out_type=dtypes.int32):
    """The number of elements of `input`, as an int32 scalar."""
    return make("Size", [convert_to_tensor(input)], name=name, out_type=dtypes.as_dtype(out_type))


def rank(input, name=None):
    """The number of dimensions of `input`, as an int32 scalar."""
    return make("Rank", [convert_to_tensor(input)], name=name)


# --- reshaping --------------------------------------------------------------------------
def _reshape_infer(inputs, attrs):
    x, shp = inputs
    check_dtype(shp, INDEX_INTS, "shape")
    sv = const_value(shp)
    if sv is None:
        n = shp.shape.dims[0] if shp.shape.dims else None
        return [(x.dtype, TensorShape(None) if n is None else TensorShape([None] * n))]
    dims = [int(d) for d in sv.reshape(-1)]
    if dims.count(-1) > 1:
        raise ValueError(f"only one dimension may be -1, got {dims}")
    total = x.shape.num_elements()
    known = int(np.prod([d for d in dims if d != -1]))
    if -1 in dims:
        if total is not None and known and total % known == 0:
            dims[dims.index(-1)] = total // known
        elif total is not None:
            raise ValueError(f"Cannot reshape a tensor with {total} elements to shape {dims}")
        else:
            dims[dims.index(-1)] = None
    elif total is not None and total != known:
        raise ValueError(f"Cannot reshape a tensor with {total} elements to shape {dims} "
                         f"({known} elements); input shape {fmt(x.shape)}")
    return [(x.dtype, TensorShape(dims))]


register(OpDef("Reshape", infer=_reshape_infer,
               forward=lambda xp, x, s: xp.reshape(x, tuple(int(d) for d in s.tolist())),
               grad=lambda op, dy: [reshape(dy, shape(op.inputs[0])), None]))


def reshape(tensor, shape, name=None):
    """`tensor` with a new shape (a list of ints, one may be -1, or an int32 tensor)."""
    x = convert_to_tensor(tensor)
    if isinstance(shape, TensorShape):
        shape = [-1 if d is None else d for d in shape.as_list()]
    s = convert_to_tensor(shape, dtype=dtypes.int32) if not hasattr(shape, "dtype") or \
        isinstance(shape, np.ndarray) else convert_to_tensor(shape)
    return make("Reshape", [x, s], name=name)


def _transpose_infer(inputs, attrs):
    x, perm = inputs[0], attrs["perm"]
    if x.shape.dims is None:
        return [(x.dtype, TensorShape(None) if perm is None else TensorShape([None] * len(perm)))]
    dims = x.shape.dims
    if perm is None:
        return [(x.dtype, TensorShape(dims[::-1]))]
    if sorted(perm) != list(range(len(dims))):
        raise ValueError(f"perm {list(perm)} is not a permutation of the {len(dims)} axes of "
                         f"shape {fmt(x.shape)}")
    return [(x.dtype, TensorShape(dims[p] for p in perm))]


def _transpose_grad(op, dy):
    perm = op.attrs["perm"]
    return [transpose(dy, None if perm is None else list(np.argsort(perm)))]


register(OpDef("Transpose", infer=_transpose_infer, grad=_transpose_grad,
               forward=lambda xp, x, perm: xp.transpose(x, perm)))


def transpose(a, perm=None, name="transpose"):
    """Permute the axes of `a` (default: reverse them)."""
    perm = None if perm is None else tuple(int(p) for p in perm)
    return make("Transpose", [convert_to_tensor(a)], name=name, perm=perm)


def _expand_infer(inputs, attrs):
    x, ax = inputs[0], attrs["axis"]
    if x.shape.dims is None:
        return [(x.dtype, TensorShape(None))]
    nd = len(x.shape.dims) + 1
    if not -nd <= ax < nd:
        raise ValueError(f"axis {ax} is out of range for expand_dims of shape {fmt(x.shape)}")
    dims = list(x.shape.dims)
    dims.insert(ax % nd, 1)
    return [(x.dtype, TensorShape(dims))]


register(OpDef("ExpandDims", infer=_expand_infer,
               forward=lambda xp, x, axis: xp.expand_dims(x, axis),
               grad=lambda op, dy: [reshape(dy, shape(op.inputs[0]))]))


def expand_dims(input, axis=None, name=None, dim=None):
    """Insert a length-1 axis at `axis`."""
    axis = dim if axis is None else axis
    return make("ExpandDims", [convert_to_tensor(input)], name=name, axis=int(axis))


def _squeeze_infer(inputs, attrs):
    x, axis = inputs[0], attrs["axis"]
    if x.shape.dims is None:
        return [(x.dtype, TensorShape(None))]
    dims = x.shape.dims
    if axis is None:
        if None in dims:
            return [(x.dtype, TensorShape(None))]
        return [(x.dtype, TensorShape(d for d in dims if d != 1))]
    axes = shapes.normalize_axis(axis, len(dims))
    for a in axes:
        if dims[a] not in (1, None):
            raise ValueError(f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                             f"{dims[a]} (shape {fmt(x.shape)})")
    return [(x.dtype, TensorShape(d for i, d in enumerate(dims) if i not in axes))]


register(OpDef("Squeeze", infer=_squeeze_infer,
               forward=lambda xp, x, axis: xp.squeeze(x, axis),
               grad=lambda op, dy: [reshape(dy, shape(op.inputs[0]))]))


def squeeze(input, axis=None, name=None, squeeze_dims=None):
    """Remove length-1 axes (all of them, or those in `axis`)."""
    axis = squeeze_dims if axis is None else axis
    if axis is not None:
        axis = tuple([axis] if isinstance(axis, int) else axis)
    return make("Squeeze", [convert_to_tensor(input)], name=name, axis=axis)


# --- joining and tiling -----------------------------------------------------------------
def _concat_infer(inputs, attrs):
    dt = same_dtype(inputs)
    ranks = {t.shape.ndims for t in inputs if t.shape.ndims is not None}
    if len(ranks) > 1:
        raise ValueError("concat inputs must have one rank, got shapes " +
                         ", ".join(fmt(t.shape) for t in inputs))
    if not ranks:
        return [(dt, TensorShape(None))]
    nd = ranks.pop()
    ax = shapes.normalize_axis(attrs["axis"], nd)[0]
    out = []
    for i in range(nd):
        col = [t.shape.dims[i] if t.shape.dims is not None else None for t in inputs]
        if i == ax:
            out.append(None if None in col else sum(col))
        else:
            known = {c for c in col if c is not None}
            if len(known) > 1:
                raise ValueError(f"Dimension {i} in both shapes must be equal: shapes " +
                                 ", ".join(fmt(t.shape) for t in inputs))
            out.append(known.pop() if known else None)
    return [(dt, TensorShape(out))]


def _concat_grad(op, dy):
    return [make("ConcatSlice", [dy] + list(op.inputs), axis=op.attrs["axis"], index=i)
            for i in range(len(op.inputs))]


register(OpDef("ConcatV2", infer=_concat_infer, grad=_concat_grad,
               forward=lambda xp, *xs, axis: xp.concatenate(xs, axis=axis)))


def _concat_slice_forward(xp, dy, *xs, axis, index):
    start = sum(x.shape[axis] for x in xs[:index])
    sl = [slice(None)] * dy.ndim
    sl[axis] = slice(start, start + xs[index].shape[axis])
    return dy[tuple(sl)]


def _concat_slice_grad(op, g):
    xs, index = op.inputs[1:], op.attrs["index"]
    parts = [g if j == index else zeros_like(x) for j, x in enumerate(xs)]
    return [concat(parts, op.attrs["axis"])] + [None] * len(xs)


register(OpDef("ConcatSlice", infer=lambda inputs, attrs: [(inputs[0].dtype,
                                                            inputs[1 + attrs["index"]].shape)],
               forward=_concat_slice_forward, grad=_concat_slice_grad, tf_type="Slice"))


def concat(values, axis, name="concat"):
    """Join tensors along an existing axis."""
    values = [convert_to_tensor(v) for v in values]
    if hasattr(axis, "op"):  # a constant tensor, as TF allows
        axis = const_value(axis)
        if axis is None:
            raise TypeError("concat: axis must be a Python int or a constant tensor")
    if len(values) == 1:
        return identity(values[0], name=name)
    return make("ConcatV2", values, name=name, axis=int(axis))


def _pack_infer(inputs, attrs):
    dt = same_dtype(inputs)
    shape = merged_shape(inputs, "Pack (stack)")
    if shape.dims is None:
        return [(dt, TensorShape(None))]
    nd = len(shape.dims) + 1
    ax = attrs["axis"]
    if not -nd <= ax < nd:
        raise ValueError(f"axis {ax} is out of range for stacking shapes {fmt(shape)}")
    dims = list(shape.dims)
    dims.insert(ax % nd, len(inputs))
    return [(dt, TensorShape(dims))]


register(OpDef("Pack", infer=_pack_infer,
               forward=lambda xp, *xs, axis: xp.stack(xs, axis=axis),
               grad=lambda op, dy: [gather(dy, i, axis=op.attrs["axis"])
                                    for i in range(len(op.inputs))]))


def stack(values, axis=0, name="stack"):
    """Join tensors of one shape along a new axis."""
    values = [convert_to_tensor(v) for v in values]
    nd = values[0].shape.ndims
    axis = shapes.normalize_axis(int(axis), nd + 1)[0] if nd is not None else int(axis)
    return make("Pack", values, name=name, axis=axis)


pack = stack


def unstack(value, num=None, axis=0, name="unstack"):
    """Split along `axis` into a list of tensors (the length must be known statically)."""
    x = convert_to_tensor(value)
    n = num if num is not None else (x.shape.dims[axis] if x.shape.dims else None)
    if n is None:
        raise ValueError(f"Cannot infer num from shape {fmt(x.shape)}")
    if x.shape.dims is None:
        return [gather(x, i, axis=axis, name=name) for i in range(n)]
    ax = shapes.normalize_axis(int(axis), len(x.shape.dims))[0]
    # basic indexing: each part is a view of x, not a copy
    return [strided_slice(x, (slice(None),) * ax + (i,), name=name) for i in range(n)]


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Split `value` along `axis` into `num_or_size_splits` equal parts (an int), or parts of
    the given sizes (a list; one size may be -1: the rest). Returns a list of tensors.

    The length of `axis` must be known when the graph is built. Example:
    `i, j, f, o = tf.split(gates, 4, axis=1)`.
    """
    x = convert_to_tensor(value)
    if x.shape.dims is None:
        raise ValueError(f"split needs the rank of {x.describe()} known when the graph is built")
    nd = len(x.shape.dims)
    ax = shapes.normalize_axis(int(axis), nd)[0]
    length = x.shape.dims[ax]
    sizes = _split_sizes(num_or_size_splits, length, x)
    parts, start = [], 0
    for size in sizes:
        key = (slice(None),) * ax + (slice(start, start + size),)
        parts.append(strided_slice(x, key, name=name))
        start += size
    return parts


def _split_sizes(num_or_size_splits, length, x):
    if isinstance(num_or_size_splits, int):
        n = num_or_size_splits
        if length is None or n <= 0 or length % n:
            raise ValueError(f"split: cannot split {x.describe()} into {n} equal parts along "
                             f"an axis of length {length if length is not None else '?'}")
        return [length // n] * n
    sizes = [int(s) for s in num_or_size_splits]
    if sizes.count(-1) == 1 and length is not None:
        sizes[sizes.index(-1)] = length - sum(s for s in sizes if s != -1)
    if length is None or any(s < 0 for s in sizes) or sum(sizes) != length:
        raise ValueError(f"split: sizes {list(num_or_size_splits)} do not add up to the length "
                         f"{length if length is not None else '?'} of the split axis of "
                         f"{x.describe()}")
    return sizes


def _tile_infer(inputs, attrs):
    x, mult = inputs[0], attrs["multiples"]
    if x.shape.dims is None:
        return [(x.dtype, TensorShape([None] * len(mult)))]
    if len(mult) != len(x.shape.dims):
        raise ValueError(f"multiples {list(mult)} must have one entry per dimension of shape "
                         f"{fmt(x.shape)}")
    return [(x.dtype, TensorShape(None if d is None else d * m for d, m in zip(x.shape.dims, mult)))]


register(OpDef("Tile", infer=_tile_infer, forward=lambda xp, x, multiples: xp.tile(x, multiples),
               grad=lambda op, dy: [make("TileGrad", [dy, op.inputs[0]],
                                         multiples=op.attrs["multiples"])]))


def _tile_grad_forward(xp, dy, x, multiples):
    split = []
    for m, d in zip(multiples, x.shape):
        split += [m, d]
    return dy.reshape(split).sum(axis=tuple(range(0, len(split), 2)))


register(OpDef("TileGrad", infer=lambda inputs, attrs: [(inputs[0].dtype, inputs[1].shape)],
               forward=_tile_grad_forward, tf_type="Sum",
               grad=lambda op, g: [tile(g, op.attrs["multiples"]), None]))


def tile(input, multiples, name=None):
    """Repeat `input` `multiples[i]` times along axis i."""
    if hasattr(multiples, "op"):
        mv = const_value(multiples)
        if mv is None:
            raise TypeError("tile: multiples must be a list of ints or a constant tensor")
        multiples = mv.tolist()
    return make("Tile", [convert_to_tensor(input)], name=name,
                multiples=tuple(int(m) for m in multiples))


# --- the gradients of split and unstack ----------------------------------------------
def merge_slice_grads(parts):
    """`parts` (gradients to be summed) with each group of slice gradients that together tile
    one tensor (the gradients of all the parts of a tf.split or tf.unstack) replaced by one
    concat or stack of their upstream gradients: one buffer instead of a zero-filled copy of
    the whole tensor per part and their sum. Other parts are kept as they are."""
    runs, kept = {}, []
    for p in parts:
        run = slice_run(p)
        if run is None:
            kept.append(p)
        else:
            runs.setdefault(run[:2] + run[4:], []).append((run[2], run[3], p))
    for (x, axis, indexed), pieces in runs.items():
        pieces.sort(key=lambda piece: piece[0])
        ends = [0] + [stop for _, stop, _ in pieces]
        if [start for start, _, _ in pieces] != ends[:-1] or ends[-1] != x.shape.dims[axis]:
            kept.extend(p for _, _, p in pieces)  # gaps or overlaps: summed as they are
            continue
        upstream = [p.op.inputs[0] for _, _, p in pieces]
        kept.append(stack(upstream, axis=axis) if indexed else concat(upstream, axis))
    return kept
