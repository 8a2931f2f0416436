"""flowgraph against TensorFlow itself on the same inputs and weights: convolution and pooling
(forward and both gradients, both paddings, strides, odd sizes, max-pool ties), and one step
of the LSTM, GRU and basic RNN cells over a sequence, with TF's own initial weights. Skipped
where TensorFlow is not installed (as in CI). With TensorFlow 2.x the TF1 cells need the
legacy Keras: `pip install tensorflow-cpu tf-keras`, then
`TF_USE_LEGACY_KERAS=1 python -m pytest tests/test_against_tensorflow.py`
(checked with TensorFlow 2.21: all pass, to 1e-10 in float64)."""
from __future__ import annotations

import numpy as np
import pytest

tf1 = pytest.importorskip("tensorflow.compat.v1", reason="TensorFlow is not installed")

import flowgraph as fg  # noqa: E402

RNG = np.random.default_rng(42)


def _both(build, feeds):
    """Run `build(lib)` -> fetches in TF1 (graph mode) and in flowgraph; returns both values."""
    out = []
    for lib in (tf1, fg):
        g = lib.Graph()
        with g.as_default():
            fetches, placeholders = build(lib)
            with lib.Session(graph=g) as sess:
                if lib.global_variables():
                    sess.run(lib.global_variables_initializer())
                out.append(sess.run(fetches, dict(zip(placeholders, feeds))))
    return out


CONV = [((2, 7, 5, 3), (3, 2, 3, 4), (1, 1), "SAME", (1, 1)),
        ((2, 7, 5, 3), (3, 2, 3, 4), (2, 2), "SAME", (1, 1)),
        ((1, 8, 8, 2), (4, 4, 2, 3), (3, 2), "SAME", (1, 1)),
        ((2, 7, 5, 3), (3, 3, 3, 2), (2, 1), "VALID", (1, 1)),
        ((1, 1, 6, 2), (1, 1, 2, 3), (1, 3), "VALID", (1, 1))]
# (no dilated case: TensorFlow's CPU kernels refuse dilation rates above 1 in graph mode)


@pytest.mark.parametrize("xs, ws, strides, padding, dilations", CONV)
def test_conv2d_and_its_gradients_match_tensorflow(xs, ws, strides, padding, dilations):
    x, w = RNG.standard_normal(xs), RNG.standard_normal(ws)

    def build(lib):
        xp = lib.placeholder(lib.float64, xs)
        wp = lib.placeholder(lib.float64, ws)
        y = lib.nn.conv2d(xp, wp, [1, *strides, 1], padding, dilations=[1, *dilations, 1])
        weights = lib.constant(np.arange(np.prod(y.shape.as_list()), dtype=np.float64).reshape(
            y.shape.as_list()) % 7 - 3)
        gx, gw = lib.gradients(lib.reduce_sum(y * weights), [xp, wp])
        return [y, gx, gw], [xp, wp]
    tf_values, fg_values = _both(build, [x, w])
    for a, b in zip(tf_values, fg_values):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("pool", ["max_pool", "avg_pool"])
@pytest.mark.parametrize("xs, ksize, strides, padding", [
    ((2, 7, 5, 3), 3, 2, "SAME"), ((2, 7, 5, 3), 2, 2, "VALID"), ((1, 6, 6, 1), 3, 1, "SAME")])
def test_pooling_and_its_gradient_match_tensorflow(pool, xs, ksize, strides, padding):
    x = np.round(RNG.standard_normal(xs), 1)  # rounded: ties in max-pool windows

    def build(lib):
        xp = lib.placeholder(lib.float64, xs)
        y = getattr(lib.nn, pool)(xp, [1, ksize, ksize, 1], [1, strides, strides, 1], padding)
        weights = lib.constant(np.arange(np.prod(y.shape.as_list()), dtype=np.float64).reshape(
            y.shape.as_list()) % 5 - 2)
        return [y, lib.gradients(lib.reduce_sum(y * weights), xp)[0]], [xp]
    tf_values, fg_values = _both(build, [x])
    for a, b in zip(tf_values, fg_values):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cell", ["BasicLSTMCell", "GRUCell", "BasicRNNCell"])
def test_recurrent_cells_over_a_sequence_match_tensorflow(cell):
    x = RNG.standard_normal((3, 4, 2))
    weights = {}

    def build(lib):
        xp = lib.placeholder(lib.float64, [3, 4, 2])
        lib.set_random_seed(0)
        c = getattr(lib.nn.rnn_cell, cell)(5, dtype=lib.float64) if lib is tf1 else \
            getattr(lib.nn.rnn_cell, cell)(5)
        outputs, state = lib.nn.dynamic_rnn(c, xp, dtype=lib.float64)
        variables = sorted(lib.trainable_variables(), key=lambda v: v.name)
        if lib is tf1:  # TF draws the weights; flowgraph gets the same ones
            weights["names"] = [v.name for v in variables]
            weights["tf"] = variables
        else:
            assert [v.name for v in variables] == weights["names"]
            weights["fg"] = variables
        loss = lib.reduce_sum(outputs * outputs)
        return [outputs, lib.gradients(loss, xp)[0]], [xp]

    # TF first: read its initial weights, then give flowgraph the same
    g = tf1.Graph()
    with g.as_default():
        fetches, phs = build(tf1)
        with tf1.Session(graph=g) as sess:
            sess.run(tf1.global_variables_initializer())
            values = sess.run(weights["tf"])
            want = sess.run(fetches, {phs[0]: x})
    g = fg.Graph()
    with g.as_default():
        fetches, phs = build(fg)
        with fg.Session(graph=g) as sess:
            sess.run(fg.global_variables_initializer())
            for v, value in zip(weights["fg"], values):
                v.load(value, sess)
            got = sess.run(fetches, {phs[0]: x})
    for a, b in zip(want, got):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)
