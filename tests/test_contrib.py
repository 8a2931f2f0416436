"""tf.contrib: the initializers' distributions, fully_connected and flatten against NumPy with
contrib's variable names, the regularizers, sequence_loss for each averaging choice, and the
contrib.rnn names."""
from __future__ import annotations

import numpy as np
import pytest

import flowgraph as tf

layers = tf.contrib.layers


def _draw(initializer, shape):
    v = tf.get_variable("v", shape, initializer=initializer)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(v)


def test_xavier_uniform_fills_glorots_interval():
    w = _draw(layers.xavier_initializer(seed=3), [400, 200])
    limit = np.sqrt(6 / 600)
    assert w.dtype == np.float32 and np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.99 * limit and abs(w.std() - limit / np.sqrt(3)) < 0.01 * limit


def test_xavier_normal_is_contribs_truncated_normal():
    w = _draw(layers.xavier_initializer(uniform=False, seed=3), [400, 200])
    stddev = np.sqrt(1.3 * 2 / 600)  # contrib's formula, before truncation at 2 stddevs
    assert np.abs(w).max() <= 2 * stddev * 1.0001
    # a unit normal truncated to [-2, 2] has stddev 0.8796
    assert abs(w.std() - stddev * 0.87962566) < 0.02 * stddev


def test_variance_scaling_defaults_are_he_for_relu():
    w = _draw(layers.variance_scaling_initializer(seed=5), [300, 100])
    stddev = np.sqrt(1.3 * 2.0 / 300)
    assert abs(w.std() - stddev * 0.87962566) < 0.03 * stddev
    with pytest.raises(TypeError, match="Unknown mode"):
        layers.variance_scaling_initializer(mode="fan_in")


def test_fully_connected_names_values_and_regularizer():
    xv = np.random.default_rng(0).standard_normal((3, 4, 5))
    x = tf.placeholder(tf.float64, [None, 4, 5])
    h = layers.fully_connected(layers.flatten(x), 6)
    y = layers.fully_connected(x, 2, activation_fn=None,
                               weights_regularizer=layers.l2_regularizer(0.5))
    names = [v.name for v in tf.global_variables()]
    assert names == ["fully_connected/weights:0", "fully_connected/biases:0",
                     "fully_connected_1/weights:0", "fully_connected_1/biases:0"]
    assert h.shape.as_list() == [None, 6] and y.shape.as_list() == [None, 4, 2]
    reg, = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        w1, b1, w2, b2 = sess.run(tf.global_variables())
        got_h, got_y, got_reg = sess.run([h, y, reg], {x: xv})
    np.testing.assert_allclose(got_h, np.maximum(xv.reshape(3, 20) @ w1 + b1, 0), rtol=1e-12)
    np.testing.assert_allclose(got_y, xv @ w2 + b2, rtol=1e-12)
    np.testing.assert_allclose(got_reg, 0.5 * (w2 ** 2).sum() / 2, rtol=1e-12)


def test_flatten_with_unknown_dims_and_dropout_switch():
    x = tf.placeholder(tf.float32, [None, None, 3])
    flat = layers.flatten(x)
    assert flat.shape.as_list() == [None, None]
    with tf.Session() as sess:
        assert sess.run(flat, {x: np.ones((2, 4, 3))}).shape == (2, 12)
    assert layers.dropout(x, 0.5, is_training=False) is x
    with pytest.raises(TypeError, match="scalar bool tensor"):
        layers.dropout(x, 0.5, is_training=tf.placeholder(tf.float32, []))


def test_dropout_switched_by_a_bool_placeholder():
    x = tf.ones([200, 50])
    training = tf.placeholder(tf.bool, [])
    out = layers.dropout(x, keep_prob=0.5, is_training=training)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(out, {training: False}), np.ones((200, 50)))
        dropped = sess.run(out, {training: True})
    assert set(np.unique(dropped)) == {0.0, 2.0}  # kept units scaled by 1 / keep_prob
    assert 0.45 < (dropped == 0).mean() < 0.55


def _xent(logits, targets):
    s = logits - logits.max(-1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(-1, keepdims=True))
    return -np.take_along_axis(logp, targets[..., None], -1)[..., 0]


@pytest.mark.parametrize("flags, reduce", [
    ({}, lambda ce, w: (ce * w).sum() / w.sum()),
    ({"average_across_batch": False}, lambda ce, w: (ce * w).sum(1) / w.sum(1)),
    ({"average_across_timesteps": False}, lambda ce, w: (ce * w).sum(0) / w.sum(0)),
    ({"average_across_timesteps": False, "average_across_batch": False},
     lambda ce, w: ce * w),
    ({"average_across_timesteps": False, "average_across_batch": False,
      "sum_over_timesteps": True, "sum_over_batch": True},
     lambda ce, w: (ce * w).sum() / (w != 0).sum()),
])
def test_sequence_loss(flags, reduce):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((3, 4, 5))
    targets = rng.integers(0, 5, (3, 4)).astype(np.int32)
    weights = np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]], np.float64)
    loss = tf.contrib.seq2seq.sequence_loss(tf.constant(logits), tf.constant(targets),
                                            tf.constant(weights), **flags)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(loss), reduce(_xent(logits, targets), weights),
                                   rtol=1e-12)


def test_sequence_loss_trains_through_its_gradient():
    logits = tf.Variable(np.zeros((2, 3, 4)))
    targets = np.array([[0, 1, 2], [3, 2, 1]], np.int32)
    loss = tf.contrib.seq2seq.sequence_loss(logits, targets, tf.ones([2, 3], tf.float64))
    train = tf.train.GradientDescentOptimizer(5.0).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss)
        for _ in range(20):
            sess.run(train)
        assert np.isclose(first, np.log(4)) and sess.run(loss) < 0.1


def test_contrib_rnn_is_the_rnn_cell_module():
    assert tf.contrib.rnn.BasicLSTMCell is tf.nn.rnn_cell.BasicLSTMCell
    assert tf.contrib.rnn.static_rnn is tf.nn.static_rnn
    assert tf.contrib.rnn.LSTMStateTuple(1, 2).h == 2


def test_tf1_contrib_imports_work_under_flowgraph_run(tmp_path):
    import os
    import subprocess
    import sys
    script = tmp_path / "program.py"
    script.write_text(
        "import tensorflow as tf\n"
        "from tensorflow.contrib import rnn\n"
        "from tensorflow.contrib.layers import fully_connected, xavier_initializer\n"
        "import tensorflow.contrib.seq2seq as seq2seq\n"
        "x = tf.placeholder(tf.float32, [None, 3, 2])\n"
        "out, _ = tf.nn.dynamic_rnn(rnn.BasicLSTMCell(4), x, dtype=tf.float32)\n"
        "y = fully_connected(out, 2, weights_initializer=xavier_initializer())\n"
        "print(y.shape.as_list(), seq2seq.sequence_loss is tf.contrib.seq2seq.sequence_loss)\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [root, *filter(None, [os.environ.get("PYTHONPATH")])]))
    result = subprocess.run([sys.executable, "-m", "flowgraph.cli", "run", "--no-log",
                             str(script)], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[None, 3, 2] True"


def test_contrib_conv_pool_and_batch_norm_names_and_values():
    xv = np.random.default_rng(2).standard_normal((2, 6, 6, 3))
    x = tf.placeholder(tf.float64, [None, 6, 6, 3])
    h = layers.conv2d(x, 4, [3, 3], activation_fn=None)
    p = layers.max_pool2d(h, [2, 2])
    a = layers.avg_pool2d(h, 3, stride=3)
    bn = layers.batch_norm(p, is_training=True, updates_collections=None, decay=0.5)
    assert [v.name for v in tf.global_variables()] == [
        "Conv/weights:0", "Conv/biases:0", "BatchNorm/beta:0", "BatchNorm/moving_mean:0",
        "BatchNorm/moving_variance:0"]
    assert h.shape.as_list() == [None, 6, 6, 4] and p.shape.as_list() == [None, 3, 3, 4]
    assert a.shape.as_list() == [None, 2, 2, 4]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        hv, pv, bv = sess.run([h, p, bn], {x: xv})
        moving_mean = sess.run(tf.global_variables()[3])  # updated in place: updates_collections=None
    np.testing.assert_allclose(pv, hv.reshape(2, 3, 2, 3, 2, 4).max(axis=(2, 4)))
    np.testing.assert_allclose(bv, (pv - pv.mean((0, 1, 2))) / np.sqrt(pv.var((0, 1, 2)) + 1e-3),
                               rtol=1e-8)
    np.testing.assert_allclose(moving_mean, 0.5 * pv.mean((0, 1, 2)), rtol=1e-10)


def test_arg_scope_sets_defaults_that_calls_still_override():
    x = tf.placeholder(tf.float32, [None, 4])
    with layers.arg_scope([layers.fully_connected], activation_fn=None,
                          weights_initializer=tf.zeros_initializer()) as scope:
        plain = layers.fully_connected(x, 3)
        relu = layers.fully_connected(x, 3, activation_fn=tf.nn.relu)
        with layers.arg_scope([layers.fully_connected], biases_initializer=None):
            no_bias = layers.fully_connected(x, 2)
    outside = layers.fully_connected(x, 2)
    assert plain.op.type == "Add" and relu.op.type == "Relu" and no_bias.op.type == "MatMul"
    assert outside.op.type == "Relu"   # the default again
    with layers.arg_scope(scope):      # a saved scope re-entered
        assert layers.fully_connected(x, 2).op.type == "Add"
    with pytest.raises(ValueError, match="not decorated with @add_arg_scope"):
        with layers.arg_scope([tf.nn.relu], x=1):
            pass
