"""Op-table cases for convolution and pooling (ops/conv_ops.py, ops/pool_ops.py); imported at the
end of op_cases.py like op_cases_training.py.

The references are naive loops over output positions and kernel offsets, written from TF's
documented rules (SAME: output ceil(in / stride), pad_before = pad_total // 2, the odd pad
after; max pooling ignores padding and routes a window's gradient to its first maximum in
row-major order; average pooling divides by the count of real elements), not from the kernels.
Max-pool inputs are distinct values, spaced far wider than the finite-difference step.
"""
import numpy as np

import flowgraph as tf
from flowgraph.ops.conv_ops import (conv1d, conv2d, conv2d_backprop_filter,
                                    conv2d_backprop_input, conv2d_transpose)
from flowgraph.ops.pool_ops import avg_pool, max_pool
from op_cases import RNG, case, grad_of, u


def distinct(*shape):
    """Values in [-2, 2), all different, at least 4 / size apart (no ties for max pooling)."""
    n = int(np.prod(shape))
    return (RNG.permutation(n).reshape(shape) - n / 2) * (4.0 / n)


# --- references ------------------------------------------------------------------------------
def _axis(n, k, s, d, padding):
    """(output length, pad before) along one axis, as TF computes them."""
    k_eff = (k - 1) * d + 1
    if padding == "VALID":
        return (n - k_eff) // s + 1, 0
    out = -(-n // s)
    return out, max((out - 1) * s + k_eff - n, 0) // 2


def _taps(h, w, kh, kw, strides, padding, dil=(1, 1)):
    """Yield (a, b, i, j, r, q): output (a, b) reads input (r, q) at kernel offset (i, j),
    for in-bounds (r, q) only, offsets in row-major order."""
    (oh, pt), (ow, pl) = _axis(h, kh, strides[0], dil[0], padding), \
        _axis(w, kw, strides[1], dil[1], padding)
    for a in range(oh):
        for b in range(ow):
            for i in range(kh):
                for j in range(kw):
                    r, q = a * strides[0] - pt + i * dil[0], b * strides[1] - pl + j * dil[1]
                    if 0 <= r < h and 0 <= q < w:
                        yield a, b, i, j, r, q


def _out_shape(h, w, kh, kw, strides, padding, dil=(1, 1)):
    return _axis(h, kh, strides[0], dil[0], padding)[0], _axis(w, kw, strides[1], dil[1], padding)[0]


def ref_conv(x, w, strides=(1, 1), padding="VALID", dil=(1, 1)):
    n, h, wd, _ = x.shape
    kh, kw, _, co = w.shape
    out = np.zeros((n,) + _out_shape(h, wd, kh, kw, strides, padding, dil) + (co,))
    for a, b, i, j, r, q in _taps(h, wd, kh, kw, strides, padding, dil):
        out[:, a, b] += x[:, r, q] @ w[i, j]
    return out


def ref_backprop_input(sizes, w, dy, strides=(1, 1), padding="VALID", dil=(1, 1)):
    dx = np.zeros(sizes)
    for a, b, i, j, r, q in _taps(sizes[1], sizes[2], w.shape[0], w.shape[1], strides, padding,
                                  dil):
        dx[:, r, q] += dy[:, a, b] @ w[i, j].T
    return dx


def ref_backprop_filter(x, sizes, dy, strides=(1, 1), padding="VALID", dil=(1, 1)):
    dw = np.zeros(sizes)
    for a, b, i, j, r, q in _taps(x.shape[1], x.shape[2], sizes[0], sizes[1], strides, padding,
                                  dil):
        dw[i, j] += x[:, r, q].T @ dy[:, a, b]
    return dw


def _windows(x, k, strides, padding):
    """{(a, b): [(r, q), ...]}: each output window's real input positions, row-major."""
    out = {}
    for a, b, i, j, r, q in _taps(x.shape[1], x.shape[2], k[0], k[1], strides, padding):
        out.setdefault((a, b), []).append((r, q))
    return out


def ref_pool(x, k, strides, padding, kind):
    n, h, w, c = x.shape
    out = np.zeros((n,) + _out_shape(h, w, k[0], k[1], strides, padding) + (c,))
    for (a, b), pos in _windows(x, k, strides, padding).items():
        vals = np.stack([x[:, r, q] for r, q in pos])
        out[:, a, b] = vals.max(0) if kind == "max" else vals.mean(0)
    return out


def _first_max(x, pos, m, ch):
    vals = [x[m, r, q, ch] for r, q in pos]
    return pos[vals.index(max(vals))]


def ref_max_pool_grad(x, dy, k, strides, padding):
    dx = np.zeros(x.shape)
    for (a, b), pos in _windows(x, k, strides, padding).items():
        for m in range(x.shape[0]):
            for ch in range(x.shape[3]):
                r, q = _first_max(x, pos, m, ch)
                dx[m, r, q, ch] += dy[m, a, b, ch]
    return dx


def ref_max_pool_grad_grad(x, gg, k, strides, padding):
    out = ref_pool(x, k, strides, padding, "max") * 0
    for (a, b), pos in _windows(x, k, strides, padding).items():
        for m in range(x.shape[0]):
            for ch in range(x.shape[3]):
                r, q = _first_max(x, pos, m, ch)
                out[m, a, b, ch] = gg[m, r, q, ch]
    return out


def ref_avg_pool_grad(x, dy, k, strides, padding):
    dx = np.zeros(x.shape)
    for (a, b), pos in _windows(x, k, strides, padding).items():
        for r, q in pos:
            dx[:, r, q] += dy[:, a, b] / len(pos)
    return dx


def nchw(f):
    """A reference on NHWC arrays applied to NCHW ones."""
    to, back = (0, 2, 3, 1), (0, 3, 1, 2)
    return lambda x, *rest: f(x.transpose(to), *rest).transpose(back)


# --- Conv2D ----------------------------------------------------------------------------------
CONV = [  # x shape, filter shape, strides (h, w), padding, dilations (h, w), name
    ((2, 5, 7, 3), (3, 2, 3, 4), (1, 1), "VALID", (1, 1), "valid"),
    ((2, 5, 7, 3), (3, 2, 3, 2), (1, 1), "SAME", (1, 1), "same"),
    ((2, 5, 7, 2), (3, 3, 2, 3), (2, 2), "SAME", (1, 1), "same_s2"),
    ((1, 7, 6, 2), (2, 3, 2, 2), (2, 2), "VALID", (1, 1), "valid_s2_leftover"),
    ((2, 6, 7, 2), (3, 2, 2, 3), (1, 1), "SAME", (2, 2), "same_dilated"),
    ((1, 7, 8, 2), (2, 2, 2, 2), (2, 1), "VALID", (1, 3), "valid_dilated_strided"),
]
for _xs, _ws, _s, _p, _d, _name in CONV:
    _st, _dl = (1,) + _s + (1,), (1,) + _d + (1,)
    case("Conv2D", lambda x, w, st=_st, p=_p, dl=_dl: conv2d(x, w, st, p, dilations=dl),
         u(*_xs), u(*_ws), name=_name,
         ref=lambda x, w, s=_s, p=_p, d=_d: ref_conv(x, w, s, p, d))
case("Conv2D", lambda x, w: conv2d(x, w, [1, 1, 2, 2], "SAME", data_format="NCHW"),
     u(2, 3, 5, 6), u(3, 3, 3, 2), name="nchw",
     ref=lambda x, w: nchw(lambda x: ref_conv(x, w, (2, 2), "SAME"))(x))
case("Conv2D", lambda x, w: conv2d(input=x, filters=w, strides=2, padding="SAME"),
     u(1, 4, 4, 1), u(1, 1, 1, 2), name="1x1_s2",
     ref=lambda x, w: ref_conv(x, w, (2, 2), "SAME"))
case("Conv2D", lambda x, w: conv2d(x, w, 1, "VALID"), u(2, 3, 4, 3), u(1, 1, 3, 2), name="1x1",
     ref=lambda x, w: ref_conv(x, w))
case("Conv2D", lambda x, w: conv1d(x, w, stride=2, padding="SAME"),
     u(2, 9, 3), u(3, 3, 2), name="conv1d",
     ref=lambda x, w: ref_conv(x[:, None], w[None], (1, 2), "SAME")[:, 0])

# --- Conv2DBackpropInput and Conv2DBackpropFilter ---------------------------------------------
for _xs, _ws, _s, _p, _d, _name in CONV[1:5]:
    _st, _dl = (1,) + _s + (1,), (1,) + _d + (1,)
    _ys = (_xs[0],) + _out_shape(_xs[1], _xs[2], _ws[0], _ws[1], _s, _p, _d) + (_ws[3],)
    case("Conv2DBackpropInput",
         lambda w, dy, xs=_xs, st=_st, p=_p, dl=_dl: conv2d_backprop_input(
             list(xs), w, dy, st, p, dilations=dl),
         u(*_ws), u(*_ys), name=_name,
         ref=lambda w, dy, xs=_xs, s=_s, p=_p, d=_d: ref_backprop_input(xs, w, dy, s, p, d))
    case("Conv2DBackpropFilter",
         lambda x, dy, ws=_ws, st=_st, p=_p, dl=_dl: conv2d_backprop_filter(
             x, list(ws), dy, st, p, dilations=dl),
         u(*_xs), u(*_ys), name=_name,
         ref=lambda x, dy, ws=_ws, s=_s, p=_p, d=_d: ref_backprop_filter(x, ws, dy, s, p, d))
# sizes from tf.shape of a tensor (as the gradient of Conv2D makes them)
case("Conv2DBackpropInput",
     lambda x, w, dy: conv2d_backprop_input(tf.shape(x), w, dy, [1, 2, 2, 1], "VALID"),
     u(1, 7, 6, 2), u(2, 3, 2, 2), u(1, 3, 2, 2), wrt=(1, 2), name="shape_of",
     ref=lambda x, w, dy: ref_backprop_input(x.shape, w, dy, (2, 2), "VALID"))
case("Conv2DBackpropFilter",
     lambda x, w, dy: conv2d_backprop_filter(x, tf.shape(w), dy, [1, 1, 1, 1], "SAME",
                                             data_format="NCHW"),
     u(2, 2, 4, 5), u(3, 2, 2, 3), u(2, 3, 4, 5), wrt=(0, 2), name="shape_of_nchw",
     ref=lambda x, w, dy: ref_backprop_filter(x.transpose(0, 2, 3, 1), w.shape,
                                              dy.transpose(0, 2, 3, 1), (1, 1), "SAME"))
case("Conv2DBackpropInput",
     lambda y, w: conv2d_transpose(y, w, [2, 5, 7, 2], [1, 2, 2, 1], "SAME"),
     u(2, 3, 4, 3), u(3, 3, 2, 3), name="conv2d_transpose",
     ref=lambda y, w: ref_backprop_input((2, 5, 7, 2), w, y, (2, 2), "SAME"))

# --- pooling ---------------------------------------------------------------------------------
POOL = [  # x shape, window (h, w), strides (h, w), padding, name
    ((2, 4, 6, 3), (2, 2), (2, 2), "VALID", "valid_2x2"),
    ((2, 5, 7, 2), (3, 3), (2, 2), "SAME", "same_3x3_s2"),
    ((1, 5, 7, 2), (3, 2), (1, 1), "SAME", "same_3x2_s1"),
    ((1, 7, 5, 2), (3, 2), (2, 2), "VALID", "valid_leftover"),
]
for _xs, _k, _s, _p, _name in POOL:
    _kw, _sw = (1,) + _k + (1,), (1,) + _s + (1,)
    _ys = (_xs[0],) + _out_shape(_xs[1], _xs[2], _k[0], _k[1], _s, _p) + (_xs[3],)

    def _mp(x, k=_kw, s=_sw, p=_p):
        return max_pool(x, k, s, p)

    def _ap(x, k=_kw, s=_sw, p=_p):
        return avg_pool(x, k, s, p)

    def _mp_gg(x, dy, gg, mp=_mp):
        (dx,) = tf.gradients(mp(x), [x], grad_ys=dy)
        return tf.gradients(dx, [dy], grad_ys=gg)[0]

    case("MaxPool", _mp, distinct(*_xs), name=_name,
         ref=lambda x, k=_k, s=_s, p=_p: ref_pool(x, k, s, p, "max"))
    case("MaxPoolGrad", grad_of(_mp), distinct(*_xs), u(*_ys), name=_name,
         ref=lambda x, dy, k=_k, s=_s, p=_p: ref_max_pool_grad(x, dy, k, s, p))
    case("MaxPoolGradGrad", _mp_gg, distinct(*_xs), u(*_ys), u(*_xs), wrt=(0, 2), name=_name,
         ref=lambda x, dy, gg, k=_k, s=_s, p=_p: ref_max_pool_grad_grad(x, gg, k, s, p))
    case("AvgPool", _ap, u(*_xs), name=_name,
         ref=lambda x, k=_k, s=_s, p=_p: ref_pool(x, k, s, p, "avg"))
    case("AvgPoolGrad", grad_of(_ap), u(*_xs), u(*_ys), wrt=(1,), name=_name,
         ref=lambda x, dy, k=_k, s=_s, p=_p: ref_avg_pool_grad(x, dy, k, s, p))

case("MaxPool", lambda x: max_pool(x, 3, 2, "SAME", data_format="NCHW"), distinct(2, 3, 5, 4),
     name="nchw", ref=nchw(lambda x: ref_pool(x, (3, 3), (2, 2), "SAME", "max")))
case("AvgPool", lambda x: avg_pool(x, [2, 3], [2, 1], "SAME", data_format="NCHW"),
     u(2, 3, 5, 4), name="nchw", ref=nchw(lambda x: ref_pool(x, (2, 3), (2, 1), "SAME", "avg")))
case("MaxPoolGrad", grad_of(lambda x: max_pool(x, 3, 2, "SAME", data_format="NCHW")),
     distinct(1, 2, 5, 4), u(1, 2, 3, 2), name="nchw",
     ref=lambda x, dy: ref_max_pool_grad(x.transpose(0, 2, 3, 1), dy.transpose(0, 2, 3, 1),
                                         (3, 3), (2, 2), "SAME").transpose(0, 3, 1, 2))
