"""Faults found by adversarial testing (issue 10): each test failed on the code before its fix.

Checkpoints are in test_saver_reliability.py, `flowgraph run` and summaries in
test_script_reliability.py; this file holds the session, kernel and graph-building ones.
"""
import collections
import os
import sys
import threading
import tracemalloc
import warnings

import numpy as np
import pytest

import flowgraph as tf
from flowgraph import registry


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


# --- 1. read_value() is a new op, so it takes the control dependencies around it ---------
def test_read_value_inside_control_dependencies_waits_for_the_update():
    v = tf.Variable(0.0)
    inc = tf.assign_add(v, 1.0)
    with tf.control_dependencies([inc]):
        after = v.read_value()
    assert after.op.type == "Identity" and after.op.name == "read"
    assert [op.name for op in after.op.control_inputs] == [inc.op.name]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(after) == 1.0
        assert sess.run(after) == 2.0
        assert sess.run(v) == 2.0


def test_read_value_makes_a_new_op_each_call_and_value_does_not():
    v = tf.Variable([1.0, 2.0])
    assert v.read_value() is not v.read_value()
    assert v.value() is v.value()
    with tf.Session() as sess:
        sess.run(v.initializer)
        np.testing.assert_array_equal(sess.run(v.read_value()), [1.0, 2.0])


# --- 2. integer division by zero is an error, as in TF1 ----------------------------------
@pytest.mark.parametrize("make,want", [
    (lambda a, b: a // b, [3, 2]), (lambda a, b: a % b, [1, 1]),
    (lambda a, b: tf.div(a, b), [3, 2]), (lambda a, b: tf.floordiv(a, b), [3, 2]),
    (lambda a, b: tf.mod(a, b), [1, 1]), (lambda a, b: tf.floormod(a, b), [1, 1])],
    ids=["//", "%", "div", "floordiv", "mod", "floormod"])
@pytest.mark.parametrize("dtype", [tf.int32, tf.int64, tf.uint8], ids=["int32", "int64", "uint8"])
def test_integer_division_by_zero_names_the_op_and_line(make, want, dtype):
    a = tf.constant([7, 9], dtype=dtype)
    b = tf.placeholder(dtype, [None])
    out = make(a, b)  # the line the error names
    line = out.op.location
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero") as e:
            sess.run(out, {b: [2, 0]})
        assert out.op.name in str(e.value) and line in str(e.value)
        assert e.value.op is out.op
        np.testing.assert_array_equal(sess.run(out, {b: [2, 4]}), want)


def test_integer_division_by_a_zero_constant_fails_at_run_time_not_folding():
    out = tf.constant([3, 4]) // tf.constant([1, 0])
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"):
            sess.run(out)


def test_float_division_by_zero_stays_inf_without_error():
    x = tf.constant([3.0, -3.0, 0.0])
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(x // 0.0), [np.inf, -np.inf, np.nan])


def test_negative_integer_floor_division_and_modulo_follow_python():
    a, b = tf.constant([7, -7, 7, -7]), tf.constant([2, 2, -2, -2])
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(a // b), [3, -4, -4, 3])
        np.testing.assert_array_equal(sess.run(a % b), [1, 1, -1, -1])


# --- 3. concurrent runs never lose an update ---------------------------------------------
@pytest.fixture
def eager_switching():
    """Threads switch every 10 microseconds, not 5 ms: races show up in short tests."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(old)


def _in_threads(n, target):
    errors = []

    def work():
        try:
            target()
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
    threads = [threading.Thread(target=work) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_assign_add_from_eight_threads_loses_no_update(eager_switching):
    v = tf.Variable(tf.zeros([1000]))
    inc = tf.assign_add(v, tf.ones([1000]))
    with tf.Session() as sess:
        sess.run(v.initializer)

        def work():
            for _ in range(300):
                sess.run(inc)
        _in_threads(8, work)
        np.testing.assert_array_equal(sess.run(v), np.full(1000, 2400.0))


def test_scalar_assign_sub_and_assign_add_from_threads_balance(eager_switching):
    v = tf.Variable(0, dtype=tf.int64)
    up, down = tf.assign_add(v, 3), tf.assign_sub(v, 3)
    with tf.Session() as sess:
        sess.run(v.initializer)

        def work():
            for _ in range(400):
                sess.run([up, down])
        _in_threads(6, work)
        assert sess.run(v) == 0


@pytest.mark.parametrize("optimizer", [
    lambda: tf.train.GradientDescentOptimizer(0.5),
    lambda: tf.train.MomentumOptimizer(0.5, 0.0),
    lambda: tf.train.AdagradOptimizer(0.5)], ids=["sgd", "momentum", "adagrad"])
def test_training_from_four_threads_applies_every_step(optimizer, eager_switching):
    w = tf.Variable(tf.zeros([64]))
    step = tf.train.get_or_create_global_step()
    # A constant gradient of -1 per entry: plain SGD adds lr each step, momentum 0 likewise
    train = optimizer().minimize(-tf.reduce_sum(w), global_step=step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())

        def work():
            for _ in range(150):
                sess.run(train)
        _in_threads(4, work)
        assert sess.run(step) == 600
        if not isinstance(optimizer(), tf.train.AdagradOptimizer):
            np.testing.assert_allclose(sess.run(w), np.full(64, 300.0), rtol=1e-5)
        else:  # accumulator 0.1 + n after n steps: the sum of 0.5/sqrt(0.1 + k), k = 1..600
            want = sum(0.5 / np.sqrt(0.1 + k) for k in range(1, 601))
            np.testing.assert_allclose(sess.run(w), np.full(64, want), rtol=1e-4)


def test_updates_of_overlapping_variables_in_opposite_orders_do_not_deadlock(eager_switching):
    a, b = tf.Variable(0.0, name="a"), tf.Variable(0.0, name="b")
    opt = tf.train.AdamOptimizer(0.01)
    first = opt.minimize(-(a + b), var_list=[a, b])
    second = tf.group(tf.assign_add(b, 1.0), tf.assign_add(a, 1.0))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())

        def work():
            for _ in range(200):
                sess.run([first, second])
        t = threading.Thread(target=lambda: _in_threads(4, work), daemon=True)
        t.start()
        t.join(timeout=120)
        assert not t.is_alive(), "threads deadlocked"
        assert sess.run(a) > 800 and sess.run(b) > 800


# --- 6. the prepared-run cache tells structures apart by their types ---------------------
def test_equal_structures_of_different_types_keep_their_types():
    A = collections.namedtuple("A", "x y")
    B = collections.namedtuple("B", "x y")
    a, b = tf.constant(1.0), tf.constant(2.0)
    with tf.Session() as sess:
        assert type(sess.run(A(a, b))) is A
        assert type(sess.run(B(a, b))) is B
        assert type(sess.run((a, b))) is tuple
        assert type(sess.run([a, b])) is list
        assert type(sess.run([(a, b)])[0]) is tuple
        assert type(sess.run([A(a, b)])[0]) is A
        assert type(sess.run([[a, b]])[0]) is list
        assert sess.run([B(a, b)])[0].y == 2.0


# --- 7. integer reductions stay exact ----------------------------------------------------
def test_int64_mean_is_exact_beyond_float_precision():
    x = tf.constant([2**60 + 1, 2**60 + 3], dtype=tf.int64)
    with tf.Session() as sess:
        assert sess.run(tf.reduce_mean(x)) == 2**60 + 2
        assert sess.run(tf.reduce_sum(x)) == 2**61 + 4


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8, np.uint16])
def test_integer_mean_truncates_toward_zero_like_tf(dtype):
    values = np.array([[-7, 2, 0], [5, 4, 2], [250, 3, 1]]) if np.dtype(dtype).kind == "u" \
        else np.array([[-7, 2, 0], [5, 4, 2], [-1, -1, 1]])
    values = values.astype(dtype)
    x = tf.constant(values)
    wide = values.astype(np.int64)
    with tf.Session() as sess:
        for axis in (None, 0, 1):
            got = sess.run(tf.reduce_mean(x, axis=axis))
            total, count = wide.sum(axis=axis), wide.size if axis is None else wide.shape[axis]
            want = (np.trunc(total / count)).astype(dtype)  # exact here: small values
            assert got.dtype == dtype
            np.testing.assert_array_equal(got, want)


def test_float_mean_unchanged_and_keepdims():
    values = np.random.RandomState(0).randn(4, 5).astype(np.float32)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(tf.reduce_mean(values, 1, keepdims=True)),
                                   values.mean(1, keepdims=True), rtol=1e-6)
        h = sess.run(tf.reduce_mean(tf.constant(values.astype(np.float16))))
        assert h.dtype == np.float16 and abs(h - values.mean()) < 1e-2


# --- 10. large fills stay unmaterialised until they run ----------------------------------
def test_large_zeros_and_ones_are_fill_ops_and_small_ones_constants():
    assert tf.zeros([200000, 200000]).op.type == "Fill"
    assert tf.ones([1000]).op.type == "Fill"
    assert tf.zeros([999]).op.type == "Const"
    assert tf.zeros([200000, 200000]).shape.as_list() == [200000, 200000]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.ones([2, 600], tf.int32)), np.ones((2, 600)))


def test_variable_initialised_from_a_large_fill_is_held_once():
    tracemalloc.start()  # NumPy reports its array buffers to tracemalloc
    try:
        v = tf.Variable(tf.zeros([4000, 10000]))  # 160 MB
        tf.train.AdamOptimizer().minimize(tf.reduce_sum(v))  # two slots of 160 MB
        assert tracemalloc.get_traced_memory()[1] < 10e6  # building the graph holds no fill
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # three 160 MB arrays; a second copy of any of them on the way would pass 640 MB
    assert 470e6 < held and peak < 500e6, (held / 1e6, peak / 1e6)


def test_assign_keeps_fresh_arrays_and_copies_fed_ones():
    fed = tf.placeholder(tf.float32, [3])
    v = tf.Variable(tf.zeros([3]))
    load = tf.assign(v, fed)
    assert registry.get("Fill").fresh_output and registry.get("Add").fresh_output
    assert not registry.get("Placeholder").fresh_output
    with tf.Session() as sess:
        data = np.array([1.0, 2.0, 3.0], np.float32)
        sess.run(load, {fed: data})
        data[0] = 99.0  # the caller's array changes afterwards: the variable must not
        np.testing.assert_array_equal(sess.run(v), [1.0, 2.0, 3.0])


# --- 11. out of memory is ResourceExhaustedError -----------------------------------------
def test_out_of_memory_in_a_kernel_is_resource_exhausted_naming_the_op():
    dims = tf.placeholder(tf.int64, [2])
    huge = tf.fill(dims, 1.0)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.ResourceExhaustedError, match="OOM when computing Fill") as e:
            sess.run(huge, {dims: [2**22, 2**22]})  # 64 TiB
        assert huge.op.location in str(e.value)
        assert sess.run(huge, {dims: [1, 2]}).tolist() == [[1.0, 1.0]]  # the session lives on


# --- 16. sustained graph growth warns however runs interleave ----------------------------
def _growth_warnings(loop):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loop()
    return [w for w in caught if "grown between runs" in str(w.message)]


def test_growth_every_other_run_warns_once_naming_the_line():
    x, y = tf.constant(1.0), tf.constant(2.0)
    with tf.Session() as sess:
        def loop():
            for i in range(200):
                if i % 2:
                    sess.run(x + 1.0)  # a new op every other step
                else:
                    sess.run(y)
        found = _growth_warnings(loop)
    assert len(found) == 1
    assert "test_reliability.py" in str(found[0].message)
    assert found[0].filename == __file__


def test_growth_every_hundredth_run_warns():
    y = tf.constant(2.0)
    with tf.Session() as sess:
        def loop():
            for i in range(1100):
                sess.run(y)
                if i % 100 == 0:
                    sess.run(tf.reduce_sum(y))  # a print step that builds an op
        assert len(_growth_warnings(loop)) == 1


def test_building_in_a_few_stages_from_different_lines_does_not_warn():
    x = tf.constant(1.0)
    with tf.Session() as sess:
        def loop():
            sess.run(x)
            a = x + 1.0
            sess.run(a)
            b = a * 2.0
            sess.run(b)
            c = tf.square(b)
            for _ in range(50):
                sess.run(c)
        assert _growth_warnings(loop) == []


# --- 17. out-of-range integers name the tensor and the range -----------------------------
@pytest.mark.parametrize("value", [2**70, [1, 2**70], -2**70, np.array([2**70], dtype=object)],
                         ids=["scalar", "list", "negative", "object-array"])
def test_feeding_an_integer_beyond_int64_names_the_placeholder_and_range(value):
    p = tf.placeholder(tf.int64, [None], name="counts")
    with tf.Session() as sess:
        with pytest.raises(ValueError, match=r"counts:0.*out of the range of int64, "
                                             r"\[-9223372036854775808, 9223372036854775807\]"):
            sess.run(p, {p: value if not np.isscalar(value) else [value]})
        assert sess.run(p, {p: [2**63 - 1]}).tolist() == [2**63 - 1]


def test_constant_beyond_int64_says_so_not_ragged():
    for value in (2**70, [2**70], 2**63):
        with pytest.raises(TypeError, match="out of the range of int64") as e:
            tf.constant(value)
        assert "ragged" not in str(e.value)
    with pytest.raises(TypeError, match="out of the range of int64"):
        tf.constant(2**70, tf.int64)
    with pytest.raises(ValueError, match="ragged"):
        tf.constant([[1], [1, 2]])
    assert tf.constant(2**40).dtype == tf.int64


# --- 18. kernels do not leak NumPy warnings; empty reductions give TF's identities -------
def test_reductions_of_empty_tensors_are_silent_and_give_tf_identities():
    p = tf.placeholder(tf.float32, [None, 3])
    q = tf.placeholder(tf.int32, [None])
    fetches = [tf.reduce_mean(p), tf.reduce_mean(p, 0), tf.reduce_max(p), tf.reduce_min(p, 0),
               tf.reduce_max(p, 1, keepdims=True), tf.reduce_max(q), tf.reduce_min(q),
               tf.reduce_mean(q), tf.reduce_sum(p), tf.reduce_prod(q)]
    with tf.Session() as sess:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = sess.run(fetches, {p: np.zeros((0, 3)), q: []})
    assert np.isnan(got[0]) and np.isnan(got[1]).all() and got[1].shape == (3,)
    assert got[2] == -np.inf and (got[3] == np.inf).all()
    assert got[4].shape == (0, 1)
    assert got[5] == np.iinfo(np.int32).min and got[6] == np.iinfo(np.int32).max
    assert got[7] == 0 and got[8] == 0.0 and got[9] == 1


def test_downloads_honour_the_umask(tmp_path):
    from flowgraph.datasets import download

    class Reply:
        headers = {"Content-Length": "3"}

        def __init__(self):
            self.data = [b"abc", b""]

        def read(self, n):
            return self.data.pop(0)
    old = os.umask(0o022)
    try:
        download._save(Reply(), str(tmp_path / "file.gz"), None)
    finally:
        os.umask(old)
    assert (tmp_path / "file.gz").read_bytes() == b"abc"
    assert (tmp_path / "file.gz").stat().st_mode & 0o777 == 0o644


def test_layers_dropout_off_is_a_new_op_that_takes_control_dependencies():
    v = tf.Variable(1.0)
    inc = tf.assign_add(v, 1.0)
    with tf.control_dependencies([inc]):
        out = tf.layers.dropout(v.read_value(), rate=0.5, training=False)
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(out) == 2.0
    with tf.control_dependencies([inc]):
        plain = tf.layers.dropout(tf.constant(3.0), training=False)
    assert plain.op.type == "Identity" and plain.op.control_inputs


def test_feeding_a_list_with_a_huge_python_int_to_float32_is_refused_not_inf():
    p = tf.placeholder(tf.float32, [None], name="scores")
    with tf.Session() as sess:
        with pytest.raises(ValueError, match=r"scores:0.*cannot be held exactly in float32"):
            sess.run(p, {p: [1.0, 2**200]})
        np.testing.assert_array_equal(sess.run(p, {p: [1, 2**70]}), np.float32([1, 2**70]))
