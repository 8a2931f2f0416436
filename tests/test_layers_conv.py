"""tf.layers.conv2d, conv2d_transpose, max_pooling2d and average_pooling2d: TF1's variable
names and output shapes, values against tf.nn's ops and NumPy, and a small CNN that trains."""
from __future__ import annotations

import numpy as np
import pytest

import flowgraph as tf

RNG = np.random.default_rng(5)


def _conv_ref(x, w, stride=1):
    """VALID cross-correlation, NHWC, by loops (a reference, not a kernel)."""
    n, h, wd, _ = x.shape
    kh, kw, _, o = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, oh, ow, o))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return out


def test_conv2d_layer_names_shapes_and_values():
    xv = RNG.standard_normal((2, 7, 6, 3))
    x = tf.placeholder(tf.float64, [None, 7, 6, 3])
    valid = tf.layers.conv2d(x, 4, [3, 2], strides=2, activation=tf.nn.relu)
    same = tf.layers.conv2d(x, 5, 3, padding="same", name="same", use_bias=False)
    assert valid.shape.as_list() == [None, 3, 3, 4] and same.shape.as_list() == [None, 7, 6, 5]
    assert [v.name for v in tf.global_variables()] == [
        "conv2d/kernel:0", "conv2d/bias:0", "same/kernel:0"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.global_variables()[1].assign(RNG.standard_normal(4)))
        k, b = sess.run(tf.global_variables()[:2])
        got = sess.run(valid, {x: xv})
    np.testing.assert_allclose(got, np.maximum(_conv_ref(xv, k, 2) + b, 0), rtol=1e-10)


def test_conv2d_transpose_layer_shapes_and_adjointness():
    x = tf.placeholder(tf.float64, [None, 5, 4, 3])
    same = tf.layers.conv2d_transpose(x, 2, 3, strides=2, padding="same", use_bias=False)
    valid = tf.layers.conv2d_transpose(x, 2, [3, 2], strides=2, use_bias=False)
    assert same.shape.as_list() == [None, 10, 8, 2]
    assert valid.shape.as_list() == [None, 11, 8, 2]
    k = tf.global_variables()[0]
    y = tf.placeholder(tf.float64, [1, 10, 8, 2])
    forward = tf.nn.conv2d(y, k, [1, 2, 2, 1], "SAME")   # the conv it is the transpose of
    xv, yv = RNG.standard_normal((1, 5, 4, 3)), RNG.standard_normal((1, 10, 8, 2))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        t, f = sess.run([same, forward], {x: xv, y: yv})
        assert sess.run(valid, {x: xv}).shape == (1, 11, 8, 2)
    np.testing.assert_allclose((t * yv).sum(), (xv * f).sum(), rtol=1e-10)


def test_pooling_layers():
    xv = RNG.standard_normal((2, 4, 6, 3))
    x = tf.constant(xv)
    mx = tf.layers.max_pooling2d(x, 2, 2)
    av = tf.layers.average_pooling2d(x, [2, 3], [2, 3])
    same = tf.layers.max_pooling2d(x, 3, 2, padding="same")
    assert same.shape.as_list() == [2, 2, 3, 3]
    with tf.Session() as sess:
        m, a = sess.run([mx, av])
    np.testing.assert_allclose(m, xv.reshape(2, 2, 2, 3, 2, 3).max(axis=(2, 4)))
    np.testing.assert_allclose(a, xv.reshape(2, 2, 2, 2, 3, 3).mean(axis=(2, 4)))
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same'"):
        tf.layers.max_pooling2d(x, 2, 2, padding="full")


def test_a_small_cnn_learns_to_tell_bars_from_stripes():
    rng = np.random.default_rng(0)
    images = rng.random((64, 8, 8, 1)) * 0.2
    labels = rng.integers(0, 2, 64)
    for img, label, pos in zip(images, labels, rng.integers(0, 8, 64)):
        if label:
            img[:, pos] += 1.0   # a vertical bar
        else:
            img[pos, :] += 1.0   # a horizontal stripe
    tf.set_random_seed(3)
    x = tf.placeholder(tf.float32, [None, 8, 8, 1])
    y = tf.placeholder(tf.int32, [None])
    h = tf.layers.conv2d(x, 8, 3, padding="same", activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    logits = tf.layers.dense(tf.layers.flatten(h), 2)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    train = tf.train.AdamOptimizer(0.01).minimize(loss)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1, output_type=tf.int32), y),
                                      tf.float32))
    feed = {x: images.astype(np.float32), y: labels}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(60):
            sess.run(train, feed)
        assert sess.run(accuracy, feed) == 1.0
