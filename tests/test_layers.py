"""variable_scope / get_variable reuse rules and errors, initializers, layers.dense,
nn.dropout, and the collection helpers."""
import math

import numpy as np
import pytest

import flowgraph as tf


def _values(*tensors):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(list(tensors))


# --- variable_scope and get_variable -----------------------------------------------------
def test_get_variable_makes_scoped_variables():
    with tf.variable_scope("x") as scope:
        W = tf.get_variable("W", [2, 3])
        assert scope.name == "x" and tf.get_variable_scope() is scope
        with tf.variable_scope("inner"):
            v = tf.get_variable("v", [], dtype=tf.int32)
    assert (W.op.name, W.dtype, W.shape.as_list()) == ("x/W", tf.float32, [2, 3])
    assert v.op.name == "x/inner/v" and v.dtype == tf.int32
    assert W in tf.trainable_variables() and W in tf.global_variables()
    assert tf.get_variable_scope().name == ""


def test_duplicate_without_reuse_is_an_error():
    with tf.variable_scope("x"):
        tf.get_variable("W", [2])
    with pytest.raises(ValueError, match=r"Variable x/W already exists, disallowed\. Did you "
                                         r"mean to set reuse=True or reuse=tf\.AUTO_REUSE in "
                                         r"VarScope\? Originally defined at:\n\n.*test_layers"):
        with tf.variable_scope("x"):
            tf.get_variable("W", [2])


def test_reuse_finds_and_missing_is_an_error():
    with tf.variable_scope("x"):
        W = tf.get_variable("W", [2])
    with tf.variable_scope("x", reuse=True):
        assert tf.get_variable("W") is W
        assert tf.get_variable("W", [2]) is W
        with pytest.raises(ValueError, match=r"Variable x/U does not exist, or was not created "
                                             r"with tf\.get_variable\(\)\. Did you mean to set "
                                             r"reuse=tf\.AUTO_REUSE in VarScope\?"):
            tf.get_variable("U", [2])
        with pytest.raises(ValueError, match=r"Trying to share variable x/W, but specified "
                                             r"shape \[3\] and found shape \[2\]"):
            tf.get_variable("W", [3])
        with pytest.raises(ValueError, match="specified dtype float64"):
            tf.get_variable("W", [2], dtype=tf.float64)


def test_tf_variable_is_not_found_by_get_variable():
    tf.Variable([1.0], name="plain")
    with tf.variable_scope("", reuse=True):
        with pytest.raises(ValueError, match="was not created with tf.get_variable"):
            tf.get_variable("plain")


def test_auto_reuse():
    def layer():
        with tf.variable_scope("shared", reuse=tf.AUTO_REUSE):
            return tf.get_variable("W", [2])
    assert layer() is layer()
    assert len(tf.global_variables()) == 1


def test_reuse_variables_and_inheritance():
    with tf.variable_scope("x") as scope:
        W = tf.get_variable("W", [2])
        scope.reuse_variables()
        assert tf.get_variable("W") is W
    with tf.variable_scope("x", reuse=True):
        with tf.variable_scope("sub"):
            assert tf.get_variable_scope().reuse is True
            with pytest.raises(ValueError, match="does not exist"):
                tf.get_variable("W2", [1])
        with tf.variable_scope("sub", reuse=False):  # TF1: False inherits, like None
            assert tf.get_variable_scope().reuse is True


def test_reentering_a_scope_object():
    with tf.variable_scope("x") as captured:
        W = tf.get_variable("W", [2])
        a = tf.constant(1.0, name="a")
    with tf.variable_scope("other"):
        with tf.variable_scope(captured, reuse=True) as again:
            assert again.name == "x"
            assert tf.get_variable("W") is W
            b = tf.constant(1.0, name="b")
    assert a.op.name == "x/a" and b.op.name == "x/b"  # the original name scope


def test_variable_scope_opens_a_name_scope():
    with tf.variable_scope("x"):
        W = tf.get_variable("W", [1])
        c = tf.constant(1.0, name="c")
        with tf.name_scope("ns"):
            V = tf.get_variable("V", [1])  # name scopes do not change variable names
            d = tf.constant(1.0, name="d")
    with tf.variable_scope("x", reuse=True):
        e = tf.constant(1.0, name="e")
        assert tf.get_variable("W") is W
    assert (c.op.name, d.op.name, V.op.name) == ("x/c", "x/ns/d", "x/V")
    assert e.op.name == "x_1/e"  # the name scope is made unique, variable scope is not


def test_default_name_is_made_unique():
    names = []
    for _ in range(3):
        with tf.variable_scope(None, default_name="block") as s:
            names.append(s.name)
    assert names == ["block", "block_1", "block_2"]
    with pytest.raises(ValueError, match="reuse=True cannot be used without a name_or_scope"):
        with tf.variable_scope(None, default_name="block", reuse=True):
            pass
    with pytest.raises(TypeError, match="default_name is None"):
        with tf.variable_scope(None):
            pass


def test_scope_initializer_and_default_initializers():
    with tf.variable_scope("x", initializer=tf.constant_initializer(3.0)):
        a = tf.get_variable("a", [2])
        b = tf.get_variable("b", [2], initializer=tf.ones_initializer())
    n = tf.get_variable("n", [2], dtype=tf.int32)  # integers default to zeros
    f = tf.get_variable("f", [50, 50])             # floats default to glorot_uniform
    c = tf.get_variable("c", initializer=np.array([1.0, 2.0], np.float32))
    t = tf.get_variable("t", initializer=tf.constant([[1, 2]]))
    va, vb, vn, vf, vc, vt = _values(a, b, n, f, c, t)
    np.testing.assert_array_equal(va, [3.0, 3.0])
    np.testing.assert_array_equal(vb, [1.0, 1.0])
    np.testing.assert_array_equal(vn, [0, 0])
    limit = math.sqrt(6.0 / 100)
    assert np.abs(vf).max() <= limit and vf.std() > limit / 2
    np.testing.assert_array_equal(vc, [1.0, 2.0])
    assert vt.dtype == np.int32 and t.shape.as_list() == [1, 2]
    with pytest.raises(ValueError, match="do not specify shape"):
        tf.get_variable("bad", [2], initializer=np.zeros(2, np.float32))
    with pytest.raises(ValueError, match=r"Shape of a new variable \(s\) must be fully defined"):
        tf.get_variable("s")


def test_get_variable_collections_and_trainable():
    v = tf.get_variable("v", [1], trainable=False)
    loc = tf.get_variable("loc", [1], collections=[tf.GraphKeys.LOCAL_VARIABLES])
    assert v in tf.global_variables() and v not in tf.trainable_variables()
    assert loc in tf.local_variables() and loc not in tf.global_variables()


def test_regularizer_losses_are_collected():
    with tf.variable_scope("x", regularizer=lambda w: tf.nn.l2_loss(w)):
        W = tf.get_variable("W", initializer=np.array([3.0, 4.0], np.float32))
    (loss,) = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert _values(loss)[0] == pytest.approx(12.5)
    assert W.op.name == "x/W"


def test_variable_stores_are_per_graph():
    with tf.variable_scope("x"):
        tf.get_variable("W", [1])
    with tf.Graph().as_default():
        with tf.variable_scope("x"):
            assert tf.get_variable("W", [1]).op.name == "x/W"  # no clash with the other graph


# --- initializers ---------------------------------------------------------------------------
def test_constant_initializer_rules():
    full = tf.constant_initializer([1, 2, 3, 4])([2, 2])
    fill = tf.constant_initializer(7)([3])
    pad = tf.constant_initializer([1, 2])([4])
    vf, vfill, vpad = _values(full, fill, pad)
    np.testing.assert_array_equal(vf, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(vfill, [7, 7, 7])
    np.testing.assert_array_equal(vpad, [1, 2, 2, 2])  # TF1 pads with the last value
    with pytest.raises(TypeError, match="Too many elements"):
        tf.constant_initializer([1, 2, 3])([2])
    assert full.dtype == tf.float32
    assert tf.zeros_initializer()([2], dtype=tf.int64).dtype == tf.int64


@pytest.mark.parametrize("init,mean,std,bound", [
    (tf.random_normal_initializer(1.0, 2.0, seed=1), 1.0, 2.0, None),
    (tf.random_uniform_initializer(-3.0, 3.0, seed=1), 0.0, math.sqrt(3.0), 3.0),
    (tf.truncated_normal_initializer(0.0, 1.0, seed=1), 0.0, 0.8796, 2.0),
    (tf.glorot_uniform_initializer(seed=1), 0.0, math.sqrt(2.0 / 300), math.sqrt(6.0 / 300)),
    (tf.glorot_normal_initializer(seed=1), 0.0, math.sqrt(2.0 / 300), 2 * math.sqrt(
        2.0 / 300) / 0.87962566103423978),
    (tf.variance_scaling_initializer(seed=1), 0.0, math.sqrt(1.0 / 100),
     2 * math.sqrt(1.0 / 100) / 0.87962566103423978),
    (tf.variance_scaling_initializer(2.0, "fan_out", "uniform", seed=1), 0.0,
     math.sqrt(2.0 / 200), math.sqrt(6.0 / 200)),
    (tf.variance_scaling_initializer(1.0, "fan_in", "untruncated_normal", seed=1), 0.0,
     math.sqrt(1.0 / 100), None),
])
def test_initializer_statistics(init, mean, std, bound):
    (v,) = _values(init([100, 200]))
    assert v.shape == (100, 200) and v.dtype == np.float32
    assert v.mean() == pytest.approx(mean, abs=4 * std / math.sqrt(v.size))
    assert v.std() == pytest.approx(std, rel=0.03)
    if bound is not None:
        assert np.abs(v - mean).max() <= bound * (1 + 1e-6)


def test_initializer_seeds():
    def draw(seed):
        with tf.Graph().as_default():
            return _values(tf.random_normal_initializer(seed=seed)([5]))[0]
    np.testing.assert_array_equal(draw(3), draw(3))
    assert not np.array_equal(draw(3), draw(4))

    def with_graph_seed():
        with tf.Graph().as_default():
            tf.set_random_seed(7)
            return _values(tf.glorot_uniform_initializer()([4, 4]))[0]
    np.testing.assert_array_equal(with_graph_seed(), with_graph_seed())


def test_initializer_argument_checks():
    with pytest.raises(ValueError, match="scale"):
        tf.variance_scaling_initializer(scale=0.0)
    with pytest.raises(ValueError, match="mode"):
        tf.variance_scaling_initializer(mode="fan_sideways")
    with pytest.raises(ValueError, match="distribution"):
        tf.variance_scaling_initializer(distribution="cauchy")
    with pytest.raises(ValueError, match="floating point"):
        tf.truncated_normal_initializer()([2], dtype=tf.int32)


def test_initializers_namespace():
    assert tf.initializers.zeros is tf.zeros_initializer
    assert tf.initializers.glorot_uniform is tf.glorot_uniform_initializer
    assert tf.initializers.variance_scaling is tf.variance_scaling_initializer


# --- layers.dense ---------------------------------------------------------------------------
def test_dense_shapes_names_and_values():
    x = tf.placeholder(tf.float32, [None, 4])
    y = tf.layers.dense(x, 3)
    z = tf.layers.dense(y, 2, activation=tf.nn.relu, use_bias=False)
    names = [v.op.name for v in tf.trainable_variables()]
    assert names == ["dense/kernel", "dense/bias", "dense_1/kernel"]
    assert y.shape.as_list() == [None, 3] and z.shape.as_list() == [None, 2]
    assert y.op.name == "dense/BiasAdd" and z.op.name == "dense_1/Relu"
    kernel, bias = tf.trainable_variables()[:2]
    data = np.random.RandomState(0).randn(5, 4).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        k, b, out = sess.run([kernel, bias, y], feed_dict={x: data})
    np.testing.assert_allclose(out, data @ k + b, rtol=1e-5)
    np.testing.assert_array_equal(b, np.zeros(3))
    assert np.abs(k).max() <= math.sqrt(6.0 / 7)


def test_dense_named_reuse_and_errors():
    x = tf.placeholder(tf.float32, [None, 4])
    tf.layers.dense(x, 3, name="hidden")
    tf.layers.dense(x, 3, name="hidden", reuse=True)
    assert len(tf.trainable_variables()) == 2
    with pytest.raises(ValueError, match="Variable hidden/kernel already exists"):
        tf.layers.dense(x, 3, name="hidden")
    with pytest.raises(ValueError, match="last dimension of the inputs to `Dense` should be "
                                         "defined"):
        tf.layers.dense(tf.placeholder(tf.float32, [None, None]), 3)
    with tf.variable_scope("net"):
        tf.layers.dense(x, 2)
    assert "net/dense/kernel" in [v.op.name for v in tf.trainable_variables()]


def test_dense_shares_variables_when_scope_is_reentered():
    x = tf.placeholder(tf.float32, [None, 4])
    for reuse in (None, True):
        with tf.variable_scope("model", reuse=reuse):
            tf.layers.dense(tf.layers.dense(x, 3), 2)
    assert [v.op.name for v in tf.trainable_variables()] == [
        "model/dense/kernel", "model/dense/bias", "model/dense_1/kernel", "model/dense_1/bias"]


def test_dense_on_rank_3_inputs():
    x = tf.placeholder(tf.float32, [None, 5, 4])
    y = tf.layers.dense(x, 3, kernel_initializer=tf.ones_initializer())
    assert y.shape.as_list() == [None, 5, 3]
    data = np.ones((2, 5, 4), np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(y, feed_dict={x: data}), np.full((2, 5, 3), 4.0))


def test_dense_trains():
    x = tf.constant([[0.0, 1.0], [1.0, 0.0]])
    y = tf.layers.dense(x, 1)
    loss = tf.reduce_mean(tf.square(y - tf.constant([[1.0], [-1.0]])))
    train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(100):
            sess.run(train_op)
        assert sess.run(loss) < 1e-4


# --- dropout ------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,keep", [(lambda: {"keep_prob": 0.5}, 0.5),
                                         (lambda: {"rate": 0.25}, 0.75),
                                         (lambda: {"keep_prob": tf.constant(0.8)}, 0.8)])
def test_dropout_scales_kept_values(kwargs, keep):
    x = tf.ones([100, 100])
    (out,) = _values(tf.nn.dropout(x, seed=1, **kwargs()))
    kept = out != 0
    np.testing.assert_allclose(out[kept], 1.0 / keep, rtol=1e-6)
    assert kept.mean() == pytest.approx(keep, abs=0.02)


def test_dropout_argument_rules():
    x = tf.ones([4])
    with pytest.raises(ValueError, match="Cannot specify both 'rate' and 'keep_prob'"):
        tf.nn.dropout(x, keep_prob=0.5, rate=0.5)
    with pytest.raises(ValueError, match="You must provide a rate"):
        tf.nn.dropout(x)
    with pytest.raises(ValueError, match=r"range \[0, 1\)"):
        tf.nn.dropout(x, rate=1.0)
    with pytest.raises(ValueError, match=r"range \(0, 1\]"):
        tf.nn.dropout(x, keep_prob=0.0)
    with pytest.raises(ValueError, match="floating point tensor"):
        tf.nn.dropout(tf.ones([4], tf.int32), rate=0.5)
    assert tf.nn.dropout(x, keep_prob=1.0) is x
    assert tf.nn.dropout(x, rate=0.0) is x


def test_dropout_with_fed_keep_prob_and_unknown_batch():
    x = tf.placeholder(tf.float32, [None, 50])
    keep_prob = tf.placeholder(tf.float32, [])
    y = tf.nn.dropout(x, keep_prob, seed=2)
    assert y.shape.as_list() == [None, 50]
    data = np.ones((40, 50), np.float32)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y, {x: data, keep_prob: 1.0}), data)
        out = sess.run(y, {x: data, keep_prob: 0.5})
    assert set(np.unique(out)) == {0.0, 2.0} and out.shape == (40, 50)


def test_dropout_noise_shape_and_seed():
    x = tf.ones([200, 10])
    rows = tf.nn.dropout(x, rate=0.5, noise_shape=[200, 1], seed=3)
    same_a = tf.nn.dropout(x, rate=0.5, seed=5)
    (vr, va) = _values(rows, same_a)
    assert all(len(set(r)) == 1 for r in vr)  # a whole row is kept or dropped
    with tf.Graph().as_default():
        (vb,) = _values(tf.nn.dropout(tf.ones([200, 10]), rate=0.5, seed=5))
    np.testing.assert_array_equal(va, vb)
    xp = tf.placeholder(tf.float32, [None, 10])
    dyn = tf.nn.dropout(xp, rate=0.5, noise_shape=[None, 1], seed=3)
    with tf.Session() as sess:
        out = sess.run(dyn, {xp: np.ones((30, 10), np.float32)})
    assert all(len(set(r)) == 1 for r in out)


def test_dropout_gradient_is_mask_times_scale():
    w = tf.Variable(np.ones((20, 20), np.float32))
    y = tf.nn.dropout(w, keep_prob=0.5, seed=4)
    (g,) = tf.gradients(tf.reduce_sum(y), [w])
    vy, vg = _values(y, g)
    np.testing.assert_array_equal(vg, vy)  # d(sum)/dw is 2 where kept, 0 where dropped


# --- collections and l2_loss -------------------------------------------------------------
def test_collections_and_l2_loss():
    t = tf.constant([3.0, 4.0])
    tf.add_to_collection("my_losses", tf.nn.l2_loss(t))
    (loss,) = tf.get_collection("my_losses")
    assert _values(loss)[0] == pytest.approx(12.5)


def test_dropout_keeps_the_static_shape_with_an_unshaped_keep_prob():
    x = tf.placeholder(tf.float32, [None, 14, 14, 32])
    keep_prob = tf.placeholder(tf.float32)      # no shape, as TF1 course programs write it
    assert tf.nn.dropout(x, keep_prob=keep_prob).shape.as_list() == [None, 14, 14, 32]
