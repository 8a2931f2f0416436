"""tf.layers.batch_normalization, tf.layers.dropout and flatten with a run-time training flag:
values against NumPy, the moving statistics updated through UPDATE_OPS, TF1's names."""
from __future__ import annotations

import numpy as np
import pytest

import flowgraph as tf
from finite_diff import central_differences

RNG = np.random.default_rng(11)


def test_training_uses_batch_statistics_and_updates_the_moving_ones():
    xv = RNG.standard_normal((8, 3)) * 2 + 5
    x = tf.placeholder(tf.float64, [None, 3])
    y = tf.layers.batch_normalization(x, momentum=0.9, training=True)
    names = [v.name for v in tf.global_variables()]
    assert names == ["batch_normalization/gamma:0", "batch_normalization/beta:0",
                     "batch_normalization/moving_mean:0",
                     "batch_normalization/moving_variance:0"]
    assert [v.name for v in tf.trainable_variables()] == names[:2]
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert len(updates) == 2
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got, _ = sess.run([y, updates], {x: xv})
        mm, mv = sess.run(tf.global_variables()[2:])
    want = (xv - xv.mean(0)) / np.sqrt(xv.var(0) + 1e-3)
    np.testing.assert_allclose(got, want, rtol=1e-10)
    np.testing.assert_allclose(mm, 0.1 * xv.mean(0), rtol=1e-12)
    np.testing.assert_allclose(mv, 0.9 + 0.1 * xv.var(0), rtol=1e-12)  # 2-D: no Bessel


def test_4d_inputs_get_the_fused_kernels_unbiased_moving_variance():
    xv = RNG.standard_normal((2, 3, 3, 4))
    x = tf.constant(xv)
    tf.layers.batch_normalization(x, training=True, momentum=0.0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.get_collection(tf.GraphKeys.UPDATE_OPS))
        mv = sess.run(tf.global_variables()[3])
    np.testing.assert_allclose(mv, xv.var(axis=(0, 1, 2), ddof=1), rtol=1e-12)


def test_a_training_placeholder_switches_between_batch_and_moving_statistics():
    xv = RNG.standard_normal((6, 2)) + 3
    x = tf.placeholder(tf.float64, [None, 2])
    training = tf.placeholder(tf.bool, [])
    y = tf.layers.batch_normalization(x, training=training, momentum=0.5)
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        step = tf.identity(y)
    mm = tf.global_variables()[2]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        evaluated = sess.run(step, {x: xv, training: False})
        np.testing.assert_allclose(evaluated, xv / np.sqrt(1 + 1e-3), rtol=1e-12)
        np.testing.assert_allclose(sess.run(mm), 0.0)  # no update while not training
        trained = sess.run(step, {x: xv, training: True})
        np.testing.assert_allclose(trained, (xv - xv.mean(0)) / np.sqrt(xv.var(0) + 1e-3),
                                   rtol=1e-10)
        np.testing.assert_allclose(sess.run(mm), 0.5 * xv.mean(0), rtol=1e-12)


def test_gradients_flow_to_gamma_beta_and_inputs():
    xv = RNG.standard_normal((5, 3))
    x = tf.placeholder(tf.float64, [5, 3])
    y = tf.layers.batch_normalization(x, training=True)
    w = RNG.standard_normal((5, 3))
    loss = tf.reduce_sum(y * w)
    gamma, beta = tf.trainable_variables()
    gx, gg, gb = tf.gradients(loss, [x, gamma, beta])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sym = sess.run(gx, {x: xv})
        np.testing.assert_allclose(sess.run(gb, {x: xv}), w.sum(0), rtol=1e-12)
        num = central_differences(lambda v: sess.run(loss, {x: v}), xv)
    np.testing.assert_allclose(sym, num, rtol=1e-5, atol=1e-8)


def test_dropout_and_flatten_layers():
    x = tf.placeholder(tf.float32, [None, 2, 50])
    training = tf.placeholder_with_default(False, [])
    h = tf.layers.dropout(tf.layers.flatten(x), rate=0.5, training=training, seed=2)
    assert h.shape.as_list() == [None, 100]
    xv = np.ones((3, 2, 50), np.float32)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(h, {x: xv}), np.ones((3, 100)))
        dropped = sess.run(h, {x: xv, training: True})
    assert set(np.unique(dropped)) == {0.0, 2.0}
    with pytest.raises(TypeError, match="scalar bool tensor"):
        tf.layers.dropout(x, training=tf.placeholder(tf.float32, []))
