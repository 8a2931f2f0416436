"""`model.fit` of the book's Keras programs against a hand-written NumPy loop of the same math.

Three workloads, on generated data of the programs' shapes (no files, no network):

    Pima   Dense 8-12 relu-8 relu-1 sigmoid, binary cross-entropy, Adam, batch 10, 768 rows
    wine   Dense 12-30-12-8-1 sigmoid, binary cross-entropy, Adam, batch 500, 6497 rows,
           validation_split=0.2
    MNIST  Dense 784-512 relu-10 softmax, categorical cross-entropy, Adam, batch 200,
           6000 rows (a slice of the 60000, to keep runs short)

each compiled with metrics=['accuracy'] as the book does. One call is one epoch:
`model.fit(x, y, epochs=1, verbose=0)` against `FitNumpy.epoch()`, which shuffles with
NumPy's global generator as fit does, runs the forward pass with the loss and accuracy, the
backward pass through Keras's clipped cross-entropies, and Keras's Adam (epsilon 1e-7), and
keeps the epoch means (and the validation values) fit logs. tests/test_benchmarks.py checks
that both give the same weights from the same initial weights.

    python benchmarks/keras_fit.py                                  # flowgraph and NumPy
    python benchmarks/keras_fit.py --tf-python /tmp/tfvenv/bin/python   # and TF 2's tf_keras

With --tf-python the same fits run under `tf_keras` (Keras 2 on TensorFlow 2) in a
subprocess, timed there against the NumPy loop, so its column is a TF / NumPy ratio of one
process. This module imports flowgraph only when it builds a flowgraph model, so that
subprocess needs only NumPy and TensorFlow.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, os.pardir))

EPSILON = 1e-7  # Keras's K.epsilon(): the clipping of the cross-entropies and Adam's epsilon

# name: (layer sizes, output activation, loss, batch size, rows, validation_split)
SPECS = {
    "Pima: 8-12-8-1, batch 10, 768 rows": ((8, 12, 8, 1), "sigmoid", "binary_crossentropy",
                                           10, 768, 0.0),
    "wine: 12-30-12-8-1, batch 500, 6497 rows, validation 0.2":
        ((12, 30, 12, 8, 1), "sigmoid", "binary_crossentropy", 500, 6497, 0.2),
    "MNIST MLP: 784-512-10, batch 200, 6000 rows": ((784, 512, 10), "softmax",
                                                    "categorical_crossentropy", 200, 6000, 0.0),
}


def make_data(sizes, rows, seed=0):
    """Inputs and targets of the program's shapes, float32 (a learner converts once)."""
    rng = np.random.default_rng(seed)
    n_in, n_out = sizes[0], sizes[-1]
    if n_in == 784:  # pixels in [0, 1], one-hot digits
        x = rng.random((rows, n_in), dtype=np.float32)
        y = np.eye(n_out, dtype=np.float32)[rng.integers(0, n_out, rows)]
    else:  # measurements of different scales, a 0/1 class that depends on them
        x = (rng.random((rows, n_in)) * rng.uniform(1, 20, n_in)).astype(np.float32)
        y = (x[:, 0] / x[:, 0].mean() + x[:, 1] / x[:, 1].mean() > 2).astype(np.float32)
    return x, y


def initial_weights(sizes, seed=1):
    """[W1, b1, W2, b2, ...]: Glorot-uniform kernels and zero biases, as Dense makes them."""
    rng = np.random.default_rng(seed)
    out = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / (n_in + n_out))
        out += [rng.uniform(-limit, limit, (n_in, n_out)).astype(np.float32),
                np.zeros(n_out, np.float32)]
    return out


# --- the hand-written loop --------------------------------------------------------------------
class FitNumpy:
    """One epoch of `fit` written by hand: the same batches, forward and backward math and Adam
    update as Keras's, plus the logged epoch means of loss and accuracy (and val_ values)."""

    def __init__(self, sizes, activation, loss, batch_size, x, y, validation_split=0.0,
                 weights=None, lr=0.001, beta_1=0.9, beta_2=0.999):
        self.activation, self.loss, self.batch_size = activation, loss, batch_size
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        split = int(len(x) * (1.0 - validation_split)) if validation_split else len(x)
        self.x, self.y, self.val = x[:split], y[:split], (x[split:], y[split:])
        self.p = [w.copy() for w in (weights or initial_weights(sizes))]
        self.m = [np.zeros_like(w) for w in self.p]
        self.v = [np.zeros_like(w) for w in self.p]
        self.t = 0
        self.lr, self.b1, self.b2 = np.float32(lr), np.float32(beta_1), np.float32(beta_2)
        self.logs: dict = {}

    def forward(self, x):
        """The activations of each layer (the input first) and the output."""
        acts, h = [x], x
        last = len(self.p) // 2 - 1
        for i in range(0, len(self.p), 2):
            z = h @ self.p[i] + self.p[i + 1]
            if i // 2 < last:
                h = np.maximum(z, 0)
            elif self.activation == "sigmoid":
                h = 1 / (1 + np.exp(-z))
            else:
                e = np.exp(z - z.max(axis=-1, keepdims=True))
                h = e / e.sum(axis=-1, keepdims=True)
            acts.append(h)
        return acts

    def loss_and_acc(self, out, y):
        """Keras's loss (inputs clipped to [eps, 1 - eps]) and accuracy of one batch."""
        p = np.clip(out, EPSILON, 1 - EPSILON)
        if self.loss == "binary_crossentropy":
            loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
            acc = np.mean(y == np.round(out))
        else:
            loss = -np.mean(np.sum(y * np.log(p), axis=-1))
            acc = np.mean(y.argmax(axis=-1) == out.argmax(axis=-1))
        return loss, acc

    def output_grad(self, out, y):
        """d loss / d (the output layer's pre-activation), through the clip: zero where the
        clip is active, else sigmoid - y for the binary cross-entropy and the softmax
        Jacobian applied to -y / p + sum(y) / sum(out) (the renormalization) for the
        categorical one; divided by the batch size (the loss is a mean)."""
        inside = (out >= EPSILON) & (out <= 1 - EPSILON)
        if self.loss == "binary_crossentropy":
            return np.where(inside, out - y, 0) / np.float32(len(out))
        g = np.where(inside, -y / out, 0)
        g += (y * inside).sum(axis=-1, keepdims=True) / out.sum(axis=-1, keepdims=True)
        g -= (g * out).sum(axis=-1, keepdims=True)
        return out * g / np.float32(len(out))

    def step(self, x, y):
        acts = self.forward(x)
        out = acts[-1]
        loss, acc = self.loss_and_acc(out, y)
        dz = self.output_grad(out, y)
        grads = [None] * len(self.p)
        for i in range(len(self.p) - 2, -1, -2):
            grads[i], grads[i + 1] = acts[i // 2].T @ dz, dz.sum(axis=0)
            if i:
                dz = (dz @ self.p[i].T) * (acts[i // 2] > 0)
        self.adam(grads)
        return loss, acc

    def adam(self, grads):
        """Keras 2.2.4's Adam: lr_t = lr sqrt(1 - b2^t) / (1 - b1^t), moments of g, and
        p -= lr_t m / (sqrt(v) + eps)."""
        self.t += 1
        b1, b2 = self.b1, self.b2
        lr_t = self.lr * np.sqrt(1 - b2 ** np.float32(self.t)) / (1 - b1 ** np.float32(self.t))
        for k, g in enumerate(grads):
            self.m[k] = b1 * self.m[k] + (1 - b1) * g
            self.v[k] = b2 * self.v[k] + (1 - b2) * (g * g)
            self.p[k] = self.p[k] - lr_t * self.m[k] / (np.sqrt(self.v[k]) + np.float32(EPSILON))

    def epoch(self, max_batches=None):
        with np.errstate(all="ignore"):  # as flowgraph's runs (TF1): inf and nan, no warnings
            self._epoch(max_batches)

    def _epoch(self, max_batches):
        n, bs = len(self.x), self.batch_size
        index = np.arange(n)
        np.random.shuffle(index)
        total_loss = total_acc = 0.0
        for k, start in enumerate(range(0, n, bs)):
            if max_batches is not None and k == max_batches:
                return
            ids = index[start:start + bs]
            loss, acc = self.step(self.x[ids], self.y[ids])
            total_loss += loss * len(ids)
            total_acc += acc * len(ids)
        self.logs = {"loss": total_loss / n, "acc": total_acc / n}
        if len(self.val[0]):
            self.logs.update(zip(("val_loss", "val_acc"), self.evaluate(*self.val)))

    def evaluate(self, x, y):
        totals, n = np.zeros(2), len(x)
        for start in range(0, n, self.batch_size):
            xb, yb = x[start:start + self.batch_size], y[start:start + self.batch_size]
            totals += np.array(self.loss_and_acc(self.forward(xb)[-1], yb)) * len(xb)
        return list(totals / n)


# --- flowgraph and tf_keras ------------------------------------------------------------------
def build_model(keras, sizes, activation, loss, weights=None):
    """The program's Sequential model, compiled with Adam and accuracy (any Keras 2 API)."""
    model = keras.models.Sequential()
    model.add(keras.layers.Dense(sizes[1], input_dim=sizes[0], activation="relu"))
    for n in sizes[2:-1]:
        model.add(keras.layers.Dense(n, activation="relu"))
    model.add(keras.layers.Dense(sizes[-1], activation=activation))
    model.compile(loss=loss, optimizer=keras.optimizers.Adam(epsilon=EPSILON),
                  metrics=["accuracy"])
    model.set_weights(weights or initial_weights(sizes))
    return model


def fit_step(model, x, y, batch_size, validation_split):
    """One call = one epoch of model.fit, as the book's programs call it."""
    def step():
        model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0,
                  validation_split=validation_split)
    step.params = model.get_weights
    return step


def numpy_step(spec, x, y, weights=None):
    sizes, activation, loss, batch_size, _, split = spec
    loop = FitNumpy(sizes, activation, loss, batch_size, x, y, split, weights)
    def step(max_batches=None):
        loop.epoch(max_batches)
    step.loop = loop
    step.params = lambda: list(loop.p)
    return step


def keras_fit_workloads(keras=None):
    """{name: {"flowgraph" (or "tensorflow" when `keras` is tf_keras): fit, "numpy": loop}}."""
    if keras is None:
        import flowgraph.keras as keras
        which = "flowgraph"
    else:
        which = "tensorflow"
    out = {}
    for name, spec in SPECS.items():
        sizes, activation, loss, batch_size, rows, split = spec
        x, y = make_data(sizes, rows)
        model = build_model(keras, sizes, activation, loss)
        out[name] = {which: fit_step(model, x, y, batch_size, split),
                     "numpy": numpy_step(spec, x, y)}
    return out


# --- the TF subprocess -------------------------------------------------------------------------
def _tf_child(min_time):
    """Runs in the TF virtual environment: time tf_keras fits against the NumPy loop."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tf_keras as keras
    from timing import per_call
    times = {name: per_call(impls, min_time) for name, impls in
             keras_fit_workloads(keras).items()}
    print(json.dumps(times))


def tf_times(tf_python, min_time):
    """{name: {"tensorflow": s, "numpy": s}} measured by `tf_python`, or None with a note on
    stderr when it cannot run."""
    try:
        done = subprocess.run([tf_python, os.path.abspath(__file__), "--tf-child",
                               "--min-time", str(min_time)], capture_output=True, text=True,
                              timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"keras_fit: no TF column ({e})", file=sys.stderr)
        return None
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["(no output)"]
        print(f"keras_fit: no TF column ({tail[0]})", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="shorter timing blocks")
    ap.add_argument("--tf-python", help="a Python with TensorFlow 2 and tf_keras: adds TF")
    ap.add_argument("--tf-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--min-time", type=float, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    min_time = args.min_time or (0.5 if args.quick else 2.0)
    if args.tf_child:
        return _tf_child(min_time)
    from timing import fmt_time, per_call
    tf = tf_times(args.tf_python, min_time) if args.tf_python else None
    print("| workload, one epoch | flowgraph | NumPy | TensorFlow | flowgraph / NumPy | "
          "TF / NumPy | TF / flowgraph |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, impls in keras_fit_workloads().items():
        t = per_call(impls, min_time)
        line = f"| {name} | {fmt_time(t['flowgraph'])} | {fmt_time(t['numpy'])} | "
        if tf and name in tf:
            tf_ratio = tf[name]["tensorflow"] / tf[name]["numpy"]
            line += (f"{fmt_time(tf[name]['tensorflow'])} | {t['flowgraph'] / t['numpy']:.2f}x "
                     f"| {tf_ratio:.2f}x | {tf_ratio / (t['flowgraph'] / t['numpy']):.1f}x |")
        else:
            line += f"- | {t['flowgraph'] / t['numpy']:.2f}x | - | - |"
        print(line, flush=True)


if __name__ == "__main__":
    main()
