"""Training steps of the networks TF1 courses teach next, each against a hand-written NumPy
step of the same math (benchmarks/run.py times them as ratios):

- the classic MNIST CNN: batch 100, 28x28x1 -> conv 3x3x32 (SAME) -> relu -> max-pool 2 ->
  conv 3x3x64 (SAME) -> relu -> max-pool 2 -> dense 10, softmax cross-entropy, Adam;
- an LSTM: batch 32, 28 steps of 28 inputs, 128 units, dense 10 on the last output, Adam.

The NumPy sides are im2col convolutions and an LSTM with backpropagation through time, the
way one writes them by hand; tests/test_benchmarks.py checks both sides give the same
parameters after a few steps.
"""
from __future__ import annotations

import numpy as np

import flowgraph as fg
from workloads import _tf

LR, BETA1, BETA2, EPS = 1e-3, 0.9, 0.999, 1e-8


def _with_params(step, params):
    step.params = params
    return step


class Adam:
    """TF's Adam update, in NumPy, for a list of parameters."""

    def __init__(self, params):
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, params, grads):
        self.t += 1
        lr = np.float32(LR * np.sqrt(1 - BETA2 ** self.t) / (1 - BETA1 ** self.t))
        out = []
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m += (g - m) * np.float32(1 - BETA1)
            v += (g * g - v) * np.float32(1 - BETA2)
            out.append(p - lr * m / (np.sqrt(v) + np.float32(EPS)))
        return out


class Sgd:
    """Plain gradient descent (the tests use it: unlike Adam's first steps, its updates show
    the gradients' sizes, not only their signs)."""

    def __init__(self, params, lr=0.1):
        self.lr = np.float32(lr)

    def step(self, params, grads):
        return [p - self.lr * g for p, g in zip(params, grads)]


OPTIMIZERS = {"adam": (Adam, lambda lib: lib.train.AdamOptimizer(LR)),
              "sgd": (Sgd, lambda lib: lib.train.GradientDescentOptimizer(0.1))}


def _softmax_xent_grad(logits, labels):
    """(mean cross-entropy, its gradient wrt logits) for one-hot labels."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    loss = -(labels * (z - np.log(s))).sum(axis=1).mean()
    return loss, (e / s - labels) / np.float32(len(logits))


# --- the CNN ----------------------------------------------------------------------------------
def cnn_data(batch, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((batch, 28, 28, 1), dtype=np.float32),
            np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)])


def cnn_init(seed=1):
    rng = np.random.default_rng(seed)

    def w(*shape):
        return (rng.standard_normal(shape) * 0.1).astype(np.float32)
    return [w(3, 3, 1, 32), np.zeros(32, np.float32), w(3, 3, 32, 64), np.zeros(64, np.float32),
            w(7 * 7 * 64, 10), np.zeros(10, np.float32)]


def cnn_fg(batch, lib=fg, optimizer="adam"):
    x_np, y_np = cnn_data(batch)
    g = lib.Graph()
    with g.as_default():
        x = lib.placeholder(lib.float32, [None, 28, 28, 1])
        y = lib.placeholder(lib.float32, [None, 10])
        w1, b1, w2, b2, w3, b3 = params = [lib.Variable(v) for v in cnn_init()]
        h = lib.nn.relu(lib.nn.conv2d(x, w1, [1, 1, 1, 1], "SAME") + b1)
        h = lib.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        h = lib.nn.relu(lib.nn.conv2d(h, w2, [1, 1, 1, 1], "SAME") + b2)
        h = lib.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        logits = lib.matmul(lib.reshape(h, [-1, 7 * 7 * 64]), w3) + b3
        loss = lib.reduce_mean(lib.nn.softmax_cross_entropy_with_logits_v2(labels=y,
                                                                           logits=logits))
        train = OPTIMIZERS[optimizer][1](lib).minimize(loss)
        init = lib.global_variables_initializer()
    sess = lib.Session(graph=g)
    sess.run(init)
    feed = {x: x_np, y: y_np}
    return _with_params(lambda: sess.run(train, feed), lambda: sess.run(params))


def _im2col(x):
    """[n, h, w, c] -> [n * h * w, 9 * c]: the 3x3 SAME windows, (kh, kw, c) per row."""
    n, h, w, c = x.shape
    p = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    cols = np.empty((n, h, w, 3, 3, c), x.dtype)
    for i in range(3):
        for j in range(3):
            cols[:, :, :, i, j, :] = p[:, i:i + h, j:j + w, :]
    return cols.reshape(n * h * w, 9 * c)


def _col2im(dcols, shape):
    n, h, w, c = shape
    d = dcols.reshape(n, h, w, 3, 3, c)
    dp = np.zeros((n, h + 2, w + 2, c), dcols.dtype)
    for i in range(3):
        for j in range(3):
            dp[:, i:i + h, j:j + w, :] += d[:, :, :, i, j, :]
    return dp[:, 1:-1, 1:-1, :]


def _pool(x):
    """2x2 max pooling: (output, index of each window's first maximum)."""
    n, h, w, c = x.shape
    win = x.reshape(n, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 5, 2, 4).reshape(
        n, h // 2, w // 2, c, 4)
    arg = win.argmax(axis=-1)
    return np.take_along_axis(win, arg[..., None], -1)[..., 0], arg


def _unpool(d, arg, shape):
    n, h, w, c = shape
    win = np.zeros((n, h // 2, w // 2, c, 4), d.dtype)
    np.put_along_axis(win, arg[..., None], d[..., None], -1)
    return win.reshape(n, h // 2, w // 2, c, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(shape)


class CnnNumpy:
    def __init__(self, batch, optimizer="adam"):
        self.x, self.y = cnn_data(batch)
        self.p = cnn_init()
        self.optimizer = OPTIMIZERS[optimizer][0](self.p)

    def step(self):
        w1, b1, w2, b2, w3, b3 = self.p
        x, n = self.x, len(self.x)
        c1 = _im2col(x)
        a1 = (c1 @ w1.reshape(9, 32) + b1).reshape(n, 28, 28, 32)
        h1 = np.maximum(a1, 0)
        p1, arg1 = _pool(h1)
        c2 = _im2col(p1)
        a2 = (c2 @ w2.reshape(9 * 32, 64) + b2).reshape(n, 14, 14, 64)
        h2 = np.maximum(a2, 0)
        p2, arg2 = _pool(h2)
        flat = p2.reshape(n, -1)
        self.loss, dz = _softmax_xent_grad(flat @ w3 + b3, self.y)
        dw3, db3 = flat.T @ dz, dz.sum(0)
        da2 = _unpool((dz @ w3.T).reshape(p2.shape), arg2, h2.shape) * (a2 > 0)
        da2 = da2.reshape(-1, 64)
        dw2, db2 = (c2.T @ da2).reshape(w2.shape), da2.sum(0)
        dp1 = _col2im(da2 @ w2.reshape(9 * 32, 64).T, p1.shape)
        da1 = (_unpool(dp1, arg1, h1.shape) * (a1 > 0)).reshape(-1, 32)
        dw1, db1 = (c1.T @ da1).reshape(w1.shape), da1.sum(0)
        self.p = self.optimizer.step(self.p, [dw1, db1, dw2, db2, dw3, db3])


# --- the LSTM ---------------------------------------------------------------------------------
def lstm_data(batch, steps=28, depth=28, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((batch, steps, depth), dtype=np.float32),
            np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)])


def lstm_fg(batch, units=128, lib=fg, optimizer="adam"):
    """The flowgraph step; its initial parameters (glorot/zeros, seeded) start the NumPy one."""
    x_np, y_np = lstm_data(batch)
    g = lib.Graph()
    with g.as_default():
        lib.set_random_seed(1)
        x = lib.placeholder(lib.float32, [None] + list(x_np.shape[1:]))
        y = lib.placeholder(lib.float32, [None, 10])
        cell = lib.nn.rnn_cell.BasicLSTMCell(units)
        outputs, _ = lib.nn.dynamic_rnn(cell, x, dtype=lib.float32)
        w = lib.Variable(lib.random_normal([units, 10], stddev=0.1, seed=2))
        b = lib.Variable(lib.zeros([10]))
        logits = lib.matmul(outputs[:, -1], w) + b
        loss = lib.reduce_mean(lib.nn.softmax_cross_entropy_with_logits_v2(labels=y,
                                                                           logits=logits))
        train = OPTIMIZERS[optimizer][1](lib).minimize(loss)
        params = cell.trainable_variables + [w, b]
        init = lib.global_variables_initializer()
    sess = lib.Session(graph=g)
    sess.run(init)
    feed = {x: x_np, y: y_np}
    step = _with_params(lambda: sess.run(train, feed), lambda: sess.run(params))
    step.initial = step.params()
    return step


def _sig(z):
    return np.float32(0.5) * np.tanh(np.float32(0.5) * z) + np.float32(0.5)


class LstmNumpy:
    def __init__(self, batch, initial, optimizer="adam"):
        self.x, self.y = lstm_data(batch)
        self.p = [p.copy() for p in initial]   # kernel, bias, w, b
        self.optimizer = OPTIMIZERS[optimizer][0](self.p)

    def step(self):
        k, bias, w, b = self.p
        x, units = self.x, bias.shape[0] // 4
        n, steps, depth = x.shape
        h = c = np.zeros((n, units), np.float32)
        cache = []
        for t in range(steps):
            xh = np.concatenate([x[:, t], h], axis=1)
            i, j, f, o = np.split(xh @ k + bias, 4, axis=1)
            si, tj, sf, so = _sig(i), np.tanh(j), _sig(f + np.float32(1.0)), _sig(o)
            c_prev, c = c, c * sf + si * tj
            tc = np.tanh(c)
            h = tc * so
            cache.append((xh, si, tj, sf, so, c_prev, tc))
        self.loss, dz = _softmax_xent_grad(h @ w + b, self.y)
        dw, db = h.T @ dz, dz.sum(0)
        dk, dbias = np.zeros_like(k), np.zeros_like(bias)
        dh, dc = dz @ w.T, np.zeros_like(c)
        for xh, si, tj, sf, so, c_prev, tc in reversed(cache):
            dc = dc + dh * so * (1 - tc * tc)
            dgates = np.concatenate([dc * tj * si * (1 - si), dc * si * (1 - tj * tj),
                                     dc * c_prev * sf * (1 - sf), dh * tc * so * (1 - so)], 1)
            dk += xh.T @ dgates
            dbias += dgates.sum(0)
            dh = (dgates @ k.T)[:, depth:]
            dc = dc * sf
        self.p = self.optimizer.step(self.p, [dk, dbias, dw, db])


def network_workloads():
    out = {}
    cnn = CnnNumpy(100)
    out["MNIST CNN step, batch 100, Adam"] = {
        "flowgraph": cnn_fg(100),
        "numpy": _with_params(lambda: cnn.step(), lambda: list(cnn.p))}
    lstm_step = lstm_fg(32)
    lstm = LstmNumpy(32, lstm_step.initial)
    out["LSTM step, batch 32, 28 steps, 128 units, Adam"] = {
        "flowgraph": lstm_step,
        "numpy": _with_params(lambda: lstm.step(), lambda: list(lstm.p))}
    tf = _tf()
    if tf is not None:  # the same programs under TensorFlow's compat.v1, when it is installed
        out["MNIST CNN step, batch 100, Adam"]["tensorflow"] = cnn_fg(100, lib=tf)
        out["LSTM step, batch 32, 28 steps, 128 units, Adam"]["tensorflow"] = lstm_fg(32, lib=tf)
    return out
