"""Session.run: fetch structures, fetched values, feeds, plans, variable state and run order."""
import collections
import pickle

import numpy as np
import pandas as pd
import pytest

import flowgraph as tf
from flowgraph.runtime import FetchedArray

# The executor runs every test here on each backend (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_every_backend")


# --- what can be fetched ----------------------------------------------------------------------
def test_fetch_tensor_op_name_and_variable():
    c = tf.constant([1.0, 2.0], name="c")
    v = tf.Variable([3, 4], name="v")
    init = tf.global_variables_initializer()
    with tf.Session() as sess:
        assert sess.run(init) is None  # ops give None
        got = sess.run(c)
        assert isinstance(got, np.ndarray) and got.dtype == np.float32
        np.testing.assert_array_equal(got, [1.0, 2.0])
        np.testing.assert_array_equal(sess.run("c:0"), [1.0, 2.0])
        assert sess.run("c") is None  # an op name fetches the op
        got_v = sess.run(v)
        assert got_v.dtype == np.int32
        np.testing.assert_array_equal(got_v, [3, 4])
        np.testing.assert_array_equal(sess.run("v:0"), [3, 4])


def test_nested_fetch_structures_come_back_the_same():
    Pair = collections.namedtuple("Pair", "first second")
    a = tf.constant(1.0, name="a")
    b = tf.constant(2, name="b")
    noop = tf.no_op()
    fetches = {"x": [a, (b, a)], "y": Pair(a, [b]), "z": noop, "w": ()}
    with tf.Session() as sess:
        got = sess.run(fetches)
    assert type(got) is dict and set(got) == {"x", "y", "z", "w"}
    assert type(got["x"]) is list and type(got["x"][1]) is tuple
    assert got["x"] == [1.0, (2, 1.0)]
    assert type(got["y"]) is Pair and got["y"].first == 1.0 and got["y"].second == [2]
    assert got["z"] is None
    assert got["w"] == ()


def test_ordered_and_default_dicts_keep_their_type():
    a = tf.constant(1.0)
    od = collections.OrderedDict([("z", a), ("a", [a])])
    dd = collections.defaultdict(list, {"k": a})
    with tf.Session() as sess:
        got_od = sess.run(od)
        got_dd = sess.run(dd)
    assert type(got_od) is collections.OrderedDict and list(got_od) == ["z", "a"]
    assert type(got_dd) is collections.defaultdict and got_dd.default_factory is list
    assert got_dd["k"] == 1.0 and got_dd["missing"] == []


def test_scalars_come_back_as_numpy_scalars():
    with tf.Session() as sess:
        f = sess.run(tf.constant(2.5))
        i = sess.run(tf.constant(7))
        d = sess.run(tf.constant(1.0, dtype=tf.float64))
        b = sess.run(tf.constant(3) > 2)
    assert type(f) is np.float32 and f == 2.5
    assert type(i) is np.int32 and i == 7
    assert type(d) is np.float64
    assert type(b) is np.bool_ and b


# --- one-element fetched arrays ---------------------------------------------------------------
def test_one_element_arrays_are_real_ndarrays_that_format_as_numbers():
    a = tf.constant([0.125], name="a")
    m = tf.constant([[3]], dtype=tf.int64)
    with tf.Session() as sess:
        v = sess.run(a)
        w = sess.run(m)
    assert isinstance(v, np.ndarray)
    assert v.dtype == np.float32 and v.shape == (1,)
    np.testing.assert_array_equal(v, [0.125])
    assert "%f" % v == "0.125000"
    assert "%.4f" % v == "0.1250"
    assert "%d" % v == "0"
    assert float(v) == 0.125 and int(w) == 3
    assert isinstance(w, np.ndarray) and w.shape == (1, 1) and w.dtype == np.int64
    assert "%d" % w == "3"
    assert "W: %f, b: %s" % (v, v) == "W: 0.125000, b: [0.125]"
    assert repr(v) == "array([0.125], dtype=float32)"
    assert str([v]) == "[array([0.125], dtype=float32)]"


def test_arithmetic_on_one_element_arrays_stays_convertible_and_larger_results_plain():
    with tf.Session() as sess:
        v = sess.run(tf.constant([2.0]))
        big = sess.run(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    for r in (v + 1, v * v, np.sqrt(v), -v, v - np.ones(1, np.float32), big[0, :1] * 100):
        assert isinstance(r, np.ndarray) and r.size == 1
        assert "%6.2f %%" % (r * 100) == "%6.2f %%" % (float(r[0]) * 100)
    for r in (big + 1, big * big, v + np.ones(3, np.float32), big[0] * 2):
        assert type(r) is np.ndarray
    assert type(v.sum()) is np.float32 and v.sum() == 2.0
    assert type(np.mean(v)) is np.float32
    assert type(v[0]) is np.float32
    assert type(np.asarray(v)) is np.ndarray
    back = pickle.loads(pickle.dumps(v))
    assert type(back) is np.ndarray and back.dtype == np.float32 and back[0] == 2.0


def test_larger_arrays_are_fetched_arrays_that_refuse_float():
    with tf.Session() as sess:
        v = sess.run(tf.constant([1.0, 2.0]))
    assert isinstance(v, FetchedArray) and isinstance(v, np.ndarray)
    with pytest.raises(TypeError):
        float(v)
    assert float(v[1:]) == 2.0  # a one-element part converts (tests/test_printing.py: more)
    assert type(v + 1) is np.ndarray


# --- fetched values never alias session state or feeds --------------------------------------
def test_fetched_variable_value_is_a_copy():
    v = tf.Variable([1.0, 2.0], name="v")
    one = tf.Variable([5.0], name="one")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(v)
        got[0] = 100.0
        np.testing.assert_array_equal(sess.run(v), [1.0, 2.0])
        g1 = sess.run(one)
        assert isinstance(g1, FetchedArray)
        g1[0] = -1.0
        np.testing.assert_array_equal(sess.run(one), [5.0])


def test_fetched_constant_is_writeable_and_private():
    c = tf.constant([1.0, 2.0])
    with tf.Session() as sess:
        got = sess.run(c)
        assert got.flags.writeable
        got[0] = 9.0
        np.testing.assert_array_equal(sess.run(c), [1.0, 2.0])
        ident = sess.run(tf.identity(c))
        ident[1] = 9.0
        np.testing.assert_array_equal(sess.run(c), [1.0, 2.0])


def test_fetched_values_do_not_alias_fed_arrays():
    p = tf.placeholder(tf.float32, [2])
    arr = np.array([1.0, 2.0], np.float32)
    with tf.Session() as sess:
        out = sess.run(p, {p: arr})
        assert out is not arr
        out[0] = 50.0
        out2 = sess.run(tf.identity(p), {p: arr})
        out2[1] = 60.0
    np.testing.assert_array_equal(arr, [1.0, 2.0])


# --- feeds ------------------------------------------------------------------------------------
def test_feeds_of_every_kind():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    s = tf.reduce_sum(x, axis=0)
    k = tf.placeholder(tf.float32, [], name="k")
    col = tf.placeholder(tf.float64, [None], name="col")
    want = [4.0, 6.0]
    with tf.Session() as sess:
        for value in ([[1, 2], [3, 4]],
                      [[1.0, 2.0], [3.0, 4.0]],
                      np.array([[1, 2], [3, 4]], np.float64),
                      np.array([[1, 2], [3, 4]], np.float32),
                      [np.array([1.0, 2.0]), np.array([3.0, 4.0])],
                      pd.DataFrame({"a": [1.0, 3.0], "b": [2.0, 4.0]})):
            got = sess.run(s, {x: value})
            assert got.dtype == np.float32
            np.testing.assert_array_equal(got, want)
        assert sess.run(k * 2, {k: 3}) == 6.0
        assert sess.run(k * 2, feed_dict={"k:0": 1.5}) == 3.0
        series = pd.Series([1.0, 2.0, 3.5], name="h")
        got = sess.run(col * 2, {col: series})
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, [2.0, 4.0, 7.0])


def test_feeding_an_intermediate_skips_computing_it():
    p = tf.placeholder(tf.float32, [], name="p")
    mid = tf.sqrt(p, name="mid") + 1.0
    out = mid * 2.0
    with tf.Session() as sess:
        assert sess.run(out, {mid: 3.0}) == 6.0  # p is not fed and not needed
        plan, = sess._plans.values()
        assert "mid" not in [op.name for op in plan.ops]
        assert "p" not in [op.name for op in plan.ops]


def test_feeding_a_variable_overrides_its_value_for_one_run():
    v = tf.Variable(1.0, name="v")
    y = v * 10.0
    with tf.Session() as sess:
        assert sess.run(y, {v: 2.0}) == 20.0  # not even initialized
        sess.run(v.initializer)
        assert sess.run(y) == 10.0


# --- sessions and state -----------------------------------------------------------------------
def test_two_sessions_do_not_share_variable_state():
    v = tf.Variable(1.0, name="v")
    inc = tf.assign_add(v, 1.0)
    s1, s2 = tf.Session(), tf.Session()
    s1.run(v.initializer)
    s2.run(v.initializer)
    s1.run(inc)
    s1.run(inc)
    assert s1.run(v) == 3.0
    assert s2.run(v) == 1.0
    s3 = tf.Session()
    with pytest.raises(tf.errors.FailedPreconditionError):
        s3.run(v)
    for s in (s1, s2, s3):
        s.close()


def test_session_on_an_explicit_graph():
    g = tf.Graph()
    with g.as_default():
        c = tf.constant(4.0, name="c")
    sess = tf.Session(graph=g)
    assert sess.graph is g
    assert sess.run(c) == 4.0 and sess.run("c:0") == 4.0
    sess.close()
    assert tf.Session().graph is tf.get_default_graph()


def test_close_and_context_manager():
    c = tf.constant(1.0)
    sess = tf.Session()
    assert sess.run(c) == 1.0
    sess.close()
    sess.close()  # closing twice is fine
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(c)
    with tf.Session() as s2:
        assert tf.get_default_session() is s2
        assert s2.run(c) == 1.0
    assert tf.get_default_session() is None
    with pytest.raises(RuntimeError, match="closed Session"):
        s2.run(c)


def test_eval_and_run_need_a_default_session():
    v = tf.Variable(3.0)
    c = v * 2.0
    with pytest.raises(ValueError, match="No default session"):
        c.eval()
    sess = tf.Session()
    with sess.as_default():
        assert tf.get_default_session() is sess
        assert v.initializer.run() is None
        assert c.eval() == 6.0
        assert v.eval() == 3.0
        p = tf.placeholder(tf.float32, [])
        assert (p + 1.0).eval(feed_dict={p: 1.0}) == 2.0
    assert tf.get_default_session() is None
    assert not sess._closed  # as_default() does not close
    assert c.eval(session=sess) == 6.0
    sess.close()


def test_eval_in_a_session_of_another_graph_is_refused():
    c = tf.constant(1.0)
    with tf.Graph().as_default():
        other = tf.Session()
    with pytest.raises(ValueError, match="graph is different"):
        c.eval(session=other)


def test_interactive_session_installs_itself():
    v = tf.Variable(2.0)
    sess = tf.InteractiveSession()
    try:
        assert tf.get_default_session() is sess
        v.initializer.run()
        assert (v * 3.0).eval() == 6.0
    finally:
        sess.close()
    assert tf.get_default_session() is None


# --- plans ------------------------------------------------------------------------------------
def test_plan_cache_is_keyed_by_fetches_and_fed_set():
    x = tf.placeholder(tf.float32, [None], name="x")
    y = x * 2.0
    z = y + 1.0
    with tf.Session() as sess:
        sess.run(y, {x: [1.0]})
        first = next(iter(sess._plans.values()))
        sess.run(y, {x: [2.0, 3.0]})
        assert len(sess._plans) == 1
        assert next(iter(sess._plans.values())) is first
        sess.run(y, feed_dict={"x:0": [1.0]})  # a name of the same tensor: same plan
        assert len(sess._plans) == 1
        sess.run([y, z], {x: [1.0]})
        assert len(sess._plans) == 2
        sess.run(z, {y: [1.0]})
        assert len(sess._plans) == 3


def test_only_needed_ops_run():
    p = tf.placeholder(tf.float32, [], name="never_fed")
    broken = tf.Variable(0.0, name="never_initialized")
    fails = p + broken
    good = tf.constant(2.0) * 3.0
    both = tf.group(fails, good)  # noqa: F841  (exists in the graph, not fetched)
    with tf.Session() as sess:
        assert sess.run(good) == 6.0
        plan, = sess._plans.values()
        # the constant product may be folded when the plan is compiled; either way, nothing
        # of the unfetched, unrunnable branch is in the plan
        touched = {op.type for op in plan.ops} | {t.op.type for t in plan.folded}
        assert touched == {"Const", "Mul"}


def test_plan_frees_intermediates_after_their_last_reader():
    x = tf.placeholder(tf.float32, [3], name="x")
    a = x + 1.0
    b = a * 2.0
    c = b - a
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(c, {x: [0.0, 1.0, 2.0]}), [1.0, 2.0, 3.0])
        plan, = sess._plans.values()
    freed_at = {}
    for i, step in enumerate(plan.steps):
        for s in step.free:
            assert s not in freed_at, "a buffer is freed twice"
            freed_at[s] = i
    last_read = {}
    for i, step in enumerate(plan.steps):
        for s in step.ins:
            last_read[s] = i
    kept = set(plan.fetch_slots)
    for s, i in last_read.items():
        if s not in kept:
            assert freed_at[s] == i
    assert not kept & set(freed_at)


# --- variables and run order ------------------------------------------------------------------
def test_assign_ops_see_the_values_they_depend_on():
    v = tf.Variable(2.0, name="v")
    w = tf.Variable(5.0, name="w")
    step = tf.assign(v, v * 3.0 + w)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(step) == 11.0
        assert sess.run(step) == 38.0
        assert sess.run(v) == 38.0
        assert sess.run(v.assign_sub(8.0)) == 30.0
        assert sess.run(v.assign_add(w)) == 35.0


def test_fetched_variables_are_values_before_the_update_every_time():
    xs = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    ys = np.array([3.0, 5.0, 7.0, 9.0], np.float32)
    x = tf.placeholder(tf.float32, [None])
    y = tf.placeholder(tf.float32, [None])
    a = tf.Variable(0.5, name="a")
    b = tf.Variable(-1.0, name="b")
    loss = tf.reduce_mean(tf.square(a * x + b - y))
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    na, nb = np.float32(0.5), np.float32(-1.0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(200):
            ga, gb, gl, t = sess.run([a, b, loss, train], {x: xs, y: ys})
            assert t is None
            assert ga == na and gb == nb
            err = na * xs + nb - ys
            assert gl == pytest.approx(np.mean(err ** 2), rel=1e-5)
            na = np.float32(na - np.float32(0.01) * np.mean(2 * err * xs))
            nb = np.float32(nb - np.float32(0.01) * np.mean(2 * err))
            assert sess.run(a) == pytest.approx(na, rel=1e-5)
            na, nb = sess.run(a), sess.run(b)
        # the other order of fetches reads the same way
        va, _, vb = sess.run([a, train, b], {x: xs, y: ys})
        assert (va, vb) == (na, nb)


def test_fetch_with_an_update_of_the_same_variable():
    v = tf.Variable(1.0, name="v")
    inc = tf.assign_add(v, 1.0)
    with tf.Session() as sess:
        sess.run(v.initializer)
        for i in range(20):
            got_v, got_inc = sess.run([v, inc])
            assert (got_v, got_inc) == (1.0 + i, 2.0 + i)
        got = sess.run({"inc": inc, "v": v, "twice": v * 2.0})
        assert got == {"inc": 22.0, "v": 21.0, "twice": 42.0}


def test_read_after_assign_through_control_dependencies():
    v = tf.Variable(0.0, name="v")
    asg = tf.assign(v, 5.0)
    with tf.control_dependencies([asg]):
        read = tf.identity(v)
        plus = v + 1.0
    plain = v * 1.0  # no dependency on the assign: reads the value before it
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(read) == 5.0
        sess.run(v.initializer)
        assert sess.run([read, plus]) == [5.0, 6.0]
        for _ in range(5):
            sess.run(v.initializer)
            assert sess.run([plain, read, plus]) == [0.0, 5.0, 6.0]
            sess.run(v.initializer)
            assert sess.run([read, plain]) == [5.0, 0.0]


def test_assign_initializes_an_uninitialized_variable():
    u = tf.Variable(3.0, name="u")
    asg = tf.assign(u, 7.0)
    with tf.control_dependencies([asg]):
        after = tf.identity(u) * 2.0
    with tf.Session() as sess:
        assert sess.run(after) == 14.0  # the read runs after the assign, in one run
    with tf.Session() as sess:
        assert sess.run(asg) == 7.0
        assert sess.run(u) == 7.0


def test_variable_load_and_initializer_reset():
    v = tf.Variable([1.0, 2.0])
    with tf.Session() as sess:
        sess.run(v.initializer)
        v.load([5.0, 6.0], sess)
        np.testing.assert_array_equal(sess.run(v), [5.0, 6.0])
        sess.run(v.initializer)
        np.testing.assert_array_equal(sess.run(v), [1.0, 2.0])
