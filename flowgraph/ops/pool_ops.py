"""2-D max and average pooling as TensorFlow 1.x computes them, with their gradient ops
(MaxPoolGrad, MaxPoolGradGrad, AvgPoolGrad) registered and differentiable in turn, as in TF's
nn_grad.py.

TF's rules: SAME pads max pooling with -inf (padding never wins) and average pooling divides
each window by its count of REAL (unpadded) elements; MaxPoolGrad sends a window's whole
gradient to ONE position, its first maximum in row-major order, and overlapping windows
(stride < ksize) add up. Kernels loop only over the kh*kw window offsets.
"""
from __future__ import annotations

from ..registry import OpDef, register
from ..shapes import TensorShape, fmt
from .array_ops import shape
from .conv_ops import (check_window, from_nhwc, from_nhwc_dims, geometry, hw, merge, nhwc,
                       out_size, pad, rank4, sequence, static_sizes, to_nhwc, unpad_sum)
from .core import FLOATS, check_dtype, convert_to_tensor, make


# --- shapes -----------------------------------------------------------------------------------
def _pooled(x_dims, attrs) -> list:
    """The static output shape (data_format order) of pooling an input of `x_dims`."""
    df = attrs["data_format"]
    n, h, w, c = nhwc(x_dims, df)
    (kh, kw), (sh, sw) = hw(attrs["ksize"], df), hw(attrs["strides"], df)
    try:
        oh, ow = (out_size(d, k, s, 1, attrs["padding"]) for d, k, s in ((h, kh, sh), (w, kw, sw)))
    except ValueError as e:
        raise ValueError(f"{e} (input shape {fmt(x_dims)})") from None
    return from_nhwc_dims([n, oh, ow, c], df)


def _pool_infer(inputs, attrs):
    x = inputs[0]
    check_dtype(x, FLOATS, "value")
    check_window(x, attrs, ("ksize", "strides"))
    return [(x.dtype, TensorShape(_pooled(rank4(x, "value"), attrs)))]


def _same_shape(dims, want, what):
    """`dims` merged with `want`, refusing a known mismatch."""
    return [merge(a, b, f"{what} has shape {fmt(dims)}, expected {fmt(want)}")
            for a, b in zip(dims, want)]


def _geom(x_shape, attrs):
    """The windows (conv_ops.Geom) over an input of NHWC shape `x_shape`."""
    df = attrs["data_format"]
    (kh, kw) = hw(attrs["ksize"], df)
    return geometry(x_shape[1], x_shape[2], kh, kw, attrs["strides"], (1, 1, 1, 1),
                    attrs["padding"], df)


# --- MaxPool ----------------------------------------------------------------------------------
def _check_like(t, want, what):
    if tuple(t.shape) != tuple(want):
        raise ValueError(f"{what} has shape {list(t.shape)} (NHWC), expected {list(want)}")


def _argmax_windows(xp, x, g):
    """Each window's first maximum in row-major order, as an offset index k = i * kw + j
    (NHWC output shape); -inf padding never wins."""
    xpad = pad(xp, x, g, -xp.inf)
    best = g.window(xpad, 0, 0)
    idx = xp.zeros(best.shape, dtype=xp.int32)
    for k, (i, j) in enumerate(g.offsets()[1:], 1):
        win = g.window(xpad, i, j)
        better = win > best  # strictly: a tie keeps the earlier position
        best = xp.where(better, win, best)
        idx = xp.where(better, xp.int32(k), idx)
    return idx


def _max_pool_forward(xp, x, **attrs):
    df = attrs["data_format"]
    x = to_nhwc(xp, x, df)
    g = _geom(x.shape, attrs)
    xpad = pad(xp, x, g, -xp.inf)
    out = g.window(xpad, 0, 0).copy()
    for i, j in g.offsets()[1:]:
        xp.maximum(out, g.window(xpad, i, j), out=out)
    return from_nhwc(xp, out, df)


def _max_pool_grad_infer(inputs, attrs):
    x, y, dy = inputs
    check_dtype(x, FLOATS, "orig_input")
    for t, what in ((y, "orig_output"), (dy, "grad")):
        check_dtype(t, (x.dtype,), what)
    check_window(x, attrs, ("ksize", "strides"))
    xs = rank4(x, "orig_input")
    ys = _same_shape(rank4(y, "orig_output"), _pooled(xs, attrs), "orig_output")
    _same_shape(rank4(dy, "grad"), ys, "grad")
    return [(x.dtype, TensorShape(xs))]


def _max_pool_grad_forward(xp, x, y, dy, **attrs):
    df = attrs["data_format"]
    x, y, dy = to_nhwc(xp, x, df), to_nhwc(xp, y, df), to_nhwc(xp, dy, df)
    g = _geom(x.shape, attrs)
    if (g.sh, g.sw) == (g.kh, g.kw) and not (g.pt or g.pb or g.pl or g.pr) and \
            tuple(y.shape) == tuple(dy.shape) == (x.shape[0], g.oh, g.ow, x.shape[3]):
        return from_nhwc(xp, _tiled_max_pool_grad(xp, x, y, dy, g), df)
    idx = _argmax_windows(xp, x, g)
    _check_like(dy, idx.shape, "grad")
    out = unpad_sum(xp, lambda k: dy * (idx == k), g, x.shape[0], x.shape[3], dy.dtype)
    return from_nhwc(xp, out, df)


def _tiled_max_pool_grad(xp, x, y, dy, g):
    """MaxPoolGrad where the windows tile the input (stride = window, no padding: the
    classic 2x2 pool), 3-5x faster than the general path (benchmarks/kernels.py): the input
    seen as [n, oh, kh, ow, kw, c], each offset's slice compared with the pooled output y,
    and dy written where it holds the window's first maximum (row-major, as TF's rule)."""
    n, h, w, c = x.shape
    rows, cols = g.oh * g.kh, g.ow * g.kw  # VALID may leave the last rows or columns out
    tiles = x[:, :rows, :cols, :].reshape(n, g.oh, g.kh, g.ow, g.kw, c)
    out = xp.empty((n, g.oh, g.kh, g.ow, g.kw, c), dtype=dy.dtype)
    found = None
    for i, j in g.offsets():
        hit = tiles[:, :, i, :, j, :] == y
        if found is None:
            found = hit
        else:
            hit &= ~found  # a tie goes to the earlier position
            found |= hit
        xp.multiply(dy, hit, out=out[:, :, i, :, j, :])
    out = out.reshape(n, rows, cols, c)
    if (rows, cols) == (h, w):
        return out
    full = xp.zeros((n, h, w, c), dtype=dy.dtype)
    full[:, :rows, :cols, :] = out
    return full


def _max_pool_grad_grad_infer(inputs, attrs):
    x, y, gg = inputs
    check_dtype(x, FLOATS, "orig_input")
    for t, what in ((y, "orig_output"), (gg, "grad")):
        check_dtype(t, (x.dtype,), what)
    check_window(x, attrs, ("ksize", "strides"))
    xs = _same_shape(rank4(gg, "grad"), rank4(x, "orig_input"), "grad")
    ys = _same_shape(rank4(y, "orig_output"), _pooled(xs, attrs), "orig_output")
    return [(x.dtype, TensorShape(ys))]


def _max_pool_grad_grad_forward(xp, x, y, gg, **attrs):
    """The adjoint of MaxPoolGrad in its gradient: each window picks gg at its argmax."""
    df = attrs["data_format"]
    x, gg = to_nhwc(xp, x, df), to_nhwc(xp, gg, df)
    _check_like(gg, x.shape, "grad")
    g = _geom(x.shape, attrs)
    idx = _argmax_windows(xp, x, g)
    gpad = pad(xp, gg, g)
    out = xp.zeros(idx.shape, dtype=gg.dtype)
    for k, (i, j) in enumerate(g.offsets()):
        out += g.window(gpad, i, j) * (idx == k)
    return from_nhwc(xp, out, df)


register(OpDef("MaxPool", infer=_pool_infer, forward=_max_pool_forward,
               grad=lambda op, dy: [make("MaxPoolGrad", [op.inputs[0], op.outputs[0], dy],
                                         **op.attrs)]))
register(OpDef("MaxPoolGrad", infer=_max_pool_grad_infer, forward=_max_pool_grad_forward,
               grad=lambda op, g: [None, None, make("MaxPoolGradGrad",
                                                    [op.inputs[0], op.inputs[1], g], **op.attrs)]))
register(OpDef("MaxPoolGradGrad", infer=_max_pool_grad_grad_infer,
               forward=_max_pool_grad_grad_forward,
               grad=lambda op, g: [None, None, make("MaxPoolGrad",
                                                    [op.inputs[0], op.inputs[1], g], **op.attrs)]))


# --- AvgPool ----------------------------------------------------------------------------------
def _counts(xp, g, dtype):
    """How many REAL input elements each output window covers, shape (1, oh, ow, 1)."""
    def along(n_out, stride, before, k, size):
        start = xp.arange(n_out) * stride - before
        return xp.minimum(start + k, size) - xp.maximum(start, 0)
    rows = along(g.oh, g.sh, g.pt, g.kh, g.h)
    cols = along(g.ow, g.sw, g.pl, g.kw, g.w)
    return (rows[:, None] * cols[None, :]).astype(dtype).reshape(1, g.oh, g.ow, 1)


def _avg_pool_forward(xp, x, **attrs):
    df = attrs["data_format"]
    x = to_nhwc(xp, x, df)
    g = _geom(x.shape, attrs)
    xpad = pad(xp, x, g)
    out = g.window(xpad, 0, 0).copy()
    for i, j in g.offsets()[1:]:
        out += g.window(xpad, i, j)
    out /= _counts(xp, g, x.dtype)
    return from_nhwc(xp, out, df)


def _avg_pool_grad_infer(inputs, attrs):
    sizes, dy = inputs
    check_dtype(dy, FLOATS, "grad")
    check_window(dy, attrs, ("ksize", "strides"))
    df = attrs["data_format"]
    xs = static_sizes(sizes, "orig_input_shape")
    want = _pooled(xs, attrs)
    ds = _same_shape(rank4(dy, "grad"), want, "grad")
    xs = [merge(a, b, "") if i in (0, 3) else a  # known sizes were checked against grad
          for i, (a, b) in enumerate(zip(nhwc(xs, df), nhwc(ds, df)))]
    return [(dy.dtype, TensorShape(from_nhwc_dims(xs, df)))]


def _avg_pool_grad_forward(xp, sizes, dy, **attrs):
    df = attrs["data_format"]
    n, h, w, c = nhwc([int(d) for d in sizes.tolist()], df)
    dy = to_nhwc(xp, dy, df)
    g = _geom((n, h, w, c), attrs)
    if dy.shape != (n, g.oh, g.ow, c):
        raise ValueError(f"grad has shape {list(dy.shape)} (NHWC) but pooling an input of "
                         f"{[n, h, w, c]} gives [{n}, {g.oh}, {g.ow}, {c}]")
    share = dy / _counts(xp, g, dy.dtype)
    return from_nhwc(xp, unpad_sum(xp, lambda k: share, g, n, c, dy.dtype), df)


register(OpDef("AvgPool", infer=_pool_infer, forward=_avg_pool_forward,
               grad=lambda op, dy: [make("AvgPoolGrad", [shape(op.inputs[0]), dy], **op.attrs)]))
register(OpDef("AvgPoolGrad", infer=_avg_pool_grad_infer, forward=_avg_pool_grad_forward,
               grad=lambda op, g: [None, make("AvgPool", [g], **op.attrs)]))


# --- the public functions ---------------------------------------------------------------------
def _pool(op_type, value, input, ksize, strides, padding, data_format, name):
    if value is not None and input is not None:
        raise ValueError(f"{op_type}: give value or input, not both")
    data_format = "NHWC" if data_format is None else data_format
    x = convert_to_tensor(value if value is not None else input)
    return make(op_type, [x], name=name, ksize=sequence(ksize, data_format),
                strides=sequence(strides, data_format), padding=padding, data_format=data_format)


def max_pool(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None,
             input=None):
    """The maximum of each window of a 4-D input.

    Args: value (or input) [batch, height, width, channels] (NHWC; NCHW with
    data_format="NCHW"), ksize and strides (an int or 1, 2 or 4 ints; 1 in the batch and
    channel places), padding "SAME" (output ceil(in / stride), padded with -inf, any odd pad
    after) or "VALID", name.
    Returns: [batch, out_height, out_width, channels], the input's dtype.
    Example: `max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")` on
    x [8, 28, 28, 32] -> shape [8, 14, 14, 32].
    """
    return _pool("MaxPool", value, input, ksize, strides, padding, data_format, name)


def avg_pool(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None,
             input=None):
    """The mean of each window of a 4-D input; with SAME padding each window is divided by
    its count of real (unpadded) elements, as in TF.

    Args: value (or input) [batch, height, width, channels], ksize, strides, padding,
    data_format, name: as for max_pool.
    Returns: [batch, out_height, out_width, channels], the input's dtype.
    Example: `avg_pool(x, 3, 2, "SAME")` on x [8, 5, 5, 4] -> shape [8, 3, 3, 4].
    """
    return _pool("AvgPool", value, input, ksize, strides, padding, data_format, name)


max_pool2d = max_pool
avg_pool2d = avg_pool
