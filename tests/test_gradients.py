"""tf.gradients: names, broadcasting, unconnected inputs, stop_gradient, grad_ys, 2nd order."""
import numpy as np
import pytest

import flowgraph as tf
from finite_diff import central_differences


def run(fetches, feed=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed)


def new_ops(before):
    return [op.name for op in tf.get_default_graph().get_operations()[before:]]


def test_gradient_ops_live_under_a_gradients_scope():
    x = tf.placeholder(tf.float64, [3], name="x")
    y = tf.reduce_sum(x * x)
    n = len(tf.get_default_graph().get_operations())
    g, = tf.gradients(y, [x])
    names = new_ops(n)
    assert names and all(name.startswith("gradients/") for name in names)
    assert g.name.startswith("gradients/")
    n = len(tf.get_default_graph().get_operations())
    tf.gradients(y, [x])
    assert all(name.startswith("gradients_1/") for name in new_ops(n))


def test_gradients_scope_is_inside_the_callers_scope():
    x = tf.placeholder(tf.float64, [], name="x")
    y = x * 3.0
    with tf.name_scope("training"):
        n = len(tf.get_default_graph().get_operations())
        g, = tf.gradients(y, [x])
        names = new_ops(n)
    assert names and all(name.startswith("training/gradients/") for name in names)
    assert g.op.name.startswith("training/gradients/")
    with tf.name_scope("other"):
        g2, = tf.gradients(y, x, name="grads")
    assert g2.op.name.startswith("other/grads/")
    assert run(g, {x: 2.0}) == 3.0


def test_each_op_gets_a_named_gradient_scope():
    x = tf.placeholder(tf.float64, [], name="x")
    y = tf.square(x, name="sq")
    n = len(tf.get_default_graph().get_operations())
    tf.gradients(y, [x])
    assert any(name.startswith("gradients/sq_grad/") for name in new_ops(n))


def test_broadcast_gradients_sum_back_to_each_input_shape():
    a = tf.placeholder(tf.float64, [2, 3], name="a")
    b = tf.placeholder(tf.float64, [3], name="b")
    c = tf.placeholder(tf.float64, [], name="c")
    d = tf.placeholder(tf.float64, [2, 1], name="d")
    z = (a * b + c) * d
    ga, gb, gc, gd = tf.gradients(z, [a, b, c, d])
    assert (ga.shape.as_list(), gb.shape.as_list(), gc.shape.as_list(), gd.shape.as_list()) \
        == ([2, 3], [3], [], [2, 1])
    A = np.arange(6.0).reshape(2, 3)
    B = np.array([1.0, 2.0, 3.0])
    D = np.array([[2.0], [-1.0]])
    got = run([ga, gb, gc, gd], {a: A, b: B, c: 0.5, d: D})
    np.testing.assert_allclose(got[0], np.broadcast_to(B, (2, 3)) * D)
    np.testing.assert_allclose(got[1], (A * D).sum(axis=0))
    assert got[2] == pytest.approx(D.sum() * 3)
    np.testing.assert_allclose(got[3], (A * B + 0.5).sum(axis=1, keepdims=True))


def test_broadcast_with_unknown_dims():
    x = tf.placeholder(tf.float64, [None, 2], name="x")
    bias = tf.placeholder(tf.float64, [2], name="bias")
    y = tf.reduce_sum(tf.square(x + bias))
    g, = tf.gradients(y, [bias])
    assert g.shape.as_list() == [2]
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    Bv = np.array([0.5, -1.0])
    np.testing.assert_allclose(run(g, {x: X, bias: Bv}), (2 * (X + Bv)).sum(axis=0))


def test_unconnected_inputs_give_none():
    x = tf.placeholder(tf.float64, [], name="x")
    z = tf.placeholder(tf.float64, [], name="z")
    y = x * 2.0
    gx, gz = tf.gradients(y, [x, z])
    assert gz is None and gx is not None
    assert tf.gradients(y, [tf.constant(1.0, dtype=tf.float64)]) == [None]
    assert run(gx, {x: 1.0}) == 2.0


def test_integer_paths_carry_no_gradient():
    x = tf.placeholder(tf.float32, [], name="x")
    y = tf.cast(tf.cast(x, tf.int32), tf.float32) * 2.0
    assert tf.gradients(y, [x]) == [None]


def test_stop_gradient_blocks():
    x = tf.placeholder(tf.float64, [], name="x")
    y = tf.stop_gradient(x * x) + 3.0 * x
    g, = tf.gradients(y, [x])
    assert run(g, {x: 5.0}) == 3.0
    only_stopped = tf.stop_gradient(x) * 2.0
    assert tf.gradients(only_stopped, [x]) == [None]


def test_stop_gradients_argument():
    x = tf.placeholder(tf.float64, [], name="x")
    a = x * 2.0
    y = a * x  # 2x^2; with a held constant: dy/dx = a = 2x
    g, = tf.gradients(y, [x], stop_gradients=[a])
    assert run(g, {x: 3.0}) == 6.0


def test_grad_ys():
    x = tf.placeholder(tf.float64, [3], name="x")
    y = x * x
    g, = tf.gradients(y, [x], grad_ys=tf.constant([1.0, 10.0, 100.0], dtype=tf.float64))
    np.testing.assert_allclose(run(g, {x: [1.0, 2.0, 3.0]}), [2.0, 40.0, 600.0])
    g2, = tf.gradients(y, [x], grad_ys=[0.5, 0.5, 0.5])
    np.testing.assert_allclose(run(g2, {x: [1.0, 2.0, 3.0]}), [1.0, 2.0, 3.0])


def test_several_ys_are_summed():
    x = tf.placeholder(tf.float64, [], name="x")
    g, = tf.gradients([x * 2.0, x * x], [x])
    assert run(g, {x: 3.0}) == 8.0
    g_list, = tf.gradients(x * x, x)  # a single x gives a one-element list
    assert run(g_list, {x: 3.0}) == 6.0


def test_second_derivative_of_a_cube():
    x = tf.placeholder(tf.float64, [None], name="x")
    y = x ** 3
    g1, = tf.gradients(y, [x])
    g2, = tf.gradients(g1, [x])
    xs = np.array([-1.0, 0.5, 2.0, 3.0])
    d1, d2 = run([g1, g2], {x: xs})
    np.testing.assert_allclose(d1, 3 * xs ** 2)
    np.testing.assert_allclose(d2, 6 * xs)
    assert g2.op.name.startswith("gradients_1/")


def test_gradient_with_respect_to_a_variable():
    w = tf.Variable([1.0, -2.0, 3.0], name="w")
    b = tf.Variable(0.5, name="b")
    x = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    y = tf.reduce_sum(tf.square(tf.reduce_sum(x * w, axis=1) + b))
    gw, gb = tf.gradients(y, [w, b])
    assert gw.shape.as_list() == [3] and gw.dtype is tf.float32
    W = np.array([1.0, -2.0, 3.0])
    X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    r = X @ W + 0.5
    got_w, got_b = run([gw, gb])
    np.testing.assert_allclose(got_w, 2 * r @ X, rtol=1e-6)
    assert got_b == pytest.approx(2 * r.sum())
    gv, = tf.gradients(y, w)  # a Variable itself, not in a list
    np.testing.assert_allclose(run(gv), 2 * r @ X, rtol=1e-6)


def test_gradients_match_finite_differences_through_a_small_net():
    rng = np.random.default_rng(0)
    W0 = rng.normal(size=(3, 2))
    X = rng.normal(size=(4, 3))
    w = tf.placeholder(tf.float64, [3, 2], name="w")
    x = tf.constant(X)
    loss = tf.reduce_mean(tf.nn.softmax(tf.tanh(tf.matmul(x, w))) * tf.constant([[1.0, 3.0]],
                                                                                     tf.float64))
    g, = tf.gradients(loss, [w])
    with tf.Session() as sess:
        analytic = sess.run(g, {w: W0})
        numeric = central_differences(lambda v: sess.run(loss, {w: v}), W0)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-9)


def test_gradients_use_the_graph_of_ys():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, [], name="x")
        y = x * x
    grad, = tf.gradients(y, [x])  # called outside g.as_default()
    assert grad.graph is g
    assert tf.get_default_graph().get_operations() == []
    with tf.Session(graph=g) as sess:
        assert sess.run(grad, {x: 4.0}) == 8.0


def test_no_sum_is_added_where_static_shapes_show_no_broadcast():
    x = tf.placeholder(tf.float32, [None, 3])
    b = tf.Variable(tf.zeros([3]))
    other = tf.placeholder(tf.float32, [None, 3])
    gx, gb = tf.gradients(tf.reduce_sum(x + b), [x, b])
    assert gx.op.type != "SumToLike" and gb.op.type == "SumToLike"
    g1, g2 = tf.gradients(tf.reduce_sum(x * other), [x, other])  # a None dim may be 1
    assert g1.op.type == "SumToLike" and g2.op.type == "SumToLike"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run([gx, gb, g1], {x: np.ones((1, 3)), other: np.full((4, 3), 2.0)})
        np.testing.assert_array_equal(got[0], np.ones((1, 3)))
        np.testing.assert_array_equal(got[1], [1.0, 1.0, 1.0])
        np.testing.assert_array_equal(got[2], np.full((1, 3), 8.0))  # x broadcast over 4 rows


@pytest.mark.parametrize("x, other, keeps", [
    ([None, 3], [3], True), ([None, 3], [1, 3], True), ([None, 3], [], True),
    ([None, 3], [None, 3], False), ([2, 3], [2, 3], True), ([1, 3], [2, 3], False),
    ([3], [2, 3], False), ([None, 3], [None], False), (None, [3], False)])
def test_broadcast_keeps(x, other, keeps):
    from flowgraph.shapes import TensorShape, broadcast_keeps
    assert broadcast_keeps(TensorShape(x), TensorShape(other)) is keeps


# --- sums of gradients merged into fewer ops --------------------------------------------
def _types_feeding(t):
    """The op types `t` is computed from (the ops a run of it executes)."""
    seen, stack = set(), [t.op]
    while stack:
        op = stack.pop()
        if op not in seen:
            seen.add(op)
            stack.extend(i.op for i in op.inputs)
    return {op.type for op in seen}


def _check_against_numeric(loss, x, x_value):
    grad, = tf.gradients(loss, [x])
    with tf.Session() as sess:
        got = sess.run(grad, {x: x_value})
        numeric = central_differences(lambda v: sess.run(loss, {x: v}), x_value)
    np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-8)
    return grad


def test_a_weight_used_by_several_products_gets_one_stacked_product():
    rng = np.random.default_rng(5)
    w = tf.placeholder(tf.float64, [3, 4])
    xs = [tf.constant(rng.standard_normal((n, 3))) for n in (2, 5, 1)]  # batches may differ
    loss = sum(tf.reduce_sum(tf.sin(tf.matmul(x, w))) for x in xs)
    grad = _check_against_numeric(loss, w, rng.standard_normal((3, 4)))
    assert grad.op.type == "MatMul" and grad.op.attrs["transpose_a"]
    assert "AddN" not in _types_feeding(grad)


def test_an_input_used_by_several_products_gets_one_side_by_side_product():
    rng = np.random.default_rng(6)
    h = tf.placeholder(tf.float64, [2, 3])
    ws = [tf.constant(rng.standard_normal((3, n))) for n in (4, 1, 2)]
    loss = sum(tf.reduce_sum(tf.tanh(tf.matmul(h, w))) for w in ws)
    grad = _check_against_numeric(loss, h, rng.standard_normal((2, 3)))
    assert grad.op.type == "MatMul" and grad.op.attrs["transpose_b"]


def test_gradients_of_all_split_parts_are_one_concat_and_of_unstack_one_stack():
    rng = np.random.default_rng(7)
    x = tf.placeholder(tf.float64, [2, 6])
    a, b, c = tf.split(x, [1, 3, 2], axis=1)
    loss = tf.reduce_sum(tf.exp(a)) + tf.reduce_sum(b * b) + tf.reduce_sum(tf.sin(c))
    grad = _check_against_numeric(loss, x, rng.standard_normal((2, 6)))
    assert grad.op.type == "ConcatV2"
    assert "StridedSliceGrad" not in _types_feeding(grad)
    y = tf.placeholder(tf.float64, [3, 2])
    rows = tf.unstack(y)
    loss = sum(tf.reduce_sum(r * float(i + 1)) ** 2 for i, r in enumerate(rows))
    assert _check_against_numeric(loss, y, rng.standard_normal((3, 2))).op.type == "Pack"


def test_split_parts_that_leave_a_gap_or_overlap_are_summed_as_they_are():
    rng = np.random.default_rng(8)
    x = tf.placeholder(tf.float64, [5, 2])
    first, _, last = tf.split(x, [2, 1, 2])          # the middle part is unused: a gap
    overlap = x[1:4]                                  # overlaps both others
    loss = tf.reduce_sum(first ** 2) + tf.reduce_sum(tf.exp(last)) + tf.reduce_sum(overlap * 3)
    _check_against_numeric(loss, x, rng.standard_normal((5, 2)))
