"""Per-op checks generated from the table in op_cases.py, plus dtype and stability rules.

For each case: the forward value against NumPy (also with float32 inputs); a finite-difference
check in float64 of the gradient on a random projection of the output, and of the gradient's
own gradient; the same gradient values when the inputs' shapes are unknown at build time; None
gradients through ops registered NOT_DIFFERENTIABLE; the static shape and dtype against the
runtime ones with known dims (equal), unknown dims and unknown rank (compatible). Shapes that
can never work must fail at build time, and every registered op type must have cases.
Then the dtype rules of mixed operands, reductions' axis forms, seeded random draws, and
softmax, sigmoid and the cross-entropies on huge logits.

Run: .venv/bin/python -m pytest -q tests/test_ops.py
"""
from __future__ import annotations

import numpy as np
import pytest

import flowgraph as tf
from flowgraph import registry

from finite_diff import central_differences
from op_cases import CASES, COMPOSITES, EXEMPT, Case

ALL = [c for cs in CASES.values() for c in cs]
EVERY = ALL + [c for cs in COMPOSITES.values() for c in cs]


def _differentiable(c: Case) -> bool:
    if c.op in COMPOSITES:
        return True
    return registry.get(c.op).grad is not registry.NOT_DIFFERENTIABLE


def _params(cases):
    return [pytest.param(c, id=c.id) for c in cases]


def _array(value, out):
    """A fetched value as an array; string (summary) values are bytes, held as objects."""
    if out.dtype.np_dtype == object:
        assert isinstance(value, bytes), type(value)
        return np.asarray(value, dtype=object)
    return np.asarray(value)


def _check_value(c: Case, value, inputs=None, rtol=1e-6, atol=1e-12):
    """`value` against the case's check (on `inputs`) and its reference (always computed
    in float64 from the case's own inputs)."""
    inputs = c.inputs if inputs is None else inputs
    if c.check is not None:
        c.check(value, *inputs)
    if c.ref is not None:
        want = np.asarray(c.ref(*c.inputs))
        arr = np.asarray(value)
        assert arr.shape == want.shape, (arr.shape, want.shape)
        kinds = {arr.dtype.kind, want.dtype.kind}
        assert len(kinds) == 1 or kinds <= set("iu"), (arr.dtype, want.dtype)
        np.testing.assert_allclose(arr, want, rtol=rtol, atol=atol)


def _placeholder_shape(a, mode):
    if mode == "known":
        return a.shape
    if mode == "none_dims":
        return [None] * a.ndim
    return None  # unknown rank


class Built:
    """One case built in a fresh graph, with a session on it."""

    def __init__(self, c: Case, mode="known", device=None):
        self.case = c
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.phs = [tf.placeholder(tf.as_dtype(a.dtype), _placeholder_shape(a, mode),
                                       name=f"in{i}") for i, a in enumerate(c.inputs)]
            first = len(self.graph.get_operations())
            self.out = c.build(*self.phs)
            self.new_ops = self.graph.get_operations()[first:]
            self.init = tf.global_variables_initializer() if c.init else None
        self.sess = tf.Session(graph=self.graph, device=device)

    def feeds(self, values=None):
        return dict(zip(self.phs, self.case.inputs if values is None else values))

    def run(self, fetches, values=None):
        feeds = self.feeds(values)
        if self.init is not None:
            self.sess.run(self.init, feeds)
        return self.sess.run(fetches, feeds)

    def close(self):
        self.sess.close()


@pytest.fixture
def built():
    made = []

    def make(c, mode="known", device=None):
        b = Built(c, mode, device)
        made.append(b)
        return b
    yield make
    for b in made:
        b.close()


# --- a. forward values ----------------------------------------------------------------------
@pytest.mark.parametrize("c", _params(EVERY))
def test_forward(c, built, backend):
    b = built(c, device=backend)
    if c.op in CASES:
        types = {op.type for op in b.new_ops} | {b.out.op.type}
        assert c.op in types, f"the builder of {c.id} made {sorted(types)}, not {c.op}"
    value = b.run(b.out)
    arr = _array(value, b.out)
    assert arr.dtype == b.out.dtype.np_dtype, (arr.dtype, b.out.dtype)
    _check_value(c, value)


# --- b. gradients ---------------------------------------------------------------------------
def _wrt(c: Case):
    if c.wrt is not None:
        return list(c.wrt)
    return [i for i, a in enumerate(c.inputs) if a.dtype.kind == "f"]


def _numeric_grad(f, values, i, eps):
    """Central differences of the scalar f(values) along every entry of values[i]."""
    return central_differences(lambda v: f(values[:i] + [v] + values[i + 1:]), values[i], eps)


def _check_grads(b: Built, scalar, wrt, label):
    """tf.gradients(scalar, inputs[wrt]) against central differences (None counts as zero)."""
    c = b.case
    with b.graph.as_default():
        grads = tf.gradients(scalar, [b.phs[i] for i in wrt])
    fetch = [g for g in grads if g is not None]
    got = iter(b.run(fetch) if fetch else [])
    values = list(c.inputs)
    f = lambda vals: float(b.run(scalar, vals))  # noqa: E731
    for i, g in zip(wrt, grads):
        sym = np.zeros(c.inputs[i].shape) if g is None else np.asarray(next(got))
        assert sym.shape == c.inputs[i].shape, (label, i, sym.shape, c.inputs[i].shape)
        num = _numeric_grad(f, values, i, c.eps)
        np.testing.assert_allclose(sym, num, rtol=c.rtol, atol=c.atol,
                                   err_msg=f"{label} gradient of {c.id} wrt input {i}")


def _projection(b: Built, seed):
    """sum(out * R) for a fixed random R of the output's runtime shape."""
    shape = np.shape(b.run(b.out))
    r = np.random.default_rng(seed).standard_normal(shape)
    with b.graph.as_default():
        return tf.reduce_sum(b.out * tf.constant(r, dtype=b.out.dtype))


GRAD_CASES = [c for c in EVERY if _differentiable(c) and c.grad and _wrt(c)]


@pytest.mark.parametrize("c", _params(GRAD_CASES))
def test_gradient(c, built, backend):
    b = built(c, device=backend)
    if not b.out.dtype.is_floating:  # piecewise constant: no gradient at all
        with b.graph.as_default():
            grads = tf.gradients(tf.cast(b.out, tf.float64), [b.phs[i] for i in _wrt(c)])
        assert grads == [None] * len(grads), c.id
        return
    _check_grads(b, _projection(b, 0), _wrt(c), "first-order")


@pytest.mark.parametrize("c", _params([c for c in GRAD_CASES if c.second]))
def test_second_order_gradient(c, built, backend):
    """The gradient rules are graph ops: their own gradients must be right too."""
    b = built(c, device=backend)
    if not b.out.dtype.is_floating:
        pytest.skip("integer or bool output")
    wrt = _wrt(c)
    with b.graph.as_default():
        grads = tf.gradients(_projection(b, 0), [b.phs[i] for i in wrt])
        rng = np.random.default_rng(1)
        parts = [tf.reduce_sum(g * tf.constant(rng.standard_normal(c.inputs[i].shape)))
                 for i, g in zip(wrt, grads) if g is not None]
        if not parts:
            pytest.skip("the gradient is None everywhere")
        scalar = tf.add_n(parts)
    _check_grads(b, scalar, wrt, "second-order")


NONDIFF = [c for c in ALL if not _differentiable(c)]


@pytest.mark.parametrize("c", _params(NONDIFF))
def test_not_differentiable_gives_none(c, built):
    b = built(c)
    ops = [op for op in b.new_ops if op.type == c.op] or [b.out.op]
    with b.graph.as_default():
        for op in ops:
            if not op.outputs:
                continue
            y = op.outputs[0]
            if y.dtype.is_integer or y.dtype.is_bool:
                y = tf.cast(y, tf.float64)
            xs = [t for t in op.inputs if t.dtype.is_floating]
            if xs:
                assert tf.gradients(y, xs) == [None] * len(xs), c.id


# --- c. static shape rules ------------------------------------------------------------------
@pytest.mark.parametrize("c", _params(EVERY))
def test_static_shape_known(c, built):
    b = built(c)
    value = _array(b.run(b.out), b.out)
    static = b.out.shape
    if c.exact_static:
        assert static.dims is not None and static.as_list() == list(value.shape), \
            f"{c.id}: static {static} but runtime {value.shape}"
    else:
        assert static.is_compatible_with(value.shape), (static, value.shape)
    assert b.out.dtype.np_dtype == value.dtype


@pytest.mark.parametrize("mode", ["none_dims", "unknown_rank"])
@pytest.mark.parametrize("c", _params(EVERY))
def test_static_shape_unknown(c, mode, built):
    if mode == "unknown_rank" and not c.unknown_rank:
        pytest.skip("the builder needs a known rank")
    if not c.inputs:
        pytest.skip("no inputs")
    b = built(c, mode)
    fetched = b.run(b.out)
    value = _array(fetched, b.out)
    assert b.out.shape.is_compatible_with(value.shape), \
        f"{c.id} ({mode}): static {b.out.shape} but runtime {value.shape}"
    assert b.out.dtype.np_dtype == value.dtype
    _check_value(c, fetched)


@pytest.mark.parametrize("mode", ["none_dims", "unknown_rank"])
@pytest.mark.parametrize("c", _params([c for c in GRAD_CASES if c.grad_unknown]))
def test_gradient_with_unknown_shapes(c, mode, built):
    """Gradient rules that look at static shapes must give the same values without them."""
    if mode == "unknown_rank" and not c.unknown_rank:
        pytest.skip("the builder needs a known rank")
    values = []
    for m in ("known", mode):
        b = built(c, m)
        if not b.out.dtype.is_floating:
            pytest.skip("integer or bool output")
        r = np.random.default_rng(0).standard_normal(np.shape(b.run(b.out)))
        with b.graph.as_default():
            grads = tf.gradients(tf.reduce_sum(b.out * r), [b.phs[i] for i in _wrt(c)])
        for g, i in zip(grads, _wrt(c)):
            if g is not None:
                assert g.shape.is_compatible_with(c.inputs[i].shape), (m, i, g.shape)
        values.append([None if g is None else b.run(g) for g in grads])
    for i, (known, unknown) in enumerate(zip(*values)):
        if known is None or unknown is None:
            assert known is None and unknown is None, (c.id, i)
        else:
            np.testing.assert_allclose(unknown, known, rtol=1e-12, atol=1e-12)


def _z(*shape):
    return tf.placeholder(tf.float64, list(shape))


SHAPE_ERRORS = {
    "Add": lambda: _z(2, 3) + _z(4),
    "Maximum": lambda: tf.maximum(_z(2, 3), _z(2, 2)),
    "Select": lambda: tf.where(tf.placeholder(tf.bool, [3]), _z(2, 3), _z(2, 3)),
    "Select-bcast": lambda: tf.where(tf.placeholder(tf.bool, [2, 2]), _z(2, 3), _z(2, 3)),
    "MatMul": lambda: tf.matmul(_z(2, 3), _z(4, 5)),
    "MatMul-rank1": lambda: tf.matmul(_z(3), _z(3, 2)),
    "MatMul-batch": lambda: tf.matmul(_z(2, 3, 4), _z(3, 4, 5)),
    "AddN": lambda: tf.add_n([_z(2, 3), _z(3, 2)]),
    "ClipByValue": lambda: tf.clip_by_value(_z(1, 4), _z(3, 4), 1.0),
    "ClipByValue-rank": lambda: tf.clip_by_value(_z(4), _z(3, 1), 1.0),
    "Sum-axis": lambda: tf.reduce_sum(_z(2, 3), axis=2),
    "ArgMax-axis": lambda: tf.argmax(_z(2, 3), axis=-3),
    "Reshape": lambda: tf.reshape(_z(2, 3), [4, -1]),
    "Reshape-count": lambda: tf.reshape(_z(2, 3), [5]),
    "Transpose": lambda: tf.transpose(_z(2, 3), [0, 0]),
    "ExpandDims": lambda: tf.expand_dims(_z(2, 3), 3),
    "Squeeze": lambda: tf.squeeze(_z(2, 3), [0]),
    "ConcatV2": lambda: tf.concat([_z(2, 3), _z(3, 3)], 1),
    "ConcatV2-rank": lambda: tf.concat([_z(2, 3), _z(2)], 0),
    "Pack": lambda: tf.stack([_z(2, 3), _z(3, 2)]),
    "Tile": lambda: tf.tile(_z(2, 3), [2]),
    "GatherV2-axis": lambda: tf.gather(_z(2, 3), [0], axis=2),
    "Pack-axis": lambda: tf.stack([_z(2, 3), _z(2, 3)], axis=3),
    "Pack-negaxis": lambda: tf.stack([_z(2, 3), _z(2, 3)], axis=-4),
    "StridedSlice": lambda: _z(2, 3)[2],
    "StridedSlice-rank": lambda: _z(2, 3)[0, 0, 0],
    "Softmax-axis": lambda: tf.nn.softmax(_z(2, 3), axis=2),
    "SoftmaxCrossEntropyWithLogits": lambda: tf.nn.softmax_cross_entropy_with_logits_v2(
        labels=_z(2, 3), logits=_z(2, 4)),
    "SparseSoftmaxCrossEntropyWithLogits": lambda: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.placeholder(tf.int32, [3]), logits=_z(2, 4)),
    "Assign": lambda: tf.assign(tf.Variable(np.zeros((2, 3))), _z(3, 2)),
}


@pytest.mark.parametrize("name", sorted(SHAPE_ERRORS))
def test_static_shape_rule_rejects(graph, name):
    """Shapes that can never work are a ValueError when the op is built, not when it runs."""
    with pytest.raises(ValueError):
        SHAPE_ERRORS[name]()


# --- d. coverage ----------------------------------------------------------------------------
def test_every_registered_op_has_cases():
    registered = set(registry.all_ops())
    missing = sorted(registered - set(CASES) - set(EXEMPT))
    assert not missing, f"registered ops without cases in tests/op_cases.py: {missing}"
    unknown = sorted((set(CASES) | set(EXEMPT)) - registered)
    assert not unknown, f"op_cases.py names op types that are not registered: {unknown}"
    for op, where in EXEMPT.items():
        assert where.split("test_ops.")[-1] in globals(), (op, where)


def test_no_op_group_and_control_dependencies():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(1.0, dtype=tf.float64)
        inc = tf.assign_add(v, 2.0)
        dec = tf.assign_sub(v, 0.5)
        nop = tf.no_op(name="nothing")
        grouped = tf.group(inc, dec, name="both")
        with tf.control_dependencies([inc]):
            after = tf.identity(v)
    assert nop.type == "NoOp" and nop.outputs == () and grouped.type == "NoOp"
    assert set(grouped.control_inputs) == {inc.op, dec.op}
    with tf.Session(graph=g) as sess:
        sess.run(v.initializer)
        assert sess.run(nop) is None
        assert sess.run(grouped) is None
        assert sess.run(v) == 2.5
        assert sess.run(after) == 4.5


# --- random ops -----------------------------------------------------------------------------
def _draw(seed_graph, seed_op, fn=tf.random_uniform, runs=1, **kw):
    g = tf.Graph()
    with g.as_default():
        if seed_graph is not None:
            tf.set_random_seed(seed_graph)
        t = fn([2000], seed=seed_op, dtype=tf.float64, **kw)
        with tf.Session() as sess:
            return [sess.run(t) for _ in range(runs)]


@pytest.mark.parametrize("fn", [tf.random_uniform, tf.random_normal, tf.truncated_normal])
def test_random_seeds(fn):
    a1, a2 = _draw(1, 7, fn, runs=2)
    b1, b2 = _draw(1, 7, fn, runs=2)
    np.testing.assert_array_equal(a1, b1)  # same seeds: same sequence in a fresh session
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)  # successive runs draw new values
    assert not np.array_equal(a1, _draw(1, 8, fn)[0])
    assert not np.array_equal(a1, _draw(2, 7, fn)[0])
    np.testing.assert_array_equal(_draw(None, 7, fn)[0], _draw(None, 7, fn)[0])
    np.testing.assert_array_equal(_draw(3, None, fn)[0], _draw(3, None, fn)[0])
    assert not np.array_equal(_draw(None, None, fn)[0], _draw(None, None, fn)[0])


def test_random_ranges_and_moments():
    (x,) = _draw(0, 1, tf.random_uniform, minval=-2.0, maxval=3.0)
    assert x.dtype == np.float64 and x.min() >= -2 and x.max() < 3
    assert abs(x.mean() - 0.5) < 0.15 and abs(x.var() - 25 / 12) < 0.3
    (x,) = _draw(0, 1, tf.random_normal, mean=1.0, stddev=2.0)
    assert abs(x.mean() - 1) < 0.15 and abs(x.std() - 2) < 0.15
    (x,) = _draw(0, 1, tf.truncated_normal, mean=1.0, stddev=2.0)
    assert x.min() >= 1 - 4 and x.max() <= 1 + 4
    # a standard normal cut at +-2 has standard deviation 0.8796
    assert abs(x.mean() - 1) < 0.15 and abs(x.std() - 2 * 0.8796) < 0.12
    g = tf.Graph()
    with g.as_default():
        t = tf.random_normal([3, 4], seed=1)
        assert t.dtype == tf.float32 and t.shape.as_list() == [3, 4]
        with tf.Session() as sess:
            assert sess.run(t).dtype == np.float32


# --- e. dtype rules -------------------------------------------------------------------------
@pytest.fixture
def graph():
    g = tf.Graph()
    with g.as_default():
        yield g


@pytest.mark.parametrize("fn", [tf.add, tf.subtract, tf.multiply, tf.truediv, tf.maximum,
                                tf.pow, tf.equal, tf.less, tf.matmul,
                                lambda a, b: a * b, lambda a, b: a / b, lambda a, b: a @ b])
def test_mixed_dtypes_are_a_type_error_naming_both(graph, fn):
    a = tf.constant([[1.0, 2.0]], dtype=tf.float64, name="a64")
    b = tf.constant([[1.0, 2.0]], dtype=tf.float32, name="b32")
    with pytest.raises(TypeError) as e:
        fn(a, b)
    msg = str(e.value)
    assert "float64" in msg and "float32" in msg and "a64" in msg and "b32" in msg, msg


def test_python_values_take_the_tensor_dtype(graph):
    a = tf.constant([1.0, 2.0, 3.0], dtype=tf.float64)
    i = tf.constant([1, 2, 3], dtype=tf.int64)
    for t in (a * [2, 4, 6], [2, 4, 6] * a, a + 1, 1 - a, a / 2, 2 / a, a ** 2, 2 ** a,
              tf.maximum(a, 0), tf.clip_by_value(a, 0, 1)):
        assert t.dtype == tf.float64, t
    for t in (i * 2, 3 - i, i // 2, i % 2):
        assert t.dtype == tf.int64, t
    with pytest.raises(TypeError):
        i * 2.5  # a fraction cannot become int64
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(a * [2, 4, 6]), [2.0, 8.0, 18.0])


def test_numpy_values_defer_to_tensors(graph):
    t = tf.constant([0.5, 1.0, 2.0], dtype=tf.float64)
    y = [1.0, 0.0, 1.0]
    built = {"rpow": np.e ** t, "rmul": np.array(y) * t, "rsub": (1 - np.array(y)) * t,
             "radd": np.float64(2.0) + t, "rdiv": np.array(y) / t,
             "rmatmul": np.ones((2, 3)) @ tf.reshape(t, [3, 1])}
    for name, v in built.items():
        assert isinstance(v, tf.Tensor), (name, type(v))
        assert v.dtype == tf.float64, name
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(built["rpow"]), np.exp([0.5, 1.0, 2.0]))
        np.testing.assert_allclose(sess.run(built["rsub"]), [0.0, 1.0, 0.0])
        np.testing.assert_allclose(sess.run(built["rmatmul"]), [[3.5], [3.5]])


def test_truediv_of_ints_and_comparisons(graph):
    a = tf.constant([1, 2, 7], dtype=tf.int32)
    b = tf.constant([2, 2, 2], dtype=tf.int32)
    q = a / b
    assert q.dtype == tf.float64 and tf.truediv(a, 2).dtype == tf.float64
    assert tf.truediv(tf.constant([1], tf.int16), 2).dtype == tf.float32
    assert (a // b).dtype == tf.int32 and tf.div(a, b).dtype == tf.int32
    cmp = [a < b, a <= b, a > b, a >= b, tf.equal(a, b), tf.not_equal(a, b), 2 < a]
    assert all(t.dtype == tf.bool for t in cmp)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(q), [0.5, 1.0, 3.5])
        np.testing.assert_array_equal(sess.run(tf.div(a, b)), [0, 1, 3])
        assert sess.run(cmp[-1]).tolist() == [False, False, True]


def test_reduction_axis_forms(graph):
    x = np.arange(24.0).reshape(2, 3, 4)
    t = tf.constant(x)
    cases = {
        "keepdims": (tf.reduce_sum(t, axis=1, keepdims=True), x.sum(1, keepdims=True)),
        "keep_dims": (tf.reduce_mean(t, 1, keep_dims=True), x.mean(1, keepdims=True)),
        "neg": (tf.reduce_max(t, axis=-2), x.max(-2)),
        "neglist": (tf.reduce_min(t, axis=[-1, -3]), x.min((0, 2))),
        "tuple": (tf.reduce_prod(t / 10 + 1, axis=(0, 1)), (x / 10 + 1).prod((0, 1))),
        "npint": (tf.reduce_sum(t, axis=np.int64(2)), x.sum(2)),
        "tensor": (tf.reduce_sum(t, axis=tf.constant([0, -1])), x.sum((0, 2))),
        "reduction_indices": (tf.reduce_sum(t, reduction_indices=[0, 2]), x.sum((0, 2))),
        "none_keep": (tf.reduce_sum(t, keepdims=True), x.sum(keepdims=True)),
    }
    with tf.Session() as sess:
        for name, (got, want) in cases.items():
            assert got.shape.as_list() == list(want.shape), name
            np.testing.assert_allclose(sess.run(got), want, err_msg=name)
    with pytest.raises(ValueError):
        tf.reduce_sum(t, axis=3)
    with pytest.raises(ValueError):
        tf.reduce_sum(t, axis=-4)


def test_argmax_default_axis_is_zero(graph):
    x = np.array([[1.0, 9.0, 3.0], [4.0, 2.0, 6.0]])
    with tf.Session() as sess:
        got = sess.run(tf.argmax(x))
        assert got.dtype == np.int64 and got.tolist() == [1, 0, 1]
        assert sess.run(tf.argmin(x)).tolist() == [0, 1, 0]
        assert sess.run(tf.argmax(x, 1)).tolist() == [1, 2]


# --- numerical stability on huge logits -----------------------------------------------------
HUGE = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 999.0], [0.5, -0.5, 0.0]])
HUGE_LABELS = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def _ref_log_softmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _ref_log_sigmoid(x):  # log(sigmoid(x)), stable
    return -np.logaddexp(0, -x)


STABLE = {
    "softmax": (lambda x, z: tf.nn.softmax(x), lambda x, z: np.exp(_ref_log_softmax(x))),
    "log_softmax": (lambda x, z: tf.nn.log_softmax(x), lambda x, z: _ref_log_softmax(x)),
    "softmax_axis0": (lambda x, z: tf.nn.softmax(x, axis=0),
                      lambda x, z: np.exp(_ref_log_softmax(x, 0))),
    "sigmoid": (lambda x, z: tf.sigmoid(x), lambda x, z: np.exp(_ref_log_sigmoid(x))),
    "xent_v2": (lambda x, z: tf.nn.softmax_cross_entropy_with_logits_v2(labels=z, logits=x),
                lambda x, z: -(z * _ref_log_softmax(x)).sum(-1)),
    "xent_v1": (lambda x, z: tf.nn.softmax_cross_entropy_with_logits(labels=z, logits=x),
                lambda x, z: -(z * _ref_log_softmax(x)).sum(-1)),
    "sparse_xent": (lambda x, z: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.argmax(z, 1), logits=x),
        lambda x, z: -np.take_along_axis(_ref_log_softmax(x), z.argmax(1)[:, None], 1)[:, 0]),
    "sigmoid_xent": (lambda x, z: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
                     lambda x, z: -(z * _ref_log_sigmoid(x) + (1 - z) * _ref_log_sigmoid(-x))),
}


@pytest.mark.parametrize("name", sorted(STABLE))
@pytest.mark.parametrize("dtype", [tf.float64, tf.float32])
def test_stable_on_huge_logits(graph, name, dtype):
    build, ref = STABLE[name]
    x = tf.placeholder(dtype, [None, 3])
    z = tf.constant(HUGE_LABELS, dtype=dtype)
    y = build(x, z)
    (gx,) = tf.gradients(tf.reduce_sum(y), [x])
    with tf.Session() as sess:
        val, grad = sess.run([y, gx], {x: HUGE})
    assert np.all(np.isfinite(val)) and np.all(np.isfinite(grad)), (val, grad)
    tol = 1e-12 if dtype == tf.float64 else 1e-5
    np.testing.assert_allclose(val, ref(HUGE, HUGE_LABELS), rtol=tol, atol=tol)


def test_softmax_gradient_on_huge_logits_matches_reference(graph):
    x = tf.placeholder(tf.float64, [3, 3])
    loss = tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits_v2(labels=HUGE_LABELS, logits=x))
    (gx,) = tf.gradients(loss, [x])
    with tf.Session() as sess:
        got = sess.run(gx, {x: HUGE})
    want = np.exp(_ref_log_softmax(HUGE)) * HUGE_LABELS.sum(1, keepdims=True) - HUGE_LABELS
    np.testing.assert_allclose(got, want, atol=1e-12)


# --- float32: kernels keep the dtype the static rule promises ------------------------------
F32 = [c for c in EVERY if any(a.dtype == np.float64 for a in c.inputs)]


@pytest.mark.parametrize("c", _params(F32))
def test_float32_forward(c, built):
    c32 = c._replace(inputs=tuple(a.astype(np.float32) if a.dtype == np.float64 else a
                                  for a in c.inputs))
    try:
        b = built(c32)
    except TypeError as e:
        pytest.skip(f"the builder mixes in float64 values: {e}")
    fetched = b.run(b.out)
    assert _array(fetched, b.out).dtype == b.out.dtype.np_dtype, b.out.dtype
    _check_value(c, fetched, c32.inputs, rtol=2e-5, atol=2e-5)


def test_range_and_tf_dtype_names():
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.range(5)), np.arange(5))
        assert tf.range(5).dtype is tf.int32 and tf.range(0.0, 1.0, 0.5).dtype is tf.float32
        assert tf.range(3, 10, 2).shape.as_list() == [4]  # constants: the length is known
        n = tf.placeholder(tf.int32, [])
        assert tf.range(n).shape.as_list() == [None]
        np.testing.assert_array_equal(sess.run(tf.range(n), {n: 3}), [0, 1, 2])
    assert tf.placeholder("float", [None]).dtype is tf.float32  # TF1 tutorials' spelling
    assert tf.as_dtype("double") is tf.float64 and tf.as_dtype("half") is tf.float16
    with pytest.raises(ValueError, match="delta must not be 0"):
        tf.range(0, 5, 0)
