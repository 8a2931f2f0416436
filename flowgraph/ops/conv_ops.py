"""2-D convolution as TensorFlow 1.x computes it: Conv2D and its two backprop ops (each
differentiable in turn, as in TF's nn_grad.py), conv2d_transpose and conv1d; plus the window
geometry (TF's SAME/VALID padding) that pool_ops.py shares.

Kernels work in NHWC (NCHW is transposed in and out) and loop only over the kh*kw kernel
offsets: im2col fills one buffer from kh*kw strided slices, then ONE matmul; col2im adds the
matmul's result back over the same kh*kw slices.
"""
from __future__ import annotations

from typing import NamedTuple

from .. import dtypes
from ..graph import name_scope, user_location
from ..registry import OpDef, register
from ..shapes import TensorShape, fmt
from ..tensor import Tensor
from .array_ops import expand_dims, shape, squeeze
from .core import FLOATS, binary_inputs, check_dtype, const_value, convert_to_tensor, make

PADDINGS = ("SAME", "VALID")
FORMATS = ("NHWC", "NCHW")


# --- window geometry, shared with pool_ops.py -------------------------------------------------
def sequence(value, data_format) -> tuple:
    """TF's `_get_sequence` for 2-D ops: an int, or 1, 2 or 4 values -> 4 values in
    `data_format` order (1 in the batch and channel places). Other lengths pass through for
    the op's shape rule to refuse, with the op's name and the user's line."""
    value = [1] if value is None else [value] if isinstance(value, int) else list(value)
    if len(value) in (1, 2):
        h, w = value * (3 - len(value))
        value = [1, 1, h, w] if str(data_format).startswith("NC") else [1, h, w, 1]
    return tuple(int(v) for v in value)


def check_window(x, attrs, what=("strides",)):
    """Refuse bad padding, data_format and per-axis attrs (strides, ksize, dilations) of an op
    on input `x` (a tensor, whose shape the message shows)."""
    try:
        _check_window(attrs, what)
    except ValueError as e:
        raise ValueError(f"{e} (input shape {fmt(x.shape)})") from None


def _check_window(attrs, what):
    if attrs["padding"] not in PADDINGS:
        hint = " (TF spells it in capitals)" if str(attrs["padding"]).upper() in PADDINGS else ""
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {attrs['padding']!r}{hint}")
    if attrs["data_format"] not in FORMATS:
        raise ValueError(f"data_format must be 'NHWC' or 'NCHW', got {attrs['data_format']!r}")
    c = 1 if attrs["data_format"] == "NCHW" else 3
    for key in what:
        v = attrs[key]
        if len(v) != 4:
            raise ValueError(f"{key} must have 1, 2 or 4 entries, got {list(v)}")
        if min(v) < 1:
            raise ValueError(f"{key} must be positive, got {list(v)}")
        if v[0] != 1 or v[c] != 1:
            raise ValueError(f"{key} in the batch and channel dimensions must be 1 "
                             f"(as in TF), got {list(v)} in {attrs['data_format']} order")


def hw(v, data_format) -> tuple:
    """The (height, width) entries of a 4-entry attr or shape in `data_format` order."""
    return (v[2], v[3]) if data_format == "NCHW" else (v[1], v[2])


def nhwc(dims, data_format) -> list:
    """Shape entries [N, H, W, C] from `data_format` order."""
    return [dims[0], dims[2], dims[3], dims[1]] if data_format == "NCHW" else list(dims)


def from_nhwc_dims(dims, data_format) -> list:
    return [dims[0], dims[3], dims[1], dims[2]] if data_format == "NCHW" else list(dims)


def out_size(n, k, stride, dilation, padding):
    """TF's output length along one axis (None where unknown); pads go mostly AFTER."""
    if n is None or k is None:
        return None
    k_eff = (k - 1) * dilation + 1
    if padding == "SAME":
        return -(-n // stride)
    if n < k_eff:
        dilated = f" ({k_eff} dilated)" if k_eff != k else ""
        raise ValueError(f"a window of size {k}{dilated} does not fit in an input of size {n} "
                         f"with VALID padding")
    return (n - k_eff) // stride + 1


class Geom(NamedTuple("Geom", [(f, int) for f in
                               "h w kh kw sh sw dh dw oh ow pt pb pl pr".split()])):
    """The windows of one op on one input (NHWC): input size, kernel size, strides,
    dilations, output size, pads top/bottom/left/right."""

    def window(self, xpad, i, j):
        """The strided view of padded `xpad` (NHWC) that kernel offset (i, j) reads."""
        r, c = i * self.dh, j * self.dw
        r_end = r + (self.oh - 1) * self.sh + 1 if self.oh else r
        c_end = c + (self.ow - 1) * self.sw + 1 if self.ow else c
        return xpad[:, r:r_end:self.sh, c:c_end:self.sw, :]

    def offsets(self):
        return [(i, j) for i in range(self.kh) for j in range(self.kw)]  # row-major


def geometry(h, w, kh, kw, strides, dilations, padding, data_format) -> Geom:
    (sh, sw), (dh, dw) = hw(strides, data_format), hw(dilations, data_format)
    oh, ow = out_size(h, kh, sh, dh, padding), out_size(w, kw, sw, dw, padding)
    pad_h = max((oh - 1) * sh + (kh - 1) * dh + 1 - h, 0) if padding == "SAME" else 0
    pad_w = max((ow - 1) * sw + (kw - 1) * dw + 1 - w, 0) if padding == "SAME" else 0
    return Geom(h, w, kh, kw, sh, sw, dh, dw, oh, ow,
                pad_h // 2, pad_h - pad_h // 2, pad_w // 2, pad_w - pad_w // 2)


def to_nhwc(xp, x, data_format):
    return x if data_format == "NHWC" else xp.transpose(x, (0, 2, 3, 1))


def from_nhwc(xp, x, data_format):
    return x if data_format == "NHWC" else xp.ascontiguousarray(xp.transpose(x, (0, 3, 1, 2)))


def pad(xp, x, g: Geom, value=0):
    """`x` (NHWC) with g's pads around H and W, filled with `value`."""
    if not (g.pt or g.pb or g.pl or g.pr):
        return x
    n, h, w, c = x.shape
    out = xp.full((n, h + g.pt + g.pb, w + g.pl + g.pr, c), value, dtype=x.dtype)
    out[:, g.pt:g.pt + h, g.pl:g.pl + w, :] = x
    return out


def unpad_sum(xp, parts, g: Geom, n, c, dtype):
    """col2im: `parts(k)` (of output shape) for each kernel offset k = i * kw + j, added at
    that offset's window of a zero padded input; the pads cut off again."""
    out = xp.zeros((n, g.h + g.pt + g.pb, g.w + g.pl + g.pr, c), dtype=dtype)
    for k, (i, j) in enumerate(g.offsets()):
        g.window(out, i, j)[...] += parts(k)
    return out[:, g.pt:g.pt + g.h, g.pl:g.pl + g.w, :]


def rank4(t, what: str) -> list:
    """The static dims of a rank-4 tensor (all None when the rank is unknown)."""
    if t.shape.ndims is None:
        return [None] * 4
    if t.shape.ndims != 4:
        raise ValueError(f"{what} must be 4-D, got shape {fmt(t.shape)}")
    return list(t.shape.dims)


def static_sizes(t, what: str) -> list:
    """The value of a shape vector (an int32 tensor) as far as it is known at build time:
    a constant, or the Shape of a tensor whose static shape is known."""
    check_dtype(t, (dtypes.int32,), what)
    if t.shape.ndims is not None and (t.shape.ndims != 1 or t.shape.dims[0] not in (None, 4)):
        raise ValueError(f"{what} must be a vector of 4 ints, got shape {fmt(t.shape)}")
    value = const_value(t)
    if value is not None:
        dims = [int(d) for d in value.reshape(-1)]
    elif t.op.type == "Shape" and t.op.inputs[0].shape.ndims is not None:
        dims = list(t.op.inputs[0].shape.dims)
    else:
        return [None] * 4
    if len(dims) != 4:
        raise ValueError(f"{what} must have 4 entries, got {dims}")
    return dims


def merge(a, b, what: str):
    """Two static lengths that must agree, either of them None where unknown."""
    if a is not None and b is not None and a != b:
        raise ValueError(what.format(a, b))
    return a if a is not None else b


# --- Conv2D and its backprop ops --------------------------------------------------------------
def _conv_shapes(x_dims, w_dims, dy_dims, attrs):
    """Check the static NHWC shapes of a convolution's input, filter and output gradient
    against each other; returns (input NHWC, filter, output NHWC) with what each tells."""
    df = attrs["data_format"]
    n, h, w, c = nhwc(x_dims, df)
    kh, kw, ci, co = w_dims
    dn, dh_, dw_, dc = nhwc(dy_dims, df)
    shown = (f"input {fmt(from_nhwc_dims([n, h, w, c], df))}, filter {fmt(w_dims)}")
    c = merge(c, ci, "input depth {} does not match the filter's in_channels {} (" + shown + ")")
    (sh, sw), (dlh, dlw) = hw(attrs["strides"], df), hw(attrs["dilations"], df)
    try:
        oh = out_size(h, kh, sh, dlh, attrs["padding"])
        ow = out_size(w, kw, sw, dlw, attrs["padding"])
    except ValueError as e:
        raise ValueError(f"{e} ({shown})") from None
    tail = f" ({shown}, out_backprop {fmt(from_nhwc_dims([dn, dh_, dw_, dc], df))})"
    n = merge(n, dn, "batch {} of the input does not match batch {} of out_backprop" + tail)
    oh = merge(oh, dh_, "output height {} does not match out_backprop's height {}" + tail)
    ow = merge(ow, dw_, "output width {} does not match out_backprop's width {}" + tail)
    co = merge(co, dc, "the filter's out_channels {} do not match out_backprop's depth {}" + tail)
    return [n, h, w, c], [kh, kw, c, co], [n, oh, ow, co]


def _conv2d_infer(inputs, attrs):
    x, w = inputs
    check_dtype(x, FLOATS, "input")
    check_dtype(w, (x.dtype,), "filter")
    check_window(x, attrs, ("strides", "dilations"))
    xs, ws, ys = _conv_shapes(rank4(x, "input"), rank4(w, "filter"), [None] * 4, attrs)
    return [(x.dtype, TensorShape(from_nhwc_dims(ys, attrs["data_format"])))]


def _conv_geometry(x_nhwc_shape, w_shape, attrs) -> Geom:
    return geometry(x_nhwc_shape[1], x_nhwc_shape[2], w_shape[0], w_shape[1], attrs["strides"],
                    attrs["dilations"], attrs["padding"], attrs["data_format"])


def _im2col(xp, x, g: Geom):
    """(n*oh*ow, kh*kw*c) patches of NHWC `x`: one buffer filled from kh*kw strided slices.
    (An as_strided view copied by one reshape is ~2-3x faster on NumPy, but the CuPy-like test
    backend has no xp.lib.stride_tricks.)"""
    n, c = x.shape[0], x.shape[3]
    if g.kh == g.kw == g.sh == g.sw == 1:
        return x.reshape(n * g.oh * g.ow, c)
    xpad = pad(xp, x, g)
    cols = xp.empty((n, g.oh, g.ow, g.kh * g.kw, c), dtype=x.dtype)
    for k, (i, j) in enumerate(g.offsets()):
        cols[:, :, :, k, :] = g.window(xpad, i, j)
    return cols.reshape(n * g.oh * g.ow, g.kh * g.kw * c)


def _conv2d_forward(xp, x, w, **attrs):
    df = attrs["data_format"]
    x = to_nhwc(xp, x, df)
    if x.shape[3] != w.shape[2]:
        raise ValueError(f"input depth {x.shape[3]} does not match the filter's in_channels "
                         f"{w.shape[2]}")
    g = _conv_geometry(x.shape, w.shape, attrs)
    out = _im2col(xp, x, g) @ w.reshape(-1, w.shape[3])
    return from_nhwc(xp, out.reshape(x.shape[0], g.oh, g.ow, w.shape[3]), df)


def _conv2d_grad(op, dy):
    x, w = op.inputs
    return [make("Conv2DBackpropInput", [shape(x), w, dy], **op.attrs),
            make("Conv2DBackpropFilter", [x, shape(w), dy], **op.attrs)]


register(OpDef("Conv2D", infer=_conv2d_infer, forward=_conv2d_forward, grad=_conv2d_grad))


def _check_out(g: Geom, dy, x_shape, w_shape):
    """Run-time shapes (NHWC) of a backprop op: they must be those of one convolution."""
    want = (x_shape[0], g.oh, g.ow, w_shape[3])
    if tuple(dy.shape) != want or x_shape[3] != w_shape[2]:
        raise ValueError(f"input {list(x_shape)} and filter {list(w_shape)} give an output of "
                         f"{list(want)} (NHWC), but out_backprop is {list(dy.shape)}")


def _backprop_input_infer(inputs, attrs):
    sizes, w, dy = inputs
    check_dtype(w, FLOATS, "filter")
    check_dtype(dy, (w.dtype,), "out_backprop")
    check_window(dy, attrs, ("strides", "dilations"))
    xs, _, _ = _conv_shapes(static_sizes(sizes, "input_sizes"), rank4(w, "filter"),
                            rank4(dy, "out_backprop"), attrs)
    return [(w.dtype, TensorShape(from_nhwc_dims(xs, attrs["data_format"])))]


def _backprop_input_forward(xp, sizes, w, dy, **attrs):
    df = attrs["data_format"]
    n, h, wd, c = nhwc([int(d) for d in sizes.tolist()], df)
    dy = to_nhwc(xp, dy, df)
    g = _conv_geometry((n, h, wd, c), w.shape, attrs)
    _check_out(g, dy, (n, h, wd, c), w.shape)
    cols = (dy.reshape(-1, w.shape[3]) @ w.reshape(-1, w.shape[3]).T).reshape(
        n, g.oh, g.ow, g.kh * g.kw, c)
    return from_nhwc(xp, unpad_sum(xp, lambda k: cols[:, :, :, k, :], g, n, c, dy.dtype), df)


def _backprop_input_grad(op, g):
    _, w, dy = op.inputs
    return [None, make("Conv2DBackpropFilter", [g, shape(w), dy], **op.attrs),
            make("Conv2D", [g, w], **op.attrs)]


register(OpDef("Conv2DBackpropInput", infer=_backprop_input_infer,
               forward=_backprop_input_forward, grad=_backprop_input_grad))


def _backprop_filter_infer(inputs, attrs):
    x, sizes, dy = inputs
    check_dtype(x, FLOATS, "input")
    check_dtype(dy, (x.dtype,), "out_backprop")
    check_window(x, attrs, ("strides", "dilations"))
    _, ws, _ = _conv_shapes(rank4(x, "input"), static_sizes(sizes, "filter_sizes"),
                            rank4(dy, "out_backprop"), attrs)
    return [(x.dtype, TensorShape(ws))]


def _backprop_filter_forward(xp, x, sizes, dy, **attrs):
    df = attrs["data_format"]
    kh, kw, ci, co = [int(d) for d in sizes.tolist()]
    x, dy = to_nhwc(xp, x, df), to_nhwc(xp, dy, df)
    g = _conv_geometry(x.shape, (kh, kw), attrs)
    _check_out(g, dy, x.shape, (kh, kw, ci, co))
    return (_im2col(xp, x, g).T @ dy.reshape(-1, co)).reshape(kh, kw, ci, co)


def _backprop_filter_grad(op, g):
    x, _, dy = op.inputs
    return [make("Conv2DBackpropInput", [shape(x), g, dy], **op.attrs), None,
            make("Conv2D", [x, g], **op.attrs)]


register(OpDef("Conv2DBackpropFilter", infer=_backprop_filter_infer,
               forward=_backprop_filter_forward, grad=_backprop_filter_grad))


# --- the public functions ---------------------------------------------------------------------
def _pick(a, b, name_a, name_b, op):
    if a is not None and b is not None:
        raise ValueError(f"{op}: give {name_a} or {name_b}, not both ({user_location()})")
    return a if a is not None else b


def _conv_attrs(strides, padding, data_format, dilations, use_cudnn_on_gpu) -> dict:
    data_format = "NHWC" if data_format is None else data_format
    return dict(strides=sequence(strides, data_format), padding=padding,
                data_format=data_format, dilations=sequence(dilations, data_format),
                use_cudnn_on_gpu=bool(use_cudnn_on_gpu))


def _sizes(value):
    """A shape argument (list, tuple, array or int32 tensor) as an int32 tensor."""
    if isinstance(value, Tensor) or hasattr(value, "_as_graph_element"):
        return convert_to_tensor(value)
    if isinstance(value, TensorShape):
        value = value.as_list()
    return convert_to_tensor(value, dtype=dtypes.int32)


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True,
           data_format="NHWC", dilations=(1, 1, 1, 1), name=None, filters=None):
    """2-D convolution (cross-correlation, as TF computes it) of a 4-D input with a filter.

    Args: input [batch, height, width, in_channels] (NHWC; [batch, channels, height, width]
    with data_format="NCHW"), filter (or filters) [filter_height, filter_width, in_channels,
    out_channels], strides (an int or 1, 2 or 4 ints; batch and channel strides must be 1),
    padding "SAME" (output ceil(in / stride); any odd pad goes after) or "VALID",
    dilations (like strides), use_cudnn_on_gpu (accepted, ignored), name.
    Returns: [batch, out_height, out_width, out_channels], the input's dtype.
    Example: `conv2d(images, w, strides=[1, 2, 2, 1], padding="SAME")` on [8, 28, 28, 1]
    images and a [3, 3, 1, 32] w -> shape [8, 14, 14, 32].
    """
    x, w = binary_inputs(input, _pick(filter, filters, "filter", "filters", "conv2d"), "Conv2D")
    return make("Conv2D", [x, w], name=name,
                **_conv_attrs(strides, padding, data_format, dilations, use_cudnn_on_gpu))


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None,
                          padding=None, use_cudnn_on_gpu=True, data_format="NHWC",
                          dilations=(1, 1, 1, 1), name=None, filters=None):
    """The gradient of conv2d with respect to its input.

    Args: input_sizes (4 ints, or an int32 tensor: the input's shape), filter (or filters)
    [fh, fw, in_channels, out_channels], out_backprop (the gradient of conv2d's output),
    strides, padding, data_format, dilations: as for conv2d.
    Returns: a tensor of shape input_sizes.
    Example: `conv2d_backprop_input([8, 28, 28, 1], w, dy, [1, 2, 2, 1], "SAME")`.
    """
    w, dy = binary_inputs(_pick(filter, filters, "filter", "filters", "conv2d_backprop_input"),
                          out_backprop, "Conv2DBackpropInput")
    return make("Conv2DBackpropInput", [_sizes(input_sizes), w, dy], name=name,
                **_conv_attrs(strides, padding, data_format, dilations, use_cudnn_on_gpu))


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,
                           use_cudnn_on_gpu=True, data_format="NHWC", dilations=(1, 1, 1, 1),
                           name=None):
    """The gradient of conv2d with respect to its filter.

    Args: input (conv2d's input), filter_sizes (4 ints, or an int32 tensor: the filter's shape),
    out_backprop (the gradient of conv2d's output), strides, padding, data_format, dilations:
    as for conv2d.
    Returns: a tensor of shape filter_sizes.
    Example: `conv2d_backprop_filter(x, [3, 3, 1, 32], dy, [1, 1, 1, 1], "SAME")`.
    """
    x, dy = binary_inputs(input, out_backprop, "Conv2DBackpropFilter")
    return make("Conv2DBackpropFilter", [x, _sizes(filter_sizes), dy], name=name,
                **_conv_attrs(strides, padding, data_format, dilations, use_cudnn_on_gpu))


def conv2d_transpose(value=None, filter=None, output_shape=None, strides=None, padding="SAME",
                     data_format="NHWC", name=None, input=None, filters=None, dilations=None):
    """The transpose (adjoint) of conv2d, sometimes called deconvolution: Conv2DBackpropInput
    with `value` as the output gradient, as TF builds it.

    Args: value (or input) [batch, height, width, in_channels], filter (or filters)
    [fh, fw, output_channels, in_channels] (conv2d's filter layout, read backwards),
    output_shape (4 ints or an int32 tensor), strides, padding, data_format, dilations: as for
    conv2d, describing the conv2d whose transpose this is.
    Returns: a tensor of shape output_shape.
    Example: `conv2d_transpose(h, w, [8, 28, 28, 1], [1, 2, 2, 1])` with h [8, 14, 14, 32]
    and w [3, 3, 1, 32].
    """
    value = _pick(value, input, "value", "input", "conv2d_transpose")
    filter = _pick(filter, filters, "filter", "filters", "conv2d_transpose")
    with name_scope(name, "conv2d_transpose") as scope:
        return conv2d_backprop_input(output_shape, filter, value, strides, padding,
                                     data_format=data_format, dilations=dilations, name=scope)


def conv1d(value=None, filters=None, stride=None, padding=None, use_cudnn_on_gpu=None,
           data_format=None, name=None, input=None, dilations=None):
    """1-D convolution, as TF computes it: expand_dims, conv2d, squeeze.

    Args: value (or input) [batch, width, in_channels] ("NWC", the default) or
    [batch, in_channels, width] ("NCW"), filters [filter_width, in_channels, out_channels],
    stride (an int, or 1 or 3 ints), padding "SAME" or "VALID", dilations (like stride), name.
    Returns: [batch, out_width, out_channels] ("NWC").
    Example: `conv1d(x, w, stride=2, padding="SAME")` on x [4, 9, 3] and w [3, 3, 5]
    -> shape [4, 5, 5].
    """
    value = _pick(value, input, "value", "input", "conv1d")
    if data_format in (None, "NWC", "NHWC"):
        data_format, spatial = "NHWC", 1
    elif data_format in ("NCW", "NCHW"):
        data_format, spatial = "NCHW", 2
    else:
        raise ValueError(f"conv1d: data_format must be 'NWC' or 'NCW', got {data_format!r} "
                         f"({user_location()})")

    def seq(v):  # TF: [1] + _get_sequence(v, 1, channel_index); extra lengths pass to Conv2D
        v = [1] if v is None else [int(v)] if isinstance(v, int) else [int(i) for i in v]
        if len(v) != 1:
            return [1] + v
        return [1, 1, 1] + v if data_format == "NCHW" else [1, 1] + v + [1]
    with name_scope(name, "conv1d") as scope:
        x, w = binary_inputs(value, filters, "conv1d")
        y = conv2d(expand_dims(x, spatial), expand_dims(w, 0), seq(stride), padding,
                   data_format=data_format, dilations=seq(dilations), name=scope)
        return squeeze(y, [spatial])
