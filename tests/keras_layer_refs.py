"""NumPy references for the Keras layers of tests/test_keras_layers.py, written from Keras
2.2.4's formulas (and TensorFlow's window rules), in float64."""
import numpy as np


def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0., 1.)


def sigmoid(x):
    return 1. / (1. + np.exp(-x))


def _windows(n, k, stride, dilation, padding):
    """(output length, pad before, pad after) of TF's window rule along one axis."""
    span = (k - 1) * dilation + 1
    if padding == "same":
        out = -(-n // stride)
        total = max((out - 1) * stride + span - n, 0)
        return out, total // 2, total - total // 2
    return (n - span) // stride + 1, 0, 0


def _patches(x, ksize, strides, dilation, padding, fill=0.):
    """Yield (i, j, patch (n, kh, kw, c), real (kh, kw) bools) for every output position of a
    window sliding over NHWC `x`."""
    (kh, kw), (sh, sw), (dh, dw) = ksize, strides, dilation
    oh, pt, pb = _windows(x.shape[1], kh, sh, dh, padding)
    ow, pl, pr = _windows(x.shape[2], kw, sw, dw, padding)
    real = np.pad(np.ones(x.shape[1:3], bool), ((pt, pb), (pl, pr)))
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=fill)
    for i in range(oh):
        for j in range(ow):
            rows = slice(i * sh, i * sh + (kh - 1) * dh + 1, dh)
            cols = slice(j * sw, j * sw + (kw - 1) * dw + 1, dw)
            yield i, j, xp[:, rows, cols, :], real[rows, cols]


def conv2d(x, w, b=None, strides=(1, 1), padding="valid", dilation=(1, 1)):
    """Cross-correlation (no flip) of NHWC x with w (kh, kw, in, out), TF's SAME/VALID."""
    oh = _windows(x.shape[1], w.shape[0], strides[0], dilation[0], padding)[0]
    ow = _windows(x.shape[2], w.shape[1], strides[1], dilation[1], padding)[0]
    out = np.zeros((x.shape[0], oh, ow, w.shape[3]))
    for i, j, patch, _ in _patches(x, w.shape[:2], strides, dilation, padding):
        out[:, i, j, :] = np.einsum("nhwc,hwco->no", patch, w)
    return out if b is None else out + b


def conv1d(x, w, b=None, stride=1, padding="valid", dilation=1):
    """(batch, steps, in) x, w (k, in, out); 'causal' pads (k - 1) * dilation zeros in front."""
    if padding == "causal":
        x = np.pad(x, ((0, 0), ((w.shape[0] - 1) * dilation, 0), (0, 0)))
        padding = "valid"
    out = conv2d(x[:, :, None, :], w[:, None], None, (stride, 1), padding, (dilation, 1))
    out = out[:, :, 0, :]
    return out if b is None else out + b


def pool2d(x, pool, strides, padding, mode):
    """Max or average pooling of NHWC x; SAME padding never wins a max and is not counted in
    an average."""
    oh = _windows(x.shape[1], pool[0], strides[0], 1, padding)[0]
    ow = _windows(x.shape[2], pool[1], strides[1], 1, padding)[0]
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    fill = -np.inf if mode == "max" else 0.
    for i, j, patch, real in _patches(x, pool, strides, (1, 1), padding, fill):
        out[:, i, j, :] = patch.max(axis=(1, 2)) if mode == "max" else \
            patch.sum(axis=(1, 2)) / real.sum()
    return out


def _run(step, x, go_backwards, states):
    outs = []
    for t in (range(x.shape[1])[::-1] if go_backwards else range(x.shape[1])):
        states = step(x[:, t], *states)
        outs.append(states[0])
    return np.stack(outs, axis=1), states


def lstm(x, kernel, recurrent, bias, ra=hard_sigmoid, act=np.tanh, go_backwards=False):
    """Keras 2.2.4's LSTM, gates i, f, c, o: (all outputs (batch, T, u), h, c)."""
    u = recurrent.shape[0]

    def step(x_t, h, c):
        z = x_t @ kernel + h @ recurrent + bias
        i, f, g, o = (z[:, k * u:(k + 1) * u] for k in range(4))
        c = ra(f) * c + ra(i) * act(g)
        return ra(o) * act(c), c
    zero = np.zeros((x.shape[0], u))
    outs, (h, c) = _run(step, x, go_backwards, (zero, zero))
    return outs, h, c


def gru(x, kernel, recurrent, bias, ra=hard_sigmoid, act=np.tanh, reset_after=False):
    """Keras 2.2.4's GRU, gates z, r, h: all outputs (batch, T, u)."""
    u = recurrent.shape[0]
    b_in, b_rec = (bias[0], bias[1]) if reset_after else (bias, np.zeros(3 * u))

    def step(x_t, h):
        xz = x_t @ kernel + b_in
        hz = h @ recurrent + b_rec
        z = ra(xz[:, :u] + hz[:, :u])
        r = ra(xz[:, u:2 * u] + hz[:, u:2 * u])
        if reset_after:
            hh = act(xz[:, 2 * u:] + r * hz[:, 2 * u:])
        else:
            hh = act(xz[:, 2 * u:] + (r * h) @ recurrent[:, 2 * u:])
        return (z * h + (1 - z) * hh,)
    return _run(step, x, False, (np.zeros((x.shape[0], u)),))[0]


def simple_rnn(x, kernel, recurrent, bias, act=np.tanh):
    """h_t = act(x_t W + h_{t-1} U + b): all outputs (batch, T, u)."""
    def step(x_t, h):
        return (act(x_t @ kernel + h @ recurrent + bias),)
    return _run(step, x, False, (np.zeros((x.shape[0], recurrent.shape[0])),))[0]


def batch_norm(x, mean, var, gamma, beta, eps):
    return (x - mean) / np.sqrt(var + eps) * gamma + beta
