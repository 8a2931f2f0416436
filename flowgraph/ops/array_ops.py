"""Constants, placeholders and shape-moving ops: one block per op."""
from __future__ import annotations

import numpy as np

from .. import dtypes, shapes
from ..registry import NOT_DIFFERENTIABLE, OpDef, register
from ..shapes import TensorShape, fmt
from .core import (NUMBERS, check_dtype, const_value, constant, convert_to_tensor, make,
                   merged_shape, same_dtype)
from .index_ops import gather

INT_TYPES = (dtypes.int32, dtypes.int64)


def _same(inputs, attrs):
    return [(inputs[0].dtype, inputs[0].shape)]


# --- sources ----------------------------------------------------------------------------
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
    check_dtype(dims, INT_TYPES, "dims")
    dv = const_value(dims)
    if dv is not None:
        return [(value.dtype, TensorShape(dv.tolist()))]
    n = dims.shape.dims[0] if dims.shape.dims else None
    return [(value.dtype, TensorShape(None) if n is None else TensorShape([None] * n))]


register(OpDef("Fill", infer=_fill_infer, grad=lambda op, dy: [None, _sum_all(dy)],
               forward=lambda xp, dims, value: xp.full(tuple(int(d) for d in dims.tolist()),
                                                       value, dtype=value.dtype)))


def _sum_all(t):
    from .reduction_ops import reduce_sum  # a real cycle: reductions' gradients use array ops
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


def zeros(shape, dtype=dtypes.float32, name=None):
    """A tensor of zeros; `shape` is a list of ints or an int32 tensor."""
    dtype = dtypes.as_dtype(dtype)
    static = _static_shape(shape)
    if static is not None:
        return constant(np.zeros(static, dtype.np_dtype), name=name or "zeros")
    return fill(shape, np.zeros((), dtype.np_dtype), name=name or "zeros")


def ones(shape, dtype=dtypes.float32, name=None):
    """A tensor of ones; `shape` is a list of ints or an int32 tensor."""
    dtype = dtypes.as_dtype(dtype)
    static = _static_shape(shape)
    if static is not None:
        return constant(np.ones(static, dtype.np_dtype), name=name or "ones")
    return fill(shape, np.ones((), dtype.np_dtype), name=name or "ones")


def _ones(xp, x):
    out = xp.empty(x.shape, dtype=x.dtype)
    out.fill(1)
    return out


register(OpDef("ZerosLike", infer=_same, forward=lambda xp, x: xp.zeros(x.shape, dtype=x.dtype),
               grad=NOT_DIFFERENTIABLE, shape_only=True))
register(OpDef("OnesLike", infer=_same, forward=_ones, grad=NOT_DIFFERENTIABLE, shape_only=True))


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


# --- pass-through -----------------------------------------------------------------------
register(OpDef("Identity", infer=_same, forward=lambda xp, x: x, grad=lambda op, dy: [dy],
               pass_through=True))
register(OpDef("StopGradient", infer=_same, forward=lambda xp, x: x, grad=NOT_DIFFERENTIABLE,
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
    check_dtype(shp, INT_TYPES, "shape")
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
    return [gather(x, i, axis=axis, name=name) for i in range(n)]


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

