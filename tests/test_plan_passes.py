"""Each plan optimization leaves results unchanged: folding, generated code, the cache of
prepared runs."""
import warnings

import numpy as np
import pytest

import flowgraph as tf
from flowgraph import executor, plan as plan_mod

# The executor runs every test here on each backend (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_every_backend")


def _values(fetches, feeds=None, fold=True, monkeypatch=None):
    if not fold:
        monkeypatch.setattr(plan_mod, "fold_constants", lambda order, fed, runtime: {})
    with tf.Session() as sess:
        return sess.run(fetches, feeds)


def test_folding_gives_the_values_an_unfolded_plan_gives(monkeypatch):
    x = tf.placeholder(tf.float64, [None, 3])
    c = tf.constant([[1.0, 2.0, 3.0]], dtype=tf.float64)
    k = tf.exp(c) * 2.0 - tf.reduce_sum(c)             # constants only: folded
    y = x * k + tf.ones_like(c) + tf.cast(tf.shape(c)[1], tf.float64)
    feeds = {x: np.arange(6.0).reshape(2, 3)}
    folded = _values([y, k], feeds)
    unfolded = _values([y, k], feeds, fold=False, monkeypatch=monkeypatch)
    for a, b in zip(folded, unfolded):
        np.testing.assert_array_equal(a, b)


def test_constant_subgraphs_are_computed_once_at_compile_time():
    c = tf.constant([1.0, 2.0])
    k = tf.square(c) + 1.0
    x = tf.placeholder(tf.float32, [2])
    y = x * k
    with tf.Session() as sess:
        sess.run(y, {x: [1.0, 1.0]})
        plan, = sess._plans.values()
        assert k in plan.folded
        assert {op.type for op in plan.ops} == {"Mul"}
        np.testing.assert_array_equal(sess.run(y, {x: [2.0, 3.0]}), [4.0, 15.0])


def test_shape_only_ops_fold_for_fully_known_shapes():
    x = tf.placeholder(tf.float32, [4, 2])
    ones = tf.ones_like(x)
    open_shape = tf.ones_like(tf.placeholder(tf.float32, [None, 2]))
    with tf.Session() as sess:
        sess.run(ones, {x: np.zeros((4, 2))})
        plan, = sess._plans.values()
        assert ones in plan.folded and not plan.ops   # the feed is not even read
        p = open_shape.op.inputs[0]
        np.testing.assert_array_equal(sess.run(open_shape, {p: np.zeros((3, 2))}), np.ones((3, 2)))


def test_stateful_ops_are_never_folded():
    r = tf.random_uniform([3], seed=1) * 2.0
    with tf.Session() as sess:
        first, second = sess.run(r), sess.run(r)
        assert not np.array_equal(first, second)       # a new draw each run
        plan, = sess._plans.values()
        assert not plan.folded or r not in plan.folded


def test_a_failing_constant_kernel_fails_at_run_time_naming_the_op():
    bad = tf.reshape(tf.constant([1.0, 2.0, 3.0]), tf.identity(tf.constant([2, 2])))  # marker-bad
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(bad)
        assert "Reshape" in str(info.value) and "test_plan_passes.py" in str(info.value)


def test_large_constant_results_are_not_held_by_the_plan(monkeypatch):
    monkeypatch.setattr(plan_mod, "FOLD_LIMIT", 10)
    big = tf.zeros([100]) + 1.0
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(big), np.ones(100, np.float32))
        plan, = sess._plans.values()
        assert big not in plan.folded


def test_folded_fetches_are_private_copies():
    k = tf.constant([1.0, 2.0]) * 2.0
    with tf.Session() as sess:
        first = sess.run(k)
        first[0] = 100.0
        np.testing.assert_array_equal(sess.run(k), [2.0, 4.0])


def test_generated_code_frees_each_buffer_after_its_last_reader(monkeypatch):
    monkeypatch.setenv(executor.ENV_EXECUTOR, "generated")
    x = tf.placeholder(tf.float32, [3])
    a = x + 1.0
    b = a * 2.0
    c = b - 1.0
    with tf.Session() as sess:
        sess.run(c, {x: [1.0, 2.0, 3.0]})
        program, = sess._programs.values()
        lines = [ln.strip() for ln in program.source.splitlines()]
        # a's buffer is deleted right after b is computed from it, before c is computed
        i_b = next(i for i, ln in enumerate(lines) if ln.startswith("s") and "= k1(" in ln)
        assert lines[i_b + 1].startswith("del ")
        assert lines[-1].startswith("return [")


def test_a_failing_kernel_in_generated_code_names_its_op_and_line():
    x = tf.placeholder(tf.float32, [None])
    y = tf.placeholder(tf.float32, [None])
    z = (x + 1.0) * y  # the Mul that fails
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(z, {x: [1.0, 2.0], y: [1.0, 2.0, 3.0]})
        msg = str(info.value)
        assert "Mul op 'mul'" in msg or "Mul op 'Mul'" in msg
        assert "[2], [3]" in msg and "test_plan_passes.py" in msg
        np.testing.assert_array_equal(sess.run(z, {x: [1.0], y: [3.0]}), [6.0])


def test_prepared_runs_keep_the_fetch_structure_and_feed_order():
    a = tf.placeholder(tf.float32, [])
    b = tf.placeholder(tf.float32, [])
    s, d = a + b, a - b
    with tf.Session() as sess:
        assert sess.run([s, d], {a: 5.0, b: 2.0}) == [7.0, 3.0]
        assert sess.run((s, d), {b: 2.0, a: 5.0}) == (7.0, 3.0)
        assert isinstance(sess.run((s, d), {a: 1.0, b: 1.0}), tuple)
        assert sess.run({"s": s, "nested": [d, [s]]}, {a: 1.0, b: 2.0}) == \
            {"s": 3.0, "nested": [-1.0, [3.0]]}
        assert len(sess._plans) == 1  # one plan serves all four runs


def test_make_callable_matches_run():
    x = tf.placeholder(tf.float32, [None])
    w = tf.Variable([2.0])
    y = x * w
    step = tf.assign_add(w, [1.0])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        f = sess.make_callable([y, step], [x])
        got = f(np.array([1.0, 2.0], np.float32))
        np.testing.assert_array_equal(got[0], [2.0, 4.0])
        np.testing.assert_array_equal(sess.run(w), [3.0])
        sess.close()
        with pytest.raises(RuntimeError, match="closed Session"):
            f(np.array([1.0], np.float32))


def test_graph_growth_between_runs_warns_once_with_the_users_line():
    x = tf.constant(1.0)
    with tf.Session() as sess:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(25):
                sess.run(x + 1.0)  # a new op each step: the classic TF1 mistake
        growth = [w for w in caught if "grown between" in str(w.message)]
        assert len(growth) == 1
        assert "test_plan_passes.py" in str(growth[0].message)
        assert growth[0].filename == __file__


def test_a_stable_graph_does_not_warn():
    y = tf.constant(1.0) + 1.0
    with tf.Session() as sess:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for _ in range(30):
                sess.run(y)


def test_finalized_graph_refuses_new_ops():
    g = tf.Graph()
    with g.as_default():
        c = tf.constant(1.0)
        g.finalize()
        with pytest.raises(RuntimeError, match="finalized"):
            c + 1.0
